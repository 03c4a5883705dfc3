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

/// A minimal Python receiver doing the receiver's work: Basic auth,
/// parse, dedupe on kind and id, append, fsync, answer 200; one thread a
/// connection, as a careful script would serve several senders, with one
/// lock so that a batch is deduped and written whole.
const PYTHON_RECEIVER: &str = r#"
import base64, hmac, http.server, json, os, sys, threading
seen = set()
lock = threading.Lock()
out = open(sys.argv[2], "ab")
expected = "Basic " + base64.b64encode(b"stream:bench-pw").decode()
def kind(r):
    if r.get("event_type") is not None: return "event"
    if r.get("traffic_type") is not None or r.get("volume") is not None: return "usage"
    if r.get("submit_date") is not None: return "sms"
    return "unknown"
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if not hmac.compare_digest(self.headers.get("Authorization", ""), expected):
            self.send_response(401); self.send_header("Content-Length", "0"); self.end_headers(); return
        records = json.loads(body)
        with lock:
            lines = []
            for r in records:
                key = (kind(r), str(r.get("id")))
                if key in seen:
                    continue
                seen.add(key)
                lines.append(json.dumps(r).encode() + b"\n")
            out.write(b"".join(lines)); out.flush(); os.fsync(out.fileno())
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
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

/// Senders posting at once.
const SENDERS: usize = 8;

/// Records a second into `url`: `SENDERS` senders at once, each posting its
/// share of `batches` in turn.
async fn ingest(url: &str, batches: &[String]) -> f64 {
    let started = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let mine: Vec<String> = batches
                .iter()
                .skip(sender)
                .step_by(SENDERS)
                .cloned()
                .collect();
            let url = url.to_string();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for body in mine {
                    let status = http
                        .post(&url)
                        .basic_auth("stream", Some("bench-pw"))
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .unwrap()
                        .status();
                    assert_eq!(status, 200);
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    (batches.len() * 3000) as f64 / started.elapsed().as_secs_f64()
}

/// The Python receiver on a free port, writing to `out`.
fn python_receiver(
    script: &std::path::Path,
    out: &std::path::Path,
) -> std::io::Result<(std::process::Child, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(out)
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    use std::io::BufRead;
    let mut ready = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready)?;
    Ok((child, port))
}

/// Scenario 12: ingest of 3,000-record batches from 8 senders at once (a
/// tenth of them resends), onence's receiver (served as `onence streamer`
/// serves it) against the Python one, both fsyncing before each 200;
/// `rounds` runs of each, alternating, in one process.
pub async fn streamer_ingest(batches_per_sender: usize, rounds: usize) -> Vec<Row> {
    let dir = std::env::temp_dir().join(format!("onence-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let total = SENDERS * batches_per_sender;
    let mut batches: Vec<String> = (0..total as u64).map(|n| batch(n * 3000)).collect();
    // Every tenth batch is a resend of the one before it.
    for n in (10..total).step_by(10) {
        batches[n] = batches[n - 1].clone();
    }
    let script = dir.join("receiver.py");
    std::fs::write(&script, PYTHON_RECEIVER).unwrap();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let out = dir.join(format!("onence-{round}.jsonl"));
        let receiver =
            Receiver::new("stream", Secret::new("bench-pw"), Sink::open(&out).unwrap()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(onence::server::serve(
            listener,
            receiver.router(),
            onence::server::ServerSettings::new(),
            None,
            async move {
                let _ = stopped.await;
            },
        ));
        ours.push(ingest(&url, &batches).await);
        let _ = stop.send(());
        let _ = serving.await;
        let _ = std::fs::remove_file(&out);

        let out = dir.join(format!("python-{round}.jsonl"));
        match python_receiver(&script, &out) {
            Ok((mut child, port)) => {
                theirs.push(ingest(&format!("http://127.0.0.1:{port}/"), &batches).await);
                let _ = child.kill();
                let _ = child.wait();
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return vec![Row {
                    scenario: "12. Data Streamer ingest: onence streamer".into(),
                    figures: format!("no python3 to compare: {e}"),
                    target: "at least 4 × the Python receiver".into(),
                    holds: false,
                }];
            }
        }
        let _ = std::fs::remove_file(&out);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ratios: Vec<f64> = ours.iter().zip(&theirs).map(|(o, t)| o / t).collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let high = ratios.iter().copied().fold(0.0, f64::max);
    let ratio = median(ratios);
    vec![Row {
        scenario: format!(
            "12. Data Streamer ingest, {SENDERS} senders, {total} batches of 3,000 (a tenth resent), {rounds} rounds: onence streamer against a threaded Python receiver (auth, parse, dedupe, append, fsync)"
        ),
        figures: format!(
            "{:.0} records/s against {:.0} (median): {ratio:.1} × (rounds {low:.1}–{high:.1} ×)",
            median(ours),
            median(theirs)
        ),
        target: "at least 4 × the Python receiver (median of the rounds)".into(),
        holds: ratio >= 4.0,
    }]
}
