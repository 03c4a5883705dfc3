//! Every documented operation, as an agent looks for one: its name with
//! the API version in front (`v1.get_sim`, `v2.get_sim_status`,
//! `os.list_geofences`; v1 and v2 share names), method, path, summary,
//! parameters with their types, and body, read once from the specs the
//! client is generated from.

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

use crate::raw::ApiVersion;

/// The normalised documents, by version prefix.
const DOCUMENTS: [(&str, ApiVersion, &str); 3] = [
    (
        "v1",
        ApiVersion::V1,
        include_str!("../../spec/management-api.openapi.json"),
    ),
    (
        "v2",
        ApiVersion::V2,
        include_str!("../../spec/management-api-v2.openapi.json"),
    ),
    (
        "os",
        ApiVersion::Os,
        include_str!("../../spec/management-api-os.openapi.json"),
    ),
];

/// One documented operation.
#[derive(Clone, Debug, Serialize)]
pub struct Operation {
    /// `v1.list_sims`, `os.list_geofences`, ...
    pub name: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path below the base URL, with `{parameters}`.
    pub path: String,
    /// What it does, as documented.
    pub summary: String,
    /// Its path and query parameters.
    pub parameters: Vec<Parameter>,
    /// Its JSON body, when it takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Whether it changes anything (not a GET).
    pub write: bool,
    #[serde(skip)]
    pub(crate) version: ApiVersion,
}

impl Operation {
    /// The operation's id in its document (`get_sim` of `v1.get_sim`), as
    /// the pipeline names it.
    pub(crate) fn id(&self) -> &str {
        self.name.split_once('.').map_or(&self.name, |(_, id)| id)
    }
}

/// One parameter of an operation.
#[derive(Clone, Debug, Serialize)]
pub struct Parameter {
    /// Its name, as the API spells it.
    pub name: String,
    /// `path` or `query`.
    #[serde(rename = "in")]
    pub location: String,
    /// Whether the operation needs it.
    pub required: bool,
    /// `string`, `integer`, `number`, `boolean` or `array`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The values it takes, when the documents list them.
    #[serde(rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The smallest number it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// The largest number it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// For an array in the query: one `name=value` pair per item (else
    /// the items joined by commas).
    #[serde(skip)]
    pub(crate) explode: bool,
}

/// An operation's JSON body.
#[derive(Clone, Debug, Serialize)]
pub struct Body {
    /// Whether the operation needs one.
    pub required: bool,
    /// `object` or `array` (empty when the documents do not say).
    #[serde(rename = "type")]
    pub kind: String,
    /// The documents' name of its model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// The documents, parsed once: (version prefix, version, document).
fn documents() -> &'static [(&'static str, ApiVersion, Value)] {
    static DOCS: OnceLock<Vec<(&str, ApiVersion, Value)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        DOCUMENTS
            .iter()
            .filter_map(|(prefix, version, text)| {
                Some((*prefix, *version, serde_json::from_str(text).ok()?))
            })
            .collect()
    })
}

/// Every documented operation (114), in document order.
pub fn all() -> &'static [Operation] {
    static ALL: OnceLock<Vec<Operation>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        for (prefix, version, doc) in documents() {
            read_document(prefix, *version, doc, &mut out);
        }
        out
    })
}

/// How deep [`body_schema`] follows references (the models nest a few levels).
const SCHEMA_DEPTH: usize = 8;

/// The JSON schema of `op`'s body as documented, its references resolved.
pub fn body_schema(op: &Operation) -> Option<Value> {
    let (_, _, doc) = documents().iter().find(|(_, v, _)| *v == op.version)?;
    let body = &doc["paths"][&op.path][op.method.to_lowercase()]["requestBody"];
    let schema = body["content"]["application/json"]["schema"].clone();
    (!schema.is_null()).then(|| resolved(doc, schema, SCHEMA_DEPTH))
}

