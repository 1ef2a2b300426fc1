//! PDF stage: compiles the generated Typst source in-process with the `typst` crate and
//! exports it with `typst-pdf`.
//!
//! Invariants:
//! - The Typst world can read nothing but the template set (built-in or `--templates`
//!   overrides, whose sandbox [`TemplateSet::typst_file`] enforces), this document's data
//!   and the fonts bundled in the binary: no other file, no system fonts, no packages, no
//!   network. `#read("/etc/passwd")` fails with "file not found" whatever the input, and a
//!   refused file of the set fails with the reason it was refused.
//! - `today()` is the fixed document date, the PDF identifier comes from the document
//!   fingerprint and the creation date from the document date (or `SOURCE_DATE_EPOCH`), so
//!   the same inputs give the same bytes.
//! - The PDF metadata (title, author, description, keywords) never carries control or
//!   bidi-override characters, whatever the template put there ([`clean_metadata`]).
//! - [`Compiled::laid_out`] is the text of the page bodies (not headers, footers or
//!   backgrounds) as Typst laid it out, and any text placed outside its page, for the
//!   layout check that proves no contract text was cut.
//! - Memoisation caches are evicted at a bounded rate, on success and failure, so that
//!   memory stays flat in long batch runs: every [`EVICT_EVERY`] documents of the process,
//!   by the one worker whose document crosses the threshold, under a try-lock (no worker
//!   ever waits for an eviction). Typst's memo cache is global: evicting after every
//!   document by every worker aged and swept every worker's entries under the cache's
//!   locks and threw away layouts the other workers were about to reuse (BENCHMARKS.md).
//!
//! [`mod@file`] reads finished PDFs and appends incremental updates to them: the one PDF
//! reader and writer that `seal`, `sign` and `verify` share.

pub mod file;
pub mod guard;
pub mod outline;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult, PackageError, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::fonts::bundled as fonts;
use crate::templates::{TemplateSet, Unreadable};

/// The standard library, built once: documents differ only in their source.
fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// Parses the bundled fonts and builds the standard library now, instead of on the first
/// compile (a batch does it once before its workers start; the benchmark times it).
pub fn preload() {
    let _ = (fonts(), library());
}

/// A small document using what every annex uses: the bundled layout helpers, the serif
/// and monospace faces, a table of described letters, a heading, line breaking and tags.
const WARM_UP: &str = r#"#import "lib.typ": *
#set document(title: "warm-up")
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en")
= Warm-up *bold* _italic_
#raci-table(parties: ([A], [B]), rows: (([Activity text], "RA", "CI"),), words: (R: "r", A: "a", C: "c", I: "i"))
#raw("0123abcdef")
"#;

/// Does once, with a small document, what a process's first compile would otherwise do on
/// top of its own document: parse the bundled fonts, build the standard library, and fill
/// Typst's and the PDF writer's lazy tables (shaping, line breaking, highlighting, colour
/// profiles). A command that makes one document starts it on another thread while it
/// loads and validates its inputs ([`warm_up_in_background`]); its memoised entries are
/// pure, so the document made next is the same, byte for byte.
pub fn warm_up() -> Result<(), CompileError> {
    preload();
    let templates = TemplateSet::builtin();
    compile_inner(&Job {
        main_name: "warm-up.typ",
        source: WARM_UP.to_owned(),
        templates: &templates,
        data: Vec::new(),
        date: NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date"),
        timestamp: None,
        ident: "warm-up".to_owned(),
        archival: true,
    })
    .map(|_| ())
}

/// Starts [`warm_up`] on its own thread and returns at once: the first document of a
/// process then starts with fonts and tables ready (BENCHMARKS.md: cold start).
pub fn warm_up_in_background() {
    // On one core the warm-up would only add its work to the document's.
    if std::thread::available_parallelism().map_or(1, usize::from) < 2 {
        return;
    }
    // Detached: a process that fails before it compiles exits without waiting for it.
    let _ = std::thread::Builder::new()
        .name("typst-warm-up".into())
        .spawn(|| {
            let _ = warm_up();
        });
}

