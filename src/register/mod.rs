//! The annex register (a capability beside the pipeline, after `verify`): what each
//! customer was issued and signed, under which matrix revision, by whom and when, in one
//! SQLite file or a PostgreSQL database ([`store`]).
//!
//! What it records, as append-only, hash-chained events ([`chain`]):
//! - a **document** for every final document made (`render`, `batch`, `pack`, `serve`):
//!   customer, contract reference and annex number, kind, the matrix (service, version,
//!   canonical digest), translation, profile and template-set digests, tool, fingerprint,
//!   file name and SHA-256 — with the matrix (canonical JSON) and profile (as written)
//!   kept by digest, so a later matrix can be compared with what was signed ([`outdated`]);
//! - a **signature** for every signature found in a signed annex (`annex sign`, or a file
//!   signed elsewhere: `annex register import`): signer, certificate fingerprint, time and
//!   level, as `annex verify` judges them — a file that does not verify is not recorded;
//!   the same signature at a new level (`annex ltv`, `annex timestamp`) is a new event.
//!
//! A final annex the register did not see made (made before it, or without `--register`)
//! is recorded when it comes back (`import`, `sign`, `ltv`, `timestamp` with the register):
//! its document event from its own attachments, with the facts recording it when made
//! would have given ([`ReadAnnex::document`]).
//!
//! Invariants: one event per fact (recording the same document or signature again adds
//! nothing, so reruns and retries are safe); nothing is updated or deleted (triggers
//! refuse it, and `verify` names any event changed, inserted or deleted behind their back);
//! a caller reports a document as done only after its event is written.

pub mod chain;
mod entry;
pub mod outdated;
mod record;
pub mod store;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;
use crate::error::Invalid;
use crate::kind::Kind;
use crate::prepare::Prepared;
use store::{NewEvent, Store};

pub use entry::{by_contract, Entry};
pub use record::{document_event, read_annex, records, scope_digest, ReadAnnex};
pub use store::Backend;

/// The environment variable naming the register when `--register` is not given.
pub const ENV: &str = "ANNEX_REGISTER";

/// An open register.
pub struct Register {
    store: Store,
}

impl std::fmt::Debug for Register {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the location as given: a URL may carry a password.
        f.debug_struct("Register")
            .field("at", &self.store.shown)
            .finish()
    }
}

/// A matrix as a document event names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixRef {
    /// Provider.
    pub provider: String,
    /// Service: what "the same matrix, another revision" means.
    pub service: String,
    /// Its version (date), if it has one.
    pub version: Option<String>,
    /// SHA-256 of its canonical JSON.
    pub digest: String,
    /// The file it was read from (name only).
    pub source: String,
}

/// A document made: everything a register entry says of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentEvent {
    /// Customer legal name.
    pub customer: String,
    /// Customer short name.
    pub short_name: String,
    /// Contract reference.
    pub contract: String,
    /// Annex number within the contract.
    pub annex: String,
    /// `annex`, `onboarding`, `audit`, or `change-notice` (an annex listing changes since an
    /// earlier matrix: never signed).
    pub kind: String,
    /// The (first) matrix.
    pub matrix: MatrixRef,
    /// The translation, if any.
    pub translation: Option<MatrixRef>,
    /// A change notice's earlier matrix (canonical digest).
    pub since: Option<String>,
    /// SHA-256 of the profile as written.
    pub profile_digest: String,
    /// SHA-256 of what tailoring reads of the profile (region, services, options, variant,
    /// qualifications, scope): profiles with the same scope tailor alike.
    pub scope_digest: String,
    /// The template set's digest.
    pub template_digest: String,
    /// `annex <version> (typst <version>)`.
    pub tool: String,
    /// The document fingerprint.
    pub fingerprint: String,
    /// The file as written (name, or `pack.zip#member`).
    pub file: String,
    /// SHA-256 of its bytes as written.
    pub sha256: String,
    /// How many signatures it is made for (its signatories).
    pub signature_places: usize,
    /// The command that made it.
    pub made_by: String,
}

