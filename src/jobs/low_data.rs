//! Fleet jobs at the API's rate limit. 1NCE allows 10 requests/s on SIMs and
//! no client can beat that, so a fleet job is only faster by needing fewer
//! calls: read state a page of 100 SIMs at a time where the list carries it,
//! and make single calls only where nothing else will do.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{future, stream, Stream, StreamExt, TryStreamExt};

use crate::api::generated::Client;
use crate::api::types;
use crate::error::{During, Error, Result};
use crate::model::Iccid;

/// SIMs read one by one at most without asking the list first: for so few,
/// the list's first page would not pay for itself.
const SINGLE_READS_AT_MOST: usize = 3;

/// SIMs per page of the list: the most the API allows.
const LIST_PAGE: u64 = 100;

/// The share of its data the SIM list's `quota_status` tells apart: the API
/// flags SIMs below 20% (`LESS_THAN_20_PERCENT`, `EXHAUSTED`).
pub const QUOTA_STATUS_SHARE: f64 = 0.2;

/// Quota reads in flight at once: enough to keep the rate limiter busy at
/// several hundred milliseconds of latency (the limiter, not this, keeps
/// the pace).
const QUOTA_READS_IN_FLIGHT: usize = 8;

/// A SIM and its data quota.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SimQuota {
    /// The SIM, as the list gave it.
    pub sim: types::Sim,
    /// Its data quota.
    pub quota: types::Quota,
}

impl SimQuota {
    /// The share of its data the SIM has left (0 to 1), when the quota says.
    pub fn data_left_share(&self) -> Option<f64> {
        let (left, total) = (self.quota.volume?.get(), self.quota.total_volume?.get());
        (total > 0.0).then(|| left / total)
    }
}

/// What a low-data report found, and what it cost.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LowDataReport {
    /// SIMs in the fleet (each listed once).
    pub sims: u64,
    /// Quota reads made: one per SIM the list could not rule out.
    pub quota_reads: u64,
    /// The SIMs below the share asked for, in list order.
    pub low: Vec<SimQuota>,
}

impl LowDataReport {
    /// API calls the report made: the list's pages and the quota reads.
    pub fn calls(&self) -> u64 {
        self.sims.div_ceil(100).max(1) + self.quota_reads
    }
}

/// Whether the list already shows the SIM above [`QUOTA_STATUS_SHARE`]: only
/// `MORE_THAN_20_PERCENT` does; any other or unknown status needs a read.
pub fn listed_above_quota_status_share(sim: &types::Sim) -> bool {
    sim.quota_status
        .as_ref()
        .and_then(|q| q.description.as_deref())
        .is_some_and(|d| d.eq_ignore_ascii_case("MORE_THAN_20_PERCENT"))
}

impl Client {
    /// The current record of each SIM of `iccids`, read the cheaper way: one
    /// read per SIM, or the SIM list's pages (100 SIMs a call) when the fleet
    /// has fewer pages left to read than SIMs are wanted. The list's first
    /// page tells the fleet's size (`X-Total-Count`) and is never wasted:
    /// it holds some of the SIMs either way. The list stops as soon as every
    /// SIM was found; SIMs it did not show are read one by one.
    pub(crate) async fn sims_by_iccid(
        &self,
        iccids: &[Iccid],
    ) -> Result<HashMap<String, types::Sim>> {
        let mut wanted: HashSet<String> = iccids.iter().map(|i| i.as_str().to_string()).collect();
        let mut found: HashMap<String, types::Sim> = HashMap::new();
        let mut take = |items: Vec<types::Sim>, wanted: &mut HashSet<String>| {
            for sim in items {
                if let Some(iccid) = sim.iccid.clone().filter(|i| wanted.remove(i)) {
                    found.insert(iccid, sim);
                }
            }
        };
        if wanted.len() > SINGLE_READS_AT_MOST {
            let mut pages = std::pin::pin!(self.all_sims().page_size(LIST_PAGE).pages());
            if let Some(first) = pages.try_next().await? {
                let left_to_read = first
                    .total_count
                    .map(|total| total.div_ceil(LIST_PAGE).saturating_sub(1));
                take(first.items, &mut wanted);
                let list_is_cheaper = left_to_read.is_some_and(|pages| pages < wanted.len() as u64);
                tracing::debug!(
                    ?left_to_read,
                    singles = wanted.len(),
                    list_is_cheaper,
                    "planning the reads"
                );
                if list_is_cheaper {
                    while !wanted.is_empty() {
                        match pages.try_next().await? {
                            Some(page) => take(page.items, &mut wanted),
                            None => break,
                        }
                    }
                }
            }
        }
        let singles = wanted.into_iter().map(|iccid| {
            let client = self.clone();
            async move {
                let sim = client
                    .get_sim()
                    .iccid(&iccid)
                    .send()
                    .await
                    .during("get_sim")?
                    .into_inner();
                Ok::<_, Error>((iccid, sim))
            }
        });
        let read: Vec<(String, types::Sim)> =
            stream::iter(singles).buffered(4).try_collect().await?;
        found.extend(read);
        Ok(found)
    }

    /// Every SIM with less than `share` of its data left (0.2: under 20%),
    /// each with its data quota, streamed in list order.
    ///
    /// The SIM list is read a page of 100 at a time. For a `share` up to
    /// [`QUOTA_STATUS_SHARE`], a SIM the list shows as `MORE_THAN_20_PERCENT`
    /// cannot qualify and gets no quota read; every other SIM gets one (a
    /// larger share needs a read of every SIM). A SIM listed without an ICCID
    /// cannot be read and is skipped with a warning.
    pub fn low_data_sims(&self, share: f64) -> impl Stream<Item = Result<SimQuota>> + Send {
        self.low_data_stream(share, Arc::default(), Arc::default())
    }

    /// [`Client::low_data_sims`], collected, with what it cost.
    pub async fn low_data_report(&self, share: f64) -> Result<LowDataReport> {
        let (sims, reads) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let low = self
            .low_data_stream(share, sims.clone(), reads.clone())
            .try_collect()
            .await?;
        Ok(LowDataReport {
            sims: sims.load(Ordering::Relaxed),
            quota_reads: reads.load(Ordering::Relaxed),
            low,
        })
    }

    fn low_data_stream(
        &self,
        share: f64,
        sims: Arc<AtomicU64>,
        reads: Arc<AtomicU64>,
    ) -> impl Stream<Item = Result<SimQuota>> + Send {
        let client = self.clone();
        let list_rules_out = share <= QUOTA_STATUS_SHARE;
        self.all_sims()
            .stream()
            .try_filter(move |sim| {
                sims.fetch_add(1, Ordering::Relaxed);
                let skip = list_rules_out && listed_above_quota_status_share(sim);
                if !skip && sim.iccid.is_none() {
                    tracing::warn!("a SIM listed without an ICCID cannot be read; skipped");
                }
                future::ready(!skip && sim.iccid.is_some())
            })
            .map_ok(move |sim| {
                let (client, reads) = (client.clone(), reads.clone());
                async move {
                    reads.fetch_add(1, Ordering::Relaxed);
                    let iccid = sim.iccid.clone().unwrap_or_default();
                    let quota = client.data_quota_of(&iccid).await?;
                    Ok(SimQuota { sim, quota })
                }
            })
            .try_buffered(QUOTA_READS_IN_FLIGHT)
            .try_filter(move |found| {
                future::ready(found.data_left_share().is_some_and(|left| left < share))
            })
    }
}
