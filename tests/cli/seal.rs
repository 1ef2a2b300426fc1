//! Final annexes: PDF/A-3a + PDF/UA-1 with attached sources (`render --final`), `verify` (and
//! `--rebuild`), PAdES signatures (`render --sign-key`, `sign`), and tamper detection.
//!
//! Certificates and keys are made here, per test run: a throwaway CA and signers with
//! P-256 keys from fixed seeds (and one RSA key from the OS RNG). No key is committed.

use super::*;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use annex::verify::{Options, Outcome};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::{Decode, EncodePem};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::Validity;
use x509_cert::Certificate;

/// nordwind.toml is a final profile; its signatories are Paweł Kowalczyk and Marek Nowak.
fn final_profile() -> String {
    repo("data/profiles/nordwind.toml").display().to_string()
}

fn p256_key(seed: u8) -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_bytes(&[seed; 32].into()).expect("a valid scalar")
}

fn spki_of(der: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(der).unwrap()
}

/// A throwaway CA and what it issues, written as PEM files into a folder.
struct Pki {
    dir: PathBuf,
    ca_key: p256::ecdsa::SigningKey,
    ca_name: Name,
}

impl Pki {
    fn new(dir: &Path, ca_cn: &str, seed: u8) -> Pki {
        let ca_key = p256_key(seed);
        let ca_name = Name::from_str(&format!("CN={ca_cn},O=Annex Test")).unwrap();
        let spki = spki_of(
            ca_key
                .verifying_key()
                .to_public_key_der()
                .unwrap()
                .as_bytes(),
        );
        let cert = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(1u32),
            Validity::from_now(Duration::from_secs(3600 * 24 * 30)).unwrap(),
            ca_name.clone(),
            spki,
            &ca_key,
        )
        .unwrap()
        .build::<p256::ecdsa::DerSignature>()
        .unwrap();
        let pki = Pki {
            dir: dir.to_path_buf(),
            ca_key,
            ca_name,
        };
        pki.write(
            &format!("{ca_cn}.ca.pem"),
            &cert.to_pem(LineEnding::LF).unwrap(),
        );
        pki
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    fn issue(&self, cn: &str, serial: u32, spki: SubjectPublicKeyInfoOwned) -> Certificate {
        CertificateBuilder::new(
            Profile::Leaf {
                issuer: self.ca_name.clone(),
                enable_key_agreement: false,
                enable_key_encipherment: false,
            },
            SerialNumber::from(serial),
            Validity::from_now(Duration::from_secs(3600 * 24 * 7)).unwrap(),
            Name::from_str(&format!("CN={cn}")).unwrap(),
            spki,
            &self.ca_key,
        )
        .unwrap()
        .build::<p256::ecdsa::DerSignature>()
        .unwrap()
    }

    /// A P-256 signer: (key path, cert path).
    fn p256_signer(&self, cn: &str, seed: u8) -> (String, String) {
        let key = p256_key(seed);
        let spki = spki_of(key.verifying_key().to_public_key_der().unwrap().as_bytes());
        let cert = self.issue(cn, seed as u32 + 100, spki);
        (
            self.write(
                &format!("{seed}.key.pem"),
                &key.to_pkcs8_pem(LineEnding::LF).unwrap(),
            ),
            self.write(
                &format!("{seed}.cert.pem"),
                &cert.to_pem(LineEnding::LF).unwrap(),
            ),
        )
    }

    /// An RSA-2048 signer, its key in PKCS#1 PEM.
    fn rsa_signer(&self, cn: &str) -> (String, String) {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public = rsa::RsaPublicKey::from(&key);
        let spki = spki_of(public.to_public_key_der().unwrap().as_bytes());
        let cert = self.issue(cn, 7, spki);
        (
            self.write("rsa.key.pem", &key.to_pkcs1_pem(LineEnding::LF).unwrap()),
            self.write("rsa.cert.pem", &cert.to_pem(LineEnding::LF).unwrap()),
        )
    }

    fn ca(&self, ca_cn: &str) -> String {
        self.dir
            .join(format!("{ca_cn}.ca.pem"))
            .display()
            .to_string()
    }
}

