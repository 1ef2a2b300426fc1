//! Verify (part of [`super`]): long-term validation from what the file holds. Each
//! signer's and TSA's certificate, and their issuers', judged against the CRLs and OCSP
//! responses of the file's `/DSS` ([`crate::sign::ltv::read_dss`]) at the time that counts
//! (a signature timestamp's, else the claimed signing time); and, with `--at DATE`,
//! whether each signature would still validate then.
//!
//! Invariants: nothing is fetched (validation is offline, from the file); a certificate
//! revoked at or before the time that counts fails, naming the CRL or OCSP response; a
//! signature is B-LT only when every certificate of its paths that names a revocation
//! source has revocation data in the file.

use x509_cert::Certificate;

use super::{Options, Outcome, Report};
use crate::sign::ltv::Dss;
use crate::sign::revocation::{self, Status};
use crate::sign::tsa;

/// Judges `cert` (`what`: "signer", "TSA") and its issuers at `at`, by the DSS. Returns
/// whether every certificate that names a revocation source is covered (and none revoked).
#[allow(clippy::too_many_arguments)]
pub(super) fn revocation(
    label: &str,
    what: &str,
    cert: &Certificate,
    carried: &[Certificate],
    at: i64,
    options: &Options,
    dss: &Dss,
    report: &mut Report,
) -> bool {
    let pool = pool(carried, options, dss);
    let path = revocation::path(cert, &pool);
    let mut covered = true;
    for pair in path.windows(2) {
        let (c, issuer) = (&pair[0], &pair[1]);
        let status = revocation::status(c, issuer, &dss.crls, &dss.ocsps, at);
        match &status {
            Status::Revoked { .. } => {
                report.push(
                    Outcome::Failed,
                    format!(
                        "{label}: {what}: {} — before the time that counts ({})",
                        status.describe(c),
                        tsa::show_time(at)
                    ),
                );
                return false;
            }
            Status::Good { .. } => report.push(
                Outcome::Ok,
                format!("{label}: {what}: {}", status.describe(c)),
            ),
            Status::Unknown if revocation::has_sources(c) => {
                covered = false;
                if !dss.crls.is_empty() || !dss.ocsps.is_empty() {
                    report.push(
                        Outcome::Skipped,
                        format!(
                            "{label}: {what}: {} in the file (not B-LT: annex ltv adds it)",
                            status.describe(c)
                        ),
                    );
                }
            }
            Status::Unknown => {}
        }
    }
    covered
}

fn pool(carried: &[Certificate], options: &Options, dss: &Dss) -> Vec<Certificate> {
    let mut pool = carried.to_vec();
    pool.extend(dss.certs.iter().cloned());
    pool.extend(options.trust.iter().cloned());
    for r in &dss.ocsps {
        pool.extend(r.certificates());
    }
    pool
}

/// The earliest expiry (`notAfter`) on the path of `cert` (it and its issuers): until then,
/// what it signed can be validated.
pub(super) fn expiry(
    cert: &Certificate,
    carried: &[Certificate],
    options: &Options,
    dss: &Dss,
) -> i64 {
    revocation::path(cert, &pool(carried, options, dss))
        .iter()
        .map(|c| {
            c.tbs_certificate
                .validity
                .not_after
                .to_unix_duration()
                .as_secs() as i64
        })
        .min()
        .unwrap_or(i64::MIN)
}

/// `--at DATE`: whether a signature at `level` would still validate at `date`, given
/// `protector`, what protects it then (its name and the expiry of its certificate path).
pub(super) fn at_date(
    label: &str,
    level: &str,
    date: i64,
    protector: (&str, i64),
    report: &mut Report,
) {
    let (who, until) = protector;
    let day = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map_or(t.to_string(), |d| d.format("%Y-%m-%d").to_string())
    };
    let advice = match level {
        "B-LTA" => "add a new document timestamp with annex timestamp before then",
        "B-LT" | "B-T" => {
            "add validation data (annex ltv) and a document timestamp (annex timestamp) before then"
        }
        _ => "a B-B signature lives as long as its certificate: sign with --tsa, then annex ltv and annex timestamp",
    };
    if date <= until {
        report.push(
            Outcome::Ok,
            format!(
                "{label} at {}: still validates ({level}): {who} is valid until {} ({advice})",
                day(date),
                day(until)
            ),
        );
    } else {
        report.push(
            Outcome::Failed,
            format!(
                "{label} at {}: would no longer validate ({level}): {who} expired on {}; {advice}",
                day(date),
                day(until)
            ),
        );
    }
}
