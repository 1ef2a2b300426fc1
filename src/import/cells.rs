//! What a header or a cell means: the vocabulary of headers, letter cells, applicability
//! marks and legend entries.
//!
//! Everything here works on visible text (after [`super::inline`]); words are compared on
//! `ids::slug`, so case and accents do not matter. Nothing here emits notes: the callers in
//! [`super::tables`] decide what is worth reporting.

use crate::ids;
use crate::model::{Letter, Letters};

use super::inline::{inline, Inline};
use super::lines::RawRow;

// Vocabulary. Compared against `ids::slug` of the visible text, so case and accents do not
// matter ("Activité" → "activite").

/// Header of the activity column.
const ACTIVITY_WORDS: &[&str] = &[
    "activity",
    "activities",
    "activite",
    "activites",
    "actividad",
    "actividades",
    "attivita",
    "atividade",
    "atividades",
    "aktivitat",
    "taetigkeit",
    "tatigkeit",
    "task",
    "tasks",
    "tache",
    "taches",
];

/// Header of the customer's column; the party gets the id "customer" whatever the language.
pub(super) const CUSTOMER_WORDS: &[&str] = &[
    "customer",
    "customers",
    "client",
    "clients",
    "cliente",
    "clientes",
    "kunde",
    "kunden",
    "klant",
    "the-customer",
    "le-client",
];

/// Header of a row-number column before the activity (not an applicability column).
pub(super) const ROW_NUMBER_WORDS: &[&str] = &[
    "id",
    "no",
    "n",
    "nr",
    "num",
    "number",
    "ref",
    "reference",
    "item",
];

/// Header of the roles legend table.
pub(super) const LEGEND_WORDS: &[&str] = &[
    "roles",
    "role",
    "roles-definition",
    "legend",
    "legende",
    "raci",
    "raci-definition",
    "definition",
    "definitions",
    "key",
];

/// What a letter cell holds.
pub(super) struct LetterCell {
    pub(super) letters: Letters,
    pub(super) unknown: Vec<char>,
    /// The letters as written (uppercased), to compare with R-A-C-I order.
    pub(super) written: String,
    pub(super) not_applicable: bool,
}

pub(super) fn letter_cell(visible: &str) -> LetterCell {
    let folded = visible.trim().to_lowercase();
    if matches!(
        folded.as_str(),
        "n/a" | "na" | "n.a." | "none" | "aucun" | "s/o" | "sans objet"
    ) {
        return LetterCell {
            letters: Letters::EMPTY,
            unknown: vec![],
            written: String::new(),
            not_applicable: true,
        };
    }
    let (letters, unknown) = Letters::parse_lenient(visible);
    let written = visible
        .chars()
        .filter_map(Letter::from_char)
        .map(Letter::as_char)
        .collect();
    LetterCell {
        letters,
        unknown,
        written,
        not_applicable: false,
    }
}

pub(super) fn show_set(l: Letters) -> String {
    let v: Vec<String> = l.iter().map(|x| x.as_char().to_string()).collect();
    format!("{{{}}}", v.join(", "))
}

/// Reads an applicability mark: `X`, `x`, `✓` apply; blank or `-` does not.
pub(super) fn variant_mark(visible: &str) -> Option<bool> {
    match visible.trim().to_lowercase().as_str() {
        "x" | "✓" | "✔" | "✅" | "☑" | "yes" | "y" | "oui" | "o" | "•" | "●" => {
            Some(true)
        }
        "" | "-" | "–" | "—" | "no" | "n" | "non" | "✗" | "✘" | "×" => Some(false),
        _ => None,
    }
}

/// A legend entry from a cell or line: `R : Is in charge…`, `A: …`, or a lone letter with
/// its meaning in `second`.
pub(super) fn legend_entry(first: &str, second: Option<&str>) -> Option<(Letter, String)> {
    let t = first.trim();
    let mut chars = t.chars();
    let c = chars
        .next()
        .filter(|c| matches!(c, 'R' | 'A' | 'C' | 'I'))?;
    let letter = Letter::from_char(c)?;
    let rest = chars.as_str().trim_start();
    if rest.is_empty() {
        let meaning = second?.trim();
        return (!meaning.is_empty()).then(|| (letter, meaning.to_owned()));
    }
    let sep = rest.chars().next()?;
    if !matches!(sep, ':' | '：' | '=' | '-' | '–' | '—') {
        return None;
    }
    let meaning = rest[sep.len_utf8()..].trim();
    (!meaning.is_empty()).then(|| (letter, meaning.to_owned()))
}

