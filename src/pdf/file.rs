//! Reading annex PDFs (attachments, metadata, signature fields) with `hayro-syntax`, and
//! appending incremental updates to them by hand.
//!
//! Invariants:
//! - An update never changes a byte of what came before: objects are appended, followed by
//!   a classic cross-reference section and a trailer whose `/Prev` points at the previous
//!   one. Earlier signatures, which cover earlier revisions byte for byte, stay valid.
//! - Only files with classic cross-reference tables are updated (what Typst writes and what
//!   this module appends); anything else is refused with a clear message.
//! - No byte reaches the parser before [`guard`] has bounded its recursion (nesting,
//!   `/Kids` trees). Every walk of the object graph here carries a depth or a visited set.
//! - Stream data is decoded only by [`decode`], which stops at a size limit
//!   ([`MAX_ATTACHMENTS`], [`MAX_XMP`]): a small stream never inflates past it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use hayro_syntax::object::{Array, Dict, MaybeRef, Name, ObjRef, Object, Stream};
use hayro_syntax::Pdf;

use super::guard::{self, find};

/// Dictionary entries as (key without the slash, serialised value).
pub type Entries = Vec<(String, String)>;

/// A PDF parsed for reading.
pub struct PdfFile {
    pdf: Pdf,
}

/// One signature field and its value.
#[derive(Debug, Clone)]
pub struct SigField {
    /// The field's name (`/T`).
    pub name: String,
    /// `/ByteRange`: offset and length of the two signed ranges.
    pub byte_range: Vec<i64>,
    /// `/Contents`: the DER CMS blob (with its zero padding).
    pub contents: Vec<u8>,
    /// `/M`, the claimed signing time (PDF date string).
    pub time: Option<String>,
    /// `/Name`, the signer's name.
    pub signer: Option<String>,
    /// `/Reason`.
    pub reason: Option<String>,
    /// `/SubFilter`.
    pub sub_filter: Option<String>,
    /// The DocMDP permission (`P`, 1 to 3) when the signature certifies the document.
    pub docmdp: Option<i64>,
    /// Whether the value is a document timestamp (`/Type /DocTimeStamp`): its `/Contents`
    /// is an RFC 3161 token over the byte range, not a signature by anyone.
    pub doc_timestamp: bool,
}

/// A PDF text string's bytes as text.
pub fn text(bytes: &[u8]) -> String {
    // PDF text strings: UTF-16BE with a BOM, else (near enough) Latin-1.
    if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        bytes.iter().map(|&b| b as char).collect()
    }
}

impl PdfFile {
    /// Parses `bytes`, after [`guard::check_nesting`] and [`guard::check_trees`].
    pub fn open(bytes: &[u8]) -> Result<PdfFile, String> {
        guard::check_nesting(bytes)?;
        guard::check_trees(bytes)?;
        let pdf = Pdf::new(Arc::new(bytes.to_vec()))
            .map_err(|e| format!("not a readable PDF ({e:?})"))?;
        Ok(PdfFile { pdf })
    }

