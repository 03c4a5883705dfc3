//! The fleet's metrics, encoded from what the exporter knows: the
//! aggregates always, each SIM's own series as [`SimSeries`] says.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;

use super::settings::{ExporterSettings, SimSeries};
use super::state::{FleetState, Quota, QuotaPart, SimRow, SHARE};

/// Encodes the fleet's metrics from the state behind the lock.
#[derive(Debug)]
pub(crate) struct FleetCollector {
    pub(crate) state: Arc<RwLock<FleetState>>,
    pub(crate) settings: ExporterSettings,
}

type Labels<'a> = Vec<(&'static str, &'a str)>;

/// One family: a descriptor and a sample per label set.
fn family<'a>(
    encoder: &mut DescriptorEncoder,
    (name, help, unit, kind): (&str, &str, Option<Unit>, MetricType),
    samples: impl Iterator<Item = (Labels<'a>, f64)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, unit.as_ref(), kind)?;
    for (labels, value) in samples {
        let sample = family.encode_family(&labels)?;
        match kind {
            MetricType::Counter => ConstCounter::new(value).encode(sample)?,
            _ => ConstGauge::new(value).encode(sample)?,
        }
    }
    Ok(())
}

fn gauge(
    name: &'static str,
    help: &'static str,
) -> (&'static str, &'static str, Option<Unit>, MetricType) {
    (name, help, None, MetricType::Gauge)
}

/// The bucket of the share of a quota left.
fn bucket(quota: &Quota) -> &'static str {
    match quota.share() {
        None => "unknown",
        Some(s) if s <= 0.0 => "used_up",
        Some(s) if s < SHARE => "below_20",
        Some(s) if s < 0.5 => "20_to_50",
        Some(_) => "50_to_100",
    }
}

const BUCKETS: [&str; 5] = ["used_up", "below_20", "20_to_50", "50_to_100", "unknown"];
const PARTS: [QuotaPart; 2] = [QuotaPart::Data, QuotaPart::Sms];

impl Collector for FleetCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let state = match self.state.read() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        };
        aggregates(&mut encoder, &state, &self.settings)?;
        match self.settings.sim_series() {
            SimSeries::All => every_sim(&mut encoder, &state, self.settings.sim_label()),
            SimSeries::Flagged => family(
                &mut encoder,
                share_family(),
                flagged_shares(&state.sims, true),
            ),
            SimSeries::None => Ok(()),
        }
    }
}

fn share_family() -> (&'static str, &'static str, Option<Unit>, MetricType) {
    (
        "onence_sim_remaining_share",
        "Share of a SIM's quota left, 0 to 1 (with --sim-series flagged only the quotas below 0.2)",
        None,
        MetricType::Gauge,
    )
}

/// Each SIM's share left per quota (`only_flagged`: the quotas below the share).
fn flagged_shares(
    sims: &BTreeMap<String, SimRow>,
    only_flagged: bool,
) -> impl Iterator<Item = (Labels<'_>, f64)> {
    sims.iter().flat_map(move |(iccid, row)| {
        PARTS.into_iter().filter_map(move |part| {
            let quota = row.quota(part);
            let share = quota.share()?;
            (!only_flagged || share < SHARE).then(|| {
                (
                    vec![("iccid", iccid.as_str()), ("quota", part.as_str())],
                    share,
                )
            })
        })
    })
}

fn aggregates(
    encoder: &mut DescriptorEncoder,
    state: &FleetState,
    settings: &ExporterSettings,
) -> Result<(), std::fmt::Error> {
    let mut statuses: BTreeMap<&str, f64> = BTreeMap::new();
    let mut buckets: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for part in PARTS {
        for b in BUCKETS {
            buckets.insert((part.as_str(), b), 0.0);
        }
    }
    let mut totals = [[0.0f64; 2]; 2];
    for row in state.sims.values() {
        *statuses.entry(row.status.as_str()).or_default() += 1.0;
        for (i, part) in PARTS.into_iter().enumerate() {
            let quota = row.quota(part);
            *buckets.entry((part.as_str(), bucket(quota))).or_default() += 1.0;
            if let (Some(remaining), Some(total)) = (quota.remaining, quota.total) {
                totals[i][0] += remaining;
                totals[i][1] += total;
            }
        }
    }
    family(
        encoder,
        gauge("onence_sims", "SIMs of the fleet by status"),
        statuses.into_iter().map(|(s, n)| (vec![("status", s)], n)),
    )?;
    family(
        encoder,
        gauge(
            "onence_sims_by_remaining_share",
            "SIMs by the share of a quota left (unknown: not read yet)",
        ),
        buckets
            .into_iter()
            .map(|((q, b), n)| (vec![("quota", q), ("share", b)], n)),
    )?;
    let fleet: [(&str, &str, Option<Unit>, f64); 4] = [
        (
            "onence_fleet_data_remaining",
            "Data left, summed over the SIMs read (the API's MB as 2^20 bytes)",
            Some(Unit::Bytes),
            totals[0][0],
        ),
        (
            "onence_fleet_data_total",
            "Data of the current quotas, summed over the SIMs read",
            Some(Unit::Bytes),
            totals[0][1],
        ),
        (
            "onence_fleet_sms_remaining",
            "SMS left, summed over the SIMs read",
            None,
            totals[1][0],
        ),
        (
            "onence_fleet_sms_total",
            "SMS of the current quotas, summed over the SIMs read",
            None,
            totals[1][1],
        ),
    ];
    for (name, help, unit, value) in fleet {
        family(
            encoder,
            (name, help, unit, MetricType::Gauge),
            std::iter::once((vec![], value)),
        )?;
    }
    let (tx, rx) = state.used_total;
    family(
        encoder,
        (
            "onence_fleet_data_used",
            "Data used as Data Streamer usage records report it (the API's MB as 2^20 bytes)",
            Some(Unit::Bytes),
            MetricType::Counter,
        ),
        [
            (vec![("direction", "tx")], tx),
            (vec![("direction", "rx")], rx),
        ]
        .into_iter(),
    )?;
    family(
        encoder,
        (
            "onence_quota_oldest_read_timestamp",
            "When the quota read longest ago was read (Unix time; a quota never read counts from its SIM's listing)",
            Some(Unit::Seconds),
            MetricType::Gauge,
        ),
        state.oldest_read().map(|t| (vec![], t)).into_iter(),
    )?;
    family(
        encoder,
        gauge(
            "onence_cycle_calls",
            "Calls a full cycle needs: the list's pages and a read of every quota",
        ),
        std::iter::once((vec![], state.cycle_calls() as f64)),
    )?;
    family(
        encoder,
        gauge(
            "onence_cycle_budget_calls",
            "Calls one interval allows at --max-rate (above onence_cycle_calls, quotas are read within the interval)",
        ),
        std::iter::once((vec![], settings.calls_per_interval())),
    )
}

