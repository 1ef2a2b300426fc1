//! `annex`: a provider's shared-responsibility (RACI) matrix + one customer's profile →
//! a signed-off shared-responsibility annex PDF.
//!
//! The pipeline, one module per stage, each passing owned values to the next:
//! [`load`] (matrix, profile, catalogue; Markdown pages through [`import`]) →
//! [`validate`] (profile against catalogue and matrix, all findings collected) →
//! [`tailor`] (what applies to this subscription) → [`context`] (the documented template
//! data) → [`render`] (Tera → Typst markup, escaped by [`escape`]) → [`pdf`] (in-process
//! Typst, sandboxed world) → [`output`] (atomic writes).

#![warn(missing_docs)]

pub mod batch;
pub mod canonical;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod compose;
pub mod context;
pub mod diag;
pub mod escape;
pub mod ids;
pub mod import;
pub mod kinds;
pub mod load;
pub mod model;
pub mod output;
pub mod pades;
pub mod pdf;
pub mod policy;
pub mod profile;
pub mod render;
pub mod seal;
pub mod tailor;
pub mod templates;
pub mod validate;
pub mod verify;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use cli::{Cli, Command, Emit, InputArgs, Kind, RenderArgs};
use diag::{Finding, Severity, Sources};

/// Version of the embedded Typst compiler (pinned in Cargo.toml).
pub const TYPST_VERSION: &str = "0.15.1";

/// Exit code: everything went well.
pub const EXIT_OK: u8 = 0;
/// Exit code: the input is invalid, or checks found denied problems.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: the tool itself failed (I/O, template, Typst).
pub const EXIT_FAILURE: u8 = 2;

/// An error caused by the user's input (exit code 1), as opposed to a tool failure.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// A message naming the file and the problem.
    #[error("{0}")]
    Input(String),
    /// Findings, already rendered with their source snippets.
    #[error("{rendered}{summary}")]
    Findings {
        /// The findings.
        findings: Vec<Finding>,
        /// Their human rendering.
        rendered: String,
        /// The summary line.
        summary: String,
    },
}

impl Invalid {
    /// An invalid-input error with a message.
    pub fn input(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Invalid::Input(message.into()))
    }

    /// An invalid-input error carrying findings.
    pub fn findings(findings: Vec<Finding>, sources: Sources) -> anyhow::Error {
        let rendered = sources.render(&findings, false);
        let summary = format!("input is invalid: {}", diag::summary(&findings));
        anyhow::Error::new(Invalid::Findings {
            findings,
            rendered,
            summary,
        })
    }
}

/// The exit code for an error: 1 if the input is at fault, 2 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.is::<Invalid>()) {
        EXIT_INVALID
    } else {
        EXIT_FAILURE
    }
}

/// The text printed for an error: findings as rendered diagnostics, anything else as
/// `error: …` followed by its whole cause chain.
pub fn error_report(err: &anyhow::Error) -> String {
    if let Some(Invalid::Findings {
        rendered, summary, ..
    }) = err.downcast_ref::<Invalid>()
    {
        return format!("{rendered}{summary}\n");
    }
    let mut text = format!("error: {err}\n");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    text
}

/// Runs a command; returns the exit code to use on success.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Render(args) => render_command(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Import(args) => import_command(&args),
        Command::Context(args) => {
            let prepared = prepare(&args.input, &mut Vec::new())?;
            let doc = prepared.context(args.input.kind, None);
            let json =
                serde_json::to_string_pretty(&doc).context("cannot serialise the context")?;
            println!("{json}");
            Ok(EXIT_OK)
        }
        Command::Templates(cmd) => templates_command(cmd),
        Command::Check(args) => check::command(&args),
        Command::Sign(args) => pades::run(&args),
        Command::Verify(args) => verify::run(&args),
    }
}

