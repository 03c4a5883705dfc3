//! An MCP server over the API for AI agents (`onence mcp`): typed tools
//! for the everyday reads and writes, a searchable list of every documented
//! operation, results sized for a context window, and writes that are only
//! made with `confirm: true`. Without it a write tool answers the exact
//! request it would send (a dry run through the client's own hook) and
//! what it costs, and sends nothing.

mod operations;
mod results;
mod tools;

use std::sync::{Arc, Mutex};

pub use operations::{all as operations, search as search_operations, Operation};
pub use results::LONGEST_TEXT;

use crate::{Client, ClientBuilder, PlannedWrite, Result};

/// The default number of items a list tool returns.
pub const DEFAULT_LIMIT: u64 = 20;
/// The most items a list tool returns at once.
pub const MAX_LIMIT: u64 = 100;

/// The server: a client for the API and a dry-run twin of it.
#[derive(Clone)]
pub struct McpServer {
    client: Client,
    dry: Client,
    planned: Arc<Mutex<Vec<PlannedWrite>>>,
    /// One dry run at a time, so each sees only its own requests.
    dry_run: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpServer").finish_non_exhaustive()
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
        })
    }
}
