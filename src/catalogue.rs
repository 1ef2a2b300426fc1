//! The catalogue: regions (with city, country and jurisdiction note), services, options,
//! offering variants and qualification regimes. Profiles and applicability conditions are
//! checked against it. The built-in one (`data/catalogue.toml`) is embedded in the binary.
//!
//! Everything shown to people exists in the catalogue's own language (`language`, English
//! by default: `name`, `city`, `country`, `note`) and per language in maps keyed by code
//! (`names.fr`, `cities.fr`, `countries.fr`, `notes.fr`), so older catalogues still load.
//! [`Catalogue::missing_translations`] lists what a document in another language would lack:
//! validation reports each as a warning at its place, never a silent fallback.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The catalogue shipped in `data/catalogue.toml`.
pub const BUILTIN: &str = include_str!("../data/catalogue.toml");

/// Everything a profile or a condition may name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Catalogue {
    /// Language of the plain fields (`name`, `city`, `country`, `note`): "en" by default.
    #[serde(default = "english")]
    pub language: String,
    /// Regions (data-centre locations).
    #[serde(default)]
    pub regions: Vec<Region>,
    /// Services, by the id matrices use in `service`.
    #[serde(default)]
    pub services: Vec<Entry>,
    /// Options a customer may subscribe.
    #[serde(default)]
    pub options: Vec<Entry>,
    /// Offering variants (ranges such as "Essential", "Business").
    #[serde(default)]
    pub variants: Vec<Entry>,
    /// Qualification regimes (e.g. SecNumCloud).
    #[serde(default)]
    pub qualifications: Vec<Entry>,
}

/// A region where a service can run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Region {
    /// Region code as used in profiles, e.g. "GRA".
    pub code: String,
    /// City of the data centres.
    pub city: String,
    /// Country, in English.
    pub country: String,
    /// Jurisdiction code, e.g. "EU", "CA".
    pub jurisdiction: String,
    /// Data-residency note printed in the annex.
    pub note: String,
    /// The city in other languages, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cities: BTreeMap<String, String>,
    /// The country in other languages, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub countries: BTreeMap<String, String>,
    /// The note in other languages, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, String>,
}

/// A named catalogue entry (service, option, variant, qualification).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entry {
    /// Identifier used in profiles and conditions.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The display name in other languages, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
}

fn english() -> String {
    "en".to_owned()
}

impl Default for Catalogue {
    fn default() -> Catalogue {
        Catalogue {
            language: english(),
            regions: Vec::new(),
            services: Vec::new(),
            options: Vec::new(),
            variants: Vec::new(),
            qualifications: Vec::new(),
        }
    }
}

/// A text of the catalogue in one language: the plain field in the catalogue's language,
/// else the per-language map's entry. `None`: not translated.
fn in_language<'a>(
    catalogue_language: &str,
    plain: &'a str,
    map: &'a BTreeMap<String, String>,
    language: &str,
) -> Option<&'a str> {
    if language == catalogue_language {
        Some(plain)
    } else {
        map.get(language).map(String::as_str)
    }
}

/// A field of a catalogue entry: (which table, the entry's id or code, the field); what
/// the `catalogue::missing-translation` warning names when it lacks a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// `services`, `options`, `variants`, `qualifications` or `regions`.
    pub table: &'static str,
    /// The entry's id (region code for regions).
    pub id: String,
    /// The field lacking: `names`, `cities`, `countries` or `notes`.
    pub field: &'static str,
}

/// One text of a catalogue entry as a document shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownText {
    /// Which entry and field.
    pub entry: Missing,
    /// The text shown.
    pub text: String,
}

/// A region as shown in one language (the plain fields where a translation is missing:
/// validation has reported it).
#[derive(Debug, Clone)]
pub struct ShownRegion {
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Jurisdiction code.
    pub jurisdiction: String,
    /// Data-residency note.
    pub note: String,
}

