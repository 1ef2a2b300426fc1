//! The fonts bundled in the binary (typst-assets), parsed once per process and shared: the
//! pdf stage typesets with them, and validation asks which characters they can show, so
//! that a profile naming a customer in a script no bundled face has is refused at its
//! field, not by Typst's PDF/UA export pointing at generated source.
//!
//! Invariant: [`displayable`] says yes exactly to what Typst can put in a PDF/UA-1
//! document's body text with these fonts: a character the body face, or the one face
//! Typst's fallback picks for it, has a glyph for in every variant; a space HarfBuzz
//! shapes as a space; one Typst drops (default-ignorable) or the escaper removes (control
//! characters); never U+FEFF or U+FFFE, which PDF/UA forbids in text. A test compiles each
//! listed case through Typst, and the escaper fuzz target checks every refusal.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontStretch, FontStyle, FontVariant, FontWeight};
use typst::utils::LazyHash;

/// The bundled faces and Typst's book of them.
pub struct Bundled {
    /// Typst's index of the faces (families, variants, coverage).
    pub book: LazyHash<FontBook>,
    /// The faces, in the book's order.
    pub fonts: Vec<Font>,
    /// The same faces read by ttf-parser, to ask a face's character map for a glyph (a
    /// face's coverage in the book can claim characters its map has no glyph for).
    faces: Vec<Option<ttf_parser::Face<'static>>>,
}

/// The bundled fonts, parsed on first use.
pub fn bundled() -> &'static Bundled {
    static FONTS: OnceLock<Bundled> = OnceLock::new();
    FONTS.get_or_init(|| {
        let (mut fonts, mut faces) = (Vec::new(), Vec::new());
        for data in typst_assets::fonts() {
            for font in Font::iter(Bytes::new(data)) {
                faces.push(ttf_parser::Face::parse(data, font.index()).ok());
                fonts.push(font);
            }
        }
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Bundled { book, fonts, faces }
    })
}

