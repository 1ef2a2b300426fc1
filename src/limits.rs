//! Every documented limit on the inputs and on what is reported about them, in one place.
//!
//! Foundation (no stage). Typst has no cancellation and contract text is never cut, so the
//! only defence against an input that would take minutes or gigabytes is to refuse it up
//! front, with a message naming the file, the place and the limit. Every stage is linear in
//! its input; these limits bound that input.
//!
//! Invariants: the importer and the loader apply the same limits (`Matrix::limits`, in
//! `model`, for the matrix itself; [`MAX_INPUT_BYTES`] for the file, the canonical output
//! included),
//! so a file `annex import` writes always loads; the user guide's "Limits" page
//! (`docs/book/src/reference/limits.md`) lists every
//! constant here with its value (a test keeps them in step).

/// Largest input file (matrix, page, profile, catalogue, policy), and largest canonical
/// matrix `annex import` writes: real pages are a few tens of KiB.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// Most activities (table rows) in one matrix: published matrices have a few hundred.
pub const MAX_ACTIVITIES: usize = 10_000;

/// Most sections (numbered headings, and tables outside them) in one matrix.
pub const MAX_SECTIONS: usize = 10_000;

/// Deepest section number: `1.2.3` has depth 3; published pages go to 4.
pub const MAX_SECTION_DEPTH: usize = 32;

/// Most parties (letter columns) in one matrix.
pub const MAX_PARTIES: usize = 16;

/// Most offering variants (applicability columns) in one matrix.
pub const MAX_VARIANTS: usize = 16;

/// Longest text of a matrix, in characters (Unicode scalar values): an activity, a section
/// title or note, a party name, a legend meaning, a link. About 8,000 words, 15 pages of
/// one table row; published activities have under 100 words.
pub const MAX_TEXT_CHARS: usize = 50_000;

/// Longest line of a Markdown page, in characters: a table row with one cell at
/// [`MAX_CELL_CHARS`] and room for the others; a prose line or heading is far shorter.
pub const MAX_LINE_CHARS: usize = 2 * MAX_CELL_CHARS;

/// Markdown pages: most `*` in a line that also has more than this many `_` (and the
/// reverse). pulldown-cmark matches interleaved emphasis marks (`*a_*a_…`) in time
/// quadratic in their number; real lines have a handful.
pub const MAX_MIXED_EMPHASIS: usize = 100;

/// Longest text of a profile, in characters: a name, an address, a reference, an id. They
/// are printed in headers and on signature lines; real ones are under 200 characters.
pub const MAX_PROFILE_TEXT_CHARS: usize = 1_000;

/// Problems of a profile's TOML (syntax, unknown or missing keys, wrong types) reported in
/// one run: the loader repairs its working copy after each and reads it again.
pub const MAX_PROFILE_PARSE_PROBLEMS: usize = 100;

/// Bytes the profile loader reads in all when it reads a profile again after a problem:
/// a large profile gets fewer reads ([`MAX_PROFILE_PARSE_PROBLEMS`] at most), so reading
/// stays linear in its size.
pub const MAX_PROFILE_REPARSE_BYTES: usize = 64 * 1024 * 1024;

/// Longest table cell of a Markdown page, in characters, before its markup is read: room
/// for the longest text plus its links and emphasis.
pub const MAX_CELL_CHARS: usize = 2 * MAX_TEXT_CHARS;

/// Findings shown per rule code in a report; the rest are counted ("… and N more").
pub const MAX_SHOWN_PER_RULE: usize = 20;

/// Findings shown per source line in a report; the rest are counted with their rule.
pub const MAX_SHOWN_PER_LINE: usize = 10;

/// Longest source line shown whole under a finding, in characters; a longer one is shown
/// as a window of this many characters around the place, cut with `…`.
pub const MAX_SNIPPET_CHARS: usize = 200;

/// Longest message, note or label shown for a finding, in characters; a longer one (quoting
/// a huge cell) is cut in the middle with `…`.
pub const MAX_MESSAGE_CHARS: usize = 400;

/// Pairing two versions of a matrix (`annex diff`, `--since`, `import --previous`): work
/// budget of the similarity step, in character pairs compared (an edit distance of texts of
/// n and m characters costs n × m); past it the activities still unpaired stay unpaired
/// (reported as removed and added). About a second at worst; real revisions use a few
/// million.
pub const MAX_SIMILARITY_WORK: usize = 200_000_000;

/// Pairing two versions of a matrix: longest texts compared character by character (an edit
/// distance costs the product of the lengths); longer ones are compared by their words.
pub const MAX_EDIT_DISTANCE_CHARS: usize = 2_000;

