//! The family test (#27): every page of the corpus (and every translation pair in it) ×
//! the three kinds × an English and a French profile × a draft and a final render exits 0,
//! or exits 1 with a finding: never 2, never a panic. `ANNEX_FAMILY_DIR` adds a folder of
//! more pages of the family (`.ci/run` gives `../shared/corpus`, whose pages the tool has
//! never been tuned on when it grows).

use std::path::{Path, PathBuf};

use crate::{annex, files_under, fixture, repo, show};

/// The pages of a folder (`*.md` but READMEs), sorted.
fn pages_under(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .collect()
}

/// The translation pairs of a folder: `NAME.<lang>.md` pages with one stem in two languages
/// (`managed-kubernetes.en-gb.md` and `managed-kubernetes.fr-fr.md`).
fn pairs(pages: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    let split = |p: &Path| {
        let name = p.file_name()?.to_str()?.strip_suffix(".md")?;
        let (stem, lang) = name.rsplit_once('.')?;
        Some((stem.to_owned(), lang.get(..2)?.to_owned()))
    };
    let mut out = Vec::new();
    for a in pages {
        for b in pages {
            match (split(a), split(b)) {
                (Some((sa, la)), Some((sb, lb))) if sa == sb && la == "en" && lb != "en" => {
                    out.push((a.clone(), b.clone()))
                }
                _ => {}
            }
        }
    }
    out
}

/// A profile of `base` with `status` set, written into `dir`.
fn profile(dir: &Path, base: &str, status: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo(&format!("data/profiles/{base}.toml"))).unwrap();
    let text = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("status =") {
                format!("status = \"{status}\"")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join(format!("{base}-{status}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_page_and_pair_of_the_family_renders_or_is_refused_with_a_finding() {
    let mut pages = pages_under(&fixture("corpus"));
    if let Some(more) = std::env::var_os("ANNEX_FAMILY_DIR") {
        // Pages the fixtures already hold (byte for byte) are rendered once.
        let known: std::collections::HashSet<Vec<u8>> =
            pages.iter().map(|p| std::fs::read(p).unwrap()).collect();
        pages.extend(
            pages_under(Path::new(&more))
                .into_iter()
                .filter(|p| !known.contains(&std::fs::read(p).unwrap())),
        );
    }
    assert!(pages.len() >= 20, "the corpus has 20 pages");
    let dir = tempfile::tempdir().unwrap();
    let profiles: Vec<PathBuf> = ["acme", "awkward"]
        .into_iter()
        .flat_map(|base| ["draft", "final"].map(|status| profile(dir.path(), base, status)))
        .collect();
    // (matrix, translation)
    let mut inputs: Vec<(PathBuf, Option<PathBuf>)> =
        pages.iter().map(|p| (p.clone(), None)).collect();
    let pairs = pairs(&pages);
    assert!(pairs.len() >= 3, "the corpus has three translated pages");
    inputs.extend(pairs.into_iter().map(|(a, b)| (a, Some(b))));
    let mut runs = Vec::new();
    for (matrix, translation) in &inputs {
        for kind in ["annex", "onboarding", "audit"] {
            for p in &profiles {
                runs.push((matrix, translation, kind, p));
            }
        }
    }
    // Two at a time: each render is one process.
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (runs, failures, next, dir) = (&runs, &failures, &next, dir.path());
            scope.spawn(move || loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((matrix, translation, kind, p)) = runs.get(k) else {
                    break;
                };
                let out_dir = dir.join(format!("out-{worker}"));
                let mut args = vec![
                    "render".to_owned(),
                    "--matrix".to_owned(),
                    matrix.display().to_string(),
                    "--profile".to_owned(),
                    p.display().to_string(),
                    "--kind".to_owned(),
                    kind.to_string(),
                    "--out".to_owned(),
                    out_dir.display().to_string(),
                    "--force".to_owned(),
                ];
                if let Some(t) = translation {
                    args.extend(["--translation".to_owned(), t.display().to_string()]);
                }
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let out = annex(dir, &args);
                let stderr = String::from_utf8_lossy(&out.stderr);
                let with_finding = out.status.code() == Some(1) && stderr.contains("error");
                if !(out.status.success() || with_finding) || stderr.contains("panicked") {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{}\n{}", args.join(" "), show(&out)));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} renders failed:\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n")
    );
}
