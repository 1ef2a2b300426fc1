//! The template sandbox (#11 item 2): a `--templates` folder can give Typst and Tera only
//! regular files whose real path is inside it, refuses the rest by name, and never reads
//! a file no template uses into memory.

use super::*;

use std::os::unix::fs::symlink;

const MARKER: &str = "MARKER-7f3a-OUTSIDE-SECRET";

/// A work folder with `outside/secret.txt` (the marker) and an empty `tpl/` folder.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    std::fs::write(dir.path().join("outside/secret.txt"), MARKER).unwrap();
    std::fs::create_dir(dir.path().join("tpl")).unwrap();
    dir
}

/// An annex template that prints the customer and then what `#read(path)` gives.
fn reading_annex(dir: &Path, path: &str) {
    std::fs::write(
        dir.join("tpl/annex.typ.tera"),
        // Last, a title (keeping the read on line 3): every document is PDF/UA-1, which
        // Typst refuses to export without one.
        format!("Custom annex for {{{{ customer.legal_name }}}}.\n\n#read({path:?})\n#set document(title: \"Custom annex\")\n"),
    )
    .unwrap();
}

fn render(dir: &Path) -> (Output, String) {
    let out = annex(dir, &["render", "--templates", "tpl", "--emit", "txt"]);
    let text = std::fs::read_to_string(dir.join("output/acme-annex.txt")).unwrap_or_default();
    (out, text)
}

fn assert_refused(out: &Output, text: &str, dir: &Path, message: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{}", show(out));
    assert!(
        stderr.contains(message),
        "expected {message:?} in:\n{stderr}"
    );
    assert!(
        !stderr.contains(MARKER),
        "the outside file leaked into the message"
    );
    assert!(
        !text.contains(MARKER),
        "the outside file leaked into the PDF"
    );
    assert!(
        files_under(&dir.join("output")).is_empty(),
        "nothing may be written"
    );
}

#[test]
fn a_symlink_to_a_file_outside_the_folder_cannot_be_read_by_a_template() {
    let dir = setup();
    symlink(
        dir.path().join("outside/secret.txt"),
        dir.path().join("tpl/pw"),
    )
    .unwrap();
    reading_annex(dir.path(), "pw");
    let (out, text) = render(dir.path());
    assert_refused(
        &out,
        &text,
        dir.path(),
        "template set: pw is a symlink to a file outside tpl; refused",
    );
    // Typst names the file and the template line that read it.
    assert!(String::from_utf8_lossy(&out.stderr).contains("annex.typ:3:"));
}

#[test]
fn a_symlink_to_etc_passwd_is_refused() {
    let dir = setup();
    symlink("/etc/passwd", dir.path().join("tpl/pw")).unwrap();
    reading_annex(dir.path(), "pw");
    let (out, text) = render(dir.path());
    assert_refused(
        &out,
        &text,
        dir.path(),
        "template set: pw is a symlink to a file outside tpl; refused",
    );
    assert!(!text.contains("root:"), "the password file leaked");
}

#[test]
fn a_symlinked_template_file_pointing_outside_is_an_error_at_load() {
    let dir = setup();
    std::fs::write(
        dir.path().join("outside/evil.tera"),
        format!("{MARKER} {{{{ customer.legal_name }}}}"),
    )
    .unwrap();
    symlink(
        dir.path().join("outside/evil.tera"),
        dir.path().join("tpl/annex.typ.tera"),
    )
    .unwrap();
    let (out, text) = render(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_refused(
        &out,
        &text,
        dir.path(),
        "template set: annex.typ.tera is a symlink to a file outside tpl; refused",
    );
}

#[test]
fn a_symlinked_subfolder_pointing_outside_cannot_be_read() {
    let dir = setup();
    symlink(dir.path().join("outside"), dir.path().join("tpl/sub")).unwrap();
    reading_annex(dir.path(), "sub/secret.txt");
    let (out, text) = render(dir.path());
    assert_refused(
        &out,
        &text,
        dir.path(),
        "template set: sub is a symlink to a folder outside tpl; refused",
    );
}

#[test]
fn a_symlink_to_a_file_inside_the_folder_is_read() {
    let dir = setup();
    std::fs::write(dir.path().join("tpl/note.txt"), "Inside note").unwrap();
    symlink("note.txt", dir.path().join("tpl/alias.txt")).unwrap();
    reading_annex(dir.path(), "alias.txt");
    let (out, text) = render(dir.path());
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        norm(&text),
        "Custom annex for ACME Industries SAS. Inside note"
    );
}

