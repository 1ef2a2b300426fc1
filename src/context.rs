//! Context stage: builds the documented data every template receives.
//!
//! [`DocumentContext`] is the template author's reference: each field's doc comment says
//! what it holds. `annex context` prints it as JSON. Everything a template shows is
//! prepared here (letters in R-A-C-I order, counts, the customer's duties, dates written out
//! in the document's language), so templates hold layout only.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::diag::Finding;
use crate::model::{Letter, Matrix, PartyRole};
use crate::profile::{Language, Profile, Status};

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
    pub parts: Vec<crate::kinds::Part>,
    /// Onboarding: the customer's R/A activities grouped by lifecycle phase (always five
    /// phases, in order; see `kinds::phase_of` for the rule).
    pub phases: Vec<crate::kinds::Phase>,
    /// Audit chart: R/A/C/I counts per top-level section and party.
    pub section_counts: Vec<crate::kinds::SectionCount>,
    /// Audit: the SHA-256 of every input (matrices, profile, catalogue, template set).
    pub inputs: Vec<crate::kinds::InputDigest>,
    /// Wording of the onboarding guide and the audit report.
    pub words: crate::kinds::Words,
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

/// The matrix's metadata.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixInfo {
    /// Title of the source page.
    pub title: String,
    /// Service id.
    pub service: String,
    /// Service display name.
    pub service_name: String,
    /// Version (update date) of the page, or "unversioned".
    pub version: String,
    /// Source reference.
    pub source: String,
    /// Language of the matrix text.
    pub language: String,
    /// Number of activities in the whole matrix.
    pub activity_count: usize,
}

/// A party column.
#[derive(Debug, Clone, Serialize)]
pub struct PartyInfo {
    /// Party id.
    pub id: String,
    /// Name as printed in the matrix.
    pub name: String,
    /// "customer", "provider" or "other".
    pub role: PartyRole,
}

/// One legend line.
#[derive(Debug, Clone, Serialize)]
pub struct LegendLine {
    /// "R", "A", "C" or "I".
    pub letter: String,
    /// Its meaning, verbatim from the matrix.
    pub meaning: String,
}

/// A section with its applicable activities.
#[derive(Debug, Clone, Serialize)]
pub struct SectionInfo {
    /// Number as printed ("3.1.4").
    pub number: String,
    /// Title, verbatim.
    pub title: String,
    /// Depth in the tree (1 for "3").
    pub depth: usize,
    /// Prose under the heading, verbatim.
    pub note: Option<String>,
    /// Whether the source has a table here (maybe empty).
    pub has_table: bool,
    /// Applicable activities in source order.
    pub activities: Vec<ActivityInfo>,
}

/// One activity row.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityInfo {
    /// Stable id.
    pub id: String,
    /// Text, verbatim.
    pub text: String,
    /// Letters per party, in party column order, each in R-A-C-I order ("RA", "").
    pub letters: Vec<String>,
    /// Whether the customer is Responsible or Accountable.
    pub customer_duty: bool,
}

/// Per-party counts.
#[derive(Debug, Clone, Serialize)]
pub struct PartySummary {
    /// Party id.
    pub party: String,
    /// Party name.
    pub name: String,
    /// Activities where the party is Responsible.
    pub responsible: usize,
    /// Activities where the party is Accountable.
    pub accountable: usize,
    /// Activities where the party is Consulted.
    pub consulted: usize,
    /// Activities where the party is Informed.
    pub informed: usize,
}

/// A customer duty (R or A).
#[derive(Debug, Clone, Serialize)]
pub struct Duty {
    /// Activity id.
    pub id: String,
    /// Section number.
    pub section: String,
    /// Section title.
    pub section_title: String,
    /// Activity text.
    pub text: String,
    /// The customer's letters.
    pub letters: String,
    /// What the other parties do, e.g. "OVHcloud: CI".
    pub others: String,
}

/// The signatories of one party.
#[derive(Debug, Clone, Serialize)]
pub struct SignOff {
    /// Party id.
    pub party: String,
    /// Party name ("Customer") and, for the customer, its legal name.
    pub name: String,
    /// Who signs on this party's behalf.
    pub people: Vec<Person>,
}

/// A signatory.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
}

/// An activity left out of the tailored annex.
#[derive(Debug, Clone, Serialize)]
pub struct NotApplicable {
    /// Activity id.
    pub id: String,
    /// Section number.
    pub section: String,
    /// Activity text.
    pub text: String,
    /// Letters per party, in party order.
    pub letters: Vec<String>,
    /// Why it does not apply ("requires option: Veeam Managed Backup").
    pub reason: String,
}

