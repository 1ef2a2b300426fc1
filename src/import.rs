//! Markdown importer: a provider's published responsibility-model page → canonical [`Matrix`].
//!
//! # Stage
//!
//! First stage of the pipeline (`annex import`): it reads a page as published (front matter,
//! headings, RACI tables) and produces the canonical matrix plus [`ImportNote`]s about every
//! quirk it had to tolerate, with source positions for diagnostics. Everything after it
//! (canonical TOML/JSON, lint, diff, render) works on the [`Matrix`] only.
//!
//! # Invariants
//!
//! - Never panics, whatever the input; refuses only inputs that cannot be a page
//!   ([`ImportError`]: binary, not UTF-8, too large, empty, no RACI table at all). Anything
//!   else is imported as well as possible and reported as notes.
//! - Activity text is verbatim: the cell's visible text trimmed at both ends, inner spaces,
//!   typos and doubled words kept. Markdown markup is dropped (`**bold**` → `bold`,
//!   `[text](url){.external}` → `text`, the URL going to [`Activity::links`]); a cell
//!   without markup characters is copied as is.
//! - Section numbers are the numbers printed in the heading text (`### 1.`,
//!   `##### **3.1.1. Daily operations**`), never the heading depth; a heading whose depth does
//!   not match its number is reported (`import::level-slip`) but placed by its number.
//! - Letters are read as a set ([`Letters::parse_lenient`]); any order or case is accepted and
//!   reported when it differs from R-A-C-I order.
//! - Every line and column in notes and maps is 1-based in the original file, front matter
//!   included; columns count characters (Unicode scalar values), not bytes.
//! - Activity ids follow [`crate::ids`]; every party of the matrix gets an entry in every
//!   activity's `letters` (an empty cell is an empty set), so the canonical file shows blanks.
//!
//! # How the page is read
//!
//! Published pages are often not valid Markdown tables: delimiter rows go missing, rows have
//! fewer cells than the header, rows lack their closing pipe, lines end in TABs. A CommonMark
//! parser would silently turn such rows into paragraphs and lose the line structure we need
//! for diagnostics, so the *block* structure is read by a tolerant line-based reader:
//!
//! - front matter (`---` … `---`, simple `key: value` YAML, unknown and nested keys ignored);
//! - ATX headings (`#` … `######`), fenced code blocks and HTML comments (skipped);
//! - tables: any run of lines starting with `|` (or containing a `|` and followed by a
//!   delimiter row), split on unescaped pipes, whatever their cell count or closing pipe;
//! - prose lines (section notes, `**Last updated …**` lines, legend lines).
//!
//! The *inline* content of every heading, cell and prose line is read with `pulldown-cmark`
//! (GFM table cells, so block syntax such as `1.` or `-` at the start of a cell stays text):
//! it strips emphasis, resolves escapes and entities, and yields links and their URLs.
//! Setext headings (underlined with `===`) are not recognised; pages use ATX headings.
//!
//! # Choices where a page is ambiguous
//!
//! - A section's note is the prose between its heading and its first table, as Markdown
//!   source lines (trailing blanks trimmed, paragraphs separated by one blank line). Prose
//!   after the table is reported (`import::prose-ignored`) and dropped.
//! - A table under an unnumbered heading deeper than the current numbered one ("##### Detail"
//!   under "#### 2.2.") continues that section; any other RACI table outside a numbered
//!   section gets a section with an empty number (`import::unnumbered-section`).
//! - Party ids are slugs of the header; any customer word ("Customer", "Client", …) gives
//!   the id `customer`. The provider is the only non-customer column, or else the one whose
//!   name appears in the file name, title or excerpt; [`DEFAULT_PROVIDER`] when unclear.
//! - Applicability columns: `X`, `x`, `✓`, `yes`/`oui` apply, blank or `-` does not, any other
//!   mark applies with a warning. A row marked for every variant, or for none (warning), gets
//!   an empty `variants` list, which the model reads as "all variants".
//! - A letter cell reading `n/a` (or `none`, `aucun`, …) is empty rather than "A".
//! - The version is the front matter `updated`, else a `**Last updated …**` body line; both
//!   are normalised to `YYYY-MM-DD` when they parse (numeric dates are read day first), and
//!   kept as printed otherwise.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use thiserror::Error;

use crate::ids;
use crate::model::{
    Activity, LegendEntry, Letter, Letters, Link, Matrix, Party, PartyRole, Section, Variant,
    SCHEMA_VERSION,
};

/// Largest input accepted by [`import_bytes`]: real pages are a few tens of KiB.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// Provider name used when no table column can be identified as the provider.
pub const DEFAULT_PROVIDER: &str = "OVHcloud";

/// Result of importing one page: the matrix and where each part of it came from.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The canonical matrix, with ids assigned.
    pub matrix: Matrix,
    /// Quirks met and tolerated, sorted by line then column.
    pub notes: Vec<ImportNote>,
    /// Activity id → 1-based source line of its table row.
    pub activity_lines: HashMap<String, usize>,
    /// Section number → 1-based source line of its heading (first heading if repeated).
    pub section_lines: HashMap<String, usize>,
    /// (activity id, party id) → 1-based character columns `start..end` (end exclusive) of
    /// the letter cell's trimmed text on the activity's line, for underlining. An empty cell
    /// gives `start == end` just after its opening pipe; a missing cell (ragged row) gives
    /// `start == end` at the end of the line.
    pub cell_columns: HashMap<(String, String), (usize, usize)>,
}

/// Something the importer noticed and tolerated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportNote {
    /// 1-based source line.
    pub line: usize,
    /// 1-based character columns `start..end` (end exclusive) on that line, when the note is
    /// about one cell or token.
    pub column: Option<(usize, usize)>,
    /// How much the user should care.
    pub severity: NoteSeverity,
    /// Stable machine-readable code, e.g. `import::ragged-row`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl fmt::Display for ImportNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Severity of an [`ImportNote`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteSeverity {
    /// A quirk read unambiguously (letter order, heading level slip, link kept as text).
    Info,
    /// Something that may have lost or guessed information (ragged row, unknown letter).
    Warning,
}

impl fmt::Display for NoteSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteSeverity::Info => "info",
            NoteSeverity::Warning => "warning",
        })
    }
}

/// Why a page could not be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    /// The input is larger than [`MAX_INPUT_BYTES`].
    #[error(
        "input is {size} bytes, over the {} MiB limit: this is not a responsibility-matrix page",
        limit / (1024 * 1024)
    )]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The input holds a NUL byte: it is a binary file, not a Markdown page.
    #[error(
        "input looks binary (NUL byte at line {line}, byte offset {offset}): \
         expected a Markdown page"
    )]
    Binary {
        /// 1-based line of the first NUL byte.
        line: usize,
        /// 0-based byte offset of the first NUL byte.
        offset: usize,
    },
    /// The input is not valid UTF-8.
    #[error(
        "input is not valid UTF-8 (line {line}, byte offset {offset}): save the page as UTF-8"
    )]
    NotUtf8 {
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 0-based byte offset of the first invalid byte.
        offset: usize,
    },
    /// The input is empty or only whitespace.
    #[error("input is empty")]
    Empty,
    /// No table with an activity column followed by party columns was found.
    #[error(
        "no RACI table found: expected a Markdown table whose header has an `Activity` column \
         followed by one column per party, e.g. `| Activity | Customer | OVHcloud |`"
    )]
    NoRaciTable,
}

/// Imports a page given as raw bytes: checks size, binary content and UTF-8, then calls
/// [`import_markdown`]. `source` is the file name recorded in [`Matrix::source`].
pub fn import_bytes(bytes: &[u8], source: &str) -> Result<Imported, ImportError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(ImportError::Binary {
            line: line_of(bytes, offset),
            offset,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        ImportError::NotUtf8 {
            line: line_of(bytes, offset),
            offset,
        }
    })?;
    import_markdown(text, source)
}

