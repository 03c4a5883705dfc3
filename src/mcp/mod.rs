//! An MCP server over the API for AI agents (`onence mcp`): typed tools
//! for the everyday reads and writes, every documented operation by name
//! (`list_operations`, `call_operation`), the `sim://{iccid}` resource, a
//! fleet health report prompt, results sized for a context window, and
//! writes that are only made with `confirm: true`. Without it a write tool
//! answers the exact request it would send (a dry run through the client's
//! own hook) and what it costs, and sends nothing.
//!
//! [`McpServer::read_only`] serves reads alone, [`McpServer::only_tools`]
//! the tools named.
//!
//! Serve it on any rmcp transport (`server.serve(transport)`), or over
//! streamable HTTP with [`http::router`].

mod call;
pub mod http;
mod operations;
mod paging;
mod prompts;
mod redact;
mod resources;
mod results;
mod schemas;
mod tool_set;
mod tools;
mod write;

use std::sync::{Arc, Mutex};

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolResult, Implementation, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{prompt_handler, tool_handler, ErrorData, RoleServer, ServerHandler};

pub use operations::search as search_operations;
pub use operations::{all as operations, count as operation_count, find as find_operation};
pub use operations::{Body, Operation, Parameter};
pub use redact::{is_secret_field, redacted, REDACTED};
pub use results::{LONGEST_LIST, LONGEST_TEXT};

use crate::api::generated::Client;
use crate::client::ClientBuilder;
use crate::error::Result;
use crate::transport::dry_run::PlannedWrite;

/// Calls the documented operation `name` (`v1.get_sim`, `os.list_geofences`;
/// see [`operations`]) with `arguments` through `client`'s pipeline, as
/// the `call_operation` tool does: its parameters by their documented
/// names and its JSON body as `body`, checked against the documents before
/// anything is sent (an error names what is wrong). A 2xx answers its JSON
/// (text that is not JSON as a string, no body as null). It confirms
/// nothing: a caller asks before a write (`onence api call` does).
pub async fn call_operation(
    client: &Client,
    name: &str,
    arguments: &serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Value> {
    let op = operations::find(name).ok_or_else(|| {
        crate::error::Error::invalid_input(format!(
            "no operation {name:?}; names carry their API version (v1., v2., os.)"
        ))
    })?;
    let request = call::request_for(op, arguments).map_err(crate::error::Error::invalid_input)?;
    client.send_raw(request).await
}

/// The default number of items a list tool returns.
pub const DEFAULT_LIMIT: u64 = 20;
/// The most items a list tool returns at once.
pub const MAX_LIMIT: u64 = 100;

/// What a tool answers.
type Answer = std::result::Result<CallToolResult, ErrorData>;

/// The server: a client for the API and a dry-run twin of it.
#[derive(Clone)]
pub struct McpServer {
    client: Client,
    dry: Client,
    planned: Arc<Mutex<Vec<PlannedWrite>>>,
    /// One dry run at a time, so each sees only its own requests.
    dry_run: Arc<tokio::sync::Mutex<()>>,
    tools: Arc<ToolRouter<McpServer>>,
    prompts: Arc<PromptRouter<McpServer>>,
    /// Every write is refused ([`McpServer::read_only`]).
    read_only: bool,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer")
            .field("read_only", &self.read_only)
            .field("tools", &self.tools.map.len())
            .finish_non_exhaustive()
    }
}

impl McpServer {
    /// A server whose clients are built from `builder` (credentials, base
    /// URL, limits): one that sends, and one that only plans writes.
    pub fn new(builder: ClientBuilder) -> Result<McpServer> {
        let planned = Arc::new(Mutex::new(Vec::new()));
        let sink = planned.clone();
        let dry = builder
            .clone()
            .dry_run(move |write: &PlannedWrite| {
                if let Ok(mut planned) = sink.lock() {
                    planned.push(write.clone());
                }
            })
            .build()?;
        Ok(McpServer {
            client: builder.build()?,
            dry,
            planned,
            dry_run: Arc::new(tokio::sync::Mutex::new(())),
            tools: Arc::new(tools::all()),
            prompts: Arc::new(McpServer::prompt_list()),
            read_only: false,
        })
    }
}

/// What the server tells an agent when it connects.
const INSTRUCTIONS: &str = "The 1NCE IoT management API: SIMs, quotas, SMS, top-ups, orders, support and 1NCE OS devices. \
Lists return a page (limit, default 20) and a next_cursor. Writes need confirm: true; without it they show the exact request and its cost and send nothing. \
A write whose answer was lost is reported with outcome unknown and never resent: check before sending it again. \
list_operations names every documented operation; call_operation calls any of them. The resource sim://{iccid} is a SIM with its quotas.";

/// What a read-only server adds to its instructions.
const READ_ONLY_NOTE: &str =
    "This server is read-only: it lists no write tool, and call_operation refuses every write.";

#[tool_handler(router = self.tools)]
#[prompt_handler(router = self.prompts)]
impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("onence", env!("CARGO_PKG_VERSION")))
        .with_instructions(match self.read_only {
            true => format!("{INSTRUCTIONS} {READ_ONLY_NOTE}"),
            false => INSTRUCTIONS.to_string(),
        })
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourcesResult, ErrorData> {
        let cursor = request.as_ref().and_then(|r| r.cursor.as_deref());
        self.sim_resources(cursor).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourceTemplatesResult, ErrorData> {
        Ok(McpServer::sim_template())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ReadResourceResponse, ErrorData> {
        Ok(self.read_sim(&request.uri).await?.into())
    }
}
