//! The one redaction of secrets in JSON: which fields hold a secret. The
//! names come from the models (codegen's `SECRET_FIELDS`: every field the
//! normaliser typed `Secret`), plus the documented names of credentials
//! the models do not type: a webhook's `Authorization` header, passwords,
//! tokens, API keys. MCP's tool results and `onence api call`'s printed
//! answers use it; the mark a secret reads as, [`REDACTED`], is the
//! transport's, which every `Debug` of a secret prints too.

use serde_json::Value;

use crate::api;
pub use crate::transport::redact::REDACTED;

/// Names of credentials beyond the models' own secret fields (compared in
/// lower case, letters and digits only): a pre-shared key under its usual
/// names, passwords, client secrets, tokens, API keys and authorization
/// headers (a webhook's `Authorization` among them).
const CREDENTIAL_NAMES: &[&str] = &[
    "psk",
    "presharedkey",
    "password",
    "secret",
    "clientsecret",
    "token",
    "accesstoken",
    "apikey",
    "xapikey",
    "authorization",
    "proxyauthorization",
];

/// The secret fields of the compiled versions' models (camelCase letters
/// and digits, so a plain name compares with them ignoring case).
const MODEL_SECRETS: &[&[&str]] = api::every_version!(SECRET_FIELDS);

/// `name` in lower case, letters and digits only (`X-Api-Key` → `xapikey`).
fn plain(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a field of this name holds a secret: a field the models type
/// `Secret` (the pre-shared key `secretKey`, Mender's `privateKey` and
/// `tenantToken`, Tartabit's `webhookKey`, an AWS integration's `jwt`), or
/// a usual name of a credential, in any case and spelling
/// (`client_secret`, `X-Api-Key`).
pub fn is_secret_field(name: &str) -> bool {
    let name = plain(name);
    CREDENTIAL_NAMES.contains(&name.as_str())
        || MODEL_SECRETS
            .iter()
            .flat_map(|fields| fields.iter())
            .any(|field| field.eq_ignore_ascii_case(&name))
}

/// `value` with the value of every secret field replaced by [`REDACTED`],
/// at any depth. A secret is a value (text, a number, a list); an object
/// under a secret's name (the schema describing one) is not, and stays
/// readable.
pub fn redacted(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(redacted).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| match v {
                    Value::String(_) | Value::Number(_) | Value::Array(_)
                        if is_secret_field(&k) =>
                    {
                        (k, Value::String(REDACTED.into()))
                    }
                    other => (k, redacted(other)),
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_models_secret_fields_and_the_usual_credentials_are_redacted() {
        // From the models: every field the normaliser typed `Secret`.
        #[cfg(feature = "os")]
        for field in [
            "secretKey",
            "privateKey",
            "tenantToken",
            "webhookKey",
            "jwt",
        ] {
            assert!(api::generated_os::SECRET_FIELDS.contains(&field), "{field}");
            assert!(is_secret_field(field), "{field}");
        }
        for name in ["Authorization", "client_secret", "X-Api-Key", "password"] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in ["iccid", "label", "secretKeyLength", "name"] {
            assert!(!is_secret_field(name), "{name}");
        }
        let value = serde_json::json!({
            "iccid": "8988280666000000001",
            "headers": [{ "Authorization": "Bearer abc" }],
            "secretKey": { "type": "string" },
            "nested": { "tenantToken": "t0k" },
        });
        let shown = redacted(value).to_string();
        assert!(!shown.contains("abc") && !shown.contains("t0k"), "{shown}");
        assert!(shown.contains("8988280666000000001"), "{shown}");
        assert!(
            shown.contains("\"type\":\"string\""),
            "a schema stays readable: {shown}"
        );
    }
}
