//! `annex batch`: one document per profile of a folder of TOML files or of a CSV file, rendered
//! in parallel with the shared inputs (matrix, catalogue, templates, fonts) loaded once.
//!
//! Stages: list the profiles → keep this shard's (stable SHA-256 of the profile's name) →
//! plan (validate each profile, name its output, compute its fingerprint; two profiles
//! naming the same file both fail) → render what changed since the last batch into the
//! same folder, on a pool of `--jobs` threads → manifest, report, summary.
//!
//! Invariants:
//! - One bad profile never stops the others; each failure keeps its reason.
//! - A profile is skipped only when the manifest of the output folder records the same
//!   fingerprint (matrix, profile, templates, catalogue, options, tool and Typst versions)
//!   and the file on disk still has the recorded SHA-256: timestamps are never consulted.
//! - A file in the output folder that no manifest lists is not ours: it is replaced only
//!   with `--force`. Every write is atomic (`output::write_atomic`).
//! - Typst's caches are evicted after every document (in `pdf::compile`), so memory stays
//!   flat however many documents are rendered.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cli::InputArgs;
use crate::load::{self, SourceFile};
use crate::{hex, output, pdf, Invalid, Shared, EXIT_INVALID, EXIT_OK};

/// Runs `f(0..n)` on `jobs` threads of our own and returns the results in index order.
///
/// Plain threads rather than a rayon pool: a Typst compile on a rayon worker grew the
/// process by ~1.4 MB per document (measured: 277 MB after 100, 421 MB after 200) while the
/// same compiles on a plain thread stay flat (see BENCHMARKS.md). Typst's own parallel
/// layout still runs on rayon's global pool.
fn on_workers<T: Send>(n: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, n.max(1)) {
            let work = || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let result = f(i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            };
            std::thread::Builder::new()
                .stack_size(STACK_SIZE)
                .spawn_scoped(scope, work)
                .expect("cannot start a worker thread");
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every index is processed"))
        .collect()
}

/// Stack of each worker thread.
const STACK_SIZE: usize = 64 * 1024 * 1024;

/// Manifest file name in the output folder (one per shard: see [`manifest_name`]).
pub const MANIFEST: &str = ".annex-batch.json";

