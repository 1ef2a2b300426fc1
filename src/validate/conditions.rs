//! Applicability conditions against the catalogue: a value no profile can ever name
//! would silently move activities out of every annex, so each one is an error.

use crate::catalogue::Catalogue;
use crate::diag::Finding;
use crate::load::LoadedMatrix;
use crate::model::Condition;

/// Checks every applicability condition of `matrix` against the catalogue (and the
/// matrix's own variants): a value no profile can ever name would silently move activities
/// out of every annex, so each one is an error `matrix::unknown-condition-value`, placed on
/// the value in the matrix file when it can be found there, with a "did you mean" hint.
pub fn conditions(matrix: &LoadedMatrix, catalogue: &Catalogue) -> Vec<Finding> {
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
    let index = crate::diag::LineIndex::new(text);
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
                    let span = start..start + quoted.len();
                    f = index.place(f, file, text, span).label(format!(
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
    let line_start = |line: usize| index.line_span(text, line).start;
    for section in &m.sections {
        let section_at = matrix
            .section_lines
            .get(&section.number)
            .map_or(0, |&l| line_start(l));
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
        let findings = conditions(&loaded, &catalogue);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(f.code, "matrix::unknown-condition-value");
        assert!(f.message.contains("veeam-managed-bakup"));
        assert_eq!(f.location.as_ref().unwrap().line, 17);
        assert_eq!(f.notes, vec!["did you mean `veeam-managed-backup`?"]);
    }
}
