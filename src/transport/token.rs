//! The token session: OAuth2 client credentials, cached and refreshed before expiry.
//!
//! One token serves every clone of a client. When it must be renewed, one
//! caller asks for a new one and the others wait for it (or, while the old
//! token is still valid, keep using it). The outcome is shared both ways:
//! when the fetch fails, every caller that waited for it gets that failure
//! instead of asking again, and callers that come later get it too until a
//! backoff has passed (1 s, doubling per failure in a row, at most 30 s), so a
//! refused secret costs a handful of token requests, not one per caller.
//! A token the API refused is dropped, but only if it is still the cached one.
//!
//! With a [`TokenStore`], a token kept by an earlier run is used before a
//! new one is asked for, and every new token is handed to the store.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde::Deserialize;

use crate::transport::clock::Clock;
use crate::transport::credentials::Credentials;
use crate::transport::rate_limit::{RateLimiters, Route};
use crate::transport::retry::{self, Budget, Next, RetryPolicy};
use crate::transport::secret::Secret;
use crate::transport::token_store::{StoredToken, TokenStore};

/// The longest token life the client believes: `expires_in` is the server's
/// word, and a value past this is taken as this.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The wait after a first failed fetch before asking again; it doubles per
/// failure in a row, up to [`MAX_FAILURE_BACKOFF`].
const FAILURE_BACKOFF: Duration = Duration::from_secs(1);
const MAX_FAILURE_BACKOFF: Duration = Duration::from_secs(30);

/// A bearer token, when it is due for renewal and when it expires (by the
/// session's clock). It is kept as the `Authorization` value it is sent as,
/// made once when the token arrives: 1NCE's tokens are some 3,000
/// characters, and every call would otherwise copy and check them again.
/// Marked sensitive, it never shows in `Debug`.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) bearer: reqwest::header::HeaderValue,
    renew_at: Duration,
    expires_at: Duration,
    serial: u64,
}

/// Why no token could be had. Cloned to every caller that waited for it.
#[derive(Clone, Debug)]
pub(crate) enum TokenFailure {
    /// The token endpoint refused the credentials.
    Rejected {
        status: StatusCode,
        message: Option<String>,
        code: Option<String>,
    },
    /// The token endpoint failed in another way (after retries).
    Failed { status: StatusCode, message: String },
    /// The token endpoint could not be reached (after retries).
    Unreachable { message: String, timeout: bool },
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    /// Read apart, so that a life that is no number ("soon") costs the
    /// token nothing: it is taken as the documented 3600 s.
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    message: Option<String>,
}

/// The last failed fetch: when, what, and how many in a row.
#[derive(Clone, Debug)]
struct LastFailure {
    at: Duration,
    failure: TokenFailure,
    in_a_row: u32,
}

pub(crate) struct TokenSession {
    credentials: Credentials,
    url: String,
    http: reqwest::Client,
    margin: Duration,
    clock: Clock,
    current: Mutex<Option<Token>>,
    failed: Mutex<Option<LastFailure>>,
    refresh: tokio::sync::Mutex<()>,
    form_body: AtomicBool,
    serial: AtomicU64,
    store: Option<Arc<dyn TokenStore>>,
    /// The last token the API refused, so that a store that failed to
    /// forget it does not hand it back.
    refused: Mutex<Option<reqwest::header::HeaderValue>>,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("user", &self.credentials.user())
            .field("secret", &super::redact::REDACTED)
            .field("url", &self.url)
            .field("has_token", &self.cached().is_some())
            .field("has_store", &self.store.is_some())
            .finish()
    }
}

impl TokenSession {
    /// `http` is the client's own `reqwest::Client`, so token requests use
    /// the same roots, proxy and timeouts as API calls.
    pub(crate) fn new(
        credentials: Credentials,
        url: String,
        http: reqwest::Client,
        margin: Duration,
        clock: Clock,
    ) -> Self {
        TokenSession {
            credentials,
            url,
            http,
            margin,
            clock,
            current: Mutex::new(None),
            failed: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            form_body: AtomicBool::new(false),
            serial: AtomicU64::new(0),
            store: None,
            refused: Mutex::new(None),
        }
    }

