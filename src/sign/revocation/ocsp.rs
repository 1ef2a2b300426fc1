//! OCSP (RFC 6960) for [`super`]: a request for one certificate's status, and responses
//! read and checked, all as `x509-ocsp` types.
//!
//! A response counts only when it is `successful`, its BasicOCSPResponse's signature
//! verifies with the certificate's issuer or with a responder certificate the issuer signed
//! for `OCSPSigning` (carried in the response), and a SingleResponse names the certificate
//! by serial number and issuer key hash.

use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{ObjectIdentifier as Oid, OctetString};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    TbsRequest,
};

use crate::sign::cms;

const ID_PKIX_OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const ID_SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
const ID_CE_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");

/// An OCSP response read from somewhere.
#[derive(Debug, Clone)]
pub struct Response {
    /// Its DER bytes (the whole `OCSPResponse`, as a DSS holds it).
    pub der: Vec<u8>,
    basic: BasicOcspResponse,
    /// Where it came from.
    pub source: String,
}

/// What a response says of one certificate.
#[derive(Debug, Clone)]
pub struct Single {
    /// When the response was produced.
    pub produced: i64,
    /// When (and why) the certificate was revoked, if it was.
    pub revoked: Option<(i64, Option<String>)>,
}

impl Response {
    /// Reads a DER `OCSPResponse` that came from `source`; only a successful, basic one.
    pub fn parse(der: &[u8], source: &str) -> Result<Response, String> {
        let r = OcspResponse::from_der(der)
            .map_err(|e| format!("{source}: not an OCSP response ({e})"))?;
        if r.response_status != OcspResponseStatus::Successful {
            return Err(format!(
                "{source}: the OCSP responder answered {:?}",
                r.response_status
            ));
        }
        let bytes = r
            .response_bytes
            .ok_or_else(|| format!("{source}: an OCSP response without a response"))?;
        if bytes.response_type != ID_PKIX_OCSP_BASIC {
            return Err(format!("{source}: not a basic OCSP response"));
        }
        let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
            .map_err(|e| format!("{source}: unreadable basic OCSP response ({e})"))?;
        Ok(Response {
            der: der.to_vec(),
            basic,
            source: source.to_owned(),
        })
    }

    /// When it was produced, in seconds since the epoch.
    pub fn produced(&self) -> i64 {
        self.basic
            .tbs_response_data
            .produced_at
            .0
            .to_unix_duration()
            .as_secs() as i64
    }

    /// How it is named in messages.
    pub fn describe(&self) -> String {
        format!(
            "the OCSP response produced {} ({})",
            super::show(self.produced()),
            self.source
        )
    }

    /// Certificates carried in the response (a delegated responder's).
    pub fn certificates(&self) -> Vec<Certificate> {
        self.basic.certs.clone().unwrap_or_default()
    }

    /// What it says of `cert`, if it speaks of it and is signed by `issuer` (or a
    /// responder `issuer` delegated to).
    pub fn about(&self, cert: &Certificate, issuer: &Certificate) -> Option<Single> {
        if !self.signed_for(issuer) {
            return None;
        }
        let single = self
            .basic
            .tbs_response_data
            .responses
            .iter()
            .find(|s| names(&s.cert_id, cert, issuer))?;
        let revoked = match &single.cert_status {
            CertStatus::Good(_) => None,
            CertStatus::Revoked(info) => Some((
                info.revocation_time.0.to_unix_duration().as_secs() as i64,
                info.revocation_reason.map(|r| format!("{r:?}")),
            )),
            CertStatus::Unknown(_) => return None,
        };
        Some(Single {
            produced: self.produced(),
            revoked,
        })
    }

    fn signed_for(&self, issuer: &Certificate) -> bool {
        let Ok(tbs) = self.basic.tbs_response_data.to_der() else {
            return false;
        };
        let by = |c: &Certificate| {
            cms::verify_signature(
                c,
                &self.basic.signature_algorithm.oid,
                &tbs,
                self.basic.signature.raw_bytes(),
            )
            .is_ok()
        };
        by(issuer)
            || self.certificates().iter().any(|c| {
                ocsp_signing(c)
                    && super::issuer_of(c, std::slice::from_ref(issuer)).is_some()
                    && by(c)
            })
    }
}

/// Whether a CertId names `cert` issued by `issuer`.
fn names(id: &CertId, cert: &Certificate, issuer: &Certificate) -> bool {
    if id.serial_number != cert.tbs_certificate.serial_number {
        return false;
    }
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let hash: Vec<u8> = if id.hash_algorithm.oid == ID_SHA1 {
        Sha1::digest(key).to_vec()
    } else if id.hash_algorithm.oid == ID_SHA256 {
        Sha256::digest(key).to_vec()
    } else {
        return false;
    };
    id.issuer_key_hash.as_bytes() == hash.as_slice()
}

fn ocsp_signing(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_EXT_KEY_USAGE)
        .and_then(|e| ExtendedKeyUsage::from_der(e.extn_value.as_bytes()).ok())
        .is_some_and(|u| u.0.contains(&ID_KP_OCSP_SIGNING))
}

/// The DER `OCSPRequest` for `cert` issued by `issuer` (CertId with SHA-1, as RFC 5019
/// responders expect; no nonce, so that a responder may answer from its cache).
pub fn request(cert: &Certificate, issuer: &Certificate) -> Result<Vec<u8>, String> {
    let name = issuer
        .tbs_certificate
        .subject
        .to_der()
        .map_err(|e| e.to_string())?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    let octets = |b: &[u8]| OctetString::new(b.to_vec()).map_err(|e| e.to_string());
    let id = CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA1,
            parameters: Some(x509_cert::der::Any::from(x509_cert::der::asn1::Null)),
        },
        issuer_name_hash: octets(&Sha1::digest(&name))?,
        issuer_key_hash: octets(&Sha1::digest(key))?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    };
    OcspRequest {
        tbs_request: TbsRequest {
            version: Default::default(),
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id,
                single_request_extensions: None,
            }],
            request_extensions: None,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(|e| e.to_string())
}