/// A signature found in a signed annex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureEvent {
    /// The fingerprint of the document signed.
    pub fingerprint: String,
    /// SHA-256 of the file as it was with this signature (the signed revision and any
    /// later ones present when it was recorded).
    pub sha256: String,
    /// The signature field.
    pub field: String,
    /// The signer (the certificate's common name, or the field's `/Name`).
    pub signer: String,
    /// SHA-256 of the signer's certificate (DER).
    pub certificate: String,
    /// The signing time claimed (`/M`), seconds since the epoch, if any.
    pub time: Option<i64>,
    /// The level as `annex verify` reports it (`B-B`, `B-T`, `B-LT`, `B-LTA`, `PKCS#7`).
    pub level: String,
    /// SHA-256 of the signature value (`/Contents`): what makes it this signature.
    pub value: String,
    /// `annex sign`, `render`, `batch`, `pack`, or `import`.
    pub recorded_by: String,
}

/// One event of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    /// A document made.
    Document(Box<DocumentEvent>),
    /// A signature found.
    Signature(SignatureEvent),
}

/// Inputs kept by digest beside a document event.
pub struct Inputs {
    /// (digest, name, content) of each.
    pub blobs: Vec<(String, String, String)>,
}

impl Register {
    /// Opens the register at `location` (an SQLite file path, or a `postgres://` URL).
    pub fn open(location: &str) -> anyhow::Result<Register> {
        Ok(Register {
            store: Store::open(location)?,
        })
    }

    /// The register as messages name it (no password).
    pub fn shown(&self) -> &str {
        &self.store.shown
    }

    /// Which backend it lives in.
    pub fn backend(&self) -> Backend {
        self.store.backend
    }

    /// Records a document made; `true` if new (the same document and file were not
    /// recorded before).
    pub fn record_document(&self, event: &DocumentEvent, inputs: &Inputs) -> anyhow::Result<bool> {
        let body = serde_json::to_string(&Event::Document(Box::new(event.clone())))?;
        let new = NewEvent {
            fact: format!(
                "document:{}:{}:{}",
                event.fingerprint, event.file, event.sha256
            ),
            event: "document",
            recorded_at: crate::sign::now(),
            columns: document_columns(event),
            body,
        };
        Ok(self.store.append(&new, &inputs.blobs)?.1)
    }

    /// Records the signatures of a signed annex (see [`read_annex`]); returns how many
    /// were new. A file whose document the register does not know is refused.
    pub fn record_signatures(
        &self,
        events: &[SignatureEvent],
        label: &str,
    ) -> anyhow::Result<usize> {
        let mut added = 0;
        for s in events {
            let Some(doc) = self.latest_document(&s.fingerprint)? else {
                return Err(Invalid::input(format!(
                    "{label}: the register {} holds no document with fingerprint {}: record it first (with --register when it is made, or annex register import FILE, which reads it from its attachments)",
                    self.shown(),
                    s.fingerprint
                )));
            };
            let cols = signature_columns(s, &doc);
            let body = serde_json::to_string(&SignatureBody {
                event: "signature",
                signature: s,
                document: &doc,
            })?;
            let new = NewEvent {
                // The same signature at a new level (validation data, a document
                // timestamp added since) is a new fact: the register follows it.
                fact: format!("signature:{}:{}", s.value, s.level),
                event: "signature",
                recorded_at: crate::sign::now(),
                columns: cols,
                body,
            };
            if self.store.append(&new, &[])?.1 {
                added += 1;
            }
        }
        Ok(added)
    }

    /// What recording a final annex file, read by [`read_annex`] and written as `file`,
    /// adds: its document, from its own attachments if the register did not see it made
    /// (an annex made before the register, or without `--register`), and each of its
    /// signatures at the level it has now. Nothing is written yet ([`Register::commit`]):
    /// `import` reads every file first, so one bad file records nothing.
    pub fn pending(&self, read: ReadAnnex, file: &str) -> anyhow::Result<Pending> {
        let document = match self.latest_document(&read.manifest.fingerprint)? {
            Some(_) => None,
            None => Some(read.document(file, &read.recorded_by)?),
        };
        Ok(Pending {
            label: read.label.clone(),
            document,
            signatures: read.signatures,
        })
    }

    /// Records what [`Register::pending`] found.
    pub fn commit(&self, pending: &Pending) -> anyhow::Result<FileRecorded> {
        // Known by now if an earlier file of the same import (the annex before and after a
        // countersignature, say) recorded it: once is enough.
        let document = match &pending.document {
            Some((event, inputs)) if self.latest_document(&event.fingerprint)?.is_none() => {
                self.record_document(event, inputs)?
            }
            _ => false,
        };
        Ok(FileRecorded {
            document,
            signatures: pending.signatures.len(),
            new_signatures: self.record_signatures(&pending.signatures, &pending.label)?,
        })
    }

