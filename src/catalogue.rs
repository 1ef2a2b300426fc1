//! The catalogue: regions (with city, country and jurisdiction note), services, options,
//! offering variants and qualification regimes. Profiles and applicability conditions are
//! checked against it. The built-in one (`data/catalogue.toml`) is embedded in the binary.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The catalogue shipped in `data/catalogue.toml`.
pub const BUILTIN: &str = include_str!("../data/catalogue.toml");

/// Everything a profile or a condition may name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Catalogue {
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
}

/// A named catalogue entry (service, option, variant, qualification).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Entry {
    /// Identifier used in profiles and conditions.
    pub id: String,
    /// Display name.
    pub name: String,
}

impl Catalogue {
    /// The region with this code (case-insensitive).
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code))
    }

    /// The display name of an option, falling back to its id.
    pub fn option_name(&self, id: &str) -> String {
        display_name(&self.options, id)
    }

    /// The display name of an offering variant, falling back to its id.
    pub fn variant_name(&self, id: &str) -> String {
        display_name(&self.variants, id)
    }

    /// The display name of a qualification regime, falling back to its id.
    pub fn qualification_name(&self, id: &str) -> String {
        display_name(&self.qualifications, id)
    }

    /// The display name of a service, falling back to its id.
    pub fn service_name(&self, id: &str) -> String {
        display_name(&self.services, id)
    }
}

/// The name of the entry `id` of `entries`, or `id` itself when the catalogue has none:
/// the one rule for catalogue ids shown to people.
fn display_name(entries: &[Entry], id: &str) -> String {
    entries
        .iter()
        .find(|e| e.id == id)
        .map_or_else(|| id.to_owned(), |e| e.name.clone())
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
}
