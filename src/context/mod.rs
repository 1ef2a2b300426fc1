//! Context stage: builds, in one pass, the documented data every template receives.
//!
//! [`DocumentContext`] is the template author's reference: each field's doc comment says
//! what it holds, and `annex context` prints it as JSON. [`build`] takes the prepared
//! profile and the tailor stage's output and fills every field for every part and every
//! kind (the annex body, the onboarding phases, the audit data), so templates hold layout
//! only. The fixed wording comes from the language's catalogue ([`crate::wording`]).
//!
//! Invariants: text and letters are verbatim from the matrices; a composed document reads
//! as one matrix (the first part's metadata and parties, every part's sections in order,
//! later parts' letters re-keyed to the first part's parties) and also part by part.

pub mod audit;
pub mod changes;
pub mod matrix;
pub mod onboarding;
pub mod translation;

use chrono::Datelike;
use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::compose;
use crate::diag::Finding;
use crate::kind::Kind;
use crate::prepare::Prepared;
use crate::profile::{Profile, Status};
use crate::tailor::{Decision, NotApplicable, Tailored};
use crate::wording::{self, Labels, Words};

pub use audit::{InputDigest, PartyCount, Provenance, Repair, SectionCount};
pub use matrix::{
    ActivityInfo, Duty, LegendLine, MatrixInfo, PartyInfo, PartySummary, Person, SectionInfo,
    SignOff,
};
pub use onboarding::{ChecklistItem, Phase};

/// Everything a document template receives.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentContext {
    /// The tool that made the document.
    pub tool: Tool,
    /// The document itself: title, status, dates, fingerprint.
    pub document: Document,
    /// Fixed wording of the document in its language.
    pub labels: Labels,
    /// The customer.
    pub customer: CustomerInfo,
    /// Where the customer's data is processed.
    pub location: Location,
    /// The provider's name, as in the matrix.
    pub provider: String,
    /// The matrix the annex is made from.
    pub matrix: MatrixInfo,
    /// Parties in column order.
    pub parties: Vec<PartyInfo>,
    /// The RACI legend as the matrix defines it.
    pub legend: Vec<LegendLine>,
    /// Sections in source order, with the activities that apply.
    pub sections: Vec<SectionInfo>,
    /// Per party: how many activities it is R, A, C, I for.
    pub summary: Vec<PartySummary>,
    /// The activities where the customer is Responsible or Accountable.
    pub customer_duties: Vec<Duty>,
    /// Signatories, grouped by party in column order.
    pub signoff: Vec<SignOff>,
    /// Activities that do not apply to this subscription, with the reason.
    pub not_applicable: Vec<NotApplicable>,
    /// Findings of the checks (warnings the annex was rendered with).
    pub findings: Vec<Finding>,
    /// The matrices the document is made of, in profile order (one part unless the profile
    /// composes several); `sections` above holds the sections of every part, in order.
    pub parts: Vec<Part>,
    /// Onboarding: the customer's R/A activities grouped by lifecycle phase (always five
    /// phases, in order; see `onboarding::phase_of` for the rule).
    pub phases: Vec<Phase>,
    /// Audit chart: R/A/C/I counts per top-level section and party.
    pub section_counts: Vec<SectionCount>,
    /// Audit: the SHA-256 of every input (matrices, profile, catalogue, template set).
    pub inputs: Vec<InputDigest>,
    /// Wording of the onboarding guide and the audit report.
    pub words: Words,
    /// `render --since`: what changed since the earlier version of the (first) matrix;
    /// `null` otherwise.
    pub changes: Option<changes::Changes>,
    /// A translated document: the languages, the prevailing clause, the alignment; `null`
    /// otherwise.
    pub translation: Option<translation::TranslationInfo>,
}

/// The tool that made the document.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// "annex".
    pub name: &'static str,
    /// Tool version.
    pub version: &'static str,
    /// Version of the embedded Typst compiler.
    pub typst_version: &'static str,
}

