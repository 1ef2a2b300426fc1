//! Signing keys where organisations keep them (#25): PKCS#12 files made by `openssl pkcs12
//! -export` (current and `-legacy`), encrypted PKCS#8 PEM, and keys on a SoftHSM2 token
//! initialised here in a temp folder (`SOFTHSM2_CONF`), holding an EC key and an RSA 3072
//! key imported with `softhsm2-util --import`. Every signed annex is checked by `annex
//! verify` and by poppler's `pdfsig`; pyHanko checks the same sources in
//! `scripts/pyhanko-keys-check.sh` (run by `.ci/run`). Needs `openssl`, `pdfsig`,
//! `softhsm2-util` and `pkcs11-tool` (`.ci/run` installs them).

use super::*;

use std::sync::OnceLock;

const PASS: &str = "correct horse 7";
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn pki(file: &str) -> String {
    fixture("seal-test-pki").join(file).display().to_string()
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (.ci/run installs it): {e}"));
    assert!(out.status.success(), "{program} {args:?}\n{}", show(&out));
}

/// One final annex (nordwind), rendered once for the whole file; each test copies it.
fn final_annex(dir: &Path, name: &str) -> PathBuf {
    static MADE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, pdf) = MADE.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let profile = repo("data/profiles/nordwind.toml").display().to_string();
        let out = annex(d.path(), &["render", "--profile", &profile, "--final"]);
        assert!(out.status.success(), "{}", show(&out));
        let pdf = d.path().join("output/nordwind-annex.pdf");
        (d, pdf)
    });
    let copy = dir.join(name);
    std::fs::copy(pdf, &copy).unwrap();
    copy
}

/// `annex verify` (trusting `trust`) and `pdfsig` both find every signature of `pdf` valid.
fn assert_valid(dir: &Path, pdf: &Path, trust: &str, signatures: usize) {
    let shown = pdf.display().to_string();
    let out = annex(dir, &["verify", &shown, "--trust", trust]);
    assert!(out.status.success(), "annex verify {shown}\n{}", show(&out));
    let out = Command::new("pdfsig")
        .arg(pdf)
        .output()
        .expect("pdfsig runs (poppler-utils; .ci/run installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let valid = text
        .matches("Signature Validation: Signature is Valid.")
        .count();
    assert_eq!(valid, signatures, "pdfsig {shown}:\n{text}");
}

/// The key material of the file tests: `id.p12` (current), `legacy.p12` (`-legacy`),
/// `enc.pem` (encrypted PKCS#8), `pass` (the passphrase's file) and `bad` (a wrong one).
fn key_files(dir: &Path) {
    let (key, cert, ca) = (
        pki("TEST-ONLY-provider.key.pem"),
        pki("TEST-ONLY-provider.cert.pem"),
        pki("TEST-ONLY-ca.pem"),
    );
    let pass = format!("pass:{PASS}");
    run(
        dir,
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &key,
            "-in",
            &cert,
            "-certfile",
            &ca,
            "-passout",
            &pass,
            "-out",
            "id.p12",
        ],
    );
    let (rsa, rsa_cert) = (
        pki("TEST-ONLY-customer.key.pem"),
        pki("TEST-ONLY-customer.cert.pem"),
    );
    run(
        dir,
        "openssl",
        &[
            "pkcs12",
            "-export",
            "-legacy",
            "-inkey",
            &rsa,
            "-in",
            &rsa_cert,
            "-certfile",
            &ca,
            "-passout",
            &pass,
            "-out",
            "legacy.p12",
        ],
    );
    run(
        dir,
        "openssl",
        &[
            "pkcs8",
            "-topk8",
            "-in",
            &key,
            "-v2",
            "aes-256-cbc",
            "-passout",
            &pass,
            "-out",
            "enc.pem",
        ],
    );
    std::fs::write(dir.join("pass"), format!("{PASS}\n")).unwrap();
    std::fs::write(dir.join("bad"), "not the passphrase\n").unwrap();
}

