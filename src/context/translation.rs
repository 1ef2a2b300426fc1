//! A translated document's text: which language each activity, section title and legend
//! line is shown in, and the bilingual annex's second text.
//!
//! Invariants: letters, ids and structure always come from the prevailing matrix (the
//! first part); only text is taken from the other language, verbatim, and only for rows
//! the aligner paired. A row left unpaired keeps its prevailing text (the audit report and
//! `check` list it). The legend is the matrix's own when the shown text is in the
//! document's language, else the wording catalogue's.

use std::collections::HashMap;

use serde::Serialize;

use crate::align;
use crate::model::primary_language;
use crate::model::Matrix;
use crate::prepare::Prepared;
use crate::tailor::TailoredPart;
use crate::wording::{fill, Wording};

/// The texts of the first part in the document's language.
#[derive(Debug, Default)]
pub struct Texts {
    /// Activity id → its text in the document's language (paired rows whose prevailing
    /// text is in the other language).
    shown: HashMap<String, String>,
    /// Activity id → its text in the other language (bilingual annexes only).
    pub second: HashMap<String, String>,
    /// Section number → its title in the document's language.
    titles: HashMap<String, String>,
    /// Page title in the document's language.
    title: Option<String>,
    /// Party id → its name in the document's language (the column headers).
    parties: HashMap<String, String>,
}

/// What a translated document says about its translation.
#[derive(Debug, Clone, Serialize)]
pub struct TranslationInfo {
    /// The language of the prevailing matrix ("en").
    pub prevailing: String,
    /// The translation's language ("fr").
    pub other: String,
    /// Whether each activity is printed in both languages.
    pub bilingual: bool,
    /// The clause saying which language prevails, in the document's language.
    pub clause: String,
    /// The translation's source (the page it was published as), else its file; `null`
    /// when the matrix carries both texts.
    pub source: Option<String>,
    /// The alignment: rows paired, rows unpaired on each side (file:line); `null` when the
    /// matrix carries both texts (aligned when it was imported).
    pub alignment: Option<align::Report>,
}

/// The texts of a document in `language` (a code) made from `prepared`.
pub fn texts(prepared: &Prepared, language: &str, wording: &Wording) -> Texts {
    let Some(t) = &prepared.translation else {
        return embedded(prepared, language, wording);
    };
    let prevailing = &prepared.parts[0].matrix;
    let other = &t.matrix.matrix;
    let in_other = primary_language(&other.language) == language
        && primary_language(&prevailing.language) != language;
    let p_rows: Vec<_> = prevailing.activities().map(|(_, a)| a).collect();
    let o_rows: Vec<_> = other.activities().map(|(_, a)| a).collect();
    let mut texts = Texts::default();
    let bilingual = prepared.profile.contract.bilingual;
    for pair in &t.alignment.pairs {
        let (p, o) = (p_rows[pair.prevailing], o_rows[pair.translation]);
        texts.pair(&p.id, &p.text, &o.text, in_other, bilingual);
    }
    if in_other {
        texts.titles = other
            .sections
            .iter()
            .map(|s| (s.number.clone(), s.title.clone()))
            .collect();
        texts.title = Some(other.title.clone());
        texts.parties = prevailing
            .parties
            .iter()
            .filter_map(|p| Some((p.id.clone(), other.counterpart(p)?.name.clone())))
            .collect();
    }
    texts
}

/// The texts of a document in `language` from a matrix that carries both texts
/// (`translations`, written by `annex import --translation`).
fn embedded(prepared: &Prepared, language: &str, wording: &Wording) -> Texts {
    let matrix = &prepared.parts[0].matrix;
    let Some(other) = embedded_language(prepared, language) else {
        return Texts::default();
    };
    let in_other = other == language;
    let mut texts = Texts::default();
    let bilingual = prepared.profile.contract.bilingual;
    for (_, a) in matrix.activities() {
        if let Some(translated) = a.translations.get(&other) {
            texts.pair(&a.id, &a.text, translated, in_other, bilingual);
        }
    }
    if in_other {
        texts.titles = matrix
            .sections
            .iter()
            .filter_map(|s| Some((s.number.clone(), s.translations.get(&other)?.clone())))
            .collect();
        // The page's party names are in its language: the customer's column takes the
        // document's word for it (other parties are names: "OVHcloud").
        texts.parties = matrix
            .parties
            .iter()
            .filter(|p| p.role == crate::model::PartyRole::Customer)
            .map(|p| (p.id.clone(), wording.labels.customer.clone()))
            .collect();
    }
    texts
}

