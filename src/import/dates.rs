//! Dates as printed on the pages, for the matrix version.
//!
//! Pages print their update date in many ways (`2024-05-31`, `05/07/2023`,
//! `September 28th, 2021`, `1er juillet 2023`). Numeric dates are read day first, as on the
//! European pages. A date that does not parse is kept as printed rather than guessed.

use chrono::NaiveDate;

/// A body line announcing the update date (`**Last updated September 28th, 2021**`,
/// `**Dernière mise à jour le 05/07/2023**`): the date text as printed.
pub(super) fn updated_line(visible: &str) -> Option<String> {
    // A weak prefix ("Updated …") also starts ordinary sentences, so it only counts when
    // followed by a date that parses.
    const PREFIXES: &[(&str, bool)] = &[
        ("last updated", true),
        ("last update", true),
        ("dernière mise à jour", true),
        ("derniere mise a jour", true),
        ("updated", false),
        ("mise à jour", false),
        ("mis à jour", false),
    ];
    let lower = visible.to_lowercase();
    let &(prefix, strong) = PREFIXES.iter().find(|(p, _)| lower.starts_with(*p))?;
    // Lowercasing keeps byte lengths for the Latin letters of the prefixes; `get` guards
    // against any surprise.
    let mut rest = visible.get(prefix.len()..)?.trim_start();
    for filler in [":", "on ", "le ", "the ", "-"] {
        if rest
            .get(..filler.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(filler))
        {
            rest = rest[filler.len()..].trim_start();
        }
    }
    let rest = rest.trim().trim_end_matches('.').trim();
    let plausible = if strong {
        rest.chars().any(|c| c.is_ascii_digit())
    } else {
        parse_date(rest).is_some()
    };
    plausible.then(|| rest.to_owned())
}

/// Parses a date as printed on the pages: ISO, `DD/MM/YYYY` (day first, as on the European
/// pages; month first only when day first is impossible), `23rd December 2022`,
/// `September 28th, 2021`, `5 juillet 2023`.
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim().trim_matches(|c| c == '*' || c == '_').trim();
    if let (Some(head), Some(tail)) = (s.get(..10), s.get(10..)) {
        if tail.is_empty() || tail.starts_with(['T', ' ']) {
            if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
                return Some(d);
            }
        }
    }
    let mut month = None;
    let mut numbers: Vec<(u32, usize)> = Vec::new();
    for token in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let lower = token.to_lowercase();
        if let Some(m) = month_number(&lower) {
            if month.replace(m).is_some() {
                return None;
            }
            continue;
        }
        if DATE_FILLERS.contains(&lower.as_str()) {
            continue;
        }
        let digits = lower.chars().take_while(char::is_ascii_digit).count();
        let suffix = &lower[digits..];
        if digits == 0 || digits > 4 || !(suffix.is_empty() || ORDINALS.contains(&suffix)) {
            return None;
        }
        numbers.push((lower[..digits].parse().ok()?, digits));
    }
    let ymd = |y: u32, m: u32, d: u32| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
    match (month, numbers.as_slice()) {
        (Some(m), [(a, 1..=2), (y, 4)]) | (Some(m), [(y, 4), (a, 1..=2)]) => ymd(*y, m, *a),
        (None, [(y, 4), (m, 1..=2), (d, 1..=2)]) => ymd(*y, *m, *d),
        (None, [(d, 1..=2), (m, 1..=2), (y, 4)]) => ymd(*y, *m, *d).or_else(|| ymd(*y, *d, *m)),
        _ => None,
    }
}

const DATE_FILLERS: &[&str] = &[
    "of",
    "the",
    "on",
    "le",
    "du",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

const ORDINALS: &[&str] = &["st", "nd", "rd", "th", "er", "re", "e", "eme", "ème"];

fn month_number(lower: &str) -> Option<u32> {
    const MONTHS: &[(&str, u32)] = &[
        ("january", 1),
        ("jan", 1),
        ("janvier", 1),
        ("janv", 1),
        ("february", 2),
        ("feb", 2),
        ("février", 2),
        ("fevrier", 2),
        ("févr", 2),
        ("fevr", 2),
        ("march", 3),
        ("mar", 3),
        ("mars", 3),
        ("april", 4),
        ("apr", 4),
        ("avril", 4),
        ("avr", 4),
        ("may", 5),
        ("mai", 5),
        ("june", 6),
        ("jun", 6),
        ("juin", 6),
        ("july", 7),
        ("jul", 7),
        ("juillet", 7),
        ("juil", 7),
        ("august", 8),
        ("aug", 8),
        ("août", 8),
        ("aout", 8),
        ("september", 9),
        ("sep", 9),
        ("sept", 9),
        ("septembre", 9),
        ("october", 10),
        ("oct", 10),
        ("octobre", 10),
        ("november", 11),
        ("nov", 11),
        ("novembre", 11),
        ("december", 12),
        ("dec", 12),
        ("décembre", 12),
        ("decembre", 12),
        ("déc", 12),
    ];
    MONTHS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, m)| m)
}

