//! `annex verify`: prints one line per check and exits 1 if any failed.

use crate::cli::VerifyArgs;
use crate::error::{Invalid, EXIT_INVALID, EXIT_OK};
use crate::sign::cms;
use crate::verify::{self, Options, Outcome};

/// Runs `annex verify`.
pub fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let bytes = std::fs::read(&args.pdf)
        .map_err(|e| Invalid::input(format!("cannot read {}: {e}", args.pdf.display())))?;
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
    let report = verify::verify(&bytes, &options);
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
