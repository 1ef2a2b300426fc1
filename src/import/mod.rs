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
//!   ([`ImportError`]: binary, not UTF-8, too large, empty, no RACI table at all) and pages
//!   over a limit of [`crate::limits`] (the same [`Matrix::limits`] the loader applies, so
//!   that whatever is imported loads). Anything else is imported as well as possible and
//!   reported as notes.
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
//!
//! # Where each part lives
//!
//! This file holds the public API (entry points, [`Imported`], [`ImportNote`],
//! [`ImportError`]); the reading is split by concern:
//!
//! - `lines`: the tolerant line reader (table rows split on pipes, ATX headings, fences,
//!   delimiter rows);
//! - `inline`: visible text and links of inline Markdown, through `pulldown-cmark`;
//! - `front_matter`, `dates`, `source_name`: page metadata (front matter, update dates,
//!   service id and language from the file name);
//! - `cells`: what a header or cell means (vocabulary, letters, applicability marks, legend
//!   entries);
//! - `importer`: the scanning state and its driver, prose and section notes, and the final
//!   assembly of the [`Matrix`]; `headings` and `tables` add the importer's handling of
//!   headings (sections, level slips) and of table blocks (parties, rows, legend tables).
//!
//! [`Activity::links`]: crate::model::Activity::links
//! [`Letters::parse_lenient`]: crate::model::Letters::parse_lenient

use std::collections::HashMap;
use std::fmt;

use thiserror::Error;

use crate::limits::{thousands, MAX_INPUT_BYTES, MAX_LINE_CHARS, MAX_MIXED_EMPHASIS};
use crate::model::{Letters, Matrix};

use importer::Importer;

mod cells;
mod dates;
mod front_matter;
mod headings;
mod importer;
mod inline;
mod lines;
mod source_name;
mod tables;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

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

/// What the user says about a page the importer cannot read alone (`annex import
/// --import-options FILE`, a TOML file):
///
/// ```toml
/// [cells]
/// "Kunde" = "RA"          # a cell that names a party instead of holding letters
/// "Cloud Temple" = "I"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// A letter cell's visible text (trimmed, emphasis removed) → the letters it means. A
    /// cell that is neither a letter set nor listed here is refused.
    #[serde(default)]
    pub cells: std::collections::BTreeMap<String, Letters>,
}

impl Options {
    /// Reads an import options file (`name` is for messages).
    pub fn parse(text: &str, name: &str) -> Result<Options, String> {
        toml::from_str(text).map_err(|e| format!("{name}: {e}"))
    }
}

/// Severity of an [`ImportNote`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NoteSeverity {
    /// A quirk read unambiguously (letter order, heading level slip, link kept as text).
    Info,
    /// Something that may have lost or guessed information (ragged row, empty activity).
    Warning,
    /// Something that cannot be read without guessing (a letter cell holding a word): the
    /// page is refused until the user says what it means ([`Options`]).
    Error,
}

impl fmt::Display for NoteSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteSeverity::Info => "info",
            NoteSeverity::Warning => "warning",
            NoteSeverity::Error => "error",
        })
    }
}

/// Why a page could not be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportError {
    /// The input is larger than [`crate::limits::MAX_INPUT_BYTES`].
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
    /// The page exceeds a limit of [`crate::limits`] (cell length, text length, rows,
    /// section depth, …): the loader would refuse the matrix, so the importer does too.
    #[error("line {line}: {message}")]
    Limit {
        /// 1-based line of the first place over a limit (1 for the matrix as a whole).
        line: usize,
        /// What exceeds which limit.
        message: String,
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
    import_markdown_with(text, source, &Options::default())
}

/// [`import_markdown`] with what the user says about the page ([`Options`]).
pub fn import_markdown_with(
    text: &str,
    source: &str,
    options: &Options,
) -> Result<Imported, ImportError> {
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
    for (i, line) in lines.iter().enumerate() {
        line_length(i + 1, line)?;
        mixed_emphasis(i + 1, line)?;
    }
    let mut importer = Importer::new(&lines, source, options);
    importer.run();
    importer.finish()
}

/// Refuses a line over [`MAX_LINE_CHARS`], before its inline Markdown is parsed (the parser
/// holds an event tree many times the size of the line).
fn line_length(line: usize, text: &str) -> Result<(), ImportError> {
    // Bytes bound characters from above: most lines need no count at all.
    if text.len() > MAX_LINE_CHARS {
        let n = text.chars().count();
        if n > MAX_LINE_CHARS {
            return Err(ImportError::Limit {
                line,
                message: format!(
                    "the line has {} characters, over the limit of {} (annex refuses larger inputs: limits::MAX_LINE_CHARS)",
                    thousands(n),
                    thousands(MAX_LINE_CHARS)
                ),
            });
        }
    }
    Ok(())
}

/// Refuses a line with more than [`MAX_MIXED_EMPHASIS`] `*` and as many `_`: pulldown-cmark
/// matches such interleaved emphasis marks (`*a_*a_…`) in time quadratic in their number
/// (100,000 characters of them: 0.7 s a cell). Real lines hold a handful.
fn mixed_emphasis(line: usize, text: &str) -> Result<(), ImportError> {
    let count = |c: u8| text.bytes().filter(|&b| b == c).count();
    let (stars, underscores) = (count(b'*'), count(b'_'));
    if stars > MAX_MIXED_EMPHASIS && underscores > MAX_MIXED_EMPHASIS {
        return Err(ImportError::Limit {
            line,
            message: format!(
                "the line has {} `*` and {} `_`; a line may have more than {MAX_MIXED_EMPHASIS} of one of them, not of both (annex refuses larger inputs: limits::MAX_MIXED_EMPHASIS)",
                thousands(stars),
                thousands(underscores)
            ),
        });
    }
    Ok(())
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
