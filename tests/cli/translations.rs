//! Documents in the customer's language (#14): a page and its translation aligned and
//! reported, the three documents with no English wording left, a bilingual annex that
//! `verify --rebuild` re-renders, German shipped as data, and a catalogue without a
//! translation reported rather than silently shown in English.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{annex, fixture, norm_pdf, repo, show};

const KINDS: [&str; 3] = ["annex", "onboarding", "audit"];

/// The EN/FR corpus pairs: (English page, French page).
fn pairs() -> Vec<(PathBuf, PathBuf)> {
    [
        "managed-kubernetes",
        "nutanix-on-ovhcloud",
        "public-cloud-instances",
    ]
    .iter()
    .map(|s| {
        (
            fixture("corpus/ovh").join(format!("{s}.en-gb.md")),
            fixture("corpus/ovh-fr").join(format!("{s}.fr-fr.md")),
        )
    })
    .collect()
}

/// Rows per numbered section, read straight from the Markdown (not through the
/// importer): the data rows of each table whose header names an activity column, under
/// the last numbered heading.
fn raw_rows(page: &Path) -> Vec<(String, usize)> {
    let text = std::fs::read_to_string(page).unwrap();
    let mut out: Vec<(String, usize)> = Vec::new();
    let (mut in_table, mut counting) = (false, false);
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('#') {
            let words: Vec<&str> = t.trim_start_matches('#').split_whitespace().collect();
            let number = words
                .first()
                .map(|w| w.trim_matches('*').trim_end_matches('.'))
                .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit() || c == '.'));
            if let Some(n) = number {
                out.push((n.to_owned(), 0));
            }
            in_table = false;
            continue;
        }
        if !t.starts_with('|') {
            in_table = false;
            continue;
        }
        if !in_table {
            in_table = true;
            let header = t.to_lowercase();
            counting = header.contains("activit");
            continue;
        }
        if t.replace(['|', '-', ':', ' '], "").is_empty() {
            continue; // the separator row
        }
        if counting {
            if let Some(last) = out.last_mut() {
                last.1 += 1;
            }
        }
    }
    out
}

