//! Accessible when signed (#24): the signature fields the certifying signature lays out are
//! tagged for PDF/UA-1 (ISO 14289-1 7.18): every annotation has a `/StructParent` the
//! structure tree's `/ParentTree` maps to its element, a widget's element is a `Form` with
//! alternative text, read right after the signature place's figure, and a page with
//! annotations has `/Tabs /S`. Checked here by a walk of the file's own objects, after the
//! first signature and after a countersignature (pyHanko's countersignatures: in
//! `scripts/pyhanko-check.sh`).

use super::sign::{ca, sign, signed_once, stdout};
use super::*;

use annex::pdf::file::{text, PdfFile};
use hayro_syntax::object::{Array, Dict, MaybeRef, Name, ObjRef, Object};

fn dict<'a>(doc: &'a PdfFile, r: ObjRef) -> Dict<'a> {
    match doc.object(r) {
        Some(Object::Dict(d)) => d,
        other => panic!("object {r:?} is not a dictionary: {other:?}"),
    }
}

fn name_of(d: &Dict<'_>, key: &[u8]) -> Option<String> {
    d.get::<Name<'_>>(key).map(|n| n.as_str().to_owned())
}

fn text_of(d: &Dict<'_>, key: &[u8]) -> Option<String> {
    d.get::<hayro_syntax::object::String<'_>>(key)
        .map(|s| text(s.as_bytes()))
}

/// The refs and inline dictionaries of a `/K` (one kid or an array).
fn kids<'a>(d: &Dict<'a>) -> Vec<MaybeRef<Object<'a>>> {
    match d.get_raw::<Object<'_>>(b"K") {
        Some(MaybeRef::NotRef(Object::Array(a))) => a.raw_iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

/// The `/ParentTree` as key → element.
fn parent_tree(node: &Dict<'_>, out: &mut std::collections::BTreeMap<i64, ObjRef>) {
    if let Some(nums) = node.get::<Array<'_>>(b"Nums") {
        let items: Vec<_> = nums.raw_iter().collect();
        for pair in items.chunks(2) {
            if let [MaybeRef::NotRef(Object::Number(k)), MaybeRef::Ref(r)] = pair {
                out.insert(k.as_f64() as i64, *r);
            }
        }
    }
    if let Some(kids) = node.get::<Array<'_>>(b"Kids") {
        for kid in kids.iter::<Dict<'_>>() {
            parent_tree(&kid, out);
        }
    }
}

/// Every structure element reachable from the root by `/K`, with its parent.
fn elements(doc: &PdfFile, root: ObjRef) -> Vec<(ObjRef, ObjRef)> {
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(r) = todo.pop() {
        for k in kids(&dict(doc, r)) {
            if let MaybeRef::Ref(c) = k {
                if matches!(doc.object(c), Some(Object::Dict(ref d)) if name_of(d, b"Type").as_deref() != Some("OBJR") && name_of(d, b"Type").as_deref() != Some("MCR"))
                {
                    out.push((c, r));
                    todo.push(c);
                }
            }
        }
        assert!(out.len() < 100_000);
    }
    out
}

