//! The catalogue's wording in the document's language: every catalogue entry a document
//! shows (its region's city, country and note; the names of the services, options,
//! variants and qualifications of the profile and of the matrices' conditions) must exist
//! in the profile's language. A missing one is the warning
//! `catalogue::missing-translation` at the entry in the catalogue, never a silent
//! fallback (the document then shows the catalogue's own language there). A text shown
//! with a character no bundled font can show is the error `catalogue::undisplayable`, one
//! with a hidden control (`controls`) `catalogue::hidden-control`.

use std::ops::Range;

use crate::catalogue::Catalogue;
use crate::controls;
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
    let shown = catalogue.shown_texts(language, &profile.region, named);
    let place = |f: Finding, m: &crate::catalogue::Missing, label: String| {
        let key = if m.table == "regions" { "code" } else { "id" };
        match entry_line(&source.text, key, &m.id) {
            Some(span) => f.at(&source.name, &source.text, span).label(label),
            None => f,
        }
    };
    // A text no bundled font can show would fail the PDF export, far from the catalogue; one
    // with a hidden control would read otherwise than written.
    let undisplayable = shown.iter().filter_map(|(s, _)| {
        let what = format!(
            "{} `{}`: {}",
            singular(s.entry.table),
            s.entry.id,
            singular(s.entry.field)
        );
        let f = controls::finding(&s.text, &what, controls::CATALOGUE)?;
        Some(place(f, &s.entry, format!("its {}", s.entry.field)))
    });
    let undisplayable: Vec<Finding> = undisplayable.collect();
    shown
        .iter()
        .filter(|(_, translated)| !translated)
        .map(|(s, _)| {
            let m = &s.entry;
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
            place(f, m, format!("no {language} {}", m.field))
        })
        .chain(undisplayable)
        .collect()
}

/// `cities` → `city`, `services` → `service`: a table's or a map's name for one entry.
fn singular(name: &str) -> String {
    match name.strip_suffix("ies") {
        Some(stem) => format!("{stem}y"),
        None => name.strip_suffix('s').unwrap_or(name).to_owned(),
    }
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
