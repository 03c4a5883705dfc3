//! A fuzzer built from 1NCE's documents (the 1NCE OS and v2 SIM management
//! documents, as `spec/` words them): every documented operation is sent
//! requests generated from its parameters and body schema, valid ones and
//! mutated ones, round after round on a sandbox whose state the rounds
//! change. The sandbox must never answer 5xx, every 2xx body must validate
//! against the schema the document gives for it (formats aside: the
//! service's timestamps are not RFC 3339, see `docs/real-service.md`), and
//! every operation must answer a valid request with a 2xx at least once.
//!
//! `FUZZ_SEED=N` replays a run; `FUZZ_ROUNDS=N` runs longer.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use onence::config::RateLimits;
use onence::sandbox::Sandbox;
use serde_json::{json, Map, Value};

/// A document and where its schemas are.
struct Doc {
    name: &'static str,
    doc: Value,
}

impl Doc {
    fn load(name: &'static str) -> Doc {
        let path = format!("{}/spec/{name}", env!("CARGO_MANIFEST_DIR"));
        let doc = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        Doc { name, doc }
    }

    /// `value` with its `$ref` followed (once is enough for these documents).
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => self.resolve(self.doc.pointer(r.trim_start_matches('#')).unwrap()),
            None => value,
        }
    }

    /// The operations: (method, path template, operation), deletes last so
    /// that the other operations find what a round prepared.
    fn operations(&self) -> Vec<(String, String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in self.doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    out.push((method.to_uppercase(), path.clone(), operation));
                }
            }
        }
        out.sort_by_key(|(method, _, _)| method == "DELETE");
        out
    }

    /// A JSON Schema validator for `schema`: OpenAPI 3.0's `nullable` as a
    /// type that allows null, and the document's components beside it so
    /// that its `$ref`s resolve.
    fn validator(&self, schema: &Value) -> jsonschema::Validator {
        let mut root = json!({ "allOf": [openapi_to_json_schema(schema)] });
        root["components"] = openapi_to_json_schema(&self.doc["components"]);
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(false)
            .build(&root)
            .unwrap_or_else(|e| panic!("{}: a schema that compiles: {e}", self.name))
    }
}

/// OpenAPI 3.0 schema keywords as JSON Schema draft 4 reads them. A
/// `oneOf` is read as `anyOf`: the v2 document's unions of open objects
/// (an event's `detail`) overlap, so a value fits more than one member.
fn openapi_to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), openapi_to_json_schema(v)))
                .collect();
            if let Some(members) = out.remove("oneOf") {
                out.insert("anyOf".into(), members);
            }
            if out.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(openapi_to_json_schema).collect()),
        other => other.clone(),
    }
}

/// The values a path parameter takes in a valid request: ids that exist.
type Pools = BTreeMap<&'static str, Vec<String>>;

/// Generates values from schemas, with a seeded generator.
struct Gen {
    rng: fastrand::Rng,
    doc: &'static Doc,
}

