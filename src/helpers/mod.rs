//! Thin, typed conveniences for the everyday jobs, one file per noun, v1
//! and v2 side by side: SIMs ([`sims`]), SMS ([`sms`]), top-ups and orders
//! ([`orders`]), support ([`support`]), quotas and usage ([`usage`]); and
//! for 1NCE OS, device actions ([`actions`]), geofences ([`geofences`]) and
//! webhook integrations ([`integrations`]). Input
//! is checked before anything is sent; writes are never resent once they
//! may have taken effect (see [`RetryPolicy`](crate::config::RetryPolicy)), and a
//! 2xx is always a success.

#[cfg(feature = "os")]
mod actions;
#[cfg(feature = "os")]
mod geofences;
#[cfg(feature = "os")]
mod integrations;
mod orders;
mod sims;
mod sms;
mod support;
mod usage;

#[cfg(feature = "os")]
pub use actions::{is_final, AwaitAction, BulkActionReport, DeviceAction, ACTION_BULK_LIMIT};
#[cfg(feature = "os")]
pub use geofences::{GeofenceShape, GEOFENCE_NAME_LIMIT};
#[cfg(feature = "os")]
pub use integrations::Webhook;
pub use orders::PaymentMethod;
pub(crate) use sims::update_from;
#[cfg(feature = "v2")]
pub use sims::SimDetails;
pub use sims::BULK_CHUNK;
pub use sms::SmsId;
pub use usage::{UsageDay, UsageReport};

use futures_util::stream::TryStreamExt;

/// The whole body of a write's answer, or `None` if it could not be read:
/// the write took effect either way, so reading it never fails the call.
pub(crate) async fn body_bytes(body: crate::api::generated::ByteStream) -> Option<Vec<u8>> {
    body.into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .ok()
}

/// The answer of a write read as JSON, `Null` when there was none (or it
/// is not JSON).
#[cfg(feature = "os")]
pub(crate) async fn json_of(body: crate::api::generated::ByteStream) -> serde_json::Value {
    body_bytes(body)
        .await
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// The id of what a write created, from its answer's `id` field: the one
/// reader of created ids in a body (geofences, integrations). `None` when
/// the answer names none or one that is not a valid id: the object exists
/// all the same, and the write is not an error.
#[cfg(feature = "os")]
pub(crate) async fn created_id<T>(
    body: crate::api::generated::ByteStream,
    operation: &str,
) -> Option<T>
where
    for<'a> &'a str: crate::model::IntoId<T>,
{
    use crate::model::IntoId;
    let answer = json_of(body).await;
    let id = answer.get("id").and_then(serde_json::Value::as_str);
    match id.map(IntoId::into_id) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => {
            tracing::warn!(operation, error = %e, "created; the answer's id is not a valid id");
            None
        }
        None => {
            tracing::debug!(operation, "created; the answer names no id");
            None
        }
    }
}

/// The last segment of a `Location` header (`.../v1/orders/1234`,
/// `.../sms/42`), when the answer has one. Its absence is not an error: the
/// documents declare no such header, and the write succeeded all the same.
pub(crate) fn location_id(headers: &reqwest::header::HeaderMap, operation: &str) -> Option<String> {
    let Some(location) = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        tracing::debug!(operation, "accepted; the answer has no Location header");
        return None;
    };
    let last = location.trim_end_matches('/').rsplit('/').next()?;
    (!last.is_empty()).then(|| last.to_string())
}

/// The number at the end of a `Location` header, when it ends in one.
pub(crate) fn id_from_location(
    headers: &reqwest::header::HeaderMap,
    operation: &str,
) -> Option<i64> {
    let last = location_id(headers, operation)?;
    let id = last.parse().ok();
    if id.is_none() {
        tracing::warn!(operation, location = %last, "accepted; the Location header ends in no number");
    }
    id
}
