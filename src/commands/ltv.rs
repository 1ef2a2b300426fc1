//! `annex ltv`: adds long-term validation data (PAdES B-LT) to a signed annex.

use crate::cli::LtvArgs;
use crate::error::{Invalid, EXIT_OK};
use crate::sign::ltv::{self, Options};
use crate::sign::revocation::{ocsp, Crl, Status};
use crate::sign::{self, cms};
use crate::{load, output};

/// Runs `annex ltv`.
pub fn run(args: &LtvArgs) -> anyhow::Result<u8> {
    // Opened first: a register that cannot be used stops the command before any change.
    let register = args.record.open()?;
    let mut options = Options {
        fetch: !args.offline,
        ..Options::default()
    };
    for t in &args.trust {
        let pem = load::read_text(t)?.text;
        options.trust.extend(
            cms::certs_from_pem(&pem)
                .map_err(|e| Invalid::input(format!("{}: {e}", t.display())))?,
        );
    }
    for f in &args.crl {
        let bytes = load::read_bytes(f, load::PDF_LIMIT)?;
        options
            .crls
            .push(Crl::parse(&bytes, &f.display().to_string()).map_err(Invalid::input)?);
    }
    for f in &args.ocsp {
        let bytes = load::read_bytes(f, load::PDF_LIMIT)?;
        options
            .ocsps
            .push(ocsp::Response::parse(&bytes, &f.display().to_string()).map_err(Invalid::input)?);
    }
    let update = |bytes: &[u8], label: &str| -> anyhow::Result<(Vec<u8>, ltv::Added)> {
        let added = ltv::add(bytes, label, &options)?;
        // A certificate revoked when it counted: the file's signatures are not valid, and
        // validation data would only dress that up. Nothing is written.
        if let Some(j) = added
            .judged
            .iter()
            .find(|j| matches!(j.status, Status::Revoked { .. }))
        {
            return Err(Invalid::input(format!(
                "{label}: {}: {}, before {}: FAILED, no validation data added",
                j.what,
                j.status.describe(&j.cert),
                sign::tsa::show_time(j.at)
            )));
        }
        Ok((added.bytes.clone(), added))
    };
    let (added, written) = match &args.output {
        None => {
            let waiting = || {
                eprintln!(
                    "waiting for another signer of {} to finish…",
                    args.pdf.display()
                )
            };
            let added = sign::update_in_place(&args.pdf, &waiting, update)?;
            (added, &args.pdf)
        }
        Some(out) => {
            let bytes = load::read_bytes(&args.pdf, load::PDF_LIMIT)?;
            let (new, added) = update(&bytes, &args.pdf.display().to_string())?;
            sign::guard_overwrite(out, &new, args.force, false)?;
            output::write_atomic(out, &new, args.force)?;
            (added, out)
        }
    };
    for j in &added.judged {
        match &j.status {
            Status::Unknown if !j.has_sources => eprintln!(
                "{}: \"{}\" names no CRL or OCSP source: no revocation data to add",
                j.what,
                cms::common_name(&j.cert)
            ),
            s => eprintln!("{}: {}", j.what, s.describe(&j.cert)),
        }
    }
    let (c, r, o) = added.added;
    eprintln!("validation data added: {c} certificate(s), {r} CRL(s), {o} OCSP response(s)");
    super::record_written(register.as_ref(), written, "annex ltv")?;
    println!("{}", written.display());
    Ok(EXIT_OK)
}