/// `annex serve`: largest request body, in bytes (a profile is a few KiB; this leaves room
/// for a profile with every catalogue entry and many signatories).
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// `annex serve`: default time a request may take, in seconds, body included (`--timeout`):
/// a document of a published matrix takes well under a second warm; the largest matrix
/// (`MAX_ACTIVITIES` rows) about 12 s.
pub const REQUEST_TIMEOUT_SECS: usize = 60;

/// `annex serve`: connections open at once (`--max-connections`); one more is closed as soon
/// as it is accepted. Well under the usual limit of 1,024 open files.
pub const MAX_CONNECTIONS: usize = 256;

/// `annex serve`: seconds a connection has to send a request's headers and finish its TLS
/// handshake (`--header-timeout`); a keep-alive connection idle this long is closed too.
pub const HEADER_TIMEOUT_SECS: usize = 10;

/// Evidence packs (`annex pack`, `annex verify <pack.zip>`): the largest file `annex
/// verify` reads, a pack or an annex.
/// A pack holds three PDFs and its inputs, each within [`MAX_INPUT_BYTES`]; real ones are
/// a few MiB.
pub const MAX_PACK_BYTES: usize = 256 * 1024 * 1024;

/// Evidence packs: most members (zip entries) read, checked before anything is inflated.
/// A pack has a dozen; one per matrix part and its source more.
pub const MAX_PACK_MEMBERS: usize = 1_000;

/// Evidence packs: most bytes the members declare in total, checked before anything is
/// inflated; no member is inflated past the size it declares (zip bombs fail there).
pub const MAX_PACK_INFLATED_BYTES: usize = 512 * 1024 * 1024;

/// Every limit above with its name, value and unit, for the guide's Limits table (and its test).
pub const ALL: &[(&str, usize, &str)] = &[
    ("MAX_INPUT_BYTES", MAX_INPUT_BYTES, "bytes"),
    ("MAX_ACTIVITIES", MAX_ACTIVITIES, "activities"),
    ("MAX_SECTIONS", MAX_SECTIONS, "sections"),
    ("MAX_SECTION_DEPTH", MAX_SECTION_DEPTH, "levels"),
    ("MAX_PARTIES", MAX_PARTIES, "parties"),
    ("MAX_VARIANTS", MAX_VARIANTS, "variants"),
    ("MAX_TEXT_CHARS", MAX_TEXT_CHARS, "characters"),
    ("MAX_CELL_CHARS", MAX_CELL_CHARS, "characters"),
    ("MAX_LINE_CHARS", MAX_LINE_CHARS, "characters"),
    ("MAX_MIXED_EMPHASIS", MAX_MIXED_EMPHASIS, "marks"),
    (
        "MAX_PROFILE_TEXT_CHARS",
        MAX_PROFILE_TEXT_CHARS,
        "characters",
    ),
    ("MAX_SHOWN_PER_RULE", MAX_SHOWN_PER_RULE, "findings"),
    ("MAX_SHOWN_PER_LINE", MAX_SHOWN_PER_LINE, "findings"),
    ("MAX_SNIPPET_CHARS", MAX_SNIPPET_CHARS, "characters"),
    ("MAX_MESSAGE_CHARS", MAX_MESSAGE_CHARS, "characters"),
    (
        "MAX_SIMILARITY_WORK",
        MAX_SIMILARITY_WORK,
        "character pairs",
    ),
    (
        "MAX_EDIT_DISTANCE_CHARS",
        MAX_EDIT_DISTANCE_CHARS,
        "characters",
    ),
    ("MAX_REQUEST_BYTES", MAX_REQUEST_BYTES, "bytes"),
    ("REQUEST_TIMEOUT_SECS", REQUEST_TIMEOUT_SECS, "seconds"),
    ("MAX_CONNECTIONS", MAX_CONNECTIONS, "connections"),
    ("HEADER_TIMEOUT_SECS", HEADER_TIMEOUT_SECS, "seconds"),
    ("MAX_PACK_BYTES", MAX_PACK_BYTES, "bytes"),
    ("MAX_PACK_MEMBERS", MAX_PACK_MEMBERS, "members"),
    ("MAX_PACK_INFLATED_BYTES", MAX_PACK_INFLATED_BYTES, "bytes"),
];

/// `n` with thousands separators (`20,000`), as limits are written in messages.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(20_000), "20,000");
        assert_eq!(thousands(20_971_520), "20,971,520");
    }

    #[test]
    fn the_guide_lists_every_limit_with_its_value() {
        let page = include_str!("../docs/book/src/reference/limits.md");
        for (name, value, _) in ALL {
            let row = format!("| `{name}` | {} |", thousands(*value));
            assert!(
                page.contains(&row),
                "docs/book/src/reference/limits.md lacks the row `{row}`"
            );
        }
    }
}
