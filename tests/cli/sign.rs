//! Trust under attack (#11): changes between signatures, concurrent signers, crafted PDFs,
//! weak keys. Every tampered file is built here with the library's `append_update`; the
//! countersignature over a tampered file is made by [`countersign_raw`] (what another
//! tool would do), since `annex sign` refuses to make it.

use super::*;

use std::collections::BTreeMap;

use annex::pdf::file::{self, PdfFile};
use annex::sign::cms;
use sha2::Digest as _;

/// The test PKI of `tests/fixtures/seal-test-pki`: (key, cert) of the two signatories.
fn pki(name: &str) -> (String, String) {
    let dir = fixture("seal-test-pki");
    (
        dir.join(format!("TEST-ONLY-{name}.key.pem"))
            .display()
            .to_string(),
        dir.join(format!("TEST-ONLY-{name}.cert.pem"))
            .display()
            .to_string(),
    )
}

pub(super) fn ca() -> String {
    fixture("seal-test-pki/TEST-ONLY-ca.pem")
        .display()
        .to_string()
}

pub(super) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(super) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Renders nordwind's final annex into `dir/output` and signs it once (Marek Nowak).
pub(super) fn signed_once(dir: &Path) -> PathBuf {
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(dir, &["render", "--profile", &profile, "--final"]);
    assert!(out.status.success(), "{}", show(&out));
    let pdf = dir.join("output/nordwind-annex.pdf");
    let out = sign(dir, &pdf, "provider");
    assert!(out.status.success(), "{}", show(&out));
    pdf
}

pub(super) fn sign(dir: &Path, pdf: &Path, who: &str) -> Output {
    let (key, cert) = pki(who);
    annex(
        dir,
        &[
            "sign",
            &pdf.display().to_string(),
            "--sign-key",
            &key,
            "--sign-cert",
            &cert,
            "--sign-chain",
            &ca(),
        ],
    )
}

pub(super) fn verify(dir: &Path, pdf: &Path) -> Output {
    annex(
        dir,
        &["verify", &pdf.display().to_string(), "--trust", &ca()],
    )
}

/// Writes `bytes` to `name` in `dir` and verifies it.
fn verify_bytes_cli(dir: &Path, name: &str, bytes: &[u8]) -> Output {
    std::fs::write(dir.join(name), bytes).unwrap();
    verify(dir, &dir.join(name))
}

