//! Sign stage: PAdES B-B signatures on final annexes, each in its own incremental update;
//! B-T when the signer names a time-stamping authority ([`tsa`]: its token over the
//! signature value goes in the CMS's unsigned attributes, so the signed bytes do not change).
//!
//! A signature adds, after the existing bytes: the signature dictionary (CMS in
//! `/Contents`, the signed `/ByteRange` = everything but that hex string), a signature
//! field merged with its widget (placed in the next free signature box of the sign-off
//! page, as listed by the `signature-fields.json` attachment the template writes), its
//! visible appearance (signer, date, reason), and new versions of the catalog (with the
//! `/AcroForm`) and of the page (with the widget in `/Annots`).
//!
//! The first signature also tags every field it lays out ([`tagging`]: a `Form` structure
//! element per widget, with alternative text), so a signed annex stays PDF/UA-1.
//!
//! The first signature certifies the document (DocMDP, `P` = 2: later signatures only, in
//! the signature dictionary's `/Reference` and the catalogue's `/Perms`), so that other
//! readers enforce the policy `verify` enforces ([`revisions`]).
//!
//! Invariants:
//! - Only final annexes (with a manifest attached) are signed: a draft carries the DRAFT
//!   watermark and is refused.
//! - A file changed after its first signature by anything but what a countersignature
//!   adds is refused, as is anything appended after the last revision: a new signature
//!   must not cover a change no signatory approved.
//! - Signing in place holds an exclusive lock on the file and reads it under the lock, so
//!   two signers of one file sign one after the other; the file keeps its permissions, and
//!   a symbolic link keeps pointing at the signed file.
//! - With a TSA, a signature is written only with a token [`tsa::fetch`] checked: a TSA
//!   that fails or answers wrongly fails the signing (the user's to fix, exit 1).
//! - The bytes before the update are never changed, so the document's first revision and
//!   every earlier signature stay valid; the file is replaced atomically.

pub mod appearance;
mod byterange;
pub mod cms;
mod http;
pub mod keys;
pub mod ltv;
pub mod revisions;
pub mod revocation;
mod tagging;
pub mod tsa;
pub mod values;

pub use byterange::range_digest;
pub(crate) use byterange::{fill_byte_range, fill_contents};

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::Invalid;
use crate::pdf::file::{self, name, number, text_string, PdfFile};
use crate::seal::{MANIFEST_NAME, SIGNATURE_FIELDS_NAME};

/// The wording of a signature (appearance, tooltip, `/Reason`) in the annex's own language,
/// its catalogue's `/Lang`; English when it names none the wording knows.
fn labels_of(doc: &PdfFile) -> &'static crate::wording::Labels {
    let language = doc
        .lang()
        .and_then(|tag| crate::wording::Language::from_code(&crate::model::primary_language(&tag)))
        .unwrap_or_default();
    &crate::wording::wording(language).labels
}

/// Bytes reserved for the CMS signature (hex-encoded in the file, so twice as many).
pub(crate) const CONTENTS_BYTES: usize = 16384;

/// A loaded key (in memory or on a token), certificate and chain. Loaded once per run and
/// shared: a batch's workers sign with one `Signer` (a token key serialises its use).
pub struct Signer {
    key: cms::SigningKey,
    cert: x509_cert::Certificate,
    chain: Vec<x509_cert::Certificate>,
    /// The time-stamping authority asked for a signature timestamp (B-T), if any.
    tsa: Option<String>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name())
            .finish()
    }
}

impl Signer {
    /// Loads the signer `options` name: a key file (PEM, encrypted PKCS#8, PKCS#12) or a
    /// token key, with its certificate and chain ([`keys`]).
    pub fn load(options: &keys::KeyOptions) -> anyhow::Result<Signer> {
        let keys::Loaded { key, cert, chain } = keys::load(options)?;
        Ok(Signer {
            key,
            cert,
            chain,
            tsa: None,
        })
    }

