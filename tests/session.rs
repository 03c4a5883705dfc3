//! The handwritten layer on the wire: tokens, retries, errors, secrets.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use onence::config::{Clock, RateLimits, RetryPolicy, TokenStore};
use onence::{Client, Credentials};
use support::{token, Reply, Scripted};

const SECRET: &str = "s3cr3t-client-secret";
const ICCID: &str = "8988280666000000000";

fn quick_retries() -> RetryPolicy {
    RetryPolicy::standard()
        .with_base_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
}

fn client(server: &Scripted, clock: Clock) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .rate_limits(RateLimits::none())
        .retry_policy(quick_retries())
        .clock(clock)
        .build()
        .unwrap()
}

/// Token endpoint answering `tok-1`, `tok-2`, ... in turn.
fn numbered_tokens(server: &Scripted, expires_in: u64) -> Arc<AtomicUsize> {
    let issued = Arc::new(AtomicUsize::new(0));
    let counter = issued.clone();
    server.route(move |r| {
        r.path.ends_with("/oauth/token").then(|| {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            token(&format!("tok-{n}"), expires_in)
        })
    });
    issued
}

fn sim_ok() -> Reply {
    Reply::json(
        200,
        serde_json::json!({ "iccid": ICCID, "status": "Enabled" }),
    )
}

fn bearer(server: &Scripted) -> Vec<String> {
    server
        .received()
        .iter()
        .filter(|r| r.path.contains("/v1/"))
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn the_token_request_is_basic_auth_with_a_json_body() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([sim_ok()]);
    client(&server, Clock::manual())
        .get_sim()
        .iccid(ICCID)
        .send()
        .await
        .unwrap();
    let token_request = server
        .received()
        .into_iter()
        .find(|r| r.path.ends_with("/oauth/token"))
        .unwrap();
    assert_eq!(token_request.method, "POST");
    // base64("1234_api-user:s3cr3t-client-secret")
    assert_eq!(
        token_request.header("authorization"),
        Some("Basic MTIzNF9hcGktdXNlcjpzM2NyM3QtY2xpZW50LXNlY3JldA==")
    );
    assert_eq!(
        token_request.header("content-type"),
        Some("application/json")
    );
    assert_eq!(token_request.body, r#"{"grant_type":"client_credentials"}"#);
    assert!(token_request
        .header("user-agent")
        .unwrap()
        .starts_with("onence/"));
}

#[tokio::test]
async fn the_token_is_reused_across_calls_and_clones() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 3600);
    server.then([sim_ok(), sim_ok(), sim_ok()]);
    let client = client(&server, Clock::manual());
    let clone = client.clone();
    client.get_sim().iccid(ICCID).send().await.unwrap();
    clone.get_sim().iccid(ICCID).send().await.unwrap();
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    assert_eq!(bearer(&server), vec!["Bearer tok-1"; 3]);
    let api = server
        .received()
        .into_iter()
        .find(|r| r.path.contains("/v1/"))
        .unwrap();
    assert!(api.header("api-version").is_none());
}

#[tokio::test]
async fn the_token_is_refreshed_before_it_expires() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 3600);
    server.then([sim_ok(), sim_ok(), sim_ok()]);
    let clock = Clock::manual();
    let client = client(&server, clock.clone());
    client.get_sim().iccid(ICCID).send().await.unwrap();
    clock.advance(Duration::from_secs(3600 - 301));
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert_eq!(
        issued.load(Ordering::SeqCst),
        1,
        "more than 5 minutes left: no refresh yet"
    );
    clock.advance(Duration::from_secs(2));
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "less than 5 minutes left: refreshed"
    );
    assert_eq!(
        bearer(&server),
        vec!["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    );
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_still_valid_token() {
    let server = Scripted::start().await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    server.route(move |r| {
        r.path.ends_with("/oauth/token").then(|| {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                token("tok-1", 3600)
            } else {
                Reply::status(503)
            }
        })
    });
    server.then([sim_ok(), sim_ok()]);
    let clock = Clock::manual();
    let client = client(&server, clock.clone());
    client.get_sim().iccid(ICCID).send().await.unwrap();
    clock.advance(Duration::from_secs(3500));
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert!(
        attempts.load(Ordering::SeqCst) > 1,
        "a refresh was attempted"
    );
    assert_eq!(bearer(&server), vec!["Bearer tok-1", "Bearer tok-1"]);
}

#[tokio::test]
async fn a_hundred_concurrent_calls_make_one_token_request() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 3600);
    server.route(|r| r.path.contains("/v1/sims/").then(sim_ok));
    let client = client(&server, Clock::manual());
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_sim().iccid(ICCID).send().await.map(|_| ()) })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    assert_eq!(server.count(ICCID), 100);
}

