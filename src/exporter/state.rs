//! What the exporter knows of the fleet, and which quota to read next.
//!
//! Every SIM has two quotas (data and SMS), each waiting in one of three
//! lanes for its next read: *urgent* (news says it changed: the list's
//! quota status or a Data Streamer quota event disagrees with what was
//! read), *low* (last known below the share) and *normal*. Urgent reads go
//! first whenever they wait; low and normal ones once their last read is
//! an interval old, the oldest first. Each lane is ordered by when its
//! quotas were last tried, so its head is the oldest and the next read is
//! found in O(log n) at any fleet size.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::api::types;
use crate::jobs::low_data::listed_above_quota_status_share;

/// The share of a quota below which a SIM is flagged: 1NCE's own threshold
/// (the list's `LESS_THAN_20_PERCENT`, the streamer's threshold events).
pub const SHARE: f64 = 0.2;

/// Bytes in one of the API's MB: 1NCE's Platform 2.0 documents give volumes
/// in MiB, so the exporter reads the API's MB as 2^20 bytes.
pub const BYTES_PER_MB: f64 = 1_048_576.0;

/// Which quota of a SIM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum QuotaPart {
    /// The data quota (in bytes here).
    Data,
    /// The SMS quota (in messages).
    Sms,
}

impl QuotaPart {
    /// The `quota` label's value.
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaPart::Data => "data",
            QuotaPart::Sms => "sms",
        }
    }
}

/// Where a quota waits for its next read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lane {
    Urgent,
    Low,
    Normal,
}

/// What a Data Streamer quota event says of a quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuotaNews {
    /// Below its threshold.
    ThresholdReached,
    /// Nothing left: used up, or expired.
    Gone,
}

/// One quota of a SIM as last read (or estimated since).
#[derive(Clone, Debug)]
pub(crate) struct Quota {
    /// Left: bytes for data, messages for SMS.
    pub(crate) remaining: Option<f64>,
    pub(crate) total: Option<f64>,
    /// When it was last read successfully (Unix seconds).
    pub(crate) read_at: Option<f64>,
    /// Known (or told) to be below the share.
    pub(crate) flagged: bool,
    /// When a read was last tried; `None`: never.
    tried: Option<Instant>,
    /// Its place in its lane: 0 before any try, then the try's number.
    order: u64,
    lane: Lane,
    in_flight: bool,
}

impl Quota {
    fn new(lane: Lane) -> Quota {
        Quota {
            remaining: None,
            total: None,
            read_at: None,
            flagged: lane == Lane::Urgent,
            tried: None,
            order: 0,
            lane,
            in_flight: false,
        }
    }

    /// The share left, when both volumes are known (a total of 0 has none left).
    pub(crate) fn share(&self) -> Option<f64> {
        let (remaining, total) = (self.remaining?, self.total?);
        Some(if total > 0.0 {
            (remaining / total).clamp(0.0, 1.0)
        } else {
            0.0
        })
    }

    fn settle_flag(&mut self) {
        if let Some(share) = self.share() {
            self.flagged = share < SHARE;
        }
    }

    fn resting_lane(&self) -> Lane {
        if self.flagged {
            Lane::Low
        } else {
            Lane::Normal
        }
    }
}

/// One SIM: what the list says of it, and its quotas.
#[derive(Clone, Debug)]
pub(crate) struct SimRow {
    pub(crate) imsi: String,
    pub(crate) msisdn: String,
    pub(crate) label: String,
    pub(crate) status: String,
    pub(crate) imei_lock: bool,
    pub(crate) data: Quota,
    pub(crate) sms: Quota,
    /// When the list first showed it (Unix seconds).
    pub(crate) listed_at: f64,
    generation: u64,
}

impl SimRow {
    pub(crate) fn quota(&self, part: QuotaPart) -> &Quota {
        match part {
            QuotaPart::Data => &self.data,
            QuotaPart::Sms => &self.sms,
        }
    }

    fn quota_mut(&mut self, part: QuotaPart) -> &mut Quota {
        match part {
            QuotaPart::Data => &mut self.data,
            QuotaPart::Sms => &mut self.sms,
        }
    }
}

