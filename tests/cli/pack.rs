//! Evidence packs (#15): `annex pack` makes one deterministic zip per customer, `annex
//! verify` checks it member by member and names the member at fault, `annex batch --pack`
//! makes one per profile.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Output;

use super::{annex, fixture, repo, show};

fn profile(name: &str) -> String {
    fixture(&format!("pack-customers/{name}.toml"))
        .display()
        .to_string()
}

/// Packs `customer` into `dir/out` and returns the zip's path.
fn pack(dir: &Path, customer: &str, extra: &[&str]) -> PathBuf {
    let p = profile(customer);
    let mut args = vec!["pack", "--profile", &p, "--out", "out"];
    args.extend_from_slice(extra);
    let out = annex(dir, &args);
    assert!(out.status.success(), "{}", show(&out));
    let zip = dir.join(format!("out/{customer}-evidence.zip"));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        Path::new("out")
            .join(format!("{customer}-evidence.zip"))
            .display()
            .to_string()
    );
    zip
}

/// The members of a zip, in order.
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

/// A zip of `members`, in order.
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

/// Writes `bytes` as `dir/<name>` and verifies it (with the test CA).
fn verify(dir: &Path, name: &str, bytes: &[u8]) -> Output {
    std::fs::write(dir.join(name), bytes).unwrap();
    annex(dir, &["verify", name, "--trust", &super::sign::ca()])
}

/// Exit code 1 and a FAILED line naming `member`.
fn fails_naming(out: &Output, member: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", show(out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAILED") && l.contains(&format!("member {member}"))),
        "no FAILED line names {member}:\n{}",
        show(out)
    );
}

fn manifest(members: &[(String, Vec<u8>)]) -> serde_json::Value {
    serde_json::from_slice(&members[0].1).unwrap()
}

#[test]
fn a_pack_holds_everything_verifies_and_is_byte_identical_twice() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = std::fs::read(pack(one.path(), "alpha", &[])).unwrap();
    let b = std::fs::read(pack(two.path(), "alpha", &[])).unwrap();
    assert!(a == b, "two packs of the same inputs differ");

    let members = members(&a);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "alpha-annex.pdf",
            "alpha-audit.pdf",
            "alpha-onboarding.pdf",
            "matrix.json",
            "profile.toml",
            "profile.json",
            "catalogue.toml",
            "check.json",
            "sources/ovhcloud-data-processing.toml",
        ]
    );
    let m = manifest(&members);
    assert_eq!(m["format"], "annex-pack/1");
    assert_eq!(m["typst_version"], annex::TYPST_VERSION);
    assert_eq!(m["fingerprint"].as_str().unwrap().len(), 64);
    assert_eq!(m["signed"], false);
    for (entry, (name, bytes)) in m["members"].as_array().unwrap().iter().zip(&members[1..]) {
        assert_eq!(entry["name"], name.as_str());
        assert_eq!(entry["sha256"], annex::digest::sha256_hex(bytes));
        assert!(!entry["what"].as_str().unwrap().is_empty());
    }
    // The profile as given, and the check report of `annex check --format json`.
    let given = std::fs::read(profile("alpha")).unwrap();
    assert_eq!(members[5].1, given);
    let check: serde_json::Value = serde_json::from_slice(&members[8].1).unwrap();
    assert_eq!(check["schema"], 1);
    assert_eq!(check["summary"]["exit_code"], 0);

    // Verified by its bytes, whatever its name: one line per member.
    let out = verify(one.path(), "evidence.bin", &a);
    assert!(out.status.success(), "{}", show(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    for name in &names {
        assert!(
            report
                .lines()
                .any(|l| l.starts_with("ok") && l.contains(&format!("member {name}:"))),
            "no line for {name}:\n{report}"
        );
    }
    assert!(report.contains("member alpha-annex.pdf: its fingerprint is the pack's"));
    assert!(report.contains("member profile.json: the same bytes as the annex's attachment"));
}

#[test]
fn changing_one_byte_of_any_member_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(pack(dir.path(), "alpha", &[])).unwrap();
    let members = members(&bytes);
    for i in 0..members.len() {
        let mut changed = members.clone();
        let body = &mut changed[i].1;
        let at = body.len() / 2;
        body[at] ^= 0x01;
        let out = verify(dir.path(), "changed.zip", &zipped(&changed));
        fails_naming(&out, &members[i].0);
    }
}

#[test]
fn a_byte_changed_in_the_zip_itself_fails_naming_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(pack(dir.path(), "alpha", &[])).unwrap();
    // The deflated data of check.json: after its local header (30 bytes, name, extra).
    let name = b"check.json";
    let header = bytes
        .windows(4 + 26 + name.len())
        .position(|w| w.starts_with(b"PK\x03\x04") && w.ends_with(name))
        .unwrap();
    let extra = u16::from_le_bytes([bytes[header + 28], bytes[header + 29]]) as usize;
    let data = header + 30 + name.len() + extra;
    bytes[data + 8] ^= 0x55;
    fails_naming(&verify(dir.path(), "flipped.zip", &bytes), "check.json");
}

