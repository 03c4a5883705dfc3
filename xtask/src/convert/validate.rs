//! The Swagger 2.0 input checked before conversion: a broken document fails
//! with one line naming the operation at fault, never half converted.

use serde_json::Value;

use super::{array, METHODS};
use crate::Failure;

/// Checks what the conversion relies on; the error names the operation at fault.
pub fn validate(swagger: &Value) -> Result<(), Failure> {
    let root = swagger
        .as_object()
        .ok_or_else(|| Failure::Invalid("the document is not a JSON object".into()))?;
    match root.get("swagger").and_then(Value::as_str) {
        Some("2.0") => {}
        Some(other) => {
            return Err(Failure::Invalid(format!(
                "not a Swagger 2.0 document (swagger: {other:?})"
            )))
        }
        None if root.contains_key("openapi") => {
            return Err(Failure::Invalid(
                "not a Swagger 2.0 document (it is OpenAPI 3; expected swagger: \"2.0\")".into(),
            ))
        }
        None => {
            return Err(Failure::Invalid(
                "not a Swagger 2.0 document (no \"swagger\": \"2.0\" field)".into(),
            ))
        }
    }
    for field in ["title", "version"] {
        if root
            .get("info")
            .and_then(|i| i.get(field))
            .and_then(Value::as_str)
            .is_none()
        {
            return Err(Failure::Invalid(format!("info.{field} is missing")));
        }
    }
    let paths = root
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| Failure::Invalid("\"paths\" is missing or not an object".into()))?;
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in paths {
        let item = item
            .as_object()
            .ok_or_else(|| Failure::Invalid(format!("path {path} is not an object")))?;
        for (method, op) in item.iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            let at = format!("{} {path}", method.to_uppercase());
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| Failure::Invalid(format!("{at} has no operationId")))?;
            let at = format!("{at} ({id})");
            if !seen.insert(id.to_string()) {
                return Err(Failure::Invalid(format!("{at}: operationId is used twice")));
            }
            if !op.get("responses").is_some_and(Value::is_object) {
                return Err(Failure::Invalid(format!("{at} has no responses")));
            }
            let params = op.get("parameters").map(array).unwrap_or_default();
            let mut bodies = 0;
            for p in params {
                if p.get("$ref").is_some() {
                    continue;
                }
                let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
                match p.get("in").and_then(Value::as_str) {
                    Some("body") => {
                        bodies += 1;
                        if p.get("schema").is_none() {
                            return Err(Failure::Invalid(format!(
                                "{at}: body parameter {name} has no schema"
                            )));
                        }
                    }
                    Some("query" | "header" | "path" | "formData") => {
                        if p.get("type").is_none() {
                            return Err(Failure::Invalid(format!(
                                "{at}: parameter {name} has no type"
                            )));
                        }
                    }
                    other => {
                        return Err(Failure::Invalid(format!(
                            "{at}: parameter {name} has an invalid \"in\": {other:?}"
                        )))
                    }
                }
            }
            if bodies > 1 {
                return Err(Failure::Invalid(format!(
                    "{at} has more than one body parameter"
                )));
            }
        }
    }
    check_refs(swagger, swagger, "")?;
    Ok(())
}

/// Every local `$ref` must point at something that exists.
fn check_refs(root: &Value, value: &Value, at: &str) -> Result<(), Failure> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Some(pointer) = r.strip_prefix('#') {
                    if root.pointer(pointer).is_none() {
                        return Err(Failure::Invalid(format!("{at}: $ref {r} points nowhere")));
                    }
                }
            }
            for (k, v) in map {
                let here = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}/{k}")
                };
                check_refs(root, v, &here)?;
            }
        }
        Value::Array(items) => {
            for v in items {
                check_refs(root, v, at)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn minimal(paths: Value) -> Value {
        json!({ "swagger": "2.0", "info": { "title": "t", "version": "1" }, "paths": paths })
    }
    #[test]
    fn invalid_documents_are_refused_with_the_cause() {
        let err = |v: Value| validate(&v).unwrap_err().to_string();
        assert!(err(json!([1])).contains("not a JSON object"));
        assert!(err(json!({ "openapi": "3.0.0" })).contains("OpenAPI 3"));
        assert!(err(json!({ "swagger": "1.2" })).contains("not a Swagger 2.0"));
        let no_id = minimal(json!({ "/a": { "get": { "responses": {} } } }));
        assert!(err(no_id).contains("GET /a has no operationId"));
        let dangling = minimal(json!({ "/a": { "get": { "operationId": "listA",
            "responses": { "200": { "description": "OK", "schema": { "$ref": "#/definitions/Gone" } } } } } }));
        let msg = err(dangling);
        assert!(msg.contains("#/definitions/Gone"), "{msg}");
        let bad_param = minimal(
            json!({ "/a": { "get": { "operationId": "listA", "responses": {},
            "parameters": [{ "name": "p", "in": "cookie", "type": "string" }] } } }),
        );
        assert!(err(bad_param).contains("GET /a (listA): parameter p"));
    }
}