    /// Reads and records a final annex file at once (see [`Register::pending`]).
    pub fn record_file(
        &self,
        bytes: &[u8],
        file: &str,
        label: &str,
        by: &str,
    ) -> anyhow::Result<FileRecorded> {
        let pending = self.pending(read_annex(bytes, label, by)?, file)?;
        self.commit(&pending)
    }

    /// The latest document event with `fingerprint`.
    fn latest_document(&self, fingerprint: &str) -> anyhow::Result<Option<DocumentEvent>> {
        let rows = self.store.rows(
            "SELECT body FROM annex_events WHERE event = 'document' AND fingerprint = $1 ORDER BY seq DESC LIMIT 1",
            &[fingerprint],
        )?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|mut r| parse_document(&r[0].take_text())))
    }

    /// Every document, in the order recorded, with its signatures and state.
    pub fn list(&self) -> anyhow::Result<Vec<Entry>> {
        let docs = self.store.rows(
            "SELECT seq, recorded_at, body FROM annex_events WHERE event = 'document' ORDER BY seq",
            &[],
        )?;
        let sigs = self.signatures(None)?;
        let mut latest: HashMap<(String, String), i64> = HashMap::new();
        let mut out = Vec::new();
        for mut r in docs {
            let Some(d) = parse_document(&r[2].take_text()) else {
                continue;
            };
            if d.kind == "annex" {
                latest.insert((d.contract.clone(), d.annex.clone()), r[0].int());
            }
            out.push(entry::entry(r[0].int(), r[1].int(), d, &sigs));
        }
        for e in &mut out {
            if e.kind == "annex"
                && latest.get(&(e.contract.clone(), e.annex.clone())) != Some(&e.seq)
            {
                e.state = "superseded".into();
            }
        }
        Ok(out)
    }

    /// The latest annex document of every annex of every contract (seq, recorded at,
    /// event), by contract and annex: one indexed query, however many documents.
    fn latest(&self) -> anyhow::Result<Vec<(i64, i64, DocumentEvent)>> {
        let rows = self.store.rows(
            "SELECT e.seq, e.recorded_at, e.body FROM annex_events e JOIN \
             (SELECT contract, annex, MAX(seq) AS seq FROM annex_events WHERE event = 'document' AND kind = 'annex' GROUP BY contract, annex) l \
             ON e.seq = l.seq ORDER BY e.contract, e.annex",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|mut r| {
                parse_document(&r[2].take_text()).map(|d| (r[0].int(), r[1].int(), d))
            })
            .collect())
    }

    /// The latest annex document of every annex of every contract.
    pub fn latest_annexes(&self) -> anyhow::Result<Vec<DocumentEvent>> {
        Ok(self.latest()?.into_iter().map(|(_, _, d)| d).collect())
    }

    /// Per annex of a contract, its latest document and its state.
    pub fn status(&self) -> anyhow::Result<Vec<Entry>> {
        let sigs = self.signatures(None)?;
        Ok(self
            .latest()?
            .into_iter()
            .map(|(seq, at, d)| entry::entry(seq, at, d, &sigs))
            .collect())
    }

    /// Every document whose fingerprint starts with `prefix` (at least 8 hex digits).
    pub fn show(&self, prefix: &str) -> anyhow::Result<Vec<Entry>> {
        if prefix.len() < 8 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Invalid::input(format!(
                "{prefix:?} is not a fingerprint: give at least its first 8 hex digits"
            )));
        }
        let prefix = prefix.to_ascii_lowercase();
        let found: Vec<Entry> = self
            .list()?
            .into_iter()
            .filter(|e| e.fingerprint.starts_with(&prefix))
            .collect();
        if found.is_empty() {
            return Err(Invalid::input(format!(
                "the register {} holds no document with fingerprint {prefix}",
                self.shown()
            )));
        }
        Ok(found)
    }

    /// Signature events by document fingerprint (all, or those of one).
    fn signatures(
        &self,
        fingerprint: Option<&str>,
    ) -> anyhow::Result<HashMap<String, Vec<SignatureEvent>>> {
        let rows = match fingerprint {
            Some(f) => self.store.rows(
                "SELECT body FROM annex_events WHERE event = 'signature' AND fingerprint = $1 ORDER BY seq",
                &[f],
            )?,
            None => self.store.rows(
                "SELECT body FROM annex_events WHERE event = 'signature' ORDER BY seq",
                &[],
            )?,
        };
        let mut out: HashMap<String, Vec<SignatureEvent>> = HashMap::new();
        for mut r in rows {
            // Only the signature is read: its copy of the document is skipped, not parsed
            // (`status` over 100,000 documents, BENCHMARKS.md).
            if let Ok(b) = serde_json::from_str::<StoredSignatureOnly>(&r[0].take_text()) {
                out.entry(b.signature.fingerprint.clone())
                    .or_default()
                    .push(b.signature);
            }
        }
        Ok(out)
    }

    /// Every event as recorded, with the chain's head: an auditor's export.
    pub fn export(&self) -> anyhow::Result<Export> {
        let links = self.store.links()?;
        let head = links
            .last()
            .map(|l| l.hash.clone())
            .unwrap_or_else(|| chain::GENESIS.to_owned());
        let events = links
            .into_iter()
            .map(|l| ExportedEvent {
                seq: l.seq,
                hash: l.hash,
                event: serde_json::from_str(&l.body).unwrap_or(serde_json::Value::Null),
            })
            .collect();
        Ok(Export {
            register: self.shown().to_owned(),
            schema_version: store::SCHEMA_VERSION,
            head,
            events,
        })
    }

    /// Every problem of the chain and the kept inputs (empty: intact), and the number of
    /// events checked.
    pub fn verify(&self) -> anyhow::Result<(Vec<String>, usize)> {
        let links = self.store.links()?;
        let mut problems = chain::problems(&links, &|body| {
            body_columns(body).map(|(event, values)| {
                std::iter::once(("event", event.to_owned()))
                    .chain(store::COLUMNS.iter().copied().zip(values))
                    .collect()
            })
        });
        for digest in self.store.bad_blobs()? {
            problems.push(format!(
                "kept input {digest}: its content does not match its digest (it was changed)"
            ));
        }
        Ok((problems, links.len()))
    }

    /// The kept input with `digest` (name, content).
    pub fn input(&self, digest: &str) -> anyhow::Result<Option<(String, String)>> {
        self.store.blob(digest)
    }

    /// The entries of one customer's contract (every annex), for an evidence pack.
    pub fn entries_of(&self, contract: &str) -> anyhow::Result<Vec<Entry>> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|e| e.contract == contract)
            .collect())
    }
}

