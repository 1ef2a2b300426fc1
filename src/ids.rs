//! Stable activity identifiers.
//!
//! Stage: run by the importer (and by anyone building a [`Matrix`] by hand) right after the
//! activities are known, before the matrix is written in canonical form. Diffs between two
//! versions of a matrix pair activities by id, so the rule below is part of the file format
//! and must not change without a schema bump.
//!
//! # The rule
//!
//! An activity's id is `<section number>/<slug of the activity text>`, e.g.
//! `3.1.2/manage-access-rights-to-the-ovhcloud-control-panel`, where the slug ([`slug`]) is:
//!
//! 1. the text lowercased, with accents folded to ASCII (`é` → `e`, `œ` → `oe`, `ß` → `ss`);
//! 2. every run of characters that are not ASCII letters or digits (spaces, punctuation,
//!    apostrophes, letters that cannot be folded) replaced by one `-`, and `-` trimmed at
//!    both ends;
//! 3. truncated to at most [`MAX_SLUG_LEN`] characters, cutting at the last `-` that fits
//!    so that no word is cut in half (a single longer word is cut hard).
//!
//! A text whose slug is empty (only punctuation, or a script that does not fold to ASCII)
//! gets the slug `activity`. An activity outside any numbered section (empty section
//! number) gets the bare slug, without the `/`.
//!
//! Within one matrix, when a derived id is already taken, `-2`, `-3`, … is appended, in
//! source order: the first occurrence keeps the bare id. Explicit (non-empty) ids are never
//! changed and are reserved before any id is derived, so a derived id never takes an
//! explicit one; duplicates among explicit ids are left alone for the linter to report.

use std::collections::{HashMap, HashSet};

use crate::limits::{MAX_EDIT_DISTANCE_CHARS, MAX_SIMILARITY_WORK};
use crate::model::Matrix;

/// Maximum length, in characters, of the slug part of an activity id.
pub const MAX_SLUG_LEN: usize = 48;

/// Slug used when the activity text has no ASCII-foldable letter or digit at all.
const EMPTY_SLUG: &str = "activity";

/// Lowercase ASCII slug of `s`: accents folded, non-alphanumerics collapsed to `-`, trimmed,
/// truncated at a word boundary to at most [`MAX_SLUG_LEN`] characters. May be empty.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // A separator is only written once the next letter shows up, which both collapses runs
    // and trims separators at both ends.
    let mut pending_dash = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            push(&mut out, &mut pending_dash, c);
        } else if c.is_ascii() {
            pending_dash = true;
        } else if ('\u{300}'..='\u{36f}').contains(&c) {
            // Combining accents (decomposed input, or what `İ` lowercases to) vanish, like
            // precomposed accents do, instead of splitting the word.
        } else {
            let folded = fold(c);
            if folded.is_empty() {
                pending_dash = true;
            }
            for f in folded.chars() {
                push(&mut out, &mut pending_dash, f);
            }
        }
    }
    truncate_at_word(out, MAX_SLUG_LEN)
}

/// Appends `c` to a slug, first writing the separator owed by the characters skipped since
/// the previous letter (never at the start).
fn push(out: &mut String, pending_dash: &mut bool, c: char) {
    if *pending_dash && !out.is_empty() {
        out.push('-');
    }
    *pending_dash = false;
    out.push(c);
}

/// The id derived from a section number and an activity text (before de-duplication).
pub fn derive_id(section: &str, text: &str) -> String {
    let mut s = slug(text);
    if s.is_empty() {
        s = EMPTY_SLUG.to_owned();
    }
    let section = section.trim();
    if section.is_empty() {
        s
    } else {
        format!("{section}/{s}")
    }
}

/// Fills every empty activity id with its derived id, made unique within the matrix by a
/// `-2`, `-3`, … suffix in source order. Explicit non-empty ids are never changed.
pub fn assign_ids(matrix: &mut Matrix) {
    // Reserve explicit ids first: a hand-written id must win over a derived one even when
    // the derived activity comes earlier in the file.
    let mut taken: HashSet<String> = matrix
        .sections
        .iter()
        .flat_map(|s| s.activities.iter())
        .filter(|a| !a.id.is_empty())
        .map(|a| a.id.clone())
        .collect();
    // The next suffix to try for each base: ids are only ever added, so every suffix below
    // it is still taken, and n copies of one text cost n probes, not n².
    let mut next: HashMap<String, usize> = HashMap::new();
    for section in &mut matrix.sections {
        for activity in &mut section.activities {
            if !activity.id.is_empty() {
                continue;
            }
            let base = derive_id(&section.number, &activity.text);
            let mut id = base.clone();
            let n = next.entry(base.clone()).or_insert(2);
            while taken.contains(&id) {
                id = format!("{base}-{n}");
                *n += 1;
            }
            taken.insert(id.clone());
            activity.id = id;
        }
    }
}

