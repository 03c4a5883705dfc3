//! 1NCE OS positions: each device has a seeded track around Berlin, fixes
//! taken every 15 minutes, from GPS and cell towers in turn. A device's
//! positions, the latest positions (in a box) and the geofences' checks all
//! read that one track.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::sandbox::answer::{bad, not_found, os_page, Answer, Outcome, Paging};
use crate::sandbox::fleet::{api_time, fraction};
use crate::sandbox::state::Shared;

/// Fixes on each track, 15 minutes apart, the last one at the sandbox's start.
pub(crate) const FIXES: u64 = 24;

/// Fix `n` (0 the oldest) of device `index`: (longitude, latitude), source, time.
pub(crate) fn fix(
    seed: u64,
    index: u64,
    n: u64,
    epoch: DateTime<Utc>,
) -> ([f64; 2], &'static str, DateTime<Utc>) {
    let home_lon = 13.1 + 0.6 * fraction(seed, index * 2);
    let home_lat = 52.35 + 0.3 * fraction(seed, index * 2 + 1);
    let step = n as f64 / FIXES as f64;
    let lon = home_lon + 0.02 * (step * 6.3).sin();
    let lat = home_lat + 0.01 * (step * 6.3).cos();
    let round = |x: f64| (x * 1e6).round() / 1e6;
    let source = if n.is_multiple_of(2) {
        "GPS"
    } else {
        "CellTower"
    };
    let at = epoch - Duration::minutes(15 * (FIXES - 1 - n) as i64);
    ([round(lon), round(lat)], source, at)
}

/// The last fix of device `index`.
pub(crate) fn latest(
    seed: u64,
    index: u64,
    epoch: DateTime<Utc>,
) -> ([f64; 2], &'static str, DateTime<Utc>) {
    fix(seed, index, FIXES - 1, epoch)
}

/// The paging and filters of a positions list, as sent.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PositionsQuery {
    #[serde(flatten)]
    paging: Paging,
    source: Option<String>,
    device_id: Option<String>,
    latitude_from: Option<f64>,
    latitude_to: Option<f64>,
    longitude_from: Option<f64>,
    longitude_to: Option<f64>,
}

/// `{coordinates, page, pageAmount}` for page `page` of `all`.
fn page(all: Vec<Value>, paging: &Paging) -> Outcome {
    let (page, size) = paging.checked_os(100, 100)?;
    Ok(os_page(all, page, size, "coordinates"))
}

fn source_ok(
    query: &PositionsQuery,
    source: &str,
) -> Result<bool, crate::sandbox::answer::Refusal> {
    match query.source.as_deref() {
        None => Ok(true),
        Some(s @ ("GPS" | "CellTower")) => Ok(s == source),
        Some(other) => Err(bad(format!(
            "source must be GPS or CellTower, not {other:?}"
        ))),
    }
}

/// `GET /v1/locate/devices/{deviceId}/positions`: the newest first.
pub(crate) async fn of_device(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(query): Query<PositionsQuery>,
) -> Outcome {
    let data = shared.data_now();
    let record = data
        .sims
        .get(&id)
        .ok_or_else(|| not_found(&format!("device {id}")))?;
    let mut all = Vec::new();
    for n in (0..FIXES).rev() {
        let (coordinate, source, at) = fix(shared.seed, record.index, n, shared.epoch);
        if source_ok(&query, source)? {
            all.push(json!({ "coordinate": coordinate, "source": source,
                             "sampleTime": api_time(at), "metadata": {} }));
        }
    }
    page(all, &query.paging)
}

/// `GET /v1/locate/positions/latest`: each device's last fix, in the box
/// when one is given.
pub(crate) async fn latest_all(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<PositionsQuery>,
) -> Outcome {
    let bounds = |from: Option<f64>, to: Option<f64>, limit: f64, what: &str| {
        let (from, to) = (from.unwrap_or(-limit), to.unwrap_or(limit));
        if !(-limit..=limit).contains(&from) || !(-limit..=limit).contains(&to) {
            return Err(bad(format!("{what} must be within ±{limit}")));
        }
        Ok((from, to))
    };
    let (lat_from, lat_to) = bounds(query.latitude_from, query.latitude_to, 90.0, "latitude")?;
    let (lon_from, lon_to) = bounds(query.longitude_from, query.longitude_to, 180.0, "longitude")?;
    let data = shared.data_now();
    let mut all = Vec::new();
    for (iccid, record) in &data.sims {
        if query.device_id.as_ref().is_some_and(|d| d != iccid) {
            continue;
        }
        let (coordinate, source, at) = latest(shared.seed, record.index, shared.epoch);
        let inside = (lon_from..=lon_to).contains(&coordinate[0])
            && (lat_from..=lat_to).contains(&coordinate[1]);
        if inside && source_ok(&query, source)? {
            all.push(
                json!({ "deviceId": iccid, "coordinate": coordinate, "source": source,
                             "sampleTime": api_time(at), "metadata": {} }),
            );
        }
    }
    page(all, &query.paging)
}

/// `GET /v1/locate/devices/{deviceId}/activity`: the cell-tower fixes of
/// the track, as the towers that resolved them.
pub(crate) async fn activity(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let record = data
        .sims
        .get(&id)
        .ok_or_else(|| not_found(&format!("device {id}")))?;
    let items: Vec<Value> = (0..FIXES)
        .rev()
        .map(|n| fix(shared.seed, record.index, n, shared.epoch))
        .filter(|(_, source, _)| *source == "CellTower")
        .map(|(coordinate, _, at)| {
            json!({
                "iccid": id, "sampleTime": api_time(at), "radioAccessType": "LTE-M",
                "resolutionMode": "BASIC", "locationResolutionStatus": "SUCCEEDED",
                "towerLocation": { "longitude": coordinate[0], "latitude": coordinate[1] },
                "towerMetadata": { "MCC": "262", "MNC": "01", "LAC": "40217", "CellID": format!("{}", 10_000 + record.index) },
            })
        })
        .collect();
    Ok(Answer::json(200, json!({ "items": items })))
}