/// Imports a page given as text. `source` is the file name (or path) recorded in
/// [`Matrix::source`]; the service id and language are derived from it.
pub fn import_markdown(text: &str, source: &str) -> Result<Imported, ImportError> {
    if let Some(offset) = text.find('\0') {
        return Err(ImportError::Binary {
            line: line_of(text.as_bytes(), offset),
            offset,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut importer = Importer::new(&lines, source);
    importer.run();
    importer.finish()
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

// ---------------------------------------------------------------------------------------
// Vocabulary. Compared against `ids::slug` of the visible text, so case and accents do not
// matter ("Activité" → "activite").

/// Header of the activity column.
const ACTIVITY_WORDS: &[&str] = &[
    "activity",
    "activities",
    "activite",
    "activites",
    "actividad",
    "actividades",
    "attivita",
    "atividade",
    "atividades",
    "aktivitat",
    "taetigkeit",
    "tatigkeit",
    "task",
    "tasks",
    "tache",
    "taches",
];

/// Header of the customer's column; the party gets the id "customer" whatever the language.
const CUSTOMER_WORDS: &[&str] = &[
    "customer",
    "customers",
    "client",
    "clients",
    "cliente",
    "clientes",
    "kunde",
    "kunden",
    "klant",
    "the-customer",
    "le-client",
];

/// Header of a row-number column before the activity (not an applicability column).
const ROW_NUMBER_WORDS: &[&str] = &[
    "id",
    "no",
    "n",
    "nr",
    "num",
    "number",
    "ref",
    "reference",
    "item",
];

/// Header of the roles legend table.
const LEGEND_WORDS: &[&str] = &[
    "roles",
    "role",
    "roles-definition",
    "legend",
    "legende",
    "raci",
    "raci-definition",
    "definition",
    "definitions",
    "key",
];

// ---------------------------------------------------------------------------------------
// Line-level pieces.

/// One cell of a table line: its trimmed raw (Markdown) text and columns.
#[derive(Debug, Clone)]
struct RawCell<'a> {
    text: &'a str,
    cols: (usize, usize),
}

/// One table line split on unescaped pipes.
#[derive(Debug, Clone)]
struct RawRow<'a> {
    line: usize,
    cells: Vec<RawCell<'a>>,
    /// Whether the line ends with a pipe (a row missing it is a quirk worth mentioning).
    closed: bool,
    /// Column just after the last non-blank character.
    end_col: usize,
}

impl RawRow<'_> {
    fn is_delimiter(&self) -> bool {
        !self.cells.is_empty() && self.cells.iter().all(|c| is_delimiter_cell(c.text))
    }

    fn is_blank(&self) -> bool {
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
fn split_row(line_no: usize, line: &str) -> RawRow<'_> {
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

fn has_unescaped_pipe(s: &str) -> bool {
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

fn is_delimiter_line(s: &str) -> bool {
    let t = s.trim();
    t.contains('-')
        && t.contains('|')
        && t.chars().all(|c| matches!(c, '|' | ':' | '-' | ' ' | '\t'))
}

/// An ATX heading line.
struct Atx<'a> {
    level: usize,
    content: &'a str,
    /// Columns of the `#` run.
    hashes: (usize, usize),
}

fn parse_atx(line: &str) -> Option<Atx<'_>> {
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
fn fence_open(line: &str) -> Option<(char, usize)> {
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

fn closes_fence(line: &str, (c, n): (char, usize)) -> bool {
    let rest = line.trim_start_matches(' ');
    line.len() - rest.len() <= 3
        && rest.chars().take_while(|&x| x == c).count() >= n
        && rest.trim_start_matches(c).trim().is_empty()
}

/// Parses a section number at the start of a heading's visible text: `3.1.1. Daily
/// operations` → ("3.1.1", "Daily operations"). A number needs a dot (`1.` or `1.2`) so that
/// headings starting with a plain number ("2024 changes") are not taken as sections.
fn split_number(s: &str) -> Option<(String, String)> {
    let t = s.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let token = &t[..end];
    if !token.starts_with(|c: char| c.is_ascii_digit()) || !token.contains('.') {
        return None;
    }
    let number = token.strip_suffix('.').unwrap_or(token);
    if number.split('.').any(str::is_empty) {
        return None;
    }
    let rest = &t[end..];
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) && !token.ends_with('.') {
        return None;
    }
    Some((number.to_owned(), rest.trim().to_owned()))
}

// ---------------------------------------------------------------------------------------
// Inline content, through pulldown-cmark.

/// Visible text of a piece of inline Markdown, and its links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Inline {
    text: String,
    links: Vec<Link>,
}

/// Characters that may start inline markup; text without any is returned verbatim.
const MARKUP: &[char] = &['*', '_', '[', ']', '`', '<', '\\', '&', '!', '{', '~', '|'];

/// Reads inline Markdown as a GFM table cell (so that block syntax stays text) and returns
/// the visible text, trimmed, with links reduced to their text and `{.attr}` blocks after a
/// link dropped. Inline HTML is kept verbatim except `<br>`, read as a space.
fn inline(raw: &str) -> Inline {
    let raw = raw.trim();
    if !raw.contains(MARKUP) {
        return Inline {
            text: raw.to_owned(),
            links: vec![],
        };
    }
    // Escape bare pipes (they would split the synthetic cell) and keep a trailing backslash
    // from escaping the closing pipe.
    let mut cell = String::with_capacity(raw.len() + 8);
    let mut escaped = false;
    for c in raw.chars() {
        if c == '|' && !escaped {
            cell.push('\\');
        }
        escaped = c == '\\' && !escaped;
        cell.push(c);
    }
    if escaped {
        cell.push(' ');
    }
    let doc = format!("|{cell}|\n|---|\n");
    let mut text = String::new();
    let mut links = Vec::new();
    let mut open_links: Vec<(String, usize)> = Vec::new();
    let mut link_ends = Vec::new();
    let mut in_cell = false;
    let mut seen_cell = false;
    for event in Parser::new_ext(&doc, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::TableCell) => {
                in_cell = true;
                seen_cell = true;
            }
            Event::End(TagEnd::TableCell) => break,
            _ if !in_cell => {}
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                text.push_str(&t)
            }
            Event::InlineHtml(h) | Event::Html(h) => {
                if is_br(&h) {
                    text.push(' ');
                } else {
                    text.push_str(&h);
                }
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::FootnoteReference(r) => {
                text.push_str("[^");
                text.push_str(&r);
                text.push(']');
            }
            Event::TaskListMarker(done) => text.push_str(if done { "[x] " } else { "[ ] " }),
            Event::Start(Tag::Link { dest_url, .. }) => {
                open_links.push((dest_url.to_string(), text.len()))
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = open_links.pop() {
                    let link_text = text.get(start..).unwrap_or("").trim().to_owned();
                    links.push(Link {
                        text: link_text,
                        url,
                    });
                    link_ends.push(text.len());
                }
            }
            _ => {}
        }
    }
    if !seen_cell {
        return Inline {
            text: raw.to_owned(),
            links: vec![],
        };
    }
    // Drop `{.external}`-style attribute blocks glued to a link, last first so that the
    // recorded positions stay valid.
    for &pos in link_ends.iter().rev() {
        if let Some(rest) = text.get(pos..) {
            if let Some(len) = attribute_block_len(rest) {
                text.replace_range(pos..pos + len, "");
            }
        }
    }
    Inline {
        text: text.trim().to_owned(),
        links,
    }
}

fn is_br(html: &str) -> bool {
    let t: String = html
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    matches!(t.as_str(), "<br>" | "<br/>" | "</br>")
}

/// Length of a `{.class}` / `{#id}` attribute block at the start of `s`, if any.
fn attribute_block_len(s: &str) -> Option<usize> {
    let inner = s.strip_prefix('{')?;
    let close = inner.find('}')?;
    let body = &inner[..close];
    let ok = body.starts_with(['.', '#'])
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " .#-_=\"'".contains(c));
    ok.then_some(close + 2)
}

// ---------------------------------------------------------------------------------------
// Front matter and dates.

#[derive(Debug, Default)]
struct FrontMatter {
    title: Option<String>,
    excerpt: Option<String>,
    updated: Option<String>,
    language: Option<String>,
    /// Index (0-based) of the first body line.
    body_start: usize,
}

/// Reads a simple YAML front matter: top-level `key: value` lines, quoted or not, and
/// `key: >`/`|` block scalars. Nested maps and unknown keys are ignored.
fn front_matter(lines: &[&str], notes: &mut Vec<ImportNote>) -> FrontMatter {
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

/// A body line announcing the update date (`**Last updated September 28th, 2021**`,
/// `**Dernière mise à jour le 05/07/2023**`): the date text as printed.
fn updated_line(visible: &str) -> Option<String> {
    // A weak prefix ("Updated …") also starts ordinary sentences, so it only counts when
    // followed by a date that parses.
    const PREFIXES: &[(&str, bool)] = &[
        ("last updated", true),
        ("last update", true),
        ("dernière mise à jour", true),
        ("derniere mise a jour", true),
        ("updated", false),
        ("mise à jour", false),
        ("mis à jour", false),
    ];
    let lower = visible.to_lowercase();
    let &(prefix, strong) = PREFIXES.iter().find(|(p, _)| lower.starts_with(*p))?;
    // Lowercasing keeps byte lengths for the Latin letters of the prefixes; `get` guards
    // against any surprise.
    let mut rest = visible.get(prefix.len()..)?.trim_start();
    for filler in [":", "on ", "le ", "the ", "-"] {
        if rest
            .get(..filler.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(filler))
        {
            rest = rest[filler.len()..].trim_start();
        }
    }
    let rest = rest.trim().trim_end_matches('.').trim();
    let plausible = if strong {
        rest.chars().any(|c| c.is_ascii_digit())
    } else {
        parse_date(rest).is_some()
    };
    plausible.then(|| rest.to_owned())
}

/// Parses a date as printed on the pages: ISO, `DD/MM/YYYY` (day first, as on the European
/// pages; month first only when day first is impossible), `23rd December 2022`,
/// `September 28th, 2021`, `5 juillet 2023`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim().trim_matches(|c| c == '*' || c == '_').trim();
    if let (Some(head), Some(tail)) = (s.get(..10), s.get(10..)) {
        if tail.is_empty() || tail.starts_with(['T', ' ']) {
            if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
                return Some(d);
            }
        }
    }
    let mut month = None;
    let mut numbers: Vec<(u32, usize)> = Vec::new();
    for token in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let lower = token.to_lowercase();
        if let Some(m) = month_number(&lower) {
            if month.replace(m).is_some() {
                return None;
            }
            continue;
        }
        if DATE_FILLERS.contains(&lower.as_str()) {
            continue;
        }
        let digits = lower.chars().take_while(char::is_ascii_digit).count();
        let suffix = &lower[digits..];
        if digits == 0 || digits > 4 || !(suffix.is_empty() || ORDINALS.contains(&suffix)) {
            return None;
        }
        numbers.push((lower[..digits].parse().ok()?, digits));
    }
    let ymd = |y: u32, m: u32, d: u32| NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d);
    match (month, numbers.as_slice()) {
        (Some(m), [(a, 1..=2), (y, 4)]) | (Some(m), [(y, 4), (a, 1..=2)]) => ymd(*y, m, *a),
        (None, [(y, 4), (m, 1..=2), (d, 1..=2)]) => ymd(*y, *m, *d),
        (None, [(d, 1..=2), (m, 1..=2), (y, 4)]) => ymd(*y, *m, *d).or_else(|| ymd(*y, *d, *m)),
        _ => None,
    }
}