#[tokio::test]
async fn a_401_leads_to_one_refresh_and_one_resend() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 3600);
    server.route(|r| {
        (r.path.contains("/v1/") && r.header("authorization") == Some("Bearer tok-1"))
            .then(|| Reply::json(401, serde_json::json!({ "status": 401, "error": "Unauthorized", "message": "bad token", "path": "/v1/sims" })))
    });
    server.then([sim_ok()]);
    let client = client(&server, Clock::manual());
    let sim = client.get_sim().iccid(ICCID).send().await.unwrap();
    assert_eq!(sim.iccid.as_deref(), Some(ICCID));
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(bearer(&server), vec!["Bearer tok-1", "Bearer tok-2"]);
}

/// A store in memory, as a program would keep tokens between runs.
#[derive(Clone, Default)]
struct MemoryStore(Arc<std::sync::Mutex<Option<onence::config::StoredToken>>>);

impl onence::config::TokenStore for MemoryStore {
    fn load(&self) -> Option<onence::config::StoredToken> {
        self.0.lock().unwrap().clone()
    }
    fn save(&self, token: &onence::config::StoredToken) {
        *self.0.lock().unwrap() = Some(token.clone());
    }
    fn forget(&self, token: &onence::config::StoredToken) {
        let mut kept = self.0.lock().unwrap();
        if kept.as_ref().map(|t| t.access_token()) == Some(token.access_token()) {
            *kept = None;
        }
    }
}

fn stored(token: &str, renew_in: u64) -> onence::config::StoredToken {
    let now = std::time::SystemTime::now();
    onence::config::StoredToken::new(
        onence::Secret::new(token),
        now + Duration::from_secs(renew_in),
        now + Duration::from_secs(renew_in + 300),
    )
}

fn client_with_store(server: &Scripted, store: &MemoryStore) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .rate_limits(RateLimits::none())
        .retry_policy(quick_retries())
        .token_store(store.clone())
        .build()
        .unwrap()
}

