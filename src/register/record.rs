//! Register events from what the pipeline made (part of [`super`]): a document event from
//! a prepared profile and its file, signature events from a signed annex as `annex verify`
//! judges it.
//!
//! Invariants: a document's event names its inputs by digest and its file by name only;
//! a signature is an event only if the whole file verifies.

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

/// Every signature of a signed annex as events: the file must pass `annex verify` (a
/// signature that does not verify is not a fact to record).
pub fn signature_events(
    pdf: &[u8],
    label: &str,
    recorded_by: &str,
) -> anyhow::Result<Vec<SignatureEvent>> {
    use crate::pdf::file::PdfFile;
    let report = crate::verify::verify(pdf, &crate::verify::Options::default());
    let failures = report.failures();
    if !failures.is_empty() {
        return Err(Invalid::input(format!(
            "{label} does not verify, so its signatures are not recorded: {}",
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
    let sha256 = sha256_hex(pdf);
    let levels: Vec<(String, String)> = report
        .checks
        .iter()
        .filter_map(|(_, text)| {
            let (label, rest) = text.split_once(": ")?;
            let level = if let Some(l) = rest.strip_prefix("level ") {
                l.split_whitespace().next()?.to_owned()
            } else if rest.starts_with("no PAdES level") {
                "PKCS#7".to_owned()
            } else {
                return None;
            };
            Some((label.to_owned(), level))
        })
        .collect();
    let mut out = Vec::new();
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
        out.push(SignatureEvent {
            fingerprint: manifest.fingerprint.clone(),
            sha256: sha256.clone(),
            field: sig.name.clone(),
            signer,
            certificate: sha256_hex(&der),
            time: sig.time.as_deref().and_then(crate::verify::parse_pdf_date),
            level: levels
                .iter()
                .find(|(l, _)| *l == key)
                .map_or_else(|| "B-B".to_owned(), |(_, v)| v.clone()),
            value: sha256_hex(&sig.contents),
            recorded_by: recorded_by.to_owned(),
        });
    }
    Ok(out)
}
