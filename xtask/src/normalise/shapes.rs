//! Shapes: every operation says everything itself (shared parts inlined),
//! a `oneOf` of objects is their union, and inline objects get names of
//! their own so typify never merges two different ones.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::*;
use crate::Failure;

/// Rule: every operation says everything itself. Parameters, responses and
/// request bodies shared through `components/parameters`, `responses` and
/// `requestBodies` (the v2 document's `PageParam`, `NotFound`, ...) are
/// copied into each operation that refers to them, and those sections go:
/// the other rules then see one shape everywhere. A reference to a missing
/// part is refused.
pub fn inline_shared_parts(doc: &mut Value) -> Result<(), Failure> {
    let mut shared = Map::new();
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        for section in ["parameters", "responses", "requestBodies"] {
            if let Some(Value::Object(parts)) = components.remove(section) {
                for (name, part) in parts {
                    shared.insert(format!("#/components/{section}/{name}"), part);
                }
            }
        }
    }
    let mut missing = None;
    for_each_operation(doc, |method, path, op| {
        let mut resolve = |value: &mut Value| {
            let Some(r) = value.get("$ref").and_then(Value::as_str) else {
                return;
            };
            if !r.starts_with("#/components/schemas/") {
                match shared.get(r) {
                    Some(part) => *value = part.clone(),
                    None => {
                        missing.get_or_insert(format!(
                            "{} {path}: {r} is not defined",
                            method.to_uppercase()
                        ));
                    }
                }
            }
        };
        for param in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            resolve(param);
        }
        for (_, response) in op
            .get_mut("responses")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            resolve(response);
        }
        if let Some(body) = op.get_mut("requestBody") {
            resolve(body);
        }
    });
    match missing {
        Some(m) => Err(Failure::Normalise(m)),
        None => Ok(()),
    }
}

/// Rule: a `oneOf` of objects is one object holding all their properties.
/// The documents offer some answers as one of several objects whose fields
/// are all optional (an event's `detail`: a location, a PDP context, a quota
/// or a VPN); serde would take any object for the first of them and drop the
/// fields of the others. The union keeps every field: it becomes the
/// component `{Model}{Property}`, every field optional, its members listed
/// in `x-onence-one-of`; a member nothing else refers to any more is
/// removed. Where members define a field differently, the first member's
/// definition is kept if the JSON types agree; if they do not, the document
/// is refused. Nested unions are merged innermost first.
pub fn merge_one_of_objects(doc: &mut Value) -> Result<(), Failure> {
    let mut members_seen = BTreeSet::new();
    for _ in 0..8 {
        let unions = one_of_unions(doc)?;
        if unions.is_empty() {
            break;
        }
        let Some(all) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        else {
            return Ok(());
        };
        for (model, property, name, union) in unions {
            if all.contains_key(&name) {
                return Err(Failure::Normalise(format!(
                    "the union of {model}.{property} would be named {name}, which is taken"
                )));
            }
            for member in union["x-onence-one-of"].as_array().into_iter().flatten() {
                members_seen.insert(member.as_str().unwrap_or_default().to_string());
            }
            all[&model]["properties"][&property] =
                json!({ "$ref": format!("#/components/schemas/{name}") });
            all.insert(name, union);
        }
    }
    // Members only the unions referred to go, until none is left.
    loop {
        let mut referenced = BTreeSet::new();
        collect_refs(doc, &mut referenced);
        let unused: Vec<&String> = members_seen
            .iter()
            .filter(|m| !referenced.contains(*m))
            .collect();
        let Some(all) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        else {
            return Ok(());
        };
        let before = all.len();
        for member in unused {
            all.remove(member);
        }
        if all.len() == before {
            return Ok(());
        }
    }
}