/// `annex batch`.
#[derive(Debug, Args, Clone)]
#[command(mut_arg("profile", |a| a.hide(true)))]
pub struct BatchArgs {
    /// A folder of profile TOML files (`*.toml`, not recursive), or a CSV file with one
    /// profile per row (columns: see the README).
    #[arg(value_name = "PROFILES")]
    pub profiles: PathBuf,
    /// Shared inputs (`--profile` is not used: profiles come from PROFILES).
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder; files are named like `annex render` names them.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Worker threads (default: the number of available cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Render only shard I of N (0 ≤ I < N): profiles are spread by a stable hash of their
    /// name, so N runs with I = 0..N-1 cover every profile exactly once.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,
    /// Render every profile, even those unchanged since the last batch, and replace files
    /// the batch did not write.
    #[arg(long)]
    pub force: bool,
    /// No progress and no summary line; failures are still reported on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write a JSON report: every output with its path and SHA-256, every failure.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// PDF creation date as seconds since the epoch (default: each effective date).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    pub source_date_epoch: Option<i64>,
    /// Benchmark helper: time N warm in-process documents of the first profile, by stage.
    #[arg(long, hide = true, value_name = "N")]
    pub bench_floor: Option<usize>,
}

/// A shard `I/N` of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 0-based.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` with 0 ≤ I < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N, e.g. 3/16, not `{text}`"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("`{i}` is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: I must be in 0..N (0-based, like a Kubernetes job index)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether the profile named `name` belongs to this shard: the first 8 bytes of
    /// SHA-256(name), modulo N. Stable across runs, machines and Rust versions.
    pub fn contains(&self, name: &str) -> bool {
        let digest = Sha256::digest(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % self.count == self.index
    }
}

/// One profile of the batch, before it is read.
#[derive(Debug, Clone)]
pub struct Item {
    /// What messages call it: the file name, or `file.csv row N`.
    pub label: String,
    /// What sharding hashes: the file name, or the row's short name (else legal name).
    pub key: String,
    origin: Origin,
}

#[derive(Debug, Clone)]
enum Origin {
    File(PathBuf),
    /// A CSV row turned into profile TOML, or the reason it could not be.
    Row(Result<SourceFile, String>),
}

impl Item {
    fn source(&self) -> anyhow::Result<SourceFile> {
        match &self.origin {
            Origin::File(path) => load::read_text(path),
            Origin::Row(Ok(source)) => Ok(source.clone()),
            Origin::Row(Err(reason)) => Err(Invalid::input(format!("{}: {reason}", self.label))),
        }
    }
}

/// Lists the profiles of a folder (`*.toml`, sorted by file name) or a CSV file.
pub fn list(path: &Path) -> anyhow::Result<Vec<Item>> {
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| Invalid::input(format!("cannot read {}: {e}", path.display())))?;
        let mut items = Vec::new();
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", path.display()))?;
            let file = entry.path();
            let Some(name) = file.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.starts_with('.') || !name.ends_with(".toml") || !file.is_file() {
                continue;
            }
            items.push(Item {
                label: name.to_owned(),
                key: name.to_owned(),
                origin: Origin::File(file.clone()),
            });
        }
        items.sort_by(|a, b| a.key.cmp(&b.key));
        if items.is_empty() {
            return Err(Invalid::input(format!(
                "{}: no profile (*.toml) in this folder",
                path.display()
            )));
        }
        Ok(items)
    } else {
        let source = load::read_text(path)?;
        csv_items(&source)
    }
}

/// Columns whose cell is a `;`-separated list.
const LIST_COLUMNS: &[&str] = &[
    "subscription.services",
    "subscription.options",
    "subscription.qualifications",
];

/// The profiles of a CSV file: the header names profile keys as dotted TOML paths
/// (`customer.legal-name`, `contract.effective-date`, …) plus `signatories.N.party|name|title`;
/// each row becomes the equivalent profile TOML, so it is validated exactly like a file.
pub fn csv_items(source: &SourceFile) -> anyhow::Result<Vec<Item>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(source.text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Invalid::input(format!("{}: {e}", source.name)))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    for h in &headers {
        let valid = !h.is_empty()
            && h.split('.').all(|seg| {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        if !valid {
            return Err(Invalid::input(format!(
                "{}:1: column `{h}` is not a profile key (write keys like customer.legal-name)",
                source.name
            )));
        }
    }
    let mut items = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let label = format!("{} row {row}", source.name);
        let (key, origin) = match record {
            Err(e) => (label.clone(), Origin::Row(Err(e.to_string()))),
            Ok(record) => {
                let cell = |name: &str| {
                    headers
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| record.get(i))
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                };
                let key = cell("customer.short-name")
                    .or_else(|| cell("customer.legal-name"))
                    .map_or_else(|| label.clone(), str::to_owned);
                let text = if record.len() != headers.len() {
                    Err(format!(
                        "{} cells where the header has {} columns",
                        record.len(),
                        headers.len()
                    ))
                } else {
                    row_to_toml(&headers, &record)
                };
                let source = text.map(|text| SourceFile {
                    name: label.clone(),
                    text,
                });
                (key, Origin::Row(source))
            }
        };
        items.push(Item { label, key, origin });
    }
    if items.is_empty() {
        return Err(Invalid::input(format!("{}: no profile rows", source.name)));
    }
    Ok(items)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// One CSV row as profile TOML: root-level dotted keys, then one `[[signatories]]` table per
