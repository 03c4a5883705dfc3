#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The client progenitor generates from `spec/management-api.openapi.json`
/// at build time (see `build.rs`). Private: its items are re-exported below.
#[allow(
    missing_docs,
    unreachable_patterns,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic,
    rustdoc::all
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

/// The SIM Management v2 client progenitor generates from
/// `spec/management-api-v2.openapi.json`; public through [`v2`].
#[allow(
    missing_docs,
    unreachable_patterns,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic,
    rustdoc::all
)]
mod generated_v2 {
    include!(concat!(env!("OUT_DIR"), "/generated_v2.rs"));
}

/// The API's models: request bodies, responses and their parts.
///
/// Every model of a response tolerates the drift of the real service: its
/// numbers are [`Lenient`] (a number or a string holding one), its
/// timestamps are [`Timestamp`](crate::timestamp::Timestamp)s that keep the
/// text the API sent, and its enums are open (a value the documents do not
/// list is kept in `Other`). Request models are as the API documents them.
pub mod types {
    pub use crate::generated::open_enums::*;
    pub use crate::generated::types::*;
}

mod auth;
mod body_limit;
mod bulk;
mod checks;
pub mod clock;
mod config;
mod credentials;
mod dry_run;
mod error;
mod fleet;
mod hooks;
mod iccid;
mod journal;
mod json_path;
mod lenient;
mod open_enum;
mod ops;
mod pagination;
mod paths;
mod rate_limit;
mod reconcile;
mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod secret;
mod session;
mod stand_in;
mod tidy;
mod timeout;
pub mod timestamp;
pub mod v2;

/// Request builders returned by the [`Client`] methods, one per operation.
pub use generated::builder;
pub use generated::{ByteStream, Client, ResponseValue};

pub use body_limit::DEFAULT_MAX_BODY;
pub use bulk::{BulkChange, BulkJob, BulkReport, Progress};
pub use checks::{LABEL_LIMIT, SMS_TEXT_LIMIT, SMS_UCS2_LIMIT};
pub use clock::Clock;
pub use config::{ClientBuilder, DEFAULT_BASE_URL};
pub use credentials::Credentials;
pub use dry_run::PlannedWrite;
pub use error::{Error, ErrorKind, Result};
pub use fleet::{listed_above_quota_status_share, LowDataReport, SimQuota, QUOTA_STATUS_SHARE};
pub use iccid::{Iccid, IntoIccid};
pub use journal::Journal;
pub use lenient::{Lenient, LenientNumber};
pub use ops::{PaymentMethod, UsageDay, UsageReport, BULK_CHUNK};
pub use pagination::{Page, Pager};
pub use rate_limit::{Limit, RateLimits};
pub use reconcile::{Checked, Reconciled};
pub use retry::RetryPolicy;
pub use secret::Secret;
/// The per-client state the generated client carries; built by
/// [`Client::builder`], never by hand.
#[doc(hidden)]
pub use session::Session;
pub use timeout::Timeouts;

/// The documented values of an enum the API takes, as the API spells them:
/// implemented by the spec pipeline for every enum parameter, so that tools
/// (the CLI's flags) offer exactly the values the API accepts.
pub trait KnownValues {
    /// The values, in the documents' order.
    const VALUES: &'static [&'static str];
}

/// The error type of the generated calls; convert it with `?` or `Error::from`.
pub type GeneratedError = generated::Error<types::ApiError>;