    /// Keeps tokens in `store` too, and starts from the one it holds.
    pub(crate) fn with_store(mut self, store: Option<Arc<dyn TokenStore>>) -> Self {
        self.store = store;
        self
    }

    fn cached(&self) -> Option<Token> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn last_failure(&self) -> Option<LastFailure> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The last failure, while its backoff lasts.
    fn backing_off(&self) -> Option<TokenFailure> {
        let last = self.last_failure()?;
        let backoff = FAILURE_BACKOFF
            .saturating_mul(1u32 << last.in_a_row.saturating_sub(1).min(16))
            .min(MAX_FAILURE_BACKOFF);
        (self.clock.now() < last.at.saturating_add(backoff)).then_some(last.failure)
    }

    /// A token to send now: the cached one while fresh, else a new one. The
    /// wait for another caller's fetch is bounded by `wait`.
    pub(crate) async fn token(
        &self,
        limiters: &RateLimiters,
        policy: &RetryPolicy,
        wait: Duration,
    ) -> Result<Token, TokenFailure> {
        let now = self.clock.now();
        if let Some(token) = self.cached() {
            if now < token.renew_at {
                return Ok(token);
            }
            // Still valid but due for renewal: if someone else is renewing, use it meanwhile.
            if now < token.expires_at {
                return match self.refresh.try_lock() {
                    Ok(_guard) => Ok(self
                        .fetch_and_keep(limiters, policy, wait)
                        .await
                        .unwrap_or(token)),
                    Err(_) => Ok(token),
                };
            }
        }
        if let Some(failure) = self.backing_off() {
            return Err(failure);
        }
        let asked_at = self.clock.now();
        let Ok(_guard) = tokio::time::timeout(wait, self.refresh.lock()).await else {
            return Err(TokenFailure::Unreachable {
                message: format!(
                    "gave up waiting {} s for a token another call was fetching",
                    wait.as_secs()
                ),
                timeout: true,
            });
        };
        // Whoever held the lock may have settled it while we waited: share their outcome.
        if let Some(token) = self.cached().filter(|t| self.clock.now() < t.renew_at) {
            return Ok(token);
        }
        if let Some(last) = self.last_failure().filter(|f| f.at >= asked_at) {
            return Err(last.failure);
        }
        self.fetch_and_keep(limiters, policy, wait).await
    }

    /// Fetches under the refresh lock and records the outcome for the others.
    async fn fetch_and_keep(
        &self,
        limiters: &RateLimiters,
        policy: &RetryPolicy,
        within: Duration,
    ) -> Result<Token, TokenFailure> {
        if let Some(token) = self.stored_token() {
            self.keep(&token);
            return Ok(token);
        }
        match self.fetch(limiters, policy, within).await {
            Ok(token) => {
                self.keep(&token);
                if let Some(store) = &self.store {
                    store.save(&self.to_stored(&token));
                }
                Ok(token)
            }
            Err(failure) => {
                let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
                let in_a_row = failed.as_ref().map_or(0, |f| f.in_a_row).saturating_add(1);
                *failed = Some(LastFailure {
                    at: self.clock.now(),
                    failure: failure.clone(),
                    in_a_row,
                });
                drop(failed);
                match self.cached() {
                    // Keep using a token that is still valid.
                    Some(old) if self.clock.now() < old.expires_at => Ok(old),
                    _ => Err(failure),
                }
            }
        }
    }

