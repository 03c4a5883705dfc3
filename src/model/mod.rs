//! The value types the generated models and the helpers are made of, all of
//! them tolerant of what the real service sends: numbers that arrive as
//! strings ([`Lenient`]), timestamps in any of the service's forms
//! ([`Timestamp`]), enums that grow (`open_enum!`), checked ICCIDs
//! ([`Iccid`]) and 1NCE OS ids ([`DeviceId`] and its kin). This layer depends on nothing but [`Error`](crate::Error).

#[cfg(feature = "os")]
mod geo;
mod iccid;
#[cfg(feature = "os")]
mod ids;
mod lenient;
pub(crate) mod open_enum;
mod timestamp;

#[cfg(feature = "os")]
pub(crate) use geo::radius;
#[cfg(feature = "os")]
pub use geo::{BoundingBox, Point, MAX_RADIUS_M, MIN_RADIUS_M};
pub(crate) use iccid::iccid_list;
#[cfg(feature = "sandbox")]
pub(crate) use iccid::luhn_check_digit;
pub use iccid::{Iccid, IntoIccid};
#[cfg(feature = "os")]
pub use ids::{ActionRequestId, DeviceId, GeofenceId, IntegrationId, IntoId, MAX_ID_LEN};
pub use lenient::{Lenient, LenientNumber};
pub use timestamp::Timestamp;