fn render_final(dir: &Path, extra: &[&str]) -> (Output, PathBuf) {
    let profile = final_profile();
    let mut args = vec!["render", "--profile", profile.as_str(), "--final"];
    args.extend(extra);
    let out = annex(dir, &args);
    (out, dir.join("output/nordwind-annex.pdf"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The report with what changes from run to run (digests, dates, paths) masked.
fn redact(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let words: Vec<String> = line
            .split(' ')
            .map(|w| {
                let hexlen = w.chars().take_while(char::is_ascii_hexdigit).count();
                if hexlen >= 16 {
                    format!(
                        "[hex]{}",
                        &w[w.char_indices().nth(hexlen).map_or(w.len(), |(i, _)| i)..]
                    )
                } else if w.starts_with('(') && w[1..].chars().all(|c| c.is_ascii_digit()) {
                    "([n]".into()
                } else if w.ends_with("nordwind-annex.pdf:") {
                    "[pdf]:".into()
                } else {
                    w.to_owned()
                }
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

#[test]
fn final_annex_is_pdfa_with_its_sources_and_verifies_and_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let (out, pdf) = render_final(dir.path(), &[]);
    assert!(out.status.success(), "{}", show(&out));
    let bytes = std::fs::read(&pdf).unwrap();
    let file = annex::pdf::file::PdfFile::open(&bytes).unwrap();
    let names: Vec<String> = file.attachments().unwrap().keys().cloned().collect();
    assert_eq!(
        names,
        [
            "catalogue.toml",
            "manifest.json",
            "matrix.json",
            "profile.json",
            "profile.toml",
            "signature-fields.json"
        ]
    );
    let attachments = file.attachments().unwrap();
    assert_eq!(
        attachments["profile.toml"],
        std::fs::read(final_profile()).unwrap(),
        "the profile is attached as given"
    );
    let manifest: annex::seal::Manifest =
        serde_json::from_slice(&attachments["manifest.json"]).unwrap();
    assert_eq!(manifest.typst_version, annex::TYPST_VERSION);
    assert_eq!(manifest.inputs.profile.name, "nordwind.toml");

    // The fingerprint printed in the document is the manifest's.
    let txt = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            &final_profile(),
            "--final",
            "--emit",
            "txt",
            "--force",
        ],
    );
    assert!(txt.status.success(), "{}", show(&txt));
    let text = std::fs::read_to_string(dir.path().join("output/nordwind-annex.txt")).unwrap();
    assert!(text.contains(&manifest.fingerprint));
    // Reproducible: the same inputs give the same bytes.
    assert_eq!(std::fs::read(&pdf).unwrap(), bytes);

    let verified = annex(
        dir.path(),
        &["verify", "output/nordwind-annex.pdf", "--rebuild"],
    );
    assert!(verified.status.success(), "{}", show(&verified));
    insta::assert_snapshot!("verify_unsigned_rebuild", redact(&stdout(&verified)));
}

/// A profile composing two matrices: every part's matrix is attached and listed in the
/// manifest, and `verify` recomputes the fingerprint over all of them and rebuilds the
/// same bytes.
#[test]
fn a_composed_final_annex_attaches_every_part_and_verifies_and_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("tailor-compose/profile.toml").display().to_string();
    let out = annex(dir.path(), &["render", "--profile", &profile]);
    assert!(out.status.success(), "{}", show(&out));
    let pdf = dir.path().join("output/tailor-annex.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    let attachments = annex::pdf::file::PdfFile::open(&bytes)
        .unwrap()
        .attachments()
        .unwrap();
    let manifest: annex::seal::Manifest =
        serde_json::from_slice(&attachments["manifest.json"]).unwrap();
    assert_eq!(manifest.inputs.matrix.name, "matrix.toml");
    let parts: Vec<&str> = manifest
        .inputs
        .parts
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(parts, ["supplement.toml"]);
    for name in ["matrix.json", "matrix-2.json"] {
        assert!(attachments.contains_key(name), "{name} is attached");
        assert!(
            manifest.attachments.contains_key(name),
            "{name} is in the manifest"
        );
    }
    let supplement: annex::model::Matrix =
        serde_json::from_slice(&attachments["matrix-2.json"]).unwrap();
    assert_eq!(supplement.title, {
        let text = std::fs::read_to_string(fixture("tailor-compose/supplement.toml")).unwrap();
        toml::from_str::<annex::model::Matrix>(&text).unwrap().title
    });

    let verified = annex(
        dir.path(),
        &["verify", "output/tailor-annex.pdf", "--rebuild"],
    );
    assert!(verified.status.success(), "{}", show(&verified));
    let report = stdout(&verified);
    assert!(
        report.contains("recomputed from matrix.json, matrix-2.json, profile.json"),
        "{report}"
    );
    assert!(
        report.contains("rebuild: re-rendered from the attachments, identical"),
        "{report}"
    );

    // The second part is covered like the first: swapping it is detected.
    let mut other = manifest.clone();
    other.inputs.parts.clear();
    assert_ne!(
        annex::seal::recompute_fingerprint(&attachments, &other).ok(),
        Some(manifest.fingerprint.clone()),
        "the fingerprint covers matrix-2.json"
    );
}

#[test]
fn a_draft_cannot_be_final_nor_signed() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "Draft CA", 3);
    let (key, cert) = pki.p256_signer("Jean Martin", 4);
    let acme = repo("data/profiles/acme.toml").display().to_string();
    let out = annex(dir.path(), &["render", "--profile", &acme, "--final"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("acme.toml:21: status is \"draft\""),
        "{}",
        show(&out)
    );
    assert!(!dir.path().join("output/acme-annex.pdf").exists());

    let out = annex(dir.path(), &["render", "--profile", &acme]);
    assert!(out.status.success(), "{}", show(&out));
    let out = annex(
        dir.path(),
        &[
            "sign",
            "output/acme-annex.pdf",
            "--sign-key",
            &key,
            "--sign-cert",
            &cert,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("drafts carry the DRAFT watermark and cannot be signed"),
        "{}",
        show(&out)
    );
}

#[test]
fn signatories_sign_in_turn_and_verify_checks_every_signature() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "Annex Test CA", 11);
    let ca = pki.ca("Annex Test CA");
    let (k1, c1) = pki.p256_signer("Marek Nowak", 12);
    let (k2, c2) = pki.rsa_signer("Paweł Kowalczyk");
    let (out, pdf) = render_final(
        dir.path(),
        &["--sign-key", &k1, "--sign-cert", &c1, "--sign-chain", &ca],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stderr(&out).contains("signed by Marek Nowak (Signature 2 on page"),
        "{}",
        show(&out)
    );
    let once = std::fs::read(&pdf).unwrap();

    let out = annex(
        dir.path(),
        &[
            "sign",
            "output/nordwind-annex.pdf",
            "--sign-key",
            &k2,
            "--sign-cert",
            &c2,
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let twice = std::fs::read(&pdf).unwrap();
    assert!(twice.starts_with(&once), "a countersignature only appends");

    let out = annex(
        dir.path(),
        &[
            "verify",
            "output/nordwind-annex.pdf",
            "--trust",
            &ca,
            "--rebuild",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let report = stdout(&out);
    assert!(report.contains("2 signature(s)"), "{report}");
    assert!(report.contains("signature 1 (Marek Nowak"), "{report}");
    assert!(report.contains("signature 2 (Paweł Kowalczyk"), "{report}");
    assert!(
        report.contains("certificate chain Paweł Kowalczyk → Annex Test CA ends at a trusted CA"),
        "{report}"
    );
    assert!(
        report.contains("identical to the first revision"),
        "{report}"
    );
    assert!(!report.contains("FAILED"), "{report}");

    // Another CA is not trusted.
    let other = Pki::new(dir.path(), "Other CA", 21);
    let out = annex(
        dir.path(),
        &[
            "verify",
            "output/nordwind-annex.pdf",
            "--trust",
            &other.ca("Other CA"),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("FAILED  signature 1 (Marek Nowak"),
        "{}",
        show(&out)
    );

    // Both places are taken.
    let (k3, c3) = pki.p256_signer("Third Person", 13);
    let out = annex(
        dir.path(),
        &[
            "sign",
            "output/nordwind-annex.pdf",
            "--sign-key",
            &k3,
            "--sign-cert",
            &c3,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("all 2 signature places are signed already"),
        "{}",
        show(&out)
    );

    // --force alone does not replace a signed annex.
    let (out, _) = render_final(dir.path(), &["--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("is signed; --force does not replace a signed annex"),
        "{}",
        show(&out)
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), twice);
    let (out, _) = render_final(dir.path(), &["--force", "--replace-signed"]);
    assert!(out.status.success(), "{}", show(&out));
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "Mismatch CA", 31);
    let (k1, _) = pki.p256_signer("Marek Nowak", 32);
    let (_, c2) = pki.p256_signer("Marek Nowak", 33);
    let (out, pdf) = render_final(dir.path(), &["--sign-key", &k1, "--sign-cert", &c2]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("the private key does not match the certificate"),
        "{}",
        show(&out)
    );
    assert!(!pdf.exists(), "no output on failure");
}

fn verify_bytes(bytes: &[u8], trust: &[Certificate]) -> Vec<(Outcome, String)> {
    annex::verify::verify(
        bytes,
        &Options {
            trust: trust.to_vec(),
            rebuild: None,
            at: None,
        },
    )
    .checks
}

fn failed(checks: &[(Outcome, String)]) -> Vec<&str> {
    checks
        .iter()
        .filter(|(o, _)| *o == Outcome::Failed)
        .map(|(_, t)| t.as_str())
        .collect()
}

#[test]
fn any_changed_byte_of_the_signed_ranges_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path(), "Tamper CA", 41);
    let (k1, c1) = pki.p256_signer("Marek Nowak", 42);
    let (out, pdf) = render_final(dir.path(), &["--sign-key", &k1, "--sign-cert", &c1]);
    assert!(out.status.success(), "{}", show(&out));
    let bytes = std::fs::read(&pdf).unwrap();
    let trust =
        annex::sign::cms::certs_from_pem(&std::fs::read_to_string(pki.ca("Tamper CA")).unwrap())
            .unwrap();
    assert!(failed(&verify_bytes(&bytes, &trust)).is_empty());

    let sig = &annex::pdf::file::PdfFile::open(&bytes)
        .unwrap()
        .signatures()[0];
    let (hole_start, hole_end) = (sig.byte_range[1] as usize, sig.byte_range[2] as usize);
    // Every 97th byte of the signed ranges, plus the edges and the signature dictionary.
    let mut positions: Vec<usize> = (0..bytes.len()).step_by(97).collect();
    positions.extend([0, 1, hole_start - 1, hole_end, bytes.len() - 1]);
    positions.extend(hole_start.saturating_sub(200)..hole_start);
    positions.retain(|p| *p < hole_start || *p >= hole_end);
    for p in positions {
        let mut t = bytes.clone();
        t[p] ^= 0x01;
        let checks = verify_bytes(&t, &trust);
        assert!(
            !failed(&checks).is_empty(),
            "byte {p} changed ({:?} → {:?}) but verify passed",
            bytes[p] as char,
            t[p] as char
        );
    }
}

/// Replaces, in an incremental update, the first embedded file stream of `bytes` by `data`.
fn swap_first_attachment(bytes: &[u8], data: &[u8]) -> Vec<u8> {
    let at = bytes
        .windows(18)
        .position(|w| w == b"/Type/EmbeddedFile")
        .unwrap();
    let head = String::from_utf8_lossy(&bytes[at.saturating_sub(40)..at]).into_owned();
    let obj = head.rsplit_once(" 0 obj").unwrap().0;
    let num: i64 = obj
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut body = format!("<</Type/EmbeddedFile/Length {}>>stream\n", data.len()).into_bytes();
    body.extend(data);
    body.extend(b"\nendstream");
    let trailer = annex::pdf::file::last_trailer(bytes).unwrap();
    annex::pdf::file::append_update(bytes, &BTreeMap::from([(num, body)]), &trailer)
}

#[test]
fn a_swapped_attachment_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let (out, pdf) = render_final(dir.path(), &[]);
    assert!(out.status.success(), "{}", show(&out));
    let bytes = std::fs::read(&pdf).unwrap();
    let swapped = swap_first_attachment(&bytes, b"{\"sections\": []}");
    std::fs::write(dir.path().join("swapped.pdf"), &swapped).unwrap();
    let out = annex(dir.path(), &["verify", "swapped.pdf"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains("the attachment was changed or swapped"),
        "{report}"
    );
    assert!(report.contains("covered by no signature"), "{report}");
    assert!(
        stderr(&out).contains("error: swapped.pdf failed verification"),
        "{}",
        show(&out)
    );

    // In place too (same length, same offsets): the digest catches it.
    let mut inplace = bytes.clone();
    let at = inplace
        .windows(18)
        .position(|w| w == b"/Type/EmbeddedFile")
        .unwrap();
    let stream = at
        + inplace[at..]
            .windows(7)
            .position(|w| w == b"stream\n")
            .unwrap()
        + 7;
    inplace[stream + 10] ^= 0x20;
    let checks = verify_bytes(&inplace, &[]);
    assert!(
        failed(&checks).iter().any(|f| f.starts_with("attachment ")),
        "{checks:?}"
    );
}
