//! Characters that make a text read differently from what is signed: bidirectional
//! embeddings, overrides, isolates and marks (the "Trojan Source" class, CVE-2021-42574),
//! and the other invisible format characters that reorder, reshape or hide text (tags,
//! interlinear annotations, deprecated shaping controls, fillers, supplementary variation
//! selectors). A contract must read as its bytes say, so every profile, matrix, translation
//! and catalogue text holding one is refused at its field, naming the code point
//! (`U+202E RIGHT-TO-LEFT OVERRIDE`).
//!
//! Foundation: no stage. Invariants: [`hidden`] is the one rule, and [`unfit`] the one
//! question every walk over texts asks (a hidden control first, then a character no
//! bundled font can show: [`crate::fonts`]), so profile, matrix and catalogue texts are
//! judged alike. The default-ignorable code points typography needs stay allowed: the soft
//! hyphen, the zero-width space, joiner and non-joiner, the word joiner, the combining
//! grapheme joiner and the variation selectors 1–16; no-break spaces are not format
//! characters at all. SECURITY.md lists the refused set and why.

use crate::diag::Finding;

/// The invisible characters typography needs, allowed in any text: soft hyphen, combining
/// grapheme joiner, zero-width space, non-joiner and joiner, word joiner, variation
/// selectors 1–16 (text or emoji presentation, math variants).
fn typographic(c: char) -> bool {
    matches!(c as u32, 0x00AD | 0x034F | 0x200B..=0x200D | 0x2060 | 0xFE00..=0xFE0F)
}

/// The Unicode name of a refused character, or `None` when `c` is allowed. Every
/// default-ignorable code point but the typographic ones is refused, and the interlinear
/// annotation characters, which hide the annotated text in most renderers.
pub fn hidden(c: char) -> Option<String> {
    let u = c as u32;
    if u < 0x061C
        || typographic(c)
        || !(crate::fonts::ignorable(c) || (0xFFF9..=0xFFFB).contains(&u))
    {
        return None;
    }
    let named = |s: &str| Some(s.to_owned());
    match u {
        0x061C => named("ARABIC LETTER MARK"),
        0x115F => named("HANGUL CHOSEONG FILLER"),
        0x1160 => named("HANGUL JUNGSEONG FILLER"),
        0x17B4 => named("KHMER VOWEL INHERENT AQ"),
        0x17B5 => named("KHMER VOWEL INHERENT AA"),
        0x180B => named("MONGOLIAN FREE VARIATION SELECTOR ONE"),
        0x180C => named("MONGOLIAN FREE VARIATION SELECTOR TWO"),
        0x180D => named("MONGOLIAN FREE VARIATION SELECTOR THREE"),
        0x180E => named("MONGOLIAN VOWEL SEPARATOR"),
        0x180F => named("MONGOLIAN FREE VARIATION SELECTOR FOUR"),
        0x200E => named("LEFT-TO-RIGHT MARK"),
        0x200F => named("RIGHT-TO-LEFT MARK"),
        0x202A => named("LEFT-TO-RIGHT EMBEDDING"),
        0x202B => named("RIGHT-TO-LEFT EMBEDDING"),
        0x202C => named("POP DIRECTIONAL FORMATTING"),
        0x202D => named("LEFT-TO-RIGHT OVERRIDE"),
        0x202E => named("RIGHT-TO-LEFT OVERRIDE"),
        0x2061 => named("FUNCTION APPLICATION"),
        0x2062 => named("INVISIBLE TIMES"),
        0x2063 => named("INVISIBLE SEPARATOR"),
        0x2064 => named("INVISIBLE PLUS"),
        0x2066 => named("LEFT-TO-RIGHT ISOLATE"),
        0x2067 => named("RIGHT-TO-LEFT ISOLATE"),
        0x2068 => named("FIRST STRONG ISOLATE"),
        0x2069 => named("POP DIRECTIONAL ISOLATE"),
        0x206A => named("INHIBIT SYMMETRIC SWAPPING"),
        0x206B => named("ACTIVATE SYMMETRIC SWAPPING"),
        0x206C => named("INHIBIT ARABIC FORM SHAPING"),
        0x206D => named("ACTIVATE ARABIC FORM SHAPING"),
        0x206E => named("NATIONAL DIGIT SHAPES"),
        0x206F => named("NOMINAL DIGIT SHAPES"),
        0x3164 => named("HANGUL FILLER"),
        0xFFA0 => named("HALFWIDTH HANGUL FILLER"),
        0xFFF9 => named("INTERLINEAR ANNOTATION ANCHOR"),
        0xFFFA => named("INTERLINEAR ANNOTATION SEPARATOR"),
        0xFFFB => named("INTERLINEAR ANNOTATION TERMINATOR"),
        0x1BCA0 => named("SHORTHAND FORMAT LETTER OVERLAP"),
        0x1BCA1 => named("SHORTHAND FORMAT CONTINUING OVERLAP"),
        0x1BCA2 => named("SHORTHAND FORMAT DOWN STEP"),
        0x1BCA3 => named("SHORTHAND FORMAT UP STEP"),
        0x1D173..=0x1D17A => {
            const MUSIC: [&str; 8] = [
                "BEGIN BEAM",
                "END BEAM",
                "BEGIN TIE",
                "END TIE",
                "BEGIN SLUR",
                "END SLUR",
                "BEGIN PHRASE",
                "END PHRASE",
            ];
            Some(format!("MUSICAL SYMBOL {}", MUSIC[(u - 0x1D173) as usize]))
        }
        0xE0001 => named("LANGUAGE TAG"),
        0xE0020 => named("TAG SPACE"),
        0xE007F => named("CANCEL TAG"),
        0xE0021..=0xE007E => Some(tag_name(u - 0xE0000)),
        0xE0100..=0xE01EF => Some(format!("VARIATION SELECTOR-{}", u - 0xE0100 + 17)),
        _ => named("an unassigned invisible code point"),
    }
}

