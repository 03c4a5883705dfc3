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
    ("cancelSmsOfSimUsingDELETE", "cancel_sms"),
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
    // SIM Management v2 (its own module, so `Sim` there is v2's SIM).
    ("SimsSim", "Sim"),
    ("SimsSimQuotaStatus", "QuotaStatus"),
    ("SimsSimUpdateReq", "SimUpdate"),
    ("SimsQuota", "Quota"),
    ("SimsQuotaStatus", "QuotaState"),
    ("EndpointQuotaStatus", "EndpointQuotaState"),
    ("SimsConnectivityDetail", "ConnectivityDetail"),
    ("SimsConnectivityStatus", "ConnectivityStatus"),
    ("SimsDataTrafficLimitState", "DataTrafficLimitState"),
    ("SimsLocation", "Location"),
    ("SimsPdpContext", "PdpContext"),
    ("SimsSms", "Sms"),
    ("SMSSourceAddressType", "SourceAddressType"),
    ("EndpointCreateSmsResponse", "CreatedSms"),
    ("DeleteItemResponse", "DeletedItem"),
    ("EventQuotaDetailQuota", "EventQuota"),
    ("Status", "SmsStatus"),
    ("Client", "VpnClient"),
    ("Volume", "PdpContextVolume"),
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
    ("SimsSimQuotaStatus", "id"),
    ("SMSSourceAddressType", "id"),
];

/// Parameters that are whole numbers although the documents say `number`:
/// (operationId, parameter).
pub const INTEGER_PARAMETERS: &[(&str, &str)] = &[
    ("getSmsOfSimUsingGET", "id"),
    ("cancelSmsForSimUsingDELETE", "id"),
    ("cancelSmsOfSimUsingDELETE", "id"),
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
    inline_shared_parts(doc)?;
    merge_one_of_objects(doc)?;
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

/// Rule: every operation says everything itself. Parameters, responses and
/// request bodies shared through `components/parameters`, `responses` and
/// `requestBodies` (the v2 document's `PageParam`, `NotFound`, ...) are
/// copied into each operation that refers to them, and those sections go:
/// the other rules then see one shape everywhere. A reference to a missing
/// part is refused.
pub fn inline_shared_parts(doc: &mut Value) -> Result<(), Failure> {
    let mut shared = Map::new();
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        for section in ["parameters", "responses", "requestBodies"] {
            if let Some(Value::Object(parts)) = components.remove(section) {
                for (name, part) in parts {
                    shared.insert(format!("#/components/{section}/{name}"), part);
                }
            }
        }
    }
    let mut missing = None;
    for_each_operation(doc, |method, path, op| {
        let mut resolve = |value: &mut Value| {
            let Some(r) = value.get("$ref").and_then(Value::as_str) else {
                return;
            };
            if !r.starts_with("#/components/schemas/") {
                match shared.get(r) {
                    Some(part) => *value = part.clone(),
                    None => {
                        missing.get_or_insert(format!(
                            "{} {path}: {r} is not defined",
                            method.to_uppercase()
                        ));
                    }
                }
            }
        };
        for param in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            resolve(param);
        }
        for (_, response) in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            resolve(response);
        }
        if let Some(body) = op.get_mut("requestBody") {
            resolve(body);
        }
    });
    match missing {
        Some(m) => Err(Failure::Normalise(m)),
        None => Ok(()),
    }
}

