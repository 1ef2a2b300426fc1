//! Keys on PKCS#11 tokens and HSMs, named by an RFC 7512 URI:
//! `pkcs11:token=annex;object=signer?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin`.
//! The vendor's module is loaded at run time (cryptoki); the token signs a SHA-256 digest
//! (`CKM_ECDSA` for P-256/P-384, `CKM_RSA_PKCS` over the DigestInfo for RSA ≥ 2048 bits:
//! the raw mechanisms every token has), so the key never leaves it. One session per run,
//! behind a mutex: a batch's workers share it and sign one after the other.

use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use x509_cert::der::Decode as _;
use x509_cert::Certificate;

use super::Secret;
use crate::error::Invalid;
use crate::sign::cms::{self, DeviceKey, Scheme, SigningKey};

/// The environment variable naming the module when the URI has no `module-path`.
pub const MODULE_ENV: &str = "ANNEX_PKCS11_MODULE";

/// An RFC 7512 PKCS#11 URI: the attributes that pick the token and the key, and the query
/// attributes that say how to reach it. Values are percent-decoded.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Uri {
    /// `token`: the token's label.
    pub token: Option<String>,
    /// `serial`: the token's serial number.
    pub serial: Option<String>,
    /// `manufacturer` of the token.
    pub manufacturer: Option<String>,
    /// `model` of the token.
    pub model: Option<String>,
    /// `object`: the key's (and certificate's) label.
    pub object: Option<String>,
    /// `id`: the key's (and certificate's) CKA_ID (bytes).
    pub id: Option<Vec<u8>>,
    /// `module-path`: the PKCS#11 library to load.
    pub module_path: Option<String>,
    /// `pin-source`: where the PIN is (`file:/path` or a path).
    pub pin_source: Option<String>,
    /// `pin-value`: the PIN itself (RFC 7512 allows it; prefer `pin-source`).
    pub pin_value: Option<String>,
}

/// Without the PIN: a `pin-value` is shown as given, never its value.
impl std::fmt::Debug for Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uri")
            .field("token", &self.token)
            .field("object", &self.object)
            .field("id", &self.id)
            .field("module_path", &self.module_path)
            .field("pin_source", &self.pin_source)
            .field("pin_value", &self.pin_value.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl Uri {
    /// Parses a `pkcs11:` URI. Unknown attributes are refused (a typo must not pick
    /// another key), except the vendor `x-` ones and those RFC 7512 defines that do not
    /// narrow the choice here (`library-*`, `slot-*`, `module-name`).
    pub fn parse(text: &str) -> Result<Uri, String> {
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or("a PKCS#11 URI starts with pkcs11:")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut uri = Uri::default();
        let pairs = path
            .split(';')
            .map(|p| (p, false))
            .chain(query.split('&').map(|p| (p, true)));
        for (pair, in_query) in pairs {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("PKCS#11 URI attribute \"{pair}\" has no value"))?;
            // The value is not quoted in the message: it may be the PIN.
            let bytes = percent_decode(value)
                .map_err(|()| format!("PKCS#11 URI attribute {name}: bad percent escape"))?;
            let text = || {
                String::from_utf8(bytes.clone())
                    .map_err(|_| format!("PKCS#11 URI attribute {name}: not UTF-8"))
            };
            let slot = match (in_query, name) {
                (false, "token") => &mut uri.token,
                (false, "serial") => &mut uri.serial,
                (false, "manufacturer") => &mut uri.manufacturer,
                (false, "model") => &mut uri.model,
                (false, "object") => &mut uri.object,
                (false, "id") => {
                    uri.id = Some(bytes);
                    continue;
                }
                (false, "type") => {
                    if value != "private" {
                        return Err(format!(
                            "PKCS#11 URI type={value}: the signing key is type=private"
                        ));
                    }
                    continue;
                }
                (true, "module-path") => &mut uri.module_path,
                (true, "pin-source") => &mut uri.pin_source,
                (true, "pin-value") => &mut uri.pin_value,
                (false, n) if n.starts_with("library-") || n.starts_with("slot-") => continue,
                (true, "module-name") => continue,
                (_, n) if n.starts_with("x-") => continue,
                _ => return Err(format!("unknown PKCS#11 URI attribute \"{name}\"")),
            };
            if slot.is_some() {
                return Err(format!("PKCS#11 URI attribute {name} given twice"));
            }
            *slot = Some(text()?);
        }
        if uri.object.is_none() && uri.id.is_none() {
            return Err("the PKCS#11 URI names no key: add object=LABEL or id=%01…".into());
        }
        Ok(uri)
    }

    /// The key and token as the user named them, for messages (never the PIN).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.object {
            parts.push(format!("object \"{o}\""));
        }
        if let Some(id) = &self.id {
            parts.push(format!("id {}", crate::digest::hex(id)));
        }
        format!("{} on {}", parts.join(" "), self.token_name())
    }

    fn token_name(&self) -> String {
        match (&self.token, &self.serial) {
            (Some(t), _) => format!("token \"{t}\""),
            (None, Some(s)) => format!("the token with serial {s}"),
            (None, None) => "the first token".into(),
        }
    }
}

