//! Checks of what a caller sends, made before anything is sent: bad input
//! never costs a request, and the error names what was wrong.

/// Characters in one SMS: 160 GSM characters of text (`dcs` 0 or absent),
/// 70 of UCS-2 text (`dcs` 8). The API documents no longer encoding; longer
/// texts are sent as several SMS, joined by a user data header (`udh`).
pub const SMS_TEXT_LIMIT: usize = 160;
/// Characters in one UCS-2 SMS (`dcs` 8).
pub const SMS_UCS2_LIMIT: usize = 70;
/// Characters in a SIM label, a cap of the client (the API states none).
pub const LABEL_LIMIT: usize = 255;

/// What the SMS checks read of an SMS, whichever API version's model holds it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SmsParts<'a> {
    pub(crate) payload: Option<&'a str>,
    pub(crate) dcs: Option<i64>,
    pub(crate) udh: Option<&'a str>,
}

/// An SMS the API can take: a payload of one SMS, a hexadecimal `udh`.
pub(crate) fn sms(message: SmsParts<'_>) -> Result<(), String> {
    let payload = message.payload.unwrap_or("");
    if payload.is_empty() {
        return Err("the SMS payload is empty".into());
    }
    let limit = match message.dcs {
        Some(8) => SMS_UCS2_LIMIT,
        _ => SMS_TEXT_LIMIT,
    };
    let length = payload.chars().count();
    if length > limit {
        return Err(format!(
            "the SMS payload has {length} characters; one SMS holds {limit} (send longer texts as parts joined by a udh)"
        ));
    }
    if let Some(udh) = message.udh {
        if !udh.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("the udh {udh:?} is not a hexadecimal string"));
        }
    }
    Ok(())
}

/// A label the API can take: at most [`LABEL_LIMIT`] characters, none of
/// them a control character (a newline or an escape would forge lines and
/// colours wherever the label is shown).
pub(crate) fn label(label: &str) -> Result<(), String> {
    if let Some(c) = label.chars().find(|c| c.is_control()) {
        return Err(format!(
            "the label {label:?} holds the control character {c:?}"
        ));
    }
    let length = label.chars().count();
    if length > LABEL_LIMIT {
        return Err(format!(
            "the label has {length} characters; at most {LABEL_LIMIT} are accepted"
        ));
    }
    Ok(())
}

/// One API version's secrets in request bodies: (operation, field,
/// shortest, longest), as codegen emits them (`generated_os::SECRETS`).
pub(crate) type SecretTable = &'static [(&'static str, &'static str, u64, u64)];

/// The secrets `operation`'s body carries, each within its documented
/// length (a secret is typed `Secret`, which cannot check it). The error
/// names the field and its bounds, never the value.
pub(crate) fn secrets(table: SecretTable, operation: &str, body: &[u8]) -> Result<(), String> {
    let mut fields = table.iter().filter(|(op, ..)| *op == operation).peekable();
    if fields.peek().is_none() {
        return Ok(());
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("{operation}: {e}"))?;
    for (_, field, min, max) in fields {
        let mut found = Vec::new();
        strings_named(&value, field, &mut found);
        for length in found {
            if (length as u64) < *min || (length as u64) > *max {
                return Err(format!(
                    "{operation}: {field} has {length} characters; it takes {min} to {max}"
                ));
            }
        }
    }
    Ok(())
}

/// The lengths (in characters) of the strings under a key `name`, at any depth.
fn strings_named(value: &serde_json::Value, name: &str, found: &mut Vec<usize>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match v {
                    serde_json::Value::String(s) if key == name => found.push(s.chars().count()),
                    other => strings_named(other, name, found),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_named(v, name, found)),
        _ => {}
    }
}

