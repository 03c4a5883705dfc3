//! The vendored spec against the API documents 1NCE publishes
//! (`../shared/reference/`, beside the repository). Those documents are the
//! facts of the API: every path, parameter, type, enum, limit, header, example
//! and schema field must match them exactly; only the words differ.
//!
//! The documents are not part of the repository, so on a clone without
//! `../shared` these tests report that they were skipped and pass, except
//! in CI (`CI` set), where the documents are always laid beside the clone
//! and their absence is a failure: a check that silently ran nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

/// The documents behind the Swagger source (the token endpoint's document is
/// handled by the handwritten layer).
const SWAGGER_DOCUMENTS: &[&str] = &["sim-management", "order-management", "product-information"];

/// The documents merged into the normalised v1 document: the Swagger source's and Support Management.
const V1_DOCUMENTS: &[&str] = &[
    "sim-management",
    "order-management",
    "product-information",
    "support-management",
];

fn reference() -> Option<Value> {
    reference_of(SWAGGER_DOCUMENTS)
}

fn reference_of(documents: &[&str]) -> Option<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {} is not there: the reference comparison would check nothing",
            dir.display()
        );
        eprintln!("skipped: {} is not there", dir.display());
        return None;
    }
    let mut paths = Map::new();
    let mut components: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mut servers = None;
    for name in documents {
        let text = fs::read_to_string(dir.join(format!("{name}.openapi.json"))).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        paths.extend(doc["paths"].as_object().unwrap().clone());
        for section in ["schemas", "parameters", "responses"] {
            if let Some(parts) = doc["components"][section].as_object() {
                components.entry(section).or_default().extend(parts.clone());
            }
        }
        servers = Some(doc["servers"].clone());
    }
    Some(json!({ "paths": paths, "components": components, "servers": servers }))
}

fn vendored(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec")
        .join(name);
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// The facts of a piece of an OpenAPI 3 document, in one representation:
/// words (descriptions, summaries, tags) and auth wiring dropped, examples
/// in one place (a parameter's or header's `example`, a media type's `example`),
/// and empty `content` removed.
fn facts(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                match k.as_str() {
                    "description" | "summary" | "tags" | "security" => {}
                    "content" if v.as_object().is_some_and(Map::is_empty) => {}
                    "examples" if v.is_object() => {
                        let values: Vec<&Value> = v
                            .as_object()
                            .unwrap()
                            .values()
                            .filter_map(|e| e.get("value"))
                            .collect();
                        assert_eq!(values.len(), 1, "one example per media type");
                        out.insert("example".into(), facts(values[0]));
                    }
                    _ => {
                        out.insert(k.clone(), facts(v));
                    }
                }
            }
            // A parameter's or header's example may sit in its schema or beside it.
            let hoist =
                (out.contains_key("in") || out.contains_key("schema")) && !out.contains_key("type");
            if hoist {
                if let Some(example) = out
                    .get_mut("schema")
                    .and_then(Value::as_object_mut)
                    .and_then(|s| s.remove("example"))
                {
                    out.insert("example".into(), example);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(facts).collect()),
        other => other.clone(),
    }
}

fn operations(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.insert(format!("{} {path}", method.to_uppercase()), op.clone());
        }
    }
    out
}

#[test]
fn swagger_facts_match_the_reference_exactly() {
    let Some(reference) = reference() else { return };
    let converted = xtask::convert::convert(&vendored(xtask::SWAGGER_NAME)).unwrap();
    assert_eq!(converted["servers"], reference["servers"]);

    let (ours, theirs) = (operations(&converted), operations(&reference));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert_eq!(ours.len(), 27);
    for (key, op) in &theirs {
        assert_eq!(facts(&ours[key]), facts(op), "{key}");
    }

    let (ours, theirs) = (
        &converted["components"]["schemas"],
        &reference["components"]["schemas"],
    );
    let names = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(ours), names(theirs));
    for name in names(theirs) {
        assert_eq!(facts(&ours[&name]), facts(&theirs[&name]), "schema {name}");
    }
}

