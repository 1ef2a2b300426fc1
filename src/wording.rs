//! Wording catalogue: the documents' fixed wording (labels of the annex, words of the
//! onboarding guide and the audit report, role phrases, month names), one catalogue per
//! language as a data file (`data/wording/<code>.toml`), embedded in the binary with
//! `include_str!` and parsed once per language on first use ([`wording`]).
//!
//! Invariant: every language has every key, and no other. Serde enforces it at parse time
//! (`deny_unknown_fields`, and every field is required); the tests parse every embedded
//! file and list, per language, the keys missing or extra next to English. Serialised, the
//! field names stay snake_case (`labels.default_title`, `words.phase_titles`): templates
//! read them under those names.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::Letters;

// `FILES`: every `data/wording/<code>.toml`, embedded by build.rs, sorted by code.
include!(concat!(env!("OUT_DIR"), "/wording_files.rs"));

/// A language the documents' wording exists in: one of the embedded catalogues. Written as
/// its code (`language = "fr"` in a profile); a new language is a new wording file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language(usize);

impl Language {
    /// The language with this code, if a catalogue exists for it.
    pub fn from_code(code: &str) -> Option<Language> {
        FILES.iter().position(|(c, _, _)| *c == code).map(Language)
    }

    /// Every language a catalogue exists for, by code.
    pub fn all() -> impl Iterator<Item = Language> {
        (0..FILES.len()).map(Language)
    }

    /// Its code ("en", "fr", "de").
    pub fn code(self) -> &'static str {
        FILES[self.0].0
    }

    /// The codes of every language, for messages ("de, en, fr").
    pub fn codes() -> String {
        FILES
            .iter()
            .map(|(c, _, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Default for Language {
    /// English, the language of the built-in profile and catalogue.
    fn default() -> Language {
        Language::from_code("en").expect("data/wording/en.toml is embedded")
    }
}

impl Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Language, D::Error> {
        let code = String::deserialize(d)?;
        // serde's own "unknown variant" message, as for any other choice of the profile, so
        // that readers (the lenient profile loader's hints) treat a language like the rest.
        Language::from_code(&code)
            .ok_or_else(|| serde::de::Error::unknown_variant(&code, static_codes()))
    }
}

/// The codes of every language, as serde's error messages want them.
fn static_codes() -> &'static [&'static str] {
    static CODES: OnceLock<Vec<&'static str>> = OnceLock::new();
    CODES.get_or_init(|| FILES.iter().map(|(c, _, _)| *c).collect())
}

/// In the profile's JSON Schema: one of the embedded catalogues' codes, so an editor offers
/// exactly the languages this build has.
impl schemars::JsonSchema for Language {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Language".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let codes: Vec<&str> = Language::all().map(Language::code).collect();
        schemars::json_schema!({
            "description": "Language of the documents' wording: the code of one of the wording catalogues (data/wording/<code>.toml).",
            "type": "string",
            "enum": codes,
        })
    }
}

/// The embedded catalogue of `language`: its repository path and its text.
fn source(language: Language) -> (&'static str, &'static str) {
    let (_, path, text) = FILES[language.0];
    (path, text)
}

/// Every catalogue, parsed on first use.
fn parsed() -> &'static [Wording] {
    static PARSED: OnceLock<Vec<Wording>> = OnceLock::new();
    PARSED.get_or_init(|| {
        Language::all()
            .map(|language| {
                let (path, text) = source(language);
                // The files are embedded and checked by the tests: failing here is a bug.
                toml::from_str(text)
                    .unwrap_or_else(|e| panic!("embedded wording catalogue {path} is invalid: {e}"))
            })
            .collect()
    })
}

/// The wording of `language`, parsed from its embedded catalogue on first use.
pub fn wording(language: Language) -> &'static Wording {
    &parsed()[language.0]
}

/// The wording of every language (the onboarding phase rule reads every language's
/// keywords, so a page in any of them lands in the same phases).
pub fn every_wording() -> &'static [Wording] {
    parsed()
}

