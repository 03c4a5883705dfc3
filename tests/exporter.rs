//! The exporter in-process: its reads are what the sandbox counts and its
//! gauges the sandbox's quotas; what it serves at 100,000 SIMs in each
//! `SimSeries` mode; a burst of scrapes costs one encoding; gzip and
//! OpenMetrics; /healthz; and `onence exporter` run as a process, scraped
//! over HTTP and read with a Prometheus text parser, with the Data
//! Streamer counted live. The fleet-scale runs against a sandbox process
//! through a logging proxy, with a real Prometheus, are in
//! `tests/exporter_fleet.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::future::IntoFuture;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use onence::config::RateLimits;
use onence::exporter::{Exporter, ExporterSettings, QuotaPart, SimSeries, BYTES_PER_MB};
use onence::sandbox::Sandbox;
use onence::{types, Iccid};
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

/// Serves the exporter's router on a free loopback port; its base URL.
async fn serve(exporter: &Exporter) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, exporter.router()).into_future());
    served
}

async fn get(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

/// Polls `check` every 100 ms until it holds, for at most `within`.
async fn until(within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Run on a small fleet, the exporter reads the list once and each quota
/// once an interval, no more; every SIM and its quotas are served, equal
/// to the sandbox's (its MB as 2^20 bytes), and /healthz turns 200.
#[tokio::test]
async fn the_exporter_reads_each_quota_once_and_serves_the_sandboxs_values() {
    let sandbox = fleet(20).await;
    let settings = ExporterSettings::new(Duration::from_secs(3600), 10.0)
        .unwrap()
        .with_sim_series(SimSeries::All);
    let exporter = Exporter::new(settings.clone());
    let client = sandbox
        .client_builder()
        .rate_limits(settings.rate_limits())
        .on_attempt(exporter.attempt_observer())
        .build()
        .unwrap();
    let served = serve(&exporter).await;
    let health = || async {
        reqwest::get(format!("{served}/healthz"))
            .await
            .unwrap()
            .status()
    };
    assert_eq!(health().await, 503, "nothing read yet");
    let running = tokio::spawn(exporter.clone().run(client.clone()));
    let metrics = format!("{served}/metrics");
    let all_read = until(Duration::from_secs(30), async || {
        let samples = scrape(&get(&metrics).await);
        samples
            .get("onence_sim_quota_read_timestamp_seconds")
            .is_some_and(|s| s.len() == 40)
    })
    .await;
    assert!(all_read, "every quota read within 30 s");
    assert_eq!(health().await, 200);
    // Idle now: nothing is due for an hour.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let counters = sandbox.counters();
    let reads = |c: &onence::sandbox::Counters| {
        (
            c.requests_to("GET /v1/sims"),
            c.requests_to("GET /v1/sims/{iccid}/quota/data"),
            c.requests_to("GET /v1/sims/{iccid}/quota/sms"),
        )
    };
    assert_eq!(
        reads(&counters),
        (1, 20, 20),
        "one list call, one read per quota"
    );
    let samples = scrape(&get(&metrics).await);
    assert_eq!(samples["onence_sim_info"].len(), 20);
    for (labels, _) in &samples["onence_sim_info"] {
        let keys: BTreeSet<&str> = labels.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["iccid", "imsi", "msisdn"]),
            "nothing that changes"
        );
    }
    assert_eq!(samples["onence_sim_status"].len(), 20);
    let by_status: f64 = samples["onence_sims"].iter().map(|(_, v)| v).sum();
    assert_eq!(by_status, 20.0);
    let gauges = |name: &str| -> BTreeMap<String, f64> {
        samples[name]
            .iter()
            .map(|(l, v)| (l["iccid"].clone(), *v))
            .collect()
    };
    let (remaining, total, sms) = (
        gauges("onence_sim_data_remaining_bytes"),
        gauges("onence_sim_data_total_bytes"),
        gauges("onence_sim_sms_remaining"),
    );
    let check = sandbox.client();
    for iccid in remaining.keys() {
        let quota = check.data_quota_of(iccid.as_str()).await.unwrap();
        let mb = |v: Option<onence::models::Lenient<f64>>| v.unwrap().get() * BYTES_PER_MB;
        assert!((remaining[iccid] - mb(quota.volume)).abs() < 1.0, "{iccid}");
        assert!(
            (total[iccid] - mb(quota.total_volume)).abs() < 1.0,
            "{iccid}"
        );
        let quota = check.sms_quota_of(iccid.as_str()).await.unwrap();
        assert_eq!(sms[iccid], quota.volume.unwrap().get(), "{iccid}");
    }
    let fleet_remaining = samples["onence_fleet_data_remaining_bytes"][0].1;
    assert!((fleet_remaining - remaining.values().sum::<f64>()).abs() < 1.0);
    let cycle = samples["onence_cycle_calls"][0].1;
    assert_eq!(cycle, 41.0, "one page and 40 reads");
    assert_eq!(samples["onence_cycle_budget_calls"][0].1, 36_000.0);
    running.abort();
}

