//! Load stage: reads the matrix (canonical TOML/JSON, or a provider Markdown page imported on
//! the fly), the profile and the catalogue, from files or from the defaults embedded in the
//! binary. Nothing is checked here beyond syntax and the shape of each file; every syntax or
//! shape problem becomes a [`Finding`] pointing at its file, line and column. A profile is
//! read leniently ([`lenient`]): every problem of its TOML is reported in one run.

use std::collections::HashMap;
use std::path::Path;

use crate::catalogue::{self, Catalogue};
use crate::diag::{self, Finding};
use crate::error::Invalid;
use crate::import;
use crate::limits::{thousands, MAX_INPUT_BYTES};
use crate::model::{LimitPlace, Matrix, SCHEMA_VERSION};
use crate::profile::{self, RawProfile};

pub mod lenient;

pub use lenient::Edits;

/// The seed matrix rendered when no `--matrix` is given.
pub const DEFAULT_MATRIX: &str = include_str!("../../data/matrices/ovhcloud-data-processing.toml");
/// The name the default matrix is reported under.
pub const DEFAULT_MATRIX_NAME: &str = "data/matrices/ovhcloud-data-processing.toml";

/// The text of an input file and the name to report it under.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as the user gave it (or the embedded default's repository path).
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// How a matrix file is read: the one rule, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFormat {
    /// A provider's published Markdown page (`.md`, `.markdown`), imported on the fly.
    Page,
    /// Canonical JSON (`.json`).
    Json,
    /// Canonical TOML (anything else).
    Toml,
}

impl MatrixFormat {
    /// The format of the file called `name`.
    pub fn of(name: &str) -> MatrixFormat {
        let ext = Path::new(name)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => MatrixFormat::Page,
            "json" => MatrixFormat::Json,
            _ => MatrixFormat::Toml,
        }
    }
}

/// A matrix and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedMatrix {
    /// The matrix.
    pub matrix: Matrix,
    /// Its source text.
    pub source: SourceFile,
    /// How it was read.
    pub format: MatrixFormat,
    /// Repairs and oddities met while importing a Markdown page (empty for canonical files).
    pub import_notes: Vec<import::ImportNote>,
    /// 1-based source line of each activity, by id.
    pub activity_lines: HashMap<String, usize>,
    /// Markdown pages only: (activity id, party id) → 1-based character columns of the
    /// letter cell on the activity's line (see [`import::Imported::cell_columns`]).
    pub cell_columns: HashMap<(String, String), (usize, usize)>,
    /// Markdown pages only: section number → 1-based line of its heading.
    pub section_lines: HashMap<String, usize>,
}

/// A parsed, not yet validated profile.
#[derive(Debug, Clone)]
pub struct LoadedProfile {
    /// The profile as written, or as repaired to read on past its problems (then
    /// `findings` is not empty, and validation never accepts it).
    pub raw: RawProfile,
    /// Its source text.
    pub source: SourceFile,
    /// The problems of its TOML (syntax, keys, types): all errors.
    pub findings: Vec<Finding>,
    /// The repairs made to read on: spans of `raw` map back to `source` through them.
    pub edits: Edits,
}

/// Reads a whole input file, at most `limit` bytes: only a regular file (a device, FIFO or
/// socket is refused by name, so `/dev/zero` or a pipe nobody writes to cannot hang a run),
/// and through a bounded reader (a size a file system reports is not trusted: a file may
/// grow while it is read).
pub fn read_bytes(path: &Path, (limit, limit_name): (usize, &str)) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let name = path.display();
    let cannot = |e: std::io::Error| Invalid::input(format!("cannot read {name}: {e}"));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading would wait for a writer: non-blocking, the open returns
    // at once and the type check below refuses it.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(cannot)?;
    let kind = file.metadata().map_err(cannot)?.file_type();
    if !kind.is_file() {
        return Err(Invalid::input(format!(
            "cannot read {name}: not a regular file ({}); give a file",
            file_kind(&kind)
        )));
    }
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > limit {
        return Err(Invalid::input(format!(
            "{name}: file is over {} bytes; inputs are limited to {} MiB ({} bytes, limits::{limit_name})",
            thousands(limit),
            limit / (1024 * 1024),
            thousands(limit),
        )));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for the message refusing it.
pub fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "not a file"
    }
}

