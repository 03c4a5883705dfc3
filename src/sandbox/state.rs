//! The sandbox's state, one for every API version: the fleet, tokens, SMS,
//! orders, service requests, limits and the queue of SIM changes. A SIM
//! changed through v1 reads as changed through v2, and the reverse.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Duration as Days, Utc};

use super::answer::{not_found, Refusal};
use super::faults::Faults;
use super::fleet::{self, SimRecord, SmsRecord};
use super::{Counters, SandboxBuilder, Tally};
use crate::api::types;
use crate::transport::clock::Clock;
use crate::transport::rate_limit::RateLimiters;
use crate::transport::secret::Secret;

/// Everything the handlers and layers share.
pub(crate) struct Shared {
    pub(crate) seed: u64,
    pub(crate) base_url: String,
    pub(crate) expected_auth: Secret,
    pub(crate) latency: Duration,
    pub(crate) jitter: Duration,
    pub(crate) faults: Faults,
    pub(crate) token_lifetime: Duration,
    pub(crate) change_delay: Duration,
    pub(crate) limiters: RateLimiters,
    pub(crate) clock: Clock,
    pub(crate) epoch: DateTime<Utc>,
    pub(crate) drift: bool,
    pub(crate) writes: Mutex<Vec<crate::transport::dry_run::PlannedWrite>>,
    state: Mutex<Data>,
    pub(crate) tally: Tally,
}

/// The account's state.
pub(crate) struct Data {
    pub(crate) sims: BTreeMap<String, SimRecord>,
    pub(crate) tokens: HashMap<String, Duration>,
    pub(crate) sms: HashMap<String, Vec<SmsRecord>>,
    pub(crate) next_sms: i64,
    pub(crate) orders: Vec<types::Order>,
    pub(crate) next_order: i64,
    pub(crate) service_requests: Vec<types::ServiceRequest>,
    pub(crate) limits: (i64, i64, i64),
    /// 1NCE OS: geofences by id, as read back.
    pub(crate) geofences: BTreeMap<String, serde_json::Value>,
    /// 1NCE OS: action requests, in the order they were made.
    pub(crate) actions: Vec<ActionRecord>,
    /// 1NCE OS: administration logs, one per write the account made.
    pub(crate) admin_logs: Vec<serde_json::Value>,
    /// 1NCE OS: the account's settings (name → ENABLED/DISABLED).
    pub(crate) settings: BTreeMap<String, String>,
    /// 1NCE OS: cloud integrations by id, as read back.
    pub(crate) integrations: BTreeMap<String, serde_json::Value>,
    /// 1NCE OS: pre-shared keys by (device, protocol), as read back.
    pub(crate) keys: BTreeMap<(String, String), serde_json::Value>,
    /// 1NCE OS: pre-shared key imports, in the order they were made.
    pub(crate) key_jobs: Vec<KeyJob>,
    /// 1NCE OS: Energy Saver templates by id, as read back.
    pub(crate) templates: BTreeMap<String, serde_json::Value>,
    /// 1NCE OS: partner plugins by id, as read back.
    pub(crate) plugins: BTreeMap<String, serde_json::Value>,
    /// The number in the next 1NCE OS id.
    pub(crate) next_os_id: u64,
    pending: Vec<(Duration, Change)>,
    pub(crate) rng: fastrand::Rng,
}

/// A 1NCE OS action request: what was sent, and when (by the sandbox
/// clock); its status follows from its age (see `routes/actions.rs`).
#[derive(Clone, Debug)]
pub(crate) struct ActionRecord {
    pub(crate) id: String,
    pub(crate) device_id: String,
    pub(crate) protocol: &'static str,
    pub(crate) request: serde_json::Value,
    pub(crate) made_at: Duration,
    pub(crate) created: DateTime<Utc>,
    pub(crate) cancelled: bool,
}

/// A 1NCE OS import of pre-shared keys: IN_PROGRESS for one change delay
/// after it was made (by the sandbox clock), then DONE.
#[derive(Clone, Debug)]
pub(crate) struct KeyJob {
    pub(crate) id: String,
    pub(crate) made_at: Duration,
    pub(crate) created: DateTime<Utc>,
    pub(crate) amount: usize,
    pub(crate) failed: usize,
}

/// A queued change to one SIM; what is `None` stays as it is.
#[derive(Clone, Debug, Default)]
pub(crate) struct Change {
    pub(crate) iccid: String,
    pub(crate) enabled: Option<bool>,
    pub(crate) label: Option<String>,
    pub(crate) imei_lock: Option<bool>,
}

impl Data {
    /// A new 1NCE OS id: `prefix`, a dash and the next number.
    pub(crate) fn new_os_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}-{:06}", self.next_os_id);
        self.next_os_id += 1;
        id
    }

    /// Records an administration log: 1NCE OS logs the writes an account
    /// makes (`kind`: DEVICE, LOCATION, INTEGRATION, GENERAL).
    pub(crate) fn log(
        &mut self,
        now: DateTime<Utc>,
        kind: &str,
        message: String,
        iccid: Option<&str>,
    ) {
        let id = format!("log-{:06}", self.admin_logs.len() + 1);
        let mut log = serde_json::json!({
            "id": id, "customerId": "onence-sandbox", "category": "info", "type": kind,
            "message": message, "description": message, "timestamp": fleet::api_time(now),
            "payloadReference": format!("https://sandbox.invalid/payloads/{id}"),
        });
        // A log about no SIM has no `iccid` (the document allows no null).
        if let Some(iccid) = iccid {
            log["iccid"] = iccid.into();
        }
        self.admin_logs.push(log);
    }
}

