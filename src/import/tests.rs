//! Tests of the whole importer: the corpus pages and the seed page against an independent
//! naive reading, the refusals, and never panicking on garbage. Tests of one concern live
//! beside its code in the sibling modules.

use std::collections::HashMap;
use std::path::PathBuf;

use super::test_support::{at_cols, codes, imp, letters, HEAD};
use super::*;
use crate::model::{Activity, Letters, PartyRole};
use crate::testing::{corpus_pages, root};

const SEED: &str = "data/matrices/ovhcloud-data-processing-responsibility-model.md";

fn read_page(rel: &str) -> (String, Imported) {
    let path = root().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let i = import_markdown(&text, &name).unwrap();
    (text, i)
}

/// Independent, deliberately naive reading of a page: every `|` line under a heading whose
/// text starts with a digit, minus header, delimiter and legend rows; letters of a cell =
/// its alphabetic characters, uppercased and sorted.
fn naive_rows(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut rows = Vec::new();
    let mut under_numbered = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('#') {
            let h = t.trim_start_matches('#').replace('*', "");
            under_numbered = h.trim().starts_with(|c: char| c.is_ascii_digit());
            continue;
        }
        if !under_numbered || !t.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = t.split('|').collect();
        let first = cells.get(1).map_or("", |c| c.trim());
        let is_header = first.contains("Activit");
        let is_delimiter = t.chars().all(|c| "|-: ".contains(c));
        let is_legend = first.len() > 2
            && "RACI".contains(&first[..1])
            && first[1..].trim_start().starts_with(':');
        if is_header || is_delimiter || is_legend {
            continue;
        }
        let letters = cells
            .iter()
            .skip(2)
            .map(|c| {
                let mut v: Vec<char> = c
                    .chars()
                    .filter(char::is_ascii_alphabetic)
                    .map(|c| c.to_ascii_uppercase())
                    .collect();
                v.sort_unstable();
                v.into_iter().collect::<String>()
            })
            .collect();
        rows.push((i + 1, letters));
    }
    rows
}

fn index_counts() -> HashMap<String, usize> {
    let index = std::fs::read_to_string(root().join("tests/fixtures/corpus/INDEX.tsv")).unwrap();
    let mut lines = index.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = header.iter().position(|h| *h == "n_raci_rows").unwrap();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[col].parse().unwrap())
        })
        .collect()
}

#[test]
fn every_page_matches_an_independent_naive_count() {
    let counts = index_counts();
    let mut pages: Vec<(String, PathBuf)> = corpus_pages()
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root().join("tests/fixtures/corpus"))
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, p)
        })
        .collect();
    pages.push(("seed".into(), root().join(SEED)));
    assert_eq!(pages.len(), 21);
    for (rel, path) in pages {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let imported = import_markdown(&text, &name).unwrap();
        let naive = naive_rows(&text);
        let acts: Vec<&Activity> = imported.matrix.activities().map(|(_, a)| a).collect();
        assert_eq!(acts.len(), naive.len(), "{rel}: activity count");
        if rel == "seed" {
            assert_eq!(naive.len(), 38);
        } else {
            assert_eq!(
                counts.get(&rel),
                Some(&naive.len()),
                "{rel}: INDEX.tsv n_raci_rows"
            );
        }
        for (a, (line, cells)) in acts.iter().zip(&naive) {
            assert_eq!(
                imported.activity_lines[&a.id], *line,
                "{rel}: line of {}",
                a.id
            );
            for (k, party) in imported.matrix.parties.iter().enumerate() {
                let mut got: Vec<char> = a.letters_of(&party.id).to_string().chars().collect();
                got.sort_unstable();
                let got: String = got.into_iter().collect();
                let want = cells.get(k).cloned().unwrap_or_default();
                assert_eq!(
                    got, want,
                    "{rel}:{line}: letters of {} for {}",
                    a.id, party.id
                );
            }
        }
        // Every letter cell position points at the letters as written.
        let lines: Vec<&str> = text.lines().collect();
        for a in &acts {
            let line = lines[imported.activity_lines[&a.id] - 1];
            for p in &imported.matrix.parties {
                let cols = imported.cell_columns[&(a.id.clone(), p.id.clone())];
                let written = at_cols(line, cols);
                assert_eq!(
                    Letters::parse_lenient(&written).0,
                    a.letters_of(&p.id),
                    "{rel}: {}",
                    a.id
                );
            }
        }
    }
}

