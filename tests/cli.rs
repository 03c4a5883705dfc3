//! The `onence` command against the sandbox: every command, formats, exit
//! codes, confirmation, --dry-run, stdin input, and no secret in any output.

mod support;
use support::cli::{onence, onence_at, planned_writes};

use std::time::Duration;

use assert_cmd::Command;
use onence::sandbox::Sandbox;

/// `onence` as a process of its own, against `sandbox` with its credentials,
/// for tests that read its output while it runs or send it signals.
fn onence_process(sandbox: &Sandbox, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("onence"));
    command
        .args(args)
        .env("ONENCE_BASE_URL", sandbox.base_url())
        .env("ONENCE_CLIENT_ID", sandbox.credentials().user())
        .env("ONENCE_CLIENT_SECRET", sandbox.client_secret())
        // Nothing of these runs is kept in the user's state directory.
        .env("ONENCE_NO_TOKEN_CACHE", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .sims(30)
        .seed(3)
        .change_delay(Duration::from_secs(30))
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sims_list_in_each_format() {
    let sandbox = sandbox().await;
    let json = onence(&sandbox, &["sims", "list"], "").await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 30, "JSON lines when piped");
    assert_eq!(lines[0]["iccid"], sandbox.iccid(0));

    let table = onence(&sandbox, &["--output", "table", "sims", "list"], "").await;
    let mut rows = table.stdout.lines();
    let header: Vec<&str> = rows
        .next()
        .unwrap()
        .split("  ")
        .filter(|c| !c.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        header,
        ["ICCID", "LABEL", "STATUS", "IMEI", "IP", "QUOTA STATUS"]
    );
    assert_eq!(rows.count(), 30);

    let csv = onence(
        &sandbox,
        &["-o", "csv", "sims", "list", "--sort", "-ip_address"],
        "",
    )
    .await;
    let mut rows = csv.stdout.lines();
    assert_eq!(rows.next(), Some("iccid,label,status,imei,ip,quota_status"));
    let first: Vec<&str> = rows.next().unwrap().split(',').collect();
    assert_eq!(first[4], "10.0.0.29", "sorted by IP, descending");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_runs_against_the_sandbox() {
    let sandbox = sandbox().await;
    let (a, b) = (sandbox.iccid(0), sandbox.iccid(1));
    let commands: Vec<Vec<String>> = vec![
        vec!["sims".into(), "get".into(), a.clone()],
        vec!["sims".into(), "status".into(), a.clone()],
        vec![
            "sims".into(),
            "connectivity".into(),
            a.clone(),
            "--ussd".into(),
        ],
        vec!["sims".into(), "enable".into(), a.clone()],
        vec![
            "sims".into(),
            "disable".into(),
            a.clone(),
            b.clone(),
            "--yes".into(),
        ],
        vec!["sims".into(), "label".into(), a.clone(), "pump-7".into()],
        vec!["sims".into(), "imei-lock".into(), a.clone(), "--off".into()],
        vec!["sims".into(), "reset".into(), a.clone()],
        vec![
            "sims".into(),
            "usage".into(),
            a.clone(),
            "--from".into(),
            today(-3),
            "--to".into(),
            today(0),
        ],
        vec!["sims".into(), "events".into(), a.clone()],
        vec!["sims".into(), "quota".into(), "data".into(), a.clone()],
        vec!["sims".into(), "quota".into(), "sms".into(), a.clone()],
        vec!["sms".into(), "send".into(), a.clone(), "hello".into()],
        vec!["sms".into(), "list".into(), a.clone()],
        vec!["sms".into(), "get".into(), a.clone(), "1".into()],
        vec!["sms".into(), "cancel".into(), a.clone(), "1".into()],
        vec![
            "topup".into(),
            "one".into(),
            a.clone(),
            "--payment-method".into(),
            "creditcard".into(),
            "--yes".into(),
        ],
        vec![
            "topup".into(),
            "many".into(),
            a.clone(),
            b.clone(),
            "--yes".into(),
        ],
        vec![
            "topup".into(),
            "auto".into(),
            "on".into(),
            a.clone(),
            "--yes".into(),
        ],
        vec!["limits".into(), "get".into()],
        vec![
            "limits".into(),
            "set".into(),
            "--data".into(),
            "2".into(),
            "--yes".into(),
        ],
        vec!["limits".into(), "options".into(), "smsMT".into()],
        vec![
            "orders".into(),
            "create".into(),
            "--product".into(),
            "1001".into(),
            "--quantity".into(),
            "3".into(),
            "--yes".into(),
        ],
        vec!["orders".into(), "list".into()],
        vec!["orders".into(), "get".into(), "2000000001".into()],
        vec!["products".into(), "list".into()],
        vec![
            "sims".into(),
            "extend".into(),
            b.clone(),
            "--product".into(),
            "1002".into(),
            "--yes".into(),
        ],
        vec![
            "sims".into(),
            "transfer".into(),
            sandbox.iccid(29),
            "--to".into(),
            "2000000007".into(),
            "--yes".into(),
        ],
    ];
    for command in commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let run = onence(&sandbox, &args, "").await;
        assert_eq!(run.code, 0, "{command:?}: {}", run.stderr);
        for line in run.stdout.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{command:?}: {line}: {e}"));
        }
        assert!(!run.stdout.is_empty(), "{command:?} printed nothing");
    }
    let counters = sandbox.counters();
    assert_eq!(counters.top_ups_applied, 3);
    assert_eq!(counters.posts_applied_to("POST /v1/orders"), 1);
}

