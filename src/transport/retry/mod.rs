//! When a request is sent again, and how long to wait first: the policy
//! (attempts and backoff) here, the one loop's bookkeeping in [`budget`],
//! and what may be sent again in [`classify`]. The loop knows nothing of
//! tokens or HTTP; the callers classify, the budget decides.

mod budget;
mod classify;

pub(crate) use budget::{Budget, Next};
pub(crate) use classify::{
    is_idempotent, is_retryable_error, is_retryable_status, may_resend_after, retry_after,
};

use std::time::Duration;

/// Retries of GET, PUT and DELETE on connect errors, timeouts, 429, 502, 503
/// and 504, with exponential backoff and full jitter; `Retry-After` is
/// honoured up to the cap. A POST is never sent again once it may have
/// been acted on: only a failure to connect, or a 429 (refused unprocessed),
/// is retried. How long an operation may take in all is a [`Timeouts`](crate::config::Timeouts) setting.
///
/// ```
/// use std::time::Duration;
/// let policy = onence::config::RetryPolicy::standard()
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
}
