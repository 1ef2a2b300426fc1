//! The customer profile: the TOML file that says who signs the annex, under which contract,
//! where their data lives and what they subscribed.
//!
//! Parsing ([`RawProfile`]) mirrors the file and keeps the source span of every value that a
//! later check may point at; `validate` turns it into a [`Profile`], which later stages
//! require. Unknown keys are errors (`deny_unknown_fields`), so a misspelled key never goes
//! unnoticed in a contract document. The `Raw*` types are also the source of the profile's
//! JSON Schema (`annex schema profile`): their serde attributes name the keys, their doc
//! comments describe them, and spans are left out of it (`schemars(with = …)`).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use crate::wording::Language;

/// The sample profile rendered by `annex render` with no arguments.
pub const SAMPLE: &str = include_str!("../data/profiles/acme.toml");
/// The file name the sample profile is reported under.
pub const SAMPLE_NAME: &str = "data/profiles/acme.toml";

/// How a value `annex init` leaves to fill in starts: `"<FILL: what>"`. The loader refuses
/// a profile that still has one (`profile::unfilled`).
pub const FILL: &str = "<FILL:";

/// A profile as written in its TOML file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Profile")]
pub struct RawProfile {
    /// Who the customer is.
    pub customer: RawCustomer,
    /// The contract this annex belongs to.
    pub contract: RawContract,
    /// Where the customer's service runs.
    pub location: RawLocation,
    /// What the customer subscribed.
    pub subscription: RawSubscription,
    /// The people who sign, per party.
    #[serde(default)]
    pub signatories: Vec<RawSignatory>,
}

/// `[customer]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Customer")]
pub struct RawCustomer {
    /// Legal name, as in the contract.
    #[schemars(with = "String")]
    pub legal_name: Spanned<String>,
    /// Short name used for the output file name (defaults to the legal name).
    #[serde(default)]
    pub short_name: Option<String>,
    /// Registered address.
    #[serde(default)]
    pub address: Option<String>,
    /// Company registration number.
    #[serde(default)]
    pub registration: Option<String>,
    /// The customer's contact for the service (shown in the onboarding guide).
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// A contact person.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Contact {
    /// Full name.
    pub name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Telephone number.
    #[serde(default)]
    pub phone: Option<String>,
}

/// `[contract]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Contract")]
pub struct RawContract {
    /// Contract reference, e.g. "OVH-CTR-2026-0042".
    pub reference: String,
    /// Annex number or letter within the contract ("3", "B").
    #[schemars(with = "AnnexNumber")]
    pub annex_number: Spanned<AnnexNumber>,
    /// Annex title (default: "Shared responsibility matrix" in the profile's language).
    #[serde(default)]
    pub annex_title: Option<String>,
    /// Date the annex takes effect (a TOML date, `2026-12-01`).
    #[schemars(schema_with = "toml_date_schema")]
    pub effective_date: Spanned<toml::value::Datetime>,
    /// `draft` (watermarked, no signature lines) or `final`.
    pub status: Status,
    /// Language of the annex's own wording.
    #[serde(default)]
    pub language: Language,
    /// With a translation: the language whose matrix prevails (its letters are the
    /// contract's). Default: the language of the matrix (`--matrix`, or the profile's).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub prevailing_language: Option<Spanned<String>>,
    /// With a translation: print each activity in both languages, and the clause saying
    /// which prevails (`--bilingual` sets it too).
    #[serde(default)]
    pub bilingual: bool,
}

/// An annex number, written as a TOML integer or string.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AnnexNumber {
    /// `annex-number = 3`.
    Number(i64),
    /// `annex-number = "B"`.
    Text(String),
}

/// Document status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not for signature: watermarked, no signature lines.
    Draft,
    /// For signature.
    Final,
}

/// `[location]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Location")]
pub struct RawLocation {
    /// Region code from the catalogue, e.g. "GRA".
    #[schemars(with = "String")]
    pub region: Spanned<String>,
}

