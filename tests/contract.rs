//! Contract tests: every operation of `spec/management-api.openapi.json`
//! (v1) and `spec/management-api-v2.openapi.json` (v2), held against the
//! client with httpmock.
//!
//! Each row of [`cases`] calls one public client method and the harness
//! checks that the request is what the spec says (method, path, query
//! parameters by the spec's names and only when set, JSON body, bearer token,
//! `Accept`/`Content-Type`), then answers with a response built from the
//! spec's own examples and checks that it decodes field by field.
//!
//! [`every_operation_has_a_contract_test`] reads the spec at test time and
//! fails, naming the operation, when one has no row. Try it: delete the
//! `list_products` row and run `cargo test --test contract every_operation`.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use futures::future::BoxFuture;
use httpmock::prelude::*;
use onence::config::{RateLimits, RetryPolicy};
use onence::{types, Client, Credentials};
use serde_json::{json, Value};

mod models;
use models::{models, models_os, models_v2, Model};

#[path = "contract_os/cases.rs"]
mod os_cases;

const ICCID: &str = "8988280666000000000";
const TOKEN: &str = "contract-token";

type Call = Box<dyn Fn(Client) -> BoxFuture<'static, Result<Value, onence::Error>> + Send + Sync>;

/// One operation's contract: the request the call must make.
struct Case {
    /// The API version whose document holds the operation.
    version: &'static str,
    op: &'static str,
    path: String,
    query: Vec<(&'static str, &'static str)>,
    body: Option<Value>,
    call: Call,
}

fn case(
    op: &'static str,
    path: &str,
    query: &[(&'static str, &'static str)],
    body: Option<Value>,
    call: Call,
) -> Case {
    Case {
        version: "v1",
        op,
        path: path.to_string(),
        query: query.to_vec(),
        body,
        call,
    }
}

/// A case of the v2 document.
fn case_v2(
    op: &'static str,
    path: &str,
    query: &[(&'static str, &'static str)],
    body: Option<Value>,
    call: Call,
) -> Case {
    Case {
        version: "v2",
        ..case(op, path, query, body, call)
    }
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap()
}

macro_rules! call {
    (|$c:ident| $body:expr) => {
        Box::new(|$c: Client| Box::pin(async move { $body }))
    };
}

fn typed_update() -> types::SimUpdate {
    types::SimUpdate {
        iccid: ICCID.into(),
        status: types::SimUpdateStatus::Disabled,
        label: Some("DX-137-B12".into()),
        imei_lock: true,
    }
}

