//! Command-line interface: every command, flag and help text (clap derive).
//!
//! The only module that knows clap: each `*Args` converts into the library's plain option
//! types ([`InputArgs::options`]), and the library's enums ([`Kind`], [`Scope`]) get their
//! command-line spelling here. It is longer than 800 lines on purpose: every command's flags,
//! help texts and examples are here, read as one reference (and turned into the man pages,
//! the completions and the guide's command pages); splitting it by command would only
//! scatter that reference.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::kind::Kind;
use crate::prepare::InputOptions;
use crate::profile::Scope;
pub use crate::schema::Format as SchemaFormat;

/// Turn a provider's shared-responsibility (RACI) matrix and a customer profile into a
/// signed-off annex PDF.
#[derive(Debug, Parser)]
#[command(
    name = "annex",
    version = crate::version(),
    after_help = "Examples:\n  annex render            # sample profile + seed matrix → output/acme-annex.pdf\n  annex render --matrix page.md --profile data/profiles/acme.toml --out output/\n  annex check page.md --policy strict\n  annex import page.md -o data/matrices/x.toml\n  annex batch data/profiles/ --out output/\n  annex context > context.json   # the data templates receive\n  annex pack --profile p.toml --out output/   # an auditor's evidence zip\n  annex export --format oscal page.md          # OSCAL component-definition\n\nExit codes: 0 ok, 1 invalid input or denied findings, 2 tool failure."
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
        after_help = "Examples:\n  annex render\n  annex render --matrix data/matrices/ovhcloud-data-processing.toml --profile data/profiles/acme.toml --out output/\n  annex render --matrix page.md --profile p.toml --emit typ --force\n  annex render --kind onboarding --profile p.toml   # the customer team's checklist\n  annex render --kind audit --scope full            # the auditor's report\n  annex render --matrix page.en.md --translation page.fr.md --profile p.toml --bilingual\n  SOURCE_DATE_EPOCH=1767225600 annex render --profile p.toml\n  annex render --profile p.toml --final              # PDF/A-3a + PDF/UA-1 with its sources attached\n  annex render --profile p.toml --final --sign-key key.pem --sign-cert cert.pem"
    )]
    Render(RenderArgs),
    /// Render one document per profile of a folder (or CSV), in parallel, incrementally.
    #[command(
        after_help = "Examples:\n  annex batch data/profiles/ --out output/\n  annex batch profiles.csv --out output/ --jobs 2 --report report.json\n  annex batch data/profiles/ --out output/ --shard 3/16   # shard 3 of 0..15\n  annex batch data/profiles/ --out output/ --force --quiet\n  annex batch data/profiles/ --out packs/ --pack          # one evidence zip per customer\n\nExit codes: 0 all rendered or skipped, 1 any profile failed (the others are still rendered), 2 tool failure, 130/143 interrupted by SIGINT/SIGTERM (the manifest is written: rerun to finish)."
    )]
    Batch(BatchArgs),
    /// Import a provider's published Markdown page into a canonical matrix.
    #[command(
        after_help = "Examples:\n  annex import page.md                   # canonical TOML on stdout, report on stderr\n  annex import page.md -o data/matrices/x.toml\n  annex import page.md --format json\n  annex import new-page.md --previous data/matrices/x.toml -o data/matrices/x.toml --force\n  annex import page.en-gb.md --translation page.fr-fr.md -o x.toml   # both texts in one matrix"
    )]
    Import(ImportArgs),
    /// Print the template context of a document as JSON (for template authors).
    #[command(
        after_help = "Examples:\n  annex context --profile data/profiles/acme.toml > context.json\n  annex context --kind onboarding | jq .phases"
    )]
    Context(ContextArgs),
    /// List or export the built-in templates, to start your own.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Lint matrices (and a profile) for RACI rule breaks, with exact places.
    #[command(
        after_help = "Examples:\n  annex check data/matrices/ovhcloud-data-processing.toml\n  annex check page.md --profile data/profiles/acme.toml\n  annex check page.en.md page.fr.md            # also compares the two documents\n  annex check page.en.md --translation page.fr.md   # and reports the alignment\n  annex check page.md --policy strict          # every RACI rule break is an error\n  annex check page.md --policy policy.toml --format json --deny-warnings\n  annex check new.md --since old.md --policy strict   # deny reassignments in CI\n\nExit codes: 0 clean or warnings only, 1 denied findings, 2 tool failure."
    )]
    Check(CheckArgs),
    /// Sign a final annex (PAdES B-B), in an incremental update: earlier signatures stay
    /// valid, so signatories sign in turn.
    #[command(
        after_help = "Examples:\n  annex sign output/acme-annex.pdf --sign-key key.pem --sign-cert cert.pem\n  annex sign output/acme-annex.pdf --sign-key k2.pem --sign-cert c2.pem --sign-chain ca.pem   # countersign\n  annex sign draft.pdf -o signed.pdf --sign-key key.pem --sign-cert cert.pem\n  annex sign output/acme-annex.pdf --sign-key id.p12 --key-pass-file pass.txt   # PKCS#12: certificate inside\n  annex sign output/acme-annex.pdf --sign-key 'pkcs11:token=annex;object=signer?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin'\n\nExit codes: 0 signed, 1 not a final annex, unreadable key or certificate, wrong passphrase or PIN, token or key not found, no free signature place, 2 tool failure."
    )]
    Sign(SignArgs),
    /// Check a final annex: PDF/A-3a + PDF/UA-1, attachments against the manifest, fingerprint,
    /// signatures; optionally rebuild it from its attachments and compare the bytes.
    #[command(
        after_help = "Examples:\n  annex verify output/acme-annex.pdf\n  annex verify output/acme-annex.pdf --trust ca.pem\n  annex verify output/acme-annex.pdf --rebuild                 # re-render, compare every byte\n  annex verify output/acme-annex.pdf --rebuild --templates my-templates/\n  annex verify output/acme-evidence.zip --trust ca.pem         # an evidence pack, member by member\n\nExit codes: 0 every check passed, 1 a check failed (the report says which) or unreadable file, 2 tool failure."
    )]
    Verify(VerifyArgs),
    /// Add long-term validation data (PAdES B-LT): every certificate, CRL and OCSP response
    /// the file's signatures and timestamps need, in a `/DSS`, in one incremental update.
    #[command(
        after_help = "Examples:\n  annex ltv output/acme-annex.pdf                       # fetched from the certificates' CRL and OCSP URLs\n  annex ltv output/acme-annex.pdf --trust ca.pem -o acme-lt.pdf\n  annex ltv output/acme-annex.pdf --offline --crl ca.crl --crl tsa-ca.crl\n  annex ltv output/acme-annex.pdf && annex timestamp output/acme-annex.pdf --tsa http://tsa.example/   # B-LTA\n\nA certificate revoked before the time its signature counts from fails: nothing is written.\n\nExit codes: 0 written, 1 unreadable or unsigned file, revocation data not to be had, a revoked certificate, 2 tool failure."
    )]
    Ltv(LtvArgs),
    /// Add a document timestamp over the whole file (PAdES B-LTA), after `annex ltv`; run it
    /// again before the last timestamp's TSA certificate expires to keep the annex valid.
    #[command(
        after_help = "Examples:\n  annex timestamp output/acme-annex.pdf --tsa http://tsa.example/\n  annex timestamp acme-lt.pdf -o acme-lta.pdf --tsa http://tsa.example/\n  annex ltv acme.pdf && annex timestamp acme.pdf --tsa http://tsa.example/   # renewal, years later\n\nExit codes: 0 written, 1 unsigned file, changed after signing, TSA failed or answered wrongly, 2 tool failure."
    )]
    Timestamp(TimestampArgs),
    /// What changed between two versions of a matrix: reassignments first.
    #[command(
        after_help = "Examples:\n  annex diff old.md new.md\n  annex diff old.toml new.toml --format json\n  annex diff signed-annex.pdf new.md            # the old side from a sealed annex\n  annex diff old.md new.md --policy strict      # reassignments, additions, removals denied\n\nOLD and NEW may each be a Markdown page, a canonical TOML/JSON matrix or a sealed annex PDF.\n\nExit codes: 0 no change or only allowed ones, 1 changes denied by the policy, 2 tool failure."
    )]
    Diff(DiffArgs),
    /// Export a matrix, or a profile's tailored matrices, for other tools (OSCAL).
    #[command(
        after_help = "Examples:\n  annex export --format oscal data/matrices/ovhcloud-data-processing.toml -o dp.oscal.json\n  annex export --format oscal data/profiles/acme.toml        # tailoring as props\n  SOURCE_DATE_EPOCH=1767225600 annex export --format oscal page.md\n\nINPUT is a profile (TOML with a [customer] table) or a matrix (page, canonical TOML/JSON).\nExit codes: 0 written, 1 invalid input, 2 tool failure."
    )]
    Export(ExportArgs),
    /// Make an auditor's evidence pack: one deterministic zip per customer with the
    /// documents, their sources, the check report and a manifest (`annex verify` checks it).
    #[command(
        after_help = "Examples:\n  annex pack --profile data/profiles/nordwind.toml --out output/\n  annex pack --profile p.toml --out output/ --sign-key key.pem --sign-cert cert.pem\n  annex pack --profile p.toml --out output/ --since old-annex.pdf\n  annex verify output/nordwind-evidence.zip\n\nA pack needs a final profile (status = \"final\").\nExit codes: 0 written, 1 invalid input, 2 tool failure."
    )]
    Pack(PackArgs),
    /// Serve the API (render, check, matrices, catalogue, metrics) and the page where an
    /// account manager prepares an annex, over HTTP.
    #[command(
        after_help = "Examples:\n  annex serve                                   # http://127.0.0.1:8080/, the seed matrix\n  annex serve --matrices data/matrices/ --workers 2\n  ANNEX_TOKEN=s3cret annex serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem\n  curl -s localhost:8080/v1/render -d '{\"matrix\":\"ovhcloud-data-processing\",\"profile\":\"...\"}' -o annex.pdf\n\nThe first line printed is the address served (`listening on http://127.0.0.1:8080`).\nAn address outside the loopback range requires a token, and TLS unless --insecure-http.\nOne JSON line per request on stderr. SIGINT or SIGTERM stops the server after the requests in progress.\n\nExit codes: 0 stopped by a signal, 1 invalid options or inputs (nothing is served), 2 tool failure."
    )]
    Serve(ServeArgs),
    /// Write a commented profile for a matrix, with "<FILL: …>" markers for what is left
    /// to give; on a terminal, ask for what the flags leave out.
    #[command(
        after_help = "Examples:\n  annex init --matrix page.md -o profile.toml\n  annex init --matrix page.md -o p.toml --customer \"ACME SAS\" --region GRA --reference C-42 --annex-number 3 --effective-date 2027-01-15\n  annex init -o p.toml --force            # the seed matrix; replace p.toml\n\nFill in every \"<FILL: …>\" value (quotes included), then `annex check --profile p.toml`.\n\nExit codes: 0 written, 1 the file exists (without --force) or a flag's value is invalid, 2 tool failure."
    )]
    Init(InitArgs),
    /// List what a profile may name: regions, services, options, variants,
    /// qualifications, with their display names and notes.
    #[command(
        after_help = "Examples:\n  annex catalogue                  # everything\n  annex catalogue services\n  annex catalogue regions --format json\n  annex catalogue --catalogue my-catalogue.toml options"
    )]
    Catalogue(CatalogueArgs),
    /// Print the JSON Schema of a file format (profile, matrix, policy, catalogue), for
    /// editors that check TOML or JSON as it is typed.
    #[command(
        after_help = "Examples:\n  annex schema profile > profile.schema.json\n  annex schema matrix\n\nThe same schemas are in the repository's schemas/ folder. In a profile, a first line\n`#:schema ./profile.schema.json` points taplo / Even Better TOML at it."
    )]
    Schema(SchemaArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  annex completions bash > /etc/bash_completion.d/annex\n  annex completions zsh > \"${fpath[1]}/_annex\"\n  annex completions fish > ~/.config/fish/completions/annex.fish"
    )]
    Completions(CompletionsArgs),
    /// Write the man pages: annex.1 and one page per command (annex-render.1, …).
    #[command(
        after_help = "Examples:\n  annex manpages /usr/local/share/man/man1\n  man -l annex-render.1"
    )]
    Manpages(ManpagesArgs),
    /// The annex register: what each customer was issued and signed, under which matrix,
    /// and who must sign again when it changes.
    #[command(
        after_help = "Examples:\n  annex render --final --register annexes.db\n  annex register list --register annexes.db\n  annex register status --format csv\n  annex register outdated --matrix new-page.md\n  annex batch profiles/ --matrix new-page.md --outdated --out resign/\n  annex register import countersigned/*.pdf\n  annex register verify\n  ANNEX_REGISTER=postgres://annex@db.internal/annex annex register export --format json\n\nThe register is an SQLite file, or a PostgreSQL database given as a postgres:// URL, named by --register or ANNEX_REGISTER.\n\nExit codes: 0 ok, 1 invalid input, unreachable or changed register (verify), 2 tool failure."
    )]
    Register(RegisterArgs),
}

