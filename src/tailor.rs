//! Tailor stage: what applies to this customer's subscription.
//!
//! Takes the prepared profile and decides, for every activity of every part, whether it
//! applies (its section's condition, its applicability columns and its own condition must
//! all hold). The output, [`Tailored`], holds per part the matrix to show, the activities
//! left out with the reason, and every decision (for the audit report).
//!
//! Invariant: nothing is silently dropped. An activity (or a whole section) whose
//! applicability condition does not hold for the profile moves to the "not applicable"
//! list with the reason, which the documents print in an appendix. With `full` scope every
//! activity is shown (the decisions are still made, for the audit report).

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::model::{Condition, Matrix};
use crate::prepare::Prepared;
use crate::profile::{Language, Profile, Scope};
use crate::wording::{self, fill};

/// The tailor stage's output: one [`TailoredPart`] per part of the prepared profile.
#[derive(Debug, Clone)]
pub struct Tailored {
    /// The parts, in order.
    pub parts: Vec<TailoredPart>,
    /// Whether the whole matrix is shown (`--scope full`).
    pub full: bool,
}

/// One part, tailored.
#[derive(Debug, Clone)]
pub struct TailoredPart {
    /// The matrix to show: only what applies, or everything with full scope.
    pub shown: Matrix,
    /// The activities left out, with the reason (empty with full scope).
    pub not_applicable: Vec<NotApplicable>,
    /// Every activity with its decision, whatever the scope.
    pub decisions: Vec<Decision>,
}

/// An activity left out of the tailored documents.
#[derive(Debug, Clone, Serialize)]
pub struct NotApplicable {
    /// Activity id.
    pub id: String,
    /// Section number.
    pub section: String,
    /// Activity text.
    pub text: String,
    /// Letters per party, in party order.
    pub letters: Vec<String>,
    /// Why it does not apply ("requires option: Veeam Managed Backup").
    pub reason: String,
}

/// The applicability decision for one activity.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// Activity id.
    pub id: String,
    /// Section number.
    pub section: String,
    /// Activity text, verbatim.
    pub text: String,
    /// Letters per party, in party order.
    pub letters: Vec<String>,
    /// Whether it applies to this subscription.
    pub applies: bool,
    /// Its condition in words ("option: Veeam Managed Backup"), empty if unconditional
    /// (the section's condition and the row's variants included).
    pub condition: String,
    /// Why it does not apply, empty if it does.
    pub reason: String,
}

/// Tailors every part of `prepared` to its profile.
pub fn tailor(prepared: &Prepared) -> Tailored {
    let full = prepared.profile.scope == Scope::Full;
    Tailored {
        parts: prepared
            .parts
            .iter()
            .map(|p| tailor_matrix(&p.matrix, &prepared.profile, &prepared.catalogue, full))
            .collect(),
        full,
    }
}

/// Tailors one matrix.
pub fn tailor_matrix(
    matrix: &Matrix,
    profile: &Profile,
    catalogue: &Catalogue,
    full: bool,
) -> TailoredPart {
    let (tailored, left_out) = split(matrix.clone(), profile, catalogue);
    let decisions = decisions(matrix, &left_out, catalogue, profile.contract.language);
    if full {
        TailoredPart {
            shown: matrix.clone(),
            not_applicable: Vec::new(),
            decisions,
        }
    } else {
        TailoredPart {
            shown: tailored,
            not_applicable: left_out,
            decisions,
        }
    }
}

/// Every activity of `matrix` with its decision, given what was left out.
fn decisions(
    matrix: &Matrix,
    left_out: &[NotApplicable],
    catalogue: &Catalogue,
    language: Language,
) -> Vec<Decision> {
    let mut out = Vec::new();
    for section in &matrix.sections {
        for a in &section.activities {
            let mut conditions = Vec::new();
            if let Some(c) = &section.applies {
                conditions.push(describe(c, catalogue, language));
            }
            if !a.variants.is_empty() {
                let c = Condition {
                    variants: a.variants.clone(),
                    ..Default::default()
                };
                conditions.push(describe(&c, catalogue, language));
            }
            if let Some(c) = &a.applies {
                conditions.push(describe(c, catalogue, language));
            }
            conditions.retain(|c| !c.is_empty());
            let reason = left_out
                .iter()
                .find(|n| n.id == a.id)
                .map(|n| n.reason.clone());
            out.push(Decision {
                id: a.id.clone(),
                section: section.number.clone(),
                text: a.text.clone(),
                letters: matrix
                    .parties
                    .iter()
                    .map(|p| a.letters_of(&p.id).to_string())
                    .collect(),
                applies: reason.is_none(),
                condition: conditions.join("; "),
                reason: reason.unwrap_or_default(),
            });
        }
    }
    out
}

