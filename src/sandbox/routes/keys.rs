//! 1NCE OS pre-shared keys, which secure a device's CoAP and LwM2M traffic
//! with DTLS: one per device and protocol, set alone or imported many at a
//! time in a job. The document names the routes twice (`presharedkey` and
//! `psk`); both reach the same keys.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, body, not_found, Answer, Outcome, Refusal};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::{Data, KeyJob, Shared};

/// The most keys one import takes: the document sets none, so the sandbox
/// keeps a bound a client should expect.
const MAX_IMPORT: usize = 10_000;

/// A key as sent, checked: (protocol, secret, format).
fn checked(key: &Value, longest: usize) -> Result<(String, String, String), Refusal> {
    let protocol = key["protocol"]
        .as_str()
        .filter(|p| ["COAP", "LWM2M"].contains(p))
        .ok_or_else(|| bad("protocol must be COAP or LWM2M"))?;
    let format = match key.get("format") {
        None | Some(Value::Null) => "STRING",
        Some(f) => f
            .as_str()
            .filter(|f| ["STRING", "HEX"].contains(f))
            .ok_or_else(|| bad("format must be STRING or HEX"))?,
    };
    let secret = key["secretKey"]
        .as_str()
        .filter(|s| (8..=longest).contains(&s.len()))
        .ok_or_else(|| bad(format!("secretKey must be 8 to {longest} characters")))?;
    if format == "HEX" && !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("secretKey in HEX format must be hexadecimal digits"));
    }
    Ok((protocol.into(), secret.into(), format.into()))
}

/// Stores `device`'s key and answers it as read back.
fn store(shared: &Shared, data: &mut Data, device: &str, key: (String, String, String)) -> Value {
    let (protocol, secret, format) = key;
    let now = api_time(shared.now());
    let slot = (device.to_string(), protocol.clone());
    let created = data
        .keys
        .get(&slot)
        .map_or_else(|| json!(now), |k| k["createdAt"].clone());
    let stored = json!({
        "deviceId": device, "identity": device, "secretKey": secret, "protocol": protocol,
        "format": format, "createdAt": created, "updatedAt": now,
    });
    data.keys.insert(slot, stored.clone());
    stored
}

/// `POST /v1/integrate/devices/{deviceId}/presharedkey` (and `/psk`).
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Path(device): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let key = checked(&body(request)?, 256)?;
    let mut data = shared.data();
    if !data.sims.contains_key(&device) {
        return Err(not_found(&format!("device {device}")));
    }
    let message = format!("{} pre-shared key set for {device}", key.0);
    data.log(shared.now(), "DEVICE", message, Some(&device));
    Ok(Answer::json(200, store(&shared, &mut data, &device, key)))
}

/// `GET /v1/integrate/devices/{deviceId}/psk/{protocol}`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((device, protocol)): Path<(String, String)>,
) -> Outcome {
    let data = shared.data_now();
    let key = data.keys.get(&(device.clone(), protocol.clone()));
    let key = key.ok_or_else(|| not_found(&format!("{protocol} pre-shared key of {device}")))?;
    Ok(Answer::json(200, key.clone()))
}

/// `POST /v1/integrate/devices/presharedkey/jobs` (and `/psk/jobs`): every
/// key is checked before any is stored; a key for an unknown device counts
/// as failed in the job, the others are set.
pub(crate) async fn import(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let keys = request
        .as_array()
        .filter(|k| (1..=MAX_IMPORT).contains(&k.len()))
        .ok_or_else(|| bad(format!("the body must list 1 to {MAX_IMPORT} keys")))?;
    let mut checked_keys = Vec::with_capacity(keys.len());
    for (n, key) in keys.iter().enumerate() {
        let device = key["deviceId"]
            .as_str()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| bad(format!("key {n}: deviceId is required")))?;
        let parts = checked(key, 128).map_err(|e| bad(format!("key {n}: {}", e.message)))?;
        checked_keys.push((device.to_string(), parts));
    }
    let mut data = shared.data();
    let mut failed = 0;
    for (device, parts) in checked_keys {
        if data.sims.contains_key(&device) {
            store(&shared, &mut data, &device, parts);
        } else {
            failed += 1;
        }
    }
    let id = data.new_os_id("job");
    let amount = keys.len();
    let message = format!("pre-shared key import {id}: {amount} keys, {failed} failed");
    data.log(shared.now(), "DEVICE", message, None);
    data.key_jobs.push(KeyJob {
        id,
        made_at: shared.clock.now(),
        created: shared.now(),
        amount,
        failed,
    });
    Ok(Answer::empty(202))
}

/// `GET /v1/integrate/devices/presharedkey/jobs` (and `/psk/jobs`): the
/// newest first; a job is IN_PROGRESS for one change delay, then DONE.
pub(crate) async fn jobs(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let items: Vec<Value> = data
        .key_jobs
        .iter()
        .rev()
        .map(|job| {
            let age = shared.clock.now().saturating_sub(job.made_at);
            let (status, done) = match age < shared.change_delay {
                true => ("IN_PROGRESS", 0),
                false => ("DONE", job.amount - job.failed),
            };
            json!({
                "id": job.id, "status": status, "amount": job.amount, "done": done,
                "failed": if status == "DONE" { job.failed } else { 0 },
                "createdAt": api_time(job.created), "updatedAt": api_time(job.created),
            })
        })
        .collect();
    // The document sets `pageAmount` at least 1, even for no jobs.
    Ok(Answer::json(
        200,
        json!({ "items": items, "page": 1, "pageAmount": 1 }),
    ))
}