/// The `oneOf`s of objects whose members hold no `oneOf` themselves, as
/// (model, property, union name, union schema).
pub(crate) fn one_of_unions(doc: &Value) -> Result<Vec<(String, String, String, Value)>, Failure> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let resolve = |member: &Value| -> (String, Value) {
        match member
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => (
                name.to_string(),
                schemas.get(name).cloned().unwrap_or(Value::Null),
            ),
            None => (String::new(), member.clone()),
        }
    };
    let mut unions = Vec::new();
    for (model, schema) in &schemas {
        for (property, sub) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(members) = sub.get("oneOf").and_then(Value::as_array) else {
                continue;
            };
            let members: Vec<(String, Value)> = members.iter().map(resolve).collect();
            let fields_of = |m: &Value| m.get("properties").and_then(Value::as_object).cloned();
            if members.iter().any(|(_, m)| fields_of(m).is_none()) {
                continue; // not all objects: left to typify
            }
            let nested = members.iter().any(|(_, m)| {
                fields_of(m)
                    .unwrap_or_default()
                    .values()
                    .any(|f| f.get("oneOf").is_some())
            });
            if nested {
                continue; // merged on a later pass
            }
            let mut properties = Map::new();
            for (_, member) in &members {
                for (field, definition) in fields_of(member).unwrap_or_default() {
                    match properties.get(&field) {
                        None => {
                            properties.insert(field, definition);
                        }
                        Some(kept)
                            if kept.get("type") == definition.get("type")
                                && kept.get("$ref") == definition.get("$ref") => {}
                        Some(_) => {
                            return Err(Failure::Normalise(format!(
                                "{model}.{property}: its oneOf members define {field} as different types"
                            )))
                        }
                    }
                }
            }
            let names: Vec<Value> = members
                .iter()
                .filter(|(n, _)| !n.is_empty())
                .map(|(n, _)| json!(n))
                .collect();
            let mut union = json!({
                "type": "object",
                "properties": properties,
                "x-onence-one-of": names,
            });
            if let Some(description) = sub.get("description") {
                union["description"] = description.clone();
            }
            let name = format!("{model}{}", pascal(property));
            unions.push((model.clone(), property.clone(), name, union));
        }
    }
    Ok(unions)
}

/// Rule: unique type names. Every inline object schema inside a component
/// becomes a component of its own, named after its property (`currency` →
/// `Currency`); where different schemas would get the same name, each is named
/// after its parent too (`LocationCountry`, `OperatorCountry`). Identical
/// schemas share one component. This is what stops two different `Country`
/// objects from being merged into one type.
pub fn hoist_inline_objects(doc: &mut Value) -> Result<(), Failure> {
    // Deepest first: each pass hoists the inline objects that hold no inline
    // object themselves, so nested ones surface one level per pass.
    for _ in 0..16 {
        let Some(schemas) = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return Ok(());
        };
        let mut found: Vec<InlineObject> = Vec::new();
        for (name, schema) in schemas {
            let pointer = format!("/components/schemas/{}", escape(name));
            let model = new_type_name(name).unwrap_or_else(|| name.clone());
            find_inline_leaves(schema, &[model.as_str()], &pointer, &mut found);
        }
        if found.is_empty() {
            return Ok(());
        }
        // A name claimed by different schemas, or by an existing component, is qualified by the parent's name.
        let mut claims: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &found {
            claims
                .entry(pascal(&f.property))
                .or_default()
                .insert(f.schema.to_string());
        }
        // Existing components, under the Rust names they will have after [`rename_types`].
        let existing: BTreeSet<String> = schemas
            .keys()
            .map(|k| new_type_name(k).unwrap_or_else(|| pascal(k)))
            .collect();
        let mut new_components: BTreeMap<String, Value> = BTreeMap::new();
        let mut assignments: Vec<(String, String)> = Vec::new();
        let mut qualified: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &found {
            qualified
                .entry(format!("{}{}", pascal(&f.parent), pascal(&f.property)))
                .or_default()
                .insert(f.schema.to_string());
        }
        // Identical schemas share the name their first occurrence gets.
        let mut named: BTreeMap<String, String> = BTreeMap::new();
        for f in &found {
            let plain = pascal(&f.property);
            let by_parent = format!("{}{}", pascal(&f.parent), plain);
            let candidate = if claims[&plain].len() == 1 && !existing.contains(&plain) {
                plain
            } else if qualified[&by_parent].len() == 1 && !existing.contains(&by_parent) {
                by_parent
            } else {
                // Still ambiguous: named after its whole lineage, model first.
                f.lineage.iter().map(|l| pascal(l)).collect::<String>() + &plain
            };
            let name = named
                .entry(f.schema.to_string())
                .or_insert(candidate)
                .clone();
            if new_components.get(&name) == Some(&f.schema) {
                assignments.push((f.pointer.clone(), name));
                continue;
            }
            if new_components
                .get(&name)
                .is_some_and(|prev| *prev != f.schema)
                || existing.contains(&name)
            {
                return Err(Failure::Normalise(format!(
                    "two different schemas would both be named {name}"
                )));
            }
            new_components.insert(name.clone(), f.schema.clone());
            assignments.push((f.pointer.clone(), name));
        }
        for (pointer, name) in assignments {
            if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = json!({ "$ref": format!("#/components/schemas/{name}") });
            }
        }
        let all = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
            .expect("checked above");
        all.extend(new_components);
    }
    Err(Failure::Normalise(
        "inline schemas are nested too deeply to name".into(),
    ))
}

