//! The state every generated call carries, and the hooks that use it.
use progenitor_client::{ClientHooks, OperationInfo};

/// Per-client state shared by the generated calls.
#[derive(Clone, Debug, Default)]
pub struct Session {}

impl ClientHooks<Session> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove("api-version");
        Ok(())
    }
}
