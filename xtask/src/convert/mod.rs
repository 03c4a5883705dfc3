//! Swagger 2.0 → OpenAPI 3.0.3, following the rules swagger2openapi applies.
//!
//! Each rule is one function below with a test on a small fixture. The input
//! is validated first, so a broken document fails with one line naming the
//! operation at fault instead of producing a half-converted result.

use serde_json::{json, Map, Value};

use crate::Failure;

mod validate;

pub use validate::validate;

/// Parameter fields that move from a Swagger 2.0 parameter into its OpenAPI 3 `schema`.
const SCHEMA_FIELDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// Converts a validated Swagger 2.0 document to OpenAPI 3.0.3.
pub fn convert(swagger: &Value) -> Result<Value, Failure> {
    validate(swagger)?;
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    for key in ["info", "tags", "externalDocs"] {
        if let Some(v) = swagger.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    for (k, v) in obj(swagger) {
        if k.starts_with("x-") {
            out.insert(k.clone(), v.clone());
        }
    }
    out.insert("servers".into(), servers(swagger));
    if let Some(security) = swagger.get("security") {
        out.insert("security".into(), security.clone());
    }

    let global_consumes = strings(swagger.get("consumes"));
    let global_produces = strings(swagger.get("produces"));
    let mut paths = Map::new();
    for (path, item) in obj(&swagger["paths"]) {
        let mut new_item = Map::new();
        for (key, value) in obj(item) {
            if METHODS.contains(&key.as_str()) {
                let op = operation(value, &global_consumes, &global_produces);
                new_item.insert(key.clone(), op);
            } else if key == "parameters" {
                let params: Vec<Value> = array(value)
                    .iter()
                    .filter(|p| !is_body_like(p))
                    .map(parameter)
                    .collect();
                new_item.insert(key.clone(), Value::Array(params));
            } else {
                new_item.insert(key.clone(), value.clone());
            }
        }
        paths.insert(path.clone(), Value::Object(new_item));
    }
    out.insert("paths".into(), Value::Object(paths));

    let mut components = Map::new();
    if let Some(defs) = swagger.get("definitions") {
        components.insert("schemas".into(), defs.clone());
    }
    if let Some(params) = swagger.get("parameters") {
        let converted = obj(params)
            .iter()
            .filter(|(_, p)| !is_body_like(p))
            .map(|(k, p)| (k.clone(), parameter(p)))
            .collect();
        components.insert("parameters".into(), Value::Object(converted));
    }
    if let Some(responses) = swagger.get("responses") {
        let converted = obj(responses)
            .iter()
            .map(|(k, r)| (k.clone(), response(r, &global_produces)))
            .collect();
        components.insert("responses".into(), Value::Object(converted));
    }
    if let Some(defs) = swagger.get("securityDefinitions") {
        components.insert("securitySchemes".into(), security_schemes(defs));
    }
    out.insert("components".into(), Value::Object(components));

    let mut doc = Value::Object(out);
    rewrite_refs(&mut doc);
    Ok(doc)
}

/// `host`, `basePath` and `schemes` become one server URL per scheme.
pub fn servers(swagger: &Value) -> Value {
    let host = swagger.get("host").and_then(Value::as_str).unwrap_or("");
    let base = swagger
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("");
    let schemes = strings(swagger.get("schemes"));
    let schemes = if schemes.is_empty() {
        vec!["https".to_string()]
    } else {
        schemes
    };
    let urls = schemes
        .iter()
        .map(|s| {
            let url = if host.is_empty() {
                base.to_string()
            } else {
                format!("{s}://{host}{base}")
            };
            json!({ "url": if url.is_empty() { "/".to_string() } else { url } })
        })
        .collect();
    Value::Array(urls)
}

/// One operation: parameters, `requestBody`, responses; `consumes`/`produces` go into `content`.
pub fn operation(op: &Value, global_consumes: &[String], global_produces: &[String]) -> Value {
    let consumes = op
        .get("consumes")
        .map(|v| strings(Some(v)))
        .unwrap_or_else(|| global_consumes.to_vec());
    let produces = op
        .get("produces")
        .map(|v| strings(Some(v)))
        .unwrap_or_else(|| global_produces.to_vec());
    let mut out = Map::new();
    for (k, v) in obj(op) {
        match k.as_str() {
            "consumes" | "produces" | "parameters" | "responses" | "schemes" => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    let params = op.get("parameters").map(array).unwrap_or_default();
    let plain: Vec<Value> = params
        .iter()
        .filter(|p| !is_body_like(p))
        .map(parameter)
        .collect();
    if !plain.is_empty() {
        out.insert("parameters".into(), Value::Array(plain));
    }
    if let Some((body, name)) = request_body(&params, &consumes) {
        out.insert("requestBody".into(), body);
        if let Some(name) = name {
            out.insert("x-codegen-request-body-name".into(), json!(name));
        }
    }
    let responses = obj(&op["responses"])
        .iter()
        .map(|(code, r)| (code.clone(), response(r, &produces)))
        .collect();
    out.insert("responses".into(), Value::Object(responses));
    Value::Object(out)
}

fn is_body_like(p: &Value) -> bool {
    matches!(
        p.get("in").and_then(Value::as_str),
        Some("body" | "formData")
    )
}

/// A non-body parameter: type, format, limits, enum and default move into `schema`;
/// `x-example` becomes `example`; `collectionFormat` becomes `style`/`explode`.
pub fn parameter(p: &Value) -> Value {
    if p.get("$ref").is_some() {
        return p.clone();
    }
    let mut out = Map::new();
    let mut schema = Map::new();
    for (k, v) in obj(p) {
        if SCHEMA_FIELDS.contains(&k.as_str()) {
            schema.insert(k.clone(), v.clone());
        } else if k == "x-example" {
            out.insert("example".into(), v.clone());
        } else if k == "collectionFormat" {
            let (style, explode) = match v.as_str() {
                Some("multi") => ("form", true),
                Some("ssv") => ("spaceDelimited", false),
                Some("pipes") => ("pipeDelimited", false),
                _ if p.get("in").and_then(Value::as_str) == Some("query") => ("form", false),
                _ => ("simple", false),
            };
            out.insert("style".into(), json!(style));
            out.insert("explode".into(), json!(explode));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    if p.get("in").and_then(Value::as_str) == Some("path") {
        out.insert("required".into(), json!(true));
    }
    out.insert("schema".into(), Value::Object(schema));
    Value::Object(out)
}

/// A `body` parameter becomes a `requestBody` with one content entry per
/// `consumes` type; `formData` parameters become a form body whose schema is an
/// object of the fields (`file` fields as binary strings). Returns the body and
/// the Swagger name of the body parameter, kept as `x-codegen-request-body-name`.
pub fn request_body(params: &[Value], consumes: &[String]) -> Option<(Value, Option<String>)> {
    if let Some(body) = params
        .iter()
        .find(|p| p.get("in").and_then(Value::as_str) == Some("body"))
    {
        let types = if consumes.is_empty() {
            vec!["application/json".to_string()]
        } else {
            consumes.to_vec()
        };
        let content: Map<String, Value> = types
            .iter()
            .map(|t| (t.clone(), json!({ "schema": body["schema"].clone() })))
            .collect();
        let mut rb = Map::new();
        if let Some(d) = body.get("description") {
            rb.insert("description".into(), d.clone());
        }
        rb.insert("content".into(), Value::Object(content));
        rb.insert(
            "required".into(),
            json!(body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false)),
        );
        let name = body.get("name").and_then(Value::as_str).map(str::to_string);
        return Some((Value::Object(rb), name));
    }
    let form: Vec<&Value> = params
        .iter()
        .filter(|p| p.get("in").and_then(Value::as_str) == Some("formData"))
        .collect();
    if form.is_empty() {
        return None;
    }
    let has_file = form
        .iter()
        .any(|p| p.get("type").and_then(Value::as_str) == Some("file"));
    let media = if has_file || consumes.iter().any(|c| c == "multipart/form-data") {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in &form {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let mut schema = obj(&parameter(p)["schema"]).clone();
        if schema.get("type").and_then(Value::as_str) == Some("file") {
            schema.insert("type".into(), json!("string"));
            schema.insert("format".into(), json!("binary"));
        }
        if let Some(d) = p.get("description") {
            schema.insert("description".into(), d.clone());
        }
        if p.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(json!(name));
        }
        properties.insert(name, Value::Object(schema));
    }
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    let body = json!({ "content": { media: { "schema": schema } }, "required": true });
    Some((body, None))
}

/// A response: its `schema` is offered under every `produces` type, `examples`
/// keyed by media type become that content's `example`, and each header's type
/// moves into a header `schema` (with `x-example` as the header's `example`).
pub fn response(r: &Value, produces: &[String]) -> Value {
    if r.get("$ref").is_some() {
        return r.clone();
    }
    let mut out = Map::new();
    out.insert(
        "description".into(),
        r.get("description").cloned().unwrap_or(json!("")),
    );
    if let Some(headers) = r.get("headers") {
        let converted: Map<String, Value> = obj(headers)
            .iter()
            .map(|(name, h)| {
                let mut header = Map::new();
                let mut schema = Map::new();
                for (k, v) in obj(h) {
                    if SCHEMA_FIELDS.contains(&k.as_str()) {
                        schema.insert(k.clone(), v.clone());
                    } else if k == "x-example" {
                        header.insert("example".into(), v.clone());
                    } else {
                        header.insert(k.clone(), v.clone());
                    }
                }
                header.insert("schema".into(), Value::Object(schema));
                (name.clone(), Value::Object(header))
            })
            .collect();
        out.insert("headers".into(), Value::Object(converted));
    }
    if let Some(schema) = r.get("schema") {
        let types = if produces.is_empty() {
            vec!["application/json".to_string()]
        } else {
            produces.to_vec()
        };
        let examples = r.get("examples");
        let content: Map<String, Value> = types
            .iter()
            .map(|t| {
                let mut media = json!({ "schema": schema.clone() });
                if let Some(example) = examples.and_then(|e| e.get(t)) {
                    media["example"] = example.clone();
                }
                (t.clone(), media)
            })
            .collect();
        out.insert("content".into(), Value::Object(content));
    }
    for (k, v) in obj(r) {
        if k.starts_with("x-") {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// `securityDefinitions` become `components/securitySchemes`: basic → HTTP
/// basic, apiKey unchanged, oauth2 flows renamed (application →
/// clientCredentials, accessCode → authorizationCode).
pub fn security_schemes(defs: &Value) -> Value {
    let converted = obj(defs)
        .iter()
        .map(|(name, d)| {
            let mut out = Map::new();
            if let Some(desc) = d.get("description") {
                out.insert("description".into(), desc.clone());
            }
            match d.get("type").and_then(Value::as_str) {
                Some("basic") => {
                    out.insert("type".into(), json!("http"));
                    out.insert("scheme".into(), json!("basic"));
                }
                Some("oauth2") => {
                    out.insert("type".into(), json!("oauth2"));
                    let flow = match d.get("flow").and_then(Value::as_str) {
                        Some("application") => "clientCredentials",
                        Some("accessCode") => "authorizationCode",
                        Some("password") => "password",
                        _ => "implicit",
                    };
                    let mut f = Map::new();
                    for key in ["authorizationUrl", "tokenUrl"] {
                        if let Some(v) = d.get(key) {
                            f.insert(key.into(), v.clone());
                        }
                    }
                    f.insert(
                        "scopes".into(),
                        d.get("scopes").cloned().unwrap_or(json!({})),
                    );
                    out.insert("flows".into(), json!({ flow: f }));
                }
                _ => {
                    for (k, v) in obj(d) {
                        if k != "description" {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            (name.clone(), Value::Object(out))
        })
        .collect();
    Value::Object(converted)
}

/// `#/definitions/X` → `#/components/schemas/X` (and likewise for shared
/// parameters and responses), everywhere in the document.
pub fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                for (from, to) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = r.strip_prefix(from) {
                        *r = format!("{to}{rest}");
                        break;
                    }
                }
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn obj(v: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    v.as_object().unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

fn array(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_base_path_and_schemes_become_servers() {
        let sw = json!({ "host": "api.1nce.com", "basePath": "/management-api", "schemes": ["https", "http"] });
        assert_eq!(
            servers(&sw),
            json!([{ "url": "https://api.1nce.com/management-api" }, { "url": "http://api.1nce.com/management-api" }])
        );
    }

    #[test]
    fn body_parameter_becomes_request_body_per_consumes_type() {
        let params = vec![
            json!({ "in": "body", "name": "sims", "required": true, "description": "d",
                                  "schema": { "$ref": "#/definitions/X" } }),
        ];
        let (body, name) =
            request_body(&params, &["application/json".into(), "text/json".into()]).unwrap();
        assert_eq!(name.as_deref(), Some("sims"));
        assert_eq!(body["required"], json!(true));
        assert_eq!(body["description"], json!("d"));
        assert_eq!(
            body["content"]["application/json"]["schema"]["$ref"],
            json!("#/definitions/X")
        );
        assert_eq!(
            body["content"]["text/json"]["schema"]["$ref"],
            json!("#/definitions/X")
        );
    }

    #[test]
    fn form_data_becomes_form_body() {
        let params = vec![
            json!({ "in": "formData", "name": "grant_type", "type": "string", "required": true }),
            json!({ "in": "formData", "name": "scope", "type": "string" }),
        ];
        let (body, _) = request_body(&params, &[]).unwrap();
        let schema = &body["content"]["application/x-www-form-urlencoded"]["schema"];
        assert_eq!(schema["properties"]["grant_type"]["type"], json!("string"));
        assert_eq!(schema["required"], json!(["grant_type"]));
        let files = vec![json!({ "in": "formData", "name": "f", "type": "file" })];
        let (body, _) = request_body(&files, &[]).unwrap();
        assert_eq!(
            body["content"]["multipart/form-data"]["schema"]["properties"]["f"]["format"],
            json!("binary")
        );
    }

    #[test]
    fn parameter_fields_move_into_schema_and_x_example_becomes_example() {
        let p = json!({ "name": "pageSize", "in": "query", "type": "integer", "maximum": 100, "minimum": 1,
                        "default": 10, "allowEmptyValue": false, "x-example": 5 });
        let q = parameter(&p);
        assert_eq!(
            q["schema"],
            json!({ "type": "integer", "maximum": 100, "minimum": 1, "default": 10 })
        );
        assert_eq!(q["example"], json!(5));
        assert_eq!(q["allowEmptyValue"], json!(false));
        assert!(q.get("type").is_none());
        let path = parameter(&json!({ "name": "iccid", "in": "path", "type": "string" }));
        assert_eq!(path["required"], json!(true));
        let multi = parameter(
            &json!({ "name": "ids", "in": "query", "type": "array", "collectionFormat": "multi" }),
        );
        assert_eq!(
            (multi["style"].clone(), multi["explode"].clone()),
            (json!("form"), json!(true))
        );
    }

    #[test]
    fn produces_and_examples_become_content_and_headers_get_schemas() {
        let r = json!({ "description": "OK", "schema": { "type": "array" },
                        "examples": { "application/json": [1] },
                        "headers": { "X-Total-Pages": { "type": "integer", "format": "int32", "description": "n", "x-example": 3 } } });
        let out = response(
            &r,
            &[
                "application/json".into(),
                "application/json;charset=UTF-8".into(),
            ],
        );
        assert_eq!(
            out["content"]["application/json"],
            json!({ "schema": { "type": "array" }, "example": [1] })
        );
        assert_eq!(
            out["content"]["application/json;charset=UTF-8"],
            json!({ "schema": { "type": "array" } })
        );
        assert_eq!(
            out["headers"]["X-Total-Pages"],
            json!({ "description": "n", "example": 3, "schema": { "type": "integer", "format": "int32" } })
        );
        let empty = response(
            &json!({ "description": "Created" }),
            &["application/json".into()],
        );
        assert!(empty.get("content").is_none());
    }

    #[test]
    fn definitions_become_component_schemas_with_refs_rewritten() {
        let sw = json!({ "swagger": "2.0", "info": { "title": "t", "version": "1" },
            "paths": { "/a": { "get": { "operationId": "a", "produces": ["application/json"],
                "responses": { "200": { "description": "OK", "schema": { "$ref": "#/definitions/A" } } } } } },
            "definitions": { "A": { "type": "object", "properties": { "b": { "$ref": "#/definitions/B" } } }, "B": { "type": "string" } } });
        let oas = convert(&sw).unwrap();
        assert_eq!(oas["openapi"], json!("3.0.3"));
        assert_eq!(
            oas["components"]["schemas"]["A"]["properties"]["b"]["$ref"],
            json!("#/components/schemas/B")
        );
        assert_eq!(
            oas["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            json!("#/components/schemas/A")
        );
        assert!(oas["paths"]["/a"]["get"].get("produces").is_none());
    }

    #[test]
    fn security_definitions_become_security_schemes() {
        let defs = json!({ "oauth2": { "type": "oauth2", "flow": "application", "tokenUrl": "/oauth/token", "scopes": {} },
                           "basic": { "type": "basic" },
                           "key": { "type": "apiKey", "name": "X-Key", "in": "header" } });
        let out = security_schemes(&defs);
        assert_eq!(
            out["oauth2"]["flows"]["clientCredentials"]["tokenUrl"],
            json!("/oauth/token")
        );
        assert_eq!(out["basic"], json!({ "type": "http", "scheme": "basic" }));
        assert_eq!(
            out["key"],
            json!({ "type": "apiKey", "name": "X-Key", "in": "header" })
        );
    }
}
