//! Lists the devices whose latest position lies outside their geofence,
//! with as few calls as 1NCE OS allows: the geofence list (50 a call, 30
//! reads a minute), one read per device geofence (the list does not carry
//! shapes), and the latest positions of every device (100 a call). The
//! check itself runs here. It prints the calls it made.
//!
//! Uses `ONENCE_CLIENT_ID`/`ONENCE_CLIENT_SECRET` (and `ONENCE_BASE_URL`) when
//! set; otherwise starts the embedded sandbox, gives a few of its devices a
//! geofence, and says so on stderr.
//!
//! `cargo run --features sandbox --example geofence_watch`

use std::collections::HashMap;

use futures_util::TryStreamExt;
use onence::models::Point;
use onence::os::GeofenceShape;
use onence::sandbox::Sandbox;
use serde_json::Value;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("geofence_watch: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The distance between two points in metres (haversine).
fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lon1, lat1, lon2, lat2) = (
        a[0].to_radians(),
        a[1].to_radians(),
        b[0].to_radians(),
        b[1].to_radians(),
    );
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// Whether `p` lies inside the ring (ray casting; `[lon, lat]` points).
fn in_ring(p: [f64; 2], ring: &[[f64; 2]]) -> bool {
    let mut inside = false;
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
    }
    inside
}

fn pair(v: &Value) -> Option<[f64; 2]> {
    Some([v.get(0)?.as_f64()?, v.get(1)?.as_f64()?])
}

/// Whether `p` lies inside the geofence (as read: circle or polygon).
fn inside(geofence: &Value, p: [f64; 2]) -> Option<bool> {
    if let (Some(center), Some(radius)) = (pair(&geofence["center"]), geofence["radius"].as_f64()) {
        return Some(metres(center, p) <= radius);
    }
    let ring: Vec<[f64; 2]> = geofence["coordinates"]
        .get(0)?
        .as_array()?
        .iter()
        .filter_map(pair)
        .collect();
    Some(in_ring(p, &ring))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (client, sandbox) = if std::env::var_os("ONENCE_CLIENT_ID").is_some() {
        (onence::Client::from_env()?, None)
    } else {
        let sandbox = Sandbox::builder().sims(200).seed(42).start().await?;
        eprintln!(
            "geofence_watch: no ONENCE_CLIENT_ID set; using the embedded sandbox at {}",
            sandbox.base_url()
        );
        let client = sandbox.client();
        // Ten devices get a 2 km circle: half around where they are, half in Munich.
        let latest = client.os().all_latest_positions(None).collect().await?;
        for (n, position) in latest.iter().take(10).enumerate() {
            let (Some(device), [lon, lat, ..]) =
                (&position.device_id, position.coordinate.as_slice())
            else {
                continue;
            };
            let at = if n % 2 == 0 {
                Point::new(lat.get(), lon.get())?
            } else {
                Point::new(48.14, 11.58)?
            };
            let fence = GeofenceShape::circle(&format!("home-{n}"), at, 2_000.0)?
                .for_device(device.as_str())?;
            client.os().add_geofence(&fence).await?;
        }
        (client, Some(sandbox))
    };
    let before = sandbox.as_ref().map(|s| s.counters().requests);
    let os = client.os();

    // Device geofences, with their shapes.
    let mut fences: HashMap<String, Vec<Value>> = HashMap::new();
    let listed = os.all_geofences().collect().await?;
    for summary in listed {
        let (Some(id), Some(device)) = (summary.id, summary.device_id) else {
            continue;
        };
        let device = serde_json::to_value(&device)?
            .as_str()
            .unwrap_or_default()
            .to_string();
        let full = os
            .get_geofence()
            .geofence_id(id.to_string())
            .send()
            .await?
            .into_inner();
        fences
            .entry(device)
            .or_default()
            .push(serde_json::to_value(full)?);
    }
    // Every device's latest position, 100 a call.
    let mut outside = 0;
    let mut latest = std::pin::pin!(os.all_latest_positions(None).stream());
    while let Some(position) = latest.try_next().await? {
        let Some(device) = position.device_id.clone() else {
            continue;
        };
        let [lon, lat, ..] = position.coordinate.as_slice() else {
            continue;
        };
        let Some(own) = fences.get(&device) else {
            continue;
        };
        let p = [lon.get(), lat.get()];
        if own.iter().all(|g| inside(g, p) == Some(false)) {
            outside += 1;
            let names: Vec<&str> = own.iter().filter_map(|g| g["name"].as_str()).collect();
            println!(
                "{device} at {:.5},{:.5} is outside {}",
                p[1],
                p[0],
                names.join(", ")
            );
        }
    }
    println!(
        "{outside} device(s) outside their geofence, of {} with one",
        fences.len()
    );
    if let (Some(sandbox), Some(before)) = (&sandbox, before) {
        let after = sandbox.counters().requests;
        let mut calls: Vec<(String, u64)> = after
            .into_iter()
            .map(|(route, n)| (route.clone(), n - before.get(&route).copied().unwrap_or(0)))
            .filter(|(route, n)| *n > 0 && !route.contains("oauth"))
            .collect();
        calls.sort();
        let total: u64 = calls.iter().map(|(_, n)| n).sum();
        eprintln!("calls made: {total}");
        for (route, n) in calls {
            eprintln!("  {n:>4} {route}");
        }
    }
    Ok(())
}
