//! Verify (part of [`super`]): every signature field of the file, then every update after
//! the first signature.
//!
//! A field's value is judged for what it is: a signature (PAdES `ETSI.CAdES.detached`, or
//! PKCS#7 `adbe.pkcs7.detached` as other tools make by default, verified alike and reported
//! as such), with its level (B-B, or B-T when it carries a signature timestamp, whose time
//! then judges the certificate), or a document timestamp (`/Type /DocTimeStamp`), checked
//! as an RFC 3161 token over its byte range and never as a signature. A B-T signature
//! followed by validation data (a `/DSS` update the revision analysis cleared) that cover
//! its certificates' revocation ([`super::ltv`], offline) is reported B-LT, and B-LTA when a
//! verified document timestamp covers that; with `--at`, whether each would still validate
//! then.
//!
//! Invariants: a format other tools use is never a failure by itself; an algorithm that
//! proves nothing (SHA-1, RSA under 2048 bits) always is; a token that does not verify
//! fails, it is never ignored.

use super::ltv::{self as long_term, at_date, expiry};
use super::{parse_pdf_date, Options, Outcome, Report};
use crate::pdf::file;
use crate::sign::ltv::{read_dss, Dss};
use crate::sign::{cms, revisions, tsa};

/// Every signature, then whether any byte is covered by none.
pub(super) fn check_signatures(
    bytes: &[u8],
    sigs: &[file::SigField],
    revisions: &[usize],
    options: &Options,
    report: &mut Report,
) {
    let first_end = revisions.first().copied().unwrap_or(bytes.len());
    let mut last_signed_end = None;
    let (mut signatures, mut timestamps) = (0, 0);
    // What each field's value turned out to be, for the levels reported at the end.
    let mut seen: Vec<Seen> = Vec::new();
    // Validation data are read from the last revision, as a validator years later would.
    let dss = file::PdfFile::open(bytes)
        .map(|d| read_dss(&d))
        .unwrap_or_default();
    for sig in sigs {
        let failures = report.failures().len();
        let end = match sig.byte_range.as_slice() {
            [0, _, b, c] if *b >= 0 && *c >= 0 => Some((*b + *c) as usize),
            _ => None,
        };
        let doc_timestamp = is_doc_timestamp(sig);
        let label = if doc_timestamp {
            timestamps += 1;
            format!("document timestamp {timestamps} (field \"{}\")", sig.name)
        } else {
            signatures += 1;
            format!(
                "signature {} ({}{})",
                signatures,
                sig.signer.as_deref().unwrap_or("unnamed"),
                sig.time
                    .as_deref()
                    .and_then(parse_pdf_date)
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map_or(String::new(), |t| format!(
                        ", {}",
                        t.format("%Y-%m-%d %H:%M UTC")
                    ))
            )
        };
        let info = check_signature(
            bytes,
            sig,
            &label,
            revisions,
            (options, &dss),
            report,
            &mut last_signed_end,
        );
        if doc_timestamp {
            seen.push(Seen {
                label: Some(format!("document timestamp {timestamps}")),
                end,
                ok: report.failures().len() == failures,
                kind: Kind::DocTimestamp,
                info,
            });
            continue;
        }
        let stamped =
            cms::check(&sig.contents, &[0; 32]).is_ok_and(|c| c.timestamp_token.is_some());
        seen.push(Seen {
            label: Some(format!("signature {signatures}")),
            end,
            ok: report.failures().len() == failures,
            kind: match sig.sub_filter.as_deref() {
                Some("adbe.pkcs7.detached") => Kind::Pkcs7,
                _ if stamped => Kind::Timestamped,
                _ => Kind::Plain,
            },
            info,
        });
    }
    let mut analysed = Vec::new();
    if let Some(p) = sigs.first().and_then(|s| s.docmdp) {
        let what = match p {
            1 => "no change at all",
            2 => "later signatures and form filling only",
            _ => "later signatures, form filling and annotations",
        };
        report.push(
            Outcome::Ok,
            format!("signature 1 certifies the document (DocMDP P={p}: {what} may follow)"),
        );
    }
    // Every update after the first signature, object by object.
    // Where each signature's revision ends (a byte range not ending at a revision failed
    // above, and is no starting point).
    let ends: Vec<usize> = sigs
        .iter()
        .filter_map(|s| match s.byte_range.as_slice() {
            [0, _, b, c] if *b >= 0 && *c >= 0 => Some((*b + *c) as usize),
            _ => None,
        })
        .filter(|e| revisions.contains(e))
        .collect();
    if let Some(&first) = ends.iter().min() {
        let after = |at: usize| ends.iter().filter(|e| **e < at).count();
        match revisions::analyse(bytes, first) {
            Err(e) => report.push(
                Outcome::Failed,
                format!("changes after signature 1: cannot be analysed ({e})"),
            ),
            Ok(updates) => {
                analysed.clone_from(&updates);
                let certified = sigs.first().and_then(|s| s.docmdp);
                for u in &updates {
                    let label =
                        format!("revision {} (after signature {})", u.revision, after(u.end));
                    if u.violations.is_empty() {
                        if certified == Some(1) && !u.signatures.is_empty() {
                            report.push(
                                Outcome::Failed,
                                format!("{label} adds a signature, but signature 1 certified the document with DocMDP P=1 (no change)"),
                            );
                        } else {
                            report.push(Outcome::Ok, format!("{label} adds {}", u.summary()));
                        }
                    }
                    for v in &u.violations {
                        report.push(Outcome::Failed, format!("{label} {v}"));
                    }
                    if let Some(h) = u.housekeeping_summary() {
                        report.push(
                            Outcome::Ok,
                            format!(
                                "revision {} also updates {h} (housekeeping a signer may do)",
                                u.revision
                            ),
                        );
                    }
                }
            }
        }
    }
    report_levels(&seen, &analysed, options.at, report);
    // Bytes no signature covers: an appended update (allowed only as validation data that
    // the analysis cleared), or a signature made unreadable.
    match last_signed_end {
        None if revisions.len() <= 1 && sigs.is_empty() => report.push(
            Outcome::Skipped,
            "signatures: none (an unsigned annex is protected by its manifest and by --rebuild)",
        ),
        Some(end) if end == bytes.len() => {
            report.push(Outcome::Ok, "no change after the last signature")
        }
        Some(end) if trailing_only_validation(bytes, end, &ends) => report.push(
            Outcome::Ok,
            format!(
                "{} bytes after the last signature add validation data only",
                bytes.len() - end
            ),
        ),
        end => {
            let end = end.unwrap_or(first_end);
            report.push(
                Outcome::Failed,
                format!(
                    "{} bytes after byte {end} are covered by no signature: the file was changed after it was signed",
                    bytes.len().saturating_sub(end)
                ),
            )
        }
    }
}

