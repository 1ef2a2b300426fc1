//! The documented limits (`src/limits.rs`, the README's "Limits"): every input over a limit
//! is refused with exit code 1 and a message naming the file, the line and the limit, an
//! input just under it is accepted; reports stay short however many findings there are;
//! a canonical matrix of another schema version is refused. Inputs are generated into a
//! temporary folder (#11 items 6, 9, 10).

use std::path::Path;

use super::*;

use annex::limits::{
    MAX_ACTIVITIES, MAX_CELL_CHARS, MAX_INPUT_BYTES, MAX_SECTION_DEPTH, MAX_SHOWN_PER_LINE,
    MAX_TEXT_CHARS,
};

const HEAD: &str = "| Activity | Customer | OVHcloud |\n| --- | --- | --- |\n";

/// A page with one section holding `rows` (table rows, each ending with a line break).
fn page(rows: &str) -> String {
    format!("# Limits\n\n## 1. Section\n\n{HEAD}{rows}")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `check` accepts `ok` (exit 0) and refuses `over` (exit 1, with `message`); `import` of
/// `over` fails the same way and writes nothing.
fn accepts_and_refuses(ok: &str, over: &str, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = write(d, "ok.md", ok);
    let over = write(d, "over.md", over);
    let out = annex(d, &["check", &ok]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = annex(d, &["check", &over]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stdout(&out).contains(message), "{}", show(&out));
    assert!(stdout(&out).contains("over.md: line "), "{}", show(&out));
    let out = annex(d, &["import", &over, "-o", "over.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(stderr(&out).contains(message), "{}", show(&out));
    assert!(!d.join("over.toml").exists());
}

#[test]
fn ten_thousand_unknown_ids_on_one_line_give_a_short_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let acme = std::fs::read_to_string(repo("data/profiles/acme.toml")).unwrap();
    let ids: Vec<String> = (0..10_000)
        .map(|i| format!("\"no-such-service-{i:05}\""))
        .collect();
    let profile = acme.replace(
        "services = [\"data-processing\"]",
        &format!("services = [\"data-processing\", {}]", ids.join(", ")),
    );
    assert!(profile.len() > 250_000);
    let p = write(d, "p.toml", &profile);
    let more = format!(
        "... and {} more profile::unknown-service findings",
        annex::limits::thousands(10_000 - MAX_SHOWN_PER_LINE)
    );

    let out = annex(d, &["check", "--profile", &p]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stdout(&out);
    assert!(text.len() < 16_000, "{} bytes:\n{text}", text.len());
    assert!(text.contains(&more), "{text}");
    assert!(text.contains("denied: 10000 errors"), "{text}");
    // The long line is shown as a window, with the real line and column.
    assert!(text.contains("p.toml:28:57"), "{text}");
    assert!(text.contains("28 │ …"), "{text}");
    assert_eq!(text.matches("error[profile::unknown-service]").count(), 10);

    let out = annex(d, &["render", "--profile", &p, "--out", "out"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let text = stderr(&out);
    assert!(text.len() < 16_000, "{} bytes:\n{text}", text.len());
    assert!(text.contains(&more), "{text}");
    assert!(!d.join("out").exists() || files_under(&d.join("out")).is_empty());

    let out = annex(d, &["check", "--profile", &p, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(out.stdout.len() < 32_000, "{} bytes", out.stdout.len());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let unknown = |f: &&serde_json::Value| f["code"] == "profile::unknown-service";
    assert_eq!(findings.iter().filter(unknown).count(), MAX_SHOWN_PER_LINE);
    assert_eq!(
        report["omitted"],
        serde_json::json!([{"code": "profile::unknown-service", "count": 10_000 - MAX_SHOWN_PER_LINE}])
    );
    assert_eq!(report["summary"]["errors"], 10_000);
}

#[test]
fn a_finding_on_a_long_line_shows_a_window_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = "word ".repeat(2_000);
    let p = write(
        d,
        "p.md",
        &page(&format!(
            "| {long}| A | I |\n| Short | RA | {} |\n",
            "X".repeat(5_000)
        )),
    );
    let out = annex(d, &["check", &p]);
    let text = stdout(&out);
    assert!(text.len() < 4_000, "{} bytes:\n{text}", text.len());
    // The no-responsible row: the letter cells, far to the right of a 10,000-character cell.
    assert!(text.contains("p.md:7:10005"), "{text}");
    assert!(text.contains("7 │ …"), "{text}");
    assert!(text.contains("word word | A | I |\n"), "{text}");
    assert!(text.contains("^^^^^ no R in this row"), "{text}");
    // The unknown letters of row 8: a cell of 5,000 characters, cut after the window.
    assert!(text.contains("8 │ | Short | RA | XXX"), "{text}");
    assert!(text.contains("XXX…\n"), "{text}");
    // The message quoting the cell is cut too.
    let message = text
        .lines()
        .find(|l| l.contains("unknown-letter]"))
        .unwrap();
    assert!(message.chars().count() < 500, "{message}");
    assert!(message.contains("XXX…"), "{message}");
    assert!(
        message.ends_with("or use this page as a translation of one that has the letters"),
        "{message}"
    );
}

#[test]
fn activities_up_to_the_limit_and_not_one_more() {
    let rows = |n: usize| -> String {
        (0..n)
            .map(|i| format!("| Patch server {i} | RA | CI |\n"))
            .collect()
    };
    // The line of the first row over the limit: 6 lines of heading and table header.
    let message = format!(
        "line {}: the matrix has {} activities, over the limit of {} ",
        MAX_ACTIVITIES + 7,
        annex::limits::thousands(MAX_ACTIVITIES + 1),
        annex::limits::thousands(MAX_ACTIVITIES)
    );
    accepts_and_refuses(
        &page(&rows(MAX_ACTIVITIES)),
        &page(&rows(MAX_ACTIVITIES + 1)),
        &message,
    );
}

#[test]
fn activity_text_up_to_the_limit_and_not_one_more() {
    let text = |n: usize| "é".repeat(n);
    accepts_and_refuses(
        &page(&format!("| {} | RA | CI |\n", text(MAX_TEXT_CHARS))),
        &page(&format!("| {} | RA | CI |\n", text(MAX_TEXT_CHARS + 1))),
        "has 50,001 characters, over the limit of 50,000 (annex refuses larger inputs: limits::MAX_TEXT_CHARS)",
    );
}

#[test]
fn table_cells_up_to_the_limit_and_not_one_more() {
    // Letter cells are not activity text: only the cell limit applies to them.
    accepts_and_refuses(
        &page(&format!(
            "| Do | R{} | CI |\n",
            " ".repeat(MAX_CELL_CHARS - 2) + "A"
        )),
        &page(&format!(
            "| Do | R{} | CI |\n",
            " ".repeat(MAX_CELL_CHARS - 1) + "A"
        )),
        "line 7: table cell at column 8 has 100,001 characters, over the limit of 100,000",
    );
}

#[test]
fn section_nesting_up_to_the_limit_and_not_one_more() {
    let nested = |depth: usize| -> String {
        let mut out = String::from("# Nesting\n\n");
        for d in 1..=depth {
            let number = vec!["1"; d].join(".");
            out.push_str(&format!(
                "### {number}. Level {d}\n\n{HEAD}| Act {d} | RA | CI |\n\n"
            ));
        }
        out
    };
    accepts_and_refuses(
        &nested(MAX_SECTION_DEPTH),
        &nested(MAX_SECTION_DEPTH + 1),
        "section 33: number has 33 levels, over the limit of 32",
    );
}

#[test]
fn a_canonical_matrix_over_a_limit_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = write(
        d,
        "ok.md",
        &page(&format!("| {} | RA | CI |\n", "a".repeat(100))),
    );
    let out = annex(d, &["import", &ok, "-o", "m.toml"]);
    assert!(out.status.success(), "{}", show(&out));
    let canonical = std::fs::read_to_string(d.join("m.toml")).unwrap();
    let long = canonical.replace(&"a".repeat(100), &"a".repeat(MAX_TEXT_CHARS + 1));
    let m = write(d, "long.toml", &long);
    let line = long
        .lines()
        .position(|l| l.starts_with("id = \"1/aaa"))
        .unwrap()
        + 1;
    for args in [
        vec!["check", &m],
        vec!["render", "--matrix", &m, "--out", "out"],
    ] {
        let out = annex(d, &args);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let text = stdout(&out) + &stderr(&out);
        assert!(text.contains("error[matrix::limit]"), "{text}");
        assert!(
            text.contains(&format!("long.toml:{line}:1")),
            "line {line}: {text}"
        );
        assert!(
            text.contains("has 50,001 characters, over the limit of 50,000"),
            "{text}"
        );
    }
}

#[test]
fn import_refuses_a_page_whose_canonical_file_would_not_load() {
    // Control characters are written as `\uXXXX` escapes: the canonical file is five times
    // the size of the page, which is itself under every limit.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cell = "\u{1}".repeat(1_000);
    let rows: String = (0..4_500)
        .map(|i| format!("| {i} {cell} | RA | CI |\n"))
        .collect();
    let p = write(d, "p.md", &page(&rows));
    assert!(std::fs::metadata(d.join(&p)).unwrap().len() < MAX_INPUT_BYTES as u64);
    let out = annex(d, &["import", &p, "-o", "m.toml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stderr(&out).contains("its canonical matrix would be"),
        "{}",
        show(&out)
    );
    assert!(
        stderr(&out).contains("limits::MAX_INPUT_BYTES"),
        "{}",
        show(&out)
    );
    assert!(!d.join("m.toml").exists());
}

#[test]
fn a_matrix_of_another_schema_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed =
        std::fs::read_to_string(repo("data/matrices/ovhcloud-data-processing.toml")).unwrap();
    let m = write(
        d,
        "m.toml",
        &seed.replace("\nschema = 1\n", "\nschema = 2\n"),
    );
    let line = seed.lines().position(|l| l == "schema = 1").unwrap() + 1;
    for args in [
        vec!["check", &m],
        vec!["render", "--matrix", &m, "--out", "out"],
    ] {
        let out = annex(d, &args);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        let text = stdout(&out) + &stderr(&out);
        assert!(text.contains("error[matrix::schema]"), "{text}");
        assert!(
            text.contains("m.toml: schema 2 is not supported: this annex reads schema 1 only"),
            "{text}"
        );
        assert!(text.contains(&format!("m.toml:{line}:10")), "{text}");
    }
    let json = serde_json::to_string(&toml::from_str::<serde_json::Value>(&seed).unwrap())
        .unwrap()
        .replace("\"schema\":1", "\"schema\":3");
    let j = write(d, "m.json", &json);
    let out = annex(d, &["check", &j]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        stdout(&out).contains("schema 3 is not supported"),
        "{}",
        show(&out)
    );
}

#[test]
fn profile_texts_up_to_the_limit_and_not_one_more() {
    use annex::limits::MAX_PROFILE_TEXT_CHARS;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let acme = std::fs::read_to_string(repo("data/profiles/acme.toml")).unwrap();
    let with = |n: usize| {
        acme.replace(
            "address = \"12 rue de l'Innovation, 59100 Roubaix, France\"",
            &format!("address = \"{}\"", "é".repeat(n)),
        )
    };
    let ok = write(d, "ok.toml", &with(MAX_PROFILE_TEXT_CHARS));
    let over = write(d, "over.toml", &with(MAX_PROFILE_TEXT_CHARS + 1));
    let out = annex(d, &["check", "--profile", &ok]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let line = acme.lines().position(|l| l.starts_with("address")).unwrap() + 1;
    let place = format!("over.toml:{line}:12");
    let expected = [
        "error[profile::too-long]",
        "customer.address has 1,001 characters, over the limit of 1,000",
        &place,
    ];
    refused(d, &["check", "--profile", &over], &expected);
    refused(
        d,
        &["render", "--profile", &over, "--out", "out"],
        &expected,
    );
}

#[test]
fn interleaved_emphasis_marks_up_to_the_limit_and_not_one_more() {
    use annex::limits::MAX_MIXED_EMPHASIS;
    // `*a_` repeated: the Markdown parser's worst case (quadratic in the marks). Many marks
    // of one kind alone are fine.
    let row = |n: usize, tail: &str| format!("| {}{tail} | RA | CI |\n", "*a_".repeat(n));
    let ok = page(&(row(MAX_MIXED_EMPHASIS, "") + &row(0, &"*a".repeat(20_000))));
    accepts_and_refuses(
        &ok,
        &page(&row(MAX_MIXED_EMPHASIS + 1, "")),
        "line 7: the line has 101 `*` and 101 `_`",
    );
}

#[test]
fn the_import_report_shows_the_first_notes_of_each_rule_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 1,000 rows with letters out of R-A-C-I order, each an `import::letter-order` note.
    let rows: String = (0..1_000)
        .map(|i| format!("| Row {i} | AR | IC |\n"))
        .collect();
    let p = write(d, "p.md", &page(&rows));
    let out = annex(d, &["import", &p, "-o", "m.toml"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = stderr(&out);
    assert_eq!(text.matches("[import::letter-order]").count(), 20, "{text}");
    assert!(
        text.contains("... and 1,980 more import::letter-order notes"),
        "{text}"
    );
    assert!(text.contains("2000 repairs or oddities"), "{text}");
}

#[test]
fn page_lines_up_to_the_limit_and_not_one_more() {
    use annex::limits::MAX_LINE_CHARS;
    // Prose after the table is not imported, but it is still read.
    let prose = |n: usize| page(&format!("| Do | RA | CI |\n\n{}\n", "w".repeat(n)));
    accepts_and_refuses(
        &prose(MAX_LINE_CHARS),
        &prose(MAX_LINE_CHARS + 1),
        "line 9: the line has 200,001 characters, over the limit of 200,000",
    );
}

/// A character that no bundled font has (CJK, emoji, an unassigned code point) is refused
/// at its field, with exit 1 and no output, in a profile and in a matrix row; Typst's
/// PDF/UA export used to fail on it (exit 2), pointing at the generated source.
#[test]
fn characters_no_bundled_font_can_show_are_refused_at_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let acme = std::fs::read_to_string(repo("data/profiles/acme.toml")).unwrap();
    let cjk = acme.replace(
        "address = \"12 rue de l'Innovation, 59100 Roubaix, France\"",
        "address = \"ACME 株式会社, Tokyo\"",
    );
    assert_ne!(cjk, acme);
    let p = write(d, "cjk.toml", &cjk);
    let line = acme.lines().position(|l| l.starts_with("address")).unwrap() + 1;
    let place = format!("cjk.toml:{line}:");
    let expected = [
        "error[profile::undisplayable]",
        "customer.address has U+682A “株”, a character that no font bundled with annex can show",
        &place,
    ];
    refused(d, &["check", "--profile", &p], &expected);
    refused(d, &["render", "--profile", &p, "--out", "out"], &expected);

    let seed =
        std::fs::read_to_string(repo("data/matrices/ovhcloud-data-processing.toml")).unwrap();
    let emoji = seed.replacen("\ntext = \"", "\ntext = \"\u{1F600} ", 1);
    assert_ne!(emoji, seed);
    let m = write(d, "m.toml", &emoji);
    let acme = repo("data/profiles/acme.toml");
    let acme = acme.to_str().unwrap();
    let expected = [
        "error[matrix::undisplayable]",
        "has U+1F600 “\u{1F600}”",
        "m.toml:",
    ];
    refused(d, &["check", &m], &expected);
    let render = ["render", "--matrix", &m, "--profile", acme, "--out", "out"];
    refused(d, &render, &expected);
}

/// The catalogue's texts are printed too (a region's city, a service's name): one with a
/// character no bundled font can show is refused at its entry.
#[test]
fn a_catalogue_text_no_bundled_font_can_show_is_refused_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let builtin = std::fs::read_to_string(repo("data/catalogue.toml")).unwrap();
    let edited = builtin.replacen("city = \"Gravelines\"", "city = \"Gravelines 市\"", 1);
    assert_ne!(edited, builtin);
    let catalogue = write(d, "catalogue.toml", &edited);
    let acme = repo("data/profiles/acme.toml");
    let args = [
        "render",
        "--catalogue",
        &catalogue,
        "--profile",
        acme.to_str().unwrap(),
        "--out",
        "out",
    ];
    let expected = [
        "error[catalogue::undisplayable]",
        "region `GRA`: city has U+5E02 “市”",
        "catalogue.toml:",
    ];
    refused(d, &args, &expected);
}
