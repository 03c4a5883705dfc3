//! A SIM's connectivity: status (v1 and v2), network information, and
//! connectivity resets (v1 and v2).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use chrono::Duration as Days;

use crate::api::{types, v2};
use crate::sandbox::answer::{not_found, refuse, Answer, Outcome, Refusal};
use crate::sandbox::fleet::{self, SimRecord};
use crate::sandbox::state::{Data, Shared};

/// `GET /v1/sims/{iccid}/status`.
pub(crate) async fn status(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    let data = shared.data_now();
    Ok(Answer::json(
        200,
        connectivity(&shared, data.record(&iccid)?),
    ))
}

/// `GET /v2/sims/{iccid}/status`: the same state, in v2's shape (PDP
/// contexts as a list, the data traffic limit state).
pub(crate) async fn status_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    let data = shared.data_now();
    let record = data.record(&iccid).map_err(Refusal::v2)?;
    let v1 = connectivity(&shared, record);
    let status = v1.status.as_ref().map(|s| v2::types::ConnectivityStatus {
        description: Some(s.to_string().into()),
    });
    let limit_reached = record.data_left <= 0.0;
    let detail = v2::types::ConnectivityDetail {
        status,
        data_traffic_limit_state: Some(v2::types::DataTrafficLimitState {
            description: Some(
                if limit_reached {
                    "REACHED"
                } else {
                    "NOT_REACHED"
                }
                .into(),
            ),
        }),
        location: v1
            .location
            .as_ref()
            .and_then(|l| with_required(l, location_v2_fields())),
        pdp_contexts: v1
            .pdp_context
            .iter()
            .filter_map(|p| with_required(p, pdp_context_v2_fields(record.index)))
            .collect(),
        services: v1.services.clone(),
    };
    // v2 requires `services`, even when the SIM uses none: the model leaves
    // an empty list out, so it is put back.
    let mut detail =
        serde_json::to_value(detail).map_err(|_| refuse(500, "unserialisable").v2())?;
    detail["services"] = serde_json::json!(v1.services);
    Ok(Answer::json(200, detail))
}

/// A v1 model read as the v2 model of the same thing, with the fields v2
/// requires and v1 does not have filled from `required`, at every depth
/// (v1's values win).
fn with_required<A: serde::Serialize, B: serde::de::DeserializeOwned>(
    v1: &A,
    required: serde_json::Value,
) -> Option<B> {
    fn fill(have: &mut serde_json::Value, wanted: serde_json::Value) {
        let (serde_json::Value::Object(have), serde_json::Value::Object(wanted)) = (have, wanted)
        else {
            return;
        };
        for (key, default) in wanted {
            match have.get_mut(&key) {
                Some(inner) if !inner.is_null() => fill(inner, default),
                _ => {
                    have.insert(key, default);
                }
            }
        }
    }
    let mut value = serde_json::to_value(v1).ok()?;
    fill(&mut value, required);
    serde_json::from_value(value).ok()
}

/// What v2's location requires beyond v1's: the country (with its ISO
/// code) and the operator (with its country).
fn location_v2_fields() -> serde_json::Value {
    serde_json::json!({
        "country": { "country_id": "74", "name": "Germany", "country_code": "49", "mcc": "262", "iso_code": "de" },
        "operator": { "id": 2, "name": "Telekom", "mnc": "01",
                      "country": { "id": 74, "name": "Germany", "iso_code": "de" } }
    })
}

/// What v2's PDP context requires beyond v1's, for the SIM at `index`.
fn pdp_context_v2_fields(index: u64) -> serde_json::Value {
    let teid = (7116 + index).to_string();
    serde_json::json!({
        "endpoint_id": (166 + index).to_string(), "tariff_id": "34", "ratezone_id": "70",
        "organisation_id": "2", "tx_teid_data_plane": teid, "tx_teid_control_plane": teid,
        "rx_teid": teid, "rx_teid_data_plane": teid, "rx_teid_control_plane": teid,
        "gtp_version": "1", "nsapi": "5",
        "sgsn_control_plane_ip_address": "12.23.107.89", "sgsn_data_plane_ip_address": "12.23.107.89",
        "ggsn_control_plane_ip_address": "12.23.107.90", "ggsn_data_plane_ip_address": "12.23.107.90",
        "lac": "40217", "ci": "12", "sac": "7", "rac": "8", "imeisv": "3526510721968301",
        "region": "eu-central-1", "apn": "iot.1nce.net",
        "sim_id": (625 + index).to_string(), "imsi_id": (627 + index).to_string()
    })
}

