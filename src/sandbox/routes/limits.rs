//! The account's data and SMS limits: current, selectable, set.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;

use crate::api::types;
use crate::sandbox::answer::{bad, body, Answer, Outcome, Refusal};
use crate::sandbox::fleet;
use crate::sandbox::state::Shared;

/// A limit as the API shows it.
fn limit(
    id: i64,
    limit: &str,
    unit: &str,
) -> (
    Option<crate::model::Lenient<i64>>,
    Option<String>,
    Option<String>,
) {
    (
        Some(crate::model::Lenient::new(id)),
        Some(limit.into()),
        Some(unit.into()),
    )
}

fn data_limit((id, l, u): (i64, &str, &str)) -> types::DataLimit {
    let (id, limit, unit) = limit(id, l, u);
    types::DataLimit { id, limit, unit }
}

fn sms_limit((id, l, u): (i64, &str, &str)) -> types::SmsLimit {
    let (id, limit, unit) = limit(id, l, u);
    types::SmsLimit { id, limit, unit }
}

/// `GET /v1/sims/limits`.
pub(crate) async fn current(State(shared): State<Arc<Shared>>) -> Answer {
    let options = fleet::limit_options();
    let find = |service: &str, id: i64| options[service].iter().find(|(o, _, _)| *o == id).copied();
    let (d, mt, mo) = shared.data_now().limits;
    Answer::json(
        200,
        types::Limits {
            data: find("data", d).map(data_limit),
            sms_mt: find("smsMT", mt).map(sms_limit),
            sms_mo: find("smsMO", mo).map(sms_limit),
        },
    )
}

/// `GET /v1/sims/{service}/limits`: the first selectable limit of `data`,
/// `smsMT` or `smsMO`. (The route shares its segment with `{iccid}`.)
pub(crate) async fn options(Path(service): Path<String>) -> Outcome {
    let options = fleet::limit_options();
    let Some(list) = options.get(service.as_str()) else {
        return Err(bad(format!(
            "service {service:?} is not one of data, smsMO, smsMT"
        )));
    };
    let first = list[0];
    let mut answer = types::Limits {
        data: None,
        sms_mo: None,
        sms_mt: None,
    };
    match service.as_str() {
        "data" => answer.data = Some(data_limit(first)),
        "smsMT" => answer.sms_mt = Some(sms_limit(first)),
        _ => answer.sms_mo = Some(sms_limit(first)),
    }
    Ok(Answer::json(200, answer))
}

/// `POST /v1/sims/limits`: each id must be a selectable limit of its service.
pub(crate) async fn set(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<types::SetLimitsRequest>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let options = fleet::limit_options();
    let check = |id: Option<i64>, service: &str, field: &str| -> Result<Option<i64>, Refusal> {
        match id {
            Some(id) if !options[service].iter().any(|(o, _, _)| *o == id) => Err(bad(format!(
                "{field} {id} is not a selectable {service} limit"
            ))),
            other => Ok(other),
        }
    };
    let d = check(request.data_limit_id, "data", "dataLimitId")?;
    let mt = check(request.sms_mt_limit_id, "smsMT", "smsMtLimitId")?;
    let mo = check(request.sms_mo_limit_id, "smsMO", "smsMoLimitId")?;
    let mut data = shared.data_now();
    let (cd, cmt, cmo) = data.limits;
    data.limits = (d.unwrap_or(cd), mt.unwrap_or(cmt), mo.unwrap_or(cmo));
    Ok(Answer::empty(201))
}
