//! The escaper: any string, escaped as Typst markup and compiled in the same sandboxed
//! Typst world as the documents, lays out as the same text (control characters dropped,
//! tabs as spaces, whitespace folded), and compiles without error. One Typst compile per
//! input: slow (tens of executions per second), but it is the guarantee itself.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fuzz_target!(|text: &str| {
    // Long inputs only slow the search down: the escaper works character by character.
    if text.chars().count() > 200 {
        return;
    }
    let files = HashMap::new();
    let source = format!(
        // No line breaking, no hyphenation: the laid-out text is one line per input line.
        "#set page(width: auto, height: auto)\n#set text(hyphenate: false)\n{}\n",
        annex::escape::markup(text)
    );
    let compiled = annex::pdf::compile(annex::pdf::Job {
        main_name: "fuzz.typ",
        source,
        files: &files,
        data: Vec::new(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        timestamp: None,
        ident: "fuzz".into(),
        pdf_a: false,
    })
    .unwrap_or_else(|e| panic!("{text:?} escaped does not compile: {e}"));
    let expected: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    assert_eq!(
        fold(&compiled.text),
        fold(&expected),
        "{text:?} escaped does not read back as itself"
    );
});
