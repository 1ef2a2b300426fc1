//! Sign stage, after signing (`annex ltv`, PAdES B-LT): the validation data every signature
//! and timestamp of a file needs to be validated offline years later, appended in one
//! incremental update as a `/DSS` (document security store, ISO 32000-2 §12.8.4.3) with
//! `/Certs`, `/CRLs`, `/OCSPs` and a `/VRI` entry per signature; and [`timestamp`], the
//! document timestamp over all of it (B-LTA).
//!
//! What is needed: for each signature, its signer's certificate and, for a B-T one, its
//! TSA's; for each document timestamp, its TSA's; each with its path of issuers (from the
//! file, the existing DSS and `--trust`) up to a self-signed certificate, and for each
//! certificate on a path that is not self-signed, the CRLs and OCSP responses its issuer
//! signed about it: given offline (`--crl`, `--ocsp`), already in the DSS, or fetched from
//! the certificate's CRL distribution points and OCSP URL ([`revocation::fetch`]).
//!
//! Invariants:
//! - Each certificate's status is judged at the time that counts for it (a B-T
//!   signature's token time, else its claimed `/M`; a token's time): a certificate revoked
//!   then is reported [`Status::Revoked`] naming the CRL or OCSP response, and the command
//!   writes nothing.
//! - A certificate that names a revocation source but for which none could be had fails
//!   the whole (`Invalid`, naming the certificate and the URL): no B-LT file that lacks
//!   what B-LT promises. One that names none (a test certificate) is reported so.
//! - The update only adds: the `/DSS` and its streams, and the catalogue with `/DSS`; an
//!   existing DSS's entries are kept, a datum already there is not added twice. Same file
//!   and same data → same bytes.

pub mod timestamp;

use std::collections::BTreeMap;

use anyhow::Context as _;
use hayro_syntax::object::{Dict, Object};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};
use x509_cert::Certificate;

use super::revocation::{self, ocsp, Crl, Status};
use super::values::{entry, items, resolve};
use super::{cms, tsa};
use crate::error::Invalid;
use crate::pdf::file::{self, PdfFile};

/// What `annex ltv` is given.
#[derive(Debug, Default, Clone)]
pub struct Options {
    /// Certificates to complete paths with (the CAs'), besides those in the file.
    pub trust: Vec<Certificate>,
    /// CRLs given offline.
    pub crls: Vec<Crl>,
    /// OCSP responses given offline.
    pub ocsps: Vec<ocsp::Response>,
    /// Whether to fetch what the offline data do not cover from the certificates' URLs.
    pub fetch: bool,
}

/// The validation data a file holds in its `/DSS`.
#[derive(Debug, Default, Clone)]
pub struct Dss {
    /// `/Certs`.
    pub certs: Vec<Certificate>,
    /// `/CRLs`.
    pub crls: Vec<Crl>,
    /// `/OCSPs`.
    pub ocsps: Vec<ocsp::Response>,
}

/// Reads the `/DSS` of the document's last revision (unreadable items are skipped: they
/// then count as absent).
pub fn read_dss(doc: &PdfFile) -> Dss {
    let mut dss = Dss::default();
    let Some(cat) = doc.catalog() else { return dss };
    let Some(Object::Dict(d)) = entry(doc, &cat, "DSS") else {
        return dss;
    };
    for data in streams(doc, &d, "Certs") {
        if let Ok(c) = Certificate::from_der(&data) {
            dss.certs.push(c);
        }
    }
    for (i, data) in streams(doc, &d, "CRLs").into_iter().enumerate() {
        if let Ok(c) = Crl::parse(&data, &format!("the file's DSS, CRL {}", i + 1)) {
            dss.crls.push(c);
        }
    }
    for (i, data) in streams(doc, &d, "OCSPs").into_iter().enumerate() {
        if let Ok(r) = ocsp::Response::parse(&data, &format!("the file's DSS, OCSP {}", i + 1)) {
            dss.ocsps.push(r);
        }
    }
    dss
}

fn streams(doc: &PdfFile, d: &Dict<'_>, key: &str) -> Vec<Vec<u8>> {
    items(doc, d, key)
        .into_iter()
        .filter_map(|v| match resolve(doc, v) {
            Some(Object::Stream(s)) => file::decode(&s, revocation::MAX_BYTES as usize).ok(),
            _ => None,
        })
        .collect()
}

