//! The register's routes (part of [`super`]): `GET /v1/annexes` (filtered by customer,
//! contract, annex, state) and `GET /v1/annexes/{fingerprint}`, answered from the
//! server's register (`--register`).
//!
//! Invariants: register calls block, so they run on a blocking thread; a server without a
//! register answers 404, a failing register 503, never a partial list.

use axum::extract::{RawQuery, State as Axum};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::problem::Problem;
use super::State;
use crate::diag;

type Shared = std::sync::Arc<State>;

/// `GET /v1/annexes?customer=&contract=&state=`: the register's documents (exact matches
/// of each filter given), newest last.
pub(super) async fn list(Axum(state): Axum<Shared>, RawQuery(query): RawQuery) -> Response {
    let filters: Vec<(String, String)> = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), decode_query(v)))
        .collect();
    for (k, _) in &filters {
        if !["customer", "contract", "state", "annex"].contains(&k.as_str()) {
            return Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-filter",
                "Unknown filter",
                format!(
                    "unknown filter {:?}: filter by customer, contract, annex or state",
                    diag::cut(k)
                ),
            )
            .into_response();
        }
    }
    let listed = on_register(&state, move |r| r.list()).await;
    match listed {
        Ok(entries) => {
            let kept: Vec<_> = entries
                .into_iter()
                .filter(|e| {
                    filters.iter().all(|(k, v)| match k.as_str() {
                        "customer" => &e.customer == v,
                        "contract" => &e.contract == v,
                        "annex" => &e.annex == v,
                        _ => &e.state == v,
                    })
                })
                .collect();
            Json(serde_json::json!({ "annexes": kept })).into_response()
        }
        Err(p) => p.into_response(),
    }
}

/// `GET /v1/annexes/{fingerprint}`: one document (by fingerprint or a prefix of 8+ hex
/// digits) with its signatures.
pub(super) async fn one(
    Axum(state): Axum<Shared>,
    axum::extract::Path(fingerprint): axum::extract::Path<String>,
) -> Response {
    let found = on_register(&state, move |r| r.show(&fingerprint)).await;
    match found {
        Ok(entries) => Json(serde_json::json!({ "annexes": entries })).into_response(),
        Err(p) => p.into_response(),
    }
}

/// Runs a register query on a blocking thread (its calls block); 404 when the server has
/// no register, 404 for an unknown fingerprint, 503 when the register fails.
async fn on_register<T: Send + 'static>(
    state: &Shared,
    work: impl FnOnce(&crate::register::Register) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Problem> {
    let Some(register) = state.register.clone() else {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "no-register",
            "No register",
            "this server keeps no register: start it with --register".to_owned(),
        ));
    };
    tokio::task::spawn_blocking(move || {
        work(&register).map_err(|e| {
            let invalid = e.downcast_ref::<crate::error::Invalid>().is_some();
            let text = crate::error::report(&e).trim_end().to_owned();
            if invalid && (text.contains("holds no document") || text.contains("not a fingerprint"))
            {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "No such annex", text)
            } else {
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "register",
                    "The register failed",
                    text,
                )
            }
        })
    })
    .await
    .unwrap_or_else(|e| {
        Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The register could not be read",
            format!("the worker failed: {e}"),
        ))
    })
}

/// A query value: `+` is a space, `%XX` a byte (invalid UTF-8 replaced).
fn decode_query(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
