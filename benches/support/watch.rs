//! Scenarios 10 to 12: watching a fleet. The exporter's refresh against a
//! quota read per SIM; `/metrics` at 100,000 SIMs; the Data Streamer
//! receiver's ingest against a minimal Python receiver doing the same work.

use std::time::{Duration, Instant};

use onence::exporter::{Exporter, ExporterSettings};
use onence::sandbox::Sandbox;
use onence::streamer::{Receiver, Sink};
use onence::{Client, RateLimits, RetryPolicy, Secret};

use crate::{peak_rss_kib, sandbox_process, Row};

fn calls(sandbox: &Sandbox) -> u64 {
    let counters = sandbox.counters();
    counters.requests.values().sum::<u64>() - counters.requests_to("POST /oauth/token")
}

/// Scenario 10: one refresh of `sims` SIMs (allowance spent on the list and
/// the flagged SIMs), against a quota read per SIM; time at 1NCE's 10/s.
pub async fn exporter_refresh(sims: u64) -> Vec<Row> {
    let sandbox = Sandbox::builder()
        .sims(sims)
        .seed(5)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .build()
        .unwrap();
    let exporter = Exporter::new(ExporterSettings::new(Duration::from_secs(60), 10.0).unwrap());
    let before = calls(&sandbox);
    let started = Instant::now();
    let (report, _) = exporter.refresh_once(&client, None).await.unwrap();
    let ours_time = started.elapsed();
    let ours = calls(&sandbox) - before;
    assert_eq!(ours as usize, report.calls());

    let before = calls(&sandbox);
    let started = Instant::now();
    let listed = client.all_sims().collect().await.unwrap();
    let reads = futures_util::stream::iter(listed)
        .map(|sim| {
            let client = client.clone();
            async move { client.data_quota_of(sim.iccid.unwrap().as_str()).await }
        })
        .buffer_unordered(8);
    let read: Vec<_> = futures_util::StreamExt::collect(reads).await;
    let theirs_time = started.elapsed();
    let theirs = calls(&sandbox) - before;
    assert_eq!(read.len() as u64, sims);
    let at_limit = |calls: u64| calls as f64 / 10.0;
    vec![
        Row {
            scenario: format!("10. exporter refresh, {sims} SIMs: list + flagged SIMs"),
            figures: format!(
                "{ours} calls ({} pages, {} flagged), {:.0} s at 10/s; {:.2} s on loopback",
                report.list_calls,
                report.flagged_reads,
                at_limit(ours),
                ours_time.as_secs_f64()
            ),
            target: "pages + flagged, no more".into(),
            holds: report.calls() == report.list_calls + report.flagged_reads,
        },
        Row {
            scenario: format!("10. exporter refresh, {sims} SIMs: a quota read per SIM"),
            figures: format!(
                "{theirs} calls, {:.0} s at 10/s ({:.1} × the calls); {:.2} s on loopback",
                at_limit(theirs),
                theirs as f64 / ours as f64,
                theirs_time.as_secs_f64()
            ),
            target: "several × the calls".into(),
            holds: theirs as f64 / ours as f64 >= crate::SEVERAL,
        },
    ]
}

use futures_util::StreamExt;

