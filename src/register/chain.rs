//! The register's hash chain (part of [`super`]): how an event's hash is computed, and the
//! walk that finds a changed, inserted or deleted event.
//!
//! One rule: `hash = SHA-256(prev_hash ‖ seq as 8 big-endian bytes ‖ body)`, hex, with 64
//! zeros as the first event's `prev_hash`. Pure: the store reads rows, this judges them.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of the event `seq` with `body`, after the event whose hash is `prev_hash`.
pub fn hash(prev_hash: &str, seq: i64, body: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(body.as_bytes());
    crate::digest::hex(&h.finalize())
}

/// One stored event as the chain sees it: its place, links, body and the columns that
/// repeat fields of the body (name, value) for queries.
#[derive(Debug, Clone)]
pub struct Link {
    /// `seq`.
    pub seq: i64,
    /// `prev_hash`.
    pub prev_hash: String,
    /// `hash`.
    pub hash: String,
    /// `body`.
    pub body: String,
    /// Query columns: (column, stored value).
    pub columns: Vec<(&'static str, String)>,
}

/// The query columns (name, value) an event's body implies, or why it cannot be read.
pub type Columns = Result<Vec<(&'static str, String)>, String>;

/// Walks `links` (in `seq` order) and names every event that is not what was recorded:
/// a gap in `seq` (deleted events), a broken link (an event inserted, deleted or changed
/// before it), a hash that does not match its body (a changed body), or a query column
/// that disagrees with the body (a changed column). `expected` gives, for a body, the
/// columns it implies.
pub fn problems(links: &[Link], expected: &dyn Fn(&str) -> Columns) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<&Link> = None;
    for link in links {
        let want_seq = prev.map_or(1, |p| p.seq + 1);
        if link.seq != want_seq {
            out.push(if link.seq > want_seq {
                format!(
                    "event {} follows event {}: event(s) {want_seq} to {} were deleted",
                    link.seq,
                    want_seq - 1,
                    link.seq - 1
                )
            } else {
                format!(
                    "event {}: out of order after event {}",
                    link.seq,
                    want_seq - 1
                )
            });
        }
        let want_prev = prev.map_or(GENESIS, |p| p.hash.as_str());
        if link.prev_hash != want_prev {
            out.push(format!(
                "event {}: its link to the event before does not match (an event was inserted, deleted or changed before it)",
                link.seq
            ));
        }
        if hash(&link.prev_hash, link.seq, &link.body) != link.hash {
            out.push(format!(
                "event {}: its content does not match its hash (the event was changed)",
                link.seq
            ));
        }
        match expected(&link.body) {
            Err(e) => out.push(format!(
                "event {}: its content cannot be read ({e})",
                link.seq
            )),
            Ok(columns) => {
                for (name, value) in columns {
                    let stored = link.columns.iter().find(|(n, _)| *n == name);
                    if stored.map(|(_, v)| v) != Some(&value) {
                        out.push(format!(
                            "event {}: column {name} says {:?}, its recorded content says {value:?} (the row was changed)",
                            link.seq,
                            stored.map_or("", |(_, v)| v.as_str())
                        ));
                    }
                }
            }
        }
        prev = Some(link);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(bodies: &[&str]) -> Vec<Link> {
        let mut prev = GENESIS.to_owned();
        bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let seq = i as i64 + 1;
                let h = hash(&prev, seq, b);
                let link = Link {
                    seq,
                    prev_hash: prev.clone(),
                    hash: h.clone(),
                    body: (*b).to_owned(),
                    columns: vec![("customer", (*b).to_owned())],
                };
                prev = h;
                link
            })
            .collect()
    }

    fn columns(body: &str) -> Columns {
        Ok(vec![("customer", body.to_owned())])
    }

    #[test]
    fn an_intact_chain_has_no_problem() {
        assert!(problems(&chain(&["a", "b", "c"]), &columns).is_empty());
    }

    #[test]
    fn a_changed_body_a_changed_column_and_a_deleted_event_are_named() {
        let mut links = chain(&["a", "b", "c", "d"]);
        links[1].body = "B".into();
        let found = problems(&links, &columns);
        assert!(
            found.iter().any(|p| p.starts_with("event 2: its content")),
            "{found:?}"
        );
        let mut links = chain(&["a", "b", "c"]);
        links[2].columns[0].1 = "x".into();
        let found = problems(&links, &columns);
        assert!(
            found.iter().any(|p| p.contains("event 3: column customer")),
            "{found:?}"
        );
        let mut links = chain(&["a", "b", "c"]);
        links.remove(1);
        let found = problems(&links, &columns);
        assert!(
            found
                .iter()
                .any(|p| p.contains("event(s) 2 to 2 were deleted")),
            "{found:?}"
        );
    }
}
