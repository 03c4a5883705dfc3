//! The state every generated call carries, and the hooks that run each
//! request through the rate limiter, the token session and the retry policy.

use std::sync::Arc;

use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::transport::body_limit::{self, Bounded};
use crate::transport::clock::Clock;
use crate::transport::rate_limit::{RateLimiters, Route};
use crate::transport::retry::{self, Budget, Next, RetryPolicy};
use crate::transport::stand_in::{self, Origin};
use crate::transport::token::TokenSession;

/// Per-client state shared by the generated calls and by every clone of the
/// client: the token session, the retry policy and the rate limiters.
/// Built only by [`Client::builder`](crate::Client::builder), from the
/// settings its `build()` checked.
#[derive(Clone, Debug)]
pub struct Session {
    inner: Arc<Settings>,
}

/// What a [`Session`] is made of: the settings `ClientBuilder::build`
/// checked, handed over in one value.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) auth: Option<TokenSession>,
    pub(crate) retry: RetryPolicy,
    /// How long one operation may take in all, retries and waits included.
    pub(crate) operation: std::time::Duration,
    pub(crate) limiters: RateLimiters,
    pub(crate) clock: Clock,
    /// The largest answer body read, in bytes.
    pub(crate) max_body: usize,
    pub(crate) dry_run: Option<crate::transport::dry_run::Sink>,
    /// Told of every attempt, if anyone asked.
    pub(crate) observer: Option<crate::transport::observe::Observer>,
}

impl Session {
    pub(crate) fn new(settings: Settings) -> Session {
        Session {
            inner: Arc::new(settings),
        }
    }

    /// Where a dry run's writes go, if this is one.
    pub(crate) fn dry_run(&self) -> Option<&crate::transport::dry_run::Sink> {
        self.inner.dry_run.as_ref()
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
        let route = Route::of(request.method(), request.url().path());
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
                            this_try
                                .headers_mut()
                                .insert(reqwest::header::AUTHORIZATION, token.bearer.clone());
                            Some(token)
                        }
                        Err(failure) => return Ok(stand_in::no_token(failure)),
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
            // Every answer is read whole here, so that what a broken body
            // means is decided in one place, by what was seen (`read_answer`).
            if let Some(observer) = &inner.observer {
                (observer.0)(&crate::transport::observe::Attempt {
                    operation,
                    status: outcome.as_ref().ok().map(|r| r.status().as_u16()),
                    attempt: budget.attempt(),
                });
            }
            let outcome = match outcome {
                Ok(response) => {
                    span.record("status", response.status().as_u16());
                    read_answer(response, inner.max_body, idempotent).await
                }
                Err(e) => Err(e),
            };
            let next = match &outcome {
                // The client's own answer (too large): final.
                Ok(response) if Origin::of(response.headers()).is_some() => Next::Return,
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
                Err(error) if !idempotent && !error.is_connect() => {
                    Ok(stand_in::outcome_unknown(&error, None))
                }
                outcome => outcome,
            };
        }
    }
}

/// The answer with its body read into memory (up to `limit`), and a
/// success's `null`s dropped (see [`drop_nulls`](crate::transport::tidy::drop_nulls)).
///
/// What a body that cannot be read means depends on the request. An
/// idempotent request's read error is returned, to be retried like a
/// connection that broke before the answer. A write's outcome follows from
/// what was seen: a 2xx means it succeeded, so a body that breaks off or is
/// past the limit leaves the success standing, without its body
/// ([`stand_in::success_without_body`]); a failure status whose body breaks
/// off may still have been a success, so it is an unknown outcome. A write's
/// failure answer is read up to [`ERROR_BODY_READ`](body_limit::ERROR_BODY_READ),
/// enough for any message.
async fn read_answer(
    mut response: Response,
    limit: usize,
    idempotent: bool,
) -> reqwest::Result<Response> {
    let status = response.status();
    // The headers are taken, not copied: reading the body needs none of them.
    let mut headers = std::mem::take(response.headers_mut());
    if !idempotent && !status.is_success() {
        return Ok(
            match body_limit::read_prefix(response, body_limit::ERROR_BODY_READ).await {
                Ok(bytes) => body_limit::rebuild(status, headers, bytes),
                Err(error) => stand_in::outcome_unknown(&error, Some(status)),
            },
        );
    }
    let bytes = match body_limit::read(response, limit).await {
        Ok(Bounded::Whole(bytes)) => bytes,
        Ok(Bounded::TooLarge { .. }) if !idempotent => {
            return Ok(stand_in::success_without_body(status, headers, "too-large"))
        }
        Ok(Bounded::TooLarge { limit }) => return Ok(stand_in::too_large(limit)),
        Err(_) if !idempotent => {
            return Ok(stand_in::success_without_body(status, headers, "broken"))
        }
        Err(error) => return Err(error),
    };
    let bytes = match status.is_success() {
        true => crate::transport::tidy::without_null_bytes(bytes, &mut headers),
        false => bytes,
    };
    Ok(body_limit::rebuild(status, headers, bytes))
}
