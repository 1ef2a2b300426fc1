//! `annex diff` (#13): the change lists of every corpus revision pair, asserted against
//! literals established by reading the raw pages side by side (not by running the code
//! under test); identical inputs and re-imports give "no change"; a sealed annex is a side.

use super::*;

use std::collections::BTreeMap;

use serde_json::Value;

fn page(name: &str) -> String {
    fixture("corpus/ovh").join(name).display().to_string()
}

fn diff_json(dir: &Path, old: &str, new: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", old, new, "--format", "json"];
    args.extend_from_slice(extra);
    let out = annex(dir, &args);
    let code = out.status.code().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", show(&out)));
    (code, json)
}

fn counts(report: &Value) -> BTreeMap<String, u64> {
    report["summary"]["counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

fn expect_counts(report: &Value, expected: &[(&str, u64)]) {
    let expected: BTreeMap<String, u64> =
        expected.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(counts(report), expected, "{report:#}");
}

/// (new text, party, old letters, new letters) of every reassignment, in report order.
fn reassignments(report: &Value) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for c in report["changes"].as_array().unwrap() {
        if c["class"] != "reassigned" {
            continue;
        }
        for l in c["letters"].as_array().unwrap() {
            out.push((
                c["new"]["text"].as_str().unwrap().to_owned(),
                l["party"].as_str().unwrap().to_owned(),
                l["old"].as_str().unwrap().to_owned(),
                l["new"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

/// Texts of the changes of one class (the new side's, or the old side's for removals).
fn texts(report: &Value, class: &str) -> Vec<String> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["class"] == class)
        .map(|c| {
            let side = if c["new"].is_null() {
                &c["old"]
            } else {
                &c["new"]
            };
            side["text"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn row(text: &str, party: &str, old: &str, new: &str) -> (String, String, String, String) {
    (text.into(), party.into(), old.into(), new.into())
}

/// Block Storage, 2022-12-23 → now: four rows had no letter cell at all and got letters,
/// one row gained CI for OVHcloud; two typo/wording fixes; two rows rewritten past the
/// pairing threshold (seen as removed + added); section 2.2 renamed from French; new title.
#[test]
fn block_storage_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (code, r) = diff_json(
        dir.path(),
        &page("block-storage.2022-12-23.en-gb.md"),
        &page("block-storage.en-gb.md"),
        &[],
    );
    assert_eq!(code, 0, "the default policy only warns");
    expect_counts(
        &r,
        &[
            ("reassigned", 5),
            ("added", 2),
            ("removed", 2),
            ("reworded", 2),
            ("section-renamed", 1),
            ("metadata", 2),
        ],
    );
    assert_eq!(
        reassignments(&r),
        [
            row(
                "Retain logs of control plane for Instances monitoring (API, hypervisor)",
                "OVHcloud",
                "",
                "RA"
            ),
            row(
                "Retain logs of Information System hosted on Instances",
                "Customer",
                "",
                "RA"
            ),
            row(
                "Monitor the proper functioning of physical devices (utilities) in support of the service",
                "Customer",
                "",
                "I"
            ),
            row(
                "Monitor the proper functioning of physical devices (utilities) in support of the service",
                "OVHcloud",
                "",
                "RA"
            ),
            row(
                "Create, modify, control, restore, delete jobs of backups",
                "Customer",
                "",
                "RA"
            ),
            row(
                "Manage data encryption of storage space allocated",
                "OVHcloud",
                "",
                "CI"
            ),
        ]
    );
    // Both sides' places: the first reassigned row is on line 85 of the old page, 81 of
    // the new one.
    let first = &r["changes"][0];
    assert_eq!(first["old"]["line"], 85);
    assert_eq!(first["new"]["line"], 81);
    assert!(first["old"]["file"]
        .as_str()
        .unwrap()
        .ends_with("block-storage.2022-12-23.en-gb.md"));
    assert_eq!(
        texts(&r, "removed"),
        [
            "Produce, route, deliver and maintain physical Instances and hosting buldings",
            "Import format images supported by OpenStack infrastructure"
        ]
    );
    assert_eq!(
        texts(&r, "added"),
        [
            "Produce, route, deliver and maintain hardware and hosting buildings",
            "Import supported formats for block volume backups or snapshots in OpenStack infrastructure"
        ]
    );
    assert_eq!(texts(&r, "section-renamed"), ["Reversibility model"]);
    let renamed = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == "section-renamed")
        .unwrap();
    assert_eq!(renamed["old"]["text"], "Modèle de réversibilité");
    let fields: Vec<&str> = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["class"] == "metadata")
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "version"]);
}

/// Managed Kubernetes, 2023-07-05 → 2023-07-06: a wording-only revision: 30 rows reworded,
/// no letter changed; the legend's doubled space fixed; the date.
#[test]
fn managed_kubernetes_wording_only_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (code, r) = diff_json(
        dir.path(),
        &page("managed-kubernetes.2023-07-05.en-gb.md"),
        &page("managed-kubernetes.en-gb.md"),
        &["--policy", "strict"],
    );
    assert_eq!(code, 0, "strict allows rewordings: {r:#}");
    expect_counts(&r, &[("reworded", 30), ("metadata", 2)]);
    assert!(reassignments(&r).is_empty());
    let reworded = &r["changes"][1];
    assert_eq!(
        reworded["new"]["text"],
        "Decide which Kubernetes version to use"
    );
    assert_eq!(
        reworded["words"],
        serde_json::json!([
            {"op": "same", "text": "Decide which"},
            {"op": "removed", "text": "Kubenetes"},
            {"op": "added", "text": "Kubernetes"},
            {"op": "same", "text": "version to use"},
        ])
    );
}

/// Object Storage, 2023-03-20 → 2024-02-26: the credentials row moved to 2.1 under a new
/// name and 2.2 became "Reversibility model" with a new row; the S3 security-policy row
/// and the physical-instances row rewritten past the threshold; five rewordings.
#[test]
fn object_storage_revision_is_denied_by_strict() {
    let dir = tempfile::tempdir().unwrap();
    let (code, r) = diff_json(
        dir.path(),
        &page("object-storage.2023-03-20.en-gb.md"),
        &page("object-storage.en-gb.md"),
        &["--policy", "strict"],
    );
    assert_eq!(code, 1, "strict denies additions and removals");
    expect_counts(
        &r,
        &[
            ("added", 4),
            ("removed", 3),
            ("reworded", 5),
            ("section-renamed", 1),
            ("metadata", 1),
        ],
    );
    assert_eq!(
        texts(&r, "removed"),
        [
            "Produce, route, deliver and maintain physical Instances and hosting buldings",
            "Create S3 credentials for an OpenStack user",
            "Manage S3 security policy of containers and object created",
        ]
    );
    assert_eq!(
        texts(&r, "added"),
        [
            "Produce, route, deliver and maintain physical and virtual Instances for service hosting",
            "Create Object Storage credentials for an OpenStack user",
            "Use S3-compatible API to import data in bucket",
            "Manage Object Storage security policy of containers and objects created",
        ]
    );
    assert_eq!(r["summary"]["denied"], 7);
}

/// The seed page (data/matrices/…-responsibility-model.md) and the corpus's
/// data-processing page are two revisions of one page: seven typo fixes and the date.
#[test]
fn seed_page_and_its_revision() {
    let dir = tempfile::tempdir().unwrap();
    let seed = repo("data/matrices/ovhcloud-data-processing-responsibility-model.md");
    let (code, r) = diff_json(
        dir.path(),
        &seed.display().to_string(),
        &page("data-processing.en-gb.md"),
        &[],
    );
    assert_eq!(code, 0);
    expect_counts(&r, &[("reworded", 7), ("metadata", 1)]);
    assert_eq!(r["changes"][7]["field"], "version");
    assert_eq!(r["changes"][7]["old"]["text"], "2024-05-31");
    assert_eq!(r["changes"][7]["new"]["text"], "2024-06-03");
}

/// Every corpus page against itself, and against its own re-import with `--previous`:
/// "no change", exit 0.
#[test]
fn identical_inputs_and_reimports_have_no_change() {
    let dir = tempfile::tempdir().unwrap();
    for p in corpus_pages() {
        let p = p.display().to_string();
        let out = annex(dir.path(), &["diff", &p, &p]);
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("no change"), "{p}: {stdout}");
        let first = dir.path().join("first.toml");
        let again = dir.path().join("again.toml");
        let first_s = first.display().to_string();
        let again_s = again.display().to_string();
        let out = annex(dir.path(), &["import", &p, "-o", &first_s, "--force"]);
        assert!(out.status.success(), "{}", show(&out));
        let out = annex(
            dir.path(),
            &[
                "import",
                &p,
                "--previous",
                &first_s,
                "-o",
                &again_s,
                "--force",
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
        for other in [&first_s, &again_s] {
            let out = annex(dir.path(), &["diff", &p, other]);
            assert_eq!(out.status.code(), Some(0), "{}", show(&out));
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.starts_with("no change"), "{p} vs {other}: {stdout}");
        }
    }
}

/// The old side read from a sealed annex's matrix.json: the annex against the matrix it
/// was made from has no change; against the later page, the seed's typo fixes.
#[test]
fn a_sealed_annex_is_the_old_side() {
    let dir = tempfile::tempdir().unwrap();
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(dir.path(), &["render", "--profile", &profile, "--final"]);
    assert!(out.status.success(), "{}", show(&out));
    let pdf = "output/nordwind-annex.pdf";
    let seed = repo("data/matrices/ovhcloud-data-processing.toml")
        .display()
        .to_string();
    let out = annex(dir.path(), &["diff", pdf, &seed]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("no change"));
    let (code, r) = diff_json(dir.path(), pdf, &page("data-processing.en-gb.md"), &[]);
    assert_eq!(code, 0);
    assert_eq!(counts(&r)["reworded"], 7, "{r:#}");
    assert_eq!(r["old"]["file"], "output/nordwind-annex.pdf#matrix.json");
    // A side that cannot be read is a clear error, exit 1.
    let out = annex(
        dir.path(),
        &["diff", "output/nordwind-annex.pdf", "nothing.md"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
}

/// The human report: reassignments first, with old and new letters per party, places.
#[test]
fn human_report_puts_reassignments_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(
        dir.path(),
        &[
            "diff",
            &page("block-storage.2022-12-23.en-gb.md"),
            &page("block-storage.en-gb.md"),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "warning[change::reassigned]: reassigned in 3.1.3: \"Retain logs of control plane for Instances monitoring (API, hypervisor)\": OVHcloud — → RA"
    );
    assert!(text.contains("block-storage.en-gb.md:81 (was "), "{text}");
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("changed: 14 changes (5 reassigned"));
}

/// `check NEW --since OLD`: the change list judged by the policy; `strict` denies the
/// block-storage reassignments; a policy file can deny reassignments alone, and lets the
/// wording-only kubernetes revision pass.
#[test]
fn check_since_denies_changes_by_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (
        page("block-storage.2022-12-23.en-gb.md"),
        page("block-storage.en-gb.md"),
    );
    let out = annex(dir.path(), &["check", &new, "--since", &old]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = annex(
        dir.path(),
        &["check", &new, "--since", &old, "--policy", "strict"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error[change::reassigned]: reassigned in 3.1.4: \"Manage data encryption of storage space allocated\": OVHcloud — → CI"),
        "{text}"
    );
    std::fs::write(
        dir.path().join("policy.toml"),
        "[rules]\n\"change::reassigned\" = \"deny\"\n",
    )
    .unwrap();
    let out = annex(
        dir.path(),
        &[
            "check",
            &page("managed-kubernetes.en-gb.md"),
            "--since",
            &page("managed-kubernetes.2023-07-05.en-gb.md"),
            "--policy",
            "policy.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "wording only: {}", show(&out));
    let out = annex(
        dir.path(),
        &[
            "check",
            &new,
            "--since",
            &old,
            "--policy",
            "policy.toml",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["exit_code"], 1);
    assert_eq!(report["since"]["summary"]["denied"], 5);
    let out = annex(
        dir.path(),
        &[
            "check",
            &page("object-storage.en-gb.md"),
            "--since",
            &page("object-storage.2023-03-20.en-gb.md"),
            "--policy",
            "policy.toml",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "no reassignment there: {}",
        show(&out)
    );
}

/// `render --since`: the annex gets "Changes since the version of <date>", each
/// reassignment with its old and new letters per party (read from the laid-out text and,
/// where poppler is installed, from the PDF as a reader gets it); its fingerprint covers
/// the old version; it is never sealed.
#[test]
fn render_since_lists_each_reassignment_with_old_and_new_letters() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (
        page("block-storage.2022-12-23.en-gb.md"),
        page("block-storage.en-gb.md"),
    );
    let out = annex(
        dir.path(),
        &[
            "render",
            "--matrix",
            &new,
            "--since",
            &old,
            "--emit",
            "txt,context",
            "--out",
            "since",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let laid_out =
        norm_pdf(&std::fs::read_to_string(dir.path().join("since/acme-annex.txt")).unwrap());
    let mut read = vec![("laid-out text", laid_out)];
    if let Ok(o) = std::process::Command::new("pdftotext")
        .arg(dir.path().join("since/acme-annex.pdf"))
        .arg("-")
        .output()
    {
        read.push(("pdftotext", norm_pdf(&String::from_utf8_lossy(&o.stdout))));
    }
    for (what, text) in &read {
        assert!(
            text.contains("Changes since the version of 2022-12-23"),
            "{what}: {text}"
        );
        // pdftotext reads a table column by column: there, the row's text and its letters
        // are each whole, not side by side.
        let joined = *what == "laid-out text";
        for (row, letters) in [
            (
                "3.1.3 Retain logs of control plane for Instances monitoring (API, hypervisor)",
                "OVHcloud: — → RA",
            ),
            (
                "3.1.3 Retain logs of Information System hosted on Instances",
                "Customer: — → RA",
            ),
            (
                "3.1.3 Monitor the proper functioning of physical devices (utilities) in support of the service",
                "Customer: — → I OVHcloud: — → RA",
            ),
            (
                "3.1.3 Create, modify, control, restore, delete jobs of backups",
                "Customer: — → RA",
            ),
            (
                "3.1.4 Manage data encryption of storage space allocated",
                "OVHcloud: — → CI",
            ),
        ] {
            if joined {
                let expected = format!("{row} {letters}");
                assert!(text.contains(&expected), "{what} lacks {expected}: {text}");
            } else {
                let activity = row.split_once(' ').unwrap().1;
                assert!(text.contains(activity), "{what} lacks {activity}");
                assert!(text.contains(letters), "{what} lacks {letters}");
            }
        }
        let reassigned = text
            .find("Reassigned activities")
            .expect("the reassignments");
        let added = text.find("Added activities").expect("the additions");
        let reworded = text.find("Reworded activities").expect("the rewordings");
        assert!(
            reassigned < added && added < reworded,
            "reassignments first"
        );
    }
    // The fingerprint covers the old version: the same annex without --since differs.
    let out = annex(
        dir.path(),
        &[
            "render", "--matrix", &new, "--emit", "context", "--out", "plain",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let fingerprint = |p: &str| -> String {
        let c: Value = serde_json::from_slice(&std::fs::read(dir.path().join(p)).unwrap()).unwrap();
        c["document"]["fingerprint"].as_str().unwrap().to_owned()
    };
    assert_ne!(
        fingerprint("since/acme-annex.json"),
        fingerprint("plain/acme-annex.json")
    );
    // A final profile: refused, nothing written.
    let profile = repo("data/profiles/nordwind.toml").display().to_string();
    let out = annex(
        dir.path(),
        &[
            "render",
            "--profile",
            &profile,
            "--since",
            &old,
            "--out",
            "final",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be sealed"));
    assert!(!dir.path().join("final").exists());
}

/// Tailoring applies to both sides: a change to an activity that applies on neither side
/// (3/canada, Canada only, for a customer in France) is listed apart; the change that
/// binds the customer (3/patch) is in the reassignments table.
#[test]
fn render_since_lists_changes_that_do_not_apply_apart() {
    let dir = fixture("diff-tailor");
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().display().to_string();
    let out = annex(
        &dir,
        &[
            "render",
            "--profile",
            "profile.toml",
            "--since",
            "old.toml",
            "--emit",
            "txt",
            "--out",
            &out_path,
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let text = norm_pdf(&std::fs::read_to_string(out_dir.path().join("tailor-annex.txt")).unwrap());
    let table = text
        .find("Reassigned activities")
        .expect("the reassignments");
    let apart = text
        .find("Changes in activities that do not apply to this subscription")
        .expect("the changes listed apart");
    let patch = text
        .find("3 Patch the guest operating system Customer: I → RA OVHcloud: RA → —")
        .expect("the binding reassignment");
    let canada = text
        .find("\"Answer Canadian data-residency requests\": Customer — → A, OVHcloud RA → R")
        .expect("the change that does not apply");
    assert!(table < patch && patch < apart && apart < canada, "{text}");
}

/// With `--since`, the onboarding guide marks the customer's new or changed duties, and
/// the audit report lists every change with both sources' places (file:line).
#[test]
fn onboarding_marks_changed_duties_and_audit_lists_both_places() {
    let dir = fixture("diff-tailor");
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().display().to_string();
    for kind in ["onboarding", "audit"] {
        let out = annex(
            &dir,
            &[
                "render",
                "--profile",
                "profile.toml",
                "--since",
                "old.toml",
                "--kind",
                kind,
                "--emit",
                "txt",
                "--out",
                &out_path,
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
    }
    let read = |name: &str| norm_pdf(&std::fs::read_to_string(out_dir.path().join(name)).unwrap());
    let onboarding = read("tailor-onboarding.txt");
    assert!(
        onboarding.contains("New or changed: Patch the guest operating system"),
        "{onboarding}"
    );
    assert_eq!(
        onboarding.matches("New or changed:").count(),
        1,
        "{onboarding}"
    );
    let audit = read("tailor-audit.txt");
    // Lines established by reading the files: 3/patch is on line 80 of old.toml and line
    // 77 of tailor-base/matrix.toml; 3/canada on line 85 of old.toml. A document names
    // files by their own name, never a folder.
    assert!(
        audit.contains("\"Patch the guest operating system\": Customer I → RA, OVHcloud RA → — old.toml:80 matrix.toml:77"),
        "{audit}"
    );
    assert!(audit.contains("old.toml:85"), "{audit}");
}

/// A condition change is a change even with the same text and letters: 3/gdpr applied
/// everywhere in old.toml and only in the EU now (read off the two files).
#[test]
fn a_changed_condition_is_reported_and_strict_denies_it() {
    let dir = fixture("diff-tailor");
    let (code, r) = diff_json(
        &dir,
        "old.toml",
        "../tailor-base/matrix.toml",
        &["--policy", "strict"],
    );
    assert_eq!(code, 1, "{r:#}");
    expect_counts(&r, &[("reassigned", 2), ("applicability", 1)]);
    let c = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["class"] == "applicability")
        .unwrap();
    assert_eq!(c["new"]["id"], "3/gdpr");
    assert_eq!(c["field"], r#"{} → {"jurisdictions":["EU"]}"#);
    assert_eq!(c["severity"], "deny");
}