type LaneKey = (u64, String, QuotaPart);

/// The fleet as known, and the reads it is waiting for.
#[derive(Debug, Default)]
pub(crate) struct FleetState {
    pub(crate) sims: BTreeMap<String, SimRow>,
    urgent: BTreeSet<LaneKey>,
    low: BTreeSet<LaneKey>,
    normal: BTreeSet<LaneKey>,
    tries: u64,
    generation: u64,
    /// Calls the last complete list took.
    pub(crate) list_calls: u64,
    /// Data used as the Data Streamer reported it, by ICCID: (tx, rx) bytes.
    pub(crate) used: BTreeMap<String, (f64, f64)>,
    /// The fleet's total of `used`.
    pub(crate) used_total: (f64, f64),
}

fn mb(value: Option<crate::model::Lenient<f64>>) -> Option<f64> {
    value.map(|v| v.get() * BYTES_PER_MB)
}

impl FleetState {
    fn lane_mut(&mut self, lane: Lane) -> &mut BTreeSet<LaneKey> {
        match lane {
            Lane::Urgent => &mut self.urgent,
            Lane::Low => &mut self.low,
            Lane::Normal => &mut self.normal,
        }
    }

    /// Moves a quota (not in flight) to `lane`.
    fn move_to(&mut self, iccid: &str, part: QuotaPart, lane: Lane) {
        let Some(quota) = self.sims.get_mut(iccid).map(|r| r.quota_mut(part)) else {
            return;
        };
        if quota.in_flight {
            return;
        }
        let (from, order) = (quota.lane, quota.order);
        quota.lane = lane;
        let key = (order, iccid.to_string(), part);
        self.lane_mut(from).remove(&key);
        self.lane_mut(lane).insert(key);
    }

