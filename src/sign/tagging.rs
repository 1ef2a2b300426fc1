//! Sign stage (part of [`super`]): the signature fields in the document's structure tree,
//! so that a signed annex is still PDF/UA-1. ISO 14289-1 (7.18.1, 7.18.4) wants every
//! annotation tagged, a widget inside a `Form` structure element with alternative text,
//! and the page's `/Tabs /S`.
//!
//! The certifying signature lays out every signature place as a field (see [`super`]); in
//! the same update each widget gets a `/StructParent`, one `Form` element (its `/Alt` the
//! place's tooltip, its content the widget by an object reference) in reading order right
//! after the element the template wrote for the place (its figure, whose `/Alt` is that
//! same text), or at the end of the document element when none is found, and the
//! structure tree root's `/ParentTree` maps each `/StructParent` to its `Form`
//! (`/ParentTreeNextKey` raised). Later signatures only fill the fields in, so no update
//! after signature 1 touches the structure tree and `revisions` has nothing more to allow.
//!
//! Invariants: structure is written only by the update that lays the fields out; a file
//! without a structure tree is left without one; every walk of the tree is bounded
//! ([`MAX_NODES`] elements, [`MAX_DEPTH`] levels), and a tree this cannot extend soundly
//! (an inline root, a parent tree with an indirect `/Kids` array) fails the signing with a
//! message rather than leaving an untagged widget.

use std::collections::BTreeMap;

use hayro_syntax::object::{Array, Dict, MaybeRef, Name, ObjRef, Object};

use crate::pdf::file::{self, name, serialise, text_string, PdfFile};

/// The most structure elements looked at while finding a place's figure.
pub const MAX_NODES: usize = 100_000;

/// How deep the structure tree (and the parent tree) is walked.
pub const MAX_DEPTH: usize = 64;

/// A widget the signature writes, to be tagged.
pub(super) struct Widget {
    /// Its object number.
    pub number: i64,
    /// The page it is on.
    pub page: ObjRef,
    /// Its tooltip (`/TU`), which the template also wrote as the place's `/Alt`.
    pub alt: String,
}

/// What tagging the widgets adds to the update.
pub(super) struct Tags {
    /// Each widget's `/StructParent` entry (` /StructParent k`), in the order given.
    pub struct_parents: Vec<String>,
    /// New and rewritten objects: the `Form` elements, their parents, the parent tree and
    /// the structure tree root.
    pub objects: BTreeMap<i64, Vec<u8>>,
}

/// The `Form` elements each parent element gains (by its object number and generation):
/// the kid each follows, and the Form's object number.
type Inserts = BTreeMap<(i32, i32), Vec<(Option<ObjRef>, i64)>>;

/// Where a `Form` element goes: after `after` in the `/K` of `parent` (at the end when
/// `after` is `None`).
struct Spot {
    parent: ObjRef,
    after: Option<ObjRef>,
}

