//! The importer's state and driver: one pass over the body lines, dispatching each block to
//! the heading, table or prose handler, then the final assembly of the matrix.
//!
//! The handlers for headings and tables live in [`super::headings`] and [`super::tables`]
//! as further `impl Importer` blocks; they share the state declared here. Invariants: the
//! body is read in one forward pass, each block's lines consumed by the handler that claims
//! them; fenced code and HTML comments are skipped whole (an unclosed one skips the rest of
//! the page, with a warning); notes are sorted by line then column only in
//! [`Importer::finish`], so handlers may push them in any order.

use std::collections::HashMap;

use crate::ids;
use crate::model::{LegendEntry, LimitPlace, Matrix, Party, Section, Variant, SCHEMA_VERSION};

use super::cells::{legend_entry, strip_bullet};
use super::dates::{normalise_date, parse_date, updated_line};
use super::front_matter::{front_matter, FrontMatter};
use super::inline::inline;
use super::lines::{
    closes_fence, fence_open, has_unescaped_pipe, is_delimiter_line, is_table_line, parse_atx,
};
use super::source_name::{service_id, source_stem};
use super::{ImportError, ImportNote, Imported, NoteSeverity, DEFAULT_PROVIDER};

/// Where tables and prose are attached while scanning.
#[derive(Debug, Clone)]
pub(super) enum Ctx {
    /// Before any heading.
    Preamble { created: Option<usize> },
    /// Under a numbered heading.
    Numbered { idx: usize, level: usize },
    /// Under a heading without a number. `parent` is the numbered section it is nested in
    /// (deeper level), whose tables it continues; `created` the section made for its own
    /// table when it has no parent.
    Unnumbered {
        title: String,
        level: usize,
        parent: Option<(usize, usize)>,
        created: Option<usize>,
    },
}

/// Where the legend read so far came from: a legend table replaces definitions read from
/// prose, and only the first legend table counts.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(super) enum LegendSource {
    None,
    Prose,
    Table,
}

/// Provenance of one imported activity, resolved to ids once they are assigned.
pub(super) struct RowInfo {
    pub(super) section: usize,
    pub(super) activity: usize,
    pub(super) line: usize,
    pub(super) cells: Vec<(String, (usize, usize))>,
}

/// A numbered heading as printed (kept here, with the state that holds it, so that
/// `headings` depends on this module and not the other way round). Level slips can only be judged once the page's usual
/// level offset is known, after the last heading, so each one is kept until then.
pub(super) struct NumberedHeading {
    pub(super) line: usize,
    pub(super) level: usize,
    pub(super) depth: usize,
    pub(super) number: String,
    pub(super) hashes: (usize, usize),
}

/// Scanning state, shared by the `impl Importer` blocks of the sibling modules: what has been
/// read so far, and where the next table or prose line attaches.
pub(super) struct Importer<'a> {
    pub(super) lines: &'a [&'a str],
    pub(super) options: &'a super::Options,
    source: &'a str,
    pub(super) stem: String,
    source_language: Option<String>,
    pub(super) front: FrontMatter,
    pub(super) notes: Vec<ImportNote>,
    pub(super) sections: Vec<Section>,
    pub(super) section_lines: HashMap<String, usize>,
    pub(super) numbered: Vec<NumberedHeading>,
    pub(super) ctx: Ctx,
    note_buf: String,
    note_break: bool,
    pub(super) parties: Vec<Party>,
    pub(super) first_party_ids: Option<Vec<String>>,
    pub(super) provider: Option<String>,
    pub(super) variants: Vec<Variant>,
    pub(super) legend: Vec<LegendEntry>,
    pub(super) legend_source: LegendSource,
    pub(super) rows: Vec<RowInfo>,
    pub(super) raci_tables: usize,
    body_version: Option<(usize, String)>,
    pub(super) first_h1: Option<String>,
    pub(super) header_language: Option<&'static str>,
    /// The first limit of [`crate::limits`] the page exceeds while it is read.
    pub(super) limit: Option<ImportError>,
}

