//! The contract rows of 1NCE OS (`spec/management-api-os.openapi.json`):
//! one per operation, each calling `client.os()` as a user would. Request
//! bodies are typed models built from the JSON the wire must carry.

use std::num::NonZeroU64;

use futures::TryStreamExt;
use onence::os::types;
use serde_json::{json, Value};

use super::{to_json, Call, Case, ICCID};

fn case_os(
    op: &'static str,
    path: &str,
    query: &[(&'static str, &'static str)],
    body: Option<Value>,
    call: Call,
) -> Case {
    Case {
        version: "os",
        op,
        path: path.to_string(),
        query: query.to_vec(),
        body,
        call,
    }
}

fn nz(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap()
}

/// A typed request body from the JSON the wire must carry.
fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap()
}

/// A write's answer (offered as raw bytes: it may be empty) read as JSON,
/// or as text when it is none.
async fn raw(answer: onence::ResponseValue<onence::ByteStream>) -> Result<Value, onence::Error> {
    let chunks: Vec<bytes::Bytes> = answer
        .into_inner()
        .into_inner()
        .try_collect()
        .await
        .unwrap();
    let all: Vec<u8> = chunks.concat();
    Ok(serde_json::from_slice(&all)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&all).into_owned())))
}

macro_rules! call {
    (|$c:ident| $body:expr) => {{
        let unused = Value::Null;
        call!(|$c, unused| $body)
    }};
    (|$c:ident, $b:ident| $body:expr) => {{
        let $b: Value = $b.clone();
        Box::new(move |client: onence::Client| {
            let $b = $b.clone();
            Box::pin(async move {
                let $c = client.os();
                let _ = &$b;
                $body
            })
        })
    }};
}

/// A row for a write whose answer is raw bytes: `$builder` sent, its body read.
macro_rules! write_row {
    ($op:literal, $path:expr, $body:expr, |$c:ident, $b:ident| $builder:expr) => {{
        let body: Option<Value> = $body;
        let $b = body.clone().unwrap_or(Value::Null);
        case_os(
            $op,
            &$path,
            &[],
            body,
            call!(|$c, $b| raw($builder.send().await?).await),
        )
    }};
}

/// A row for a read: `$builder` sent, its typed answer re-encoded.
macro_rules! read_row {
    ($op:literal, $path:expr, $query:expr, |$c:ident| $builder:expr) => {
        case_os(
            $op,
            &$path,
            $query,
            None,
            call!(|$c| Ok(to_json($builder.send().await?.into_inner()))),
        )
    };
}

/// A row for a write that answers nothing.
macro_rules! unit_row {
    ($op:literal, $path:expr, $body:expr, |$c:ident, $b:ident| $builder:expr) => {{
        let body: Option<Value> = $body;
        let $b = body.clone().unwrap_or(Value::Null);
        case_os(
            $op,
            &$path,
            &[],
            body,
            call!(|$c, $b| {
                $builder.send().await?;
                Ok(Value::Null)
            }),
        )
    }};
}

