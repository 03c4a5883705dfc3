//! The drift corpus: how the real service departs from its documents (see
//! `docs/real-service.md`), applied to every field of every model the client
//! decodes, one field at a time.
//!
//! For every GET operation of v1, v2 and 1NCE OS, the test builds the answer with every field filled
//! (the spec's examples where it has them), mutates each field, at every depth,
//! in each way below, and has a loopback server send each variant to the
//! generated builder that reads it: the whole path a user's call takes. Every
//! variant must decode, and what the API sent must survive re-encoding (an
//! unseen enum value as itself, a number sent as a string as that number).
//! `cargo test --test drift -- --nocapture` prints the counts per kind.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

mod support;

use futures::future::BoxFuture;
use support::{Reply, Scripted};

const ICCID: &str = "8988280666000000000";

/// The API versions and their normalised documents.
const VERSIONS: [&str; 3] = ["v1", "v2", "os"];

fn spec(version: &str) -> &'static Value {
    static V1: OnceLock<Value> = OnceLock::new();
    static V2: OnceLock<Value> = OnceLock::new();
    static OS: OnceLock<Value> = OnceLock::new();
    let (cell, file) = match version {
        "v1" => (&V1, "management-api.openapi.json"),
        "os" => (&OS, "management-api-os.openapi.json"),
        _ => (&V2, "management-api-v2.openapi.json"),
    };
    cell.get_or_init(|| {
        let path = format!("{}/spec/{file}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

fn schemas(version: &str) -> &'static Map<String, Value> {
    spec(version)["components"]["schemas"].as_object().unwrap()
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

fn resolve<'a>(version: &str, schema: &'a Value) -> &'a Value {
    match ref_name(schema) {
        Some(name) => resolve(version, &schemas(version)[name]),
        None => schema,
    }
}

/// The GET operations of a version and the schema of their JSON answer.
fn reads(version: &str) -> Vec<(String, &'static Value)> {
    let mut found = Vec::new();
    for item in spec(version)["paths"].as_object().unwrap().values() {
        if let Some(op) = item.get("get") {
            if let Some(schema) = op.pointer("/responses/200/content/application~1json/schema") {
                found.push((op["operationId"].as_str().unwrap().to_string(), schema));
            }
        }
    }
    found
}

/// Calls the operation through its generated builder; its answer re-encoded.
fn read<'a>(client: &'a onence::Client, op: &str) -> BoxFuture<'a, Result<Value, onence::Error>> {
    macro_rules! call {
        ($builder:expr) => {
            Box::pin(async move {
                let answer = $builder.send().await?;
                Ok(serde_json::to_value(answer.into_inner()).unwrap())
            })
        };
    }
    match op {
        "list_sims" => call!(client.list_sims()),
        "get_sim" => call!(client.get_sim().iccid(ICCID)),
        "get_sim_status" => call!(client.get_sim_status().iccid(ICCID)),
        "get_connectivity_info" => call!(client.get_connectivity_info().iccid(ICCID)),
        "list_sim_events" => call!(client.list_sim_events().iccid(ICCID)),
        "get_sim_usage" => call!(client.get_sim_usage().iccid(ICCID)),
        "get_data_quota" => call!(client.get_data_quota().iccid(ICCID)),
        "get_sms_quota" => call!(client.get_sms_quota().iccid(ICCID)),
        "list_sms" => call!(client.list_sms().iccid(ICCID)),
        "get_sms" => call!(client.get_sms().iccid(ICCID).id(1)),
        "get_limits" => call!(client.get_limits()),
        "list_limit_options" => call!(client
            .list_limit_options()
            .service(onence::types::ListLimitOptionsService::Data)),
        "list_orders" => call!(client.list_orders()),
        "get_order" => call!(client.get_order().order_number(1)),
        "list_products" => call!(client.list_products()),
        "list_service_requests" => call!(client.list_service_requests()),
        other => panic!("no call for {other}: add one"),
    }
}

