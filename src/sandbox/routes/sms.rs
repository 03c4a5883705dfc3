//! SMS to and from a SIM: send, list, read, cancel; v1 and v2 share one
//! store, so an SMS sent through either reads through both.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::json;

use crate::api::{types, v2};
use crate::sandbox::answer::{
    bad, body, not_found, page_of, refuse, Answer, Outcome, Paging, Refusal,
};
use crate::sandbox::fleet::{self, SmsRecord};
use crate::sandbox::state::{Data, Shared};

/// What an SMS to send says, whichever version it came through.
struct Message {
    payload: Option<String>,
    udh: Option<String>,
    source_address: Option<String>,
    source_address_type: Option<i64>,
    expiry_date: Option<String>,
}

/// Stores a new mobile-terminated SMS and returns its id.
fn submit(shared: &Shared, data: &mut Data, iccid: &str, message: Message) -> Result<i64, Refusal> {
    if message.payload.as_deref().is_none_or(str::is_empty) {
        return Err(bad("payload is missing"));
    }
    let record = data.record(iccid)?.clone();
    let id = data.next_sms;
    data.next_sms += 1;
    let sms = types::Sms {
        id: Some(crate::model::Lenient::new(id)),
        iccid: record.sim.iccid.clone(),
        msisdn: record.sim.msisdn.clone(),
        imsi: record.sim.imsi.clone(),
        payload: message.payload,
        udh: message.udh,
        source_address: message.source_address,
        source_address_type: message.source_address_type.map(|id| {
            types::SourceAddressTypeReceived {
                id: Some(crate::model::Lenient::new(id)),
            }
        }),
        submit_date: Some(fleet::api_time(shared.now()).into()),
        expiry_date: message.expiry_date.map(Into::into),
        sms_type: Some(types::SmsType {
            id: Some(crate::model::Lenient::new(1)),
            description: Some(types::SmsTypeDescription::Mt),
        }),
        status: Some(types::SmsStatus {
            id: Some(crate::model::Lenient::new(1)),
            description: Some("BUFFERED".into()),
        }),
        ..Default::default()
    };
    let submitted_ms = shared.clock.now().as_millis();
    data.sms
        .entry(iccid.to_string())
        .or_default()
        .push(SmsRecord { sms, submitted_ms });
    Ok(id)
}

/// `POST /v1/sims/{iccid}/sms`: 201, no body, the id in `Location`.
pub(crate) async fn send(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    message: Result<Json<types::SmsMessage>, JsonRejection>,
) -> Outcome {
    let message = body(message)?;
    let message = Message {
        payload: message.payload,
        udh: message.udh,
        source_address: message.source_address,
        source_address_type: message.source_address_type.and_then(|t| t.id).map(|id| *id),
        expiry_date: message.expiry_date,
    };
    let id = submit(&shared, &mut shared.data_now(), &iccid, message)?;
    Ok(Answer::empty(201).header(
        "Location",
        format!("{}/v1/sims/{iccid}/sms/{id}", shared.base_url),
    ))
}

/// `POST /v2/sims/{iccid}/sms`: 201 with `{"id"}`. A disabled SIM cannot
/// be reached and answers 409 Conflict.
pub(crate) async fn send_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    message: Result<Json<v2::types::SmsMessage>, JsonRejection>,
) -> Outcome {
    let message = body(message).map_err(Refusal::v2)?;
    let mut data = shared.data_now();
    let enabled =
        data.record(&iccid).map_err(Refusal::v2)?.sim.status == Some(types::SimStatus::Enabled);
    if !enabled {
        return Err(refuse(409, "the SIM is disabled and cannot receive SMS").v2());
    }
    let message = Message {
        payload: message.payload,
        udh: message.udh.map(|u| u.to_string()),
        source_address: message.source_address,
        source_address_type: message.source_address_type.and_then(|t| t.id).map(|id| *id),
        expiry_date: message.expiry_date,
    };
    let id = submit(&shared, &mut data, &iccid, message).map_err(Refusal::v2)?;
    Ok(Answer::json(
        201,
        v2::types::CreatedSms {
            id: Some(id.to_string()),
        },
    ))
}

/// Every SMS of a SIM, as they stand now.
fn all(shared: &Shared, data: &Data, iccid: &str) -> Result<Vec<types::Sms>, Refusal> {
    data.record(iccid)?;
    Ok(data
        .sms
        .get(iccid)
        .map(|l| l.iter().map(|r| now(shared, r)).collect())
        .unwrap_or_default())
}

/// `GET /v1/sims/{iccid}/sms`: without paging headers, as on the real service.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(paging): Query<Paging>,
) -> Outcome {
    let (page, size) = paging.checked(10, 100)?;
    let all = all(&shared, &shared.data_now(), &iccid)?;
    Ok(Answer::json(200, page_of(&all, page, size).0))
}

