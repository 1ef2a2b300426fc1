//! `annex import`: a provider's Markdown page → canonical matrix (TOML or JSON), with a
//! report of every repair on stderr.

use std::io::Write as _;

use crate::cli::{Format, ImportArgs};
use crate::error::{Invalid, EXIT_OK};
use crate::{canonical, ids, import, load, output};

/// Runs `annex import`.
pub fn run(args: &ImportArgs) -> anyhow::Result<u8> {
    let source = load::read_text(&args.page)?;
    let mut imported = import::import_markdown(&source.text, &source.name)
        .map_err(|e| Invalid::input(format!("{}: {e}", source.name)))?;
    let carried = match &args.previous {
        Some(path) => {
            let previous = load::matrix(Some(path))?;
            Some(ids::carry_over(&mut imported.matrix, &previous.matrix))
        }
        None => None,
    };
    let m = &imported.matrix;
    let mut stderr = std::io::stderr().lock();
    for note in &imported.notes {
        // The report reads like a compiler's: "note", not the model's "info".
        let severity = match note.severity {
            import::NoteSeverity::Info => "note",
            import::NoteSeverity::Warning => "warning",
        };
        let column = note.column.map_or(String::new(), |(c, _)| format!(":{c}"));
        let _ = writeln!(
            stderr,
            "{}:{}{column}: {severity}[{}]: {}",
            source.name, note.line, note.code, note.message
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