/// The body checks of the operations that carry SMS and labels, for the
/// request hook: `send_sms`, `update_sim` and `update_sims`.
pub(crate) fn body(operation: &str, body: &[u8]) -> Result<(), String> {
    let at = |e: String| format!("{operation}: {e}");
    match operation {
        "send_sms" => {
            let message: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| at(e.to_string()))?;
            let text = |name: &str| message.get(name).and_then(serde_json::Value::as_str);
            sms(SmsParts {
                payload: text("payload"),
                dcs: message.get("dcs").and_then(serde_json::Value::as_i64),
                udh: text("udh"),
            })
            .map_err(at)
        }
        "update_sim" | "update_sims" => {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| at(e.to_string()))?;
            let updates = match &value {
                serde_json::Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for (n, update) in updates.into_iter().enumerate() {
                if let Some(text) = update.get("label").and_then(serde_json::Value::as_str) {
                    label(text).map_err(|e| at(format!("item {}: {e}", n + 1)))?;
                }
            }
            Ok(())
        }
        "send_lwm2m_actions" | "send_coap_actions" | "send_udp_actions" | "send_lwm2m_action"
        | "send_coap_action" | "send_device_action" => {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| at(e.to_string()))?;
            action(&value).map_err(at)
        }
        _ => Ok(()),
    }
}

/// The most devices one bulk action names (1NCE OS's `maxItems`).
pub const ACTION_BULK_LIMIT: usize = 100;

/// A device action's bounds the generated models do not check: 1 to
/// [`ACTION_BULK_LIMIT`] devices, and 1 to 5 send attempts.
fn action(value: &serde_json::Value) -> Result<(), String> {
    if let Some(devices) = value.get("deviceIds").and_then(serde_json::Value::as_array) {
        if devices.is_empty() || devices.len() > ACTION_BULK_LIMIT {
            return Err(format!(
                "deviceIds: {} devices; one request takes 1 to {ACTION_BULK_LIMIT}",
                devices.len()
            ));
        }
    }
    if let Some(n) = value
        .get("sendAttempts")
        .and_then(serde_json::Value::as_f64)
    {
        if !(1.0..=5.0).contains(&n) || n.fract() != 0.0 {
            return Err(format!(
                "sendAttempts: {n} is not a whole number from 1 to 5"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(payload: &str, dcs: Option<i64>) -> SmsParts<'_> {
        SmsParts {
            payload: Some(payload),
            dcs,
            udh: None,
        }
    }

    #[test]
    fn one_sms_at_most_and_a_hex_udh() {
        assert!(sms(text(&"a".repeat(160), None)).is_ok());
        let e = sms(text(&"a".repeat(161), None)).unwrap_err();
        assert!(e.contains("161") && e.contains("160"), "{e}");
        assert!(sms(text(&"ü".repeat(70), Some(8))).is_ok());
        assert!(sms(text(&"ü".repeat(71), Some(8))).is_err());
        assert!(sms(text(&"x".repeat(2_000_000), None)).is_err());
        assert!(sms(text("", None)).is_err());
        let mut with_udh = text("part 1", None);
        with_udh.udh = Some("050003CC0301");
        assert!(sms(with_udh).is_ok());
        with_udh.udh = Some("05 00");
        assert!(sms(with_udh).is_err());
        let e = body("send_sms", br#"{"payload":"","udh":"zz"}"#).unwrap_err();
        assert!(e.starts_with("send_sms:"), "{e}");
    }

    #[test]
    fn labels_hold_no_control_characters_and_have_a_cap() {
        assert!(label("pump-7 / hall B").is_ok());
        assert!(label("ständer 7").is_ok());
        for bad in ["two\nlines", "\u{1b}[31mred", "tab\there"] {
            assert!(label(bad).is_err(), "{bad:?}");
        }
        assert!(label(&"x".repeat(256)).is_err());
        let e = body("update_sims", br#"[{"iccid":"1","status":"Enabled","label":"ok"},{"iccid":"2","status":"Enabled","label":"a\nb"}]"#).unwrap_err();
        assert!(e.contains("item 2"), "{e}");
    }
}
