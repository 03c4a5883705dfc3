//! When a request is sent again, and how long to wait first.

use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};

use crate::clock::Clock;

/// Retries of GET, PUT and DELETE on connect errors, timeouts, 429, 502, 503
/// and 504, with exponential backoff and full jitter; `Retry-After` is
/// honoured up to the cap. A POST is never sent again once it may have
/// been acted on: only a failure to connect, or a 429 (refused unprocessed),
/// is retried. How long an operation may take in all is a [`Timeouts`](crate::Timeouts) setting.
///
/// ```
/// use std::time::Duration;
/// let policy = onence::RetryPolicy::standard()
///     .with_max_attempts(6)
///     .with_base_delay(Duration::from_millis(200));
/// assert_eq!(policy.max_attempts(), 6);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::standard()
    }
}

impl RetryPolicy {
    /// 4 attempts in all, backoff from 0.5 s, no wait over 20 s.
    pub fn standard() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
        }
    }

    /// Every request is sent once.
    pub fn none() -> RetryPolicy {
        RetryPolicy::standard().with_max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1; `build()` refuses 0).
    pub fn with_max_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.max_attempts = attempts;
        self
    }

    /// Backoff base: attempt n waits up to `base_delay * 2^(n-1)`, with full jitter.
    pub fn with_base_delay(mut self, delay: Duration) -> RetryPolicy {
        self.base_delay = delay;
        self
    }

    /// No single wait is longer, whatever `Retry-After` asks.
    pub fn with_max_delay(mut self, delay: Duration) -> RetryPolicy {
        self.max_delay = delay;
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff base.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest single wait.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The wait before attempt `attempt + 1`: full jitter over the exponential
    /// backoff, or the server's `Retry-After` when it asks for longer, capped
    /// by `max_delay`. Never panics, whatever the settings or the server say.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let ceiling = exp.min(self.max_delay);
        let jittered = Duration::try_from_secs_f64(ceiling.as_secs_f64() * fastrand::f64())
            .unwrap_or(ceiling)
            .min(ceiling);
        match retry_after {
            Some(asked) => asked.min(self.max_delay).max(jittered),
            None => jittered,
        }
    }
}

/// What one attempt's outcome asks for; the callers classify, [`Budget`] decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// The outcome is final: hand it over.
    Return,
    /// Worth another attempt, after the backoff or the server's `Retry-After`.
    Retry { after: Option<Duration> },
    /// Send again at once, without counting an attempt (a renewed token, a
    /// body in another format); each caller allows this once per cause.
    ResendNow,
}

/// The attempts of one operation under a [`RetryPolicy`]: the one place that
/// counts attempts, keeps the deadline and waits between them. API calls and
/// token requests both run their loop through it.
#[derive(Debug)]
pub(crate) struct Budget<'a> {
    policy: &'a RetryPolicy,
    clock: &'a Clock,
    deadline: Duration,
    attempt: u32,
}

impl<'a> Budget<'a> {
    /// A budget starting now, with no retry or wait starting after `within`.
    pub(crate) fn start(policy: &'a RetryPolicy, within: Duration, clock: &'a Clock) -> Budget<'a> {
        Budget {
            policy,
            clock,
            deadline: clock.now().saturating_add(within),
            attempt: 1,
        }
    }

    /// The attempt under way, from 1.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    /// What is left until the deadline.
    pub(crate) fn remaining(&self) -> Duration {
        self.deadline.saturating_sub(self.clock.now())
    }

    /// Whether to go again after an attempt that asked for `next`; waits first
    /// when it retries. False means: return the outcome as it is.
    pub(crate) async fn go_again(&mut self, next: Next) -> bool {
        match next {
            Next::Return => false,
            Next::ResendNow => true,
            Next::Retry { after } => {
                let delay = self.policy.delay(self.attempt, after);
                let in_time = self.clock.now().saturating_add(delay) < self.deadline;
                if self.attempt >= self.policy.max_attempts || !in_time {
                    return false;
                }
                tracing::debug!(
                    attempt = self.attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
                self.attempt += 1;
                true
            }
        }
    }
}

/// May a request with this method be sent again after it may have reached the server?
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::PUT | Method::DELETE | Method::HEAD | Method::OPTIONS
    )
}

/// Statuses worth another try.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// May a request that got `status` be sent again? Idempotent ones on any
/// status of [`is_retryable_status`]; any method on 429, since the API
/// refused it without acting on it (a POST included: nothing was applied).
pub(crate) fn may_resend_after(status: StatusCode, idempotent: bool) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || (idempotent && is_retryable_status(status))
}

/// Failures worth another try: a failed connect (nothing was sent, so any
/// method), or for idempotent requests a timeout, a broken connection or a
/// broken-off answer.
pub(crate) fn is_retryable_error(error: &reqwest::Error, idempotent: bool) -> bool {
    // For an idempotent request, an answer broken off mid-body (reqwest's
    // body or decode error while reading the bytes) is retried like a
    // connection that broke before it.
    let broken = error.is_timeout() || error.is_request() || error.is_body() || error.is_decode();
    error.is_connect() || (idempotent && broken)
}

