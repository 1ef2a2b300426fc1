//! Sign stage (PAdES B-T) and `verify`: RFC 3161 timestamps, asked of a time-stamping
//! authority (TSA) over HTTP and checked.
//!
//! A B-T signature carries, in its SignerInfo's unsigned attribute
//! id-aa-signatureTimeStampToken, a token whose message imprint is the SHA-256 of the
//! signature value: it proves the signature existed at the token's time, which the signer
//! cannot choose. A document timestamp (`/Type /DocTimeStamp`, B-LTA) is the same token
//! over a byte range of the file instead.
//!
//! Invariants:
//! - All ASN.1 goes through RustCrypto's `x509-tsp` and `cms` types: no DER is written or
//!   read by hand here.
//! - A request carries a SHA-256 imprint, a fresh random nonce and certReq; a response is
//!   accepted only if granted, with a token whose imprint and nonce are the request's and
//!   which [`check`] accepts: a TSA that answers something else is an error, never a token
//!   written into a signature.
//! - [`check`] accepts a token only if its imprint is the expected SHA-256, the TSA's CMS
//!   signature verifies over the TSTInfo (with [`cms`](super::cms)'s algorithm rules: SHA-1
//!   and RSA under 2048 bits refused), and the TSA's certificate is for time-stamping
//!   (extended key usage `timeStamping`). The chain to a trust anchor is the caller's
//!   check (`verify --trust`), at the token's time.
//! - One request, one bounded wait ([`TIMEOUT`]); the answer is read within
//!   [`MAX_RESPONSE_BYTES`].

use std::time::Duration;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{Int, ObjectIdentifier as Oid, OctetString};
use x509_cert::der::{Any, Decode, Encode};
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::spki::AlgorithmIdentifier;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

use super::cms as sigcms;

/// How long a TSA may take to answer (connection and response).
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The largest TSA response read: a token with its certificates is a few KiB.
pub const MAX_RESPONSE_BYTES: u64 = 256 * 1024;

const ID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
const ID_CE_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");

/// A checked timestamp token.
#[derive(Debug, Clone)]
pub struct Token {
    /// The time the TSA vouches for, in seconds since the epoch.
    pub time: i64,
    /// The TSA's certificate.
    pub tsa: Certificate,
    /// Every certificate embedded in the token.
    pub certificates: Vec<Certificate>,
}

impl Token {
    /// The TSA's name (its certificate's common name).
    pub fn tsa_name(&self) -> String {
        sigcms::common_name(&self.tsa)
    }
}

fn imprint(digest: &[u8; 32]) -> Result<MessageImprint, String> {
    Ok(MessageImprint {
        hash_algorithm: AlgorithmIdentifier {
            oid: ID_SHA256,
            parameters: None,
        },
        hashed_message: OctetString::new(digest.to_vec()).map_err(|e| e.to_string())?,
    })
}

/// The DER `TimeStampReq` for `digest` (SHA-256 of what is timestamped), with `nonce`
/// and certReq (the token then carries the TSA's certificate, which `verify` needs).
pub fn request(digest: &[u8; 32], nonce: &[u8; 8]) -> Result<Vec<u8>, String> {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: imprint(digest)?,
        req_policy: None,
        nonce: Some(Int::new(&positive(nonce)).map_err(|e| e.to_string())?),
        cert_req: true,
        extensions: None,
    }
    .to_der()
    .map_err(|e| e.to_string())
}

/// A big-endian unsigned value as a positive DER INTEGER's content.
fn positive(bytes: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if out.first().is_none_or(|b| b & 0x80 != 0) {
        out.insert(0, 0);
    }
    out
}

/// Asks the TSA at `url` (plain `http://`: a token is signed, so it needs no secure
/// channel) for a token over `digest`, and checks it. Returns the token's DER
/// `ContentInfo` and what [`check`] found.
pub fn fetch(url: &str, digest: &[u8; 32]) -> Result<(Vec<u8>, Token), String> {
    // Messages never show a password the URL carries (basic authentication).
    let shown = crate::diag::shown_url(url);
    if !url.starts_with("http://") {
        return Err(format!(
            "the TSA URL {shown} is not http:// (a timestamp token is signed by the TSA, so plain HTTP is how TSAs are reached; https is not supported)"
        ));
    }
    let mut nonce = [0u8; 8];
    getrandom(&mut nonce)?;
    let body = request(digest, &nonce)?;
    let answer = super::http::exchange(
        url,
        Some(("application/timestamp-query", &body)),
        TIMEOUT,
        MAX_RESPONSE_BYTES,
    )
    .map_err(|e| format!("the TSA at {e}"))?;
    let resp = TimeStampResp::from_der(&answer)
        .map_err(|e| format!("the TSA at {shown} answered no timestamp response: {e}"))?;
    // PKIStatus: granted (0) or grantedWithMods (1).
    let status = resp.status.status as u8;
    if status > 1 {
        return Err(format!(
            "the TSA at {shown} refused the request (status {status}{})",
            resp.status
                .status_string
                .as_ref()
                .and_then(|s| s.iter().next().map(|t| format!(": {}", t.as_str())))
                .unwrap_or_default()
        ));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| format!("the TSA at {shown} granted the request but sent no token"))?;
    let der = token.to_der().map_err(|e| e.to_string())?;
    let (checked, info) = check_info(&der, digest)?;
    let want = Int::new(&positive(&nonce)).map_err(|e| e.to_string())?;
    if info.nonce.as_ref() != Some(&want) {
        return Err(format!(
            "the TSA at {shown} answered with another nonce: not an answer to this request"
        ));
    }
    Ok((der, checked))
}

