//! PKCS#12 / PFX files (RFC 7292): the private key and the certificates, decrypted with the
//! passphrase. The MAC is checked first, so a wrong passphrase is told from a damaged file.
//! Bags encrypted with PBES2 (what OpenSSL 3 writes: PBKDF2 + AES-CBC) are decrypted by
//! the `pkcs8`/`pkcs5` crates; the legacy PKCS#12 PBE schemes (`openssl pkcs12 -legacy`:
//! 3DES for the key, RC2-40 for the certificates) here, with RFC 7292's key derivation.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut as _, KeyIvInit as _};
use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use hmac::Mac as _;
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use pkcs12::pfx::Pfx;
use pkcs12::safe_bag::SafeContents;
use x509_cert::der::asn1::{ContextSpecific, ObjectIdentifier as Oid, OctetString};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
const ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");

/// Why a file could not be read.
#[derive(Debug)]
pub enum Error {
    /// The MAC (or, without one, the decryption) says the passphrase is wrong.
    WrongPassphrase,
    /// Anything else: not PKCS#12, an unsupported scheme, no key.
    Bad(String),
}

fn bad(e: impl std::fmt::Display) -> Error {
    Error::Bad(e.to_string())
}

/// The DER PKCS#8 key of a PKCS#12 file and its certificates, the key's own first.
pub fn decode(der: &[u8], password: &str) -> Result<(Vec<u8>, Vec<Certificate>), Error> {
    let pfx = Pfx::from_der(der).map_err(|e| Error::Bad(format!("not a PKCS#12 file ({e})")))?;
    let content = octets(&pfx.auth_safe)?;
    let checked = match &pfx.mac_data {
        Some(mac) => {
            verify_mac(mac, password, &content)?;
            true
        }
        None => false,
    };
    let safes: Vec<ContentInfo> = Vec::from_der(&content).map_err(bad)?;
    let mut keys = Vec::new();
    let mut certs: Vec<(Option<Vec<u8>>, Certificate)> = Vec::new();
    for safe in &safes {
        let data = if safe.content_type == DATA {
            octets(safe)?
        } else if safe.content_type == ENCRYPTED_DATA {
            let enc = EncryptedData::from_der(&safe.content.to_der().map_err(bad)?).map_err(bad)?;
            let info = &enc.enc_content_info;
            match &info.encrypted_content {
                Some(c) => decrypt(&info.content_enc_alg, c.as_bytes(), password, checked)?,
                None => continue,
            }
        } else {
            return Err(Error::Bad(format!(
                "unsupported content type {}",
                safe.content_type
            )));
        };
        let bags = SafeContents::from_der(&data).map_err(|e| {
            if checked {
                bad(e)
            } else {
                Error::WrongPassphrase
            }
        })?;
        for bag in bags {
            let id = bag
                .bag_attributes
                .iter()
                .flat_map(|a| a.iter())
                .find(|a| a.oid == LOCAL_KEY_ID)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .map(|o| o.as_bytes().to_vec());
            if bag.bag_id == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID {
                let cs: ContextSpecific<pkcs12::pbe_params::EncryptedPrivateKeyInfo> =
                    ContextSpecific::from_der(&bag.bag_value).map_err(bad)?;
                let key = decrypt(
                    &cs.value.encryption_algorithm,
                    cs.value.encrypted_data.as_bytes(),
                    password,
                    checked,
                )?;
                keys.push((id, key));
            } else if bag.bag_id == pkcs12::PKCS_12_KEY_BAG_OID {
                let cs: ContextSpecific<x509_cert::der::Any> =
                    ContextSpecific::from_der(&bag.bag_value).map_err(bad)?;
                keys.push((id, cs.value.to_der().map_err(bad)?));
            } else if bag.bag_id == pkcs12::PKCS_12_CERT_BAG_OID {
                let cs: ContextSpecific<pkcs12::cert_type::CertBag> =
                    ContextSpecific::from_der(&bag.bag_value).map_err(bad)?;
                if cs.value.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                    let cert =
                        Certificate::from_der(cs.value.cert_value.as_bytes()).map_err(bad)?;
                    certs.push((id, cert));
                }
            }
        }
    }
    let (key_id, key) = match keys.len() {
        0 => return Err(Error::Bad("holds no private key".into())),
        1 => keys.remove(0),
        n => return Err(Error::Bad(format!("holds {n} private keys; keep one"))),
    };
    // The key's certificate first (same local key id, else the first one), then the rest.
    let own = certs
        .iter()
        .position(|(id, _)| key_id.is_some() && *id == key_id)
        .unwrap_or(0);
    let mut ordered: Vec<Certificate> = Vec::with_capacity(certs.len());
    if !certs.is_empty() {
        ordered.push(certs.remove(own).1);
    }
    ordered.extend(certs.into_iter().map(|(_, c)| c));
    Ok((key, ordered))
}

