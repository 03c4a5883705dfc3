//! Bulk jobs: one change to many SIMs, sent in the API's bulk chunks, with
//! a journal to resume from, progress and an ETA from the plan, and a stop
//! between chunks (Ctrl-C stops after the chunk in flight, never inside one).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::FutureExt;

use crate::api::generated::Client;
use crate::api::types;
use crate::error::{During, Error, Result};
use crate::helpers::{update_from, PaymentMethod, BULK_CHUNK};
use crate::jobs::journal::Journal;
use crate::model::{iccid_list, Iccid, IntoIccid};

/// The pace a plan's ETA assumes: 1NCE's 10 requests/s on SIMs.
const CALLS_PER_SECOND: f64 = 10.0;

/// A change to make to many SIMs.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum BulkChange {
    /// Enable them, keeping labels and IMEI locks.
    Enable,
    /// Disable them, keeping labels and IMEI locks.
    Disable,
    /// Lock them to their devices (or unlock), keeping status and labels.
    ImeiLock(bool),
    /// Top them up (billed: a chunk is never sent twice, not even from a journal).
    TopUp(Option<PaymentMethod>),
}

impl BulkChange {
    /// The job's name in a journal.
    fn job(&self) -> String {
        match self {
            BulkChange::Enable => "enable".into(),
            BulkChange::Disable => "disable".into(),
            BulkChange::ImeiLock(on) => format!("imei-lock-{}", if *on { "on" } else { "off" }),
            BulkChange::TopUp(_) => "top-up".into(),
        }
    }
}

/// Where a bulk job stands, from its plan.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// SIMs done (applied or unknown), this run and earlier ones.
    pub done: usize,
    /// SIMs in the job.
    pub total: usize,
    /// API calls the plan still needs.
    pub calls_left: u64,
    /// How long those take at 1NCE's 10 requests/s.
    pub eta: Duration,
}

/// What a bulk job did.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct BulkReport {
    /// SIMs in the job.
    pub total: usize,
    /// SIMs changed by this run.
    pub applied: usize,
    /// SIMs an earlier run already dealt with (from the journal).
    pub skipped: usize,
    /// SIMs whose chunk got no answer: they may have been changed; check
    /// them before changing them again.
    pub unknown: Vec<Iccid>,
    /// True when the job stopped on its signal before the end.
    pub stopped: bool,
}

type Callback<'j> = Box<dyn FnMut(Progress) + Send + 'j>;
type Signal<'j> = Pin<Box<dyn Future<Output = ()> + Send + 'j>>;

/// A bulk job, ready to run. Start with [`Client::bulk`].
pub struct BulkJob<'j> {
    client: Client,
    change: BulkChange,
    iccids: Vec<Iccid>,
    runner: Runner<'j>,
}

/// What sends a job's chunks: its journal, progress callback and stop signal.
#[derive(Default)]
pub(crate) struct Runner<'j> {
    journal: Option<&'j mut Journal>,
    progress: Option<Callback<'j>>,
    stop: Option<Signal<'j>>,
    stopped: bool,
}

impl std::fmt::Debug for BulkJob<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkJob")
            .field("change", &self.change)
            .field("sims", &self.iccids.len())
            .field(
                "journal",
                &self.runner.journal.as_ref().map(|j| j.path().to_path_buf()),
            )
            .finish()
    }
}

impl Client {
    /// A bulk job making `change` to `iccids` (checked now, before any request).
    pub fn bulk<I>(&self, change: BulkChange, iccids: I) -> Result<BulkJob<'static>>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        let operation = match change {
            BulkChange::TopUp(_) => "top_up_sims",
            _ => "update_sims",
        };
        Ok(BulkJob {
            client: self.clone(),
            change,
            iccids: iccid_list(iccids).map_err(|e| e.with_operation(operation))?,
            runner: Runner::default(),
        })
    }
}

