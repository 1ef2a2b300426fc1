//! Findings: what validation and `annex check` report about the inputs, with their source
//! spans, printed like a compiler's diagnostics (codespan-reporting) or as JSON.
//!
//! Invariant: a finding carries a stable rule code (`profile::unknown-region`, …) and, where
//! the problem has a place in a file, the byte range of that place in the text that was read,
//! so that the line and column printed are the ones an editor shows.
//!
//! A report stays in proportion to its input: at most [`MAX_SHOWN_PER_RULE`] findings of a
//! rule and [`MAX_SHOWN_PER_LINE`] of a source line are shown, the rest counted ("… and N
//! more"), and a source line longer than [`MAX_SNIPPET_CHARS`] is shown as a window around
//! the place, cut with `…`. Places are computed with a [`LineIndex`] built once per text, so
//! placing n findings in a text of m bytes costs O(m + n log m), not O(n × m).

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

use crate::limits::{
    thousands, MAX_MESSAGE_CHARS, MAX_SHOWN_PER_LINE, MAX_SHOWN_PER_RULE, MAX_SNIPPET_CHARS,
};

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

/// Builds a [`Location`] for a byte range of a text. Costs a pass over the text: to place
/// many findings in one text, build a [`LineIndex`] once.
pub fn locate(file: &str, text: &str, span: Range<usize>, label: Option<String>) -> Location {
    LineIndex::new(text).locate(file, text, span, label)
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte range of 1-based `line` (without its line break), for sources whose reader
/// reports lines rather than byte offsets. Costs a pass over the text (see [`LineIndex`]).
pub fn line_span(text: &str, line: usize) -> Range<usize> {
    LineIndex::new(text).line_span(text, line)
}

/// Where `value`, a value read without its place, is first written in `text`: the byte
/// range of its first 40 characters there (a value the file writes with escapes is not
/// found). A pass over the text: callers bound how often they ask.
pub fn written_at(text: &str, value: &str) -> Option<Range<usize>> {
    let head: String = value.chars().take(40).collect();
    let at = text.find(&head)?;
    Some(at..at + head.len())
}

/// Where the lines of one text start: turns byte offsets into lines and columns, and lines
/// into byte ranges, without rescanning the text. Columns are counted from the previous
/// place when it is on the same line and before, so that many places on one long line
/// (10,000 ids in one array) cost the line's length once, not once per place.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Byte offset and 1-based column of the last place located.
    last: Cell<(usize, usize)>,
}

impl LineIndex {
    /// Indexes the lines of `text` (one pass).
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            last: Cell::new((0, 1)),
        }
    }

    /// The 0-based line holding byte `offset`.
    fn line_index(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The byte range of 1-based `line` of `text` (the indexed one), without its line break;
    /// an empty range at the end for a line past the end.
    pub fn line_span(&self, text: &str, line: usize) -> Range<usize> {
        if line == 0 || line > self.starts.len() {
            return text.len()..text.len();
        }
        let start = self.starts[line - 1].min(text.len());
        let end = self.starts.get(line).map_or(text.len(), |&n| n);
        let trimmed = text[start..end].trim_end_matches(['\n', '\r']);
        if line == self.starts.len() && start == text.len() {
            // The empty "line" after a final line break is not a line.
            return text.len()..text.len();
        }
        start..start + trimmed.len()
    }

    /// A [`Location`] for `span` of `text` (the indexed one).
    pub fn locate(
        &self,
        file: &str,
        text: &str,
        span: Range<usize>,
        label: Option<String>,
    ) -> Location {
        let start = floor_char(text, span.start);
        let line = self.line_index(start);
        let line_start = self.starts[line];
        let (last_at, last_col) = self.last.get();
        let column = if (line_start..=start).contains(&last_at) {
            last_col + text[last_at..start].chars().count()
        } else {
            text[line_start..start].chars().count() + 1
        };
        self.last.set((start, column));
        Location {
            file: file.to_owned(),
            line: line + 1,
            column,
            span,
            label,
        }
    }

    /// Places `f` at `span` of `file`, whose text is `text` (the indexed one).
    pub fn place(&self, mut f: Finding, file: &str, text: &str, span: Range<usize>) -> Finding {
        f.location = Some(self.locate(file, text, span, None));
        f
    }
}

