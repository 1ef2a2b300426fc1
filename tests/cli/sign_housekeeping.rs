//! What another signer updates besides its signature (#11 item 1, follow-up): `/Info`
//! ModDate and Producer, the catalogue's `/Extensions` and an XMP rewrite that keeps the
//! document's identity pass `verify` as housekeeping; any other change to them fails,
//! naming the revision and the object. And decompression bombs are refused by size.

use super::sign::{countersign_raw, customer_key, dict, signed_once, stdout, update, verify};
use super::*;

use std::collections::BTreeMap;

use annex::pdf::file::{self, PdfFile};

/// The update another signer's tool writes before (or with) its signature: `/Info` with a
/// new ModDate and Producer, the catalogue with `/Extensions`, and the XMP packet
/// re-serialised (other prefixes and layout, a new modification date) with `retitle`
/// applied to it.
fn housekeeping(bytes: &[u8], retitle: Option<&str>) -> (Vec<u8>, i64) {
    let doc = PdfFile::open(bytes).unwrap();
    let trailer = file::last_trailer(bytes).unwrap();
    let num = |s: &str| s.split_whitespace().next().unwrap().parse::<i64>().unwrap();
    let info = trailer.info.as_deref().map(num).unwrap();
    let root = doc.root_ref();
    let (info_entries, _) = doc
        .dict_entries(
            hayro_syntax::object::ObjRef::new(info as i32, 0),
            &["ModDate", "Producer"],
            "",
        )
        .unwrap();
    let (cat, _) = doc.dict_entries(root, &[], "").unwrap();
    let metadata = cat
        .iter()
        .find(|(k, _)| k == "Metadata")
        .map(|(_, v)| num(v))
        .unwrap();
    let xmp = String::from_utf8(doc.xmp().unwrap().unwrap()).unwrap();
    let title = "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">";
    assert!(xmp.contains(title), "{xmp}");
    let mut rewritten = xmp
        .replace(
            "<dc:title>",
            "\n  <d:title xmlns:d=\"http://purl.org/dc/elements/1.1/\">",
        )
        .replace("</dc:title>", "</d:title>\n  ")
        .replace("<xmp:ModifyDate>2027", "<xmp:ModifyDate>2028");
    if let Some(t) = retitle {
        let at = rewritten.find("xml:lang=\"x-default\">").unwrap() + 21;
        let end = at + rewritten[at..].find('<').unwrap();
        rewritten.replace_range(at..end, t);
    }
    let stream = format!(
        "<</Type/Metadata/Subtype/XML/Length {}>>stream\n{rewritten}\nendstream",
        rewritten.len()
    );
    let out = update(
        bytes,
        BTreeMap::from([
            (
                info,
                dict(
                    &info_entries,
                    "/ModDate(D:20280101000000Z)/Producer(another signer 1.0)",
                ),
            ),
            (
                root.obj_number as i64,
                dict(
                    &cat,
                    "/Extensions<</ESIC<</Type/DeveloperExtensions/BaseVersion/1.7/ExtensionLevel 1>>>>",
                ),
            ),
            (metadata, stream.into_bytes()),
        ]),
    );
    (out, metadata)
}

