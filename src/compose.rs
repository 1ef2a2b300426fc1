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

/// Code of the finding for an activity that two parts assign differently.
pub const CONFLICT_CODE: &str = "cross::conflicting-letters";

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

/// Every activity that two parts list with different letters for some party
/// (`cross::conflicting-letters`, a warning: the documents still render both parts as
/// written, and the audit report lists the conflict). The pairing and the finding are those
/// of `annex check a b` ([`crate::check::conflicts`]): one rule, one implementation.
pub fn conflicting_letters(parts: &[LoadedMatrix]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (j, later) in parts.iter().enumerate() {
        for earlier in &parts[..j] {
            findings.extend(crate::check::conflicts(earlier, later));
        }
    }
    findings
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

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, letters: &str) -> LoadedMatrix {
        let text = format!(
            r#"
provider = "P"
service = "s"
title = "{name}"
[[parties]]
id = "customer"
name = "Customer"
role = "customer"
[[parties]]
id = "prov-{name}"
name = "Provider"
role = "provider"
[[sections]]
number = "1"
title = "One"
[[sections.activities]]
id = "1/patch"
text = "Patch  the OS"
letters = {{ customer = "RA", prov-{name} = "{letters}" }}
"#
        );
        load::matrix_from_source(SourceFile {
            name: format!("{name}.toml"),
            text,
        })
        .unwrap()
    }

    #[test]
    fn same_activity_with_other_letters_is_a_conflict() {
        let parts = [part("platform", "I"), part("product", "CI")];
        let findings = conflicting_letters(&parts);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.code, CONFLICT_CODE);
        assert_eq!(f.location.as_ref().unwrap().file, "product.toml");
        assert_eq!(f.related[0].file, "platform.toml");
        assert!(f
            .location
            .as_ref()
            .unwrap()
            .label
            .as_ref()
            .unwrap()
            .contains("Provider: CI here, I there"));
    }

    #[test]
    fn same_letters_under_another_party_id_agree() {
        let parts = [part("platform", "CI"), part("product", "CI")];
        assert!(conflicting_letters(&parts).is_empty());
    }
}
