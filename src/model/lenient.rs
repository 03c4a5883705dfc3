//! Numbers that decode whether the API sends them as numbers or as strings.
//!
//! 1NCE's documents and its service disagree on numbers: an order number is
//! `2000000001` in one and `"2000000001"` in the other, volumes arrive as
//! `500` or `"500.0"`. Every number in a response is therefore a
//! [`Lenient`], chosen by the spec pipeline (`x-onence-type: lenient`), so one
//! such record never fails a whole page.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A number from a response: decodes from a JSON number or from a string
/// holding one (`500`, `"500"`, `" 500.0 "`), and encodes as a plain number.
///
/// It derefs to the number, compares with it, and converts from it:
///
/// ```
/// use onence::models::Lenient;
/// let n: Lenient<i64> = serde_json::from_str(r#""2000000001""#).unwrap();
/// assert_eq!(*n, 2_000_000_001);
/// assert_eq!(n, 2_000_000_001);
/// assert_eq!(serde_json::to_string(&n).unwrap(), "2000000001");
/// ```
#[derive(Clone, Copy, Default, PartialEq, PartialOrd, Hash, Eq, Ord)]
pub struct Lenient<T>(T);

impl<T: Copy> Lenient<T> {
    /// The number.
    pub fn get(self) -> T {
        self.0
    }
}

impl<T> Lenient<T> {
    /// Wraps a number.
    pub const fn new(value: T) -> Self {
        Lenient(value)
    }

    /// The number, by value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Lenient<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Lenient<T> {
    fn from(value: T) -> Self {
        Lenient(value)
    }
}

impl From<Lenient<i64>> for i64 {
    fn from(value: Lenient<i64>) -> i64 {
        value.0
    }
}

impl From<Lenient<f64>> for f64 {
    fn from(value: Lenient<f64>) -> f64 {
        value.0
    }
}

impl PartialEq<i64> for Lenient<i64> {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

impl PartialEq<f64> for Lenient<f64> {
    fn eq(&self, other: &f64) -> bool {
        self.0 == *other
    }
}

impl<T: fmt::Debug> fmt::Debug for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Lenient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: std::str::FromStr> std::str::FromStr for Lenient<T> {
    type Err = T::Err;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(Lenient)
    }
}

impl<T: Serialize> Serialize for Lenient<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// The number kinds a [`Lenient`] can hold (`i64` and `f64`): how each one
/// is read from the forms the API uses. Sealed: the kinds are the crate's.
pub trait LenientNumber: sealed::Sealed + Sized + Copy {
    /// What the number is called in an error ("a whole number", "a number").
    const EXPECTED: &'static str;
    /// From a JSON integer.
    fn from_i128(value: i128) -> Option<Self>;
    /// From a JSON float (an integer field takes only a whole value).
    fn from_f64(value: f64) -> Option<Self>;
}

mod sealed {
    /// Implemented only here, so no other crate adds a number kind.
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for f64 {}
}

impl LenientNumber for i64 {
    const EXPECTED: &'static str = "a whole number, or a string holding one";
    fn from_i128(value: i128) -> Option<i64> {
        i64::try_from(value).ok()
    }
    fn from_f64(value: f64) -> Option<i64> {
        // 2^63 is exactly representable; anything at or past it is out of range.
        let in_range = (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&value);
        (value.fract() == 0.0 && in_range).then_some(value as i64)
    }
}

impl LenientNumber for f64 {
    const EXPECTED: &'static str = "a number, or a string holding one";
    fn from_i128(value: i128) -> Option<f64> {
        Some(value as f64)
    }
    fn from_f64(value: f64) -> Option<f64> {
        value.is_finite().then_some(value)
    }
}

/// Reads `text` as the number `T`: a whole number first, then a decimal one.
fn parse_text<T: LenientNumber>(text: &str) -> Option<T> {
    let text = text.trim();
    if let Ok(whole) = text.parse::<i128>() {
        return T::from_i128(whole);
    }
    text.parse::<f64>().ok().and_then(T::from_f64)
}

struct LenientVisitor<T>(PhantomData<T>);

impl<T: LenientNumber> Visitor<'_> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::from_i128(v.into())
            .map(Lenient)
            .ok_or_else(|| E::custom(format!("{v} is out of range: expected {}", T::EXPECTED)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::from_i128(v.into())
            .map(Lenient)
            .ok_or_else(|| E::custom(format!("{v} is out of range: expected {}", T::EXPECTED)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::from_f64(v)
            .map(Lenient)
            .ok_or_else(|| E::custom(format!("{v} is not {}", T::EXPECTED)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_text(v).map(Lenient).ok_or_else(|| {
            let shown: String = v.chars().take(64).collect();
            E::custom(format!("{shown:?} is not {}", T::EXPECTED))
        })
    }
}

impl<'de, T: LenientNumber> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor(PhantomData))
    }
}

#[cfg(feature = "mcp")]
impl<T: schemars::JsonSchema> schemars::JsonSchema for Lenient<T> {
    fn schema_name() -> String {
        format!("Lenient_{}", T::schema_name())
    }

    /// The number's own schema: what the client sends and what the API documents.
    fn json_schema(gen: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        T::json_schema(gen)
    }

    fn is_referenceable() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(json: &str) -> Result<i64, String> {
        serde_json::from_str::<Lenient<i64>>(json)
            .map(Lenient::get)
            .map_err(|e| e.to_string())
    }

    fn float(json: &str) -> Result<f64, String> {
        serde_json::from_str::<Lenient<f64>>(json)
            .map(Lenient::get)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_come_as_numbers_or_strings() {
        for json in ["500", "\"500\"", "\"500.0\"", "500.0", "\" 500 \""] {
            assert_eq!(int(json), Ok(500), "{json}");
        }
        assert_eq!(int("\"2000000001\""), Ok(2_000_000_001));
        assert_eq!(int("-3"), Ok(-3));
    }

    #[test]
    fn decimals_come_as_numbers_or_strings() {
        for json in ["1.5", "\"1.5\"", "\"1.50\""] {
            assert_eq!(float(json), Ok(1.5), "{json}");
        }
        assert_eq!(float("\"500\""), Ok(500.0));
        assert_eq!(float("7"), Ok(7.0));
    }

    #[test]
    fn anything_else_is_an_error_naming_the_value() {
        let e = int("\"lots\"").unwrap_err();
        assert!(e.contains("\"lots\"") && e.contains("whole number"), "{e}");
        let e = int("1.5").unwrap_err();
        assert!(e.contains("1.5"), "{e}");
        assert!(int("true").is_err());
        assert!(int("\"\"").is_err());
        assert!(int("18446744073709551615")
            .unwrap_err()
            .contains("out of range"));
        assert!(int("1e300").is_err(), "no saturating cast of huge floats");
        assert!(float("\"NaN\"").is_err() && float("\"inf\"").is_err());
    }

    #[test]
    fn encodes_as_a_plain_number() {
        assert_eq!(serde_json::to_string(&Lenient(42_i64)).unwrap(), "42");
        assert_eq!(serde_json::to_string(&Lenient(0.5_f64)).unwrap(), "0.5");
        let n: Lenient<i64> = 7.into();
        assert_eq!(n.to_string(), "7");
        assert_eq!(format!("{n:?}"), "7");
    }
}