/// Everything a document needs, loaded and validated.
pub struct Prepared {
    /// The matrix as loaded.
    pub matrix: load::LoadedMatrix,
    /// The validated profile.
    pub profile: profile::Profile,
    /// The profile's source.
    pub profile_source: load::SourceFile,
    /// The catalogue.
    pub catalogue: catalogue::Catalogue,
    /// The template set.
    pub templates: templates::TemplateSet,
    /// Warnings met on the way.
    pub findings: Vec<Finding>,
    /// Further matrices composed after `matrix` (the profile's `[subscription] matrices`
    /// beyond the first); each is a part of the documents.
    pub supplements: Vec<load::LoadedMatrix>,
    /// The catalogue's source (its digest is listed in the audit report).
    pub catalogue_source: load::SourceFile,
}

/// Load and validate stages: reads every input and checks the profile.
pub fn prepare(input: &InputArgs, notices: &mut Vec<String>) -> anyhow::Result<Prepared> {
    let shared = load_shared(input, notices)?;
    let loaded_profile = load::profile(input.profile.as_deref())?;
    prepare_profile(&shared, loaded_profile)
}

/// The inputs every document of a run shares (matrix, catalogue, template set), loaded once:
/// `annex batch` validates thousands of profiles against one of these.
pub struct Shared {
    /// The options they were loaded with (per-profile steps may read them, e.g. `--kind`).
    pub input: InputArgs,
    /// The matrix as loaded.
    pub matrix: load::LoadedMatrix,
    /// The catalogue.
    pub catalogue: catalogue::Catalogue,
    /// The catalogue's source (it is part of a batch output's fingerprint).
    pub catalogue_source: load::SourceFile,
    /// The template set.
    pub templates: templates::TemplateSet,
    /// The policy the matrix checks are judged by (`--policy`).
    pub policy: policy::Policy,
}

/// Load stage for the shared inputs; `notices` receives the templates overridden.
pub fn load_shared(input: &InputArgs, notices: &mut Vec<String>) -> anyhow::Result<Shared> {
    let (catalogue, catalogue_source) = load::catalogue(input.catalogue.as_deref())?;
    let matrix = load::matrix(input.matrix.as_deref())?;
    let templates = templates::TemplateSet::load(input.templates.as_deref())?;
    for name in templates.overridden() {
        notices.push(format!(
            "using {name} from {}",
            input
                .templates
                .as_deref()
                .unwrap_or(Path::new(""))
                .display()
        ));
    }
    Ok(Shared {
        input: input.clone(),
        matrix,
        catalogue,
        catalogue_source,
        templates,
        policy: policy::Policy::resolve(input.checks.policy.as_deref())?,
    })
}

/// Validate stage for one profile against the shared inputs (which it copies: they are
/// small next to a compile, and a `Prepared` stays self-contained).
pub fn prepare_profile(
    shared: &Shared,
    loaded_profile: load::LoadedProfile,
) -> anyhow::Result<Prepared> {
    let Shared {
        input,
        matrix,
        catalogue,
        templates,
        catalogue_source,
        ..
    } = shared;
    // Composition: `--matrix` wins; otherwise the profile's list, if any, gives the parts.
    let mut parts = if input.matrix.is_none() {
        compose::profile_matrices(&loaded_profile.raw, &loaded_profile.source)?
    } else {
        Vec::new()
    };
    if parts.is_empty() {
        parts.push(matrix.clone());
    }
    let view = compose::validation_view(&parts);
    let (profile, mut findings) = validate::profile(&loaded_profile, &view, catalogue);
    let Some(mut profile) = profile else {
        let mut sources = Sources::default();
        sources.add(&loaded_profile.source.name, &loaded_profile.source.text);
        return Err(Invalid::findings(findings, sources));
    };
    if let Some(scope) = input.scope {
        profile.scope = scope;
    }
    let condition_errors: Vec<Finding> = parts
        .iter()
        .flat_map(|p| tailor::condition_findings(p, catalogue))
        .collect();
    if !condition_errors.is_empty() {
        let mut sources = Sources::default();
        for p in &parts {
            sources.add(&p.source.name, &p.source.text);
        }
        return Err(Invalid::findings(condition_errors, sources));
    }
    findings.extend(compose::conflicting_letters(&parts));
    // The checks of `annex check`, judged by the same policy: denied findings stop here,
    // so nothing is written; warnings go on to be printed and listed in the audit report.
    for part in &parts {
        findings.extend(check::matrix_findings(part));
    }
    let findings = shared.policy.apply(findings, input.checks.deny_warnings);
    if findings.iter().any(|f| f.severity == Severity::Error) {
        let mut sources = Sources::default();
        sources.add(&loaded_profile.source.name, &loaded_profile.source.text);
        for p in &parts {
            sources.add(&p.source.name, &p.source.text);
        }
        return Err(Invalid::findings(findings, sources));
    }
    let first = parts.remove(0);
    Ok(Prepared {
        matrix: first,
        profile,
        profile_source: loaded_profile.source,
        catalogue: catalogue.clone(),
        templates: templates.clone(),
        findings,
        supplements: parts,
        catalogue_source: catalogue_source.clone(),
    })
}

