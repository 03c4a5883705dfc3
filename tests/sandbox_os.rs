//! 1NCE OS against the embedded sandbox: the devices are the fleet's SIMs
//! (device id = ICCID), listed in the body pages the document describes.

mod support;

use onence::config::{RateLimits, RetryPolicy};
use onence::sandbox::Sandbox;
use onence::ErrorKind;

async fn sandbox(sims: u64) -> Sandbox {
    Sandbox::builder()
        .sims(sims)
        .seed(7)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap()
}

fn client(sandbox: &Sandbox) -> onence::Client {
    sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// Every device is walked in pages of 50, and each is one of the SIMs; one
/// device reads back by its ICCID; the stats count them.
#[tokio::test]
async fn the_devices_are_the_fleets_sims() {
    let sandbox = sandbox(120).await;
    let client = client(&sandbox);
    let sims = client.all_sims().collect().await.unwrap();
    let devices = client.os().all_devices().collect().await.unwrap();
    assert_eq!(devices.len(), 120);
    let mut from_sims: Vec<String> = sims.iter().map(|s| s.iccid.clone().unwrap()).collect();
    let mut from_devices: Vec<String> = devices
        .iter()
        .map(|d| d.iccid.clone().unwrap().to_string())
        .collect();
    from_sims.sort();
    from_devices.sort();
    assert_eq!(from_sims, from_devices);
    let counted = sandbox.counters();
    let pages = counted
        .requests
        .get("GET /v1/inspect/devices")
        .copied()
        .unwrap_or_default();
    assert_eq!(pages, 3, "120 devices are three pages of 50: {counted:?}");

    let one = &from_devices[7];
    let device = client
        .os()
        .get_device()
        .device_id(one.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        device.iccid.as_ref().map(|i| i.to_string()).as_deref(),
        Some(one.as_str())
    );
    let stats = client.os().get_device_stats().send().await.unwrap();
    assert_eq!(stats.total_devices.map(|n| n.get()), Some(120));

    let err = onence::Error::from(
        client
            .os()
            .get_device()
            .device_id("8988280666000099999")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// A fleet larger than the 50 pages the API serves: the walk reads none of
/// it past the first page and says why.
#[tokio::test]
async fn a_fleet_past_fifty_pages_is_refused_naming_the_bound() {
    let sandbox = sandbox(2_501).await;
    let client = client(&sandbox);
    let err = client.os().all_devices().collect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("51 pages of 50"), "{err}");
    // A filter narrows it to what can be read whole.
    let some = client
        .os()
        .all_devices()
        .filter("imsi1:nothing-matches")
        .collect()
        .await
        .unwrap();
    assert!(some.is_empty());
}

/// A geofence made through the helper reads back as sent, lists, renames
/// and deletes; a device it names must exist.
#[tokio::test]
async fn geofences_are_kept_and_listed() {
    use onence::models::Point;
    use onence::os::GeofenceShape;
    let sandbox = sandbox(5).await;
    let client = client(&sandbox);
    let os = client.os();
    let device = client.all_sims().collect().await.unwrap()[0]
        .iccid
        .clone()
        .unwrap();
    let circle = GeofenceShape::circle("depot", Point::new(52.52, 13.40).unwrap(), 300.0)
        .unwrap()
        .for_device(device.as_str())
        .unwrap();
    let id = os
        .add_geofence(&circle)
        .await
        .unwrap()
        .expect("the sandbox names it");
    let corners = [
        Point::new(52.50, 13.30).unwrap(),
        Point::new(52.55, 13.30).unwrap(),
        Point::new(52.55, 13.45).unwrap(),
    ];
    let yard = GeofenceShape::polygon("yard", &corners).unwrap();
    os.add_geofence(&yard).await.unwrap().unwrap();

    let read = os
        .get_geofence()
        .geofence_id(id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        read.name.as_ref().map(|n| n.to_string()).as_deref(),
        Some("depot")
    );
    let json = serde_json::to_value(&read).unwrap();
    assert_eq!(json["center"], serde_json::json!([13.40, 52.52]));
    assert_eq!(json["radius"], 300.0);
    let all = os.all_geofences().collect().await.unwrap();
    assert_eq!(all.len(), 2);

    let rename: onence::os::types::GeofenceUpdate =
        serde_json::from_value(serde_json::json!({ "name": "depot-north" })).unwrap();
    os.update_geofence()
        .geofence_id(id.as_str())
        .body(rename)
        .send()
        .await
        .unwrap();
    let read = os
        .get_geofence()
        .geofence_id(id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(serde_json::to_value(&read).unwrap()["name"], "depot-north");
    os.delete_geofence()
        .geofence_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(os.all_geofences().collect().await.unwrap().len(), 1);

    let stranger = GeofenceShape::circle("x", Point::new(1.0, 1.0).unwrap(), 100.0)
        .unwrap()
        .for_device("8988280666000099999")
        .unwrap();
    let err = os.add_geofence(&stranger).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Positions come from one seeded track: a device's newest position is
/// its latest, and a box around it finds it.
#[tokio::test]
async fn positions_come_from_one_track() {
    use onence::models::BoundingBox;
    let sandbox = sandbox(30).await;
    let client = client(&sandbox);
    let os = client.os();
    let device = client.all_sims().collect().await.unwrap()[3]
        .iccid
        .clone()
        .unwrap();
    let track = os
        .all_device_positions(device.as_str())
        .collect()
        .await
        .unwrap();
    assert_eq!(track.len(), 24);
    let newest = serde_json::to_value(&track[0]).unwrap()["coordinate"].clone();
    let everyone = os.all_latest_positions(None).collect().await.unwrap();
    assert_eq!(everyone.len(), 30);
    let mine: Vec<_> = everyone
        .iter()
        .filter(|p| p.device_id.as_deref() == Some(device.as_str()))
        .collect();
    assert_eq!(serde_json::to_value(mine[0]).unwrap()["coordinate"], newest);
    let (lon, lat) = (newest[0].as_f64().unwrap(), newest[1].as_f64().unwrap());
    let around = BoundingBox::new(lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001).unwrap();
    let found = os
        .all_latest_positions(Some(around))
        .collect()
        .await
        .unwrap();
    assert!(found
        .iter()
        .any(|p| p.device_id.as_deref() == Some(device.as_str())));
    assert!(found.len() < 30, "the box leaves devices out");
}

/// An action goes SCHEDULED → IN_PROGRESS → SUCCEEDED over the change
/// delay and is awaited; a write devices refuse FAILS; many devices get one
/// request each, an unknown one rejected; a pending request can be cancelled.
#[tokio::test]
async fn actions_move_through_their_states_and_are_awaited() {
    use onence::os::{AwaitAction, DeviceAction};
    use std::time::Duration;
    let sandbox = Sandbox::builder()
        .sims(4)
        .seed(7)
        .rate_limits(RateLimits::none())
        .change_delay(Duration::from_millis(150))
        .start()
        .await
        .unwrap();
    let client = client(&sandbox);
    let os = client.os();
    let sims: Vec<String> = client
        .all_sims()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.iccid.unwrap())
        .collect();
    let wait = AwaitAction::default()
        .with_intervals(Duration::from_millis(20), Duration::from_millis(50))
        .with_timeout(Duration::from_secs(10));
    let read = DeviceAction::lwm2m_read("/3/0/0");
    let id = os
        .send_action(sims[0].as_str(), &read)
        .await
        .unwrap()
        .unwrap();
    let first = os
        .get_action_request()
        .request_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status.as_ref().unwrap().to_string(), "SCHEDULED");
    let done = os.await_action(&id, wait).await.unwrap();
    assert_eq!(done.status.unwrap().to_string(), "SUCCEEDED");

    let refused = DeviceAction::lwm2m_write("/3/0/0", "x");
    let id = os
        .send_action(sims[1].as_str(), &refused)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        os.await_action(&id, wait)
            .await
            .unwrap()
            .status
            .unwrap()
            .to_string(),
        "FAILED"
    );

    let mut targets = sims.clone();
    targets.push("8988280666000099999".into());
    let report = os.send_action_to_many(&targets, &read).await.unwrap();
    assert_eq!(report.accepted.len(), 4);
    assert_eq!(report.rejected, ["8988280666000099999"]);
    let (_, pending) = &report.accepted[0];
    let pending = pending.clone().unwrap();
    os.cancel_action_request()
        .request_id(pending.as_str())
        .send()
        .await
        .unwrap();
    let cancelled = os.await_action(&pending, wait).await.unwrap();
    assert_eq!(cancelled.status.unwrap().to_string(), "CANCELLED");
    let all = os.all_action_requests().collect().await.unwrap();
    assert_eq!(all.len(), 6);
    let of_first = os
        .all_action_requests_of(sims[0].as_str())
        .collect()
        .await
        .unwrap();
    assert_eq!(of_first.len(), 2);
}

/// A device's history walks by cursor over its track, within a range; the
/// fleet's holds every device's.
#[tokio::test]
async fn history_is_read_by_cursor_within_a_range() {
    let sandbox = sandbox(3).await;
    let client = client(&sandbox);
    let os = client.os();
    let device = client.all_sims().collect().await.unwrap()[1]
        .iccid
        .clone()
        .unwrap();
    let all = os
        .all_device_history(device.as_str(), None, None)
        .page_size(7)
        .collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 24, "24 fixes, in pages of 7");
    let pages = sandbox.counters().requests["GET /v1/inspect/devices/{device_id}/history"];
    assert_eq!(pages, 4);
    let times: Vec<_> = all
        .iter()
        .map(|m| m.time.as_ref().unwrap().to_utc().unwrap())
        .collect();
    let (from, to) = (times[5], times[10]);
    let some = os
        .all_device_history(device.as_str(), Some(from), Some(to))
        .collect()
        .await
        .unwrap();
    assert_eq!(some.len(), 6);
    let fleet = os.all_fleet_history(None, None).collect().await.unwrap();
    assert_eq!(fleet.len(), 3 * 24);
}

