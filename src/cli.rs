//! Command-line interface: every command, flag and help text (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn a provider's shared-responsibility (RACI) matrix and a customer profile into a
/// signed-off annex PDF.
#[derive(Debug, Parser)]
#[command(
    name = "annex",
    version,
    after_help = "Examples:\n  annex render                                   # sample profile + seed matrix → output/acme-annex.pdf\n  annex render --matrix page.md --profile data/profiles/acme.toml --out output/\n  annex import page.md -o data/matrices/x.toml\n  annex context > context.json                   # the data templates receive\n\nExit codes: 0 ok, 1 invalid input or denied findings, 2 tool failure."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a document (by default the contract annex) to PDF.
    #[command(
        after_help = "Examples:\n  annex render\n  annex render --matrix data/matrices/ovhcloud-data-processing.toml --profile data/profiles/acme.toml --out output/\n  annex render --matrix page.md --profile p.toml --emit typ --force\n  SOURCE_DATE_EPOCH=1767225600 annex render --profile p.toml"
    )]
    Render(RenderArgs),
    /// Import a provider's published Markdown page into a canonical matrix.
    #[command(
        after_help = "Examples:\n  annex import page.md                   # canonical TOML on stdout, report on stderr\n  annex import page.md -o data/matrices/x.toml\n  annex import page.md --format json"
    )]
    Import(ImportArgs),
    /// Print the template context of a document as JSON (for template authors).
    #[command(
        after_help = "Example:\n  annex context --profile data/profiles/acme.toml > context.json"
    )]
    Context(ContextArgs),
    /// List or export the built-in templates, to start your own.
    #[command(subcommand)]
    Templates(TemplatesCommand),
}

/// Where the inputs of a document come from.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Matrix: canonical TOML or JSON, or a provider Markdown page (imported on the fly).
    /// Default: the embedded seed matrix.
    #[arg(long, short = 'm', value_name = "FILE")]
    pub matrix: Option<PathBuf>,
    /// Customer profile (TOML). Default: the embedded sample profile.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Catalogue of regions, services and options (TOML). Default: the embedded one.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// Folder whose files override built-in templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Which document to make.
    #[arg(long, value_enum, default_value_t = Kind::Annex)]
    pub kind: Kind,
}

/// `annex render`.
#[derive(Debug, Args, Clone)]
pub struct RenderArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder; the file is named `<customer>-<kind>.pdf`.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Also write intermediate files next to the PDF: `typ` (generated Typst source),
    /// `txt` (the document's text as laid out), `context` (template context JSON).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub emit: Vec<Emit>,
    /// PDF creation date as seconds since the epoch (default: the effective date).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    pub source_date_epoch: Option<i64>,
}

/// `annex import`.
#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// The Markdown page.
    pub page: PathBuf,
    /// Write the canonical matrix here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Canonical format.
    #[arg(long, value_enum, default_value_t = Format::Toml)]
    pub format: Format,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

/// `annex context`.
#[derive(Debug, Args, Clone)]
pub struct ContextArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
}

/// `annex templates …`.
#[derive(Debug, Subcommand, Clone)]
pub enum TemplatesCommand {
    /// List the built-in templates (and which a folder overrides).
    List {
        /// Folder of overrides to compare with.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Write the built-in templates into a folder, to edit and pass with `--templates`.
    Export {
        /// Destination folder.
        dir: PathBuf,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
}

/// Document kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The contract annex.
    Annex,
}

impl Kind {
    /// Name used in file names and template names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Annex => "annex",
        }
    }
}

/// Intermediate files `render` can emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The generated Typst source.
    Typ,
    /// The text of the laid-out document.
    Txt,
    /// The template context as JSON.
    Context,
}

/// Canonical matrix formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// TOML (for people).
    Toml,
    /// JSON (for programs).
    Json,
}