/// A second client (a second run of a program) starts from the token the
/// first one stored: no token request. A stored token due for renewal is
/// not used; one the API refuses is dropped from the store and replaced.
#[tokio::test]
async fn a_token_store_carries_the_token_to_the_next_client() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 3600);
    server.route(|r| {
        (r.path.contains("/v1/") && r.header("authorization") == Some("Bearer refused")).then(
            || {
                Reply::json(
                    401,
                    serde_json::json!({ "status": 401, "message": "bad token" }),
                )
            },
        )
    });
    server.route(|r| r.path.contains("/v1/sims/").then(sim_ok));
    let store = MemoryStore::default();
    client_with_store(&server, &store)
        .get_sim()
        .iccid(ICCID)
        .send()
        .await
        .unwrap();
    client_with_store(&server, &store)
        .get_sim()
        .iccid(ICCID)
        .send()
        .await
        .unwrap();
    assert_eq!(
        issued.load(Ordering::SeqCst),
        1,
        "the second run used the stored token"
    );
    let kept = store
        .0
        .lock()
        .unwrap()
        .clone()
        .expect("the token is stored");
    assert_eq!(kept.access_token().reveal(), "tok-1");
    let left = kept
        .renew_at()
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(3000) && left <= Duration::from_secs(3300),
        "{left:?}"
    );
    assert!(
        !format!("{kept:?}").contains("tok-1"),
        "Debug hides the token"
    );

    // Due for renewal: a new token, stored in its place.
    store.save(&stored("stale", 0));
    client_with_store(&server, &store)
        .get_sim()
        .iccid(ICCID)
        .send()
        .await
        .unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    // Refused by the API: renewed once, and the call succeeds.
    store.save(&stored("refused", 600));
    client_with_store(&server, &store)
        .get_sim()
        .iccid(ICCID)
        .send()
        .await
        .unwrap();
    assert_eq!(issued.load(Ordering::SeqCst), 3);
    let kept = store.0.lock().unwrap().clone().unwrap();
    assert_eq!(kept.access_token().reveal(), "tok-3");
    assert_eq!(
        bearer(&server),
        vec![
            "Bearer tok-1",
            "Bearer tok-1",
            "Bearer tok-2",
            "Bearer refused",
            "Bearer tok-3"
        ]
    );
}

#[tokio::test]
async fn a_second_401_is_an_auth_error() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 3600);
    server.route(|r| r.path.contains("/v1/").then(|| Reply::json(401, serde_json::json!({ "status": 401, "error": "Unauthorized", "message": "Full authentication is required" }))));
    let client = client(&server, Clock::manual());
    let err = onence::Error::from(client.get_sim().iccid(ICCID).send().await.unwrap_err());
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.operation(), Some("get_sim"));
    assert_eq!(issued.load(Ordering::SeqCst), 2);
    assert_eq!(server.count(ICCID), 2);
}

#[tokio::test]
async fn wrong_credentials_give_an_auth_error_with_the_servers_message() {
    let server = Scripted::start().await;
    server.route(|r| {
        r.path.ends_with("/oauth/token").then(|| {
            Reply::json(400, serde_json::json!({ "statusCode": 400, "errorCode": "CognitoAuthenticationError", "message": "User does not exist." }))
        })
    });
    let client = client(&server, Clock::manual());
    let err = onence::Error::from(client.list_products().send().await.unwrap_err());
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.error_code(), Some("CognitoAuthenticationError"));
    assert!(err.message().unwrap().contains("User does not exist."));
    assert!(err.to_string().contains("User does not exist."));
    assert_eq!(
        server.count("/oauth/token"),
        1,
        "no retry loop on refused credentials"
    );
    assert_eq!(server.count("/v1/products"), 0);
}

#[tokio::test]
async fn the_json_body_falls_back_to_a_form_body_and_remembers() {
    let server = Scripted::start().await;
    server.route(|r| {
        (r.path.ends_with("/oauth/token") && r.header("content-type") == Some("application/json")).then(|| {
            Reply::json(400, serde_json::json!({ "statusCode": 400, "errorCode": "UnsupportedContentTypeError", "message": "Content-Type not supported" }))
        })
    });
    server.route(|r| {
        (r.path.ends_with("/oauth/token") && r.body == "grant_type=client_credentials")
            .then(|| token("tok-form", 60))
    });
    server.route(|r| r.path.contains("/v1/").then(sim_ok));
    let clock = Clock::manual();
    let client = client(&server, clock.clone());
    client.get_sim().iccid(ICCID).send().await.unwrap();
    clock.advance(Duration::from_secs(120));
    client.get_sim().iccid(ICCID).send().await.unwrap();
    let kinds: Vec<String> = server
        .received()
        .iter()
        .filter(|r| r.path.ends_with("/oauth/token"))
        .map(|r| r.header("content-type").unwrap_or("").to_string())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded"
        ]
    );
    assert_eq!(bearer(&server), vec!["Bearer tok-form"; 2]);
}

