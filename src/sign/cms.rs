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
const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
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

/// A private key that can sign: in memory (read from a file), or on a device that signs
/// for us and never gives the key out (a PKCS#11 token, [`DeviceKey`]). Every kind signs
/// the same SignerInfo, so there is one CMS builder ([`sign`]).
pub enum SigningKey {
    /// ECDSA on P-256 with SHA-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA on P-384 with SHA-256 (the digest PAdES signs everywhere here).
    P384(p384::ecdsa::SigningKey),
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rsa(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt ([`PSS_PARAMS`]).
    RsaPss(Box<rsa::pss::SigningKey<Sha256>>),
    /// A key on a device.
    Device(Box<dyn DeviceKey>),
}

/// The signature scheme a [`DeviceKey`] signs with (always over a SHA-256 digest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// ECDSA (P-256 or P-384) with SHA-256.
    EcdsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
    RsaPssSha256,
}

/// A key that signs where it is kept. It is shared by a batch's workers, so it serialises
/// its own use of the device if the device needs it.
pub trait DeviceKey: Send + Sync {
    /// The scheme the key signs with.
    fn scheme(&self) -> Scheme;
    /// Signs the SHA-256 `digest`; returns the signature as CMS carries it (ECDSA: the DER
    /// `ECDSA-Sig-Value`; RSA: the signature bytes).
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String>;
}

