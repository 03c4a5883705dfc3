//! Bulk commands as resumable jobs: a journal for every job (the one given
//! with --journal, or one kept in the state directory and named in the
//! output), a progress bar with the plan's ETA, and Ctrl-C that stops after
//! the chunk in flight and says how to resume.

use std::path::{Path, PathBuf};

use onence::jobs::{BulkChange, BulkReport, Journal};
use onence::Iccid;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::state;

/// The automatic journal of `job` over `iccids` for one account (its base URL
/// and client id): the same command over the same SIMs of the same account
/// finds it again, and another account's never does.
fn automatic_journal(job: &str, account: &str, iccids: &[Iccid]) -> PathBuf {
    let mut sorted: Vec<&str> = iccids.iter().map(Iccid::as_str).collect();
    sorted.sort_unstable();
    let hash = state::key([account].into_iter().chain(sorted));
    state::dir().join(format!("{job}-{hash:016x}.journal"))
}

/// Runs `change` over `iccids` as a journaled job. A completed job's
/// automatic journal is removed, so the same command later starts afresh; a
/// given journal is kept.
pub async fn run(
    ctx: &Ctx,
    job: &str,
    change: BulkChange,
    iccids: &[Iccid],
    given: Option<&Path>,
) -> Result<BulkReport, Failure> {
    if ctx.dry_run {
        // Nothing is sent, so nothing is recorded: the journal stays as it is.
        return Ok(ctx.client().bulk(change, iccids)?.run().await?);
    }
    let (path, automatic) = match given {
        Some(path) => (path.to_path_buf(), false),
        None => (automatic_journal(job, &ctx.account, iccids), true),
    };
    if automatic {
        std::fs::create_dir_all(state::dir()).map_err(|e| {
            Failure::Usage(format!(
                "cannot keep a journal in {}: {e}",
                state::dir().display()
            ))
        })?;
    }
    let mut journal = Journal::open(&path, job)?;
    let unknown = journal.unknown().count();
    if journal.applied() + unknown > 0 {
        let lost = match unknown {
            0 => String::new(),
            n => format!(
                "; {n} of them were sent and got no answer, so they may have been applied: \
                 they are not sent again"
            ),
        };
        eprintln!(
            "onence: resuming from {} ({} done earlier{lost})",
            path.display(),
            crate::records::sims(journal.applied() + unknown)
        );
    }
    // Listen for Ctrl-C from the start (the handler is installed when the
    // listener first runs, so it runs now, not when the first chunk is due).
    let (interrupt, interrupted) = tokio::sync::oneshot::channel::<()>();
    let listener = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = interrupt.send(());
        }
    });
    tokio::task::yield_now().await;
    let bar = ctx.progress(iccids.len() as u64, "SIMs");
    let shown = bar.clone();
    let outcome = ctx
        .client()
        .bulk(change, iccids)?
        .journal(&mut journal)
        .on_progress(move |p| {
            shown.set_position(p.done as u64);
            shown.set_message(format!("SIMs, about {} s left", p.eta.as_secs()));
        })
        .stop_on(async {
            let _ = interrupted.await;
        })
        .run()
        .await;
    bar.finish_and_clear();
    listener.abort();
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            eprintln!(
                "onence: the journal is {}; rerun the same command to resume",
                path.display()
            );
            return Err(e.into());
        }
    };
    let done = report.applied + report.skipped;
    if report.stopped {
        return Err(Failure::Interrupted(format!(
            "interrupted: applied {done} of {}; resume with the same command{} (journal {})",
            report.total,
            if automatic {
                String::new()
            } else {
                format!(" and --journal {}", path.display())
            },
            path.display()
        )));
    }
    if !report.unknown.is_empty() {
        let unknown: Vec<String> = report.unknown.iter().map(|i| i.to_string()).collect();
        return Err(Failure::Unknown(format!(
            "{} sent but no answer came, so they may have been changed: {}; \
             check them before repeating (the journal {} will not send them again)",
            crate::records::sims(unknown.len()),
            unknown.join(", "),
            path.display()
        )));
    }
    if automatic {
        let _ = std::fs::remove_file(&path);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An unfinished job's automatic journal is found again by the same
    /// command on the same account, and never by another account's (two
    /// accounts can hold the same ICCIDs: a sandbox's, a profile's).
    #[test]
    fn automatic_journals_belong_to_one_account_and_job() {
        let sims = |list: &[&str]| {
            list.iter()
                .map(|s| Iccid::new(*s).unwrap())
                .collect::<Vec<_>>()
        };
        let a = sims(&["8988280666000000001", "8988280666000000002"]);
        let same = automatic_journal("disable", "https://api.1nce.com/management-api 1_api", &a);
        let reordered = sims(&["8988280666000000002", "8988280666000000001"]);
        assert_eq!(
            same,
            automatic_journal(
                "disable",
                "https://api.1nce.com/management-api 1_api",
                &reordered
            )
        );
        assert_ne!(
            same,
            automatic_journal("disable", "https://api.1nce.com/management-api 2_api", &a)
        );
        assert_ne!(
            same,
            automatic_journal("disable", "http://127.0.0.1:9/management-api 1_api", &a)
        );
        assert_ne!(
            same,
            automatic_journal("enable", "https://api.1nce.com/management-api 1_api", &a)
        );
    }
}
