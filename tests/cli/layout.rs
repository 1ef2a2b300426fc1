//! Contract text is never cut (#11 item 5): long activities break across pages in every
//! kind of document, long unbreakable words wrap, and a layout that would still lose text
//! fails the render (exit 1, naming the activity) instead of writing a PDF.

use super::*;

use annex::model::Matrix;

fn long_matrix() -> (PathBuf, Matrix) {
    let path = fixture("long-activity/matrix.toml");
    let matrix = annex::load::matrix(Some(&path)).unwrap().matrix;
    (path, matrix)
}

fn activity<'a>(matrix: &'a Matrix, id: &str) -> &'a str {
    matrix
        .activities()
        .map(|(_, a)| a)
        .find(|a| a.id == id)
        .map(|a| a.text.as_str())
        .unwrap_or_else(|| panic!("no activity {id}"))
}

/// Renders `kind` with `matrix` and `--emit txt`; returns the run and the laid-out text.
fn render(dir: &Path, kind: &str, matrix: &Path, extra: &[&str]) -> (Output, String) {
    let mut args = vec![
        "render",
        "--kind",
        kind,
        "--matrix",
        matrix.to_str().unwrap(),
        "--emit",
        "txt",
        "--force",
    ];
    args.extend(extra);
    let out = annex(dir, &args);
    let txt =
        std::fs::read_to_string(dir.join(format!("output/acme-{kind}.txt"))).unwrap_or_default();
    (out, txt)
}

/// The text a reader gets from the PDF (poppler's `pdftotext`, which `.ci/run` installs):
/// unlike the laid-out text, it has only what lies on a page.
fn pdf_text(pdf: &Path) -> Option<String> {
    let out = std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Panics unless every word of `text` is in `within`, in order.
fn every_word_in_order(what: &str, text: &str, within: &str) {
    let words: Vec<&str> = within.split_whitespace().collect();
    let mut at = 0;
    for (n, w) in text.split_whitespace().enumerate() {
        match words[at..].iter().position(|x| *x == w) {
            Some(i) => at += i + 1,
            None => panic!(
                "{what}: word {} ({w}) of the long activity is missing",
                n + 1
            ),
        }
    }
}

#[test]
fn a_2500_word_activity_is_laid_out_whole_and_in_order_in_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let (path, matrix) = long_matrix();
    let long = activity(&matrix, "1/long");
    assert_eq!(long.split_whitespace().count(), 2500);
    let token = activity(&matrix, "1/token");
    for kind in ["annex", "onboarding", "audit"] {
        let (out, txt) = render(dir.path(), kind, &path, &[]);
        assert!(out.status.success(), "{kind}: {}", show(&out));
        // Every word, in order (each word of the fixture is numbered, so unique), in the
        // laid-out text and in what a reader extracts from the PDF's pages.
        every_word_in_order(kind, long, &txt);
        match pdf_text(&dir.path().join(format!("output/acme-{kind}.pdf"))) {
            Some(read) => every_word_in_order(&format!("{kind} (pdftotext)"), long, &read),
            None => eprintln!("pdftotext not found: install poppler-utils (.ci/run does)"),
        }
        // The unbreakable checksum and URL wrap inside their cell: every character is
        // there, in order, only line breaks in between.
        let flat: String = txt.split_whitespace().collect();
        let want: String = token.split_whitespace().collect();
        assert!(flat.contains(&want), "{kind}: the long token is not whole");
        // And the activity after them is still there.
        assert!(
            norm(&txt).contains("Keep the runbook after the long clauses up to date"),
            "{kind}"
        );
    }
}

#[test]
fn a_template_that_cannot_lay_a_row_out_fails_naming_the_activity() {
    // The old layout, a row never broken across pages, now with a row too long for a page:
    // the render must fail rather than write a PDF without the end of the activity.
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = long_matrix();
    let tpl = dir.path().join("tpl");
    std::fs::create_dir(&tpl).unwrap();
    let lib = std::fs::read_to_string(repo("templates/lib.typ"))
        .unwrap()
        .replace("#let long-row = 1000", "#let long-row = 1000000000");
    std::fs::write(tpl.join("lib.typ"), lib).unwrap();
    for kind in ["annex", "onboarding", "audit"] {
        let (out, _) = render(dir.path(), kind, &path, &["--templates", "tpl"]);
        assert_eq!(out.status.code(), Some(1), "{kind}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("contract text would be lost in the laid-out")
                && stderr.contains("section 1, activity 1/long "),
            "{kind}: {stderr}"
        );
        assert!(
            !dir.path().join(format!("output/acme-{kind}.pdf")).exists(),
            "{kind}: no PDF may be written"
        );
    }
}

#[test]
fn an_activity_typst_would_copy_out_twice_fails_instead_of_a_wrong_text_layer() {
    // Found by the escaper's fuzz target: a letter followed by a combining mark that the
    // font has no single glyph for ("j́", "s̻") gets the whole cluster twice in the PDF's
    // text with Typst 0.15 (typst/typst#8767, open). The PDF would read "j́j́": the layout
    // check refuses it, naming the activity, and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let source =
        std::fs::read_to_string(repo("data/matrices/ovhcloud-data-processing.toml")).unwrap();
    let at = source.find("text = \"").expect("an activity text") + "text = \"".len();
    let matrix = dir.path().join("matrix.toml");
    for text in ["Bij\u{301}na: ", "donne\u{301}es\u{33b}: "] {
        std::fs::write(&matrix, format!("{}{text}{}", &source[..at], &source[at..])).unwrap();
        let (out, _) = render(dir.path(), "annex", &matrix, &[]);
        assert_eq!(out.status.code(), Some(1), "{text}: {}", show(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("contract text would be lost in the laid-out") && stderr.contains(text),
            "{text}: {stderr}"
        );
        assert!(!dir.path().join("output/acme-annex.pdf").exists());
    }
}
