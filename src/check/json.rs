//! The JSON form of findings: `annex check --format json`'s report, and the findings of a
//! problem answered by `annex serve` (the same objects, so a client reads both alike).
//!
//! Invariants: the same cap as the human report (`diag::Shown`: the first findings of each
//! rule, a count of the rest); line and column come from the finding's place, end
//! positions from one line index per input (no rescan per finding).

use std::collections::HashMap;

use serde::Serialize;

use super::{CheckReport, Checked};
use crate::diag::{self, Finding, Location, Severity};

/// Version of the JSON report schema (`annex check --format json`).
pub const JSON_SCHEMA: u32 = 1;

/// `annex check --format json`: the whole report (documented in the README).
#[derive(Debug, Serialize)]
pub struct JsonReport {
    schema: u32,
    policy: String,
    inputs: Vec<String>,
    findings: Vec<JsonFinding>,
    omitted: Vec<JsonOmitted>,
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

/// One finding, with its places as lines and columns.
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

#[derive(Debug, Serialize)]
struct JsonLocation {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: Option<String>,
}

/// Each input's text and line index, by name.
type Texts<'a> = HashMap<&'a str, (&'a str, diag::LineIndex)>;

fn index(texts: &HashMap<String, String>) -> Texts<'_> {
    texts
        .iter()
        .map(|(name, text)| (name.as_str(), (text.as_str(), diag::LineIndex::new(text))))
        .collect()
}

impl JsonReport {
    /// The report of `report`, with the exit code `check` gives and `--since`'s changes.
    pub fn new(report: &CheckReport, exit_code: u8, since: Option<serde_json::Value>) -> Self {
        let findings = report.findings();
        let (errors, warnings) = diag::counts(&findings);
        let (shown, omitted) = shown(&report.checked, &report.texts);
        JsonReport {
            schema: JSON_SCHEMA,
            findings: shown,
            omitted,
            policy: report.policy.clone(),
            inputs: report.inputs.clone(),
            summary: JsonSummary {
                errors,
                warnings,
                exit_code,
            },
            since,
        }
    }
}

/// The findings as `check` shows them (capped per rule), and the counts of the rest;
/// `texts` are the inputs' texts by name, for end positions.
pub fn shown(
    checked: &[Checked],
    texts: &HashMap<String, String>,
) -> (Vec<JsonFinding>, Vec<JsonOmitted>) {
    let shown = diag::Shown::of(checked.iter().map(|c| &c.finding));
    let texts = index(texts);
    let findings = shown
        .indices
        .iter()
        .map(|&i| JsonFinding::new(&checked[i].finding, checked[i].activity.clone(), &texts))
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

/// [`shown`] for findings that name no activity (an invalid profile's).
pub fn shown_findings(
    findings: &[Finding],
    texts: &HashMap<String, String>,
) -> (Vec<JsonFinding>, Vec<JsonOmitted>) {
    let checked: Vec<Checked> = findings
        .iter()
        .map(|f| Checked::new(f.clone(), None))
        .collect();
    shown(&checked, texts)
}

impl JsonFinding {
    fn new(f: &Finding, activity: Option<String>, texts: &Texts) -> JsonFinding {
        JsonFinding {
            severity: f.severity,
            code: f.code.clone(),
            message: f.message.clone(),
            activity,
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
