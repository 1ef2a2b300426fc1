//! Tailor stage: keeps the activities that apply to this customer's subscription.
//!
//! Invariant: nothing is silently dropped. An activity (or a whole section) whose
//! applicability condition does not hold for the profile moves to the "not applicable"
//! list with the reason, which the documents print in an appendix. With `full` scope every
//! activity is kept.

use crate::catalogue::Catalogue;
use crate::context::NotApplicable;
use crate::model::{Condition, Matrix};
use crate::profile::Profile;

/// Whether `condition` holds for `profile`; if not, why (e.g. "requires option: Veeam
/// Managed Backup").
pub fn evaluate(
    condition: &Condition,
    profile: &Profile,
    catalogue: &Catalogue,
) -> Result<(), String> {
    let name = |id: &str, entries: &[crate::catalogue::Entry]| {
        entries
            .iter()
            .find(|e| e.id == id)
            .map_or(id.to_owned(), |e| e.name.clone())
    };
    let list = |ids: &[String], entries: &[crate::catalogue::Entry]| {
        ids.iter()
            .map(|i| name(i, entries))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    if !condition.services.is_empty()
        && !condition
            .services
            .iter()
            .any(|s| profile.services.contains(s))
    {
        return Err(format!(
            "requires service: {}",
            list(&condition.services, &catalogue.services)
        ));
    }
    if !condition.options.is_empty()
        && !condition
            .options
            .iter()
            .any(|o| profile.options.contains(o))
    {
        return Err(format!(
            "requires option: {}",
            list(&condition.options, &catalogue.options)
        ));
    }
    if !condition.variants.is_empty()
        && !profile
            .variant
            .as_ref()
            .is_some_and(|v| condition.variants.contains(v))
    {
        return Err(format!(
            "applies to variant: {}",
            list(&condition.variants, &catalogue.variants)
        ));
    }
    if !condition.regions.is_empty()
        && !condition
            .regions
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&profile.region))
    {
        return Err(format!(
            "applies to region: {} only",
            condition.regions.join(", ")
        ));
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
            return Err(format!(
                "applies to jurisdiction: {} only",
                condition.jurisdictions.join(", ")
            ));
        }
    }
    if !condition.qualifications.is_empty()
        && !condition
            .qualifications
            .iter()
            .any(|q| profile.qualifications.contains(q))
    {
        return Err(format!(
            "applies under qualification: {}",
            list(&condition.qualifications, &catalogue.qualifications)
        ));
    }
    Ok(())
}

/// Splits `matrix` into what applies to `profile` and what does not.
pub fn tailor(
    mut matrix: Matrix,
    profile: &Profile,
    catalogue: &Catalogue,
    full: bool,
) -> (Matrix, Vec<NotApplicable>) {
    let mut left_out = Vec::new();
    if full {
        return (matrix, left_out);
    }
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
    (matrix, left_out)
}
