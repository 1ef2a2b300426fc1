//! Layout check: after Typst has laid a document out, every activity the document shows
//! is in the laid-out text, whole, and no text lies outside its page.
//!
//! Contract text is never cut or dropped silently: a table row taller than a page, or a
//! template that leaves an activity out, fails the render here (exit 1, naming the
//! activity) instead of giving a PDF with lost text. It runs on every render, not only in
//! tests: it is linear in the document's text plus the activities' text, and costs well
//! under a millisecond per page next to Typst's layout.
//!
//! It checks what the template put on the page: an activity whose text (escaped, as
//! `{{ a.text }}` writes it) is in the generated Typst source must be in the laid-out text,
//! whole. The built-in templates show every activity of their kind (tests check it); a
//! custom template that shows fewer is its author's choice, not a layout loss.
//!
//! The comparison ignores what layout changes and reading does not: white space, line-end
//! hyphens, soft hyphens and invisible format characters, and the control characters the
//! escaper drops. A row broken across pages reads as the same text with the rest of its
//! row (the other cells) before the page break and the repeated table header after it:
//! those gaps are allowed only at a page break and only that short.

use crate::context::DocumentContext;
use crate::kind::Kind;
use crate::pdf::LaidOut;

/// Longest stretch of a page after a broken row's text (the row's other cells).
const ROW_TAIL: usize = 1024;
/// Longest stretch at the top of the next page before the text goes on (repeated header).
const PAGE_HEAD: usize = 2048;
/// Bytes of a text searched for to find where it starts (or goes on after a page break):
/// short enough to lie within the first line of a row that a page break splits.
const PROBE: usize = 24;
/// Places tried for the start of one text before it counts as missing.
const CANDIDATES: usize = 64;

/// One activity a document must show whole: where it is in the matrix, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected<'a> {
    /// "section 3.1, activity 3.1/backups".
    pub label: String,
    /// The activity text, verbatim.
    pub text: &'a str,
}

/// The activities a document of `kind` shows, in the order the built-in templates show
/// them: the annex its matrix rows and the activities left out, the onboarding guide the
/// customer's to-dos and the activities left out, the audit report every decision.
pub fn expected(context: &DocumentContext, kind: Kind) -> Vec<Expected<'_>> {
    let label = |section: &str, id: &str| format!("section {section}, activity {id}");
    let mut out = Vec::new();
    match kind {
        Kind::Annex => {
            for part in &context.parts {
                for section in &part.sections {
                    for a in &section.activities {
                        out.push(Expected {
                            label: label(&section.number, &a.id),
                            text: &a.text,
                        });
                        // A bilingual annex: the other language's text, in the same row.
                        if let Some(second) = &a.second {
                            out.push(Expected {
                                label: format!(
                                    "{} (other language)",
                                    label(&section.number, &a.id)
                                ),
                                text: second,
                            });
                        }
                    }
                }
            }
            // `--since`: the changes section (after the matrix) shows the text of every
            // reassigned, added and removed activity, verbatim.
            if let Some(changes) = &context.changes {
                for r in changes
                    .reassigned
                    .iter()
                    .chain(&changes.added)
                    .chain(&changes.removed)
                {
                    out.push(Expected {
                        label: format!("changes since, {}", label(&r.section, &r.id)),
                        text: &r.text,
                    });
                }
            }
        }
        Kind::Onboarding => {
            for phase in &context.phases {
                for item in &phase.items {
                    out.push(Expected {
                        label: label(&item.section, &item.id),
                        text: &item.text,
                    });
                }
            }
        }
        Kind::Audit => {
            for part in &context.parts {
                for d in &part.decisions {
                    out.push(Expected {
                        label: label(&d.section, &d.id),
                        text: &d.text,
                    });
                }
            }
        }
    }
    if kind != Kind::Audit {
        for n in &context.not_applicable {
            out.push(Expected {
                label: label(&n.section, &n.id),
                text: &n.text,
            });
        }
    }
    out
}

