//! Unions the generator would read wrongly: a received union of objects
//! (see [`merge_received_unions`]), and an object whose `anyOf` only says
//! which of its fields are required (see [`one_of_the_fields_required`]).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

/// A received model that is one of several objects (1NCE OS's geofence: a
/// polygon or a circle; its plugin: one per partner) is read as one object
/// holding all their fields. On the response side no field is required, so
/// serde would take any object for the first member and drop the others'
/// fields (a circle's centre and radius). The first member's definition of a
/// shared field wins; the members are listed in `x-onence-one-of`.
pub(crate) fn merge_received_unions(all: &mut Map<String, Value>, received: &BTreeSet<String>) {
    for name in received {
        let Some(members) = all
            .get(name)
            .and_then(|s| s.get("oneOf"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let members: Option<Vec<String>> = members
            .iter()
            .map(|m| {
                let r = m.get("$ref")?.as_str()?;
                r.strip_prefix("#/components/schemas/").map(str::to_string)
            })
            .collect();
        let Some(members) = members else { continue };
        let mut properties = Map::new();
        let mut all_objects = true;
        for member in &members {
            match all
                .get(member)
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
            {
                Some(props) => {
                    for (key, value) in props {
                        properties
                            .entry(key.clone())
                            .or_insert_with(|| value.clone());
                    }
                }
                None => all_objects = false,
            }
        }
        if !all_objects {
            continue;
        }
        if let Some(schema) = all.get_mut(name).and_then(Value::as_object_mut) {
            schema.remove("oneOf");
            schema.insert("type".into(), json!("object"));
            schema.insert("properties".into(), Value::Object(properties));
            schema.insert("x-onence-one-of".into(), json!(members));
        }
    }
}

/// Rule: an object whose `anyOf` (or `oneOf`) members only say which of its
/// own fields is required ("name, or template, or ...": 1NCE OS's template
/// update) is the object with every field optional. typify would make it an
/// enum of one-field variants, so an update could change one field only.
/// The alternatives are kept in `x-onence-at-least-one-of`.
pub fn one_of_the_fields_required(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for schema in schemas.values_mut() {
        let Some(object) = schema.as_object_mut() else {
            continue;
        };
        let Some(properties) = object.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let properties: BTreeSet<String> = properties.keys().cloned().collect();
        for key in ["anyOf", "oneOf"] {
            let Some(members) = object.get(key).and_then(Value::as_array) else {
                continue;
            };
            let only_required = members.iter().all(|m| {
                m.as_object().is_some_and(|m| {
                    m.keys().all(|k| k == "required" || k == "type")
                        && m["required"].as_array().is_some_and(|r| {
                            r.iter()
                                .all(|f| f.as_str().is_some_and(|f| properties.contains(f)))
                        })
                })
            });
            if !only_required {
                continue;
            }
            let fields: Vec<Value> = members
                .iter()
                .flat_map(|m| m["required"].as_array().cloned().unwrap_or_default())
                .collect();
            object.remove(key);
            object.insert("x-onence-at-least-one-of".into(), Value::Array(fields));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An update that needs one field or more is one struct of optional
    /// fields, not an enum of one-field variants.
    #[test]
    fn alternatives_of_required_fields_leave_one_object() {
        let mut doc = json!({ "components": { "schemas": {
            "Update": { "type": "object",
                "properties": { "name": { "type": "string" }, "status": { "type": "string" } },
                "anyOf": [ { "required": ["name"], "type": "object" }, { "required": ["status"] } ] },
            "Other": { "type": "object", "properties": { "a": {} },
                "anyOf": [ { "required": ["a"] }, { "properties": { "b": {} } } ] }
        } } });
        one_of_the_fields_required(&mut doc);
        let update = &doc["components"]["schemas"]["Update"];
        assert!(update.get("anyOf").is_none());
        assert_eq!(
            update["x-onence-at-least-one-of"],
            json!(["name", "status"])
        );
        assert!(doc["components"]["schemas"]["Other"].get("anyOf").is_some());
    }

    /// A circle read through the polygon-or-circle geofence keeps its centre
    /// and radius; a union with a member that is no object stays as it is.
    #[test]
    fn a_received_union_holds_every_members_fields() {
        let mut all: Map<String, Value> = serde_json::from_value(json!({
            "Geofence": { "oneOf": [
                { "$ref": "#/components/schemas/Polygon" },
                { "$ref": "#/components/schemas/Circle" } ] },
            "Polygon": { "properties": { "type": { "type": "string" }, "coordinates": { "type": "array" } } },
            "Circle": { "properties": { "type": { "type": "integer" }, "center": { "type": "array" }, "radius": { "type": "number" } } },
            "Odd": { "oneOf": [ { "$ref": "#/components/schemas/Polygon" }, { "type": "string" } ] }
        }))
        .unwrap();
        let received: BTreeSet<String> = ["Geofence", "Odd"].map(String::from).into();
        merge_received_unions(&mut all, &received);
        let geofence = &all["Geofence"];
        let fields: Vec<&String> = geofence["properties"].as_object().unwrap().keys().collect();
        assert_eq!(fields, ["center", "coordinates", "radius", "type"]);
        assert_eq!(
            geofence["properties"]["type"]["type"], "string",
            "the first member's wins"
        );
        assert_eq!(geofence["x-onence-one-of"], json!(["Polygon", "Circle"]));
        assert!(geofence.get("oneOf").is_none());
        assert!(all["Odd"].get("oneOf").is_some());
    }
}
