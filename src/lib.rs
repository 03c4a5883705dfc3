#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// docs.rs builds with every feature and marks each gated item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

// The generated models name the crate's own types as `::onence::…`
// (typify's `x-rust-type`, for secrets).
extern crate self as onence;

#[cfg(not(any(feature = "rustls-aws-lc-rs", feature = "rustls-ring")))]
compile_error!(
    "onence needs one TLS crypto provider: the default feature `rustls-aws-lc-rs`, or `rustls-ring`"
);

mod api;
#[cfg(feature = "mcp")]
mod catalogue;
mod client;
mod error;
#[cfg(feature = "exporter")]
pub mod exporter;
mod helpers;
pub mod jobs;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(not(all(feature = "v2", feature = "os")))]
#[doc(hidden)]
pub mod missing_feature;
mod model;
mod pagination;
#[cfg(feature = "mcp")]
mod raw;
#[cfg(feature = "sandbox")]
pub mod sandbox;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "streamer")]
pub mod streamer;
mod transport;
pub mod writes;

// The few names every user needs sit at the root; the rest is grouped by
// what it is for: `config`, `models`, `paging`, `jobs`, `limits`.

/// Request builders returned by the [`Client`] methods, one per operation.
pub use api::generated::builder;
pub use api::generated::{ByteStream, Client, ResponseValue};
pub use api::{types, GeneratedError};
pub use client::{ClientBuilder, DEFAULT_BASE_URL};
pub use error::{Error, ErrorKind, Result};
pub use model::{Iccid, IntoIccid};
pub use transport::credentials::Credentials;
pub use transport::secret::Secret;
/// The per-client state the generated client carries; built by
/// [`Client::builder`], never by hand.
#[doc(hidden)]
pub use transport::session::Session;

/// How a client behaves: its rate limits, retries, timeouts and clock, what
/// it reports of each attempt, and the writes a dry run plans. Each is set
/// on the [`ClientBuilder`].
pub mod config {
    pub use crate::transport::clock::Clock;
    pub use crate::transport::dry_run::PlannedWrite;
    pub use crate::transport::observe::Attempt;
    pub use crate::transport::rate_limit::{Limit, RateLimits};
    pub use crate::transport::retry::RetryPolicy;
    pub use crate::transport::timeout::Timeouts;
    pub use crate::transport::token_store::{StoredToken, TokenStore};
}

/// The handwritten models beside the generated ones ([`types`]): numbers
/// that may arrive as text, timestamps that keep the API's text, typed ids
/// of 1NCE OS objects, geometry, and the results of helpers.
pub mod models {
    pub use crate::helpers::{PaymentMethod, SmsId, UsageDay, UsageReport};
    #[cfg(feature = "os")]
    pub use crate::model::{
        ActionRequestId, BoundingBox, DeviceId, GeofenceId, IntegrationId, IntoId, Point,
    };
    pub use crate::model::{Lenient, LenientNumber, Timestamp};
}

/// Paged lists as streams: [`Pager`](paging::Pager) for lists paged by
/// number, [`CursorPager`](paging::CursorPager) for 1NCE OS's lists paged
/// by cursor, and the calls either made.
pub mod paging {
    pub use crate::pagination::{CallCounter, Page, Pager};
    #[cfg(feature = "os")]
    pub use crate::pagination::{CursorPage, CursorPager};
}

/// The bounds the API and the client set on what is sent and read, checked
/// before any request.
pub mod limits {
    pub use crate::helpers::BULK_CHUNK;
    #[cfg(feature = "os")]
    pub use crate::model::{MAX_ID_LEN, MAX_RADIUS_M, MIN_RADIUS_M};
    #[cfg(feature = "os")]
    pub use crate::pagination::MAX_CURSOR_PAGE_SIZE;
    pub use crate::transport::body_limit::DEFAULT_MAX_BODY;
    pub use crate::transport::checks::{LABEL_LIMIT, SMS_TEXT_LIMIT, SMS_UCS2_LIMIT};
}

/// SIM Management v2 (feature `v2`): the operations under `/v2/sims`, generated from
/// `spec/management-api-v2.openapi.json`.
///
/// A v2 client is a view of a [`Client`]: it shares its
/// session (token, rate limits, retries, dry run), so v1 and v2 calls made
/// together count against the same limits and one token serves both.
///
/// ```no_run
/// # async fn run(client: onence::Client) -> Result<(), onence::Error> {
/// let v2 = client.v2();
/// let status = v2.get_sim_status().iccid("8988280666000000001").send().await?;
/// println!("{:?}", status.status);
/// # Ok(()) }
/// ```
///
/// v2 adds to v1: the SMS id in the answer to sending one, a SIM's
/// connectivity with its services and PDP contexts, quotas with thresholds
/// and the volume accumulated over top-ups, and richer events. Its errors
/// decode like v1's: [`Error`] through `?`. Its helpers
/// (`send_sms_text`, `sim_details`, the pagers) sit beside v1's in the
/// helper and pagination modules.
#[cfg(feature = "v2")]
pub mod v2 {
    pub use crate::api::v2::{builder, types, Client, GeneratedError};
    pub use crate::helpers::SimDetails;
}

/// 1NCE OS (feature `os`): devices, their telemetry and history, positions and geofences,
/// actions sent to devices, cloud integrations, plugins, settings and
/// administration logs, generated from `spec/management-api-os.openapi.json`
/// (1NCE OS v1.3, vendored in `spec/1nce-os.openapi.json`).
///
/// A 1NCE OS client is a view of a [`Client`], like [`v2`]'s: the same
/// token, rate limits (reading every geofence is limited to 30 a minute),
/// retries and dry run. For a 1NCE SIM, the device id is its ICCID.
///
/// ```no_run
/// # async fn run(client: onence::Client) -> Result<(), onence::Error> {
/// let geofences = client.os().list_geofences().send().await?;
/// println!("{:?}", geofences.into_inner());
/// # Ok(()) }
/// ```
#[cfg(feature = "os")]
pub mod os {
    pub use crate::api::os::{builder, types, Client, GeneratedError};
    pub use crate::helpers::{
        is_final, AwaitAction, BulkActionReport, DeviceAction, GeofenceShape, Webhook,
        ACTION_BULK_LIMIT, GEOFENCE_NAME_LIMIT,
    };
}

/// The documented values of an enum the API takes, as the API spells them:
/// implemented by the spec pipeline for every enum parameter, so that tools
/// (the CLI's flags) offer exactly the values the API accepts.
pub trait KnownValues {
    /// The values, in the documents' order.
    const VALUES: &'static [&'static str];
}
