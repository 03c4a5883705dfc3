//! Geofences (1NCE OS): a circle or a polygon, checked before it is sent,
//! and created once.

use serde_json::Value;

use crate::api::os::{self, types};
use crate::error::{During, Error, Result};
use crate::helpers::created_id;
use crate::model::{radius, DeviceId, GeofenceId, IntoId, Point};

/// The longest geofence name the document allows.
pub const GEOFENCE_NAME_LIMIT: usize = 50;

/// A geofence to create: a circle or a polygon, with a name, for every
/// device or for one. Its constructors refuse impossible places.
///
/// ```
/// use onence::{os::GeofenceShape, models::Point};
/// let depot = Point::new(52.52, 13.40).unwrap();
/// let fence = GeofenceShape::circle("depot", depot, 250.0).unwrap();
/// assert!(GeofenceShape::circle("depot", depot, 5.0).is_err());
/// let triangle = [depot, Point::new(52.53, 13.41).unwrap(), Point::new(52.51, 13.42).unwrap()];
/// assert!(GeofenceShape::polygon("yard", &triangle).is_ok());
/// assert!(GeofenceShape::polygon("line", &triangle[..2]).is_err());
/// ```
#[derive(Clone, Debug)]
pub struct GeofenceShape {
    request: types::NewGeofence,
}

fn name(text: &str) -> Result<types::GeofenceName> {
    if text.trim().is_empty() || text.chars().count() > GEOFENCE_NAME_LIMIT {
        return Err(Error::invalid_input(format!(
            "geofence name {:?} is empty or longer than {GEOFENCE_NAME_LIMIT} characters",
            text.chars().take(60).collect::<String>()
        )));
    }
    text.parse()
        .map_err(|e| Error::invalid_input(format!("geofence name: {e}")))
}

impl GeofenceShape {
    /// A circle of `radius_m` metres (50 to 30,000) around `center`.
    pub fn circle(name_text: &str, center: Point, radius_m: f64) -> Result<GeofenceShape> {
        let radius = radius(radius_m)?;
        Ok(GeofenceShape {
            request: types::NewGeofence::CircleGeofence(types::NewCircleGeofence {
                center: Some(types::GeofenceCenter(center.lon_lat())),
                device_id: None,
                event_sources: None,
                event_types: None,
                name: name(name_text)?,
                radius: types::GeofenceRadius(radius),
                type_: "circle".to_string(),
            }),
        })
    }

    /// A polygon through `corners` (at least three distinct ones, in order;
    /// the ring is closed here when the last corner is not the first).
    pub fn polygon(name_text: &str, corners: &[Point]) -> Result<GeofenceShape> {
        let mut ring: Vec<[f64; 2]> = corners.iter().map(Point::lon_lat).collect();
        let mut distinct = ring.clone();
        distinct.dedup();
        if distinct.first() == distinct.last() && distinct.len() > 1 {
            distinct.pop();
        }
        if distinct.len() < 3 {
            return Err(Error::invalid_input(format!(
                "a polygon geofence needs at least 3 distinct corners; {} given",
                distinct.len()
            )));
        }
        if ring.first() != ring.last() {
            ring.push(ring[0]);
        }
        Ok(GeofenceShape {
            request: types::NewGeofence::PolygonGeofence(types::NewPolygonGeofence {
                coordinates: types::GeofenceCoordinates(vec![ring]),
                device_id: None,
                event_sources: None,
                event_types: None,
                name: name(name_text)?,
                type_: "polygon".to_string(),
            }),
        })
    }

    /// The geofence watches one device only (by default: every device).
    pub fn for_device(mut self, device: impl IntoId<DeviceId>) -> Result<GeofenceShape> {
        let id = Value::String(device.into_id()?.into());
        match &mut self.request {
            types::NewGeofence::CircleGeofence(c) => {
                c.device_id = Some(types::GeofenceDeviceId(id))
            }
            types::NewGeofence::PolygonGeofence(p) => {
                p.device_id = Some(types::GeofenceDeviceId(id))
            }
        }
        Ok(self)
    }

    /// The request body, as the generated `create_geofence` takes it.
    pub fn request(&self) -> &types::NewGeofence {
        &self.request
    }
}

impl os::Client {
    /// Creates the geofence. Sent once: never resent. `Ok(Some(id))` names
    /// the new geofence; `Ok(None)` means the API accepted it without a
    /// readable id (it exists all the same: list them before trying again).
    pub async fn add_geofence(&self, shape: &GeofenceShape) -> Result<Option<GeofenceId>> {
        let operation = "create_geofence";
        let answer = self
            .create_geofence()
            .body(shape.request.clone())
            .send()
            .await
            .during(operation)?;
        Ok(created_id(answer.into_inner(), operation).await)
    }
}
