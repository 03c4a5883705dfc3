//! An embedded, stateful simulator of the 1NCE Management API on loopback.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use onence::sandbox::Sandbox;
//!
//! let sandbox = Sandbox::builder().sims(1_000).seed(7).start().await?;
//! let client = sandbox.client();
//! let first = client.all_sims().page(1).await.expect("the sandbox answers");
//! assert_eq!(first.total_count, Some(1_000));
//! # Ok(())
//! # }
//! ```
//!
//! It answers every documented operation (v1 and v2, which share one fleet: a SIM
//! changed through one reads as changed through the other) from a
//! deterministic fleet built from the seed, with the real service's habits (timestamps like
//! `2018-03-09T07:59:09.000+0000`, `application/json;charset=UTF-8`, an empty
//! 200 for an unknown ICCID, queued SIM changes, `Location` headers, paging
//! headers), its rate limits, and faults to order. Every answer is built from
//! the generated models, so it matches the spec by construction. It binds
//! 127.0.0.1 only and stops when dropped.

mod answer;
mod drift;
mod faults;
mod fleet;
mod layers;
mod routes;
mod state;
mod stream;
mod wire;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use faults::Faults;
pub use stream::StreamTarget;

use crate::api::generated::Client;
use crate::client::ClientBuilder;
use crate::transport::credentials::Credentials;
use crate::transport::rate_limit::RateLimits;
use crate::transport::secret::Secret;

/// What the sandbox counted: requests, tokens, and what POSTs changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Requests by route, like `GET /v1/sims/{iccid}` or `POST /oauth/token`.
    pub requests: BTreeMap<String, u64>,
    /// Tokens handed out.
    pub tokens_issued: u64,
    /// POSTs that took effect, by route (a refused or faulted POST is not counted).
    pub posts_applied: BTreeMap<String, u64>,
    /// SIM top-ups that took effect (one per SIM topped up).
    pub top_ups_applied: u64,
    /// Requests answered 429 by the sandbox's rate limits.
    pub rate_limited: u64,
    /// Faults injected, by kind (`error`, `throttle`, `drop`, `cut-head`,
    /// `cut-body`, `malformed`, `late`).
    pub faults: BTreeMap<String, u64>,
    /// Data Streamer records a receiver answered 200 for.
    pub streamed: u64,
    /// Data Streamer posts not answered 200 (their records are resent).
    pub stream_failures: u64,
}

impl Counters {
    /// Requests to one route (`"GET /v1/sims"`).
    pub fn requests_to(&self, route: &str) -> u64 {
        self.requests.get(route).copied().unwrap_or(0)
    }

    /// POSTs applied on one route (`"POST /v1/sims/{iccid}/topup"`).
    pub fn posts_applied_to(&self, route: &str) -> u64 {
        self.posts_applied.get(route).copied().unwrap_or(0)
    }
}

/// Settings of a sandbox. Start with [`Sandbox::builder`].
#[derive(Clone, Debug)]
pub struct SandboxBuilder {
    sims: u64,
    seed: u64,
    port: u16,
    latency: Duration,
    jitter: Duration,
    rate_limits: RateLimits,
    faults: Faults,
    token_lifetime: Duration,
    change_delay: Duration,
    drift: bool,
    stream: Option<StreamTarget>,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            sims: 100,
            seed: 1,
            port: 0,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            rate_limits: RateLimits::standard().with_token(None),
            faults: Faults::default(),
            token_lifetime: Duration::from_secs(3600),
            change_delay: Duration::from_millis(200),
            drift: false,
            stream: None,
        }
    }
}

impl SandboxBuilder {
    /// How many SIMs the account has (default 100).
    pub fn sims(mut self, count: u64) -> Self {
        self.sims = count;
        self
    }

