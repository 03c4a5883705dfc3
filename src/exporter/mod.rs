//! Prometheus metrics of a 1NCE fleet, refreshed in the background within
//! the API's rate limit: a scrape never calls the API, it is served the
//! last good refresh. With the Data Streamer receiver mounted beside it,
//! consumption is counted live from usage records at no API cost.
//!
//! ```no_run
//! # #[cfg(feature = "exporter")]
//! # async fn run() -> onence::Result<()> {
//! use onence::exporter::{Exporter, ExporterSettings};
//! use std::time::Duration;
//!
//! let exporter = Exporter::new(ExporterSettings::new(Duration::from_secs(600), 5.0)?);
//! let client = onence::Client::builder_from_env()?
//!     .rate_limits(exporter.settings().rate_limits())
//!     .on_attempt(exporter.attempt_observer())
//!     .build()?;
//! tokio::spawn(exporter.clone().refresh_forever(client));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9464").await.unwrap();
//! axum::serve(listener, exporter.router()).await.unwrap();
//! # Ok(())
//! # }
//! ```
//!
//! Each refresh costs the list's pages (100 SIMs a call), a data quota read
//! per SIM the list flags as below 20%, and, with what is left of its
//! allowance (half of `max_rate` × `interval`), the data and SMS quotas of
//! the other SIMs in turn. The metric names are fixed; see the README.

mod fleet;
mod refresh;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::{Registry, Unit};

pub use fleet::BYTES_PER_MB;
pub use refresh::RefreshReport;

use crate::streamer::{Observer, Record};
use crate::{Attempt, Client, Error, Limit, RateLimits, Result};
use fleet::{Fleet, FleetCollector};

/// The share of `max_rate` × `interval` a refresh may spend: the rest is
/// left for other clients of the account, and for the refresh to finish
/// well within its interval.
const SHARE_OF_INTERVAL: f64 = 0.5;

/// How often the exporter refreshes and how fast it may call the API.
#[derive(Clone, Debug, PartialEq)]
pub struct ExporterSettings {
    interval: Duration,
    max_rate: f64,
}

impl ExporterSettings {
    /// Refreshes every `interval` (1 second to 1 day) at no more than
    /// `max_rate` calls a second (above 0, at most 1NCE's 10).
    pub fn new(interval: Duration, max_rate: f64) -> Result<ExporterSettings> {
        if !(Duration::from_secs(1)..=Duration::from_secs(86_400)).contains(&interval) {
            return Err(Error::invalid_input(format!(
                "the refresh interval must be 1 s to 1 day, not {interval:?}"
            )));
        }
        if !(max_rate.is_finite() && max_rate > 0.0 && max_rate <= 10.0) {
            return Err(Error::invalid_input(format!(
                "the rate must be above 0 and at most 10 calls a second, not {max_rate}"
            )));
        }
        Ok(ExporterSettings { interval, max_rate })
    }

    /// Every 10 minutes at 5 calls a second: half of 1NCE's SIM limit.
    pub fn standard() -> ExporterSettings {
        ExporterSettings {
            interval: Duration::from_secs(600),
            max_rate: 5.0,
        }
    }

    /// The time between refreshes.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The calls a second the exporter's client may make.
    pub fn max_rate(&self) -> f64 {
        self.max_rate
    }

    /// The calls one refresh may make.
    pub fn allowance(&self) -> usize {
        (self.max_rate * self.interval.as_secs_f64() * SHARE_OF_INTERVAL).floor() as usize
    }

    /// The client's rate limits for this rate: 1NCE's, with the SIM routes
    /// held to `max_rate`.
    pub fn rate_limits(&self) -> RateLimits {
        let limit = if self.max_rate >= 1.0 {
            Limit::new(self.max_rate.round() as u32, Duration::from_secs(1))
        } else {
            Limit::new(1, Duration::from_secs_f64(1.0 / self.max_rate))
        };
        RateLimits::standard().with_sims(Some(limit))
    }
}

