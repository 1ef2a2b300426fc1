//! Tailor stage: keeps the activities that apply to this customer's subscription.
//!
//! Invariant: nothing is silently dropped. An activity (or a whole section) whose
//! applicability condition does not hold for the profile moves to the "not applicable"
//! list with the reason, which the documents print in an appendix. With `full` scope every
//! activity is kept.

use crate::catalogue::Catalogue;
use crate::context::NotApplicable;
use crate::diag::Finding;
use crate::load::LoadedMatrix;
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

/// A condition in words, for the audit report: "option: Veeam Managed Backup; region: BHS".
/// Empty for a condition that restricts nothing.
pub fn describe(condition: &Condition, catalogue: &Catalogue) -> String {
    let name = |id: &String, entries: &[crate::catalogue::Entry]| {
        entries
            .iter()
            .find(|e| &e.id == id)
            .map_or(id.clone(), |e| e.name.clone())
    };
    let mut parts = Vec::new();
    let mut push = |label: &str, values: Vec<String>| {
        if !values.is_empty() {
            parts.push(format!("{label}: {}", values.join(" or ")));
        }
    };
    push(
        "service",
        condition
            .services
            .iter()
            .map(|s| name(s, &catalogue.services))
            .collect(),
    );
    push(
        "option",
        condition
            .options
            .iter()
            .map(|s| name(s, &catalogue.options))
            .collect(),
    );
    push(
        "variant",
        condition
            .variants
            .iter()
            .map(|s| name(s, &catalogue.variants))
            .collect(),
    );
    push("region", condition.regions.clone());
    push("jurisdiction", condition.jurisdictions.clone());
    push(
        "qualification",
        condition
            .qualifications
            .iter()
            .map(|s| name(s, &catalogue.qualifications))
            .collect(),
    );
    parts.join("; ")
}

/// Checks every applicability condition of `matrix` against the catalogue (and the
/// matrix's own variants): a value no profile can ever name would silently move activities
/// out of every annex, so each one is an error `matrix::unknown-condition-value`, placed on
/// the value in the matrix file when it can be found there, with a "did you mean" hint.
pub fn condition_findings(matrix: &LoadedMatrix, catalogue: &Catalogue) -> Vec<Finding> {
    let m = &matrix.matrix;
    let text = matrix.source.text.as_str();
    let file = matrix.source.name.as_str();
    let ids = |entries: &[crate::catalogue::Entry]| -> Vec<String> {
        entries.iter().map(|e| e.id.clone()).collect()
    };
    let mut variants = ids(&catalogue.variants);
    variants.extend(m.variants.iter().map(|v| v.id.clone()));
    let regions: Vec<String> = catalogue.regions.iter().map(|r| r.code.clone()).collect();
    let mut jurisdictions: Vec<String> = catalogue
        .regions
        .iter()
        .map(|r| r.jurisdiction.clone())
        .collect();
    jurisdictions.dedup();
    let known: [(&str, Vec<String>, bool); 6] = [
        ("service", ids(&catalogue.services), false),
        ("option", ids(&catalogue.options), false),
        ("variant", variants.clone(), false),
        ("region", regions, true),
        ("jurisdiction", jurisdictions, true),
        ("qualification", ids(&catalogue.qualifications), false),
    ];
    let mut findings = Vec::new();
    let mut check = |condition: &Condition, owner: &str, from: usize| {
        let lists = [
            &condition.services,
            &condition.options,
            &condition.variants,
            &condition.regions,
            &condition.jurisdictions,
            &condition.qualifications,
        ];
        for ((field, allowed, fold), values) in known.iter().zip(lists) {
            for value in values {
                let ok = allowed.iter().any(|a| {
                    if *fold {
                        a.eq_ignore_ascii_case(value)
                    } else {
                        a == value
                    }
                });
                if ok {
                    continue;
                }
                let mut f = Finding::error(
                    "matrix::unknown-condition-value",
                    format!(
                        "{owner}: unknown {field} `{value}` in its applicability condition (not in the catalogue)"
                    ),
                );
                let quoted = format!("\"{value}\"");
                if let Some(at) = text.get(from..).and_then(|t| t.find(&quoted)) {
                    let start = from + at;
                    f = f.at(file, text, start..start + quoted.len()).label(format!(
                        "not {} {field} of the catalogue",
                        if *field == "option" { "an" } else { "a" }
                    ));
                }
                if let Some(s) = crate::diag::suggest(value, allowed.iter().map(String::as_str)) {
                    f = f.note(format!("did you mean `{s}`?"));
                }
                findings.push(f);
            }
        }
    };
    let line_start = |line: usize| crate::diag::line_span(text, line).start;
    for section in &m.sections {
        let section_at = text
            .find(&format!("number = \"{}\"", section.number))
            .unwrap_or(0);
        if let Some(c) = &section.applies {
            check(c, &format!("section {}", section.number), section_at);
        }
        for activity in &section.activities {
            let from = matrix
                .activity_lines
                .get(&activity.id)
                .map_or(section_at, |&l| line_start(l));
            if let Some(c) = &activity.applies {
                check(c, &format!("activity {}", activity.id), from);
            }
            if !activity.variants.is_empty() {
                let c = Condition {
                    variants: activity.variants.clone(),
                    ..Condition::default()
                };
                check(&c, &format!("activity {}", activity.id), from);
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{matrix_from_source, SourceFile};

    const MATRIX: &str = r#"
provider = "P"
service = "data-processing"
title = "T"
[[parties]]
id = "customer"
name = "Customer"
role = "customer"
[[sections]]
number = "1"
title = "One"
applies = { regions = ["BHS"] }
[[sections.activities]]
id = "1/a"
text = "A"
letters = { customer = "RA" }
applies = { options = ["veeam-managed-bakup"], jurisdictions = ["ca"] }
"#;

    #[test]
    fn unknown_condition_values_are_errors_placed_on_the_value() {
        let loaded = matrix_from_source(SourceFile {
            name: "m.toml".into(),
            text: MATRIX.into(),
        })
        .unwrap();
        let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
        let findings = condition_findings(&loaded, &catalogue);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.code, "matrix::unknown-condition-value");
        assert!(f.message.contains("veeam-managed-bakup"));
        assert_eq!(f.location.as_ref().unwrap().line, 17);
        assert_eq!(f.notes, vec!["did you mean `veeam-managed-backup`?"]);
    }

    #[test]
    fn conditions_are_described_with_catalogue_names() {
        let catalogue: Catalogue = toml::from_str(crate::catalogue::BUILTIN).unwrap();
        let c = Condition {
            options: vec!["veeam-managed-backup".into()],
            regions: vec!["BHS".into()],
            ..Condition::default()
        };
        assert_eq!(
            describe(&c, &catalogue),
            "option: Veeam Managed Backup; region: BHS"
        );
    }
}
