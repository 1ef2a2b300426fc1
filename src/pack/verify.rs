//! Verifying an evidence pack (`annex verify <pack.zip>`): every member against the
//! manifest, the annex's own verification, and the annex agreeing with the pack.
//!
//! Checks, one report line per member: `manifest.json` readable and of [`super::FORMAT`];
//! each member listed there present with its SHA-256; no member the manifest does not list
//! (nor a name twice); the annex verified like `annex verify` verifies a PDF (attachments,
//! fingerprint, signatures, `--trust`, `--rebuild`), its lines prefixed with its name; the
//! annex's fingerprint equal to the pack's; every member that is also an attachment of the
//! annex (`matrix.json`, `profile.toml`, `profile.json`, `catalogue.toml`, …) byte for
//! byte equal to it, so another customer's annex swapped in (with the manifest fixed up)
//! fails naming the annex; `manifest.json.p7s`, when present, a valid detached signature
//! of the manifest (checked as `verify` checks a PDF signature's CMS: digest, signature,
//! certificate binding, timestamp token, validity, `--trust` chain).
//!
//! Invariants: the zip is read within limits checked before anything is inflated
//! ([`MAX_PACK_MEMBERS`] entries, [`MAX_PACK_INFLATED_BYTES`] declared in total), and a
//! member is never inflated past the size it declares (a zip bomb fails, naming the
//! member); any failed line makes the exit code 1; control and bidi-control characters
//! of names are printed escaped.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use super::{Manifest, FORMAT, MANIFEST_NAME, SIGNATURE_NAME};
use crate::digest::sha256_hex;
use crate::limits::{thousands, MAX_PACK_INFLATED_BYTES, MAX_PACK_MEMBERS};
use crate::pdf::file::PdfFile;
use crate::seal;
use crate::sign::cms;
use crate::verify::{self, Options, Outcome, Report};

/// Whether `bytes` start like a zip (a local file header, or the end record of an empty
/// zip): how `annex verify` tells a pack from a PDF, whatever the file's name.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Verifies the bytes of a pack.
pub fn verify(bytes: &[u8], options: &Options) -> Report {
    let mut report = checked(bytes, options);
    // Member names are anyone's bytes: a name must not rewrite the terminal or reorder
    // the line it is printed on.
    for (_, text) in &mut report.checks {
        *text = shown(text);
    }
    report
}

/// `text` with control and bidi-control characters written as `\u{…}`.
fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {
                out.push_str(&c.escape_unicode().to_string())
            }
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

fn checked(bytes: &[u8], options: &Options) -> Report {
    let mut report = Report::default();
    let (members, broken) = match read(bytes) {
        Ok(m) => m,
        Err(e) => {
            report.push(Outcome::Failed, format!("zip: {e}"));
            return report;
        }
    };
    report.push(
        Outcome::Ok,
        format!("zip: readable; {} member(s)", members.len()),
    );
    let manifest = match members.get(MANIFEST_NAME) {
        None => {
            report.push(
                Outcome::Failed,
                format!("member {MANIFEST_NAME}: missing: this is not an evidence pack"),
            );
            return report;
        }
        Some(bytes) => match serde_json::from_slice::<Manifest>(bytes) {
            Ok(m) if m.format == FORMAT => m,
            Ok(m) => {
                report.push(
                    Outcome::Failed,
                    format!("member {MANIFEST_NAME}: unknown format {}", m.format),
                );
                return report;
            }
            Err(e) => {
                report.push(
                    Outcome::Failed,
                    format!("member {MANIFEST_NAME}: not a pack manifest: {e}"),
                );
                return report;
            }
        },
    };
    report.push(
        Outcome::Ok,
        format!(
            "member {MANIFEST_NAME}: pack of {} (contract {}, {}), made by {} {} with typst {}, fingerprint {}…",
            manifest.customer,
            manifest.contract,
            manifest.date,
            manifest.tool.name,
            manifest.tool.version,
            manifest.typst_version,
            manifest.fingerprint.get(..16).unwrap_or(&manifest.fingerprint)
        ),
    );
    match members.get(SIGNATURE_NAME) {
        Some(p7s) => check_manifest_signature(&members[MANIFEST_NAME], p7s, options, &mut report),
        None if broken.contains_key(SIGNATURE_NAME) => report.push(
            Outcome::Failed,
            format!("member {SIGNATURE_NAME}: unreadable: {}", broken[SIGNATURE_NAME]),
        ),
        None => report.push(
            Outcome::Skipped,
            format!("member {SIGNATURE_NAME}: none (the manifest is not signed; a signed annex still vouches for itself and its attachments)"),
        ),
    }
    let mut listed = BTreeSet::new();
    for m in &manifest.members {
        if !listed.insert(m.name.as_str()) {
            report.push(
                Outcome::Failed,
                format!("member {}: listed twice in {MANIFEST_NAME}", m.name),
            );
            continue;
        }
        report.result(match members.get(&m.name) {
            None if broken.contains_key(&m.name) => {
                Err(format!("member {}: unreadable: {}", m.name, broken[&m.name]))
            }
            None => Err(format!("member {}: missing ({})", m.name, m.what)),
            Some(b) => {
                let sha = sha256_hex(b);
                if sha == m.sha256 {
                    Ok(format!("member {}: sha256 {}… ({})", m.name, &sha[..16], m.what))
                } else {
                    // Which of the two changed cannot be told apart: name both.
                    Err(format!(
                        "member {}: changed (or member {MANIFEST_NAME} changed): sha256 {}, {MANIFEST_NAME} lists {}",
                        m.name, sha, m.sha256
                    ))
                }
            }
        });
    }
    for name in members.keys().chain(broken.keys()) {
        if name != MANIFEST_NAME && name != SIGNATURE_NAME && !listed.contains(name.as_str()) {
            report.push(
                Outcome::Failed,
                format!("member {name}: not listed in {MANIFEST_NAME}"),
            );
        }
    }
    match members.get(&manifest.annex) {
        Some(pdf) if listed.contains(manifest.annex.as_str()) => {
            check_annex(pdf, &manifest, &members, options, &mut report)
        }
        _ => report.push(
            Outcome::Failed,
            format!("member {}: the annex is missing", manifest.annex),
        ),
    }
    report
}

