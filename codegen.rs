//! Code generation shared by `build.rs` and `cargo xtask`.
//!
//! `build.rs` includes this file with `#[path]`, so the crate's build and the
//! `refresh-spec` checks run progenitor with exactly the same settings. A spec
//! that would make progenitor panic is caught here and reported as an error,
//! so `refresh-spec` refuses it before it can reach `spec/` and break the build.

use std::panic::{self, AssertUnwindSafe};

use serde_json::Value;

/// The form a family's document comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Swagger 2.0: converted to OpenAPI 3 by `xtask::convert`.
    Swagger2,
    /// OpenAPI 3.0: used as it is.
    OpenApi3,
}

/// One family of the API documents 1NCE publishes, vendored in `spec/` as
/// its own source and merged, with the other families of its version, into
/// that version's one normalised document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Family {
    /// The name `refresh-spec --only` takes.
    pub name: &'static str,
    /// The vendored source, relative to `spec/`.
    pub file: &'static str,
    /// Its form.
    pub format: Format,
    /// Where 1NCE serves it, when it serves it at a stable address.
    pub url: Option<&'static str>,
}

/// One version of the API: its families, the normalised document they
/// derive, and the module generated from it (`src/api.rs` includes `out`
/// with one line). The entries of [`VERSIONS`] are the one table of the
/// API's versions: `build.rs`, `refresh-spec` (its families, `--only`,
/// `--check`) and the tests all derive from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The API version (`v1`, `v2`, `os`).
    pub version: &'static str,
    /// The families merged into this version's document, the base first.
    pub families: &'static [Family],
    /// The cargo feature that enables this version (`None`: always built).
    /// `build.rs` generates a version only when its feature is on, so a
    /// user pays in build time for the families they use.
    pub feature: Option<&'static str>,
    /// The normalised document `build.rs` reads, relative to `spec/`.
    pub openapi: &'static str,
    /// The file written to `$OUT_DIR`, which `src/api.rs` includes.
    pub out: &'static str,
    /// Where the models (open enums included) are re-exported; the
    /// replacements and `KnownValues` impls name them by this path.
    pub types_path: &'static str,
}

/// The API versions, each with its families. A new family is one
/// [`Family`] in its version's list; a new version is one entry here and
/// its lines in `src/api.rs` (CONTRIBUTING.md, "Add an API version").
pub const VERSIONS: &[Target] = &[
    Target {
        version: "v1",
        families: &[
            Family {
                name: "management-api",
                file: "management-api.swagger.json",
                format: Format::Swagger2,
                url: Some("https://api.1nce.com/management-api/api-docs"),
            },
            Family {
                name: "support-management",
                file: "support-management.openapi.json",
                format: Format::OpenApi3,
                url: None,
            },
        ],
        feature: None,
        openapi: "management-api.openapi.json",
        out: "generated.rs",
        types_path: "crate::types",
    },
    Target {
        version: "v2",
        families: &[Family {
            name: "sim-management-v2",
            file: "sim-management-v2.openapi.json",
            format: Format::OpenApi3,
            url: None,
        }],
        feature: Some("v2"),
        openapi: "management-api-v2.openapi.json",
        out: "generated_v2.rs",
        types_path: "crate::v2::types",
    },
    Target {
        version: "os",
        families: &[Family {
            name: "1nce-os",
            file: "1nce-os.openapi.json",
            format: Format::OpenApi3,
            url: None,
        }],
        feature: Some("os"),
        openapi: "management-api-os.openapi.json",
        out: "generated_os.rs",
        types_path: "crate::os::types",
    },
];

impl Target {
    /// The families merged into this version's document, the base first.
    pub fn families(&self) -> impl Iterator<Item = &'static Family> {
        self.families.iter()
    }

    /// Whether this version is built, given the enabled cargo features
    /// (`enabled("v2")` is true when the `v2` feature is on).
    pub fn is_enabled(&self, enabled: impl Fn(&str) -> bool) -> bool {
        self.feature.is_none_or(enabled)
    }
}

/// The target of the API version `version`.
pub fn target(version: &str) -> Option<&'static Target> {
    VERSIONS.iter().find(|t| t.version == version)
}

