//! A receiver for 1NCE's Data Streamer: an axum [`Router`] that takes the
//! batches 1NCE posts (a JSON array of up to 3,000 event, usage or SMS
//! records; a legacy stream's single object too) at `/` and at any path
//! below it, checks Basic auth in constant time, and answers 200 only once
//! the batch is durably written to its [`Sink`], each record once (by its
//! kind and id: 1NCE's event and usage streams number apart). Batches that
//! arrive together share one write and one fsync.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use onence::streamer::{JsonLines, Receiver};
//! use onence::Secret;
//!
//! let sink = JsonLines::open("records.jsonl")?;
//! let app = Receiver::new("stream", Secret::new("a long password"), sink)?.router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! // Facing the internet: deadlines, connection caps, an allow-list.
//! let settings = onence::server::ServerSettings::new()
//!     .with_allow_from(onence::server::AddressList::onence_streamer());
//! onence::server::serve(listener, app, settings, None, std::future::pending()).await
//! # }
//! ```
//!
//! What it answers: 401 for a missing or wrong password, 413 for a body
//! over the bound, 400 for a body that is not JSON (nothing is written for
//! any of these), 503 when the sink cannot be reached (a database that is
//! down), 500 when it cannot write (1NCE resends either), and 200
//! with the batch on disk. A record is kept exactly as received (its text,
//! on one line), drifted fields and all.

mod batch;
#[cfg(any(feature = "streamer-sqlite", feature = "streamer-postgres"))]
mod columns;
mod commit;
mod jsonl;
#[cfg(feature = "streamer-postgres")]
mod postgres;
mod records;
mod sink;
#[cfg(feature = "streamer-sqlite")]
mod sqlite;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use subtle::ConstantTimeEq;

pub use batch::Line;
pub use jsonl::{JsonLines, DEFAULT_REMEMBERED_IDS};
#[cfg(feature = "streamer-postgres")]
pub use postgres::{Postgres, POSTGRES_SCHEMA_VERSION};
pub use records::{
    Coded, EventRecord, Record, RecordId, RecordKey, RecordKind, UsageRecord, Volume,
};
pub use sink::{Appended, Sink, Stored};
#[cfg(feature = "streamer-sqlite")]
pub use sqlite::{Sqlite, SCHEMA_VERSION};

use crate::transport::secret::Secret;
use commit::Committer;

/// The largest body taken by default: 3,000 records of the largest kind
/// (a PDP event, about 2.5 KB) with room to spare.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// Called with each batch once it is durable: the records of it that were
/// written (a resend's are not; drift included), and the counts.
pub type Observer = Arc<dyn Fn(&[Record], Appended) + Send + Sync>;

/// The receiver's settings. Its `Debug` shows the user, never the password.
#[derive(Clone)]
pub struct Receiver {
    user: String,
    password: Secret,
    committer: Committer,
    max_body: usize,
    observer: Option<Observer>,
    /// Whether the last store reached the sink (`/healthz`).
    reachable: Arc<AtomicBool>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("user", &self.user)
            .field("password", &self.password)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver that takes posts with Basic auth `user`:`password` (as
    /// configured on 1NCE's stream) and writes them to `sink`, from a
    /// writer thread of its own (the error is that thread not starting).
    pub fn new(
        user: impl Into<String>,
        password: Secret,
        sink: impl Sink,
    ) -> std::io::Result<Receiver> {
        Ok(Receiver {
            user: user.into(),
            password,
            committer: Committer::start(sink)?,
            max_body: DEFAULT_MAX_BODY,
            observer: None,
            reachable: Arc::new(AtomicBool::new(true)),
        })
    }

    /// The largest body taken (default [`DEFAULT_MAX_BODY`]); a larger one
    /// gets 413 and nothing is written.
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Receiver {
        self.max_body = bytes;
        self
    }

    /// Calls `observer` with each batch after it is written (to count
    /// records or consumption, as the exporter does).
    pub fn with_observer(mut self, observer: Observer) -> Receiver {
        self.observer = Some(observer);
        self
    }

    /// The routes: POST at `/` and at any path below it, and `GET
    /// /healthz`: 200 while the sink takes batches, 503 once it could not be
    /// reached (a database that is down) until a batch is stored again.
    pub fn router(self) -> Router {
        let limit = self.max_body;
        Router::new()
            .route("/", post(receive))
            .route("/healthz", get(health).post(receive))
            .route("/{*path}", post(receive))
            .layer(DefaultBodyLimit::max(limit))
            .with_state(Arc::new(self))
    }

    /// Whether `headers` carry this receiver's Basic auth. The comparison
    /// takes the same time wherever the first difference is.
    fn authorised(&self, headers: &HeaderMap) -> bool {
        let Some(sent) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
            .and_then(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()
            })
        else {
            return false;
        };
        let expected = format!("{}:{}", self.user, self.password.expose());
        sent.as_slice().ct_eq(expected.as_bytes()).into()
    }
}

/// A plain-text answer.
fn answer(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

async fn health(State(receiver): State<Arc<Receiver>>) -> Response {
    match receiver.reachable.load(Ordering::Relaxed) {
        true => answer(StatusCode::OK, "ok\n"),
        false => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "the sink could not be reached at the last batch\n",
        ),
    }
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !receiver.authorised(&headers) {
        let mut refused = answer(StatusCode::UNAUTHORIZED, "unauthorised\n");
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"onence streamer\""),
        );
        return refused;
    }
    let Some(lines) = batch::lines_of(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            "the body is not a JSON array or object\n",
        );
    };
    drop(body);
    let received = lines.len();
    match receiver.committer.commit(lines).await {
        Ok((lines, stored)) => {
            receiver.reachable.store(true, Ordering::Relaxed);
            let appended = stored.appended;
            tracing::info!(
                received,
                written = appended.written,
                duplicates = appended.duplicates,
                "batch stored"
            );
            if let Some(observer) = &receiver.observer {
                let written: Vec<Record> = stored
                    .written
                    .iter()
                    .map(|&i| Record::new(lines[i].value()))
                    .collect();
                observer(&written, appended);
            }
            answer(StatusCode::OK, "OK\n")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotConnected => {
            receiver.reachable.store(false, Ordering::Relaxed);
            tracing::error!(error = %e, "the sink cannot be reached; 1NCE will resend the batch");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "the sink cannot be reached; nothing was stored\n",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "the batch could not be stored; 1NCE will resend it");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the batch could not be stored\n",
            )
        }
    }
}