/// Carries the ids of `previous` (an earlier canonical version of the same page) over to the
/// matching activities of `new`, so that re-importing a revised page keeps every id that
/// still means the same activity. Returns how many ids were carried.
///
/// Activities are matched by [`pair`] (without the id step: the ids of a fresh import are
/// derived, not chosen). Activities that match nothing keep the derived id, re-derived so
/// that it never collides with a carried one.
pub fn carry_over(new: &mut Matrix, previous: &Matrix) -> usize {
    let pairs = pair(previous, new, false);
    let old_ids: Vec<String> = previous.activities().map(|(_, a)| a.id.clone()).collect();
    let mut carried = 0;
    let activities = new
        .sections
        .iter_mut()
        .flat_map(|s| s.activities.iter_mut());
    for (activity, pick) in activities.zip(pairs) {
        match pick {
            Some(i) => {
                activity.id = old_ids[i].clone();
                carried += 1;
            }
            None => activity.id.clear(),
        }
    }
    assign_ids(new);
    carried
}

/// Share of a text that must be left unchanged for [`pair`] to pair two different texts.
pub const MIN_SIMILARITY: f64 = 0.85;

/// Pairs the activities of two versions of a matrix: for each activity of `new`, in source
/// order, the index (in `old.activities()` order) of the activity it continues, if any.
/// This is **the** pairing rule, shared by `import --previous` and `annex diff`.
///
/// Each old activity is used at most once. Steps, each over what is still unpaired:
/// 1. same text (whitespace and case folded) in the same section number;
/// 2. `by_id` only: the same id (an id kept or chosen by hand across a rewording or a move);
/// 3. same text anywhere (the activity moved to another section);
/// 4. the most similar text of the same section, when at least [`MIN_SIMILARITY`] of it is
///    unchanged (a typo fix, a reworded word order), within [`MAX_SIMILARITY_WORK`].
///
/// Anything else is not paired: an activity whose text changed more than that is seen as
/// one removed and one added.
pub fn pair(old: &Matrix, new: &Matrix, by_id: bool) -> Vec<Option<usize>> {
    let key = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let olds: Vec<(&str, String, &str)> = old
        .activities()
        .map(|(s, a)| (s.number.as_str(), key(&a.text), a.id.as_str()))
        .collect();
    let news: Vec<(&str, String, &str)> = new
        .activities()
        .map(|(s, a)| (s.number.as_str(), key(&a.text), a.id.as_str()))
        .collect();
    let mut used = vec![false; olds.len()];
    let mut out: Vec<Option<usize>> = vec![None; news.len()];
    // Exact lookups go through maps so that the exact steps stay linear.
    let mut by_section_text: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_id_map: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (s, t, id)) in olds.iter().enumerate().rev() {
        by_section_text.entry((s, t.as_str())).or_default().push(i);
        by_text.entry(t.as_str()).or_default().push(i);
        by_id_map.entry(id).or_default().push(i);
    }
    // Pops the first unused candidate of a list (lists are in reverse source order).
    let take = |list: Option<&mut Vec<usize>>, used: &mut Vec<bool>| -> Option<usize> {
        let list = list?;
        while let Some(i) = list.pop() {
            if !used[i] {
                used[i] = true;
                return Some(i);
            }
        }
        None
    };
    for (j, (s, t, _)) in news.iter().enumerate() {
        out[j] = take(by_section_text.get_mut(&(*s, t.as_str())), &mut used);
    }
    if by_id {
        for (j, (_, _, id)) in news.iter().enumerate() {
            if out[j].is_none() && !id.is_empty() {
                out[j] = take(by_id_map.get_mut(id), &mut used);
            }
        }
    }
    for (j, (_, t, _)) in news.iter().enumerate() {
        if out[j].is_none() {
            out[j] = take(by_text.get_mut(t.as_str()), &mut used);
        }
    }
    // Old activities by section, so the step looks at one section's rows only.
    let mut old_in_section: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (s, _, _)) in olds.iter().enumerate() {
        old_in_section.entry(s).or_default().push(i);
    }
    let mut work = 0usize;
    'step: for (j, (s, t, _)) in news.iter().enumerate() {
        if out[j].is_some() {
            continue;
        }
        let mut best: Option<(f64, usize)> = None;
        for &i in old_in_section.get(s).map_or(&[][..], Vec::as_slice) {
            if used[i] {
                continue;
            }
            let ot = &olds[i].1;
            let (n, m) = (ot.chars().count(), t.chars().count());
            let cost = if n.max(m) > MAX_EDIT_DISTANCE_CHARS {
                n + m
            } else {
                n * m
            }
            .max(1);
            work += cost;
            if work > MAX_SIMILARITY_WORK {
                break 'step;
            }
            let score = similarity(ot, t);
            if score >= MIN_SIMILARITY && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, i));
            }
        }
        if let Some((_, i)) = best {
            used[i] = true;
            out[j] = Some(i);
        }
    }
    out
}