/// The detached signature of the manifest: over the manifest's very bytes, by a key its
/// certificate holds, the certificate valid then (at the timestamp's time when it carries
/// one, else now: it claims no time), and chained to `--trust` when given.
fn check_manifest_signature(manifest: &[u8], p7s: &[u8], options: &Options, report: &mut Report) {
    let label = format!("member {SIGNATURE_NAME}");
    let digest: [u8; 32] =
        sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(manifest)).into();
    let checked = match cms::check(p7s, &digest) {
        Ok(c) => c,
        Err(e) => {
            report.push(Outcome::Failed, format!("{label}: {e}"));
            return;
        }
    };
    report.result(
        checked
            .digest_ok
            .clone()
            .map(|_| format!("{label}: signs {MANIFEST_NAME} as it is"))
            .map_err(|e| {
                format!("{label}: {e}: {MANIFEST_NAME} changed after it was signed (or {SIGNATURE_NAME} is another manifest's)")
            }),
    );
    report.result(
        checked
            .signature_ok
            .clone()
            .map(|_| format!("{label}: signature math verifies with the signer's certificate"))
            .map_err(|e| format!("{label}: {e}")),
    );
    report.result(
        checked
            .cert_binding_ok
            .clone()
            .map(|_| format!("{label}: signing-certificate-v2 binds the signer's certificate"))
            .map_err(|e| format!("{label}: {e}")),
    );
    let Some(cert) = &checked.signer else { return };
    let stamped =
        verify::signature_timestamp(&checked, &label, "", options, report).map(|t| t.time);
    let (time, when) = match stamped {
        Some(t) => (t, "at the timestamp's time"),
        None => (crate::sign::now(), "now (the signature claims no time)"),
    };
    verify::signer_valid(cert, time, when, &label, report);
    verify::signer_chain(cert, &checked.certificates, time, &label, options, report);
}

/// The annex's own verification, and its agreement with the pack.
fn check_annex(
    pdf: &[u8],
    manifest: &Manifest,
    members: &BTreeMap<String, Vec<u8>>,
    options: &Options,
    report: &mut Report,
) {
    let name = &manifest.annex;
    for (outcome, text) in verify::verify(pdf, options).checks {
        report.push(outcome, format!("member {name}: {text}"));
    }
    let attachments = match PdfFile::open(pdf).and_then(|f| f.attachments()) {
        Ok(a) => a,
        Err(e) => {
            report.push(Outcome::Failed, format!("member {name}: {e}"));
            return;
        }
    };
    let annex_manifest = attachments
        .get(seal::MANIFEST_NAME)
        .and_then(|b| serde_json::from_slice::<seal::Manifest>(b).ok());
    report.result(match annex_manifest {
        Some(m) if m.fingerprint == manifest.fingerprint => Ok(format!(
            "member {name}: its fingerprint is the pack's"
        )),
        Some(m) => Err(format!(
            "member {name}: fingerprint {}… is not the pack's {}…: the annex is another document (another customer's?)",
            m.fingerprint.get(..16).unwrap_or(&m.fingerprint),
            manifest.fingerprint.get(..16).unwrap_or(&manifest.fingerprint)
        )),
        None => Err(format!("member {name}: carries no readable manifest.json")),
    });
    // Every pack member that the annex also attaches must be the same bytes: the matrix,
    // the profile (as given and as validated) and the catalogue the annex was made from.
    for m in &manifest.members {
        if m.name == seal::MANIFEST_NAME {
            continue;
        }
        let (Some(attached), Some(member)) = (attachments.get(&m.name), members.get(&m.name))
        else {
            continue;
        };
        report.result(if attached == member {
            Ok(format!(
                "member {}: the same bytes as the annex's attachment",
                m.name
            ))
        } else {
            Err(format!(
                "member {}: differs from the attachment {} of {name}: the annex was not made from this pack's inputs (another customer's annex?)",
                m.name, m.name
            ))
        });
    }
}

