//! `annex render`: the foundation's end-to-end behaviour.

use super::*;

use annex::model::Matrix;

fn seed() -> Matrix {
    toml::from_str(annex::load::DEFAULT_MATRIX).expect("the seed matrix loads")
}

#[test]
fn default_render_writes_the_sample_annex_and_prints_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["render", "--emit", "txt"]);
    assert!(out.status.success(), "{}", show(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        printed.trim(),
        Path::new("output")
            .join("acme-annex.pdf")
            .display()
            .to_string()
    );
    let pdf = std::fs::read(dir.path().join("output/acme-annex.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
}

#[test]
fn every_seed_activity_and_its_letters_are_in_the_pdf_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["render", "--emit", "txt"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = std::fs::read_to_string(dir.path().join("output/acme-annex.txt")).unwrap();
    let flat = norm_pdf(&text);
    let matrix = seed();
    assert_eq!(matrix.activities().count(), 38);
    for (section, activity) in matrix.activities() {
        let row = expected_row(&matrix, activity);
        assert!(
            flat.contains(&row),
            "section {}: row not found in the PDF text: {row}",
            section.number
        );
    }
    for heading in [
        "1. Before subscription",
        "3.1.1. Daily operations",
        "5.1. Data destruction",
    ] {
        assert!(flat.contains(heading), "missing heading {heading}");
    }
    // Contract text is verbatim: typos and doubled words survive.
    for verbatim in [
        "Apache Sparck",
        "versionning",
        "encryption on on storage",
        "decommisionnate",
    ] {
        assert!(flat.contains(verbatim), "{verbatim}");
    }
    // Fixed parts of the annex.
    for part in [
        "Annex 3 – Shared responsibility matrix",
        "ACME Industries SAS",
        "OVH-CTR-2026-0042",
        "Gravelines, France (GRA)",
        "1 December 2026",
        "Your responsibilities",
        "Sign-off",
        // The DRAFT watermark is drawn as shapes, out of the text layer (tests/cli/accessible.rs).
        "Draft for review",
        "Page 1 of",
    ] {
        assert!(flat.contains(part), "missing {part:?}");
    }
}

#[test]
fn two_renders_are_byte_identical() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [&a, &b] {
        let out = annex(d.path(), &["render"]);
        assert!(out.status.success(), "{}", show(&out));
    }
    let pa = std::fs::read(a.path().join("output/acme-annex.pdf")).unwrap();
    let pb = std::fs::read(b.path().join("output/acme-annex.pdf")).unwrap();
    assert!(pa == pb, "two renders of the same inputs differ");
}

#[test]
fn existing_output_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    assert!(annex(dir.path(), &["render"]).status.success());
    let again = annex(dir.path(), &["render"]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    let forced = annex(dir.path(), &["render", "--force"]);
    assert!(forced.status.success(), "{}", show(&forced));
}

#[test]
fn injection_in_every_profile_field_comes_out_as_literal_text() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("injection/profile.toml");
    let out = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            profile.to_str().unwrap(),
            "--emit",
            "txt,typ",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let text = norm(&std::fs::read_to_string(dir.path().join("output/inject-annex.txt")).unwrap());
    let raw: toml::Value = toml::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    let payload = norm(
        raw["customer"]["legal-name"]
            .as_str()
            .unwrap()
            .trim_end_matches(" name"),
    );
    for field in [
        "name",
        "address",
        "registration",
        "reference",
        "title",
        "signatory",
        "job",
        "provider signatory",
        "provider job",
    ] {
        let expected = format!("{payload} {field}");
        assert!(
            text.contains(&expected),
            "field {field}: {expected:?} not found in the PDF text"
        );
    }
    assert!(!text.contains("root:x:0"), "a file was read");
}