/// signatory number.
fn row_to_toml(headers: &[String], record: &csv::StringRecord) -> Result<String, String> {
    let mut lines = Vec::new();
    let mut signatories: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (h, value) in headers.iter().zip(record.iter()) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(rest) = h.strip_prefix("signatories.") {
            let parsed = rest
                .split_once('.')
                .and_then(|(n, field)| Some((n.parse::<u32>().ok()?, field)));
            let Some((n, field)) = parsed else {
                return Err(format!(
                    "column `{h}`: expected signatories.N.party, .name or .title"
                ));
            };
            signatories
                .entry(n)
                .or_default()
                .push(format!("{field} = {}", toml_string(value)));
            continue;
        }
        let toml_value = if LIST_COLUMNS.contains(&h.as_str()) {
            let list: Vec<String> = value
                .split(';')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(toml_string)
                .collect();
            format!("[{}]", list.join(", "))
        } else if (h == "contract.effective-date"
            && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok())
            || (h == "contract.annex-number" && value.parse::<u32>().is_ok())
        {
            // A TOML date or integer, written bare.
            value.to_owned()
        } else {
            toml_string(value)
        };
        lines.push(format!("{h} = {toml_value}"));
    }
    for fields in signatories.values() {
        lines.push(String::new());
        lines.push("[[signatories]]".to_owned());
        lines.extend(fields.iter().cloned());
    }
    lines.push(String::new());
    Ok(lines.join("\n"))
}

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
fn read_manifests(dir: &Path, own: &str) -> (Manifest, BTreeMap<String, ManifestEntry>) {
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
        let Ok(text) = std::fs::read_to_string(dir.join(&name)) else {
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

/// What became of one profile.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase", tag = "status")]
pub enum Outcome {
    /// Written now.
    Rendered(Output),
    /// Unchanged since the last batch.
    Skipped(Output),
    /// Not written; the reason.
    Failed {
        /// The profile.
        profile: String,
        /// Why, as `annex render` would print it.
        reason: String,
    },
}

/// An output file.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    /// The profile it came from.
    pub profile: String,
    /// Its path (the output folder joined with the file name).
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// The batch fingerprint of its inputs.
    pub fingerprint: String,
}

/// The `--report` JSON.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `annex <version> (typst <version>)`.
    pub tool: String,
    /// Document kind.
    pub kind: String,
    /// The shard, as `I/N`, if any.
    pub shard: Option<String>,
    /// Number rendered.
    pub rendered: usize,
    /// Number skipped.
    pub skipped: usize,
    /// Number failed.
    pub failed: usize,
    /// Every output (rendered or skipped), in profile order.
    pub outputs: Vec<Outcome>,
    /// Every failure, in profile order.
    pub failures: Vec<Outcome>,
}

fn tool() -> String {
    format!(
        "annex {} (typst {})",
        env!("CARGO_PKG_VERSION"),
        crate::TYPST_VERSION
    )
}

