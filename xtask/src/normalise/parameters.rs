//! Rule: a string parameter whose description lists its values is an enum
//! of them (see [`listed_values_are_an_enum`]).

use serde_json::{json, Value};

use super::for_each_operation;

/// The values a description lists as `<li>…</li>` items, when every item is
/// one plain word (`LWM2M`, `COAP`): a list of sentences is no enum.
fn listed_values(description: &str) -> Option<Vec<String>> {
    let values: Vec<String> = description
        .split("<li>")
        .skip(1)
        .filter_map(|item| item.split("</li>").next())
        .map(|v| v.trim().to_string())
        .collect();
    let plain = |v: &String| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    (values.len() >= 2 && values.iter().all(plain)).then_some(values)
}

/// Rule: a string parameter without an enum whose description lists its
/// values (1NCE OS's `protocol`: "<ul><li>LWM2M</li><li>UDP</li><li>COAP</li></ul>")
/// takes only those values, so a typo in a protocol is refused before
/// sending. The enum is marked `x-onence-from-description`.
pub fn listed_values_are_an_enum(doc: &mut Value) {
    for_each_operation(doc, |_, _, op| {
        for parameter in op
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(values) = parameter
                .get("description")
                .and_then(Value::as_str)
                .and_then(listed_values)
            else {
                continue;
            };
            let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
                continue;
            };
            if schema.get("type") != Some(&json!("string")) || schema.contains_key("enum") {
                continue;
            }
            schema.insert("enum".into(), json!(values));
            schema.insert("x-onence-from-description".into(), json!(true));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::test_support::*;

    #[test]
    fn a_parameter_whose_description_lists_its_values_takes_only_them() {
        let param = |name: &str, description: &str, schema: Value| json!({ "name": name, "in": "query", "description": description, "schema": schema });
        let mut d = doc(
            json!({ "/d": { "get": { "operationId": "d", "responses": {}, "parameters": [
                param("protocol", "Only: <ul><li>LWM2M</li><li>UDP</li><li>COAP</li></ul>", json!({ "type": "string" })),
                param("savings", "<ul><li>UDP</li><li>COAP</li></ul>", json!({ "type": "string", "enum": ["UDP"] })),
                param("note", "<ul><li>a whole sentence</li><li>another</li></ul>", json!({ "type": "string" })),
                param("size", "<ul><li>1</li><li>2</li></ul>", json!({ "type": "integer" }))
            ] } } }),
            json!({}),
        );
        listed_values_are_an_enum(&mut d);
        let params = &d["paths"]["/d"]["get"]["parameters"];
        assert_eq!(params[0]["schema"]["enum"], json!(["LWM2M", "UDP", "COAP"]));
        assert_eq!(
            params[1]["schema"]["enum"],
            json!(["UDP"]),
            "a documented enum stays"
        );
        assert!(
            params[2]["schema"].get("enum").is_none(),
            "sentences are no values"
        );
        assert!(params[3]["schema"].get("enum").is_none(), "only strings");
    }
}