impl FileRecorded {
    /// What was recorded, as a clause: "document recorded from its attachments; 2
    /// signature(s), 1 new".
    pub fn describe(&self) -> String {
        format!(
            "{}{} signature(s), {} new or at a new level",
            if self.document {
                "document recorded from its attachments; "
            } else {
                ""
            },
            self.signatures,
            self.new_signatures
        )
    }
}

/// What recording a file will add.
pub struct Pending {
    label: String,
    document: Option<(DocumentEvent, Inputs)>,
    signatures: Vec<SignatureEvent>,
}

/// What [`Register::commit`] recorded of a file.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileRecorded {
    /// Its document was not in the register and was recorded from its attachments.
    pub document: bool,
    /// Signatures found in it.
    pub signatures: usize,
    /// Of those, how many were new (or at a new level).
    pub new_signatures: usize,
}

/// A signature event as stored: the signature and a copy of its document's event, so the
/// body alone says what was signed.
#[derive(Serialize)]
struct SignatureBody<'a> {
    event: &'static str,
    signature: &'a SignatureEvent,
    document: &'a DocumentEvent,
}

#[derive(Deserialize)]
struct StoredSignature {
    signature: SignatureEvent,
    document: DocumentEvent,
}

/// A signature event as stored, its document's copy required but not read.
#[derive(Deserialize)]
struct StoredSignatureOnly {
    signature: SignatureEvent,
    #[allow(dead_code)]
    document: serde::de::IgnoredAny,
}

/// A document event's body read back, straight into the struct (its `event` tag is
/// skipped: the rows are selected by their `event` column, which `verify` checks against
/// the body), without the intermediate JSON tree of [`body_columns`].
fn parse_document(body: &str) -> Option<DocumentEvent> {
    serde_json::from_str::<DocumentEvent>(body).ok()
}