/// Which findings a report shows, and how many of each rule it leaves out: at most
/// [`MAX_SHOWN_PER_RULE`] of a rule and [`MAX_SHOWN_PER_LINE`] of a line, first ones first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown {
    /// Indices of the findings shown, in order.
    pub indices: Vec<usize>,
    /// Rule code → findings of it not shown, in order of the rule's first finding.
    pub omitted: Vec<(String, usize)>,
}

impl Shown {
    /// Caps `findings` (in the order given).
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Shown {
        let mut per_rule: HashMap<&str, usize> = HashMap::new();
        let mut per_line: HashMap<(&str, usize), usize> = HashMap::new();
        let mut omitted: Vec<(String, usize)> = Vec::new();
        let mut omitted_at: HashMap<&str, usize> = HashMap::new();
        let mut indices = Vec::new();
        for (i, f) in findings.into_iter().enumerate() {
            let rule = per_rule.entry(f.code.as_str()).or_default();
            let line = f
                .location
                .as_ref()
                .map(|l| per_line.entry((l.file.as_str(), l.line)).or_default());
            let line_full = line.as_ref().is_some_and(|n| **n >= MAX_SHOWN_PER_LINE);
            if *rule < MAX_SHOWN_PER_RULE && !line_full {
                *rule += 1;
                if let Some(n) = line {
                    *n += 1;
                }
                indices.push(i);
            } else {
                let at = *omitted_at.entry(f.code.as_str()).or_insert_with(|| {
                    omitted.push((f.code.clone(), 0));
                    omitted.len() - 1
                });
                omitted[at].1 += 1;
            }
        }
        Shown { indices, omitted }
    }

    /// The lines that say what was left out: `... and 9,990 more profile::unknown-service
    /// findings (…)`.
    pub fn omitted_lines(&self) -> String {
        self.omitted
            .iter()
            .map(|(code, n)| {
                format!(
                    "... and {} more {code} finding{} (a report shows at most {MAX_SHOWN_PER_RULE} per rule and {MAX_SHOWN_PER_LINE} per line)\n",
                    thousands(*n),
                    if *n == 1 { "" } else { "s" }
                )
            })
            .collect()
    }
}

/// The texts of the files findings point into, so that they can be shown with snippets.
#[derive(Default)]
pub struct Sources {
    files: Vec<SourceText>,
    ids: HashMap<String, usize>,
}

struct SourceText {
    name: String,
    text: String,
    index: LineIndex,
}

impl Sources {
    /// Registers the text of `name`.
    pub fn add(&mut self, name: &str, text: &str) {
        if !self.ids.contains_key(name) {
            self.files.push(SourceText {
                name: name.to_owned(),
                text: text.to_owned(),
                index: LineIndex::new(text),
            });
            self.ids.insert(name.to_owned(), self.files.len() - 1);
        }
    }

    /// Renders findings like a compiler does: severity, code, message, `file:line:col`, the
    /// source line with the offending part underlined, and notes. Capped as [`Shown`] says,
    /// with a line per rule saying how many were left out; long lines are windowed.
    pub fn render(&self, findings: &[Finding], color: bool) -> String {
        let mut buffer = if color {
            termcolor::Buffer::ansi()
        } else {
            termcolor::Buffer::no_color()
        };
        let config = term::Config::default();
        let shown = Shown::of(findings);
        for &i in &shown.indices {
            let f = &findings[i];
            let mut view = View {
                sources: self,
                windows: Vec::new(),
            };
            let diag = view.diagnostic(f);
            // Writing into an in-memory buffer cannot fail short of a bug in the spans.
            if term::emit(&mut buffer, &config, &view, &diag).is_err() {
                let _ =
                    std::io::Write::write_all(&mut buffer, format!("{}\n", f.message).as_bytes());
            }
        }
        let mut out = String::from_utf8_lossy(buffer.as_slice()).into_owned();
        out.push_str(&shown.omitted_lines());
        out
    }
}

/// The files one finding's snippet is drawn from: the registered texts, and a window of
/// each line too long to show whole.
struct View<'s> {
    sources: &'s Sources,
    windows: Vec<Window>,
}

