//! 1NCE OS device history and telemetry: the messages a device sent are its
//! position fixes (the track of `positions.rs`), as UDP JSON payloads, paged
//! by `nextToken`; its telemetry is the last of them.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::positions::{fix, FIXES};
use crate::sandbox::answer::{bad, not_found, Answer, Outcome, Refusal};
use crate::sandbox::fleet::{api_time, SimRecord};
use crate::sandbox::state::Shared;

/// The range and cursor of a history read, as sent.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryQuery {
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    page_size: Option<String>,
    next_token: Option<String>,
    protocol: Option<String>,
}

fn instant(name: &str, value: &Option<String>) -> Result<Option<DateTime<Utc>>, Refusal> {
    value
        .as_deref()
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| bad(format!("{name} must be an ISO 8601 time, not {v:?}")))
        })
        .transpose()
}

/// The messages of `record`, oldest first.
fn messages(shared: &Shared, iccid: &str, record: &SimRecord) -> Vec<(DateTime<Utc>, Value)> {
    (0..FIXES)
        .map(|n| {
            let (coordinate, source, at) = fix(shared.seed, record.index, n, shared.epoch);
            let payload =
                json!({ "lon": coordinate[0], "lat": coordinate[1], "source": source }).to_string();
            let message = json!({ "deviceId": iccid, "iccid": iccid, "payload": payload,
                                  "protocol": "UDP", "time": api_time(at) });
            (at, message)
        })
        .collect()
}

/// One page of `all` after the cursor, in the document's shape.
fn page(all: Vec<Value>, query: &HistoryQuery) -> Outcome {
    let size: usize = match &query.page_size {
        None => 10,
        Some(v) => v
            .parse()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| bad(format!("pageSize must be 1 to 1000, not {v:?}")))?,
    };
    let start: usize = match &query.next_token {
        None => 0,
        Some(token) => token
            .strip_prefix("after-")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad(format!("nextToken {token:?} is not one this service gave")))?,
    };
    let end = (start + size).min(all.len());
    let items: Vec<Value> = all.get(start..end).unwrap_or_default().to_vec();
    let mut answer = json!({ "items": items, "firstToken": "after-0" });
    // The last page has no `nextToken` (the document allows no null).
    if end < all.len() {
        answer["nextToken"] = json!(format!("after-{end}"));
    }
    Ok(Answer::json(200, answer))
}

/// What a read of messages selects, as sent: a time range and a protocol.
struct Selection<'a> {
    start: &'a Option<String>,
    end: &'a Option<String>,
    protocol: Option<&'a str>,
}

/// The messages of every device (one device when `only`) that `selection`
/// selects, oldest first per device; a bad time or protocol is a 400, an
/// unknown device a 404.
fn selected(
    shared: &Shared,
    only: Option<&str>,
    selection: Selection<'_>,
) -> Result<Vec<(DateTime<Utc>, Value)>, Refusal> {
    let from = instant("startDateTime", selection.start)?;
    let to = instant("endDateTime", selection.end)?;
    if let Some(protocol) = selection
        .protocol
        .filter(|p| !["UDP", "COAP", "LWM2M"].contains(p))
    {
        return Err(bad(format!(
            "protocol must be UDP, COAP or LWM2M, not {protocol:?}"
        )));
    }
    let data = shared.data_now();
    if let Some(id) = only.filter(|id| !data.sims.contains_key(*id)) {
        return Err(not_found(&format!("device {id}")));
    }
    // Every message the sandbox makes is UDP.
    if selection.protocol.is_some_and(|p| p != "UDP") {
        return Ok(Vec::new());
    }
    let mut all = Vec::new();
    for (iccid, record) in data
        .sims
        .iter()
        .filter(|(i, _)| only.is_none_or(|o| o == i.as_str()))
    {
        for (at, message) in messages(shared, iccid, record) {
            // Compared as shown: to the millisecond.
            let ms = at.timestamp_millis();
            if from.is_none_or(|f| ms >= f.timestamp_millis())
                && to.is_none_or(|t| ms <= t.timestamp_millis())
            {
                all.push((at, message));
            }
        }
    }
    Ok(all)
}

