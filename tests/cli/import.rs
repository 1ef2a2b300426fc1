//! `annex import` and Markdown pages given to `annex render`: the corpus of real pages,
//! the report, the formats, and inputs that are not pages at all.

use super::*;

use annex::model::Matrix;

const SEED_PAGE: &str = "data/matrices/ovhcloud-data-processing-responsibility-model.md";

#[test]
fn the_seed_matrix_is_exactly_what_import_produces() {
    let out = annex(&repo(""), &["import", SEED_PAGE]);
    assert!(out.status.success(), "{}", show(&out));
    let committed =
        std::fs::read_to_string(repo("data/matrices/ovhcloud-data-processing.toml")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);
}

#[test]
fn json_output_is_the_same_matrix() {
    let out = annex(&repo(""), &["import", SEED_PAGE, "--format", "json"]);
    assert!(out.status.success(), "{}", show(&out));
    let from_json: Matrix = serde_json::from_slice(&out.stdout).unwrap();
    let from_toml: Matrix = toml::from_str(annex::load::DEFAULT_MATRIX).unwrap();
    assert_eq!(from_json, from_toml);
}

#[test]
fn the_report_names_every_repair_with_its_line() {
    let page = fixture("corpus/ovh/public-cloud-databases.en-gb.md");
    let out = annex(&repo(""), &["import", page.to_str().unwrap()]);
    assert!(out.status.success(), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = page.to_str().unwrap();
    for expected in [
        format!("{name}:84:"),
        "row has 2 cells, expected 3: missing cells read as empty".to_owned(),
        format!("{name}:134:"),
        "letters `AR` read as {R, A}".to_owned(),
        "22 sections, 46 activities, parties: Customer, OVHcloud".to_owned(),
    ] {
        assert!(stderr.contains(&expected), "{expected:?} not in:\n{stderr}");
    }
}

#[test]
fn import_writes_a_file_atomically_and_never_overwrites_silently() {
    let dir = tempfile::tempdir().unwrap();
    let page = repo(SEED_PAGE);
    let args = ["import", page.to_str().unwrap(), "-o", "m.toml"];
    assert!(annex(dir.path(), &args).status.success());
    let again = annex(dir.path(), &args);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert_eq!(files_under(dir.path()).len(), 1);
}

#[test]
fn every_corpus_page_renders_with_every_activity_in_the_pdf_text() {
    let dir = tempfile::tempdir().unwrap();
    for page in corpus_pages() {
        let out = annex(
            dir.path(),
            &[
                "render",
                "--matrix",
                page.to_str().unwrap(),
                "--emit",
                "txt",
                "--force",
            ],
        );
        assert!(out.status.success(), "{}: {}", page.display(), show(&out));
        let text =
            norm_pdf(&std::fs::read_to_string(dir.path().join("output/acme-annex.txt")).unwrap());
        let imported = annex::load::matrix(Some(&page)).unwrap().matrix;
        assert!(imported.activities().count() > 0);
        for (_, activity) in imported.activities() {
            let row = expected_row(&imported, activity);
            assert!(
                text.contains(&row),
                "{}: row not in the PDF text: {row}",
                page.display()
            );
        }
    }
}

#[test]
fn a_page_and_its_canonical_import_render_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // Relative paths: the page's name is its `source`, as in the committed canonical file.
    for (matrix, out_dir) in [
        (SEED_PAGE, "a"),
        ("data/matrices/ovhcloud-data-processing.toml", "b"),
    ] {
        let out = annex(
            &repo(""),
            &[
                "render",
                "--matrix",
                matrix,
                "--out",
                dir.path().join(out_dir).to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
    }
    let a = std::fs::read(dir.path().join("a/acme-annex.pdf")).unwrap();
    let b = std::fs::read(dir.path().join("b/acme-annex.pdf")).unwrap();
    assert!(a == b, "rendering the page and its canonical TOML differ");
}

#[test]
fn reimporting_a_revision_with_previous_keeps_the_ids() {
    let dir = tempfile::tempdir().unwrap();
    let old = fixture("corpus/ovh/managed-kubernetes.2023-07-05.en-gb.md");
    let new = fixture("corpus/ovh/managed-kubernetes.en-gb.md");
    assert!(annex(
        dir.path(),
        &["import", old.to_str().unwrap(), "-o", "k8s.toml"]
    )
    .status
    .success());
    let out = annex(
        dir.path(),
        &["import", new.to_str().unwrap(), "--previous", "k8s.toml"],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("kept 58 of 58 ids"),
        "{}",
        show(&out)
    );
    let old_m: Matrix =
        toml::from_str(&std::fs::read_to_string(dir.path().join("k8s.toml")).unwrap()).unwrap();
    let new_m: Matrix = toml::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let ids = |m: &Matrix| {
        m.activities()
            .map(|(_, a)| a.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&old_m), ids(&new_m));
}

/// A page that is not usable: exit 1, a clear message naming the file, no panic, nothing written.
fn unusable(name: &str, bytes: &[u8], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), bytes).unwrap();
    for args in [vec!["import", name], vec!["render", "--matrix", name]] {
        let out = annex(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(name) && stderr.contains(expected),
            "{args:?}: {expected:?} not in {stderr}"
        );
        assert!(!stderr.contains("panicked"));
        assert_eq!(files_under(dir.path()).len(), 1, "nothing written");
    }
}

#[test]
fn an_empty_file_is_refused() {
    unusable("empty.md", b"", "empty");
}

#[test]
fn a_binary_file_is_refused() {
    unusable("binary.md", b"%PDF-1.7\n\x00\x01\x02\xff binary", "NUL");
}

#[test]
fn a_page_without_a_table_is_refused() {
    unusable(
        "prose.md",
        b"---\ntitle: Prose\n---\n\n## Objective\n\nNo table here.\n",
        "table",
    );
}

#[test]
fn a_50_mb_file_is_refused() {
    let big = "| a | b |\n".repeat(5 * 1024 * 1024);
    unusable("big.md", big.as_bytes(), "MiB");
}

#[test]
fn a_cell_that_is_not_a_letter_set_is_refused_at_its_place_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("odd.md"),
        "### 1. Before\n\n#### 1.1. Spec\n\n| **Activity** | **Customer** | **OVHcloud** |\n| --- | --- | --- |\n| Do it | RX | I |\n",
    )
    .unwrap();
    let out = annex(dir.path(), &["import", "odd.md"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("odd.md:7:") && stderr.contains("error[import::unknown-letter]"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing written"), "{stderr}");
    // No letter is taken out of it: nothing is printed at all.
    assert!(out.stdout.is_empty(), "{}", show(&out));
}
