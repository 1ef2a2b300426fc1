//! The register's storage (part of [`super`]): one code path for SQLite and PostgreSQL
//! through sqlx's `Any` driver, runtime queries with `$n` placeholders (both backends read
//! them); only the DDL differs, in `migrations/<backend>/` under shared version numbers.
//!
//! Invariants:
//! - Opening refuses, before anything is written, a file that is not an SQLite database,
//!   a database that holds other tables than the register's, a register of a newer schema
//!   and an unreachable server; a message names the place, never a password.
//! - An append reads the head and inserts under a write lock (SQLite `BEGIN IMMEDIATE`,
//!   PostgreSQL `LOCK TABLE … IN EXCLUSIVE MODE`), so concurrent writers (batch workers,
//!   shards, several `serve` instances) never fork the chain; the same fact twice is one
//!   event.
//! - The calls are blocking: the store owns a small runtime of its own, so the pipeline
//!   (rayon workers, commands) stays synchronous.

use std::borrow::Cow;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{MigrateError, Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row as _};

use super::chain;
use crate::error::Invalid;

/// Which database the register lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file.
    Sqlite,
    /// A PostgreSQL database (`postgres://` URL).
    Postgres,
}

/// The schema versions this build knows, per backend (the same versions in both).
const SQLITE: &[(i64, &str, &str)] = &[(
    1,
    "register",
    include_str!("migrations/sqlite/0001_register.sql"),
)];
const POSTGRES: &[(i64, &str, &str)] = &[(
    1,
    "register",
    include_str!("migrations/postgres/0001_register.sql"),
)];

/// The newest schema version this build writes.
pub const SCHEMA_VERSION: i64 = 1;

/// An open register.
pub struct Store {
    rt: tokio::runtime::Runtime,
    pool: AnyPool,
    /// Which backend.
    pub backend: Backend,
    /// The register as messages name it (a path, or a URL without its password).
    pub shown: String,
}

/// A new event to append: its identity, query columns and body.
pub struct NewEvent {
    /// What makes it the same fact as one recorded before.
    pub fact: String,
    /// `document` or `signature`.
    pub event: &'static str,
    /// Seconds since the epoch, when recorded.
    pub recorded_at: i64,
    /// Query columns, in [`COLUMNS`] order.
    pub columns: [String; 9],
    /// The event as JSON.
    pub body: String,
}

/// The query columns every event has besides its links and body, in this order.
pub const COLUMNS: [&str; 9] = [
    "fingerprint",
    "sha256",
    "customer",
    "contract",
    "annex",
    "kind",
    "matrix_id",
    "matrix_digest",
    "certificate",
];

/// The files a PostgreSQL URL names for TLS (`sslrootcert`, `sslcert`, `sslkey`), each
/// readable, or an error naming the parameter and the file (the driver would only say "No
/// such file or directory"). Relative paths are read from the working folder.
fn check_tls_files(location: &str, shown: &str) -> anyhow::Result<()> {
    let Ok(parsed) = url::Url::parse(location) else {
        // The driver names what is wrong with the URL itself.
        return Ok(());
    };
    for (key, value) in parsed.query_pairs() {
        if matches!(&*key, "sslrootcert" | "sslcert" | "sslkey") {
            if let Err(e) = std::fs::File::open(&*value) {
                return Err(Invalid::input(format!(
                    "cannot open the register {shown}: {key} {value}: {e}"
                )));
            }
        }
    }
    Ok(())
}

/// SQLite's URL for a file path: `?`, `#` and `%` would be read as URL syntax.
fn sqlite_url(path: &str) -> String {
    let mut out = String::from("sqlite:");
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3F"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out.push_str("?mode=rwc");
    out
}

impl Store {
    /// Opens (creating and migrating if needed) the register at `location`: a
    /// `postgres://` or `postgresql://` URL, else an SQLite file path.
    pub fn open(location: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let postgres = location.starts_with("postgres://") || location.starts_with("postgresql://");
        let backend = if postgres {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let shown = crate::diag::shown_url(location);
        let url = match backend {
            Backend::Postgres => {
                check_tls_files(location, &shown)?;
                location.to_owned()
            }
            Backend::Sqlite => {
                check_sqlite_file(location)?;
                sqlite_url(location)
            }
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("annex-register")
            .enable_all()
            .build()?;
        let options = AnyPoolOptions::new()
            // SQLite: one writer at a time anyway (the lock is the file's); PostgreSQL: a few.
            .max_connections(if postgres { 4 } else { 1 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        // WAL: readers do not block the writer; a busy writer is waited
                        // for (other shards, another process) rather than failed.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 30000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            });
        let pool = rt
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(15), options.connect(&url)).await
            })
            .map_err(|_| {
                Invalid::input(format!(
                    "cannot reach the register {shown}: no answer in 15 s"
                ))
            })?
            .map_err(|e| Invalid::input(format!("cannot open the register {shown}: {e}")))?;
        let store = Store {
            rt,
            pool,
            backend,
            shown,
        };
        store.check_is_register()?;
        store.migrate()?;
        Ok(store)
    }

    /// Runs `f` on the store's runtime, blocking.
    fn run<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        self.rt.block_on(f)
    }

