//! Service requests to 1NCE support.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::Json;

use crate::api::types;
use crate::sandbox::answer::{bad, body, page_of, Answer, Outcome, Paging};
use crate::sandbox::fleet;
use crate::sandbox::state::Shared;

/// `GET /v1/support`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(paging): Query<Paging>,
) -> Outcome {
    let (page, size) = paging.checked(10, 100)?;
    let data = shared.data_now();
    let (items, headers) = page_of(&data.service_requests, page, size);
    Ok(Answer::json(200, items).headers(headers))
}

/// `POST /v1/support`: a subject and a text are needed.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<types::NewServiceRequest>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let subject = request
        .subject
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad("subject is missing"))?;
    let text = request
        .text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad("text is missing"))?;
    let now: crate::model::Timestamp = fleet::api_time(shared.now()).into();
    let mut data = shared.data_now();
    let case = 10_000 + data.service_requests.len() as u64 + 1;
    data.service_requests.push(types::ServiceRequest {
        case_id: Some(case.to_string()),
        status: Some(types::ServiceRequestStatus::Open),
        subject: Some(subject.clone()),
        text: Some(text.clone()),
        create_date: Some(now.clone()),
        solved_date: None,
        communications: vec![types::Communication {
            id: Some("1".into()),
            direction: Some(types::CommunicationDirection::In),
            type_: Some(types::CommunicationType::Portal),
            originator: request.sender_name,
            subject: Some(subject),
            text: Some(text),
            communication_date: Some(now),
        }],
    });
    Ok(Answer::empty(201))
}
