//! Normalisation: makes the converted OpenAPI 3 document digestible by
//! progenitor 0.15 without losing any fact of the API.
//!
//! progenitor panics on more than one request media type, on success (or
//! error) responses whose body kinds differ, and on `application/json` without
//! a schema; typify silently merges different inline schemas that share a
//! `title`. Each rule below removes one of those hazards, or gives the API an
//! idiomatic Rust surface. What a rule changes is kept in an `x-onence-*`
//! extension where it would otherwise be lost.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::Failure;

mod bodies;
pub mod drift;
mod names;
mod numbers;
mod os_names;
mod parameters;
mod secrets;
mod shapes;
mod unions;

pub use bodies::*;
pub use names::*;
pub use numbers::*;
pub use parameters::listed_values_are_an_enum;
pub use secrets::{secret_mark, secrets_are_secret, SECRET_PROPERTIES, SECRET_TYPE};
pub use shapes::*;
pub use unions::one_of_the_fields_required;

/// What a normalisation noticed that a maintainer should read.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Notes {
    /// Operations missing from [`OPERATION_NAMES`], with the default name they got.
    pub unmapped_operations: Vec<(String, String)>,
    /// Other remarks, one line each.
    pub remarks: Vec<String>,
}

/// Applies every rule, in order.
pub fn normalise(doc: &mut Value) -> Result<Notes, Failure> {
    let mut notes = Notes::default();
    inline_shared_parts(doc)?;
    merge_one_of_objects(doc)?;
    one_of_the_fields_required(doc);
    listed_values_are_an_enum(doc);
    one_json_media_type(doc)?;
    drop_json_without_schema(doc, &mut notes);
    timestamps_stay_strings(doc);
    defaults_fit_their_schemas(doc);
    integer_ids(doc);
    hoist_inline_objects(doc)?;
    rename_types(doc)?;
    merge_identical_models(doc);
    shared_error_body(doc);
    one_success_body_kind(doc, &mut notes);
    any_success_status(doc);
    name_operations(doc, &mut notes);
    drift::known_timestamps(doc);
    drift::lenient_responses(doc, &mut notes)?;
    unique_type_names(doc)?;
    unique_field_names(doc)?;
    secrets_are_secret(doc);
    Ok(notes)
}

/// Every `$ref` in `value` that `renamed` maps (old reference → new) rewritten.
pub(crate) fn rewrite_refs(value: &mut Value, renamed: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(to) = renamed.get(r.as_str()) {
                    *r = to.clone();
                }
            }
            map.values_mut().for_each(|v| rewrite_refs(v, renamed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renamed)),
        _ => {}
    }
}

/// Every component name `$ref`erenced anywhere in `value`.
pub(crate) fn collect_refs(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.insert(name.to_string());
            }
            map.values().for_each(|v| collect_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, found)),
        _ => {}
    }
}

/// Visits every operation as (method, path, operation).
pub(crate) fn for_each_operation(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>),
) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            if let Some(item) = item.as_object_mut() {
                for (method, op) in item.iter_mut() {
                    if let Some(op) = op.as_object_mut() {
                        if op.contains_key("responses") {
                            f(method, path, op);
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn op_label(method: &str, path: &str, op: &Map<String, Value>) -> String {
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("?");
    format!("{} {path} ({id})", method.to_uppercase())
}

/// Is this media type a spelling of JSON? `*/*` counts: the API answers JSON there.
pub(crate) fn is_json_like(media: &str) -> bool {
    let base = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    base == "application/json" || base == "*/*"
}

/// What the rules' tests share: small documents and progenitor's verdict.
#[cfg(test)]
pub(crate) mod test_support {
    use serde_json::json;

    use super::*;
    use crate::codegen;

    pub(crate) fn doc(paths: Value, schemas: Value) -> Value {
        json!({ "openapi": "3.0.3", "info": { "title": "t", "version": "1" }, "paths": paths,
                "components": { "schemas": schemas } })
    }

    pub(crate) fn get(id: &str, responses: Value) -> Value {
        json!({ "get": { "operationId": id, "responses": responses } })
    }

    pub(crate) fn text(v: &Value) -> String {
        serde_json::to_string(v).unwrap()
    }

    pub(crate) fn panics_progenitor(v: &Value) -> bool {
        codegen::generate(&codegen::VERSIONS[0], &text(v)).is_err_and(|e| e.contains("panicked"))
    }
}
