//! Every documented operation, as an agent looks for one: its name with
//! the API version in front (`v1.get_sim`, `v2.get_sim_status`,
//! `os.list_geofences`; v1 and v2 share names), method, path, summary and
//! parameters, read once from the specs the client is generated from.

use std::sync::OnceLock;

use serde::Serialize;
use serde_json::Value;

/// The normalised documents, by version prefix.
const DOCUMENTS: [(&str, &str); 3] = [
    ("v1", include_str!("../../spec/management-api.openapi.json")),
    (
        "v2",
        include_str!("../../spec/management-api-v2.openapi.json"),
    ),
    (
        "os",
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
    /// Its parameters: `name (in, required)`.
    pub parameters: Vec<String>,
    /// Whether it changes anything (not a GET).
    pub write: bool,
}

/// Every documented operation (114), in document order.
pub fn all() -> &'static [Operation] {
    static ALL: OnceLock<Vec<Operation>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        for (version, text) in DOCUMENTS {
            let Ok(doc) = serde_json::from_str::<Value>(text) else {
                continue;
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
                        .filter_map(|p| {
                            let p = match p["$ref"].as_str() {
                                Some(r) => doc.pointer(r.trim_start_matches('#'))?,
                                None => p,
                            };
                            let required = if p["required"] == true {
                                ", required"
                            } else {
                                ""
                            };
                            Some(format!(
                                "{} ({}{required})",
                                p["name"].as_str()?,
                                p["in"].as_str()?
                            ))
                        })
                        .chain(op.get("requestBody").map(|_| "body (json)".to_string()))
                        .collect();
                    out.push(Operation {
                        name: format!("{version}.{id}"),
                        method: method.to_uppercase(),
                        path: path.clone(),
                        summary: op["summary"].as_str().unwrap_or_default().to_string(),
                        parameters,
                        write: method != "get",
                    });
                }
            }
        }
        out
    })
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
