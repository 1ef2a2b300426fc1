//! The annex body of a matrix: its metadata, parties, legend, sections with their rows,
//! per-party counts, the customer's duties and the sign-off blocks.
//!
//! Invariant: activity text and letters are copied verbatim from the (tailored) matrix;
//! letters are written in R-A-C-I order, one entry per party in column order, so every row
//! reads the same way in every document.

use std::collections::HashMap;

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::model::{Letter, Matrix, PartyRole};
use crate::profile::Profile;
use crate::wording::Wording;

/// The matrix's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixInfo {
    /// Title of the source page.
    pub title: String,
    /// Service id.
    pub service: String,
    /// Service display name.
    pub service_name: String,
    /// Version (update date) of the page, or "unversioned".
    pub version: String,
    /// Source reference.
    pub source: String,
    /// Language of the matrix text.
    pub language: String,
    /// Number of activities in the whole matrix.
    pub activity_count: usize,
}

/// A party column.
#[derive(Debug, Clone, Serialize)]
pub struct PartyInfo {
    /// Party id.
    pub id: String,
    /// Name as printed in the matrix.
    pub name: String,
    /// "customer", "provider" or "other".
    pub role: PartyRole,
}

/// One legend line.
#[derive(Debug, Clone, Serialize)]
pub struct LegendLine {
    /// "R", "A", "C" or "I".
    pub letter: String,
    /// Its meaning, verbatim from the matrix.
    pub meaning: String,
}

/// A section with its applicable activities.
#[derive(Debug, Clone, Serialize)]
pub struct SectionInfo {
    /// Number as printed ("3.1.4").
    pub number: String,
    /// Title, verbatim.
    pub title: String,
    /// Depth in the tree (1 for "3").
    pub depth: usize,
    /// Prose under the heading, verbatim.
    pub note: Option<String>,
    /// Whether the source has a table here (maybe empty).
    pub has_table: bool,
    /// Applicable activities in source order.
    pub activities: Vec<ActivityInfo>,
}

/// One activity row.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityInfo {
    /// Stable id.
    pub id: String,
    /// Text, verbatim, in the document's language when a translation gives it.
    pub text: String,
    /// A bilingual annex: the text in the other language, verbatim; `null` otherwise (and
    /// for a row the aligner could not pair).
    pub second: Option<String>,
    /// Letters per party, in party column order, each in R-A-C-I order ("RA", "").
    pub letters: Vec<String>,
    /// Whether the customer is Responsible or Accountable.
    pub customer_duty: bool,
}

/// Per-party counts.
#[derive(Debug, Clone, Serialize)]
pub struct PartySummary {
    /// Party id.
    pub party: String,
    /// Party name.
    pub name: String,
    /// Activities where the party is Responsible.
    pub responsible: usize,
    /// Activities where the party is Accountable.
    pub accountable: usize,
    /// Activities where the party is Consulted.
    pub consulted: usize,
    /// Activities where the party is Informed.
    pub informed: usize,
}

/// A customer duty (R or A).
#[derive(Debug, Clone, Serialize)]
pub struct Duty {
    /// Activity id.
    pub id: String,
    /// Section number.
    pub section: String,
    /// Section title.
    pub section_title: String,
    /// Activity text.
    pub text: String,
    /// The customer's letters.
    pub letters: String,
    /// What the other parties do, e.g. "OVHcloud: CI".
    pub others: String,
}

/// The signatories of one party.
#[derive(Debug, Clone, Serialize)]
pub struct SignOff {
    /// Party id.
    pub party: String,
    /// Party name ("Customer") and, for the customer, its legal name.
    pub name: String,
    /// Who signs on this party's behalf.
    pub people: Vec<Person>,
}

/// A signatory.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
}

/// The metadata of `matrix`; `activity_count` counts the whole (untailored) matrix; names
/// in `lang`, and `unversioned` for a matrix without version.
pub fn matrix_info(
    matrix: &Matrix,
    catalogue: &Catalogue,
    activity_count: usize,
    lang: &str,
    unversioned: &str,
) -> MatrixInfo {
    MatrixInfo {
        title: matrix.title.clone(),
        service: matrix.service.clone(),
        service_name: catalogue.service_name(&matrix.service, lang),
        version: matrix
            .version
            .clone()
            .unwrap_or_else(|| unversioned.to_owned()),
        source: crate::diag::shown_name(matrix.source.as_deref().unwrap_or_default()),
        language: matrix.language.clone(),
        activity_count,
    }
}