#[test]
fn the_typst_world_cannot_read_files() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("evil");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("lib.typ"),
        "#let x = read(\"/etc/passwd\")\n#x",
    )
    .unwrap();
    let out = annex(dir.path(), &["render", "--templates", "evil"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lib.typ:1:"), "{stderr}");
    assert!(stderr.contains("not found"), "{stderr}");
    assert!(
        files_under(&dir.path().join("output")).is_empty(),
        "nothing written"
    );
}

#[test]
fn a_template_override_replaces_the_builtin_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("mine");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(
        templates.join("annex.typ.tera"),
        "#set document(title: {{ document.title | typst_str }})\nCustom annex for {{ customer.legal_name }}.",
    )
    .unwrap();
    let out = annex(
        dir.path(),
        &["render", "--templates", "mine", "--emit", "txt"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let text = std::fs::read_to_string(dir.path().join("output/acme-annex.txt")).unwrap();
    assert_eq!(norm(&text), "Custom annex for ACME Industries SAS.");
}

/// Runs a bad-input fixture: exit 1, a message naming the file and line, nothing written.
fn bad_profile(case: &str, expected: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture(case).join("profile.toml");
    let out = annex(
        dir.path(),
        &["render", "--profile", profile.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr =
        String::from_utf8_lossy(&out.stderr).replace(profile.to_str().unwrap(), "[PROFILE]");
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
    }
    assert!(
        files_under(dir.path()).is_empty(),
        "nothing may be written: {:?}",
        files_under(dir.path())
    );
    stderr
}

#[test]
fn bad_toml_syntax_is_reported_with_its_line() {
    bad_profile("bad-toml-syntax", &["[PROFILE]:2:", "profile::syntax"]);
}

#[test]
fn an_unknown_key_is_reported_with_its_line() {
    let stderr = bad_profile(
        "bad-unknown-key",
        &["[PROFILE]:9:1", "profile::unknown-key", "langage"],
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn an_unknown_region_is_reported_with_a_suggestion() {
    let stderr = bad_profile(
        "bad-unknown-region",
        &[
            "[PROFILE]:12:10",
            "profile::unknown-region",
            "did you mean `GRA`?",
        ],
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn an_unknown_service_is_reported_with_a_suggestion() {
    bad_profile(
        "bad-unknown-service",
        &[
            "[PROFILE]:15:13",
            "profile::unknown-service",
            "did you mean `data-processing`?",
        ],
    );
}

#[test]
fn a_missing_signatory_is_reported() {
    bad_profile(
        "bad-missing-signatory",
        &["profile::missing-signatory", "ovhcloud"],
    );
}

#[test]
fn a_missing_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["render", "--profile", "nope.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read nope.toml"));
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn every_sample_profile_renders() {
    for (profile, file) in [
        ("data/profiles/acme.toml", "acme-annex.pdf"),
        ("data/profiles/nordwind.toml", "nordwind-annex.pdf"),
        ("data/profiles/awkward.toml", "l-atelier-unicode-annex.pdf"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let p = repo(profile);
        let out = annex(
            dir.path(),
            &["render", "--profile", p.to_str().unwrap(), "--emit", "txt"],
        );
        assert!(out.status.success(), "{profile}: {}", show(&out));
        assert!(
            dir.path().join("output").join(file).exists(),
            "{profile}: {}",
            show(&out)
        );
    }
}

#[test]
fn awkward_profile_text_survives_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let p = repo("data/profiles/awkward.toml");
    let out = annex(
        dir.path(),
        &["render", "--profile", p.to_str().unwrap(), "--emit", "txt"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let text =
        std::fs::read_to_string(dir.path().join("output/l-atelier-unicode-annex.txt")).unwrap();
    let flat = norm(&text);
    let raw: toml::Value = toml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    let name = raw["customer"]["legal-name"].as_str().unwrap();
    assert_eq!(name.chars().count(), 120);
    for s in [
        name,
        raw["customer"]["address"].as_str().unwrap(),
        raw["contract"]["reference"].as_str().unwrap(),
        raw["signatories"][0]["title"].as_str().unwrap(),
        raw["signatories"][1]["name"].as_str().unwrap(),
        raw["signatories"][1]["title"].as_str().unwrap(),
    ] {
        assert!(flat.contains(&norm(s)), "{s:?} not found in the PDF text");
    }
    // French wording for a French profile.
    assert!(flat.contains("Annexe 7-bis – Matrice <partagée> & responsabilités #1"));
}
