//! `annex serve`: the library over HTTP, for a CRM and for the page where an account
//! manager prepares an annex (`page/`).
//!
//! Stage: none; it sits just below the command layer and calls the library as the
//! commands do (`prepare` → `document` → `seal`, `check::run_loaded`), with plain options
//! ([`ServeOptions`]); it knows no clap and prints nothing (`annex serve` prints the bound
//! address).
//!
//! Invariants: the shared inputs (catalogue, templates, policy and every matrix of the
//! served folder) are loaded once, at start, and a bad one stops the start; a request
//! names a matrix by id, never by path, so nothing a request says reaches the file system
//! (the profile's own `[subscription] matrices` is refused); a bind address outside the
//! loopback range needs a token and TLS (unless `insecure_http` says otherwise); at most
//! `max_connections` are open, each must send its headers within `header_timeout`
//! ([`conn`]); every request is one `tracing` event (the command writes it as a JSON line),
//! never with the profile or the token; every request body is bounded
//! ([`limits::MAX_REQUEST_BYTES`]) and every request timed out
//! ([`limits::REQUEST_TIMEOUT_SECS`] by default); at most `workers` documents are made at
//! once on blocking threads, at most `queue` more wait, and the rest are answered 503 with
//! `Retry-After`; invalid input is a 4xx `application/problem+json` with the findings
//! `annex check` reports, a 5xx is only ever the tool's own failure.

mod annexes;
mod api;
mod conn;
mod limit;
mod metrics;
mod problem;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::error::Invalid;
use crate::limits;
use crate::load::{self, LoadedMatrix};
use crate::prepare::{InputOptions, Shared};
use crate::register::Register;

pub use conn::{Bounds, TlsFiles};
pub use limit::Limiter;

/// How `annex serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Bearer token every API request must carry; required off the loopback.
    pub token: Option<String>,
    /// Folder of the matrices a request may name (by file stem); `None`: the embedded seed
    /// matrix alone.
    pub matrices: Option<PathBuf>,
    /// Catalogue, templates and check policy (its `matrices` are not used).
    pub inputs: InputOptions,
    /// Documents made at once.
    pub workers: usize,
    /// Requests that may wait for a worker; past them the answer is 503.
    pub queue: usize,
    /// Longest time a request may take, body included.
    pub timeout: Duration,
    /// Connections open at once, and how long a connection has to send its headers.
    pub bounds: Bounds,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<TlsFiles>,
    /// Allow plain HTTP off the loopback (behind a TLS-terminating proxy).
    pub insecure_http: bool,
    /// Record every final document served in this register (SQLite path or postgres://
    /// URL), and answer `GET /v1/annexes` from it.
    pub register: Option<String>,
}

/// A served matrix: its id (the file stem) and the matrix as loaded.
pub struct Served {
    /// The id requests name it by.
    pub id: String,
    /// The matrix, reported under its file name (never the server's path).
    pub loaded: LoadedMatrix,
}

/// What every request shares, loaded once.
pub struct State {
    shared: Shared,
    matrices: BTreeMap<String, Served>,
    token: Option<String>,
    limiter: Limiter,
    metrics: metrics::Metrics,
    timeout: Duration,
    register: Option<Arc<Register>>,
}

/// A bound server, not yet serving.
pub struct Server {
    listener: TcpListener,
    state: Arc<State>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    bounds: Bounds,
}

impl Server {
    /// Checks the options, loads the shared inputs and binds the address; serves nothing
    /// yet, so the caller can tell the bound address first.
    pub fn bind(options: ServeOptions) -> anyhow::Result<Server> {
        let token = options.token.filter(|t| !t.is_empty());
        if token.is_none() && !options.listen.ip().is_loopback() {
            return Err(Invalid::input(format!(
                "refusing to listen on {} without a token: an address outside the loopback range needs --token (or ANNEX_TOKEN), which every API request must then send as `Authorization: Bearer <token>`",
                options.listen
            )));
        }
        if options.tls.is_none() && !options.insecure_http && !options.listen.ip().is_loopback() {
            return Err(Invalid::input(format!(
                "refusing to serve plain HTTP on {}: off the loopback the token would cross the network in clear; give --tls-cert and --tls-key, or --insecure-http behind a proxy that terminates TLS",
                options.listen
            )));
        }
        if options.bounds.max_connections == 0 {
            return Err(Invalid::input("--max-connections must be at least 1"));
        }
        let tls = options.tls.as_ref().map(conn::acceptor).transpose()?;
        if options.workers == 0 {
            return Err(Invalid::input("--workers must be at least 1"));
        }
        // Before anything is served: a register that cannot be opened stops the start.
        let register = options
            .register
            .as_deref()
            .map(Register::open)
            .transpose()?
            .map(Arc::new);
        let mut inputs = options.inputs.clone();
        inputs.matrices.clear();
        let shared = Shared::load(&inputs)?;
        let matrices = match &options.matrices {
            Some(dir) => served_folder(dir)?,
            None => {
                let loaded = load::matrix(None)?;
                let id = stem(Path::new(load::DEFAULT_MATRIX_NAME));
                BTreeMap::from([(id.clone(), Served { id, loaded })])
            }
        };
        let listener = TcpListener::bind(options.listen)
            .map_err(|e| Invalid::input(format!("cannot listen on {}: {e}", options.listen)))?;
        listener.set_nonblocking(true)?;
        Ok(Server {
            listener,
            tls,
            bounds: options.bounds,
            state: Arc::new(State {
                shared,
                matrices,
                token,
                limiter: Limiter::new(options.workers, options.queue),
                metrics: metrics::Metrics::default(),
                timeout: options.timeout,
                register,
            }),
        })
    }

