//! The token session: OAuth2 client credentials, cached and refreshed before expiry.
//!
//! One token serves every clone of a client. When it must be renewed, one
//! caller asks for a new one and the others wait for it (or, while the old
//! token is still valid, keep using it). A token the API refused is dropped,
//! but only if it is still the cached one.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::clock::Clock;
use crate::config::Credentials;
use crate::rate_limit::{RateLimiters, Route};
use crate::retry::{self, RetryPolicy};
use crate::secret::Secret;

/// A bearer token and when it expires (by the session's clock).
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) value: Secret,
    expires_at: Duration,
    serial: u64,
}

/// Why no token could be had.
#[derive(Debug)]
pub(crate) enum TokenFailure {
    /// The token endpoint refused the credentials.
    Rejected {
        status: StatusCode,
        message: Option<String>,
        code: Option<String>,
    },
    /// The token endpoint failed in another way (after retries).
    Failed { status: StatusCode, message: String },
    /// The token endpoint could not be reached.
    Network(reqwest::Error),
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct TokenError {
    #[serde(rename = "errorCode")]
    error_code: Option<String>,
    message: Option<String>,
}

pub(crate) struct TokenSession {
    credentials: Credentials,
    url: String,
    http: reqwest::Client,
    margin: Duration,
    clock: Clock,
    current: Mutex<Option<Token>>,
    refresh: tokio::sync::Mutex<()>,
    form_body: AtomicBool,
    serial: AtomicU64,
}

impl std::fmt::Debug for TokenSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSession")
            .field("user", &self.credentials.user())
            .field("secret", &"[redacted]")
            .field("url", &self.url)
            .field("has_token", &self.cached().is_some())
            .finish()
    }
}

impl TokenSession {
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
            refresh: tokio::sync::Mutex::new(()),
            form_body: AtomicBool::new(false),
            serial: AtomicU64::new(0),
        }
    }

    fn cached(&self) -> Option<Token> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A token to send now: the cached one while fresh, else a new one.
    pub(crate) async fn token(
        &self,
        limiters: &RateLimiters,
        policy: &RetryPolicy,
    ) -> Result<Token, TokenFailure> {
        if let Some(token) = self.cached() {
            let now = self.clock.now();
            if token.expires_at > now + self.margin {
                return Ok(token);
            }
            // Still valid but due for renewal: if someone else is renewing, use it meanwhile.
            if token.expires_at > now {
                match self.refresh.try_lock() {
                    Ok(guard) => {
                        return Ok(self.renew(guard, limiters, policy).await.unwrap_or(token))
                    }
                    Err(_) => return Ok(token),
                }
            }
        }
        let guard = self.refresh.lock().await;
        self.renew(guard, limiters, policy).await
    }

    /// Renews under the refresh lock, unless another caller already did.
    async fn renew(
        &self,
        _guard: tokio::sync::MutexGuard<'_, ()>,
        limiters: &RateLimiters,
        policy: &RetryPolicy,
    ) -> Result<Token, TokenFailure> {
        if let Some(token) = self.cached() {
            if token.expires_at > self.clock.now() + self.margin {
                return Ok(token);
            }
        }
        match self.fetch(limiters, policy).await {
            Ok(token) => {
                *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
                Ok(token)
            }
            Err(failure) => match self.cached() {
                // Keep using a token that is still valid.
                Some(old) if old.expires_at > self.clock.now() => Ok(old),
                _ => Err(failure),
            },
        }
    }

    /// Forgets `token` after the API refused it, unless a newer one replaced it already.
    pub(crate) fn invalidate(&self, token: &Token) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|t| t.serial == token.serial) {
            *current = None;
        }
    }

    async fn fetch(
        &self,
        limiters: &RateLimiters,
        policy: &RetryPolicy,
    ) -> Result<Token, TokenFailure> {
        let started = self.clock.now();
        let mut attempt = 0;
        let mut switched_to_form = false;
        loop {
            attempt += 1;
            limiters.until_ready(Route::Token).await;
            let form = self.form_body.load(Ordering::Relaxed);
            let span = tracing::debug_span!(
                "onence.token",
                attempt,
                form,
                status = tracing::field::Empty
            );
            let _enter = span.enter();
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
            drop(_enter);
            let outcome = request.send().await;
            let retry_in = |retry_after| {
                let delay = policy.delay(attempt, retry_after);
                (attempt < policy.max_attempts
                    && self.clock.now() + delay < started + policy.deadline)
                    .then_some(delay)
            };
            let response = match outcome {
                Ok(response) => response,
                Err(e) => {
                    if retry::is_retryable_error(&e, true) {
                        if let Some(delay) = retry_in(None) {
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(TokenFailure::Network(e));
                }
            };
            let status = response.status();
            span.record("status", status.as_u16());
            if status.is_success() {
                let answer: TokenAnswer = response.json().await.map_err(TokenFailure::Network)?;
                let Some(value) = answer.access_token.filter(|t| !t.is_empty()) else {
                    return Err(TokenFailure::Failed {
                        status: StatusCode::BAD_GATEWAY,
                        message: "the token endpoint answered without an access_token".into(),
                    });
                };
                let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
                let serial = self.serial.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::debug!(lifetime_s = lifetime.as_secs(), "obtained a token");
                return Ok(Token {
                    value: Secret::new(value),
                    expires_at: started + lifetime,
                    serial,
                });
            }
            let retry_after = retry::retry_after(response.headers());
            let body: TokenError = response.json().await.unwrap_or_default();
            let unsupported = status == StatusCode::UNSUPPORTED_MEDIA_TYPE
                || (status == StatusCode::BAD_REQUEST
                    && body.error_code.as_deref() == Some("UnsupportedContentTypeError"));
            if unsupported && !form && !switched_to_form {
                // The JSON body was refused: use the form body, now and from now on.
                self.form_body.store(true, Ordering::Relaxed);
                switched_to_form = true;
                attempt -= 1;
                continue;
            }
            if matches!(status.as_u16(), 400 | 401 | 403) {
                return Err(TokenFailure::Rejected {
                    status,
                    message: body.message,
                    code: body.error_code,
                });
            }
            if retry::is_retryable_status(status) || status.is_server_error() {
                if let Some(delay) = retry_in(retry_after) {
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let message = body
                .message
                .unwrap_or_else(|| format!("the token endpoint answered {status}"));
            return Err(TokenFailure::Failed { status, message });
        }
    }
}