/// `--register`: where documents and signatures are recorded (#26).
#[derive(Debug, Args, Clone, Default)]
pub struct RegisterArg {
    /// Record every final document made (and signatures added) in this register: an
    /// SQLite file (created if missing) or a postgres:// URL. Without it (and without
    /// ANNEX_REGISTER), nothing is recorded.
    #[arg(
        long,
        env = "ANNEX_REGISTER",
        value_name = "PATH|URL",
        hide_env_values = true
    )]
    pub register: Option<String>,
}

impl RegisterArg {
    /// Opens the register, if one is named.
    pub fn open(&self) -> anyhow::Result<Option<crate::register::Register>> {
        self.register
            .as_deref()
            .map(crate::register::Register::open)
            .transpose()
    }
}

/// `annex register`.
#[derive(Debug, Args, Clone)]
pub struct RegisterArgs {
    /// What to do with the register.
    #[command(subcommand)]
    pub command: RegisterCommand,
    /// The register: an SQLite file or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "ANNEX_REGISTER",
        value_name = "PATH|URL",
        hide_env_values = true
    )]
    pub register: Option<String>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// How `annex register` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned columns, for people.
    Table,
    /// JSON, every field.
    Json,
    /// CSV with a header row.
    Csv,
}

/// `annex register <command>`.
#[derive(Debug, Subcommand, Clone)]
pub enum RegisterCommand {
    /// Every document recorded, with its SHA-256, fingerprint, matrix, signatures and state.
    List,
    /// Per annex of a contract: its latest document and its state (awaiting signature,
    /// partly signed, signed).
    Status,
    /// One document (by fingerprint, or its first 8+ hex digits) with every signature.
    Show {
        /// The fingerprint (or a prefix of at least 8 hex digits).
        fingerprint: String,
    },
    /// The contracts whose latest annex was made under another revision of NEW's service
    /// and whose tailored annex changes under NEW, with the changes that touch them.
    Outdated {
        /// Inputs: the new matrix (`--matrix NEW`), catalogue, templates.
        #[command(flatten)]
        input: InputArgs,
    },
    /// Every event as recorded, with the chain's head (JSON; CSV: one row per document).
    Export,
    /// Check the hash chain and the kept inputs: name any event changed, inserted or
    /// deleted (exit 1).
    Verify,
    /// Record final annexes as they stand: their signatures (made here or elsewhere) at the
    /// level they have now, and the document itself when the register did not see it made
    /// (read from its own attachments). Each file must pass `annex verify`; one that does
    /// not records nothing of any.
    Import {
        /// Signed annexes.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// `annex completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `annex manpages`.
#[derive(Debug, Args, Clone)]
pub struct ManpagesArgs {
    /// Folder to write the pages into (created if missing; pages in it are replaced).
    pub dir: PathBuf,
}

/// `annex serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// `--register`.
    #[command(flatten)]
    pub record: RegisterArg,
    /// Address and port to listen on (port 0: any free port). An address outside the
    /// loopback range requires `--token`.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Bearer token every API request must send (`Authorization: Bearer <token>`); the page
    /// and /healthz stay open.
    #[arg(
        long,
        env = "ANNEX_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Folder of the matrices a request may name, by file stem (`.toml`, `.json`, `.md`;
    /// not recursive). Default: the embedded seed matrix, id `ovhcloud-data-processing`.
    #[arg(long, value_name = "DIR")]
    pub matrices: Option<PathBuf>,
    /// Catalogue of regions, services and options (TOML). Default: the embedded one.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// Folder whose files override built-in templates of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Severity of each matrix check (see `annex check`).
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// Documents made at once (default: the number of available cores).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
    /// Requests that may wait for a worker; past them the answer is 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub queue: usize,
    /// Seconds a render or check request may take, body included; past them, 503.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::limits::REQUEST_TIMEOUT_SECS as u64)]
    pub timeout: u64,
    /// Connections open at once; one more is closed as soon as it is accepted.
    #[arg(long, value_name = "N", default_value_t = crate::limits::MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Seconds a connection has to send a request's headers (and finish its TLS
    /// handshake); a keep-alive connection idle this long is closed too.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::limits::HEADER_TIMEOUT_SECS as u64)]
    pub header_timeout: u64,
    /// Serve HTTPS with this certificate chain (PEM, leaf first). Restart the server to
    /// load a renewed certificate.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address outside the loopback range (behind a proxy that
    /// terminates TLS): the token then crosses that network in clear.
    #[arg(long)]
    pub insecure_http: bool,
}

/// `annex init`.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// The matrix the profile is for (canonical TOML/JSON or a Markdown page); the profile
    /// lists it in `[subscription] matrices`. Default: the embedded seed matrix.
    #[arg(long, short = 'm', value_name = "FILE")]
    pub matrix: Option<PathBuf>,
    /// Write the profile here (default: stdout).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Catalogue of regions, services and options (TOML). Default: the embedded one.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// The customer's legal name, as in the contract.
    #[arg(long, value_name = "NAME")]
    pub customer: Option<String>,
    /// Region code of the catalogue (`annex catalogue regions`).
    #[arg(long, value_name = "CODE")]
    pub region: Option<String>,
    /// Contract reference.
    #[arg(long, value_name = "REF")]
    pub reference: Option<String>,
    /// Annex number or letter within the contract.
    #[arg(long, value_name = "N")]
    pub annex_number: Option<String>,
    /// Date the annex takes effect (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub effective_date: Option<String>,
    /// Language of the annex's own wording (`en`, `fr`).
    #[arg(long, value_name = "CODE")]
    pub language: Option<String>,
    /// Never ask, even on a terminal: leave markers for what the flags leave out.
    #[arg(long)]
    pub no_prompt: bool,
}

