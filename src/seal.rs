//! Seal stage (final annexes only): the sources a PDF/A-3 annex carries as associated
//! files, and the manifest that binds them to the document.
//!
//! A sealed annex attaches the canonical matrix (`matrix.json`), the profile as given
//! (`profile.toml`) and as validated (`profile.json`), the catalogue it was checked
//! against (`catalogue.toml`) and `manifest.json`: the SHA-256 of every input and
//! attachment, the template set digest, tool and Typst versions, the document fingerprint
//! and the generation parameters. With those, `annex verify` recomputes the fingerprint
//! and `annex verify --rebuild` re-renders the very same bytes.
//!
//! A composed annex (several matrices) attaches every part's canonical matrix:
//! `matrix.json` for the first, `matrix-2.json`, `matrix-3.json`, … for the others, each
//! listed in the manifest, so that `verify` recomputes the fingerprint over all of them and
//! `verify --rebuild` renders the same parts.
//!
//! A translated annex also attaches the translation's canonical matrix
//! (`translation.json`, listed in the manifest's `inputs.translation`): the fingerprint
//! covers it, so `verify` recomputes it and `verify --rebuild` renders the same text.
//!
//! Invariants:
//! - Whether a document is sealed is decided by [`for_document`], for `render` and
//!   `batch` alike.
//! - Everything here is a pure function of the prepared inputs and the parameters: no
//!   clock, no environment, so a sealed render stays byte-for-byte reproducible.
//! - The data reaches Typst as in-memory files under `/attachments/` (see
//!   [`Seal::data_files`]); the template's `annex-attachments()` helper (templates/lib.typ)
//!   attaches whatever `/attachments/index.json` lists. An unsealed document gets an
//!   empty index, so the same template serves both.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::digest::{self, sha256_hex};
use crate::error::Invalid;
use crate::kind::Kind;
use crate::load::SourceFile;
use crate::pdf::file::PdfFile;
use crate::prepare::Prepared;
use crate::profile::{Scope, Status};

/// Path of the attachment index in the Typst world.
pub const INDEX_PATH: &str = "attachments/index.json";

/// Format tag of the manifest, bumped on incompatible changes.
pub const MANIFEST_FORMAT: &str = "annex-manifest/1";

/// Name of the attachment that holds the manifest.
pub const MANIFEST_NAME: &str = "manifest.json";

/// Name of the attachment that holds a translated annex's other-language matrix.
pub const TRANSLATION_NAME: &str = "translation.json";

/// Name of the attachment, made by the template, that says where signatures go.
pub const SIGNATURE_FIELDS_NAME: &str = "signature-fields.json";

/// Prefix of the PDF keyword that carries the fingerprint (`annex-fingerprint:<hex>`).
pub const FINGERPRINT_KEYWORD: &str = "annex-fingerprint:";

/// The PDF standard of sealed annexes, as recorded in the manifest.
pub const PDF_STANDARD: &str = "PDF/A-3a + PDF/UA-1";

/// One file attached to the PDF.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name inside the PDF.
    pub name: String,
    /// MIME type.
    pub mime: &'static str,
    /// What it is, shown by PDF readers.
    pub description: String,
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
    pub scope: Option<Scope>,
    /// `SOURCE_DATE_EPOCH` / `--source-date-epoch`, when given.
    pub source_date_epoch: Option<i64>,
    /// The document date (the profile's effective date).
    pub date: String,
    /// [`PDF_STANDARD`].
    pub pdf_standard: String,
    /// Each activity in both languages (`--bilingual`, or the profile's `bilingual`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bilingual: bool,
}

/// Digests of the inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// The matrix file as read (TOML, JSON or a Markdown page); the first part's when the
    /// annex is composed.
    pub matrix: Input,
    /// The other parts' matrix files, in order (composed annexes only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Input>,
    /// The translation file as read (translated annexes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translation: Option<Input>,
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

/// The attachment name of part `index` (0-based): `matrix.json`, then `matrix-2.json`, …
pub fn matrix_attachment(index: usize) -> String {
    match index {
        0 => "matrix.json".to_owned(),
        i => format!("matrix-{}.json", i + 1),
    }
}

