//! Tolerant line reader: the block structure of a page, read line by line.
//!
//! Published tables are often not valid Markdown (missing delimiter rows, ragged rows, no
//! closing pipe, trailing TABs), and a CommonMark parser would turn such rows into
//! paragraphs and lose their lines. So blocks are recognised here from single lines, and
//! table lines are split on unescaped pipes whatever their shape.
//!
//! Invariants: nothing here panics, whatever the line; cells keep their raw Markdown (inline
//! markup is [`super::inline`]'s business); every column is 1-based and counts characters
//! (Unicode scalar values), not bytes, so that notes point into the original file.

/// One cell of a table line: its trimmed raw (Markdown) text and columns.
#[derive(Debug, Clone)]
pub(super) struct RawCell<'a> {
    pub(super) text: &'a str,
    pub(super) cols: (usize, usize),
}

/// One table line split on unescaped pipes.
#[derive(Debug, Clone)]
pub(super) struct RawRow<'a> {
    pub(super) line: usize,
    pub(super) cells: Vec<RawCell<'a>>,
    /// Whether the line ends with a pipe (a row missing it is a quirk worth mentioning).
    pub(super) closed: bool,
    /// Column just after the last non-blank character.
    pub(super) end_col: usize,
}

impl RawRow<'_> {
    pub(super) fn is_delimiter(&self) -> bool {
        !self.cells.is_empty() && self.cells.iter().all(|c| is_delimiter_cell(c.text))
    }

    pub(super) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.text.is_empty())
    }
}

fn is_delimiter_cell(t: &str) -> bool {
    let t = t.strip_prefix(':').unwrap_or(t);
    let t = t.strip_suffix(':').unwrap_or(t);
    !t.is_empty() && t.chars().all(|c| c == '-')
}

/// Splits a table line into cells. Tolerates a missing leading or closing pipe, trailing
/// blanks and TABs after the last pipe, and `\|` inside a cell.
pub(super) fn split_row(line_no: usize, line: &str) -> RawRow<'_> {
    let content = line.trim_end();
    let chars: Vec<(usize, char)> = content.char_indices().collect();
    let byte_at = |ci: usize| chars.get(ci).map_or(content.len(), |&(b, _)| b);
    let mut i = chars.iter().take_while(|(_, c)| c.is_whitespace()).count();
    let leading_pipe = chars.get(i).is_some_and(|&(_, c)| c == '|');
    if leading_pipe {
        i += 1;
    }
    let mut bounds = Vec::new();
    let mut cell_start = i;
    let mut escaped = false;
    while i < chars.len() {
        let c = chars[i].1;
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            bounds.push((cell_start, i));
            cell_start = i + 1;
        }
        i += 1;
    }
    let closed = cell_start == chars.len();
    if !closed {
        bounds.push((cell_start, chars.len()));
    }
    let cells = bounds
        .into_iter()
        .map(|(a, b)| {
            let first = (a..b).find(|&k| !chars[k].1.is_whitespace());
            match first {
                None => RawCell {
                    text: "",
                    cols: (a + 1, a + 1),
                },
                Some(s) => {
                    let e = (s..b)
                        .rev()
                        .find(|&k| !chars[k].1.is_whitespace())
                        .map_or(s, |k| k + 1);
                    RawCell {
                        text: &content[byte_at(s)..byte_at(e)],
                        cols: (s + 1, e + 1),
                    }
                }
            }
        })
        .collect();
    RawRow {
        line: line_no,
        cells,
        closed,
        end_col: chars.len() + 1,
    }
}

pub(super) fn has_unescaped_pipe(s: &str) -> bool {
    let mut escaped = false;
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '|' => return true,
            _ => {}
        }
    }
    false
}

pub(super) fn is_delimiter_line(s: &str) -> bool {
    let t = s.trim();
    t.contains('-')
        && t.contains('|')
        && t.chars().all(|c| matches!(c, '|' | ':' | '-' | ' ' | '\t'))
}

/// An ATX heading line.
pub(super) struct Atx<'a> {
    pub(super) level: usize,
    pub(super) content: &'a str,
    /// Columns of the `#` run.
    pub(super) hashes: (usize, usize),
}

pub(super) fn parse_atx(line: &str) -> Option<Atx<'_>> {
    let rest = line.trim_start_matches(' ');
    let indent = line.len() - rest.len();
    if indent > 3 {
        return None;
    }
    let level = rest.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let after = &rest[level..];
    if !after.is_empty() && !after.starts_with([' ', '\t']) {
        return None;
    }
    let mut content = after.trim();
    // Optional closing sequence: `## Title ##`.
    let without = content.trim_end_matches('#');
    if without.len() < content.len() && (without.is_empty() || without.ends_with([' ', '\t'])) {
        content = without.trim_end();
    }
    Some(Atx {
        level,
        content,
        hashes: (indent + 1, indent + 1 + level),
    })
}

/// Opening fence of a fenced code block: the fence character and run length.
pub(super) fn fence_open(line: &str) -> Option<(char, usize)> {
    let rest = line.trim_start_matches(' ');
    if line.len() - rest.len() > 3 {
        return None;
    }
    let c = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let n = rest.chars().take_while(|&x| x == c).count();
    if n < 3 || (c == '`' && rest[n..].contains('`')) {
        return None;
    }
    Some((c, n))
}

pub(super) fn closes_fence(line: &str, (c, n): (char, usize)) -> bool {
    let rest = line.trim_start_matches(' ');
    line.len() - rest.len() <= 3
        && rest.chars().take_while(|&x| x == c).count() >= n
        && rest.trim_start_matches(c).trim().is_empty()
}

