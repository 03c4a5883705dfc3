//! The generated client against the vendored spec: every operation is there
//! under its idiomatic name, and calls reach the wire as the spec says.

use std::collections::BTreeSet;

use httpmock::prelude::*;
use onence::{types, Client};

/// Every operation the client must expose. Each name is also checked to be a
/// real `Client` method at compile time, below.
macro_rules! operations {
    ($($name:ident),* $(,)?) => {
        const OPERATIONS: &[&str] = &[$(stringify!($name)),*];
        #[allow(dead_code)]
        fn every_operation_is_a_client_method() {
            $(let _ = Client::$name;)*
        }
    };
}

operations![
    list_sims,
    update_sims,
    get_sim,
    update_sim,
    get_sim_status,
    transfer_sims,
    get_connectivity_info,
    reset_connectivity,
    list_sim_events,
    get_sim_usage,
    get_data_quota,
    get_sms_quota,
    list_sms,
    send_sms,
    get_sms,
    cancel_sms,
    top_up_sim,
    top_up_sims,
    set_auto_top_up,
    get_limits,
    set_limits,
    list_limit_options,
    extend_sims,
    list_orders,
    create_order,
    get_order,
    list_products,
    list_service_requests,
    create_service_request,
];

fn spec_operation_ids() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/spec/management-api.openapi.json"
    ))
    .unwrap();
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.insert(op["operationId"].as_str().unwrap().to_string());
        }
    }
    ids
}

#[test]
fn the_client_exposes_every_v1_operation_by_its_idiomatic_name() {
    let expected: BTreeSet<String> = OPERATIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(expected.len(), OPERATIONS.len(), "a name is listed twice");
    assert_eq!(spec_operation_ids(), expected);
}

fn client(server: &MockServer) -> Client {
    // No credentials: requests carry no token, as the mock expects.
    Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn get_sim_sends_the_documented_request_and_decodes_real_world_shapes() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/sims/8988280666000000000").header("accept", "application/json");
            then.status(200).header("content-type", "application/json;charset=UTF-8").body(
                r#"{"iccid":"8988280666000000000","status":"Enabled","activation_date":"2018-03-09T07:59:09.000+0000",
                    "current_quota":500.5,"quota_status":{"id":1,"description":"less than 20%"},"future_field":true}"#,
            );
        })
        .await;
    let sim = client(&server)
        .get_sim()
        .iccid("8988280666000000000")
        .send()
        .await
        .unwrap()
        .into_inner();
    mock.assert_async().await;
    assert_eq!(sim.iccid.as_deref(), Some("8988280666000000000"));
    assert_eq!(sim.status, Some(types::SimStatus::Enabled));
    assert_eq!(
        sim.activation_date.as_ref().map(|t| t.as_str()),
        Some("2018-03-09T07:59:09.000+0000")
    );
    assert_eq!(sim.imei, None, "a SIM without an IMEI has no imei key");
    assert_eq!(sim.quota_status.unwrap().id, Some(1.into()));
}

#[tokio::test]
async fn requests_carry_no_undocumented_api_version_header() {
    let server = MockServer::start_async().await;
    let with_header = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v1/products")
                .header_exists("api-version");
            then.status(500);
        })
        .await;
    let plain = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/products");
            then.status(200).json_body(
                serde_json::json!([{ "id": 1001, "product": "1NCE IoT FlexSIM - Standard" }]),
            );
        })
        .await;
    let products = client(&server)
        .list_products()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(with_header.calls_async().await, 0);
    plain.assert_async().await;
    assert_eq!(products[0].id, Some(1001.into()));
}

/// No parameter can change which operation is called: a dot segment, a
/// slash or anything but an ICCID where the path wants one is refused before
/// any request, through the generated builders as through the helpers. (Sent,
/// `"."` would have become `GET /v1/sims` and `top_up_sim` the bulk top-up.)
#[tokio::test]
async fn path_parameters_are_checked_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200).body("{}");
        })
        .await;
    let client = client(&server);
    let refused = |e: onence::GeneratedError, what: &str| {
        let e = onence::Error::from(e);
        assert_eq!(e.kind(), onence::ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains(what), "{e}");
    };
    refused(
        client.get_sim().iccid(".").send().await.unwrap_err(),
        "iccid",
    );
    refused(
        client
            .get_sim()
            .iccid("../orders?x")
            .send()
            .await
            .unwrap_err(),
        "\"../orders?x\"",
    );
    refused(
        client.top_up_sim().iccid(".").send().await.unwrap_err(),
        "iccid",
    );
    refused(
        client
            .list_sms()
            .iccid("8988280666000000000/sms")
            .send()
            .await
            .unwrap_err(),
        "iccid",
    );
    refused(
        client.get_sim().iccid("").send().await.unwrap_err(),
        "iccid",
    );
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

/// SMS and labels are checked before sending, through the generated builders
/// too: a 2 MB payload, a label with a newline or an escape character.
#[tokio::test]
async fn bodies_carrying_sms_and_labels_are_checked_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(201);
        })
        .await;
    let client = client(&server);
    let huge = types::SmsMessage {
        payload: Some("x".repeat(2_000_000)),
        ..Default::default()
    };
    let e = onence::Error::from(
        client
            .send_sms()
            .iccid("8988280666000000000")
            .body(huge)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(e.to_string().contains("one SMS holds 160"), "{e}");
    for label in ["two\nlines", "\u{1b}[2Jcleared"] {
        let update = types::SimUpdate {
            iccid: "8988280666000000000".into(),
            status: types::SimUpdateStatus::Enabled,
            imei_lock: false,
            label: Some(label.into()),
        };
        let e = onence::Error::from(
            client
                .update_sims()
                .body(vec![update])
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(e.kind(), onence::ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains("control character"), "{e}");
    }
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

#[tokio::test]
async fn error_responses_decode_into_the_shared_error_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/sims/8988280666000000000/topup")
                .query_param("payment_method", "creditcard");
            then.status(400)
                .json_body(serde_json::json!({ "message": "Payment method used is not valid." }));
        })
        .await;
    let err = client(&server)
        .top_up_sim()
        .iccid("8988280666000000000")
        .payment_method(types::TopUpSimPaymentMethod::Creditcard)
        .send()
        .await
        .unwrap_err();
    let err = onence::Error::from(err);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.message(), Some("Payment method used is not valid."));
    assert_eq!(err.operation(), Some("top_up_sim"));
}

#[tokio::test]
async fn create_order_hands_back_the_body_whether_or_not_there_is_one() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/orders").json_body(
                serde_json::json!({ "products": [{ "productId": 1001, "quantity": 2 }] }),
            );
            then.status(201).header(
                "location",
                "https://api.1nce.com/management-api/v1/orders/2000000001",
            );
        })
        .await;
    let order = types::NewOrder {
        products: vec![types::OrderedProduct {
            product_id: Some(1001),
            quantity: Some(std::num::NonZeroU64::new(2).unwrap()),
        }],
        customer_reference: None,
        delivery_address: None,
    };
    let response = client(&server)
        .create_order()
        .body(order)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("/v1/orders/2000000001"));
}
