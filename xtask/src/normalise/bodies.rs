//! Bodies: one JSON media type, one shared error body, one body kind per
//! operation's successes, any 2xx a success, and JSON without a schema
//! dropped.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::*;
use crate::Failure;

/// The name of the one error body shared by every error response.
pub const ERROR_TYPE: &str = "ApiError";

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

pub(crate) fn merge_json_variants(
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

/// Rule: one error body type shared by all error responses. progenitor needs
/// every error response to have the same kind of body, and 1NCE answers errors
/// in several shapes (see docs/real-service.md): `{"message"}` from top-ups,
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

pub(crate) fn is_error_status(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5')
}

pub(crate) fn is_success_status(code: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen;
    use crate::normalise::test_support::*;
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
        assert!(codegen::generate(&codegen::VERSIONS[0], &text(&d)).is_ok());
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
        assert!(codegen::generate(&codegen::VERSIONS[0], &text(&d)).is_ok());
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
        assert!(codegen::generate(&codegen::VERSIONS[0], &text(&d)).is_ok());
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
        let code = codegen::generate(&codegen::VERSIONS[0], &text(&d)).unwrap();
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
        assert!(codegen::generate(&codegen::VERSIONS[0], &text(&d)).is_ok());
    }
}
