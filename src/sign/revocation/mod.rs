//! Sign stage (`sign`, `ltv`) and `verify`: revocation data. A certificate's status at a
//! time, told by a CRL (RFC 5280) its issuer signed, or an OCSP response ([`ocsp`],
//! RFC 6960) its issuer or the issuer's delegated responder signed; and where a
//! certificate says to fetch them (its CRL distribution points, its authority information
//! access OCSP URL).
//!
//! Invariants:
//! - All ASN.1 goes through RustCrypto's `x509-cert` (CRLs, extensions) and `x509-ocsp`
//!   types: no DER is written or read by hand.
//! - Revocation data count only when their signature verifies with the certificate's
//!   issuer (a CRL) or the issuer or a responder it delegated to (OCSP); anything else is
//!   ignored as if absent, never taken as "good".
//! - A certificate is [`Status::Revoked`] for a time when a datum lists it revoked at or
//!   before that time; revoked later, it was good then (the signature was made before),
//!   which is reported with the date.
//! - Fetching is plain `http://` (CRLs and OCSP responses are signed, so the channel needs
//!   no protection), one bounded wait ([`TIMEOUT`]) and at most [`MAX_BYTES`] per answer.

pub mod ocsp;

use std::time::Duration;

use x509_cert::crl::CertificateList;
use x509_cert::der::asn1::ObjectIdentifier as Oid;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints, CrlReason};
use x509_cert::Certificate;

use super::cms;

/// How long a CRL or OCSP server may take to answer.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The largest CRL or OCSP response read (a large public CA's CRL is a few MiB).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

const ID_CE_CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
const ID_PE_AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
const ID_AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
const ID_CE_CRL_REASONS: Oid = Oid::new_unwrap("2.5.29.21");

/// A CRL read from somewhere, with where (for messages).
#[derive(Debug, Clone)]
pub struct Crl {
    /// Its DER bytes, as embedded.
    pub der: Vec<u8>,
    /// Parsed.
    pub list: CertificateList,
    /// Where it came from: "http://…/ca.crl", "revoked.crl", "the file's DSS (CRL 2)".
    pub source: String,
}

impl Crl {
    /// Reads a CRL (DER, or PEM `X509 CRL`) that came from `source`.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Crl, String> {
        let pem;
        let der = if bytes.starts_with(b"-----BEGIN") {
            pem = x509_cert::der::pem::decode_vec(bytes)
                .map_err(|e| format!("{source}: not a CRL ({e})"))?
                .1;
            &pem[..]
        } else {
            bytes
        };
        let list =
            CertificateList::from_der(der).map_err(|e| format!("{source}: not a CRL ({e})"))?;
        let der = list.to_der().map_err(|e| e.to_string())?;
        Ok(Crl {
            der,
            list,
            source: source.to_owned(),
        })
    }

    /// When it was issued (`thisUpdate`), in seconds since the epoch.
    pub fn issued(&self) -> i64 {
        self.list
            .tbs_cert_list
            .this_update
            .to_unix_duration()
            .as_secs() as i64
    }

    /// How it is named in messages: issuer, date and where it came from.
    pub fn describe(&self) -> String {
        format!(
            "the CRL of \"{}\" issued {} ({})",
            name_of(&self.list.tbs_cert_list.issuer),
            show(self.issued()),
            self.source
        )
    }

    /// Whether `issuer` signed it.
    pub fn signed_by(&self, issuer: &Certificate) -> bool {
        self.list.tbs_cert_list.issuer == issuer.tbs_certificate.subject
            && self.list.tbs_cert_list.to_der().is_ok_and(|tbs| {
                cms::verify_signature(
                    issuer,
                    &self.list.signature_algorithm.oid,
                    &tbs,
                    self.list.signature.raw_bytes(),
                )
                .is_ok()
            })
    }

    /// When (and why) it lists `cert` as revoked, if it does.
    fn entry(&self, cert: &Certificate) -> Option<(i64, Option<String>)> {
        self.list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number == cert.tbs_certificate.serial_number)
            .map(|r| {
                let reason = r
                    .crl_entry_extensions
                    .iter()
                    .flatten()
                    .find(|e| e.extn_id == ID_CE_CRL_REASONS)
                    .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                    .map(|r| format!("{r:?}"));
                (
                    r.revocation_date.to_unix_duration().as_secs() as i64,
                    reason,
                )
            })
    }
}

/// A certificate's status at a time, and what says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not revoked then (`by` names the CRL or OCSP response; `later` the revocation date
    /// when it was revoked after that time).
    Good {
        /// What says so.
        by: String,
        /// When it was revoked, after the time asked about.
        later: Option<i64>,
    },
    /// Revoked at or before the time asked about.
    Revoked {
        /// When.
        at: i64,
        /// Why (the CRL reason code), if said.
        reason: Option<String>,
        /// What says so.
        by: String,
    },
    /// No revocation datum signed by its issuer speaks of it.
    Unknown,
}

impl Status {
    /// The status in words, for `cert`.
    pub fn describe(&self, cert: &Certificate) -> String {
        let who = cms::common_name(cert);
        match self {
            Status::Good { by, later: None } => format!("\"{who}\" is not revoked per {by}"),
            Status::Good {
                by,
                later: Some(at),
            } => format!(
                "\"{who}\" was revoked on {}, after the time that counts, per {by}",
                show(*at)
            ),
            Status::Revoked { at, reason, by } => format!(
                "\"{who}\" was revoked on {}{} per {by}",
                show(*at),
                reason.as_ref().map_or(String::new(), |r| format!(" ({r})"))
            ),
            Status::Unknown => format!("no revocation data for \"{who}\""),
        }
    }
}