/// `GET /v2/sims/{iccid}/sms` (`page`, `per_page`).
pub(crate) async fn list_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(paging): Query<Paging>,
) -> Outcome {
    let (page, size) = paging.checked_per_page(20, 1000).map_err(Refusal::v2)?;
    let all = all(&shared, &shared.data_now(), &iccid).map_err(Refusal::v2)?;
    let items: Vec<v2::types::Sms> = page_of(&all, page, size)
        .0
        .into_iter()
        .map(sms_v2)
        .collect();
    Ok(Answer::json(200, items))
}

/// The SMS `id` of a SIM.
fn find<'a>(data: &'a Data, iccid: &str, id: &str) -> Result<&'a SmsRecord, Refusal> {
    data.record(iccid)?;
    let wanted: i64 = id
        .parse()
        .map_err(|_| bad(format!("id {id:?} is not a number")))?;
    data.sms
        .get(iccid)
        .and_then(|l| {
            l.iter()
                .find(|r| r.sms.id == Some(crate::model::Lenient::new(wanted)))
        })
        .ok_or_else(|| not_found("SMS"))
}

/// `GET /v1/sims/{iccid}/sms/{id}`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((iccid, id)): Path<(String, String)>,
) -> Outcome {
    let data = shared.data_now();
    Ok(Answer::json(200, now(&shared, find(&data, &iccid, &id)?)))
}

/// `GET /v2/sims/{iccid}/sms/{id}`.
pub(crate) async fn get_v2(
    State(shared): State<Arc<Shared>>,
    Path((iccid, id)): Path<(String, String)>,
) -> Outcome {
    let data = shared.data_now();
    let found = find(&data, &iccid, &id).map_err(Refusal::v2)?;
    Ok(Answer::json(200, sms_v2(now(&shared, found))))
}

/// Cancels a buffered SMS; a delivered one cannot be.
fn cancel_sms(shared: &Shared, iccid: &str, id: &str) -> Result<(), Refusal> {
    let mut data = shared.data_now();
    let found = find(&data, iccid, id)?;
    if delivered(shared, found) {
        return Err(bad("the SMS was delivered already and cannot be cancelled"));
    }
    let wanted = found.sms.id;
    if let Some(list) = data.sms.get_mut(iccid) {
        list.retain(|r| r.sms.id != wanted);
    }
    Ok(())
}

/// `DELETE /v1/sims/{iccid}/sms/{id}`.
pub(crate) async fn cancel(
    State(shared): State<Arc<Shared>>,
    Path((iccid, id)): Path<(String, String)>,
) -> Outcome {
    cancel_sms(&shared, &iccid, &id)?;
    Ok(Answer::empty(200))
}

/// `DELETE /v2/sims/{iccid}/sms/{id}`: 200 with the id removed.
pub(crate) async fn cancel_v2(
    State(shared): State<Arc<Shared>>,
    Path((iccid, id)): Path<(String, String)>,
) -> Outcome {
    cancel_sms(&shared, &iccid, &id).map_err(Refusal::v2)?;
    Ok(Answer::json(200, json!({ "id": id })))
}

fn delivered(shared: &Shared, record: &SmsRecord) -> bool {
    shared.clock.now().as_millis() >= record.submitted_ms + shared.change_delay.as_millis()
}

/// The SMS as it stands now: delivered once the change delay has passed.
fn now(shared: &Shared, record: &SmsRecord) -> types::Sms {
    let mut sms = record.sms.clone();
    if delivered(shared, record) {
        sms.status = Some(types::SmsStatus {
            id: Some(crate::model::Lenient::new(4)),
            description: Some("DELIVERED".into()),
        });
        sms.delivery_date = sms.submit_date.clone();
    }
    sms
}

/// An SMS as v2 shows it. v2 lists no `BUFFERED` state: a buffered SMS is `PENDING` there.
fn sms_v2(sms: types::Sms) -> v2::types::Sms {
    let status = sms.status.map(|s| {
        let delivered = s.description.as_deref() == Some("DELIVERED");
        v2::types::SmsStatus {
            id: Some(crate::model::Lenient::new(if delivered { 4 } else { 2 })),
            description: Some(if delivered { "DELIVERED" } else { "PENDING" }.into()),
        }
    });
    v2::types::Sms {
        id: sms.id,
        iccid: sms.iccid,
        msisdn: sms.msisdn,
        imsi: sms.imsi,
        payload: sms.payload,
        udh: sms.udh,
        source_address: sms.source_address,
        source_address_type: sms
            .source_address_type
            .map(|t| v2::types::SmsSourceAddressType {
                id: t.id,
                description: None,
            }),
        submit_date: sms.submit_date,
        delivery_date: sms.delivery_date,
        expiry_date: sms.expiry_date,
        sms_type: Some(v2::types::SmsType {
            id: Some(crate::model::Lenient::new(1)),
            description: Some(v2::types::SmsTypeDescription::Mt),
        }),
        status,
        ..Default::default()
    }
}
