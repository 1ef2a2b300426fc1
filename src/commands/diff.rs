//! `annex diff`: prints the change list between two versions of a matrix as a
//! compiler-style report (reassignments first) or as the documented JSON
//! ([`crate::check::report::changes`]); exit code 1 when the policy denies a change class
//! (`change::*` rules), 0 otherwise.

use crate::check::report;
use crate::cli::{CheckFormat, DiffArgs};
use crate::policy::Policy;
use crate::{diff, seal};

/// Runs `annex diff`.
pub fn run(args: &DiffArgs) -> anyhow::Result<u8> {
    let old = seal::read_matrix(&args.old)?;
    let new = seal::read_matrix(&args.new)?;
    let list = diff::diff(old, new);
    let policy = Policy::resolve(args.policy.policy.as_deref())?;
    let reported = report::changes(&list, &policy, args.policy.deny_warnings);
    match args.format {
        CheckFormat::Human => print!("{}", reported.human),
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&reported.json)?),
    }
    Ok(reported.code)
}
