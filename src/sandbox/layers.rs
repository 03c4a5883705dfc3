//! What every request goes through before and after its handler, as axum
//! middleware: counting by route, authentication, rate limits, injected
//! faults and latency, the record of writes, and drift. Handlers see only
//! requests that passed them all.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, OriginalUri, Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::answer::{Answer, JSON};
use super::faults::Fault;
use super::fleet;
use super::state::Shared;
use super::wire::Wire;
use crate::transport::rate_limit::Route;
use futures_util::StreamExt;

/// The largest request body the sandbox reads.
const MAX_REQUEST: usize = 8 << 20;

/// `GET /v1/sims/{iccid}`: the route's template below the base path.
fn route_of(request: &Request) -> String {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or_else(|| request.uri().path());
    let template = template.strip_prefix("/management-api").unwrap_or(template);
    format!("{} {template}", request.method())
}

/// The path below the base path.
fn api_path(request: &Request) -> &str {
    let path = request.uri().path();
    path.strip_prefix("/management-api").unwrap_or(path)
}

/// Counts every request by its route.
pub(crate) async fn count(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let route = route_of(&request);
    shared
        .tally
        .with(|c| *c.requests.entry(route).or_default() += 1);
    next.run(request).await
}

/// Lets through only requests with a live bearer token; others get the
/// service's Spring-style 401.
pub(crate) async fn authenticate(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let now = shared.clock.now();
    let live = token.is_some_and(|t| shared.data().tokens.get(t).is_some_and(|e| *e > now));
    if live {
        return next.run(request).await;
    }
    // The path as sent, base path included, as Spring reports it.
    let path = request.extensions().get::<OriginalUri>().map_or_else(
        || request.uri().path().to_string(),
        |u| u.path().to_string(),
    );
    let body = json!({
        "timestamp": fleet::api_time(shared.now()), "status": 401, "error": "Unauthorized",
        "message": "Full authentication is required to access this resource",
        "path": path,
    });
    Answer::json(401, body).into_response()
}

/// Answers 429 past the route's rate limit.
pub(crate) async fn rate_limit(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if shared
        .limiters
        .try_acquire(Route::of(request.method(), api_path(&request)))
    {
        return next.run(request).await;
    }
    shared.tally.with(|c| c.rate_limited += 1);
    Answer::json(429, json!({ "message": "Too Many Requests" }))
        .header("Retry-After", "1".into())
        .into_response()
}

/// Waits the latency (and jitter), then injects the fault drawn for the
/// request, if any: an error or a 429 instead of the operation; a dropped
/// connection, cut JSON or a late answer after it.
pub(crate) async fn faults(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let (pause, fault) = {
        let mut data = shared.data();
        let jitter = shared.jitter.mul_f64(data.rng.f64());
        let fault = if shared
            .faults
            .applies_to(request.method().as_str(), api_path(&request))
        {
            shared.faults.draw(&mut data.rng)
        } else {
            None
        };
        (shared.latency + jitter, fault)
    };
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    let kind = match fault {
        Fault::Error(_) => "error",
        Fault::Throttle => "throttle",
        Fault::Drop => "drop",
        Fault::CutHead => "cut-head",
        Fault::CutBody => "cut-body",
        Fault::Malformed => "malformed",
        Fault::Late => "late",
    };
    shared
        .tally
        .with(|c| *c.faults.entry(kind.into()).or_default() += 1);
    match fault {
        Fault::Error(status) => {
            Answer::json(status, json!({ "message": "injected fault" })).into_response()
        }
        Fault::Throttle => Answer::json(429, json!({ "message": "Too Many Requests" }))
            .header("Retry-After", shared.faults.retry_after_secs.to_string())
            .into_response(),
        Fault::Late => {
            let response = next.run(request).await;
            let late_by = match shared.faults.late_by {
                d if d.is_zero() => Duration::from_secs(60),
                d => d,
            };
            tokio::time::sleep(late_by).await;
            response
        }
        Fault::Drop | Fault::CutHead => {
            let wire = request
                .extensions()
                .get::<ConnectInfo<Wire>>()
                .map(|c| c.0.clone());
            let response = next.run(request).await;
            match wire {
                Some(wire) => {
                    // "HTTP/1.1 201 Cr": inside the status line.
                    wire.cut_after(if fault == Fault::Drop { 0 } else { HEAD_CUT });
                    response
                }
                // A router served without the sandbox's listener: the
                // answer fails before its first byte.
                None => broken_at_once(),
            }
        }
        Fault::CutBody => cut_body(next.run(request).await).await,
        Fault::Malformed => malformed(next.run(request).await).await,
    }
}

