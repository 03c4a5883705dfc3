//! Serving a router as a long-running command does: bound to an address
//! (printed once bound, so `:0` can be used), over TLS when given a
//! certificate, until Ctrl-C or SIGTERM, letting requests in flight finish.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;

use crate::failure::Failure;

/// How long requests in flight get to finish after a stop signal.
const DRAIN: Duration = Duration::from_secs(10);

/// A certificate chain and its key, both PEM.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Serves `app` at `listen` (HTTPS with `tls`) until stopped; prints
/// `<what> listening on <scheme>://<address>` on stderr once bound.
pub async fn serve(
    what: &str,
    listen: SocketAddr,
    tls: Option<Tls>,
    app: Router,
) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot listen on {listen}: {e}"));
    match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(cannot)?;
            let bound = listener.local_addr().map_err(cannot)?;
            eprintln!("{what} listening on http://{bound}");
            axum::serve(listener, app)
                .with_graceful_shutdown(stop_signal())
                .await
                .map_err(cannot)
        }
        Some(tls) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .map_err(|e| {
                    Failure::Usage(format!(
                        "TLS certificate {} or key {}: {e}",
                        tls.cert.display(),
                        tls.key.display()
                    ))
                })?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                stop_signal().await;
                stopper.graceful_shutdown(Some(DRAIN));
            });
            let announcer = handle.clone();
            let what = what.to_string();
            tokio::spawn(async move {
                if let Some(bound) = announcer.listening().await {
                    eprintln!("{what} listening on https://{bound}");
                }
            });
            axum_server::bind_rustls(listen, config)
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .map_err(cannot)
        }
    }
}
