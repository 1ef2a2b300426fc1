//! Sign stage (and `verify`): what each incremental update after a signature changed,
//! judged object by object against what a countersignature may add.
//!
//! A signature covers the bytes up to its own revision; every later update is outside it.
//! So each update after the first signature is read as the set of objects its
//! cross-reference section writes, each compared, by parsed value, with the object of the
//! same number one revision earlier. The model is a whitelist (as pyHanko's
//! `diff_analysis`): an object is a violation unless a rule clears it. The rules clear
//! - a new signature (a field whose `/V` this update writes, with its widget and every new
//!   object its appearance reaches), which must not certify again (no DocMDP);
//! - the catalogue, when only `/AcroForm` or `/DSS` change; the `/AcroForm`, when only
//!   `/Fields` (keeping every field, adding only new signature fields) and `/SigFlags`
//!   change; a page, when only `/Annots` change (keeping every annotation, adding only new
//!   signature widgets);
//! - validation data: the `/DSS` and what only it reaches;
//! - an object written again with the same value;
//! - housekeeping, what standard signers (pyHanko, Acrobat) update when they sign, reported
//!   apart: the `/Info` keys in [`INFO_HOUSEKEEPING`] (any other `/Info` key, such as the
//!   title readers show, is a violation: stricter than pyHanko, which allows any), the
//!   catalogue's `/Extensions` (direct developer-extension dictionaries only), its `/Version`
//!   when only raised (a known version name, at least the header's and the earlier one:
//!   pyHanko 0.38 raises 1.7 to 2.0 when it countersigns), and the XMP
//!   metadata stream rewritten in place with the same identity ([`values::xmp_changes`]:
//!   title, description, creator, keywords, PDF/A part and conformance, PDF/UA part,
//!   compared by value since a signer re-serialises the packet; a packet that cannot be
//!   read confidently is a violation).
//!
//! Anything else (a new or changed content stream, font, image, annotation, embedded file,
//! another `/Info` key, a changed document identity in the XMP, a deleted object, a new
//! catalogue) is reported with the revision number, the object and what it is. Every walk
//! is bounded (depth and object count); the XMP packets decode to at most
//! [`file::MAX_XMP`] bytes.

use std::collections::{BTreeMap, BTreeSet};

use hayro_syntax::object::{Array, Dict, MaybeRef, Name, ObjRef, Object};

use super::values::{
    self, changed_keys, dict_of, entry, extensions, header_version, items, key, name_is, num,
    reachable, resolve, same, version_raised, MAX_WALK,
};
use crate::pdf::file::{self, PdfFile};

/// The most violations listed for one revision; the rest are counted.
pub const MAX_LISTED: usize = 20;

/// The `/Info` keys a signer may update as housekeeping (pyHanko and Acrobat do).
pub const INFO_HOUSEKEEPING: [&str; 2] = ["ModDate", "Producer"];

/// What one incremental update after a signature did.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// The revision's number (1 is the document as first written).
    pub revision: usize,
    /// Where the revision ends in the file.
    pub end: usize,
    /// The names (`/T`) of the signature fields it signs.
    pub signatures: Vec<String>,
    /// Whether it adds validation data (`/DSS`).
    pub dss: bool,
    /// What it changes that no rule allows, e.g. "changes object 12 0 (page 1: /Contents)".
    pub violations: Vec<String>,
    /// What it updates as housekeeping, allowed: "/Info ModDate, Producer", "the XMP
    /// metadata", "the catalogue's /Extensions".
    pub housekeeping: Vec<String>,
}

impl Update {
    /// What the update adds, in words, when it is allowed.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.signatures.is_empty() {
            parts.push(format!(
                "the signature {} (its field, widget and appearance)",
                self.signatures
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.dss {
            parts.push("validation data (/DSS)".into());
        }
        let rest = if self.housekeeping.is_empty() {
            "nothing else"
        } else {
            "and housekeeping only"
        };
        if parts.is_empty() {
            "nothing that changes the document".into()
        } else {
            format!("{}, {rest}", parts.join(" and "))
        }
    }

    /// The housekeeping, in words ("/Info ModDate, Producer and the XMP metadata"), if any.
    pub fn housekeeping_summary(&self) -> Option<String> {
        match self.housekeeping.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
        }
    }
}