/// Document-level data.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Kind of document: "annex", "onboarding" or "audit".
    pub kind: String,
    /// Full title, e.g. "Annex 3 – Shared responsibility matrix".
    pub title: String,
    /// Annex number as printed ("3", "B").
    pub annex_number: String,
    /// Annex title ("Shared responsibility matrix").
    pub annex_title: String,
    /// Contract reference.
    pub contract_reference: String,
    /// Reference of this annex: contract reference and annex number.
    pub reference: String,
    /// "draft" or "final".
    pub status: Status,
    /// The status in the document's language.
    pub status_text: String,
    /// Whether the document is a draft (watermark, no signature lines).
    pub draft: bool,
    /// Language code ("en", "fr").
    pub language: String,
    /// Effective date, ISO 8601.
    pub effective_date: String,
    /// Effective date written out in the document's language ("1 December 2026").
    pub effective_date_text: String,
    /// Effective date as numbers, for Typst's `datetime(..)`.
    pub date: DateParts,
    /// SHA-256 over the canonical matrix, profile and template set (64 hex digits).
    pub fingerprint: String,
    /// First 16 hex digits of the fingerprint, for headers and footers.
    pub fingerprint_short: String,
    /// PDF subject.
    pub subject: String,
    /// PDF keywords.
    pub keywords: Vec<String>,
    /// Whether the full matrix is rendered (`--scope full`) rather than the tailored one.
    pub full_scope: bool,
}

/// A date as numbers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DateParts {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day, 1–31.
    pub day: u32,
}

/// The customer, as in the profile.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerInfo {
    /// Legal name.
    pub legal_name: String,
    /// Short name.
    pub short_name: String,
    /// Registered address, if given.
    pub address: Option<String>,
    /// Registration number, if given.
    pub registration: Option<String>,
    /// Contact for the service, if given.
    pub contact: Option<crate::profile::Contact>,
    /// Services subscribed, by display name.
    pub services: Vec<String>,
    /// Options subscribed, by display name.
    pub options: Vec<String>,
    /// Offering variant, if any.
    pub variant: Option<String>,
    /// Qualification regimes, by display name.
    pub qualifications: Vec<String>,
}

/// Region of the subscription.
#[derive(Debug, Clone, Serialize)]
pub struct Location {
    /// Region code.
    pub region: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Jurisdiction code.
    pub jurisdiction: String,
    /// Data-residency note from the catalogue.
    pub note: String,
}

/// One matrix of a (possibly composed) document.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// 1-based position, in the order the profile lists the matrices.
    pub number: usize,
    /// The matrix's metadata.
    pub matrix: MatrixInfo,
    /// Its parties in column order.
    pub parties: Vec<PartyInfo>,
    /// Its sections with the activities shown (tailored or full scope).
    pub sections: Vec<SectionInfo>,
    /// Its activities that do not apply to this subscription (tailored scope only).
    pub not_applicable: Vec<NotApplicable>,
    /// Every activity with its applicability decision, whatever the scope (audit).
    pub decisions: Vec<Decision>,
    /// Where the matrix comes from and what the importer repaired.
    pub provenance: Provenance,
}