fn check_json(args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = annex(&repo(""), &all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
}

#[test]
fn each_corpus_pair_is_aligned_with_the_counts_of_its_raw_pages() {
    for (en, fr) in pairs() {
        let (a, b) = (raw_rows(&en), raw_rows(&fr));
        let count = |rows: &[(String, usize)], n: &str| {
            rows.iter().filter(|r| r.0 == n).map(|r| r.1).sum::<usize>()
        };
        let numbers: BTreeSet<&String> = a.iter().chain(&b).map(|r| &r.0).collect();
        let (mut paired, mut only_en, mut only_fr) = (0, 0, 0);
        for n in numbers {
            let (x, y) = (count(&a, n), count(&b, n));
            if x == y {
                paired += x;
            } else {
                only_en += x;
                only_fr += y;
            }
        }
        let report = check_json(&[en.to_str().unwrap(), "--translation", fr.to_str().unwrap()]);
        let al = &report["alignment"];
        let name = en.file_name().unwrap().to_string_lossy();
        assert_eq!(al["paired"], paired, "{name}: {al:#}");
        let unpaired_en = al["unpaired_prevailing"].as_array().unwrap();
        let unpaired_fr = al["unpaired_translation"].as_array().unwrap();
        assert_eq!(unpaired_en.len(), only_en, "{name}");
        assert_eq!(unpaired_fr.len(), only_fr, "{name}");
        // Each unpaired row is named by file and line, and that line holds its text.
        for row in unpaired_en.iter().chain(unpaired_fr) {
            let file = row["file"].as_str().unwrap();
            let text = std::fs::read_to_string(repo(file)).unwrap();
            let line = text
                .lines()
                .nth(row["line"].as_u64().unwrap() as usize - 1)
                .unwrap();
            assert!(line.contains(row["text"].as_str().unwrap()), "{row:#}");
        }
    }
    // The corpus has one such section: 3.1.5 of the instances page lost a row in French.
    let (en, fr) = &pairs()[2];
    let report = check_json(&[en.to_str().unwrap(), "--translation", fr.to_str().unwrap()]);
    assert_eq!(report["alignment"]["unpaired_prevailing"][0]["line"], 102);
    // The human report says it too.
    let out = annex(
        &repo(""),
        &[
            "check",
            en.to_str().unwrap(),
            "--translation",
            fr.to_str().unwrap(),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("54 rows paired, 4 unpaired in"), "{stdout}");
    assert!(
        stdout.contains("unpaired: tests/fixtures/corpus/ovh-fr/public-cloud-instances.fr-fr.md:106 (section 3.1.5)")
            || stdout.contains("public-cloud-instances.fr-fr.md:106 (section 3.1.5)"),
        "{stdout}"
    );
}

/// The two Kubernetes rows whose letters differ between English and French.
const DIFFERING: [(usize, usize); 2] = [(73, 80), (108, 116)];

#[test]
fn rows_whose_letters_differ_are_reported_at_both_places_by_check_and_the_audit() {
    let (en, fr) = &pairs()[0];
    let report = check_json(&[en.to_str().unwrap(), "--translation", fr.to_str().unwrap()]);
    let conflicts: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "cross::conflicting-letters")
        .collect();
    assert_eq!(conflicts.len(), 2, "{report:#}");
    for (f, (en_line, fr_line)) in conflicts.iter().zip(DIFFERING) {
        assert!(f["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with(".fr-fr.md"));
        assert_eq!(f["location"]["line"], fr_line);
        assert!(f["related"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with(".en-gb.md"));
        assert_eq!(f["related"][0]["line"], en_line);
    }

    // The audit report of the French sample lists both, with both places.
    let out_dir = tempfile::tempdir().unwrap();
    let texts = render_french(out_dir.path(), &[]);
    let audit = &texts[2];
    assert_eq!(
        audit.matches("cross::conflicting-letters").count(),
        2,
        "{audit}"
    );
    // Long paths wrap in the table cell, at a place that depends on the folder the test
    // runs in: compare without white space.
    let compact: String = audit.split_whitespace().collect();
    for (en_line, fr_line) in DIFFERING {
        assert!(
            compact.contains(&format!("managed-kubernetes.fr-fr.md:{fr_line}:")),
            "{audit}"
        );
        assert!(
            compact.contains(&format!("managed-kubernetes.en-gb.md:{en_line}:")),
            "{audit}"
        );
    }
    // And the alignment: every row paired.
    assert!(audit.contains("Alignement de la traduction"), "{audit}");
    assert!(audit.contains("58 lignes appariées"), "{audit}");
}

/// `annex render --kind kind` of `profile` with `matrix` and its `translation`, into `out`
/// (with `--emit txt,context`).
fn render_translated(
    kind: &str,
    profile: &Path,
    (matrix, translation): (&Path, &Path),
    out: &Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "render",
        "--kind",
        kind,
        "--profile",
        profile.to_str().unwrap(),
        "--matrix",
        matrix.to_str().unwrap(),
        "--translation",
        translation.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--emit",
        "txt,context",
        "--force",
    ];
    args.extend_from_slice(extra);
    annex(&repo(""), &args)
}

/// Renders the three documents of the French sample profile with the French Kubernetes
/// page as translation; returns their laid-out text (folded) in `KINDS` order.
fn render_french(out: &Path, extra: &[&str]) -> Vec<String> {
    let (en, fr) = &pairs()[0];
    KINDS
        .iter()
        .map(|kind| {
            let profile = repo("data/profiles/awkward.toml");
            let run = render_translated(kind, &profile, (en, fr), out, extra);
            assert!(run.status.success(), "{}", show(&run));
            let txt = out.join(format!("l-atelier-unicode-{kind}.txt"));
            norm_pdf(&std::fs::read_to_string(txt).unwrap())
        })
        .collect()
}

/// Lowercase words of `s` (letters and digits; everything else separates).
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Every string of a TOML value.
fn strings(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        toml::Value::Table(t) => t.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The phrases of `language`'s wording catalogue and the catalogue's text in it, each cut
/// at its placeholders (`{names}`) into the literal runs a document can show.
fn phrases_of(language: &str) -> BTreeSet<Vec<String>> {
    let wording: toml::Value =
        std::fs::read_to_string(repo(&format!("data/wording/{language}.toml")))
            .unwrap()
            .parse()
            .unwrap();
    let mut all = Vec::new();
    strings(&wording, &mut all);
    let catalogue: toml::Value = std::fs::read_to_string(repo("data/catalogue.toml"))
        .unwrap()
        .parse()
        .unwrap();
    for table in catalogue
        .as_table()
        .unwrap()
        .values()
        .filter_map(|v| v.as_array())
    {
        for entry in table {
            for (plain, map) in [
                ("name", "names"),
                ("note", "notes"),
                ("city", "cities"),
                ("country", "countries"),
            ] {
                let value = if language == "en" {
                    entry.get(plain)
                } else {
                    entry.get(map).and_then(|m| m.get(language))
                };
                if let Some(s) = value.and_then(|v| v.as_str()) {
                    all.push(s.to_owned());
                }
            }
        }
    }
    all.iter()
        .flat_map(|s| s.split(['{', '}']).map(words).collect::<Vec<_>>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The English phrases found in `text` (word sequences, case folded): every phrase of the
/// English wording and catalogue that is not also a phrase (or a word) of `language`'s.
fn english_in(text: &str, language: &str) -> Vec<String> {
    let theirs = phrases_of(language);
    let their_words: BTreeSet<&String> = theirs.iter().flatten().collect();
    let text = words(text);
    let mut found = Vec::new();
    for phrase in phrases_of("en") {
        if theirs.contains(&phrase) || (phrase.len() == 1 && their_words.contains(&phrase[0])) {
            continue; // the same in both languages ("Service", "OVHcloud", "Nutanix on OVHcloud")
        }
        if text.windows(phrase.len()).any(|w| w == phrase.as_slice()) {
            found.push(phrase.join(" "));
        }
    }
    found
}

/// What the English scan leaves out, from a document's context: the tool's own
/// diagnostics (rule codes, finding messages and notes, import repairs: English by
/// design), the
/// profile's own text (`profile`, a TOML file: names, references) and a bilingual annex's
/// other-language activity text (source text).
fn diagnostics(context: &Value, profile: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let profile: toml::Value = std::fs::read_to_string(profile).unwrap().parse().unwrap();
    strings(&profile, &mut out);
    // File names are the user's, not wording (and where the clone lives decides them).
    for input in context["inputs"].as_array().unwrap() {
        out.push(input["name"].as_str().unwrap().to_owned());
    }
    for part in context["parts"].as_array().unwrap() {
        // The page a canonical matrix was imported from, as `import` recorded it.
        out.extend(part["matrix"]["source"].as_str().map(str::to_owned));
        for section in part["sections"].as_array().unwrap() {
            for a in section["activities"].as_array().unwrap() {
                out.extend(a["second"].as_str().map(str::to_owned));
            }
        }
    }
    for f in context["findings"].as_array().unwrap() {
        out.push(f["message"].as_str().unwrap().to_owned());
        out.push(f["code"].as_str().unwrap().to_owned());
        for n in f["notes"].as_array().into_iter().flatten() {
            out.push(n.as_str().unwrap().to_owned());
        }
    }
    for p in context["parts"].as_array().unwrap() {
        for r in p["provenance"]["repairs"].as_array().unwrap() {
            out.push(r["message"].as_str().unwrap().to_owned());
            out.push(r["code"].as_str().unwrap().to_owned());
        }
    }
    out
}

/// `text` with every diagnostic taken out. Letters and digits are compared alone, so a
/// diagnostic still matches where layout broke a long word (a path) across two lines;
/// a match must start and end at word boundaries, so a short diagnostic never eats into
/// a longer word.
fn without(text: &str, diagnostics: &[String]) -> String {
    let text: Vec<char> = text.to_lowercase().chars().collect();
    // The letters and digits of `text`, and where each one is in it.
    let (key, at): (String, Vec<usize>) = text
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_alphanumeric())
        .map(|(i, c)| (*c, i))
        .unzip();
    let key: Vec<char> = key.chars().collect();
    let starts_word = |i: usize| i == 0 || !text[i - 1].is_alphanumeric();
    let ends_word = |i: usize| i + 1 == text.len() || !text[i + 1].is_alphanumeric();
    let mut gone = vec![false; text.len()];
    for d in diagnostics {
        let d: Vec<char> = d
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if d.is_empty() || d.len() > key.len() {
            continue;
        }
        for s in 0..=key.len() - d.len() {
            let e = s + d.len() - 1;
            if key[s..=e] == d[..] && starts_word(at[s]) && ends_word(at[e]) {
                gone[at[s]..=at[e]].iter_mut().for_each(|g| *g = true);
            }
        }
    }
    text.iter()
        .zip(gone)
        .map(|(c, g)| if g { ' ' } else { *c })
        .collect()
}

/// The laid-out text (folded) of the document `<stem>-<kind>` written to `out` with
/// `--emit txt,context`, and the English wording found in it (see `english_in`), the
/// diagnostics, `profile`'s text and other-language activity text left out.
fn english_of(
    out: &Path,
    stem: &str,
    kind: &str,
    profile: &Path,
    language: &str,
) -> (String, Vec<String>) {
    let file = |ext: &str| out.join(format!("{stem}-{kind}.{ext}"));
    let text = norm_pdf(&std::fs::read_to_string(file("txt")).unwrap());
    let context: Value = serde_json::from_slice(&std::fs::read(file("json")).unwrap()).unwrap();
    let english = english_in(&without(&text, &diagnostics(&context, profile)), language);
    (text, english)
}

#[test]
fn the_french_documents_have_no_english_wording() {
    let out = tempfile::tempdir().unwrap();
    let texts = render_french(out.path(), &[]);
    for kind in KINDS {
        let awkward = repo("data/profiles/awkward.toml");
        let (text, english) = english_of(out.path(), "l-atelier-unicode", kind, &awkward, "fr");
        assert!(
            english.is_empty(),
            "{kind}: English wording {english:?} in:\n{text}"
        );
    }
    let [annex_text, onboarding, audit] = &texts[..] else {
        unreachable!()
    };
    // The examples, now in French: the data-location note, the legend, section
    // titles, the activity text (verbatim from the French page), the date.
    for (doc, wanted) in [
        (annex_text, "Les données sont stockées et traitées en France, au sein de l'Union européenne, sous le régime du RGPD."),
        (annex_text, "R Est en charge de la Réalisation du processus"),
        (annex_text, "1. Avant la souscription"),
        (annex_text, "Choisir le projet public cloud dans lequel sera créé le Cluster Kubernetes"),
        (annex_text, "24 décembre 2026"),
        (annex_text, "Client OVHcloud"),
        (onboarding, "Réversibilité"),
        (audit, "Lignes appariées") ,
    ] {
        let wanted = norm_pdf(wanted);
        assert!(
            doc.to_lowercase().contains(&wanted.to_lowercase()),
            "missing {wanted:?} in:\n{doc}"
        );
    }
    // And the scan does catch English: the same documents of the English sample fail it.
    let en = tempfile::tempdir().unwrap();
    let run = annex(
        &repo(""),
        &[
            "render",
            "--out",
            en.path().to_str().unwrap(),
            "--emit",
            "txt",
        ],
    );
    assert!(run.status.success(), "{}", show(&run));
    let text = std::fs::read_to_string(en.path().join("acme-annex.txt")).unwrap();
    assert!(!english_in(&text, "fr").is_empty());
}

#[test]
fn a_bilingual_annex_shows_both_texts_and_the_clause_and_rebuilds() {
    let out = tempfile::tempdir().unwrap();
    let texts = render_french(out.path(), &["--bilingual"]);
    let annex_text = &texts[0];
    assert!(
        annex_text
            .contains("En cas de divergence entre les versions, la version en anglais prévaut."),
        "{annex_text}"
    );
    // Every activity in both languages, the document's language first.
    let (en, fr) = &pairs()[0];
    let en_rows = super::norm(&std::fs::read_to_string(en).unwrap());
    let fr_rows = super::norm(&std::fs::read_to_string(fr).unwrap());
    for (first, second) in [
        (
            "Choisir la localisation du service",
            "Choose the service location",
        ),
        (
            "Décider de la version de Kubernetes à utiliser",
            "Decide which Kubernetes version to use",
        ),
    ] {
        assert!(fr_rows.contains(first) && en_rows.contains(second));
        let at = annex_text.find(first).expect("the French text");
        assert!(
            annex_text[at..].starts_with(&format!("{first} {second}")),
            "{annex_text}"
        );
    }
    // The sealed (final) annex carries the translation: verify recomputes the fingerprint
    // and re-renders the same bytes.
    let pdf = out.path().join("l-atelier-unicode-annex.pdf");
    let run = annex(&repo(""), &["verify", pdf.to_str().unwrap(), "--rebuild"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{}", show(&run));
    assert!(stdout.contains("attachment translation.json"), "{stdout}");
    assert!(
        stdout.contains("rebuild: re-rendered from the attachments, identical"),
        "{stdout}"
    );
}

#[test]
fn german_is_data_the_three_documents_in_german() {
    let dir = fixture("translations-de");
    let out = tempfile::tempdir().unwrap();
    let mut texts = Vec::new();
    for kind in KINDS {
        let run = annex(
            &dir,
            &[
                "render",
                "--kind",
                kind,
                "--matrix",
                "managed-kubernetes.en-gb.md",
                "--profile",
                "profile-de.toml",
                "--out",
                out.path().to_str().unwrap(),
                "--emit",
                "txt,context",
            ],
        );
        assert!(run.status.success(), "{}", show(&run));
        let profile = dir.join("profile-de.toml");
        let (text, english) = english_of(out.path(), "nordlicht", kind, &profile, "de");
        assert!(
            english.is_empty(),
            "{kind}: English wording {english:?} in:\n{text}"
        );
        texts.push(text);
    }
    for (doc, wanted) in [
        (&texts[0], "Anlage 4 – Matrix der geteilten Verantwortung"),
        (&texts[0], "1. Dezember 2026"),
        (
            &texts[0],
            "Die Daten werden in Deutschland innerhalb der Europäischen Union gespeichert",
        ),
        (
            &texts[0],
            "Bei Abweichungen zwischen den Fassungen ist die Fassung in Englisch maßgeblich.",
        ),
        (
            &texts[0],
            "Den Standort des Dienstes wählen Choose the service location",
        ),
        (&texts[1], "Einführungsleitfaden"),
        (&texts[1], "Ende des Dienstes"),
        (&texts[2], "Prüfbericht"),
        (&texts[2], "Zuordnung der Übersetzung"),
        (&texts[2], "9 Zeilen zugeordnet"),
    ] {
        assert!(
            doc.contains(&norm_pdf(wanted)),
            "missing {wanted:?} in:\n{doc}"
        );
    }
}

#[test]
fn a_catalogue_without_the_language_is_reported_at_its_entries() {
    let dir = fixture("translations-de");
    let report = {
        let out = annex(
            &dir,
            &[
                "check",
                "--format",
                "json",
                "--profile",
                "../../../data/profiles/awkward.toml",
                "--catalogue",
                "catalogue-en-only.toml",
            ],
        );
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
    };
    let missing: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "catalogue::missing-translation")
        .collect();
    // The region's city, country and note, and the service's name: each at its entry.
    let at: Vec<(String, u64)> = missing
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_owned(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            ("catalogue-en-only.toml".to_owned(), 5),
            ("catalogue-en-only.toml".to_owned(), 5),
            ("catalogue-en-only.toml".to_owned(), 5),
            ("catalogue-en-only.toml".to_owned(), 12),
        ],
        "{report:#}"
    );
    assert_eq!(missing[0]["severity"], "warning");
    // `render` shows the same warning, and the document still says what it has; under
    // the strict policy it is an error, and nothing is written.
    let out = tempfile::tempdir().unwrap();
    let render = |to: &Path, extra: &[&str]| {
        let mut args = vec![
            "render",
            "--profile",
            "../../../data/profiles/awkward.toml",
            "--catalogue",
            "catalogue-en-only.toml",
            "--out",
            to.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        annex(&dir, &args)
    };
    let run = render(out.path(), &[]);
    assert!(run.status.success(), "{}", show(&run));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("warning[catalogue::missing-translation]"),
        "{stderr}"
    );
    assert!(stderr.contains("catalogue-en-only.toml:12"), "{stderr}");
    let strict_out = out.path().join("strict");
    let strict = render(&strict_out, &["--policy", "strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", show(&strict));
    assert!(!strict_out.exists());
}

#[test]
fn a_translation_in_the_same_language_or_a_foreign_prevailing_language_is_refused() {
    let (en, fr) = &pairs()[0];
    let out = tempfile::tempdir().unwrap();
    let awkward = repo("data/profiles/awkward.toml");
    let run = render_translated("annex", &awkward, (en, en), out.path(), &[]);
    assert_eq!(run.status.code(), Some(1), "{}", show(&run));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("same language"),
        "{}",
        show(&run)
    );
    // A prevailing language that is neither page's.
    let text = std::fs::read_to_string(&awkward).unwrap().replace(
        "language = \"fr\"",
        "language = \"fr\"\nprevailing-language = \"de\"",
    );
    let german_prevails = out.path().join("german-prevails.toml");
    std::fs::write(&german_prevails, text).unwrap();
    let run = render_translated("annex", &german_prevails, (en, fr), out.path(), &[]);
    assert_eq!(run.status.code(), Some(1), "{}", show(&run));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("prevailing-language = \"de\" is neither"),
        "{}",
        show(&run)
    );
    // Nothing was written.
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    let bilingual_alone = annex(
        &repo(""),
        &[
            "render",
            "--bilingual",
            "--out",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(
        bilingual_alone.status.code(),
        Some(1),
        "{}",
        show(&bilingual_alone)
    );
    assert!(String::from_utf8_lossy(&bilingual_alone.stderr).contains("needs a translation"));
}

#[test]
fn a_canonical_matrix_carries_both_texts() {
    let (en, fr) = &pairs()[0];
    let out = tempfile::tempdir().unwrap();
    let both = out.path().join("both.toml");
    let run = annex(
        &repo(""),
        &[
            "import",
            en.to_str().unwrap(),
            "--translation",
            fr.to_str().unwrap(),
            "-o",
            both.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", show(&run));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("58 rows paired"),
        "{}",
        show(&run)
    );
    let toml_text = std::fs::read_to_string(&both).unwrap();
    assert!(toml_text.contains("translations = { fr = \"Choisir la localisation du service\" }"));
    // The French documents from that one file: the French text, no English wording.
    for kind in KINDS {
        let run = annex(
            &repo(""),
            &[
                "render",
                "--kind",
                kind,
                "--profile",
                "data/profiles/awkward.toml",
                "--matrix",
                both.to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
                "--emit",
                "txt,context",
                "--bilingual",
            ],
        );
        assert!(run.status.success(), "{}", show(&run));
        let awkward = repo("data/profiles/awkward.toml");
        let (text, english) = english_of(out.path(), "l-atelier-unicode", kind, &awkward, "fr");
        assert!(
            english.is_empty(),
            "{kind}: English wording {english:?} in:\n{text}"
        );
        if kind == "annex" {
            assert!(
                text.contains("Choisir la localisation du service Choose the service location"),
                "{text}"
            );
            assert!(text.contains("1. Avant la souscription"), "{text}");
            assert!(text.contains("la version en anglais prévaut"), "{text}");
        }
    }
    // Sealed with its one matrix: verify re-renders the same bytes.
    let pdf = out.path().join("l-atelier-unicode-annex.pdf");
    let run = annex(&repo(""), &["verify", pdf.to_str().unwrap(), "--rebuild"]);
    assert!(run.status.success(), "{}", show(&run));
}

#[test]
fn a_translated_pack_holds_the_translation_its_page_and_the_alignment_and_verifies() {
    let (en, fr) = &pairs()[0];
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("p.toml");
    let text = std::fs::read_to_string(repo("data/profiles/awkward.toml")).unwrap();
    std::fs::write(
        &profile,
        text.replace("status = \"draft\"", "status = \"final\""),
    )
    .unwrap();
    let run = annex(
        dir.path(),
        &[
            "pack",
            "--profile",
            profile.to_str().unwrap(),
            "--matrix",
            en.to_str().unwrap(),
            "--translation",
            fr.to_str().unwrap(),
            "--out",
            "out",
        ],
    );
    assert!(run.status.success(), "{}", show(&run));
    let pack = dir.path().join("out/l-atelier-unicode-evidence.zip");
    let verified = annex(dir.path(), &["verify", pack.to_str().unwrap()]);
    assert!(verified.status.success(), "{}", show(&verified));

    let bytes = std::fs::read(&pack).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    for member in [
        "translation.json",
        "sources/managed-kubernetes.en-gb.md",
        "sources/managed-kubernetes.fr-fr.md",
    ] {
        assert!(names.iter().any(|n| n == member), "{member}: {names:?}");
    }
    // check.json is `annex check --translation`'s report: the alignment, and the two
    // rows whose letters differ.
    let mut json = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("check.json").unwrap(), &mut json).unwrap();
    let check: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(check["alignment"]["paired"], 58, "{json}");
    let conflicts = check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "cross::conflicting-letters")
        .count();
    assert_eq!(conflicts, DIFFERING.len(), "{json}");
    for folder in [fixture("corpus"), dir.path().to_path_buf()] {
        let folder = folder.to_str().unwrap().to_owned();
        assert!(!json.contains(&folder), "file names only, no paths: {json}");
    }
}

/// A translation's text is printed, so a character no bundled font can show in it is
/// refused at its row (exit 1, nothing written), as in the matrix itself.
#[test]
fn a_translation_row_no_bundled_font_can_show_is_refused_at_its_row() {
    let (en, fr) = &pairs()[0];
    let page = std::fs::read_to_string(fr).unwrap();
    let row = page
        .lines()
        .position(|l| l.starts_with("| Choisir le projet"))
        .expect("a French data row");
    let edited: Vec<String> = page
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == row {
                l.replacen("| ", "| \u{1F600} ", 1)
            } else {
                l.to_owned()
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let translation = dir.path().join("page.fr-fr.md");
    std::fs::write(&translation, edited.join("\n") + "\n").unwrap();
    let out = dir.path().join("out");
    let profile = repo("data/profiles/awkward.toml");
    let run = render_translated("annex", &profile, (en, &translation), &out, &[]);
    assert_eq!(run.status.code(), Some(1), "{}", show(&run));
    let text = String::from_utf8_lossy(&run.stderr);
    assert!(text.contains("error[matrix::undisplayable]"), "{text}");
    assert!(
        text.contains(&format!("page.fr-fr.md:{}:", row + 1)),
        "{text}"
    );
    assert!(!out.exists());
}
