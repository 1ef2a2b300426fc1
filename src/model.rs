//! The canonical data model: a responsibility (RACI) matrix, as loaded from our canonical
//! TOML/JSON or produced by the Markdown importer.
//!
//! Invariants: activity text is kept **verbatim** (typos, doubled words and inner double
//! spaces included: it is contract text); only the whitespace around a table cell is not part
//! of it. Section numbers are the ones printed in the source, never derived from heading
//! depth. Letters are a *set* ([`Letters`]): `IR` and `RI` are the same assignment and are
//! always written in R-A-C-I order.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the canonical matrix schema written by `annex import`.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole responsibility matrix: metadata, parties, legend, and sections in source order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Matrix {
    /// Canonical schema version ([`SCHEMA_VERSION`]).
    #[serde(default = "default_schema")]
    pub schema: u32,
    /// Provider publishing the matrix, e.g. "OVHcloud".
    pub provider: String,
    /// Stable service identifier, e.g. "data-processing"; profiles name it in `services`.
    pub service: String,
    /// Title of the source page, verbatim.
    pub title: String,
    /// Short description of the page (front matter `excerpt`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Version of the matrix: the page's update date as printed (`2024-05-31`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Language of the matrix text (BCP 47 tag, e.g. "en", "fr").
    #[serde(default = "default_language")]
    pub language: String,
    /// Where the matrix comes from (file name or URL of the published page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The parties, in the column order of the source.
    pub parties: Vec<Party>,
    /// The RACI legend as the source defines it.
    #[serde(default)]
    pub legend: Vec<LegendEntry>,
    /// Offering variants from leading applicability columns (empty for most pages).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// Sections in source order; the tree is given by their numbers ("3.1.4" is under "3.1").
    pub sections: Vec<Section>,
}

fn default_schema() -> u32 {
    SCHEMA_VERSION
}

fn default_language() -> String {
    "en".to_owned()
}

/// One party of the matrix (a column after the activity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Party {
    /// Stable identifier used as the key of activity letters, e.g. "customer".
    pub id: String,
    /// Name as printed in the source header, e.g. "Customer", "OVHcloud".
    pub name: String,
    /// What the party is: the customer signing the annex, the provider, or someone else.
    #[serde(default)]
    pub role: PartyRole,
}

/// Which side of the contract a party stands on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PartyRole {
    /// The customer subscribing to the service.
    Customer,
    /// The provider of the service.
    Provider,
    /// Any other party (a partner, a subcontractor).
    #[default]
    Other,
}

/// One line of the RACI legend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LegendEntry {
    /// The letter defined ("R", "A", "C" or "I").
    pub letter: Letter,
    /// Its meaning as written in the source, verbatim.
    pub meaning: String,
}

/// An offering variant (from an applicability column such as "Essential" or "Enterprise").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Variant {
    /// Stable identifier (slug of the column header).
    pub id: String,
    /// Column header as printed.
    pub name: String,
}

/// A numbered section of the matrix, with the activities of its table (if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Section {
    /// Number as printed in the source, without the trailing dot: "3.1.4".
    pub number: String,
    /// Title as printed, verbatim (may be in another language than the page).
    pub title: String,
    /// Prose between the heading and its table, verbatim, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Whether the source has a table under this heading (a header-only table counts, and
    /// renders as "no activity").
    #[serde(default, skip_serializing_if = "is_false")]
    pub has_table: bool,
    /// When this section applies to a subscription (absent: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies: Option<Condition>,
    /// The activities of the section's table, in source order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<Activity>,
    /// The title in other languages, by language code (see `Activity::translations`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Section {
    /// Depth in the section tree, given by the number ("3" → 1, "3.1.4" → 3).
    pub fn depth(&self) -> usize {
        if self.number.is_empty() {
            1
        } else {
            self.number.split('.').count()
        }
    }
}

/// One activity (row) of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Activity {
    /// Stable identifier, unique within the matrix (see `ids` for the rule).
    pub id: String,
    /// The activity text, verbatim. Markdown links are reduced to their text.
    pub text: String,
    /// Letters per party id. A party missing here has no letter.
    pub letters: BTreeMap<String, Letters>,
    /// Variants this row applies to (from applicability columns); empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Links found in the source cell, kept as references (not markup).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// When this activity applies to a subscription (absent: always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies: Option<Condition>,
    /// The text in other languages, by language code, verbatim from the provider's page in
    /// that language (`annex import --translation`): a canonical matrix that carries both
    /// texts. Letters are this matrix's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, String>,
}