fn every_sim(
    encoder: &mut DescriptorEncoder,
    state: &FleetState,
    with_label: bool,
) -> Result<(), std::fmt::Error> {
    let sims = &state.sims;
    family(
        encoder,
        gauge(
            "onence_sim_info",
            "A SIM of the fleet (value 1), with what never changes for it",
        ),
        sims.iter().map(|(iccid, row)| {
            let mut labels = vec![
                ("iccid", iccid.as_str()),
                ("imsi", row.imsi.as_str()),
                ("msisdn", row.msisdn.as_str()),
            ];
            if with_label {
                labels.push(("label", row.label.as_str()));
            }
            (labels, 1.0)
        }),
    )?;
    family(
        encoder,
        gauge("onence_sim_status", "A SIM's status (value 1)"),
        sims.iter().map(|(iccid, row)| {
            (
                vec![("iccid", iccid.as_str()), ("status", row.status.as_str())],
                1.0,
            )
        }),
    )?;
    family(
        encoder,
        gauge("onence_sim_imei_lock", "1 when a SIM is locked to its IMEI"),
        sims.iter().map(|(iccid, row)| {
            (
                vec![("iccid", iccid.as_str())],
                f64::from(u8::from(row.imei_lock)),
            )
        }),
    )?;
    type Part = fn(&SimRow) -> Option<f64>;
    let parts: [(&str, &str, Option<Unit>, Part); 4] = [
        (
            "onence_sim_data_remaining",
            "Data a SIM has left (the API's MB as 2^20 bytes)",
            Some(Unit::Bytes),
            |r| r.data.remaining,
        ),
        (
            "onence_sim_data_total",
            "Data of a SIM's current quota (the API's MB as 2^20 bytes)",
            Some(Unit::Bytes),
            |r| r.data.total,
        ),
        (
            "onence_sim_sms_remaining",
            "SMS a SIM has left",
            None,
            |r| r.sms.remaining,
        ),
        (
            "onence_sim_sms_total",
            "SMS of a SIM's current quota",
            None,
            |r| r.sms.total,
        ),
    ];
    for (name, help, unit, part) in parts {
        family(
            encoder,
            (name, help, unit, MetricType::Gauge),
            sims.iter()
                .filter_map(|(iccid, row)| Some((vec![("iccid", iccid.as_str())], part(row)?))),
        )?;
    }
    family(encoder, share_family(), flagged_shares(sims, false))?;
    family(
        encoder,
        (
            "onence_sim_quota_read_timestamp",
            "When a SIM's quota was last read (Unix time)",
            Some(Unit::Seconds),
            MetricType::Gauge,
        ),
        sims.iter().flat_map(|(iccid, row)| {
            PARTS.into_iter().filter_map(move |part| {
                let at = row.quota(part).read_at?;
                Some((
                    vec![("iccid", iccid.as_str()), ("quota", part.as_str())],
                    at,
                ))
            })
        }),
    )?;
    family(
        encoder,
        (
            "onence_sim_data_used",
            "Data a SIM used as Data Streamer usage records report it (the API's MB as 2^20 bytes)",
            Some(Unit::Bytes),
            MetricType::Counter,
        ),
        state.used.iter().flat_map(|(iccid, (tx, rx))| {
            [
                (vec![("iccid", iccid.as_str()), ("direction", "tx")], *tx),
                (vec![("iccid", iccid.as_str()), ("direction", "rx")], *rx),
            ]
        }),
    )
}