/// A certificate the file's signatures rely on, and its status when it counted.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Whose: "signature 1 (Name)", "the TSA of signature 1", "document timestamp 1".
    pub what: String,
    /// The certificate.
    pub cert: Certificate,
    /// Its status at `at`.
    pub status: Status,
    /// The time that counts.
    pub at: i64,
    /// Whether it names where its status is published (CRL distribution point, OCSP URL).
    pub has_sources: bool,
}

/// What [`add`] made.
#[derive(Debug)]
pub struct Added {
    /// The file with the update appended.
    pub bytes: Vec<u8>,
    /// Every certificate judged (signers, TSAs and their issuers, self-signed ones aside).
    pub judged: Vec<Judged>,
    /// How many certificates, CRLs and OCSP responses the update adds.
    pub added: (usize, usize, usize),
}

/// The DER of the certificates, CRLs and OCSP responses one signature or timestamp needs.
type Needs = (Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<Vec<u8>>);

/// A signature or timestamp of the file, as far as validation data go.
struct Subject {
    /// The signer's or the TSA's certificate, and when it counted.
    certs: Vec<(String, Certificate, i64)>,
    /// Every certificate carried with it (CMS and token certificates).
    carried: Vec<Certificate>,
    /// Its `/Contents` (the VRI key is their SHA-1).
    contents: Vec<u8>,
}

fn subjects(bytes: &[u8], doc: &PdfFile, label: &str) -> anyhow::Result<Vec<Subject>> {
    let (mut n_sig, mut n_ts) = (0, 0);
    let mut out = Vec::new();
    let unreadable =
        |what: &str, e: String| Invalid::input(format!("{label}: {what} cannot be read: {e}"));
    for sig in doc.signatures() {
        let digest = super::range_digest(bytes, &sig.byte_range)
            .ok_or_else(|| unreadable(&sig.name, "its /ByteRange is not in the file".into()))?;
        if sig.doc_timestamp || sig.sub_filter.as_deref() == Some("ETSI.RFC3161") {
            n_ts += 1;
            let what = format!("document timestamp {n_ts}");
            let t = tsa::check(&sig.contents, &digest).map_err(|e| unreadable(&what, e))?;
            out.push(Subject {
                certs: vec![(format!("{what}'s TSA"), t.tsa.clone(), t.time)],
                carried: t.certificates,
                contents: sig.contents,
            });
            continue;
        }
        n_sig += 1;
        let what = format!(
            "signature {n_sig} ({})",
            sig.signer.as_deref().unwrap_or("unnamed")
        );
        let checked = cms::check(&sig.contents, &digest).map_err(|e| unreadable(&what, e))?;
        let signer = checked
            .signer
            .clone()
            .ok_or_else(|| unreadable(&what, "the signer's certificate is not in it".into()))?;
        let mut carried = checked.certificates.clone();
        let mut certs = Vec::new();
        let token = checked.timestamp_token.as_ref().map(|token| {
            let value: [u8; 32] = Sha256::digest(&checked.signature_value).into();
            tsa::check(token, &value)
        });
        let time = match token {
            Some(Ok(t)) => {
                carried.extend(t.certificates.iter().cloned());
                certs.push((format!("the TSA of {what}"), t.tsa.clone(), t.time));
                t.time
            }
            Some(Err(e)) => return Err(unreadable(&format!("{what}'s timestamp"), e)),
            None => sig
                .time
                .as_deref()
                .and_then(super::parse_pdf_date)
                .ok_or_else(|| unreadable(&what, "it has no signing time (/M)".into()))?,
        };
        certs.insert(0, (what.clone(), signer, time));
        out.push(Subject {
            certs,
            carried,
            contents: sig.contents,
        });
    }
    Ok(out)
}

