//! Aligning a matrix with its translation: which row of the page in one language is which
//! row of the page in the other (stage: below `check` and `prepare`, a pure function of the
//! two matrices).
//!
//! Rule, in order: rows with the same id when both matrices are canonical (their ids are
//! explicit); then, section by section (matched by number), the rows left in the same
//! position — only where the section has as many rows left on both sides, since a
//! translation that lost or gained a row cannot be paired by position safely. Everything
//! else is unpaired, and reported with its file and line.
//!
//! Invariants: every row of either side is either in exactly one pair or unpaired; the
//! result depends only on the two matrices (never on text similarity); linear in the rows.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::load::{LoadedMatrix, MatrixFormat};
use crate::model::Matrix;

/// How a pair was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// The same explicit id in two canonical matrices.
    Id,
    /// Row `row` (0-based, among the rows not paired by id) of section `section` in both.
    Position {
        /// The section number.
        section: String,
        /// 0-based position.
        row: usize,
    },
}

/// Two rows that say the same thing in two languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// Ordinal (in `Matrix::activities` order) in the prevailing matrix.
    pub prevailing: usize,
    /// Ordinal in the translation.
    pub translation: usize,
    /// How they were paired.
    pub how: How,
}

/// The alignment of two matrices.
#[derive(Debug, Clone, Default)]
pub struct Alignment {
    /// The pairs, in the prevailing matrix's order.
    pub pairs: Vec<Pair>,
    /// Ordinals of the prevailing matrix's rows with no pair.
    pub unpaired_prevailing: Vec<usize>,
    /// Ordinals of the translation's rows with no pair.
    pub unpaired_translation: Vec<usize>,
}

/// Aligns `translation` with `prevailing`; `by_id` when both ids are explicit (canonical).
pub fn align(prevailing: &Matrix, translation: &Matrix, by_id: bool) -> Alignment {
    let ordinals = |m: &Matrix| -> Vec<(String, Vec<usize>)> {
        let mut at = 0;
        m.sections
            .iter()
            .map(|s| {
                let rows = (at..at + s.activities.len()).collect();
                at += s.activities.len();
                (s.number.clone(), rows)
            })
            .collect()
    };
    let mut pairs = Vec::new();
    let mut taken_p: HashSet<usize> = HashSet::new();
    let mut taken_t: HashSet<usize> = HashSet::new();
    if by_id {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        for (k, (_, a)) in translation.activities().enumerate() {
            ids.entry(a.id.as_str()).or_insert(k);
        }
        for (i, (_, a)) in prevailing.activities().enumerate() {
            if let Some(&k) = ids.get(a.id.as_str()) {
                if taken_t.insert(k) {
                    taken_p.insert(i);
                    pairs.push(Pair {
                        prevailing: i,
                        translation: k,
                        how: How::Id,
                    });
                }
            }
        }
    }
    let theirs: HashMap<String, Vec<usize>> = ordinals(translation)
        .into_iter()
        .filter(|(n, _)| !n.is_empty())
        .collect();
    for (number, rows) in ordinals(prevailing) {
        let Some(other) = theirs.get(&number) else {
            continue;
        };
        let left: Vec<usize> = rows.into_iter().filter(|i| !taken_p.contains(i)).collect();
        let right: Vec<usize> = other
            .iter()
            .copied()
            .filter(|k| !taken_t.contains(k))
            .collect();
        if left.len() != right.len() || number.is_empty() {
            continue;
        }
        for (row, (i, k)) in left.into_iter().zip(right).enumerate() {
            taken_p.insert(i);
            taken_t.insert(k);
            pairs.push(Pair {
                prevailing: i,
                translation: k,
                how: How::Position {
                    section: number.clone(),
                    row,
                },
            });
        }
    }
    pairs.sort_by_key(|p| p.prevailing);
    let count = |m: &Matrix| m.sections.iter().map(|s| s.activities.len()).sum::<usize>();
    Alignment {
        pairs,
        unpaired_prevailing: (0..count(prevailing))
            .filter(|i| !taken_p.contains(i))
            .collect(),
        unpaired_translation: (0..count(translation))
            .filter(|k| !taken_t.contains(k))
            .collect(),
    }
}

/// Aligns two loaded matrices (by id when both are canonical files).
pub fn align_loaded(prevailing: &LoadedMatrix, translation: &LoadedMatrix) -> Alignment {
    let canonical = |m: &LoadedMatrix| m.format != MatrixFormat::Page;
    align(
        &prevailing.matrix,
        &translation.matrix,
        canonical(prevailing) && canonical(translation),
    )
}