pub(super) fn cases_os() -> Vec<Case> {
    let device = format!("/v1/inspect/devices/{ICCID}");
    let integrate = format!("/v1/integrate/devices/{ICCID}");
    let lwm2m = json!({ "action": "write", "data": "enable_sensor", "resourceAddress": "/3/0/1",
                        "requestMode": "SEND_NOW", "sendAttempts": 2.0 });
    let coap = json!({ "path": "sensors?unit=c", "payload": "on", "payloadType": "STRING", "port": 5683,
                       "requestMode": "SEND_WHEN_ACTIVE", "requestType": "POST", "sendAttempts": 1.0 });
    let udp = json!({ "payload": "d2FrZQ==", "payloadType": "BASE64", "port": 3000, "requestMode": "SEND_NOW" });
    let psk = json!({ "format": "HEX", "protocol": "COAP", "secretKey": "00112233445566778899aabbccddeeff" });
    let psk_import = json!([{ "deviceId": ICCID, "format": "STRING", "protocol": "LWM2M", "secretKey": "s3cret-key" }]);
    let hook_update = json!({ "eventTypes": [{ "type": "LOCATION", "version": "1" }],
                              "headers": { "X-Token": "t" }, "jsonPayloadEnabled": true,
                              "url": "https://example.com/hook" });
    let with_devices = |single: &Value, devices: Value| {
        let mut bulk = single.clone();
        bulk["deviceIds"] = devices;
        bulk
    };
    vec![
        read_row!(
            "list_admin_logs",
            "/v1/administrationLogs",
            &[("page", "2"), ("pageSize", "25"), ("q", "category:error")],
            |c| c
                .list_admin_logs()
                .page(nz(2))
                .page_size(nz(25))
                .q("category:error")
        ),
        read_row!(
            "get_admin_log_stats",
            "/v1/administrationLogs/stats",
            &[("category", "error"), ("timezone", "Europe/Berlin")],
            |c| c
                .get_admin_log_stats()
                .timezone("Europe/Berlin")
                .category(types::GetAdminLogStatsCategory::Error)
        ),
        case_os(
            "get_admin_log_payload",
            "/v1/administrationLogs/log-1/payload",
            &[],
            None,
            call!(|c| raw(c
                .get_admin_log_payload()
                .admin_log_id("log-1")
                .send()
                .await?)
            .await),
        ),
        unit_row!(
            "accept_agreements",
            "/v1/agreements/1nceos",
            Some(json!({ "accepted": true })),
            |c, b| c
                .accept_agreements()
                .body(typed::<types::AgreementsAcceptance>(&b))
        ),
        read_row!("get_device_stats", "/v1/devices/stats", &[], |c| c
            .get_device_stats()),
        write_row!(
            "send_device_action",
            format!("/v1/devices/{ICCID}/actions"),
            Some(lwm2m.clone()),
            |c, b| c
                .send_device_action()
                .device_id(ICCID)
                .body(typed::<types::Lwm2mAction>(&b))
        ),
        read_row!(
            "list_devices",
            "/v1/inspect/devices",
            &[
                ("page", "3"),
                ("pageSize", "50"),
                ("q", "imsi1:901405100000017"),
                ("sort", "-iccid")
            ],
            |c| c
                .list_devices()
                .page(nz(3))
                .page_size(nz(50))
                .q("imsi1:901405100000017")
                .sort("-iccid")
        ),
        read_row!(
            "fleet_history",
            "/v1/inspect/devices/history",
            &[
                ("startDateTime", "2024-05-01T00:00:00.000Z"),
                ("endDateTime", "2024-05-02T00:00:00.000Z"),
                ("nextToken", "tok-2"),
                ("pageSize", "100"),
                ("protocol", "UDP")
            ],
            |c| c
                .fleet_history()
                .start_date_time("2024-05-01T00:00:00.000Z")
                .end_date_time("2024-05-02T00:00:00.000Z")
                .next_token("tok-2")
                .page_size(nz(100))
                .protocol("UDP")
        ),
        read_row!(
            "fleet_history_insights",
            "/v1/inspect/devices/history/insights",
            &[("interval", "1h"), ("iccid", ICCID)],
            |c| c.fleet_history_insights().interval("1h").iccid(ICCID)
        ),
        read_row!("get_device", device, &[], |c| c
            .get_device()
            .device_id(ICCID)),
        read_row!(
            "device_history",
            format!("{device}/history"),
            &[("pageSize", "10"), ("protocol", "COAP")],
            |c| c
                .device_history()
                .device_id(ICCID)
                .page_size(nz(10))
                .protocol("COAP")
        ),
        read_row!(
            "device_history_insights",
            format!("{device}/history/insights"),
            &[("interval", "1d")],
            |c| c.device_history_insights().device_id(ICCID).interval("1d")
        ),
        read_row!(
            "device_telemetry",
            format!("{device}/telemetry"),
            &[("protocol", "LWM2M")],
            |c| c.device_telemetry().device_id(ICCID).protocol("LWM2M")
        ),
        read_row!("list_integrations", "/v1/integrate/clouds", &[], |c| c
            .list_integrations()),
        write_row!(
            "create_aws_integration",
            "/v1/integrate/clouds/aws",
            Some(
                json!({ "name": "aws-fleet", "jsonPayloadEnabled": true, "eventTypes": [{ "type": "TELEMETRY_DATA" }] })
            ),
            |c, b| c
                .create_aws_integration()
                .body(typed::<types::NewAwsIntegration>(&b))
        ),
        read_row!(
            "get_aws_parameters",
            "/v1/integrate/clouds/aws/parameters",
            &[],
            |c| c.get_aws_parameters()
        ),
        write_row!(
            "restart_aws_integration",
            "/v1/integrate/clouds/aws/i-1/restart",
            None,
            |c, _b| c.restart_aws_integration().integration_id("i-1")
        ),
        write_row!(
            "test_aws_integration",
            "/v1/integrate/clouds/aws/i-1/test",
            None,
            |c, _b| c.test_aws_integration().integration_id("i-1")
        ),
        read_row!(
            "list_integration_event_types",
            "/v1/integrate/clouds/eventTypes",
            &[],
            |c| c.list_integration_event_types()
        ),
        write_row!(
            "create_webhook_integration",
            "/v1/integrate/clouds/webhooks",
            Some(
                json!({ "name": "hook", "url": "https://example.com/hook", "jsonPayloadEnabled": false,
                         "headers": { "X-Token": "t" }, "eventTypes": [{ "type": "GEOFENCE", "version": "1" }] })
            ),
            |c, b| c
                .create_webhook_integration()
                .body(typed::<types::NewWebhookIntegration>(&b))
        ),
        write_row!(
            "update_webhook_integration",
            "/v1/integrate/clouds/webhooks/i-1",
            Some(hook_update.clone()),
            |c, b| c
                .update_webhook_integration()
                .integration_id("i-1")
                .body(typed::<types::IntegrationUpdate>(&b))
        ),
        write_row!(
            "restart_webhook_integration",
            "/v1/integrate/clouds/webhooks/i-1/restart",
            None,
            |c, _b| c.restart_webhook_integration().integration_id("i-1")
        ),
        write_row!(
            "test_webhook_integration",
            "/v1/integrate/clouds/webhooks/i-1/test",
            None,
            |c, _b| c.test_webhook_integration().integration_id("i-1")
        ),
        unit_row!(
            "delete_integration",
            "/v1/integrate/clouds/i-1",
            None,
            |c, _b| c.delete_integration().integration_id("i-1")
        ),
        read_row!("get_integration", "/v1/integrate/clouds/i-1", &[], |c| c
            .get_integration()
            .integration_id("i-1")),
        write_row!(
            "update_integration",
            "/v1/integrate/clouds/i-1",
            Some(hook_update.clone()),
            |c, b| c
                .update_integration()
                .integration_id("i-1")
                .body(typed::<types::IntegrationUpdate>(&b))
        ),
        write_row!(
            "send_coap_actions",
            "/v1/integrate/devices/actions/COAP",
            Some(with_devices(&coap, json!([ICCID, "dev_2"]))),
            |c, b| c
                .send_coap_actions()
                .body(typed::<types::BulkCoapAction>(&b))
        ),
        write_row!(
            "send_lwm2m_actions",
            "/v1/integrate/devices/actions/LWM2M",
            Some(with_devices(&lwm2m, json!([ICCID]))),
            |c, b| c
                .send_lwm2m_actions()
                .body(typed::<types::BulkLwm2mAction>(&b))
        ),
        write_row!(
            "send_udp_actions",
            "/v1/integrate/devices/actions/UDP",
            Some(with_devices(&udp, json!(["dev-1", "dev-2"]))),
            |c, b| c.send_udp_actions().body(typed::<types::BulkUdpAction>(&b))
        ),
        read_row!(
            "list_action_requests",
            "/v1/integrate/devices/actions/requests",
            &[
                ("page", "1"),
                ("pageSize", "50"),
                ("deviceId", ICCID),
                ("protocol", "UDP"),
                ("status", "FAILED"),
                ("sort", "-updated")
            ],
            |c| c
                .list_action_requests()
                .page(nz(1))
                .page_size(nz(50))
                .device_id(ICCID)
                .protocol("UDP")
                .status(types::ListActionRequestsStatus::Failed)
                .sort(types::ListActionRequestsSort::Xupdated)
        ),
        read_row!(
            "list_active_action_requests",
            "/v1/integrate/devices/actions/requests/active",
            &[("status", "SCHEDULED")],
            |c| c
                .list_active_action_requests()
                .status(types::ListActiveActionRequestsStatus::Scheduled)
        ),
        read_row!(
            "list_archived_action_requests",
            "/v1/integrate/devices/actions/requests/archived",
            &[("status", "CANCELLED")],
            |c| c
                .list_archived_action_requests()
                .status(types::ListArchivedActionRequestsStatus::Cancelled)
        ),
        write_row!(
            "cancel_action_request",
            "/v1/integrate/devices/actions/requests/r-1",
            None,
            |c, _b| c.cancel_action_request().request_id("r-1")
        ),
        read_row!(
            "get_action_request",
            "/v1/integrate/devices/actions/requests/r-1",
            &[],
            |c| c.get_action_request().request_id("r-1")
        ),
        read_row!(
            "list_device_endpoints",
            "/v1/integrate/devices/endpoints",
            &[],
            |c| c.list_device_endpoints()
        ),
        read_row!(
            "get_device_endpoint",
            "/v1/integrate/devices/endpoints/COAP",
            &[],
            |c| c.get_device_endpoint().protocol("COAP")
        ),
        write_row!(
            "update_device_endpoint",
            "/v1/integrate/devices/endpoints/UDP",
            Some(
                json!({ "active": true, "settings": [{ "name": "LWM2M_PASSIVE_REPORTING", "state": "ENABLED" }] })
            ),
            |c, b| c
                .update_device_endpoint()
                .protocol("UDP")
                .body(typed::<types::DeviceEndpointUpdate>(&b))
        ),
        read_row!(
            "list_preshared_key_jobs",
            "/v1/integrate/devices/presharedkey/jobs",
            &[],
            |c| c.list_preshared_key_jobs()
        ),
        unit_row!(
            "import_preshared_keys",
            "/v1/integrate/devices/presharedkey/jobs",
            Some(psk_import.clone()),
            |c, b| c
                .import_preshared_keys()
                .body(typed::<types::PreSharedKeyImport>(&b))
        ),
        read_row!(
            "list_psk_jobs",
            "/v1/integrate/devices/psk/jobs",
            &[],
            |c| c.list_psk_jobs()
        ),
        unit_row!(
            "import_psks",
            "/v1/integrate/devices/psk/jobs",
            Some(psk_import.clone()),
            |c, b| c.import_psks().body(typed::<types::PreSharedKeyImport>(&b))
        ),
        write_row!(
            "send_coap_action",
            format!("{integrate}/actions/COAP"),
            Some(coap.clone()),
            |c, b| c
                .send_coap_action()
                .device_id(ICCID)
                .body(typed::<types::CoapAction>(&b))
        ),
        write_row!(
            "send_lwm2m_action",
            format!("{integrate}/actions/LWM2M"),
            Some(lwm2m.clone()),
            |c, b| c
                .send_lwm2m_action()
                .device_id(ICCID)
                .body(typed::<types::Lwm2mAction>(&b))
        ),
        write_row!(
            "send_udp_action",
            format!("{integrate}/actions/UDP"),
            Some(udp.clone()),
            |c, b| c
                .send_udp_action()
                .device_id(ICCID)
                .body(typed::<types::UdpAction>(&b))
        ),
        write_row!(
            "cancel_device_action_requests",
            format!("{integrate}/actions/requests"),
            None,
            |c, _b| c.cancel_device_action_requests().device_id(ICCID)
        ),
        write_row!(
            "create_device_preshared_key",
            format!("{integrate}/presharedkey"),
            Some(psk.clone()),
            |c, b| c
                .create_device_preshared_key()
                .device_id(ICCID)
                .body(typed::<types::NewPreSharedKey>(&b))
        ),
        write_row!(
            "create_device_psk",
            format!("{integrate}/psk"),
            Some(psk.clone()),
            |c, b| c
                .create_device_psk()
                .device_id(ICCID)
                .body(typed::<types::NewPreSharedKey>(&b))
        ),
        read_row!(
            "get_device_psk",
            format!("{integrate}/psk/LWM2M"),
            &[],
            |c| c.get_device_psk().device_id(ICCID).protocol("LWM2M")
        ),
        read_row!(
            "device_cell_activity",
            format!("/v1/locate/devices/{ICCID}/activity"),
            &[("startDateTime", "2024-05-01T00:00:00.000Z")],
            |c| c
                .device_cell_activity()
                .device_id(ICCID)
                .start_date_time("2024-05-01T00:00:00.000Z")
        ),
        read_row!(
            "device_positions",
            format!("/v1/locate/devices/{ICCID}/positions"),
            &[
                ("page", "2"),
                ("pageSize", "100"),
                ("source", "GPS"),
                ("mode", "SUMMARY")
            ],
            |c| c
                .device_positions()
                .device_id(ICCID)
                .page(nz(2))
                .page_size(nz(100))
                .source(types::DevicePositionsSource::Gps)
                .mode(types::DevicePositionsMode::Summary)
        ),
        read_row!(
            "list_geofences",
            "/v1/locate/geofences",
            &[
                ("page", "1"),
                ("pageSize", "50"),
                ("scope", "device"),
                ("deviceId", ICCID)
            ],
            |c| c
                .list_geofences()
                .page(nz(1))
                .page_size(nz(50))
                .scope(types::ListGeofencesScope::Device)
                .device_id(ICCID)
        ),
        write_row!(
            "create_geofence",
            "/v1/locate/geofences",
            Some(
                json!({ "type": "circle", "name": "depot", "center": [13.4, 52.52], "radius": 250.0,
                         "eventTypes": ["ENTER"], "eventSources": ["GPS"] })
            ),
            |c, b| c.create_geofence().body(typed::<types::NewGeofence>(&b))
        ),
        unit_row!(
            "delete_geofence",
            "/v1/locate/geofences/g-1",
            None,
            |c, _b| c.delete_geofence().geofence_id("g-1")
        ),
        read_row!("get_geofence", "/v1/locate/geofences/g-1", &[], |c| c
            .get_geofence()
            .geofence_id("g-1")),
        write_row!(
            "update_geofence",
            "/v1/locate/geofences/g-1",
            Some(json!({ "name": "depot-2", "eventTypes": ["EXIT"] })),
            |c, b| c
                .update_geofence()
                .geofence_id("g-1")
                .body(typed::<types::GeofenceUpdate>(&b))
        ),
        read_row!(
            "latest_positions",
            "/v1/locate/positions/latest",
            &[
                ("latitudeFrom", "52.3"),
                ("latitudeTo", "52.7"),
                ("longitudeFrom", "13.1"),
                ("longitudeTo", "13.8"),
                ("pageSize", "100")
            ],
            |c| c
                .latest_positions()
                .latitude_from(52.3)
                .latitude_to(52.7)
                .longitude_from(13.1)
                .longitude_to(13.8)
                .page_size(nz(100))
        ),
        write_row!(
            "test_optimizer_template",
            "/v1/optimize/messages/test",
            Some(json!({ "payload": "AQID", "template": "{\"temp\": \"int8\"}" })),
            |c, b| c
                .test_optimizer_template()
                .body(typed::<types::OptimizerTemplateTest>(&b))
        ),
        read_row!(
            "get_optimizer_savings",
            "/v1/optimize/savings",
            &[("range", "30"), ("protocol", "UDP")],
            |c| c
                .get_optimizer_savings()
                .range(types::GetOptimizerSavingsRange::X30)
                .protocol(types::GetOptimizerSavingsProtocol::Udp)
        ),
        read_row!(
            "list_optimizer_templates",
            "/v1/optimize/templates",
            &[],
            |c| c.list_optimizer_templates()
        ),
        write_row!(
            "create_optimizer_template",
            "/v1/optimize/templates",
            Some(
                json!({ "name": "compact", "protocolFilter": ["UDP"], "status": "ACTIVE", "template": "{\"temp\": \"int8\"}" })
            ),
            |c, b| c
                .create_optimizer_template()
                .body(typed::<types::NewOptimizerTemplate>(&b))
        ),
        unit_row!(
            "delete_optimizer_template",
            "/v1/optimize/templates/t-1",
            None,
            |c, _b| c.delete_optimizer_template().template_id("t-1")
        ),
        write_row!(
            "update_optimizer_template",
            "/v1/optimize/templates/t-1",
            Some(json!({ "status": "INACTIVE" })),
            |c, b| c
                .update_optimizer_template()
                .template_id("t-1")
                .body(typed::<types::OptimizerTemplateUpdate>(&b))
        ),
        write_row!(
            "install_datacake_plugin",
            "/v1/partners/DATACAKE/plugins",
            Some(json!({ "workspaceId": "ws-1" })),
            |c, b| c
                .install_datacake_plugin()
                .body(typed::<types::NewDatacakePlugin>(&b))
        ),
        write_row!(
            "install_memfault_plugin",
            "/v1/partners/MEMFAULT/plugins",
            Some(json!({})),
            |c, b| c
                .install_memfault_plugin()
                .body(typed::<types::NewMemfaultPlugin>(&b))
        ),
        write_row!(
            "install_mender_plugin",
            "/v1/partners/MENDER/plugins",
            Some(
                json!({ "privateKey": "private", "publicKey": "public", "tenantToken": "tenant" })
            ),
            |c, b| c
                .install_mender_plugin()
                .body(typed::<types::NewMenderPlugin>(&b))
        ),
        write_row!(
            "install_tartabit_plugin",
            "/v1/partners/TARTABIT/plugins",
            Some(json!({ "serverDomain": "eu.tartabit.com", "webhookKey": "key" })),
            |c, b| c
                .install_tartabit_plugin()
                .body(typed::<types::NewTartabitPlugin>(&b))
        ),
        read_row!("list_plugins", "/v1/partners/plugins", &[], |c| c
            .list_plugins()),
        unit_row!(
            "uninstall_plugin",
            "/v1/partners/plugins/p-1",
            None,
            |c, _b| c.uninstall_plugin().plugin_id("p-1")
        ),
        read_row!("get_plugin", "/v1/partners/plugins/p-1", &[], |c| c
            .get_plugin()
            .plugin_id("p-1")),
        write_row!(
            "restart_plugin",
            "/v1/partners/plugins/p-1/restart",
            None,
            |c, _b| c.restart_plugin().plugin_id("p-1")
        ),
        read_row!(
            "list_settings",
            "/v1/settings/1nceos",
            &[("language", "de"), ("page", "1"), ("pageSize", "20")],
            |c| c
                .list_settings()
                .language(types::ListSettingsLanguage::De)
                .page(nz(1))
                .page_size(nz(20))
        ),
        write_row!(
            "update_setting",
            "/v1/settings/1nceos/ENERGY_SAVER",
            Some(json!({ "state": "ENABLED", "readAndAcceptedDisclaimer": true })),
            |c, b| c
                .update_setting()
                .name("ENERGY_SAVER")
                .body(typed::<types::SettingUpdate>(&b))
        ),
    ]
}