impl Prepared {
    /// SHA-256 over the canonical matrix (JSON), the validated profile (JSON) and the
    /// template set, as 64 hex digits.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(canonical::to_json(&self.matrix.matrix).as_bytes());
        hasher.update(b"\n");
        hasher.update(
            serde_json::to_string(&self.profile)
                .unwrap_or_default()
                .as_bytes(),
        );
        hasher.update(b"\n");
        hasher.update(self.templates.digest());
        // Composed parts only: a single-matrix fingerprint stays what it always was.
        for part in &self.supplements {
            hasher.update(b"\n");
            hasher.update(canonical::to_json(&part.matrix).as_bytes());
        }
        hex(&hasher.finalize())
    }

    /// Tailor and context stages: the data the templates of `kind` receive.
    pub fn context(&self, kind: Kind, fingerprint: Option<String>) -> context::DocumentContext {
        let full = self.profile.scope == profile::Scope::Full;
        let fingerprint = fingerprint.unwrap_or_else(|| self.fingerprint());
        let all: Vec<&load::LoadedMatrix> = std::iter::once(&self.matrix)
            .chain(&self.supplements)
            .collect();
        let tailored: Vec<(model::Matrix, Vec<context::NotApplicable>)> = all
            .iter()
            .map(|p| tailor::tailor(p.matrix.clone(), &self.profile, &self.catalogue, full))
            .collect();
        let part_input = |matrix, total, not_applicable| context::ContextInput {
            matrix,
            total_activities: total,
            profile: &self.profile,
            catalogue: &self.catalogue,
            kind: kind.name(),
            fingerprint: fingerprint.clone(),
            not_applicable,
            full_scope: full,
            findings: self.findings.clone(),
        };
        // The whole document reads as one matrix: the first part's metadata and parties,
        // every part's sections in order.
        let mut merged = tailored[0].0.clone();
        for (part, _) in &tailored[1..] {
            merged
                .sections
                .extend(compose::aligned_sections(part, &merged));
        }
        let mut doc = context::build(part_input(
            &merged,
            all.iter().map(|p| p.matrix.activities().count()).sum(),
            tailored.iter().flat_map(|(_, n)| n.clone()).collect(),
        ));
        for (i, (loaded, (matrix, not_applicable))) in all.iter().zip(&tailored).enumerate() {
            let one = context::build(part_input(
                matrix,
                loaded.matrix.activities().count(),
                not_applicable.clone(),
            ));
            doc.parts.push(kinds::Part {
                number: i + 1,
                matrix: one.matrix,
                parties: one.parties,
                sections: one.sections,
                not_applicable: one.not_applicable,
                decisions: kinds::decisions(&loaded.matrix, &self.profile, &self.catalogue),
                provenance: kinds::provenance(loaded),
            });
            doc.section_counts
                .extend(kinds::section_counts(i + 1, matrix));
        }
        let numbered: Vec<(usize, &model::Matrix)> = tailored
            .iter()
            .enumerate()
            .map(|(i, (m, _))| (i + 1, m))
            .collect();
        doc.phases = kinds::phases(&numbered, self.profile.contract.language);
        let text_digest = |role, source: &load::SourceFile| kinds::InputDigest {
            role,
            name: source.name.clone(),
            sha256: kinds::digest(source.text.as_bytes()),
        };
        doc.inputs = all
            .iter()
            .map(|p| text_digest("matrix", &p.source))
            .collect();
        doc.inputs
            .push(text_digest("profile", &self.profile_source));
        doc.inputs
            .push(text_digest("catalogue", &self.catalogue_source));
        doc.inputs.push(kinds::InputDigest {
            role: "templates",
            name: format!("template set ({} files)", self.templates.files().len()),
            sha256: hex(&self.templates.digest()),
        });
        doc
    }

    /// The output file name: `<customer slug>-<kind>.pdf`.
    pub fn file_name(&self, kind: Kind) -> String {
        format!(
            "{}-{}.pdf",
            profile::file_slug(&self.profile.customer.short_name),
            kind.name()
        )
    }
}