/// Calls a v2 operation through its generated builder; its answer re-encoded.
fn read_v2<'a>(
    client: &'a onence::Client,
    op: &str,
) -> BoxFuture<'a, Result<Value, onence::Error>> {
    let v2 = client.v2();
    macro_rules! call {
        (|$c:ident| $builder:expr) => {
            Box::pin(async move {
                let $c = &v2;
                let answer = $builder.send().await?;
                Ok(serde_json::to_value(answer.into_inner()).unwrap())
            })
        };
    }
    match op {
        "list_sims" => call!(|c| c.list_sims()),
        "get_sim" => call!(|c| c.get_sim().iccid(ICCID)),
        "get_sim_status" => call!(|c| c.get_sim_status().iccid(ICCID)),
        "list_sim_events" => call!(|c| c.list_sim_events().iccid(ICCID)),
        "get_data_quota" => call!(|c| c.get_data_quota().iccid(ICCID)),
        "get_sms_quota" => call!(|c| c.get_sms_quota().iccid(ICCID)),
        "list_sms" => call!(|c| c.list_sms().iccid(ICCID)),
        "get_sms" => call!(|c| c.get_sms().iccid(ICCID).id(1)),
        other => panic!("no v2 call for {other}: add one"),
    }
}

/// Calls a 1NCE OS read through its generated builder; its answer re-encoded.
fn read_os<'a>(
    client: &'a onence::Client,
    op: &str,
) -> BoxFuture<'a, Result<Value, onence::Error>> {
    let os = client.os();
    macro_rules! call {
        (|$c:ident| $builder:expr) => {
            Box::pin(async move {
                let $c = &os;
                let answer = $builder.send().await?;
                Ok(serde_json::to_value(answer.into_inner()).unwrap())
            })
        };
    }
    match op {
        "list_admin_logs" => call!(|c| c.list_admin_logs()),
        "get_admin_log_stats" => call!(|c| c.get_admin_log_stats().timezone("Europe/Berlin")),
        "get_device_stats" => call!(|c| c.get_device_stats()),
        "list_devices" => call!(|c| c.list_devices()),
        "fleet_history" => call!(|c| c.fleet_history()),
        "fleet_history_insights" => call!(|c| c.fleet_history_insights()),
        "get_device" => call!(|c| c.get_device().device_id(ICCID)),
        "device_history" => call!(|c| c.device_history().device_id(ICCID)),
        "device_history_insights" => call!(|c| c.device_history_insights().device_id(ICCID)),
        "device_telemetry" => call!(|c| c.device_telemetry().device_id(ICCID)),
        "list_integrations" => call!(|c| c.list_integrations()),
        "get_aws_parameters" => call!(|c| c.get_aws_parameters()),
        "list_integration_event_types" => call!(|c| c.list_integration_event_types()),
        "get_integration" => call!(|c| c.get_integration().integration_id("i-1")),
        "list_action_requests" => call!(|c| c.list_action_requests()),
        "list_active_action_requests" => call!(|c| c.list_active_action_requests()),
        "list_archived_action_requests" => call!(|c| c.list_archived_action_requests()),
        "get_action_request" => call!(|c| c.get_action_request().request_id("r-1")),
        "list_device_endpoints" => call!(|c| c.list_device_endpoints()),
        "get_device_endpoint" => call!(|c| c.get_device_endpoint().protocol("LWM2M")),
        "list_preshared_key_jobs" => call!(|c| c.list_preshared_key_jobs()),
        "list_psk_jobs" => call!(|c| c.list_psk_jobs()),
        "get_device_psk" => call!(|c| c.get_device_psk().device_id(ICCID).protocol("COAP")),
        "device_cell_activity" => call!(|c| c.device_cell_activity().device_id(ICCID)),
        "device_positions" => call!(|c| c.device_positions().device_id(ICCID)),
        "list_geofences" => call!(|c| c.list_geofences()),
        "get_geofence" => call!(|c| c.get_geofence().geofence_id("g-1")),
        "latest_positions" => call!(|c| c.latest_positions()),
        "get_optimizer_savings" => call!(|c| c.get_optimizer_savings()),
        "list_optimizer_templates" => call!(|c| c.list_optimizer_templates()),
        "list_plugins" => call!(|c| c.list_plugins()),
        "get_plugin" => call!(|c| c.get_plugin().plugin_id("p-1")),
        "list_settings" => call!(|c| c.list_settings()),
        other => panic!("no 1NCE OS call for {other}: add one"),
    }
}

