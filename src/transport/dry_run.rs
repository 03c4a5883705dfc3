//! Dry runs of the real requests: a client built with a dry-run sink sends
//! every read as usual (so what a command plans is based on the real
//! state) and hands every write to the sink instead of sending it. What the
//! sink sees is exactly the request that would go out: the hook that sends
//! requests produces it, nothing is written by hand.

use std::fmt;
use std::sync::Arc;

/// A write a dry run did not send (serialised as `method`, `path` and `body`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PlannedWrite {
    /// The method (`POST`, `PUT`, `DELETE`).
    pub method: String,
    /// The path below the base URL, with the query (`/v1/sims/…/topup?payment_method=creditcard`).
    pub path: String,
    /// The JSON body, when it has one.
    pub body: Option<serde_json::Value>,
}

impl fmt::Display for PlannedWrite {
    /// `POST /v1/sims/8988…/sms {"payload":"reboot"}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(body) = &self.body {
            write!(f, " {body}")?;
        }
        Ok(())
    }
}

/// Where a dry run's writes go.
#[derive(Clone)]
pub(crate) struct Sink(pub(crate) Arc<dyn Fn(&PlannedWrite) + Send + Sync>);

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DryRunSink")
    }
}

/// The planned write for `request`, sent to `base_path`'s API.
pub(crate) fn planned(request: &reqwest::Request, base_path: &str) -> PlannedWrite {
    let url = request.url();
    let path = url.path().strip_prefix(base_path).unwrap_or(url.path());
    let path = match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    };
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .filter(|b| !b.is_empty())
        .map(|b| {
            serde_json::from_slice(b)
                .unwrap_or_else(|_| serde_json::json!(String::from_utf8_lossy(b)))
        });
    PlannedWrite {
        method: request.method().to_string(),
        path,
        body,
    }
}