/// Checks that every expected text the generated `source` shows is in the laid-out
/// document and that no text lies outside its page; the error says which activity or page,
/// in one line.
pub fn check(expected: &[Expected<'_>], source: &str, laid_out: &LaidOut) -> Result<(), String> {
    if let Some((page, text)) = laid_out.off_page.first() {
        // Name the activity it belongs to (an error path: one pass over the activities).
        let mut piece = String::new();
        push_normalised(&mut piece, text);
        let mut whole = String::new();
        let owner = expected.iter().find(|e| {
            whole.clear();
            push_normalised(&mut whole, e.text);
            !piece.is_empty() && whole.contains(&piece)
        });
        let what = owner.map_or("text".to_owned(), |e| e.label.clone());
        return Err(format!(
            "{what} runs off page {page}: \u{201c}{}\u{201d}",
            snippet(text)
        ));
    }
    let mut hay = String::new();
    let mut page_starts = Vec::with_capacity(laid_out.pages.len());
    for page in &laid_out.pages {
        page_starts.push(hay.len());
        push_normalised(&mut hay, page);
    }
    let (mut cursor, mut in_source) = (0, 0);
    let mut text = String::new();
    for e in expected {
        let escaped = crate::escape::markup(e.text);
        match source
            .get(in_source..)
            .and_then(|rest| rest.find(&escaped))
            .map(|at| in_source + at)
            .or_else(|| source.find(&escaped))
        {
            Some(at) => in_source = at + escaped.len(),
            None => continue,
        }
        text.clear();
        push_normalised(&mut text, e.text);
        if text.is_empty() {
            continue;
        }
        // In order first (linear over the whole document); a template that shows the
        // activities in another order still passes, at the cost of a search from the top.
        let found =
            find(&hay, &text, cursor, &page_starts).or_else(|| find(&hay, &text, 0, &page_starts));
        match found {
            Some(end) => cursor = end,
            None => {
                return Err(format!(
                    "{} is not whole in the laid-out document: \u{201c}{}\u{201d}",
                    e.label,
                    snippet(e.text)
                ))
            }
        }
    }
    Ok(())
}

/// The characters that must survive layout: no white space, line-end or soft hyphens,
/// invisible format characters or control characters.
fn push_normalised(out: &mut String, text: &str) {
    out.extend(text.chars().filter(|&c| {
        !(c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '-' | '\u{2010}' | '\u{2011}' | '\u{ad}' | '\u{feff}' | '\u{61c}'
            )
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2060}'..='\u{206f}').contains(&c))
    }));
}