/// Whether `condition` holds for `profile`; if not, why (e.g. "requires option: Veeam
/// Managed Backup").
pub fn evaluate(
    condition: &Condition,
    profile: &Profile,
    catalogue: &Catalogue,
) -> Result<(), String> {
    let language = profile.contract.language;
    let (code, words) = (language.code(), &wording::wording(language).conditions);
    let list = |ids: &[String], name: &dyn Fn(&str) -> String| {
        ids.iter()
            .map(|i| name(i))
            .collect::<Vec<_>>()
            .join(&words.or)
    };
    let reason = |pattern: &str, names: String| fill(pattern, &[("names", &names)]);
    if !condition.services.is_empty()
        && !condition
            .services
            .iter()
            .any(|s| profile.services.contains(s))
    {
        return Err(reason(
            &words.requires_service,
            list(&condition.services, &|id| catalogue.service_name(id, code)),
        ));
    }
    if !condition.options.is_empty()
        && !condition
            .options
            .iter()
            .any(|o| profile.options.contains(o))
    {
        return Err(reason(
            &words.requires_option,
            list(&condition.options, &|id| catalogue.option_name(id, code)),
        ));
    }
    if !condition.variants.is_empty()
        && !profile
            .variant
            .as_ref()
            .is_some_and(|v| condition.variants.contains(v))
    {
        return Err(reason(
            &words.for_variant,
            list(&condition.variants, &|id| catalogue.variant_name(id, code)),
        ));
    }
    if !condition.regions.is_empty()
        && !condition
            .regions
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&profile.region))
    {
        return Err(reason(&words.for_region, condition.regions.join(", ")));
    }
    if !condition.jurisdictions.is_empty() {
        let jurisdiction = catalogue
            .region(&profile.region)
            .map(|r| r.jurisdiction.as_str())
            .unwrap_or("");
        if !condition
            .jurisdictions
            .iter()
            .any(|j| j.eq_ignore_ascii_case(jurisdiction))
        {
            return Err(reason(
                &words.for_jurisdiction,
                condition.jurisdictions.join(", "),
            ));
        }
    }
    if !condition.qualifications.is_empty()
        && !condition
            .qualifications
            .iter()
            .any(|q| profile.qualifications.contains(q))
    {
        return Err(reason(
            &words.for_qualification,
            list(&condition.qualifications, &|id| {
                catalogue.qualification_name(id, code)
            }),
        ));
    }
    Ok(())
}

/// Splits `matrix` into what applies to `profile` and what does not.
fn split(
    mut matrix: Matrix,
    profile: &Profile,
    catalogue: &Catalogue,
) -> (Matrix, Vec<NotApplicable>) {
    let mut left_out = Vec::new();
    let parties: Vec<String> = matrix.parties.iter().map(|p| p.id.clone()).collect();
    for section in &mut matrix.sections {
        let section_verdict = section
            .applies
            .as_ref()
            .map(|c| evaluate(c, profile, catalogue));
        let activities = std::mem::take(&mut section.activities);
        for activity in activities {
            let mut verdict = section_verdict.clone().unwrap_or(Ok(()));
            if verdict.is_ok() && !activity.variants.is_empty() {
                // Applicability columns: the row applies only to the variants marked.
                let variant_condition = Condition {
                    variants: activity.variants.clone(),
                    ..Condition::default()
                };
                verdict = evaluate(&variant_condition, profile, catalogue);
            }
            if verdict.is_ok() {
                if let Some(c) = &activity.applies {
                    verdict = evaluate(c, profile, catalogue);
                }
            }
            match verdict {
                Ok(()) => section.activities.push(activity),
                Err(reason) => left_out.push(NotApplicable {
                    id: activity.id.clone(),
                    section: section.number.clone(),
                    letters: parties
                        .iter()
                        .map(|p| activity.letters_of(p).to_string())
                        .collect(),
                    text: activity.text,
                    reason,
                }),
            }
        }
    }
    // A section whose own condition fails, with no subsection, would only print "no
    // activity" in the annex: its heading goes too (its activities are in the appendix).
    let numbers: Vec<String> = matrix.sections.iter().map(|s| s.number.clone()).collect();
    matrix.sections.retain(|s| {
        let excluded = s
            .applies
            .as_ref()
            .is_some_and(|c| evaluate(c, profile, catalogue).is_err());
        let has_children = numbers
            .iter()
            .any(|n| n.starts_with(&format!("{}.", s.number)));
        !excluded || has_children
    });
    (matrix, left_out)
}

/// A condition in words, for the audit report, in `language`: "option: Veeam Managed
/// Backup; region: BHS". Empty for a condition that restricts nothing.
pub fn describe(condition: &Condition, catalogue: &Catalogue, language: Language) -> String {
    let (code, words) = (language.code(), &wording::wording(language).conditions);
    let names = |ids: &[String], name: &dyn Fn(&str, &str) -> String| -> Vec<String> {
        ids.iter().map(|id| name(id, code)).collect()
    };
    let values = [
        names(&condition.services, &|i, l| catalogue.service_name(i, l)),
        names(&condition.options, &|i, l| catalogue.option_name(i, l)),
        names(&condition.variants, &|i, l| catalogue.variant_name(i, l)),
        condition.regions.clone(),
        condition.jurisdictions.clone(),
        names(&condition.qualifications, &|i, l| {
            catalogue.qualification_name(i, l)
        }),
    ];
    words
        .kinds
        .iter()
        .zip(values)
        .filter(|(_, v)| !v.is_empty())
        .map(|(label, v)| format!("{label}: {}", v.join(&words.or)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_described_with_catalogue_names() {
        let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
        let c = Condition {
            options: vec!["veeam-managed-backup".into()],
            regions: vec!["BHS".into()],
            ..Condition::default()
        };
        assert_eq!(
            describe(&c, &catalogue, Language::default()),
            "option: Veeam Managed Backup; region: BHS"
        );
    }
}