impl<'j> BulkJob<'j> {
    /// Records each chunk in `journal`, and skips the SIMs it holds already.
    pub fn journal<'k>(self, journal: &'k mut Journal) -> BulkJob<'k>
    where
        'j: 'k,
    {
        BulkJob {
            client: self.client,
            change: self.change,
            iccids: self.iccids,
            runner: Runner {
                journal: Some(journal),
                ..self.runner
            },
        }
    }

    /// Calls `report` with the job's progress before the first chunk and after each.
    pub fn on_progress(mut self, report: impl FnMut(Progress) + Send + 'j) -> Self {
        self.runner.progress = Some(Box::new(report));
        self
    }

    /// Stops between chunks once `signal` completes (say, Ctrl-C).
    pub fn stop_on(mut self, signal: impl Future<Output = ()> + Send + 'j) -> Self {
        self.runner.stop = Some(Box::pin(signal));
        self
    }

    /// Runs the job: reads the SIMs' current values where the change keeps
    /// them (planned: list pages or single reads), then sends the chunks.
    /// A chunk the API refuses ends the job with an error that says how far
    /// it got; a chunk whose answer was lost is recorded as unknown and the
    /// job goes on.
    pub async fn run(mut self) -> Result<BulkReport> {
        let total = self.iccids.len();
        if let Some(journal) = self.runner.journal.as_deref() {
            if journal.job() != self.change.job() {
                return Err(Error::new(
                    crate::error::ErrorKind::Config,
                    format!(
                        "journal {} belongs to the job {:?}, not {:?}",
                        journal.path().display(),
                        journal.job(),
                        self.change.job()
                    ),
                ));
            }
        }
        let todo: Vec<Iccid> = match self.runner.journal.as_deref() {
            Some(journal) => self
                .iccids
                .iter()
                .filter(|i| !journal.has(i.as_str()))
                .cloned()
                .collect(),
            None => self.iccids.clone(),
        };
        let report = BulkReport {
            total,
            skipped: total - todo.len(),
            ..BulkReport::default()
        };
        let client = self.client.clone();
        match self.change.clone() {
            BulkChange::TopUp(payment) => {
                let items = todo.iter().map(|i| (i.clone(), i.clone())).collect();
                self.runner
                    .send_chunks(items, report, move |chunk: Vec<Iccid>| {
                        let client = client.clone();
                        async move { client.top_up_many(chunk, payment).await.map(|_| ()) }
                    })
                    .await
            }
            change => {
                let sets_status = matches!(change, BulkChange::Enable | BulkChange::Disable);
                let items = self
                    .client
                    .current_updates(todo, sets_status, |update| match change {
                        BulkChange::Enable => update.status = types::SimUpdateStatus::Enabled,
                        BulkChange::Disable => update.status = types::SimUpdateStatus::Disabled,
                        BulkChange::ImeiLock(on) => update.imei_lock = on,
                        BulkChange::TopUp(_) => {}
                    })
                    .await?;
                self.runner
                    .send_chunks(items, report, update_chunk(client))
                    .await
            }
        }
    }
}

/// Sends one chunk of SIM updates: the one place that picks the call. A
/// chunk of one SIM is that SIM's own update (`PUT /v1/sims/{iccid}`, which
/// the API applies at once and answers for that SIM); more go in one bulk
/// update (`POST /v1/sims`). Either is one request.
pub(crate) fn update_chunk(
    client: Client,
) -> impl FnMut(Vec<types::SimUpdate>) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> {
    move |mut chunk| {
        let client = client.clone();
        Box::pin(async move {
            if chunk.len() == 1 {
                if let Some(one) = chunk.pop() {
                    let iccid = one.iccid.clone();
                    return client
                        .update_sim()
                        .iccid(&iccid)
                        .body(one)
                        .send()
                        .await
                        .map(|_| ())
                        .during("update_sim");
                }
            }
            client
                .update_sims()
                .body(chunk)
                .send()
                .await
                .map(|_| ())
                .during("update_sims")
        })
    }
}