/// `annex catalogue`.
#[derive(Debug, Args, Clone)]
pub struct CatalogueArgs {
    /// Which list (default: all of them).
    #[arg(value_enum)]
    pub list: Option<CatalogueList>,
    /// `human`: aligned lines; `json`: the catalogue's entries as JSON.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Catalogue file (TOML). Default: the embedded one.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
}

/// The lists of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CatalogueList {
    /// Region codes (`location.region`).
    Regions,
    /// Service ids (`subscription.services`).
    Services,
    /// Option ids (`subscription.options`).
    Options,
    /// Offering variant ids (`subscription.variant`; a matrix may add its own).
    Variants,
    /// Qualification regime ids (`subscription.qualifications`).
    Qualifications,
}

/// `annex schema`.
#[derive(Debug, Args, Clone)]
pub struct SchemaArgs {
    /// Which file format.
    #[arg(value_enum)]
    pub format: SchemaFormat,
}

impl ValueEnum for SchemaFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &SchemaFormat::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// `annex export`.
#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// A profile (TOML with a `[customer]` table) or a matrix (page, canonical TOML/JSON).
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The export format.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
    /// Catalogue of regions, services and options (TOML), for a profile. Default: the
    /// embedded one.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// `metadata.last-modified` as seconds since the epoch (default: the profile's
    /// effective date, else the matrix's version date).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    pub source_date_epoch: Option<i64>,
}

