//! How long the client waits: to connect, for one attempt, for a whole operation.

use std::time::Duration;

/// The client's timeouts, grouped. `None` is no limit.
///
/// - `connect`: establishing a connection (default 10 s);
/// - `attempt`: one request, from sending to the last byte of the answer
///   (default 30 s);
/// - `operation`: a whole call: no retry, backoff or wait for a token starts
///   after it (default 60 s), so a call ends within `operation` plus one
///   `attempt`.
///
/// ```
/// use std::time::Duration;
/// let timeouts = onence::config::Timeouts::standard()
///     .with_attempt(Some(Duration::from_secs(5)))
///     .with_operation(Some(Duration::from_secs(20)));
/// assert_eq!(timeouts.attempt(), Some(Duration::from_secs(5)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    connect: Option<Duration>,
    attempt: Option<Duration>,
    operation: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts::standard()
    }
}

impl Timeouts {
    /// 10 s to connect, 30 s an attempt, 60 s an operation.
    pub fn standard() -> Timeouts {
        Timeouts {
            connect: Some(Duration::from_secs(10)),
            attempt: Some(Duration::from_secs(30)),
            operation: Some(Duration::from_secs(60)),
        }
    }

    /// How long connecting may take.
    pub fn with_connect(mut self, timeout: Option<Duration>) -> Timeouts {
        self.connect = timeout;
        self
    }

    /// How long one attempt may take.
    pub fn with_attempt(mut self, timeout: Option<Duration>) -> Timeouts {
        self.attempt = timeout;
        self
    }

    /// After how long no retry or wait starts.
    pub fn with_operation(mut self, timeout: Option<Duration>) -> Timeouts {
        self.operation = timeout;
        self
    }

    /// The connect timeout.
    pub fn connect(&self) -> Option<Duration> {
        self.connect
    }

    /// The timeout of one attempt.
    pub fn attempt(&self) -> Option<Duration> {
        self.attempt
    }

    /// The timeout of a whole operation.
    pub fn operation(&self) -> Option<Duration> {
        self.operation
    }
}