    /// The seed the fleet and the faults are drawn from (default 1).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The loopback port to listen on (default: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Added to every API answer (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Up to this much more latency, drawn per request (default none).
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Server-side limits, answered with 429 (default: 10/s on SIMs, 100 per
    /// 5 minutes on orders and products; [`RateLimits::none`] turns them off).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Faults to inject (default none).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// `expires_in` of the tokens handed out (default 3600 s).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// How long queued SIM changes and SMS deliveries take (default 200 ms);
    /// a 1NCE OS action request is SCHEDULED for as long, then IN_PROGRESS
    /// for as long again, then final.
    pub fn change_delay(mut self, delay: Duration) -> Self {
        self.change_delay = delay;
        self
    }

    /// Answers in the shapes the real service drifts into (default off):
    /// numbers as strings, enum values the documents do not list (a SIM
    /// `"Suspended"`, a network `"LTE-M"`), undocumented fields, optional
    /// fields left out; drawn from the seed. The state behind the answers is
    /// unchanged, and identity fields (`iccid`, `id`, `order_number`) stay.
    pub fn drift(mut self, on: bool) -> Self {
        self.drift = on;
        self
    }

    /// Streams usage and network events to a Data Streamer receiver, as
    /// the SIMs use data (default none); see [`StreamTarget`].
    pub fn stream_to(mut self, target: StreamTarget) -> Self {
        self.stream = Some(target);
        self
    }

    /// Starts the sandbox on 127.0.0.1.
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let address = listener.local_addr()?;
        let base_url = format!("http://{address}/management-api");
        let user = format!("sandbox-{}", self.seed);
        let secret = Secret::new(format!(
            "sandbox-secret-{:016x}",
            fleet::fraction(self.seed, u64::MAX).to_bits()
        ));
        let stream = self.stream.clone();
        let shared = Arc::new(state::Shared::new(
            self,
            base_url.clone(),
            user.clone(),
            secret.clone(),
        ));
        if let Some(target) = stream {
            tokio::spawn(stream::run(Arc::downgrade(&shared), target));
        }
        let app = routes::router(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let listener = wire::Listener(listener);
            let app = app.into_make_service_with_connect_info::<wire::Wire>();
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let secret_text = secret.expose().to_string();
        Ok(Sandbox {
            base_url,
            credentials: Credentials::api_user(user, secret),
            secret: secret_text,
            shared,
            _stop: stop,
        })
    }
}

/// A running sandbox. Dropping it stops the server.
pub struct Sandbox {
    base_url: String,
    credentials: Credentials,
    secret: String,
    shared: Arc<state::Shared>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl Sandbox {
    /// Settings for a new sandbox.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// The base URL to point a client at (`http://127.0.0.1:PORT/management-api`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Credentials the sandbox accepts.
    pub fn credentials(&self) -> Credentials {
        self.credentials.clone()
    }

    /// The sandbox's client secret, in clear: it guards nothing but this
    /// sandbox, and other tools need it (`onence-sandbox` prints it).
    pub fn client_secret(&self) -> &str {
        &self.secret
    }

    /// A client builder already pointed at the sandbox with its credentials.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(&self.base_url)
            .credentials(self.credentials())
    }

    /// A client for the sandbox, with default settings.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("the sandbox URL is valid")
    }

    /// The ICCID of the n-th SIM of the fleet (from 0).
    pub fn iccid(&self, index: u64) -> String {
        (fleet::FIRST_ICCID + index).to_string()
    }

    /// What the sandbox has counted so far.
    pub fn counters(&self) -> Counters {
        self.shared.counters()
    }

    /// The writes (every request but GET, token requests apart) that reached
    /// the sandbox's operations, past its rate limits and injected faults, in
    /// order, as method, path with query and JSON body: what a dry run
    /// ([`ClientBuilder::dry_run`]) can be held against.
    pub fn writes(&self) -> Vec<crate::transport::dry_run::PlannedWrite> {
        self.shared.writes()
    }

    /// Applies every queued SIM change now, whatever the change delay: a
    /// test can read the state with the change still queued, then settled,
    /// without racing the delay.
    pub fn apply_queued_changes(&self) {
        self.shared.apply_queued_changes();
    }

    /// Makes every token handed out so far invalid (the next call gets 401).
    pub fn revoke_tokens(&self) {
        self.shared.revoke_tokens();
    }
}

/// The counters, behind a lock.
#[derive(Default)]
pub(crate) struct Tally(Mutex<Counters>);

impl Tally {
    pub(crate) fn with(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub(crate) fn snapshot(&self) -> Counters {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
