//! 1NCE OS as users run it, on a loopback server: the pagers (body pages up
//! to the API's page 50, `nextToken` cursors), actions sent once and
//! awaited, geofences and webhooks checked before sending.

use std::time::Duration;

use futures::StreamExt;
use onence::models::{BoundingBox, Point};
use onence::os::{AwaitAction, DeviceAction, GeofenceShape, Webhook};
use onence::ErrorKind;
use serde_json::json;

mod support;
use support::{Received, Reply, Scripted};

const ICCID: &str = "8988280666000000000";

fn page_of(r: &Received) -> u64 {
    r.query("page").and_then(|p| p.parse().ok()).unwrap_or(1)
}

/// A device list of `total` devices served in pages of what was asked,
/// with `pageAmount` when `with_total`.
fn serve_devices(server: &Scripted, total: u64, with_total: bool) {
    server.route(move |r| {
        if !r.path.starts_with("/v1/inspect/devices?") {
            return None;
        }
        let size: u64 = r.query("pageSize").unwrap().parse().unwrap();
        let page = page_of(r);
        let first = (page - 1) * size;
        let items: Vec<_> = (first..total.min(first + size))
            .map(|i| json!({ "id": format!("d-{i}"), "iccid": format!("89882806660000{i:05}") }))
            .collect();
        let mut body = json!({ "items": items, "page": page });
        if with_total {
            body["pageAmount"] = json!(total.div_ceil(size));
        }
        Some(Reply::json(200, body))
    });
}

#[tokio::test]
async fn every_device_is_read_at_the_largest_page_in_as_few_calls() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    serve_devices(&server, 120, true);
    let devices = client.os().all_devices().collect().await.unwrap();
    assert_eq!(devices.len(), 120);
    let ids: Vec<_> = devices
        .iter()
        .map(|d| d.id.clone().unwrap().to_string())
        .collect();
    assert_eq!(ids.first().unwrap(), "d-0");
    assert_eq!(ids.last().unwrap(), "d-119");
    let calls: Vec<_> = server
        .received()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/inspect/devices"))
        .collect();
    assert_eq!(calls.len(), 3, "120 devices are 3 pages of 50");
    assert!(calls
        .iter()
        .all(|r| r.query("pageSize").as_deref() == Some("50")));
}

