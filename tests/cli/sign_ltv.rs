//! Signatures for years (#24): `annex ltv` (B-LT) with CRLs and OCSP responses fetched from a
//! loopback server or given offline, `annex timestamp` (B-LTA), `verify --at`, and a
//! certificate revoked before use (sign refuses; ltv refuses; verify fails naming the CRL).
//! The loopback PKI, TSA, CRL server and OCSP responder: `scripts/loopback_tsa.py`.

use super::sign::{stderr, stdout};
use super::sign_levels::{render, Tsa};
use super::*;

use annex::sign::keys::{KeyOptions, KeySource, Passphrase};

fn pki(tsa: &Tsa, name: &str) -> String {
    tsa.dir.path().join(name).display().to_string()
}

/// `annex sign` with one of the loopback PKI's signers (`signer`, `revoked`, `ocsp-signer`).
fn sign_as(dir: &Path, pdf: &Path, tsa: &Tsa, who: &str) -> Output {
    annex(
        dir,
        &[
            "sign",
            &pdf.display().to_string(),
            "--sign-key",
            &pki(tsa, &format!("{who}.key")),
            "--sign-cert",
            &pki(tsa, &format!("{who}.pem")),
            "--sign-chain",
            &pki(tsa, "ca.pem"),
            "--tsa",
            &tsa.url,
        ],
    )
}

/// The loopback CA's CRL as of now (DER), made with `openssl ca -gencrl` as the server does.
fn fresh_crl(tsa: &Tsa) -> PathBuf {
    let dir = tsa.dir.path();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", show(&out));
    };
    run(&[
        "ca",
        "-gencrl",
        "-config",
        "openssl.cnf",
        "-out",
        "offline.crl.pem",
    ]);
    run(&[
        "crl",
        "-in",
        "offline.crl.pem",
        "-outform",
        "DER",
        "-out",
        "offline.crl",
    ]);
    dir.join("offline.crl")
}

fn verify_at(dir: &Path, pdf: &Path, tsa: &Tsa, at: Option<&str>) -> Output {
    let (path, ca) = (pdf.display().to_string(), tsa.ca());
    let mut args = vec!["verify", &path, "--trust", &ca];
    if let Some(at) = at {
        args.extend(["--at", at]);
    }
    annex(dir, &args)
}

fn assert_lines(out: &Output, lines: &[&str]) {
    let report = stdout(out);
    for line in lines {
        assert!(report.contains(line), "{line}\n{}", show(out));
    }
}