impl<'a> Importer<'a> {
    pub(super) fn new(lines: &'a [&'a str], source: &'a str, options: &'a super::Options) -> Self {
        let mut notes = Vec::new();
        let front = front_matter(lines, &mut notes);
        let (stem, source_language) = source_stem(source);
        Importer {
            lines,
            options,
            source,
            stem,
            source_language,
            front,
            notes,
            sections: Vec::new(),
            section_lines: HashMap::new(),
            numbered: Vec::new(),
            ctx: Ctx::Preamble { created: None },
            note_buf: String::new(),
            note_break: false,
            parties: Vec::new(),
            first_party_ids: None,
            provider: None,
            variants: Vec::new(),
            legend: Vec::new(),
            legend_source: LegendSource::None,
            rows: Vec::new(),
            raci_tables: 0,
            body_version: None,
            first_h1: None,
            header_language: None,
            limit: None,
        }
    }

    pub(super) fn note(
        &mut self,
        severity: NoteSeverity,
        code: &'static str,
        line: usize,
        column: Option<(usize, usize)>,
        message: impl Into<String>,
    ) {
        self.notes.push(ImportNote {
            line,
            column,
            severity,
            code,
            message: message.into(),
        });
    }

    pub(super) fn run(&mut self) {
        let lines = self.lines;
        let n = lines.len();
        let mut i = self.front.body_start;
        while i < n {
            let line = lines[i];
            let trimmed = line.trim();
            if trimmed.is_empty() {
                if !self.note_buf.is_empty() {
                    self.note_break = true;
                }
                i += 1;
                continue;
            }
            if let Some(fence) = fence_open(line) {
                let close = (i + 1..n).find(|&k| closes_fence(lines[k], fence));
                if close.is_none() {
                    self.note(
                        NoteSeverity::Warning,
                        "import::unclosed-fence",
                        i + 1,
                        None,
                        "code block is never closed: the rest of the page is skipped",
                    );
                }
                i = close.map_or(n, |k| k + 1);
                continue;
            }
            if trimmed.starts_with("<!--") {
                let close = (i..n).find(|&k| {
                    let l = if k == i { &trimmed[4..] } else { lines[k] };
                    l.contains("-->")
                });
                if close.is_none() {
                    self.note(
                        NoteSeverity::Warning,
                        "import::unclosed-comment",
                        i + 1,
                        None,
                        "HTML comment is never closed: the rest of the page is skipped",
                    );
                }
                i = close.map_or(n, |k| k + 1);
                continue;
            }
            if let Some(atx) = parse_atx(line) {
                self.heading(i + 1, &atx);
                i += 1;
                continue;
            }
            let starts_table = trimmed.starts_with('|')
                || (has_unescaped_pipe(trimmed) && i + 1 < n && is_delimiter_line(lines[i + 1]));
            if starts_table {
                let start = i;
                i += 1;
                while i < n && is_table_line(lines[i]) {
                    i += 1;
                }
                self.table(start, i);
                continue;
            }
            self.prose(i + 1, line);
            i += 1;
        }
        self.flush_note();
    }

    pub(super) fn flush_note(&mut self) {
        let note = std::mem::take(&mut self.note_buf);
        self.note_break = false;
        if note.is_empty() {
            return;
        }
        if let Ctx::Numbered { idx, .. } = self.ctx {
            let section = &mut self.sections[idx];
            section.note = Some(match section.note.take() {
                Some(old) => format!("{old}\n\n{note}"),
                None => note,
            });
        }
    }

    fn prose(&mut self, line: usize, raw: &str) {
        let visible = inline(raw).text;
        if self.body_version.is_none() {
            if let Some(date) = updated_line(&visible) {
                self.body_version = Some((line, date));
                return;
            }
        }
        if !matches!(self.ctx, Ctx::Numbered { .. }) && self.legend_source != LegendSource::Table {
            let item = inline(strip_bullet(raw)).text;
            if let Some((letter, meaning)) = legend_entry(&item, None) {
                if !self.legend.iter().any(|e| e.letter == letter) {
                    self.legend.push(LegendEntry { letter, meaning });
                    self.legend_source = LegendSource::Prose;
                }
                return;
            }
        }
        if let Ctx::Numbered { idx, .. } = self.ctx {
            if self.sections[idx].has_table {
                let number = self.sections[idx].number.clone();
                self.note(
                    NoteSeverity::Info,
                    "import::prose-ignored",
                    line,
                    None,
                    format!("text after the table of section {number} is not imported"),
                );
            } else {
                if self.note_break {
                    self.note_buf.push_str("\n\n");
                } else if !self.note_buf.is_empty() {
                    self.note_buf.push('\n');
                }
                self.note_break = false;
                self.note_buf.push_str(raw.trim_end());
            }
        }
    }

    /// The importer refuses what the loader would refuse ([`Matrix::limits`]), naming the
    /// line of the first place over a limit.
    fn check_limits(&self, matrix: &Matrix) -> Result<(), ImportError> {
        let exceeded = matrix.limits();
        let Some(first) = exceeded.first() else {
            return Ok(());
        };
        let line = match first.place {
            LimitPlace::Activity(i, j) => self
                .rows
                .iter()
                .find(|r| r.section == i && r.activity == j)
                .map(|r| r.line),
            LimitPlace::Section(i) => self.section_lines.get(&matrix.sections[i].number).copied(),
            // Too many rows: the first row over the limit.
            LimitPlace::Matrix if first.name == "MAX_ACTIVITIES" => {
                self.rows.get(first.limit).map(|r| r.line)
            }
            _ => None,
        };
        let more = match exceeded.len() {
            1 => String::new(),
            n => format!(" (and {} more places over a limit)", n - 1),
        };
        Err(ImportError::Limit {
            line: line.unwrap_or(1),
            message: format!("{first}{more}"),
        })
    }

    pub(super) fn finish(mut self) -> Result<Imported, ImportError> {
        if let Some(e) = self.limit.take() {
            return Err(e);
        }
        if self.raci_tables == 0 {
            return Err(ImportError::NoRaciTable);
        }
        self.level_slips();

        let version = match (self.front.updated.clone(), self.body_version.clone()) {
            (Some(fm), body) => {
                if let Some((line, printed)) = body {
                    if let (Some(a), Some(b)) = (parse_date(&fm), parse_date(&printed)) {
                        if a != b {
                            let message = format!(
                                "body says updated `{printed}` but the front matter says \
                                 `{fm}`; the front matter wins"
                            );
                            self.note(
                                NoteSeverity::Info,
                                "import::version-mismatch",
                                line,
                                None,
                                message,
                            );
                        }
                    }
                }
                Some(normalise_date(&fm))
            }
            (None, Some((_, printed))) => Some(normalise_date(&printed)),
            (None, None) => None,
        };
        let provider = self
            .provider
            .clone()
            .unwrap_or_else(|| DEFAULT_PROVIDER.to_owned());
        let title = self
            .front
            .title
            .clone()
            .or_else(|| self.first_h1.clone())
            .unwrap_or_else(|| self.stem.clone());
        let service = service_id(&self.stem, &provider, &title);
        let language = self
            .source_language
            .clone()
            .or_else(|| {
                self.front
                    .language
                    .as_ref()
                    .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
            })
            .or_else(|| self.header_language.map(str::to_owned))
            .unwrap_or_else(|| "en".to_owned());

        let mut matrix = Matrix {
            schema: SCHEMA_VERSION,
            provider,
            service,
            title,
            excerpt: self.front.excerpt.clone(),
            version,
            language,
            source: (!self.source.is_empty()).then(|| crate::diag::shown_name(self.source)),
            parties: std::mem::take(&mut self.parties),
            legend: std::mem::take(&mut self.legend),
            variants: std::mem::take(&mut self.variants),
            sections: std::mem::take(&mut self.sections),
        };
        // Every activity carries every party, so that blanks are visible in the canonical file.
        for section in &mut matrix.sections {
            for activity in &mut section.activities {
                for party in &matrix.parties {
                    activity.letters.entry(party.id.clone()).or_default();
                }
            }
        }
        ids::assign_ids(&mut matrix);
        // After the ids are derived: the canonical file carries them, and the loader checks
        // them like any text.
        self.check_limits(&matrix)?;

        let mut activity_lines = HashMap::new();
        let mut cell_columns = HashMap::new();
        for row in &self.rows {
            let id = &matrix.sections[row.section].activities[row.activity].id;
            activity_lines.insert(id.clone(), row.line);
            for (party, cols) in &row.cells {
                cell_columns.insert((id.clone(), party.clone()), *cols);
            }
        }
        let mut notes = self.notes;
        notes.sort_by_key(|n| (n.line, n.column));
        Ok(Imported {
            matrix,
            notes,
            activity_lines,
            section_lines: self.section_lines,
            cell_columns,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::import::test_support::{codes, imp, HEAD};

    #[test]
    fn unclosed_fences_and_comments_skip_the_rest_of_the_page() {
        let page = format!("### 1. S\n{HEAD}| Do | RA | I |\n```\n| Hidden | RA | I |\n");
        let i = imp(&page);
        assert_eq!(i.matrix.activities().count(), 1);
        assert_eq!(codes(&i, "import::unclosed-fence"), [5]);
        let page = format!("### 1. S\n{HEAD}| Do | RA | I |\n<!-- open\n| Hidden | RA | I |\n");
        let i = imp(&page);
        assert_eq!(i.matrix.activities().count(), 1);
        assert_eq!(codes(&i, "import::unclosed-comment"), [5]);
    }

    #[test]
    fn prose_between_heading_and_table_is_the_section_note() {
        let page = format!(
            "### 1. S\n\nFirst line\nsecond line.\n\nOther *para*.\n\n{HEAD}| Do | RA | I |\n\nAfter the table.\n\n### 2. T\n\nOnly prose.\n"
        );
        let i = imp(&page);
        let m = &i.matrix;
        assert_eq!(
            m.sections[0].note.as_deref(),
            Some("First line\nsecond line.\n\nOther *para*.")
        );
        assert_eq!(m.sections[1].note.as_deref(), Some("Only prose."));
        assert!(!m.sections[1].has_table);
        assert_eq!(codes(&i, "import::prose-ignored"), [12]);
    }

    #[test]
    fn glued_tables_code_blocks_and_comments() {
        let page = format!(
            "### 1. S\n\n{HEAD}| One | RA | I |\n{HEAD}| Two | RA | I |\n\n```\n### 9. Not a heading\n| Activity | Customer | X |\n```\n\
             <!-- hidden\n| Activity | Customer | X |\n-->\n"
        );
        let i = imp(&page);
        assert_eq!(i.matrix.activities().count(), 2);
        assert_eq!(i.matrix.sections.len(), 1);
    }
}
