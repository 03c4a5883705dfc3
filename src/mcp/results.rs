//! Tool results sized for a context window: structured content with its
//! text, long strings trimmed with a note saying so, and errors as tool
//! errors (`isError`) that name the bad input or the API's refusal.

use rmcp::model::CallToolResult;
use serde_json::{json, Value};

use crate::Error;

/// Strings longer than this are trimmed.
pub const LONGEST_TEXT: usize = 200;

/// `value` with strings past [`LONGEST_TEXT`] characters cut; how many.
fn trimmed(value: Value) -> (Value, usize) {
    match value {
        Value::String(s) if s.chars().count() > LONGEST_TEXT => {
            let cut: String = s.chars().take(LONGEST_TEXT).collect();
            (Value::String(format!("{cut}…")), 1)
        }
        Value::Array(items) => {
            let mut count = 0;
            let items = items
                .into_iter()
                .map(|v| {
                    let (v, n) = trimmed(v);
                    count += n;
                    v
                })
                .collect();
            (Value::Array(items), count)
        }
        Value::Object(map) => {
            let mut count = 0;
            let map = map
                .into_iter()
                .map(|(k, v)| {
                    let (v, n) = trimmed(v);
                    count += n;
                    (k, v)
                })
                .collect();
            (Value::Object(map), count)
        }
        other => (other, 0),
    }
}

/// A successful result: `value` trimmed, with a note when it was.
pub fn ok(value: Value) -> CallToolResult {
    let (mut value, cut) = trimmed(value);
    if cut > 0 {
        if let Value::Object(map) = &mut value {
            map.insert(
                "note".into(),
                json!(format!(
                    "{cut} long field(s) trimmed to {LONGEST_TEXT} characters"
                )),
            );
        }
    }
    CallToolResult::structured(value)
}

/// A tool error from the client's error: what went wrong, its kind, and for
/// a write whose answer was lost that its outcome is unknown.
pub fn failed(error: &Error) -> CallToolResult {
    let mut body = json!({ "error": error.to_string(), "kind": format!("{:?}", error.kind()) });
    if let Some(status) = error.status() {
        body["status"] = json!(status.as_u16());
    }
    if error.is_outcome_unknown() {
        body["outcome"] = json!("unknown");
        body["advice"] = json!(
            "the request may have taken effect; it was not retried: check before sending it again"
        );
    }
    CallToolResult::structured_error(body)
}

/// A tool error for input refused before any request.
pub fn refused(message: impl Into<String>) -> CallToolResult {
    CallToolResult::structured_error(json!({ "error": message.into(), "kind": "InvalidInput" }))
}