/// Checks what PDF/UA-1 asks of `pdf`'s annotations; returns each widget's (field name,
/// alternative text, the element read just before its Form).
fn tagged_widgets(pdf: &Path) -> Vec<(String, String, Option<String>)> {
    let bytes = std::fs::read(pdf).unwrap();
    let doc = PdfFile::open(&bytes).unwrap();
    let catalog = doc.catalog().unwrap();
    let root_ref = catalog
        .get_ref(b"StructTreeRoot")
        .expect("a structure tree");
    let root = dict(&doc, root_ref);
    let mut tree = std::collections::BTreeMap::new();
    parent_tree(&root.get::<Dict<'_>>(b"ParentTree").unwrap(), &mut tree);
    let next_key = root.get::<f64>(b"ParentTreeNextKey").unwrap() as i64;
    assert!(tree.keys().all(|k| *k < next_key), "{tree:?} {next_key}");
    let reachable = elements(&doc, root_ref);
    let mut widgets = Vec::new();
    for (page, _) in doc.pages() {
        let page_dict = dict(&doc, page);
        let Some(annots) = page_dict.get::<Array<'_>>(b"Annots") else {
            continue;
        };
        let annots: Vec<ObjRef> = annots
            .raw_iter()
            .filter_map(|a| match a {
                MaybeRef::Ref(r) => Some(r),
                MaybeRef::NotRef(_) => None,
            })
            .collect();
        if annots.is_empty() {
            continue;
        }
        assert_eq!(
            name_of(&page_dict, b"Tabs").as_deref(),
            Some("S"),
            "page {page:?}"
        );
        for a in annots {
            let annot = dict(&doc, a);
            let key = annot
                .get::<f64>(b"StructParent")
                .unwrap_or_else(|| panic!("annotation {a:?} has no /StructParent"))
                as i64;
            let element_ref = tree[&key];
            let element = dict(&doc, element_ref);
            // The element's content is this annotation, by an object reference.
            assert!(
                kids(&element).iter().any(|k| {
                    let d = match k {
                        MaybeRef::NotRef(Object::Dict(d)) => Some(d.clone()),
                        MaybeRef::Ref(r) => match doc.object(*r) {
                            Some(Object::Dict(d)) => Some(d),
                            _ => None,
                        },
                        _ => None,
                    };
                    d.is_some_and(|d| {
                        name_of(&d, b"Type").as_deref() == Some("OBJR")
                            && d.get_ref(b"Obj") == Some(a)
                    })
                }),
                "element {element_ref:?} does not reference annotation {a:?}"
            );
            if name_of(&annot, b"Subtype").as_deref() != Some("Widget") {
                continue;
            }
            assert_eq!(name_of(&element, b"S").as_deref(), Some("Form"));
            let alt = text_of(&element, b"Alt").expect("the Form has /Alt");
            assert_eq!(text_of(&annot, b"TU").as_deref(), Some(alt.as_str()));
            let (_, parent) = reachable
                .iter()
                .find(|(e, _)| *e == element_ref)
                .expect("the Form is reachable from the structure tree root");
            assert_eq!(element.get_ref(b"P"), Some(*parent));
            let siblings = kids(&dict(&doc, *parent));
            let at = siblings
                .iter()
                .position(|k| matches!(k, MaybeRef::Ref(r) if *r == element_ref))
                .unwrap();
            let before = at.checked_sub(1).and_then(|i| match &siblings[i] {
                MaybeRef::Ref(r) => text_of(&dict(&doc, *r), b"Alt"),
                _ => None,
            });
            widgets.push((text_of(&annot, b"T").unwrap(), alt, before));
        }
    }
    widgets
}

#[test]
fn signed_and_countersigned_annexes_keep_every_widget_tagged() {
    let d = tempfile::tempdir().unwrap();
    let pdf = signed_once(d.path());
    let once = tagged_widgets(&pdf);
    // Nordwind's annex has two signature places, each read right after its figure.
    assert_eq!(once.len(), 2, "{once:?}");
    for (field, alt, before) in &once {
        assert!(
            alt.starts_with("Place for the digital signature of "),
            "{field}: {alt}"
        );
        assert_eq!(before.as_deref(), Some(alt.as_str()), "{field}");
    }
    let out = sign(d.path(), &pdf, "customer");
    assert!(out.status.success(), "{}", show(&out));
    // The countersignature fills a field in: the structure stays as it was.
    assert_eq!(tagged_widgets(&pdf), once);
    let out = annex(
        d.path(),
        &["verify", &pdf.display().to_string(), "--trust", &ca()],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(!stdout(&out).contains("FAILED"), "{}", show(&out));
    if crate::tools(&["qpdf"]) {
        let check = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&pdf)
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", show(&check));
    }
}

/// A French annex's Form elements are described in French, as its places are (UTF-16
/// text strings found and matched), each read right after its place's figure.
#[test]
fn the_form_elements_speak_the_annex_s_language() {
    let d = tempfile::tempdir().unwrap();
    let profile = repo("data/profiles/awkward.toml");
    let out = annex(
        d.path(),
        &[
            "render",
            "--profile",
            profile.to_str().unwrap(),
            "--out",
            ".",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let pdf = d.path().join("l-atelier-unicode-annex.pdf");
    let out = sign(d.path(), &pdf, "provider");
    assert!(out.status.success(), "{}", show(&out));
    let widgets = tagged_widgets(&pdf);
    assert!(!widgets.is_empty());
    for (field, alt, before) in &widgets {
        assert!(
            alt.starts_with("Emplacement de la signature électronique de "),
            "{field}: {alt}"
        );
        assert_eq!(before.as_deref(), Some(alt.as_str()), "{field}");
    }
}
