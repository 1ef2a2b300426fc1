//! `annex completions SHELL`: the shell's completion script, generated from the clap
//! definitions (so it never lags behind a flag), on stdout.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::EXIT_OK;

/// Runs `annex completions`.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "annex", &mut std::io::stdout());
    Ok(EXIT_OK)
}
