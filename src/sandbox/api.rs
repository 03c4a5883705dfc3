//! The sandbox's HTTP side: authentication, rate limits, faults, and the 29 operations.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use base64::Engine;
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::faults::{Fault, Faults};
use super::fleet::{self, SimRecord, SmsRecord};
use super::{Counters, SandboxBuilder, Tally};
use crate::clock::Clock;
use crate::rate_limit::{RateLimiters, Route};
use crate::secret::Secret;
use crate::types;

const JSON: &str = "application/json;charset=UTF-8";

/// Everything the handlers share.
pub(crate) struct Shared {
    seed: u64,
    base_url: String,
    expected_auth: Secret,
    latency: Duration,
    jitter: Duration,
    faults: Faults,
    token_lifetime: Duration,
    change_delay: Duration,
    limiters: RateLimiters,
    clock: Clock,
    epoch: DateTime<Utc>,
    drift: bool,
    writes: Mutex<Vec<crate::PlannedWrite>>,
    state: Mutex<Data>,
    tally: Tally,
}

/// The account's state.
struct Data {
    sims: BTreeMap<String, SimRecord>,
    tokens: HashMap<String, Duration>,
    sms: HashMap<String, Vec<SmsRecord>>,
    next_sms: i64,
    orders: Vec<types::Order>,
    next_order: i64,
    service_requests: Vec<types::ServiceRequest>,
    limits: (i64, i64, i64),
    pending: Vec<(Duration, types::SimUpdate)>,
    rng: fastrand::Rng,
}

/// An answer before it becomes HTTP.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

impl Answer {
    fn json(status: u16, body: impl Serialize) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: Some(serde_json::to_value(body).expect("models serialise")),
        }
    }
    fn empty(status: u16) -> Answer {
        Answer {
            status,
            headers: vec![],
            body: None,
        }
    }
    fn header(mut self, name: &str, value: String) -> Answer {
        self.headers.push((name.into(), value));
        self
    }
}

/// A refusal: 400 with `{"message"}` unless told otherwise.
struct Refusal(u16, String);

fn bad(message: impl Into<String>) -> Refusal {
    Refusal(400, message.into())
}

fn not_found(what: &str) -> Refusal {
    Refusal(404, format!("{what} not found."))
}

type Outcome = Result<Answer, Refusal>;

impl Shared {
    pub(crate) fn new(
        config: SandboxBuilder,
        base_url: String,
        user: String,
        secret: Secret,
    ) -> Shared {
        let epoch: DateTime<Utc> = std::time::SystemTime::now().into();
        let sims = (0..config.sims)
            .map(|i| {
                let record = fleet::sim(config.seed, i, epoch);
                (record.sim.iccid.clone().unwrap_or_default(), record)
            })
            .collect();
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", secret.expose()));
        let clock = Clock::system();
        Shared {
            seed: config.seed,
            base_url,
            expected_auth: Secret::new(format!("Basic {basic}")),
            latency: config.latency,
            jitter: config.jitter,
            faults: config.faults,
            token_lifetime: config.token_lifetime,
            change_delay: config.change_delay,
            limiters: RateLimiters::with_burst(&config.rate_limits, &clock, 1.0),
            clock,
            epoch,
            drift: config.drift,
            writes: Mutex::new(Vec::new()),
            state: Mutex::new(Data {
                sims,
                tokens: HashMap::new(),
                sms: HashMap::new(),
                next_sms: 1,
                orders: Vec::new(),
                next_order: 2_000_000_001,
                service_requests: Vec::new(),
                limits: (3, 12, 22),
                pending: Vec::new(),
                rng: fastrand::Rng::with_seed(config.seed),
            }),
            tally: Tally::default(),
        }
    }

    pub(crate) fn counters(&self) -> Counters {
        self.tally.snapshot()
    }

    pub(crate) fn writes(&self) -> Vec<crate::PlannedWrite> {
        self.writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn revoke_tokens(&self) {
        self.data().tokens.clear();
    }

    fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> DateTime<Utc> {
        self.epoch + Days::from_std(self.clock.now()).unwrap_or_default()
    }
}

/// The one handler: every request comes here.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 8 << 20)
        .await
        .unwrap_or_default();
    let Some(path) = parts.uri.path().strip_prefix("/management-api") else {
        return respond(Answer::json(404, json!({ "message": "Not Found" })));
    };
    let query: HashMap<String, String> = reqwest::Url::parse(&format!(
        "http://sandbox/?{}",
        parts.uri.query().unwrap_or("")
    ))
    .map(|u| u.query_pairs().into_owned().collect())
    .unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let template = template(&parts.method, &segments);
    shared.tally.with(|c| {
        *c.requests
            .entry(format!("{} {template}", parts.method))
            .or_default() += 1
    });