fn today(days: i64) -> String {
    let now: chrono::DateTime<chrono::Utc> = std::time::SystemTime::now().into();
    (now.date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_flag_works_offline_with_a_banner() {
    let run = tokio::task::spawn_blocking(|| {
        Command::cargo_bin("onence")
            .unwrap()
            .args(["--sandbox", "sims", "list"])
            .env_remove("ONENCE_CLIENT_ID")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("embedded sandbox"));
    assert_eq!(String::from_utf8_lossy(&run.stdout).lines().count(), 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn costly_commands_need_confirmation_and_dry_run_sends_nothing() {
    let sandbox = sandbox().await;
    let a = sandbox.iccid(0);
    let refused = onence(&sandbox, &["topup", "one", &a], "").await;
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);

    let dry = onence(
        &sandbox,
        &[
            "topup",
            "many",
            &a,
            &sandbox.iccid(1),
            "--payment-method",
            "boleto",
            "--dry-run",
        ],
        "",
    )
    .await;
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        planned_writes(&dry.stdout)
            .iter()
            .any(|w| w.starts_with("POST /v1/sims/topup?payment_method=boleto")),
        "{}",
        dry.stdout
    );
    for args in [
        vec![
            "orders",
            "create",
            "--product",
            "1001",
            "--quantity",
            "1",
            "--dry-run",
        ],
        vec!["sims", "disable", &a, "--dry-run"],
    ] {
        let run = onence(&sandbox, &args, "").await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            !run.stdout.is_empty()
                && run.stdout.lines().all(|l| {
                    serde_json::from_str::<serde_json::Value>(l)
                        .is_ok_and(|v| v["would_send"]["method"].is_string())
                }),
            "{args:?}: {}",
            run.stdout
        );
    }
    // On a terminal's formats the plan is a line of text.
    let table = onence(
        &sandbox,
        &["-o", "table", "sims", "disable", &a, "--dry-run"],
        "",
    )
    .await;
    assert!(
        table.stdout.starts_with("would send: PUT"),
        "{}",
        table.stdout
    );
    // Reads ran (the plan is real); no write was sent.
    assert!(sandbox.writes().is_empty(), "{:?}", sandbox.writes());
    let counters = sandbox.counters();
    assert_eq!(counters.top_ups_applied, 0);
    assert!(counters.posts_applied.is_empty());
}

/// The dry run of every write command is the request the sandbox receives
/// when the command runs for real: printed by the hook that sends requests,
/// not written by hand.
#[tokio::test(flavor = "multi_thread")]
async fn every_dry_run_is_the_request_a_real_run_sends() {
    let sandbox = Sandbox::builder()
        .sims(30)
        .seed(16)
        .change_delay(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let (a, b) = (sandbox.iccid(3), sandbox.iccid(4));
    let commands: Vec<Vec<String>> = vec![
        vec!["sims".into(), "label".into(), a.clone(), "pump-3".into()],
        vec!["sims".into(), "imei-lock".into(), a.clone()],
        vec!["sims".into(), "disable".into(), a.clone(), b.clone()],
        vec!["sims".into(), "enable".into(), a.clone()],
        vec!["sims".into(), "reset".into(), a.clone()],
        vec![
            "sims".into(),
            "transfer".into(),
            sandbox.iccid(5),
            "--to".into(),
            "2000000007".into(),
        ],
        vec![
            "sims".into(),
            "extend".into(),
            a.clone(),
            "--product".into(),
            "1002".into(),
        ],
        vec!["sms".into(), "send".into(), a.clone(), "reboot now".into()],
        vec![
            "topup".into(),
            "one".into(),
            a.clone(),
            "--payment-method".into(),
            "creditcard".into(),
        ],
        vec!["topup".into(), "many".into(), a.clone(), b.clone()],
        vec!["topup".into(), "auto".into(), "on".into(), a.clone()],
        vec!["limits".into(), "set".into(), "--data".into(), "2".into()],
        vec![
            "orders".into(),
            "create".into(),
            "--product".into(),
            "1001".into(),
            "--quantity".into(),
            "2".into(),
        ],
        vec![
            "support".into(),
            "create".into(),
            "--subject".into(),
            "S".into(),
            "--text".into(),
            "T".into(),
        ],
    ];
    for command in commands {
        let mut dry: Vec<&str> = command.iter().map(String::as_str).collect();
        dry.push("--dry-run");
        let planned = onence(&sandbox, &dry, "").await;
        assert_eq!(planned.code, 0, "{command:?}: {}", planned.stderr);
        let planned = planned_writes(&planned.stdout);
        assert!(!planned.is_empty(), "{command:?} plans a write");
        let before = sandbox.writes().len();
        let mut real: Vec<&str> = command.iter().map(String::as_str).collect();
        real.push("--yes");
        let done = onence(&sandbox, &real, "").await;
        assert_eq!(done.code, 0, "{command:?}: {}", done.stderr);
        let sent: Vec<String> = sandbox.writes()[before..]
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert_eq!(planned, sent, "{command:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Reads run in a dry run (they used to panic without a client).
    let read = onence(&sandbox, &["sims", "get", &a, "--dry-run"], "").await;
    assert_eq!(read.code, 0, "{}", read.stderr);
    let sim: serde_json::Value = serde_json::from_str(read.stdout.trim()).unwrap();
    assert_eq!(sim["iccid"], a);
}

#[tokio::test(flavor = "multi_thread")]
async fn iccids_come_from_stdin_and_a_bad_line_is_named_before_anything_is_sent() {
    let sandbox = sandbox().await;
    let good = format!(
        "{}\n# the pumps\n\n{}  # second\n",
        sandbox.iccid(0),
        sandbox.iccid(1)
    );
    let run = onence(&sandbox, &["sims", "enable", "--yes"], &good).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("2 SIMs enabled"), "{}", run.stdout);
    let one = format!("{}\n", sandbox.iccid(0));
    let run = onence(&sandbox, &["sims", "disable", "--yes"], &one).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("1 SIM disabled;"), "{}", run.stdout);

    let bad = format!("{}\n# comment\n\nnot-an-iccid\n", sandbox.iccid(2));
    let before = sandbox.counters().requests.values().sum::<u64>();
    let run = onence(&sandbox, &["sims", "disable", "--yes"], &bad).await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("stdin line 4"), "{}", run.stderr);
    assert_eq!(sandbox.counters().requests.values().sum::<u64>(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_are_one_line_with_the_right_exit_code_and_no_secret() {
    let sandbox = sandbox().await;
    let missing = onence(&sandbox, &["sims", "get", "8988280666000099999"], "").await;
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr.trim().lines().count(),
        1,
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("not found") && missing.stderr.contains("check the ICCID"),
        "{}",
        missing.stderr
    );

    let usage = onence(&sandbox, &["sims", "get", "123"], "").await;
    assert_eq!(usage.code, 2);

    let secret = sandbox.client_secret().to_string();
    let wrong = onence_at(
        sandbox.base_url().to_string(),
        sandbox.credentials().user().to_string(),
        "definitely-wrong-secret".into(),
        &["products", "list"],
        "",
    )
    .await;
    let stderr = &wrong.stderr;
    assert_eq!(wrong.code, 3, "credentials refused");
    assert!(stderr.contains("check ONENCE_CLIENT_ID"), "{stderr}");
    assert!(!stderr.contains("definitely-wrong-secret"));

    for args in [
        vec!["sims", "list"],
        vec!["--help"],
        vec!["sims", "get", "x"],
    ] {
        let run = onence(&sandbox, &args, "").await;
        assert!(
            !run.stdout.contains(&secret) && !run.stderr.contains(&secret),
            "{args:?} shows the secret"
        );
    }
}

#[test]
fn help_says_what_each_command_does_with_an_example() {
    let help = Command::cargo_bin("onence")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("Examples:") && text.contains("onence --sandbox sims list"),
        "{text}"
    );
    let sims = Command::cargo_bin("onence")
        .unwrap()
        .args(["sims", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&sims.stdout);
    for verb in [
        "list",
        "get",
        "status",
        "details",
        "connectivity",
        "enable",
        "disable",
        "label",
        "imei-lock",
        "reset",
        "usage",
        "events",
        "quota",
        "transfer",
        "extend",
    ] {
        assert!(text.contains(verb), "sims {verb} is not in the help");
    }
    assert!(text.contains("example: onence sims"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn read_commands_print_tables_and_csv_with_headers() {
    let sandbox = sandbox().await;
    let a = sandbox.iccid(0);
    let reads: Vec<(Vec<&str>, &str)> = vec![
        (vec!["sims", "get", &a], "ICCID"),
        (vec!["sims", "status", &a], "STATUS"),
        (vec!["sims", "details", &a], "ICCID"),
        (vec!["sims", "connectivity", &a], "LOCATED"),
        (vec!["sims", "events", &a], "TIME"),
        (vec!["sims", "quota", "data", &a], "LEFT"),
        (vec!["sms", "list", &a], "ID"),
        (vec!["limits", "get"], "DATA"),
        (vec!["limits", "options", "data"], "DATA"),
        (vec!["orders", "list"], "NUMBER"),
        (vec!["products", "list"], "ID"),
    ];
    for (args, first_header) in reads {
        let table = onence(&sandbox, &[&["-o", "table"][..], &args[..]].concat(), "").await;
        assert_eq!(table.code, 0, "{args:?}: {}", table.stderr);
        assert!(
            table.stdout.starts_with(first_header),
            "{args:?}: {}",
            table.stdout
        );
        let csv = onence(&sandbox, &[&["-o", "csv"][..], &args[..]].concat(), "").await;
        assert_eq!(csv.code, 0, "{args:?}: {}", csv.stderr);
        assert!(
            csv.stdout.starts_with(&first_header.to_lowercase()),
            "{args:?}: {}",
            csv.stdout
        );
    }
}

/// `sims details` reads a SIM through v2: its state, connectivity and both
/// quotas with thresholds, as one JSON object.
#[tokio::test(flavor = "multi_thread")]
async fn sim_details_show_connectivity_and_quota_thresholds() {
    let sandbox = sandbox().await;
    let a = sandbox.iccid(0);
    let out = onence(&sandbox, &["sims", "details", &a], "").await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let details: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let details = details.as_array().map_or(&details, |a| &a[0]);
    assert_eq!(details["sim"]["iccid"], a.as_str());
    assert!(
        details["connectivity"]["status"]["description"].is_string(),
        "{details}"
    );
    let quota = &details["data_quota"];
    assert_eq!(
        quota["threshold_volume"].as_f64(),
        quota["total_volume"].as_f64().map(|t| t * 0.2)
    );
    assert_eq!(
        sandbox
            .counters()
            .requests_to("GET /v2/sims/{iccid}/status"),
        1
    );
    let bad = onence(&sandbox, &["sims", "details", "12"], "").await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(
        sandbox.counters().requests_to("GET /v2/sims/{iccid}"),
        1,
        "nothing sent for a bad ICCID"
    );
}

/// Against a drifting service the commands read every record and print what
/// the API sent: an undocumented status stays `"Suspended"` in the JSON.
#[tokio::test(flavor = "multi_thread")]
async fn commands_cope_with_a_drifting_service() {
    let sandbox = Sandbox::builder()
        .sims(30)
        .seed(4)
        .drift(true)
        .start()
        .await
        .unwrap();
    let json = onence(&sandbox, &["sims", "list"], "").await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let lines: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 30, "no record lost");
    assert!(
        lines.iter().any(|l| l["status"] == "Suspended"),
        "the raw value is printed"
    );
    for format in ["table", "csv"] {
        let run = onence(&sandbox, &["--output", format, "sims", "list"], "").await;
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("Suspended"), "{format}");
    }
    let iccid = sandbox.iccid(1);
    let quota = onence(&sandbox, &["sims", "quota", "data", &iccid], "").await;
    assert_eq!(quota.code, 0, "{}", quota.stderr);
}

/// The documents declare no `Location` header, so a server built from them
/// answers 201 without one. The SMS was sent and the order placed: exit 0,
/// and the output says the id was not given (never a failure that invites a
/// second, billed try).
#[tokio::test(flavor = "multi_thread")]
async fn a_write_answered_without_location_succeeds_and_says_so() {
    use httpmock::prelude::*;
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(200)
                .json_body(serde_json::json!({ "access_token": "t", "expires_in": 3600 }));
        })
        .await;
    let sms = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/sims/8988280666000000000/sms");
            then.status(201);
        })
        .await;
    let order = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/orders");
            then.status(201);
        })
        .await;
    let run = |args: &'static [&'static str]| {
        onence_at(server.base_url(), "id".into(), "secret".into(), args, "")
    };
    let sent = run(&["sms", "send", "8988280666000000000", "reboot"]).await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let line: serde_json::Value = serde_json::from_str(sent.stdout.trim()).unwrap();
    assert_eq!(line["sms_id"], serde_json::Value::Null);
    assert!(line["detail"]
        .as_str()
        .unwrap()
        .contains("did not give its sms_id"));
    let placed = run(&[
        "orders",
        "create",
        "--product",
        "1001",
        "--quantity",
        "1",
        "--yes",
    ])
    .await;
    assert_eq!(placed.code, 0, "{}", placed.stderr);
    let line: serde_json::Value = serde_json::from_str(placed.stdout.trim()).unwrap();
    assert_eq!(line["order_number"], serde_json::Value::Null);
    assert!(line["detail"]
        .as_str()
        .unwrap()
        .contains("did not give its order_number"));
    assert_eq!(sms.calls_async().await, 1, "sent once");
    assert_eq!(order.calls_async().await, 1, "placed once");
}