/// What a signature field's value was found to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// PAdES without a signature timestamp.
    Plain,
    /// PAdES with a signature timestamp.
    Timestamped,
    /// `adbe.pkcs7.detached`: no PAdES level.
    Pkcs7,
    /// A document timestamp.
    DocTimestamp,
}

/// One field's value as checked: its label ("signature 2"), where its revision ends, and
/// whether every check of it passed.
struct Seen {
    label: Option<String>,
    end: Option<usize>,
    ok: bool,
    kind: Kind,
    info: Option<Info>,
}

/// What a field's checks found for its level and its future.
#[derive(Debug, Clone, Default)]
struct Info {
    /// Every certificate of its paths that names a revocation source has revocation data
    /// in the file.
    covered: bool,
    /// What protects it later, and until when: a signature timestamp's (or document
    /// timestamp's) TSA certificate path; else the signer's certificate path.
    protector: Option<(String, i64)>,
}

/// The PAdES level of each signature whose checks all passed (ETSI EN 319 142-1): B-B; B-T
/// with a verified signature timestamp; B-LT when a later revision adds validation data
/// (`/DSS`, cleared by the revision analysis) that cover its certificates' revocation; B-LTA
/// when a verified document timestamp follows that. A failed signature gets no level: its
/// failures say what it is. With `at`, whether each would still validate then.
fn report_levels(
    seen: &[Seen],
    updates: &[revisions::Update],
    at: Option<i64>,
    report: &mut Report,
) {
    for s in seen {
        let (Some(label), Some(end), true) = (&s.label, s.end, s.ok) else {
            continue;
        };
        let covered = s.info.as_ref().is_some_and(|i| i.covered);
        let own = s.info.as_ref().and_then(|i| i.protector.clone());
        let (level, text, protector) = match s.kind {
            Kind::DocTimestamp => continue,
            Kind::Pkcs7 => (
                "PKCS#7",
                "no PAdES level (PKCS#7, adbe.pkcs7.detached)".to_owned(),
                own,
            ),
            Kind::Plain => ("B-B", "level B-B".to_owned(), own),
            Kind::Timestamped => {
                let dss = updates
                    .iter()
                    .find(|u| u.end > end && u.dss && u.violations.is_empty());
                match dss {
                    None => ("B-T", "level B-T".to_owned(), own),
                    Some(u) if !covered => (
                        "B-T",
                        format!(
                            "level B-T (validation data added in revision {}, but without the revocation data of every certificate: annex ltv adds them)",
                            u.revision
                        ),
                        own,
                    ),
                    Some(u) => {
                        // The newest verified document timestamp after the validation data.
                        let lta = seen
                            .iter()
                            .filter(|t| {
                                t.kind == Kind::DocTimestamp
                                    && t.ok
                                    && t.end.is_some_and(|e| e >= u.end)
                            })
                            .max_by_key(|t| t.end);
                        let text = format!(
                            "level {} (validation data added in revision {}, revocation data checked offline{})",
                            if lta.is_some() { "B-LTA" } else { "B-LT" },
                            u.revision,
                            if lta.is_some() { "; a document timestamp covers it" } else { "" }
                        );
                        match lta {
                            Some(t) => (
                                "B-LTA",
                                text,
                                t.info.as_ref().and_then(|i| i.protector.clone()),
                            ),
                            None => ("B-LT", text, own),
                        }
                    }
                }
            }
        };
        report.push(Outcome::Ok, format!("{label}: {text}"));
        report.levels.push((label.clone(), level.to_owned()));
        if let (Some(date), Some((who, until))) = (at, protector) {
            at_date(label, level, date, (&who, until), report);
        }
    }
}

