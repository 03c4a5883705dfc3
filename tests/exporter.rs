//! The exporter: what a refresh costs, counted by the sandbox (the list's
//! pages, a read per flagged SIM, the round robin within its budget), that
//! the round robin reaches every SIM, that a failed refresh keeps the last
//! values; and `onence exporter` run as a process, scraped over HTTP and
//! read with a Prometheus text parser, with the Data Streamer counted live.

use std::collections::BTreeMap;
use std::future::IntoFuture;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use onence::exporter::{Exporter, ExporterSettings, BYTES_PER_MB};
use onence::sandbox::Sandbox;
use onence::{listed_above_quota_status_share, RateLimits, RetryPolicy};
use serde_json::json;

async fn fleet(sims: u64) -> Sandbox {
    Sandbox::builder()
        .sims(sims)
        .seed(5)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap()
}

fn quota_reads(sandbox: &Sandbox) -> (u64, u64) {
    let counters = sandbox.counters();
    (
        counters.requests_to("GET /v1/sims/{iccid}/quota/data"),
        counters.requests_to("GET /v1/sims/{iccid}/quota/sms"),
    )
}

/// A sample's labels and value.
type Sample = (BTreeMap<String, String>, f64);

/// Parsed samples of a scrape: name → (labels, value).
fn scrape(text: &str) -> BTreeMap<String, Vec<Sample>> {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let parsed = prometheus_parse::Scrape::parse(lines).expect("Prometheus text");
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for sample in parsed.samples {
        let value = match sample.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            other => panic!("{}: {other:?}", sample.metric),
        };
        let labels: BTreeMap<String, String> = sample
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.entry(sample.metric).or_default().push((labels, value));
    }
    out
}