/// The whole fixed wording of one language.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Wording {
    /// Labels of the annex (`[labels]`).
    pub labels: Labels,
    /// Wording of the onboarding guide and the audit report (`[words]`).
    pub words: Words,
    /// What a party does, in words (`[roles]`).
    pub roles: Roles,
    /// Dates written out (`[dates]`).
    pub dates: Dates,
    /// What R, A, C and I mean (`[legend]`).
    pub legend: Legend,
    /// Applicability conditions and tailoring reasons in words (`[conditions]`).
    pub conditions: Conditions,
    /// The name of every language, in this one (`[language-names]`, by code).
    pub language_names: std::collections::BTreeMap<String, String>,
}

impl Wording {
    /// Writes a date out in words ("1 December 2026", "1er décembre 2026"), by the
    /// language's `long-date` pattern.
    pub fn long_date(&self, date: NaiveDate) -> String {
        let day = if date.day() == 1 {
            self.dates.first_day.clone()
        } else {
            date.day().to_string()
        };
        fill(
            &self.dates.long_date,
            &[
                ("day", &day),
                ("month", &self.dates.months[date.month0() as usize]),
                ("year", &date.year().to_string()),
            ],
        )
    }

    /// The name of the language `code` in this language, or the code itself for a
    /// language this catalogue does not name (the tests require every one to be named).
    pub fn language_name(&self, code: &str) -> String {
        self.language_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// What a party does, in words: "carries it out and is accountable", "is informed".
    pub fn role_words(&self, letters: Letters) -> String {
        let roles = &self.roles;
        let said: Vec<&str> = letters
            .iter()
            .map(|l| roles.verbs[l as usize].as_str())
            .collect();
        match said.len() {
            0 => roles.none.clone(),
            1 => said[0].to_owned(),
            n => format!("{}{}{}", said[..n - 1].join(", "), roles.and, said[n - 1]),
        }
    }
}

/// `pattern` with each `{name}` replaced by its value: the one placeholder rule of the
/// catalogues (a value is inserted once, never re-read as a pattern).
pub fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| {
            values
                .iter()
                .find(|(k, _)| *k == &after[..close])
                .map(|(_, v)| (close, v))
        }) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The document's fixed wording, in its language.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Labels {
    /// "Annex".
    pub annex: String,
    /// Default annex title.
    pub default_title: String,
    /// "Contract".
    pub contract: String,
    /// "Customer".
    pub customer: String,
    /// "Provider".
    pub provider: String,
    /// "Service".
    pub service: String,
    /// "Location".
    pub location: String,
    /// "Effective date".
    pub effective_date: String,
    /// "Matrix version".
    pub matrix_version: String,
    /// "Source".
    pub source: String,
    /// "Purpose" heading.
    pub purpose: String,
    /// Purpose paragraph, before the customer name.
    pub purpose_text: String,
    /// "Roles" (legend heading).
    pub legend: String,
    /// "Letter": the legend's first column header.
    pub legend_letter: String,
    /// "Meaning": the legend's second column header.
    pub legend_meaning: String,
    /// "Responsibilities by activity" heading.
    pub matrix_heading: String,
    /// "Activity" column header.
    pub activity: String,
    /// Shown for a table with no activity.
    pub no_activity: String,
    /// "Summary" heading.
    pub summary: String,
    /// "Party".
    pub party: String,
    /// "Responsible".
    pub responsible: String,
    /// "Accountable".
    pub accountable: String,
    /// "Consulted".
    pub consulted: String,
    /// "Informed".
    pub informed: String,
    /// "Your responsibilities" heading.
    pub your_duties: String,
    /// Paragraph before the list of the customer's duties.
    pub your_duties_text: String,
    /// "Sign-off" heading.
    pub signoff: String,
    /// Paragraph above signatures.
    pub signoff_text: String,
    /// "Name".
    pub name: String,
    /// "Title".
    pub title: String,
    /// "Signature".
    pub signature: String,
    /// "Date".
    pub date: String,
    /// What a signature place is for, to assistive technology; followed by the
    /// signatory's name ("Place for the digital signature of").
    pub signature_purpose: String,
    /// The first line of a signature's appearance, before the signer's name ("Digitally
    /// signed by").
    pub signed_by: String,
    /// The reason a signature gives, in its appearance and its `/Reason` ("Approval of
    /// shared-responsibility annex").
    pub signature_reason: String,
    /// Watermark text.
    pub draft: String,
    /// Note printed instead of signature lines in a draft.
    pub draft_note: String,
    /// "Page".
    pub page: String,
    /// "of".
    pub of: String,
    /// "Document fingerprint".
    pub fingerprint: String,
    /// Sentence explaining the fingerprint.
    pub fingerprint_text: String,
    /// "Data location" heading.
    pub data_location: String,
    /// "Not applicable to this subscription" heading.
    pub not_applicable: String,
    /// "Reason".
    pub reason: String,
    /// "Changes since the version of" (followed by the old version's date).
    pub changes_since: String,
    /// Intro of the changes section.
    pub changes_text: String,
    /// "Reassigned activities".
    pub changes_reassigned: String,
    /// "Added activities".
    pub changes_added: String,
    /// "Removed activities".
    pub changes_removed: String,
    /// "Reworded activities".
    pub changes_reworded: String,
    /// "Other changes" (moves, sections, metadata).
    pub changes_other: String,
    /// "Changes in activities that do not apply to this subscription".
    pub changes_apart: String,
    /// "No change".
    pub changes_none: String,
    /// "unknown date", when the old version has none.
    pub changes_unknown_date: String,
    /// "Translation" (the fact line naming the translated page).
    pub translation: String,
    /// Clause of a bilingual annex: `{languages}` (both names), `{prevailing}` (the name of
    /// the language that prevails).
    pub prevailing_clause: String,
}

