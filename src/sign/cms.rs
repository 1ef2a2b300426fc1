//! CMS detached signatures for PAdES B-B (ETSI EN 319 142-1): making them with a PEM key and
//! certificate, and checking them (signature math, certificate validity, chain to a trust
//! anchor), all with RustCrypto, no system library.
//!
//! A signature is a `SignedData` with no encapsulated content, one `SignerInfo` identified
//! by issuer and serial number, and the signed attributes PAdES B-B requires:
//! content-type (id-data), message-digest (SHA-256 of the signed byte ranges) and
//! signing-certificate-v2 (SHA-256 of the signer's certificate). No signing-time
//! attribute: PAdES puts the claimed time in the signature dictionary's `/M`.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use sha2::{Digest, Sha256};
use x509_cert::attr::Attribute;
use x509_cert::der::asn1::{ObjectIdentifier as Oid, OctetString, SetOfVec};
use x509_cert::der::{Any, Decode, DecodePem, Encode};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A): PAdES B-T's timestamp.
const ID_SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
const ID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
const ID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");

/// The smallest RSA modulus accepted, to sign or in a verified signature or chain: keys
/// under 2048 bits are factorable at a cost within reach (NIST SP 800-131A disallows them).
pub const MIN_RSA_BITS: usize = 2048;

/// Refuses an RSA key under [`MIN_RSA_BITS`].
fn rsa_size_ok(key: &impl rsa::traits::PublicKeyParts) -> Result<(), String> {
    let bits = key.n().bits();
    if bits < MIN_RSA_BITS {
        Err(format!(
            "the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        ))
    } else {
        Ok(())
    }
}

/// A private key that can sign.
pub enum SigningKey {
    /// ECDSA on P-256 with SHA-256.
    P256(p256::ecdsa::SigningKey),
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#1
    /// (`RSA PRIVATE KEY`). Encrypted keys are refused.
    pub fn from_pem(pem: &str) -> Result<SigningKey, String> {
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(
                "the key is encrypted; decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)"
                    .into(),
            );
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey::P256(k));
        }
        if let Ok(k) = p256::SecretKey::from_sec1_pem(pem) {
            return Ok(SigningKey::P256(k.into()));
        }
        let rsa_key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem));
        match rsa_key {
            Ok(k) => {
                rsa_size_ok(&k)?;
                Ok(SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(k))))
            }
            Err(_) => Err("not a PEM private key of a supported kind (ECDSA P-256 or RSA, PKCS#8, SEC1 or PKCS#1)".into()),
        }
    }

    /// The DER SubjectPublicKeyInfo of the public half.
    fn public_key_der(&self) -> Result<Vec<u8>, String> {
        use p256::pkcs8::EncodePublicKey;
        let doc = match self {
            SigningKey::P256(k) => k.verifying_key().to_public_key_der(),
            SigningKey::Rsa(k) => rsa::RsaPublicKey::from(k.as_ref().as_ref()).to_public_key_der(),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| e.to_string())
    }

    fn sign(&self, data: &[u8]) -> (AlgorithmIdentifierOwned, Vec<u8>) {
        match self {
            SigningKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k.sign(data);
                (alg(ECDSA_WITH_SHA256, false), sig.to_vec())
            }
            SigningKey::Rsa(k) => {
                let sig = k.sign(data);
                (alg(RSA_ENCRYPTION, true), sig.to_vec())
            }
        }
    }
}

fn alg(oid: Oid, null_params: bool) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: null_params.then(|| Any::from(x509_cert::der::asn1::Null)),
    }
}

/// Reads every certificate of a PEM file.
pub fn certs_from_pem(pem: &str) -> Result<Vec<Certificate>, String> {
    let certs = Certificate::load_pem_chain(pem.as_bytes()).map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no certificate in the file".into());
    }
    Ok(certs)
}

/// The certificate's subject common name (or the whole subject).
pub fn common_name(cert: &Certificate) -> String {
    for rdn in cert.tbs_certificate.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == COMMON_NAME {
                if let Ok(s) = atv.value.decode_as::<String>() {
                    return s;
                }
                if let Ok(s) = atv
                    .value
                    .decode_as::<x509_cert::der::asn1::PrintableStringRef<'_>>()
                {
                    return s.to_string();
                }
            }
        }
    }
    cert.tbs_certificate.subject.to_string()
}

fn attribute(oid: Oid, value: Any) -> Result<Attribute, String> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(|e| e.to_string())?;
    Ok(Attribute { oid, values })
}

/// DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend(content);
    out
}

/// Asks for a timestamp token (DER `ContentInfo`) over the SHA-256 of the given signature
/// value: PAdES B-T ([`super::tsa::fetch`]).
pub type Timestamper<'a> = &'a dyn Fn(&[u8; 32]) -> Result<Vec<u8>, String>;

