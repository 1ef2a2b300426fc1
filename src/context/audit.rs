//! The audit report's data: where each matrix comes from and what the importer repaired,
//! responsibility counts per top-level section, and the SHA-256 of every input.
//!
//! Invariant: digests are of the inputs as read (the bytes a user can hash themselves),
//! and the template set's is the one the fingerprint covers.

use serde::Serialize;

use crate::diag::shown_name;
use crate::digest;
use crate::load::{LoadedMatrix, MatrixFormat};
use crate::model::{Letter, Matrix};
use crate::prepare::Prepared;
use crate::wording::{fill, Words};

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
    /// "matrix", "translation", "profile", "catalogue" or "templates", in the document's
    /// language.
    pub role: String,
    /// File name as given (or the embedded default's repository path).
    pub name: String,
    /// 64 hex digits.
    pub sha256: String,
}

/// Builds the provenance of a loaded matrix (`unversioned`: the word for no version).
pub fn provenance(loaded: &LoadedMatrix, unversioned: &str) -> Provenance {
    Provenance {
        file: shown_name(&loaded.source.name),
        source: shown_name(loaded.matrix.source.as_deref().unwrap_or_default()),
        version: loaded
            .matrix
            .version
            .clone()
            .unwrap_or_else(|| unversioned.to_owned()),
        imported: loaded.format == MatrixFormat::Page,
        repairs: loaded
            .import_notes
            .iter()
            .map(|n| Repair {
                line: n.line,
                severity: n.severity.to_string(),
                code: n.code.to_owned(),
                message: n.message.clone(),
            })
            .collect(),
    }
}

/// The SHA-256 of every input: each part's matrix, the translation, the profile, the
/// catalogue and the template set; roles in the document's language (`words`).
pub fn inputs(prepared: &Prepared, words: &Words) -> Vec<InputDigest> {
    let text_digest = |role: &str, source: &crate::load::SourceFile| InputDigest {
        role: role.to_owned(),
        name: shown_name(&source.name),
        sha256: digest::sha256_hex(source.text.as_bytes()),
    };
    let mut inputs: Vec<InputDigest> = prepared
        .parts
        .iter()
        .map(|p| text_digest(&words.input_matrix, &p.source))
        .collect();
    if let Some(t) = &prepared.translation {
        inputs.push(text_digest(&words.input_translation, &t.matrix.source));
    }
    inputs.push(text_digest(&words.input_profile, &prepared.profile_source));
    inputs.push(text_digest(
        &words.input_catalogue,
        &prepared.catalogue_source,
    ));
    inputs.push(InputDigest {
        role: words.input_templates.clone(),
        name: fill(
            &words.template_set,
            &[("n", &prepared.templates.len().to_string())],
        ),
        sha256: digest::hex(&prepared.templates.digest()),
    });
    inputs
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