/// Formats of `annex export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// An OSCAL 1.1.3 component-definition (JSON); the guide documents the mapping.
    Oscal,
}

/// `annex pack`.
#[derive(Debug, Args, Clone)]
#[command(mut_arg("kind", |a| a.hide(true)))]
pub struct PackArgs {
    /// `--register`.
    #[command(flatten)]
    pub record: RegisterArg,
    /// Inputs (`--kind` is not used: a pack holds every kind).
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder; the pack is named `<customer>-evidence.zip`.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Replace an existing pack.
    #[arg(long)]
    pub force: bool,
    /// Dates of the documents and of the zip members, as seconds since the epoch
    /// (default: the effective date).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    pub source_date_epoch: Option<i64>,
    /// Sign the pack's annex, and `manifest.json` (`manifest.json.p7s`, detached CMS):
    /// `--sign-key`, `--sign-cert`, `--sign-chain`, `--tsa`.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Also put in the change list since this earlier version of the (first) matrix: a
    /// page, a canonical matrix or a sealed annex (`changes.json`, `changes.txt`).
    #[arg(long, value_name = "OLD")]
    pub since: Option<PathBuf>,
}

/// `annex diff`.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The old version: a Markdown page, a canonical TOML/JSON matrix, or a sealed annex.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The new version (same kinds of file).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Which change classes are denied (`change::*` rules) and `--deny-warnings`.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `human`: a compiler-style report; `json`: the documented JSON change list.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
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
    /// Which document to make: the contract annex, the customer team's onboarding guide,
    /// or the auditor's report.
    #[arg(long, value_enum, default_value_t = Kind::Annex)]
    pub kind: Kind,
    /// `tailored`: only what applies to the profile's subscription (the rest goes to an
    /// appendix with the reason); `full`: the whole matrix. Default: the profile's
    /// `[subscription] scope`, else `tailored`.
    #[arg(long, value_enum, value_name = "SCOPE")]
    pub scope: Option<Scope>,
    /// The same page in another language (Markdown page or canonical matrix): the
    /// documents show its activity text when it is in the profile's language; letters
    /// come from the prevailing one (`prevailing-language` in [contract], default: the
    /// matrix). Replaces the profile's `[subscription] translation`.
    #[arg(long, value_name = "FILE")]
    pub translation: Option<PathBuf>,
    /// With a translation: print each activity in both languages, with the clause saying
    /// which language prevails (as the profile's `bilingual = true`).
    #[arg(long)]
    pub bilingual: bool,
    /// How serious each matrix check is (the checks of `annex check`).
    #[command(flatten)]
    pub checks: PolicyArgs,
}

