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
use crate::profile::Language;

/// Every language a catalogue exists for (the tests check each of them).
pub const LANGUAGES: [Language; 2] = [Language::En, Language::Fr];

/// The embedded catalogue of `language`: its repository path and its text.
fn source(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::En => (
            "data/wording/en.toml",
            include_str!("../data/wording/en.toml"),
        ),
        Language::Fr => (
            "data/wording/fr.toml",
            include_str!("../data/wording/fr.toml"),
        ),
    }
}

/// The wording of `language`, parsed from its embedded catalogue on first use.
pub fn wording(language: Language) -> &'static Wording {
    static PARSED: [OnceLock<Wording>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = match language {
        Language::En => &PARSED[0],
        Language::Fr => &PARSED[1],
    };
    slot.get_or_init(|| {
        let (path, text) = source(language);
        // The files are embedded and checked by the tests: failing here is a bug.
        toml::from_str(text)
            .unwrap_or_else(|e| panic!("embedded wording catalogue {path} is invalid: {e}"))
    })
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
}

impl Wording {
    /// Writes a date out in words ("1 December 2026", "1er décembre 2026").
    pub fn long_date(&self, date: NaiveDate) -> String {
        let day = if date.day() == 1 {
            self.dates.first_day.clone()
        } else {
            date.day().to_string()
        };
        format!(
            "{day} {} {}",
            self.dates.months[date.month0() as usize],
            date.year()
        )
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
    /// "No finding."
    pub no_findings: String,
    /// "Severity".
    pub severity: String,
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

/// Dates written out.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all(deserialize = "kebab-case"))]
pub struct Dates {
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
        let english = keys_of(Language::En).expect("the English catalogue is the reference");
        let mut failures = Vec::new();
        for language in LANGUAGES {
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
        for language in LANGUAGES {
            assert!(
                std::ptr::eq(wording(language), wording(language)),
                "parsed once"
            );
        }
    }

    #[test]
    fn long_dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(wording(Language::En).long_date(d), "1 December 2026");
        assert_eq!(wording(Language::Fr).long_date(d), "1er décembre 2026");
        let d = NaiveDate::from_ymd_opt(2027, 8, 2).unwrap();
        assert_eq!(wording(Language::En).long_date(d), "2 August 2027");
        assert_eq!(wording(Language::Fr).long_date(d), "2 août 2027");
    }

    #[test]
    fn roles_read_as_words() {
        let l = |s: &str| s.parse::<Letters>().unwrap();
        assert_eq!(
            wording(Language::En).role_words(l("CI")),
            "is consulted and is informed"
        );
        assert_eq!(wording(Language::En).role_words(l("")), "has no role");
        assert_eq!(
            wording(Language::En).role_words(l("RAC")),
            "carries it out, is accountable and is consulted"
        );
        assert_eq!(
            wording(Language::Fr).role_words(l("RA")),
            "le réalise et en est responsable"
        );
    }
}
