//! `onence streamer --out postgres://...` against a real PostgreSQL that
//! the test starts (`support::postgres`): two receivers share one
//! database and store each record once under eight senders with resends;
//! a 200 survives SIGKILL; with the database down nothing is acknowledged
//! (503) and the resends are stored once each when it is back; drifted
//! records keep their raw text; the password appears in no log.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

mod support;
use support::postgres::{Cluster, PASSWORD};

const AUTH: (&str, &str) = ("stream", "s3cret-streamer-pw");

/// A running `onence streamer` on a free port.
struct Streamer {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Streamer {
    fn start(dir: &Path, cluster: &Cluster) -> Streamer {
        let password = dir.join("password");
        std::fs::write(&password, format!("{}\n", AUTH.1)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&password, std::fs::Permissions::from_mode(0o600)).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_onence"))
            .args([
                "--debug",
                "streamer",
                "--listen",
                "127.0.0.1:0",
                "--user",
                AUTH.0,
            ])
            .arg("--password-file")
            .arg(&password)
            .args(["--out", &cluster.url()])
            .arg("--db-password-file")
            .arg(cluster.password_file(dir))
            .env_remove("ONENCE_DATABASE_PASSWORD")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "the streamer exited before listening: {seen}"
            );
            seen.push_str(&line);
            if let Some(at) = line.find("streamer listening on ") {
                break line[at + "streamer listening on ".len()..]
                    .trim()
                    .to_string();
            }
        };
        let log = Arc::new(Mutex::new(seen));
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                keep.lock().unwrap().push_str(&line);
                keep.lock().unwrap().push('\n');
            }
        });
        Streamer { child, url, log }
    }

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
    let dir =
        std::env::temp_dir().join(format!("onence-streamer-pg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn usage(id: u64) -> Value {
    json!({ "id": id, "start_timestamp": "2026-11-30T08:00:00Z", "end_timestamp": "2026-11-30T08:15:00Z",
            "sim": { "iccid": format!("89882806660000{:05}", id % 50), "msisdn": "4930" },
            "traffic_type": { "id": 5, "description": "Data" },
            "volume": { "total": 0.5, "tx": 0.125, "rx": 0.375 }, "cost": 0.5, "currency": { "code": "EUR" },
            "operator": { "name": "T-Mobile", "country": { "name": "Germany" } } })
}

fn batch(ids: std::ops::Range<u64>) -> String {
    json!(ids.map(usage).collect::<Vec<_>>()).to_string()
}

async fn post(url: &str, body: String) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .basic_auth(AUTH.0, Some(AUTH.1))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn health(url: &str) -> u16 {
    let url = format!("{}/healthz", url.trim_end_matches('/'));
    reqwest::get(url).await.unwrap().status().as_u16()
}

/// Two receivers on one database: the same batch to both is stored once;
/// eight senders spreading batches over both, each batch sent twice (to
/// one receiver, then the other), leave each record exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn two_receivers_share_one_database_and_store_each_record_once() {
    let cluster = Cluster::start("two");
    let dir = scratch("two");
    let (a, b) = (
        Streamer::start(&dir, &cluster),
        Streamer::start(&dir, &cluster),
    );
    let same = batch(0..500);
    let (one, two) = tokio::join!(post(&a.url, same.clone()), post(&b.url, same));
    assert_eq!((one, two), (200, 200));
    assert_eq!(cluster.number("SELECT count(*) FROM records"), 500);

    let urls = [a.url.clone(), b.url.clone()];
    let senders = (0..8u64).map(|sender| {
        let urls = urls.clone();
        tokio::spawn(async move {
            for n in 0..6u64 {
                let start = 1_000 + (sender * 6 + n) * 250;
                let body = batch(start..start + 250);
                let first = (sender + n) as usize % 2;
                assert_eq!(post(&urls[first], body.clone()).await, 200);
                assert_eq!(post(&urls[1 - first], body).await, 200, "the resend");
            }
        })
    });
    for sender in futures::future::join_all(senders).await {
        sender.unwrap();
    }
    assert_eq!(
        cluster.number("SELECT count(*) FROM records"),
        500 + 8 * 6 * 250
    );
    assert_eq!(
        cluster.number("SELECT count(*) - count(DISTINCT (kind, record_id)) FROM records"),
        0,
        "no record twice"
    );
    let row = cluster.query(
        "SELECT kind, iccid, msisdn, volume_total, cost, currency, operator, country, occurred_at FROM records WHERE record_id = '1001'",
    );
    assert_eq!(
        row,
        vec!["usage|8988280666000000001|4930|0.5|0.5|EUR|T-Mobile|Germany|2026-11-30 08:00:00+00"]
    );
    for streamer in [&a, &b] {
        assert!(
            !streamer.log.lock().unwrap().contains(PASSWORD),
            "the password is in a log"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A batch answered 200 is in the database after SIGKILL of the receiver.
/// With the database stopped, a batch gets 503, nothing is acknowledged
/// and /healthz says so; once it is back, the resend is stored once.
#[tokio::test(flavor = "multi_thread")]
async fn a_200_survives_a_kill_and_a_database_down_acknowledges_nothing() {
    let cluster = Cluster::start("down");
    let dir = scratch("down");
    let streamer = Streamer::start(&dir, &cluster);
    assert_eq!(post(&streamer.url, batch(0..3000)).await, 200);
    streamer.kill();
    assert_eq!(
        cluster.number("SELECT count(*) FROM records"),
        3000,
        "a 200 means committed"
    );

    let streamer = Streamer::start(&dir, &cluster);
    assert_eq!(health(&streamer.url).await, 200);
    cluster.stop();
    let resent = batch(2990..3100);
    assert_eq!(
        post(&streamer.url, resent.clone()).await,
        503,
        "nothing acknowledged"
    );
    assert_eq!(post(&streamer.url, resent.clone()).await, 503);
    assert_eq!(health(&streamer.url).await, 503, "/healthz reports it");
    cluster.restart();
    assert_eq!(
        post(&streamer.url, resent.clone()).await,
        200,
        "connects again"
    );
    assert_eq!(post(&streamer.url, resent).await, 200);
    assert_eq!(health(&streamer.url).await, 200);
    assert_eq!(
        cluster.number("SELECT count(*) FROM records"),
        3100,
        "each resend once"
    );
    assert!(!streamer.log.lock().unwrap().contains(PASSWORD));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Drifted records are stored with their raw text: a number sent as a
/// string is read, an unknown event type kept, `detail` as a string stays
/// in `raw`, a time that does not parse and a volume that is no number
/// are NULL; an event and a usage record with one id are two rows. A URL
/// that holds the password is refused without showing it.
#[tokio::test(flavor = "multi_thread")]
async fn drift_is_stored_and_one_id_in_two_kinds_is_two_rows() {
    let cluster = Cluster::start("drift");
    let dir = scratch("drift");
    let streamer = Streamer::start(&dir, &cluster);
    let body = r#"[{"id": "77", "start_timestamp": "soon", "traffic_type": {"id": 5, "description": "Data"}, "volume": {"total": "2.5", "tx": "n/a", "rx": 2.5}},
        {"id": 77, "timestamp": "2026-11-30T09:00:00Z", "event_type": {"id": 999, "description": "Something new"}, "alert": true, "detail": "{\"volume\": 500.0, \"expiry_date\": 2022-03-31T00:00:00Z}"}]"#;
    assert_eq!(post(&streamer.url, body.to_string()).await, 200);
    assert_eq!(
        cluster.query("SELECT kind, volume_total, coalesce(volume_tx::text, 'NULL'), coalesce(occurred_at::text, 'NULL') FROM records WHERE kind = 'usage'"),
        vec!["usage|2.5|NULL|NULL"]
    );
    assert_eq!(
        cluster.query("SELECT event_type_id, event_type, alert, raw::jsonb->>'detail' FROM records WHERE kind = 'event'"),
        vec![r#"999|Something new|t|{"volume": 500.0, "expiry_date": 2022-03-31T00:00:00Z}"#]
    );
    assert_eq!(
        cluster.number("SELECT count(*) FROM records WHERE record_id = '77'"),
        2
    );

    let with_password = Command::new(env!("CARGO_BIN_EXE_onence"))
        .args(["streamer", "--user", "s", "--password-file"])
        .arg(dir.join("password"))
        .args([
            "--out",
            &cluster
                .url()
                .replace("onence@", &format!("onence:{PASSWORD}@")),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&with_password.stderr);
    assert_eq!(with_password.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("holds a password") && !stderr.contains(PASSWORD),
        "{stderr}"
    );
    drop(streamer);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README's three PostgreSQL queries, run as written against a
/// database a receiver filled: yesterday's top data users, events per SIM
/// per hour, and SIMs whose last event is a detach.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_queries_answer_on_a_seeded_database() {
    let cluster = Cluster::start("queries");
    let dir = scratch("queries");
    let streamer = Streamer::start(&dir, &cluster);
    let today = chrono::Utc::now().date_naive();
    let day = |back: i64| {
        (today - chrono::Duration::days(back))
            .format("%Y-%m-%d")
            .to_string()
    };
    let used = |id: u64, iccid: &str, on: &str, mb: f64| {
        json!({ "id": id, "start_timestamp": format!("{on}T08:00:00Z"), "sim": { "iccid": iccid },
                "traffic_type": { "id": 5, "description": "Data" }, "volume": { "total": mb, "tx": 0, "rx": mb } })
    };
    let event = |id: u64, iccid: &str, at: &str, type_id: u64, what: &str| json!({ "id": id, "timestamp": at, "event_type": { "id": type_id, "description": what }, "sim": { "iccid": iccid } });
    let yesterday = day(1);
    let records = json!([
        used(1, "A", &yesterday, 3.0),
        used(2, "A", &yesterday, 0.5),
        used(3, "B", &yesterday, 1.0),
        used(4, "C", &day(2), 10.0),
        used(5, "C", &day(0), 20.0),
        event(1, "A", "2026-11-30T08:10:00Z", 3, "Create PDP Context"),
        event(2, "A", "2026-11-30T09:30:00Z", 16, "Purge GPRS location"),
        event(3, "B", "2026-11-30T08:00:00Z", 15, "Purge location"),
        event(4, "B", "2026-11-30T08:20:00Z", 1, "Update location"),
    ]);
    assert_eq!(post(&streamer.url, records.to_string()).await, 200);

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
        "three for SQLite, then three for PostgreSQL"
    );
    let set_utc = |q: &str| format!("SET TIME ZONE 'UTC'; {q}");
    assert_eq!(
        cluster.query(&set_utc(queries[3]))[1..],
        ["A|3.500", "B|1.000"]
    );
    assert_eq!(
        cluster.query(&set_utc(queries[4]))[1..],
        [
            "A|2026-11-30 08:00:00+00|1",
            "B|2026-11-30 08:00:00+00|2",
            "A|2026-11-30 09:00:00+00|1"
        ]
    );
    assert_eq!(
        cluster.query(&set_utc(queries[5]))[1..],
        ["A|Purge GPRS location|2026-11-30 09:30:00+00"],
        "B attached again after its purge"
    );
    drop(streamer);
    std::fs::remove_dir_all(&dir).unwrap();
}
