//! Escaping of data for Typst: the only way profile and matrix text reaches the generated
//! Typst source.
//!
//! Invariant: whatever the input, [`markup`] produces Typst markup that displays exactly the
//! input's characters (control characters dropped, line breaks shown as line breaks) and
//! never evaluates code, and [`string`] produces a Typst string literal with the same value.
//! Tera's autoescape applies [`markup`] to every `{{ value }}` in a `.typ.tera` template; the
//! `typst_str` filter applies [`string`] for values in code position.
//!
//! [`markdown`] does the same for the Markdown of OSCAL's `markup-line` and
//! `markup-multiline` fields (`annex export --format oscal`): a GRC tool shows the text as
//! written, never as emphasis, a link or a heading.

use std::fmt::Write;

/// Runs of non-white-space characters longer than this get line-break opportunities.
pub const LONG_RUN: usize = 40;

/// Characters between two line-break opportunities in a long run.
pub const BREAK_EVERY: usize = 12;

/// Escapes `input` for Typst markup mode.
///
/// Every ASCII punctuation character that has a meaning somewhere in markup (including
/// shorthands such as `--`, `...`, `-?` and smart quotes) is preceded by a backslash, which
/// Typst defines as "this character, literally". Runs of spaces are kept (markup would
/// collapse them; contract text is verbatim) by writing every space after the first as a
/// string expression. Newlines become explicit line breaks so that a following `=`/`-`/`+`
/// can never start a heading or list.
///
/// A run of more than [`LONG_RUN`] characters without white space (a hash, a path, a long
/// URL) gets an invisible line-break opportunity (`#h(0.01pt)`, no character) every
/// [`BREAK_EVERY`] characters: Typst never breaks inside a word by itself, and such a
/// run would otherwise overflow its table cell or the page. Ordinary words are untouched.
pub fn markup(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 4);
    let mut prev_space = false;
    // Position in the current run of non-white-space characters, and whether it is long.
    let (mut in_run, mut long_run) = (0usize, false);
    for (i, c) in input.char_indices() {
        if c.is_whitespace() {
            in_run = 0;
        } else {
            if in_run == 0 {
                // Looks at most LONG_RUN + 1 characters ahead, once per run: linear.
                long_run = input[i..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .nth(LONG_RUN)
                    .is_some();
            } else if long_run && in_run % BREAK_EVERY == 0 {
                out.push_str("#h(0.01pt)");
            }
            in_run += 1;
        }
        let is_space = c == ' ';
        match c {
            '\\' | '#' | '*' | '_' | '`' | '$' | '<' | '>' | '@' | '[' | ']' | '~' | '/' | '-'
            | '+' | '=' | '.' | ':' | '\'' | '"' | '{' | '}' | '(' | ')' | ';' => {
                out.push('\\');
                out.push(c);
            }
            ' ' if prev_space => out.push_str("#\" \""),
            '\n' => out.push_str("\\ "),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
        prev_space = is_space;
    }
    out
}

/// Escapes `input` as a Typst string literal, quotes included.
pub fn string(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 2);
    out.push('"');
    for c in input.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Escapes `input` for CommonMark (OSCAL markup fields), so that it shows as written:
/// every character that can open inline markup (`\\ ` * _ [ ] < > ! | ~ & #`) is
/// backslash-escaped, which CommonMark defines as "this character, literally"; at the start
/// of a line, so is a character that would open a block (`- + = : >`, the `.` or `)` of
/// `1.`), and a leading space or tab becomes `&#32;` / `&#9;` so no indentation makes a
/// code block. Other characters (letters, `,`, `.`, `-` inside a line, line breaks) are
/// kept as they are, so the JSON stays readable.
pub fn markdown(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for (i, line) in input.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        for (j, c) in line.chars().enumerate() {
            let block = j == 0 && matches!(c, '-' | '+' | '=' | ':' | '>')
                || j == digits && digits > 0 && matches!(c, '.' | ')');
            match c {
                ' ' if j == 0 => out.push_str("&#32;"),
                '\t' if j == 0 => out.push_str("&#9;"),
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '!' | '|' | '~' | '&' | '#' => {
                    out.push('\\');
                    out.push(c);
                }
                c if block => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_neutralises_code_and_markup() {
        assert_eq!(
            markup("#read(\"/etc/passwd\")"),
            "\\#read\\(\\\"\\/etc\\/passwd\\\"\\)"
        );
        assert_eq!(markup("a]b["), "a\\]b\\[");
        assert_eq!(markup("x\n= y"), "x\\ \\= y");
        assert_eq!(markup("a  b"), "a #\" \"b");
        // Only runs over LONG_RUN characters get break opportunities.
        let word = "x".repeat(LONG_RUN);
        assert_eq!(markup(&word), word);
        assert_eq!(
            markup(&"a".repeat(50)),
            format!(
                "{0}#h(0.01pt){0}#h(0.01pt){0}#h(0.01pt){0}#h(0.01pt)aa",
                "a".repeat(12)
            )
        );
    }

    #[test]
    fn string_literal_escapes_quotes_and_backslashes() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("l1\nl2"), r#""l1\nl2""#);
    }

    /// Typesets `text` escaped as markup and returns the laid-out text.
    fn typeset(text: &str) -> String {
        let templates = crate::templates::TemplateSet::builtin();
        let compiled = crate::pdf::compile(crate::pdf::Job {
            main_name: "prop.typ",
            // PDF/UA-1 (every document) needs a title.
            source: format!(
                "#set document(title: \"prop\")\n#set page(width: 30cm, height: auto)\n{}\n",
                markup(text)
            ),
            templates: &templates,
            data: Vec::new(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            timestamp: None,
            ident: "prop".into(),
            archival: false,
        })
        .unwrap_or_else(|e| panic!("{text:?} did not compile: {e}"));
        compiled.text
    }

    fn fold(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

        /// Any string, escaped and typeset, reads back as the same text: nothing is
        /// interpreted as markup or code, nothing is lost.
        #[test]
        fn any_string_comes_out_as_itself(text in r##"[a-zA-Z0-9 éüçœ'"#*_`$<>@\[\]~/\\=+.:;,!?(){}|&%^-]{0,40}"##) {
            proptest::prop_assert_eq!(fold(&typeset(&text)), fold(&text));
        }

        /// Line breaks and other control characters never break out either.
        #[test]
        fn multiline_strings_come_out_as_their_lines(lines in proptest::collection::vec("[=+/*#a-z0-9 .-]{0,12}", 1..4)) {
            let text = lines.join("\n");
            proptest::prop_assert_eq!(fold(&typeset(&text)), fold(&text));
        }
    }

    #[test]
    fn hostile_strings_are_printed_literally() {
        for s in [
            "#read(\"/etc/passwd\")",
            "] #include \"main.typ\" [",
            "= Heading",
            "- list",
            "1. enum",
            "/ term: y",
            "*b* _i_ `raw` $x^2$ <lbl> @ref ~ -- --- ... -? // comment /* block */",
            "https://evil.example/x \\ \\u{41} 'q' \"dq\"",
            "{{ tera }} {% x %}",
            "a  b   c",
        ] {
            assert_eq!(fold(&typeset(s)), fold(s), "{s:?}");
        }
        assert!(typeset("a  b").contains("a  b"), "inner spaces are kept");
    }

    #[test]
    fn markdown_shows_every_character_literally() {
        assert_eq!(markdown("a *b* [c](d) #e"), r"a \*b\* \[c\](d) \#e");
        assert_eq!(markdown("x\n    y"), "x\n&#32;   y");
        assert_eq!(markdown("déjà vu, e.g. a-b."), "déjà vu, e.g. a-b.");
        assert_eq!(markdown("- a\n12. b\n==="), "\\- a\n12\\. b\n\\===");
        assert_eq!(markdown("<b>&amp;"), r"\<b\>\&amp;");
    }
}