pub(super) fn strip_bullet(s: &str) -> &str {
    let t = s.trim_start();
    for b in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(b) {
            return rest;
        }
    }
    t
}

/// Column of the activity in a header, and whether it was guessed (no `Activity` header, but
/// a customer column after the first one).
pub(super) fn find_activity_col(header: &[Inline]) -> Option<(usize, bool)> {
    let slugs: Vec<String> = header.iter().map(|c| ids::slug(&c.text)).collect();
    let named = slugs.iter().position(|s| {
        ACTIVITY_WORDS
            .iter()
            .any(|w| s == w || s.strip_prefix(w).is_some_and(|r| r.starts_with('-')))
    });
    if let Some(k) = named {
        return Some((k, false));
    }
    (slugs.len() >= 2
        && slugs[1..]
            .iter()
            .any(|s| CUSTOMER_WORDS.contains(&s.as_str())))
    .then_some((0, true))
}

/// Whether a row inside a table looks like a header (starts a new glued table).
pub(super) fn is_header_like(row: &RawRow<'_>) -> bool {
    let cells: Vec<Inline> = row.cells.iter().map(|c| inline(c.text)).collect();
    find_activity_col(&cells).is_some_and(|(_, guessed)| !guessed)
        || cells
            .first()
            .is_some_and(|c| LEGEND_WORDS.contains(&ids::slug(&c.text).as_str()))
}

