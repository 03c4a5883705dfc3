//! A posted body as the lines to store: each record's JSON text exactly as
//! received (line breaks between its tokens turned into spaces, so that
//! it stays one line), with its key, read without building the record.

use serde_json::value::RawValue;
use serde_json::Value;

use super::records::RecordKey;

/// One record ready to store, as a [`Sink`](super::Sink) is given it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Its JSON text, exactly as received, on one line.
    pub text: String,
    /// What makes it the same record as a resend, when it has an id.
    pub key: Option<RecordKey>,
}

impl Line {
    /// A record given as JSON text (valid JSON: a line break can only
    /// stand between tokens, so a space in its place changes nothing).
    pub fn of_text(text: &str) -> Line {
        let text = if memchr::memchr2(b'\n', b'\r', text.as_bytes()).is_some() {
            text.replace(['\n', '\r'], " ")
        } else {
            text.to_owned()
        };
        let key = RecordKey::of_json(&text);
        Line { text, key }
    }

    /// A record given as a value.
    pub fn of_value(record: &Value) -> Line {
        Line {
            text: record.to_string(),
            key: RecordKey::of(record),
        }
    }

    /// The record as a value (for observers).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

/// The records of a body: an array's elements, or a legacy stream's
/// single object; `None` when the body is neither.
pub(crate) fn lines_of(body: &[u8]) -> Option<Vec<Line>> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    match first {
        b'[' => {
            let records: Vec<&RawValue> = serde_json::from_slice(body).ok()?;
            Some(records.iter().map(|r| Line::of_text(r.get())).collect())
        }
        b'{' => {
            let record: &RawValue = serde_json::from_slice(body).ok()?;
            Some(vec![Line::of_text(record.get())])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_their_text_and_order_of_keys() {
        let body = br#" [ {"z": 1, "id": 9, "a": "x\ny"},
            {"id": 10,
             "event_type": {"id": 1}} ] "#;
        let lines = lines_of(body).unwrap();
        assert_eq!(lines[0].text, r#"{"z": 1, "id": 9, "a": "x\ny"}"#);
        assert!(!lines[1].text.contains('\n'));
        let back: Value = serde_json::from_str(&lines[1].text).unwrap();
        assert_eq!(back["event_type"]["id"], 1);
        assert_eq!(lines[1].key.as_ref().unwrap().id.as_str(), "10");
    }

    #[test]
    fn a_single_object_is_one_record_and_other_bodies_none() {
        assert_eq!(lines_of(br#"{"id": 1}"#).unwrap().len(), 1);
        assert!(lines_of(b"42").is_none());
        assert!(lines_of(b"[1, ").is_none());
        assert!(lines_of(b"").is_none());
        assert!(lines_of(b"\xff[").is_none());
    }
}
