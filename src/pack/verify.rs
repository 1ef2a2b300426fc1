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
//! fails naming the annex.
//!
//! Invariants: the zip is read within limits checked before anything is inflated
//! ([`MAX_PACK_MEMBERS`] entries, [`MAX_PACK_INFLATED_BYTES`] declared in total), and a
//! member is never inflated past the size it declares (a zip bomb fails, naming the
//! member); any failed line makes the exit code 1.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use super::{Manifest, FORMAT, MANIFEST_NAME};
use crate::digest::sha256_hex;
use crate::limits::{thousands, MAX_PACK_INFLATED_BYTES, MAX_PACK_MEMBERS};
use crate::pdf::file::PdfFile;
use crate::seal;
use crate::verify::{self, Options, Outcome, Report};

/// Whether `bytes` start like a zip (a local file header, or the end record of an empty
/// zip): how `annex verify` tells a pack from a PDF, whatever the file's name.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Verifies the bytes of a pack.
pub fn verify(bytes: &[u8], options: &Options) -> Report {
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
        if name != MANIFEST_NAME && !listed.contains(name.as_str()) {
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
