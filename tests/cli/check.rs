//! `annex check`: the RACI-aware linter, through the real CLI — one fixture per rule that
//! triggers it and one that does not, snapshots of the human output, the JSON report, the
//! corpus of published pages, and `render` running the same checks.

use super::*;

use std::collections::BTreeSet;

use serde_json::Value;

/// Runs `annex check` with `--format json` in `dir`; returns the exit code and the report.
fn check_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = annex(dir, &all);
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the JSON report parses ({e}): {}", show(&out)));
    (out.status.code().expect("exit code"), report)
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings is an array")
}

/// Lines of the findings with `code` in `file`.
fn lines_of(report: &Value, code: &str, file: &str) -> BTreeSet<u64> {
    findings(report)
        .iter()
        .filter(|f| f["code"] == code && f["location"]["file"] == file)
        .map(|f| f["location"]["line"].as_u64().unwrap())
        .collect()
}

fn codes(report: &Value) -> BTreeSet<String> {
    findings(report)
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_rule_has_a_fixture_that_triggers_it_and_one_that_does_not() {
    let dir = fixture("check-rules");
    let mut covered = BTreeSet::new();
    for trigger in files_under(&dir.join("triggers")) {
        let name = trigger.file_name().unwrap().to_str().unwrap().to_owned();
        let code = name.split('.').next().unwrap().replace("--", "::");
        let policy = ["--policy", "warn-everything.toml"];
        let (status, report) =
            check_json(&dir, &[&format!("triggers/{name}"), policy[0], policy[1]]);
        // A fixed rule is denied whatever the policy says.
        let fixed = annex::policy::RULES
            .iter()
            .any(|r| r.code == code && r.fixed);
        assert_eq!(
            status,
            i32::from(fixed),
            "{name}: warnings only, unless fixed"
        );
        assert!(
            codes(&report).contains(&code),
            "{name} does not trigger {code}: {report:#}"
        );
        let (_, report) = check_json(&dir, &[&format!("passes/{name}"), policy[0], policy[1]]);
        assert!(
            !codes(&report).contains(&code),
            "passes/{name} triggers {code}: {report:#}"
        );
        covered.insert(code);
    }
    // Rules of the matrix alone all have a fixture here; cross-document, profile and input
    // rules have their own tests below.
    for rule in annex::policy::RULES {
        let own = rule.code.starts_with("raci::") || rule.code.starts_with("matrix::");
        if own && !rule.fixed {
            assert!(covered.contains(rule.code), "no fixture for {}", rule.code);
        }
    }
}

#[test]
fn human_output_is_a_compiler_style_report() {
    let dir = fixture("check-rules");
    for (name, args) in [
        (
            "multiple_accountable",
            vec!["check", "triggers/raci--multiple-accountable.md"],
        ),
        ("split_r_a", vec!["check", "triggers/raci--split-r-a.md"]),
        (
            "duplicate_id_denied",
            vec!["check", "triggers/matrix--duplicate-id.toml"],
        ),
        (
            "strict_unknown_letter",
            vec![
                "check",
                "--policy",
                "strict",
                "triggers/raci--unknown-letter.md",
            ],
        ),
    ] {
        let out = annex(&dir, &args);
        insta::assert_snapshot!(name, String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn the_seed_row_with_an_a_and_no_r_is_reported_in_both_forms() {
    let root = repo("");
    for file in [
        "data/matrices/ovhcloud-data-processing.toml",
        "data/matrices/ovhcloud-data-processing-responsibility-model.md",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let (status, report) = check_json(&root, &[file]);
        assert_eq!(status, 0, "{report:#}");
        let hits: Vec<&Value> = findings(&report)
            .iter()
            .filter(|f| f["code"] == "raci::no-responsible")
            .collect();
        assert_eq!(hits.len(), 1, "{report:#}");
        let f = hits[0];
        assert!(f["message"]
            .as_str()
            .unwrap()
            .contains("Notify incidents for the service platform availability"));
        // The reported line is the one holding the row's letters.
        let line = f["location"]["line"].as_u64().unwrap() as usize;
        let source_line = text.lines().nth(line - 1).unwrap();
        assert!(
            source_line.contains("\"A\"") || source_line.contains("| A | I |"),
            "{file}:{line}: {source_line}"
        );
        assert_eq!(
            f["activity"],
            "3.2.1/notify-incidents-for-the-service-platform"
        );
    }
    // With no argument, the embedded seed matrix is checked.
    let out = annex(&root, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("warning[raci::no-responsible]"), "{stdout}");
    assert!(
        stdout.contains("data/matrices/ovhcloud-data-processing.toml:265:11"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("checked: 0 errors, 1 warning in 1 input (policy default)\n"),
        "{stdout}"
    );
}

/// What a reader of the raw page sees: every table row whose cells after the first hold
/// only RACI letters, with its 1-based line and letter cells.
fn letter_rows(text: &str) -> Vec<(u64, Vec<String>)> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if !t.starts_with('|') {
            continue;
        }
        let cells: Vec<String> = t
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if cells.len() < 3 {
            continue;
        }
        let letters = &cells[1..];
        let lettery = letters
            .iter()
            .all(|c| c.chars().all(|ch| "RACI".contains(ch)));
        if lettery && letters.iter().any(|c| !c.is_empty()) {
            rows.push((i as u64 + 1, letters.to_vec()));
        }
    }
    rows
}

#[test]
fn every_corpus_page_passes_the_default_policy_with_the_right_findings() {
    let dir = fixture("corpus");
    let mut pages: Vec<String> = corpus_pages()
        .into_iter()
        .map(|p| {
            p.strip_prefix(&dir)
                .unwrap()
                .to_str()
                .unwrap()
                .replace('\\', "/")
        })
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 20);
    for page in &pages {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        let (status, report) = check_json(&dir, &[page]);
        assert_eq!(status, 0, "{page} must pass the default policy: {report:#}");
        assert_eq!(report["summary"]["errors"], 0);
        let rows = letter_rows(&text);
        let expected = |pred: &dyn Fn(&[String]) -> bool| -> BTreeSet<u64> {
            rows.iter()
                .filter(|(_, c)| pred(c))
                .map(|(l, _)| *l)
                .collect()
        };
        let has = |c: &[String], l: char| c.iter().filter(|x| x.contains(l)).count();
        assert_eq!(
            lines_of(&report, "raci::multiple-accountable", page),
            expected(&|c| has(c, 'A') > 1),
            "{page}: rows with two A's"
        );
        assert_eq!(
            lines_of(&report, "raci::no-responsible", page),
            expected(&|c| has(c, 'R') == 0),
            "{page}: rows with no R"
        );
        assert_eq!(
            lines_of(&report, "raci::no-accountable", page),
            expected(&|c| has(c, 'A') == 0),
            "{page}: rows with no A"
        );
        assert_eq!(
            lines_of(&report, "raci::split-r-a", page),
            expected(&|c| has(c, 'R') > 0
                && has(c, 'A') > 0
                && !c.iter().any(|x| x.contains('R') && x.contains('A'))),
            "{page}: rows with R and A split"
        );
    }

    // The rows INDEX.tsv lists, at their lines.
    let line_of = |page: &str, needle: &str| -> Vec<u64> {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.contains(needle))
            .map(|(i, _)| i as u64 + 1)
            .collect()
    };
    let report = |page: &str| check_json(&dir, &[page]).1;
    // "3 ragged rows with only 2 cells"
    let pcd = "ovh/public-cloud-databases.en-gb.md";
    let ragged: BTreeSet<u64> = [
        "| Keep logs",
        "| Choose fallback infrastructures",
        "| Migrate/transfer data",
    ]
    .iter()
    .flat_map(|n| line_of(pcd, n))
    .collect();
    assert_eq!(ragged.len(), 3);
    assert_eq!(lines_of(&report(pcd), "matrix::import-repair", pcd), ragged);
    // "Ragged row '| Migrate/transfer data | RA |'"
    let fs = "ovh/file-storage.en-gb.md";
    let ragged: BTreeSet<u64> = line_of(fs, "| Migrate/transfer data | RA |")
        .into_iter()
        .collect();
    assert_eq!(lines_of(&report(fs), "matrix::import-repair", fs), ragged);
    // "BROKEN ROWS: 4 monitoring rows have only the activity cell"
    let bs = "ovh/block-storage.2022-12-23.en-gb.md";
    let r = report(bs);
    let broken = lines_of(&r, "raci::unassigned", bs);
    assert_eq!(broken.len(), 4);
    assert_eq!(lines_of(&r, "matrix::import-repair", bs), broken);
    assert!(line_of(bs, "| Retain logs of control plane")
        .iter()
        .all(|l| broken.contains(l)));
    // "Row 'Notify incidents… | A | I' has A but no R"
    let dp = "ovh/data-processing.en-gb.md";
    assert_eq!(
        lines_of(&report(dp), "raci::no-responsible", dp),
        line_of(dp, "| Notify incidents").into_iter().collect()
    );
    // "3 rows with A and no R anywhere"
    let k8s = "ovh/managed-kubernetes.en-gb.md";
    assert_eq!(lines_of(&report(k8s), "raci::no-responsible", k8s).len(), 3);
    // "'AI | RA' (two A)"
    let ds = "ovh/dedicated-servers.en-gb.md";
    assert_eq!(
        lines_of(&report(ds), "raci::multiple-accountable", ds),
        line_of(ds, "| AI | RA").into_iter().collect()
    );
}

#[test]
fn strict_policy_denies_raci_breaks_and_deny_warnings_denies_warnings() {
    let dir = fixture("check-rules");
    let page = "triggers/raci--no-responsible.md";
    let (status, report) = check_json(&dir, &[page]);
    assert_eq!(status, 0);
    assert_eq!(findings(&report)[0]["severity"], "warning");
    let (status, report) = check_json(&dir, &[page, "--policy", "strict"]);
    assert_eq!(status, 1);
    assert_eq!(findings(&report)[0]["severity"], "error");
    assert_eq!(report["summary"]["exit_code"], 1);
    let (status, report) = check_json(&dir, &[page, "--deny-warnings"]);
    assert_eq!(status, 1);
    assert_eq!(report["summary"]["errors"], 1);
    // A clean page stays clean under both.
    let (status, _) = check_json(
        &dir,
        &[
            "passes/raci--no-responsible.md",
            "--policy",
            "strict",
            "--deny-warnings",
        ],
    );
    assert_eq!(status, 0);
}

#[test]
fn the_json_report_follows_its_documented_schema() {
    let dir = fixture("check-rules");
    let (status, report) = check_json(&dir, &["triggers/raci--split-r-a.md"]);
    assert_eq!(status, 0);
    let keys: BTreeSet<&str> = report
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["schema", "policy", "inputs", "findings", "omitted", "summary"])
    );
    assert_eq!(report["omitted"], serde_json::json!([]));
    assert_eq!(report["schema"], 1);
    assert_eq!(report["policy"], "default");
    assert_eq!(
        report["inputs"],
        serde_json::json!(["triggers/raci--split-r-a.md"])
    );
    assert_eq!(
        report["summary"],
        serde_json::json!({"errors": 0, "warnings": 1, "exit_code": 0})
    );
    let f = &findings(&report)[0];
    let keys: BTreeSet<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["severity", "code", "message", "activity", "location", "related", "notes"])
    );
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["code"], "raci::split-r-a");
    assert_eq!(f["activity"], "1.1/maintain-the-hypervisor");
    // `| Maintain the hypervisor | A | R |` on line 17: the R cell, then the A cell.
    assert_eq!(
        f["location"],
        serde_json::json!({"file": "triggers/raci--split-r-a.md", "line": 17, "column": 33,
            "end_line": 17, "end_column": 34, "label": "R for OVHcloud"})
    );
    assert_eq!(f["related"][0]["column"], 29);
    assert_eq!(f["related"][0]["label"], "A for Customer");
    assert!(f["notes"].is_array());
}

