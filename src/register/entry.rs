//! What `list`, `status` and `show` say of a document (part of [`super`]): its entry, with
//! its signatures as they stand and its state.
//!
//! Invariants: a signature is listed once, at the highest level recorded for it, in the
//! order signed; the state counts distinct signers against the signatories the annex is
//! made for; the file as it stands is the one the latest kept signature event was found in.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{DocumentEvent, SignatureEvent};

/// A document as `list` and `status` show it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Its event's `seq`.
    pub seq: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded: String,
    /// Customer legal name.
    pub customer: String,
    /// Contract reference.
    pub contract: String,
    /// Annex number.
    pub annex: String,
    /// Kind.
    pub kind: String,
    /// `service@version` of its matrix.
    pub matrix: String,
    /// Its matrix's canonical digest.
    pub matrix_digest: String,
    /// The fingerprint.
    pub fingerprint: String,
    /// The file.
    pub file: String,
    /// SHA-256 of the file as it stands now: as last recorded with its signatures (the last
    /// signature, validation data or document timestamp), else as made.
    pub sha256: String,
    /// Distinct signers recorded.
    pub signatures: usize,
    /// Signatures it is made for.
    pub signature_places: usize,
    /// `awaiting signature`, `partly signed`, `signed`, `superseded` (a later document of
    /// the same annex exists), or `issued` (a kind that is not signed).
    pub state: String,
    /// The signatures, in order.
    pub signed_by: Vec<SignatureEvent>,
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

pub(super) fn entry(
    seq: i64,
    recorded_at: i64,
    d: DocumentEvent,
    sigs: &HashMap<String, Vec<SignatureEvent>>,
) -> Entry {
    // Signatures belong to the file they were found in: those of this document's file
    // lineage are the ones whose fingerprint matches (a re-render with the same inputs has
    // the same fingerprint, and the same signatories).
    // A signature recorded again at a higher level (validation data or a document timestamp
    // added since) is listed once, in the order signed, at its highest level: a copy of the
    // file from before imported later does not take it back. The file as it stands is the
    // one its latest such event was found in.
    let events = sigs.get(&d.fingerprint).map_or(&[][..], Vec::as_slice);
    let mut kept: Vec<usize> = Vec::new();
    let mut place: HashMap<&str, usize> = HashMap::new();
    for (n, s) in events.iter().enumerate() {
        match place.get(s.value.as_str()) {
            Some(&i) if level_rank(&s.level) >= level_rank(&events[kept[i]].level) => kept[i] = n,
            Some(_) => {}
            None => {
                place.insert(&s.value, kept.len());
                kept.push(n);
            }
        }
    }
    let current = kept.iter().max().map(|&n| events[n].sha256.clone());
    let signed_by: Vec<SignatureEvent> = kept.iter().map(|&n| events[n].clone()).collect();
    let mut signers: Vec<&str> = signed_by.iter().map(|s| s.certificate.as_str()).collect();
    signers.sort_unstable();
    signers.dedup();
    let n = signers.len();
    let state = if d.kind != "annex" {
        "issued"
    } else if n == 0 {
        "awaiting signature"
    } else if n < d.signature_places.max(1) {
        "partly signed"
    } else {
        "signed"
    };
    Entry {
        seq,
        recorded: rfc3339(recorded_at),
        customer: d.customer,
        contract: d.contract,
        annex: d.annex,
        kind: d.kind,
        matrix: format!(
            "{}@{}",
            d.matrix.service,
            d.matrix.version.as_deref().unwrap_or("-")
        ),
        matrix_digest: d.matrix.digest,
        fingerprint: d.fingerprint,
        file: d.file,
        sha256: current.unwrap_or(d.sha256),
        signatures: n,
        signature_places: d.signature_places,
        state: state.to_owned(),
        signed_by,
    }
}

/// How far a signature's level goes (`annex verify`'s levels; PKCS#7 and unknown: 0).
fn level_rank(level: &str) -> u8 {
    match level {
        "B-B" => 1,
        "B-T" => 2,
        "B-LT" => 3,
        "B-LTA" => 4,
        _ => 0,
    }
}

/// Groups entries by contract (for packs and the page).
pub fn by_contract(entries: Vec<Entry>) -> BTreeMap<String, Vec<Entry>> {
    let mut out: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for e in entries {
        out.entry(e.contract.clone()).or_default().push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::MatrixRef;

    fn document() -> DocumentEvent {
        let matrix = MatrixRef {
            provider: "P".into(),
            service: "s".into(),
            version: None,
            digest: "m".into(),
            source: "m.toml".into(),
        };
        DocumentEvent {
            customer: "C".into(),
            short_name: "C".into(),
            contract: "K".into(),
            annex: "1".into(),
            kind: "annex".into(),
            matrix,
            translation: None,
            since: None,
            profile_digest: "p".into(),
            scope_digest: "s".into(),
            template_digest: "t".into(),
            tool: "annex".into(),
            fingerprint: "f".into(),
            file: "a.pdf".into(),
            sha256: "made".into(),
            signature_places: 2,
            made_by: "render".into(),
        }
    }

    fn signature(value: &str, level: &str, sha256: &str) -> SignatureEvent {
        SignatureEvent {
            fingerprint: "f".into(),
            sha256: sha256.into(),
            field: value.into(),
            signer: value.into(),
            certificate: value.into(),
            time: None,
            level: level.into(),
            value: value.into(),
            recorded_by: "test".into(),
        }
    }

    /// A signature raised to B-LT is listed once at B-LT, and an older copy of the file
    /// imported afterwards takes nothing back; a later countersignature makes its file the
    /// current one.
    #[test]
    fn a_signature_is_listed_once_at_its_highest_level() {
        let sigs = HashMap::from([(
            "f".to_owned(),
            vec![
                signature("one", "B-T", "signed"),
                signature("one", "B-LT", "extended"),
                signature("one", "B-T", "old copy"),
            ],
        )]);
        let e = entry(1, 0, document(), &sigs);
        assert_eq!(e.signed_by.len(), 1);
        assert_eq!(e.signed_by[0].level, "B-LT");
        assert_eq!(e.sha256, "extended");
        assert_eq!(e.state, "partly signed");

        let mut more = sigs.clone();
        more.get_mut("f")
            .unwrap()
            .push(signature("two", "B-T", "countersigned"));
        let e = entry(1, 0, document(), &more);
        let levels: Vec<&str> = e.signed_by.iter().map(|s| s.level.as_str()).collect();
        assert_eq!(levels, ["B-LT", "B-T"]);
        assert_eq!(e.sha256, "countersigned");
        assert_eq!(e.state, "signed");
    }
}
