//! Timestamped batches (#24): `annex batch --tsa URL` asks the time-stamping authority for
//! every signature it makes, as `render`, `sign` and `pack` do: every final annex of the
//! batch, and each pack's annex and manifest, is B-T per `annex verify`.

use super::sign::{ca, stdout};
use super::sign_levels::Tsa;
use super::*;

fn pki(name: &str) -> String {
    fixture(&format!("seal-test-pki/TEST-ONLY-{name}"))
        .display()
        .to_string()
}

/// A folder of the two final pack customers' profiles in `dir`.
fn profiles(dir: &Path) {
    let profiles = dir.join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    for name in ["alpha", "beta"] {
        std::fs::copy(
            fixture("pack-customers").join(format!("{name}.toml")),
            profiles.join(format!("{name}.toml")),
        )
        .unwrap();
    }
}

fn batch(dir: &Path, tsa: &str, extra: &[&str]) -> Output {
    let (key, cert, chain) = (
        pki("provider.key.pem"),
        pki("provider.cert.pem"),
        pki("ca.pem"),
    );
    let mut args = vec![
        "batch",
        "profiles",
        "--out",
        "out",
        "--jobs",
        "2",
        "--quiet",
        "--sign-key",
        &key,
        "--sign-cert",
        &cert,
        "--sign-chain",
        &chain,
        "--tsa",
        tsa,
    ];
    args.extend_from_slice(extra);
    annex(dir, &args)
}

#[test]
fn batch_tsa_timestamps_every_signature() {
    if !crate::tools(&["python3", "openssl"]) {
        return;
    }
    let tsa = Tsa::start();
    let d = tempfile::tempdir().unwrap();
    profiles(d.path());
    let out = batch(d.path(), &tsa.url, &[]);
    assert!(out.status.success(), "{}", show(&out));
    let mut seen = 0;
    for name in ["alpha", "beta"] {
        let pdf = d.path().join(format!("out/{name}-annex.pdf"));
        let out = annex(
            d.path(),
            &[
                "verify",
                &pdf.display().to_string(),
                "--trust",
                &ca(),
                "--trust",
                &tsa.ca(),
            ],
        );
        let report = stdout(&out);
        assert!(out.status.success(), "{}", show(&out));
        assert!(report.contains("signature 1: level B-T\n"), "{report}");
        seen += 1;
    }
    assert_eq!(seen, 2);

    // Packs: the annex and the manifest's signature carry a token.
    let out = batch(d.path(), &tsa.url, &["--pack"]);
    assert!(out.status.success(), "{}", show(&out));
    for name in ["alpha", "beta"] {
        let zip = d.path().join(format!("out/{name}-evidence.zip"));
        let out = annex(
            d.path(),
            &[
                "verify",
                &zip.display().to_string(),
                "--trust",
                &ca(),
                "--trust",
                &tsa.ca(),
            ],
        );
        let report = stdout(&out);
        assert!(out.status.success(), "{}", show(&out));
        let annex_line = format!("member {name}-annex.pdf: signature 1: level B-T\n");
        for line in [
            annex_line.as_str(),
            "member manifest.json.p7s: timestamp token by \"Loopback TEST-ONLY TSA\"",
            "member manifest.json.p7s: certificate of \"Marek Nowak\" valid at the timestamp's time",
        ] {
            assert!(report.contains(line), "{line}\n{report}");
        }
    }
}

/// A TSA that does not answer fails the batch's signed profiles (exit 1) and writes no
/// unsigned or untimestamped annex in their place.
#[test]
fn batch_with_an_unreachable_tsa_writes_no_annex() {
    let d = tempfile::tempdir().unwrap();
    profiles(d.path());
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = batch(d.path(), &format!("http://127.0.0.1:{port}/"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    for name in ["alpha", "beta"] {
        assert!(
            !d.path().join(format!("out/{name}-annex.pdf")).exists(),
            "{name}"
        );
    }
}