/// Exit codes say what kind of failure it was: 3 for refused credentials, 4
/// for a write whose answer never came (it may have happened).
#[tokio::test(flavor = "multi_thread")]
async fn exit_codes_tell_auth_failures_and_unknown_outcomes_apart() {
    use httpmock::prelude::*;
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header_exists("authorization");
            then.status(200)
                .json_body(serde_json::json!({ "access_token": "t", "expires_in": 3600 }));
        })
        .await;
    let late = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/sims/8988280666000000000/sms");
            then.status(201).delay(Duration::from_secs(3));
        })
        .await;
    let sent = onence_at(
        server.base_url(),
        "id".into(),
        "secret".into(),
        &[
            "--timeout",
            "0.5",
            "sms",
            "send",
            "8988280666000000000",
            "reboot",
        ],
        "",
    )
    .await;
    assert_eq!(sent.code, 4, "{}", sent.stderr);
    assert!(
        sent.stderr.contains("may have taken effect"),
        "{}",
        sent.stderr
    );
    assert_eq!(late.calls_async().await, 1, "never resent");

    let sandbox = sandbox().await;
    let refused = onence_at(
        sandbox.base_url().to_string(),
        sandbox.credentials().user().to_string(),
        "not-the-secret".into(),
        &["sims", "list"],
        "",
    )
    .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
}

