//! Rules that make the models tolerate how the real service drifts from its
//! documents (see `docs/real-service.md`): numbers sent as strings, enum values
//! nobody documented, timestamps in forms that are not RFC 3339.
//!
//! They touch only what the client *decodes*: every schema reachable from a
//! JSON response. Request bodies and parameters stay exactly as documented,
//! so a caller can only send what the API accepts. `codegen.rs` turns the
//! marks these rules leave into Rust types:
//!
//! | mark | Rust type |
//! |---|---|
//! | `{"type": "integer", "x-onence-type": "lenient"}` | `onence::models::Lenient<i64>` |
//! | `{"type": "number", "x-onence-type": "lenient"}` | `onence::models::Lenient<f64>` |
//! | `{"type": "string", "x-onence-type": "timestamp"}` | `onence::timestamp::Timestamp` |
//! | a component with `"x-onence-open-enum": true` | an enum with `Other(String)` |

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::{collect_refs, for_each_operation, pascal, rewrite_refs, Notes};
use crate::Failure;

/// The extension that marks a value the client decodes leniently.
pub const TYPE_MARK: &str = "x-onence-type";
/// The extension that marks an enum the client keeps open.
pub const OPEN_ENUM_MARK: &str = "x-onence-open-enum";
/// The suffix of the response-side copy of a model that requests use too.
pub const RECEIVED_SUFFIX: &str = "Received";

/// Timestamps the documents give as plain strings, by (model, property), with
/// the models' idiomatic names. The service sends them in the forms of
/// `docs/real-service.md`; the examples in the documents show the same.
pub const TIMESTAMP_PROPERTIES: &[(&str, &str)] = &[
    ("ConnectivityInfo", "reply_timestamp"),
    ("ConnectivityInfo", "request_timestamp"),
    ("EventDetailPdpContext", "tunnel_created"),
    ("Location", "last_updated"),
    ("PdpContext", "created"),
    ("Quota", "expiry_date"),
    ("Quota", "last_status_change_date"),
    ("Sim", "activation_date"),
    ("SimEvent", "timestamp"),
    ("Sms", "delivery_date"),
    ("Sms", "expiry_date"),
    ("Sms", "final_date"),
    ("Sms", "last_delivery_attempt"),
    ("Sms", "retry_date"),
    ("Sms", "submit_date"),
    ("UsageDay", "date"),
];

/// Metadata a rewritten schema keeps: it describes, it does not constrain.
const METADATA: &[&str] = &["description", "example", "title", "default", "readOnly"];

/// Rule: the properties of [`TIMESTAMP_PROPERTIES`] are timestamps
/// (`x-onence-format: date-time`, as the documented ones carry after
/// [`timestamps_stay_strings`](super::timestamps_stay_strings)).
pub fn known_timestamps(doc: &mut Value) {
    for (model, property) in TIMESTAMP_PROPERTIES {
        let pointer = format!("/components/schemas/{model}/properties/{property}");
        if let Some(schema) = doc.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            if schema.get("type").and_then(Value::as_str) == Some("string") {
                schema.insert("x-onence-format".into(), json!("date-time"));
            }
        }
    }
}

