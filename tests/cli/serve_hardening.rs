//! `annex serve` against a careless network (#28): connections that never finish their
//! headers, a cap on open connections, HTTPS with a certificate of the test's own, and the
//! JSON request log.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::serve::{profile, request, Server, SEED};

/// Reads until the server closes the connection (or `limit` passes): what it sent.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // A reset is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Some(got),
            Err(_) => return None,
        }
    }
}

#[test]
fn connections_that_never_finish_their_headers_are_closed_while_healthz_answers() {
    let server = Server::start(&["--header-timeout", "2"]);
    let started = Instant::now();
    let mut idle: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = server.connect();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: te").unwrap();
            s
        })
        .collect();
    // The server still answers while they hang.
    assert_eq!(server.get("/healthz").status, 200);
    for s in &mut idle {
        let closed = read_until_closed(s, Duration::from_secs(10));
        assert!(closed.is_some(), "a half-open connection was kept open");
    }
    // Closed by the 2 s header timeout, not by the test's 10 s read limit.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "closed after {:?}",
        started.elapsed()
    );
    assert_eq!(server.get("/healthz").status, 200);
    // An idle keep-alive connection is closed the same way after its first answer.
    let mut keep = server.connect();
    keep.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let answer = read_until_closed(&mut keep, Duration::from_secs(10)).expect("closed");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

#[test]
fn past_the_connection_cap_a_connection_is_closed_at_once() {
    let server = Server::start(&["--max-connections", "4", "--header-timeout", "30"]);
    let held: Vec<TcpStream> = (0..4).map(|_| server.connect()).collect();
    // Let the server accept them all before the fifth.
    std::thread::sleep(Duration::from_millis(300));
    let mut fifth = server.connect();
    let _ = fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let got = read_until_closed(&mut fifth, Duration::from_secs(5)).expect("closed at once");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.get("/healthz").status, 200);
}

/// A self-signed certificate for 127.0.0.1, made with openssl.
fn certificate(dir: &Path) {
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "2",
            "-subj",
            "/CN=annex test",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn https_serves_healthz_and_a_render_to_curl_with_the_ca() {
    if !crate::tools(&["openssl", "curl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    certificate(d);
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let server = Server::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let url = |path: &str| format!("https://{}{path}", server.addr);
    let curl = |args: &[&str]| {
        Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--cacert",
                cert.to_str().unwrap(),
            ])
            .args(args)
            .output()
            .expect("curl runs")
    };
    let health = curl(&[&url("/healthz")]);
    assert!(
        health.status.success(),
        "{}",
        String::from_utf8_lossy(&health.stderr)
    );
    let body = request(SEED, &profile("data/profiles/acme.toml")).to_string();
    std::fs::write(d.join("body.json"), &body).unwrap();
    let pdf = d.join("annex.pdf");
    let render = curl(&[
        "--fail",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &format!("@{}", d.join("body.json").display()),
        "-o",
        pdf.to_str().unwrap(),
        &url("/v1/render"),
    ]);
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    // Plain HTTP to the TLS port gets no answer.
    let mut plain = server.connect();
    let _ = plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    let got = read_until_closed(&mut plain, Duration::from_secs(15)).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&got).contains("200 OK"));
    // A key that does not go with the certificate stops the start, named.
    let other = tempfile::tempdir().unwrap();
    certificate(other.path());
    let refused = super::annex(
        &super::repo(""),
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            other.path().join("key.pem").to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", super::show(&refused));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("key.pem"));
}

#[test]
fn every_request_is_one_json_line_without_the_profile_or_the_token() {
    let server = Server::start(&["--token", "s3cret-token"]);
    let text = profile("data/profiles/acme.toml");
    let body = request(SEED, &text).to_string();
    let auth = ("Authorization", "Bearer s3cret-token");
    let reply = server.send(
        "POST",
        "/v1/render",
        &[
            auth,
            ("X-Request-Id", "crm-42"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-request-id"), Some("crm-42"));
    let fingerprint = reply.header("x-annex-fingerprint").unwrap().to_owned();
    // A forged id (a line break) is replaced by one of the server's.
    let health = server.send("GET", "/healthz", &[("X-Request-Id", "a b")], b"");
    let made = health.header("x-request-id").unwrap().to_owned();
    assert_eq!(made.len(), 32, "{made}");
    server.send("GET", "/nowhere", &[], b"");
    // The lines are written as the answers go out; give the writer a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines: Vec<Value> = loop {
        let lines: Vec<Value> = server
            .log()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines.len() >= 3 || Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let render = lines
        .iter()
        .find(|l| l["request_id"] == "crm-42")
        .unwrap_or_else(|| panic!("no line for crm-42: {lines:?}"));
    assert_eq!(render["method"], "POST");
    assert_eq!(render["route"], "/v1/render");
    assert_eq!(render["status"], 200);
    assert_eq!(render["matrix"], SEED);
    assert_eq!(render["fingerprint"], fingerprint.as_str());
    assert!(render["latency_ms"].as_f64().unwrap() > 0.0);
    assert!(render["bytes"].as_u64().unwrap() > 1000);
    assert!(render["timestamp"].is_string());
    assert!(lines
        .iter()
        .any(|l| l["request_id"] == made.as_str() && l["route"] == "/healthz"));
    assert!(lines.iter().any(|l| l["status"] == 404));
    let log = server.log();
    assert!(!log.contains("s3cret-token"), "the token is never logged");
    assert!(
        !log.contains("ACME Industries"),
        "the profile is never logged"
    );
}
