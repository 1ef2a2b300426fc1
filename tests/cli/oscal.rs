//! `annex export --format oscal` (#15): the seed matrix and tailored profiles as OSCAL
//! component-definitions, byte-stable with stable UUIDs. `scripts/oscal-check.sh` (CI)
//! validates the same exports with compliance-trestle and NIST's JSON schema.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::{annex, fixture, repo, show};

const SEED: &str = "data/matrices/ovhcloud-data-processing.toml";

fn export(dir: &Path, input: &str) -> Vec<u8> {
    let out = annex(dir, &["export", "--format", "oscal", input]);
    assert!(out.status.success(), "{}", show(&out));
    out.stdout
}

/// Every implemented requirement of every component.
fn requirements(doc: &Value) -> Vec<&Value> {
    doc["component-definition"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["control-implementations"][0]["implemented-requirements"]
                .as_array()
                .unwrap()
        })
        .collect()
}

fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v["props"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

#[test]
fn the_seed_matrix_exports_every_activity_with_stable_uuids_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let seed = repo(SEED).display().to_string();
    let one = export(dir.path(), &seed);
    let two = export(dir.path(), &seed);
    assert!(one == two, "two exports of the same matrix differ");
    let doc: Value = serde_json::from_slice(&one).unwrap();
    let cd = &doc["component-definition"];
    assert_eq!(cd["metadata"]["oscal-version"], "1.1.3");
    // No clock: the matrix's version date.
    assert_eq!(cd["metadata"]["last-modified"], "2024-05-31T00:00:00Z");
    let matrix = annex::load::matrix(Some(&repo(SEED))).unwrap().matrix;
    let activities: Vec<&annex::model::Activity> =
        matrix.sections.iter().flat_map(|s| &s.activities).collect();
    let reqs = requirements(&doc);
    assert_eq!(reqs.len(), activities.len(), "one requirement per activity");
    let mut uuids = BTreeSet::new();
    for (req, a) in reqs.iter().zip(&activities) {
        let uuid = req["uuid"].as_str().unwrap();
        assert_eq!(&uuid[14..15], "5", "a version 5 UUID: {uuid}");
        assert!(uuids.insert(uuid.to_owned()), "duplicate {uuid}");
        assert_eq!(prop(req, "activity-id"), Some(a.id.as_str()));
        // The letters of each party, and OSCAL's responsible roles for R.
        for p in &matrix.parties {
            let letters = a.letters_of(&p.id).to_string();
            let written = req["props"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == "raci" && x["class"] == annex::oscal::token(&p.id))
                .and_then(|x| x["value"].as_str())
                .unwrap_or("");
            assert_eq!(written, letters, "{} {}", a.id, p.id);
        }
        assert!(req["description"].as_str().is_some_and(|d| !d.is_empty()));
    }
    // A file, refused when it exists, replaced with --force.
    let out = annex(
        dir.path(),
        &["export", "--format", "oscal", &seed, "-o", "dp.json"],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(std::fs::read(dir.path().join("dp.json")).unwrap(), one);
    let out = annex(
        dir.path(),
        &["export", "--format", "oscal", &seed, "-o", "dp.json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let out = annex(
        dir.path(),
        &[
            "export", "--format", "oscal", &seed, "-o", "dp.json", "--force",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn a_tailored_profile_keeps_every_activity_and_records_each_decision() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("tailor-base/profile.toml").display().to_string();
    let bytes = export(dir.path(), &profile);
    assert!(bytes == export(dir.path(), &profile), "not byte-stable");
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let meta = &doc["component-definition"]["metadata"];
    assert_eq!(
        meta["last-modified"], "2026-06-01T00:00:00Z",
        "the effective date"
    );
    assert_eq!(prop(meta, "contract-reference"), Some("CTR-TAILOR-1"));
    assert_eq!(prop(meta, "fingerprint").map(str::len), Some(64));
    let matrix = annex::load::matrix(Some(&fixture("tailor-base/matrix.toml")))
        .unwrap()
        .matrix;
    let count = matrix
        .sections
        .iter()
        .map(|s| s.activities.len())
        .sum::<usize>();
    let reqs = requirements(&doc);
    assert_eq!(reqs.len(), count, "nothing is dropped by tailoring");
    let left_out: Vec<&&Value> = reqs
        .iter()
        .filter(|r| prop(r, "applies") == Some("false"))
        .collect();
    assert!(!left_out.is_empty(), "the fixture leaves activities out");
    for r in &left_out {
        assert!(prop(r, "not-applicable-reason").is_some());
        assert!(r["remarks"]
            .as_str()
            .unwrap()
            .starts_with("Not applicable to this subscription"));
    }
    assert!(reqs.iter().any(|r| prop(r, "applies") == Some("true")));

    // The same activity has the same UUID in the matrix's own export.
    let alone: Value = serde_json::from_slice(&export(
        dir.path(),
        &fixture("tailor-base/matrix.toml").display().to_string(),
    ))
    .unwrap();
    let ids = |d: &Value| -> Vec<String> {
        requirements(d)
            .iter()
            .map(|r| r["uuid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&doc), ids(&alone));
}

#[test]
fn source_date_epoch_sets_last_modified_and_markup_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let page = repo("data/matrices/ovhcloud-data-processing-responsibility-model.md");
    let out = crate::annex_env(
        dir.path(),
        &["export", "--format", "oscal", &page.display().to_string()],
        &[("SOURCE_DATE_EPOCH", "1767225600")],
    );
    assert!(out.status.success(), "{}", show(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["component-definition"]["metadata"]["last-modified"],
        "2026-01-01T00:00:00Z"
    );
    // Contract text reaches OSCAL's Markdown with its punctuation escaped.
    for r in requirements(&doc) {
        let d = r["description"].as_str().unwrap();
        let plain: String = {
            let mut out = String::new();
            let mut chars = d.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    out.extend(chars.next());
                } else {
                    out.push(c);
                }
            }
            out
        };
        assert!(
            !d.chars()
                .zip(d.chars().skip(1))
                .any(|(a, b)| a != '\\' && b == '*'),
            "unescaped * in {d}"
        );
        assert!(!plain.contains("\\\\"), "{plain}");
    }
}

#[test]
fn a_file_that_is_neither_says_which_it_was_read_as() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nothing.toml"), "x = 1\n").unwrap();
    let out = annex(dir.path(), &["export", "--format", "oscal", "nothing.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing.toml"),
        "{}",
        show(&out)
    );
}