/// The query columns (in [`store::COLUMNS`] order) of a document event.
fn document_columns(d: &DocumentEvent) -> [String; 9] {
    [
        d.fingerprint.clone(),
        d.sha256.clone(),
        d.customer.clone(),
        d.contract.clone(),
        d.annex.clone(),
        d.kind.clone(),
        d.matrix.service.clone(),
        d.matrix.digest.clone(),
        String::new(),
    ]
}

/// The query columns of a signature event: it is filed under its document's customer,
/// contract, annex, kind and matrix (from the copy of the document's event it carries).
fn signature_columns(s: &SignatureEvent, doc: &DocumentEvent) -> [String; 9] {
    let mut cols = document_columns(doc);
    cols[0].clone_from(&s.fingerprint);
    cols[1].clone_from(&s.sha256);
    cols[8].clone_from(&s.certificate);
    cols
}

/// What a stored body says its row's `event` and query columns are, read once.
fn body_columns(body: &str) -> Result<(&'static str, [String; 9]), String> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    match value.get("event").and_then(|v| v.as_str()) {
        Some("document") => serde_json::from_value::<DocumentEvent>(value)
            .map(|d| ("document", document_columns(&d)))
            .map_err(|e| e.to_string()),
        Some("signature") => serde_json::from_value::<StoredSignature>(value)
            .map(|s| ("signature", signature_columns(&s.signature, &s.document)))
            .map_err(|e| e.to_string()),
        other => Err(format!("unknown event {other:?}")),
    }
}

/// `annex register export`.
#[derive(Debug, Serialize)]
pub struct Export {
    /// The register (no password).
    pub register: String,
    /// Its schema version.
    pub schema_version: i64,
    /// The hash of the last event: anchor it elsewhere (a ticket, a signed mail) to make
    /// truncation or a rewritten chain detectable.
    pub head: String,
    /// Every event.
    pub events: Vec<ExportedEvent>,
}

/// One exported event.
#[derive(Debug, Serialize)]
pub struct ExportedEvent {
    /// Its place in the chain.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
    /// The event as recorded.
    pub event: serde_json::Value,
}

impl Register {
    /// Records a document just made from `prepared` as `kind`, written as `file` with
    /// `bytes`, and every signature it already carries (signed when made). Drafts are not
    /// recorded (see [`records`]).
    pub fn record_made(
        &self,
        prepared: &Prepared,
        kind: Kind,
        file: &str,
        bytes: &[u8],
        made_by: &str,
    ) -> anyhow::Result<()> {
        if !records(prepared) {
            return Ok(());
        }
        let (event, inputs) = document_event(prepared, kind, file, &sha256_hex(bytes), made_by);
        self.record_document(&event, &inputs)?;
        if kind == Kind::Annex
            && prepared.since.is_none()
            && may_be_signed(bytes)
            && crate::sign::is_signed(bytes)
        {
            let sigs = read_annex(bytes, file, made_by)?.signatures;
            self.record_signatures(&sigs, file)?;
        }
        Ok(())
    }
}

/// Whether `bytes`, a PDF annex just wrote (or one a batch manifest says it wrote), may be
/// signed: [`crate::sign::is_signed`] finds a signature through the catalogue's
/// `/AcroForm`, or annex's own `/Type/Sig/Filter`, and annex writes both names plainly, so a
/// file with neither is unsigned without being parsed. The parse (`PdfFile::open` and its
/// guards) was 25 M instructions per unsigned annex in a dev build, 10 % of a batch
/// (BENCHMARKS.md, the register's bench).
fn may_be_signed(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while let Some(i) = rest.iter().position(|&b| b == b'/') {
        rest = &rest[i + 1..];
        if rest.starts_with(b"AcroForm") || rest.starts_with(b"Type/Sig/Filt") {
            return true;
        }
    }
    false
}

/// The entries of `prepared`'s contract as JSON (what an evidence pack holds as
/// `register.json`).
pub fn entries_json(register: &Register, prepared: &Prepared) -> anyhow::Result<Vec<u8>> {
    let entries = register.entries_of(&prepared.profile.contract.reference)?;
    let mut json = serde_json::to_vec_pretty(&entries)?;
    json.push(b'\n');
    Ok(json)
}