impl Activity {
    /// The letters of one party (empty if the party has none).
    pub fn letters_of(&self, party: &str) -> Letters {
        self.letters.get(party).copied().unwrap_or_default()
    }
}

/// A hyperlink found inside a source cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Link {
    /// The link text as shown in the activity.
    pub text: String,
    /// The target URL, as written.
    pub url: String,
}

/// Applicability condition of a section or activity: every listed criterion must hold.
/// Each list means "any of these".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Condition {
    /// Applies only if the customer uses one of these services.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Applies only if the customer subscribed one of these options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Applies only to one of these offering variants.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// Applies only in one of these regions (region codes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Applies only in one of these jurisdictions (country/jurisdiction codes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdictions: Vec<String>,
    /// Applies only under one of these qualification regimes (e.g. "secnumcloud").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub qualifications: Vec<String>,
}

/// One RACI letter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Letter {
    /// Responsible: carries out the activity.
    R,
    /// Accountable: answers for its completion.
    A,
    /// Consulted.
    C,
    /// Informed.
    I,
}

impl Letter {
    /// All letters in R-A-C-I order.
    pub const ALL: [Letter; 4] = [Letter::R, Letter::A, Letter::C, Letter::I];

    /// The letter as a char.
    pub fn as_char(self) -> char {
        match self {
            Letter::R => 'R',
            Letter::A => 'A',
            Letter::C => 'C',
            Letter::I => 'I',
        }
    }

    /// Reads one letter, case-insensitively.
    pub fn from_char(c: char) -> Option<Letter> {
        match c.to_ascii_uppercase() {
            'R' => Some(Letter::R),
            'A' => Some(Letter::A),
            'C' => Some(Letter::C),
            'I' => Some(Letter::I),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of RACI letters; written in R-A-C-I order whatever the order it was read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Letters(u8);

impl Letters {
    /// The empty set.
    pub const EMPTY: Letters = Letters(0);

    /// Whether the set holds `letter`.
    pub fn contains(self, letter: Letter) -> bool {
        self.0 & letter.bit() != 0
    }

    /// Adds `letter` to the set.
    pub fn insert(&mut self, letter: Letter) {
        self.0 |= letter.bit();
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The letters in R-A-C-I order.
    pub fn iter(self) -> impl Iterator<Item = Letter> {
        Letter::ALL.into_iter().filter(move |l| self.contains(*l))
    }

    /// Parses a cell such as `RA`, `IR`, `r, a` or `` (empty). Spaces, commas, slashes and
    /// `+` between letters are allowed. Returns the set and the characters that are not
    /// letters of R/A/C/I, so that the caller can report them.
    pub fn parse_lenient(cell: &str) -> (Letters, Vec<char>) {
        let mut set = Letters::EMPTY;
        let mut unknown = Vec::new();
        for c in cell.chars() {
            if c.is_whitespace() || matches!(c, ',' | '/' | '+' | '-' | ';') {
                continue;
            }
            match Letter::from_char(c) {
                Some(l) => set.insert(l),
                None => unknown.push(c),
            }
        }
        (set, unknown)
    }
}

impl fmt::Display for Letters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in self.iter() {
            write!(f, "{}", l.as_char())?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Letters {
    type Err = String;

    /// Strict parse used for canonical files: only R, A, C, I (any order, any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (set, unknown) = Letters::parse_lenient(s);
        if unknown.is_empty() {
            Ok(set)
        } else {
            let bad: String = unknown.into_iter().collect();
            Err(format!(
                "invalid RACI letters `{s}`: `{bad}` is not one of R, A, C, I"
            ))
        }
    }
}

impl Serialize for Letters {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Letters {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Letters".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // What `from_str` accepts: R, A, C, I in any order and case, with separators.
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[RACIraci\\s,/+;-]*$",
            "description": "RACI letters of one party, e.g. \"RA\" or \"\" (none); written R-A-C-I."
        })
    }
}

impl<'de> Deserialize<'de> for Letters {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Matrix {
    /// The party of this matrix that stands for `party` of another matrix: the same id,
    /// else the same role (customer, provider). How composed parts and compared documents
    /// pair their columns.
    pub fn counterpart(&self, party: &Party) -> Option<&Party> {
        self.parties.iter().find(|p| p.id == party.id).or_else(|| {
            (party.role != PartyRole::Other)
                .then(|| self.parties.iter().find(|p| p.role == party.role))
                .flatten()
        })
    }

    /// All activities with their section, in source order.
    pub fn activities(&self) -> impl Iterator<Item = (&Section, &Activity)> {
        self.sections
            .iter()
            .flat_map(|s| s.activities.iter().map(move |a| (s, a)))
    }

    /// The party with this id.
    pub fn party(&self, id: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.id == id)
    }
}

/// Where in a matrix a limit of [`crate::limits`] is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitPlace {
    /// The matrix as a whole (a count, or a top-level text).
    Matrix,
    /// Party `i`.
    Party(usize),
    /// Legend entry `i`.
    Legend(usize),
    /// Variant `i`.
    Variant(usize),
    /// Section `i`.
    Section(usize),
    /// Activity `j` of section `i`.
    Activity(usize, usize),
}

/// A limit of [`crate::limits`] that a matrix exceeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    /// Where.
    pub place: LimitPlace,
    /// What, for people: `activity 3.1/patch: text`, `the matrix: activities`.
    pub what: String,
    /// The size found.
    pub size: usize,
    /// The limit.
    pub limit: usize,
    /// Unit of both: `characters`, `activities`, `levels`.
    pub unit: &'static str,
    /// The constant's name in [`crate::limits`].
    pub name: &'static str,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::limits::thousands;
        write!(
            f,
            "{} has {} {}, over the limit of {} (annex refuses larger inputs: limits::{})",
            self.what,
            thousands(self.size),
            self.unit,
            thousands(self.limit),
            self.name
        )
    }
}