/// Analyses every revision that starts at or after `signed_end` (the end of the first
/// signed revision). Fails when the file's updates cannot be read as classic
/// cross-reference sections, or `signed_end` is not the end of a revision.
pub fn analyse(bytes: &[u8], signed_end: usize) -> Result<Vec<Update>, String> {
    let sections = file::sections(bytes)?;
    let first = sections
        .iter()
        .position(|s| s.end == signed_end)
        .ok_or_else(|| format!("byte {signed_end} is not the end of a revision"))?;
    let header = header_version(bytes);
    let mut out = Vec::new();
    let mut previous: Option<PdfFile> = None;
    for i in first + 1..sections.len() {
        // Each revision is parsed once: the new one is the next update's old one.
        let old = match previous.take() {
            Some(p) => p,
            None => PdfFile::open(&bytes[..sections[i - 1].end])?,
        };
        let new = PdfFile::open(&bytes[..sections[i].end])?;
        let mut update = judge(
            &old,
            &new,
            &sections[i - 1].trailer,
            &sections[i],
            i + 1,
            header,
        );
        previous = Some(new);
        if update.violations.len() > MAX_LISTED {
            let more = update.violations.len() - MAX_LISTED;
            update.violations.truncate(MAX_LISTED);
            update.violations.push(format!("and {more} more changes"));
        }
        out.push(update);
    }
    Ok(out)
}

/// What each object of a document is, for messages: page, content, font, attachment…
fn roles(doc: &PdfFile, trailer: &str) -> BTreeMap<i32, String> {
    let mut out: BTreeMap<i32, String> = BTreeMap::new();
    let mut add = |v: &MaybeRef<Object<'_>>, role: String| {
        if let MaybeRef::Ref(r) = v {
            out.entry(num(*r)).or_insert(role);
        }
    };
    let root = doc.root_ref();
    add(&MaybeRef::Ref(root), "document catalogue".into());
    if let Some(info) = file::trailer_ref(trailer, "/Info") {
        add(&MaybeRef::Ref(info), "document information /Info".into());
    }
    if let Some(cat) = dict_of(doc, root) {
        for (k, role) in [
            ("Metadata", "XMP metadata"),
            ("AcroForm", "form /AcroForm"),
            ("Names", "name dictionary /Names"),
            ("Perms", "permissions /Perms"),
            ("DSS", "validation data /DSS"),
            ("Outlines", "outline"),
            ("StructTreeRoot", "structure tree"),
        ] {
            if let Some(v) = cat.get_raw::<Object<'_>>(k.as_bytes()) {
                add(&v, role.into());
            }
        }
        if let Some(Object::Dict(names)) = entry(doc, &cat, "Names") {
            if let Some(v) = names.get_raw::<Object<'_>>(b"EmbeddedFiles") {
                add(&v, "embedded-files name tree".into());
            }
            if let Some(Object::Dict(tree)) = entry(doc, &names, "EmbeddedFiles") {
                let mut stack = vec![(tree, 0usize)];
                while let Some((node, depth)) = stack.pop() {
                    let list = items(doc, &node, "Names");
                    for pair in list.chunks(2) {
                        let [n, spec] = pair else { continue };
                        let label = match n {
                            MaybeRef::NotRef(Object::String(s)) => {
                                String::from_utf8_lossy(s.as_bytes()).into_owned()
                            }
                            _ => "?".into(),
                        };
                        add(spec, format!("file specification of {label}"));
                        if let Some(Object::Dict(fs)) = match spec {
                            MaybeRef::Ref(r) => doc.object(*r),
                            MaybeRef::NotRef(o) => Some(o.clone()),
                        } {
                            if let Some(Object::Dict(ef)) = entry(doc, &fs, "EF") {
                                for (_, f) in ef.entries() {
                                    add(&f, format!("embedded file {label}"));
                                }
                            }
                        }
                    }
                    if depth < 16 {
                        for kid in items(doc, &node, "Kids") {
                            add(&kid, "embedded-files name tree".into());
                            if let Some(Object::Dict(k)) = resolve(doc, kid) {
                                stack.push((k, depth + 1));
                            }
                        }
                    }
                }
            }
        }
    }
    for (i, (page, _)) in doc.pages().into_iter().enumerate() {
        let p = i + 1;
        add(&MaybeRef::Ref(page), format!("page {p}"));
        let Some(d) = dict_of(doc, page) else {
            continue;
        };
        if let Some(c) = d.get_raw::<Object<'_>>(b"Contents") {
            add(&c, format!("content stream of page {p}"));
        }
        for c in items(doc, &d, "Contents") {
            add(&c, format!("content stream of page {p}"));
        }
        for a in items(doc, &d, "Annots") {
            add(&a, format!("annotation on page {p}"));
        }
        if let Some(r) = d.get_raw::<Object<'_>>(b"Resources") {
            add(&r, format!("resources of page {p}"));
        }
        if let Some(Object::Dict(res)) = entry(doc, &d, "Resources") {
            for (kind, what) in [
                ("Font", "font"),
                ("XObject", "XObject"),
                ("ExtGState", "graphics state"),
            ] {
                if let Some(Object::Dict(group)) = entry(doc, &res, kind) {
                    for (n, v) in group.entries() {
                        add(&v, format!("{what} /{} of page {p}", key(&n)));
                    }
                }
            }
        }
    }
    out
}

