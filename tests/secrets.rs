//! Secrets never show: not in `Debug`, errors, nor anything `tracing` prints.
//! In a test binary of its own, so that its global subscriber sees every event.

mod support;

use std::sync::Arc;
use std::time::Duration;

use onence::config::{Clock, RateLimits, RetryPolicy};
use onence::{Client, Credentials};
use support::{token, Reply, Scripted};

const SECRET: &str = "s3cr3t-client-secret";
const ICCID: &str = "8988280666000000000";

fn sim_ok() -> Reply {
    Reply::json(
        200,
        serde_json::json!({ "iccid": ICCID, "status": "Enabled" }),
    )
}

fn client(server: &Scripted, clock: Clock) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .rate_limits(RateLimits::none())
        .retry_policy(
            RetryPolicy::standard()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .clock(clock)
        .build()
        .unwrap()
}

/// A writer collecting everything `tracing` prints, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_appears_in_debug_output_errors_or_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let server = Scripted::start().await;
    server.route(|r| {
        r.path
            .ends_with("/oauth/token")
            .then(|| token("tok-very-secret-bearer", 3600))
    });
    server.then([
        sim_ok(),
        Reply::status(503),
        Reply::status(503),
        Reply::status(503),
        Reply::status(503),
    ]);
    let credentials = Credentials::api_user("1234_api-user", SECRET);
    let owner = Credentials::owner("owner@example.com", "hunter2-password");
    let client = client(&server, Clock::manual());
    client.get_sim().iccid(ICCID).send().await.unwrap();
    let err = onence::Error::from(client.get_sim().iccid(ICCID).send().await.unwrap_err());

    let mut seen = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        seen.contains("onence.request"),
        "the requests are traced: {seen}"
    );
    for shown in [
        format!("{client:?}"),
        format!("{:?}", client.v2()),
        format!("{credentials:?}"),
        format!("{owner:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", onence::Secret::new(SECRET)),
    ] {
        seen.push_str(&shown);
    }
    for secret in [
        SECRET,
        "hunter2-password",
        "tok-very-secret-bearer",
        "MTIzNF9hcGktdXNlcjpzM2NyM3QtY2xpZW50LXNlY3JldA",
    ] {
        assert!(!seen.contains(secret), "{secret} leaked");
    }
    assert!(format!("{credentials:?}").contains("[redacted]"));
}
