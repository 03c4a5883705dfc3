//! onence
#![forbid(unsafe_code)]

#[allow(missing_docs, clippy::all, clippy::pedantic, unused_imports, dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}
mod session;

pub use generated::types;
pub use generated::{ByteStream, Client, Error, ResponseValue};
pub use session::Session;
