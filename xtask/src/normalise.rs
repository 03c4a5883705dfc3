//! Normalisation: makes the converted OpenAPI 3 document digestible by
//! progenitor 0.15 without losing any fact of the API.
//!
//! progenitor panics on more than one request media type, on success (or
//! error) responses whose body kinds differ, and on `application/json` without
//! a schema; typify silently merges different inline schemas that share a
//! `title`. Each rule below removes one of those hazards, or gives the API an
//! idiomatic Rust surface. What a rule changes is kept in an `x-onence-*`
//! extension where it would otherwise be lost.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::Failure;

pub mod drift;

/// Idiomatic method names for the API's operations, by their upstream operationId.
pub const OPERATION_NAMES: &[(&str, &str)] = &[
    ("getSimsUsingGET", "list_sims"),
    ("updateSimsUsingPOST", "update_sims"),
    ("getSimUsingGET", "get_sim"),
    ("updateSimUsingPUT", "update_sim"),
    ("getStatusForSimUsingGET", "get_sim_status"),
    ("simTransferUsingPOST", "transfer_sims"),
    ("getConnectivityInfoForSimUsingGET", "get_connectivity_info"),
    ("resetConnectivityUsingPOST", "reset_connectivity"),
    ("getEventsForSimUsingGET", "list_sim_events"),
    ("getUsageForSimUsingGET", "get_sim_usage"),
    ("getDataQuotaForSimUsingGET", "get_data_quota"),
    ("getSmsQuotaForSimUsingGET", "get_sms_quota"),
    ("getSmsForSimUsingGET", "list_sms"),
    ("sendSmsToSimUsingPOST", "send_sms"),
    ("getSmsOfSimUsingGET", "get_sms"),
    ("cancelSmsForSimUsingDELETE", "cancel_sms"),
    ("topUpUsingPOST", "top_up_sim"),
    ("topUpMultipleUsingPOST", "top_up_sims"),
    ("autoTopupUsingPOST", "set_auto_top_up"),
    ("getLimitsUsingGET", "get_limits"),
    ("setLimitsUsingPOST", "set_limits"),
    ("getSelectableLimitsUsingGET", "list_limit_options"),
    ("extendSimsUsingPOST", "extend_sims"),
    ("getOrdersUsingGET", "list_orders"),
    ("postOrderUsingPOST", "create_order"),
    ("getOrderUsingGET", "get_order"),
    ("getProductsUsingGET", "list_products"),
    ("getServiceRequestsUsingGET", "list_service_requests"),
    ("createServiceRequestUsingPOST", "create_service_request"),
];

/// Idiomatic model names for upstream schema names that read badly in Rust.
pub const TYPE_NAMES: &[(&str, &str)] = &[
    ("SIM_card", "Sim"),
    ("SMS-Data", "Sms"),
    ("SMSMessage", "SmsMessage"),
    ("SIM_Event", "SimEvent"),
    ("SIMExtensionRequest", "SimExtensionRequest"),
    ("Values_for_a_SIM_update", "SimUpdate"),
    ("Values_for_Limits", "Limits"),
    ("CurrentLimitData", "DataLimit"),
    ("CurrentLimitSMS", "SmsLimit"),
    ("Type_definition_for_a_SMS", "SmsType"),
    ("Source_Address_Type", "SourceAddressType"),
    ("Quota_Status", "QuotaStatus"),
    ("DailyUsage", "Usage"),
    ("Daily", "UsageDay"),
    ("Data", "DataUsage"),
    ("TrafficTypeSMS", "TrafficTypeSms"),
    ("Additional_Order", "NewOrder"),
    ("Ordered_product", "OrderedProduct"),
    ("Product_information", "OrderProduct"),
    ("SIM", "OrderSim"),
    ("Service_request", "ServiceRequest"),
    ("ManagementApiServiceRequest", "NewServiceRequest"),
];

/// Values the API sends as whole numbers although the documents say `number`:
/// (schema, property) by upstream schema name.
pub const INTEGER_PROPERTIES: &[(&str, &str)] = &[
    ("SMS-Data", "id"),
    ("SmsStatus", "id"),
    ("Type_definition_for_a_SMS", "id"),
    ("Source_Address_Type", "id"),
    ("Quota_Status", "id"),
    ("Order", "order_number"),
];

/// Parameters that are whole numbers although the documents say `number`:
/// (operationId, parameter).
pub const INTEGER_PARAMETERS: &[(&str, &str)] = &[
    ("getSmsOfSimUsingGET", "id"),
    ("cancelSmsForSimUsingDELETE", "id"),
];

