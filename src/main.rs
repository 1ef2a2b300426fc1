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
    let code = match annex::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprint!("{}", annex::error::report(&err));
            annex::error::exit_code(&err)
        }
    };
    exit(code)
}

/// Ends the process with `code` once the command has returned: every file it wrote is
/// closed (and fsynced and renamed into place), and standard output and error are flushed
/// here. On Unix it skips the C library's exit handlers: mimalloc's there returns every
/// page to the kernel one `madvise` at a time (~60 calls, 2–9 ms after the last line of
/// output, BENCHMARKS.md), which the kernel does at once when the process ends anyway.
fn exit(code: u8) -> ExitCode {
    #[cfg(unix)]
    {
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        // SAFETY: `_exit` has no preconditions; nothing of this process runs after it.
        unsafe { libc::_exit(i32::from(code)) }
    }
    #[cfg(not(unix))]
    ExitCode::from(code)
}
