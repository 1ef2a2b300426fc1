//! Hostile and careless input (#27): text that reads otherwise than its bytes, inputs that
//! are not files, a batch folder's stray entries, the path a matrix was read from, cells
//! that are not letters, comments and heading rows in tables.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::{annex, fixture, refused, repo, show};

const RLO: char = '\u{202E}';

/// A row's letters in party order: `RA|I`.
fn row_letters(m: &annex::model::Matrix, a: &annex::model::Activity) -> String {
    m.parties
        .iter()
        .map(|p| {
            a.letters
                .get(&p.id)
                .map(|l| l.to_string())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn copy(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).unwrap();
    to
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The sample profile with `legal-name` replaced.
fn profile_named(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo("data/profiles/acme.toml")).unwrap();
    let text = text.replace("\"ACME Industries SAS\"", &format!("\"{name}\""));
    let path = dir.join("profile.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_bidi_override_in_the_legal_name_is_refused_at_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    profile_named(d, &format!("ACME Industries SAS {RLO}0001 EUR\u{202C}"));
    for command in ["render", "check"] {
        let mut args = vec![command, "--profile", "profile.toml"];
        if command == "render" {
            args.extend(["--out", "out"]);
        }
        refused(
            d,
            &args,
            &[
                "profile::hidden-control",
                "customer.legal-name has U+202E RIGHT-TO-LEFT OVERRIDE",
                "profile.toml:6",
            ],
        );
    }
    // French typography stays allowed.
    profile_named(d, "Société\u{A0}Générale\u{202F}SA");
    let out = annex(d, &["render", "--profile", "profile.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn a_bidi_override_in_an_activity_is_an_error_under_every_policy() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let page = copy(&fixture("hostile/bidi.en-gb.md"), d, "bidi.en-gb.md");
    let page = page.to_str().unwrap();
    for policy in ["default", "strict"] {
        refused(
            d,
            &["check", page, "--policy", policy],
            &[
                "matrix::hidden-control",
                "U+202E RIGHT-TO-LEFT OVERRIDE",
                "bidi.en-gb.md:11",
            ],
        );
    }
    refused(
        d,
        &["render", "--matrix", page, "--out", "out"],
        &["matrix::hidden-control", "U+202E RIGHT-TO-LEFT OVERRIDE"],
    );
}

#[test]
fn hidden_controls_in_a_translation_and_a_catalogue_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let en = fixture("corpus/ovh/managed-kubernetes.en-gb.md");
    let fr = std::fs::read_to_string(fixture("corpus/ovh-fr/managed-kubernetes.fr-fr.md"))
        .unwrap()
        .replacen("| Choisir", "| \u{2067}Choisir", 1);
    assert!(fr.contains('\u{2067}'));
    std::fs::write(d.join("k8s.fr-fr.md"), fr).unwrap();
    refused(
        d,
        &[
            "render",
            "--matrix",
            en.to_str().unwrap(),
            "--translation",
            "k8s.fr-fr.md",
            "--out",
            "out",
        ],
        &["matrix::hidden-control", "U+2067 RIGHT-TO-LEFT ISOLATE"],
    );
    let catalogue = std::fs::read_to_string(repo("data/catalogue.toml"))
        .unwrap()
        .replacen("city = \"Gravelines\"", "city = \"Grave\u{E0041}lines\"", 1);
    std::fs::write(d.join("catalogue.toml"), catalogue).unwrap();
    refused(
        d,
        &["render", "--catalogue", "catalogue.toml", "--out", "out"],
        &[
            "catalogue::hidden-control",
            "U+E0041 TAG LATIN CAPITAL LETTER A",
        ],
    );
}

/// Runs `annex args` in `dir`, killed after 60 s: an input that hangs fails the test
/// instead of hanging it.
fn annex_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_annex"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("annex {} did not end", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn devices_and_fifos_are_refused_by_name_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("profile.toml"));
    for (flag, path, kind) in [
        ("--profile", "/dev/zero", "a character device"),
        ("--matrix", "/dev/zero", "a character device"),
        ("--profile", "profile.toml", "a FIFO"),
        ("--catalogue", "profile.toml", "a FIFO"),
    ] {
        let out = annex_bounded(d, &["render", flag, path, "--out", "out"]);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let said = text(&out);
        assert!(
            said.contains(&format!("cannot read {path}: not a regular file ({kind})")),
            "{said}"
        );
        assert!(!d.join("out").exists());
    }
    let out = annex_bounded(d, &["verify", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(text(&out).contains("not a regular file"), "{}", show(&out));
}

#[test]
fn every_entry_of_a_batch_folder_that_is_not_read_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let profiles = d.join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::copy(repo("data/profiles/acme.toml"), profiles.join("acme.toml")).unwrap();
    mkfifo(&profiles.join("stray"));
    mkfifo(&profiles.join("nordwind.toml"));
    std::fs::write(profiles.join("notes.txt"), "not a profile").unwrap();
    let out = annex_bounded(d, &["batch", "profiles", "--out", "out"]);
    let said = text(&out);
    // The FIFO named like a profile fails by name; the others are listed, each with why.
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(said.contains("not read: notes.txt (not *.toml)"), "{said}");
    assert!(
        said.contains("not read: stray (a FIFO, not *.toml)"),
        "{said}"
    );
    assert!(said.contains("failed: nordwind.toml"), "{said}");
    assert!(said.contains("not a regular file (a FIFO)"), "{said}");
    assert!(said.contains("rendered 1,"), "{said}");
}

#[test]
fn documents_name_the_matrix_file_never_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let downloads = d.join("home/someone/Downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let page = copy(
        &fixture("corpus/ovh/public-cloud-instances.en-gb.md"),
        &downloads,
        "page.md",
    );
    let fr = copy(
        &fixture("corpus/ovh-fr/public-cloud-instances.fr-fr.md"),
        &downloads,
        "page.fr-fr.md",
    );
    for kind in ["annex", "audit", "onboarding"] {
        let out = annex(
            d,
            &[
                "render",
                "--matrix",
                page.to_str().unwrap(),
                "--translation",
                fr.to_str().unwrap(),
                "--kind",
                kind,
                "--emit",
                "txt",
                "--out",
                "out",
                "--force",
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
        let txt = std::fs::read_to_string(d.join(format!("out/acme-{kind}.txt"))).unwrap();
        assert!(!txt.contains("Downloads"), "{kind}: {txt}");
        if kind == "annex" {
            assert!(txt.contains("page.md"), "{txt}");
        }
    }
    let out = annex(d, &["import", page.to_str().unwrap(), "-o", "page.toml"]);
    assert!(out.status.success(), "{}", show(&out));
    let toml = std::fs::read_to_string(d.join("page.toml")).unwrap();
    assert!(toml.contains("source = \"page.md\""), "{toml}");
}

#[test]
fn a_french_audit_of_a_translated_page_with_unpaired_rows_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(
        dir.path(),
        &[
            "render",
            "--kind",
            "audit",
            "--profile",
            repo("data/profiles/awkward.toml").to_str().unwrap(),
            "--matrix",
            fixture("corpus/ovh/public-cloud-instances.en-gb.md")
                .to_str()
                .unwrap(),
            "--translation",
            fixture("corpus/ovh-fr/public-cloud-instances.fr-fr.md")
                .to_str()
                .unwrap(),
            "--emit",
            "txt",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn a_cell_holding_a_name_is_refused_unless_the_import_options_say_what_it_means() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let de = copy(&fixture("hostile/service.de-de.md"), d, "service.de-de.md");
    let de = de.to_str().unwrap();
    let expected = [
        "raci::unknown-letter",
        "`Kunde` is not a set of RACI letters",
        "service.de-de.md:14",
    ];
    refused(d, &["check", de], &expected);
    refused(d, &["render", "--matrix", de, "--out", "out"], &expected);
    let out = annex(d, &["import", de, "-o", "out/de.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let said = text(&out);
    assert!(said.contains("service.de-de.md:14:"), "{said}");
    assert!(said.contains("error[import::unknown-letter]"), "{said}");
    assert!(
        said.contains("`Cloud Temple` is not a set of RACI letters"),
        "{said}"
    );
    assert!(!d.join("out").exists());
    // Said in the import options, the page imports with those letters.
    let options = fixture("hostile/cells.toml");
    let out = annex(
        d,
        &[
            "import",
            de,
            "--import-options",
            options.to_str().unwrap(),
            "-o",
            "de.toml",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let m = annex::load::matrix(Some(&d.join("de.toml")))
        .unwrap()
        .matrix;
    let letters: Vec<String> = m.activities().map(|(_, a)| row_letters(&m, a)).collect();
    assert_eq!(letters, ["RA|I", "RA|C", "|RA"]);
}

#[test]
fn a_german_translation_whose_cells_name_parties_takes_the_english_letters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let en = fixture("hostile/service.en-gb.md");
    let de = fixture("hostile/service.de-de.md");
    let (en, de) = (en.to_str().unwrap(), de.to_str().unwrap());
    let out = annex(d, &["check", en, "--translation", de]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        !text(&out).contains("conflicting-letters"),
        "{}",
        show(&out)
    );
    let out = annex(
        d,
        &[
            "render",
            "--matrix",
            en,
            "--translation",
            de,
            "--emit",
            "txt",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    // German as the prevailing page: its cells are the contract's, and are refused.
    refused(
        d,
        &[
            "render",
            "--matrix",
            de,
            "--translation",
            en,
            "--out",
            "out",
        ],
        &["raci::unknown-letter", "`Kunde`"],
    );
}

#[test]
fn comments_are_not_letters_and_a_one_cell_emphasised_row_is_a_heading() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let page = fixture("hostile/comments.en-gb.md");
    let out = annex(d, &["import", page.to_str().unwrap(), "-o", "m.toml"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(text(&out).contains("import::heading-row"), "{}", show(&out));
    let m = annex::load::matrix(Some(&d.join("m.toml"))).unwrap().matrix;
    let titles: Vec<&str> = m.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Operations", "Application health", "Infrastructure"]
    );
    let rows: Vec<(String, String)> = m
        .activities()
        .map(|(s, a)| (format!("{}: {}", s.title, a.text), row_letters(&m, a)))
        .collect();
    assert_eq!(
        rows,
        [
            (
                "Application health: Watch the application's health checks".to_owned(),
                "RA|I".to_owned()
            ),
            (
                "Infrastructure: Replace failed disks".to_owned(),
                "I|RA".to_owned()
            ),
        ]
    );
    let out = annex(d, &["check", page.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
}

#[test]
fn a_french_annex_is_signed_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = annex(
        d,
        &[
            "render",
            "--profile",
            repo("data/profiles/awkward.toml").to_str().unwrap(),
            "--out",
            ".",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let pki = |f: &str| {
        fixture(&format!("seal-test-pki/TEST-ONLY-{f}"))
            .display()
            .to_string()
    };
    let out = annex(
        d,
        &[
            "sign",
            "l-atelier-unicode-annex.pdf",
            "--sign-key",
            &pki("provider.key.pem"),
            "--sign-cert",
            &pki("provider.cert.pem"),
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let pdf = std::fs::read(d.join("l-atelier-unicode-annex.pdf")).unwrap();
    let raw = String::from_utf8_lossy(&pdf).to_lowercase();
    // Text strings with accents are written as UTF-16BE hex.
    let hex = |s: &str| {
        s.encode_utf16()
            .map(|u| format!("{u:04x}"))
            .collect::<String>()
    };
    for said in [
        "Approbation de l'annexe de responsabilité partagée",
        "Emplacement de la signature électronique de",
    ] {
        assert!(
            raw.contains(&hex(said)),
            "{said} is not in the signed annex"
        );
    }
    assert!(!raw.contains(&hex("Signature of")) && !raw.contains("approval of shared"));
}
