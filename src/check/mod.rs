//! Check: a linter that knows what a RACI matrix means.
//!
//! Stage: runs after the load stage, on one or more matrices (canonical TOML/JSON or
//! Markdown pages) and optionally a profile; a profile given without matrices brings the
//! ones it lists (composed, as `render` does), else the seed. It reports rows that break
//! the RACI rules (`raci::*`, in `rows`), structural problems of a matrix (`matrix::*`),
//! the profile's problems (`profile::*`, from [`crate::validate`]) and activities that two
//! documents assign differently (`cross::*`, in `cross`); [`crate::policy`] then decides
//! what is denied, warned about or allowed. `render` runs [`matrix_findings`] with the same
//! policy.
//!
//! Invariants: every finding has a stable rule code listed in [`crate::policy::RULES`] and,
//! whenever the source lets us find it, the exact place of the offending cell (the letter
//! cell of a Markdown row, the quoted letters of a canonical file, found by `places`) so
//! that the snippet underlines it; all findings are collected, never just the first; the
//! checks never fail — an unreadable input is itself a finding. Nothing here prints.

mod cross;
mod places;
pub mod report;
mod rows;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::catalogue::Catalogue;
use crate::diag::{self, Finding, Sources};
use crate::error::Invalid;
use crate::import::NoteSeverity;
use crate::load::{self, LoadedMatrix, SourceFile};
use crate::policy::Policy;
use crate::{align, compose, validate};

pub use cross::{conflicting_letters, conflicts};
use places::Places;
use rows::{raci_row, short};

/// One finding and the activity it is about (if any), as `check` reports it.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The finding.
    pub finding: Finding,
    /// The id of the activity the finding is about.
    pub activity: Option<String>,
}

impl Checked {
    fn new(finding: Finding, activity: Option<&str>) -> Checked {
        Checked {
            finding,
            activity: activity.map(str::to_owned),
        }
    }
}

/// Every finding about one matrix on its own: RACI rules per row, duplicate ids, letters
/// for unknown parties, empty sections, and the importer's notes for Markdown pages. The
/// severities are placeholders until a [`Policy`] is applied.
pub fn matrix_findings(loaded: &LoadedMatrix) -> Vec<Finding> {
    matrix_checks(loaded)
        .into_iter()
        .map(|c| c.finding)
        .collect()
}

fn matrix_checks(loaded: &LoadedMatrix) -> Vec<Checked> {
    let places = Places::new(loaded);
    let m = &loaded.matrix;
    let mut out = Vec::new();
    let mut first_of_id: HashMap<&str, usize> = HashMap::new();
    for (k, (section, a)) in m.activities().enumerate() {
        if let Some(&earlier) = first_of_id.get(a.id.as_str()) {
            let mut f = places.finding(
                Finding::warning(
                    "matrix::duplicate-id",
                    format!("activity id `{}` is used twice", a.id),
                ),
                places.id(k),
                "used again here",
            );
            if let Some(span) = places.id(earlier) {
                f.related.push(places.location(span, "first used here"));
            }
            out.push(Checked::new(
                f.note("ids pair activities across versions and documents: make them unique"),
                Some(&a.id),
            ));
        } else {
            first_of_id.insert(&a.id, k);
        }
        for party in a.letters.keys() {
            if m.party(party).is_none() {
                let f = places.finding(
                    Finding::warning(
                        "matrix::unknown-party",
                        format!(
                            "letters for `{party}`, which is not a party of the matrix, in “{}”",
                            short(&a.text)
                        ),
                    ),
                    places.cell(k, a, party),
                    "not a party",
                );
                let known: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
                let mut f = f.note(format!("parties: {}", known.join(", ")));
                if let Some(s) = diag::suggest(party, known) {
                    f = f.note(format!("did you mean `{s}`?"));
                }
                out.push(Checked::new(f, Some(&a.id)));
            }
        }
        out.extend(raci_row(m, a, k, &places).into_iter().map(|f| {
            Checked::new(
                f.note(format!("in section {}", section.number)),
                Some(&a.id),
            )
        }));
    }
    out.extend(text_checks(loaded, &places));
    for s in &m.sections {
        if s.has_table && s.activities.is_empty() {
            let f = places.finding(
                Finding::warning(
                    "matrix::empty-section",
                    format!(
                        "section {} “{}” has a table with no activity",
                        s.number,
                        short(&s.title)
                    ),
                ),
                places.section(&s.number),
                "this section assigns nothing",
            );
            out.push(Checked::new(
                f.note("an empty table leaves a whole area of responsibility unassigned"),
                None,
            ));
        }
    }
    for note in &loaded.import_notes {
        let code = match (note.code, note.severity) {
            // Reported from the matrix itself, with the section's title.
            ("import::empty-table", _) => continue,
            ("import::unknown-letter", _) => "raci::unknown-letter",
            (_, NoteSeverity::Warning | NoteSeverity::Error) => "matrix::import-repair",
            (_, NoteSeverity::Info) => "matrix::import-note",
        };
        let span = match note.column {
            Some((start, end)) => places.columns(note.line, start, end),
            None => places.line(note.line),
        };
        let f = places
            .at(Finding::warning(code, note.message.clone()), span)
            .note(format!("importer: {}", note.code));
        out.push(Checked::new(f, None));
    }
    out
}

