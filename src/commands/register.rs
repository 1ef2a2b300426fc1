//! `annex register`: lists, states, outdated contracts, export, verification and import
//! of the register ([`crate::register`]), as a table, JSON or CSV.

use crate::cli::{RegisterArgs, RegisterCommand, TableFormat};
use crate::error::{Invalid, EXIT_INVALID, EXIT_OK};
use crate::prepare::Shared;
use crate::register::{self, outdated, Entry, Register};

/// Runs `annex register`.
pub fn run(args: &RegisterArgs) -> anyhow::Result<u8> {
    let Some(location) = args.register.as_deref() else {
        return Err(Invalid::input(format!(
            "no register named: give --register PATH (an SQLite file) or a postgres:// URL, or set {}",
            register::ENV
        )));
    };
    let reg = Register::open(location)?;
    let format = args.format;
    match &args.command {
        RegisterCommand::List => print_entries(&reg.list()?, format, false),
        RegisterCommand::Status => print_entries(&reg.status()?, format, true),
        RegisterCommand::Show { fingerprint } => {
            let found = reg.show(fingerprint)?;
            match format {
                TableFormat::Table => {
                    for e in &found {
                        print!("{}", describe(e));
                    }
                }
                _ => {
                    print_entries(&found, format, false)?;
                }
            }
            Ok(EXIT_OK)
        }
        RegisterCommand::Outdated { input } => {
            let Some(new) = &input.matrix else {
                return Err(Invalid::input(
                    "annex register outdated needs the new matrix: --matrix NEW",
                ));
            };
            let shared = Shared::load(&input.options())?;
            let found = outdated::outdated(&reg, &shared)?;
            print_outdated(&found, format)?;
            eprintln!(
                "{} contract annex(es) outdated under {}",
                found.len(),
                new.display()
            );
            Ok(EXIT_OK)
        }
        RegisterCommand::Export => match format {
            TableFormat::Csv => print_entries(&reg.list()?, format, false),
            _ => {
                println!("{}", serde_json::to_string_pretty(&reg.export()?)?);
                Ok(EXIT_OK)
            }
        },
        RegisterCommand::Verify => {
            let (problems, events) = reg.verify()?;
            if problems.is_empty() {
                println!(
                    "ok: the register {} is intact ({events} events, hash chain and kept inputs checked)",
                    reg.shown()
                );
                return Ok(EXIT_OK);
            }
            for p in &problems {
                println!("FAILED {p}");
            }
            println!(
                "the register {} was changed outside annex: {} problem(s)",
                reg.shown(),
                problems.len()
            );
            Ok(EXIT_INVALID)
        }
        RegisterCommand::Import { files } => {
            // Every file is read, verified and (if new to the register) prepared from its
            // attachments before anything is recorded: one bad file records nothing.
            let mut all = Vec::new();
            for f in files {
                let bytes = crate::load::read_bytes(f, crate::load::PDF_LIMIT)?;
                let label = f.display().to_string();
                let read = register::read_annex(&bytes, &label, "import")?;
                all.push(reg.pending(read, &crate::diag::shown_name(&label))?);
            }
            for (f, pending) in files.iter().zip(&all) {
                let done = reg.commit(pending)?;
                println!("{}: {}", f.display(), done.describe());
            }
            Ok(EXIT_OK)
        }
    }
}

/// The signers of an entry, in the order they signed.
fn signers(e: &Entry) -> String {
    let mut names: Vec<&str> = e.signed_by.iter().map(|s| s.signer.as_str()).collect();
    names.dedup();
    names.join("; ")
}