/// The first object number of `bytes` whose body starts with `marker`.
fn object_with(bytes: &[u8], marker: &[u8]) -> i64 {
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("marker");
    let head = String::from_utf8_lossy(&bytes[at.saturating_sub(40)..at]).into_owned();
    head.rsplit_once(" 0 obj")
        .unwrap()
        .0
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// An update that writes `objects`, new numbers taken from `/Size`.
pub(super) fn update(bytes: &[u8], objects: BTreeMap<i64, Vec<u8>>) -> Vec<u8> {
    let trailer = file::last_trailer(bytes).unwrap();
    file::append_update(bytes, &objects, &trailer)
}

fn page_one(bytes: &[u8]) -> (i64, Vec<(String, String)>, Vec<String>) {
    let doc = PdfFile::open(bytes).unwrap();
    let (page, _) = doc.pages()[0];
    let (entries, annots) = doc.dict_entries(page, &[], "Annots").unwrap();
    (page.obj_number as i64, entries, annots)
}

pub(super) fn dict(entries: &[(String, String)], extra: &str) -> Vec<u8> {
    let mut s = String::from("<<");
    for (k, v) in entries {
        s.push_str(&file::name(k));
        s.push(' ');
        s.push_str(v);
    }
    s.push_str(extra);
    s.push_str(">>");
    s.into_bytes()
}

/// A red box drawn over page 1, in a new content stream.
fn red_box(bytes: &[u8]) -> Vec<u8> {
    let size = file::last_trailer(bytes).unwrap().size;
    let (page, entries, _) = page_one(bytes);
    let contents = entries
        .iter()
        .find(|(k, _)| k == "Contents")
        .map(|(_, v)| v.clone())
        .unwrap();
    let rest: Vec<(String, String)> = entries
        .into_iter()
        .filter(|(k, _)| k != "Contents")
        .collect();
    let draw = "1 0 0 rg 50 500 400 200 re f";
    update(
        bytes,
        BTreeMap::from([
            (
                page,
                dict(
                    &rest,
                    &format!(
                        "/Contents[{} {size} 0 R]",
                        contents.trim_matches(['[', ']'])
                    ),
                ),
            ),
            (
                size,
                format!("<</Length {}>>stream\n{draw}\nendstream", draw.len()).into_bytes(),
            ),
        ]),
    )
}

/// A FreeText annotation over page 1.
fn free_text(bytes: &[u8]) -> Vec<u8> {
    let size = file::last_trailer(bytes).unwrap().size;
    let (page, entries, mut annots) = page_one(bytes);
    annots.push(format!("{size} 0 R"));
    update(
        bytes,
        BTreeMap::from([
            (
                page,
                dict(&entries, &format!("/Annots[{}]", annots.join(" "))),
            ),
            (
                size,
                b"<</Type/Annot/Subtype/FreeText/Rect[50 500 450 700]/Contents(Void)/DA(/Helv 12 Tf)>>"
                    .to_vec(),
            ),
        ]),
    )
}

/// The first attachment's data replaced.
fn swapped_attachment(bytes: &[u8]) -> Vec<u8> {
    let num = object_with(bytes, b"/Type/EmbeddedFile");
    let data = "status = \"final\"";
    let body = format!(
        "<</Type/EmbeddedFile/Length {}>>stream\n{data}\nendstream",
        data.len()
    );
    update(bytes, BTreeMap::from([(num, body.into_bytes())]))
}

/// The /Info dictionary with another title.
fn retitled(bytes: &[u8]) -> Vec<u8> {
    let trailer = file::last_trailer(bytes).unwrap();
    let info: i64 = trailer
        .info
        .as_deref()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    update(
        bytes,
        BTreeMap::from([(info, b"<</Title(Another annex)/Producer(annex)>>".to_vec())]),
    )
}

/// Countersigns `bytes` in its next empty signature field, without any check: what a
/// careless or hostile tool does. `key` may be any key, even one `annex sign` refuses.
pub(super) fn countersign_raw(bytes: &[u8], key: &cms::SigningKey, cert_pem: &str) -> Vec<u8> {
    countersign_as(bytes, key, cert_pem, "ETSI.CAdES.detached")
}

/// [`countersign_raw`] with another `/SubFilter` (`adbe.pkcs7.detached`: what pyHanko and
/// Acrobat write by default).
pub(super) fn countersign_as(
    bytes: &[u8],
    key: &cms::SigningKey,
    cert_pem: &str,
    sub_filter: &str,
) -> Vec<u8> {
    let doc = PdfFile::open(bytes).unwrap();
    let (field, _, _) = doc
        .signature_fields()
        .into_iter()
        .find(|(_, _, signed)| !signed)
        .expect("an empty signature field");
    let (entries, _) = doc.dict_entries(field, &["V", "AP"], "").unwrap();
    let trailer = file::last_trailer(bytes).unwrap();
    let sig = trailer.size;
    let objects = BTreeMap::from([
        (
            field.obj_number as i64,
            dict(&entries, &format!("/V {sig} 0 R")),
        ),
        (
            sig,
            format!(
                "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/{sub_filter}/ByteRange[0 {:<32}]/Contents <{}>/M({})/Name(Raw)>>",
                "",
                "0".repeat(16384 * 2),
                chrono::DateTime::from_timestamp(annex::sign::now(), 0).unwrap().format("D:%Y%m%d%H%M%S+00'00'")
            )
            .into_bytes(),
        ),
    ]);
    let mut out = file::append_update(bytes, &objects, &trailer);
    let find = |needle: &[u8], from: usize| {
        out[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
            + from
    };
    let br = find(b"/ByteRange[0 ", bytes.len()) + 13;
    let contents = find(b"/Contents <", br) + 10;
    let end = contents + 16384 * 2 + 2;
    let ranges = format!("{contents} {end} {}", out.len() - end);
    out[br..br + 32].copy_from_slice(format!("{ranges:<32}").as_bytes());
    let mut h = sha2::Sha256::new();
    h.update(&out[..contents]);
    h.update(&out[end..]);
    let digest: [u8; 32] = h.finalize().into();
    let cert = cms::certs_from_pem(cert_pem).unwrap();
    let blob = cms::sign(&digest, key, &cert[0], &cert[1..], None).unwrap();
    let hex = annex::digest::hex(&blob);
    out[contents + 1..contents + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    out
}

pub(super) fn customer_key() -> (cms::SigningKey, String) {
    let (key, cert) = pki("customer");
    (
        cms::SigningKey::from_pem(&std::fs::read_to_string(key).unwrap()).unwrap(),
        std::fs::read_to_string(cert).unwrap(),
    )
}

/// #11 item 1: a change between two signatures fails `verify` naming the revision and the
/// object, for each kind of change; `sign` refuses to sign over it; an honest
/// countersignature passes, and the first signature certifies (DocMDP P=2).
#[test]
fn a_change_between_two_signatures_fails_verify_and_sign_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = signed_once(dir.path());
    let once = std::fs::read(&pdf).unwrap();
    let (key, cert) = customer_key();
    let page = page_one(&once).0;
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "red box",
            red_box(&once),
            format!("revision 3 (after signature 1) changes object {page} 0 (page 1: /Contents)"),
        ),
        (
            "new content stream",
            red_box(&once),
            "(content stream of page 1) that no signature uses".into(),
        ),
        (
            "free text",
            free_text(&once),
            "(annotation on page 1) that no signature uses".into(),
        ),
        (
            "free text in /Annots",
            free_text(&once),
            "to page 1's /Annots, which is not a new signature".into(),
        ),
        (
            "attachment",
            swapped_attachment(&once),
            "(embedded file matrix.json: /".into(),
        ),
        (
            "info",
            retitled(&once),
            "(document information /Info: /".into(),
        ),
    ];
    for (i, (what, tampered, expected)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("tampered-{i}.pdf"));
        std::fs::write(&path, &tampered).unwrap();
        // `sign` refuses, and leaves the file as it was.
        let out = sign(dir.path(), &path, "customer");
        assert_eq!(out.status.code(), Some(1), "{what}: {}", show(&out));
        assert!(
            stderr(&out).contains("refusing to sign: revision 3 "),
            "{what}: {}",
            show(&out)
        );
        assert_eq!(std::fs::read(&path).unwrap(), tampered, "{what}: untouched");
        // Countersigned by another tool: verify still fails, naming revision and object.
        std::fs::write(&path, countersign_raw(&tampered, &key, &cert)).unwrap();
        let out = verify(dir.path(), &path);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", show(&out));
        let report = stdout(&out);
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("FAILED  revision 3 (after signature 1)")
                    && l.contains(&expected)),
            "{what}: expected a FAILED line with {expected:?}\n{report}"
        );
        assert!(
            report.contains("ok      no change after the last signature"),
            "{what}: the countersignature covers the file\n{report}"
        );
    }

    // A countersignature in a new visible field (it could sit over the text) is not one of
    // the fields the certifying signature laid out.
    let size = file::last_trailer(&once).unwrap().size;
    let doc = PdfFile::open(&once).unwrap();
    let root = doc.root_ref();
    let (cat, _) = doc.dict_entries(root, &["AcroForm"], "").unwrap();
    let mut fields = doc.form_fields();
    fields.push(format!("{size} 0 R"));
    let (page_n, page_entries, mut annots) = page_one(&once);
    annots.push(format!("{size} 0 R"));
    let extra = update(
        &once,
        BTreeMap::from([
            (
                root.obj_number as i64,
                dict(&cat, &format!("/AcroForm<</Fields[{}]/SigFlags 3>>", fields.join(" "))),
            ),
            (page_n, dict(&page_entries, &format!("/Annots[{}]", annots.join(" ")))),
            (
                size,
                format!(
                    "<</Type/Annot/Subtype/Widget/FT/Sig/T(Extra)/Rect[50 500 450 700]/P {page_n} 0 R/V {} 0 R>>",
                    size + 1
                )
                .into_bytes(),
            ),
            (size + 1, b"<</Type/Sig/ByteRange[0 1 2 3]/Contents<00>>>".to_vec()),
        ]),
    );
    let out = verify_bytes_cli(dir.path(), "extra-field.pdf", &extra);
    assert!(
        stdout(&out).contains(&format!(
            "FAILED  revision 3 (after signature 1) adds a visible signature field \"Extra\" (object {size} 0) after the certification"
        )),
        "{}",
        show(&out)
    );

    // An honest countersignature passes; the first signature certifies.
    let out = sign(dir.path(), &pdf, "customer");
    assert!(out.status.success(), "{}", show(&out));
    let out = verify(dir.path(), &pdf);
    assert!(out.status.success(), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains("ok      signature 1 certifies the document (DocMDP P=2"),
        "{report}"
    );
    assert!(
        report
            .contains("ok      revision 3 (after signature 1) adds the signature \"Signature 1\""),
        "{report}"
    );
    let twice = std::fs::read(&pdf).unwrap();
    let doc = PdfFile::open(&twice).unwrap();
    let sigs = doc.signatures();
    assert_eq!(sigs[0].docmdp, Some(2));
    assert_eq!(sigs[1].docmdp, None, "only the first signature certifies");

    // Validation data appended later (a /DSS with a certificate) is allowed; the same
    // update also adding a /Collection to the catalogue is not.
    let size = file::last_trailer(&twice).unwrap().size;
    let root = doc.root_ref();
    let (entries, _) = doc.dict_entries(root, &[], "").unwrap();
    let cert = std::fs::read(fixture("seal-test-pki/TEST-ONLY-ca.pem")).unwrap();
    let dss = |extra: &str| {
        update(
            &twice,
            BTreeMap::from([
                (
                    root.obj_number as i64,
                    dict(&entries, &format!("/DSS {size} 0 R{extra}")),
                ),
                (size, format!("<</Certs[{} 0 R]>>", size + 1).into_bytes()),
                (
                    size + 1,
                    format!("<</Length {}>>stream\n", cert.len())
                        .into_bytes()
                        .into_iter()
                        .chain(cert.iter().copied())
                        .chain(b"\nendstream".iter().copied())
                        .collect(),
                ),
            ]),
        )
    };
    std::fs::write(dir.path().join("dss.pdf"), dss("")).unwrap();
    let out = verify(dir.path(), &dir.path().join("dss.pdf"));
    assert!(out.status.success(), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains(
            "ok      revision 4 (after signature 2) adds validation data (/DSS), nothing else"
        ),
        "{report}"
    );
    assert!(
        report.contains("after the last signature add validation data only"),
        "{report}"
    );
    std::fs::write(dir.path().join("dss-lang.pdf"), dss("/Collection<<>>")).unwrap();
    let out = verify(dir.path(), &dir.path().join("dss-lang.pdf"));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("FAILED  revision 4 (after signature 2) changes object"),
        "{}",
        show(&out)
    );
}