/// The Rust path of the generated client's inner session type.
const INNER_TYPE: &str = "crate::Session";

/// The Rust types of the values the normaliser marks `x-onence-type`
/// (see `xtask/src/normalise/drift.rs`): (JSON type, mark, Rust type).
pub const CONVERSIONS: &[(&str, &str, &str)] = &[
    ("integer", "lenient", "crate::models::Lenient<i64>"),
    ("number", "lenient", "crate::models::Lenient<f64>"),
    ("string", "timestamp", "crate::models::Timestamp"),
];

/// progenitor settings used for the onence client.
///
/// Builder-style calls, one merged client, an inner session type and
/// mandatory hooks (the handwritten layer implements `ClientHooks`), and,
/// with `json_schema` (the crate's `mcp` feature: only the MCP server uses
/// them), models that also derive `schemars::JsonSchema`. Values marked by the drift
/// rules get the types of [`CONVERSIONS`], and each open enum of
/// `open_enums` replaces the closed enum typify would generate.
pub fn settings(
    target: &Target,
    open_enums: &[OpenEnum],
    json_schema: bool,
) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(INNER_TYPE.parse().expect("inner type is a Rust path"))
        .with_hooks(progenitor::HooksMode::Expected)
        // `x-rust-type` marks naming `onence::` (secrets) use the crate's own
        // types; the crate is `onence` to itself through `extern crate self`.
        .with_crate("onence", progenitor::CrateVers::Any, None);
    if json_schema {
        settings.with_derive("schemars::JsonSchema");
    }
    for (json_type, mark, rust_type) in CONVERSIONS {
        let instance = match *json_type {
            "integer" => schemars::schema::InstanceType::Integer,
            "number" => schemars::schema::InstanceType::Number,
            _ => schemars::schema::InstanceType::String,
        };
        let schema = schemars::schema::SchemaObject {
            instance_type: Some(instance.into()),
            extensions: [("x-onence-type".to_string(), Value::from(*mark))]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        let impls = [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr];
        settings.with_conversion(schema, rust_type, impls.into_iter());
    }
    for open in open_enums {
        let impls = [progenitor::TypeImpl::Display, progenitor::TypeImpl::FromStr];
        settings.with_replacement(
            &open.name,
            format!("{}::{}", target.types_path, open.name),
            impls.into_iter(),
        );
    }
    settings
}

/// An enum the normaliser marked `x-onence-open-enum`: its name and its
/// documented values, each with the variant name typify would give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEnum {
    /// The component's name, which is the Rust type's name.
    pub name: String,
    /// What the documents say of it.
    pub description: Option<String>,
    /// (variant, value as the API spells it).
    pub variants: Vec<(String, String)>,
}

/// The open enums of a normalised document, by component name.
pub fn open_enums(doc: &Value) -> Result<Vec<OpenEnum>, String> {
    let mut found = Vec::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if schema.get("x-onence-open-enum") != Some(&Value::Bool(true)) {
            continue;
        }
        let mut variants: Vec<(String, String)> = Vec::new();
        for value in schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let value = value
                .as_str()
                .ok_or_else(|| format!("open enum {name}: {value} is not a string"))?;
            let variant = variant_name(value)
                .ok_or_else(|| format!("open enum {name}: {value:?} gives no Rust name"))?;
            if variant == "Other" || variants.iter().any(|(v, _)| *v == variant) {
                return Err(format!(
                    "open enum {name}: {value:?} would be the variant {variant}, which is taken"
                ));
            }
            variants.push((variant, value.to_string()));
        }
        if variants.is_empty() {
            return Err(format!("open enum {name} lists no values"));
        }
        found.push(OpenEnum {
            name: name.clone(),
            description: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
            variants,
        });
    }
    Ok(found)
}