impl Catalogue {
    /// The region with this code (case-insensitive).
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code))
    }

    /// The display name of an option in `language`, falling back to its id.
    pub fn option_name(&self, id: &str, language: &str) -> String {
        self.display_name(&self.options, id, language)
    }

    /// The display name of an offering variant in `language`, falling back to its id.
    pub fn variant_name(&self, id: &str, language: &str) -> String {
        self.display_name(&self.variants, id, language)
    }

    /// The display name of a qualification regime in `language`, falling back to its id.
    pub fn qualification_name(&self, id: &str, language: &str) -> String {
        self.display_name(&self.qualifications, id, language)
    }

    /// The display name of a service in `language`, falling back to its id.
    pub fn service_name(&self, id: &str, language: &str) -> String {
        self.display_name(&self.services, id, language)
    }

    /// The name of the entry `id` of `entries` in `language` (else in the catalogue's
    /// language: validation has warned), or `id` itself when the catalogue has none: the one
    /// rule for catalogue ids shown to people.
    fn display_name(&self, entries: &[Entry], id: &str, language: &str) -> String {
        entries.iter().find(|e| e.id == id).map_or_else(
            || id.to_owned(),
            |e| {
                in_language(&self.language, &e.name, &e.names, language)
                    .unwrap_or(&e.name)
                    .to_owned()
            },
        )
    }

    /// The region `code` as shown in `language`.
    pub fn shown_region(&self, code: &str, language: &str) -> Option<ShownRegion> {
        let r = self.region(code)?;
        let pick = |plain: &String, map| {
            in_language(&self.language, plain, map, language)
                .unwrap_or(plain)
                .to_owned()
        };
        Some(ShownRegion {
            city: pick(&r.city, &r.cities),
            country: pick(&r.country, &r.countries),
            jurisdiction: r.jurisdiction.clone(),
            note: pick(&r.note, &r.notes),
        })
    }

    /// What the entries a document shows lack in `language`: the region `region`, and the
    /// entries named by `(table, id)` (`services`, `options`, `variants`,
    /// `qualifications`), each once, in the order given. Ids the catalogue lacks are
    /// another rule's business.
    pub fn missing_translations<'a>(
        &self,
        language: &str,
        region: &str,
        named: impl IntoIterator<Item = (&'static str, &'a str)>,
    ) -> Vec<Missing> {
        self.shown_texts(language, region, named)
            .into_iter()
            .filter(|(_, translated)| !translated)
            .map(|(shown, _)| shown.entry)
            .collect()
    }

    /// The texts of the entries a document in `language` shows (as
    /// [`Catalogue::missing_translations`] names them), each once, with whether the text
    /// is in that language (else it is the catalogue's own, shown in its place).
    pub fn shown_texts<'a>(
        &self,
        language: &str,
        region: &str,
        named: impl IntoIterator<Item = (&'static str, &'a str)>,
    ) -> Vec<(ShownText, bool)> {
        let mut out: Vec<(ShownText, bool)> = Vec::new();
        if let Some(r) = self.region(region) {
            for (field, plain, map) in [
                ("cities", &r.city, &r.cities),
                ("countries", &r.country, &r.countries),
                ("notes", &r.note, &r.notes),
            ] {
                let entry = Missing {
                    table: "regions",
                    id: r.code.clone(),
                    field,
                };
                let translated = in_language(&self.language, plain, map, language);
                let text = translated.unwrap_or(plain).to_owned();
                out.push((ShownText { entry, text }, translated.is_some()));
            }
        }
        for (table, id) in named {
            let entries = match table {
                "services" => &self.services,
                "options" => &self.options,
                "variants" => &self.variants,
                _ => &self.qualifications,
            };
            let Some(e) = entries.iter().find(|e| e.id == id) else {
                continue;
            };
            let entry = Missing {
                table,
                id: e.id.clone(),
                field: "names",
            };
            if out.iter().any(|(s, _)| s.entry == entry) {
                continue;
            }
            let translated = in_language(&self.language, &e.name, &e.names, language);
            let text = translated.unwrap_or(&e.name).to_owned();
            out.push((ShownText { entry, text }, translated.is_some()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads() {
        let c: Catalogue = toml::from_str(BUILTIN).unwrap();
        assert_eq!(c.region("gra").unwrap().city, "Gravelines");
        assert!(c.services.iter().any(|s| s.id == "data-processing"));
    }

    #[test]
    fn the_builtin_catalogue_speaks_every_language() {
        let c: Catalogue = toml::from_str(BUILTIN).unwrap();
        let every: Vec<(&'static str, &str)> = [
            ("services", &c.services),
            ("options", &c.options),
            ("variants", &c.variants),
            ("qualifications", &c.qualifications),
        ]
        .into_iter()
        .flat_map(|(t, entries)| entries.iter().map(move |e| (t, e.id.as_str())))
        .collect();
        for language in crate::wording::Language::all() {
            for r in &c.regions {
                let missing = c.missing_translations(language.code(), &r.code, every.clone());
                assert!(missing.is_empty(), "{}: {missing:?}", language.code());
            }
        }
    }

    #[test]
    fn an_old_catalogue_loads_and_lacks_translations() {
        let c: Catalogue = toml::from_str(
            "[[services]]\nid = \"x\"\nname = \"X service\"\n[[regions]]\ncode = \"R\"\ncity = \"C\"\ncountry = \"K\"\njurisdiction = \"EU\"\nnote = \"N\"\n",
        )
        .unwrap();
        assert_eq!(c.service_name("x", "fr"), "X service");
        assert!(c
            .missing_translations("en", "R", [("services", "x")])
            .is_empty());
        assert_eq!(
            c.missing_translations("fr", "R", [("services", "x")]).len(),
            4
        );
    }
}
