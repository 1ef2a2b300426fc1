//! `annex sign`: adds a signature to a final annex, in an incremental update.

use crate::cli::SignArgs;
use crate::error::{Invalid, EXIT_OK};
use crate::{output, sign};

/// Runs `annex sign`.
pub fn run(args: &SignArgs) -> anyhow::Result<u8> {
    let bytes = std::fs::read(&args.pdf)
        .map_err(|e| Invalid::input(format!("cannot read {}: {e}", args.pdf.display())))?;
    let signer = sign::Signer::load(&args.sign_key, &args.sign_cert, args.sign_chain.as_deref())?;
    let label = args.pdf.display().to_string();
    let (signed, place) = sign::sign_pdf(&bytes, &label, &signer, sign::now())?;
    let out = args.output.as_ref().unwrap_or(&args.pdf);
    // In place, the update only appends: the old file is a prefix of the new one.
    let in_place = args.output.is_none();
    if !in_place {
        sign::guard_overwrite(out, args.force, false)?;
    }
    output::write_atomic(out, &signed, in_place || args.force)?;
    eprintln!("signed by {} ({place})", signer.name());
    println!("{}", out.display());
    Ok(EXIT_OK)
}
