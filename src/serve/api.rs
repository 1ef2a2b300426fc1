//! The routes: `POST /v1/render`, `POST /v1/check`, `GET /v1/matrices`, `GET
//! /v1/catalogue`, `GET /metrics`, `GET /healthz`, and the page at `/`.
//!
//! A request body is one JSON object, `{"matrix": "<id>", "profile": …}`, the profile
//! being TOML text (a string) or the same tables as a JSON object; places in findings are
//! lines and columns of that TOML text (for a JSON object, of the TOML it is turned into,
//! returned as `profile_toml`).
//!
//! Invariants: the work (parse, validate, typeset) runs on a blocking thread holding a
//! worker permit; the body is read only after the request is admitted, and never past
//! [`MAX_REQUEST_BYTES`]; the token is compared in constant time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, RawQuery, Request, State as Axum};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use super::problem::Problem;
use super::{Served, State};
use crate::diag;
use crate::error::{EXIT_INVALID, EXIT_OK};
use crate::kind::Kind;
use crate::limits::{thousands, MAX_REQUEST_BYTES};
use crate::load::{self, LoadedProfile, SourceFile};
use crate::{check, digest, document, seal};

/// The name a request's profile is reported under.
const PROFILE_NAME: &str = "profile.toml";

type Shared = Arc<State>;

/// Every route, with admission, authorisation and metrics.
pub fn router(state: Shared) -> Router {
    let work = Router::new()
        .route("/v1/render", post(render))
        .route("/v1/check", post(check))
        .route_layer(middleware::from_fn_with_state(state.clone(), admit));
    let api = Router::new()
        .merge(work)
        .route("/v1/matrices", get(matrices))
        .route("/v1/annexes", get(super::annexes::list))
        .route("/v1/annexes/{fingerprint}", get(super::annexes::one))
        .route("/v1/catalogue", get(catalogue))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    Router::new()
        .merge(api)
        .route("/", get(page))
        .route("/page.js", get(page_js))
        .route("/page.css", get(page_css))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// The matrix a request named, for its log line (a response extension).
#[derive(Clone)]
struct Named(String);

/// Counts every answer by route pattern and status, with its latency, and logs it: one
/// `tracing` event per request with its id (`X-Request-Id` as sent, if it is a plain token,
/// else a new one; echoed in the answer), method, route, status, latency, bytes, and the
/// matrix and fingerprint of a render. Never the profile, a header's value or the token.
async fn observe(Axum(state): Axum<Shared>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_owned();
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| plain_id(v))
        .map_or_else(new_request_id, str::to_owned);
    let method = request.method().to_string();
    let started = Instant::now();
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record(&route, status, elapsed);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let bytes = axum::body::HttpBody::size_hint(response.body()).exact();
    let matrix = response.extensions().get::<Named>().map(|n| n.0.clone());
    let fingerprint = response
        .headers()
        .get("x-annex-fingerprint")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    tracing::info!(
        request_id = id,
        method,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        bytes,
        matrix,
        fingerprint,
        "request"
    );
    response
}

/// A request id a client may choose: 1 to 128 letters, digits, `-`, `_`, `.` (anything
/// else could forge log lines or headers, and is replaced).
fn plain_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 128 random bits, hex.
fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    // The system's generator cannot fail on the platforms served; zeros would still be a
    // valid (if not unique) id.
    let _ = getrandom::fill(&mut bytes);
    digest::hex(&bytes)
}

/// The bearer token, when the server has one.
async fn authorize(
    Axum(state): Axum<Shared>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !same_secret(given, token) {
            return Problem::unauthorized().into_response();
        }
    }
    next.run(request).await
}

/// Compares two secrets in time independent of where they differ (and of the token's
/// length): their SHA-256 digests, every byte.
fn same_secret(given: &str, token: &str) -> bool {
    let (a, b) = (
        digest::sha256(given.as_bytes()),
        digest::sha256(token.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Admits a request to the work routes or answers 503 at once; bounds its whole time.
async fn admit(Axum(state): Axum<Shared>, request: Request, next: Next) -> Response {
    let Some(admission) = state.limiter.admit() else {
        return Problem::unavailable(
            "busy",
            "Every worker is busy",
            "the server is making as many documents as it may and its queue is full: retry after the time in Retry-After",
        )
        .into_response();
    };
    let answer = tokio::time::timeout(state.timeout, next.run(request)).await;
    drop(admission);
    match answer {
        Ok(response) => response,
        Err(_) => Problem::unavailable(
            "timeout",
            "The request took too long",
            format!(
                "the request was not answered within {} s (--timeout)",
                state.timeout.as_secs()
            ),
        )
        .into_response(),
    }
}

/// Reads the body, up to the limit.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Problem> {
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "The request body is too large",
            format!(
                "request bodies are limited to {} bytes (limits::MAX_REQUEST_BYTES)",
                thousands(MAX_REQUEST_BYTES)
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| too_large())
}

/// Runs `work` on a blocking thread once a worker is free.
async fn on_worker<T: Send + 'static>(
    state: &Shared,
    work: impl FnOnce(&State) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    let permit = state.limiter.worker().await;
    let state = Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work(&state)
    })
    .await
    .unwrap_or_else(|e| {
        Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The document could not be made",
            format!("the worker failed: {e}"),
        ))
    })
}