/// B-T, then `annex ltv` fetches the CRL from the loopback server: verify reports B-LT and
/// the signer's and TSA's certificates not revoked per that CRL; `annex timestamp` makes it
/// B-LTA; `--at` tells until when it validates.
#[test]
fn ltv_then_timestamp_make_b_lt_then_b_lta() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    let pdf = render(d.path());
    let out = sign_as(d.path(), &pdf, &tsa, "signer");
    assert!(out.status.success(), "{}", show(&out));
    // Revocation data issued after the signature's time, as a CA's would be.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let path = pdf.display().to_string();
    let before = std::fs::read(&pdf).unwrap();
    let out = annex(d.path(), &["ltv", &path, "-o", "lt.pdf"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stderr(&out).contains("validation data added: 3 certificate(s), 1 CRL(s)"),
        "{}",
        show(&out)
    );
    let lt = d.path().join("lt.pdf");
    let bytes = std::fs::read(&lt).unwrap();
    assert_eq!(
        &bytes[..before.len()],
        &before[..],
        "earlier bytes unchanged"
    );
    let out = verify_at(d.path(), &lt, &tsa, None);
    assert!(out.status.success(), "{}", show(&out));
    assert_lines(
        &out,
        &[
            "signature 1 (Loopback TEST-ONLY Signer, ",
            ": signer: \"Loopback TEST-ONLY Signer\" is not revoked per the CRL of \"Loopback TEST-ONLY CA\" issued ",
            ": the signature timestamp's TSA: \"Loopback TEST-ONLY TSA\" is not revoked per the CRL",
            "adds validation data (/DSS)",
            "signature 1: level B-LT (validation data added in revision 3",
        ],
    );
    // The same again adds nothing twice (the DSS already holds every datum).
    let out = annex(d.path(), &["ltv", "lt.pdf", "-o", "lt2.pdf"]);
    assert!(out.status.success(), "{}", show(&out));

    let out = annex(d.path(), &["timestamp", "lt.pdf", "--tsa", &tsa.url]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stderr(&out).contains("document timestamp \"Timestamp 1\" by \"Loopback TEST-ONLY TSA\""),
        "{}",
        show(&out)
    );
    let out = verify_at(d.path(), &lt, &tsa, Some("2030-01-01"));
    assert!(out.status.success(), "{}", show(&out));
    assert_lines(
        &out,
        &[
            "document timestamp 1 (field \"Timestamp 1\"): RFC 3161 token by \"Loopback TEST-ONLY TSA\"",
            "signature 1: level B-LTA (",
            "signature 1 at 2030-01-01: still validates (B-LTA): document timestamp 1 (field \"Timestamp 1\")'s TSA certificate",
            "no change after the last signature",
        ],
    );
    // The loopback certificates last ten years: past that, renewal was due.
    let out = verify_at(d.path(), &lt, &tsa, Some("2040-01-01"));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_lines(
        &out,
        &["signature 1 at 2040-01-01: would no longer validate (B-LTA)"],
    );
    // Renewal: validation data for the timestamp's TSA, then a new timestamp.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = annex(d.path(), &["ltv", "lt.pdf"]);
    assert!(out.status.success(), "{}", show(&out));
    let out = annex(d.path(), &["timestamp", "lt.pdf", "--tsa", &tsa.url]);
    assert!(out.status.success(), "{}", show(&out));
    let out = verify_at(d.path(), &lt, &tsa, None);
    assert!(out.status.success(), "{}", show(&out));
    assert_lines(
        &out,
        &[
            "document timestamp 2 (field \"Timestamp 2\")",
            "signature 1: level B-LTA (",
        ],
    );
}

