//! `annex serve`: binds, prints the address served on the first line (a script or a test
//! reads the port from it), then serves until SIGINT or SIGTERM.

use std::io::Write as _;
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::error::EXIT_OK;
use crate::prepare::InputOptions;
use crate::serve::{Bounds, ServeOptions, Server, TlsFiles};

/// Runs `annex serve`.
pub fn run(args: &ServeArgs) -> anyhow::Result<u8> {
    // The first request should not pay for the process's first compile.
    crate::pdf::warm_up_in_background();
    let workers = args.workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let server = Server::bind(ServeOptions {
        listen: args.listen,
        token: args.token.clone(),
        matrices: args.matrices.clone(),
        inputs: InputOptions {
            catalogue: args.catalogue.clone(),
            templates: args.templates.clone(),
            policy: args.policy.clone(),
            ..InputOptions::default()
        },
        workers,
        queue: args.queue,
        timeout: Duration::from_secs(args.timeout),
        bounds: Bounds {
            max_connections: args.max_connections,
            header_timeout: Duration::from_secs(args.header_timeout),
        },
        tls: match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }),
            _ => None,
        },
        insecure_http: args.insecure_http,
        register: args.record.register.clone(),
    })?;
    let addr = server.local_addr()?;
    // One JSON line per request on stderr (the server's `tracing` events): time, request
    // id, method, route, status, latency, bytes, matrix and fingerprint.
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    println!("listening on {}://{addr}", server.scheme());
    eprintln!(
        "serving {} ({workers} workers, queue {}); stop with Ctrl-C",
        server.matrix_ids().join(", "),
        args.queue
    );
    std::io::stdout().flush()?;
    server.run()?;
    Ok(EXIT_OK)
}
