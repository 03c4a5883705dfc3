//! Serving a router as a long-running command does: bound to an address
//! (printed once bound, so `:0` can be used), over TLS when given a
//! certificate (reloaded on SIGHUP and when its files change), with the
//! bounds of `onence::server`, until Ctrl-C or SIGTERM, letting requests
//! in flight finish.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use clap::Args;
use onence::server::{
    AddressList, ServerSettings, ServerTls, DEFAULT_BODY_MIN_RATE, DEFAULT_MAX_CONNECTIONS_PER_PEER,
};

use crate::args::duration;
use crate::failure::Failure;

/// A certificate chain and its key, both PEM.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The bounds every server keeps: what a slow or greedy client may take.
#[derive(Args, Debug, Clone)]
pub struct ServeFlags {
    /// Time a client has to send a request's head (from connecting, or from
    /// the previous answer); then it is cut off.
    #[arg(long, default_value = "10s", value_parser = duration, value_name = "DURATION")]
    pub head_timeout: Duration,
    /// Silence allowed on a connection while no request is under way (at
    /// most --head-timeout).
    #[arg(long, default_value = "5s", value_parser = duration, value_name = "DURATION")]
    pub idle_timeout: Duration,
    /// Time a TLS handshake may take.
    #[arg(long, default_value = "10s", value_parser = duration, value_name = "DURATION")]
    pub handshake_timeout: Duration,
    /// The slowest request body taken, in bytes a second on average after
    /// --body-grace; a slower one is cut off.
    #[arg(long, default_value_t = DEFAULT_BODY_MIN_RATE, value_name = "BYTES")]
    pub body_min_rate: u64,
    /// Time a body may take before --body-min-rate applies.
    #[arg(long, default_value = "10s", value_parser = duration, value_name = "DURATION")]
    pub body_grace: Duration,
    /// The most connections open at once (default: the open-files limit,
    /// raised to its hard limit, less 128); past it a new one is refused
    /// at once.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<u64>,
    /// The most connections one address may hold (trusted proxies aside).
    #[arg(long, default_value_t = DEFAULT_MAX_CONNECTIONS_PER_PEER, value_name = "N")]
    pub max_connections_per_peer: usize,
}

/// Who may connect.
#[derive(Args, Debug, Clone, Default)]
pub struct PeerFlags {
    /// Serve only these clients: CIDR ranges or addresses, comma-separated;
    /// `1nce` names the addresses 1NCE's Data Streamer posts from. Others
    /// get 403.
    #[arg(long, value_name = "CIDR,...", value_parser = address_list)]
    pub allow_from: Option<AddressList>,
    /// A reverse proxy (CIDR ranges or addresses) whose X-Forwarded-For
    /// names the client; from anyone else the header is ignored.
    #[arg(long, value_name = "CIDR,...", value_parser = address_list)]
    pub trusted_proxy: Option<AddressList>,
}

fn address_list(text: &str) -> Result<AddressList, String> {
    text.parse()
        .map_err(|e: onence::server::SettingsError| e.to_string())
}

impl ServeFlags {
    /// The settings these flags and `peers` describe, refused at start
    /// (naming the flag) when they cannot work.
    pub fn settings(&self, peers: &PeerFlags) -> Result<ServerSettings, Failure> {
        let mut settings = ServerSettings::new()
            .with_head_timeout(self.head_timeout)
            .with_idle_timeout(self.idle_timeout)
            .with_handshake_timeout(self.handshake_timeout)
            .with_body_min_rate(self.body_min_rate, self.body_grace)
            .with_max_connections_per_peer(self.max_connections_per_peer);
        if let Some(cap) = self.max_connections {
            settings = settings.with_max_connections(cap);
        }
        if let Some(allowed) = &peers.allow_from {
            settings = settings.with_allow_from(allowed.clone());
        }
        if let Some(proxies) = &peers.trusted_proxy {
            settings = settings.with_trusted_proxies(proxies.clone());
        }
        onence::server::check(&settings).map_err(|e| Failure::Usage(e.to_string()))?;
        Ok(settings)
    }
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

/// Reloads the certificate on every SIGHUP.
#[cfg(unix)]
fn reload_on_hangup(tls: std::sync::Arc<ServerTls>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        return;
    };
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            tls.log(tls.reload());
        }
    });
}

/// Serves `app` at `listen` (HTTPS with `tls`) with `settings` until
/// stopped; prints `<what> listening on <scheme>://<address>` on stderr
/// once bound.
pub async fn serve(
    what: &str,
    listen: SocketAddr,
    tls: Option<Tls>,
    app: Router,
    settings: ServerSettings,
) -> Result<(), Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot listen on {listen}: {e}"));
    let tls = match tls {
        Some(files) => Some(ServerTls::load(&files.cert, &files.key).map_err(Failure::Usage)?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(cannot)?;
    let bound = listener.local_addr().map_err(cannot)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    eprintln!("{what} listening on {scheme}://{bound}");
    #[cfg(unix)]
    if let Some(tls) = &tls {
        reload_on_hangup(tls.clone());
    }
    onence::server::serve(listener, app, settings, tls, stop_signal())
        .await
        .map_err(cannot)
}