/// The API serves pages 1 to 50: a longer list is refused naming the
/// bound, after one call when the total says so, and never by asking for
/// page 51 when it does not.
#[tokio::test]
async fn a_list_longer_than_fifty_pages_is_refused_not_cut_short() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    serve_devices(&server, 50 * 50 + 1, true);
    let err = client.os().all_devices().collect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("pages 1 to 50"), "{err}");
    assert_eq!(server.count("/v1/inspect/devices"), 1, "the total told");

    let server = Scripted::start().await;
    let client = support::client(&server);
    serve_devices(&server, 50 * 50 + 1, false);
    let mut stream = Box::pin(client.os().all_devices().stream());
    let mut read = 0;
    let err = loop {
        match stream.next().await.unwrap() {
            Ok(_) => read += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(read, 2500, "every page the API serves was read");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    let pages: Vec<u64> = server
        .received()
        .iter()
        .filter(|r| r.path.starts_with("/v1/inspect/devices"))
        .map(page_of)
        .collect();
    assert_eq!(pages.iter().max(), Some(&50), "page 51 is never asked for");

    // A list of exactly 50 full pages is whole.
    let server = Scripted::start().await;
    let client = support::client(&server);
    serve_devices(&server, 2500, true);
    assert_eq!(
        client.os().all_devices().collect().await.unwrap().len(),
        2500
    );
}

/// Device history follows `nextToken` to the end; a token sent twice ends
/// the walk with an error after the good page; a backwards range or a bad
/// device is refused before any request.
#[tokio::test]
async fn device_history_follows_the_cursor_and_never_loops() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    server.route(|r| {
        if !r.path.contains("/history") {
            return None;
        }
        let (items, next) = match r.query("nextToken").as_deref() {
            None => (vec![1, 2], Some("t1")),
            Some("t1") => (vec![3], Some("t2")),
            Some("t2") => (vec![4, 5], None),
            Some("loop") => (vec![9], Some("loop")),
            Some(other) => panic!("unexpected token {other}"),
        };
        let items: Vec<_> = items
            .into_iter()
            .map(|n| json!({ "payload": format!("m{n}"), "time": "2024-05-03T11:00:24.985Z" }))
            .collect();
        Some(Reply::json(
            200,
            json!({ "items": items, "nextToken": next }),
        ))
    });
    let from = "2024-05-01T00:00:00Z".parse().unwrap();
    let to = "2024-05-04T00:00:00Z".parse().unwrap();
    let os = client.os();
    let history = os
        .all_device_history(ICCID, Some(from), Some(to))
        .collect()
        .await
        .unwrap();
    let payloads: Vec<_> = history.iter().map(|m| m.payload.clone().unwrap()).collect();
    assert_eq!(payloads, ["m1", "m2", "m3", "m4", "m5"]);
    let first = &server.received()[1];
    assert_eq!(
        first.query("startDateTime").unwrap(),
        "2024-05-01T00:00:00.000Z"
    );
    assert_eq!(
        first.query("endDateTime").unwrap(),
        "2024-05-04T00:00:00.000Z"
    );
    assert_eq!(first.query("pageSize").unwrap(), "100");

    let before = server.received().len();
    let err = os
        .all_device_history(ICCID, Some(to), Some(from))
        .collect()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("before it starts"), "{err}");
    let err = os
        .all_device_history("a/b", None, None)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.received().len(), before, "nothing was sent");

    // A server that names the same token again.
    server.route(|r| {
        (r.path.contains("/history") && r.query("nextToken").is_none()).then(|| {
            Reply::json(
                200,
                json!({ "items": [{ "payload": "m0" }], "nextToken": "loop" }),
            )
        })
    });
    let fleet = Scripted::start().await;
    let fleet_client = support::client(&fleet);
    fleet.route(|r| {
        r.path.contains("/history").then(|| {
            let payload = if r.query("nextToken").is_some() {
                "again"
            } else {
                "first"
            };
            Reply::json(
                200,
                json!({ "items": [{ "payload": payload }], "nextToken": "same" }),
            )
        })
    });
    let mut walk = Box::pin(fleet_client.os().all_fleet_history(None, None).stream());
    assert_eq!(
        walk.next().await.unwrap().unwrap().payload.unwrap(),
        "first"
    );
    assert_eq!(
        walk.next().await.unwrap().unwrap().payload.unwrap(),
        "again",
        "the page is kept"
    );
    let err = walk.next().await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("\"same\" again"), "{err}");
    assert!(walk.next().await.is_none());
    assert_eq!(fleet.count("/v1/inspect/devices/history"), 2);
}