    /// An object by number (generation 0 first, then the one the reference names).
    pub fn object(&self, r: ObjRef) -> Option<Object<'_>> {
        self.pdf.xref().get::<Object<'_>>(r.into())
    }

    /// The document catalogue.
    pub fn catalog(&self) -> Option<Dict<'_>> {
        self.pdf.xref().get::<Dict<'_>>(self.pdf.xref().root_id())
    }

    /// The object number of the document catalog.
    pub fn root_ref(&self) -> ObjRef {
        self.pdf.xref().root_id().into()
    }

    /// The embedded files (`/Names /EmbeddedFiles`), by name, decoded: together at most
    /// [`MAX_ATTACHMENTS`] bytes, else an error naming the attachment that crossed it.
    pub fn attachments(&self) -> Result<BTreeMap<String, Vec<u8>>, String> {
        let mut out = BTreeMap::new();
        let Some(tree) = self
            .catalog()
            .and_then(|c| c.get::<Dict<'_>>(b"Names"))
            .and_then(|n| n.get::<Dict<'_>>(b"EmbeddedFiles"))
        else {
            return Ok(out);
        };
        let mut left = MAX_ATTACHMENTS;
        collect_names(&tree, &mut out, &mut left, 0)?;
        Ok(out)
    }

    /// The XMP metadata stream, decoded (at most [`MAX_XMP`] bytes, else an error).
    pub fn xmp(&self) -> Result<Option<Vec<u8>>, String> {
        let Some(stream) = self
            .catalog()
            .and_then(|c| c.get::<Stream<'_>>(b"Metadata"))
        else {
            return Ok(None);
        };
        decode(&stream, MAX_XMP)
            .map(Some)
            .map_err(|e| format!("the XMP metadata stream: {e}"))
    }

    /// The document's language, the catalogue's `/Lang` (`fr`, `en-GB`).
    pub fn lang(&self) -> Option<String> {
        self.catalog()?
            .get::<hayro_syntax::object::String<'_>>(b"Lang")
            .map(|s| text(s.as_bytes()))
    }

    /// The `/Info` keywords.
    pub fn info_keywords(&self) -> Option<String> {
        self.pdf.metadata().keywords.as_deref().map(text)
    }

    /// The signature fields with a value, in signing order (where their byte ranges end).
    pub fn signatures(&self) -> Vec<SigField> {
        let mut out = Vec::new();
        let Some(fields) = self
            .catalog()
            .and_then(|c| c.get::<Dict<'_>>(b"AcroForm"))
            .and_then(|f| f.get::<Array<'_>>(b"Fields"))
        else {
            return out;
        };
        for field in fields.iter::<Dict<'_>>() {
            let is_sig = field
                .get::<Name<'_>>(b"FT")
                .is_some_and(|n| n.as_str() == "Sig");
            let Some(value) = field.get::<Dict<'_>>(b"V") else {
                continue;
            };
            if !is_sig {
                continue;
            }
            let string = |d: &Dict<'_>, k: &[u8]| {
                d.get::<hayro_syntax::object::String<'_>>(k)
                    .map(|s| text(s.as_bytes()))
            };
            out.push(SigField {
                name: string(&field, b"T").unwrap_or_default(),
                byte_range: value
                    .get::<Array<'_>>(b"ByteRange")
                    .map(|a| a.iter::<f64>().map(|n| n as i64).collect())
                    .unwrap_or_default(),
                contents: value
                    .get::<hayro_syntax::object::String<'_>>(b"Contents")
                    .map(|s| s.as_bytes().to_vec())
                    .unwrap_or_default(),
                time: string(&value, b"M"),
                signer: string(&value, b"Name"),
                reason: string(&value, b"Reason"),
                sub_filter: value
                    .get::<Name<'_>>(b"SubFilter")
                    .map(|n| n.as_str().to_owned()),
                doc_timestamp: value
                    .get::<Name<'_>>(b"Type")
                    .is_some_and(|n| n.as_str() == "DocTimeStamp"),
                docmdp: value.get::<Array<'_>>(b"Reference").and_then(|refs| {
                    refs.iter::<Dict<'_>>()
                        .find(|r| {
                            r.get::<Name<'_>>(b"TransformMethod")
                                .is_some_and(|m| m.as_str() == "DocMDP")
                        })
                        .map(|r| {
                            r.get::<Dict<'_>>(b"TransformParams")
                                .and_then(|p| p.get::<f64>(b"P"))
                                .map_or(2, |p| p as i64)
                        })
                }),
            });
        }
        out.sort_by_key(|s| match s.byte_range.as_slice() {
            [_, _, b, c] => b.saturating_add(*c),
            _ => i64::MAX,
        });
        out
    }

    /// Every signature field of the form: reference, name (`/T`), whether it has a value.
    pub fn signature_fields(&self) -> Vec<(ObjRef, String, bool)> {
        let Some(fields) = self
            .catalog()
            .and_then(|c| c.get::<Dict<'_>>(b"AcroForm"))
            .and_then(|f| f.get::<Array<'_>>(b"Fields"))
        else {
            return Vec::new();
        };
        fields
            .raw_iter()
            .filter_map(|f| match f {
                MaybeRef::Ref(r) => Some(r),
                MaybeRef::NotRef(_) => None,
            })
            .filter_map(|r| {
                let field = self.pdf.xref().get::<Dict<'_>>(r.into())?;
                field
                    .get::<Name<'_>>(b"FT")
                    .is_some_and(|n| n.as_str() == "Sig")
                    .then(|| {
                        let name = field
                            .get::<hayro_syntax::object::String<'_>>(b"T")
                            .map(|s| text(s.as_bytes()))
                            .unwrap_or_default();
                        (r, name, field.contains_key(b"V"))
                    })
            })
            .collect()
    }

    /// The object references of the pages, in order, with their media box height.
    pub fn pages(&self) -> Vec<(ObjRef, f64)> {
        let mut out = Vec::new();
        if let Some(MaybeRef::Ref(r)) = self
            .catalog()
            .and_then(|c| c.get_raw::<Object<'_>>(b"Pages"))
        {
            self.walk_pages(r, 0.0, &mut out, 0);
        }
        out
    }

    fn walk_pages(&self, r: ObjRef, inherited: f64, out: &mut Vec<(ObjRef, f64)>, depth: usize) {
        let Some(node) = self.pdf.xref().get::<Dict<'_>>(r.into()) else {
            return;
        };
        let height = node
            .get::<Array<'_>>(b"MediaBox")
            .map(|a| a.iter::<f64>().collect::<Vec<_>>())
            .filter(|v| v.len() == 4)
            .map_or(inherited, |v| v[3] - v[1]);
        match node.get_raw::<Array<'_>>(b"Kids") {
            Some(_) if depth < 32 => {
                let kids = node.get::<Array<'_>>(b"Kids").expect("kids");
                for kid in kids.raw_iter() {
                    if let MaybeRef::Ref(k) = kid {
                        self.walk_pages(k, height, out, depth + 1);
                    }
                }
            }
            _ => out.push((r, height)),
        }
    }

    /// The entries of an indirect dictionary, serialised, except `skip`; plus the value of
    /// `array_key` as a list of serialised items (an array, inline or indirect).
    pub fn dict_entries(
        &self,
        r: ObjRef,
        skip: &[&str],
        array_key: &str,
    ) -> Option<(Entries, Vec<String>)> {
        let dict = self.pdf.xref().get::<Dict<'_>>(r.into())?;
        let mut entries = Vec::new();
        let mut items = Vec::new();
        for (key, value) in dict.entries() {
            let key = key.as_str().to_owned();
            if key == array_key {
                let array = match value {
                    MaybeRef::Ref(ar) => self.pdf.xref().get::<Array<'_>>(ar.into()),
                    MaybeRef::NotRef(Object::Array(a)) => Some(a),
                    _ => None,
                };
                if let Some(array) = array {
                    items.extend(array.raw_iter().map(|v| serialise(&v)));
                }
                continue;
            }
            if skip.contains(&key.as_str()) {
                continue;
            }
            entries.push((key, serialise(&value)));
        }
        Some((entries, items))
    }

    /// The `/Fields` of the existing `/AcroForm`, serialised.
    pub fn form_fields(&self) -> Vec<String> {
        self.catalog()
            .and_then(|c| c.get::<Dict<'_>>(b"AcroForm"))
            .and_then(|f| f.get::<Array<'_>>(b"Fields"))
            .map(|a| a.raw_iter().map(|v| serialise(&v)).collect())
            .unwrap_or_default()
    }
}

fn collect_names(
    node: &Dict<'_>,
    out: &mut BTreeMap<String, Vec<u8>>,
    left: &mut usize,
    depth: usize,
) -> Result<(), String> {
    if let Some(names) = node.get::<Array<'_>>(b"Names") {
        let mut it = names.flex_iter();
        while let Some(name) = it.next::<hayro_syntax::object::String<'_>>() {
            let Some(spec) = it.next::<Dict<'_>>() else {
                break;
            };
            let stream = spec
                .get::<Dict<'_>>(b"EF")
                .and_then(|ef| ef.get::<Stream<'_>>(b"F"));
            if let Some(stream) = stream {
                let name = text(name.as_bytes());
                let data = decode(&stream, *left).map_err(|e| {
                    format!(
                        "attachment {name}: {e} (all attachments together may decode to at most {} MiB)",
                        MAX_ATTACHMENTS >> 20
                    )
                })?;
                *left -= data.len();
                out.insert(name, data);
            }
        }
    }
    if depth < 16 {
        if let Some(kids) = node.get::<Array<'_>>(b"Kids") {
            for kid in kids.iter::<Dict<'_>>() {
                collect_names(&kid, out, left, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// The most bytes all attachments of a file may decode to, together.
pub const MAX_ATTACHMENTS: usize = 64 << 20;

/// The most bytes the XMP metadata stream may decode to.
pub const MAX_XMP: usize = 4 << 20;

/// A stream's data, decoded to at most `limit` bytes: inflation stops there, so a small
/// stream that would inflate to gigabytes costs `limit` bytes, not the machine.
/// `hayro-syntax` decodes without a limit, so only what can be bounded here is decoded:
/// unfiltered data and `/FlateDecode` without a predictor (what Typst, pyHanko and most
/// writers use for attachments and metadata); any other filter is refused by name.
pub fn decode(stream: &Stream<'_>, limit: usize) -> Result<Vec<u8>, String> {
    let dict = stream.dict();
    let filters: Vec<String> = match dict.get::<Object<'_>>(b"Filter") {
        None => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_str().to_owned()],
        Some(Object::Array(a)) => a
            .iter::<Name<'_>>()
            .map(|n| n.as_str().to_owned())
            .collect(),
        Some(_) => return Err("its /Filter is not a name".into()),
    };
    let predictor = dict
        .get::<Dict<'_>>(b"DecodeParms")
        .or_else(|| {
            dict.get::<Array<'_>>(b"DecodeParms")
                .and_then(|a| a.iter::<Dict<'_>>().next())
        })
        .and_then(|p| p.get::<i64>(b"Predictor"))
        .unwrap_or(1);
    let raw = stream.raw_data();
    let too_big = || format!("decodes to more than {limit} bytes");
    match filters.as_slice() {
        [] if raw.len() <= limit => Ok(raw.into_owned()),
        [] => Err(too_big()),
        [f] if (f == "FlateDecode" || f == "Fl") && predictor <= 1 => {
            use miniz_oxide::inflate::{self, TINFLStatus};
            inflate::decompress_to_vec_zlib_with_limit(&raw, limit)
                .or_else(|e| match e.status {
                    TINFLStatus::HasMoreOutput => Err(e),
                    // Some writers omit the zlib header: raw deflate, as hayro reads it.
                    _ => inflate::decompress_to_vec_with_limit(&raw, limit),
                })
                .map_err(|e| match e.status {
                    TINFLStatus::HasMoreOutput => too_big(),
                    s => format!("its /FlateDecode data is corrupt ({s:?})"),
                })
        }
        _ => Err(format!(
            "its filters /{} cannot be decoded within a size limit (only unfiltered or /FlateDecode without predictor)",
            filters.join(" /")
        )),
    }
}

/// A PDF object written back as PDF syntax (references stay references).
pub fn serialise(value: &MaybeRef<Object<'_>>) -> String {
    match value {
        MaybeRef::Ref(r) => format!("{} {} R", r.obj_number, r.gen_number),
        MaybeRef::NotRef(o) => serialise_object(o),
    }
}

fn serialise_object(o: &Object<'_>) -> String {
    match o {
        Object::Null(_) => "null".into(),
        Object::Boolean(b) => b.to_string(),
        Object::Number(n) => number(n.as_f64()),
        Object::String(s) => hex_string(s.as_bytes()),
        Object::Name(n) => name(n.as_str()),
        Object::Dict(d) => {
            let raw = d.data();
            if raw.starts_with(b"<<") {
                String::from_utf8_lossy(raw).into_owned()
            } else {
                format!("<<{}>>", String::from_utf8_lossy(raw))
            }
        }
        Object::Array(a) => {
            let items: Vec<String> = a.raw_iter().map(|v| serialise(&v)).collect();
            format!("[{}]", items.join(" "))
        }
        // Streams are always indirect: never inline in a dictionary we rewrite.
        Object::Stream(_) => "null".into(),
    }
}

/// A PDF number: integers without a fraction.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A PDF name with every irregular byte escaped.
pub fn name(n: &str) -> String {
    let mut out = String::from("/");
    for b in n.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.+*'!&:;,@$".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
    out
}

/// A PDF hex string.
pub fn hex_string(bytes: &[u8]) -> String {
    format!("<{}>", crate::digest::hex(bytes))
}

/// A PDF text string: PDFDocEncoding-safe ASCII as is, anything else as UTF-16BE.
pub fn text_string(s: &str) -> String {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        hex_string(s.as_bytes())
    } else {
        let mut bytes = vec![0xfe, 0xff];
        for unit in s.encode_utf16() {
            bytes.extend(unit.to_be_bytes());
        }
        hex_string(&bytes)
    }
}

/// The last trailer of a file with classic cross-reference sections.
#[derive(Debug, Clone)]
pub struct Trailer {
    /// `/Size`.
    pub size: i64,
    /// `/Root`, serialised.
    pub root: String,
    /// `/Info`, serialised.
    pub info: Option<String>,
    /// `/ID`, serialised.
    pub id: Option<String>,
    /// Offset of the last cross-reference section (`startxref`).
    pub startxref: usize,
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// Reads the last trailer; refuses files whose last section is a cross-reference stream.
pub fn last_trailer(bytes: &[u8]) -> Result<Trailer, String> {
    let sx = rfind(bytes, b"startxref").ok_or("no startxref: not a complete PDF")?;
    let tail = String::from_utf8_lossy(&bytes[sx + 9..]);
    let startxref: usize = tail
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or("unreadable startxref")?;
    if !bytes
        .get(startxref..)
        .is_some_and(|b| b.starts_with(b"xref"))
    {
        return Err(
            "the last cross-reference section is a stream; only PDFs made by annex can be signed"
                .into(),
        );
    }
    let tr = rfind(&bytes[..sx], b"trailer").ok_or("no trailer")?;
    let doc = PdfFile::open(bytes)?;
    let dict_text = String::from_utf8_lossy(&bytes[tr + 7..sx]).into_owned();
    let size = value_after(&dict_text, "/Size")
        .and_then(|v| v.parse().ok())
        .ok_or("trailer without /Size")?;
    let root = doc.root_ref();
    let info = value_after(&dict_text, "/Info");
    let id = dict_text.find("/ID").and_then(|i| {
        let rest = &dict_text[i + 3..];
        let start = rest.find('[')?;
        let end = rest.find(']')?;
        Some(rest[start..=end].to_owned())
    });
    Ok(Trailer {
        size,
        root: format!("{} {} R", root.obj_number, root.gen_number),
        info,
        id,
        startxref,
    })
}

/// The reference after `key` (`/Info`, `/Root`) in a trailer's text.
pub fn trailer_ref(trailer: &str, key: &str) -> Option<ObjRef> {
    let v = value_after(trailer, key)?;
    let mut it = v.split_whitespace();
    let (n, g) = (it.next()?.parse().ok()?, it.next()?.parse().ok()?);
    (it.next() == Some("R")).then(|| ObjRef::new(n, g))
}

/// The value after `key` in a small dictionary text: a number, or `n g R`.
fn value_after(dict: &str, key: &str) -> Option<String> {
    let i = dict.find(key)?;
    let rest = dict[i + key.len()..].trim_start();
    let tokens: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
        .filter(|t| !t.is_empty())
        .take(3)
        .collect();
    match tokens.as_slice() {
        [a, b, "R", ..] => Some(format!("{a} {b} R")),
        [a, ..] => Some((*a).to_owned()),
        _ => None,
    }
}

/// The most revisions a file may have for [`sections`] to read it.
pub const MAX_REVISIONS: usize = 256;

/// One revision's classic cross-reference section.
#[derive(Debug, Clone)]
pub struct Section {
    /// Offset of its `xref` keyword.
    pub xref: usize,
    /// Where the revision ends: just after its `%%EOF` line.
    pub end: usize,
    /// (object number, generation, in use) of every entry.
    pub entries: Vec<(i64, i64, bool)>,
    /// The trailer dictionary, as written.
    pub trailer: String,
}

/// The cross-reference sections of a file, oldest first, found by following `/Prev` from
/// the last `startxref` (not by looking for `%%EOF`, which an attachment may contain).
/// Refuses cross-reference streams, hybrid files and more than [`MAX_REVISIONS`] sections.
pub fn sections(bytes: &[u8]) -> Result<Vec<Section>, String> {
    let sx = rfind(bytes, b"startxref").ok_or("no startxref: not a complete PDF")?;
    let mut at = startxref_value(bytes, sx).ok_or("unreadable startxref")?;
    let mut out: Vec<Section> = Vec::new();
    loop {
        if out.len() == MAX_REVISIONS {
            return Err(format!("more than {MAX_REVISIONS} revisions"));
        }
        if out.last().is_some_and(|s| at >= s.xref) {
            return Err(format!("a /Prev at byte {at} does not point backwards"));
        }
        let section = section_at(bytes, at)?;
        let prev = value_after(&section.trailer, "/Prev").map(|p| p.parse::<usize>());
        out.push(section);
        match prev {
            None => break,
            Some(Ok(p)) => at = p,
            Some(Err(_)) => return Err("unreadable /Prev".into()),
        }
    }
    out.reverse();
    Ok(out)
}

fn startxref_value(bytes: &[u8], sx: usize) -> Option<usize> {
    let tail = bytes.get(sx + 9..(sx + 40).min(bytes.len()))?;
    String::from_utf8_lossy(tail)
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn section_at(bytes: &[u8], at: usize) -> Result<Section, String> {
    let rest = bytes
        .get(at..)
        .filter(|b| b.starts_with(b"xref"))
        .ok_or_else(|| {
            format!("the cross-reference section at byte {at} is a stream or missing; only classic tables are read")
        })?;
    let tr = find(rest, b"trailer").ok_or_else(|| format!("no trailer after byte {at}"))?;
    let sx = find(&rest[tr..], b"startxref")
        .map(|p| tr + p)
        .ok_or_else(|| format!("no startxref after byte {at}"))?;
    let eof = find(&rest[sx..], b"%%EOF")
        .map(|p| sx + p + 5)
        .ok_or_else(|| format!("no %%EOF after byte {at}"))?;
    let mut end = at + eof;
    while end < bytes.len() && (bytes[end] == b'\r' || bytes[end] == b'\n') {
        end += 1;
    }
    let trailer = String::from_utf8_lossy(&rest[tr + 7..sx]).into_owned();
    if trailer.contains("/XRefStm") || trailer.contains("/Encrypt") {
        return Err(format!(
            "the trailer at byte {} names a cross-reference stream or encryption",
            at + tr
        ));
    }
    let table = String::from_utf8_lossy(&rest[4..tr]).into_owned();
    let mut tokens = table.split_whitespace();
    let mut entries = Vec::new();
    let bad = || format!("unreadable cross-reference section at byte {at}");
    while let Some(first) = tokens.next() {
        let start: i64 = first.parse().map_err(|_| bad())?;
        let count: usize = tokens.next().and_then(|t| t.parse().ok()).ok_or_else(bad)?;
        if count > table.len() / 18 + 1 {
            return Err(bad());
        }
        for k in 0..count {
            let (_, g, t) = (tokens.next(), tokens.next(), tokens.next());
            let gen: i64 = g.and_then(|g| g.parse().ok()).ok_or_else(bad)?;
            let in_use = match t {
                Some("n") => true,
                Some("f") => false,
                _ => return Err(bad()),
            };
            entries.push((start + k as i64, gen, in_use));
        }
    }
    Ok(Section {
        xref: at,
        end,
        entries,
        trailer,
    })
}

/// Where each revision ends (just after its `%%EOF` line), oldest first: the revisions
/// of [`sections`], so `verify`'s signature coverage, its rebuild of the first revision and
/// the revision analysis count the same revisions.
pub fn revision_ends(bytes: &[u8]) -> Result<Vec<usize>, String> {
    Ok(sections(bytes)?.iter().map(|s| s.end).collect())
}

/// Appends an incremental update with `objects` (number → body, without `obj`/`endobj`).
pub fn append_update(bytes: &[u8], objects: &BTreeMap<i64, Vec<u8>>, trailer: &Trailer) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets = BTreeMap::new();
    for (num, body) in objects {
        offsets.insert(*num, out.len());
        out.extend(format!("{num} 0 obj\n").as_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    let mut section = String::from("xref\n");
    // One subsection per run of consecutive numbers.
    let nums: Vec<i64> = offsets.keys().copied().collect();
    let mut i = 0;
    while i < nums.len() {
        let mut j = i;
        while j + 1 < nums.len() && nums[j + 1] == nums[j] + 1 {
            j += 1;
        }
        let _ = writeln!(section, "{} {}", nums[i], j - i + 1);
        for n in &nums[i..=j] {
            let _ = write!(section, "{:010} 00000 n\r\n", offsets[n]);
        }
        i = j + 1;
    }
    let size = trailer.size.max(nums.last().map_or(0, |n| n + 1));
    let _ = write!(section, "trailer\n<</Size {size}/Root {}", trailer.root);
    if let Some(info) = &trailer.info {
        let _ = write!(section, "/Info {info}");
    }
    if let Some(id) = &trailer.id {
        let _ = write!(section, "/ID{id}");
    }
    let _ = write!(
        section,
        "/Prev {}>>\nstartxref\n{xref}\n%%EOF\n",
        trailer.startxref
    );
    out.extend(section.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_are_pdf_syntax() {
        assert_eq!(name("AcroForm"), "/AcroForm");
        assert_eq!(name("a b"), "/a#20b");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(text_string("é"), "<feff00e9>");
    }

    #[test]
    fn trailer_values_are_read() {
        let t = "\n<</Size 632/Root 631 0 R/Info 629 0 R/ID[(a)(b)]>>\n";
        assert_eq!(value_after(t, "/Size").as_deref(), Some("632"));
        assert_eq!(value_after(t, "/Info").as_deref(), Some("629 0 R"));
    }
}