/// Where `text` ends in `hay`, looking from `from`: its start found by a probe, then
/// followed to its end, across page breaks if need be.
fn find(hay: &str, text: &str, from: usize, page_starts: &[usize]) -> Option<usize> {
    let probe = prefix(text, PROBE);
    let mut search = from;
    for _ in 0..CANDIDATES {
        let start = search + hay.get(search..)?.find(probe)?;
        if let Some(end) = follow(hay, text, start, page_starts) {
            return Some(end);
        }
        search = start + probe.chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Follows `text` in `hay` from `start`: it may stop short of a page's end by at most
/// [`ROW_TAIL`] and go on at most [`PAGE_HEAD`] into the next page.
fn follow(hay: &str, text: &str, start: usize, page_starts: &[usize]) -> Option<usize> {
    let (mut at, mut done) = (start, 0);
    loop {
        let same = common_prefix(&hay[at..], &text[done..]);
        at += same;
        done += same;
        if done == text.len() {
            return Some(at);
        }
        // The next page start at or after the stop (the text may end a page exactly).
        let next = page_starts[page_starts.partition_point(|&p| p < at)..]
            .first()
            .copied()?;
        if next - at > ROW_TAIL {
            return None;
        }
        let probe = prefix(&text[done..], PROBE);
        // On a character boundary: the page may begin with any text (a source path, a
        // French header) and the cut must not fall inside a letter.
        let window = &hay[next..floor_boundary(hay, hay.len().min(next + PAGE_HEAD + probe.len()))];
        at = next + window.find(probe)?;
    }
}

/// Length in bytes of the common prefix of `a` and `b`, on a character boundary.
fn common_prefix(a: &str, b: &str) -> usize {
    let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    floor_boundary(a, n)
}

fn floor_boundary(s: &str, mut n: usize) -> usize {
    while n > 0 && !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

fn prefix(s: &str, max: usize) -> &str {
    &s[..floor_boundary(s, max.min(s.len()))]
}

/// The start of a text, for a message: at most 60 characters, on one line.
fn snippet(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laid(pages: &[&str]) -> LaidOut {
        LaidOut {
            pages: pages.iter().map(|p| (*p).to_owned()).collect(),
            off_page: Vec::new(),
        }
    }

    /// Checks `texts` as if the template showed each of them.
    fn check(expected: &[Expected<'_>], laid_out: &LaidOut) -> Result<(), String> {
        let source: String = expected
            .iter()
            .map(|e| crate::escape::markup(e.text))
            .collect();
        super::check(expected, &source, laid_out)
    }

    fn one(text: &str) -> Vec<Expected<'_>> {
        vec![Expected {
            label: "activity x".into(),
            text,
        }]
    }

    #[test]
    fn a_whole_text_passes_whatever_the_line_breaks() {
        let l = laid(&["Intro. Back up the data-\nbase every day R –"]);
        assert!(check(&one("Back up the database\nevery day"), &l).is_ok());
    }

    #[test]
    fn invisible_bidi_marks_need_not_be_laid_out() {
        // Typst lays out the Arabic letter mark (found by the escaper's fuzz target), like the
        // other bidi controls, as nothing.
        let l = laid(&["Back up the database every day R –"]);
        assert!(check(&one("Back up the\u{61c} database\u{200f} every day"), &l).is_ok());
    }

    #[test]
    fn a_cut_text_fails_naming_the_activity() {
        let l = laid(&["Back up the database R –"]);
        let err = check(&one("Back up the database every day"), &l).unwrap_err();
        assert!(err.starts_with("activity x is not whole"), "{err}");
    }

    // A row's text before a page break is at least one line, longer than PROBE.
    const LONG: &str = "one two three four five six seven eight nine ten eleven twelve";

    #[test]
    fn a_row_broken_across_pages_passes_and_a_gap_elsewhere_does_not() {
        let first = "Table one two three four five six seven R –";
        let l = laid(&[first, "Activity Customer eight nine ten eleven twelve"]);
        assert!(check(&one(LONG), &l).is_ok());
        // Words missing at the break are missing.
        let l = laid(&[first, "Activity Customer nine ten eleven twelve"]);
        assert!(check(&one(LONG), &l).is_err());
        // A gap inside a page is not a page break.
        let l = laid(&[&format!(
            "{first} Activity Customer eight nine ten eleven twelve"
        )]);
        assert!(check(&one(LONG), &l).is_err());
    }

    #[test]
    fn a_long_next_page_head_of_accented_letters_is_cut_between_letters() {
        // The window after a page break ends PAGE_HEAD bytes in; with two-byte letters at
        // every offset that cut falls inside one of them for some padding (a CI clone's
        // path moved it there in the audit report).
        for pad in 0..4 {
            let head = format!("{}{}", "x".repeat(pad), "é".repeat(PAGE_HEAD));
            let first = "Table one two three four five six seven R –";
            let l = laid(&[first, &format!("{head} eight nine ten eleven twelve")]);
            assert!(check(&one(LONG), &l).is_err());
        }
    }

    #[test]
    fn a_text_ending_a_page_exactly_goes_on_after_the_next_header() {
        let l = laid(&[
            "Table one two three four five six seven",
            "Header eight nine ten eleven twelve",
        ]);
        assert!(check(&one(LONG), &l).is_ok());
        let l = laid(&[
            "Table one two three four five six",
            "seven Header eight nine ten eleven twelve",
        ]);
        assert!(check(&one(LONG), &l).is_err());
    }

    #[test]
    fn an_activity_the_template_does_not_show_is_not_checked() {
        let l = laid(&["Custom annex"]);
        assert!(super::check(&one("Back up the database"), "Custom annex", &l).is_ok());
    }

    #[test]
    fn text_off_the_page_fails() {
        let mut l = laid(&["fine"]);
        l.off_page.push((1, "overlong".into()));
        assert!(check(&[], &l).unwrap_err().contains("runs off page 1"));
    }
}
