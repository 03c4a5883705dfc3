//! `onence mcp`: the Model Context Protocol server (`onence::mcp`) on
//! stdin and stdout, for an agent's MCP client to start; with the CLI's
//! configuration, profiles and `--sandbox`. Logs go to stderr only.

use onence::mcp::McpServer;
use rmcp::ServiceExt;

use crate::context::{Ctx, Global};
use crate::failure::Failure;

/// Serves MCP over stdio until the client closes it.
pub async fn run(global: Global) -> Result<(), Failure> {
    let mut settings = None;
    // The context keeps the embedded sandbox (with --sandbox) running.
    let _ctx = Ctx::open_with(global, |builder| {
        settings = Some(builder.clone());
        builder
    })
    .await?;
    let builder = settings.ok_or_else(|| Failure::Usage("no client settings".into()))?;
    let server = McpServer::new(builder)?;
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Failure::Usage(format!("MCP: the client did not start a session: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Failure::Usage(format!("MCP: {e}")))?;
    Ok(())
}