const DATE_FILLERS: &[&str] = &[
    "of",
    "the",
    "on",
    "le",
    "du",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

const ORDINALS: &[&str] = &["st", "nd", "rd", "th", "er", "re", "e", "eme", "ème"];

fn month_number(lower: &str) -> Option<u32> {
    const MONTHS: &[(&str, u32)] = &[
        ("january", 1),
        ("jan", 1),
        ("janvier", 1),
        ("janv", 1),
        ("february", 2),
        ("feb", 2),
        ("février", 2),
        ("fevrier", 2),
        ("févr", 2),
        ("fevr", 2),
        ("march", 3),
        ("mar", 3),
        ("mars", 3),
        ("april", 4),
        ("apr", 4),
        ("avril", 4),
        ("avr", 4),
        ("may", 5),
        ("mai", 5),
        ("june", 6),
        ("jun", 6),
        ("juin", 6),
        ("july", 7),
        ("jul", 7),
        ("juillet", 7),
        ("juil", 7),
        ("august", 8),
        ("aug", 8),
        ("août", 8),
        ("aout", 8),
        ("september", 9),
        ("sep", 9),
        ("sept", 9),
        ("septembre", 9),
        ("october", 10),
        ("oct", 10),
        ("octobre", 10),
        ("november", 11),
        ("nov", 11),
        ("novembre", 11),
        ("december", 12),
        ("dec", 12),
        ("décembre", 12),
        ("decembre", 12),
        ("déc", 12),
    ];
    MONTHS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, m)| m)
}

/// A date normalised to ISO `YYYY-MM-DD` when it parses, else the text as printed.
fn normalise_date(s: &str) -> String {
    parse_date(s).map_or_else(|| s.trim().to_owned(), |d| d.format("%Y-%m-%d").to_string())
}

// ---------------------------------------------------------------------------------------
// Source file name → service id and language.

/// Whether a dotted file-name part is a locale (`en-gb`, `fr`, `pt_PT`).
fn is_locale(part: &str) -> bool {
    let mut it = part.splitn(2, ['-', '_']);
    let lang = it.next().unwrap_or("");
    let region = it.next();
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && region.is_none_or(|r| {
            (2..=4).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric())
        })
}

/// Whether a dotted file-name part is a date (`2022-12-23`, `20221223`).
fn is_date_part(part: &str) -> bool {
    NaiveDate::parse_from_str(part, "%Y-%m-%d").is_ok()
        || (part.len() == 8 && NaiveDate::parse_from_str(part, "%Y%m%d").is_ok())
}

/// Splits a source path into its stem without extension, locale and date suffixes, and the
/// language of its locale suffix.
fn source_stem(source: &str) -> (String, Option<String>) {
    let name = source.rsplit(['/', '\\']).next().unwrap_or(source);
    let lower = name.to_ascii_lowercase();
    let mut stem = name;
    for ext in [".md", ".markdown", ".mdx", ".txt"] {
        if lower.ends_with(ext) {
            stem = &name[..name.len() - ext.len()];
            break;
        }
    }
    let mut language = None;
    while let Some((head, last)) = stem.rsplit_once('.') {
        if language.is_none() && is_locale(last) {
            let lang = last.split(['-', '_']).next().unwrap_or(last);
            language = Some(lang.to_ascii_lowercase());
        } else if !is_date_part(last) {
            break;
        }
        stem = head;
    }
    (stem.to_owned(), language)
}

/// Service id from the source file name: `block-storage.2022-12-23.en-gb.md` →
/// `block-storage`; `ovhcloud-data-processing-responsibility-model.md` → `data-processing`.
fn service_id(stem: &str, provider: &str, title: &str) -> String {
    let mut s = ids::slug(stem);
    let provider_prefix = format!("{}-", ids::slug(provider));
    if let Some(rest) = s.strip_prefix(&provider_prefix) {
        s = rest.to_owned();
    }
    for prefix in ["raci-"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_owned();
        }
    }
    for suffix in [
        "-responsibility-model",
        "-shared-responsibilities",
        "-shared-responsibility",
        "-responsibility-sharing",
        "-responsibilities",
        "-raci",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_owned();
            break;
        }
    }
    if s.is_empty() || s == "guide" || s == "index" {
        s = ids::slug(title);
    }
    if s.is_empty() {
        s = "matrix".to_owned();
    }
    s
}

// ---------------------------------------------------------------------------------------
// Cells.

/// What a letter cell holds.
struct LetterCell {
    letters: Letters,
    unknown: Vec<char>,
    /// The letters as written (uppercased), to compare with R-A-C-I order.
    written: String,
    not_applicable: bool,
}

fn letter_cell(visible: &str) -> LetterCell {
    let folded = visible.trim().to_lowercase();
    if matches!(
        folded.as_str(),
        "n/a" | "na" | "n.a." | "none" | "aucun" | "s/o" | "sans objet"
    ) {
        return LetterCell {
            letters: Letters::EMPTY,
            unknown: vec![],
            written: String::new(),
            not_applicable: true,
        };
    }
    let (letters, unknown) = Letters::parse_lenient(visible);
    let written = visible
        .chars()
        .filter_map(Letter::from_char)
        .map(Letter::as_char)
        .collect();
    LetterCell {
        letters,
        unknown,
        written,
        not_applicable: false,
    }
}

fn show_set(l: Letters) -> String {
    let v: Vec<String> = l.iter().map(|x| x.as_char().to_string()).collect();
    format!("{{{}}}", v.join(", "))
}

/// Reads an applicability mark: `X`, `x`, `✓` apply; blank or `-` does not.
fn variant_mark(visible: &str) -> Option<bool> {
    match visible.trim().to_lowercase().as_str() {
        "x" | "✓" | "✔" | "✅" | "☑" | "yes" | "y" | "oui" | "o" | "•" | "●" => {
            Some(true)
        }
        "" | "-" | "–" | "—" | "no" | "n" | "non" | "✗" | "✘" | "×" => Some(false),
        _ => None,
    }
}

/// A legend entry from a cell or line: `R : Is in charge…`, `A: …`, or a lone letter with
/// its meaning in `second`.
fn legend_entry(first: &str, second: Option<&str>) -> Option<(Letter, String)> {
    let t = first.trim();
    let mut chars = t.chars();
    let c = chars
        .next()
        .filter(|c| matches!(c, 'R' | 'A' | 'C' | 'I'))?;
    let letter = Letter::from_char(c)?;
    let rest = chars.as_str().trim_start();
    if rest.is_empty() {
        let meaning = second?.trim();
        return (!meaning.is_empty()).then(|| (letter, meaning.to_owned()));
    }
    let sep = rest.chars().next()?;
    if !matches!(sep, ':' | '：' | '=' | '-' | '–' | '—') {
        return None;
    }
    let meaning = rest[sep.len_utf8()..].trim();
    (!meaning.is_empty()).then(|| (letter, meaning.to_owned()))
}

fn strip_bullet(s: &str) -> &str {
    let t = s.trim_start();
    for b in ["- ", "* ", "+ "] {
        if let Some(rest) = t.strip_prefix(b) {
            return rest;
        }
    }
    t
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

// ---------------------------------------------------------------------------------------
// The importer proper.

/// Where tables and prose are attached while scanning.
#[derive(Debug, Clone)]
enum Ctx {
    /// Before any heading.
    Preamble { created: Option<usize> },
    /// Under a numbered heading.
    Numbered { idx: usize, level: usize },
    /// Under a heading without a number. `parent` is the numbered section it is nested in
    /// (deeper level), whose tables it continues; `created` the section made for its own
    /// table when it has no parent.
    Unnumbered {
        title: String,
        level: usize,
        parent: Option<(usize, usize)>,
        created: Option<usize>,
    },
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum LegendSource {
    None,
    Prose,
    Table,
}

struct NumberedHeading {
    line: usize,
    level: usize,
    depth: usize,
    number: String,
    hashes: (usize, usize),
}

/// Provenance of one imported activity, resolved to ids once they are assigned.
struct RowInfo {
    section: usize,
    activity: usize,
    line: usize,
    cells: Vec<(String, (usize, usize))>,
}

struct Importer<'a> {
    lines: &'a [&'a str],
    source: &'a str,
    stem: String,
    source_language: Option<String>,
    front: FrontMatter,
    notes: Vec<ImportNote>,
    sections: Vec<Section>,
    section_lines: HashMap<String, usize>,
    numbered: Vec<NumberedHeading>,
    ctx: Ctx,
    note_buf: String,
    note_break: bool,
    parties: Vec<Party>,
    first_party_ids: Option<Vec<String>>,
    provider: Option<String>,
    variants: Vec<Variant>,
    legend: Vec<LegendEntry>,
    legend_source: LegendSource,
    rows: Vec<RowInfo>,
    raci_tables: usize,
    body_version: Option<(usize, String)>,
    first_h1: Option<String>,
    header_language: Option<&'static str>,
}

