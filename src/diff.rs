//! Diff stage: what changed between two versions of a matrix (`annex diff`, `check --since`,
//! `render --since`).
//!
//! Takes two loaded matrices (owned) and returns a [`ChangeList`]: every change, classified
//! ([`Class`]), with both sides' places (file:line) where the side has the thing. Activities
//! are paired by [`ids::pair`], the one pairing rule (shared with `import --previous`);
//! sections by number, then by title; parties by [`Matrix::counterpart`].
//!
//! Invariants: nothing is dropped: every activity of either side is either paired or
//! reported as added/removed, and a paired activity whose text, letters or section differ
//! yields a change; identical inputs give an empty list; the order is fixed (reassignments
//! first, then additions, removals, moves, rewordings, sections, metadata), so the same
//! inputs give the same report. Linear in the input except the bounded similarity step of
//! [`ids::pair`] and the word view, which is skipped past [`MAX_WORD_DIFF_CELLS`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::ids;
use crate::load::LoadedMatrix;
use crate::model::{Activity, Matrix, Section};

/// Version of the JSON schema of `annex diff --format json`.
pub const JSON_SCHEMA: u32 = 1;

/// The word view of a rewording is computed when old words × new words is at most this;
/// past it the whole old text is shown replaced by the new one.
pub const MAX_WORD_DIFF_CELLS: usize = 250_000;

/// The kind of a change. Its `code` is the policy rule code (`change::<name>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// A party's letters changed on a paired activity (the text may have changed too).
    Reassigned,
    /// An activity only the new side has.
    Added,
    /// An activity only the old side has.
    Removed,
    /// A paired activity is in another section (letters equal).
    Moved,
    /// A paired activity's text changed, letters equal.
    Reworded,
    /// A paired activity's or section's applicability condition (`applies`, variants)
    /// changed.
    Applicability,
    /// A section only the new side has.
    SectionAdded,
    /// A section only the old side has.
    SectionRemoved,
    /// A paired section's title (or number) changed.
    SectionRenamed,
    /// A paired section's prose (the note between its heading and its table) changed.
    SectionNote,
    /// Title, provider, product (service), version/date, language, parties or legend.
    Metadata,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 11] = [
        Class::Reassigned,
        Class::Added,
        Class::Removed,
        Class::Moved,
        Class::Reworded,
        Class::Applicability,
        Class::SectionAdded,
        Class::SectionRemoved,
        Class::SectionRenamed,
        Class::SectionNote,
        Class::Metadata,
    ];

    /// The class's name, as in JSON and policy codes.
    pub fn name(self) -> &'static str {
        match self {
            Class::Reassigned => "reassigned",
            Class::Added => "added",
            Class::Removed => "removed",
            Class::Moved => "moved",
            Class::Reworded => "reworded",
            Class::SectionAdded => "section-added",
            Class::SectionRemoved => "section-removed",
            Class::Applicability => "applicability",
            Class::SectionRenamed => "section-renamed",
            Class::SectionNote => "section-note",
            Class::Metadata => "metadata",
        }
    }

    /// The policy rule code of this class, `change::<name>`.
    pub fn code(self) -> String {
        format!("change::{}", self.name())
    }
}

/// Where one side has the changed thing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The file as the user named it.
    pub file: String,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Section number on this side.
    pub section: String,
    /// The activity's (or section's) id or number on this side.
    pub id: String,
    /// The text on this side, verbatim (activity text, section title or metadata value).
    pub text: String,
}

impl Place {
    /// `file:line` (or the file alone).
    pub fn at(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.clone(),
        }
    }
}

/// One party's letters before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reassignment {
    /// The party's name (new side's, or old side's when only it has the party).
    pub party: String,
    /// Letters before, R-A-C-I order; empty for none.
    pub old: String,
    /// Letters after.
    pub new: String,
}

/// One run of words in the word view of a rewording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordRun {
    /// `same`, `removed` or `added`.
    pub op: &'static str,
    /// The words, joined by single spaces.
    pub text: String,
}

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// What changed, for metadata (`title`, `version`, `party`, `legend R`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The old side's place (absent for additions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Place>,
    /// The new side's place (absent for removals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Place>,
    /// Reassigned: every party whose letters changed. Added/removed: the letters of the
    /// side that has the activity (old empty for added, new empty for removed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub letters: Vec<Reassignment>,
    /// Text changed (rewordings, and reassignments or moves whose text changed too).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub text_changed: bool,
    /// The word view of a text change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<WordRun>,
}

impl Change {
    /// The side that best names the change: the new one, or the old one for removals.
    pub fn place(&self) -> &Place {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .expect("a change has at least one side")
    }
}

