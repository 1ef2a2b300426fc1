//! Seal stage (final annexes only): the sources a PDF/A-3b annex carries as associated
//! files, and the manifest that binds them to the document.
//!
//! A sealed annex attaches the canonical matrix (`matrix.json`), the profile as given
//! (`profile.toml`) and as validated (`profile.json`), the catalogue it was checked
//! against (`catalogue.toml`) and `manifest.json`: the SHA-256 of every input and
//! attachment, the template set digest, tool and Typst versions, the document fingerprint
//! and the generation parameters. With those, `annex verify` recomputes the fingerprint
//! and `annex verify --rebuild` re-renders the very same bytes.
//!
//! Invariants:
//! - Everything here is a pure function of the prepared inputs and the parameters: no
//!   clock, no environment, so a sealed render stays byte-for-byte reproducible.
//! - The data reaches Typst as in-memory files under `/attachments/` (see
//!   [`Seal::data_files`]); the template's `annex-attachments()` helper (templates/lib.typ)
//!   attaches whatever `/attachments/index.json` lists. An unsealed document gets an
//!   empty index, so the same template serves both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cli::{Kind, RenderArgs};
use crate::load::SourceFile;
use crate::{Invalid, Prepared};

/// Path of the attachment index in the Typst world.
pub const INDEX_PATH: &str = "attachments/index.json";

/// Format tag of the manifest, bumped on incompatible changes.
pub const MANIFEST_FORMAT: &str = "annex-manifest/1";

/// Name of the attachment that holds the manifest.
pub const MANIFEST_NAME: &str = "manifest.json";

/// Name of the attachment, made by the template, that says where signatures go.
pub const SIGNATURE_FIELDS_NAME: &str = "signature-fields.json";

/// Prefix of the PDF keyword that carries the fingerprint (`annex-fingerprint:<hex>`).
pub const FINGERPRINT_KEYWORD: &str = "annex-fingerprint:";

/// The PDF standard of sealed annexes, as recorded in the manifest.
pub const PDF_STANDARD: &str = "PDF/A-3b";

/// `annex render` flags for final, sealed and signed annexes.
#[derive(Debug, Args, Clone, Default)]
pub struct SealArgs {
    /// Make the final annex: PDF/A-3b with its sources and a manifest attached (also
    /// implied by `status = "final"` in the profile; refused for a draft profile).
    #[arg(long = "final")]
    pub final_: bool,
    /// Sign the final annex (PAdES B-B) with this private key (PEM: PKCS#8, SEC1 or PKCS#1;
    /// ECDSA P-256 or RSA).
    #[arg(long, value_name = "FILE", requires = "sign_cert")]
    pub sign_key: Option<PathBuf>,
    /// The signer's X.509 certificate (PEM), matching `--sign-key`.
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub sign_cert: Option<PathBuf>,
    /// Intermediate and CA certificates (PEM) to embed with the signature.
    #[arg(long, value_name = "FILE", requires = "sign_key")]
    pub sign_chain: Option<PathBuf>,
    /// With `--force`, also replace an existing *signed* PDF (signatures would be lost).
    #[arg(long)]
    pub replace_signed: bool,
}

/// One file attached to the PDF.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name inside the PDF.
    pub name: &'static str,
    /// MIME type.
    pub mime: &'static str,
    /// What it is, shown by PDF readers.
    pub description: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// `manifest.json`: what a sealed annex was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// The tool that made the document.
    pub tool: Tool,
    /// The embedded Typst version.
    pub typst_version: String,
    /// The document fingerprint (64 hex digits), as printed in the document.
    pub fingerprint: String,
    /// How the document was generated.
    pub parameters: Parameters,
    /// The inputs, by role.
    pub inputs: Inputs,
    /// SHA-256 of every other attachment, by file name.
    pub attachments: BTreeMap<String, String>,
}

/// Tool name and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// "annex".
    pub name: String,
    /// Cargo package version.
    pub version: String,
}

/// Generation parameters: with the attachments, everything a rebuild needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameters {
    /// Document kind ("annex").
    pub kind: String,
    /// `--scope`, when given.
    pub scope: Option<crate::profile::Scope>,
    /// `SOURCE_DATE_EPOCH` / `--source-date-epoch`, when given.
    pub source_date_epoch: Option<i64>,
    /// The document date (the profile's effective date).
    pub date: String,
    /// [`PDF_STANDARD`].
    pub pdf_standard: String,
}

