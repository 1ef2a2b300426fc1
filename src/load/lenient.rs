//! Lenient reading of a profile: every problem the TOML has, not only the first.
//!
//! Part of the load stage. The TOML reader stops at the first problem; a profile author
//! wants them all in one run. So the loader reads a working copy, and after each problem
//! repairs the copy just enough to go on: a line that does not parse, or a key the format
//! does not have, is commented out; a value of the wrong type is replaced by a placeholder
//! of the expected type; a missing required key is inserted with a placeholder. Every
//! repair is an [`Edits`] entry, so spans of the copy map back to the file the user wrote,
//! and a later finding about a placeholder (which the user never wrote) is dropped.
//!
//! Invariants: the result is a [`RawProfile`] only together with the findings of every
//! repair (so a repaired profile is never accepted); each problem is reported once, at its
//! place in the original text; at most [`MAX_PROFILE_PARSE_PROBLEMS`] problems are
//! repaired and the copy is re-read at most `1 + MAX_PROFILE_REPARSE_BYTES / len` times,
//! so the work stays linear in the file.

use std::collections::HashSet;
use std::ops::Range;

use crate::diag::{self, Finding};
use crate::limits::{MAX_PROFILE_PARSE_PROBLEMS, MAX_PROFILE_REPARSE_BYTES};
use crate::profile::{RawProfile, FILL};

use super::SourceFile;

/// One repair of the working copy: `removed` bytes at `at` replaced by `inserted` bytes.
#[derive(Debug, Clone, Copy)]
struct Edit {
    at: usize,
    removed: usize,
    inserted: usize,
}

/// The repairs made to a profile's text while reading it, in order.
#[derive(Debug, Clone, Default)]
pub struct Edits(Vec<Edit>);

impl Edits {
    /// The span of the original text that `span` of the repaired text stands for, or `None`
    /// when `span` touches text the loader wrote (a placeholder).
    pub fn original(&self, span: Range<usize>) -> Option<Range<usize>> {
        let (mut start, mut end) = (span.start, span.end);
        for e in self.0.iter().rev() {
            let written = e.at..e.at + e.inserted;
            let touches = if start == end {
                written.contains(&start)
            } else {
                start < written.end && end > written.start
            };
            if touches {
                return None;
            }
            let back = |p: usize| {
                if p >= written.end {
                    p - e.inserted + e.removed
                } else {
                    p
                }
            };
            (start, end) = (back(start), back(end));
        }
        Some(start..end)
    }

    /// Whether the text was repaired at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The working copy and what was done to it.
struct Reader<'a> {
    source: &'a SourceFile,
    work: String,
    edits: Edits,
    findings: Vec<Finding>,
    /// Keys of lines commented out, whose absence is no new problem.
    dropped_keys: HashSet<String>,
    /// End of the last line commented out for its syntax, in the working copy: the lines of
    /// a broken multi-line value after it are commented out without a finding each.
    last_syntax_line_end: Option<usize>,
}

/// Reads `source` as a profile, reporting every problem. Returns the profile as repaired
/// (only when every problem could be repaired), the findings, and the repairs.
pub fn profile(source: &SourceFile) -> (Option<RawProfile>, Vec<Finding>, Edits) {
    let mut r = Reader {
        source,
        work: source.text.clone(),
        edits: Edits::default(),
        findings: Vec::new(),
        dropped_keys: HashSet::new(),
        last_syntax_line_end: None,
    };
    r.unfilled();
    let reads = (1 + MAX_PROFILE_REPARSE_BYTES / source.text.len().max(1))
        .min(MAX_PROFILE_PARSE_PROBLEMS + 1);
    for read in 1..=reads {
        // Syntax first: the typed reader would report a syntax error as its first problem
        // too, but without the table a key belongs to.
        let (syntax, e) = match r.work.parse::<toml::Table>() {
            Err(e) => (true, e),
            Ok(_) => match toml::from_str::<RawProfile>(&r.work) {
                Ok(raw) => return (Some(raw), r.findings, r.edits),
                Err(e) => (false, e),
            },
        };
        // A repair now could not be read past: stop, and say so.
        if read == reads {
            break;
        }
        let step = if syntax { r.syntax(&e) } else { r.shape(&e) };
        if step.is_none() {
            return (None, r.findings, r.edits);
        }
    }
    let f = Finding::error(
        "profile::syntax",
        format!(
            "invalid profile {}: stopped after {} problems (limits::MAX_PROFILE_PARSE_PROBLEMS); fix these and run again",
            source.name,
            r.findings.len()
        ),
    );
    r.findings.push(f);
    (None, r.findings, r.edits)
}

