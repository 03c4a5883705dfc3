//! The API's timestamps, which are not RFC 3339, parsed leniently.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A timestamp from a response: the text the API sent, and the instant it
/// names when it is in one of the forms [`to_utc`](Timestamp::to_utc) reads.
///
/// The raw text is kept whatever it holds, so a form nobody has seen yet (or
/// the `"TOTAL"` row of usage statistics) decodes, prints and encodes again
/// unchanged; [`Timestamp::to_utc`] is `None` for it.
///
/// ```
/// use onence::models::Timestamp;
/// let t: Timestamp = serde_json::from_str(r#""2018-03-09T07:59:09.000+0000""#).unwrap();
/// assert_eq!(t.to_utc().unwrap().to_rfc3339(), "2018-03-09T07:59:09+00:00");
/// assert_eq!(t.as_str(), "2018-03-09T07:59:09.000+0000");
/// let odd: Timestamp = serde_json::from_str(r#""next Tuesday""#).unwrap();
/// assert_eq!((odd.as_str(), odd.to_utc()), ("next Tuesday", None));
/// ```
///
/// Decoding keeps the text only; the instant is read when asked for, so a
/// page of SIMs costs no date parsing nobody uses.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    raw: String,
}

impl Timestamp {
    /// A timestamp from the API's text.
    pub fn new(raw: impl Into<String>) -> Timestamp {
        Timestamp { raw: raw.into() }
    }

    /// The instant, when the text is in a known form.
    pub fn to_utc(&self) -> Option<DateTime<Utc>> {
        parse(&self.raw)
    }

    /// The text as the API sent it.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl From<DateTime<Utc>> for Timestamp {
    /// The instant in the API's own form (`2018-03-09T07:59:09.000+0000`).
    fn from(instant: DateTime<Utc>) -> Timestamp {
        Timestamp {
            raw: instant.format("%Y-%m-%dT%H:%M:%S%.3f%z").to_string(),
        }
    }
}

impl From<String> for Timestamp {
    fn from(raw: String) -> Timestamp {
        Timestamp::new(raw)
    }
}

impl From<&str> for Timestamp {
    fn from(raw: &str) -> Timestamp {
        Timestamp::new(raw)
    }
}

impl std::str::FromStr for Timestamp {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Timestamp, Self::Err> {
        Ok(Timestamp::new(s))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// From a string; a number (epoch values have been seen in other 1NCE
    /// answers) is kept as its text rather than failing the record.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Text(text) => Timestamp::new(text),
            Raw::Number(n) => Timestamp::new(n.to_string()),
        })
    }
}

#[cfg(feature = "mcp")]
impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> String {
        "Timestamp".into()
    }

    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        String::json_schema(gen)
    }

    fn is_referenceable() -> bool {
        false
    }
}

/// Parses a timestamp in any form the API uses: `2018-03-09T07:59:09.000+0000`
/// (offset without colon), `2021-06-30T00:00:00.000Z`, RFC 3339,
/// `2024-01-31 12:00:00` (taken as UTC) and a bare `2024-01-31` (midnight UTC).
/// `None` for anything else, such as the `"TOTAL"` row of usage statistics.
pub fn parse(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M:%S%z"] {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(value, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, format) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_the_api_uses_parses_to_the_same_instant() {
        let expected = Utc.with_ymd_and_hms(2018, 3, 9, 7, 59, 9).unwrap();
        for value in [
            "2018-03-09T07:59:09.000+0000",
            "2018-03-09T07:59:09+0000",
            "2018-03-09T08:59:09.000+0100",
            "2018-03-09T07:59:09.000Z",
            "2018-03-09T07:59:09Z",
            "2018-03-09 07:59:09",
        ] {
            assert_eq!(parse(value), Some(expected), "{value}");
        }
        assert_eq!(
            parse("2021-06-30"),
            Some(Utc.with_ymd_and_hms(2021, 6, 30, 0, 0, 0).unwrap())
        );
        assert_eq!(parse("TOTAL"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn a_timestamp_keeps_its_text_and_round_trips_unchanged() {
        for raw in [
            "2021-06-30T00:00:00.000Z",
            "2024-01-31 12:00:00",
            "TOTAL",
            "",
        ] {
            let json = serde_json::to_string(raw).unwrap();
            let t: Timestamp = serde_json::from_str(&json).unwrap();
            assert_eq!(t.as_str(), raw);
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
            assert_eq!(t.to_utc(), parse(raw));
        }
        let n: Timestamp = serde_json::from_str("1700000000").unwrap();
        assert_eq!((n.as_str(), n.to_utc()), ("1700000000", None));
        let instant = Utc.with_ymd_and_hms(2018, 3, 9, 7, 59, 9).unwrap();
        assert_eq!(
            Timestamp::from(instant).as_str(),
            "2018-03-09T07:59:09.000+0000"
        );
        assert_eq!(Timestamp::from(instant).to_utc(), Some(instant));
    }
}
