//! The server over MCP's streamable HTTP transport (`onence mcp --http`),
//! as an axum router at `/mcp`. It answers each request with JSON and keeps
//! no session (the transport's stateless mode), so a stop never waits on a
//! stream. Only loopback `Host` names are served unless more are allowed
//! (rmcp's guard against DNS rebinding), request bodies are bounded, and
//! with a token every request must carry `Authorization: Bearer <token>`,
//! compared in constant time.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use subtle::ConstantTimeEq;

use super::McpServer;
use crate::transport::secret::Secret;

/// The path the server answers at.
pub const MCP_PATH: &str = "/mcp";
/// The largest request body taken by default.
pub const DEFAULT_MAX_REQUEST: usize = 1 << 20;

/// How the HTTP transport is served.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    token: Option<Secret>,
    /// Hosts served beside rmcp's loopback names.
    more_hosts: Vec<String>,
    max_request: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            token: None,
            more_hosts: Vec::new(),
            max_request: DEFAULT_MAX_REQUEST,
        }
    }
}

impl HttpSettings {
    /// Loopback hosts only, no token, bodies up to [`DEFAULT_MAX_REQUEST`].
    pub fn new() -> HttpSettings {
        HttpSettings::default()
    }

    /// Every request must carry `Authorization: Bearer <token>`.
    pub fn with_token(mut self, token: Secret) -> HttpSettings {
        self.token = Some(token);
        self
    }

    /// Also serve requests whose `Host` is one of these (`name` or `name:port`).
    pub fn with_allowed_hosts(mut self, hosts: impl IntoIterator<Item = String>) -> HttpSettings {
        self.more_hosts.extend(hosts);
        self
    }

    /// The largest request body taken (a larger one is answered 413).
    pub fn with_max_request(mut self, bytes: usize) -> HttpSettings {
        self.max_request = bytes.max(1);
        self
    }

    /// Whether requests must carry the token.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }
}

/// The router serving `server` at [`MCP_PATH`].
pub fn router(server: McpServer, settings: &HttpSettings) -> Router {
    let config = StreamableHttpServerConfig::default();
    let mut hosts = config.allowed_hosts.clone();
    hosts.extend(settings.more_hosts.iter().cloned());
    let config = config
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(hosts)
        .with_max_request_body_bytes(settings.max_request);
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let router = Router::new().nest_service(MCP_PATH, service);
    match settings.token.clone() {
        Some(token) => router.layer(middleware::from_fn_with_state(Arc::new(token), bearer)),
        None => router,
    }
}

/// Lets through only requests with the bearer token.
async fn bearer(State(token): State<Arc<Secret>>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !given.is_empty() && bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "a bearer token is required\n",
    )
        .into_response()
}
