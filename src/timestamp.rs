//! Lenient parsing of the API's timestamps, which are not RFC 3339.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

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
}
