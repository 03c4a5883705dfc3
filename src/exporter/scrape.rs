//! `/metrics` served from stored bytes: the registry is encoded once per
//! change (and per format asked for), gzipped once when a scraper takes
//! gzip, so a burst of scrapes costs one encoding and no API call.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use prometheus_client::registry::Registry;

/// The text formats a scraper may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Prometheus,
    OpenMetrics,
}

impl Format {
    fn of(headers: &HeaderMap) -> Format {
        let open_metrics = headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("application/openmetrics-text"));
        if open_metrics {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    fn index(self) -> usize {
        match self {
            Format::Prometheus => 0,
            Format::OpenMetrics => 1,
        }
    }
}

fn wants_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            // `gzip;q=0` refuses it.
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// The bytes of one change, by format, plain and gzipped.
#[derive(Default)]
struct Stored {
    version: u64,
    plain: [Option<Bytes>; 2],
    gzip: [Option<Bytes>; 2],
}

/// The registry, a count of its changes, and the last encoding of each kind.
#[derive(Clone)]
pub(crate) struct Scrapes {
    registry: Arc<Registry>,
    changes: Arc<AtomicU64>,
    stored: Arc<tokio::sync::Mutex<Stored>>,
    encodings: Arc<AtomicU64>,
}

impl Scrapes {
    pub(crate) fn new(registry: Registry) -> Scrapes {
        Scrapes {
            registry: Arc::new(registry),
            changes: Arc::new(AtomicU64::new(1)),
            stored: Arc::default(),
            encodings: Arc::default(),
        }
    }

    /// The counter every change bumps (share it with whatever changes a metric).
    pub(crate) fn changes(&self) -> Arc<AtomicU64> {
        self.changes.clone()
    }

    /// How many times the registry was encoded.
    pub(crate) fn encodings(&self) -> u64 {
        self.encodings.load(Ordering::Relaxed)
    }

    fn encode(&self, format: Format) -> Result<Bytes, std::fmt::Error> {
        self.encodings.fetch_add(1, Ordering::Relaxed);
        let mut text = String::new();
        match format {
            Format::Prometheus => {
                prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)?
            }
            Format::OpenMetrics => {
                prometheus_client::encoding::text::encode(&mut text, &self.registry)?
            }
        }
        Ok(Bytes::from(text))
    }

    /// The bytes for this format, encoded only when something changed
    /// since they were stored.
    async fn bytes(&self, format: Format, gzip: bool) -> Result<Bytes, String> {
        let mut stored = self.stored.lock().await;
        let version = self.changes.load(Ordering::Acquire);
        if stored.version != version {
            *stored = Stored {
                version,
                ..Stored::default()
            };
        }
        let i = format.index();
        let plain = match &stored.plain[i] {
            Some(bytes) => bytes.clone(),
            None => {
                let this = self.clone();
                // A large fleet takes a while to encode: off the runtime's threads.
                let bytes = tokio::task::spawn_blocking(move || this.encode(format))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                stored.plain[i] = Some(bytes.clone());
                bytes
            }
        };
        if !gzip {
            return Ok(plain);
        }
        if let Some(bytes) = &stored.gzip[i] {
            return Ok(bytes.clone());
        }
        let zipped = tokio::task::spawn_blocking(move || {
            let mut zip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            zip.write_all(&plain)?;
            zip.finish()
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        let zipped = Bytes::from(zipped);
        stored.gzip[i] = Some(zipped.clone());
        Ok(zipped)
    }

    /// The answer to a scrape.
    pub(crate) async fn answer(&self, headers: &HeaderMap) -> Response {
        let (format, gzip) = (Format::of(headers), wants_gzip(headers));
        match self.bytes(format, gzip).await {
            Ok(body) => {
                let mut response = (
                    [
                        (header::CONTENT_TYPE, format.content_type()),
                        (header::VARY, "Accept, Accept-Encoding"),
                    ],
                    body,
                )
                    .into_response();
                if gzip {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                response
            }
            Err(error) => {
                tracing::warn!(%error, "the metrics could not be encoded");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the metrics could not be encoded\n",
                )
                    .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_taken_only_when_offered() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            wants_gzip(&h)
        };
        assert!(with("gzip"));
        assert!(with("deflate, GZIP;q=0.5"));
        assert!(!with("gzip;q=0"));
        assert!(!with("identity"));
        assert!(!with("x-gzip2"));
        assert!(!wants_gzip(&HeaderMap::new()));
    }
}
