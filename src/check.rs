//! `annex check`: a linter that knows what a RACI matrix means.
//!
//! Stage: runs after the load stage, on one or more matrices (canonical TOML/JSON or
//! Markdown pages) and optionally a profile. It reports rows that break the RACI rules
//! (`raci::*`), structural problems of a matrix (`matrix::*`), the profile's problems
//! (`profile::*`, from [`crate::validate`]) and activities that two documents assign
//! differently (`cross::*`); [`crate::policy`] then decides what is denied, warned about or
//! allowed. `render` runs [`matrix_findings`] with the same policy.
//!
//! Invariants: every finding has a stable rule code listed in [`crate::policy::RULES`] and,
//! whenever the source lets us find it, the exact place of the offending cell (the letter
//! cell of a Markdown row, the quoted letters of a canonical file) so that the snippet
//! underlines it; all findings are collected, never just the first; the checks never fail —
//! an unreadable input is itself a finding.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::ops::Range;

use serde::Serialize;

use crate::cli::{self, CheckFormat};
use crate::diag::{self, Finding, Location, Severity, Sources};
use crate::import::NoteSeverity;
use crate::load::{self, LoadedMatrix, SourceFile};
use crate::model::{Activity, Letter, Letters, Matrix};
use crate::policy::Policy;
use crate::{Invalid, EXIT_INVALID, EXIT_OK};

/// Version of the JSON report schema (`annex check --format json`).
pub const JSON_SCHEMA: u32 = 1;

/// One finding and the activity it is about (if any), as `check` reports it.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The finding.
    pub finding: Finding,
    /// The id of the activity the finding is about.
    pub activity: Option<String>,
}

impl Checked {
    fn new(finding: Finding, activity: Option<&str>) -> Checked {
        Checked {
            finding,
            activity: activity.map(str::to_owned),
        }
    }
}

/// Every finding about one matrix on its own: RACI rules per row, duplicate ids, letters
/// for unknown parties, empty sections, and the importer's notes for Markdown pages. The
/// severities are placeholders until a [`Policy`] is applied.
pub fn matrix_findings(loaded: &LoadedMatrix) -> Vec<Finding> {
    matrix_checks(loaded)
        .into_iter()
        .map(|c| c.finding)
        .collect()
}

fn matrix_checks(loaded: &LoadedMatrix) -> Vec<Checked> {
    let places = Places::new(loaded);
    let m = &loaded.matrix;
    let mut out = Vec::new();
    let mut first_of_id: HashMap<&str, usize> = HashMap::new();
    for (k, (section, a)) in m.activities().enumerate() {
        if let Some(&earlier) = first_of_id.get(a.id.as_str()) {
            let mut f = places.finding(
                Finding::warning(
                    "matrix::duplicate-id",
                    format!("activity id `{}` is used twice", a.id),
                ),
                places.id(k),
                "used again here",
            );
            if let Some(span) = places.id(earlier) {
                f.related.push(places.location(span, "first used here"));
            }
            out.push(Checked::new(
                f.note("ids pair activities across versions and documents: make them unique"),
                Some(&a.id),
            ));
        } else {
            first_of_id.insert(&a.id, k);
        }
        for party in a.letters.keys() {
            if m.party(party).is_none() {
                let f = places.finding(
                    Finding::warning(
                        "matrix::unknown-party",
                        format!(
                            "letters for `{party}`, which is not a party of the matrix, in “{}”",
                            short(&a.text)
                        ),
                    ),
                    places.cell(k, a, party),
                    "not a party",
                );
                let known: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
                let mut f = f.note(format!("parties: {}", known.join(", ")));
                if let Some(s) = diag::suggest(party, known) {
                    f = f.note(format!("did you mean `{s}`?"));
                }
                out.push(Checked::new(f, Some(&a.id)));
            }
        }
        out.extend(raci_row(m, a, k, &places).into_iter().map(|f| {
            Checked::new(
                f.note(format!("in section {}", section.number)),
                Some(&a.id),
            )
        }));
    }
    for s in &m.sections {
        if s.has_table && s.activities.is_empty() {
            let f = places.finding(
                Finding::warning(
                    "matrix::empty-section",
                    format!(
                        "section {} “{}” has a table with no activity",
                        s.number,
                        short(&s.title)
                    ),
                ),
                places.section(&s.number),
                "this section assigns nothing",
            );
            out.push(Checked::new(
                f.note("an empty table leaves a whole area of responsibility unassigned"),
                None,
            ));
        }
    }
    for note in &loaded.import_notes {
        let code = match (note.code, note.severity) {
            // Reported from the matrix itself, with the section's title.
            ("import::empty-table", _) => continue,
            ("import::unknown-letter", _) => "raci::unknown-letter",
            (_, NoteSeverity::Warning) => "matrix::import-repair",
            (_, NoteSeverity::Info) => "matrix::import-note",
        };
        let span = match note.column {
            Some((start, end)) => places.columns(note.line, start, end),
            None => diag::line_span(&loaded.source.text, note.line),
        };
        let f = Finding::warning(code, note.message.clone())
            .at(&loaded.source.name, &loaded.source.text, span)
            .note(format!("importer: {}", note.code));
        out.push(Checked::new(f, None));
    }
    out
}