impl From<types::SimUpdate> for Change {
    fn from(update: types::SimUpdate) -> Change {
        Change {
            iccid: update.iccid,
            enabled: Some(update.status == types::SimUpdateStatus::Enabled),
            label: update.label,
            imei_lock: Some(update.imei_lock),
        }
    }
}

impl Shared {
    pub(crate) fn new(
        config: SandboxBuilder,
        base_url: String,
        user: String,
        secret: Secret,
    ) -> Shared {
        let epoch: DateTime<Utc> = std::time::SystemTime::now().into();
        let sims = (0..config.sims)
            .map(|i| {
                let record = fleet::sim(config.seed, i, epoch);
                (record.sim.iccid.clone().unwrap_or_default(), record)
            })
            .collect();
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", secret.expose()));
        let clock = Clock::system();
        Shared {
            seed: config.seed,
            base_url,
            expected_auth: Secret::new(format!("Basic {basic}")),
            latency: config.latency,
            jitter: config.jitter,
            faults: config.faults,
            token_lifetime: config.token_lifetime,
            change_delay: config.change_delay,
            limiters: RateLimiters::with_burst(&config.rate_limits, &clock, 1.0),
            clock,
            epoch,
            drift: config.drift,
            writes: Mutex::new(Vec::new()),
            state: Mutex::new(Data {
                sims,
                tokens: HashMap::new(),
                sms: HashMap::new(),
                next_sms: 1,
                orders: Vec::new(),
                next_order: 2_000_000_001,
                service_requests: Vec::new(),
                limits: (3, 12, 22),
                geofences: BTreeMap::new(),
                actions: Vec::new(),
                integrations: BTreeMap::new(),
                admin_logs: Vec::new(),
                settings: [("ENERGY_SAVER", "DISABLED"), ("DEVICE_LOCATOR", "ENABLED")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                keys: BTreeMap::new(),
                key_jobs: Vec::new(),
                templates: BTreeMap::new(),
                plugins: BTreeMap::new(),
                next_os_id: 1,
                pending: Vec::new(),
                rng: fastrand::Rng::with_seed(config.seed),
            }),
            tally: Tally::default(),
        }
    }

    pub(crate) fn counters(&self) -> Counters {
        self.tally.snapshot()
    }

    pub(crate) fn writes(&self) -> Vec<crate::transport::dry_run::PlannedWrite> {
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn revoke_tokens(&self) {
        self.data().tokens.clear();
    }

    /// The state, as it is.
    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state with every queued change that is due applied: what an
    /// operation sees.
    pub(crate) fn data_now(&self) -> MutexGuard<'_, Data> {
        let mut data = self.data();
        self.apply_changes_due(&mut data, self.clock.now());
        data
    }

    /// The API's time now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.epoch + Days::from_std(self.clock.now()).unwrap_or_default()
    }

    /// Queues changes: they take effect after the change delay, as the real
    /// service queues them.
    pub(crate) fn queue(&self, data: &mut Data, changes: impl IntoIterator<Item = Change>) {
        let due = self.clock.now() + self.change_delay;
        data.pending.extend(changes.into_iter().map(|c| (due, c)));
    }

    /// Whether a change to `iccid` is still queued.
    pub(crate) fn change_pending(&self, data: &Data, iccid: &str) -> bool {
        data.pending.iter().any(|(_, c)| c.iccid == iccid)
    }

    /// Applies every queued change now, whatever the change delay.
    pub(crate) fn apply_queued_changes(&self) {
        self.apply_changes_due(&mut self.data(), Duration::MAX);
    }

    /// Applies the queued changes due by `now`.
    fn apply_changes_due(&self, data: &mut Data, now: Duration) {
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut data.pending)
            .into_iter()
            .partition(|(t, _)| *t <= now);
        data.pending = later;
        for (_, change) in due {
            let Some(record) = data.sims.get_mut(&change.iccid) else {
                continue;
            };
            if let Some(enabled) = change.enabled {
                let status = if enabled {
                    types::SimStatus::Enabled
                } else {
                    types::SimStatus::Disabled
                };
                if record.sim.status != Some(status.clone()) {
                    let mut event = fleet::events(self.seed, record, self.epoch).remove(0);
                    event.timestamp = Some(fleet::api_time(self.now()).into());
                    event.event_type = Some(format!("Status of SIM changed to '{status}'"));
                    record.extra_events.push(event);
                }
                record.sim.status = Some(status);
            }
            if let Some(lock) = change.imei_lock {
                record.sim.imei_lock = Some(lock);
            }
            if change.label.is_some() {
                record.sim.label = change.label;
            }
        }
    }
}

impl Data {
    /// The SIM `iccid`, or a 404.
    pub(crate) fn record(&self, iccid: &str) -> Result<&SimRecord, Refusal> {
        self.sims.get(iccid).ok_or_else(|| not_found("SIM"))
    }

    /// A 404 naming the first of `iccids` the account does not hold.
    pub(crate) fn known(&self, iccids: &[String]) -> Result<(), Refusal> {
        match iccids.iter().find(|i| !self.sims.contains_key(*i)) {
            Some(missing) => Err(not_found(&format!("SIM {missing}"))),
            None => Ok(()),
        }
    }
}