impl SigningKey {
    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or PKCS#1
    /// (`RSA PRIVATE KEY`). An encrypted key (`ENCRYPTED PRIVATE KEY`) is refused here:
    /// [`crate::sign::keys`] decrypts it first.
    pub fn from_pem(pem: &str) -> Result<SigningKey, String> {
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err("the key is encrypted".into());
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey::P256(k));
        }
        if let Ok(k) = p256::SecretKey::from_sec1_pem(pem) {
            return Ok(SigningKey::P256(k.into()));
        }
        if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(SigningKey::P384(k));
        }
        if let Ok(k) = p384::SecretKey::from_sec1_pem(pem) {
            return Ok(SigningKey::P384(k.into()));
        }
        let rsa_key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem));
        match rsa_key {
            Ok(k) => SigningKey::rsa(k),
            Err(_) => Err(UNSUPPORTED_KEY.into()),
        }
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` (what an encrypted PEM or a PKCS#12 file holds).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, String> {
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(SigningKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(der) {
            return Ok(SigningKey::P384(k));
        }
        match rsa::RsaPrivateKey::from_pkcs8_der(der) {
            Ok(k) => SigningKey::rsa(k),
            Err(_) => Err(UNSUPPORTED_KEY.into()),
        }
    }

    /// The same RSA key, signing with RSASSA-PSS instead of PKCS#1 v1.5 (`--sign-rsa-pss`).
    pub fn into_pss(self) -> Result<SigningKey, String> {
        match self {
            SigningKey::Rsa(k) => {
                let key: rsa::RsaPrivateKey = k.as_ref().as_ref().clone();
                Ok(SigningKey::RsaPss(Box::new(rsa::pss::SigningKey::new(key))))
            }
            SigningKey::RsaPss(_) => Ok(self),
            _ => Err("RSASSA-PSS needs an RSA key".into()),
        }
    }

    fn rsa(k: rsa::RsaPrivateKey) -> Result<SigningKey, String> {
        rsa_size_ok(&k)?;
        Ok(SigningKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(k))))
    }

    /// The DER SubjectPublicKeyInfo of the public half (`None` for a device key: its
    /// signature is checked against the certificate instead).
    fn public_key_der(&self) -> Result<Option<Vec<u8>>, String> {
        use p256::pkcs8::EncodePublicKey;
        let doc = match self {
            SigningKey::P256(k) => k.verifying_key().to_public_key_der(),
            SigningKey::P384(k) => k.verifying_key().to_public_key_der(),
            SigningKey::Rsa(k) => rsa::RsaPublicKey::from(k.as_ref().as_ref()).to_public_key_der(),
            SigningKey::RsaPss(k) => {
                rsa::RsaPublicKey::from(k.as_ref().as_ref()).to_public_key_der()
            }
            SigningKey::Device(_) => return Ok(None),
        };
        doc.map(|d| Some(d.as_bytes().to_vec()))
            .map_err(|e| e.to_string())
    }

    fn sign(&self, data: &[u8]) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), String> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        Ok(match self {
            SigningKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k.sign(data);
                (alg(ECDSA_WITH_SHA256, false), sig.to_vec())
            }
            SigningKey::P384(k) => {
                let sig: p384::ecdsa::Signature = k
                    .sign_prehash(&Sha256::digest(data))
                    .map_err(|e| e.to_string())?;
                (alg(ECDSA_WITH_SHA256, false), sig.to_der().to_vec())
            }
            SigningKey::Rsa(k) => {
                let sig = k.sign(data);
                (alg(RSA_ENCRYPTION, true), sig.to_vec())
            }
            SigningKey::RsaPss(k) => {
                use rsa::signature::RandomizedSigner as _;
                let sig = k.sign_with_rng(&mut rsa::rand_core::OsRng, data);
                (pss_alg()?, sig.to_vec())
            }
            SigningKey::Device(k) => {
                let sig = k.sign_digest(&Sha256::digest(data).into())?;
                match k.scheme() {
                    Scheme::EcdsaSha256 => (alg(ECDSA_WITH_SHA256, false), sig),
                    Scheme::RsaPkcs1Sha256 => (alg(RSA_ENCRYPTION, true), sig),
                    Scheme::RsaPssSha256 => (pss_alg()?, sig),
                }
            }
        })
    }
}

/// The DER `RSASSA-PSS-params` of every PSS signature made and accepted here (RFC 4055):
/// hash SHA-256, mask generation MGF1 with SHA-256, salt length 32, trailer field 1.
pub const PSS_PARAMS: [u8; 54] = [
    0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
    0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
    0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0xa2, 0x03, 0x02, 0x01, 0x20,
];

fn pss_alg() -> Result<AlgorithmIdentifierOwned, String> {
    Ok(AlgorithmIdentifierOwned {
        oid: RSASSA_PSS,
        parameters: Some(Any::from_der(&PSS_PARAMS).map_err(|e| e.to_string())?),
    })
}

const UNSUPPORTED_KEY: &str =
    "not a private key of a supported kind (ECDSA P-256 or P-384, or RSA; PKCS#8, SEC1 or PKCS#1)";

/// The DER `DigestInfo` prefix of a SHA-256 digest (RFC 8017 §9.2 note 1): what RSA
/// PKCS#1 v1.5 signs, for a device that is handed the raw `CKM_RSA_PKCS` operation.
pub const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// An ECDSA signature as a device returns it (`r || s`, each as long as the curve's
/// field) → the DER `ECDSA-Sig-Value` CMS carries.
pub fn ecdsa_der_from_raw(raw: &[u8]) -> Result<Vec<u8>, String> {
    match raw.len() {
        64 => p256::ecdsa::Signature::from_slice(raw)
            .map(|s| s.to_der().to_vec())
            .map_err(|e| e.to_string()),
        96 => p384::ecdsa::Signature::from_slice(raw)
            .map(|s| s.to_der().to_vec())
            .map_err(|e| e.to_string()),
        n => Err(format!(
            "an ECDSA signature of {n} bytes (expected 64 or 96)"
        )),
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
    if key.public_key_der()?.is_some_and(|k| k != cert_spki) {
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
    let (signature_algorithm, signature) = key.sign(&signed)?;
    if matches!(key, SigningKey::Device(_)) {
        // A device's key is not read: its signature is checked against the certificate.
        verify_with(cert, &signature_algorithm.oid, &signed, &signature)
            .map_err(|_| "the key does not match the certificate".to_string())?;
    }
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
            let params = si
                .signature_algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.to_der().ok());
            if si.signature_algorithm.oid == RSASSA_PSS
                && params.as_deref() != Some(&PSS_PARAMS[..])
            {
                Err(
                    "unsupported RSASSA-PSS parameters (only SHA-256, MGF1-SHA-256, salt 32)"
                        .into(),
                )
            } else {
                verify_with(
                    cert,
                    &si.signature_algorithm.oid,
                    &signed,
                    si.signature.as_bytes(),
                )
            }
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

/// Verifies `signature` over `data` with the public key of `cert` (also a CRL's or an OCSP
/// response's signature, [`super::revocation`]).
pub fn verify_signature(
    cert: &Certificate,
    alg: &Oid,
    data: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    verify_with(cert, alg, data, signature)
}

/// Verifies `signature` over `data` with the public key of `cert`.
fn verify_with(cert: &Certificate, alg: &Oid, data: &[u8], signature: &[u8]) -> Result<(), String> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let spki_der = spki.to_der().map_err(|e| e.to_string())?;
    if spki.algorithm.oid == ID_EC_PUBLIC_KEY {
        if *alg != ECDSA_WITH_SHA256 {
            return Err(format!("unsupported signature algorithm {alg}"));
        }
        let bad = || "the signature does not verify with the certificate's key".to_string();
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der) {
            let sig =
                p256::ecdsa::DerSignature::from_bytes(signature).map_err(|e| e.to_string())?;
            return key.verify(data, &sig).map_err(|_| bad());
        }
        // P-384 with SHA-256 (what `sign` makes with a P-384 key).
        use p384::ecdsa::signature::hazmat::PrehashVerifier;
        let key = p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
            .map_err(|_| "unsupported EC key (only P-256 and P-384)".to_string())?;
        let sig = p384::ecdsa::DerSignature::from_bytes(signature).map_err(|e| e.to_string())?;
        let sig = p384::ecdsa::Signature::try_from(sig).map_err(|e| e.to_string())?;
        key.verify_prehash(&Sha256::digest(data), &sig)
            .map_err(|_| bad())
    } else if spki.algorithm.oid == RSA_ENCRYPTION {
        if *alg != RSA_ENCRYPTION && *alg != SHA256_WITH_RSA && *alg != RSASSA_PSS {
            return Err(format!("unsupported signature algorithm {alg}"));
        }
        let key = rsa::RsaPublicKey::from_public_key_der(&spki_der).map_err(|e| e.to_string())?;
        rsa_size_ok(&key)?;
        if *alg == RSASSA_PSS {
            // Only the parameters `sign` writes ([`PSS_PARAMS`]): checked by the caller.
            let sig = rsa::pss::Signature::try_from(signature).map_err(|e| e.to_string())?;
            return rsa::pss::VerifyingKey::<Sha256>::new(key)
                .verify(data, &sig)
                .map_err(|_| {
                    "the signature does not verify with the certificate's key".to_string()
                });
        }
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