/// Time spent in each Typst stage of one document (benchmark and batch statistics).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// `typst::compile`: evaluation, introspection and layout.
    pub layout: std::time::Duration,
    /// `typst_pdf::pdf`: PDF export (font subsetting, tagging).
    pub export: std::time::Duration,
}

/// What to compile.
pub struct Job<'a> {
    /// File name of the main source (the rendered template), e.g. "annex.typ".
    pub main_name: &'a str,
    /// The generated Typst source.
    pub source: String,
    /// The template set: the files the source may import or read (layout helpers, images).
    pub templates: &'a TemplateSet,
    /// Data files for this document only (e.g. "context.json"), by file name.
    pub data: Vec<(String, Vec<u8>)>,
    /// The document date: `datetime.today()` and the PDF dates.
    pub date: NaiveDate,
    /// Override of the PDF creation timestamp (seconds since the epoch), from
    /// `SOURCE_DATE_EPOCH`.
    pub timestamp: Option<i64>,
    /// Stable document identifier (the fingerprint).
    pub ident: String,
    /// Also PDF/A-3a (an archival copy: final documents); every document is PDF/UA-1.
    pub archival: bool,
}

/// A compiled document.
pub struct Compiled {
    /// The PDF bytes.
    pub pdf: Vec<u8>,
    /// The text of the laid-out document, page by page (see [`document_text`]).
    pub text: String,
    /// Number of pages.
    pub pages: usize,
    /// The text of the page bodies, for the layout check.
    pub laid_out: LaidOut,
    /// Typst warnings, formatted with their location.
    pub warnings: Vec<String>,
    /// Where the time went.
    pub timings: Timings,
}

/// A failed compilation: the formatted diagnostics.
#[derive(Debug, thiserror::Error)]
#[error("typst could not compile {main}:\n{diagnostics}")]
pub struct CompileError {
    /// Main file name.
    pub main: String,
    /// Diagnostics, one per line group, with `file:line:col`.
    pub diagnostics: String,
}

struct AnnexWorld<'a> {
    main: FileId,
    main_source: Source,
    data: HashMap<FileId, Bytes>,
    templates: &'a TemplateSet,
    today: Datetime,
}

/// Shared bytes of the template set, without a copy per document.
struct Shared(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

fn file_id(name: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(format!("/{}", name.trim_start_matches('/'))).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl World for AnnexWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            return Ok(self.main_source.clone());
        }
        let bytes = self.file(id)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(
            id,
            text.trim_start_matches('\u{feff}').to_owned(),
        ))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let VirtualRoot::Package(spec) = id.root() {
            return Err(FileError::Package(PackageError::NotFound(spec.clone())));
        }
        if id == self.main {
            return Ok(Bytes::from_string(self.main_source.clone()));
        }
        // Only this document's data and the template set exist: everything else, wherever
        // the path points, is "not found".
        if let Some(bytes) = self.data.get(&id) {
            return Ok(bytes.clone());
        }
        let name = id.vpath().get_without_slash();
        match self.templates.typst_file(name) {
            Ok(bytes) => Ok(Bytes::new(Shared(bytes))),
            Err(Unreadable::NotFound) => Err(FileError::NotFound(name.into())),
            Err(Unreadable::Refused(why)) => Err(FileError::Other(Some(why.into()))),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// The standards a document conforms to, checked by Typst at export (a document that
/// breaks one is an error, never exported as something less): PDF/UA-1 always, and
/// PDF/A-3a (level A: tagged, Unicode text) for an archival copy. The one place that
/// chooses them; `verify` reads back what [`ARCHIVAL_XMP`] declares.
pub fn standards(archival: bool) -> &'static [PdfStandard] {
    if archival {
        &[PdfStandard::A_3a, PdfStandard::Ua_1]
    } else {
        &[PdfStandard::Ua_1]
    }
}