    if path == "/oauth/token" && parts.method == Method::POST {
        return respond(token(&shared, &parts.headers, &bytes).unwrap_or_else(refusal));
    }
    if !authorised(&shared, &parts.headers) {
        let body = json!({
            "timestamp": fleet::api_time(shared.now()), "status": 401, "error": "Unauthorized",
            "message": "Full authentication is required to access this resource", "path": parts.uri.path(),
        });
        return respond(Answer::json(401, body));
    }
    if !shared.limiters.try_acquire(Route::of(path)) {
        shared.tally.with(|c| c.rate_limited += 1);
        return respond(
            Answer::json(429, json!({ "message": "Too Many Requests" }))
                .header("Retry-After", "1".into()),
        );
    }
    let (pause, fault) = {
        let mut data = shared.data();
        let jitter = shared.jitter.mul_f64(data.rng.f64());
        let fault = if shared.faults.applies_to(parts.method.as_str(), path) {
            shared.faults.draw(&mut data.rng)
        } else {
            None
        };
        (shared.latency + jitter, fault)
    };
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
    if let Some(fault) = fault {
        let kind = match fault {
            Fault::Error(_) => "error",
            Fault::Throttle => "throttle",
            Fault::Drop => "drop",
            Fault::Malformed => "malformed",
            Fault::Late => "late",
        };
        shared
            .tally
            .with(|c| *c.faults.entry(kind.into()).or_default() += 1);
        match fault {
            Fault::Error(status) => {
                return respond(Answer::json(status, json!({ "message": "injected fault" })))
            }
            Fault::Throttle => {
                let after = shared.faults.retry_after_secs.to_string();
                return respond(
                    Answer::json(429, json!({ "message": "Too Many Requests" }))
                        .header("Retry-After", after),
                );
            }
            Fault::Drop | Fault::Malformed | Fault::Late => {}
        }
    }
    // Writes that reach an operation (past the rate limits and injected faults).
    if parts.method != Method::GET {
        let body = (!bytes.is_empty()).then(|| {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
        });
        let path = match parts.uri.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        };
        shared
            .writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(crate::PlannedWrite {
                method: parts.method.to_string(),
                path,
                body,
            });
    }
    let mut answer =
        operation(&shared, &parts.method, &segments, &query, &bytes).unwrap_or_else(refusal);
    if shared.drift && answer.status < 300 {
        if let Some(body) = answer.body.as_mut() {
            // The same request drifts the same way, so what a user saw can be seen again.
            let salt = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("")
                .bytes()
                .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
            super::drift::drift(body, shared.seed, salt);
        }
    }
    if parts.method == Method::POST && answer.status < 300 {
        shared.tally.with(|c| {
            *c.posts_applied
                .entry(format!("POST {template}"))
                .or_default() += 1
        });
    }
    if fault == Some(Fault::Late) {
        let late_by = match shared.faults.late_by {
            d if d.is_zero() => Duration::from_secs(60),
            d => d,
        };
        tokio::time::sleep(late_by).await;
    }
    match fault {
        Some(Fault::Drop) => broken(answer),
        Some(Fault::Malformed) => malformed(answer),
        _ => respond(answer),
    }
}

fn refusal(Refusal(status, message): Refusal) -> Answer {
    Answer::json(status, json!({ "message": message }))
}

fn respond(answer: Answer) -> Response {
    let mut builder = Response::builder().status(answer.status);
    for (k, v) in &answer.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = match answer.body {
        Some(value) => {
            builder = builder.header("content-type", JSON);
            Body::from(value.to_string())
        }
        None => {
            builder = builder.header("content-length", "0");
            Body::empty()
        }
    };
    builder.body(body).expect("a valid response")
}

/// Half the answer, then a broken connection.
fn broken(answer: Answer) -> Response {
    let text = answer
        .body
        .map(|b| b.to_string())
        .unwrap_or_else(|| "{}".into());
    let half = text[..text.len() / 2].to_string();
    let chunks: Vec<Result<String, std::io::Error>> = vec![
        Ok(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected drop",
        )),
    ];
    Response::builder()
        .status(answer.status)
        .header("content-type", JSON)
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .expect("a valid response")
}

/// The answer with its JSON cut short.
fn malformed(answer: Answer) -> Response {
    let text = answer
        .body
        .map(|b| b.to_string())
        .unwrap_or_else(|| "{\"id\":".into());
    let cut = text[..text.len().div_ceil(2)].to_string();
    let mut response = respond(Answer {
        body: None,
        ..answer
    });
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(JSON));
    response.headers_mut().remove("content-length");
    *response.body_mut() = Body::from(cut);
    response
}

