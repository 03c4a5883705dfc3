//! SIMs: list, read, change (one or many), transfer; v1 and v2.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;

use crate::api::{types, v2};
use crate::sandbox::answer::{bad, body, page_of, refuse, Answer, Outcome, Paging, Refusal};
use crate::sandbox::fleet::SimRecord;
use crate::sandbox::state::{Change, Data, Shared};

/// The filters and sort order of a SIM list, as sent.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListQuery {
    #[serde(flatten)]
    paging: Paging,
    q: Option<String>,
    sort: Option<String>,
}

/// `GET /v1/sims`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    let data = shared.data_now();
    let (records, headers) = page(&data, &query)?;
    let sims: Vec<&types::Sim> = records.iter().map(|r| &r.sim).collect();
    Ok(Answer::json(200, sims).headers(headers))
}

/// `GET /v2/sims`.
pub(crate) async fn list_v2(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<ListQuery>,
) -> Outcome {
    let data = shared.data_now();
    let (records, headers) = page(&data, &query).map_err(Refusal::v2)?;
    let sims: Vec<v2::types::Sim> = records.into_iter().map(sim_v2).collect();
    Ok(Answer::json(200, sims).headers(headers))
}

/// One page of SIMs and its paging headers.
type SimPage<'a> = (Vec<&'a SimRecord>, Vec<(String, String)>);

/// The page of SIMs `query` asks for, filtered and sorted, with the paging headers.
fn page<'a>(data: &'a Data, query: &ListQuery) -> Result<SimPage<'a>, Refusal> {
    let (page, size) = query.paging.checked(10, 100)?;
    let mut sims: Vec<&SimRecord> = data.sims.values().collect();
    if let Some(filter) = query.q.as_deref().filter(|q| !q.is_empty()) {
        for criterion in filter.split(',') {
            let (field, value) = criterion
                .split_once(':')
                .ok_or_else(|| bad(format!("q: {criterion:?} is not field:value")))?;
            match field {
                "imei" => sims.retain(|r| r.sim.imei.as_deref() == Some(value)),
                "ip_address" => sims.retain(|r| r.sim.ip_address.as_deref() == Some(value)),
                other => {
                    return Err(bad(format!(
                        "q: cannot filter by {other:?}; use imei or ip_address"
                    )))
                }
            }
        }
    }
    if let Some(sort) = query.sort.as_deref().filter(|s| !s.is_empty()) {
        for key in sort.split(',').rev() {
            let (descending, field) = key.strip_prefix('-').map_or((false, key), |f| (true, f));
            if !["imei", "ip_address"].contains(&field) {
                return Err(bad(format!(
                    "sort: cannot sort by {field:?}; use imei or ip_address"
                )));
            }
            // IP addresses sort as addresses, not as text.
            let pick = |r: &SimRecord| -> (Option<std::net::Ipv4Addr>, Option<String>) {
                match field {
                    "imei" => (None, r.sim.imei.clone()),
                    _ => (
                        r.sim.ip_address.as_deref().and_then(|ip| ip.parse().ok()),
                        r.sim.ip_address.clone(),
                    ),
                }
            };
            sims.sort_by(|a, b| {
                if descending {
                    pick(b).cmp(&pick(a))
                } else {
                    pick(a).cmp(&pick(b))
                }
            });
        }
    }
    // Only the page is copied: listing a large fleet stays cheap.
    Ok(page_of(&sims, page, size))
}

/// A SIM as v2 shows it: the same fields as v1.
pub(crate) fn sim_v2(record: &SimRecord) -> v2::types::Sim {
    let sim = &record.sim;
    let quota_status = |q: &Option<types::QuotaStatus>| {
        q.as_ref().map(|q| v2::types::QuotaStatus {
            id: q.id,
            description: q.description.clone(),
            threshold_reached_date: q.threshold_reached_date.clone(),
            quota_exceeded_date: q.quota_exceeded_date.clone(),
        })
    };
    v2::types::Sim {
        iccid_with_luhn: sim.iccid_with_luhn.clone(),
        current_imsi: sim.current_imsi.clone(),
        iccid: sim.iccid.clone(),
        imsi: sim.imsi.clone(),
        imsi_2: sim.imsi_2.clone(),
        msisdn: sim.msisdn.clone(),
        imei: sim.imei.clone(),
        imei_lock: sim.imei_lock,
        status: sim.status.as_ref().map(|s| s.to_string().into()),
        activation_date: sim.activation_date.clone(),
        ip_address: sim.ip_address.clone(),
        current_quota: sim.current_quota,
        quota_status: quota_status(&sim.quota_status),
        current_quota_sms: sim.current_quota_sms,
        quota_status_sms: quota_status(&sim.quota_status_sms),
        label: sim.label.clone(),
    }
}

