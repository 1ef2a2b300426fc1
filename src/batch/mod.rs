//! Batch: one document (or, with `pack`, one evidence pack) per profile of a folder of
//! TOML files or of a CSV file, rendered in parallel with the shared inputs (matrix, catalogue, templates, fonts) loaded once.
//!
//! Stages: list the profiles → keep this shard's (stable SHA-256 of the profile's name) →
//! plan (validate each profile, name its output, compute its fingerprint; two profiles
//! naming the same file both fail) → render what changed since the last batch into the
//! same folder, on a pool of `--jobs` threads → manifest, report, summary.
//!
//! Parts: [`profiles`] lists the profiles of a folder or a CSV file; [`manifest`] is the
//! output folder's record of what each file was rendered from.
//!
//! Invariants:
//! - One bad profile never stops the others; each failure keeps its reason.
//! - A profile is skipped only when the manifest of the output folder records the same
//!   fingerprint (matrix, profile, templates, catalogue, options, tool and Typst versions)
//!   and the file on disk still has the recorded SHA-256: timestamps are never consulted.
//! - A file in the output folder that no manifest lists is not ours: it is replaced only
//!   with `--force`. Every write is atomic (`output::write_atomic`).
//! - Typst's caches are evicted at a bounded rate (every `pdf::EVICT_EVERY` documents, by
//!   one worker, never waited for: `pdf::compile`), so memory stays flat however many
//!   documents are rendered and no worker touches the shared cache's eviction per document.
//! - Nothing here prints: each outcome is handed to the caller's `progress` callback as it
//!   happens (the command layer draws the progress bar and the summary).
//! - Stopping (`BatchOptions::stop`, raised by the command layer on SIGINT/SIGTERM) starts
//!   no new profile; documents in flight finish (or fail and remove their temp file), and
//!   the manifest then records everything written, so the same command resumes the batch.
//! - Temp files that a killed run left in the output folder are removed first
//!   (`output::clean_stale`: only ours, only of processes that are gone).

pub mod manifest;
pub mod profiles;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::digest::{self, sha256_hex};
use crate::error::{self, Invalid};
use crate::kind::Kind;
use crate::load::{self, SourceFile};
use crate::pack::{self, PackOptions};
use crate::prepare::{Prepared, Shared};
use crate::register::Register;
use crate::{document, output, pdf, seal, sign};

use manifest::{entry, read_manifests, record, write_manifest};
pub use manifest::{manifest_name, Manifest, ManifestEntry, MANIFEST};
pub use profiles::{csv_items, list, Item, Listing};