/// The parties of `matrix`, in column order.
pub fn parties(matrix: &Matrix) -> Vec<PartyInfo> {
    matrix
        .parties
        .iter()
        .map(|p| PartyInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            role: p.role,
        })
        .collect()
}

/// The legend of a document in `lang` whose activity text comes from `matrix`: the
/// matrix's own legend, verbatim, when it is in `lang`; else the wording catalogue's
/// meanings (a legend in another language than the document's is never shown).
pub fn legend(matrix: &Matrix, lang: &str, wording: &Wording) -> Vec<LegendLine> {
    if crate::model::primary_language(&matrix.language) == lang && !matrix.legend.is_empty() {
        return matrix
            .legend
            .iter()
            .map(|l| LegendLine {
                letter: l.letter.as_char().to_string(),
                meaning: l.meaning.clone(),
            })
            .collect();
    }
    Letter::ALL
        .iter()
        .zip(&wording.legend.meanings)
        .map(|(l, meaning)| LegendLine {
            letter: l.as_char().to_string(),
            meaning: meaning.clone(),
        })
        .collect()
}

/// The rows of a matrix as the documents show them.
pub struct Body {
    /// Sections with their activities.
    pub sections: Vec<SectionInfo>,
    /// Per-party counts.
    pub summary: Vec<PartySummary>,
    /// The customer's R/A activities.
    pub duties: Vec<Duty>,
}

/// The body of `matrix`: one pass over its rows; `second` holds the other language's text
/// of a bilingual annex, by activity id.
pub fn body(matrix: &Matrix, second: &HashMap<String, String>) -> Body {
    let customer_party = matrix
        .parties
        .iter()
        .find(|p| p.role == PartyRole::Customer)
        .map(|p| p.id.as_str());
    let mut summary: Vec<PartySummary> = matrix
        .parties
        .iter()
        .map(|p| PartySummary {
            party: p.id.clone(),
            name: p.name.clone(),
            responsible: 0,
            accountable: 0,
            consulted: 0,
            informed: 0,
        })
        .collect();
    let mut duties = Vec::new();
    let mut sections = Vec::new();
    for section in &matrix.sections {
        let mut activities = Vec::new();
        for activity in &section.activities {
            let letters: Vec<String> = matrix
                .parties
                .iter()
                .map(|p| activity.letters_of(&p.id).to_string())
                .collect();
            for (s, p) in summary.iter_mut().zip(&matrix.parties) {
                let l = activity.letters_of(&p.id);
                s.responsible += usize::from(l.contains(Letter::R));
                s.accountable += usize::from(l.contains(Letter::A));
                s.consulted += usize::from(l.contains(Letter::C));
                s.informed += usize::from(l.contains(Letter::I));
            }
            let customer_letters = customer_party
                .map(|c| activity.letters_of(c))
                .unwrap_or_default();
            let customer_duty =
                customer_letters.contains(Letter::R) || customer_letters.contains(Letter::A);
            if customer_duty {
                let others = matrix
                    .parties
                    .iter()
                    .filter(|p| Some(p.id.as_str()) != customer_party)
                    .map(|p| {
                        let l = activity.letters_of(&p.id);
                        format!(
                            "{}: {}",
                            p.name,
                            if l.is_empty() {
                                "–".to_owned()
                            } else {
                                l.to_string()
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                duties.push(Duty {
                    id: activity.id.clone(),
                    section: section.number.clone(),
                    section_title: section.title.clone(),
                    text: activity.text.clone(),
                    letters: customer_letters.to_string(),
                    others,
                });
            }
            activities.push(ActivityInfo {
                id: activity.id.clone(),
                text: activity.text.clone(),
                second: second.get(&activity.id).cloned(),
                letters,
                customer_duty,
            });
        }
        sections.push(SectionInfo {
            number: section.number.clone(),
            title: section.title.clone(),
            depth: section.depth(),
            note: section.note.clone(),
            has_table: section.has_table,
            activities,
        });
    }
    Body {
        sections,
        summary,
        duties,
    }
}

/// The sign-off blocks: one per party of `matrix`, with the profile's signatories.
pub fn signoff(matrix: &Matrix, profile: &Profile) -> Vec<SignOff> {
    matrix
        .parties
        .iter()
        .map(|p| SignOff {
            party: p.id.clone(),
            name: if p.role == PartyRole::Customer {
                format!("{} – {}", p.name, profile.customer.legal_name)
            } else {
                p.name.clone()
            },
            people: profile
                .signatories
                .iter()
                .filter(|s| s.party == p.id)
                .map(|s| Person {
                    name: s.name.clone(),
                    title: s.title.clone(),
                })
                .collect(),
        })
        .collect()
}