/// `--policy` and `--deny-warnings`, shared by `check` and the commands that render.
#[derive(Debug, Args, Clone, Default)]
pub struct PolicyArgs {
    /// Severity of each rule: `default` (published pages pass, with warnings), `strict`
    /// (every RACI rule break is an error), or a policy file (TOML, see the guide).
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// Treat warnings as errors (exit code 1; `render` then writes nothing).
    #[arg(long)]
    pub deny_warnings: bool,
}

/// `annex check`.
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// Matrices to check: canonical TOML or JSON, or provider Markdown pages. Several are
    /// also compared with each other. Default: the embedded seed matrix.
    #[arg(value_name = "MATRIX")]
    pub matrices: Vec<PathBuf>,
    /// Also check this customer profile (TOML) against the catalogue and the matrices.
    #[arg(long, short = 'p', value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Catalogue of regions, services and options (TOML). Default: the embedded one.
    #[arg(long, value_name = "FILE")]
    pub catalogue: Option<PathBuf>,
    /// Also report what changed since this earlier version of the (first) matrix: a page,
    /// a canonical matrix or a sealed annex. The policy's `change::*` rules decide which
    /// changes fail the check (`strict` denies reassignments, additions and removals).
    #[arg(long, value_name = "OLD")]
    pub since: Option<PathBuf>,
    /// The first matrix's page in another language: checked too, compared with it row by
    /// row, and the alignment reported (rows paired, rows unpaired on each side).
    #[arg(long, value_name = "FILE")]
    pub translation: Option<PathBuf>,
    /// Policy and `--deny-warnings`.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// `human`: compiler-style diagnostics; `json`: the documented JSON report (for CI).
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
}