/// Runs `f(0..n)` on `jobs` threads of our own and returns the results in index order.
///
/// Plain threads rather than a rayon pool: a Typst compile on a rayon worker grew the
/// process by ~1.4 MB per document (measured: 277 MB after 100, 421 MB after 200) while the
/// same compiles on a plain thread stay flat (see BENCHMARKS.md). With several workers,
/// Typst's own parallel layout runs inline on each worker ([`own_pool`]); with one, on
/// rayon's global pool.
fn on_workers<T: Send>(n: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..n).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, n.max(1)) {
            let documents = || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let result = f(i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            };
            let work = move || match own_pool(jobs) {
                Some(pool) => pool.install(documents),
                None => documents(),
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

/// With several workers, a one-thread rayon pool made of the worker thread itself, so that
/// Typst's parallel layout (`par_iter` inside `typst::compile`) runs inline on the worker
/// instead of queueing on rayon's global pool. Measured (BENCHMARKS.md, `perf trace -s -e
/// futex`): on the global pool each worker of `--jobs 2` waited ~40 % of the wall time in
/// futex for layout tasks queued behind the other worker's; the workers already keep every
/// core busy, so the pool only added waits. A single worker keeps the global pool: there
/// the parallel layout is the only parallelism there is.
fn own_pool(jobs: usize) -> Option<rayon::ThreadPool> {
    if jobs < 2 {
        return None;
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .use_current_thread()
        .build()
        .ok()
}

/// Stack of each worker thread.
const STACK_SIZE: usize = 64 * 1024 * 1024;

/// What a batch renders, and where.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// A folder of profile TOML files (`*.toml`, not recursive), or a CSV file.
    pub profiles: PathBuf,
    /// Output folder.
    pub out: PathBuf,
    /// Document kind.
    pub kind: Kind,
    /// Make each profile's evidence pack (`<customer>-evidence.zip`, see [`crate::pack`])
    /// instead of one document of `kind`.
    pub pack: bool,
    /// Worker threads (default: the number of available cores).
    pub jobs: Option<usize>,
    /// Render only this shard.
    pub shard: Option<Shard>,
    /// Render every profile, and replace files the batch did not write.
    pub force: bool,
    /// Write a JSON report here.
    pub report: Option<PathBuf>,
    /// PDF creation date override (seconds since the epoch).
    pub source_date_epoch: Option<i64>,
    /// Raised to stop the batch (e.g. by a signal handler): no new profile is started,
    /// documents in flight finish, the manifest is written; the rest is
    /// [`Outcome::Cancelled`].
    pub stop: Option<Arc<AtomicBool>>,
    /// Signs every final annex (a pack's too), shared by the workers.
    pub signer: Option<Arc<sign::Signer>>,
    /// Records every final document made (and skipped, if the register lacks it) here; a
    /// document whose record fails is [`Outcome::Failed`].
    pub register: Option<Arc<Register>>,
    /// A re-sign campaign (`--outdated`): by (contract reference, annex number), the matrix
    /// the customer last signed. Each annex also gets its change notice since that matrix
    /// (`<customer>-annex-changes.pdf`).
    pub since: Option<Arc<HashMap<(String, String), crate::load::LoadedMatrix>>>,
}

impl BatchOptions {
    fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
    }
}

/// What a batch did.
#[derive(Debug)]
pub struct Summary {
    /// Every profile's outcome, in profile order.
    pub outcomes: Vec<Outcome>,
    /// Number of profiles considered (this shard's).
    pub profiles: usize,
    /// Worker threads used.
    pub jobs: usize,
}

impl Summary {
    /// How many outcomes match `f`.
    pub fn count(&self, f: fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(o)).count()
    }

    /// Number rendered now.
    pub fn rendered(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Rendered(_)))
    }

    /// Number skipped (up to date).
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped(_)))
    }

    /// Number failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed { .. }))
    }

    /// Number not started because the batch was stopped.
    pub fn cancelled(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Cancelled { .. }))
    }
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
    /// Not started: the batch was stopped first (a rerun renders it).
    Cancelled {
        /// The profile.
        profile: String,
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
    /// Number not started because the batch was stopped (SIGINT/SIGTERM).
    pub cancelled: usize,
    /// Every output (rendered or skipped), in profile order.
    pub outputs: Vec<Outcome>,
    /// Every failure, in profile order.
    pub failures: Vec<Outcome>,
    /// The profiles not started, in profile order.
    pub not_started: Vec<String>,
}

/// The tool and Typst versions, as recorded in manifests and reports.
pub fn tool() -> String {
    format!(
        "annex {} (typst {})",
        env!("CARGO_PKG_VERSION"),
        crate::TYPST_VERSION
    )
}

/// The batch fingerprint: the document fingerprint (matrix, profile, templates) plus what
/// else changes the bytes: catalogue, options, document kind, tool and Typst versions.
fn batch_fingerprint(shared: &Shared, prepared: &Prepared, options: &BatchOptions) -> String {
    let input = &shared.options;
    // Contents are hashed below (or in the document fingerprint); paths do not matter.
    let flags = format!(
        "kind {} pack {} scope {:?} policy {:?} deny-warnings {}",
        options.kind.name(),
        options.pack,
        input.scope,
        input.policy,
        input.deny_warnings
    );
    let mut hasher = Sha256::new();
    for part in [
        tool(),
        prepared.fingerprint(),
        shared.catalogue_source.text.clone(),
        flags,
        format!("{:?}", options.source_date_epoch),
        // Findings are printed by some documents (audit) and depend on a policy file.
        format!("{:?}", prepared.findings),
    ] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    digest::hex(&hasher.finalize())
}

/// A profile that validated, with its output named.
struct Planned {
    source: SourceFile,
    file_name: String,
    fingerprint: String,
}

fn plan(shared: &Shared, item: &Item, options: &BatchOptions) -> anyhow::Result<Planned> {
    let source = item.source()?;
    let prepared = shared.prepare(load::profile_from_source(source.clone())?)?;
    Ok(Planned {
        file_name: if options.pack {
            pack::file_name(&prepared)
        } else {
            prepared.file_name(options.kind)
        },
        fingerprint: batch_fingerprint(shared, &prepared, options),
        source,
    })
}