/// The RACI rules of one row.
fn raci_row(m: &Matrix, a: &Activity, k: usize, places: &Places) -> Vec<Finding> {
    let letters: Vec<(&str, &str, Letters)> = m
        .parties
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str(), a.letters_of(&p.id)))
        .collect();
    let holders = |l: Letter| -> Vec<(&str, &str)> {
        letters
            .iter()
            .filter(|(_, _, set)| set.contains(l))
            .map(|(id, name, _)| (*id, *name))
            .collect()
    };
    let summary = letters
        .iter()
        .map(|(_, name, set)| format!("{name} {}", show(*set)))
        .collect::<Vec<_>>()
        .join(", ");
    let text = short(&a.text);
    let row = places.row(k, a);
    let mut out = Vec::new();
    if letters.iter().all(|(_, _, set)| set.is_empty()) {
        out.push(places.finding(
            Finding::warning(
                "raci::unassigned",
                format!("no party has any letter for “{text}”"),
            ),
            row,
            "no letters in this row",
        ));
        return out;
    }
    let (r, acc) = (holders(Letter::R), holders(Letter::A));
    if r.is_empty() {
        out.push(
            places
                .finding(
                    Finding::warning(
                        "raci::no-responsible",
                        format!("no party is Responsible (R) for “{text}”"),
                    ),
                    row.clone(),
                    "no R in this row",
                )
                .note(format!("letters: {summary}")),
        );
    }
    if acc.is_empty() {
        out.push(
            places
                .finding(
                    Finding::warning(
                        "raci::no-accountable",
                        format!("no party is Accountable (A) for “{text}”"),
                    ),
                    row.clone(),
                    "no A in this row",
                )
                .note(format!("letters: {summary}")),
        );
    }
    if acc.len() > 1 {
        let names: Vec<&str> = acc.iter().map(|(_, n)| *n).collect();
        let mut f = places.finding(
            Finding::warning(
                "raci::multiple-accountable",
                format!(
                    "{} parties are Accountable (A) for “{text}”: {}",
                    acc.len(),
                    names.join(" and ")
                ),
            ),
            places.cell(k, a, acc[0].0),
            format!("A for {}", acc[0].1),
        );
        for (id, name) in &acc[1..] {
            if let Some(span) = places.cell(k, a, id) {
                f.related
                    .push(places.location(span, &format!("and A for {name}")));
            }
        }
        out.push(f.note("exactly one party should answer for an activity"));
    }
    let both = r.iter().any(|p| acc.contains(p));
    if !r.is_empty() && !acc.is_empty() && !both {
        let doer: Vec<&str> = r.iter().map(|(_, n)| *n).collect();
        let owner: Vec<&str> = acc.iter().map(|(_, n)| *n).collect();
        let mut f = places.finding(
            Finding::warning(
                "raci::split-r-a",
                format!(
                    "R and A are split for “{text}”: {} carries it out, {} answers for it",
                    doer.join(" and "),
                    owner.join(" and ")
                ),
            ),
            places.cell(k, a, r[0].0),
            format!("R for {}", r[0].1),
        );
        for (id, name) in &acc {
            if let Some(span) = places.cell(k, a, id) {
                f.related
                    .push(places.location(span, &format!("A for {name}")));
            }
        }
        out.push(f.note(
            "the accountable party answers for work it does not do: the contract should say how it controls it",
        ));
    }
    out
}

