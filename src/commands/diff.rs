//! `annex diff`: prints the change list between two versions of a matrix as a
//! compiler-style report (reassignments first) or as the documented JSON; exit code 1 when
//! the policy denies a change class (`change::*` rules), 0 otherwise.

use serde::Serialize;

use crate::cli::{CheckFormat, DiffArgs, PolicyArgs};
use crate::diff::{self, Change, ChangeList, Class};
use crate::error::{EXIT_INVALID, EXIT_OK};
use crate::policy::{Level, Policy};
use crate::seal;

/// Runs `annex diff`.
pub fn run(args: &DiffArgs) -> anyhow::Result<u8> {
    let old = seal::read_matrix(&args.old)?;
    let new = seal::read_matrix(&args.new)?;
    let list = diff::diff(old, new);
    let reported = report(&list, &args.policy)?;
    match args.format {
        CheckFormat::Human => print!("{}", reported.human),
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&reported.json)?),
    }
    Ok(reported.code)
}

/// A change list judged by a policy: both renderings and the exit code.
pub(crate) struct Reported {
    /// The compiler-style report.
    pub human: String,
    /// The documented JSON object.
    pub json: serde_json::Value,
    /// 1 when the policy denies a change, else 0.
    pub code: u8,
}

/// The report of a change list under a policy, and the exit code it gives; shared with
/// `check --since`.
pub(crate) fn report(list: &ChangeList, policy: &PolicyArgs) -> anyhow::Result<Reported> {
    let resolved = Policy::resolve(policy.policy.as_deref())?;
    let level = |c: &Change| match resolved.level(&c.class.code()) {
        Some(Level::Deny) => Level::Deny,
        Some(Level::Warn) if policy.deny_warnings => Level::Deny,
        Some(l) => l,
        None => Level::Warn,
    };
    let denied = list
        .changes
        .iter()
        .filter(|c| level(c) == Level::Deny)
        .count();
    let code = if denied > 0 { EXIT_INVALID } else { EXIT_OK };
    let human = {
        let mut out = String::new();
        for c in &list.changes {
            let severity = match level(c) {
                Level::Allow => continue,
                Level::Warn => "warning",
                Level::Deny => "error",
            };
            out.push_str(&diagnostic(c, severity));
        }
        out.push_str(&summary_line(list, denied, &resolved.name));
        out
    };
    let json = serde_json::to_value(JsonDiff {
        schema: diff::JSON_SCHEMA,
        policy: resolved.name.clone(),
        old: Side {
            file: &list.old_file,
            version: list.old_version.as_deref(),
        },
        new: Side {
            file: &list.new_file,
            version: list.new_version.as_deref(),
        },
        changes: list
            .changes
            .iter()
            .map(|c| JsonChange {
                severity: level(c).name(),
                change: c,
            })
            .collect(),
        summary: Summary {
            counts: Class::ALL
                .iter()
                .map(|k| (k.name(), list.count(*k)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            denied,
            exit_code: code,
        },
    })?;
    Ok(Reported { human, json, code })
}

/// One change as a diagnostic: `warning[change::reworded]: …`, then both places.
fn diagnostic(c: &Change, severity: &str) -> String {
    let mut out = format!("{severity}[{}]: {}\n", c.class.code(), diff::summary(c));
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => out.push_str(&format!("  --> {} (was {})\n", n.at(), o.at())),
        (Some(o), None) => out.push_str(&format!("  --> {}\n", o.at())),
        (None, Some(n)) => out.push_str(&format!("  --> {}\n", n.at())),
        (None, None) => {}
    }
    if c.text_changed && c.class != Class::Reworded {
        out.push_str(&format!("   = text: {}\n", diff::word_view(&c.words)));
    }
    out
}

fn summary_line(list: &ChangeList, denied: usize, policy: &str) -> String {
    if list.is_empty() {
        return format!("no change: {} → {}\n", list.old_file, list.new_file);
    }
    let counts: Vec<String> = Class::ALL
        .iter()
        .map(|k| (k.name(), list.count(*k)))
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    format!(
        "{}: {} change{} ({}) from {} to {} (policy {policy}{})\n",
        if denied > 0 { "denied" } else { "changed" },
        list.changes.len(),
        if list.changes.len() == 1 { "" } else { "s" },
        counts.join(", "),
        list.old_file,
        list.new_file,
        if denied > 0 {
            format!(", {denied} denied")
        } else {
            String::new()
        }
    )
}

/// `annex diff --format json` (documented in the README).
#[derive(Serialize)]
struct JsonDiff<'a> {
    schema: u32,
    policy: String,
    old: Side<'a>,
    new: Side<'a>,
    changes: Vec<JsonChange<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Side<'a> {
    file: &'a str,
    version: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    severity: &'static str,
    #[serde(flatten)]
    change: &'a Change,
}

#[derive(Serialize)]
struct Summary {
    counts: std::collections::BTreeMap<&'static str, usize>,
    denied: usize,
    exit_code: u8,
}