#[test]
fn seed_is_imported_verbatim() {
    let (_, i) = read_page(SEED);
    let m = &i.matrix;
    assert_eq!(m.sections.iter().filter(|s| s.depth() == 1).count(), 5);
    assert_eq!(m.activities().count(), 38);
    assert_eq!(m.provider, "OVHcloud");
    assert_eq!(m.service, "data-processing");
    assert_eq!(m.language, "en");
    assert_eq!(m.version.as_deref(), Some("2024-05-31"));
    assert_eq!(m.title, "Responsibility model for Data Processing");
    assert_eq!(m.legend.len(), 4);
    assert_eq!(
        m.legend[0].meaning,
        "Is in charge of carrying out the process"
    );
    let texts: Vec<&str> = m.activities().map(|(_, a)| a.text.as_str()).collect();
    let has = |needle: &str| texts.iter().any(|t| t.contains(needle));
    assert!(has("Apache Sparck"));
    assert!(has("versionning"));
    assert!(has("on on storage container"));
    assert!(texts.contains(&"Launch jobs once you have  retrieved your API v6 token"));
    assert!(texts.contains(&"Add a storage container"));
    assert!(texts.contains(&"Manage data security and encryption on on storage container"));
    assert!(texts.contains(&"Monitor the functioning of physical and virtual devices in support of your platform.sh projects"));
    assert_eq!(
        letters(&i, "Notify incidents for the service platform availability"),
        ["A", "I"]
    );
    let numbers: Vec<&str> = m.sections.iter().map(|s| s.number.as_str()).collect();
    assert!(numbers.contains(&"3.1.1") && numbers.contains(&"3.2.2") && numbers.contains(&"5.1"));
    let s311 = m.sections.iter().find(|s| s.number == "3.1.1").unwrap();
    assert_eq!(s311.title, "Daily operations");
    assert_eq!(i.section_lines["3.1.1"], 57);
    assert!(i.notes.is_empty(), "{:?}", i.notes);
}

#[test]
fn managed_kubernetes_ir_is_read_as_r_i_with_a_note_on_its_line() {
    let (text, i) = read_page("tests/fixtures/corpus/ovh/managed-kubernetes.en-gb.md");
    let row = text
        .lines()
        .position(|l| l.contains("Decide which Kubernetes version to use"))
        .unwrap()
        + 1;
    assert_eq!(
        letters(&i, "Decide which Kubernetes version to use"),
        ["A", "RI"]
    );
    let note = i
        .notes
        .iter()
        .find(|n| n.code == "import::letter-order")
        .unwrap();
    assert_eq!(note.line, row);
    assert_eq!(note.severity, NoteSeverity::Info);
    assert_eq!(note.message, "letters `IR` read as {R, I}");
    assert_eq!(
        note.to_string(),
        format!("line {row}: letters `IR` read as {{R, I}}")
    );
    assert_eq!(
        at_cols(text.lines().nth(row - 1).unwrap(), note.column.unwrap()),
        "IR"
    );
    // Unbolded h5 headings still give sections; lowercase-only changes give no note.
    assert!(i
        .matrix
        .sections
        .iter()
        .any(|s| s.number == "3.1.7" && s.title == "Business continuity"));
    assert_eq!(i.matrix.legend.len(), 4);
}

#[test]
fn block_storage_2022_broken_rows_have_empty_letters_and_a_warning_each() {
    let (text, i) = read_page("tests/fixtures/corpus/ovh/block-storage.2022-12-23.en-gb.md");
    let broken: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with('|') && !l.trim_end().ends_with('|'))
        .map(|(k, _)| k + 1)
        .collect();
    assert_eq!(broken.len(), 4);
    assert_eq!(codes(&i, "import::ragged-row"), broken);
    for n in i.notes.iter().filter(|n| n.code == "import::ragged-row") {
        assert_eq!(n.severity, NoteSeverity::Warning);
        assert!(
            n.message
                .starts_with("row has 1 cell, expected 3: missing cells read as empty"),
            "{}",
            n.message
        );
    }
    for text in [
        "Retain logs of control plane for Instances monitoring (API, hypervisor)",
        "Retain logs of Information System hosted on Instances",
        "Monitor the proper functioning of physical devices (utilities) in support of the service",
        "Create, modify, control, restore, delete jobs of backups",
    ] {
        assert_eq!(letters(&i, text), ["", ""]);
    }
    // Old front matter without `updated`: the body line gives the version.
    assert_eq!(i.matrix.version.as_deref(), Some("2022-12-23"));
    assert_eq!(i.matrix.title, "RACI for Public Cloud Block Storage");
    // French heading inside the English page, and the h4 level slip of 3.2.2.
    assert!(i
        .matrix
        .sections
        .iter()
        .any(|s| s.number == "2.2" && s.title == "Modèle de réversibilité"));
    assert_eq!(codes(&i, "import::level-slip"), [128]);
    assert_eq!(i.matrix.service, "block-storage");
}