/// The findings about the matrix's texts alone (`matrix::undisplayable`, `matrix::hidden-control`): what `render`
/// checks of a translation, whose letters it does not use but whose text it prints.
pub fn text_findings(loaded: &LoadedMatrix) -> Vec<Finding> {
    text_checks(loaded, &Places::new(loaded))
        .into_iter()
        .map(|c| c.finding)
        .collect()
}

/// Every text the documents may print, each with a character no bundled font can show
/// reported at its row, section or line.
fn text_checks(loaded: &LoadedMatrix, places: &Places<'_>) -> Vec<Checked> {
    let m = &loaded.matrix;
    let mut out = Vec::new();
    let matrix_texts = [("title", &m.title), ("service", &m.service)]
        .into_iter()
        .chain(m.parties.iter().map(|p| ("party name", &p.name)))
        .chain(m.legend.iter().map(|e| ("legend meaning", &e.meaning)));
    for (field, text) in matrix_texts {
        if let Some(f) = undisplayable(&format!("the matrix: {field}"), text) {
            let f = places.finding(f, places.search(text), "here");
            out.push(Checked::new(f, None));
        }
    }
    for s in &m.sections {
        let texts = std::iter::once(("title", &s.title))
            .chain(s.translations.values().map(|t| ("title translation", t)))
            .chain(s.note.iter().map(|n| ("note", n)));
        for (field, text) in texts {
            if let Some(f) = undisplayable(&format!("section {}: {field}", s.number), text) {
                let f = places.finding(f, places.section(&s.number), "this section");
                out.push(Checked::new(f, None));
            }
        }
    }
    for (k, (_, a)) in m.activities().enumerate() {
        let texts = std::iter::once(("text", &a.text))
            .chain(a.translations.values().map(|t| ("translation", t)))
            .chain(a.links.iter().map(|l| ("link text", &l.text)));
        for (field, text) in texts {
            if let Some(f) = undisplayable(&format!("activity {}: {field}", a.id), text) {
                let f = places.finding(f, places.row(k, a), "this row");
                out.push(Checked::new(f, Some(&a.id)));
            }
        }
    }
    out
}

/// A text with a hidden control, or a character that no bundled font can show (the PDF
/// export would fail on it): refused here, where its place is known ([`crate::controls`]).
fn undisplayable(what: &str, text: &str) -> Option<Finding> {
    crate::controls::finding(text, what, crate::controls::MATRIX)
}

/// Loads one input for `check` with `parse` (a matrix or a profile): unreadable or invalid
/// input becomes findings instead of stopping the run.
fn load_input<T>(
    path: &std::path::Path,
    parse: fn(SourceFile) -> anyhow::Result<T>,
) -> (Option<T>, Vec<Finding>, Option<SourceFile>) {
    let source = match load::read_text(path) {
        Ok(s) => s,
        Err(e) => return (None, vec![unreadable(path, &e)], None),
    };
    match parse(source.clone()) {
        Ok(value) => (Some(value), Vec::new(), Some(source)),
        Err(e) => (None, error_findings(path, &e), Some(source)),
    }
}

fn unreadable(path: &std::path::Path, e: &anyhow::Error) -> Finding {
    Finding::error("input::unreadable", e.to_string())
        .note(format!("while reading {}", path.display()))
}