fn describe(e: &Entry) -> String {
    let mut out = format!(
        "fingerprint  {}\ncustomer     {}\ncontract     {} annex {}\nkind         {}\nmatrix       {} ({})\nfile         {}\nsha256       {}\nrecorded     {} (event {})\nstate        {} ({} of {} signature(s))\n",
        e.fingerprint,
        e.customer,
        e.contract,
        e.annex,
        e.kind,
        e.matrix,
        e.matrix_digest,
        e.file,
        e.sha256,
        e.recorded,
        e.seq,
        e.state,
        e.signatures,
        e.signature_places
    );
    for s in &e.signed_by {
        let time = s
            .time
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map_or("-".to_owned(), |t| {
                t.format("%Y-%m-%d %H:%M UTC").to_string()
            });
        out.push_str(&format!(
            "signature    {} ({}), {time}, level {}, certificate {}, recorded by {}\n",
            s.signer, s.field, s.level, s.certificate, s.recorded_by
        ));
    }
    out.push('\n');
    out
}

fn print_entries(entries: &[Entry], format: TableFormat, status: bool) -> anyhow::Result<u8> {
    if format == TableFormat::Json {
        println!("{}", serde_json::to_string_pretty(entries)?);
        return Ok(EXIT_OK);
    }
    let headers: &[&str] = if status {
        &[
            "contract",
            "annex",
            "customer",
            "state",
            "signatures",
            "matrix",
            "fingerprint",
            "sha256",
            "file",
        ]
    } else {
        &[
            "seq",
            "recorded",
            "customer",
            "contract",
            "annex",
            "kind",
            "matrix",
            "fingerprint",
            "sha256",
            "signatures",
            "state",
            "signed by",
            "file",
        ]
    };
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let sigs = format!("{}/{}", e.signatures, e.signature_places);
            if status {
                vec![
                    e.contract.clone(),
                    e.annex.clone(),
                    e.customer.clone(),
                    e.state.clone(),
                    sigs,
                    e.matrix.clone(),
                    e.fingerprint.clone(),
                    e.sha256.clone(),
                    e.file.clone(),
                ]
            } else {
                vec![
                    e.seq.to_string(),
                    e.recorded.clone(),
                    e.customer.clone(),
                    e.contract.clone(),
                    e.annex.clone(),
                    e.kind.clone(),
                    e.matrix.clone(),
                    e.fingerprint.clone(),
                    e.sha256.clone(),
                    sigs,
                    e.state.clone(),
                    signers(e),
                    e.file.clone(),
                ]
            }
        })
        .collect();
    print_table(headers, &rows, format)?;
    Ok(EXIT_OK)
}

fn print_outdated(found: &[outdated::Outdated], format: TableFormat) -> anyhow::Result<()> {
    if format == TableFormat::Json {
        println!("{}", serde_json::to_string_pretty(found)?);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = found
        .iter()
        .map(|o| {
            let summary: Vec<String> = o
                .changes
                .iter()
                .map(|c| format!("{} {}", c.class, c.id))
                .collect();
            vec![
                o.customer.clone(),
                o.contract.clone(),
                o.annex.clone(),
                o.signed_matrix.clone(),
                o.new_matrix.clone(),
                o.changes.len().to_string(),
                summary.join("; "),
                o.fingerprint.clone(),
            ]
        })
        .collect();
    print_table(
        &[
            "customer",
            "contract",
            "annex",
            "signed under",
            "new",
            "changes",
            "what changed",
            "fingerprint",
        ],
        &rows,
        format,
    )
}

/// Prints `rows` as aligned columns (long hashes shortened, for people) or CSV (whole).
fn print_table(headers: &[&str], rows: &[Vec<String>], format: TableFormat) -> anyhow::Result<()> {
    if format == TableFormat::Csv {
        let mut w = csv::Writer::from_writer(std::io::stdout().lock());
        w.write_record(headers)?;
        for r in rows {
            w.write_record(r)?;
        }
        w.flush()?;
        return Ok(());
    }
    let shown: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(headers)
                .map(|(v, h)| match *h {
                    "fingerprint" | "sha256" if v.len() > 16 => v[..16].to_owned(),
                    _ => v.clone(),
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &shown {
        for (w, v) in widths.iter_mut().zip(r) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                out.push_str(c);
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out
    };
    println!("{}", line(headers.to_vec()));
    for r in &shown {
        println!("{}", line(r.iter().map(String::as_str).collect()));
    }
    Ok(())
}
