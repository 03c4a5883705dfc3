//! Names: idiomatic operation and model names (the tables and the rules
//! that apply them), and the checks that no two Rust names collide.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::Failure;

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

/// Idiomatic method names for the operations the documents give no
/// operationId (1NCE OS), by method and path; consistent with the SIM
/// operations' names (`list_*`, `get_*`, `create_*`, `update_*`, ...).
pub const PATH_OPERATION_NAMES: &[(&str, &str)] = &[
    (
        "GET /v1/integrate/devices/endpoints",
        "list_device_endpoints",
    ),
    (
        "GET /v1/integrate/devices/endpoints/{protocol}",
        "get_device_endpoint",
    ),
    (
        "PATCH /v1/integrate/devices/endpoints/{protocol}",
        "update_device_endpoint",
    ),
    (
        "GET /v1/integrate/devices/actions/requests",
        "list_action_requests",
    ),
    (
        "GET /v1/integrate/devices/actions/requests/active",
        "list_active_action_requests",
    ),
    (
        "GET /v1/integrate/devices/actions/requests/archived",
        "list_archived_action_requests",
    ),
    (
        "DELETE /v1/integrate/devices/{deviceId}/actions/requests",
        "cancel_device_action_requests",
    ),
    (
        "DELETE /v1/integrate/devices/actions/requests/{requestId}",
        "cancel_action_request",
    ),
    (
        "GET /v1/integrate/devices/actions/requests/{requestId}",
        "get_action_request",
    ),
    (
        "POST /v1/integrate/devices/{deviceId}/presharedkey",
        "create_device_preshared_key",
    ),
    (
        "GET /v1/integrate/devices/presharedkey/jobs",
        "list_preshared_key_jobs",
    ),
    (
        "POST /v1/integrate/devices/presharedkey/jobs",
        "import_preshared_keys",
    ),
    (
        "POST /v1/integrate/devices/{deviceId}/psk",
        "create_device_psk",
    ),
    (
        "GET /v1/integrate/devices/{deviceId}/psk/{protocol}",
        "get_device_psk",
    ),
    ("GET /v1/integrate/devices/psk/jobs", "list_psk_jobs"),
    ("POST /v1/integrate/devices/psk/jobs", "import_psks"),
    (
        "POST /v1/integrate/devices/{deviceId}/actions/LWM2M",
        "send_lwm2m_action",
    ),
    (
        "POST /v1/integrate/devices/actions/LWM2M",
        "send_lwm2m_actions",
    ),
    (
        "POST /v1/integrate/devices/{deviceId}/actions/COAP",
        "send_coap_action",
    ),
    (
        "POST /v1/integrate/devices/actions/COAP",
        "send_coap_actions",
    ),
    (
        "POST /v1/integrate/devices/{deviceId}/actions/UDP",
        "send_udp_action",
    ),
    ("POST /v1/integrate/devices/actions/UDP", "send_udp_actions"),
    ("POST /v1/optimize/messages/test", "test_optimizer_template"),
    ("GET /v1/optimize/savings", "get_optimizer_savings"),
    ("POST /v1/agreements/1nceos", "accept_agreements"),
    (
        "GET /v1/integrate/clouds/aws/parameters",
        "get_aws_parameters",
    ),
    (
        "POST /v1/integrate/clouds/aws/{integrationId}/restart",
        "restart_aws_integration",
    ),
    (
        "POST /v1/integrate/clouds/aws/{integrationId}/test",
        "test_aws_integration",
    ),
    ("GET /v1/administrationLogs", "list_admin_logs"),
    ("GET /v1/administrationLogs/stats", "get_admin_log_stats"),
    (
        "GET /v1/administrationLogs/{adminLogId}/payload",
        "get_admin_log_payload",
    ),
    ("GET /v1/optimize/templates", "list_optimizer_templates"),
    ("POST /v1/optimize/templates", "create_optimizer_template"),
    (
        "DELETE /v1/optimize/templates/{templateId}",
        "delete_optimizer_template",
    ),
    (
        "PATCH /v1/optimize/templates/{templateId}",
        "update_optimizer_template",
    ),
    ("GET /v1/inspect/devices", "list_devices"),
    ("GET /v1/inspect/devices/{deviceId}", "get_device"),
    ("POST /v1/devices/{deviceId}/actions", "send_device_action"),
    (
        "GET /v1/inspect/devices/{deviceId}/telemetry",
        "device_telemetry",
    ),
    (
        "GET /v1/inspect/devices/{deviceId}/history",
        "device_history",
    ),
    ("GET /v1/inspect/devices/history", "fleet_history"),
    (
        "GET /v1/inspect/devices/{deviceId}/history/insights",
        "device_history_insights",
    ),
    (
        "GET /v1/inspect/devices/history/insights",
        "fleet_history_insights",
    ),
    (
        "GET /v1/locate/devices/{deviceId}/positions",
        "device_positions",
    ),
    ("GET /v1/locate/positions/latest", "latest_positions"),
    (
        "GET /v1/locate/devices/{deviceId}/activity",
        "device_cell_activity",
    ),
    ("GET /v1/devices/stats", "get_device_stats"),
    ("GET /v1/locate/geofences", "list_geofences"),
    ("POST /v1/locate/geofences", "create_geofence"),
    (
        "DELETE /v1/locate/geofences/{geofenceId}",
        "delete_geofence",
    ),
    ("GET /v1/locate/geofences/{geofenceId}", "get_geofence"),
    ("PATCH /v1/locate/geofences/{geofenceId}", "update_geofence"),
    ("PATCH /v1/settings/1nceos/{name}", "update_setting"),
    ("GET /v1/settings/1nceos", "list_settings"),
    ("POST /v1/integrate/clouds/aws", "create_aws_integration"),
    (
        "DELETE /v1/integrate/clouds/{integrationId}",
        "delete_integration",
    ),
    (
        "GET /v1/integrate/clouds/{integrationId}",
        "get_integration",
    ),
    (
        "PATCH /v1/integrate/clouds/{integrationId}",
        "update_integration",
    ),
    ("GET /v1/integrate/clouds", "list_integrations"),
    (
        "GET /v1/integrate/clouds/eventTypes",
        "list_integration_event_types",
    ),
    (
        "POST /v1/integrate/clouds/webhooks",
        "create_webhook_integration",
    ),
    (
        "PATCH /v1/integrate/clouds/webhooks/{integrationId}",
        "update_webhook_integration",
    ),
    (
        "POST /v1/integrate/clouds/webhooks/{integrationId}/restart",
        "restart_webhook_integration",
    ),
    (
        "POST /v1/integrate/clouds/webhooks/{integrationId}/test",
        "test_webhook_integration",
    ),
    (
        "POST /v1/partners/DATACAKE/plugins",
        "install_datacake_plugin",
    ),
    ("POST /v1/partners/MENDER/plugins", "install_mender_plugin"),
    (
        "POST /v1/partners/TARTABIT/plugins",
        "install_tartabit_plugin",
    ),
    (
        "POST /v1/partners/MEMFAULT/plugins",
        "install_memfault_plugin",
    ),
    ("DELETE /v1/partners/plugins/{pluginId}", "uninstall_plugin"),
    ("GET /v1/partners/plugins/{pluginId}", "get_plugin"),
    (
        "POST /v1/partners/plugins/{pluginId}/restart",
        "restart_plugin",
    ),
    ("GET /v1/partners/plugins", "list_plugins"),
];

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
