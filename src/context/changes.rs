//! The "Changes since the version of <date>" data of a document rendered with `--since`:
//! the change list of the first part's matrix ([`diff::diff`]) grouped for the templates,
//! reassignments first, and tailored on both sides.
//!
//! Invariants: every change of the list is in exactly one group; a change of an activity
//! that applies to the subscription on neither side (by the tailoring decisions of each
//! side) goes to `apart`, never mixed with those that bind the customer.

use std::collections::HashMap;

use serde::Serialize;

use crate::diff::{self, Change, Class, Place};
use crate::prepare::Prepared;
use crate::tailor;

/// The changes section's data.
#[derive(Debug, Clone, Serialize)]
pub struct Changes {
    /// The old version's date (its `version`), or empty when it has none.
    pub date: String,
    /// The old side's file, as given.
    pub old_file: String,
    /// Activities where a party's letters changed.
    pub reassigned: Vec<ChangeRow>,
    /// Activities only the new version has.
    pub added: Vec<ChangeRow>,
    /// Activities only the old version has.
    pub removed: Vec<ChangeRow>,
    /// Activities whose text changed, letters equal.
    pub reworded: Vec<ChangeRow>,
    /// Moves, section and metadata changes.
    pub other: Vec<ChangeRow>,
    /// Changes of activities that apply to this subscription on neither side.
    pub apart: Vec<ChangeRow>,
    /// How many changes in all.
    pub count: usize,
    /// Ids (new side) of activities added or reassigned where the customer is now R or A:
    /// the onboarding guide marks them.
    pub customer_new_or_changed: Vec<String>,
}

/// One change as the templates show it.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    /// The change class (`reassigned`, `added`, …).
    pub class: &'static str,
    /// Section number (the new side's, or the old side's for a removal).
    pub section: String,
    /// Activity id, section number or metadata field.
    pub id: String,
    /// The activity text (or section title, or metadata value), verbatim.
    pub text: String,
    /// Per party: letters before and after (`—` for none).
    pub letters: Vec<LetterChange>,
    /// One line: the word view of a rewording, or the summary of another change.
    pub detail: String,
    /// `file:line` on the old side, or empty.
    pub old_place: String,
    /// `file:line` on the new side, or empty.
    pub new_place: String,
}

/// One party's letters before and after.
#[derive(Debug, Clone, Serialize)]
pub struct LetterChange {
    /// The party's name.
    pub party: String,
    /// Before (`—` for none).
    pub old: String,
    /// After.
    pub new: String,
}

/// The changes since `prepared.since`, if set.
pub fn changes(prepared: &Prepared) -> Option<Changes> {
    let old = prepared.since.clone()?;
    let new = prepared.parts[0].clone();
    let applies = |m: &crate::model::Matrix| -> HashMap<String, bool> {
        tailor::tailor_matrix(m, &prepared.profile, &prepared.catalogue, false)
            .decisions
            .into_iter()
            .map(|d| (d.id, d.applies))
            .collect()
    };
    let (old_applies, new_applies) = (applies(&old.matrix), applies(&new.matrix));
    let list = diff::diff(old, new);
    let mut out = Changes {
        date: list.old_version.clone().unwrap_or_default(),
        old_file: list.old_file.clone(),
        reassigned: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        reworded: Vec::new(),
        other: Vec::new(),
        apart: Vec::new(),
        count: list.changes.len(),
        customer_new_or_changed: Vec::new(),
    };
    let customer = prepared.parts[0]
        .matrix
        .parties
        .iter()
        .find(|p| p.role == crate::model::PartyRole::Customer)
        .map(|p| p.name.clone());
    for c in &list.changes {
        let is_activity = matches!(
            c.class,
            Class::Reassigned
                | Class::Added
                | Class::Removed
                | Class::Moved
                | Class::Reworded
                | Class::Applicability
        );
        // Binding unless every side that has the activity says it does not apply.
        let binds = !is_activity
            || c.old
                .as_ref()
                .is_some_and(|o| old_applies.get(&o.id).copied().unwrap_or(true))
            || c.new
                .as_ref()
                .is_some_and(|n| new_applies.get(&n.id).copied().unwrap_or(true));
        let row = row(c);
        if matches!(c.class, Class::Reassigned | Class::Added) {
            let duty = c.letters.iter().any(|l| {
                Some(&l.party) == customer.as_ref() && (l.new.contains('R') || l.new.contains('A'))
            });
            if duty {
                out.customer_new_or_changed.push(c.place().id.clone());
            }
        }
        let group = if !binds {
            &mut out.apart
        } else {
            match c.class {
                Class::Reassigned => &mut out.reassigned,
                Class::Added => &mut out.added,
                Class::Removed => &mut out.removed,
                Class::Reworded => &mut out.reworded,
                _ => &mut out.other,
            }
        };
        group.push(row);
    }
    Some(out)
}

fn row(c: &Change) -> ChangeRow {
    let p = c.place();
    ChangeRow {
        class: c.class.name(),
        section: p.section.clone(),
        id: p.id.clone(),
        text: p.text.clone(),
        letters: c
            .letters
            .iter()
            .map(|l| LetterChange {
                party: l.party.clone(),
                old: diff::shown(&l.old).to_owned(),
                new: diff::shown(&l.new).to_owned(),
            })
            .collect(),
        detail: if c.class == Class::Reworded {
            diff::word_view(&c.words)
        } else {
            diff::summary(c)
        },
        old_place: c.old.as_ref().map(shown_place).unwrap_or_default(),
        new_place: c.new.as_ref().map(shown_place).unwrap_or_default(),
    }
}

/// `file:line` of a place as a document shows it: the file's own name
/// ([`crate::diag::shown_name`]).
fn shown_place(place: &Place) -> String {
    Place {
        file: crate::diag::shown_name(&place.file),
        ..place.clone()
    }
    .at()
}
