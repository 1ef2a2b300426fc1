-- The annex register (version 1), SQLite. PostgreSQL's twin is ../postgres/0001_register.sql:
-- the same tables, columns and rules; only the dialect differs.

-- Every event, append-only and hash-chained: `hash` = SHA-256 of (`prev_hash` ‖ `seq` as
-- 8 big-endian bytes ‖ `body`), `prev_hash` the previous event's (64 zeros for the first).
-- `body` is the whole event as JSON (what is hashed); the other columns repeat some of its
-- fields for queries, and `annex register verify` checks they still say what it says.
CREATE TABLE annex_events (
    seq BIGINT PRIMARY KEY,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    -- What makes a fact the same fact: a document's fingerprint and file digest, or a
    -- signature's value digest. Recording a fact twice adds nothing.
    fact TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    customer TEXT NOT NULL,
    contract TEXT NOT NULL,
    annex TEXT NOT NULL,
    kind TEXT NOT NULL,
    matrix_id TEXT NOT NULL,
    matrix_digest TEXT NOT NULL,
    certificate TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX annex_events_by_annex ON annex_events (contract, annex, seq);
CREATE INDEX annex_events_by_fingerprint ON annex_events (fingerprint);

-- Inputs by SHA-256 of their bytes (matrices as canonical JSON, profiles as written), so
-- `outdated` and `batch --outdated` can re-tailor and list changes since what was signed.
-- Content-addressed: `verify` recomputes every digest.
CREATE TABLE annex_blobs (
    digest TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    content TEXT NOT NULL
);

CREATE TRIGGER annex_events_no_update BEFORE UPDATE ON annex_events
BEGIN
    SELECT RAISE(ABORT, 'the annex register is append-only');
END;
CREATE TRIGGER annex_events_no_delete BEFORE DELETE ON annex_events
BEGIN
    SELECT RAISE(ABORT, 'the annex register is append-only');
END;