/// Builds the context of one document of `kind`.
pub fn build(prepared: &Prepared, mut tailored: Tailored, kind: Kind) -> DocumentContext {
    let Prepared {
        profile, catalogue, ..
    } = prepared;
    let language = profile.contract.language;
    let lang = language.code();
    let wording = wording::wording(language);
    let words = &wording.words;
    // A translation: the first part's text in the document's language, letters from the
    // prevailing matrix.
    let texts = translation::texts(prepared, lang, wording);
    texts.apply(&mut tailored.parts[0]);
    let labels = &wording.labels;
    let contract = &profile.contract;
    let fingerprint = prepared.fingerprint();

    // The whole document reads as one matrix: the first part's metadata and parties,
    // every part's sections in order.
    let mut merged = tailored.parts[0].shown.clone();
    for part in &tailored.parts[1..] {
        merged
            .sections
            .extend(compose::aligned_sections(&part.shown, &merged));
    }
    let total: usize = prepared
        .parts
        .iter()
        .map(|p| p.matrix.activities().count())
        .sum();
    let body = matrix::body(&merged, &texts.second);
    let numbered: Vec<(usize, &crate::model::Matrix)> = tailored
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| (i + 1, &p.shown))
        .collect();
    let changes = changes::changes(prepared);
    let mut phases = onboarding::phases(&numbered, wording);
    if let Some(c) = &changes {
        // `--since` compares the first part only.
        for item in phases.iter_mut().flat_map(|p| p.items.iter_mut()) {
            item.changed = item.part == 1 && c.customer_new_or_changed.contains(&item.id);
        }
    }
    let section_counts = numbered
        .iter()
        .flat_map(|(i, m)| audit::section_counts(*i, m))
        .collect();
    let not_applicable = tailored
        .parts
        .iter()
        .flat_map(|p| p.not_applicable.clone())
        .collect();
    let parts = prepared
        .parts
        .iter()
        .zip(tailored.parts)
        .enumerate()
        .map(|(i, (loaded, part))| Part {
            number: i + 1,
            matrix: matrix::matrix_info(
                &part.shown,
                catalogue,
                loaded.matrix.activities().count(),
                lang,
                &words.unversioned,
            ),
            parties: matrix::parties(&part.shown),
            sections: matrix::body(&part.shown, &texts.second).sections,
            not_applicable: part.not_applicable,
            decisions: part.decisions,
            provenance: audit::provenance(loaded, &words.unversioned),
        })
        .collect();

    let annex_title = contract
        .annex_title
        .clone()
        .unwrap_or_else(|| labels.default_title.clone());
    let title = format!(
        "{} {} – {}",
        labels.annex, contract.annex_number, annex_title
    );
    let date = contract.effective_date;
    let matrix_info = matrix::matrix_info(&merged, catalogue, total, lang, &words.unversioned);
    let legend_text = texts.text_matrix(&prepared.parts[0].matrix, prepared);
    DocumentContext {
        tool: Tool {
            name: "annex",
            version: env!("CARGO_PKG_VERSION"),
            typst_version: crate::TYPST_VERSION,
        },
        document: Document {
            kind: kind.name().to_owned(),
            subject: format!(
                "{} – {} – {}",
                title, merged.title, profile.customer.legal_name
            ),
            keywords: vec![
                "shared responsibility".into(),
                "RACI".into(),
                merged.provider.clone(),
                matrix_info.service_name.clone(),
                contract.reference.clone(),
            ],
            title,
            annex_number: contract.annex_number.clone(),
            annex_title,
            contract_reference: contract.reference.clone(),
            reference: format!(
                "{} / {} {}",
                contract.reference, labels.annex, contract.annex_number
            ),
            status: contract.status,
            status_text: match contract.status {
                Status::Draft => words.status_draft.clone(),
                Status::Final => words.status_final.clone(),
            },
            draft: contract.status == Status::Draft,
            language: language.code().to_owned(),
            effective_date: date.format("%Y-%m-%d").to_string(),
            effective_date_text: wording.long_date(date),
            date: DateParts {
                year: date.year(),
                month: date.month(),
                day: date.day(),
            },
            fingerprint_short: fingerprint[..16].to_owned(),
            fingerprint,
            full_scope: tailored.full,
        },
        customer: customer_info(profile, catalogue, lang),
        location: location(profile, catalogue, lang),
        provider: merged.provider.clone(),
        matrix: matrix_info,
        parties: matrix::parties(&merged),
        legend: matrix::legend(legend_text, lang, wording),
        sections: body.sections,
        summary: body.summary,
        customer_duties: body.duties,
        signoff: matrix::signoff(&merged, profile),
        not_applicable,
        findings: prepared.findings.iter().map(shown_finding).collect(),
        labels: labels.clone(),
        parts,
        phases,
        section_counts,
        inputs: audit::inputs(prepared, words),
        words: wording.words.clone(),
        changes,
        translation: translation::info(prepared, wording),
    }
}

/// The customer as the documents show it: catalogue ids replaced by display names.
fn customer_info(profile: &Profile, catalogue: &Catalogue, lang: &str) -> CustomerInfo {
    CustomerInfo {
        legal_name: profile.customer.legal_name.clone(),
        short_name: profile.customer.short_name.clone(),
        address: profile.customer.address.clone(),
        registration: profile.customer.registration.clone(),
        contact: profile.customer.contact.clone(),
        services: profile
            .services
            .iter()
            .map(|s| catalogue.service_name(s, lang))
            .collect(),
        options: profile
            .options
            .iter()
            .map(|id| catalogue.option_name(id, lang))
            .collect(),
        variant: profile.variant.clone(),
        qualifications: profile
            .qualifications
            .iter()
            .map(|id| catalogue.qualification_name(id, lang))
            .collect(),
    }
}

/// Where the data is processed, from the catalogue's region, in the document's language.
fn location(profile: &Profile, catalogue: &Catalogue, lang: &str) -> Location {
    let region = catalogue.shown_region(&profile.region, lang);
    let region = region.as_ref();
    Location {
        region: profile.region.clone(),
        city: region.map(|r| r.city.clone()).unwrap_or_default(),
        country: region.map(|r| r.country.clone()).unwrap_or_default(),
        jurisdiction: region.map(|r| r.jurisdiction.clone()).unwrap_or_default(),
        note: region.map(|r| r.note.clone()).unwrap_or_default(),
    }
}

/// A finding as a document shows it: its places name the file's own name
/// ([`crate::diag::shown_name`]).
fn shown_finding(f: &Finding) -> Finding {
    let mut f = f.clone();
    for place in f.location.iter_mut().chain(f.related.iter_mut()) {
        place.file = crate::diag::shown_name(&place.file);
    }
    f
}