/// Unicode's `Default_Ignorable_Code_Point` ranges: a renderer shapes them to nothing, so
/// they are invisible in a document whatever they do to the text around them.
const IGNORABLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` is a default-ignorable code point (shaped to nothing).
pub fn ignorable(c: char) -> bool {
    let u = c as u32;
    IGNORABLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&u))
}

/// The family the built-in templates set their text in (as the font book names it).
const BODY_FAMILY: &str = "libertinus serif";

/// The variants the documents use: regular, bold, italic and bold italic.
fn variants() -> [FontVariant; 4] {
    let v = |style, weight| FontVariant::new(style, weight, FontStretch::NORMAL);
    [
        v(FontStyle::Normal, FontWeight::REGULAR),
        v(FontStyle::Normal, FontWeight::BOLD),
        v(FontStyle::Italic, FontWeight::REGULAR),
        v(FontStyle::Italic, FontWeight::BOLD),
    ]
}

/// Whether Typst shows `c` in body text in every variant: the body face has a glyph for it,
/// or the one face Typst's fallback picks for it (by coverage, closest to the body face)
/// has. Typst tries no second fallback, so a face whose coverage claims `c` without a
/// glyph (New Computer Modern Math and some CJK punctuation) makes `c` unprintable even
/// where another face has it.
fn shown(c: char) -> bool {
    let b = bundled();
    let text = c.to_string();
    let has = |id: usize| {
        b.faces
            .get(id)
            .and_then(Option::as_ref)
            .is_some_and(|face| face.glyph_index(c).is_some())
    };
    variants().into_iter().all(|variant| {
        let Some(body) = b.book.select(BODY_FAMILY, variant) else {
            return false;
        };
        has(body)
            || b.book
                .select_fallback(b.book.info(body), variant, &text)
                .is_some_and(has)
    })
}

/// Whether `c` can be shown in a document (see the module's invariant). ASCII and Latin-1
/// are answered without parsing a font (a test checks the bundled faces show them).
pub fn displayable(c: char) -> bool {
    let u = c as u32;
    if c.is_ascii() || c.is_control() || (0xA0..=0xFF).contains(&u) {
        return true;
    }
    if u == 0xFEFF || u == 0xFFFE {
        return false;
    }
    // Unicode spaces a face lacks are shaped as its space, widened or narrowed (HarfBuzz's
    // space fallback, which rustybuzz follows); Typst's syntax reads the line and paragraph
    // separators as line breaks; default-ignorables are shaped to nothing.
    if matches!(
        u,
        0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000
    ) || ignorable(c)
    {
        return true;
    }
    // Each character once per thread: a matrix in Greek asks for the same few dozen
    // letters a million times.
    thread_local! {
        static SHOWN: RefCell<HashMap<char, bool>> = RefCell::new(HashMap::new());
    }
    SHOWN.with(|seen| *seen.borrow_mut().entry(c).or_insert_with(|| shown(c)))
}

/// The first character of `text` that cannot be shown, with its byte offset.
pub fn first_undisplayable(text: &str) -> Option<(usize, char)> {
    // Most texts are ASCII: one pass over the bytes and no font parsed.
    if text.is_ascii() {
        return None;
    }
    text.char_indices().find(|&(_, c)| !displayable(c))
}

/// The finding's message for a field (`what`) holding `c`, profile or matrix alike.
pub fn refusal(what: &str, c: char) -> String {
    format!(
        "{what} has {}, a character that no font bundled with annex can show",
        describe(c)
    )
}

/// The advice under a [`refusal`].
pub const REFUSAL_NOTE: &str = "the documents are typeset with the bundled fonts only (Latin, Greek, Cyrillic, Hebrew and Arabic letters, common symbols): write the text without it, transliterated for instance";

/// `U+4E2D “中”`: how a finding names a character (the glyph itself may not show).
pub fn describe(c: char) -> String {
    format!("U+{:04X} “{c}”", c as u32)
}

/// What Typst 0.15 does with each character in a PDF/UA-1 document with the bundled fonts
/// (`pdf`'s tests compile each one): these it shows or drops…
#[cfg(test)]
pub(crate) const SHOWN_BY_TYPST: &[char] = &[
    'é', '\u{A0}', '\u{2009}', '\u{200B}', '\u{200D}', '\u{AD}', '\u{FE0F}', '\u{2060}',
    '\u{3000}', '\u{202F}', '\u{2007}', '\u{205F}', '\u{5D0}', '\u{627}', '€', '→', '✓', '≤', 'Ж',
    'Ω', 'ẞ', 'ı', '\u{E000}', '\u{180E}', '\u{34F}', '\u{115F}', '\u{3164}', '\u{FFA0}',
    '\u{2028}', '\u{2029}',
];

/// …and these make its export fail.
#[cfg(test)]
pub(crate) const REFUSED_BY_TYPST: &[char] = &[
    '\u{590}',
    '\u{FEFF}',
    '😀',
    '中',
    'ก',
    '\u{10FFFD}',
    '\u{1680}',
    '\u{3014}',
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut for ASCII and Latin-1 is true of the bundled faces.
    #[test]
    fn the_bundled_faces_show_ascii_and_latin_1() {
        for u in (0x20..0x7F).chain(0xA0..=0xFF) {
            let c = char::from_u32(u).unwrap();
            assert!(shown(c), "{}", describe(c));
        }
    }

    #[test]
    fn displayable_agrees_with_what_typst_shows() {
        for &c in SHOWN_BY_TYPST {
            assert!(displayable(c), "{} is shown by Typst", describe(c));
        }
        for &c in REFUSED_BY_TYPST {
            assert!(!displayable(c), "{} is refused by Typst", describe(c));
        }
        assert_eq!(first_undisplayable("ACME 株式会社"), Some((5, '株')));
        assert_eq!(first_undisplayable("Société Générale"), None);
    }
}