/// Appends the validation data of every signature and timestamp of `bytes` (`label`
/// names the file in messages). Fails (`Invalid`) on a file without signatures, a
/// signature that cannot be read, an issuer not found, or revocation data that cannot be
/// had; a revoked certificate is not a failure here but a [`Judged`] the caller refuses.
pub fn add(bytes: &[u8], label: &str, options: &Options) -> anyhow::Result<Added> {
    let doc = PdfFile::open(bytes).map_err(|e| Invalid::input(format!("{label}: {e}")))?;
    let subjects = subjects(bytes, &doc, label)?;
    if subjects.is_empty() {
        return Err(Invalid::input(format!(
            "{label} has no signature: sign it first (annex sign), then add validation data"
        )));
    }
    let existing = read_dss(&doc);
    let mut crls: Vec<Crl> = options.crls.clone();
    crls.extend(existing.crls.iter().cloned());
    let mut ocsps: Vec<ocsp::Response> = options.ocsps.clone();
    ocsps.extend(existing.ocsps.iter().cloned());
    let mut fetched: BTreeMap<String, Result<(), String>> = BTreeMap::new();
    let mut judged = Vec::new();
    // Per subject: the DER of every certificate, CRL and OCSP response it needs.
    let mut needs: Vec<Needs> = Vec::new();
    for s in &subjects {
        let mut pool = s.carried.clone();
        pool.extend(options.trust.iter().cloned());
        pool.extend(existing.certs.iter().cloned());
        for r in &ocsps {
            pool.extend(r.certificates());
        }
        let (mut c_der, mut crl_der, mut ocsp_der) = (Vec::new(), Vec::new(), Vec::new());
        for (what, cert, at) in &s.certs {
            let path = revocation::path(cert, &pool);
            for (i, c) in path.iter().enumerate() {
                c_der.push(c.to_der()?);
                let Some(issuer) = path.get(i + 1) else {
                    if !revocation::self_signed(c) {
                        return Err(Invalid::input(format!(
                            "{label}: the issuer of \"{}\" ({what}) is neither in the file nor given: add its CA certificate with --trust",
                            cms::common_name(c)
                        )));
                    }
                    break;
                };
                let whose = if i == 0 {
                    what.clone()
                } else {
                    format!("{what}'s issuer")
                };
                let mut status = revocation::status(c, issuer, &crls, &ocsps, *at);
                let stale = !revocation::fresh(c, issuer, &crls, &ocsps, *at);
                if options.fetch && (status == Status::Unknown || stale) {
                    let mut errors = Vec::new();
                    for url in revocation::crl_urls(c) {
                        let r = fetched.entry(url.clone()).or_insert_with(|| {
                            revocation::fetch(&url, None)
                                .and_then(|b| Crl::parse(&b, &url))
                                .map(|crl| crls.push(crl))
                        });
                        if let Err(e) = r {
                            errors.push(e.clone());
                        }
                    }
                    status = revocation::status(c, issuer, &crls, &ocsps, *at);
                    if status == Status::Unknown
                        || !revocation::fresh(c, issuer, &crls, &ocsps, *at)
                    {
                        for url in revocation::ocsp_urls(c) {
                            let got = ocsp::request(c, issuer)
                                .and_then(|q| revocation::fetch(&url, Some(&q)))
                                .and_then(|b| ocsp::Response::parse(&b, &url));
                            match got {
                                Ok(r) => ocsps.push(r),
                                Err(e) => errors.push(e),
                            }
                        }
                        status = revocation::status(c, issuer, &crls, &ocsps, *at);
                    }
                    if status == Status::Unknown && !errors.is_empty() {
                        return Err(Invalid::input(format!(
                            "{label}: no revocation data for \"{}\" ({whose}): {}; give them with --crl FILE or --ocsp FILE",
                            cms::common_name(c),
                            errors.join("; ")
                        )));
                    }
                }
                let has_sources = revocation::has_sources(c);
                if status == Status::Unknown && has_sources {
                    return Err(Invalid::input(format!(
                        "{label}: no revocation data for \"{}\" ({whose}) among those given{}",
                        cms::common_name(c),
                        if options.fetch {
                            ""
                        } else {
                            " (--offline: give them with --crl FILE or --ocsp FILE)"
                        }
                    )));
                }
                for crl in crls.iter().filter(|crl| crl.signed_by(issuer)) {
                    crl_der.push(crl.der.clone());
                }
                for r in ocsps.iter().filter(|r| r.about(c, issuer).is_some()) {
                    ocsp_der.push(r.der.clone());
                    c_der.extend(r.certificates().iter().filter_map(|c| c.to_der().ok()));
                }
                judged.push(Judged {
                    what: whose,
                    cert: c.clone(),
                    status,
                    at: *at,
                    has_sources,
                });
            }
        }
        needs.push((c_der, crl_der, ocsp_der));
    }
    let (out, added) = write_dss(bytes, &doc, &subjects, &needs, &existing)
        .with_context(|| format!("cannot add validation data to {label}"))?;
    Ok(Added {
        bytes: out,
        judged,
        added,
    })
}

