//! SIM tools: the list, one SIM, its quotas, usage and events, the v2
//! details, the low-data search, and the two SIM writes (status, label).

use chrono::{Duration, NaiveDate, Utc};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{answer, to_json};
use crate::error::Error;
use crate::mcp::paging::{page_of, Paging};
use crate::mcp::results::refused;
use crate::mcp::{Answer, McpServer, DEFAULT_LIMIT, MAX_LIMIT};
use crate::writes::Write;

/// A list tool's parameters with the API's filter.
#[derive(Debug, Default, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct FilteredList {
    #[serde(flatten)]
    #[schemars(flatten)]
    pub paging: Paging,
    /// The API's filter (`q`), `field:value`; SIMs filter by `imei` and
    /// `ip_address`, devices by `iccid`, `imsi1` and `ip`.
    pub filter: Option<String>,
}

/// One SIM.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct OneSim {
    /// The SIM's ICCID (19 or 20 digits).
    pub iccid: String,
}

/// One SIM's list (events, SMS), a page at a time.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct SimList {
    /// The SIM's ICCID (19 or 20 digits).
    pub iccid: String,
    #[serde(flatten)]
    #[schemars(flatten)]
    pub paging: Paging,
}

/// A SIM's usage over a period.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Usage {
    /// The SIM's ICCID.
    pub iccid: String,
    /// The first day, `YYYY-MM-DD` (default: 30 days ago; the API keeps six months).
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
}

/// Which SIMs run low.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct LowData {
    /// Below this share of their data (0 to 1; default 0.2).
    pub share: Option<f64>,
    /// How many to return at most (default 20, at most 100).
    pub limit: Option<u64>,
}

/// A status change of SIMs.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct SetStatus {
    /// The SIMs' ICCIDs (1 to 1,000).
    pub iccids: Vec<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// `true` to send; otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// A SIM's new label.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct SetLabel {
    /// The SIM's ICCID.
    pub iccid: String,
    /// The label (empty clears it).
    pub label: String,
    /// `true` to send; otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// The most SIMs one status change names.
const MAX_STATUS_SIMS: usize = 1000;

fn day(name: &str, text: Option<&str>, default: NaiveDate) -> Result<NaiveDate, Error> {
    match text {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| Error::invalid_input(format!("{name} must be YYYY-MM-DD, not {t:?}"))),
    }
}

/// The IMEI lock of one SIM.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct ImeiLock {
    /// The SIM's ICCID.
    pub iccid: String,
    /// `true` to lock the SIM to the device it is in now, `false` to unlock it.
    pub locked: bool,
    /// `true` to send; otherwise the requests are only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// A connectivity reset of one SIM.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Reset {
    /// The SIM's ICCID.
    pub iccid: String,
    /// `true` to send; otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

