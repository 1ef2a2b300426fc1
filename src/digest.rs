//! Hashing: SHA-256 in hex, and the document fingerprint.
//!
//! One rule, one implementation: the fingerprint printed in every document, recorded in a
//! sealed annex's manifest and recomputed by `annex verify` is [`fingerprint`], and nothing
//! else computes it.

use sha2::{Digest, Sha256};

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Decodes lowercase or uppercase hex; `None` if malformed.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// SHA-256 of bytes.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// SHA-256 as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

/// The document fingerprint, as 64 hex digits: SHA-256 over the canonical JSON of the
/// first matrix, the validated profile (JSON) and the template set digest, then the
/// canonical JSON of each further composed part. A single-matrix fingerprint hashes the
/// first three only, so it stayed what it was before composition existed.
pub fn fingerprint(
    matrix_json: &[u8],
    profile_json: &[u8],
    template_digest: &[u8],
    later_parts_json: &[&[u8]],
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(matrix_json);
    hasher.update(b"\n");
    hasher.update(profile_json);
    hasher.update(b"\n");
    hasher.update(template_digest);
    for part in later_parts_json {
        hasher.update(b"\n");
        hasher.update(part);
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
        assert_eq!(unhex("00ff10").unwrap(), vec![0, 255, 16]);
        assert_eq!(unhex("0g"), None);
        assert_eq!(unhex("abc"), None);
    }

    #[test]
    fn a_single_part_fingerprint_ignores_the_part_list() {
        let one = fingerprint(b"m", b"p", b"t", &[]);
        assert_eq!(one, sha256_hex(b"m\np\nt"));
        assert_ne!(one, fingerprint(b"m", b"p", b"t", &[b"m2"]));
    }
}
