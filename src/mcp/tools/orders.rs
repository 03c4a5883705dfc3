//! Account tools: top-ups and orders (billed), products and service requests.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{answer, to_json};
use crate::api::types;
use crate::mcp::paging::{page_of, Paging};
use crate::mcp::results::refused;
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

/// One line of an order.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct OrderLine {
    /// The product's id (from list_products).
    pub product_id: i64,
    /// How many, at least 1.
    pub quantity: u64,
}

/// An order of products.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct CreateOrder {
    /// The products and how many of each (1 to 20 lines).
    pub products: Vec<OrderLine>,
    /// Your own reference, kept with the order.
    pub customer_reference: Option<String>,
    /// Where to deliver SIMs, as the API documents it (list_operations
    /// with `v1.create_order` gives its schema); the account's address when none.
    pub delivery_address: Option<Value>,
    /// `true` to send (billed); otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// The most lines an order takes here: an agent's order is a few products.
const MAX_ORDER_LINES: usize = 20;

/// The API's order from the tool's, checked before anything is sent.
fn order_of(p: &CreateOrder) -> Result<types::NewOrder, String> {
    if p.products.is_empty() || p.products.len() > MAX_ORDER_LINES {
        return Err(format!(
            "products must list 1 to {MAX_ORDER_LINES} lines, not {}",
            p.products.len()
        ));
    }
    if let Some(line) = p.products.iter().find(|l| l.quantity == 0) {
        return Err(format!(
            "product {}: quantity must be at least 1",
            line.product_id
        ));
    }
    let lines: Vec<Value> = p
        .products
        .iter()
        .map(|l| json!({ "productId": l.product_id, "quantity": l.quantity }))
        .collect();
    let mut body = json!({ "products": lines });
    if let Some(reference) = &p.customer_reference {
        body["customer_reference"] = json!(reference);
    }
    if let Some(address) = &p.delivery_address {
        body["delivery_address"] = address.clone();
    }
    serde_json::from_value(body).map_err(|e| format!("the order is not one the API takes: {e}"))
}

#[tool_router(router = order_tools, vis = "pub(crate)")]
impl McpServer {
    #[tool(
        title = "Top up a SIM (billed)",
        output_schema = crate::mcp::schemas::write(),
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
        title = "Order products (billed)",
        output_schema = crate::mcp::schemas::write(),
        description = "Order products (SIMs and the like; ids and prices from list_products): BILLED, creates an order. Without confirm: true it only shows the request it would send. Never resent when its answer is lost.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false
        )
    )]
    async fn create_order(&self, Parameters(p): Parameters<CreateOrder>) -> Answer {
        let order = match order_of(&p) {
            Ok(order) => order,
            Err(why) => return Ok(refused(why)),
        };
        let lines: Vec<String> = p
            .products
            .iter()
            .map(|l| format!("{} × product {}", l.quantity, l.product_id))
            .collect();
        let what = Write::new("create_order", format!("order {}", lines.join(", ")));
        self.write(p.confirm, what, |client| {
            let order = order.clone();
            async move {
                let number = client.place_order(order).await?;
                Ok(json!({ "order_number": number }))
            }
        })
        .await
    }

    #[tool(
        title = "List orders",
        output_schema = crate::mcp::schemas::page(),
        description = "The account's orders (SIMs, top-ups), a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn list_orders(&self, Parameters(p): Parameters<Paging>) -> Answer {
        answer(page_of(self.client.all_orders(), &p).await)
    }

    #[tool(
        title = "List products",
        output_schema = crate::mcp::schemas::object(),
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
        title = "List support requests",
        output_schema = crate::mcp::schemas::page(),
        description = "The account's support (service) requests, a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn list_service_requests(&self, Parameters(p): Parameters<Paging>) -> Answer {
        answer(page_of(self.client.all_service_requests(), &p).await)
    }
}
