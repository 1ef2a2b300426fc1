//! The one integration-test binary: runs the real `annex` CLI over fixture folders
//! (`tests/fixtures/<case>/`) and checks what a user gets: files, exit codes, messages, and
//! the text of the PDF as laid out (`--emit txt`, read back from Typst's frames).

mod accessible;
mod architecture;
mod batch;
mod batch_resume;
mod batch_scaling;
mod batch_signed;
mod book;
mod check;
mod diff;
mod family;
mod hostile;
mod import;
mod keys;
mod layout;
mod limits;
mod oscal;
mod pack;
mod pack_signed;
mod profile_authoring;
mod register;
mod render;
mod sandbox;
mod seal;
mod serve;
mod serve_hardening;
mod shell;
mod sign;
mod sign_accessible;
mod sign_housekeeping;
mod sign_levels;
mod sign_ltv;
mod tailor;
mod translations;
mod verify_tail;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `annex` command with `args` in `dir`, with a clean environment for reproducibility
/// (none of the variables annex reads as defaults), to run, spawn or add to: the one way
/// the tests run the CLI.
pub fn annex_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_annex"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("ANNEX_REGISTER")
        .env_remove("ANNEX_TSA");
    cmd
}

/// Runs `annex` with `args` in `dir` (see [`annex_command`]).
pub fn annex(dir: &Path, args: &[&str]) -> Output {
    annex_env(dir, args, &[])
}

/// Runs `annex` with `args` in `dir` and extra environment variables.
pub fn annex_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    annex_command(dir, args)
        .envs(env.iter().copied())
        .output()
        .expect("the annex binary runs")
}

/// Path of a fixture case folder.
pub fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

/// Path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every page of the corpus of published pages (`tests/fixtures/corpus`), sorted.
pub fn corpus_pages() -> Vec<PathBuf> {
    let pages: Vec<PathBuf> = files_under(&fixture("corpus"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("README.md"))
        .collect();
    assert_eq!(pages.len(), 20, "the corpus has 20 pages");
    pages
}

/// Whitespace folded to single spaces.
pub fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a laid-out document, whitespace folded, and a line break right after a
/// hyphen inside a word ("NFS-" / "compatible") undone: the line was broken there, the
/// source has no space.
pub fn norm_pdf(text: &str) -> String {
    let mut joined = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        joined.push(c);
        if c == '-'
            && chars.peek() == Some(&'\n')
            && joined
                .chars()
                .rev()
                .nth(1)
                .is_some_and(|p| !p.is_whitespace())
        {
            chars.next();
        }
    }
    norm(&joined)
}

/// How a matrix row reads in the laid-out annex: the activity text, then each party's
/// letters in column order, a dash for a party with none.
pub fn expected_row(matrix: &annex::model::Matrix, activity: &annex::model::Activity) -> String {
    let letters: Vec<String> = matrix
        .parties
        .iter()
        .map(|p| match activity.letters_of(&p.id).to_string() {
            l if l.is_empty() => "–".to_owned(),
            l => l,
        })
        .collect();
    norm(&format!("{} {}", activity.text, letters.join(" ")))
}

/// Runs `args` in `d`: exit 1, every one of `expected` in its output (stdout and stderr),
/// and no `out` folder (nothing written).
pub fn refused(d: &Path, args: &[&str], expected: &[&str]) {
    let out = annex(d, args);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for e in expected {
        assert!(text.contains(e), "{e:?} not in:\n{text}");
    }
    assert!(!d.join("out").exists());
}

/// Whether the outside tools a test needs are installed (found on `PATH`). `cargo test`
/// needs only the Rust toolchain: where one is missing the test says so and does nothing.
/// In CI (`CI` set, as `.ci/run` runs) a missing tool fails the test instead: `.ci/run`
/// installs every one, and nothing is skipped there.
pub fn tools(names: &[&str]) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| !std::env::split_paths(&path).any(|dir| dir.join(name).is_file()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} not installed: .ci/run installs it",
        missing.join(", ")
    );
    eprintln!(
        "skipped here: {} not installed (CI installs it)",
        missing.join(", ")
    );
    false
}

/// Stdout and stderr of a run, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "status: {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Files (recursively) under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
