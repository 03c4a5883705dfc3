//! `onence exporter` at fleet scale, as users run it: against an
//! `onence-sandbox` process (1NCE's rate limits enforced), through a
//! loopback proxy that logs every call, scraped by a real Prometheus; the
//! Data Streamer posted to it; the shipped alert rules run by promtool.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use onence::exporter::BYTES_PER_MB;
use onence::jobs::listed_above_quota_status_share;
use onence::{Client, Credentials};
use serde_json::json;

/// A child process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An `onence-sandbox` process: its base URL, client id and secret.
fn sandbox_process(sims: u64) -> (Running, String, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onence-sandbox"))
        .args([
            "--sims",
            &sims.to_string(),
            "--seed",
            "5",
            "--latency-ms",
            "5",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut export = |name: &str| {
        let line = lines.next().unwrap().unwrap();
        line.strip_prefix(&format!("export {name}="))
            .unwrap_or_else(|| panic!("{line}"))
            .to_string()
    };
    let base = export("ONENCE_BASE_URL");
    let id = export("ONENCE_CLIENT_ID");
    let secret = export("ONENCE_CLIENT_SECRET");
    (Running(child), base, id, secret)
}

/// One call that went through the proxy.
#[derive(Clone, Debug)]
struct Call {
    at: Instant,
    method: String,
    path: String,
    status: u16,
}

/// A loopback proxy to `upstream` that logs every call.
#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Call>>>,
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = proxy
        .http
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing.send().await.unwrap();
    proxy.log.lock().unwrap().push(Call {
        at: Instant::now(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        status: answer.status().as_u16(),
    });
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

/// Starts a proxy to `upstream` (a base URL ending in its path prefix);
/// its own base URL and log.
async fn proxy(upstream: &str) -> (String, Arc<Mutex<Vec<Call>>>) {
    let url = reqwest::Url::parse(upstream).unwrap();
    let origin = format!("{}://{}", url.scheme(), url.authority());
    let log = Arc::new(Mutex::new(Vec::new()));
    let state = Proxy {
        upstream: origin,
        http: reqwest::Client::new(),
        log: log.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}{}", listener.local_addr().unwrap(), url.path());
    let app = axum::Router::new().fallback(forward).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, log)
}

/// `onence exporter` against `base`, with `args`; its /metrics base URL
/// and, with --streamer-listen, the streamer's URL.
fn exporter_process(
    base: &str,
    id: &str,
    secret: &str,
    args: &[&str],
) -> (Running, String, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onence"))
        .args(["--base-url", base, "exporter", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("ONENCE_CLIENT_ID", id)
        .env("ONENCE_CLIENT_SECRET", secret)
        .env_remove("ONENCE_PROFILE")
        .env("ONENCE_CONFIG", "/nonexistent/onence.toml")
        .env("ONENCE_NO_TOKEN_CACHE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let streams = args.contains(&"--streamer-listen");
    let (mut metrics, mut streamer) = (None, None);
    let mut line = String::new();
    while metrics.is_none() || (streams && streamer.is_none()) {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "exited early");
        if let Some(url) = line.trim().strip_prefix("exporter listening on ") {
            metrics = Some(url.to_string());
        }
        if let Some(url) = line.trim().strip_prefix("streamer listening on ") {
            streamer = Some(url.to_string());
        }
    }
    // Keep draining its log, so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    (Running(child), metrics.unwrap(), streamer)
}

/// A sample's labels and value.
type Sample = (BTreeMap<String, String>, f64);

fn scrape(text: &str) -> BTreeMap<String, Vec<Sample>> {
    let parsed = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for sample in parsed.samples {
        let value = match sample.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            other => panic!("{other:?}"),
        };
        let labels = sample
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.entry(sample.metric).or_default().push((labels, value));
    }
    out
}

async fn metrics(http: &reqwest::Client, base: &str) -> BTreeMap<String, Vec<Sample>> {
    scrape(
        &http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
}

/// The ICCIDs with a share series for `quota`, and their values.
fn shares(samples: &BTreeMap<String, Vec<Sample>>, quota: &str) -> BTreeMap<String, f64> {
    samples
        .get("onence_sim_remaining_share")
        .into_iter()
        .flatten()
        .filter(|(l, _)| l["quota"] == quota)
        .map(|(l, v)| (l["iccid"].clone(), *v))
        .collect()
}

fn sims_counted(samples: &BTreeMap<String, Vec<Sample>>) -> f64 {
    samples
        .get("onence_sims")
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
        .sum()
}

/// A direct client of the sandbox (not through the proxy).
fn direct(base: &str, id: &str, secret: &str) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(Credentials::api_user(id, secret))
        .build()
        .unwrap()
}

/// Starts Prometheus scraping `target` every second; its base URL.
fn prometheus(dir: &std::path::Path, target: &str) -> (Running, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: onence\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus (Debian's prometheus package; .ci/run installs it)");
    (Running(child), format!("http://127.0.0.1:{port}"))
}

/// On a rate-limited 2,000-SIM sandbox at the default --max-rate (5): every
/// SIM and every flagged SIM's data share is on /metrics within the time
/// the list, the flagged reads and the token take at 5 a second, plus 10%;
/// no 10 s window holds more than 51 calls, none is answered 429; and a
/// real Prometheus counts every SIM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2000_sim_fleet_is_served_as_fast_as_its_budget_allows() {
    let (_sandbox, base, id, secret) = sandbox_process(2_000);
    let listed = direct(&base, &id, &secret)
        .all_sims()
        .collect()
        .await
        .unwrap();
    let flagged: BTreeSet<String> = listed
        .iter()
        .filter(|s| !listed_above_quota_status_share(s))
        .filter_map(|s| s.iccid.clone())
        .collect();
    assert!(
        (300..500).contains(&flagged.len()),
        "a fifth flagged: {}",
        flagged.len()
    );
    // The sandbox's window is a second: let the direct reads' calls leave it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (proxied, log) = proxy(&base).await;
    let started = Instant::now();
    let (_exporter, served, _) = exporter_process(&proxied, &id, &secret, &["--interval", "1h"]);
    let http = reqwest::Client::new();
    let first_data = loop {
        let samples = metrics(&http, &served).await;
        let data = shares(&samples, "data");
        let every_flagged = flagged.iter().all(|i| data.contains_key(i));
        if sims_counted(&samples) == 2_000.0 && every_flagged {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "no first data after 240 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let calls = log.lock().unwrap().clone();
    let count = |f: &dyn Fn(&Call) -> bool| calls.iter().filter(|c| f(c)).count();
    let pages = count(&|c| c.method == "GET" && c.path.ends_with("/v1/sims"));
    let tokens = count(&|c| c.path.ends_with("/oauth/token"));
    let flagged_reads = flagged.len();
    let budget = (pages + flagged_reads + tokens) as f64 / 5.0 * 1.1;
    assert!(
        first_data.as_secs_f64() <= budget,
        "first data after {first_data:?}; {pages} pages, {flagged_reads} flagged reads and {tokens} token calls at 5/s take {budget:.1} s with 10%"
    );
    // The flagged SIMs were read before any other SIM's quota.
    let reads: Vec<&Call> = calls
        .iter()
        .filter(|c| c.path.contains("/quota/"))
        .collect();
    let first_others = reads
        .iter()
        .position(|c| !flagged.iter().any(|i| c.path.contains(i.as_str())))
        .unwrap_or(reads.len());
    assert!(
        first_others >= flagged_reads,
        "a routine read came before a flagged one"
    );

    // A real Prometheus scrapes it and counts every SIM.
    let dir = std::env::temp_dir().join(format!("onence-prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let target = served.trim_start_matches("http://").to_string();
    let (_prometheus, prom) = prometheus(&dir, &target);
    let mut counted = None;
    for _ in 0..120 {
        let answer = http
            .get(format!("{prom}/api/v1/query"))
            .query(&[("query", "sum(onence_sims)")])
            .send()
            .await;
        if let Ok(answer) = answer {
            let body: serde_json::Value = answer.json().await.unwrap_or_default();
            if let Some(value) = body["data"]["result"][0]["value"][1].as_str() {
                counted = Some(value.to_string());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        counted.as_deref(),
        Some("2000"),
        "Prometheus counts every SIM"
    );

    // The pace: over any 10 s window at most 5 × 10 + 1 calls; no 429.
    let calls = log.lock().unwrap().clone();
    assert!(
        calls.iter().all(|c| c.status != 429),
        "a call was answered 429"
    );
    let times: Vec<Instant> = calls.iter().map(|c| c.at).collect();
    let mut most = 0;
    for (i, start) in times.iter().enumerate() {
        let within = times[i..]
            .iter()
            .take_while(|t| t.duration_since(*start) < Duration::from_secs(10))
            .count();
        most = most.max(within);
    }
    assert!(most <= 51, "{most} calls in one 10 s window");
    assert!(
        calls.len() > 300,
        "the windows were full: {} calls",
        calls.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Fed by the Data Streamer: a usage record that takes a SIM below 20% is
/// on /metrics within a second with no API call; a quota event shows the
/// quota used up at once and the next read confirms the real value; a
/// burst of 200 scrapes adds no API call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streamer_flags_a_sim_between_reads_and_scrapes_cost_no_calls() {
    let (_sandbox, base, id, secret) = sandbox_process(30);
    let (proxied, log) = proxy(&base).await;
    let dir = std::env::temp_dir().join(format!("onence-exporter-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let password = dir.join("password");
    std::fs::write(&password, "stream-pw-7a1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let (password, out) = (
        password.display().to_string(),
        dir.join("records.jsonl").display().to_string(),
    );
    let (_exporter, served, streamer) = exporter_process(
        &proxied,
        &id,
        &secret,
        &[
            "--interval",
            "1h",
            "--max-rate",
            "10",
            "--streamer-listen",
            "127.0.0.1:0",
            "--streamer-user",
            "stream",
            "--streamer-password-file",
            &password,
            "--streamer-out",
            &out,
        ],
    );
    let streamer = streamer.unwrap();
    let http = reqwest::Client::new();
    // Every quota read: nothing unknown is left.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let samples = metrics(&http, &served).await;
        let unknown: f64 = samples
            .get("onence_sims_by_remaining_share")
            .into_iter()
            .flatten()
            .filter(|(l, _)| l["share"] == "unknown")
            .map(|(_, v)| v)
            .sum();
        if sims_counted(&samples) == 30.0 && unknown == 0.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every quota was read in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = log.lock().unwrap().len();

    // 200 scrapes, 20 at a time: no call.
    for _ in 0..10 {
        let burst: Vec<_> = (0..20)
            .map(|_| {
                let (http, url) = (http.clone(), format!("{served}/metrics"));
                tokio::spawn(async move { http.get(url).send().await.unwrap().status() })
            })
            .collect();
        for scrape in burst {
            assert_eq!(scrape.await.unwrap(), 200);
        }
    }
    assert_eq!(
        log.lock().unwrap().len(),
        idle,
        "200 scrapes made API calls"
    );

    // A SIM above 20% of its data, as the sandbox says.
    let check = direct(&base, &id, &secret);
    let before = metrics(&http, &served).await;
    let low_now = shares(&before, "data");
    let mut pick = None;
    for sim in check.all_sims().collect().await.unwrap() {
        let iccid = sim.iccid.unwrap();
        if low_now.contains_key(&iccid) {
            continue;
        }
        let quota = check.data_quota_of(iccid.as_str()).await.unwrap();
        let (left, total) = (
            quota.volume.unwrap().get(),
            quota.total_volume.unwrap().get(),
        );
        if left > total * 0.3 {
            pick = Some((iccid, left, total));
            break;
        }
    }
    let (iccid, left, total) = pick.expect("a SIM above 30%");
    // Usage that leaves it 10%.
    let used = left - total * 0.1;
    let usage = json!([{ "id": 1, "sim": { "iccid": iccid }, "traffic_type": { "id": 5, "description": "Data" },
                         "volume": { "total": used, "tx": used / 4.0, "rx": used * 3.0 / 4.0 } }]);
    let calls_before = log.lock().unwrap().len();
    let posted = Instant::now();
    let status = http
        .post(&streamer)
        .basic_auth("stream", Some("stream-pw-7a1"))
        .body(usage.to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let seen = loop {
        let share = shares(&metrics(&http, &served).await, "data")
            .get(&iccid)
            .copied();
        if let Some(share) = share {
            break share;
        }
        assert!(
            posted.elapsed() < Duration::from_secs(1),
            "not on /metrics within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(posted.elapsed() < Duration::from_secs(1));
    assert!((seen - 0.1).abs() < 1e-6, "the estimate: {seen}");
    assert_eq!(log.lock().unwrap().len(), calls_before, "no API call");
    let used_bytes: f64 = metrics(&http, &served).await["onence_fleet_data_used_bytes_total"]
        .iter()
        .map(|(_, v)| v)
        .sum();
    assert!((used_bytes - used * BYTES_PER_MB).abs() < 1.0);

    // A quota event for another SIM above its share: used up at once, then read.
    let other = check
        .all_sims()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.iccid)
        .find(|i| *i != iccid && !low_now.contains_key(i))
        .unwrap();
    let event = json!([{ "id": 77, "event_type": { "id": 19, "description": "Quota used up" },
                         "sim": { "iccid": other }, "detail": { "quota": { "volume": 0 } } }]);
    let told = Instant::now();
    let status = http
        .post(&streamer)
        .basic_auth("stream", Some("stream-pw-7a1"))
        .body(event.to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let data = shares(&metrics(&http, &served).await, "data");
        let read = log
            .lock()
            .unwrap()
            .iter()
            .any(|c| c.path.ends_with(&format!("/v1/sims/{other}/quota/data")) && c.at > told);
        if read && !data.contains_key(&other) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the event's quota was not read again within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The shipped alert rules pass `promtool check rules`, and their unit
/// tests, which fire and resolve each alert, pass `promtool test rules`.
#[test]
fn the_alert_rules_are_valid_and_fire_and_resolve() {
    let root = env!("CARGO_MANIFEST_DIR");
    for args in [
        vec!["check", "rules", "dashboards/onence-alerts.yml"],
        vec!["test", "rules", "tests/alerts/onence-alerts.test.yml"],
    ] {
        let output = Command::new("promtool")
            .args(&args)
            .current_dir(root)
            .output()
            .expect("promtool (Debian's prometheus package; .ci/run installs it)");
        assert!(
            output.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // Each alert is tested.
    let rules = std::fs::read_to_string(format!("{root}/dashboards/onence-alerts.yml")).unwrap();
    let tests =
        std::fs::read_to_string(format!("{root}/tests/alerts/onence-alerts.test.yml")).unwrap();
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .collect();
    assert_eq!(alerts.len(), 6);
    for alert in alerts {
        assert!(
            tests.contains(&format!("alertname: {alert}")),
            "{alert} is not tested"
        );
    }
}

/// Bad settings are refused at start, naming them, before any call.
#[test]
fn bad_settings_are_refused_naming_them() {
    for (flag, value) in [
        ("--max-rate", "0"),
        ("--max-rate", "11"),
        ("--interval", "0.5"),
        ("--interval", "2d"),
        ("--sim-series", "some"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_onence"))
            .args([
                "--sandbox",
                "exporter",
                "--listen",
                "127.0.0.1:0",
                flag,
                value,
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(
            stderr.contains(flag) && stderr.contains(value),
            "{flag} {value}: {stderr}"
        );
        assert!(!stderr.contains("listening"), "it started: {stderr}");
    }
}

/// A fleet too large for its budget says so on stderr, without --debug,
/// naming the --interval that would fit (100 SIMs need 202 calls a cycle;
/// one call a second allows 2 in 2 s).
#[test]
fn a_fleet_that_does_not_fit_names_the_settings_that_would() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onence"))
        .args([
            "--sandbox",
            "exporter",
            "--listen",
            "127.0.0.1:0",
            "--interval",
            "2s",
            "--max-rate",
            "1",
        ])
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let (lines, got) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let child = Running(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    let advice = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match got.recv_timeout(left) {
            Ok(line) if line.contains("would fit") => break line,
            Ok(_) => {}
            Err(_) => panic!("no advice within 30 s"),
        }
    };
    drop(child);
    assert!(advice.contains("needs 202 calls"), "{advice}");
    assert!(advice.contains("--interval 202s"), "{advice}");
}