pub(super) fn is_repeated_header(cells: &[Inline], header: &[Inline]) -> bool {
    cells.len() == header.len()
        && cells
            .iter()
            .zip(header)
            .all(|(a, b)| ids::slug(&a.text) == ids::slug(&b.text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import_markdown;
    use crate::import::lines::split_row;
    use crate::import::test_support::{at_cols, codes, imp, letters, HEAD};
    use crate::import::NoteSeverity;
    use crate::model::LegendEntry;

    fn header(names: &[&str]) -> Vec<Inline> {
        names.iter().map(|n| inline(n)).collect()
    }

    #[test]
    fn letter_cells() {
        let c = letter_cell("IR");
        assert_eq!(
            (c.letters.to_string(), c.written.as_str()),
            ("RI".into(), "IR")
        );
        assert!(c.unknown.is_empty() && !c.not_applicable);
        assert_eq!(letter_cell("RX").unknown, ['X']);
        let na = letter_cell(" N/A ");
        assert!(na.not_applicable && na.letters.is_empty());
        assert_eq!(show_set(letter_cell("ir").letters), "{R, I}");
        assert_eq!(show_set(Letters::EMPTY), "{}");
    }

    #[test]
    fn applicability_marks() {
        for m in ["X", "x", " ✓ ", "yes", "Oui"] {
            assert_eq!(variant_mark(m), Some(true), "{m}");
        }
        for m in ["", "-", "—", "no"] {
            assert_eq!(variant_mark(m), Some(false), "{m}");
        }
        assert_eq!(variant_mark("maybe"), None);
    }

    #[test]
    fn legend_entries() {
        assert_eq!(
            legend_entry("R : Is in charge", None),
            Some((Letter::R, "Is in charge".into()))
        );
        assert_eq!(
            legend_entry("C – Consulted", None),
            Some((Letter::C, "Consulted".into()))
        );
        assert_eq!(
            legend_entry("A", Some(" Answers ")),
            Some((Letter::A, "Answers".into()))
        );
        assert_eq!(legend_entry("A", None), None);
        assert_eq!(legend_entry("A:", None), None);
        assert_eq!(legend_entry("Roles", None), None);
        assert_eq!(legend_entry("r: lower", None), None);
        assert_eq!(strip_bullet("  - item"), "item");
        assert_eq!(strip_bullet("*x"), "*x");
    }

    #[test]
    fn activity_column_and_header_rows() {
        let find = |names: &[&str]| find_activity_col(&header(names));
        assert_eq!(find(&["#", "**Activity**", "Customer"]), Some((1, false)));
        assert_eq!(find(&["Activity details", "Customer"]), Some((0, false)));
        assert_eq!(find(&["Tâche", "Client", "X"]), Some((0, false)));
        assert_eq!(find(&["What", "Customer", "OVH"]), Some((0, true)));
        assert_eq!(find(&["Customer", "What"]), None);
        assert_eq!(find(&["Roles"]), None);
        assert!(is_header_like(&split_row(1, "| Activity | Customer |")));
        assert!(is_header_like(&split_row(1, "| Roles |")));
        assert!(!is_header_like(&split_row(1, "| What | Customer |")));
        assert!(is_repeated_header(
            &header(&["ACTIVITY", "Customer"]),
            &header(&["**Activity**", "customer"])
        ));
        assert!(!is_repeated_header(
            &header(&["Activity"]),
            &header(&["Activity", "Customer"])
        ));
    }

    #[test]
    fn letters_in_any_order_and_case_and_unknown_characters() {
        let page = format!("### 1. S\n\n{HEAD}| Order | AR | IR |\n| Case | ra | i |\n| Unknown | RX | I? |\n| Sep | R/A | C, I |\n| NA | n/a | RA |\n");
        let i = imp(&page);
        assert_eq!(letters(&i, "Order"), ["RA", "RI"]);
        assert_eq!(letters(&i, "Case"), ["RA", "I"]);
        // Not a letter set: no letter is read out of it.
        assert_eq!(letters(&i, "Unknown"), ["", ""]);
        assert_eq!(letters(&i, "Sep"), ["RA", "CI"]);
        assert_eq!(letters(&i, "NA"), ["", "RA"]);
        assert_eq!(codes(&i, "import::letter-order"), [5, 5]);
        assert_eq!(codes(&i, "import::letter-case"), [6, 6]);
        assert_eq!(codes(&i, "import::unknown-letter"), [7, 7]);
        assert_eq!(codes(&i, "import::not-applicable"), [9]);
        let unknown = i
            .notes
            .iter()
            .find(|n| n.code == "import::unknown-letter")
            .unwrap();
        assert_eq!(unknown.severity, NoteSeverity::Error);
        assert!(
            unknown.message.starts_with(
                "`RX` is not a set of RACI letters (R, A, C, I): no letter is read out of a word"
            ),
            "{}",
            unknown.message
        );
        assert_eq!(
            at_cols(page.lines().nth(6).unwrap(), unknown.column.unwrap()),
            "RX"
        );
    }

    #[test]
    fn legend_in_its_several_spellings() {
        let fr = "| Rôles |\n| --- |\n|R : Est en charge|\n|A : Est Approbateur|\n|C : Est Consulté|\n|I : Est Informé|\n\n### 1. S\n\n| **Activité** | **Client** | **OVHcloud** |\n| --- | --- | --- |\n| Faire | RA | I |\n";
        let i = import_markdown(fr, "x.fr-fr.md").unwrap();
        assert_eq!(
            i.matrix
                .legend
                .iter()
                .map(|e| e.meaning.as_str())
                .collect::<Vec<_>>(),
            [
                "Est en charge",
                "Est Approbateur",
                "Est Consulté",
                "Est Informé"
            ]
        );
        assert_eq!(i.matrix.language, "fr");
        // Without a locale in the file name, the French header tells the language.
        assert_eq!(import_markdown(fr, "x.md").unwrap().matrix.language, "fr");

        let prose = format!("## RACI definition\n\n- **R**: Responsible\n- **A** : Accountable\n- C – Consulted\n- I: Informed\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n");
        let i = imp(&prose);
        assert_eq!(
            i.matrix
                .legend
                .iter()
                .map(|e| e.letter.as_char())
                .collect::<String>(),
            "RACI"
        );
        assert_eq!(i.matrix.legend[2].meaning, "Consulted");

        let two_cols = format!("| Letter | Meaning |\n|---|---|\n| R | Does |\n| A | Answers |\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n");
        let i = imp(&two_cols);
        assert_eq!(
            i.matrix.legend[1],
            LegendEntry {
                letter: Letter::A,
                meaning: "Answers".into()
            }
        );
    }
}