/// What the XMP metadata of an archival copy declares: (`pdfaid:part`,
/// `pdfaid:conformance`, `pdfuaid:part`).
pub const ARCHIVAL_XMP: (&str, &str, &str) = ("3", "A", "1");

/// Documents between two evictions of Typst's memo cache, across all workers of the
/// process. With [`EVICT_MAX_AGE`] an entry survives while some document of the last
/// `EVICT_EVERY × (EVICT_MAX_AGE + 1)` used it: the shared template layouts stay warm,
/// one profile's own entries go, and peak RSS stays flat (< 200 MiB at 1,000 documents).
pub const EVICT_EVERY: usize = 8;

/// Evictions an unused memo entry survives (see [`EVICT_EVERY`]).
pub const EVICT_MAX_AGE: usize = 1;

/// Documents compiled by this process (successful or not), for [`evict_at_bounded_rate`].
static COMPILED: AtomicUsize = AtomicUsize::new(0);

/// Held while one worker evicts; the others never wait for it.
static EVICTING: Mutex<()> = Mutex::new(());

/// Counts one compiled document and, every [`EVICT_EVERY`] documents, evicts the memo
/// cache: only the worker whose document crosses the threshold does, and only if no other
/// eviction is still running (`try_lock`), so no worker touches the shared cache's
/// eviction per document and none waits for one.
fn evict_at_bounded_rate() {
    let done = COMPILED.fetch_add(1, Ordering::Relaxed) + 1;
    if done.is_multiple_of(EVICT_EVERY) {
        if let Ok(_evicting) = EVICTING.try_lock() {
            typst::comemo::evict(EVICT_MAX_AGE);
        }
    }
}

/// Empties Typst's memo cache (the benchmark's "fresh document": set-up done, no layout
/// reused).
pub fn evict_all() {
    typst::comemo::evict(0);
}

/// Compiles a job to PDF.
pub fn compile(job: Job<'_>) -> Result<Compiled, CompileError> {
    let result = compile_inner(&job);
    // Counted on every path: a failed document must not pin its cache entries either.
    evict_at_bounded_rate();
    result
}

fn compile_inner(job: &Job<'_>) -> Result<Compiled, CompileError> {
    let fail = |diagnostics: String| CompileError {
        main: job.main_name.to_owned(),
        diagnostics,
    };
    let main = file_id(job.main_name)
        .ok_or_else(|| fail(format!("invalid file name {}", job.main_name)))?;
    let mut data = HashMap::new();
    for (name, bytes) in &job.data {
        if let Some(id) = file_id(name) {
            data.insert(id, Bytes::new(bytes.clone()));
        }
    }
    let today = Datetime::from_ymd(
        job.date.year(),
        job.date.month() as u8,
        job.date.day() as u8,
    )
    .ok_or_else(|| fail(format!("date {} is out of range", job.date)))?;
    let world = AnnexWorld {
        main,
        main_source: Source::new(main, job.source.clone()),
        data,
        templates: job.templates,
        today,
    };

    let started = std::time::Instant::now();
    let warned = typst::compile::<PagedDocument>(&world);
    let layout = started.elapsed();
    let warnings: Vec<String> = warned
        .warnings
        .iter()
        .map(|d| format_diagnostic(&world, d))
        .collect();
    let mut document = warned.output.map_err(|errors| {
        let mut text: String = errors
            .iter()
            .map(|d| format_diagnostic(&world, d))
            .collect();
        for w in &warnings {
            text.push_str(w);
        }
        fail(text)
    })?;

    clean_metadata(document.info_mut());
    let document = outline::watermarks_as_shapes(document);
    let timestamp = match job.timestamp {
        Some(epoch) => chrono::DateTime::from_timestamp(epoch, 0)
            .and_then(|t| {
                let n = t.naive_utc();
                Datetime::from_ymd_hms(
                    n.year(),
                    n.month() as u8,
                    n.day() as u8,
                    chrono::Timelike::hour(&n) as u8,
                    chrono::Timelike::minute(&n) as u8,
                    chrono::Timelike::second(&n) as u8,
                )
            })
            .map(Timestamp::new_utc),
        None => Some(Timestamp::new_utc(today)),
    };
    let standards =
        PdfStandards::new(standards(job.archival)).map_err(|e| fail(e.message().to_string()))?;
    let options = PdfOptions {
        ident: Smart::Custom(job.ident.clone()),
        timestamp,
        standards,
        ..PdfOptions::default()
    };
    let started = std::time::Instant::now();
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
        fail(
            errors
                .iter()
                .map(|d| format_diagnostic(&world, d))
                .collect(),
        )
    })?;
    let export = started.elapsed();
    Ok(Compiled {
        pdf,
        text: document_text(&document),
        pages: document.pages().len(),
        laid_out: laid_out(&document),
        warnings,
        timings: Timings { layout, export },
    })
}