/// An action is sent once, its request id read from the answer, and
/// awaited until final; a send whose answer never came is an unknown
/// outcome, not a second action.
#[tokio::test]
async fn an_action_is_sent_once_and_awaited_until_it_is_final() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    let os = client.os();
    server.then([Reply::json(
        202,
        json!({ "id": "req-1", "message": "accepted" }),
    )]);
    let reboot = DeviceAction::lwm2m_execute("/3/0/4");
    let id = os.send_action(ICCID, &reboot).await.unwrap().unwrap();
    assert_eq!(id.as_str(), "req-1");
    let sent = server.received().pop().unwrap();
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.path,
        format!("/v1/integrate/devices/{ICCID}/actions/LWM2M")
    );
    assert_eq!(
        sent.json(),
        json!({ "action": "execute", "resourceAddress": "/3/0/4", "requestMode": "SEND_NOW", "sendAttempts": 1.0 })
    );

    for status in ["SCHEDULED", "IN_PROGRESS", "SUCCEEDED"] {
        server.then([Reply::json(200, json!({ "id": "req-1", "status": status }))]);
    }
    let wait =
        AwaitAction::default().with_intervals(Duration::from_millis(10), Duration::from_millis(20));
    let done = os.await_action(&id, wait).await.unwrap();
    assert_eq!(done.status.unwrap().to_string(), "SUCCEEDED");
    assert_eq!(server.count("/actions/requests/req-1"), 3);

    // Still scheduled at the deadline: a timeout naming the request.
    server.route(|r| {
        r.path
            .ends_with("/requests/req-2")
            .then(|| Reply::json(200, json!({ "id": "req-2", "status": "SCHEDULED" })))
    });
    let wait = wait.with_timeout(Duration::from_millis(100));
    let err = os.await_action("req-2", wait).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        err.to_string().contains("req-2") && err.to_string().contains("SCHEDULED"),
        "{err}"
    );

    // An unseen final status (EXPIRED) ends the wait.
    server.then([Reply::json(
        200,
        json!({ "id": "req-3", "status": "EXPIRED" }),
    )]);
    let expired = os.await_action("req-3", wait).await.unwrap();
    assert_eq!(expired.status.unwrap().to_string(), "EXPIRED");

    // The connection drops after the action was sent: unknown, sent once.
    let before = server.count("/actions/LWM2M");
    server.then([Reply::Drop]);
    let err = os.send_action(ICCID, &reboot).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(server.count("/actions/LWM2M"), before + 1, "never resent");
}

/// Many devices: every id checked first, 100 a request, each request sent
/// once, and every device's outcome reported.
#[tokio::test]
async fn an_action_for_many_devices_goes_a_hundred_a_request() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    let os = client.os();
    let devices: Vec<String> = (0..250).map(|i| format!("89882806660000{i:05}")).collect();
    let action = DeviceAction::udp_text(3000, "wake").unwrap();

    let mut bad = devices.clone();
    bad.push("a b".into());
    let err = os.send_action_to_many(&bad, &action).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(server.count("/actions/UDP"), 0, "nothing was sent");

    server.route(|r| {
        if !r.path.ends_with("/devices/actions/UDP") {
            return None;
        }
        let ids: Vec<String> = r.json()["deviceIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap().to_string())
            .collect();
        if ids.len() == 50 {
            return Some(Reply::Drop);
        }
        let (rejected, accepted) = ids.split_at(1);
        let accepted: Vec<_> = accepted
            .iter()
            .map(|d| json!({ "deviceId": d, "requestId": format!("r-{d}") }))
            .collect();
        Some(Reply::json(
            202,
            json!({ "acceptedRequests": accepted, "rejectedDevices": rejected, "message": "ok" }),
        ))
    });
    let report = os.send_action_to_many(&devices, &action).await.unwrap();
    let sizes: Vec<usize> = server
        .received()
        .iter()
        .filter(|r| r.path.ends_with("/actions/UDP"))
        .map(|r| r.json()["deviceIds"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50], "the dropped chunk is not resent");
    assert_eq!(report.accepted.len(), 198);
    assert_eq!(report.rejected, [devices[0].clone(), devices[100].clone()]);
    assert_eq!(report.unknown.len(), 50);
    // The raw builder keeps to the same bound, before sending.
    let too_many: Vec<String> = devices[..101].to_vec();
    let bulk: onence::os::types::BulkUdpAction = serde_json::from_value(json!({
        "deviceIds": too_many, "payload": "wake", "payloadType": "STRING", "port": 3000
    }))
    .unwrap();
    let before = server.count("/actions/UDP");
    let Err(err) = os.send_udp_actions().body(bulk).send().await else {
        panic!("101 devices were sent");
    };
    let err = onence::Error::from(err);
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("101 devices"), "{err}");
    assert_eq!(server.count("/actions/UDP"), before, "nothing was sent");
    let (device, id) = &report.accepted[0];
    assert_eq!(id.as_ref().unwrap().as_str(), format!("r-{device}"));
    let body = &server
        .received()
        .iter()
        .find(|r| r.path.ends_with("/actions/UDP"))
        .unwrap()
        .json();
    assert_eq!(body["payload"], "wake");
    assert_eq!(body["port"], 3000);
}

