//! Prometheus metrics of a 1NCE fleet, read continuously within a hard
//! budget of calls: a scrape never calls the API, it is served the stored
//! encoding of what is known. With the Data Streamer receiver mounted
//! beside it, usage lowers a SIM's data left and quota events flag it at
//! once, at no API cost.
//!
//! ```no_run
//! # #[cfg(feature = "exporter")]
//! # async fn run() -> onence::Result<()> {
//! use onence::exporter::{Exporter, ExporterSettings, SimSeries};
//! use std::time::Duration;
//!
//! let settings = ExporterSettings::new(Duration::from_secs(600), 5.0)?
//!     .with_sim_series(SimSeries::Flagged);
//! let exporter = Exporter::new(settings);
//! let client = onence::Client::builder_from_env()?
//!     .rate_limits(exporter.settings().rate_limits())
//!     .on_attempt(exporter.attempt_observer())
//!     .build()?;
//! tokio::spawn(exporter.clone().run(client));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9464").await.unwrap();
//! axum::serve(listener, exporter.router()).await.unwrap();
//! # Ok(())
//! # }
//! ```
//!
//! How the calls are spent: the SIM list every interval (100 SIMs a call,
//! each page published as it arrives); between lists, quota reads, the
//! SIMs the list or the streamer flags first, then the quota read longest
//! ago, each at most once an interval. The client's cap
//! ([`ExporterSettings::rate_limits`]) counts every call, tokens and
//! retries included. A fleet too large for its interval is read more
//! slowly, and says so: `onence_cycle_calls` against
//! `onence_cycle_budget_calls`, the oldest read's time, and a log line
//! naming the settings that would fit. The metric names are fixed; see the
//! README.

mod encode;
mod feed;
mod schedule;
mod scrape;
mod settings;
mod state;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

pub use settings::{ExporterSettings, SimSeries, MAX_RATE, MIN_RATE};
pub use state::{QuotaPart, BYTES_PER_MB, SHARE};

use crate::api::generated::Client;
use crate::api::types;
use crate::model::Iccid;
use crate::transport::observe::Attempt;
use encode::FleetCollector;
use scrape::Scrapes;
use state::FleetState;

