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

/// The most structure elements looked at while finding a place's figure, and the most
/// parent tree nodes read.
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
        let mut budget = MAX_NODES;
        highest_key(t, 0, &mut budget, &mut highest)?;
    }
    let declared = root
        .get::<f64>(b"ParentTreeNextKey")
        .map_or(0, |n| n as i64);
    let next_key = declared.max(highest + 1);
    // PDF integers end at 2^31 - 1 (ISO 32000-1, annex C); a crafted key there must fail
    // here, not overflow below.
    if next_key > i64::from(i32::MAX) - widgets.len() as i64 {
        return Err(format!(
            "the structure parent tree's keys run out ({next_key})"
        ));
    }

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

/// The highest key of a number tree node, into `highest`. `budget` counts the nodes left to
/// visit in all: a node listed many times over (a crafted tree sharing its kids) must not
/// multiply the work.
fn highest_key(
    node: &Dict<'_>,
    depth: usize,
    budget: &mut usize,
    highest: &mut i64,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("the structure parent tree is too deep".into());
    }
    *budget = budget
        .checked_sub(1)
        .ok_or("the structure parent tree is too large")?;
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
        for kid in kids.iter::<Dict<'_>>() {
            highest_key(&kid, depth + 1, budget, highest)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF of `objects` (numbered from 1), with its cross-reference table.
    fn pdf(objects: &[&str]) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend(format!("xref\n0 {}\n0000000000 65535 f\r\n", objects.len() + 1).as_bytes());
        for o in offsets {
            out.extend(format!("{o:010} 00000 n\r\n").as_bytes());
        }
        out.extend(
            format!(
                "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    fn widgets() -> Vec<Widget> {
        ["Place A", "Place B"]
            .iter()
            .zip(20..)
            .map(|(alt, number)| Widget {
                number,
                page: ObjRef::new(3, 0),
                alt: (*alt).into(),
            })
            .collect()
    }

    fn text_of(objects: &BTreeMap<i64, Vec<u8>>, n: i64) -> String {
        String::from_utf8_lossy(&objects[&n]).into_owned()
    }

    /// A parent tree of kids gains a leaf after them; a place with a figure is read after
    /// it, one without at the end of the document element; keys follow the highest one.
    #[test]
    fn forms_go_after_their_figure_and_keys_after_every_existing_one() {
        let bytes = pdf(&[
            "<</Type/Catalog/Pages 2 0 R/StructTreeRoot 4 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]/StructParents 0>>",
            "<</Type/StructTreeRoot/K 5 0 R/ParentTree 7 0 R/ParentTreeNextKey 2>>",
            "<</Type/StructElem/S/Document/P 4 0 R/K[6 0 R 9 0 R]>>",
            "<</Type/StructElem/S/Figure/P 5 0 R/Alt(Place A)/K[]>>",
            "<</Kids[8 0 R]>>",
            "<</Limits[0 3]/Nums[0 [6 0 R] 3 6 0 R]>>",
            "<</Type/StructElem/S/P/P 5 0 R/K[0]/Pg 3 0 R>>",
        ]);
        let doc = PdfFile::open(&bytes).unwrap();
        let tags = plan(&doc, &widgets(), 30).unwrap().unwrap();
        assert_eq!(tags.struct_parents, ["/StructParent 4", "/StructParent 5"]);
        let o = &tags.objects;
        assert_eq!(o.keys().copied().collect::<Vec<_>>(), [4, 5, 7, 30, 31, 32]);
        assert!(
            text_of(o, 5).contains("/K[6 0 R 30 0 R 9 0 R 31 0 R]"),
            "{}",
            text_of(o, 5)
        );
        assert!(
            text_of(o, 7).contains("/Kids[8 0 R 32 0 R]"),
            "{}",
            text_of(o, 7)
        );
        assert!(text_of(o, 32).contains("/Limits[4 5]/Nums[4 30 0 R 5 31 0 R]"));
        let root = text_of(o, 4);
        assert!(
            root.contains("/ParentTree 7 0 R/ParentTreeNextKey 6") && root.contains("/K 5 0 R"),
            "{root}"
        );
        let form = text_of(o, 30);
        assert!(
            form.contains("/S/Form/P 5 0 R/Pg 3 0 R/K<</Type/OBJR/Obj 20 0 R/Pg 3 0 R>>"),
            "{form}"
        );
    }

    #[test]
    fn an_untagged_document_stays_untagged_and_crafted_keys_fail() {
        let untagged = pdf(&[
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>",
        ]);
        let doc = PdfFile::open(&untagged).unwrap();
        assert!(plan(&doc, &widgets(), 30).unwrap().is_none());
        let crafted = pdf(&[
            "<</Type/Catalog/Pages 2 0 R/StructTreeRoot 4 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]>>",
            "<</Type/StructTreeRoot/K 5 0 R/ParentTree<</Nums[2147483647 5 0 R]>>>>",
            "<</Type/StructElem/S/Document/P 4 0 R/K[]>>",
        ]);
        let doc = PdfFile::open(&crafted).unwrap();
        let err = plan(&doc, &widgets(), 30).err().unwrap();
        assert!(err.contains("keys run out"), "{err}");
    }
}
