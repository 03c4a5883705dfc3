//! Many SIMs at once, as plain calls: enable, disable, label or lock them
//! through one bulk job without a journal (chunks of
//! [`BULK_CHUNK`](crate::limits::BULK_CHUNK)); a chunk whose answer was lost makes
//! the call an unknown outcome.

use crate::api::generated::Client;
use crate::error::{During, Error, ErrorKind, Result};
use crate::jobs::bulk::{update_chunk, BulkChange, BulkReport, Runner};
use crate::model::{iccid_list, IntoIccid};

impl Client {
    /// Enables many SIMs, keeping their labels and IMEI locks.
    pub async fn enable_sims<I>(&self, iccids: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        self.run_bulk(BulkChange::Enable, iccids).await
    }

    /// Disables many SIMs, keeping their labels and IMEI locks.
    pub async fn disable_sims<I>(&self, iccids: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        self.run_bulk(BulkChange::Disable, iccids).await
    }

    /// Labels many SIMs, each with its own label, keeping their status and IMEI locks.
    pub async fn set_sim_labels<S: AsRef<str>, L: AsRef<str>>(
        &self,
        labels: &[(S, L)],
    ) -> Result<()> {
        for (n, (_, label)) in labels.iter().enumerate() {
            crate::transport::checks::label(label.as_ref()).map_err(|e| {
                Error::invalid_input(format!("item {}: {e}", n + 1)).with_operation("update_sims")
            })?;
        }
        let iccids = iccid_list(labels.iter().map(|(i, _)| i.as_ref())).during("update_sims")?;
        let wanted: std::collections::HashMap<String, String> = labels
            .iter()
            .map(|(i, l)| (i.as_ref().to_string(), l.as_ref().to_string()))
            .collect();
        let total = iccids.len();
        let items = self
            .current_updates(iccids, false, |u| {
                u.label = wanted.get(u.iccid.as_str()).cloned()
            })
            .await?;
        let report = BulkReport {
            total,
            ..BulkReport::default()
        };
        let report = Runner::default()
            .send_chunks(items, report, update_chunk(self.clone()))
            .await?;
        unknown_is_an_error(report, "update_sims")
    }

    /// Sets many SIMs' IMEI locks, keeping their status and labels.
    pub async fn set_sims_imei_lock<I>(&self, iccids: I, locked: bool) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        self.run_bulk(BulkChange::ImeiLock(locked), iccids).await
    }

    /// Runs `change` on many SIMs as a bulk job without a journal; a chunk
    /// whose answer was lost makes the whole call an unknown outcome.
    async fn run_bulk<I>(&self, change: BulkChange, iccids: I) -> Result<()>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        let report = self.bulk(change, iccids)?.run().await?;
        unknown_is_an_error(report, "update_sims")
    }
}

/// A bulk job's report as a plain outcome: some SIMs' chunks that got no
/// answer make it an unknown outcome, naming how many.
fn unknown_is_an_error(report: BulkReport, operation: &str) -> Result<()> {
    if report.unknown.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::OutcomeUnknown,
        format!(
            "{} of {} SIMs were sent but got no answer: they may have been changed",
            report.unknown.len(),
            report.total
        ),
    )
    .with_operation(operation))
}