/// `TAG LATIN CAPITAL LETTER A`: the tag characters are invisible copies of ASCII, the
/// "ASCII smuggling" that hides words in a text.
fn tag_name(ascii: u32) -> String {
    let c = char::from_u32(ascii).unwrap_or('?');
    let what = if c.is_ascii_uppercase() {
        format!("LATIN CAPITAL LETTER {c}")
    } else if c.is_ascii_lowercase() {
        format!("LATIN SMALL LETTER {}", c.to_ascii_uppercase())
    } else if c.is_ascii_digit() {
        const DIGITS: [&str; 10] = [
            "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
        ];
        format!("DIGIT {}", DIGITS[(ascii - 0x30) as usize])
    } else {
        format!("CHARACTER `{c}`")
    };
    format!("TAG {what}")
}

/// Why a text cannot be printed as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// A character that changes how the text reads or hides part of it ([`hidden`]).
    Hidden(char),
    /// A character no bundled font can show ([`crate::fonts::displayable`]).
    Undisplayable(char),
}

/// The first reason `text` cannot be printed: a hidden control anywhere first (it is the
/// more serious), then the first character no bundled font shows.
pub fn unfit(text: &str) -> Option<Unfit> {
    // Most texts are ASCII: one pass over the bytes, no table and no font.
    if text.is_ascii() {
        return None;
    }
    if let Some(c) = text.chars().find(|&c| hidden(c).is_some()) {
        return Some(Unfit::Hidden(c));
    }
    crate::fonts::first_undisplayable(text).map(|(_, c)| Unfit::Undisplayable(c))
}

/// The rule codes of one family of texts (`profile`, `matrix`, `catalogue`).
#[derive(Debug, Clone, Copy)]
pub struct Codes {
    /// For a hidden control: always an error.
    pub hidden: &'static str,
    /// For a character no bundled font can show.
    pub undisplayable: &'static str,
}

/// The profile's codes.
pub const PROFILE: Codes = Codes {
    hidden: "profile::hidden-control",
    undisplayable: "profile::undisplayable",
};
/// A matrix's or translation's codes.
pub const MATRIX: Codes = Codes {
    hidden: "matrix::hidden-control",
    undisplayable: "matrix::undisplayable",
};
/// The catalogue's codes.
pub const CATALOGUE: Codes = Codes {
    hidden: "catalogue::hidden-control",
    undisplayable: "catalogue::undisplayable",
};

/// The finding for a field (`what`) whose `text` cannot be printed, if any: an error with
/// the family's code, the character named, and what to do.
pub fn finding(text: &str, what: &str, codes: Codes) -> Option<Finding> {
    Some(match unfit(text)? {
        Unfit::Hidden(c) => Finding::error(
            codes.hidden,
            format!(
                "{what} has {} {}, an invisible control that makes the text read otherwise than it is written",
                code_point(c),
                hidden(c).unwrap_or_default()
            ),
        )
        .note(HIDDEN_NOTE),
        Unfit::Undisplayable(c) => {
            Finding::error(codes.undisplayable, crate::fonts::refusal(what, c))
                .note(crate::fonts::REFUSAL_NOTE)
        }
    })
}

/// The advice under a hidden control's finding.
pub const HIDDEN_NOTE: &str = "a contract must read as it is signed: remove the character (right-to-left scripts need no override; see SECURITY.md for the refused characters)";

/// `U+202E`: a code point as findings write it.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_and_hidden_text_are_refused_by_name() {
        let name = |c: char| hidden(c).unwrap_or_else(|| panic!("{} allowed", code_point(c)));
        assert_eq!(name('\u{202E}'), "RIGHT-TO-LEFT OVERRIDE");
        assert_eq!(name('\u{2066}'), "LEFT-TO-RIGHT ISOLATE");
        assert_eq!(name('\u{200F}'), "RIGHT-TO-LEFT MARK");
        assert_eq!(name('\u{E0041}'), "TAG LATIN CAPITAL LETTER A");
        assert_eq!(name('\u{E0030}'), "TAG DIGIT ZERO");
        assert_eq!(name('\u{E0100}'), "VARIATION SELECTOR-17");
        assert_eq!(name('\u{FFF9}'), "INTERLINEAR ANNOTATION ANCHOR");
        for u in (0x202A..=0x202E).chain(0x2066..=0x2069) {
            assert!(hidden(char::from_u32(u).unwrap()).is_some());
        }
    }

    #[test]
    fn typography_stays_allowed() {
        for c in [
            '\u{A0}', '\u{202F}', '\u{AD}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}',
            '\u{FE0F}', '\u{34F}', 'é', 'א', 'ا', '\u{2028}',
        ] {
            assert_eq!(hidden(c), None, "{}", code_point(c));
        }
        assert_eq!(unfit("Société Générale\u{A0}SA"), None);
        assert_eq!(unfit("שלום ACME"), None);
    }

    #[test]
    fn a_hidden_control_is_reported_before_an_undisplayable_character() {
        assert_eq!(unfit("中\u{202E}"), Some(Unfit::Hidden('\u{202E}')));
        assert_eq!(unfit("ACME 中"), Some(Unfit::Undisplayable('中')));
        let f = finding(
            "ACME \u{202E}0001 EUR\u{202C}",
            "customer.legal-name",
            PROFILE,
        )
        .unwrap();
        assert_eq!(f.code, "profile::hidden-control");
        assert!(
            f.message.contains("U+202E RIGHT-TO-LEFT OVERRIDE"),
            "{}",
            f.message
        );
    }
}