/// Scenario 11 runs in a child process against a sandbox process: the
/// exporter's memory and `/metrics` latency at 100,000 SIMs.
pub fn metrics_at_scale() -> Row {
    let me = std::env::current_exe().unwrap();
    let output = std::process::Command::new(&me)
        .args(["--exporter-probe", "100000"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or("?").to_string();
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let (rss_mib, median_ms) = (
        numbers.first().copied().unwrap_or(f64::MAX),
        numbers.get(1).copied().unwrap_or(f64::MAX),
    );
    Row {
        scenario: "11. exporter at 100,000 SIMs: peak RSS and /metrics latency".into(),
        figures: line,
        target: "≤ 256 MiB; a scrape ≤ 1 s".into(),
        holds: rss_mib <= 256.0 && median_ms <= 1000.0,
    }
}

/// The child of scenario 11.
pub fn exporter_probe(sims: &str) {
    let sims: u64 = sims.parse().unwrap();
    let (mut server, base, user, secret) = sandbox_process(sims);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (series, median) = runtime.block_on(async {
        let client = Client::builder()
            .base_url(&base)
            .credentials(onence::Credentials::api_user(&user, secret.as_str()))
            .rate_limits(RateLimits::none())
            .retry_policy(RetryPolicy::standard())
            .build()
            .unwrap();
        // Every SIM's quota read, as after the round robin went round.
        let exporter =
            Exporter::new(ExporterSettings::new(Duration::from_secs(86_400), 10.0).unwrap());
        exporter.refresh_once(&client, None).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/metrics", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, exporter.router()).await });
        let http = reqwest::Client::new();
        let mut times = Vec::new();
        let mut series = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let text = http.get(&url).send().await.unwrap().text().await.unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            series = text.lines().filter(|l| !l.starts_with('#')).count();
        }
        times.sort_by(f64::total_cmp);
        (series, times[2])
    });
    let _ = server.kill();
    let _ = server.wait();
    println!(
        "{:.1} MiB peak RSS, {median:.0} ms median scrape of {series} series",
        peak_rss_kib() as f64 / 1024.0
    );
}

/// A minimal Python receiver doing the receiver's work: parse, dedupe on
/// id, append, fsync, answer 200.
const PYTHON_RECEIVER: &str = r#"
import http.server, json, os, sys
seen = set()
out = open(sys.argv[2], "ab")
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        records = json.loads(body)
        lines = []
        for r in records:
            i = r.get("id")
            if i in seen:
                continue
            seen.add(i)
            lines.append(json.dumps(r).encode() + b"\n")
        out.write(b"".join(lines)); out.flush(); os.fsync(out.fileno())
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("ready", flush=True)
server.serve_forever()
"#;

fn batch(first: u64) -> String {
    let records: Vec<serde_json::Value> = (first..first + 3000)
        .map(|id| {
            serde_json::json!({ "id": id, "start_timestamp": "2026-11-30T08:00:00Z", "end_timestamp": "2026-11-30T08:15:00Z",
                "sim": { "id": 1, "iccid": "8988280666000000001", "msisdn": "882285100000001" }, "imsi": "901405100000001",
                "traffic_type": { "id": 5, "description": "Data" }, "volume": { "total": 1.25, "tx": 0.25, "rx": 1.0 },
                "operator": { "id": 2, "name": "T-Mobile", "mnc": "01", "country": { "id": 74, "mcc": "262", "name": "Germany" } },
                "organisation": { "id": 1234, "name": "81000000" }, "cost": 1.25 })
        })
        .collect();
    serde_json::to_string(&records).unwrap()
}

/// Records a second into `url`, posting `batches` batches of 3,000 in turn.
async fn ingest(url: &str, batches: &[String]) -> f64 {
    let http = reqwest::Client::new();
    let started = Instant::now();
    for body in batches {
        let status = http
            .post(url)
            .basic_auth("stream", Some("bench-pw"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    (batches.len() * 3000) as f64 / started.elapsed().as_secs_f64()
}

/// Scenario 12: ingest of 3,000-record batches, onence's receiver against
/// the Python one, both fsyncing each batch.
pub async fn streamer_ingest() -> Vec<Row> {
    let dir = std::env::temp_dir().join(format!("onence-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let batches: Vec<String> = (0..20).map(|n| batch(n * 3000)).collect();

    let receiver = Receiver::new(
        "stream",
        Secret::new("bench-pw"),
        Sink::open(dir.join("onence.jsonl")).unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ours_url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver.router()).await });
    let ours = ingest(&ours_url, &batches).await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = dir.join("receiver.py");
    std::fs::write(&script, PYTHON_RECEIVER).unwrap();
    let python = std::process::Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .arg(dir.join("python.jsonl"))
        .stdout(std::process::Stdio::piped())
        .spawn();
    let rows = match python {
        Ok(mut child) => {
            use std::io::BufRead;
            let mut ready = String::new();
            let _ = std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready);
            let theirs = ingest(&format!("http://127.0.0.1:{port}/"), &batches).await;
            let _ = child.kill();
            let _ = child.wait();
            vec![
                Row {
                    scenario: "12. Data Streamer ingest, 3,000-record batches: onence streamer"
                        .into(),
                    figures: format!("{ours:.0} records/s ({:.1} × Python)", ours / theirs),
                    target: "faster than the Python receiver".into(),
                    holds: ours > theirs,
                },
                Row {
                    scenario:
                        "12. the same into a minimal Python receiver (parse, dedupe, append, fsync)"
                            .into(),
                    figures: format!("{theirs:.0} records/s"),
                    target: String::new(),
                    holds: true,
                },
            ]
        }
        Err(e) => vec![Row {
            scenario: "12. Data Streamer ingest: onence streamer".into(),
            figures: format!("{ours:.0} records/s (no python3 to compare: {e})"),
            target: "faster than the Python receiver".into(),
            holds: false,
        }],
    };
    let _ = std::fs::remove_dir_all(&dir);
    rows
}
