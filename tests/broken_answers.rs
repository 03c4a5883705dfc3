//! A write whose answer breaks off. The outcome follows from what was seen:
//! a 2xx status means the write succeeded, whatever then happens to its
//! body; no status (nothing came, or the head broke off) means the outcome
//! is unknown. Either way the write is sent once, with retries switched on.
//! The faults are the sandbox's own, checked first on the wire.

mod support;

use std::time::Duration;

use onence::config::{RateLimits, RetryPolicy};
use onence::sandbox::{Faults, Sandbox};
use onence::{types, Client, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The three ways an answer breaks off after the write took effect.
#[derive(Clone, Copy, Debug)]
enum Break {
    /// The connection closes before the answer starts.
    Drop,
    /// The connection breaks inside the answer's head.
    Head,
    /// The whole head, then half the body, then a reset.
    Body,
}

const ALL: [Break; 3] = [Break::Drop, Break::Head, Break::Body];

/// A sandbox whose answers on `routes` break off the `how` way.
async fn breaking(how: Break, routes: &[&str]) -> Sandbox {
    let faults = match how {
        Break::Drop => Faults::none().with_drop_rate(1.0),
        Break::Head => Faults::none().with_cut_head_rate(1.0),
        Break::Body => Faults::none().with_cut_body_rate(1.0),
    };
    Sandbox::builder()
        .sims(5)
        .rate_limits(RateLimits::none())
        .faults(faults.with_routes(routes.iter().copied()))
        .start()
        .await
        .unwrap()
}

/// A client that retries whatever it may, quickly: so "sent once" is a
/// choice of the client, not an absence of retries.
fn retrying(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(5)
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

/// What a raw HTTP/1.1 exchange delivers: every byte until the connection ends.
async fn raw_exchange(sandbox: &Sandbox, method: &str, path: &str, body: &str) -> Vec<u8> {
    let token: serde_json::Value = support::sandbox_token(sandbox).await;
    let bearer = token["access_token"].as_str().unwrap();
    let url = reqwest::Url::parse(sandbox.base_url()).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "{method} /management-api{path} HTTP/1.1\r\nhost: sandbox\r\nauthorization: Bearer {bearer}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    // A reset ends the read as an error: what came before it is what was delivered.
    let read = async {
        while let Ok(n) = socket.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            received.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the sandbox ends a broken answer");
    received
}

#[tokio::test]
async fn the_sandbox_breaks_answers_where_it_says() {
    let sms = r#"{"payload":"hello"}"#;
    for how in ALL {
        let sandbox = breaking(how, &["POST /sms"]).await;
        let path = format!("/v1/sims/{}/sms", sandbox.iccid(0));
        let got = raw_exchange(&sandbox, "POST", &path, sms).await;
        let text = String::from_utf8_lossy(&got).to_string();
        match how {
            Break::Drop => assert!(got.is_empty(), "nothing of the answer: {text:?}"),
            Break::Head => {
                assert!(!got.is_empty(), "the head starts");
                assert!(text.starts_with("HTTP/1.1 201"), "{text:?}");
                assert!(
                    !text.contains("\r\n"),
                    "it breaks inside the status line: {text:?}"
                );
            }
            Break::Body => {
                let (head, body) = text.split_once("\r\n\r\n").expect("the whole head");
                assert!(head.starts_with("HTTP/1.1 201"), "{head}");
                assert!(head.to_ascii_lowercase().contains("location:"), "{head}");
                let promised: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .expect("a length that promises a body");
                assert!(body.len() < promised, "{} of {promised} bytes", body.len());
            }
        }
        // Whatever came back, the SMS was sent.
        let counters = sandbox.counters();
        assert_eq!(
            counters.posts_applied_to("POST /v1/sims/{iccid}/sms"),
            1,
            "{how:?}"
        );
        assert_eq!(counters.faults.values().sum::<u64>(), 1, "{how:?}");
    }
}

/// What one helper answered, and how often the sandbox saw and applied it.
struct Seen {
    outcome: onence::Result<()>,
    ids: Option<String>,
    requests: u64,
    applied: u64,
}

async fn v1_send_sms(how: Break) -> Seen {
    let sandbox = breaking(how, &["POST /sms"]).await;
    let message = types::SmsMessage {
        payload: Some("hello".into()),
        ..Default::default()
    };
    let result = retrying(&sandbox)
        .send_sms_message(sandbox.iccid(0), message)
        .await;
    seen(
        &sandbox,
        "POST /v1/sims/{iccid}/sms",
        result.map(|id| id.map(|n| n.to_string())),
    )
}

async fn v1_top_up(how: Break) -> Seen {
    let sandbox = breaking(how, &["POST /topup"]).await;
    let result = retrying(&sandbox).top_up(sandbox.iccid(1), None).await;
    let seen = seen(
        &sandbox,
        "POST /v1/sims/{iccid}/topup",
        result.map(|id| id.map(|n| n.to_string())),
    );
    assert_eq!(sandbox.counters().top_ups_applied, 1, "{how:?}");
    seen
}

async fn v1_place_order(how: Break) -> Seen {
    let sandbox = breaking(how, &["POST /v1/orders"]).await;
    let order = types::NewOrder {
        products: vec![types::OrderedProduct {
            product_id: Some(1001),
            quantity: std::num::NonZeroU64::new(1),
        }],
        customer_reference: None,
        delivery_address: None,
    };
    let result = retrying(&sandbox).place_order(order).await;
    seen(
        &sandbox,
        "POST /v1/orders",
        result.map(|id| id.map(|n| n.to_string())),
    )
}

async fn v2_send_sms(how: Break) -> Seen {
    let sandbox = breaking(how, &["POST /v2/sims"]).await;
    let message = onence::v2::types::SmsMessage {
        payload: Some("hello".into()),
        ..Default::default()
    };
    // v2 refuses an SMS to a disabled SIM: send to an enabled one.
    let client = retrying(&sandbox);
    let sims: Vec<types::Sim> = client.all_sims().collect().await.unwrap();
    let enabled = sims
        .iter()
        .find(|s| s.status == Some(types::SimStatus::Enabled))
        .and_then(|s| s.iccid.clone())
        .expect("the fleet has an enabled SIM");
    let result = client.v2().send_sms_message(enabled, message).await;
    seen(
        &sandbox,
        "POST /v2/sims/{iccid}/sms",
        result.map(|id| id.map(|n| n.to_string())),
    )
}

fn seen(sandbox: &Sandbox, route: &str, result: onence::Result<Option<String>>) -> Seen {
    let counters = sandbox.counters();
    let (outcome, ids) = match result {
        Ok(id) => (Ok(()), id),
        Err(e) => (Err(e), None),
    };
    Seen {
        outcome,
        ids,
        requests: counters.requests_to(route),
        applied: counters.posts_applied_to(route),
    }
}

#[tokio::test]
async fn a_write_is_a_success_once_its_status_was_seen_and_unknown_before() {
    for how in ALL {
        // v1 names what it made in `Location`, in the head; v2's SMS id is
        // in the body, which broke off: unknown, as for a 2xx without one.
        let runs = [
            ("send_sms", true, v1_send_sms(how).await),
            ("top_up_sim", true, v1_top_up(how).await),
            ("create_order", true, v1_place_order(how).await),
            ("v2 send_sms", false, v2_send_sms(how).await),
        ];
        for (name, id_in_head, seen) in runs {
            assert_eq!(seen.requests, 1, "{name} {how:?}: sent once, never again");
            assert_eq!(seen.applied, 1, "{name} {how:?}: it took effect");
            match how {
                // The 201 came: a success.
                Break::Body => {
                    assert!(seen.outcome.is_ok(), "{name}: {:?}", seen.outcome);
                    assert_eq!(seen.ids.is_some(), id_in_head, "{name}: {:?}", seen.ids);
                }
                Break::Drop | Break::Head => {
                    let err = seen.outcome.expect_err(name);
                    assert_eq!(
                        err.kind(),
                        ErrorKind::OutcomeUnknown,
                        "{name} {how:?}: {err}"
                    );
                    assert!(err.is_outcome_unknown());
                    assert_eq!(err.status(), None, "no status was seen");
                    assert!(err.to_string().contains("may have taken effect"), "{err}");
                }
            }
        }
    }
}

/// The raw builders follow the same rule: a generated call whose 2xx body
/// broke off is `Ok`, its body absent.
#[tokio::test]
async fn raw_builders_read_a_broken_success_as_a_success() {
    let sandbox = breaking(Break::Body, &["POST /topup", "POST /v2/sims"]).await;
    let client = retrying(&sandbox);
    let answer = client
        .top_up_sim()
        .iccid(sandbox.iccid(3))
        .send()
        .await
        .expect("the 201 was seen");
    assert_eq!(answer.status().as_u16(), 201);
    let message = onence::v2::types::SmsMessage {
        payload: Some("hi".into()),
        ..Default::default()
    };
    let answer = client
        .v2()
        .send_sms()
        .iccid(sandbox.iccid(3))
        .body(message)
        .send()
        .await
        .expect("the 201 was seen");
    assert!(answer.status().is_success());
    let counters = sandbox.counters();
    assert_eq!(counters.requests_to("POST /v1/sims/{iccid}/topup"), 1);
    assert_eq!(counters.requests_to("POST /v2/sims/{iccid}/sms"), 1);
}
