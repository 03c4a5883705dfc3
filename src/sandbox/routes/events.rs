//! A SIM's events, v1 (a collection with totals) and v2 (a list with
//! paging headers, events typed and detailed).

use std::sync::Arc;

use axum::extract::{Path, Query, State};

use crate::api::{types, v2};
use crate::sandbox::answer::{page_of, Answer, Outcome, Paging, Refusal};
use crate::sandbox::fleet;
use crate::sandbox::state::Shared;

/// Paging and the sort order of an event list.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct EventQuery {
    #[serde(flatten)]
    paging: Paging,
    sort: Option<String>,
}

/// `GET /v1/sims/{iccid}/events`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(query): Query<EventQuery>,
) -> Outcome {
    let (page, size) = query.paging.checked(10, 1000)?;
    let data = shared.data_now();
    let mut events = fleet::events(shared.seed, data.record(&iccid)?, shared.epoch);
    if query
        .sort
        .as_deref()
        .is_some_and(|s| s.starts_with("-timestamp"))
    {
        events.reverse();
    }
    let (items, headers) = page_of(&events, page, size);
    let total = events.len() as u64;
    let body = types::EventCollection {
        events: items,
        total_events: Some(crate::model::Lenient::new(total as i64)),
        total_pages: Some(crate::model::Lenient::new(total.div_ceil(size) as i64)),
    };
    Ok(Answer::json(200, body).headers(headers))
}

/// `GET /v2/sims/{iccid}/events`: the same history.
pub(crate) async fn list_v2(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(query): Query<EventQuery>,
) -> Outcome {
    let (page, size) = query.paging.checked(10, 1000).map_err(Refusal::v2)?;
    let data = shared.data_now();
    let record = data.record(&iccid).map_err(Refusal::v2)?;
    let events: Vec<v2::types::Event> = fleet::events(shared.seed, record, shared.epoch)
        .into_iter()
        .enumerate()
        .map(|(n, e)| event_v2(n as i64 + 1, record.index as i64, e))
        .collect();
    let (items, headers) = page_of(&events, page, size);
    Ok(Answer::json(200, items).headers(headers))
}

/// A v1 event as v2 reports it: its kind, severity and source typed, the
/// SIM and IMSI as objects, a location detail.
fn event_v2(id: i64, sim: i64, event: types::SimEvent) -> v2::types::Event {
    let typed =
        |id: i64, description: Option<String>| (Some(crate::model::Lenient::new(id)), description);
    let (type_id, type_text) = typed(
        match event.event_type.as_deref() {
            Some("Create PDP Context") => 3,
            Some("Delete PDP Context") => 4,
            Some("Update location") => 1,
            Some("Purge location") => 2,
            _ => 0,
        },
        event.event_type,
    );
    v2::types::Event {
        id: Some(crate::model::Lenient::new(id)),
        timestamp: event.timestamp,
        alert: event.alert,
        event_type: Some(v2::types::EventType {
            id: type_id,
            description: type_text,
        }),
        event_severity: Some(v2::types::EventSeverity {
            id: Some(crate::model::Lenient::new(0)),
            description: event.event_severity.map(|s| s.to_uppercase()),
        }),
        event_source: Some(v2::types::EventSource {
            id: Some(crate::model::Lenient::new(0)),
            description: Some("Network".into()),
        }),
        sim: Some(v2::types::EventSim {
            id: Some(crate::model::Lenient::new(sim)),
            iccid: event.iccid,
            msisdn: None,
        }),
        imsi: Some(v2::types::Imsi {
            id: Some(crate::model::Lenient::new(sim)),
            imsi: event.imsi,
        }),
        detail: Some(v2::types::EventDetail {
            name: event.operator,
            country: Some(v2::types::Country {
                name: event.country,
                mcc: event.mcc,
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}