/// A piece of one long source line, shown in its place: `…` + at most
/// [`MAX_SNIPPET_CHARS`] characters + `…`.
struct Window {
    name: String,
    text: String,
    /// 1-based line of the source it comes from.
    line: usize,
    /// 1-based column, in the source line, of the first character after the leading `…`.
    first_column: usize,
    /// Bytes of the leading `…` (0 when the window starts the line).
    prefix: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileId {
    Whole(usize),
    Window(usize),
}

impl View<'_> {
    fn diagnostic(&mut self, f: &Finding) -> Diagnostic<FileId> {
        let diag = match f.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
            Severity::Note => Diagnostic::note(),
        };
        let mut labels = Vec::new();
        let mut notes: Vec<String> = f.notes.iter().map(|n| cut(n)).collect();
        let mut push = |view: &mut Self, loc: &Location, primary: bool| match view.label_place(loc)
        {
            Some((id, span)) => {
                let label = if primary {
                    Label::primary(id, span)
                } else {
                    Label::secondary(id, span)
                };
                labels.push(label.with_message(cut(loc.label.as_deref().unwrap_or(""))));
            }
            None => notes.push(format!("at {}:{}:{}", loc.file, loc.line, loc.column)),
        };
        if let Some(loc) = &f.location {
            push(self, loc, true);
        }
        for loc in &f.related {
            push(self, loc, false);
        }
        diag.with_message(cut(&f.message))
            .with_code(&f.code)
            .with_labels(labels)
            .with_notes(notes)
    }

    /// The file and span a label is drawn at: its line in the registered text, or a window
    /// of that line when it is too long. A span running over several lines is cut at the
    /// end of its first line.
    fn label_place(&mut self, loc: &Location) -> Option<(FileId, Range<usize>)> {
        let &id = self.sources.ids.get(&loc.file)?;
        let source = &self.sources.files[id];
        let text = source.text.as_str();
        let start = floor_char(text, loc.span.start);
        let line = source.index.line_index(start) + 1;
        let line_span = source.index.line_span(text, line);
        let end = floor_char(text, loc.span.end.clamp(start, line_span.end.max(start)));
        let line_text = &text[line_span.start..line_span.end.max(line_span.start)];
        if line_text.len() <= MAX_SNIPPET_CHARS || line_text.chars().count() <= MAX_SNIPPET_CHARS {
            return Some((FileId::Whole(id), start..end));
        }
        // A window starting a quarter of its width before the place.
        let before: Vec<usize> = text[line_span.start..start]
            .char_indices()
            .map(|(i, _)| line_span.start + i)
            .collect();
        let lead = MAX_SNIPPET_CHARS / 4;
        let from = before.len().saturating_sub(lead);
        let w_start = before.get(from).copied().unwrap_or(start);
        let w_end = text[w_start..line_span.end]
            .char_indices()
            .nth(MAX_SNIPPET_CHARS)
            .map_or(line_span.end, |(i, _)| w_start + i);
        let prefix = if w_start > line_span.start { "…" } else { "" };
        let suffix = if w_end < line_span.end { "…" } else { "" };
        let window = Window {
            name: source.name.clone(),
            text: format!("{prefix}{}{suffix}", &text[w_start..w_end]),
            line,
            first_column: from + 1,
            prefix: prefix.len(),
        };
        let shift = |b: usize| b.clamp(w_start, w_end) - w_start + prefix.len();
        let span = shift(start)..shift(end);
        self.windows.push(window);
        Some((FileId::Window(self.windows.len() - 1), span))
    }
}

/// `text` as a report shows it: whole, or cut in the middle to [`MAX_MESSAGE_CHARS`]
/// characters with `…` (a message may quote a cell of any length; its end usually says
/// what is wrong).
pub fn cut(text: &str) -> String {
    let n = text.chars().count();
    if n <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_MESSAGE_CHARS * 3 / 4).collect();
    let tail: String = text.chars().skip(n - MAX_MESSAGE_CHARS / 4).collect();
    format!("{head}…{tail}")
}

