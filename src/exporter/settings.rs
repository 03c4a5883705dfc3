//! How the exporter reads the API and what it serves: checked once, when
//! the settings are made, so that a bad value never reaches a running
//! exporter.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::transport::rate_limit::{Limit, RateLimits};

/// The slowest rate the exporter takes: one call every 100 seconds.
pub const MIN_RATE: f64 = 0.01;
/// The fastest: 1NCE's own limit on the SIM routes.
pub const MAX_RATE: f64 = 10.0;

/// Which SIMs get series of their own. The fleet's aggregates (SIMs by
/// status and by the share of their quota left, fleet totals) are served
/// whatever this is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SimSeries {
    /// Every SIM: its identity, status, IMEI lock, quotas, share left, read
    /// times and the data the Data Streamer reported (about 12 series a SIM).
    All,
    /// Only each quota (data or SMS) known to be below its share
    /// ([`SHARE`](super::SHARE) of the total): one series, the share left.
    /// A fleet of 100,000 SIMs of which a fifth run low on data and a fifth
    /// on SMS has about 40,000.
    #[default]
    Flagged,
    /// None: the aggregates only.
    None,
}

impl SimSeries {
    /// The name `--sim-series` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            SimSeries::All => "all",
            SimSeries::Flagged => "flagged",
            SimSeries::None => "none",
        }
    }
}

impl std::str::FromStr for SimSeries {
    type Err = Error;

    fn from_str(text: &str) -> Result<SimSeries> {
        match text {
            "all" => Ok(SimSeries::All),
            "flagged" => Ok(SimSeries::Flagged),
            "none" => Ok(SimSeries::None),
            other => Err(Error::invalid_input(format!(
                "the SIM series must be all, flagged or none, not {:?}",
                other.chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// How often the exporter lists the fleet, how fast it may call the API,
/// and which series it serves.
#[derive(Clone, Debug, PartialEq)]
pub struct ExporterSettings {
    interval: Duration,
    max_rate: f64,
    sim_series: SimSeries,
    sim_label: bool,
}

impl ExporterSettings {
    /// Lists the fleet every `interval` (1 second to 1 day) and makes at
    /// most `max_rate` calls a second (0.01 to 1NCE's 10), every call
    /// counted: list pages, quota reads, tokens and retries.
    pub fn new(interval: Duration, max_rate: f64) -> Result<ExporterSettings> {
        if !(Duration::from_secs(1)..=Duration::from_secs(86_400)).contains(&interval) {
            return Err(Error::invalid_input(format!(
                "the interval must be 1 s to 1 day, not {interval:?}"
            )));
        }
        if !(max_rate.is_finite() && (MIN_RATE..=MAX_RATE).contains(&max_rate)) {
            return Err(Error::invalid_input(format!(
                "the rate must be {MIN_RATE} to {MAX_RATE} calls a second, not {max_rate}"
            )));
        }
        Ok(ExporterSettings {
            interval,
            max_rate,
            sim_series: SimSeries::default(),
            sim_label: false,
        })
    }

    /// Every 10 minutes at 5 calls a second (half of 1NCE's SIM limit,
    /// the rest left to the account's other clients), flagged SIMs' series.
    pub fn standard() -> ExporterSettings {
        ExporterSettings {
            interval: Duration::from_secs(600),
            max_rate: 5.0,
            sim_series: SimSeries::default(),
            sim_label: false,
        }
    }

    /// Which SIMs get series of their own (default: [`SimSeries::Flagged`]).
    pub fn with_sim_series(mut self, series: SimSeries) -> ExporterSettings {
        self.sim_series = series;
        self
    }

    /// Whether `onence_sim_info` carries the SIM's free-text label (default
    /// no: a relabel would replace the series). Only with [`SimSeries::All`].
    pub fn with_sim_label(mut self, label: bool) -> ExporterSettings {
        self.sim_label = label;
        self
    }

    /// The time between two readings of the SIM list, and the age at which
    /// a quota read is due again.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The calls a second the exporter may make.
    pub fn max_rate(&self) -> f64 {
        self.max_rate
    }

    /// Which SIMs get series of their own.
    pub fn sim_series(&self) -> SimSeries {
        self.sim_series
    }

    /// Whether `onence_sim_info` carries the label.
    pub fn sim_label(&self) -> bool {
        self.sim_label
    }

    /// The calls one interval holds at `max_rate`.
    pub fn calls_per_interval(&self) -> f64 {
        self.max_rate * self.interval.as_secs_f64()
    }

    /// The client's rate limits: 1NCE's, and a hard cap of `max_rate` on
    /// every call, paced evenly.
    pub fn rate_limits(&self) -> RateLimits {
        // 1,000 calls per 1,000/rate seconds: the spacing is exact for any
        // rate in bounds (at 0.01, one call every 100 s).
        let cap = Limit::new(1000, Duration::from_secs_f64(1000.0 / self.max_rate));
        RateLimits::standard().with_every_call(Some(cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused_naming_them() {
        let second = Duration::from_secs(1);
        for rate in [0.0, -1.0, 0.001, 10.5, f64::NAN, f64::INFINITY] {
            let err = ExporterSettings::new(second, rate).unwrap_err().to_string();
            assert!(err.contains("the rate"), "{rate}: {err}");
        }
        for interval in [
            Duration::ZERO,
            Duration::from_millis(999),
            Duration::from_secs(86_401),
        ] {
            let err = ExporterSettings::new(interval, 5.0)
                .unwrap_err()
                .to_string();
            assert!(err.contains("the interval"), "{interval:?}: {err}");
        }
        let err = "some".parse::<SimSeries>().unwrap_err().to_string();
        assert!(
            err.contains("all, flagged or none") && err.contains("\"some\""),
            "{err}"
        );
        for series in [SimSeries::All, SimSeries::Flagged, SimSeries::None] {
            assert_eq!(series.as_str().parse::<SimSeries>().unwrap(), series);
        }
        let edge = ExporterSettings::new(second, MIN_RATE).unwrap();
        let cap = edge.rate_limits().every_call().unwrap();
        assert_eq!(cap.period() / cap.requests(), Duration::from_secs(100));
    }
}
