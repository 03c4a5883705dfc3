//! Serving a router on the internet, as `onence streamer`, `onence
//! exporter` and `onence mcp --http` do: every wait a client controls is
//! bounded, and so are the connections it may hold, so that no client can
//! starve the others.
//!
//! - **Deadlines**: a request's head ([`ServerSettings::with_head_timeout`]),
//!   silence between requests, a body slower than a minimum rate, and a
//!   TLS handshake. A client past one is cut off.
//! - **Connections**: the open-files limit is raised to its hard limit; a
//!   cap below it, and one per peer address, refuse a new connection at
//!   once (plain HTTP gets a 503), never queue it.
//! - **Who may ask**: an allow-list of address ranges (403 before the body
//!   is read), with the client's address read from `X-Forwarded-For` only
//!   when the request comes through a trusted proxy.
//! - **Certificates** ([`ServerTls`]) replaced without a restart.
//!
//! ```no_run
//! # async fn run(app: axum::Router) -> std::io::Result<()> {
//! use onence::server::{serve, ServerSettings};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, app, ServerSettings::new(), None, std::future::pending()).await
//! # }
//! ```

mod deadlines;
mod limits;
mod peers;
mod settings;
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

pub use deadlines::BodyTooSlow;
pub use limits::raise_open_files_limit;
pub use peers::{AddressList, ONENCE_PRESET, ONENCE_STREAMER_SOURCES};
pub use settings::{
    ServerSettings, SettingsError, DEFAULT_BODY_GRACE, DEFAULT_BODY_MIN_RATE, DEFAULT_DRAIN,
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HEAD_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS_PER_PEER, RESERVED_FILES,
};
pub use tls::{ServerTls, WATCH_INTERVAL};

use deadlines::{ConnectionState, IdleDeadline, MinRateBody};
use limits::{Admitted, ConnectionGate};

/// The largest request head taken, in bytes (hyper's buffer).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What a refused plain-HTTP connection is told before it is closed.
const FULL_HOUSE: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n";

/// The client's address as the server judged it (through a trusted proxy,
/// the forwarded one), in each request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Checks `settings` against the process's open-files limit (raised to
/// its hard limit first), naming any setting that cannot work.
pub fn check(settings: &ServerSettings) -> Result<(), SettingsError> {
    settings.check(raise_open_files_limit())
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown`
/// resolves, then lets requests in flight finish for the drain time.
/// Refuses settings that cannot work before accepting anything.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: ServerSettings,
    tls: Option<Arc<ServerTls>>,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let open_files = raise_open_files_limit();
    settings
        .check(open_files)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let gate = ConnectionGate::new(
        settings.connection_cap(open_files),
        settings.max_connections_per_peer,
        settings.trusted_proxies.clone(),
    );
    let acceptor = tls
        .as_ref()
        .map(|t| tokio_rustls::TlsAcceptor::from(t.server_config()));
    let watching = tls.as_ref().map(ServerTls::watch);
    let shared = Arc::new(Shared { app, settings });
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of files (or a connection gone before it was
                    // taken): wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let admitted = match gate.admit(peer.ip()) {
            Ok(admitted) => admitted,
            Err(refusal) => {
                tracing::debug!(%peer, ?refusal, "connection refused");
                if acceptor.is_none() {
                    let _ = stream.try_write(FULL_HOUSE);
                }
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            acceptor.clone(),
            shared.clone(),
            admitted,
            graceful.watcher(),
        ));
    }
    drop(listener);
    if let Some(watching) = watching {
        watching.abort();
    }
    let drain = shared.settings.drain;
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?drain,
            "requests still in flight at the end of the drain were cut"
        );
    }
    Ok(())
}

/// What every connection of one server shares.
struct Shared {
    app: Router,
    settings: ServerSettings,
}

/// One connection: its TLS handshake within the deadline, then HTTP/1.1.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    admitted: Admitted,
    watcher: Watcher,
) {
    let _admitted = admitted;
    match acceptor {
        None => http(stream, peer, shared, watcher).await,
        Some(acceptor) => {
            let deadline = shared.settings.handshake_timeout;
            match tokio::time::timeout(deadline, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => http(tls, peer, shared, watcher).await,
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake past its deadline"),
            }
        }
    }
}

async fn http<I>(io: I, peer: SocketAddr, shared: Arc<Shared>, watcher: Watcher)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::new(ConnectionState::default());
    let settings = &shared.settings;
    let io = IdleDeadline::new(io, settings.idle_timeout, state.clone());
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.head_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let service = {
        let shared = shared.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            answer(request, peer, shared.clone(), state.clone())
        })
    };
    let connection = builder.serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}

/// One request: the allow-list first (before any of the body is read),
/// then the router, with the body held to its minimum rate.
async fn answer(
    request: Request<Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
    state: Arc<ConnectionState>,
) -> Result<Response<axum::body::Body>, Infallible> {
    let _in_flight = state.request();
    let settings = &shared.settings;
    let client = peers::client_address(peer.ip(), request.headers(), &settings.trusted_proxies);
    if let Some(allowed) = &settings.allow_from {
        if !client.is_some_and(|c| allowed.contains(c)) {
            tracing::warn!(%peer, client = ?client, "refused: not an allowed address");
            let mut refused = Response::new(axum::body::Body::from("forbidden\n"));
            *refused.status_mut() = StatusCode::FORBIDDEN;
            return Ok(refused);
        }
    }
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    if let Some(client) = client {
        parts.extensions.insert(ClientAddress(client));
    }
    let body = MinRateBody::new(
        body,
        settings.body_min_rate,
        settings.body_grace,
        state.clone(),
    );
    let request = Request::from_parts(parts, axum::body::Body::new(body));
    shared.app.clone().oneshot(request).await
}
