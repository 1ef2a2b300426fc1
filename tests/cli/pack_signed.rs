//! Signed evidence packs (#24): with a key, `annex pack` also signs `manifest.json` with a
//! detached CMS signature, `manifest.json.p7s` (DER), which OpenSSL accepts and `annex
//! verify` checks; a changed manifest or signature fails it.

use std::io::{Read as _, Write as _};

use super::sign::{ca, stdout};
use super::*;

fn pki(name: &str) -> String {
    fixture(&format!("seal-test-pki/TEST-ONLY-{name}"))
        .display()
        .to_string()
}

fn signed_pack(dir: &Path) -> PathBuf {
    let profile = fixture("pack-customers/alpha.toml").display().to_string();
    let out = annex(
        dir,
        &[
            "pack",
            "--profile",
            &profile,
            "--out",
            "out",
            "--sign-key",
            &pki("provider.key.pem"),
            "--sign-cert",
            &pki("provider.cert.pem"),
            "--sign-chain",
            &pki("ca.pem"),
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("manifest.json signed by Marek Nowak"),
        "{}",
        show(&out)
    );
    dir.join("out/alpha-evidence.zip")
}

fn members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().into_owned(), b)
        })
        .collect()
}

fn zipped(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn verify(dir: &Path, name: &str, bytes: &[u8]) -> Output {
    std::fs::write(dir.join(name), bytes).unwrap();
    annex(dir, &["verify", name, "--trust", &ca()])
}

#[test]
fn a_signed_pack_signs_its_manifest_and_verify_checks_it() {
    let d = tempfile::tempdir().unwrap();
    let zip = signed_pack(d.path());
    let bytes = std::fs::read(&zip).unwrap();
    let all = members(&bytes);
    // The signature follows the manifest it signs; the manifest does not list it.
    assert_eq!(all[0].0, "manifest.json");
    assert_eq!(all[1].0, "manifest.json.p7s");
    let manifest: serde_json::Value = serde_json::from_slice(&all[0].1).unwrap();
    assert!(manifest["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["name"] != "manifest.json.p7s"));

    let out = annex(
        d.path(),
        &["verify", "out/alpha-evidence.zip", "--trust", &ca()],
    );
    let report = stdout(&out);
    assert!(out.status.success(), "{}", show(&out));
    for line in [
        "ok      member manifest.json.p7s: signs manifest.json as it is\n",
        "ok      member manifest.json.p7s: signature math verifies with the signer's certificate\n",
        "ok      member manifest.json.p7s: signing-certificate-v2 binds the signer's certificate\n",
        "ok      member manifest.json.p7s: certificate of \"Marek Nowak\" valid now (the signature claims no time)\n",
        "ok      member manifest.json.p7s: certificate chain Marek Nowak → ",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
    // Without --trust, the chain is not judged: said, not passed.
    let out = annex(d.path(), &["verify", "out/alpha-evidence.zip"]);
    assert!(
        stdout(&out).contains("member manifest.json.p7s: certificate chain not checked"),
        "{}",
        show(&out)
    );

    // A manifest changed in a way every member still agrees with: only its signature
    // tells.
    let mut changed = all.clone();
    let text = String::from_utf8(changed[0].1.clone()).unwrap();
    changed[0].1 = text
        .replacen("\"contract\": \"", "\"contract\": \"X-", 1)
        .into_bytes();
    assert_ne!(changed[0].1, all[0].1);
    let out = verify(d.path(), "manifest.zip", &zipped(&changed));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("FAILED  member manifest.json.p7s: ")
            && stdout(&out).contains("manifest.json changed after it was signed"),
        "{}",
        show(&out)
    );

    // A changed signature (one byte of the signature value, at its end) fails.
    let mut changed = all.clone();
    let last = changed[1].1.len() - 1;
    changed[1].1[last] ^= 1;
    let out = verify(d.path(), "p7s.zip", &zipped(&changed));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("FAILED  member manifest.json.p7s: "),
        "{}",
        show(&out)
    );

    // Garbage in place of the signature: named, not a crash.
    let mut changed = all.clone();
    changed[1].1 = b"not a signature".to_vec();
    let out = verify(d.path(), "garbage.zip", &zipped(&changed));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("FAILED  member manifest.json.p7s: "),
        "{}",
        show(&out)
    );

    // An unsigned pack says its manifest is not signed, and passes.
    let profile = fixture("pack-customers/alpha.toml").display().to_string();
    let out = annex(d.path(), &["pack", "--profile", &profile, "--out", "plain"]);
    assert!(out.status.success(), "{}", show(&out));
    let out = annex(d.path(), &["verify", "plain/alpha-evidence.zip"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        stdout(&out).contains("skipped member manifest.json.p7s: none (the manifest is not signed"),
        "{}",
        show(&out)
    );
}

/// OpenSSL's `cms -verify` accepts the manifest's signature against the CA, and refuses it
/// for a changed manifest.
#[test]
fn openssl_verifies_the_manifest_signature() {
    if !crate::tools(&["openssl"]) {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let zip = signed_pack(d.path());
    let all = members(&std::fs::read(&zip).unwrap());
    std::fs::write(d.path().join("manifest.json"), &all[0].1).unwrap();
    std::fs::write(d.path().join("manifest.json.p7s"), &all[1].1).unwrap();
    let openssl = |content: &str| {
        std::process::Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-content",
                content,
                "-inform",
                "DER",
                "-in",
                "manifest.json.p7s",
                "-CAfile",
                &ca(),
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ])
            .current_dir(d.path())
            .output()
            .unwrap()
    };
    let out = openssl("manifest.json");
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Verification successful"),
        "{}",
        show(&out)
    );
    let mut changed = all[0].1.clone();
    changed.push(b' ');
    std::fs::write(d.path().join("changed.json"), &changed).unwrap();
    let out = openssl("changed.json");
    assert!(!out.status.success(), "{}", show(&out));
}

/// The manifest's signature carries no time: the same manifest and key give the same
/// bytes (the pack's bytes still differ between runs by the annex's signing time).
#[test]
fn the_manifest_signature_is_reproducible() {
    use annex::sign::keys::{KeyOptions, KeySource, Passphrase};
    let signer = annex::sign::Signer::load(&KeyOptions {
        key: KeySource::parse(Path::new(&pki("provider.key.pem"))).unwrap(),
        cert: Some(pki("provider.cert.pem").into()),
        chain: Some(pki("ca.pem").into()),
        passphrase: Passphrase::Prompt,
        rsa_pss: false,
    })
    .unwrap();
    let a = signer
        .sign_detached(b"{\"format\": \"annex-pack/1\"}\n")
        .unwrap();
    let b = signer
        .sign_detached(b"{\"format\": \"annex-pack/1\"}\n")
        .unwrap();
    let c = signer
        .sign_detached(b"{\"format\": \"annex-pack/2\"}\n")
        .unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}
