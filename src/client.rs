//! Building a [`Client`]: credentials, base URL, timeouts, retries, rate limits.

use std::time::Duration;

use crate::api::generated::Client;
use crate::error::{Error, ErrorKind};
use crate::transport::clock::Clock;
use crate::transport::credentials::Credentials;
use crate::transport::rate_limit::{RateLimiters, RateLimits};
use crate::transport::retry::RetryPolicy;
use crate::transport::session::{Session, Settings};
use crate::transport::timeout::Timeouts;
use crate::transport::token::TokenSession;

/// The API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.1nce.com/management-api";

/// Builds a [`Client`]. Start with [`Client::builder`]. A clone builds a
/// client with the same settings (the MCP server builds a dry-run twin so).
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    timeouts: Timeouts,
    retry: RetryPolicy,
    rate_limits: RateLimits,
    refresh_margin: Duration,
    http: Option<reqwest::Client>,
    clock: Clock,
    max_body: usize,
    dry_run: Option<crate::transport::dry_run::Sink>,
    observer: Option<crate::transport::observe::Observer>,
    token_store: Option<crate::transport::token_store::SharedStore>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            timeouts: Timeouts::standard(),
            retry: RetryPolicy::standard(),
            rate_limits: RateLimits::default(),
            refresh_margin: Duration::from_secs(300),
            http: None,
            clock: Clock::system(),
            max_body: crate::transport::body_limit::DEFAULT_MAX_BODY,
            dry_run: None,
            observer: None,
            token_store: None,
        }
    }
}

impl ClientBuilder {
    /// The credentials to obtain tokens with. Without them, requests carry no token.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// All timeouts at once (default [`Timeouts::standard`]).
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// How long connecting may take (default 10 s; `None`: no limit).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts = self.timeouts.with_connect(timeout);
        self
    }

    /// How long one request (one attempt) may take (default 30 s; `None`: no limit).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts = self.timeouts.with_attempt(timeout);
        self
    }

    /// When and how often to retry (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The client-side rate limits (default: 1NCE's published limits; see [`RateLimits`]).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Refresh the token once less than this is left of its life (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Use this `reqwest::Client` (its own timeouts and TLS settings then apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The largest answer the client reads, in bytes (default 32 MiB); a
    /// larger one is an error naming this limit, and is not held in memory.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Calls `observer` after every attempt of every operation with the
    /// operation's name and the status it got (none when no answer came):
    /// to count calls and failures. It is never given a URL, header or body.
    pub fn on_attempt(
        mut self,
        observer: impl Fn(&crate::transport::observe::Attempt) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(crate::transport::observe::Observer(std::sync::Arc::new(
            observer,
        )));
        self
    }

    /// A dry run: reads are sent as usual, and every write (POST, PUT,
    /// DELETE) is handed to `sink` instead of being sent, and answered with
    /// an empty success. What `sink` sees is the exact request (method,
    /// path with query, body) the client would send.
    pub fn dry_run(
        mut self,
        sink: impl Fn(&crate::transport::dry_run::PlannedWrite) + Send + Sync + 'static,
    ) -> Self {
        self.dry_run = Some(crate::transport::dry_run::Sink(std::sync::Arc::new(sink)));
        self
    }

    /// Keeps the token in `store` as well, and starts from the one it
    /// holds: runs of a short-lived program then share one token (see
    /// [`TokenStore`](crate::config::TokenStore)). Default: none; the token
    /// lives as long as the client.
    pub fn token_store(mut self, store: impl crate::transport::token_store::TokenStore) -> Self {
        self.token_store = Some(crate::transport::token_store::SharedStore(
            std::sync::Arc::new(store),
        ));
        self
    }

    /// The clock for token expiry and rate limits (default: the runtime's).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("base URL {base:?} is not a URL: {e}"),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::new(
                ErrorKind::Config,
                format!("base URL {base:?} is not http(s)"),
            ));
        }
        check_settings(&self)?;
        // One client for API calls and token requests: the same roots, proxy
        // and timeouts. Built here, it follows no redirects (the API sends
        // none, and a redirect must not carry the Basic credentials on); an
        // injected client's own policy applies, and reqwest drops the
        // credentials on a redirect to another host.
        let http = match self.http {
            Some(client) => client,
            None => http_builder(self.timeouts.connect(), self.timeouts.attempt())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| {
                    Error::new(ErrorKind::Config, "cannot build the HTTP client").with_source(e)
                })?,
        };
        let limiters = RateLimiters::new(&self.rate_limits, &self.clock);
        let auth = self.credentials.map(|credentials| {
            TokenSession::new(
                credentials,
                format!("{base}/oauth/token"),
                http.clone(),
                self.refresh_margin,
                self.clock.clone(),
            )
            .with_store(self.token_store.map(|s| s.0))
        });
        let operation = self.timeouts.operation().unwrap_or(Duration::MAX);
        let session = Session::new(Settings {
            auth,
            retry: self.retry,
            operation,
            limiters,
            clock: self.clock,
            max_body: self.max_body,
            dry_run: self.dry_run,
            observer: self.observer,
        });
        Ok(Client::new_with_client(&base, http, session))
    }
}

