//! The 1NCE OS commands against the sandbox, as an operator runs them:
//! devices listed and read, an action sent and awaited, geofences made,
//! renamed and deleted, positions in a box; writes ask first.

mod support;
use support::cli::onence;

use std::time::Duration;

use onence::sandbox::Sandbox;
use serde_json::Value;

async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .sims(12)
        .seed(9)
        .change_delay(Duration::from_millis(100))
        .start()
        .await
        .unwrap()
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn devices_are_listed_read_and_counted() {
    let sandbox = sandbox().await;
    let listed = onence(&sandbox, &["devices", "list", "--output", "json"], "").await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let devices = lines(&listed.stdout);
    assert_eq!(devices.len(), 12);
    let id = devices[4]["id"].as_str().unwrap().to_string();
    let one = onence(&sandbox, &["devices", "get", &id, "--output", "json"], "").await;
    assert_eq!(lines(&one.stdout)[0]["iccid"], id.as_str());
    let table = onence(&sandbox, &["devices", "list", "--output", "table"], "").await;
    assert!(table.stdout.starts_with("ID"), "{}", table.stdout);
    let sims = onence(&sandbox, &["sims", "list", "--output", "json"], "").await;
    let enabled = lines(&sims.stdout)
        .iter()
        .filter(|s| s["status"] == "Enabled")
        .count();
    let csv = onence(&sandbox, &["devices", "stats", "--output", "csv"], "").await;
    let expected = format!("12,{enabled}");
    assert_eq!(
        csv.stdout.lines().nth(1),
        Some(expected.as_str()),
        "{}",
        csv.stdout
    );
    let history = onence(
        &sandbox,
        &[
            "devices", "history", &id, "--limit", "30", "--output", "json",
        ],
        "",
    )
    .await;
    assert_eq!(history.code, 0, "{}", history.stderr);
    let messages = lines(&history.stdout);
    assert_eq!(messages.len(), 24, "the whole track");
    let shown = messages[20]["time"].as_str().unwrap();
    let from = onence::models::Timestamp::new(shown)
        .to_utc()
        .unwrap()
        .to_rfc3339();
    let late = onence(
        &sandbox,
        &[
            "devices", "history", &id, "--from", &from, "--output", "json",
        ],
        "",
    )
    .await;
    assert_eq!(lines(&late.stdout).len(), 4, "{}", late.stderr);
    let telemetry = onence(
        &sandbox,
        &["devices", "telemetry", &id, "--output", "json"],
        "",
    )
    .await;
    assert!(lines(&telemetry.stdout)[0]["state"]["UDP"]["lat"].is_number());
    let insights = onence(
        &sandbox,
        &[
            "devices",
            "insights",
            &id,
            "--interval",
            "1d",
            "--output",
            "json",
        ],
        "",
    )
    .await;
    assert_eq!(insights.code, 0, "{}", insights.stderr);
    let counted: f64 = lines(&insights.stdout)
        .iter()
        .map(|i| i["amount"].as_f64().unwrap())
        .sum();
    assert_eq!(counted, 24.0, "every message of the track, by day");
    let backwards = [
        "devices",
        "insights",
        &id,
        "--from",
        "2026-02-01T00:00:00Z",
        "--to",
        "2026-01-01T00:00:00Z",
    ];
    assert_eq!(onence(&sandbox, &backwards, "").await.code, 2);
    let bad = onence(&sandbox, &["devices", "get", "a/b"], "").await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_action_is_sent_awaited_and_listed() {
    let sandbox = sandbox().await;
    let listed = onence(&sandbox, &["devices", "list", "--output", "json"], "").await;
    let ids: Vec<String> = lines(&listed.stdout)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    let reboot = [
        "--protocol",
        "lwm2m",
        "--action",
        "execute",
        "--resource",
        "/3/0/4",
    ];
    // Without a terminal and without --yes, nothing is sent.
    let mut args = vec!["devices", "action", ids[0].as_str()];
    args.extend(reboot);
    let refused = onence(&sandbox, &args, "").await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    args.extend(["--yes", "--wait", "--output", "json"]);
    let sent = onence(&sandbox, &args, "").await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let result = &lines(&sent.stdout)[0];
    assert_eq!(result["status"], "SUCCEEDED", "{result}");
    let request = result["request_id"].as_str().unwrap().to_string();

    // Many devices from stdin.
    let stdin = format!("{}\n{}\n", ids[1], ids[2]);
    let mut many = vec!["devices", "action", "--protocol", "udp", "--port", "3000"];
    many.extend(["--payload", "wake", "--yes", "--output", "json"]);
    let sent = onence(&sandbox, &many, &stdin).await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert_eq!(lines(&sent.stdout).len(), 2);

    let all = onence(&sandbox, &["actions", "list", "--output", "json"], "").await;
    assert_eq!(lines(&all.stdout).len(), 3);
    let succeeded = [
        "actions",
        "list",
        "--status",
        "succeeded",
        "--output",
        "json",
    ];
    let succeeded = lines(&onence(&sandbox, &succeeded, "").await.stdout);
    assert!(succeeded.iter().any(|r| r["id"] == request.as_str()));
    assert!(succeeded.iter().all(|r| r["status"] == "SUCCEEDED"));
    let one = onence(
        &sandbox,
        &["actions", "get", &request, "--output", "json"],
        "",
    )
    .await;
    assert_eq!(lines(&one.stdout)[0]["status"], "SUCCEEDED");
    let missing = onence(
        &sandbox,
        &["devices", "action", &ids[0], "--protocol", "lwm2m", "--yes"],
        "",
    )
    .await;
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("--resource"), "{}", missing.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn geofences_are_made_renamed_and_deleted() {
    let sandbox = sandbox().await;
    let create = [
        "geofences",
        "create",
        "--name",
        "depot",
        "--circle",
        "52.5163,13.3777,250",
    ];
    let dry = onence(&sandbox, &[&create[..], &["--dry-run"]].concat(), "").await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let none = onence(&sandbox, &["geofences", "list", "--output", "json"], "").await;
    assert!(
        none.stdout.trim().is_empty(),
        "a dry run creates nothing: {}",
        none.stdout
    );

    let made = onence(
        &sandbox,
        &[&create[..], &["--yes", "--output", "json"]].concat(),
        "",
    )
    .await;
    assert_eq!(made.code, 0, "{}", made.stderr);
    let id = lines(&made.stdout)[0]["geofence_id"]
        .as_str()
        .unwrap()
        .to_string();
    let polygon = [
        "geofences",
        "create",
        "--name",
        "yard",
        "--polygon",
        "52.50,13.30;52.55,13.30;52.55,13.45",
        "--yes",
    ];
    assert_eq!(onence(&sandbox, &polygon, "").await.code, 0);
    let impossible = [
        "geofences",
        "create",
        "--name",
        "x",
        "--circle",
        "95,13,250",
        "--yes",
    ];
    let refused = onence(&sandbox, &impossible, "").await;
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("latitude 95"), "{}", refused.stderr);

    let renamed = onence(
        &sandbox,
        &["geofences", "update", &id, "--name", "depot-north", "--yes"],
        "",
    )
    .await;
    assert_eq!(renamed.code, 0, "{}", renamed.stderr);
    let read = onence(&sandbox, &["geofences", "get", &id, "--output", "json"], "").await;
    assert_eq!(lines(&read.stdout)[0]["name"], "depot-north");
    assert_eq!(lines(&read.stdout)[0]["radius"], 250.0);
    assert_eq!(
        onence(&sandbox, &["geofences", "delete", &id, "--yes"], "")
            .await
            .code,
        0
    );
    let left = onence(&sandbox, &["geofences", "list", "--output", "json"], "").await;
    assert_eq!(lines(&left.stdout).len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn positions_are_located_in_a_box() {
    let sandbox = sandbox().await;
    let all = onence(&sandbox, &["locate", "latest", "--output", "json"], "").await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    let everyone = lines(&all.stdout);
    assert_eq!(everyone.len(), 12);
    let first = &everyone[0];
    let (lon, lat) = (
        first["coordinate"][0].as_f64().unwrap(),
        first["coordinate"][1].as_f64().unwrap(),
    );
    let bbox = format!(
        "{},{},{},{}",
        lon - 0.0001,
        lat - 0.0001,
        lon + 0.0001,
        lat + 0.0001
    );
    let inside = onence(
        &sandbox,
        &["locate", "latest", "--bbox", &bbox, "--output", "json"],
        "",
    )
    .await;
    let found = lines(&inside.stdout);
    assert!(found.iter().any(|p| p["deviceId"] == first["deviceId"]));
    assert!(found.len() < 12);
    let backwards = onence(&sandbox, &["locate", "latest", "--bbox", "14,53,13,52"], "").await;
    assert_eq!(backwards.code, 2, "{}", backwards.stderr);
    let device = first["deviceId"].as_str().unwrap();
    let track = onence(
        &sandbox,
        &["locate", "positions", device, "--output", "csv"],
        "",
    )
    .await;
    assert_eq!(track.stdout.lines().count(), 25, "a header and 24 fixes");
    for (flag, source, count) in [("gps", "GPS", 12), ("cell", "CellTower", 12)] {
        let only = onence(
            &sandbox,
            &[
                "locate",
                "positions",
                device,
                "--source",
                flag,
                "--output",
                "json",
            ],
            "",
        )
        .await;
        let fixes = lines(&only.stdout);
        assert_eq!(fixes.len(), count, "{flag}: {}", only.stderr);
        assert!(fixes.iter().all(|f| f["source"] == source), "{flag}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_and_the_logs_of_what_was_done() {
    let sandbox = sandbox().await;
    let create = [
        "integrations",
        "webhook",
        "create",
        "--name",
        "fleet",
        "--url",
        "https://example.com/1nce",
        "--event",
        "LOCATION",
        "--yes",
        "--output",
        "json",
    ];
    let made = onence(&sandbox, &create, "").await;
    assert_eq!(made.code, 0, "{}", made.stderr);
    let id = lines(&made.stdout)[0]["integration_id"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = onence(&sandbox, &["integrations", "list", "--output", "json"], "").await;
    assert_eq!(lines(&listed.stdout)[0]["id"], id.as_str());
    // The sandbox never calls an address off loopback: the test says so.
    let tested = onence(
        &sandbox,
        &["integrations", "test", &id, "--output", "json"],
        "",
    )
    .await;
    assert_eq!(lines(&tested.stdout)[0]["answer"]["testStatus"], "FAILURE");
    let bad_event = [
        "integrations",
        "webhook",
        "create",
        "--name",
        "x",
        "--url",
        "https://e.com",
        "--event",
        "SOMETHING",
    ];
    assert_eq!(onence(&sandbox, &bad_event, "").await.code, 2);
    let plain_http = [
        "integrations",
        "webhook",
        "create",
        "--name",
        "x",
        "--url",
        "http://example.com",
        "--yes",
    ];
    assert_eq!(onence(&sandbox, &plain_http, "").await.code, 2);
    assert_eq!(
        onence(&sandbox, &["integrations", "delete", &id, "--yes"], "")
            .await
            .code,
        0
    );
    let logs = onence(&sandbox, &["logs", "list", "--output", "json"], "").await;
    let logs = lines(&logs.stdout);
    assert_eq!(logs.len(), 2, "created and deleted: {logs:?}");
    assert!(logs.iter().all(|l| l["type"] == "INTEGRATION"));
    let filtered = onence(
        &sandbox,
        &[
            "logs",
            "list",
            "--filter",
            "type:DEVICE",
            "--output",
            "json",
        ],
        "",
    )
    .await;
    assert!(filtered.stdout.trim().is_empty());
    let info = ["logs", "list", "--category", "info", "--output", "json"];
    assert_eq!(lines(&onence(&sandbox, &info, "").await.stdout).len(), 2);
    let errors = ["logs", "list", "--category", "error", "--output", "json"];
    assert!(onence(&sandbox, &errors, "").await.stdout.trim().is_empty());
}

/// `--bbox` takes LON,LAT; a box given as LAT,LON finds nothing, and the
/// command says so, naming the box that was likely meant.
#[tokio::test(flavor = "multi_thread")]
async fn a_box_given_lat_first_is_named_the_right_way_round() {
    let sandbox = sandbox().await;
    let right = "13.08,52.33,13.76,52.68";
    let found = onence(&sandbox, &["locate", "latest", "--bbox", right], "").await;
    assert_eq!(found.code, 0, "{}", found.stderr);
    assert!(!lines(&found.stdout).is_empty(), "the fleet is in Berlin");
    assert!(!found.stderr.contains("did you mean"), "{}", found.stderr);

    let swapped = onence(
        &sandbox,
        &["locate", "latest", "--bbox", "52.33,13.08,52.68,13.76"],
        "",
    )
    .await;
    assert_eq!(swapped.code, 0, "{}", swapped.stderr);
    assert!(swapped.stdout.trim().is_empty(), "{}", swapped.stdout);
    assert!(
        swapped
            .stderr
            .contains(&format!("did you mean --bbox {right}?")),
        "{}",
        swapped.stderr
    );
}
