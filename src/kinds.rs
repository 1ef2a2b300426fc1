//! Context for the three document kinds beyond the annex's own data: the parts of a
//! composed matrix, the onboarding guide's lifecycle phases, the audit report's decisions,
//! provenance, input fingerprints and chart counts, and the wording of both documents.
//!
//! Everything here is derived from the loaded inputs and the tailoring; templates only lay
//! it out. The lifecycle-phase rule ([`phase_of`]) is documented in the README.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalogue::Catalogue;
use crate::context::{MatrixInfo, NotApplicable, PartyInfo, SectionInfo};
use crate::load::LoadedMatrix;
use crate::model::{Letter, Letters, Matrix, Section};
use crate::profile::Language;

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

/// The applicability decision for one activity.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// Activity id.
    pub id: String,
    /// Section number.
    pub section: String,
    /// Activity text, verbatim.
    pub text: String,
    /// Letters per party, in party order.
    pub letters: Vec<String>,
    /// Whether it applies to this subscription.
    pub applies: bool,
    /// Its condition in words ("option: Veeam Managed Backup"), empty if unconditional
    /// (the section's condition and the row's variants included).
    pub condition: String,
    /// Why it does not apply, empty if it does.
    pub reason: String,
}

/// Provenance of one matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The file read (as named on the command line or in the profile).
    pub file: String,
    /// The published page the matrix comes from (the matrix's `source`).
    pub source: String,
    /// Version (update date) of the page, or "unversioned".
    pub version: String,
    /// Whether the file was a Markdown page imported on the fly.
    pub imported: bool,
    /// What the importer repaired or noticed, in line order.
    pub repairs: Vec<Repair>,
}

/// One import repair or oddity.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    /// 1-based line in the page.
    pub line: usize,
    /// "info" or "warning".
    pub severity: String,
    /// Stable code, e.g. `import::ragged-row`.
    pub code: String,
    /// Explanation.
    pub message: String,
}

/// A lifecycle phase of the onboarding guide, with the customer's to-dos.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    /// "before-subscription", "operations", "incidents", "reversibility" or "end-of-service".
    pub id: &'static str,
    /// 1-based position.
    pub number: usize,
    /// Title in the document's language.
    pub title: &'static str,
    /// One sentence on what the phase is about.
    pub intro: &'static str,
    /// The customer's R/A activities of the phase, in source order.
    pub items: Vec<ChecklistItem>,
}

/// One to-do of the onboarding checklist.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    /// Activity id.
    pub id: String,
    /// Part number (1 unless the profile composes several matrices).
    pub part: usize,
    /// Section number.
    pub section: String,
    /// Section title.
    pub section_title: String,
    /// Activity text, verbatim.
    pub text: String,
    /// The customer's letters ("RA", "A").
    pub letters: String,
    /// What the other parties do, in words ("OVHcloud is consulted and informed").
    pub provider_does: String,
}

/// Responsibility counts of one top-level section, for the audit chart.
#[derive(Debug, Clone, Serialize)]
pub struct SectionCount {
    /// Part number.
    pub part: usize,
    /// Section number ("3").
    pub number: String,
    /// Section title.
    pub title: String,
    /// Activities shown in the section and its subsections.
    pub total: usize,
    /// Counts per party, in party order.
    pub parties: Vec<PartyCount>,
}

/// R/A/C/I counts of one party.
#[derive(Debug, Clone, Serialize)]
pub struct PartyCount {
    /// Party name.
    pub name: String,
    /// Responsible.
    pub r: usize,
    /// Accountable.
    pub a: usize,
    /// Consulted.
    pub c: usize,
    /// Informed.
    pub i: usize,
}

/// The SHA-256 of one input.
#[derive(Debug, Clone, Serialize)]
pub struct InputDigest {
    /// "matrix", "profile", "catalogue" or "templates".
    pub role: &'static str,
    /// File name as given (or the embedded default's repository path).
    pub name: String,
    /// 64 hex digits.
    pub sha256: String,
}

/// SHA-256 of a text, in hex.
pub fn digest(bytes: &[u8]) -> String {
    crate::hex(&Sha256::digest(bytes))
}

