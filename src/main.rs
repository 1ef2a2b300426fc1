//! `annex` binary: parses the command line, runs it, prints the whole error cause chain and
//! exits with the documented code (0 ok, 1 invalid input or denied findings, 2 tool failure).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = annex::cli::Cli::parse();
    match annex::commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprint!("{}", annex::error::report(&err));
            ExitCode::from(annex::error::exit_code(&err))
        }
    }
}