    /// Refuses a database that holds tables, none of them the register's.
    fn check_is_register(&self) -> anyhow::Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            Backend::Postgres => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        };
        let rows = self
            .run(sqlx::query(sql).fetch_all(&self.pool))
            .map_err(|e| Invalid::input(format!("{} is not an annex register: {e}", self.shown)))?;
        let names: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .collect();
        // A register, or one being made by another process right now (its migration
        // table is made first, the register's tables in the migration's transaction).
        let ours = names.iter().any(|n| n == "annex_events")
            || names.iter().all(|n| n == "_sqlx_migrations");
        if !ours {
            let mut shown: Vec<&str> = names.iter().map(String::as_str).take(5).collect();
            shown.sort_unstable();
            return Err(Invalid::input(format!(
                "{} is not an annex register: it holds other tables ({}); give a new file or an empty database",
                self.shown,
                shown.join(", ")
            )));
        }
        Ok(())
    }

    /// Applies the migrations this build has; a register migrated by a newer build is
    /// refused, naming its version.
    fn migrate(&self) -> anyhow::Result<()> {
        let list = match self.backend {
            Backend::Sqlite => SQLITE,
            Backend::Postgres => POSTGRES,
        };
        let migrations: Vec<Migration> = list
            .iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    Cow::Borrowed(*d),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        // Two processes opening a new SQLite register at once both see no migration
        // applied; the second then waits for the first's transaction and finds its tables
        // made. Once the first has committed, running again sees version 1 applied.
        // (PostgreSQL's migrations take an advisory lock and never race.)
        let mut result = self.run(migrator.run(&self.pool));
        for _ in 0..3 {
            if matches!(
                result,
                Err(MigrateError::Execute(_) | MigrateError::ExecuteMigration(..))
            ) {
                std::thread::sleep(Duration::from_millis(200));
                result = self.run(migrator.run(&self.pool));
            }
        }
        result.map_err(|e| match e {
            MigrateError::VersionMissing(v) => Invalid::input(format!(
                "the register {} has schema version {v}, newer than this annex knows ({SCHEMA_VERSION}): use a newer annex",
                self.shown
            )),
            e => Invalid::input(format!("the register {} cannot be prepared: {e}", self.shown)),
        })?;
        Ok(())
    }

    /// Appends `event` (and stores `blobs`: digest, name, content) in one transaction
    /// under the register's write lock. Returns its `seq`, and whether it is new (`false`:
    /// the same fact was recorded before, as that `seq`).
    pub fn append(
        &self,
        event: &NewEvent,
        blobs: &[(String, String, String)],
    ) -> anyhow::Result<(i64, bool)> {
        self.run(async {
            let mut tx = match self.backend {
                Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("LOCK TABLE annex_events IN EXCLUSIVE MODE")
                        .execute(&mut *tx)
                        .await?;
                    tx
                }
            };
            let known = sqlx::query("SELECT seq FROM annex_events WHERE fact = $1")
                .bind(&event.fact)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = known {
                tx.commit().await?;
                return Ok::<_, sqlx::Error>((row.try_get::<i64, _>(0)?, false));
            }
            for (digest, name, content) in blobs {
                sqlx::query("INSERT INTO annex_blobs (digest, name, content) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING")
                    .bind(digest)
                    .bind(name)
                    .bind(content)
                    .execute(&mut *tx)
                    .await?;
            }
            let head = sqlx::query("SELECT seq, hash FROM annex_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
            let (seq, prev) = match head {
                Some(r) => (r.try_get::<i64, _>(0)? + 1, r.try_get::<String, _>(1)?),
                None => (1, chain::GENESIS.to_owned()),
            };
            let hash = chain::hash(&prev, seq, &event.body);
            let c = &event.columns;
            sqlx::query(
                "INSERT INTO annex_events (seq, prev_hash, hash, fact, event, recorded_at, fingerprint, sha256, customer, contract, annex, kind, matrix_id, matrix_digest, certificate, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(seq)
            .bind(&prev)
            .bind(&hash)
            .bind(&event.fact)
            .bind(event.event)
            .bind(event.recorded_at)
            .bind(&c[0])
            .bind(&c[1])
            .bind(&c[2])
            .bind(&c[3])
            .bind(&c[4])
            .bind(&c[5])
            .bind(&c[6])
            .bind(&c[7])
            .bind(&c[8])
            .bind(&event.body)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok((seq, true))
        })
        .map_err(|e| Invalid::input(format!("cannot write to the register {}: {e}", self.shown)))
    }

    /// Rows of `sql` (bound to `args`), every column read as text or integer.
    pub fn rows(&self, sql: &'static str, args: &[&str]) -> anyhow::Result<Vec<Vec<Value>>> {
        self.run(async {
            let mut q = sqlx::query(sql);
            for a in args {
                q = q.bind(*a);
            }
            let rows = q.fetch_all(&self.pool).await?;
            Ok::<_, sqlx::Error>(rows.iter().map(values).collect())
        })
        .map_err(|e| Invalid::input(format!("cannot read the register {}: {e}", self.shown)))
    }

    /// The content of a blob by digest.
    pub fn blob(&self, digest: &str) -> anyhow::Result<Option<(String, String)>> {
        let rows = self.rows(
            "SELECT name, content FROM annex_blobs WHERE digest = $1",
            &[digest],
        )?;
        Ok(rows.into_iter().next().map(|r| (r[0].text(), r[1].text())))
    }

    /// Every event as the chain sees it, in `seq` order.
    pub fn links(&self) -> anyhow::Result<Vec<chain::Link>> {
        let rows = self.rows(
            "SELECT seq, prev_hash, hash, body, event, fingerprint, sha256, customer, contract, annex, kind, matrix_id, matrix_digest, certificate FROM annex_events ORDER BY seq",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| chain::Link {
                seq: r[0].int(),
                prev_hash: r[1].text(),
                hash: r[2].text(),
                body: r[3].text(),
                columns: std::iter::once(("event", r[4].text()))
                    .chain(COLUMNS.iter().zip(&r[5..]).map(|(n, v)| (*n, v.text())))
                    .collect(),
            })
            .collect())
    }

    /// Every blob whose content does not hash to its digest.
    pub fn bad_blobs(&self) -> anyhow::Result<Vec<String>> {
        let rows = self.rows(
            "SELECT digest, content FROM annex_blobs ORDER BY digest",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .filter(|r| crate::digest::sha256_hex(r[1].text().as_bytes()) != r[0].text())
            .map(|r| r[0].text())
            .collect())
    }
}

