//! Cross-document checks: activities that two matrices (two versions, a page and its
//! translation, or two parts of a composed profile) assign differently.

use std::collections::{HashMap, HashSet};

use super::places::Places;
use super::rows::{short, show};
use super::Checked;
use crate::align;
use crate::diag::Finding;
use crate::load::LoadedMatrix;
use crate::model::Activity;

/// Activities that `later` assigns differently from `earlier`: the same id, or else the
/// same text (whitespace and case folded), with different letters for a party both have
/// (matched by id, else by role). Two documents in different languages (a page and its
/// translation) share neither ids nor texts, so there the rows are also paired by the
/// translation aligner ([`align`]: section number, then position where the section has as
/// many rows in both).
pub(super) fn cross_checks(earlier: &LoadedMatrix, later: &LoadedMatrix) -> Vec<Checked> {
    let (pe, pl) = (Places::new(earlier), Places::new(later));
    let before: Vec<&Activity> = earlier.matrix.activities().map(|(_, a)| a).collect();
    let after: Vec<&Activity> = later.matrix.activities().map(|(_, a)| a).collect();
    let by_id: HashMap<&str, usize> = before
        .iter()
        .enumerate()
        .rev()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut by_text: HashMap<String, usize> = HashMap::new();
    for (i, a) in before.iter().enumerate().rev() {
        by_text.insert(text_key(&a.text), i);
    }
    // (ordinal in later, ordinal in earlier, how they were paired)
    let mut pairs: Vec<(usize, usize, Option<String>)> = Vec::new();
    for (k, a) in after.iter().enumerate() {
        if let Some(&i) = by_id.get(a.id.as_str()) {
            pairs.push((k, i, None));
        } else if let Some(&i) = by_text.get(&text_key(&a.text)) {
            pairs.push((
                k,
                i,
                Some(format!("matched by text with `{}`", before[i].id)),
            ));
        }
    }
    if earlier.matrix.language != later.matrix.language {
        // A page and its translation: the translation aligner's pairs (section number, then
        // position), for rows not already paired by id or text.
        let mut paired_later: HashSet<usize> = pairs.iter().map(|p| p.0).collect();
        let mut paired_earlier: HashSet<usize> = pairs.iter().map(|p| p.1).collect();
        for p in align::align_loaded(earlier, later).pairs {
            let (i, k) = (p.prevailing, p.translation);
            if paired_later.contains(&k) || paired_earlier.contains(&i) {
                continue;
            }
            paired_later.insert(k);
            paired_earlier.insert(i);
            let how = match p.how {
                align::How::Id => format!("paired by id `{}`", before[i].id),
                align::How::Position { section, row } => format!(
                    "paired by position: row {} of section {section} in both ({} and {})",
                    row + 1,
                    earlier.matrix.language,
                    later.matrix.language
                ),
            };
            pairs.push((k, i, Some(how)));
        }
        pairs.sort_by_key(|(k, _, _)| *k);
    }
    let mut out = Vec::new();
    for (k, i, how) in pairs {
        let (a, twin) = (after[k], before[i]);
        let mut differences = Vec::new();
        for party in &later.matrix.parties {
            let Some(other) = earlier.matrix.counterpart(party) else {
                continue;
            };
            let (now, then) = (a.letters_of(&party.id), twin.letters_of(&other.id));
            if now != then {
                differences.push(format!(
                    "{}: {} here, {} there",
                    party.name,
                    show(now),
                    show(then)
                ));
            }
        }
        if differences.is_empty() {
            continue;
        }
        let mut f = pl.finding(
            Finding::warning(
                CONFLICT_CODE,
                format!(
                    "“{}” is assigned differently in {} and {}",
                    short(&a.text),
                    earlier.source.name,
                    later.source.name
                ),
            ),
            pl.row(k, a),
            differences.join("; "),
        );
        if let Some(span) = pe.row(i, twin) {
            f.related
                .push(pe.location(span, "assigned here in the other document"));
        }
        if let Some(how) = how {
            f = f.note(how);
        }
        out.push(Checked::new(f, Some(&a.id)));
    }
    out
}

/// Code of the finding for an activity that two documents (or two parts) assign differently.
pub const CONFLICT_CODE: &str = "cross::conflicting-letters";

/// Every activity that two parts of a composed document list with different letters for
/// some party (`cross::conflicting-letters`, a warning: the documents still render both
/// parts as written, and the audit report lists the conflict): the pairs and findings of
/// `annex check a b`, one rule, one implementation.
pub fn conflicting_letters(parts: &[LoadedMatrix]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (j, later) in parts.iter().enumerate() {
        for earlier in &parts[..j] {
            findings.extend(conflicts(earlier, later));
        }
    }
    findings
}

/// The `cross::conflicting-letters` findings between two matrices (see `cross_checks`);
/// composed profiles report their parts' conflicts with it.
pub fn conflicts(earlier: &LoadedMatrix, later: &LoadedMatrix) -> Vec<Finding> {
    cross_checks(earlier, later)
        .into_iter()
        .map(|c| c.finding)
        .collect()
}

fn text_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{self, SourceFile};

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