/// `--offline` with `--crl`: the loopback server stopped, the CRL given as a file. Without
/// it, nothing can be had: exit 1 naming the certificate, nothing written. A certificate
/// that names an OCSP responder only gets an OCSP response.
#[test]
fn ltv_offline_takes_crl_files_and_fetches_ocsp() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    let pdf = render(d.path());
    let ocsp_pdf = d.path().join("ocsp.pdf");
    std::fs::copy(&pdf, &ocsp_pdf).unwrap();
    std::fs::copy(&pdf, d.path().join("unsigned.pdf")).unwrap();
    let out = sign_as(d.path(), &pdf, &tsa, "signer");
    assert!(out.status.success(), "{}", show(&out));
    let out = sign_as(d.path(), &ocsp_pdf, &tsa, "ocsp-signer");
    assert!(out.status.success(), "{}", show(&out));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = annex(d.path(), &["ltv", "ocsp.pdf"]);
    assert!(out.status.success(), "{}", show(&out));
    // The signer's certificate names only the OCSP responder; the TSA's, the CRL (which,
    // the same CA's, then speaks of the signer too).
    for line in [
        "1 CRL(s), 1 OCSP response(s)",
        "signature 1 (Loopback TEST-ONLY OCSP Signer): \"Loopback TEST-ONLY OCSP Signer\" is not revoked per the OCSP response produced ",
    ] {
        assert!(stderr(&out).contains(line), "{line}\n{}", show(&out));
    }
    let out = verify_at(d.path(), &ocsp_pdf, &tsa, None);
    assert!(out.status.success(), "{}", show(&out));
    assert_lines(
        &out,
        &[
            "signer: \"Loopback TEST-ONLY OCSP Signer\" is not revoked per ",
            "signature 1: level B-LT (",
        ],
    );

    let crl = fresh_crl(&tsa);
    let path = pdf.display().to_string();
    let before = std::fs::read(&pdf).unwrap();
    let out = annex(d.path(), &["ltv", &path, "--offline"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("no revocation data for \"Loopback TEST-ONLY Signer\""),
        "{}",
        show(&out)
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "nothing written");
    // What is not a CRL is refused naming the file.
    std::fs::write(d.path().join("bad.crl"), b"not a CRL").unwrap();
    let out = annex(d.path(), &["ltv", &path, "--offline", "--crl", "bad.crl"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("bad.crl: not a CRL"),
        "{}",
        show(&out)
    );
    drop(tsa_server_stopped(tsa, |tsa| {
        let crl = crl.display().to_string();
        let ltv = |to: &str| {
            annex(
                d.path(),
                &["ltv", &path, "--offline", "--crl", &crl, "-o", to],
            )
        };
        let out = ltv("a.pdf");
        assert!(out.status.success(), "{}", show(&out));
        assert!(stderr(&out).contains("offline.crl)"), "{}", show(&out));
        // Same file, same data: same bytes.
        let out = ltv("b.pdf");
        assert!(out.status.success(), "{}", show(&out));
        let a = std::fs::read(d.path().join("a.pdf")).unwrap();
        assert_eq!(a, std::fs::read(d.path().join("b.pdf")).unwrap());
        let out = verify_at(d.path(), &d.path().join("a.pdf"), tsa, None);
        assert!(out.status.success(), "{}", show(&out));
        assert_lines(&out, &["signature 1: level B-LT ("]);
    }));
    // An unsigned annex has nothing to add validation data for, nor to timestamp.
    for args in [
        vec!["ltv", "unsigned.pdf"],
        vec!["timestamp", "unsigned.pdf", "--tsa", "http://127.0.0.1:9/"],
    ] {
        let out = annex(d.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        assert!(stderr(&out).contains("has no signature"), "{}", show(&out));
    }
}

/// Runs `f` with the loopback server stopped (its files kept): what is checked then is
/// checked offline.
fn tsa_server_stopped(mut tsa: Tsa, f: impl FnOnce(&Tsa)) -> Tsa {
    tsa.stop();
    f(&tsa);
    tsa
}

/// A certificate revoked (keyCompromise) before it is used: `annex sign` refuses, naming
/// the CRL, and writes nothing; a file another tool signed with it: `annex ltv` refuses,
/// and `verify` of it with the CRL in its DSS fails naming the CRL.
#[test]
fn a_revoked_certificate_is_refused_and_fails_verification() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    let pdf = render(d.path());
    let before = std::fs::read(&pdf).unwrap();
    let out = sign_as(d.path(), &pdf, &tsa, "revoked");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("cannot sign: \"Loopback TEST-ONLY Revoked\" was revoked on ")
            && stderr(&out).contains("(KeyCompromise) per the CRL of \"Loopback TEST-ONLY CA\""),
        "{}",
        show(&out)
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), before, "nothing written");

    // Signed anyway, by a tool that did not check (the library's signing, here).
    let signer = annex::sign::Signer::load(&KeyOptions {
        key: KeySource::parse(Path::new(&pki(&tsa, "revoked.key"))).unwrap(),
        cert: Some(pki(&tsa, "revoked.pem").into()),
        chain: Some(pki(&tsa, "ca.pem").into()),
        passphrase: Passphrase::Prompt,
        rsa_pss: false,
    })
    .unwrap()
    .with_tsa(Some(tsa.url.clone()));
    let (signed, _) =
        annex::sign::sign_pdf(&before, "annex.pdf", &signer, annex::sign::now()).unwrap();
    std::fs::write(d.path().join("revoked.pdf"), &signed).unwrap();
    let out = annex(d.path(), &["ltv", "revoked.pdf"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("\"Loopback TEST-ONLY Revoked\" was revoked on ")
            && stderr(&out).contains("FAILED, no validation data added"),
        "{}",
        show(&out)
    );
    assert_eq!(std::fs::read(d.path().join("revoked.pdf")).unwrap(), signed);
    // The validation data as another tool would add them.
    let added = annex::sign::ltv::add(
        &signed,
        "revoked.pdf",
        &annex::sign::ltv::Options {
            fetch: true,
            ..Default::default()
        },
    )
    .unwrap();
    std::fs::write(d.path().join("revoked-lt.pdf"), &added.bytes).unwrap();
    let out = verify_at(d.path(), &d.path().join("revoked-lt.pdf"), &tsa, None);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_lines(&out, &["FAILED  signature 1 (Loopback TEST-ONLY Revoked, "]);
    let report = stdout(&out);
    assert!(
        report.contains(": signer: \"Loopback TEST-ONLY Revoked\" was revoked on ")
            && report.contains("per the CRL of \"Loopback TEST-ONLY CA\" issued ")
            && report.contains("(the file's DSS, CRL 1)"),
        "{report}"
    );
}