/// Formats a diagnostic as `file:line:col: error: message`, the offending source line, then
/// its trace and hints.
fn format_diagnostic(world: &AnnexWorld<'_>, d: &SourceDiagnostic) -> String {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = String::new();
    let (place, line_text) = locate(world, d.span);
    let _ = writeln!(out, "{place}{severity}: {}", d.message);
    if let Some(line) = line_text {
        let _ = writeln!(out, "  | {line}");
    }
    for point in &d.trace {
        let (place, _) = locate(world, point.span.into());
        let _ = writeln!(out, "  = {} ({})", point.v, place.trim_end_matches(": "));
    }
    for hint in &d.hints {
        let hint = hint.v.as_str();
        // The CLI's advice about `--root` means nothing to our users.
        if !hint.contains("--root") {
            let _ = writeln!(out, "  hint: {hint}");
        }
    }
    out
}

fn locate(world: &AnnexWorld<'_>, span: typst::syntax::DiagSpan) -> (String, Option<String>) {
    let Some(id) = span.id() else {
        return (String::new(), None);
    };
    let Some(range) = world.range(span) else {
        return (String::new(), None);
    };
    let Ok(source) = world.source(id) else {
        return (format!("{}: ", id.vpath().get_without_slash()), None);
    };
    match source.lines().byte_to_line_column(range.start) {
        Some((line, col)) => {
            let text = source
                .text()
                .lines()
                .nth(line)
                .map(|l| l.chars().take(160).collect());
            (
                format!(
                    "{}:{}:{}: ",
                    id.vpath().get_without_slash(),
                    line + 1,
                    col + 1
                ),
                text,
            )
        }
        None => (format!("{}: ", id.vpath().get_without_slash()), None),
    }
}

/// The text of a laid-out document, as a PDF text extractor would read it: pages separated
/// by form feeds, the lines of one block (a table cell, a paragraph) kept together, and a
/// new line wherever the baseline changes.
pub fn document_text(document: &PagedDocument) -> String {
    let mut out = String::new();
    for (i, page) in document.pages().iter().enumerate() {
        if i > 0 {
            out.push('\u{c}');
        }
        let mut cursor = None;
        frame_text(&page.frame, (0.0, 0.0), &mut cursor, &mut out);
        out.push('\n');
    }
    out
}

/// Where the last text item ended: its baseline and the x of its right edge.
type Cursor = Option<(f64, f64)>;

