//! The three servers that face the internet (`onence streamer`, `onence
//! exporter`, `onence mcp --http`) run as processes and met as a hostile
//! client would: a thousand connections sending their heads a byte at a
//! time under a 1,024-file limit, addresses outside the allow-list, a
//! certificate replaced under a running server, and settings that cannot
//! work.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// A server process, where it listens, and what it logged.
struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `onence ARGS` with at most `files` open files (soft and hard),
    /// and waits for its line `<what> listening on <url>`.
    fn start(what: &str, args: &[&str], files: Option<u64>) -> Server {
        let bin = env!("CARGO_BIN_EXE_onence");
        let mut command = match files {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(bin);
                c
            }
            None => Command::new(bin),
        };
        let mut child = command
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let prefix = format!("{what} listening on ");
        let url = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                panic!(
                    "`onence {}` exited before listening: {seen}",
                    args.join(" ")
                );
            }
            seen.push_str(&line);
            if let Some(at) = line.find(&prefix) {
                break line[at + prefix.len()..].trim().to_string();
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
        Server { child, url, log }
    }

    fn address(&self) -> std::net::SocketAddr {
        let rest = self.url.split("://").nth(1).unwrap();
        rest.trim_end_matches('/')
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// The process's soft limit on open files, as the kernel has it.
    fn open_files_limit(&self) -> u64 {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.child.id())).unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        line.split_whitespace().nth(3).unwrap().parse().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onence-servers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn password_file(dir: &Path) -> PathBuf {
    let path = dir.join("password");
    std::fs::write(&path, "s3cret-streamer-pw\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// `onence streamer` writing to `dir/records.jsonl`, with `extra` flags.
fn streamer(dir: &Path, extra: &[&str], files: Option<u64>) -> Server {
    let password = password_file(dir);
    let out = dir.join("records.jsonl");
    let mut args = vec!["streamer", "--listen", "127.0.0.1:0", "--user", "stream"];
    args.extend(["--password-file", password.to_str().unwrap()]);
    args.extend(["--out", out.to_str().unwrap()]);
    args.extend(extra);
    Server::start("streamer", &args, files)
}

/// Writes `pair` as `dir/cert.pem` and `dir/key.pem`; the flags that serve it.
fn tls_flags(dir: &Path, pair: &rcgen::CertifiedKey<rcgen::KeyPair>) -> Vec<String> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, pair.cert.pem()).unwrap();
    std::fs::write(&key, pair.signing_key.serialize_pem()).unwrap();
    let path = |p: PathBuf| p.to_str().unwrap().to_string();
    vec![
        "--tls-cert".into(),
        path(cert),
        "--tls-key".into(),
        path(key),
    ]
}

/// Opens a connection from `source` and sends a request head one byte at
/// a time, every 200 ms; resolves with how long the server kept it open.
async fn dribble(target: std::net::SocketAddr, source: &str) -> Duration {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    let started = Instant::now();
    let Ok(mut stream) = socket.connect(target).await else {
        return started.elapsed();
    };
    let head = b"POST / HTTP/1.1\r\nHost: example\r\nContent-Length: 10\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut buf = [0u8; 512];
    for byte in head.iter().cycle().take(600) {
        if stream.write_all(&[*byte]).await.is_err() {
            return started.elapsed();
        }
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            // A 503 (a full house) or a 408: the server speaks, then closes.
            Ok(Ok(_)) => continue,
            Err(_) => continue,
        }
    }
    started.elapsed()
}

/// 1,100 dribblers from 127.0.0.2 at `server` (limited to 1,024 files):
/// a real request from 127.0.0.1 is answered within 2 s, and each dribbler
/// is cut off within the head deadline.
async fn holds_against_dribblers(server: &Server, head: Duration, real: &str) {
    assert_eq!(server.open_files_limit(), 1024, "the test's limit holds");
    let target = server.address();
    let dribblers: Vec<_> = (0..1100)
        .map(|_| tokio::spawn(dribble(target, "127.0.0.2")))
        .collect();
    // Let every dribbler connect and start sending.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let started = Instant::now();
    let answer = http
        .get(format!("{}{real}", server.url.trim_end_matches('/')))
        .send()
        .await;
    let took = started.elapsed();
    assert!(
        answer.is_ok() && took < Duration::from_secs(2),
        "a real request took {took:?} ({answer:?}) beside 1,100 dribblers; log: {}",
        server.log.lock().unwrap()
    );
    let mut longest = Duration::ZERO;
    for dribbler in dribblers {
        longest = longest.max(dribbler.await.unwrap());
    }
    assert!(
        longest <= head + Duration::from_secs(2),
        "a dribbler stayed {longest:?}, past the {head:?} head deadline"
    );
}

