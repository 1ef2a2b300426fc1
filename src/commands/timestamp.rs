//! `annex timestamp`: adds a document timestamp (PAdES B-LTA) to a signed annex.

use crate::cli::TimestampArgs;
use crate::error::EXIT_OK;
use crate::sign::ltv::timestamp::{self, Stamped};
use crate::sign::{self, tsa};
use crate::{load, output};

/// Runs `annex timestamp`.
pub fn run(args: &TimestampArgs) -> anyhow::Result<u8> {
    // Opened first: a register that cannot be used stops the command before any change.
    let register = args.record.open()?;
    let update = |bytes: &[u8], label: &str| -> anyhow::Result<(Vec<u8>, Stamped)> {
        let stamped = timestamp::add(bytes, label, &args.tsa)?;
        Ok((stamped.bytes.clone(), stamped))
    };
    let (stamped, written) = match &args.output {
        None => {
            let waiting = || {
                eprintln!(
                    "waiting for another signer of {} to finish…",
                    args.pdf.display()
                )
            };
            (
                sign::update_in_place(&args.pdf, &waiting, update)?,
                &args.pdf,
            )
        }
        Some(out) => {
            let bytes = load::read_bytes(&args.pdf, load::PDF_LIMIT)?;
            let (new, stamped) = update(&bytes, &args.pdf.display().to_string())?;
            sign::guard_overwrite(out, &new, args.force, false)?;
            output::write_atomic(out, &new, args.force)?;
            (stamped, out)
        }
    };
    let expires = stamped
        .token
        .tsa
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration()
        .as_secs() as i64;
    eprintln!(
        "document timestamp \"{}\" by \"{}\" at {}; its TSA certificate expires {}: run annex ltv and annex timestamp again before then",
        stamped.field,
        stamped.token.tsa_name(),
        tsa::show_time(stamped.token.time),
        tsa::show_time(expires)
    );
    super::record_written(register.as_ref(), written, "annex timestamp")?;
    println!("{}", written.display());
    Ok(EXIT_OK)
}
