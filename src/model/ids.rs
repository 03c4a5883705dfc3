//! 1NCE OS's ids, checked once: a device (for 1NCE SIMs its ICCID), an
//! action request, a geofence, an integration. Each goes into a request
//! path, so each is one plain path segment, or it is refused before any
//! request.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::model::Iccid;

/// The longest id accepted. 1NCE's ids are UUIDs and ICCIDs; the bound
/// keeps a pasted file out of a URL.
pub const MAX_ID_LEN: usize = 128;

/// Why `value` cannot be a `what`, or `None` when it can: not empty, at most
/// [`MAX_ID_LEN`] bytes, no dot segment, and nothing a path treats specially
/// (`/ ? # %`), no whitespace or control character.
fn refusal(what: &str, value: &str) -> Option<String> {
    let shown: String = value.chars().take(40).collect();
    let why = if value.is_empty() {
        "is empty"
    } else if value.len() > MAX_ID_LEN {
        "is longer than 128 bytes"
    } else if matches!(value, "." | "..") {
        "is a dot segment"
    } else if value
        .chars()
        .any(|c| matches!(c, '/' | '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control())
    {
        "holds a character a path cannot carry (/ ? # % \\, space or control)"
    } else {
        return None;
    };
    Some(format!("{what} {shown:?} {why}"))
}

/// Anything a 1NCE OS helper accepts as an id of kind `T`: the id itself, or
/// text checked when the helper is called (before any request).
pub trait IntoId<T> {
    /// The checked id.
    fn into_id(self) -> Result<T>;
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks `value`; the error names it and what is wrong.
            pub fn new(value: impl AsRef<str>) -> Result<$name> {
                let value = value.as_ref();
                match refusal($what, value) {
                    Some(why) => Err(Error::invalid_input(why)),
                    None => Ok($name(value.to_string())),
                }
            }

            /// The id as the API gave it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<$name> {
                $name::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<$name, D::Error> {
                let text = String::deserialize(d)?;
                $name::new(&text).map_err(serde::de::Error::custom)
            }
        }

        impl IntoId<$name> for $name {
            fn into_id(self) -> Result<$name> {
                Ok(self)
            }
        }

        impl IntoId<$name> for &$name {
            fn into_id(self) -> Result<$name> {
                Ok(self.clone())
            }
        }

        impl IntoId<$name> for &str {
            fn into_id(self) -> Result<$name> {
                $name::new(self)
            }
        }

        impl IntoId<$name> for String {
            fn into_id(self) -> Result<$name> {
                $name::new(self)
            }
        }

        impl IntoId<$name> for &String {
            fn into_id(self) -> Result<$name> {
                $name::new(self)
            }
        }
    };
}

text_id!(
    /// A 1NCE OS device id. For a 1NCE SIM it is the SIM's ICCID, so an
    /// [`Iccid`] converts into one.
    ///
    /// ```
    /// use onence::{models::DeviceId, Iccid};
    /// let iccid: Iccid = "8988280666000000000".parse().unwrap();
    /// assert_eq!(DeviceId::from(iccid).as_str(), "8988280666000000000");
    /// let err = "a/b".parse::<DeviceId>().unwrap_err();
    /// assert!(err.to_string().contains("device id \"a/b\""));
    /// ```
    DeviceId,
    "device id"
);
text_id!(
    /// The id of an action request: what sending an action to a device
    /// answers, and what [`await_action`](crate::os::Client::await_action)
    /// looks up.
    ActionRequestId,
    "action request id"
);
text_id!(
    /// The id of a geofence.
    GeofenceId,
    "geofence id"
);
text_id!(
    /// The id of a cloud integration (AWS or webhook).
    IntegrationId,
    "integration id"
);

impl From<Iccid> for DeviceId {
    fn from(iccid: Iccid) -> DeviceId {
        DeviceId(iccid.as_str().to_string())
    }
}

impl IntoId<DeviceId> for Iccid {
    fn into_id(self) -> Result<DeviceId> {
        Ok(self.into())
    }
}

impl IntoId<DeviceId> for &Iccid {
    fn into_id(self) -> Result<DeviceId> {
        Ok(self.clone().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_refused_before_they_reach_a_path() {
        for bad in [
            "", ".", "..", "a/b", "a?b", "a#b", "50%", "a b", "a\nb", "a\\b",
        ] {
            let err = DeviceId::new(bad).unwrap_err();
            assert_eq!(err.kind(), crate::error::ErrorKind::InvalidInput, "{bad:?}");
            assert!(err.to_string().contains("device id"), "{err}");
        }
        assert!(GeofenceId::new("x".repeat(MAX_ID_LEN + 1)).is_err());
        let id = ActionRequestId::new("3f2a0c1e-7d5b-4a4e-9e39-0d6f2c1b7a11").unwrap();
        assert_eq!(id.to_string(), "3f2a0c1e-7d5b-4a4e-9e39-0d6f2c1b7a11");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<ActionRequestId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ActionRequestId>("\"a/b\"").is_err());
    }
}
