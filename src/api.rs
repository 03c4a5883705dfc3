//! The API versions, one entry each: the module progenitor generates from
//! the version's normalised document (`build.rs`, after the table in
//! `codegen.rs`), the hooks that run its requests through the
//! transport, and the conversion of its errors into [`Error`]. A new
//! version is one line of [`api_version!`] here and one public module below.

use crate::error::{code_text, from_generated, Error, ErrorBody};

/// One API version: includes `$file` from `$OUT_DIR` as the private module
/// `$module` (lints relaxed on generated code only), gives its client the
/// transport's hooks with the version's path table, and converts its errors.
macro_rules! api_version {
    ($module:ident, $file:literal) => {
        #[allow(
            missing_docs,
            unreachable_patterns,
            unused_imports,
            dead_code,
            non_camel_case_types,
            clippy::all,
            clippy::pedantic,
            rustdoc::all
        )]
        pub(crate) mod $module {
            include!(concat!(env!("OUT_DIR"), "/", $file));
        }

        crate::transport::hooks::hooks_for!($module::Client, ($module::PATHS, $module::SECRETS));

        impl From<&$module::types::ApiError> for ErrorBody {
            fn from(b: &$module::types::ApiError) -> ErrorBody {
                ErrorBody {
                    message: b.message.clone().or_else(|| b.error.clone()),
                    code: code_text(b.error_code.as_ref()),
                }
            }
        }

        impl From<progenitor_client::Error<$module::types::ApiError>> for Error {
            fn from(error: progenitor_client::Error<$module::types::ApiError>) -> Error {
                from_generated(error)
            }
        }
    };
}

api_version!(generated, "generated.rs");
#[cfg(feature = "v2")]
api_version!(generated_v2, "generated_v2.rs");
#[cfg(feature = "os")]
api_version!(generated_os, "generated_os.rs");

/// One table codegen emits in every version's module (`OPERATIONS`,
/// `COSTS`, `SECRET_FIELDS`), for each compiled version in version order:
/// the one list of versions the catalogue, the write policy and the
/// redaction read. A new version is a line here beside its `api_version!`.
macro_rules! every_version {
    ($table:ident) => {
        &[
            crate::api::generated::$table,
            #[cfg(feature = "v2")]
            crate::api::generated_v2::$table,
            #[cfg(feature = "os")]
            crate::api::generated_os::$table,
        ]
    };
}
pub(crate) use every_version;

/// The API's models: request bodies, responses and their parts.
///
/// Every model of a response tolerates the drift of the real service: its
/// numbers are [`Lenient`](crate::models::Lenient) (a number or a string holding
/// one), its timestamps are [`Timestamp`](crate::models::Timestamp)s that keep the
/// text the API sent, and its enums are open (a value the documents do not
/// list is kept in `Other`). Request models are as the API documents them.
pub mod types {
    pub use super::generated::open_enums::*;
    pub use super::generated::types::*;
}

/// The error type of the generated calls; convert it with `?` or `Error::from`.
pub type GeneratedError = generated::Error<types::ApiError>;

/// The generated v2 surface, made public as `onence::v2` by `lib.rs` (with
/// the v2 helpers' types beside it).
#[cfg(feature = "v2")]
pub mod v2 {
    /// Request builders returned by the v2 [`Client`] methods, one per operation.
    pub use super::generated_v2::builder;
    pub use super::generated_v2::Client;

    /// The v2 models. Response models tolerate drift as v1's do: lenient
    /// numbers, timestamps that keep their text, open enums, no required field.
    pub mod types {
        pub use super::super::generated_v2::open_enums::*;
        pub use super::super::generated_v2::types::*;
    }

    /// The error type of the generated v2 calls; convert it with `?` or `Error::from`.
    pub type GeneratedError = super::generated_v2::Error<types::ApiError>;

    impl crate::api::generated::Client {
        /// The SIM Management v2 operations, sharing this client's session.
        /// Cheap: it clones handles, not state.
        pub fn v2(&self) -> Client {
            Client::new_with_client(&self.baseurl, self.client.clone(), self.inner.clone())
        }
    }
}

/// The generated 1NCE OS surface, made public as `onence::os` by `lib.rs`.
#[cfg(feature = "os")]
pub mod os {
    /// Request builders returned by the 1NCE OS [`Client`] methods, one per operation.
    pub use super::generated_os::builder;
    pub use super::generated_os::Client;

    /// The 1NCE OS models. Response models tolerate drift as the SIM models
    /// do: lenient numbers, timestamps that keep their text, open enums, no
    /// required field, undocumented fields ignored.
    pub mod types {
        pub use super::super::generated_os::open_enums::*;
        pub use super::super::generated_os::types::*;
    }

    /// The error type of the generated 1NCE OS calls; convert it with `?` or `Error::from`.
    pub type GeneratedError = super::generated_os::Error<types::ApiError>;

    impl crate::api::generated::Client {
        /// The 1NCE OS operations (devices, positions, geofences, actions,
        /// integrations), sharing this client's session: one token, one
        /// rate limiter, one retry policy. Cheap: it clones handles, not state.
        pub fn os(&self) -> Client {
            Client::new_with_client(&self.baseurl, self.client.clone(), self.inner.clone())
        }
    }
}
