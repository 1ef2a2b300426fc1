//! Verify: checks a sealed (and possibly signed) annex the way an auditor would,
//! years later, with nothing but the PDF (and the CA certificate to trust).
//!
//! Checks, each reported as ok / FAILED / skipped: PDF/A-3a and PDF/UA-1 declared; every attachment
//! against the manifest; the fingerprint recomputed from the attachments and found in the
//! document's metadata; every signature ([`signatures`]: byte ranges, digest, signature
//! math, signing-certificate binding, its level, B-B or B-T, certificate validity at the
//! signing time, which a signature timestamp makes trusted, chain to `--trust`, revocation
//! from the file's `/DSS` ([`ltv`], offline), and with `--at` whether it would still validate
//! at a later date; PKCS#7
//! signatures of other tools alike; document timestamps as tokens, not signatures); SHA-256
//! and RSA keys of at least 2048 bits; every incremental update after the first
//! signature analysed object by object ([`crate::sign::revisions`]: only what a
//! countersignature or validation data add passes, with a signer's housekeeping reported
//! apart, anything else fails naming the revision and the object);
//! nothing appended after the last signature but validation data; and, with `--rebuild`,
//! the document re-rendered from its attachments, byte for byte equal to its first
//! revision.
//!
//! Invariant: any failed check makes the exit code 1; verification never writes anything
//! but a temporary folder for the rebuild.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::digest::sha256_hex;
use crate::document;
use crate::kind::Kind;
use crate::pdf::{
    self,
    file::{self, PdfFile},
};
use crate::prepare::{InputOptions, Shared};
use crate::seal::{self, Manifest, MANIFEST_NAME, SIGNATURE_FIELDS_NAME};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Passed.
    Ok,
    /// Failed: the document is not what it claims.
    Failed,
    /// Not applicable or not requested.
    Skipped,
}

/// Every check made, in order.
#[derive(Debug, Default)]
pub struct Report {
    /// (outcome, what was checked and found).
    pub checks: Vec<(Outcome, String)>,
    /// The level of each signature whose checks all passed, by its label ("signature 2"):
    /// `B-B`, `B-T`, `B-LT`, `B-LTA`, or `PKCS#7` (no PAdES level), as the report says it.
    pub levels: Vec<(String, String)>,
}

impl Report {
    /// Adds a check.
    pub fn push(&mut self, outcome: Outcome, text: impl Into<String>) {
        self.checks.push((outcome, text.into()));
    }

    /// Adds a check that passed (`Ok`) or failed (`Err`).
    pub fn result(&mut self, r: Result<String, String>) {
        match r {
            Ok(t) => self.push(Outcome::Ok, t),
            Err(t) => self.push(Outcome::Failed, t),
        }
    }

    /// The failed checks.
    pub fn failures(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|(o, _)| *o == Outcome::Failed)
            .map(|(_, t)| t.as_str())
            .collect()
    }

    /// The report as printed: one line per check.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (o, t) in &self.checks {
            let tag = match o {
                Outcome::Ok => "ok     ",
                Outcome::Failed => "FAILED ",
                Outcome::Skipped => "skipped",
            };
            out.push_str(&format!("{tag} {t}\n"));
        }
        out
    }
}

/// Options of a verification.
#[derive(Default)]
pub struct Options {
    /// Trust anchors.
    pub trust: Vec<x509_cert::Certificate>,
    /// Rebuild from the attachments, with this template folder (`Some(None)`: built-ins).
    pub rebuild: Option<Option<PathBuf>>,
    /// `--at`: also tell whether each signature would still validate at this time
    /// (seconds since the epoch).
    pub at: Option<i64>,
}

fn short(hex: &str) -> &str {
    hex.get(..16).unwrap_or(hex)
}

pub use crate::sign::parse_pdf_date;

