//! Sign stage (part of [`super::revisions`]): PDF values compared by what they mean, not
//! by their bytes (references by number, numbers as numbers, text strings by text, stream
//! data as stored), and the small bounded walks the revision analysis needs.
//!
//! Invariant: every comparison and walk is bounded ([`MAX_DEPTH`] levels, [`MAX_WALK`]
//! objects), so a crafted file costs at most linear time in what it holds.

use std::collections::{BTreeMap, BTreeSet};

use hayro_syntax::object::{Array, Dict, MaybeRef, Name, ObjRef, Object};

use crate::pdf::file::PdfFile;

/// How many objects a reachability walk visits at most (appearance, DSS).
pub const MAX_WALK: usize = 10_000;

/// How deep values are compared or walked.
pub const MAX_DEPTH: usize = 64;

/// A name as a string (for messages and map keys).
pub fn key(n: &Name<'_>) -> String {
    n.as_str().to_owned()
}

/// The object number of a reference.
pub fn num(r: ObjRef) -> i32 {
    r.obj_number
}

/// Whether two values are the same, references compared by number.
pub fn same_value(a: &MaybeRef<Object<'_>>, b: &MaybeRef<Object<'_>>, depth: usize) -> bool {
    match (a, b) {
        (MaybeRef::Ref(x), MaybeRef::Ref(y)) => x == y,
        (MaybeRef::NotRef(x), MaybeRef::NotRef(y)) => same(x, y, depth),
        _ => false,
    }
}

/// Whether two objects have the same parsed value (stream data compared as stored).
pub fn same(a: &Object<'_>, b: &Object<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (a, b) {
        (Object::Null(_), Object::Null(_)) => true,
        (Object::Boolean(x), Object::Boolean(y)) => x == y,
        (Object::Number(x), Object::Number(y)) => x.as_f64() == y.as_f64(),
        (Object::String(x), Object::String(y)) => same_text(x.as_bytes(), y.as_bytes()),
        (Object::Name(x), Object::Name(y)) => x.as_ref() == y.as_ref(),
        (Object::Array(x), Object::Array(y)) => same_array(x, y, depth),
        (Object::Dict(x), Object::Dict(y)) => changed_keys(x, y, &[], depth).is_empty(),
        (Object::Stream(x), Object::Stream(y)) => {
            changed_keys(x.dict(), y.dict(), &["Length"], depth).is_empty()
                && x.raw_data() == y.raw_data()
        }
        _ => false,
    }
}

/// PDFDocEncoding where it differs from Latin-1: bytes 0x18–0x1F, then 0x80–0xA0 (`None`:
/// undefined).
const PDFDOC_LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
const PDFDOC_HIGH: [Option<char>; 33] = [
    Some('•'),
    Some('†'),
    Some('‡'),
    Some('…'),
    Some('—'),
    Some('–'),
    Some('ƒ'),
    Some('⁄'),
    Some('‹'),
    Some('›'),
    Some('−'),
    Some('‰'),
    Some('„'),
    Some('“'),
    Some('”'),
    Some('‘'),
    Some('’'),
    Some('‚'),
    Some('™'),
    Some('ﬁ'),
    Some('ﬂ'),
    Some('Ł'),
    Some('Œ'),
    Some('Š'),
    Some('Ÿ'),
    Some('Ž'),
    Some('ı'),
    Some('ł'),
    Some('œ'),
    Some('š'),
    Some('ž'),
    None,
    Some('€'),
];

/// Equal strings, or the same text encoded differently (PDFDocEncoding and UTF-16BE): a
/// writer may re-encode a text string it copies.
pub fn same_text(a: &[u8], b: &[u8]) -> bool {
    fn decode(s: &[u8]) -> Option<String> {
        if !s.starts_with(&[0xfe, 0xff]) {
            return s
                .iter()
                .map(|&b| match b {
                    0x18..=0x1f => Some(PDFDOC_LOW[(b - 0x18) as usize]),
                    0x7f | 0xad => None,
                    0x80..=0xa0 => PDFDOC_HIGH[(b - 0x80) as usize],
                    _ => Some(b as char),
                })
                .collect();
        }
        match s.strip_prefix(&[0xfe, 0xff]) {
            Some(units) if units.len() % 2 == 0 => String::from_utf16(
                &units
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect::<Vec<_>>(),
            )
            .ok(),
            _ => None,
        }
    }
    a == b || decode(a).is_some_and(|t| decode(b) == Some(t))
}