#[test]
fn two_documents_that_assign_one_activity_differently_are_reported_with_both_places() {
    let dir = fixture("check-cross");
    let (status, report) = check_json(&dir, &["platform.md", "product.md"]);
    assert_eq!(status, 0, "{report:#}");
    let conflicts: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["code"] == "cross::conflicting-letters")
        .collect();
    assert_eq!(conflicts.len(), 1, "{report:#}");
    let f = conflicts[0];
    assert_eq!(f["location"]["file"], "product.md");
    assert_eq!(f["location"]["line"], 13);
    assert_eq!(f["related"][0]["file"], "platform.md");
    assert_eq!(f["related"][0]["line"], 13);
    assert!(f["location"]["label"]
        .as_str()
        .unwrap()
        .contains("Customer: RA here, – there"));
    let (_, report) = check_json(&dir, &["platform.md", "agreeing.md"]);
    assert!(
        !codes(&report).contains("cross::conflicting-letters"),
        "{report:#}"
    );
    let out = annex(
        &dir,
        &["check", "platform.md", "product.md", "--policy", "strict"],
    );
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("cross_strict", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn revisions_and_translations_of_corpus_pages_are_compared() {
    let dir = fixture("corpus");
    // Two revisions a day apart: identical letters, so nothing conflicts.
    let (_, report) = check_json(
        &dir,
        &[
            "ovh/managed-kubernetes.2023-07-05.en-gb.md",
            "ovh/managed-kubernetes.en-gb.md",
        ],
    );
    assert!(
        !codes(&report).contains("cross::conflicting-letters"),
        "{report:#}"
    );
    // The 2022 block-storage page lost the letters of 4 rows that the 2025 page assigns.
    let (_, report) = check_json(
        &dir,
        &[
            "ovh/block-storage.2022-12-23.en-gb.md",
            "ovh/block-storage.en-gb.md",
        ],
    );
    let conflicts = lines_of(
        &report,
        "cross::conflicting-letters",
        "ovh/block-storage.en-gb.md",
    );
    assert!(conflicts.len() >= 4, "{report:#}");
    // INDEX.tsv: "TRANSLATION DRIFT: 2 rows assign differently from EN of same date". The
    // translation shares no text with the original, so its rows are paired by position.
    let (en, fr) = (
        "ovh/managed-kubernetes.en-gb.md",
        "ovh-fr/managed-kubernetes.fr-fr.md",
    );
    let (_, report) = check_json(&dir, &[en, fr]);
    assert_eq!(
        lines_of(&report, "cross::conflicting-letters", fr),
        BTreeSet::from([80, 116]),
        "{report:#}"
    );
    let related: BTreeSet<u64> = findings(&report)
        .iter()
        .filter(|f| f["code"] == "cross::conflicting-letters")
        .map(|f| f["related"][0]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(related, BTreeSet::from([73, 108]));
    // "Row-aligned 1:1 with EN (68 rows, identical letters)"; and an older translation that
    // lacks a row is not misaligned into false conflicts.
    for (en, fr) in [
        (
            "ovh/nutanix-on-ovhcloud.en-gb.md",
            "ovh-fr/nutanix-on-ovhcloud.fr-fr.md",
        ),
        (
            "ovh/public-cloud-instances.en-gb.md",
            "ovh-fr/public-cloud-instances.fr-fr.md",
        ),
    ] {
        let (_, report) = check_json(&dir, &[en, fr]);
        assert!(
            !codes(&report).contains("cross::conflicting-letters"),
            "{en} vs {fr}: {report:#}"
        );
    }
}

#[test]
fn profile_problems_are_collected_as_findings() {
    let root = repo("");
    let (status, report) = check_json(
        &root,
        &[
            "--profile",
            "tests/fixtures/bad-unknown-region/profile.toml",
        ],
    );
    assert_eq!(status, 1);
    let f = findings(&report)
        .iter()
        .find(|f| f["code"] == "profile::unknown-region")
        .expect("unknown region reported");
    assert!(f["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().starts_with("did you mean")));
    // Syntax errors do not abort: the matrix is still checked.
    let (status, report) = check_json(
        &root,
        &["--profile", "tests/fixtures/bad-toml-syntax/profile.toml"],
    );
    assert_eq!(status, 1);
    let c = codes(&report);
    assert!(
        c.contains("profile::syntax") && c.contains("raci::no-responsible"),
        "{c:?}"
    );
    let (status, report) = check_json(&root, &["--profile", "data/profiles/acme.toml"]);
    assert_eq!(status, 0, "{report:#}");
    assert!(
        !codes(&report).iter().any(|c| c.starts_with("profile::")),
        "{report:#}"
    );
}

#[test]
fn unreadable_inputs_and_bad_policies_are_reported() {
    let dir = fixture("check-rules");
    let (status, report) = check_json(&dir, &["no-such-page.md", "triggers/raci--split-r-a.md"]);
    assert_eq!(status, 1);
    let c = codes(&report);
    assert!(
        c.contains("input::unreadable") && c.contains("raci::split-r-a"),
        "{c:?}"
    );

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("policy.toml"),
        "[rules]\n\"raci::no-responsable\" = \"deny\"\n",
    )
    .unwrap();
    let out = annex(tmp.path(), &["check", "--policy", "policy.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[policy::unknown-rule]"), "{stderr}");
    assert!(stderr.contains("policy.toml:2:1"), "{stderr}");
    assert!(
        stderr.contains("did you mean `raci::no-responsible`?"),
        "{stderr}"
    );
    let out = annex(tmp.path(), &["check", "--policy", "lenient"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown policy `lenient`"));
}

#[test]
fn render_runs_the_same_checks_with_the_same_policy() {
    let page = fixture("check-rules").join("triggers/raci--no-responsible.md");
    let page = page.to_str().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let profile = repo("data/profiles/acme.toml");
    let profile = profile.to_str().unwrap();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "render",
            "--matrix",
            page,
            "--profile",
            profile,
            "--out",
            "out",
        ];
        a.extend_from_slice(extra);
        a
    };
    for denied in [&["--policy", "strict"][..], &["--deny-warnings"][..]] {
        let out = annex(tmp.path(), &args(denied));
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error[raci::no-responsible]"),
            "{}",
            show(&out)
        );
        assert!(
            files_under(&tmp.path().join("out")).is_empty(),
            "nothing is written"
        );
    }
    let out = annex(tmp.path(), &args(&[]));
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning[raci::no-responsible]"),
        "{}",
        show(&out)
    );
    assert_eq!(files_under(&tmp.path().join("out")).len(), 1);
}

/// A profile that lists its matrices is checked against them, composed as `render` composes
/// them (its variant comes from the supplement): not against the seed matrix. A listed file
/// that does not exist is a finding at its line, and nothing else is read in its place.
#[test]
fn a_profile_alone_is_checked_against_the_matrices_it_lists() {
    let dir = fixture("tailor-compose");
    let (status, report) = check_json(&dir, &["--profile", "profile.toml"]);
    assert_eq!(status, 0, "{report:#}");
    let inputs: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert_eq!(
        inputs,
        [
            "../tailor-base/matrix.toml",
            "supplement.toml",
            "profile.toml"
        ]
    );
    assert!(codes(&report).contains("cross::conflicting-letters"));
    assert!(!codes(&report).contains("profile::unknown-variant"));
    // `render` of the same profile reports the same rules.
    let out = tempfile::tempdir().unwrap();
    let run = annex(
        &dir,
        &[
            "render",
            "--profile",
            "profile.toml",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", show(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    for code in codes(&report) {
        assert!(
            stderr.contains(&format!("[{code}]")),
            "{code} not in:\n{stderr}"
        );
    }

    // A listed matrix that is missing: a finding naming it, exit 1.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(dir.join("profile.toml"))
        .unwrap()
        .replace("\"supplement.toml\"", "\"gone.toml\"")
        .replace(
            "../tailor-base/matrix.toml",
            fixture("tailor-base/matrix.toml").to_str().unwrap(),
        );
    std::fs::write(tmp.path().join("profile.toml"), text).unwrap();
    let (status, report) = check_json(tmp.path(), &["--profile", "profile.toml"]);
    assert_eq!(status, 1, "{report:#}");
    let missing: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| f["code"] == "profile::missing-matrix")
        .collect();
    assert_eq!(missing.len(), 1, "{report:#}");
    assert!(missing[0]["message"]
        .as_str()
        .unwrap()
        .contains("gone.toml"));
}
