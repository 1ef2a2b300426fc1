//! `annex` binary: parses the command line, runs it, prints the whole error cause chain and
//! exits with the documented code (0 ok, 1 invalid input or denied findings, 2 tool failure).

use std::process::ExitCode;

use clap::Parser;

// mimalloc, not the system's malloc: measured faster for Typst's many small allocations
// and flat in memory with `no_thp` (Cargo.toml, BENCHMARKS.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
