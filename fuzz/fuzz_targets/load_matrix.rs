//! The canonical matrix loader on any text, as JSON when it starts like JSON (`{` or `[`
//! after white space) and as TOML otherwise, so that both the canonical files and their
//! JSON form seed it unchanged: a matrix or an error with findings, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

use annex::load::{matrix_from_source, SourceFile};

fuzz_target!(|text: &str| {
    let json = text.trim_start().starts_with(['{', '[']);
    let name = if json { "fuzz.json" } else { "fuzz.toml" };
    let _ = matrix_from_source(SourceFile {
        name: name.into(),
        text: text.into(),
    });
});
