//! Numbers and times: integers where the API's values are integers (ids,
//! order numbers), and timestamps kept as strings (the API's are not RFC 3339).

use serde_json::{json, Value};

use super::*;

/// Values the API sends as whole numbers although the documents say `number`:
/// (schema, property) by upstream schema name.
pub const INTEGER_PROPERTIES: &[(&str, &str)] = &[
    ("SMS-Data", "id"),
    ("SmsStatus", "id"),
    ("Type_definition_for_a_SMS", "id"),
    ("Source_Address_Type", "id"),
    ("Quota_Status", "id"),
    ("Order", "order_number"),
    ("SimsSimQuotaStatus", "id"),
    ("SMSSourceAddressType", "id"),
];

/// Parameters that are whole numbers although the documents say `number`:
/// (operationId, parameter).
pub const INTEGER_PARAMETERS: &[(&str, &str)] = &[
    ("getSmsOfSimUsingGET", "id"),
    ("cancelSmsForSimUsingDELETE", "id"),
    ("cancelSmsOfSimUsingDELETE", "id"),
];

/// Rule: timestamps stay strings. The API's timestamps are not RFC 3339
/// (`+0000` offsets, `YYYY-MM-DD HH:MM:SS`), so a `date-time` or `date` format
/// would make decoding fail; the format moves to `x-onence-format`. A
/// timestamp the document types as an `object` (1NCE OS's credit expiry) is
/// a string, as its example shows: typify cannot read an object with a
/// date format at all.
pub fn timestamps_stay_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let timed = matches!(
                map.get("format").and_then(Value::as_str),
                Some("date-time" | "date")
            );
            if timed && map.get("type").and_then(Value::as_str) == Some("object") {
                map.insert("type".into(), json!("string"));
            }
            let is_time = map.get("type").and_then(Value::as_str) == Some("string") && timed;
            if is_time {
                if let Some(format) = map.remove("format") {
                    map.insert("x-onence-format".into(), format);
                }
            }
            map.values_mut().for_each(timestamps_stay_strings);
        }
        Value::Array(items) => items.iter_mut().for_each(timestamps_stay_strings),
        _ => {}
    }
}

/// Rule: integers where the API's values are integers (SMS ids, order numbers,
/// status ids), per [`INTEGER_PROPERTIES`] and [`INTEGER_PARAMETERS`].
pub fn integer_ids(doc: &mut Value) {
    fn make_integer(schema: &mut Value) {
        if schema.get("type").and_then(Value::as_str) == Some("number") {
            schema["type"] = json!("integer");
            schema["format"] = json!("int64");
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (schema, property) in INTEGER_PROPERTIES {
            if let Some(p) = schemas
                .get_mut(*schema)
                .and_then(|s| s.get_mut("properties"))
                .and_then(|p| p.get_mut(*property))
            {
                make_integer(p);
            }
        }
    }
    for_each_operation(doc, |_, _, op| {
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            for p in params {
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if INTEGER_PARAMETERS.contains(&(id.as_str(), name.as_str())) {
                    if let Some(schema) = p.get_mut("schema") {
                        make_integer(schema);
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::test_support::*;
    #[test]
    fn timestamps_lose_their_format_but_keep_it_on_record() {
        let mut v = json!({ "type": "string", "format": "date-time" });
        timestamps_stay_strings(&mut v);
        assert_eq!(
            v,
            json!({ "type": "string", "x-onence-format": "date-time" })
        );
        let mut other = json!({ "type": "string", "format": "uuid" });
        timestamps_stay_strings(&mut other);
        assert_eq!(other["format"], json!("uuid"));
    }

    #[test]
    fn sms_ids_and_order_numbers_become_integers() {
        let mut d = doc(
            json!({ "/sms/{id}": { "get": { "operationId": "getSmsOfSimUsingGET",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "number" } }],
                "responses": {} } } }),
            json!({ "Order": { "properties": { "order_number": { "type": "number", "example": 2000000001 },
                                               "invoice_amount": { "type": "string" } } },
                    "SMS-Data": { "properties": { "id": { "type": "number" } } } }),
        );
        integer_ids(&mut d);
        assert_eq!(
            d["components"]["schemas"]["Order"]["properties"]["order_number"]["type"],
            json!("integer")
        );
        assert_eq!(
            d["components"]["schemas"]["SMS-Data"]["properties"]["id"]["type"],
            json!("integer")
        );
        assert_eq!(
            d["paths"]["/sms/{id}"]["get"]["parameters"][0]["schema"]["type"],
            json!("integer")
        );
        assert_eq!(
            d["components"]["schemas"]["Order"]["properties"]["invoice_amount"]["type"],
            json!("string")
        );
    }
}