/// The bytes of a `data` ContentInfo.
fn octets(info: &ContentInfo) -> Result<Vec<u8>, Error> {
    if info.content_type != DATA {
        return Err(Error::Bad(format!(
            "unsupported content type {} (public-key integrity mode)",
            info.content_type
        )));
    }
    info.content
        .decode_as::<OctetString>()
        .map(|o| o.as_bytes().to_vec())
        .map_err(bad)
}

fn verify_mac(mac: &pkcs12::mac_data::MacData, password: &str, data: &[u8]) -> Result<(), Error> {
    let salt = mac.mac_salt.as_bytes();
    let expected = mac.mac.digest.as_bytes();
    let ok = match mac.mac.algorithm.oid {
        SHA1 => {
            let key = derive_key_utf8::<sha1::Sha1>(
                password,
                salt,
                Pkcs12KeyType::Mac,
                mac.iterations,
                20,
            )
            .map_err(bad)?;
            let mut h = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).map_err(bad)?;
            h.update(data);
            h.verify_slice(expected).is_ok()
        }
        SHA256 => {
            let key = derive_key_utf8::<sha2::Sha256>(
                password,
                salt,
                Pkcs12KeyType::Mac,
                mac.iterations,
                32,
            )
            .map_err(bad)?;
            let mut h = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(bad)?;
            h.update(data);
            h.verify_slice(expected).is_ok()
        }
        other => return Err(Error::Bad(format!("unsupported MAC digest {other}"))),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::WrongPassphrase)
    }
}

/// Decrypts a bag or a safe. `checked`: the MAC vouched for the passphrase, so a failure
/// here is a damaged file, not a wrong passphrase.
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    data: &[u8],
    password: &str,
    checked: bool,
) -> Result<Vec<u8>, Error> {
    let failed = |e: String| {
        if checked {
            Error::Bad(format!("cannot decrypt: {e}"))
        } else {
            Error::WrongPassphrase
        }
    };
    let params = alg
        .parameters
        .as_ref()
        .ok_or_else(|| Error::Bad("encryption without parameters".into()))?
        .to_der()
        .map_err(bad)?;
    if alg.oid == PBES2 {
        let params = pkcs8::pkcs5::pbes2::Parameters::from_der(&params).map_err(bad)?;
        return params
            .decrypt(password.as_bytes(), data)
            .map_err(|e| failed(e.to_string()));
    }
    let pbe = pkcs12::pbe_params::Pkcs12PbeParams::from_der(&params).map_err(bad)?;
    let salt = pbe.salt.as_bytes();
    let derive = |id, len| {
        derive_key_utf8::<sha1::Sha1>(password, salt, id, pbe.iterations, len).map_err(bad)
    };
    if alg.oid == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC {
        let (key, iv) = (
            derive(Pkcs12KeyType::EncryptionKey, 24)?,
            derive(Pkcs12KeyType::Iv, 8)?,
        );
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(bad)?
            .decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|e| failed(e.to_string()))
    } else if alg.oid == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC {
        // RC2 with a 5-byte key: 40 effective bits, as the scheme's name says.
        let (key, iv) = (
            derive(Pkcs12KeyType::EncryptionKey, 5)?,
            derive(Pkcs12KeyType::Iv, 8)?,
        );
        cbc::Decryptor::<rc2::Rc2>::new_from_slices(&key, &iv)
            .map_err(bad)?
            .decrypt_padded_vec_mut::<Pkcs7>(data)
            .map_err(|e| failed(e.to_string()))
    } else {
        Err(Error::Bad(format!(
            "unsupported encryption {} (supported: PBES2, PKCS#12 3DES and RC2-40)",
            alg.oid
        )))
    }
}