/// Builds the provenance of a loaded matrix.
pub fn provenance(loaded: &LoadedMatrix) -> Provenance {
    let ext = std::path::Path::new(&loaded.source.name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    Provenance {
        file: loaded.source.name.clone(),
        source: loaded.matrix.source.clone().unwrap_or_default(),
        version: loaded
            .matrix
            .version
            .clone()
            .unwrap_or_else(|| "unversioned".into()),
        imported: matches!(ext.as_str(), "md" | "markdown"),
        repairs: loaded
            .import_notes
            .iter()
            .map(|n| Repair {
                line: n.line,
                severity: match n.severity {
                    crate::import::NoteSeverity::Info => "info".into(),
                    crate::import::NoteSeverity::Warning => "warning".into(),
                },
                code: n.code.to_owned(),
                message: n.message.clone(),
            })
            .collect(),
    }
}

/// Every activity of `matrix` with its applicability decision for the profile.
pub fn decisions(
    matrix: &Matrix,
    profile: &crate::profile::Profile,
    catalogue: &Catalogue,
) -> Vec<Decision> {
    let (_, left_out) = crate::tailor::tailor(matrix.clone(), profile, catalogue, false);
    let mut out = Vec::new();
    for section in &matrix.sections {
        for a in &section.activities {
            let mut conditions = Vec::new();
            if let Some(c) = &section.applies {
                conditions.push(crate::tailor::describe(c, catalogue));
            }
            if !a.variants.is_empty() {
                let c = crate::model::Condition {
                    variants: a.variants.clone(),
                    ..Default::default()
                };
                conditions.push(crate::tailor::describe(&c, catalogue));
            }
            if let Some(c) = &a.applies {
                conditions.push(crate::tailor::describe(c, catalogue));
            }
            conditions.retain(|c| !c.is_empty());
            let reason = left_out
                .iter()
                .find(|n| n.id == a.id)
                .map(|n| n.reason.clone());
            out.push(Decision {
                id: a.id.clone(),
                section: section.number.clone(),
                text: a.text.clone(),
                letters: matrix
                    .parties
                    .iter()
                    .map(|p| a.letters_of(&p.id).to_string())
                    .collect(),
                applies: reason.is_none(),
                condition: conditions.join("; "),
                reason: reason.unwrap_or_default(),
            });
        }
    }
    out
}

/// The lifecycle phases, in order: (id, keywords matched in section titles).
const PHASES: [(&str, &[&str]); 5] = [
    (
        "before-subscription",
        &[
            "before subscription",
            "avant la souscription",
            "specify",
            "spécifier",
        ],
    ),
    ("operations", &[]),
    ("incidents", &["incident"]),
    (
        "reversibility",
        &[
            "reversib",
            "réversib",
            "revert",
            "réversion",
            "data recovery",
            "récupération",
        ],
    ),
    (
        "end-of-service",
        &[
            "end of service",
            "fin de service",
            "destruction",
            "destroy",
            "termination",
        ],
    ),
];

/// The lifecycle phase (index into the phase list) of `section` of `matrix`.
///
/// Rule: the section's own title, then each enclosing section's title (nearest first), is
/// matched against keywords (case-insensitive): "incident" → incidents; "end of service",
/// "destruction", "destroy", "termination" → end of service; "reversib…", "revert",
/// "data recovery" → reversibility; "before subscription", "specify" → before
/// subscription (French equivalents too). With no keyword, the top-level number decides:
/// 1 → before subscription, 4 → reversibility, 5 → end of service, anything else →
/// operations.
pub fn phase_of(section: &Section, matrix: &Matrix) -> usize {
    let mut chain = vec![section.title.to_lowercase()];
    let mut number = section.number.as_str();
    while let Some((parent, _)) = number.rsplit_once('.') {
        number = parent;
        if let Some(s) = matrix.sections.iter().find(|s| s.number == parent) {
            chain.push(s.title.to_lowercase());
        }
    }
    for title in &chain {
        // Incidents and end of service first: "Data destruction" under "Reversibility"
        // is still the end of the service.
        for phase in [2, 4, 3, 0] {
            if PHASES[phase].1.iter().any(|k| title.contains(k)) {
                return phase;
            }
        }
    }
    match section.number.split('.').next() {
        Some("1") => 0,
        Some("4") => 3,
        Some("5") => 4,
        _ => 1,
    }
}

/// The phases of the onboarding guide, with the customer's R/A activities of every part.
pub fn phases(parts: &[(usize, &Matrix)], language: Language) -> Vec<Phase> {
    let words = words(language);
    let mut phases: Vec<Phase> = PHASES
        .iter()
        .enumerate()
        .map(|(i, (id, _))| Phase {
            id,
            number: i + 1,
            title: words.phase_titles[i],
            intro: words.phase_intros[i],
            items: Vec::new(),
        })
        .collect();
    for (part, matrix) in parts {
        let customer = matrix
            .parties
            .iter()
            .find(|p| p.role == crate::model::PartyRole::Customer);
        let Some(customer) = customer else { continue };
        for section in &matrix.sections {
            let phase = phase_of(section, matrix);
            for a in &section.activities {
                let mine = a.letters_of(&customer.id);
                if !(mine.contains(Letter::R) || mine.contains(Letter::A)) {
                    continue;
                }
                let provider_does = matrix
                    .parties
                    .iter()
                    .filter(|p| p.id != customer.id)
                    .map(|p| format!("{} {}", p.name, role_words(a.letters_of(&p.id), language)))
                    .collect::<Vec<_>>()
                    .join("; ");
                phases[phase].items.push(ChecklistItem {
                    id: a.id.clone(),
                    part: *part,
                    section: section.number.clone(),
                    section_title: section.title.clone(),
                    text: a.text.clone(),
                    letters: mine.to_string(),
                    provider_does,
                });
            }
        }
    }
    phases
}

/// What a party does, in words: "carries it out and is accountable", "is informed".
pub fn role_words(letters: Letters, language: Language) -> String {
    let (verbs, and, none): ([&str; 4], &str, &str) = match language {
        Language::En => (
            [
                "carries it out",
                "is accountable",
                "is consulted",
                "is informed",
            ],
            " and ",
            "has no role",
        ),
        Language::Fr => (
            [
                "le réalise",
                "en est responsable",
                "est consulté",
                "est informé",
            ],
            " et ",
            "n'intervient pas",
        ),
    };
    let said: Vec<&str> = letters.iter().map(|l| verbs[l as usize]).collect();
    match said.len() {
        0 => none.to_owned(),
        1 => said[0].to_owned(),
        n => format!("{}{and}{}", said[..n - 1].join(", "), said[n - 1]),
    }
}

/// Counts per top-level section and party of `matrix` (the activities shown).
pub fn section_counts(part: usize, matrix: &Matrix) -> Vec<SectionCount> {
    let mut out: Vec<SectionCount> = Vec::new();
    for section in &matrix.sections {
        let top = section.number.split('.').next().unwrap_or("").to_owned();
        if out.last().is_none_or(|c| c.number != top) {
            let title = matrix
                .sections
                .iter()
                .find(|s| s.number == top)
                .map_or_else(|| section.title.clone(), |s| s.title.clone());
            out.push(SectionCount {
                part,
                number: top,
                title,
                total: 0,
                parties: matrix
                    .parties
                    .iter()
                    .map(|p| PartyCount {
                        name: p.name.clone(),
                        r: 0,
                        a: 0,
                        c: 0,
                        i: 0,
                    })
                    .collect(),
            });
        }
        let count = out.last_mut().expect("pushed above");
        for a in &section.activities {
            count.total += 1;
            for (c, p) in count.parties.iter_mut().zip(&matrix.parties) {
                let l = a.letters_of(&p.id);
                c.r += usize::from(l.contains(Letter::R));
                c.a += usize::from(l.contains(Letter::A));
                c.c += usize::from(l.contains(Letter::C));
                c.i += usize::from(l.contains(Letter::I));
            }
        }
    }
    out.retain(|c| c.total > 0);
    out
}

/// Wording of the onboarding guide and the audit report, in the document's language.
#[derive(Debug, Clone, Serialize)]
pub struct Words {
    /// Onboarding title ("Onboarding guide").
    pub onboarding_title: &'static str,
    /// Onboarding subtitle.
    pub onboarding_subtitle: &'static str,
    /// Onboarding introduction, before the customer's name.
    pub onboarding_intro: &'static str,
    /// "Who to contact".
    pub contacts: &'static str,
    /// "Your contact".
    pub your_contact: &'static str,
    /// "At the provider".
    pub provider_contacts: &'static str,
    /// "Where your data lives".
    pub where_data_lives: &'static str,
    /// "Jurisdiction".
    pub jurisdiction: &'static str,
    /// "What you do".
    pub you_do: &'static str,
    /// "What the provider does".
    pub they_do: &'static str,
    /// "Nothing for you to do in this phase."
    pub nothing_to_do: &'static str,
    /// "to do" (count suffix).
    pub to_do: &'static str,
    /// Phase titles, in phase order.
    pub phase_titles: [&'static str; 5],
    /// One sentence per phase.
    pub phase_intros: [&'static str; 5],
    /// Letters legend line for the checklist.
    pub letters_hint: &'static str,
    /// Audit title ("Audit report").
    pub audit_title: &'static str,
    /// Audit subtitle.
    pub audit_subtitle: &'static str,
    /// "Scope".
    pub scope: &'static str,
    /// "tailored to the subscription".
    pub scope_tailored: &'static str,
    /// "full matrix".
    pub scope_full: &'static str,
    /// "Tool".
    pub tool: &'static str,
    /// "Responsibilities at a glance".
    pub chart_heading: &'static str,
    /// Chart explanation.
    pub chart_text: &'static str,
    /// "By party".
    pub by_party: &'static str,
    /// "By section".
    pub by_section: &'static str,
    /// "Findings".
    pub findings: &'static str,
    /// Policy explanation.
    pub policy_text: &'static str,
    /// "No finding."
    pub no_findings: &'static str,
    /// "Severity".
    pub severity: &'static str,
    /// "Rule".
    pub rule: &'static str,
    /// "Message".
    pub message: &'static str,
    /// "Place".
    pub place: &'static str,
    /// "Applicability decisions".
    pub decisions: &'static str,
    /// Decisions explanation.
    pub decisions_text: &'static str,
    /// "applies".
    pub applies: &'static str,
    /// "always".
    pub always: &'static str,
    /// "not applicable".
    pub not_applicable: &'static str,
    /// "Decision".
    pub decision: &'static str,
    /// "Provenance".
    pub provenance: &'static str,
    /// "File read".
    pub file_read: &'static str,
    /// "Published page".
    pub published_page: &'static str,
    /// "Imported on the fly from the published page".
    pub imported: &'static str,
    /// "Import repairs".
    pub repairs: &'static str,
    /// "No repair was needed."
    pub no_repairs: &'static str,
    /// "Line".
    pub line: &'static str,
    /// "Inputs and fingerprints".
    pub inputs: &'static str,
    /// Inputs explanation.
    pub inputs_text: &'static str,
    /// "Input".
    pub input: &'static str,
    /// "Part".
    pub part: &'static str,
    /// "Activities".
    pub activities: &'static str,
}

/// The wording for `language`.
pub fn words(language: Language) -> Words {
    match language {
        Language::En => Words {
            onboarding_title: "Onboarding guide",
            onboarding_subtitle: "What your team does, phase by phase",
            onboarding_intro: "This guide lists, phase by phase, every activity your team carries out or answers for under the shared-responsibility annex signed with the provider, and what the provider does alongside. Tick each box as you go. It is a working aid for",
            contacts: "Who to contact",
            your_contact: "Your contact",
            provider_contacts: "At the provider",
            where_data_lives: "Where your data lives",
            jurisdiction: "Jurisdiction",
            you_do: "What you do",
            they_do: "What the provider does",
            nothing_to_do: "Nothing for your team in this phase.",
            to_do: "to do",
            phase_titles: [
                "Before subscription",
                "Operations",
                "Incidents",
                "Reversibility",
                "End of service",
            ],
            phase_intros: [
                "Choose and size the service before you sign.",
                "Set up the service and run it day to day.",
                "When something goes wrong: detect, report, follow up.",
                "Keep the ability to leave: export and recover your data.",
                "Close the service cleanly and destroy what must go.",
            ],
            letters_hint: "R: your team carries it out · A: your team is accountable for it",
            audit_title: "Audit report",
            audit_subtitle: "Responsibility matrix, decisions and provenance",
            scope: "Scope",
            scope_tailored: "tailored to the subscription",
            scope_full: "full matrix",
            tool: "Tool",
            chart_heading: "Responsibilities at a glance",
            chart_text: "Each bar counts the activities where the party holds the letter (R, A, C, I); an activity may count under several letters.",
            by_party: "By party",
            by_section: "By section",
            findings: "Findings",
            policy_text: "Policy: an error stops rendering (exit code 1); a warning is printed, listed here, and does not stop rendering; notes are information.",
            no_findings: "No finding: every check passed.",
            severity: "Severity",
            rule: "Rule",
            message: "Message",
            place: "Place",
            decisions: "Applicability decisions",
            decisions_text: "Every activity of the matrix, with its letters, its applicability condition and the decision for this subscription.",
            applies: "applies",
            always: "always",
            not_applicable: "not applicable",
            decision: "Decision",
            provenance: "Provenance",
            file_read: "File read",
            published_page: "Published page",
            imported: "Imported on the fly from the published page",
            repairs: "Import repairs",
            no_repairs: "No repair was needed.",
            line: "Line",
            inputs: "Inputs and fingerprints",
            inputs_text: "SHA-256 of every input as read. The same inputs and tool version always give the same document.",
            input: "Input",
            part: "Part",
            activities: "activities",
        },
        Language::Fr => Words {
            onboarding_title: "Guide de prise en main",
            onboarding_subtitle: "Ce que fait votre équipe, étape par étape",
            onboarding_intro: "Ce guide liste, étape par étape, chaque activité que votre équipe réalise ou dont elle répond au titre de l'annexe de responsabilité partagée signée avec le fournisseur, et ce que fait le fournisseur en regard. Cochez chaque case au fur et à mesure. Aide de travail pour",
            contacts: "Qui contacter",
            your_contact: "Votre contact",
            provider_contacts: "Chez le fournisseur",
            where_data_lives: "Où sont vos données",
            jurisdiction: "Juridiction",
            you_do: "Ce que vous faites",
            they_do: "Ce que fait le fournisseur",
            nothing_to_do: "Rien à faire pour votre équipe à cette étape.",
            to_do: "à faire",
            phase_titles: [
                "Avant la souscription",
                "Exploitation",
                "Incidents",
                "Réversibilité",
                "Fin de service",
            ],
            phase_intros: [
                "Choisir et dimensionner le service avant de signer.",
                "Mettre en place le service et l'exploiter au quotidien.",
                "Quand un problème survient : détecter, signaler, suivre.",
                "Garder la possibilité de partir : exporter et récupérer vos données.",
                "Clore le service proprement et détruire ce qui doit l'être.",
            ],
            letters_hint: "R : votre équipe réalise · A : votre équipe en répond",
            audit_title: "Rapport d'audit",
            audit_subtitle: "Matrice de responsabilité, décisions et provenance",
            scope: "Périmètre",
            scope_tailored: "adapté à la souscription",
            scope_full: "matrice complète",
            tool: "Outil",
            chart_heading: "Responsabilités en un coup d'œil",
            chart_text: "Chaque barre compte les activités où la partie porte la lettre (R, A, C, I) ; une activité peut compter sous plusieurs lettres.",
            by_party: "Par partie",
            by_section: "Par section",
            findings: "Constats",
            policy_text: "Politique : une erreur arrête le rendu (code 1) ; un avertissement est affiché, listé ici, et n'arrête pas le rendu ; les notes sont informatives.",
            no_findings: "Aucun constat : tous les contrôles sont passés.",
            severity: "Gravité",
            rule: "Règle",
            message: "Message",
            place: "Emplacement",
            decisions: "Décisions d'applicabilité",
            decisions_text: "Chaque activité de la matrice, avec ses lettres, sa condition d'applicabilité et la décision pour cette souscription.",
            applies: "s'applique",
            always: "toujours",
            not_applicable: "non applicable",
            decision: "Décision",
            provenance: "Provenance",
            file_read: "Fichier lu",
            published_page: "Page publiée",
            imported: "Importée à la volée depuis la page publiée",
            repairs: "Réparations à l'import",
            no_repairs: "Aucune réparation nécessaire.",
            line: "Ligne",
            inputs: "Entrées et empreintes",
            inputs_text: "SHA-256 de chaque entrée telle que lue. Les mêmes entrées et la même version de l'outil donnent toujours le même document.",
            input: "Entrée",
            part: "Partie",
            activities: "activités",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_sections_fall_into_the_documented_phases() {
        let m: Matrix = toml::from_str(crate::load::DEFAULT_MATRIX).unwrap();
        let phase = |n: &str| phase_of(m.sections.iter().find(|s| s.number == n).unwrap(), &m);
        assert_eq!(phase("1.1"), 0);
        assert_eq!(phase("2.1"), 1);
        assert_eq!(
            phase("2.2"),
            3,
            "a reversibility model is planned for leaving"
        );
        assert_eq!(phase("3.1.1"), 1);
        assert_eq!(phase("3.2.1"), 2);
        assert_eq!(phase("3.2.2"), 1);
        assert_eq!(phase("4.2"), 3);
        assert_eq!(phase("5.1"), 4);
    }

    #[test]
    fn roles_read_as_words() {
        let l = |s: &str| s.parse::<Letters>().unwrap();
        assert_eq!(
            role_words(l("CI"), Language::En),
            "is consulted and is informed"
        );
        assert_eq!(role_words(l(""), Language::En), "has no role");
        assert_eq!(
            role_words(l("RA"), Language::Fr),
            "le réalise et en est responsable"
        );
    }
}
