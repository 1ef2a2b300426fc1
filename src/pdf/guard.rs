//! What the PDF parser (hayro-syntax) is never given: it recurses once per level of nested
//! arrays and dictionaries, and once per level of the page tree when it opens a file, so a
//! crafted file of `[[[[…` or of 100,000 nested `/Pages` would overflow the stack (exit
//! 134). Two linear scans run before it sees a byte, without the parser:
//! - [`check_nesting`]: no array or dictionary deeper than [`MAX_NESTING`];
//! - [`check_trees`]: no `/Kids` tree deeper than [`MAX_TREE_DEPTH`] or with a cycle, over
//!   every version of every object in the file, and no object streams (whose objects
//!   these scans could not see).
//!
//! Invariant: both are linear in the file (overlapping objects are bounded by a budget),
//! iterative, and err with a message naming the byte or object.

use std::collections::{BTreeMap, BTreeSet};

/// The first position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How deep arrays and dictionaries may nest in a PDF we read. Real documents stay under
/// 20; the parser uses a few hundred bytes of stack per level.
pub const MAX_NESTING: usize = 512;

/// Checks, in one pass, that no array or dictionary nests deeper than [`MAX_NESTING`].
///
/// Literal and hex strings and comments are skipped as the parser skips them. Stream data
/// (after a `stream` keyword met outside any array or dictionary) is scanned too, with its
/// own count, so that an object the cross-reference table places inside a stream is
/// bounded as well; an `endstream` inside stream data returns to the count outside.
pub fn check_nesting(bytes: &[u8]) -> Result<(), String> {
    let (mut depth, mut outside) = (0usize, 0usize);
    let mut in_stream = false;
    let mut i = 0;
    let n = bytes.len();
    let deep = |at: usize| {
        Err(format!(
            "arrays or dictionaries nest deeper than {MAX_NESTING} levels (at byte {at}): not a PDF annex reads"
        ))
    };
    while i < n {
        match bytes[i] {
            b'%' => {
                while i < n && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => i = string_end(bytes, i),
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
                if depth > MAX_NESTING {
                    return deep(i);
                }
            }
            b'<' => {
                while i < n && bytes[i] != b'>' {
                    i += 1;
                }
            }
            b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return deep(i);
                }
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b']' => depth = depth.saturating_sub(1),
            b's' if !in_stream && depth == 0 && bytes[i..].starts_with(b"stream") => {
                in_stream = true;
                outside = depth;
                i += 5;
            }
            b'e' if in_stream && bytes[i..].starts_with(b"endstream") => {
                in_stream = false;
                depth = outside;
                i += 8;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// How deep `/Kids` trees (pages, form fields, name trees) may go in a PDF we read: the
/// parser builds the page list recursively, one stack frame per level.
pub const MAX_TREE_DEPTH: usize = 64;

/// The most bytes read of one object's dictionary or array before its end.
const MAX_OBJECT_HEAD: usize = 1 << 20;

/// PDF whitespace and delimiters end a name or a number.
fn is_regular(b: u8) -> bool {
    !b"\0\t\n\x0c\r ()<>[]{}/%".contains(&b)
}

/// The name starting after the `/` at `i` (`#xx` escapes decoded), and where it ends.
fn name_at(bytes: &[u8], i: usize) -> (Vec<u8>, usize) {
    let mut end = i + 1;
    while end < bytes.len() && is_regular(bytes[end]) {
        end += 1;
    }
    let raw = &bytes[i + 1..end];
    let mut out = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            raw[k],
            raw.get(k + 1).and_then(|b| hex(*b)),
            raw.get(k + 2).and_then(|b| hex(*b)),
        ) {
            (b'#', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                k += 3;
            }
            (b, _, _) => {
                out.push(b);
                k += 1;
            }
        }
    }
    (out, end)
}

/// The object references in the `/Kids` of the dictionary, or in the array, that starts
/// at `i`; `None` past [`MAX_OBJECT_HEAD`] bytes without its end. Strings and comments
/// are skipped as the parser skips them. Adds the bytes read to `work`.
fn kids_at(bytes: &[u8], mut i: usize, work: &mut usize) -> Option<Vec<i64>> {
    let start = i;
    let top_is_array = bytes.get(i) == Some(&b'[');
    let (mut depth, mut kids_depth) = (0usize, None);
    let mut numbers: Vec<i64> = Vec::new();
    let mut out = Vec::new();
    let mut pending_kids = false;
    while i < bytes.len() {
        if i - start > MAX_OBJECT_HEAD {
            *work += i - start;
            return None;
        }
        let b = bytes[i];
        match b {
            b'%' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'(' => {
                i = string_end(bytes, i);
                numbers.clear();
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
                numbers.clear();
            }
            b'<' => {
                while i < bytes.len() && bytes[i] != b'>' {
                    i += 1;
                }
                numbers.clear();
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
                numbers.clear();
                if depth == 0 {
                    break;
                }
            }
            b'[' => {
                depth += 1;
                if pending_kids {
                    kids_depth = Some(depth);
                    pending_kids = false;
                }
                numbers.clear();
            }
            b']' => {
                if kids_depth == Some(depth) {
                    kids_depth = None;
                }
                depth = depth.saturating_sub(1);
                numbers.clear();
                if depth == 0 {
                    break;
                }
            }
            b'/' => {
                let (name, end) = name_at(bytes, i);
                // A key of the top dictionary: `/Kids` followed by its value.
                pending_kids = !top_is_array && depth == 1 && name == b"Kids";
                numbers.clear();
                i = end;
                continue;
            }
            b'R' if numbers.len() >= 2 => {
                let in_kids = kids_depth == Some(depth)
                    || (top_is_array && depth == 1)
                    || (pending_kids && depth == 1);
                if in_kids {
                    out.push(numbers[numbers.len() - 2]);
                }
                pending_kids = false;
                numbers.clear();
            }
            b'0'..=b'9' => {
                let mut end = i;
                while end < bytes.len() && bytes[end].is_ascii_digit() {
                    end += 1;
                }
                numbers.push(
                    std::str::from_utf8(&bytes[i..end])
                        .ok()
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(-1),
                );
                i = end;
                continue;
            }
            b if b.is_ascii_whitespace() => {}
            _ => numbers.clear(),
        }
        i += 1;
    }
    *work += i - start;
    Some(out)
}

/// Checks, without the parser, that no `/Kids` tree (of any version of any object written
/// as `N G obj` anywhere in the file, as the parser may read any of them) is deeper than
/// [`MAX_TREE_DEPTH`] or has a cycle, and that the file has no object streams (whose
/// objects this check could not see). Linear: every object's head is read once, and
/// overlapping objects are bounded by a total budget.
pub fn check_trees(bytes: &[u8]) -> Result<(), String> {
    let mut i = 0;
    while let Some(p) = find(&bytes[i..], b"/") {
        let (name, end) = name_at(bytes, i + p);
        if name == b"ObjStm" {
            return Err(format!(
                "object streams are not read (at byte {}): not a PDF annex writes",
                i + p
            ));
        }
        i = end.max(i + p + 1);
    }
    let mut edges: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut work = 0usize;
    let budget = 4 * bytes.len() + (4 << 20);
    let mut at = 0;
    while let Some(p) = find(&bytes[at..], b"obj") {
        let o = at + p;
        at = o + 3;
        // `N G obj`: two numbers before, whitespace between.
        let before = &bytes[..o];
        let t = before.len()
            - before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let g = t - before[..t]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let s = g - before[..g]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let n = s - before[..s]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if t == o || g == t || s == g || n == s || bytes.get(o + 3).is_some_and(|b| is_regular(*b))
        {
            continue;
        }
        let Some(num) = std::str::from_utf8(&before[n..s])
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
        else {
            continue;
        };
        let mut v = o + 3;
        while v < bytes.len() && bytes[v].is_ascii_whitespace() {
            v += 1;
        }
        if !matches!(bytes.get(v), Some(b'<' | b'[')) {
            continue;
        }
        let kids = kids_at(bytes, v, &mut work).ok_or_else(|| {
            format!(
                "object {num} at byte {n} is longer than {MAX_OBJECT_HEAD} bytes before its end"
            )
        })?;
        if work > budget {
            return Err("objects overlap too much to be read safely".into());
        }
        if !kids.is_empty() {
            edges.entry(num).or_default().extend(kids);
        }
    }
    // The deepest path, depth first without recursion; a node on the path again is a cycle.
    let mut depth_of: BTreeMap<i64, usize> = BTreeMap::new();
    for &root in edges.keys() {
        if depth_of.contains_key(&root) {
            continue;
        }
        let mut on_path: BTreeSet<i64> = [root].into();
        let mut stack: Vec<(i64, usize)> = vec![(root, 0)];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let kids = edges.get(&node).map_or(&[][..], |k| k.as_slice());
            if let Some(&kid) = kids.get(*next) {
                *next += 1;
                if on_path.contains(&kid) {
                    return Err(format!(
                        "the /Kids of object {kid} lead back to it (a cycle)"
                    ));
                }
                if !depth_of.contains_key(&kid) {
                    if stack.len() > MAX_TREE_DEPTH {
                        return Err(format!(
                            "a /Kids tree is deeper than {MAX_TREE_DEPTH} levels (at object {kid})"
                        ));
                    }
                    on_path.insert(kid);
                    stack.push((kid, 0));
                }
            } else {
                let d = 1 + kids
                    .iter()
                    .map(|k| depth_of.get(k).copied().unwrap_or(0))
                    .max()
                    .unwrap_or(0);
                if d > MAX_TREE_DEPTH {
                    return Err(format!(
                        "a /Kids tree is deeper than {MAX_TREE_DEPTH} levels (at object {node})"
                    ));
                }
                depth_of.insert(node, d);
                on_path.remove(&node);
                stack.pop();
            }
        }
    }
    Ok(())
}