/// Whether every revision after `end` (the last signature's) only adds validation data.
fn trailing_only_validation(bytes: &[u8], end: usize, ends: &[usize]) -> bool {
    ends.iter().all(|e| *e <= end)
        && file::sections(bytes).is_ok_and(|s| s.last().is_some_and(|s| s.end == bytes.len()))
        && revisions::analyse(bytes, end).is_ok_and(|us| {
            us.iter()
                .all(|u| u.violations.is_empty() && u.signatures.is_empty() && u.dss)
        })
}

fn check_signature(
    bytes: &[u8],
    sig: &file::SigField,
    label: &str,
    revisions: &[usize],
    (options, dss): (&Options, &Dss),
    report: &mut Report,
    last_signed_end: &mut Option<usize>,
) -> Option<Info> {
    let r = &sig.byte_range;
    let ranges_ok = r.len() == 4
        && r[0] == 0
        && r.iter().all(|v| *v >= 0)
        && r[1] < r[2]
        && (r[2] + r[3]) as usize <= bytes.len()
        && bytes.get(r[1] as usize) == Some(&b'<')
        && bytes.get(r[2] as usize - 1) == Some(&b'>')
        && bytes[r[1] as usize + 1..r[2] as usize - 1]
            .iter()
            .all(u8::is_ascii_hexdigit);
    if !ranges_ok {
        report.push(
            Outcome::Failed,
            format!(
                "{label}: its byte range {r:?} does not cover the file except the signature itself"
            ),
        );
        return None;
    }
    let end = (r[2] + r[3]) as usize;
    *last_signed_end = Some(last_signed_end.map_or(end, |e: usize| e.max(end)));
    let revision = revisions.iter().position(|e| *e == end);
    report.result(match revision {
        Some(n) => Ok(format!(
            "{label}: covers revisions 1 to {} (bytes 0–{end}, all but its own /Contents)",
            n + 1
        )),
        None => Err(format!(
            "{label}: its byte range does not end at a revision boundary"
        )),
    });
    // The range was checked above: within the file, around its own /Contents.
    let digest = crate::sign::range_digest(bytes, r)?;
    if is_doc_timestamp(sig) {
        return check_doc_timestamp(sig, &digest, label, (options, dss), report);
    }
    let checked = match cms::check(&sig.contents, &digest) {
        Ok(c) => c,
        Err(e) => {
            report.push(Outcome::Failed, format!("{label}: {e}"));
            return None;
        }
    };
    // PAdES (`ETSI.CAdES.detached`) is what `annex sign` makes; PKCS#7
    // (`adbe.pkcs7.detached`, pyHanko's and Acrobat's default) is the same detached CMS
    // without PAdES's required attributes: verified the same way, reported for what it is,
    // never failed for its format. The algorithms are judged alike (SHA-1 and RSA under
    // 2048 bits fail in `cms::check`).
    let pkcs7 = match sig.sub_filter.as_deref() {
        Some("ETSI.CAdES.detached") => false,
        Some("adbe.pkcs7.detached") => true,
        other => {
            report.push(
                Outcome::Failed,
                format!(
                    "{label}: /SubFilter is {}, neither ETSI.CAdES.detached (PAdES) nor adbe.pkcs7.detached (PKCS#7)",
                    other.map_or("missing".to_owned(), |o| format!("/{o}"))
                ),
            );
            false
        }
    };
    for (result, ok) in [
        (
            &checked.digest_ok,
            "the signed bytes match the signed digest",
        ),
        (
            &checked.signature_ok,
            "signature math verifies with the signer's certificate",
        ),
    ] {
        report.result(
            result
                .clone()
                .map(|_| format!("{label}: {ok}"))
                .map_err(|e| format!("{label}: {e}")),
        );
    }
    if pkcs7 && !checked.binding_present {
        report.push(
            Outcome::Ok,
            format!("{label}: PKCS#7, not PAdES (/SubFilter adbe.pkcs7.detached, no signing-certificate-v2): verified as a CMS signature"),
        );
    } else {
        let what = if pkcs7 {
            "PKCS#7, not PAdES (/SubFilter adbe.pkcs7.detached): signing-certificate-v2 binds the signer's certificate"
        } else {
            "signing-certificate-v2 binds the signer's certificate (PAdES B-B)"
        };
        report.result(
            checked
                .cert_binding_ok
                .clone()
                .map(|_| format!("{label}: {what}"))
                .map_err(|e| format!("{label}: {e}")),
        );
    }
    let Some(cert) = &checked.signer else {
        return None;
    };
    let claimed = sig.time.as_deref().and_then(parse_pdf_date);
    // B-T: the signature timestamp's time is one the signer could not choose; the
    // certificate is judged then. Without one (B-B), at the time the signer claims.
    let stamped = signature_timestamp(
        &checked,
        label,
        if pkcs7 {
            "PKCS#7 with a "
        } else {
            "PAdES B-T: "
        },
        options,
        report,
    );
    if checked.timestamp_token.is_none() && !pkcs7 {
        report.push(
            Outcome::Ok,
            format!("{label}: PAdES B-B (no signature timestamp: the signing time is the signer's claim)"),
        );
    }
    let token = stamped;
    let stamped = token.as_ref().map(|t| t.time);
    let time = stamped.or(claimed);
    match (stamped, time) {
        (Some(t), _) => signer_valid(cert, t, "at the timestamp's time", label, report),
        (None, Some(t)) => signer_valid(cert, t, "at the signing time", label, report),
        (None, None) => report.push(Outcome::Failed, format!("{label}: no signing time (/M)")),
    }
    signer_chain(
        cert,
        &checked.certificates,
        time.unwrap_or(0),
        label,
        options,
        report,
    );
    // Revocation, offline from the file's DSS: the signer's at the time that counts, the
    // TSA's at its token's time.
    let mut covered = long_term::revocation(
        label,
        "signer",
        cert,
        &checked.certificates,
        time.unwrap_or(0),
        options,
        dss,
        report,
    );
    if let Some(t) = &token {
        covered &= long_term::revocation(
            label,
            "the signature timestamp's TSA",
            &t.tsa,
            &t.certificates,
            t.time,
            options,
            dss,
            report,
        );
    }
    let protector = match &token {
        Some(t) => (
            format!(
                "the signature timestamp's TSA certificate \"{}\" (and its issuers)",
                t.tsa_name()
            ),
            expiry(&t.tsa, &t.certificates, options, dss),
        ),
        None => (
            format!(
                "the signer's certificate \"{}\" (and its issuers)",
                cms::common_name(cert)
            ),
            expiry(cert, &checked.certificates, options, dss),
        ),
    };
    Some(Info {
        covered,
        protector: Some(protector),
    })
}

