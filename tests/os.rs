//! 1NCE OS through `client.os()`: every operation of the vendored document
//! is a method under its idiomatic name, calls reach the wire as the spec
//! says on the client's one session, path parameters are checked before
//! sending, and answers that drift from the document still decode.

use std::collections::BTreeSet;

use httpmock::prelude::*;
use onence::config::{RateLimits, RetryPolicy};
use onence::{os, Client, ErrorKind};

/// Every 1NCE OS operation; each name is checked at compile time to be a
/// method of `os::Client`.
macro_rules! operations {
    ($($name:ident),* $(,)?) => {
        const OPERATIONS: &[&str] = &[$(stringify!($name)),*];
        #[allow(dead_code)]
        fn every_operation_is_a_client_method() {
            $(let _ = os::Client::$name;)*
        }
    };
}

operations![
    list_device_endpoints,
    get_device_endpoint,
    update_device_endpoint,
    list_action_requests,
    list_active_action_requests,
    list_archived_action_requests,
    cancel_device_action_requests,
    cancel_action_request,
    get_action_request,
    create_device_preshared_key,
    list_preshared_key_jobs,
    import_preshared_keys,
    create_device_psk,
    get_device_psk,
    list_psk_jobs,
    import_psks,
    send_lwm2m_action,
    send_lwm2m_actions,
    send_coap_action,
    send_coap_actions,
    send_udp_action,
    send_udp_actions,
    test_optimizer_template,
    get_optimizer_savings,
    accept_agreements,
    get_aws_parameters,
    restart_aws_integration,
    test_aws_integration,
    list_admin_logs,
    get_admin_log_stats,
    get_admin_log_payload,
    list_optimizer_templates,
    create_optimizer_template,
    delete_optimizer_template,
    update_optimizer_template,
    list_devices,
    get_device,
    send_device_action,
    device_telemetry,
    device_history,
    fleet_history,
    device_history_insights,
    fleet_history_insights,
    device_positions,
    latest_positions,
    device_cell_activity,
    get_device_stats,
    list_geofences,
    create_geofence,
    delete_geofence,
    get_geofence,
    update_geofence,
    update_setting,
    list_settings,
    create_aws_integration,
    delete_integration,
    get_integration,
    update_integration,
    list_integrations,
    list_integration_event_types,
    create_webhook_integration,
    update_webhook_integration,
    restart_webhook_integration,
    test_webhook_integration,
    install_datacake_plugin,
    install_mender_plugin,
    install_tartabit_plugin,
    install_memfault_plugin,
    uninstall_plugin,
    get_plugin,
    restart_plugin,
    list_plugins,
];

fn spec() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/management-api-os.openapi.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_1nce_os_operation_is_a_method_by_its_idiomatic_name() {
    let listed: BTreeSet<&str> = OPERATIONS.iter().copied().collect();
    assert_eq!(listed.len(), OPERATIONS.len(), "a name is listed twice");
    let mut in_spec = BTreeSet::new();
    for item in spec()["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            in_spec.insert(op["operationId"].as_str().unwrap().to_string());
        }
    }
    let listed: BTreeSet<String> = listed.into_iter().map(String::from).collect();
    assert_eq!(listed, in_spec);
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .credentials(onence::Credentials::api_user("1234_api-user", "secret"))
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn token(server: &MockServer) {
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(200)
                .json_body(serde_json::json!({ "access_token": "tok", "expires_in": 3600 }));
        })
        .await;
}

/// A geofence answer with a field the document does not list and a number
/// sent as a string: 1NCE OS marks its models closed, the client reads them
/// open, so the answer decodes and keeps what it knows.
#[tokio::test]
async fn a_drifting_geofence_answer_decodes_on_the_shared_session() {
    let server = MockServer::start_async().await;
    token(&server).await;
    let geofence = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/locate/geofences/g-1")
                .header("authorization", "Bearer tok");
            then.status(200).json_body(serde_json::json!({
                "id": "g-1", "name": "depot", "type": "CIRCLE", "radius": "250",
                "center": [13.4, 52.5], "created": "2024-05-03T11:00:24.985Z",
                "updated": "2024-05-03T11:00:24.985Z", "deviceId": "8988280666000000000",
                "eventTypes": ["ENTER"], "eventSources": ["GPS"], "colour": "red"
            }));
        })
        .await;
    let client = client(&server);
    let answer = client.os().get_geofence().geofence_id("g-1").send().await;
    let answer = answer
        .map_err(onence::Error::from)
        .expect("a drifting answer decodes");
    let json = serde_json::to_value(answer.into_inner()).unwrap();
    assert_eq!(json["name"], "depot", "{json}");
    assert_eq!(geofence.calls_async().await, 1);
    // The SIM API and 1NCE OS share one token.
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/sims/8988280666000000000");
            then.status(200)
                .json_body(serde_json::json!({ "iccid": "8988280666000000000" }));
        })
        .await;
    client
        .get_sim()
        .iccid("8988280666000000000")
        .send()
        .await
        .unwrap();
}

