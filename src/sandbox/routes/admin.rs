//! 1NCE OS administration: the logs of the writes the account made, their
//! statistics and payloads; the settings, and the agreements.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, body, not_found, os_page, Answer, Outcome, Paging};
use crate::sandbox::state::Shared;

/// The paging and filter of the log list, as sent.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct LogQuery {
    #[serde(flatten)]
    paging: Paging,
    q: Option<String>,
}

/// `GET /v1/administrationLogs`: the newest first; `q` is `field:value`
/// (category, type, iccid).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<LogQuery>,
) -> Outcome {
    let (page, size) = query.paging.checked_os(10, 50)?;
    let filter = match query.q.as_deref().filter(|q| !q.is_empty()) {
        None => None,
        Some(q) => {
            let (field, value) = q
                .split_once(':')
                .ok_or_else(|| bad(format!("q: {q:?} is not field:value")))?;
            if !["category", "type", "iccid"].contains(&field) {
                return Err(bad(format!("q: cannot filter by {field:?}")));
            }
            Some((field.to_string(), value.to_string()))
        }
    };
    let data = shared.data_now();
    let all: Vec<&Value> = data
        .admin_logs
        .iter()
        .rev()
        .filter(|l| {
            filter
                .as_ref()
                .is_none_or(|(f, v)| l[f].as_str() == Some(v))
        })
        .collect();
    Ok(os_page(all, page, size, "items"))
}

/// `GET /v1/administrationLogs/stats`: logs a day, and the devices named.
pub(crate) async fn stats(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let mut days: BTreeMap<String, u64> = BTreeMap::new();
    for log in &data.admin_logs {
        let day = log["timestamp"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(10)
            .collect();
        *days.entry(day).or_default() += 1;
    }
    let devices: std::collections::BTreeSet<&str> = data
        .admin_logs
        .iter()
        .filter_map(|l| l["iccid"].as_str())
        .collect();
    let by_day: Vec<Value> = days
        .into_iter()
        .map(|(day, amount)| json!({ "day": day, "amount": amount }))
        .collect();
    Ok(Answer::json(
        200,
        json!({ "administrationLogs": by_day, "totalUniqueDevices": devices.len() }),
    ))
}

/// `GET /v1/administrationLogs/{adminLogId}/payload`: where the payload is.
pub(crate) async fn payload(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let log = data.admin_logs.iter().find(|l| l["id"] == id.as_str());
    let log = log.ok_or_else(|| not_found(&format!("administration log {id}")))?;
    Ok(Answer::text(
        200,
        "text/x-uri",
        log["payloadReference"].as_str().unwrap_or_default(),
    ))
}

/// `GET /v1/settings/1nceos`.
pub(crate) async fn settings(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let items: Vec<Value> = data
        .settings
        .iter()
        .map(|(name, state)| json!({ "name": name, "state": state, "description": format!("The {name} feature") }))
        .collect();
    Ok(Answer::json(
        200,
        json!({ "items": items, "page": 1, "pageAmount": 1 }),
    ))
}

/// `PATCH /v1/settings/1nceos/{name}`.
pub(crate) async fn update_setting(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let state = request["state"]
        .as_str()
        .filter(|s| ["ENABLED", "DISABLED"].contains(s));
    let state = state
        .ok_or_else(|| bad("state must be ENABLED or DISABLED"))?
        .to_string();
    let now = shared.now();
    let mut data = shared.data();
    let setting = data
        .settings
        .get_mut(&name)
        .ok_or_else(|| not_found(&format!("setting {name}")))?;
    *setting = state.clone();
    data.log(
        now,
        "GENERAL",
        format!("setting {name} set to {state}"),
        None,
    );
    Ok(Answer::json(
        200,
        json!({ "customerId": "onence-sandbox", "name": name, "state": state }),
    ))
}

/// `POST /v1/agreements/1nceos`.
pub(crate) async fn accept_agreements(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    if !request["accepted"].is_boolean() {
        return Err(bad("accepted must be true or false"));
    }
    let now = shared.now();
    shared.data().log(
        now,
        "GENERAL",
        format!("agreements accepted: {}", request["accepted"]),
        None,
    );
    Ok(Answer::empty(201))
}
