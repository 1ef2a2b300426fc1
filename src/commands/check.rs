//! `annex check`: prints the findings as compiler-style diagnostics or as the documented
//! JSON report ([`crate::check::report::json`]); exit code 1 when the policy denies a
//! finding.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use crate::check::{self, report, CheckOptions};
use crate::cli::{CheckArgs, CheckFormat};
use crate::diag;
use crate::error::EXIT_OK;
use crate::policy::Policy;
use crate::{diff, load, seal};

/// Runs `annex check`.
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let checked = check::run(&CheckOptions {
        matrices: args.matrices.clone(),
        profile: args.profile.clone(),
        catalogue: args.catalogue.clone(),
        policy: args.policy.policy.clone(),
        deny_warnings: args.policy.deny_warnings,
        translation: args.translation.clone(),
    })?;
    let findings = checked.findings();
    let (errors, _) = diag::counts(&findings);
    // `--since`: the change list of the first matrix (the seed when none is given), judged
    // by the same policy; a denied change fails the check like a denied finding.
    let since = match &args.since {
        Some(old) => {
            let old = seal::read_matrix(old)?;
            let new = load::matrix(args.matrices.first().map(PathBuf::as_path))?;
            let policy = Policy::resolve(args.policy.policy.as_deref())?;
            Some(report::changes(
                &diff::diff(old, new),
                &policy,
                args.policy.deny_warnings,
            ))
        }
        None => None,
    };
    let code = report::exit_code(&checked, since.as_ref().is_some_and(|s| s.code != EXIT_OK));
    match args.format {
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", checked.sources.render(&findings, color));
            if let Some(alignment) = &checked.alignment {
                for line in alignment.lines() {
                    println!("{line}");
                }
            }
            println!(
                "{}: {} in {} (policy {})",
                if errors > 0 { "denied" } else { "checked" },
                diag::summary(&findings),
                plural(checked.inputs.len(), "input"),
                checked.policy
            );
            if let Some(since) = &since {
                print!("{}", since.human);
            }
        }
        CheckFormat::Json => {
            let json = report::json(&checked, since.map(|s| s.json), code);
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(code)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