/// What a new object is, when no role names it.
fn kind(o: &Object<'_>) -> String {
    let d = match o {
        Object::Dict(d) => d.clone(),
        Object::Stream(s) => s.dict().clone(),
        _ => return "a value".into(),
    };
    let names: Vec<String> = ["Type", "Subtype"]
        .iter()
        .filter_map(|k| {
            d.get::<Name<'_>>(k.as_bytes())
                .map(|n| format!("/{}", key(&n)))
        })
        .collect();
    let base = if matches!(o, Object::Stream(_)) {
        "a stream"
    } else {
        "a dictionary"
    };
    if names.is_empty() {
        base.into()
    } else {
        format!("{base} {}", names.join(" "))
    }
}

/// The signature fields of the form, with their references (kids followed, bounded).
fn sig_fields<'a>(doc: &'a PdfFile) -> Vec<(ObjRef, Dict<'a>)> {
    let mut out = Vec::new();
    let Some(cat) = dict_of(doc, doc.root_ref()) else {
        return out;
    };
    let Some(Object::Dict(form)) = entry(doc, &cat, "AcroForm") else {
        return out;
    };
    let mut stack: Vec<(MaybeRef<Object<'a>>, usize)> = items(doc, &form, "Fields")
        .into_iter()
        .map(|f| (f, 0))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((f, depth)) = stack.pop() {
        let MaybeRef::Ref(r) = f else { continue };
        if !seen.insert(num(r)) || seen.len() > MAX_WALK {
            continue;
        }
        let Some(d) = dict_of(doc, r) else { continue };
        if name_is(&d, "FT", "Sig") {
            out.push((r, d.clone()));
        }
        if depth < 8 && !d.contains_key(b"Subtype") {
            stack.extend(items(doc, &d, "Kids").into_iter().map(|k| (k, depth + 1)));
        }
    }
    out
}

/// Whether a widget has an area on the page.
fn visible(widget: &Dict<'_>) -> bool {
    widget
        .get::<Array<'_>>(b"Rect")
        .map(|r| r.iter::<f64>().collect::<Vec<_>>())
        .is_some_and(|r| r.len() == 4 && (r[2] - r[0]).abs() > 0.0 && (r[3] - r[1]).abs() > 0.0)
}

/// Judges one update: `old` is the document before it, `new` with it; `header` is the
/// version the file's header declares.
fn judge(
    old: &PdfFile,
    new: &PdfFile,
    old_trailer: &str,
    section: &file::Section,
    revision: usize,
    header: Option<(u8, u8)>,
) -> Update {
    let mut update = Update {
        revision,
        end: section.end,
        ..Update::default()
    };
    let mut violations = Vec::new();
    let mut written: BTreeSet<i32> = BTreeSet::new();
    for &(n, gen, in_use) in &section.entries {
        if !in_use {
            if n != 0 {
                violations.push(format!("deletes object {n} {gen}"));
            }
        } else if gen != 0 {
            violations.push(format!(
                "writes object {n} {gen} with a non-zero generation"
            ));
        } else if let Ok(n) = i32::try_from(n) {
            written.insert(n);
        }
    }
    let r = |n: i32| ObjRef::new(n, 0);
    let exists_before = |n: i32| old.object(r(n)).is_some();
    let root = new.root_ref();
    if root != old.root_ref() {
        violations.push(format!(
            "replaces the document catalogue by object {} {}",
            root.obj_number, root.gen_number
        ));
    }
    if file::trailer_ref(old_trailer, "/Info") != file::trailer_ref(&section.trailer, "/Info") {
        violations.push("points the trailer's /Info at another object".into());
    }
    let mut cleared: BTreeSet<i32> = BTreeSet::new();

    // New signatures: a field whose value this update writes.
    // After a certification, signatures fill the fields it laid out: a new visible field
    // could be placed over the text (pyHanko refuses it too).
    let certified = dict_of(old, old.root_ref())
        .and_then(|c| entry(old, &c, "Perms"))
        .is_some_and(|p| matches!(p, Object::Dict(d) if d.contains_key(b"DocMDP")));
    let old_fields: BTreeMap<i32, Dict<'_>> = sig_fields(old)
        .into_iter()
        .map(|(r, d)| (num(r), d))
        .collect();
    let mut widgets: BTreeSet<i32> = BTreeSet::new();
    let mut new_fields: BTreeSet<i32> = BTreeSet::new();
    for (fr, field) in sig_fields(new) {
        let Some(MaybeRef::Ref(vr)) = field.get_raw::<Object<'_>>(b"V") else {
            continue;
        };
        if !written.contains(&num(vr)) {
            continue;
        }
        let name = field
            .get::<hayro_syntax::object::String<'_>>(b"T")
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            .unwrap_or_else(|| format!("object {}", num(fr)));
        if exists_before(num(vr)) {
            violations.push(format!(
                "changes object {} 0 (the value of signature field \"{name}\")",
                num(vr)
            ));
            continue;
        }
        match dict_of(new, vr) {
            Some(v) if name_is(&v, "Type", "Sig") || name_is(&v, "Type", "DocTimeStamp") => {
                let certifies = items(new, &v, "Reference").into_iter().any(|x| {
                    matches!(resolve(new, x), Some(Object::Dict(d)) if name_is(&d, "TransformMethod", "DocMDP"))
                });
                if certifies {
                    violations.push(format!(
                        "adds signature \"{name}\" that certifies the document again (DocMDP); only the first signature may"
                    ));
                }
            }
            _ => {
                violations.push(format!(
                    "adds object {} 0 as the value of field \"{name}\" but it is not a signature",
                    num(vr)
                ));
                continue;
            }
        }
        cleared.insert(num(vr));
        match old_fields.get(&num(fr)) {
            Some(was) if was.contains_key(b"V") => {
                violations.push(format!("signs field \"{name}\" again"));
                continue;
            }
            Some(was) => {
                let keys = changed_keys(was, &field, &["V", "AP", "AS"], 0);
                if !keys.is_empty() {
                    violations.push(format!(
                        "changes object {} 0 (signature field \"{name}\": /{})",
                        num(fr),
                        keys.join(" /")
                    ));
                }
            }
            None if certified && visible(&field) => violations.push(format!(
                "adds a visible signature field \"{name}\" (object {} 0) after the certification; only the fields laid out then may be signed",
                num(fr)
            )),
            None => {}
        }
        cleared.insert(num(fr));
        new_fields.insert(num(fr));
        let mut ws = vec![(fr, field.clone())];
        if !field.contains_key(b"Subtype") {
            ws = items(new, &field, "Kids")
                .into_iter()
                .filter_map(|k| match k {
                    MaybeRef::Ref(kr) => dict_of(new, kr).map(|d| (kr, d)),
                    _ => None,
                })
                .collect();
        }
        for (wr, w) in ws {
            widgets.insert(num(wr));
            if wr != fr {
                if let Some(was) = dict_of(old, wr) {
                    let keys = changed_keys(&was, &w, &["AP", "AS"], 0);
                    if !keys.is_empty() {
                        violations.push(format!(
                            "changes object {} 0 (widget of \"{name}\": /{})",
                            num(wr),
                            keys.join(" /")
                        ));
                    }
                }
                cleared.insert(num(wr));
            }
            if let Some(ap) = w.get_raw::<Object<'_>>(b"AP") {
                for n in reachable(new, ap) {
                    if written.contains(&n) && !exists_before(n) {
                        cleared.insert(n);
                    }
                }
            }
        }
        update.signatures.push(name);
    }

    // The catalogue, the form and the pages, when only signature entries change.
    let old_cat = dict_of(old, old.root_ref());
    let new_cat = dict_of(new, root);
    if let (Some(oc), Some(nc)) = (&old_cat, &new_cat) {
        let keys = changed_keys(oc, nc, &[], 0);
        let other: Vec<&String> = keys
            .iter()
            .filter(|k| !["AcroForm", "DSS", "Extensions", "Version"].contains(&k.as_str()))
            .collect();
        if keys.iter().any(|k| k == "Version") {
            match version_raised(oc, nc, header) {
                Ok(v) => update
                    .housekeeping
                    .push(format!("the catalogue's /Version (raised to {v})")),
                Err(e) => violations.push(format!(
                    "changes object {} 0 (document catalogue: /Version {e})",
                    num(root)
                )),
            }
        }
        if keys.iter().any(|k| k == "Extensions") {
            match extensions(nc) {
                Ok(()) => update
                    .housekeeping
                    .push("the catalogue's /Extensions".into()),
                Err(e) => violations.push(format!(
                    "changes object {} 0 (document catalogue: /Extensions {e})",
                    num(root)
                )),
            }
        }
        if written.contains(&num(root)) {
            if other.is_empty() {
                cleared.insert(num(root));
            } else {
                violations.push(format!(
                    "changes object {} 0 (document catalogue: /{})",
                    num(root),
                    other
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(" /")
                ));
                cleared.insert(num(root));
            }
        }
        let form_ref = nc.get_raw::<Object<'_>>(b"AcroForm");
        let form_changed = keys.iter().any(|k| k == "AcroForm")
            || matches!(form_ref, Some(MaybeRef::Ref(fr)) if written.contains(&num(fr)));
        if form_changed {
            let of = entry(old, oc, "AcroForm");
            let nf = entry(new, nc, "AcroForm");
            match (of, nf) {
                (Some(Object::Dict(of)), Some(Object::Dict(nf))) => {
                    let keys = changed_keys(&of, &nf, &["Fields", "SigFlags"], 0);
                    if !keys.is_empty() {
                        violations
                            .push(format!("changes the form /AcroForm: /{}", keys.join(" /")));
                    }
                    grows_by(
                        &items(old, &of, "Fields"),
                        &items(new, &nf, "Fields"),
                        &new_fields,
                        "the form's /Fields",
                        &mut violations,
                    );
                    for k in ["Fields"] {
                        if let Some(MaybeRef::Ref(ar)) = nf.get_raw::<Object<'_>>(k.as_bytes()) {
                            cleared.insert(num(ar));
                        }
                    }
                }
                (None, Some(Object::Dict(nf))) => {
                    let keys = changed_keys(&Dict::default(), &nf, &["Fields", "SigFlags"], 0);
                    if !keys.is_empty() {
                        violations.push(format!("adds a form /AcroForm with /{}", keys.join(" /")));
                    }
                    grows_by(
                        &[],
                        &items(new, &nf, "Fields"),
                        &new_fields,
                        "the form's /Fields",
                        &mut violations,
                    );
                }
                _ => violations.push("removes or replaces the form /AcroForm".into()),
            }
            if let Some(MaybeRef::Ref(fr)) = form_ref {
                cleared.insert(num(fr));
            }
        }
        // Validation data: the DSS and what only it reaches (new, or DSS material before).
        if keys.iter().any(|k| k == "DSS")
            || matches!(nc.get_raw::<Object<'_>>(b"DSS"), Some(MaybeRef::Ref(d)) if written.contains(&num(d)))
        {
            update.dss = true;
        }
        if let Some(dss) = nc.get_raw::<Object<'_>>(b"DSS") {
            let before = oc
                .get_raw::<Object<'_>>(b"DSS")
                .map(|d| reachable(old, d))
                .unwrap_or_default();
            for n in reachable(new, dss) {
                if written.contains(&n) && (!exists_before(n) || before.contains(&n)) {
                    cleared.insert(n);
                    update.dss = true;
                }
            }
        }
    }
    for (i, (page, _)) in new.pages().into_iter().enumerate() {
        if !written.contains(&num(page)) {
            continue;
        }
        let (Some(was), Some(now)) = (dict_of(old, page), dict_of(new, page)) else {
            continue;
        };
        cleared.insert(num(page));
        let keys = changed_keys(&was, &now, &["Annots"], 0);
        if !keys.is_empty() {
            violations.push(format!(
                "changes object {} 0 (page {}: /{})",
                num(page),
                i + 1,
                keys.join(" /")
            ));
        }
        grows_by(
            &items(old, &was, "Annots"),
            &items(new, &now, "Annots"),
            &widgets,
            &format!("page {}'s /Annots", i + 1),
            &mut violations,
        );
        if let Some(MaybeRef::Ref(ar)) = now.get_raw::<Object<'_>>(b"Annots") {
            cleared.insert(num(ar));
        }
    }

    // Housekeeping: /Info and the XMP metadata, rewritten in place.
    if let Some(info) = file::trailer_ref(&section.trailer, "/Info")
        .filter(|i| Some(*i) == file::trailer_ref(old_trailer, "/Info"))
        .filter(|i| written.contains(&num(*i)))
    {
        if let (Some(Object::Dict(was)), Some(Object::Dict(now))) =
            (old.object(info), new.object(info))
        {
            let keys = changed_keys(&was, &now, &[], 0);
            let (kept, other): (Vec<String>, Vec<String>) = keys
                .into_iter()
                .partition(|k| INFO_HOUSEKEEPING.contains(&k.as_str()));
            if !other.is_empty() {
                violations.push(format!(
                    "changes object {} 0 (document information /Info: /{})",
                    num(info),
                    other.join(" /")
                ));
            } else if !kept.is_empty() {
                update
                    .housekeeping
                    .push(format!("/Info {}", kept.join(", ")));
            }
            cleared.insert(num(info));
        }
    }
    let metadata = new_cat
        .as_ref()
        .and_then(|c| c.get_raw::<Object<'_>>(b"Metadata"));
    if let Some(MaybeRef::Ref(m)) = metadata {
        if written.contains(&num(m)) {
            if let (Some(Object::Stream(was)), Some(Object::Stream(now))) =
                (old.object(m), new.object(m))
            {
                if !same(
                    &Object::Stream(was.clone()),
                    &Object::Stream(now.clone()),
                    0,
                ) {
                    match xmp_rewrite(&was, &now) {
                        Ok(()) => update.housekeeping.push("the XMP metadata".into()),
                        Err(e) => violations
                            .push(format!("changes object {} 0 (XMP metadata: {e})", num(m))),
                    }
                }
                cleared.insert(num(m));
            }
        }
    }

    // Everything else: allowed only if written again unchanged.
    let (old_roles, new_roles) = (roles(old, old_trailer), roles(new, &section.trailer));
    for n in written {
        if cleared.contains(&n) {
            continue;
        }
        let Some(now) = new.object(r(n)) else {
            continue;
        };
        let role = old_roles.get(&n).or(new_roles.get(&n));
        match old.object(r(n)) {
            Some(was) if same(&was, &now, 0) => {}
            Some(was) => {
                let what = role.cloned().unwrap_or_else(|| kind(&was));
                let detail = match (&was, &now) {
                    (Object::Dict(a), Object::Dict(b)) => {
                        format!(": /{}", changed_keys(a, b, &[], 0).join(" /"))
                    }
                    (Object::Stream(a), Object::Stream(b)) => {
                        let keys = changed_keys(a.dict(), b.dict(), &["Length"], 0);
                        if keys.is_empty() {
                            ": its data".into()
                        } else {
                            format!(": /{}", keys.join(" /"))
                        }
                    }
                    _ => String::new(),
                };
                violations.push(format!("changes object {n} 0 ({what}{detail})"));
            }
            None => {
                let what = role.cloned().unwrap_or_else(|| kind(&now));
                violations.push(format!("adds object {n} 0 ({what}) that no signature uses"));
            }
        }
    }
    update.violations = violations;
    update
}

