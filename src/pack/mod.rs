//! Evidence pack stage: everything an auditor asks for about one customer, in one zip
//! (`annex pack`, `annex batch --pack`), and its verification ([`verify`]).
//!
//! A pack holds, in this order: `manifest.json`; the final annex (sealed, signed when a
//! signer is given), the audit report and the onboarding guide; the canonical matrix of
//! every part, the profile as given and as validated and the catalogue (the very bytes the
//! annex attaches, under the same names); `check.json` (the `annex check --format json`
//! report of the same inputs, a translation included); every matrix source as read under `sources/` (a translation's page too); with `--since`,
//! the earlier version under `since/` and the change list (`changes.json`, `changes.txt`).
//! `manifest.json` gives each member's SHA-256, size and what it is, the tool and Typst
//! versions and the document fingerprint. With a signer, `manifest.json.p7s` follows it:
//! a detached CMS signature (DER) of `manifest.json` by the same key (`openssl cms -verify`
//! checks it; so does `annex verify`), made by the one CMS builder ([`sign::cms::sign`]).
//!
//! Invariants: the same inputs give the same bytes (fixed member order, every member dated
//! from `SOURCE_DATE_EPOCH` or else the effective date at 00:00 UTC, Unix permissions
//! 0644, deflate at level 6, no extra field, no comment), except the signature of a signed
//! annex, which carries the time of signing (and so the manifest listing it, and its
//! signature; the manifest's signature itself carries no time: the same manifest and key
//! give the same bytes, a TSA's token aside); a pack holds at most the members and bytes
//! `annex verify` accepts ([`crate::limits::MAX_PACK_MEMBERS`],
//! [`crate::limits::MAX_PACK_INFLATED_BYTES`]); nothing is written here.

pub mod verify;

use std::io::Write as _;

use serde::{Deserialize, Serialize};

use crate::check::{self, report};
use crate::diag::shown_name;
use crate::error::Invalid;
use crate::kind::Kind;
use crate::limits::{thousands, MAX_PACK_INFLATED_BYTES, MAX_PACK_MEMBERS};
use crate::load::{LoadedMatrix, SourceFile};
use crate::policy::Policy;
use crate::prepare::Prepared;
use crate::seal::{self, Tool};
use crate::{align, diff, digest, document, profile, sign};

/// Format tag of a pack's manifest, bumped on incompatible changes.
pub const FORMAT: &str = "annex-pack/1";

/// Name of the member that lists the others.
pub const MANIFEST_NAME: &str = "manifest.json";

/// Name of the member holding the detached CMS signature (DER) of [`MANIFEST_NAME`], in a
/// pack made with a signer. The manifest cannot list it: it signs the manifest.
pub const SIGNATURE_NAME: &str = "manifest.json.p7s";

/// Deflate level of every member (flate2's default, fixed so the bytes are too).
const LEVEL: i64 = 6;

/// `manifest.json` of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The tool that made the pack.
    pub tool: Tool,
    /// The embedded Typst version.
    pub typst_version: String,
    /// The document fingerprint (64 hex digits), as printed in the documents and recorded
    /// in the annex's own manifest.
    pub fingerprint: String,
    /// The customer's legal name.
    pub customer: String,
    /// The contract reference.
    pub contract: String,
    /// The effective date.
    pub date: String,
    /// `SOURCE_DATE_EPOCH`, when given.
    pub source_date_epoch: Option<i64>,
    /// The member holding the final annex.
    pub annex: String,
    /// Whether the annex was signed when packed.
    pub signed: bool,
    /// Every other member, in the zip's order.
    pub members: Vec<Member>,
}

/// One member as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Its name in the zip.
    pub name: String,
    /// SHA-256 of its bytes (64 hex digits).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// What it is.
    pub what: String,
}

/// How to make a pack.
pub struct PackOptions<'a> {
    /// `SOURCE_DATE_EPOCH`: the documents' and the members' date.
    pub source_date_epoch: Option<i64>,
    /// Signs the annex, when given.
    pub signer: Option<&'a sign::Signer>,
    /// The earlier version of the first part's matrix, for the change list.
    pub since: Option<LoadedMatrix>,
    /// The policy the check report and the change list are judged by.
    pub policy: &'a Policy,
    /// Warnings count as errors in the check report.
    pub deny_warnings: bool,
    /// The customer's register entries (JSON, as `annex register list --format json`
    /// prints them), recorded before this pack: added as `register.json`.
    pub register: Option<Vec<u8>>,
}