/// Rule: everything the client decodes tolerates drift.
///
/// 1. A model reachable from both a request and a JSON response is split: the
///    request keeps it as documented, responses get a copy named
///    `{Model}Received` (noted), so only the response side is relaxed.
/// 2. In every schema reachable from a JSON response:
///    - a number or integer becomes a lenient one (a number or a string
///      holding one); its bounds and format go, and documented enum values
///      move into the description;
///    - a timestamp becomes `x-onence-type: timestamp` (the text is kept
///      when it does not parse);
///    - a string enum becomes a component of its own, `{Model}{Property}`
///      (the name typify gives it inline), marked open;
///    - an object requires none of its fields: the service leaves some out.
pub fn lenient_responses(doc: &mut Value, notes: &mut Notes) -> Result<(), Failure> {
    let (request_roots, response_roots) = roots(doc);
    let schemas = components(doc);
    let requested = closure(&schemas, request_roots);
    let received = closure(&schemas, response_roots);
    let shared: BTreeSet<String> = requested.intersection(&received).cloned().collect();
    split_shared(doc, &shared, &received, notes)?;

    let received: BTreeSet<String> = received
        .iter()
        .map(|name| match shared.contains(name) {
            true => format!("{name}{RECEIVED_SUFFIX}"),
            false => name.clone(),
        })
        .collect();
    let mut hoisted: BTreeMap<String, Value> = BTreeMap::new();
    let all = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Failure::Normalise("the document has no components".into()))?;
    for name in &received {
        if let Some(schema) = all.get_mut(name) {
            relax_component(schema, name, &mut hoisted)?;
        }
    }
    let mut inline_failure = None;
    decoded_schemas(doc, |op_name, schema| {
        if schema.get("$ref").is_none() {
            let name = format!("{}Response", pascal(op_name));
            if let Err(e) = relax(schema, &name, "", &mut hoisted) {
                inline_failure.get_or_insert(e);
            }
        }
    });
    if let Some(e) = inline_failure {
        return Err(e);
    }
    let all = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("checked above");
    for (name, schema) in hoisted {
        match all.get(&name) {
            Some(existing) if *existing != schema => {
                return Err(Failure::Normalise(format!(
                    "the open enum {name} would replace another schema"
                )))
            }
            _ => {
                all.insert(name, schema);
            }
        }
    }
    super::unions::merge_received_unions(all, &received);
    Ok(())
}

/// Calls `f` with each operation's name and each JSON response schema of it:
/// what the client decodes.
fn decoded_schemas(doc: &mut Value, mut f: impl FnMut(&str, &mut Value)) {
    for_each_operation(doc, |_, _, op| {
        let name = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        for (_, response) in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            if let Some(schema) = response.pointer_mut("/content/application~1json/schema") {
                f(&name, schema);
            }
        }
    });
}

/// Schemas that requests carry (bodies of any media type, parameters) and
/// that the client decodes (JSON responses).
fn roots(doc: &mut Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut requests, mut responses) = (BTreeSet::new(), BTreeSet::new());
    for_each_operation(doc, |_, _, op| {
        collect_refs(op.get("requestBody").unwrap_or(&Value::Null), &mut requests);
        collect_refs(op.get("parameters").unwrap_or(&Value::Null), &mut requests);
        for (_, response) in op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // JSON answers, and the raw answers of writes that may come
            // without a body: the helpers decode those too.
            for media in ["application~1json", "*~1*"] {
                let decoded = response.pointer(&format!("/content/{media}/schema"));
                collect_refs(decoded.unwrap_or(&Value::Null), &mut responses);
            }
        }
    });
    (requests, responses)
}

fn components(doc: &Value) -> Map<String, Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Every component reachable from `roots`.
fn closure(schemas: &Map<String, Value>, roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut next = BTreeSet::new();
        collect_refs(schemas.get(&name).unwrap_or(&Value::Null), &mut next);
        todo.extend(next);
    }
    seen
}

/// Copies each shared model to `{Model}Received` and points the response side at the copies.
fn split_shared(
    doc: &mut Value,
    shared: &BTreeSet<String>,
    received: &BTreeSet<String>,
    notes: &mut Notes,
) -> Result<(), Failure> {
    if shared.is_empty() {
        return Ok(());
    }
    let renamed: BTreeMap<String, String> = shared
        .iter()
        .map(|n| {
            (
                format!("#/components/schemas/{n}"),
                format!("#/components/schemas/{n}{RECEIVED_SUFFIX}"),
            )
        })
        .collect();
    let all = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .expect("shared models are components");
    for name in shared {
        let copy_name = format!("{name}{RECEIVED_SUFFIX}");
        if all.contains_key(&copy_name) {
            return Err(Failure::Normalise(format!(
                "{name} is shared by requests and responses, but {copy_name} exists already"
            )));
        }
        let mut copy = all[name].clone();
        copy["x-onence-copy-of"] = json!(name);
        all.insert(copy_name.clone(), copy);
        notes.remarks.push(format!(
            "{name} is both sent and received: responses decode it as {copy_name}"
        ));
    }
    // The response side: response-only models, the copies, and the responses themselves.
    for name in received {
        let target = match shared.contains(name) {
            true => format!("{name}{RECEIVED_SUFFIX}"),
            false => name.clone(),
        };
        if let Some(schema) = all.get_mut(&target) {
            rewrite_refs(schema, &renamed);
        }
    }
    decoded_schemas(doc, |_, schema| rewrite_refs(schema, &renamed));
    Ok(())
}

