//! Benchmarks against the embedded sandbox on loopback, side by side in one run.
//!
//! `cargo bench --features cli --bench client` prints a Markdown table
//! (the one in BENCHMARKS.md). `-- --quick` skips the 20,000-SIM repeats.
//! `-- --only 2,5` runs only those scenarios. Each row's target is checked,
//! not just printed: the run exits non-zero, naming the rows, when one does
//! not hold.

use std::time::{Duration, Instant};

#[path = "support/watch.rs"]
mod watch;

use futures_util::{StreamExt, TryStreamExt};
use onence::config::{RateLimits, RetryPolicy};
use onence::sandbox::{Faults, Sandbox};
use onence::{types, Client};

struct Row {
    scenario: String,
    figures: String,
    target: String,
    /// Whether the figures meet the target.
    holds: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory-probe") {
        memory_probe(&args[i + 1], &args[i + 2]);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--exporter-probe") {
        watch::exporter_probe(&args[i + 1]);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let only: Option<Vec<u32>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        });
    let run = |n: u32| only.as_ref().is_none_or(|o| o.contains(&n));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    if run(1) {
        rows.extend(runtime.block_on(fleet_listing(2_000)));
        if !quick {
            rows.extend(runtime.block_on(fleet_listing(20_000)));
        }
    }
    if run(2) {
        rows.push(call_overhead());
    }
    if run(3) {
        rows.push(runtime.block_on(token_single_flight()));
    }
    if run(4) {
        rows.extend(memory());
    }
    if run(5) {
        rows.extend(runtime.block_on(resilience()));
    }
    if run(6) {
        rows.extend(runtime.block_on(fleet_report(1_000)));
    }
    if run(7) {
        rows.extend(runtime.block_on(bulk_disable(20_000, 1_000)));
    }
    if run(8) {
        rows.push(runtime.block_on(interrupt_and_resume()));
    }
    if run(9) {
        rows.extend(runtime.block_on(device_walk(1_000)));
    }
    if run(10) {
        rows.extend(runtime.block_on(watch::exporter_first_data(2_000)));
    }
    if run(11) {
        rows.extend(watch::metrics_at_scale());
    }
    if run(12) {
        let (batches, rounds) = if quick { (3, 3) } else { (20, 3) };
        rows.extend(runtime.block_on(watch::streamer_ingest(batches, rounds)));
    }

    println!("| scenario | figures | target |");
    println!("| --- | --- | --- |");
    for row in &rows {
        let mark = if row.holds { "" } else { " **(missed)**" };
        println!(
            "| {} | {} | {}{mark} |",
            row.scenario, row.figures, row.target
        );
    }
    let missed: Vec<&str> = rows
        .iter()
        .filter(|r| !r.holds)
        .map(|r| r.scenario.as_str())
        .collect();
    if !missed.is_empty() {
        eprintln!("targets missed: {}", missed.join("; "));
        std::process::exit(1);
    }
}

/// "Several × slower": at least twice the time.
const SEVERAL: f64 = 2.0;