/// Makes the DER `ContentInfo` of a detached signature over content whose SHA-256 is
/// `digest`. `chain` certificates are embedded after the signer's. With `timestamp`, the
/// token it returns for the signature value goes in the unsigned attribute
/// id-aa-signatureTimeStampToken (B-T).
pub fn sign(
    digest: &[u8; 32],
    key: &SigningKey,
    cert: &Certificate,
    chain: &[Certificate],
    timestamp: Option<Timestamper<'_>>,
) -> Result<Vec<u8>, String> {
    let cert_spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    if key.public_key_der()? != cert_spki {
        return Err("the private key does not match the certificate".into());
    }
    let cert_der = cert.to_der().map_err(|e| e.to_string())?;
    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, with
    // ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING } (hash algorithm: default SHA-256).
    let ess = tlv(
        0x30,
        &tlv(0x30, &tlv(0x30, &tlv(0x04, &Sha256::digest(&cert_der)))),
    );
    let mut attrs = SetOfVec::new();
    for a in [
        attribute(ID_CONTENT_TYPE, Any::from(ID_DATA))?,
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec()).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?,
        )?,
        attribute(
            ID_SIGNING_CERTIFICATE_V2,
            Any::from_der(&ess).map_err(|e| e.to_string())?,
        )?,
    ] {
        attrs.insert(a).map_err(|e| e.to_string())?;
    }
    let signed = attrs.to_der().map_err(|e| e.to_string())?;
    let (signature_algorithm, signature) = key.sign(&signed);
    let unsigned_attrs = match timestamp {
        None => None,
        Some(stamp) => {
            let token = stamp(&Sha256::digest(&signature).into())?;
            let mut set = SetOfVec::new();
            set.insert(attribute(
                ID_SIGNATURE_TIME_STAMP_TOKEN,
                Any::from_der(&token).map_err(|e| format!("the timestamp token: {e}"))?,
            )?)
            .map_err(|e| e.to_string())?;
            Some(set)
        }
    };
    let signer = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: alg(ID_SHA256, false),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature).map_err(|e| e.to_string())?,
        unsigned_attrs,
    };
    let mut digests = SetOfVec::new();
    digests
        .insert(alg(ID_SHA256, false))
        .map_err(|e| e.to_string())?;
    let mut certificates = SetOfVec::new();
    for c in std::iter::once(cert).chain(chain) {
        // A certificate given twice (signer also in the chain file) is embedded once.
        let _ = certificates.insert(CertificateChoices::Certificate(c.clone()));
    }
    let mut signers = SetOfVec::new();
    signers.insert(signer).map_err(|e| e.to_string())?;
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: digests,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: None,
        },
        certificates: Some(cms::signed_data::CertificateSet(certificates)),
        crls: None,
        signer_infos: SignerInfos(signers),
    };
    let info = ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(|e| e.to_string())?,
    };
    info.to_der().map_err(|e| e.to_string())
}

/// What checking one CMS signature found.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The signer's certificate, when found.
    pub signer: Option<Certificate>,
    /// The message-digest attribute equals the digest of the signed bytes.
    pub digest_ok: Result<(), String>,
    /// The signature over the signed attributes verifies with the signer's key.
    pub signature_ok: Result<(), String>,
    /// The signing-certificate-v2 attribute names the signer's certificate.
    pub cert_binding_ok: Result<(), String>,
    /// Every certificate embedded in the signature.
    pub certificates: Vec<Certificate>,
    /// Whether the signed attributes carry signing-certificate-v2: PAdES requires it, a
    /// PKCS#7 (`adbe.pkcs7.detached`) signature may go without.
    pub binding_present: bool,
    /// The SignerInfo's signature value (what a signature timestamp's imprint hashes).
    pub signature_value: Vec<u8>,
    /// The unsigned attribute id-aa-signatureTimeStampToken (DER `ContentInfo`), if any.
    pub timestamp_token: Option<Vec<u8>>,
}

/// Checks a detached CMS signature (DER, trailing zero padding allowed) against the
/// SHA-256 `digest` of the signed content.
pub fn check(blob: &[u8], digest: &[u8; 32]) -> Result<Checked, String> {
    let blob = trim_der(blob).ok_or("the signature is not DER")?;
    let info = ContentInfo::from_der(blob).map_err(|e| format!("unreadable CMS: {e}"))?;
    if info.content_type != ID_SIGNED_DATA {
        return Err("the CMS is not SignedData".into());
    }
    let sd: SignedData = info
        .content
        .decode_as()
        .map_err(|e| format!("unreadable SignedData: {e}"))?;
    check_signed_data(&sd, digest)
}