/// A webhook's test and restart post a sample event, with its headers, to
/// a receiver on loopback; the integration lists and deletes.
#[tokio::test]
async fn a_webhook_on_loopback_receives_the_sample_event() {
    use onence::os::Webhook;
    let receiver = support::Scripted::start().await;
    receiver.route(|r| {
        r.path
            .starts_with("/hook")
            .then(|| support::Reply::status(204))
    });
    let sandbox = sandbox(2).await;
    let client = client(&sandbox);
    let os = client.os();
    let url = format!("{}/hook", receiver.base_url);
    let hook = Webhook::new("fleet", &url, &[])
        .unwrap()
        .with_header("X-Shared", "s3");
    let id = os.add_webhook(&hook).await.unwrap().unwrap();
    let tested = os.test_webhook(&id).await.unwrap();
    assert_eq!(tested["testStatus"], "SUCCESS", "{tested}");
    let restarted = os.restart_webhook(&id).await.unwrap();
    assert_eq!(restarted["restartStatus"], "SUCCESS", "{restarted}");
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].header("x-shared"), Some("s3"));
    assert_eq!(got[0].json()["integrationId"], id.as_str());
    let listed = os.list_integrations().send().await.unwrap().into_inner();
    assert_eq!(listed.items.len(), 1);
    os.delete_integration()
        .integration_id(id.as_str())
        .send()
        .await
        .unwrap();
    assert!(os
        .list_integrations()
        .send()
        .await
        .unwrap()
        .into_inner()
        .items
        .is_empty());
}

