//! `annex check`: prints the findings as compiler-style diagnostics or as the documented
//! JSON report; exit code 1 when the policy denies a finding.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::check::{self, CheckOptions, Checked};
use crate::cli::{CheckArgs, CheckFormat};
use crate::diag::{self, Location, Severity};
use crate::error::{EXIT_INVALID, EXIT_OK};
use crate::{diff, load, seal};

/// Version of the JSON report schema (`annex check --format json`).
pub const JSON_SCHEMA: u32 = 1;

/// Runs `annex check`.
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let report = check::run(&CheckOptions {
        matrices: args.matrices.clone(),
        profile: args.profile.clone(),
        catalogue: args.catalogue.clone(),
        policy: args.policy.policy.clone(),
        deny_warnings: args.policy.deny_warnings,
        translation: args.translation.clone(),
    })?;
    let findings = report.findings();
    let (errors, warnings) = diag::counts(&findings);
    // `--since`: the change list of the first matrix (the seed when none is given), judged
    // by the same policy; a denied change fails the check like a denied finding.
    let since = match &args.since {
        Some(old) => {
            let old = seal::read_matrix(old)?;
            let new = load::matrix(args.matrices.first().map(PathBuf::as_path))?;
            Some(super::diff::report(&diff::diff(old, new), &args.policy)?)
        }
        None => None,
    };
    let denied_changes = since.as_ref().is_some_and(|s| s.code != EXIT_OK);
    let code = if errors > 0 || denied_changes {
        EXIT_INVALID
    } else {
        EXIT_OK
    };
    match args.format {
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", report.sources.render(&findings, color));
            if let Some(alignment) = &report.alignment {
                for line in alignment.lines() {
                    println!("{line}");
                }
            }
            println!(
                "{}: {} in {} (policy {})",
                if errors > 0 { "denied" } else { "checked" },
                diag::summary(&findings),
                plural(report.inputs.len(), "input"),
                report.policy
            );
            if let Some(since) = &since {
                print!("{}", since.human);
            }
        }
        CheckFormat::Json => {
            // The same cap as the human report: the first findings of each rule, and a count
            // of the rest per rule; the summary counts them all.
            let shown = diag::Shown::of(report.checked.iter().map(|c| &c.finding));
            // One index per input, so that end positions cost no rescan of the text.
            let texts: HashMap<&str, (&str, diag::LineIndex)> = report
                .texts
                .iter()
                .map(|(name, text)| (name.as_str(), (text.as_str(), diag::LineIndex::new(text))))
                .collect();
            let json = JsonReport {
                schema: JSON_SCHEMA,
                findings: shown
                    .indices
                    .iter()
                    .map(|&i| JsonFinding::new(&report.checked[i], &texts))
                    .collect(),
                omitted: shown
                    .omitted
                    .iter()
                    .map(|(code, count)| JsonOmitted {
                        code: code.clone(),
                        count: *count,
                    })
                    .collect(),
                policy: report.policy,
                inputs: report.inputs,
                alignment: report.alignment,
                summary: JsonSummary {
                    errors,
                    warnings,
                    exit_code: code,
                },
                since: since.map(|s| s.json),
            };
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(code)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Each input's text and line index, by name.
type Texts<'a> = HashMap<&'a str, (&'a str, diag::LineIndex)>;

/// `annex check --format json`: the whole report (documented in the README).
#[derive(Debug, Serialize)]
struct JsonReport {
    schema: u32,
    policy: String,
    inputs: Vec<String>,
    findings: Vec<JsonFinding>,
    omitted: Vec<JsonOmitted>,
    summary: JsonSummary,
    /// `--translation`: rows paired, and the unpaired rows of each side with file:line.
    #[serde(skip_serializing_if = "Option::is_none")]
    alignment: Option<crate::align::Report>,
    /// `--since`: the `annex diff` JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<serde_json::Value>,
}

/// Findings of one rule left out of `findings` (see `limits::MAX_SHOWN_PER_RULE`).
#[derive(Debug, Serialize)]
struct JsonOmitted {
    code: String,
    count: usize,
}

#[derive(Debug, Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    exit_code: u8,
}

#[derive(Debug, Serialize)]
struct JsonFinding {
    severity: Severity,
    code: String,
    message: String,
    activity: Option<String>,
    location: Option<JsonLocation>,
    related: Vec<JsonLocation>,
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: Option<String>,
}

impl JsonFinding {
    fn new(c: &Checked, texts: &Texts) -> JsonFinding {
        let f = &c.finding;
        JsonFinding {
            severity: f.severity,
            code: f.code.clone(),
            message: f.message.clone(),
            activity: c.activity.clone(),
            location: f.location.as_ref().map(|l| JsonLocation::new(l, texts)),
            related: f
                .related
                .iter()
                .map(|l| JsonLocation::new(l, texts))
                .collect(),
            notes: f.notes.clone(),
        }
    }
}

impl JsonLocation {
    fn new(l: &Location, texts: &Texts) -> JsonLocation {
        let end = texts
            .get(l.file.as_str())
            .map(|(t, index)| index.locate(&l.file, t, l.span.end..l.span.end, None));
        JsonLocation {
            file: l.file.clone(),
            line: l.line,
            column: l.column,
            end_line: end.as_ref().map_or(l.line, |e| e.line),
            end_column: end.as_ref().map_or(l.column, |e| e.column),
            label: l.label.clone(),
        }
    }
}