/// A request as read: the matrix named and the profile's text.
struct Input<'a> {
    served: &'a Served,
    profile: SourceFile,
    /// Set when the profile came as a JSON object: the TOML it became.
    converted: bool,
}

impl<'a> Input<'a> {
    fn parse(state: &'a State, body: &[u8]) -> Result<Input<'a>, Problem> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| Problem::bad_request(format!("the request body is not JSON: {e}")))?;
        let Value::Object(fields) = value else {
            return Err(Problem::bad_request(
                "the request body must be a JSON object: {\"matrix\": \"<id>\", \"profile\": …}",
            ));
        };
        if let Some(other) = fields
            .keys()
            .find(|k| !["matrix", "profile"].contains(&k.as_str()))
        {
            return Err(Problem::bad_request(format!(
                "unknown field `{other}`: a request has `matrix` and `profile`"
            )));
        }
        let served = served(state, fields.get("matrix"))?;
        let (text, converted) = match fields.get("profile") {
            Some(Value::String(text)) => (text.clone(), false),
            Some(Value::Object(tables)) => (to_toml(tables)?, true),
            Some(_) => {
                return Err(Problem::bad_request(
                    "`profile` is the profile's TOML text (a string) or its tables (an object)",
                ))
            }
            None => return Err(Problem::bad_request("missing field `profile`")),
        };
        Ok(Input {
            served,
            profile: SourceFile {
                name: PROFILE_NAME.into(),
                text,
            },
            converted,
        })
    }

    /// The inputs' texts by name, to place findings.
    fn texts(&self) -> HashMap<String, String> {
        HashMap::from([
            (self.profile.name.clone(), self.profile.text.clone()),
            (
                self.served.loaded.source.name.clone(),
                self.served.loaded.source.text.clone(),
            ),
        ])
    }

    fn problem(&self, err: &anyhow::Error) -> Problem {
        Problem::from_error(err, &self.texts())
            .with_profile_toml(self.converted.then(|| self.profile.text.clone()))
    }

    /// The profile, parsed.
    fn loaded(&self) -> Result<LoadedProfile, Problem> {
        let loaded =
            load::profile_from_source(self.profile.clone()).map_err(|e| self.problem(&e))?;
        self.refuse_paths(&loaded)?;
        Ok(loaded)
    }

    /// A profile naming matrix files is refused: requests name matrices by id, and no
    /// request reaches the file system.
    fn refuse_paths(&self, loaded: &LoadedProfile) -> Result<(), Problem> {
        let subscription = &loaded.raw.subscription;
        let named = subscription
            .matrices
            .first()
            .map(|m| (m.span(), "`[subscription] matrices` names files"))
            .or_else(|| {
                (subscription.translation.as_ref())
                    .map(|t| (t.span(), "`[subscription] translation` names a file"))
            });
        if let Some((span, what)) = named {
            let at = diag::locate(&self.profile.name, &self.profile.text, span, None);
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "matrix-path",
                "A served profile names its matrix by id",
                format!(
                    "{}:{}:{}: {what}; the server never reads a path from a request: remove it and name the matrix by id in the request's `matrix`",
                    at.file, at.line, at.column
                ),
            ));
        }
        Ok(())
    }
}

/// The matrix a request names; when it names none and only one is served, that one.
fn served<'a>(state: &'a State, named: Option<&Value>) -> Result<&'a Served, Problem> {
    let ids = || {
        state
            .matrices
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match named {
        Some(Value::String(id)) => state.matrices.get(id).ok_or_else(|| {
            let hint = diag::suggest(id, state.matrices.keys().map(String::as_str))
                .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-matrix",
                "No served matrix has this id",
                format!("no matrix `{}`{hint}: served are {}", diag::cut(id), ids()),
            )
        }),
        None if state.matrices.len() == 1 => Ok(state.matrices.values().next().expect("one")),
        None => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-matrix",
            "Name a matrix",
            format!(
                "this server serves several matrices: name one in `matrix`: {}",
                ids()
            ),
        )),
        Some(_) => Err(Problem::bad_request("`matrix` is a matrix id (a string)")),
    }
}

