//! `annex manpages DIR`: man pages generated from the clap definitions: `annex.1`, and one
//! page per command and sub-command (`annex-render.1`, `annex-templates-list.1`), each
//! written atomically.

use std::path::Path;

use clap::CommandFactory as _;

use crate::cli::{Cli, ManpagesArgs};
use crate::error::{Invalid, EXIT_OK};
use crate::output;

/// Runs `annex manpages`.
pub fn run(args: &ManpagesArgs) -> anyhow::Result<u8> {
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| Invalid::input(format!("cannot create {}: {e}", args.dir.display())))?;
    let mut command = Cli::command();
    command.build();
    let mut written = Vec::new();
    write_pages(&command, "annex", &args.dir, &mut written)?;
    for path in &written {
        println!("{path}");
    }
    Ok(EXIT_OK)
}

/// Writes the page of `command` as `name.1`, then its sub-commands' as `name-sub.1`.
fn write_pages(
    command: &clap::Command,
    name: &str,
    dir: &Path,
    written: &mut Vec<String>,
) -> anyhow::Result<()> {
    // The page is titled by its file's name, as `man` looks it up.
    let page = command.clone().name(name.to_owned());
    let mut bytes = Vec::new();
    clap_mangen::Man::new(page).render(&mut bytes)?;
    let path = dir.join(format!("{name}.1"));
    output::write_atomic(&path, &bytes, true)?;
    written.push(path.display().to_string());
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        write_pages(sub, &format!("{name}-{}", sub.get_name()), dir, written)?;
    }
    Ok(())
}
