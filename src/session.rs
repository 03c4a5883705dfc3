//! The state every generated call carries, and the hooks that run each
//! request through the rate limiter, the token session and the retry policy.

use std::sync::Arc;

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::auth::{TokenFailure, TokenSession};
use crate::clock::Clock;
use crate::error::{OPERATION_HEADER, ORIGIN_HEADER, TOKEN_STATUS_HEADER};
use crate::rate_limit::{RateLimiters, Route};
use crate::retry::{self, RetryPolicy};
use crate::tidy::{json_response, tidy};

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
    limiters: RateLimiters,
    clock: Clock,
}

impl Default for Session {
    fn default() -> Self {
        let clock = Clock::system();
        let limiters = RateLimiters::new(&crate::RateLimits::default(), &clock);
        Session::new(None, RetryPolicy::default(), limiters, clock)
    }
}

impl Session {
    pub(crate) fn new(
        auth: Option<TokenSession>,
        retry: RetryPolicy,
        limiters: RateLimiters,
        clock: Clock,
    ) -> Session {
        Session {
            inner: Arc::new(Inner {
                auth,
                retry,
                limiters,
                clock,
            }),
        }
    }

    /// Sends `request`: waits for the rate limit, adds the bearer token,
    /// retries what may be retried, and renews a refused token once.
    async fn execute(
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
        let started = inner.clock.now();
        let mut attempt: u32 = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            inner.limiters.until_ready(route).await;
            let mut this_try = match original.as_ref().and_then(Request::try_clone) {
                Some(copy) => copy,
                None => original
                    .take()
                    .expect("a request that cannot replay is sent once"),
            };
            let token = match &inner.auth {
                Some(auth) => match auth.token(&inner.limiters, &inner.retry).await {
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
                    Err(failure) => return stand_in_for(failure),
                },
                None => None,
            };
            let span = tracing::info_span!(
                "onence.request",
                operation,
                method = %method,
                attempt,
                status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            let sent_at = inner.clock.now();
            let outcome = http.execute(this_try).instrument(span.clone()).await;
            span.record(
                "elapsed_ms",
                (inner.clock.now() - sent_at).as_millis() as u64,
            );
            let retry_in = |attempt: u32, retry_after| {
                let delay = inner.retry.delay(attempt, retry_after);
                (replayable
                    && attempt < inner.retry.max_attempts
                    && inner.clock.now() + delay < started + inner.retry.deadline)
                    .then_some(delay)
            };
            match outcome {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    if status == StatusCode::UNAUTHORIZED && !renewed && replayable {
                        if let (Some(auth), Some(token)) = (&inner.auth, &token) {
                            // The token was refused: drop it, get another, send once more.
                            auth.invalidate(token);
                            renewed = true;
                            attempt -= 1;
                            continue;
                        }
                    }
                    if retry::may_resend_after(status, idempotent) {
                        if let Some(delay) =
                            retry_in(attempt, retry::retry_after(response.headers()))
                        {
                            tracing::debug!(parent: &span, delay_ms = delay.as_millis() as u64, "retrying");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    if !idempotent {
                        return Ok(response);
                    }
                    // Read the whole body here, so that a connection that breaks
                    // mid-answer is retried like one that broke before it.
                    match buffered(response).await {
                        Ok(response) => return Ok(response),
                        Err(error) => {
                            if let Some(delay) = retry_in(attempt, None) {
                                tracing::debug!(parent: &span, delay_ms = delay.as_millis() as u64, "retrying after a broken answer");
                                tokio::time::sleep(delay).await;
                                continue;
                            }
                            return Err(error);
                        }
                    }
                }
                Err(error) => {
                    if retry::is_retryable_error(&error, idempotent) {
                        if let Some(delay) = retry_in(attempt, None) {
                            tracing::debug!(parent: &span, delay_ms = delay.as_millis() as u64, "retrying after a failure");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(error);
                }
            }
        }
    }
}

/// The same response with its body read into memory.
async fn buffered(response: Response) -> reqwest::Result<Response> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await?;
    let mut rebuilt = http::Response::builder()
        .status(status)
        .body(bytes)
        .expect("a valid response");
    *rebuilt.headers_mut() = headers;
    Ok(Response::from(rebuilt))
}

/// The answer to give the generated code when no token could be had: a
/// stand-in 401 carrying the token endpoint's message, its real status in
/// [`TOKEN_STATUS_HEADER`], and a mark so that [`Error`](crate::Error) reports
/// an auth failure; or the network error itself.
fn stand_in_for(failure: TokenFailure) -> reqwest::Result<Response> {
    let (status, origin, message, code) = match failure {
        TokenFailure::Network(error) => return Err(error),
        TokenFailure::Rejected {
            status,
            message,
            code,
        } => (status, "auth", message, code),
        TokenFailure::Failed { status, message } => (status, "token", Some(message), None),
    };
    let message = message.unwrap_or_else(|| format!("the token endpoint answered {status}"));
    let body = serde_json::json!({ "message": format!("token request refused: {message}"), "error_code": code });
    Ok(json_response(
        StatusCode::UNAUTHORIZED,
        &[
            (ORIGIN_HEADER, origin),
            (TOKEN_STATUS_HEADER, status.as_str()),
        ],
        &body,
    ))
}

impl ClientHooks<Session> for crate::Client {
    /// Removes progenitor's `api-version` header: the 1NCE API documents no such
    /// header, and requests carry only what the API documents.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove("api-version");
        Ok(())
    }

    /// Runs the request through the session, and marks a failed answer with
    /// the operation's name so that [`Error::operation`](crate::Error::operation) can report it.
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let method = request.method().clone();
        let response = self
            .inner
            .execute(&self.client, request, info.operation_id)
            .await?;
        let mut response = tidy(response, &method).await?;
        if !response.status().is_success() {
            let name = reqwest::header::HeaderValue::from_static(info.operation_id);
            response.headers_mut().insert(OPERATION_HEADER, name);
        }
        Ok(response)
    }
}
