//! `annex export`: writes a matrix, or a profile's tailored matrices, in another format
//! (OSCAL component-definition JSON) to a file (atomically) or stdout.

use crate::cli::{ExportArgs, ExportFormat};
use crate::error::EXIT_OK;
use crate::oscal::{self, ExportOptions};
use crate::output;

/// Runs `annex export`.
pub fn run(args: &ExportArgs) -> anyhow::Result<u8> {
    let text = match args.format {
        ExportFormat::Oscal => oscal::export(&ExportOptions {
            input: args.input.clone(),
            catalogue: args.catalogue.clone(),
            source_date_epoch: args.source_date_epoch,
        })?,
    };
    match &args.output {
        Some(path) => {
            output::write_atomic(path, text.as_bytes(), args.force)?;
            eprintln!("{}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(EXIT_OK)
}