/// A column's value: text or integer (the only types the register stores).
#[derive(Debug, Clone)]
pub enum Value {
    /// TEXT.
    Text(String),
    /// BIGINT.
    Int(i64),
}

impl Value {
    /// As text (an integer in decimal).
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
        }
    }

    /// Moves the text out (an integer in decimal), leaving an empty text.
    pub fn take_text(&mut self) -> String {
        match self {
            Value::Text(s) => std::mem::take(s),
            Value::Int(i) => i.to_string(),
        }
    }

    /// As an integer (0 for text that is not one).
    pub fn int(&self) -> i64 {
        match self {
            Value::Text(s) => s.parse().unwrap_or(0),
            Value::Int(i) => *i,
        }
    }
}

fn values(row: &AnyRow) -> Vec<Value> {
    (0..row.len())
        // Text first: most columns are text, and a failed `try_get` formats an error.
        .map(|i| match row.try_get::<String, _>(i) {
            Ok(s) => Value::Text(s),
            Err(_) => match row.try_get::<i64, _>(i) {
                Ok(n) => Value::Int(n),
                Err(_) => Value::Text(String::new()),
            },
        })
        .collect()
}

/// Refuses a path that exists but is not an SQLite database (or is not a file).
fn check_sqlite_file(path: &str) -> anyhow::Result<()> {
    let p = std::path::Path::new(path);
    let Ok(meta) = std::fs::metadata(p) else {
        return Ok(());
    };
    if !meta.is_file() {
        return Err(Invalid::input(format!(
            "{path} is not an annex register: not a regular file"
        )));
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let mut head = [0u8; 16];
    let read =
        std::fs::File::open(p).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
    if read.is_err() || &head != b"SQLite format 3\0" {
        return Err(Invalid::input(format!(
            "{path} is not an annex register: not an SQLite database"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_not_url_syntax() {
        assert_eq!(sqlite_url("a?b#c%d.db"), "sqlite:a%3Fb%23c%25d.db?mode=rwc");
    }

    #[test]
    fn both_backends_know_the_same_versions() {
        let v = |l: &[(i64, &str, &str)]| l.iter().map(|m| m.0).collect::<Vec<_>>();
        assert_eq!(v(SQLITE), v(POSTGRES));
        assert_eq!(v(SQLITE).last(), Some(&SCHEMA_VERSION));
    }
}