/// Output formats of `annex check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Diagnostics with source snippets, and a summary line.
    Human,
    /// One JSON object (schema in the guide, "JSON report of annex check").
    Json,
}

/// `annex render`.
#[derive(Debug, Args, Clone)]
pub struct RenderArgs {
    /// `--register`.
    #[command(flatten)]
    pub record: RegisterArg,
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
    /// Final annexes: `--final`, `--sign-key`, `--sign-cert`, `--sign-chain`.
    #[command(flatten)]
    pub seal: SealArgs,
    /// Add a section "Changes since the version of <date>" listing what changed since this
    /// earlier version of the (first) matrix: a page, a canonical matrix or a sealed annex.
    /// Such a document is a review copy: it is never sealed or signed.
    #[arg(long, value_name = "OLD")]
    pub since: Option<PathBuf>,
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
    /// An earlier canonical version of this matrix (TOML, JSON or page): activities that
    /// still match keep their ids, so diffs between versions stay meaningful.
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// The same page in another language (page or canonical matrix): its text is written
    /// into the matrix (`translations`) for every row the aligner pairs, and the alignment
    /// is reported; the letters stay this page's.
    #[arg(long, value_name = "FILE")]
    pub translation: Option<PathBuf>,
    /// What the page means where it cannot be read alone (TOML): `[cells]` maps a letter
    /// cell's text to letters, e.g. `"Kunde" = "RA"` for a page whose cells name parties.
    /// A cell that is neither letters nor mapped is refused.
    #[arg(long, value_name = "FILE")]
    pub import_options: Option<PathBuf>,
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

impl ValueEnum for Kind {
    fn value_variants<'a>() -> &'a [Self] {
        &Kind::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.description()))
    }
}

impl ValueEnum for Scope {
    fn value_variants<'a>() -> &'a [Self] {
        &[Scope::Tailored, Scope::Full]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Scope::Tailored => PossibleValue::new("tailored")
                .help("Only what applies to the subscription; the rest is listed with the reason"),
            Scope::Full => {
                PossibleValue::new("full").help("The whole matrix, whatever the subscription")
            }
        })
    }
}

impl InputArgs {
    /// The library's options for these flags.
    pub fn options(&self) -> InputOptions {
        InputOptions {
            matrices: self.matrix.iter().cloned().collect(),
            catalogue: self.catalogue.clone(),
            templates: self.templates.clone(),
            policy: self.checks.policy.clone(),
            deny_warnings: self.checks.deny_warnings,
            scope: self.scope,
            translation: self.translation.clone(),
            bilingual: self.bilingual,
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

/// The signer of a final annex (`render`, `sign`, `batch`, `pack`).
#[derive(Debug, Args, Clone, Default)]
pub struct SignerArgs {
    /// Sign final annexes (PAdES B-B) with this key: a PEM file (PKCS#8, plain or
    /// encrypted, SEC1 or PKCS#1), a PKCS#12 file (.p12/.pfx), or a key on a PKCS#11
    /// token or HSM by its RFC 7512 URI (`pkcs11:token=T;object=K?module-path=LIB.so`;
    /// the module may also come from ANNEX_PKCS11_MODULE). ECDSA P-256/P-384 or RSA ≥ 2048.
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
    /// The signer's X.509 certificate (PEM); optional when the PKCS#12 file or the token
    /// holds it.
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub sign_cert: Option<PathBuf>,
    /// Intermediate and CA certificates (PEM) to embed with the signature.
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub sign_chain: Option<PathBuf>,
    /// The key's passphrase (a token's PIN): the first line of FILE. Without this or
    /// `--key-pass-env` it is asked on the terminal, without echo. Never on the command line.
    #[arg(
        long,
        value_name = "FILE",
        requires = "sign_key",
        conflicts_with = "key_pass_env"
    )]
    pub key_pass_file: Option<PathBuf>,
    /// The key's passphrase (a token's PIN): the value of environment variable NAME.
    #[arg(long, value_name = "NAME", requires = "sign_key")]
    pub key_pass_env: Option<String>,
    /// Sign with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) instead of PKCS#1 v1.5 (RSA
    /// keys only; a file's key or a token's).
    #[arg(long, requires = "sign_key")]
    pub sign_rsa_pss: bool,
    /// Timestamp the signature (PAdES B-T) at this RFC 3161 time-stamping authority
    /// (http:// URL; the token is signed by the TSA, so it needs no TLS). ANNEX_TSA keeps it
    /// as a default: used whenever a key signs.
    #[arg(long, value_name = "URL", env = "ANNEX_TSA", hide_env_values = true)]
    pub tsa: Option<String>,
}

impl SignerArgs {
    /// What these flags name; `None` without `--sign-key`.
    pub fn options(&self) -> anyhow::Result<Option<crate::sign::keys::KeyOptions>> {
        use crate::sign::keys::{KeyOptions, KeySource, Passphrase};
        let Some(key) = &self.sign_key else {
            return Ok(None);
        };
        let key = KeySource::parse(key).map_err(crate::error::Invalid::input)?;
        let passphrase = match (&self.key_pass_file, &self.key_pass_env) {
            (Some(file), _) => Passphrase::File(file.clone()),
            (None, Some(name)) => Passphrase::Env(name.clone()),
            (None, None) => Passphrase::Prompt,
        };
        Ok(Some(KeyOptions {
            key,
            cert: self.sign_cert.clone(),
            chain: self.sign_chain.clone(),
            passphrase,
            rsa_pss: self.sign_rsa_pss,
        }))
    }