/// Labels of a request count.
type RequestLabels = Vec<(&'static str, String)>;

/// The exporter: its metrics, and the refresh that keeps them. Clones
/// share everything.
#[derive(Clone)]
pub struct Exporter {
    settings: ExporterSettings,
    fleet: Arc<RwLock<Fleet>>,
    registry: Arc<Registry>,
    api_requests: Family<RequestLabels, Counter>,
    refresh_duration: Gauge<f64, AtomicU64>,
    last_success: Gauge<f64, AtomicU64>,
    refresh_errors: Counter,
    streamer_records: Family<Vec<(&'static str, &'static str)>, Counter>,
    data_used: Family<Vec<(&'static str, String)>, Counter<f64, AtomicU64>>,
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
    /// An exporter with nothing refreshed yet.
    pub fn new(settings: ExporterSettings) -> Exporter {
        let fleet = Arc::new(RwLock::new(Fleet::default()));
        let mut registry = Registry::default();
        let api_requests = Family::<RequestLabels, Counter>::default();
        let refresh_duration = Gauge::<f64, AtomicU64>::default();
        let last_success = Gauge::<f64, AtomicU64>::default();
        let refresh_errors = Counter::default();
        let streamer_records = Family::default();
        let data_used = Family::default();
        registry.register(
            "onence_api_requests",
            "API calls the exporter made, by operation and status (none: no answer)",
            api_requests.clone(),
        );
        registry.register_with_unit(
            "onence_refresh_duration",
            "How long the last refresh took",
            Unit::Seconds,
            refresh_duration.clone(),
        );
        registry.register_with_unit(
            "onence_refresh_last_success_timestamp",
            "When the last refresh succeeded (Unix time)",
            Unit::Seconds,
            last_success.clone(),
        );
        registry.register(
            "onence_refresh_errors",
            "Refreshes that failed (the last good values are still served)",
            refresh_errors.clone(),
        );
        registry.register(
            "onence_streamer_records",
            "Data Streamer records received, by kind (resends not counted)",
            streamer_records.clone(),
        );
        registry.register_with_unit(
            "onence_sim_data_used",
            "Data used as Data Streamer usage records report it (the API's MB as 2^20 bytes)",
            Unit::Bytes,
            data_used.clone(),
        );
        registry.register_collector(Box::new(FleetCollector(fleet.clone())));
        Exporter {
            settings,
            fleet,
            registry: Arc::new(registry),
            api_requests,
            refresh_duration,
            last_success,
            refresh_errors,
            streamer_records,
            data_used,
        }
    }

    /// Its settings.
    pub fn settings(&self) -> &ExporterSettings {
        &self.settings
    }

    /// Counts each API call into `onence_api_requests_total`: give it to
    /// the client with [`ClientBuilder::on_attempt`](crate::ClientBuilder::on_attempt).
    pub fn attempt_observer(&self) -> impl Fn(&Attempt) + Send + Sync + 'static {
        let family = self.api_requests.clone();
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
        }
    }

    /// Counts Data Streamer records and the data they report: give it to a
    /// [`Receiver`](crate::streamer::Receiver) with `with_observer`. Records
    /// the sink already had (resends) are not counted again.
    pub fn streamer_observer(&self) -> Observer {
        let records = self.streamer_records.clone();
        let used = self.data_used.clone();
        Arc::new(move |batch: &[Record], appended| {
            // The batch holds only what was written: resends are not counted.
            let _ = appended;
            for record in batch {
                records
                    .get_or_create(&vec![("kind", record.kind().as_str())])
                    .inc();
                let Some(usage) = record.usage().filter(|u| u.is_data()) else {
                    continue;
                };
                let (Some(iccid), Some(volume)) = (usage.iccid, usage.volume) else {
                    continue;
                };
                for (direction, mb) in [("tx", volume.tx), ("rx", volume.rx)] {
                    if let Some(mb) = mb.filter(|v| *v >= 0.0) {
                        used.get_or_create(&vec![
                            ("iccid", iccid.clone()),
                            ("direction", direction.to_string()),
                        ])
                        .inc_by(mb * BYTES_PER_MB);
                    }
                }
            }
        })
    }

    /// One refresh now: the fleet is replaced only when the list was read
    /// whole; a failure counts in `onence_refresh_errors_total` and the
    /// last good values stay.
    pub async fn refresh_once(
        &self,
        client: &Client,
        cursor: Option<&str>,
    ) -> Result<(RefreshReport, Option<String>)> {
        let started = std::time::Instant::now();
        let previous = match self.fleet.read() {
            Ok(fleet) => fleet.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let outcome = refresh::refresh(
            client,
            &previous,
            self.settings.allowance(),
            cursor,
            unix_now(),
        )
        .await;
        self.refresh_duration.set(started.elapsed().as_secs_f64());
        match outcome {
            Ok((fleet, report, cursor)) => {
                match self.fleet.write() {
                    Ok(mut held) => *held = fleet,
                    Err(poisoned) => *poisoned.into_inner() = fleet,
                }
                self.last_success.set(unix_now());
                Ok((report, cursor))
            }
            Err(e) => {
                self.refresh_errors.inc();
                Err(e)
            }
        }
    }

    /// Refreshes now and then every interval, forever (spawn it).
    pub async fn refresh_forever(self, client: Client) {
        let mut cursor: Option<String> = None;
        loop {
            let started = tokio::time::Instant::now();
            match self.refresh_once(&client, cursor.as_deref()).await {
                Ok((report, next)) => {
                    tracing::info!(
                        sims = report.sims,
                        calls = report.calls(),
                        failed_reads = report.failed_reads,
                        "fleet refreshed"
                    );
                    cursor = next;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the refresh failed; serving the last good values")
                }
            }
            tokio::time::sleep_until(started + self.settings.interval).await;
        }
    }

    /// `/metrics` (OpenMetrics when the scraper asks for it, Prometheus
    /// text otherwise) and `/healthz`.
    pub fn router(&self) -> Router {
        let metrics = self.clone();
        let health = self.clone();
        Router::new()
            .route(
                "/metrics",
                get(move |headers: HeaderMap| async move { metrics.metrics(&headers) }),
            )
            .route("/healthz", get(move || async move { health.health() }))
    }

    fn metrics(&self, headers: &HeaderMap) -> Response {
        let open_metrics = headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("application/openmetrics-text"));
        let mut text = String::new();
        let (encoded, content_type) = if open_metrics {
            (
                prometheus_client::encoding::text::encode(&mut text, &self.registry),
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )
        } else {
            (
                prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry),
                "text/plain; version=0.0.4; charset=utf-8",
            )
        };
        match encoded {
            Ok(()) => ([(header::CONTENT_TYPE, content_type)], text).into_response(),
            Err(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the metrics could not be encoded\n",
            )
                .into_response(),
        }
    }

    /// 200 while refreshes succeed (the last within three intervals), 503
    /// before the first and once they stop succeeding.
    fn health(&self) -> Response {
        let last = self.last_success.get();
        let stale = self.settings.interval.as_secs_f64() * 3.0;
        if last <= 0.0 {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "no refresh has succeeded yet\n",
            )
                .into_response()
        } else if unix_now() - last > stale {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the last successful refresh is too old\n",
            )
                .into_response()
        } else {
            (StatusCode::OK, "ok\n").into_response()
        }
    }
}