    /// The address the server listens on (the port chosen when 0 was asked).
    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// `https` or `http`: how clients reach this server.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// The ids of the served matrices.
    pub fn matrix_ids(&self) -> Vec<String> {
        self.state.matrices.keys().cloned().collect()
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in progress.
    pub fn run(self) -> anyhow::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the HTTP runtime")?;
        // The register runs its own runtime, which must not be dropped inside this one's
        // tasks: the last reference goes here, after serving.
        let register = self.state.register.clone();
        let served = runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener)
                .context("the HTTP server failed")?;
            let app = api::router(self.state);
            conn::serve(listener, app, self.tls, self.bounds, stopped()).await;
            Ok(())
        });
        drop(runtime);
        drop(register);
        served
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = interrupt => {},
            _ = terminated => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every matrix file of `dir` (not recursive: `.toml`, `.json`, `.md`, `.markdown`),
/// loaded and named by its stem; an invalid one, or two with one stem, stop the start.
fn served_folder(dir: &Path) -> anyhow::Result<BTreeMap<String, Served>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Invalid::input(format!("cannot read {}: {e}", dir.display())))?;
    let mut out: BTreeMap<String, Served> = BTreeMap::new();
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            ["toml", "json", "md", "markdown"].contains(&ext.to_ascii_lowercase().as_str())
        })
        .collect();
    paths.sort();
    for path in paths {
        let id = stem(&path);
        if !valid_id(&id) {
            return Err(Invalid::input(format!(
                "{}: a served matrix is named by its file stem, which may hold only letters, digits, `-`, `_` and `.`",
                path.display()
            )));
        }
        let mut source = load::read_text(&path)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Reported under its file name: a client never learns the server's paths.
        source.name = file_name;
        let loaded = load::matrix_from_source(source)
            .with_context(|| format!("while loading the served matrix {}", path.display()))?;
        if let Some(other) = out.get(&id) {
            return Err(Invalid::input(format!(
                "{}: two served matrices have the id `{id}` ({} too): rename one",
                path.display(),
                other.loaded.source.name
            )));
        }
        out.insert(id.clone(), Served { id, loaded });
    }
    if out.is_empty() {
        return Err(Invalid::input(format!(
            "{}: no matrix to serve (files ending in .toml, .json, .md or .markdown)",
            dir.display()
        )));
    }
    Ok(out)
}

/// A matrix id: what a file stem may be for a request to name it.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Default for `--timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(limits::REQUEST_TIMEOUT_SECS as u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_names() {
        assert!(valid_id("ovhcloud-data-processing"));
        assert!(valid_id("a_b.v2"));
        assert!(!valid_id(""));
        assert!(!valid_id("a b"));
        assert!(!valid_id("a/b"));
        assert!(!valid_id("é"));
    }

    fn options(listen: &str, token: &str) -> ServeOptions {
        ServeOptions {
            listen: listen.parse().unwrap(),
            token: Some(token.to_owned()),
            matrices: None,
            inputs: InputOptions::default(),
            workers: 1,
            queue: 0,
            timeout: DEFAULT_TIMEOUT,
            bounds: Bounds {
                max_connections: 1,
                header_timeout: DEFAULT_TIMEOUT,
            },
            tls: None,
            insecure_http: false,
            register: None,
        }
    }

    #[test]
    fn off_the_loopback_a_token_is_required() {
        let err = Server::bind(options("0.0.0.0:0", ""))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("without a token"), "{err}");
    }

    #[test]
    fn off_the_loopback_tls_is_required_unless_said_otherwise() {
        let err = Server::bind(options("0.0.0.0:0", "t"))
            .err()
            .expect("refused");
        assert!(err.to_string().contains("--insecure-http"), "{err}");
        let insecure = ServeOptions {
            insecure_http: true,
            ..options("0.0.0.0:0", "t")
        };
        assert!(Server::bind(insecure).is_ok());
    }
}