/// Decodes `%XX` escapes (RFC 3986).
fn percent_decode(text: &str) -> Result<Vec<u8>, ()> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(())?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// A key on a token, with the session it signs in.
struct TokenKey {
    session: Mutex<Session>,
    key: ObjectHandle,
    scheme: Scheme,
    label: String,
}

impl DeviceKey for TokenKey {
    fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>, String> {
        // One session, one operation at a time (PKCS#11 sessions are not for two threads).
        let session = self
            .session
            .lock()
            .map_err(|_| "the token session failed")?;
        let failed = |e: CkError| format!("{} refused to sign: {e}", self.label);
        match self.scheme {
            Scheme::EcdsaSha256 => {
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, digest)
                    .map_err(failed)?;
                cms::ecdsa_der_from_raw(&raw)
            }
            Scheme::RsaPssSha256 => {
                let params = PkcsPssParams {
                    hash_alg: MechanismType::SHA256,
                    mgf: PkcsMgfType::MGF1_SHA256,
                    s_len: 32.into(),
                };
                session
                    .sign(&Mechanism::RsaPkcsPss(params), self.key, digest)
                    .map_err(failed)
            }
            Scheme::RsaPkcs1Sha256 => {
                let mut info = cms::SHA256_DIGEST_INFO_PREFIX.to_vec();
                info.extend_from_slice(digest);
                session
                    .sign(&Mechanism::RsaPkcs, self.key, &info)
                    .map_err(failed)
            }
        }
    }
}

/// The PIN: the URI's `pin-value` or `pin-source`, else the passphrase flags or prompt.
fn pin(uri: &Uri, secret: &mut Secret<'_>, token: &str) -> anyhow::Result<String> {
    if let Some(v) = &uri.pin_value {
        return Ok(v.clone());
    }
    if let Some(source) = &uri.pin_source {
        let path = source.strip_prefix("file:").unwrap_or(source);
        let path = path.strip_prefix("//").unwrap_or(path);
        let text = super::read_text(std::path::Path::new(path), "the PIN file (pin-source)")?;
        return Ok(text.lines().next().unwrap_or_default().to_owned());
    }
    Ok(secret.get(token)?.to_owned())
}