struct InlineObject {
    pointer: String,
    /// The model and the properties leading to the parent.
    lineage: Vec<String>,
    parent: String,
    property: String,
    schema: Value,
}

fn find_inline_leaves(
    schema: &Value,
    lineage: &[&str],
    pointer: &str,
    found: &mut Vec<InlineObject>,
) {
    for (prop, sub) in schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let here = format!("{pointer}/properties/{}", escape(prop));
        let (target, at, property) = match sub.get("items") {
            Some(items) if sub.get("type").and_then(Value::as_str) == Some("array") => {
                (items, format!("{here}/items"), format!("{prop}_item"))
            }
            _ => (sub, here, prop.clone()),
        };
        if !is_inline_object(target) {
            continue;
        }
        if has_inline_object(target) {
            let mut deeper = lineage.to_vec();
            deeper.push(&property);
            find_inline_leaves(target, &deeper, &at, found);
        } else {
            found.push(InlineObject {
                pointer: at,
                lineage: lineage.iter().map(|l| l.to_string()).collect(),
                parent: lineage.last().copied().unwrap_or_default().to_string(),
                property,
                schema: target.clone(),
            });
        }
    }
}

pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

pub(crate) fn is_inline_object(schema: &Value) -> bool {
    schema.get("$ref").is_none() && schema.get("properties").is_some_and(Value::is_object)
}

pub(crate) fn has_inline_object(schema: &Value) -> bool {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .any(|(_, p)| is_inline_object(p) || p.get("items").is_some_and(is_inline_object))
}