/// Wording of the onboarding guide and the audit report, in the document's language.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Words {
    /// Onboarding title ("Onboarding guide").
    pub onboarding_title: String,
    /// Onboarding subtitle.
    pub onboarding_subtitle: String,
    /// Onboarding introduction, before the customer's name.
    pub onboarding_intro: String,
    /// "Who to contact".
    pub contacts: String,
    /// "Your contact".
    pub your_contact: String,
    /// "At the provider".
    pub provider_contacts: String,
    /// "Where your data lives".
    pub where_data_lives: String,
    /// "Jurisdiction".
    pub jurisdiction: String,
    /// "What you do".
    pub you_do: String,
    /// "What the provider does".
    pub they_do: String,
    /// "Nothing for your team in this phase."
    pub nothing_to_do: String,
    /// "to do" (count suffix).
    pub to_do: String,
    /// Onboarding mark of a duty that is new or changed since `--since` ("New or changed").
    pub new_or_changed: String,
    /// Phase titles, in phase order.
    pub phase_titles: [String; 5],
    /// One sentence per phase.
    pub phase_intros: [String; 5],
    /// Letters legend line for the checklist.
    pub letters_hint: String,
    /// Audit title ("Audit report").
    pub audit_title: String,
    /// Audit subtitle.
    pub audit_subtitle: String,
    /// "Scope".
    pub scope: String,
    /// "tailored to the subscription".
    pub scope_tailored: String,
    /// "full matrix".
    pub scope_full: String,
    /// "Tool".
    pub tool: String,
    /// "Responsibilities at a glance".
    pub chart_heading: String,
    /// Chart explanation.
    pub chart_text: String,
    /// "By party".
    pub by_party: String,
    /// "By section".
    pub by_section: String,
    /// "Findings".
    pub findings: String,
    /// Policy explanation.
    pub policy_text: String,
    /// Says that the checks' messages are in English (the tool's language), in documents in
    /// another language; empty in English.
    pub messages_language: String,
    /// "No finding."
    pub no_findings: String,
    /// "Severity".
    pub severity: String,
    /// The severities, as the audit report tags findings: "error".
    pub severity_error: String,
    /// "warning".
    pub severity_warning: String,
    /// "note".
    pub severity_note: String,
    /// "info" (an import repair read unambiguously).
    pub severity_info: String,
    /// "Rule".
    pub rule: String,
    /// "Message".
    pub message: String,
    /// "Place".
    pub place: String,
    /// "Applicability decisions".
    pub decisions: String,
    /// Decisions explanation.
    pub decisions_text: String,
    /// "applies".
    pub applies: String,
    /// "always".
    pub always: String,
    /// "not applicable".
    pub not_applicable: String,
    /// "Decision".
    pub decision: String,
    /// "Provenance".
    pub provenance: String,
    /// "File read".
    pub file_read: String,
    /// "Published page".
    pub published_page: String,
    /// "Imported on the fly from the published page".
    pub imported: String,
    /// "Import repairs".
    pub repairs: String,
    /// "No repair was needed."
    pub no_repairs: String,
    /// "Line".
    pub line: String,
    /// "Inputs and fingerprints".
    pub inputs: String,
    /// Inputs explanation.
    pub inputs_text: String,
    /// "Input".
    pub input: String,
    /// "Part".
    pub part: String,
    /// "activities" (count suffix).
    pub activities: String,
    /// "unversioned": a matrix without version.
    pub unversioned: String,
    /// "draft" (the document's status).
    pub status_draft: String,
    /// "final".
    pub status_final: String,
    /// Input roles of the audit's digest table.
    pub input_matrix: String,
    /// "translation".
    pub input_translation: String,
    /// "profile".
    pub input_profile: String,
    /// "catalogue".
    pub input_catalogue: String,
    /// "templates".
    pub input_templates: String,
    /// Name of the template set input; `{n}` is the number of files.
    pub template_set: String,
    /// "Alignment of the translation" heading.
    pub alignment: String,
    /// Alignment explanation: `{translation}` and `{prevailing}` are file names.
    pub alignment_text: String,
    /// "rows paired".
    pub rows_paired: String,
    /// "Rows of the prevailing version without a translation".
    pub unpaired_prevailing: String,
    /// "Rows of the translation without a counterpart".
    pub unpaired_translation: String,
    /// Keywords of section titles, per phase (lowercase): every language's keywords are
    /// matched, so a page in any language lands in the same phases.
    pub phase_keywords: [Vec<String>; 5],
}

