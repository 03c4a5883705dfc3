//! A SIM's data and SMS quotas: v1, and v2 with thresholds and the volume
//! accumulated over top-ups.

use std::sync::Arc;

use axum::extract::{Path, State};
use chrono::Duration as Days;

use crate::api::{types, v2};
use crate::sandbox::answer::{Answer, Outcome, Refusal};
use crate::sandbox::fleet::{self, SimRecord};
use crate::sandbox::state::Shared;

/// Data or SMS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Service {
    Data,
    Sms,
}

/// What one quota stands at: (left, provisioned in all, last added).
fn figures(record: &SimRecord, service: Service) -> (f64, f64, f64) {
    match service {
        Service::Data => (
            record.data_left,
            record.sim.current_quota.map_or(fleet::DATA_MB, |q| *q),
            fleet::TOP_UP_MB,
        ),
        Service::Sms => (
            record.sms_left,
            record.sim.current_quota_sms.map_or(fleet::SMS, |q| *q),
            fleet::TOP_UP_SMS,
        ),
    }
}

/// When every sandbox quota expires: ten years on, in the quota form `YYYY-MM-DD HH:MM:SS`.
fn expiry(shared: &Shared) -> String {
    fleet::api_time(shared.epoch + Days::days(3650)).replace('T', " ")[..19].into()
}

/// `GET /v1/sims/{iccid}/quota/data` and `.../quota/sms`.
async fn quota(shared: Arc<Shared>, iccid: String, service: Service) -> Outcome {
    let data = shared.data_now();
    let record = data.record(&iccid)?;
    let (left, total, added) = figures(record, service);
    let quota = types::Quota {
        volume: Some(crate::model::Lenient::new(left)),
        total_volume: Some(crate::model::Lenient::new(total)),
        expiry_date: Some(expiry(&shared).into()),
        peak_throughput: (service == Service::Data).then(|| crate::model::Lenient::new(1_000_000)),
        last_volume_added: Some(crate::model::Lenient::new(added)),
        last_status_change_date: record.sim.activation_date.clone(),
        threshold_percentage: Some(crate::model::Lenient::new(20)),
    };
    Ok(Answer::json(200, quota))
}

/// `GET /v2/sims/{iccid}/quota/data` and `.../quota/sms`: the same quota,
/// with its state, service, threshold volume and accumulated volume.
async fn quota_v2(shared: Arc<Shared>, iccid: String, service: Service) -> Outcome {
    let data = shared.data_now();
    let record = data.record(&iccid).map_err(Refusal::v2)?;
    let (left, total, added) = figures(record, service);
    let (state, description) = if left <= 0.0 {
        (0, v2::types::QuotaStateDescription::Exhausted)
    } else {
        (1, v2::types::QuotaStateDescription::Active)
    };
    let quota = v2::types::Quota {
        id: Some(crate::model::Lenient::new(
            record.index as i64 * 2 + 1 + i64::from(service == Service::Sms),
        )),
        status: Some(v2::types::QuotaState {
            id: Some(crate::model::Lenient::new(state)),
            description: Some(description),
        }),
        volume: Some(crate::model::Lenient::new(left)),
        total_volume: Some(crate::model::Lenient::new(total)),
        accumulated_total_volume: Some(crate::model::Lenient::new(total)),
        last_volume_added: Some(crate::model::Lenient::new(added)),
        service: Some(match service {
            Service::Data => v2::types::QuotaService::Data,
            Service::Sms => v2::types::QuotaService::Sms,
        }),
        threshold_percentage: Some(crate::model::Lenient::new(20)),
        threshold_volume: Some(crate::model::Lenient::new(total * 0.2)),
        expiry_date: Some(expiry(&shared).into()),
        created_at: record.sim.activation_date.clone(),
    };
    Ok(Answer::json(200, quota))
}

/// `GET /v1/sims/{iccid}/quota/data`.
pub(crate) async fn data_v1(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    quota(shared, iccid, Service::Data).await
}

/// `GET /v1/sims/{iccid}/quota/sms`.
pub(crate) async fn sms_v1(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    quota(shared, iccid, Service::Sms).await
}

/// `GET /v2/sims/{iccid}/quota/data`.
pub(crate) async fn data_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    quota_v2(shared, iccid, Service::Data).await
}

/// `GET /v2/sims/{iccid}/quota/sms`.
pub(crate) async fn sms_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    quota_v2(shared, iccid, Service::Sms).await
}