/// The messages of every device in `query`'s range (one device when `only`).
fn history(shared: &Shared, only: Option<&str>, query: &HistoryQuery) -> Outcome {
    let selection = Selection {
        start: &query.start_date_time,
        end: &query.end_date_time,
        protocol: query.protocol.as_deref(),
    };
    let all = selected(shared, only, selection)?;
    page(all.into_iter().map(|(_, message)| message).collect(), query)
}

/// `GET /v1/inspect/devices/{deviceId}/history`.
pub(crate) async fn of_device(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Outcome {
    history(&shared, Some(&id), &query)
}

/// `GET /v1/inspect/devices/history`.
pub(crate) async fn of_fleet(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HistoryQuery>,
) -> Outcome {
    history(&shared, None, &query)
}

/// `GET /v1/inspect/devices/{deviceId}/telemetry`: the last message's state.
pub(crate) async fn telemetry(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Outcome {
    let data = shared.data_now();
    let record = data
        .sims
        .get(&id)
        .ok_or_else(|| not_found(&format!("device {id}")))?;
    let (coordinate, source, at) = fix(shared.seed, record.index, FIXES - 1, shared.epoch);
    Ok(Answer::json(
        200,
        json!({ "id": id, "state": { "UDP": { "lon": coordinate[0], "lat": coordinate[1], "source": source, "time": api_time(at) } } }),
    ))
}

/// The filters of history insights, as sent.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InsightsQuery {
    device_id: Option<String>,
    iccid: Option<String>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
    protocol: Option<String>,
    interval: Option<String>,
}

/// An interval as sent (`15m`, `1h`, `1d`; 1NCE documents no values) in
/// seconds; `1h` when not sent.
fn interval_seconds(interval: Option<&str>) -> Result<i64, Refusal> {
    let Some(text) = interval else {
        return Ok(3600);
    };
    let split = [("m", 60), ("h", 3600), ("d", 86_400)]
        .into_iter()
        .find_map(|(suffix, unit)| Some((text.strip_suffix(suffix)?, unit)));
    let counted = split.and_then(|(count, unit)| Some((count.parse::<i64>().ok()?, unit)));
    match counted.filter(|(n, _)| (1..=1000).contains(n)) {
        Some((n, unit)) => Ok(n * unit),
        _ => Err(bad(format!(
            "interval must be 1 to 1000 minutes, hours or days (15m, 1h, 1d), not {text:?}"
        ))),
    }
}

/// The messages in range, counted by interval and protocol: only the
/// intervals that had messages.
fn insights(shared: &Shared, only: Option<&str>, query: &InsightsQuery) -> Outcome {
    let seconds = interval_seconds(query.interval.as_deref())?;
    let selection = Selection {
        start: &query.start_date_time,
        end: &query.end_date_time,
        protocol: query.protocol.as_deref(),
    };
    let mut buckets: std::collections::BTreeMap<i64, u64> = Default::default();
    for (at, _) in selected(shared, only, selection)? {
        *buckets
            .entry(at.timestamp().div_euclid(seconds) * seconds)
            .or_default() += 1;
    }
    let items: Vec<Value> = buckets
        .into_iter()
        .filter_map(|(start, amount)| {
            let time = DateTime::<Utc>::from_timestamp(start, 0)?;
            Some(json!({ "time": api_time(time), "protocol": "UDP", "amount": amount }))
        })
        .collect();
    let interval = query.interval.clone().unwrap_or_else(|| "1h".into());
    Ok(Answer::json(
        200,
        json!({ "items": items, "interval": interval }),
    ))
}

/// `GET /v1/inspect/devices/{deviceId}/history/insights`.
pub(crate) async fn insights_of_device(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<InsightsQuery>,
) -> Outcome {
    insights(&shared, Some(&id), &query)
}

/// `GET /v1/inspect/devices/history/insights`: the fleet's, or one
/// device's when `deviceId` or `iccid` names it.
pub(crate) async fn insights_of_fleet(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<InsightsQuery>,
) -> Outcome {
    let only = query.device_id.clone().or_else(|| query.iccid.clone());
    insights(&shared, only.as_deref(), &query)
}