/// The vendored Support Management source holds the reference's facts
/// exactly: every path, parameter, response, schema and server; only the
/// words are ours.
#[test]
fn support_facts_match_the_reference_exactly() {
    let Some(reference) = reference_of(&["support-management"]) else {
        return;
    };
    let ours = vendored(xtask::SUPPORT_NAME);
    assert_eq!(ours["servers"], reference["servers"]);
    let (mine, theirs) = (operations(&ours), operations(&reference));
    assert_eq!(
        mine.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert_eq!(mine.len(), 2);
    for (key, op) in &theirs {
        assert_eq!(facts(&mine[key]), facts(op), "{key}");
    }
    let (mine, theirs) = (
        &ours["components"]["schemas"],
        &reference["components"]["schemas"],
    );
    assert_eq!(facts(mine), facts(theirs));
}

/// Top-level property names of a schema, following `$ref`s and array items.
fn property_names(schema: &Value, doc: &Value) -> BTreeSet<String> {
    let mut schema = schema;
    loop {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            schema = doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling {r}"));
        } else if let Some(items) = schema.get("items") {
            schema = items;
        } else {
            break;
        }
    }
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn media_schema(response_or_body: &Value) -> Option<&Value> {
    response_or_body
        .get("content")?
        .as_object()?
        .values()
        .next()?
        .get("schema")
}

/// The vendored SIM Management v2 source holds the reference's facts
/// exactly: every path, parameter, response, shared part, schema and server;
/// only the words are ours.
#[test]
fn v2_facts_match_the_reference_exactly() {
    let Some(reference) = reference_of(&["sim-management-v2"]) else {
        return;
    };
    let ours = vendored(xtask::SIM_V2_NAME);
    assert_eq!(facts(&ours["servers"]), facts(&reference["servers"]));
    let (mine, theirs) = (operations(&ours), operations(&reference));
    assert_eq!(
        mine.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    assert_eq!(mine.len(), 13);
    for (key, op) in &theirs {
        assert_eq!(facts(&mine[key]), facts(op), "{key}");
    }
    for section in ["schemas", "parameters", "responses"] {
        assert_eq!(
            facts(&ours["components"][section]),
            facts(&reference["components"][section]),
            "components/{section}"
        );
    }
}

/// A parameter or response given as a `$ref` to a shared part, replaced by that part.
fn inlined(part: &Value, doc: &Value) -> Value {
    match part.get("$ref").and_then(Value::as_str) {
        Some(r) if !r.starts_with("#/components/schemas/") => {
            doc.pointer(r.trim_start_matches('#')).unwrap().clone()
        }
        _ => part.clone(),
    }
}

/// Every operation with its shared parameters and responses inlined.
fn operations_inlined(doc: &Value) -> BTreeMap<String, Value> {
    let mut ops = operations(doc);
    for op in ops.values_mut() {
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params.iter_mut() {
                *p = inlined(p, doc);
            }
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for r in responses.values_mut() {
                *r = inlined(r, doc);
            }
        }
    }
    ops
}

#[test]
fn normalised_operations_match_the_reference_one_for_one() {
    let v1 = (V1_DOCUMENTS, xtask::OPENAPI_NAME);
    let v2 = (&["sim-management-v2"][..], xtask::OPENAPI_V2_NAME);
    for (documents, file) in [v1, v2] {
        let Some(reference) = reference_of(documents) else {
            return;
        };
        normalised_matches(&reference, &vendored(file));
    }
}

/// The operations of a normalised document against the reference's: the
/// same operations, parameters, request and response fields, statuses and
/// headers (error bodies are folded into `ApiError`).
fn normalised_matches(reference: &Value, normalised: &Value) {
    let (reference, normalised) = (reference.clone(), normalised.clone());
    let (ours, theirs) = (operations(&normalised), operations_inlined(&reference));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    let error_fields = property_names(
        &json!({ "$ref": "#/components/schemas/ApiError" }),
        &normalised,
    );
    for (key, theirs_op) in &theirs {
        let ours_op = &ours[key];
        assert_eq!(
            ours_op["x-onence-upstream-id"], theirs_op["operationId"],
            "{key}"
        );
        let params = |op: &Value| -> BTreeSet<(String, String)> {
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_string(),
                        p["in"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        };
        assert_eq!(params(ours_op), params(theirs_op), "{key} parameters");
        match (ours_op.get("requestBody"), theirs_op.get("requestBody")) {
            (Some(a), Some(b)) => assert_eq!(
                property_names(media_schema(a).unwrap(), &normalised),
                property_names(media_schema(b).unwrap(), &reference),
                "{key} request body"
            ),
            (None, None) => {}
            _ => panic!("{key}: request body present on one side only"),
        }
        let codes = |op: &Value| {
            op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, r)| r.get("x-onence-added").is_none())
                .map(|(k, _)| k.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(ours_op), codes(theirs_op), "{key} responses");
        for (code, response) in theirs_op["responses"].as_object().unwrap() {
            let theirs_fields = media_schema(response)
                .map(|s| property_names(s, &reference))
                .unwrap_or_default();
            let ours_response = &ours_op["responses"][code];
            if code.starts_with('4') || code.starts_with('5') {
                assert!(
                    theirs_fields.is_subset(&error_fields),
                    "{key} {code}: {theirs_fields:?} not in ApiError"
                );
            } else {
                let ours_fields = media_schema(ours_response)
                    .map(|s| property_names(s, &normalised))
                    .unwrap_or_default();
                if ours_response.get("x-onence-optional-body") == Some(&json!(true)) {
                    // A success whose body may be there or not: the reference's answer is either empty or the same.
                    assert!(
                        theirs_fields.is_empty() || theirs_fields == ours_fields,
                        "{key} {code}"
                    );
                } else {
                    assert_eq!(ours_fields, theirs_fields, "{key} {code}");
                }
                let headers = |r: &Value| {
                    r.get("headers")
                        .and_then(Value::as_object)
                        .map(|h| h.keys().cloned().collect::<Vec<_>>())
                };
                assert_eq!(
                    headers(ours_response),
                    headers(response),
                    "{key} {code} headers"
                );
            }
        }
    }
}

/// The vendored 1NCE OS document holds the published one's facts exactly
/// (paths, operations, parameters, responses, schemas, examples, servers,
/// tags' names), and says everything in its own words: no description or
/// summary of the published document is repeated, HTTP reason phrases
/// aside.
#[test]
fn os_facts_match_the_reference_in_our_own_words() {
    let Some(reference) = reference_of(&["1nce-os"]) else {
        return;
    };
    let ours = vendored(xtask::OS_NAME);
    assert_eq!(operations(&ours).len(), 72);
    for (key, op) in &operations(&reference) {
        assert_eq!(facts(&operations(&ours)[key]), facts(op), "{key}");
    }
    // The whole published document, not only the merged paths and parts.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference")
        .join(xtask::OS_NAME);
    let reference: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(facts(&ours), facts(&reference));

    fn words(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("description" | "summary", Value::String(text)) => {
                            out.insert(text.clone());
                        }
                        _ => words(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| words(v, out)),
            _ => {}
        }
    }
    let (mut mine, mut theirs) = (BTreeSet::new(), BTreeSet::new());
    words(&ours, &mut mine);
    words(&reference, &mut theirs);
    let reasons = ["Internal Server Error", "Unprocessable Entity"];
    let repeated: Vec<&String> = mine
        .intersection(&theirs)
        .filter(|t| t.len() > 12 && !reasons.contains(&t.as_str()))
        .collect();
    assert!(repeated.is_empty(), "their words: {repeated:?}");
}