impl View<'_> {
    /// The name and text of a file of the view: a whole source, or a window of one.
    fn file(&self, id: FileId) -> Result<(&str, &str), FilesError> {
        match id {
            FileId::Whole(i) => {
                (self.sources.files.get(i)).map(|f| (f.name.as_str(), f.text.as_str()))
            }
            FileId::Window(i) => (self.windows.get(i)).map(|w| (w.name.as_str(), w.text.as_str())),
        }
        .ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for View<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.file(id).map(|(name, _)| name)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.file(id).map(|(_, text)| text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        match id {
            FileId::Whole(i) => {
                let file = self.sources.files.get(i).ok_or(FilesError::FileMissing)?;
                Ok(file.index.line_index(byte_index))
            }
            FileId::Window(_) => Ok(0),
        }
    }

    fn line_number(&'a self, id: FileId, line_index: usize) -> Result<usize, FilesError> {
        match id {
            FileId::Whole(_) => Ok(line_index + 1),
            FileId::Window(i) => Ok(self.windows.get(i).ok_or(FilesError::FileMissing)?.line),
        }
    }

    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        match id {
            FileId::Whole(_) => {
                let source = self.source(id)?;
                let range = self.line_range(id, line_index)?;
                let at = floor_char(source, byte_index.clamp(range.start, range.end));
                Ok(source[range.start..at].chars().count() + 1)
            }
            FileId::Window(i) => {
                let w = self.windows.get(i).ok_or(FilesError::FileMissing)?;
                let at = floor_char(&w.text, byte_index.max(w.prefix));
                Ok(w.first_column + w.text[w.prefix..at].chars().count())
            }
        }
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        match id {
            FileId::Whole(i) => {
                let file = self.sources.files.get(i).ok_or(FilesError::FileMissing)?;
                let starts = &file.index.starts;
                let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
                    given: line_index,
                    max: starts.len() - 1,
                })?;
                let end = starts
                    .get(line_index + 1)
                    .copied()
                    .unwrap_or(file.text.len());
                Ok(start..end)
            }
            FileId::Window(i) => Ok(0..self
                .windows
                .get(i)
                .ok_or(FilesError::FileMissing)?
                .text
                .len()),
        }
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
    suggestions(word, candidates).into_iter().next()
}

/// Most names a "did you mean" hint offers.
const MAX_SUGGESTIONS: usize = 3;

/// The candidates `word` may have meant, best first: those within a small edit distance
/// (case aside), then those that contain it or that it contains (`kubernetes` →
/// `managed-kubernetes`), at most [`MAX_SUGGESTIONS`]. The one rule for "did you mean".
pub fn suggestions<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let word_l = word.to_lowercase();
    let mut ranked: Vec<(usize, usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let c_l = c.to_lowercase();
            let d = levenshtein(&word_l, &c_l);
            if d <= 2.max(c.chars().count() / 3) {
                return Some((0, d, c));
            }
            // Three characters at least: `a` is in every name.
            let part = word_l.chars().count() >= 3
                && c_l.chars().count() >= 3
                && (c_l.contains(&word_l) || word_l.contains(&c_l));
            part.then_some((1, d, c))
        })
        .collect();
    ranked.sort_by_key(|&(rank, d, c)| (rank, d, c));
    ranked.dedup_by_key(|&mut (_, _, c)| c);
    ranked
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, _, c)| c)
        .collect()
}

/// The "did you mean" note for `word`, if any candidate is close: see [`suggestions`].
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let found = suggestions(word, candidates);
    let quoted: Vec<String> = found.iter().map(|c| format!("`{c}`")).collect();
    match quoted.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean {one}?")),
        [init @ .., last] => Some(format!("did you mean {} or {last}?", init.join(", "))),
    }
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