/// The connectivity the sandbox reports: online with a data session when
/// enabled, offline when not.
pub(crate) fn connectivity(shared: &Shared, record: &SimRecord) -> types::Connectivity {
    let online = record.sim.status == Some(types::SimStatus::Enabled);
    let seen = fleet::api_time(shared.now() - Days::minutes(3));
    types::Connectivity {
        status: Some(if online {
            types::ConnectivityStatus::Online
        } else {
            types::ConnectivityStatus::Offline
        }),
        services: if online {
            vec!["GPRS".into(), "SMS".into()]
        } else {
            vec![]
        },
        location: Some(types::Location {
            iccid: record.sim.iccid.clone(),
            imsi: record.sim.imsi.clone(),
            last_updated: Some(seen.clone().into()),
            last_updated_gprs: Some(seen.into()),
            sgsn_number: Some("491600300000".into()),
            vlr_number: Some("491710000000".into()),
            vlr_number_np: Some("1".into()),
            msc_number_np: Some("1".into()),
            sgsn_number_np: Some("1".into()),
            operator_id: Some("2".into()),
            msc: Some("491710300000".into()),
            sgsn_ip_address: Some("192.0.2.10".into()),
            operator: Some(types::Operator {
                id: Some("2".into()),
                name: Some("Telekom".into()),
                country: Some(types::OperatorCountry {
                    id: Some("74".into()),
                    name: Some("Germany".into()),
                    iso_code: Some("de".into()),
                }),
            }),
            country: Some(types::LocationCountry {
                country_id: Some("74".into()),
                name: Some("Germany".into()),
                country_code: Some("49".into()),
                mcc: Some("262".into()),
                iso_code: Some("de".into()),
                latitude: Some("51".into()),
                longitude: Some("9".into()),
            }),
        }),
        pdp_context: online.then(|| types::PdpContext {
            pdp_context_id: Some(format!("{}", 1_898_708_000 + record.index)),
            imsi: record.sim.imsi.clone(),
            ue_ip_address: record.sim.ip_address.clone(),
            created: Some(fleet::api_time(shared.now() - Days::hours(2)).into()),
            duration: Some("02:00:00".into()),
            mcc: Some("262".into()),
            mnc: Some("01".into()),
            rat_type: Some(types::RatType {
                rat_type_id: Some("6".into()),
                description: Some(types::RatTypeDescription::X4g),
            }),
            ..Default::default()
        }),
    }
}

/// `GET /v1/sims/{iccid}/connectivity_info`.
pub(crate) async fn info(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Outcome {
    shared.data_now().record(&iccid)?;
    let flag = |name: &str, default: bool| query.get(name).map_or(default, |v| v == "true");
    let now = fleet::api_time(shared.now());
    let info = types::ConnectivityInfo {
        request_timestamp: Some(now.clone().into()),
        reply_timestamp: Some(now.into()),
        subscriber_info: flag("subscriber", true).then(|| types::SubscriberInfo {
            age_of_location: Some(crate::model::Lenient::new(0)),
            cell_global_id: Some(types::CellGlobalId {
                cid: Some(crate::model::Lenient::new(5559)),
                lac: Some(crate::model::Lenient::new(10458)),
                mcc: Some("262".into()),
                mnc: Some("01".into()),
            }),
            current_location_retrieved: Some(true),
        }),
        ussd_info: flag("ussd", false).then_some(types::UssdInfo {
            success: Some(true),
            error: None,
        }),
    };
    Ok(Answer::json(200, info))
}

/// `POST /v1/sims/{iccid}/reset`: recorded as an event.
pub(crate) async fn reset(State(shared): State<Arc<Shared>>, Path(iccid): Path<String>) -> Outcome {
    reset_sim(&shared, &mut shared.data_now(), &iccid)?;
    Ok(Answer::empty(201))
}

/// `POST /v2/sims/{iccid}/reset`: a disabled SIM has no connectivity to
/// reset and answers 409 Conflict.
pub(crate) async fn reset_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
) -> Outcome {
    // One lock for the check and the reset: no change can slip between them.
    let mut data = shared.data_now();
    let enabled =
        data.record(&iccid).map_err(Refusal::v2)?.sim.status == Some(types::SimStatus::Enabled);
    if !enabled {
        return Err(refuse(
            409,
            "the SIM is disabled: there is no connectivity to reset",
        )
        .v2());
    }
    reset_sim(&shared, &mut data, &iccid).map_err(Refusal::v2)?;
    Ok(Answer::empty(201))
}

/// Records a connectivity reset as an event of the SIM.
fn reset_sim(shared: &Shared, data: &mut Data, iccid: &str) -> Result<(), Refusal> {
    let now = fleet::api_time(shared.now());
    let record = data.sims.get_mut(iccid).ok_or_else(|| not_found("SIM"))?;
    let mut event = fleet::events(shared.seed, record, shared.epoch).remove(0);
    event.timestamp = Some(now.into());
    event.event_type = Some("Connectivity reset".into());
    record.extra_events.push(event);
    Ok(())
}
