//! The byte range of a signature or document timestamp (part of [`super`]): the one rule
//! for which bytes it covers, used when signing (`sign_pdf`), extending (`ltv`,
//! `timestamp`) and verifying.
//!
//! Invariants: the range covers every byte of the file but the `/Contents` hex string
//! itself; what goes in the string is never larger than the space reserved for it.

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use super::CONTENTS_BYTES;

/// Fills in the `/ByteRange` of the signature or document timestamp dictionary the update
/// appended at `start` of `out` carries (`/ByteRange[0 ` and a blank of 32 bytes, then
/// `/Contents <` and [`CONTENTS_BYTES`](super::CONTENTS_BYTES) zero bytes in hex), so that it covers every byte
/// but that hex string; returns where the string starts and the SHA-256 of what it
/// covers (what the CMS signature or the timestamp token is made over). One rule for
/// `annex sign` and `annex timestamp`.
pub(crate) fn fill_byte_range(
    out: &mut [u8],
    start: usize,
    what: &str,
) -> anyhow::Result<(usize, [u8; 32])> {
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let placeholder = || format!("{what} placeholder");
    let br = find(out, b"/ByteRange[0 ", start).with_context(placeholder)? + 13;
    let contents = find(out, b"/Contents <", br).with_context(placeholder)? + 10;
    let contents_end = contents + CONTENTS_BYTES * 2 + 2;
    let ranges = [0, contents, contents_end, out.len() - contents_end];
    out[br..br + 32].copy_from_slice(
        format!(
            "{:<32}",
            ranges[1..]
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        )
        .as_bytes(),
    );
    let r: Vec<i64> = ranges.iter().map(|&v| v as i64).collect();
    let digest = range_digest(out, &r).with_context(|| format!("{what} byte range"))?;
    Ok((contents, digest))
}

/// Writes `der` (a CMS signature or a timestamp token) into the `/Contents` hex string that
/// starts at `contents`, refusing one larger than the space [`fill_byte_range`] covers
/// around.
pub(crate) fn fill_contents(
    out: &mut [u8],
    contents: usize,
    der: &[u8],
    what: &str,
) -> anyhow::Result<()> {
    if der.len() > CONTENTS_BYTES {
        anyhow::bail!(
            "the {what} ({} bytes) is larger than the space reserved for it",
            der.len()
        );
    }
    let hex = crate::digest::hex(der);
    out[contents + 1..contents + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(())
}

/// SHA-256 of the bytes a `/ByteRange` (`[0 a b c]`) covers, if it is such a range within
/// the file: what a signature or document timestamp is made over. One rule for signing,
/// extending and verifying.
pub fn range_digest(bytes: &[u8], r: &[i64]) -> Option<[u8; 32]> {
    let [0, a, b, c] = *r else { return None };
    let (a, b, c) = (
        usize::try_from(a).ok()?,
        usize::try_from(b).ok()?,
        usize::try_from(c).ok()?,
    );
    let mut h = <Sha256 as Digest>::new();
    h.update(bytes.get(..a)?);
    h.update(bytes.get(b..b.checked_add(c)?)?);
    Some(h.finalize().into())
}