/// A translation's letters are never the contract's (the prevailing page's are), so a
/// translation may name parties in its cells (`Kunde`) where the prevailing page has
/// letters: for every paired row with a cell the importer refused
/// (`import::unknown-letter`), the prevailing row's letters stand in, party by counterpart,
/// and the refusal becomes a note saying so. An unpaired row keeps its refusal.
pub fn supply_letters(
    translation: &mut LoadedMatrix,
    prevailing: &LoadedMatrix,
    alignment: &Alignment,
) {
    let unread: HashSet<usize> = translation
        .import_notes
        .iter()
        .filter(|n| n.code == UNREAD)
        .map(|n| n.line)
        .collect();
    if unread.is_empty() {
        return;
    }
    let mine: Vec<&crate::model::Activity> =
        prevailing.matrix.activities().map(|(_, a)| a).collect();
    let by_ordinal: HashMap<usize, usize> = alignment
        .pairs
        .iter()
        .map(|p| (p.translation, p.prevailing))
        .collect();
    let parties = translation.matrix.parties.clone();
    let mut supplied: HashMap<usize, usize> = HashMap::new();
    let mut ordinal = 0;
    for s in &mut translation.matrix.sections {
        for a in &mut s.activities {
            let line = translation.activity_lines.get(&a.id).copied();
            if let (Some(line), Some(&i)) = (line, by_ordinal.get(&ordinal)) {
                if unread.contains(&line) {
                    for party in &parties {
                        let theirs = prevailing.matrix.counterpart(party);
                        let letters = theirs
                            .and_then(|p| mine[i].letters.get(&p.id))
                            .copied()
                            .unwrap_or_default();
                        a.letters.insert(party.id.clone(), letters);
                    }
                    supplied.insert(line, i);
                }
            }
            ordinal += 1;
        }
    }
    let lines: HashMap<&str, usize> = prevailing
        .activity_lines
        .iter()
        .map(|(id, &l)| (id.as_str(), l))
        .collect();
    for note in &mut translation.import_notes {
        if let (UNREAD, Some(&i)) = (note.code, supplied.get(&note.line)) {
            note.severity = crate::import::NoteSeverity::Info;
            note.code = "import::letters-from-prevailing";
            note.message = format!(
                "cell not read as letters: this page is a translation, and its row takes the letters of the prevailing page ({}:{})",
                prevailing.source.name,
                lines.get(mine[i].id.as_str()).copied().unwrap_or(0)
            );
        }
    }
}

/// The importer's code for a letter cell it refused to read.
const UNREAD: &str = "import::unknown-letter";

/// Writes the text of `translation` into `prevailing` for every pair of `alignment`, and
/// each section title whose number both have, under the translation's language code: a
/// canonical matrix that carries both texts (`annex import --translation`). Unpaired rows
/// get none (the documents then show their own text).
pub fn embed(prevailing: &mut Matrix, translation: &Matrix, alignment: &Alignment) {
    let code = crate::model::primary_language(&translation.language);
    let theirs: Vec<&str> = translation
        .activities()
        .map(|(_, a)| a.text.as_str())
        .collect();
    let by_ordinal: HashMap<usize, usize> = alignment
        .pairs
        .iter()
        .map(|p| (p.prevailing, p.translation))
        .collect();
    let titles: HashMap<&str, &str> = translation
        .sections
        .iter()
        .filter(|s| !s.number.is_empty())
        .map(|s| (s.number.as_str(), s.title.as_str()))
        .collect();
    let mut ordinal = 0;
    for s in &mut prevailing.sections {
        if let Some(title) = titles.get(s.number.as_str()) {
            s.translations.insert(code.clone(), (*title).to_owned());
        }
        for a in &mut s.activities {
            if let Some(&k) = by_ordinal.get(&ordinal) {
                a.translations.insert(code.clone(), theirs[k].to_owned());
            }
            ordinal += 1;
        }
    }
}

/// The alignment as `check` and the audit report show it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The prevailing matrix's file.
    pub prevailing: String,
    /// The translation's file.
    pub translation: String,
    /// Rows paired.
    pub paired: usize,
    /// Rows of the prevailing matrix left unpaired.
    pub unpaired_prevailing: Vec<Row>,
    /// Rows of the translation left unpaired.
    pub unpaired_translation: Vec<Row>,
}

/// An unpaired row, where a reader finds it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// File name as given.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// Section number.
    pub section: String,
    /// The row's text, verbatim.
    pub text: String,
}

