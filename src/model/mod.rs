//! The value types the generated models and the helpers are made of, all of
//! them tolerant of what the real service sends: numbers that arrive as
//! strings ([`Lenient`]), timestamps in any of the service's forms
//! ([`Timestamp`]), enums that grow (`open_enum!`), and checked ICCIDs
//! ([`Iccid`]). This layer depends on nothing but [`Error`](crate::Error).

mod iccid;
mod lenient;
pub(crate) mod open_enum;
mod timestamp;

pub(crate) use iccid::iccid_list;
pub use iccid::{Iccid, IntoIccid};
pub use lenient::{Lenient, LenientNumber};
pub use timestamp::Timestamp;