/// Digests of the inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// The matrix file as read (TOML, JSON or a Markdown page).
    pub matrix: Input,
    /// The profile file as read.
    pub profile: Input,
    /// The catalogue file as read.
    pub catalogue: Input,
    /// The template set.
    pub templates: Templates,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Its name as given on the command line (or the embedded default's name).
    pub name: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// The template set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Templates {
    /// [`crate::templates::TemplateSet::digest`], the part of the fingerprint.
    pub digest: String,
    /// Built-ins replaced by `--templates` files (empty: the built-in set).
    pub overridden: Vec<String>,
    /// SHA-256 of each file, by name.
    pub files: BTreeMap<String, String>,
}

/// The attachments and manifest of one sealed document.
#[derive(Debug, Clone)]
pub struct Seal {
    /// The attachments, manifest last.
    pub attachments: Vec<Attachment>,
    /// The manifest.
    pub manifest: Manifest,
}

/// SHA-256 as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::hex(&Sha256::digest(bytes))
}

/// The fingerprint from its three parts, as [`Prepared::fingerprint`] computes it: kept
/// in one place with it so that `annex verify` recomputes the same value.
pub fn fingerprint(matrix_json: &[u8], profile_json: &[u8], template_digest: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(matrix_json);
    hasher.update(b"\n");
    hasher.update(profile_json);
    hasher.update(b"\n");
    hasher.update(template_digest);
    crate::hex(&hasher.finalize())
}

/// Decodes lowercase or uppercase hex; `None` if malformed.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Seal {
    /// The seal of a prepared document. `catalogue` is the catalogue's source,
    /// `scope`/`source_date_epoch` the flags the document is rendered with, and `inputs`
    /// the input digests to record instead of those of `prepared` (for a rebuild).
    pub fn new(
        prepared: &Prepared,
        catalogue: &SourceFile,
        kind: crate::cli::Kind,
        scope: Option<crate::profile::Scope>,
        source_date_epoch: Option<i64>,
        inputs: Option<Inputs>,
    ) -> anyhow::Result<Seal> {
        let matrix_json = crate::canonical::to_json(&prepared.matrix.matrix).into_bytes();
        let profile_json = serde_json::to_vec(&prepared.profile)?;
        let mut attachments = vec![
            Attachment {
                name: "matrix.json",
                mime: "application/json",
                description: "Canonical responsibility matrix (JSON)",
                bytes: matrix_json,
            },
            Attachment {
                name: "profile.toml",
                mime: "application/toml",
                description: "Customer profile, as given",
                bytes: prepared.profile_source.text.clone().into_bytes(),
            },
            Attachment {
                name: "profile.json",
                mime: "application/json",
                description: "Customer profile, as validated (canonical JSON)",
                bytes: profile_json,
            },
            Attachment {
                name: "catalogue.toml",
                mime: "application/toml",
                description:
                    "Catalogue of regions, services and options the profile was checked against",
                bytes: catalogue.text.clone().into_bytes(),
            },
        ];
        // The file name only: where the command ran from must not change the bytes.
        let input = |source: &SourceFile| Input {
            name: Path::new(&source.name)
                .file_name()
                .map_or(source.name.clone(), |n| n.to_string_lossy().into_owned()),
            sha256: sha256_hex(source.text.as_bytes()),
        };
        let templates = &prepared.templates;
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            tool: Tool {
                name: "annex".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            typst_version: crate::TYPST_VERSION.into(),
            fingerprint: prepared.fingerprint(),
            parameters: Parameters {
                kind: kind.name().into(),
                scope,
                source_date_epoch,
                date: prepared.profile.contract.effective_date.to_string(),
                pdf_standard: PDF_STANDARD.into(),
            },
            // A rebuild passes the original manifest's inputs: the files it was made from
            // are not all attached (a Markdown page, say), only their canonical forms.
            inputs: inputs.unwrap_or_else(|| Inputs {
                matrix: input(&prepared.matrix.source),
                profile: input(&prepared.profile_source),
                catalogue: input(catalogue),
                templates: Templates {
                    digest: crate::hex(&templates.digest()),
                    overridden: templates.overridden().to_vec(),
                    files: templates
                        .files()
                        .iter()
                        .map(|(n, b)| (n.clone(), sha256_hex(b)))
                        .collect(),
                },
            }),
            attachments: attachments
                .iter()
                .map(|a| (a.name.to_owned(), sha256_hex(&a.bytes)))
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&manifest)?;
        text.push('\n');
        attachments.push(Attachment {
            name: MANIFEST_NAME,
            mime: "application/json",
            description: "Manifest: SHA-256 of every input and attachment, versions, fingerprint, parameters",
            bytes: text.into_bytes(),
        });
        Ok(Seal {
            attachments,
            manifest,
        })
    }

    /// The in-memory files the Typst world serves for this document: the index and one
    /// file per attachment. `keywords` are the document's PDF keywords, to which the
    /// fingerprint keyword is added.
    pub fn data_files(&self, keywords: &[String]) -> Vec<(String, Vec<u8>)> {
        let mut keywords = keywords.to_vec();
        keywords.push(format!(
            "{FINGERPRINT_KEYWORD}{}",
            self.manifest.fingerprint
        ));
        let files: Vec<serde_json::Value> = self
            .attachments
            .iter()
            .map(|a| {
                serde_json::json!({
                    "name": a.name,
                    "path": format!("/attachments/{}", a.name),
                    "mime": a.mime,
                    "description": a.description,
                })
            })
            .collect();
        let index = serde_json::json!({ "keywords": keywords, "files": files });
        let mut out = vec![(INDEX_PATH.to_owned(), index.to_string().into_bytes())];
        for a in &self.attachments {
            out.push((format!("attachments/{}", a.name), a.bytes.clone()));
        }
        out
    }
}

