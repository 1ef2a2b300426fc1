//! `annex pack`: prepares the profile like `render`, makes its evidence pack
//! ([`crate::pack::build`]) and writes it atomically as `<customer>-evidence.zip`.

use crate::cli::PackArgs;
use crate::error::EXIT_OK;
use crate::pack::{self, PackOptions};
use crate::prepare::Shared;
use crate::{output, seal};

/// Runs `annex pack`.
pub fn run(args: &PackArgs) -> anyhow::Result<u8> {
    // Fonts and Typst's tables get ready on another core while the inputs load.
    crate::pdf::warm_up_in_background();
    // Before any document is made: a register that cannot be opened stops the run.
    let register = args.record.open()?;
    let shared = Shared::load(&args.input.options())?;
    let prepared = shared.prepare_file(args.input.profile.as_deref())?;
    for n in &shared.notices {
        eprintln!("note: {n}");
    }
    super::print_findings(&prepared);
    let since = args.since.as_deref().map(seal::read_matrix).transpose()?;
    let signer = args.signer.load()?;
    let path = args.out.join(pack::file_name(&prepared));
    if path.exists() && !args.force {
        // Refused (as `write_atomic` refuses it) before the documents are made: they take
        // seconds.
        output::write_atomic(&path, &[], false)?;
    }
    let made = pack::build(
        &prepared,
        &PackOptions {
            source_date_epoch: args.source_date_epoch,
            signer: signer.as_ref(),
            since,
            policy: &shared.policy,
            deny_warnings: args.input.checks.deny_warnings,
            register: register
                .as_ref()
                .map(|r| crate::register::entries_json(r, &prepared))
                .transpose()?,
        },
    )?;
    for n in &made.notes {
        eprintln!("{n}");
    }
    output::write_atomic(&path, &made.bytes, args.force)?;
    if let Some(register) = &register {
        let file = format!("{}#{}", made.file_name, made.manifest.annex);
        register.record_made(
            &prepared,
            crate::kind::Kind::Annex,
            &file,
            &made.annex_pdf,
            "pack",
        )?;
    }
    println!("{}", path.display());
    Ok(EXIT_OK)
}