/// Plans the structure for `widgets`, numbering new objects from `first_free`. `None` for
/// a document without a structure tree (nothing to keep accessible).
pub(super) fn plan(
    doc: &PdfFile,
    widgets: &[Widget],
    first_free: i64,
) -> Result<Option<Tags>, String> {
    let Some(catalog) = doc.catalog() else {
        return Err("no document catalogue".into());
    };
    let Some(raw_root) = catalog.get_raw::<Object<'_>>(b"StructTreeRoot") else {
        return Ok(None);
    };
    let MaybeRef::Ref(root_ref) = raw_root else {
        return Err("the structure tree root is not an indirect object".into());
    };
    let root = dict_at(doc, root_ref).ok_or("the structure tree root is not a dictionary")?;
    let mut objects = BTreeMap::new();
    let mut struct_parents = Vec::new();

    // The parent tree: its next free key, and where its new entries go.
    let tree_raw = root.get_raw::<Object<'_>>(b"ParentTree");
    let tree = root.get::<Dict<'_>>(b"ParentTree");
    let mut highest = -1;
    if let Some(t) = &tree {
        highest_key(t, 0, &mut highest)?;
    }
    let declared = root
        .get::<f64>(b"ParentTreeNextKey")
        .map_or(0, |n| n as i64);
    let next_key = declared.max(highest + 1);

    // Each widget's Form element and where it goes.
    let document = document_element(doc, &root);
    let mut inserts: Inserts = BTreeMap::new();
    let mut nums = String::new();
    for (i, w) in widgets.iter().enumerate() {
        let form_n = first_free + i as i64;
        let key = next_key + i as i64;
        let spot = figure_of(doc, &root, &w.alt)
            .or_else(|| {
                document.map(|parent| Spot {
                    parent,
                    after: None,
                })
            })
            .ok_or("no structure element to put the signature fields in")?;
        let page = format!("{} {} R", w.page.obj_number, w.page.gen_number);
        objects.insert(
            form_n,
            format!(
                "<</Type/StructElem/S/Form/P {} {} R/Pg {page}/K<</Type/OBJR/Obj {} 0 R/Pg {page}>>/Alt {}>>",
                spot.parent.obj_number,
                spot.parent.gen_number,
                w.number,
                text_string(&w.alt)
            )
            .into_bytes(),
        );
        inserts
            .entry((spot.parent.obj_number, spot.parent.gen_number))
            .or_default()
            .push((spot.after, form_n));
        struct_parents.push(format!("/StructParent {key}"));
        nums.push_str(&format!(" {key} {form_n} 0 R"));
    }
    let last_key = next_key + widgets.len() as i64 - 1;

    // The parents, with their new kids.
    for ((n, g), forms) in &inserts {
        let parent = ObjRef::new(*n, *g);
        if parent == root_ref {
            return Err(
                "the signature fields would go directly under the structure tree root".into(),
            );
        }
        let dict = dict_at(doc, parent).ok_or("a structure element is not a dictionary")?;
        let mut kids = kids_of(doc, &dict)?;
        for (after, form) in forms {
            let item = format!("{form} 0 R");
            let at = after
                .and_then(|a| {
                    let target = format!("{} {} R", a.obj_number, a.gen_number);
                    kids.iter().position(|k| *k == target)
                })
                .map_or(kids.len(), |p| p + 1);
            // Several places after one figure keep their order.
            let at = (at..kids.len())
                .find(|j| !forms.iter().any(|(_, f)| kids[*j] == format!("{f} 0 R")))
                .unwrap_or(kids.len());
            kids.insert(at, item);
        }
        objects.insert(
            *n as i64,
            rewrite(&dict, &["K"], &format!("/K[{}]", kids.join(" "))),
        );
    }

    // The parent tree, with the new keys after every existing one.
    let new_tree = match &tree {
        None => format!("<</Nums[{}]>>", nums.trim_start()),
        Some(t) => extend_tree(
            t,
            &nums,
            next_key,
            last_key,
            first_free + widgets.len() as i64,
            &mut objects,
        )?,
    };
    let tree_entry = match tree_raw {
        Some(MaybeRef::Ref(r)) => {
            objects.insert(r.obj_number as i64, new_tree.into_bytes());
            format!("/ParentTree {} {} R", r.obj_number, r.gen_number)
        }
        _ => format!("/ParentTree {new_tree}"),
    };
    objects.insert(
        root_ref.obj_number as i64,
        rewrite(
            &root,
            &["ParentTree", "ParentTreeNextKey"],
            &format!("{tree_entry}/ParentTreeNextKey {}", last_key + 1),
        ),
    );
    Ok(Some(Tags {
        struct_parents,
        objects,
    }))
}

fn dict_at(doc: &PdfFile, r: ObjRef) -> Option<Dict<'_>> {
    match doc.object(r)? {
        Object::Dict(d) => Some(d),
        _ => None,
    }
}

/// The dictionary `d` without `skip`, with `extra` appended.
fn rewrite(d: &Dict<'_>, skip: &[&str], extra: &str) -> Vec<u8> {
    let mut s = String::from("<<");
    for (k, v) in d.entries() {
        if skip.contains(&k.as_str()) {
            continue;
        }
        s.push_str(&name(k.as_str()));
        s.push(' ');
        s.push_str(&serialise(&v));
    }
    s.push_str(extra);
    s.push_str(">>");
    s.into_bytes()
}

/// The `/K` of a structure element as serialised items (one kid or an array, inline or
/// indirect).
fn kids_of(doc: &PdfFile, d: &Dict<'_>) -> Result<Vec<String>, String> {
    Ok(match d.get_raw::<Object<'_>>(b"K") {
        None => Vec::new(),
        Some(MaybeRef::NotRef(Object::Array(a))) => a.raw_iter().map(|v| serialise(&v)).collect(),
        Some(MaybeRef::Ref(r)) => match doc.object(r) {
            Some(Object::Array(a)) => a.raw_iter().map(|v| serialise(&v)).collect(),
            Some(_) => vec![format!("{} {} R", r.obj_number, r.gen_number)],
            None => return Err("a structure element's /K is missing".into()),
        },
        Some(other) => vec![serialise(&other)],
    })
}

/// The first structure element under the root (the template's document element).
fn document_element(doc: &PdfFile, root: &Dict<'_>) -> Option<ObjRef> {
    match root.get_raw::<Object<'_>>(b"K")? {
        MaybeRef::Ref(r) => match doc.object(r)? {
            Object::Dict(_) => Some(r),
            Object::Array(a) => first_ref(&a),
            _ => None,
        },
        MaybeRef::NotRef(Object::Array(a)) => first_ref(&a),
        _ => None,
    }
}

fn first_ref(a: &Array<'_>) -> Option<ObjRef> {
    a.raw_iter().find_map(|v| match v {
        MaybeRef::Ref(r) => Some(r),
        MaybeRef::NotRef(_) => None,
    })
}

