//! A string that never shows itself in `Debug` or `Display`, and is zeroed
//! in memory when dropped.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A secret (client secret, password, bearer token). Its `Debug` prints
/// the one redaction mark (`[redacted]`), it has no `Display`, its memory is zeroed on drop
/// ([`secrecy::SecretString`] inside), and the value is reached only by
/// [`Secret::reveal`] or by serialising it into a request.
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

    /// The value, for where it must go (a device's configuration, say, for
    /// a pre-shared key read back). Never log or print it.
    pub fn reveal(&self) -> &str {
        self.expose()
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
        f.write_str(super::redact::REDACTED)
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

/// Sent as the plain string the API takes: a request must carry it. Only
/// the request body holds it; `Debug` still redacts it.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

/// Read from the plain string an answer carries (a pre-shared key read
/// back, a plugin's token).
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// A secret's schema is a string's.
#[cfg(feature = "mcp")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> String {
        "Secret".to_string()
    }

    fn json_schema(generator: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(generator)
    }

    fn is_referenceable() -> bool {
        false
    }
}