#[tokio::test]
async fn the_token_request_follows_no_redirect() {
    let server = Scripted::start().await;
    let elsewhere = format!("{}/stolen", server.base_url);
    server.route(move |r| {
        r.path
            .ends_with("/oauth/token")
            .then(|| Reply::status(302).header("location", &elsewhere))
    });
    let client = client(&server, Clock::manual());
    let err = onence::Error::from(client.list_products().send().await.unwrap_err());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    assert_eq!(server.count("/stolen"), 0);
}

#[tokio::test]
async fn each_retryable_status_is_retried_until_success() {
    for status in [429, 502, 503, 504] {
        let server = Scripted::start().await;
        numbered_tokens(&server, 3600);
        server.then([Reply::status(status), Reply::status(status), sim_ok()]);
        let sim = client(&server, Clock::manual())
            .get_sim()
            .iccid(ICCID)
            .send()
            .await
            .unwrap();
        assert_eq!(sim.iccid.as_deref(), Some(ICCID), "{status}");
        assert_eq!(server.count(ICCID), 3, "{status}");
    }
}

#[tokio::test]
async fn retries_stop_after_the_attempts_allowed() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.route(|r| r.path.contains("/v1/").then(|| Reply::status(503)));
    let err = onence::Error::from(
        client(&server, Clock::manual())
            .get_sim()
            .iccid(ICCID)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(server.count(ICCID), 4);
}

#[tokio::test]
async fn a_non_retryable_4xx_is_sent_once() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.route(|r| {
        r.path
            .contains("/v1/")
            .then(|| Reply::json(404, serde_json::json!({ "message": "SIM not found." })))
    });
    let err = onence::Error::from(
        client(&server, Clock::manual())
            .get_sim()
            .iccid(ICCID)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(err.is_not_found());
    assert_eq!(err.message(), Some("SIM not found."));
    assert_eq!(server.count(ICCID), 1);
}

