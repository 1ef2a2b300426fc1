//! Register events from what the pipeline made (part of [`super`]): a document event from
//! a prepared profile and its file, or from a final annex's own attachments when the
//! register did not see it made; signature events from a signed annex as `annex verify`
//! judges it.
//!
//! Invariants: a document's event names its inputs by digest and its file by name only;
//! nothing of a file is an event unless the whole file verifies.

use super::{DocumentEvent, Inputs, MatrixRef, SignatureEvent};
use crate::digest::sha256_hex;
use crate::error::Invalid;
use crate::kind::Kind;
use crate::prepare::Prepared;

/// What tailoring reads of a profile, digested: see [`DocumentEvent::scope_digest`].
pub fn scope_digest(profile: &crate::profile::Profile) -> String {
    let scope = serde_json::json!({
        "region": profile.region,
        "services": profile.services,
        "options": profile.options,
        "variant": profile.variant,
        "qualifications": profile.qualifications,
        "scope": profile.scope,
    });
    sha256_hex(scope.to_string().as_bytes())
}

/// The document event of `prepared` rendered as `kind` into `file` with `bytes`, and the
/// inputs to keep with it.
pub fn document_event(
    prepared: &Prepared,
    kind: Kind,
    file: &str,
    sha256: &str,
    made_by: &str,
) -> (DocumentEvent, Inputs) {
    let first = &prepared.parts[0];
    let canonical = crate::canonical::to_json(&first.matrix);
    let matrix_ref = |m: &crate::load::LoadedMatrix, json: &str| MatrixRef {
        provider: m.matrix.provider.clone(),
        service: m.matrix.service.clone(),
        version: m.matrix.version.clone(),
        digest: sha256_hex(json.as_bytes()),
        source: crate::diag::shown_name(&m.source.name),
    };
    let matrix = matrix_ref(first, &canonical);
    let translation = prepared.translation.as_ref().map(|t| {
        let json = crate::canonical::to_json(&t.matrix.matrix);
        matrix_ref(&t.matrix, &json)
    });
    let since = prepared
        .since
        .as_ref()
        .map(|s| sha256_hex(crate::canonical::to_json(&s.matrix).as_bytes()));
    let profile = &prepared.profile;
    let profile_text = prepared.profile_source.text.clone();
    let profile_digest = sha256_hex(profile_text.as_bytes());
    let event = DocumentEvent {
        customer: profile.customer.legal_name.clone(),
        short_name: profile.customer.short_name.clone(),
        contract: profile.contract.reference.clone(),
        annex: profile.contract.annex_number.clone(),
        kind: if since.is_some() {
            "change-notice".to_owned()
        } else {
            kind.name().to_owned()
        },
        matrix: matrix.clone(),
        translation,
        since,
        profile_digest: profile_digest.clone(),
        scope_digest: scope_digest(profile),
        template_digest: crate::digest::hex(&prepared.templates.digest()),
        tool: format!("annex {}", crate::version()),
        fingerprint: prepared.fingerprint(),
        file: file.to_owned(),
        sha256: sha256.to_owned(),
        signature_places: profile.signatories.len(),
        made_by: made_by.to_owned(),
    };
    let inputs = Inputs {
        blobs: vec![
            (matrix.digest, matrix.source, canonical),
            (
                profile_digest,
                crate::diag::shown_name(&prepared.profile_source.name),
                profile_text,
            ),
        ],
    };
    (event, inputs)
}

/// Whether documents of this profile are recorded: final ones only (a draft is a working
/// copy, not something issued).
pub fn records(prepared: &Prepared) -> bool {
    prepared.profile.contract.status == crate::profile::Status::Final
}

/// A final annex file as the register reads it: verified as `annex verify` does, with its
/// manifest, attachments and signatures.
pub struct ReadAnnex {
    /// Its manifest.
    pub manifest: crate::seal::Manifest,
    /// Every signature (document timestamps are not signatures), at the level it has now.
    pub signatures: Vec<SignatureEvent>,
    attachments: std::collections::BTreeMap<String, Vec<u8>>,
    /// SHA-256 of its first revision: the annex as it was made.
    first_sha256: String,
    /// The file as messages name it.
    pub(super) label: String,
    /// The command that read it.
    pub(super) recorded_by: String,
}