/// The profiles this batch renders: those of `options.profiles` in this shard, in order
/// (and the folder's entries that are not profiles).
pub fn items(options: &BatchOptions) -> anyhow::Result<Listing> {
    let mut listing = list(&options.profiles)?;
    if let Some(shard) = options.shard {
        listing.items.retain(|item| shard.contains(&item.key));
    }
    Ok(listing)
}

/// Renders one document per item (see [`items`]) with the shared inputs; `progress` is
/// called with each outcome as it happens, from the worker threads.
pub fn run(
    shared: &Shared,
    options: &BatchOptions,
    items: Vec<Item>,
    progress: &(dyn Fn(&Outcome) + Sync),
) -> anyhow::Result<Summary> {
    let jobs = options.jobs.unwrap_or_else(|| {
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

    // Plan: validate every profile and name its output (none once stopped: the workers
    // below turn those into `Cancelled`).
    let planned: Vec<anyhow::Result<Planned>> = pool.install(|| {
        items
            .par_iter()
            .map(|i| match options.stopped() {
                true => Err(anyhow::anyhow!("stopped")),
                false => plan(shared, i, options),
            })
            .collect()
    });
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

    std::fs::create_dir_all(&options.out)
        .with_context(|| format!("cannot create folder {}", options.out.display()))?;
    // Before anything is written (even if nothing will be): what a killed run left behind.
    output::clean_stale(&options.out);
    let own_name = manifest_name(options.shard);
    let (own, known) = read_manifests(&options.out, &own_name);
    let manifest = Mutex::new((own, None));
    let manifest_path = options.out.join(&own_name);

    let outcomes: Vec<Outcome> = on_workers(items.len(), jobs, |i| {
        let (item, planned) = (&items[i], &planned[i]);
        if options.stopped() {
            return Outcome::Cancelled {
                profile: item.label.clone(),
            };
        }
        let outcome = match (planned, collisions.get(&i)) {
            (Err(e), _) => Outcome::Failed {
                profile: item.label.clone(),
                reason: error::report(e),
            },
            (Ok(p), Some(others)) => Outcome::Failed {
                profile: item.label.clone(),
                reason: format!(
                    "error: {} would be written by {others} too; give each profile a distinct customer short-name\n",
                    p.file_name
                ),
            },
            (Ok(p), None) => match produce(shared, item, p, options, &known) {
                Ok(outcome) => outcome,
                Err(e) => Outcome::Failed {
                    profile: item.label.clone(),
                    reason: error::report(&e),
                },
            },
        };
        progress(&outcome);
        if let (Outcome::Rendered(o), Ok(p)) = (&outcome, planned) {
            record(&manifest, &manifest_path, &p.file_name, o);
        }
        outcome
    });

    // The final manifest: this run's outputs over the previous record of this shard.
    let (mut own, _) = manifest.into_inner().unwrap_or_else(|e| e.into_inner());
    for (outcome, planned) in outcomes.iter().zip(&planned) {
        if let (Outcome::Rendered(o) | Outcome::Skipped(o), Ok(p)) = (outcome, planned) {
            own.outputs.insert(p.file_name.clone(), entry(o));
        }
    }
    own.tool = tool();
    write_manifest(&manifest_path, &own)?;

    let summary = Summary {
        profiles: items.len(),
        outcomes,
        jobs,
    };
    if let Some(path) = &options.report {
        let (failures, outputs) = summary
            .outcomes
            .iter()
            .filter(|o| !matches!(o, Outcome::Cancelled { .. }))
            .cloned()
            .partition(|o| matches!(o, Outcome::Failed { .. }));
        let not_started = summary
            .outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Cancelled { profile } => Some(profile.clone()),
                _ => None,
            })
            .collect();
        let report = Report {
            tool: tool(),
            kind: if options.pack {
                "evidence-pack".to_owned()
            } else {
                options.kind.name().to_owned()
            },
            shard: options.shard.map(|s| format!("{}/{}", s.index, s.count)),
            rendered: summary.rendered(),
            skipped: summary.skipped(),
            failed: summary.failed(),
            cancelled: summary.cancelled(),
            outputs,
            failures,
            not_started,
        };
        let json = serde_json::to_vec_pretty(&report).context("cannot serialise the report")?;
        output::write_atomic(path, &json, true)?;
    }
    Ok(summary)
}

