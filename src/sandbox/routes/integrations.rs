//! 1NCE OS cloud integrations: webhooks created, listed, read and deleted.
//! Testing or restarting one posts a sample event to its URL when the URL
//! is on loopback, so a receiver can be tried end to end offline; any other
//! URL is never called and the test reports FAILURE.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, body, not_found, Answer, Outcome};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::Shared;

const EVENT_TYPES: &[&str] = &[
    "TELEMETRY_DATA",
    "LIFECYCLE",
    "ERROR",
    "GEOFENCE",
    "LOCATION",
];

/// `POST /v1/integrate/clouds/webhooks`.
pub(crate) async fn create_webhook(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let name = request["name"]
        .as_str()
        .filter(|n| !n.is_empty() && n.len() <= 128);
    let name = name.ok_or_else(|| bad("name must be 1 to 128 characters"))?;
    let url = request["url"]
        .as_str()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let url = url.ok_or_else(|| bad("url must be an http(s) address"))?;
    let events = request["eventTypes"].as_array().filter(|e| !e.is_empty());
    let events = events.ok_or_else(|| bad("eventTypes must name at least one event type"))?;
    if let Some(odd) = events
        .iter()
        .find(|e| !e["type"].as_str().is_some_and(|t| EVENT_TYPES.contains(&t)))
    {
        return Err(bad(format!(
            "eventTypes: {odd} is not one of {EVENT_TYPES:?}"
        )));
    }
    if !request["headers"].is_object() {
        return Err(bad("headers must be an object"));
    }
    let mut data = shared.data();
    let id = format!("in-{:06}", data.next_os_id);
    data.next_os_id += 1;
    let now = api_time(shared.now());
    let integration = json!({
        "id": id, "name": name, "type": "WEBHOOK", "state": "INTEGRATION_ACTIVE", "url": url,
        "eventTypes": events.iter().map(|e| json!({ "type": e["type"], "version": e["version"].as_str().unwrap_or("1") })).collect::<Vec<_>>(),
        "headers": request["headers"], "jsonPayloadEnabled": request["jsonPayloadEnabled"].as_bool().unwrap_or(true),
        "createdTime": now, "updatedTime": now,
    });
    data.log(
        shared.now(),
        "INTEGRATION",
        format!("webhook {id} created"),
        None,
    );
    data.integrations.insert(id, integration.clone());
    Ok(Answer::json(201, integration))
}

/// `GET /v1/integrate/clouds`.
pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let items: Vec<&Value> = data.integrations.values().collect();
    Ok(Answer::json(
        200,
        json!({ "items": items, "page": 1, "pageAmount": 1 }),
    ))
}

/// `GET /v1/integrate/clouds/{integrationId}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let found = data
        .integrations
        .get(&id)
        .ok_or_else(|| not_found(&format!("integration {id}")))?;
    Ok(Answer::json(200, found.clone()))
}

/// `DELETE /v1/integrate/clouds/{integrationId}`.
pub(crate) async fn delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let mut data = shared.data();
    data.integrations
        .remove(&id)
        .ok_or_else(|| not_found(&format!("integration {id}")))?;
    data.log(
        shared.now(),
        "INTEGRATION",
        format!("integration {id} deleted"),
        None,
    );
    Ok(Answer::empty(204))
}

/// Posts a sample event to `integration`'s URL if it is on loopback, with
/// its headers; whether a 2xx came back.
async fn deliver_sample(integration: &Value) -> bool {
    let Some(url) = integration["url"]
        .as_str()
        .and_then(|u| reqwest::Url::parse(u).ok())
    else {
        return false;
    };
    if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
        return false;
    }
    let Ok(http) = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
    else {
        return false;
    };
    let mut post = http.post(url).json(&json!({
        "type": "TEST", "integrationId": integration["id"], "message": "a sample event from the onence sandbox",
    }));
    for (name, value) in integration["headers"].as_object().into_iter().flatten() {
        if let Some(value) = value.as_str() {
            post = post.header(name.as_str(), value);
        }
    }
    post.send().await.is_ok_and(|r| r.status().is_success())
}

fn integration(shared: &Shared, id: &str) -> Result<Value, crate::sandbox::answer::Refusal> {
    let data = shared.data_now();
    data.integrations
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(&format!("integration {id}")))
}

/// `POST /v1/integrate/clouds/webhooks/{integrationId}/test`.
pub(crate) async fn test(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let found = integration(&shared, &id)?;
    let delivered = deliver_sample(&found).await;
    let (status, message) = match delivered {
        true => ("SUCCESS", "the sample event was delivered"),
        false => ("FAILURE", "the sample event was not delivered"),
    };
    Ok(Answer::json(
        200,
        json!({ "testStatus": status, "message": message }),
    ))
}

/// `POST /v1/integrate/clouds/webhooks/{integrationId}/restart`: the
/// integration is active again when a sample event gets through.
pub(crate) async fn restart(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let found = integration(&shared, &id)?;
    let delivered = deliver_sample(&found).await;
    let state = if delivered {
        "INTEGRATION_ACTIVE"
    } else {
        "INTEGRATION_FAILED"
    };
    let now = api_time(shared.now());
    let mut data = shared.data();
    let stored = data
        .integrations
        .get_mut(&id)
        .ok_or_else(|| not_found(&format!("integration {id}")))?;
    stored["state"] = json!(state);
    stored["updatedTime"] = json!(now);
    let status = if delivered { "SUCCESS" } else { "FAILURE" };
    Ok(Answer::json(
        200,
        json!({ "integration": stored.clone(), "restartStatus": status, "message": format!("restart: {status}") }),
    ))
}
