//! `annex batch` interrupted and resumed (#11 item 7): SIGINT/SIGTERM stop it cleanly with
//! the manifest written, a rerun finishes it, temp files of killed runs are removed; and
//! profiles whose file name is not UTF-8 (#11 item 8).

use super::*;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::batch::generate_profiles;

/// Above Linux's PID_MAX_LIMIT (2^22): no process ever has this id.
const DEAD_PID: u32 = 4_194_305;

/// Files of `dir` (not recursive) whose name ends with `suffix`.
fn named(dir: &Path, suffix: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(suffix))
        .collect()
}

/// The file names a manifest lists.
fn manifest_outputs(path: &Path) -> BTreeSet<String> {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    json["outputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Starts `annex batch` on `n` generated profiles, sends `signal` once the first PDF is
/// written, and returns the finished run.
fn interrupted_batch(dir: &Path, n: usize, signal: i32) -> Output {
    generate_profiles(&dir.join("profiles"), n);
    let child = Command::new(env!("CARGO_BIN_EXE_annex"))
        .args(["batch", "profiles", "--out", "out", "--jobs", "1"])
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the annex binary runs");
    let out = dir.join("out");
    let started = Instant::now();
    while !out.is_dir() || named(&out, ".pdf").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no PDF after 5 minutes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: sends a signal to the child we started and have not waited for yet.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    child.wait_with_output().unwrap()
}

#[test]
fn sigint_stops_a_batch_with_its_manifest_written_and_a_rerun_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = interrupted_batch(dir.path(), 40, libc::SIGINT);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interrupted by SIGINT"), "{err}");
    assert!(err.contains("run the same command again"), "{err}");

    let out_dir = dir.path().join("out");
    let written = named(&out_dir, ".pdf");
    assert!(
        !written.is_empty() && written.len() < 40,
        "stopped part-way: {written:?}"
    );
    assert_eq!(
        named(&out_dir, ".tmp"),
        BTreeSet::new(),
        "no temp file left"
    );
    // The manifest lists exactly the files written: they are this batch's on a rerun.
    assert_eq!(
        manifest_outputs(&out_dir.join(".annex-batch.json")),
        written
    );

    // The same command, without --force, resumes: what was written is skipped.
    let again = annex(
        dir.path(),
        &["batch", "profiles", "--out", "out", "--jobs", "2"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(
        summary.starts_with(&format!(
            "rendered {}, skipped {}, failed 0 (40 profiles",
            40 - written.len(),
            written.len()
        )),
        "{}",
        show(&again)
    );
    assert_eq!(named(&out_dir, ".pdf").len(), 40);
    assert_eq!(
        manifest_outputs(&out_dir.join(".annex-batch.json")).len(),
        40
    );
}

#[test]
fn sigterm_stops_a_batch_with_exit_code_143() {
    let dir = tempfile::tempdir().unwrap();
    let out = interrupted_batch(dir.path(), 12, libc::SIGTERM);
    assert_eq!(out.status.code(), Some(143), "{}", show(&out));
    let out_dir = dir.path().join("out");
    assert_eq!(
        named(&out_dir, ".tmp"),
        BTreeSet::new(),
        "no temp file left"
    );
    assert_eq!(
        manifest_outputs(&out_dir.join(".annex-batch.json")),
        named(&out_dir, ".pdf")
    );
}

#[test]
fn temp_files_of_killed_runs_are_removed_and_no_others() {
    let dir = tempfile::tempdir().unwrap();
    generate_profiles(&dir.path().join("profiles"), 1);
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let stale = format!(".annex-{DEAD_PID}-Ab12Cd.tmp");
    // This test's own process is alive: a concurrent writer's temp file stays.
    let live = format!(".annex-{}-Ab12Cd.tmp", std::process::id());
    let not_ours = format!("annex-{DEAD_PID}-Ab12Cd.tmp");
    for name in [&stale, &live, &not_ours] {
        std::fs::write(out_dir.join(name), b"partial").unwrap();
    }
    let out = annex(dir.path(), &["batch", "profiles", "--out", "out"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!out_dir.join(&stale).exists(), "stale temp file removed");
    assert!(
        out_dir.join(&live).exists(),
        "a live process's temp file kept"
    );
    assert!(out_dir.join(&not_ours).exists(), "other files kept");

    // `annex render` cleans the folder it writes into the same way.
    let render_dir = dir.path().join("single");
    std::fs::create_dir_all(&render_dir).unwrap();
    std::fs::write(render_dir.join(&stale), b"partial").unwrap();
    let out = annex(dir.path(), &["render", "--out", "single"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!render_dir.join(&stale).exists(), "stale temp file removed");
    assert_eq!(named(&render_dir, ".pdf").len(), 1);
}

#[test]
fn profiles_whose_file_name_is_not_utf8_are_rendered_or_fail_by_name() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;

    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    let names = generate_profiles(&profiles, 3);
    // p0000.toml stays; p0001 becomes `caf<E9>.toml` (Latin-1 é); p0002 `bad<FF>.toml`,
    // broken.
    let good = profiles.join(OsStr::from_bytes(b"caf\xe9.toml"));
    std::fs::rename(profiles.join(&names[1]), &good).unwrap();
    let bad = profiles.join(OsStr::from_bytes(b"bad\xff.toml"));
    let text = std::fs::read_to_string(profiles.join(&names[2]))
        .unwrap()
        .replace("region = \"GRA\"", "region = \"XXX\"");
    std::fs::write(&bad, text).unwrap();
    std::fs::remove_file(profiles.join(&names[2])).unwrap();

    let out = annex(
        dir.path(),
        &[
            "batch",
            "profiles",
            "--out",
            "out",
            "--report",
            "report.json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("rendered 2, skipped 0, failed 1"),
        "{}",
        show(&out)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(r"failed: bad\xFF.toml"), "{err}");
    let written = named(&dir.path().join("out"), ".pdf");
    assert!(written.contains("customer-0001-annex.pdf"), "{written:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let profiles: Vec<&str> = report["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["profile"].as_str().unwrap())
        .collect();
    assert!(profiles.contains(&r"caf\xE9.toml"), "{profiles:?}");
}