    /// Starts a reading of the list; its pages are applied with the number returned.
    pub(crate) fn begin_list(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Applies one page of the list: new SIMs join (their quotas unread,
    /// first in line), known ones are updated, and a quota whose listed
    /// status disagrees with what was read becomes urgent. Returns whether
    /// anything changed.
    pub(crate) fn apply_page(&mut self, generation: u64, page: &[types::Sim], now: f64) -> bool {
        let mut changed = false;
        for sim in page {
            let Some(iccid) = sim.iccid.as_deref() else {
                continue;
            };
            let listed_low = !listed_above_quota_status_share(sim);
            let status = sim
                .status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let (imsi, msisdn) = (
                sim.imsi.clone().unwrap_or_default(),
                sim.msisdn.clone().unwrap_or_default(),
            );
            let label = sim.label.clone().unwrap_or_default();
            let imei_lock = sim.imei_lock.unwrap_or(false);
            let (data_total, sms_total) = (
                mb(sim.current_quota),
                sim.current_quota_sms.map(|v| v.get()),
            );
            changed = true;
            let mut news = false;
            match self.sims.get_mut(iccid) {
                Some(row) => {
                    row.generation = generation;
                    row.imsi = imsi;
                    row.msisdn = msisdn;
                    row.label = label;
                    row.status = status;
                    row.imei_lock = imei_lock;
                    if row.data.read_at.is_none() {
                        row.data.total = data_total.or(row.data.total);
                    }
                    if row.sms.read_at.is_none() {
                        row.sms.total = sms_total.or(row.sms.total);
                    }
                    // The list is news when it disagrees with the last read.
                    if row.data.flagged != listed_low && row.data.lane != Lane::Urgent {
                        row.data.flagged = listed_low || row.data.flagged;
                        news = true;
                    }
                }
                None => {
                    let data_lane = if listed_low {
                        Lane::Urgent
                    } else {
                        Lane::Normal
                    };
                    let mut data = Quota::new(data_lane);
                    data.total = data_total;
                    let mut sms = Quota::new(Lane::Normal);
                    sms.total = sms_total;
                    self.lane_mut(data_lane)
                        .insert((0, iccid.to_string(), QuotaPart::Data));
                    self.normal.insert((0, iccid.to_string(), QuotaPart::Sms));
                    self.sims.insert(
                        iccid.to_string(),
                        SimRow {
                            imsi,
                            msisdn,
                            label,
                            status,
                            imei_lock,
                            data,
                            sms,
                            listed_at: now,
                            generation,
                        },
                    );
                }
            }
            if news {
                self.move_to(iccid, QuotaPart::Data, Lane::Urgent);
            }
        }
        changed
    }

    /// Ends a list read whole: SIMs it no longer showed are gone. Returns
    /// how many went.
    pub(crate) fn finish_list(&mut self, generation: u64, calls: u64) -> usize {
        self.list_calls = calls;
        let gone: Vec<String> = self
            .sims
            .iter()
            .filter(|(_, row)| row.generation != generation)
            .map(|(iccid, _)| iccid.clone())
            .collect();
        for iccid in &gone {
            if let Some(row) = self.sims.remove(iccid) {
                for part in [QuotaPart::Data, QuotaPart::Sms] {
                    let quota = row.quota(part);
                    let key = (quota.order, iccid.clone(), part);
                    self.lane_mut(quota.lane).remove(&key);
                }
            }
        }
        gone.len()
    }

    /// The next quota to read at `now`, taken out of its lane until
    /// [`FleetState::apply_read`]: an urgent one, else the low or normal
    /// one whose last try is oldest, once that try is `interval` old.
    pub(crate) fn next_read(
        &mut self,
        now: Instant,
        interval: Duration,
    ) -> Option<(String, QuotaPart)> {
        let due = |state: &FleetState, key: &LaneKey| {
            state
                .sims
                .get(&key.1)
                .and_then(|r| r.quota(key.2).tried)
                .is_none_or(|t| now.saturating_duration_since(t) >= interval)
        };
        let key = if let Some(key) = self.urgent.first() {
            key.clone()
        } else {
            [self.low.first(), self.normal.first()]
                .into_iter()
                .flatten()
                .find(|k| due(self, k))?
                .clone()
        };
        let row = self.sims.get_mut(&key.1)?;
        let quota = row.quota_mut(key.2);
        quota.in_flight = true;
        let lane = quota.lane;
        self.lane_mut(lane).remove(&key);
        Some((key.1, key.2))
    }

    /// When the next read falls due, if none is due now (`None`: none will
    /// until something changes).
    pub(crate) fn next_due_at(&self, interval: Duration) -> Option<Instant> {
        if !self.urgent.is_empty() {
            return None;
        }
        [self.low.first(), self.normal.first()]
            .into_iter()
            .flatten()
            .filter_map(|k| self.sims.get(&k.1).and_then(|r| r.quota(k.2).tried))
            .map(|t| t + interval)
            .min()
    }

    /// A read's outcome: the volumes (remaining, total) when it succeeded;
    /// on failure the last values stay. The quota rejoins its lane behind
    /// every quota tried before it.
    pub(crate) fn apply_read(
        &mut self,
        iccid: &str,
        part: QuotaPart,
        outcome: Option<(Option<f64>, Option<f64>)>,
        now: Instant,
        unix_now: f64,
    ) {
        self.tries += 1;
        let order = self.tries;
        let Some(row) = self.sims.get_mut(iccid) else {
            return;
        };
        let quota = row.quota_mut(part);
        let (lane, old) = (quota.lane, quota.order);
        let was_waiting = !std::mem::replace(&mut quota.in_flight, false);
        quota.tried = Some(now);
        quota.order = order;
        if let Some((remaining, total)) = outcome {
            quota.remaining = remaining;
            quota.total = total.or(quota.total);
            quota.read_at = Some(unix_now);
            quota.settle_flag();
        }
        // News that came while the read was out keeps it urgent only if it
        // still disagrees; a failed read waits its turn (no hot loop).
        let resting = quota.resting_lane();
        quota.lane = resting;
        if was_waiting {
            // Fed from outside, not taken by `next_read`: it leaves its place.
            self.lane_mut(lane).remove(&(old, iccid.to_string(), part));
        }
        self.lane_mut(resting)
            .insert((order, iccid.to_string(), part));
    }

    /// The list reading under way (or the last), for pages fed from outside.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Data used, as a Data Streamer usage record reports it: counted, and
    /// taken off the SIM's remaining data until the next read. Returns
    /// whether the SIM just fell below the share.
    /// `total_mb` is what the record gives as its total, when it does (it
    /// is taken off even when the directions are missing).
    pub(crate) fn apply_usage(
        &mut self,
        iccid: &str,
        tx_mb: f64,
        rx_mb: f64,
        total_mb: Option<f64>,
    ) -> bool {
        let (tx, rx) = (tx_mb.max(0.0) * BYTES_PER_MB, rx_mb.max(0.0) * BYTES_PER_MB);
        let spent = total_mb.map_or(tx + rx, |t| t.max(0.0) * BYTES_PER_MB);
        let used = self.used.entry(iccid.to_string()).or_default();
        used.0 += tx;
        used.1 += rx;
        self.used_total.0 += tx;
        self.used_total.1 += rx;
        let Some(row) = self.sims.get_mut(iccid) else {
            return false;
        };
        let quota = &mut row.data;
        let Some(remaining) = quota.remaining else {
            return false;
        };
        quota.remaining = Some((remaining - spent).max(0.0));
        let was = quota.flagged;
        quota.settle_flag();
        let fell = !was && quota.flagged;
        if fell && quota.lane == Lane::Normal {
            self.move_to(iccid, QuotaPart::Data, Lane::Low);
        }
        fell
    }

    /// A quota event from the Data Streamer: the quota is flagged at once
    /// (nothing left when it is used up or expired) and read next.
    pub(crate) fn apply_news(&mut self, iccid: &str, part: QuotaPart, news: QuotaNews) -> bool {
        let Some(row) = self.sims.get_mut(iccid) else {
            return false;
        };
        let quota = row.quota_mut(part);
        quota.flagged = true;
        if news == QuotaNews::Gone {
            quota.remaining = Some(0.0);
        }
        self.move_to(iccid, part, Lane::Urgent);
        true
    }

    /// The calls one full cycle needs: the list's pages and a read of
    /// each quota.
    pub(crate) fn cycle_calls(&self) -> u64 {
        let pages = if self.list_calls > 0 {
            self.list_calls
        } else {
            (self.sims.len() as u64).div_ceil(100).max(1)
        };
        pages + 2 * self.sims.len() as u64
    }

    /// When the oldest quota was read (a quota never read counts from when
    /// its SIM was listed); `None` with no SIMs.
    pub(crate) fn oldest_read(&self) -> Option<f64> {
        self.sims
            .values()
            .flat_map(|r| {
                [
                    r.data.read_at.unwrap_or(r.listed_at),
                    r.sms.read_at.unwrap_or(r.listed_at),
                ]
            })
            .min_by(f64::total_cmp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(index: u64, low: bool) -> types::Sim {
        let description = if low {
            "LESS_THAN_20_PERCENT"
        } else {
            "MORE_THAN_20_PERCENT"
        };
        serde_json::from_value(serde_json::json!({
            "iccid": format!("{}", 8_988_280_666_000_000_000u64 + index),
            "status": "Enabled",
            "current_quota": 500,
            "current_quota_sms": 250,
            "quota_status": { "id": u8::from(low), "description": description },
        }))
        .unwrap()
    }

    fn drain(state: &mut FleetState, now: Instant, interval: Duration) -> Vec<(String, QuotaPart)> {
        let mut out = Vec::new();
        while let Some(read) = state.next_read(now, interval) {
            out.push(read);
        }
        out
    }

    #[test]
    fn flagged_quotas_go_first_then_the_oldest_and_nothing_before_its_time() {
        let hour = Duration::from_secs(3600);
        let t0 = Instant::now();
        let mut state = FleetState::default();
        let generation = state.begin_list();
        let page: Vec<_> = (0..4).map(|i| listed(i, i == 2)).collect();
        assert!(state.apply_page(generation, &page, 0.0));
        assert_eq!(state.finish_list(generation, 1), 0);
        let reads = drain(&mut state, t0, hour);
        assert_eq!(reads.len(), 8, "every quota once: {reads:?}");
        assert_eq!(
            reads[0],
            (page[2].iccid.clone().unwrap(), QuotaPart::Data),
            "the flagged SIM first"
        );
        // Nothing is due again until an interval has passed.
        for (iccid, part) in &reads {
            state.apply_read(
                iccid,
                *part,
                Some((Some(200.0 * BYTES_PER_MB), Some(500.0 * BYTES_PER_MB))),
                t0,
                1.0,
            );
        }
        assert!(drain(&mut state, t0 + hour / 2, hour).is_empty());
        assert_eq!(state.next_due_at(hour), Some(t0 + hour));
        // A read 10 s later than the rest is due 10 s later.
        let late = reads[7].clone();
        let again = drain(&mut state, t0 + hour, hour);
        assert_eq!(again.len(), 8);
        for (i, (iccid, part)) in again.iter().enumerate() {
            let at = if *iccid == late.0 && *part == late.1 {
                t0 + hour + Duration::from_secs(10)
            } else {
                t0 + hour
            };
            let _ = i;
            state.apply_read(iccid, *part, None, at, 2.0);
        }
        let due = drain(&mut state, t0 + 2 * hour, hour);
        assert_eq!(due.len(), 7, "the late one is not due yet");
        assert!(!due.contains(&late));
        // A failed read kept the values.
        let row = &state.sims[&reads[0].0];
        assert_eq!(row.data.remaining, Some(200.0 * BYTES_PER_MB));
    }

    #[test]
    fn news_from_the_stream_flags_at_once_and_usage_lowers_the_estimate() {
        let hour = Duration::from_secs(3600);
        let t0 = Instant::now();
        let mut state = FleetState::default();
        let generation = state.begin_list();
        let page: Vec<_> = (0..3).map(|i| listed(i, false)).collect();
        state.apply_page(generation, &page, 0.0);
        for (iccid, part) in drain(&mut state, t0, hour) {
            state.apply_read(
                &iccid,
                part,
                Some((Some(110.0 * BYTES_PER_MB), Some(500.0 * BYTES_PER_MB))),
                t0,
                1.0,
            );
        }
        let iccid = page[1].iccid.clone().unwrap();
        // 11 MB used: 99 of 500 left, below 20%.
        assert!(!state.apply_usage(&iccid, 1.0, 9.0, None));
        assert!(state.apply_usage(&iccid, 0.5, 0.5, Some(1.0)));
        let data = &state.sims[&iccid].data;
        assert!(data.flagged);
        assert_eq!(data.remaining, Some(99.0 * BYTES_PER_MB));
        assert_eq!(state.used[&iccid], (1.5 * BYTES_PER_MB, 9.5 * BYTES_PER_MB));
        // Usage is never read early; an event is read next.
        assert!(drain(&mut state, t0 + Duration::from_secs(1), hour).is_empty());
        let other = page[2].iccid.clone().unwrap();
        assert!(state.apply_news(&other, QuotaPart::Sms, QuotaNews::Gone));
        assert!(!state.apply_news("8988280666999999999", QuotaPart::Sms, QuotaNews::Gone));
        assert_eq!(state.sims[&other].sms.share(), Some(0.0));
        assert_eq!(
            drain(&mut state, t0 + Duration::from_secs(1), hour),
            vec![(other.clone(), QuotaPart::Sms)]
        );
    }

    #[test]
    fn a_list_read_whole_drops_the_sims_it_no_longer_shows() {
        let hour = Duration::from_secs(3600);
        let mut state = FleetState::default();
        let first = state.begin_list();
        state.apply_page(first, &[listed(0, false), listed(1, false)], 0.0);
        state.finish_list(first, 1);
        let second = state.begin_list();
        state.apply_page(second, &[listed(1, false)], 1.0);
        assert_eq!(state.sims.len(), 2, "a list not yet whole removes nothing");
        assert_eq!(state.finish_list(second, 1), 1);
        assert_eq!(state.sims.len(), 1);
        let reads = drain(&mut state, Instant::now(), hour);
        assert_eq!(
            reads.len(),
            2,
            "the gone SIM's quotas left their lanes: {reads:?}"
        );
        assert_eq!(state.cycle_calls(), 1 + 2);
    }
}
