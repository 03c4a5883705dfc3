//! 1NCE OS device actions: LwM2M, CoAP and UDP, to one device or many.
//! Each becomes an action request whose status follows from its age: it
//! is SCHEDULED for one change delay, IN_PROGRESS for another, then
//! SUCCEEDED (FAILED for an LwM2M write to a resource ending in `/0`,
//! which devices refuse); a cancelled one stays CANCELLED.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, body, not_found, os_page, Answer, Outcome, Paging, Refusal};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::{ActionRecord, Data, Shared};

/// The required fields of an action, by protocol.
fn check(protocol: &str, request: &Value) -> Result<(), Refusal> {
    let required: &[&str] = match protocol {
        "LWM2M" => &["action", "resourceAddress"],
        "COAP" => &["path", "port", "requestType"],
        _ => &["payload", "payloadType", "port"],
    };
    if let Some(missing) = required.iter().find(|f| request.get(**f).is_none()) {
        return Err(bad(format!("{missing} is required")));
    }
    if let Some(n) = request.get("sendAttempts") {
        if !n.as_f64().is_some_and(|n| (1.0..=5.0).contains(&n)) {
            return Err(bad("sendAttempts must be 1 to 5"));
        }
    }
    if let Some(mode) = request.get("requestMode") {
        if !(mode == "SEND_NOW" || mode == "SEND_WHEN_ACTIVE") {
            return Err(bad("requestMode must be SEND_NOW or SEND_WHEN_ACTIVE"));
        }
    }
    if let Some(port) = request.get("port") {
        if !port.as_u64().is_some_and(|p| (1..=65535).contains(&p)) {
            return Err(bad("port must be 1 to 65535"));
        }
    }
    Ok(())
}

/// The status of `action` now.
fn status(shared: &Shared, action: &ActionRecord) -> &'static str {
    if action.cancelled {
        return "CANCELLED";
    }
    let age = shared.clock.now().saturating_sub(action.made_at);
    if age < shared.change_delay {
        "SCHEDULED"
    } else if age < shared.change_delay * 2 {
        "IN_PROGRESS"
    } else if action.protocol == "LWM2M"
        && action.request["action"] == "write"
        && action.request["resourceAddress"]
            .as_str()
            .is_some_and(|a| a.ends_with("/0"))
    {
        "FAILED"
    } else {
        "SUCCEEDED"
    }
}

/// A request as read, with its device's IP address.
fn shown(shared: &Shared, data: &Data, a: &ActionRecord) -> Value {
    let ip = data
        .sims
        .get(&a.device_id)
        .and_then(|r| r.sim.ip_address.clone());
    json!({
        "id": a.id, "deviceId": a.device_id, "protocol": a.protocol, "ip": ip,
        "status": status(shared, a), "mode": a.request["requestMode"].as_str().unwrap_or("SEND_NOW"),
        "created": api_time(a.created), "updated": api_time(a.created),
        "requestData": a.request, "sendAttempts": a.request["sendAttempts"].as_f64().unwrap_or(1.0),
    })
}

/// Records an action request for `device` and answers its id.
fn record(
    shared: &Shared,
    data: &mut Data,
    protocol: &'static str,
    device: &str,
    request: &Value,
) -> String {
    let id = data.new_os_id("ar");
    let message = format!("{protocol} action request {id} for {device}");
    data.log(shared.now(), "DEVICE", message, Some(device));
    data.actions.push(ActionRecord {
        id: id.clone(),
        device_id: device.to_string(),
        protocol,
        request: request.clone(),
        made_at: shared.clock.now(),
        created: shared.now(),
        cancelled: false,
    });
    id
}

fn protocol_of(name: &str) -> Result<&'static str, Refusal> {
    match name {
        "LWM2M" => Ok("LWM2M"),
        "COAP" => Ok("COAP"),
        "UDP" => Ok("UDP"),
        other => Err(not_found(&format!("protocol {other}"))),
    }
}

/// `POST /v1/integrate/devices/{deviceId}/actions/{protocol}`.
pub(crate) async fn send_one(
    State(shared): State<Arc<Shared>>,
    Path((device, protocol)): Path<(String, String)>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let protocol = protocol_of(&protocol)?;
    check(protocol, &request)?;
    let mut data = shared.data();
    if !data.sims.contains_key(&device) {
        return Err(not_found(&format!("device {device}")));
    }
    let id = record(&shared, &mut data, protocol, &device, &request);
    Ok(Answer::json(
        202,
        json!({ "id": id, "message": "Action request accepted" }),
    ))
}

