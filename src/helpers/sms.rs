//! SMS to devices, through v1 and v2 alike: the same calls, taking the same
//! kinds of values and answering an [`SmsId`]. Each SMS is checked before
//! it is sent (its length for the coding, a hex `udh`) and sent once.

use std::fmt;

use crate::api::generated::Client;
use crate::api::types;
#[cfg(feature = "v2")]
use crate::api::v2;
use crate::error::{During, Error, Result};
#[cfg(feature = "v2")]
use crate::helpers::body_bytes;
use crate::helpers::location_id;
use crate::model::IntoIccid;
use crate::transport::checks::{self, SmsParts};

/// The id of an SMS the API accepted: v1 names it at the end of the
/// answer's `Location`, v2 in the answer's body (documented as text). Kept
/// as the API gave it; [`number`](SmsId::number) reads it as the number the
/// SMS list and cancellation use.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct SmsId(String);

impl SmsId {
    /// The id as the API gave it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a number, when it is one (1NCE's ids are).
    pub fn number(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

impl fmt::Display for SmsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<i64> for SmsId {
    fn from(id: i64) -> SmsId {
        SmsId(id.to_string())
    }
}

impl From<&str> for SmsId {
    fn from(id: &str) -> SmsId {
        SmsId(id.to_string())
    }
}

/// The SMS check before sending, named after the operation.
fn check(parts: SmsParts<'_>) -> Result<()> {
    checks::sms(parts)
        .map_err(Error::invalid_input)
        .during("send_sms")
}

impl Client {
    /// Sends `text` as an SMS to the device holding the SIM; see
    /// [`send_sms_message`](Client::send_sms_message) for the outcome.
    pub async fn send_sms_text(&self, iccid: impl IntoIccid, text: &str) -> Result<Option<SmsId>> {
        let message = types::SmsMessage {
            payload: Some(text.to_string()),
            ..Default::default()
        };
        self.send_sms_message(iccid, message).await
    }

    /// Sends an SMS to the device holding the SIM. Sent once: never resent.
    ///
    /// `Ok(Some(id))` names the new SMS (from the `Location` header);
    /// `Ok(None)` means the API accepted it without saying its id (the
    /// documents declare no such header): the SMS was sent all the same, so
    /// do not send it again.
    pub async fn send_sms_message(
        &self,
        iccid: impl IntoIccid,
        message: types::SmsMessage,
    ) -> Result<Option<SmsId>> {
        let iccid = iccid.into_iccid().during("send_sms")?;
        check(SmsParts {
            payload: message.payload.as_deref(),
            dcs: message.dcs,
            udh: message.udh.as_deref(),
        })?;
        let response = self
            .send_sms()
            .iccid(&iccid)
            .body(message)
            .send()
            .await
            .during("send_sms")?;
        Ok(location_id(response.headers(), "send_sms").map(SmsId))
    }
}

#[cfg(feature = "v2")]
impl v2::Client {
    /// Sends `text` as an SMS to the device holding the SIM; see
    /// [`send_sms_message`](v2::Client::send_sms_message) for the outcome.
    pub async fn send_sms_text(&self, iccid: impl IntoIccid, text: &str) -> Result<Option<SmsId>> {
        let message = v2::types::SmsMessage {
            payload: Some(text.to_string()),
            ..Default::default()
        };
        self.send_sms_message(iccid, message).await
    }

    /// Sends an SMS to the device holding the SIM. Sent once: never resent.
    ///
    /// `Ok(Some(id))` names the new SMS, as v2 answers it in the body (or,
    /// failing that, at the end of a `Location` header). `Ok(None)` means the
    /// API accepted it without an id: it was sent all the same, so do not
    /// send it again.
    pub async fn send_sms_message(
        &self,
        iccid: impl IntoIccid,
        message: v2::types::SmsMessage,
    ) -> Result<Option<SmsId>> {
        let iccid = iccid.into_iccid().during("send_sms")?;
        check(SmsParts {
            payload: message.payload.as_deref(),
            dcs: message.dcs,
            udh: message.udh.as_ref().map(|u| u.as_str()),
        })?;
        let response = self
            .send_sms()
            .iccid(&iccid)
            .body(message)
            .send()
            .await
            .during("send_sms")?;
        let location = location_id(response.headers(), "send_sms");
        // The SMS is sent: from here on nothing may turn into an error.
        // `{"id": "..."}` as documented; a number is taken too.
        let id = body_bytes(response.into_inner())
            .await
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|body| match body.get("id")? {
                serde_json::Value::String(id) => Some(id.clone()),
                serde_json::Value::Number(id) => Some(id.to_string()),
                _ => None,
            })
            .filter(|id| !id.is_empty())
            .or(location);
        if id.is_none() {
            tracing::warn!("send_sms: the SMS was sent; the answer did not say its id");
        }
        Ok(id.map(SmsId))
    }

    /// Cancels an SMS that has not been delivered yet. `Ok(())` once the API
    /// accepted the cancellation, whatever its answer's body. An id that is
    /// not a number (the API's ids are) is refused before sending.
    pub async fn cancel_pending_sms(&self, iccid: impl IntoIccid, sms: &SmsId) -> Result<()> {
        let iccid = iccid.into_iccid().during("cancel_sms")?;
        let id = sms
            .number()
            .ok_or_else(|| Error::invalid_input(format!("the SMS id {sms:?} is not a number")))
            .during("cancel_sms")?;
        self.cancel_sms()
            .iccid(&iccid)
            .id(id)
            .send()
            .await
            .during("cancel_sms")?;
        Ok(())
    }
}