/// Whether a signature field's value is a document timestamp (B-LTA), not a signature.
fn is_doc_timestamp(sig: &file::SigField) -> bool {
    sig.doc_timestamp || sig.sub_filter.as_deref() == Some("ETSI.RFC3161")
}

/// A document timestamp: an RFC 3161 token whose imprint is `digest`, the SHA-256 of its
/// byte range. It names no signer and claims no time of its own: it is checked as a token
/// (imprint, the TSA's signature and certificate, the chain at the token's time), never
/// as a signature.
fn check_doc_timestamp(
    sig: &file::SigField,
    digest: &[u8; 32],
    label: &str,
    (options, dss): (&Options, &Dss),
    report: &mut Report,
) -> Option<Info> {
    if sig.sub_filter.as_deref() != Some("ETSI.RFC3161") || !sig.doc_timestamp {
        report.push(
            Outcome::Failed,
            format!(
                "{label}: a document timestamp has /Type /DocTimeStamp and /SubFilter /ETSI.RFC3161 (found /SubFilter {:?})",
                sig.sub_filter
            ),
        );
    }
    match tsa::check(&sig.contents, digest) {
        Ok(t) => {
            report.push(
                Outcome::Ok,
                format!(
                    "{label}: RFC 3161 token by \"{}\" at {}: its imprint is the hash of the bytes it covers, the TSA's signature verifies, its certificate is for time-stamping",
                    t.tsa_name(),
                    tsa::show_time(t.time)
                ),
            );
            report.result(
                cms::valid_at(&t.tsa, t.time)
                    .map(|_| format!("{label}: the TSA's certificate is valid at the token's time"))
                    .map_err(|e| format!("{label}: the TSA's certificate: {e}")),
            );
            check_tsa_chain(&t, label, options, report);
            let covered = long_term::revocation(
                label,
                "its TSA",
                &t.tsa,
                &t.certificates,
                t.time,
                options,
                dss,
                report,
            );
            Some(Info {
                covered,
                protector: Some((
                    format!(
                        "{label}'s TSA certificate \"{}\" (and its issuers)",
                        t.tsa_name()
                    ),
                    expiry(&t.tsa, &t.certificates, options, dss),
                )),
            })
        }
        Err(e) => {
            report.push(Outcome::Failed, format!("{label}: {e}"));
            None
        }
    }
}

