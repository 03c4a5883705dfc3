//! The time source for token expiry and rate limiting.

#[cfg(feature = "test-util")]
use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(feature = "test-util")]
use std::sync::Arc;
use std::time::Duration;

/// Where the client reads the time: the runtime's clock (the default; it
/// follows tokio's paused time in tests), or, with the `test-util` feature, a
/// manual clock that only moves when told to, for tests of token expiry.
#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    Tokio(tokio::time::Instant),
    #[cfg(feature = "test-util")]
    Manual(Arc<AtomicU64>),
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl Clock {
    /// The runtime's clock.
    pub fn system() -> Clock {
        Clock(Source::Tokio(tokio::time::Instant::now()))
    }

    /// A clock that stands still until [`Clock::advance`] moves it (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn manual() -> Clock {
        Clock(Source::Manual(Arc::new(AtomicU64::new(0))))
    }

    /// Moves a manual clock forward (feature `test-util`).
    #[cfg(feature = "test-util")]
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(nanos) = &self.0 {
            let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
            // Saturating: a huge step stops at the end of time, it never wraps back.
            let _ = nanos.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(by))
            });
        }
    }

    /// Time since the clock was created.
    pub(crate) fn now(&self) -> Duration {
        match &self.0 {
            Source::Tokio(origin) => origin.elapsed(),
            #[cfg(feature = "test-util")]
            Source::Manual(nanos) => Duration::from_nanos(nanos.load(Ordering::SeqCst)),
        }
    }
}

impl governor::clock::Clock for Clock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Clock::now(self)
    }
}
