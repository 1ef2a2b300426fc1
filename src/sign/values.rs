//! Sign stage (part of [`super::revisions`]): PDF values compared by what they mean, not
//! by their bytes (references by number, numbers as numbers, text strings by text, stream
//! data as stored), and the small bounded walks the revision analysis needs; what a
//! signer's housekeeping may write in the catalogue (`/Extensions` levels, a raised
//! `/Version`).
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

/// The XMP properties that say what the document is: a signer may rewrite the packet
/// (new modification date, producer, its own prefixes and layout) but never change these.
/// (namespace URI, local name, as messages name it).
pub const XMP_IDENTITY: [(&str, &str, &str); 7] = [
    ("http://purl.org/dc/elements/1.1/", "title", "dc:title"),
    (
        "http://purl.org/dc/elements/1.1/",
        "description",
        "dc:description",
    ),
    ("http://purl.org/dc/elements/1.1/", "creator", "dc:creator"),
    ("http://ns.adobe.com/pdf/1.3/", "Keywords", "pdf:Keywords"),
    ("http://www.aiim.org/pdfa/ns/id/", "part", "pdfaid:part"),
    (
        "http://www.aiim.org/pdfa/ns/id/",
        "conformance",
        "pdfaid:conformance",
    ),
    ("http://www.aiim.org/pdfua/ns/id/", "part", "pdfuaid:part"),
];

/// The identity properties ([`XMP_IDENTITY`]) of an XMP packet, by value: read by
/// namespace, not prefix, from the top-level `rdf:Description`s, in either form (an
/// attribute, or an element whose value is its text or its `rdf:li` items, each with its
/// `xml:lang`). Fails when the packet is not well-formed XML without a DTD, has no
/// `rdf:RDF`, or holds none of the properties: then nothing can be compared confidently.
pub fn xmp_identity(packet: &[u8]) -> Result<BTreeMap<&'static str, Vec<String>>, String> {
    const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    const XML: &str = "http://www.w3.org/XML/1998/namespace";
    let text = std::str::from_utf8(packet).map_err(|_| "not UTF-8".to_owned())?;
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("not readable XML ({e})"))?;
    let rdf = doc
        .descendants()
        .find(|n| n.has_tag_name((RDF, "RDF")))
        .ok_or("no rdf:RDF element")?;
    let content = |n: roxmltree::Node<'_, '_>| -> String {
        n.descendants()
            .filter(|d| d.is_text())
            .filter_map(|d| d.text())
            .collect::<String>()
            .trim()
            .to_owned()
    };
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for desc in rdf
        .children()
        .filter(|n| n.has_tag_name((RDF, "Description")))
    {
        for (ns, local, label) in XMP_IDENTITY {
            for a in desc.attributes() {
                if a.namespace() == Some(ns) && a.name() == local {
                    out.entry(label)
                        .or_default()
                        .push(a.value().trim().to_owned());
                }
            }
            for prop in desc.children().filter(|n| n.has_tag_name((ns, local))) {
                let values = out.entry(label).or_default();
                let items: Vec<_> = prop
                    .descendants()
                    .filter(|n| n.has_tag_name((RDF, "li")))
                    .collect();
                if items.is_empty() {
                    values.push(content(prop));
                }
                for li in items {
                    let lang = li.attribute((XML, "lang")).unwrap_or("");
                    values.push(format!("[{lang}] {}", content(li)));
                }
            }
        }
    }
    if out.is_empty() {
        return Err(
            "none of dc:title, dc:description, dc:creator, pdf:Keywords, pdfaid:part".into(),
        );
    }
    Ok(out)
}

/// The identity properties whose values differ between two XMP packets.
pub fn xmp_changes(old: &[u8], new: &[u8]) -> Result<Vec<&'static str>, String> {
    let (a, b) = (xmp_identity(old)?, xmp_identity(new)?);
    Ok(XMP_IDENTITY
        .iter()
        .map(|(_, _, label)| *label)
        .filter(|l| a.get(l) != b.get(l))
        .collect())
}

/// The keys a developer-extension dictionary in the catalogue's `/Extensions` may have.
const EXTENSION_KEYS: [&str; 5] = [
    "Type",
    "BaseVersion",
    "ExtensionLevel",
    "ExtensionRevision",
    "URL",
];

/// Whether the catalogue's `/Extensions` only declares extension levels: direct
/// dictionaries (or arrays of them) with [`EXTENSION_KEYS`] only, no references.
pub fn extensions(catalogue: &Dict<'_>) -> Result<(), String> {
    let bad = || Err("is not a direct dictionary of extension levels".to_owned());
    let Some(MaybeRef::NotRef(Object::Dict(ext))) = catalogue.get_raw::<Object<'_>>(b"Extensions")
    else {
        return bad();
    };
    let plain = |v: &MaybeRef<Object<'_>>| {
        matches!(
            v,
            MaybeRef::NotRef(Object::Name(_) | Object::Number(_) | Object::String(_))
        )
    };
    let level = |d: &Dict<'_>| {
        d.entries()
            .all(|(k, v)| EXTENSION_KEYS.contains(&key(&k).as_str()) && plain(&v))
    };
    for (_, v) in ext.entries() {
        let ok = match v {
            MaybeRef::NotRef(Object::Dict(d)) => level(&d),
            MaybeRef::NotRef(Object::Array(a)) => a
                .raw_iter()
                .all(|x| matches!(x, MaybeRef::NotRef(Object::Dict(d)) if level(&d))),
            _ => false,
        };
        if !ok {
            return bad();
        }
    }
    Ok(())
}