/// Whether `annex render` with `args` makes a sealed document, and its seal if so: with
/// `--final` or a signing key, or for an annex whose profile says `status = "final"`.
/// Asking to seal or sign a draft is an input error.
pub fn seal_for(prepared: &Prepared, args: &RenderArgs) -> anyhow::Result<Option<Seal>> {
    let is_final = prepared.profile.contract.status == crate::profile::Status::Final;
    let asked = args.seal.final_ || args.seal.sign_key.is_some();
    let kind = args.input.kind;
    if kind != Kind::Annex {
        if asked {
            return Err(Invalid::input(format!(
                "--final and --sign-key apply to the contract annex, not to --kind {}",
                kind.name()
            )));
        }
        return Ok(None);
    }
    if !is_final {
        if !asked {
            return Ok(None);
        }
        let source = &prepared.profile_source;
        let line = source
            .text
            .lines()
            .position(|l| l.trim_start().starts_with("status"))
            .map_or(String::new(), |i| format!(":{}", i + 1));
        return Err(Invalid::input(format!(
            "{}{line}: status is \"draft\": a draft carries the DRAFT watermark and cannot be final or signed; set status = \"final\" in [contract]",
            source.name
        )));
    }
    let (_, catalogue) = crate::load::catalogue(args.input.catalogue.as_deref())?;
    Seal::new(
        prepared,
        &catalogue,
        kind,
        args.input.scope,
        args.source_date_epoch,
        None,
    )
    .map(Some)
}

/// After a sealed document is compiled: checks that the template set attached the sources
/// (a custom `annex.typ.tera` might not call `annex-attachments()`), then signs it when
/// `--sign-key` is given. `path` names the document in messages.
pub fn finish(pdf: Vec<u8>, path: &Path, args: &RenderArgs) -> anyhow::Result<Vec<u8>> {
    let file = crate::pades::file::PdfFile::open(&pdf).map_err(anyhow::Error::msg)?;
    let attached = file.attachments();
    if let Some(missing) = ["matrix.json", MANIFEST_NAME]
        .into_iter()
        .find(|n| !attached.contains_key(*n))
    {
        anyhow::bail!(
            "the template set did not attach {missing}: annex.typ.tera must call #annex-attachments() (see templates/lib.typ)"
        );
    }
    let (Some(key), Some(cert)) = (&args.seal.sign_key, &args.seal.sign_cert) else {
        return Ok(pdf);
    };
    let signer = crate::pades::Signer::load(key, cert, args.seal.sign_chain.as_deref())?;
    let label = path.display().to_string();
    let (signed, place) = crate::pades::sign_pdf(&pdf, &label, &signer, crate::pades::now())?;
    eprintln!("signed by {} ({place})", signer.name());
    Ok(signed)
}

/// The index an unsealed document gets: nothing to attach.
pub fn unsealed_index() -> (String, Vec<u8>) {
    (
        INDEX_PATH.to_owned(),
        br#"{"keywords": null, "files": []}"#.to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex("00ff10").unwrap(), vec![0, 255, 16]);
        assert_eq!(unhex("0g"), None);
        assert_eq!(unhex("abc"), None);
    }

    #[test]
    fn fingerprint_matches_prepared() {
        use clap::Parser as _;
        let cli = crate::cli::Cli::try_parse_from(["annex", "context"]).unwrap();
        let crate::cli::Command::Context(args) = cli.command else {
            unreachable!()
        };
        let input = args.input;
        let prepared = crate::prepare(&input, &mut Vec::new()).unwrap();
        let again = fingerprint(
            crate::canonical::to_json(&prepared.matrix.matrix).as_bytes(),
            &serde_json::to_vec(&prepared.profile).unwrap(),
            &prepared.templates.digest(),
        );
        assert_eq!(again, prepared.fingerprint());
    }
}
