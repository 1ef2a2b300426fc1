//! `annex import`: a provider's Markdown page → canonical matrix (TOML or JSON), with a
//! report of every repair on stderr.

use std::collections::HashMap;
use std::io::Write as _;

use crate::cli::{Format, ImportArgs};
use crate::error::{Invalid, EXIT_OK};
use crate::limits::{thousands, MAX_SHOWN_PER_RULE};
use crate::model::primary_language;
use crate::{align, canonical, diag, ids, import, load, output};

/// Runs `annex import`.
pub fn run(args: &ImportArgs) -> anyhow::Result<u8> {
    let source = load::read_text(&args.page)?;
    let options = match &args.import_options {
        Some(path) => {
            let file = load::read_text(path)?;
            import::Options::parse(&file.text, &file.name).map_err(Invalid::input)?
        }
        None => import::Options::default(),
    };
    let mut imported = import::import_markdown_with(&source.text, &source.name, &options)
        .map_err(|e| Invalid::input(format!("{}: {e}", source.name)))?;
    let carried = match &args.previous {
        Some(path) => {
            let previous = load::matrix(Some(path))?;
            Some(ids::carry_over(&mut imported.matrix, &previous.matrix))
        }
        None => None,
    };
    // `--translation`: the other language's text for every row the aligner pairs.
    let alignment = match &args.translation {
        Some(path) => {
            let other = load::matrix(Some(path))?;
            let (mine, theirs) = (
                primary_language(&imported.matrix.language),
                primary_language(&other.matrix.language),
            );
            if mine == theirs {
                return Err(Invalid::input(format!(
                    "the translation {} is in the same language ({mine}) as {}",
                    other.source.name, source.name
                )));
            }
            let alignment = align::align(&imported.matrix, &other.matrix, false);
            align::embed(&mut imported.matrix, &other.matrix, &alignment);
            // Reported with the page's own lines: the loaded view of the imported page.
            let page = load::matrix_from_source(source.clone())?;
            Some(align::Report::new(&alignment, &page, &other))
        }
        None => None,
    };
    let m = &imported.matrix;
    let mut stderr = std::io::stderr().lock();
    if let Some(report) = &alignment {
        for line in report.lines() {
            let _ = writeln!(stderr, "{line}");
        }
    }
    // Like every report, capped per rule (the rest counted), with long messages cut: a page
    // may have a quirk on each of its 10,000 rows.
    let mut shown: HashMap<&str, usize> = HashMap::new();
    let mut omitted: Vec<(&str, usize)> = Vec::new();
    for note in &imported.notes {
        let n = shown.entry(note.code).or_default();
        if *n >= MAX_SHOWN_PER_RULE {
            match omitted.iter_mut().find(|(code, _)| *code == note.code) {
                Some((_, count)) => *count += 1,
                None => omitted.push((note.code, 1)),
            }
            continue;
        }
        *n += 1;
        // The report reads like a compiler's: "note", not the model's "info".
        let severity = match note.severity {
            import::NoteSeverity::Info => "note",
            import::NoteSeverity::Warning => "warning",
            import::NoteSeverity::Error => "error",
        };
        let column = note.column.map_or(String::new(), |(c, _)| format!(":{c}"));
        let _ = writeln!(
            stderr,
            "{}:{}{column}: {severity}[{}]: {}",
            source.name,
            note.line,
            note.code,
            diag::cut(&note.message)
        );
    }
    for (code, count) in omitted {
        let _ = writeln!(
            stderr,
            "... and {} more {code} note{} (a report shows at most {MAX_SHOWN_PER_RULE} per rule)",
            thousands(count),
            if count == 1 { "" } else { "s" }
        );
    }
    let warnings = imported
        .notes
        .iter()
        .filter(|n| n.severity == import::NoteSeverity::Warning)
        .count();
    let _ = writeln!(
        stderr,
        "imported {}: {} sections, {} activities, parties: {}; {} repairs or oddities ({warnings} warnings)",
        source.name,
        m.sections.len(),
        m.activities().count(),
        m.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
        imported.notes.len(),
    );
    let errors = imported
        .notes
        .iter()
        .filter(|n| n.severity == import::NoteSeverity::Error)
        .count();
    if errors > 0 {
        return Err(Invalid::input(format!(
            "{}: {errors} cell{} cannot be read without guessing (errors above); nothing written",
            source.name,
            if errors == 1 { "" } else { "s" }
        )));
    }
    if let Some(carried) = carried {
        let _ = writeln!(
            stderr,
            "kept {carried} of {} ids from the previous version",
            m.activities().count()
        );
    }
    let text = match args.format {
        Format::Toml => canonical::to_toml(m),
        Format::Json => canonical::to_json(m),
    };
    canonical::within_limits(&text, &source.name)?;
    match &args.output {
        Some(path) => {
            output::write_atomic(path, text.as_bytes(), args.force)?;
            let _ = writeln!(stderr, "wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(EXIT_OK)
}