/// The name of the one error body shared by every error response.
pub const ERROR_TYPE: &str = "ApiError";

/// What a normalisation noticed that a maintainer should read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    /// Operations missing from [`OPERATION_NAMES`], with the default name they got.
    pub unmapped_operations: Vec<(String, String)>,
    /// Other remarks, one line each.
    pub remarks: Vec<String>,
}

/// Applies every rule, in order.
pub fn normalise(doc: &mut Value) -> Result<Notes, Failure> {
    let mut notes = Notes::default();
    one_json_media_type(doc)?;
    drop_json_without_schema(doc, &mut notes);
    timestamps_stay_strings(doc);
    integer_ids(doc);
    hoist_inline_objects(doc)?;
    rename_types(doc)?;
    shared_error_body(doc);
    one_success_body_kind(doc, &mut notes);
    any_success_status(doc);
    name_operations(doc, &mut notes);
    drift::known_timestamps(doc);
    drift::lenient_responses(doc, &mut notes)?;
    unique_type_names(doc)?;
    unique_field_names(doc)?;
    Ok(notes)
}

/// Visits every operation as (method, path, operation).
fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Map<String, Value>)) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                for (method, op) in item.iter_mut() {
                    if let Some(op) = op.as_object_mut() {
                        if op.contains_key("responses") {
                            f(method, path, op);
                        }
                    }
                }
            }
        }
    }
}

fn op_label(method: &str, path: &str, op: &Map<String, Value>) -> String {
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("?");
    format!("{} {path} ({id})", method.to_uppercase())
}

/// Is this media type a spelling of JSON? `*/*` counts: the API answers JSON there.
fn is_json_like(media: &str) -> bool {
    let base = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base == "*/*"
}

/// Rule: one JSON media type. `*/*` and `application/json;charset=...` become
/// `application/json`, in request bodies and responses alike; a request body
/// keeps only its JSON entry. Variants must agree on the schema.
pub fn one_json_media_type(doc: &mut Value) -> Result<(), Failure> {
    let mut failure = None;
    for_each_operation(doc, |method, path, op| {
        let label = op_label(method, path, op);
        let request = op
            .get_mut("requestBody")
            .and_then(|b| b.get_mut("content"))
            .and_then(Value::as_object_mut);
        if let Some(content) = request {
            if let Err(e) = merge_json_variants(content, &label, true) {
                failure.get_or_insert(e);
            }
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (code, response) in responses.iter_mut() {
                if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                    if let Err(e) =
                        merge_json_variants(content, &format!("{label} response {code}"), false)
                    {
                        failure.get_or_insert(e);
                    }
                }
            }
        }
    });
    failure.map_or(Ok(()), Err)
}

fn merge_json_variants(
    content: &mut Map<String, Value>,
    at: &str,
    request: bool,
) -> Result<(), Failure> {
    let json_keys: Vec<String> = content
        .keys()
        .filter(|k| is_json_like(k))
        .cloned()
        .collect();
    if json_keys.is_empty() {
        if request && content.len() > 1 {
            return Err(Failure::Normalise(format!(
                "{at}: request body offers {} media types and none is JSON",
                content.len()
            )));
        }
        return Ok(());
    }
    let mut merged: Option<Value> = None;
    for key in &json_keys {
        let media = content.remove(key).unwrap_or(Value::Null);
        match &mut merged {
            None => merged = Some(media),
            Some(m) => {
                if m.get("schema") != media.get("schema") {
                    return Err(Failure::Normalise(format!(
                        "{at}: {key} and another JSON media type give different schemas"
                    )));
                }
                if m.get("example").is_none() {
                    if let Some(ex) = media.get("example") {
                        m["example"] = ex.clone();
                    }
                }
            }
        }
    }
    if request {
        content.clear();
    }
    content.insert("application/json".into(), merged.unwrap_or(json!({})));
    Ok(())
}

/// Rule: a JSON media type without a schema says nothing about the body, and
/// progenitor panics on it; it is removed (the body then counts as empty).
pub fn drop_json_without_schema(doc: &mut Value, notes: &mut Notes) {
    for_each_operation(doc, |method, path, op| {
        let label = op_label(method, path, op);
        let mut drop = |content: Option<&mut Value>, what: &str| {
            if let Some(content) = content.and_then(Value::as_object_mut) {
                if content
                    .get("application/json")
                    .is_some_and(|m| m.get("schema").is_none())
                {
                    content.remove("application/json");
                    notes.remarks.push(format!(
                        "{label}: {what} declared JSON without a schema; treated as empty"
                    ));
                }
            }
        };
        drop(
            op.get_mut("requestBody").and_then(|b| b.get_mut("content")),
            "request body",
        );
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (code, r) in responses.iter_mut() {
                drop(r.get_mut("content"), &format!("response {code}"));
            }
        }
        if op
            .get("requestBody")
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            op.remove("requestBody");
        }
    });
}