impl Seal {
    /// The seal of a prepared document of `kind`, rendered with `source_date_epoch`.
    /// `inputs` are the input digests to record instead of those of `prepared` (a rebuild
    /// passes the original manifest's: the files it was made from are not all attached, a
    /// Markdown page say, only their canonical forms).
    pub fn new(
        prepared: &Prepared,
        kind: Kind,
        source_date_epoch: Option<i64>,
        inputs: Option<Inputs>,
    ) -> anyhow::Result<Seal> {
        let mut attachments: Vec<Attachment> = prepared
            .parts
            .iter()
            .enumerate()
            .map(|(i, part)| Attachment {
                name: matrix_attachment(i),
                mime: "application/json",
                description: if i == 0 {
                    "Canonical responsibility matrix (JSON)".to_owned()
                } else {
                    format!("Canonical responsibility matrix, part {} (JSON)", i + 1)
                },
                bytes: crate::canonical::to_json(&part.matrix).into_bytes(),
            })
            .collect();
        if let Some(t) = &prepared.translation {
            attachments.push(Attachment {
                name: TRANSLATION_NAME.to_owned(),
                mime: "application/json",
                description: "Canonical responsibility matrix in the other language (JSON)"
                    .to_owned(),
                bytes: crate::canonical::to_json(&t.matrix.matrix).into_bytes(),
            });
        }
        attachments.extend([
            Attachment {
                name: "profile.toml".to_owned(),
                mime: "application/toml",
                description: "Customer profile, as given".to_owned(),
                bytes: prepared.profile_source.text.clone().into_bytes(),
            },
            Attachment {
                name: "profile.json".to_owned(),
                mime: "application/json",
                description: "Customer profile, as validated (canonical JSON)".to_owned(),
                bytes: prepared.profile_json(),
            },
            Attachment {
                name: "catalogue.toml".to_owned(),
                mime: "application/toml",
                description:
                    "Catalogue of regions, services and options the profile was checked against"
                        .to_owned(),
                bytes: prepared.catalogue_source.text.clone().into_bytes(),
            },
        ]);
        // The file name only: where the command ran from must not change the bytes.
        let input = |source: &SourceFile| Input {
            name: crate::diag::shown_name(&source.name),
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
                scope: prepared.scope_override,
                source_date_epoch,
                date: prepared.profile.contract.effective_date.to_string(),
                pdf_standard: PDF_STANDARD.into(),
                bilingual: prepared.profile.contract.bilingual,
            },
            inputs: inputs.unwrap_or_else(|| Inputs {
                matrix: input(&prepared.parts[0].source),
                parts: prepared.parts[1..]
                    .iter()
                    .map(|p| input(&p.source))
                    .collect(),
                translation: prepared
                    .translation
                    .as_ref()
                    .map(|t| input(&t.matrix.source)),
                profile: input(&prepared.profile_source),
                catalogue: input(&prepared.catalogue_source),
                templates: Templates {
                    digest: crate::digest::hex(&templates.digest()),
                    overridden: templates.overridden().to_vec(),
                    files: templates
                        .file_sha256()
                        .map(|(n, sha)| (n.to_owned(), crate::digest::hex(&sha)))
                        .collect(),
                },
            }),
            attachments: attachments
                .iter()
                .map(|a| (a.name.clone(), sha256_hex(&a.bytes)))
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&manifest)?;
        text.push('\n');
        attachments.push(Attachment {
            name: MANIFEST_NAME.to_owned(),
            mime: "application/json",
            description:
                "Manifest: SHA-256 of every input and attachment, versions, fingerprint, parameters"
                    .to_owned(),
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

/// The seal of a document of `kind`, if it gets one: the one seal decision, for `render`
/// and `batch` alike. A final annex is always sealed; `asked` (`--final`, or a signing
/// key) asks for it. Asking to seal or sign a draft, or another kind, is an input error.
pub fn for_document(
    prepared: &Prepared,
    kind: Kind,
    asked: bool,
    source_date_epoch: Option<i64>,
) -> anyhow::Result<Option<Seal>> {
    if wanted(prepared, kind, asked)? {
        Seal::new(prepared, kind, source_date_epoch, None).map(Some)
    } else {
        Ok(None)
    }
}

fn wanted(prepared: &Prepared, kind: Kind, asked: bool) -> anyhow::Result<bool> {
    let is_final = prepared.profile.contract.status == Status::Final;
    // `verify --rebuild` cannot rebuild what the seal does not carry: the earlier version
    // is not attached, so a document listing changes is a review copy, never sealed.
    if prepared.since.is_some() && kind.sealable() && (is_final || asked) {
        return Err(Invalid::input(
            "an annex rendered with --since is a review copy and cannot be sealed or signed: render it without --since to seal it, or set status = \"draft\" to review the changes",
        ));
    }
    if !kind.sealable() {
        if asked {
            return Err(Invalid::input(format!(
                "--final and --sign-key apply to the contract annex, not to --kind {}",
                kind.name()
            )));
        }
        return Ok(false);
    }
    if !is_final {
        if !asked {
            return Ok(false);
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
    Ok(true)
}

/// After a sealed document is compiled: checks that the template set attached the sources
/// (a custom `annex.typ.tera` might not call `annex-attachments()`).
pub fn check_attached(pdf: &[u8]) -> anyhow::Result<()> {
    let file = PdfFile::open(pdf).map_err(anyhow::Error::msg)?;
    let attached = file.attachments().map_err(anyhow::Error::msg)?;
    if let Some(missing) = ["matrix.json", MANIFEST_NAME]
        .into_iter()
        .find(|n| !attached.contains_key(*n))
    {
        anyhow::bail!(
            "the template set did not attach {missing}: annex.typ.tera must call #annex-attachments() (see templates/lib.typ)"
        );
    }
    Ok(())
}

/// Loads one version of a matrix for `annex diff` and `--since`: a sealed annex (its
/// `matrix.json` attachment, reported as `<file>#matrix.json`), or any matrix file `load`
/// reads. A composed annex's later parts are not read: `matrix.json` is its first part.
pub fn read_matrix(path: &Path) -> anyhow::Result<crate::load::LoadedMatrix> {
    let name = path.display().to_string();
    let mut head = [0u8; 5];
    let is_pdf = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"%PDF-";
    if !is_pdf {
        // `load` reports a missing, unreadable or oversized file with its own messages.
        return crate::load::matrix(Some(path));
    }
    let bytes = crate::load::read_bytes(path, crate::load::TEXT_LIMIT)?;
    let file = PdfFile::open(&bytes)
        .map_err(|e| Invalid::input(format!("{name}: not a readable PDF: {e}")))?;
    let attached = file
        .attachments()
        .map_err(|e| Invalid::input(format!("{name}: {e}")))?;
    let json = attached.get(&matrix_attachment(0)).ok_or_else(|| {
        Invalid::input(format!(
            "{name}: this PDF carries no {} attachment: only a sealed annex (status = \"final\") holds its matrix",
            matrix_attachment(0)
        ))
    })?;
    let text = String::from_utf8(json.clone())
        .map_err(|_| Invalid::input(format!("{name}: its matrix.json is not UTF-8")))?;
    crate::load::matrix_from_source(SourceFile {
        name: format!("{name}#{}", matrix_attachment(0)),
        text,
    })
}

/// The index an unsealed document gets: nothing to attach.
pub fn unsealed_index() -> (String, Vec<u8>) {
    (
        INDEX_PATH.to_owned(),
        br#"{"keywords": null, "files": []}"#.to_vec(),
    )
}

/// The fingerprint recomputed from a sealed annex's attachments: [`digest::fingerprint`]
/// (the one rule) over `matrix.json`, `profile.json`, the manifest's template digest and
/// each later part's `matrix-N.json`, as the manifest lists the parts.
pub fn recompute_fingerprint(
    attachments: &BTreeMap<String, Vec<u8>>,
    manifest: &Manifest,
) -> Result<String, String> {
    let get = |name: &str| {
        attachments
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("{name} is not attached"))
    };
    let template_digest = digest::unhex(&manifest.inputs.templates.digest)
        .ok_or_else(|| "the manifest's template digest is not hex".to_owned())?;
    let mut later = (1..=manifest.inputs.parts.len())
        .map(|i| get(&matrix_attachment(i)))
        .collect::<Result<Vec<_>, _>>()?;
    // Tagged as `Prepared::fingerprint` tags it.
    let translation = match &manifest.inputs.translation {
        Some(_) => Some([b"translation\n".as_slice(), get(TRANSLATION_NAME)?].concat()),
        None => None,
    };
    if let Some(t) = &translation {
        later.push(t);
    }
    Ok(digest::fingerprint(
        get(&matrix_attachment(0))?,
        get("profile.json")?,
        &template_digest,
        &later,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::{InputOptions, Shared};

    fn sealed(profile: &str) -> (Prepared, Seal) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
        let shared = Shared::load(&InputOptions::default()).unwrap();
        let prepared = shared
            .prepare_file(Some(Path::new(&format!("{dir}{profile}"))))
            .unwrap();
        let seal = Seal::new(&prepared, Kind::Annex, None, None).unwrap();
        (prepared, seal)
    }

    fn attached(seal: &Seal) -> BTreeMap<String, Vec<u8>> {
        seal.attachments
            .iter()
            .map(|a| (a.name.clone(), a.bytes.clone()))
            .collect()
    }

    #[test]
    fn the_fingerprint_is_recomputed_from_the_attachments() {
        for profile in ["tailor-base/profile.toml", "tailor-compose/profile.toml"] {
            let (prepared, seal) = sealed(profile);
            assert_eq!(seal.manifest.fingerprint, prepared.fingerprint());
            assert_eq!(
                recompute_fingerprint(&attached(&seal), &seal.manifest).unwrap(),
                prepared.fingerprint(),
                "{profile}"
            );
        }
    }

    #[test]
    fn a_composed_seal_attaches_and_lists_every_part() {
        let (prepared, seal) = sealed("tailor-compose/profile.toml");
        assert_eq!(prepared.parts.len(), 2);
        assert_eq!(seal.manifest.inputs.parts.len(), 1);
        for name in ["matrix.json", "matrix-2.json"] {
            assert!(seal.manifest.attachments.contains_key(name), "{name}");
        }
        let mut without = attached(&seal);
        without.remove("matrix-2.json");
        assert!(recompute_fingerprint(&without, &seal.manifest).is_err());
    }

    #[test]
    fn a_single_matrix_manifest_has_no_parts_key() {
        let (_, seal) = sealed("tailor-base/profile.toml");
        let json = serde_json::to_string(&seal.manifest).unwrap();
        assert!(!json.contains("\"parts\""));
    }
}
