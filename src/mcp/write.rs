//! The gate every write goes through. With `confirm: true` the write is
//! sent once on the real client (whose pipeline never resends a write
//! whose answer was lost: that outcome is reported as unknown). Without it
//! the same code runs on the dry-run twin, whose hook captures each request
//! exactly as it would be sent, and the tool answers those requests and
//! what the write costs, having sent nothing. A read-only server refuses
//! every write here, confirmed or not.

use std::future::Future;

use serde_json::{json, Value};

use super::results::{failed, not_allowed, ok};
use super::tool_set::READ_ONLY_REFUSAL;
use super::{Answer, McpServer};
use crate::api::generated::Client;
use crate::error::Result;
use crate::writes::Write;

impl McpServer {
    /// A write, as the library's write policy describes it: with
    /// `confirm`, `send` on the real client; without, `send` on the dry-run
    /// client, answering the requests it would make and what they cost.
    pub(super) async fn write<F, Fut>(&self, confirm: bool, write: Write, send: F) -> Answer
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<Value>>,
    {
        if self.read_only {
            return Ok(not_allowed(READ_ONLY_REFUSAL));
        }
        let cost = write.cost();
        if confirm {
            return Ok(match send(self.client.clone()).await {
                Ok(answer) => ok(json!({
                    "done": write.what(), "billed": cost.is_billed(), "cost_class": cost.class(), "cost": cost.what(),
                    "answer": answer,
                })),
                Err(e) => failed(&e),
            });
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
            "dry_run": true, "would": write.what(), "would_send": planned, "calls": planned.len(),
            "billed": cost.is_billed(), "cost_class": cost.class(), "cost": cost.what(),
            "note": "nothing was sent; call again with confirm: true to send it",
        })))
    }
}