#[tokio::test]
async fn a_post_facing_503_is_sent_exactly_once() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.route(|r| r.path.contains("/v1/").then(|| Reply::status(503)));
    let sms = onence::types::SmsMessage {
        payload: Some("hello".into()),
        ..Default::default()
    };
    let err = client(&server, Clock::manual())
        .send_sms()
        .iccid(ICCID)
        .body(sms)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        onence::Error::from(err).status().map(|s| s.as_u16()),
        Some(503)
    );
    assert_eq!(server.count("/sms"), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_a_get_but_not_for_a_post() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([Reply::Drop, sim_ok()]);
    let client = client(&server, Clock::manual());
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert_eq!(server.count(ICCID), 2);

    server.then([Reply::Drop, Reply::status(201)]);
    let sms = onence::types::SmsMessage {
        payload: Some("hello".into()),
        ..Default::default()
    };
    let err = onence::Error::from(
        client
            .send_sms()
            .iccid(ICCID)
            .body(sms)
            .send()
            .await
            .unwrap_err(),
    );
    // It arrived, and no answer came: the outcome is unknown, not "not sent".
    assert_eq!(err.kind(), onence::ErrorKind::OutcomeUnknown, "{err:?}");
    assert!(err.is_outcome_unknown());
    assert_eq!(
        server.count("/sms"),
        1,
        "the POST may have arrived: never resent"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([Reply::status(429).header("retry-after", "1"), sim_ok()]);
    let started = std::time::Instant::now();
    let policy = quick_retries().with_max_delay(Duration::from_secs(5));
    let client = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .rate_limits(RateLimits::none())
        .retry_policy(policy)
        .build()
        .unwrap();
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn from_env_names_the_missing_variable() {
    // Only this test touches these variables.
    std::env::remove_var("ONENCE_CLIENT_ID");
    std::env::remove_var("ONENCE_CLIENT_SECRET");
    let err = Client::from_env().unwrap_err();
    assert_eq!(err.kind(), onence::ErrorKind::Config);
    assert!(err.to_string().contains("ONENCE_CLIENT_ID"), "{err}");
    std::env::set_var("ONENCE_CLIENT_ID", "1234_user");
    let err = Client::from_env().unwrap_err();
    assert!(err.to_string().contains("ONENCE_CLIENT_SECRET"), "{err}");
    std::env::set_var("ONENCE_CLIENT_SECRET", SECRET);
    std::env::set_var("ONENCE_BASE_URL", "not a url");
    let err = Client::from_env().unwrap_err();
    assert!(err.to_string().contains("not a url"), "{err}");
    std::env::set_var("ONENCE_BASE_URL", "http://127.0.0.1:1/management-api");
    assert!(Client::from_env().is_ok());
}

#[tokio::test]
async fn an_unknown_iccid_answered_with_an_empty_200_is_not_found() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([Reply::status(200)]);
    let err = onence::Error::from(
        client(&server, Clock::manual())
            .get_sim()
            .iccid(ICCID)
            .send()
            .await
            .unwrap_err(),
    );
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn an_undocumented_error_with_a_non_json_body_keeps_its_status_and_text() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.route(|r| {
        r.path.contains("/v1/").then(|| Reply::Http {
            status: 500,
            headers: vec![("content-type".into(), "text/html".into())],
            body: "<html>Internal Server Error</html>".into(),
        })
    });
    let err = onence::Error::from(
        client(&server, Clock::manual())
            .list_orders()
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.kind(), onence::ErrorKind::Api);
    assert!(err.message().unwrap().contains("Internal Server Error"));
    assert_eq!(err.operation(), Some("list_orders"));
}

#[tokio::test]
async fn an_answer_broken_off_mid_body_is_retried_for_a_get() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([
        Reply::Truncated {
            status: 200,
            body: r#"{"iccid":"89"#.into(),
        },
        sim_ok(),
    ]);
    let sim = client(&server, Clock::manual())
        .get_sim()
        .iccid(ICCID)
        .send()
        .await
        .unwrap();
    assert_eq!(sim.iccid.as_deref(), Some(ICCID));
    assert_eq!(server.count(ICCID), 2);
}

/// Refused credentials with 200 callers at once: the refusal is handed to
/// every caller that waited for it, and later callers get it from the
/// backoff, so the token endpoint sees a handful of requests and every caller
/// fails within seconds (one at a time, they used to take ~20 s and 200
/// requests).
#[tokio::test]
async fn a_refusal_is_shared_by_every_waiting_caller() {
    let server = Scripted::start().await;
    server.route(|r| {
        r.path.ends_with("/oauth/token").then(|| {
            Reply::json(
                400,
                serde_json::json!({ "statusCode": 400, "errorCode": "CognitoAuthenticationError", "message": "Incorrect username or password." }),
            )
        })
    });
    let client = client(&server, Clock::system());
    let started = std::time::Instant::now();
    let calls = (0..200).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_sim().iccid(ICCID).send().await.map(|_| ()) })
    });
    for call in futures::future::join_all(calls).await {
        let err = onence::Error::from(call.unwrap().unwrap_err());
        assert!(err.is_auth(), "{err}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let asked = server.count("/oauth/token");
    assert!(asked <= 3, "{asked} token requests for 200 callers");
    assert_eq!(server.count(ICCID), 0, "no API call without a token");
}

/// A token endpoint answering 503: one fetch (with its retries) serves every
/// waiting caller; the failure is not fetched again per caller.
#[tokio::test]
async fn a_failing_token_endpoint_is_asked_once_for_many_callers() {
    let server = Scripted::start().await;
    server.route(|r| r.path.ends_with("/oauth/token").then(|| Reply::status(503)));
    let client = client(&server, Clock::system());
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_sim().iccid(ICCID).send().await.map(|_| ()) })
    });
    for call in futures::future::join_all(calls).await {
        let err = onence::Error::from(call.unwrap().unwrap_err());
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
        assert!(
            !err.is_auth(),
            "an unavailable endpoint is not refused credentials"
        );
    }
    let attempts = quick_retries().max_attempts() as usize;
    assert!(
        server.count("/oauth/token") <= 2 * attempts,
        "{} token requests",
        server.count("/oauth/token")
    );
}

