//! Names: idiomatic operation and model names (the tables and the rules
//! that apply them), and the checks that no two Rust names collide.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::Failure;

pub use super::os_names::*;

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

/// The Rust-facing name a schema gets: its entry in [`TYPE_NAMES`] or
/// [`OS_TYPE_NAMES`], else the name [`derived_type_name`] gives, else none
/// (the name stays).
pub fn new_type_name(name: &str) -> Option<String> {
    TYPE_NAMES
        .iter()
        .chain(OS_TYPE_NAMES)
        .find(|(from, _)| *from == name)
        .map(|(_, to)| (*to).to_string())
        .or_else(|| derived_type_name(name))
}

/// A part the conversion hoisted out of a listed 1NCE OS model is named
/// after it: `getResponseschema_1Mode` → `ActionRequestMode`,
/// `getResponseschema_9_items_inner_towerLocation` → `CellActivityTowerLocation`.
/// The longest listed name that prefixes it wins; a rest that starts with a
/// digit (`getResponseschema_12` after `getResponseschema`) is another model,
/// not a part.
pub fn derived_type_name(name: &str) -> Option<String> {
    let (from, to) = OS_TYPE_NAMES
        .iter()
        .filter(|(from, _)| {
            name.strip_prefix(from).is_some_and(|rest| {
                let mut chars = rest.chars();
                match chars.next() {
                    Some('_') => chars.next().is_some_and(|c| !c.is_ascii_digit()),
                    Some(c) => c.is_ascii_uppercase(),
                    None => false,
                }
            })
        })
        .max_by_key(|(from, _)| from.len())?;
    let rest = name[from.len()..]
        .replace("_items_inner", "")
        .replace("_inner", "");
    Some(format!("{to}{}", pascal(&rest)))
}

/// Rule: idiomatic model names from [`new_type_name`], with every `$ref`
/// rewritten. The upstream name is kept in `x-onence-upstream-name`.
pub fn rename_types(doc: &mut Value) -> Result<(), Failure> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let plan: Vec<(String, String)> = schemas
        .keys()
        .filter_map(|from| Some((from.clone(), new_type_name(from)?)))
        .filter(|(from, to)| from != to)
        .collect();
    let mut moved = BTreeMap::new();
    for (from, _) in &plan {
        if let Some(schema) = schemas.remove(from) {
            moved.insert(from.clone(), schema);
        }
    }
    let mut renamed = BTreeMap::new();
    for (from, to) in plan {
        let mut schema = moved.remove(&from).expect("taken above");
        if schemas.contains_key(&to) {
            return Err(Failure::Normalise(format!(
                "renaming {from} to {to} would replace another schema"
            )));
        }
        schema["x-onence-upstream-name"] = json!(from);
        schemas.insert(to.clone(), schema);
        renamed.insert(
            format!("#/components/schemas/{from}"),
            format!("#/components/schemas/{to}"),
        );
    }
    rewrite_refs(doc, &renamed);
    Ok(())
}

/// Rule: models that differ in nothing but their words (description,
/// title, example, upstream name) are one model, under the shortest of their
/// names, so a request read from a list and read alone is one Rust type
/// (1NCE OS spells its action request four times). Parts merge first, then
/// the models that hold them. Only the models [`OS_TYPE_NAMES`] names take
/// part: the SIM documents' types are a published surface already.
pub fn merge_identical_models(doc: &mut Value) {
    fn shape(schema: &Value) -> Value {
        match schema {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "description" | "title" | "example" | "x-onence-upstream-name"
                        )
                    })
                    .map(|(k, v)| (k.clone(), shape(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
            other => other.clone(),
        }
    }
    loop {
        let Some(schemas) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        else {
            return;
        };
        let mut by_shape: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let from_os_table = |schema: &Value| {
            schema["x-onence-upstream-name"].as_str().is_some_and(|n| {
                OS_TYPE_NAMES.iter().any(|(from, _)| *from == n) || derived_type_name(n).is_some()
            })
        };
        for (name, schema) in schemas.iter().filter(|(_, s)| from_os_table(s)) {
            by_shape
                .entry(shape(schema).to_string())
                .or_default()
                .push(name.clone());
        }
        let mut renamed = BTreeMap::new();
        for mut names in by_shape.into_values().filter(|n| n.len() > 1) {
            names.sort_by_key(|n| (n.len(), n.clone()));
            for gone in &names[1..] {
                schemas.remove(gone);
                renamed.insert(
                    format!("#/components/schemas/{gone}"),
                    format!("#/components/schemas/{}", names[0]),
                );
            }
        }
        if renamed.is_empty() {
            return;
        }
        rewrite_refs(doc, &renamed);
    }
}

