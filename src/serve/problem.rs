//! Errors as `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail`,
//! and, for invalid input, the findings as `annex check --format json` reports them (same
//! rule codes, same lines and columns in the profile text).
//!
//! Invariant: the status follows whose fault it is, by [`crate::error::exit_code`]: the
//! user's ([`Invalid`]) is a 4xx, only the tool's own failure is a 500.

use std::collections::HashMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::check::report::{shown_findings, JsonFinding, JsonOmitted};
use crate::error::{exit_code, Invalid, EXIT_INVALID};

/// Seconds a client is told to wait (`Retry-After`) when the server is full.
pub const RETRY_AFTER_SECS: u32 = 1;

/// A problem answer (boxed: it travels in every `Result` of a request).
#[derive(Debug)]
pub struct Problem(Box<Fields>);

#[derive(Debug, Serialize)]
struct Fields {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    findings: Vec<JsonFinding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    omitted: Vec<JsonOmitted>,
    /// The profile text the findings' places refer to, when the request sent the profile
    /// as a JSON object (turned into TOML).
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_toml: Option<String>,
    #[serde(skip)]
    retry: bool,
    #[serde(skip)]
    bearer: bool,
}

impl Problem {
    /// A problem of type `urn:annex:problem:<name>`.
    pub fn new(
        status: StatusCode,
        name: &str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem(Box::new(Fields {
            kind: format!("urn:annex:problem:{name}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            findings: Vec::new(),
            omitted: Vec::new(),
            profile_toml: None,
            retry: false,
            bearer: false,
        }))
    }

    /// 400: the request itself (its JSON, its query) cannot be read.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request cannot be read",
            detail,
        )
    }

    /// 401: no token, or the wrong one.
    pub fn unauthorized() -> Problem {
        let mut p = Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "A valid bearer token is required",
            "send the server's token as `Authorization: Bearer <token>`",
        );
        p.0.bearer = true;
        p
    }

    /// 503: every worker and queue place is taken, or the request ran out of time.
    pub fn unavailable(name: &str, title: &'static str, detail: impl Into<String>) -> Problem {
        let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, name, title, detail);
        p.0.retry = true;
        p
    }

    /// The answer for an error of the library: invalid input (422, with its findings
    /// placed in `texts`, the inputs by name) or the tool's failure (500).
    pub fn from_error(err: &anyhow::Error, texts: &HashMap<String, String>) -> Problem {
        if exit_code(err) != EXIT_INVALID {
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The document could not be made",
                chain(err),
            );
        }
        let found = err.chain().find_map(|e| e.downcast_ref::<Invalid>());
        match found {
            Some(Invalid::Findings {
                findings, summary, ..
            }) => {
                let (shown, omitted) = shown_findings(findings, texts);
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-input",
                    "The input is invalid",
                    summary.clone(),
                );
                p.0.findings = shown;
                p.0.omitted = omitted;
                p
            }
            _ => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "The input is invalid",
                chain(err),
            ),
        }
    }

    /// Adds the profile text the findings point into.
    pub fn with_profile_toml(mut self, text: Option<String>) -> Problem {
        if !self.0.findings.is_empty() {
            self.0.profile_toml = text;
        }
        self
    }
}

fn chain(err: &anyhow::Error) -> String {
    err.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let Problem(fields) = self;
        let status =
            StatusCode::from_u16(fields.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&fields).expect("a problem always serialises");
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if fields.retry {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if fields.bearer {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"annex\""),
            );
        }
        response
    }
}
