//! The state every generated call carries, and the hooks that run each
//! request through the rate limiter, the token session and the retry policy.

use std::sync::Arc;

use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::auth::{TokenFailure, TokenSession};
use crate::body_limit::{self, Bounded};
use crate::clock::Clock;
use crate::error::{Origin, ORIGIN_HEADER, TOKEN_STATUS_HEADER};
use crate::rate_limit::{RateLimiters, Route};
use crate::retry::{self, Budget, Next, RetryPolicy};
use crate::tidy::json_response;

/// Per-client state shared by the generated calls and by every clone of the
/// client: the token session, the retry policy and the rate limiters.
/// Build it through [`Client::builder`](crate::Client::builder); `Default` is
/// a session without credentials, default retries and default limits.
#[derive(Clone, Debug)]
pub struct Session {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    auth: Option<TokenSession>,
    retry: RetryPolicy,
    operation: std::time::Duration,
    limiters: RateLimiters,
    clock: Clock,
    max_body: usize,
    dry_run: Option<crate::dry_run::Sink>,
}

impl Default for Session {
    fn default() -> Self {
        let clock = Clock::system();
        let limiters = RateLimiters::new(&crate::RateLimits::default(), &clock);
        let operation = crate::Timeouts::standard()
            .operation()
            .unwrap_or(std::time::Duration::MAX);
        Session::new(
            None,
            RetryPolicy::standard(),
            operation,
            limiters,
            clock,
            body_limit::DEFAULT_MAX_BODY,
            None,
        )
    }
}

impl Session {
    pub(crate) fn new(
        auth: Option<TokenSession>,
        retry: RetryPolicy,
        operation: std::time::Duration,
        limiters: RateLimiters,
        clock: Clock,
        max_body: usize,
        dry_run: Option<crate::dry_run::Sink>,
    ) -> Session {
        Session {
            inner: Arc::new(Inner {
                auth,
                retry,
                operation,
                limiters,
                clock,
                max_body,
                dry_run,
            }),
        }
    }

    /// Where a dry run's writes go, if this is one.
    pub(crate) fn dry_run(&self) -> Option<&crate::dry_run::Sink> {
        self.inner.dry_run.as_ref()
    }

    /// The largest answer body read, in bytes.
    pub(crate) fn max_body(&self) -> usize {
        self.inner.max_body
    }

    /// Sends `request`: waits for the rate limit, adds the bearer token,
    /// retries what may be retried, and renews a refused token once. Every
    /// attempt runs through one [`Budget`]: attempts, deadline and waits are
    /// decided there, the same way as for token requests.
    pub(crate) async fn execute(
        &self,
        http: &reqwest::Client,
        request: Request,
        operation: &'static str,
    ) -> reqwest::Result<Response> {
        let inner = &*self.inner;
        let route = Route::of(request.url().path());
        let method = request.method().clone();
        let idempotent = retry::is_idempotent(&method);
        // progenitor builds bodies from bytes, so requests replay; one with a
        // streaming body would be sent once, as it is.
        let replayable = request.try_clone().is_some();
        let mut original = Some(request);
        let mut budget = Budget::start(&inner.retry, inner.operation, &inner.clock);
        let mut renewed = false;
        loop {
            inner.limiters.until_ready(route).await;
            let mut this_try = match original.as_ref().and_then(Request::try_clone) {
                Some(copy) => copy,
                None => match original.take() {
                    Some(request) => request,
                    None => unreachable!("a request that cannot replay is never retried"),
                },
            };
            let token = match &inner.auth {
                Some(auth) => {
                    let wait = budget.remaining();
                    match auth.token(&inner.limiters, &inner.retry, wait).await {
                        Ok(token) => {
                            let mut value = reqwest::header::HeaderValue::try_from(format!(
                                "Bearer {}",
                                token.value.expose()
                            ))
                            .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static(""));
                            value.set_sensitive(true);
                            this_try
                                .headers_mut()
                                .insert(reqwest::header::AUTHORIZATION, value);
                            Some(token)
                        }
                        Err(failure) => return Ok(stand_in_for(failure)),
                    }
                }
                None => None,
            };
            let span = tracing::info_span!(
                "onence.request",
                operation,
                method = %method,
                path = %this_try.url().path(),
                attempt = budget.attempt(),
                status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            let sent_at = inner.clock.now();
            let outcome = http.execute(this_try).instrument(span.clone()).await;
            span.record(
                "elapsed_ms",
                inner.clock.now().saturating_sub(sent_at).as_millis() as u64,
            );
            // Read an idempotent answer's body here, so that a connection that
            // breaks mid-answer is retried like one that broke before it.
            let outcome = match outcome {
                Ok(response) if idempotent => {
                    span.record("status", response.status().as_u16());
                    buffered(response, inner.max_body).await
                }
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    Ok(response)
                }
                Err(e) => Err(e),
            };
            let next = match &outcome {
                // The client's own answer (too large): final.
                Ok(response) if response.headers().contains_key(ORIGIN_HEADER) => Next::Return,
                Ok(response) if response.status() == StatusCode::UNAUTHORIZED => {
                    match (&inner.auth, &token) {
                        (Some(auth), Some(token)) if !renewed && replayable => {
                            // The token was refused: drop it, get another, send once more.
                            auth.invalidate(token);
                            renewed = true;
                            Next::ResendNow
                        }
                        _ => Next::Return,
                    }
                }
                Ok(response) if retry::may_resend_after(response.status(), idempotent) => {
                    Next::Retry {
                        after: retry::retry_after(response.headers()),
                    }
                }
                Ok(_) => Next::Return,
                Err(error) if retry::is_retryable_error(error, idempotent) => {
                    Next::Retry { after: None }
                }
                Err(_) => Next::Return,
            };
            let next = match next {
                Next::Retry { .. } | Next::ResendNow if !replayable => Next::Return,
                next => next,
            };
            if budget.go_again(next).await {
                continue;
            }
            return match outcome {
                // A write that may have reached the server: its outcome is unknown.
                Err(error) if !idempotent && !error.is_connect() => Ok(outcome_unknown(&error)),
                outcome => outcome,
            };
        }
    }
}

