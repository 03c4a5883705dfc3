#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The client progenitor generates from `spec/management-api.openapi.json`
/// at build time (see `build.rs`). Private: its items are re-exported below.
#[allow(
    missing_docs,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic,
    rustdoc::all
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}
mod session;

/// Request builders returned by the [`Client`] methods, one per operation.
pub use generated::builder;
/// The API's models: request bodies, responses and their parts.
pub use generated::types;
pub use generated::{ByteStream, Client, Error, ResponseValue};
pub use session::Session;