/// How alike two texts are, from 0 to 1: the better of the share of characters left
/// unchanged (typo fixes) and the share of words in common (reworded word order).
fn similarity(a: &str, b: &str) -> f64 {
    char_similarity(a, b).max(word_similarity(a, b))
}

/// Dice coefficient of the two texts' word sets.
fn word_similarity(a: &str, b: &str) -> f64 {
    let wa: HashSet<&str> = a.split_whitespace().collect();
    let wb: HashSet<&str> = b.split_whitespace().collect();
    if wa.is_empty() && wb.is_empty() {
        return 1.0;
    }
    2.0 * wa.intersection(&wb).count() as f64 / (wa.len() + wb.len()) as f64
}

/// Share of `a` left unchanged in `b`: 1 − edit distance / longer length.
fn char_similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().max(b.len()) > MAX_EDIT_DISTANCE_CHARS {
        return 0.0;
    }
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    1.0 - prev[b.len()] as f64 / longest as f64
}

/// ASCII folding of one lowercase non-ASCII character; an empty result means "separator".
///
/// Hand-written rather than pulled from a Unicode-normalisation crate: the pages we import
/// are in Western European languages, and the table only has to be stable, not complete.
fn fold(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

/// Cuts an ASCII slug to at most `max` bytes at the last `-` that fits.
fn truncate_at_word(mut s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    // The slug is pure ASCII, so byte indices are char boundaries.
    let cut = if s.as_bytes()[max] == b'-' {
        max
    } else {
        s[..max].rfind('-').unwrap_or(max)
    };
    s.truncate(cut);
    while s.ends_with('-') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Activity, Section};
    use std::collections::BTreeMap;

    #[test]
    fn slug_folds_accents_and_collapses_punctuation() {
        assert_eq!(slug("Manage access rights"), "manage-access-rights");
        assert_eq!(
            slug("  Activité d'hébergement — ÉTÉ!  "),
            "activite-d-hebergement-ete"
        );
        assert_eq!(slug("Manœuvre Straße"), "manoeuvre-strasse");
        assert_eq!(slug("customer’s IS (API, etc ..)"), "customer-s-is-api-etc");
        assert_eq!(slug("ISO 2700x, SOC 2"), "iso-2700x-soc-2");
        assert_eq!(slug("…"), "");
        assert_eq!(slug("数据"), "");
        assert_eq!(slug(""), "");
        assert_eq!(slug("Cafe\u{301} İstanbul"), "cafe-istanbul");
    }

    #[test]
    fn slug_truncates_at_a_word_boundary() {
        let s = slug(
            "Learn about the capabilities and limitations of the Services detailed in the \
             OVHcloud documentation",
        );
        assert_eq!(s, "learn-about-the-capabilities-and-limitations-of");
        assert!(s.len() <= MAX_SLUG_LEN);
        // A cut that falls exactly on a separator keeps the whole last word.
        let exact = format!("{} {}", "a".repeat(48), "tail");
        assert_eq!(slug(&exact), "a".repeat(48));
        // One giant word is cut hard.
        assert_eq!(slug(&"x".repeat(60)), "x".repeat(48));
        // 47 chars then a long word: the word is dropped, not cut in half.
        let s = slug(&format!("{} {}", "b".repeat(40), "abcdefghij"));
        assert_eq!(s, "b".repeat(40));
    }

    #[test]
    fn derive_id_joins_section_and_slug() {
        assert_eq!(
            derive_id("3.1.2", "Manage OVHcloud teams"),
            "3.1.2/manage-ovhcloud-teams"
        );
        assert_eq!(derive_id("", "Orphan row"), "orphan-row");
        assert_eq!(derive_id("1.1", "???"), "1.1/activity");
    }

    fn activity(id: &str, text: &str) -> Activity {
        Activity {
            id: id.into(),
            text: text.into(),
            letters: BTreeMap::new(),
            variants: vec![],
            links: vec![],
            applies: None,
            translations: BTreeMap::new(),
        }
    }

    fn matrix(sections: Vec<(&str, Vec<Activity>)>) -> Matrix {
        Matrix {
            schema: 1,
            provider: "P".into(),
            service: "s".into(),
            title: "t".into(),
            excerpt: None,
            version: None,
            language: "en".into(),
            source: None,
            parties: vec![],
            legend: vec![],
            variants: vec![],
            sections: sections
                .into_iter()
                .map(|(n, activities)| Section {
                    number: n.into(),
                    title: String::new(),
                    note: None,
                    has_table: true,
                    applies: None,
                    activities,
                    translations: BTreeMap::new(),
                })
                .collect(),
        }
    }

    fn ids(m: &Matrix) -> Vec<&str> {
        m.activities().map(|(_, a)| a.id.as_str()).collect()
    }

    #[test]
    fn collisions_get_numbered_suffixes_in_source_order() {
        let mut m = matrix(vec![
            (
                "4.2",
                vec![activity("", "Migrate data"), activity("", "Migrate  data!")],
            ),
            ("4.2", vec![activity("", "Migrate data")]),
            ("5.1", vec![activity("", "Migrate data")]),
        ]);
        assign_ids(&mut m);
        assert_eq!(
            ids(&m),
            [
                "4.2/migrate-data",
                "4.2/migrate-data-2",
                "4.2/migrate-data-3",
                "5.1/migrate-data"
            ]
        );
    }

    #[test]
    fn explicit_ids_win_and_are_never_changed() {
        let mut m = matrix(vec![(
            "1",
            vec![
                activity("", "Do it"),
                activity("1/do-it", "Something else"),
                activity("dup", "A"),
                activity("dup", "B"),
            ],
        )]);
        assign_ids(&mut m);
        assert_eq!(ids(&m), ["1/do-it-2", "1/do-it", "dup", "dup"]);
        // Idempotent: a second pass changes nothing.
        let before = m.clone();
        assign_ids(&mut m);
        assert_eq!(m, before);
    }

    #[test]
    fn pairing_is_bounded_on_pathological_input() {
        // 400 long rows in one section, every one rewritten: without the budget this is
        // 160,000 edit distances of 1,500 × 1,500 characters.
        let rows = |tag: &str| {
            (0..400)
                .map(|i| activity("", &format!("{tag}{i} {}", "x".repeat(1_500))))
                .collect::<Vec<_>>()
        };
        let old = matrix(vec![("1", rows("old"))]);
        let new = matrix(vec![("1", rows("new"))]);
        let start = std::time::Instant::now();
        let pairs = pair(&old, &new, false);
        assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
        assert_eq!(pairs.len(), 400);
    }

    #[test]
    fn carry_over_keeps_ids_across_a_typo_fix() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus/ovh/");
        let old_page =
            std::fs::read_to_string(format!("{dir}managed-kubernetes.2023-07-05.en-gb.md"))
                .unwrap();
        let new_page =
            std::fs::read_to_string(format!("{dir}managed-kubernetes.en-gb.md")).unwrap();
        let mut previous = crate::import::import_markdown(&old_page, "old.md")
            .unwrap()
            .matrix;
        // An id edited by hand in the canonical file must survive re-import.
        let first = &mut previous
            .sections
            .iter_mut()
            .find(|s| !s.activities.is_empty())
            .unwrap()
            .activities[0];
        first.id = "custom/first-activity".into();
        let mut new = crate::import::import_markdown(&new_page, "new.md")
            .unwrap()
            .matrix;
        let derived: Vec<String> = new.activities().map(|(_, a)| a.id.clone()).collect();
        let carried = carry_over(&mut new, &previous);
        assert_eq!(
            carried,
            new.activities().count(),
            "every activity of the revision has a predecessor"
        );
        let ids: Vec<String> = new.activities().map(|(_, a)| a.id.clone()).collect();
        let old_ids: Vec<String> = previous.activities().map(|(_, a)| a.id.clone()).collect();
        assert_eq!(
            ids, old_ids,
            "the typo-fixed revision keeps the previous ids"
        );
        assert_ne!(
            ids, derived,
            "some texts changed, so derived ids alone would differ"
        );
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }
}
