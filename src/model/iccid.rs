//! The SIM's identity, checked once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An ICCID: 18 to 22 decimal digits (19 for 1NCE SIMs, 20 with the Luhn
/// check digit). Holding one means it was checked: it can go into a path
/// without escaping, and a typo is refused before any request.
///
/// ```
/// use onence::Iccid;
/// let iccid: Iccid = "8988280666000000000".parse().unwrap();
/// assert_eq!(iccid.as_str(), "8988280666000000000");
/// let err = "8988-2806".parse::<Iccid>().unwrap_err();
/// assert!(err.to_string().contains("\"8988-2806\" is not 18 to 22 digits"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid(String);

impl Iccid {
    /// Checks `value`; the error names it.
    pub fn new(value: impl AsRef<str>) -> Result<Iccid> {
        let value = value.as_ref();
        let ok = (18..=22).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
        if ok {
            Ok(Iccid(value.to_string()))
        } else {
            let shown: String = value.chars().take(40).collect();
            Err(Error::invalid_input(format!(
                "ICCID {shown:?} is not 18 to 22 digits"
            )))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ICCID 1NCE names this SIM by, when this one ends in its Luhn
    /// check digit: 1NCE's paths take the 19 digits without it
    /// (`iccid_with_luhn` is the 20-digit form). `None` when this ICCID is
    /// not 20 digits or its last digit is not the check digit of the rest.
    ///
    /// ```
    /// use onence::Iccid;
    /// let printed: Iccid = "89882806660000000002".parse().unwrap();
    /// assert_eq!(printed.without_check_digit().unwrap().as_str(), "8988280666000000000");
    /// let plain: Iccid = "8988280666000000000".parse().unwrap();
    /// assert_eq!(plain.without_check_digit(), None);
    /// ```
    pub fn without_check_digit(&self) -> Option<Iccid> {
        let (body, last) = self.0.split_at(self.0.len().checked_sub(1)?);
        (self.0.len() == 20 && last.as_bytes()[0] - b'0' == luhn_check_digit(body))
            .then(|| Iccid(body.to_string()))
    }
}

/// The Luhn check digit of `digits` (ASCII digits only).
pub(crate) fn luhn_check_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match i % 2 {
                0 if d * 2 > 9 => d * 2 - 9,
                0 => d * 2,
                _ => d,
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Anything a helper accepts as an ICCID: an [`Iccid`], or text that is
/// checked when the helper is called (before any request).
pub trait IntoIccid {
    /// The checked ICCID.
    fn into_iccid(self) -> Result<Iccid>;
}

impl IntoIccid for Iccid {
    fn into_iccid(self) -> Result<Iccid> {
        Ok(self)
    }
}

impl IntoIccid for String {
    fn into_iccid(self) -> Result<Iccid> {
        Iccid::new(self)
    }
}

impl<T: AsRef<str> + ?Sized> IntoIccid for &T {
    fn into_iccid(self) -> Result<Iccid> {
        Iccid::new(self.as_ref())
    }
}

/// Checks every ICCID of a non-empty list; the error names the first bad one
/// and its position.
pub(crate) fn iccid_list<I>(values: I) -> Result<Vec<Iccid>>
where
    I: IntoIterator,
    I::Item: IntoIccid,
{
    let mut list = Vec::new();
    for (i, value) in values.into_iter().enumerate() {
        let iccid = value.into_iccid().map_err(|e| {
            Error::invalid_input(format!(
                "item {}: {}",
                i + 1,
                e.message().unwrap_or_default()
            ))
        })?;
        list.push(iccid);
    }
    if list.is_empty() {
        return Err(Error::invalid_input("the list of ICCIDs is empty"));
    }
    Ok(list)
}

impl FromStr for Iccid {
    type Err = Error;
    fn from_str(s: &str) -> Result<Iccid> {
        Iccid::new(s)
    }
}

impl TryFrom<&str> for Iccid {
    type Error = Error;
    fn try_from(value: &str) -> Result<Iccid> {
        Iccid::new(value)
    }
}

impl TryFrom<String> for Iccid {
    type Error = Error;
    fn try_from(value: String) -> Result<Iccid> {
        Iccid::new(value)
    }
}

impl From<Iccid> for String {
    fn from(value: Iccid) -> String {
        value.0
    }
}

impl From<&Iccid> for String {
    fn from(value: &Iccid) -> String {
        value.0.clone()
    }
}

impl AsRef<str> for Iccid {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Serialize for Iccid {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Iccid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Iccid, D::Error> {
        let text = String::deserialize(deserializer)?;
        Iccid::new(text).map_err(|e| serde::de::Error::custom(e.message().unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccids_are_digits_of_plausible_length() {
        assert!(Iccid::new("8988280666000000000").is_ok());
        assert!(Iccid::new("89882806660000000001").is_ok());
        for bad in [
            "",
            "89882806660000000",
            "8988280666000000000x",
            "../orders",
            ".",
            "8988280666%2F000000",
            "89882806660000000000000",
        ] {
            let err = Iccid::new(bad).unwrap_err();
            assert!(
                err.message().unwrap().contains(&format!("{bad:?}")),
                "{err}"
            );
        }
        let err = iccid_list(["8988280666000000000", "nope"]).unwrap_err();
        assert!(err.to_string().contains("item 2"), "{err}");
        assert!(iccid_list(Vec::<String>::new()).is_err());
    }

    #[test]
    fn an_iccid_round_trips_as_its_digits_and_refuses_others() {
        let iccid = Iccid::new("8988280666000000000").unwrap();
        let json = serde_json::to_string(&iccid).unwrap();
        assert_eq!(json, "\"8988280666000000000\"");
        assert_eq!(serde_json::from_str::<Iccid>(&json).unwrap(), iccid);
        assert!(serde_json::from_str::<Iccid>("\"12\"").is_err());
        assert_eq!(format!("{iccid}"), "8988280666000000000");
    }
}
