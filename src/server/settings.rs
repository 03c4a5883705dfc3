//! What a server bounds, with defaults for a server that faces the
//! internet, and the check that refuses a setting that cannot work.

use std::time::Duration;

use super::peers::AddressList;

/// How long a request's head may take to arrive by default.
pub const DEFAULT_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay silent between requests by default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a TLS handshake may take by default.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// The slowest body taken by default, in bytes a second (after the grace).
pub const DEFAULT_BODY_MIN_RATE: u64 = 64 * 1024;
/// How long a body may take before the minimum rate applies, by default.
pub const DEFAULT_BODY_GRACE: Duration = Duration::from_secs(10);
/// Connections one peer address may hold open by default.
pub const DEFAULT_MAX_CONNECTIONS_PER_PEER: usize = 64;
/// Open files kept back from connections: the sink, the API client, logs.
pub const RESERVED_FILES: u64 = 128;
/// How long requests in flight get to finish after a stop by default.
pub const DEFAULT_DRAIN: Duration = Duration::from_secs(10);

/// A setting that cannot work; the text names it (as its command-line
/// flag) and says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError(pub(crate) String);

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SettingsError {}

/// The bounds a server keeps. Every field has a default fit for the
/// internet; the `with_*` setters change one.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub(crate) head_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) body_min_rate: u64,
    pub(crate) body_grace: Duration,
    pub(crate) max_connections: Option<u64>,
    pub(crate) max_connections_per_peer: usize,
    pub(crate) allow_from: Option<AddressList>,
    pub(crate) trusted_proxies: AddressList,
    pub(crate) drain: Duration,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            head_timeout: DEFAULT_HEAD_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            body_min_rate: DEFAULT_BODY_MIN_RATE,
            body_grace: DEFAULT_BODY_GRACE,
            max_connections: None,
            max_connections_per_peer: DEFAULT_MAX_CONNECTIONS_PER_PEER,
            allow_from: None,
            trusted_proxies: AddressList::default(),
            drain: DEFAULT_DRAIN,
        }
    }
}

impl ServerSettings {
    /// The defaults.
    pub fn new() -> ServerSettings {
        ServerSettings::default()
    }

    /// The time from when the server waits for a request (a new connection,
    /// or the previous answer sent) until its head is whole; then the
    /// connection is closed. This also ends a kept-alive connection.
    pub fn with_head_timeout(mut self, timeout: Duration) -> Self {
        self.head_timeout = timeout;
        self
    }

    /// The silence allowed while no request is under way (before the first
    /// byte of a request); at most the head timeout.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The time a TLS handshake may take.
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// The slowest body taken: after `grace`, a body must have arrived at
    /// `bytes_per_second` on average, or the request fails and the
    /// connection is closed.
    pub fn with_body_min_rate(mut self, bytes_per_second: u64, grace: Duration) -> Self {
        self.body_min_rate = bytes_per_second;
        self.body_grace = grace;
        self
    }

    /// The most connections open at once. By default, the open-files limit
    /// less [`RESERVED_FILES`]; past the cap a new connection is refused at
    /// once.
    pub fn with_max_connections(mut self, connections: u64) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// The most connections one peer address may hold open (trusted
    /// proxies are exempt).
    pub fn with_max_connections_per_peer(mut self, connections: usize) -> Self {
        self.max_connections_per_peer = connections;
        self
    }

    /// Only clients from these addresses are served; others get 403 before
    /// their body is read.
    pub fn with_allow_from(mut self, addresses: AddressList) -> Self {
        self.allow_from = Some(addresses);
        self
    }

    /// Proxies whose `X-Forwarded-For` names the client. A request from
    /// anyone else is judged by its own address, whatever it forwards.
    pub fn with_trusted_proxies(mut self, proxies: AddressList) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// How long requests in flight get to finish after a stop.
    pub fn with_drain(mut self, drain: Duration) -> Self {
        self.drain = drain;
        self
    }

    /// The cap on open connections, given the open-files limit: the one set,
    /// or the limit less [`RESERVED_FILES`].
    pub(crate) fn connection_cap(&self, open_files: u64) -> u64 {
        self.max_connections
            .unwrap_or_else(|| open_files.saturating_sub(RESERVED_FILES).max(1))
    }

    /// Refuses a setting that cannot work under `open_files`, naming it.
    pub fn check(&self, open_files: u64) -> Result<(), SettingsError> {
        let positive = [
            ("--head-timeout", self.head_timeout),
            ("--idle-timeout", self.idle_timeout),
            ("--handshake-timeout", self.handshake_timeout),
            ("--body-grace", self.body_grace),
        ];
        for (flag, value) in positive {
            if value.is_zero() {
                return Err(SettingsError(format!(
                    "{flag}: must be more than 0, or every connection is cut off at once"
                )));
            }
        }
        if self.idle_timeout > self.head_timeout {
            return Err(SettingsError(format!(
                "--idle-timeout {:?} is longer than --head-timeout {:?}: a connection waiting for a request is closed at the head deadline anyway",
                self.idle_timeout, self.head_timeout
            )));
        }
        if self.body_min_rate == 0 {
            return Err(SettingsError(
                "--body-min-rate: must be at least 1 byte a second, or a stalled body holds its connection for ever".into(),
            ));
        }
        if self.max_connections_per_peer == 0 {
            return Err(SettingsError(
                "--max-connections-per-peer: must be at least 1".into(),
            ));
        }
        if let Some(cap) = self.max_connections {
            let room = open_files.saturating_sub(RESERVED_FILES);
            if cap == 0 {
                return Err(SettingsError(
                    "--max-connections: must be at least 1".into(),
                ));
            }
            if cap > room {
                return Err(SettingsError(format!(
                    "--max-connections {cap} does not fit the open-files limit {open_files} (at most {room}, keeping {RESERVED_FILES} for the sink, the client and logs); raise the limit (ulimit -n) or lower the cap"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_name_their_flag() {
        let zero = ServerSettings::new().with_head_timeout(Duration::ZERO);
        assert!(zero.check(1024).unwrap_err().0.contains("--head-timeout"));
        let over = ServerSettings::new().with_max_connections(2000);
        let e = over.check(1024).unwrap_err().0;
        assert!(
            e.contains("--max-connections 2000") && e.contains("1024"),
            "{e}"
        );
        let idle = ServerSettings::new().with_idle_timeout(Duration::from_secs(60));
        assert!(idle.check(1024).unwrap_err().0.contains("--idle-timeout"));
        let rate = ServerSettings::new().with_body_min_rate(0, Duration::from_secs(1));
        assert!(rate.check(1024).unwrap_err().0.contains("--body-min-rate"));
        assert!(ServerSettings::new().check(1024).is_ok());
    }

    #[test]
    fn the_default_cap_leaves_room_for_the_rest_of_the_process() {
        let settings = ServerSettings::new();
        assert_eq!(settings.connection_cap(1024), 1024 - RESERVED_FILES);
        assert_eq!(settings.connection_cap(10), 1);
    }
}