/// A location as messages show it: a URL's password replaced by `****`, its query (which
/// may carry `password=`) left out; anything else as given. For the register's PostgreSQL
/// URL and a TSA's (`http://user:password@tsa…`, which HTTP basic authentication reads).
pub fn shown_url(location: &str) -> String {
    let Some((scheme, rest)) = location.split_once("://") else {
        return location.to_owned();
    };
    let rest = rest.split('?').next().unwrap_or("");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = match user.split_once(':') {
                Some((name, _)) => format!("{name}:****"),
                None => user.to_owned(),
            };
            format!("{scheme}://{user}@{host}{path}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

/// How a document names an input: its file's own name, never a directory (a document is
/// sent to others, and where the user keeps files is nobody's business); a URL stays whole,
/// and a sealed annex read as a matrix (`<file>#matrix.json`) keeps its `#matrix.json`.
/// Messages on the user's terminal keep the path as given.
pub fn shown_name(name: &str) -> String {
    if name.contains("://") {
        return name.to_owned();
    }
    // Both separators: a path written on Windows is read on Unix too.
    name.rsplit(['/', '\\']).next().unwrap_or(name).to_owned()
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
        assert_eq!(
            suggestions("kubernetes", ["managed-kubernetes", "object-storage"]),
            ["managed-kubernetes"]
        );
        assert_eq!(
            did_you_mean("kubernetes", ["kubernetes-x", "managed-kubernetes"]).as_deref(),
            Some("did you mean `kubernetes-x` or `managed-kubernetes`?")
        );
        assert_eq!(
            suggestions("ku", ["managed-kubernetes"]),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn the_line_index_agrees_with_a_scan_in_any_order() {
        let text = "ab\r\nçd é\n\nlast";
        let index = LineIndex::new(text);
        let naive = |at: usize| {
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            (line, before[start..].chars().count() + 1)
        };
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        // Forwards (the incremental column), then backwards (a fresh count each time).
        for &at in offsets.iter().chain(offsets.iter().rev()) {
            let loc = index.locate("f", text, at..at, None);
            assert_eq!((loc.line, loc.column), naive(at), "offset {at}");
        }
        assert_eq!(&text[index.line_span(text, 1)], "ab");
        assert_eq!(&text[index.line_span(text, 2)], "çd é");
        assert_eq!(&text[index.line_span(text, 3)], "");
        assert_eq!(&text[index.line_span(text, 4)], "last");
        assert_eq!(index.line_span(text, 5), text.len()..text.len());
        assert_eq!(index.line_span(text, 0), text.len()..text.len());
        let ended = "one\n";
        assert_eq!(line_span(ended, 2), ended.len()..ended.len());
    }

    #[test]
    fn reports_show_the_first_findings_of_each_rule_and_line_and_count_the_rest() {
        let text = format!("{}\nshort\n", "x".repeat(1_000));
        let mut findings = Vec::new();
        for i in 0..30 {
            findings.push(Finding::error("a::one-line", "on line 1").at("f", &text, i..i + 1));
        }
        for _ in 0..25 {
            findings.push(Finding::warning("b::nowhere", "no place"));
        }
        let shown = Shown::of(&findings);
        assert_eq!(shown.indices.len(), MAX_SHOWN_PER_LINE + MAX_SHOWN_PER_RULE);
        assert_eq!(
            shown.omitted,
            [
                ("a::one-line".to_owned(), 30 - MAX_SHOWN_PER_LINE),
                ("b::nowhere".to_owned(), 25 - MAX_SHOWN_PER_RULE)
            ]
        );
        let mut sources = Sources::default();
        sources.add("f", &text);
        let out = sources.render(&findings, false);
        assert!(
            out.contains("... and 20 more a::one-line findings"),
            "{out}"
        );
        assert!(out.contains("... and 5 more b::nowhere findings"), "{out}");
        // The 1,000-character line is shown as a window: `…` only after it.
        assert!(
            out.contains(&format!("1 │ {}…\n", "x".repeat(MAX_SNIPPET_CHARS))),
            "{out}"
        );
        assert!(
            out.lines()
                .all(|l| l.chars().count() < MAX_SNIPPET_CHARS + 20),
            "{out}"
        );
    }

    #[test]
    fn long_messages_are_cut_in_the_middle() {
        let long = format!("{}{}", "a".repeat(1_000), "the end");
        let cut = cut(&long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with("aathe end") && cut.contains('…'));
        assert_eq!(super::cut("short"), "short");
    }

    #[test]
    fn line_span_excludes_the_line_break() {
        let text = "one\ntwo\r\nthree";
        assert_eq!(&text[line_span(text, 2)], "two");
        assert_eq!(&text[line_span(text, 3)], "three");
    }

    #[test]
    fn passwords_are_never_shown() {
        assert_eq!(
            shown_url("postgres://annex:s3cret@db.example:5432/annex"),
            "postgres://annex:****@db.example:5432/annex"
        );
        assert_eq!(
            shown_url("postgres://annex@host/db"),
            "postgres://annex@host/db"
        );
        assert_eq!(shown_url("register.db"), "register.db");
        assert!(!shown_url("postgresql://u:p%40ss@h/db").contains("p%40ss"));
    }
}
