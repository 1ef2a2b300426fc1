//! `annex templates list|export`: the built-in template set, to start your own.

use crate::cli::TemplatesCommand;
use crate::error::EXIT_OK;
use crate::templates::{TemplateSet, BUILTIN};

/// Runs `annex templates …`.
pub fn run(cmd: TemplatesCommand) -> anyhow::Result<u8> {
    match cmd {
        TemplatesCommand::List { templates } => {
            let set = TemplateSet::load(templates.as_deref())?;
            for name in set.names() {
                let builtin = BUILTIN.iter().any(|(n, _)| *n == name);
                let status = match (builtin, set.overridden().iter().any(|o| o == name)) {
                    (true, true) => "built-in, overridden",
                    (true, false) => "built-in",
                    _ => "added",
                };
                println!("{name}\t{status}");
            }
            for why in set.refused() {
                eprintln!("note: {why}");
            }
        }
        TemplatesCommand::Export { dir, force } => {
            for path in TemplateSet::builtin().export(&dir, force)? {
                println!("{}", path.display());
            }
        }
    }
    Ok(EXIT_OK)
}