#[test]
fn public_cloud_databases_ragged_rows_are_warned() {
    let (text, i) = read_page("tests/fixtures/corpus/ovh/public-cloud-databases.en-gb.md");
    let lines: Vec<usize> = [
        "| Keep logs of the Service",
        "| Choose fallback infrastructures | RA |",
        "| Migrate/transfer data | RA |",
    ]
    .iter()
    .map(|p| text.lines().position(|l| l.starts_with(p)).unwrap() + 1)
    .collect();
    assert_eq!(codes(&i, "import::ragged-row"), lines);
    let n = i
        .notes
        .iter()
        .find(|n| n.code == "import::ragged-row")
        .unwrap();
    assert_eq!(
        n.message,
        "row has 2 cells, expected 3: missing cells read as empty"
    );
    assert_eq!(
        letters(
            &i,
            "Keep logs of the Service hosted on Public Cloud Databases"
        ),
        ["RA", ""]
    );
    assert_eq!(
        letters(
            &i,
            "Maintain logs generated by Public Cloud Databases services"
        ),
        ["RA", "RA"]
    );
    assert_eq!(
        letters(
            &i,
            "Perform preventive interventions on managed elements of the Public Cloud Databases"
        ),
        ["I", "RA"]
    );
    assert_eq!(
        i.matrix.legend[1].meaning,
        "Guarantees the successful completion of the process"
    );
    assert_eq!(i.matrix.version.as_deref(), Some("2021-09-28"));
    assert!(codes(&i, "import::version-mismatch").is_empty());
}

#[test]
fn french_pages_map_client_to_customer() {
    let (_, i) = read_page("tests/fixtures/corpus/ovh-fr/public-cloud-instances.fr-fr.md");
    let m = &i.matrix;
    assert_eq!(m.language, "fr");
    assert_eq!(m.version.as_deref(), Some("2022-11-22"));
    assert_eq!(m.parties[0].id, "customer");
    assert_eq!(m.parties[0].name, "Client");
    assert_eq!(m.parties[0].role, PartyRole::Customer);
    assert_eq!(m.parties[1].role, PartyRole::Provider);
    assert_eq!(
        m.legend[1].meaning,
        "Est Approbateur de la réalisation du processus"
    );
    // Table glued to its heading, without a blank line.
    let s = m.sections.iter().find(|s| s.number == "3.1.7").unwrap();
    assert_eq!(s.title, "Continuité d'activité");
    assert!(s.has_table && !s.activities.is_empty());
    assert!(m
        .sections
        .iter()
        .any(|s| s.number == "4" && s.title == "Réversion"));
}

#[test]
fn near_misses_are_not_taken_for_what_they_resemble() {
    // A page opening with a thematic break has no front matter.
    let i = imp(&format!("---\n### 1. S\n{HEAD}| Do | RA | I |\n---\n"));
    assert_eq!(i.matrix.activities().count(), 1);
    // "Updated" starting an ordinary sentence is not a date line.
    let i = imp(&format!(
        "Updated the service 2 times.\n### 1. S\n{HEAD}| Do | RA | I |\n"
    ));
    assert_eq!(i.matrix.version, None);
    // Spanish header: not French.
    let page = "### 1. S\n| Actividad | Cliente | OVHcloud |\n|-|-|-|\n| Hacer | RA | I |\n";
    assert_eq!(import_markdown(page, "x.md").unwrap().matrix.language, "en");
    // A heading starting with a plain number is not a section.
    let i = imp(&format!("### 2024 changes\n{HEAD}| Do | RA | I |\n"));
    assert_eq!(i.matrix.sections[0].number, "");
}

#[test]
fn crlf_and_bom_are_tolerated() {
    let page = format!("\u{feff}---\r\ntitle: T\r\n---\r\n### 1. S\r\n{HEAD}| Do | RA | I |\r\n")
        .replace("|\n", "|\r\n");
    let i = imp(&page);
    assert_eq!(i.matrix.title, "T");
    assert_eq!(letters(&i, "Do"), ["RA", "I"]);
    assert_eq!(i.activity_lines["1/do"], 7);
}