/// `POST /v1/integrate/devices/actions/{protocol}`: up to 100 devices; an
/// unknown device is rejected, the others accepted.
pub(crate) async fn send_many(
    State(shared): State<Arc<Shared>>,
    Path(protocol): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let protocol = protocol_of(&protocol)?;
    check(protocol, &request)?;
    let devices: Vec<String> = request["deviceIds"]
        .as_array()
        .filter(|d| (1..=100).contains(&d.len()))
        .ok_or_else(|| bad("deviceIds must name 1 to 100 devices"))?
        .iter()
        .map(|d| d.as_str().unwrap_or_default().to_string())
        .collect();
    let mut data = shared.data();
    let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
    for device in devices {
        if data.sims.contains_key(&device) {
            let id = record(&shared, &mut data, protocol, &device, &request);
            accepted.push(json!({ "deviceId": device, "requestId": id }));
        } else {
            rejected.push(device);
        }
    }
    Ok(Answer::json(
        202,
        json!({ "acceptedRequests": accepted, "rejectedDevices": rejected, "message": "Action requests accepted" }),
    ))
}

/// The filters of an action request list, as sent.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    paging: Paging,
    device_id: Option<String>,
    status: Option<String>,
    protocol: Option<String>,
    sort: Option<String>,
}

/// The requests `query` selects whose status is one of `statuses` (any
/// when empty), newest first, as one page.
fn listed(shared: &Shared, query: &ListQuery, statuses: &[&str]) -> Outcome {
    let (page, size) = query.paging.checked_os(10, 50)?;
    if let Some(s) = query.status.as_deref() {
        if !statuses.is_empty() && !statuses.contains(&s) {
            return Err(bad(format!(
                "status must be one of {statuses:?}, not {s:?}"
            )));
        }
    }
    if let Some(p) = query.protocol.as_deref() {
        protocol_of(p)
            .map_err(|_| bad(format!("protocol must be LWM2M, COAP or UDP, not {p:?}")))?;
    }
    let data = shared.data_now();
    let mut all: Vec<(&ActionRecord, &'static str)> = data
        .actions
        .iter()
        .rev()
        .filter(|a| query.device_id.as_ref().is_none_or(|d| *d == a.device_id))
        .filter(|a| query.protocol.as_ref().is_none_or(|p| p == a.protocol))
        .map(|a| (a, status(shared, a)))
        .filter(|(_, s)| statuses.is_empty() || statuses.contains(s))
        .filter(|(_, s)| query.status.as_deref().is_none_or(|q| q == *s))
        .collect();
    match query.sort.as_deref() {
        None | Some("-created" | "-updated") => {}
        Some("created" | "updated") => all.reverse(),
        Some(other) => return Err(bad(format!("sort cannot be {other:?}"))),
    }
    let all: Vec<Value> = all
        .into_iter()
        .map(|(a, _)| shown(shared, &data, a))
        .collect();
    Ok(os_page(all, page, size, "items"))
}

/// `GET /v1/integrate/devices/actions/requests`: the newest first.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    listed(&shared, &query, &[])
}

/// `GET /v1/integrate/devices/actions/requests/active`.
pub(crate) async fn active(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    listed(&shared, &query, &["SCHEDULED", "IN_PROGRESS"])
}

/// `GET /v1/integrate/devices/actions/requests/archived`.
pub(crate) async fn archived(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    listed(&shared, &query, &["FAILED", "SUCCEEDED", "CANCELLED"])
}

/// `GET /v1/integrate/devices/actions/requests/{requestId}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let action = data
        .actions
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| not_found(&format!("action request {id}")))?;
    Ok(Answer::json(200, shown(&shared, &data, action)))
}

/// `DELETE /v1/integrate/devices/actions/requests/{requestId}`: only a
/// request not yet final can be cancelled.
pub(crate) async fn cancel(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let mut data = shared.data();
    let action = data
        .actions
        .iter_mut()
        .find(|a| a.id == id)
        .ok_or_else(|| not_found(&format!("action request {id}")))?;
    if !matches!(status(&shared, action), "SCHEDULED" | "IN_PROGRESS") {
        return Err(crate::sandbox::answer::refuse(
            409,
            format!("action request {id} is final"),
        ));
    }
    action.cancelled = true;
    Ok(Answer::json(
        200,
        json!({ "id": id, "status": "CANCELLED" }),
    ))
}

/// `DELETE /v1/integrate/devices/{deviceId}/actions/requests`: cancels
/// every request of the device that is not final; answers those.
pub(crate) async fn cancel_all(
    State(shared): State<Arc<Shared>>,
    Path(device): Path<String>,
) -> Outcome {
    let mut data = shared.data();
    if !data.sims.contains_key(&device) {
        return Err(not_found(&format!("device {device}")));
    }
    let mut cancelled = Vec::new();
    for action in data.actions.iter_mut().filter(|a| a.device_id == device) {
        if matches!(status(&shared, action), "SCHEDULED" | "IN_PROGRESS") {
            action.cancelled = true;
            cancelled.push(json!({ "id": action.id, "status": "CANCELLED" }));
        }
    }
    let message = format!("{} action requests of {device} cancelled", cancelled.len());
    data.log(shared.now(), "DEVICE", message, Some(&device));
    Ok(Answer::json(200, cancelled))
}

/// `POST /v1/devices/{deviceId}/actions`: the older LwM2M-only route.
pub(crate) async fn send_lwm2m(
    State(shared): State<Arc<Shared>>,
    Path(device): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    send_one(State(shared), Path((device, "LWM2M".into())), request).await
}
