//! A loopback HTTP server that answers from a script, one answer per request,
//! and records what it received. It gives the sequences httpmock cannot:
//! "503, then 200", a dropped connection, a token that changes.
#![allow(dead_code)]

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
pub mod postgres;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// Status, headers and body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Close the connection after reading the request, without answering.
    Drop,
    /// Start an answer that promises more body than it sends, then close the connection.
    Truncated { status: u16, body: String },
    /// Send these bytes as they are (a head broken off, say), then close the connection.
    Raw(String),
    /// Answer after a pause.
    Delayed(std::time::Duration, Box<Reply>),
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Http {
            status,
            headers: vec![],
            body: String::new(),
        }
    }
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::Http {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.path.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| v.replace("%2C", ",").replace("%3A", ":").replace('+', " "))
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

type Router = dyn Fn(&Received) -> Option<Reply> + Send + Sync;

/// The server. Requests are answered by the first route that matches, else
/// from the script queue, else 599.
#[derive(Clone)]
pub struct Scripted {
    pub base_url: String,
    script: Arc<Mutex<VecDeque<Reply>>>,
    received: Arc<Mutex<Vec<Received>>>,
    routes: Arc<Mutex<Vec<Box<Router>>>>,
}

impl Scripted {
    pub async fn start() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let server = Scripted {
            base_url,
            script: Arc::default(),
            received: Arc::default(),
            routes: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let s = s.clone();
                tokio::spawn(async move { s.serve(socket).await });
            }
        });
        server
    }

    /// Queue answers, in order.
    pub fn then(&self, replies: impl IntoIterator<Item = Reply>) -> &Self {
        self.script.lock().unwrap().extend(replies);
        self
    }

    /// Answer every matching request with the route's reply.
    pub fn route(&self, f: impl Fn(&Received) -> Option<Reply> + Send + Sync + 'static) -> &Self {
        self.routes.lock().unwrap().push(Box::new(f));
        self
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self, path_suffix: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| r.path.split('?').next().unwrap().ends_with(path_suffix))
            .count()
    }

    async fn serve(&self, mut socket: tokio::net::TcpStream) {
        loop {
            let mut buf = Vec::new();
            let head_end = loop {
                let mut chunk = [0u8; 4096];
                let n = match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break i + 4;
                }
            };
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let mut lines = head.split("\r\n");
            let mut first = lines.next().unwrap_or("").split(' ');
            let method = first.next().unwrap_or("").to_string();
            let path = first.next().unwrap_or("").to_string();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| {
                    l.split_once(':')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                })
                .collect();
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buf.len() < head_end + length {
                let mut chunk = [0u8; 4096];
                match socket.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
            let request = Received {
                method,
                path,
                headers,
                body,
            };
            self.received.lock().unwrap().push(request.clone());
            let routed = self.routes.lock().unwrap().iter().find_map(|r| r(&request));
            let mut reply = routed
                .or_else(|| self.script.lock().unwrap().pop_front())
                .unwrap_or(Reply::status(599));
            while let Reply::Delayed(pause, inner) = reply {
                tokio::time::sleep(pause).await;
                reply = *inner;
            }
            match reply {
                Reply::Delayed(..) => unreachable!(),
                Reply::Drop => return,
                Reply::Raw(bytes) => {
                    let _ = socket.write_all(bytes.as_bytes()).await;
                    return;
                }
                Reply::Truncated { status, body } => {
                    let out = format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len() + 100);
                    let _ = socket.write_all(out.as_bytes()).await;
                    return;
                }
                Reply::Http {
                    status,
                    headers,
                    body,
                } => {
                    let mut out =
                        format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                    for (k, v) in headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&body);
                    if socket.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// A token endpoint answer.
pub fn token(value: &str, expires_in: u64) -> Reply {
    Reply::json(
        200,
        serde_json::json!({
            "status_code": 200, "access_token": value, "token_type": "bearer",
            "expires_in": expires_in, "userId": "user", "scope": "all"
        }),
    )
}

/// A client for `server` that answers its token requests itself: no rate
/// limits, and the standard retries with quick waits, so that "sent once"
/// is the client's rule and not an absence of retries.
pub fn client(server: &Scripted) -> onence::Client {
    server.route(|r| r.path.ends_with("/oauth/token").then(|| token("tok", 3600)));
    onence::Client::builder()
        .base_url(&server.base_url)
        .credentials(onence::Credentials::api_user("1234_api-user", "secret"))
        .rate_limits(onence::config::RateLimits::none())
        .retry_policy(quick_retries())
        .build()
        .unwrap()
}

/// The standard retry rules, waiting milliseconds instead of seconds.
pub fn quick_retries() -> onence::config::RetryPolicy {
    onence::config::RetryPolicy::standard()
        .with_base_delay(std::time::Duration::from_millis(1))
        .with_max_delay(std::time::Duration::from_millis(5))
}

/// Polls until `check` holds, for at most two seconds: for what the API
/// queues (SIM changes, SMS delivery) and applies a little later.
pub async fn eventually<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..40 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the condition never held");
}

/// The token endpoint's answer to a sandbox's own credentials, asked for
/// as the client asks (Basic credentials, a JSON body): for tests that send
/// raw requests past the client.
#[cfg(feature = "sandbox")]
pub async fn sandbox_token(sandbox: &onence::sandbox::Sandbox) -> serde_json::Value {
    reqwest::Client::new()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(sandbox.credentials().user(), Some(sandbox.client_secret()))
        .json(&serde_json::json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every field `doc` marks required that `value` lacks (or holds null), at
/// every depth, as `$.a.b[0].c`: the sandbox serves what the documents promise.
pub fn missing_required(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    at: &str,
    out: &mut Vec<String>,
) {
    let schema = match schema.get("$ref").and_then(serde_json::Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    };
    if let Some(items) = schema.get("items") {
        for (i, item) in value.as_array().into_iter().flatten().enumerate() {
            missing_required(doc, items, item, &format!("{at}[{i}]"), out);
        }
        return;
    }
    for field in schema["required"].as_array().into_iter().flatten() {
        let field = field.as_str().unwrap();
        // A field the document gives no type takes any value, null too.
        let untyped = schema["properties"][field]
            .get("$ref")
            .and_then(serde_json::Value::as_str)
            .and_then(|r| doc.pointer(r.trim_start_matches('#')))
            .unwrap_or(&schema["properties"][field])
            .get("type")
            .is_none();
        let absent = match value.get(field) {
            None => true,
            Some(v) => v.is_null() && !untyped,
        };
        if absent {
            out.push(format!("{at}.{field}"));
        }
    }
    for (name, sub) in schema["properties"].as_object().into_iter().flatten() {
        if let Some(v) = value.get(name).filter(|v| !v.is_null()) {
            missing_required(doc, sub, v, &format!("{at}.{name}"), out);
        }
    }
}
