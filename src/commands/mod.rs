//! Command layer: one file per subcommand, each with one entry function `run` that takes
//! its clap arguments, calls the library with plain options, prints, and returns the exit
//! code. The only code that prints (besides `main`'s error report) or knows exit codes
//! beyond [`crate::error`].

pub mod batch;
pub mod catalogue;
pub mod check;
pub mod completions;
pub mod context;
pub mod diff;
pub mod export;
pub mod import;
pub mod init;
pub mod ltv;
pub mod manpages;
pub mod pack;
pub mod register;
pub mod render;
pub mod schema;
pub mod serve;
pub mod sign;
pub mod templates;
pub mod timestamp;
pub mod verify;

use crate::cli::{Cli, Command};

/// Runs a command; returns the exit code to use on success (errors map through
/// [`crate::error::exit_code`]).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Context(args) => context::run(&args),
        Command::Templates(cmd) => templates::run(cmd),
        Command::Check(args) => check::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Ltv(args) => ltv::run(&args),
        Command::Timestamp(args) => timestamp::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Catalogue(args) => catalogue::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Pack(args) => pack::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Manpages(args) => manpages::run(&args),
        Command::Register(args) => register::run(&args),
    }
}

/// Prints the warnings a prepared profile carries, with their source snippets.
fn print_findings(prepared: &crate::prepare::Prepared) {
    if let Some((findings, sources)) = prepared.shown_findings() {
        eprint!("{}", sources.render(&findings, false));
    }
}

/// Records in `register` (if any) the final annex just written at `path` by `by` (`annex
/// sign`, `annex ltv`, `annex timestamp`): its signatures at the level they have now, and
/// its document if the register did not see it made. Says on stderr what was new.
fn record_written(
    register: Option<&crate::register::Register>,
    path: &std::path::Path,
    by: &str,
) -> anyhow::Result<()> {
    let Some(register) = register else {
        return Ok(());
    };
    let bytes = crate::load::read_bytes(path, crate::load::PDF_LIMIT)?;
    let label = path.display().to_string();
    let file = crate::diag::shown_name(&label);
    let done = register.record_file(&bytes, &file, &label, by)?;
    eprintln!("register {}: {}", register.shown(), done.describe());
    Ok(())
}
