//! Secrets: the fields that hold one (a device's pre-shared key, Mender's
//! private key and tenant token, Tartabit's webhook key, an AWS
//! integration's JWT) are `onence::Secret` in the models, so that no
//! model's `Debug` shows them. The documented bounds stay in the document,
//! where the request checks read them (`codegen::secret_table`).

use serde_json::{json, Value};

/// The properties that hold a secret, wherever a model has them.
pub const SECRET_PROPERTIES: &[&str] = &[
    "secretKey",
    "privateKey",
    "tenantToken",
    "webhookKey",
    "jwt",
];

pub use crate::codegen::SECRET_TYPE;

/// The mark that makes typify use [`SECRET_TYPE`].
pub fn secret_mark() -> Value {
    json!({ "crate": "onence", "version": "*", "path": SECRET_TYPE })
}

/// Rule: every string property named in [`SECRET_PROPERTIES`], in any
/// schema of the document, is a [`SECRET_TYPE`] (`x-rust-type`).
pub fn secrets_are_secret(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                for (name, schema) in properties.iter_mut() {
                    let text = schema.get("type").and_then(Value::as_str) == Some("string");
                    if text && SECRET_PROPERTIES.contains(&name.as_str()) {
                        schema["x-rust-type"] = secret_mark();
                    }
                }
            }
            map.values_mut().for_each(secrets_are_secret);
        }
        Value::Array(items) => items.iter_mut().for_each(secrets_are_secret),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_strings_are_marked_in_any_schema_and_keep_their_bounds() {
        let mut doc = json!({ "components": { "schemas": {
            "NewPreSharedKey": { "properties": {
                "secretKey": { "type": "string", "minLength": 8, "maxLength": 256 },
                "format": { "type": "string" } } },
            "Import": { "type": "array", "items": { "properties": {
                "secretKey": { "type": "string" } } } },
            "Odd": { "properties": { "jwt": { "type": "number" } } } } } });
        secrets_are_secret(&mut doc);
        let schemas = &doc["components"]["schemas"];
        let key = &schemas["NewPreSharedKey"]["properties"]["secretKey"];
        assert_eq!(key["x-rust-type"]["path"], SECRET_TYPE);
        assert_eq!(key["minLength"], 8, "the bound stays on record");
        assert!(schemas["NewPreSharedKey"]["properties"]["format"]
            .get("x-rust-type")
            .is_none());
        assert_eq!(
            schemas["Import"]["items"]["properties"]["secretKey"]["x-rust-type"]["path"],
            SECRET_TYPE
        );
        assert!(
            schemas["Odd"]["properties"]["jwt"]
                .get("x-rust-type")
                .is_none(),
            "only text is a secret"
        );
    }
}
