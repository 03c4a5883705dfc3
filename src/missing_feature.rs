//! `client.v2()` and `client.os()` in a build without their feature: a
//! compile error that names the feature to enable, never a runtime failure
//! and never a bare "no method named `os`".
//!
//! Each method is bound on a trait that has no implementation (and, being
//! bound on a reference to our `Client`, cannot be given one outside this
//! crate), so every call fails to compile with the trait's message. The
//! bound names a lifetime so that the compiler checks it at the call, not
//! at the definition.

use crate::api::generated::Client;

/// What a call into a family that is not compiled in would return: nothing
/// can be one.
#[doc(hidden)]
pub enum Disabled {}

/// Implemented by nothing: `client.v2()` needs the `v2` feature.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`client.v2()` needs the `v2` feature of onence",
    label = "SIM Management v2 is not compiled into this build",
    note = "enable it: `cargo add onence --features v2`, or `features = [\"v2\"]` on the onence dependency"
)]
pub trait V2FeatureEnabled {
    /// Never called: there is no implementation.
    fn disabled(&self) -> Disabled;
}

/// Implemented by nothing: `client.os()` needs the `os` feature.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`client.os()` needs the `os` feature of onence",
    label = "1NCE OS is not compiled into this build",
    note = "enable it: `cargo add onence --features os`, or `features = [\"os\"]` on the onence dependency"
)]
pub trait OsFeatureEnabled {
    /// Never called: there is no implementation.
    fn disabled(&self) -> Disabled;
}

impl Client {
    /// SIM Management v2 is not compiled in: enable the `v2` feature.
    #[cfg(not(feature = "v2"))]
    #[doc(hidden)]
    pub fn v2<'a>(&'a self) -> Disabled
    where
        &'a Client: V2FeatureEnabled,
    {
        V2FeatureEnabled::disabled(&self)
    }

    /// 1NCE OS is not compiled in: enable the `os` feature.
    #[cfg(not(feature = "os"))]
    #[doc(hidden)]
    pub fn os<'a>(&'a self) -> Disabled
    where
        &'a Client: OsFeatureEnabled,
    {
        OsFeatureEnabled::disabled(&self)
    }
}