/// A profile given as a JSON object, as TOML text: the same tables and keys; a string
/// that reads as a TOML date becomes one at `contract.effective-date`, the one date key.
fn to_toml(tables: &serde_json::Map<String, Value>) -> Result<String, Problem> {
    let mut value = toml::Value::try_from(tables).map_err(|e| {
        Problem::bad_request(format!(
            "the profile object cannot be written as TOML ({e}): JSON null has no TOML form; leave the key out"
        ))
    })?;
    if let Some(date) = value
        .get_mut("contract")
        .and_then(|c| c.get_mut("effective-date"))
    {
        if let Some(parsed) = date
            .as_str()
            .and_then(|s| s.parse::<toml::value::Datetime>().ok())
        {
            *date = toml::Value::Datetime(parsed);
        }
    }
    toml::to_string(&value).map_err(|e| {
        Problem::bad_request(format!("the profile object cannot be written as TOML: {e}"))
    })
}

/// What `/v1/render`'s query asks: the kind, and whether a final document is recorded in
/// the register (`record=false`: a preview, such as the page's as the user types; the
/// page records the annex when it is downloaded).
fn render_query(query: Option<&str>) -> Result<(Kind, bool), Problem> {
    let (mut kind, mut record) = (Kind::Annex, true);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "kind" => {
                kind = Kind::from_name(value).ok_or_else(|| {
                    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                    Problem::bad_request(format!(
                        "unknown kind `{}`: one of {}",
                        diag::cut(value),
                        names.join(", ")
                    ))
                })?;
            }
            "record" => {
                record = match value {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(Problem::bad_request(format!(
                            "record is `true` or `false`, not `{}`",
                            diag::cut(other)
                        )))
                    }
                };
            }
            _ => {
                return Err(Problem::bad_request(format!(
                    "unknown query parameter `{}`: /v1/render takes `kind` and `record`",
                    diag::cut(key)
                )))
            }
        }
    }
    Ok((kind, record))
}

/// A made document and what its answer says about it.
struct Made {
    matrix: String,
    pdf: Vec<u8>,
    fingerprint: String,
    file_name: String,
    sealed: bool,
    pages: usize,
    warnings: usize,
}

fn make(state: &State, body: &[u8], kind: Kind, record: bool) -> Result<Made, Problem> {
    let input = Input::parse(state, body)?;
    let loaded = input.loaded()?;
    let fail = |e: anyhow::Error| input.problem(&e);
    let prepared = state
        .shared
        .prepare_parts(loaded, vec![input.served.loaded.clone()])
        .map_err(fail)?;
    let sealed = seal::for_document(&prepared, kind, false, None).map_err(fail)?;
    let document = document::make(&prepared, kind, None, sealed.as_ref()).map_err(fail)?;
    if sealed.is_some() {
        seal::check_attached(&document.compiled.pdf).map_err(fail)?;
    }
    // Recorded before it is answered: a document the register lacks is not handed out.
    if let (Some(register), true) = (&state.register, record) {
        register
            .record_made(
                &prepared,
                kind,
                &prepared.file_name(kind),
                &document.compiled.pdf,
                "serve",
            )
            .map_err(|e| {
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "register",
                    "The document could not be recorded",
                    crate::error::report(&e).trim_end().to_owned(),
                )
            })?;
    }
    Ok(Made {
        matrix: input.served.id.clone(),
        fingerprint: prepared.fingerprint(),
        file_name: prepared.file_name(kind),
        sealed: sealed.is_some(),
        pages: document.compiled.pages,
        warnings: prepared
            .shown_findings()
            .map_or(0, |(findings, _)| findings.len()),
        pdf: document.compiled.pdf,
    })
}

async fn render(
    Axum(state): Axum<Shared>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (kind, record) = match render_query(query.as_deref()) {
        Ok(asked) => asked,
        Err(p) => return p.into_response(),
    };
    let body = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    match on_worker(&state, move |s| make(s, &body, kind, record)).await {
        Ok(made) => {
            let mut response = made.pdf.into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            );
            let text = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""));
            h.insert(
                header::CONTENT_DISPOSITION,
                text(&format!("attachment; filename=\"{}\"", made.file_name)),
            );
            h.insert("x-annex-fingerprint", text(&made.fingerprint));
            h.insert(
                "x-annex-sealed",
                HeaderValue::from_static(if made.sealed { "true" } else { "false" }),
            );
            h.insert("x-annex-warnings", HeaderValue::from(made.warnings));
            h.insert("x-annex-pages", HeaderValue::from(made.pages));
            response.extensions_mut().insert(Named(made.matrix));
            response
        }
        Err(p) => p.into_response(),
    }
}