impl<'a> Importer<'a> {
    fn new(lines: &'a [&'a str], source: &'a str) -> Self {
        let mut notes = Vec::new();
        let front = front_matter(lines, &mut notes);
        let (stem, source_language) = source_stem(source);
        Importer {
            lines,
            source,
            stem,
            source_language,
            front,
            notes,
            sections: Vec::new(),
            section_lines: HashMap::new(),
            numbered: Vec::new(),
            ctx: Ctx::Preamble { created: None },
            note_buf: String::new(),
            note_break: false,
            parties: Vec::new(),
            first_party_ids: None,
            provider: None,
            variants: Vec::new(),
            legend: Vec::new(),
            legend_source: LegendSource::None,
            rows: Vec::new(),
            raci_tables: 0,
            body_version: None,
            first_h1: None,
            header_language: None,
        }
    }

    fn note(
        &mut self,
        severity: NoteSeverity,
        code: &'static str,
        line: usize,
        column: Option<(usize, usize)>,
        message: impl Into<String>,
    ) {
        self.notes.push(ImportNote {
            line,
            column,
            severity,
            code,
            message: message.into(),
        });
    }

    fn run(&mut self) {
        let lines = self.lines;
        let n = lines.len();
        let mut i = self.front.body_start;
        while i < n {
            let line = lines[i];
            let trimmed = line.trim();
            if trimmed.is_empty() {
                if !self.note_buf.is_empty() {
                    self.note_break = true;
                }
                i += 1;
                continue;
            }
            if let Some(fence) = fence_open(line) {
                let close = (i + 1..n).find(|&k| closes_fence(lines[k], fence));
                if close.is_none() {
                    self.note(
                        NoteSeverity::Warning,
                        "import::unclosed-fence",
                        i + 1,
                        None,
                        "code block is never closed: the rest of the page is skipped",
                    );
                }
                i = close.map_or(n, |k| k + 1);
                continue;
            }
            if trimmed.starts_with("<!--") {
                let close = (i..n).find(|&k| {
                    let l = if k == i { &trimmed[4..] } else { lines[k] };
                    l.contains("-->")
                });
                if close.is_none() {
                    self.note(
                        NoteSeverity::Warning,
                        "import::unclosed-comment",
                        i + 1,
                        None,
                        "HTML comment is never closed: the rest of the page is skipped",
                    );
                }
                i = close.map_or(n, |k| k + 1);
                continue;
            }
            if let Some(atx) = parse_atx(line) {
                self.heading(i + 1, &atx);
                i += 1;
                continue;
            }
            let starts_table = trimmed.starts_with('|')
                || (has_unescaped_pipe(trimmed) && i + 1 < n && is_delimiter_line(lines[i + 1]));
            if starts_table {
                let start = i;
                i += 1;
                while i < n && is_table_line(lines[i]) {
                    i += 1;
                }
                self.table(start, i);
                continue;
            }
            self.prose(i + 1, line);
            i += 1;
        }
        self.flush_note();
    }

    fn flush_note(&mut self) {
        let note = std::mem::take(&mut self.note_buf);
        self.note_break = false;
        if note.is_empty() {
            return;
        }
        if let Ctx::Numbered { idx, .. } = self.ctx {
            let section = &mut self.sections[idx];
            section.note = Some(match section.note.take() {
                Some(old) => format!("{old}\n\n{note}"),
                None => note,
            });
        }
    }

    fn heading(&mut self, line: usize, atx: &Atx<'_>) {
        self.flush_note();
        let visible = inline(atx.content).text;
        if let Some((number, title)) = split_number(&visible) {
            let idx = self.sections.len();
            let depth = number.split('.').count();
            if self.section_lines.contains_key(&number) {
                self.note(
                    NoteSeverity::Warning,
                    "import::duplicate-section",
                    line,
                    None,
                    format!("section number {number} appears more than once"),
                );
            } else {
                self.section_lines.insert(number.clone(), line);
            }
            self.sections.push(Section {
                number: number.clone(),
                title,
                note: None,
                has_table: false,
                applies: None,
                activities: Vec::new(),
            });
            self.numbered.push(NumberedHeading {
                line,
                level: atx.level,
                depth,
                number,
                hashes: atx.hashes,
            });
            self.ctx = Ctx::Numbered {
                idx,
                level: atx.level,
            };
            return;
        }
        if atx.level == 1 && self.first_h1.is_none() && !visible.is_empty() {
            self.first_h1 = Some(visible.clone());
        }
        // A deeper unnumbered heading ("##### Details" under "#### 2.2.") stays inside the
        // numbered section; a same-level or shallower one ("## Go further") closes it.
        let parent = match self.ctx {
            Ctx::Numbered { idx, level } if atx.level > level => Some((idx, level)),
            Ctx::Unnumbered {
                parent: Some((idx, level)),
                ..
            } if atx.level > level => Some((idx, level)),
            _ => None,
        };
        self.ctx = Ctx::Unnumbered {
            title: visible,
            level: atx.level,
            parent,
            created: None,
        };
    }

    fn prose(&mut self, line: usize, raw: &str) {
        let visible = inline(raw).text;
        if self.body_version.is_none() {
            if let Some(date) = updated_line(&visible) {
                self.body_version = Some((line, date));
                return;
            }
        }
        if !matches!(self.ctx, Ctx::Numbered { .. }) && self.legend_source != LegendSource::Table {
            let item = inline(strip_bullet(raw)).text;
            if let Some((letter, meaning)) = legend_entry(&item, None) {
                if !self.legend.iter().any(|e| e.letter == letter) {
                    self.legend.push(LegendEntry { letter, meaning });
                    self.legend_source = LegendSource::Prose;
                }
                return;
            }
        }
        if let Ctx::Numbered { idx, .. } = self.ctx {
            if self.sections[idx].has_table {
                let number = self.sections[idx].number.clone();
                self.note(
                    NoteSeverity::Info,
                    "import::prose-ignored",
                    line,
                    None,
                    format!("text after the table of section {number} is not imported"),
                );
            } else {
                if self.note_break {
                    self.note_buf.push_str("\n\n");
                } else if !self.note_buf.is_empty() {
                    self.note_buf.push('\n');
                }
                self.note_break = false;
                self.note_buf.push_str(raw.trim_end());
            }
        }
    }

    /// Lines `start..end` (0-based) form one table block; it may hold several tables glued
    /// together (a header row followed by a delimiter row starts a new one).
    fn table(&mut self, start: usize, end: usize) {
        let rows: Vec<RawRow<'a>> = (start..end)
            .map(|i| split_row(i + 1, self.lines[i]))
            .collect();
        let mut starts = vec![0];
        for k in 1..rows.len().saturating_sub(1) {
            if !rows[k].is_delimiter() && rows[k + 1].is_delimiter() && is_header_like(&rows[k]) {
                starts.push(k);
            }
        }
        starts.push(rows.len());
        for w in starts.windows(2) {
            self.sub_table(&rows[w[0]..w[1]]);
        }
    }

    fn sub_table(&mut self, rows: &[RawRow<'a>]) {
        let Some(header) = rows.first() else { return };
        if header.is_delimiter() {
            self.note(
                NoteSeverity::Warning,
                "import::table-ignored",
                header.line,
                None,
                "table starts with a delimiter row and has no header: ignored",
            );
            return;
        }
        let has_delimiter = rows.get(1).is_some_and(RawRow::is_delimiter);
        let body = &rows[if has_delimiter { 2 } else { 1 }.min(rows.len())..];
        let header_cells: Vec<Inline> = header.cells.iter().map(|c| inline(c.text)).collect();
        if let Some((activity_col, guessed)) = find_activity_col(&header_cells) {
            if !has_delimiter {
                self.note(
                    NoteSeverity::Info,
                    "import::no-delimiter-row",
                    header.line,
                    None,
                    "table has no delimiter row (`| --- | --- |`) under its header: read as a \
                     table anyway",
                );
            }
            if guessed {
                self.note(
                    NoteSeverity::Info,
                    "import::activity-column-guessed",
                    header.line,
                    header.cells.first().map(|c| c.cols),
                    format!(
                        "no `Activity` column header: the first column (`{}`) is read as the \
                         activity",
                        header_cells[0].text
                    ),
                );
            }
            self.raci_table(header, &header_cells, activity_col, body);
            return;
        }
        if self.legend_table(header, &header_cells, body, has_delimiter) {
            return;
        }
        self.note(
            NoteSeverity::Info,
            "import::table-ignored",
            header.line,
            None,
            "table is neither a RACI table (no `Activity` column) nor a roles legend: ignored",
        );
    }

    /// Reads a roles legend table; returns false if the table is not one.
    fn legend_table(
        &mut self,
        header: &RawRow<'a>,
        header_cells: &[Inline],
        body: &[RawRow<'a>],
        has_delimiter: bool,
    ) -> bool {
        let parse = |row: &RawRow<'_>| {
            let first = row
                .cells
                .first()
                .map(|c| inline(c.text).text)
                .unwrap_or_default();
            let second = row.cells.get(1).map(|c| inline(c.text).text);
            legend_entry(&first, second.as_deref())
        };
        let header_is_legend_word = header_cells.len() <= 2
            && header_cells
                .first()
                .is_some_and(|c| LEGEND_WORDS.contains(&ids::slug(&c.text).as_str()));
        // Without a delimiter row, the "header" may itself be the first definition.
        let mut candidates: Vec<&RawRow<'a>> = Vec::new();
        if !has_delimiter && !header_is_legend_word && parse(header).is_some() {
            candidates.push(header);
        }
        candidates.extend(body.iter().filter(|r| !r.is_blank() && !r.is_delimiter()));
        let parsed: Vec<Option<(Letter, String)>> = candidates.iter().map(|r| parse(r)).collect();
        let all_parse = !parsed.is_empty() && parsed.iter().all(Option::is_some);
        if !header_is_legend_word && !all_parse {
            return false;
        }
        if self.legend_source == LegendSource::Table {
            self.note(
                NoteSeverity::Info,
                "import::legend-duplicate",
                header.line,
                None,
                "a second roles legend table is ignored; the first one is kept",
            );
            return true;
        }
        if self.legend_source == LegendSource::Prose {
            self.legend.clear();
        }
        self.legend_source = LegendSource::Table;
        for (row, entry) in candidates.iter().zip(parsed) {
            match entry {
                Some((letter, meaning)) if !self.legend.iter().any(|e| e.letter == letter) => {
                    self.legend.push(LegendEntry { letter, meaning });
                }
                Some((letter, _)) => self.note(
                    NoteSeverity::Warning,
                    "import::legend-duplicate",
                    row.line,
                    None,
                    format!(
                        "letter {} is defined twice in the legend; the first is kept",
                        letter.as_char()
                    ),
                ),
                None => self.note(
                    NoteSeverity::Warning,
                    "import::legend-row",
                    row.line,
                    None,
                    "legend row not understood (expected `R: meaning`): ignored",
                ),
            }
        }
        true
    }

    /// The section a RACI table at `line` belongs to, creating an unnumbered one if needed.
    fn section_for_table(&mut self, line: usize) -> usize {
        match self.ctx.clone() {
            Ctx::Numbered { idx, .. } => idx,
            Ctx::Unnumbered {
                parent: Some((idx, _)),
                title,
                ..
            } => {
                let number = self.sections[idx].number.clone();
                self.note(
                    NoteSeverity::Info,
                    "import::unnumbered-heading",
                    line,
                    None,
                    format!(
                        "table under the unnumbered heading `{title}` is read as part of \
                         section {number}"
                    ),
                );
                idx
            }
            Ctx::Unnumbered {
                created: Some(idx), ..
            }
            | Ctx::Preamble { created: Some(idx) } => idx,
            Ctx::Unnumbered {
                title,
                level,
                parent: None,
                created: None,
            } => {
                let idx = self.new_unnumbered_section(line, &title);
                self.ctx = Ctx::Unnumbered {
                    title,
                    level,
                    parent: None,
                    created: Some(idx),
                };
                idx
            }
            Ctx::Preamble { created: None } => {
                let idx = self.new_unnumbered_section(line, "");
                self.ctx = Ctx::Preamble { created: Some(idx) };
                idx
            }
        }
    }

    fn new_unnumbered_section(&mut self, line: usize, title: &str) -> usize {
        let message = if title.is_empty() {
            "RACI table before any numbered heading: imported in a section without number"
                .to_owned()
        } else {
            format!(
                "RACI table under the unnumbered heading `{title}`: imported in a section \
                 without number"
            )
        };
        self.note(
            NoteSeverity::Warning,
            "import::unnumbered-section",
            line,
            None,
            message,
        );
        self.section_lines.entry(String::new()).or_insert(line);
        self.sections.push(Section {
            number: String::new(),
            title: title.to_owned(),
            note: None,
            has_table: false,
            applies: None,
            activities: Vec::new(),
        });
        self.sections.len() - 1
    }

    /// Maps a RACI table's party columns to matrix parties, adding new ones, and decides
    /// which one is the provider.
    fn table_parties(&mut self, header: &RawRow<'a>, names: &[String]) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        let mut roles = Vec::new();
        for (k, name) in names.iter().enumerate() {
            let slug = ids::slug(name);
            let (base, role) = if CUSTOMER_WORDS.contains(&slug.as_str()) {
                ("customer".to_owned(), PartyRole::Customer)
            } else if slug.is_empty() {
                (format!("party-{}", k + 1), PartyRole::Other)
            } else {
                (slug, PartyRole::Other)
            };
            let mut id = base.clone();
            let mut n = 2;
            while ids.contains(&id) {
                id = format!("{base}-{n}");
                n += 1;
            }
            ids.push(id);
            roles.push(role);
        }
        if let Some(k) = self.pick_provider(header, names, &roles) {
            roles[k] = PartyRole::Provider;
            if self.provider.is_none() {
                self.provider = Some(names[k].clone());
            }
        }
        for ((id, name), role) in ids.iter().zip(names).zip(&roles) {
            if !self.parties.iter().any(|p| &p.id == id) {
                self.parties.push(Party {
                    id: id.clone(),
                    name: name.clone(),
                    role: *role,
                });
            }
        }
        match &self.first_party_ids {
            None => self.first_party_ids = Some(ids.clone()),
            Some(first) if *first != ids => {
                let message = format!(
                    "table columns ({}) differ from the first table's ({})",
                    ids.join(", "),
                    first.join(", ")
                );
                self.note(
                    NoteSeverity::Info,
                    "import::header-differs",
                    header.line,
                    None,
                    message,
                );
            }
            Some(_) => {}
        }
        ids
    }

    fn pick_provider(
        &mut self,
        header: &RawRow<'a>,
        names: &[String],
        roles: &[PartyRole],
    ) -> Option<usize> {
        let candidates: Vec<usize> = (0..names.len())
            .filter(|&k| roles[k] != PartyRole::Customer && !names[k].trim().is_empty())
            .collect();
        let slug_of = |k: usize| ids::slug(&names[k]);
        if let Some(p) = &self.provider {
            let p = ids::slug(p);
            return candidates.iter().copied().find(|&k| slug_of(k) == p);
        }
        if let [only] = candidates.as_slice() {
            return Some(*only);
        }
        let hints: Vec<String> = [
            Some(self.stem.as_str()),
            self.front.title.as_deref(),
            self.front.excerpt.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(ids::slug)
        .collect();
        let found = candidates.iter().copied().find(|&k| {
            let s = slug_of(k);
            hints
                .iter()
                .any(|h| h.split('-').any(|w| w == s) || h.contains(&format!("{s}-")))
        });
        if found.is_none() && !candidates.is_empty() {
            self.note(
                NoteSeverity::Warning,
                "import::provider-unclear",
                header.line,
                None,
                format!(
                    "cannot tell which column is the provider among {}: provider set to \
                     {DEFAULT_PROVIDER}",
                    candidates
                        .iter()
                        .map(|&k| format!("`{}`", names[k]))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        found
    }

    fn raci_table(
        &mut self,
        header: &RawRow<'a>,
        header_cells: &[Inline],
        activity_col: usize,
        body: &[RawRow<'a>],
    ) {
        self.flush_note();
        self.raci_tables += 1;
        let section = self.section_for_table(header.line);
        self.sections[section].has_table = true;
        let activity_word = ids::slug(&header_cells[activity_col].text);
        if activity_word == "activite" || activity_word == "activites" {
            self.header_language.get_or_insert("fr");
        }

        // Leading applicability columns name offering variants; a row-number column
        // ("#", "ID", "Ref") before the activity is not one, and is skipped.
        let mut variant_cols: Vec<(usize, String)> = Vec::new();
        for (k, c) in header_cells[..activity_col].iter().enumerate() {
            let slug = ids::slug(&c.text);
            let label = c.text.trim();
            if label.is_empty() || label == "#" || ROW_NUMBER_WORDS.contains(&slug.as_str()) {
                let message = format!("column `{}` before the activity is ignored", c.text);
                let cols = header.cells.get(k).map(|c| c.cols);
                self.note(
                    NoteSeverity::Info,
                    "import::column-ignored",
                    header.line,
                    cols,
                    message,
                );
                continue;
            }
            let id = if slug.is_empty() {
                format!("variant-{}", k + 1)
            } else {
                slug
            };
            if !self.variants.iter().any(|v| v.id == id) {
                self.variants.push(Variant {
                    id: id.clone(),
                    name: c.text.clone(),
                });
            }
            variant_cols.push((k, id));
        }
        let names: Vec<String> = header_cells[activity_col + 1..]
            .iter()
            .map(|c| c.text.clone())
            .collect();
        let party_ids = self.table_parties(header, &names);
        let expected = header.cells.len();

        if body.iter().all(|r| r.is_delimiter() || r.is_blank()) {
            let number = self.sections[section].number.clone();
            self.note(
                NoteSeverity::Info,
                "import::empty-table",
                header.line,
                None,
                format!("table of section {number} has a header but no rows: no activity"),
            );
        }

        for row in body {
            if row.is_delimiter() {
                self.note(
                    NoteSeverity::Info,
                    "import::stray-delimiter",
                    row.line,
                    None,
                    "delimiter row inside a table: ignored",
                );
                continue;
            }
            if row.is_blank() {
                self.note(
                    NoteSeverity::Info,
                    "import::empty-row",
                    row.line,
                    None,
                    "row with only empty cells: ignored",
                );
                continue;
            }
            let cells: Vec<Inline> = row.cells.iter().map(|c| inline(c.text)).collect();
            if is_repeated_header(&cells, header_cells) {
                self.note(
                    NoteSeverity::Info,
                    "import::repeated-header",
                    row.line,
                    None,
                    "header row repeated inside the table: ignored",
                );
                continue;
            }
            self.check_cell_count(row, expected);

            let text = cells
                .get(activity_col)
                .map(|c| c.text.clone())
                .unwrap_or_default();
            let links = cells
                .get(activity_col)
                .map(|c| c.links.clone())
                .unwrap_or_default();
            let activity_cols = row.cells.get(activity_col).map(|c| c.cols);
            if text.is_empty() {
                self.note(
                    NoteSeverity::Warning,
                    "import::empty-activity",
                    row.line,
                    activity_cols,
                    "row has letters but no activity text",
                );
            }
            for link in &links {
                let message = format!(
                    "link `{}` ({}) kept as text; its URL is stored with the activity",
                    link.text, link.url
                );
                self.note(
                    NoteSeverity::Info,
                    "import::link",
                    row.line,
                    activity_cols,
                    message,
                );
            }

            let variants = self.row_variants(row, &cells, &variant_cols);

            let mut letters = std::collections::BTreeMap::new();
            let mut columns = Vec::new();
            for (p, party) in party_ids.iter().enumerate() {
                let k = activity_col + 1 + p;
                let (set, cols) = match (row.cells.get(k), cells.get(k)) {
                    (Some(raw), Some(cell)) => (
                        self.letters_of_cell(row.line, raw.cols, &cell.text),
                        raw.cols,
                    ),
                    _ => (Letters::EMPTY, (row.end_col, row.end_col)),
                };
                letters.insert(party.clone(), set);
                columns.push((party.clone(), cols));
            }
            let activities = &mut self.sections[section].activities;
            activities.push(Activity {
                id: String::new(),
                text,
                letters,
                variants,
                links,
                applies: None,
            });
            self.rows.push(RowInfo {
                section,
                activity: activities.len() - 1,
                line: row.line,
                cells: columns,
            });
        }
    }

    fn check_cell_count(&mut self, row: &RawRow<'a>, expected: usize) {
        let n = row.cells.len();
        if n < expected {
            let mut message = format!(
                "row has {n} cell{}, expected {expected}: missing cells read as empty",
                plural(n)
            );
            if !row.closed {
                message.push_str(" (the row has no closing `|`)");
            }
            self.note(
                NoteSeverity::Warning,
                "import::ragged-row",
                row.line,
                None,
                message,
            );
        } else if n > expected {
            let extra: Vec<&str> = row.cells[expected..]
                .iter()
                .map(|c| c.text)
                .filter(|t| !t.is_empty())
                .collect();
            let first_extra = row.cells[expected].cols.0;
            let last_extra = row.cells[n - 1].cols.1;
            if extra.is_empty() {
                let message =
                    format!("row has {n} cells, expected {expected}: extra empty cells ignored");
                self.note(
                    NoteSeverity::Info,
                    "import::ragged-row",
                    row.line,
                    Some((first_extra, last_extra)),
                    message,
                );
            } else {
                let message = format!(
                    "row has {n} cells, expected {expected}: extra cells ignored (`{}`)",
                    extra.join("`, `")
                );
                self.note(
                    NoteSeverity::Warning,
                    "import::ragged-row",
                    row.line,
                    Some((first_extra, last_extra)),
                    message,
                );
            }
        }
    }

    fn row_variants(
        &mut self,
        row: &RawRow<'a>,
        cells: &[Inline],
        variant_cols: &[(usize, String)],
    ) -> Vec<String> {
        if variant_cols.is_empty() {
            return Vec::new();
        }
        let mut applies = Vec::new();
        for &(k, ref id) in variant_cols {
            let mark = cells.get(k).map(|c| c.text.as_str()).unwrap_or("");
            match variant_mark(mark) {
                Some(true) => applies.push(id.clone()),
                Some(false) => {}
                None => {
                    let cols = row.cells.get(k).map(|c| c.cols);
                    let message = format!(
                        "applicability mark `{mark}` for variant `{id}` not understood: read \
                         as applying"
                    );
                    self.note(
                        NoteSeverity::Warning,
                        "import::unknown-variant-mark",
                        row.line,
                        cols,
                        message,
                    );
                    applies.push(id.clone());
                }
            }
        }
        if applies.is_empty() {
            self.note(
                NoteSeverity::Warning,
                "import::no-variant",
                row.line,
                None,
                "row is marked for no variant: read as applying to all",
            );
        }
        // "All variants" is written as no restriction, which is what an empty list means.
        if applies.len() == variant_cols.len() {
            applies.clear();
        }
        applies
    }

    fn letters_of_cell(&mut self, line: usize, cols: (usize, usize), visible: &str) -> Letters {
        let cell = letter_cell(visible);
        if cell.not_applicable {
            let message = format!("`{visible}` read as no letter");
            self.note(
                NoteSeverity::Info,
                "import::not-applicable",
                line,
                Some(cols),
                message,
            );
            return Letters::EMPTY;
        }
        if !cell.unknown.is_empty() {
            let bad: String = cell.unknown.iter().collect();
            let message = format!(
                "`{bad}` in `{visible}` is not a RACI letter (R, A, C, I): ignored, letters \
                 read as {}",
                show_set(cell.letters)
            );
            self.note(
                NoteSeverity::Warning,
                "import::unknown-letter",
                line,
                Some(cols),
                message,
            );
        } else if cell.written != cell.letters.to_string() {
            let message = format!("letters `{visible}` read as {}", show_set(cell.letters));
            self.note(
                NoteSeverity::Info,
                "import::letter-order",
                line,
                Some(cols),
                message,
            );
        } else if visible.chars().any(|c| c.is_ascii_lowercase()) {
            let message = format!("letters `{visible}` read as {}", show_set(cell.letters));
            self.note(
                NoteSeverity::Info,
                "import::letter-case",
                line,
                Some(cols),
                message,
            );
        }
        cell.letters
    }

    fn level_slips(&mut self) {
        let offsets: Vec<isize> = self
            .numbered
            .iter()
            .map(|h| h.level as isize - h.depth as isize)
            .collect();
        let Some(&mode) = offsets.iter().max_by_key(|&&o| {
            // Most frequent offset; on a tie the one met first wins (hence the negated index).
            let count = offsets.iter().filter(|&&x| x == o).count();
            let first = offsets.iter().position(|&x| x == o).unwrap_or(0);
            (count, usize::MAX - first)
        }) else {
            return;
        };
        let mut slips = Vec::new();
        for (h, &o) in self.numbered.iter().zip(&offsets) {
            if o != mode {
                let expected = h.depth as isize + mode;
                slips.push(ImportNote {
                    line: h.line,
                    column: Some(h.hashes),
                    severity: NoteSeverity::Info,
                    code: "import::level-slip",
                    message: format!(
                        "heading of section {} is level {} (`{}`) where this page uses level \
                         {expected}: the section is placed by its number",
                        h.number,
                        h.level,
                        "#".repeat(h.level)
                    ),
                });
            }
        }
        self.notes.extend(slips);
    }

    fn finish(mut self) -> Result<Imported, ImportError> {
        if self.raci_tables == 0 {
            return Err(ImportError::NoRaciTable);
        }
        self.level_slips();

        let version = match (self.front.updated.clone(), self.body_version.clone()) {
            (Some(fm), body) => {
                if let Some((line, printed)) = body {
                    if let (Some(a), Some(b)) = (parse_date(&fm), parse_date(&printed)) {
                        if a != b {
                            let message = format!(
                                "body says updated `{printed}` but the front matter says \
                                 `{fm}`; the front matter wins"
                            );
                            self.note(
                                NoteSeverity::Info,
                                "import::version-mismatch",
                                line,
                                None,
                                message,
                            );
                        }
                    }
                }
                Some(normalise_date(&fm))
            }
            (None, Some((_, printed))) => Some(normalise_date(&printed)),
            (None, None) => None,
        };
        let provider = self
            .provider
            .clone()
            .unwrap_or_else(|| DEFAULT_PROVIDER.to_owned());
        let title = self
            .front
            .title
            .clone()
            .or_else(|| self.first_h1.clone())
            .unwrap_or_else(|| self.stem.clone());
        let service = service_id(&self.stem, &provider, &title);
        let language = self
            .source_language
            .clone()
            .or_else(|| {
                self.front
                    .language
                    .as_ref()
                    .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
            })
            .or_else(|| self.header_language.map(str::to_owned))
            .unwrap_or_else(|| "en".to_owned());

        let mut matrix = Matrix {
            schema: SCHEMA_VERSION,
            provider,
            service,
            title,
            excerpt: self.front.excerpt.clone(),
            version,
            language,
            source: (!self.source.is_empty()).then(|| self.source.to_owned()),
            parties: std::mem::take(&mut self.parties),
            legend: std::mem::take(&mut self.legend),
            variants: std::mem::take(&mut self.variants),
            sections: std::mem::take(&mut self.sections),
        };
        // Every activity carries every party, so that blanks are visible in the canonical file.
        for section in &mut matrix.sections {
            for activity in &mut section.activities {
                for party in &matrix.parties {
                    activity.letters.entry(party.id.clone()).or_default();
                }
            }
        }
        ids::assign_ids(&mut matrix);

        let mut activity_lines = HashMap::new();
        let mut cell_columns = HashMap::new();
        for row in &self.rows {
            let id = &matrix.sections[row.section].activities[row.activity].id;
            activity_lines.insert(id.clone(), row.line);
            for (party, cols) in &row.cells {
                cell_columns.insert((id.clone(), party.clone()), *cols);
            }
        }
        let mut notes = self.notes;
        notes.sort_by_key(|n| (n.line, n.column));
        Ok(Imported {
            matrix,
            notes,
            activity_lines,
            section_lines: self.section_lines,
            cell_columns,
        })
    }
}

/// A line continuing a table block: not blank, not a heading, and holding a pipe.
fn is_table_line(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && parse_atx(line).is_none()
        && fence_open(line).is_none()
        && (t.starts_with('|') || has_unescaped_pipe(t))
}

/// Column of the activity in a header, and whether it was guessed (no `Activity` header, but
/// a customer column after the first one).
fn find_activity_col(header: &[Inline]) -> Option<(usize, bool)> {
    let slugs: Vec<String> = header.iter().map(|c| ids::slug(&c.text)).collect();
    let named = slugs.iter().position(|s| {
        ACTIVITY_WORDS
            .iter()
            .any(|w| s == w || s.strip_prefix(w).is_some_and(|r| r.starts_with('-')))
    });
    if let Some(k) = named {
        return Some((k, false));
    }
    (slugs.len() >= 2
        && slugs[1..]
            .iter()
            .any(|s| CUSTOMER_WORDS.contains(&s.as_str())))
    .then_some((0, true))
}

/// Whether a row inside a table looks like a header (starts a new glued table).
fn is_header_like(row: &RawRow<'_>) -> bool {
    let cells: Vec<Inline> = row.cells.iter().map(|c| inline(c.text)).collect();
    find_activity_col(&cells).is_some_and(|(_, guessed)| !guessed)
        || cells
            .first()
            .is_some_and(|c| LEGEND_WORDS.contains(&ids::slug(&c.text).as_str()))
}

fn is_repeated_header(cells: &[Inline], header: &[Inline]) -> bool {
    cells.len() == header.len()
        && cells
            .iter()
            .zip(header)
            .all(|(a, b)| ids::slug(&a.text) == ids::slug(&b.text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn imp(text: &str) -> Imported {
        import_markdown(text, "test.en-gb.md").unwrap()
    }

    fn codes(i: &Imported, code: &str) -> Vec<usize> {
        i.notes
            .iter()
            .filter(|n| n.code == code)
            .map(|n| n.line)
            .collect()
    }

    fn letters(i: &Imported, text: &str) -> Vec<String> {
        let (_, a) = i
            .matrix
            .activities()
            .find(|(_, a)| a.text == text)
            .unwrap_or_else(|| panic!("no activity `{text}`"));
        i.matrix
            .parties
            .iter()
            .map(|p| a.letters_of(&p.id).to_string())
            .collect()
    }

    /// The characters at 1-based columns `start..end` of `line`.
    fn at_cols(line: &str, (start, end): (usize, usize)) -> String {
        line.chars().skip(start - 1).take(end - start).collect()
    }

    const SEED: &str = "data/matrices/ovhcloud-data-processing-responsibility-model.md";

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn corpus_files() -> Vec<PathBuf> {
        let mut files = Vec::new();
        for dir in ["ovh", "ovh-fr"] {
            for e in std::fs::read_dir(root().join("tests/fixtures/corpus").join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "md") {
                    files.push(p);
                }
            }
        }
        files.sort();
        files
    }

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
        let index =
            std::fs::read_to_string(root().join("tests/fixtures/corpus/INDEX.tsv")).unwrap();
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
        let mut pages: Vec<(String, PathBuf)> = corpus_files()
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
        assert!(
            numbers.contains(&"3.1.1") && numbers.contains(&"3.2.2") && numbers.contains(&"5.1")
        );
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
        assert_eq!(letters(&i, "Perform preventive interventions on managed elements of the Public Cloud Databases"), ["I", "RA"]);
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

    // --- Small inline fixtures, one quirk each. ---------------------------------------

    const HEAD: &str = "| **Activity** | **Customer** | **OVHcloud** |\n| --- | --- | --- |\n";

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

    #[test]
    fn version_from_a_body_line_in_any_date_format() {
        for (line, want) in [
            ("**Last update 23rd December 2022**", "2022-12-23"),
            ("**Last updated September 28th, 2021**", "2021-09-28"),
            ("**Last updated 17th November 2022**", "2022-11-17"),
            ("**Dernière mise à jour le 05/07/2023**", "2023-07-05"),
            ("**Dernière mise à jour le 1er juillet 2023**", "2023-07-01"),
            ("Last updated: 2024-01-02", "2024-01-02"),
            ("**Last updated on Monday, 4 March 2024**", "2024-03-04"),
            (
                "**Dernière mise à jour le xx décembre 2022**",
                "xx décembre 2022",
            ),
        ] {
            let page =
                format!("---\ntitle: T\n---\n\n{line}\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n");
            assert_eq!(imp(&page).matrix.version.as_deref(), Some(want), "{line}");
        }
        // Without any date there is no version; with both, a disagreement is noted.
        let page = format!("### 1. S\n\n{HEAD}| Do | RA | I |\n");
        assert_eq!(imp(&page).matrix.version, None);
        let page = format!("---\nupdated: 2024-01-02\n---\n**Last updated 3rd January 2024**\n### 1. S\n{HEAD}| Do | RA | I |\n");
        let i = imp(&page);
        assert_eq!(i.matrix.version.as_deref(), Some("2024-01-02"));
        assert_eq!(codes(&i, "import::version-mismatch"), [4]);
    }

    #[test]
    fn section_numbers_come_from_heading_text_not_depth() {
        let page = format!(
            "## Objective\n\nText.\n\n### 1. Before\n\n#### 1.1. Spec\n\n{HEAD}| A1 | RA | I |\n\n\
             ##### **3.1.1. Daily operations**\n\n{HEAD}| A2 | RA | I |\n\n#### **3.2.2. Changes**\n\n{HEAD}| A3 | RA | I |\n\
             \n##### 3.3.1.Glued title\n{HEAD}| A4 | RA | I |\n"
        );
        let i = imp(&page);
        let s: Vec<(&str, &str)> = i
            .matrix
            .sections
            .iter()
            .map(|s| (s.number.as_str(), s.title.as_str()))
            .collect();
        assert_eq!(
            s,
            [
                ("1", "Before"),
                ("1.1", "Spec"),
                ("3.1.1", "Daily operations"),
                ("3.2.2", "Changes"),
                ("3.3.1", "Glued title")
            ]
        );
        assert_eq!(codes(&i, "import::level-slip"), [19]);
        let slip = i
            .notes
            .iter()
            .find(|n| n.code == "import::level-slip")
            .unwrap();
        assert_eq!(slip.column, Some((1, 5)));
        assert!(slip.message.contains("3.2.2"), "{}", slip.message);
        assert_eq!(i.section_lines["3.2.2"], 19);
    }

    #[test]
    fn unnumbered_headings_without_tables_are_not_sections() {
        let page = format!(
            "## Objective\n\nIntro.\n\n## RACI definition\n\n| Roles |\n| --- |\n| R: Does it |\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n\n\
             ## Go further\n\nJoin our [community](https://x).\n"
        );
        let i = imp(&page);
        assert_eq!(i.matrix.sections.len(), 1);
        assert_eq!(
            i.matrix.legend,
            vec![LegendEntry {
                letter: Letter::R,
                meaning: "Does it".into()
            }]
        );
        assert!(i.notes.is_empty(), "{:?}", i.notes);
    }

    #[test]
    fn unnumbered_heading_holding_a_table_is_a_section_without_number() {
        let page = format!("# Page\n\n## Matrix\n\n{HEAD}| Do | RA | I |\n\n### 1. S\n\n##### Detail\n\n{HEAD}| Sub | RA | I |\n");
        let i = imp(&page);
        let s: Vec<(&str, &str, usize)> = i
            .matrix
            .sections
            .iter()
            .map(|s| (s.number.as_str(), s.title.as_str(), s.activities.len()))
            .collect();
        assert_eq!(s, [("", "Matrix", 1), ("1", "S", 1)]);
        assert_eq!(codes(&i, "import::unnumbered-section"), [5]);
        assert_eq!(codes(&i, "import::unnumbered-heading"), [13]);
        assert_eq!(i.matrix.activities().next().unwrap().1.id, "do");
        // No front matter title: the first h1 is used.
        assert_eq!(i.matrix.title, "Page");
    }

    #[test]
    fn prose_between_heading_and_table_is_the_section_note() {
        let page = format!(
            "### 1. S\n\nFirst line\nsecond line.\n\nOther *para*.\n\n{HEAD}| Do | RA | I |\n\nAfter the table.\n\n### 2. T\n\nOnly prose.\n"
        );
        let i = imp(&page);
        let m = &i.matrix;
        assert_eq!(
            m.sections[0].note.as_deref(),
            Some("First line\nsecond line.\n\nOther *para*.")
        );
        assert_eq!(m.sections[1].note.as_deref(), Some("Only prose."));
        assert!(!m.sections[1].has_table);
        assert_eq!(codes(&i, "import::prose-ignored"), [12]);
    }

    #[test]
    fn header_only_table_keeps_the_section_with_no_activity() {
        let page = format!("### 2.2. Empty\n\n{HEAD}\n### 2.3. Full\n\n{HEAD}| Do | RA | I |\n");
        let i = imp(&page);
        let s = &i.matrix.sections[0];
        assert!(s.has_table && s.activities.is_empty());
        assert_eq!(codes(&i, "import::empty-table"), [3]);
        // A page with only a header-only table is still a matrix.
        let i = imp(&format!("### 1. S\n\n{HEAD}"));
        assert_eq!(i.matrix.activities().count(), 0);
        assert_eq!(i.matrix.parties.len(), 2);
    }

    #[test]
    fn table_without_delimiter_row_and_whitespace_only_line() {
        let page = "### 1. S\n    \n\t\n| Activity | Customer | OVHcloud |\n| Do | RA | I |\n| Also | | RA |\n";
        let i = imp(page);
        assert_eq!(i.matrix.activities().count(), 2);
        assert_eq!(letters(&i, "Also"), ["", "RA"]);
        assert_eq!(codes(&i, "import::no-delimiter-row"), [4]);
    }

    #[test]
    fn ragged_and_unclosed_rows() {
        let page = format!("### 1. S\n\n{HEAD}| Two cells | RA |\n| Only activity\n| Extra | R | A | C |\n| Extra blank | R | A | |\n");
        let i = imp(&page);
        assert_eq!(letters(&i, "Two cells"), ["RA", ""]);
        assert_eq!(letters(&i, "Only activity"), ["", ""]);
        assert_eq!(letters(&i, "Extra"), ["R", "A"]);
        let msgs: Vec<(usize, NoteSeverity, &str)> = i
            .notes
            .iter()
            .filter(|n| n.code == "import::ragged-row")
            .map(|n| (n.line, n.severity, n.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (5, NoteSeverity::Warning, "row has 2 cells, expected 3: missing cells read as empty"),
                (6, NoteSeverity::Warning, "row has 1 cell, expected 3: missing cells read as empty (the row has no closing `|`)"),
                (7, NoteSeverity::Warning, "row has 4 cells, expected 3: extra cells ignored (`C`)"),
                (8, NoteSeverity::Info, "row has 4 cells, expected 3: extra empty cells ignored"),
            ]
        );
        // A missing cell is located at the end of its line.
        let id = &i.matrix.sections[0].activities[0].id;
        assert_eq!(
            i.cell_columns[&(id.clone(), "ovhcloud".to_owned())],
            (19, 19)
        );
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

    #[test]
    fn links_and_external_attributes_keep_the_text_and_store_the_url() {
        let page = format!(
            "### 1. S\n\n{HEAD}| Read the [Particular Conditions](https://ovh.to/pc){{.external}} first | RA | I |\n| See <https://docs.ovh.com> | RA | I |\n"
        );
        let i = imp(&page);
        let acts: Vec<&Activity> = i.matrix.activities().map(|(_, a)| a).collect();
        assert_eq!(acts[0].text, "Read the Particular Conditions first");
        assert_eq!(
            acts[0].links,
            vec![Link {
                text: "Particular Conditions".into(),
                url: "https://ovh.to/pc".into()
            }]
        );
        assert_eq!(acts[1].text, "See https://docs.ovh.com");
        assert_eq!(acts[1].links[0].url, "https://docs.ovh.com");
        assert_eq!(codes(&i, "import::link"), [5, 6]);
    }

    #[test]
    fn markup_is_dropped_and_text_kept_verbatim() {
        let page = format!(
            "### 1. S\n\n{HEAD}| **Bold** activity with __more__ | **RA** | I |\n| Gérer l’accès … (ISO 2700x) 日本 | RA | I |\n| 1. Not a list - nor * this | RA | I |\n| Pipe \\| inside, AT&T, a_b_c | RA | I |\n"
        );
        let i = imp(&page);
        let texts: Vec<&str> = i
            .matrix
            .activities()
            .map(|(_, a)| a.text.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "Bold activity with more",
                "Gérer l’accès … (ISO 2700x) 日本",
                "1. Not a list - nor * this",
                "Pipe | inside, AT&T, a_b_c"
            ]
        );
        assert_eq!(letters(&i, "Bold activity with more"), ["RA", "I"]);
        assert_eq!(
            i.matrix.activities().nth(1).unwrap().1.id,
            "1/gerer-l-acces-iso-2700x"
        );
    }

    #[test]
    fn letters_in_any_order_and_case_and_unknown_characters() {
        let page = format!("### 1. S\n\n{HEAD}| Order | AR | IR |\n| Case | ra | i |\n| Unknown | RX | I? |\n| Sep | R/A | C, I |\n| NA | n/a | RA |\n");
        let i = imp(&page);
        assert_eq!(letters(&i, "Order"), ["RA", "RI"]);
        assert_eq!(letters(&i, "Case"), ["RA", "I"]);
        assert_eq!(letters(&i, "Unknown"), ["R", "I"]);
        assert_eq!(letters(&i, "Sep"), ["RA", "CI"]);
        assert_eq!(letters(&i, "NA"), ["", "RA"]);
        assert_eq!(codes(&i, "import::letter-order"), [5, 5]);
        assert_eq!(codes(&i, "import::letter-case"), [6, 6]);
        assert_eq!(codes(&i, "import::unknown-letter"), [7, 7]);
        assert_eq!(codes(&i, "import::not-applicable"), [9]);
        let unknown = i
            .notes
            .iter()
            .find(|n| n.code == "import::unknown-letter")
            .unwrap();
        assert_eq!(unknown.severity, NoteSeverity::Warning);
        assert_eq!(
            unknown.message,
            "`X` in `RX` is not a RACI letter (R, A, C, I): ignored, letters read as {R}"
        );
        assert_eq!(
            at_cols(page.lines().nth(6).unwrap(), unknown.column.unwrap()),
            "RX"
        );
    }

    #[test]
    fn leading_applicability_columns_become_variants() {
        let page = "---\ntitle: Variants\n---\n\n### 1. S\n\n\
                    | Essential | Enterprise | **Activity** | Customer | OVHcloud |\n| :-: | :-: | --- | --- | --- |\n\
                    | X | x | Both | RA | I |\n| ✓ |  | Essential only | RA | I |\n|  | X | Enterprise only | I | RA |\n\
                    |  |  | Neither | RA | |\n| ? | X | Odd mark | RA | |\n";
        let i = imp(page);
        let m = &i.matrix;
        assert_eq!(
            m.variants,
            vec![
                Variant {
                    id: "essential".into(),
                    name: "Essential".into()
                },
                Variant {
                    id: "enterprise".into(),
                    name: "Enterprise".into()
                }
            ]
        );
        assert_eq!(
            m.parties.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["customer", "ovhcloud"]
        );
        let v: Vec<(&str, Vec<String>)> = m
            .activities()
            .map(|(_, a)| (a.text.as_str(), a.variants.clone()))
            .collect();
        assert_eq!(
            v,
            [
                ("Both", vec![]),
                ("Essential only", vec!["essential".to_owned()]),
                ("Enterprise only", vec!["enterprise".to_owned()]),
                ("Neither", vec![]),
                ("Odd mark", vec![]),
            ]
        );
        assert_eq!(letters(&i, "Enterprise only"), ["I", "RA"]);
        assert_eq!(codes(&i, "import::no-variant"), [12]);
        assert_eq!(codes(&i, "import::unknown-variant-mark"), [13]);
        let id = &m.sections[0].activities[0].id;
        let cols = i.cell_columns[&(id.clone(), "customer".to_owned())];
        assert_eq!(at_cols(page.lines().nth(8).unwrap(), cols), "RA");
    }

    #[test]
    fn row_number_columns_are_not_variants() {
        let page =
            "### 1. S\n| # | Activity | Customer | OVHcloud |\n|-|-|-|-|\n| 1 | Do | RA | I |\n";
        let i = imp(page);
        assert!(i.matrix.variants.is_empty());
        assert!(i.matrix.sections[0].activities[0].variants.is_empty());
        assert_eq!(letters(&i, "Do"), ["RA", "I"]);
        assert_eq!(codes(&i, "import::column-ignored"), [2]);
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
    fn any_number_of_parties_and_the_provider_column() {
        let page = "---\nexcerpt: Shared responsibilities between OVHcloud, its partner and the customer\n---\n### 1. S\n\
                    | Activity | Customer | Integration Partner | OVHcloud |\n|---|---|---|---|\n| Do | RA | C | I |\n";
        let i = imp(page);
        let p: Vec<(&str, &str, PartyRole)> = i
            .matrix
            .parties
            .iter()
            .map(|p| (p.id.as_str(), p.name.as_str(), p.role))
            .collect();
        assert_eq!(
            p,
            [
                ("customer", "Customer", PartyRole::Customer),
                (
                    "integration-partner",
                    "Integration Partner",
                    PartyRole::Other
                ),
                ("ovhcloud", "OVHcloud", PartyRole::Provider),
            ]
        );
        assert_eq!(i.matrix.provider, "OVHcloud");
        assert_eq!(letters(&i, "Do"), ["RA", "C", "I"]);

        // Another provider's page: the non-customer column is the provider.
        let i = import_markdown(
            "### 1. S\n| Activity | Client | Acme Cloud |\n|-|-|-|\n| Do | RA | I |\n",
            "acme-cloud-storage.md",
        )
        .unwrap();
        assert_eq!(i.matrix.provider, "Acme Cloud");
        assert_eq!(i.matrix.parties[1].role, PartyRole::Provider);
        assert_eq!(i.matrix.service, "storage");

        // Two candidates and no hint: provider unclear, default name.
        let i =
            imp("### 1. S\n| Activity | Customer | Foo | Bar |\n|-|-|-|-|\n| Do | RA | I | C |\n");
        assert_eq!(i.matrix.provider, DEFAULT_PROVIDER);
        assert_eq!(codes(&i, "import::provider-unclear"), [2]);
    }

    #[test]
    fn legend_in_its_several_spellings() {
        let fr = "| Rôles |\n| --- |\n|R : Est en charge|\n|A : Est Approbateur|\n|C : Est Consulté|\n|I : Est Informé|\n\n### 1. S\n\n| **Activité** | **Client** | **OVHcloud** |\n| --- | --- | --- |\n| Faire | RA | I |\n";
        let i = import_markdown(fr, "x.fr-fr.md").unwrap();
        assert_eq!(
            i.matrix
                .legend
                .iter()
                .map(|e| e.meaning.as_str())
                .collect::<Vec<_>>(),
            [
                "Est en charge",
                "Est Approbateur",
                "Est Consulté",
                "Est Informé"
            ]
        );
        assert_eq!(i.matrix.language, "fr");
        // Without a locale in the file name, the French header tells the language.
        assert_eq!(import_markdown(fr, "x.md").unwrap().matrix.language, "fr");

        let prose = format!("## RACI definition\n\n- **R**: Responsible\n- **A** : Accountable\n- C – Consulted\n- I: Informed\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n");
        let i = imp(&prose);
        assert_eq!(
            i.matrix
                .legend
                .iter()
                .map(|e| e.letter.as_char())
                .collect::<String>(),
            "RACI"
        );
        assert_eq!(i.matrix.legend[2].meaning, "Consulted");

        let two_cols = format!("| Letter | Meaning |\n|---|---|\n| R | Does |\n| A | Answers |\n\n### 1. S\n\n{HEAD}| Do | RA | I |\n");
        let i = imp(&two_cols);
        assert_eq!(
            i.matrix.legend[1],
            LegendEntry {
                letter: Letter::A,
                meaning: "Answers".into()
            }
        );
    }

    #[test]
    fn service_and_language_come_from_the_file_name() {
        let page = format!("### 1. S\n\n{HEAD}| Do | RA | I |\n");
        for (name, service, language) in [
            ("data-processing.en-gb.md", "data-processing", "en"),
            ("block-storage.2022-12-23.en-gb.md", "block-storage", "en"),
            (
                "ovhcloud-data-processing-responsibility-model.md",
                "data-processing",
                "en",
            ),
            (
                "some/dir/managed-kubernetes.fr-fr.md",
                "managed-kubernetes",
                "fr",
            ),
            ("C:\\pages\\web-hosting.pt_PT.markdown", "web-hosting", "pt"),
            ("raci-email-pro.de.md", "email-pro", "de"),
            ("guide.en-gb.md", "test", "en"),
        ] {
            let i = import_markdown(&format!("---\ntitle: Test\n---\n{page}"), name).unwrap();
            assert_eq!(
                (i.matrix.service.as_str(), i.matrix.language.as_str()),
                (service, language),
                "{name}"
            );
            assert_eq!(i.matrix.source.as_deref(), Some(name));
        }
        let i = import_markdown(&page, "").unwrap();
        assert_eq!(i.matrix.source, None);
        assert_eq!(i.matrix.service, "matrix");
    }

    #[test]
    fn glued_tables_code_blocks_and_comments() {
        let page = format!(
            "### 1. S\n\n{HEAD}| One | RA | I |\n{HEAD}| Two | RA | I |\n\n```\n### 9. Not a heading\n| Activity | Customer | X |\n```\n\
             <!-- hidden\n| Activity | Customer | X |\n-->\n"
        );
        let i = imp(&page);
        assert_eq!(i.matrix.activities().count(), 2);
        assert_eq!(i.matrix.sections.len(), 1);
    }

    #[test]
    fn crlf_and_bom_are_tolerated() {
        let page =
            format!("\u{feff}---\r\ntitle: T\r\n---\r\n### 1. S\r\n{HEAD}| Do | RA | I |\r\n")
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
        let pages: Vec<String> = corpus_files()
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
}