/// `Retry-After` as seconds or an HTTP date.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_full_jitter_and_stays_under_the_cap() {
        let policy = RetryPolicy::default();
        for attempt in 1..=10 {
            let ceiling = (policy.base_delay * 2u32.pow(attempt - 1)).min(policy.max_delay);
            for _ in 0..50 {
                assert!(policy.delay(attempt, None) <= ceiling);
            }
        }
    }

    #[test]
    fn extreme_settings_and_server_values_never_panic() {
        let policy = RetryPolicy::standard()
            .with_max_attempts(u32::MAX)
            .with_base_delay(Duration::MAX)
            .with_max_delay(Duration::MAX);
        for attempt in [0, 1, 31, 64, u32::MAX] {
            let _ = policy.delay(attempt, Some(Duration::MAX));
            let _ = policy.delay(attempt, None);
        }
        let clock = Clock::system();
        let budget = Budget::start(&policy, Duration::MAX, &clock);
        assert!(budget.remaining() > Duration::from_secs(u64::MAX / 2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_budget_counts_attempts_and_keeps_the_deadline() {
        let policy = RetryPolicy::standard()
            .with_max_attempts(3)
            .with_base_delay(Duration::from_millis(10))
            .with_max_delay(Duration::from_millis(10));
        let clock = Clock::system();
        let mut budget = Budget::start(&policy, Duration::from_secs(60), &clock);
        assert!(budget.go_again(Next::ResendNow).await);
        assert_eq!(budget.attempt(), 1, "a resend is not an attempt");
        assert!(budget.go_again(Next::Retry { after: None }).await);
        assert!(budget.go_again(Next::Retry { after: None }).await);
        assert_eq!(budget.attempt(), 3);
        assert!(
            !budget.go_again(Next::Retry { after: None }).await,
            "3 attempts in all"
        );
        // A wait that would end past the deadline is not started.
        let short = policy.with_max_delay(Duration::from_secs(5));
        let mut budget = Budget::start(&short, Duration::from_secs(1), &clock);
        let asked = Some(Duration::from_secs(5));
        assert!(!budget.go_again(Next::Retry { after: asked }).await);
        assert!(!budget.go_again(Next::Return).await);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            policy.max_delay
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "12".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(12)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert("retry-after", later.parse().unwrap());
        let d = retry_after(&headers).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn only_idempotent_methods_are_resent() {
        assert!(
            is_idempotent(&Method::GET)
                && is_idempotent(&Method::PUT)
                && is_idempotent(&Method::DELETE)
        );
        assert!(!is_idempotent(&Method::POST));
        for code in [429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [400, 401, 404, 500] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        // A 429 was refused unprocessed: even a POST may go again; a 503 may have been processed.
        assert!(may_resend_after(StatusCode::TOO_MANY_REQUESTS, false));
        assert!(!may_resend_after(StatusCode::SERVICE_UNAVAILABLE, false));
        assert!(may_resend_after(StatusCode::SERVICE_UNAVAILABLE, true));
    }

    /// A loopback server that reads one request and then does `answer` with
    /// the socket: real reqwest errors of each kind, classified.
    fn serve_once(answer: fn(&mut std::net::TcpStream)) -> String {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut socket, _)) = listener.accept() {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request);
                answer(&mut socket);
            }
        });
        format!("http://{address}/")
    }

    /// The error a GET to `url` ends with, reading the whole body.
    async fn error_of(url: &str) -> reqwest::Error {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        match http.get(url).send().await {
            Err(e) => e,
            Ok(response) => response.bytes().await.unwrap_err(),
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_for_every_method_a_lost_answer_only_for_reads() {
        // Refused: nothing was sent, so even a POST may go again.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/", listener.local_addr().unwrap())
        };
        let refused = error_of(&closed).await;
        assert!(refused.is_connect(), "{refused:?}");
        assert!(is_retryable_error(&refused, true) && is_retryable_error(&refused, false));

        // No answer in time: the request was sent.
        let silent = serve_once(|_| std::thread::sleep(Duration::from_secs(2)));
        let timeout = error_of(&silent).await;
        assert!(timeout.is_timeout(), "{timeout:?}");
        assert!(is_retryable_error(&timeout, true));
        assert!(!is_retryable_error(&timeout, false));

        // The head, then half a body: sent, and answered in part.
        let cut = serve_once(|socket| {
            use std::io::Write;
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"a\":");
        });
        let broken = error_of(&cut).await;
        assert!(!broken.is_connect(), "{broken:?}");
        assert!(is_retryable_error(&broken, true));
        assert!(!is_retryable_error(&broken, false));

        // The connection closes before any answer: sent, no answer.
        let dropped = serve_once(|_| {});
        let dropped = error_of(&dropped).await;
        assert!(!dropped.is_connect(), "{dropped:?}");
        assert!(is_retryable_error(&dropped, true));
        assert!(!is_retryable_error(&dropped, false));
    }
}
