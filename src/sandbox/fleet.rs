//! The sandbox's data: a deterministic fleet built from a seed, and the
//! records the API keeps about it (SMS, orders, limits, queued changes).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};

use crate::api::types;

/// The first ICCID of a sandbox fleet; the n-th SIM is this plus n.
pub(crate) const FIRST_ICCID: u64 = 8_988_280_666_000_000_000;

/// Provisioned volumes of every SIM.
pub(crate) const DATA_MB: f64 = 500.0;
pub(crate) const SMS: f64 = 250.0;
/// What one top-up adds.
pub(crate) const TOP_UP_MB: f64 = 500.0;
pub(crate) const TOP_UP_SMS: f64 = 250.0;

/// A SIM and what the API knows about it.
#[derive(Clone, Debug)]
pub(crate) struct SimRecord {
    pub(crate) index: u64,
    pub(crate) sim: types::Sim,
    pub(crate) data_left: f64,
    pub(crate) sms_left: f64,
    pub(crate) auto_top_up: bool,
    pub(crate) extra_events: Vec<types::SimEvent>,
}

/// An SMS and when it was submitted (by the sandbox clock, in ms).
#[derive(Clone, Debug)]
pub(crate) struct SmsRecord {
    pub(crate) sms: types::Sms,
    pub(crate) submitted_ms: u128,
}

/// The API's timestamp format: `2018-03-09T07:59:09.000+0000`.
pub(crate) fn api_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// A number from 0 to 1 fixed by the seed and a key: the same fleet every time.
pub(crate) fn fraction(seed: u64, key: u64) -> f64 {
    fastrand::Rng::with_seed(seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15)).f64()
}

/// The quota status the SIM list shows for `left` of `total`: the same
/// judgement the quota endpoint's volumes give, so a client may trust either.
pub(crate) fn quota_status(left: f64, total: f64) -> types::QuotaStatus {
    let (id, description) = if left <= 0.0 {
        (2, "EXHAUSTED")
    } else if left < total * 0.2 {
        (1, "LESS_THAN_20_PERCENT")
    } else {
        (0, "MORE_THAN_20_PERCENT")
    };
    types::QuotaStatus {
        id: Some(crate::model::Lenient::new(id)),
        description: Some(description.into()),
        threshold_reached_date: None,
        quota_exceeded_date: None,
    }
}

impl SimRecord {
    /// Sets the list's quota statuses from what is left, after the volumes changed.
    pub(crate) fn refresh_quota_status(&mut self) {
        let data_total = self.sim.current_quota.map_or(DATA_MB, |q| q.get());
        let sms_total = self.sim.current_quota_sms.map_or(SMS, |q| q.get());
        self.sim.quota_status = Some(quota_status(self.data_left, data_total));
        self.sim.quota_status_sms = Some(quota_status(self.sms_left, sms_total));
    }
}

/// The n-th SIM of the fleet of `seed`.
pub(crate) fn sim(seed: u64, index: u64, epoch: DateTime<Utc>) -> SimRecord {
    let iccid = (FIRST_ICCID + index).to_string();
    let r = |k: u64| fraction(seed, index * 16 + k);
    let data_left = (r(1) * DATA_MB * 1000.0).round() / 1000.0;
    let sms_left = (r(2) * SMS).round();
    let activated =
        epoch - Days::days(30 + (r(3) * 700.0) as i64) - Days::seconds((r(4) * 86_400.0) as i64);
    let sim = types::Sim {
        iccid_with_luhn: Some(format!("{iccid}{}", crate::model::luhn_check_digit(&iccid))),
        iccid: Some(iccid),
        imsi: Some(format!("{}", 901_405_100_000_000u64 + index)),
        imsi_2: Some(format!("{}", 901_405_200_000_000u64 + index)),
        current_imsi: Some(format!("{}", 901_405_100_000_000u64 + index)),
        msisdn: Some(format!("{}", 882_285_100_000_000u64 + index)),
        // Some devices never reported an IMEI: those SIMs have no imei key at all.
        imei: (r(5) < 0.8).then(|| format!("{:016}", 35_000_000_000_000u64 + index)),
        imei_lock: Some(r(6) < 0.3),
        status: Some(if r(7) < 0.9 {
            types::SimStatus::Enabled
        } else {
            types::SimStatus::Disabled
        }),
        activation_date: Some(api_time(activated).into()),
        ip_address: Some(format!(
            "10.{}.{}.{}",
            (index >> 16) & 255,
            (index >> 8) & 255,
            index & 255
        )),
        current_quota: Some(crate::model::Lenient::new(DATA_MB)),
        quota_status: Some(quota_status(data_left, DATA_MB)),
        current_quota_sms: Some(crate::model::Lenient::new(SMS)),
        quota_status_sms: Some(quota_status(sms_left, SMS)),
        label: (r(8) < 0.7).then(|| format!("device-{index:05}")),
    };
    SimRecord {
        index,
        sim,
        data_left,
        sms_left,
        auto_top_up: false,
        extra_events: Vec::new(),
    }
}