/// `onence support`: create asks first (refuses without a terminal unless
/// --yes), its dry run sends nothing, and list shows what was opened.
#[tokio::test(flavor = "multi_thread")]
async fn support_requests_are_created_and_listed() {
    let sandbox = sandbox().await;
    let create = [
        "support",
        "create",
        "--subject",
        "No data",
        "--text",
        "attached, no traffic",
    ];
    let refused = onence(&sandbox, &create, "").await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    let dry: Vec<&str> = [&create[..], &["--dry-run"]].concat();
    let planned = onence(&sandbox, &dry, "").await;
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    assert!(
        planned_writes(&planned.stdout)
            .iter()
            .any(|w| w.starts_with("POST /v1/support")),
        "{}",
        planned.stdout
    );
    assert_eq!(sandbox.counters().requests_to("POST /v1/support"), 0);
    let yes: Vec<&str> = [&create[..], &["--yes"]].concat();
    let done = onence(&sandbox, &yes, "").await;
    assert_eq!(done.code, 0, "{}", done.stderr);
    let listed = onence(&sandbox, &["support", "list"], "").await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let line: serde_json::Value =
        serde_json::from_str(listed.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["subject"], "No data");
    assert_eq!(line["status"], "OPEN");
}

/// A bulk command keeps a journal: rerun with it, nothing is sent again;
/// Ctrl-C stops after the chunk in flight (exit 130), says how far it got and
/// how to resume, and the rerun finishes the job with no SIM sent twice.
#[tokio::test(flavor = "multi_thread")]
async fn bulk_commands_resume_from_their_journal_and_stop_on_ctrl_c() {
    let sandbox = Sandbox::builder()
        .sims(1_000)
        .seed(14)
        .latency(Duration::from_millis(150))
        .change_delay(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let dir = std::env::temp_dir().join(format!("onence-cli-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("disable.journal");
    let few: Vec<String> = (0..150).map(|i| sandbox.iccid(i)).collect();
    let file = dir.join("few.txt");
    std::fs::write(&file, few.join("\n")).unwrap();
    let args = |journal: &std::path::Path| {
        vec![
            "sims".to_string(),
            "disable".into(),
            "--file".into(),
            file.display().to_string(),
            "--journal".into(),
            journal.display().to_string(),
            "--yes".into(),
        ]
    };
    let first = args(&journal);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let run = onence(&sandbox, &first, "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let posts = sandbox.counters().requests_to("POST /v1/sims");
    assert_eq!(posts, 2);
    let again = onence(&sandbox, &first, "").await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("150 SIMs done earlier"),
        "{}",
        again.stderr
    );
    assert_eq!(
        sandbox.counters().requests_to("POST /v1/sims"),
        posts,
        "nothing sent twice"
    );

    // Ctrl-C in the middle of a 1,000-SIM job, then the rerun.
    let all: Vec<String> = (0..1_000).map(|i| sandbox.iccid(i)).collect();
    let file = dir.join("all.txt");
    std::fs::write(&file, all.join("\n")).unwrap();
    let journal = dir.join("all.journal");
    let child = onence_process(
        &sandbox,
        &[
            "sims",
            "enable",
            "--file",
            &file.display().to_string(),
            "--journal",
            &journal.display().to_string(),
            "--yes",
        ],
    )
    .spawn()
    .unwrap();
    // Interrupt once the first chunk was applied: mid-job, whatever the machine's speed.
    let applied_before = sandbox.counters().posts_applied_to("POST /v1/sims");
    for _ in 0..600 {
        if sandbox.counters().posts_applied_to("POST /v1/sims") > applied_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        sandbox.counters().posts_applied_to("POST /v1/sims") > applied_before,
        "the job applied a chunk"
    );
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: applied"), "{stderr}");
    assert!(stderr.contains("resume with the same command"), "{stderr}");
    let before = sandbox.counters().requests_to("POST /v1/sims");
    let rest: Vec<String> = vec![
        "sims".into(),
        "enable".into(),
        "--file".into(),
        file.display().to_string(),
        "--journal".into(),
        journal.display().to_string(),
        "--yes".into(),
    ];
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let finished = onence(&sandbox, &rest, "").await;
    assert_eq!(finished.code, 0, "{}", finished.stderr);
    assert_eq!(
        sandbox.counters().requests_to("POST /v1/sims") - posts,
        10,
        "1,000 SIMs in 10 chunks over both runs: none twice (the interrupted run sent {})",
        before - posts
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A reader that stops early (`onence sims list | head -1`) ends the command
/// quietly with exit 0, in every format and for dry-run lines too.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_the_command_quietly() {
    use std::io::BufRead;
    let sandbox = Sandbox::builder()
        .sims(2_000)
        .seed(2)
        .latency(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    // 20,000 ICCIDs: a dry run prints 200 lines of 100 ICCIDs, far more than a pipe holds.
    let dir = std::env::temp_dir().join(format!("onence-cli-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ids = dir.join("ids.txt");
    let many: Vec<String> = (0..20_000u64)
        .map(|i| (8_988_280_666_000_000_000u64 + i).to_string())
        .collect();
    std::fs::write(&ids, many.join("\n")).unwrap();
    let ids = ids.display().to_string();
    let dry_run = ["--dry-run", "topup", "many", "--file", &ids, "--yes"];
    let runs: [(&str, Vec<&str>); 4] = [
        ("json", vec!["--output", "json", "sims", "list"]),
        ("csv", vec!["--output", "csv", "sims", "list"]),
        ("table", vec!["--output", "table", "sims", "list"]),
        ("dry run", dry_run.to_vec()),
    ];
    for (format, args) in runs {
        let pages_before = sandbox.counters().requests_to("GET /v1/sims");
        let mut child = onence_process(&sandbox, &args).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let first = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .unwrap();
            line // the reader goes away here, closing the pipe
        })
        .await
        .unwrap();
        assert!(!first.is_empty());
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{format}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{stderr}"
        );
        if format == "dry run" {
            let first: serde_json::Value = serde_json::from_str(&first).unwrap();
            assert_eq!(first["would_send"]["method"], "POST", "{first}");
        } else {
            // 20 pages in all: reading stopped soon after the reader went away.
            let pages = sandbox.counters().requests_to("GET /v1/sims") - pages_before;
            assert!(pages < 10, "{format}: {pages} of 20 pages read");
        }
    }
    assert!(sandbox.writes().is_empty(), "a dry run sends no write");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Text from the server cannot drive the terminal or forge a row: control
/// characters are escaped in tables, and CSV quotes what needs quoting.
#[tokio::test(flavor = "multi_thread")]
async fn server_text_is_printed_safely() {
    let sandbox = Sandbox::builder()
        .sims(30)
        .seed(3)
        .change_delay(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let iccid = sandbox.iccid(0);
    // Planted with plain HTTP: onence itself refuses such a label.
    let http = reqwest::Client::new();
    let token: serde_json::Value = support::sandbox_token(&sandbox).await;
    // An escape sequence, a forged row, and a right-to-left override that
    // would show the rest of the line reversed.
    let label = "pump\u{1b}[2J\nFORGED  Enabled\r\u{202e}delbanE";
    let put = http
        .put(format!("{}/v1/sims/{iccid}", sandbox.base_url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&serde_json::json!({ "iccid": iccid, "status": "Enabled", "label": label }))
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        eventually_shown(&sandbox, &iccid).await,
        "the label was applied"
    );
    let table = onence(&sandbox, &["--output", "table", "sims", "list"], "").await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(!table.stdout.contains('\u{1b}') && !table.stdout.contains('\r'));
    assert!(
        !table.stdout.contains('\u{202e}') && table.stdout.contains(r"\u{202e}delbanE"),
        "the bidi override is shown escaped: {}",
        table.stdout
    );
    assert!(
        table.stdout.contains(r"pump\u{1b}[2J\nFORGED"),
        "{}",
        table.stdout
    );
    assert_eq!(
        table.stdout.lines().count(),
        31,
        "a header and 30 rows, none forged"
    );
    let csv = onence(&sandbox, &["--output", "csv", "sims", "list"], "").await;
    assert!(
        csv.stdout
            .contains("\"pump\u{1b}[2J\nFORGED  Enabled\r\u{202e}delbanE\""),
        "{}",
        csv.stdout
    );
}

/// Polls until the sandbox shows the planted label (SIM changes are queued).
/// Whether the SIM's label reads `want` within five seconds (changes are queued).
async fn label_becomes(sandbox: &Sandbox, iccid: &str, want: &str) -> bool {
    let client = sandbox.client();
    for _ in 0..50 {
        let sim = client.get_sim().iccid(iccid).send().await.unwrap();
        if sim.label.as_deref() == Some(want) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn eventually_shown(sandbox: &Sandbox, iccid: &str) -> bool {
    let client = sandbox.client();
    for _ in 0..50 {
        let sim = client.get_sim().iccid(iccid).send().await.unwrap();
        if sim.label.as_deref().is_some_and(|l| l.starts_with("pump")) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// --debug logs each request on stderr (method, path, status, attempt,
/// time), and never the secret or the token.
#[tokio::test(flavor = "multi_thread")]
async fn debug_logs_requests_without_secrets() {
    let sandbox = sandbox().await;
    let run = onence(&sandbox, &["--debug", "products", "list"], "").await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("operation=\"list_products\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("path=/management-api/v1/products"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("status=200"), "{}", run.stderr);
    assert!(
        !run.stderr.contains(sandbox.client_secret()),
        "the secret leaked"
    );
    assert!(
        !run.stderr.to_lowercase().contains("bearer "),
        "a token leaked"
    );
}

/// Lists print as pages arrive: the first row of a 2,000-SIM table comes
/// long before the last page; --limit N prints N rows and reads no further.
#[tokio::test(flavor = "multi_thread")]
async fn lists_stream_and_stop_at_the_limit() {
    use std::io::BufRead;
    let sandbox = Sandbox::builder()
        .sims(2_000)
        .seed(15)
        .latency(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    for format in ["table", "csv"] {
        let mut child = onence_process(&sandbox, &["--output", format, "sims", "list"])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let pages_before = sandbox.counters().requests_to("GET /v1/sims");
        let (first_row, first_row_shown) = tokio::sync::oneshot::channel();
        let reading = tokio::task::spawn_blocking(move || {
            let mut reader = std::io::BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap(); // the header
            line.clear();
            reader.read_line(&mut line).unwrap();
            let _ = first_row.send(());
            reader.lines().count() + 2
        });
        first_row_shown.await.unwrap();
        // 20 pages of 100 SIMs, 100 ms each: the first row is shown after
        // the first page, not after the last. By then the pager has the
        // next four in flight (and a loaded machine may let a few more
        // start before this line reads the count): far fewer than 20.
        let pages_at_first_row = sandbox.counters().requests_to("GET /v1/sims") - pages_before;
        let lines = reading.await.unwrap();
        assert!(child.wait().unwrap().success());
        assert_eq!(lines, 2_001, "{format}: a header and every SIM");
        let pages = sandbox.counters().requests_to("GET /v1/sims") - pages_before;
        assert_eq!(pages, 20, "{format}");
        assert!(
            pages_at_first_row <= 8,
            "{format}: the first row came after {pages_at_first_row} of {pages} pages"
        );
    }
    let before = sandbox.counters().requests_to("GET /v1/sims");
    let limited = onence(&sandbox, &["--limit", "5", "sims", "list"], "").await;
    assert_eq!(limited.code, 0, "{}", limited.stderr);
    assert_eq!(limited.stdout.lines().count(), 5);
    assert_eq!(
        sandbox.counters().requests_to("GET /v1/sims") - before,
        1,
        "one page read"
    );
}

/// Operators' conventions: completions for the shells, --file and ICCIDs
/// not both, every billed or account-wide write asks first (and refuses
/// without a terminal unless --yes), --where filters lists client-side.
#[tokio::test(flavor = "multi_thread")]
async fn operators_conventions_hold() {
    let sandbox = sandbox().await;
    let bash = onence(&sandbox, &["completions", "bash"], "").await;
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    assert!(bash.stdout.contains("_onence") && bash.stdout.contains("support"));
    let zsh = onence(&sandbox, &["completions", "zsh"], "").await;
    assert!(zsh.stdout.contains("#compdef onence"));

    let both = onence(
        &sandbox,
        &["sims", "enable", &sandbox.iccid(0), "--file", "x.txt"],
        "",
    )
    .await;
    assert_eq!(both.code, 2);
    assert!(both.stderr.contains("not both"), "{}", both.stderr);

    for args in [
        vec!["topup", "auto", "on", sandbox.iccid(0).as_str()]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
        vec!["limits".into(), "set".into(), "--data".into(), "3".into()],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let refused = onence(&sandbox, &args, "").await;
        assert_eq!(refused.code, 2, "{args:?} asks first: {}", refused.stderr);
    }
    // The question names what the write costs, from the library's write policy.
    let iccid = sandbox.iccid(0);
    for (args, cost) in [
        (vec!["topup", "one", iccid.as_str()], onence::writes::TOP_UP),
        (
            vec!["api", "call", "v1.top_up_sim", &format!("iccid={iccid}")],
            onence::writes::TOP_UP,
        ),
        (
            vec!["api", "call", "v1.update_sim", &format!("iccid={iccid}")],
            onence::writes::FREE,
        ),
    ] {
        let refused = onence(&sandbox, &args, "").await;
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains(cost.what()),
            "{args:?} names its cost {:?}: {}",
            cost.what(),
            refused.stderr
        );
    }
    assert_eq!(sandbox.counters().top_ups_applied, 0);
    assert_eq!(sandbox.counters().requests_to("POST /v1/sims/autoTopup"), 0);
    assert_eq!(sandbox.counters().requests_to("POST /v1/sims/limits"), 0);

    let all = onence(&sandbox, &["sims", "list"], "").await;
    let disabled = all
        .stdout
        .lines()
        .filter(|l| l.contains("\"status\":\"Disabled\""))
        .count();
    assert!(
        disabled > 0 && disabled < 30,
        "the seeded fleet has some disabled SIMs: {disabled}"
    );
    let only = onence(
        &sandbox,
        &["--where", "status=Disabled", "sims", "list"],
        "",
    )
    .await;
    assert_eq!(only.code, 0, "{}", only.stderr);
    assert_eq!(only.stdout.lines().count(), disabled);
    assert!(only
        .stdout
        .lines()
        .all(|l| l.contains("\"status\":\"Disabled\"")));
    let bad = onence(&sandbox, &["--where", "status", "sims", "list"], "").await;
    assert_eq!(bad.code, 2);
}

/// Profiles: --profile (or ONENCE_PROFILE) picks an account from the
/// configuration file; a file holding a secret is refused unless only its
/// owner can read it; an unknown profile is named.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn profiles_choose_the_account() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = sandbox().await;
    let dir = std::env::temp_dir().join(format!("onence-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.sandbox]\nclient_id = {:?}\nbase_url = {:?}\nsecret = {:?}\n\n[profiles.other]\nclient_id = \"x\"\n",
            sandbox.credentials().user(),
            sandbox.base_url(),
            sandbox.client_secret()
        ),
    )
    .unwrap();
    let path = config.clone();
    let run = move |args: Vec<&'static str>, profile_env: Option<&'static str>, mode: u32| {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut command = assert_cmd::Command::cargo_bin("onence").unwrap();
        command
            .args(&args)
            .env("ONENCE_CONFIG", &path)
            .env("ONENCE_STATE_DIR", path.with_file_name("state"))
            .env_remove("ONENCE_CLIENT_ID")
            .env_remove("ONENCE_CLIENT_SECRET")
            .env_remove("ONENCE_BASE_URL")
            .env_remove("ONENCE_PROFILE");
        if let Some(name) = profile_env {
            command.env("ONENCE_PROFILE", name);
        }
        command.timeout(Duration::from_secs(60)).output().unwrap()
    };
    let outputs = tokio::task::spawn_blocking(move || {
        (
            run(
                vec!["--profile", "sandbox", "products", "list"],
                None,
                0o600,
            ),
            run(vec!["products", "list"], Some("sandbox"), 0o600),
            run(
                vec!["--profile", "sandbox", "products", "list"],
                None,
                0o644,
            ),
            run(
                vec!["--profile", "missing", "products", "list"],
                None,
                0o600,
            ),
        )
    })
    .await
    .unwrap();
    let (flag, env, shared, missing) = outputs;
    assert_eq!(
        flag.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&flag.stderr)
    );
    assert!(String::from_utf8_lossy(&flag.stdout).contains("1001"));
    assert_eq!(
        env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&env.stderr)
    );
    let refused = String::from_utf8_lossy(&shared.stderr);
    assert_eq!(shared.status.code(), Some(2), "{refused}");
    assert!(
        refused.contains("chmod 600") && !refused.contains(sandbox.client_secret()),
        "{refused}"
    );
    let missing_err = String::from_utf8_lossy(&missing.stderr);
    assert!(
        missing_err.contains("no profile \"missing\""),
        "{missing_err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Snapshots of what people read: the help texts and a table. A change to
/// them shows in review as a diff of tests/snapshots/.
#[tokio::test(flavor = "multi_thread")]
async fn help_texts_and_a_table_match_their_snapshots() {
    let sandbox = sandbox().await;
    let help = onence(&sandbox, &["--help"], "").await;
    insta::assert_snapshot!("help", help.stdout);
    let sims_help = onence(&sandbox, &["sims", "--help"], "").await;
    insta::assert_snapshot!("sims_help", sims_help.stdout);
    let table = onence(
        &sandbox,
        &["--output", "table", "--limit", "8", "sims", "list"],
        "",
    )
    .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    insta::assert_snapshot!("sims_table", table.stdout);
}

/// Write commands print what they did as data: the SMS id, the ICCID, counts.
#[tokio::test(flavor = "multi_thread")]
async fn writes_print_what_they_did_as_data() {
    let sandbox = sandbox().await;
    let iccid = sandbox.iccid(2);
    let sent = onence(&sandbox, &["sms", "send", &iccid, "ping"], "").await;
    let sent: serde_json::Value = serde_json::from_str(sent.stdout.trim()).unwrap();
    let id = sent["sms_id"].as_i64().expect("the sandbox names the SMS");
    let cancelled = onence(&sandbox, &["sms", "cancel", &iccid, &id.to_string()], "").await;
    let cancelled: serde_json::Value = serde_json::from_str(cancelled.stdout.trim()).unwrap();
    assert_eq!(cancelled["sms_id"], id);
    assert_eq!(cancelled["iccid"], iccid);
    let label = onence(&sandbox, &["sims", "label", &iccid, "pump-9"], "").await;
    let label: serde_json::Value = serde_json::from_str(label.stdout.trim()).unwrap();
    assert_eq!(
        (label["iccid"].as_str(), label["label"].as_str()),
        (Some(iccid.as_str()), Some("pump-9"))
    );
    let reset = onence(&sandbox, &["sims", "reset", &iccid], "").await;
    let reset: serde_json::Value = serde_json::from_str(reset.stdout.trim()).unwrap();
    assert_eq!(reset["queued"], true);
}

/// The man page renders from the same definitions as --help.
#[tokio::test(flavor = "multi_thread")]
async fn the_man_page_renders() {
    let sandbox = sandbox().await;
    let man = onence(&sandbox, &["man"], "").await;
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.contains(".TH onence 1"), "{}", man.stdout);
    assert!(man.stdout.contains("support"));
}

/// --fields keeps only the fields asked for, in order, in JSON, CSV and
/// tables; tables pad by display width, so wide (CJK) labels line up.
#[tokio::test(flavor = "multi_thread")]
async fn fields_choose_the_output_and_wide_labels_line_up() {
    let sandbox = Sandbox::builder()
        .sims(3)
        .seed(3)
        .change_delay(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let json = onence(&sandbox, &["--fields", "status,iccid", "sims", "list"], "").await;
    let first: serde_json::Value =
        serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2, "{first}");
    assert_eq!(first["iccid"], sandbox.iccid(0));
    let csv = onence(
        &sandbox,
        &["-o", "csv", "--fields", "iccid,label", "sims", "list"],
        "",
    )
    .await;
    assert_eq!(csv.stdout.lines().next(), Some("iccid,label"));

    let client = sandbox.client();
    client
        .set_sim_label(sandbox.iccid(0), "東京ポンプ")
        .await
        .unwrap();
    assert!(
        label_becomes(&sandbox, &sandbox.iccid(0), "東京ポンプ").await,
        "the label was applied"
    );
    let table = onence(
        &sandbox,
        &["-o", "table", "--fields", "label,status", "sims", "list"],
        "",
    )
    .await;
    let starts: Vec<usize> = table
        .stdout
        .lines()
        .map(|line| {
            let at = line
                .find("Enabled")
                .or(line.find("Disabled"))
                .or(line.find("STATUS"))
                .unwrap();
            unicode_width::UnicodeWidthStr::width(&line[..at])
        })
        .collect();
    assert!(
        table.stdout.contains("東京ポンプ"),
        "the wide label is in the table: {}",
        table.stdout
    );
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{}", table.stdout);
}

/// Flags that take an API enum offer exactly the documented values (from the
/// spec, typed) and refuse others before anything is sent.
#[tokio::test(flavor = "multi_thread")]
async fn enum_flags_take_the_documented_values() {
    use onence::KnownValues;
    let sandbox = sandbox().await;
    let help = onence(&sandbox, &["topup", "one", "--help"], "").await;
    for value in onence::models::PaymentMethod::VALUES {
        assert!(help.stdout.contains(value), "{value} in {}", help.stdout);
    }
    let refused = onence(
        &sandbox,
        &[
            "topup",
            "one",
            &sandbox.iccid(0),
            "--payment-method",
            "paypal",
            "--yes",
        ],
        "",
    )
    .await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("paypal"));
    assert_eq!(sandbox.counters().top_ups_applied, 0);
    let options = onence(&sandbox, &["limits", "options", "smsMO"], "").await;
    assert_eq!(options.code, 0, "{}", options.stderr);
}

/// A write whose answer breaks off after it took effect (the sandbox's
/// faults): once the 201 was seen the write succeeded and the command exits
/// 0; when no status came it may have taken effect and the command exits 4.
/// A journaled `topup many` records the chunk either way, and its rerun
/// never sends it again.
#[tokio::test(flavor = "multi_thread")]
async fn writes_whose_answer_breaks_off_say_what_was_seen() {
    use onence::sandbox::Faults;
    let cases = [
        ("cut body", Faults::none().with_cut_body_rate(1.0), 0),
        ("cut head", Faults::none().with_cut_head_rate(1.0), 4),
        ("dropped", Faults::none().with_drop_rate(1.0), 4),
    ];
    for (how, faults, code) in cases {
        let sandbox = Sandbox::builder()
            .sims(30)
            .seed(3)
            .faults(faults.with_routes(["POST /topup", "POST /sms", "POST /v1/orders"]))
            .start()
            .await
            .unwrap();
        let iccid = sandbox.iccid(0);
        let commands: [(&[&str], &str); 3] = [
            (
                &["topup", "one", &iccid, "--yes"],
                "POST /v1/sims/{iccid}/topup",
            ),
            (
                &["sms", "send", &iccid, "hello", "--yes"],
                "POST /v1/sims/{iccid}/sms",
            ),
            (
                &[
                    "orders",
                    "create",
                    "--product",
                    "1001",
                    "--quantity",
                    "1",
                    "--yes",
                ],
                "POST /v1/orders",
            ),
        ];
        for (args, route) in commands {
            let run = onence(&sandbox, args, "").await;
            assert_eq!(run.code, code, "{how}: {args:?}: {}", run.stderr);
            if code == 0 {
                let line: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
                assert!(line.is_object(), "{how}: {args:?}: {}", run.stdout);
            } else {
                assert!(
                    run.stderr.contains("may have taken effect"),
                    "{how}: {}",
                    run.stderr
                );
                assert!(!run.stderr.contains("decode"), "{how}: {}", run.stderr);
            }
            let counters = sandbox.counters();
            assert_eq!(counters.requests_to(route), 1, "{how}: {args:?} sent once");
            assert_eq!(
                counters.posts_applied_to(route),
                1,
                "{how}: {args:?} took effect"
            );
        }

        let dir = std::env::temp_dir().join(format!(
            "onence-cli-broken-{}-{}",
            std::process::id(),
            how.replace(' ', "-")
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let ids = dir.join("ids.txt");
        let some: Vec<String> = (1..6).map(|i| sandbox.iccid(i)).collect();
        std::fs::write(&ids, some.join("\n")).unwrap();
        let journal = dir.join("topup.journal");
        let (ids, journal) = (ids.display().to_string(), journal.display().to_string());
        let many = [
            "topup",
            "many",
            "--file",
            &ids,
            "--journal",
            &journal,
            "--yes",
        ];
        let first = onence(&sandbox, &many, "").await;
        assert_eq!(first.code, code, "{how}: {}", first.stderr);
        let again = onence(&sandbox, &many, "").await;
        assert_eq!(again.code, 0, "{how}: {}", again.stderr);
        assert!(
            again.stderr.contains("5 SIMs done earlier"),
            "{how}: {}",
            again.stderr
        );
        let counters = sandbox.counters();
        assert_eq!(
            counters.requests_to("POST /v1/sims/topup"),
            1,
            "{how}: the billed chunk is never sent again"
        );
        assert_eq!(counters.top_ups_applied, 1 + 5, "{how}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `onence api`: every documented operation is named (with no account),
/// one is called with its arguments checked first, and a write asks before
/// it is sent, prints its request in a dry run, and is sent once with --yes.
#[tokio::test(flavor = "multi_thread")]
async fn api_names_every_operation_and_calls_one_checked() {
    let sandbox = sandbox().await;
    let listed = tokio::task::spawn_blocking(|| {
        Command::cargo_bin("onence")
            .unwrap()
            .args(["-o", "json", "api", "list"])
            .env_remove("ONENCE_CLIENT_ID")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(listed.status.success());
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).lines().count(),
        onence::mcp::operation_count()
    );

    let sims = onence(
        &sandbox,
        &["api", "call", "v1.list_sims", "pageSize=2", "page=3"],
        "",
    )
    .await;
    assert_eq!(sims.code, 0, "{}", sims.stderr);
    let sims: serde_json::Value = serde_json::from_str(&sims.stdout).unwrap();
    assert_eq!(sims.as_array().unwrap().len(), 2);

    let iccid = sandbox.iccid(4);
    let top_up = ["api", "call", "v1.top_up_sim"];
    let with_iccid = format!("iccid={iccid}");
    for (args, named) in [
        (vec!["api", "call", "v1.get_sim", "iccid=12/3"], "iccid"),
        (vec!["api", "call", "v1.get_sim"], "iccid"),
        (
            vec!["api", "call", "v1.get_sim", "iccid", "colour=red"],
            "NAME=VALUE",
        ),
        (vec!["api", "call", "get_sim"], "api list"),
        (
            vec!["api", "call", "os.create_geofence", "--body", "{not json"],
            "--body",
        ),
    ] {
        let refused = onence(&sandbox, &args, "").await;
        assert_eq!(refused.code, 2, "{args:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains(named),
            "{args:?}: {}",
            refused.stderr
        );
    }
    let route = "POST /v1/sims/{iccid}/topup";
    let asked = onence(
        &sandbox,
        &[&top_up[..], &[with_iccid.as_str()]].concat(),
        "",
    )
    .await;
    assert_eq!(asked.code, 2);
    assert!(
        asked.stderr.contains("confirm with --yes"),
        "{}",
        asked.stderr
    );
    let planned = onence(
        &sandbox,
        &[&["--dry-run"], &top_up[..], &[with_iccid.as_str()]].concat(),
        "",
    )
    .await;
    assert_eq!(planned.code, 0, "{}", planned.stderr);
    assert!(
        planned_writes(&planned.stdout)
            .iter()
            .any(|w| w.starts_with(&format!("POST /v1/sims/{iccid}/topup"))),
        "{}",
        planned.stdout
    );
    assert_eq!(sandbox.counters().posts_applied_to(route), 0);
    let sent = onence(
        &sandbox,
        &[&["--yes"], &top_up[..], &[with_iccid.as_str()]].concat(),
        "",
    )
    .await;
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert_eq!(sandbox.counters().posts_applied_to(route), 1);
    assert_eq!(sandbox.counters().top_ups_applied, 1);

    // A secret the answer holds is shown only when asked for.
    let key = "cli-psk-0f-device-4";
    let body = format!(r#"{{"format":"STRING","protocol":"COAP","secretKey":"{key}"}}"#);
    let device = format!("deviceId={iccid}");
    let set = [
        "--yes",
        "api",
        "call",
        "os.create_device_psk",
        &device,
        "--body",
        &body,
    ];
    let set = onence(&sandbox, &set, "").await;
    assert_eq!(set.code, 0, "{}", set.stderr);
    let read = ["api", "call", "os.get_device_psk", &device, "protocol=COAP"];
    let hidden = onence(&sandbox, &read, "").await;
    assert!(
        hidden.stdout.contains("[redacted]") && !hidden.stdout.contains(key),
        "{}",
        hidden.stdout
    );
    let shown = onence(&sandbox, &[&read[..], &["--show-secrets"]].concat(), "").await;
    assert!(shown.stdout.contains(key), "{}", shown.stdout);
}

/// A reader that stops early (`onence completions bash | head -1`) ends the
/// command quietly: exit 0, nothing on stderr (the scripts are far larger
/// than a pipe holds, so the write meets the closed pipe).
#[test]
fn completions_end_quietly_when_the_reader_stops_early() {
    use std::io::BufRead;
    for shell in ["bash", "zsh", "fish"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onence"))
            .args(["completions", shell])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{shell}: a script begins");
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{shell}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "{shell}: quiet: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// `sims get` keeps only the `--fields` asked for, and a SIM asked for by
/// the 20-digit ICCID printed on the card (with its check digit) gets a
/// hint naming the ICCID 1NCE knows it by.
#[tokio::test(flavor = "multi_thread")]
async fn one_sim_honours_fields_and_a_check_digit_is_explained() {
    let sandbox = sandbox().await;
    let a = sandbox.iccid(0);
    let got = onence(
        &sandbox,
        &["sims", "get", &a, "--fields", "iccid,status"],
        "",
    )
    .await;
    assert_eq!(got.code, 0, "{}", got.stderr);
    let sim: serde_json::Value = serde_json::from_str(got.stdout.trim()).unwrap();
    let fields: Vec<&String> = sim.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["iccid", "status"], "{sim}");
    assert_eq!(sim["iccid"], a.as_str());

    // The sandbox's own record of the 20-digit form.
    let full: serde_json::Value = serde_json::from_str(
        onence(&sandbox, &["sims", "get", &a], "")
            .await
            .stdout
            .trim(),
    )
    .unwrap();
    let printed = full["iccid_with_luhn"].as_str().unwrap().to_string();
    assert_eq!(printed.len(), 20);
    let missed = onence(&sandbox, &["sims", "get", &printed], "").await;
    assert_eq!(missed.code, 1, "{}", missed.stderr);
    assert!(
        missed.stderr.contains("check digit") && missed.stderr.contains(&format!("try {a}")),
        "{}",
        missed.stderr
    );
    // A plain unknown ICCID keeps the plain hint.
    let unknown = onence(&sandbox, &["sims", "get", "8988280666999999999"], "").await;
    assert!(
        unknown.stderr.contains("(check the ICCID or number)"),
        "{}",
        unknown.stderr
    );
}

/// A `--filter` on a field the API does not filter by points to `--where`,
/// which does what was meant.
#[tokio::test(flavor = "multi_thread")]
async fn a_filter_the_api_does_not_take_points_to_where() {
    let sandbox = sandbox().await;
    let refused = onence(
        &sandbox,
        &["sims", "list", "--filter", "status:Enabled"],
        "",
    )
    .await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("use --where status=Enabled"),
        "{}",
        refused.stderr
    );
    let kept = onence(&sandbox, &["sims", "list", "--where", "status=Enabled"], "").await;
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert!(kept.stdout.lines().count() > 0);
    assert!(kept
        .stdout
        .lines()
        .all(|l| l.contains("\"status\":\"Enabled\"")));
}
