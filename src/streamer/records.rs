//! The records 1NCE's Data Streamer posts, read leniently: every field is
//! optional, a number may arrive as a string, `detail` may be an object, a
//! string or absent, and unknown event types and fields are kept. Reading a
//! record never fails; what could not be read is `None`, and the record as
//! received is always kept beside its typed view.

use serde::Serialize;
use serde_json::Value;

/// A record's id: 1NCE sends a 64-bit number and resends a record with the
/// same id after a failed delivery. Kept as its decimal text, so that a
/// number and the same number sent as a string are one id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RecordId(String);

impl RecordId {
    /// The id of `record`, when it has one that is a number or a string.
    pub fn of(record: &Value) -> Option<RecordId> {
        RecordId::from_value(&record["id"])
    }

    /// An id field's value as an id, when it is a number or a string.
    fn from_value(id: &Value) -> Option<RecordId> {
        match id {
            Value::Number(n) => Some(RecordId(n.to_string())),
            Value::String(s) if !s.is_empty() => Some(RecordId(s.clone())),
            _ => None,
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What kind of record 1NCE sent, by its fields (the envelope names no
/// kind): network events, usage (data and SMS), and Platform 2.0's SMS
/// events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A network, policy or API event (`event_type`).
    Event,
    /// Data or SMS usage (`traffic_type`, `volume`).
    Usage,
    /// An SMS delivery report or a mobile-originated SMS (`submit_date`).
    Sms,
    /// None of the above: kept as received.
    Unknown,
}

impl RecordKind {
    /// The kind of `record`: by the first of `event_type`, `traffic_type`
    /// or `volume`, `submit_date` that it has (and is not null).
    pub fn of(record: &Value) -> RecordKind {
        let has = |field: &str| record.get(field).is_some_and(|v| !v.is_null());
        RecordKind::by_fields(
            has("event_type"),
            has("traffic_type") || has("volume"),
            has("submit_date"),
        )
    }

    fn by_fields(event: bool, usage: bool, sms: bool) -> RecordKind {
        if event {
            RecordKind::Event
        } else if usage {
            RecordKind::Usage
        } else if sms {
            RecordKind::Sms
        } else {
            RecordKind::Unknown
        }
    }

    /// The kind as a label value: `event`, `usage`, `sms`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Event => "event",
            RecordKind::Usage => "usage",
            RecordKind::Sms => "sms",
            RecordKind::Unknown => "unknown",
        }
    }
}

/// What makes a record the same record: its kind and its id. 1NCE's
/// event, usage and SMS streams number their records apart, and may post
/// to the same URL, so an event and a usage record with one id are two.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RecordKey {
    /// The kind, by the record's shape.
    pub kind: RecordKind,
    /// The id (a resend has the same).
    pub id: RecordId,
}

impl RecordKey {
    /// The key of `record`, when it has an id.
    pub fn of(record: &Value) -> Option<RecordKey> {
        Some(RecordKey {
            kind: RecordKind::of(record),
            id: RecordId::of(record)?,
        })
    }

    /// The key of a record given as its JSON text, read without building
    /// the whole record; the same as [`RecordKey::of`] on its value.
    pub fn of_json(text: &str) -> Option<RecordKey> {
        /// The few fields a key needs; the rest is skipped unread.
        #[derive(serde::Deserialize)]
        struct Probe {
            #[serde(default)]
            id: Value,
            event_type: Option<serde::de::IgnoredAny>,
            traffic_type: Option<serde::de::IgnoredAny>,
            volume: Option<serde::de::IgnoredAny>,
            submit_date: Option<serde::de::IgnoredAny>,
        }
        match serde_json::from_str::<Probe>(text) {
            Ok(probe) => Some(RecordKey {
                kind: RecordKind::by_fields(
                    probe.event_type.is_some(),
                    probe.traffic_type.is_some() || probe.volume.is_some(),
                    probe.submit_date.is_some(),
                ),
                id: RecordId::from_value(&probe.id)?,
            }),
            // Not an object, or a field twice: the slow way, as a value.
            Err(_) => RecordKey::of(&serde_json::from_str(text).ok()?),
        }
    }
}

