//! How many connections a server holds: the process's open-files limit
//! raised to its hard limit once, a cap on connections below it, and a
//! cap per peer address, so that one client cannot take every slot. Past
//! a cap a connection is refused at once, never queued.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::peers::{canonical, AddressList};

/// Raises the soft limit on open files to the hard limit (once a process)
/// and returns the soft limit then in force. Where limits cannot be read,
/// 1,024 (the common default) is assumed.
pub fn raise_open_files_limit() -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        #[cfg(unix)]
        {
            match rlimit::increase_nofile_limit(u64::MAX) {
                Ok(limit) => limit,
                Err(e) => {
                    tracing::warn!(error = %e, "the open-files limit could not be raised");
                    rlimit::getrlimit(rlimit::Resource::NOFILE)
                        .map(|(soft, _)| soft)
                        .unwrap_or(1024)
                }
            }
        }
        #[cfg(not(unix))]
        {
            1024
        }
    })
}

/// Open connections by peer address.
type PeerCounts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One admitted connection: its slots are given back when it is dropped.
#[derive(Debug)]
pub(crate) struct Admitted {
    _permit: OwnedSemaphorePermit,
    peer: Option<(IpAddr, PeerCounts)>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Some((peer, counts)) = self.peer.take() {
            let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = counts.get_mut(&peer) {
                *n -= 1;
                if *n == 0 {
                    counts.remove(&peer);
                }
            }
        }
    }
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The server holds as many connections as it may.
    Full,
    /// This peer holds as many as one peer may.
    PeerFull,
}

/// The caps of one server.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionGate {
    slots: Arc<Semaphore>,
    per_peer: usize,
    exempt: AddressList,
    counts: PeerCounts,
}

impl ConnectionGate {
    /// At most `cap` connections, `per_peer` from one address (`exempt`
    /// addresses, the trusted proxies, are not counted per peer).
    pub(crate) fn new(cap: u64, per_peer: usize, exempt: AddressList) -> ConnectionGate {
        let cap = usize::try_from(cap)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        ConnectionGate {
            slots: Arc::new(Semaphore::new(cap)),
            per_peer,
            exempt,
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A connection from `peer`, or why not. Never waits.
    pub(crate) fn admit(&self, peer: IpAddr) -> Result<Admitted, Refusal> {
        let peer = canonical(peer);
        let counted = !self.exempt.contains(peer);
        if counted {
            let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            if counts.get(&peer).copied().unwrap_or(0) >= self.per_peer {
                return Err(Refusal::PeerFull);
            }
        }
        let permit = self
            .slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Full)?;
        let peer = counted.then(|| {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            *counts.entry(peer).or_insert(0) += 1;
            (peer, self.counts.clone())
        });
        Ok(Admitted {
            _permit: permit,
            peer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_refuse_at_once_and_slots_come_back() {
        let gate = ConnectionGate::new(3, 2, "10.0.0.1".parse().unwrap());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), Refusal::PeerFull);
        let _third = gate.admit(b).unwrap();
        assert_eq!(gate.admit(b).unwrap_err(), Refusal::Full);
        drop(first);
        assert!(gate.admit(a).is_ok(), "a slot given back is free again");
    }

    #[test]
    fn trusted_proxies_are_not_capped_per_peer() {
        let gate = ConnectionGate::new(10, 1, "10.0.0.1".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..5).map(|_| gate.admit(proxy).unwrap()).collect();
        assert_eq!(held.len(), 5);
    }

    #[test]
    fn the_limit_is_raised_to_at_least_what_it_was() {
        let before = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap().0;
        assert!(raise_open_files_limit() >= before);
    }
}