/// Reads `pdf` (`label` names it in messages) for the register: the file must pass `annex
/// verify` (a signature that does not verify is not a fact to record) and be a final annex
/// (a manifest attached). `recorded_by` names the command in its signature events.
pub fn read_annex(pdf: &[u8], label: &str, recorded_by: &str) -> anyhow::Result<ReadAnnex> {
    use crate::pdf::file::{self, PdfFile};
    let report = crate::verify::verify(pdf, &crate::verify::Options::default());
    let failures = report.failures();
    if !failures.is_empty() {
        return Err(Invalid::input(format!(
            "{label} does not verify, so it is not recorded: {}",
            failures.join("; ")
        )));
    }
    let doc = PdfFile::open(pdf).map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    let attachments = doc
        .attachments()
        .map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    let manifest: crate::seal::Manifest = attachments
        .get(crate::seal::MANIFEST_NAME)
        .and_then(|b| serde_json::from_slice(b).ok())
        .ok_or_else(|| {
            Invalid::input(format!(
                "{label} is not a final annex (no manifest attached)"
            ))
        })?;
    let first_end = file::revision_ends(pdf)
        .ok()
        .and_then(|r| r.first().copied())
        .unwrap_or(pdf.len());
    let sha256 = sha256_hex(pdf);
    let mut signatures = Vec::new();
    let mut n = 0;
    for sig in doc.signatures() {
        if sig.doc_timestamp {
            continue;
        }
        n += 1;
        let cert = crate::sign::cms::check(&sig.contents, &[0; 32])
            .ok()
            .and_then(|c| c.signer);
        let der = cert
            .as_ref()
            .and_then(|c| x509_cert::der::Encode::to_der(c).ok())
            .unwrap_or_default();
        let signer = cert
            .as_ref()
            .map(crate::sign::cms::common_name)
            .or(sig.signer.clone())
            .unwrap_or_else(|| "unnamed".to_owned());
        let key = format!("signature {n}");
        signatures.push(SignatureEvent {
            fingerprint: manifest.fingerprint.clone(),
            sha256: sha256.clone(),
            field: sig.name.clone(),
            signer,
            certificate: sha256_hex(&der),
            time: sig.time.as_deref().and_then(crate::verify::parse_pdf_date),
            level: report
                .levels
                .iter()
                .find(|(l, _)| *l == key)
                .map_or_else(|| "B-B".to_owned(), |(_, v)| v.clone()),
            value: sha256_hex(&sig.contents),
            recorded_by: recorded_by.to_owned(),
        });
    }
    Ok(ReadAnnex {
        manifest,
        signatures,
        first_sha256: sha256_hex(as_made(&pdf[..first_end])),
        attachments,
        label: label.to_owned(),
        recorded_by: recorded_by.to_owned(),
    })
}

/// A final annex's first revision as annex wrote it: Typst ends a PDF at `%%EOF` with no
/// end-of-line, which the first incremental update adds (`pdf::file::append_update`).
fn as_made(first: &[u8]) -> &[u8] {
    let eol = first
        .iter()
        .rev()
        .take_while(|c| **c == b'\n' || **c == b'\r')
        .count();
    &first[..first.len() - eol]
}

impl ReadAnnex {
    /// Its document event, for an annex the register does not know (made before the
    /// register, or without `--register`): its inputs are prepared again from its own
    /// attachments, and what only the making knew is taken from its manifest (fingerprint,
    /// template set, tool, the names its inputs were given by). Its file is `file`, its
    /// SHA-256 that of its first revision (the annex as made, before any signature).
    pub fn document(&self, file: &str, made_by: &str) -> anyhow::Result<(DocumentEvent, Inputs)> {
        let m = &self.manifest;
        let (prepared, kind) = crate::verify::prepare_attached(&self.attachments, m, None)
            .map_err(|e| {
                Invalid::input(format!(
                    "{}: its inputs cannot be read back from its attachments ({e}), so it is not recorded",
                    self.label
                ))
            })?;
        if !records(&prepared) {
            return Err(Invalid::input(format!(
                "{}: a draft is not recorded (the profile's contract status is not final)",
                self.label
            )));
        }
        let (mut event, mut inputs) =
            document_event(&prepared, kind, file, &self.first_sha256, made_by);
        let name = |i: &crate::seal::Input| crate::diag::shown_name(&i.name);
        event.fingerprint.clone_from(&m.fingerprint);
        event.template_digest.clone_from(&m.inputs.templates.digest);
        // This annex's own words when it made the annex; else what the manifest says.
        if m.tool.version != env!("CARGO_PKG_VERSION") || m.typst_version != crate::TYPST_VERSION {
            event.tool = format!("annex {} (typst {})", m.tool.version, m.typst_version);
        }
        event.matrix.source = name(&m.inputs.matrix);
        inputs.blobs[0].1.clone_from(&event.matrix.source);
        if let (Some(t), Some(given)) = (&mut event.translation, &m.inputs.translation) {
            t.source = name(given);
        }
        inputs.blobs[1].1 = name(&m.inputs.profile);
        Ok((event, inputs))
    }
}
