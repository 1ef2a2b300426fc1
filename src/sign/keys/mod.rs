//! Sign stage, key sources: where the signing key, its certificate and chain come from
//! (#25). `--sign-key` names a PEM key (plain or encrypted PKCS#8), a PKCS#12 / PFX file
//! (`pkcs12.rs`: current PBES2/AES and legacy 3DES/RC2 files), or a key on a PKCS#11 token
//! by its RFC 7512 URI (`pkcs11.rs`). The result is a [`Loaded`] key and certificates,
//! which [`crate::sign::Signer`] signs with through the one CMS builder.
//!
//! Invariants:
//! - A passphrase or PIN is never taken from the command line's arguments: it comes from a
//!   file's first line, an environment variable, a prompt without echo on a terminal, or
//!   (PIN only, as RFC 7512 allows) the URI's `pin-source`/`pin-value`; it is asked for at
//!   most once per run and never written into any message.
//! - A wrong passphrase or PIN, a missing token or object, an unloadable module is the
//!   user's error (exit 1) naming the file or the token, never the secret.
//! - A token's key never leaves the token: it signs; the session is opened once per run
//!   and shared (signatures serialised).
//! - The certificate comes from the file or token when it holds one, else `--sign-cert`
//!   (which, given, wins); `--sign-chain` adds to the chain found there.

pub mod pkcs11;
pub mod pkcs12;

use std::path::{Path, PathBuf};

use x509_cert::Certificate;

use crate::error::Invalid;
use crate::sign::cms::{self, SigningKey};

/// Where `--sign-key` says the key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A file: PEM (plain or encrypted) or PKCS#12.
    File(PathBuf),
    /// A key on a PKCS#11 token.
    Token(pkcs11::Uri),
}

impl KeySource {
    /// Reads `--sign-key`: an RFC 7512 `pkcs11:` URI, else a file (`./pkcs11:x` names a
    /// file of that name).
    pub fn parse(arg: &Path) -> Result<KeySource, String> {
        match arg.to_str() {
            Some(s) if s.starts_with("pkcs11:") => pkcs11::Uri::parse(s).map(KeySource::Token),
            _ => Ok(KeySource::File(arg.to_path_buf())),
        }
    }
}

/// Where a passphrase (or a token's PIN) comes from when the key needs one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Passphrase {
    /// The first line of this file.
    File(PathBuf),
    /// This environment variable.
    Env(String),
    /// Asked on the terminal, without echo; refused without a terminal.
    #[default]
    Prompt,
}

/// Everything that names a signer.
#[derive(Debug, Clone)]
pub struct KeyOptions {
    /// `--sign-key`.
    pub key: KeySource,
    /// `--sign-cert`: needed when the key's source holds no certificate.
    pub cert: Option<PathBuf>,
    /// `--sign-chain`.
    pub chain: Option<PathBuf>,
    /// Where a passphrase or PIN comes from.
    pub passphrase: Passphrase,
    /// Sign with RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) instead of PKCS#1 v1.5: for
    /// RSA keys whose policy (an HSM's, a CA's) asks for PSS.
    pub rsa_pss: bool,
}

/// A key with its certificate and chain.
pub struct Loaded {
    /// The key (in memory, or on a device).
    pub key: SigningKey,
    /// The signer's certificate.
    pub cert: Certificate,
    /// The rest of the chain to embed.
    pub chain: Vec<Certificate>,
}

/// Reads a text file of keys or certificates within the input limits.
pub(crate) fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    let bytes = read(path, what)?;
    String::from_utf8(bytes)
        .map_err(|_| Invalid::input(format!("{what} {}: not PEM text", path.display())))
}

fn read(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    crate::load::read_bytes(path, crate::load::TEXT_LIMIT)
        .map_err(|e| Invalid::input(format!("{what}: {e}")))
}

/// A passphrase, asked for at most once (a secret is read only if the key needs one).
pub(crate) struct Secret<'a> {
    source: &'a Passphrase,
    value: Option<String>,
}

