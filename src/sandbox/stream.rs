//! The sandbox's Data Streamer: as its SIMs use data, it posts usage and
//! network event records to a receiver, as 1NCE does (a JSON array of up to
//! 3,000 records, Basic auth), and resends a batch that was not answered
//! 200, with the same ids. The data used comes off the SIMs' quotas, so the
//! API and the stream tell one story.

use std::sync::Weak;
use std::time::Duration;

use serde_json::{json, Value};

use super::fleet::api_time;
use super::state::Shared;
use crate::transport::secret::Secret;

/// The most records one post carries, as 1NCE's.
const MAX_BATCH: usize = 3000;
/// Records kept for resending at most; past it, no new usage is made
/// until the receiver takes some.
const MAX_PENDING: usize = 30_000;

/// Where the sandbox streams to.
#[derive(Clone, Debug)]
pub struct StreamTarget {
    url: String,
    user: String,
    password: Secret,
    every: Duration,
}

impl StreamTarget {
    /// Posts to `url` with Basic auth `user`:`password`, every second.
    pub fn new(url: impl Into<String>, user: impl Into<String>, password: Secret) -> StreamTarget {
        StreamTarget {
            url: url.into(),
            user: user.into(),
            password,
            every: Duration::from_secs(1),
        }
    }

    /// How often SIMs use data and a batch is posted (default 1 s; at
    /// least 10 ms).
    pub fn with_every(mut self, every: Duration) -> StreamTarget {
        self.every = every.max(Duration::from_millis(10));
        self
    }
}

/// This tick's records: some SIMs use some data (taken off their quota),
/// a few change location.
fn records(shared: &Shared, next_id: &mut u64) -> Vec<Value> {
    let now = shared.now();
    let start = now - chrono::Duration::seconds(15 * 60);
    let mut data = shared.data();
    let mut out = Vec::new();
    let iccids: Vec<String> = data.sims.keys().cloned().collect();
    for iccid in iccids {
        let (uses, moves, mb) = {
            let rng = &mut data.rng;
            (rng.f64() < 0.3, rng.f64() < 0.05, 0.01 + rng.f64() * 2.0)
        };
        let Some(record) = data.sims.get_mut(&iccid) else {
            continue;
        };
        let sim = json!({ "id": record.index + 1, "iccid": iccid, "msisdn": record.sim.msisdn });
        let organisation = json!({ "id": 1234, "name": "8100sandbox" });
        let operator = json!({ "id": 2, "name": "T-Mobile", "mnc": "01", "country": { "id": 74, "mcc": "262", "name": "Germany" } });
        let enabled = record
            .sim
            .status
            .as_ref()
            .is_some_and(|s| s.to_string() == "Enabled");
        if uses && enabled && record.data_left > 0.0 {
            let used = mb.min(record.data_left);
            record.data_left -= used;
            let (tx, rx) = (used / 4.0, used * 3.0 / 4.0);
            *next_id += 1;
            out.push(json!({
                "id": *next_id, "start_timestamp": api_time(start), "end_timestamp": api_time(now),
                "organisation": organisation, "sim": sim, "imsi": record.sim.imsi, "operator": operator,
                "traffic_type": { "id": 5, "description": "Data" }, "volume": { "total": used, "tx": tx, "rx": rx },
                "cost": used, "currency": { "id": 1, "code": "EUR", "symbol": "€" },
                "endpoint": { "id": record.index + 1, "name": iccid, "ip_address": record.sim.ip_address, "imei": record.sim.imei },
            }));
        }
        if moves && enabled {
            *next_id += 1;
            out.push(json!({
                "id": *next_id, "timestamp": api_time(now), "alert": false,
                "event_type": { "id": 1, "description": "Update location" },
                "event_severity": { "id": 0, "description": "INFO" }, "event_source": { "id": 0, "description": "Network" },
                "organisation": organisation, "sim": sim, "imsi": { "id": record.index + 1, "imsi": record.sim.imsi },
                "description": format!("New location received from VLR for IMSI='{}'.", record.sim.imsi.clone().unwrap_or_default()),
                "detail": { "id": 2, "name": "T-Mobile", "country": { "id": 74, "iso_code": "de", "mcc": "262", "name": "Germany", "country_code": "49" } },
            }));
        }
    }
    out
}

/// Streams until the sandbox is dropped.
pub(crate) async fn run(shared: Weak<Shared>, target: StreamTarget) {
    let Ok(http) = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    else {
        return;
    };
    let mut pending: Vec<Value> = Vec::new();
    let mut next_id: u64 = 1_000_000_000;
    let mut tick = tokio::time::interval(target.every);
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        if pending.len() < MAX_PENDING {
            pending.extend(records(&shared, &mut next_id));
        }
        while !pending.is_empty() {
            let take = pending.len().min(MAX_BATCH);
            let answer = http
                .post(&target.url)
                .basic_auth(&target.user, Some(target.password.expose()))
                .json(&pending[..take])
                .send()
                .await;
            if answer.is_ok_and(|a| a.status() == reqwest::StatusCode::OK) {
                pending.drain(..take);
                shared.tally.with(|c| c.streamed += take as u64);
            } else {
                // Kept, to be resent whole with the same ids next time.
                shared.tally.with(|c| c.stream_failures += 1);
                break;
            }
        }
    }
}