/// Server values and settings at their extremes never panic: an `expires_in`
/// of 2^64-1 (or negative, or text), a refresh margin of `Duration::MAX`, no
/// operation timeout, a clock moved to the end of time. And the server's
/// word is bounded: a life past a day is believed as a day, so with the
/// margin at its largest (half the life) the token is renewed after 12 hours,
/// not never; a negative life is no life, so every call asks again; a life
/// that is not a number is the documented 3600 s.
#[tokio::test]
async fn extreme_token_lifetimes_and_settings_never_panic() {
    const HOUR: u64 = 3600;
    // (expires_in, the life the client believes, in seconds)
    let cases = [
        (serde_json::json!(u64::MAX), 24 * HOUR),
        (serde_json::json!(1e300), 24 * HOUR),
        (serde_json::json!(-5), 0),
        (serde_json::json!("3600"), HOUR),
        (serde_json::json!("soon"), HOUR),
    ];
    for (expires_in, believed) in cases {
        let server = Scripted::start().await;
        let issued = Arc::new(AtomicUsize::new(0));
        let counter = issued.clone();
        let body = serde_json::json!({ "access_token": "tok", "expires_in": expires_in });
        server.route(move |r| {
            r.path.ends_with("/oauth/token").then(|| {
                counter.fetch_add(1, Ordering::SeqCst);
                Reply::json(200, body.clone())
            })
        });
        server.route(|r| r.path.contains("/v1/sims/").then(sim_ok));
        let clock = Clock::manual();
        let client = Client::builder()
            .base_url(&server.base_url)
            .credentials(Credentials::api_user("1234_api-user", SECRET))
            .rate_limits(RateLimits::none())
            .refresh_margin(Duration::MAX)
            .retry_policy(quick_retries().with_max_delay(Duration::MAX))
            .timeouts(onence::config::Timeouts::standard().with_operation(None))
            .clock(clock.clone())
            .build()
            .unwrap();
        let tokens = || issued.load(Ordering::SeqCst);
        let call = || client.get_sim().iccid(ICCID).send();
        call().await.unwrap();
        assert_eq!(tokens(), 1, "{expires_in}");
        if believed > 0 {
            // Renewed at half the believed life, not before.
            clock.advance(Duration::from_secs(believed / 2 - 60));
            call().await.unwrap();
            assert_eq!(tokens(), 1, "{expires_in}: kept before half its life");
            clock.advance(Duration::from_secs(120));
            call().await.unwrap();
            assert_eq!(tokens(), 2, "{expires_in}: renewed past half its life");
        } else {
            call().await.unwrap();
            assert_eq!(tokens(), 2, "{expires_in}: no life, asked again");
        }
        let before = tokens();
        clock.advance(Duration::from_secs(u64::MAX / 2));
        call().await.unwrap();
        clock.advance(Duration::MAX);
        call().await.unwrap();
        assert!(
            tokens() > before,
            "{expires_in}: renewed after the clock jumped"
        );
        assert!(
            tokens() <= before + 2,
            "{expires_in}: one token per call at most"
        );
    }
}

/// A token shorter-lived than the refresh margin is renewed at half its life,
/// not on every call.
#[tokio::test]
async fn short_lived_tokens_are_not_renewed_on_every_call() {
    let server = Scripted::start().await;
    let issued = numbered_tokens(&server, 60);
    server.route(|r| r.path.contains("/v1/sims/").then(sim_ok));
    let clock = Clock::manual();
    let client = client(&server, clock.clone());
    for _ in 0..200 {
        client.get_sim().iccid(ICCID).send().await.unwrap();
        clock.advance(Duration::from_millis(100));
    }
    // 20 s of calls with 60 s tokens renewed at 30 s: one token.
    assert_eq!(issued.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(15));
    client.get_sim().iccid(ICCID).send().await.unwrap();
    assert_eq!(
        issued.load(Ordering::SeqCst),
        2,
        "renewed past half its life"
    );
}