/// Renders one planned profile, or skips it when its output is up to date.
fn produce(
    shared: &Shared,
    item: &Item,
    planned: &Planned,
    options: &BatchOptions,
    known: &BTreeMap<String, ManifestEntry>,
) -> anyhow::Result<Outcome> {
    let path = options.out.join(&planned.file_name);
    let output = |sha256: String| Output {
        profile: item.label.clone(),
        path: path.display().to_string(),
        sha256,
        fingerprint: planned.fingerprint.clone(),
    };
    let previous = known.get(&planned.file_name);
    if let (Some(previous), false) = (previous, options.force) {
        if previous.fingerprint == planned.fingerprint {
            if let Ok(bytes) = crate::load::read_bytes(&path, crate::load::PDF_LIMIT) {
                if sha256_hex(&bytes) == previous.sha256 {
                    // The register wins over the manifest: a file the manifest knows but
                    // the register does not (a batch run without it) is recorded now.
                    // (A skipped pack is not opened: its annex was recorded when made.)
                    if let (Some(register), false) = (&options.register, options.pack) {
                        let prepared =
                            shared.prepare(load::profile_from_source(planned.source.clone())?)?;
                        register.record_made(
                            &prepared,
                            options.kind,
                            &planned.file_name,
                            &bytes,
                            "batch",
                        )?;
                    }
                    return Ok(Outcome::Skipped(output(previous.sha256.clone())));
                }
            }
        }
    }
    if previous.is_none() && !options.force && path.exists() {
        return Err(Invalid::input(format!(
            "{} already exists and no earlier batch into {} wrote it; use --force to replace it",
            path.display(),
            options.out.display()
        )));
    }
    let prepared = shared.prepare(load::profile_from_source(planned.source.clone())?)?;
    if options.pack {
        let made = pack::build(
            &prepared,
            &PackOptions {
                source_date_epoch: options.source_date_epoch,
                signer: options.signer.as_deref(),
                since: None,
                policy: &shared.policy,
                deny_warnings: shared.options.deny_warnings,
                register: options
                    .register
                    .as_ref()
                    .map(|r| crate::register::entries_json(r, &prepared))
                    .transpose()?,
            },
        )?;
        output::write_atomic(&path, &made.bytes, true)?;
        if let Some(register) = &options.register {
            let file = format!("{}#{}", made.file_name, made.manifest.annex);
            register.record_made(&prepared, Kind::Annex, &file, &made.annex_pdf, "batch")?;
        }
        return Ok(Outcome::Rendered(output(sha256_hex(&made.bytes))));
    }
    // A final annex comes out of a batch as it does out of `render`: PDF/A-3a with its
    // sources attached, signed when a signer is given (a draft is never signed).
    let kind = options.kind;
    let seal = seal::for_document(&prepared, kind, false, options.source_date_epoch)?;
    let mut document = document::make(&prepared, kind, options.source_date_epoch, seal.as_ref())?;
    // Someone may have signed the previous output since: never discard signatures.
    sign::guard_overwrite(&path, &document.compiled.pdf, true, false)?;
    if let (Some(_), Some(signer)) = (&seal, &options.signer) {
        seal::check_attached(&document.compiled.pdf)?;
        let label = path.display().to_string();
        let (signed, _) = sign::sign_pdf(&document.compiled.pdf, &label, signer, sign::now())?;
        document.compiled.pdf = signed;
    }
    let sha256 = sha256_hex(&document.compiled.pdf);
    output::write_atomic(&path, &document.compiled.pdf, true)?;
    if let Some(register) = &options.register {
        register.record_made(
            &prepared,
            kind,
            &planned.file_name,
            &document.compiled.pdf,
            "batch",
        )?;
    }
    // A re-sign campaign: the change notice since what this customer last signed.
    let contract = &prepared.profile.contract;
    let old = options
        .since
        .as_ref()
        .and_then(|m| m.get(&(contract.reference.clone(), contract.annex_number.clone())));
    if let Some(old) = old {
        let mut notice = prepared;
        notice.since = Some(old.clone());
        let made = document::make(&notice, kind, options.source_date_epoch, None)?;
        let name = changes_file_name(&planned.file_name);
        output::write_atomic(&options.out.join(&name), &made.compiled.pdf, true)?;
        if let Some(register) = &options.register {
            register.record_made(&notice, kind, &name, &made.compiled.pdf, "batch")?;
        }
    }
    Ok(Outcome::Rendered(output(sha256)))
}

/// The change notice's file name beside an annex's: `acme-annex.pdf` →
/// `acme-annex-changes.pdf`.
pub fn changes_file_name(annex: &str) -> String {
    match annex.strip_suffix(".pdf") {
        Some(stem) => format!("{stem}-changes.pdf"),
        None => format!("{annex}-changes.pdf"),
    }
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
}
