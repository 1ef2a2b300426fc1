//! `annex verify`: prints one line per check and exits 1 if any failed. A file that starts
//! like a zip (by its bytes, not its name) is an evidence pack ([`crate::pack::verify`]);
//! anything else is read as an annex PDF.

use crate::cli::VerifyArgs;
use crate::error::{Invalid, EXIT_INVALID, EXIT_OK};
use crate::sign::cms;
use crate::verify::{self, Options, Outcome};
use crate::{load, pack};

/// Runs `annex verify`.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    // Bounded before reading: a pack is inflated in memory, member by member.
    let bytes = load::read_bytes(&args.pdf, load::PDF_LIMIT)?;
    let mut trust = Vec::new();
    for t in &args.trust {
        let pem = load::read_text(t)?.text;
        trust.extend(
            cms::certs_from_pem(&pem)
                .map_err(|e| Invalid::input(format!("{}: {e}", t.display())))?,
        );
    }
    let options = Options {
        trust,
        rebuild: args.rebuild.then(|| args.templates.clone()),
        at: args.at,
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