fn cases() -> Vec<Case> {
    let sim_path = format!("/v1/sims/{ICCID}");
    let update =
        json!({ "iccid": ICCID, "status": "Disabled", "label": "DX-137-B12", "imei_lock": true });
    vec![
        case(
            "list_sims",
            "/v1/sims",
            &[
                ("page", "2"),
                ("pageSize", "100"),
                ("q", "imei:4711"),
                ("sort", "-imei"),
            ],
            None,
            call!(|c| Ok(to_json(
                c.list_sims()
                    .page(2)
                    .page_size(100)
                    .q("imei:4711")
                    .sort("-imei")
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "update_sims",
            "/v1/sims",
            &[],
            Some(json!([update.clone()])),
            call!(|c| {
                c.update_sims().body(vec![typed_update()]).send().await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "get_sim",
            &sim_path,
            &[],
            None,
            call!(|c| Ok(to_json(c.get_sim().iccid(ICCID).send().await?.into_inner()))),
        ),
        case(
            "update_sim",
            &sim_path,
            &[],
            Some(update.clone()),
            call!(|c| {
                c.update_sim()
                    .iccid(ICCID)
                    .body(typed_update())
                    .send()
                    .await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "get_sim_status",
            &format!("{sim_path}/status"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.get_sim_status().iccid(ICCID).send().await?.into_inner()
            ))),
        ),
        case(
            "transfer_sims",
            "/v1/sims/simTransfer",
            &[],
            Some(
                json!({ "target_organisation": 2000000001, "iccids": [ICCID], "iccid_ranges": [{ "from": "8988280666000000000", "to": "8988280666000000010" }] }),
            ),
            call!(|c| {
                let body = types::SimTransfer {
                    target_organisation: Some(2000000001),
                    iccids: vec![ICCID.into()],
                    iccid_ranges: vec![types::IccidRange {
                        from: Some("8988280666000000000".into()),
                        to: Some("8988280666000000010".into()),
                    }],
                };
                c.transfer_sims().body(body).send().await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "get_connectivity_info",
            &format!("{sim_path}/connectivity_info"),
            &[("subscriber", "false"), ("ussd", "true")],
            None,
            call!(|c| Ok(to_json(
                c.get_connectivity_info()
                    .iccid(ICCID)
                    .subscriber(false)
                    .ussd(true)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "reset_connectivity",
            &format!("{sim_path}/reset"),
            &[],
            None,
            call!(|c| {
                c.reset_connectivity().iccid(ICCID).send().await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "list_sim_events",
            &format!("{sim_path}/events"),
            &[
                ("page", "1"),
                ("pageSize", "1000"),
                ("sort", "-timestamp,id"),
            ],
            None,
            call!(|c| Ok(to_json(
                c.list_sim_events()
                    .iccid(ICCID)
                    .page(1)
                    .page_size(1000)
                    .sort("-timestamp,id")
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "get_sim_usage",
            &format!("{sim_path}/usage"),
            &[("start_dt", "2022-07-22"), ("end_dt", "2022-07-29")],
            None,
            call!(|c| Ok(to_json(
                c.get_sim_usage()
                    .iccid(ICCID)
                    .start_dt("2022-07-22")
                    .end_dt("2022-07-29")
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "get_data_quota",
            &format!("{sim_path}/quota/data"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.get_data_quota().iccid(ICCID).send().await?.into_inner()
            ))),
        ),
        case(
            "get_sms_quota",
            &format!("{sim_path}/quota/sms"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.get_sms_quota().iccid(ICCID).send().await?.into_inner()
            ))),
        ),
        case(
            "list_sms",
            &format!("{sim_path}/sms"),
            &[("pageSize", "100")],
            None,
            call!(|c| Ok(to_json(
                c.list_sms()
                    .iccid(ICCID)
                    .page_size(100)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "send_sms",
            &format!("{sim_path}/sms"),
            &[],
            Some(
                json!({ "source_address": "1234567890", "payload": "This is a SMS message.", "udh": "050003CC0301", "dcs": 0,
                          "source_address_type": { "id": 145 }, "expiry_date": "2018-03-14T16:10:29.000+0000" }),
            ),
            call!(|c| {
                let message = types::SmsMessage {
                    source_address: Some("1234567890".into()),
                    payload: Some("This is a SMS message.".into()),
                    udh: Some("050003CC0301".into()),
                    dcs: Some(0),
                    source_address_type: Some(
                        serde_json::from_value(json!({ "id": 145 })).unwrap(),
                    ),
                    expiry_date: Some("2018-03-14T16:10:29.000+0000".into()),
                };
                c.send_sms().iccid(ICCID).body(message).send().await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "get_sms",
            &format!("{sim_path}/sms/590"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.get_sms().iccid(ICCID).id(590).send().await?.into_inner()
            ))),
        ),
        case(
            "cancel_sms",
            &format!("{sim_path}/sms/590"),
            &[],
            None,
            call!(|c| {
                c.cancel_sms().iccid(ICCID).id(590).send().await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "top_up_sim",
            &format!("{sim_path}/topup"),
            &[("payment_method", "monthlyinvoice")],
            None,
            call!(|c| {
                let r = c
                    .top_up_sim()
                    .iccid(ICCID)
                    .payment_method(types::TopUpSimPaymentMethod::Monthlyinvoice)
                    .send()
                    .await?;
                Ok(json!({ "location": r.headers()["location"].to_str().unwrap() }))
            }),
        ),
        case(
            "top_up_sims",
            "/v1/sims/topup",
            &[("payment_method", "boleto")],
            Some(json!([ICCID, "8988280666000000001"])),
            call!(|c| {
                let r = c
                    .top_up_sims()
                    .payment_method(types::TopUpSimsPaymentMethod::Boleto)
                    .body(vec![ICCID.to_string(), "8988280666000000001".to_string()])
                    .send()
                    .await?;
                Ok(json!({ "location": r.headers()["location"].to_str().unwrap() }))
            }),
        ),
        case(
            "set_auto_top_up",
            "/v1/sims/autoTopup",
            &[],
            Some(json!({ "enabled": true, "iccids": [ICCID] })),
            call!(|c| {
                c.set_auto_top_up()
                    .body(types::AutoTopupRequest {
                        enabled: Some(true),
                        iccids: vec![ICCID.into()],
                    })
                    .send()
                    .await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "get_limits",
            "/v1/sims/limits",
            &[],
            None,
            call!(|c| Ok(to_json(c.get_limits().send().await?.into_inner()))),
        ),
        case(
            "set_limits",
            "/v1/sims/limits",
            &[],
            Some(json!({ "dataLimitId": 1, "smsMtLimitId": 2, "smsMoLimitId": 3 })),
            call!(|c| {
                c.set_limits()
                    .body(types::SetLimitsRequest {
                        data_limit_id: Some(1),
                        sms_mt_limit_id: Some(2),
                        sms_mo_limit_id: Some(3),
                    })
                    .send()
                    .await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "list_limit_options",
            "/v1/sims/smsMO/limits",
            &[],
            None,
            call!(|c| Ok(to_json(
                c.list_limit_options()
                    .service(types::ListLimitOptionsService::SmsMo)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "extend_sims",
            "/v1/sims/extension",
            &[("payment_method", "creditcard")],
            Some(json!({ "iccids": [ICCID], "productId": 1001 })),
            call!(|c| {
                c.extend_sims()
                    .payment_method(types::ExtendSimsPaymentMethod::Creditcard)
                    .body(types::SimExtensionRequest {
                        iccids: vec![ICCID.into()],
                        product_id: Some(1001),
                    })
                    .send()
                    .await?;
                Ok(Value::Null)
            }),
        ),
        case(
            "list_orders",
            "/v1/orders",
            &[
                ("page", "3"),
                ("pageSize", "10"),
                ("sort", "order_status,order_date"),
            ],
            None,
            call!(|c| Ok(to_json(
                c.list_orders()
                    .page(3)
                    .page_size(10)
                    .sort("order_status,order_date")
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "create_order",
            "/v1/orders",
            &[],
            Some(
                json!({ "products": [{ "productId": 1001, "quantity": 2 }], "customer_reference": "<customer_reference>",
                          "delivery_address": { "salutation": "2", "country": "DE", "city": "Köln" } }),
            ),
            call!(|c| {
                let order: types::NewOrder = serde_json::from_value(json!({
                    "products": [{ "productId": 1001, "quantity": 2 }], "customer_reference": "<customer_reference>",
                    "delivery_address": { "salutation": "2", "country": "DE", "city": "Köln" } })).unwrap();
                let response = c.create_order().body(order).send().await?;
                let bytes = futures::TryStreamExt::try_fold(
                    response.into_inner().into_inner(),
                    Vec::new(),
                    |mut all, chunk| async move {
                        all.extend_from_slice(&chunk);
                        Ok(all)
                    },
                )
                .await
                .map_err(onence::Error::from)?;
                Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
            }),
        ),
        case(
            "get_order",
            "/v1/orders/2000000001",
            &[],
            None,
            call!(|c| Ok(to_json(
                c.get_order()
                    .order_number(2000000001)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "list_products",
            "/v1/products",
            &[],
            None,
            call!(|c| Ok(to_json(c.list_products().send().await?.into_inner()))),
        ),
        case(
            "list_service_requests",
            "/v1/support",
            &[("page", "2"), ("pageSize", "100")],
            None,
            call!(|c| Ok(to_json(
                c.list_service_requests()
                    .page(2)
                    .page_size(100)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case(
            "create_service_request",
            "/v1/support",
            &[],
            Some(
                json!({ "subject": "Connectivity Issue", "text": "Custom Text", "replyToMail": "e-mail@address.com", "senderName": "Hans Mustermann" }),
            ),
            call!(|c| {
                let request: types::NewServiceRequest = serde_json::from_value(json!({
                    "subject": "Connectivity Issue", "text": "Custom Text",
                    "replyToMail": "e-mail@address.com", "senderName": "Hans Mustermann",
                }))
                .unwrap();
                c.open_service_request(request).await?;
                Ok(Value::Null)
            }),
        ),
    ]
    .into_iter()
    .chain(cases_v2())
    .collect()
}

/// The operations of SIM Management v2, called through `client.v2()`.
fn cases_v2() -> Vec<Case> {
    use onence::v2::types as v2;
    let sim_path = format!("/v2/sims/{ICCID}");
    vec![
        case_v2(
            "list_sims",
            "/v2/sims",
            &[
                ("page", "3"),
                ("pageSize", "50"),
                ("q", "ip_address:127.0.0.1"),
                ("sort", "ip_address,-imei"),
            ],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .list_sims()
                    .page(3)
                    .page_size(50)
                    .q("ip_address:127.0.0.1")
                    .sort("ip_address,-imei")
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "get_sim",
            &sim_path,
            &[],
            None,
            call!(|c| Ok(to_json(
                c.v2().get_sim().iccid(ICCID).send().await?.into_inner()
            ))),
        ),
        case_v2(
            "update_sim",
            &sim_path,
            &[],
            Some(
                json!({ "iccid": ICCID, "label": "DX-137-B12", "imei_lock": false, "status": "Enabled" }),
            ),
            call!(|c| {
                let update = v2::SimUpdate {
                    iccid: Some(ICCID.into()),
                    label: Some("DX-137-B12".into()),
                    imei_lock: Some(false),
                    status: Some(v2::SimUpdateStatus::Enabled),
                };
                c.v2().update_sim().iccid(ICCID).body(update).send().await?;
                Ok(Value::Null)
            }),
        ),
        case_v2(
            "reset_connectivity",
            &format!("{sim_path}/reset"),
            &[],
            None,
            call!(|c| {
                c.v2().reset_connectivity().iccid(ICCID).send().await?;
                Ok(Value::Null)
            }),
        ),
        case_v2(
            "get_data_quota",
            &format!("{sim_path}/quota/data"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .get_data_quota()
                    .iccid(ICCID)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "get_sms_quota",
            &format!("{sim_path}/quota/sms"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .get_sms_quota()
                    .iccid(ICCID)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "get_sim_status",
            &format!("{sim_path}/status"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .get_sim_status()
                    .iccid(ICCID)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "send_sms",
            &format!("{sim_path}/sms"),
            &[],
            Some(
                json!({ "source_address": "1234567890", "payload": "Hello", "udh": "050003CC0201", "source_address_type": { "id": 145 } }),
            ),
            call!(|c| {
                let message = v2::SmsMessage {
                    source_address: Some("1234567890".into()),
                    payload: Some("Hello".into()),
                    udh: Some("050003CC0201".parse().unwrap()),
                    source_address_type: Some(v2::SourceAddressType {
                        id: Some(v2::SourceAddressTypeId::try_from(145).unwrap()),
                    }),
                    dcs: None,
                    expiry_date: None,
                };
                let id = c.v2().send_sms_message(ICCID, message).await?;
                Ok(json!({ "id": id }))
            }),
        ),
        case_v2(
            "list_sms",
            &format!("{sim_path}/sms"),
            &[("page", "2"), ("per_page", "100")],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .list_sms()
                    .iccid(ICCID)
                    .page(std::num::NonZeroU64::new(2).unwrap())
                    .per_page(std::num::NonZeroU64::new(100).unwrap())
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "get_sms",
            &format!("{sim_path}/sms/42"),
            &[],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .get_sms()
                    .iccid(ICCID)
                    .id(42)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "cancel_sms",
            &format!("{sim_path}/sms/42"),
            &[],
            None,
            call!(|c| {
                let answer = c.v2().cancel_sms().iccid(ICCID).id(42).send().await?;
                let mut body = Vec::new();
                let mut stream = answer.into_inner().into_inner();
                while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
                    body.extend_from_slice(&chunk.unwrap());
                }
                Ok(serde_json::from_slice(&body).unwrap())
            }),
        ),
        case_v2(
            "list_sim_events",
            &format!("{sim_path}/events"),
            &[("page", "2"), ("pageSize", "1000")],
            None,
            call!(|c| Ok(to_json(
                c.v2()
                    .list_sim_events()
                    .iccid(ICCID)
                    .page(2)
                    .page_size(1000)
                    .send()
                    .await?
                    .into_inner()
            ))),
        ),
        case_v2(
            "top_up_sim",
            &format!("{sim_path}/topup"),
            &[("payment_method", "monthlyinvoice")],
            None,
            call!(|c| {
                c.v2()
                    .top_up_sim()
                    .iccid(ICCID)
                    .payment_method(v2::TopUpSimPaymentMethod::Monthlyinvoice)
                    .send()
                    .await?;
                Ok(Value::Null)
            }),
        ),
    ]
}

/// The normalised document of an API version.
fn spec_of(version: &str) -> &'static Value {
    static V1: OnceLock<Value> = OnceLock::new();
    static V2: OnceLock<Value> = OnceLock::new();
    static OS: OnceLock<Value> = OnceLock::new();
    let (cell, file) = match version {
        "v1" => (&V1, "management-api.openapi.json"),
        "v2" => (&V2, "management-api-v2.openapi.json"),
        "os" => (&OS, "management-api-os.openapi.json"),
        other => panic!("no API version {other}"),
    };
    cell.get_or_init(|| {
        let path = format!("{}/spec/{file}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

/// (method, operation) of an operation by name, in the document of `version`.
fn operation(version: &str, name: &str) -> (String, &'static Value) {
    for item in spec_of(version)["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if op["operationId"] == name {
                return (method.to_uppercase(), op);
            }
        }
    }
    panic!("no operation {name} in the {version} spec");
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(doc, doc.pointer(r.trim_start_matches('#')).unwrap()),
        None => schema,
    }
}

/// An instance of `schema` of `doc` made of the document's own examples (or first enum values).
fn example_in(doc: &Value, schema: &Value) -> Value {
    let example = |s: &Value| example_in(doc, s);
    let schema = resolve(doc, schema);
    // An example of another JSON type than its schema's is the document's
    // slip (1NCE OS shows the array `protocolFilter` as "COAP"); see
    // docs/real-service.md.
    let fits = |e: &Value| match schema.get("type").and_then(Value::as_str) {
        Some("array") => e.is_array(),
        Some("object") => e.is_object(),
        _ => true,
    };
    if let Some(e) = schema.get("example").filter(|e| fits(e)) {
        return e.clone();
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let object: serde_json::Map<String, Value> = props
            .iter()
            .map(|(k, p)| (k.clone(), example(p)))
            .filter(|(_, v)| !v.is_null())
            .collect();
        return if object.is_empty() {
            Value::Null
        } else {
            Value::Object(object)
        };
    }
    if let Some(items) = schema.get("items") {
        let item = example(items);
        return if item.is_null() {
            Value::Null
        } else {
            json!([item])
        };
    }
    schema
        .get("enum")
        .and_then(|e| e.get(0))
        .cloned()
        .unwrap_or(Value::Null)
}

/// The example of `schema`, or for an object the documents give no example
/// of, one with each of its strings `"1"` and each number 1.
fn filled(doc: &Value, schema: &Value) -> Value {
    let instance = example_in(doc, schema);
    if !instance.is_null() {
        return instance;
    }
    let Some(props) = resolve(doc, schema)
        .get("properties")
        .and_then(Value::as_object)
    else {
        return Value::Null;
    };
    let object: serde_json::Map<String, Value> = props
        .iter()
        .filter_map(|(k, p)| {
            let value = match resolve(doc, p).get("type").and_then(Value::as_str)? {
                "string" => json!("1"),
                "integer" | "number" => json!(1),
                _ => return None,
            };
            Some((k.clone(), value))
        })
        .collect();
    Value::Object(object)
}

/// Every field of `expected` is in `actual` with the same value (numbers compared as numbers).
fn assert_fields(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, v) in e {
                assert_fields(a.get(k).unwrap_or(&Value::Null), v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}: length");
            for (i, (x, y)) in a.iter().zip(e).enumerate() {
                assert_fields(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(e)) => assert_eq!(a.as_f64(), e.as_f64(), "{at}"),
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

async fn check(case: Case) {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(200).json_body(
                json!({ "access_token": TOKEN, "token_type": "bearer", "expires_in": 3600 }),
            );
        })
        .await;
    let (method, op) = operation(case.version, case.op);
    let doc = spec_of(case.version);
    let (code, response) = op["responses"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(c, _)| c.starts_with('2'))
        .unwrap();
    let json_body = response
        .pointer("/content/application~1json/schema")
        .map(|s| filled(doc, s));
    let raw_body = response
        .pointer("/content/*~1*/schema")
        .map(|s| filled(doc, s));
    // A text answer (1NCE OS's log payload is a URI), sent as it is.
    let text_body = response
        .pointer("/content/text~1x-uri")
        .map(|_| "https://example.com/payloads/log-1".to_string());
    let declared_query: Vec<String> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    for (name, _) in &case.query {
        assert!(
            declared_query.iter().any(|d| d == name),
            "{}: {name} is not a query parameter of the spec",
            case.op
        );
    }

    let mock = server
        .mock_async(|mut when, mut then| {
            when = when
                .method(method.as_str())
                .path(case.path.clone())
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_missing("api-version");
            for (name, value) in &case.query {
                when = when.query_param(*name, *value);
            }
            for name in declared_query
                .iter()
                .filter(|d| !case.query.iter().any(|(n, _)| n == d))
            {
                when = when.query_param_missing(name.as_str());
            }
            if let Some(body) = &case.body {
                when = when
                    .header("content-type", "application/json")
                    .json_body(body.clone());
            }
            if json_body.is_some() {
                when.header("accept", "application/json");
            }
            then = then.status(code.parse::<u16>().unwrap());
            for (name, header) in response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let value = header
                    .get("example")
                    .or_else(|| header.pointer("/schema/example"))
                    .cloned()
                    .unwrap_or(json!(1));
                then = then.header(
                    name.as_str(),
                    value
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or(value.to_string()),
                );
            }
            if let Some(body) = json_body.clone().or(raw_body.clone()) {
                then.header("content-type", "application/json;charset=UTF-8")
                    .body(body.to_string());
            } else if let Some(text) = &text_body {
                then.header("content-type", "text/x-uri").body(text.clone());
            }
        })
        .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::api_user("contract", "secret"))
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let decoded = (case.call)(client)
        .await
        .unwrap_or_else(|e| panic!("{} {}: {e:?}", case.version, case.op));
    mock.assert_async().await;
    if let Some(expected) = json_body
        .or(raw_body)
        .or(text_body.map(Value::String))
        .filter(|v| !v.is_null())
    {
        assert_fields(&decoded, &expected, case.op);
    }
    if let Some(location) = response.pointer("/headers/Location/example") {
        assert_eq!(decoded["location"], *location, "{}: Location", case.op);
    }
}

#[tokio::test]
async fn every_operation_keeps_its_contract() {
    for case in cases() {
        check(case).await;
    }
}

#[tokio::test]
async fn every_1nce_os_operation_keeps_its_contract() {
    for case in os_cases::cases_os() {
        check(case).await;
    }
}

/// Fails, naming it, when an operation of any document (v1, v2, 1NCE OS)
/// has no row in [`cases`], [`cases_v2`] or `cases_os`.
#[test]
fn every_operation_has_a_contract_test() {
    let all: Vec<Case> = cases().into_iter().chain(os_cases::cases_os()).collect();
    let covered: BTreeSet<(&str, &str)> = all.iter().map(|c| (c.version, c.op)).collect();
    let mut missing = Vec::new();
    let mut documented = 0;
    for version in ["v1", "v2", "os"] {
        for item in spec_of(version)["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                documented += 1;
                let name = op["operationId"].as_str().unwrap();
                if !covered.contains(&(version, name)) {
                    missing.push(format!("{version} {name}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a contract test: {missing:?}"
    );
    // No row for an operation the documents do not have.
    assert_eq!(
        covered.len(),
        documented,
        "rows for undocumented operations"
    );
    assert_eq!(
        documented, 114,
        "the operations 1NCE documents (README's table)"
    );
}

/// (version, models) of every API version.
fn all_models() -> [(&'static str, Vec<Model>); 3] {
    [("v1", models()), ("v2", models_v2()), ("os", models_os())]
}

#[test]
fn every_example_in_the_spec_round_trips_through_its_model() {
    for (version, models) in all_models() {
        let doc = spec_of(version);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let listed: BTreeSet<&str> = models.iter().map(|(n, _, _)| *n).collect();
        let all: BTreeSet<&str> = schemas.keys().map(String::as_str).collect();
        assert_eq!(
            listed, all,
            "{version}: every schema of the spec has a model here"
        );
        let mut with_examples = 0;
        for (name, round_trip, _) in models {
            let instance = example_in(doc, &schemas[name]);
            // 1NCE OS's examples hold placeholders ("<device_id>") its own
            // patterns refuse: they show a shape, they are no value.
            if instance.is_null() || instance.to_string().contains("\"<") {
                continue;
            }
            // Nor is an example of a request that leaves out a field the
            // request needs (the documents give none for some).
            let partial = schemas[name]["required"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|field| instance.get(field.as_str().unwrap_or_default()).is_none());
            if partial {
                continue;
            }
            with_examples += 1;
            let decoded = round_trip(&instance).unwrap_or_else(|e| panic!("{version} {name}: {e}"));
            assert_fields(&decoded, &instance, name);
        }
        assert!(with_examples >= 30, "{version}: {with_examples}");
    }
}

#[test]
fn every_model_has_the_properties_and_required_fields_of_its_schema() {
    for (version, models) in all_models() {
        let schemas = spec_of(version)["components"]["schemas"]
            .as_object()
            .unwrap();
        for (name, _, schema_of) in models {
            let generated = serde_json::to_value(schema_of()).unwrap();
            let names = |v: &Value| -> BTreeSet<String> {
                v.get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default()
            };
            let required = |v: &Value| -> BTreeSet<String> {
                v.get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default()
            };
            let spec_schema = &schemas[name];
            assert_eq!(
                names(&generated),
                names(spec_schema),
                "{version} {name}: properties"
            );
            assert_eq!(
                required(&generated),
                required(spec_schema),
                "{version} {name}: required"
            );
        }
    }
}

#[tokio::test]
async fn real_world_shapes_decode() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(200)
                .json_body(json!({ "access_token": TOKEN, "expires_in": 3600 }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/v1/sims/{ICCID}"));
            then.status(200).header("content-type", "application/json;charset=UTF-8").body(
                json!({ "iccid": ICCID, "activation_date": "2018-03-09T07:59:09.000+0000", "brand_new_field": { "x": 1 } }).to_string(),
            );
        })
        .await;
    let errors = [
        (
            "/v1/sims/8988280666000000001/quota/data",
            401,
            json!({ "timestamp": 1700000000000u64, "status": 401, "error": "Unauthorized", "message": "Bad token", "path": "/management-api/v1/sims" }),
        ),
        (
            "/v1/sims/8988280666000000002/quota/data",
            400,
            json!({ "message": "Payment method used is not valid." }),
        ),
        (
            "/v1/sims/8988280666000000003/quota/data",
            422,
            json!({ "error_code": "InvalidIccid", "error_token": "abc-123", "message": "Bad ICCID" }),
        ),
    ];
    for (path, status, body) in &errors {
        server
            .mock_async(|when, then| {
                when.method(GET).path(*path);
                then.status(*status).json_body(body.clone());
            })
            .await;
    }
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(Credentials::api_user("contract", "secret"))
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let sim = client.get_sim().iccid(ICCID).send().await.unwrap();
    let activated = sim.activation_date.as_ref().unwrap();
    assert_eq!(activated.as_str(), "2018-03-09T07:59:09.000+0000");
    assert_eq!(
        activated.to_utc().map(|t| t.timestamp()),
        Some(1_520_582_349)
    );
    assert!(sim.imei.is_none());
    for (i, (_, status, body)) in errors.iter().enumerate() {
        let iccid = format!("898828066600000000{}", i + 1);
        let err = onence::Error::from(
            client
                .get_data_quota()
                .iccid(iccid)
                .send()
                .await
                .unwrap_err(),
        );
        assert_eq!(err.status().unwrap().as_u16(), *status);
        assert_eq!(err.message(), body["message"].as_str());
        assert_eq!(err.error_code(), body["error_code"].as_str());
    }
}
