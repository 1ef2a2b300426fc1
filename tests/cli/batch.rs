//! `annex batch`: many profiles, one bad one failing alone, incremental reruns, shards,
//! the JSON report and CSV input.

use super::*;

use sha2::{Digest, Sha256};

/// Writes `n` distinct profiles `p0000.toml`… into `dir` (the sample profile with the
/// customer's names and the contract reference varied) and returns their file names.
pub fn generate_profiles(dir: &Path, n: usize) -> Vec<String> {
    let sample = std::fs::read_to_string(repo("data/profiles/acme.toml")).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    (0..n)
        .map(|i| {
            let text = sample
                .replace(
                    "legal-name = \"ACME Industries SAS\"",
                    &format!("legal-name = \"Customer {i:04} Industries SAS\""),
                )
                .replace(
                    "short-name = \"ACME\"",
                    &format!("short-name = \"Customer {i:04}\""),
                )
                .replace("OVH-CTR-2026-0042", &format!("OVH-CTR-2026-{i:04}"));
            assert_ne!(text, sample, "the sample profile changed shape");
            let name = format!("p{i:04}.toml");
            std::fs::write(dir.join(&name), text).unwrap();
            name
        })
        .collect()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn pdfs(dir: &Path) -> Vec<String> {
    files_under(dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn report(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// 20 profiles, the 8th with an unknown region.
fn twenty_with_one_broken(dir: &Path) -> PathBuf {
    let profiles = dir.join("profiles");
    let names = generate_profiles(&profiles, 20);
    let broken = profiles.join(&names[7]);
    let text = std::fs::read_to_string(&broken)
        .unwrap()
        .replace("region = \"GRA\"", "region = \"XXX\"");
    std::fs::write(&broken, text).unwrap();
    profiles
}

#[test]
fn one_broken_profile_fails_alone_and_reruns_skip_what_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    twenty_with_one_broken(dir.path());
    let args = [
        "batch",
        "profiles",
        "--out",
        "out",
        "--jobs",
        "2",
        "--report",
        "report.json",
    ];
    let out = annex(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).starts_with("rendered 19, skipped 0, failed 1 (20 profiles"),
        "{}",
        show(&out)
    );
    // The failure names the profile, the field and the line.
    let err = stderr(&out);
    assert!(err.contains("failed: p0007.toml"), "{err}");
    assert!(err.contains("XXX") && err.contains("p0007.toml:"), "{err}");
    // Not a terminal: one plain progress line per profile.
    assert_eq!(
        err.lines().filter(|l| l.starts_with('[')).count(),
        20,
        "{err}"
    );
    let written = pdfs(&dir.path().join("out"));
    assert_eq!(written.len(), 19);
    assert!(!written.contains(&"customer-0007-annex.pdf".to_owned()));
    assert!(written.contains(&"customer-0019-annex.pdf".to_owned()));

    // The report lists every output with its path and SHA-256, and the failure.
    let json = report(&dir.path().join("report.json"));
    let outputs = json["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 19);
    for o in outputs {
        assert_eq!(o["status"], "rendered");
        let bytes = std::fs::read(dir.path().join(o["path"].as_str().unwrap())).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(
            o["sha256"].as_str().unwrap(),
            annex::digest::hex(&Sha256::digest(&bytes))
        );
    }
    assert_eq!(json["failed"], 1);
    assert_eq!(json["failures"][0]["profile"], "p0007.toml");
    assert!(json["failures"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("XXX"));

    // Nothing changed: everything valid is skipped (same hashes in the report).
    let again = annex(dir.path(), &args);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert!(
        stdout(&again).starts_with("rendered 0, skipped 19, failed 1"),
        "{}",
        show(&again)
    );
    let json2 = report(&dir.path().join("report.json"));
    for (a, b) in outputs.iter().zip(json2["outputs"].as_array().unwrap()) {
        assert_eq!(b["status"], "skipped");
        assert_eq!(a["sha256"], b["sha256"]);
        assert_eq!(a["path"], b["path"]);
    }

    // One profile edited, one output deleted: exactly those two are rendered again.
    let p3 = dir.path().join("profiles/p0003.toml");
    let text = std::fs::read_to_string(&p3).unwrap();
    std::fs::write(&p3, text.replace("Claire Martin", "Claire Martin-Dubois")).unwrap();
    std::fs::remove_file(dir.path().join("out/customer-0011-annex.pdf")).unwrap();
    let edited = annex(dir.path(), &args);
    assert!(
        stdout(&edited).starts_with("rendered 2, skipped 17, failed 1"),
        "{}",
        show(&edited)
    );

    // --force renders everything again.
    let mut forced = args.to_vec();
    forced.push("--force");
    let forced = annex(dir.path(), &forced);
    assert!(
        stdout(&forced).starts_with("rendered 19, skipped 0, failed 1"),
        "{}",
        show(&forced)
    );

    // --quiet: no progress and no summary, but the failure is still explained.
    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let quiet = annex(dir.path(), &quiet);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(stdout(&quiet), "");
    assert!(!stderr(&quiet).contains("[1/20]"));
    assert!(stderr(&quiet).contains("failed: p0007.toml"));
}

#[test]
fn shards_cover_every_profile_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    twenty_with_one_broken(dir.path());
    let mut seen: Vec<String> = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let report_name = format!("report-{i}.json");
        let out = annex(
            dir.path(),
            &[
                "batch",
                "profiles",
                "--out",
                "out",
                "--shard",
                &shard,
                "--report",
                &report_name,
                "--quiet",
            ],
        );
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", show(&out));
        let json = report(&dir.path().join(&report_name));
        assert_eq!(json["shard"], shard.as_str());
        for o in json["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .chain(json["failures"].as_array().unwrap())
        {
            seen.push(o["profile"].as_str().unwrap().to_owned());
        }
        // Each shard keeps its own manifest in the shared folder.
        assert!(dir
            .path()
            .join(format!("out/.annex-batch.shard-{i}-of-3.json"))
            .exists());
    }
    seen.sort();
    let all: Vec<String> = (0..20).map(|i| format!("p{i:04}.toml")).collect();
    assert_eq!(seen, all);
    assert_eq!(pdfs(&dir.path().join("out")).len(), 19);

    // An unsharded rerun into the same folder recognises the shards' work.
    let whole = annex(dir.path(), &["batch", "profiles", "--out", "out"]);
    assert!(
        stdout(&whole).starts_with("rendered 0, skipped 19, failed 1"),
        "{}",
        show(&whole)
    );

    let bad = annex(dir.path(), &["batch", "profiles", "--shard", "3/3"]);
    assert_eq!(bad.status.code(), Some(2), "{}", show(&bad));
    assert!(stderr(&bad).contains("0-based"), "{}", show(&bad));
}

#[test]
fn two_profiles_naming_the_same_file_both_fail() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    generate_profiles(&profiles, 3);
    let text = std::fs::read_to_string(profiles.join("p0001.toml")).unwrap();
    std::fs::write(profiles.join("twin.toml"), text).unwrap();
    let out = annex(dir.path(), &["batch", "profiles", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).starts_with("rendered 2, skipped 0, failed 2"),
        "{}",
        show(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("customer-0001-annex.pdf would be written by twin.toml too"),
        "{err}"
    );
    assert!(err.contains("by p0001.toml too"), "{err}");
    assert!(!dir.path().join("out/customer-0001-annex.pdf").exists());
}

#[test]
fn a_file_the_batch_did_not_write_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    generate_profiles(&dir.path().join("profiles"), 2);
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("out/customer-0000-annex.pdf"), b"mine").unwrap();
    let out = annex(dir.path(), &["batch", "profiles", "--out", "out"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stderr(&out).contains("use --force"), "{}", show(&out));
    assert_eq!(
        std::fs::read(dir.path().join("out/customer-0000-annex.pdf")).unwrap(),
        b"mine"
    );
    let forced = annex(
        dir.path(),
        &["batch", "profiles", "--out", "out", "--force"],
    );
    assert!(forced.status.success(), "{}", show(&forced));
}

#[test]
fn a_csv_file_gives_one_document_per_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "\
customer.legal-name,customer.short-name,contract.reference,contract.annex-number,contract.effective-date,contract.status,location.region,subscription.services,subscription.options,signatories.1.party,signatories.1.name,signatories.1.title,signatories.2.party,signatories.2.name,signatories.2.title
\"Nordwind, GmbH\",Nordwind,CTR-1,3,2026-12-01,draft,WAW,data-processing,,customer,Anna Schmidt,CTO,provider,Sophie Durand,Key Account Manager
Bad Region SA,Bad,CTR-2,B,2026-12-01,final,XXX,data-processing,,customer,Jo,CEO,provider,Sophie Durand,Key Account Manager
";
    std::fs::write(dir.path().join("profiles.csv"), csv).unwrap();
    let out = annex(
        dir.path(),
        &[
            "batch",
            "profiles.csv",
            "--out",
            "out",
            "--report",
            "r.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(pdfs(&dir.path().join("out")), vec!["nordwind-annex.pdf"]);
    let err = stderr(&out);
    assert!(err.contains("failed: profiles.csv row 3"), "{err}");
    assert!(err.contains("XXX"), "{err}");
    let json = report(&dir.path().join("r.json"));
    assert_eq!(json["outputs"][0]["profile"], "profiles.csv row 2");
}

#[test]
fn a_final_profile_comes_out_of_a_batch_exactly_as_out_of_render() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = repo("data/profiles");
    let out = annex(
        dir.path(),
        &[
            "batch",
            profiles.to_str().unwrap(),
            "--out",
            "batch",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let nordwind = repo("data/profiles/nordwind.toml");
    let out = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            nordwind.to_str().unwrap(),
            "--out",
            "single",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let batch = std::fs::read(dir.path().join("batch/nordwind-annex.pdf")).unwrap();
    let single = std::fs::read(dir.path().join("single/nordwind-annex.pdf")).unwrap();
    assert!(
        batch == single,
        "the batch's final annex differs from render's"
    );
    // Sealed: PDF/A-3a + PDF/UA-1 with its sources, which `annex verify` checks.
    let out = annex(dir.path(), &["verify", "batch/nordwind-annex.pdf"]);
    assert!(out.status.success(), "{}", show(&out));
}