fn error_findings(path: &std::path::Path, e: &anyhow::Error) -> Vec<Finding> {
    match e.downcast_ref::<Invalid>() {
        Some(Invalid::Findings { findings, .. }) => findings.clone(),
        _ => vec![unreadable(path, e)],
    }
}

/// What `annex check` checks.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Matrices (canonical or pages); empty: the embedded seed matrix. Several are also
    /// compared with each other.
    pub matrices: Vec<PathBuf>,
    /// A profile to check against the catalogue and the matrices.
    pub profile: Option<PathBuf>,
    /// The catalogue; `None`: the embedded one.
    pub catalogue: Option<PathBuf>,
    /// Check policy: `default`, `strict` or a policy file.
    pub policy: Option<String>,
    /// Treat warnings as errors.
    pub deny_warnings: bool,
    /// The first matrix's page in another language: checked, compared, and aligned.
    pub translation: Option<PathBuf>,
}

/// The findings of `annex check`, with the policy applied, in input and source order.
pub struct CheckReport {
    /// The policy's name.
    pub policy: String,
    /// `--translation`: how its rows pair with the first matrix's.
    pub alignment: Option<align::Report>,
    /// The inputs, as named on the command line, in order.
    pub inputs: Vec<String>,
    /// Every finding kept by the policy, with its final severity.
    pub checked: Vec<Checked>,
    /// The sources, to render the findings with snippets.
    pub sources: Sources,
    /// Each input's text by name (for end positions in the JSON report).
    pub texts: HashMap<String, String>,
}

impl CheckReport {
    /// The findings alone.
    pub fn findings(&self) -> Vec<Finding> {
        self.checked.iter().map(|c| c.finding.clone()).collect()
    }
}

/// Checks every document and the profile, and applies the policy.
pub fn run(options: &CheckOptions) -> anyhow::Result<CheckReport> {
    let policy = Policy::resolve(options.policy.as_deref())?;
    let (catalogue, catalogue_source) = load::catalogue(options.catalogue.as_deref())?;
    let mut report = Gathered::default();
    let profile = options.profile.as_ref().map(|path| {
        let (profile, findings, source) = load_input(path, load::profile_from_source);
        (path.display().to_string(), profile, findings, source)
    });
    // A profile that lists its matrices (`[subscription] matrices`, `translation`) is checked
    // against them, as `render` composes it; files given on the command line win. A listed
    // file that is missing or unreadable is a finding like any other input's.
    // `None`: one of the listed files could not be loaded (reported); nothing is checked
    // in its place.
    let listed = |pick: fn(&load::LoadedProfile) -> anyhow::Result<Vec<LoadedMatrix>>,
                  report: &mut Gathered| match &profile {
        Some((name, Some(p), _, _)) if p.findings.is_empty() => match pick(p) {
            Ok(listed) => Some(listed),
            Err(e) => {
                report.unplaced(error_findings(Path::new(name), &e));
                None
            }
        },
        _ => Some(Vec::new()),
    };
    let mut documents = Vec::new();
    if options.matrices.is_empty() {
        let from_profile = match listed(
            |p| compose::profile_matrices(&p.raw, &p.source),
            &mut report,
        ) {
            Some(none) if none.is_empty() => vec![load::matrix(None)?],
            Some(parts) => {
                report.composed = parts.len();
                parts
            }
            None => Vec::new(),
        };
        for m in from_profile {
            report.input(&m.source.name, Some(&m.source));
            documents.push(m);
        }
    }
    for path in &options.matrices {
        let (m, findings, source) = load_input(path, load::matrix_from_source);
        report.input(&path.display().to_string(), source.as_ref());
        report.unplaced(findings);
        documents.extend(m);
    }
    // The translation is one more document (checked and compared like the others), and
    // its alignment with the first matrix is reported.
    let translation = match &options.translation {
        Some(path) => {
            let (m, findings, source) = load_input(path, load::matrix_from_source);
            report.input(&path.display().to_string(), source.as_ref());
            report.unplaced(findings);
            m
        }
        None => listed(
            |p| {
                Ok(compose::profile_translation(&p.raw, &p.source)?
                    .into_iter()
                    .collect())
            },
            &mut report,
        )
        .and_then(|mut t| t.pop())
        .inspect(|t| report.input(&t.source.name, Some(&t.source))),
    };
    if let Some(mut t) = translation {
        if let Some(first) = documents.first() {
            let alignment = align::align_loaded(first, &t);
            align::supply_letters(&mut t, first, &alignment);
            report.alignment = Some(align::Report::new(&alignment, first, &t));
        }
        documents.push(t);
    }
    Ok(report.judge(
        &documents,
        profile,
        (&catalogue, &catalogue_source),
        &policy,
        options.deny_warnings,
    ))
}