/// A stream object holding `der`.
fn stream(der: &[u8]) -> Vec<u8> {
    let mut out = format!("<</Length {}>>stream\n", der.len()).into_bytes();
    out.extend(der);
    out.extend(b"\nendstream");
    out
}

/// The update: new streams for the data not yet in the DSS, the DSS with the existing
/// entries and the new ones, a VRI per signature, and the catalogue pointing at it.
fn write_dss(
    bytes: &[u8],
    doc: &PdfFile,
    subjects: &[Subject],
    needs: &[Needs],
    existing: &Dss,
) -> anyhow::Result<(Vec<u8>, (usize, usize, usize))> {
    let trailer = file::last_trailer(bytes).map_err(anyhow::Error::msg)?;
    let mut next = trailer.size;
    let mut objects: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    // The DSS's existing arrays, kept as written (references stay references).
    let cat = doc.catalog().context("no document catalogue")?;
    let old = match entry(doc, &cat, "DSS") {
        Some(Object::Dict(d)) => Some(d),
        _ => None,
    };
    let kept = |key: &str| -> Vec<String> {
        old.as_ref()
            .map(|d| items(doc, d, key).iter().map(file::serialise).collect())
            .unwrap_or_default()
    };
    let existing_der: [Vec<Vec<u8>>; 3] = [
        existing
            .certs
            .iter()
            .filter_map(|c| c.to_der().ok())
            .collect(),
        existing.crls.iter().map(|c| c.der.clone()).collect(),
        existing.ocsps.iter().map(|r| r.der.clone()).collect(),
    ];
    let dss_n = next;
    next += 1;
    let mut arrays: [Vec<String>; 3] = [kept("Certs"), kept("CRLs"), kept("OCSPs")];
    let mut added = [0usize; 3];
    // DER → the reference of its new stream.
    let mut refs: [BTreeMap<Vec<u8>, i64>; 3] = Default::default();
    let mut vri = String::new();
    for (s, need) in subjects.iter().zip(needs) {
        let mut lists: [Vec<String>; 3] = Default::default();
        for (k, ders) in [&need.0, &need.1, &need.2].into_iter().enumerate() {
            for der in ders {
                if existing_der[k].contains(der) {
                    continue;
                }
                let n = *refs[k].entry(der.clone()).or_insert_with(|| {
                    let n = next;
                    next += 1;
                    objects.insert(n, stream(der));
                    arrays[k].push(format!("{n} 0 R"));
                    added[k] += 1;
                    n
                });
                let r = format!("{n} 0 R");
                if !lists[k].contains(&r) {
                    lists[k].push(r);
                }
            }
        }
        let key = crate::digest::hex(&Sha1::digest(&s.contents)).to_uppercase();
        vri.push_str(&format!(
            "/{key}<</Cert[{}]/CRL[{}]/OCSP[{}]>>",
            lists[0].join(" "),
            lists[1].join(" "),
            lists[2].join(" ")
        ));
    }
    // VRI entries of signatures already there are kept unless written again.
    if let Some(Object::Dict(old_vri)) = old.as_ref().and_then(|d| entry(doc, d, "VRI")) {
        for (k, v) in old_vri.entries() {
            let k = k.as_str().to_owned();
            if !vri.contains(&format!("/{k}<<")) {
                vri.push_str(&format!("{}{}", file::name(&k), file::serialise(&v)));
            }
        }
    }
    objects.insert(
        dss_n,
        format!(
            "<</Type/DSS/Certs[{}]/CRLs[{}]/OCSPs[{}]/VRI<<{vri}>>>>",
            arrays[0].join(" "),
            arrays[1].join(" "),
            arrays[2].join(" ")
        )
        .into_bytes(),
    );
    let root = doc.root_ref();
    let (entries, _) = doc
        .dict_entries(root, &["DSS"], "")
        .context("cannot read the document catalogue")?;
    let mut cat = String::from("<<");
    for (k, v) in &entries {
        cat.push_str(&file::name(k));
        cat.push(' ');
        cat.push_str(v);
    }
    cat.push_str(&format!("/DSS {dss_n} 0 R>>"));
    objects.insert(root.obj_number as i64, cat.into_bytes());
    Ok((
        file::append_update(bytes, &objects, &trailer),
        (added[0], added[1], added[2]),
    ))
}