/// An answer with every field filled: the spec's example where it gives one,
/// else a value of the field's type.
fn full(version: &str, schema: &Value, depth: usize) -> Value {
    let schema = resolve(version, schema);
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        if depth > 6 {
            return json!({});
        }
        return Value::Object(
            props
                .iter()
                .map(|(k, p)| (k.clone(), full(version, p, depth + 1)))
                .collect(),
        );
    }
    // An example of another type than its schema's (1NCE OS shows the
    // array `protocolFilter` as the string "COAP") is the document's slip.
    let fits = |e: &Value| match schema.get("type").and_then(Value::as_str) {
        Some("array") => e.is_array(),
        Some("object") => e.is_object(),
        _ => true,
    };
    if let Some(e) = schema.get("example").filter(|e| fits(e)) {
        return e.clone();
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => {
            let item = full(version, &schema["items"], depth + 1);
            let at_least = schema["minItems"].as_u64().unwrap_or(1).clamp(1, 8);
            Value::Array(vec![item; at_least as usize])
        }
        Some("integer") => json!(7),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("object") => json!({ "key": "value" }),
        _ => json!("text"),
    }
}

/// The ways the service drifts, each applied to one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// A value the documents' enum does not list.
    UnseenEnumValue,
    /// A number sent as a string: `"7"`, or `"7.0"` for a whole number.
    NumberAsString,
    /// A timestamp in a form nobody has seen.
    OddTimestamp,
    /// The field is null.
    Null,
    /// The field is missing.
    Missing,
    /// An object carries a field the documents do not know.
    ExtraField,
}