impl Gen {
    /// A value `schema` accepts.
    fn valid(&mut self, schema: &Value, depth: usize) -> Value {
        let schema = self.doc.resolve(schema).clone();
        for union in ["oneOf", "anyOf"] {
            if let Some(branches) = schema[union].as_array() {
                let branch = self
                    .doc
                    .resolve(&branches[self.rng.usize(..branches.len())])
                    .clone();
                if schema.get("properties").is_none() {
                    return self.valid(&branch, depth);
                }
                // Branches that only name required fields of the parent's.
                let mut merged = schema.clone();
                merged.as_object_mut().unwrap().remove(union);
                merged["required"] = branch["required"].clone();
                return self.valid(&merged, depth);
            }
        }
        if let Some(all) = schema["allOf"].as_array() {
            let mut merged = Map::new();
            for part in all {
                if let Value::Object(part) = self.valid(part, depth) {
                    merged.extend(part);
                }
            }
            return Value::Object(merged);
        }
        if let Some(values) = schema["enum"].as_array() {
            return values[self.rng.usize(..values.len())].clone();
        }
        let kind = schema["type"]
            .as_str()
            .unwrap_or(if schema.get("properties").is_some() {
                "object"
            } else {
                "string"
            });
        match kind {
            "object" => {
                let required: BTreeSet<&str> = schema["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let mut out = Map::new();
                for (name, sub) in schema["properties"].as_object().into_iter().flatten() {
                    if depth < 6 && (required.contains(name.as_str()) || self.rng.bool()) {
                        out.insert(name.clone(), self.valid(sub, depth + 1));
                    }
                }
                Value::Object(out)
            }
            "array" => {
                let least = schema["minItems"].as_u64().unwrap_or(1);
                let most = schema["maxItems"]
                    .as_u64()
                    .unwrap_or(least + 2)
                    .min(least + 2);
                let count = self.rng.u64(least..=most.max(least));
                let mut items: Vec<Value> = (0..count)
                    .map(|_| self.valid(&schema["items"], depth + 1))
                    .collect();
                if schema["uniqueItems"] == true {
                    let mut seen = BTreeSet::new();
                    items.retain(|item| seen.insert(item.to_string()));
                }
                Value::Array(items)
            }
            "integer" | "number" => {
                let low = schema["minimum"].as_f64().unwrap_or(1.0);
                let high = schema["maximum"].as_f64().unwrap_or(low + 100.0);
                let value = low + (high - low) * self.rng.f64();
                match kind {
                    "integer" => json!(value.floor().max(low.ceil()) as i64),
                    _ => json!(value),
                }
            }
            "boolean" => json!(self.rng.bool()),
            _ => self.text(&schema),
        }
    }

    /// A string `schema` accepts.
    fn text(&mut self, schema: &Value) -> Value {
        match schema["format"].as_str() {
            Some("uri") => return json!("http://127.0.0.1:9/hook"),
            Some("date-time") => return json!("2024-01-01T00:00:00Z"),
            _ => {}
        }
        let least = schema["minLength"].as_u64().unwrap_or(1).max(1);
        let most = schema["maxLength"]
            .as_u64()
            .unwrap_or(least + 12)
            .min(least + 12);
        let mut length = self.rng.u64(least..=most.max(least));
        // The documents' patterns: digits of a fixed count (ICCID, IMEI),
        // hexadecimal, or letters and digits (which fit the others).
        let pattern = schema["pattern"].as_str().unwrap_or_default();
        let digits = pattern
            .strip_prefix("^[0-9]{")
            .and_then(|p| p.strip_suffix("}$"))
            .and_then(|n| n.parse::<u64>().ok());
        let alphabet: &[u8] = match (digits, pattern.contains("0-9a-fA-F")) {
            (Some(n), _) => {
                length = n;
                b"0123456789"
            }
            (None, true) => {
                length += length % 2;
                b"0123456789abcdef"
            }
            (None, false) => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        };
        json!((0..length)
            .map(|_| alphabet[self.rng.usize(..alphabet.len())] as char)
            .collect::<String>())
    }

    /// `valid` made wrong in one place: a field dropped, of the wrong type,
    /// or out of its bounds.
    fn mutated(&mut self, valid: &Value) -> Value {
        let mut value = valid.clone();
        let wrong = [
            json!(null),
            json!(-1),
            json!("§"),
            json!([]),
            json!({}),
            json!(1e308),
            json!("x".repeat(5000)),
        ];
        match &mut value {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(self.rng.usize(..map.len())).unwrap().clone();
                match self.rng.bool() {
                    true => {
                        map.remove(&key);
                    }
                    false => {
                        map.insert(key, wrong[self.rng.usize(..wrong.len())].clone());
                    }
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let at = self.rng.usize(..items.len());
                items[at] = self.mutated(&items[at]);
            }
            _ => value = wrong[self.rng.usize(..wrong.len())].clone(),
        }
        value
    }
}

/// `body` fitted to what the document says in prose or elsewhere rather
/// than on the field itself: a geofence's `type` is `circle` or `polygon`
/// (the document's own `GeofenceType`), by the fields it has; a message
/// test's template and payload fit each other.
fn fit(body: &mut Value) {
    if let Some(object) = body.as_object_mut() {
        // 1NCE publishes no template language; the sandbox's is documented
        // in its `optimizer.rs`.
        if object.contains_key("template") && object.contains_key("payload") {
            object.insert("template".into(), json!("temperature:int16,battery:uint8"));
            object.insert("payload".into(), json!("00e64b"));
        }
        if object.contains_key("radius") || object.contains_key("center") {
            object.insert("type".into(), json!("circle"));
        } else if object.contains_key("coordinates") {
            object.insert("type".into(), json!("polygon"));
        }
    }
}

/// One request: its path (with query) and body, and whether it is valid.
struct Request {
    path: String,
    body: Option<Value>,
    valid: bool,
}

/// A request for `operation` at `template`, valid or mutated in one place.
fn request(
    gen: &mut Gen,
    pools: &Pools,
    template: &str,
    operation: &Value,
    valid: bool,
) -> Request {
    let doc = gen.doc;
    let mutate = if valid { None } else { Some(gen.rng.u8(..3)) };
    let mut path = template.to_string();
    let mut query = Vec::new();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let parameter = doc.resolve(parameter);
        let name = parameter["name"].as_str().unwrap();
        match parameter["in"].as_str() {
            Some("path") => {
                let pool = pools
                    .get(name)
                    .unwrap_or_else(|| panic!("a pool for {{{name}}}"));
                let value = match mutate {
                    Some(0) => {
                        let odd = [
                            "unknown-0",
                            "8988000000000000000",
                            "%20",
                            "%C3%BC",
                            "a%2Fb",
                            &"9".repeat(300),
                        ];
                        odd[gen.rng.usize(..odd.len())].to_string()
                    }
                    _ => pool[gen.rng.usize(..pool.len())].clone(),
                };
                path = path.replace(&format!("{{{name}}}"), &value);
            }
            Some("query") => {
                let required = parameter["required"] == true;
                if mutate == Some(1) && gen.rng.bool() {
                    let odd = ["-1", "0", "abc", "99999999999999999999", "%FF"];
                    query.push(format!("{name}={}", odd[gen.rng.usize(..odd.len())]));
                } else if required || gen.rng.u8(..3) == 0 {
                    if let Some(value) = query_value(gen, name, &parameter["schema"]) {
                        query.push(format!("{name}={value}"));
                    }
                }
            }
            _ => {}
        }
    }
    let body_schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
    let body = (!body_schema.is_null()).then(|| {
        let mut body = gen.valid(&body_schema, 0);
        fit(&mut body);
        match mutate {
            Some(2) => gen.mutated(&body),
            _ => body,
        }
    });
    if !query.is_empty() {
        path = format!("{path}?{}", query.join("&"));
    }
    Request { path, body, valid }
}

