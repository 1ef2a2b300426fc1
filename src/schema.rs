//! JSON Schemas of the files a user writes: the profile, the canonical matrix, the policy
//! file and the catalogue (`annex schema …`; committed under `schemas/`).
//!
//! Foundation (no stage). Each schema is generated from the Rust type the loader reads
//! (schemars), so the serde attributes are the one source of key names and types, and the
//! doc comments the descriptions; a test keeps the committed copies equal to these.
//! Editors that check TOML against JSON Schema (taplo, Even Better TOML) then complete and
//! check a profile as it is typed. A schema checks shape only: catalogue ids, parties of a
//! matrix and dates that are not plain dates are for `annex check` (`validate`).

use crate::catalogue::Catalogue;
use crate::model::Matrix;
use crate::profile::RawProfile;

/// A file format that has a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The customer profile (TOML).
    Profile,
    /// The canonical matrix (TOML or JSON).
    Matrix,
    /// A check policy file (TOML).
    Policy,
    /// The catalogue (TOML).
    Catalogue,
}

impl Format {
    /// Every format, in the order `annex schema` lists them.
    pub const ALL: [Format; 4] = [
        Format::Profile,
        Format::Matrix,
        Format::Policy,
        Format::Catalogue,
    ];

    /// The format's name on the command line and in `schemas/<name>.schema.json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Profile => "profile",
            Format::Matrix => "matrix",
            Format::Policy => "policy",
            Format::Catalogue => "catalogue",
        }
    }

    /// The schema's file name under `schemas/`.
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// The schema, as pretty JSON with a final newline (byte-stable).
    pub fn json(self) -> String {
        let schema = match self {
            Format::Profile => schemars::schema_for!(RawProfile),
            Format::Matrix => schemars::schema_for!(Matrix),
            Format::Policy => crate::policy::file_schema(),
            Format::Catalogue => schemars::schema_for!(Catalogue),
        };
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_name_the_keys_as_serde_does() {
        let profile = Format::Profile.json();
        for key in [
            "legal-name",
            "effective-date",
            "annex-number",
            "signatories",
        ] {
            assert!(profile.contains(&format!("\"{key}\"")), "{key}");
        }
        // Spans are the loader's business, not the file's.
        assert!(!profile.contains("span"), "{profile}");
        assert!(Format::Matrix.json().contains("\"has-table\""));
        assert!(Format::Policy.json().contains("\"extends\""));
        assert!(Format::Catalogue.json().contains("\"jurisdiction\""));
    }
}