/// A line continuing a table block: not blank, not a heading, and holding a pipe.
pub(super) fn is_table_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && parse_atx(line).is_none()
        && fence_open(line).is_none()
        && (t.starts_with('|') || has_unescaped_pipe(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_support::{at_cols, imp, letters, HEAD};

    #[test]
    fn split_row_gives_trimmed_cells_with_character_columns() {
        let row = split_row(7, "| a | b |");
        assert_eq!(row.line, 7);
        let cells: Vec<(&str, (usize, usize))> =
            row.cells.iter().map(|c| (c.text, c.cols)).collect();
        assert_eq!(cells, [("a", (3, 4)), ("b", (7, 8))]);
        assert!(row.closed);
        assert_eq!(row.end_col, 10);
        // Columns count characters, not bytes.
        let row = split_row(1, "| é | 日本 |");
        let cells: Vec<(&str, (usize, usize))> =
            row.cells.iter().map(|c| (c.text, c.cols)).collect();
        assert_eq!(cells, [("é", (3, 4)), ("日本", (7, 9))]);
    }

    #[test]
    fn split_row_tolerates_missing_pipes_escapes_and_trailing_blanks() {
        let row = split_row(1, r"| a \| b | c");
        let texts: Vec<&str> = row.cells.iter().map(|c| c.text).collect();
        assert_eq!(texts, [r"a \| b", "c"]);
        assert!(!row.closed);
        let row = split_row(1, "a | b |\t ");
        let texts: Vec<&str> = row.cells.iter().map(|c| c.text).collect();
        assert_eq!(texts, ["a", "b"]);
        assert!(row.closed);
        // An empty cell sits just after its opening pipe.
        let row = split_row(1, "| a || b |");
        let cells: Vec<(&str, (usize, usize))> =
            row.cells.iter().map(|c| (c.text, c.cols)).collect();
        assert_eq!(cells, [("a", (3, 4)), ("", (6, 6)), ("b", (8, 9))]);
    }

    #[test]
    fn delimiter_and_blank_rows() {
        assert!(split_row(1, "| :-: | --- | ---: |").is_delimiter());
        assert!(!split_row(1, "| a | --- |").is_delimiter());
        assert!(!split_row(1, "| : | --- |").is_delimiter());
        assert!(split_row(1, "| | |").is_blank());
        assert!(!split_row(1, "| | x |").is_blank());
        assert!(is_delimiter_line("|---|:-:|"));
        assert!(is_delimiter_line("--- | ---"));
        assert!(!is_delimiter_line("| a |"));
        assert!(!is_delimiter_line("---"));
    }

    #[test]
    fn unescaped_pipes_and_table_lines() {
        assert!(has_unescaped_pipe("a | b"));
        assert!(!has_unescaped_pipe(r"a \| b"));
        assert!(has_unescaped_pipe(r"a \\| b"));
        assert!(is_table_line("| a |"));
        assert!(is_table_line("a | b"));
        assert!(!is_table_line("   "));
        assert!(!is_table_line("## a | b"));
        assert!(!is_table_line("```|"));
        assert!(!is_table_line("plain"));
    }

    #[test]
    fn atx_headings() {
        let h = parse_atx("### 1. S").unwrap();
        assert_eq!((h.level, h.content, h.hashes), (3, "1. S", (1, 4)));
        let h = parse_atx("   ## T ##").unwrap();
        assert_eq!((h.level, h.content, h.hashes), (2, "T", (4, 6)));
        assert_eq!(parse_atx("## Title#").unwrap().content, "Title#");
        assert_eq!(parse_atx("#").unwrap().content, "");
        assert!(parse_atx("    # code").is_none());
        assert!(parse_atx("#hashtag").is_none());
        assert!(parse_atx("####### seven").is_none());
    }

    #[test]
    fn code_fences() {
        assert_eq!(fence_open("```rust"), Some(('`', 3)));
        assert_eq!(fence_open("~~~~"), Some(('~', 4)));
        assert_eq!(fence_open("``` a ` b"), None);
        assert_eq!(fence_open("``"), None);
        assert_eq!(fence_open("    ```"), None);
        assert!(closes_fence("````", ('`', 3)));
        assert!(closes_fence("```  ", ('`', 3)));
        assert!(!closes_fence("``", ('`', 3)));
        assert!(!closes_fence("``` x", ('`', 3)));
        assert!(!closes_fence("~~~", ('`', 3)));
    }

    #[test]
    fn trailing_blanks_tabs_and_empty_cells() {
        let rows = "| Tab after | RA | CI |\t\n| Spaces after | RA |  |  \n|No lead space |RA |  | \n| Empty a || RA |\n| Empty b | | RA |\n| Empty c |   | RA |\n| Spaced  cell   |  RA  | I |\n";
        let page = format!("### 1. S\n\n{HEAD}{rows}");
        let i = imp(&page);
        assert_eq!(letters(&i, "Tab after"), ["RA", "CI"]);
        assert_eq!(letters(&i, "Spaces after"), ["RA", ""]);
        assert_eq!(letters(&i, "No lead space"), ["RA", ""]);
        for t in ["Empty a", "Empty b", "Empty c"] {
            assert_eq!(letters(&i, t), ["", "RA"], "{t}");
        }
        assert_eq!(letters(&i, "Spaced  cell"), ["RA", "I"]);
        assert!(i.notes.is_empty(), "{:?}", i.notes);
        let line = page.lines().nth(10).unwrap();
        let id = i
            .matrix
            .activities()
            .find(|(_, a)| a.text == "Spaced  cell")
            .unwrap()
            .1
            .id
            .clone();
        assert_eq!(id, "1/spaced-cell");
        let cols = i.cell_columns[&(id, "customer".to_owned())];
        assert_eq!(at_cols(line, cols), "RA");
        assert_eq!(cols, (21, 23));
    }
}