    /// The signer these flags name, loaded; `None` without `--sign-key`.
    pub fn load(&self) -> anyhow::Result<Option<crate::sign::Signer>> {
        match self.options()? {
            Some(options) => {
                let signer = crate::sign::Signer::load(&options)?.with_tsa(self.tsa.clone());
                // A revoked certificate is refused before anything is signed with it; a
                // status that cannot be had is said, and signing goes on.
                if let Some(note) = signer.check_revocation(crate::sign::now())? {
                    eprintln!("warning: {note}");
                }
                Ok(Some(signer))
            }
            None => {
                // ANNEX_TSA is a default for whenever a key signs; `--tsa` given on the
                // command line without a key is a mistake worth saying.
                if self.tsa.is_some() && std::env::var("ANNEX_TSA").ok() != self.tsa {
                    return Err(crate::error::Invalid::input(
                        "--tsa timestamps a signature: give --sign-key too",
                    ));
                }
                Ok(None)
            }
        }
    }
}

/// `annex render` flags for final, sealed and signed annexes.
#[derive(Debug, Args, Clone, Default)]
pub struct SealArgs {
    /// Make the final annex: PDF/A-3a + PDF/UA-1 with its sources and a manifest attached (also
    /// implied by `status = "final"` in the profile; refused for a draft profile).
    #[arg(long = "final")]
    pub final_: bool,
    /// `--sign-key`, `--sign-cert`, `--sign-chain`.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// With `--force`, also replace an existing *signed* PDF (signatures would be lost).
    #[arg(long)]
    pub replace_signed: bool,
}

/// `annex batch`.
#[derive(Debug, Args, Clone)]
#[command(mut_arg("profile", |a| a.hide(true)))]
pub struct BatchArgs {
    /// `--register`.
    #[command(flatten)]
    pub record: RegisterArg,
    /// A folder of profile TOML files (`*.toml`, not recursive), or a CSV file with one
    /// profile per row (columns: see the guide, "Batches").
    #[arg(value_name = "PROFILES")]
    pub profiles: PathBuf,
    /// Shared inputs (`--profile` is not used: profiles come from PROFILES).
    #[command(flatten)]
    pub input: InputArgs,
    /// Output folder; files are named like `annex render` names them.
    #[arg(long, value_name = "DIR", default_value = "output")]
    pub out: PathBuf,
    /// Worker threads (default: the number of available cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Render only shard I of N (0 ≤ I < N): profiles are spread by a stable hash of their
    /// name, so N runs with I = 0..N-1 cover every profile exactly once.
    #[arg(long, value_name = "I/N", value_parser = crate::batch::Shard::parse)]
    pub shard: Option<crate::batch::Shard>,
    /// Render every profile, even those unchanged since the last batch, and replace files
    /// the batch did not write.
    #[arg(long)]
    pub force: bool,
    /// No progress and no summary line; failures are still reported on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write a JSON report: every output with its path and SHA-256, every failure.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Make each profile's evidence pack (`<customer>-evidence.zip`, as `annex pack`
    /// makes it) instead of one document; draft profiles fail (a pack holds the final annex).
    #[arg(long)]
    pub pack: bool,
    /// Only the contracts the register (`--register`) finds outdated under `--matrix`
    /// (see `annex register outdated`): for each, the new final annex and its change
    /// notice since the matrix the customer last signed (`<customer>-annex-changes.pdf`).
    #[arg(long, requires = "register", conflicts_with = "pack")]
    pub outdated: bool,
    /// PDF creation date as seconds since the epoch (default: each effective date).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    pub source_date_epoch: Option<i64>,
    /// Sign every final annex (and each pack's annex and manifest) as `annex render` does,
    /// timestamped with `--tsa`: the key is loaded once (a token opened once, a passphrase
    /// asked once) and shared by the workers.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Benchmark helper: time N warm in-process documents of the first profile, by stage.
    #[arg(long, hide = true, value_name = "N")]
    pub bench_floor: Option<usize>,
}

/// `annex sign`.
#[derive(Debug, Args, Clone)]
#[command(mut_arg("sign_key", |a| a.required(true)))]
pub struct SignArgs {
    /// The final annex to sign (made by `annex render --final`).
    pub pdf: PathBuf,
    /// `--sign-key`, `--sign-cert`, `--sign-chain`, `--key-pass-file`, `--key-pass-env`,
    /// `--sign-rsa-pss`, `--tsa`.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// Write the signed annex here instead of updating FILE in place (an update only
    /// appends to the file, so in place loses nothing).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing `--output` file.
    #[arg(long)]
    pub force: bool,
    /// `--register`.
    #[command(flatten)]
    pub record: RegisterArg,
}

/// `annex verify`.
#[derive(Debug, Args, Clone)]
pub struct VerifyArgs {
    /// The annex PDF, or evidence pack (zip, told by its first bytes), to check.
    pub pdf: PathBuf,
    /// CA certificate(s) (PEM) the signers' certificates must chain to. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<PathBuf>,
    /// Also re-render the annex from its attachments and compare the bytes with the
    /// document's first (unsigned) revision.
    #[arg(long)]
    pub rebuild: bool,
    /// With `--rebuild`: the template folder the annex was made with, if not the built-ins.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Also tell whether each signature would still validate at this date (YYYY-MM-DD, or
    /// RFC 3339 with a time): when its certificates, or its timestamps', expire.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub at: Option<i64>,
}

/// `--at`: a date (midnight UTC) or an RFC 3339 date and time → seconds since the epoch.
fn parse_date(s: &str) -> Result<i64, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .ok_or_else(|| format!("{s} is not a date (YYYY-MM-DD or RFC 3339)"))
}

