//! Group commit: one writer thread owns the sink; batches that arrive
//! while it writes wait, and are then written together with one write and
//! one fsync. Each is answered only after the fsync that covers it. A
//! failure (or a panic) fails that group alone: the sink cuts what it had
//! begun, and the next group gets a fresh try.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};

use tokio::sync::{mpsc, oneshot};

use super::batch::Line;
use super::sink::{Sink, Stored};

/// Batches waiting for the writer, at most; a sender past it waits.
const QUEUE: usize = 64;
/// The most batches in one group.
const GROUP_BATCHES: usize = 32;
/// The most bytes in one group (past it the group is written as it is).
const GROUP_BYTES: usize = 64 * 1024 * 1024;

/// What the writer gives back: the lines (for observers) and what was stored.
pub(crate) type Committed = io::Result<(Vec<Line>, Stored)>;

struct Job {
    lines: Vec<Line>,
    reply: oneshot::Sender<Committed>,
}

/// The handle that batches are sent through.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    jobs: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the writer thread, which owns `sink` until every handle is
    /// dropped.
    pub(crate) fn start(sink: impl Sink) -> io::Result<Committer> {
        let sink: Box<dyn Sink> = Box::new(sink);
        let (jobs, queue) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("onence-streamer-sink".into())
            .spawn(move || write_groups(sink, queue))?;
        Ok(Committer { jobs })
    }

    /// Stores `lines` as one batch; resolves once they are durable.
    pub(crate) async fn commit(&self, lines: Vec<Line>) -> Committed {
        let gone = || io::Error::other("the sink's writer has stopped");
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { lines, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn write_groups(mut sink: Box<dyn Sink>, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.blocking_recv() {
        let mut bytes = size(&first.lines);
        let mut group = vec![first];
        while group.len() < GROUP_BATCHES && bytes < GROUP_BYTES {
            match queue.try_recv() {
                Ok(job) => {
                    bytes += size(&job.lines);
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        let batches: Vec<&[Line]> = group.iter().map(|j| j.lines.as_slice()).collect();
        let outcome = catch_unwind(AssertUnwindSafe(|| sink.store(&batches)));
        drop(batches);
        match outcome {
            Ok(Ok(stored)) => {
                for (job, stored) in group.into_iter().zip(stored) {
                    let _ = job.reply.send(Ok((job.lines, stored)));
                }
            }
            Ok(Err(e)) => {
                for job in group {
                    let _ = job.reply.send(Err(io::Error::new(e.kind(), e.to_string())));
                }
            }
            Err(_) => {
                tracing::error!(
                    "the sink panicked; the group is refused and the next gets a fresh try"
                );
                for job in group {
                    let _ = job.reply.send(Err(io::Error::other("the sink failed")));
                }
            }
        }
    }
}

fn size(lines: &[Line]) -> usize {
    lines.iter().map(|l| l.text.len() + 1).sum()
}