/// Rule: idiomatic operation names from [`OPERATION_NAMES`]. An unmapped
/// operation gets a snake_case default (`getFooUsingGET` → `get_foo`) and is
/// flagged in the notes. The upstream id is kept in `x-onence-upstream-id`.
pub fn name_operations(doc: &mut Value, notes: &mut Notes) {
    for_each_operation(doc, |method, path, op| {
        let Some(id) = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            // No operationId (1NCE OS gives none): named by method and path.
            let key = format!("{} {path}", method.to_ascii_uppercase());
            let name = match PATH_OPERATION_NAMES.iter().find(|(from, _)| *from == key) {
                Some((_, to)) => (*to).to_string(),
                None => {
                    let name = default_operation_name(&format!("{method}_{path}"));
                    notes.unmapped_operations.push((key, name.clone()));
                    name
                }
            };
            op.insert("operationId".into(), json!(name));
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
    use crate::normalise::test_support::*;

    /// 1NCE OS gives no operationIds: its operations are named by method
    /// and path from the table, and one missing from it gets a name built
    /// from both, flagged for a maintainer.
    #[test]
    fn operations_without_an_id_are_named_by_method_and_path() {
        let mut d = doc(
            json!({
                "/v1/locate/geofences": { "get": { "responses": { "200": { "description": "ok" } } } },
                "/v1/new/things/{thingId}": { "delete": { "responses": { "204": { "description": "gone" } } } }
            }),
            json!({}),
        );
        let mut notes = Notes::default();
        name_operations(&mut d, &mut notes);
        assert_eq!(
            d["paths"]["/v1/locate/geofences"]["get"]["operationId"],
            "list_geofences"
        );
        let made = d["paths"]["/v1/new/things/{thingId}"]["delete"]["operationId"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            made.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{made}"
        );
        assert!(
            made.starts_with("delete") && made.contains("things"),
            "{made}"
        );
        assert_eq!(
            notes.unmapped_operations,
            vec![("DELETE /v1/new/things/{thingId}".to_string(), made)]
        );
        let names: BTreeSet<&str> = PATH_OPERATION_NAMES.iter().map(|(_, n)| *n).collect();
        assert_eq!(
            names.len(),
            PATH_OPERATION_NAMES.len(),
            "a name is given twice"
        );
    }
    /// 1NCE OS's parts are named after their parents, and its twins merge
    /// under the shortest name, every reference following.
    #[test]
    fn os_parts_take_their_parents_names_and_twins_merge() {
        let derived = |n: &str| derived_type_name(n);
        assert_eq!(
            derived("getResponseschema_1Mode").unwrap(),
            "ActionRequestMode"
        );
        assert_eq!(
            derived("getResponseschema_9_items_inner_towerLocation").unwrap(),
            "CellActivityTowerLocation"
        );
        // Another model of the same stem, and a name of the SIM documents.
        assert_eq!(derived("getResponseschema_99"), None);
        assert_eq!(derived("SIM_card"), None);
        let request = |words: &str, status: &str| {
            json!({ "description": words, "properties": {
                "status": { "$ref": format!("#/components/schemas/{status}") } } })
        };
        let mut d = doc(
            json!({ "/r": get("get", json!({ "200": { "description": "OK", "content": {
                "application/json": { "schema": { "$ref": "#/components/schemas/getAllResponseschema_1_items_inner" } } } } })) }),
            json!({
                "getResponseschema_1": request("read alone", "getResponseschema_1Status"),
                "getResponseschema_1Status": { "enum": ["SUCCEEDED"], "description": "a" },
                "getAllResponseschema_1_items_inner": request("read from a list", "getAllResponseschema_1_items_innerStatus"),
                "getAllResponseschema_1_items_innerStatus": { "enum": ["SUCCEEDED"], "description": "b" },
                "getArchivedResponseschema_items_inner": request("archived", "getArchivedResponseschema_items_innerStatus"),
                "getArchivedResponseschema_items_innerStatus": { "enum": ["FAILED"] },
                "SIM_card": { "type": "object" },
                "Values_for_Limits": { "type": "object" }
            }),
        );
        rename_types(&mut d).unwrap();
        merge_identical_models(&mut d);
        let names: BTreeSet<&String> = d["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let names: Vec<&str> = names.into_iter().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "ActionRequest",
                "ActionRequestStatus",
                "ArchivedActionRequest",
                "ArchivedActionRequestStatus",
                "Limits",
                "Sim"
            ]
        );
        let r = &d["paths"]["/r"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"];
        assert_eq!(r, "#/components/schemas/ActionRequest");
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
