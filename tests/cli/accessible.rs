//! Accessible documents (#18): PDF/UA-1 for every document and PDF/A-3a for final ones,
//! checked by Typst at export (a failure is an error); the DRAFT watermark out of the text
//! layer; RACI letters, charts and signature places described for assistive technology;
//! the signing date on the date line; the warning for a matrix with offering variants and
//! a profile that names none.

use std::path::Path;

use crate::{annex, corpus_pages, files_under, fixture, repo, show};

/// What the XMP metadata of `pdf` declares: (pdfaid:part, pdfaid:conformance,
/// pdfuaid:part), each `None` when absent. Typst writes the packet uncompressed.
fn declared(pdf: &[u8]) -> (Option<String>, Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(pdf);
    let value = |tag: &str| {
        let open = format!("<{tag}>");
        let start = text.find(&open)? + open.len();
        let end = start + text[start..].find('<')?;
        Some(text[start..end].to_owned())
    };
    (
        value("pdfaid:part"),
        value("pdfaid:conformance"),
        value("pdfuaid:part"),
    )
}

fn archival() -> (Option<String>, Option<String>, Option<String>) {
    (Some("3".into()), Some("A".into()), Some("1".into()))
}

/// Renders `kind` for `profile` into `dir/out`, returning the PDF's path.
fn render_kind(dir: &Path, kind: &str, profile: &Path) -> std::path::PathBuf {
    let profile = profile.to_str().unwrap();
    let args = [
        "render",
        "--kind",
        kind,
        "--profile",
        profile,
        "--out",
        "out",
        "--force",
    ];
    let out = annex(dir, &args);
    assert!(out.status.success(), "{}", show(&out));
    dir.join(String::from_utf8_lossy(&out.stdout).trim())
}

#[test]
fn final_documents_declare_pdfa_3a_and_pdfua_1_and_drafts_pdfua_1() {
    let dir = tempfile::tempdir().unwrap();
    let nordwind = repo("data/profiles/nordwind.toml");
    for kind in ["annex", "onboarding", "audit"] {
        for (profile, expected) in [
            (nordwind.clone(), archival()),
            (
                repo("data/profiles/acme.toml"),
                (None, None, Some("1".into())),
            ),
        ] {
            let pdf = std::fs::read(render_kind(dir.path(), kind, &profile)).unwrap();
            let name = format!("{kind} of {}", profile.display());
            assert_eq!(declared(&pdf), expected, "{name}");
            assert!(
                String::from_utf8_lossy(&pdf).contains("/MarkInfo"),
                "{name} is not tagged"
            );
        }
    }
}