/// `annex ltv`.
#[derive(Debug, Args, Clone)]
pub struct LtvArgs {
    /// The signed annex.
    pub pdf: PathBuf,
    /// Write the annex with its validation data here instead of updating FILE in place.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing `--output` file.
    #[arg(long)]
    pub force: bool,
    /// CA certificate(s) (PEM) that complete the certificate paths (a signature usually
    /// carries its intermediates but not always its root). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<PathBuf>,
    /// A CRL (DER or PEM) to use instead of fetching one. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// An OCSP response (DER) to use instead of fetching one. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub ocsp: Vec<PathBuf>,
    /// Fetch nothing: every CRL or OCSP response needed must be given with --crl or --ocsp.
    #[arg(long)]
    pub offline: bool,
    /// `--register`: the signatures' new level is recorded.
    #[command(flatten)]
    pub record: RegisterArg,
}

/// `annex timestamp`.
#[derive(Debug, Args, Clone)]
pub struct TimestampArgs {
    /// The signed annex (with its validation data: `annex ltv`).
    pub pdf: PathBuf,
    /// The RFC 3161 time-stamping authority (http:// URL; default: ANNEX_TSA).
    #[arg(long, value_name = "URL", env = "ANNEX_TSA", hide_env_values = true)]
    pub tsa: String,
    /// Write the timestamped annex here instead of updating FILE in place.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace an existing `--output` file.
    #[arg(long)]
    pub force: bool,
    /// `--register`: the signatures' new level (B-LTA) is recorded.
    #[command(flatten)]
    pub record: RegisterArg,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }

    #[test]
    fn input_flags_become_library_options() {
        let cli = Cli::try_parse_from([
            "annex",
            "render",
            "--matrix",
            "m.md",
            "--scope",
            "full",
            "--policy",
            "strict",
            "--deny-warnings",
            "--kind",
            "audit",
        ])
        .unwrap();
        let Command::Render(args) = cli.command else {
            unreachable!()
        };
        let options = args.input.options();
        assert_eq!(options.matrices, [PathBuf::from("m.md")]);
        assert_eq!(options.scope, Some(Scope::Full));
        assert_eq!(options.policy.as_deref(), Some("strict"));
        assert!(options.deny_warnings);
        assert_eq!(args.input.kind, Kind::Audit);
    }
}