/// The signature timestamp a CMS signature (`checked`) carries, if any, checked: its
/// imprint is the hash of the signature value, the TSA's signature verifies, its
/// certificate is for time-stamping (and, with `--trust`, chains to an anchor). `kind`
/// opens the report line ("PAdES B-T: "). One check for PDF signatures and a pack's
/// manifest signature.
pub(crate) fn signature_timestamp(
    checked: &cms::Checked,
    label: &str,
    kind: &str,
    options: &Options,
    report: &mut Report,
) -> Option<tsa::Token> {
    let token = checked.timestamp_token.as_ref()?;
    let what: [u8; 32] = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(
        &checked.signature_value,
    ))
    .into();
    match tsa::check(token, &what) {
        Ok(t) => {
            report.push(
                Outcome::Ok,
                format!(
                    "{label}: {kind}timestamp token by \"{}\" at {}: its imprint is the hash of the signature value, the TSA's signature verifies, its certificate is for time-stamping",
                    t.tsa_name(),
                    tsa::show_time(t.time)
                ),
            );
            check_tsa_chain(&t, label, options, report);
            Some(t)
        }
        Err(e) => {
            report.push(
                Outcome::Failed,
                format!("{label}: signature timestamp: {e}"),
            );
            None
        }
    }
}

/// The signer's certificate judged valid at `time`, the time that counts, said `when` ("at
/// the timestamp's time", "at the signing time"). One check for PDF signatures and a pack's
/// manifest signature.
pub(crate) fn signer_valid(
    cert: &x509_cert::Certificate,
    time: i64,
    when: &str,
    label: &str,
    report: &mut Report,
) {
    report.result(
        cms::valid_at(cert, time)
            .map(|_| {
                format!(
                    "{label}: certificate of \"{}\" valid {when}",
                    cms::common_name(cert)
                )
            })
            .map_err(|e| format!("{label}: {when}, {e}")),
    );
}

/// The signer's certificate chain to a trust anchor at `time` (`--trust`), or a line
/// saying it was not checked. One check for PDF signatures and a pack's manifest signature.
pub(crate) fn signer_chain(
    cert: &x509_cert::Certificate,
    certificates: &[x509_cert::Certificate],
    time: i64,
    label: &str,
    options: &Options,
    report: &mut Report,
) {
    if options.trust.is_empty() {
        report.push(
            Outcome::Skipped,
            format!("{label}: certificate chain not checked (give --trust ca.pem)"),
        );
        return;
    }
    report.result(
        cms::chain_to(cert, certificates, &options.trust, time)
            .map(|p| {
                format!(
                    "{label}: certificate chain {} ends at a trusted CA",
                    p.join(" → ")
                )
            })
            .map_err(|e| format!("{label}: {e}")),
    );
}

/// The chain of a token's TSA certificate to `--trust`, at the token's time.
fn check_tsa_chain(t: &tsa::Token, label: &str, options: &Options, report: &mut Report) {
    if options.trust.is_empty() {
        report.push(
            Outcome::Skipped,
            format!("{label}: the TSA's certificate chain not checked (give --trust ca.pem)"),
        );
        return;
    }
    report.result(
        cms::chain_to(&t.tsa, &t.certificates, &options.trust, t.time)
            .map(|p| {
                format!(
                    "{label}: the TSA's chain {} ends at a trusted CA",
                    p.join(" → ")
                )
            })
            .map_err(|e| format!("{label}: the TSA's certificate: {e}")),
    );
}
