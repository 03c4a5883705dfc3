//! How the command line's values are read: typed at clap's boundary, so no
//! command holds an unchecked ICCID or an enum value the API would refuse.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::Args;
use onence::Iccid;

/// ICCIDs as arguments, from --file, or one per line on stdin.
#[derive(Args, Debug)]
pub struct Iccids {
    /// ICCIDs (or none, to read --file or stdin).
    pub iccids: Vec<Iccid>,
    /// A file with one ICCID per line (blank lines and # comments ignored).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// For many SIMs: record each chunk applied in this file, and resume
    /// from it (by default a journal is kept in the state directory,
    /// $ONENCE_STATE_DIR or the platform's, while the job is unfinished).
    #[arg(long)]
    pub journal: Option<PathBuf>,
}

/// A clap parser for an enum the API takes: its documented values (from the
/// spec, through `KnownValues`), shown in --help and parsed into the typed enum.
pub fn api_enum<T>() -> impl clap::builder::TypedValueParser<Value = T>
where
    T: onence::KnownValues + std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    clap::builder::PossibleValuesParser::new(T::VALUES)
        .try_map(|value| value.parse::<T>().map_err(|e| e.to_string()))
}

/// `field=value`, for --where.
pub fn field_equals(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((field, value)) if !field.trim().is_empty() => {
            Ok((field.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("{text:?} is not FIELD=VALUE (say, status=Enabled)")),
    }
}

/// A positive number of seconds.
pub fn seconds(text: &str) -> Result<std::time::Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

/// A duration: seconds (`3600`) or a number with a unit (`90s`, `10m`,
/// `1h`, `1d`).
pub fn duration(text: &str) -> Result<std::time::Duration, String> {
    let units = [("s", 1.0), ("m", 60.0), ("h", 3600.0), ("d", 86_400.0)];
    let (number, scale) = units
        .iter()
        .find_map(|(suffix, scale)| Some((text.strip_suffix(suffix)?, *scale)))
        .unwrap_or((text, 1.0));
    number
        .trim()
        .parse::<f64>()
        .ok()
        .map(|n| n * scale)
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a duration (3600, 90s, 10m, 1h, 1d)"))
}
