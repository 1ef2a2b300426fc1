//! `annex context`: prints the data a document's templates receive, as JSON.

use anyhow::Context as _;

use crate::cli::ContextArgs;
use crate::document;
use crate::error::EXIT_OK;
use crate::prepare::Shared;

/// Runs `annex context`.
pub fn run(args: &ContextArgs) -> anyhow::Result<u8> {
    let shared = Shared::load(&args.input.options())?;
    let prepared = shared.prepare_file(args.input.profile.as_deref())?;
    let context = document::context(&prepared, args.input.kind);
    let json = serde_json::to_string_pretty(&context).context("cannot serialise the context")?;
    println!("{json}");
    Ok(EXIT_OK)
}
