//! Sign stage, after validation data (`annex timestamp`, PAdES B-LTA): a document timestamp
//! over the whole file, in one incremental update.
//!
//! The update adds a signature field named "Timestamp N" (an invisible widget, zero-size
//! `/Rect`, on page 1, so PDF/A needs no appearance for it) whose value is a
//! `/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161` dictionary: `/Contents` is the TSA's
//! RFC 3161 token over the SHA-256 of the `/ByteRange` (everything but that string), and
//! the form's `/Fields` and the page's `/Annots` gain the field, as a countersignature's
//! do (so [`super::super::revisions`] clears it).
//!
//! Invariants: the token is checked ([`tsa::fetch`]) before anything is returned; the
//! bytes before the update never change; a file with changes no signatory approved is
//! refused as `annex sign` refuses it. Renewal is the same command run again before the
//! last timestamp's TSA certificate expires (after `annex ltv` has added that TSA's
//! validation data), each timestamp covering the ones before.

use std::collections::BTreeMap;

use anyhow::Context as _;

use super::super::{tsa, CONTENTS_BYTES};
use crate::error::Invalid;
use crate::pdf::file::{self, name, text_string, PdfFile};

/// What [`add`] made.
#[derive(Debug)]
pub struct Stamped {
    /// The file with the document timestamp appended.
    pub bytes: Vec<u8>,
    /// The field's name.
    pub field: String,
    /// The checked token.
    pub token: tsa::Token,
}

/// Appends a document timestamp by the TSA at `url` to `bytes` (`label` names the file).
pub fn add(bytes: &[u8], label: &str, url: &str) -> anyhow::Result<Stamped> {
    let doc = PdfFile::open(bytes).map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    let existing = doc.signatures();
    if existing.is_empty() {
        return Err(Invalid::input(format!(
            "{label} has no signature: a document timestamp protects signatures (sign it, add validation data with annex ltv, then timestamp)"
        )));
    }
    super::super::refuse_unsigned_changes(bytes, label, &existing)?;
    let names: Vec<String> = doc
        .signature_fields()
        .into_iter()
        .map(|(_, n, _)| n)
        .collect();
    let field = (1..)
        .map(|i| format!("Timestamp {i}"))
        .find(|n| !names.contains(n))
        .unwrap_or_default();
    let pages = doc.pages();
    let (page, _) = *pages
        .first()
        .ok_or_else(|| Invalid::input(format!("{label}: no page")))?;
    let trailer = file::last_trailer(bytes).map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    let (sig_n, field_n) = (trailer.size, trailer.size + 1);
    let mut objects: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    objects.insert(
        field_n,
        format!(
            "<</Type/Annot/Subtype/Widget/FT/Sig/T {}/F 132/P {} 0 R/Rect[0 0 0 0]/V {sig_n} 0 R>>",
            text_string(&field),
            page.obj_number
        )
        .into_bytes(),
    );
    objects.insert(
        sig_n,
        format!(
            "<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange[0 {:<32}]/Contents <{}>>>",
            "",
            "0".repeat(CONTENTS_BYTES * 2)
        )
        .into_bytes(),
    );
    let root = doc.root_ref();
    let (entries, _) = doc
        .dict_entries(root, &["AcroForm"], "")
        .context("cannot read the document catalog")?;
    // The form keeps its other entries (a certified form's /SigFlags among them).
    let form_entries = doc
        .catalog()
        .and_then(|c| c.get_raw::<hayro_syntax::object::Object<'_>>(b"AcroForm"))
        .map(|v| match v {
            hayro_syntax::object::MaybeRef::Ref(r) => doc.dict_entries(r, &["Fields"], ""),
            _ => None,
        });
    let mut form = String::new();
    if let Some(Some((fe, _))) = form_entries {
        for (k, v) in fe {
            form.push_str(&name(&k));
            form.push(' ');
            form.push_str(&v);
        }
    } else if let Some(c) = doc.catalog() {
        if let Some(f) = c.get::<hayro_syntax::object::Dict<'_>>(b"AcroForm") {
            for (k, v) in f.entries() {
                if k.as_str() != "Fields" {
                    form.push_str(&name(k.as_str()));
                    form.push(' ');
                    form.push_str(&file::serialise(&v));
                }
            }
        }
    }
    let mut fields = doc.form_fields();
    fields.push(format!("{field_n} 0 R"));
    let mut cat = String::from("<<");
    for (k, v) in &entries {
        cat.push_str(&name(k));
        cat.push(' ');
        cat.push_str(v);
    }
    cat.push_str(&format!(
        "{}<<{form}/Fields[{}]>>>>",
        name("AcroForm"),
        fields.join(" ")
    ));
    objects.insert(root.obj_number as i64, cat.into_bytes());
    let (page_entries, mut annots) = doc
        .dict_entries(page, &[], "Annots")
        .context("cannot read page 1")?;
    annots.push(format!("{field_n} 0 R"));
    let mut p = String::from("<<");
    for (k, v) in &page_entries {
        p.push_str(&name(k));
        p.push(' ');
        p.push_str(v);
    }
    p.push_str(&format!("{}[{}]>>", name("Annots"), annots.join(" ")));
    objects.insert(page.obj_number as i64, p.into_bytes());

    let mut out = file::append_update(bytes, &objects, &trailer);
    let (contents, digest) = super::super::fill_byte_range(&mut out, bytes.len(), "timestamp")?;
    let (der, token) = tsa::fetch(url, &digest)
        .map_err(|e| Invalid::input(format!("cannot timestamp {label}: {e}")))?;
    super::super::fill_contents(&mut out, contents, &der, "timestamp token")?;
    Ok(Stamped {
        bytes: out,
        field,
        token,
    })
}