/// A component on the response side: a string enum itself is marked open in
/// place; any other schema is relaxed property by property.
fn relax_component(
    schema: &mut Value,
    name: &str,
    hoisted: &mut BTreeMap<String, Value>,
) -> Result<(), Failure> {
    if is_string_enum(schema) {
        schema[OPEN_ENUM_MARK] = json!(true);
        return Ok(());
    }
    relax(schema, name, "", hoisted)
}

/// Relaxes `schema`, found at property `property` of the model `parent`
/// (`property` is empty for the model itself).
fn relax(
    schema: &mut Value,
    parent: &str,
    property: &str,
    hoisted: &mut BTreeMap<String, Value>,
) -> Result<(), Failure> {
    if schema.get("$ref").is_some() {
        return Ok(());
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "integer" | "number" => {
            let mut relaxed = keep_metadata(schema);
            if let Some(values) = schema.get("enum").and_then(Value::as_array) {
                let listed: Vec<String> = values.iter().map(Value::to_string).collect();
                let described = relaxed
                    .get("description")
                    .and_then(Value::as_str)
                    .map(|d| format!("{} ", d.trim_end()))
                    .unwrap_or_default();
                relaxed.insert(
                    "description".into(),
                    json!(format!(
                        "{described}Documented values: {}.",
                        listed.join(", ")
                    )),
                );
            }
            relaxed.insert("type".into(), json!(kind));
            relaxed.insert(TYPE_MARK.into(), json!("lenient"));
            *schema = Value::Object(relaxed);
        }
        "string" if is_string_enum(schema) => {
            let name = format!("{parent}{}", pascal(property));
            let mut component = schema.clone();
            component[OPEN_ENUM_MARK] = json!(true);
            if let Some(previous) = hoisted.insert(name.clone(), component.clone()) {
                if previous != component {
                    return Err(Failure::Normalise(format!(
                        "two different enums would both be named {name}"
                    )));
                }
            }
            // An OpenAPI 3.0 `$ref` ignores its siblings; the description stays on the enum.
            *schema = json!({ "$ref": format!("#/components/schemas/{name}") });
        }
        "string" if schema.get("x-onence-format").is_some() => {
            let mut relaxed = keep_metadata(schema);
            relaxed.insert("type".into(), json!("string"));
            relaxed.insert(TYPE_MARK.into(), json!("timestamp"));
            *schema = Value::Object(relaxed);
        }
        "string" => {
            // A read string is any string: a length, pattern or format
            // (`ipv4`) the document states would refuse a whole answer for
            // one odd value (an empty IP, a 20-digit id).
            let mut relaxed = keep_metadata(schema);
            for kept in ["nullable", "deprecated"] {
                if let Some(value) = schema.get(kept) {
                    relaxed.insert(kept.into(), value.clone());
                }
            }
            relaxed.insert("type".into(), json!("string"));
            *schema = Value::Object(relaxed);
        }
        "array" => {
            // A pair read as `[f64; 2]` would refuse a whole page for one
            // point with a third value (an altitude) or none.
            if let Some(object) = schema.as_object_mut() {
                for bound in ["minItems", "maxItems", "uniqueItems"] {
                    object.remove(bound);
                }
            }
            if let Some(items) = schema.get_mut("items") {
                relax(items, parent, &format!("{property}_item"), hoisted)?;
            }
        }
        _ => {
            // Fields come and go (docs/real-service.md): none is required to
            // decode, and an undocumented one is ignored, never a reason to
            // refuse the answer (1NCE OS marks its models closed).
            if let Some(object) = schema.as_object_mut() {
                object.remove("required");
                if object.get("additionalProperties") == Some(&Value::Bool(false)) {
                    object.remove("additionalProperties");
                }
            }
            let model = if property.is_empty() {
                parent.to_string()
            } else {
                format!("{parent}{}", pascal(property))
            };
            if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
                for (name, sub) in properties.iter_mut() {
                    relax(sub, &model, name, hoisted)?;
                }
            }
            if let Some(extra) = schema
                .get_mut("additionalProperties")
                .filter(|v| v.is_object())
            {
                relax(extra, &model, "value", hoisted)?;
            }
        }
    }
    Ok(())
}

