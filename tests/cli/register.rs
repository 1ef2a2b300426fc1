//! The annex register (#26): a contract portfolio recorded as it is issued and signed,
//! outdated by a new matrix revision, re-signed in one campaign; tampering found. Run on
//! SQLite always, and on PostgreSQL when `ANNEX_TEST_PG_HOST` names a server's socket
//! folder (`.ci/run` starts a throwaway cluster and sets it).

use std::path::Path;

use super::{annex, fixture, repo, show, tools};

const OLD: &str = "tests/fixtures/pack-customers/old-matrix.toml";
const NEW: &str = "data/matrices/ovhcloud-data-processing.toml";

fn pki(name: &str) -> (String, String) {
    let d = fixture("seal-test-pki");
    (
        d.join(format!("TEST-ONLY-{name}.key.pem"))
            .display()
            .to_string(),
        d.join(format!("TEST-ONLY-{name}.cert.pem"))
            .display()
            .to_string(),
    )
}

/// A final profile of contract `CTR-<n>`.
fn profile(n: usize) -> String {
    format!(
        r#"[customer]
legal-name = "Customer {n:02} Ltd"
short-name = "C{n:02}"

[contract]
reference = "CTR-{n:02}"
annex-number = 2
effective-date = 2026-09-01
status = "final"
language = "en"

[location]
region = "GRA"

[subscription]
services = ["data-processing"]

[[signatories]]
party = "customer"
name = "Signer {n:02}"
title = "CISO"

[[signatories]]
party = "provider"
name = "Sophie Durand"
title = "Key Account Manager"
"#
    )
}

fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = annex(dir, args);
    assert_eq!(out.status.code(), Some(0), "annex {args:?}\n{}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&run_ok(dir, args)).expect("JSON")
}