#[test]
fn pkcs12_current_and_legacy_and_encrypted_pkcs8_sign_valid_annexes() {
    if !crate::tools(&["openssl", "pdfsig", "softhsm2-util", "pkcs11-tool"]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    key_files(dir);
    let ca = pki("TEST-ONLY-ca.pem");
    // PKCS#12 (PBES2/AES): the certificate and chain come from the file.
    let pdf = final_annex(dir, "p12.pdf");
    let out = annex(
        dir,
        &[
            "sign",
            "p12.pdf",
            "--sign-key",
            "id.p12",
            "--key-pass-file",
            "pass",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        super::sign::stderr(&out).contains("signed by Marek Nowak"),
        "{}",
        show(&out)
    );
    assert_valid(dir, &pdf, &ca, 1);
    // Legacy PKCS#12 (3DES key, RC2-40 certificates), RSA, passphrase from the environment;
    // it countersigns the same annex.
    let out = annex_env(
        dir,
        &[
            "sign",
            "p12.pdf",
            "--sign-key",
            "legacy.p12",
            "--key-pass-env",
            "ANNEX_TEST_PASS",
        ],
        &[("ANNEX_TEST_PASS", PASS)],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_valid(dir, &pdf, &ca, 2);
    // The legacy file's RSA key signing RSASSA-PSS.
    let pdf = final_annex(dir, "pss.pdf");
    let out = annex(
        dir,
        &[
            "sign",
            "pss.pdf",
            "--sign-key",
            "legacy.p12",
            "--key-pass-file",
            "pass",
            "--sign-rsa-pss",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_valid(dir, &pdf, &ca, 1);
    // Encrypted PKCS#8 PEM, with the certificate given.
    let pdf = final_annex(dir, "pem.pdf");
    let cert = pki("TEST-ONLY-provider.cert.pem");
    let out = annex(
        dir,
        &[
            "sign",
            "pem.pdf",
            "--sign-key",
            "enc.pem",
            "--sign-cert",
            &cert,
            "--sign-chain",
            &ca,
            "--key-pass-file",
            "pass",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_valid(dir, &pdf, &ca, 1);
    // `render` takes the same sources: a signed final annex straight from a PKCS#12 file.
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(
        dir,
        &[
            "render",
            "--profile",
            &profile,
            "--out",
            "rendered",
            "--sign-key",
            "legacy.p12",
            "--key-pass-file",
            "pass",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_valid(dir, &dir.join("rendered/nordwind-annex.pdf"), &ca, 1);
}

#[test]
fn a_wrong_passphrase_names_the_file_and_writes_nothing() {
    if !crate::tools(&["openssl", "pdfsig", "softhsm2-util", "pkcs11-tool"]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    key_files(dir);
    let pdf = final_annex(dir, "a.pdf");
    let before = std::fs::read(&pdf).unwrap();
    let cert = pki("TEST-ONLY-provider.cert.pem");
    for (key, extra) in [
        ("id.p12", vec![]),
        ("legacy.p12", vec![]),
        ("enc.pem", vec!["--sign-cert", cert.as_str()]),
    ] {
        let mut args = vec![
            "sign",
            "a.pdf",
            "-o",
            "out/signed.pdf",
            "--sign-key",
            key,
            "--key-pass-file",
            "bad",
        ];
        args.extend(extra.iter().copied());
        refused(dir, &args, &[&format!("wrong passphrase for {key}")]);
        // In place too: the file is left as it was.
        args.drain(2..4);
        let out = annex(dir, &args);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let text = show(&out);
        assert!(
            !text.contains("not the passphrase") && !text.contains(PASS),
            "{text}"
        );
        assert_eq!(
            std::fs::read(&pdf).unwrap(),
            before,
            "{key}: the annex changed"
        );
    }
    // No passphrase source and no terminal: refused, saying how to give one.
    refused(
        dir,
        &[
            "sign",
            "a.pdf",
            "-o",
            "out/signed.pdf",
            "--sign-key",
            "id.p12",
        ],
        &["id.p12 needs a passphrase", "--key-pass-file"],
    );
    // A PKCS#12 file's certificate is enough: no --sign-cert needed; a PEM key needs one.
    refused(
        dir,
        &[
            "sign",
            "a.pdf",
            "-o",
            "out/signed.pdf",
            "--sign-key",
            "enc.pem",
            "--key-pass-file",
            "pass",
        ],
        &["enc.pem holds no certificate for the key", "--sign-cert"],
    );
}

/// A SoftHSM2 token `annex` (user PIN 1234) in a temp folder, holding `ec` (the provider's
/// P-256 key, id 01, with its certificate on the token) and `rsa` (an RSA 3072 key, id 02,
/// its self-signed certificate `rsa.pem` left outside the token: `--sign-cert`) and `p384`
/// (an EC P-384 key, id 03, certificate `p384.pem` outside the token too).
struct Token {
    dir: tempfile::TempDir,
}

impl Token {
    fn new() -> Token {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("tokens")).unwrap();
        std::fs::write(
            d.join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                d.join("tokens").display()
            ),
        )
        .unwrap();
        let token = Token { dir };
        token.tool(
            "softhsm2-util",
            &[
                "--init-token",
                "--free",
                "--label",
                "annex",
                "--pin",
                "1234",
                "--so-pin",
                "5678",
            ],
        );
        let ec = pki("TEST-ONLY-provider.key.pem");
        token.tool(
            "openssl",
            &["pkcs8", "-topk8", "-nocrypt", "-in", &ec, "-out", "ec.p8"],
        );
        token.tool(
            "softhsm2-util",
            &[
                "--import", "ec.p8", "--token", "annex", "--label", "ec", "--id", "01", "--pin",
                "1234",
            ],
        );
        let cert = pki("TEST-ONLY-provider.cert.pem");
        token.tool(
            "openssl",
            &["x509", "-in", &cert, "-outform", "DER", "-out", "ec.der"],
        );
        token.tool(
            "pkcs11-tool",
            &[
                "--module",
                MODULE,
                "--token-label",
                "annex",
                "--login",
                "--pin",
                "1234",
                "--write-object",
                "ec.der",
                "--type",
                "cert",
                "--label",
                "ec",
                "--id",
                "01",
            ],
        );
        token.tool(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:3072",
                "-nodes",
                "-keyout",
                "rsa.key",
                "-out",
                "rsa.pem",
                "-subj",
                "/CN=Token RSA Signer",
                "-days",
                "3650",
            ],
        );
        token.tool(
            "softhsm2-util",
            &[
                "--import", "rsa.key", "--token", "annex", "--label", "rsa", "--id", "02", "--pin",
                "1234",
            ],
        );
        token.tool(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-nodes",
                "-keyout",
                "p384.key",
                "-out",
                "p384.pem",
                "-subj",
                "/CN=Token P-384 Signer",
                "-days",
                "3650",
            ],
        );
        token.tool(
            "softhsm2-util",
            &[
                "--import", "p384.key", "--token", "annex", "--label", "p384", "--id", "03",
                "--pin", "1234",
            ],
        );
        std::fs::write(token.dir.path().join("pin"), "1234\n").unwrap();
        token
    }

    fn tool(&self, program: &str, args: &[&str]) {
        let out = Command::new(program)
            .args(args)
            .current_dir(self.dir.path())
            .env("SOFTHSM2_CONF", self.conf())
            .output()
            .unwrap_or_else(|e| panic!("{program} runs (.ci/run installs it): {e}"));
        assert!(out.status.success(), "{program} {args:?}\n{}", show(&out));
    }

    fn conf(&self) -> String {
        self.dir.path().join("softhsm2.conf").display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// The URI of `object`, the PIN from the token's pin file.
    fn uri(&self, object: &str) -> String {
        format!(
            "pkcs11:token=annex;object={object}?module-path={MODULE}&pin-source=file:{}",
            self.path("pin")
        )
    }

    fn annex(&self, dir: &Path, args: &[&str]) -> Output {
        annex_env(dir, args, &[("SOFTHSM2_CONF", &self.conf())])
    }
}

#[test]
fn a_token_signs_with_ec_and_rsa_3072_and_refuses_by_name() {
    if !crate::tools(&["openssl", "pdfsig", "softhsm2-util", "pkcs11-tool"]) {
        return;
    }
    let token = Token::new();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let ca = pki("TEST-ONLY-ca.pem");
    // EC: the certificate comes from the token.
    let pdf = final_annex(dir, "ec.pdf");
    let out = token.annex(
        dir,
        &[
            "sign",
            "ec.pdf",
            "--sign-key",
            &token.uri("ec"),
            "--sign-chain",
            &ca,
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_valid(dir, &pdf, &ca, 1);
    // RSA 3072: the certificate is not on the token; module from the environment, PIN
    // from a file flag.
    let pdf = final_annex(dir, "rsa.pdf");
    let rsa_cert = token.path("rsa.pem");
    let out = annex_env(
        dir,
        &[
            "sign",
            "rsa.pdf",
            "--sign-key",
            "pkcs11:token=annex;object=rsa",
            "--sign-cert",
            &rsa_cert,
            "--key-pass-file",
            &token.path("pin"),
        ],
        &[
            ("SOFTHSM2_CONF", &token.conf()),
            ("ANNEX_PKCS11_MODULE", MODULE),
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert_valid(dir, &pdf, &rsa_cert, 1);
    // The same RSA key signing RSASSA-PSS, and a P-384 key.
    for (object, cert, extra) in [
        ("rsa", "rsa.pem", Some("--sign-rsa-pss")),
        ("p384", "p384.pem", None),
    ] {
        let pdf = final_annex(dir, &format!("{object}-2.pdf"));
        let cert = token.path(cert);
        let shown = pdf.display().to_string();
        let uri = token.uri(object);
        let mut args = vec![
            "sign",
            shown.as_str(),
            "--sign-key",
            uri.as_str(),
            "--sign-cert",
            cert.as_str(),
        ];
        args.extend(extra);
        let out = token.annex(dir, &args);
        assert!(out.status.success(), "{object}\n{}", show(&out));
        assert_valid(dir, &pdf, &cert, 1);
    }

    // Refusals: exit 1, what was looked for named, the PIN never shown, nothing written.
    let pdf = final_annex(dir, "a.pdf");
    let before = std::fs::read(&pdf).unwrap();
    let with_module = format!("?module-path={MODULE}");
    for (uri, expected) in [
        (
            format!("pkcs11:token=annex;object=ec{with_module}&pin-value=987654"),
            "wrong PIN for token \"annex\"",
        ),
        (
            format!("pkcs11:token=elsewhere;object=ec{with_module}&pin-value=1234"),
            "no token \"elsewhere\"",
        ),
        (
            format!("pkcs11:token=annex;object=gone{with_module}&pin-value=1234"),
            "no private key object \"gone\" on token \"annex\"",
        ),
        (
            "pkcs11:token=annex;object=ec?module-path=/nonexistent/libpkcs11.so&pin-value=1234"
                .to_owned(),
            "cannot load the PKCS#11 module /nonexistent/libpkcs11.so",
        ),
        (
            "pkcs11:token=annex;object=ec?pin-value=1234".to_owned(),
            "no PKCS#11 module for object \"ec\" on token \"annex\"",
        ),
    ] {
        let out = token.annex(dir, &["sign", "a.pdf", "--sign-key", &uri]);
        assert_eq!(out.status.code(), Some(1), "{uri}\n{}", show(&out));
        let text = show(&out);
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
        assert!(!text.contains("987654"), "the PIN is shown:\n{text}");
        assert_eq!(
            std::fs::read(&pdf).unwrap(),
            before,
            "{uri}: the annex changed"
        );
    }
}

#[test]
fn a_batch_of_final_annexes_is_signed_on_one_token_session() {
    if !crate::tools(&["openssl", "pdfsig", "softhsm2-util", "pkcs11-tool"]) {
        return;
    }
    let token = Token::new();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let profiles = dir.join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    for name in ["alpha", "beta"] {
        std::fs::copy(
            fixture("pack-customers").join(format!("{name}.toml")),
            profiles.join(format!("{name}.toml")),
        )
        .unwrap();
    }
    std::fs::copy(
        repo("data/profiles/nordwind.toml"),
        profiles.join("nordwind.toml"),
    )
    .unwrap();
    let ca = pki("TEST-ONLY-ca.pem");
    let out = token.annex(
        dir,
        &[
            "batch",
            "profiles",
            "--out",
            "out",
            "--jobs",
            "2",
            "--quiet",
            "--sign-key",
            &token.uri("ec"),
            "--sign-chain",
            &ca,
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let mut signed = 0;
    for entry in std::fs::read_dir(dir.join("out")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pdf") {
            assert_valid(dir, &path, &ca, 1);
            signed += 1;
        }
    }
    assert_eq!(signed, 3, "every final annex of the batch is signed");
}

#[test]
fn pack_signs_its_annex_on_the_token() {
    if !crate::tools(&["openssl", "pdfsig", "softhsm2-util", "pkcs11-tool"]) {
        return;
    }
    let token = Token::new();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let profile = fixture("pack-customers/alpha.toml").display().to_string();
    let out = token.annex(
        dir,
        &[
            "pack",
            "--profile",
            &profile,
            "--out",
            "packs",
            "--sign-key",
            &token.uri("ec"),
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let zip = dir.join("packs/alpha-evidence.zip").display().to_string();
    let out = annex(dir, &["verify", &zip, "--trust", &pki("TEST-ONLY-ca.pem")]);
    assert!(out.status.success(), "{}", show(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("member alpha-annex.pdf: signature"),
        "{report}"
    );
}

/// Without a passphrase flag, on a terminal (a pseudo-terminal from util-linux `script`),
/// the passphrase is asked once, without echo, for a whole batch.
#[test]
fn a_batch_asks_the_passphrase_once_on_a_terminal() {
    if !crate::tools(&[
        "openssl",
        "pdfsig",
        "softhsm2-util",
        "pkcs11-tool",
        "script",
    ]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    key_files(dir);
    let profiles = dir.join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    for name in ["alpha", "beta"] {
        std::fs::copy(
            fixture("pack-customers").join(format!("{name}.toml")),
            profiles.join(format!("{name}.toml")),
        )
        .unwrap();
    }
    let command = format!(
        "{} batch profiles --out out --jobs 2 --quiet --sign-key id.p12",
        env!("CARGO_BIN_EXE_annex")
    );
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script runs (util-linux)");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PASS}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let text = show(&out);
    assert_eq!(text.matches("passphrase for id.p12").count(), 1, "{text}");
    let ca = pki("TEST-ONLY-ca.pem");
    for name in ["alpha", "beta"] {
        assert_valid(dir, &dir.join(format!("out/{name}-annex.pdf")), &ca, 1);
    }
}
