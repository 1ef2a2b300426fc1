//! The importer's handling of headings: numbered sections, unnumbered headings and the
//! section a table lands in.
//!
//! Invariants: a section's number comes from the heading text, never its depth (a depth that
//! disagrees with the page's usual one is reported by [`Importer::level_slips`]); a repeated
//! number keeps the line of its first heading.

use std::collections::HashMap;

use crate::model::Section;

use super::importer::{Ctx, Importer, NumberedHeading};
use super::inline::{inline, Inline};
use super::lines::Atx;
use super::{ImportNote, NoteSeverity};

/// Parses a section number at the start of a heading's visible text: `3.1.1. Daily
/// operations` → ("3.1.1", "Daily operations"). A number needs a dot (`1.` or `1.2`) so that
/// headings starting with a plain number ("2024 changes") are not taken as sections.
fn split_number(s: &str) -> Option<(String, String)> {
    let t = s.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let token = &t[..end];
    if !token.starts_with(|c: char| c.is_ascii_digit()) || !token.contains('.') {
        return None;
    }
    let number = token.strip_suffix('.').unwrap_or(token);
    if number.split('.').any(str::is_empty) {
        return None;
    }
    let rest = &t[end..];
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) && !token.ends_with('.') {
        return None;
    }
    Some((number.to_owned(), rest.trim().to_owned()))
}

/// The title of a row that is a heading: its only non-empty cell, at or before the
/// activity column, is emphasised (`| **Infrastructure** | | |`, `| <b>Health</b> |`).
pub(super) fn heading_title(cells: &[Inline], activity_col: usize) -> Option<&str> {
    let mut filled = cells.iter().enumerate().filter(|(_, c)| !c.text.is_empty());
    let (k, only) = filled.next()?;
    (filled.next().is_none() && k <= activity_col && only.emphasised).then_some(only.text.as_str())
}