fn is_string_enum(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string") && schema.get("enum").is_some()
}

fn keep_metadata(schema: &Value) -> Map<String, Value> {
    schema
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| METADATA.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" }, "paths": paths,
                "components": { "schemas": schemas } })
    }

    fn reads(schema: &str) -> Value {
        json!({ "/x": { "get": { "operationId": "get_x", "responses": { "200": { "description": "ok",
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } } } } } })
    }

    fn relaxed(paths: Value, schemas: Value) -> (Value, Notes) {
        let mut d = doc(paths, schemas);
        let mut notes = Notes::default();
        lenient_responses(&mut d, &mut notes).unwrap();
        (d["components"]["schemas"].clone(), notes)
    }

    /// Fields come and go: a response model requires none (v2's PDP context
    /// lists 31 required fields); a request model keeps what it requires.
    #[test]
    fn response_models_require_no_field_and_requests_keep_theirs() {
        let mut paths = reads("Pdp");
        paths["/y"] = json!({ "post": { "operationId": "post_y",
            "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Update" } } } },
            "responses": { "201": { "description": "ok" } } } });
        let (s, _) = relaxed(
            paths,
            json!({
                "Pdp": { "type": "object", "required": ["apn"], "properties": {
                    "apn": { "type": "string" },
                    "rat": { "type": "object", "required": ["id"], "properties": { "id": { "type": "string" } } } } },
                "Update": { "type": "object", "required": ["iccid"], "properties": { "iccid": { "type": "string" } } },
            }),
        );
        assert!(s["Pdp"].get("required").is_none());
        assert!(s["Pdp"]["properties"]["rat"].get("required").is_none());
        assert_eq!(s["Update"]["required"], json!(["iccid"]));
    }

    #[test]
    fn response_numbers_become_lenient_and_lose_their_bounds() {
        let (s, _) = relaxed(
            reads("Order"),
            json!({ "Order": { "type": "object", "properties": {
                "order_number": { "type": "integer", "format": "int64", "minimum": 1, "description": "n" },
                "volume": { "type": "number", "nullable": true },
                "dcs": { "type": "integer", "enum": [0, 4, 8] } } } }),
        );
        let p = &s["Order"]["properties"];
        assert_eq!(
            p["order_number"],
            json!({ "type": "integer", "x-onence-type": "lenient", "description": "n" })
        );
        assert_eq!(
            p["volume"],
            json!({ "type": "number", "x-onence-type": "lenient" })
        );
        assert_eq!(
            p["dcs"]["description"],
            json!("Documented values: 0, 4, 8.")
        );
        assert!(p["dcs"].get("enum").is_none());
    }

    #[test]
    fn response_enums_become_open_components_named_as_typify_would() {
        let (s, _) = relaxed(
            reads("Sim"),
            json!({ "Sim": { "type": "object", "properties": {
                "status": { "type": "string", "enum": ["Enabled", "Disabled"] },
                "services": { "type": "array", "items": { "type": "string", "enum": ["A"] } } } } }),
        );
        assert_eq!(
            s["Sim"]["properties"]["status"],
            json!({ "$ref": "#/components/schemas/SimStatus" })
        );
        assert_eq!(
            s["SimStatus"],
            json!({ "type": "string", "enum": ["Enabled", "Disabled"], OPEN_ENUM_MARK: true })
        );
        assert_eq!(s["SimServicesItem"][OPEN_ENUM_MARK], json!(true));
    }

    #[test]
    fn timestamps_in_responses_are_marked_for_the_timestamp_type() {
        let mut d = doc(
            reads("Sim"),
            json!({ "Sim": { "type": "object", "properties": {
                "activation_date": { "type": "string", "example": "2018-03-09T07:59:09.000+0000" },
                "iccid": { "type": "string" } } } }),
        );
        known_timestamps(&mut d);
        lenient_responses(&mut d, &mut Notes::default()).unwrap();
        let p = &d["components"]["schemas"]["Sim"]["properties"];
        assert_eq!(
            p["activation_date"],
            json!({ "type": "string", TYPE_MARK: "timestamp", "example": "2018-03-09T07:59:09.000+0000" })
        );
        assert_eq!(p["iccid"], json!({ "type": "string" }));
    }

    #[test]
    fn requests_stay_strict_and_shared_models_are_split() {
        let paths = json!({
            "/sms": { "post": { "operationId": "send", "requestBody": { "content": { "application/json": {
                "schema": { "$ref": "#/components/schemas/Message" } } } },
                "parameters": [{ "name": "kind", "in": "query", "schema": { "type": "string", "enum": ["a"] } }],
                "responses": { "201": { "description": "sent" } } } },
            "/sms/1": { "get": { "operationId": "read", "responses": { "200": { "description": "ok",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Sms" } } } } } } } });
        let (s, notes) = relaxed(
            paths,
            json!({
                "Message": { "type": "object", "properties": {
                    "source": { "$ref": "#/components/schemas/Source" },
                    "dcs": { "type": "integer" } } },
                "Sms": { "type": "object", "properties": {
                    "source": { "$ref": "#/components/schemas/Source" } } },
                "Source": { "type": "object", "properties": {
                    "id": { "type": "integer", "enum": [145, 161] } } } }),
        );
        assert_eq!(
            s["Message"]["properties"]["dcs"],
            json!({ "type": "integer" })
        );
        assert_eq!(
            s["Source"]["properties"]["id"],
            json!({ "type": "integer", "enum": [145, 161] })
        );
        assert_eq!(
            s["Sms"]["properties"]["source"],
            json!({ "$ref": "#/components/schemas/SourceReceived" })
        );
        assert_eq!(
            s["SourceReceived"]["properties"]["id"][TYPE_MARK],
            json!("lenient")
        );
        assert!(notes.remarks.iter().any(|r| r.contains("SourceReceived")));
    }

    /// A write's raw answer (`*/*`, offered raw because it may be empty) is
    /// decoded by the helpers, so it is read as leniently as a JSON answer;
    /// the request keeps its model as documented.
    #[test]
    fn raw_answers_are_decoded_so_relaxed_and_requests_stay() {
        let paths = json!({ "/o": { "post": { "operationId": "order",
            "requestBody": { "content": { "application/json": { "schema": { "$ref": "#/components/schemas/NewOrder" } } } },
            "responses": { "200": { "description": "ok", "content": { "*/*": {
                "schema": { "$ref": "#/components/schemas/NewOrder" } } } } } } } });
        let (s, notes) = relaxed(
            paths,
            json!({ "NewOrder": { "type": "object", "properties": { "quantity": { "type": "integer", "minimum": 1 } } } }),
        );
        assert_eq!(
            s["NewOrder"]["properties"]["quantity"],
            json!({ "type": "integer", "minimum": 1 })
        );
        assert_eq!(
            s["NewOrderReceived"]["properties"]["quantity"][TYPE_MARK],
            json!("lenient")
        );
        assert_eq!(notes.remarks.len(), 1, "{notes:?}");
    }

    #[test]
    fn two_different_enums_with_one_name_are_refused() {
        let mut d = doc(
            reads("A"),
            json!({ "A": { "type": "object", "properties": {
                    "b_c": { "type": "string", "enum": ["x"] },
                    "b": { "type": "object", "properties": { "c": { "type": "string", "enum": ["y"] } } } } } }),
        );
        let e = lenient_responses(&mut d, &mut Notes::default()).unwrap_err();
        assert!(e.to_string().contains("ABC"), "{e}");
    }
}
