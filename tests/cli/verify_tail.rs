//! A signed annex whose last `startxref` is damaged: a reader falls back to the first
//! revision and would see an unsigned annex that passes; `verify` fails it instead.

use super::{annex, fixture, repo, show};

#[test]
fn a_signed_annex_with_a_damaged_last_startxref_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let pki = fixture("seal-test-pki");
    let key = pki.join("TEST-ONLY-customer.key.pem");
    let cert = pki.join("TEST-ONLY-customer.cert.pem");
    let run = annex(
        &repo(""),
        &[
            "render",
            "--profile",
            "data/profiles/nordwind.toml",
            "--final",
            "--sign-key",
            key.to_str().unwrap(),
            "--sign-cert",
            cert.to_str().unwrap(),
            "--out",
            dir.path().to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", show(&run));
    let pdf = dir.path().join("nordwind-annex.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    let at = bytes
        .windows(9)
        .rposition(|w| w == b"startxref")
        .expect("a last startxref");
    bytes[at + 2] ^= 0x01; // "startxref" → "stastxref"
    let damaged = dir.path().join("damaged.pdf");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = annex(&repo(""), &["verify", damaged.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout.contains("after the last readable revision"),
        "{stdout}"
    );
}