/// Labels of a request count.
type RequestLabels = Vec<(&'static str, String)>;

/// The exporter: what it knows of the fleet, its metrics, and the loop
/// that spends its calls. Clones share everything.
#[derive(Clone)]
pub struct Exporter {
    settings: ExporterSettings,
    state: Arc<RwLock<FleetState>>,
    scrapes: Scrapes,
    /// Bumped on every change of a metric, so a scrape knows its stored bytes are stale.
    changes: Arc<AtomicU64>,
    /// Wakes the loop when the streamer makes a read urgent.
    wake: Arc<tokio::sync::Notify>,
    api_requests: Family<RequestLabels, Counter>,
    refresh_duration: Gauge<f64, AtomicU64>,
    last_success: Gauge<f64, AtomicU64>,
    refresh_errors: Counter,
    streamer_records: Family<Vec<(&'static str, &'static str)>, Counter>,
    streamer_last: Gauge<f64, AtomicU64>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exporter")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Exporter {
    /// An exporter that knows nothing yet.
    pub fn new(settings: ExporterSettings) -> Exporter {
        let state = Arc::new(RwLock::new(FleetState::default()));
        let mut registry = Registry::default();
        let api_requests = Family::<RequestLabels, Counter>::default();
        let refresh_duration = Gauge::<f64, AtomicU64>::default();
        let last_success = Gauge::<f64, AtomicU64>::default();
        let refresh_errors = Counter::default();
        let streamer_records = Family::default();
        let streamer_last = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "onence_api_requests",
            "API calls the exporter made, by operation and status (none: no answer)",
            api_requests.clone(),
        );
        registry.register_with_unit(
            "onence_refresh_duration",
            "How long the last whole reading of the SIM list took",
            Unit::Seconds,
            refresh_duration.clone(),
        );
        registry.register_with_unit(
            "onence_refresh_last_success_timestamp",
            "When the SIM list was last read whole (Unix time)",
            Unit::Seconds,
            last_success.clone(),
        );
        registry.register(
            "onence_refresh_errors",
            "List pages and quota reads that failed (the last good values are still served)",
            refresh_errors.clone(),
        );
        registry.register(
            "onence_streamer_records",
            "Data Streamer records received, by kind (resends not counted)",
            streamer_records.clone(),
        );
        registry.register_with_unit(
            "onence_streamer_last_record_timestamp",
            "When the Data Streamer last delivered a new record (Unix time)",
            Unit::Seconds,
            streamer_last.clone(),
        );
        registry.register_collector(Box::new(FleetCollector {
            state: state.clone(),
            settings: settings.clone(),
        }));
        let scrapes = Scrapes::new(registry);
        Exporter {
            settings,
            state,
            changes: scrapes.changes(),
            scrapes,
            wake: Arc::default(),
            api_requests,
            refresh_duration,
            last_success,
            refresh_errors,
            streamer_records,
            streamer_last,
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &ExporterSettings {
        &self.settings
    }

    fn read_state(&self) -> RwLockReadGuard<'_, FleetState> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write_state(&self) -> RwLockWriteGuard<'_, FleetState> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts each API call into `onence_api_requests_total`: give it to
    /// the client with [`ClientBuilder::on_attempt`](crate::ClientBuilder::on_attempt).
    pub fn attempt_observer(&self) -> impl Fn(&Attempt) + Send + Sync + 'static {
        let family = self.api_requests.clone();
        let changes = self.changes.clone();
        move |attempt: &Attempt| {
            let code = attempt
                .status
                .map_or_else(|| "none".to_string(), |s| s.to_string());
            family
                .get_or_create(&vec![
                    ("operation", attempt.operation.to_string()),
                    ("code", code),
                ])
                .inc();
            changes.fetch_add(1, Ordering::Release);
        }
    }

    /// Reads the fleet forever within the settings' budget (spawn it).
    /// The client should be built with [`ExporterSettings::rate_limits`]:
    /// its cap is what keeps the budget.
    pub async fn run(self, client: Client) {
        self.schedule(client).await;
    }

    /// Takes a page of the SIM list read elsewhere, as if the exporter had
    /// read it (it adds and updates SIMs, never removes one).
    pub fn feed_list_page(&self, sims: &[types::Sim]) {
        let mut state = self.write_state();
        let generation = state.generation();
        state.apply_page(generation, sims, unix_now());
        drop(state);
        self.changes.fetch_add(1, Ordering::Release);
    }

    /// Takes a quota read elsewhere, as if the exporter had read it (a SIM
    /// not listed yet is ignored).
    pub fn feed_quota(&self, iccid: &Iccid, part: QuotaPart, quota: &types::Quota) {
        let volumes = schedule::volumes(part, quota);
        self.write_state().apply_read(
            iccid.as_str(),
            part,
            Some(volumes),
            Instant::now(),
            unix_now(),
        );
        self.changes.fetch_add(1, Ordering::Release);
    }

    /// How many times `/metrics` was encoded: once per change that a
    /// scrape saw, never once per scrape.
    pub fn encodings(&self) -> u64 {
        self.scrapes.encodings()
    }

    /// `/metrics` (OpenMetrics when the scraper asks for it, Prometheus
    /// text otherwise, gzipped when it takes gzip) and `/healthz`.
    pub fn router(&self) -> Router {
        let scrapes = self.scrapes.clone();
        let health = self.clone();
        Router::new()
            .route(
                "/metrics",
                get(move |headers: HeaderMap| async move { scrapes.answer(&headers).await }),
            )
            .route("/healthz", get(move || async move { health.health() }))
    }

    /// 200 while the SIM list is read whole (the last time within three
    /// intervals), 503 before the first time and once it stops.
    fn health(&self) -> Response {
        let last = self.last_success.get();
        let stale = self.settings.interval().as_secs_f64() * 3.0;
        if last <= 0.0 {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the SIM list has not been read whole yet\n",
            )
                .into_response()
        } else if unix_now() - last > stale {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the SIM list was last read whole too long ago\n",
            )
                .into_response()
        } else {
            (StatusCode::OK, "ok\n").into_response()
        }
    }
}