#[tool_router(router = sim_tools, vis = "pub(crate)")]
impl McpServer {
    #[tool(
        title = "List SIMs",
        output_schema = crate::mcp::schemas::page(),
        description = "List SIMs a page at a time (limit, cursor, filter as the API's q, e.g. imei:4711).",
        annotations(read_only_hint = true)
    )]
    async fn list_sims(&self, Parameters(p): Parameters<FilteredList>) -> Answer {
        let mut pager = self.client.all_sims();
        if let Some(q) = &p.filter {
            pager = pager.filter(q.clone());
        }
        answer(page_of(pager, &p.paging).await)
    }

    #[tool(
        title = "Get a SIM",
        output_schema = crate::mcp::schemas::object(),
        description = "One SIM: status, label, IMSI, IP, quotas' status.",
        annotations(read_only_hint = true)
    )]
    async fn get_sim(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        let call = self.client.get_sim().iccid(p.iccid.as_str());
        answer(async { Ok(to_json(call.send().await?.into_inner())) }.await)
    }

    #[tool(
        title = "SIM data quota",
        output_schema = crate::mcp::schemas::object(),
        description = "A SIM's data quota: volume left and total (MB), expiry.",
        annotations(read_only_hint = true)
    )]
    async fn get_data_quota(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        answer(async { Ok(to_json(self.client.data_quota_of(p.iccid.as_str()).await?)) }.await)
    }

    #[tool(
        title = "SIM SMS quota",
        output_schema = crate::mcp::schemas::object(),
        description = "A SIM's SMS quota: SMS left and total, expiry.",
        annotations(read_only_hint = true)
    )]
    async fn get_sms_quota(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        answer(async { Ok(to_json(self.client.sms_quota_of(p.iccid.as_str()).await?)) }.await)
    }

    #[tool(
        title = "SIM usage",
        output_schema = crate::mcp::schemas::object(),
        description = "A SIM's daily data and SMS usage from `from` to `to` (YYYY-MM-DD; default the last 30 days), with the total.",
        annotations(read_only_hint = true)
    )]
    async fn sim_usage(&self, Parameters(p): Parameters<Usage>) -> Answer {
        let today = Utc::now().date_naive();
        let period = day("to", p.to.as_deref(), today).and_then(|to| {
            // The earliest calendar day has no 30 days before it: it starts there.
            let month_before = to.checked_sub_signed(Duration::days(30)).unwrap_or(to);
            let from = day("from", p.from.as_deref(), month_before)?;
            Ok((from, to))
        });
        answer(
            async {
                let (from, to) = period?;
                let report = self.client.usage_between(p.iccid.as_str(), from, to).await?;
                let days: Vec<Value> = report
                    .days
                    .iter()
                    .map(|d| json!({ "date": d.row.date, "data_mb": d.data_mb(), "sms": d.sms_count() }))
                    .collect();
                Ok(json!({ "from": from.to_string(), "to": to.to_string(), "days": days, "total": to_json(&report.total) }))
            }
            .await,
        )
    }

    #[tool(
        title = "SIM events",
        output_schema = crate::mcp::schemas::page(),
        description = "A SIM's events (attach, detach, PDP contexts, ...) a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn sim_events(&self, Parameters(p): Parameters<SimList>) -> Answer {
        answer(page_of(self.client.all_sim_events(p.iccid.as_str()), &p.paging).await)
    }

    #[tool(
        title = "SIM details (v2)",
        output_schema = crate::mcp::schemas::object(),
        description = "A SIM in detail (API v2): connectivity now (status, services, location, PDP contexts) and both quotas with thresholds; four calls made together.",
        annotations(read_only_hint = true)
    )]
    async fn sim_details(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        answer(
            async {
                Ok(to_json(
                    self.client.v2().sim_details(p.iccid.as_str()).await?,
                ))
            }
            .await,
        )
    }

    #[tool(
        title = "SIMs low on data",
        output_schema = crate::mcp::schemas::object(),
        description = "SIMs below a share of their data (default 0.2), found with the fewest calls: the list flags candidates, only those quotas are read.",
        annotations(read_only_hint = true)
    )]
    async fn low_data_sims(&self, Parameters(p): Parameters<LowData>) -> Answer {
        let share = p.share.unwrap_or(crate::jobs::low_data::QUOTA_STATUS_SHARE);
        let limit = p.limit.unwrap_or(DEFAULT_LIMIT);
        if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
            return Ok(refused(format!("share must be 0 to 1, not {share}")));
        }
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Ok(refused(format!(
                "limit must be 1 to {MAX_LIMIT}, not {limit}"
            )));
        }
        answer(async {
            let report = self.client.low_data_report(share).await?;
            let low: Vec<Value> = report
                .low
                .iter()
                .take(limit as usize)
                .map(|s| json!({ "iccid": s.sim.iccid, "label": s.sim.label, "data_left_share": s.data_left_share(), "quota": to_json(&s.quota) }))
                .collect();
            Ok(json!({ "sims": report.sims, "low": low, "low_count": report.low.len(), "calls": report.calls() }))
        }
        .await)
    }

    #[tool(
        title = "Enable or disable SIMs",
        output_schema = crate::mcp::schemas::write(),
        description = "Enable or disable SIMs (status Enabled or Disabled). No charge. Without confirm: true it only shows the requests it would send.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
        )
    )]
    async fn set_sim_status(&self, Parameters(p): Parameters<SetStatus>) -> Answer {
        let enable = match p.status.as_str() {
            "Enabled" => true,
            "Disabled" => false,
            other => {
                return Ok(refused(format!(
                    "status must be Enabled or Disabled, not {other:?}"
                )))
            }
        };
        if p.iccids.is_empty() || p.iccids.len() > MAX_STATUS_SIMS {
            return Ok(refused("iccids must name 1 to 1,000 SIMs"));
        }
        let what = format!("set {} SIM(s) {}", p.iccids.len(), p.status);
        self.write(p.confirm, Write::new("update_sims", what), |client| {
            let iccids = p.iccids.clone();
            async move {
                let listed = iccids.iter().map(String::as_str);
                match enable {
                    true => client.enable_sims(listed).await?,
                    false => client.disable_sims(listed).await?,
                }
                Ok(json!({ "sims": iccids.len() }))
            }
        })
        .await
    }

    #[tool(
        title = "Label a SIM",
        output_schema = crate::mcp::schemas::write(),
        description = "Set a SIM's label (empty clears it). No charge. Without confirm: true it only shows the request it would send.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true
        )
    )]
    async fn set_sim_label(&self, Parameters(p): Parameters<SetLabel>) -> Answer {
        let what = format!("label {} {:?}", p.iccid, p.label);
        self.write(p.confirm, Write::new("update_sim", what), |client| {
            let (iccid, label) = (p.iccid.clone(), p.label.clone());
            async move {
                client.set_sim_label(iccid.as_str(), &label).await?;
                Ok(json!({ "iccid": iccid, "label": label }))
            }
        })
        .await
    }

    #[tool(
        title = "Reset a SIM's connectivity",
        output_schema = crate::mcp::schemas::write(),
        description = "Reset a SIM's connectivity: the network detaches it, and the device attaches again (a cure for a stuck data session). No charge; the SIM is offline for a moment. Without confirm: true it only shows the request it would send.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false
        )
    )]
    async fn reset_connectivity(&self, Parameters(p): Parameters<Reset>) -> Answer {
        let what = Write::new(
            "reset_connectivity",
            format!("reset the connectivity of {}", p.iccid),
        );
        self.write(p.confirm, what, |client| {
            let iccid = p.iccid.clone();
            async move {
                let iccid = crate::model::Iccid::new(iccid.as_str())?;
                client
                    .reset_connectivity()
                    .iccid(iccid.as_str())
                    .send()
                    .await?;
                Ok(json!({ "iccid": iccid.as_str(), "queued": true }))
            }
        })
        .await
    }

    #[tool(
        title = "Lock a SIM to its device (IMEI lock)",
        output_schema = crate::mcp::schemas::write(),
        description = "Lock a SIM to the device it is in now (IMEI lock), or unlock it; its status and label are kept. No charge. A locked SIM works in no other device. Without confirm: true it only shows the requests it would send.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = true
        )
    )]
    async fn set_imei_lock(&self, Parameters(p): Parameters<ImeiLock>) -> Answer {
        let verb = if p.locked { "lock" } else { "unlock" };
        let what = Write::new("update_sim", format!("IMEI-{verb} {}", p.iccid));
        self.write(p.confirm, what, |client| {
            let (iccid, locked) = (p.iccid.clone(), p.locked);
            async move {
                client.set_sim_imei_lock(iccid.as_str(), locked).await?;
                Ok(json!({ "iccid": iccid, "imei_lock": locked, "queued": true }))
            }
        })
        .await
    }
}