/// `schema` with every `$ref` into `doc` replaced by what it names, down
/// to `depth` levels (deeper references are left as they are).
fn resolved(doc: &Value, schema: Value, depth: usize) -> Value {
    match schema {
        Value::Object(map) => {
            if let (Some(target), true) = (map.get("$ref").and_then(Value::as_str), depth > 0) {
                if let Some(found) = doc.pointer(target.trim_start_matches('#')) {
                    return resolved(doc, found.clone(), depth - 1);
                }
            }
            Value::Object(
                map.into_iter()
                    .filter(|(k, _)| !k.starts_with("x-"))
                    .map(|(k, v)| (k, resolved(doc, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| resolved(doc, v, depth)).collect())
        }
        other => other,
    }
}

fn read_document(prefix: &str, version: ApiVersion, doc: &Value, out: &mut Vec<Operation>) {
    // A `$ref` resolved within the document (parameters and schemas).
    let deref = |v: &Value| -> Value {
        match v["$ref"].as_str() {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let parameters = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(&deref)
                .filter_map(|p| {
                    let schema = deref(&p["schema"]);
                    Some(Parameter {
                        name: p["name"].as_str()?.to_string(),
                        location: p["in"].as_str()?.to_string(),
                        required: p["required"] == true,
                        kind: schema["type"].as_str().unwrap_or("string").to_string(),
                        values: schema["enum"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect(),
                        minimum: schema["minimum"].as_f64(),
                        maximum: schema["maximum"].as_f64(),
                        explode: p["explode"] != false,
                    })
                })
                .collect();
            let body = op.get("requestBody").map(|b| {
                let b = deref(b);
                let schema = &b["content"]["application/json"]["schema"];
                let model = schema["$ref"]
                    .as_str()
                    .and_then(|r| r.rsplit('/').next())
                    .map(str::to_string);
                Body {
                    required: b["required"] == true,
                    kind: deref(schema)["type"].as_str().unwrap_or("").to_string(),
                    model,
                }
            });
            out.push(Operation {
                name: format!("{prefix}.{id}"),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: op["summary"].as_str().unwrap_or_default().to_string(),
                parameters,
                body,
                write: method != "get",
                version,
            });
        }
    }
}

/// The operation named `name` (`v1.get_sim`).
pub fn find(name: &str) -> Option<&'static Operation> {
    all().iter().find(|op| op.name == name)
}

/// The operations whose name, path or summary holds `word` (any case).
pub fn search(word: &str) -> Vec<&'static Operation> {
    let word = word.to_lowercase();
    all()
        .iter()
        .filter(|op| {
            [&op.name, &op.path, &op.summary]
                .iter()
                .any(|field| field.to_lowercase().contains(&word))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_read_with_its_parameters_and_body() {
        assert_eq!(all().len(), 114);
        let get_sim = find("v1.get_sim").unwrap();
        assert_eq!(get_sim.method, "GET");
        assert!(!get_sim.write);
        let iccid = &get_sim.parameters[0];
        assert_eq!(
            (iccid.name.as_str(), iccid.location.as_str()),
            ("iccid", "path")
        );
        assert!(iccid.required);
        let top_up = find("v1.top_up_sim").unwrap();
        assert!(top_up.write);
        let latest = find("os.latest_positions").unwrap();
        let size = latest
            .parameters
            .iter()
            .find(|p| p.name == "pageSize")
            .unwrap();
        assert_eq!(size.location, "query");
        assert!(size.maximum.is_some(), "{size:?}");
        let fence = find("os.create_geofence").unwrap();
        assert_eq!(fence.body.as_ref().unwrap().kind, "object");
        let schema = body_schema(fence).unwrap();
        assert_eq!(
            schema["oneOf"].as_array().unwrap().len(),
            2,
            "polygon or circle"
        );
        assert!(!schema.to_string().contains("$ref"), "{schema}");
        assert!(body_schema(get_sim).is_none());
    }
}