impl<'a> Secret<'a> {
    fn new(source: &'a Passphrase) -> Secret<'a> {
        Secret {
            source,
            value: None,
        }
    }

    /// The passphrase for `what` (a file or token, named in the prompt and in errors).
    pub(crate) fn get(&mut self, what: &str) -> anyhow::Result<&str> {
        if self.value.is_none() {
            self.value = Some(read_secret(self.source, what)?);
        }
        Ok(self.value.as_deref().unwrap_or_default())
    }
}

/// Reads a passphrase from its source. The messages name the source, never the value.
fn read_secret(source: &Passphrase, what: &str) -> anyhow::Result<String> {
    match source {
        Passphrase::File(path) => {
            let text = read_text(path, "the passphrase file")?;
            // The first line: a trailing newline (and a Windows CR) is not part of it.
            let line = text.lines().next().unwrap_or_default();
            Ok(line.to_owned())
        }
        Passphrase::Env(name) => std::env::var(name).map_err(|_| {
            Invalid::input(format!(
                "the passphrase for {what}: environment variable {name} is not set (or not UTF-8)"
            ))
        }),
        Passphrase::Prompt => {
            use std::io::IsTerminal as _;
            if !std::io::stdin().is_terminal() {
                return Err(Invalid::input(format!(
                    "{what} needs a passphrase: give --key-pass-file FILE or --key-pass-env NAME (no terminal to ask on)"
                )));
            }
            rpassword::prompt_password(format!("passphrase for {what}: "))
                .map_err(|e| Invalid::input(format!("cannot read the passphrase for {what}: {e}")))
        }
    }
}

/// Loads the key, certificate and chain `options` name (a token is opened and logged in).
pub fn load(options: &KeyOptions) -> anyhow::Result<Loaded> {
    let mut secret = Secret::new(&options.passphrase);
    let (key, mut found) = match &options.key {
        KeySource::File(path) => {
            let (key, found) = load_file(path, &mut secret)?;
            let key = if options.rsa_pss {
                key.into_pss().map_err(|e| {
                    Invalid::input(format!("--sign-rsa-pss: {}: {e}", path.display()))
                })?
            } else {
                key
            };
            (key, found)
        }
        KeySource::Token(uri) => pkcs11::open(uri, &mut secret, options.rsa_pss)?,
    };
    let mut certs = match &options.cert {
        Some(cert) => cms::certs_from_pem(&read_text(cert, "the certificate")?)
            .map_err(|e| Invalid::input(format!("{}: {e}", cert.display())))?,
        None => Vec::new(),
    };
    if certs.is_empty() {
        if found.is_empty() {
            let from = match &options.key {
                KeySource::File(p) => p.display().to_string(),
                KeySource::Token(uri) => uri.describe(),
            };
            return Err(Invalid::input(format!(
                "{from} holds no certificate for the key: give it with --sign-cert FILE"
            )));
        }
        certs.append(&mut found);
    } else {
        // The file's or token's own chain still goes with the given certificate.
        certs.extend(found.into_iter().skip(1));
    }
    if let Some(chain) = &options.chain {
        certs.extend(
            cms::certs_from_pem(&read_text(chain, "the certificate chain")?)
                .map_err(|e| Invalid::input(format!("{}: {e}", chain.display())))?,
        );
    }
    let cert = certs.remove(0);
    Ok(Loaded {
        key,
        cert,
        chain: certs,
    })
}

/// A key file: PKCS#12 (DER, told by its first byte) or PEM (plain or encrypted PKCS#8).
/// Returns the key and the certificates the file holds (the key's first).
fn load_file(
    path: &Path,
    secret: &mut Secret<'_>,
) -> anyhow::Result<(SigningKey, Vec<Certificate>)> {
    let shown = path.display().to_string();
    let bytes = read(path, "the signing key")?;
    // A PEM file is text; a PKCS#12 file is a DER SEQUENCE (0x30).
    if bytes.first() == Some(&0x30) {
        let pass = secret.get(&shown)?.to_owned();
        let (der, certs) = pkcs12::decode(&bytes, &pass).map_err(|e| match e {
            pkcs12::Error::WrongPassphrase => {
                Invalid::input(format!("wrong passphrase for {shown}"))
            }
            pkcs12::Error::Bad(why) => Invalid::input(format!("{shown}: {why}")),
        })?;
        let key = SigningKey::from_pkcs8_der(&der)
            .map_err(|e| Invalid::input(format!("{shown}: {e}")))?;
        return Ok((key, certs));
    }
    let pem = String::from_utf8(bytes)
        .map_err(|_| Invalid::input(format!("the signing key {shown}: neither PEM nor PKCS#12")))?;
    if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let unreadable =
            |e: String| Invalid::input(format!("{shown}: unreadable encrypted key: {e}"));
        // The key's block alone (the file may also hold certificates).
        let begin = pem
            .find("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            .unwrap_or(0);
        const END: &str = "-----END ENCRYPTED PRIVATE KEY-----";
        let end = pem[begin..]
            .find(END)
            .map_or(pem.len(), |e| begin + e + END.len());
        let (_, der) = pkcs8::der::pem::decode_vec(&pem.as_bytes()[begin..end])
            .map_err(|e| unreadable(e.to_string()))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
            .map_err(|e| unreadable(e.to_string()))?;
        let pass = secret.get(&shown)?.to_owned();
        // PBES2 has no MAC: a wrong passphrase shows as bad padding or a key that does
        // not parse, so either is reported as a wrong passphrase.
        let der = encrypted
            .decrypt(pass.as_bytes())
            .map_err(|_| Invalid::input(format!("wrong passphrase for {shown}")))?;
        let key = SigningKey::from_pkcs8_der(der.as_bytes()).map_err(|e| {
            if e.contains("bits") {
                Invalid::input(format!("{shown}: {e}"))
            } else {
                Invalid::input(format!("wrong passphrase for {shown}"))
            }
        })?;
        return Ok((key, cms::certs_from_pem(&pem).unwrap_or_default()));
    }
    let key = SigningKey::from_pem(&pem).map_err(|e| Invalid::input(format!("{shown}: {e}")))?;
    Ok((key, cms::certs_from_pem(&pem).unwrap_or_default()))
}
