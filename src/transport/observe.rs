//! Watching the requests a client makes: a callback told of every attempt
//! (the operation, and the status it got or none), so that a caller can
//! count calls and failures (the exporter's `onence_api_requests_total`)
//! without wrapping the client. It sees no URL, header or body, so no
//! secret can reach it.

use std::fmt;
use std::sync::Arc;

/// One attempt of one operation, as it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// The operation (`list_sims`, `device_positions`, ...; `token` for a
    /// token request is not reported).
    pub operation: &'static str,
    /// The HTTP status, or `None` when no answer came (connection refused
    /// or broken, timed out).
    pub status: Option<u16>,
    /// Which attempt of the operation this was (1 for the first).
    pub attempt: u32,
}

/// Where attempts are reported.
#[derive(Clone)]
pub(crate) struct Observer(pub(crate) Arc<dyn Fn(&Attempt) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}