/// The variant name typify gives an enum value: words in Pascal case, an
/// all-capital word lowered after its first letter, `X` before a digit
/// (`FIRST_ORDER` → `FirstOrder`, `NB-IoT` → `NbIoT`, `2G` → `X2g`).
pub fn variant_name(value: &str) -> Option<String> {
    let mut name = String::new();
    for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        let Some(first) = chars.next() else { continue };
        name.push(first.to_ascii_uppercase());
        let rest = chars.as_str();
        if word.chars().any(|c| c.is_ascii_lowercase()) {
            name.push_str(rest);
        } else {
            name.push_str(&rest.to_ascii_lowercase());
        }
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'X');
    }
    (!name.is_empty()).then_some(name)
}

/// The Rust source defining the open enums, with the handwritten
/// `open_enum!` macro (`src/model/open_enum.rs`).
fn open_enum_source(open_enums: &[OpenEnum]) -> String {
    let mut out = String::from(
        "/// The enums of responses, kept open: a value the documents do not list decodes as `Other`.\n\
         pub mod open_enums {\n",
    );
    for open in open_enums {
        out.push_str("    crate::model::open_enum::open_enum! {\n");
        if let Some(description) = &open.description {
            out.push_str(&format!("        #[doc = {description:?}]\n"));
        }
        out.push_str(&format!("        {} {{\n", open.name));
        for (variant, value) in &open.variants {
            out.push_str(&format!(
                "            #[doc = {:?}]\n            {variant} = {value:?},\n",
                format!("`{value}`")
            ));
        }
        out.push_str("        }\n    }\n");
    }
    out.push_str("}\n");
    out
}

/// The table of every operation's path template and the kind of each path
/// parameter (`iccid`, `integer` or `text`), for the request hook that checks
/// paths before anything is sent (`src/transport/paths.rs`).
fn path_table_source(doc: &Value) -> String {
    let mut rows = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let params: Vec<String> = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    let kind = match p.pointer("/schema/type").and_then(Value::as_str) {
                        _ if name == "iccid" => "iccid",
                        Some("integer") => "integer",
                        _ => "text",
                    };
                    Some(format!("({name:?}, {kind:?})"))
                })
                .collect();
            rows.push(format!("    ({id:?}, {path:?}, &[{}]),", params.join(", ")));
        }
    }
    rows.sort();
    format!(
        "/// Every operation's path template and the kind of each path parameter, from the spec.\n\
         pub(crate) const PATHS: &[(&str, &str, &[(&str, &str)])] = &[\n{}\n];\n",
        rows.join("\n")
    )
}

/// The Rust type the normaliser gives secret fields (`x-rust-type`).
pub const SECRET_TYPE: &str = "onence::Secret";

/// The documented length bounds of every secret a request body carries:
/// (operation, field, shortest, longest), for the request hook that checks
/// them before anything is sent (`src/transport/checks.rs`); a secret's
/// type is [`SECRET_TYPE`], which cannot check them itself.
fn secret_table_source(doc: &Value) -> String {
    let mut rows = std::collections::BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for op in item.1.as_object().into_iter().flatten().map(|(_, op)| op) {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                secret_bounds(doc, schema, 0, &mut |field, min, max| {
                    rows.insert(format!("    ({id:?}, {field:?}, {min}, {max}),"));
                });
            }
        }
    }
    format!(
        "/// The length bounds of the secrets request bodies carry, from the spec.\n\
         pub(crate) const SECRETS: &[(&str, &str, u64, u64)] = &[\n{}\n];\n",
        rows.into_iter().collect::<Vec<_>>().join("\n")
    )
}