/// Rule: a `oneOf` of objects is one object holding all their properties.
/// The documents offer some answers as one of several objects whose fields
/// are all optional (an event's `detail`: a location, a PDP context, a quota
/// or a VPN); serde would take any object for the first of them and drop the
/// fields of the others. The union keeps every field: it becomes the
/// component `{Model}{Property}`, every field optional, its members listed
/// in `x-onence-one-of`; a member nothing else refers to any more is
/// removed. Where members define a field differently, the first member's
/// definition is kept if the JSON types agree; if they do not, the document
/// is refused. Nested unions are merged innermost first.
pub fn merge_one_of_objects(doc: &mut Value) -> Result<(), Failure> {
    let mut members_seen = BTreeSet::new();
    for _ in 0..8 {
        let unions = one_of_unions(doc)?;
        if unions.is_empty() {
            break;
        }
        let Some(all) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        else {
            return Ok(());
        };
        for (model, property, name, union) in unions {
            if all.contains_key(&name) {
                return Err(Failure::Normalise(format!(
                    "the union of {model}.{property} would be named {name}, which is taken"
                )));
            }
            for member in union["x-onence-one-of"].as_array().into_iter().flatten() {
                members_seen.insert(member.as_str().unwrap_or_default().to_string());
            }
            all[&model]["properties"][&property] =
                json!({ "$ref": format!("#/components/schemas/{name}") });
            all.insert(name, union);
        }
    }
    // Members only the unions referred to go, until none is left.
    loop {
        let mut referenced = BTreeSet::new();
        collect_refs(doc, &mut referenced);
        let unused: Vec<&String> = members_seen
            .iter()
            .filter(|m| !referenced.contains(*m))
            .collect();
        let Some(all) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        else {
            return Ok(());
        };
        let before = all.len();
        for member in unused {
            all.remove(member);
        }
        if all.len() == before {
            return Ok(());
        }
    }
}

/// The `oneOf`s of objects whose members hold no `oneOf` themselves, as
/// (model, property, union name, union schema).
fn one_of_unions(doc: &Value) -> Result<Vec<(String, String, String, Value)>, Failure> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let resolve = |member: &Value| -> (String, Value) {
        match member
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => (
                name.to_string(),
                schemas.get(name).cloned().unwrap_or(Value::Null),
            ),
            None => (String::new(), member.clone()),
        }
    };
    let mut unions = Vec::new();
    for (model, schema) in &schemas {
        for (property, sub) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(members) = sub.get("oneOf").and_then(Value::as_array) else {
                continue;
            };
            let members: Vec<(String, Value)> = members.iter().map(resolve).collect();
            let fields_of = |m: &Value| m.get("properties").and_then(Value::as_object).cloned();
            if members.iter().any(|(_, m)| fields_of(m).is_none()) {
                continue; // not all objects: left to typify
            }
            let nested = members.iter().any(|(_, m)| {
                fields_of(m)
                    .unwrap_or_default()
                    .values()
                    .any(|f| f.get("oneOf").is_some())
            });
            if nested {
                continue; // merged on a later pass
            }
            let mut properties = Map::new();
            for (_, member) in &members {
                for (field, definition) in fields_of(member).unwrap_or_default() {
                    match properties.get(&field) {
                        None => {
                            properties.insert(field, definition);
                        }
                        Some(kept)
                            if kept.get("type") == definition.get("type")
                                && kept.get("$ref") == definition.get("$ref") => {}
                        Some(_) => {
                            return Err(Failure::Normalise(format!(
                                "{model}.{property}: its oneOf members define {field} as different types"
                            )))
                        }
                    }
                }
            }
            let names: Vec<Value> = members
                .iter()
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, _)| json!(n))
                .collect();
            let mut union = json!({
                "type": "object",
                "properties": properties,
                "x-onence-one-of": names,
            });
            if let Some(description) = sub.get("description") {
                union["description"] = description.clone();
            }
            let name = format!("{model}{}", pascal(property));
            unions.push((model.clone(), property.clone(), name, union));
        }
    }
    Ok(unions)
}

/// Every `$ref` in `value` that `renamed` maps (old reference → new) rewritten.
pub(crate) fn rewrite_refs(value: &mut Value, renamed: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(to) = renamed.get(r.as_str()) {
                    *r = to.clone();
                }
            }
            map.values_mut().for_each(|v| rewrite_refs(v, renamed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renamed)),
        _ => {}
    }
}