/// An id with its description, as 1NCE codes event types, severities,
/// sources and traffic types. Key on `id`: descriptions vary in wording.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Coded {
    /// The code (`1` for "Update location").
    pub id: Option<i64>,
    /// Its text, as sent.
    pub description: Option<String>,
}

impl Coded {
    fn of(value: &Value) -> Option<Coded> {
        value.is_object().then(|| Coded {
            id: integer(&value["id"]),
            description: text(&value["description"]).or_else(|| text(&value["name"])),
        })
    }
}

/// A number, or a number sent as a string.
pub(super) fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok().filter(|n: &f64| n.is_finite()),
        _ => None,
    }
}

pub(super) fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Text, or a number or boolean as its text; empty text is none.
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A network, policy or API event, as far as it could be read.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EventRecord {
    /// Its id (a resend has the same).
    pub id: Option<RecordId>,
    /// When it happened (UTC, ISO 8601, as sent).
    pub timestamp: Option<String>,
    /// What happened (`3` Create PDP Context, `19` Quota used up, ...).
    pub event_type: Option<Coded>,
    /// INFO, WARN, CRITICAL...
    pub severity: Option<Coded>,
    /// Network, Policy Control or API.
    pub source: Option<Coded>,
    /// Whether it hurts connectivity.
    pub alert: Option<bool>,
    /// The human text.
    pub description: Option<String>,
    /// The SIM's ICCID.
    pub iccid: Option<String>,
    /// The SIM's IMSI.
    pub imsi: Option<String>,
    /// The details: an object, a string (as some quota events send it), or
    /// none.
    pub detail: Option<Value>,
}

impl EventRecord {
    /// `record` read as an event; what is missing or odd is `None`.
    pub fn of(record: &Value) -> EventRecord {
        EventRecord {
            id: RecordId::of(record),
            timestamp: text(&record["timestamp"]),
            event_type: Coded::of(&record["event_type"]),
            severity: Coded::of(&record["event_severity"]),
            source: Coded::of(&record["event_source"]),
            alert: record["alert"].as_bool(),
            description: text(&record["description"]),
            iccid: text(&record["sim"]["iccid"]),
            imsi: text(&record["imsi"]["imsi"]).or_else(|| text(&record["imsi"])),
            detail: record.get("detail").filter(|d| !d.is_null()).cloned(),
        }
    }
}

/// Volumes of a usage record: for data in MB (uplink `tx`, downlink `rx`),
/// for SMS in messages (`tx` sent by the device, `rx` received).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Volume {
    /// `tx + rx`.
    pub total: Option<f64>,
    /// Uplink (data) or mobile-originated (SMS).
    pub tx: Option<f64>,
    /// Downlink (data) or mobile-terminated (SMS).
    pub rx: Option<f64>,
}

/// Data or SMS usage, as far as it could be read.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UsageRecord {
    /// Its id (a resend has the same).
    pub id: Option<RecordId>,
    /// The start of the usage window (as sent).
    pub start: Option<String>,
    /// Its end (as sent; 1NCE's own example ends before it starts).
    pub end: Option<String>,
    /// `5` Data or `6` SMS.
    pub traffic_type: Option<Coded>,
    /// How much.
    pub volume: Option<Volume>,
    /// The SIM's ICCID.
    pub iccid: Option<String>,
    /// The visited network.
    pub operator: Option<String>,
}

impl UsageRecord {
    /// `record` read as usage; what is missing or odd is `None`.
    pub fn of(record: &Value) -> UsageRecord {
        let volume = &record["volume"];
        UsageRecord {
            id: RecordId::of(record),
            start: text(&record["start_timestamp"]),
            end: text(&record["end_timestamp"]),
            traffic_type: Coded::of(&record["traffic_type"]),
            volume: volume.is_object().then(|| Volume {
                total: number(&volume["total"]),
                tx: number(&volume["tx"]),
                rx: number(&volume["rx"]),
            }),
            iccid: text(&record["sim"]["iccid"]),
            operator: text(&record["operator"]["name"]),
        }
    }