/// The element whose `/Alt` is `alt` (the figure the template wrote for a signature
/// place), breadth first, and its parent.
fn figure_of(doc: &PdfFile, root: &Dict<'_>, alt: &str) -> Option<Spot> {
    let mut queue: std::collections::VecDeque<(Option<ObjRef>, ObjRef, usize)> =
        kid_refs(doc, root)
            .into_iter()
            .map(|r| (None, r, 0))
            .collect();
    let mut seen = 0;
    while let Some((parent, r, depth)) = queue.pop_front() {
        seen += 1;
        if seen > MAX_NODES || depth > MAX_DEPTH {
            return None;
        }
        let Some(d) = dict_at(doc, r) else { continue };
        if d.get::<Name<'_>>(b"Type")
            .is_some_and(|t| t.as_str() != "StructElem")
        {
            continue;
        }
        let matches = d
            .get::<hayro_syntax::object::String<'_>>(b"Alt")
            .is_some_and(|s| file::text(s.as_bytes()) == alt);
        if matches {
            if let Some(parent) = parent {
                return Some(Spot {
                    parent,
                    after: Some(r),
                });
            }
        }
        queue.extend(
            kid_refs(doc, &d)
                .into_iter()
                .map(|k| (Some(r), k, depth + 1)),
        );
    }
    None
}

/// The structure elements (references) among the kids of `d`.
fn kid_refs(doc: &PdfFile, d: &Dict<'_>) -> Vec<ObjRef> {
    match d.get_raw::<Object<'_>>(b"K") {
        Some(MaybeRef::Ref(r)) => match doc.object(r) {
            Some(Object::Array(a)) => refs(&a),
            _ => vec![r],
        },
        Some(MaybeRef::NotRef(Object::Array(a))) => refs(&a),
        _ => Vec::new(),
    }
}

fn refs(a: &Array<'_>) -> Vec<ObjRef> {
    a.raw_iter()
        .filter_map(|v| match v {
            MaybeRef::Ref(r) => Some(r),
            MaybeRef::NotRef(_) => None,
        })
        .collect()
}

/// The highest key of a number tree node, into `highest`.
fn highest_key(node: &Dict<'_>, depth: usize, highest: &mut i64) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("the structure parent tree is too deep".into());
    }
    if let Some(nums) = node.get::<Array<'_>>(b"Nums") {
        for (i, v) in nums.raw_iter().enumerate() {
            if i % 2 == 0 {
                if let MaybeRef::NotRef(Object::Number(n)) = v {
                    *highest = (*highest).max(n.as_f64() as i64);
                }
            }
        }
    }
    if let Some(limits) = node.get::<Array<'_>>(b"Limits") {
        if let Some(hi) = limits.iter::<f64>().nth(1) {
            *highest = (*highest).max(hi as i64);
        }
    }
    if let Some(kids) = node.get::<Array<'_>>(b"Kids") {
        for (seen, kid) in kids.iter::<Dict<'_>>().enumerate() {
            if seen > MAX_NODES {
                return Err("the structure parent tree is too large".into());
            }
            highest_key(&kid, depth + 1, highest)?;
        }
    }
    Ok(())
}

/// The root node of the parent tree with `nums` (keys `first`..=`last`, above every
/// existing key) added: to its `/Nums`, or as a new last leaf of its `/Kids` (object
/// `leaf_n`).
fn extend_tree(
    tree: &Dict<'_>,
    nums: &str,
    first: i64,
    last: i64,
    leaf_n: i64,
    objects: &mut BTreeMap<i64, Vec<u8>>,
) -> Result<String, String> {
    if let Some(kids) = tree.get_raw::<Object<'_>>(b"Kids") {
        let MaybeRef::NotRef(Object::Array(kids)) = kids else {
            return Err("the structure parent tree's /Kids is not an inline array".into());
        };
        let mut items: Vec<String> = kids.raw_iter().map(|v| serialise(&v)).collect();
        objects.insert(
            leaf_n,
            format!("<</Limits[{first} {last}]/Nums[{}]>>", nums.trim_start()).into_bytes(),
        );
        items.push(format!("{leaf_n} 0 R"));
        return Ok(String::from_utf8_lossy(&rewrite(
            tree,
            &["Kids"],
            &format!("/Kids[{}]", items.join(" ")),
        ))
        .into_owned());
    }
    let mut items: Vec<String> = match tree.get::<Array<'_>>(b"Nums") {
        Some(a) => a.raw_iter().map(|v| serialise(&v)).collect(),
        None => Vec::new(),
    };
    items.push(nums.trim_start().to_owned());
    Ok(String::from_utf8_lossy(&rewrite(
        tree,
        &["Nums"],
        &format!("/Nums[{}]", items.join(" ")),
    ))
    .into_owned())
}