/// A rendered document.
pub struct Document {
    /// The generated Typst source.
    pub typst: String,
    /// The compiled PDF and its text.
    pub compiled: pdf::Compiled,
    /// The template context.
    pub context: context::DocumentContext,
}

/// Render and PDF stages for one document.
pub fn make_document(
    prepared: &Prepared,
    kind: Kind,
    source_date_epoch: Option<i64>,
) -> anyhow::Result<Document> {
    make_document_with(prepared, kind, source_date_epoch, None)
}

/// [`make_document`], sealed when `seal` is given: PDF/A-3b with the seal's attachments.
pub fn make_document_with(
    prepared: &Prepared,
    kind: Kind,
    source_date_epoch: Option<i64>,
    seal: Option<&seal::Seal>,
) -> anyhow::Result<Document> {
    let context = prepared.context(kind, None);
    let renderer = render::Renderer::new(&prepared.templates)?;
    let main = format!("{}.typ.tera", kind.name());
    if !renderer.has(&main) {
        anyhow::bail!("the template set has no {main}");
    }
    let typst = renderer.render(&main, &context)?;
    let context_json = serde_json::to_vec(&context).context("cannot serialise the context")?;
    let files = prepared.templates.typst_files();
    let compiled = pdf::compile(pdf::Job {
        main_name: &format!("{}.typ", kind.name()),
        source: typst.clone(),
        files: &files,
        data: {
            let mut data = vec![("context.json".to_owned(), context_json)];
            match seal {
                Some(seal) => data.extend(seal.data_files(&context.document.keywords)),
                None => data.push(seal::unsealed_index()),
            }
            data
        },
        date: prepared.profile.contract.effective_date,
        timestamp: source_date_epoch,
        ident: context.document.fingerprint.clone(),
        pdf_a: seal.is_some(),
    })
    .map_err(|e| {
        anyhow::Error::new(e).context(
            "the document could not be typeset; rerun with --emit typ to see the generated source",
        )
    })?;
    Ok(Document {
        typst,
        compiled,
        context,
    })
}

fn render_command(args: &RenderArgs) -> anyhow::Result<u8> {
    let mut notices = Vec::new();
    let prepared = prepare(&args.input, &mut notices)?;
    for n in &notices {
        eprintln!("note: {n}");
    }
    print_findings(&prepared);
    let kind = args.input.kind;
    let sealed = seal::seal_for(&prepared, args)?;
    let mut document =
        make_document_with(&prepared, kind, args.source_date_epoch, sealed.as_ref())?;
    for w in &document.compiled.warnings {
        eprint!("typst {w}");
    }
    let path = args.out.join(prepared.file_name(kind));
    let stem = path.with_extension("");
    pades::guard_overwrite(&path, args.force, args.seal.replace_signed)?;
    // Intermediate files first: a failed write then leaves no PDF claiming success.
    for emit in &args.emit {
        let (ext, bytes) = match emit {
            Emit::Typ => ("typ", document.typst.clone().into_bytes()),
            Emit::Txt => ("txt", document.compiled.text.clone().into_bytes()),
            Emit::Context => ("json", serde_json::to_vec_pretty(&document.context)?),
        };
        output::write_atomic(
            &PathBuf::from(format!("{}.{ext}", stem.display())),
            &bytes,
            args.force,
        )?;
    }
    if sealed.is_some() {
        document.compiled.pdf = seal::finish(document.compiled.pdf, &path, args)?;
    }
    output::write_atomic(&path, &document.compiled.pdf, args.force)?;
    println!("{}", path.display());
    Ok(EXIT_OK)
}