/// Activities that `later` assigns differently from `earlier`: the same id, or else the
/// same text (whitespace and case folded), with different letters for a party both have
/// (matched by id, else by role). Two documents in different languages (a page and its
/// translation) share neither ids nor texts, so there the rows of a section are also paired
/// by position — only where the section has as many rows in both, since a translation that
/// lost or gained a row cannot be aligned safely.
fn cross_checks(earlier: &LoadedMatrix, later: &LoadedMatrix) -> Vec<Checked> {
    let (pe, pl) = (Places::new(earlier), Places::new(later));
    let before: Vec<&Activity> = earlier.matrix.activities().map(|(_, a)| a).collect();
    let after: Vec<&Activity> = later.matrix.activities().map(|(_, a)| a).collect();
    let by_id: HashMap<&str, usize> = before
        .iter()
        .enumerate()
        .rev()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    for (i, a) in before.iter().enumerate().rev() {
        by_text.insert(text_key(&a.text), i);
    }
    // (ordinal in later, ordinal in earlier, how they were paired)
    let mut pairs: Vec<(usize, usize, Option<String>)> = Vec::new();
    for (k, a) in after.iter().enumerate() {
        if let Some(&i) = by_id.get(a.id.as_str()) {
            pairs.push((k, i, None));
        } else if let Some(&i) = by_text.get(&text_key(&a.text)) {
            pairs.push((
                k,
                i,
                Some(format!("matched by text with `{}`", before[i].id)),
            ));
        }
    }
    if earlier.matrix.language != later.matrix.language {
        let first_ordinals = |m: &Matrix| -> HashMap<String, (usize, usize)> {
            let mut at = 0;
            let mut out = HashMap::new();
            for s in &m.sections {
                out.insert(s.number.clone(), (at, s.activities.len()));
                at += s.activities.len();
            }
            out
        };
        let (sb, sa) = (
            first_ordinals(&earlier.matrix),
            first_ordinals(&later.matrix),
        );
        for s in &later.matrix.sections {
            let (Some(&(from_a, n)), Some(&(from_b, m))) = (sa.get(&s.number), sb.get(&s.number))
            else {
                continue;
            };
            if n != m || s.number.is_empty() {
                continue;
            }
            for j in 0..n {
                let (k, i) = (from_a + j, from_b + j);
                if !pairs.iter().any(|(pk, pi, _)| *pk == k || *pi == i) {
                    pairs.push((
                        k,
                        i,
                        Some(format!(
                            "paired by position: row {} of section {} in both ({} and {})",
                            j + 1,
                            s.number,
                            earlier.matrix.language,
                            later.matrix.language
                        )),
                    ));
                }
            }
        }
        pairs.sort_by_key(|(k, _, _)| *k);
    }
    let mut out = Vec::new();
    for (k, i, how) in pairs {
        let (a, twin) = (after[k], before[i]);
        let mut differences = Vec::new();
        for party in &later.matrix.parties {
            let Some(other) = crate::compose::matching_party(party, &earlier.matrix) else {
                continue;
            };
            let (now, then) = (a.letters_of(&party.id), twin.letters_of(&other.id));
            if now != then {
                differences.push(format!(
                    "{}: {} here, {} there",
                    party.name,
                    show(now),
                    show(then)
                ));
            }
        }
        if differences.is_empty() {
            continue;
        }
        let mut f = pl.finding(
            Finding::warning(
                "cross::conflicting-letters",
                format!(
                    "“{}” is assigned differently in {} and {}",
                    short(&a.text),
                    earlier.source.name,
                    later.source.name
                ),
            ),
            pl.row(k, a),
            differences.join("; "),
        );
        if let Some(span) = pe.row(i, twin) {
            f.related
                .push(pe.location(span, "assigned here in the other document"));
        }
        if let Some(how) = how {
            f = f.note(how);
        }
        out.push(Checked::new(f, Some(&a.id)));
    }
    out
}