/// A pack, made.
pub struct Pack {
    /// Its file name: `<customer>-evidence.zip`.
    pub file_name: String,
    /// The zip.
    pub bytes: Vec<u8>,
    /// Its manifest.
    pub manifest: Manifest,
    /// Typst's warnings and the signer's place, for the caller to show.
    pub notes: Vec<String>,
    /// The annex as packed (sealed, signed when a signer was given): what a register
    /// records of the pack.
    pub annex_pdf: Vec<u8>,
}

/// The file name of a profile's pack.
pub fn file_name(prepared: &Prepared) -> String {
    format!(
        "{}-evidence.zip",
        profile::file_slug(&prepared.profile.customer.short_name)
    )
}

/// Makes the pack of a prepared (final) profile.
pub fn build(prepared: &Prepared, options: &PackOptions) -> anyhow::Result<Pack> {
    if prepared.since.is_some() {
        // The annex of a pack is the sealed one; changes go in their own members.
        anyhow::bail!("a pack's profile is prepared without `since`: pass it in PackOptions");
    }
    let mut notes = Vec::new();
    let mut members: Vec<(String, String, Vec<u8>)> = Vec::new();
    let sde = options.source_date_epoch;
    // The one seal decision: a draft profile is refused with the line to change.
    let sealed = seal::for_document(prepared, Kind::Annex, true, sde)?
        .ok_or_else(|| anyhow::anyhow!("the annex of a pack is always sealed"))?;
    let annex_name = prepared.file_name(Kind::Annex);
    let annex = document::make(prepared, Kind::Annex, sde, Some(&sealed))?;
    seal::check_attached(&annex.compiled.pdf)?;
    notes.extend(annex.compiled.warnings.iter().map(typst_note));
    let mut annex_pdf = annex.compiled.pdf;
    if let Some(signer) = options.signer {
        let (signed, place) = sign::sign_pdf(&annex_pdf, &annex_name, signer, sign::now())?;
        notes.push(format!("signed by {} ({place})", signer.name()));
        annex_pdf = signed;
    }
    let what_annex = if options.signer.is_some() {
        "The contract annex: final, sealed (PDF/A-3a + PDF/UA-1 with its sources attached) and signed"
    } else {
        "The contract annex: final and sealed (PDF/A-3a + PDF/UA-1 with its sources attached)"
    };
    members.push((annex_name.clone(), what_annex.into(), annex_pdf.clone()));
    for (kind, what) in [
        (
            Kind::Audit,
            "The auditor's report: provenance, digests, tailoring decisions, check findings",
        ),
        (
            Kind::Onboarding,
            "The customer team's onboarding guide: what the customer must do, by phase",
        ),
    ] {
        let doc = document::make(prepared, kind, sde, None)?;
        notes.extend(doc.compiled.warnings.iter().map(typst_note));
        members.push((prepared.file_name(kind), what.into(), doc.compiled.pdf));
    }
    // The annex's own attachments, by the same names and bytes, so `verify` can tell the
    // pack and the annex agree.
    for a in &sealed.attachments {
        if a.name == seal::MANIFEST_NAME {
            continue;
        }
        members.push((a.name.clone(), a.description.clone(), a.bytes.clone()));
    }
    // Files are named by their file name only, as in the annex's manifest: where the
    // command ran from must not change the bytes.
    let named = |p: &LoadedMatrix| LoadedMatrix {
        source: SourceFile {
            name: shown_name(&p.source.name),
            text: p.source.text.clone(),
        },
        ..p.clone()
    };
    let mut parts: Vec<LoadedMatrix> = prepared.parts.iter().map(named).collect();
    // A translation is one more document of the check (as `annex check --translation`),
    // and its page one more source.
    let translation = prepared.translation.as_ref().map(|t| (t, named(&t.matrix)));
    if let Some((_, matrix)) = &translation {
        parts.push(matrix.clone());
    }
    let profile_source = SourceFile {
        name: shown_name(&prepared.profile_source.name),
        text: prepared.profile_source.text.clone(),
    };
    let mut checked = check::run_loaded(
        &parts,
        profile_source,
        (&prepared.catalogue, &prepared.catalogue_source),
        options.policy,
        options.deny_warnings,
    );
    if let Some((t, matrix)) = &translation {
        checked.alignment = Some(align::Report::new(&t.alignment, &parts[0], matrix));
    }
    let code = report::exit_code(&checked, false);
    let mut check_json = serde_json::to_string_pretty(&report::json(&checked, None, code))?;
    check_json.push('\n');
    members.push((
        "check.json".into(),
        "`annex check --format json` report of the matrices and the profile".into(),
        check_json.into_bytes(),
    ));
    let mut taken = std::collections::BTreeSet::new();
    for part in &parts {
        let name = unique(&mut taken, "sources", &part.source.name);
        members.push((
            name,
            format!("Matrix source as read: {}", shown_name(&part.source.name)),
            part.source.text.clone().into_bytes(),
        ));
    }
    if let Some(old) = &options.since {
        let name = unique(&mut taken, "since", &old.source.name);
        members.push((
            name,
            format!(
                "Earlier version of the matrix, as read: {}",
                shown_name(&old.source.name)
            ),
            old.source.text.clone().into_bytes(),
        ));
        let list = diff::diff(old.clone(), prepared.parts[0].clone());
        let changes = report::changes(&list, options.policy, options.deny_warnings);
        let mut json = serde_json::to_string_pretty(&changes.json)?;
        json.push('\n');
        members.push((
            "changes.json".into(),
            "Change list since the earlier version (`annex diff --format json`)".into(),
            json.into_bytes(),
        ));
        members.push((
            "changes.txt".into(),
            "Change list since the earlier version (`annex diff`)".into(),
            changes.human.into_bytes(),
        ));
    }
    if let Some(entries) = &options.register {
        members.push((
            "register.json".into(),
            "The customer's contract in the annex register before this pack: every document and signature recorded (`annex register list --format json`)".into(),
            entries.clone(),
        ));
    }
    let contract = &prepared.profile.contract;
    let manifest = Manifest {
        format: FORMAT.into(),
        tool: sealed.manifest.tool.clone(),
        typst_version: crate::TYPST_VERSION.into(),
        fingerprint: sealed.manifest.fingerprint.clone(),
        customer: prepared.profile.customer.legal_name.clone(),
        contract: contract.reference.clone(),
        date: contract.effective_date.to_string(),
        source_date_epoch: sde,
        annex: annex_name,
        signed: options.signer.is_some(),
        members: members
            .iter()
            .map(|(name, what, bytes)| Member {
                name: name.clone(),
                sha256: digest::sha256_hex(bytes),
                size: bytes.len() as u64,
                what: what.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    let date = zip_date(sde.unwrap_or_else(|| {
        contract
            .effective_date
            .and_hms_opt(0, 0, 0)
            .map_or(0, |d| d.and_utc().timestamp())
    }));
    let mut all = vec![(MANIFEST_NAME.to_owned(), text.into_bytes())];
    if let Some(signer) = options.signer {
        // The manifest lists every other member's SHA-256, so its signature vouches for
        // the whole pack, not only for the annex the PDF signature covers.
        let p7s = signer.sign_detached(&all[0].1)?;
        notes.push(format!(
            "{MANIFEST_NAME} signed by {} ({SIGNATURE_NAME})",
            signer.name()
        ));
        all.push((SIGNATURE_NAME.to_owned(), p7s));
    }
    all.extend(members.into_iter().map(|(n, _, b)| (n, b)));
    let total: usize = all.iter().map(|(_, b)| b.len()).sum();
    if all.len() > MAX_PACK_MEMBERS || total > MAX_PACK_INFLATED_BYTES {
        return Err(Invalid::input(format!(
            "the pack would hold {} members and {} bytes: `annex verify` reads at most {} members and {} bytes",
            all.len(),
            thousands(total),
            MAX_PACK_MEMBERS,
            thousands(MAX_PACK_INFLATED_BYTES)
        )));
    }
    Ok(Pack {
        file_name: file_name(prepared),
        bytes: write_zip(&all, date)?,
        manifest,
        notes,
        annex_pdf,
    })
}

/// A Typst warning as a note (its rendering ends with a line break).
fn typst_note(w: &impl std::fmt::Display) -> String {
    format!("typst {}", w.to_string().trim_end())
}

/// `<folder>/<file name>` of `source` (a path as given), numbered from 2 when taken.
fn unique(taken: &mut std::collections::BTreeSet<String>, folder: &str, source: &str) -> String {
    let base = shown_name(source);
    let mut name = format!("{folder}/{base}");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{folder}/{n}-{base}");
        n += 1;
    }
    name
}

/// The zip date of `seconds` since the epoch, clamped to what zip can hold (1980–2107).
fn zip_date(seconds: i64) -> zip::DateTime {
    use chrono::{Datelike as _, Timelike as _};
    let t = chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default();
    let year = t.year().clamp(1980, 2107) as u16;
    zip::DateTime::from_date_and_time(
        year,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
    .unwrap_or_default()
}

/// The zip of `members`, in order, every one dated `date`.
fn write_zip(members: &[(String, Vec<u8>)], date: zip::DateTime) -> anyhow::Result<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(LEVEL))
        .last_modified_time(date)
        .system(zip::System::Unix)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}
