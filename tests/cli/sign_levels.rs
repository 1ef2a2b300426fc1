//! Signatures for the life of the contract (#24): B-T with a loopback time-stamping
//! authority (`scripts/loopback_tsa.py`: `openssl ts -reply` behind Python's http.server),
//! a forged token, an unreachable TSA, and PKCS#7 signatures made by other tools.

use super::sign::{ca, countersign_as, customer_key, signed_once, stderr, stdout};
use super::*;

use std::process::{Child, Command};

use annex::pdf::file::PdfFile;
use annex::sign::cms;
use sha2::Digest as _;

/// A loopback TSA with its own throw-away PKI, stopped when dropped.
pub(super) struct Tsa {
    child: Child,
    pub(super) dir: tempfile::TempDir,
    pub(super) url: String,
}

impl Tsa {
    pub(super) fn start() -> Tsa {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("python3")
            .arg(repo("scripts/loopback_tsa.py"))
            .arg(dir.path())
            .spawn()
            .expect("python3 runs the loopback TSA");
        let port = dir.path().join("port");
        for _ in 0..300 {
            if port.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let port = std::fs::read_to_string(&port).expect("the loopback TSA started");
        Tsa {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            dir,
        }
    }

    /// Stops the server; its files stay (for what is then checked offline).
    pub(super) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The TSA's CA certificate (PEM file).
    pub(super) fn ca(&self) -> String {
        self.dir.path().join("ca.pem").display().to_string()
    }
}

impl Drop for Tsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn render(dir: &Path) -> PathBuf {
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(dir, &["render", "--profile", &profile, "--final"]);
    assert!(out.status.success(), "{}", show(&out));
    dir.join("output/nordwind-annex.pdf")
}

fn sign_with(dir: &Path, pdf: &Path, tsa: &str) -> Output {
    let pki = fixture("seal-test-pki");
    let f = |n: &str| pki.join(n).display().to_string();
    annex(
        dir,
        &[
            "sign",
            &pdf.display().to_string(),
            "--sign-key",
            &f("TEST-ONLY-provider.key.pem"),
            "--sign-cert",
            &f("TEST-ONLY-provider.cert.pem"),
            "--sign-chain",
            &ca(),
            "--tsa",
            tsa,
        ],
    )
}

/// `annex sign --tsa` makes a B-T signature: `verify` checks the token, reports the level,
/// checks the TSA's chain with `--trust`, and judges the certificate at the token's time.
/// A token whose imprint is changed (unsigned attributes are outside the signature) fails.
#[test]
fn sign_tsa_makes_b_t_and_verify_checks_the_token() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    let pdf = render(d.path());
    let out = sign_with(d.path(), &pdf, &tsa.url);
    assert!(out.status.success(), "{}", show(&out));
    let path = pdf.display().to_string();
    let out = annex(
        d.path(),
        &["verify", &path, "--trust", &ca(), "--trust", &tsa.ca()],
    );
    let report = stdout(&out);
    assert!(out.status.success(), "{}", show(&out));
    for line in [
        "PAdES B-T: timestamp token by \"Loopback TEST-ONLY TSA\"",
        "the TSA's chain Loopback TEST-ONLY TSA → Loopback TEST-ONLY CA ends at a trusted CA",
        "valid at the timestamp's time",
        "signature 1: level B-T\n",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
    // Without the TSA's CA, the token's chain is not trusted: a failure, not a pass.
    let out = annex(d.path(), &["verify", &path, "--trust", &ca()]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains(
            "the TSA's certificate: no trusted issuer: \"Loopback TEST-ONLY CA\" is a self-signed certificate not given with --trust"
        ), "{}", show(&out));

    // The token's imprint is the hash of the signature value; change one byte of it.
    let bytes = std::fs::read(&pdf).unwrap();
    let doc = PdfFile::open(&bytes).unwrap();
    let sig = &doc.signatures()[0];
    let r = &sig.byte_range;
    let mut h = sha2::Sha256::new();
    h.update(&bytes[..r[1] as usize]);
    h.update(&bytes[r[2] as usize..(r[2] + r[3]) as usize]);
    let checked = cms::check(&sig.contents, &h.finalize().into()).unwrap();
    assert!(checked.timestamp_token.is_some());
    let imprint = annex::digest::hex(&sha2::Sha256::digest(&checked.signature_value));
    let at = bytes
        .windows(imprint.len())
        .position(|w| w.eq_ignore_ascii_case(imprint.as_bytes()))
        .expect("the imprint in /Contents");
    let mut forged = bytes.clone();
    forged[at] = if forged[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(d.path().join("forged.pdf"), &forged).unwrap();
    let out = annex(
        d.path(),
        &[
            "verify",
            "forged.pdf",
            "--trust",
            &ca(),
            "--trust",
            &tsa.ca(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("signature timestamp: the token's imprint is not the hash"),
        "{}",
        show(&out)
    );
}

/// A TSA that does not answer, or an https:// URL, fails the signing (exit 1) and leaves the
/// file as it was: never a signature weaker than asked for.
#[test]
fn an_unreachable_tsa_fails_the_signing_and_writes_nothing() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let pdf = render(d.path());
    let before = std::fs::read(&pdf).unwrap();
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (url, says) in [
        (format!("http://127.0.0.1:{port}/"), "did not answer"),
        ("https://127.0.0.1/".to_owned(), "is not http://"),
    ] {
        let out = sign_with(d.path(), &pdf, &url);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert!(stderr(&out).contains(says), "{says}\n{}", show(&out));
        assert_eq!(std::fs::read(&pdf).unwrap(), before);
    }
}

/// A countersignature with `/SubFilter /adbe.pkcs7.detached` (pyHanko's and Acrobat's
/// default) is verified and reported as PKCS#7, not failed for its format.
#[test]
fn a_pkcs7_countersignature_is_verified_not_failed_for_its_format() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let pdf = signed_once(d.path());
    let (key, cert) = customer_key();
    let signed = countersign_as(
        &std::fs::read(&pdf).unwrap(),
        &key,
        &cert,
        "adbe.pkcs7.detached",
    );
    std::fs::write(d.path().join("pkcs7.pdf"), &signed).unwrap();
    let out = annex(d.path(), &["verify", "pkcs7.pdf", "--trust", &ca()]);
    assert!(out.status.success(), "{}", show(&out));
    let report = stdout(&out);
    assert!(
        report.contains("signature 2 (Raw") && report.contains("PKCS#7, not PAdES"),
        "{report}"
    );
    assert!(report.contains("signature 1: level B-B\n"), "{report}");
    assert!(
        report.contains("signature 2: no PAdES level (PKCS#7, adbe.pkcs7.detached)"),
        "{report}"
    );
    // Any other /SubFilter still fails.
    let other = countersign_as(
        &std::fs::read(&pdf).unwrap(),
        &key,
        &cert,
        "adbe.x509.rsa_sha1",
    );
    std::fs::write(d.path().join("other.pdf"), &other).unwrap();
    let out = annex(d.path(), &["verify", "other.pdf", "--trust", &ca()]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("/SubFilter is /adbe.x509.rsa_sha1"),
        "{}",
        show(&out)
    );
}

/// ANNEX_TSA keeps the TSA as a default (#24: "where you keep defaults"): a key signs B-T
/// without `--tsa`; a command that signs nothing is not bothered by it; `--tsa` on the
/// command line without a key is still an error.
#[test]
fn annex_tsa_is_the_default_time_stamping_authority() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    let with_default = |args: &[&str]| annex_env(d.path(), args, &[("ANNEX_TSA", &tsa.url)]);
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = with_default(&["render", "--profile", &profile, "--final"]);
    assert!(out.status.success(), "{}", show(&out));
    let pdf = d
        .path()
        .join("output/nordwind-annex.pdf")
        .display()
        .to_string();
    let pki = fixture("seal-test-pki");
    let f = |n: &str| pki.join(n).display().to_string();
    let out = with_default(&[
        "sign",
        &pdf,
        "--sign-key",
        &f("TEST-ONLY-provider.key.pem"),
        "--sign-cert",
        &f("TEST-ONLY-provider.cert.pem"),
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let out = annex(
        d.path(),
        &["verify", &pdf, "--trust", &ca(), "--trust", &tsa.ca()],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).contains("signature 1: level B-T\n"),
        "{}",
        show(&out)
    );
    let out = annex(
        d.path(),
        &[
            "render",
            "--profile",
            &profile,
            "--force",
            "--tsa",
            &tsa.url,
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--tsa timestamps a signature: give --sign-key too"),
        "{}",
        show(&out)
    );
}
