//! Which contracts must sign again (part of [`super`]): the annexes whose latest document
//! was made under another revision of a new matrix's service, and whose tailored annex
//! changes under the new one — with the changes that touch their scope, as the change
//! notice lists them ([`crate::context::changes`], the one rule for "binds this customer").
//!
//! Invariants: the old side is the matrix the register kept for the document (its
//! canonical JSON, by digest), never a file the user names; customers with the same matrix
//! revision and the same tailoring scope are judged once (cost: one comparison per
//! distinct revision and scope, plus a scan of the latest documents).

use std::collections::HashMap;

use serde::Serialize;

use super::{DocumentEvent, Register};
use crate::context::changes::{self, ChangeRow};
use crate::digest::sha256_hex;
use crate::error::Invalid;
use crate::load::{self, LoadedMatrix, SourceFile};
use crate::prepare::Shared;

/// One contract's annex that must be signed again.
#[derive(Debug, Clone, Serialize)]
pub struct Outdated {
    /// Customer legal name.
    pub customer: String,
    /// Contract reference.
    pub contract: String,
    /// Annex number.
    pub annex: String,
    /// The latest document's fingerprint.
    pub fingerprint: String,
    /// Its file.
    pub file: String,
    /// `service@version` it was made under.
    pub signed_matrix: String,
    /// That matrix's canonical digest.
    pub signed_matrix_digest: String,
    /// `service@version` of the new matrix.
    pub new_matrix: String,
    /// The changes that touch this annex, as the change notice groups them.
    pub changes: Vec<ChangeRow>,
}

/// The old matrix the register kept under `digest`, loaded.
pub fn kept_matrix(register: &Register, digest: &str) -> anyhow::Result<LoadedMatrix> {
    let Some((name, text)) = register.input(digest)? else {
        return Err(Invalid::input(format!(
            "the register {} does not hold the matrix {digest}",
            register.shown()
        )));
    };
    // Kept as canonical JSON whatever it was read from: named so the loader reads JSON,
    // and so a change notice says which file it was.
    let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
    load::matrix_from_source(SourceFile {
        name: format!("{stem} (as signed).json"),
        text,
    })
}

/// The changes between `old` and the new matrix that bind the profile kept under
/// `profile_digest` (metadata alone never does: a new date is not a new duty).
fn binding_changes(
    register: &Register,
    shared: &Shared,
    old: &LoadedMatrix,
    profile_digest: &str,
) -> anyhow::Result<Vec<ChangeRow>> {
    let Some((name, text)) = register.input(profile_digest)? else {
        return Err(Invalid::input(format!(
            "the register {} does not hold the profile {profile_digest}",
            register.shown()
        )));
    };
    let mut prepared = shared.prepare(load::profile_from_source(SourceFile { name, text })?)?;
    prepared.since = Some(old.clone());
    let Some(c) = changes::changes(&prepared) else {
        return Ok(Vec::new());
    };
    Ok(c.reassigned
        .into_iter()
        .chain(c.added)
        .chain(c.removed)
        .chain(c.reworded)
        .chain(c.other.into_iter().filter(|r| r.class != "metadata"))
        .collect())
}

/// Every annex that must be signed again under the new matrix of `shared` (its first).
pub fn outdated(register: &Register, shared: &Shared) -> anyhow::Result<Vec<Outdated>> {
    let new = &shared.matrices[0];
    let new_digest = sha256_hex(crate::canonical::to_json(&new.matrix).as_bytes());
    let new_name = format!(
        "{}@{}",
        new.matrix.service,
        new.matrix.version.as_deref().unwrap_or("-")
    );
    let latest: Vec<DocumentEvent> = register
        .latest_annexes()?
        .into_iter()
        .filter(|d| d.matrix.service == new.matrix.service && d.matrix.digest != new_digest)
        .collect();
    let mut olds: HashMap<String, LoadedMatrix> = HashMap::new();
    let mut judged: HashMap<(String, String), Vec<ChangeRow>> = HashMap::new();
    let mut out = Vec::new();
    for d in latest {
        let key = (d.matrix.digest.clone(), d.scope_digest.clone());
        if !judged.contains_key(&key) {
            if !olds.contains_key(&d.matrix.digest) {
                olds.insert(
                    d.matrix.digest.clone(),
                    kept_matrix(register, &d.matrix.digest)?,
                );
            }
            let rows =
                binding_changes(register, shared, &olds[&d.matrix.digest], &d.profile_digest)
                    .map_err(|e| {
                        anyhow::anyhow!(
                        "contract {} annex {}: its profile cannot be prepared with {new_name}: {}",
                        d.contract,
                        d.annex,
                        crate::error::report(&e).trim_end()
                    )
                    })?;
            judged.insert(key.clone(), rows);
        }
        let rows = &judged[&key];
        if rows.is_empty() {
            continue;
        }
        out.push(Outdated {
            customer: d.customer,
            contract: d.contract,
            annex: d.annex,
            fingerprint: d.fingerprint,
            file: d.file,
            signed_matrix: format!(
                "{}@{}",
                d.matrix.service,
                d.matrix.version.as_deref().unwrap_or("-")
            ),
            signed_matrix_digest: d.matrix.digest,
            new_matrix: new_name.clone(),
            changes: rows.clone(),
        });
    }
    Ok(out)
}