/// A refresh costs the list's pages, one data read per flagged SIM and its
/// budget (allowance minus the rest), never more; rounds reach every SIM;
/// a refresh that fails keeps the last values and counts the error.
#[tokio::test]
async fn a_refresh_costs_pages_flagged_and_its_budget() {
    let sandbox = fleet(250).await;
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let sims = client.all_sims().collect().await.unwrap();
    let flagged = sims
        .iter()
        .filter(|s| !listed_above_quota_status_share(s))
        .count();
    assert!(
        flagged > 0 && flagged < 250,
        "the sandbox has low SIMs: {flagged}"
    );
    // 10 calls a second for 40 s, half of it: 200 calls a refresh.
    let settings = ExporterSettings::new(Duration::from_secs(40), 10.0).unwrap();
    assert_eq!(settings.allowance(), 200);
    let exporter = Exporter::new(settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, exporter.router()).into_future());
    let health = || async {
        reqwest::get(format!("{served}/healthz"))
            .await
            .unwrap()
            .status()
    };
    assert_eq!(health().await, 503, "no refresh has succeeded yet");
    let before = sandbox.counters().requests_to("GET /v1/sims");
    let (report, mut cursor) = exporter.refresh_once(&client, None).await.unwrap();
    assert_eq!(report.sims, 250);
    assert_eq!(report.list_calls, 3);
    assert_eq!(sandbox.counters().requests_to("GET /v1/sims") - before, 3);
    assert_eq!(report.flagged_reads, flagged);
    assert_eq!(health().await, 200, "a refresh succeeded");
    let budget = 200 - 3 - flagged;
    assert_eq!(report.round_robin_reads, budget / 2 * 2);
    let (data, sms) = quota_reads(&sandbox);
    assert_eq!(data as usize, flagged + budget / 2);
    assert_eq!(sms as usize, budget / 2);
    assert_eq!(
        report.calls(),
        3 + data as usize + sms as usize,
        "the report is what was sent"
    );
    // The list's calls as the sandbox counted them: one full page (confirmed
    // by one more call), two full pages (the totals end the list).
    for sims in [100, 200] {
        let full = fleet(sims).await;
        let client_of_full = full
            .client_builder()
            .rate_limits(RateLimits::none())
            .build()
            .unwrap();
        let (report, _) = Exporter::new(ExporterSettings::standard())
            .refresh_once(&client_of_full, None)
            .await
            .unwrap();
        let counted = full.counters().requests_to("GET /v1/sims");
        assert_eq!(report.list_calls as u64, counted, "{sims} SIMs");
    }

    // The round robin goes on where it stopped, and in time reaches all.
    let others = 250 - flagged;
    let rounds = others.div_ceil(budget / 2);
    for _ in 1..rounds {
        cursor = exporter
            .refresh_once(&client, cursor.as_deref())
            .await
            .unwrap()
            .1;
    }
    let url = format!("{served}/metrics");
    let body = || async { reqwest::get(&url).await.unwrap().text().await.unwrap() };
    let samples = scrape(&body().await);
    assert_eq!(samples["onence_sim_info"].len(), 250);
    assert_eq!(
        samples["onence_sim_sms_total"].len(),
        others,
        "every unflagged SIM read in turn"
    );
    assert_eq!(samples["onence_sim_data_total_bytes"].len(), 250);
    let by_status: f64 = samples["onence_sims"].iter().map(|(_, v)| v).sum();
    assert_eq!(by_status, 250.0);
    // The gauges are the sandbox's quotas, its MB as 2^20 bytes.
    let gauges = |name: &str| -> BTreeMap<String, f64> {
        samples[name]
            .iter()
            .map(|(l, v)| (l["iccid"].clone(), *v))
            .collect()
    };
    let (remaining, total) = (
        gauges("onence_sim_data_remaining_bytes"),
        gauges("onence_sim_data_total_bytes"),
    );
    assert_eq!(remaining.len(), 250);
    for iccid in remaining.keys().take(20) {
        let quota = client.data_quota_of(iccid.as_str()).await.unwrap();
        let mb = |v: Option<f64>| v.unwrap() * BYTES_PER_MB;
        assert!(
            (remaining[iccid] - mb(quota.volume.map(|v| *v))).abs() < 1.0,
            "{iccid}"
        );
        assert!(
            (total[iccid] - mb(quota.total_volume.map(|v| *v))).abs() < 1.0,
            "{iccid}"
        );
    }

    // The API fails: the values stay, the error counts.
    sandbox.revoke_tokens();
    let broken = sandbox
        .client_builder()
        .base_url("http://127.0.0.1:9/management-api")
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(exporter
        .refresh_once(&broken, cursor.as_deref())
        .await
        .is_err());
    let samples = scrape(&body().await);
    assert_eq!(
        samples["onence_sim_info"].len(),
        250,
        "the last good values"
    );
    assert_eq!(samples["onence_refresh_errors_total"][0].1, 1.0);
}

