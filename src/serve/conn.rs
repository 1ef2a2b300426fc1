//! The connections of `annex serve`: the accept loop, TLS, and the bounds a careless or
//! hostile network needs.
//!
//! Invariants: at most `max_connections` connections are open at once, and one past the cap
//! is closed as soon as it is accepted (so a flood of half-open connections cannot exhaust
//! the process's file descriptors, and a connection that finishes its request frees its
//! place at once); a connection must send a request's headers (and, with TLS, finish its
//! handshake) within `header_timeout`, and the same bound closes a keep-alive connection
//! that stays idle between requests (hyper starts the header timer again after each
//! response); on shutdown, no new connection is accepted and those in progress finish.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

use crate::error::Invalid;

/// The bounds of every connection.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Connections open at once; one more is closed when accepted.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers (and to finish its TLS handshake),
    /// and the longest a keep-alive connection may stay idle.
    pub header_timeout: Duration,
}

/// A certificate chain and its private key, PEM files (`--tls-cert`, `--tls-key`).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Reads the certificate and key into a TLS acceptor (HTTP/1.1 by ALPN); a file that cannot
/// be read or holds no certificate or key is the user's error (exit 1), named.
pub fn acceptor(files: &TlsFiles) -> anyhow::Result<TlsAcceptor> {
    use rustls_pki_types::pem::PemObject as _;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad =
        |path: &Path, e: &dyn std::fmt::Display| Invalid::input(format!("{}: {e}", path.display()));
    let pem = |path: &Path| -> anyhow::Result<Vec<u8>> {
        crate::load::read_bytes(path, crate::load::TEXT_LIMIT)
    };
    let certs = CertificateDer::pem_slice_iter(&pem(&files.cert)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&files.cert, &e))?;
    if certs.is_empty() {
        return Err(bad(&files.cert, &"no PEM certificate in this file"));
    }
    let key = PrivateKeyDer::from_pem_slice(&pem(&files.key)?).map_err(|e| bad(&files.key, &e))?;
    // ring, not aws-lc-rs: no CMake/NASM C build in a 2-core build budget. rustls 0.23.48
    // deprecates it for lacking post-quantum key exchange (X25519MLKEM768); TLS 1.3 with
    // X25519 and TLS 1.2 ECDHE remain what rustls offers with it.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS set-up: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            bad(
                &files.key,
                &format!("does not go with {}: {e}", files.cert.display()),
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the connections in
/// progress finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsAcceptor>,
    bounds: Bounds,
    shutdown: impl Future<Output = ()>,
) {
    let places = Arc::new(Semaphore::new(bounds.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(bounds.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors or a connection reset before it was accepted: the
                // listener is still good; a short pause keeps an EMFILE from spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Past the cap the connection is closed at once: a client sees a reset, not a wait.
        let Ok(place) = Arc::clone(&places).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _place = place;
            match tls {
                None => {
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
                Some(acceptor) => {
                    // The handshake is bounded like the headers that follow it.
                    let handshake =
                        tokio::time::timeout(bounds.header_timeout, acceptor.accept(stream));
                    let Ok(Ok(stream)) = handshake.await else {
                        return;
                    };
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
            }
        });
    }
    drop(listener);
    // Requests in progress finish; idle keep-alive connections are closed.
    graceful.shutdown().await;
}
