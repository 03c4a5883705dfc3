//! 1NCE OS geofences: circles and polygons, for every device or for one,
//! created, listed (body pages), read, renamed and deleted.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, body, not_found, os_page, Answer, Outcome, Paging, Refusal};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::Shared;

/// The paging and filters of a geofence list, as sent.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    paging: Paging,
    name: Option<String>,
    device_id: Option<String>,
    scope: Option<String>,
}

fn point(value: &Value, what: &str) -> Result<[f64; 2], Refusal> {
    let pair = value.as_array().filter(|p| p.len() == 2);
    let numbers: Option<Vec<f64>> = pair.map(|p| p.iter().filter_map(Value::as_f64).collect());
    match numbers.as_deref() {
        Some(&[lon, lat]) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
            Ok([lon, lat])
        }
        _ => Err(bad(format!(
            "{what} must be [longitude, latitude] within ±180, ±90"
        ))),
    }
}

fn events(value: Option<&Value>, allowed: &[&str], what: &str) -> Result<Value, Refusal> {
    let Some(value) = value else {
        return Ok(json!(allowed));
    };
    let items = value.as_array().filter(|a| (1..=2).contains(&a.len()));
    let ok = items.is_some_and(|a| {
        a.iter()
            .all(|v| v.as_str().is_some_and(|s| allowed.contains(&s)))
            && (a.len() < 2 || a[0] != a[1])
    });
    if ok {
        Ok(value.clone())
    } else {
        Err(bad(format!(
            "{what} must be one or two different values of {allowed:?}"
        )))
    }
}

fn name(value: Option<&Value>) -> Result<String, Refusal> {
    match value.and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() && n.chars().count() <= 50 => Ok(n.to_string()),
        _ => Err(bad("name must be 1 to 50 characters")),
    }
}

/// `POST /v1/locate/geofences`: a circle (`center`, `radius` of 50 to
/// 30,000 m) or a polygon (`coordinates`: rings of 4 points or more).
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let kind = request["type"].as_str().unwrap_or_default().to_string();
    let mut geofence = json!({ "name": name(request.get("name"))?, "type": kind });
    match kind.as_str() {
        "circle" => {
            geofence["center"] = json!(point(&request["center"], "center")?);
            let radius = request["radius"]
                .as_f64()
                .filter(|r| (50.0..=30_000.0).contains(r));
            geofence["radius"] = json!(radius.ok_or_else(|| bad("radius must be 50 to 30000 m"))?);
        }
        "polygon" => {
            let rings = request["coordinates"].as_array().filter(|r| !r.is_empty());
            let rings = rings.ok_or_else(|| bad("coordinates must hold a ring"))?;
            let mut checked = Vec::new();
            for ring in rings {
                let corners = ring.as_array().filter(|c| c.len() >= 4);
                let corners = corners.ok_or_else(|| bad("a ring needs 4 points or more"))?;
                let points: Vec<[f64; 2]> = corners
                    .iter()
                    .map(|p| point(p, "a corner"))
                    .collect::<Result<_, _>>()?;
                if points.first() != points.last() {
                    return Err(bad("a ring ends where it starts"));
                }
                checked.push(points);
            }
            geofence["coordinates"] = json!(checked);
        }
        other => {
            return Err(bad(format!(
                "type must be circle or polygon, not {other:?}"
            )))
        }
    }
    geofence["eventTypes"] = events(request.get("eventTypes"), &["ENTER", "EXIT"], "eventTypes")?;
    geofence["eventSources"] = events(
        request.get("eventSources"),
        &["GPS", "CellTower"],
        "eventSources",
    )?;
    let mut data = shared.data();
    if let Some(device) = request.get("deviceId").and_then(Value::as_str) {
        if !data.sims.contains_key(device) {
            return Err(not_found(&format!("device {device}")));
        }
        geofence["deviceId"] = json!(device);
    }
    let id = data.new_os_id("gf");
    let now = api_time(shared.now());
    geofence["id"] = json!(id);
    geofence["created"] = json!(now);
    geofence["updated"] = json!(now);
    let device = geofence
        .get("deviceId")
        .and_then(Value::as_str)
        .map(str::to_string);
    data.log(
        shared.now(),
        "LOCATION",
        format!("geofence {id} created"),
        device.as_deref(),
    );
    geofence
        .as_object_mut()
        .map(|g| g.entry("deviceId").or_insert(Value::Null));
    data.geofences.insert(id, geofence.clone());
    // The answer to a create has no times; a read has them.
    for time in ["created", "updated"] {
        geofence.as_object_mut().map(|g| g.remove(time));
    }
    Ok(Answer::json(201, geofence))
}

/// `GET /v1/locate/geofences`: `scope` global (for every device) or device.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    let (page, size) = query.paging.checked_os(10, 50)?;
    let data = shared.data_now();
    let mut all: Vec<Value> = Vec::new();
    for g in data.geofences.values() {
        let device = g["deviceId"].as_str();
        let keep = query
            .name
            .as_ref()
            .is_none_or(|n| g["name"].as_str() == Some(n))
            && query.device_id.as_ref().is_none_or(|d| device == Some(d))
            && match query.scope.as_deref() {
                None => true,
                Some("global") => device.is_none(),
                Some("device") => device.is_some(),
                Some(other) => {
                    return Err(bad(format!(
                        "scope must be global or device, not {other:?}"
                    )))
                }
            };
        if keep {
            let summary = ["id", "name", "type", "deviceId", "created", "updated"];
            // A geofence for every device is bound to none: `deviceId` null.
            let mut shown: serde_json::Map<String, Value> = summary
                .iter()
                .filter_map(|k| Some((k.to_string(), g.get(*k)?.clone())))
                .collect();
            shown.entry("deviceId").or_insert(Value::Null);
            all.push(Value::Object(shown));
        }
    }
    Ok(os_page(all, page, size, "items"))
}

/// `GET /v1/locate/geofences/{geofenceId}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let g = data
        .geofences
        .get(&id)
        .ok_or_else(|| not_found(&format!("geofence {id}")))?;
    Ok(Answer::json(200, g.clone()))
}

/// `PATCH /v1/locate/geofences/{geofenceId}`: its name and events.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let now = api_time(shared.now());
    let mut data = shared.data();
    let g = data
        .geofences
        .get_mut(&id)
        .ok_or_else(|| not_found(&format!("geofence {id}")))?;
    if request.get("name").is_some() {
        g["name"] = json!(name(request.get("name"))?);
    }
    if let Some(types) = request.get("eventTypes") {
        g["eventTypes"] = events(Some(types), &["ENTER", "EXIT"], "eventTypes")?;
    }
    if let Some(sources) = request.get("eventSources") {
        g["eventSources"] = events(Some(sources), &["GPS", "CellTower"], "eventSources")?;
    }
    g["updated"] = json!(now);
    let answer = g.clone();
    data.log(
        shared.now(),
        "LOCATION",
        format!("geofence {id} changed"),
        None,
    );
    Ok(Answer::json(200, answer))
}

/// `DELETE /v1/locate/geofences/{geofenceId}`.
pub(crate) async fn delete(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let mut data = shared.data();
    data.geofences
        .remove(&id)
        .ok_or_else(|| not_found(&format!("geofence {id}")))?;
    data.log(
        shared.now(),
        "LOCATION",
        format!("geofence {id} deleted"),
        None,
    );
    Ok(Answer::empty(204))
}