/// An honest countersignature from another tool updates /Info, /Extensions and the XMP:
/// verify accepts it and says so; `annex sign` countersigns over it too. The same update
/// with another dc:title in the XMP fails, naming the revision and the object.
#[test]
fn housekeeping_by_another_signer_passes_and_a_changed_xmp_title_fails() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = signed_once(dir.path());
    let once = std::fs::read(&pdf).unwrap();
    let (key, cert) = customer_key();

    let (kept, _) = housekeeping(&once, None);
    let path = dir.path().join("kept.pdf");
    std::fs::write(&path, countersign_raw(&kept, &key, &cert)).unwrap();
    let out = verify(dir.path(), &path);
    assert!(out.status.success(), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains(
            "ok      revision 3 (after signature 1) adds nothing that changes the document"
        ),
        "{report}"
    );
    for what in ["/Info ModDate, Producer", "the XMP metadata", "/Extensions"] {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("ok      revision 3 also updates") && l.contains(what)),
            "{what}\n{report}"
        );
    }
    // `annex sign` signs over housekeeping too (it is no change to the document).
    std::fs::write(&path, &kept).unwrap();
    let out = super::sign::sign(dir.path(), &path, "customer");
    assert!(out.status.success(), "{}", show(&out));
    let out = verify(dir.path(), &path);
    assert!(out.status.success(), "{}", show(&out));

    let (retitled, metadata) = housekeeping(&once, Some("Annex C – another document"));
    let path = dir.path().join("retitled.pdf");
    std::fs::write(&path, countersign_raw(&retitled, &key, &cert)).unwrap();
    let out = verify(dir.path(), &path);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains(&format!(
            "FAILED  revision 3 (after signature 1) changes object {metadata} 0 (XMP metadata: dc:title)"
        )),
        "{report}"
    );
    // ...and `annex sign` refuses to sign over it.
    std::fs::write(dir.path().join("retitled-unsigned.pdf"), &retitled).unwrap();
    let out = super::sign::sign(
        dir.path(),
        &dir.path().join("retitled-unsigned.pdf"),
        "customer",
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refusing to sign: revision 3 "),
        "{}",
        show(&out)
    );
}

/// A stream whose `/FlateDecode` data inflates to `size` zero bytes (a few dozen KiB).
fn bomb(dict: &str, size: usize) -> Vec<u8> {
    let data = miniz_oxide::deflate::compress_to_vec_zlib(&vec![0u8; size], 6);
    let mut out = format!(
        "<<{dict}/Filter/FlateDecode/Length {}>>stream\n",
        data.len()
    )
    .into_bytes();
    out.extend(data);
    out.extend(b"\nendstream");
    out
}

