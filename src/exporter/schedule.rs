//! The one loop that spends the exporter's calls: the SIM list every
//! interval, page by page, and between lists the quota reads the state
//! says are due, a few in flight. The client's cap on every call (see
//! [`ExporterSettings::rate_limits`](super::ExporterSettings::rate_limits))
//! keeps the pace, tokens and retries included; this loop only decides
//! what the next call is for, so nothing the list or a flagged SIM needs
//! waits behind a routine read.

use std::pin::pin;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;

use super::state::{QuotaPart, BYTES_PER_MB};
use super::{unix_now, Exporter};
use crate::api::generated::Client;
use crate::api::types;
use crate::error::Result;

/// Quota reads in flight at once: enough to keep the pace through the
/// API's latency, few enough that the list never waits long for them.
const IN_FLIGHT: usize = 4;

/// How soon a list that failed is tried again (at most the interval).
const LIST_RETRY: Duration = Duration::from_secs(60);

type Read = (String, QuotaPart, Result<types::Quota>);

async fn read(client: &Client, iccid: String, part: QuotaPart) -> Read {
    let answer = match part {
        QuotaPart::Data => client.data_quota_of(iccid.as_str()).await,
        QuotaPart::Sms => client.sms_quota_of(iccid.as_str()).await,
    };
    (iccid, part, answer)
}

/// Volumes in the exporter's units: bytes for data, messages for SMS.
pub(super) fn volumes(part: QuotaPart, quota: &types::Quota) -> (Option<f64>, Option<f64>) {
    let scale = match part {
        QuotaPart::Data => BYTES_PER_MB,
        QuotaPart::Sms => 1.0,
    };
    let of = |v: Option<crate::model::Lenient<f64>>| v.map(|v| v.get() * scale);
    (of(quota.volume), of(quota.total_volume))
}

impl Exporter {
    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Release);
    }

    fn read_done(&self, (iccid, part, answer): Read) {
        let outcome = match answer {
            Ok(quota) => Some(volumes(part, &quota)),
            Err(error) => {
                self.refresh_errors.inc();
                tracing::debug!(%error, iccid, quota = part.as_str(), "a quota read failed; its last values stay");
                None
            }
        };
        self.write_state()
            .apply_read(&iccid, part, outcome, Instant::now(), unix_now());
        self.changed();
    }

    /// Reads the SIM list, publishing each page as it arrives. A failure
    /// keeps every SIM known so far. Returns whether it was read whole.
    async fn read_list(&self, client: &Client) -> bool {
        let started = Instant::now();
        let generation = self.write_state().begin_list();
        let pager = client.all_sims();
        let calls = pager.call_counter();
        let mut pages = pin!(pager.pages());
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    self.write_state()
                        .apply_page(generation, &page.items, unix_now());
                    self.changed();
                }
                Err(error) => {
                    self.refresh_errors.inc();
                    self.changed();
                    tracing::warn!(%error, "reading the SIM list failed; the SIMs known so far stay");
                    return false;
                }
            }
        }
        let (sims, gone, cycle) = {
            let mut state = self.write_state();
            let gone = state.finish_list(generation, calls.get());
            (state.sims.len(), gone, state.cycle_calls())
        };
        self.refresh_duration.set(started.elapsed().as_secs_f64());
        self.last_success.set(unix_now());
        self.changed();
        tracing::info!(sims, gone, calls = calls.get(), "SIM list read");
        self.say_if_it_does_not_fit(cycle);
        true
    }

    /// A cycle that needs more calls than an interval holds still runs,
    /// reads falling behind: say what would fit.
    fn say_if_it_does_not_fit(&self, cycle: u64) {
        let settings = &self.settings;
        let budget = settings.calls_per_interval();
        if (cycle as f64) <= budget {
            return;
        }
        let interval = (cycle as f64 / settings.max_rate()).ceil();
        let rate = cycle as f64 / settings.interval().as_secs_f64();
        let rate_fits = if rate <= super::settings::MAX_RATE {
            format!(" or --max-rate {:.2}", (rate * 100.0).ceil() / 100.0)
        } else {
            String::new()
        };
        tracing::warn!(
            "a full cycle needs {cycle} calls and --interval {}s at --max-rate {} allows {budget:.0}: quotas are read less often than the interval; --interval {interval:.0}s{rate_fits} would fit",
            settings.interval().as_secs(),
            settings.max_rate(),
        );
    }

    /// Spends the calls forever (spawn it): the list first, then the reads.
    pub(super) async fn schedule(self, client: Client) {
        let interval = self.settings.interval();
        let mut list_due = Instant::now();
        let mut reads = FuturesUnordered::new();
        loop {
            if Instant::now() >= list_due {
                // The list goes next: what is in flight lands first.
                while let Some(done) = reads.next().await {
                    self.read_done(done);
                }
                let whole = self.read_list(&client).await;
                list_due = Instant::now()
                    + if whole {
                        interval
                    } else {
                        interval.min(LIST_RETRY)
                    };
                continue;
            }
            while reads.len() < IN_FLIGHT {
                let next = self.write_state().next_read(Instant::now(), interval);
                let Some((iccid, part)) = next else {
                    break;
                };
                reads.push(read(&client, iccid, part));
            }
            let wake = {
                let state = self.read_state();
                state
                    .next_due_at(interval)
                    .map_or(list_due, |t| t.min(list_due))
            };
            let wake = tokio::time::Instant::from_std(wake);
            tokio::select! {
                Some(done) = reads.next(), if !reads.is_empty() => self.read_done(done),
                () = tokio::time::sleep_until(wake), if reads.is_empty() => {}
                () = self.wake.notified() => {}
            }
        }
    }
}
