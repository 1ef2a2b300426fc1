//! `annex verify`: prints one line per check and exits 1 if any failed. A file that starts
//! like a zip (by its bytes, not its name) is an evidence pack ([`crate::pack::verify`]);
//! anything else is read as an annex PDF.

use std::io::Read as _;

use crate::cli::VerifyArgs;
use crate::error::{Invalid, EXIT_INVALID, EXIT_OK};
use crate::limits::{thousands, MAX_PACK_BYTES};
use crate::pack;
use crate::sign::cms;
use crate::verify::{self, Options, Outcome};

/// Runs `annex verify`.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let cannot =
        |e: std::io::Error| Invalid::input(format!("cannot read {}: {e}", args.pdf.display()));
    let file = std::fs::File::open(&args.pdf).map_err(cannot)?;
    // Bounded before reading: a pack is inflated in memory, member by member.
    let mut bytes = Vec::new();
    file.take(MAX_PACK_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > MAX_PACK_BYTES {
        return Err(Invalid::input(format!(
            "{}: larger than {} bytes (MAX_PACK_BYTES), the most `annex verify` reads",
            args.pdf.display(),
            thousands(MAX_PACK_BYTES)
        )));
    }
    let mut trust = Vec::new();
    for t in &args.trust {
        let pem = std::fs::read_to_string(t)
            .map_err(|e| Invalid::input(format!("cannot read {}: {e}", t.display())))?;
        trust.extend(
            cms::certs_from_pem(&pem)
                .map_err(|e| Invalid::input(format!("{}: {e}", t.display())))?,
        );
    }
    let options = Options {
        trust,
        rebuild: args.rebuild.then(|| args.templates.clone()),
    };
    let report = if pack::verify::is_zip(&bytes) {
        pack::verify::verify(&bytes, &options)
    } else {
        verify::verify(&bytes, &options)
    };
    print!("{}", report.render());
    let failures = report.failures();
    let ok = report
        .checks
        .iter()
        .filter(|(o, _)| *o == Outcome::Ok)
        .count();
    if failures.is_empty() {
        println!("{}: verified ({ok} checks ok)", args.pdf.display());
        Ok(EXIT_OK)
    } else {
        eprintln!(
            "error: {} failed verification ({} of {} checks failed): {}",
            args.pdf.display(),
            failures.len(),
            report.checks.len(),
            failures[0]
        );
        Ok(EXIT_INVALID)
    }
}