fn frame_text(
    frame: &typst::layout::Frame,
    origin: (f64, f64),
    cursor: &mut Cursor,
    out: &mut String,
) {
    for (pos, item) in frame.items() {
        let (x, y) = (origin.0 + pos.x.to_pt(), origin.1 + pos.y.to_pt());
        match item {
            typst::layout::FrameItem::Group(group) => {
                // A group is a block (cell, paragraph line, box): its text stays together.
                let t = &group.transform;
                frame_text(
                    &group.frame,
                    (x + t.tx.to_pt(), y + t.ty.to_pt()),
                    cursor,
                    out,
                );
            }
            typst::layout::FrameItem::Text(text) => {
                match *cursor {
                    // Same line: runs that touch are one word; a gap is a space.
                    Some((prev_y, end_x)) if (prev_y - y).abs() < 0.5 => {
                        let gap = x - end_x;
                        if gap > 0.15 * text.size.to_pt() && !out.ends_with([' ', '\n']) {
                            out.push(' ');
                        }
                    }
                    Some(_) => out.push('\n'),
                    None => {}
                }
                out.push_str(&text.text);
                *cursor = Some((y, x + text.width().to_pt()));
            }
            _ => {}
        }
    }
}

/// Keeps the PDF metadata to text a reader shows on one line: control characters
/// (U+0000–U+001F, U+007F–U+009F) become spaces (runs of white space one space), bidi
/// embeddings, overrides, isolates and marks are dropped, so that profile text cannot forge what a viewer's title bar or a search
/// index shows. The one place metadata is cleaned, whatever the template sets.
pub fn clean_metadata(info: &mut typst::model::DocumentInfo) {
    let clean = |s: &str| -> typst::foundations::Str {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => {}
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
        // One line, single-spaced, as a viewer's title bar shows it.
        out.split_whitespace().collect::<Vec<_>>().join(" ").into()
    };
    if let Some(title) = &info.title {
        info.title = Some(clean(title).into());
    }
    if let Some(description) = &info.description {
        info.description = Some(clean(description).into());
    }
    for author in &mut info.author {
        *author = clean(author).into();
    }
    for keyword in &mut info.keywords {
        *keyword = clean(keyword).into();
    }
}

/// The text of the page bodies of a laid-out document, for the layout check.
#[derive(Debug, Clone, Default)]
pub struct LaidOut {
    /// Per page, the text of its body in reading order (headers, footers and backgrounds,
    /// which Typst marks as artifacts, left out).
    pub pages: Vec<String>,
    /// Text placed (partly) outside its page: (page number from 1, the text).
    pub off_page: Vec<(usize, String)>,
}

fn laid_out(document: &PagedDocument) -> LaidOut {
    let mut out = LaidOut::default();
    for (i, page) in document.pages().iter().enumerate() {
        let mut walk = BodyWalk {
            size: (page.frame.width().to_pt(), page.frame.height().to_pt()),
            artifacts: Vec::new(),
            text: String::new(),
            off_page: Vec::new(),
        };
        walk.frame(&page.frame, (0.0, 0.0));
        out.pages.push(walk.text);
        out.off_page
            .extend(walk.off_page.into_iter().map(|t| (i + 1, t)));
    }
    out
}

struct BodyWalk {
    size: (f64, f64),
    /// Locations of the artifacts (header, footer, background) being walked through.
    artifacts: Vec<Option<typst::introspection::Location>>,
    text: String,
    off_page: Vec<String>,
}

