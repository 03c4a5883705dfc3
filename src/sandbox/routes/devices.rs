//! 1NCE OS devices: one per SIM of the fleet, its id the SIM's ICCID.
//! Listed in body pages (`{items, page, pageAmount}`, pages 1 to 50 of up
//! to 50), read one at a time, and counted.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, not_found, os_page, Answer, Outcome, Paging};
use crate::sandbox::fleet::SimRecord;
use crate::sandbox::state::Shared;

/// The last page 1NCE OS serves, and its largest device page.
const MAX_PAGE_SIZE: u64 = 50;

/// The filter and sort of a device list, as sent.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    paging: Paging,
    q: Option<String>,
    sort: Option<String>,
}

/// The device a SIM is, as `list_devices` shows it.
fn device(record: &SimRecord) -> Value {
    let sim = &record.sim;
    json!({
        "id": sim.iccid,
        "iccid": sim.iccid,
        "imsi1": sim.imsi,
        "ip": sim.ip_address,
    })
}

/// `GET /v1/inspect/devices`: `q` filters by `field:value` (`iccid`,
/// `imsi1`, `ip`), `sort` by one of them (`-` in front: descending).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    let (page, size) = query.paging.checked_os(10, MAX_PAGE_SIZE)?;
    let data = shared.data_now();
    let mut devices: Vec<Value> = data.sims.values().map(device).collect();
    if let Some(filter) = query.q.as_deref().filter(|q| !q.is_empty()) {
        for criterion in filter.split(',') {
            let (field, value) = criterion
                .split_once(':')
                .ok_or_else(|| bad(format!("q: {criterion:?} is not field:value")))?;
            if !["iccid", "imsi1", "ip"].contains(&field) {
                return Err(bad(format!("q: cannot filter by {field:?}")));
            }
            devices.retain(|d| d[field].as_str() == Some(value));
        }
    }
    if let Some(sort) = query.sort.as_deref().filter(|s| !s.is_empty()) {
        let (descending, field) = sort.strip_prefix('-').map_or((false, sort), |f| (true, f));
        if !["iccid", "imsi1", "ip"].contains(&field) {
            return Err(bad(format!("sort: cannot sort by {field:?}")));
        }
        devices.sort_by(|a, b| a[field].as_str().cmp(&b[field].as_str()));
        if descending {
            devices.reverse();
        }
    }
    Ok(os_page(devices, page, size, "items"))
}

/// `GET /v1/inspect/devices/{deviceId}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let record = data
        .sims
        .get(&id)
        .ok_or_else(|| not_found(&format!("device {id}")))?;
    let mut answer = device(record);
    answer["name"] = json!(record.sim.label);
    Ok(Answer::json(200, answer))
}

/// `GET /v1/devices/stats`: every device, and those whose SIM is enabled.
pub(crate) async fn stats(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let total = data.sims.len();
    let activated = data
        .sims
        .values()
        .filter(|r| {
            r.sim
                .status
                .as_ref()
                .is_some_and(|s| s.to_string() == "Enabled")
        })
        .count();
    Ok(Answer::json(
        200,
        json!({ "totalDevices": total, "activatedDevices": activated }),
    ))
}
