//! The tools. Reads answer a page at a time with a cursor for the next;
//! writes need `confirm: true`, and without it answer the request they
//! would send, from the client's dry-run hook, and what it costs.

use std::future::Future;
use std::num::NonZeroU64;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_handler, tool_router, ErrorData, ServerHandler};
use serde::Deserialize;
use serde_json::{json, Value};

use super::results::{failed, ok, refused};
use super::{operations, McpServer, DEFAULT_LIMIT, MAX_LIMIT};
use crate::{Client, Result};

type Answer = std::result::Result<CallToolResult, ErrorData>;

/// A list's paging: how many, and where a previous call stopped.
#[derive(Debug, Default, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Paging {
    /// How many items to return (1 to 100; default 20).
    pub limit: Option<u64>,
    /// The `next_cursor` a previous call of this tool returned.
    pub cursor: Option<String>,
}

impl Paging {
    /// (page, size): from the cursor (`page:size`), else page 1 of `limit`.
    fn page(&self) -> std::result::Result<(u64, u64), String> {
        match &self.cursor {
            Some(cursor) => cursor
                .split_once(':')
                .and_then(|(p, s)| Some((p.parse().ok()?, s.parse().ok()?)))
                .filter(|(p, s): &(u64, u64)| *p >= 1 && (1..=MAX_LIMIT).contains(s))
                .ok_or_else(|| format!("cursor {cursor:?} is not one this server gave")),
            None => {
                let size = self.limit.unwrap_or(DEFAULT_LIMIT);
                if !(1..=MAX_LIMIT).contains(&size) {
                    return Err(format!("limit must be 1 to {MAX_LIMIT}, not {size}"));
                }
                Ok((1, size))
            }
        }
    }
}

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

/// Which SIMs run low.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct LowData {
    /// Below this share of their data (0 to 1; default 0.2).
    pub share: Option<f64>,
    /// How many to return at most (default 20, at most 100).
    pub limit: Option<u64>,
}

/// A search of the documented operations.
#[derive(Debug, Default, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Search {
    /// A word to look for in names, paths and summaries (all when none).
    pub search: Option<String>,
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

/// An SMS to a device.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct SendSms {
    /// The SIM's ICCID.
    pub iccid: String,
    /// The text (GSM 7-bit up to 160 characters, else UCS-2 up to 70).
    pub text: String,
    /// `true` to send; otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// A top-up of one SIM.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct TopUp {
    /// The SIM's ICCID.
    pub iccid: String,
    /// `true` to send (billed); otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// A tool's JSON answer, or its error as a tool error.
fn answer(outcome: Result<Value>) -> Answer {
    Ok(match outcome {
        Ok(value) => ok(value),
        Err(e) => failed(&e),
    })
}

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl McpServer {
    /// A write: with `confirm`, `send` on the real client; without, `send`
    /// on the dry-run client, answering the requests it would make.
    async fn write<F, Fut>(&self, confirm: bool, billed: bool, what: &str, send: F) -> Answer
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<Value>>,
    {
        if confirm {
            return answer(
                send(self.client.clone())
                    .await
                    .map(|done| json!({ "done": what, "billed": billed, "answer": done })),
            );
        }
        let _one_at_a_time = self.dry_run.lock().await;
        if let Ok(mut planned) = self.planned.lock() {
            planned.clear();
        }
        if let Err(e) = send(self.dry.clone()).await {
            return Ok(failed(&e));
        }
        let planned: Vec<Value> = self
            .planned
            .lock()
            .map(|p| {
                p.iter()
                    .map(|w| json!({ "method": w.method, "path": w.path, "body": w.body }))
                    .collect()
            })
            .unwrap_or_default();
        Ok(ok(json!({
            "dry_run": true, "would": what, "would_send": planned, "calls": planned.len(), "billed": billed,
            "note": "nothing was sent; call again with confirm: true to send it",
        })))
    }
}