/// The PDF versions a catalogue's `/Version` may name (ISO 32000-2, 7.7.2).
const PDF_VERSIONS: [(u8, u8); 9] = [
    (1, 0),
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 7),
    (2, 0),
];

/// A PDF version written `M.m` (the header's `%PDF-M.m`, or a `/Version` name), if it is one
/// of [`PDF_VERSIONS`].
fn parse_version(s: &[u8]) -> Option<(u8, u8)> {
    match s {
        [major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit() => {
            Some((major - b'0', minor - b'0')).filter(|v| PDF_VERSIONS.contains(v))
        }
        _ => None,
    }
}

/// The version the file's header declares (`%PDF-1.7`).
pub fn header_version(bytes: &[u8]) -> Option<(u8, u8)> {
    bytes
        .strip_prefix(b"%PDF-")
        .and_then(|rest| rest.get(..3))
        .and_then(parse_version)
}

/// Whether a catalogue's new `/Version` only raises the version the reader assumes: a name
/// of a known version, at least the header's and any earlier `/Version`. pyHanko 0.38
/// raises it to 2.0 when it countersigns a PDF 1.7 file. Raising it adds no content and
/// changes no object, so it cannot change what is shown or signed; lowering it, or any
/// other value, could make a reader interpret the same objects otherwise, and is a
/// violation. Returns the new version, for the report.
pub fn version_raised(
    old: &Dict<'_>,
    new: &Dict<'_>,
    header: Option<(u8, u8)>,
) -> Result<String, String> {
    let read = |d: &Dict<'_>| -> Result<Option<(u8, u8)>, String> {
        match d.get_raw::<Object<'_>>(b"Version") {
            None => Ok(None),
            Some(MaybeRef::NotRef(Object::Name(n))) => parse_version(n.as_ref())
                .map(Some)
                .ok_or_else(|| format!("/{} is no PDF version", key(&n))),
            Some(_) => Err("is not a direct name".into()),
        }
    };
    let was = read(old)?;
    let Some(now) = read(new)? else {
        return Err("is removed".into());
    };
    let floor = header.ok_or("the file's header declares no known PDF version")?;
    let floor = was.map_or(floor, |w| w.max(floor));
    if now < floor {
        return Err(format!(
            "lowers the version to {}.{} (below {}.{})",
            now.0, now.1, floor.0, floor.1
        ));
    }
    Ok(format!("{}.{}", now.0, now.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xmp_identity_is_read_by_namespace_in_either_form() {
        let typst = br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Annex B</rdf:li></rdf:Alt></dc:title><pdf:Keywords>k, annex-fingerprint:ab</pdf:Keywords><pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance><xmp:ModifyDate xmlns:xmp="http://ns.adobe.com/xap/1.0/">2027-01-15</xmp:ModifyDate></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>"#;
        let rewritten = br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:ns1="http://ns.adobe.com/pdf/1.3/" xmlns:ns2="http://www.aiim.org/pdfa/ns/id/" ns1:Keywords="k, annex-fingerprint:ab" ns2:part="3" ns2:conformance="B" ns1:Producer="other" rdf:about=""><d:title xmlns:d="http://purl.org/dc/elements/1.1/"><rdf:Alt><rdf:li xml:lang="x-default">Annex B</rdf:li></rdf:Alt></d:title></rdf:Description>
</rdf:RDF></x:xmpmeta><?xpacket end="r"?>"#;
        assert_eq!(xmp_changes(typst, rewritten), Ok(vec![]));
        let retitled = String::from_utf8_lossy(rewritten).replace(">Annex B<", ">Annex C<");
        assert_eq!(
            xmp_changes(typst, retitled.as_bytes()),
            Ok(vec!["dc:title"])
        );
        let relang = String::from_utf8_lossy(rewritten).replace("x-default", "de");
        assert_eq!(xmp_changes(typst, relang.as_bytes()), Ok(vec!["dc:title"]));
        let no_part = String::from_utf8_lossy(rewritten).replace(r#"ns2:part="3""#, "");
        assert_eq!(
            xmp_changes(typst, no_part.as_bytes()),
            Ok(vec!["pdfaid:part"])
        );
        // What the file declares itself accessible as is identity too (#18).
        let ua = String::from_utf8_lossy(rewritten).replace(
            r#"ns1:Producer="other""#,
            r#"ns1:Producer="other" xmlns:ua="http://www.aiim.org/pdfua/ns/id/" ua:part="1""#,
        );
        assert_eq!(xmp_changes(typst, ua.as_bytes()), Ok(vec!["pdfuaid:part"]));
        assert_eq!(xmp_changes(ua.as_bytes(), ua.as_bytes()), Ok(vec![]));
        assert!(xmp_changes(typst, b"<x>not xmp</x>").is_err());
        assert!(xmp_changes(typst, b"<!DOCTYPE x [<!ENTITY a \"b\">]><x/>").is_err());
    }

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
