//! Writing a profile (#17): `annex init`, `annex catalogue`, `annex schema` and the
//! committed schemas, and the hints a first profile's slips get.

use std::path::Path;

use super::{annex, fixture, repo};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `annex check --profile` on a fixture of `profile-hints`: exit 1 and the report.
fn check_hints(file: &str) -> String {
    let out = annex(
        &repo(""),
        &[
            "check",
            "--profile",
            &format!("tests/fixtures/profile-hints/{file}"),
        ],
    );
    // `check` reports on stdout.
    let err = stdout(&out) + &stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    err
}

/// Replaces every `"<FILL: …>"` marker: dates by a date, the rest by a name.
fn fill_markers(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("\"<FILL:") {
        out.push_str(&rest[..at]);
        let end = at + 1 + rest[at + 1..].find('"').expect("closed marker") + 1;
        let marker = &rest[at..end];
        out.push_str(if marker.contains("date") {
            "2027-01-15"
        } else {
            "\"Filled In\""
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn init_then_filling_the_markers_renders_with_no_other_edit() {
    let dir = tempfile::tempdir().unwrap();
    // The page the issue names (shared/ beside the repository), else the corpus copy.
    let page = repo("../shared/corpus/ovh/managed-kubernetes.en-gb.md");
    let page = if page.is_file() {
        page
    } else {
        fixture("corpus/ovh/managed-kubernetes.en-gb.md")
    };
    let page = page.to_str().unwrap();
    let args = [
        "init",
        "--matrix",
        page,
        "-o",
        "p.toml",
        "--customer",
        "Nordwind \"Logistik\" GmbH",
        "--region",
        "de",
        "--language",
        "en",
    ];
    let out = annex(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = dir.path().join("p.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("services = [\"managed-kubernetes\"]"),
        "{text}"
    );
    assert!(text.contains("region = \"DE\""), "{text}");
    assert!(text.contains("party = \"customer\""), "{text}");
    assert!(text.contains("party = \"ovhcloud\""), "{text}");

    // Markers left: refused, each at its place.
    let out = annex(
        dir.path(),
        &["render", "--profile", "p.toml", "--out", "out"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error[profile::unfilled]"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("p.toml:"), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists(), "nothing written");

    // Never overwritten without --force.
    let out = annex(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

    std::fs::write(&path, fill_markers(&text)).unwrap();
    let out = annex(
        dir.path(),
        &["render", "--profile", "p.toml", "--out", "out"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir
        .path()
        .join("out/nordwind-logistik-gmbh-annex.pdf")
        .is_file());
}

#[test]
fn init_asks_on_a_terminal_for_what_the_flags_leave_out() {
    // `script` (util-linux) gives annex a terminal; the answers are typed into it.
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "{} init -o p.toml --reference C-7",
        env!("CARGO_BIN_EXE_annex")
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) runs");
    // Customer, a bad region then a good one, no annex number, a date.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"ACME SAS\rGRX\rGRA\r\r2027-01-15\r")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("did you mean `GRA`"), "{shown}");
    let text = std::fs::read_to_string(dir.path().join("p.toml")).unwrap();
    for line in [
        "legal-name = \"ACME SAS\"",
        "region = \"GRA\"",
        "reference = \"C-7\"",
        "annex-number = \"<FILL: annex number or letter>\"",
        "effective-date = 2027-01-15",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}

#[test]
fn init_refuses_an_unknown_region_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["init", "--region", "GRX", "--no-prompt"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("did you mean `GRA`"), "{err}");
    assert!(err.contains("annex catalogue regions"), "{err}");
}

#[test]
fn a_quoted_date_gets_told_to_drop_the_quotes() {
    let err = check_hints("quoted-date.toml");
    assert!(err.contains("error[profile::invalid-value]"), "{err}");
    assert!(err.contains("quoted-date.toml:7:"), "{err}");
    assert!(err.contains("write the date without quotes"), "{err}");
}

#[test]
fn an_unknown_service_gets_close_names_and_the_listing_command() {
    let err = check_hints("unknown-service.toml");
    assert!(err.contains("error[profile::unknown-service]"), "{err}");
    assert!(err.contains("did you mean `managed-kubernetes`?"), "{err}");
    assert!(
        err.contains("run `annex catalogue services` to list them"),
        "{err}"
    );
}

#[test]
fn an_unsupported_language_does_not_hide_the_other_problems() {
    let err = check_hints("language.toml");
    assert!(err.contains("language.toml:9:"), "{err}");
    assert!(err.contains("write one of: de, en, fr"), "{err}");
    assert!(err.contains("error[profile::unknown-region]"), "{err}");
    assert!(
        err.contains("run `annex catalogue regions` to list them"),
        "{err}"
    );
}

#[test]
fn after_a_syntax_error_every_other_problem_is_still_reported() {
    let err = check_hints("syntax.toml");
    for expected in [
        "error[profile::syntax]",
        "syntax.toml:2:",
        "write the date without quotes",
        "syntax.toml:7:",
        "did you mean `managed-kubernetes`?",
        "syntax.toml:15:",
    ] {
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // The broken line is reported once, not again as a missing legal name.
    assert!(!err.contains("missing field `legal-name`"), "{err}");
    // render refuses it the same way, writing nothing.
    let dir = tempfile::tempdir().unwrap();
    let out = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            fixture("profile-hints")
                .join("syntax.toml")
                .to_str()
                .unwrap(),
            "--out",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("write the date without quotes"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_catalogue_lists_what_a_profile_may_name() {
    let out = annex(&repo(""), &["catalogue", "services"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.contains("managed-kubernetes"), "{text}");
    assert!(text.contains("Managed Kubernetes Service"), "{text}");

    let out = annex(&repo(""), &["catalogue"]);
    let text = stdout(&out);
    for heading in [
        "regions (location.region):",
        "services (subscription.services):",
        "options (subscription.options):",
        "variants (subscription.variant):",
        "qualifications (subscription.qualifications):",
    ] {
        assert!(text.contains(heading), "{heading}: {text}");
    }
    assert!(text.contains("Frankfurt, Germany (EU)"), "{text}");

    let out = annex(&repo(""), &["catalogue", "regions", "--format", "json"]);
    let regions: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let de = regions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "DE")
        .expect("DE listed");
    assert_eq!(de["city"], "Frankfurt");
    assert!(de["note"].as_str().unwrap().contains("GDPR"));
}

const FORMATS: [&str; 4] = ["profile", "matrix", "policy", "catalogue"];

#[test]
fn the_committed_schemas_are_the_ones_the_binary_prints() {
    for format in FORMATS {
        let out = annex(&repo(""), &["schema", format]);
        assert_eq!(out.status.code(), Some(0));
        let committed = std::fs::read_to_string(repo(&format!("schemas/{format}.schema.json")))
            .unwrap_or_default();
        assert!(
            committed == stdout(&out),
            "schemas/{format}.schema.json is stale: regenerate it with\n  cargo run -q -- schema {format} > schemas/{format}.schema.json"
        );
    }
}

/// A TOML value as the JSON an editor's schema checker sees (dates as strings).
fn to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(i) => J::from(*i),
        toml::Value::Float(f) => J::from(*f),
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(a) => J::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            J::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// Checks `file` against the committed schema of `format`: `Ok` or why not.
fn schema_check(format: &str, file: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file).unwrap();
    let value: toml::Value = text.parse().map_err(|e| format!("not TOML: {e}"))?;
    let schema_path = repo(&format!("schemas/{format}.schema.json"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    let url = "file:///schema.json";
    compiler.add_resource(url, schema).unwrap();
    let index = compiler.compile(url, &mut schemas).unwrap();
    schemas
        .validate(&to_json(&value), index)
        .map_err(|e| format!("{e}"))
}

/// Bad profiles the schema cannot reject: what makes them bad is not their shape.
const SHAPE_IS_FINE: [(&str, &str); 5] = [
    (
        "bad-missing-signatory/profile.toml",
        "a party of the matrix has no signatory: the schema does not know the matrix",
    ),
    (
        "bad-unknown-region/profile.toml",
        "a region code not in the catalogue: `--catalogue` may replace it, so the schema does not freeze its ids",
    ),
    (
        "bad-unknown-service/profile.toml",
        "a service id not in the catalogue: same reason",
    ),
    (
        "profile-hints/unknown-service.toml",
        "a service id not in the catalogue: same reason",
    ),
    (
        "profile-hints/quoted-date.toml",
        "a quoted date: an editor's schema checker sees TOML dates as strings too",
    ),
];

#[test]
fn the_profile_schema_accepts_good_profiles_and_rejects_bad_shapes() {
    let mut good: Vec<std::path::PathBuf> = std::fs::read_dir(repo("data/profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(repo("tests/fixtures")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name == "profile-hints" {
            for file in ["quoted-date", "unknown-service", "language", "syntax"] {
                bad.push(dir.join(format!("{file}.toml")));
            }
        } else if dir.join("profile.toml").is_file() {
            if name.starts_with("bad-") {
                bad.push(dir.join("profile.toml"));
            } else {
                good.push(dir.join("profile.toml"));
            }
        }
    }
    assert!(good.len() >= 10 && bad.len() >= 9, "{good:?} {bad:?}");
    for file in &good {
        if let Err(why) = schema_check("profile", file) {
            panic!("{} should match the schema: {why}", file.display());
        }
    }
    for file in &bad {
        let relative = file
            .strip_prefix(repo("tests/fixtures"))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let fine = SHAPE_IS_FINE.iter().any(|(f, _)| *f == relative);
        match (schema_check("profile", file), fine) {
            (Err(_), false) | (Ok(()), true) => {}
            (Ok(()), false) => panic!("{relative} is bad but the schema accepts it"),
            (Err(why), true) => {
                panic!("{relative} is listed as beyond the schema but it rejects it: {why}")
            }
        }
    }
}

#[test]
fn the_other_schemas_accept_the_shipped_files() {
    assert_eq!(
        schema_check("catalogue", &repo("data/catalogue.toml")),
        Ok(())
    );
    for entry in std::fs::read_dir(repo("data/matrices")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            assert_eq!(schema_check("matrix", &path), Ok(()), "{}", path.display());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "extends = \"strict\"\n[rules]\n\"raci::no-accountable\" = \"warn\"\n",
    )
    .unwrap();
    assert_eq!(schema_check("policy", &policy), Ok(()));
    std::fs::write(&policy, "[rules]\n\"raci::no-accountable\" = \"loud\"\n").unwrap();
    assert!(schema_check("policy", &policy).is_err());
}