/// A valid query value for `name`; times and ranges as the sandbox's
/// fleet has them.
fn query_value(gen: &mut Gen, name: &str, schema: &Value) -> Option<String> {
    match name {
        "startDateTime" => return Some("2020-01-01T00:00:00Z".into()),
        "endDateTime" => return Some("2099-01-01T00:00:00Z".into()),
        // A filter by an id that exists is tried through the pools.
        "deviceId" | "iccid" | "q" | "nextToken" | "bbox" | "timezone" => return None,
        "interval" => return Some("1h".into()),
        _ => {}
    }
    let mut schema = gen.doc.resolve(schema).clone();
    if name == "pageSize" {
        schema["maximum"] = json!(50);
    }
    match gen.valid(&schema, 0) {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// The state every round starts from: one of each thing an id names.
async fn prepare(
    http: &reqwest::Client,
    base: &str,
    bearer: &str,
    device: &str,
    round: u64,
) -> Pools {
    let send = |method: reqwest::Method, path: String, body: Value| {
        let request = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(bearer);
        async move {
            let answer = request.json(&body).send().await.unwrap();
            let status = answer.status();
            let text = answer.text().await.unwrap();
            assert!(
                status.is_success() || status == 409,
                "{path}: {status} {text}"
            );
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null)
        }
    };
    use reqwest::Method as M;
    let id = |v: &Value| v["id"].as_str().unwrap_or_default().to_string();
    let geofence = send(
        M::POST,
        "/v1/locate/geofences".into(),
        json!({ "name": "depot", "type": "circle", "center": [13.4, 52.5], "radius": 500 }),
    )
    .await;
    let action = send(
        M::POST,
        format!("/v1/integrate/devices/{device}/actions/LWM2M"),
        json!({ "action": "read", "resourceAddress": "/3/0/0" }),
    )
    .await;
    let webhook = send(M::POST, "/v1/integrate/clouds/webhooks".into(), json!({ "name": "hook", "url": "http://127.0.0.1:9/hook", "eventTypes": [{ "type": "LOCATION" }], "headers": {} })).await;
    let aws = send(M::POST, "/v1/integrate/clouds/aws".into(), json!({ "name": format!("aws-{}", fastrand::u32(..)), "eventTypes": [{ "type": "LOCATION" }] })).await;
    let template = send(M::POST, "/v1/optimize/templates".into(), json!({ "name": format!("t-{}", fastrand::u32(..)), "template": "t:int16", "protocolFilter": ["UDP"] })).await;
    // One partner's plugin a round, so that the others can be installed.
    for installed in send(M::GET, "/v1/partners/plugins".into(), json!({})).await["items"]
        .as_array()
        .into_iter()
        .flatten()
    {
        http.delete(format!("{base}/v1/partners/plugins/{}", id(installed)))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
    }
    let partners = [
        ("DATACAKE", json!({ "workspaceId": "w1" })),
        ("MENDER", json!({ "tenantToken": "t" })),
        (
            "TARTABIT",
            json!({ "serverDomain": "example.com", "webhookKey": "k1" }),
        ),
        ("MEMFAULT", json!({})),
    ];
    let (partner, settings) = &partners[round as usize % partners.len()];
    let plugin = send(
        M::POST,
        format!("/v1/partners/{partner}/plugins"),
        settings.clone(),
    )
    .await;
    for protocol in ["COAP", "LWM2M"] {
        send(
            M::POST,
            format!("/v1/integrate/devices/{device}/psk"),
            json!({ "protocol": protocol, "secretKey": "s3cret-key" }),
        )
        .await;
    }
    let sms = send(
        M::POST,
        format!("/v2/sims/{device}/sms"),
        json!({ "payload": "hi", "source_address": "1234" }),
    )
    .await;
    let logs = send(M::GET, "/v1/administrationLogs".into(), json!({})).await;
    let mut pools = Pools::new();
    pools.insert("deviceId", vec![device.into()]);
    pools.insert("iccid", vec![device.into()]);
    pools.insert("geofenceId", vec![id(&geofence)]);
    pools.insert("requestId", vec![id(&action)]);
    pools.insert("integrationId", vec![id(&webhook), id(&aws)]);
    pools.insert("templateId", vec![id(&template)]);
    pools.insert("pluginId", vec![id(&plugin)]);
    pools.insert("adminLogId", vec![id(&logs["items"][0])]);
    pools.insert("name", vec!["ENERGY_SAVER".into(), "DEVICE_LOCATOR".into()]);
    pools.insert(
        "protocol",
        vec!["COAP".into(), "LWM2M".into(), "UDP".into()],
    );
    pools.insert("id", vec![id(&sms)]);
    pools
}

#[tokio::test]
async fn the_sandbox_answers_generated_requests_as_the_documents_say() {
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20261130);
    let rounds: u64 = std::env::var("FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let sandbox = Sandbox::builder()
        .sims(5)
        .seed(seed)
        .rate_limits(RateLimits::none())
        .change_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let base = sandbox.base_url().to_string();
    let token = support::sandbox_token(&sandbox).await;
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    // An enabled SIM, which can take SMS (queued changes wait an hour, so it
    // stays enabled whatever the fuzzer sends).
    let sims: Value = http
        .get(format!("{base}/v1/sims"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device = sims
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "Enabled")
        .expect("an enabled SIM")["iccid"]
        .as_str()
        .unwrap()
        .to_string();
    let docs: Vec<&'static Doc> = ["1nce-os.openapi.json", "sim-management-v2.openapi.json"]
        .into_iter()
        .map(|name| &*Box::leak(Box::new(Doc::load(name))))
        .collect();
    let mut validators = BTreeMap::new();
    let mut served: BTreeMap<String, u64> = BTreeMap::new();
    // Each kind of failure once (array indices aside), with its first request.
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let mut sent = 0;
    // The last refusal of a valid request, by operation: why one was never served.
    let mut refusals: BTreeMap<String, String> = BTreeMap::new();
    for round in 0..rounds {
        // Changes queued last round (they wait an hour) are made now.
        sandbox.apply_queued_changes();
        let pools = prepare(&http, &base, &bearer, &device, round).await;
        for doc in &docs {
            let mut gen = Gen {
                rng: fastrand::Rng::with_seed(seed ^ round),
                doc,
            };
            for (method, template, operation) in doc.operations() {
                // Tokens are the client's concern, and tested there.
                if template.ends_with("/token") {
                    continue;
                }
                let key = format!("{method} {template}");
                served.entry(key.clone()).or_default();
                for valid in [true, false] {
                    let request = request(&mut gen, &pools, &template, operation, valid);
                    let mut builder = http
                        .request(method.parse().unwrap(), format!("{base}{}", request.path))
                        .bearer_auth(&bearer);
                    if let Some(body) = &request.body {
                        builder = builder.json(body);
                    }
                    let answer = builder.send().await.unwrap();
                    sent += 1;
                    let status = answer.status().as_u16();
                    let text = answer.text().await.unwrap();
                    let what = format!(
                        "{key} as {} {:?} (seed {seed}, round {round})",
                        request.path, request.body
                    );
                    if status >= 500 {
                        failures
                            .entry(format!("{key}: {status} {text}"))
                            .or_insert(what);
                        continue;
                    }
                    if !(200..300).contains(&status) {
                        if request.valid {
                            refusals.insert(key.clone(), format!("{what}: {status} {text}"));
                        }
                        continue;
                    }
                    if request.valid {
                        *served.get_mut(&key).unwrap() += 1;
                    }
                    let schema = &operation["responses"][status.to_string()]["content"]
                        ["application/json"]["schema"];
                    if schema.is_null() {
                        continue;
                    }
                    let body: Value = match serde_json::from_str(&text) {
                        Ok(body) => body,
                        Err(e) => {
                            let kind = format!("{key}: {status} with a body that is no JSON ({e})");
                            failures.entry(kind).or_insert(what);
                            continue;
                        }
                    };
                    let validator = validators
                        .entry((doc.name, key.clone(), status))
                        .or_insert_with(|| doc.validator(schema));
                    for error in validator.iter_errors(&body).take(3) {
                        let at: String = error
                            .instance_path()
                            .to_string()
                            .chars()
                            .filter(|c| !c.is_ascii_digit())
                            .collect();
                        let mut message = error.to_string();
                        message.truncate(300);
                        let kind = format!("{key}: {status} at {at}: {message}");
                        failures.entry(kind).or_insert_with(|| what.clone());
                    }
                }
            }
        }
    }
    let never: Vec<&String> = served
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(k, _)| k)
        .collect();
    let report: Vec<String> = failures
        .iter()
        .map(|(kind, first)| format!("{kind}\n    first: {first}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} kinds of answer of {sent} break the documents:\n{}",
        failures.len(),
        report.join("\n")
    );
    let why: Vec<&String> = never.iter().filter_map(|k| refusals.get(*k)).collect();
    assert!(
        never.is_empty(),
        "never answered a valid request with a 2xx: {never:?}\n{why:#?}"
    );
    // 72 of 1NCE OS, 13 of v2 SIM management (its token route aside).
    assert_eq!(
        served.len(),
        72 + 13,
        "every operation of both documents was tried"
    );
}
