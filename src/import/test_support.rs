//! Fixture helpers shared by the importer's tests: import a small page, then look at what
//! came out by activity text, note code or column.

use super::{import_markdown, Imported};

/// Header and delimiter rows of the usual three-column RACI table.
pub(super) const HEAD: &str =
    "| **Activity** | **Customer** | **OVHcloud** |\n| --- | --- | --- |\n";

pub(super) fn imp(text: &str) -> Imported {
    import_markdown(text, "test.en-gb.md").unwrap()
}

pub(super) fn codes(i: &Imported, code: &str) -> Vec<usize> {
    i.notes
        .iter()
        .filter(|n| n.code == code)
        .map(|n| n.line)
        .collect()
}

pub(super) fn letters(i: &Imported, text: &str) -> Vec<String> {
    let (_, a) = i
        .matrix
        .activities()
        .find(|(_, a)| a.text == text)
        .unwrap_or_else(|| panic!("no activity `{text}`"));
    i.matrix
        .parties
        .iter()
        .map(|p| a.letters_of(&p.id).to_string())
        .collect()
}

/// The characters at 1-based columns `start..end` of `line`.
pub(super) fn at_cols(line: &str, (start, end): (usize, usize)) -> String {
    line.chars().skip(start - 1).take(end - start).collect()
}
