//! Telling whether a write whose answer was lost took effect, by reading back
//! what the API shows. A top-up or an SMS is never simply sent again: that
//! could bill or deliver twice.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;

use crate::api::generated::Client;
use crate::api::types;
use crate::error::Result;
use crate::helpers::PaymentMethod;
use crate::model::IntoIccid;

/// What a read-back says of a write whose answer was lost.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reconciled {
    /// The API shows the write's effect; the id when the read-back names it.
    Applied {
        /// The new SMS's id or the top-up's order number, when known.
        id: Option<i64>,
    },
    /// The API shows no trace of it: sending it again is safe.
    NotApplied,
    /// The read-back itself failed or was inconclusive: do not send it again
    /// before looking yourself.
    Unknown,
}

/// The outcome of a checked write: done, or its answer lost and read back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Checked {
    /// The API answered with a success; the id when it gave one.
    Done {
        /// The new SMS's id or the top-up's order number, when given.
        id: Option<i64>,
    },
    /// The answer was lost; this is what the read-back found.
    AnswerLost(Reconciled),
}

impl Client {
    /// Whether a top-up of `iccid` took effect, judged from its data quota
    /// read `before` the top-up: a top-up adds volume at once, so a grown
    /// `total_volume` (or `volume`) means it was applied. One GET.
    pub async fn reconcile_top_up(
        &self,
        iccid: impl IntoIccid,
        before: &types::Quota,
    ) -> Reconciled {
        let Ok(iccid) = iccid.into_iccid() else {
            return Reconciled::Unknown;
        };
        let Ok(after) = self.data_quota_of(&iccid).await else {
            return Reconciled::Unknown;
        };
        let grew = |a: Option<crate::model::Lenient<f64>>,
                    b: Option<crate::model::Lenient<f64>>| match (a, b) {
            (Some(a), Some(b)) => Some(*a > *b),
            _ => None,
        };
        match (
            grew(after.total_volume, before.total_volume),
            grew(after.volume, before.volume),
        ) {
            (Some(true), _) | (None, Some(true)) => Reconciled::Applied { id: None },
            (Some(false), _) | (None, Some(false)) => Reconciled::NotApplied,
            (None, None) => Reconciled::Unknown,
        }
    }

    /// Tops up one SIM, reading its data quota first so that a lost answer
    /// can be told apart: applied, not applied, or unknown. Costs one GET
    /// more than [`Client::top_up`] (two when the answer is lost).
    pub async fn top_up_checked(
        &self,
        iccid: impl IntoIccid,
        payment: Option<PaymentMethod>,
    ) -> Result<Checked> {
        let iccid = iccid.into_iccid()?;
        let before = self.data_quota_of(&iccid).await?;
        match self.top_up(&iccid, payment).await {
            Ok(id) => Ok(Checked::Done { id }),
            Err(e) if e.is_outcome_unknown() => {
                tracing::warn!(%iccid, "top-up answer lost; reading the quota back");
                Ok(Checked::AnswerLost(
                    self.reconcile_top_up(&iccid, &before).await,
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether an SMS with `payload` sent to `iccid` at or after `since`
    /// reached the API, judged from the SIM's SMS list (the newest first).
    pub async fn reconcile_sms(
        &self,
        iccid: impl IntoIccid,
        payload: &str,
        since: DateTime<Utc>,
    ) -> Reconciled {
        let Ok(iccid) = iccid.into_iccid() else {
            return Reconciled::Unknown;
        };
        // A little slack for the clocks of client and service.
        let since = since - chrono::Duration::minutes(5);
        let found = self
            .all_sms(&iccid)
            .stream()
            .try_filter(|sms| {
                let sent_after = sms
                    .submit_date
                    .as_ref()
                    .and_then(|d| d.to_utc())
                    .is_none_or(|d| d >= since);
                futures_util::future::ready(sms.payload.as_deref() == Some(payload) && sent_after)
            })
            .try_collect::<Vec<_>>()
            .await;
        match found {
            Ok(matches) => match matches.last() {
                Some(sms) => Reconciled::Applied {
                    id: sms.id.map(crate::model::Lenient::into_inner),
                },
                None => Reconciled::NotApplied,
            },
            Err(_) => Reconciled::Unknown,
        }
    }

    /// Sends an SMS; when its answer is lost, reads the SIM's SMS list back
    /// to tell whether it was sent. Never sends it twice.
    pub async fn send_sms_checked(
        &self,
        iccid: impl IntoIccid,
        message: types::SmsMessage,
    ) -> Result<Checked> {
        let iccid = iccid.into_iccid()?;
        let payload = message.payload.clone().unwrap_or_default();
        let since: DateTime<Utc> = std::time::SystemTime::now().into();
        match self.send_sms_message(&iccid, message).await {
            Ok(id) => Ok(Checked::Done {
                id: id.and_then(|id| id.number()),
            }),
            Err(e) if e.is_outcome_unknown() => {
                tracing::warn!(%iccid, "SMS answer lost; reading the SMS list back");
                Ok(Checked::AnswerLost(
                    self.reconcile_sms(&iccid, &payload, since).await,
                ))
            }
            Err(e) => Err(e),
        }
    }
}