/// Refuses settings that would misbehave, naming the setting: a rate limit
/// of no requests or over no time (use `None` to turn a limit off), a retry
/// policy without a first attempt, a zero timeout.
fn check_settings(builder: &ClientBuilder) -> Result<(), Error> {
    let config = |message: String| Err(Error::new(ErrorKind::Config, message));
    let limits = &builder.rate_limits;
    for (route, limit) in limits.all() {
        if let Some(limit) = limit {
            if limit.requests() == 0 || limit.period().is_zero() {
                return config(format!(
                    "rate limit {route}: {} requests per {:?} is no limit; use None to turn it off",
                    limit.requests(),
                    limit.period()
                ));
            }
        }
    }
    if builder.max_body == 0 {
        return config("max_body_size of zero would refuse every answer".into());
    }
    if builder.retry.max_attempts() == 0 {
        return config("retry policy: max_attempts must be at least 1 (the first attempt)".into());
    }
    for (name, timeout) in [
        ("connect timeout", builder.timeouts.connect()),
        (
            "attempt timeout (request_timeout)",
            builder.timeouts.attempt(),
        ),
        ("operation timeout", builder.timeouts.operation()),
    ] {
        if timeout.is_some_and(|t| t.is_zero()) {
            return config(format!(
                "{name} of zero would fail every request; use None for no limit"
            ));
        }
    }
    Ok(())
}

fn http_builder(connect: Option<Duration>, request: Option<Duration>) -> reqwest::ClientBuilder {
    crate::transport::tls_provider::install();
    let mut builder =
        reqwest::Client::builder().user_agent(concat!("onence/", env!("CARGO_PKG_VERSION")));
    if let Some(t) = connect {
        builder = builder.connect_timeout(t);
    }
    if let Some(t) = request {
        builder = builder.timeout(t);
    }
    builder
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `ONENCE_CLIENT_ID`, `ONENCE_CLIENT_SECRET` and
    /// the optional `ONENCE_BASE_URL`. A missing variable is an error naming it.
    pub fn from_env() -> Result<Client, Error> {
        Client::builder_from_env()?.build()
    }

    /// Like [`Client::from_env`], but returns the builder for further settings.
    pub fn builder_from_env() -> Result<ClientBuilder, Error> {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Config,
                        format!("environment variable {name} is not set"),
                    )
                })
        };
        let credentials =
            Credentials::api_user(var("ONENCE_CLIENT_ID")?, var("ONENCE_CLIENT_SECRET")?);
        let mut builder = Client::builder().credentials(credentials);
        if let Ok(url) = var("ONENCE_BASE_URL") {
            builder = builder.base_url(url);
        }
        Ok(builder)
    }
}
