//! Findings: what validation and `annex check` report about the inputs, with their source
//! spans, printed like a compiler's diagnostics (codespan-reporting) or as JSON.
//!
//! Invariant: a finding carries a stable rule code (`profile::unknown-region`, …) and, where
//! the problem has a place in a file, the byte range of that place in the text that was read,
//! so that the line and column printed are the ones an editor shows.

use std::collections::HashMap;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Stops rendering (exit code 1).
    Error,
    /// Printed, and listed in the audit document; does not stop rendering.
    Warning,
    /// Information (an import repair, for instance).
    Note,
}

/// A place in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte range in the file's text.
    #[serde(skip)]
    pub span: Range<usize>,
    /// What this place is, shown under the underline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// One finding about the inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Severity after the policy was applied.
    pub severity: Severity,
    /// Stable rule code, e.g. `profile::unknown-region`.
    pub code: String,
    /// One-line message naming the field and the problem.
    pub message: String,
    /// Where the problem is, if it has a place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Other places involved (the other document of a cross-document conflict, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Location>,
    /// Hints such as "did you mean `GRA`?".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Finding {
    /// A finding with no location yet.
    pub fn new(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            code: code.to_owned(),
            message: message.into(),
            location: None,
            related: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// An error finding.
    pub fn error(code: &str, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, code, message)
    }

    /// A warning finding.
    pub fn warning(code: &str, message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, code, message)
    }

    /// Places the finding at `span` of `file` (whose text is `text`).
    pub fn at(mut self, file: &str, text: &str, span: Range<usize>) -> Finding {
        self.location = Some(locate(file, text, span, None));
        self
    }

    /// Sets the label shown under the underline.
    pub fn label(mut self, label: impl Into<String>) -> Finding {
        if let Some(loc) = &mut self.location {
            loc.label = Some(label.into());
        }
        self
    }

    /// Adds a hint.
    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }
}

/// Builds a [`Location`] for a byte range of a text.
pub fn locate(file: &str, text: &str, span: Range<usize>, label: Option<String>) -> Location {
    let start = span.start.min(text.len());
    let before = &text[..floor_char(text, start)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Location {
        file: file.to_owned(),
        line,
        column,
        span,
        label,
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte range of 1-based `line` (without its line break), for sources whose reader
/// reports lines rather than byte offsets.
pub fn line_span(text: &str, line: usize) -> Range<usize> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let trimmed = l.trim_end_matches(['\n', '\r']);
            return start..start + trimmed.len();
        }
        start += l.len();
    }
    text.len()..text.len()
}

/// The texts of the files findings point into, so that they can be shown with snippets.
pub struct Sources {
    files: SimpleFiles<String, String>,
    ids: HashMap<String, usize>,
}

impl Default for Sources {
    fn default() -> Sources {
        Sources {
            files: SimpleFiles::new(),
            ids: HashMap::new(),
        }
    }
}

impl Sources {
    /// Registers the text of `name`.
    pub fn add(&mut self, name: &str, text: &str) {
        if !self.ids.contains_key(name) {
            let id = self.files.add(name.to_owned(), text.to_owned());
            self.ids.insert(name.to_owned(), id);
        }
    }

    /// Renders findings like a compiler does: severity, code, message, `file:line:col`, the
    /// source line with the offending part underlined, and notes.
    pub fn render(&self, findings: &[Finding], color: bool) -> String {
        let mut buffer = if color {
            termcolor::Buffer::ansi()
        } else {
            termcolor::Buffer::no_color()
        };
        let config = term::Config::default();
        for f in findings {
            let diag = self.diagnostic(f);
            // Writing into an in-memory buffer cannot fail short of a bug in the spans.
            if term::emit(&mut buffer, &config, &self.files, &diag).is_err() {
                let _ =
                    std::io::Write::write_all(&mut buffer, format!("{}\n", f.message).as_bytes());
            }
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }

    fn diagnostic(&self, f: &Finding) -> Diagnostic<usize> {
        let diag = match f.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
            Severity::Note => Diagnostic::note(),
        };
        let mut labels = Vec::new();
        let mut notes = f.notes.clone();
        let mut push = |loc: &Location, primary: bool| match self.ids.get(&loc.file) {
            Some(&id) => {
                let label = if primary {
                    Label::primary(id, loc.span.clone())
                } else {
                    Label::secondary(id, loc.span.clone())
                };
                labels.push(label.with_message(loc.label.clone().unwrap_or_default()));
            }
            None => notes.push(format!("at {}:{}:{}", loc.file, loc.line, loc.column)),
        };
        if let Some(loc) = &f.location {
            push(loc, true);
        }
        for loc in &f.related {
            push(loc, false);
        }
        diag.with_message(&f.message)
            .with_code(&f.code)
            .with_labels(labels)
            .with_notes(notes)
    }
}

/// How many findings are errors and how many warnings.
pub fn counts(findings: &[Finding]) -> (usize, usize) {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    (count(Severity::Error), count(Severity::Warning))
}

/// Counts of findings by severity, for the summary line.
pub fn summary(findings: &[Finding]) -> String {
    let (errors, warnings) = counts(findings);
    format!(
        "{errors} error{}, {warnings} warning{}",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    )
}

/// The closest candidate to `word` (for "did you mean" hints), if one is close enough.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_l = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&word_l, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 2.max(c.chars().count() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_counts_lines_and_chars() {
        let text = "a = 1\nrégion = \"XX\"\n";
        let at = text.find("\"XX\"").unwrap();
        let loc = locate("p.toml", text, at..at + 4, None);
        assert_eq!((loc.line, loc.column), (2, 10));
    }

    #[test]
    fn suggestions_are_close_words_only() {
        assert_eq!(suggest("GRAA", ["GRA", "SBG", "WAW"]), Some("GRA"));
        assert_eq!(suggest("zzzzzz", ["GRA", "SBG"]), None);
    }

    #[test]
    fn line_span_excludes_the_line_break() {
        let text = "one\ntwo\r\nthree";
        assert_eq!(&text[line_span(text, 2)], "two");
        assert_eq!(&text[line_span(text, 3)], "three");
    }
}
