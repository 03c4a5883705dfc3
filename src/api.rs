//! SIM Management v2: the 13 operations under `/v2/sims`, generated from
//! `spec/management-api-v2.openapi.json`.
//!
//! A v2 client is a view of a [`Client`](crate::Client): it shares its
//! session (token, rate limits, retries, dry run), so v1 and v2 calls made
//! together count against the same limits and one token serves both.
//!
//! ```no_run
//! # async fn run(client: onence::Client) -> Result<(), onence::Error> {
//! let v2 = client.v2();
//! let status = v2.get_sim_status().iccid("8988280666000000001").send().await?;
//! println!("{:?}", status.status);
//! # Ok(()) }
//! ```
//!
//! v2 adds to v1: the SMS id in the answer to sending one, a SIM's
//! connectivity with its services and PDP contexts, quotas with thresholds
//! and the volume accumulated over top-ups, and richer events. Its errors
//! decode like v1's: [`Error`] through `?`.

use crate::error::{Error, Result};
use crate::iccid::IntoIccid;
use crate::ops::{body_bytes, id_from_location};

/// Request builders returned by the v2 [`Client`] methods, one per operation.
pub use crate::generated_v2::builder;
pub use crate::generated_v2::Client;

/// The v2 models. Response models tolerate drift as v1's do: lenient
/// numbers, timestamps that keep their text, open enums, no required field.
pub mod types {
    pub use crate::generated_v2::open_enums::*;
    pub use crate::generated_v2::types::*;
}

/// The error type of the generated v2 calls; convert it with `?` or `Error::from`.
pub type GeneratedError = crate::generated_v2::Error<types::ApiError>;

impl crate::Client {
    /// The SIM Management v2 operations, sharing this client's session.
    /// Cheap: it clones handles, not state.
    pub fn v2(&self) -> Client {
        Client::new_with_client(&self.baseurl, self.client.clone(), self.inner.clone())
    }
}

impl Client {
    /// Sends an SMS to the device holding the SIM. Sent once: never resent.
    ///
    /// `Ok(Some(id))` names the new SMS, as v2 answers it in the body (or,
    /// failing that, at the end of a `Location` header). `Ok(None)` means the
    /// API accepted it without an id: it was sent all the same, so do not
    /// send it again. The SMS is checked before anything is sent (its length
    /// for the coding, a hex `udh`).
    pub async fn send_sms_message(
        &self,
        iccid: impl IntoIccid,
        message: types::SmsMessage,
    ) -> Result<Option<String>> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("send_sms"))?;
        let response = self
            .send_sms()
            .iccid(&iccid)
            .body(message)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("send_sms"))?;
        let location = id_from_location(response.headers(), "send_sms").map(|n| n.to_string());
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
        Ok(id)
    }

    /// Sends `text` as an SMS to the device holding the SIM; see
    /// [`send_sms_message`](Client::send_sms_message) for the outcome.
    pub async fn send_sms_text(&self, iccid: impl IntoIccid, text: &str) -> Result<Option<String>> {
        let message = types::SmsMessage {
            payload: Some(text.to_string()),
            ..Default::default()
        };
        self.send_sms_message(iccid, message).await
    }

    /// Cancels an SMS that has not been delivered yet. `Ok(())` once the API
    /// accepted the cancellation, whatever its answer's body.
    pub async fn cancel_pending_sms(&self, iccid: impl IntoIccid, sms_id: i64) -> Result<()> {
        let iccid = iccid
            .into_iccid()
            .map_err(|e| e.with_operation("cancel_sms"))?;
        self.cancel_sms()
            .iccid(&iccid)
            .id(sms_id)
            .send()
            .await
            .map_err(|e| Error::from(e).with_operation("cancel_sms"))?;
        Ok(())
    }

    /// A SIM with its connectivity (status, services, location, PDP
    /// contexts) and both quotas (thresholds and accumulated volume
    /// included), read with four calls made together.
    pub async fn sim_details(&self, iccid: impl IntoIccid) -> Result<SimDetails> {
        let iccid = iccid.into_iccid()?;
        let (sim, connectivity, data_quota, sms_quota) = futures_util::future::try_join4(
            async { Ok::<_, Error>(self.get_sim().iccid(&iccid).send().await?.into_inner()) },
            async {
                Ok(self
                    .get_sim_status()
                    .iccid(&iccid)
                    .send()
                    .await?
                    .into_inner())
            },
            async {
                Ok(self
                    .get_data_quota()
                    .iccid(&iccid)
                    .send()
                    .await?
                    .into_inner())
            },
            async {
                Ok(self
                    .get_sms_quota()
                    .iccid(&iccid)
                    .send()
                    .await?
                    .into_inner())
            },
        )
        .await?;
        Ok(SimDetails {
            sim,
            connectivity,
            data_quota,
            sms_quota,
        })
    }
}

/// What [`Client::sim_details`] reads of one SIM.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct SimDetails {
    /// The SIM.
    pub sim: types::Sim,
    /// Its connectivity now: status, services, location, PDP contexts.
    pub connectivity: types::ConnectivityDetail,
    /// Its data quota, in MB.
    pub data_quota: types::Quota,
    /// Its SMS quota, in messages.
    pub sms_quota: types::Quota,
}

impl SimDetails {
    /// The connectivity status (`ONLINE`, `ATTACHED`, `OFFLINE`, `BLOCKED`,
    /// or a value the documents do not list), if the API said it.
    pub fn status(&self) -> Option<&types::ConnectivityStatusDescription> {
        self.connectivity.status.as_ref()?.description.as_ref()
    }
}