/// Each kind of 1NCE OS write (a geofence, an action, an integration, a
/// setting) is recorded as an administration log, as the service does.
/// (That every read answers what the document requires is the fuzzer's
/// job: `tests/sandbox_fuzz.rs` validates every answer against its schema.)
#[tokio::test]
async fn every_kind_of_write_is_an_administration_log() {
    use onence::models::Point;
    use onence::os::{DeviceAction, GeofenceShape, Webhook};
    use serde_json::json;
    let sandbox = sandbox(3).await;
    let client = client(&sandbox);
    let os = client.os();
    let device = client.all_sims().collect().await.unwrap()[0]
        .iccid
        .clone()
        .unwrap();
    let fence = GeofenceShape::circle("depot", Point::new(52.5, 13.4).unwrap(), 500.0).unwrap();
    os.add_geofence(&fence).await.unwrap().unwrap();
    os.send_action(device.as_str(), &DeviceAction::lwm2m_read("/3/0/0"))
        .await
        .unwrap()
        .unwrap();
    let hook = Webhook::new("fleet", "https://example.com/hook", &[]).unwrap();
    os.add_webhook(&hook).await.unwrap().unwrap();
    let setting: onence::os::types::SettingUpdate =
        serde_json::from_value(json!({ "state": "ENABLED" })).unwrap();
    os.update_setting()
        .name("ENERGY_SAVER")
        .body(setting)
        .send()
        .await
        .unwrap();

    let logs = os.all_admin_logs().collect().await.unwrap();
    assert_eq!(logs.len(), 4, "the four writes are logged: {logs:?}");
}

/// In drift mode (numbers as strings, unseen values such as a `WiFi`
/// position source, undocumented fields, optional fields left out) every
/// device, position and action request still reads, none lost.
#[tokio::test]
async fn drifted_answers_lose_no_record() {
    use onence::os::DeviceAction;
    let plain = sandbox(30).await;
    let drifting = Sandbox::builder()
        .sims(30)
        .seed(7)
        .rate_limits(RateLimits::none())
        .drift(true)
        .start()
        .await
        .unwrap();
    let (plain, drifted) = (client(&plain), client(&drifting));
    let device = plain.all_sims().collect().await.unwrap()[0]
        .iccid
        .clone()
        .unwrap();
    for client in [&plain, &drifted] {
        let read = DeviceAction::lwm2m_read("/3/0/0");
        client
            .os()
            .send_action(device.as_str(), &read)
            .await
            .unwrap();
    }
    let count = |client: onence::Client| {
        let device = device.clone();
        async move {
            let os = client.os();
            (
                os.all_devices().collect().await.unwrap().len(),
                os.all_device_positions(device.as_str())
                    .collect()
                    .await
                    .unwrap()
                    .len(),
                os.all_latest_positions(None).collect().await.unwrap().len(),
                os.all_action_requests().collect().await.unwrap().len(),
            )
        }
    };
    let expected = count(plain).await;
    assert_eq!(expected.0, 30);
    assert_eq!(count(drifted).await, expected);
    // The answers did drift: read raw, they carry what no document lists.
    let token = support::sandbox_token(&drifting).await;
    let raw = reqwest::Client::new()
        .get(format!("{}/v1/inspect/devices", drifting.base_url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains("x_undocumented"), "{raw}");
}
