//! `annex catalogue [LIST]`: what a profile may name, with display names and notes.

use crate::catalogue::{Catalogue, Entry};
use crate::cli::{CatalogueArgs, CatalogueList, CheckFormat};
use crate::error::EXIT_OK;
use crate::load;

const LISTS: [CatalogueList; 5] = [
    CatalogueList::Regions,
    CatalogueList::Services,
    CatalogueList::Options,
    CatalogueList::Variants,
    CatalogueList::Qualifications,
];

/// Runs `annex catalogue`.
pub fn run(args: &CatalogueArgs) -> anyhow::Result<u8> {
    let (catalogue, _) = load::catalogue(args.catalogue.as_deref())?;
    let lists: Vec<CatalogueList> = args.list.map_or(LISTS.to_vec(), |l| vec![l]);
    match args.format {
        CheckFormat::Json => {
            let mut object = serde_json::Map::new();
            for list in &lists {
                let (name, _) = heading(*list);
                object.insert(name.to_owned(), json(&catalogue, *list));
            }
            // One list: its array alone, ready for `jq '.[].id'`.
            let value = match args.list {
                Some(list) => json(&catalogue, list),
                None => serde_json::Value::Object(object),
            };
            println!("{}", serde_json::to_string_pretty(&value)?);
        }
        CheckFormat::Human => {
            for (i, list) in lists.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print!("{}", human(&catalogue, *list, lists.len() > 1));
            }
        }
    }
    Ok(EXIT_OK)
}

/// The list's name and the profile key that takes its ids.
fn heading(list: CatalogueList) -> (&'static str, &'static str) {
    match list {
        CatalogueList::Regions => ("regions", "location.region"),
        CatalogueList::Services => ("services", "subscription.services"),
        CatalogueList::Options => ("options", "subscription.options"),
        CatalogueList::Variants => ("variants", "subscription.variant"),
        CatalogueList::Qualifications => ("qualifications", "subscription.qualifications"),
    }
}

fn entries(catalogue: &Catalogue, list: CatalogueList) -> &[Entry] {
    match list {
        CatalogueList::Regions => &[],
        CatalogueList::Services => &catalogue.services,
        CatalogueList::Options => &catalogue.options,
        CatalogueList::Variants => &catalogue.variants,
        CatalogueList::Qualifications => &catalogue.qualifications,
    }
}

fn json(catalogue: &Catalogue, list: CatalogueList) -> serde_json::Value {
    let value = match list {
        CatalogueList::Regions => serde_json::to_value(&catalogue.regions),
        _ => serde_json::to_value(entries(catalogue, list)),
    };
    value.expect("catalogue entries serialise")
}

/// Aligned `id  name` lines (regions: code, place, jurisdiction, then the note), under a
/// heading when several lists are shown.
fn human(catalogue: &Catalogue, list: CatalogueList, with_heading: bool) -> String {
    let (name, key) = heading(list);
    let rows: Vec<(String, String)> = match list {
        CatalogueList::Regions => catalogue
            .regions
            .iter()
            .map(|r| {
                (
                    r.code.clone(),
                    format!("{}, {} ({}): {}", r.city, r.country, r.jurisdiction, r.note),
                )
            })
            .collect(),
        _ => entries(catalogue, list)
            .iter()
            .map(|e| (e.id.clone(), e.name.clone()))
            .collect(),
    };
    let mut out = String::new();
    if with_heading {
        out.push_str(&format!("{name} ({key}):\n"));
    }
    if rows.is_empty() {
        out.push_str("  (none in this catalogue)\n");
    }
    let width = rows
        .iter()
        .map(|(id, _)| id.chars().count())
        .max()
        .unwrap_or(0);
    for (id, text) in rows {
        out.push_str(&format!("  {id:width$}  {text}\n"));
    }
    out
}