/// The recorded events of a SIM: a fixed history, then what the sandbox did to it.
pub(crate) fn events(seed: u64, record: &SimRecord, epoch: DateTime<Utc>) -> Vec<types::SimEvent> {
    let iccid = record.sim.iccid.clone();
    let count = 5 + (fraction(seed, record.index * 16 + 9) * 20.0) as i64;
    let mut events: Vec<types::SimEvent> = (0..count)
        .map(|n| {
            let kinds = [
                "Create PDP Context",
                "Delete PDP Context",
                "Update location",
                "Purge location",
            ];
            types::SimEvent {
                timestamp: Some(api_time(epoch - Days::hours(6 * (count - n))).into()),
                event_type: Some(kinds[n as usize % kinds.len()].into()),
                iccid: iccid.clone(),
                imei: record.sim.imei.clone(),
                imsi: record.sim.imsi.clone(),
                country: Some("Germany".into()),
                operator: Some("Telekom".into()),
                mcc: Some("262".into()),
                mnc: Some("01".into()),
                alert: Some(false),
                event_severity: Some("Info".into()),
            }
        })
        .collect();
    events.extend(record.extra_events.iter().cloned());
    events
}

/// Daily usage rows of a SIM for every day of a period, and the `TOTAL` row.
pub(crate) fn usage(seed: u64, record: &SimRecord, from: NaiveDate, to: NaiveDate) -> types::Usage {
    let mut stats = Vec::new();
    let (mut mb, mut sms) = (0.0, 0u64);
    let mut day = from;
    while day <= to {
        let key = record.index * 100_000
            + u64::try_from(chrono::Datelike::num_days_from_ce(&day)).unwrap_or(0);
        let day_mb = (fraction(seed, key) * 2.0 * 1e6).round() / 1e6;
        let day_sms = (fraction(seed, key + 1) * 4.0) as u64;
        mb += day_mb;
        sms += day_sms;
        let date = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
        stats.push(usage_row(
            date.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            day_mb,
            day_sms,
        ));
        day += Days::days(1);
    }
    stats.push(usage_row("TOTAL".into(), mb, sms));
    types::Usage { stats }
}

fn usage_row(date: String, mb: f64, sms: u64) -> types::UsageDay {
    let currency = types::Currency {
        id: Some(crate::model::Lenient::new(1)),
        symbol: Some("€".into()),
        code: Some("EUR".into()),
    };
    types::UsageDay {
        date: Some(date.into()),
        data: Some(types::DataUsage {
            cost: Some(format!("{mb:.6}")),
            currency: Some(currency.clone()),
            traffic_type: Some(types::TrafficTypeData {
                description: Some("Data".into()),
                id: Some(crate::model::Lenient::new(5)),
                unit: Some("MB".into()),
            }),
            volume: Some(format!("{mb:.6}")),
            volume_rx: Some(format!("{:.6}", mb * 0.6)),
            volume_tx: Some(format!("{:.6}", mb * 0.4)),
        }),
        sms: Some(types::SmsUsage {
            cost: Some(sms.to_string()),
            currency: Some(currency),
            traffic_type: Some(types::TrafficTypeSms {
                description: Some("SMS".into()),
                id: Some(crate::model::Lenient::new(6)),
                unit: Some("SMS".into()),
            }),
            volume: Some(sms.to_string()),
            volume_rx: Some((sms / 2).to_string()),
            volume_tx: Some((sms - sms / 2).to_string()),
        }),
    }
}

/// The products on offer.
pub(crate) fn products() -> Vec<types::Product> {
    let charge = |name: &str, amount: f64| types::Charge {
        name: Some(name.into()),
        amount_net: Some(crate::model::Lenient::new(amount)),
        currency: Some("EUR".into()),
    };
    vec![
        types::Product {
            id: Some(crate::model::Lenient::new(1001)),
            product: Some("1NCE IoT FlexSIM - Standard".into()),
            material: Some("1NCE FlexSIM".into()),
            package_size: Some(crate::model::Lenient::new(1)),
            min_quantity: Some(crate::model::Lenient::new(1)),
            max_quantity: Some(crate::model::Lenient::new(10_000)),
            max_quantity_per_customer: None,
            min_contract_duration: Some(crate::model::Lenient::new(120)),
            one_time_charges: vec![charge("provisionCharge", 10.0)],
            recurring_charges: vec![],
        },
        types::Product {
            id: Some(crate::model::Lenient::new(1002)),
            product: Some("1NCE IoT FlexSIM - Industrial".into()),
            material: Some("1NCE FlexSIM industrial".into()),
            package_size: Some(crate::model::Lenient::new(10)),
            min_quantity: Some(crate::model::Lenient::new(1)),
            max_quantity: Some(crate::model::Lenient::new(1_000)),
            max_quantity_per_customer: Some(crate::model::Lenient::new(5_000)),
            min_contract_duration: Some(crate::model::Lenient::new(120)),
            one_time_charges: vec![charge("provisionCharge", 12.0)],
            recurring_charges: vec![],
        },
    ]
}

/// The selectable limits by service, as (id, value, unit).
pub(crate) fn limit_options() -> BTreeMap<&'static str, Vec<(i64, &'static str, &'static str)>> {
    BTreeMap::from([
        (
            "data",
            vec![
                (1, "16", "MB"),
                (2, "64", "MB"),
                (3, "256", "MB"),
                (4, "1024", "MB"),
            ],
        ),
        (
            "smsMT",
            vec![(11, "10", "SMS"), (12, "50", "SMS"), (13, "250", "SMS")],
        ),
        (
            "smsMO",
            vec![(21, "10", "SMS"), (22, "50", "SMS"), (23, "250", "SMS")],
        ),
    ])
}