#[test]
fn a_huge_stray_file_is_never_read_and_one_a_template_reads_is_refused() {
    let dir = setup();
    // Sparse: 1 GiB on paper, nothing on disk. The old template loader read it whole.
    let stray = std::fs::File::create(dir.path().join("tpl/backup.bin")).unwrap();
    stray.set_len(1 << 30).unwrap();
    std::fs::write(dir.path().join("tpl/note.txt"), "Inside note").unwrap();
    reading_annex(dir.path(), "note.txt");
    let (out, text) = render(dir.path());
    assert!(out.status.success(), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("template set: backup.bin is 1024 MiB, over the 16 MiB limit for a file of a template set (in tpl); refused"),
        "{stderr}"
    );
    assert!(norm(&text).ends_with("Inside note"));

    // A template that reads it fails, naming it.
    std::fs::remove_dir_all(dir.path().join("output")).unwrap();
    reading_annex(dir.path(), "backup.bin");
    let (out, text) = render(dir.path());
    assert_refused(&out, &text, dir.path(), "backup.bin is 1024 MiB");
}

#[test]
fn a_template_set_over_the_set_limit_is_refused_at_load() {
    let dir = setup();
    for i in 0..5 {
        let f = std::fs::File::create(dir.path().join(format!("tpl/image-{i}.png"))).unwrap();
        f.set_len(15 << 20).unwrap();
    }
    reading_annex(dir.path(), "image-0.png");
    let (out, text) = render(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_refused(
        &out,
        &text,
        dir.path(),
        "its files add up to more than 64 MiB, the limit for a set",
    );
}

// Smaller (#11 item 10): what profile text can do to the PDF metadata, and the source of a
// document Typst could not typeset.

#[test]
fn control_characters_of_the_profile_never_reach_the_pdf_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("metadata-controls/profile.toml");
    let out = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            profile.to_str().unwrap(),
            "--emit",
            "txt",
        ],
    );
    // A final annex is PDF/A-3a, which refuses any glyph no font has: control characters
    // in the page header used to fail the render.
    assert!(out.status.success(), "{}", show(&out));
    let pdf = std::fs::read(dir.path().join("output/tailor-annex.pdf")).unwrap();
    let file = annex::pdf::file::PdfFile::open(&pdf).unwrap();
    let keywords = file.info_keywords().unwrap();
    let xmp = String::from_utf8(file.xmp().unwrap().expect("an XMP packet")).unwrap();
    for (what, text) in [
        ("/Info /Keywords", keywords.as_str()),
        ("XMP", xmp.as_str()),
    ] {
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c.is_control() && c != '\n')
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)
            })
            .collect();
        assert!(bad.is_empty(), "{what} carries {bad:?}");
    }
    assert!(
        xmp.contains("Evil [31m Corp"),
        "the name is kept, cleaned: {xmp}"
    );
    assert!(keywords.contains("CTR - 7"), "{keywords}");
    // The page header shows the name without them too.
    let txt = std::fs::read_to_string(dir.path().join("output/tailor-annex.txt")).unwrap();
    assert!(!txt.contains('\u{1b}') && !txt.contains('\u{7}'));
}

#[test]
fn emit_typ_writes_the_source_of_a_document_typst_cannot_compile() {
    let dir = setup();
    std::fs::write(
        dir.path().join("tpl/annex.typ.tera"),
        "Broken annex for {{ customer.legal_name }}.\n\n#no-such-function()\n",
    )
    .unwrap();
    let out = annex(
        dir.path(),
        &["render", "--templates", "tpl", "--emit", "typ,txt"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let typ = Path::new("output").join("acme-annex.typ");
    assert!(
        stderr.contains(&format!("the generated source is in {}", typ.display())),
        "{stderr}"
    );
    assert!(stderr.contains("annex.typ:3:"), "{stderr}");
    let source = std::fs::read_to_string(dir.path().join(&typ)).unwrap();
    assert!(
        source.contains("Broken annex for ACME Industries SAS"),
        "{source}"
    );
    // Only the source: no PDF, no text of a document that does not exist.
    assert_eq!(
        files_under(&dir.path().join("output")),
        vec![dir.path().join(&typ)]
    );
}
