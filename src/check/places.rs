//! Where things are in a matrix's source text (a Markdown letter cell, a canonical file's
//! quoted letters or id), so that a finding underlines the exact cell.

use std::ops::Range;

use crate::diag::{self, Finding, Location};
use crate::load::{LoadedMatrix, MatrixFormat};
use crate::model::Activity;

/// Where things are in a matrix's source text, for underlining.
pub(super) struct Places<'a> {
    loaded: &'a LoadedMatrix,
    markdown: bool,
    /// Canonical files: byte range of each activity's quoted id, by ordinal.
    ids: Vec<Option<Range<usize>>>,
    /// Built once, so that placing a finding does not rescan the text.
    index: diag::LineIndex,
}

impl<'a> Places<'a> {
    pub(super) fn new(loaded: &'a LoadedMatrix) -> Places<'a> {
        let markdown = loaded.format == MatrixFormat::Page;
        let text = loaded.source.text.as_str();
        let mut ids = Vec::new();
        // In source order, each search starting after the previous id: a duplicated id
        // then points at its own occurrence.
        let mut cursor = 0;
        for (_, a) in loaded.matrix.activities() {
            let quoted = format!("\"{}\"", a.id);
            // Only ids as a canonical file spells them: a search that cannot succeed would
            // scan the rest of the text for every activity.
            let findable = !markdown && crate::canonical::spelled_verbatim(&a.id);
            match findable
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
            index: diag::LineIndex::new(text),
        }
    }

    fn text(&self) -> &str {
        &self.loaded.source.text
    }

    pub(super) fn location(&self, span: Range<usize>, label: &str) -> Location {
        self.index.locate(
            &self.loaded.source.name,
            self.text(),
            span,
            Some(label.to_owned()),
        )
    }

    /// Where `value` (a text of the matrix) is first written in the file: its first
    /// characters ([`diag::written_at`]).
    pub(super) fn search(&self, value: &str) -> Option<Range<usize>> {
        diag::written_at(self.text(), value)
    }

    /// The byte range of 1-based `line`, without its line break.
    pub(super) fn line(&self, line: usize) -> Range<usize> {
        self.index.line_span(self.text(), line)
    }

    /// Places `f` at `span`.
    pub(super) fn at(&self, f: Finding, span: Range<usize>) -> Finding {
        self.index
            .place(f, &self.loaded.source.name, self.text(), span)
    }

    /// Places `f` at `span` with `label`, or leaves it without a place.
    pub(super) fn finding(
        &self,
        f: Finding,
        span: Option<Range<usize>>,
        label: impl Into<String>,
    ) -> Finding {
        match span {
            Some(span) => self.at(f, span).label(label),
            None => f,
        }
    }

    /// Byte range of 1-based character columns `start..end` on 1-based `line`.
    pub(super) fn columns(&self, line: usize, start: usize, end: usize) -> Range<usize> {
        let span = self.line(line);
        let l = &self.text()[span.clone()];
        let byte = |col: usize| {
            span.start
                + l.char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(l.len(), |(i, _)| i)
        };
        byte(start)..byte(end.max(start))
    }

    pub(super) fn id(&self, k: usize) -> Option<Range<usize>> {
        self.ids.get(k).cloned().flatten()
    }

    /// Canonical files: the `letters` value of activity `k` (an inline table or JSON
    /// object), or the `letters` key when written as a table of its own.
    fn letters(&self, k: usize) -> Option<Range<usize>> {
        let id = self.id(k)?;
        let text = self.text();
        // Searches stop at the next activity's id, so that each activity costs its own
        // length, not the rest of the file.
        let next = (k + 1..self.ids.len())
            .take(1)
            .find_map(|n| self.id(n))
            .map_or(text.len(), |r| r.start);
        let rest = &text[id.end..next.max(id.end)];
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
    pub(super) fn row(&self, k: usize, a: &Activity) -> Option<Range<usize>> {
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
                    .map(|&line| self.line(line)),
            };
        }
        self.letters(k).or_else(|| self.id(k))
    }

    /// The letter cell of `party` in activity `k`.
    pub(super) fn cell(&self, k: usize, a: &Activity, party: &str) -> Option<Range<usize>> {
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
    pub(super) fn section(&self, number: &str) -> Option<Range<usize>> {
        if let Some(&line) = self.loaded.section_lines.get(number) {
            return Some(self.line(line));
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
