//! `onence streamer` run as a process, posted to as 1NCE posts: batches
//! with right and wrong auth, resends, malformed and oversized bodies,
//! drifted records; killed with SIGKILL after a 200 and started again. What
//! is on disk is what was acknowledged, each record once.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// A running `onence streamer`, where it listens, and what it logged.
struct Streamer {
    child: Child,
    url: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Streamer {
    /// Starts the receiver on a free port, writing to `out`.
    fn start(dir: &Path, out: &Path, extra: &[&str]) -> Streamer {
        let password = dir.join("password");
        if !password.exists() {
            std::fs::write(&password, "s3cret-streamer-pw\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600))
                    .unwrap();
            }
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_onence"))
            .args(["streamer", "--listen", "127.0.0.1:0", "--user", "stream"])
            .arg("--password-file")
            .arg(&password)
            .arg("--out")
            .arg(out)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "the streamer exited before listening"
            );
            if let Some(url) = line.trim().strip_prefix("streamer listening on ") {
                break url.to_string();
            }
        };
        // Keep reading stderr, so that the process never blocks on it.
        let log = std::sync::Arc::new(std::sync::Mutex::new(line.clone()));
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                keep.lock().unwrap().push_str(&line);
            }
        });
        Streamer { child, url, log }
    }

    /// Kills the process at once (SIGKILL): no shutdown, no flush.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Streamer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onence-streamer-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the sink holds, one record a line: the whole lines only, since a
/// write may be under way while the test reads.
fn on_disk(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out).unwrap_or_default();
    let whole = &text[..text.rfind('\n').map_or(0, |end| end + 1)];
    whole
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A usage record of `mb` MB for `iccid`, as Platform 1.0 sends it.
fn usage(id: u64, iccid: &str, mb: f64) -> Value {
    json!({ "id": id, "start_timestamp": "2026-11-30T08:00:00Z", "end_timestamp": "2026-11-30T08:15:00Z",
            "sim": { "iccid": iccid, "id": 1 }, "traffic_type": { "id": 5, "description": "Data" },
            "volume": { "total": mb, "tx": mb / 4.0, "rx": mb * 3.0 / 4.0 }, "cost": mb,
            "operator": { "id": 2, "name": "T-Mobile", "mnc": "01", "country": { "id": 74, "mcc": "262", "name": "Germany" } } })
}

async fn post(url: &str, auth: Option<(&str, &str)>, body: impl Into<reqwest::Body>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    if let Some((user, password)) = auth {
        request = request.basic_auth(user, Some(password));
    }
    request.send().await.unwrap().status().as_u16()
}

const AUTH: Option<(&str, &str)> = Some(("stream", "s3cret-streamer-pw"));

