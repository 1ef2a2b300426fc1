//! `annex batch`: one document per profile of a folder or CSV file; draws the progress
//! (a bar on a terminal, a line per document otherwise), then prints every failure with
//! its reason and a summary line.
//!
//! SIGINT and SIGTERM stop the batch cleanly (see [`Stop`]): exit code 128 + the signal
//! (130, 143) after the manifest is written; a second signal ends the process at once.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;

use crate::batch::{self, BatchOptions, Outcome};
use crate::cli::BatchArgs;
use crate::digest::sha256_hex;
use crate::error::{Invalid, EXIT_INVALID, EXIT_OK};
use crate::load;
use crate::prepare::Shared;
use crate::{document, output, pdf, render};

/// Runs `annex batch`.
pub fn run(args: &BatchArgs) -> anyhow::Result<u8> {
    if args.input.profile.is_some() {
        return Err(Invalid::input(
            "annex batch reads its profiles from PROFILES (a folder or a CSV file); --profile is not used",
        ));
    }
    let started = Instant::now();
    // Before anything long: a signal from here on stops the batch cleanly.
    let stop = Stop::install()?;
    // Before any document is made: a register that cannot be opened stops the run.
    let register = args.record.open()?.map(Arc::new);
    let shared = Shared::load(&args.input.options())?;
    // A re-sign campaign: the outdated contracts and the matrix each last signed.
    let since = match (&register, args.outdated) {
        (Some(register), true) => Some(Arc::new(campaign(register, &shared)?)),
        _ => None,
    };
    if !args.quiet {
        for n in &shared.notices {
            eprintln!("note: {n}");
        }
    }
    let options = BatchOptions {
        profiles: args.profiles.clone(),
        out: args.out.clone(),
        kind: args.input.kind,
        pack: args.pack,
        jobs: args.jobs,
        shard: args.shard,
        force: args.force,
        report: args.report.clone(),
        source_date_epoch: args.source_date_epoch,
        stop: Some(Arc::clone(&stop.raised)),
        // Loaded once, before any worker starts: one token session, one passphrase prompt.
        signer: args.signer.load()?.map(Arc::new),
        register,
        since,
    };
    if let Some(floor) = args.bench_floor {
        let items = batch::list(&args.profiles)?.items;
        return bench_floor(&shared, &items[0], &options, floor);
    }
    let batch::Listing { mut items, ignored } = batch::items(&options)?;
    if let Some(since) = &options.since {
        items = only_outdated(&shared, items, since);
        if !args.quiet {
            eprintln!("{} profile(s) of outdated contracts", items.len());
        }
    }
    // Said even with --quiet: a file the user meant as a profile may be among them.
    for entry in &ignored {
        eprintln!("not read: {entry}");
    }
    let progress = Progress::new(items.len(), args.quiet);
    let summary = batch::run(&shared, &options, items, &|outcome| {
        let (what, name) = match outcome {
            Outcome::Rendered(o) => ("rendered", o.path.as_str()),
            Outcome::Skipped(o) => ("skipped", o.path.as_str()),
            Outcome::Failed { profile, .. } => ("failed", profile.as_str()),
            Outcome::Cancelled { profile } => ("not started", profile.as_str()),
        };
        progress.tick(what, name);
    })?;
    progress.finish();
    for outcome in &summary.outcomes {
        if let Outcome::Failed { profile, reason } = outcome {
            eprint!("failed: {profile}\n{}", indent(reason));
        }
    }
    let (rendered, skipped, failed) = (summary.rendered(), summary.skipped(), summary.failed());
    if let Some(signal) = stop.signal() {
        // Always said, even with --quiet: the run did not do what was asked.
        eprintln!(
            "interrupted by {}: rendered {rendered}, skipped {skipped}, failed {failed}, not started {}; \
             the manifest records every file written: run the same command again to finish",
            signal_name(signal),
            summary.cancelled(),
        );
        return Ok(128u8.saturating_add(u8::try_from(signal).unwrap_or(0)));
    }
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "rendered {rendered}, skipped {skipped}, failed {failed} ({} profiles{}, {secs:.1} s, {:.1} docs/s, {} jobs)",
            summary.profiles,
            args.shard.map_or(String::new(), |s| format!(" in shard {}/{}", s.index, s.count)),
            rendered as f64 / secs.max(1e-9),
            summary.jobs,
        );
    }
    Ok(if failed > 0 { EXIT_INVALID } else { EXIT_OK })
}