/// `[subscription]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Subscription")]
pub struct RawSubscription {
    /// Service ids from the catalogue.
    #[schemars(with = "Vec<String>")]
    pub services: Spanned<Vec<Spanned<String>>>,
    /// Option ids from the catalogue.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub options: Vec<Spanned<String>>,
    /// Offering variant, if the matrix has variants.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub variant: Option<Spanned<String>>,
    /// Qualification regimes the subscription is under.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub qualifications: Vec<Spanned<String>>,
    /// Matrices composed into the documents, as parts (paths relative to the profile file;
    /// canonical TOML/JSON or Markdown pages). `--matrix` replaces them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub matrices: Vec<Spanned<String>>,
    /// The (single) matrix's page in another language, whose activity text the documents
    /// show when it is in the profile's language (path relative to the profile file);
    /// `--translation` replaces it.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub translation: Option<Spanned<String>>,
    /// `tailored` (default) or `full`; `--scope` overrides it.
    #[serde(default)]
    pub scope: Option<Scope>,
}

/// How much of the matrix a document shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Only what applies to the subscription; the rest is listed with the reason.
    #[default]
    Tailored,
    /// The whole matrix, whatever the subscription.
    Full,
}

/// `[[signatories]]`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Signatory")]
pub struct RawSignatory {
    /// Party id from the matrix (`customer`, `ovhcloud`) or a role (`customer`, `provider`).
    #[schemars(with = "String")]
    pub party: Spanned<String>,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
}

/// A validated profile.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Customer identity.
    pub customer: Customer,
    /// Contract data.
    pub contract: Contract,
    /// Region code (upper case, from the catalogue).
    pub region: String,
    /// Subscribed service ids.
    pub services: Vec<String>,
    /// Subscribed option ids.
    pub options: Vec<String>,
    /// Offering variant id.
    pub variant: Option<String>,
    /// Qualification regimes.
    pub qualifications: Vec<String>,
    /// Tailored or full scope (the profile's choice; `--scope` overrides it in `prepare`).
    pub scope: Scope,
    /// Signatories, in file order, with their resolved party id.
    pub signatories: Vec<Signatory>,
}

/// Validated `[customer]`.
#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    /// Legal name.
    pub legal_name: String,
    /// Short name.
    pub short_name: String,
    /// Address.
    pub address: Option<String>,
    /// Registration number.
    pub registration: Option<String>,
    /// Contact.
    pub contact: Option<Contact>,
}

/// Validated `[contract]`.
#[derive(Debug, Clone, Serialize)]
pub struct Contract {
    /// Contract reference.
    pub reference: String,
    /// Annex number as printed.
    pub annex_number: String,
    /// Annex title (explicit or the language's default).
    pub annex_title: Option<String>,
    /// Effective date.
    pub effective_date: NaiveDate,
    /// Draft or final.
    pub status: Status,
    /// Language of the annex's wording.
    pub language: Language,
    /// With a translation: the language that prevails (absent: the matrix's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevailing_language: Option<String>,
    /// Each activity in both languages (with a translation).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bilingual: bool,
}

/// A validated signatory.
#[derive(Debug, Clone, Serialize)]
pub struct Signatory {
    /// Matrix party id.
    pub party: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
}

impl AnnexNumber {
    /// The number as printed.
    pub fn text(&self) -> String {
        match self {
            AnnexNumber::Number(n) => n.to_string(),
            AnnexNumber::Text(s) => s.clone(),
        }
    }
}

/// The schema of `effective-date`: editors that check TOML against JSON Schema see a TOML
/// date as a string in date format.
fn toml_date_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "format": "date",
        "description": "Date the annex takes effect: a TOML date without quotes, e.g. 2026-12-01."
    })
}

/// Reads a TOML date (no time, no offset) as a calendar date.
pub fn toml_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    match (d.date, d.time, d.offset) {
        (Some(date), None, None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    }
}

/// A lowercase ASCII slug for file names (the activity-id slug rule of [`crate::ids::slug`]),
/// "customer" when nothing of the name is left.
pub fn file_slug(s: &str) -> String {
    let slug = crate::ids::slug(s);
    if slug.is_empty() {
        "customer".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_profile_parses() {
        let p: RawProfile = toml::from_str(SAMPLE).unwrap();
        assert_eq!(p.location.region.get_ref(), "GRA");
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(file_slug("ACME Industries S.A.S."), "acme-industries-s-a-s");
        assert_eq!(
            file_slug("Société Générale d'Études"),
            "societe-generale-d-etudes"
        );
        assert_eq!(file_slug("###"), "customer");
    }
}
