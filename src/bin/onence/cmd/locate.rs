//! `onence locate`: where 1NCE OS devices are.

use clap::{Subcommand, ValueEnum};
use onence::models::{BoundingBox, DeviceId};
use onence::os::types::DevicePositionsSource;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;

/// What `onence locate` does.
#[derive(Subcommand, Debug)]
pub enum LocateVerb {
    /// A device's recorded positions, the newest first.
    Positions {
        /// The device id (for a 1NCE SIM, its ICCID).
        id: DeviceId,
        /// Only the positions from this source.
        #[arg(long, value_enum)]
        source: Option<Source>,
    },
    /// Each device's latest position (example: onence locate latest --bbox 13.08,52.33,13.76,52.68).
    Latest {
        /// LON1,LAT1,LON2,LAT2: the south-west and north-east corners.
        #[arg(long)]
        bbox: Option<String>,
    },
}

/// Where a position came from.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Source {
    /// The device's GPS.
    Gps,
    /// The cell towers the device saw.
    Cell,
}

impl From<Source> for DevicePositionsSource {
    fn from(source: Source) -> Self {
        match source {
            Source::Gps => DevicePositionsSource::Gps,
            Source::Cell => DevicePositionsSource::CellTower,
        }
    }
}

/// `LON1,LAT1,LON2,LAT2` as a checked box.
fn bbox(text: &str) -> Result<BoundingBox, Failure> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Failure::Usage(format!("--bbox {text:?} is not LON1,LAT1,LON2,LAT2")))?;
    match numbers.as_slice() {
        [lon1, lat1, lon2, lat2] => Ok(BoundingBox::new(*lon1, *lat1, *lon2, *lat2)?),
        _ => Err(Failure::Usage(format!(
            "--bbox {text:?} is not LON1,LAT1,LON2,LAT2"
        ))),
    }
}

/// The box with each corner's two numbers swapped, when that is a box too:
/// what an empty answer to a box given as LAT,LON may have meant.
fn swapped(text: &str) -> Option<String> {
    let n: Vec<&str> = text.split(',').map(str::trim).collect();
    let [a, b, c, d] = n.as_slice() else {
        return None;
    };
    let swapped = format!("{b},{a},{d},{c}");
    bbox(&swapped).ok().map(|_| swapped)
}

/// Runs one `locate` verb.
pub async fn run(ctx: &Ctx, verb: LocateVerb) -> Result<(), Failure> {
    let os = ctx.client().os();
    match verb {
        LocateVerb::Positions { id, source: None } => {
            ctx.print_pages(output::POSITIONS, os.all_device_positions(&id).pages())
                .await
        }
        LocateVerb::Positions {
            id,
            source: Some(source),
        } => {
            let pages = os.all_device_positions_from(&id, source.into()).pages();
            ctx.print_pages(output::POSITIONS, pages).await
        }
        LocateVerb::Latest { bbox: area } => {
            let given = match area.as_deref() {
                Some(text) => Some((text, bbox(text)?)),
                None => None,
            };
            let pages = os.all_latest_positions(given.map(|(_, area)| area)).pages();
            let printed = ctx.print_pages_counted(output::POSITIONS, pages).await?;
            if let Some(swapped) = given.filter(|_| printed == 0).and_then(|(t, _)| swapped(t)) {
                eprintln!(
                    "onence: no device in that box; --bbox takes LON,LAT,LON,LAT \
                     (west, south, east, north), while --circle and --polygon take LAT,LON: \
                     did you mean --bbox {swapped}?"
                );
            }
            Ok(())
        }
    }
}
