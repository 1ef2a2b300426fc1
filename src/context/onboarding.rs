//! The onboarding guide's data: the customer's R/A activities of every part, grouped by
//! lifecycle phase (always five phases, in order).
//!
//! The phase rule ([`phase_of`]) is documented in the user guide; it reads section titles in
//! both languages, so a translated page lands in the same phases.

use serde::Serialize;

use crate::model::{Letter, Matrix, PartyRole, Section};
use crate::wording::{self, Wording};

/// A lifecycle phase of the onboarding guide, with the customer's to-dos.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// "before-subscription", "operations", "incidents", "reversibility" or "end-of-service".
    pub id: &'static str,
    /// 1-based position.
    pub number: usize,
    /// Title in the document's language.
    pub title: String,
    /// One sentence on what the phase is about.
    pub intro: String,
    /// The customer's R/A activities of the phase, in source order.
    pub items: Vec<ChecklistItem>,
}

/// One to-do of the onboarding checklist.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    /// Activity id.
    pub id: String,
    /// Part number (1 unless the profile composes several matrices).
    pub part: usize,
    /// Section number.
    pub section: String,
    /// Section title.
    pub section_title: String,
    /// Activity text, verbatim.
    pub text: String,
    /// The customer's letters ("RA", "A").
    pub letters: String,
    /// What the other parties do, in words ("OVHcloud is consulted and informed").
    pub provider_does: String,
    /// `render --since`: the customer's duty is new or its letters changed since then.
    pub changed: bool,
}

/// The lifecycle phases, in order (their keywords are the wording catalogues'
/// `phase-keywords`, every language's).
const PHASES: [&str; 5] = [
    "before-subscription",
    "operations",
    "incidents",
    "reversibility",
    "end-of-service",
];

/// Whether a (lowercase) section title names `phase` in any language's keywords.
fn names_phase(title: &str, phase: usize) -> bool {
    wording::every_wording()
        .iter()
        .flat_map(|w| &w.words.phase_keywords[phase])
        .any(|k| title.contains(k.as_str()))
}

/// The lifecycle phase (index into the phase list) of `section` of `matrix`.
///
/// Rule: the section's own title, then each enclosing section's title (nearest first), is
/// matched against the keywords of every wording catalogue (case-insensitive; English:
/// "incident" → incidents; "end of service", "destruction", "destroy", "termination" →
/// end of service; "reversib…", "revert", "data recovery" → reversibility; "before
/// subscription", "specify" → before subscription; each language adds its own). With no keyword, the top-level number decides:
/// 1 → before subscription, 4 → reversibility, 5 → end of service, anything else →
/// operations.
pub fn phase_of(section: &Section, matrix: &Matrix) -> usize {
    let mut chain = vec![section.title.to_lowercase()];
    let mut number = section.number.as_str();
    while let Some((parent, _)) = number.rsplit_once('.') {
        number = parent;
        if let Some(s) = matrix.sections.iter().find(|s| s.number == parent) {
            chain.push(s.title.to_lowercase());
        }
    }
    for title in &chain {
        // Incidents and end of service first: "Data destruction" under "Reversibility"
        // is still the end of the service.
        for phase in [2, 4, 3, 0] {
            if names_phase(title, phase) {
                return phase;
            }
        }
    }
    match section.number.split('.').next() {
        Some("1") => 0,
        Some("4") => 3,
        Some("5") => 4,
        _ => 1,
    }
}

/// The phases of the onboarding guide, with the customer's R/A activities of every part.
pub fn phases(parts: &[(usize, &Matrix)], wording: &Wording) -> Vec<Phase> {
    let words = &wording.words;
    let mut phases: Vec<Phase> = PHASES
        .iter()
        .enumerate()
        .map(|(i, id)| Phase {
            id,
            number: i + 1,
            title: words.phase_titles[i].clone(),
            intro: words.phase_intros[i].clone(),
            items: Vec::new(),
        })
        .collect();
    for (part, matrix) in parts {
        let customer = matrix
            .parties
            .iter()
            .find(|p| p.role == PartyRole::Customer);
        let Some(customer) = customer else { continue };
        for section in &matrix.sections {
            let phase = phase_of(section, matrix);
            for a in &section.activities {
                let mine = a.letters_of(&customer.id);
                if !(mine.contains(Letter::R) || mine.contains(Letter::A)) {
                    continue;
                }
                let provider_does = matrix
                    .parties
                    .iter()
                    .filter(|p| p.id != customer.id)
                    .map(|p| format!("{} {}", p.name, wording.role_words(a.letters_of(&p.id))))
                    .collect::<Vec<_>>()
                    .join("; ");
                phases[phase].items.push(ChecklistItem {
                    id: a.id.clone(),
                    part: *part,
                    section: section.number.clone(),
                    section_title: section.title.clone(),
                    text: a.text.clone(),
                    letters: mine.to_string(),
                    provider_does,
                    changed: false,
                });
            }
        }
    }
    phases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_sections_fall_into_the_documented_phases() {
        let m: Matrix = toml::from_str(crate::load::DEFAULT_MATRIX).unwrap();
        let phase = |n: &str| phase_of(m.sections.iter().find(|s| s.number == n).unwrap(), &m);
        assert_eq!(phase("1.1"), 0);
        assert_eq!(phase("2.1"), 1);
        assert_eq!(
            phase("2.2"),
            3,
            "a reversibility model is planned for leaving"
        );
        assert_eq!(phase("3.1.1"), 1);
        assert_eq!(phase("3.2.1"), 2);
        assert_eq!(phase("3.2.2"), 1);
        assert_eq!(phase("4.2"), 3);
        assert_eq!(phase("5.1"), 4);
    }
}