/// The batch fingerprint: the document fingerprint (matrix, profile, templates) plus what
/// else changes the bytes: catalogue, options, document kind, tool and Typst versions.
fn batch_fingerprint(shared: &Shared, prepared: &crate::Prepared, args: &BatchArgs) -> String {
    let mut options = shared.input.clone();
    // Contents are hashed below (or in the document fingerprint); paths do not matter.
    options.matrix = None;
    options.profile = None;
    options.catalogue = None;
    options.templates = None;
    let mut hasher = Sha256::new();
    for part in [
        tool(),
        prepared.fingerprint(),
        shared.catalogue_source.text.clone(),
        format!("{options:?}"),
        format!("{:?}", args.source_date_epoch),
        // Findings are printed by some documents (audit) and depend on a policy file.
        format!("{:?}", prepared.findings),
    ] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// A profile that validated, with its output named.
struct Planned {
    source: SourceFile,
    file_name: String,
    fingerprint: String,
}

fn plan(shared: &Shared, item: &Item, args: &BatchArgs) -> anyhow::Result<Planned> {
    let source = item.source()?;
    let loaded = load::profile_from_source(source.clone())?;
    let prepared = crate::prepare_profile(shared, loaded)?;
    Ok(Planned {
        file_name: prepared.file_name(shared.input.kind),
        fingerprint: batch_fingerprint(shared, &prepared, args),
        source,
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Progress: a bar on a terminal, a line per document otherwise, nothing with `--quiet`.
enum Progress {
    Quiet,
    Lines { done: AtomicUsize, total: usize },
    Bar(indicatif::ProgressBar),
}

impl Progress {
    fn new(total: usize, quiet: bool) -> Progress {
        if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} {per_sec} eta {eta} {wide_msg}",
            ) {
                bar.set_style(style);
            }
            Progress::Bar(bar)
        } else {
            Progress::Lines {
                done: AtomicUsize::new(0),
                total,
            }
        }
    }

    fn tick(&self, what: &str, name: &str) {
        match self {
            Progress::Quiet => {}
            Progress::Lines { done, total } => {
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                eprintln!("[{n}/{total}] {what} {name}");
            }
            Progress::Bar(bar) => {
                bar.set_message(format!("{what} {name}"));
                bar.inc(1);
            }
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// Runs `annex batch`.
pub fn run(args: &BatchArgs) -> anyhow::Result<u8> {
    if args.input.profile.is_some() {
        return Err(Invalid::input(
            "annex batch reads its profiles from PROFILES (a folder or a CSV file); --profile is not used",
        ));
    }
    let started = Instant::now();
    let mut notices = Vec::new();
    let shared = crate::load_shared(&args.input, &mut notices)?;
    if !args.quiet {
        for n in &notices {
            eprintln!("note: {n}");
        }
    }
    let mut items = list(&args.profiles)?;
    if let Some(floor) = args.bench_floor {
        return bench_floor(&shared, &items[0], args, floor);
    }
    if let Some(shard) = args.shard {
        items.retain(|item| shard.contains(&item.key));
    }
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        // Typst recurses deeply (layout, and dropping its caches): rayon's default 2 MiB
        // stack overflows within a few hundred documents; the main thread has 8 MiB.
        .stack_size(STACK_SIZE)
        .build()
        .context("cannot start the worker threads")?;
    // Parse fonts and build the library before the workers race for them.
    pdf::preload();

    // Plan: validate every profile and name its output.
    let planned: Vec<anyhow::Result<Planned>> =
        pool.install(|| items.par_iter().map(|i| plan(&shared, i, args)).collect());
    let mut by_file: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in planned.iter().enumerate() {
        if let Ok(p) = p {
            by_file.entry(p.file_name.as_str()).or_default().push(i);
        }
    }
    let collisions: HashMap<usize, String> = by_file
        .values()
        .filter(|ids| ids.len() > 1)
        .flat_map(|ids| {
            ids.iter().map(|&i| {
                let others: Vec<&str> = ids
                    .iter()
                    .filter(|&&j| j != i)
                    .map(|&j| items[j].label.as_str())
                    .collect();
                (i, others.join(", "))
            })
        })
        .collect();

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create folder {}", args.out.display()))?;
    let own_name = manifest_name(args.shard);
    let (own, known) = read_manifests(&args.out, &own_name);
    let manifest = Mutex::new((own, Instant::now()));
    let manifest_path = args.out.join(&own_name);
    let progress = Progress::new(items.len(), args.quiet);

    let outcomes: Vec<Outcome> = on_workers(items.len(), jobs, |i| {
        let (item, planned) = (&items[i], &planned[i]);
        {
            let outcome = match (planned, collisions.get(&i)) {
                    (Err(e), _) => Outcome::Failed {
                        profile: item.label.clone(),
                        reason: crate::error_report(e),
                    },
                    (Ok(p), Some(others)) => Outcome::Failed {
                        profile: item.label.clone(),
                        reason: format!(
                            "error: {} would be written by {others} too; give each profile a distinct customer short-name\n",
                            p.file_name
                        ),
                    },
                    (Ok(p), None) => match produce(&shared, item, p, args, &known) {
                        Ok(outcome) => outcome,
                        Err(e) => Outcome::Failed {
                            profile: item.label.clone(),
                            reason: crate::error_report(&e),
                        },
                    },
                };
            let (what, name) = match &outcome {
                Outcome::Rendered(o) => ("rendered", o.path.as_str()),
                Outcome::Skipped(o) => ("skipped", o.path.as_str()),
                Outcome::Failed { profile, .. } => ("failed", profile.as_str()),
            };
            progress.tick(what, name);
            if let (Outcome::Rendered(o), Ok(p)) = (&outcome, planned) {
                record(&manifest, &manifest_path, &p.file_name, o);
            }
            outcome
        }
    });
    progress.finish();

    // The final manifest: this run's outputs over the previous record of this shard.
    let (mut own, _) = manifest.into_inner().unwrap_or_else(|e| e.into_inner());
    for (outcome, planned) in outcomes.iter().zip(&planned) {
        if let (Outcome::Rendered(o) | Outcome::Skipped(o), Ok(p)) = (outcome, planned) {
            own.outputs.insert(p.file_name.clone(), entry(o));
        }
    }
    own.tool = tool();
    write_manifest(&manifest_path, &own)?;

    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let rendered = count(|o| matches!(o, Outcome::Rendered(_)));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    for outcome in &outcomes {
        if let Outcome::Failed { profile, reason } = outcome {
            eprint!("failed: {profile}\n{}", indent(reason));
        }
    }
    if let Some(path) = &args.report {
        let (failures, outputs) = outcomes
            .iter()
            .cloned()
            .partition(|o| matches!(o, Outcome::Failed { .. }));
        let report = Report {
            tool: tool(),
            kind: args.input.kind.name().to_owned(),
            shard: args.shard.map(|s| format!("{}/{}", s.index, s.count)),
            rendered,
            skipped,
            failed,
            outputs,
            failures,
        };
        let json = serde_json::to_vec_pretty(&report).context("cannot serialise the report")?;
        output::write_atomic(path, &json, true)?;
    }
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "rendered {rendered}, skipped {skipped}, failed {failed} ({} profiles{}, {secs:.1} s, {:.1} docs/s, {jobs} jobs)",
            items.len(),
            args.shard.map_or(String::new(), |s| format!(" in shard {}/{}", s.index, s.count)),
            rendered as f64 / secs.max(1e-9),
        );
    }
    Ok(if failed > 0 { EXIT_INVALID } else { EXIT_OK })
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn entry(o: &Output) -> ManifestEntry {
    ManifestEntry {
        profile: o.profile.clone(),
        fingerprint: o.fingerprint.clone(),
        sha256: o.sha256.clone(),
    }
}

/// Records a rendered output, saving the manifest at most every 2 s: a run that is killed
/// then loses at most 2 s of skips, and its files are known as ours on the next run.
fn record(manifest: &Mutex<(Manifest, Instant)>, path: &Path, file_name: &str, output: &Output) {
    let mut guard = manifest.lock().unwrap_or_else(|e| e.into_inner());
    guard.0.outputs.insert(file_name.to_owned(), entry(output));
    if guard.1.elapsed() > Duration::from_secs(2) {
        guard.0.tool = tool();
        let _ = write_manifest(path, &guard.0);
        guard.1 = Instant::now();
    }
}

fn write_manifest(path: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let json = serde_json::to_vec_pretty(manifest).context("cannot serialise the manifest")?;
    output::write_atomic(path, &json, true)
}

/// Renders one planned profile, or skips it when its output is up to date.
fn produce(
    shared: &Shared,
    item: &Item,
    planned: &Planned,
    args: &BatchArgs,
    known: &BTreeMap<String, ManifestEntry>,
) -> anyhow::Result<Outcome> {
    let path = args.out.join(&planned.file_name);
    let output = |sha256: String| Output {
        profile: item.label.clone(),
        path: path.display().to_string(),
        sha256,
        fingerprint: planned.fingerprint.clone(),
    };
    let previous = known.get(&planned.file_name);
    if let (Some(previous), false) = (previous, args.force) {
        if previous.fingerprint == planned.fingerprint {
            if let Ok(bytes) = std::fs::read(&path) {
                if sha256_hex(&bytes) == previous.sha256 {
                    return Ok(Outcome::Skipped(output(previous.sha256.clone())));
                }
            }
        }
    }
    if previous.is_none() && !args.force && path.exists() {
        return Err(Invalid::input(format!(
            "{} already exists and no earlier batch into {} wrote it; use --force to replace it",
            path.display(),
            args.out.display()
        )));
    }
    let loaded = load::profile_from_source(planned.source.clone())?;
    let prepared = crate::prepare_profile(shared, loaded)?;
    // A final annex comes out of a batch as it does out of `render`: PDF/A-3b with its
    // sources attached (signing stays a per-document step: `annex sign`).
    let kind = shared.input.kind;
    let seal = if kind == crate::cli::Kind::Annex
        && prepared.profile.contract.status == crate::profile::Status::Final
    {
        Some(crate::seal::Seal::new(
            &prepared,
            &shared.catalogue_source,
            kind,
            shared.input.scope,
            args.source_date_epoch,
            None,
        )?)
    } else {
        None
    };
    let document =
        crate::make_document_with(&prepared, kind, args.source_date_epoch, seal.as_ref())?;
    let sha256 = sha256_hex(&document.compiled.pdf);
    // Someone may have signed the previous output since: never discard signatures.
    crate::pades::guard_overwrite(&path, true, false)?;
    output::write_atomic(&path, &document.compiled.pdf, true)?;
    Ok(Outcome::Rendered(output(sha256)))
}

/// `--bench-floor N`: the first profile, rendered once cold and then N times warm with a
/// distinct legal name each time (so Typst's caches cannot replay a whole document), with
/// the time of each stage. Prints one line per stage (median and mean in ms).
fn bench_floor(shared: &Shared, item: &Item, args: &BatchArgs, n: usize) -> anyhow::Result<u8> {
    let kind = shared.input.kind;
    let source = item.source()?;
    let time = |f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<f64> {
        let t = Instant::now();
        f()?;
        Ok(t.elapsed().as_secs_f64() * 1000.0)
    };
    let mut stages: BTreeMap<&'static str, Vec<f64>> = BTreeMap::new();
    let fonts = time(&mut || {
        pdf::preload();
        Ok(())
    })?;
    let cold = time(&mut || {
        let loaded = load::profile_from_source(source.clone())?;
        let prepared = crate::prepare_profile(shared, loaded)?;
        crate::make_document(&prepared, kind, args.source_date_epoch).map(|_| ())
    })?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create folder {}", args.out.display()))?;
    for i in 0..n {
        let t = Instant::now();
        let loaded = load::profile_from_source(source.clone())?;
        let mut prepared = crate::prepare_profile(shared, loaded)?;
        prepared.profile.customer.legal_name = format!(
            "{} (floor copy {i:04})",
            prepared.profile.customer.legal_name
        );
        fn lap(
            stages: &mut BTreeMap<&'static str, Vec<f64>>,
            stage: &'static str,
            t: &mut Instant,
        ) {
            stages
                .entry(stage)
                .or_default()
                .push(t.elapsed().as_secs_f64() * 1000.0);
            *t = Instant::now();
        }
        let mut t = t;
        lap(&mut stages, "1 load+validate profile", &mut t);
        // Measured apart, not counted in the total: make_document does both again inside.
        let apart = Instant::now();
        let context = prepared.context(kind, None);
        let mut a = apart;
        lap(&mut stages, "(apart) tailor+context", &mut a);
        let renderer = crate::render::Renderer::new(&prepared.templates)?;
        renderer.render(&format!("{}.typ.tera", kind.name()), &context)?;
        lap(
            &mut stages,
            "(apart) tera: parse templates + render",
            &mut a,
        );
        let t0 = Instant::now();
        let document = crate::make_document(&prepared, kind, args.source_date_epoch)?;
        let whole = t0.elapsed().as_secs_f64() * 1000.0;
        let compiled = document.compiled;
        let timings = compiled.timings;
        stages
            .entry("2 typst compile+layout")
            .or_default()
            .push(timings.layout.as_secs_f64() * 1000.0);
        stages
            .entry("3 pdf export")
            .or_default()
            .push(timings.export.as_secs_f64() * 1000.0);
        stages
            .entry("4 rest of make_document: context, tera, text, evict")
            .or_default()
            .push(whole - (timings.layout + timings.export).as_secs_f64() * 1000.0);
        t = Instant::now();
        let digest = sha256_hex(&compiled.pdf);
        lap(&mut stages, "5 sha-256", &mut t);
        let path = args.out.join(format!("floor-{}.pdf", &digest[..8]));
        output::write_atomic(&path, &compiled.pdf, true)?;
        let _ = std::fs::remove_file(&path);
        lap(&mut stages, "6 write (atomic) + remove", &mut t);
    }
    let stat = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v.iter().sum::<f64>() / v.len() as f64)
    };
    println!("fonts+library (first use): {fonts:.2} ms");
    println!("first document in the process (cold): {cold:.2} ms");
    let mut total: Vec<f64> = vec![0.0; n];
    for (stage, v) in stages.iter_mut() {
        if !stage.starts_with('(') {
            for (t, x) in total.iter_mut().zip(v.iter()) {
                *t += x;
            }
        }
        let (median, mean) = stat(v);
        println!("{stage}: median {median:.2} ms, mean {mean:.2} ms");
    }
    if n > 0 {
        let (median, mean) = stat(&mut total);
        println!("warm document (floor), n={n}: median {median:.2} ms, mean {mean:.2} ms");
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_every_name_exactly_once() {
        let names: Vec<String> = (0..500).map(|i| format!("p{i:04}.toml")).collect();
        let shards: Vec<Shard> = (0..7).map(|i| Shard { index: i, count: 7 }).collect();
        for name in &names {
            assert_eq!(shards.iter().filter(|s| s.contains(name)).count(), 1);
        }
        // Stable: the same name always lands in the same shard (fixed by SHA-256).
        assert!(
            Shard::parse("0/2").unwrap().contains("acme.toml")
                != Shard::parse("1/2").unwrap().contains("acme.toml")
        );
    }

    #[test]
    fn shard_parsing_is_strict() {
        assert_eq!(
            Shard::parse("3/16"),
            Ok(Shard {
                index: 3,
                count: 16
            })
        );
        assert!(Shard::parse("16/16").is_err());
        assert!(Shard::parse("1/0").is_err());
        assert!(Shard::parse("3").is_err());
    }

    #[test]
    fn a_csv_row_becomes_profile_toml() {
        let headers: Vec<String> = [
            "customer.legal-name",
            "contract.annex-number",
            "contract.effective-date",
            "subscription.services",
            "subscription.options",
            "signatories.1.party",
            "signatories.1.name",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let record = csv::StringRecord::from(vec![
            "A \"quoted\" & Co",
            "3",
            "2026-12-01",
            "data-processing; x",
            "",
            "customer",
            "Jo",
        ]);
        let text = row_to_toml(&headers, &record).unwrap();
        let value: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            value["customer"]["legal-name"].as_str(),
            Some("A \"quoted\" & Co")
        );
        assert_eq!(value["contract"]["annex-number"].as_integer(), Some(3));
        assert!(value["contract"]["effective-date"].is_datetime());
        assert_eq!(
            value["subscription"]["services"].as_array().unwrap().len(),
            2
        );
        assert!(value["subscription"].get("options").is_none());
        assert_eq!(value["signatories"][0]["name"].as_str(), Some("Jo"));
    }
}