/// Geofences and boxes refuse impossible places before sending; a good
/// circle is sent as the document says, once, and its id read back.
#[tokio::test]
async fn geofences_and_boxes_are_checked_then_sent_as_documented() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    let os = client.os();
    assert!(Point::new(95.0, 13.4).is_err());
    assert!(BoundingBox::new(13.0, 52.0, 190.0, 53.0).is_err());
    assert!(GeofenceShape::circle(&"n".repeat(51), Point::new(1.0, 2.0).unwrap(), 100.0).is_err());

    server.then([Reply::json(201, json!({ "id": "g-7", "name": "depot" }))]);
    let depot = GeofenceShape::circle("depot", Point::new(52.52, 13.4).unwrap(), 250.0)
        .unwrap()
        .for_device(ICCID)
        .unwrap();
    let id = os.add_geofence(&depot).await.unwrap().unwrap();
    assert_eq!(id.as_str(), "g-7");
    let sent = server.received().pop().unwrap();
    assert_eq!(sent.path, "/v1/locate/geofences");
    assert_eq!(
        sent.json(),
        json!({ "type": "circle", "name": "depot", "center": [13.4, 52.52], "radius": 250.0, "deviceId": ICCID })
    );

    server.then([Reply::json(200, json!({ "coordinates": [
        { "deviceId": ICCID, "coordinate": [13.41, 52.51], "source": "GPS", "sampleTime": "2024-05-03T11:00:24.985Z" }
    ], "page": 1, "pageAmount": 1 }))]);
    let area = BoundingBox::new(13.0, 52.3, 13.8, 52.7).unwrap();
    let latest = os.all_latest_positions(Some(area)).collect().await.unwrap();
    assert_eq!(latest.len(), 1);
    let asked = server.received().pop().unwrap();
    for (name, value) in [
        ("longitudeFrom", "13.0"),
        ("latitudeFrom", "52.3"),
        ("longitudeTo", "13.8"),
        ("latitudeTo", "52.7"),
        ("pageSize", "100"),
    ] {
        assert_eq!(asked.query(name).as_deref(), Some(value), "{name}");
    }
}

/// A webhook: an address that is not https is refused (http on loopback
/// only); create, test and restart reach their paths.
#[tokio::test]
async fn a_webhook_is_created_tested_and_restarted() {
    let server = Scripted::start().await;
    let client = support::client(&server);
    let os = client.os();
    for bad in ["http://example.com/hook", "ftp://127.0.0.1/x", "not a url"] {
        let err = Webhook::new("fleet", bad, &[]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    let hook = Webhook::new("fleet", "http://127.0.0.1:9/hook", &[])
        .unwrap()
        .with_header("X-Shared-Secret", "hunter2-webhook");
    let shown = format!("{hook:?}");
    assert!(
        shown.contains("X-Shared-Secret") && !shown.contains("hunter2"),
        "{shown}"
    );
    server.then([
        Reply::json(201, json!({ "id": "i-1", "name": "fleet" })),
        Reply::json(200, json!({ "message": "sent", "testStatus": "SUCCESS" })),
        Reply::json(200, json!({ "restartStatus": "RESTARTED" })),
    ]);
    let id = os.add_webhook(&hook).await.unwrap().unwrap();
    assert_eq!(os.test_webhook(&id).await.unwrap()["testStatus"], "SUCCESS");
    assert_eq!(
        os.restart_webhook(&id).await.unwrap()["restartStatus"],
        "RESTARTED"
    );
    let paths: Vec<String> = server
        .received()
        .iter()
        .skip(1)
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/integrate/clouds/webhooks",
            "/v1/integrate/clouds/webhooks/i-1/test",
            "/v1/integrate/clouds/webhooks/i-1/restart"
        ]
    );
    let created = &server.received()[1].json();
    assert_eq!(created["eventTypes"].as_array().unwrap().len(), 5);
    assert_eq!(created["url"], "http://127.0.0.1:9/hook");
}
