//! Scenarios 10 to 12: watching a fleet. The exporter's calls before its
//! first data against a script that reads every SIM's quota first;
//! `/metrics` at 100,000 SIMs, a stored encoding against a fresh one; the
//! Data Streamer receiver's ingest against a minimal Python receiver doing
//! the same work.

use std::time::{Duration, Instant};

use onence::config::RateLimits;
use onence::exporter::{Exporter, ExporterSettings, QuotaPart, SimSeries};
use onence::sandbox::Sandbox;
use onence::streamer::{JsonLines, Receiver};
use onence::{types, Iccid, Secret};

use crate::{peak_rss_kib, Row};

fn calls(sandbox: &Sandbox) -> u64 {
    sandbox.counters().requests.values().sum::<u64>()
}

/// Scenario 10: on `sims` SIMs, the calls the exporter (at its hard cap
/// of 10 a second) makes before every SIM and every flagged SIM's data
/// share is served, against a script that lists and reads each SIM's data
/// quota before it serves anything.
pub async fn exporter_first_data(sims: u64) -> Vec<Row> {
    let sandbox = Sandbox::builder()
        .sims(sims)
        .seed(5)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let listed = sandbox.client().all_sims().collect().await.unwrap();
    let flagged = listed
        .iter()
        .filter(|s| !onence::jobs::listed_above_quota_status_share(s))
        .count();
    let settings = ExporterSettings::new(Duration::from_secs(3600), 10.0).unwrap();
    let exporter = Exporter::new(settings.clone());
    let client = sandbox
        .client_builder()
        .rate_limits(settings.rate_limits())
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let router = exporter.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let before = calls(&sandbox);
    let started = Instant::now();
    let running = tokio::spawn(exporter.clone().run(client));
    let http = reqwest::Client::new();
    let ours = loop {
        let text = http.get(&url).send().await.unwrap().text().await.unwrap();
        let shares = text
            .lines()
            .filter(|l| {
                l.starts_with("onence_sim_remaining_share{") && l.contains("quota=\"data\"")
            })
            .count();
        let all_listed = text
            .lines()
            .filter(|l| l.starts_with("onence_sims{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>()
            == sims as f64;
        if all_listed && shares >= flagged {
            break calls(&sandbox) - before;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let ours_time = started.elapsed();
    running.abort();
    // A script's refresh: the list, then a data read per SIM.
    let pages = sims.div_ceil(100) + u64::from(sims.is_multiple_of(100) && sims <= 100);
    let theirs = pages + sims;
    let at_limit = |calls: u64| calls as f64 / 10.0;
    vec![
        Row {
            scenario: format!("10. exporter, {sims} SIMs: calls before first data (every SIM, every flagged share)"),
            figures: format!(
                "{ours} calls ({flagged} flagged), {:.0} s at 10/s (measured {:.1} s at its cap)",
                at_limit(ours),
                ours_time.as_secs_f64()
            ),
            target: "pages + flagged + token, within 1%".into(),
            holds: (ours as f64) <= (pages as f64 + flagged as f64 + 1.0) * 1.01 + 2.0,
        },
        Row {
            scenario: format!("10. a script, {sims} SIMs: the list and a data read per SIM before it serves"),
            figures: format!(
                "{theirs} calls, {:.0} s at 10/s ({:.1} × the calls)",
                at_limit(theirs),
                theirs as f64 / ours as f64
            ),
            target: "several × the calls".into(),
            holds: theirs as f64 / ours as f64 >= crate::SEVERAL,
        },
    ]
}

/// Scenario 11 runs in a child process: the exporter's memory, and
/// `/metrics` at 100,000 SIMs.
pub fn metrics_at_scale() -> Vec<Row> {
    let me = std::env::current_exe().unwrap();
    let output = std::process::Command::new(&me)
        .args(["--exporter-probe", "100000"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or("?").to_string();
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.trim_end_matches([',', ';']).parse().ok())
        .collect();
    let get = |i: usize| numbers.get(i).copied().unwrap_or(f64::MAX);
    let (rss_mib, series, default_gzip_ms, fresh_ms, stored_ms, stored_gzip_ms) =
        (get(0), get(1), get(2), get(3), get(4), get(5));
    let ratio = fresh_ms / default_gzip_ms;
    vec![
        Row {
            scenario: "11. exporter at 100,000 SIMs: a scrape as Prometheus makes it (gzip, default --sim-series, stored) against a fresh encoding of every SIM's series (every scrape before the cache)".into(),
            figures: format!("{default_gzip_ms:.1} ms against {fresh_ms:.0} ms: 1/{ratio:.0}"),
            target: "at most 1/20".into(),
            holds: ratio >= 20.0,
        },
        Row {
            scenario: "11. exporter at 100,000 SIMs, --sim-series all (about 1.2 million series): stored plain, stored gzip, fresh".into(),
            figures: format!("{stored_ms:.0} ms, {stored_gzip_ms:.0} ms, {fresh_ms:.0} ms"),
            target: "stored below fresh".into(),
            holds: stored_ms < fresh_ms && stored_gzip_ms < fresh_ms,
        },
        Row {
            scenario: "11. exporter at 100,000 SIMs, default --sim-series: peak RSS; series".into(),
            figures: format!("{rss_mib:.1} MiB; {series:.0} series"),
            target: "≤ 256 MiB; ≤ 50,000 series".into(),
            holds: rss_mib <= 256.0 && series <= 50_000.0,
        },
    ]
}

fn synthetic_sim(index: u64) -> types::Sim {
    let left = (index * 7919 % 500) as f64;
    let description = if left < 100.0 {
        "LESS_THAN_20_PERCENT"
    } else {
        "MORE_THAN_20_PERCENT"
    };
    serde_json::from_value(serde_json::json!({
        "iccid": format!("{}", 8_988_280_666_000_000_000u64 + index),
        "imsi": format!("{}", 901_405_100_000_000u64 + index),
        "msisdn": format!("{}", 882_285_100_000_000u64 + index),
        "status": if index.is_multiple_of(10) { "Disabled" } else { "Enabled" },
        "label": format!("device-{index}"), "imei_lock": index.is_multiple_of(3),
        "current_quota": 500, "current_quota_sms": 250,
        "quota_status": { "id": 0, "description": description },
    }))
    .unwrap()
}

/// An exporter that knows `sims` SIMs and all their quotas.
fn fed(settings: ExporterSettings, sims: u64) -> Exporter {
    let exporter = Exporter::new(settings);
    let all: Vec<types::Sim> = (0..sims).map(synthetic_sim).collect();
    for page in all.chunks(100) {
        exporter.feed_list_page(page);
    }
    for index in 0..sims {
        let iccid = Iccid::new(format!("{}", 8_988_280_666_000_000_000u64 + index)).unwrap();
        let quota = |volume: f64, total: f64| -> types::Quota {
            serde_json::from_value(serde_json::json!({ "volume": volume, "total_volume": total }))
                .unwrap()
        };
        exporter.feed_quota(
            &iccid,
            QuotaPart::Data,
            &quota((index * 7919 % 500) as f64, 500.0),
        );
        exporter.feed_quota(
            &iccid,
            QuotaPart::Sms,
            &quota((index * 104_729 % 250) as f64, 250.0),
        );
    }
    exporter
}

async fn median_scrape_ms(
    http: &reqwest::Client,
    url: &str,
    gzip: bool,
    before_each: impl Fn(),
) -> f64 {
    let mut times = Vec::new();
    for _ in 0..7 {
        before_each();
        let started = Instant::now();
        let mut request = http.get(url);
        if gzip {
            request = request.header("accept-encoding", "gzip");
        }
        let body = request.send().await.unwrap().bytes().await.unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(body.len() > 1000);
    }
    times.sort_by(f64::total_cmp);
    times[3]
}

async fn served(exporter: &Exporter) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metrics", listener.local_addr().unwrap());
    let router = exporter.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// The child of scenario 11: the default first (its peak RSS is read
/// before the `all` exporter exists), then `all`.
pub fn exporter_probe(sims: &str) {
    let sims: u64 = sims.parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let standard = fed(ExporterSettings::standard(), sims);
        let url = served(&standard).await;
        let text = http.get(&url).send().await.unwrap().text().await.unwrap();
        let series = text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).count();
        drop(text);
        let default_gzip = median_scrape_ms(&http, &url, true, || {}).await;
        let rss = peak_rss_kib() as f64 / 1024.0;
        drop(standard);

        let all = fed(ExporterSettings::standard().with_sim_series(SimSeries::All), sims);
        let url = served(&all).await;
        // A change before each scrape: every scrape encodes, as before the cache.
        let one = [synthetic_sim(0)];
        let fresh = median_scrape_ms(&http, &url, false, || all.feed_list_page(&one)).await;
        let stored = median_scrape_ms(&http, &url, false, || {}).await;
        let stored_gzip = median_scrape_ms(&http, &url, true, || {}).await;
        println!(
            "{rss:.1} MiB peak RSS, {series} series by default, {default_gzip:.2} ms default gzip, {fresh:.1} ms fresh all, {stored:.1} ms stored all, {stored_gzip:.1} ms stored all gzip"
        );
    });
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
        let receiver = Receiver::new(
            "stream",
            Secret::new("bench-pw"),
            JsonLines::open(&out).unwrap(),
        )
        .unwrap();
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
