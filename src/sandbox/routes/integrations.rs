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

use super::stored::Store;
use crate::sandbox::answer::{bad, body, not_found, refuse, Answer, Outcome, Refusal};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::Shared;

const EVENT_TYPES: &[&str] = &[
    "TELEMETRY_DATA",
    "LIFECYCLE",
    "ERROR",
    "GEOFENCE",
    "LOCATION",
];

/// `eventTypes` as sent, checked, each with its version ("1" when not sent).
fn event_types(events: &Value) -> Result<Vec<Value>, Refusal> {
    let events = events.as_array().filter(|e| !e.is_empty());
    let events = events.ok_or_else(|| bad("eventTypes must name at least one event type"))?;
    events
        .iter()
        .map(|e| match e["type"].as_str() {
            Some(t) if EVENT_TYPES.contains(&t) => {
                Ok(json!({ "type": t, "version": e["version"].as_str().unwrap_or("1") }))
            }
            _ => Err(bad(format!(
                "eventTypes: {e} is not one of {EVENT_TYPES:?}"
            ))),
        })
        .collect()
}

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
    let events = event_types(&request["eventTypes"])?;
    if !request["headers"].is_object() {
        return Err(bad("headers must be an object"));
    }
    let mut data = shared.data();
    let id = data.new_os_id("in");
    let now = api_time(shared.now());
    let integration = json!({
        "id": id, "name": name, "type": "WEBHOOK", "state": "INTEGRATION_ACTIVE", "url": url,
        "eventTypes": events,
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

fn integration(shared: &Shared, id: &str) -> Result<Value, Refusal> {
    let data = shared.data_now();
    data.integrations
        .get(id)
        .cloned()
        .ok_or_else(|| not_found(&format!("integration {id}")))
}

/// `POST /v1/integrate/clouds/webhooks/{integrationId}/test`.
pub(crate) async fn test(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let found = of_kind(&shared, &id, "WEBHOOK")?;
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
    let found = of_kind(&shared, &id, "WEBHOOK")?;
    let delivered = deliver_sample(&found).await;
    let (state, status) = match delivered {
        true => ("INTEGRATION_ACTIVE", "SUCCESS"),
        false => ("INTEGRATION_FAILED", "FAILURE"),
    };
    restarted(&shared, &id, state, status)
}

/// The integrations, for [`Store::change`].
const INTEGRATIONS: Store = Store {
    records: |data| &mut data.integrations,
    noun: "integration",
    stamp: "updatedTime",
};

/// A restart's answer: the integration, now in `state`, and `status`.
fn restarted(shared: &Shared, id: &str, state: &str, status: &str) -> Outcome {
    let restarted = INTEGRATIONS.change(shared, id, "restarted", |stored| {
        stored["state"] = json!(state);
        Ok(())
    })?;
    Ok(Answer::json(
        200,
        json!({ "integration": summary(&restarted), "restartStatus": status, "message": format!("restart: {status}") }),
    ))
}

/// The fields of an integration a restart answers (no URL, headers or
/// token: the document closes that model).
fn summary(integration: &Value) -> Value {
    let fields = [
        "id",
        "name",
        "type",
        "state",
        "eventTypes",
        "createdTime",
        "updatedTime",
    ];
    fields
        .iter()
        .chain(["lastSuccessfulMessageDelivery"].iter())
        .filter_map(|f| Some((f.to_string(), integration.get(*f)?.clone())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// An integration of `kind` (WEBHOOK or AWS); another kind is not found.
fn of_kind(shared: &Shared, id: &str, kind: &str) -> Result<Value, Refusal> {
    let found = integration(shared, id)?;
    match found["type"] == kind {
        true => Ok(found),
        false => Err(not_found(&format!("{kind} integration {id}"))),
    }
}

/// `GET /v1/integrate/clouds/eventTypes`: what each event type carries.
pub(crate) async fn event_type_list() -> Outcome {
    let described = [
        (
            "TELEMETRY_DATA",
            "a message a device sent",
            json!({ "deviceId": "…", "payload": "…" }),
        ),
        (
            "LIFECYCLE",
            "a device registered or deregistered",
            json!({ "deviceId": "…", "event": "…" }),
        ),
        (
            "ERROR",
            "a message that could not be delivered",
            json!({ "deviceId": "…", "error": "…" }),
        ),
        (
            "GEOFENCE",
            "a device entered or left a geofence",
            json!({ "deviceId": "…", "geofenceId": "…" }),
        ),
        (
            "TEST_MESSAGE",
            "a test of the integration",
            json!({ "message": "…" }),
        ),
        (
            "LOCATION",
            "a new position of a device",
            json!({ "deviceId": "…", "coordinates": [0.0, 0.0] }),
        ),
    ];
    let types: Vec<Value> = described
        .into_iter()
        .map(|(name, description, payload)| json!({ "name": name, "description": description, "version": "1", "payload": payload }))
        .collect();
    Ok(Answer::json(200, json!({ "eventTypes": types })))
}

/// `GET /v1/integrate/clouds/aws/parameters`: the CloudFormation templates
/// an AWS integration is rolled out with.
pub(crate) async fn aws_parameters() -> Outcome {
    Ok(Answer::json(
        200,
        json!({ "awsIntegration": [{ "version": "1", "url": "https://sandbox.invalid/cloudformation/1nce-os-integration.yaml" }] }),
    ))
}

/// `POST /v1/integrate/clouds/aws`: active at once, as the sandbox has no
/// CloudFormation stack to wait for; its `jwt` is what the stack takes.
pub(crate) async fn create_aws(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let name = request["name"]
        .as_str()
        .filter(|n| !n.is_empty() && n.chars().count() <= 128);
    let name = name.ok_or_else(|| bad("name must be 1 to 128 characters"))?;
    let events = event_types(&request["eventTypes"])?;
    let mut data = shared.data();
    if data.integrations.values().any(|i| i["name"] == name) {
        return Err(refuse(409, format!("an integration named {name:?} exists")));
    }
    let id = data.new_os_id("in");
    let now = api_time(shared.now());
    let integration = json!({
        "id": id, "name": name, "type": "AWS", "state": "INTEGRATION_ACTIVE", "eventTypes": events,
        "jsonPayloadEnabled": request["jsonPayloadEnabled"].as_bool().unwrap_or(true),
        "jwt": format!("sandbox-jwt-{id}"), "createdTime": now, "updatedTime": now,
    });
    let message = format!("AWS integration {id} created");
    data.log(shared.now(), "INTEGRATION", message, None);
    data.integrations.insert(id, integration.clone());
    Ok(Answer::json(201, integration))
}

/// `POST /v1/integrate/clouds/aws/{integrationId}/test`: the sandbox
/// reaches no AWS account, and says so.
pub(crate) async fn test_aws(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    of_kind(&shared, &id, "AWS")?;
    Ok(Answer::json(
        200,
        json!({ "testStatus": "FAILURE", "message": "the sandbox reaches no AWS account" }),
    ))
}

/// `POST /v1/integrate/clouds/aws/{integrationId}/restart`: active again.
pub(crate) async fn restart_aws(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Outcome {
    of_kind(&shared, &id, "AWS")?;
    restarted(&shared, &id, "INTEGRATION_ACTIVE", "SUCCESS")
}

/// Applies the fields of a patch to the integration `id` (of `kind` when
/// given): `url` and `headers` only to a webhook.
fn patch(shared: &Shared, id: &str, kind: Option<&str>, request: &Value) -> Outcome {
    let found = match kind {
        Some(kind) => of_kind(shared, id, kind)?,
        None => integration(shared, id)?,
    };
    let webhook = found["type"] == "WEBHOOK";
    let mut changes = serde_json::Map::new();
    if let Some(url) = request.get("url").filter(|u| !u.is_null()) {
        let fine = url
            .as_str()
            .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
        if !webhook || !fine {
            return Err(bad(
                "url must be an http(s) address, and only a webhook has one",
            ));
        }
        changes.insert("url".into(), url.clone());
    }
    if let Some(headers) = request.get("headers").filter(|h| !h.is_null()) {
        if !webhook || !headers.is_object() {
            return Err(bad(
                "headers must be an object, and only a webhook has them",
            ));
        }
        changes.insert("headers".into(), headers.clone());
    }
    if let Some(events) = request.get("eventTypes").filter(|e| !e.is_null()) {
        changes.insert("eventTypes".into(), json!(event_types(events)?));
    }
    if let Some(enabled) = request.get("jsonPayloadEnabled").filter(|e| !e.is_null()) {
        let enabled = enabled
            .as_bool()
            .ok_or_else(|| bad("jsonPayloadEnabled must be true or false"))?;
        changes.insert("jsonPayloadEnabled".into(), json!(enabled));
    }
    let updated = INTEGRATIONS.change(shared, id, "updated", |stored| {
        for (name, value) in changes {
            stored[name.as_str()] = value;
        }
        Ok(())
    })?;
    Ok(Answer::json(200, updated))
}

/// `PATCH /v1/integrate/clouds/{integrationId}`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    patch(&shared, &id, None, &body(request)?)
}

/// `PATCH /v1/integrate/clouds/webhooks/{integrationId}`.
pub(crate) async fn update_webhook(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    patch(&shared, &id, Some("WEBHOOK"), &body(request)?)
}