/// Rule: timestamps stay strings. The API's timestamps are not RFC 3339
/// (`+0000` offsets, `YYYY-MM-DD HH:MM:SS`), so a `date-time` or `date` format
/// would make decoding fail; the format moves to `x-onence-format`.
pub fn timestamps_stay_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_time = map.get("type").and_then(Value::as_str) == Some("string")
                && matches!(
                    map.get("format").and_then(Value::as_str),
                    Some("date-time" | "date")
                );
            if is_time {
                if let Some(format) = map.remove("format") {
                    map.insert("x-onence-format".into(), format);
                }
            }
            map.values_mut().for_each(timestamps_stay_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(timestamps_stay_strings),
        _ => {}
    }
}

/// Rule: integers where the API's values are integers (SMS ids, order numbers,
/// status ids), per [`INTEGER_PROPERTIES`] and [`INTEGER_PARAMETERS`].
pub fn integer_ids(doc: &mut Value) {
    fn make_integer(schema: &mut Value) {
        if schema.get("type").and_then(Value::as_str) == Some("number") {
            schema["type"] = json!("integer");
            schema["format"] = json!("int64");
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (schema, property) in INTEGER_PROPERTIES {
            if let Some(p) = schemas
                .get_mut(*schema)
                .and_then(|s| s.get_mut("properties"))
                .and_then(|p| p.get_mut(*property))
            {
                make_integer(p);
            }
        }
    }
    for_each_operation(doc, |_, _, op| {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params {
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if INTEGER_PARAMETERS.contains(&(id.as_str(), name.as_str())) {
                    if let Some(schema) = p.get_mut("schema") {
                        make_integer(schema);
                    }
                }
            }
        }
    });
}

/// Rule: unique type names. Every inline object schema inside a component
/// becomes a component of its own, named after its property (`currency` →
/// `Currency`); where different schemas would get the same name, each is named
/// after its parent too (`LocationCountry`, `OperatorCountry`). Identical
/// schemas share one component. This is what stops two different `Country`
/// objects from being merged into one type.
pub fn hoist_inline_objects(doc: &mut Value) -> Result<(), Failure> {
    // Deepest first: each pass hoists the inline objects that hold no inline
    // object themselves, so nested ones surface one level per pass.
    for _ in 0..16 {
        let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return Ok(());
        };
        let mut found: Vec<InlineObject> = Vec::new();
        for (name, schema) in schemas {
            let pointer = format!("/components/schemas/{}", escape(name));
            find_inline_leaves(schema, name, &pointer, &mut found);
        }
        if found.is_empty() {
            return Ok(());
        }
        // A name claimed by different schemas, or by an existing component, is qualified by the parent's name.
        let mut claims: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &found {
            claims
                .entry(pascal(&f.property))
                .or_default()
                .insert(f.schema.to_string());
        }
        let existing: BTreeSet<String> = schemas.keys().map(|k| pascal(k)).collect();
        let mut new_components: BTreeMap<String, Value> = BTreeMap::new();
        let mut assignments: Vec<(String, String)> = Vec::new();
        for f in &found {
            let plain = pascal(&f.property);
            let name = if claims[&plain].len() == 1 && !existing.contains(&plain) {
                plain
            } else {
                format!("{}{}", pascal(&f.parent), plain)
            };
            if new_components
                .get(&name)
                .is_some_and(|prev| *prev != f.schema)
                || existing.contains(&name)
            {
                return Err(Failure::Normalise(format!(
                    "two different schemas would both be named {name}"
                )));
            }
            new_components.insert(name.clone(), f.schema.clone());
            assignments.push((f.pointer.clone(), name));
        }
        for (pointer, name) in assignments {
            if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = json!({ "$ref": format!("#/components/schemas/{name}") });
            }
        }
        let all = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .expect("checked above");
        all.extend(new_components);
    }
    Err(Failure::Normalise(
        "inline schemas are nested too deeply to name".into(),
    ))
}

struct InlineObject {
    pointer: String,
    parent: String,
    property: String,
    schema: Value,
}

