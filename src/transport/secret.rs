//! A string that never shows itself in `Debug` or `Display`, and is zeroed
//! in memory when dropped.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A secret (client secret, password, bearer token). Its `Debug` prints
/// `[redacted]`, it has no `Display`, its memory is zeroed on drop
/// ([`secrecy::SecretString`] inside), and the value is reachable only
/// inside the crate.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(SecretString::from(value.into()))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret::new(value)
    }
}
