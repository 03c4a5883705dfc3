//! Tool results sized for a context window and free of secrets: structured
//! content with its text, long strings trimmed and long lists cut with a
//! note saying so, secrets (pre-shared keys, plugin tokens and keys,
//! webhook keys and authorization headers) redacted wherever they appear,
//! and errors as tool errors (`isError`) that name the bad input or the
//! API's refusal.

use rmcp::model::CallToolResult;
use serde_json::{json, Map, Value};

use super::redact::redacted;
use crate::error::Error;

/// Strings longer than this are trimmed.
pub const LONGEST_TEXT: usize = 200;
/// Lists longer than this are cut.
pub const LONGEST_LIST: usize = 100;
/// What was changed on the way to a result.
#[derive(Default)]
struct Tidied {
    trimmed: usize,
    cut: usize,
}

/// `value` with long strings trimmed and long lists cut.
fn tidy(value: Value, done: &mut Tidied) -> Value {
    match value {
        Value::String(s) if s.chars().count() > LONGEST_TEXT => {
            done.trimmed += 1;
            let cut: String = s.chars().take(LONGEST_TEXT).collect();
            Value::String(format!("{cut}…"))
        }
        Value::Array(items) => {
            if items.len() > LONGEST_LIST {
                done.cut += 1;
            }
            let kept = items.into_iter().take(LONGEST_LIST);
            Value::Array(kept.map(|v| tidy(v, done)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, tidy(v, done)))
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

/// A successful result: `value` redacted and tidied, with a note when
/// anything was cut.
pub fn ok(value: Value) -> CallToolResult {
    let mut done = Tidied::default();
    let mut value = tidy(redacted(value), &mut done);
    let mut notes = Vec::new();
    if done.trimmed > 0 {
        notes.push(format!(
            "{} long field(s) trimmed to {LONGEST_TEXT} characters",
            done.trimmed
        ));
    }
    if done.cut > 0 {
        notes.push(format!(
            "{} list(s) cut to {LONGEST_LIST} items: narrow the request (a smaller page, a filter or a search word)",
            done.cut
        ));
    }
    if !notes.is_empty() {
        if let Value::Object(map) = &mut value {
            map.insert("note".into(), json!(notes.join("; ")));
        } else {
            value = json!({ "result": value, "note": notes.join("; ") });
        }
    }
    if !value.is_object() {
        // Structured content is an object; a bare answer is wrapped.
        value = json!({ "result": value });
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

/// A tool error for what this server is set not to do (a write on a
/// read-only server): nothing was sent, and asking again will not help.
pub fn not_allowed(message: impl Into<String>) -> CallToolResult {
    CallToolResult::structured_error(json!({ "error": message.into(), "kind": "NotAllowed" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::redact::is_secret_field;

    #[test]
    fn secrets_are_redacted_at_any_depth_and_long_values_cut() {
        let plugin = json!({ "items": [{ "id": "p1", "tenantToken": "t0ps3cret", "privateKey": "-----BEGIN", "publicKey": "pub" }],
            "headers": { "Authorization": "Bearer abc", "X-Trace": "1" }, "secretKey": null });
        let shown = ok(plugin).structured_content.unwrap();
        let text = shown.to_string();
        assert!(
            !text.contains("t0ps3cret") && !text.contains("BEGIN") && !text.contains("abc"),
            "{text}"
        );
        assert_eq!(shown["items"][0]["publicKey"], "pub");
        assert_eq!(shown["headers"]["X-Trace"], "1");
        assert_eq!(
            shown["secretKey"],
            Value::Null,
            "an absent secret stays absent"
        );
        let long = ok(json!({ "items": (0..150).collect::<Vec<_>>(), "text": "x".repeat(500) }));
        let long = long.structured_content.unwrap();
        assert_eq!(long["items"].as_array().unwrap().len(), LONGEST_LIST);
        assert!(long["note"].as_str().unwrap().contains("cut to 100"));
        assert!(long["note"].as_str().unwrap().contains("trimmed"));
        // Paging tokens are not secrets.
        assert!(!is_secret_field("nextToken") && !is_secret_field("firstToken"));
        assert!(is_secret_field("secret_key") && is_secret_field("X-Api-Key"));
    }
}
