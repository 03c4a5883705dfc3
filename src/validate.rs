//! Checks made before anything is sent: bad input never costs a request.

use crate::error::{Error, Result};

/// An ICCID is 18 to 22 decimal digits (19 for 1NCE SIMs, 20 with the Luhn digit).
pub(crate) fn iccid(value: &str) -> Result<()> {
    let ok = (18..=22).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "ICCID {value:?} is not 18 to 22 digits"
        )))
    }
}

/// Every ICCID of a non-empty list; the error names the first bad one and its position.
pub(crate) fn iccids<S: AsRef<str>>(values: &[S]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::invalid_input("the list of ICCIDs is empty"));
    }
    for (i, value) in values.iter().enumerate() {
        iccid(value.as_ref()).map_err(|e| {
            Error::invalid_input(format!(
                "item {}: {}",
                i + 1,
                e.message().unwrap_or_default()
            ))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iccids_are_digits_of_plausible_length() {
        assert!(iccid("8988280666000000000").is_ok());
        assert!(iccid("89882806660000000001").is_ok());
        for bad in [
            "",
            "89882806660000000",
            "8988280666000000000x",
            "../orders",
            "89882806660000000000000",
        ] {
            let err = iccid(bad).unwrap_err();
            assert!(
                err.message().unwrap().contains(&format!("{bad:?}")),
                "{err}"
            );
        }
        let err = iccids(&["8988280666000000000", "nope"]).unwrap_err();
        assert!(err.to_string().contains("item 2"), "{err}");
        assert!(iccids::<&str>(&[]).is_err());
    }
}