/// What changed from one matrix to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeList {
    /// The old side's file name.
    pub old_file: String,
    /// The new side's file name.
    pub new_file: String,
    /// The old side's version (update date), if known.
    pub old_version: Option<String>,
    /// The new side's version, if known.
    pub new_version: Option<String>,
    /// Every change, in report order.
    pub changes: Vec<Change>,
}

impl ChangeList {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many changes of `class`.
    pub fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }
}

/// One line saying what a change is, e.g. `3.1/… "Text": Customer  → RA`.
pub fn summary(c: &Change) -> String {
    let p = c.place();
    let letters = |c: &Change| {
        c.letters
            .iter()
            .map(|r| format!("{} {} → {}", r.party, shown(&r.old), shown(&r.new)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The letters of the one side an added or removed activity has.
    let side = |c: &Change, new: bool| {
        c.letters
            .iter()
            .map(|r| format!("{} {}", r.party, shown(if new { &r.new } else { &r.old })))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match c.class {
        Class::Reassigned => format!(
            "reassigned in {}: \"{}\": {}",
            p.section,
            p.text,
            letters(c)
        ),
        Class::Added => format!("added in {}: \"{}\" ({})", p.section, p.text, side(c, true)),
        Class::Removed => format!(
            "removed from {}: \"{}\" ({})",
            p.section,
            p.text,
            side(c, false)
        ),
        Class::Moved => format!(
            "moved from {} to {}: \"{}\"",
            c.old.as_ref().map_or("", |o| o.section.as_str()),
            p.section,
            p.text
        ),
        Class::Reworded => format!("reworded in {}: {}", p.section, word_view(&c.words)),
        Class::SectionAdded => format!("section added: {} {}", p.section, p.text),
        Class::SectionRemoved => format!("section removed: {} {}", p.section, p.text),
        Class::SectionRenamed => format!(
            "section renamed: {} \"{}\" → {} \"{}\"",
            c.old.as_ref().map_or("", |o| o.section.as_str()),
            c.old.as_ref().map_or("", |o| o.text.as_str()),
            p.section,
            p.text
        ),
        Class::Applicability => format!(
            "applicability changed in {}: \"{}\": {}",
            p.section,
            p.text,
            c.field.as_deref().unwrap_or("")
        ),
        Class::SectionNote => format!(
            "note of section {} changed: {}",
            p.section,
            word_view(&c.words)
        ),
        Class::Metadata => format!(
            "{} changed: \"{}\" → \"{}\"",
            c.field.as_deref().unwrap_or("metadata"),
            c.old.as_ref().map_or("", |o| o.text.as_str()),
            c.new.as_ref().map_or("", |o| o.text.as_str())
        ),
    }
}

/// Letters as shown to people: `—` for none.
pub fn shown(letters: &str) -> &str {
    if letters.is_empty() {
        "—"
    } else {
        letters
    }
}

/// The word view in wdiff notation: `[-removed-]{+added+}`.
pub fn word_view(words: &[WordRun]) -> String {
    words
        .iter()
        .map(|w| match w.op {
            "removed" => format!("[-{}-]", w.text),
            "added" => format!("{{+{}+}}", w.text),
            _ => w.text.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Compares two versions of a matrix.
pub fn diff(old: LoadedMatrix, new: LoadedMatrix) -> ChangeList {
    let mut changes = Vec::new();
    activities(&old, &new, &mut changes);
    sections(&old, &new, &mut changes);
    metadata(&old, &new, &mut changes);
    // Stable sort: within a class, source order of the new side (then the old side).
    changes.sort_by_key(|c| c.class);
    ChangeList {
        old_file: old.source.name,
        new_file: new.source.name,
        old_version: old.matrix.version,
        new_version: new.matrix.version,
        changes,
    }
}

fn activity_place(m: &LoadedMatrix, s: &Section, a: &Activity) -> Place {
    Place {
        file: m.source.name.clone(),
        line: m.activity_lines.get(&a.id).copied(),
        section: s.number.clone(),
        id: a.id.clone(),
        text: a.text.clone(),
    }
}

fn section_place(m: &LoadedMatrix, s: &Section) -> Place {
    Place {
        file: m.source.name.clone(),
        line: m.section_lines.get(&s.number).copied(),
        section: s.number.clone(),
        id: s.number.clone(),
        text: s.title.clone(),
    }
}

/// Party ids of `new` → the counterpart's id in `old`, and the old parties nobody continues.
fn party_pairs(old: &Matrix, new: &Matrix) -> Vec<(Option<String>, Option<String>, String)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for p in &new.parties {
        let o = old.counterpart(p).map(|o| o.id.clone());
        if let Some(o) = &o {
            seen.insert(o.clone());
        }
        out.push((o, Some(p.id.clone()), p.name.clone()));
    }
    for p in &old.parties {
        if !seen.contains(&p.id) {
            out.push((Some(p.id.clone()), None, p.name.clone()));
        }
    }
    out
}

fn letters_of(a: &Activity, party: Option<&String>) -> String {
    party
        .map(|p| a.letters_of(p).to_string())
        .unwrap_or_default()
}

fn activities(old: &LoadedMatrix, new: &LoadedMatrix, changes: &mut Vec<Change>) {
    let pairs = ids::pair(&old.matrix, &new.matrix, true);
    let olds: Vec<(&Section, &Activity)> = old.matrix.activities().collect();
    let parties = party_pairs(&old.matrix, &new.matrix);
    let mut paired = vec![false; olds.len()];
    for ((s, a), pick) in new.matrix.activities().zip(&pairs) {
        let here = activity_place(new, s, a);
        let Some(i) = *pick else {
            let letters = parties
                .iter()
                .filter(|(_, n, _)| n.is_some())
                .map(|(_, n, name)| Reassignment {
                    party: name.clone(),
                    old: String::new(),
                    new: letters_of(a, n.as_ref()),
                })
                .collect();
            changes.push(change(Class::Added, None, Some(here), letters));
            continue;
        };
        paired[i] = true;
        let (os, oa) = olds[i];
        let there = activity_place(old, os, oa);
        let reassigned: Vec<Reassignment> = parties
            .iter()
            .map(|(o, n, name)| Reassignment {
                party: name.clone(),
                old: letters_of(oa, o.as_ref()),
                new: letters_of(a, n.as_ref()),
            })
            .filter(|r| r.old != r.new)
            .collect();
        let text_changed = oa.text != a.text;
        let words = if text_changed {
            words(&oa.text, &a.text)
        } else {
            Vec::new()
        };
        let moved = os.number != s.number;
        // When the activity applies decides whether it binds a subscription: a changed
        // condition is a change even with the same text and letters.
        let condition = |a: &Activity| {
            let mut c = a.applies.clone().unwrap_or_default();
            c.variants.extend(a.variants.iter().cloned());
            serde_json::to_string(&c).expect("a condition serialises")
        };
        let (old_condition, new_condition) = (condition(oa), condition(a));
        if old_condition != new_condition {
            let mut c = change(
                Class::Applicability,
                Some(there.clone()),
                Some(here.clone()),
                vec![],
            );
            c.field = Some(format!("{old_condition} → {new_condition}"));
            changes.push(c);
        }
        let class = if !reassigned.is_empty() {
            Class::Reassigned
        } else if moved {
            Class::Moved
        } else if text_changed {
            Class::Reworded
        } else {
            continue;
        };
        let mut c = change(class, Some(there), Some(here), reassigned);
        c.text_changed = text_changed;
        c.words = words;
        changes.push(c);
        // A reassigned activity that also moved is reported under both classes, so that a
        // policy on moves sees it.
        if class == Class::Reassigned && moved {
            let mut m = c_clone_as(changes.last().expect("just pushed"), Class::Moved);
            m.letters.clear();
            changes.push(m);
        }
    }
    for (i, (s, a)) in olds.iter().enumerate() {
        if paired[i] {
            continue;
        }
        let letters = parties
            .iter()
            .filter(|(o, _, _)| o.is_some())
            .map(|(o, _, name)| Reassignment {
                party: name.clone(),
                old: letters_of(a, o.as_ref()),
                new: String::new(),
            })
            .collect();
        changes.push(change(
            Class::Removed,
            Some(activity_place(old, s, a)),
            None,
            letters,
        ));
    }
}

fn c_clone_as(c: &Change, class: Class) -> Change {
    Change { class, ..c.clone() }
}

fn change(
    class: Class,
    old: Option<Place>,
    new: Option<Place>,
    letters: Vec<Reassignment>,
) -> Change {
    Change {
        class,
        field: None,
        old,
        new,
        letters,
        text_changed: false,
        words: Vec::new(),
    }
}

/// Sections paired by number, then the rest by title (folded): a renumbered section.
fn sections(old: &LoadedMatrix, new: &LoadedMatrix, changes: &mut Vec<Change>) {
    let fold = |t: &str| {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let numbered = |m: &Matrix| -> HashMap<String, usize> {
        let mut map = HashMap::new();
        for (i, s) in m.sections.iter().enumerate() {
            map.entry(s.number.clone()).or_insert(i);
        }
        map
    };
    let old_by_number = numbered(&old.matrix);
    let mut used = vec![false; old.matrix.sections.len()];
    let mut pick: Vec<Option<usize>> = new
        .matrix
        .sections
        .iter()
        .map(|s| {
            let i = *old_by_number.get(&s.number)?;
            (!used[i]).then(|| {
                used[i] = true;
                i
            })
        })
        .collect();
    let mut old_by_title: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in old.matrix.sections.iter().enumerate().rev() {
        if !used[i] {
            old_by_title.entry(fold(&s.title)).or_default().push(i);
        }
    }
    for (j, s) in new.matrix.sections.iter().enumerate() {
        if pick[j].is_none() {
            if let Some(i) = old_by_title.get_mut(&fold(&s.title)).and_then(Vec::pop) {
                used[i] = true;
                pick[j] = Some(i);
            }
        }
    }
    for (s, p) in new.matrix.sections.iter().zip(&pick) {
        let here = section_place(new, s);
        match p {
            None => changes.push(change(Class::SectionAdded, None, Some(here), vec![])),
            Some(i) => {
                let o = &old.matrix.sections[*i];
                if o.title != s.title || o.number != s.number {
                    changes.push(change(
                        Class::SectionRenamed,
                        Some(section_place(old, o)),
                        Some(here.clone()),
                        vec![],
                    ));
                }
                if o.applies != s.applies {
                    let show = |s: &Section| {
                        serde_json::to_string(&s.applies.clone().unwrap_or_default())
                            .expect("a condition serialises")
                    };
                    let mut c = change(
                        Class::Applicability,
                        Some(section_place(old, o)),
                        Some(here.clone()),
                        vec![],
                    );
                    c.field = Some(format!("{} → {}", show(o), show(s)));
                    changes.push(c);
                }
                // The note is shown in the annex: contract text, so a change is reported.
                if o.note != s.note {
                    let note = |m: &LoadedMatrix, sec: &Section| Place {
                        text: sec.note.clone().unwrap_or_default(),
                        ..section_place(m, sec)
                    };
                    let (a, b) = (note(old, o), note(new, s));
                    let mut c = change(Class::SectionNote, None, None, vec![]);
                    c.text_changed = true;
                    c.words = words(&a.text, &b.text);
                    c.old = Some(a);
                    c.new = Some(b);
                    changes.push(c);
                }
            }
        }
    }
    for (i, s) in old.matrix.sections.iter().enumerate() {
        if !used[i] {
            changes.push(change(
                Class::SectionRemoved,
                Some(section_place(old, s)),
                None,
                vec![],
            ));
        }
    }
}

fn metadata(old: &LoadedMatrix, new: &LoadedMatrix, changes: &mut Vec<Change>) {
    let (o, n) = (&old.matrix, &new.matrix);
    let mut field = |name: String, a: &str, b: &str| {
        if a != b {
            let place = |m: &LoadedMatrix, text: &str| Place {
                file: m.source.name.clone(),
                line: None,
                section: String::new(),
                id: name.clone(),
                text: text.to_owned(),
            };
            let mut c = change(
                Class::Metadata,
                Some(place(old, a)),
                Some(place(new, b)),
                vec![],
            );
            c.field = Some(name.clone());
            changes.push(c);
        }
    };
    field("provider".into(), &o.provider, &n.provider);
    field("service".into(), &o.service, &n.service);
    field("title".into(), &o.title, &n.title);
    field(
        "version".into(),
        o.version.as_deref().unwrap_or(""),
        n.version.as_deref().unwrap_or(""),
    );
    field("language".into(), &o.language, &n.language);
    for (op, np, name) in party_pairs(o, n) {
        let describe = |m: &Matrix, id: Option<&String>| {
            id.and_then(|id| m.party(id))
                .map(|p| format!("{} ({:?})", p.name, p.role).to_lowercase())
                .unwrap_or_default()
        };
        field(
            format!("party {name}"),
            &describe(o, op.as_ref()),
            &describe(n, np.as_ref()),
        );
    }
    for letter in crate::model::Letter::ALL {
        let meaning = |m: &Matrix| {
            m.legend
                .iter()
                .filter(|e| e.letter == letter)
                .map(|e| e.meaning.as_str())
                .collect::<Vec<_>>()
                .join(" / ")
        };
        field(
            format!("legend {}", letter.as_char()),
            &meaning(o),
            &meaning(n),
        );
    }
}

/// The word view of a text change: a longest common subsequence of words, bounded by
/// [`MAX_WORD_DIFF_CELLS`].
pub fn words(old: &str, new: &str) -> Vec<WordRun> {
    let a: Vec<&str> = old.split_whitespace().collect();
    let b: Vec<&str> = new.split_whitespace().collect();
    let mut ops: Vec<(&'static str, &str)> = Vec::new();
    if a.len().saturating_mul(b.len()) > MAX_WORD_DIFF_CELLS {
        ops.extend(a.iter().map(|w| ("removed", *w)));
        ops.extend(b.iter().map(|w| ("added", *w)));
    } else {
        // lcs[i][j]: length of the LCS of a[i..] and b[j..].
        let w = b.len() + 1;
        let mut lcs = vec![0usize; (a.len() + 1) * w];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i * w + j] = if a[i] == b[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                ops.push(("same", a[i]));
                i += 1;
                j += 1;
            } else if j < b.len() && (i == a.len() || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
                ops.push(("added", b[j]));
                j += 1;
            } else {
                ops.push(("removed", a[i]));
                i += 1;
            }
        }
        // Show removals before additions within one edited stretch.
        let mut k = 0;
        while k < ops.len() {
            if ops[k].0 == "same" {
                k += 1;
                continue;
            }
            let end = ops[k..]
                .iter()
                .position(|o| o.0 == "same")
                .map_or(ops.len(), |p| k + p);
            ops[k..end].sort_by_key(|o| o.0 != "removed");
            k = end;
        }
    }
    let mut runs: Vec<WordRun> = Vec::new();
    for (op, word) in ops {
        match runs.last_mut() {
            Some(last) if last.op == op => {
                last.text.push(' ');
                last.text.push_str(word);
            }
            _ => runs.push(WordRun {
                op,
                text: word.to_owned(),
            }),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(name: &str, text: &str) -> LoadedMatrix {
        crate::load::matrix_from_source(crate::load::SourceFile {
            name: name.into(),
            text: text.into(),
        })
        .unwrap()
    }

    #[test]
    fn word_view_marks_removed_then_added() {
        let w = words(
            "Decide which Kubenetes version to use",
            "Decide which Kubernetes version to use",
        );
        assert_eq!(
            word_view(&w),
            "Decide which [-Kubenetes-] {+Kubernetes+} version to use"
        );
        let huge = "w ".repeat(600);
        let w = words(&huge, "other");
        assert_eq!(w.len(), 2, "past the bound the whole text is replaced");
    }

    #[test]
    fn identical_inputs_have_no_change() {
        let m = crate::load::matrix(None).unwrap();
        let list = diff(m.clone(), m);
        assert!(list.is_empty(), "{:?}", list.changes);
    }

    #[test]
    fn a_section_note_change_is_reported() {
        let old = crate::load::matrix(None).unwrap();
        let mut new = old.clone();
        new.matrix.sections[0].note = Some("A new paragraph of contract text.".into());
        let list = diff(old, new);
        assert_eq!(list.changes.len(), 1, "{:?}", list.changes);
        assert_eq!(list.changes[0].class, Class::SectionNote);
        assert!(summary(&list.changes[0]).contains("{+A new paragraph of contract text.+}"));
    }

    /// The first activity of the first section that has one.
    fn first_activity(m: &mut crate::model::Matrix) -> &mut crate::model::Activity {
        &mut m
            .sections
            .iter_mut()
            .find(|s| !s.activities.is_empty())
            .unwrap()
            .activities[0]
    }

    #[test]
    fn a_condition_change_is_reported_even_with_the_same_text_and_letters() {
        let old = crate::load::matrix(None).unwrap();
        let mut new = old.clone();
        let a = first_activity(&mut new.matrix);
        a.applies = Some(crate::model::Condition {
            options: vec!["veeam-managed-backup".into()],
            ..Default::default()
        });
        let list = diff(old, new);
        assert_eq!(list.changes.len(), 1, "{:?}", list.changes);
        assert_eq!(list.changes[0].class, Class::Applicability);
        assert_eq!(
            list.changes[0].field.as_deref(),
            Some(r#"{} → {"options":["veeam-managed-backup"]}"#)
        );
    }

    #[test]
    fn a_letter_change_is_a_reassignment_per_party() {
        let m = crate::load::matrix(None).unwrap();
        let text = m.source.text.clone();
        let old = loaded("old.toml", &text);
        let mut new = old.clone();
        let customer = new.matrix.parties[0].id.clone();
        let a = first_activity(&mut new.matrix);
        a.letters.insert(customer, "C".parse().unwrap());
        let list = diff(old, new);
        assert_eq!(list.changes.len(), 1);
        assert_eq!(list.changes[0].class, Class::Reassigned);
        assert_eq!(list.changes[0].letters[0].new, "C");
    }
}