impl Matrix {
    /// Every limit of [`crate::limits`] this matrix exceeds (counts, nesting, text lengths),
    /// in source order; the one rule the importer and the loader both apply. Linear in the
    /// matrix.
    pub fn limits(&self) -> Vec<LimitExceeded> {
        use crate::limits::*;
        let mut out = Limits(Vec::new());
        let m = LimitPlace::Matrix;
        let activities: usize = self.sections.iter().map(|s| s.activities.len()).sum();
        let what = || "the matrix".to_owned();
        out.count(
            m,
            what,
            activities,
            MAX_ACTIVITIES,
            "activities",
            "MAX_ACTIVITIES",
        );
        out.count(
            m,
            what,
            self.sections.len(),
            MAX_SECTIONS,
            "sections",
            "MAX_SECTIONS",
        );
        out.count(
            m,
            what,
            self.parties.len(),
            MAX_PARTIES,
            "parties",
            "MAX_PARTIES",
        );
        out.count(
            m,
            what,
            self.variants.len(),
            MAX_VARIANTS,
            "variants",
            "MAX_VARIANTS",
        );
        out.text(m, || "the matrix: title".into(), &self.title);
        for s in [&self.provider, &self.service, &self.language] {
            out.text(m, || "the matrix: a field".into(), s);
        }
        for s in [&self.excerpt, &self.version, &self.source]
            .into_iter()
            .flatten()
        {
            out.text(m, || "the matrix: a field".into(), s);
        }
        for (i, p) in self.parties.iter().enumerate() {
            let place = LimitPlace::Party(i);
            out.text(place, || format!("party {}: id", i + 1), &p.id);
            out.text(place, || format!("party {}: name", i + 1), &p.name);
        }
        for (i, e) in self.legend.iter().enumerate() {
            let what = || format!("legend entry {}: meaning", i + 1);
            out.text(LimitPlace::Legend(i), what, &e.meaning);
        }
        for (i, v) in self.variants.iter().enumerate() {
            let place = LimitPlace::Variant(i);
            out.text(place, || format!("variant {}: id", i + 1), &v.id);
            out.text(place, || format!("variant {}: name", i + 1), &v.name);
        }
        for (i, s) in self.sections.iter().enumerate() {
            let place = LimitPlace::Section(i);
            out.text(place, || format!("section {}: number", i + 1), &s.number);
            // A number of n levels has at least 2n - 1 characters: most need no count.
            if s.number.len() > MAX_SECTION_DEPTH {
                let what = || format!("section {}: number", i + 1);
                out.count(
                    place,
                    what,
                    s.depth(),
                    MAX_SECTION_DEPTH,
                    "levels",
                    "MAX_SECTION_DEPTH",
                );
            }
            let number = short_name(&s.number);
            out.text(place, || format!("section {number}: title"), &s.title);
            for (code, t) in &s.translations {
                out.text(place, || format!("section {number}: title ({code})"), code);
                out.text(place, || format!("section {number}: title ({code})"), t);
            }
            if let Some(note) = &s.note {
                out.text(place, || format!("section {number}: note"), note);
            }
            for (j, a) in s.activities.iter().enumerate() {
                let place = LimitPlace::Activity(i, j);
                let id = short_name(&a.id);
                out.text(place, || format!("activity {id}: id"), &a.id);
                out.text(place, || format!("activity {id}: text"), &a.text);
                for (code, t) in &a.translations {
                    out.text(place, || format!("activity {id}: text ({code})"), code);
                    out.text(place, || format!("activity {id}: text ({code})"), t);
                }
                for l in &a.links {
                    out.text(place, || format!("activity {id}: link text"), &l.text);
                    out.text(place, || format!("activity {id}: link url"), &l.url);
                }
            }
        }
        out.0
    }
}