/// Every member of the zip, inflated within the limits, and those that cannot be read
/// (a bad checksum, a lying size) with the reason.
type Members = (BTreeMap<String, Vec<u8>>, BTreeMap<String, String>);

/// Every member of the zip, inflated within the limits.
fn read(bytes: &[u8]) -> Result<Members, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    if zip.len() > MAX_PACK_MEMBERS {
        return Err(format!(
            "{} members; a pack holds at most {}",
            thousands(zip.len()),
            thousands(MAX_PACK_MEMBERS)
        ));
    }
    // Declared sizes first, before anything is inflated.
    let mut declared = Vec::with_capacity(zip.len());
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| e.to_string())?;
        let name = entry.name().map_err(|e| e.to_string())?.into_owned();
        total = total.saturating_add(entry.size());
        declared.push((name, entry.size()));
    }
    if total > MAX_PACK_INFLATED_BYTES as u64 {
        return Err(format!(
            "its members declare {} bytes in total; a pack holds at most {}",
            thousands(total as usize),
            thousands(MAX_PACK_INFLATED_BYTES)
        ));
    }
    let mut members = BTreeMap::new();
    let mut broken = BTreeMap::new();
    for (i, (name, size)) in declared.into_iter().enumerate() {
        if members.contains_key(&name) || broken.contains_key(&name) {
            return Err(format!("member {name}: present twice"));
        }
        match inflate(&mut zip, i, size) {
            Ok(bytes) => {
                members.insert(name, bytes);
            }
            Err(e) => {
                broken.insert(name, e);
            }
        }
    }
    Ok((members, broken))
}

/// Member `i`, inflated to at most the `size` it declares.
fn inflate(
    zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    i: usize,
    size: u64,
) -> Result<Vec<u8>, String> {
    let entry = zip.by_index(i).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(size as usize);
    // One byte more than declared tells a lying header from an honest one; the checksum
    // is checked when the member's end is read.
    entry
        .take(size + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() as u64 != size {
        return Err(format!(
            "inflates to more than the {} bytes it declares",
            thousands(size as usize)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_drive_the_terminal() {
        assert_eq!(shown("a\u{1b}[2Jb\u{202e}c"), "a\\u{1b}[2Jb\\u{202e}c");
        assert_eq!(shown("profile.toml"), "profile.toml");
    }

    /// A zip of one member `m` of `len` zero bytes, deflated.
    fn one_member(len: usize) -> Vec<u8> {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("m", options).unwrap();
        zip.write_all(&vec![0u8; len]).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_member_is_never_inflated_past_the_size_it_declares() {
        let mut bytes = one_member(100_000);
        // Both headers now declare 10 bytes (uncompressed size: local header offset 22,
        // central directory entry offset 24).
        let at = |sig: &[u8], bytes: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
        let local = at(b"PK\x03\x04", &bytes) + 22;
        let central = at(b"PK\x01\x02", &bytes) + 24;
        for i in [local, central] {
            bytes[i..i + 4].copy_from_slice(&10u32.to_le_bytes());
        }
        // Refused by the zip reader's own check or by ours, never inflated to 100,000.
        let (members, broken) = read(&bytes).unwrap();
        assert!(members.is_empty());
        assert!(
            broken["m"].contains("larger than its declared")
                || broken["m"].contains("more than the 10 bytes"),
            "{broken:?}"
        );
    }

    #[test]
    fn declared_sizes_over_the_limit_are_refused_before_inflating() {
        let mut bytes = one_member(10);
        let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap() + 24;
        let huge = (MAX_PACK_INFLATED_BYTES as u32) + 1;
        bytes[central..central + 4].copy_from_slice(&huge.to_le_bytes());
        let err = read(&bytes).err().unwrap();
        assert!(err.contains("a pack holds at most 536,870,912"), "{err}");
    }

    #[test]
    fn a_zip_is_told_by_its_first_bytes() {
        assert!(is_zip(b"PK\x03\x04rest"));
        assert!(is_zip(b"PK\x05\x06"));
        assert!(!is_zip(b"%PDF-1.7"));
    }
}