/// Verifies the bytes of an annex.
pub fn verify(bytes: &[u8], options: &Options) -> Report {
    let mut report = Report::default();
    let doc = match PdfFile::open(bytes) {
        Ok(d) => d,
        Err(e) => {
            report.push(Outcome::Failed, format!("PDF structure: {e}"));
            return report;
        }
    };
    // The revisions are those the analysis follows (`/Prev`), not every `%%EOF` in the
    // bytes: a stream may contain one.
    let revisions = match file::revision_ends(bytes) {
        Ok(r) => r,
        Err(e) => {
            report.push(
                Outcome::Failed,
                format!("PDF structure: its revisions cannot be read ({e})"),
            );
            vec![bytes.len()]
        }
    };
    let first_end = revisions.first().copied().unwrap_or(bytes.len());
    // Bytes after the last revision the reader follows are an update it cannot see (a
    // damaged `startxref` makes a reader fall back to an earlier revision, and a signed
    // annex would then read as unsigned): never passed over.
    let last_end = revisions.last().copied().unwrap_or(bytes.len());
    if bytes
        .get(last_end..)
        .is_some_and(|tail| tail.iter().any(|b| !b.is_ascii_whitespace()))
    {
        report.push(
            Outcome::Failed,
            format!(
                "PDF structure: {} byte(s) after the last readable revision (which ends at byte {last_end}): a damaged or unreadable update",
                bytes.len() - last_end
            ),
        );
    }
    let sigs = doc.signatures();
    report.push(
        Outcome::Ok,
        format!(
            "PDF structure: readable; {} revision(s), {} signature(s)",
            revisions.len(),
            sigs.len()
        ),
    );
    // Decoding is bounded (`file::MAX_XMP`, `file::MAX_ATTACHMENTS`): past a limit, the
    // file fails here, naming the stream, instead of exhausting memory.
    let xmp = match doc.xmp() {
        Ok(x) => String::from_utf8_lossy(&x.unwrap_or_default()).into_owned(),
        Err(e) => {
            report.push(Outcome::Failed, e);
            return report;
        }
    };
    let attachments = doc.attachments();
    // The standard the manifest records decides what the XMP must declare (annexes sealed
    // before PDF/UA-1 declare PDF/A-3b, and stay verifiable); the manifest itself is
    // checked, and reported, below.
    let recorded = attachments
        .as_ref()
        .ok()
        .and_then(|a| a.get(MANIFEST_NAME))
        .and_then(|b| serde_json::from_slice::<Manifest>(b).ok())
        .map(|m| m.parameters.pdf_standard);
    check_pdfa(&xmp, recorded.as_deref(), &mut report);
    let attachments = match attachments {
        Ok(a) => a,
        Err(e) => {
            report.push(Outcome::Failed, e);
            return report;
        }
    };
    let manifest = read_manifest(&attachments, &mut report);
    if let Some(m) = &manifest {
        check_attachments(&attachments, m, &mut report);
        check_fingerprint(&doc, &xmp, &attachments, m, &mut report);
    }
    check_signatures(bytes, &sigs, &revisions, options, &mut report);
    match (&options.rebuild, &manifest) {
        (Some(templates), Some(m)) => {
            report.result(rebuild(&attachments, m, templates.as_deref(), &bytes[..first_end]))
        }
        (Some(_), None) => report.push(Outcome::Failed, "rebuild: impossible without a manifest"),
        (None, _) => report.push(
            Outcome::Skipped,
            "rebuild: not requested (--rebuild re-renders the annex from its attachments and compares every byte)",
        ),
    }
    report
}

/// What annexes sealed before PDF/UA-1 (#18) record as their standard, and declare.
const LEGACY_STANDARD: &str = "PDF/A-3b";

/// The standard the manifest records (`recorded`) declared in the XMP metadata: PDF/A-3a
/// and PDF/UA-1 ([`pdf::ARCHIVAL_XMP`]), or PDF/A-3b for an annex whose manifest records
/// that (sealed before PDF/UA-1).
fn check_pdfa(xmp: &str, recorded: Option<&str>, report: &mut Report) {
    let (name, (part, conformance, ua)) = if recorded == Some(LEGACY_STANDARD) {
        (LEGACY_STANDARD, ("3", "B", None))
    } else {
        let (part, conformance, ua) = pdf::ARCHIVAL_XMP;
        (seal::PDF_STANDARD, (part, conformance, Some(ua)))
    };
    let found = (
        xmp_value(xmp, "pdfaid:part"),
        xmp_value(xmp, "pdfaid:conformance"),
        xmp_value(xmp, "pdfuaid:part"),
    );
    let declared = found.0.as_deref() == Some(part)
        && found
            .1
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(conformance))
        && ua.is_none_or(|ua| found.2.as_deref() == Some(ua));
    let missing = |v: &Option<String>| v.clone().unwrap_or_else(|| "missing".into());
    report.result(if declared {
        Ok(format!("{name} declared in the XMP metadata"))
    } else {
        Err(format!(
            "{name} is not declared in the XMP metadata (pdfaid:part {}, conformance {}, pdfuaid:part {})",
            missing(&found.0),
            missing(&found.1),
            missing(&found.2),
        ))
    });
}