/// The document's fixed wording, in its language.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    /// "Annex".
    pub annex: &'static str,
    /// Default annex title.
    pub default_title: &'static str,
    /// "Contract".
    pub contract: &'static str,
    /// "Customer".
    pub customer: &'static str,
    /// "Provider".
    pub provider: &'static str,
    /// "Service".
    pub service: &'static str,
    /// "Location".
    pub location: &'static str,
    /// "Effective date".
    pub effective_date: &'static str,
    /// "Matrix version".
    pub matrix_version: &'static str,
    /// "Source".
    pub source: &'static str,
    /// "Purpose" heading.
    pub purpose: &'static str,
    /// Purpose paragraph, before the customer name.
    pub purpose_text: &'static str,
    /// "Roles" (legend heading).
    pub legend: &'static str,
    /// "Responsibilities by activity" heading.
    pub matrix_heading: &'static str,
    /// "Activity" column header.
    pub activity: &'static str,
    /// Shown for a table with no activity.
    pub no_activity: &'static str,
    /// "Summary" heading.
    pub summary: &'static str,
    /// "Party".
    pub party: &'static str,
    /// "Responsible".
    pub responsible: &'static str,
    /// "Accountable".
    pub accountable: &'static str,
    /// "Consulted".
    pub consulted: &'static str,
    /// "Informed".
    pub informed: &'static str,
    /// "Your responsibilities" heading.
    pub your_duties: &'static str,
    /// Paragraph before the list of the customer's duties.
    pub your_duties_text: &'static str,
    /// "Sign-off" heading.
    pub signoff: &'static str,
    /// Paragraph above signatures.
    pub signoff_text: &'static str,
    /// "Name".
    pub name: &'static str,
    /// "Title".
    pub title: &'static str,
    /// "Signature".
    pub signature: &'static str,
    /// "Date".
    pub date: &'static str,
    /// Watermark text.
    pub draft: &'static str,
    /// Note printed instead of signature lines in a draft.
    pub draft_note: &'static str,
    /// "Page".
    pub page: &'static str,
    /// "of".
    pub of: &'static str,
    /// "Fingerprint".
    pub fingerprint: &'static str,
    /// Sentence explaining the fingerprint.
    pub fingerprint_text: &'static str,
    /// "Data location" heading.
    pub data_location: &'static str,
    /// "Not applicable to this subscription" heading.
    pub not_applicable: &'static str,
    /// "Reason".
    pub reason: &'static str,
}

/// The wording for `language`.
pub fn labels(language: Language) -> Labels {
    match language {
        Language::En => Labels {
            annex: "Annex",
            default_title: "Shared responsibility matrix",
            contract: "Contract",
            customer: "Customer",
            provider: "Provider",
            service: "Service",
            location: "Location",
            effective_date: "Effective date",
            matrix_version: "Matrix version",
            source: "Source",
            purpose: "Purpose",
            purpose_text: "This annex sets out, activity by activity, how responsibilities for the service are shared between the provider and the customer named above. For each activity it states which party is Responsible, Accountable, Consulted or Informed. It forms part of the contract referenced above.",
            legend: "Roles",
            matrix_heading: "Responsibilities by activity",
            activity: "Activity",
            no_activity: "No activity is listed in this section.",
            summary: "Summary",
            party: "Party",
            responsible: "Responsible",
            accountable: "Accountable",
            consulted: "Consulted",
            informed: "Informed",
            your_duties: "Your responsibilities",
            your_duties_text: "The customer is Responsible (R) or Accountable (A) for the following activities.",
            signoff: "Sign-off",
            signoff_text: "By signing, each party accepts the allocation of responsibilities set out in this annex.",
            name: "Name",
            title: "Title",
            signature: "Signature",
            date: "Date",
            draft: "DRAFT",
            draft_note: "Draft for review: not for signature.",
            page: "Page",
            of: "of",
            fingerprint: "Document fingerprint",
            fingerprint_text: "SHA-256 over the canonical matrix, the customer profile and the template set this annex was produced from.",
            data_location: "Data location",
            not_applicable: "Not applicable to this subscription",
            reason: "Reason",
        },
        Language::Fr => Labels {
            annex: "Annexe",
            default_title: "Matrice de responsabilité partagée",
            contract: "Contrat",
            customer: "Client",
            provider: "Fournisseur",
            service: "Service",
            location: "Localisation",
            effective_date: "Date d'effet",
            matrix_version: "Version de la matrice",
            source: "Source",
            purpose: "Objet",
            purpose_text: "La présente annexe précise, activité par activité, la répartition des responsabilités relatives au service entre le fournisseur et le client désigné ci-dessus. Pour chaque activité, elle indique quelle partie est Responsable, Approbatrice, Consultée ou Informée. Elle fait partie intégrante du contrat référencé ci-dessus.",
            legend: "Rôles",
            matrix_heading: "Responsabilités par activité",
            activity: "Activité",
            no_activity: "Aucune activité n'est listée dans cette section.",
            summary: "Synthèse",
            party: "Partie",
            responsible: "Responsable",
            accountable: "Approbateur",
            consulted: "Consulté",
            informed: "Informé",
            your_duties: "Vos responsabilités",
            your_duties_text: "Le client est Responsable (R) ou Approbateur (A) des activités suivantes.",
            signoff: "Signatures",
            signoff_text: "En signant, chaque partie accepte la répartition des responsabilités définie dans la présente annexe.",
            name: "Nom",
            title: "Fonction",
            signature: "Signature",
            date: "Date",
            draft: "PROJET",
            draft_note: "Projet soumis à relecture : ne pas signer.",
            page: "Page",
            of: "sur",
            fingerprint: "Empreinte du document",
            fingerprint_text: "SHA-256 de la matrice canonique, du profil client et du jeu de modèles dont cette annexe est issue.",
            data_location: "Localisation des données",
            not_applicable: "Non applicable à cette souscription",
            reason: "Motif",
        },
    }
}