    /// Has every signature timestamped by the TSA at `url` (PAdES B-T), or not (`None`).
    pub fn with_tsa(mut self, url: Option<String>) -> Signer {
        self.tsa = url;
        self
    }

    /// The signer's name (certificate common name).
    pub fn name(&self) -> String {
        cms::common_name(&self.cert)
    }

    /// A detached CMS signature (DER `ContentInfo`) of `content`, made by [`cms::sign`] as
    /// every signature here: no signing-time attribute, so the same content and key give the
    /// same bytes (RSASSA-PSS and a token's ECDSA aside, whose signatures are randomised);
    /// with a TSA, timestamped like a PDF signature (B-T), and then its token varies.
    pub fn sign_detached(&self, content: &[u8]) -> anyhow::Result<Vec<u8>> {
        let digest: [u8; 32] = Sha256::digest(content).into();
        let stamp = |value: &[u8; 32]| {
            let url = self.tsa.as_deref().unwrap_or_default();
            tsa::fetch(url, value).map(|(der, _)| der)
        };
        let timestamper: Option<cms::Timestamper<'_>> = self.tsa.as_ref().map(|_| &stamp as _);
        cms::sign(&digest, &self.key, &self.cert, &self.chain, timestamper)
            .map_err(|e| Invalid::input(format!("cannot sign: {e}")))
    }

    /// Refuses (`Invalid`) a certificate revoked at `unix`, by what its CRL distribution
    /// points or OCSP URL answer. A certificate that names none passes; one whose status
    /// cannot be had passes with a note saying why (it cannot be known here; `annex ltv`
    /// will need it). Once per run: a batch's signer is checked when loaded.
    pub fn check_revocation(&self, unix: i64) -> anyhow::Result<Option<String>> {
        if !revocation::has_sources(&self.cert) {
            return Ok(None);
        }
        let who = self.name();
        let Some(issuer) = revocation::issuer_of(&self.cert, &self.chain) else {
            return Ok(Some(format!(
                "the revocation of \"{who}\" was not checked: its issuer is not in --sign-chain"
            )));
        };
        let (mut crls, mut responses, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        for url in revocation::crl_urls(&self.cert) {
            match revocation::fetch(&url, None).and_then(|b| revocation::Crl::parse(&b, &url)) {
                Ok(c) => crls.push(c),
                Err(e) => errors.push(e),
            }
        }
        let mut status = revocation::status(&self.cert, issuer, &crls, &responses, unix);
        if status == revocation::Status::Unknown {
            for url in revocation::ocsp_urls(&self.cert) {
                match revocation::ocsp::request(&self.cert, issuer)
                    .and_then(|q| revocation::fetch(&url, Some(&q)))
                    .and_then(|b| revocation::ocsp::Response::parse(&b, &url))
                {
                    Ok(r) => responses.push(r),
                    Err(e) => errors.push(e),
                }
            }
            status = revocation::status(&self.cert, issuer, &crls, &responses, unix);
        }
        match status {
            revocation::Status::Revoked { .. } => Err(Invalid::input(format!(
                "cannot sign: {}; nothing was signed",
                status.describe(&self.cert)
            ))),
            revocation::Status::Good { .. } => Ok(None),
            revocation::Status::Unknown => Ok(Some(format!(
                "the revocation of \"{who}\" could not be checked ({})",
                if errors.is_empty() {
                    "no CRL or OCSP response signed by its issuer speaks of it".to_owned()
                } else {
                    errors.join("; ")
                }
            ))),
        }
    }
}

/// Where a signature goes, as the template measured it (points, from the page's top left).
#[derive(Debug, Clone, Deserialize)]
struct Slot {
    signatory: Option<String>,
    page: usize,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    /// Height of the signature line (annexes made before the date line have none).
    #[serde(default)]
    line: Option<f64>,
    /// The date line the signing date is written on.
    #[serde(default)]
    date: Option<appearance::DateLine>,
}

/// Whether `bytes` hold a signed PDF (a signature dictionary).
pub fn is_signed(bytes: &[u8]) -> bool {
    bytes.windows(14).any(|w| w == b"/Type/Sig/Filt") || {
        PdfFile::open(bytes).is_ok_and(|f| !f.signatures().is_empty())
    }
}

/// Refuses to replace a signed PDF at `path` by `new` unless `replace_signed`: `--force`
/// alone must not throw signatures away. Replacing a file by the same bytes throws nothing
/// away, so a rerun over unchanged output does not parse the old file.
pub fn guard_overwrite(
    path: &Path,
    new: &[u8],
    force: bool,
    replace_signed: bool,
) -> anyhow::Result<()> {
    if !force || replace_signed {
        return Ok(());
    }
    if let Ok(existing) = crate::load::read_bytes(path, crate::load::PDF_LIMIT) {
        if existing != new && is_signed(&existing) {
            return Err(Invalid::input(format!(
                "{} is signed; --force does not replace a signed annex (add --replace-signed to discard its signatures)",
                path.display()
            )));
        }
    }
    Ok(())
}

fn pdf_date(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("D:%Y%m%d%H%M%S+00'00'").to_string())
        .unwrap_or_default()
}

