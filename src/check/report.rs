//! The documented JSON reports of `annex check --format json` and of a change list (`annex
//! diff`, `check --since`), and the change list's human report: one implementation, shared
//! by the commands and the evidence pack (`check.json`, `changes.json`).
//!
//! Invariants: the JSON shapes are the ones the guide documents (their `schema` numbers
//! change with them); a report shows at most `limits::MAX_SHOWN_PER_RULE` findings per rule
//! and counts the rest, like the human report; nothing here prints.

use std::collections::HashMap;

use serde::Serialize;

use super::{CheckReport, Checked};
use crate::diag::{self, Location, Severity};
use crate::diff::{self, Change, ChangeList, Class};
use crate::error::{EXIT_INVALID, EXIT_OK};
use crate::policy::{Level, Policy};

/// Version of the JSON report schema (`annex check --format json`).
pub const JSON_SCHEMA: u32 = 1;

/// The exit code of a check: 1 when it has an error or `denied_changes`, else 0.
pub fn exit_code(report: &CheckReport, denied_changes: bool) -> u8 {
    let (errors, _) = diag::counts(&report.findings());
    if errors > 0 || denied_changes {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// `annex check --format json`: the whole report, with `since` (the change list's JSON
/// object) when given, and `code` as its exit code.
pub fn json(report: &CheckReport, since: Option<serde_json::Value>, code: u8) -> serde_json::Value {
    let (errors, warnings) = diag::counts(&report.findings());
    let (findings, omitted) = shown(&report.checked, &report.texts);
    let json = JsonReport {
        schema: JSON_SCHEMA,
        findings,
        omitted,
        policy: report.policy.clone(),
        inputs: report.inputs.clone(),
        alignment: report.alignment.clone(),
        summary: JsonSummary {
            errors,
            warnings,
            exit_code: code,
        },
        since,
    };
    serde_json::to_value(&json).expect("a report always serialises")
}

/// The findings as `check` shows them (the first of each rule, `limits::MAX_SHOWN_PER_RULE`),
/// and the count of the rest per rule; `texts` are the inputs' texts by name, for end
/// positions.
pub fn shown(
    checked: &[Checked],
    texts: &HashMap<String, String>,
) -> (Vec<JsonFinding>, Vec<JsonOmitted>) {
    let shown = diag::Shown::of(checked.iter().map(|c| &c.finding));
    // One index per input, so that end positions cost no rescan of the text.
    let texts: Texts = texts
        .iter()
        .map(|(name, text)| (name.as_str(), (text.as_str(), diag::LineIndex::new(text))))
        .collect();
    let findings = shown
        .indices
        .iter()
        .map(|&i| JsonFinding::new(&checked[i], &texts))
        .collect();
    let omitted = shown
        .omitted
        .iter()
        .map(|(code, count)| JsonOmitted {
            code: code.clone(),
            count: *count,
        })
        .collect();
    (findings, omitted)
}

/// [`shown`] for findings that name no activity (an invalid profile's, in `annex serve`'s
/// problems).
pub fn shown_findings(
    findings: &[crate::diag::Finding],
    texts: &HashMap<String, String>,
) -> (Vec<JsonFinding>, Vec<JsonOmitted>) {
    let checked: Vec<Checked> = findings
        .iter()
        .map(|f| Checked::new(f.clone(), None))
        .collect();
    shown(&checked, texts)
}

/// Each input's text and line index, by name.
type Texts<'a> = HashMap<&'a str, (&'a str, diag::LineIndex)>;

/// `annex check --format json`: the whole report (the guide's `reference/check-json.md`).
#[derive(Debug, Serialize)]
struct JsonReport {
    schema: u32,
    policy: String,
    inputs: Vec<String>,
    findings: Vec<JsonFinding>,
    omitted: Vec<JsonOmitted>,
    /// `--translation`: rows paired, and the unpaired rows of each side with file:line.
    #[serde(skip_serializing_if = "Option::is_none")]
    alignment: Option<crate::align::Report>,
    summary: JsonSummary,
    /// `--since`: the `annex diff` JSON object.
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<serde_json::Value>,
}

/// Findings of one rule left out of `findings` (see `limits::MAX_SHOWN_PER_RULE`).
#[derive(Debug, Serialize)]
pub struct JsonOmitted {
    code: String,
    count: usize,
}

#[derive(Debug, Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    exit_code: u8,
}

/// One finding of the JSON report.
#[derive(Debug, Serialize)]
pub struct JsonFinding {
    severity: Severity,
    code: String,
    message: String,
    activity: Option<String>,
    location: Option<JsonLocation>,
    related: Vec<JsonLocation>,
    notes: Vec<String>,
}

/// Where a finding is, with its end (JSON).
#[derive(Debug, Serialize)]
pub struct JsonLocation {
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

/// A change list judged by a policy: both renderings and the exit code.
pub struct Changes {
    /// The compiler-style report.
    pub human: String,
    /// The documented JSON object.
    pub json: serde_json::Value,
    /// 1 when the policy denies a change, else 0.
    pub code: u8,
}

/// The report of a change list under a policy (`change::*` rules; `deny_warnings` turns
/// warned classes into denied ones), and the exit code it gives.
pub fn changes(list: &ChangeList, policy: &Policy, deny_warnings: bool) -> Changes {
    let level = |c: &Change| match policy.level(&c.class.code()) {
        Some(Level::Deny) => Level::Deny,
        Some(Level::Warn) if deny_warnings => Level::Deny,
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
        out.push_str(&summary_line(list, denied, &policy.name));
        out
    };
    let json = serde_json::to_value(JsonDiff {
        schema: diff::JSON_SCHEMA,
        policy: policy.name.clone(),
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
    })
    .expect("a change list always serialises");
    Changes { human, json, code }
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

/// `annex diff --format json` (documented in the guide, `reference/diff-json.md`).
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
