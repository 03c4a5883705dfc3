//! Places on the earth, checked once: a point, a box of latitudes and
//! longitudes, a radius. 1NCE OS takes them for geofences and for the
//! latest positions in an area; an impossible one is refused before any
//! request, naming the value.

use std::fmt;

use crate::error::{Error, Result};

/// A point: latitude in -90..=90, longitude in -180..=180 (degrees, WGS 84).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    latitude: f64,
    longitude: f64,
}

fn latitude(what: &str, value: f64) -> Result<f64> {
    if value.is_finite() && (-90.0..=90.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_input(format!(
            "{what} {value} is not a latitude (-90 to 90)"
        )))
    }
}

fn longitude(what: &str, value: f64) -> Result<f64> {
    if value.is_finite() && (-180.0..=180.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid_input(format!(
            "{what} {value} is not a longitude (-180 to 180)"
        )))
    }
}

impl Point {
    /// Checks both; the error names the one out of range.
    pub fn new(latitude_deg: f64, longitude_deg: f64) -> Result<Point> {
        Ok(Point {
            latitude: latitude("latitude", latitude_deg)?,
            longitude: longitude("longitude", longitude_deg)?,
        })
    }

    /// Degrees north (negative: south).
    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    /// Degrees east (negative: west).
    pub fn longitude(&self) -> f64 {
        self.longitude
    }

    /// The point as 1NCE OS writes one: `[longitude, latitude]` (GeoJSON order).
    pub fn lon_lat(&self) -> [f64; 2] {
        [self.longitude, self.latitude]
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.latitude, self.longitude)
    }
}

/// An area of latitudes and longitudes, for the latest positions in it.
///
/// ```
/// use onence::models::BoundingBox;
/// let berlin = BoundingBox::new(13.0, 52.3, 13.8, 52.7).unwrap();
/// assert_eq!(berlin.latitudes(), (52.3, 52.7));
/// let err = BoundingBox::new(13.0, 91.0, 13.8, 52.7).unwrap_err();
/// assert!(err.to_string().contains("latitude_from 91"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundingBox {
    longitude_from: f64,
    latitude_from: f64,
    longitude_to: f64,
    latitude_to: f64,
}

impl BoundingBox {
    /// The box from the south-west corner (`longitude_from`, `latitude_from`)
    /// to the north-east one. Refused: a latitude beyond ±90, a longitude
    /// beyond ±180, a value that is no number, or a `from` beyond its `to`.
    pub fn new(
        longitude_from: f64,
        latitude_from: f64,
        longitude_to: f64,
        latitude_to: f64,
    ) -> Result<BoundingBox> {
        let b = BoundingBox {
            longitude_from: longitude("longitude_from", longitude_from)?,
            latitude_from: latitude("latitude_from", latitude_from)?,
            longitude_to: longitude("longitude_to", longitude_to)?,
            latitude_to: latitude("latitude_to", latitude_to)?,
        };
        if b.latitude_from > b.latitude_to || b.longitude_from > b.longitude_to {
            return Err(Error::invalid_input(format!(
                "the box {b} runs backwards: give the south-west corner first"
            )));
        }
        Ok(b)
    }

    /// (from, to) latitudes.
    pub fn latitudes(&self) -> (f64, f64) {
        (self.latitude_from, self.latitude_to)
    }

    /// (from, to) longitudes.
    pub fn longitudes(&self) -> (f64, f64) {
        (self.longitude_from, self.longitude_to)
    }

    /// Whether `point` lies in the box (its edges included).
    pub fn contains(&self, point: Point) -> bool {
        (self.latitude_from..=self.latitude_to).contains(&point.latitude)
            && (self.longitude_from..=self.longitude_to).contains(&point.longitude)
    }
}

impl fmt::Display for BoundingBox {
    /// `LON1,LAT1,LON2,LAT2`, the CLI's `--bbox` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{}",
            self.longitude_from, self.latitude_from, self.longitude_to, self.latitude_to
        )
    }
}

/// The smallest geofence radius 1NCE OS takes, in metres.
pub const MIN_RADIUS_M: f64 = 50.0;
/// The largest geofence radius 1NCE OS takes, in metres.
pub const MAX_RADIUS_M: f64 = 30_000.0;

/// A geofence radius in metres, within what the document allows.
pub(crate) fn radius(metres: f64) -> Result<f64> {
    if metres.is_finite() && (MIN_RADIUS_M..=MAX_RADIUS_M).contains(&metres) {
        Ok(metres)
    } else {
        Err(Error::invalid_input(format!(
            "radius {metres} m is outside {MIN_RADIUS_M} to {MAX_RADIUS_M} m"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_places_are_refused_naming_the_value() {
        for (lat, lon, named) in [
            (90.5, 0.0, "latitude 90.5"),
            (-91.0, 0.0, "latitude -91"),
            (0.0, 180.1, "longitude 180.1"),
            (f64::NAN, 0.0, "latitude NaN"),
            (0.0, f64::INFINITY, "longitude inf"),
        ] {
            let err = Point::new(lat, lon).unwrap_err();
            assert!(err.to_string().contains(named), "{err}");
        }
        assert!(Point::new(90.0, -180.0).is_ok());
        let backwards = BoundingBox::new(14.0, 52.0, 13.0, 53.0).unwrap_err();
        assert!(backwards.to_string().contains("backwards"), "{backwards}");
        assert!(radius(0.0).is_err() && radius(-5.0).is_err() && radius(f64::NAN).is_err());
        assert!(radius(30_001.0).is_err() && radius(49.0).is_err());
        assert_eq!(radius(250.0).unwrap(), 250.0);
        let b = BoundingBox::new(13.0, 52.3, 13.8, 52.7).unwrap();
        assert!(b.contains(Point::new(52.5, 13.4).unwrap()));
        assert!(!b.contains(Point::new(48.1, 11.6).unwrap()));
        assert_eq!(b.to_string(), "13,52.3,13.8,52.7");
    }
}