impl Report {
    /// The report of `alignment` between two loaded matrices.
    pub fn new(
        alignment: &Alignment,
        prevailing: &LoadedMatrix,
        translation: &LoadedMatrix,
    ) -> Report {
        let rows = |m: &LoadedMatrix, ordinals: &[usize]| -> Vec<Row> {
            let wanted: HashSet<usize> = ordinals.iter().copied().collect();
            m.matrix
                .activities()
                .enumerate()
                .filter(|(i, _)| wanted.contains(i))
                .map(|(_, (s, a))| Row {
                    file: m.source.name.clone(),
                    line: m.activity_lines.get(&a.id).copied().unwrap_or(0),
                    section: s.number.clone(),
                    text: a.text.clone(),
                })
                .collect()
        };
        Report {
            prevailing: prevailing.source.name.clone(),
            translation: translation.source.name.clone(),
            paired: alignment.pairs.len(),
            unpaired_prevailing: rows(prevailing, &alignment.unpaired_prevailing),
            unpaired_translation: rows(translation, &alignment.unpaired_translation),
        }
    }

    /// The report as a document shows it: files by their own name
    /// ([`crate::diag::shown_name`]).
    pub fn shown(&self) -> Report {
        let rows = |rows: &[Row]| -> Vec<Row> {
            rows.iter()
                .map(|r| Row {
                    file: crate::diag::shown_name(&r.file),
                    ..r.clone()
                })
                .collect()
        };
        Report {
            prevailing: crate::diag::shown_name(&self.prevailing),
            translation: crate::diag::shown_name(&self.translation),
            paired: self.paired,
            unpaired_prevailing: rows(&self.unpaired_prevailing),
            unpaired_translation: rows(&self.unpaired_translation),
        }
    }

    /// One line per fact, for `annex check` and `annex render`'s notes.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![format!(
            "alignment of {} with {}: {} rows paired, {} unpaired in {}, {} unpaired in {}",
            self.translation,
            self.prevailing,
            self.paired,
            self.unpaired_prevailing.len(),
            self.prevailing,
            self.unpaired_translation.len(),
            self.translation
        )];
        for r in self
            .unpaired_prevailing
            .iter()
            .chain(&self.unpaired_translation)
        {
            out.push(format!(
                "  unpaired: {}:{} (section {}) {}",
                r.file, r.line, r.section, r.text
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activity, Section};

    fn matrix(sections: &[(&str, &[&str])]) -> Matrix {
        let mut m: Matrix = toml::from_str(crate::load::DEFAULT_MATRIX).unwrap();
        let with_rows = m
            .sections
            .iter()
            .position(|s| !s.activities.is_empty())
            .unwrap();
        m.sections.swap(0, with_rows);
        m.sections = sections
            .iter()
            .map(|(number, ids)| {
                let mut s: Section = m.sections[0].clone();
                s.number = (*number).to_owned();
                s.activities = ids
                    .iter()
                    .map(|id| {
                        let mut a: Activity = m.sections[0].activities[0].clone();
                        a.id = (*id).to_owned();
                        a
                    })
                    .collect();
                s
            })
            .collect();
        m
    }

    #[test]
    fn sections_pair_by_position_only_with_equal_counts() {
        let en = matrix(&[("1", &["a", "b"]), ("2", &["c", "d", "e"])]);
        let fr = matrix(&[("1", &["x", "y"]), ("2", &["z", "w"])]);
        let al = align(&en, &fr, false);
        assert_eq!(
            al.pairs
                .iter()
                .map(|p| (p.prevailing, p.translation))
                .collect::<Vec<_>>(),
            [(0, 0), (1, 1)]
        );
        assert_eq!(al.unpaired_prevailing, [2, 3, 4]);
        assert_eq!(al.unpaired_translation, [2, 3]);
    }

    #[test]
    fn canonical_ids_pair_first_then_position() {
        let en = matrix(&[("1", &["a", "b", "c"])]);
        let fr = matrix(&[("1", &["c", "q", "r"]), ("9", &["s"])]);
        let al = align(&en, &fr, true);
        assert_eq!(al.pairs[2].how, How::Id);
        assert_eq!((al.pairs[2].prevailing, al.pairs[2].translation), (2, 0));
        assert_eq!((al.pairs[0].prevailing, al.pairs[0].translation), (0, 1));
        assert_eq!(al.unpaired_translation, [3]);
        assert!(al.unpaired_prevailing.is_empty());
    }
}