/// Checks the first SignerInfo of `sd` against `digest`, the SHA-256 of the signed content
/// (detached, or the encapsulated content of a timestamp token).
pub fn check_signed_data(sd: &SignedData, digest: &[u8; 32]) -> Result<Checked, String> {
    let certificates: Vec<Certificate> = sd
        .certificates
        .iter()
        .flat_map(|s| s.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let si = sd.signer_infos.0.iter().next().ok_or("no SignerInfo")?;
    let signer = match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => certificates
            .iter()
            .find(|c| {
                c.tbs_certificate.issuer == ias.issuer
                    && c.tbs_certificate.serial_number == ias.serial_number
            })
            .cloned(),
        SignerIdentifier::SubjectKeyIdentifier(_) => certificates.first().cloned(),
    };
    let attrs = si.signed_attrs.as_ref().ok_or("no signed attributes")?;
    let find = |oid: Oid| {
        attrs
            .iter()
            .find(|a| a.oid == oid)
            .and_then(|a| a.values.iter().next())
    };
    let digest_ok = match find(ID_MESSAGE_DIGEST).map(|v| v.decode_as::<OctetString>()) {
        // SHA-1 has practical collisions (SHAttered, 2017): a SHA-1 signature proves nothing.
        _ if si.digest_alg.oid == ID_SHA1 => {
            Err("the digest algorithm is SHA-1, which is broken (collisions): refused".into())
        }
        _ if si.digest_alg.oid != ID_SHA256 => Err(format!(
            "unsupported digest algorithm {} (SHA-256 only)",
            si.digest_alg.oid
        )),
        Some(Ok(d)) if d.as_bytes() == digest => Ok(()),
        Some(Ok(_)) => Err("the signed bytes do not match the signed digest: the document was changed after signing".into()),
        _ => Err("no message-digest attribute".into()),
    };
    let cert_binding_ok = match (&signer, find(ID_SIGNING_CERTIFICATE_V2)) {
        (Some(cert), Some(v)) => {
            let hash = Sha256::digest(cert.to_der().map_err(|e| e.to_string())?);
            let der = v.to_der().map_err(|e| e.to_string())?;
            if der.windows(32).any(|w| w == hash.as_slice()) {
                Ok(())
            } else {
                Err("signing-certificate-v2 does not name the signer's certificate".into())
            }
        }
        (None, _) => Err("the signer's certificate is not in the signature".into()),
        (_, None) => Err("no signing-certificate-v2 attribute (not PAdES B-B)".into()),
    };
    let signature_ok = match &signer {
        None => Err("the signer's certificate is not in the signature".into()),
        Some(cert) => {
            let signed = attrs.to_der().map_err(|e| e.to_string())?;
            verify_with(
                cert,
                &si.signature_algorithm.oid,
                &signed,
                si.signature.as_bytes(),
            )
        }
    };
    let timestamp_token = si
        .unsigned_attrs
        .iter()
        .flat_map(|a| a.iter())
        .find(|a| a.oid == ID_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
        .map(|v| v.to_der().map_err(|e| e.to_string()))
        .transpose()?;
    Ok(Checked {
        signer,
        digest_ok,
        signature_ok,
        cert_binding_ok,
        binding_present: find(ID_SIGNING_CERTIFICATE_V2).is_some(),
        certificates,
        signature_value: si.signature.as_bytes().to_vec(),
        timestamp_token,
    })
}

/// The DER value at the start of `blob`, without the zero padding PDF signatures carry.
pub(crate) fn trim_der(blob: &[u8]) -> Option<&[u8]> {
    if blob.len() < 2 {
        return None;
    }
    let (len, header) = if blob[1] < 0x80 {
        (blob[1] as usize, 2)
    } else {
        let n = (blob[1] & 0x7f) as usize;
        if n == 0 || n > 4 || blob.len() < 2 + n {
            return None;
        }
        let len = blob[2..2 + n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, 2 + n)
    };
    blob.get(..header + len)
}

/// Verifies `signature` over `data` with the public key of `cert`.
fn verify_with(cert: &Certificate, alg: &Oid, data: &[u8], signature: &[u8]) -> Result<(), String> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let spki_der = spki.to_der().map_err(|e| e.to_string())?;
    if spki.algorithm.oid == ID_EC_PUBLIC_KEY {
        if *alg != ECDSA_WITH_SHA256 {
            return Err(format!("unsupported signature algorithm {alg}"));
        }
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
            .map_err(|_| "unsupported EC key (only P-256)".to_string())?;
        let sig = p256::ecdsa::DerSignature::from_bytes(signature).map_err(|e| e.to_string())?;
        key.verify(data, &sig)
            .map_err(|_| "the signature does not verify with the certificate's key".to_string())
    } else if spki.algorithm.oid == RSA_ENCRYPTION {
        if *alg != RSA_ENCRYPTION && *alg != SHA256_WITH_RSA {
            return Err(format!("unsupported signature algorithm {alg}"));
        }
        let key = rsa::RsaPublicKey::from_public_key_der(&spki_der).map_err(|e| e.to_string())?;
        rsa_size_ok(&key)?;
        let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(|e| e.to_string())?;
        rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key)
            .verify(data, &sig)
            .map_err(|_| "the signature does not verify with the certificate's key".to_string())
    } else {
        Err(format!("unsupported key algorithm {}", spki.algorithm.oid))
    }
}

