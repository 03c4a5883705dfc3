//! The client against the embedded sandbox: every operation, state round
//! trips, paging a large fleet, rate limits, faults.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::NaiveDate;
use futures::TryStreamExt;
use onence::config::{RateLimits, RetryPolicy};
use onence::jobs::{Checked, Reconciled};
use onence::models::PaymentMethod;
use onence::sandbox::{Faults, Sandbox};
use onence::{types, Client, ErrorKind};

mod support;
use support::eventually;

async fn sandbox(sims: u64) -> Sandbox {
    Sandbox::builder()
        .sims(sims)
        .seed(9)
        .change_delay(Duration::from_millis(50))
        .start()
        .await
        .unwrap()
}

fn unlimited(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_operation_answers_in_the_spec_s_types() {
    // Slow queue: the SMS is still buffered when it is cancelled.
    let sandbox = Sandbox::builder()
        .sims(30)
        .change_delay(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = sandbox.client();
    let (a, b, c) = (sandbox.iccid(0), sandbox.iccid(1), sandbox.iccid(2));

    // SIMs
    let sims = client
        .list_sims()
        .page(1)
        .page_size(10)
        .send()
        .await
        .unwrap();
    assert_eq!(sims.headers()["x-total-count"], "30");
    assert!(sims.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json;charset=UTF-8"));
    assert_eq!(sims.len(), 10);
    let sim = client.get_sim().iccid(&a).send().await.unwrap();
    assert!(sim
        .activation_date
        .as_ref()
        .unwrap()
        .as_str()
        .ends_with("+0000"));
    let update = types::SimUpdate {
        iccid: b.clone(),
        status: types::SimUpdateStatus::Enabled,
        imei_lock: false,
        label: Some("x".into()),
    };
    client
        .update_sim()
        .iccid(&b)
        .body(update.clone())
        .send()
        .await
        .unwrap();
    client
        .update_sims()
        .body(vec![update])
        .send()
        .await
        .unwrap();
    client.get_sim_status().iccid(&a).send().await.unwrap();
    let info = client
        .get_connectivity_info()
        .iccid(&a)
        .ussd(true)
        .send()
        .await
        .unwrap();
    assert!(info.ussd_info.is_some() && info.subscriber_info.is_some());
    client.reset_connectivity().iccid(&a).send().await.unwrap();
    let events = client
        .list_sim_events()
        .iccid(&a)
        .page(1)
        .page_size(1000)
        .send()
        .await
        .unwrap();
    assert!(events
        .events
        .iter()
        .any(|e| e.event_type.as_deref() == Some("Connectivity reset")));
    let usage = client.get_sim_usage().iccid(&a).send().await.unwrap();
    assert_eq!(
        usage
            .stats
            .last()
            .unwrap()
            .date
            .as_ref()
            .map(|d| d.as_str()),
        Some("TOTAL")
    );
    client.get_data_quota().iccid(&a).send().await.unwrap();
    client.get_sms_quota().iccid(&a).send().await.unwrap();

    // SMS
    let id = client
        .send_sms_text(&a, "hi")
        .await
        .unwrap()
        .expect("the sandbox names the new SMS in Location")
        .number()
        .expect("a numeric id");
    assert_eq!(client.list_sms().iccid(&a).send().await.unwrap().len(), 1);
    assert_eq!(
        client.get_sms().iccid(&a).id(id).send().await.unwrap().id,
        Some(id.into())
    );
    client.cancel_sms().iccid(&a).id(id).send().await.unwrap();

    // Top-ups, limits, extension, transfer
    client
        .top_up(&a, Some(PaymentMethod::Creditcard))
        .await
        .unwrap();
    client.top_up_many(&[&a, &b], None).await.unwrap();
    client
        .set_auto_top_up()
        .body(types::AutoTopupRequest {
            enabled: Some(true),
            iccids: vec![a.clone()],
        })
        .send()
        .await
        .unwrap();
    let limits = client.get_limits().send().await.unwrap();
    assert!(limits.data.is_some());
    client
        .set_limits()
        .body(types::SetLimitsRequest {
            data_limit_id: Some(1),
            sms_mt_limit_id: None,
            sms_mo_limit_id: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .get_limits()
            .send()
            .await
            .unwrap()
            .data
            .as_ref()
            .unwrap()
            .id,
        Some(1.into())
    );
    let options = client
        .list_limit_options()
        .service(types::ListLimitOptionsService::SmsMt)
        .send()
        .await
        .unwrap();
    assert!(options.sms_mt.is_some());
    client
        .extend_sims()
        .body(types::SimExtensionRequest {
            iccids: vec![b.clone()],
            product_id: Some(1001),
        })
        .send()
        .await
        .unwrap();
    client
        .transfer_sims()
        .body(types::SimTransfer {
            iccids: vec![c.clone()],
            iccid_ranges: vec![],
            target_organisation: Some(2_000_000_001),
        })
        .send()
        .await
        .unwrap();
    assert!(client
        .get_sim()
        .iccid(&c)
        .send()
        .await
        .map_err(onence::Error::from)
        .unwrap_err()
        .is_not_found());

    // Orders and products
    let new_order = types::NewOrder {
        products: vec![types::OrderedProduct {
            product_id: Some(1001),
            quantity: std::num::NonZeroU64::new(5),
        }],
        customer_reference: Some("ref".into()),
        delivery_address: None,
    };
    let created = client.create_order().body(new_order).send().await.unwrap();
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let number: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let order = client
        .get_order()
        .order_number(number)
        .send()
        .await
        .unwrap();
    assert_eq!(order.products[0].quantity, Some(5.into()));
    let orders: Vec<types::Order> = client.all_orders().collect().await.unwrap();
    assert_eq!(orders.len(), 4, "two top-ups, an extension, and the order");
    let products = client.list_products().send().await.unwrap();
    assert!(!products.is_empty());
}

#[tokio::test]
async fn disabling_shows_after_the_queue_delay() {
    // A delay no test outlasts: the queue is settled by hand, not by racing it.
    let sandbox = Sandbox::builder()
        .sims(5)
        .change_delay(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    let iccid = sandbox.iccid(0);
    client.enable_sim(&iccid).await.unwrap();
    sandbox.apply_queued_changes();
    assert_eq!(
        client.get_sim().iccid(&iccid).send().await.unwrap().status,
        Some(types::SimStatus::Enabled)
    );
    client.disable_sim(&iccid).await.unwrap();
    let right_away = client
        .get_sim()
        .iccid(&iccid)
        .send()
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        right_away,
        Some(types::SimStatus::Enabled),
        "changes are queued"
    );
    sandbox.apply_queued_changes();
    assert_eq!(
        client.get_sim().iccid(&iccid).send().await.unwrap().status,
        Some(types::SimStatus::Disabled)
    );
    let status = client.get_sim_status().iccid(&iccid).send().await.unwrap();
    assert_eq!(status.status, Some(types::ConnectivityStatus::Offline));
}

#[tokio::test]
async fn a_sent_sms_is_listed_and_a_cancelled_one_is_gone() {
    let sandbox = Sandbox::builder()
        .sims(3)
        .change_delay(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    let iccid = sandbox.iccid(1);
    let send = || async {
        client
            .send_sms_text(&iccid, "ping")
            .await
            .unwrap()
            .and_then(|id| id.number())
            .unwrap()
    };
    let first = send().await;
    let second = send().await;
    let listed: Vec<i64> = client
        .all_sms(&iccid)
        .stream()
        .map_ok(|s| s.id.unwrap().get())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, vec![first, second]);
    client
        .cancel_sms()
        .iccid(&iccid)
        .id(first)
        .send()
        .await
        .unwrap();
    let listed: Vec<i64> = client
        .all_sms(&iccid)
        .stream()
        .map_ok(|s| s.id.unwrap().get())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, vec![second]);
    assert_eq!(
        sandbox
            .counters()
            .posts_applied_to("POST /v1/sims/{iccid}/sms"),
        2
    );
}

#[tokio::test]
async fn a_top_up_creates_an_order_grows_the_quota_and_happens_once() {
    let sandbox = sandbox(3).await;
    let client = unlimited(&sandbox);
    let iccid = sandbox.iccid(2);
    let before = client.data_quota_of(&iccid).await.unwrap();
    let number = client
        .top_up(&iccid, None)
        .await
        .unwrap()
        .expect("the sandbox names the order in Location");
    let after = client.data_quota_of(&iccid).await.unwrap();
    assert_eq!(*after.volume.unwrap() - *before.volume.unwrap(), 500.0);
    assert_eq!(
        *after.total_volume.unwrap() - *before.total_volume.unwrap(),
        500.0
    );
    let order = client
        .get_order()
        .order_number(number)
        .send()
        .await
        .unwrap();
    assert_eq!(order.order_type, Some(types::OrderOrderType::Topup));
    assert_eq!(order.sims[0].iccid.as_deref(), Some(iccid.as_str()));
    assert_eq!(sandbox.counters().top_ups_applied, 1);
}

#[tokio::test]
async fn paging_ten_thousand_sims_yields_each_iccid_exactly_once() {
    let sandbox = Sandbox::builder()
        .sims(10_000)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    let iccids: Vec<String> = client
        .all_sims()
        .stream()
        .map_ok(|s| s.iccid.unwrap())
        .try_collect()
        .await
        .unwrap();
    let unique: BTreeSet<&String> = iccids.iter().collect();
    assert_eq!(iccids.len(), 10_000);
    assert_eq!(unique.len(), 10_000);
    assert_eq!(iccids.first(), Some(&sandbox.iccid(0)));
    assert_eq!(sandbox.counters().requests_to("GET /v1/sims"), 100);
}

#[tokio::test]
async fn the_rate_limit_answers_429_when_exceeded_and_the_client_stays_under_it() {
    let sandbox = sandbox(5).await;
    let reckless = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let calls = (0..25).map(|_| reckless.list_products().send());
    let results = futures::future::join_all(calls).await;
    let refused = results
        .into_iter()
        .filter_map(Result::err)
        .map(onence::Error::from)
        .filter(onence::Error::is_rate_limited)
        .count();
    assert_eq!(refused, 0, "products allow 100 per 5 minutes");
    let calls = (0..25).map(|_| reckless.get_sim().iccid(sandbox.iccid(0)).send());
    let results = futures::future::join_all(calls).await;
    let refused = results
        .into_iter()
        .filter_map(Result::err)
        .map(onence::Error::from)
        .filter(onence::Error::is_rate_limited)
        .count();
    assert!(refused >= 10, "{refused} refused");
    assert_eq!(sandbox.counters().rate_limited, refused as u64);

    let polite = Sandbox::builder().sims(5).start().await.unwrap();
    let client = polite.client();
    let calls = (0..25).map(|_| client.get_sim().iccid(polite.iccid(0)).send());
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(polite.counters().rate_limited, 0);
}

async fn faulty(faults: Faults) -> Sandbox {
    Sandbox::builder()
        .sims(5)
        .rate_limits(RateLimits::none())
        .faults(faults)
        .start()
        .await
        .unwrap()
}

fn no_retries(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn each_fault_is_observable() {
    let errors = faulty(Faults::none().with_error_rate(1.0)).await;
    let err = onence::Error::from(
        no_retries(&errors)
            .get_sim()
            .iccid(errors.iccid(0))
            .send()
            .await
            .unwrap_err(),
    );
    assert!(
        [500, 502, 503, 504].contains(&err.status().unwrap().as_u16()),
        "{err}"
    );
    assert_eq!(errors.counters().faults["error"], 1);

    let throttled = faulty(Faults::none().with_throttle_rate(1.0, 7)).await;
    let response = reqwest_get(&throttled, "/v1/products").await;
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "7");

    let dropped = faulty(Faults::none().with_drop_rate(1.0)).await;
    let message = types::SmsMessage {
        payload: Some("x".into()),
        ..Default::default()
    };
    // The connection breaks after the SMS was accepted and its headers sent: sent once, never again.
    let _ = dropped
        .client()
        .send_sms_message(&dropped.iccid(0), message)
        .await;
    assert_eq!(
        dropped.counters().requests_to("POST /v1/sims/{iccid}/sms"),
        1
    );
    assert_eq!(
        dropped
            .counters()
            .posts_applied_to("POST /v1/sims/{iccid}/sms"),
        1
    );
    let err = onence::Error::from(
        no_retries(&dropped)
            .get_sim()
            .iccid(dropped.iccid(0))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ErrorKind::Network, "{err:?}");

    let malformed = faulty(Faults::none().with_malformed_rate(1.0)).await;
    let err = onence::Error::from(
        no_retries(&malformed)
            .get_sim()
            .iccid(malformed.iccid(0))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");

    let scoped = faulty(
        Faults::none()
            .with_error_rate(1.0)
            .with_routes(["/v1/orders"]),
    )
    .await;
    no_retries(&scoped)
        .get_sim()
        .iccid(scoped.iccid(0))
        .send()
        .await
        .unwrap();
    let err = onence::Error::from(no_retries(&scoped).list_orders().send().await.unwrap_err());
    assert_eq!(err.kind(), ErrorKind::Api, "{err:?}");
    assert!(err.status().is_some_and(|s| s.is_server_error()), "{err:?}");
}

#[tokio::test]
async fn faults_are_ridden_out_by_retries_of_gets() {
    let sandbox = faulty(
        Faults::none()
            .with_error_rate(0.2)
            .with_error_statuses([502, 503, 504])
            .with_drop_rate(0.1),
    )
    .await;
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(
            RetryPolicy::standard()
                .with_base_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5))
                .with_max_attempts(8),
        )
        .build()
        .unwrap();
    for _ in 0..50 {
        client
            .get_sim()
            .iccid(sandbox.iccid(0))
            .send()
            .await
            .unwrap();
    }
    let counters = sandbox.counters();
    assert!(counters.faults.values().sum::<u64>() > 0);
    assert_eq!(
        counters.requests_to("GET /v1/sims/{iccid}"),
        50 + counters.faults.values().sum::<u64>()
    );
}

#[tokio::test]
async fn revoked_tokens_are_replaced_once() {
    let sandbox = sandbox(2).await;
    let client = unlimited(&sandbox);
    client
        .get_sim()
        .iccid(sandbox.iccid(0))
        .send()
        .await
        .unwrap();
    sandbox.revoke_tokens();
    client
        .get_sim()
        .iccid(sandbox.iccid(0))
        .send()
        .await
        .unwrap();
    let counters = sandbox.counters();
    assert_eq!(counters.tokens_issued, 2);
    assert_eq!(counters.requests_to("GET /v1/sims/{iccid}"), 3);
}

async fn reqwest_get(sandbox: &Sandbox, path: &str) -> reqwest::Response {
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/oauth/token", sandbox.base_url()))
        .basic_auth(sandbox.credentials().user(), Some(sandbox.client_secret()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"].as_str().unwrap().to_string();
    reqwest::Client::new()
        .get(format!("{}{path}", sandbox.base_url()))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_token_endpoint_behaves_like_1nce_s() {
    let sandbox = Sandbox::builder()
        .sims(2)
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    // A form body works (reqwest_get uses one); a JSON body works (the client uses one).
    assert_eq!(
        reqwest_get(&sandbox, "/v1/products")
            .await
            .status()
            .as_u16(),
        200
    );
    let client = sandbox.client();
    client.list_products().send().await.unwrap();

    // Tokens live as long as the sandbox was told, and say so: a bearer
    // past its second is refused, and the client renews it.
    let answer: serde_json::Value = support::sandbox_token(&sandbox).await;
    assert_eq!(answer["expires_in"], 1, "{answer}");
    let bearer = answer["access_token"].as_str().unwrap().to_string();
    let issued = sandbox.counters().tokens_issued;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let expired = reqwest::Client::new()
        .get(format!("{}/v1/products", sandbox.base_url()))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        expired.status().as_u16(),
        401,
        "an expired token is refused"
    );
    client.list_products().send().await.unwrap();
    assert_eq!(
        sandbox.counters().tokens_issued,
        issued + 1,
        "the client renewed its expired token"
    );

    let wrong = Client::builder()
        .base_url(sandbox.base_url())
        .credentials(onence::Credentials::api_user(
            sandbox.credentials().user(),
            "wrong",
        ))
        .build()
        .unwrap();
    let err = onence::Error::from(wrong.list_products().send().await.unwrap_err());
    assert!(err.is_auth());
    assert_eq!(err.error_code(), Some("CognitoAuthenticationError"));

    let unknown = reqwest::Client::new()
        .get(format!("{}/v1/products", sandbox.base_url()))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 401);
    let body: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(body["error"], "Unauthorized");
    assert_eq!(body["path"], "/management-api/v1/products");
}

#[tokio::test]
async fn invalid_bodies_get_400_naming_the_field() {
    let sandbox = sandbox(2).await;
    let client = unlimited(&sandbox);
    let iccid = sandbox.iccid(0);
    let token: serde_json::Value = support::sandbox_token(&sandbox).await;
    let response = reqwest::Client::new()
        .put(format!("{}/v1/sims/{iccid}", sandbox.base_url()))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&serde_json::json!({ "iccid": iccid, "label": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("status"),
        "{body}"
    );

    let err = client
        .top_up_sims()
        .body(vec![])
        .send()
        .await
        .map_err(onence::Error::from)
        .unwrap_err();
    assert_eq!(err.status().unwrap().as_u16(), 400);
    let from = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let err = client.usage_between(&iccid, from, from).await.unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(400),
        "a day more than six months back is outside the window: {err}"
    );
}

#[tokio::test]
async fn a_dropped_sandbox_stops_listening() {
    let sandbox = sandbox(1).await;
    let address = sandbox
        .base_url()
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    assert!(
        address.starts_with("127.0.0.1:"),
        "loopback only: {address}"
    );
    tokio::net::TcpStream::connect(&address).await.unwrap();
    drop(sandbox);
    let mut refused = false;
    for _ in 0..40 {
        if tokio::net::TcpStream::connect(&address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(refused, "still listening after drop");
}

/// In drift mode the sandbox answers as the real service drifts: numbers as
/// strings, undocumented enum values and fields, optional fields left out.
/// Streams, helpers and builders read every record all the same, and keep
/// the values the API sent.
#[tokio::test]
async fn a_drifting_service_costs_no_record() {
    let sandbox = Sandbox::builder()
        .sims(1_000)
        .seed(5)
        .drift(true)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    let sims: Vec<types::Sim> = client.all_sims().collect().await.unwrap();
    let iccids: std::collections::BTreeSet<String> =
        sims.iter().filter_map(|s| s.iccid.clone()).collect();
    assert_eq!(iccids.len(), 1_000, "every SIM exactly once");
    let unseen: Vec<&types::SimStatus> = sims
        .iter()
        .filter_map(|s| s.status.as_ref())
        .filter(|s| !s.is_known())
        .collect();
    assert!(!unseen.is_empty(), "the sandbox drifted some statuses");
    assert!(unseen.iter().all(|s| s.as_str() == "Suspended"));
    let re_encoded = serde_json::to_value(&sims).unwrap();
    assert!(re_encoded.to_string().contains("\"Suspended\""));
    assert!(sims.iter().any(|s| s.current_quota.is_some()));

    let iccid = sandbox.iccid(3);
    for _ in 0..5 {
        client.get_sim().iccid(&iccid).send().await.unwrap();
        client.data_quota_of(&iccid).await.unwrap();
        client.get_sim_status().iccid(&iccid).send().await.unwrap();
        client
            .get_connectivity_info()
            .iccid(&iccid)
            .send()
            .await
            .unwrap();
    }
    let events: Vec<types::SimEvent> = client.all_sim_events(&iccid).collect().await.unwrap();
    assert!(!events.is_empty());
    let today = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive();
    client
        .usage_between(&iccid, today - chrono::Days::new(10), today)
        .await
        .unwrap();
    client.top_up(&iccid, None).await.unwrap();
    let orders: Vec<types::Order> = client.all_orders().collect().await.unwrap();
    assert_eq!(orders.len(), 1);
    client.list_products().send().await.unwrap();
}

/// A write whose answer is lost after the service applied it: the client
/// reports an unknown outcome (not a plain network error), never sends it
/// again, and the read-back helpers tell what happened.
#[tokio::test]
async fn a_lost_answer_is_an_unknown_outcome_and_the_read_back_tells_the_truth() {
    let sandbox = Sandbox::builder()
        .sims(3)
        .seed(9)
        .faults(
            Faults::none()
                .with_late_rate(1.0, Duration::from_secs(5))
                .with_routes(["POST /topup", "POST /sms"]),
        )
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .request_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let iccid = sandbox.iccid(1);

    let err = client.top_up(&iccid, None).await.unwrap_err();
    assert!(err.is_outcome_unknown(), "{err}");
    assert_eq!(err.status(), None, "no status the API did not send");
    assert!(err.to_string().contains("may have taken effect"), "{err}");
    let counters = sandbox.counters();
    assert_eq!(
        counters.requests_to("POST /v1/sims/{iccid}/topup"),
        1,
        "never resent"
    );
    assert_eq!(counters.top_ups_applied, 1, "the top-up happened");

    let checked = client.top_up_checked(&iccid, None).await.unwrap();
    assert_eq!(
        checked,
        Checked::AnswerLost(Reconciled::Applied { id: None })
    );
    assert_eq!(sandbox.counters().top_ups_applied, 2);
    let untouched = sandbox.iccid(2);
    let before = client.data_quota_of(&untouched).await.unwrap();
    assert_eq!(
        client.reconcile_top_up(&untouched, &before).await,
        Reconciled::NotApplied
    );

    let message = types::SmsMessage {
        payload: Some("reboot-7".into()),
        ..Default::default()
    };
    let checked = client.send_sms_checked(&iccid, message).await.unwrap();
    assert!(
        matches!(
            checked,
            Checked::AnswerLost(Reconciled::Applied { id: Some(_) })
        ),
        "{checked:?}"
    );
    assert_eq!(
        sandbox
            .counters()
            .posts_applied_to("POST /v1/sims/{iccid}/sms"),
        1,
        "sent once"
    );
    let since = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
    assert_eq!(
        client.reconcile_sms(&iccid, "never sent", since).await,
        Reconciled::NotApplied
    );
}

/// A write that never reached the service (nothing listens) is a network
/// error, not an unknown outcome: sending it again is safe.
#[tokio::test]
async fn a_write_that_was_never_sent_is_not_an_unknown_outcome() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = Client::builder()
        .base_url(url)
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .top_up("8988280666000000000", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(!err.is_outcome_unknown());
}

/// Support Management: a request opened through the client is listed back,
/// open, with its message; a request without a subject is refused by name.
#[tokio::test]
async fn service_requests_are_opened_and_listed() {
    let sandbox = sandbox(3).await;
    let client = unlimited(&sandbox);
    assert!(client
        .all_service_requests()
        .collect()
        .await
        .unwrap()
        .is_empty());
    let request: types::NewServiceRequest = serde_json::from_value(serde_json::json!({
        "subject": "No data", "text": "SIM 8988280666000000001 attaches but moves no data",
        "senderName": "Ops", "replyToMail": "ops@example.com"
    }))
    .unwrap();
    client.open_service_request(request).await.unwrap();
    let listed = client.all_service_requests().collect().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, Some(types::ServiceRequestStatus::Open));
    assert_eq!(listed[0].subject.as_deref(), Some("No data"));
    assert_eq!(
        listed[0].communications[0].originator.as_deref(),
        Some("Ops")
    );
    assert!(listed[0].create_date.as_ref().unwrap().to_utc().is_some());

    let no_subject: types::NewServiceRequest =
        serde_json::from_value(serde_json::json!({ "text": "help" })).unwrap();
    let refused = onence::Error::from(
        client
            .create_service_request()
            .body(no_subject.clone())
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));
    assert!(refused.to_string().contains("subject"), "{refused}");
    let err = client.open_service_request(no_subject).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidInput,
        "the helper refuses before sending"
    );
    assert_eq!(
        sandbox.counters().requests_to("POST /v1/support"),
        2,
        "one opened, one refused by the sandbox, none by the helper"
    );
}

/// The main job's shortcut is exact: the SIMs under 20% found by reading
/// quotas only where the list's `quota_status` does not rule them out are the
/// SIMs a read of every quota finds, at a fraction of the calls, also after
/// top-ups changed some SIMs' quotas.
#[tokio::test]
async fn low_data_sims_equal_a_brute_force_check_at_a_fraction_of_the_calls() {
    let sandbox = Sandbox::builder()
        .sims(1_000)
        .seed(21)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    // Top up a few low SIMs so that the list's statuses had to follow.
    let brute = |client: Client| async move {
        let sims: Vec<types::Sim> = client.all_sims().collect().await.unwrap();
        let mut low = BTreeSet::new();
        for sim in sims {
            let iccid = sim.iccid.unwrap();
            let quota = client.data_quota_of(&iccid).await.unwrap();
            if *quota.volume.unwrap() / *quota.total_volume.unwrap() < 0.2 {
                low.insert(iccid);
            }
        }
        low
    };
    let before = brute(client.clone()).await;
    assert!(
        before.len() > 50,
        "the seeded fleet has low SIMs: {}",
        before.len()
    );
    for iccid in before.iter().take(5) {
        client.top_up(iccid, None).await.unwrap();
    }
    let truth = brute(client.clone()).await;
    assert!(
        truth.len() < before.len(),
        "top-ups lifted some SIMs over 20%"
    );

    let reads_before = sandbox
        .counters()
        .requests_to("GET /v1/sims/{iccid}/quota/data");
    let report = client.low_data_report(0.2).await.unwrap();
    let found: BTreeSet<String> = report
        .low
        .iter()
        .map(|s| s.sim.iccid.clone().unwrap())
        .collect();
    assert_eq!(found, truth, "exactly the SIMs a brute-force check finds");
    assert_eq!(report.sims, 1_000);
    let reads = sandbox
        .counters()
        .requests_to("GET /v1/sims/{iccid}/quota/data")
        - reads_before;
    assert_eq!(reads, report.quota_reads);
    assert!(
        report.calls() * 3 < 1_000,
        "{} calls where one per SIM would be 1,000",
        report.calls()
    );
    // A share above what the list can tell needs every quota.
    let all = client.low_data_report(0.5).await.unwrap();
    assert_eq!(all.quota_reads, 1_000);
}

/// Bulk changes read the SIMs' current values the cheaper way: 300 of a
/// 1,000-SIM fleet from the list's 10 pages, not 300 single reads; 2 SIMs by
/// single reads. Labels and IMEI locks are kept and only the SIMs asked for
/// are touched.
#[tokio::test]
async fn bulk_changes_read_state_from_the_list_when_it_is_cheaper() {
    let sandbox = Sandbox::builder()
        .sims(1_000)
        .seed(8)
        .change_delay(Duration::from_millis(1))
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    let before: Vec<types::Sim> = client.all_sims().collect().await.unwrap();
    let lists_before = sandbox.counters().requests_to("GET /v1/sims");
    let chosen: Vec<String> = (100..400).map(|i| sandbox.iccid(i)).collect();
    client.disable_sims(&chosen).await.unwrap();
    let counters = sandbox.counters();
    assert_eq!(
        counters.requests_to("GET /v1/sims/{iccid}"),
        0,
        "no single reads"
    );
    // Pages up to the last SIM wanted, plus what the pager's read-ahead had
    // in flight; never more than the list's 10 pages.
    let pages = counters.requests_to("GET /v1/sims") - lists_before;
    assert!((4..=8).contains(&pages), "{pages} list pages");
    assert_eq!(
        counters.requests_to("POST /v1/sims"),
        3,
        "three bulk chunks of 100"
    );

    client
        .disable_sims([sandbox.iccid(500), sandbox.iccid(501)])
        .await
        .unwrap();
    assert_eq!(sandbox.counters().requests_to("GET /v1/sims/{iccid}"), 2);

    eventually(|| async {
        let after: Vec<types::Sim> = client.all_sims().collect().await.unwrap();
        after.iter().zip(&before).all(|(now, then)| {
            let index: u64 = now.iccid.as_ref().unwrap()[14..].parse().unwrap();
            let asked = (100..400).contains(&index) || index == 500 || index == 501;
            let status_ok = if asked {
                now.status == Some(types::SimStatus::Disabled)
            } else {
                now.status == then.status
            };
            status_ok && now.label == then.label && now.imei_lock == then.imei_lock
        })
    })
    .await;
}

/// A bulk job stopped after its first chunk (as Ctrl-C stops it) resumes
/// from its journal: the rest is applied, nothing twice, nothing missed.
#[tokio::test]
async fn an_interrupted_bulk_job_resumes_from_its_journal() {
    let sandbox = Sandbox::builder()
        .sims(1_000)
        .seed(12)
        .change_delay(Duration::from_millis(1))
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let client = unlimited(&sandbox);
    let dir = std::env::temp_dir().join(format!("onence-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("disable.journal");
    let _ = std::fs::remove_file(&path);
    let wanted: Vec<String> = (0..350).map(|i| sandbox.iccid(i * 2)).collect();

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut stop = Some(stop);
    let mut journal = onence::jobs::Journal::open(&path, "disable").unwrap();
    let mut seen = Vec::new();
    let first = client
        .bulk(onence::jobs::BulkChange::Disable, &wanted)
        .unwrap()
        .journal(&mut journal)
        .on_progress(|p| {
            seen.push((p.done, p.calls_left));
            if p.done >= 100 {
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
    assert!(first.stopped);
    assert_eq!((first.applied, first.skipped), (100, 0));
    assert_eq!(
        seen,
        vec![(0, 4), (100, 3)],
        "progress from the plan: 4 chunks"
    );
    drop(journal);

    let mut journal = onence::jobs::Journal::open(&path, "disable").unwrap();
    assert_eq!(
        journal.applied(),
        100,
        "the journal on disk holds the first chunk"
    );
    let second = client
        .bulk(onence::jobs::BulkChange::Disable, &wanted)
        .unwrap()
        .journal(&mut journal)
        .run()
        .await
        .unwrap();
    assert!(!second.stopped);
    assert_eq!((second.applied, second.skipped), (250, 100));
    assert_eq!(
        sandbox.counters().requests_to("POST /v1/sims"),
        4,
        "350 SIMs in 4 chunks: none sent twice"
    );
    let err = onence::jobs::Journal::open(&path, "enable").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(
        err.to_string().contains("belongs to the job"),
        "another job's journal is refused: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A billed chunk whose answer was lost is recorded as unknown and never
/// sent again from the journal.
#[tokio::test]
async fn a_top_up_chunk_with_a_lost_answer_is_never_resent_from_the_journal() {
    let sandbox = Sandbox::builder()
        .sims(10)
        .seed(13)
        .faults(
            Faults::none()
                .with_late_rate(1.0, Duration::from_secs(5))
                .with_routes(["POST /v1/sims/topup"]),
        )
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .request_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let path = std::env::temp_dir().join(format!("onence-topup-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let wanted: Vec<String> = (0..3).map(|i| sandbox.iccid(i)).collect();
    for run in 0..2 {
        let mut journal = onence::jobs::Journal::open(&path, "top-up").unwrap();
        let report = client
            .bulk(onence::jobs::BulkChange::TopUp(None), &wanted)
            .unwrap()
            .journal(&mut journal)
            .run()
            .await
            .unwrap();
        if run == 0 {
            assert_eq!(report.unknown.len(), 3, "{report:?}");
        } else {
            assert_eq!((report.applied, report.skipped), (0, 3));
        }
    }
    let counters = sandbox.counters();
    assert_eq!(
        counters.requests_to("POST /v1/sims/topup"),
        1,
        "billed once at most"
    );
    assert_eq!(counters.top_ups_applied, 3);
    let _ = std::fs::remove_file(&path);
}
