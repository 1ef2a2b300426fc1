//! Front matter: the page's simple YAML header (`---` … `---`).
//!
//! Only top-level `key: value` lines and block scalars are read; nested maps and unknown
//! keys are skipped rather than refused, since pages carry many keys we have no use for.
//! Invariant: [`FrontMatter::body_start`] is the index of the first body line, so that line
//! numbers in notes keep counting the front matter.

use super::{ImportNote, NoteSeverity};

#[derive(Debug, Default)]
pub(super) struct FrontMatter {
    pub(super) title: Option<String>,
    pub(super) excerpt: Option<String>,
    pub(super) updated: Option<String>,
    pub(super) language: Option<String>,
    /// Index (0-based) of the first body line.
    pub(super) body_start: usize,
}

/// Reads a simple YAML front matter: top-level `key: value` lines, quoted or not, and
/// `key: >`/`|` block scalars. Nested maps and unknown keys are ignored.
pub(super) fn front_matter(lines: &[&str], notes: &mut Vec<ImportNote>) -> FrontMatter {
    let mut fm = FrontMatter::default();
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return fm;
    }
    let Some(end) = lines
        .iter()
        .skip(1)
        .position(|l| matches!(l.trim_end(), "---" | "..."))
    else {
        notes.push(ImportNote {
            line: 1,
            column: None,
            severity: NoteSeverity::Warning,
            code: "import::front-matter",
            message: "front matter opened by `---` is never closed: read as page body".into(),
        });
        return fm;
    };
    let end = end + 1;
    // A page opening with a thematic break is not front matter: YAML has no table rows.
    if lines[1..end]
        .iter()
        .any(|l| l.trim_start().starts_with('|'))
    {
        return fm;
    }
    let mut i = 1;
    while i < end {
        let line = lines[i];
        i += 1;
        if line.starts_with([' ', '\t', '#']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            continue;
        }
        let value = value.trim();
        let value = if matches!(value, ">" | ">-" | ">+" | "|" | "|-" | "|+") {
            // Block scalar: the following indented lines.
            let mut parts = Vec::new();
            while i < end && (lines[i].starts_with([' ', '\t']) || lines[i].trim().is_empty()) {
                parts.push(lines[i].trim());
                i += 1;
            }
            let sep = if value.starts_with('>') { " " } else { "\n" };
            parts.join(sep).trim().to_owned()
        } else {
            yaml_scalar(value)
        };
        if value.is_empty() {
            continue;
        }
        match key {
            "title" => fm.title = Some(value),
            "excerpt" | "description" => fm.excerpt = Some(value),
            "updated" | "date" | "last_updated" | "lastmod" => fm.updated = Some(value),
            "lang" | "language" | "locale" => fm.language = Some(value),
            _ => {}
        }
    }
    fm.body_start = end + 1;
    fm
}

/// Value of a one-line YAML scalar: quotes removed (with their escapes), comments dropped.
fn yaml_scalar(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => out.push('\\'),
            }
        }
        return out;
    }
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return inner.replace("''", "'");
    }
    match v.find(" #") {
        Some(k) => v[..k].trim_end().to_owned(),
        None => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{imp, HEAD};

    #[test]
    fn block_scalars_and_key_aliases() {
        let lines = [
            "---",
            "title: T",
            "excerpt: >",
            "  folded",
            "  text",
            "lang: fr-FR",
            "nested:",
            "  title: not this",
            "---",
            "body",
        ];
        let mut notes = Vec::new();
        let fm = front_matter(&lines, &mut notes);
        assert_eq!(fm.title.as_deref(), Some("T"));
        assert_eq!(fm.excerpt.as_deref(), Some("folded text"));
        assert_eq!(fm.language.as_deref(), Some("fr-FR"));
        assert_eq!(fm.body_start, 9);
        assert!(notes.is_empty());
        let lines = [
            "---",
            "description: |",
            "  a",
            "  b",
            "date: 2024-01-02",
            "---",
        ];
        let fm = front_matter(&lines, &mut notes);
        assert_eq!(fm.excerpt.as_deref(), Some("a\nb"));
        assert_eq!(fm.updated.as_deref(), Some("2024-01-02"));
    }

    #[test]
    fn no_front_matter_unclosed_or_a_thematic_break() {
        let mut notes = Vec::new();
        assert_eq!(front_matter(&["# x"], &mut notes).body_start, 0);
        assert_eq!(
            front_matter(&["---", "| a |", "---"], &mut notes).body_start,
            0
        );
        assert!(notes.is_empty());
        let fm = front_matter(&["---", "title: T"], &mut notes);
        assert_eq!((fm.body_start, fm.title), (0, None));
        assert_eq!(notes.len(), 1);
        assert_eq!((notes[0].line, notes[0].code), (1, "import::front-matter"));
    }

    #[test]
    fn yaml_scalars() {
        assert_eq!(yaml_scalar(r#""a\"b\n""#), "a\"b\n");
        assert_eq!(yaml_scalar("'it''s'"), "it's");
        assert_eq!(yaml_scalar("value # comment"), "value");
        assert_eq!(yaml_scalar("a#b"), "a#b");
    }

    #[test]
    fn front_matter_keys_quotes_and_unknown_keys() {
        let page = format!(
            "---\ntitle: \"Quoted \\\"title\\\"\"\nslug: x\nroutes:\n    canonical: '/a'\nexcerpt: 'It''s short'\n\
             kb: Foo\ncategory_l1: Bar\norder: 6\nupdated: 2024-02-29\n---\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n"
        );
        let i = imp(&page);
        assert_eq!(i.matrix.title, "Quoted \"title\"");
        assert_eq!(i.matrix.excerpt.as_deref(), Some("It's short"));
        assert_eq!(i.matrix.version.as_deref(), Some("2024-02-29"));
        // Line numbers count the front matter.
        assert_eq!(i.section_lines["1"], 13);
        assert_eq!(i.activity_lines["1/do"], 17);
    }
}