/// Every property name the normaliser typed [`SECRET_TYPE`], anywhere in
/// `doc` (request and response models alike), as the version's
/// `SECRET_FIELDS`: the redaction of tool results and printed answers
/// (`src/mcp/redact.rs`) starts from these names.
fn secret_fields_source(doc: &Value) -> String {
    fn walk(value: &Value, found: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (name, property) in properties {
                        if property
                            .pointer("/x-rust-type/path")
                            .and_then(Value::as_str)
                            == Some(SECRET_TYPE)
                        {
                            found.insert(format!("{name:?}"));
                        }
                    }
                }
                map.values().for_each(|v| walk(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut found = std::collections::BTreeSet::new();
    walk(doc, &mut found);
    format!(
        "/// The names of the fields that hold a secret in this version's models.\n\
         pub(crate) const SECRET_FIELDS: &[&str] = &[{}];\n",
        found.into_iter().collect::<Vec<_>>().join(", ")
    )
}

/// What each write costs, by operation id (in every version that has
/// it): the one table of costs, emitted into each version's module
/// (`COSTS`) for `crate::writes`, whose policy MCP's gate, the CLI's
/// confirmations and the catalogue read. The documents name no charge for
/// any other operation. Each entry names a constant of `crate::writes`.
pub const COSTS: &[(&str, &str)] = &[
    ("top_up_sim", "TOP_UP"),
    ("top_up_sims", "TOP_UP"),
    ("create_order", "ORDER"),
    ("extend_sims", "ORDER"),
    ("set_auto_top_up", "ORDER"),
    ("send_sms", "SMS"),
];

/// The rows of [`COSTS`] for the operations `doc` documents, as the
/// version's `COSTS` table of `(operation id, crate::writes::Cost)`.
fn cost_table_source(doc: &Value) -> String {
    let ids: std::collections::BTreeSet<&str> = doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(_, item)| item.as_object().into_iter().flatten())
        .filter_map(|(_, op)| op.get("operationId").and_then(Value::as_str))
        .collect();
    let rows: Vec<String> = COSTS
        .iter()
        .filter(|(id, _)| ids.contains(id))
        .map(|(id, cost)| format!("    ({id:?}, crate::writes::{cost}),"))
        .collect();
    format!(
        "/// What this version's charged writes cost (every other operation is free).\n\
         pub(crate) const COSTS: &[(&str, crate::writes::Cost)] = &[\n{}\n];\n",
        rows.join("\n")
    )
}

/// How deep a body's schema is resolved for the catalogue (the models nest
/// a few levels; deeper references are left as they are).
const SCHEMA_DEPTH: usize = 8;

/// `schema` with every `$ref` into `doc` replaced by what it names, down
/// to `depth` levels, and the pipeline's `x-` marks left out.
fn resolved(doc: &Value, schema: &Value, depth: usize) -> Value {
    match schema {
        Value::Object(map) => {
            if let (Some(target), true) = (map.get("$ref").and_then(Value::as_str), depth > 0) {
                if let Some(found) = doc.pointer(target.trim_start_matches('#')) {
                    return resolved(doc, found, depth - 1);
                }
            }
            Value::Object(
                map.iter()
                    .filter(|(k, _)| !k.starts_with("x-"))
                    .map(|(k, v)| (k.clone(), resolved(doc, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolved(doc, v, depth)).collect())
        }
        other => other.clone(),
    }
}

/// The operation catalogue (`OPERATIONS`, of `crate::catalogue::Operation`):
/// for each operation its name, method, path, summary, parameters with
/// their types and where they go, its body (with its schema resolved),
/// whether it writes, its cost (from [`COSTS`]) and its secret fields.
/// Built only with the `mcp` feature, the one that reads it; nothing
/// parses a spec at runtime.
fn catalogue_source(target: &Target, doc: &Value) -> String {
    let deref = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    let text = |v: Option<&Value>| format!("{:?}", v.and_then(Value::as_str).unwrap_or_default());
    let number = |v: Option<&Value>| match v.and_then(Value::as_f64) {
        Some(n) => format!("Some({n:?}_f64)"),
        None => "None".to_string(),
    };
    let version = match target.version {
        "v1" => "V1",
        "v2" => "V2",
        _ => "Os",
    };
    let mut rows = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let parameters: Vec<String> =
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(&deref)
                    .filter_map(|p| {
                        let schema = deref(p.get("schema").unwrap_or(&Value::Null));
                        let name = p.get("name")?.as_str()?;
                        let location = p.get("in")?.as_str()?;
                        let values: Vec<String> = schema
                            .get("enum")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter_map(|v| v.as_str().map(|v| format!("{v:?}")))
                            .collect();
                        Some(format!(
                        "crate::catalogue::Parameter {{ name: {name:?}, location: {location:?}, \
                         required: {}, kind: {:?}, values: &[{}], minimum: {}, maximum: {}, \
                         explode: {} }}",
                        p.get("required") == Some(&Value::Bool(true)),
                        schema.get("type").and_then(Value::as_str).unwrap_or("string"),
                        values.join(", "),
                        number(schema.get("minimum")),
                        number(schema.get("maximum")),
                        p.get("explode") != Some(&Value::Bool(false)),
                    ))
                    })
                    .collect();
            let body = match op.get("requestBody") {
                None => "None".to_string(),
                Some(b) => {
                    let b = deref(b);
                    let schema = b
                        .pointer("/content/application~1json/schema")
                        .cloned()
                        .unwrap_or(Value::Null);
                    let model = match schema
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                    {
                        Some(m) => format!("Some({m:?})"),
                        None => "None".to_string(),
                    };
                    let resolved = if schema.is_null() {
                        String::new()
                    } else {
                        resolved(doc, &schema, SCHEMA_DEPTH).to_string()
                    };
                    format!(
                        "Some(crate::catalogue::Body {{ required: {}, kind: {}, model: {model}, \
                         schema: {resolved:?} }})",
                        b.get("required") == Some(&Value::Bool(true)),
                        text(deref(&schema).get("type")),
                    )
                }
            };
            let mut secrets = std::collections::BTreeSet::new();
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                secret_bounds(doc, schema, 0, &mut |field, _, _| {
                    secrets.insert(format!("{field:?}"));
                });
            }
            let cost = COSTS
                .iter()
                .find(|(op, _)| *op == id)
                .map_or("FREE", |(_, cost)| cost);
            rows.push(format!(
                "    crate::catalogue::Operation {{ name: \"{}.{id}\", id: {id:?}, \
                 version: crate::catalogue::ApiVersion::{version}, method: {:?}, path: {path:?}, \
                 summary: {}, parameters: &[{}], body: {body}, write: {}, \
                 cost: crate::writes::{cost}, secrets: &[{}] }},",
                target.version,
                method.to_uppercase(),
                text(op.get("summary")),
                parameters.join(", "),
                method != "get",
                secrets.into_iter().collect::<Vec<_>>().join(", "),
            ));
        }
    }
    format!(
        "/// Every operation of this version, as the spec documents it.\n\
         #[cfg(feature = \"mcp\")]\n\
         pub(crate) const OPERATIONS: &[crate::catalogue::Operation] = &[\n{}\n];\n",
        rows.join("\n")
    )
}

