//! The template set: Tera templates (`*.typ.tera`, rendered into Typst markup) and plain
//! Typst layout helpers (`*.typ`) that the generated source imports.
//!
//! The built-in set is embedded in the binary; `--templates DIR` adds the files of DIR and
//! a file with the same name as a built-in replaces it (zola's rule). The set is read fully
//! into memory before compilation: the Typst world only ever sees these bytes.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::error::Invalid;

/// The built-in templates, by file name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "annex.typ.tera",
        include_str!("../templates/annex.typ.tera"),
    ),
    ("lib.typ", include_str!("../templates/lib.typ")),
    (
        "onboarding.typ.tera",
        include_str!("../templates/onboarding.typ.tera"),
    ),
    (
        "audit.typ.tera",
        include_str!("../templates/audit.typ.tera"),
    ),
    ("docs.typ", include_str!("../templates/docs.typ")),
];

/// A complete template set, by file name.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    files: BTreeMap<String, Vec<u8>>,
    overridden: Vec<String>,
}

impl TemplateSet {
    /// The built-in set.
    pub fn builtin() -> TemplateSet {
        let files = BUILTIN
            .iter()
            .map(|(n, t)| ((*n).to_owned(), t.as_bytes().to_vec()))
            .collect();
        TemplateSet {
            files,
            overridden: Vec::new(),
        }
    }

    /// The built-in set with the files of `dir` added or substituted.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<TemplateSet> {
        let mut set = TemplateSet::builtin();
        let Some(dir) = dir else { return Ok(set) };
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Invalid::input(format!(
                "cannot read templates folder {}: {e}",
                dir.display()
            ))
        })?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| {
                Invalid::input(format!("cannot read template {}: {e}", path.display()))
            })?;
            if name.ends_with(".tera") && std::str::from_utf8(&bytes).is_err() {
                return Err(Invalid::input(format!(
                    "template {} is not UTF-8 text",
                    path.display()
                )));
            }
            if set.files.insert(name.to_owned(), bytes).is_some() {
                set.overridden.push(name.to_owned());
            }
        }
        set.overridden.sort();
        Ok(set)
    }

    /// Names of the built-ins replaced by user files.
    pub fn overridden(&self) -> &[String] {
        &self.overridden
    }

    /// Every file, by name.
    pub fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.files
    }

    /// The Tera templates (`*.tera`), by name.
    pub fn tera_templates(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .filter(|(n, _)| n.ends_with(".tera"))
            .filter_map(|(n, b)| std::str::from_utf8(b).ok().map(|t| (n.as_str(), t)))
    }

    /// The files the Typst world may read: everything but the Tera templates.
    pub fn typst_files(&self) -> std::collections::HashMap<String, Vec<u8>> {
        self.files
            .iter()
            .filter(|(n, _)| !n.ends_with(".tera"))
            .map(|(n, b)| (n.clone(), b.clone()))
            .collect()
    }

    /// SHA-256 over every file name and content, in name order.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for (name, bytes) in &self.files {
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        hasher.finalize().into()
    }

    /// Writes the set into `dir` (for `annex templates export`), refusing to overwrite.
    pub fn export(&self, dir: &Path, force: bool) -> anyhow::Result<Vec<std::path::PathBuf>> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut written = Vec::new();
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            if path.exists() && !force {
                return Err(Invalid::input(format!(
                    "{} already exists; use --force to overwrite",
                    path.display()
                )));
            }
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path);
        }
        Ok(written)
    }
}
