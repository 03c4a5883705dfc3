//! The operation catalogue: every documented operation of every compiled
//! API version, as codegen emits it beside the path and secret tables
//! (`OPERATIONS` in each generated module). Its name with the version in
//! front (`v1.get_sim`, `v2.get_sim_status`, `os.list_geofences`; v1 and v2
//! share names), method, path, summary, parameters, body (its schema
//! resolved at build time), whether it writes, what a write costs, and its
//! secret fields. MCP (`list_operations`, `call_operation`) and
//! `onence api` read it; nothing parses a spec at runtime, and every count
//! is derived from it.

use serde::Serialize;

use crate::api;
use crate::writes::Cost;

/// The API version an operation belongs to, which picks its path table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiVersion {
    /// SIM Management v1 (and orders, products, support).
    V1,
    /// SIM Management v2.
    V2,
    /// 1NCE OS.
    Os,
}

/// One documented operation.
#[derive(Clone, Debug, Serialize)]
pub struct Operation {
    /// `v1.list_sims`, `os.list_geofences`, ...
    pub name: &'static str,
    /// The operation's id in its document (`get_sim` of `v1.get_sim`), as
    /// the pipeline names it.
    #[serde(skip)]
    pub id: &'static str,
    #[serde(skip)]
    pub(crate) version: ApiVersion,
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The path below the base URL, with `{parameters}`.
    pub path: &'static str,
    /// What it does, as documented.
    pub summary: &'static str,
    /// Its path and query parameters.
    pub parameters: &'static [Parameter],
    /// Its JSON body, when it takes one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Whether it changes anything (not a GET).
    pub write: bool,
    /// What it costs (of a write; a read costs nothing), from [`crate::writes`].
    #[serde(skip)]
    pub cost: Cost,
    /// The fields of its body that hold secrets.
    #[serde(skip)]
    pub secrets: &'static [&'static str],
}

/// One parameter of an operation.
#[derive(Clone, Debug, Serialize)]
pub struct Parameter {
    /// Its name, as the API spells it.
    pub name: &'static str,
    /// `path` or `query`.
    #[serde(rename = "in")]
    pub location: &'static str,
    /// Whether the operation needs it.
    pub required: bool,
    /// `string`, `integer`, `number`, `boolean` or `array`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The values it takes, when the documents list them.
    #[serde(rename = "enum", skip_serializing_if = "<[_]>::is_empty")]
    pub values: &'static [&'static str],
    /// The smallest number it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    /// The largest number it takes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// For an array in the query: one `name=value` pair per item (else
    /// the items joined by commas).
    #[serde(skip)]
    pub explode: bool,
}

/// An operation's JSON body.
#[derive(Clone, Debug, Serialize)]
pub struct Body {
    /// Whether the operation needs one.
    pub required: bool,
    /// `object` or `array` (empty when the documents do not say).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The documents' name of its model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'static str>,
    /// Its JSON schema as documented, references resolved (JSON text).
    #[serde(skip)]
    pub schema: &'static str,
}

/// The catalogues of the compiled versions, in version order.
const VERSIONS: &[&[Operation]] = api::every_version!(OPERATIONS);

/// Every documented operation of the compiled versions, in version order.
pub fn all() -> impl Iterator<Item = &'static Operation> {
    VERSIONS.iter().flat_map(|ops| ops.iter())
}

/// How many operations [`all`] gives.
pub fn count() -> usize {
    VERSIONS.iter().map(|ops| ops.len()).sum()
}

/// The operation named `name` (`v1.get_sim`).
pub fn find(name: &str) -> Option<&'static Operation> {
    all().find(|op| op.name == name)
}

/// The operations whose name, path or summary holds `word` (any case).
pub fn search(word: &str) -> Vec<&'static Operation> {
    let word = word.to_lowercase();
    all()
        .filter(|op| {
            [op.name, op.path, op.summary]
                .iter()
                .any(|field| field.to_lowercase().contains(&word))
        })
        .collect()
}

/// The JSON schema of `op`'s body as documented, its references resolved.
pub fn body_schema(op: &Operation) -> Option<serde_json::Value> {
    let body = op.body.as_ref()?;
    serde_json::from_str(body.schema).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::writes::{FREE, SMS, TOP_UP};

    #[test]
    fn every_operation_is_read_with_its_parameters_body_and_cost() {
        // One entry per operation of each version's path table.
        let paths = api::generated::PATHS.len()
            + api::generated_v2::PATHS.len()
            + api::generated_os::PATHS.len();
        assert_eq!(count(), paths);
        assert_eq!(all().count(), count());
        let get_sim = find("v1.get_sim").unwrap();
        assert_eq!((get_sim.method, get_sim.id), ("GET", "get_sim"));
        assert!(!get_sim.write);
        let iccid = &get_sim.parameters[0];
        assert_eq!((iccid.name, iccid.location), ("iccid", "path"));
        assert!(iccid.required);
        let top_up = find("v1.top_up_sim").unwrap();
        assert!(top_up.write);
        assert_eq!(top_up.cost, TOP_UP);
        assert_eq!(find("v2.send_sms").unwrap().cost, SMS);
        assert_eq!(get_sim.cost, FREE);
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

    #[test]
    fn secret_fields_come_with_their_operation() {
        let secrets: Vec<_> = all().filter(|op| !op.secrets.is_empty()).collect();
        assert!(!secrets.is_empty());
        for op in secrets {
            let body = body_schema(op).unwrap().to_string();
            for field in op.secrets {
                assert!(
                    body.contains(&format!("\"{field}\"")),
                    "{}: {field}",
                    op.name
                );
            }
        }
    }
}