/// `onence exporter` as a process: its /healthz turns 200 after the first
/// refresh; a scrape counts the fleet and the calls, and the Data Streamer
/// posted to it is counted live, resends once; no secret is in the output.
#[tokio::test]
async fn the_exporter_process_is_scraped_and_counts_the_stream() {
    let dir = std::env::temp_dir().join(format!("onence-exporter-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let password = dir.join("password");
    std::fs::write(&password, "stream-pw-0f9\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_onence"))
        .args([
            "--sandbox",
            "--debug",
            "exporter",
            "--listen",
            "127.0.0.1:0",
            "--interval",
            "1h",
            "--max-rate",
            "10",
        ])
        .args([
            "--streamer-listen",
            "127.0.0.1:0",
            "--streamer-user",
            "stream",
            "--streamer-password-file",
        ])
        .arg(&password)
        .arg("--streamer-out")
        .arg(dir.join("records.jsonl"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (mut metrics, mut streamer) = (None, None);
    let mut line = String::new();
    while metrics.is_none() || streamer.is_none() {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "exited early");
        if let Some(url) = line.trim().strip_prefix("exporter listening on ") {
            metrics = Some(url.to_string());
        }
        if let Some(url) = line.trim().strip_prefix("streamer listening on ") {
            streamer = Some(url.to_string());
        }
    }
    // Everything the process logs (at debug) is kept, to look for secrets.
    let logged = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let keep = logged.clone();
    let reading = std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            keep.lock().unwrap().push_str(&line);
        }
    });
    let (metrics, streamer) = (metrics.unwrap(), streamer.unwrap());
    let http = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..300 {
        if http
            .get(format!("{metrics}/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "a refresh succeeded within 30 s");

    let iccid = "8988280666000000007";
    let usage = |id: u64| {
        json!({ "id": id, "sim": { "iccid": iccid }, "traffic_type": { "id": 5, "description": "Data" },
                                  "volume": { "total": 2.0, "tx": 0.5, "rx": 1.5 } })
    };
    let event = json!({ "id": 99, "event_type": { "id": 1, "description": "Update location" } });
    let batch = json!([usage(1), usage(2), event]).to_string();
    // The same batch twice, then one that mixes resends (usage 2, event
    // 99) with new records: usage 3, and an event that shares usage 2's id
    // (the event and usage streams number apart).
    let new_event =
        json!({ "id": 2, "event_type": { "id": 5, "description": "Delete PDP Context" } });
    let mixed = json!([usage(2), usage(3), event, new_event]).to_string();
    for batch in [batch.clone(), batch, mixed] {
        let status = http
            .post(&streamer)
            .basic_auth("stream", Some("stream-pw-0f9"))
            .body(batch)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    let text = http
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    reading.join().unwrap();
    let logged = logged.lock().unwrap().clone();
    assert!(
        logged.contains("batch stored"),
        "the debug log was read: {logged}"
    );
    assert!(
        !logged.contains("stream-pw-0f9") && !logged.contains("c3RyZWFtOnN0cmVhbS1wdy0wZjk"),
        "the stream's password (plain or as its Basic header) is never logged"
    );
    assert!(!text.contains("stream-pw-0f9"), "no secret in the metrics");
    let samples = scrape(&text);
    assert_eq!(samples["onence_sim_info"].len(), 100, "the sandbox's fleet");
    assert!(samples["onence_sim_info"].iter().all(|(_, v)| *v == 1.0));
    let listed: f64 = samples["onence_api_requests_total"]
        .iter()
        .filter(|(l, _)| l["operation"] == "list_sims" && l["code"] == "200")
        .map(|(_, v)| v)
        .sum();
    // One full page of 100, and the call that confirms it is the last
    // (the pager does not trust a one-page total that came back full).
    assert_eq!(listed, 2.0);
    let kinds: BTreeMap<&str, f64> = samples["onence_streamer_records_total"]
        .iter()
        .map(|(l, v)| (l["kind"].as_str(), *v))
        .collect();
    assert_eq!(
        kinds,
        BTreeMap::from([("event", 2.0), ("usage", 3.0)]),
        "resends are not counted, new records in a mixed batch are"
    );
    let used: BTreeMap<&str, f64> = samples["onence_sim_data_used_bytes_total"]
        .iter()
        .filter(|(l, _)| l["iccid"] == iccid)
        .map(|(l, v)| (l["direction"].as_str(), *v))
        .collect();
    assert_eq!(
        used,
        BTreeMap::from([("rx", 4.5 * BYTES_PER_MB), ("tx", 1.5 * BYTES_PER_MB)])
    );
    // Every metric the shipped Grafana dashboard queries is one the exporter serves.
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/dashboards/onence-fleet.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut queried = std::collections::BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            for (at, _) in expr.match_indices("onence_") {
                let name: String = expr[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                queried.insert(name);
            }
        }
    }
    assert!(queried.len() >= 10, "{queried:?}");
    let missing: Vec<&String> = queried
        .iter()
        .filter(|n| !samples.contains_key(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries what is not served: {missing:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// /healthz turns 503 once the last successful refresh is older than
/// three intervals.
#[tokio::test]
async fn health_turns_503_when_the_data_goes_stale() {
    let sandbox = fleet(10).await;
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .build()
        .unwrap();
    let exporter = Exporter::new(ExporterSettings::new(Duration::from_secs(1), 10.0).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let health = format!("http://{}/healthz", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, exporter.router()).into_future());
    exporter.refresh_once(&client, None).await.unwrap();
    assert_eq!(reqwest::get(&health).await.unwrap().status(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while reqwest::get(&health).await.unwrap().status() == 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "still healthy long after three intervals without a refresh"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(reqwest::get(&health).await.unwrap().status(), 503);
}
