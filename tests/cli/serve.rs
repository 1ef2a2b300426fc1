//! `annex serve`: a real server on a free loopback port, spoken to in plain HTTP/1.1 over
//! a `TcpStream` (no client library): every endpoint, and every bad input with its exact
//! status and problem body.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use super::{annex, fixture, repo};

/// A running `annex serve`, stopped when dropped; its stderr (the request log) goes to a
/// file.
pub(super) struct Server {
    pub(super) child: Child,
    pub(super) addr: String,
    log: tempfile::NamedTempFile,
}

/// An HTTP answer.
pub(super) struct Reply {
    pub(super) status: u16,
    headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Reply {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Checks the status is 200, showing the body otherwise.
    fn ok(&self) -> &Reply {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        self
    }

    /// The problem body, after checking the status and the media type.
    fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let p = self.json();
        assert_eq!(p["status"], status);
        p
    }
}

impl Server {
    /// Starts `annex serve --listen 127.0.0.1:0 ARGS` and reads the address it prints.
    pub(super) fn start(args: &[&str]) -> Server {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_annex"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(repo(""))
            .env_remove("ANNEX_TOKEN")
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("annex serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .or_else(|| line.trim().strip_prefix("listening on https://"))
            .unwrap_or_else(|| panic!("first line: {line:?}"))
            .to_owned();
        Server { child, addr, log }
    }

    /// What the server wrote on stderr so far.
    pub(super) fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap()
    }

    pub(super) fn connect(&self) -> TcpStream {
        TcpStream::connect(&self.addr).expect("the server accepts")
    }

