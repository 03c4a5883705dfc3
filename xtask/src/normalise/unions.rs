//! Rule: a received union is one object (see [`merge_received_unions`]).

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

#[cfg(test)]
mod tests {
    use super::*;

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