    fn keep(&self, token: &Token) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Forgets `token` after the API refused it, unless a newer one replaced it already.
    pub(crate) fn invalidate(&self, token: &Token) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|t| t.serial == token.serial) {
            *current = None;
            drop(current);
            *self.refused.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.bearer.clone());
            if let Some(store) = &self.store {
                store.forget(&self.to_stored(token));
            }
        }
    }

    /// The store's token, when there is one still fresh that the API has
    /// not refused; its times are carried over from the wall clock to the
    /// session's (bounded by the longest life the client believes).
    fn stored_token(&self) -> Option<Token> {
        let stored = self.store.as_ref()?.load()?;
        let (renew, expires) = stored.fresh_for(SystemTime::now())?;
        let mut bearer = reqwest::header::HeaderValue::try_from(format!(
            "Bearer {}",
            stored.access_token().expose()
        ))
        .ok()?;
        bearer.set_sensitive(true);
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        if refused.as_ref() == Some(&bearer) {
            return None;
        }
        drop(refused);
        let now = self.clock.now();
        tracing::debug!(renew_in_s = renew.as_secs(), "using the stored token");
        Some(Token {
            bearer,
            renew_at: now.saturating_add(renew.min(MAX_LIFETIME)),
            expires_at: now.saturating_add(expires.min(MAX_LIFETIME)),
            serial: self.serial.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
        })
    }

    /// `token` as a store keeps it, its times on the wall clock.
    fn to_stored(&self, token: &Token) -> StoredToken {
        let (now, wall) = (self.clock.now(), SystemTime::now());
        let at = |t: Duration| wall + t.saturating_sub(now).min(MAX_LIFETIME);
        let value = token.bearer.to_str().unwrap_or_default();
        let value = value.strip_prefix("Bearer ").unwrap_or(value);
        StoredToken::new(Secret::new(value), at(token.renew_at), at(token.expires_at))
    }

    /// When a token of `lifetime` fetched at `at` is due for renewal: the
    /// margin before expiry, but never more than half its life, so short
    /// tokens are not renewed on every call.
    fn renewal(&self, at: Duration, lifetime: Duration) -> (Duration, Duration) {
        let expires_at = at.saturating_add(lifetime);
        let margin = self.margin.min(lifetime / 2);
        (expires_at.saturating_sub(margin), expires_at)
    }

    async fn fetch(
        &self,
        limiters: &RateLimiters,
        policy: &RetryPolicy,
        within: Duration,
    ) -> Result<Token, TokenFailure> {
        let started = self.clock.now();
        let mut budget = Budget::start(policy, within, &self.clock);
        let mut switched_to_form = false;
        loop {
            limiters.until_ready(Route::Token).await;
            let form = self.form_body.load(Ordering::Relaxed);
            let outcome = self.ask(form, budget.attempt()).await;
            let next = match &outcome {
                Ok(_) => Next::Return,
                Err(Asked::Unsupported) if !form && !switched_to_form => {
                    // The JSON body was refused: use the form body, now and from now on.
                    self.form_body.store(true, Ordering::Relaxed);
                    switched_to_form = true;
                    Next::ResendNow
                }
                Err(Asked::Retryable { after, .. }) => Next::Retry { after: *after },
                Err(_) => Next::Return,
            };
            if budget.go_again(next).await {
                continue;
            }
            return match outcome {
                Ok(answer) => self.token_from(answer, started),
                Err(asked) => Err(asked.into_failure()),
            };
        }
    }

    /// One token request.
    async fn ask(&self, form: bool, attempt: u32) -> Result<TokenAnswer, Asked> {
        let span = tracing::debug_span!(
            "onence.token",
            attempt,
            form,
            status = tracing::field::Empty
        );
        let request = self.http.post(&self.url).basic_auth(
            self.credentials.user(),
            Some(self.credentials.secret().expose()),
        );
        let request = if form {
            request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body("grant_type=client_credentials")
        } else {
            request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(r#"{"grant_type":"client_credentials"}"#)
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let (timeout, retryable) = (e.is_timeout(), retry::is_retryable_error(&e, true));
                let unreachable = TokenFailure::Unreachable {
                    message: e.without_url().to_string(),
                    timeout,
                };
                return Err(match retryable {
                    true => Asked::Retryable {
                        after: None,
                        then: unreachable,
                    },
                    false => Asked::Failed(unreachable),
                });
            }
        };
        let status = response.status();
        span.record("status", status.as_u16());
        if status.is_success() {
            let bytes = response.bytes().await.map_err(|e| {
                Asked::Failed(TokenFailure::Unreachable {
                    timeout: e.is_timeout(),
                    message: e.without_url().to_string(),
                })
            })?;
            return serde_json::from_slice(&bytes).map_err(|_| {
                Asked::Failed(TokenFailure::Failed {
                    status: StatusCode::BAD_GATEWAY,
                    message: "the token endpoint's answer is not a token".into(),
                })
            });
        }
        let after = retry::retry_after(response.headers());
        let body: TokenError = response.json().await.unwrap_or_default();
        let unsupported = status == StatusCode::UNSUPPORTED_MEDIA_TYPE
            || (status == StatusCode::BAD_REQUEST
                && body.error_code.as_deref() == Some("UnsupportedContentTypeError"));
        if unsupported {
            return Err(Asked::Unsupported);
        }
        if matches!(status.as_u16(), 400 | 401 | 403) {
            return Err(Asked::Failed(TokenFailure::Rejected {
                status,
                message: body.message,
                code: body.error_code,
            }));
        }
        let failed = TokenFailure::Failed {
            message: body
                .message
                .unwrap_or_else(|| format!("the token endpoint answered {status}")),
            status,
        };
        if retry::is_retryable_status(status) || status.is_server_error() {
            return Err(Asked::Retryable {
                after,
                then: failed,
            });
        }
        Err(Asked::Failed(failed))
    }

    fn token_from(&self, answer: TokenAnswer, started: Duration) -> Result<Token, TokenFailure> {
        let Some(value) = answer.access_token.filter(|t| !t.is_empty()) else {
            return Err(TokenFailure::Failed {
                status: StatusCode::BAD_GATEWAY,
                message: "the token endpoint answered without an access_token".into(),
            });
        };
        // The server's word, bounded: a negative, absurd or missing life is
        // taken as at most a day (3600 s when absent, as 1NCE documents).
        let seconds = answer
            .expires_in
            .and_then(|v| serde_json::from_value::<crate::model::Lenient<f64>>(v).ok())
            .map_or(3600.0, |s| s.get());
        let lifetime = Duration::try_from_secs_f64(seconds.max(0.0))
            .unwrap_or(MAX_LIFETIME)
            .min(MAX_LIFETIME);
        let Ok(mut bearer) = reqwest::header::HeaderValue::try_from(format!(
            "Bearer {}",
            Secret::new(value).expose()
        )) else {
            return Err(TokenFailure::Failed {
                status: StatusCode::BAD_GATEWAY,
                message: "the token endpoint answered a token that cannot be sent in a header"
                    .into(),
            });
        };
        bearer.set_sensitive(true);
        let (renew_at, expires_at) = self.renewal(started, lifetime);
        let serial = self.serial.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        tracing::debug!(lifetime_s = lifetime.as_secs(), "obtained a token");
        Ok(Token {
            bearer,
            renew_at,
            expires_at,
            serial,
        })
    }
}

/// The outcome of one token request that gave no token: what the loop does
/// next depends on it; what callers see is the [`TokenFailure`] inside.
enum Asked {
    /// The body's format was refused: switch to the other one.
    Unsupported,
    /// Worth another try (after `Retry-After`, when given); `then` if none is left.
    Retryable {
        after: Option<Duration>,
        then: TokenFailure,
    },
    /// Final.
    Failed(TokenFailure),
}

impl Asked {
    fn into_failure(self) -> TokenFailure {
        match self {
            Asked::Retryable { then, .. } | Asked::Failed(then) => then,
            Asked::Unsupported => TokenFailure::Failed {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                message: "the token endpoint accepts neither a JSON nor a form body".into(),
            },
        }
    }
}