/// The outdated contracts (see `annex register outdated`) and, for each, the matrix its
/// customer last signed, from the register.
fn campaign(
    register: &crate::register::Register,
    shared: &Shared,
) -> anyhow::Result<HashMap<(String, String), load::LoadedMatrix>> {
    if shared.options.matrices.is_empty() {
        return Err(Invalid::input(
            "--outdated needs the new matrix: --matrix NEW",
        ));
    }
    let found = crate::register::outdated::outdated(register, shared)?;
    let mut kept: HashMap<String, load::LoadedMatrix> = HashMap::new();
    let mut out = HashMap::new();
    for o in found {
        if !kept.contains_key(&o.signed_matrix_digest) {
            let m = crate::register::outdated::kept_matrix(register, &o.signed_matrix_digest)?;
            kept.insert(o.signed_matrix_digest.clone(), m);
        }
        out.insert((o.contract, o.annex), kept[&o.signed_matrix_digest].clone());
    }
    Ok(out)
}

/// The profiles of outdated contracts (a profile that does not prepare is kept: the batch
/// reports why).
fn only_outdated(
    shared: &Shared,
    items: Vec<batch::Item>,
    since: &HashMap<(String, String), load::LoadedMatrix>,
) -> Vec<batch::Item> {
    items
        .into_iter()
        .filter(|item| {
            let prepared = item
                .source()
                .and_then(load::profile_from_source)
                .and_then(|p| shared.prepare(p));
            match prepared {
                Ok(p) => {
                    let c = &p.profile.contract;
                    since.contains_key(&(c.reference.clone(), c.annex_number.clone()))
                }
                Err(_) => true,
            }
        })
        .collect()
}

/// The signal handlers of a batch: the first SIGINT or SIGTERM raises `raised` (the batch
/// starts no new profile, finishes those in flight, writes its manifest) and records which
/// signal it was; a second one while stopping exits at once with 128 + its number (temp
/// files then left are removed by the next run).
struct Stop {
    raised: Arc<AtomicBool>,
    signal: Arc<AtomicUsize>,
}

impl Stop {
    fn install() -> anyhow::Result<Stop> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let stop = Stop {
            raised: Arc::new(AtomicBool::new(false)),
            signal: Arc::new(AtomicUsize::new(0)),
        };
        for signal in [SIGINT, SIGTERM] {
            // Handlers run in the order registered: the exit checks the flag before the
            // first signal raises it.
            signal_hook::flag::register_conditional_shutdown(
                signal,
                128 + signal,
                Arc::clone(&stop.raised),
            )
            .context("cannot install the signal handlers")?;
            signal_hook::flag::register_usize(signal, Arc::clone(&stop.signal), signal as usize)
                .context("cannot install the signal handlers")?;
            signal_hook::flag::register(signal, Arc::clone(&stop.raised))
                .context("cannot install the signal handlers")?;
        }
        Ok(stop)
    }

    /// The signal that stopped the batch, if one did.
    fn signal(&self) -> Option<i32> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT".to_owned(),
        signal_hook::consts::SIGTERM => "SIGTERM".to_owned(),
        n => format!("signal {n}"),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
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

/// `--bench-floor N`: the first profile, rendered once cold and then N times warm with a
/// distinct legal name each time (so Typst's caches cannot replay a whole document), with
/// the time of each stage. Prints one line per stage (median and mean in ms).
fn bench_floor(
    shared: &Shared,
    item: &batch::Item,
    args: &BatchOptions,
    n: usize,
) -> anyhow::Result<u8> {
    let kind = args.kind;
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
        let prepared = shared.prepare(load::profile_from_source(source.clone())?)?;
        document::make(&prepared, kind, args.source_date_epoch, None).map(|_| ())
    })?;
    // The same document again with every memo cache emptied: what a first document costs
    // once the process's one-time set-up (fonts, standard library, lazy tables) is done
    // (median of 9).
    // Median and mean of one stage's times.
    let stat = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v.iter().sum::<f64>() / v.len() as f64)
    };
    let mut fresh = (0..9)
        .map(|_| {
            time(&mut || {
                pdf::evict_all();
                let prepared = shared.prepare(load::profile_from_source(source.clone())?)?;
                document::make(&prepared, kind, args.source_date_epoch, None).map(|_| ())
            })
        })
        .collect::<anyhow::Result<Vec<f64>>>()?;
    let (fresh, _) = stat(&mut fresh);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create folder {}", args.out.display()))?;
    for i in 0..n {
        let t = Instant::now();
        let mut prepared = shared.prepare(load::profile_from_source(source.clone())?)?;
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
        // Measured apart, not counted in the total: document::make does both again inside.
        let apart = Instant::now();
        let context = document::context(&prepared, kind);
        let mut a = apart;
        lap(&mut stages, "(apart) tailor+context", &mut a);
        let renderer = render::Renderer::new(&prepared.templates)?;
        renderer.render(&format!("{}.typ.tera", kind.name()), &context)?;
        lap(
            &mut stages,
            "(apart) tera: parse templates + render",
            &mut a,
        );
        let t0 = Instant::now();
        let document = document::make(&prepared, kind, args.source_date_epoch, None)?;
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
    println!("fonts+library (first use): {fonts:.2} ms");
    println!("first document in the process (cold): {cold:.2} ms");
    println!(
        "same document, memo caches emptied (one-time set-up done), median of 9: {fresh:.2} ms"
    );
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