/// A date normalised to ISO `YYYY-MM-DD` when it parses, else the text as printed.
pub(super) fn normalise_date(s: &str) -> String {
    parse_date(s).map_or_else(|| s.trim().to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{codes, imp, HEAD};

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn dates_as_printed() {
        assert_eq!(parse_date("2024-05-31"), ymd(2024, 5, 31));
        assert_eq!(parse_date("2024-05-31T10:00:00Z"), ymd(2024, 5, 31));
        assert_eq!(parse_date("**05/07/2023**"), ymd(2023, 7, 5));
        // Month first only when day first is impossible.
        assert_eq!(parse_date("12/31/2023"), ymd(2023, 12, 31));
        assert_eq!(parse_date("September 28th, 2021"), ymd(2021, 9, 28));
        assert_eq!(parse_date("1er juillet 2023"), ymd(2023, 7, 1));
        assert_eq!(parse_date("Monday, 4 March 2024"), ymd(2024, 3, 4));
        assert_eq!(parse_date("xx décembre 2022"), None);
        assert_eq!(parse_date("2021"), None);
        assert_eq!(parse_date("March 4 2024 March"), None);
        assert_eq!(parse_date("31/02/2023"), None);
        assert_eq!(month_number("sept"), Some(9));
        assert_eq!(month_number("foo"), None);
    }

    #[test]
    fn normalised_or_kept_as_printed() {
        assert_eq!(normalise_date("  28 September 2021 "), "2021-09-28");
        assert_eq!(normalise_date(" soon "), "soon");
    }

    #[test]
    fn update_lines() {
        assert_eq!(
            updated_line("Last updated: 2024-01-02").as_deref(),
            Some("2024-01-02")
        );
        assert_eq!(
            updated_line("Updated on 3 March 2024.").as_deref(),
            Some("3 March 2024")
        );
        // A strong prefix keeps an unparsable date with digits; a weak one needs a date.
        assert_eq!(
            updated_line("Last update 2nd Smarch 2022").as_deref(),
            Some("2nd Smarch 2022")
        );
        assert_eq!(updated_line("Last updated never"), None);
        assert_eq!(updated_line("Updated the service 2 times."), None);
        assert_eq!(updated_line("Nothing to see"), None);
    }

    #[test]
    fn version_from_a_body_line_in_any_date_format() {
        for (line, want) in [
            ("**Last update 23rd December 2022**", "2022-12-23"),
            ("**Last updated September 28th, 2021**", "2021-09-28"),
            ("**Last updated 17th November 2022**", "2022-11-17"),
            ("**Dernière mise à jour le 05/07/2023**", "2023-07-05"),
            ("**Dernière mise à jour le 1er juillet 2023**", "2023-07-01"),
            ("Last updated: 2024-01-02", "2024-01-02"),
            ("**Last updated on Monday, 4 March 2024**", "2024-03-04"),
            (
                "**Dernière mise à jour le xx décembre 2022**",
                "xx décembre 2022",
            ),
        ] {
            let page =
                format!("---\ntitle: T\n---\n\n{line}\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n");
            assert_eq!(imp(&page).matrix.version.as_deref(), Some(want), "{line}");
        }
        // Without any date there is no version; with both, a disagreement is noted.
        let page = format!("### 1. S\n\n{HEAD}| Do | RA | I |\n");
        assert_eq!(imp(&page).matrix.version, None);
        let page = format!("---\nupdated: 2024-01-02\n---\n**Last updated 3rd January 2024**\n### 1. S\n{HEAD}| Do | RA | I |\n");
        let i = imp(&page);
        assert_eq!(i.matrix.version.as_deref(), Some("2024-01-02"));
        assert_eq!(codes(&i, "import::version-mismatch"), [4]);
    }
}
