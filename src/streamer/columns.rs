//! A record as a database row: the typed columns a query wants (ids,
//! times, event type, volumes, cost, operator), each read leniently from
//! what 1NCE sent, and the raw record beside them. A value that does not
//! fit its column (a volume that is no number, a `detail` sent as text)
//! leaves the column NULL; the raw JSON keeps it. Shared by the database
//! sinks, so that every one stores the same row.

use serde_json::Value;

use super::batch::Line;
use super::records::{integer, number, text, EventRecord, RecordKind, UsageRecord};

/// The columns of one record, in [`NAMES`] order.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Row {
    pub(crate) kind: &'static str,
    pub(crate) record_id: Option<String>,
    pub(crate) iccid: Option<String>,
    pub(crate) imsi: Option<String>,
    pub(crate) msisdn: Option<String>,
    /// The event's time, or the start of a usage window.
    pub(crate) occurred_at: Option<String>,
    /// The end of a usage window.
    pub(crate) ended_at: Option<String>,
    pub(crate) event_type_id: Option<i64>,
    pub(crate) event_type: Option<String>,
    pub(crate) severity: Option<String>,
    pub(crate) alert: Option<bool>,
    pub(crate) traffic_type: Option<String>,
    pub(crate) volume_tx: Option<f64>,
    pub(crate) volume_rx: Option<f64>,
    pub(crate) volume_total: Option<f64>,
    pub(crate) cost: Option<f64>,
    pub(crate) currency: Option<String>,
    pub(crate) operator: Option<String>,
    pub(crate) country: Option<String>,
    /// The record exactly as received.
    pub(crate) raw: String,
}

/// The column names, in the order [`Row`] binds them.
pub(crate) const NAMES: [&str; 20] = [
    "kind",
    "record_id",
    "iccid",
    "imsi",
    "msisdn",
    "occurred_at",
    "ended_at",
    "event_type_id",
    "event_type",
    "severity",
    "alert",
    "traffic_type",
    "volume_tx",
    "volume_rx",
    "volume_total",
    "cost",
    "currency",
    "operator",
    "country",
    "raw",
];

impl Row {
    /// The row of `line` (a record that is not an object is a row of its
    /// kind and raw text alone).
    pub(crate) fn of(line: &Line) -> Row {
        let record: Value = serde_json::from_str(&line.text).unwrap_or(Value::Null);
        let kind = line
            .key
            .as_ref()
            .map_or_else(|| RecordKind::of(&record), |k| k.kind);
        let mut row = Row {
            kind: kind.as_str(),
            record_id: line.key.as_ref().map(|k| k.id.as_str().to_string()),
            iccid: text(&record["sim"]["iccid"]).or_else(|| text(&record["iccid"])),
            imsi: text(&record["imsi"]["imsi"]).or_else(|| text(&record["imsi"])),
            msisdn: text(&record["sim"]["msisdn"]).or_else(|| text(&record["msisdn"])),
            currency: text(&record["currency"]["code"]).or_else(|| text(&record["currency"])),
            operator: text(&record["operator"]["name"]),
            country: text(&record["operator"]["country"]["name"])
                .or_else(|| text(&record["country"]["name"])),
            cost: number(&record["cost"]),
            raw: line.text.clone(),
            ..Row::default()
        };
        match kind {
            RecordKind::Event => {
                let event = EventRecord::of(&record);
                row.occurred_at = event.timestamp;
                row.event_type_id = event.event_type.as_ref().and_then(|t| t.id);
                row.event_type = event.event_type.and_then(|t| t.description);
                row.severity = event.severity.and_then(|s| s.description);
                row.alert = event.alert;
            }
            RecordKind::Usage => {
                let usage = UsageRecord::of(&record);
                row.occurred_at = usage.start;
                row.ended_at = usage.end;
                row.traffic_type = usage.traffic_type.and_then(|t| t.description);
                if let Some(volume) = usage.volume {
                    (row.volume_tx, row.volume_rx, row.volume_total) =
                        (volume.tx, volume.rx, volume.total);
                }
            }
            RecordKind::Sms => {
                row.occurred_at = text(&record["submit_date"]);
                row.event_type_id = integer(&record["status"]["id"]);
                row.event_type = text(&record["status"]["description"]);
            }
            RecordKind::Unknown => {}
        }
        row
    }
}
