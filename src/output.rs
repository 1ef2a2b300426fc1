//! Output stage: writes files atomically. A file is written to a temporary file in the
//! destination folder and renamed into place, so a failure never leaves a partial file,
//! and an existing file is only replaced with `--force`.
//!
//! Temporary files are named `.annex-<pid>-<random>.tmp`: a run that ends normally (or
//! stops on a signal it handles) removes its own; one that was killed leaves them, and the
//! first write of a later run into the same folder removes those whose process is gone
//! ([`clean_stale`]). Nothing else is ever removed: only regular files of that pattern, only
//! in the folder written to, never one whose process still runs (a concurrent batch's)
//! unless it is older than [`STALE_AFTER`] (its pid was reused by an unrelated process).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context as _;

use crate::error::Invalid;

/// Every temporary file starts with this…
pub const TEMP_PREFIX: &str = ".annex-";
/// …and ends with this.
pub const TEMP_SUFFIX: &str = ".tmp";
/// A temporary file whose process may still be running is left alone until it is this
/// old. A write takes seconds at most: a temp file an hour old belongs to no write.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// A new temporary file in `dir`, named `.annex-<pid>-<random>.tmp` so that a later run
/// knows whose it is; temporary files of dead runs in `dir` are removed first. Every file
/// annex writes goes through one of these and a rename.
pub fn temp_file_in(dir: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    // The folder of a bare file name ("annex.pdf") is the empty path.
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    clean_stale_once(dir);
    tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))
}

/// Writes `bytes` to `path` atomically; refuses to replace an existing file unless `force`.
pub fn write_atomic(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        return Err(Invalid::input(format!(
            "{} already exists; use --force to overwrite it",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let mut tmp = temp_file_in(dir)?;
    tmp.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // Temporary files are created private (0600); the result is an ordinary document.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.as_file().sync_all().ok();
    if force {
        tmp.persist(path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
    } else {
        // `persist_noclobber` keeps the no-overwrite promise even against a file that
        // appeared since the check above.
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Invalid::input(format!(
                    "{} already exists; use --force to overwrite it",
                    path.display()
                ))
            } else {
                anyhow::Error::new(e.error).context(format!("cannot write {}", path.display()))
            }
        })?;
    }
    Ok(())
}

/// Folders this process has cleaned: a batch writes thousands of files into one folder and
/// lists it once.
static CLEANED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Runs [`clean_stale`] on `dir` unless this process already did.
fn clean_stale_once(dir: &Path) {
    let done = CLEANED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashSet::new)
        .contains(dir);
    if !done {
        clean_stale(dir);
    }
}

/// Removes the temporary files that killed runs left in `dir` (see the module comment for
/// the rule) and returns their paths. Best effort: what cannot be listed or removed stays.
pub fn clean_stale(dir: &Path) -> Vec<PathBuf> {
    CLEANED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashSet::new)
        .insert(dir.to_path_buf());
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return removed;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let Some(middle) = name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|n| n.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        // `entry.metadata()` does not follow symlinks: a link is never ours.
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        // `.annex-<pid>-<random>`; names without a pid come from older versions.
        let pid = middle
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok());
        let dead = pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid));
        if (dead || old) && std::fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
}

/// Whether a process with this id exists (signal 0 checks without sending anything; EPERM
/// means it exists under another user).
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the process exists.
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere a process cannot be asked about: rely on the age rule alone.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temp_files_of_dead_processes_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Above Linux's PID_MAX_LIMIT (2^22): no process ever has this id.
        let dead = d.join(".annex-4194305-abc123.tmp");
        let alive = d.join(format!(".annex-{}-abc123.tmp", std::process::id()));
        let legacy = d.join(".annex-Ab12Cd.tmp");
        let other = d.join("annex-4194305-x.tmp");
        let dir_like = d.join(".annex-4194305-dir.tmp");
        for f in [&dead, &alive, &legacy, &other] {
            std::fs::write(f, b"x").unwrap();
        }
        std::fs::create_dir(&dir_like).unwrap();
        assert_eq!(clean_stale(d), vec![dead.clone()]);
        for f in [&alive, &legacy, &other, &dir_like] {
            assert!(f.exists(), "{} kept", f.display());
        }
        // An old legacy file goes (its writer is long gone).
        let file = std::fs::File::options().write(true).open(&legacy).unwrap();
        let long_ago = std::time::SystemTime::now() - STALE_AFTER - Duration::from_secs(60);
        file.set_modified(long_ago).unwrap();
        assert_eq!(clean_stale(d), vec![legacy]);
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.pdf");
        write_atomic(&p, b"one", false).unwrap();
        assert!(write_atomic(&p, b"two", false).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }
}