/// Whether `span` of `text` is a marker `annex init` left to fill in (`"<FILL: …>"`):
/// reported once as unfilled, never again as a value of the wrong kind.
pub fn is_unfilled(text: &str, span: Range<usize>) -> bool {
    text.get(span.start..)
        .is_some_and(|t| t.starts_with('"') && t[1..].starts_with(FILL))
}

impl Reader<'_> {
    /// Every [`FILL`] marker left in the file, outside comments: the profile is a
    /// skeleton of `annex init` not filled in yet.
    fn unfilled(&mut self) {
        let text = &self.source.text;
        let marker = format!("\"{FILL}");
        let mut from = 0;
        while let Some(at) = text[from..].find(&marker) {
            let start = from + at;
            let end = text[start + 1..]
                .find(['"', '\n'])
                .map_or(text.len(), |e| start + 1 + e + 1);
            from = end.max(start + 1);
            let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
            if text[line_start..start].contains('#') {
                continue;
            }
            let what = text[start + 1 + FILL.len()..end]
                .trim_end_matches('"')
                .trim_end_matches('>')
                .trim();
            let f = Finding::error("profile::unfilled", format!("{what}: still to fill in"))
                .at(&self.source.name, text, start..end)
                .label("replace this marker, quotes included");
            self.findings.push(f);
        }
    }

    /// A finding at `span` of the working copy, unless the span is a placeholder or a
    /// marker still to fill in (reported as such).
    fn report(&mut self, f: Finding, span: Range<usize>, label: &str) {
        let span = self
            .edits
            .original(span)
            .filter(|s| !is_unfilled(&self.source.text, s.clone()));
        if let Some(span) = span {
            let f = f
                .at(&self.source.name, &self.source.text, span)
                .label(label);
            self.findings.push(f);
        }
    }

    fn edit(&mut self, at: usize, removed: usize, text: &str) {
        self.work.replace_range(at..at + removed, text);
        self.edits.0.push(Edit {
            at,
            removed,
            inserted: text.len(),
        });
    }

    fn line_start(&self, at: usize) -> usize {
        self.work[..at.min(self.work.len())]
            .rfind('\n')
            .map_or(0, |n| n + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.work[at..]
            .find('\n')
            .map_or(self.work.len(), |n| at + n + 1)
    }

    /// Comments out the line holding `at`; remembers its key. `None` if it already is.
    fn comment_out(&mut self, at: usize) -> Option<Range<usize>> {
        let start = self.line_start(at);
        let line = &self.work[start..self.line_end(start)];
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            return None;
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim().trim_matches('"').to_owned();
            self.dropped_keys.insert(key);
        }
        self.edit(start, 0, "#");
        Some(start..self.line_end(start))
    }

    /// A line that is not TOML: reported (unless it continues the previous broken line)
    /// and commented out.
    fn syntax(&mut self, e: &toml::de::Error) -> Option<()> {
        let span = e.span().unwrap_or(self.work.len()..self.work.len());
        let start = self.line_start(span.start);
        let message = e.message().trim().to_owned();
        let continues =
            self.last_syntax_line_end == Some(start) && !starts_statement(&self.work[start..]);
        if !continues {
            let f = Finding::error(
                "profile::syntax",
                format!("invalid profile {}: {message}", self.source.name),
            );
            self.report(f, span, &message);
        }
        let line = self.comment_out(start)?;
        self.last_syntax_line_end = Some(line.end);
        Some(())
    }

    /// A problem of shape: an unknown or missing key, or a value of the wrong type.
    fn shape(&mut self, e: &toml::de::Error) -> Option<()> {
        let message = e.message().trim().to_owned();
        let span = e.span();
        if let Some(rest) = message.strip_prefix("unknown field ") {
            let span = span?;
            let key = backticked(rest).next().unwrap_or_default().to_owned();
            let mut f = Finding::error(
                "profile::unknown-key",
                format!("invalid profile {}: {message}", self.source.name),
            );
            if let Some(s) = diag::did_you_mean(&key, backticked(rest).skip(1)) {
                f = f.note(s);
            }
            self.report(f, span.clone(), "unknown key");
            return self.drop_key(span.start);
        }
        if let Some(rest) = message.strip_prefix("missing field ") {
            let key = backticked(rest).next().unwrap_or_default().to_owned();
            if !self.dropped_keys.contains(&key) {
                let f = Finding::error(
                    "profile::missing-key",
                    format!("invalid profile {}: {message}", self.source.name),
                );
                match table_of(span.clone()) {
                    Some(s) => self.report(f, s, "in this table"),
                    // A whole table: there is no place to point at.
                    None => self.findings.push(f.note(format!("add a [{key}] table"))),
                }
            }
            return self.insert_key(&key, span);
        }
        let span = span?;
        let f = self.invalid_value(&message, span.clone());
        self.report(f, span.clone(), "here");
        match placeholder(&message) {
            Some(value) => self.edit(span.start, span.len(), &value),
            None => {
                self.comment_out(span.start)?;
            }
        }
        Some(())
    }

    /// A value of the wrong type or outside its choices, with a hint for the usual slips.
    fn invalid_value(&self, message: &str, span: Range<usize>) -> Finding {
        let written = self.work.get(span.clone()).unwrap_or("");
        let mut f = Finding::error(
            "profile::invalid-value",
            format!("invalid profile {}: {message}", self.source.name),
        );
        let unquoted = written.trim_matches(['"', '\'']);
        if message.contains("TOML datetime")
            && written.starts_with(['"', '\''])
            && unquoted.parse::<toml::value::Datetime>().is_ok()
        {
            f = f.note(format!(
                "write the date without quotes: {unquoted} (a TOML date), not {written}"
            ));
        } else if message.starts_with("unknown variant") {
            let choices: Vec<&str> = backticked(message).skip(1).collect();
            f = f.note(format!("write one of: {}", choices.join(", ")));
            if let Some(s) = diag::did_you_mean(unquoted, choices) {
                f = f.note(s);
            }
        }
        f
    }

    /// Comments out an unknown key; for a table header, the whole table with it.
    fn drop_key(&mut self, at: usize) -> Option<()> {
        let start = self.line_start(at);
        let header = self.work[start..].trim_start().starts_with('[');
        let mut line = self.comment_out(start)?;
        while header && line.end < self.work.len() {
            let next = &self.work[line.end..self.line_end(line.end)];
            if next.trim_start().starts_with('[') {
                break;
            }
            line = self
                .comment_out(line.end)
                .unwrap_or(line.end..self.line_end(line.end));
        }
        Some(())
    }

    /// Inserts a missing key with a placeholder: after the header of the table the error
    /// points at, or as a new table at the end when the whole table is missing.
    fn insert_key(&mut self, key: &str, span: Option<Range<usize>>) -> Option<()> {
        match table_of(span) {
            Some(s) if self.work[s.start..].trim_start().starts_with('[') => {
                let at = self.line_end(s.start);
                let sep = if self.work[..at].ends_with('\n') {
                    ""
                } else {
                    "\n"
                };
                self.edit(at, 0, &format!("{sep}{key} = \"\"\n"));
            }
            Some(_) => return None,
            None => {
                let at = self.work.len();
                self.edit(at, 0, &format!("\n[{key}]\n"));
            }
        }
        Some(())
    }
}