/// Writes a date out in words ("1 December 2026", "1 décembre 2026").
pub fn long_date(date: NaiveDate, language: Language) -> String {
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let month = date.month0() as usize;
    match language {
        Language::En => format!("{} {} {}", date.day(), EN[month], date.year()),
        Language::Fr => {
            let day = if date.day() == 1 {
                "1er".to_owned()
            } else {
                date.day().to_string()
            };
            format!("{day} {} {}", FR[month], date.year())
        }
    }
}

/// Inputs of the context stage.
pub struct ContextInput<'a> {
    /// The (tailored) matrix to show.
    pub matrix: &'a Matrix,
    /// The full matrix's activity count.
    pub total_activities: usize,
    /// The validated profile.
    pub profile: &'a Profile,
    /// The catalogue.
    pub catalogue: &'a Catalogue,
    /// Document kind.
    pub kind: &'a str,
    /// Fingerprint (64 hex digits).
    pub fingerprint: String,
    /// Activities that were tailored out.
    pub not_applicable: Vec<NotApplicable>,
    /// Whether `--scope full` was asked.
    pub full_scope: bool,
    /// Findings to list.
    pub findings: Vec<Finding>,
}

/// Builds the context of one document.
pub fn build(input: ContextInput<'_>) -> DocumentContext {
    let ContextInput {
        matrix,
        profile,
        catalogue,
        ..
    } = input;
    let language = profile.contract.language;
    let labels = labels(language);
    let contract = &profile.contract;
    let annex_title = contract
        .annex_title
        .clone()
        .unwrap_or_else(|| labels.default_title.to_owned());
    let title = format!(
        "{} {} – {}",
        labels.annex, contract.annex_number, annex_title
    );
    let date = contract.effective_date;
    let region = catalogue.region(&profile.region);

    let parties: Vec<PartyInfo> = matrix
        .parties
        .iter()
        .map(|p| PartyInfo {
            id: p.id.clone(),
            name: p.name.clone(),
            role: p.role,
        })
        .collect();
    let customer_party = matrix
        .parties
        .iter()
        .find(|p| p.role == PartyRole::Customer)
        .map(|p| p.id.as_str());

    let mut summary: Vec<PartySummary> = matrix
        .parties
        .iter()
        .map(|p| PartySummary {
            party: p.id.clone(),
            name: p.name.clone(),
            responsible: 0,
            accountable: 0,
            consulted: 0,
            informed: 0,
        })
        .collect();
    let mut duties = Vec::new();
    let mut sections = Vec::new();
    for section in &matrix.sections {
        let mut activities = Vec::new();
        for activity in &section.activities {
            let letters: Vec<String> = matrix
                .parties
                .iter()
                .map(|p| activity.letters_of(&p.id).to_string())
                .collect();
            for (s, p) in summary.iter_mut().zip(&matrix.parties) {
                let l = activity.letters_of(&p.id);
                s.responsible += usize::from(l.contains(Letter::R));
                s.accountable += usize::from(l.contains(Letter::A));
                s.consulted += usize::from(l.contains(Letter::C));
                s.informed += usize::from(l.contains(Letter::I));
            }
            let customer_letters = customer_party
                .map(|c| activity.letters_of(c))
                .unwrap_or_default();
            let customer_duty =
                customer_letters.contains(Letter::R) || customer_letters.contains(Letter::A);
            if customer_duty {
                let others = matrix
                    .parties
                    .iter()
                    .filter(|p| Some(p.id.as_str()) != customer_party)
                    .map(|p| {
                        let l = activity.letters_of(&p.id);
                        format!(
                            "{}: {}",
                            p.name,
                            if l.is_empty() {
                                "–".to_owned()
                            } else {
                                l.to_string()
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                duties.push(Duty {
                    id: activity.id.clone(),
                    section: section.number.clone(),
                    section_title: section.title.clone(),
                    text: activity.text.clone(),
                    letters: customer_letters.to_string(),
                    others,
                });
            }
            activities.push(ActivityInfo {
                id: activity.id.clone(),
                text: activity.text.clone(),
                letters,
                customer_duty,
            });
        }
        sections.push(SectionInfo {
            number: section.number.clone(),
            title: section.title.clone(),
            depth: section.depth(),
            note: section.note.clone(),
            has_table: section.has_table,
            activities,
        });
    }

    let signoff = matrix
        .parties
        .iter()
        .map(|p| SignOff {
            party: p.id.clone(),
            name: if p.role == PartyRole::Customer {
                format!("{} – {}", p.name, profile.customer.legal_name)
            } else {
                p.name.clone()
            },
            people: profile
                .signatories
                .iter()
                .filter(|s| s.party == p.id)
                .map(|s| Person {
                    name: s.name.clone(),
                    title: s.title.clone(),
                })
                .collect(),
        })
        .collect();

    let service_name = catalogue.service_name(&matrix.service).to_owned();
    let entry_names = |ids: &[String], entries: &[crate::catalogue::Entry]| -> Vec<String> {
        ids.iter()
            .map(|id| {
                entries
                    .iter()
                    .find(|e| &e.id == id)
                    .map_or(id.clone(), |e| e.name.clone())
            })
            .collect()
    };
    DocumentContext {
        tool: Tool {
            name: "annex",
            version: env!("CARGO_PKG_VERSION"),
            typst_version: crate::TYPST_VERSION,
        },
        document: Document {
            kind: input.kind.to_owned(),
            subject: format!(
                "{} – {} – {}",
                title, matrix.title, profile.customer.legal_name
            ),
            keywords: vec![
                "shared responsibility".into(),
                "RACI".into(),
                matrix.provider.clone(),
                service_name.clone(),
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
            draft: contract.status == Status::Draft,
            language: language.code().to_owned(),
            effective_date: date.format("%Y-%m-%d").to_string(),
            effective_date_text: long_date(date, language),
            date: DateParts {
                year: date.year(),
                month: date.month(),
                day: date.day(),
            },
            fingerprint_short: input.fingerprint[..16].to_owned(),
            fingerprint: input.fingerprint,
            full_scope: input.full_scope,
        },
        customer: CustomerInfo {
            legal_name: profile.customer.legal_name.clone(),
            short_name: profile.customer.short_name.clone(),
            address: profile.customer.address.clone(),
            registration: profile.customer.registration.clone(),
            contact: profile.customer.contact.clone(),
            services: profile
                .services
                .iter()
                .map(|s| catalogue.service_name(s).to_owned())
                .collect(),
            options: entry_names(&profile.options, &catalogue.options),
            variant: profile.variant.clone(),
            qualifications: entry_names(&profile.qualifications, &catalogue.qualifications),
        },
        location: Location {
            region: profile.region.clone(),
            city: region.map(|r| r.city.clone()).unwrap_or_default(),
            country: region.map(|r| r.country.clone()).unwrap_or_default(),
            jurisdiction: region.map(|r| r.jurisdiction.clone()).unwrap_or_default(),
            note: region.map(|r| r.note.clone()).unwrap_or_default(),
        },
        provider: matrix.provider.clone(),
        matrix: MatrixInfo {
            title: matrix.title.clone(),
            service: matrix.service.clone(),
            service_name,
            version: matrix
                .version
                .clone()
                .unwrap_or_else(|| "unversioned".into()),
            source: matrix.source.clone().unwrap_or_default(),
            language: matrix.language.clone(),
            activity_count: input.total_activities,
        },
        parties,
        legend: matrix
            .legend
            .iter()
            .map(|l| LegendLine {
                letter: l.letter.as_char().to_string(),
                meaning: l.meaning.clone(),
            })
            .collect(),
        sections,
        summary,
        customer_duties: duties,
        signoff,
        not_applicable: input.not_applicable,
        findings: input.findings,
        labels,
        parts: Vec::new(),
        phases: Vec::new(),
        section_counts: Vec::new(),
        inputs: Vec::new(),
        words: crate::kinds::words(language),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(long_date(d, Language::En), "1 December 2026");
        assert_eq!(long_date(d, Language::Fr), "1er décembre 2026");
    }
}