fn synthetic_sim(index: u64) -> types::Sim {
    // Spread like the sandbox's fleet: a fifth below 20% of data.
    let left = (index * 7919 % 500) as f64;
    let description = if left < 100.0 {
        "LESS_THAN_20_PERCENT"
    } else {
        "MORE_THAN_20_PERCENT"
    };
    serde_json::from_value(json!({
        "iccid": format!("{}", 8_988_280_666_000_000_000u64 + index),
        "imsi": format!("{}", 901_405_100_000_000u64 + index),
        "msisdn": format!("{}", 882_285_100_000_000u64 + index),
        "status": if index.is_multiple_of(10) { "Disabled" } else { "Enabled" },
        "label": format!("device-{index}"),
        "imei_lock": index.is_multiple_of(3),
        "current_quota": 500, "current_quota_sms": 250,
        "quota_status": { "id": 0, "description": description },
    }))
    .unwrap()
}

/// An exporter that knows `sims` SIMs and every quota, fed as if read.
fn fed(settings: ExporterSettings, sims: u64) -> Exporter {
    let exporter = Exporter::new(settings);
    let all: Vec<types::Sim> = (0..sims).map(synthetic_sim).collect();
    for page in all.chunks(100) {
        exporter.feed_list_page(page);
    }
    for index in 0..sims {
        let iccid = Iccid::new(format!("{}", 8_988_280_666_000_000_000u64 + index)).unwrap();
        let data: types::Quota = serde_json::from_value(json!({
            "volume": (index * 7919 % 500) as f64, "total_volume": 500 }))
        .unwrap();
        let sms: types::Quota = serde_json::from_value(json!({
            "volume": (index * 104_729 % 250) as f64, "total_volume": 250 }))
        .unwrap();
        exporter.feed_quota(&iccid, QuotaPart::Data, &data);
        exporter.feed_quota(&iccid, QuotaPart::Sms, &sms);
    }
    exporter
}

fn series(text: &str) -> usize {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count()
}

/// At 100,000 SIMs (a fifth low on data, a fifth on SMS) the default serves
/// fewer than 50,000 series, one per low quota and the aggregates; `none`
/// only the aggregates; `all` every SIM's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_100000_sims_the_default_stays_under_50000_series() {
    let standard = ExporterSettings::standard();
    assert_eq!(standard.sim_series(), SimSeries::Flagged, "the default");
    let exporter = fed(standard, 100_000);
    let text = get(&format!("{}/metrics", serve(&exporter).await)).await;
    let count = series(&text);
    assert!(count <= 50_000, "{count} series");
    let samples = scrape(&text);
    let shares = &samples["onence_sim_remaining_share"];
    let low = |part: &str| shares.iter().filter(|(l, _)| l["quota"] == part).count();
    assert_eq!(
        (low("data"), low("sms")),
        (20_000, 20_000),
        "each low quota, no other"
    );
    assert!(shares.iter().all(|(_, v)| *v < 0.2));
    assert!(!samples.contains_key("onence_sim_info"));
    let buckets: f64 = samples["onence_sims_by_remaining_share"]
        .iter()
        .filter(|(l, _)| {
            l["quota"] == "data" && (l["share"] == "below_20" || l["share"] == "used_up")
        })
        .map(|(_, v)| v)
        .sum();
    assert_eq!(
        buckets, 20_000.0,
        "the aggregate counts what the series show"
    );

    let none = fed(
        ExporterSettings::standard().with_sim_series(SimSeries::None),
        1_000,
    );
    let text = get(&format!("{}/metrics", serve(&none).await)).await;
    assert!(!text.contains("iccid="), "no SIM's own series");
    assert!(series(&text) < 60, "{} series", series(&text));

    let all = fed(
        ExporterSettings::standard()
            .with_sim_series(SimSeries::All)
            .with_sim_label(true),
        1_000,
    );
    let samples = scrape(&get(&format!("{}/metrics", serve(&all).await)).await);
    assert_eq!(samples["onence_sim_info"].len(), 1_000);
    assert!(samples["onence_sim_info"]
        .iter()
        .all(|(l, _)| l["label"].starts_with("device-")));
    assert_eq!(samples["onence_sim_remaining_share"].len(), 2_000);
}