/// Whether two arrays hold the same values, in order.
pub fn same_array(x: &Array<'_>, y: &Array<'_>, depth: usize) -> bool {
    let (mut a, mut b) = (x.raw_iter(), y.raw_iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if same_value(&p, &q, depth + 1) => {}
            _ => return false,
        }
    }
}

/// The keys whose values differ between two dictionaries (present in one only included),
/// except `ignore`.
pub fn changed_keys(x: &Dict<'_>, y: &Dict<'_>, ignore: &[&str], depth: usize) -> Vec<String> {
    let a: BTreeMap<String, MaybeRef<Object<'_>>> =
        x.entries().map(|(k, v)| (key(&k), v)).collect();
    let b: BTreeMap<String, MaybeRef<Object<'_>>> =
        y.entries().map(|(k, v)| (key(&k), v)).collect();
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| !ignore.contains(&k.as_str()))
        .filter(|k| match (a.get(*k), b.get(*k)) {
            (Some(p), Some(q)) => !same_value(p, q, depth + 1),
            _ => true,
        })
        .cloned()
        .collect()
}

/// The dictionary of an object (a stream's own dictionary for a stream).
pub fn dict_of<'a>(doc: &'a PdfFile, r: ObjRef) -> Option<Dict<'a>> {
    match doc.object(r)? {
        Object::Dict(d) => Some(d),
        Object::Stream(s) => Some(s.dict().clone()),
        _ => None,
    }
}

/// A value, resolved if it is a reference.
pub fn resolve<'a>(doc: &'a PdfFile, v: MaybeRef<Object<'a>>) -> Option<Object<'a>> {
    match v {
        MaybeRef::Ref(r) => doc.object(r),
        MaybeRef::NotRef(o) => Some(o),
    }
}

/// The value of a dictionary key, resolved.
pub fn entry<'a>(doc: &'a PdfFile, d: &Dict<'a>, k: &str) -> Option<Object<'a>> {
    resolve(doc, d.get_raw::<Object<'_>>(k.as_bytes())?)
}

/// Whether a dictionary key holds a given name.
pub fn name_is(d: &Dict<'_>, k: &str, v: &str) -> bool {
    d.get::<Name<'_>>(k.as_bytes())
        .is_some_and(|n| n.as_ref() == v.as_bytes())
}

/// The items of an array value (inline or indirect).
pub fn items<'a>(doc: &'a PdfFile, d: &Dict<'a>, k: &str) -> Vec<MaybeRef<Object<'a>>> {
    match entry(doc, d, k) {
        Some(Object::Array(a)) => a.raw_iter().collect(),
        _ => Vec::new(),
    }
}

/// Every object reference reachable from `start` (itself included when it is one).
pub fn reachable(doc: &PdfFile, start: MaybeRef<Object<'_>>) -> BTreeSet<i32> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<(MaybeRef<Object<'_>>, usize)> = vec![(start, 0)];
    while let Some((v, depth)) = stack.pop() {
        if seen.len() >= MAX_WALK || depth > MAX_DEPTH {
            break;
        }
        let object = match v {
            MaybeRef::Ref(r) => {
                if !seen.insert(num(r)) {
                    continue;
                }
                match doc.object(r) {
                    Some(o) => o,
                    None => continue,
                }
            }
            MaybeRef::NotRef(o) => o,
        };
        match object {
            Object::Dict(d) => stack.extend(d.entries().map(|(_, v)| (v, depth + 1))),
            Object::Stream(s) => stack.extend(s.dict().entries().map(|(_, v)| (v, depth + 1))),
            Object::Array(a) => stack.extend(a.raw_iter().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_compare_by_text() {
        assert!(same_text(b"Annex", b"\xfe\xff\0A\0n\0n\0e\0x"));
        assert!(!same_text(b"Annex", b"\xfe\xff\0A\0n\0n\0e\0y"));
        assert!(
            same_text(b"\xe9\x85", b"\xfe\xff\0\xe9\x20\x13"),
            "é – in PDFDocEncoding"
        );
        assert!(
            !same_text(b"\x9f", b"\xfe\xff\0\x9f"),
            "undefined bytes never match"
        );
        assert!(
            !same_text(b"\xfe\xff\xd8\0", b"\xfe\xff\xd8\x01"),
            "invalid UTF-16 never matches"
        );
    }
}
