//! What the exporter knows of the fleet: the SIMs of the last good list and
//! the quotas read so far, encoded on each scrape from that snapshot (a
//! scrape never calls the API, and never sees half a refresh).

use std::collections::{BTreeMap, HashMap};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;

/// Bytes in one of the API's MB: 1NCE's Platform 2.0 documents give volumes
/// in MiB, so the exporter reads the API's MB as 2^20 bytes.
pub const BYTES_PER_MB: f64 = 1_048_576.0;

/// One SIM as the list showed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SimEntry {
    pub(crate) iccid: String,
    pub(crate) label: String,
    pub(crate) status: String,
    pub(crate) imei_lock: bool,
}

/// A SIM's quotas when last read; a part not read is `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct QuotaEntry {
    pub(crate) data_remaining_bytes: Option<f64>,
    pub(crate) data_total_bytes: Option<f64>,
    pub(crate) sms_remaining: Option<f64>,
    pub(crate) sms_total: Option<f64>,
    /// When the data quota was read (Unix seconds).
    pub(crate) read_at: Option<f64>,
}

/// The fleet as last refreshed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fleet {
    pub(crate) sims: Vec<SimEntry>,
    pub(crate) quotas: HashMap<String, QuotaEntry>,
}

/// Encodes the fleet's metrics from the snapshot behind the lock.
#[derive(Debug)]
pub(crate) struct FleetCollector(pub(crate) std::sync::Arc<std::sync::RwLock<Fleet>>);

type Labels<'a> = Vec<(&'static str, &'a str)>;

/// One gauge family: a descriptor and a sample per label set.
fn gauges<'a>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    samples: impl Iterator<Item = (Labels<'a>, f64)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, unit, MetricType::Gauge)?;
    for (labels, value) in samples {
        ConstGauge::new(value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for FleetCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let fleet = match self.0.read() {
            Ok(fleet) => fleet,
            Err(poisoned) => poisoned.into_inner(),
        };
        fn iccid(s: &SimEntry) -> Labels<'_> {
            vec![("iccid", s.iccid.as_str())]
        }
        gauges(
            &mut encoder,
            "onence_sim_info",
            "A SIM of the fleet (value 1), with its label, status and IMEI lock",
            None,
            fleet.sims.iter().map(|s| {
                let lock = if s.imei_lock { "true" } else { "false" };
                let labels = vec![
                    ("iccid", s.iccid.as_str()),
                    ("label", s.label.as_str()),
                    ("status", s.status.as_str()),
                    ("imei_lock", lock),
                ];
                (labels, 1.0)
            }),
        )?;
        let mut statuses: BTreeMap<&str, f64> = BTreeMap::new();
        for sim in &fleet.sims {
            *statuses.entry(sim.status.as_str()).or_default() += 1.0;
        }
        gauges(
            &mut encoder,
            "onence_sims",
            "SIMs of the fleet by status",
            None,
            statuses
                .into_iter()
                .map(|(status, n)| (vec![("status", status)], n)),
        )?;
        type Part = fn(&QuotaEntry) -> Option<f64>;
        let parts: [(&str, &str, Option<Unit>, Part); 5] = [
            (
                "onence_sim_data_remaining",
                "Data a SIM has left (the API's MB as 2^20 bytes)",
                Some(Unit::Bytes),
                |q| q.data_remaining_bytes,
            ),
            (
                "onence_sim_data_total",
                "Data of a SIM's current quota (the API's MB as 2^20 bytes)",
                Some(Unit::Bytes),
                |q| q.data_total_bytes,
            ),
            (
                "onence_sim_sms_remaining",
                "SMS a SIM has left",
                None,
                |q| q.sms_remaining,
            ),
            (
                "onence_sim_sms_total",
                "SMS of a SIM's current quota",
                None,
                |q| q.sms_total,
            ),
            (
                "onence_sim_quota_read_timestamp",
                "When a SIM's data quota was last read (Unix time)",
                Some(Unit::Seconds),
                |q| q.read_at,
            ),
        ];
        for (name, help, unit, part) in parts {
            let samples = fleet.sims.iter().filter_map(|s| {
                let value = part(fleet.quotas.get(&s.iccid)?)?;
                Some((iccid(s), value))
            });
            gauges(&mut encoder, name, help, unit.as_ref(), samples)?;
        }
        Ok(())
    }
}
