//! What commands print: the API's items as JSON values, and the results of
//! writes as data (what changed, ids, counts) with a line for people.

use serde_json::{json, Value};

pub fn to_values<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> Vec<Value> {
    items
        .into_iter()
        .map(|i| serde_json::to_value(i).expect("models serialise"))
        .collect()
}

pub fn one<T: serde::Serialize>(item: T) -> Vec<Value> {
    to_values([item])
}

/// The result of a write, as data: `fields` (what was changed: ICCIDs, ids,
/// counts) with `"result": "ok"` and a one-line `detail` for people.
pub fn done(fields: Value, detail: impl Into<String>) -> Vec<Value> {
    let mut record = json!({ "result": "ok" });
    if let (Some(record), Value::Object(fields)) = (record.as_object_mut(), fields) {
        record.extend(fields);
    }
    record["detail"] = json!(detail.into());
    vec![record]
}

/// The result of a write that created something: its id under `key` as data
/// (null when the API accepted the write without naming it, which is still
/// a success), and a detail line saying which.
pub fn created(what: &str, key: &str, id: Option<Value>, rest: &str) -> Vec<Value> {
    let detail = match &id {
        Some(Value::String(id)) => format!("{what} {id} {rest}"),
        Some(id) => format!("{what} {id} {rest}"),
        None => format!("{what} {rest}; the API did not give its {key}"),
    };
    vec![json!({ "result": "ok", key: id, "detail": detail })]
}

/// An SMS id as data: a number when it is one (1NCE's are), else its text.
pub fn sms_id(id: onence::models::SmsId) -> Value {
    id.number().map_or_else(|| json!(id.as_str()), Value::from)
}

/// `n` SIMs, counted in words: "1 SIM", "2 SIMs".
pub fn sims(n: usize) -> String {
    count(n, "SIM", "SIMs")
}

/// `n` things in words, singular for one: `count(1, "device", "devices")`
/// is "1 device".
pub fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}