/// `check` over inputs already in memory (`annex serve`, the evidence pack's `check.json`):
/// the matrices as loaded, and a profile's text (a syntax error in it is a finding, like a
/// file's); no file is read again.
pub fn run_loaded(
    documents: &[LoadedMatrix],
    profile: SourceFile,
    catalogue: (&Catalogue, &SourceFile),
    policy: &Policy,
    deny_warnings: bool,
) -> CheckReport {
    let mut report = Gathered::default();
    for m in documents {
        report.input(&m.source.name, Some(&m.source));
    }
    let (loaded, findings) = match load::profile_from_source(profile.clone()) {
        Ok(p) => (Some(p), Vec::new()),
        Err(e) => (None, error_findings(Path::new(&profile.name), &e)),
    };
    let name = profile.name.clone();
    report.judge(
        documents,
        Some((name, loaded, findings, Some(profile))),
        catalogue,
        policy,
        deny_warnings,
    )
}

/// What a check run has gathered before the policy is applied.
#[derive(Default)]
struct Gathered {
    alignment: Option<align::Report>,
    /// How many of the first documents are the profile's own `matrices`, composed into one
    /// annex: the profile is then validated against them together, as `render` does.
    composed: usize,
    inputs: Vec<String>,
    sources: Sources,
    texts: HashMap<String, String>,
    checked: Vec<Checked>,
}

/// A profile as `check` meets it: its name, the parsed profile, the findings of loading
/// it, its source.
type ProfileInput = (
    String,
    Option<load::LoadedProfile>,
    Vec<Finding>,
    Option<SourceFile>,
);

impl Gathered {
    fn input(&mut self, name: &str, source: Option<&SourceFile>) {
        self.inputs.push(name.to_owned());
        if let Some(s) = source {
            self.source(s);
        }
    }

    /// A file findings may point into (for snippets and end positions).
    fn source(&mut self, s: &SourceFile) {
        self.sources.add(&s.name, &s.text);
        self.texts
            .entry(s.name.clone())
            .or_insert_with(|| s.text.clone());
    }

    fn unplaced(&mut self, findings: Vec<Finding>) {
        self.checked
            .extend(findings.into_iter().map(|f| Checked::new(f, None)));
    }

    /// Runs every check on the loaded inputs, applies the policy and sorts the findings.
    fn judge(
        mut self,
        documents: &[LoadedMatrix],
        profile: Option<ProfileInput>,
        (catalogue, catalogue_source): (&Catalogue, &SourceFile),
        policy: &Policy,
        deny_warnings: bool,
    ) -> CheckReport {
        for m in documents {
            self.checked.extend(matrix_checks(m));
            self.unplaced(validate::conditions(m, catalogue));
        }
        for (j, later) in documents.iter().enumerate() {
            for earlier in &documents[..j] {
                if earlier.source.name != later.source.name {
                    self.checked.extend(cross::cross_checks(earlier, later));
                }
            }
        }
        if let Some((name, profile, findings, source)) = profile {
            self.input(&name, source.as_ref());
            self.unplaced(findings);
            if let Some(profile) = profile {
                self.unplaced(profile_findings(
                    &profile,
                    documents,
                    self.composed,
                    catalogue,
                ));
                // The catalogue's wording in the profile's language, for what these
                // matrices would show.
                let matrices: Vec<&crate::model::Matrix> =
                    documents.iter().map(|d| &d.matrix).collect();
                if let Some(valid) = documents
                    .first()
                    .and_then(|d| validate::profile(&profile, &d.matrix, catalogue).0)
                {
                    let missing =
                        validate::translations(&valid, &matrices, catalogue, catalogue_source);
                    if !missing.is_empty() {
                        self.source(catalogue_source);
                    }
                    self.unplaced(missing);
                }
            }
        }
        let mut checked: Vec<Checked> = self
            .checked
            .into_iter()
            .filter_map(|mut c| {
                c.finding.severity = policy.severity(&c.finding, deny_warnings)?;
                Some(c)
            })
            .collect();
        let order: HashMap<&str, usize> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        checked.sort_by_key(|c| match &c.finding.location {
            Some(l) => (
                order.get(l.file.as_str()).copied().unwrap_or(usize::MAX),
                l.span.start,
            ),
            None => (usize::MAX, 0),
        });
        CheckReport {
            policy: policy.name.clone(),
            alignment: self.alignment,
            inputs: self.inputs,
            checked,
            sources: self.sources,
            texts: self.texts,
        }
    }
}