const DEADLINES: &[&str] = &["--head-timeout", "3s", "--idle-timeout", "2s"];

fn raise_own_limit() {
    // The test itself holds 1,100 sockets.
    let _ = rlimit::increase_nofile_limit(8192);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streamer_answers_beside_dribblers() {
    raise_own_limit();
    let dir = scratch("dribble-streamer");
    let server = streamer(&dir, DEADLINES, Some(1024));
    holds_against_dribblers(&server, Duration::from_secs(3), "/").await;
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exporter_answers_beside_dribblers() {
    raise_own_limit();
    let mut args = vec!["--sandbox", "exporter", "--listen", "127.0.0.1:0"];
    args.extend(DEADLINES);
    let server = Server::start("exporter", &args, Some(1024));
    holds_against_dribblers(&server, Duration::from_secs(3), "/metrics").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcp_server_answers_beside_dribblers() {
    raise_own_limit();
    let mut args = vec!["--sandbox", "mcp", "--http", "127.0.0.1:0"];
    args.extend(DEADLINES);
    let server = Server::start("MCP (path /mcp)", &args, Some(1024));
    holds_against_dribblers(&server, Duration::from_secs(3), "/mcp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_house_refuses_at_once_and_frees_within_the_deadline() {
    raise_own_limit();
    let dir = scratch("full-house");
    let mut flags = vec!["--max-connections", "20", "--max-connections-per-peer", "5"];
    flags.extend(DEADLINES);
    let server = streamer(&dir, &flags, None);
    let target = server.address();
    // Twenty dribblers from four addresses fill the house.
    let fill: Vec<_> = (0..20)
        .map(|n| {
            tokio::spawn(dribble(
                target,
                ["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"][n % 4],
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let refused = dribble(target, "127.0.0.7").await;
    assert!(
        refused < Duration::from_millis(500) && started.elapsed() < Duration::from_secs(1),
        "a connection past the cap is refused at once, not queued: {refused:?}"
    );
    // Within the head deadline the dribblers are gone and the house serves.
    for dribbler in fill {
        assert!(dribbler.await.unwrap() <= Duration::from_secs(5));
    }
    let status = reqwest::get(&server.url).await.unwrap().status();
    assert_eq!(status, 405, "served again (GET on the receiver is 405)");
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_allow_list_refuses_others_and_reads_forwarded_addresses_only_from_a_trusted_proxy() {
    let dir = scratch("allow");
    let out = dir.join("records.jsonl");
    let base = |extra: &[&str]| streamer(&dir, extra, None);
    let post = |url: String, forwarded: Option<&'static str>| async move {
        let mut request = reqwest::Client::new()
            .post(url)
            .basic_auth("stream", Some("s3cret-streamer-pw"))
            .body(r#"[{"id": 1, "event_type": {"id": 1}}]"#);
        if let Some(address) = forwarded {
            request = request.header("x-forwarded-for", address);
        }
        request.send().await.unwrap().status().as_u16()
    };
    // 1NCE's addresses only: loopback is refused, whatever it forwards.
    let only_1nce = base(&["--allow-from", "1nce"]);
    assert_eq!(post(only_1nce.url.clone(), None).await, 403);
    assert_eq!(
        post(only_1nce.url.clone(), Some("3.78.80.178")).await,
        403,
        "no trusted proxy: the header is ignored"
    );
    assert!(
        !out.exists() || std::fs::read_to_string(&out).unwrap().is_empty(),
        "nothing stored for a refused client"
    );
    drop(only_1nce);
    // Behind a trusted proxy (loopback here), the forwarded address counts.
    let proxied = base(&["--allow-from", "1nce", "--trusted-proxy", "127.0.0.0/8"]);
    assert_eq!(post(proxied.url.clone(), Some("3.78.80.178")).await, 200);
    assert_eq!(post(proxied.url.clone(), Some("198.51.100.7")).await, 403);
    assert_eq!(
        post(proxied.url.clone(), Some("3.78.80.178, 198.51.100.7")).await,
        403,
        "the last hop before the proxy counts"
    );
    assert_eq!(post(proxied.url.clone(), Some("garbage")).await, 403);
    drop(proxied);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_replaced_certificate_is_served_after_sighup_and_no_request_in_flight_fails() {
    let dir = scratch("reload");
    let out = dir.join("records.jsonl");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let first = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let second = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let flags = tls_flags(&dir, &first);
    let server = streamer(
        &dir,
        &flags.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    let url = server.url.replace("127.0.0.1", "localhost");
    let client = || {
        reqwest::Client::builder()
            .tls_certs_only([
                reqwest::Certificate::from_pem(first.cert.pem().as_bytes()).unwrap(),
                reqwest::Certificate::from_pem(second.cert.pem().as_bytes()).unwrap(),
            ])
            .tls_info(true)
            .build()
            .unwrap()
    };
    let served = |response: &reqwest::Response| {
        response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate().map(<[u8]>::to_vec))
            .unwrap()
    };
    let before = client()
        .post(&url)
        .basic_auth("stream", Some("s3cret-streamer-pw"))
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(served(&before), first.cert.der().to_vec());

    // A request in flight: its body arrives over two seconds, across the swap.
    let (sender, body) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let slow = {
        let (client, url) = (client(), url.clone());
        tokio::spawn(async move {
            client
                .post(&url)
                .basic_auth("stream", Some("s3cret-streamer-pw"))
                .body(reqwest::Body::wrap_stream(tokio_stream_of(body)))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    sender
        .send(Ok(br#"[{"id": 41, "event_type": {"id": 1}},"#.to_vec()))
        .await
        .unwrap();
    // A pair that does not match is refused, and the old one stays.
    std::fs::write(&cert, second.cert.pem()).unwrap();
    std::fs::write(&key, first.signing_key.serialize_pem()).unwrap();
    signal(&server, "HUP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mismatched = client()
        .post(&url)
        .basic_auth("stream", Some("s3cret-streamer-pw"))
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(
        served(&mismatched),
        first.cert.der().to_vec(),
        "a bad pair is not served"
    );
    assert!(
        server
            .log
            .lock()
            .unwrap()
            .contains("does not belong to certificate"),
        "the refusal is logged"
    );

    std::fs::write(&key, second.signing_key.serialize_pem()).unwrap();
    signal(&server, "HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let after = client()
            .post(&url)
            .basic_auth("stream", Some("s3cret-streamer-pw"))
            .body("[]")
            .send()
            .await
            .unwrap();
        if served(&after) == second.cert.der().to_vec() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new certificate was never served"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sender
        .send(Ok(br#"{"id": 42, "event_type": {"id": 1}}]"#.to_vec()))
        .await
        .unwrap();
    drop(sender);
    assert_eq!(
        slow.await.unwrap().unwrap(),
        200,
        "the request in flight was answered"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A stream of the chunks `receiver` gets.
fn tokio_stream_of(
    mut receiver: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}

/// Sends the signal named `name` to the server (no external `kill`).
fn signal(server: &Server, name: &str) {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -{name} {}", server.child.id()))
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn settings_that_cannot_work_are_refused_at_start_by_name() {
    let dir = scratch("bad");
    let password = password_file(&dir);
    let bin = env!("CARGO_BIN_EXE_onence");
    let cases: &[(&[&str], &str)] = &[
        (&["--head-timeout", "0"], "--head-timeout"),
        (&["--idle-timeout", "20s"], "--idle-timeout"),
        (&["--body-min-rate", "0"], "--body-min-rate"),
        (&["--max-connections", "5000"], "--max-connections 5000"),
        (
            &["--max-connections-per-peer", "0"],
            "--max-connections-per-peer",
        ),
        (&["--allow-from", "10.0.0.0/33"], "10.0.0.0/33"),
        (&["--trusted-proxy", "proxy.example"], "proxy.example"),
    ];
    for (flags, named) in cases {
        let output = Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 1024 && exec \"$0\" \"$@\"")
            .arg(bin)
            .args([
                "streamer",
                "--listen",
                "127.0.0.1:0",
                "--user",
                "u",
                "--password-file",
            ])
            .arg(&password)
            .arg("--out")
            .arg(dir.join("out.jsonl"))
            .args(*flags)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(named), "{flags:?} is named: {stderr}");
        assert!(
            !stderr.contains("listening"),
            "{flags:?}: refused before listening"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_client_that_never_finishes_its_tls_handshake_is_cut_off_at_the_deadline() {
    let dir = scratch("handshake");
    let pair = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let mut flags = tls_flags(&dir, &pair);
    flags.extend(["--handshake-timeout".to_string(), "2s".to_string()]);
    let server = streamer(
        &dir,
        &flags.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
    );
    // Connected, and silent: no ClientHello ever comes.
    let mut stream = tokio::net::TcpStream::connect(server.address())
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let ended = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await;
    let held = started.elapsed();
    assert!(
        matches!(ended, Ok(Ok(0)) | Ok(Err(_))),
        "the connection was closed: {ended:?}"
    );
    assert!(
        held >= Duration::from_millis(1500) && held <= Duration::from_secs(4),
        "cut off at the 2 s handshake deadline, not {held:?}"
    );
    drop(server);
    std::fs::remove_dir_all(&dir).unwrap();
}