/// The `cross::conflicting-letters` findings between two matrices (see [`cross_checks`]);
/// composed profiles report their parts' conflicts with it.
pub fn conflicts(earlier: &LoadedMatrix, later: &LoadedMatrix) -> Vec<Finding> {
    cross_checks(earlier, later)
        .into_iter()
        .map(|c| c.finding)
        .collect()
}

fn text_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn show(l: Letters) -> String {
    if l.is_empty() {
        "–".into()
    } else {
        l.to_string()
    }
}

/// An activity text cut to a length that fits a message line.
fn short(text: &str) -> String {
    const MAX: usize = 70;
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= MAX {
        return text;
    }
    let cut: String = text.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

/// Where things are in a matrix's source text, for underlining.
struct Places<'a> {
    loaded: &'a LoadedMatrix,
    markdown: bool,
    /// Canonical files: byte range of each activity's quoted id, by ordinal.
    ids: Vec<Option<Range<usize>>>,
}

impl<'a> Places<'a> {
    fn new(loaded: &'a LoadedMatrix) -> Places<'a> {
        // The same rule as the load stage: the extension says how the file was read.
        let ext = std::path::Path::new(&loaded.source.name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let markdown = matches!(ext.as_str(), "md" | "markdown");
        let text = loaded.source.text.as_str();
        let mut ids = Vec::new();
        // In source order, each search starting after the previous id: a duplicated id
        // then points at its own occurrence.
        let mut cursor = 0;
        for (_, a) in loaded.matrix.activities() {
            let quoted = format!("\"{}\"", a.id);
            match (!markdown)
                .then(|| text.get(cursor..)?.find(&quoted))
                .flatten()
            {
                Some(at) => {
                    let start = cursor + at;
                    cursor = start + quoted.len();
                    ids.push(Some(start..cursor));
                }
                None => ids.push(None),
            }
        }
        Places {
            loaded,
            markdown,
            ids,
        }
    }

    fn text(&self) -> &str {
        &self.loaded.source.text
    }

    fn location(&self, span: Range<usize>, label: &str) -> Location {
        diag::locate(
            &self.loaded.source.name,
            self.text(),
            span,
            Some(label.to_owned()),
        )
    }

    /// Places `f` at `span` with `label`, or leaves it without a place.
    fn finding(&self, f: Finding, span: Option<Range<usize>>, label: impl Into<String>) -> Finding {
        match span {
            Some(span) => f
                .at(&self.loaded.source.name, self.text(), span)
                .label(label),
            None => f,
        }
    }

    /// Byte range of 1-based character columns `start..end` on 1-based `line`.
    fn columns(&self, line: usize, start: usize, end: usize) -> Range<usize> {
        let span = diag::line_span(self.text(), line);
        let l = &self.text()[span.clone()];
        let byte = |col: usize| {
            span.start
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(i, _)| i)
        };
        byte(start)..byte(end.max(start))
    }

    fn id(&self, k: usize) -> Option<Range<usize>> {
        self.ids.get(k).cloned().flatten()
    }

    /// Canonical files: the `letters` value of activity `k` (an inline table or JSON
    /// object), or the `letters` key when written as a table of its own.
    fn letters(&self, k: usize) -> Option<Range<usize>> {
        let id = self.id(k)?;
        let text = self.text();
        let rest = &text[id.end..];
        // The activity ends where the next one (or any table) starts.
        let bound = [rest.find("[["), rest.find("\"id\"")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        let at = rest[..bound].find("letters")?;
        let after = &rest[at..bound];
        let value = after
            .find(['{', '\n'])
            .filter(|&i| after[i..].starts_with('{'));
        let start = id.end + at;
        Some(match value {
            Some(open) => {
                let close = after[open..]
                    .find('}')
                    .map_or(after.len(), |c| open + c + 1);
                start + open..start + close
            }
            None => start..start + "letters".len(),
        })
    }

    /// The letter cells of a row: from the first party's cell to the last one's.
    fn row(&self, k: usize, a: &Activity) -> Option<Range<usize>> {
        if self.markdown {
            let cells: Vec<Range<usize>> = self
                .loaded
                .matrix
                .parties
                .iter()
                .filter_map(|p| self.cell(k, a, &p.id))
                .collect();
            return match (cells.first(), cells.last()) {
                (Some(first), Some(last)) if last.end > first.start => Some(first.start..last.end),
                _ => self
                    .loaded
                    .activity_lines
                    .get(&a.id)
                    .map(|&line| diag::line_span(self.text(), line)),
            };
        }
        self.letters(k).or_else(|| self.id(k))
    }

    /// The letter cell of `party` in activity `k`.
    fn cell(&self, k: usize, a: &Activity, party: &str) -> Option<Range<usize>> {
        if self.markdown {
            let line = *self.loaded.activity_lines.get(&a.id)?;
            let &(start, end) = self
                .loaded
                .cell_columns
                .get(&(a.id.clone(), party.to_owned()))?;
            return Some(self.columns(line, start, end));
        }
        let region = self.letters(k)?;
        let text = self.text();
        let body = &text[region.clone()];
        let key_at = find_key(body, party)?;
        let sep = key_at + body[key_at..].find(['=', ':'])?;
        let open = sep + body[sep..].find('"')?;
        let close = open + 1 + body[open + 1..].find('"')?;
        Some(region.start + open..region.start + close + 1)
    }

    /// Markdown: the section's heading line; canonical: its `number = "…"` line.
    fn section(&self, number: &str) -> Option<Range<usize>> {
        if let Some(&line) = self.loaded.section_lines.get(number) {
            return Some(diag::line_span(self.text(), line));
        }
        let text = self.text();
        let quoted = format!("\"{number}\"");
        text.match_indices(&quoted)
            .find(|(i, _)| {
                let line_start = text[..*i].rfind('\n').map_or(0, |n| n + 1);
                text[line_start..*i].contains("number")
            })
            .map(|(i, _)| {
                let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                line_start..i + quoted.len()
            })
    }
}

/// Position of `key` as a key (bare or quoted, followed by `=` or `:`) in `body`.
fn find_key(body: &str, key: &str) -> Option<usize> {
    body.match_indices(key).map(|(i, _)| i).find(|&i| {
        let before = body[..i].chars().next_back();
        let ok_before = matches!(before, None | Some('{' | ',' | ' ' | '"' | '\n' | '\t'));
        let after = body[i + key.len()..].trim_start_matches('"').trim_start();
        ok_before && (after.starts_with('=') || after.starts_with(':'))
    })
}

/// Loads one input for `check` with `parse` (a matrix or a profile): unreadable or invalid
/// input becomes findings instead of stopping the run.
fn load_input<T>(
    path: &std::path::Path,
    parse: fn(SourceFile) -> anyhow::Result<T>,
) -> (Option<T>, Vec<Finding>, Option<SourceFile>) {
    let source = match load::read_text(path) {
        Ok(s) => s,
        Err(e) => return (None, vec![unreadable(path, &e)], None),
    };
    match parse(source.clone()) {
        Ok(value) => (Some(value), Vec::new(), Some(source)),
        Err(e) => (None, error_findings(path, &e), Some(source)),
    }
}

fn unreadable(path: &std::path::Path, e: &anyhow::Error) -> Finding {
    Finding::error("input::unreadable", e.to_string())
        .note(format!("while reading {}", path.display()))
}

fn error_findings(path: &std::path::Path, e: &anyhow::Error) -> Vec<Finding> {
    match e.downcast_ref::<Invalid>() {
        Some(Invalid::Findings { findings, .. }) => findings.clone(),
        _ => vec![unreadable(path, e)],
    }
}

/// `annex check`: checks every document, applies the policy, prints the report; returns
/// exit code 1 when a finding is denied.
pub fn command(args: &cli::CheckArgs) -> anyhow::Result<u8> {
    let policy = Policy::resolve(args.policy.policy.as_deref())?;
    let (catalogue, _) = load::catalogue(args.catalogue.as_deref())?;
    let mut sources = Sources::default();
    let mut texts: HashMap<String, String> = HashMap::new();
    let mut register = |s: &SourceFile, sources: &mut Sources| {
        sources.add(&s.name, &s.text);
        texts
            .entry(s.name.clone())
            .or_insert_with(|| s.text.clone());
    };
    let mut checked: Vec<Checked> = Vec::new();
    let mut documents = Vec::new();
    let mut inputs = Vec::new();
    if args.matrices.is_empty() {
        let m = load::matrix(None)?;
        register(&m.source, &mut sources);
        inputs.push(m.source.name.clone());
        documents.push(m);
    }
    for path in &args.matrices {
        inputs.push(path.display().to_string());
        let (m, findings, source) = load_input(path, load::matrix_from_source);
        if let Some(s) = &source {
            register(s, &mut sources);
        }
        checked.extend(findings.into_iter().map(|f| Checked::new(f, None)));
        documents.extend(m);
    }
    for m in &documents {
        checked.extend(matrix_checks(m));
        checked.extend(
            crate::tailor::condition_findings(m, &catalogue)
                .into_iter()
                .map(|f| Checked::new(f, None)),
        );
    }
    for (j, later) in documents.iter().enumerate() {
        for earlier in &documents[..j] {
            if earlier.source.name != later.source.name {
                checked.extend(cross_checks(earlier, later));
            }
        }
    }
    if let Some(path) = &args.profile {
        inputs.push(path.display().to_string());
        let (profile, findings, source) = load_input(path, load::profile_from_source);
        if let Some(s) = &source {
            register(s, &mut sources);
        }
        checked.extend(findings.into_iter().map(|f| Checked::new(f, None)));
        if let Some(profile) = profile {
            // Validated against each matrix; the same finding is reported once.
            let mut seen = Vec::new();
            for m in &documents {
                for f in crate::validate::profile(&profile, &m.matrix, &catalogue).1 {
                    if !seen.contains(&f) {
                        seen.push(f);
                    }
                }
            }
            checked.extend(seen.into_iter().map(|f| Checked::new(f, None)));
        }
    }

    let mut report: Vec<Checked> = checked
        .into_iter()
        .filter_map(|mut c| {
            c.finding.severity = policy.severity(&c.finding, args.policy.deny_warnings)?;
            Some(c)
        })
        .collect();
    let order: HashMap<&str, usize> = inputs
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    report.sort_by_key(|c| match &c.finding.location {
        Some(l) => (
            order.get(l.file.as_str()).copied().unwrap_or(usize::MAX),
            l.span.start,
        ),
        None => (usize::MAX, 0),
    });
    let findings: Vec<Finding> = report.iter().map(|c| c.finding.clone()).collect();
    let (errors, warnings) = crate::diag::counts(&findings);
    let code = if errors > 0 { EXIT_INVALID } else { EXIT_OK };
    match args.format {
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", sources.render(&findings, color));
            println!(
                "{}: {} in {} (policy {})",
                if errors > 0 { "denied" } else { "checked" },
                diag::summary(&findings),
                plural(inputs.len(), "input"),
                policy.name
            );
        }
        CheckFormat::Json => {
            let json = JsonReport {
                schema: JSON_SCHEMA,
                policy: policy.name.clone(),
                inputs,
                findings: report.iter().map(|c| JsonFinding::new(c, &texts)).collect(),
                summary: JsonSummary {
                    errors,
                    warnings,
                    exit_code: code,
                },
            };
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(code)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `annex check --format json`: the whole report (documented in the README).
#[derive(Debug, Serialize)]
struct JsonReport {
    schema: u32,
    policy: String,
    inputs: Vec<String>,
    findings: Vec<JsonFinding>,
    summary: JsonSummary,
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
    fn new(c: &Checked, texts: &HashMap<String, String>) -> JsonFinding {
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
    fn new(l: &Location, texts: &HashMap<String, String>) -> JsonLocation {
        let end = texts
            .get(&l.file)
            .map(|t| diag::locate(&l.file, t, l.span.end..l.span.end, None));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(letters: &str) -> LoadedMatrix {
        let text = format!(
            r#"provider = "P"
service = "s"
title = "T"
[[parties]]
id = "customer"
name = "Customer"
role = "customer"
[[parties]]
id = "prov"
name = "Provider"
role = "provider"
[[sections]]
number = "1"
title = "One"
has-table = true
[[sections.activities]]
id = "1/patch"
text = "Patch the OS"
letters = {{ {letters} }}
"#
        );
        load::matrix_from_source(SourceFile {
            name: "m.toml".into(),
            text,
        })
        .unwrap()
    }

    fn codes(m: &LoadedMatrix) -> Vec<String> {
        matrix_findings(m).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_clean_row_has_no_finding() {
        assert!(codes(&canonical(r#"customer = "RA", prov = "CI""#)).is_empty());
    }

    #[test]
    fn each_raci_rule_fires_on_its_row() {
        assert_eq!(
            codes(&canonical(r#"customer = "A", prov = "I""#)),
            ["raci::no-responsible"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "R", prov = "I""#)),
            ["raci::no-accountable"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "RA", prov = "AI""#)),
            ["raci::multiple-accountable"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "A", prov = "R""#)),
            ["raci::split-r-a"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "", prov = """#)),
            ["raci::unassigned"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "RA", provider = "I""#)),
            ["matrix::unknown-party"]
        );
    }

    #[test]
    fn canonical_cells_are_underlined_exactly() {
        let m = canonical(r#"customer = "A", prov = "R""#);
        let f = &matrix_findings(&m)[0];
        let loc = f.location.as_ref().unwrap();
        assert_eq!(&m.source.text[loc.span.clone()], "\"R\"");
        assert_eq!(loc.line, 19);
        assert_eq!(&m.source.text[f.related[0].span.clone()], "\"A\"");
    }

    #[test]
    fn markdown_cells_are_underlined_exactly() {
        let page = "## 1. One\n\n| Activity | Customer | OVHcloud |\n| --- | --- | --- |\n| Notify incidents | A | I |\n";
        let m = load::matrix_from_source(SourceFile {
            name: "p.md".into(),
            text: page.into(),
        })
        .unwrap();
        let f = &matrix_findings(&m)[0];
        assert_eq!(f.code, "raci::no-responsible");
        let loc = f.location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (5, 22));
        assert_eq!(&page[loc.span.clone()], "A | I");
    }

    #[test]
    fn short_cuts_at_a_word() {
        assert_eq!(short("a  b"), "a b");
        let long = "word ".repeat(30);
        let s = short(&long);
        assert!(s.ends_with("word…") && s.chars().count() <= 71, "{s}");
    }
}