/// The manifest attachment, parsed.
fn read_manifest(attachments: &BTreeMap<String, Vec<u8>>, report: &mut Report) -> Option<Manifest> {
    match attachments.get(MANIFEST_NAME) {
        None => {
            report.push(
                Outcome::Failed,
                "no manifest.json attached: this is not a sealed (final) annex",
            );
            None
        }
        Some(bytes) => match serde_json::from_slice::<Manifest>(bytes) {
            Ok(m) if m.format == seal::MANIFEST_FORMAT => {
                report.push(
                    Outcome::Ok,
                    format!(
                        "manifest.json: made by {} {} with typst {}, fingerprint {}…",
                        m.tool.name,
                        m.tool.version,
                        m.typst_version,
                        short(&m.fingerprint)
                    ),
                );
                Some(m)
            }
            Ok(m) => {
                report.push(
                    Outcome::Failed,
                    format!("manifest.json: unknown format {}", m.format),
                );
                None
            }
            Err(e) => {
                report.push(
                    Outcome::Failed,
                    format!("manifest.json is not a valid manifest: {e}"),
                );
                None
            }
        },
    }
}

/// Every attachment against the manifest, and the inputs attached as given.
fn check_attachments(attachments: &BTreeMap<String, Vec<u8>>, m: &Manifest, report: &mut Report) {
    for (name, expected) in &m.attachments {
        report.result(match attachments.get(name) {
            None => Err(format!("attachment {name}: missing")),
            Some(b) => {
                let got = sha256_hex(b);
                if &got == expected {
                    Ok(format!("attachment {name}: SHA-256 {}… as in the manifest", short(&got)))
                } else {
                    Err(format!(
                        "attachment {name}: SHA-256 {}… but the manifest says {}…: the attachment was changed or swapped",
                        short(&got),
                        short(expected)
                    ))
                }
            }
        });
    }
    for name in attachments.keys() {
        if name != MANIFEST_NAME
            && name != SIGNATURE_FIELDS_NAME
            && !m.attachments.contains_key(name)
        {
            report.push(
                Outcome::Failed,
                format!("attachment {name}: not listed in the manifest"),
            );
        }
    }
    for (role, input) in [
        ("profile.toml", &m.inputs.profile),
        ("catalogue.toml", &m.inputs.catalogue),
    ] {
        if let Some(b) = attachments.get(role) {
            let got = sha256_hex(b);
            report.result(if got == input.sha256 {
                Ok(format!("input {}: its SHA-256 matches {role}", input.name))
            } else {
                Err(format!("input {}: SHA-256 differs from {role}", input.name))
            });
        }
    }
}

/// The fingerprint recomputed from the attachments, and found in the metadata.
fn check_fingerprint(
    doc: &PdfFile,
    xmp: &str,
    attachments: &BTreeMap<String, Vec<u8>>,
    m: &Manifest,
    report: &mut Report,
) {
    let mut matrices: Vec<String> = (0..=m.inputs.parts.len())
        .map(seal::matrix_attachment)
        .collect();
    if m.inputs.translation.is_some() {
        matrices.push(seal::TRANSLATION_NAME.to_owned());
    }
    report.result(match seal::recompute_fingerprint(attachments, m) {
        Ok(again) if again == m.fingerprint => Ok(format!(
            "fingerprint {}… recomputed from {}, profile.json and the template digest",
            short(&again),
            matrices.join(", ")
        )),
        Ok(again) => Err(format!(
            "fingerprint: recomputed {}… but the manifest says {}…",
            short(&again),
            short(&m.fingerprint)
        )),
        Err(e) => Err(format!("fingerprint: cannot be recomputed ({e})")),
    });
    let keyword = format!("{}{}", seal::FINGERPRINT_KEYWORD, m.fingerprint);
    let in_xmp = xmp.contains(&keyword);
    let in_info = doc.info_keywords().is_some_and(|k| k.contains(&keyword));
    report.result(if in_xmp && in_info {
        Ok(
            "fingerprint: the document's metadata (XMP and Info keywords) carries the manifest's"
                .into(),
        )
    } else {
        Err("fingerprint: the document's metadata does not carry the manifest's fingerprint".into())
    });
}

fn xmp_value(xmp: &str, key: &str) -> Option<String> {
    let i = xmp.find(key)?;
    let rest = &xmp[i + key.len()..];
    let rest = rest.trim_start_matches(['>', '=', '"', '\'', ' ']);
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    (!v.is_empty()).then_some(v)
}