/// #11 item 3: two `annex sign` at once on one file: both signatures are there afterwards
/// and verify; the file keeps its mode; a symbolic link stays a link to the signed file.
#[test]
fn concurrent_signers_both_sign_and_the_file_keeps_mode_and_link() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(dir.path(), &["render", "--profile", &profile, "--final"]);
    assert!(out.status.success(), "{}", show(&out));
    let pdf = dir.path().join("output/nordwind-annex.pdf");
    std::fs::set_permissions(&pdf, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("annex-link.pdf");
    std::os::unix::fs::symlink(&pdf, &link).unwrap();

    let spawn = |who: &str, path: &Path| {
        let (key, cert) = pki(who);
        std::process::Command::new(env!("CARGO_BIN_EXE_annex"))
            .args([
                "sign",
                &path.display().to_string(),
                "--sign-key",
                &key,
                "--sign-cert",
                &cert,
                "--sign-chain",
                &ca(),
            ])
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("provider", &pdf);
    let b = spawn("customer", &link);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success(), "{}", show(&a));
    assert!(b.status.success(), "{}", show(&b));

    let out = verify(dir.path(), &pdf);
    assert!(out.status.success(), "{}", show(&out));
    assert!(stdout(&out).contains("2 signature(s)"), "{}", show(&out));
    let mode = std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the mode is kept");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert_eq!(std::fs::read(&link).unwrap(), std::fs::read(&pdf).unwrap());
    let left: Vec<_> = files_under(&dir.path().join("output"))
        .into_iter()
        .filter(|p| p.display().to_string().ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
}

/// A minimal PDF whose catalogue holds `depth` nested arrays.
fn deeply_nested(depth: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let o1 = out.len();
    out.extend(b"1 0 obj\n<</Type/Catalog/Pages 2 0 R/X ");
    out.extend(std::iter::repeat_n(b'[', depth));
    out.extend(std::iter::repeat_n(b']', depth));
    out.extend(b">>\nendobj\n");
    let o2 = out.len();
    out.extend(b"2 0 obj\n<</Type/Pages/Kids[]/Count 0>>\nendobj\n");
    let xref = out.len();
    out.extend(
        format!(
            "xref\n0 3\n0000000000 65535 f\r\n{o1:010} 00000 n\r\n{o2:010} 00000 n\r\ntrailer\n<</Size 3/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// A minimal PDF whose page tree is `depth` /Pages nodes, each the only kid of the last.
fn deep_page_tree(depth: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = vec![out.len()];
    out.extend(b"1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n");
    for n in 2..depth + 2 {
        offsets.push(out.len());
        out.extend(
            format!(
                "{n} 0 obj\n<</Type/Pages/Kids[{} 0 R]/Count 1>>\nendobj\n",
                n + 1
            )
            .as_bytes(),
        );
    }
    offsets.push(out.len());
    out.extend(
        format!(
            "{} 0 obj\n<</Type/Page/MediaBox[0 0 9 9]>>\nendobj\n",
            depth + 2
        )
        .as_bytes(),
    );
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f\r\n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        out.extend(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<</Size {}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n",
            offsets.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// #11 item 4 (the same crash through the page tree, which the parser walks recursively
/// when it opens a file): 100,000 nested /Pages nodes, or a cycle, exit 1 with a message.
#[test]
fn a_deep_or_cyclic_page_tree_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tree.pdf"), deep_page_tree(100_000)).unwrap();
    let out = annex(dir.path(), &["verify", "tree.pdf"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("a /Kids tree is deeper than 64 levels"),
        "{}",
        show(&out)
    );
    let out = sign(dir.path(), &dir.path().join("tree.pdf"), "provider");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("deeper than 64 levels"),
        "{}",
        show(&out)
    );
    assert!(PdfFile::open(&deep_page_tree(20)).is_ok());
    let cycle = String::from_utf8(deep_page_tree(3))
        .unwrap()
        .replace("/Kids[4 0 R]", "/Kids[2 0 R]");
    assert!(annex::pdf::guard::check_trees(cycle.as_bytes())
        .unwrap_err()
        .contains("a cycle"));
    let hidden = b"1 0 obj <</Type/Obj#53tm/N 1/First 4/Length 0>>stream\nendstream endobj";
    assert!(annex::pdf::guard::check_trees(hidden)
        .unwrap_err()
        .contains("object streams"));
}

/// #11 item 4: 1,000,000 nested arrays (2 MB; the depth at which the old reader overflowed
/// its 8 MB stack, exit 134) make `verify` and `sign` exit 1 with a message; a shallow one
/// is still read.
#[test]
fn a_deeply_nested_pdf_is_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deep.pdf"), deeply_nested(1_000_000)).unwrap();
    let out = annex(dir.path(), &["verify", "deep.pdf"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("nest deeper than 512 levels"),
        "{}",
        show(&out)
    );
    let out = sign(dir.path(), &dir.path().join("deep.pdf"), "provider");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("nest deeper than 512 levels"),
        "{}",
        show(&out)
    );

    let shallow = deeply_nested(100);
    assert!(PdfFile::open(&shallow).is_ok());
    let mut dicts = b"1 0 obj <<".to_vec();
    dicts.extend(b"/A <<".repeat(600));
    assert!(
        annex::pdf::guard::check_nesting(&dicts).is_err(),
        "dictionaries count too"
    );
    // Brackets in strings and comments do not count.
    let mut quoted = b"(".to_vec();
    quoted.extend(b"[".repeat(2000));
    quoted.extend(b")\n%");
    quoted.extend(b"<<".repeat(2000));
    assert!(annex::pdf::guard::check_nesting(&quoted).is_ok());
}

/// #11 item 10 (RSA): `sign` refuses an RSA key under 2048 bits; a signature made with
/// one fails `verify`.
#[test]
fn rsa_keys_under_2048_bits_are_refused() {
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use std::str::FromStr;
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::der::{Decode, EncodePem};

    let dir = tempfile::tempdir().unwrap();
    let pdf = signed_once(dir.path());
    let once = std::fs::read(&pdf).unwrap();
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
    // A certificate for it from a throwaway CA, so that only the key size is at fault.
    let ca_key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let ca_name = x509_cert::name::Name::from_str("CN=Weak CA").unwrap();
    let spki = |der: &[u8]| x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(der).unwrap();
    let validity =
        x509_cert::time::Validity::from_now(std::time::Duration::from_secs(86400)).unwrap();
    let cert = CertificateBuilder::new(
        Profile::Leaf {
            issuer: ca_name.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        },
        x509_cert::serial_number::SerialNumber::from(9u32),
        validity,
        x509_cert::name::Name::from_str("CN=Paweł Kowalczyk").unwrap(),
        spki(
            rsa::RsaPublicKey::from(&key)
                .to_public_key_der()
                .unwrap()
                .as_bytes(),
        ),
        &ca_key,
    )
    .unwrap()
    .build::<p256::ecdsa::DerSignature>()
    .unwrap();
    let key_pem = key.to_pkcs1_pem(LineEnding::LF).unwrap();
    let cert_pem = cert.to_pem(LineEnding::LF).unwrap();
    std::fs::write(dir.path().join("weak.key.pem"), key_pem.as_bytes()).unwrap();
    std::fs::write(dir.path().join("weak.cert.pem"), &cert_pem).unwrap();
    let out = annex(
        dir.path(),
        &[
            "sign",
            "output/nordwind-annex.pdf",
            "--sign-key",
            "weak.key.pem",
            "--sign-cert",
            "weak.cert.pem",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("the RSA key has 1024 bits; at least 2048 are required"),
        "{}",
        show(&out)
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), once, "untouched");

    let weak = cms::SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)));
    std::fs::write(
        dir.path().join("weak.pdf"),
        countersign_raw(&once, &weak, &cert_pem),
    )
    .unwrap();
    let out = annex(dir.path(), &["verify", "weak.pdf"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("FAILED  signature 2 (Raw")
                && l.ends_with("the RSA key has 1024 bits; at least 2048 are required")),
        "{}",
        show(&out)
    );
}
