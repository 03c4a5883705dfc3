//! `onence geofences`: 1NCE OS geofences, circles and polygons.

use clap::Subcommand;
use onence::models::{DeviceId, GeofenceId, Point};
use onence::os::GeofenceShape;
use onence::writes::Write;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::{created, done, one};

/// What `onence geofences` does.
#[derive(Subcommand, Debug)]
pub enum GeofencesVerb {
    /// Every geofence (1NCE allows 30 such reads a minute).
    List,
    /// One geofence, with its shape.
    Get {
        /// The geofence's id (from onence geofences list).
        id: GeofenceId,
    },
    /// Create a geofence (example: onence geofences create --name depot --circle 52.5163,13.3777,250).
    Create {
        /// The geofence's name.
        #[arg(long)]
        name: String,
        /// LAT,LON,RADIUS_M (a radius of 50 to 30,000 m).
        #[arg(long, conflicts_with = "polygon", required_unless_present = "polygon")]
        circle: Option<String>,
        /// "LAT,LON;LAT,LON;LAT,LON..." (three corners or more, in order).
        #[arg(long)]
        polygon: Option<String>,
        /// Only this device (by default: every device).
        #[arg(long)]
        device: Option<DeviceId>,
    },
    /// Rename a geofence.
    Update {
        /// The geofence's id (from onence geofences list).
        id: GeofenceId,
        /// The geofence's name.
        #[arg(long)]
        name: String,
    },
    /// Delete a geofence.
    Delete {
        /// The geofence's id (from onence geofences list).
        id: GeofenceId,
    },
}

/// `LAT,LON` as a checked point; the error names the text.
fn point(text: &str) -> Result<Point, Failure> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| Failure::Usage(format!("{text:?} is not LAT,LON")))?;
    match numbers.as_slice() {
        [lat, lon] => Ok(Point::new(*lat, *lon)?),
        _ => Err(Failure::Usage(format!("{text:?} is not LAT,LON"))),
    }
}

/// The shape the flags describe.
fn shape(
    name: &str,
    circle: Option<&str>,
    polygon: Option<&str>,
) -> Result<GeofenceShape, Failure> {
    if let Some(circle) = circle {
        let (at, radius) = circle.rsplit_once(',').ok_or_else(|| {
            Failure::Usage(format!("--circle {circle:?} is not LAT,LON,RADIUS_M"))
        })?;
        let radius: f64 = radius
            .trim()
            .parse()
            .map_err(|_| Failure::Usage(format!("--circle radius {radius:?} is not a number")))?;
        return Ok(GeofenceShape::circle(name, point(at)?, radius)?);
    }
    let corners: Vec<Point> = polygon
        .unwrap_or_default()
        .split(';')
        .filter(|c| !c.trim().is_empty())
        .map(point)
        .collect::<Result<_, _>>()?;
    Ok(GeofenceShape::polygon(name, &corners)?)
}

/// Runs one `geofences` verb.
pub async fn run(ctx: &Ctx, verb: GeofencesVerb) -> Result<(), Failure> {
    let os = ctx.client().os();
    match verb {
        GeofencesVerb::List => {
            ctx.print_pages(output::GEOFENCES, os.all_geofences().pages())
                .await
        }
        GeofencesVerb::Get { id } => {
            let geofence = os
                .get_geofence()
                .geofence_id(id.as_str())
                .send()
                .await?
                .into_inner();
            ctx.print(output::GEOFENCES, &one(geofence))
        }
        GeofencesVerb::Create {
            name,
            circle,
            polygon,
            device,
        } => {
            let mut fence = shape(&name, circle.as_deref(), polygon.as_deref())?;
            if let Some(device) = &device {
                fence = fence.for_device(device)?;
            }
            ctx.confirm(
                &Write::new("create_geofence", format!("create the geofence {name:?}"))
                    .always_asked(),
            )?;
            let id = os.add_geofence(&fence).await?;
            let id = id.map(|id| Value::from(String::from(id)));
            ctx.print(
                output::RESULT,
                &created("geofence", "geofence_id", id, "created"),
            )
        }
        GeofencesVerb::Update { id, name } => {
            let body: onence::os::types::GeofenceUpdate =
                serde_json::from_value(json!({ "name": name }))
                    .map_err(|e| Failure::Usage(format!("--name: {e}")))?;
            ctx.confirm(
                &Write::new(
                    "update_geofence",
                    format!("rename the geofence {id} to {name:?}"),
                )
                .always_asked(),
            )?;
            os.update_geofence()
                .geofence_id(id.as_str())
                .body(body)
                .send()
                .await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "geofence_id": id }),
                    format!("geofence {id} renamed"),
                ),
            )
        }
        GeofencesVerb::Delete { id } => {
            ctx.confirm(
                &Write::new("delete_geofence", format!("delete the geofence {id}")).always_asked(),
            )?;
            os.delete_geofence().geofence_id(id.as_str()).send().await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "geofence_id": id }),
                    format!("geofence {id} deleted"),
                ),
            )
        }
    }
}
