//! The user guide (`docs/book`, #28) against what it documents: each file format's
//! reference page names every property of that format's JSON Schema (`schemas/`), so a key
//! added to a format cannot go undocumented. `scripts/book-check.sh` builds the book and
//! runs its examples; this test needs no tool.

use crate::repo;
use std::collections::BTreeSet;

/// Every property name of a JSON Schema, at any depth (`properties` of the root, of
/// `$defs`, of nested objects and items).
fn property_names(schema: &serde_json::Value, out: &mut BTreeSet<String>) {
    match schema {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if key == "properties" {
                    if let Some(props) = value.as_object() {
                        out.extend(props.keys().cloned());
                    }
                }
                property_names(value, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                property_names(item, out);
            }
        }
        _ => {}
    }
}

/// The words written as code on a Markdown page: in fenced blocks and in inline code spans
/// (`[customer] legal-name` names `customer` and `legal-name`).
fn code_words(page: &str) -> BTreeSet<String> {
    let mut code = Vec::new();
    let mut fenced = false;
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if fenced {
            code.push(line);
        } else {
            code.extend(line.split('`').skip(1).step_by(2));
        }
    }
    code.iter()
        .flat_map(|c| c.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_format_page_names_every_property_of_its_schema() {
    let mut problems = Vec::new();
    for (format, page) in [
        ("profile", "docs/book/src/reference/profile.md"),
        ("matrix", "docs/book/src/reference/matrix.md"),
        ("catalogue", "docs/book/src/reference/catalogue.md"),
        ("policy", "docs/book/src/reference/policy.md"),
    ] {
        let schema_path = format!("schemas/{format}.schema.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(repo(&schema_path)).unwrap()).unwrap();
        let mut names = BTreeSet::new();
        property_names(&schema, &mut names);
        assert!(!names.is_empty(), "{schema_path} has no properties");
        let words = code_words(&std::fs::read_to_string(repo(page)).unwrap());
        for name in names.difference(&words) {
            problems.push(format!("{page} does not name `{name}` ({schema_path})"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_book_lists_every_page_it_has() {
    let summary = std::fs::read_to_string(repo("docs/book/src/SUMMARY.md")).unwrap();
    let src = repo("docs/book/src");
    let mut missing = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") && !path.ends_with("SUMMARY.md") {
                let rel = path
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if !summary.contains(&format!("]({rel})")) {
                    missing.push(rel);
                }
            }
        }
    }
    missing.sort();
    assert!(missing.is_empty(), "pages not in SUMMARY.md: {missing:?}");
}