/// Settings that would misbehave are refused by build(), naming the setting.
#[test]
fn bad_settings_are_refused_by_build_naming_them() {
    use onence::config::Limit;
    let build = |limits: RateLimits, policy: RetryPolicy| {
        Client::builder()
            .rate_limits(limits)
            .retry_policy(policy)
            .build()
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let zero = RateLimits::standard().with_sims(Some(Limit::new(0, Duration::from_secs(1))));
    assert!(build(zero, RetryPolicy::default()).contains("rate limit sims"));
    let instant = RateLimits::standard().with_token(Some(Limit::new(1, Duration::ZERO)));
    assert!(build(instant, RetryPolicy::default()).contains("rate limit token"));
    let never = RetryPolicy::standard().with_max_attempts(0);
    assert!(build(RateLimits::default(), never).contains("max_attempts"));
    let err = Client::builder()
        .request_timeout(Some(Duration::ZERO))
        .build()
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("request_timeout"), "{err}");
}

/// Token requests go through the injected `reqwest::Client`, so its proxy,
/// roots, timeouts and headers apply to them as to API calls.
#[tokio::test]
async fn token_requests_use_the_injected_http_client() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.route(|r| r.path.contains("/v1/sims/").then(sim_ok));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-corporate-proxy", "yes".parse().unwrap());
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let client = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .http_client(http)
        .build()
        .unwrap();
    client.get_sim().iccid(ICCID).send().await.unwrap();
    let token_request = server
        .received()
        .into_iter()
        .find(|r| r.path.ends_with("/oauth/token"))
        .unwrap();
    assert_eq!(token_request.header("x-corporate-proxy"), Some("yes"));
}

/// A server that answers its first request with `status` and an endless
/// chunked body (stopping at 1 GiB or 20 s, or when the client leaves);
/// returns its address and how many body bytes it managed to write.
async fn endless_answer(status: u16) -> (String, Arc<std::sync::atomic::AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = written.clone();
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = format!("HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n");
        if socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk,
            b"\r\n".to_vec(),
        ]
        .concat();
        let started = std::time::Instant::now();
        while counter.load(Ordering::SeqCst) < 1 << 30
            && started.elapsed() < Duration::from_secs(20)
        {
            if socket.write_all(&framed).await.is_err() {
                return;
            }
            counter.fetch_add(64 * 1024, Ordering::SeqCst);
        }
    });
    (base, written)
}

/// An answer past the body limit is an error naming the limit, and is not
/// read on: the client stops at the limit, so memory stays bounded however
/// much the server sends.
#[tokio::test]
async fn an_endless_answer_is_an_error_with_bounded_memory() {
    let (base, written) = endless_answer(200).await;
    let client = Client::builder()
        .base_url(&base)
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .max_body_size(1 << 20)
        .build()
        .unwrap();
    let err = onence::Error::from(client.list_sims().send().await.unwrap_err());
    assert_eq!(err.kind(), onence::ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("limit of 1048576 bytes"), "{err}");
    assert_eq!(err.status(), None);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "the client stopped reading: the server wrote {sent} bytes"
    );
}