/// Every component name `$ref`erenced anywhere in `value`.
pub(crate) fn collect_refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.insert(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
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
            let model = TYPE_NAMES
                .iter()
                .find(|(from, _)| from == name)
                .map_or(name.as_str(), |(_, to)| *to);
            find_inline_leaves(schema, &[model], &pointer, &mut found);
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
        // Existing components, under the Rust names they will have after [`rename_types`].
        let existing: BTreeSet<String> = schemas
            .keys()
            .map(|k| {
                TYPE_NAMES
                    .iter()
                    .find(|(from, _)| from == k)
                    .map_or_else(|| pascal(k), |(_, to)| to.to_string())
            })
            .collect();
        let mut new_components: BTreeMap<String, Value> = BTreeMap::new();
        let mut assignments: Vec<(String, String)> = Vec::new();
        let mut qualified: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &found {
            qualified
                .entry(format!("{}{}", pascal(&f.parent), pascal(&f.property)))
                .or_default()
                .insert(f.schema.to_string());
        }
        // Identical schemas share the name their first occurrence gets.
        let mut named: BTreeMap<String, String> = BTreeMap::new();
        for f in &found {
            let plain = pascal(&f.property);
            let by_parent = format!("{}{}", pascal(&f.parent), plain);
            let candidate = if claims[&plain].len() == 1 && !existing.contains(&plain) {
                plain
            } else if qualified[&by_parent].len() == 1 && !existing.contains(&by_parent) {
                by_parent
            } else {
                // Still ambiguous: named after its whole lineage, model first.
                f.lineage.iter().map(|l| pascal(l)).collect::<String>() + &plain
            };
            let name = named
                .entry(f.schema.to_string())
                .or_insert(candidate)
                .clone();
            if new_components.get(&name) == Some(&f.schema) {
                assignments.push((f.pointer.clone(), name));
                continue;
            }
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
    /// The model and the properties leading to the parent.
    lineage: Vec<String>,
    parent: String,
    property: String,
    schema: Value,
}

fn find_inline_leaves(
    schema: &Value,
    lineage: &[&str],
    pointer: &str,
    found: &mut Vec<InlineObject>,
) {
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
            let mut deeper = lineage.to_vec();
            deeper.push(&property);
            find_inline_leaves(target, &deeper, &at, found);
        } else {
            found.push(InlineObject {
                pointer: at,
                lineage: lineage.iter().map(|l| l.to_string()).collect(),
                parent: lineage.last().copied().unwrap_or_default().to_string(),
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
    rewrite_refs(doc, &renamed);
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
        ("error_code", json!({ "description": "Machine-readable error code (v2 API); the documents say a number, so a number or a string." })),
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
/// and a retried order is a duplicate order. The same holds for every write
/// whose success carries JSON (v2's `send_sms` and `cancel_sms`): the
/// service may leave the body out. Such responses are offered as `*/*` with
/// their schema kept, so the generated method hands back the raw body;
/// `x-onence-optional-body` marks them, and the helpers decode what is there.
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
        // A write's answer may come without its body (v1's SMS and top-ups
        // answer 201 with none); a decoding failure would report a write
        // that took effect as failed.
        let write = !typed.is_empty() && !matches!(method, "get" | "head");
        if !mixed && !write && typed.len() <= 1 {
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
        codegen::generate(&codegen::TARGETS[0], &text(v)).is_err_and(|e| e.contains("panicked"))
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
        assert!(codegen::generate(&codegen::TARGETS[0], &text(&d)).is_ok());
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
        assert!(codegen::generate(&codegen::TARGETS[0], &text(&d)).is_ok());
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
        assert!(codegen::generate(&codegen::TARGETS[0], &text(&d)).is_ok());
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
        let code = codegen::generate(&codegen::TARGETS[0], &text(&d)).unwrap();
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
        assert!(codegen::generate(&codegen::TARGETS[0], &text(&d)).is_ok());
    }

    #[test]
    fn shared_parameters_and_responses_are_inlined_and_a_dangling_one_refused() {
        let mut d = doc(
            json!({ "/x": { "get": { "operationId": "get_x",
                "parameters": [{ "$ref": "#/components/parameters/Page" }],
                "responses": { "404": { "$ref": "#/components/responses/NotFound" } } } } }),
            json!({}),
        );
        d["components"]["parameters"] =
            json!({ "Page": { "name": "page", "in": "query", "schema": { "type": "integer" } } });
        d["components"]["responses"] = json!({ "NotFound": { "description": "gone" } });
        inline_shared_parts(&mut d).unwrap();
        let op = &d["paths"]["/x"]["get"];
        assert_eq!(op["parameters"][0]["name"], json!("page"));
        assert_eq!(op["responses"]["404"]["description"], json!("gone"));
        assert!(d["components"].get("parameters").is_none());

        let mut dangling = doc(
            json!({ "/x": { "get": { "operationId": "get_x",
                "parameters": [{ "$ref": "#/components/parameters/Nope" }], "responses": {} } } }),
            json!({}),
        );
        let e = inline_shared_parts(&mut dangling).unwrap_err();
        assert!(
            e.to_string().contains("#/components/parameters/Nope"),
            "{e}"
        );
    }

    /// The event `detail` of v2: serde would read any object as the first
    /// member; the union keeps every member's fields, innermost first.
    #[test]
    fn a_one_of_of_objects_becomes_their_union() {
        let mut d = doc(
            json!({}),
            json!({
                "Event": { "type": "object", "properties": { "detail": { "oneOf": [
                    { "$ref": "#/components/schemas/Location" }, { "$ref": "#/components/schemas/Quota" } ] } } },
                "Location": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } },
                "Quota": { "type": "object", "required": ["value"], "properties": {
                    "id": { "type": "integer", "format": "int32" },
                    "value": { "oneOf": [{ "$ref": "#/components/schemas/A" }, { "$ref": "#/components/schemas/B" }] } } },
                "A": { "type": "object", "properties": { "volume": { "type": "number" } } },
                "B": { "type": "object", "properties": { "left": { "type": "number" } } },
            }),
        );
        merge_one_of_objects(&mut d).unwrap();
        let schemas = &d["components"]["schemas"];
        assert_eq!(
            schemas["Event"]["properties"]["detail"]["$ref"],
            json!("#/components/schemas/EventDetail")
        );
        let fields: BTreeSet<&String> = schemas["EventDetail"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            fields.into_iter().cloned().collect::<Vec<_>>(),
            ["id", "name", "value"]
        );
        assert_eq!(
            schemas["EventDetail"]["properties"]["value"]["$ref"],
            json!("#/components/schemas/QuotaValue")
        );
        assert!(schemas["QuotaValue"]["properties"].get("left").is_some());
        // The members nothing refers to any more are gone.
        for gone in ["Location", "Quota", "A", "B"] {
            assert!(schemas.get(gone).is_none(), "{gone}");
        }

        let mut clash = doc(
            json!({}),
            json!({
                "E": { "type": "object", "properties": { "d": { "oneOf": [
                    { "type": "object", "properties": { "id": { "type": "integer" } } },
                    { "type": "object", "properties": { "id": { "type": "string" } } } ] } } },
            }),
        );
        let e = merge_one_of_objects(&mut clash).unwrap_err();
        assert!(e.to_string().contains("E.d"), "{e}");
    }

    /// Two inline objects alike in name and parent get their whole lineage.
    #[test]
    fn inline_objects_still_ambiguous_are_named_by_their_lineage() {
        let cgi = |t: &str| json!({ "type": "object", "properties": { "lac": { "type": t } } });
        let uli = |t: &str| json!({ "type": "object", "properties": { "cgi": cgi(t) } });
        let mut d = doc(
            json!({}),
            json!({
                "SimsPdpContext": { "type": "object", "properties": { "uli": uli("string") } },
                "Detail": { "type": "object", "properties": { "pdp": { "type": "object", "properties": { "uli": uli("integer") } } } },
            }),
        );
        hoist_inline_objects(&mut d).unwrap();
        let schemas = &d["components"]["schemas"];
        // Named after the model's idiomatic name (SimsPdpContext is PdpContext).
        assert_eq!(schemas["PdpContextUliCgi"], cgi("string"));
        assert_eq!(schemas["DetailPdpUliCgi"], cgi("integer"));
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
        // Every upstream id is mapped once, and names are unique but for the
        // one v1 and v2 spell differently (each version has its own module).
        let ids: BTreeSet<&str> = OPERATION_NAMES.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), OPERATION_NAMES.len());
        let names: BTreeSet<&str> = OPERATION_NAMES.iter().map(|(_, n)| *n).collect();
        assert_eq!(names.len(), OPERATION_NAMES.len() - 1);
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
