//! `annex sign`: adds a signature to a final annex, in an incremental update.

use crate::cli::SignArgs;
use crate::error::EXIT_OK;
use crate::{load, output, sign};

/// Runs `annex sign`.
pub fn run(args: &SignArgs) -> anyhow::Result<u8> {
    let Some(signer) = args.signer.load()? else {
        // clap requires --sign-key: this is not reached.
        anyhow::bail!("annex sign needs --sign-key");
    };
    let register = args.record.open()?;
    // The signed file's signatures go to the register (each once: those recorded before
    // add nothing).
    let record =
        |path: &std::path::Path| super::record_written(register.as_ref(), path, "annex sign");
    let Some(out) = &args.output else {
        // In place, under a lock: a second signer waits and signs on top.
        let waiting = || {
            eprintln!(
                "waiting for another signer of {} to finish…",
                args.pdf.display()
            )
        };
        let place = sign::sign_in_place(&args.pdf, &signer, sign::now(), &waiting)?;
        record(&args.pdf)?;
        eprintln!("signed by {} ({place})", signer.name());
        println!("{}", args.pdf.display());
        return Ok(EXIT_OK);
    };
    let bytes = load::read_bytes(&args.pdf, load::PDF_LIMIT)?;
    let label = args.pdf.display().to_string();
    let (signed, place) = sign::sign_pdf(&bytes, &label, &signer, sign::now())?;
    sign::guard_overwrite(out, &signed, args.force, false)?;
    output::write_atomic(out, &signed, args.force)?;
    record(out)?;
    eprintln!("signed by {} ({place})", signer.name());
    println!("{}", out.display());
    Ok(EXIT_OK)
}
