//! The attempts of one operation: counted, kept within the deadline, and
//! waited between, in one place for API calls and token requests alike.

use std::time::Duration;

use super::RetryPolicy;
use crate::transport::clock::Clock;

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

#[cfg(test)]
mod tests {
    use super::*;
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
}
