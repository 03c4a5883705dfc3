//! Service requests to 1NCE support.

use crate::api::generated::Client;
use crate::api::types;
use crate::error::{During, Error, Result};

impl Client {
    /// Opens a service request with 1NCE support. Sent once: never resent.
    /// The subject must be one non-empty line, the text non-empty.
    pub async fn open_service_request(&self, request: types::NewServiceRequest) -> Result<()> {
        let refuse =
            |why: &str| Err(Error::invalid_input(why).with_operation("create_service_request"));
        match request.subject.as_deref().map(str::trim) {
            None | Some("") => return refuse("the subject is empty"),
            Some(subject) if subject.chars().any(char::is_control) => {
                return refuse("the subject must be one line without control characters")
            }
            Some(_) => {}
        }
        if request.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return refuse("the text is empty");
        }
        self.create_service_request()
            .body(request)
            .send()
            .await
            .during("create_service_request")?;
        Ok(())
    }
}
