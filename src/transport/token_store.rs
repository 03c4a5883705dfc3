//! Where a client keeps its token beyond its own life: a hook a program
//! sets with `ClientBuilder::token_store`, so that short runs of the same
//! program (a CLI in a shell loop, a cron job) share one token instead of
//! each asking for its own. 1NCE's token endpoint allows 600 requests a
//! minute per IP, and a loop over a thousand SIMs would otherwise mint a
//! thousand tokens.
//!
//! The session asks the store before it asks the token endpoint, gives it
//! every token it obtains, and tells it when the API refused one. A store
//! holds the token, never the credentials.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::transport::secret::Secret;

/// A token as a store keeps it: the bearer value and, by the wall clock,
/// when it is due for renewal and when it expires. Its `Debug` hides the
/// token.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredToken {
    access_token: Secret,
    renew_at: SystemTime,
    expires_at: SystemTime,
}

impl StoredToken {
    /// A token due for renewal at `renew_at` and expiring at `expires_at`
    /// (a renewal after the expiry is taken as the expiry).
    pub fn new(access_token: Secret, renew_at: SystemTime, expires_at: SystemTime) -> StoredToken {
        StoredToken {
            access_token,
            renew_at: renew_at.min(expires_at),
            expires_at,
        }
    }

    /// The token (without `Bearer `).
    pub fn access_token(&self) -> &Secret {
        &self.access_token
    }

    /// When the client renews it.
    pub fn renew_at(&self) -> SystemTime {
        self.renew_at
    }

    /// When it expires.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// How long it may still be used before its renewal, at `now`; `None`
    /// once it is due.
    pub(crate) fn fresh_for(&self, now: SystemTime) -> Option<(Duration, Duration)> {
        let renew = self.renew_at.duration_since(now).ok()?;
        let expires = self.expires_at.duration_since(now).ok()?;
        (!renew.is_zero()).then_some((renew, expires))
    }
}

/// A place for a client's token that outlives the client (a file, a
/// keyring, a shared cache). Calls are short and synchronous; a store that
/// fails says nothing to the client, which then asks the token endpoint as
/// if the store were empty.
pub trait TokenStore: Send + Sync + 'static {
    /// The token kept earlier, if any. A token due for renewal is ignored.
    fn load(&self) -> Option<StoredToken>;
    /// Keeps `token` (replacing any other).
    fn save(&self, token: &StoredToken);
    /// The API refused `token`: drop it, unless another one replaced it meanwhile.
    fn forget(&self, token: &StoredToken);
}

/// A store shared by every client a builder builds (the builder is `Clone`
/// and `Debug`; a store need be neither).
#[derive(Clone)]
pub(crate) struct SharedStore(pub(crate) Arc<dyn TokenStore>);

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenStore")
    }
}
