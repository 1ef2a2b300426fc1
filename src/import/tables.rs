//! The importer's handling of table blocks: RACI tables (parties, variants, rows and their
//! letters) and roles legend tables.
//!
//! A table block may hold several tables glued together; each is classified from its header
//! (see [`super::cells`]). Invariants: every row that becomes an activity records its line
//! and one column range per party (an empty one at the line's end for a missing cell); every
//! tolerated quirk leaves a note; a letter cell is letters, empty or mapped, never mined.

use crate::ids;
use crate::model::{Activity, LegendEntry, Letter, Letters, Party, PartyRole, Variant};

use super::cells::{
    find_activity_col, is_header_like, is_repeated_header, legend_entry, letter_cell, show_set,
    variant_mark, CUSTOMER_WORDS, LEGEND_WORDS, ROW_NUMBER_WORDS,
};
use super::headings::heading_title;
use super::importer::{Importer, LegendSource, RowInfo};
use super::inline::{inline, Inline};
use super::lines::{split_row, RawRow};
use super::ImportError;
use super::{NoteSeverity, DEFAULT_PROVIDER};
use crate::limits::{thousands, MAX_CELL_CHARS};

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl<'a> Importer<'a> {
    /// Lines `start..end` (0-based) form one table block; it may hold several tables glued
    /// together (a header row followed by a delimiter row starts a new one).
    pub(super) fn table(&mut self, start: usize, end: usize) {
        let rows: Vec<RawRow<'a>> = (start..end)
            .map(|i| split_row(i + 1, self.lines[i]))
            .collect();
        if self.limit.is_none() {
            // Columns count characters: a cell's length is the difference.
            let long = rows.iter().find_map(|r| {
                let c = r
                    .cells
                    .iter()
                    .find(|c| c.cols.1 - c.cols.0 > MAX_CELL_CHARS)?;
                Some((r.line, c.cols))
            });
            if let Some((line, (from, to))) = long {
                self.limit = Some(ImportError::Limit {
                    line,
                    message: format!(
                        "table cell at column {from} has {} characters, over the limit of {} (annex refuses larger inputs: limits::MAX_CELL_CHARS)",
                        thousands(to - from),
                        thousands(MAX_CELL_CHARS)
                    ),
                });
            }
        }
        let mut starts = vec![0];
        for k in 1..rows.len().saturating_sub(1) {
            if !rows[k].is_delimiter() && rows[k + 1].is_delimiter() && is_header_like(&rows[k]) {
                starts.push(k);
            }
        }
        starts.push(rows.len());
        for w in starts.windows(2) {
            self.sub_table(&rows[w[0]..w[1]]);
        }
    }

    fn sub_table(&mut self, rows: &[RawRow<'a>]) {
        let Some(header) = rows.first() else { return };
        if header.is_delimiter() {
            self.note(
                NoteSeverity::Warning,
                "import::table-ignored",
                header.line,
                None,
                "table starts with a delimiter row and has no header: ignored",
            );
            return;
        }
        let has_delimiter = rows.get(1).is_some_and(RawRow::is_delimiter);
        let body = &rows[if has_delimiter { 2 } else { 1 }.min(rows.len())..];
        let header_cells: Vec<Inline> = header.cells.iter().map(|c| inline(c.text)).collect();
        if let Some((activity_col, guessed)) = find_activity_col(&header_cells) {
            if !has_delimiter {
                self.note(
                    NoteSeverity::Info,
                    "import::no-delimiter-row",
                    header.line,
                    None,
                    "table has no delimiter row (`| --- | --- |`) under its header: read as a \
                     table anyway",
                );
            }
            if guessed {
                self.note(
                    NoteSeverity::Info,
                    "import::activity-column-guessed",
                    header.line,
                    header.cells.first().map(|c| c.cols),
                    format!(
                        "no `Activity` column header: the first column (`{}`) is read as the \
                         activity",
                        header_cells[0].text
                    ),
                );
            }
            self.raci_table(header, &header_cells, activity_col, body);
            return;
        }
        if self.legend_table(header, &header_cells, body, has_delimiter) {
            return;
        }
        self.note(
            NoteSeverity::Info,
            "import::table-ignored",
            header.line,
            None,
            "table is neither a RACI table (no `Activity` column) nor a roles legend: ignored",
        );
    }

    /// Reads a roles legend table; returns false if the table is not one.
    fn legend_table(
        &mut self,
        header: &RawRow<'a>,
        header_cells: &[Inline],
        body: &[RawRow<'a>],
        has_delimiter: bool,
    ) -> bool {
        let parse = |row: &RawRow<'_>| {
            let first = row
                .cells
                .first()
                .map(|c| inline(c.text).text)
                .unwrap_or_default();
            let second = row.cells.get(1).map(|c| inline(c.text).text);
            legend_entry(&first, second.as_deref())
        };
        let header_is_legend_word = header_cells.len() <= 2
            && header_cells
                .first()
                .is_some_and(|c| LEGEND_WORDS.contains(&ids::slug(&c.text).as_str()));
        // Without a delimiter row, the "header" may itself be the first definition.
        let mut candidates: Vec<&RawRow<'a>> = Vec::new();
        if !has_delimiter && !header_is_legend_word && parse(header).is_some() {
            candidates.push(header);
        }
        candidates.extend(body.iter().filter(|r| !r.is_blank() && !r.is_delimiter()));
        let parsed: Vec<Option<(Letter, String)>> = candidates.iter().map(|r| parse(r)).collect();
        let all_parse = !parsed.is_empty() && parsed.iter().all(Option::is_some);
        if !header_is_legend_word && !all_parse {
            return false;
        }
        if self.legend_source == LegendSource::Table {
            self.note(
                NoteSeverity::Info,
                "import::legend-duplicate",
                header.line,
                None,
                "a second roles legend table is ignored; the first one is kept",
            );
            return true;
        }
        if self.legend_source == LegendSource::Prose {
            self.legend.clear();
        }
        self.legend_source = LegendSource::Table;
        for (row, entry) in candidates.iter().zip(parsed) {
            match entry {
                Some((letter, meaning)) if !self.legend.iter().any(|e| e.letter == letter) => {
                    self.legend.push(LegendEntry { letter, meaning });
                }
                Some((letter, _)) => self.note(
                    NoteSeverity::Warning,
                    "import::legend-duplicate",
                    row.line,
                    None,
                    format!(
                        "letter {} is defined twice in the legend; the first is kept",
                        letter.as_char()
                    ),
                ),
                None => self.note(
                    NoteSeverity::Warning,
                    "import::legend-row",
                    row.line,
                    None,
                    "legend row not understood (expected `R: meaning`): ignored",
                ),
            }
        }
        true
    }

    /// Maps a RACI table's party columns to matrix parties, adding new ones, and decides
    /// which one is the provider.
    fn table_parties(&mut self, header: &RawRow<'a>, names: &[String]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let mut roles = Vec::new();
        for (k, name) in names.iter().enumerate() {
            let slug = ids::slug(name);
            let (base, role) = if CUSTOMER_WORDS.contains(&slug.as_str()) {
                ("customer".to_owned(), PartyRole::Customer)
            } else if slug.is_empty() {
                (format!("party-{}", k + 1), PartyRole::Other)
            } else {
                (slug, PartyRole::Other)
            };
            let mut id = base.clone();
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            ids.push(id);
            roles.push(role);
        }
        if let Some(k) = self.pick_provider(header, names, &roles) {
            roles[k] = PartyRole::Provider;
            if self.provider.is_none() {
                self.provider = Some(names[k].clone());
            }
        }
        for ((id, name), role) in ids.iter().zip(names).zip(&roles) {
            if !self.parties.iter().any(|p| &p.id == id) {
                self.parties.push(Party {
                    id: id.clone(),
                    name: name.clone(),
                    role: *role,
                });
            }
        }
        match &self.first_party_ids {
            None => self.first_party_ids = Some(ids.clone()),
            Some(first) if *first != ids => {
                let message = format!(
                    "table columns ({}) differ from the first table's ({})",
                    ids.join(", "),
                    first.join(", ")
                );
                self.note(
                    NoteSeverity::Info,
                    "import::header-differs",
                    header.line,
                    None,
                    message,
                );
            }
            Some(_) => {}
        }
        ids
    }

    fn pick_provider(
        &mut self,
        header: &RawRow<'a>,
        names: &[String],
        roles: &[PartyRole],
    ) -> Option<usize> {
        let candidates: Vec<usize> = (0..names.len())
            .filter(|&k| roles[k] != PartyRole::Customer && !names[k].trim().is_empty())
            .collect();
        let slug_of = |k: usize| ids::slug(&names[k]);
        if let Some(p) = &self.provider {
            let p = ids::slug(p);
            return candidates.iter().copied().find(|&k| slug_of(k) == p);
        }
        if let [only] = candidates.as_slice() {
            return Some(*only);
        }
        let hints: Vec<String> = [
            Some(self.stem.as_str()),
            self.front.title.as_deref(),
            self.front.excerpt.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(ids::slug)
        .collect();
        let found = candidates.iter().copied().find(|&k| {
            let s = slug_of(k);
            hints
                .iter()
                .any(|h| h.split('-').any(|w| w == s) || h.contains(&format!("{s}-")))
        });
        if found.is_none() && !candidates.is_empty() {
            self.note(
                NoteSeverity::Warning,
                "import::provider-unclear",
                header.line,
                None,
                format!(
                    "cannot tell which column is the provider among {}: provider set to \
                     {DEFAULT_PROVIDER}",
                    candidates
                        .iter()
                        .map(|&k| format!("`{}`", names[k]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        found
    }

    fn raci_table(
        &mut self,
        header: &RawRow<'a>,
        header_cells: &[Inline],
        activity_col: usize,
        body: &[RawRow<'a>],
    ) {
        self.flush_note();
        self.raci_tables += 1;
        let mut section = self.section_for_table(header.line);
        self.sections[section].has_table = true;
        let activity_word = ids::slug(&header_cells[activity_col].text);
        if activity_word == "activite" || activity_word == "activites" {
            self.header_language.get_or_insert("fr");
        }

        // Leading applicability columns name offering variants; a row-number column
        // ("#", "ID", "Ref") before the activity is not one, and is skipped.
        let mut variant_cols: Vec<(usize, String)> = Vec::new();
        for (k, c) in header_cells[..activity_col].iter().enumerate() {
            let slug = ids::slug(&c.text);
            let label = c.text.trim();
            if label.is_empty() || label == "#" || ROW_NUMBER_WORDS.contains(&slug.as_str()) {
                let message = format!("column `{}` before the activity is ignored", c.text);
                let cols = header.cells.get(k).map(|c| c.cols);
                self.note(
                    NoteSeverity::Info,
                    "import::column-ignored",
                    header.line,
                    cols,
                    message,
                );
                continue;
            }
            let id = if slug.is_empty() {
                format!("variant-{}", k + 1)
            } else {
                slug
            };
            if !self.variants.iter().any(|v| v.id == id) {
                self.variants.push(Variant {
                    id: id.clone(),
                    name: c.text.clone(),
                });
            }
            variant_cols.push((k, id));
        }
        let names: Vec<String> = header_cells[activity_col + 1..]
            .iter()
            .map(|c| c.text.clone())
            .collect();
        let party_ids = self.table_parties(header, &names);
        let expected = header.cells.len();

        if body.iter().all(|r| r.is_delimiter() || r.is_blank()) {
            let number = self.sections[section].number.clone();
            self.note(
                NoteSeverity::Info,
                "import::empty-table",
                header.line,
                None,
                format!("table of section {number} has a header but no rows: no activity"),
            );
        }

        for row in body {
            if row.is_delimiter() {
                self.note(
                    NoteSeverity::Info,
                    "import::stray-delimiter",
                    row.line,
                    None,
                    "delimiter row inside a table: ignored",
                );
                continue;
            }
            if row.is_blank() {
                self.note(
                    NoteSeverity::Info,
                    "import::empty-row",
                    row.line,
                    None,
                    "row with only empty cells: ignored",
                );
                continue;
            }
            let cells: Vec<Inline> = row.cells.iter().map(|c| inline(c.text)).collect();
            if is_repeated_header(&cells, header_cells) {
                self.note(
                    NoteSeverity::Info,
                    "import::repeated-header",
                    row.line,
                    None,
                    "header row repeated inside the table: ignored",
                );
                continue;
            }
            if let Some(title) = heading_title(&cells, activity_col) {
                section = self.heading_row(row.line, title);
                continue;
            }
            self.check_cell_count(row, expected);

            let text = cells
                .get(activity_col)
                .map(|c| c.text.clone())
                .unwrap_or_default();
            let links = cells
                .get(activity_col)
                .map(|c| c.links.clone())
                .unwrap_or_default();
            let activity_cols = row.cells.get(activity_col).map(|c| c.cols);
            if text.is_empty() {
                self.note(
                    NoteSeverity::Warning,
                    "import::empty-activity",
                    row.line,
                    activity_cols,
                    "row has letters but no activity text",
                );
            }
            for link in &links {
                let message = format!(
                    "link `{}` ({}) kept as text; its URL is stored with the activity",
                    link.text, link.url
                );
                self.note(
                    NoteSeverity::Info,
                    "import::link",
                    row.line,
                    activity_cols,
                    message,
                );
            }

            let variants = self.row_variants(row, &cells, &variant_cols);

            let mut letters = std::collections::BTreeMap::new();
            let mut columns = Vec::new();
            for (p, party) in party_ids.iter().enumerate() {
                let k = activity_col + 1 + p;
                let (set, cols) = match (row.cells.get(k), cells.get(k)) {
                    (Some(raw), Some(cell)) => (
                        self.letters_of_cell(row.line, raw.cols, &cell.text),
                        raw.cols,
                    ),
                    _ => (Letters::EMPTY, (row.end_col, row.end_col)),
                };
                letters.insert(party.clone(), set);
                columns.push((party.clone(), cols));
            }
            let activities = &mut self.sections[section].activities;
            activities.push(Activity {
                id: String::new(),
                text,
                letters,
                variants,
                links,
                applies: None,
                translations: Default::default(),
            });
            self.rows.push(RowInfo {
                section,
                activity: activities.len() - 1,
                line: row.line,
                cells: columns,
            });
        }
    }

    fn check_cell_count(&mut self, row: &RawRow<'a>, expected: usize) {
        let n = row.cells.len();
        if n < expected {
            let mut message = format!(
                "row has {n} cell{}, expected {expected}: missing cells read as empty",
                plural(n)
            );
            if !row.closed {
                message.push_str(" (the row has no closing `|`)");
            }
            self.note(
                NoteSeverity::Warning,
                "import::ragged-row",
                row.line,
                None,
                message,
            );
        } else if n > expected {
            let extra: Vec<&str> = row.cells[expected..]
                .iter()
                .map(|c| c.text)
                .filter(|t| !t.is_empty())
                .collect();
            let first_extra = row.cells[expected].cols.0;
            let last_extra = row.cells[n - 1].cols.1;
            if extra.is_empty() {
                let message =
                    format!("row has {n} cells, expected {expected}: extra empty cells ignored");
                self.note(
                    NoteSeverity::Info,
                    "import::ragged-row",
                    row.line,
                    Some((first_extra, last_extra)),
                    message,
                );
            } else {
                let message = format!(
                    "row has {n} cells, expected {expected}: extra cells ignored (`{}`)",
                    extra.join("`, `")
                );
                self.note(
                    NoteSeverity::Warning,
                    "import::ragged-row",
                    row.line,
                    Some((first_extra, last_extra)),
                    message,
                );
            }
        }
    }

    fn row_variants(
        &mut self,
        row: &RawRow<'a>,
        cells: &[Inline],
        variant_cols: &[(usize, String)],
    ) -> Vec<String> {
        if variant_cols.is_empty() {
            return Vec::new();
        }
        let mut applies = Vec::new();
        for &(k, ref id) in variant_cols {
            let mark = cells.get(k).map(|c| c.text.as_str()).unwrap_or("");
            match variant_mark(mark) {
                Some(true) => applies.push(id.clone()),
                Some(false) => {}
                None => {
                    let cols = row.cells.get(k).map(|c| c.cols);
                    let message = format!(
                        "applicability mark `{mark}` for variant `{id}` not understood: read \
                         as applying"
                    );
                    self.note(
                        NoteSeverity::Warning,
                        "import::unknown-variant-mark",
                        row.line,
                        cols,
                        message,
                    );
                    applies.push(id.clone());
                }
            }
        }
        if applies.is_empty() {
            self.note(
                NoteSeverity::Warning,
                "import::no-variant",
                row.line,
                None,
                "row is marked for no variant: read as applying to all",
            );
        }
        // "All variants" is written as no restriction, which is what an empty list means.
        if applies.len() == variant_cols.len() {
            applies.clear();
        }
        applies
    }

    fn letters_of_cell(&mut self, line: usize, cols: (usize, usize), visible: &str) -> Letters {
        // What the user said a cell means comes first (`[cells]` of the import options).
        let key = visible.trim();
        if let Some(&letters) = self.options.cells.get(key) {
            let message = format!("`{key}` read as {} (import options)", show_set(letters));
            self.note(
                NoteSeverity::Info,
                "import::cell-mapped",
                line,
                Some(cols),
                message,
            );
            return letters;
        }
        let cell = letter_cell(visible);
        if cell.not_applicable {
            let message = format!("`{visible}` read as no letter");
            self.note(
                NoteSeverity::Info,
                "import::not-applicable",
                line,
                Some(cols),
                message,
            );
            return Letters::EMPTY;
        }
        if !cell.unknown.is_empty() {
            let message = format!(
                "`{key}` is not a set of RACI letters (R, A, C, I): no letter is read out of a \
                 word; say what it means in the import options (`[cells]` \"{key}\" = \"RA\", \
                 `annex import --import-options FILE`), or use this page as a translation of one \
                 that has the letters"
            );
            self.note(
                NoteSeverity::Error,
                "import::unknown-letter",
                line,
                Some(cols),
                message,
            );
            return Letters::EMPTY;
        } else if cell.written != cell.letters.to_string() {
            let message = format!("letters `{visible}` read as {}", show_set(cell.letters));
            self.note(
                NoteSeverity::Info,
                "import::letter-order",
                line,
                Some(cols),
                message,
            );
        } else if visible.chars().any(|c| c.is_ascii_lowercase()) {
            let message = format!("letters `{visible}` read as {}", show_set(cell.letters));
            self.note(
                NoteSeverity::Info,
                "import::letter-case",
                line,
                Some(cols),
                message,
            );
        }
        cell.letters
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import_markdown;
    use crate::import::test_support::{at_cols, codes, imp, letters, HEAD};

    #[test]
    fn header_only_table_keeps_the_section_with_no_activity() {
        let page = format!("### 2.2. Empty\n\n{HEAD}\n### 2.3. Full\n\n{HEAD}| Do | RA | I |\n");
        let i = imp(&page);
        let s = &i.matrix.sections[0];
        assert!(s.has_table && s.activities.is_empty());
        assert_eq!(codes(&i, "import::empty-table"), [3]);
        // A page with only a header-only table is still a matrix.
        let i = imp(&format!("### 1. S\n\n{HEAD}"));
        assert_eq!(i.matrix.activities().count(), 0);
        assert_eq!(i.matrix.parties.len(), 2);
    }

    #[test]
    fn table_without_delimiter_row_and_whitespace_only_line() {
        let page = "### 1. S\n    \n\t\n| Activity | Customer | OVHcloud |\n| Do | RA | I |\n| Also | | RA |\n";
        let i = imp(page);
        assert_eq!(i.matrix.activities().count(), 2);
        assert_eq!(letters(&i, "Also"), ["", "RA"]);
        assert_eq!(codes(&i, "import::no-delimiter-row"), [4]);
    }

    #[test]
    fn ragged_and_unclosed_rows() {
        let page = format!("### 1. S\n\n{HEAD}| Two cells | RA |\n| Only activity\n| Extra | R | A | C |\n| Extra blank | R | A | |\n");
        let i = imp(&page);
        assert_eq!(letters(&i, "Two cells"), ["RA", ""]);
        assert_eq!(letters(&i, "Only activity"), ["", ""]);
        assert_eq!(letters(&i, "Extra"), ["R", "A"]);
        let msgs: Vec<(usize, NoteSeverity, &str)> = i
            .notes
            .iter()
            .filter(|n| n.code == "import::ragged-row")
            .map(|n| (n.line, n.severity, n.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (5, NoteSeverity::Warning, "row has 2 cells, expected 3: missing cells read as empty"),
                (6, NoteSeverity::Warning, "row has 1 cell, expected 3: missing cells read as empty (the row has no closing `|`)"),
                (7, NoteSeverity::Warning, "row has 4 cells, expected 3: extra cells ignored (`C`)"),
                (8, NoteSeverity::Info, "row has 4 cells, expected 3: extra empty cells ignored"),
            ]
        );
        // A missing cell is located at the end of its line.
        let id = &i.matrix.sections[0].activities[0].id;
        assert_eq!(
            i.cell_columns[&(id.clone(), "ovhcloud".to_owned())],
            (19, 19)
        );
    }

    #[test]
    fn leading_applicability_columns_become_variants() {
        let page = "---\ntitle: Variants\n---\n\n### 1. S\n\n\
                    | Essential | Enterprise | **Activity** | Customer | OVHcloud |\n| :-: | :-: | --- | --- | --- |\n\
                    | X | x | Both | RA | I |\n| ✓ |  | Essential only | RA | I |\n|  | X | Enterprise only | I | RA |\n\
                    |  |  | Neither | RA | |\n| ? | X | Odd mark | RA | |\n";
        let i = imp(page);
        let m = &i.matrix;
        assert_eq!(
            m.variants,
            vec![
                Variant {
                    id: "essential".into(),
                    name: "Essential".into()
                },
                Variant {
                    id: "enterprise".into(),
                    name: "Enterprise".into()
                }
            ]
        );
        assert_eq!(
            m.parties.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["customer", "ovhcloud"]
        );
        let v: Vec<(&str, Vec<String>)> = m
            .activities()
            .map(|(_, a)| (a.text.as_str(), a.variants.clone()))
            .collect();
        assert_eq!(
            v,
            [
                ("Both", vec![]),
                ("Essential only", vec!["essential".to_owned()]),
                ("Enterprise only", vec!["enterprise".to_owned()]),
                ("Neither", vec![]),
                ("Odd mark", vec![]),
            ]
        );
        assert_eq!(letters(&i, "Enterprise only"), ["I", "RA"]);
        assert_eq!(codes(&i, "import::no-variant"), [12]);
        assert_eq!(codes(&i, "import::unknown-variant-mark"), [13]);
        let id = &m.sections[0].activities[0].id;
        let cols = i.cell_columns[&(id.clone(), "customer".to_owned())];
        assert_eq!(at_cols(page.lines().nth(8).unwrap(), cols), "RA");
    }

    #[test]
    fn row_number_columns_are_not_variants() {
        let page =
            "### 1. S\n| # | Activity | Customer | OVHcloud |\n|-|-|-|-|\n| 1 | Do | RA | I |\n";
        let i = imp(page);
        assert!(i.matrix.variants.is_empty());
        assert!(i.matrix.sections[0].activities[0].variants.is_empty());
        assert_eq!(letters(&i, "Do"), ["RA", "I"]);
        assert_eq!(codes(&i, "import::column-ignored"), [2]);
    }

    #[test]
    fn any_number_of_parties_and_the_provider_column() {
        let page = "---\nexcerpt: Shared responsibilities between OVHcloud, its partner and the customer\n---\n### 1. S\n\
                    | Activity | Customer | Integration Partner | OVHcloud |\n|---|---|---|---|\n| Do | RA | C | I |\n";
        let i = imp(page);
        let p: Vec<(&str, &str, PartyRole)> = i
            .matrix
            .parties
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str(), p.role))
            .collect();
        assert_eq!(
            p,
            [
                ("customer", "Customer", PartyRole::Customer),
                (
                    "integration-partner",
                    "Integration Partner",
                    PartyRole::Other
                ),
                ("ovhcloud", "OVHcloud", PartyRole::Provider),
            ]
        );
        assert_eq!(i.matrix.provider, "OVHcloud");
        assert_eq!(letters(&i, "Do"), ["RA", "C", "I"]);

        // Another provider's page: the non-customer column is the provider.
        let i = import_markdown(
            "### 1. S\n| Activity | Client | Acme Cloud |\n|-|-|-|\n| Do | RA | I |\n",
            "acme-cloud-storage.md",
        )
        .unwrap();
        assert_eq!(i.matrix.provider, "Acme Cloud");
        assert_eq!(i.matrix.parties[1].role, PartyRole::Provider);
        assert_eq!(i.matrix.service, "storage");

        // Two candidates and no hint: provider unclear, default name.
        let i =
            imp("### 1. S\n| Activity | Customer | Foo | Bar |\n|-|-|-|-|\n| Do | RA | I | C |\n");
        assert_eq!(i.matrix.provider, DEFAULT_PROVIDER);
        assert_eq!(codes(&i, "import::provider-unclear"), [2]);
    }
}