#[test]
fn a_removed_or_an_extra_member_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(pack(dir.path(), "alpha", &[])).unwrap();
    let members = members(&bytes);
    // The untouched members, rezipped, still verify: only the change is at fault.
    assert!(verify(dir.path(), "same.zip", &zipped(&members))
        .status
        .success());
    for removed in [
        "profile.json",
        "check.json",
        "alpha-annex.pdf",
        "manifest.json",
    ] {
        let fewer: Vec<_> = members
            .iter()
            .filter(|(n, _)| n != removed)
            .cloned()
            .collect();
        let out = verify(dir.path(), "fewer.zip", &zipped(&fewer));
        fails_naming(&out, removed);
    }
    let mut more = members.clone();
    more.push(("notes/extra.txt".into(), b"not from annex".to_vec()));
    fails_naming(
        &verify(dir.path(), "more.zip", &zipped(&more)),
        "notes/extra.txt",
    );
}

#[test]
fn another_customers_annex_swapped_in_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let alpha = members(&std::fs::read(pack(dir.path(), "alpha", &[])).unwrap());
    let beta = members(&std::fs::read(pack(dir.path(), "beta", &[])).unwrap());
    let beta_annex = beta[1].1.clone();
    assert_eq!(beta[1].0, "beta-annex.pdf");
    // Beta's (valid, sealed) annex under Alpha's name: its digest is not the manifest's.
    let mut swapped = alpha.clone();
    swapped[1].1 = beta_annex.clone();
    fails_naming(
        &verify(dir.path(), "swapped.zip", &zipped(&swapped)),
        "alpha-annex.pdf",
    );
    // Even with the manifest's digest fixed up, the annex disagrees with the pack's inputs.
    let mut m = manifest(&swapped);
    m["members"][0]["sha256"] = annex::digest::sha256_hex(&beta_annex).into();
    m["members"][0]["size"] = beta_annex.len().into();
    swapped[0].1 = serde_json::to_vec_pretty(&m).unwrap();
    let out = verify(dir.path(), "fixed-up.zip", &zipped(&swapped));
    fails_naming(&out, "alpha-annex.pdf");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("is not the pack's"), "{report}");
    assert!(
        report.contains(
            "member profile.toml: differs from the attachment profile.toml of alpha-annex.pdf"
        ),
        "{report}"
    );
}

#[test]
fn a_signed_pack_with_changes_since_an_earlier_version_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let pki = fixture("seal-test-pki");
    let key = pki.join("TEST-ONLY-provider.key.pem").display().to_string();
    let cert = pki
        .join("TEST-ONLY-provider.cert.pem")
        .display()
        .to_string();
    let old = fixture("pack-customers/old-matrix.toml")
        .display()
        .to_string();
    let zip = pack(
        dir.path(),
        "alpha",
        &["--sign-key", &key, "--sign-cert", &cert, "--since", &old],
    );
    let bytes = std::fs::read(&zip).unwrap();
    let members = members(&bytes);
    let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
    for name in ["since/old-matrix.toml", "changes.json", "changes.txt"] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert_eq!(manifest(&members)["signed"], true);
    let changes: serde_json::Value =
        serde_json::from_slice(&members.iter().find(|(n, _)| n == "changes.json").unwrap().1)
            .unwrap();
    assert_eq!(changes["summary"]["counts"]["reassigned"], 1, "{changes}");
    let out = verify(dir.path(), "signed.zip", &bytes);
    assert!(out.status.success(), "{}", show(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("member alpha-annex.pdf: signature"),
        "{report}"
    );
}

#[test]
fn a_draft_profile_makes_no_pack() {
    let dir = tempfile::tempdir().unwrap();
    let acme = repo("data/profiles/acme.toml").display().to_string();
    let out = annex(dir.path(), &["pack", "--profile", &acme, "--out", "out"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("acme.toml:") && err.contains("status is \"draft\""),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_zip_with_too_many_members_is_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<(String, Vec<u8>)> = (0..=annex::limits::MAX_PACK_MEMBERS)
        .map(|i| (format!("m{i}"), Vec::new()))
        .collect();
    let out = verify(dir.path(), "many.zip", &zipped(&many));
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1,001 members; a pack holds at most 1,000"),
        "{}",
        show(&out)
    );
}

#[test]
fn batch_pack_makes_one_verified_pack_per_customer() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("profiles");
    std::fs::create_dir(&folder).unwrap();
    for c in ["alpha", "beta"] {
        std::fs::copy(profile(c), folder.join(format!("{c}.toml"))).unwrap();
    }
    let out = annex(
        dir.path(),
        &[
            "batch", "profiles", "--out", "packs", "--pack", "--jobs", "1", "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    for c in ["alpha", "beta"] {
        let zip = dir.path().join(format!("packs/{c}-evidence.zip"));
        let out = annex(dir.path(), &["verify", &zip.display().to_string()]);
        assert!(out.status.success(), "{c}: {}", show(&out));
        // The same pack as `annex pack` makes from the same file (the audit report shows
        // the profile's path as given).
        let given = format!("profiles/{c}.toml");
        let out = annex(
            dir.path(),
            &["pack", "--profile", &given, "--out", "single"],
        );
        assert!(out.status.success(), "{}", show(&out));
        let alone = std::fs::read(dir.path().join(format!("single/{c}-evidence.zip"))).unwrap();
        assert!(
            std::fs::read(&zip).unwrap() == alone,
            "{c}: batch and pack differ"
        );
    }
}