/// The same response with its body read into memory (up to `limit`), and a
/// success's `null`s dropped (see [`drop_nulls`](crate::tidy::drop_nulls)).
/// An answer past the limit becomes the client's own error answer.
async fn buffered(response: Response, limit: usize) -> reqwest::Result<Response> {
    let (status, mut headers, bytes) = match body_limit::read(response, limit).await? {
        Bounded::Whole(status, headers, bytes) => (status, headers, bytes),
        Bounded::TooLarge { limit } => return Ok(too_large(limit)),
    };
    let bytes = match status.is_success() {
        true => crate::tidy::without_null_bytes(bytes, &mut headers),
        false => bytes,
    };
    Ok(body_limit::rebuild(status, headers, bytes))
}

/// The answer to give the generated code for an answer past the body limit:
/// marked so that [`Error`](crate::Error) reports a decode failure naming the limit.
pub(crate) fn too_large(limit: usize) -> Response {
    let body = serde_json::json!({
        "message": format!("the answer is larger than the limit of {limit} bytes (ClientBuilder::max_body_size); it was not read"),
    });
    json_response(
        StatusCode::BAD_GATEWAY,
        &[(ORIGIN_HEADER, Origin::TooLarge.as_str())],
        &body,
    )
}

/// The answer to give the generated code when no token could be had: a
/// stand-in 401 carrying the token endpoint's message, its real status in
/// [`TOKEN_STATUS_HEADER`], and a mark ([`ORIGIN_HEADER`]) so that
/// [`Error`](crate::Error) reports an auth, API, network or timeout failure.
fn stand_in_for(failure: TokenFailure) -> Response {
    let (status, origin, message, code) = match failure {
        TokenFailure::Rejected {
            status,
            message,
            code,
        } => (status, Origin::Auth, message, code),
        TokenFailure::Failed { status, message } => (status, Origin::Token, Some(message), None),
        TokenFailure::Unreachable { message, timeout } => {
            let origin = if timeout {
                Origin::TokenTimeout
            } else {
                Origin::TokenNetwork
            };
            (StatusCode::SERVICE_UNAVAILABLE, origin, Some(message), None)
        }
    };
    let message = message.unwrap_or_else(|| format!("the token endpoint answered {status}"));
    let body = serde_json::json!({ "message": format!("token request refused: {message}"), "error_code": code });
    json_response(
        StatusCode::UNAUTHORIZED,
        &[
            (ORIGIN_HEADER, origin.as_str()),
            (TOKEN_STATUS_HEADER, status.as_str()),
        ],
        &body,
    )
}

/// The answer to give the generated code for a write that was sent (or may
/// have been) and got no answer: marked so that [`Error`](crate::Error)
/// reports [`ErrorKind::OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
fn outcome_unknown(error: &reqwest::Error) -> Response {
    let what = if error.is_timeout() {
        "no answer in time"
    } else {
        "the connection broke"
    };
    let body = serde_json::json!({
        "message": format!("sent, but {what}: it may have taken effect; read back before sending it again"),
    });
    json_response(
        StatusCode::BAD_GATEWAY,
        &[(ORIGIN_HEADER, Origin::OutcomeUnknown.as_str())],
        &body,
    )
}
