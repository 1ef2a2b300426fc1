//! The profile loader and its validation against the built-in matrix and catalogue, on any
//! text: a `Prepared` profile or findings, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

use annex::load::{profile_from_source, SourceFile};
use annex::prepare::{InputOptions, Shared};

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| Shared::load(&InputOptions::default()).expect("built-in inputs load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = profile_from_source(SourceFile {
        name: "fuzz.toml".into(),
        text: text.into(),
    }) else {
        return;
    };
    let _ = shared().prepare(loaded);
});
