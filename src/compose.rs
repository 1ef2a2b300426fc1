//! Composition: a profile may list several matrices (`[subscription] matrices`), for
//! instance a platform matrix and the product page that supplements it. Each becomes a
//! *part* of the documents, in the order listed.
//!
//! Invariant: parts are never merged silently. An activity that two parts both list (same
//! text, whitespace and case folded) must give every party the same letters; when it does
//! not, [`conflicting_letters`] reports `cross::conflicting-letters` with both places.

use std::path::Path;

use crate::diag::Finding;
use crate::load::{self, LoadedMatrix, SourceFile};
use crate::model::Matrix;
use crate::profile::RawProfile;

/// Loads the matrices `raw` lists, resolving each path against the profile file's folder.
/// Empty when the profile lists none.
pub fn profile_matrices(
    raw: &RawProfile,
    profile_source: &SourceFile,
) -> anyhow::Result<Vec<LoadedMatrix>> {
    raw.subscription
        .matrices
        .iter()
        .map(|entry| profile_file(entry, "subscription.matrices", profile_source))
        .collect()
}

/// The profile's `[subscription] translation`, loaded, if it names one.
pub fn profile_translation(
    raw: &RawProfile,
    profile_source: &SourceFile,
) -> anyhow::Result<Option<LoadedMatrix>> {
    raw.subscription
        .translation
        .as_ref()
        .map(|entry| profile_file(entry, "subscription.translation", profile_source))
        .transpose()
}

/// A matrix the profile names at `key`, relative to the profile's folder.
fn profile_file(
    entry: &toml::Spanned<String>,
    key: &str,
    profile_source: &SourceFile,
) -> anyhow::Result<LoadedMatrix> {
    let base = Path::new(&profile_source.name)
        .parent()
        .unwrap_or(Path::new(""));
    let path = base.join(entry.get_ref());
    if !path.is_file() {
        let finding = Finding::error(
            "profile::missing-matrix",
            format!(
                "{key}: {} does not exist (paths are relative to the profile's folder)",
                path.display()
            ),
        )
        .at(&profile_source.name, &profile_source.text, entry.span())
        .label("no such file");
        let mut sources = crate::diag::Sources::default();
        sources.add(&profile_source.name, &profile_source.text);
        return Err(crate::error::Invalid::findings(vec![finding], sources));
    }
    load::matrix(Some(&path))
}

/// The matrix the profile is validated against when there are several parts: the first
/// part, knowing the offering variants of every part.
pub fn validation_view(parts: &[LoadedMatrix]) -> Matrix {
    let mut view = parts[0].matrix.clone();
    for part in &parts[1..] {
        for v in &part.matrix.variants {
            if !view.variants.iter().any(|w| w.id == v.id) {
                view.variants.push(v.clone());
            }
        }
    }
    view
}

/// The sections of a later part, with letters re-keyed to the party ids of `first` (same
/// id, else same role), so that one table header reads across parts. A party with no
/// counterpart keeps its own id (it then shows in its part's own tables only).
pub fn aligned_sections(part: &Matrix, first: &Matrix) -> Vec<crate::model::Section> {
    let mut sections = part.sections.clone();
    for section in &mut sections {
        for activity in &mut section.activities {
            activity.letters = activity
                .letters
                .iter()
                .map(|(id, l)| {
                    let target = part
                        .party(id)
                        .and_then(|p| first.counterpart(p))
                        .map_or(id.clone(), |p| p.id.clone());
                    (target, *l)
                })
                .collect();
        }
    }
    sections
}