/// Whether `cert` was valid at `unix` seconds.
pub fn valid_at(cert: &Certificate, unix: i64) -> Result<(), String> {
    let v = &cert.tbs_certificate.validity;
    let from = v.not_before.to_unix_duration().as_secs() as i64;
    let to = v.not_after.to_unix_duration().as_secs() as i64;
    let day = |s: i64| {
        chrono::DateTime::from_timestamp(s, 0).map_or(s.to_string(), |d| {
            d.format("%Y-%m-%d %H:%M UTC").to_string()
        })
    };
    if unix < from {
        Err(format!("the certificate is not valid before {}", day(from)))
    } else if unix > to {
        Err(format!("the certificate expired on {}", day(to)))
    } else {
        Ok(())
    }
}

/// Builds a chain from `cert` to one of `anchors`, through `intermediates`, checking every
/// certificate's signature and validity at `unix`. Returns the subjects of the path.
pub fn chain_to(
    cert: &Certificate,
    intermediates: &[Certificate],
    anchors: &[Certificate],
    unix: i64,
) -> Result<Vec<String>, String> {
    let mut path = vec![common_name(cert)];
    let mut current = cert.clone();
    for _ in 0..8 {
        if anchors.iter().any(|a| a == &current) {
            return Ok(path);
        }
        let issuer_name = &current.tbs_certificate.issuer;
        let candidates = anchors
            .iter()
            .chain(intermediates)
            .filter(|c| &c.tbs_certificate.subject == issuer_name);
        let tbs = current
            .tbs_certificate
            .to_der()
            .map_err(|e| e.to_string())?;
        let sig = current.signature.raw_bytes();
        let issuer = candidates
            .into_iter()
            .find(|c| verify_with(c, &current.signature_algorithm.oid, &tbs, sig).is_ok())
            .ok_or_else(|| {
                format!(
                    "no trusted issuer for \"{}\" (issuer: {})",
                    common_name(&current),
                    issuer_name
                )
            })?;
        // A self-signed certificate that is no anchor ends the path: an embedded root (a
        // TSA's token carries its CA) is not trusted for being there.
        if issuer == &current {
            return Err(format!(
                "no trusted issuer: \"{}\" is a self-signed certificate not given with --trust",
                common_name(&current)
            ));
        }
        valid_at(issuer, unix).map_err(|e| format!("{}: {e}", common_name(issuer)))?;
        path.push(common_name(issuer));
        if anchors.iter().any(|a| a == issuer) {
            return Ok(path);
        }
        current = issuer.clone();
    }
    Err("the certificate chain is too long".into())
}

/// Decodes a PEM certificate (for messages and tests).
pub fn cert_from_pem(pem: &str) -> Result<Certificate, String> {
    Certificate::from_pem(pem.as_bytes()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../tests/fixtures/seal-test-pki/TEST-ONLY-provider.key.pem");
    const CERT: &str =
        include_str!("../../tests/fixtures/seal-test-pki/TEST-ONLY-provider.cert.pem");

    /// A signature whose SignerInfo names SHA-1 fails, whatever its /SubFilter: SHA-1
    /// collisions are practical, so the digest proves nothing.
    #[test]
    fn a_sha1_digest_fails() {
        let key = SigningKey::from_pem(KEY).unwrap();
        let cert = certs_from_pem(CERT).unwrap();
        let digest = [9u8; 32];
        let blob = sign(&digest, &key, &cert[0], &[], None).unwrap();
        assert!(check(&blob, &digest).unwrap().digest_ok.is_ok());
        let info = ContentInfo::from_der(&blob).unwrap();
        let mut sd: SignedData = info.content.decode_as().unwrap();
        let mut si = sd.signer_infos.0.iter().next().unwrap().clone();
        si.digest_alg = alg(ID_SHA1, true);
        let mut signers = SetOfVec::new();
        signers.insert(si).unwrap();
        sd.signer_infos = SignerInfos(signers);
        let checked = check_signed_data(&sd, &digest).unwrap();
        let e = checked.digest_ok.unwrap_err();
        assert!(e.contains("SHA-1"), "{e}");
    }
}
