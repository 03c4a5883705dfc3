//! Building a [`Client`]: credentials, base URL, timeouts, retries, rate limits.

use std::time::Duration;

use crate::auth::TokenSession;
use crate::clock::Clock;
use crate::error::{Error, ErrorKind};
use crate::rate_limit::{RateLimiters, RateLimits};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::session::Session;
use crate::Client;

/// The API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.1nce.com/management-api";

/// How the client authenticates: both kinds are sent as HTTP Basic
/// credentials to the token endpoint.
#[derive(Clone, Debug)]
pub struct Credentials {
    user: String,
    secret: Secret,
}

impl Credentials {
    /// An API user: its client id (with the account number as prefix) and client secret.
    pub fn api_user(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Credentials {
        Credentials {
            user: client_id.into(),
            secret: client_secret.into(),
        }
    }

    /// The account owner: the customer portal's e-mail address and password.
    pub fn owner(email: impl Into<String>, password: impl Into<Secret>) -> Credentials {
        Credentials {
            user: email.into(),
            secret: password.into(),
        }
    }

    /// The client id or e-mail address.
    pub fn user(&self) -> &str {
        &self.user
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}

/// Builds a [`Client`]. Start with [`Client::builder`].
#[derive(Debug)]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: String,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    retry: RetryPolicy,
    rate_limits: RateLimits,
    refresh_margin: Duration,
    http: Option<reqwest::Client>,
    clock: Clock,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            connect_timeout: Some(Duration::from_secs(10)),
            request_timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
            rate_limits: RateLimits::default(),
            refresh_margin: Duration::from_secs(300),
            http: None,
            clock: Clock::system(),
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

    /// How long connecting may take (default 10 s; `None`: no limit).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take (default 30 s; `None`: no limit).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
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
        let http = match self.http {
            Some(client) => client,
            None => http_builder(self.connect_timeout, self.request_timeout)
                .build()
                .map_err(|e| {
                    Error::new(ErrorKind::Config, "cannot build the HTTP client").with_source(e)
                })?,
        };
        let token_http = http_builder(self.connect_timeout, self.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Config, "cannot build the HTTP client").with_source(e)
            })?;
        let limiters = RateLimiters::new(&self.rate_limits, &self.clock);
        let auth = self.credentials.map(|credentials| {
            TokenSession::new(
                credentials,
                format!("{base}/oauth/token"),
                token_http,
                self.refresh_margin,
                self.clock.clone(),
            )
        });
        let session = Session::new(auth, self.retry, limiters, self.clock);
        Ok(Client::new_with_client(&base, http, session))
    }
}

fn http_builder(connect: Option<Duration>, request: Option<Duration>) -> reqwest::ClientBuilder {
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
