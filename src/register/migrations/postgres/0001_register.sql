-- The annex register (version 1), PostgreSQL. SQLite's twin is ../sqlite/0001_register.sql
-- (which says what each column is): the same tables, columns and rules.
CREATE TABLE annex_events (
    seq BIGINT PRIMARY KEY,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
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

CREATE TABLE annex_blobs (
    digest TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    content TEXT NOT NULL
);

CREATE FUNCTION annex_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the annex register is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER annex_events_append_only BEFORE UPDATE OR DELETE ON annex_events
    FOR EACH ROW EXECUTE FUNCTION annex_append_only();
