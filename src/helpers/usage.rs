//! What a SIM has left and what it used: its data and SMS quotas, and its
//! daily usage over a period.

use chrono::{DateTime, NaiveDate, Utc};

use crate::api::generated::Client;
use crate::api::types;
use crate::error::{During, Error, Result};
use crate::model::{IntoIccid, Timestamp};

/// A SIM's usage over a period: one row per day, and the API's `TOTAL` row.
#[derive(Clone, Debug)]
pub struct UsageReport {
    /// The days, in the order the API gave them.
    pub days: Vec<UsageDay>,
    /// The `TOTAL` row, when the API sent one.
    pub total: Option<types::UsageDay>,
}

/// One day of usage.
#[derive(Clone, Debug)]
pub struct UsageDay {
    /// The day (midnight UTC), parsed leniently; `None` if the API's date could not be read.
    pub date: Option<DateTime<Utc>>,
    /// The row as the API sent it.
    pub row: types::UsageDay,
}

impl UsageDay {
    /// Data used that day in MB (downlink plus uplink), if reported.
    pub fn data_mb(&self) -> Option<f64> {
        self.row.data.as_ref()?.volume.as_deref()?.parse().ok()
    }

    /// SMS sent and received that day, if reported.
    pub fn sms_count(&self) -> Option<f64> {
        self.row.sms.as_ref()?.volume.as_deref()?.parse().ok()
    }
}

impl Client {
    /// What the SIM has left of its data volume (MB) and until when.
    pub async fn data_quota_of(&self, iccid: impl IntoIccid) -> Result<types::Quota> {
        let iccid = iccid.into_iccid().during("get_data_quota")?;
        let quota = self
            .get_data_quota()
            .iccid(&iccid)
            .send()
            .await
            .during("get_data_quota")?;
        Ok(quota.into_inner())
    }

    /// What the SIM has left of its SMS and until when.
    pub async fn sms_quota_of(&self, iccid: impl IntoIccid) -> Result<types::Quota> {
        let iccid = iccid.into_iccid().during("get_sms_quota")?;
        let quota = self
            .get_sms_quota()
            .iccid(&iccid)
            .send()
            .await
            .during("get_sms_quota")?;
        Ok(quota.into_inner())
    }

    /// The SIM's daily usage from `from` to `to` (both included; the API keeps six months).
    pub async fn usage_between(
        &self,
        iccid: impl IntoIccid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<UsageReport> {
        let iccid = iccid.into_iccid().during("get_sim_usage")?;
        if from > to {
            return Err(Error::invalid_input(format!(
                "the period starts ({from}) after it ends ({to})"
            ))
            .with_operation("get_sim_usage"));
        }
        let usage = self
            .get_sim_usage()
            .iccid(&iccid)
            .start_dt(from.format("%Y-%m-%d").to_string())
            .end_dt(to.format("%Y-%m-%d").to_string())
            .send()
            .await
            .during("get_sim_usage")?
            .into_inner();
        let mut report = UsageReport {
            days: Vec::new(),
            total: None,
        };
        for row in usage.stats {
            if row
                .date
                .as_ref()
                .is_some_and(|d| d.as_str().trim().eq_ignore_ascii_case("total"))
            {
                report.total = Some(row);
            } else {
                let date = row.date.as_ref().and_then(Timestamp::to_utc);
                report.days.push(UsageDay { date, row });
            }
        }
        Ok(report)
    }
}
