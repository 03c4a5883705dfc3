//! Account tools: top-ups (billed), orders, products and service requests.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde::Deserialize;
use serde_json::json;

use super::{answer, to_json};
use crate::mcp::paging::{page_of, Paging};
use crate::mcp::{Answer, McpServer};
use crate::writes::Write;

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

#[tool_router(router = order_tools, vis = "pub(crate)")]
impl McpServer {
    #[tool(
        description = "Top up one SIM's data: BILLED, creates an order. Without confirm: true it only shows the request it would send. Never resent when its answer is lost.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn top_up(&self, Parameters(p): Parameters<TopUp>) -> Answer {
        let what = Write::new("top_up_sim", format!("top up {}", p.iccid));
        self.write(p.confirm, what, |client| {
            let iccid = p.iccid.clone();
            async move {
                let order = client.top_up(iccid.as_str(), None).await?;
                Ok(json!({ "order_number": order }))
            }
        })
        .await
    }

    #[tool(
        description = "The account's orders (SIMs, top-ups), a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn list_orders(&self, Parameters(p): Parameters<Paging>) -> Answer {
        answer(page_of(self.client.all_orders(), &p).await)
    }

    #[tool(
        description = "The products the account can order, with their prices.",
        annotations(read_only_hint = true)
    )]
    async fn list_products(&self) -> Answer {
        answer(
            async {
                let products = self.client.list_products().send().await?.into_inner();
                Ok(json!({ "count": products.len(), "items": to_json(&products) }))
            }
            .await,
        )
    }

    #[tool(
        description = "The account's support (service) requests, a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn list_service_requests(&self, Parameters(p): Parameters<Paging>) -> Answer {
        answer(page_of(self.client.all_service_requests(), &p).await)
    }
}
