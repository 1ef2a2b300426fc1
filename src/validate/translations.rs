//! The catalogue's wording in the document's language: every catalogue entry a document
//! shows (its region's city, country and note; the names of the services, options,
//! variants and qualifications of the profile and of the matrices' conditions) must exist
//! in the profile's language. A missing one is the warning
//! `catalogue::missing-translation` at the entry in the catalogue, never a silent
//! fallback (the document then shows the catalogue's own language there).

use std::ops::Range;

use crate::catalogue::Catalogue;
use crate::diag::Finding;
use crate::load::SourceFile;
use crate::model::{Condition, Matrix};
use crate::profile::Profile;

/// The `catalogue::missing-translation` findings of a document for `profile` made of
/// `matrices`.
pub fn translations(
    profile: &Profile,
    matrices: &[&Matrix],
    catalogue: &Catalogue,
    source: &SourceFile,
) -> Vec<Finding> {
    let language = profile.contract.language.code();
    let mut named: Vec<(&'static str, &str)> = Vec::new();
    named.extend(profile.services.iter().map(|s| ("services", s.as_str())));
    named.extend(profile.options.iter().map(|s| ("options", s.as_str())));
    named.extend(profile.variant.iter().map(|s| ("variants", s.as_str())));
    named.extend(
        profile
            .qualifications
            .iter()
            .map(|s| ("qualifications", s.as_str())),
    );
    for m in matrices {
        named.push(("services", m.service.as_str()));
        let conditions = m.sections.iter().flat_map(|s| {
            s.applies
                .iter()
                .chain(s.activities.iter().filter_map(|a| a.applies.as_ref()))
        });
        for c in conditions {
            named.extend(condition_names(c));
        }
        for a in m.activities().map(|(_, a)| a) {
            named.extend(a.variants.iter().map(|v| ("variants", v.as_str())));
        }
    }
    catalogue
        .missing_translations(language, &profile.region, named)
        .into_iter()
        .map(|m| {
            let key = if m.table == "regions" { "code" } else { "id" };
            let f = Finding::warning(
                "catalogue::missing-translation",
                format!(
                    "{} `{}` has no `{}.{language}`: the document in `{language}` shows it in the catalogue's language ({})",
                    m.table, m.id, m.field, catalogue.language
                ),
            )
            .note(format!(
                "add `{}.{language} = \"…\"` to this entry of {}",
                m.field, source.name
            ));
            match entry_line(&source.text, key, &m.id) {
                Some(span) => f
                    .at(&source.name, &source.text, span)
                    .label(format!("no {language} {}", m.field)),
                None => f,
            }
        })
        .collect()
}

fn condition_names(c: &Condition) -> impl Iterator<Item = (&'static str, &str)> {
    c.services
        .iter()
        .map(|i| ("services", i.as_str()))
        .chain(c.options.iter().map(|i| ("options", i.as_str())))
        .chain(c.variants.iter().map(|i| ("variants", i.as_str())))
        .chain(
            c.qualifications
                .iter()
                .map(|i| ("qualifications", i.as_str())),
        )
}

/// The byte range of the line `key = "value"` (spaces around `=` free) of a TOML text: the
/// line that names a catalogue entry.
fn entry_line(text: &str, key: &str, value: &str) -> Option<Range<usize>> {
    let wanted = format!("{key}=\"{value}\"");
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if compact == wanted {
            return Some(at..at + line.trim_end().len());
        }
        at += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_their_id_line() {
        let text = "[[services]]\nid = \"a\"\n[[services]]\nid  =  \"b\"  \n";
        assert_eq!(entry_line(text, "id", "b"), Some(35..45));
        assert_eq!(entry_line(text, "id", "c"), None);
    }
}