fn getrandom(out: &mut [u8]) -> Result<(), String> {
    use rsa::rand_core::{OsRng, RngCore};
    OsRng
        .try_fill_bytes(out)
        .map_err(|e| format!("no randomness for the nonce: {e}"))
}

/// Checks the DER timestamp token `der` (trailing zero padding allowed, as in a
/// `/Contents`) against `digest`, the SHA-256 of what it should timestamp.
pub fn check(der: &[u8], digest: &[u8; 32]) -> Result<Token, String> {
    check_info(der, digest).map(|(t, _)| t)
}

fn check_info(der: &[u8], digest: &[u8; 32]) -> Result<(Token, TstInfo), String> {
    let der = sigcms::trim_der(der).ok_or("the timestamp token is not DER")?;
    let info = ContentInfo::from_der(der).map_err(|e| format!("unreadable token: {e}"))?;
    let sd: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("the token is not SignedData: {e}"))?;
    if sd.encap_content_info.econtent_type != ID_CT_TST_INFO {
        return Err("the token does not hold a TSTInfo".into());
    }
    let content: &Any = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or("the token's TSTInfo is missing")?;
    let tst_der = content
        .decode_as::<OctetString>()
        .map_err(|e| format!("unreadable TSTInfo: {e}"))?;
    let tst =
        TstInfo::from_der(tst_der.as_bytes()).map_err(|e| format!("unreadable TSTInfo: {e}"))?;
    if tst.message_imprint.hash_algorithm.oid != ID_SHA256 {
        return Err(format!(
            "the token's imprint uses {} (SHA-256 only)",
            tst.message_imprint.hash_algorithm.oid
        ));
    }
    if tst.message_imprint.hashed_message.as_bytes() != digest {
        return Err("the token's imprint is not the hash of what it should timestamp".into());
    }
    let signed = Sha256::digest(tst_der.as_bytes());
    let checked = sigcms::check_signed_data(&sd, signed.as_slice().try_into().unwrap_or(&[0; 32]))?;
    checked
        .digest_ok
        .map_err(|e| format!("the TSA's signature: {e}"))?;
    checked
        .signature_ok
        .map_err(|e| format!("the TSA's signature: {e}"))?;
    let tsa = checked
        .signer
        .ok_or("the TSA's certificate is not in the token")?;
    if checked.binding_present {
        checked
            .cert_binding_ok
            .map_err(|e| format!("the TSA's certificate: {e}"))?;
    }
    time_stamping(&tsa)?;
    let time = tst.gen_time.to_unix_duration().as_secs() as i64;
    Ok((
        Token {
            time,
            tsa,
            certificates: checked.certificates,
        },
        tst,
    ))
}

/// Whether `cert` may issue timestamps: its extended key usage names `timeStamping`.
fn time_stamping(cert: &Certificate) -> Result<(), String> {
    let eku = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == ID_CE_EXT_KEY_USAGE)
        .ok_or_else(|| {
            format!(
                "the TSA's certificate \"{}\" has no extended key usage (timeStamping required)",
                sigcms::common_name(cert)
            )
        })?;
    let usages = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes())
        .map_err(|e| format!("unreadable extended key usage: {e}"))?;
    if usages.0.contains(&ID_KP_TIME_STAMPING) {
        Ok(())
    } else {
        Err(format!(
            "the TSA's certificate \"{}\" is not for time-stamping (no timeStamping extended key usage)",
            sigcms::common_name(cert)
        ))
    }
}

/// The time a token vouches for, as shown in reports.
pub fn show_time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0).map_or(unix.to_string(), |t| {
        t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request is a DER TimeStampReq with the imprint, the nonce and certReq.
    #[test]
    fn a_request_carries_the_imprint_nonce_and_cert_req() {
        let digest = [7u8; 32];
        let der = request(&digest, &[0x80, 0, 0, 0, 0, 0, 0, 1]).unwrap();
        let req = TimeStampReq::from_der(&der).unwrap();
        assert_eq!(req.message_imprint.hashed_message.as_bytes(), &digest);
        assert_eq!(req.message_imprint.hash_algorithm.oid, ID_SHA256);
        assert!(req.cert_req);
        // A nonce with its top bit set stays positive.
        assert_eq!(
            req.nonce.unwrap().as_bytes(),
            &[0, 0x80, 0, 0, 0, 0, 0, 0, 1]
        );
    }

    #[test]
    fn an_https_url_is_refused_before_any_request() {
        let e = fetch("https://tsa.example/", &[0; 32]).unwrap_err();
        assert!(e.contains("not http://"), "{e}");
    }
}
