//! The state every generated call carries, and the hooks that act on each request.

use progenitor_client::{ClientHooks, OperationInfo};

/// Per-client state that every generated call carries.
///
/// The generated [`Client`](crate::Client) holds one and runs its hooks
/// around each request.
#[derive(Clone, Debug, Default)]
pub struct Session {}

impl ClientHooks<Session> for crate::Client {
    /// Removes progenitor's `api-version` header: the 1NCE API documents no such
    /// header, and requests carry only what the API documents.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove("api-version");
        Ok(())
    }
}