fn find_inline_leaves(schema: &Value, label: &str, pointer: &str, found: &mut Vec<InlineObject>) {
    for (prop, sub) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let here = format!("{pointer}/properties/{}", escape(prop));
        let (target, at, property) = match sub.get("items") {
            Some(items) if sub.get("type").and_then(Value::as_str) == Some("array") => {
                (items, format!("{here}/items"), format!("{prop}_item"))
            }
            _ => (sub, here, prop.clone()),
        };
        if !is_inline_object(target) {
            continue;
        }
        if has_inline_object(target) {
            find_inline_leaves(target, &property, &at, found);
        } else {
            found.push(InlineObject {
                pointer: at,
                parent: label.to_string(),
                property,
                schema: target.clone(),
            });
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn is_inline_object(schema: &Value) -> bool {
    schema.get("$ref").is_none() && schema.get("properties").is_some_and(Value::is_object)
}

fn has_inline_object(schema: &Value) -> bool {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .any(|(_, p)| is_inline_object(p) || p.get("items").is_some_and(is_inline_object))
}

/// Rule: idiomatic model names from [`TYPE_NAMES`], with every `$ref` rewritten.
/// The upstream name is kept in `x-onence-upstream-name`.
pub fn rename_types(doc: &mut Value) -> Result<(), Failure> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let mut renamed = BTreeMap::new();
    for (from, to) in TYPE_NAMES {
        if from == to {
            continue;
        }
        if let Some(mut schema) = schemas.remove(*from) {
            if schemas.contains_key(*to) {
                return Err(Failure::Normalise(format!(
                    "renaming {from} to {to} would replace another schema"
                )));
            }
            schema["x-onence-upstream-name"] = json!(from);
            schemas.insert((*to).to_string(), schema);
            renamed.insert(
                format!("#/components/schemas/{from}"),
                format!("#/components/schemas/{to}"),
            );
        }
    }
    fn rewrite(value: &mut Value, renamed: &BTreeMap<String, String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get_mut("$ref") {
                    if let Some(to) = renamed.get(r.as_str()) {
                        *r = to.clone();
                    }
                }
                map.values_mut().for_each(|v| rewrite(v, renamed));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| rewrite(v, renamed)),
            _ => {}
        }
    }
    rewrite(doc, &renamed);
    Ok(())
}

/// Rule: one error body type shared by all error responses. progenitor needs
/// every error response to have the same kind of body, and 1NCE answers errors
/// in several shapes (see shared/NOTES.md): `{"message"}` from top-ups,
/// `{"error_code","error_token","message"}` from the v2 API, and
/// Spring's `{"timestamp","status","error","message","path"}` for a bad token.
/// `ApiError` is the union of these and of every property an error schema in
/// the document declares, all optional. Examples are kept. Every operation
/// also gets `4XX` and `5XX` answers with that body (marked
/// `x-onence-added`), so an undocumented error status still decodes. (The token
/// service's `{"statusCode","errorCode"}` shape belongs to the token endpoint,
/// which is not generated; `errorCode` would also clash with `error_code`.)
pub fn shared_error_body(doc: &mut Value) {
    let mut properties: Map<String, Value> = [
        ("message", json!({ "type": "string", "description": "What went wrong, in words." })),
        ("error_code", json!({ "type": "string", "description": "Machine-readable error code (v2 API)." })),
        ("error_token", json!({ "type": "string", "description": "Reference of the failure for 1NCE support (v2 API)." })),
        ("status", json!({ "type": "integer", "description": "HTTP status repeated in the body (gateway errors)." })),
        ("error", json!({ "type": "string", "description": "HTTP reason phrase (gateway errors)." })),
        ("path", json!({ "type": "string", "description": "Path of the failed request (gateway errors)." })),
        ("timestamp", json!({ "description": "When the failure happened (gateway errors); a number or a string." })),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut error_responses = false;
    for_each_operation(doc, |_, _, op| {
        for (code, r) in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            if !is_error_status(code) {
                continue;
            }
            error_responses = true;
            let content = r
                .get("content")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let mut media = Map::new();
            for m in content.values() {
                for (k, v) in m
                    .get("schema")
                    .and_then(|s| s.get("properties"))
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    properties.entry(k.clone()).or_insert_with(|| v.clone());
                }
                if let Some(ex) = m.get("example") {
                    media.insert("example".into(), ex.clone());
                }
            }
            media.insert(
                "schema".into(),
                json!({ "$ref": format!("#/components/schemas/{ERROR_TYPE}") }),
            );
            r["content"] = json!({ "application/json": media });
        }
        // Any other error status (429, 500, 502, ...) can come too, with the same body.
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (range, what) in [
                ("4XX", "Any other client error."),
                ("5XX", "Any server error."),
            ] {
                responses.entry(range).or_insert_with(|| {
                    json!({
                        "description": what,
                        "x-onence-added": true,
                        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{ERROR_TYPE}") } } },
                    })
                });
            }
        }
    });
    if error_responses {
        let schema = json!({
            "type": "object",
            "title": ERROR_TYPE,
            "description": "The body of an error response, in any of the shapes the API uses; every field is optional.",
            "properties": properties,
        });
        if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
            let schemas = components.entry("schemas").or_insert_with(|| json!({}));
            schemas[ERROR_TYPE] = schema;
        }
    }
}

fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

fn is_success_status(code: &str) -> bool {
    code.starts_with('2') || code == "default"
}

/// Rule: one body kind for the success responses. Where some success answers
/// carry JSON and others nothing (create_order: 200 with the order, 201
/// empty), typing the body would misreport an empty success as a failure —
/// and a retried order is a duplicate order. Such responses are offered as
/// `*/*` with their schema kept, so the generated method hands back the raw
/// body; `x-onence-optional-body` marks them.
pub fn one_success_body_kind(doc: &mut Value, notes: &mut Notes) {
    for_each_operation(doc, |method, path, op| {
        let label = op_label(method, path, op);
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let schemas: Vec<Option<Value>> = responses
            .iter()
            .filter(|(c, _)| is_success_status(c))
            .map(|(_, r)| r.pointer("/content/application~1json/schema").cloned())
            .collect();
        let typed: BTreeSet<String> = schemas.iter().flatten().map(Value::to_string).collect();
        let mixed = !typed.is_empty() && schemas.iter().any(Option::is_none);
        if !mixed && typed.len() <= 1 {
            return;
        }
        let schema = schemas
            .iter()
            .flatten()
            .next()
            .cloned()
            .unwrap_or(json!({}));
        for (code, r) in responses.iter_mut().filter(|(c, _)| is_success_status(c)) {
            let own = r
                .pointer("/content/application~1json/schema")
                .cloned()
                .unwrap_or_else(|| schema.clone());
            r["content"] = json!({ "*/*": { "schema": own } });
            r["x-onence-optional-body"] = json!(true);
            notes.remarks.push(format!(
                "{label}: response {code} body is optional; the method returns raw bytes"
            ));
        }
    });
}

/// Rule: every 2xx is a success. The service answers statuses its documents
/// do not list (a 200 where they say 201); progenitor would report such an
/// answer as unexpected, and a write that succeeded would read as failed. Each
/// operation gets a `2XX` answer (marked `x-onence-added`) with the body of
/// its documented successes, which [`one_success_body_kind`] made one kind.
pub fn any_success_status(doc: &mut Value) {
    for_each_operation(doc, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        if responses.contains_key("2XX") || responses.contains_key("default") {
            return;
        }
        let Some(documented) = responses
            .iter()
            .find(|(code, _)| code.starts_with('2'))
            .map(|(_, r)| r.clone())
        else {
            return;
        };
        let mut any = json!({
            "description": "Any other success.",
            "x-onence-added": true,
        });
        if let Some(content) = documented.get("content") {
            any["content"] = content.clone();
        }
        responses.insert("2XX".into(), any);
    });
}

/// Rule: idiomatic operation names from [`OPERATION_NAMES`]. An unmapped
/// operation gets a snake_case default (`getFooUsingGET` → `get_foo`) and is
/// flagged in the notes. The upstream id is kept in `x-onence-upstream-id`.
pub fn name_operations(doc: &mut Value, notes: &mut Notes) {
    for_each_operation(doc, |_, _, op| {
        let Some(id) = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return;
        };
        let name = match OPERATION_NAMES.iter().find(|(from, _)| *from == id) {
            Some((_, to)) => (*to).to_string(),
            None if OPERATION_NAMES.iter().any(|(_, to)| *to == id) => id.clone(),
            None => {
                let name = default_operation_name(&id);
                notes.unmapped_operations.push((id.clone(), name.clone()));
                name
            }
        };
        if name != id {
            op.insert("x-onence-upstream-id".into(), json!(id));
            op.insert("operationId".into(), json!(name));
        }
    });
}

/// `getFooBarUsingGET` → `get_foo_bar`.
pub fn default_operation_name(id: &str) -> String {
    let trimmed = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        .iter()
        .find_map(|m| id.strip_suffix(&format!("Using{m}")))
        .unwrap_or(id);
    snake(trimmed)
}

