//! Tailoring, composition and the three document kinds (issue 5), checked on the text of
//! the rendered PDFs.

use super::*;

/// Renders `args` into a fresh folder; returns the laid-out text of the document.
fn render_text(dir: &Path, profile: Option<&Path>, extra: &[&str], kind: &str) -> (Output, String) {
    let out_dir = dir.join("out");
    let out_s = out_dir.display().to_string();
    let mut args = vec![
        "render", "--kind", kind, "--emit", "txt", "--force", "--out", &out_s,
    ];
    let profile_s;
    if let Some(p) = profile {
        profile_s = p.display().to_string();
        args.extend(["--profile", &profile_s]);
    }
    args.extend(extra);
    let out = annex(dir, &args);
    let txt = files_under(&out_dir)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(&format!("-{kind}.txt")))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .unwrap_or_default();
    (out, txt)
}

/// The conditional activities of tests/fixtures/tailor-base/matrix.toml.
const BACKUP_JOBS: &str = "Configure the Veeam backup jobs";
const BACKUP_INFRA: &str = "Operate the Veeam backup infrastructure";
const CANADA: &str = "Answer Canadian data-residency requests";
const GDPR: &str = "Keep the GDPR record of processing activities";
const BUSINESS: &str = "Call the Business-range technical account manager";
const KUBERNETES: &str = "Upgrade the Kubernetes node pools";
const SECNUMCLOUD: &str = "Review the SecNumCloud access logs";
const ALWAYS: [&str; 4] = [
    "Choose the service location",
    "Patch the guest operating system",
    "Export the data before the end of the contract",
    "Destroy the storage media",
];

/// Splits an annex's text into (applicable part, not-applicable appendix).
fn split_annex(text: &str) -> (String, String) {
    let flat = norm(text);
    let heading = "Not applicable to this subscription";
    match flat.find(heading) {
        Some(at) => {
            let rest = &flat[at..];
            let end = rest.find("Signatures").unwrap_or(rest.len());
            (flat[..at].to_owned(), rest[..end].to_owned())
        }
        None => (flat, String::new()),
    }
}

#[test]
fn profiles_that_differ_in_one_subscription_item_move_exactly_the_activities_it_governs() {
    let base_na = [
        BACKUP_JOBS,
        BACKUP_INFRA,
        CANADA,
        BUSINESS,
        KUBERNETES,
        SECNUMCLOUD,
    ];
    // (fixture, activities not applicable, (activity, reason) pairs to find in the appendix)
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>);
    let cases: [Case; 5] = [
        (
            "tailor-base",
            base_na.to_vec(),
            vec![
                (BACKUP_JOBS, "requires option: Veeam Managed Backup"),
                (CANADA, "applies to jurisdiction: CA only"),
                (BUSINESS, "applies to variant: business"),
                (KUBERNETES, "requires service: Managed Kubernetes Service"),
                (SECNUMCLOUD, "applies under qualification: SecNumCloud"),
            ],
        ),
        (
            "tailor-option",
            vec![CANADA, BUSINESS, KUBERNETES, SECNUMCLOUD],
            vec![],
        ),
        (
            "tailor-region",
            vec![
                BACKUP_JOBS,
                BACKUP_INFRA,
                GDPR,
                BUSINESS,
                KUBERNETES,
                SECNUMCLOUD,
            ],
            vec![(GDPR, "applies to jurisdiction: EU only")],
        ),
        (
            "tailor-variant",
            vec![BACKUP_JOBS, BACKUP_INFRA, CANADA, KUBERNETES, SECNUMCLOUD],
            vec![],
        ),
        (
            "tailor-service",
            vec![BACKUP_JOBS, BACKUP_INFRA, CANADA, BUSINESS, SECNUMCLOUD],
            vec![],
        ),
    ];
    let conditional = [
        BACKUP_JOBS,
        BACKUP_INFRA,
        CANADA,
        GDPR,
        BUSINESS,
        KUBERNETES,
        SECNUMCLOUD,
    ];
    for (case, not_applicable, reasons) in cases {
        let dir = tempfile::tempdir().unwrap();
        let profile = fixture(case).join("profile.toml");
        let (out, text) = render_text(dir.path(), Some(&profile), &[], "annex");
        assert!(out.status.success(), "{case}: {}", show(&out));
        let (applicable, appendix) = split_annex(&text);
        for activity in conditional.iter().chain(&ALWAYS) {
            let left_out = not_applicable.contains(activity);
            assert_eq!(
                appendix.contains(activity),
                left_out,
                "{case}: `{activity}` should {}be in the not-applicable appendix",
                if left_out { "" } else { "not " }
            );
            assert_eq!(
                applicable.contains(activity),
                !left_out,
                "{case}: `{activity}` should {}be in the applicable matrix",
                if left_out { "not " } else { "" }
            );
        }
        // A section whose own condition fails leaves no empty heading behind.
        assert_eq!(
            applicable.contains("2. Backup"),
            !not_applicable.contains(&BACKUP_JOBS),
            "{case}: the Backup heading"
        );
        for (activity, reason) in reasons {
            let row = norm(&format!("{activity} {reason}"));
            assert!(
                appendix.contains(&row),
                "{case}: missing `{row}` in\n{appendix}"
            );
        }
    }
}