/// The route's template, for the counters.
fn template(method: &Method, s: &[&str]) -> String {
    let generic = |i: usize, name: &str| {
        if s.len() > i {
            format!("{{{name}}}")
        } else {
            String::new()
        }
    };
    match s {
        ["oauth", "token"] => "/oauth/token".into(),
        ["v1", "sims", fixed]
            if ["topup", "autoTopup", "limits", "extension", "simTransfer"].contains(fixed) =>
        {
            format!("/v1/sims/{fixed}")
        }
        ["v1", "sims", _, "limits"] => "/v1/sims/{service}/limits".into(),
        ["v1", "sims", _, "sms", _] => "/v1/sims/{iccid}/sms/{id}".into(),
        ["v1", "sims", _, rest @ ..] => format!(
            "/v1/sims/{}{}{}",
            generic(2, "iccid"),
            if rest.is_empty() { "" } else { "/" },
            rest.join("/")
        ),
        ["v1", "orders", _] => "/v1/orders/{order_number}".into(),
        _ => {
            let _ = method;
            format!("/{}", s.join("/"))
        }
    }
}

/// `POST /oauth/token`: Basic credentials, a JSON or form body.
fn token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Outcome {
    let refuse = |code: &str, message: &str| {
        Ok(Answer::json(
            400,
            json!({ "statusCode": 400, "errorCode": code, "message": message }),
        ))
    };
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let grant = if content_type.starts_with("application/json") {
        serde_json::from_slice::<Value>(body).ok().and_then(|v| {
            v.get("grant_type")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        reqwest::Url::parse(&format!(
            "http://sandbox/?{}",
            String::from_utf8_lossy(body)
        ))
        .ok()
        .and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k == "grant_type")
                .map(|(_, v)| v.into_owned())
        })
    } else {
        return refuse("UnsupportedContentTypeError", "Content-Type not supported");
    };
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return refuse(
            "AuthValidationError",
            "Auth header validation error: Missing attributes 'username'",
        );
    };
    if auth != shared.expected_auth.expose() {
        return refuse(
            "CognitoAuthenticationError",
            "Incorrect username or password.",
        );
    }
    if grant.as_deref() != Some("client_credentials") {
        return refuse(
            "BodyValidationError",
            "Request body validation error: Missing attributes 'grant_type'",
        );
    }
    let mut data = shared.data();
    let value: String = (0..48)
        .map(|_| format!("{:016x}", data.rng.u64(..)))
        .collect();
    data.tokens
        .insert(value.clone(), shared.clock.now() + shared.token_lifetime);
    drop(data);
    shared.tally.with(|c| c.tokens_issued += 1);
    Ok(Answer::json(
        200,
        json!({
            "status_code": 200, "access_token": value, "token_type": "bearer",
            "expires_in": shared.token_lifetime.as_secs(), "userId": "user", "scope": "all",
        }),
    ))
}

fn authorised(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let now = shared.clock.now();
    shared
        .data()
        .tokens
        .get(token)
        .is_some_and(|expires| *expires > now)
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| bad(format!("invalid request body: {e}")))
}

/// `page` and `pageSize` of a list, checked against its maximum.
fn paging(query: &HashMap<String, String>, max: u64) -> Result<(u64, u64), Refusal> {
    let number = |name: &str, default: u64| -> Result<u64, Refusal> {
        match query.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| bad(format!("{name} must be a whole number, not {v:?}"))),
        }
    };
    let (page, size) = (number("page", 1)?, number("pageSize", 10)?);
    if page < 1 {
        return Err(bad("page must be at least 1"));
    }
    if !(1..=max).contains(&size) {
        return Err(bad(format!(
            "pageSize must be between 1 and {max}, not {size}"
        )));
    }
    Ok((page, size))
}

/// One page of `items`, with the four paging headers when `headers` is set.
fn page_of<T: Serialize + Clone>(
    items: &[T],
    page: u64,
    size: u64,
) -> (Vec<T>, Vec<(String, String)>) {
    let start = ((page - 1) * size) as usize;
    let slice = items
        .iter()
        .skip(start)
        .take(size as usize)
        .cloned()
        .collect();
    let total = items.len() as u64;
    let headers = vec![
        ("X-Total-Pages".into(), total.div_ceil(size).to_string()),
        ("X-Total-Count".into(), total.to_string()),
        ("X-Current-Page".into(), page.to_string()),
        ("X-Count-Per-Page".into(), size.to_string()),
    ];
    (slice, headers)
}

const SINGLE_PAYMENT: &[&str] = &["banktransfer", "creditcard", "monthlyinvoice", "boleto"];
const EXTENSION_PAYMENT: &[&str] = &["banktransfer", "creditcard", "boleto"];