impl BodyWalk {
    fn frame(&mut self, frame: &typst::layout::Frame, origin: (f64, f64)) {
        use typst::introspection::Tag;
        use typst::layout::FrameItem;
        for (pos, item) in frame.items() {
            let (x, y) = (origin.0 + pos.x.to_pt(), origin.1 + pos.y.to_pt());
            match item {
                FrameItem::Group(group) => {
                    let t = &group.transform;
                    self.frame(&group.frame, (x + t.tx.to_pt(), y + t.ty.to_pt()));
                }
                FrameItem::Tag(Tag::Start(content, _))
                    if content.is::<typst::pdf::ArtifactElem>() =>
                {
                    self.artifacts.push(content.location());
                }
                FrameItem::Tag(Tag::End(location, ..))
                    if self.artifacts.last() == Some(&Some(*location)) =>
                {
                    self.artifacts.pop();
                }
                FrameItem::Text(text) if self.artifacts.is_empty() => {
                    self.text.push_str(&text.text);
                    self.text.push(' ');
                    // Half a point of slack: glyph outlines may touch the edge.
                    let (w, h) = self.size;
                    if x < -0.5 || y < -0.5 || x + text.width().to_pt() > w + 0.5 || y > h + 0.5 {
                        self.off_page.push(text.text.to_string());
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fonts::displayable` is what Typst does: each character it calls displayable goes
    /// into a PDF/UA-1 document, each other one makes the export fail.
    #[test]
    fn displayable_characters_are_the_ones_typst_exports() {
        let templates = crate::templates::TemplateSet::builtin();
        let compiles = |c: char| {
            compile(Job {
                main_name: "t.typ",
                source: format!("#set document(title: \"T\")\n#set text(lang: \"en\")\nA{c}B\n"),
                templates: &templates,
                data: Vec::new(),
                date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                timestamp: None,
                ident: "t".into(),
                archival: false,
            })
            .is_ok()
        };
        for &c in crate::fonts::SHOWN_BY_TYPST {
            assert!(crate::fonts::displayable(c));
            assert!(compiles(c), "{}", crate::fonts::describe(c));
        }
        for &c in crate::fonts::REFUSED_BY_TYPST {
            assert!(!crate::fonts::displayable(c));
            assert!(!compiles(c), "{}", crate::fonts::describe(c));
        }
    }

    /// The warm-up document compiles (a failing one would warm nothing, silently).
    #[test]
    fn the_warm_up_document_compiles() {
        warm_up().unwrap();
    }

    /// What `standards` asks Typst for is what `ARCHIVAL_XMP` says the XMP declares (and
    /// `verify` checks): the two cannot drift apart.
    #[test]
    fn an_archival_copy_declares_what_verify_expects() {
        let templates = crate::templates::TemplateSet::builtin();
        let job = |archival| Job {
            main_name: "t.typ",
            source: "#set document(title: \"T\")\n#set text(lang: \"en\")\nHello\n".into(),
            templates: &templates,
            data: Vec::new(),
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            timestamp: None,
            ident: "t".into(),
            archival,
        };
        let (part, conformance, ua) = ARCHIVAL_XMP;
        let archival = String::from_utf8_lossy(&compile(job(true)).unwrap().pdf).into_owned();
        for declared in [
            format!("<pdfaid:part>{part}</pdfaid:part>"),
            format!("<pdfaid:conformance>{conformance}</pdfaid:conformance>"),
            format!("<pdfuaid:part>{ua}</pdfuaid:part>"),
        ] {
            assert!(archival.contains(&declared), "{declared}");
        }
        let draft = String::from_utf8_lossy(&compile(job(false)).unwrap().pdf).into_owned();
        assert!(draft.contains(&format!("<pdfuaid:part>{ua}</pdfuaid:part>")));
        assert!(!draft.contains("pdfaid:part"));
    }

    #[test]
    fn metadata_loses_control_and_bidi_characters_only() {
        let mut info = typst::model::DocumentInfo {
            title: Some("Annex\u{7} \u{202e}3\u{2066}".into()),
            author: vec!["Evil\u{1b}[31m\u{0}Corp".into()],
            description: Some("line\none\u{9b}".into()),
            keywords: vec!["CTR\u{1}-1".into(), "Café – ünïcode".into()],
            ..Default::default()
        };
        clean_metadata(&mut info);
        assert_eq!(info.title.as_deref(), Some("Annex 3"));
        assert_eq!(info.author, ["Evil [31m Corp"]);
        assert_eq!(info.description.as_deref(), Some("line one"));
        assert_eq!(info.keywords, ["CTR -1", "Café – ünïcode"]);
    }
}
