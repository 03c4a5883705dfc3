//! A SIM's daily usage (v1).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use chrono::{Duration as Days, NaiveDate};

use crate::sandbox::answer::{bad, Answer, Outcome, Refusal};
use crate::sandbox::fleet;
use crate::sandbox::state::Shared;

/// `GET /v1/sims/{iccid}/usage`: `start_dt`/`end_dt`, within the last six months.
pub(crate) async fn usage(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Outcome {
    let today = shared.now().date_naive();
    let date = |name: &str, default: NaiveDate| -> Result<NaiveDate, Refusal> {
        match query.get(name) {
            None => Ok(default),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| bad(format!("{name} must be YYYY-MM-DD, not {v:?}"))),
        }
    };
    let to = date("end_dt", today)?.min(today);
    // The output covers at most the last six months.
    let from = date("start_dt", to - Days::days(30))?.max(today - Days::days(183));
    if from > to {
        return Err(bad("start_dt is after end_dt"));
    }
    let data = shared.data_now();
    Ok(Answer::json(
        200,
        fleet::usage(shared.seed, data.record(&iccid)?, from, to),
    ))
}
