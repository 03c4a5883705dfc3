//! Which tools a server offers: all of them, the reads only
//! ([`McpServer::read_only`]), or those named ([`McpServer::only_tools`]).
//! A hint in a tool's annotations binds no agent; a tool that is not
//! served cannot be called, and a read-only server's gate refuses every
//! write that reaches it (`call_operation`'s), so "read-only" holds
//! whatever the agent asks.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::ToolAnnotations;

use super::McpServer;
use crate::error::{Error, Result};

/// The generic tool: it reads or writes by the operation it is given, so a
/// read-only server keeps it and refuses its writes at the gate.
const GENERIC: &str = "call_operation";

/// What a read-only server answers a write.
pub(crate) const READ_ONLY_REFUSAL: &str =
    "this server is read-only (onence mcp --read-only): it sends no write and plans none, even with confirm: true";

/// Whether the tool `name` with these annotations only reads.
fn reads(name: &str, annotations: Option<&ToolAnnotations>) -> bool {
    name != GENERIC && annotations.and_then(|a| a.read_only_hint) == Some(true)
}

impl McpServer {
    /// Serves reads only: no tool that writes is listed or can be called,
    /// and `call_operation` refuses every write, even with `confirm: true`,
    /// sending nothing (not even a dry run), with an error that says why.
    pub fn read_only(mut self) -> McpServer {
        self.read_only = true;
        let mut tools = (*self.tools).clone();
        tools
            .map
            .retain(|name, route| name == GENERIC || reads(name, route.attr.annotations.as_ref()));
        if let Some(generic) = tools.map.get_mut(GENERIC) {
            let attr = &mut generic.attr;
            attr.description = Some(
                format!(
                    "{} This server is read-only: a write is refused.",
                    attr.description.as_deref().unwrap_or_default()
                )
                .into(),
            );
            attr.annotations = Some(
                attr.annotations
                    .clone()
                    .unwrap_or_default()
                    .read_only(true)
                    .destructive(false)
                    .idempotent(true)
                    .open_world(true),
            );
        }
        self.tools = Arc::new(tools);
        self
    }

    /// Serves only the tools `names` (as `tools/list` names them). A name
    /// the server does not have is an error naming it and those it has; on
    /// a read-only server, so is the name of a tool that writes.
    pub fn only_tools<S: AsRef<str>>(mut self, names: &[S]) -> Result<McpServer> {
        let every = super::tools::all();
        for name in names.iter().map(AsRef::as_ref) {
            if !every.map.contains_key(name) {
                let mut known: Vec<&str> = every.map.keys().map(|k| k.as_ref()).collect();
                known.sort_unstable();
                return Err(Error::invalid_input(format!(
                    "no tool {name:?}; the tools are {}",
                    known.join(", ")
                )));
            }
            if self.read_only && !self.tools.map.contains_key(name) {
                return Err(Error::invalid_input(format!(
                    "tool {name:?} writes, and a read-only server serves no write tool"
                )));
            }
        }
        let mut tools: ToolRouter<McpServer> = (*self.tools).clone();
        tools
            .map
            .retain(|name, _| names.iter().any(|n| n.as_ref() == name.as_ref()));
        self.tools = Arc::new(tools);
        Ok(self)
    }

    /// The names of the tools served, sorted.
    pub fn tool_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.tools.map.keys().map(|k| k.to_string()).collect();
        names.sort_unstable();
        names
    }

    /// Whether the server refuses every write.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }
}
