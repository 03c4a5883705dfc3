//! SMS tools: a SIM's SMS a page at a time, and sending one.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::answer;
use super::sims::SimList;
use crate::mcp::paging::page_of;
use crate::mcp::{Answer, McpServer};
use crate::writes::Write;

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

#[tool_router(router = sms_tools, vis = "pub(crate)")]
impl McpServer {
    #[tool(
        title = "List a SIM's SMS",
        output_schema = crate::mcp::schemas::page(),
        description = "A SIM's SMS (sent to and from the device), a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn list_sms(&self, Parameters(p): Parameters<SimList>) -> Answer {
        answer(page_of(self.client.all_sms(p.iccid.as_str()), &p.paging).await)
    }

    #[tool(
        title = "Send an SMS",
        output_schema = crate::mcp::schemas::write(),
        description = "Send an SMS to a device. Uses the SIM's SMS quota. Without confirm: true it only shows the request it would send. Never resent when its answer is lost.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn send_sms(&self, Parameters(p): Parameters<SendSms>) -> Answer {
        let what = Write::new("send_sms", format!("send an SMS to {}", p.iccid));
        self.write(p.confirm, what, |client| {
            let (iccid, text) = (p.iccid.clone(), p.text.clone());
            async move {
                let id = client.send_sms_text(iccid.as_str(), &text).await?;
                Ok(json!({ "sms_id": id.map(|i| i.as_str().to_string()) }))
            }
        })
        .await
    }
}