    pub(super) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut stream = self.connect();
        stream
            .write_all(&head(method, path, headers, Some(body.len())))
            .unwrap();
        stream.write_all(body).unwrap();
        read_reply(stream)
    }

    pub(super) fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[], b"")
    }

    fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }

    /// Waits (without a deadline: the server moves on its own) until the metrics say
    /// `in_flight` requests are admitted.
    fn wait_in_flight(&self, in_flight: usize) {
        let want = format!("annex_http_in_flight {in_flight}\n");
        while !String::from_utf8_lossy(&self.get("/metrics").body).contains(&want) {
            std::thread::yield_now();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn head(method: &str, path: &str, headers: &[(&str, &str)], length: Option<usize>) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(n) = length {
        text.push_str(&format!("Content-Length: {n}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    let head = String::from_utf8(raw[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = unchunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

pub(super) fn profile(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap()
}

pub(super) fn request(matrix: &str, profile_text: &str) -> Value {
    json!({ "matrix": matrix, "profile": profile_text })
}

pub(super) const SEED: &str = "ovhcloud-data-processing";

#[test]
fn every_endpoint_answers_and_a_render_is_the_cli_s_document() {
    let server = Server::start(&["--matrices", "data/matrices", "--workers", "2"]);
    let health = server.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    let matrices = server.get("/v1/matrices").json();
    let ids: Vec<&str> = matrices["matrices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SEED, "ovhcloud-data-processing-responsibility-model"]);
    assert_eq!(
        matrices["matrices"][0]["file"],
        "ovhcloud-data-processing.toml"
    );
    let catalogue = server.get("/v1/catalogue").json();
    assert!(catalogue["regions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "GRA"));

    // The page and its files come from the binary, and name no other site.
    for (path, kind) in [
        ("/", "text/html"),
        ("/page.js", "text/javascript"),
        ("/page.css", "text/css"),
    ] {
        let page = server.get(path);
        assert_eq!(page.status, 200, "{path}");
        assert!(page.header("content-type").unwrap().starts_with(kind));
        let text = String::from_utf8(page.body).unwrap();
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "{path} names another site"
        );
    }
    // The page shows the register (#26): a section with a table and labelled filters, filled
    // from /v1/annexes with text only (profile and customer text is untrusted).
    let html = String::from_utf8(server.get("/").body).unwrap();
    for part in [
        "<section id=\"register\"",
        "<th scope=\"col\">Customer</th>",
        "<label>State",
        "id=\"filter.customer\"",
    ] {
        assert!(html.contains(part), "the page lacks {part}");
    }
    let script = String::from_utf8(server.get("/page.js").body).unwrap();
    assert!(script.contains("'/v1/annexes'") && script.contains("'/v1/annexes/'"));
    assert!(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML"));

    // A draft annex: the same bytes `annex render` writes, and its fingerprint.
    let acme = profile("data/profiles/acme.toml");
    let reply = server.post("/v1/render", &request(SEED, &acme));
    reply.ok();
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"acme-annex.pdf\"")
    );
    assert_eq!(reply.header("x-annex-sealed"), Some("false"));
    let fingerprint = reply.header("x-annex-fingerprint").unwrap().to_owned();
    assert_eq!(fingerprint.len(), 64);
    let out = tempfile::tempdir().unwrap();
    let cli = annex(
        &repo(""),
        &[
            "render",
            "--profile",
            "data/profiles/acme.toml",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(cli.status.success());
    assert_eq!(
        std::fs::read(out.path().join("acme-annex.pdf")).unwrap(),
        reply.body,
        "the server's annex is the CLI's, byte for byte"
    );

    // A final profile gets the sealed PDF/A-3a + PDF/UA-1, which `annex verify` accepts.
    let nordwind = profile("data/profiles/nordwind.toml");
    let sealed = server.post("/v1/render", &request(SEED, &nordwind));
    sealed.ok();
    assert_eq!(sealed.header("x-annex-sealed"), Some("true"));
    let file = out.path().join("sealed.pdf");
    std::fs::write(&file, &sealed.body).unwrap();
    let verified = annex(out.path(), &["verify", "sealed.pdf"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // The other kinds, and a profile sent as a JSON object.
    for kind in ["onboarding", "audit"] {
        let reply = server.post(&format!("/v1/render?kind={kind}"), &request(SEED, &acme));
        assert_eq!(reply.status, 200, "{kind}");
        assert_eq!(
            reply.header("content-disposition"),
            Some(format!("attachment; filename=\"acme-{kind}.pdf\"").as_str())
        );
        assert!(reply.body.starts_with(b"%PDF-"));
    }
    let tables: toml::Table = toml::from_str(&acme).unwrap();
    let mut object = serde_json::to_value(&tables).unwrap();
    object["contract"]["effective-date"] = json!("2026-12-01");
    let reply = server.post("/v1/render", &json!({ "matrix": SEED, "profile": object }));
    reply.ok();
    assert_eq!(
        reply.header("x-annex-fingerprint"),
        Some(fingerprint.as_str())
    );

    // The check report, as `annex check --format json` writes it.
    let report = server.post("/v1/check", &request(SEED, &acme)).json();
    assert_eq!(report["schema"], 1);
    assert_eq!(
        report["inputs"],
        json!(["ovhcloud-data-processing.toml", "profile.toml"])
    );
    assert_eq!(report["summary"]["errors"], 0);
    assert!(
        report.get("profile_toml").is_none(),
        "the profile was TOML already"
    );
    let mut wrong = object.clone();
    wrong["location"]["region"] = json!("XXX");
    let report = server
        .post("/v1/check", &json!({ "matrix": SEED, "profile": wrong }))
        .json();
    let finding = &report["findings"][1];
    assert_eq!(finding["code"], "profile::unknown-region");
    let toml_text = report["profile_toml"].as_str().unwrap();
    let line = toml_text
        .lines()
        .nth(finding["location"]["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    assert_eq!(
        line, "region = \"XXX\"",
        "the place is in the TOML returned"
    );

    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    for line in [
        "annex_http_requests_total{route=\"/v1/render\",status=\"200\"} 5",
        "annex_http_requests_total{route=\"/v1/check\",status=\"200\"} 2",
        "annex_http_request_duration_seconds_count{route=\"/v1/render\"} 5",
        "annex_http_in_flight 0",
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }
}

#[test]
fn bad_input_gets_the_exact_status_and_problem() {
    let server = Server::start(&["--matrices", "data/matrices"]);
    let acme = profile("data/profiles/acme.toml");

    let malformed = server.send("POST", "/v1/render", &[], b"{\"matrix\": ");
    assert_eq!(
        malformed.problem(400),
        json!({
            "type": "urn:annex:problem:bad-request",
            "title": "The request cannot be read",
            "status": 400,
            "detail": "the request body is not JSON: EOF while parsing a value at line 1 column 11"
        })
    );

    // Unknown region: a 422 whose findings are `annex check`'s, places and all.
    let text = std::fs::read_to_string(fixture("serve/unknown-region.toml")).unwrap();
    let problem = server
        .post("/v1/render", &request(SEED, &text))
        .problem(422);
    assert_eq!(problem["type"], "urn:annex:problem:invalid-input");
    assert_eq!(problem["detail"], "input is invalid: 1 error, 0 warnings");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("profile.toml"), &text).unwrap();
    let cli = annex(
        dir.path(),
        &["check", "--profile", "profile.toml", "--format", "json"],
    );
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let of_profile: Vec<&Value> = cli["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["file"] == "profile.toml")
        .collect();
    assert_eq!(
        problem["findings"]
            .as_array()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        of_profile
    );
    assert_eq!(problem["findings"][0]["code"], "profile::unknown-region");
    assert_eq!(problem["findings"][0]["location"]["line"], 24);
    assert_eq!(problem["findings"][0]["location"]["column"], 10);
    // The check endpoint reports it with the same place, in a 200 report.
    let report = server.post("/v1/check", &request(SEED, &text)).json();
    assert_eq!(report["summary"]["exit_code"], 1);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .contains(&problem["findings"][0]));

    // Over the body limit: refused from its declared length, before it is read.
    let mut stream = server.connect();
    stream
        .write_all(&head("POST", "/v1/render", &[], Some(1024 * 1024 + 1)))
        .unwrap();
    assert_eq!(
        read_reply(stream).problem(413),
        json!({
            "type": "urn:annex:problem:too-large",
            "title": "The request body is too large",
            "status": 413,
            "detail": "request bodies are limited to 1,048,576 bytes (limits::MAX_REQUEST_BYTES)"
        })
    );

    let unknown = server.post("/v1/render", &request("ovhcloud-data-procesing", &acme));
    assert_eq!(
        unknown.problem(422)["detail"],
        "no matrix `ovhcloud-data-procesing` (did you mean `ovhcloud-data-processing`?): served are ovhcloud-data-processing, ovhcloud-data-processing-responsibility-model"
    );
    let unnamed = server.post("/v1/render", &json!({ "profile": acme }));
    assert_eq!(
        unnamed.problem(422)["type"],
        "urn:annex:problem:unknown-matrix"
    );

    // No path from a request reaches the file system.
    let with_path = acme.replace(
        "qualifications = []",
        "qualifications = []\nmatrices = [\"/etc/passwd\"]",
    );
    let problem = server
        .post("/v1/render", &request(SEED, &with_path))
        .problem(422);
    assert_eq!(problem["type"], "urn:annex:problem:matrix-path");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .starts_with("profile.toml:32:13: `[subscription] matrices` names files"));
    // Nor does a translation named in the profile.
    let with_translation = acme.replace(
        "qualifications = []",
        "qualifications = []\ntranslation = \"/etc/passwd\"",
    );
    for route in ["/v1/render", "/v1/check"] {
        let problem = server
            .post(route, &request(SEED, &with_translation))
            .problem(422);
        assert_eq!(problem["type"], "urn:annex:problem:matrix-path");
        assert!(problem["detail"]
            .as_str()
            .unwrap()
            .contains("`[subscription] translation` names a file"));
    }
    for path in ["../../etc/passwd", "/etc/passwd"] {
        let reply = server.post("/v1/render", &request(path, &acme));
        assert_eq!(
            reply.problem(422)["type"],
            "urn:annex:problem:unknown-matrix"
        );
    }

    let syntax = server.post("/v1/render", &request(SEED, "[customer\n"));
    let problem = syntax.problem(422);
    assert_eq!(problem["findings"][0]["code"], "profile::syntax");
    assert_eq!(problem["findings"][0]["location"]["line"], 1);

    let null = server.post(
        "/v1/render",
        &json!({ "matrix": SEED, "profile": { "customer": { "legal-name": null } } }),
    );
    assert_eq!(null.problem(400)["type"], "urn:annex:problem:bad-request");
    let kind = server.post("/v1/render?kind=poster", &request(SEED, &acme));
    assert_eq!(
        kind.problem(400)["detail"],
        "unknown kind `poster`: one of annex, onboarding, audit"
    );
    let extra = server.post(
        "/v1/check",
        &json!({ "matrix": SEED, "profile": acme, "path": "/" }),
    );
    assert_eq!(
        extra.problem(400)["detail"],
        "unknown field `path`: a request has `matrix` and `profile`"
    );
    assert_eq!(
        server.get("/v2/render").problem(404)["type"],
        "urn:annex:problem:not-found"
    );
    assert_eq!(
        server.get("/v1/render").problem(405)["type"],
        "urn:annex:problem:method-not-allowed"
    );

    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    assert!(
        !metrics.contains("status=\"500\""),
        "no bad input is a 500:\n{metrics}"
    );
}

#[test]
fn a_token_guards_the_api_and_is_required_off_the_loopback() {
    let refused = annex(&repo(""), &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(refused.stdout.is_empty(), "nothing is served");
    assert!(String::from_utf8_lossy(&refused.stderr)
        .contains("refusing to listen on 0.0.0.0:0 without a token"));
    // With a token, plain HTTP off the loopback still needs to be asked for.
    let refused = annex(
        &repo(""),
        &["serve", "--listen", "0.0.0.0:0", "--token", "t"],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--insecure-http"));

    let server = Server::start(&["--token", "s3cret"]);
    for headers in [
        vec![],
        vec![("Authorization", "Bearer s3cre")],
        vec![("Authorization", "s3cret")],
    ] {
        let reply = server.send("GET", "/v1/matrices", &headers, b"");
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer realm=\"annex\"")
        );
        assert_eq!(
            reply.problem(401),
            json!({
                "type": "urn:annex:problem:unauthorized",
                "title": "A valid bearer token is required",
                "status": 401,
                "detail": "send the server's token as `Authorization: Bearer <token>`"
            })
        );
    }
    let body = request(SEED, &profile("data/profiles/acme.toml")).to_string();
    let unauthorised = server.send("POST", "/v1/render", &[], body.as_bytes());
    unauthorised.problem(401);
    let ok = [("Authorization", "Bearer s3cret")];
    assert_eq!(server.send("GET", "/v1/matrices", &ok, b"").status, 200);
    assert_eq!(server.send("GET", "/metrics", &ok, b"").status, 200);
    assert_eq!(
        server
            .send("POST", "/v1/render", &ok, body.as_bytes())
            .status,
        200
    );
    // The health check and the page stay open: they hold no data.
    assert_eq!(server.get("/healthz").status, 200);
    assert_eq!(server.get("/").status, 200);
}

#[test]
fn a_full_server_answers_503_with_retry_after_and_a_slow_request_times_out() {
    let server = Server::start(&["--workers", "1", "--queue", "0", "--timeout", "1"]);
    let body = request(SEED, &profile("data/profiles/acme.toml")).to_string();
    // A request that is admitted and then sends its body slowly holds the only place.
    let mut held = server.connect();
    held.write_all(&head("POST", "/v1/check", &[], Some(body.len())))
        .unwrap();
    held.write_all(&body.as_bytes()[..10]).unwrap();
    server.wait_in_flight(1);
    let busy = server.send("POST", "/v1/render", &[], body.as_bytes());
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(busy.problem(503)["type"], "urn:annex:problem:busy");
    // The held request never finishes its body: the timeout answers it.
    let timed_out = read_reply(held);
    assert_eq!(timed_out.header("retry-after"), Some("1"));
    assert_eq!(
        timed_out.problem(503),
        json!({
            "type": "urn:annex:problem:timeout",
            "title": "The request took too long",
            "status": 503,
            "detail": "the request was not answered within 1 s (--timeout)"
        })
    );
    server.wait_in_flight(0);
    assert_eq!(
        server
            .send("POST", "/v1/render", &[], body.as_bytes())
            .status,
        200
    );
}

#[test]
fn the_openapi_file_names_every_route_and_problem_type() {
    let api = std::fs::read_to_string(repo("docs/openapi.yaml")).unwrap();
    let guide = std::fs::read_to_string(repo("docs/book/src/how-to/serve.md")).unwrap();
    for route in [
        "/v1/render",
        "/v1/check",
        "/v1/matrices",
        "/v1/catalogue",
        "/metrics",
        "/healthz",
    ] {
        assert!(
            api.contains(&format!("  {route}:\n")),
            "openapi.yaml lacks {route}"
        );
        assert!(
            guide.contains(route),
            "the guide's serving page lacks {route}"
        );
    }
    let source = std::fs::read_to_string(repo("src/serve/api.rs")).unwrap()
        + &std::fs::read_to_string(repo("src/serve/problem.rs")).unwrap();
    for name in [
        "bad-request",
        "unauthorized",
        "too-large",
        "unknown-matrix",
        "matrix-path",
        "invalid-input",
        "busy",
        "timeout",
        "not-found",
        "method-not-allowed",
        "internal",
    ] {
        assert!(
            source.contains(&format!("\"{name}\"")),
            "no problem type {name} in the code"
        );
        assert!(
            api.contains(name),
            "openapi.yaml lacks the problem type {name}"
        );
        assert!(
            guide.contains(&format!("`{name}`")),
            "the guide's serving page lacks the problem type {name}"
        );
    }
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start(&[]);
    assert_eq!(server.get("/healthz").status, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a stop by SIGTERM is not a failure");
}
