//! `annex schema FORMAT`: the JSON Schema of a file format, on stdout.

use crate::cli::SchemaArgs;
use crate::error::EXIT_OK;

/// Runs `annex schema`.
pub fn run(args: &SchemaArgs) -> anyhow::Result<u8> {
    print!("{}", args.format.json());
    Ok(EXIT_OK)
}