/// Rule (a check): after all renames, no two models may map to the same Rust name.
pub fn unique_type_names(doc: &Value) -> Result<(), Failure> {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for name in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
    {
        if let Some(other) = seen.insert(pascal(name), name.clone()) {
            return Err(Failure::Normalise(format!(
                "schemas {other} and {name} would get the same Rust type name"
            )));
        }
    }
    Ok(())
}

/// Rule (a check): within a schema, no two properties may map to the same Rust
/// field name (`errorCode` and `error_code` would).
pub fn unique_field_names(doc: &Value) -> Result<(), Failure> {
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut seen: BTreeMap<String, &String> = BTreeMap::new();
        for prop in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            if let Some(other) = seen.insert(snake(prop), prop) {
                return Err(Failure::Normalise(format!(
                    "schema {name}: properties {other} and {prop} would get the same Rust field name"
                )));
            }
        }
    }
    Ok(())
}

/// `rat_type` → `RatType`, `SIM_card` → `SimCard`, `iso-code` → `IsoCode`.
pub fn pascal(s: &str) -> String {
    snake(s)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `getSmsForSim` → `get_sms_for_sim`, `SIMCard` → `sim_card`.
pub fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower))
                && !out.ends_with('_')
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen;

    fn doc(paths: Value, schemas: Value) -> Value {
        json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" }, "paths": paths,
                "components": { "schemas": schemas } })
    }

    fn get(id: &str, responses: Value) -> Value {
        json!({ "get": { "operationId": id, "responses": responses } })
    }

    fn text(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    fn panics_progenitor(v: &Value) -> bool {
        codegen::generate(&text(v)).is_err_and(|e| e.contains("panicked"))
    }

    #[test]
    fn two_request_media_types_become_one_and_progenitor_stops_panicking() {
        let schema = json!({ "type": "object", "properties": { "payload": { "type": "string" } } });
        let mut d = doc(
            json!({ "/sms": { "post": { "operationId": "sendSmsToSimUsingPOST",
                "requestBody": { "required": true, "content": {
                    "application/json": { "schema": schema.clone() },
                    "application/json;charset=UTF-8": { "schema": schema.clone() } } },
                "responses": { "201": { "description": "Created" } } } } }),
            json!({}),
        );
        assert!(panics_progenitor(&d));
        one_json_media_type(&mut d).unwrap();
        let content = d["paths"]["/sms"]["post"]["requestBody"]["content"]
            .as_object()
            .unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), vec!["application/json"]);
        assert!(codegen::generate(&text(&d)).is_ok());
    }

    #[test]
    fn star_and_charset_responses_become_application_json() {
        let schema = json!({ "$ref": "#/components/schemas/L" });
        let mut d = doc(
            json!({ "/a": get("getLimitsUsingGET", json!({ "200": { "description": "OK", "content": {
                "*/*": { "schema": schema.clone() }, "application/json;charset=UTF-8": { "schema": schema.clone() } } } })) }),
            json!({ "L": { "type": "object" } }),
        );
        one_json_media_type(&mut d).unwrap();
        let resp = &d["paths"]["/a"]["get"]["responses"]["200"]["content"];
        assert_eq!(resp, &json!({ "application/json": { "schema": schema } }));
    }

    #[test]
    fn json_variants_with_different_schemas_are_refused_naming_the_operation() {
        let mut d = doc(
            json!({ "/a": get("getThingUsingGET", json!({ "200": { "description": "OK", "content": {
                "application/json": { "schema": { "type": "string" } },
                "application/json;charset=UTF-8": { "schema": { "type": "integer" } } } } })) }),
            json!({}),
        );
        let err = one_json_media_type(&mut d).unwrap_err().to_string();
        assert!(err.contains("getThingUsingGET"), "{err}");
    }

    #[test]
    fn json_without_schema_is_dropped_and_noted() {
        let mut d = doc(
            json!({ "/a": get("getThingUsingGET", json!({ "200": { "description": "OK", "content": { "application/json": {} } } })) }),
            json!({}),
        );
        assert!(panics_progenitor(&d));
        let mut notes = Notes::default();
        drop_json_without_schema(&mut d, &mut notes);
        assert_eq!(notes.remarks.len(), 1);
        assert!(codegen::generate(&text(&d)).is_ok());
    }

    #[test]
    fn error_responses_share_one_body_type() {
        let mut d = doc(
            json!({ "/topup": { "post": { "operationId": "topUpUsingPOST", "responses": {
                "201": { "description": "Created" },
                "400": { "description": "Bad", "content": { "application/json": {
                    "example": { "message": "Payment method used is not valid." },
                    "schema": { "title": "Invalid Payment Method", "properties": { "message": { "type": "string" } } } } } },
                "401": { "description": "Unauthorized" } } } } }),
            json!({}),
        );
        assert!(panics_progenitor(&d));
        shared_error_body(&mut d);
        let responses = &d["paths"]["/topup"]["post"]["responses"];
        for code in ["400", "401", "4XX", "5XX"] {
            assert_eq!(
                responses[code]["content"]["application/json"]["schema"]["$ref"],
                json!("#/components/schemas/ApiError")
            );
        }
        assert_eq!(
            responses["400"]["content"]["application/json"]["example"]["message"],
            json!("Payment method used is not valid.")
        );
        let props = d["components"]["schemas"]["ApiError"]["properties"]
            .as_object()
            .unwrap();
        for field in [
            "message",
            "error_code",
            "error_token",
            "status",
            "error",
            "path",
            "timestamp",
        ] {
            assert!(props.contains_key(field), "{field}");
        }
        assert!(codegen::generate(&text(&d)).is_ok());
    }

    #[test]
    fn any_2xx_is_a_success_with_the_documented_body() {
        let sim = json!({ "$ref": "#/components/schemas/Sim" });
        let mut d = doc(
            json!({
                "/sims/1": get("getSimUsingGET", json!({ "200": { "description": "ok",
                    "content": { "application/json": { "schema": sim.clone() } } } })),
                "/sims/1/topup": { "post": { "operationId": "topUpUsingPOST",
                    "responses": { "201": { "description": "created" } } } } }),
            json!({ "Sim": { "type": "object", "properties": { "iccid": { "type": "string" } } } }),
        );
        any_success_status(&mut d);
        let read = &d["paths"]["/sims/1"]["get"]["responses"]["2XX"];
        assert_eq!(read["content"]["application/json"]["schema"], sim);
        let write = &d["paths"]["/sims/1/topup"]["post"]["responses"]["2XX"];
        assert_eq!(write["x-onence-added"], json!(true));
        assert!(write.get("content").is_none());
        let code = codegen::generate(&text(&d)).unwrap();
        assert!(
            code.contains("200..=299 =>"),
            "progenitor matches the range"
        );
    }

    #[test]
    fn mixed_success_bodies_become_one_raw_body_keeping_the_schema() {
        let mut d = doc(
            json!({ "/orders": { "post": { "operationId": "postOrderUsingPOST", "responses": {
                "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/O" } } } },
                "201": { "description": "Created" } } } } }),
            json!({ "O": { "type": "object", "properties": { "a": { "type": "string" } } } }),
        );
        assert!(panics_progenitor(&d));
        let mut notes = Notes::default();
        one_success_body_kind(&mut d, &mut notes);
        let responses = &d["paths"]["/orders"]["post"]["responses"];
        for code in ["200", "201"] {
            assert_eq!(
                responses[code]["content"]["*/*"]["schema"]["$ref"],
                json!("#/components/schemas/O")
            );
            assert_eq!(responses[code]["x-onence-optional-body"], json!(true));
        }
        assert_eq!(notes.remarks.len(), 2);
        assert!(codegen::generate(&text(&d)).is_ok());
    }

    #[test]
    fn two_different_country_objects_stay_two_types() {
        let country_a = json!({ "title": "Country", "type": "object", "properties": { "country_id": { "type": "string" } } });
        let country_b = json!({ "title": "Country", "type": "object", "properties": { "id": { "type": "string" } } });
        let currency = json!({ "title": "Currency", "type": "object", "properties": { "code": { "type": "string" } } });
        let mut d = doc(
            json!({}),
            json!({
                "Location": { "type": "object", "properties": {
                    "country": country_a.clone(),
                    "operator": { "title": "Operator", "type": "object", "properties": { "country": country_b.clone() } } } },
                "Data": { "type": "object", "properties": { "currency": currency.clone() } },
                "SmsUsage": { "type": "object", "properties": { "currency": currency.clone() } },
            }),
        );
        hoist_inline_objects(&mut d).unwrap();
        let schemas = &d["components"]["schemas"];
        assert_eq!(schemas["LocationCountry"], country_a);
        assert_eq!(schemas["OperatorCountry"], country_b);
        assert_eq!(
            schemas["Operator"]["properties"]["country"]["$ref"],
            json!("#/components/schemas/OperatorCountry")
        );
        assert_eq!(
            schemas["Location"]["properties"]["operator"]["$ref"],
            json!("#/components/schemas/Operator")
        );
        // Identical schemas share one type.
        assert_eq!(schemas["Currency"], currency);
        assert_eq!(
            schemas["SmsUsage"]["properties"]["currency"]["$ref"],
            json!("#/components/schemas/Currency")
        );
        assert!(schemas.get("Country").is_none());
    }

    #[test]
    fn timestamps_lose_their_format_but_keep_it_on_record() {
        let mut v = json!({ "type": "string", "format": "date-time" });
        timestamps_stay_strings(&mut v);
        assert_eq!(
            v,
            json!({ "type": "string", "x-onence-format": "date-time" })
        );
        let mut other = json!({ "type": "string", "format": "uuid" });
        timestamps_stay_strings(&mut other);
        assert_eq!(other["format"], json!("uuid"));
    }

    #[test]
    fn sms_ids_and_order_numbers_become_integers() {
        let mut d = doc(
            json!({ "/sms/{id}": { "get": { "operationId": "getSmsOfSimUsingGET",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "number" } }],
                "responses": {} } } }),
            json!({ "Order": { "properties": { "order_number": { "type": "number", "example": 2000000001 },
                                               "invoice_amount": { "type": "string" } } },
                    "SMS-Data": { "properties": { "id": { "type": "number" } } } }),
        );
        integer_ids(&mut d);
        assert_eq!(
            d["components"]["schemas"]["Order"]["properties"]["order_number"]["type"],
            json!("integer")
        );
        assert_eq!(
            d["components"]["schemas"]["SMS-Data"]["properties"]["id"]["type"],
            json!("integer")
        );
        assert_eq!(
            d["paths"]["/sms/{id}"]["get"]["parameters"][0]["schema"]["type"],
            json!("integer")
        );
        assert_eq!(
            d["components"]["schemas"]["Order"]["properties"]["invoice_amount"]["type"],
            json!("string")
        );
    }

    #[test]
    fn operations_get_idiomatic_names_and_unmapped_ones_are_flagged() {
        let mut d = doc(
            json!({ "/sims": get("getSimsUsingGET", json!({})), "/new": get("getFancyThingUsingGET", json!({})) }),
            json!({}),
        );
        let mut notes = Notes::default();
        name_operations(&mut d, &mut notes);
        assert_eq!(
            d["paths"]["/sims"]["get"]["operationId"],
            json!("list_sims")
        );
        assert_eq!(
            d["paths"]["/sims"]["get"]["x-onence-upstream-id"],
            json!("getSimsUsingGET")
        );
        assert_eq!(
            d["paths"]["/new"]["get"]["operationId"],
            json!("get_fancy_thing")
        );
        assert_eq!(
            notes.unmapped_operations,
            vec![(
                "getFancyThingUsingGET".to_string(),
                "get_fancy_thing".to_string()
            )]
        );
        // Every mapped name is unique.
        let names: BTreeSet<&str> = OPERATION_NAMES.iter().map(|(_, n)| *n).collect();
        assert_eq!(names.len(), OPERATION_NAMES.len());
    }

    #[test]
    fn types_are_renamed_with_every_reference() {
        let mut d = doc(
            json!({ "/a": get("getSimUsingGET", json!({ "200": { "description": "OK", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/SIM_card" } } } } })) }),
            json!({ "SIM_card": { "type": "object" } }),
        );
        rename_types(&mut d).unwrap();
        assert!(d["components"]["schemas"].get("SIM_card").is_none());
        assert_eq!(
            d["components"]["schemas"]["Sim"]["x-onence-upstream-name"],
            json!("SIM_card")
        );
        let r = &d["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"];
        assert_eq!(r, &json!("#/components/schemas/Sim"));
    }

    #[test]
    fn clashing_type_and_field_names_are_refused() {
        let d = doc(json!({}), json!({ "SimCard": {}, "SIM_card": {} }));
        assert!(unique_type_names(&d)
            .unwrap_err()
            .to_string()
            .contains("SIM_card"));
        let d = doc(
            json!({}),
            json!({ "E": { "properties": { "errorCode": {}, "error_code": {} } } }),
        );
        assert!(unique_field_names(&d)
            .unwrap_err()
            .to_string()
            .contains("schema E"));
    }

    #[test]
    fn names_are_cased_as_rust_expects() {
        assert_eq!(
            default_operation_name("getSmsOfSimUsingGET"),
            "get_sms_of_sim"
        );
        assert_eq!(snake("SIMExtensionRequest"), "sim_extension_request");
        assert_eq!(pascal("iso-code"), "IsoCode");
        assert_eq!(pascal("rat_type"), "RatType");
    }
}
