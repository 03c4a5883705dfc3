//! A journal for a bulk job: what it applied, chunk by chunk, written to a
//! file before the next chunk goes out, so that a job that stopped (Ctrl-C,
//! a crash, a lost connection) resumes where it stopped and nothing is done
//! twice. A chunk whose answer was lost is recorded as unknown and never
//! sent again from the journal: a top-up must not be billed twice.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::model::Iccid;

/// One line of a journal file (JSON lines).
#[derive(Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
enum Line {
    /// The first line: which job the journal belongs to.
    Job { job: String },
    /// A chunk the job sent, and what became of it.
    Chunk {
        iccids: Vec<String>,
        outcome: Outcome,
    },
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Applied,
    Unknown,
}

/// The journal of one bulk job, kept in a file (JSON lines, one per chunk).
///
/// ```no_run
/// # async fn run(client: onence::Client, iccids: Vec<onence::Iccid>) -> onence::Result<()> {
/// let mut journal = onence::jobs::Journal::open("disable-retired.journal", "disable")?;
/// let report = client
///     .bulk(onence::jobs::BulkChange::Disable, iccids)?
///     .journal(&mut journal)
///     .run()
///     .await?;
/// println!("applied {} (of which {} in an earlier run)", report.applied + report.skipped, report.skipped);
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    job: String,
    file: File,
    applied: HashSet<String>,
    unknown: HashSet<String>,
}

impl Journal {
    /// Opens the journal at `path` for the job named `job` (say, `"disable"`
    /// or `"top-up"`), creating it when it does not exist. A journal written
    /// for another job is refused, so a resumed job never mixes with another.
    pub fn open(path: impl AsRef<Path>, job: &str) -> Result<Journal> {
        let path = path.as_ref().to_path_buf();
        let io = |e: std::io::Error| {
            Error::new(
                ErrorKind::Config,
                format!("journal {}: {e}", path.display()),
            )
        };
        let mut applied = HashSet::new();
        let mut unknown = HashSet::new();
        let mut found_job = None;
        if path.exists() {
            let reader = BufReader::new(File::open(&path).map_err(io)?);
            for (n, line) in reader.lines().enumerate() {
                let line = line.map_err(io)?;
                if line.trim().is_empty() {
                    continue;
                }
                // A line cut short by a crash is the last one: what it would
                // have recorded was not confirmed, so it is not counted.
                let Ok(parsed) = serde_json::from_str::<Line>(&line) else {
                    tracing::warn!(line = n + 1, "journal line unreadable; ignored");
                    continue;
                };
                match parsed {
                    Line::Job { job } => found_job = Some(job),
                    Line::Chunk { iccids, outcome } => {
                        let into = match outcome {
                            Outcome::Applied => &mut applied,
                            Outcome::Unknown => &mut unknown,
                        };
                        into.extend(iccids);
                    }
                }
            }
        }
        if let Some(other) = found_job.as_ref().filter(|j| *j != job) {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "journal {} belongs to the job {other:?}, not {job:?}; use another file",
                    path.display()
                ),
            ));
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io)?;
        if found_job.is_none() {
            let header = serde_json::to_string(&Line::Job {
                job: job.to_string(),
            })
            .expect("a journal line serialises");
            writeln!(file, "{header}")
                .and_then(|_| file.sync_data())
                .map_err(io)?;
        }
        Ok(Journal {
            path,
            job: job.to_string(),
            file,
            applied,
            unknown,
        })
    }

    /// The file the journal is kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The job the journal belongs to.
    pub fn job(&self) -> &str {
        &self.job
    }

    /// SIMs a chunk of this job was applied to.
    pub fn applied(&self) -> usize {
        self.applied.len()
    }

    /// SIMs whose chunk got no answer: they may or may not have been
    /// changed, and the job will not send them again.
    pub fn unknown(&self) -> impl Iterator<Item = &str> {
        self.unknown.iter().map(String::as_str)
    }

    /// Whether the job already dealt with `iccid` (applied or unknown).
    pub fn has(&self, iccid: &str) -> bool {
        self.applied.contains(iccid) || self.unknown.contains(iccid)
    }

    /// Records a chunk, on disk, before the job goes on.
    pub(crate) fn record(&mut self, iccids: &[Iccid], applied: bool) -> Result<()> {
        let outcome = if applied {
            Outcome::Applied
        } else {
            Outcome::Unknown
        };
        let line = serde_json::to_string(&Line::Chunk {
            iccids: iccids.iter().map(|i| i.as_str().to_string()).collect(),
            outcome,
        })
        .expect("a journal line serialises");
        writeln!(self.file, "{line}")
            .and_then(|_| self.file.sync_data())
            .map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("journal {}: {e}", self.path.display()),
                )
            })?;
        let into = if applied {
            &mut self.applied
        } else {
            &mut self.unknown
        };
        into.extend(iccids.iter().map(|i| i.as_str().to_string()));
        Ok(())
    }
}