/// #11 item 1 (B): an attachment or XMP packet that inflates past its limit (64 MiB for
/// all attachments, 4 MiB for the XMP) makes `verify` fail naming the stream, and `sign`
/// refuse, without inflating it all.
#[test]
fn decompression_bombs_are_refused_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(dir.path(), &["render", "--profile", &profile, "--final"]);
    assert!(out.status.success(), "{}", show(&out));
    let pdf = dir.path().join("output/nordwind-annex.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    let doc = PdfFile::open(&bytes).unwrap();
    let (cat, _) = doc.dict_entries(doc.root_ref(), &[], "").unwrap();
    let metadata: i64 = cat
        .iter()
        .find(|(k, _)| k == "Metadata")
        .map(|(_, v)| v.split_whitespace().next().unwrap().parse().unwrap())
        .unwrap();
    let embedded = {
        let marker = b"/Type/EmbeddedFile";
        let at = bytes
            .windows(marker.len())
            .position(|w| w == marker)
            .unwrap();
        let head = String::from_utf8_lossy(&bytes[at.saturating_sub(40)..at]).into_owned();
        let head = head.rsplit_once(" 0 obj").unwrap().0;
        head.rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let cases = [
        (
            "attachment",
            embedded,
            bomb("/Type/EmbeddedFile", (64 << 20) + 1),
            "FAILED  attachment matrix.json: decodes to more than",
        ),
        (
            "xmp",
            metadata,
            bomb("/Type/Metadata/Subtype/XML", (4 << 20) + 1),
            "FAILED  the XMP metadata stream: decodes to more than 4194304 bytes",
        ),
    ];
    for (what, num, body, expected) in cases {
        let path = dir.path().join(format!("{what}-bomb.pdf"));
        std::fs::write(&path, update(&bytes, BTreeMap::from([(num, body)]))).unwrap();
        let out = annex(dir.path(), &["verify", &path.display().to_string()]);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", show(&out));
        assert!(stdout(&out).contains(expected), "{what}: {}", show(&out));
        if what == "attachment" {
            let out = super::sign::sign(dir.path(), &path, "provider");
            assert_eq!(out.status.code(), Some(1), "{what}: {}", show(&out));
            assert!(
                String::from_utf8_lossy(&out.stderr)
                    .contains("attachment matrix.json: decodes to more than"),
                "{what}: {}",
                show(&out)
            );
        }
    }
}

/// #11 item 1 (C): verify counts the revisions the analysis follows (`/Prev`), not every
/// `%%EOF` in the bytes: validation data whose certificate stream contains "%%EOF" is one
/// revision, and the countersignature after it covers revisions 1 to 4.
#[test]
fn a_stream_containing_eof_is_no_revision() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = signed_once(dir.path());
    let once = std::fs::read(&pdf).unwrap();
    let doc = PdfFile::open(&once).unwrap();
    let size = file::last_trailer(&once).unwrap().size;
    let root = doc.root_ref();
    let (entries, _) = doc.dict_entries(root, &[], "").unwrap();
    let data = b"not a certificate\n%%EOF\n";
    let mut stream = format!("<</Length {}>>stream\n", data.len()).into_bytes();
    stream.extend(data);
    stream.extend(b"\nendstream");
    let dss = update(
        &once,
        BTreeMap::from([
            (
                root.obj_number as i64,
                dict(&entries, &format!("/DSS {size} 0 R")),
            ),
            (size, format!("<</Certs[{} 0 R]>>", size + 1).into_bytes()),
            (size + 1, stream),
        ]),
    );
    std::fs::write(&pdf, &dss).unwrap();
    let out = super::sign::sign(dir.path(), &pdf, "customer");
    assert!(out.status.success(), "{}", show(&out));
    let out = verify(dir.path(), &pdf);
    assert!(out.status.success(), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains("ok      PDF structure: readable; 4 revision(s), 2 signature(s)"),
        "{report}"
    );
    assert!(
        report.lines().any(
            |l| l.starts_with("ok      signature 2 (") && l.contains("covers revisions 1 to 4")
        ),
        "{report}"
    );
    assert!(
        report.contains(
            "ok      revision 3 (after signature 1) adds validation data (/DSS), nothing else"
        ),
        "{report}"
    );
}

/// The catalogue's `/Version` written again by another signer (#24: pyHanko 0.38 raises it
/// to 2.0 when it countersigns with an ECDSA key): raising it is housekeeping; lowering it
/// below the header's, or a value that is no PDF version, fails naming the object.
#[test]
fn a_raised_catalogue_version_is_housekeeping_a_lowered_one_fails() {
    let d = tempfile::tempdir().unwrap();
    let pdf = signed_once(d.path());
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-1.7"));
    let doc = PdfFile::open(&bytes).unwrap();
    let root = doc.root_ref();
    let (cat, _) = doc.dict_entries(root, &["Version"], "").unwrap();
    let (key, cert) = customer_key();
    for (version, ok, says) in [
        ("/2.0", true, "the catalogue's /Version (raised to 2.0)"),
        ("/1.7", true, "the catalogue's /Version (raised to 1.7)"),
        (
            "/1.4",
            false,
            "(document catalogue: /Version lowers the version to 1.4 (below 1.7))",
        ),
        (
            "/9.9",
            false,
            "(document catalogue: /Version /9.9 is no PDF version)",
        ),
        (
            "(2.0)",
            false,
            "(document catalogue: /Version is not a direct name)",
        ),
    ] {
        let changed = update(
            &bytes,
            BTreeMap::from([(
                root.obj_number as i64,
                dict(&cat, &format!("/Version {version}")),
            )]),
        );
        let signed = countersign_raw(&changed, &key, &cert);
        std::fs::write(d.path().join("v.pdf"), &signed).unwrap();
        let out = verify(d.path(), &d.path().join("v.pdf"));
        let report = stdout(&out);
        assert_eq!(out.status.success(), ok, "{version}\n{}", show(&out));
        assert!(report.contains(says), "{version}: {says}\n{report}");
    }
}