/// Calls `found` with each secret field below `schema` and its bounds.
fn secret_bounds(doc: &Value, schema: &Value, depth: usize, found: &mut dyn FnMut(&str, u64, u64)) {
    if depth > 8 {
        return;
    }
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => match doc.pointer(r.trim_start_matches('#')) {
            Some(target) => target,
            None => return,
        },
        None => schema,
    };
    for (name, property) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if property
            .pointer("/x-rust-type/path")
            .and_then(Value::as_str)
            == Some(SECRET_TYPE)
        {
            let bound = |key: &str| property.get(key).and_then(Value::as_u64);
            found(
                name,
                bound("minLength").unwrap_or(0),
                bound("maxLength").unwrap_or(u64::MAX),
            );
        } else {
            secret_bounds(doc, property, depth + 1, found);
        }
    }
    for key in ["items", "oneOf", "anyOf", "allOf"] {
        match schema.get(key) {
            Some(Value::Array(parts)) => parts
                .iter()
                .for_each(|part| secret_bounds(doc, part, depth + 1, found)),
            Some(part) => secret_bounds(doc, part, depth + 1, found),
            None => {}
        }
    }
}

/// `KnownValues` for every enum parameter (typify names its type after the
/// operation and the parameter: `top_up_sim`'s `payment_method` is
/// `TopUpSimPaymentMethod`), so that tools offer the documented values typed.
fn known_values_source(target: &Target, doc: &Value) -> String {
    let mut impls = std::collections::BTreeMap::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|paths| paths.values())
    {
        for op in item.as_object().into_iter().flat_map(|ops| ops.values()) {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            for param in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(name), Some(values)) = (
                    param.get("name").and_then(Value::as_str),
                    param.pointer("/schema/enum").and_then(Value::as_array),
                ) else {
                    continue;
                };
                let values: Vec<String> = values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| format!("{v:?}"))
                    .collect();
                let type_name = format!("{}{}", pascal_words(id), pascal_words(name));
                impls.insert(
                    type_name.clone(),
                    format!(
                        "impl crate::KnownValues for {}::{type_name} {{ const VALUES: &'static [&'static str] = &[{}]; }}\n",
                        target.types_path,
                        values.join(", ")
                    ),
                );
            }
        }
    }
    impls.into_values().collect()
}