/// A path parameter that would change which operation is called is refused
/// before anything is sent, naming the operation.
#[tokio::test]
async fn path_parameters_are_checked_before_sending() {
    let server = MockServer::start_async().await;
    token(&server).await;
    let anything = server
        .mock_async(|when, then| {
            when.path_matches(".*");
            then.status(200).json_body(serde_json::json!({}));
        })
        .await;
    let client = client(&server);
    for bad in ["", "..", "a/b", "g-1?x=1"] {
        let err = onence::Error::from(
            client
                .os()
                .get_geofence()
                .geofence_id(bad)
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
    }
    // A protocol is one of the documented values (LWM2M, UDP, COAP).
    let err = onence::Error::from(
        client
            .os()
            .get_device_endpoint()
            .protocol("MQTT")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("for protocol"), "{err}");
    assert_eq!(anything.calls_async().await, 0, "nothing was sent");
}

/// Reading every geofence counts against its own limit (1NCE's 30 a
/// minute by default; here one a minute), and reading one geofence does not.
#[tokio::test]
async fn reading_every_geofence_keeps_to_its_limit() {
    use std::time::Duration;
    let server = MockServer::start_async().await;
    token(&server).await;
    let lists = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/locate/geofences");
            then.status(200)
                .json_body(serde_json::json!({ "items": [], "page": 1, "pageAmount": 1 }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/locate/geofences/g-1");
            then.status(200)
                .json_body(serde_json::json!({ "id": "g-1" }));
        })
        .await;
    let limits = RateLimits::none()
        .with_geofence_reads(Some(onence::config::Limit::new(1, Duration::from_secs(60))));
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(onence::Credentials::api_user("1234_api-user", "secret"))
        .rate_limits(limits)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let os = client.os();
    os.list_geofences().send().await.unwrap();
    // The second read of every geofence waits for the next minute.
    let second = tokio::time::timeout(Duration::from_millis(500), os.list_geofences().send());
    assert!(second.await.is_err(), "the second read was held");
    assert_eq!(lists.calls_async().await, 1);
    // One geofence at a time is not held by that limit.
    let singles = async {
        for _ in 0..3 {
            os.get_geofence().geofence_id("g-1").send().await.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(30), singles)
        .await
        .expect("reading one geofence is not held for a minute");
}

/// Every 1NCE OS model has a name of its own: none keeps the conversion's
/// `getResponseschema_7` or `postschema_5`, every name is a Rust type name,
/// and a model's upstream name is kept beside it.
#[test]
fn every_1nce_os_model_has_a_name_that_explains_itself() {
    let doc = spec();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        assert!(
            !name.to_ascii_lowercase().contains("schema") && !name.contains('_'),
            "{name} keeps the conversion's name"
        );
        assert!(name.starts_with(|c: char| c.is_ascii_uppercase()), "{name}");
        let upstream = schema["x-onence-upstream-name"].as_str();
        // Enums and scalars hoisted out of a model are named after it here;
        // the models the document names keep that name beside ours.
        let made_here =
            schema.get("properties").is_none() || name.ends_with("Received") || name == "ApiError";
        assert!(upstream.is_some() || made_here, "{name}: no upstream name");
    }
    for wanted in [
        "Geofence",
        "DevicePosition",
        "ActionRequest",
        "AdminLog",
        "Device",
    ] {
        assert!(schemas.contains_key(wanted), "{wanted}");
    }
    // A request read from a list and read alone is one type.
    let items = &schemas["ActionRequestPage"]["properties"]["items"]["items"]["$ref"];
    assert_eq!(items, "#/components/schemas/ActionRequest");
}