/// Where a head is cut: inside the status line (`HTTP/1.1 201 Cr`).
const HEAD_CUT: usize = 15;

/// Records every write that reaches an operation, as method, path with
/// query and JSON body (see `Sandbox::writes`).
pub(crate) async fn record_writes(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::GET {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST).await else {
        return Answer::json(413, json!({ "message": "request body too large" })).into_response();
    };
    let path = parts.uri.path();
    let path = path.strip_prefix("/management-api").unwrap_or(path);
    let path = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let recorded = (!bytes.is_empty()).then(|| {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)))
    });
    shared
        .writes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(crate::transport::dry_run::PlannedWrite {
            method: parts.method.to_string(),
            path,
            body: recorded,
        });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// After the operation: counts a POST that took effect, and in drift mode
/// reshapes a JSON success the way the real service drifts (the same
/// request drifts the same way, so what a user saw can be seen again).
pub(crate) async fn after(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    // Only what will be needed is worked out: this runs on every request.
    let post_route = (request.method() == Method::POST).then(|| route_of(&request));
    let salt = shared.drift.then(|| {
        request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("")
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
    });
    let response = next.run(request).await;
    let success = response.status().is_success();
    if let Some(route) = post_route.filter(|_| success) {
        shared
            .tally
            .with(|c| *c.posts_applied.entry(route).or_default() += 1);
    }
    let is_json = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let Some(salt) = salt.filter(|_| success && is_json) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    super::drift::drift(&mut value, shared.seed, salt);
    let mut response = Response::from_parts(parts, Body::from(value.to_string()));
    let headers = response.headers_mut();
    headers.remove("content-length");
    if headers.contains_key(super::drift::PAGE_COUNT_HEADER) {
        headers.insert(
            super::drift::PAGE_COUNT_HEADER,
            HeaderValue::from_static(super::drift::DRIFTED_PAGE_COUNT),
        );
    }
    response
}

/// The whole head, with a `Content-Length` that promises the whole body,
/// and half the body; then, once that was surely sent (the pause lets the
/// server flush it), a reset. An empty body is promised as `{}`.
async fn cut_body(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let text = if bytes.is_empty() {
        bytes::Bytes::from_static(b"{}")
    } else {
        bytes
    };
    // Bytes, not text: a cut inside a character is what a broken connection gives too.
    let half = text.slice(..text.len() / 2);
    let promised = text.len();
    let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(half)]).chain(
        futures_util::stream::once(async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected fault: cut body",
            ))
        }),
    );
    let mut response = Response::from_parts(parts, Body::from_stream(chunks));
    response
        .headers_mut()
        .insert("content-length", HeaderValue::from(promised));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(JSON));
    response
}

/// An answer whose body fails before its first byte: the server closes the
/// connection without sending the head.
fn broken_at_once() -> Response {
    let chunks = futures_util::stream::iter([Err::<bytes::Bytes, _>(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "injected fault: dropped",
    ))]);
    Response::new(Body::from_stream(chunks))
}

/// The answer with its JSON cut short.
async fn malformed(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let text = if bytes.is_empty() {
        bytes::Bytes::from_static(b"{\"id\":")
    } else {
        bytes
    };
    let cut = text.slice(..text.len().div_ceil(2));
    let mut response = Response::from_parts(parts, Body::from(cut));
    response.headers_mut().remove("content-length");
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static(JSON));
    response
}