/// `top_up_sim` → `TopUpSim`, `payment_method` → `PaymentMethod`, `pageSize` → `PageSize`.
fn pascal_words(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// Generates the module of `target` from the text of its OpenAPI 3 document
/// and returns pretty-printed Rust source.
///
/// Errors, including a panic inside progenitor, come back as one line that
/// names the cause.
pub fn generate(target: &Target, openapi_json: &str) -> Result<String, String> {
    generate_with(target, openapi_json, true)
}

/// As [`generate`], deriving `schemars::JsonSchema` on the models only
/// with `json_schema`: `build.rs` asks for them when the crate's `mcp`
/// feature is on, so a plain client compiles no schema code.
pub fn generate_with(
    target: &Target,
    openapi_json: &str,
    json_schema: bool,
) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = serde_json::from_str(openapi_json)
        .map_err(|e| format!("the OpenAPI document does not parse: {e}"))?;
    let doc: Value = serde_json::from_str(openapi_json)
        .map_err(|e| format!("the OpenAPI document does not parse: {e}"))?;
    let open = open_enums(&doc)?;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&settings(target, &open, json_schema)).generate_tokens(&spec)
    }));
    let tokens = match outcome {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("progenitor rejected the document: {e}")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            return Err(format!("progenitor panicked on the document: {message}"));
        }
    };
    let used = used_builders(&tokens.to_string());
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    prune_builders(&mut file, &used);
    let extra = open_enum_source(&open)
        + &path_table_source(&doc)
        + &secret_table_source(&doc)
        + &cost_table_source(&doc)
        + &secret_fields_source(&doc)
        + &catalogue_source(target, &doc)
        + &known_values_source(target, &doc);
    let extra: syn::File = syn::parse_str(&extra)
        .map_err(|e| format!("the open enums and path table do not parse: {e}"))?;
    Ok(prettyplease::unparse(&file) + "\n" + &prettyplease::unparse(&extra))
}