#[tool_router]
impl McpServer {
    #[tool(
        description = "List SIMs a page at a time (limit, cursor, filter as the API's q, e.g. imei:4711). Read only."
    )]
    async fn list_sims(&self, Parameters(p): Parameters<FilteredList>) -> Answer {
        let (page, size) = match p.paging.page() {
            Ok(at) => at,
            Err(why) => return Ok(refused(why)),
        };
        let mut call = self.client.list_sims().page(page).page_size(size);
        if let Some(q) = &p.filter {
            call = call.q(q.clone());
        }
        answer(
            async {
                let sims = call.send().await?.into_inner();
                let next = (sims.len() as u64 == size).then(|| format!("{}:{size}", page + 1));
                Ok(json!({ "items": to_json(&sims), "count": sims.len(), "next_cursor": next }))
            }
            .await,
        )
    }

    #[tool(description = "One SIM: status, label, IMSI, IP, quotas' status. Read only.")]
    async fn get_sim(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        let call = self.client.get_sim().iccid(p.iccid.as_str());
        answer(async { Ok(to_json(call.send().await?.into_inner())) }.await)
    }

    #[tool(description = "A SIM's data quota: volume left and total (MB), expiry. Read only.")]
    async fn get_data_quota(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        answer(async { Ok(to_json(self.client.data_quota_of(p.iccid.as_str()).await?)) }.await)
    }

    #[tool(description = "A SIM's SMS quota: SMS left and total, expiry. Read only.")]
    async fn get_sms_quota(&self, Parameters(p): Parameters<OneSim>) -> Answer {
        answer(async { Ok(to_json(self.client.sms_quota_of(p.iccid.as_str()).await?)) }.await)
    }

    #[tool(
        description = "SIMs below a share of their data (default 0.2), found with the fewest calls: the list flags candidates, only those quotas are read. Read only."
    )]
    async fn low_data_sims(&self, Parameters(p): Parameters<LowData>) -> Answer {
        let share = p.share.unwrap_or(crate::QUOTA_STATUS_SHARE);
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
        description = "List 1NCE OS devices (a 1NCE SIM's device id is its ICCID) a page at a time. Read only."
    )]
    async fn list_devices(&self, Parameters(p): Parameters<FilteredList>) -> Answer {
        let (page, size) = match p.paging.page() {
            Ok(at) => at,
            Err(why) => return Ok(refused(why)),
        };
        let (Some(page_n), Some(size_n)) = (NonZeroU64::new(page), NonZeroU64::new(size.min(50)))
        else {
            return Ok(refused("pages start at 1"));
        };
        let os = self.client.os();
        let mut call = os.list_devices().page(page_n).page_size(size_n);
        if let Some(q) = &p.filter {
            call = call.q(q.clone());
        }
        answer(async {
            let body = call.send().await?.into_inner();
            let pages = body.page_amount.map(|n| n.get()).unwrap_or(0.0);
            let next = ((page as f64) < pages && page < 50).then(|| format!("{}:{}", page + 1, size.min(50)));
            Ok(json!({ "items": to_json(&body.items), "count": body.items.len(), "next_cursor": next }))
        }
        .await)
    }

    #[tool(
        description = "Every documented operation (v1., v2., os. in front of the name), with its method, path, summary and parameters; search by a word."
    )]
    async fn list_operations(&self, Parameters(p): Parameters<Search>) -> Answer {
        let found = match p.search.as_deref().filter(|w| !w.trim().is_empty()) {
            Some(word) => operations::search(word.trim()),
            None => operations::all().iter().collect(),
        };
        Ok(ok(
            json!({ "count": found.len(), "operations": to_json(&found) }),
        ))
    }

    #[tool(
        description = "Enable or disable SIMs (status Enabled or Disabled). Not billed. Without confirm: true it only shows the requests it would send."
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
        if p.iccids.is_empty() || p.iccids.len() > 1000 {
            return Ok(refused("iccids must name 1 to 1,000 SIMs"));
        }
        let what = format!("set {} SIM(s) {}", p.iccids.len(), p.status);
        self.write(p.confirm, false, &what, |client| {
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
        description = "Send an SMS to a device. Uses the SIM's SMS quota. Without confirm: true it only shows the request it would send."
    )]
    async fn send_sms(&self, Parameters(p): Parameters<SendSms>) -> Answer {
        let what = format!("send an SMS to {}", p.iccid);
        self.write(p.confirm, true, &what, |client| {
            let (iccid, text) = (p.iccid.clone(), p.text.clone());
            async move {
                let id = client.send_sms_text(iccid.as_str(), &text).await?;
                Ok(json!({ "sms_id": id.map(|i| i.as_str().to_string()) }))
            }
        })
        .await
    }

    #[tool(
        description = "Top up one SIM's data: BILLED, creates an order. Without confirm: true it only shows the request it would send. Never retried when its answer is lost."
    )]
    async fn top_up(&self, Parameters(p): Parameters<TopUp>) -> Answer {
        let what = format!("top up {} (billed)", p.iccid);
        self.write(p.confirm, true, &what, |client| {
            let iccid = p.iccid.clone();
            async move {
                let order = client.top_up(iccid.as_str(), None).await?;
                Ok(json!({ "order_number": order }))
            }
        })
        .await
    }
}

#[tool_handler(
    name = "onence",
    instructions = "The 1NCE IoT management API: SIMs, quotas, SMS, top-ups and 1NCE OS devices. Lists return a page and a next_cursor. Writes need confirm: true; without it they show the exact request and its cost and send nothing. list_operations names every documented operation."
)]
impl ServerHandler for McpServer {}