fn payment(query: &HashMap<String, String>, allowed: &[&str]) -> Result<(), Refusal> {
    match query.get("payment_method") {
        Some(m) if !allowed.contains(&m.as_str()) => Err(bad("Payment method used is not valid.")),
        _ => Ok(()),
    }
}

/// Runs one of the 29 operations.
fn operation(
    shared: &Shared,
    method: &Method,
    s: &[&str],
    query: &HashMap<String, String>,
    body: &[u8],
) -> Outcome {
    let mut data = shared.data();
    apply_due_changes(shared, &mut data);
    let m = method.as_str();
    match (m, s) {
        ("GET", ["v1", "sims"]) => list_sims(&data, query),
        ("POST", ["v1", "sims"]) => {
            let updates: Vec<types::SimUpdate> = parse(body)?;
            if updates.is_empty() {
                return Err(bad("the list of SIM changes is empty"));
            }
            if let Some(u) = updates.iter().find(|u| !data.sims.contains_key(&u.iccid)) {
                return Err(not_found(&format!("SIM {}", u.iccid)));
            }
            queue(shared, &mut data, updates);
            Ok(Answer::empty(201))
        }
        ("POST", ["v1", "sims", "topup"]) => {
            payment(query, SINGLE_PAYMENT)?;
            let iccids: Vec<String> = parse(body)?;
            top_up(shared, &mut data, &iccids, types::OrderOrderType::BulkTopup)
        }
        ("POST", ["v1", "sims", "autoTopup"]) => {
            let request: types::AutoTopupRequest = parse(body)?;
            let enabled = request.enabled.ok_or_else(|| bad("enabled is missing"))?;
            known(&data, &request.iccids)?;
            for iccid in &request.iccids {
                data.sims.get_mut(iccid).expect("checked").auto_top_up = enabled;
            }
            Ok(Answer::empty(201))
        }
        ("GET", ["v1", "sims", "limits"]) => Ok(Answer::json(200, current_limits(&data))),
        ("POST", ["v1", "sims", "limits"]) => {
            let request: types::SetLimitsRequest = parse(body)?;
            let options = fleet::limit_options();
            let check =
                |id: Option<i64>, service: &str, field: &str| -> Result<Option<i64>, Refusal> {
                    match id {
                        Some(id) if !options[service].iter().any(|(o, _, _)| *o == id) => Err(bad(
                            format!("{field} {id} is not a selectable {service} limit"),
                        )),
                        other => Ok(other),
                    }
                };
            let d = check(request.data_limit_id, "data", "dataLimitId")?;
            let mt = check(request.sms_mt_limit_id, "smsMT", "smsMtLimitId")?;
            let mo = check(request.sms_mo_limit_id, "smsMO", "smsMoLimitId")?;
            let (cd, cmt, cmo) = data.limits;
            data.limits = (d.unwrap_or(cd), mt.unwrap_or(cmt), mo.unwrap_or(cmo));
            Ok(Answer::empty(201))
        }
        ("POST", ["v1", "sims", "extension"]) => {
            payment(query, EXTENSION_PAYMENT)?;
            let request: types::SimExtensionRequest = parse(body)?;
            if request.iccids.is_empty() {
                return Err(bad("iccids must hold at least one ICCID"));
            }
            known(&data, &request.iccids)?;
            if let Some(id) = request.product_id {
                if !fleet::products()
                    .iter()
                    .any(|p| p.id == Some(crate::Lenient::new(id)))
                {
                    return Err(bad(format!("productId {id} is not a product")));
                }
            }
            for iccid in &request.iccids {
                let record = data.sims.get_mut(iccid).expect("checked");
                record.data_left = fleet::DATA_MB;
                record.sms_left = fleet::SMS;
            }
            let number = new_order(
                shared,
                &mut data,
                types::OrderOrderType::TariffChange,
                &request.iccids,
            );
            Ok(Answer::empty(201).header(
                "Location",
                format!("{}/v1/orders/{number}", shared.base_url),
            ))
        }
        ("POST", ["v1", "sims", "simTransfer"]) => {
            let request: types::SimTransfer = parse(body)?;
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
            known(&data, &iccids)?;
            for iccid in &iccids {
                data.sims.remove(iccid);
            }
            Ok(Answer::empty(201))
        }
        ("GET", ["v1", "sims", service, "limits"]) => {
            let options = fleet::limit_options();
            let Some(list) = options.get(*service) else {
                return Err(bad(format!(
                    "service {service:?} is not one of data, smsMO, smsMT"
                )));
            };
            let (id, limit, unit) = list[0];
            let mut answer = types::Limits {
                data: None,
                sms_mo: None,
                sms_mt: None,
            };
            match *service {
                "data" => {
                    answer.data = Some(types::DataLimit {
                        id: Some(crate::Lenient::new(id)),
                        limit: Some(limit.into()),
                        unit: Some(unit.into()),
                    })
                }
                "smsMT" => {
                    answer.sms_mt = Some(types::SmsLimit {
                        id: Some(crate::Lenient::new(id)),
                        limit: Some(limit.into()),
                        unit: Some(unit.into()),
                    })
                }
                _ => {
                    answer.sms_mo = Some(types::SmsLimit {
                        id: Some(crate::Lenient::new(id)),
                        limit: Some(limit.into()),
                        unit: Some(unit.into()),
                    })
                }
            }
            Ok(Answer::json(200, answer))
        }
        ("GET", ["v1", "sims", iccid]) => Ok(match data.sims.get(*iccid) {
            Some(record) => Answer::json(200, &record.sim),
            // The real service answers an unknown ICCID with 200 and no body.
            None => Answer::empty(200),
        }),
        ("PUT", ["v1", "sims", iccid]) => {
            let update: types::SimUpdate = parse(body)?;
            if update.iccid != *iccid {
                return Err(bad(format!(
                    "iccid {:?} in the body differs from the path",
                    update.iccid
                )));
            }
            known(&data, &[iccid.to_string()])?;
            queue(shared, &mut data, vec![update]);
            Ok(Answer::empty(200))
        }
        ("GET", ["v1", "sims", iccid, "status"]) => Ok(Answer::json(
            200,
            connectivity(shared, record(&data, iccid)?),
        )),
        ("GET", ["v1", "sims", iccid, "connectivity_info"]) => {
            record(&data, iccid)?;
            let flag =
                |name: &str, default: bool| query.get(name).map(|v| v == "true").unwrap_or(default);
            let now = fleet::api_time(shared.now());
            let info = types::ConnectivityInfo {
                request_timestamp: Some(now.clone().into()),
                reply_timestamp: Some(now.into()),
                subscriber_info: flag("subscriber", true).then(|| types::SubscriberInfo {
                    age_of_location: Some(crate::Lenient::new(0)),
                    cell_global_id: Some(types::CellGlobalId {
                        cid: Some(crate::Lenient::new(5559)),
                        lac: Some(crate::Lenient::new(10458)),
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
        ("POST", ["v1", "sims", iccid, "reset"]) => {
            let now = fleet::api_time(shared.now());
            let record = data.sims.get_mut(*iccid).ok_or_else(|| not_found("SIM"))?;
            let mut event = fleet::events(shared.seed, record, shared.epoch).remove(0);
            event.timestamp = Some(now.into());
            event.event_type = Some("Connectivity reset".into());
            record.extra_events.push(event);
            Ok(Answer::empty(201))
        }
        ("GET", ["v1", "sims", iccid, "events"]) => {
            let (page, size) = paging(query, 1000)?;
            let mut events = fleet::events(shared.seed, record(&data, iccid)?, shared.epoch);
            if query
                .get("sort")
                .is_some_and(|s| s.starts_with("-timestamp"))
            {
                events.reverse();
            }
            let (items, headers) = page_of(&events, page, size);
            let total = events.len() as i64;
            let body = types::EventCollection {
                events: items,
                total_events: Some(crate::Lenient::new(total)),
                total_pages: Some(crate::Lenient::new((total + size as i64 - 1) / size as i64)),
            };
            let mut answer = Answer::json(200, body);
            answer.headers = headers;
            Ok(answer)
        }
        ("GET", ["v1", "sims", iccid, "usage"]) => {
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
            Ok(Answer::json(
                200,
                fleet::usage(shared.seed, record(&data, iccid)?, from, to),
            ))
        }
        ("GET", ["v1", "sims", iccid, "quota", kind @ ("data" | "sms")]) => {
            let record = record(&data, iccid)?;
            let (left, total, threshold) = if *kind == "data" {
                (
                    record.data_left,
                    record
                        .sim
                        .current_quota
                        .unwrap_or(crate::Lenient::new(fleet::DATA_MB)),
                    Some(1_000_000),
                )
            } else {
                (
                    record.sms_left,
                    record
                        .sim
                        .current_quota_sms
                        .unwrap_or(crate::Lenient::new(fleet::SMS)),
                    None,
                )
            };
            let quota = types::Quota {
                volume: Some(crate::Lenient::new(left)),
                total_volume: Some(total),
                expiry_date: Some(
                    fleet::api_time(shared.epoch + Days::days(3650)).replace('T', " ")[..19].into(),
                ),
                peak_throughput: threshold.map(crate::Lenient::new),
                last_volume_added: Some(if *kind == "data" {
                    crate::Lenient::new(fleet::TOP_UP_MB)
                } else {
                    crate::Lenient::new(fleet::TOP_UP_SMS)
                }),
                last_status_change_date: record.sim.activation_date.clone(),
                threshold_percentage: Some(crate::Lenient::new(20)),
            };
            Ok(Answer::json(200, quota))
        }
        ("GET", ["v1", "sims", iccid, "sms"]) => {
            let (page, size) = paging(query, 100)?;
            record(&data, iccid)?;
            let all: Vec<types::Sms> = data
                .sms
                .get(*iccid)
                .map(|l| l.iter().map(|r| sms_now(shared, r)).collect())
                .unwrap_or_default();
            // SMS lists come without paging headers, as on the real service.
            Ok(Answer::json(200, page_of(&all, page, size).0))
        }
        ("POST", ["v1", "sims", iccid, "sms"]) => {
            let message: types::SmsMessage = parse(body)?;
            if message.payload.as_deref().is_none_or(str::is_empty) {
                return Err(bad("payload is missing"));
            }
            let record = record(&data, iccid)?.clone();
            let id = data.next_sms;
            data.next_sms += 1;
            let sms = types::Sms {
                id: Some(crate::Lenient::new(id)),
                iccid: record.sim.iccid.clone(),
                msisdn: record.sim.msisdn.clone(),
                imsi: record.sim.imsi.clone(),
                payload: message.payload,
                udh: message.udh,
                source_address: message.source_address,
                source_address_type: message.source_address_type.map(|t| {
                    types::SourceAddressTypeReceived {
                        id: t.id.map(|id| crate::Lenient::new(*id)),
                    }
                }),
                submit_date: Some(fleet::api_time(shared.now()).into()),
                expiry_date: message.expiry_date.map(Into::into),
                sms_type: Some(types::SmsType {
                    id: Some(crate::Lenient::new(1)),
                    description: Some(types::SmsTypeDescription::Mt),
                }),
                status: Some(types::SmsStatus {
                    id: Some(crate::Lenient::new(1)),
                    description: Some("BUFFERED".into()),
                }),
                ..Default::default()
            };
            let submitted_ms = shared.clock.now().as_millis();
            data.sms
                .entry(iccid.to_string())
                .or_default()
                .push(SmsRecord { sms, submitted_ms });
            Ok(Answer::empty(201).header(
                "Location",
                format!("{}/v1/sims/{iccid}/sms/{id}", shared.base_url),
            ))
        }
        ("GET", ["v1", "sims", iccid, "sms", id]) => {
            record(&data, iccid)?;
            let found = find_sms(&data, iccid, id).ok_or_else(|| not_found("SMS"))?;
            Ok(Answer::json(200, sms_now(shared, found)))
        }
        ("DELETE", ["v1", "sims", iccid, "sms", id]) => {
            record(&data, iccid)?;
            let found = find_sms(&data, iccid, id).ok_or_else(|| not_found("SMS"))?;
            if sms_delivered(shared, found) {
                return Err(bad("the SMS was delivered already and cannot be cancelled"));
            }
            let wanted = found.sms.id;
            data.sms
                .get_mut(*iccid)
                .expect("found")
                .retain(|r| r.sms.id != wanted);
            Ok(Answer::empty(200))
        }
        ("POST", ["v1", "sims", iccid, "topup"]) => {
            payment(query, SINGLE_PAYMENT)?;
            top_up(
                shared,
                &mut data,
                &[iccid.to_string()],
                types::OrderOrderType::Topup,
            )
        }
        ("GET", ["v1", "orders"]) => {
            let (page, size) = paging(query, 10)?;
            let mut orders = data.orders.clone();
            orders.sort_by_key(|o| o.order_number);
            // Order lists come without paging headers, as on the real service.
            Ok(Answer::json(200, page_of(&orders, page, size).0))
        }
        ("POST", ["v1", "orders"]) => {
            let order: types::NewOrder = parse(body)?;
            if order.products.is_empty() {
                return Err(bad("products must list at least one product"));
            }
            let catalogue = fleet::products();
            let mut products = Vec::new();
            for (i, p) in order.products.iter().enumerate() {
                let id = p
                    .product_id
                    .ok_or_else(|| bad(format!("products[{i}].productId is missing")))?;
                if !catalogue
                    .iter()
                    .any(|c| c.id == Some(crate::Lenient::new(id)))
                {
                    return Err(bad(format!(
                        "products[{i}].productId {id} is not a product"
                    )));
                }
                let quantity = p
                    .quantity
                    .ok_or_else(|| bad(format!("products[{i}].quantity is missing")))?;
                products.push(types::OrderProduct {
                    product_id: Some(crate::Lenient::new(id)),
                    quantity: Some(crate::Lenient::new(quantity.get() as i64)),
                });
            }
            let number = new_order(
                shared,
                &mut data,
                types::OrderOrderType::AdditionalOrder,
                &[],
            );
            if let Some(created) = data.orders.last_mut() {
                created.products = products;
                // The same fields, read back as the API would answer them.
                created.shipping_address = order
                    .delivery_address
                    .and_then(|a| serde_json::to_value(a).ok())
                    .and_then(|a| serde_json::from_value(a).ok());
            }
            Ok(Answer::empty(201).header(
                "Location",
                format!("{}/v1/orders/{number}", shared.base_url),
            ))
        }
        ("GET", ["v1", "orders", number]) => {
            let number: i64 = number
                .parse()
                .map_err(|_| bad(format!("order_number {number:?} is not a number")))?;
            let order = data
                .orders
                .iter()
                .find(|o| o.order_number == Some(crate::Lenient::new(number)))
                .ok_or_else(|| not_found("Order"))?;
            Ok(Answer::json(200, order))
        }
        ("GET", ["v1", "products"]) => Ok(Answer::json(200, fleet::products())),
        ("GET", ["v1", "support"]) => {
            let (page, size) = paging(query, 100)?;
            let (items, headers) = page_of(&data.service_requests, page, size);
            let mut answer = Answer::json(200, items);
            answer.headers = headers;
            Ok(answer)
        }
        ("POST", ["v1", "support"]) => {
            let request: types::NewServiceRequest = parse(body)?;
            let subject = request
                .subject
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| bad("subject is missing"))?;
            let text = request
                .text
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| bad("text is missing"))?;
            let now: crate::timestamp::Timestamp = fleet::api_time(shared.now()).into();
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
        _ => Err(Refusal(404, format!("no operation {m} /{}", s.join("/")))),
    }
}

fn list_sims(data: &Data, query: &HashMap<String, String>) -> Outcome {
    let (page, size) = paging(query, 100)?;
    let mut sims: Vec<&types::Sim> = data.sims.values().map(|r| &r.sim).collect();
    if let Some(filter) = query.get("q").filter(|q| !q.is_empty()) {
        for criterion in filter.split(',') {
            let (field, value) = criterion
                .split_once(':')
                .ok_or_else(|| bad(format!("q: {criterion:?} is not field:value")))?;
            match field {
                "imei" => sims.retain(|s| s.imei.as_deref() == Some(value)),
                "ip_address" => sims.retain(|s| s.ip_address.as_deref() == Some(value)),
                other => {
                    return Err(bad(format!(
                        "q: cannot filter by {other:?}; use imei or ip_address"
                    )))
                }
            }
        }
    }
    if let Some(sort) = query.get("sort").filter(|s| !s.is_empty()) {
        for key in sort.split(',').rev() {
            let (descending, field) = key.strip_prefix('-').map_or((false, key), |f| (true, f));
            // IP addresses sort as addresses, not as text.
            let pick = |s: &types::Sim| -> (Option<std::net::Ipv4Addr>, Option<String>) {
                match field {
                    "imei" => (None, s.imei.clone()),
                    _ => (
                        s.ip_address.as_deref().and_then(|ip| ip.parse().ok()),
                        s.ip_address.clone(),
                    ),
                }
            };
            if !["imei", "ip_address"].contains(&field) {
                return Err(bad(format!(
                    "sort: cannot sort by {field:?}; use imei or ip_address"
                )));
            }
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
    let (items, headers) = page_of(&sims, page, size);
    let items: Vec<types::Sim> = items.into_iter().cloned().collect();
    let mut answer = Answer::json(200, items);
    answer.headers = headers;
    Ok(answer)
}

fn record<'a>(data: &'a Data, iccid: &str) -> Result<&'a SimRecord, Refusal> {
    data.sims.get(iccid).ok_or_else(|| not_found("SIM"))
}

fn known(data: &Data, iccids: &[String]) -> Result<(), Refusal> {
    match iccids.iter().find(|i| !data.sims.contains_key(*i)) {
        Some(missing) => Err(not_found(&format!("SIM {missing}"))),
        None => Ok(()),
    }
}

/// SIM changes take effect after the change delay, as the real service queues them.
fn queue(shared: &Shared, data: &mut Data, updates: Vec<types::SimUpdate>) {
    let due = shared.clock.now() + shared.change_delay;
    data.pending.extend(updates.into_iter().map(|u| (due, u)));
}

fn apply_due_changes(shared: &Shared, data: &mut Data) {
    let now = shared.clock.now();
    let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut data.pending)
        .into_iter()
        .partition(|(t, _)| *t <= now);
    data.pending = later;
    for (_, update) in due {
        if let Some(record) = data.sims.get_mut(&update.iccid) {
            let status = match update.status {
                types::SimUpdateStatus::Enabled => types::SimStatus::Enabled,
                types::SimUpdateStatus::Disabled => types::SimStatus::Disabled,
            };
            if record.sim.status != Some(status.clone()) {
                let mut event = fleet::events(shared.seed, record, shared.epoch).remove(0);
                event.timestamp = Some(fleet::api_time(shared.now()).into());
                event.event_type = Some(format!("Status of SIM changed to '{status}'"));
                record.extra_events.push(event);
            }
            record.sim.status = Some(status);
            record.sim.imei_lock = Some(update.imei_lock);
            if update.label.is_some() {
                record.sim.label = update.label;
            }
        }
    }
}

fn top_up(
    shared: &Shared,
    data: &mut Data,
    iccids: &[String],
    kind: types::OrderOrderType,
) -> Outcome {
    if iccids.is_empty() {
        return Err(bad("the list of ICCIDs is empty"));
    }
    if let Some(missing) = iccids.iter().find(|i| !data.sims.contains_key(*i)) {
        return Err(Refusal(404, format!("SIM {missing} not found.")));
    }
    for iccid in iccids {
        let record = data.sims.get_mut(iccid).expect("checked");
        record.data_left += fleet::TOP_UP_MB;
        record.sms_left += fleet::TOP_UP_SMS;
        record.sim.current_quota = Some(
            (*record
                .sim
                .current_quota
                .unwrap_or(crate::Lenient::new(fleet::DATA_MB))
                + fleet::TOP_UP_MB)
                .into(),
        );
        record.sim.current_quota_sms = Some(
            (*record
                .sim
                .current_quota_sms
                .unwrap_or(crate::Lenient::new(fleet::SMS))
                + fleet::TOP_UP_SMS)
                .into(),
        );
        record.refresh_quota_status();
    }
    shared
        .tally
        .with(|c| c.top_ups_applied += iccids.len() as u64);
    let number = new_order(shared, data, kind, iccids);
    Ok(Answer::empty(201).header(
        "Location",
        format!("{}/v1/orders/{number}", shared.base_url),
    ))
}

fn new_order(
    shared: &Shared,
    data: &mut Data,
    kind: types::OrderOrderType,
    iccids: &[String],
) -> i64 {
    let number = data.next_order;
    data.next_order += 1;
    let sims = iccids
        .iter()
        .map(|iccid| types::OrderSim {
            iccid: Some(iccid.clone()),
            links: vec![types::Link {
                rel: Some("self".into()),
                href: Some(format!("{}/v1/sims/{iccid}", shared.base_url)),
            }],
        })
        .collect();
    data.orders.push(types::Order {
        order_number: Some(crate::Lenient::new(number)),
        order_type: Some(kind),
        order_date: Some(fleet::api_time(shared.now()).into()),
        order_status: Some("COMPLETED".into()),
        invoice_number: Some(format!("{}", 20_000_000 + number % 1_000_000)),
        invoice_amount: Some("10.00".into()),
        currency: Some("EUR".into()),
        shipping_address: None,
        sims,
        products: Vec::new(),
    });
    number
}

fn current_limits(data: &Data) -> types::Limits {
    let options = fleet::limit_options();
    let find = |service: &str, id: i64| options[service].iter().find(|(o, _, _)| *o == id).copied();
    let (d, mt, mo) = data.limits;
    let sms = |o: Option<(i64, &str, &str)>| {
        o.map(|(id, l, u)| types::SmsLimit {
            id: Some(crate::Lenient::new(id)),
            limit: Some(l.into()),
            unit: Some(u.into()),
        })
    };
    types::Limits {
        data: find("data", d).map(|(id, l, u)| types::DataLimit {
            id: Some(crate::Lenient::new(id)),
            limit: Some(l.into()),
            unit: Some(u.into()),
        }),
        sms_mt: sms(find("smsMT", mt)),
        sms_mo: sms(find("smsMO", mo)),
    }
}

fn connectivity(shared: &Shared, record: &SimRecord) -> types::Connectivity {
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

fn find_sms<'a>(data: &'a Data, iccid: &str, id: &str) -> Option<&'a SmsRecord> {
    let id: i64 = id.parse().ok()?;
    data.sms
        .get(iccid)?
        .iter()
        .find(|r| r.sms.id == Some(crate::Lenient::new(id)))
}

fn sms_delivered(shared: &Shared, record: &SmsRecord) -> bool {
    shared.clock.now().as_millis() >= record.submitted_ms + shared.change_delay.as_millis()
}

/// The SMS as it stands now: delivered once the change delay has passed.
fn sms_now(shared: &Shared, record: &SmsRecord) -> types::Sms {
    let mut sms = record.sms.clone();
    if sms_delivered(shared, record) {
        sms.status = Some(types::SmsStatus {
            id: Some(crate::Lenient::new(4)),
            description: Some("DELIVERED".into()),
        });
        sms.delivery_date = sms.submit_date.clone();
    }
    sms
}