/// The status of `cert` (issued by `issuer`) at `at`, by the CRLs and OCSP responses given.
/// A datum that revokes it wins over any that does not; else the newest good one.
pub fn status(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[Crl],
    responses: &[ocsp::Response],
    at: i64,
) -> Status {
    let mut good: Option<(i64, String, Option<i64>)> = None;
    let mut consider =
        |issued: i64, by: String, revoked: Option<(i64, Option<String>)>| match revoked {
            Some((when, reason)) if when <= at => Some(Status::Revoked {
                at: when,
                reason,
                by,
            }),
            later => {
                if good.as_ref().is_none_or(|(t, _, _)| issued > *t) {
                    good = Some((issued, by, later.map(|(w, _)| w)));
                }
                None
            }
        };
    for crl in crls.iter().filter(|c| c.signed_by(issuer)) {
        if let Some(s) = consider(crl.issued(), crl.describe(), crl.entry(cert)) {
            return s;
        }
    }
    for r in responses {
        let Some(single) = r.about(cert, issuer) else {
            continue;
        };
        if let Some(s) = consider(single.produced, r.describe(), single.revoked) {
            return s;
        }
    }
    match good {
        Some((_, by, later)) => Status::Good { by, later },
        None => Status::Unknown,
    }
}

/// Whether a CRL or OCSP response about `cert` (issued by `issuer`) was issued at or after
/// `at`: what a validator accepts as evidence about that time (pyHanko's AdES validation
/// wants revocation data fresher than the signature it is asked about).
pub fn fresh(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[Crl],
    responses: &[ocsp::Response],
    at: i64,
) -> bool {
    crls.iter().any(|c| c.issued() >= at && c.signed_by(issuer))
        || responses
            .iter()
            .any(|r| r.produced() >= at && r.about(cert, issuer).is_some())
}

/// The `http://` URLs of the certificate's CRL distribution points.
pub fn crl_urls(cert: &Certificate) -> Vec<String> {
    let Some(ext) = extension(cert, ID_CE_CRL_DISTRIBUTION_POINTS) else {
        return Vec::new();
    };
    let Ok(points) = CrlDistributionPoints::from_der(ext) else {
        return Vec::new();
    };
    points
        .0
        .iter()
        .filter_map(|p: &DistributionPoint| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(http_url)
        .collect()
}

/// The `http://` URLs of the certificate's OCSP responders (authority information access).
pub fn ocsp_urls(cert: &Certificate) -> Vec<String> {
    let Some(ext) = extension(cert, ID_PE_AUTHORITY_INFO_ACCESS) else {
        return Vec::new();
    };
    let Ok(aia) = AuthorityInfoAccessSyntax::from_der(ext) else {
        return Vec::new();
    };
    aia.0
        .iter()
        .filter(|a| a.access_method == ID_AD_OCSP)
        .filter_map(|a| http_url(&a.access_location))
        .collect()
}

/// Whether the certificate says where its revocation status is published.
pub fn has_sources(cert: &Certificate) -> bool {
    extension(cert, ID_CE_CRL_DISTRIBUTION_POINTS).is_some() || !ocsp_urls(cert).is_empty()
}

fn extension(cert: &Certificate, oid: Oid) -> Option<&[u8]> {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

fn http_url(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(u) if u.as_str().starts_with("http://") => {
            Some(u.as_str().to_owned())
        }
        _ => None,
    }
}

/// GETs `url` (a CRL), or POSTs `body` to it (an OCSP request), within [`TIMEOUT`] and
/// [`MAX_BYTES`].
pub fn fetch(url: &str, body: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let body = body.map(|b| ("application/ocsp-request", b));
    super::http::exchange(url, body, TIMEOUT, MAX_BYTES)
}

/// The certificate among `pool` that issued `cert` (its subject is `cert`'s issuer and its
/// key verifies `cert`'s signature); `None` for a self-signed certificate.
pub fn issuer_of<'a>(cert: &Certificate, pool: &'a [Certificate]) -> Option<&'a Certificate> {
    let tbs = cert.tbs_certificate.to_der().ok()?;
    pool.iter().find(|c| {
        *c != cert
            && c.tbs_certificate.subject == cert.tbs_certificate.issuer
            && cms::verify_signature(
                c,
                &cert.signature_algorithm.oid,
                &tbs,
                cert.signature.raw_bytes(),
            )
            .is_ok()
    })
}

/// Whether `cert` is self-signed (a root: nothing above it to say it is revoked).
pub fn self_signed(cert: &Certificate) -> bool {
    cert.tbs_certificate.subject == cert.tbs_certificate.issuer
        && cert.tbs_certificate.to_der().is_ok_and(|tbs| {
            cms::verify_signature(
                cert,
                &cert.signature_algorithm.oid,
                &tbs,
                cert.signature.raw_bytes(),
            )
            .is_ok()
        })
}

/// The certificate and its issuers found in `pool`, up to a self-signed one or one whose
/// issuer is not there (at most 8).
pub fn path(cert: &Certificate, pool: &[Certificate]) -> Vec<Certificate> {
    let mut out = vec![cert.clone()];
    while out.len() < 8 {
        match issuer_of(out.last().unwrap_or(cert), pool) {
            Some(i) if !out.contains(i) => out.push(i.clone()),
            _ => break,
        }
    }
    out
}

fn name_of(name: &x509_cert::name::Name) -> String {
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == Oid::new_unwrap("2.5.4.3") {
                if let Ok(s) = atv.value.decode_as::<String>() {
                    return s;
                }
            }
        }
    }
    name.to_string()
}

/// A time in reports.
pub fn show(unix: i64) -> String {
    super::tsa::show_time(unix)
}