async fn check(Axum(state): Axum<Shared>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_body(&headers, body).await {
        Ok(b) => b,
        Err(p) => return p.into_response(),
    };
    let report = on_worker(&state, move |s| {
        let input = Input::parse(s, &body)?;
        // A profile that does not parse is reported by the check itself, as a finding.
        if let Ok(loaded) = load::profile_from_source(input.profile.clone()) {
            input.refuse_paths(&loaded)?;
        }
        let report = check::run_loaded(
            std::slice::from_ref(&input.served.loaded),
            input.profile.clone(),
            (&s.shared.catalogue, &s.shared.catalogue_source),
            &s.shared.policy,
            false,
        );
        let code = if diag::counts(&report.findings()).0 > 0 {
            EXIT_INVALID
        } else {
            EXIT_OK
        };
        let mut json = check::report::json(&report, None, code);
        // The places of a profile sent as a JSON object are in the TOML it became.
        if input.converted {
            json["profile_toml"] = Value::String(input.profile.text.clone());
        }
        Ok((json, input.served.id.clone()))
    })
    .await;
    match report {
        Ok((report, matrix)) => {
            let mut response = Json(report).into_response();
            response.extensions_mut().insert(Named(matrix));
            response
        }
        Err(p) => p.into_response(),
    }
}

/// One served matrix as a client sees it.
#[derive(serde::Serialize)]
struct MatrixInfo<'a> {
    id: &'a str,
    file: &'a str,
    title: &'a str,
    provider: &'a str,
    service: &'a str,
    version: Option<&'a str>,
    language: &'a str,
    activities: usize,
    parties: Vec<PartyInfo<'a>>,
    variants: Vec<&'a str>,
}

#[derive(serde::Serialize)]
struct PartyInfo<'a> {
    id: &'a str,
    name: &'a str,
}

async fn matrices(Axum(state): Axum<Shared>) -> Response {
    let list: Vec<MatrixInfo> = state
        .matrices
        .values()
        .map(|s| {
            let m = &s.loaded.matrix;
            MatrixInfo {
                id: &s.id,
                file: &s.loaded.source.name,
                title: &m.title,
                provider: &m.provider,
                service: &m.service,
                version: m.version.as_deref(),
                language: &m.language,
                activities: m.activities().count(),
                parties: m
                    .parties
                    .iter()
                    .map(|p| PartyInfo {
                        id: &p.id,
                        name: &p.name,
                    })
                    .collect(),
                variants: m.variants.iter().map(|v| v.id.as_str()).collect(),
            }
        })
        .collect();
    Json(serde_json::json!({ "matrices": list })).into_response()
}

async fn catalogue(Axum(state): Axum<Shared>) -> Response {
    Json(&state.shared.catalogue).into_response()
}

async fn metrics(Axum(state): Axum<Shared>) -> Response {
    let text = state.metrics.render(state.limiter.in_flight());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

async fn healthz() -> Response {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
        .into_response()
}

/// The page, its script and its style: files of the binary, no build step, nothing
/// fetched from elsewhere (the Content-Security-Policy says so to the browser).
fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; connect-src 'self' blob:; frame-src 'self' blob:; object-src 'self' blob:; img-src 'self' data: blob:",
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        body,
    )
        .into_response()
}

async fn page() -> Response {
    asset("text/html; charset=utf-8", include_str!("page/index.html"))
}

async fn page_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("page/page.js"),
    )
}

async fn page_css() -> Response {
    asset("text/css; charset=utf-8", include_str!("page/page.css"))
}

async fn not_found(request: Request) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "No such route",
        format!("no route {}", diag::cut(request.uri().path())),
    )
    .into_response()
}

async fn method_not_allowed(request: Request) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!(
            "{} does not take {}",
            diag::cut(request.uri().path()),
            request.method()
        ),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cre", "s3cret"));
        assert!(!same_secret("", "s3cret"));
        assert!(!same_secret("s3cret ", "s3cret"));
    }

    #[test]
    fn kinds_come_from_the_query() {
        assert_eq!(render_query(None).ok(), Some((Kind::Annex, true)));
        assert_eq!(
            render_query(Some("kind=audit")).ok(),
            Some((Kind::Audit, true))
        );
        assert_eq!(
            render_query(Some("kind=annex&record=false")).ok(),
            Some((Kind::Annex, false))
        );
        assert!(render_query(Some("record=maybe")).is_err());
        assert!(render_query(Some("kind=nope")).is_err());
        assert!(render_query(Some("path=/etc/passwd")).is_err());
    }

    #[test]
    fn a_json_profile_becomes_toml_with_its_date() {
        let json: Value = serde_json::json!({
            "customer": {"legal-name": "X"},
            "contract": {"effective-date": "2026-12-01", "reference": "R"},
        });
        let text = to_toml(json.as_object().unwrap()).unwrap();
        assert!(text.contains("effective-date = 2026-12-01"), "{text}");
        assert!(text.contains("reference = \"R\""), "{text}");
        let null: Value = serde_json::json!({"customer": {"legal-name": null}});
        assert!(to_toml(null.as_object().unwrap()).is_err());
    }
}