/// The whole life of a portfolio against the register at `location`.
fn portfolio(dir: &Path, location: &str) {
    let (old, new) = (repo(OLD), repo(NEW));
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    for (batch, range) in [("older", 1..=10), ("newer", 11..=20)] {
        std::fs::create_dir_all(dir.join(batch)).unwrap();
        for n in range {
            std::fs::write(dir.join(batch).join(format!("c{n:02}.toml")), profile(n)).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join("all")).unwrap();
    for n in 1..=20 {
        std::fs::write(dir.join("all").join(format!("c{n:02}.toml")), profile(n)).unwrap();
    }
    let (pkey, pcert) = (pki("provider").0, pki("provider").1);
    let (ckey, ccert) = pki("customer");
    // Ten annexes under the older revision, ten under the newer; the provider signs each.
    for (batch, matrix) in [("older", old), ("newer", new)] {
        run_ok(
            dir,
            &[
                "batch",
                batch,
                "--matrix",
                matrix,
                "--out",
                "out",
                "--quiet",
                "--register",
                location,
                "--sign-key",
                &pkey,
                "--sign-cert",
                &pcert,
                "--jobs",
                "2",
            ],
        );
    }
    // Five customers countersign with annex sign, recorded at once.
    for n in [1, 2, 3, 12, 13] {
        let f = format!("out/c{n:02}-annex.pdf");
        run_ok(
            dir,
            &[
                "sign",
                &f,
                "--sign-key",
                &ckey,
                "--sign-cert",
                &ccert,
                "--register",
                location,
            ],
        );
    }
    // One countersigns elsewhere (here: without the register), and the file comes back.
    run_ok(
        dir,
        &[
            "sign",
            "out/c14-annex.pdf",
            "--sign-key",
            &ckey,
            "--sign-cert",
            &ccert,
        ],
    );
    let imported = run_ok(
        dir,
        &[
            "register",
            "import",
            "out/c14-annex.pdf",
            "--register",
            location,
        ],
    );
    assert!(imported.contains("2 signature(s), 1 new"), "{imported}");
    // Importing again adds nothing.
    let again = run_ok(
        dir,
        &[
            "register",
            "import",
            "out/c14-annex.pdf",
            "--register",
            location,
        ],
    );
    assert!(again.contains("0 new"), "{again}");

    // The list: every file's current SHA-256, six contracts with two signatures.
    let list = json(
        dir,
        &[
            "register",
            "list",
            "--format",
            "json",
            "--register",
            location,
        ],
    );
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 20, "{list:?}");
    for e in list {
        let file = dir.join("out").join(e["file"].as_str().unwrap());
        let bytes = std::fs::read(&file).unwrap();
        assert_eq!(
            e["sha256"],
            annex::digest::sha256_hex(&bytes),
            "{}",
            file.display()
        );
    }
    let two = list.iter().filter(|e| e["signatures"] == 2).count();
    assert_eq!(two, 6);
    assert!(list
        .iter()
        .filter(|e| e["signatures"] == 2)
        .all(|e| e["state"] == "signed"));
    assert!(list
        .iter()
        .filter(|e| e["signatures"] == 1)
        .all(|e| e["state"] == "partly signed"));
    let csv = run_ok(
        dir,
        &[
            "register",
            "status",
            "--format",
            "csv",
            "--register",
            location,
        ],
    );
    assert_eq!(csv.lines().count(), 21, "{csv}");
    assert!(csv.starts_with("contract,annex,customer,state,"), "{csv}");

    // Outdated: exactly the ten made under the older revision, with the reassignment.
    let outdated = json(
        dir,
        &[
            "register",
            "outdated",
            "--matrix",
            new,
            "--format",
            "json",
            "--register",
            location,
        ],
    );
    let mut names: Vec<&str> = outdated
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["contract"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    let want: Vec<String> = (1..=10).map(|n| format!("CTR-{n:02}")).collect();
    assert_eq!(names, want);
    let first = &outdated[0];
    assert_eq!(first["changes"][0]["class"], "reassigned", "{first}");
    assert_eq!(first["annex"], "2");

    // The campaign: ten new annexes with their change notices, then nothing is outdated.
    let out = annex(
        dir,
        &[
            "batch",
            "all",
            "--matrix",
            new,
            "--outdated",
            "--register",
            location,
            "--out",
            "resign",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let mut made: Vec<String> = std::fs::read_dir(dir.join("resign"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    made.sort();
    assert_eq!(made.len(), 20, "{made:?}");
    assert!(
        made.contains(&"c01-annex-changes.pdf".to_owned()),
        "{made:?}"
    );
    assert!(!made.iter().any(|n| n.starts_with("c11")), "{made:?}");
    let outdated = json(
        dir,
        &[
            "register",
            "outdated",
            "--matrix",
            new,
            "--format",
            "json",
            "--register",
            location,
        ],
    );
    assert_eq!(outdated.as_array().unwrap().len(), 0, "{outdated}");
    let status = json(
        dir,
        &[
            "register",
            "status",
            "--format",
            "json",
            "--register",
            location,
        ],
    );
    let c01 = status
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["contract"] == "CTR-01")
        .unwrap();
    assert_eq!(c01["state"], "awaiting signature", "{c01}");
    assert!(c01["file"].as_str().unwrap().ends_with("c01-annex.pdf"));

    // Show one, by a prefix of its fingerprint.
    let fp = c01["fingerprint"].as_str().unwrap();
    let shown = run_ok(
        dir,
        &["register", "show", &fp[..12], "--register", location],
    );
    assert!(shown.contains("CTR-01 annex 2"), "{shown}");

    // The export carries the chain's head; verify finds the chain intact.
    let export = json(dir, &["register", "export", "--register", location]);
    assert_eq!(export["head"].as_str().unwrap().len(), 64);
    let ok = run_ok(dir, &["register", "verify", "--register", location]);
    assert!(ok.starts_with("ok: the register"), "{ok}");
}

#[test]
fn a_portfolio_on_sqlite_and_a_row_changed_behind_its_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("annexes.db");
    let db = db.to_str().unwrap();
    portfolio(dir.path(), db);
    if !tools(&["sqlite3"]) {
        return;
    }
    // The triggers refuse an update; someone who drops them is still found out.
    let refused = std::process::Command::new("sqlite3")
        .args([
            db,
            "UPDATE annex_events SET customer = 'Mallory' WHERE seq = 3",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("append-only"));
    let changed = std::process::Command::new("sqlite3")
        .args([
            db,
            "DROP TRIGGER annex_events_no_update; UPDATE annex_events SET customer = 'Mallory' WHERE seq = 3",
        ])
        .output()
        .unwrap();
    assert!(changed.status.success(), "{changed:?}");
    let out = annex(dir.path(), &["register", "verify", "--register", db]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAILED event 3: column customer"), "{text}");
    // A deleted row is named too.
    let deleted = std::process::Command::new("sqlite3")
        .args([
            db,
            "DROP TRIGGER annex_events_no_delete; DELETE FROM annex_events WHERE seq = 5",
        ])
        .output()
        .unwrap();
    assert!(deleted.status.success());
    let out = annex(dir.path(), &["register", "verify", "--register", db]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("event(s) 5 to 5 were deleted"), "{text}");
}

/// A PostgreSQL database of its own for one test, on the server whose socket folder
/// `ANNEX_TEST_PG_HOST` names (and port `ANNEX_TEST_PG_PORT`, else 5432), created with
/// psql: its name and its URL over the socket.
fn postgres_database(name: &str) -> Option<(String, String)> {
    let host = std::env::var("ANNEX_TEST_PG_HOST").ok()?;
    let port = std::env::var("ANNEX_TEST_PG_PORT").unwrap_or_else(|_| "5432".to_owned());
    let db = format!("annex_{name}_{}", std::process::id());
    let made = std::process::Command::new("psql")
        .args([
            "-h", &host, "-p", &port, "-U", "annex", "-d", "postgres", "-qc",
        ])
        .arg(format!("CREATE DATABASE {db}"))
        .output()
        .expect("psql runs");
    assert!(made.status.success(), "{made:?}");
    let socket: String = host
        .bytes()
        .map(|b| match b {
            b'/' => "%2F".to_owned(),
            b => (b as char).to_string(),
        })
        .collect();
    Some((db.clone(), format!("postgres://annex@{socket}:{port}/{db}")))
}

fn no_postgres() {
    assert!(
        std::env::var_os("CI").is_none(),
        "ANNEX_TEST_PG_HOST is not set: .ci/run starts PostgreSQL"
    );
    eprintln!("skipped here: no PostgreSQL (ANNEX_TEST_PG_HOST unset; CI starts one)");
}

#[test]
fn a_portfolio_on_postgresql() {
    let Some((_, url)) = postgres_database("portfolio") else {
        return no_postgres();
    };
    let dir = tempfile::tempdir().unwrap();
    portfolio(dir.path(), &url);
}

/// A register on a PostgreSQL reached over the network is reached over TLS: `sslmode` and
/// `sslrootcert` in the URL, as libpq reads them. The CI server takes TCP connections with
/// TLS only, with a certificate from a test CA: `verify-full` with that CA records and
/// reads; without it (the system's roots only) the certificate is refused, without TLS the
/// server refuses, and a CA file that is not there is named; each is exit 1 before any
/// document, naming the host, never the password.
#[test]
fn a_register_on_postgresql_over_verified_tls() {
    let Some((db, _)) = postgres_database("tls") else {
        return no_postgres();
    };
    let (Ok(port), Ok(ca)) = (
        std::env::var("ANNEX_TEST_PG_PORT"),
        std::env::var("ANNEX_TEST_PG_CA"),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "ANNEX_TEST_PG_PORT and ANNEX_TEST_PG_CA are not set: .ci/run sets them"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let alpha = fixture("pack-customers/alpha.toml").display().to_string();
    let url = |query: &str| format!("postgres://annex:s3cret-pw@localhost:{port}/{db}?{query}");
    let render = |register: &str| {
        annex(
            d,
            &[
                "render",
                "--final",
                "--profile",
                &alpha,
                "--out",
                "out",
                "--register",
                register,
            ],
        )
    };
    for (query, says) in [
        (
            "sslmode=verify-full",
            "cannot open the register postgres://annex:****@localhost:",
        ),
        ("sslmode=disable", "no encryption"),
        (
            "sslmode=verify-full&sslrootcert=missing-ca.pem",
            "sslrootcert missing-ca.pem: No such file",
        ),
    ] {
        let out = render(&url(query));
        assert_eq!(out.status.code(), Some(1), "{query}: {}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{query}: {err}");
        assert!(!err.contains("s3cret-pw"), "{err}");
        assert!(!d.join("out").exists(), "{query}: nothing is made");
    }
    let verified = url(&format!("sslmode=verify-full&sslrootcert={ca}"));
    let out = render(&verified);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let list = json(
        d,
        &[
            "register",
            "list",
            "--format",
            "json",
            "--register",
            &verified,
        ],
    );
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["contract"], "CTR-PACK-ALPHA", "{list}");
}

#[test]
fn what_is_not_a_register_stops_the_run_before_any_document() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("notes.txt"), "not a database at all, just text\n").unwrap();
    for (register, expected) in [
        (
            "notes.txt",
            "notes.txt is not an annex register: not an SQLite database",
        ),
        (
            "postgres://annex:hunter2@127.0.0.1:1/annex",
            "postgres://annex:****@127.0.0.1:1/annex",
        ),
    ] {
        let out = annex(
            d,
            &[
                "render",
                "--final",
                "--profile",
                &fixture("pack-customers/alpha.toml").display().to_string(),
                "--out",
                "out",
                "--register",
                register,
            ],
        );
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(!d.join("out").exists(), "a document was made");
    }
    // Another application's database is not taken over.
    if tools(&["sqlite3"]) {
        let other = d.join("other.db");
        let made = std::process::Command::new("sqlite3")
            .arg(&other)
            .arg("CREATE TABLE invoices (id INTEGER)")
            .output()
            .unwrap();
        assert!(made.status.success());
        let out = annex(
            d,
            &["register", "list", "--register", other.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("it holds other tables (invoices)"));
    }
    let out = annex(d, &["register", "list"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no register named"));
}

#[test]
fn drafts_are_not_recorded_and_a_pack_carries_the_contracts_entries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("r.db").display().to_string();
    run_ok(d, &["render", "--out", "out", "--register", &db]);
    let list = json(
        d,
        &["register", "list", "--format", "json", "--register", &db],
    );
    assert_eq!(
        list.as_array().unwrap().len(),
        0,
        "a draft was recorded: {list}"
    );
    let alpha = fixture("pack-customers/alpha.toml").display().to_string();
    run_ok(
        d,
        &[
            "render",
            "--final",
            "--profile",
            &alpha,
            "--out",
            "out",
            "--register",
            &db,
        ],
    );
    run_ok(
        d,
        &[
            "pack",
            "--profile",
            &alpha,
            "--out",
            "packs",
            "--register",
            &db,
        ],
    );
    let list = json(
        d,
        &["register", "list", "--format", "json", "--register", &db],
    );
    let files: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["alpha-annex.pdf", "alpha-evidence.zip#alpha-annex.pdf"]
    );
    let pack = std::fs::read(d.join("packs/alpha-evidence.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pack)).unwrap();
    let mut member = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("register.json").unwrap(), &mut member).unwrap();
    assert!(member.contains("\"file\": \"alpha-annex.pdf\""), "{member}");
    let verified = annex(d, &["verify", "packs/alpha-evidence.zip"]);
    assert_eq!(verified.status.code(), Some(0), "{}", show(&verified));
}

#[test]
fn serve_records_what_it_makes_and_answers_from_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("served.db").display().to_string();
    let server = super::serve::Server::start(&["--register", &db]);
    let profile = std::fs::read_to_string(fixture("pack-customers/alpha.toml")).unwrap();
    let body = serde_json::json!({ "matrix": "ovhcloud-data-processing", "profile": profile });
    // A preview is not recorded.
    let preview = server.send(
        "POST",
        "/v1/render?kind=annex&record=false",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(preview.status, 200);
    let listed: serde_json::Value =
        serde_json::from_slice(&server.get("/v1/annexes").body).unwrap();
    assert_eq!(listed["annexes"].as_array().unwrap().len(), 0, "{listed}");
    let made = server.send(
        "POST",
        "/v1/render",
        &[("Content-Type", "application/json")],
        body.to_string().as_bytes(),
    );
    assert_eq!(made.status, 200, "{}", String::from_utf8_lossy(&made.body));
    let fingerprint = made.header("x-annex-fingerprint").unwrap().to_owned();
    let listed = server.get("/v1/annexes?contract=CTR-PACK-ALPHA&state=awaiting+signature");
    assert_eq!(listed.status, 200);
    let listed: serde_json::Value = serde_json::from_slice(&listed.body).unwrap();
    assert_eq!(
        listed["annexes"][0]["fingerprint"],
        fingerprint.as_str(),
        "{listed}"
    );
    assert_eq!(
        listed["annexes"][0]["sha256"],
        annex::digest::sha256_hex(&made.body)
    );
    let none = server.get("/v1/annexes?customer=Nobody");
    let none: serde_json::Value = serde_json::from_slice(&none.body).unwrap();
    assert_eq!(none["annexes"].as_array().unwrap().len(), 0);
    let one = server.get(&format!("/v1/annexes/{}", &fingerprint[..10]));
    assert_eq!(one.status, 200);
    assert_eq!(server.get("/v1/annexes/0123456789abcdef").status, 404);
    assert_eq!(server.get("/v1/annexes?colour=red").status, 400);
    drop(server);
    // The same register, read from the command line.
    let list = json(
        dir.path(),
        &["register", "list", "--format", "json", "--register", &db],
    );
    assert_eq!(list[0]["file"], "alpha-annex.pdf");
    // Without a register, the routes say so.
    let bare = super::serve::Server::start(&[]);
    assert_eq!(bare.get("/v1/annexes").status, 404);
}

#[test]
fn two_shards_and_their_workers_write_one_sqlite_register_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("profiles")).unwrap();
    for n in 1..=16 {
        std::fs::write(d.join("profiles").join(format!("c{n:02}.toml")), profile(n)).unwrap();
    }
    let db = d.join("shared.db").display().to_string();
    let shards: Vec<std::process::Child> = ["0/2", "1/2"]
        .iter()
        .map(|shard| {
            crate::annex_command(
                d,
                &[
                    "batch",
                    "profiles",
                    "--out",
                    "out",
                    "--quiet",
                    "--jobs",
                    "2",
                    "--shard",
                    shard,
                    "--register",
                    &db,
                ],
            )
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for shard in shards {
        let out = shard.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = json(
        d,
        &["register", "list", "--format", "json", "--register", &db],
    );
    assert_eq!(list.as_array().unwrap().len(), 16, "{list}");
    let ok = run_ok(d, &["register", "verify", "--register", &db]);
    assert!(ok.contains("(16 events"), "{ok}");
    // A rerun skips every file and records nothing twice.
    run_ok(
        d,
        &[
            "batch",
            "profiles",
            "--out",
            "out",
            "--quiet",
            "--register",
            &db,
        ],
    );
    let list = json(
        d,
        &["register", "list", "--format", "json", "--register", &db],
    );
    assert_eq!(list.as_array().unwrap().len(), 16);
}

#[test]
fn a_register_from_a_newer_annex_is_refused_before_any_document() {
    if !tools(&["sqlite3"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("r.db").display().to_string();
    run_ok(d, &["register", "list", "--register", &db]);
    let future = std::process::Command::new("sqlite3")
        .arg(&db)
        .arg("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (2, 'from the future', 1, x'00', 0)")
        .output()
        .unwrap();
    assert!(future.status.success(), "{future:?}");
    let alpha = fixture("pack-customers/alpha.toml").display().to_string();
    let out = annex(
        d,
        &[
            "render",
            "--final",
            "--profile",
            &alpha,
            "--out",
            "out",
            "--register",
            &db,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("has schema version 2, newer than this annex knows (1)"),
        "{}",
        show(&out)
    );
    assert!(!d.join("out").exists());
}