/// The primary language subtag of a BCP 47 tag, lowercase ("en-GB" → "en"): how
/// documents, pages and translations compare languages.
pub fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// An id or number as messages name it: whole when short, else its start and `…`.
fn short_name(s: &str) -> String {
    if s.len() <= 80 {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(60).collect();
        format!("{cut}…")
    }
}

/// What [`Matrix::limits`] has found so far.
struct Limits(Vec<LimitExceeded>);

impl Limits {
    fn count(
        &mut self,
        place: LimitPlace,
        what: impl FnOnce() -> String,
        size: usize,
        limit: usize,
        unit: &'static str,
        name: &'static str,
    ) {
        if size > limit {
            self.0.push(LimitExceeded {
                place,
                what: what(),
                size,
                limit,
                unit,
                name,
            });
        }
    }

    fn text(&mut self, place: LimitPlace, what: impl FnOnce() -> String, s: &str) {
        use crate::limits::MAX_TEXT_CHARS;
        // Bytes bound characters from above: most texts need no count at all.
        if s.len() > MAX_TEXT_CHARS {
            let n = s.chars().count();
            self.count(
                place,
                what,
                n,
                MAX_TEXT_CHARS,
                "characters",
                "MAX_TEXT_CHARS",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_a_set_written_in_raci_order() {
        let ir: Letters = "IR".parse().unwrap();
        let ri: Letters = "RI".parse().unwrap();
        assert_eq!(ir, ri);
        assert_eq!(ir.to_string(), "RI");
        assert_eq!("ica r".parse::<Letters>().unwrap().to_string(), "RACI");
        assert_eq!("".parse::<Letters>().unwrap(), Letters::EMPTY);
    }

    #[test]
    fn unknown_letters_are_reported() {
        let (set, bad) = Letters::parse_lenient("RX?");
        assert_eq!(set.to_string(), "R");
        assert_eq!(bad, vec!['X', '?']);
        assert!("RX".parse::<Letters>().is_err());
    }

    #[test]
    fn limits_name_the_place_and_the_constant() {
        use crate::limits::{MAX_PARTIES, MAX_SECTION_DEPTH, MAX_TEXT_CHARS};
        let mut m: Matrix = toml::from_str(crate::load::DEFAULT_MATRIX).unwrap();
        assert!(m.limits().is_empty());
        m.sections[1].number = vec!["1"; MAX_SECTION_DEPTH].join(".");
        m.sections[1].activities[0].text = "x".repeat(MAX_TEXT_CHARS);
        assert!(m.limits().is_empty());
        m.sections[1].number.push_str(".1");
        m.sections[1].activities[0].text.push('é');
        let party = m.parties[0].clone();
        m.parties.extend(std::iter::repeat_n(
            party,
            MAX_PARTIES + 1 - m.parties.len(),
        ));
        let found: Vec<(LimitPlace, &str, usize)> = m
            .limits()
            .iter()
            .map(|e| (e.place, e.name, e.size))
            .collect();
        assert_eq!(
            found,
            [
                (LimitPlace::Matrix, "MAX_PARTIES", MAX_PARTIES + 1),
                (
                    LimitPlace::Section(1),
                    "MAX_SECTION_DEPTH",
                    MAX_SECTION_DEPTH + 1
                ),
                (
                    LimitPlace::Activity(1, 0),
                    "MAX_TEXT_CHARS",
                    MAX_TEXT_CHARS + 1
                ),
            ]
        );
        let message = m.limits()[2].to_string();
        assert!(message.ends_with("text has 50,001 characters, over the limit of 50,000 (annex refuses larger inputs: limits::MAX_TEXT_CHARS)"), "{message}");
    }

    #[test]
    fn depth_comes_from_the_number() {
        let s = |n: &str| Section {
            number: n.into(),
            title: String::new(),
            note: None,
            has_table: false,
            applies: None,
            activities: vec![],
            translations: BTreeMap::new(),
        };
        assert_eq!(s("3").depth(), 1);
        assert_eq!(s("3.1.4").depth(), 3);
    }
}