/// Rule: a default fits its schema. 1NCE OS gives an array of protocols
/// the default `"COAP"`, a string; typify refuses the whole document for it.
/// A default of another JSON type than its schema's moves to
/// `x-onence-default`, where it stays on record.
pub fn defaults_fit_their_schemas(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let fits = match (map.get("type").and_then(Value::as_str), map.get("default")) {
                (_, None) | (None, _) => true,
                (Some(kind), Some(default)) => match kind {
                    "string" => default.is_string(),
                    "integer" => default.is_i64() || default.is_u64(),
                    "number" => default.is_number(),
                    "boolean" => default.is_boolean(),
                    "array" => default.is_array(),
                    "object" => default.is_object(),
                    _ => true,
                },
            };
            if !fits {
                if let Some(default) = map.remove("default") {
                    map.insert("x-onence-default".into(), default);
                }
            }
            map.values_mut().for_each(defaults_fit_their_schemas);
        }
        Value::Array(items) => items.iter_mut().for_each(defaults_fit_their_schemas),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::test_support::*;

    #[test]
    fn a_default_of_another_type_is_kept_on_record_only() {
        let mut v = json!({ "type": "array", "items": { "type": "string" }, "default": "COAP",
                            "properties": { "n": { "type": "integer", "default": 10 } } });
        defaults_fit_their_schemas(&mut v);
        assert_eq!(v.get("default"), None);
        assert_eq!(v["x-onence-default"], "COAP");
        assert_eq!(
            v["properties"]["n"]["default"], 10,
            "a fitting default stays"
        );
    }
    #[test]
    fn shared_parameters_and_responses_are_inlined_and_a_dangling_one_refused() {
        let mut d = doc(
            json!({ "/x": { "get": { "operationId": "get_x",
                "parameters": [{ "$ref": "#/components/parameters/Page" }],
                "responses": { "404": { "$ref": "#/components/responses/NotFound" } } } } }),
            json!({}),
        );
        d["components"]["parameters"] =
            json!({ "Page": { "name": "page", "in": "query", "schema": { "type": "integer" } } });
        d["components"]["responses"] = json!({ "NotFound": { "description": "gone" } });
        inline_shared_parts(&mut d).unwrap();
        let op = &d["paths"]["/x"]["get"];
        assert_eq!(op["parameters"][0]["name"], json!("page"));
        assert_eq!(op["responses"]["404"]["description"], json!("gone"));
        assert!(d["components"].get("parameters").is_none());

        let mut dangling = doc(
            json!({ "/x": { "get": { "operationId": "get_x",
                "parameters": [{ "$ref": "#/components/parameters/Nope" }], "responses": {} } } }),
            json!({}),
        );
        let e = inline_shared_parts(&mut dangling).unwrap_err();
        assert!(
            e.to_string().contains("#/components/parameters/Nope"),
            "{e}"
        );
    }

    /// The event `detail` of v2: serde would read any object as the first
    /// member; the union keeps every member's fields, innermost first.
    #[test]
    fn a_one_of_of_objects_becomes_their_union() {
        let mut d = doc(
            json!({}),
            json!({
                "Event": { "type": "object", "properties": { "detail": { "oneOf": [
                    { "$ref": "#/components/schemas/Location" }, { "$ref": "#/components/schemas/Quota" } ] } } },
                "Location": { "type": "object", "properties": { "id": { "type": "integer" }, "name": { "type": "string" } } },
                "Quota": { "type": "object", "required": ["value"], "properties": {
                    "id": { "type": "integer", "format": "int32" },
                    "value": { "oneOf": [{ "$ref": "#/components/schemas/A" }, { "$ref": "#/components/schemas/B" }] } } },
                "A": { "type": "object", "properties": { "volume": { "type": "number" } } },
                "B": { "type": "object", "properties": { "left": { "type": "number" } } },
            }),
        );
        merge_one_of_objects(&mut d).unwrap();
        let schemas = &d["components"]["schemas"];
        assert_eq!(
            schemas["Event"]["properties"]["detail"]["$ref"],
            json!("#/components/schemas/EventDetail")
        );
        let fields: BTreeSet<&String> = schemas["EventDetail"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            fields.into_iter().cloned().collect::<Vec<_>>(),
            ["id", "name", "value"]
        );
        assert_eq!(
            schemas["EventDetail"]["properties"]["value"]["$ref"],
            json!("#/components/schemas/QuotaValue")
        );
        assert!(schemas["QuotaValue"]["properties"].get("left").is_some());
        // The members nothing refers to any more are gone.
        for gone in ["Location", "Quota", "A", "B"] {
            assert!(schemas.get(gone).is_none(), "{gone}");
        }

        let mut clash = doc(
            json!({}),
            json!({
                "E": { "type": "object", "properties": { "d": { "oneOf": [
                    { "type": "object", "properties": { "id": { "type": "integer" } } },
                    { "type": "object", "properties": { "id": { "type": "string" } } } ] } } },
            }),
        );
        let e = merge_one_of_objects(&mut clash).unwrap_err();
        assert!(e.to_string().contains("E.d"), "{e}");
    }

    /// Two inline objects alike in name and parent get their whole lineage.
    #[test]
    fn inline_objects_still_ambiguous_are_named_by_their_lineage() {
        let cgi = |t: &str| json!({ "type": "object", "properties": { "lac": { "type": t } } });
        let uli = |t: &str| json!({ "type": "object", "properties": { "cgi": cgi(t) } });
        let mut d = doc(
            json!({}),
            json!({
                "SimsPdpContext": { "type": "object", "properties": { "uli": uli("string") } },
                "Detail": { "type": "object", "properties": { "pdp": { "type": "object", "properties": { "uli": uli("integer") } } } },
            }),
        );
        hoist_inline_objects(&mut d).unwrap();
        let schemas = &d["components"]["schemas"];
        // Named after the model's idiomatic name (SimsPdpContext is PdpContext).
        assert_eq!(schemas["PdpContextUliCgi"], cgi("string"));
        assert_eq!(schemas["DetailPdpUliCgi"], cgi("integer"));
    }

    #[test]
    fn two_different_country_objects_stay_two_types() {
        let country_a = json!({ "title": "Country", "type": "object", "properties": { "country_id": { "type": "string" } } });
        let country_b = json!({ "title": "Country", "type": "object", "properties": { "id": { "type": "string" } } });
        let currency = json!({ "title": "Currency", "type": "object", "properties": { "code": { "type": "string" } } });
        let mut d = doc(
            json!({}),
            json!({
                "Location": { "type": "object", "properties": {
                    "country": country_a.clone(),
                    "operator": { "title": "Operator", "type": "object", "properties": { "country": country_b.clone() } } } },
                "Data": { "type": "object", "properties": { "currency": currency.clone() } },
                "SmsUsage": { "type": "object", "properties": { "currency": currency.clone() } },
            }),
        );
        hoist_inline_objects(&mut d).unwrap();
        let schemas = &d["components"]["schemas"];
        assert_eq!(schemas["LocationCountry"], country_a);
        assert_eq!(schemas["OperatorCountry"], country_b);
        assert_eq!(
            schemas["Operator"]["properties"]["country"]["$ref"],
            json!("#/components/schemas/OperatorCountry")
        );
        assert_eq!(
            schemas["Location"]["properties"]["operator"]["$ref"],
            json!("#/components/schemas/Operator")
        );
        // Identical schemas share one type.
        assert_eq!(schemas["Currency"], currency);
        assert_eq!(
            schemas["SmsUsage"]["properties"]["currency"]["$ref"],
            json!("#/components/schemas/Currency")
        );
        assert!(schemas.get("Country").is_none());
    }
}
