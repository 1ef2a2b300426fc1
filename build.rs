//! Embeds every wording catalogue of `data/wording/` (one `<code>.toml` per language), so
//! that a new language is a data file, not code: `src/wording.rs` includes the generated
//! list (`$OUT_DIR/wording_files.rs`), sorted by language code for reproducible builds.

use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a build script binary may be
    // reused for a checkout in another folder (a shared target directory).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("data/wording");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("data/wording/ exists")
        .map(|e| e.expect("readable data/wording/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            println!("cargo:rerun-if-changed={}", p.display());
            let code = p.file_stem().unwrap().to_string_lossy().into_owned();
            (code, p.display().to_string())
        })
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every embedded wording catalogue: (language code, repository path, text).\n\
         pub(crate) const FILES: &[(&str, &str, &str)] = &[\n",
    );
    for (code, path) in &files {
        assert!(
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "data/wording/{code}.toml: a wording file is named by its language code (lowercase)"
        );
        out.push_str(&format!(
            "    ({code:?}, \"data/wording/{code}.toml\", include_str!({path:?})),\n"
        ));
    }
    out.push_str("];\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("wording_files.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