/// A burst of 200 scrapes costs one encoding; a change costs one more.
/// Gzip is served to who asks for it, OpenMetrics to who asks for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_are_served_from_one_encoding_gzipped_on_request() {
    let exporter = fed(ExporterSettings::standard(), 2_000);
    let url = format!("{}/metrics", serve(&exporter).await);
    let http = reqwest::Client::new();
    let before = exporter.encodings();
    let burst: Vec<_> = (0..200)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move { http.get(&url).send().await.unwrap().text().await.unwrap() })
        })
        .collect();
    let mut bodies = BTreeSet::new();
    for scrape in burst {
        bodies.insert(scrape.await.unwrap());
    }
    assert_eq!(bodies.len(), 1, "every scrape the same bytes");
    assert_eq!(
        exporter.encodings() - before,
        1,
        "one encoding for 200 scrapes"
    );
    exporter.feed_list_page(&[synthetic_sim(5_001)]);
    let plain = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(exporter.encodings() - before, 2, "a change, one more");
    assert!(
        plain.contains("onence_sims{status=\"Enabled\"} 1801"),
        "{}",
        &plain[..400]
    );

    let zipped = http
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().await.unwrap();
    assert!(
        bytes.len() * 3 < plain.len(),
        "{} of {}",
        bytes.len(),
        plain.len()
    );
    let mut unzipped = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    let open = http
        .get(&url)
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .unwrap();
    assert!(open.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    assert!(open.text().await.unwrap().ends_with("# EOF\n"));
    assert_eq!(
        exporter.encodings() - before,
        3,
        "gzip reuses the plain encoding"
    );
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
            "--sim-series",
            "all",
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
    assert!(healthy, "the list was read within 30 s");

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
    let names = |text: &str| -> BTreeSet<String> {
        text.match_indices("onence_")
            .map(|(at, _)| {
                text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect()
    };
    let mut queried = BTreeSet::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            queried.extend(names(target["expr"].as_str().unwrap()));
        }
    }
    assert!(queried.len() >= 10, "{queried:?}");
    // And every metric the shipped alert rules read.
    let rules = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/dashboards/onence-alerts.yml"
    ))
    .unwrap();
    let alerted = names(&rules);
    assert!(alerted.len() >= 6, "{alerted:?}");
    queried.extend(alerted);
    // A family is served when it is described, even before it has a sample
    // (a SIM's share before its quota was read).
    let mut served = BTreeSet::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
            (words.next(), words.next(), words.next(), words.next())
        {
            served.insert(name.to_string());
            if kind == "counter" {
                served.insert(format!("{}_total", name.trim_end_matches("_total")));
            }
        }
    }
    let missing: Vec<&String> = queried.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "the dashboard or the alerts query what is not served: {missing:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// /healthz turns 503 once the list was last read whole more than three
/// intervals ago.
#[tokio::test]
async fn health_turns_503_when_the_data_goes_stale() {
    let sandbox = fleet(10).await;
    let settings = ExporterSettings::new(Duration::from_secs(1), 10.0).unwrap();
    let exporter = Exporter::new(settings.clone());
    let client = sandbox
        .client_builder()
        .rate_limits(settings.rate_limits())
        .build()
        .unwrap();
    let health = format!("{}/healthz", serve(&exporter).await);
    let running = tokio::spawn(exporter.clone().run(client));
    let status = async || reqwest::get(&health).await.unwrap().status();
    assert!(until(Duration::from_secs(10), async || status().await == 200).await);
    running.abort();
    assert!(
        until(Duration::from_secs(15), async || status().await == 503).await,
        "still healthy long after three intervals without a list"
    );
}