/// Whether a rewritten XMP metadata stream keeps the document's identity; else what
/// changed, or why it cannot be told.
fn xmp_rewrite(
    was: &hayro_syntax::object::Stream<'_>,
    now: &hayro_syntax::object::Stream<'_>,
) -> Result<(), String> {
    let keys = changed_keys(
        was.dict(),
        now.dict(),
        &["Length", "Filter", "DecodeParms"],
        0,
    );
    if !keys.is_empty() {
        return Err(format!("/{}", keys.join(" /")));
    }
    let decode = |s| file::decode(s, file::MAX_XMP).map_err(|e| format!("cannot be compared: {e}"));
    let changed = values::xmp_changes(&decode(was)?, &decode(now)?)
        .map_err(|e| format!("cannot be compared: {e}"))?;
    if changed.is_empty() {
        Ok(())
    } else {
        Err(changed.join(", "))
    }
}

/// Checks that `after` keeps every item of `before` and adds only references in `allowed`.
fn grows_by(
    before: &[MaybeRef<Object<'_>>],
    after: &[MaybeRef<Object<'_>>],
    allowed: &BTreeSet<i32>,
    what: &str,
    violations: &mut Vec<String>,
) {
    // References are counted (linear); inline items, rare, are matched pairwise.
    let mut refs: BTreeMap<(i32, i32), isize> = BTreeMap::new();
    let mut inline_after: Vec<&Object<'_>> = Vec::new();
    for a in after {
        match a {
            MaybeRef::Ref(r) => *refs.entry((r.obj_number, r.gen_number)).or_default() += 1,
            MaybeRef::NotRef(o) => inline_after.push(o),
        }
    }
    for b in before {
        match b {
            MaybeRef::Ref(r) => *refs.entry((r.obj_number, r.gen_number)).or_default() -= 1,
            MaybeRef::NotRef(o) if inline_after.len() <= 1000 => {
                match inline_after.iter().position(|a| same(a, o, 0)) {
                    Some(p) => {
                        inline_after.remove(p);
                    }
                    None => violations.push(format!("changes an inline entry of {what}")),
                }
            }
            MaybeRef::NotRef(_) => violations.push(format!("changes an inline entry of {what}")),
        }
    }
    for ((n, g), count) in refs {
        if count < 0 {
            violations.push(format!("removes object {n} {g} from {what}"));
        } else if count > 0 && !allowed.contains(&n) {
            violations.push(format!(
                "adds object {n} {g} to {what}, which is not a new signature"
            ));
        }
    }
    if !inline_after.is_empty() {
        violations.push(format!("adds an inline entry to {what}"));
    }
}