/// Every sample profile against the seed matrix and every corpus page, every kind: Typst's
/// own PDF/UA-1 (and, for final profiles, PDF/A-3a) checks pass at export, the XMP
/// declares what the document is, and no heading is left alone at the foot of a page. In-process, through the library `render` uses, to keep
/// it to one load per matrix.
#[test]
fn every_sample_profile_and_corpus_page_passes_the_export_checks() {
    use annex::document;
    use annex::kind::Kind;
    use annex::prepare::{InputOptions, Shared};
    use annex::seal;

    let profiles: Vec<_> = files_under(&repo("data/profiles"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    assert!(profiles.len() >= 3);
    let mut matrices = vec![None];
    matrices.extend(corpus_pages().into_iter().map(Some));
    let mut failures = Vec::new();
    let mut checked = 0;
    for matrix in &matrices {
        let options = InputOptions {
            matrices: matrix.iter().cloned().collect(),
            ..InputOptions::default()
        };
        let shared = Shared::load(&options).unwrap();
        for profile in &profiles {
            let prepared = shared.prepare_file(Some(profile)).unwrap();
            let draft = prepared.profile.contract.status == annex::profile::Status::Draft;
            for kind in Kind::ALL {
                let name = format!(
                    "{} of {} with {}",
                    kind.name(),
                    matrix
                        .as_deref()
                        .map_or("the seed".into(), |m| m.display().to_string()),
                    profile.display()
                );
                let sealed = seal::for_document(&prepared, kind, false, None).unwrap();
                match document::make(&prepared, kind, None, sealed.as_ref()) {
                    Err(e) => failures.push(format!("{name}: {e:#}")),
                    Ok(doc) => {
                        let expected = if draft {
                            (None, None, Some("1".into()))
                        } else {
                            archival()
                        };
                        if declared(&doc.compiled.pdf) != expected {
                            failures.push(format!("{name}: XMP {:?}", declared(&doc.compiled.pdf)));
                        }
                        if let Some(h) = heading_ending_a_page(&doc.typst, &doc.compiled.text) {
                            failures.push(format!("{name}: the heading {h:?} ends a page"));
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, matrices.len() * profiles.len() * 3);
}

/// The headings of a generated source as they read once laid out (escapes dropped):
/// markup headings (`== Title`), `#heading(..)[Title]` and `#phase-heading(n, [Title], ..)`.
fn headings(typst: &str) -> Vec<String> {
    typst
        .lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let title = if line.starts_with('=') {
                line.trim_start_matches('=')
            } else if line.starts_with("#heading(") || line.starts_with("#phase-heading(") {
                let start = line.find('[')? + 1;
                &line[start..start + line[start..].find(']')?]
            } else {
                return None;
            };
            Some(crate::norm(&title.replace('\\', "")))
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// A heading that is the last line of a page's body (the line above the footer), if any.
fn heading_ending_a_page(typst: &str, text: &str) -> Option<String> {
    let headings = headings(typst);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    for page in &pages[..pages.len().saturating_sub(1)] {
        let lines: Vec<&str> = page.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some(last) = lines.len().checked_sub(2).map(|i| crate::norm(lines[i])) else {
            continue;
        };
        if let Some(h) = headings
            .iter()
            .find(|h| !last.is_empty() && h.ends_with(&last))
        {
            return Some(h.clone());
        }
    }
    None
}

#[test]
fn a_heading_at_the_foot_of_a_page_is_found() {
    let typst = "= Findings\n#heading(level: 2)[1\\. Before]\n";
    assert_eq!(headings(typst), ["Findings", "1. Before"]);
    let text = "Title\nFindings\nPage 1 of 2\u{c}Body\nPage 2 of 2\n";
    assert_eq!(
        heading_ending_a_page(typst, text).as_deref(),
        Some("Findings")
    );
    assert_eq!(
        heading_ending_a_page(typst, "Findings\nBody\nPage 1\u{c}x\n"),
        None
    );
}

#[test]
fn a_template_that_breaks_pdf_ua_fails_with_typst_s_message_and_writes_nothing() {
    if !crate::tools(&["pdftotext"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("tpl")).unwrap();
    // An image without alternative text: PDF/UA-1 forbids it.
    std::fs::write(
        dir.path().join("tpl/annex.typ.tera"),
        "#set document(title: \"T\")\n#set text(lang: \"en\")\n#image(bytes(\"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>\"), format: \"svg\")\n",
    )
    .unwrap();
    let out = annex(dir.path(), &["render", "--templates", "tpl"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PDF/UA-1 error: missing alt text"), "{err}");
    assert!(!dir.path().join("output/acme-annex.pdf").exists());
}

/// Lines of `text` that are only one of the watermark's pieces ("RA" is compared apart: it
/// is a letter cell too).
fn watermark_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| ["D", "FT", "DRAFT", "D R A F T"].contains(l))
        .map(String::from)
        .collect()
}

/// The lines of pdftotext's reading of `pdf` that are a letter cell ("R", "RA", "CI", …),
/// sorted.
fn letter_lines(dir: &Path, pdf: &str) -> Vec<String> {
    let out = std::process::Command::new("pdftotext")
        .args([pdf, "-"])
        .current_dir(dir)
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.len() <= 4 && l.chars().all(|c| "RACI".contains(c)))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

#[test]
fn the_draft_watermark_is_not_text_and_every_letter_cell_still_is() {
    if !crate::tools(&["pdftotext"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["render", "--emit", "txt"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = std::fs::read_to_string(dir.path().join("output/acme-annex.txt")).unwrap();
    assert_eq!(watermark_lines(&text), Vec::<String>::new());
    assert!(
        !text.contains("DRAFT"),
        "the watermark is in the text layer"
    );
    // The same profile, final: no watermark. pdftotext reads the same letter cells from
    // both (the watermark used to add "D", "RA", "FT": an "RA" that is no letter cell).
    let profile = std::fs::read_to_string(repo("data/profiles/acme.toml"))
        .unwrap()
        .replace("status = \"draft\"", "status = \"final\"");
    std::fs::write(dir.path().join("final.toml"), profile).unwrap();
    let out = annex(
        dir.path(),
        &["render", "--profile", "final.toml", "--out", "final"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let layout = std::process::Command::new("pdftotext")
        .args(["-layout", "output/acme-annex.pdf", "-"])
        .current_dir(dir.path())
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let layout = String::from_utf8_lossy(&layout.stdout);
    assert_eq!(watermark_lines(&layout), Vec::<String>::new());
    assert!(!layout.contains("DRAFT"));
    let draft = letter_lines(dir.path(), "output/acme-annex.pdf");
    assert!(draft.len() > 70, "{draft:?}");
    assert_eq!(draft, letter_lines(dir.path(), "final/acme-annex.pdf"));
}

/// The alternative texts (`/Alt`) of `pdf`'s structure tree, decoded (literal strings and
/// UTF-16 hex strings), read from qpdf's uncompressed form.
fn alt_texts(pdf: &Path) -> Vec<String> {
    let out = std::process::Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("qpdf is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("/Alt ")
        .skip(1)
        .filter_map(|rest| {
            if let Some(hex) = rest.strip_prefix('<') {
                let hex = &hex[..hex.find('>')?];
                let bytes: Vec<u8> = (0..hex.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .collect();
                let units: Vec<u16> = bytes
                    .chunks(2)
                    .skip(1)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                Some(String::from_utf16_lossy(&units))
            } else {
                let lit = rest.strip_prefix('(')?;
                Some(
                    lit[..lit.find(")\n").or_else(|| lit.find(')'))?]
                        .replace("\\(", "(")
                        .replace("\\)", ")"),
                )
            }
        })
        .collect()
}

#[test]
fn letters_charts_and_signature_places_have_words_for_assistive_technology() {
    if !crate::tools(&["qpdf"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let nordwind = repo("data/profiles/nordwind.toml");
    for kind in ["annex", "audit", "onboarding"] {
        render_kind(dir.path(), kind, &nordwind);
    }
    let has = |kind: &str, wanted: &str| {
        let alts = alt_texts(&dir.path().join(format!("out/nordwind-{kind}.pdf")));
        assert!(
            alts.iter().any(|a| a.starts_with(wanted)),
            "{kind}: no alternative text starting {wanted:?} in {alts:#?}"
        );
    };
    has("annex", "Responsible, Accountable");
    has("annex", "Consulted, Informed");
    has(
        "annex",
        "Place for the digital signature of Paweł Kowalczyk",
    );
    has("onboarding", "Responsible, Accountable");
    has("audit", "Responsible, Accountable");
    // The bar charts in words: every figure a sighted reader sees.
    has("audit", "By party: Customer: 23 Responsible, 24 Accountable, 0 Consulted, 2 Informed; OVHcloud: 14 Responsible, 14 Accountable, 3 Consulted, 12 Informed.");
    has("audit", "By section: 1. Before subscription (5) – ");
}

#[test]
fn a_signed_annex_fills_the_date_line_with_the_signing_date() {
    let dir = tempfile::tempdir().unwrap();
    let pki = fixture("seal-test-pki");
    let key = pki.join("TEST-ONLY-provider.key.pem");
    let cert = pki.join("TEST-ONLY-provider.cert.pem");
    let nordwind = repo("data/profiles/nordwind.toml");
    let out = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            nordwind.to_str().unwrap(),
            "--out",
            "out",
            "--sign-key",
            key.to_str().unwrap(),
            "--sign-cert",
            cert.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let pdf = dir.path().join("out/nordwind-annex.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    let file = annex::pdf::file::PdfFile::open(&bytes).unwrap();
    let fields = file.attachments().unwrap()[annex::seal::SIGNATURE_FIELDS_NAME].clone();
    let fields: serde_json::Value = serde_json::from_slice(&fields).unwrap();
    // The appearance the signature added (the only form with ink: the other places have
    // blank ones): the y of every point it fills, in PDF coordinates from the bottom.
    let text = String::from_utf8_lossy(&bytes);
    let appearance = text
        .split("/Subtype/Form/BBox[")
        .skip(1)
        .find_map(|form| {
            let stream = &form[form.find("stream\n")? + 7..form.find("endstream")?];
            let ink = &stream[stream.find(" rg\n")?..];
            Some(
                ink.lines()
                    .filter(|l| l.ends_with(" m") || l.ends_with(" l") || l.ends_with(" c"))
                    .flat_map(|l| {
                        let n: Vec<f64> = l.split(' ').filter_map(|w| w.parse().ok()).collect();
                        n.chunks(2).map(|p| p[1]).collect::<Vec<_>>()
                    })
                    .collect::<Vec<f64>>(),
            )
        })
        .expect("a signature appearance with text");
    // The provider's certificate names Marek Nowak: his place was signed.
    let place = fields
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["signatory"] == "Marek Nowak")
        .unwrap();
    let height = place["height"].as_f64().unwrap();
    let line = place["line"].as_f64().unwrap();
    let (top, date) = (
        place["date"]["top"].as_f64().unwrap(),
        place["date"]["height"].as_f64().unwrap(),
    );
    assert!(line > 0.0 && top > line && top + date <= height + 0.01);
    let (sig_rule, date_rule) = (height - line, height - top - date);
    // The signature's text stays above its rule, and the date stands on its own line.
    use annex::sign::appearance::CLEARANCE;
    let signature: Vec<f64> = appearance
        .iter()
        .copied()
        .filter(|y| *y > height - top)
        .collect();
    let on_date_line: Vec<f64> = appearance
        .iter()
        .copied()
        .filter(|y| *y <= height - top)
        .collect();
    assert!(
        signature
            .iter()
            .all(|y| *y >= sig_rule + CLEARANCE - 0.05 && *y <= height),
        "{signature:?}"
    );
    assert!(!on_date_line.is_empty(), "the date line is empty");
    assert!(
        on_date_line
            .iter()
            .all(|y| *y >= date_rule + CLEARANCE - 0.05),
        "{on_date_line:?}"
    );
    let verify = annex(dir.path(), &["verify", "out/nordwind-annex.pdf"]);
    assert!(verify.status.success(), "{}", show(&verify));
}

#[test]
fn a_matrix_with_variants_and_a_profile_naming_none_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("variants-none/profile.toml");
    let args = [
        "render",
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        "out",
    ];
    let out = annex(dir.path(), &args);
    assert!(out.status.success(), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning[profile::no-variant]"), "{err}");
    assert!(
        err.contains("the matrix offers variants `essential` (Essential), `business` (Business), and subscription.variant names none"),
        "{err}"
    );
    assert!(
        err.contains("variants-none/profile.toml:"),
        "no place: {err}"
    );
    assert!(err.contains("add `variant = \"essential\"`"), "{err}");
    assert!(dir.path().join("out/tailor-annex.pdf").exists());
    // The strict policy denies it: nothing is written.
    let strict = tempfile::tempdir().unwrap();
    let out = annex(
        strict.path(),
        &[&args[..], &["--policy", "strict"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(!strict.path().join("out/tailor-annex.pdf").exists());
    // Naming a variant silences it.
    let named = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            fixture("tailor-variant/profile.toml").to_str().unwrap(),
            "--out",
            "named",
        ],
    );
    assert!(named.status.success(), "{}", show(&named));
    assert!(!String::from_utf8_lossy(&named.stderr).contains("profile::no-variant"));
}