/// The model builders the operations use (`types::builder::NewOrder`, for
/// a request body's `body_map`), read from the generated code's text.
fn used_builders(code: &str) -> std::collections::BTreeSet<String> {
    code.split("types :: builder :: ")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// The last identifier of a type's path (`X` of `super::X`).
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Keeps only the model builders the operations use: typify writes a
/// builder for every model (half the generated lines), and a caller builds
/// only request bodies, through the operation's `body_map`. Every other
/// builder, its impls and its model's `builder()` go, so a user compiles
/// none of them.
fn prune_builders(file: &mut syn::File, used: &std::collections::BTreeSet<String>) {
    let keep = |ty: &syn::Type| type_name(ty).is_none_or(|name| used.contains(&name));
    for item in &mut file.items {
        let syn::Item::Mod(types) = item else {
            continue;
        };
        if types.ident != "types" {
            continue;
        }
        let Some((_, items)) = types.content.as_mut() else {
            continue;
        };
        for item in items.iter_mut() {
            if let syn::Item::Mod(builder) = item {
                if builder.ident == "builder" {
                    if let Some((_, inner)) = builder.content.as_mut() {
                        inner.retain(|item| match item {
                            syn::Item::Struct(s) => used.contains(&s.ident.to_string()),
                            syn::Item::Impl(i) => keep(&i.self_ty),
                            _ => true,
                        });
                    }
                }
            }
        }
        // A model's `builder()`, when its builder is gone.
        items.retain_mut(|item| {
            let syn::Item::Impl(imp) = item else {
                return true;
            };
            if imp.trait_.is_some() || keep(&imp.self_ty) {
                return true;
            }
            imp.items
                .retain(|i| !matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "builder"));
            !imp.items.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_are_the_ones_typify_gives() {
        for (value, name) in [
            ("FIRST_ORDER", "FirstOrder"),
            ("NB-IoT", "NbIoT"),
            ("2G", "X2g"),
            ("Enabled", "Enabled"),
            ("MORE_THAN_20_PERCENT", "MoreThan20Percent"),
        ] {
            assert_eq!(variant_name(value).as_deref(), Some(name), "{value}");
        }
        assert_eq!(variant_name("--"), None);
    }

    fn doc_with(schema: Value) -> Value {
        serde_json::json!({ "components": { "schemas": { "Status": schema } } })
    }

    #[test]
    fn open_enums_are_read_from_their_mark_and_clashes_are_refused() {
        let found = open_enums(&doc_with(serde_json::json!({
            "type": "string", "enum": ["ON", "OFF"], "x-onence-open-enum": true, "description": "d"
        })))
        .unwrap();
        assert_eq!(found[0].name, "Status");
        assert_eq!(
            found[0].variants,
            [
                ("On".to_string(), "ON".to_string()),
                ("Off".into(), "OFF".into())
            ]
        );
        let unmarked = doc_with(serde_json::json!({ "type": "string", "enum": ["ON"] }));
        assert!(
            open_enums(&unmarked).unwrap().is_empty(),
            "request enums stay closed"
        );
        for bad in [
            serde_json::json!(["on-x", "ON_X"]),
            serde_json::json!(["OTHER"]),
            serde_json::json!([]),
            serde_json::json!([1]),
        ] {
            let doc = doc_with(
                serde_json::json!({ "type": "string", "enum": bad, "x-onence-open-enum": true }),
            );
            assert!(open_enums(&doc).is_err(), "{bad}");
        }
    }

    #[test]
    fn marked_values_get_the_drift_tolerant_types() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": { "title": "t", "version": "1" },
            "paths": { "/x": { "get": { "operationId": "get_x", "responses": { "200": {
                "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/X" } } } } } } } },
            "components": { "schemas": {
                "X": { "type": "object", "properties": {
                    "n": { "type": "integer", "x-onence-type": "lenient" },
                    "f": { "type": "number", "x-onence-type": "lenient" },
                    "t": { "type": "string", "x-onence-type": "timestamp" },
                    "s": { "$ref": "#/components/schemas/S" } } },
                "S": { "type": "string", "enum": ["A"], "x-onence-open-enum": true } } }
        });
        let code = generate(&VERSIONS[0], &spec.to_string()).unwrap();
        assert!(code.contains("crate::models::Lenient<i64>"), "{code}");
        assert!(code.contains("crate::models::Lenient<f64>"));
        assert!(code.contains("crate::models::Timestamp"));
        assert!(code.contains("crate::types::S"));
        assert!(code.contains("crate::model::open_enum::open_enum!"));
        assert!(code.contains("pub(crate) const PATHS"));
    }

    #[test]
    fn only_the_builders_of_request_bodies_are_kept() {
        let spec = serde_json::json!({
            "openapi": "3.0.3", "info": { "title": "t", "version": "1" },
            "paths": { "/x": {
                "get": { "operationId": "get_x", "responses": { "200": {
                    "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Answer" } } } } } },
                "post": { "operationId": "post_x",
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Asked" } } } },
                    "responses": { "201": { "description": "made" } } } } },
            "components": { "schemas": {
                "Answer": { "type": "object", "properties": { "n": { "type": "integer" } } },
                "Asked": { "type": "object", "properties": { "m": { "type": "string" } } } } }
        });
        let code = generate(&VERSIONS[0], &spec.to_string()).unwrap();
        assert!(code.contains("pub struct Asked"), "{code}");
        assert!(
            code.contains("pub fn builder() -> builder::Asked"),
            "{code}"
        );
        assert!(code.contains("types::builder::Asked"), "{code}");
        assert!(!code.contains("builder::Answer"), "{code}");
        assert!(code.contains("pub struct Answer"), "the model itself stays");
    }
}