fn print_findings(prepared: &Prepared) {
    let shown: Vec<Finding> = prepared
        .findings
        .iter()
        .filter(|f| f.severity <= Severity::Warning)
        .cloned()
        .collect();
    if shown.is_empty() {
        return;
    }
    let mut sources = Sources::default();
    sources.add(&prepared.profile_source.name, &prepared.profile_source.text);
    sources.add(&prepared.matrix.source.name, &prepared.matrix.source.text);
    for part in &prepared.supplements {
        sources.add(&part.source.name, &part.source.text);
    }
    eprint!("{}", sources.render(&shown, false));
}

fn import_command(args: &cli::ImportArgs) -> anyhow::Result<u8> {
    let source = load::read_text(&args.page)?;
    let mut imported = import::import_markdown(&source.text, &source.name)
        .map_err(|e| Invalid::input(format!("{}: {e}", source.name)))?;
    let carried = match &args.previous {
        Some(path) => {
            let previous = load::matrix(Some(path))?;
            Some(ids::carry_over(&mut imported.matrix, &previous.matrix))
        }
        None => None,
    };
    let m = &imported.matrix;
    let mut stderr = std::io::stderr().lock();
    for note in &imported.notes {
        let severity = match note.severity {
            import::NoteSeverity::Info => "note",
            import::NoteSeverity::Warning => "warning",
        };
        let column = note.column.map_or(String::new(), |(c, _)| format!(":{c}"));
        let _ = writeln!(
            stderr,
            "{}:{}{column}: {severity}[{}]: {}",
            source.name, note.line, note.code, note.message
        );
    }
    let warnings = imported
        .notes
        .iter()
        .filter(|n| n.severity == import::NoteSeverity::Warning)
        .count();
    let _ = writeln!(
        stderr,
        "imported {}: {} sections, {} activities, parties: {}; {} repairs or oddities ({warnings} warnings)",
        source.name,
        m.sections.len(),
        m.activities().count(),
        m.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
        imported.notes.len(),
    );
    if let Some(carried) = carried {
        let _ = writeln!(
            stderr,
            "kept {carried} of {} ids from the previous version",
            m.activities().count()
        );
    }
    let text = match args.format {
        cli::Format::Toml => canonical::to_toml(m),
        cli::Format::Json => canonical::to_json(m),
    };
    match &args.output {
        Some(path) => {
            output::write_atomic(path, text.as_bytes(), args.force)?;
            let _ = writeln!(stderr, "wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(EXIT_OK)
}

fn templates_command(cmd: cli::TemplatesCommand) -> anyhow::Result<u8> {
    match cmd {
        cli::TemplatesCommand::List { templates } => {
            let set = templates::TemplateSet::load(templates.as_deref())?;
            for name in set.files().keys() {
                let builtin = templates::BUILTIN.iter().any(|(n, _)| n == name);
                let status = match (builtin, set.overridden().contains(name)) {
                    (true, true) => "built-in, overridden",
                    (true, false) => "built-in",
                    _ => "added",
                };
                println!("{name}\t{status}");
            }
        }
        cli::TemplatesCommand::Export { dir, force } => {
            for path in templates::TemplateSet::builtin().export(&dir, force)? {
                println!("{}", path.display());
            }
        }
    }
    Ok(EXIT_OK)
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