    /// Whether this is data usage (traffic type 5, or named Data).
    pub fn is_data(&self) -> bool {
        self.traffic_type.as_ref().is_some_and(|t| {
            t.id == Some(5)
                || t.description
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case("data"))
        })
    }
}

/// One record as received, with its kind and typed views.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    raw: Value,
}

impl Record {
    /// Wraps a record as received.
    pub fn new(raw: Value) -> Record {
        Record { raw }
    }

    /// The record exactly as 1NCE sent it.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// Its id, when it has one.
    pub fn id(&self) -> Option<RecordId> {
        RecordId::of(&self.raw)
    }

    /// What kind of record it is.
    pub fn kind(&self) -> RecordKind {
        RecordKind::of(&self.raw)
    }

    /// Read as an event, when it is one.
    pub fn event(&self) -> Option<EventRecord> {
        (self.kind() == RecordKind::Event).then(|| EventRecord::of(&self.raw))
    }

    /// Read as usage, when it is.
    pub fn usage(&self) -> Option<UsageRecord> {
        (self.kind() == RecordKind::Usage).then(|| UsageRecord::of(&self.raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drifted_fields_are_read_or_left_out_never_refused() {
        let event = json!({
            "id": "1234567890", "event_type": { "id": "77", "description": "Something new" },
            "event_severity": { "id": 1, "description": "WARN" }, "alert": "yes",
            "sim": { "iccid": 8988280666000000000u64 }, "detail": "{\"volume\": 500.0, broken",
            "brand_new": { "x": 1 }
        });
        let read = Record::new(event).event().unwrap();
        assert_eq!(read.id.unwrap().as_str(), "1234567890");
        assert_eq!(read.event_type.unwrap().id, Some(77));
        assert_eq!(read.alert, None, "not a boolean: left out");
        assert_eq!(read.iccid.as_deref(), Some("8988280666000000000"));
        assert!(read.detail.unwrap().is_string());
    }

    #[test]
    fn usage_volumes_may_be_strings_and_ids_match_across_types() {
        let usage = json!({ "id": 42, "traffic_type": { "id": 5, "description": "Data" },
                            "volume": { "total": "1.5", "tx": 0.5, "rx": "abc" } });
        let record = Record::new(usage);
        assert_eq!(record.kind(), RecordKind::Usage);
        let read = record.usage().unwrap();
        assert!(read.is_data());
        let volume = read.volume.unwrap();
        assert_eq!(
            (volume.total, volume.tx, volume.rx),
            (Some(1.5), Some(0.5), None)
        );
        assert_eq!(RecordId::of(&json!({ "id": "42" })), record.id());
    }

    #[test]
    fn keys_read_from_text_match_keys_read_from_values() {
        let records = [
            r#"{"id": 7, "event_type": {"id": 1}}"#,
            r#"{"id": "7", "volume": {"total": 1}}"#,
            r#"{"id": 7, "submit_date": "x", "event_type": null}"#,
            r#"{"id": 7.5, "whatever": [1, 2]}"#,
            r#"{"id": 7, "id": 8, "traffic_type": {}}"#,
            r#"{"id": true}"#,
            r#"[1, 2]"#,
            r#"{"id": "", "event_type": {}}"#,
        ];
        for text in records {
            let value: Value = serde_json::from_str(text).unwrap();
            assert_eq!(RecordKey::of_json(text), RecordKey::of(&value), "{text}");
        }
        let event = RecordKey::of_json(records[0]).unwrap();
        let usage = RecordKey::of_json(records[1]).unwrap();
        assert_eq!(event.id, usage.id);
        assert_ne!(event, usage, "one id in two streams is two records");
    }

    #[test]
    fn kinds_follow_the_fields() {
        assert_eq!(
            RecordKind::of(&json!({ "submit_date": "x" })),
            RecordKind::Sms
        );
        assert_eq!(RecordKind::of(&json!({ "x": 1 })), RecordKind::Unknown);
        assert_eq!(RecordKind::of(&json!([1])), RecordKind::Unknown);
    }
}