/// The annex's inputs prepared again from its attachments (the canonical matrices, the
/// profile and catalogue as written, the translation) and the kind its manifest records,
/// with `templates` (`None`: the built-ins): what a rebuild renders, and what the register
/// records of an annex made before it kept one (`annex register import`). The profile's
/// own `matrices` paths are replaced by the attached canonical matrices, as `--matrix`
/// would.
pub fn prepare_attached(
    attachments: &BTreeMap<String, Vec<u8>>,
    m: &Manifest,
    templates: Option<&Path>,
) -> Result<(crate::prepare::Prepared, Kind), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = |name: &str| -> Result<PathBuf, String> {
        let bytes = attachments
            .get(name)
            .ok_or_else(|| format!("{name} is not attached"))?;
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).map_err(|e| e.to_string())?;
        Ok(p)
    };
    let kind = match Kind::from_name(&m.parameters.kind) {
        Some(kind) if kind.sealable() => kind,
        _ => {
            return Err(format!(
                "cannot rebuild a document of kind {}",
                m.parameters.kind
            ))
        }
    };
    let matrices = (0..=m.inputs.parts.len())
        .map(|i| path(&seal::matrix_attachment(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let options = InputOptions {
        matrices,
        catalogue: Some(path("catalogue.toml")?),
        templates: templates.map(Path::to_path_buf),
        scope: m.parameters.scope,
        translation: match &m.inputs.translation {
            Some(_) => Some(path(seal::TRANSLATION_NAME)?),
            None => None,
        },
        bilingual: m.parameters.bilingual,
        ..InputOptions::default()
    };
    let profile = path("profile.toml")?;
    let prepared = Shared::load(&options)
        .and_then(|shared| shared.prepare_file(Some(&profile)))
        .map_err(|e| format!("{e:#}"))?;
    Ok((prepared, kind))
}

/// Re-renders the annex from its attachments and compares it with `first`, the
/// document's first revision.
fn rebuild(
    attachments: &BTreeMap<String, Vec<u8>>,
    m: &Manifest,
    templates: Option<&Path>,
    first: &[u8],
) -> Result<String, String> {
    let fail = |e: String| format!("rebuild: {e}");
    if m.tool.version != env!("CARGO_PKG_VERSION") || m.typst_version != crate::TYPST_VERSION {
        return Err(fail(format!(
            "made by annex {} (typst {}), this is annex {} (typst {}): use that version to rebuild",
            m.tool.version,
            m.typst_version,
            env!("CARGO_PKG_VERSION"),
            crate::TYPST_VERSION
        )));
    }
    let (prepared, kind) = prepare_attached(attachments, m, templates).map_err(fail)?;
    let digest = crate::digest::hex(&prepared.templates.digest());
    if digest != m.inputs.templates.digest {
        return Err(fail(format!(
            "the template set differs from the one the annex was made with (templates {}…, expected {}…); pass --templates DIR",
            short(&digest),
            short(&m.inputs.templates.digest)
        )));
    }
    let seal = seal::Seal::new(
        &prepared,
        kind,
        m.parameters.source_date_epoch,
        Some(m.inputs.clone()),
    )
    .map_err(|e| fail(e.to_string()))?;
    let document = document::make(&prepared, kind, m.parameters.source_date_epoch, Some(&seal))
        .map_err(|e| fail(format!("{e:#}")))?;
    // The first update may have added the end-of-line the original file lacked.
    let trim = |b: &[u8]| {
        b.len()
            - b.iter()
                .rev()
                .take_while(|c| **c == b'\n' || **c == b'\r')
                .count()
    };
    let first = &first[..trim(first)];
    if document.compiled.pdf[..trim(&document.compiled.pdf)] == *first {
        Ok(format!(
            "rebuild: re-rendered from the attachments, identical to the first revision ({} bytes)",
            first.len()
        ))
    } else {
        let at = document
            .compiled
            .pdf
            .iter()
            .zip(first)
            .position(|(a, b)| a != b)
            .unwrap_or(first.len().min(document.compiled.pdf.len()));
        Err(fail(format!(
            "the re-rendered annex differs from the first revision (first difference at byte {at}; {} vs {} bytes)",
            document.compiled.pdf.len(),
            first.len()
        )))
    }
}

mod ltv;
mod signatures;
use signatures::check_signatures;
pub(crate) use signatures::{signature_timestamp, signer_chain, signer_valid};

#[cfg(test)]
mod tests;
