//! 1NCE OS device endpoints: where devices send data, one per protocol.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, body, not_found, Answer, Outcome};
use crate::sandbox::state::Shared;

/// The endpoint of `protocol`, or none for an unknown protocol.
fn endpoint(protocol: &str) -> Option<Value> {
    let (port, secure) = match protocol {
        "UDP" => (4445, None),
        "COAP" => (5683, Some(5684)),
        "LWM2M" => (5683, Some(5684)),
        _ => return None,
    };
    let mut e = json!({
        "protocol": protocol, "active": true, "domain": format!("{}.os.1nce.com", protocol.to_lowercase()),
        "ipAddresses": ["10.60.2.239"], "port": port,
        "settings": [{ "name": "LWM2M_PASSIVE_REPORTING", "state": "DISABLED", "description": "Passive reporting" }],
    });
    if let Some(secure) = secure {
        e["securePort"] = json!(secure);
    }
    Some(e)
}

/// `GET /v1/integrate/devices/endpoints`.
pub(crate) async fn list() -> Outcome {
    let items: Vec<Value> = ["UDP", "COAP", "LWM2M"]
        .iter()
        .filter_map(|p| endpoint(p))
        .collect();
    Ok(Answer::json(
        200,
        json!({ "items": items, "page": 1, "pageAmount": 1 }),
    ))
}

/// `GET /v1/integrate/devices/endpoints/{protocol}`.
pub(crate) async fn get(Path(protocol): Path<String>) -> Outcome {
    let found = endpoint(&protocol).ok_or_else(|| not_found(&format!("endpoint {protocol}")))?;
    Ok(Answer::json(200, found))
}

/// `PATCH /v1/integrate/devices/endpoints/{protocol}`: its activity and settings.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(protocol): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let mut found =
        endpoint(&protocol).ok_or_else(|| not_found(&format!("endpoint {protocol}")))?;
    let settings = request["settings"]
        .as_array()
        .ok_or_else(|| bad("settings is required"))?;
    let fine =
        |s: &Value| s["name"].is_string() && (s["state"] == "ENABLED" || s["state"] == "DISABLED");
    if let Some(odd) = settings.iter().find(|s| !fine(s)) {
        return Err(bad(format!(
            "settings: {odd} is not a name with a state ENABLED or DISABLED"
        )));
    }
    if let Some(active) = request.get("active") {
        let active = active
            .as_bool()
            .ok_or_else(|| bad("active must be true or false"))?;
        found["active"] = json!(active);
    }
    found["settings"] = json!(settings);
    let now = shared.now();
    shared
        .data()
        .log(now, "GENERAL", format!("endpoint {protocol} changed"), None);
    Ok(Answer::json(200, found))
}