#[tokio::test]
async fn batches_are_stored_once_and_refusals_store_nothing() {
    let dir = scratch("refusals");
    let out = dir.join("records.jsonl");
    let streamer = Streamer::start(&dir, &out, &["--max-body", "100000"]);
    let batch = json!([
        usage(1, "8988280666000000001", 1.5),
        usage(2, "8988280666000000002", 0.25)
    ])
    .to_string();

    assert_eq!(post(&streamer.url, None, batch.clone()).await, 401);
    assert_eq!(
        post(&streamer.url, Some(("stream", "wrong")), batch.clone()).await,
        401
    );
    assert_eq!(
        post(
            &streamer.url,
            Some(("other", "s3cret-streamer-pw")),
            batch.clone()
        )
        .await,
        401
    );
    assert_eq!(post(&streamer.url, AUTH, "[{\"id\": 1,").await, 400);
    assert_eq!(post(&streamer.url, AUTH, "42").await, 400);
    let huge = json!((0..3000)
        .map(|n| usage(n, "8988280666000000001", 1.0))
        .collect::<Vec<_>>())
    .to_string();
    assert!(huge.len() > 100_000);
    assert_eq!(post(&streamer.url, AUTH, huge).await, 413);
    assert!(on_disk(&out).is_empty(), "nothing refused was written");

    assert_eq!(post(&streamer.url, AUTH, batch.clone()).await, 200);
    // 1NCE resends after a failure; the callback URL may have any path.
    assert_eq!(
        post(&format!("{}/1nce/usage", streamer.url), AUTH, batch).await,
        200
    );
    let stored = on_disk(&out);
    assert_eq!(stored.len(), 2, "{stored:?}");
    assert_eq!(
        stored[0],
        usage(1, "8988280666000000001", 1.5),
        "kept as received"
    );

    // A legacy stream posts one object; drift never costs the batch.
    assert_eq!(
        post(
            &streamer.url,
            AUTH,
            usage(3, "8988280666000000003", 2.0).to_string()
        )
        .await,
        200
    );
    let drifted = json!([
        { "id": "4", "event_type": { "id": 999, "description": "Brand new event" }, "timestamp": "2026-11-30T08:00:00Z" },
        { "id": 5, "event_type": { "id": 56, "description": "Data quota assigned" },
          "detail": "{\"volume\": 500.000000, \"expiry_date\": 2022-03-31T00:00:00Z}" },
        { "id": 6, "traffic_type": { "id": "5" }, "volume": { "total": "0.015085", "rx": "x" }, "new_field": [1, 2] },
        { "no_id": true }
    ]);
    assert_eq!(post(&streamer.url, AUTH, drifted.to_string()).await, 200);
    assert_eq!(on_disk(&out).len(), 7);
    drop(streamer);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn what_was_acknowledged_survives_a_kill_and_resends_stay_single() {
    let dir = scratch("kill");
    let out = dir.join("records.jsonl");
    let streamer = Streamer::start(&dir, &out, &[]);
    let first = json!((0..3000)
        .map(|n| usage(n, "8988280666000000001", 0.5))
        .collect::<Vec<_>>())
    .to_string();
    assert_eq!(post(&streamer.url, AUTH, first.clone()).await, 200);
    streamer.kill();
    assert_eq!(
        on_disk(&out).len(),
        3000,
        "a 200 means on disk, kill or not"
    );

    let again = Streamer::start(&dir, &out, &[]);
    assert_eq!(
        post(&again.url, AUTH, first).await,
        200,
        "the resend is acknowledged"
    );
    let second = json!((2990..3010)
        .map(|n| usage(n, "8988280666000000001", 0.5))
        .collect::<Vec<_>>())
    .to_string();
    assert_eq!(post(&again.url, AUTH, second).await, 200);
    let stored = on_disk(&out);
    assert_eq!(stored.len(), 3010, "each id once, across the restart");
    let ids: std::collections::BTreeSet<u64> =
        stored.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), 3010);
    drop(again);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_password_is_never_printed_and_a_readable_password_file_is_refused() {
    let dir = scratch("secret");
    let out = dir.join("records.jsonl");
    let password = dir.join("password");
    std::fs::write(&password, "s3cret-streamer-pw\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = Command::new(env!("CARGO_BIN_EXE_onence"))
            .args([
                "streamer",
                "--listen",
                "127.0.0.1:0",
                "--user",
                "stream",
                "--password-file",
            ])
            .arg(&password)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("chmod 600"));
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let streamer = Streamer::start(&dir, &out, &["--debug"]);
    assert_eq!(
        post(&streamer.url, Some(("stream", "wrong-guess")), "[]").await,
        401
    );
    assert_eq!(
        post(
            &streamer.url,
            AUTH,
            json!([usage(1, "8988280666000000001", 1.0)]).to_string()
        )
        .await,
        200
    );
    let log = streamer.log.clone();
    streamer.kill();
    let log = log.lock().unwrap().clone();
    assert!(
        log.contains("batch stored"),
        "the debug log shows the batch: {log}"
    );
    assert!(
        !log.contains("s3cret-streamer-pw") && !log.contains("wrong-guess"),
        "{log}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With a certificate and key, the receiver serves HTTPS, as 1NCE requires;
/// a client that trusts the certificate posts as before.
#[tokio::test]
async fn it_serves_https_with_a_certificate() {
    let dir = scratch("tls");
    let out = dir.join("records.jsonl");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let streamer = Streamer::start(
        &dir,
        &out,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(
        streamer.url.starts_with("https://127.0.0.1:"),
        "{}",
        streamer.url
    );
    let url = streamer.url.replace("127.0.0.1", "localhost");
    let trusted = reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([trusted])
        .build()
        .unwrap();
    let batch = json!([usage(1, "8988280666000000001", 1.0)]).to_string();
    let status = client
        .post(&url)
        .basic_auth("stream", Some("s3cret-streamer-pw"))
        .body(batch)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    assert_eq!(on_disk(&out).len(), 1);
    assert!(
        reqwest::Client::new().post(&url).send().await.is_err(),
        "an untrusted certificate is refused"
    );
    drop(streamer);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sandbox streams as 1NCE does: into the library's receiver (here
/// behind a layer that fails its first two posts, so batches are resent);
/// every record lands once, and the data the usage records report is the
/// data the SIMs' quotas lost.
#[tokio::test]
async fn the_sandbox_streams_what_its_sims_use_and_resends_what_failed() {
    use onence::config::RateLimits;
    use onence::sandbox::{Sandbox, StreamTarget};
    use onence::streamer::{JsonLines, Receiver};
    use onence::Secret;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    let dir = scratch("sandbox");
    let out = dir.join("records.jsonl");
    let receiver = Receiver::new(
        "stream",
        Secret::new("pw-sandbox-1"),
        JsonLines::open(&out).unwrap(),
    )
    .unwrap();
    let refused = Arc::new(AtomicU32::new(0));
    let flaky = {
        let refused = refused.clone();
        axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let refused = refused.clone();
                async move {
                    if refused.fetch_add(1, Ordering::SeqCst) < 2 {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
                    }
                    next.run(request).await
                }
            },
        )
    };
    use axum::response::IntoResponse;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/1nce", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver.router().layer(flaky)).await });

    let every = Duration::from_millis(50);
    let sandbox = Sandbox::builder()
        .sims(10)
        .seed(3)
        .rate_limits(RateLimits::none())
        .stream_to(StreamTarget::new(&url, "stream", Secret::new("pw-sandbox-1")).with_every(every))
        .start()
        .await
        .unwrap();
    let unused = Sandbox::builder()
        .sims(10)
        .seed(3)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let data_left = |sandbox: &Sandbox| {
        let client = sandbox
            .client_builder()
            .rate_limits(RateLimits::none())
            .build()
            .unwrap();
        async move {
            let mut total = 0.0;
            for sim in client.all_sims().collect().await.unwrap() {
                total += *client
                    .data_quota_of(sim.iccid.unwrap().as_str())
                    .await
                    .unwrap()
                    .volume
                    .unwrap();
            }
            total
        }
    };
    let initial = data_left(&unused).await;
    // Wait (with a deadline, not a fixed sleep) for the two refused posts
    // and the resends that follow them.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sandbox.counters().stream_failures < 2 || on_disk(&out).is_empty() {
        assert!(std::time::Instant::now() < deadline, "nothing was streamed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = data_left(&sandbox).await;
    let usage_total = |records: &[Value]| -> f64 {
        records
            .iter()
            .filter(|r| r["traffic_type"]["id"] == 5)
            .map(|r| r["volume"]["total"].as_f64().unwrap())
            .sum()
    };
    // Everything used before the read above is delivered in time: wait
    // until the records report at least that much.
    let records = loop {
        let records = on_disk(&out);
        if usage_total(&records) >= initial - before - 1e-6 {
            break records;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the usage was never all delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let after = data_left(&sandbox).await;

    let counters = sandbox.counters();
    assert_eq!(counters.stream_failures, 2, "the two refused posts");
    assert!(
        counters.streamed as usize >= records.len(),
        "no record on disk that was not streamed"
    );
    let ids: std::collections::BTreeSet<u64> =
        records.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(
        ids.len(),
        records.len(),
        "each record once, resends included"
    );
    let reported = usage_total(&records);
    assert!(
        records.iter().any(|r| r["event_type"]["id"] == 1),
        "location events too"
    );
    let (lost_before, lost_after) = (initial - before, initial - after);
    assert!(
        reported >= lost_before - 1e-6 && reported <= lost_after + 1e-6,
        "reported {reported} MB, quotas lost {lost_before} then {lost_after}"
    );
    drop(sandbox);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn one_id_in_two_streams_is_two_records_and_a_resend_stays_single_across_a_restart() {
    let dir = scratch("kinds");
    let out = dir.join("records.jsonl");
    let event = json!({ "id": 77, "event_type": { "id": 1, "description": "Update location" } });
    let batch = json!([event, usage(77, "8988280666000000001", 1.0)]).to_string();
    let streamer = Streamer::start(&dir, &out, &[]);
    assert_eq!(post(&streamer.url, AUTH, batch.clone()).await, 200);
    assert_eq!(
        on_disk(&out).len(),
        2,
        "an event and a usage record with one id"
    );
    streamer.kill();
    let again = Streamer::start(&dir, &out, &[]);
    assert_eq!(post(&again.url, AUTH, batch).await, 200);
    assert_eq!(
        on_disk(&out).len(),
        2,
        "the resend after a restart is stored once"
    );
    drop(again);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_senders_with_resends_leave_each_record_exactly_once() {
    let dir = scratch("senders");
    let out = dir.join("records.jsonl");
    let streamer = Streamer::start(&dir, &out, &[]);
    let batch = |first: u64| {
        let records: Vec<Value> = (first..first + 3000)
            .map(|id| json!({ "id": id, "event_type": { "id": 1 } }))
            .collect();
        Value::from(records).to_string()
    };
    let senders: Vec<_> = (0..8u64)
        .map(|sender| {
            let url = streamer.url.clone();
            tokio::spawn(async move {
                let mut sent = 0;
                for n in 0..20u64 {
                    // Senders overlap: each also posts its neighbour's batch.
                    let first = ((sender * 20 + n) * 3000 + (n % 4) * 3000 * 20) % (8 * 20 * 3000);
                    assert_eq!(post(&url, AUTH, batch(first)).await, 200);
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    for sender in senders {
        assert_eq!(sender.await.unwrap(), 20);
    }
    let stored = on_disk(&out);
    let ids: std::collections::BTreeSet<u64> =
        stored.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), stored.len(), "no record twice");
    // What was posted: every batch start any sender used.
    let mut posted = std::collections::BTreeSet::new();
    for sender in 0..8u64 {
        for n in 0..20u64 {
            let first = ((sender * 20 + n) * 3000 + (n % 4) * 3000 * 20) % (8 * 20 * 3000);
            posted.extend(first..first + 3000);
        }
    }
    assert_eq!(ids, posted, "every record posted is stored");
    drop(streamer);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The rows of an SQLite sink, by a query.
fn rows_of(db: &Path, query: &str) -> Vec<Vec<rusqlite::types::Value>> {
    let connection = rusqlite::Connection::open(db).unwrap();
    let mut statement = connection.prepare(query).unwrap();
    let columns = statement.column_count();
    statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| row.get::<_, rusqlite::types::Value>(i))
                .collect()
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn count(db: &Path, filter: &str) -> i64 {
    match rows_of(db, &format!("SELECT count(*) FROM records {filter}"))[0][0] {
        rusqlite::types::Value::Integer(n) => n,
        ref other => panic!("{other:?}"),
    }
}

/// `--out sqlite:PATH`: a batch answered 200 is in the database after a
/// SIGKILL; the resend after the restart and an overlapping batch add
/// only the new records; an event and a usage record with one id are two.
#[tokio::test]
async fn an_sqlite_sink_keeps_what_was_acknowledged_through_a_kill() {
    let dir = scratch("sqlite-kill");
    let db = dir.join("records.db");
    let out = std::ffi::OsString::from(format!("sqlite:{}", db.display()));
    let streamer = Streamer::start(&dir, Path::new(&out), &[]);
    let first = json!((0..3000)
        .map(|n| usage(n, "8988280666000000001", 0.5))
        .collect::<Vec<_>>())
    .to_string();
    assert_eq!(post(&streamer.url, AUTH, first.clone()).await, 200);
    streamer.kill();
    assert_eq!(count(&db, ""), 3000, "a 200 means committed, kill or not");

    let again = Streamer::start(&dir, Path::new(&out), &[]);
    assert_eq!(
        post(&again.url, AUTH, first).await,
        200,
        "the resend is acknowledged"
    );
    let overlap = json!((2990..3010)
        .map(|n| usage(n, "8988280666000000001", 0.5))
        .collect::<Vec<_>>())
    .to_string();
    assert_eq!(post(&again.url, AUTH, overlap).await, 200);
    assert_eq!(count(&db, ""), 3010, "each record once, across the restart");
    let event = json!([{ "id": 5, "timestamp": "2026-11-30T08:00:00Z", "event_type": { "id": 3, "description": "Create PDP Context" },
        "sim": { "iccid": "8988280666000000001" } }]);
    assert_eq!(post(&again.url, AUTH, event.to_string()).await, 200);
    assert_eq!(
        count(&db, "WHERE record_id = '5'"),
        2,
        "the usage record 5 and the event 5"
    );
    drop(again);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Drift is stored with its raw JSON: a number sent as a string is read as
/// the number, an unknown event type is kept by its id and text, `detail`
/// as a string stays in `raw`, and a volume that is no number is NULL.
#[tokio::test]
async fn an_sqlite_sink_stores_drifted_records_with_their_raw_text() {
    let dir = scratch("sqlite-drift");
    let db = dir.join("records.db");
    let out = std::ffi::OsString::from(format!("sqlite:{}", db.display()));
    let streamer = Streamer::start(&dir, Path::new(&out), &[]);
    let quota_detail = r#"{\"volume\": 500.000000, \"expiry_date\": 2022-03-31T00:00:00Z}"#;
    let body = format!(
        r#"[{{"id": "77", "traffic_type": {{"id": 5, "description": "Data"}}, "volume": {{"total": "2.5", "tx": "n/a", "rx": 2.5}}, "sim": {{"iccid": "8988280666000000002"}}, "cost": "2.5", "currency": {{"code": "EUR"}}}},
  {{"id": 78, "timestamp": "2026-11-30T09:00:00Z", "event_type": {{"id": 999, "description": "Something new"}}, "event_severity": {{"id": 1, "description": "WARN"}}, "alert": true, "sim": {{"iccid": "8988280666000000002"}}, "detail": "{quota_detail}", "new_field": [1, 2]}}]"#
    );
    assert_eq!(post(&streamer.url, AUTH, body.clone()).await, 200);
    let usage = rows_of(
        &db,
        "SELECT volume_total, volume_tx, volume_rx, cost, currency, iccid FROM records WHERE kind = 'usage'",
    );
    use rusqlite::types::Value as Sql;
    assert_eq!(
        usage,
        vec![vec![
            Sql::Real(2.5),
            Sql::Null,
            Sql::Real(2.5),
            Sql::Real(2.5),
            Sql::Text("EUR".into()),
            Sql::Text("8988280666000000002".into())
        ]]
    );
    let event = rows_of(
        &db,
        "SELECT event_type_id, event_type, severity, alert, raw FROM records WHERE kind = 'event'",
    );
    assert_eq!(
        event[0][..4],
        [
            Sql::Integer(999),
            Sql::Text("Something new".into()),
            Sql::Text("WARN".into()),
            Sql::Integer(1)
        ]
    );
    let Sql::Text(raw) = &event[0][4] else {
        panic!("{event:?}")
    };
    let sent: Vec<&serde_json::value::RawValue> = serde_json::from_str(&body).unwrap();
    assert_eq!(
        raw,
        &sent[1].get().replace('\n', " "),
        "the record's text as posted"
    );
    drop(streamer);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README's three SQL queries, run as written against a database the
/// SQLite sink filled: yesterday's top data users, events per SIM per
/// hour, and SIMs whose last event is a detach.
#[test]
fn the_readme_queries_answer_on_a_seeded_database() {
    use onence::streamer::{Line, Sink, Sqlite};
    let dir = scratch("sqlite-queries");
    let db = dir.join("records.db");
    let mut sink = Sqlite::open(&db).unwrap();
    let today = chrono::Utc::now().date_naive();
    let day = |back: i64| {
        (today - chrono::Duration::days(back))
            .format("%Y-%m-%d")
            .to_string()
    };
    let used = |id: u64, iccid: &str, on: &str, mb: f64| {
        let mut record = usage(id, iccid, mb);
        record["start_timestamp"] = json!(format!("{on}T08:00:00Z"));
        record
    };
    let event = |id: u64, iccid: &str, at: &str, type_id: u64, what: &str| json!({ "id": id, "timestamp": at, "event_type": { "id": type_id, "description": what }, "sim": { "iccid": iccid } });
    let yesterday = day(1);
    let records = [
        used(1, "A", &yesterday, 3.0),
        used(2, "A", &yesterday, 0.5),
        used(3, "B", &yesterday, 1.0),
        used(4, "C", &day(2), 10.0),
        used(5, "C", &day(0), 20.0),
        event(1, "A", "2026-11-30T08:10:00Z", 3, "Create PDP Context"),
        event(2, "A", "2026-11-30T09:30:00Z", 16, "Purge GPRS location"),
        event(3, "B", "2026-11-30T08:00:00Z", 15, "Purge location"),
        event(4, "B", "2026-11-30T08:20:00Z", 1, "Update location"),
    ];
    let lines: Vec<Line> = records.iter().map(Line::of_value).collect();
    sink.store(&[&lines]).unwrap();
    drop(sink);

    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let queries: Vec<&str> = readme
        .split("```sql\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert_eq!(
        queries.len(),
        6,
        "the README shows three queries for each database"
    );
    let queries = &queries[..3]; // SQLite's; PostgreSQL's are tests/streamer_postgres.rs's
    use rusqlite::types::Value as Sql;
    let text = |s: &str| Sql::Text(s.into());
    assert_eq!(
        rows_of(&db, queries[0]),
        vec![
            vec![text("A"), Sql::Real(3.5)],
            vec![text("B"), Sql::Real(1.0)]
        ],
        "yesterday's only, the most first"
    );
    assert_eq!(
        rows_of(&db, queries[1]),
        vec![
            vec![text("A"), text("2026-11-30T08:00Z"), Sql::Integer(1)],
            vec![text("B"), text("2026-11-30T08:00Z"), Sql::Integer(2)],
            vec![text("A"), text("2026-11-30T09:00Z"), Sql::Integer(1)],
        ]
    );
    assert_eq!(
        rows_of(&db, queries[2]),
        vec![vec![
            text("A"),
            text("Purge GPRS location"),
            text("2026-11-30T09:30:00Z")
        ]],
        "B attached again after its purge"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
