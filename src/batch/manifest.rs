//! The output folder's manifest: what each file was rendered from (batch fingerprint,
//! SHA-256 as written), so that a later batch skips what did not change. One file per
//! shard, so shards sharing a folder never clobber each other's record.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::{tool, Output, Shard};
use crate::output;

/// Manifest file name in the output folder (one per shard: see [`manifest_name`]).
pub const MANIFEST: &str = ".annex-batch.json";

/// The manifest of an output folder: what each file was rendered from.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// `annex <version> (typst <version>)`.
    pub tool: String,
    /// Entries by output file name.
    pub outputs: BTreeMap<String, ManifestEntry>,
}

/// One output of a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The profile it came from (file name or CSV row).
    pub profile: String,
    /// The batch fingerprint of its inputs.
    pub fingerprint: String,
    /// SHA-256 of the file as written.
    pub sha256: String,
}

/// This run's manifest file name: shards write their own, so that shards sharing an output
/// folder never clobber each other's record.
pub fn manifest_name(shard: Option<Shard>) -> String {
    match shard {
        None => MANIFEST.to_owned(),
        Some(s) => format!(".annex-batch.shard-{}-of-{}.json", s.index, s.count),
    }
}

/// Every manifest in `dir` (all shards), merged; unreadable ones count as absent (the
/// worst outcome is a re-render).
pub(super) fn read_manifests(dir: &Path, own: &str) -> (Manifest, BTreeMap<String, ManifestEntry>) {
    let mut own_manifest = Manifest::default();
    let mut all = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (own_manifest, all);
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| n.starts_with(".annex-batch") && n.ends_with(".json"))
        .collect();
    names.sort();
    for name in names {
        let Ok(crate::load::SourceFile { text, .. }) = crate::load::read_text(&dir.join(&name))
        else {
            continue;
        };
        let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
            continue;
        };
        all.extend(manifest.outputs.clone());
        if name == own {
            own_manifest = manifest;
        }
    }
    // Our own record wins over another shard's for the same file.
    all.extend(own_manifest.outputs.clone());
    (own_manifest, all)
}

pub(super) fn entry(o: &Output) -> ManifestEntry {
    ManifestEntry {
        profile: o.profile.clone(),
        fingerprint: o.fingerprint.clone(),
        sha256: o.sha256.clone(),
    }
}

/// Records a rendered output, saving the manifest on the first output and then at most
/// every 2 s: a run that is killed (SIGKILL: a handled signal writes the whole manifest)
/// loses at most 2 s of records, and the files recorded are known as ours on the next run.
pub(super) fn record(
    manifest: &Mutex<(Manifest, Option<Instant>)>,
    path: &Path,
    file_name: &str,
    output: &Output,
) {
    let mut guard = manifest.lock().unwrap_or_else(|e| e.into_inner());
    guard.0.outputs.insert(file_name.to_owned(), entry(output));
    if guard
        .1
        .is_none_or(|saved| saved.elapsed() > Duration::from_secs(2))
    {
        guard.0.tool = tool();
        let _ = write_manifest(path, &guard.0);
        guard.1 = Some(Instant::now());
    }
}

pub(super) fn write_manifest(path: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(manifest).context("cannot serialise the manifest")?;
    output::write_atomic(path, &json, true)
}
