//! One refresh of the fleet within a budget of calls: the SIM list (100
//! SIMs a call), the data quota of every SIM the list flags as low (as
//! `low_data_sims` does), and, with the calls left, the data and SMS quotas
//! of the other SIMs in turn, round robin across cycles. Never a call per
//! SIM per scrape.

use std::collections::{HashMap, HashSet};

use futures_util::{stream, StreamExt};

use super::fleet::{Fleet, QuotaEntry, SimEntry, BYTES_PER_MB};
use crate::jobs::low_data::listed_above_quota_status_share;
use crate::{types, Client, Result};

/// Quota reads in flight at once (the client's rate limiter keeps the pace).
const IN_FLIGHT: usize = 8;

/// What one refresh did and cost.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshReport {
    /// SIMs listed.
    pub sims: usize,
    /// Calls the list took.
    pub list_calls: usize,
    /// Data quota reads of SIMs the list flagged.
    pub flagged_reads: usize,
    /// Quota reads made with the budget left (data and SMS count one each).
    pub round_robin_reads: usize,
    /// Quota reads that failed (the SIM keeps its last values).
    pub failed_reads: usize,
}

impl RefreshReport {
    /// The calls the refresh made.
    pub fn calls(&self) -> usize {
        self.list_calls + self.flagged_reads + self.round_robin_reads
    }
}

/// A SIM's row, from the list.
fn entry(sim: &types::Sim) -> Option<SimEntry> {
    Some(SimEntry {
        iccid: sim.iccid.clone()?,
        label: sim.label.clone().unwrap_or_default(),
        status: sim
            .status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        imei_lock: sim.imei_lock.unwrap_or(false),
    })
}

fn mb(value: Option<crate::Lenient<f64>>) -> Option<f64> {
    value.map(|v| v.get() * BYTES_PER_MB)
}

fn count(value: Option<crate::Lenient<f64>>) -> Option<f64> {
    value.map(|v| v.get())
}

/// Which quota a read is for.
#[derive(Clone, Copy)]
enum Read {
    Data,
    Sms,
}

/// Reads one refresh's worth within `allowance` calls: the list and the
/// flagged SIMs' reads come first, the round robin gets what is left. It
/// starts after `cursor` (the last ICCID it read) and returns where it
/// stopped. `now` is the Unix time of the reads.
pub(crate) async fn refresh(
    client: &Client,
    previous: &Fleet,
    allowance: usize,
    cursor: Option<&str>,
    now: f64,
) -> Result<(Fleet, RefreshReport, Option<String>)> {
    // Each page is folded into the rows the snapshot keeps as it arrives:
    // the full models of a large fleet are never held at once.
    let pager = client.all_sims();
    let calls = pager.call_counter();
    let mut pages = std::pin::pin!(pager.pages());
    let (mut listed, mut sims, mut flagged) = (0, Vec::new(), Vec::new());
    while let Some(page) = pages.next().await {
        let page = page?;
        listed += page.items.len();
        for sim in &page.items {
            if !listed_above_quota_status_share(sim) {
                flagged.extend(sim.iccid.clone());
            }
            sims.extend(entry(sim));
        }
    }
    let mut report = RefreshReport {
        sims: listed,
        list_calls: usize::try_from(calls.get()).unwrap_or(usize::MAX),
        ..RefreshReport::default()
    };
    let flagged_set: HashSet<&str> = flagged.iter().map(String::as_str).collect();
    // The others, in ICCID order from after the cursor, wrapping around.
    let mut others: Vec<&str> = sims
        .iter()
        .map(|s| s.iccid.as_str())
        .filter(|i| !flagged_set.contains(i))
        .collect();
    others.sort_unstable();
    let budget = allowance.saturating_sub(report.list_calls + flagged.len());
    let start = cursor.map_or(0, |c| others.partition_point(|i| *i <= c));
    let turn: Vec<&str> = others[start..]
        .iter()
        .chain(others[..start].iter())
        .take(budget / 2)
        .copied()
        .collect();
    let next_cursor = turn
        .last()
        .map(|i| i.to_string())
        .or(cursor.map(str::to_string));

    let mut reads: Vec<(String, Read)> = flagged.iter().map(|i| (i.clone(), Read::Data)).collect();
    for iccid in &turn {
        reads.push((iccid.to_string(), Read::Data));
        reads.push((iccid.to_string(), Read::Sms));
    }
    report.flagged_reads = flagged.len();
    report.round_robin_reads = turn.len() * 2;
    let answers: Vec<(String, Read, Result<types::Quota>)> = stream::iter(reads)
        .map(|(iccid, read)| async move {
            let answer = match read {
                Read::Data => client.data_quota_of(iccid.as_str()).await,
                Read::Sms => client.sms_quota_of(iccid.as_str()).await,
            };
            (iccid, read, answer)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;

    // Quotas of SIMs still listed carry over; fresh reads replace them.
    let listed_now: HashSet<&str> = sims.iter().map(|s| s.iccid.as_str()).collect();
    let mut quotas: HashMap<String, QuotaEntry> = previous
        .quotas
        .iter()
        .filter(|(i, _)| listed_now.contains(i.as_str()))
        .map(|(i, q)| (i.clone(), q.clone()))
        .collect();
    for (iccid, read, answer) in answers {
        let Ok(quota) = answer else {
            report.failed_reads += 1;
            continue;
        };
        let entry = quotas.entry(iccid).or_default();
        match read {
            Read::Data => {
                entry.data_remaining_bytes = mb(quota.volume);
                entry.data_total_bytes = mb(quota.total_volume);
                entry.read_at = Some(now);
            }
            Read::Sms => {
                entry.sms_remaining = count(quota.volume);
                entry.sms_total = count(quota.total_volume);
            }
        }
    }
    Ok((Fleet { sims, quotas }, report, next_cursor))
}
