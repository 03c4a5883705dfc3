//! The tools, one file per noun, each an impl block of [`McpServer`] with
//! its own router; [`all`] joins them. Reads answer a page at a time with a
//! cursor for the next; writes go through the confirm gate (`write.rs`).

mod catalogue;
mod devices;
mod orders;
mod sims;
mod sms;

use rmcp::handler::server::router::tool::ToolRouter;
use serde_json::Value;

use super::results::{failed, ok};
use super::{Answer, McpServer};
use crate::error::Result;

/// Every tool.
pub(super) fn all() -> ToolRouter<McpServer> {
    McpServer::sim_tools()
        + McpServer::sms_tools()
        + McpServer::order_tools()
        + McpServer::device_tools()
        + McpServer::catalogue_tools()
}

/// A tool's JSON answer, or its error as a tool error.
fn answer(outcome: Result<Value>) -> Answer {
    Ok(match outcome {
        Ok(value) => ok(value),
        Err(e) => failed(&e),
    })
}

/// A model as JSON (the models serialise; a failure would be a null).
fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