/// One mutated answer: where, how, the answer, and what the field must read back as.
struct Variant {
    version: &'static str,
    op: String,
    pointer: String,
    kind: Kind,
    answer: Value,
    expect: Option<Value>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every variant of `answer` (an instance of `schema`, found at `pointer` of the model's answer).
fn mutate(
    version: &str,
    root: &Value,
    schema: &Value,
    at: &Value,
    pointer: &str,
    out: &mut Vec<(String, Kind, Value, Option<Value>)>,
) {
    let schema = resolve(version, schema);
    let with = |value: Value| {
        let mut answer = root.clone();
        *answer.pointer_mut(pointer).unwrap() = value;
        answer
    };
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        let mut extra = root.clone();
        extra.pointer_mut(pointer).unwrap()["unexpected_field"] = json!({ "nested": [1, "two"] });
        out.push((pointer.to_string(), Kind::ExtraField, extra, None));
        for (key, sub) in props {
            let here = format!("{pointer}/{}", escape(key));
            let Some(value) = at.get(key) else { continue };
            let mut missing = root.clone();
            missing
                .pointer_mut(pointer)
                .unwrap()
                .as_object_mut()
                .unwrap()
                .remove(key);
            out.push((here.clone(), Kind::Missing, missing, None));
            mutate(version, root, sub, value, &here, out);
        }
        return;
    }
    if pointer.is_empty() {
        // A model that is itself a value (an enum): only its value drifts.
    } else {
        out.push((pointer.to_string(), Kind::Null, with(Value::Null), None));
    }
    if let (Some("array"), Some(first)) = (schema.get("type").and_then(Value::as_str), at.get(0)) {
        mutate(
            version,
            root,
            &schema["items"],
            first,
            &format!("{pointer}/0"),
            out,
        );
        return;
    }
    if schema.get("type").and_then(Value::as_str) == Some("string") && schema.get("enum").is_some()
    {
        let unseen = json!("SURPRISE_2031");
        out.push((
            pointer.to_string(),
            Kind::UnseenEnumValue,
            with(unseen.clone()),
            Some(unseen),
        ));
    }
    if schema.get("x-onence-type") == Some(&json!("timestamp")) {
        let odd = json!("the 5th of never");
        out.push((
            pointer.to_string(),
            Kind::OddTimestamp,
            with(odd.clone()),
            Some(odd),
        ));
    }
    if let Some(n) = at.as_f64().filter(|_| at.is_number()) {
        let text = if n.fract() == 0.0 {
            format!("{n:.1}")
        } else {
            n.to_string()
        };
        out.push((
            pointer.to_string(),
            Kind::NumberAsString,
            with(json!(text)),
            Some(at.clone()),
        ));
        out.push((
            pointer.to_string(),
            Kind::NumberAsString,
            with(json!(at.to_string())),
            Some(at.clone()),
        ));
    }
}

fn variants() -> Vec<Variant> {
    let mut all = Vec::new();
    for (version, (op, schema)) in VERSIONS
        .into_iter()
        .flat_map(|v| reads(v).into_iter().map(move |r| (v, r)))
    {
        let answer = full(version, schema, 0);
        let mut found = Vec::new();
        mutate(version, &answer, schema, &answer, "", &mut found);
        all.extend(
            found
                .into_iter()
                .map(|(pointer, kind, answer, expect)| Variant {
                    version,
                    op: op.clone(),
                    pointer,
                    kind,
                    answer,
                    expect,
                }),
        );
    }
    all
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[tokio::test]
async fn every_drifted_answer_decodes_and_keeps_what_the_api_sent() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    let mut passed: BTreeMap<Kind, usize> = BTreeMap::new();
    let mut failed = Vec::new();
    let all = variants();
    let ops: BTreeSet<(&str, &str)> = all.iter().map(|v| (v.version, v.op.as_str())).collect();
    assert_eq!(
        ops.len(),
        16 + 8 + 33,
        "every GET operation of v1, v2 and 1NCE OS is in the corpus: {ops:?}"
    );
    for v in &all {
        server.then([Reply::json(200, v.answer.clone())]);
        let call = match v.version {
            "v1" => read(&client, &v.op),
            "os" => read_os(&client, &v.op),
            _ => read_v2(&client, &v.op),
        };
        let outcome = call.await.map_err(|e| e.to_string()).and_then(|decoded| {
            match (&v.expect, decoded.pointer(&v.pointer)) {
                (Some(expected), Some(got)) if !numbers_equal(expected, got) => {
                    Err(format!("read back as {got}, the API sent {expected}"))
                }
                (Some(expected), None) => Err(format!("{expected} was lost")),
                _ => Ok(()),
            }
        });
        match outcome {
            Ok(()) => *passed.entry(v.kind).or_default() += 1,
            Err(e) => failed.push(format!(
                "{} {} {} {:?}: {e}",
                v.version, v.op, v.pointer, v.kind
            )),
        }
    }
    for (kind, n) in &passed {
        println!("{kind:?}: {n} of {n} decode");
    }
    assert!(
        failed.is_empty(),
        "{} of {} variants fail:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
    for kind in [
        Kind::UnseenEnumValue,
        Kind::NumberAsString,
        Kind::OddTimestamp,
        Kind::Null,
        Kind::Missing,
        Kind::ExtraField,
    ] {
        assert!(passed.contains_key(&kind), "no {kind:?} variant");
    }
    assert!(passed[&Kind::NumberAsString] >= 60, "{passed:?}");
    assert!(passed[&Kind::UnseenEnumValue] >= 7, "{passed:?}");
}

/// The seed's order, as the 2019 guide shows it: the number a string.
#[test]
fn the_guides_order_decodes() {
    let order: onence::types::Order = serde_json::from_value(json!({
        "order_number": "2000000001", "order_type": "FIRST_ORDER", "order_status": "MOBILETOP",
        "order_date": "2018-03-09T07:59:09.000+0000", "invoice_number": null
    }))
    .unwrap();
    assert_eq!(order.order_number.map(|n| n.get()), Some(2_000_000_001));
    assert_eq!(
        order.order_type,
        Some(onence::types::OrderOrderType::FirstOrder)
    );
    assert_eq!(order.order_status.as_deref(), Some("MOBILETOP"));
    assert!(order.order_date.unwrap().to_utc().is_some());
}

/// A value that is neither a number nor a string holding one is an error that names it.
#[test]
fn a_number_that_is_no_number_is_an_error_naming_the_value() {
    let e =
        serde_json::from_value::<onence::types::Quota>(json!({ "volume": "plenty" })).unwrap_err();
    assert!(e.to_string().contains("\"plenty\""), "{e}");
}

/// Requests stay strict: a request enum accepts only documented values.
#[test]
fn requests_accept_only_documented_values() {
    use onence::types::{SimUpdateStatus, TopUpSimPaymentMethod};
    assert!("Suspended".parse::<SimUpdateStatus>().is_err());
    assert!("paypal".parse::<TopUpSimPaymentMethod>().is_err());
    assert!(serde_json::from_value::<SimUpdateStatus>(json!("Suspended")).is_err());
}

/// Through the client, a value that is no number is a decode error naming the
/// field's path and the value, so the operator knows what the API got wrong.
#[tokio::test]
async fn a_bad_value_in_an_answer_is_named_by_its_path() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    server.then([Reply::json(
        200,
        json!([{ "iccid": ICCID }, { "iccid": ICCID, "current_quota": "plenty" }]),
    )]);
    let e = client
        .list_sims()
        .send()
        .await
        .map_err(onence::Error::from)
        .unwrap_err();
    assert_eq!(e.kind(), onence::ErrorKind::Decode);
    let text = e.to_string();
    assert!(text.contains("$[1].current_quota"), "{text}");
    assert!(text.contains("\"plenty\""), "{text}");
}
