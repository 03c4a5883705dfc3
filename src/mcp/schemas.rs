//! The `outputSchema` of each tool: what its structured content holds, so
//! that an agent (and an SDK that checks results against it) knows the
//! shape before it calls. A schema names the fields every answer of its
//! kind carries and leaves room for the rest (the API's drift, a note that
//! a list was cut). Tool errors (`isError`) are outside it, as MCP says.

use std::sync::Arc;

use rmcp::model::JsonObject;
use serde_json::{json, Value};

use crate::writes::CostClass;

fn object_of(schema: Value) -> Arc<JsonObject> {
    match schema {
        Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

/// A page of a list tool: its items, their count, and the cursor of the
/// next page (null at the end).
pub(crate) fn page() -> Arc<JsonObject> {
    object_of(json!({
        "type": "object",
        "properties": {
            "items": { "type": "array", "items": { "type": "object" } },
            "count": { "type": "integer", "minimum": 0 },
            "page": { "type": "integer", "minimum": 1 },
            "total_pages": { "type": ["integer", "null"] },
            "total_count": { "type": ["integer", "null"] },
            "next_cursor": { "type": ["string", "null"], "description": "pass as cursor for the next page; null at the end" },
            "note": { "type": "string" }
        },
        "required": ["items", "count", "next_cursor"]
    }))
}

/// A write behind the confirm gate: without `confirm`, the requests it
/// would send and what they cost; with it, what was done and the answer.
pub(crate) fn write() -> Arc<JsonObject> {
    let cost = json!({
        "billed": { "type": "boolean" },
        "cost_class": { "type": "string", "enum": CostClass::ALL },
        "cost": { "type": "string" }
    });
    let mut planned = json!({
        "dry_run": { "const": true },
        "would": { "type": "string" },
        "would_send": { "type": "array", "items": {
            "type": "object",
            "properties": { "method": { "type": "string" }, "path": { "type": "string" }, "body": {} },
            "required": ["method", "path"]
        } },
        "calls": { "type": "integer", "minimum": 0 },
        "note": { "type": "string" }
    });
    let mut done = json!({ "done": { "type": "string" }, "answer": {} });
    for properties in [&mut planned, &mut done] {
        if let (Some(properties), Some(cost)) = (properties.as_object_mut(), cost.as_object()) {
            properties.extend(cost.clone());
        }
    }
    object_of(json!({
        "type": "object",
        "anyOf": [
            { "properties": planned, "required": ["dry_run", "would", "would_send", "billed", "cost_class"] },
            { "properties": done, "required": ["done", "billed", "cost_class"] }
        ]
    }))
}

/// A record or report of the API's (its fields are the documents').
pub(crate) fn object() -> Arc<JsonObject> {
    object_of(json!({ "type": "object" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schemas hold the answers the tools give (the shapes in
    /// `paging.rs` and `write.rs`) and refuse what is not one.
    #[test]
    fn the_schemas_accept_the_tools_answers_and_refuse_others() {
        let holds = |schema: Arc<JsonObject>, value: Value| {
            let schema = Value::Object((*schema).clone());
            jsonschema::validator_for(&schema).unwrap().is_valid(&value)
        };
        let listed = json!({ "items": [{ "iccid": "1" }], "count": 1, "page": 1, "total_pages": 3, "total_count": null, "next_cursor": "2:1" });
        assert!(holds(page(), listed));
        assert!(!holds(page(), json!({ "items": [] })), "no cursor");
        let planned = json!({ "dry_run": true, "would": "top up 1", "would_send": [{ "method": "POST", "path": "/v1/sims/1/topup", "body": null }],
            "calls": 1, "billed": true, "cost_class": "billed", "cost": "billed", "note": "nothing was sent" });
        let done = json!({ "done": "top up 1", "billed": true, "cost_class": "billed", "cost": "billed", "answer": { "order_number": 5 } });
        assert!(holds(write(), planned));
        assert!(holds(write(), done));
        assert!(!holds(write(), json!({ "sims": 3 })), "neither shape");
    }
}