/// The profile's findings against each document, or, for the first `composed` documents
/// (its own `matrices`), against their composition; repeats dropped.
fn profile_findings(
    profile: &load::LoadedProfile,
    documents: &[LoadedMatrix],
    composed: usize,
    catalogue: &Catalogue,
) -> Vec<Finding> {
    let mut seen = Vec::new();
    // Keyed by the whole finding, so that dropping repeats stays linear in the findings.
    let mut keys = std::collections::HashSet::new();
    let view = (composed > 0).then(|| compose::validation_view(&documents[..composed]));
    let matrices = view
        .iter()
        .chain(documents[composed..].iter().map(|m| &m.matrix));
    for m in matrices {
        for f in validate::profile(profile, m, catalogue).1 {
            if keys.insert(format!("{f:?}")) {
                seen.push(f);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(letters: &str) -> LoadedMatrix {
        let text = format!(
            r#"provider = "P"
service = "s"
title = "T"
[[parties]]
id = "customer"
name = "Customer"
role = "customer"
[[parties]]
id = "prov"
name = "Provider"
role = "provider"
[[sections]]
number = "1"
title = "One"
has-table = true
[[sections.activities]]
id = "1/patch"
text = "Patch the OS"
letters = {{ {letters} }}
"#
        );
        load::matrix_from_source(SourceFile {
            name: "m.toml".into(),
            text,
        })
        .unwrap()
    }

    fn codes(m: &LoadedMatrix) -> Vec<String> {
        matrix_findings(m).into_iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_clean_row_has_no_finding() {
        assert!(codes(&canonical(r#"customer = "RA", prov = "CI""#)).is_empty());
    }

    #[test]
    fn each_raci_rule_fires_on_its_row() {
        assert_eq!(
            codes(&canonical(r#"customer = "A", prov = "I""#)),
            ["raci::no-responsible"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "R", prov = "I""#)),
            ["raci::no-accountable"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "RA", prov = "AI""#)),
            ["raci::multiple-accountable"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "A", prov = "R""#)),
            ["raci::split-r-a"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "", prov = """#)),
            ["raci::unassigned"]
        );
        assert_eq!(
            codes(&canonical(r#"customer = "RA", provider = "I""#)),
            ["matrix::unknown-party"]
        );
    }

    #[test]
    fn canonical_cells_are_underlined_exactly() {
        let m = canonical(r#"customer = "A", prov = "R""#);
        let f = &matrix_findings(&m)[0];
        let loc = f.location.as_ref().unwrap();
        assert_eq!(&m.source.text[loc.span.clone()], "\"R\"");
        assert_eq!(loc.line, 19);
        assert_eq!(&m.source.text[f.related[0].span.clone()], "\"A\"");
    }

    #[test]
    fn markdown_cells_are_underlined_exactly() {
        let page = "## 1. One\n\n| Activity | Customer | OVHcloud |\n| --- | --- | --- |\n| Notify incidents | A | I |\n";
        let m = load::matrix_from_source(SourceFile {
            name: "p.md".into(),
            text: page.into(),
        })
        .unwrap();
        let f = &matrix_findings(&m)[0];
        assert_eq!(f.code, "raci::no-responsible");
        let loc = f.location.as_ref().unwrap();
        assert_eq!((loc.line, loc.column), (5, 22));
        assert_eq!(&page[loc.span.clone()], "A | I");
    }

    #[test]
    fn short_cuts_at_a_word() {
        assert_eq!(short("a  b"), "a b");
        let long = "word ".repeat(30);
        let s = short(&long);
        assert!(s.ends_with("word…") && s.chars().count() <= 71, "{s}");
    }

    /// One character of each refused kind (`controls::hidden`).
    const HIDDEN: &[char] = &[
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{200E}',
        '\u{200F}',
        '\u{061C}',
        '\u{206E}',
        '\u{FFF9}',
        '\u{E0041}',
        '\u{E0100}',
        '\u{2062}',
        '\u{3164}',
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 96, ..Default::default() })]

        /// A hidden control at any place of any kind of matrix text is refused, naming the
        /// field and, for an activity's texts, the activity's row.
        #[test]
        fn a_hidden_control_in_any_matrix_text_is_refused_at_its_place(
            kind in 0usize..9,
            control in 0..HIDDEN.len(),
            at in 0usize..64,
            row in 0usize..1000,
        ) {
            let mut loaded = load::matrix(None).unwrap();
            let c = HIDDEN[control];
            let insert = |text: &mut String| {
                let k = at.min(text.chars().count());
                let byte = text.char_indices().nth(k).map_or(text.len(), |(b, _)| b);
                text.insert(byte, c);
            };
            let m = &mut loaded.matrix;
            let n = m.activities().count();
            let (section, activity) = {
                let mut k = row % n;
                let mut found = (0, 0);
                for (i, s) in m.sections.iter().enumerate() {
                    if k < s.activities.len() {
                        found = (i, k);
                        break;
                    }
                    k -= s.activities.len();
                }
                found
            };
            let s = &mut m.sections[section];
            let number = s.number.clone();
            let (field, id) = match kind {
                0 => { insert(&mut m.title); ("the matrix: title".to_owned(), None) }
                1 => { insert(&mut m.service); ("the matrix: service".to_owned(), None) }
                2 => { insert(&mut m.parties[0].name); ("the matrix: party name".to_owned(), None) }
                3 => {
                    m.legend.push(crate::model::LegendEntry { letter: crate::model::Letter::R, meaning: "Does".into() });
                    let last = m.legend.len() - 1;
                    insert(&mut m.legend[last].meaning);
                    ("the matrix: legend meaning".to_owned(), None)
                }
                4 => { insert(&mut s.title); (format!("section {number}: title"), None) }
                5 => {
                    let mut note = "A note".to_owned();
                    insert(&mut note);
                    s.note = Some(note);
                    (format!("section {number}: note"), None)
                }
                _ => {
                    let a = &mut s.activities[activity];
                    let field = match kind {
                        6 => { insert(&mut a.text); "text" }
                        7 => {
                            let mut t = "Texte".to_owned();
                            insert(&mut t);
                            a.translations.insert("fr".into(), t);
                            "translation"
                        }
                        _ => {
                            let mut t = "the guide".to_owned();
                            insert(&mut t);
                            a.links.push(crate::model::Link { text: t, url: "https://x".into() });
                            "link text"
                        }
                    };
                    (format!("activity {}: {field}", a.id), Some(a.id.clone()))
                }
            };
            let checked = text_checks(&loaded, &Places::new(&loaded));
            let hits: Vec<&Checked> = checked
                .iter()
                .filter(|c| c.finding.code == "matrix::hidden-control")
                .collect();
            proptest::prop_assert_eq!(hits.len(), 1, "{:?}", checked.iter().map(|c| &c.finding.message).collect::<Vec<_>>());
            let hit = hits[0];
            proptest::prop_assert!(hit.finding.message.starts_with(&format!("{field} has U+")), "{}", hit.finding.message);
            proptest::prop_assert!(hit.finding.message.contains(&crate::controls::hidden(c).unwrap()));
            proptest::prop_assert_eq!(&hit.activity, &id);
            if let Some(id) = &id {
                // Within the activity's block: from its id's line to the next activity's.
                let from = loaded.activity_lines[id];
                let to = loaded.activity_lines.values().copied().filter(|&l| l > from).min().unwrap_or(usize::MAX);
                let line = hit.finding.location.as_ref().map_or(0, |l| l.line);
                proptest::prop_assert!((from..to).contains(&line), "line {} not in {}..{}", line, from, to);
            }
        }
    }
}
