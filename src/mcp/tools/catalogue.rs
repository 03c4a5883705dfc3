//! The whole API for an agent: every documented operation, searchable, and
//! `call_operation`, the generic way to any of them, its arguments checked
//! against the operation's parameters and its writes behind the gate.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{answer, to_json};
use crate::mcp::call::request_for;
use crate::mcp::operations;
use crate::mcp::results::{ok, refused};
use crate::mcp::{Answer, McpServer};
use crate::writes::Write;

/// A search of the documented operations.
#[derive(Debug, Default, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Search {
    /// A word to look for in names, paths and summaries (all when none); an
    /// operation's exact name (`os.create_geofence`) also gives its body's schema.
    pub search: Option<String>,
}

/// One documented operation, called by name.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct CallOperation {
    /// The operation, as list_operations names it (`v1.get_sim`, `os.get_device`).
    pub operation: String,
    /// Its parameters by name as documented (`iccid`, `pageSize`, ...), and
    /// its JSON body as `body`.
    #[serde(default)]
    pub arguments: Map<String, Value>,
    /// `true` to send a write; otherwise the request is only shown. Reads
    /// need no confirmation.
    #[serde(default)]
    pub confirm: bool,
}

#[tool_router(router = catalogue_tools, vis = "pub(crate)")]
impl McpServer {
    #[tool(
        title = "Find an API operation",
        output_schema = crate::mcp::schemas::object(),
        description = "Every documented operation (v1., v2., os. in front of the name), with its method, path, summary, parameters and body; search by a word.",
        annotations(read_only_hint = true)
    )]
    async fn list_operations(&self, Parameters(p): Parameters<Search>) -> Answer {
        let word = p.search.as_deref().map(str::trim).unwrap_or_default();
        // One operation named exactly: with its body's schema, for call_operation.
        if let Some(op) = operations::find(word) {
            let mut described = to_json(op);
            described["body_schema"] = operations::body_schema(op).unwrap_or(Value::Null);
            return Ok(ok(json!({ "count": 1, "operations": [described] })));
        }
        if word.is_empty() {
            // Every one as `name: summary`, by API, to fit one answer.
            let mut by_api = Map::new();
            for op in operations::all() {
                let (api, _) = op.name.split_once('.').unwrap_or_default();
                let line = json!(format!("{}: {}", op.name, op.summary));
                match by_api.get_mut(api).and_then(Value::as_array_mut) {
                    Some(list) => list.push(line),
                    None => {
                        by_api.insert(api.to_string(), json!([line]));
                    }
                }
            }
            return Ok(ok(json!({
                "count": operations::count(), "by_api": by_api,
                "hint": "search by a word for parameters; an exact name also gives the body's schema",
            })));
        }
        let found = operations::search(word);
        Ok(ok(
            json!({ "count": found.len(), "operations": to_json(&found) }),
        ))
    }

    #[tool(
        title = "Call an API operation",
        output_schema = crate::mcp::schemas::object(),
        description = "Call any documented operation by name (see list_operations) with its arguments; checked against its parameters before anything is sent. A write (not GET) needs confirm: true, and without it only shows the request it would send and what it costs. Never resent when its answer is lost.",
        // It may be any write: a hint must assume the worst; a read needs no confirm.
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    async fn call_operation(&self, Parameters(p): Parameters<CallOperation>) -> Answer {
        let Some(op) = operations::find(&p.operation) else {
            let word = p.operation.rsplit('.').next().unwrap_or_default();
            let near: Vec<&str> = operations::search(word)
                .into_iter()
                .map(|o| o.name)
                .take(10)
                .collect();
            return Ok(refused(format!(
                "no operation {:?}; names carry their API version (v1., v2., os.){}",
                p.operation,
                if near.is_empty() {
                    String::new()
                } else {
                    format!(": did you mean {}?", near.join(", "))
                }
            )));
        };
        let request = match request_for(op, &p.arguments) {
            Ok(request) => request,
            Err(why) => return Ok(refused(why)),
        };
        if !op.write {
            return answer(self.client.send_raw(request).await);
        }
        let what = format!("{} {} ({})", op.method, op.path, op.name);
        self.write(p.confirm, Write::costing(op.cost, what), |client| {
            let request = request.clone();
            async move { client.send_raw(request).await }
        })
        .await
    }
}