/// Where the literal string opening at `start` (a `(`) closes: the index of its `)`, with
/// nested parentheses and backslash escapes skipped, or the end of the bytes.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    let mut level = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'(' => level += 1,
            b')' => {
                level -= 1;
                if level == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert!(check_nesting(&b"[".repeat(MAX_NESTING)).is_ok());
        assert!(check_nesting(&b"[".repeat(MAX_NESTING + 1)).is_err());
        assert!(check_nesting(&b"<<".repeat(MAX_NESTING + 1)).is_err());
        let mut quoted = b"(".to_vec();
        quoted.extend(b"[(".repeat(1000));
        quoted.extend(b")".repeat(1001));
        assert!(check_nesting(&quoted).is_ok());
    }

    #[test]
    fn kids_are_read_from_the_top_dictionary_only() {
        let mut work = 0;
        let obj = b"<</Type/Pages/X<</Kids[9 0 R]>>/S(/Kids[8 0 R])/K#69ds[2 0 R 3 0 R]>>";
        assert_eq!(kids_at(obj, 0, &mut work), Some(vec![2, 3]));
        assert_eq!(kids_at(b"<</Kids 7 0 R>>", 0, &mut work), Some(vec![7]));
        assert_eq!(kids_at(b"[4 0 R 5 0 R]", 0, &mut work), Some(vec![4, 5]));
    }
}