impl Importer<'_> {
    pub(super) fn heading(&mut self, line: usize, atx: &Atx<'_>) {
        self.flush_note();
        let visible = inline(atx.content).text;
        if let Some((number, title)) = split_number(&visible) {
            let idx = self.sections.len();
            let depth = number.split('.').count();
            if self.section_lines.contains_key(&number) {
                self.note(
                    NoteSeverity::Warning,
                    "import::duplicate-section",
                    line,
                    None,
                    format!("section number {number} appears more than once"),
                );
            } else {
                self.section_lines.insert(number.clone(), line);
            }
            self.sections.push(Section {
                number: number.clone(),
                title,
                note: None,
                has_table: false,
                applies: None,
                activities: Vec::new(),
                translations: Default::default(),
            });
            self.numbered.push(NumberedHeading {
                line,
                level: atx.level,
                depth,
                number,
                hashes: atx.hashes,
            });
            self.ctx = Ctx::Numbered {
                idx,
                level: atx.level,
            };
            return;
        }
        if atx.level == 1 && self.first_h1.is_none() && !visible.is_empty() {
            self.first_h1 = Some(visible.clone());
        }
        // A deeper unnumbered heading ("##### Details" under "#### 2.2.") stays inside the
        // numbered section; a same-level or shallower one ("## Go further") closes it.
        let parent = match self.ctx {
            Ctx::Numbered { idx, level } if atx.level > level => Some((idx, level)),
            Ctx::Unnumbered {
                parent: Some((idx, level)),
                ..
            } if atx.level > level => Some((idx, level)),
            _ => None,
        };
        self.ctx = Ctx::Unnumbered {
            title: visible,
            level: atx.level,
            parent,
            created: None,
        };
    }

    /// The section a RACI table at `line` belongs to, creating an unnumbered one if needed.
    pub(super) fn section_for_table(&mut self, line: usize) -> usize {
        match self.ctx.clone() {
            Ctx::Numbered { idx, .. } => idx,
            Ctx::Unnumbered {
                parent: Some((idx, _)),
                title,
                ..
            } => {
                let number = self.sections[idx].number.clone();
                self.note(
                    NoteSeverity::Info,
                    "import::unnumbered-heading",
                    line,
                    None,
                    format!(
                        "table under the unnumbered heading `{title}` is read as part of \
                         section {number}"
                    ),
                );
                idx
            }
            Ctx::Unnumbered {
                created: Some(idx), ..
            }
            | Ctx::Preamble { created: Some(idx) } => idx,
            Ctx::Unnumbered {
                title,
                level,
                parent: None,
                created: None,
            } => {
                let idx = self.new_unnumbered_section(line, &title);
                self.ctx = Ctx::Unnumbered {
                    title,
                    level,
                    parent: None,
                    created: Some(idx),
                };
                idx
            }
            Ctx::Preamble { created: None } => {
                let idx = self.new_unnumbered_section(line, "");
                self.ctx = Ctx::Preamble { created: Some(idx) };
                idx
            }
        }
    }

    /// A row of a RACI table that is a heading ([`heading_title`]): the rows after
    /// it form its section, without number like a heading without one.
    pub(super) fn heading_row(&mut self, line: usize, title: &str) -> usize {
        self.note(
            NoteSeverity::Info,
            "import::heading-row",
            line,
            None,
            format!(
                "row `{title}` has one cell, emphasised: read as a heading, and the rows after it as its section"
            ),
        );
        self.unnumbered_section(line, title, true)
    }

    fn new_unnumbered_section(&mut self, line: usize, title: &str) -> usize {
        let message = if title.is_empty() {
            "RACI table before any numbered heading: imported in a section without number"
                .to_owned()
        } else {
            format!(
                "RACI table under the unnumbered heading `{title}`: imported in a section \
                 without number"
            )
        };
        self.note(
            NoteSeverity::Warning,
            "import::unnumbered-section",
            line,
            None,
            message,
        );
        self.unnumbered_section(line, title, false)
    }

    /// A section without number titled `title`, first met at `line`: its index.
    fn unnumbered_section(&mut self, line: usize, title: &str, has_table: bool) -> usize {
        self.section_lines.entry(String::new()).or_insert(line);
        self.sections.push(Section {
            number: String::new(),
            title: title.to_owned(),
            note: None,
            has_table,
            applies: None,
            activities: Vec::new(),
            translations: Default::default(),
        });
        self.sections.len() - 1
    }

    pub(super) fn level_slips(&mut self) {
        let offsets: Vec<isize> = self
            .numbered
            .iter()
            .map(|h| h.level as isize - h.depth as isize)
            .collect();
        // Most frequent offset; on a tie the one met first wins. Counted in one pass: a
        // page may have thousands of headings.
        let mut tally: HashMap<isize, (usize, usize)> = HashMap::new();
        for (i, &o) in offsets.iter().enumerate() {
            tally.entry(o).or_insert((0, i)).0 += 1;
        }
        let Some(mode) = tally
            .iter()
            .max_by_key(|(_, &(count, first))| (count, usize::MAX - first))
            .map(|(&o, _)| o)
        else {
            return;
        };
        let mut slips = Vec::new();
        for (h, &o) in self.numbered.iter().zip(&offsets) {
            if o != mode {
                let expected = h.depth as isize + mode;
                slips.push(ImportNote {
                    line: h.line,
                    column: Some(h.hashes),
                    severity: NoteSeverity::Info,
                    code: "import::level-slip",
                    message: format!(
                        "heading of section {} is level {} (`{}`) where this page uses level \
                         {expected}: the section is placed by its number",
                        h.number,
                        h.level,
                        "#".repeat(h.level)
                    ),
                });
            }
        }
        self.notes.extend(slips);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{codes, imp, HEAD};
    use crate::model::{LegendEntry, Letter};

    #[test]
    fn section_numbers_need_a_dot() {
        let some = |n: &str, t: &str| Some((n.to_owned(), t.to_owned()));
        assert_eq!(
            split_number("3.1.1. Daily operations"),
            some("3.1.1", "Daily operations")
        );
        assert_eq!(split_number("1. Before"), some("1", "Before"));
        assert_eq!(split_number("1.2 Title"), some("1.2", "Title"));
        assert_eq!(split_number("3.3.1.Glued"), some("3.3.1", "Glued"));
        assert_eq!(split_number("4."), some("4", ""));
        assert_eq!(split_number("2024 changes"), None);
        assert_eq!(split_number("1..2 x"), None);
        assert_eq!(split_number("1.2x"), None);
        assert_eq!(split_number("v1.2"), None);
    }

    #[test]
    fn section_numbers_come_from_heading_text_not_depth() {
        let page = format!(
            "## Objective\n\nText.\n\n### 1. Before\n\n#### 1.1. Spec\n\n{HEAD}| A1 | RA | I |\n\n\
             ##### **3.1.1. Daily operations**\n\n{HEAD}| A2 | RA | I |\n\n#### **3.2.2. Changes**\n\n{HEAD}| A3 | RA | I |\n\
             \n##### 3.3.1.Glued title\n{HEAD}| A4 | RA | I |\n"
        );
        let i = imp(&page);
        let s: Vec<(&str, &str)> = i
            .matrix
            .sections
            .iter()
            .map(|s| (s.number.as_str(), s.title.as_str()))
            .collect();
        assert_eq!(
            s,
            [
                ("1", "Before"),
                ("1.1", "Spec"),
                ("3.1.1", "Daily operations"),
                ("3.2.2", "Changes"),
                ("3.3.1", "Glued title")
            ]
        );
        assert_eq!(codes(&i, "import::level-slip"), [19]);
        let slip = i
            .notes
            .iter()
            .find(|n| n.code == "import::level-slip")
            .unwrap();
        assert_eq!(slip.column, Some((1, 5)));
        assert!(slip.message.contains("3.2.2"), "{}", slip.message);
        assert_eq!(i.section_lines["3.2.2"], 19);
    }

    #[test]
    fn unnumbered_headings_without_tables_are_not_sections() {
        let page = format!(
            "## Objective\n\nIntro.\n\n## RACI definition\n\n| Roles |\n| --- |\n| R: Does it |\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n\n\
             ## Go further\n\nJoin our [community](https://x).\n"
        );
        let i = imp(&page);
        assert_eq!(i.matrix.sections.len(), 1);
        assert_eq!(
            i.matrix.legend,
            vec![LegendEntry {
                letter: Letter::R,
                meaning: "Does it".into()
            }]
        );
        assert!(i.notes.is_empty(), "{:?}", i.notes);
    }

    #[test]
    fn unnumbered_heading_holding_a_table_is_a_section_without_number() {
        let page = format!("# Page\n\n## Matrix\n\n{HEAD}| Do | RA | I |\n\n### 1. S\n\n##### Detail\n\n{HEAD}| Sub | RA | I |\n");
        let i = imp(&page);
        let s: Vec<(&str, &str, usize)> = i
            .matrix
            .sections
            .iter()
            .map(|s| (s.number.as_str(), s.title.as_str(), s.activities.len()))
            .collect();
        assert_eq!(s, [("", "Matrix", 1), ("1", "S", 1)]);
        assert_eq!(codes(&i, "import::unnumbered-section"), [5]);
        assert_eq!(codes(&i, "import::unnumbered-heading"), [13]);
        assert_eq!(i.matrix.activities().next().unwrap().1.id, "do");
        // No front matter title: the first h1 is used.
        assert_eq!(i.matrix.title, "Page");
    }
}