/// Scenario 1: every SIM, at 300 ms per request and 10 requests/s on the server.
async fn fleet_listing(sims: u64) -> Vec<Row> {
    let pages = sims / 100;
    let latency = Duration::from_millis(300);
    let limit = Duration::from_secs_f64(pages as f64 / 10.0) + latency;
    let sandbox = Sandbox::builder()
        .sims(sims)
        .latency(latency)
        .start()
        .await
        .unwrap();

    let client = sandbox.client();
    let started = Instant::now();
    let count = client
        .all_sims()
        .stream()
        .try_fold(0u64, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    let onence = started.elapsed();
    assert_eq!(count, sims);
    let refused_onence = sandbox.counters().rate_limited;

    // The way public scripts do it: the generated call in a loop, page after page.
    let naive = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let mut page = 1;
    let mut seen = 0;
    loop {
        let items = naive
            .list_sims()
            .page(page)
            .page_size(100)
            .send()
            .await
            .unwrap()
            .into_inner();
        seen += items.len() as u64;
        if items.len() < 100 {
            break;
        }
        page += 1;
    }
    let naive_time = started.elapsed();
    assert_eq!(seen, sims);
    let refused_naive = sandbox.counters().rate_limited - refused_onence;
    vec![
        Row {
            scenario: format!("1. all {sims} SIMs ({pages} pages), onence stream"),
            figures: format!(
                "{:.2} s = {:.2} × the limit ({:.2} s); {refused_onence} × 429",
                onence.as_secs_f64(),
                onence.as_secs_f64() / limit.as_secs_f64(),
                limit.as_secs_f64()
            ),
            target: "≤ 1.10 × limit, no 429".into(),
            holds: onence.as_secs_f64() / limit.as_secs_f64() <= 1.10 && refused_onence == 0,
        },
        Row {
            scenario: format!("1. all {sims} SIMs, naive sequential loop"),
            figures: format!(
                "{:.2} s = {:.2} × the limit; {:.1} × slower than onence; {refused_naive} × 429",
                naive_time.as_secs_f64(),
                naive_time.as_secs_f64() / limit.as_secs_f64(),
                naive_time.as_secs_f64() / onence.as_secs_f64()
            ),
            target: "several × slower".into(),
            holds: naive_time.as_secs_f64() / onence.as_secs_f64() >= SEVERAL,
        },
    ]
}

/// Scenario 9: every 1NCE OS device (`list_devices`) at 100 ms per
/// request. 1NCE publishes no limit for the path, so the floor is the
/// fewest calls (50 devices a page, the most the document allows) with the
/// pager's four pages in flight once `pageAmount` is known, and one more
/// when the last page is exactly full: the pager reads on once rather than
/// trust a total that may be short (docs/real-service.md).
async fn device_walk(devices: u64) -> Vec<Row> {
    let latency = Duration::from_millis(100);
    let pages = devices.div_ceil(50);
    let read_on = u64::from(devices.is_multiple_of(50));
    let rounds = 1 + (pages - 1).div_ceil(4) + read_on;
    let floor = latency * u32::try_from(rounds).unwrap();
    let sandbox = Sandbox::builder()
        .sims(devices)
        .latency(latency)
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let started = Instant::now();
    let walked = client.os().all_devices().collect().await.unwrap();
    let onence = started.elapsed();
    assert_eq!(walked.len() as u64, devices);
    let calls = sandbox.counters().requests["GET /v1/inspect/devices"];

    // A script's way: the generated call in a loop, at the default page size (10).
    let started = Instant::now();
    let (mut page, mut seen) = (1u64, 0u64);
    loop {
        let body = client
            .os()
            .list_devices()
            .page(std::num::NonZeroU64::new(page).unwrap())
            .send()
            .await
            .unwrap()
            .into_inner();
        seen += body.items.len() as u64;
        if body.items.len() < 10 || page == 50 {
            break;
        }
        page += 1;
    }
    let naive = started.elapsed();
    vec![
        Row {
            scenario: format!("9. all {devices} 1NCE OS devices, onence all_devices()"),
            figures: format!(
                "{calls} calls; {:.2} s = {:.2} × the floor ({:.2} s: {rounds} round trips)",
                onence.as_secs_f64(),
                onence.as_secs_f64() / floor.as_secs_f64(),
                floor.as_secs_f64()
            ),
            target: format!("{} calls, ≤ 1.15 × floor", pages + read_on),
            holds: calls == pages + read_on && onence.as_secs_f64() / floor.as_secs_f64() <= 1.15,
        },
        Row {
            scenario: format!("9. all {devices} devices, naive loop at the default page size"),
            figures: format!(
                "{page} calls, {seen} devices (capped at page 50); {:.2} s = {:.1} × slower than onence",
                naive.as_secs_f64(),
                naive.as_secs_f64() / onence.as_secs_f64()
            ),
            target: "several × slower".into(),
            holds: naive.as_secs_f64() / onence.as_secs_f64() >= SEVERAL,
        },
    ]
}

/// Starts `onence-sandbox` in its own process (so that only the client is
/// measured) and reads the base URL and credentials it prints.
fn sandbox_process(sims: u64) -> (std::process::Child, String, String, String) {
    use std::io::BufRead;
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_onence-sandbox"))
        .args(["--sims", &sims.to_string(), "--no-rate-limits"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut exports = String::new();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    for _ in 0..3 {
        out.read_line(&mut exports).unwrap();
    }
    let var = |name: &str| {
        exports
            .lines()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap()
            .to_string()
    };
    let (base, user, secret) = (
        var("ONENCE_BASE_URL"),
        var("ONENCE_CLIENT_ID"),
        var("ONENCE_CLIENT_SECRET"),
    );
    (server, base, user, secret)
}

/// CPU time of this thread so far (Linux), in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Rounds of scenario 2, each one pair of onence and raw reqwest runs.
const ROUNDS: u64 = 25;

/// Scenario 2: 5,000 get_sim calls, onence against raw reqwest with the same
/// pool and the same decoding, on one thread, the sandbox in its own process.
fn call_overhead() -> Row {
    let (mut server, base, user, secret) = sandbox_process(10);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let calls = 5_000;
    let (onence_ns, raw_ns) = runtime.block_on(async {
        let http = reqwest::Client::new();
        let client = Client::builder()
            .base_url(&base)
            .credentials(onence::Credentials::api_user(&user, secret.as_str()))
            .rate_limits(RateLimits::none())
            .http_client(http.clone())
            .build()
            .unwrap();
        let iccid = "8988280666000000000";
        let token: serde_json::Value = http
            .post(format!("{base}/oauth/token"))
            .basic_auth(&user, Some(&secret))
            .json(&serde_json::json!({ "grant_type": "client_credentials" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
        // Warm both paths up (connections, token).
        for _ in 0..200 {
            client.get_sim().iccid(iccid).send().await.unwrap();
            raw(&http, &base, iccid, &bearer).await;
        }
        // Interleaved pairs of rounds; each pair gives a ratio, and the median
        // ratio is reported (the machine's noise moves both sides of a pair
        // together far more than it moves pairs apart).
        let mut pairs = Vec::new();
        for _ in 0..ROUNDS {
            let start = thread_cpu_ns();
            for _ in 0..calls / ROUNDS {
                client.get_sim().iccid(iccid).send().await.unwrap();
            }
            let ours = thread_cpu_ns() - start;
            let start = thread_cpu_ns();
            for _ in 0..calls / ROUNDS {
                raw(&http, &base, iccid, &bearer).await;
            }
            pairs.push((ours, thread_cpu_ns() - start));
        }
        pairs.sort_by(|a, b| (a.0 as f64 / a.1 as f64).total_cmp(&(b.0 as f64 / b.1 as f64)));
        pairs[pairs.len() / 2]
    });
    let _ = server.kill();
    let _ = server.wait();
    let per = |ns: u64| ns as f64 / (calls / ROUNDS) as f64 / 1000.0;
    Row {
        scenario: "2. get_sim CPU time per call (thread CPU, client side only)".into(),
        figures: format!(
            "median of {ROUNDS} paired rounds: onence {:.1} µs, raw reqwest {:.1} µs: ratio {:.2}",
            per(onence_ns),
            per(raw_ns),
            onence_ns as f64 / raw_ns as f64
        ),
        target: "ratio ≤ 1.15".into(),
        holds: onence_ns as f64 / raw_ns as f64 <= 1.15,
    }
}

async fn raw(http: &reqwest::Client, base: &str, iccid: &str, bearer: &str) -> types::Sim {
    http.get(format!("{base}/v1/sims/{iccid}"))
        .header("authorization", bearer)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Scenario 3: 1,000 concurrent calls on a fresh client.
async fn token_single_flight() -> Row {
    let sandbox = Sandbox::builder()
        .sims(10)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let calls = futures_util::stream::iter(0..1000)
        .map(|_| {
            let client = client.clone();
            let iccid = sandbox.iccid(0);
            tokio::spawn(async move {
                client.get_sim().iccid(iccid).send().await.unwrap();
                started.elapsed()
            })
        })
        .buffer_unordered(1000)
        .map(|r| r.unwrap());
    let times: Vec<Duration> = calls.collect().await;
    let first = times.iter().min().unwrap();
    Row {
        scenario: "3. 1,000 concurrent calls on a fresh client".into(),
        figures: format!(
            "{} token request(s); first answer after {:.1} ms, last after {:.1} ms",
            sandbox.counters().tokens_issued,
            first.as_secs_f64() * 1000.0,
            times.iter().max().unwrap().as_secs_f64() * 1000.0
        ),
        target: "exactly 1 token request".into(),
        holds: sandbox.counters().tokens_issued == 1,
    }
}

/// Scenario 4 runs in child processes, each against its own sandbox, and reports peak RSS.
fn memory() -> Vec<Row> {
    let mut rows: Vec<(f64, Row)> = Vec::new();
    let me = std::env::current_exe().unwrap();
    for (mode, sims) in [
        ("stream", "20000"),
        ("stream", "100000"),
        ("collect", "100000"),
    ] {
        let output = std::process::Command::new(&me)
            .args(["--memory-probe", mode, sims])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let line = text.lines().last().unwrap_or("?").to_string();
        let peak: f64 = line
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(f64::MAX);
        rows.push((
            peak,
            Row {
                scenario: format!("4. {mode} {sims} SIMs: peak RSS of the client process"),
                figures: line,
                target: String::new(),
                holds: false,
            },
        ));
    }
    // Flat: five times the fleet costs at most a quarter more memory (and
    // 2 MiB of allocator slack); collecting, for contrast, costs more.
    let (small, large, collected) = (rows[0].0, rows[1].0, rows[2].0);
    let flat = large <= small * 1.25 + 2.0;
    let targets = [
        ("streaming flat as the fleet grows", flat),
        ("streaming flat as the fleet grows", flat),
        ("more than streaming the same fleet", collected > large),
    ];
    rows.into_iter()
        .zip(targets)
        .map(|((_, mut row), (target, holds))| {
            row.target = target.into();
            row.holds = holds;
            row
        })
        .collect()
}

fn memory_probe(mode: &str, sims: &str) {
    let sims: u64 = sims.parse().unwrap();
    // The sandbox runs in another process so that only the client's memory counts.
    let (mut server, base, user, secret) = sandbox_process(sims);
    let before = peak_rss_kib();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let count = runtime.block_on(async {
        let client = Client::builder()
            .base_url(&base)
            .credentials(onence::Credentials::api_user(&user, secret.as_str()))
            .rate_limits(RateLimits::none())
            .build()
            .unwrap();
        if mode == "collect" {
            client.all_sims().collect().await.unwrap().len() as u64
        } else {
            client
                .all_sims()
                .stream()
                .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap()
        }
    });
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(count, sims);
    println!(
        "{:.1} MiB peak ({:.1} MiB before the run)",
        peak_rss_kib() as f64 / 1024.0,
        before as f64 / 1024.0
    );
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Scenario 5: GETs and top-ups under 5% injected 503s, 1% connections
/// dropped before the answer and 1% answers cut off mid-body.
async fn resilience() -> Vec<Row> {
    let faults = Faults::none()
        .with_error_rate(0.05)
        .with_error_statuses([503])
        .with_drop_rate(0.01)
        .with_cut_body_rate(0.01);
    let sandbox = Sandbox::builder()
        .sims(1_000)
        .seed(5)
        .rate_limits(RateLimits::none())
        .faults(faults)
        .start()
        .await
        .unwrap();
    let policy = RetryPolicy::standard()
        .with_base_delay(Duration::from_millis(5))
        .with_max_delay(Duration::from_millis(100));
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(policy)
        .build()
        .unwrap();
    let gets = 10_000u64;
    let ok = futures_util::stream::iter(0..gets)
        .map(|i| {
            let client = client.clone();
            let iccid = sandbox.iccid(i % 1_000);
            async move { client.get_sim().iccid(iccid).send().await.is_ok() }
        })
        .buffer_unordered(32)
        .filter(|ok| futures_util::future::ready(*ok))
        .count()
        .await as u64;
    let sent = sandbox.counters().requests_to("GET /v1/sims/{iccid}");

    let top_ups = 1_000u64;
    let results: Vec<Result<Option<i64>, onence::Error>> = futures_util::stream::iter(0..top_ups)
        .map(|i| {
            let client = client.clone();
            let iccid = sandbox.iccid(i);
            async move { client.top_up(&iccid, None).await }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let succeeded = results.iter().filter(|r| r.is_ok()).count() as u64;
    let unknown = results
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.is_outcome_unknown()))
        .count() as u64;
    // The other failures, by kind and status: each one named, none inferred.
    let mut refused = std::collections::BTreeMap::<String, u64>::new();
    for error in results.iter().filter_map(|r| r.as_ref().err()) {
        if !error.is_outcome_unknown() {
            let status = error
                .status()
                .map_or("-".into(), |s| s.as_u16().to_string());
            *refused
                .entry(format!("{:?} {status}", error.kind()))
                .or_default() += 1;
        }
    }
    let refused_total: u64 = refused.values().sum();
    let refused_text = refused
        .iter()
        .map(|(kind, n)| format!("{n} × {kind}"))
        .collect::<Vec<_>>()
        .join(", ");
    let counters = sandbox.counters();
    let posted = counters.requests_to("POST /v1/sims/{iccid}/topup");
    let applied = counters.top_ups_applied;
    vec![
        Row {
            scenario: "5. 10,000 GETs, 5% 503, 1% dropped, 1% cut mid-body".into(),
            figures: format!("{:.2}% succeeded; {} extra requests ({:.1}%)", 100.0 * ok as f64 / gets as f64, sent - gets, 100.0 * (sent - gets) as f64 / gets as f64),
            target: "100% succeed".into(),
            holds: ok == gets,
        },
        Row {
            scenario: "5. 1,000 top-ups under the same faults".into(),
            figures: format!(
                "{posted} sent, {applied} applied, {succeeded} reported done, {unknown} reported 'outcome unknown', refused: {refused_text}; duplicates: {}",
                posted.saturating_sub(top_ups)
            ),
            target: "applied = done + unknown (a cut answer is done, a lost one unknown); every refusal refused unapplied; none sent twice".into(),
            holds: applied == succeeded + unknown
                && succeeded + unknown + refused_total == top_ups
                && posted == top_ups,
        },
    ]
}

/// Scenario 6: the main job on `sims` SIMs at 100 ms per request and 1NCE's
/// 10 requests/s: quota reads only where the list flags a SIM, against a
/// quota read for every SIM (eight in flight, under the same limiter).
async fn fleet_report(sims: u64) -> Vec<Row> {
    let sandbox = Sandbox::builder()
        .sims(sims)
        .seed(5)
        .latency(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let started = Instant::now();
    let report = client.low_data_report(0.2).await.unwrap();
    let ours = started.elapsed();
    let our_calls =
        sandbox.counters().requests.values().sum::<u64>() - sandbox.counters().tokens_issued;

    let before = sandbox.counters().requests.values().sum::<u64>();
    let started = Instant::now();
    let every: Vec<(onence::types::Sim, onence::types::Quota)> = client
        .all_sims()
        .stream()
        .map_ok(|sim| {
            let client = client.clone();
            async move {
                let quota = client.data_quota_of(sim.iccid.clone().unwrap()).await?;
                Ok((sim, quota))
            }
        })
        .try_buffered(8)
        .try_collect()
        .await
        .unwrap();
    let theirs = started.elapsed();
    let their_calls = sandbox.counters().requests.values().sum::<u64>() - before;
    let low_by_all = every
        .iter()
        .filter(|(_, q)| *q.volume.unwrap() / *q.total_volume.unwrap() < 0.2)
        .count();
    assert_eq!(
        report.low.len(),
        low_by_all,
        "the shortcut finds the same SIMs"
    );
    let per_limit = |calls: u64, took: Duration| took.as_secs_f64() / (calls as f64 / 10.0);
    vec![
        Row {
            scenario: format!("6. fleet report, {sims} SIMs: quota reads only for flagged SIMs"),
            figures: format!(
                "{our_calls} calls ({} reads), {:.1} s = {:.2} × calls ÷ 10/s; {} low SIMs",
                report.quota_reads,
                ours.as_secs_f64(),
                per_limit(our_calls, ours),
                report.low.len()
            ),
            target: "≤ 1.10 × calls ÷ 10/s".into(),
            holds: per_limit(our_calls, ours) <= 1.10,
        },
        Row {
            scenario: format!("6. fleet report, {sims} SIMs: a quota read per SIM"),
            figures: format!(
                "{their_calls} calls, {:.1} s = {:.2} × calls ÷ 10/s; {:.1} × slower; the same {low_by_all} SIMs",
                theirs.as_secs_f64(),
                per_limit(their_calls, theirs),
                theirs.as_secs_f64() / ours.as_secs_f64()
            ),
            target: "several × slower".into(),
            holds: theirs.as_secs_f64() / ours.as_secs_f64() >= SEVERAL,
        },
    ]
}

/// Scenario 7: disabling `count` of `sims` SIMs (spread over the fleet) at
/// 100 ms per request and 10 requests/s: onence reads their state from the
/// list's pages, the old way read every SIM first. Both send the same bulk
/// changes.
async fn bulk_disable(sims: u64, count: u64) -> Vec<Row> {
    let sandbox = Sandbox::builder()
        .sims(sims)
        .seed(6)
        .latency(Duration::from_millis(100))
        .change_delay(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let step = sims / count;
    let first: Vec<String> = (0..count).map(|i| sandbox.iccid(i * step)).collect();
    let second: Vec<String> = (0..count).map(|i| sandbox.iccid(i * step + 1)).collect();
    let calls =
        || sandbox.counters().requests.values().sum::<u64>() - sandbox.counters().tokens_issued;

    let before = calls();
    let started = Instant::now();
    client.disable_sims(&first).await.unwrap();
    let ours = started.elapsed();
    let our_calls = calls() - before;

    // The old way: a read per SIM, then the same bulk chunks.
    let before = calls();
    let started = Instant::now();
    let updates: Vec<onence::types::SimUpdate> = futures_util::stream::iter(second.iter().cloned())
        .map(|iccid| {
            let client = client.clone();
            async move {
                let sim = client.get_sim().iccid(&iccid).send().await?.into_inner();
                Ok::<_, onence::GeneratedError>(onence::types::SimUpdate {
                    iccid,
                    status: onence::types::SimUpdateStatus::Disabled,
                    imei_lock: sim.imei_lock.unwrap_or(false),
                    label: sim.label,
                })
            }
        })
        .buffered(4)
        .try_collect()
        .await
        .unwrap();
    for chunk in updates.chunks(100) {
        client
            .update_sims()
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap();
    }
    let theirs = started.elapsed();
    let their_calls = calls() - before;
    vec![
        Row {
            scenario: format!("7. disable {count} of {sims} SIMs, onence (state from the list)"),
            figures: format!("{our_calls} calls, {:.1} s", ours.as_secs_f64()),
            target: "fewer calls than SIMs".into(),
            holds: our_calls < count,
        },
        Row {
            scenario: format!("7. disable {count} of {sims} SIMs, a read per SIM"),
            figures: format!(
                "{their_calls} calls, {:.1} s; {:.1} × slower",
                theirs.as_secs_f64(),
                theirs.as_secs_f64() / ours.as_secs_f64()
            ),
            target: "several × slower".into(),
            holds: theirs.as_secs_f64() / ours.as_secs_f64() >= SEVERAL,
        },
    ]
}

/// Scenario 8: a journaled job disabling 500 of 2,000 SIMs is stopped after
/// its second chunk (as Ctrl-C stops it) and run again with its journal.
async fn interrupt_and_resume() -> Row {
    let sandbox = Sandbox::builder()
        .sims(2_000)
        .seed(8)
        .change_delay(Duration::from_millis(1))
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let wanted: Vec<String> = (0..500).map(|i| sandbox.iccid(i * 4)).collect();
    let path = std::env::temp_dir().join(format!("onence-bench-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut stop = Some(stop);
    let mut journal = onence::jobs::Journal::open(&path, "disable").unwrap();
    let first = client
        .bulk(onence::jobs::BulkChange::Disable, &wanted)
        .unwrap()
        .journal(&mut journal)
        .on_progress(move |p| {
            if p.done >= 200 {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
            }
        })
        .stop_on(async move {
            let _ = stopped.await;
        })
        .run()
        .await
        .unwrap();
    let chunks_first = sandbox.counters().requests_to("POST /v1/sims");
    drop(journal);
    let mut journal = onence::jobs::Journal::open(&path, "disable").unwrap();
    let second = client
        .bulk(onence::jobs::BulkChange::Disable, &wanted)
        .unwrap()
        .journal(&mut journal)
        .run()
        .await
        .unwrap();
    let chunks = sandbox.counters().requests_to("POST /v1/sims");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let disabled: std::collections::BTreeSet<String> = client
        .all_sims()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.status == Some(onence::types::SimStatus::Disabled))
        .filter_map(|s| s.iccid)
        .collect();
    let missed = wanted.iter().filter(|i| !disabled.contains(*i)).count();
    let _ = std::fs::remove_file(&path);
    Row {
        scenario: "8. disable 500 of 2,000 SIMs, stopped after 2 chunks, resumed from the journal".into(),
        figures: format!(
            "first run {} applied in {chunks_first} chunks (stopped: {}); resumed run {} applied, {} skipped, in {} chunks; {chunks} chunks for 500 SIMs in all; {missed} missed",
            first.applied,
            first.stopped,
            second.applied,
            second.skipped,
            chunks - chunks_first
        ),
        target: "no SIM changed twice (5 chunks), none missed".into(),
        holds: chunks == 5 && missed == 0 && first.stopped,
    }
}