#[test]
fn errors_for_inputs_that_are_not_pages() {
    assert_eq!(import_markdown("", "x.md").unwrap_err(), ImportError::Empty);
    assert_eq!(
        import_markdown(" \n\t\n", "x.md").unwrap_err(),
        ImportError::Empty
    );
    assert_eq!(import_bytes(b"", "x.md").unwrap_err(), ImportError::Empty);
    assert_eq!(
        import_markdown(
            "## Title\n\nJust prose.\n| Roles |\n|---|\n| R: x |\n",
            "x.md"
        )
        .unwrap_err(),
        ImportError::NoRaciTable
    );
    assert_eq!(
        import_bytes(b"# a\nb\0c", "x.md").unwrap_err(),
        ImportError::Binary { line: 2, offset: 5 }
    );
    assert_eq!(
        import_bytes(b"ok\n\xff\xfe", "x.md").unwrap_err(),
        ImportError::NotUtf8 { line: 2, offset: 3 }
    );
    let big = vec![b'a'; MAX_INPUT_BYTES + 1];
    let err = import_bytes(&big, "x.md").unwrap_err();
    assert!(matches!(err, ImportError::TooLarge { .. }));
    assert!(err.to_string().contains("20 MiB"), "{err}");
    assert!(ImportError::NoRaciTable
        .to_string()
        .contains("| Activity | Customer | OVHcloud |"));
}

/// Deterministic xorshift, so that a failure is reproducible without extra crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn never_panics_on_garbage() {
    const ALPHABET: &[&str] = &[
        "|",
        "| ",
        " |",
        "||",
        "\n",
        "\n\n",
        "#",
        "### ",
        "##### **",
        "**",
        "1.",
        "3.1.",
        " ",
        "\t",
        "-",
        "---",
        ":",
        "R",
        "A",
        "C",
        "I",
        "x",
        "X",
        "✓",
        "[",
        "]",
        "(",
        ")",
        "{.external}",
        "<",
        ">",
        "`",
        "```",
        "~~~",
        "\\",
        "&amp;",
        "é",
        "日本",
        "…",
        "\r",
        "<!--",
        "-->",
        "Activity",
        "Customer",
        "OVHcloud",
        "Roles",
        "R: ",
        "updated: ",
        "**Last update ",
        "\u{feff}",
        "\u{301}",
        "\u{a0}",
        "_",
        "*",
        "!",
        "[^1]",
        "<br>",
        "0",
        "99999999999999999999",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let n = rng.below(80);
        let s: String = (0..n)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        let _ = import_markdown(&s, "fuzz.md");
        let _ = import_bytes(s.as_bytes(), "fuzz.en-gb.md");
    }
    // Mutations of real pages: truncation anywhere, dropped and duplicated lines.
    let pages: Vec<String> = corpus_pages()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for _ in 0..300 {
        let page = &pages[rng.below(pages.len())];
        let bytes = page.as_bytes();
        let cut = rng.below(bytes.len());
        let _ = import_bytes(&bytes[..cut], "cut.md");
        let mut lines: Vec<&str> = page.lines().collect();
        for _ in 0..5 {
            let k = rng.below(lines.len());
            if rng.next() & 1 == 0 {
                lines.remove(k);
            } else {
                let dup = lines[rng.below(lines.len())];
                lines.insert(k, dup);
            }
        }
        let _ = import_markdown(&lines.join("\n"), "mutated.md");
        // Random bytes spliced into the page.
        let mut b = bytes.to_vec();
        for _ in 0..8 {
            let k = rng.below(b.len());
            b[k] = (rng.next() & 0xff) as u8;
        }
        let _ = import_bytes(&b, "bytes.md");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    #[test]
    fn never_panics_on_arbitrary_text(s in "(\\PC|\\||\\n|#|\\*|-){0,200}") {
        let _ = import_markdown(&s, "p.md");
    }

    #[test]
    fn never_panics_on_arbitrary_table_rows(rows in proptest::collection::vec("[|RACIrx ✓\\t\\\\*\\[\\]()a-z]{0,30}", 0..12)) {
        let page = format!("### 1. S\n\n{HEAD}{}\n", rows.join("\n"));
        let i = import_markdown(&page, "p.md").unwrap();
        for (_, a) in i.matrix.activities() {
            proptest::prop_assert!(i.activity_lines.contains_key(&a.id));
        }
    }
}