/// Role phrases, for "what the provider does" in the onboarding guide.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Roles {
    /// What a party holding the letter does, in R, A, C, I order ("carries it out").
    pub verbs: [String; 4],
    /// Joins the last two phrases (" and "), spaces included; the others take ", ".
    pub and: String,
    /// Said of a party with no letter ("has no role").
    pub none: String,
}

/// What the letters mean, in R, A, C, I order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Legend {
    /// Meanings of R, A, C and I.
    pub meanings: [String; 4],
}

/// Applicability in words. Reasons take `{names}` (the catalogue names, joined by `or`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Conditions {
    /// "requires service: {names}".
    pub requires_service: String,
    /// "requires option: {names}".
    pub requires_option: String,
    /// "applies to variant: {names}".
    pub for_variant: String,
    /// "applies to region: {names} only".
    pub for_region: String,
    /// "applies to jurisdiction: {names} only".
    pub for_jurisdiction: String,
    /// "applies under qualification: {names}".
    pub for_qualification: String,
    /// Labels of a condition described ("service", "option", …), in that order: service,
    /// option, variant, region, jurisdiction, qualification.
    pub kinds: [String; 6],
    /// Joins alternatives (" or "), spaces included.
    pub or: String,
}

/// Dates written out.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Dates {
    /// How a date is written: `{day}`, `{month}`, `{year}` ("{day} {month} {year}").
    pub long_date: String,
    /// Month names, January first.
    pub months: [String; 12],
    /// How the 1st of a month is written ("1", "1er"); other days are plain numbers.
    pub first_day: String,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Dotted paths of every key of `table`, nested tables included.
    fn key_paths(table: &toml::Table, prefix: &str, out: &mut BTreeSet<String>) {
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            if let toml::Value::Table(inner) = value {
                key_paths(inner, &format!("{path}."), out);
            }
            out.insert(path);
        }
    }

    fn keys_of(language: Language) -> Result<BTreeSet<String>, String> {
        let (path, text) = source(language);
        let table: toml::Table = text
            .parse()
            .map_err(|e| format!("{path}: not valid TOML: {e}"))?;
        let mut keys = BTreeSet::new();
        key_paths(&table, "", &mut keys);
        Ok(keys)
    }

    #[test]
    fn every_language_has_every_key() {
        let english = keys_of(Language::default()).expect("the English catalogue is the reference");
        let mut failures = Vec::new();
        for language in Language::all() {
            let (path, text) = source(language);
            let code = language.code();
            match keys_of(language) {
                Ok(keys) => {
                    let missing: Vec<&String> = english.difference(&keys).collect();
                    let extra: Vec<&String> = keys.difference(&english).collect();
                    if !missing.is_empty() {
                        failures.push(format!("{code} ({path}): missing keys {missing:?}"));
                    }
                    if !extra.is_empty() {
                        failures.push(format!("{code} ({path}): extra keys {extra:?}"));
                    }
                }
                Err(e) => failures.push(format!("{code}: {e}")),
            }
            // The struct is the reference for English too: required fields, no unknown key,
            // arrays of the right length.
            if let Err(e) = toml::from_str::<Wording>(text) {
                failures.push(format!("{code} ({path}): does not parse: {e}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        for language in Language::all() {
            assert!(
                std::ptr::eq(wording(language), wording(language)),
                "parsed once"
            );
        }
    }

    fn en() -> Language {
        Language::from_code("en").unwrap()
    }

    fn fr() -> Language {
        Language::from_code("fr").unwrap()
    }

    #[test]
    fn every_language_names_every_language() {
        for w in every_wording() {
            for language in Language::all() {
                assert!(
                    w.language_names.contains_key(language.code()),
                    "a catalogue does not name {}",
                    language.code()
                );
            }
        }
    }

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill("a {x} b {y} {z}", &[("x", "{y}"), ("y", "2")]),
            "a {y} b 2 {z}"
        );
        assert_eq!(fill("{", &[]), "{");
    }

    #[test]
    fn languages_are_their_codes() {
        assert_eq!(Language::default().code(), "en");
        assert!(
            Language::from_code("de").is_some(),
            "German is shipped as data"
        );
        assert!(Language::from_code("xx").is_none());
        let de = Language::from_code("de").unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(wording(de).long_date(d), "1. Dezember 2026");
    }

    #[test]
    fn long_dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(wording(en()).long_date(d), "1 December 2026");
        assert_eq!(wording(fr()).long_date(d), "1er décembre 2026");
        let d = NaiveDate::from_ymd_opt(2027, 8, 2).unwrap();
        assert_eq!(wording(en()).long_date(d), "2 August 2027");
        assert_eq!(wording(fr()).long_date(d), "2 août 2027");
    }

    #[test]
    fn roles_read_as_words() {
        let l = |s: &str| s.parse::<Letters>().unwrap();
        assert_eq!(
            wording(en()).role_words(l("CI")),
            "is consulted and is informed"
        );
        assert_eq!(wording(en()).role_words(l("")), "has no role");
        assert_eq!(
            wording(en()).role_words(l("RAC")),
            "carries it out, is accountable and is consulted"
        );
        assert_eq!(
            wording(fr()).role_words(l("RA")),
            "le réalise et en est responsable"
        );
    }
}
