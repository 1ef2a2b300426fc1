//! Helpers shared by the unit tests (compiled for tests only).

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The published seed page the embedded matrix is imported from.
pub fn seed_page() -> PathBuf {
    root().join("data/matrices/ovhcloud-data-processing-responsibility-model.md")
}

/// Every page of the corpus of published pages (`tests/fixtures/corpus`), sorted.
pub fn corpus_pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    for dir in ["ovh", "ovh-fr"] {
        for entry in std::fs::read_dir(root().join("tests/fixtures/corpus").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    assert_eq!(pages.len(), 20, "the corpus has 20 pages");
    pages
}