/// The other language of a matrix carrying both texts, for a document in `language`: that
/// language when the matrix has it, else (a document in the matrix's own language) the
/// first language it carries. `None`: no text in another language.
fn embedded_language(prepared: &Prepared, language: &str) -> Option<String> {
    let matrix = &prepared.parts[0].matrix;
    let codes: std::collections::BTreeSet<&String> = matrix
        .activities()
        .flat_map(|(_, a)| a.translations.keys())
        .collect();
    if codes.contains(&language.to_owned()) {
        return Some(language.to_owned());
    }
    (primary_language(&matrix.language) == language)
        .then(|| codes.first().map(|c| (*c).clone()))
        .flatten()
}

impl Texts {
    /// Records activity `id`'s two texts: its own (the prevailing matrix's) and the other
    /// language's; the document shows the other one when it is in that language
    /// (`in_other`), and a bilingual annex the one it does not show as the second.
    fn pair(&mut self, id: &str, own: &str, other: &str, in_other: bool, bilingual: bool) {
        let (shown, second) = if in_other { (other, own) } else { (own, other) };
        if in_other {
            self.shown.insert(id.to_owned(), shown.to_owned());
        }
        if bilingual {
            self.second.insert(id.to_owned(), second.to_owned());
        }
    }

    /// Puts the document's language's text into a tailored part (the first).
    pub fn apply(&self, part: &mut TailoredPart) {
        if let Some(title) = &self.title {
            part.shown.title = title.clone();
        }
        for p in &mut part.shown.parties {
            if let Some(name) = self.parties.get(&p.id) {
                p.name = name.clone();
            }
        }
        for s in &mut part.shown.sections {
            if let Some(title) = self.titles.get(&s.number) {
                s.title = title.clone();
            }
            for a in &mut s.activities {
                if let Some(text) = self.shown.get(&a.id) {
                    a.text = text.clone();
                }
            }
        }
        for n in &mut part.not_applicable {
            if let Some(text) = self.shown.get(&n.id) {
                n.text = text.clone();
            }
        }
        for d in &mut part.decisions {
            if let Some(text) = self.shown.get(&d.id) {
                d.text = text.clone();
            }
        }
    }

    /// The matrix whose text the first part shows: the translation's when the document
    /// is in its language, else `prevailing`.
    pub fn text_matrix<'a>(&self, prevailing: &'a Matrix, prepared: &'a Prepared) -> &'a Matrix {
        match (&self.title, &prepared.translation) {
            (Some(_), Some(t)) => &t.matrix.matrix,
            _ => prevailing,
        }
    }
}

/// What the document says about its translation, if it has one.
pub fn info(prepared: &Prepared, wording: &Wording) -> Option<TranslationInfo> {
    let own = primary_language(prepared.profile.contract.language.code());
    let prevailing = primary_language(&prepared.parts[0].matrix.language);
    let (other, source, alignment) = match &prepared.translation {
        Some(t) => (
            primary_language(&t.matrix.matrix.language),
            Some(crate::diag::shown_name(
                t.matrix
                    .matrix
                    .source
                    .as_deref()
                    .unwrap_or(&t.matrix.source.name),
            )),
            Some(t.report.shown()),
        ),
        None => (embedded_language(prepared, &own)?, None, None),
    };
    // The document's language first, then the other.
    let (a, b) = if own == other {
        (&other, &prevailing)
    } else {
        (&prevailing, &other)
    };
    let languages = format!(
        "{}{}{}",
        wording.language_name(a),
        wording.roles.and,
        wording.language_name(b)
    );
    Some(TranslationInfo {
        clause: fill(
            &wording.labels.prevailing_clause,
            &[
                ("languages", &languages),
                ("prevailing", &wording.language_name(&prevailing)),
            ],
        ),
        prevailing,
        other,
        bilingual: prepared.profile.contract.bilingual,
        source,
        alignment,
    })
}