/// `GET /v1/sims/{iccid}`. The real service answers an unknown ICCID with
/// 200 and no body.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(iccid): Path<String>) -> Answer {
    match shared.data_now().sims.get(&iccid) {
        Some(record) => Answer::json(200, &record.sim),
        None => Answer::empty(200),
    }
}

/// `GET /v2/sims/{iccid}`: v2 answers an unknown ICCID with its 404.
pub(crate) async fn get_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    let data = shared.data_now();
    let record = data.record(&iccid).map_err(Refusal::v2)?;
    Ok(Answer::json(200, sim_v2(record)))
}

/// `PUT /v1/sims/{iccid}`: queued.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    update: Result<Json<types::SimUpdate>, JsonRejection>,
) -> Outcome {
    let update = body(update)?;
    if update.iccid != iccid {
        return Err(bad(format!(
            "iccid {:?} in the body differs from the path",
            update.iccid
        )));
    }
    let mut data = shared.data_now();
    data.known(&[iccid])?;
    shared.queue(&mut data, [Change::from(update)]);
    Ok(Answer::empty(200))
}

/// `PUT /v2/sims/{iccid}`: queued; what the body leaves out stays. A SIM
/// with a change still queued answers 409 Conflict.
pub(crate) async fn update_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    update: Result<Json<v2::types::SimUpdate>, JsonRejection>,
) -> Outcome {
    let update = body(update).map_err(Refusal::v2)?;
    if update.iccid.as_ref().is_some_and(|i| *i != iccid) {
        return Err(bad("iccid in the body differs from the path").v2());
    }
    let mut data = shared.data_now();
    data.known(std::slice::from_ref(&iccid))
        .map_err(Refusal::v2)?;
    if shared.change_pending(&data, &iccid) {
        return Err(refuse(409, "a change to this SIM is still being applied").v2());
    }
    let change = Change {
        iccid,
        enabled: update
            .status
            .map(|s| s == v2::types::SimUpdateStatus::Enabled),
        label: update.label,
        imei_lock: update.imei_lock,
    };
    shared.queue(&mut data, [change]);
    Ok(Answer::empty(200))
}

/// `POST /v1/sims`: many changes, queued.
pub(crate) async fn update_many(
    State(shared): State<Arc<Shared>>,
    updates: Result<Json<Vec<types::SimUpdate>>, JsonRejection>,
) -> Outcome {
    let updates = body(updates)?;
    if updates.is_empty() {
        return Err(bad("the list of SIM changes is empty"));
    }
    let mut data = shared.data_now();
    let iccids: Vec<String> = updates.iter().map(|u| u.iccid.clone()).collect();
    data.known(&iccids)?;
    shared.queue(&mut data, updates.into_iter().map(Change::from));
    Ok(Answer::empty(201))
}

/// `POST /v1/sims/simTransfer`: the SIMs leave the account.
pub(crate) async fn transfer(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<types::SimTransfer>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let mut iccids = request.iccids.clone();
    for range in &request.iccid_ranges {
        let bound = |v: &Option<String>, name: &str| -> Result<u64, Refusal> {
            v.as_deref()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad(format!("iccid_ranges.{name} is not an ICCID")))
        };
        let (from, to) = (bound(&range.from, "from")?, bound(&range.to, "to")?);
        if to < from || to - from > 100_000 {
            return Err(bad("iccid_ranges: to must follow from, within 100000 SIMs"));
        }
        iccids.extend((from..=to).map(|n| n.to_string()));
    }
    if iccids.is_empty() {
        return Err(bad("no SIMs to transfer"));
    }
    let mut data = shared.data_now();
    data.known(&iccids)?;
    for iccid in &iccids {
        data.sims.remove(iccid);
    }
    Ok(Answer::empty(201))
}