#[test]
fn full_scope_renders_the_whole_matrix_without_the_appendix() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("tailor-base").join("profile.toml");
    let (out, text) = render_text(dir.path(), Some(&profile), &["--scope", "full"], "annex");
    assert!(out.status.success(), "{}", show(&out));
    let (applicable, appendix) = split_annex(&text);
    assert!(appendix.is_empty(), "no appendix in full scope");
    for activity in [BACKUP_JOBS, CANADA, GDPR, BUSINESS, KUBERNETES, SECNUMCLOUD] {
        assert!(applicable.contains(activity), "{activity}");
    }
}

#[test]
fn a_composed_profile_renders_its_parts_and_reports_the_conflicting_activity() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fixture("tailor-compose").join("profile.toml");
    let (out, text) = render_text(dir.path(), Some(&profile), &[], "annex");
    assert!(out.status.success(), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cross::conflicting-letters"), "{stderr}");
    assert!(
        stderr.contains("Patch the guest operating system"),
        "{stderr}"
    );
    let flat = norm(&text);
    for part in [
        "Part 1 – Tailoring fixture",
        "Part 2 – Object Storage supplement",
        "Encrypt the buckets with customer keys RA I",
    ] {
        assert!(flat.contains(part), "missing `{part}`");
    }
    // The audit report lists the conflict among its findings.
    let (out, text) = render_text(dir.path(), Some(&profile), &[], "audit");
    assert!(out.status.success(), "{}", show(&out));
    assert!(norm(&text).contains("cross::conflicting-letters"));
}

#[test]
fn an_unknown_condition_value_is_an_error_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let out_s = dir.path().display().to_string();
    let out = annex(
        &fixture("tailor-bad-condition"),
        &["render", "--matrix", "matrix.toml", "--out", &out_s],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
    assert!(files_under(dir.path()).is_empty(), "no output on error");
}

#[test]
fn onboarding_and_audit_say_what_their_readers_need() {
    let dir = tempfile::tempdir().unwrap();
    let (out, text) = render_text(dir.path(), None, &[], "onboarding");
    assert!(out.status.success(), "{}", show(&out));
    let flat = norm(&text);
    for part in [
        "Onboarding guide",
        "YOUR CONTACT",
        "Claire Martin",
        "cloud-ops@acme.example",
        "Sophie Durand",
        "1 Before subscription",
        "2 Operations",
        "3 Incidents",
        "4 Reversibility",
        "5 End of service",
        // A customer R/A activity, beside what the provider does.
        "Choose the service location 1.1 Specify service as needed RA OVHcloud is informed",
    ] {
        assert!(flat.contains(part), "onboarding: missing `{part}`");
    }
    let (out, text) = render_text(dir.path(), None, &[], "audit");
    assert!(out.status.success(), "{}", show(&out));
    let flat = norm(&text);
    for part in [
        "Audit report",
        "Responsibilities at a glance",
        "Findings",
        "Applicability decisions",
        "Provenance",
        // Inputs by their own file name: a document never names a folder.
        "ovhcloud-data-processing-responsibility-model.md",
        "Inputs and fingerprints",
        "catalogue.toml",
        concat!("annex ", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(flat.contains(part), "audit: missing `{part}`");
    }
}

#[test]
fn every_kind_renders_for_the_seed_and_every_corpus_page_with_the_location() {
    let mut pages: Vec<Option<PathBuf>> = vec![None];
    pages.extend(corpus_pages().into_iter().map(Some));
    assert!(pages.len() > 15);
    let jobs: Vec<(Option<PathBuf>, &str)> = pages
        .iter()
        .flat_map(|p| annex::kind::Kind::ALL.map(|k| (p.clone(), k.name())))
        .collect();
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((page, kind)) = jobs.get(i) else {
                    break;
                };
                let dir = tempfile::tempdir().unwrap();
                let page_s = page.as_ref().map(|p| p.display().to_string());
                let extra: Vec<&str> = match &page_s {
                    Some(p) => vec!["--matrix", p],
                    None => vec![],
                };
                let (out, text) = render_text(dir.path(), None, &extra, kind);
                let flat = norm(&text);
                let name = format!("{kind} of {}", page_s.as_deref().unwrap_or("the seed"));
                if !out.status.success() {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{name}: {}", show(&out)));
                } else if !(flat.contains("Gravelines, France")
                    && flat.contains("Data is stored and processed in France"))
                {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{name}: no location clause"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn context_templates_and_overrides_cover_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let out = annex(dir.path(), &["context", "--kind", "onboarding"]);
    assert!(out.status.success(), "{}", show(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["document"]["kind"], "onboarding");
    assert_eq!(json["phases"].as_array().unwrap().len(), 5);
    assert_eq!(json["parts"].as_array().unwrap().len(), 1);

    let out = annex(dir.path(), &["templates", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    for name in [
        "annex.typ.tera",
        "onboarding.typ.tera",
        "audit.typ.tera",
        "docs.typ",
        "lib.typ",
    ] {
        assert!(listed.contains(name), "{listed}");
    }
    let out = annex(dir.path(), &["templates", "export", "mine"]);
    assert!(out.status.success(), "{}", show(&out));
    assert!(dir.path().join("mine/audit.typ.tera").is_file());

    // An edited onboarding template replaces the built-in one.
    let guide = dir.path().join("mine/onboarding.typ.tera");
    let edited = std::fs::read_to_string(&guide).unwrap().replace(
        "#title-block(",
        "Prepared by the cloud team.\n\n#title-block(",
    );
    std::fs::write(&guide, edited).unwrap();
    let (out, text) = render_text(dir.path(), None, &["--templates", "mine"], "onboarding");
    assert!(out.status.success(), "{}", show(&out));
    assert!(norm(&text).contains("Prepared by the cloud team."));
}