/// The body limit holds for writes and for failures too. A write's 2xx
/// past the limit is still the success it was (its body counts as absent);
/// a failure is read only as far as its message needs.
#[tokio::test]
async fn endless_answers_to_writes_and_failures_are_read_within_bounds() {
    let limited = |base: &str| {
        Client::builder()
            .base_url(base)
            .rate_limits(RateLimits::none())
            .retry_policy(quick_retries())
            .max_body_size(1 << 20)
            .build()
            .unwrap()
    };
    let (base, written) = endless_answer(201).await;
    assert_eq!(limited(&base).top_up(ICCID, None).await.unwrap(), None);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "a write's success: the server wrote {sent} bytes"
    );

    let (base, written) = endless_answer(500).await;
    let err = limited(&base).top_up(ICCID, None).await.unwrap_err();
    assert_eq!(err.kind(), onence::ErrorKind::Api, "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(err.message().is_some_and(|m| m.len() <= 500), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "a write's failure: the server wrote {sent} bytes"
    );

    let (base, written) = endless_answer(500).await;
    let err = onence::Error::from(limited(&base).list_sims().send().await.unwrap_err());
    assert_eq!(err.kind(), onence::ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("limit of 1048576 bytes"), "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = written.load(Ordering::SeqCst);
    assert!(
        sent < 64 << 20,
        "a read's failure: the server wrote {sent} bytes"
    );
}

/// A `Content-Length` past the limit fails before reading any of the body.
#[tokio::test]
async fn a_declared_length_past_the_limit_fails_at_once() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([Reply::json(
        200,
        serde_json::json!({ "label": "x".repeat(4096) }),
    )]);
    let client = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .rate_limits(RateLimits::none())
        .max_body_size(1024)
        .build()
        .unwrap();
    let err = onence::Error::from(client.get_sim().iccid(ICCID).send().await.unwrap_err());
    assert!(err.to_string().contains("limit of 1024 bytes"), "{err}");
    assert_eq!(
        server.count(ICCID),
        1,
        "an answer too large is not fetched again"
    );
}

/// The operation timeout bounds a whole call, retries and waits included:
/// a GET answered 503 forever, with 1,000 attempts allowed, ends when the
/// operation's time is up, with the last answer as its error.
#[tokio::test]
async fn the_operation_timeout_ends_a_call_that_keeps_being_retried() {
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.route(|r| {
        r.path
            .contains("/v1/sims/")
            .then(|| Reply::json(503, serde_json::json!({ "message": "busy" })))
    });
    let client = Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_user("1234_api-user", SECRET))
        .rate_limits(RateLimits::none())
        .retry_policy(
            RetryPolicy::standard()
                .with_max_attempts(1_000)
                .with_base_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_millis(100)),
        )
        .timeouts(
            onence::config::Timeouts::standard().with_operation(Some(Duration::from_millis(500))),
        )
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = onence::Error::from(client.get_sim().iccid(ICCID).send().await.unwrap_err());
    let took = started.elapsed();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    let attempts = server.count(ICCID);
    assert!(attempts > 1, "retried within the operation's time");
    assert!(
        attempts < 200,
        "{attempts} attempts: the operation timeout ended it"
    );
    assert!(took < Duration::from_secs(5), "ended after {took:?}");
}

/// An answer whose headers are too large to read says so, is not fetched
/// again (it would be as large), and for a write is an unknown outcome that
/// names the cause.
#[tokio::test]
async fn an_answer_with_headers_too_large_says_so() {
    let huge = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n{}\r\n{{}}",
        (0..2_000)
            .map(|n| format!("x-padding-{n}: {}\r\n", "y".repeat(100)))
            .collect::<String>()
    );
    let server = Scripted::start().await;
    numbered_tokens(&server, 3600);
    server.then([Reply::Raw(huge.clone()), Reply::Raw(huge)]);
    let client = client(&server, Clock::manual());
    let err = onence::Error::from(client.get_sim().iccid(ICCID).send().await.unwrap_err());
    assert_eq!(err.kind(), onence::ErrorKind::Decode, "{err}");
    assert!(err.to_string().contains("headers are too large"), "{err}");
    assert_eq!(server.count(ICCID), 1, "not fetched again");

    let err = client.top_up(ICCID, None).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert!(err.to_string().contains("headers are too large"), "{err}");
}