/// Opens the token `uri` names, logs in and finds the key and its certificate.
pub(super) fn open(
    uri: &Uri,
    secret: &mut Secret<'_>,
    rsa_pss: bool,
) -> anyhow::Result<(SigningKey, Vec<Certificate>)> {
    let module = match &uri.module_path {
        Some(m) => m.clone(),
        None => std::env::var(MODULE_ENV).map_err(|_| {
            Invalid::input(format!(
                "no PKCS#11 module for {}: add module-path=/path/to/module.so to the URI or set {MODULE_ENV}",
                uri.describe()
            ))
        })?,
    };
    let cannot = |what: String, e: CkError| Invalid::input(format!("{what}: {e}"));
    let pkcs11 = Pkcs11::new(&module)
        .map_err(|e| cannot(format!("cannot load the PKCS#11 module {module}"), e))?;
    match pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => {
            return Err(cannot(
                format!("cannot initialise the PKCS#11 module {module}"),
                e,
            ))
        }
    }
    let token_name = uri.token_name();
    let slots = pkcs11
        .get_slots_with_token()
        .map_err(|e| cannot(format!("cannot list the tokens of {module}"), e))?;
    let mut found = None;
    let mut seen = Vec::new();
    for slot in slots {
        let Ok(info) = pkcs11.get_token_info(slot) else {
            continue;
        };
        let label = info.label().trim_end().to_owned();
        let matches = uri.token.as_ref().is_none_or(|t| *t == label)
            && uri
                .serial
                .as_ref()
                .is_none_or(|s| s == info.serial_number().trim_end())
            && uri
                .manufacturer
                .as_ref()
                .is_none_or(|m| m == info.manufacturer_id().trim_end())
            && uri
                .model
                .as_ref()
                .is_none_or(|m| m == info.model().trim_end());
        if matches {
            found = Some(slot);
            break;
        }
        seen.push(format!("\"{label}\""));
    }
    let slot = found.ok_or_else(|| {
        Invalid::input(format!(
            "no {token_name} in the PKCS#11 module {module} (tokens: {})",
            if seen.is_empty() {
                "none".to_owned()
            } else {
                seen.join(", ")
            }
        ))
    })?;
    let session = pkcs11
        .open_ro_session(slot)
        .map_err(|e| cannot(format!("cannot open a session on {token_name}"), e))?;
    let pin = pin(uri, secret, &token_name)?;
    match session.login(UserType::User, Some(&AuthPin::new(pin.into()))) {
        Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
        Err(CkError::Pkcs11(
            RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange,
            _,
        )) => {
            return Err(Invalid::input(format!("wrong PIN for {token_name}")));
        }
        Err(CkError::Pkcs11(RvError::PinLocked, _)) => {
            return Err(Invalid::input(format!("the PIN of {token_name} is locked")));
        }
        Err(e) => return Err(cannot(format!("cannot log in to {token_name}"), e)),
    }
    let mut template = Vec::new();
    if let Some(o) = &uri.object {
        template.push(Attribute::Label(o.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    let find = |class: ObjectClass| {
        let mut t = template.clone();
        t.push(Attribute::Class(class));
        session.find_objects(&t)
    };
    let keys = find(ObjectClass::PRIVATE_KEY)
        .map_err(|e| cannot(format!("cannot search {token_name}"), e))?;
    let key = match keys.as_slice() {
        [k] => *k,
        [] => {
            return Err(Invalid::input(format!(
                "no private key {} (wrong object or id, or the PIN does not show it)",
                uri.describe()
            )))
        }
        _ => {
            return Err(Invalid::input(format!(
                "{} private keys match {}: add id= to the URI",
                keys.len(),
                uri.describe()
            )))
        }
    };
    let attrs = session
        .get_attributes(
            key,
            &[
                AttributeType::KeyType,
                AttributeType::Id,
                AttributeType::Modulus,
            ],
        )
        .map_err(|e| cannot(format!("cannot read the key {}", uri.describe()), e))?;
    let mut key_type = None;
    let mut key_id = None;
    let mut modulus_bits = 0;
    for a in attrs {
        match a {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::Id(id) => key_id = Some(id),
            Attribute::Modulus(m) => {
                let m: Vec<u8> = m.into_iter().skip_while(|b| *b == 0).collect();
                modulus_bits = m.len() * 8 - m.first().map_or(8, |b| b.leading_zeros() as usize);
            }
            _ => {}
        }
    }
    let scheme = match key_type {
        Some(KeyType::EC) if rsa_pss => {
            return Err(Invalid::input(format!(
                "--sign-rsa-pss: the key {} is not an RSA key",
                uri.describe()
            )))
        }
        Some(KeyType::EC) => Scheme::EcdsaSha256,
        Some(KeyType::RSA) => {
            if modulus_bits < cms::MIN_RSA_BITS {
                return Err(Invalid::input(format!(
                    "the RSA key {} has {modulus_bits} bits; at least {} are required",
                    uri.describe(),
                    cms::MIN_RSA_BITS
                )));
            }
            if rsa_pss {
                Scheme::RsaPssSha256
            } else {
                Scheme::RsaPkcs1Sha256
            }
        }
        other => {
            return Err(Invalid::input(format!(
                "the key {} is of an unsupported type ({other:?}): ECDSA P-256/P-384 or RSA",
                uri.describe()
            )))
        }
    };
    // Its certificate: the one with the key's id (the PKCS#11 convention), else its label.
    let mut cert_template = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
    match (&key_id, &uri.object) {
        (Some(id), _) if !id.is_empty() => cert_template.push(Attribute::Id(id.clone())),
        (_, Some(o)) => cert_template.push(Attribute::Label(o.as_bytes().to_vec())),
        _ => {}
    }
    let mut certs = Vec::new();
    for handle in session.find_objects(&cert_template).unwrap_or_default() {
        if let Ok(values) = session.get_attributes(handle, &[AttributeType::Value]) {
            for v in values {
                if let Attribute::Value(der) = v {
                    if let Ok(c) = Certificate::from_der(&der) {
                        certs.push(c);
                    }
                }
            }
        }
    }
    certs.truncate(1);
    let label = uri.describe();
    Ok((
        SigningKey::Device(Box::new(TokenKey {
            session: Mutex::new(session),
            key,
            scheme,
            label,
        })),
        certs,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_readme_uri_with_percent_escapes() {
        let uri = Uri::parse(
            "pkcs11:token=annex;object=signer%20key;id=%01%A2?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin",
        )
        .unwrap();
        assert_eq!(uri.token.as_deref(), Some("annex"));
        assert_eq!(uri.object.as_deref(), Some("signer key"));
        assert_eq!(uri.id.as_deref(), Some(&[0x01, 0xa2][..]));
        assert_eq!(
            uri.module_path.as_deref(),
            Some("/usr/lib/softhsm/libsofthsm2.so")
        );
        assert_eq!(uri.pin_source.as_deref(), Some("file:/run/pin"));
        assert_eq!(uri.pin_value, None);
    }

    #[test]
    fn pin_value_and_vendor_attributes() {
        let uri = Uri::parse("pkcs11:object=k;x-vendor=1;slot-id=3?pin-value=12%2634").unwrap();
        assert_eq!(uri.pin_value.as_deref(), Some("12&34"));
        assert_eq!(uri.token, None);
    }

    #[test]
    fn refuses_what_could_pick_another_key() {
        for (uri, why) in [
            ("pkcs11:token=a", "names no key"),
            (
                "pkcs11:token=a;objet=k",
                "unknown PKCS#11 URI attribute \"objet\"",
            ),
            ("pkcs11:object=k;object=j", "given twice"),
            ("pkcs11:object=k%2", "bad percent escape"),
            ("pkcs11:object=k;type=cert", "type=private"),
            ("pkcs11:object", "has no value"),
            (
                "pkcs11:object=k?module-path=/x&pin=1",
                "unknown PKCS#11 URI attribute \"pin\"",
            ),
        ] {
            let err = Uri::parse(uri).unwrap_err();
            assert!(err.contains(why), "{uri}: {err}");
        }
    }

    #[test]
    fn describes_without_the_pin() {
        let uri = Uri::parse("pkcs11:token=annex;object=signer?pin-value=1234").unwrap();
        let text = uri.describe();
        assert_eq!(text, "object \"signer\" on token \"annex\"");
        assert!(!text.contains("1234"));
        assert!(!format!("{uri:?}").contains("1234"));
        let err = Uri::parse("pkcs11:object=k?pin-value=12%3").unwrap_err();
        assert!(err.contains("pin-value") && !err.contains("12"), "{err}");
    }
}