/// Seconds since the epoch of a PDF date (`D:YYYYMMDDHHmmSS…`, UTC offsets honoured).
pub fn parse_pdf_date(s: &str) -> Option<i64> {
    let d = s.strip_prefix("D:").unwrap_or(s);
    let num = |a: usize, b: usize| d.get(a..b).and_then(|t| t.parse::<u32>().ok());
    let date = chrono::NaiveDate::from_ymd_opt(
        num(0, 4)? as i32,
        num(4, 6).unwrap_or(1),
        num(6, 8).unwrap_or(1),
    )?;
    let time = date.and_hms_opt(
        num(8, 10).unwrap_or(0),
        num(10, 12).unwrap_or(0),
        num(12, 14).unwrap_or(0),
    )?;
    let mut secs = time.and_utc().timestamp();
    let rest = d.get(14..).unwrap_or("");
    if let Some(sign @ ('+' | '-')) = rest.chars().next() {
        let h: i64 = rest.get(1..3).and_then(|t| t.parse().ok()).unwrap_or(0);
        let m: i64 = rest.get(4..6).and_then(|t| t.parse().ok()).unwrap_or(0);
        let off = h * 3600 + m * 60;
        secs -= if sign == '+' { off } else { -off };
    }
    Some(secs)
}

/// Seconds since the epoch, now: the claimed signing time.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Signs `bytes` (a final annex, `label` names it in messages) at `unix` seconds, returning
/// the signed file and a description of the place used.
pub fn sign_pdf(
    bytes: &[u8],
    label: &str,
    signer: &Signer,
    unix: i64,
) -> anyhow::Result<(Vec<u8>, String)> {
    let doc = PdfFile::open(bytes).map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    let attachments = doc
        .attachments()
        .map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    if !attachments.contains_key(MANIFEST_NAME) {
        return Err(Invalid::input(format!(
            "{label} is not a final annex (no manifest attached): drafts carry the DRAFT watermark and cannot be signed; set status = \"final\" in the profile and render with --final"
        )));
    }
    cms::valid_at(&signer.cert, unix)
        .map_err(|e| Invalid::input(format!("cannot sign with \"{}\": {e}", signer.name())))?;
    let slots: Vec<Slot> = attachments
        .get(SIGNATURE_FIELDS_NAME)
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    let existing = doc.signatures();
    refuse_unsigned_changes(bytes, label, &existing)?;
    let certify = existing.is_empty();
    let used: Vec<String> = existing.iter().map(|s| s.name.clone()).collect();
    let field = |i: usize| format!("Signature {}", i + 1);
    let who = signer.name();
    let free: Vec<usize> = (0..slots.len())
        .filter(|i| !used.contains(&field(*i)))
        .collect();
    let index = free
        .iter()
        .copied()
        .find(|i| {
            slots[*i]
                .signatory
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&who))
        })
        .or_else(|| free.first().copied())
        .ok_or_else(|| {
            Invalid::input(format!(
                "{label}: all {} signature places are signed already",
                slots.len()
            ))
        })?;
    let slot = &slots[index];
    let pages = doc.pages();
    let place_of = |slot: &Slot| {
        pages
            .get(slot.page.saturating_sub(1))
            .copied()
            .ok_or_else(|| {
                anyhow::anyhow!("{label}: signature place on missing page {}", slot.page)
            })
    };
    let trailer = file::last_trailer(bytes).map_err(|e| Invalid::input(format!("{label}: {e}")))?;

    let (sig_n, ap_n) = (trailer.size, trailer.size + 1);
    let mut objects: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    // The claimed signing time the signature dictionary carries in `/M` (PAdES B-B has no
    // CMS signing-time): the appearance and the date line show it.
    let signed_at = chrono::DateTime::from_timestamp(unix, 0);
    let date_text = signed_at
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let labels = labels_of(&doc);
    let lines = vec![
        format!("{} {who}", labels.signed_by),
        format!("{}: {date_text}", labels.date),
        format!("{}: {}", labels.reason, labels.signature_reason),
    ];
    let place = appearance::Place {
        width: slot.width,
        height: slot.height,
        line: slot.line,
        date: slot.date,
    };
    let day = signed_at
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let stream = appearance::content(&place, &lines, &day);
    objects.insert(ap_n, form_xobject(slot.width, slot.height, &stream));
    let value = format!("/V {sig_n} 0 R/AP<</N {ap_n} 0 R>>");
    // The tooltip is the very text the template gave the place for assistive technology,
    // which is how `tagging` finds where the place is read.
    let tooltip = |i: usize| {
        format!(
            "{} {}",
            labels.signature_purpose,
            slots[i].signatory.as_deref().unwrap_or("—")
        )
    };
    // A widget (merged with its field) for a signature place.
    let widget = |i: usize, extra: &str| -> anyhow::Result<Vec<u8>> {
        let slot = &slots[i];
        let (page, page_height) = place_of(slot)?;
        let (x1, y1) = (slot.x, page_height - slot.y - slot.height);
        Ok(format!(
            "<</Type/Annot/Subtype/Widget/FT/Sig/T {}/TU {}/F 132/P {} 0 R/Rect[{} {} {} {}]{extra}>>",
            text_string(&field(i)),
            text_string(&tooltip(i)),
            page.obj_number,
            number(x1),
            number(y1),
            number(x1 + slot.width),
            number(y1 + slot.height)
        )
        .into_bytes())
    };
    // The empty field laid out for this place (by the certifying signature), if any.
    let empty_field = doc
        .signature_fields()
        .into_iter()
        .find(|(_, n, signed)| *n == field(index) && !signed)
        .map(|(r, _, _)| r);
    let mut page_widgets: BTreeMap<usize, Vec<i64>> = BTreeMap::new();
    let mut new_fields = Vec::new();
    if let Some(r) = empty_field {
        // Countersigning: only the field gains its value and appearance; the form and the
        // pages stay as the certifying signature left them (DocMDP P = 2 allows this).
        let (entries, _) = doc
            .dict_entries(r, &["V", "AP", "AS"], "")
            .context("cannot read the signature field")?;
        objects.insert(r.obj_number as i64, dict(&entries, &value));
    } else if certify {
        // Certifying: every signature place gets its field now, so that later signatures
        // only fill them in (a new visible field after certification is a change).
        let blank_n = trailer.size + 2;
        let first_widget = trailer.size + 3;
        let mut blank = None;
        // Tagged now, with the fields: a later signature then changes no structure.
        let tagged = (0..slots.len())
            .map(|i| {
                Ok(tagging::Widget {
                    number: first_widget + i as i64,
                    page: place_of(&slots[i])?.0,
                    alt: tooltip(i),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let tags =
            tagging::plan(&doc, &tagged, first_widget + slots.len() as i64).map_err(|e| {
                Invalid::input(format!("{label}: cannot tag the signature fields: {e}"))
            })?;
        for ((i, s), n) in slots.iter().enumerate().zip(first_widget..) {
            let mut extra = if i == index {
                value.clone()
            } else {
                blank.get_or_insert((s.width, s.height));
                format!("/AP<</N {blank_n} 0 R>>")
            };
            if let Some(t) = &tags {
                extra.push_str(&t.struct_parents[i]);
            }
            objects.insert(n, widget(i, &extra)?);
            page_widgets.entry(s.page).or_default().push(n);
            new_fields.push(n);
        }
        if let Some((w, h)) = blank {
            objects.insert(blank_n, form_xobject(w, h, ""));
        }
        if let Some(t) = tags {
            objects.extend(t.objects);
        }
    } else {
        // A file signed before places were laid out as fields: a new field, as then.
        let n = trailer.size + 2;
        objects.insert(n, widget(index, &value)?);
        page_widgets.entry(slot.page).or_default().push(n);
        new_fields.push(n);
    }
    objects.insert(
        sig_n,
        format!(
            "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 {:<32}]/Contents <{}>{}/M {}/Name {}/Reason {}>>",
            "",
            "0".repeat(CONTENTS_BYTES * 2),
            // The first signature certifies: later signatures only (DocMDP P = 2).
            if certify {
                "/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P 2/V/1.2>>>>]"
            } else {
                ""
            },
            text_string(&pdf_date(unix)),
            text_string(&who),
            text_string(&labels.signature_reason),
        )
        .into_bytes(),
    );
    if !new_fields.is_empty() {
        // New versions of the catalog (with the form) and of the pages (with the widgets).
        let root = doc.root_ref();
        let skip: &[&str] = if certify {
            &["AcroForm", "Perms"]
        } else {
            &["AcroForm"]
        };
        let (entries, _) = doc
            .dict_entries(root, skip, "")
            .context("cannot read the document catalog")?;
        let mut fields = doc.form_fields();
        fields.extend(new_fields.iter().map(|n| format!("{n} 0 R")));
        let perms = if certify {
            format!("{}<</DocMDP {sig_n} 0 R>>", name("Perms"))
        } else {
            String::new()
        };
        objects.insert(
            root.obj_number as i64,
            dict(
                &entries,
                &format!(
                    "{}<</Fields[{}]/SigFlags 3>>{perms}",
                    name("AcroForm"),
                    fields.join(" ")
                ),
            ),
        );
        for (page_no, ws) in &page_widgets {
            let (page, _) = place_of(&Slot {
                page: *page_no,
                ..slot.clone()
            })?;
            // PDF/UA-1 wants a page with annotations read in structure order; a later
            // update must not change the page, so only the certifying one says it.
            let tabs: &[&str] = if certify { &["Tabs"] } else { &[] };
            let (entries, mut annots) = doc
                .dict_entries(page, tabs, "Annots")
                .context("cannot read the signature page")?;
            annots.extend(ws.iter().map(|n| format!("{n} 0 R")));
            objects.insert(
                page.obj_number as i64,
                dict(
                    &entries,
                    &format!(
                        "{}[{}]{}",
                        name("Annots"),
                        annots.join(" "),
                        if certify { "/Tabs/S" } else { "" }
                    ),
                ),
            );
        }
    }

    let mut out = file::append_update(bytes, &objects, &trailer);
    let (contents, digest) = fill_byte_range(&mut out, bytes.len(), "signature")?;
    // B-T: the TSA's failure is the user's to fix (a wrong URL, a TSA down): exit 1, and
    // nothing is written, rather than a signature silently weaker than asked for.
    let stamp = |value: &[u8; 32]| {
        let url = signer.tsa.as_deref().unwrap_or_default();
        tsa::fetch(url, value).map(|(der, _)| der)
    };
    let timestamper: Option<cms::Timestamper<'_>> = signer.tsa.as_ref().map(|_| &stamp as _);
    let cms = cms::sign(
        &digest,
        &signer.key,
        &signer.cert,
        &signer.chain,
        timestamper,
    )
    .map_err(|e| Invalid::input(format!("cannot sign: {e}")))?;
    fill_contents(&mut out, contents, &cms, "signature")?;
    let place = format!(
        "{} on page {}{}",
        field(index),
        slot.page,
        slot.signatory
            .as_deref()
            .map_or(String::new(), |s| format!(" (box of {s})"))
    );
    Ok((out, place))
}

/// Refuses a signed file changed since its first signature by anything a countersignature
/// does not add ([`revisions::analyse`]), or with bytes after its last revision.
pub(crate) fn refuse_unsigned_changes(
    bytes: &[u8],
    label: &str,
    existing: &[file::SigField],
) -> anyhow::Result<()> {
    let ends: Vec<usize> = existing
        .iter()
        .filter_map(|s| match s.byte_range.as_slice() {
            [0, _, b, c] if *b >= 0 && *c >= 0 => Some((*b + *c) as usize),
            _ => None,
        })
        .collect();
    let Some(&first) = ends.iter().min() else {
        if existing.is_empty() {
            return Ok(());
        }
        return Err(Invalid::input(format!(
            "{label}: refusing to sign: a signature has no readable /ByteRange"
        )));
    };
    let refuse = |why: String| {
        Invalid::input(format!(
            "{label}: refusing to sign: {why}; a new signature would cover a change no signatory approved (annex verify reports it)"
        ))
    };
    let updates = revisions::analyse(bytes, first).map_err(|e| {
        refuse(format!(
            "the changes after signature 1 cannot be checked ({e})"
        ))
    })?;
    for u in &updates {
        if let Some(v) = u.violations.first() {
            let more = u.violations.len() - 1;
            return Err(refuse(format!(
                "revision {} {v}{}",
                u.revision,
                if more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                }
            )));
        }
    }
    let end = updates.last().map_or(first, |u| u.end);
    if bytes[end.min(bytes.len())..]
        .iter()
        .any(|b| !b.is_ascii_whitespace())
    {
        return Err(refuse(format!(
            "{} bytes after byte {end} are no complete revision",
            bytes.len() - end
        )));
    }
    Ok(())
}

/// Signs the file at `path` in place ([`update_in_place`]). Returns the description of the
/// place used.
pub fn sign_in_place(
    path: &Path,
    signer: &Signer,
    unix: i64,
    waiting: &dyn Fn(),
) -> anyhow::Result<String> {
    update_in_place(path, waiting, |bytes, label| {
        sign_pdf(bytes, label, signer, unix)
    })
}

/// Updates the file at `path` in place with `update` (given its bytes and label, it returns
/// the new bytes): under an exclusive lock on it, reads it, updates it and replaces it
/// atomically, keeping its permissions; a symbolic link is followed and stays a link.
/// `waiting` is called if another process holds the lock (another signer: `sign`, `ltv` and
/// `timestamp` take turns on one file).
pub fn update_in_place<T>(
    path: &Path,
    waiting: &dyn Fn(),
    update: impl FnOnce(&[u8], &str) -> anyhow::Result<(Vec<u8>, T)>,
) -> anyhow::Result<T> {
    use std::io::Read as _;
    let label = path.display().to_string();
    let cannot =
        |what: &str, e: std::io::Error| Invalid::input(format!("cannot {what} {label}: {e}"));
    // The file the link points to: it is what is replaced.
    let target = std::fs::canonicalize(path).map_err(|e| cannot("read", e))?;
    let mut attempts = 0;
    let (file, bytes) = loop {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&target)
            .map_err(|e| cannot("open", e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                waiting();
                file.lock().map_err(|e| cannot("lock", e))?;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(cannot("lock", e)),
        }
        // The signer before us replaced the file: the locked one is the old version.
        #[cfg(unix)]
        let same = {
            use std::os::unix::fs::MetadataExt as _;
            let (a, b) = (file.metadata(), std::fs::metadata(&target));
            matches!((a, b), (Ok(a), Ok(b)) if a.ino() == b.ino() && a.dev() == b.dev())
        };
        #[cfg(not(unix))]
        let same = true;
        if !same {
            attempts += 1;
            if attempts > 100 {
                return Err(Invalid::input(format!(
                    "{label} keeps being replaced by another process; try again"
                )));
            }
            continue;
        }
        // Only a regular file is signed in place, read through a bounded reader.
        let kind = file.metadata().map_err(|e| cannot("read", e))?.file_type();
        if !kind.is_file() {
            return Err(Invalid::input(format!(
                "cannot sign {label}: not a regular file ({})",
                crate::load::file_kind(&kind)
            )));
        }
        let mut bytes = Vec::new();
        (&file)
            .take(crate::limits::MAX_PACK_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| cannot("read", e))?;
        if bytes.len() > crate::limits::MAX_PACK_BYTES {
            return Err(Invalid::input(format!(
                "{label}: larger than {} bytes (limits::MAX_PACK_BYTES), the most `annex sign` reads",
                crate::limits::thousands(crate::limits::MAX_PACK_BYTES)
            )));
        }
        break (file, bytes);
    };
    let (signed, place) = update(&bytes, &label)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = crate::output::temp_file_in(dir)?;
    std::io::Write::write_all(&mut tmp, &signed)
        .with_context(|| format!("cannot write {label}"))?;
    let permissions = file.metadata().map(|m| m.permissions());
    if let Ok(p) = permissions {
        tmp.as_file()
            .set_permissions(p)
            .with_context(|| format!("cannot set the permissions of {label}"))?;
    }
    tmp.as_file().sync_all().ok();
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {label}"))?;
    // The lock is released when `file` (the replaced version) is closed, after the rename:
    // a waiting signer then finds the new file under the path.
    drop(file);
    Ok(place)
}

/// A form XObject of `width` × `height` points drawing `content`.
fn form_xobject(width: f64, height: f64, content: &str) -> Vec<u8> {
    format!(
        "<</Type/XObject/Subtype/Form/BBox[0 0 {} {}]/Resources<<>>/Length {}>>stream\n{content}\nendstream",
        number(width),
        number(height),
        content.len() + 1
    )
    .into_bytes()
}

fn dict(entries: &[(String, String)], extra: &str) -> Vec<u8> {
    let mut s = String::from("<<");
    for (k, v) in entries {
        s.push_str(&name(k));
        s.push(' ');
        s.push_str(v);
    }
    s.push_str(extra);
    s.push_str(">>");
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--force` never discards a signature, but writing the very bytes already there
    /// discards nothing, so it goes through without reading the old file as a PDF.
    #[test]
    fn force_replaces_a_signed_file_only_by_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf");
        let signed = b"%PDF-1.7\n1 0 obj <</Type/Sig/Filter/Adobe.PPKLite>> endobj\n";
        std::fs::write(&path, signed).unwrap();
        assert!(guard_overwrite(&path, signed, true, false).is_ok());
        let other = guard_overwrite(&path, b"%PDF-1.7\n", true, false).unwrap_err();
        assert!(other.to_string().contains("is signed"), "{other}");
        assert!(guard_overwrite(&path, b"%PDF-1.7\n", true, true).is_ok());
    }
}
