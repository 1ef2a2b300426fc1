//! Sign stage: PAdES B-B signatures on final annexes, each in its own incremental update.
//!
//! A signature adds, after the existing bytes: the signature dictionary (CMS in
//! `/Contents`, the signed `/ByteRange` = everything but that hex string), a signature
//! field merged with its widget (placed in the next free signature box of the sign-off
//! page, as listed by the `signature-fields.json` attachment the template writes), its
//! visible appearance (signer, date, reason), and new versions of the catalog (with the
//! `/AcroForm`) and of the page (with the widget in `/Annots`).
//!
//! Invariants:
//! - Only final annexes (with a manifest attached) are signed: a draft carries the DRAFT
//!   watermark and is refused.
//! - The bytes before the update are never changed, so the document's first revision and
//!   every earlier signature stay valid; the file is replaced atomically.

pub mod appearance;
pub mod cms;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::Invalid;
use crate::pdf::file::{self, name, number, text_string, PdfFile};
use crate::seal::{MANIFEST_NAME, SIGNATURE_FIELDS_NAME};

/// The reason written in every signature.
pub const REASON: &str = "Approval of shared-responsibility annex";

/// Bytes reserved for the CMS signature (hex-encoded in the file, so twice as many).
const CONTENTS_BYTES: usize = 16384;

/// A loaded key, certificate and chain.
pub struct Signer {
    key: cms::SigningKey,
    cert: x509_cert::Certificate,
    chain: Vec<x509_cert::Certificate>,
}

fn read(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Invalid::input(format!("cannot read {what} {}: {e}", path.display())))
}

impl Signer {
    /// Reads the key, the certificate and the optional chain (PEM files).
    pub fn load(key: &Path, cert: &Path, chain: Option<&Path>) -> anyhow::Result<Signer> {
        let k = cms::SigningKey::from_pem(&read(key, "the signing key")?)
            .map_err(|e| Invalid::input(format!("{}: {e}", key.display())))?;
        let c = cms::certs_from_pem(&read(cert, "the certificate")?)
            .map_err(|e| Invalid::input(format!("{}: {e}", cert.display())))?;
        let mut rest = c[1..].to_vec();
        if let Some(chain) = chain {
            rest.extend(
                cms::certs_from_pem(&read(chain, "the certificate chain")?)
                    .map_err(|e| Invalid::input(format!("{}: {e}", chain.display())))?,
            );
        }
        Ok(Signer {
            key: k,
            cert: c[0].clone(),
            chain: rest,
        })
    }

    /// The signer's name (certificate common name).
    pub fn name(&self) -> String {
        cms::common_name(&self.cert)
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
}

/// Whether `bytes` hold a signed PDF (a signature dictionary).
pub fn is_signed(bytes: &[u8]) -> bool {
    bytes.windows(14).any(|w| w == b"/Type/Sig/Filt") || {
        PdfFile::open(bytes).is_ok_and(|f| !f.signatures().is_empty())
    }
}

/// Refuses to replace a signed PDF at `path` unless `replace_signed`: `--force` alone must
/// not throw signatures away.
pub fn guard_overwrite(path: &Path, force: bool, replace_signed: bool) -> anyhow::Result<()> {
    if !force || replace_signed {
        return Ok(());
    }
    if let Ok(existing) = std::fs::read(path) {
        if is_signed(&existing) {
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
    let attachments = doc.attachments();
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
    let (page, page_height) = *pages
        .get(slot.page.saturating_sub(1))
        .ok_or_else(|| anyhow::anyhow!("{label}: signature place on missing page {}", slot.page))?;
    let trailer = file::last_trailer(bytes).map_err(|e| Invalid::input(format!("{label}: {e}")))?;

    let (sig_n, widget_n, ap_n) = (trailer.size, trailer.size + 1, trailer.size + 2);
    let mut objects: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    let date_text = chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let lines = vec![
        format!("Digitally signed by {who}"),
        format!("Date: {date_text}"),
        format!("Reason: {REASON}"),
    ];
    let stream = appearance::content(slot.width, slot.height, &lines);
    objects.insert(
        ap_n,
        format!(
            "<</Type/XObject/Subtype/Form/BBox[0 0 {} {}]/Resources<<>>/Length {}>>stream\n{stream}\nendstream",
            number(slot.width),
            number(slot.height),
            stream.len() + 1
        )
        .into_bytes(),
    );
    let (x1, y1) = (slot.x, page_height - slot.y - slot.height);
    objects.insert(
        widget_n,
        format!(
            "<</Type/Annot/Subtype/Widget/FT/Sig/T {}/TU {}/V {sig_n} 0 R/F 132/P {} 0 R/Rect[{} {} {} {}]/AP<</N {ap_n} 0 R>>>>",
            text_string(&field(index)),
            text_string(&format!("Signature of {who}")),
            page.obj_number,
            number(x1),
            number(y1),
            number(x1 + slot.width),
            number(y1 + slot.height)
        )
        .into_bytes(),
    );
    objects.insert(
        sig_n,
        format!(
            "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 {:<32}]/Contents <{}>/M {}/Name {}/Reason {}>>",
            "",
            "0".repeat(CONTENTS_BYTES * 2),
            text_string(&pdf_date(unix)),
            text_string(&who),
            text_string(REASON),
        )
        .into_bytes(),
    );
    // New versions of the catalog (with the form) and of the page (with the widget).
    let root = doc.root_ref();
    let (entries, _) = doc
        .dict_entries(root, &["AcroForm"], "")
        .context("cannot read the document catalog")?;
    let mut fields = doc.form_fields();
    fields.push(format!("{widget_n} 0 R"));
    objects.insert(
        root.obj_number as i64,
        dict(
            &entries,
            &format!(
                "{}<</Fields[{}]/SigFlags 3>>",
                name("AcroForm"),
                fields.join(" ")
            ),
        ),
    );
    let (entries, mut annots) = doc
        .dict_entries(page, &[], "Annots")
        .context("cannot read the signature page")?;
    annots.push(format!("{widget_n} 0 R"));
    objects.insert(
        page.obj_number as i64,
        dict(
            &entries,
            &format!("{}[{}]", name("Annots"), annots.join(" ")),
        ),
    );

    let mut out = file::append_update(bytes, &objects, &trailer);
    // Fill in the byte range, then the signature over it.
    let start = bytes.len();
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let br = find(&out, b"/ByteRange[0 ", start).context("signature placeholder")? + 13;
    let contents = find(&out, b"/Contents <", br).context("signature placeholder")? + 10;
    let contents_end = contents + CONTENTS_BYTES * 2 + 2;
    let ranges = format!("{} {} {}", contents, contents_end, out.len() - contents_end);
    out[br..br + 32].copy_from_slice(format!("{ranges:<32}").as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..contents]);
    hasher.update(&out[contents_end..]);
    let digest: [u8; 32] = hasher.finalize().into();
    let cms = cms::sign(&digest, &signer.key, &signer.cert, &signer.chain)
        .map_err(|e| Invalid::input(format!("cannot sign: {e}")))?;
    if cms.len() > CONTENTS_BYTES {
        anyhow::bail!(
            "the signature ({} bytes) is larger than the space reserved for it",
            cms.len()
        );
    }
    let hex = crate::digest::hex(&cms);
    out[contents + 1..contents + 1 + hex.len()].copy_from_slice(hex.as_bytes());
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