/// An annex made and signed before the register existed (#26): `register import` records
/// its document from its own attachments, with the facts the register would have recorded
/// when it was made, and its signature; the signature's level then follows `annex ltv` and
/// `annex timestamp` given the register (B-T, B-LT, B-LTA), listed once, with the file's
/// SHA-256 as it stands.
#[test]
fn an_annex_made_before_the_register_is_imported_and_its_level_followed() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    let pdf = render(d.path());
    let out = sign_as(d.path(), &pdf, &tsa, "signer");
    assert!(out.status.success(), "{}", show(&out));
    let path = pdf.display().to_string();
    let reg = d.path().join("reg.db").display().to_string();
    let listed = |d: &Path| -> serde_json::Value {
        let out = annex(
            d,
            &["register", "list", "--format", "json", "--register", &reg],
        );
        assert!(out.status.success(), "{}", show(&out));
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        list[0].clone()
    };

    let out = annex(d.path(), &["register", "import", &path, "--register", &reg]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).contains(
            "document recorded from its attachments; 1 signature(s), 1 new or at a new level"
        ),
        "{}",
        show(&out)
    );
    let entry = listed(d.path());
    assert_eq!(
        entry["customer"], "Nordwind Logistics Sp. z o.o.",
        "{entry}"
    );
    assert_eq!(entry["state"], "partly signed", "{entry}");
    assert_eq!(entry["signed_by"][0]["level"], "B-T", "{entry}");
    let sha = |p: &Path| annex::digest::sha256_hex(&std::fs::read(p).unwrap());
    assert_eq!(entry["sha256"], sha(&pdf));

    // What the register would have recorded had it seen the annex made: the same facts.
    let made = d.path().join("made");
    std::fs::create_dir_all(&made).unwrap();
    let seen = made.join("reg.db").display().to_string();
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(
        &made,
        &[
            "render",
            "--profile",
            &profile,
            "--final",
            "--register",
            &seen,
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let document = |register: &str| -> serde_json::Value {
        let out = annex(d.path(), &["register", "export", "--register", register]);
        assert!(out.status.success(), "{}", show(&out));
        let export: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut event = export["events"][0]["event"].clone();
        // Only the command that recorded it differs (`render`, `import`).
        event.as_object_mut().unwrap().remove("made_by");
        event
    };
    assert_eq!(document(&reg), document(&seen));

    // Validation data, then a document timestamp: the same signature at a new level.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = annex(d.path(), &["ltv", &path, "--register", &reg]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stderr(&out).contains("1 signature(s), 1 new or at a new level"),
        "{}",
        show(&out)
    );
    let entry = listed(d.path());
    assert_eq!(entry["signed_by"].as_array().unwrap().len(), 1, "{entry}");
    assert_eq!(entry["signed_by"][0]["level"], "B-LT", "{entry}");
    assert_eq!(entry["signatures"], 1);
    assert_eq!(entry["sha256"], sha(&pdf));
    let out = annex(
        d.path(),
        &["timestamp", &path, "--tsa", &tsa.url, "--register", &reg],
    );
    assert!(out.status.success(), "{}", show(&out));
    let entry = listed(d.path());
    assert_eq!(entry["signed_by"].as_array().unwrap().len(), 1, "{entry}");
    assert_eq!(entry["signed_by"][0]["level"], "B-LTA", "{entry}");
    assert_eq!(entry["sha256"], sha(&pdf));
    // Importing the file again adds nothing; the chain holds.
    let out = annex(d.path(), &["register", "import", &path, "--register", &reg]);
    assert!(
        stdout(&out).contains(": 1 signature(s), 0 new"),
        "{}",
        show(&out)
    );
    let out = annex(d.path(), &["register", "verify", "--register", &reg]);
    assert!(out.status.success(), "{}", show(&out));
}