/// The span of the table a missing-key error points at; `None` for the top level (the
/// reader points at the start of the file, with an empty span).
fn table_of(span: Option<Range<usize>>) -> Option<Range<usize>> {
    span.filter(|s| s.start > 0 || !s.is_empty())
}

/// Whether `line` starts a TOML statement (a table header or `key =`), rather than going
/// on with a multi-line value broken above it.
fn starts_statement(line: &str) -> bool {
    let line = line.lines().next().unwrap_or("").trim_start();
    if line.starts_with('[') {
        return true;
    }
    line.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' '))
    })
}

/// The names between backticks in a serde message, in order.
fn backticked(message: &str) -> impl Iterator<Item = &str> {
    message.split('`').skip(1).step_by(2)
}

/// A value of the type a serde message expects, to stand in for a wrong one.
fn placeholder(message: &str) -> Option<String> {
    let expected = message.rsplit("expected ").next().unwrap_or("");
    let value = if expected.contains("datetime") {
        "1979-05-27"
    } else if message.starts_with("unknown variant") {
        // Any of the choices will do: it is never shown.
        return backticked(message).nth(1).map(|v| format!("\"{v}\""));
    } else if expected.contains("string") {
        "\"\""
    } else if expected.contains("sequence") {
        "[]"
    } else if expected.contains("boolean") {
        "false"
    } else if expected.contains("integer")
        || expected.starts_with('i')
        || expected.starts_with('u')
        || message.contains("untagged enum")
    {
        "0"
    } else {
        return None;
    };
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Option<RawProfile>, Vec<String>) {
        let source = SourceFile {
            name: "p.toml".into(),
            text: text.into(),
        };
        let (raw, findings, _) = profile(&source);
        let shown = findings
            .iter()
            .map(|f| {
                let line = f.location.as_ref().map_or(0, |l| l.line);
                format!("{}:{line}", f.code)
            })
            .collect();
        (raw, shown)
    }

    const GOOD: &str = "[customer]\nlegal-name = \"A\"\n[contract]\nreference = \"C\"\nannex-number = 3\neffective-date = 2026-12-01\nstatus = \"draft\"\n[location]\nregion = \"GRA\"\n[subscription]\nservices = [\"data-processing\"]\n";

    #[test]
    fn a_good_profile_reads_without_repair() {
        let (raw, found) = read(GOOD);
        assert!(raw.is_some());
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn every_problem_is_reported_once_at_its_line() {
        let text = GOOD
            .replace(
                "effective-date = 2026-12-01",
                "effective-date = \"2026-12-01\"",
            )
            .replace(
                "status = \"draft\"",
                "status = \"draft\"\nlanguage = \"xx\"",
            )
            .replace("legal-name = \"A\"", "legal-name = \"A")
            .replace("region = \"GRA\"", "regoin = \"GRA\"");
        let (raw, found) = read(&text);
        assert!(raw.is_some(), "every problem repaired");
        assert_eq!(
            found,
            [
                "profile::syntax:2",
                "profile::invalid-value:6",
                "profile::invalid-value:8",
                "profile::unknown-key:10",
                "profile::missing-key:9",
            ]
        );
    }

    #[test]
    fn markers_left_to_fill_are_reported_once_each() {
        let text = GOOD
            .replace("\"A\"", "\"<FILL: legal name>\"")
            .replace("2026-12-01", "\"<FILL: date>\" # \"<FILL: not this>\"");
        let (_, found) = read(&text);
        assert_eq!(found, ["profile::unfilled:2", "profile::unfilled:6"]);
    }

    #[test]
    fn reading_stops_after_the_limit_of_problems_and_says_so() {
        let bad: String = (0..MAX_PROFILE_PARSE_PROBLEMS + 50)
            .map(|i| format!("bad{i} = = 1\n"))
            .collect();
        let (raw, found) = read(&format!("{GOOD}{bad}"));
        assert!(raw.is_none());
        assert_eq!(found.len(), MAX_PROFILE_PARSE_PROBLEMS + 1, "{found:?}");
        let source = SourceFile {
            name: "p.toml".into(),
            text: format!("{GOOD}{bad}"),
        };
        let last = profile(&source).1.pop().unwrap();
        assert!(last.message.contains("stopped after"), "{}", last.message);
    }

    #[test]
    fn a_missing_table_is_reported_and_stood_in_for() {
        let text = GOOD.replace("[location]\nregion = \"GRA\"\n", "");
        let (raw, found) = read(&text);
        assert!(raw.is_some());
        assert_eq!(found, ["profile::missing-key:0"]);
    }

    proptest::proptest! {
        /// Any text, and the good profile with any slip inserted anywhere: findings or a
        /// profile, never a panic, and every finding placed inside the text.
        #[test]
        fn any_text_reads_without_panic(
            noise in "[\\[\\]a-z=\"'#{},.0-9 \n-]{0,120}",
            at in 0usize..400,
        ) {
            let at = at % (GOOD.len() + 1);
            for text in [noise.clone(), format!("{}{noise}{}", &GOOD[..at], &GOOD[at..])] {
                let source = SourceFile { name: "p.toml".into(), text: text.clone() };
                let (_, findings, _) = profile(&source);
                for f in findings {
                    if let Some(l) = f.location {
                        proptest::prop_assert!(l.span.end <= text.len());
                    }
                }
            }
        }
    }

    #[test]
    fn spans_map_back_through_edits() {
        let edits = Edits(vec![
            Edit {
                at: 5,
                removed: 0,
                inserted: 1,
            },
            Edit {
                at: 10,
                removed: 4,
                inserted: 2,
            },
        ]);
        assert_eq!(edits.original(0..3), Some(0..3));
        assert_eq!(edits.original(6..8), Some(5..7));
        assert_eq!(edits.original(13..15), Some(14..16));
        assert_eq!(edits.original(10..12), None);
        assert_eq!(edits.original(5..5), None);
    }
}