impl Client {
    /// The updates that make `change` to each SIM of `iccids` while keeping
    /// the rest of its values, read the cheaper way (list pages or single
    /// reads; see `sims_by_iccid`).
    pub(crate) async fn current_updates(
        &self,
        iccids: Vec<Iccid>,
        sets_status: bool,
        change: impl Fn(&mut types::SimUpdate),
    ) -> Result<Vec<(Iccid, types::SimUpdate)>> {
        let states = self.sims_by_iccid(&iccids).await?;
        let mut items = Vec::with_capacity(iccids.len());
        for iccid in iccids {
            let sim = states.get(iccid.as_str()).ok_or_else(|| {
                Error::new(
                    crate::error::ErrorKind::NotFound,
                    format!("SIM {iccid} not found"),
                )
                .with_operation("get_sim")
            })?;
            let mut update = update_from(sim, iccid.as_str(), sets_status)?;
            change(&mut update);
            items.push((iccid, update));
        }
        Ok(items)
    }
}

impl Runner<'_> {
    /// Sends `items` in chunks of [`BULK_CHUNK`], recording each in the
    /// journal; the one loop behind every bulk change.
    pub(crate) async fn send_chunks<T, F, Fut>(
        &mut self,
        items: Vec<(Iccid, T)>,
        mut report: BulkReport,
        mut send: F,
    ) -> Result<BulkReport>
    where
        F: FnMut(Vec<T>) -> Fut,
        Fut: Future<Output = Result<()>>,
    {
        let chunks: Vec<Vec<(Iccid, T)>> = chunked(items);
        let count = chunks.len();
        let mut calls_left = count as u64;
        self.report_progress(&report, calls_left);
        for (n, chunk) in chunks.into_iter().enumerate() {
            if self.should_stop() {
                report.stopped = true;
                break;
            }
            let (iccids, values): (Vec<Iccid>, Vec<T>) = chunk.into_iter().unzip();
            match send(values).await {
                Ok(()) => {
                    if let Some(journal) = self.journal.as_deref_mut() {
                        journal.record(&iccids, true)?;
                    }
                    report.applied += iccids.len();
                }
                Err(e) if e.is_outcome_unknown() => {
                    if let Some(journal) = self.journal.as_deref_mut() {
                        journal.record(&iccids, false)?;
                    }
                    report.unknown.extend(iccids);
                }
                Err(e) => {
                    let done = report.applied + report.skipped;
                    let operation = e.operation().unwrap_or("update_sims").to_string();
                    return Err(Error::new(
                        e.kind(),
                        format!(
                            "chunk {} of {count} failed ({e}); {} SIMs before it were queued, {done} of {} done in all",
                            n + 1,
                            report.applied,
                            report.total
                        ),
                    )
                    .with_operation(&operation)
                    .with_source(e));
                }
            }
            calls_left = calls_left.saturating_sub(1);
            self.report_progress(&report, calls_left);
        }
        Ok(report)
    }

    /// Whether the stop signal has come; once it has, it stays so (a
    /// completed future is not polled again).
    fn should_stop(&mut self) -> bool {
        let Some(signal) = self.stop.as_mut() else {
            return self.stopped;
        };
        if signal.as_mut().now_or_never().is_some() {
            self.stop = None;
            self.stopped = true;
        }
        self.stopped
    }

    fn report_progress(&mut self, report: &BulkReport, calls_left: u64) {
        if let Some(callback) = self.progress.as_mut() {
            callback(Progress {
                done: report.applied + report.skipped + report.unknown.len(),
                total: report.total,
                calls_left,
                eta: Duration::from_secs_f64(calls_left as f64 / CALLS_PER_SECOND),
            });
        }
    }
}

fn chunked<T>(items: Vec<T>) -> Vec<Vec<T>> {
    let mut chunks = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(BULK_CHUNK).collect());
    }
    chunks
}