/// The limit of a text input, for [`read_bytes`].
pub const TEXT_LIMIT: (usize, &str) = (MAX_INPUT_BYTES, "MAX_INPUT_BYTES");
/// The limit of a PDF or evidence pack, for [`read_bytes`].
pub const PDF_LIMIT: (usize, &str) = (crate::limits::MAX_PACK_BYTES, "MAX_PACK_BYTES");

/// Reads a file as UTF-8 text, refusing binary and oversized input ([`read_bytes`]).
pub fn read_text(path: &Path) -> anyhow::Result<SourceFile> {
    let name = path.display().to_string();
    let bytes = read_bytes(path, TEXT_LIMIT)?;
    if bytes.contains(&0) {
        return Err(Invalid::input(format!(
            "{name}: not a text file (it contains NUL bytes)"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Invalid::input(format!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(SourceFile { name, text })
}

/// Loads the matrix at `path`, or the embedded seed matrix.
pub fn matrix(path: Option<&Path>) -> anyhow::Result<LoadedMatrix> {
    let source = match path {
        Some(p) => read_text(p)?,
        None => SourceFile {
            name: DEFAULT_MATRIX_NAME.into(),
            text: DEFAULT_MATRIX.into(),
        },
    };
    matrix_from_source(source)
}

/// Parses a matrix from its text; the format follows the file extension.
pub fn matrix_from_source(source: SourceFile) -> anyhow::Result<LoadedMatrix> {
    let format = MatrixFormat::of(&source.name);
    match format {
        MatrixFormat::Page => {
            let imported = import::import_markdown(&source.text, &source.name)
                .map_err(|e| Invalid::input(format!("{}: {e}", source.name)))?;
            Ok(LoadedMatrix {
                format,
                matrix: imported.matrix,
                import_notes: imported.notes,
                activity_lines: imported.activity_lines,
                cell_columns: imported.cell_columns,
                section_lines: imported.section_lines,
                source,
            })
        }
        MatrixFormat::Json => {
            let matrix: Matrix = serde_json::from_str(&source.text).map_err(|e| {
                let span = line_col_span(&source.text, e.line(), e.column());
                findings_error(
                    vec![
                        Finding::error("matrix::syntax", format!("invalid matrix: {e}")).at(
                            &source.name,
                            &source.text,
                            span,
                        ),
                    ],
                    &source,
                )
            })?;
            canonical_loaded(matrix, source, format)
        }
        MatrixFormat::Toml => {
            let matrix: Matrix = toml::from_str(&source.text)
                .map_err(|e| findings_error(vec![toml_finding("matrix", &e, &source)], &source))?;
            canonical_loaded(matrix, source, format)
        }
    }
}

/// A canonical matrix as loaded: its schema version the supported one, within the limits
/// of [`crate::limits`] (the importer applies the same [`Matrix::limits`]), ids filled in
/// where the file leaves them out, and the line of each activity found for diagnostics.
fn canonical_loaded(
    mut matrix: Matrix,
    source: SourceFile,
    format: MatrixFormat,
) -> anyhow::Result<LoadedMatrix> {
    if matrix.schema != SCHEMA_VERSION {
        let span = schema_span(&source.text).unwrap_or(0..0);
        let f = Finding::error(
            "matrix::schema",
            format!(
                "{}: schema {} is not supported: this annex reads schema {SCHEMA_VERSION} only",
                source.name, matrix.schema
            ),
        )
        .at(&source.name, &source.text, span)
        .label(format!("supported: schema = {SCHEMA_VERSION}"))
        .note("a newer annex wrote this file, or it was edited by hand: re-import the page with this annex, or use the annex that wrote it");
        return Err(findings_error(vec![f], &source));
    }
    let exceeded = matrix.limits();
    let activity_lines = locate_ids(&matrix, &source.text);
    if !exceeded.is_empty() {
        let index = diag::LineIndex::new(&source.text);
        let findings = exceeded
            .iter()
            .map(|e| {
                let f = Finding::error("matrix::limit", format!("{}: {e}", source.name));
                let line = match e.place {
                    LimitPlace::Activity(i, j) => activity_lines
                        .get(&matrix.sections[i].activities[j].id)
                        .copied(),
                    _ => None,
                };
                match line {
                    Some(line) => {
                        let span = index.line_span(&source.text, line);
                        let span = span.start..span.start;
                        index
                            .place(f, &source.name, &source.text, span)
                            .label("here")
                    }
                    None => f,
                }
            })
            .collect();
        return Err(findings_error(findings, &source));
    }
    crate::ids::assign_ids(&mut matrix);
    let section_lines = locate_sections(&matrix, &source.text);
    Ok(LoadedMatrix {
        matrix,
        source,
        format,
        import_notes: Vec::new(),
        activity_lines,
        cell_columns: HashMap::new(),
        section_lines,
    })
}

/// The `schema = …` (TOML) or `"schema": …` (JSON) value of a canonical file.
fn schema_span(text: &str) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let key = t
            .strip_prefix("\"schema\"")
            .or_else(|| t.strip_prefix("schema"));
        if let Some(rest) = key.filter(|r| r.trim_start().starts_with(['=', ':'])) {
            let value = rest.trim_start()[1..].trim_start();
            let at = start + (line.len() - value.len());
            let len = value
                .find(|c: char| c.is_whitespace() || matches!(c, ',' | '#' | '}'))
                .unwrap_or(value.len());
            return Some(at..at + len);
        }
        start += line.len();
    }
    None
}

/// Loads the profile at `path`, or the embedded sample profile.
pub fn profile(path: Option<&Path>) -> anyhow::Result<LoadedProfile> {
    let source = match path {
        Some(p) => read_text(p)?,
        None => SourceFile {
            name: profile::SAMPLE_NAME.into(),
            text: profile::SAMPLE.into(),
        },
    };
    profile_from_source(source)
}

/// Parses a profile from its text, leniently: a profile with problems its TOML reader
/// could read past comes back with them in `findings` (validation then reports them with
/// its own); one it could not read at all is an error with every problem found.
pub fn profile_from_source(source: SourceFile) -> anyhow::Result<LoadedProfile> {
    let (raw, findings, edits) = lenient::profile(&source);
    match raw {
        Some(raw) => Ok(LoadedProfile {
            raw,
            source,
            findings,
            edits,
        }),
        None => Err(findings_error(findings, &source)),
    }
}

/// Loads the catalogue at `path`, or the embedded one.
pub fn catalogue(path: Option<&Path>) -> anyhow::Result<(Catalogue, SourceFile)> {
    let source = match path {
        Some(p) => read_text(p)?,
        None => SourceFile {
            name: "data/catalogue.toml".into(),
            text: catalogue::BUILTIN.into(),
        },
    };
    let cat = toml::from_str(&source.text)
        .map_err(|e| findings_error(vec![toml_finding("catalogue", &e, &source)], &source))?;
    Ok((cat, source))
}

/// Turns a TOML error into a finding: `<kind>::unknown-key` for unknown keys,
/// `<kind>::syntax` otherwise.
pub fn toml_finding(kind: &str, e: &toml::de::Error, source: &SourceFile) -> Finding {
    let message = e.message().trim().to_owned();
    let (code, label) = if message.starts_with("unknown field") {
        (format!("{kind}::unknown-key"), "unknown key".to_owned())
    } else if message.starts_with("missing field") {
        (format!("{kind}::missing-key"), "in this table".to_owned())
    } else {
        (format!("{kind}::syntax"), message.clone())
    };
    let finding = Finding::error(&code, format!("invalid {kind} {}: {message}", source.name));
    match e.span() {
        Some(span) => finding.at(&source.name, &source.text, span).label(label),
        None => finding,
    }
}

fn findings_error(findings: Vec<Finding>, source: &SourceFile) -> anyhow::Error {
    let mut sources = diag::Sources::default();
    sources.add(&source.name, &source.text);
    Invalid::findings(findings, sources)
}

fn line_col_span(text: &str, line: usize, column: usize) -> std::ops::Range<usize> {
    let start = diag::line_span(text, line).start;
    let offset = text[start..]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    start + offset..start + offset
}

/// Finds the line of each section's `number` in a canonical file, for diagnostics: in file
/// order, each after the previous one, like [`locate_ids`].
fn locate_sections(matrix: &Matrix, text: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    let (mut cursor, mut line) = (0, 1);
    for s in &matrix.sections {
        if !crate::canonical::spelled_verbatim(&s.number) {
            continue;
        }
        let quoted = format!("\"{}\"", s.number);
        let mut from = cursor;
        while let Some(at) = text[from..].find(&quoted) {
            let at = from + at;
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1).max(cursor);
            if text[line_start..at].contains("number") {
                line += text.as_bytes()[cursor..at]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                cursor = at + quoted.len();
                lines.entry(s.number.clone()).or_insert(line);
                break;
            }
            from = at + quoted.len();
        }
    }
    lines
}

/// Finds the line of each activity's `id` in a canonical file, for diagnostics. Ids are
/// searched in file order, each after the previous one, and lines counted incrementally, so
/// that this is linear in the file.
fn locate_ids(matrix: &Matrix, text: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    let (mut cursor, mut line) = (0, 1);
    for (_, a) in matrix.activities() {
        // Only ids as a canonical file spells them: a search that cannot succeed would scan
        // the rest of the file for every activity.
        if a.id.is_empty() || !crate::canonical::spelled_verbatim(&a.id) {
            continue;
        }
        let quoted = format!("\"{}\"", a.id);
        if let Some(at) = text[cursor..].find(&quoted) {
            let at = cursor + at;
            line += text.as_bytes()[cursor..at]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            cursor = at + quoted.len();
            lines.entry(a.id.clone()).or_insert(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    #[test]
    fn only_the_supported_schema_loads() {
        let text = DEFAULT_MATRIX.replace("\nschema = 1\n", "\nschema = 2\n");
        let err = matrix_from_source(source("m.toml", &text)).unwrap_err();
        let report = crate::error::report(&err);
        assert!(report.contains("error[matrix::schema]"), "{report}");
        assert!(report.contains("schema 2 is not supported"), "{report}");
        assert_eq!(schema_span("a = 1\n  schema = 7 # x\n"), Some(17..18));
        assert_eq!(schema_span("{\n  \"schema\": 12,\n"), Some(14..16));
        assert_eq!(schema_span("schemas = 1\n"), None);
        assert!(matrix_from_source(source("m.toml", DEFAULT_MATRIX)).is_ok());
    }

    #[test]
    fn lines_of_ids_and_sections_are_found_in_one_pass() {
        let m = matrix(None).unwrap();
        for (s, a) in m.matrix.activities() {
            let line = m.activity_lines[&a.id];
            let text = m.source.text.lines().nth(line - 1).unwrap();
            assert_eq!(text, format!("id = \"{}\"", a.id));
            let line = m.section_lines[&s.number];
            let text = m.source.text.lines().nth(line - 1).unwrap();
            assert_eq!(text, format!("number = \"{}\"", s.number));
        }
    }
}
