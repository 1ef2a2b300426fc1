//! The one HTTP exchange of signing (part of [`super`]): a TSA's token ([`super::tsa`]) and a
//! CA's CRL or OCSP response ([`super::revocation`]), over plain `http://` (what they answer
//! is signed, so it needs no secure channel), by ureq without TLS.
//!
//! Invariants: one request, one wait of at most `timeout`; at most `limit` bytes read (more
//! is an error, never a truncation); a message names the URL as [`crate::diag::shown_url`]
//! shows it, never with the password a TSA's URL may carry for basic authentication, even
//! where the client's own error would repeat the URL.

use std::io::Read as _;
use std::time::Duration;

/// GETs `url`, or POSTs `body` (its content type, its bytes) to it, and returns the answer.
/// An error starts with the URL as shown: callers put what it is before it ("the TSA at …").
pub fn exchange(
    url: &str,
    body: Option<(&str, &[u8])>,
    timeout: Duration,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let shown = crate::diag::shown_url(url);
    let agent = ureq::AgentBuilder::new().timeout(timeout).build();
    let response = match body {
        None => agent.get(url).call(),
        Some((content_type, bytes)) => agent
            .post(url)
            .set("Content-Type", content_type)
            .send_bytes(bytes),
    }
    .map_err(|e| format!("{shown} did not answer: {}", reason(e)))?;
    let mut out = Vec::new();
    response
        .into_reader()
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{shown}: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!("{shown} answered more than {limit} bytes"));
    }
    Ok(out)
}

/// What went wrong, without the URL ureq's own message starts with.
fn reason(e: ureq::Error) -> String {
    match e {
        ureq::Error::Status(code, response) => {
            format!("HTTP status {code} {}", response.status_text())
        }
        ureq::Error::Transport(t) => {
            let mut out = t.kind().to_string();
            if let Some(message) = t.message() {
                out.push_str(": ");
                out.push_str(message);
            }
            if let Some(source) = std::error::Error::source(&t) {
                out.push_str(&format!(": {source}"));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing listens on port 9 of the loopback (discard, not served): the refusal is
    /// said without the password the URL carries.
    #[test]
    fn a_refused_connection_is_said_without_the_password() {
        let e = exchange(
            "http://user:s3cret@127.0.0.1:9/tsa",
            Some(("application/timestamp-query", b"x")),
            Duration::from_secs(5),
            16,
        )
        .unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(
            e.starts_with("http://user:****@127.0.0.1:9/tsa did not answer: "),
            "{e}"
        );
    }
}
