//! The everyday helpers on the wire.

mod support;

use chrono::NaiveDate;
use onence::models::PaymentMethod;
use onence::{types, ErrorKind};
use support::{client, Reply, Scripted};

const ICCID: &str = "8988280666000000000";

/// SIMs answer GET with their current state: disabled, labelled, IMEI-locked;
/// the list holds 150 of them (`89882806660000000` to `…149`), paged.
fn locked_labelled_sims(server: &Scripted) {
    let sim = |iccid: &str| serde_json::json!({ "iccid": iccid, "status": "Disabled", "label": "pump-7", "imei_lock": true });
    server.route(move |r| {
        (r.method == "GET" && r.path.starts_with("/v1/sims/"))
            .then(|| Reply::json(200, sim(r.path.trim_start_matches("/v1/sims/"))))
    });
    server.route(move |r| {
        if !(r.method == "GET" && r.path.starts_with("/v1/sims?")) {
            return None;
        }
        let page: usize = r.query("page")?.parse().ok()?;
        let per: usize = r.query("pageSize")?.parse().ok()?;
        let items: Vec<serde_json::Value> = ((page - 1) * per..(page * per).min(150))
            .map(|n| sim(&format!("89882806660000{n:05}")))
            .collect();
        Some(Reply::json(200, serde_json::Value::Array(items)).header("X-Total-Count", "150"))
    });
}

/// An order of one product 1001.
fn one_product_order() -> types::NewOrder {
    types::NewOrder {
        products: vec![types::OrderedProduct {
            product_id: Some(1001),
            quantity: std::num::NonZeroU64::new(1),
        }],
        customer_reference: None,
        delivery_address: None,
    }
}

fn writes(server: &Scripted) -> Vec<support::Received> {
    server
        .received()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path.starts_with("/v1/"))
        .collect()
}

#[tokio::test]
async fn enabling_a_sim_keeps_its_label_and_imei_lock() {
    let server = Scripted::start().await;
    let client = client(&server);
    locked_labelled_sims(&server);
    server.route(|r| (r.method == "PUT").then(|| Reply::status(200)));
    client.enable_sim(ICCID).await.unwrap();
    let put = &writes(&server)[0];
    assert_eq!(put.path, format!("/v1/sims/{ICCID}"));
    assert_eq!(
        put.json(),
        serde_json::json!({ "iccid": ICCID, "status": "Enabled", "label": "pump-7", "imei_lock": true })
    );
}

/// A status nobody documented cannot be written back: a label change must not
/// enable (or disable) such a SIM on the side, so it is refused before any
/// write; enabling or disabling it explicitly still works.
#[tokio::test]
async fn a_sim_in_an_unseen_state_is_never_switched_as_a_side_effect() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        (r.method == "GET" && r.path.starts_with("/v1/sims/")).then(|| {
            Reply::json(
                200,
                serde_json::json!({ "iccid": ICCID, "status": "Suspended", "label": "pump-7" }),
            )
        })
    });
    server.route(|r| (r.method == "PUT").then(|| Reply::status(200)));
    let err = client.set_sim_label(ICCID, "pump-8").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("\"Suspended\""), "{err}");
    let err = client.set_sims_imei_lock(&[ICCID], true).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("\"Suspended\""), "{err}");
    assert!(writes(&server).is_empty(), "nothing was written");
    client.disable_sim(ICCID).await.unwrap();
    assert_eq!(writes(&server)[0].json()["status"], "Disabled");
}

#[tokio::test]
async fn labelling_a_sim_keeps_its_status_and_imei_lock() {
    let server = Scripted::start().await;
    let client = client(&server);
    locked_labelled_sims(&server);
    server.route(|r| (r.method == "PUT").then(|| Reply::status(200)));
    client.set_sim_label(ICCID, "pump-8").await.unwrap();
    client.set_sim_imei_lock(ICCID, false).await.unwrap();
    let puts = writes(&server);
    assert_eq!(
        puts[0].json(),
        serde_json::json!({ "iccid": ICCID, "status": "Disabled", "label": "pump-8", "imei_lock": true })
    );
    assert_eq!(
        puts[1].json(),
        serde_json::json!({ "iccid": ICCID, "status": "Disabled", "label": "pump-7", "imei_lock": false })
    );
}

#[tokio::test]
async fn bulk_changes_go_in_chunks_of_a_hundred() {
    let server = Scripted::start().await;
    let client = client(&server);
    locked_labelled_sims(&server);
    server.route(|r| (r.method == "POST" && r.path == "/v1/sims").then(|| Reply::status(201)));
    let iccids: Vec<String> = (0..150).map(|n| format!("89882806660000{n:05}")).collect();
    client.enable_sims(&iccids).await.unwrap();
    let posts = writes(&server);
    assert_eq!(posts.len(), 2);
    let first = posts[0].json();
    let second = posts[1].json();
    assert_eq!(first.as_array().unwrap().len(), 100);
    assert_eq!(second.as_array().unwrap().len(), 50);
    assert_eq!(
        first[0],
        serde_json::json!({ "iccid": iccids[0], "status": "Enabled", "label": "pump-7", "imei_lock": true })
    );
    assert_eq!(second[49]["iccid"], serde_json::json!(iccids[149]));
    // 150 SIMs wanted, 2 list pages: read from the list, none one by one.
    let reads = |prefix: &str| {
        server
            .received()
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with(prefix))
            .count()
    };
    assert_eq!(reads("/v1/sims?"), 2);
    assert_eq!(reads("/v1/sims/"), 0);
}

#[tokio::test]
async fn a_failed_chunk_says_how_many_sims_were_queued_before_it() {
    let server = Scripted::start().await;
    let client = client(&server);
    locked_labelled_sims(&server);
    server.then([
        Reply::status(201),
        // A GET would be retried on a 503; a write that may have been acted on is not.
        Reply::json(503, serde_json::json!({ "message": "Service Unavailable" })),
    ]);
    let iccids: Vec<String> = (0..150).map(|n| format!("89882806660000{n:05}")).collect();
    let err = client.disable_sims(&iccids).await.unwrap_err();
    assert!(err.to_string().contains("chunk 2 of 2"), "{err}");
    assert!(
        err.to_string().contains("100 SIMs before it were queued"),
        "{err}"
    );
    assert_eq!(writes(&server).len(), 2, "nothing is sent twice");
}

#[tokio::test]
async fn sending_an_sms_returns_its_id_from_location() {
    let server = Scripted::start().await;
    let client = client(&server);
    let location = format!("{}/v1/sims/{ICCID}/sms/590", server.base_url);
    server.then([Reply::status(201).header("location", &location)]);
    let message = types::SmsMessage {
        payload: Some("reboot".into()),
        source_address: Some("1234567890".into()),
        ..Default::default()
    };
    assert_eq!(
        client.send_sms_message(ICCID, message).await.unwrap(),
        Some(onence::models::SmsId::from(590))
    );
    let post = &writes(&server)[0];
    assert_eq!(post.path, format!("/v1/sims/{ICCID}/sms"));
    assert_eq!(
        post.json(),
        serde_json::json!({ "payload": "reboot", "source_address": "1234567890" })
    );
}

#[tokio::test]
async fn a_top_up_returns_the_order_number_from_location() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        (r.method == "POST" && r.path.contains("topup")).then(|| {
            Reply::status(201).header(
                "location",
                "https://api.1nce.com/management-api/v1/orders/2000000042",
            )
        })
    });
    assert_eq!(
        client
            .top_up(ICCID, Some(PaymentMethod::Creditcard))
            .await
            .unwrap(),
        Some(2000000042)
    );
    assert_eq!(
        client
            .top_up_many(&[ICCID, "8988280666000000001"], None)
            .await
            .unwrap(),
        Some(2000000042)
    );
    let posts = writes(&server);
    assert_eq!(
        posts[0].path,
        format!("/v1/sims/{ICCID}/topup?payment_method=creditcard")
    );
    assert_eq!(posts[1].path, "/v1/sims/topup");
    assert_eq!(
        posts[1].json(),
        serde_json::json!([ICCID, "8988280666000000001"])
    );
}

/// The documents declare no `Location` header, and mocks built from them send
/// none: the write happened all the same, so it is a success without an id,
/// never an error a caller would answer by paying twice.
#[tokio::test]
async fn a_success_without_location_is_a_success_without_an_id() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.then([
        Reply::status(201),
        Reply::status(201),
        Reply::status(200),
        Reply::status(201),
        Reply::status(201).header("location", "/v1/orders/not-a-number"),
        Reply::json(200, serde_json::json!({ "order_number": {} })),
    ]);
    let sms = types::SmsMessage {
        payload: Some("reboot".into()),
        ..Default::default()
    };
    assert_eq!(client.send_sms_message(ICCID, sms).await.unwrap(), None);
    assert_eq!(client.top_up(ICCID, None).await.unwrap(), None);
    assert_eq!(client.top_up_many(&[ICCID], None).await.unwrap(), None);
    assert_eq!(client.place_order(one_product_order()).await.unwrap(), None);
    assert_eq!(client.top_up(ICCID, None).await.unwrap(), None);
    assert_eq!(client.place_order(one_product_order()).await.unwrap(), None);
    assert_eq!(writes(&server).len(), 6, "each write sent exactly once");
}

#[tokio::test]
async fn quotas_are_read() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        r.path.ends_with("/quota/data").then(|| {
            Reply::json(200, serde_json::json!({ "volume": 435.787951, "total_volume": 500, "expiry_date": "2029-01-01 00:00:00" }))
        })
    });
    let quota = client.data_quota_of(ICCID).await.unwrap();
    assert_eq!(quota.volume.map(|v| v.get()), Some(435.787951));
    assert_eq!(quota.total_volume.map(|v| v.get()), Some(500.0));
}

#[tokio::test]
async fn usage_is_read_with_lenient_dates_and_the_total_apart() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        r.path.contains("/usage").then(|| {
            Reply::json(200, serde_json::json!({ "stats": [
                { "date": "2021-06-29T00:00:00.000Z", "data": { "volume": "1.5" }, "sms": { "volume": "2" } },
                { "date": "2021-06-30 00:00:00", "data": { "volume": "0.25" } },
                { "date": "2021-07-01T00:00:00.000+0000" },
                { "date": "TOTAL", "data": { "volume": "1.75" }, "sms": { "volume": "2" } }
            ]}))
        })
    });
    let from = NaiveDate::from_ymd_opt(2021, 6, 29).unwrap();
    let to = NaiveDate::from_ymd_opt(2021, 7, 1).unwrap();
    let report = client.usage_between(ICCID, from, to).await.unwrap();
    let request = server
        .received()
        .into_iter()
        .find(|r| r.path.contains("/usage"))
        .unwrap();
    assert_eq!(request.query("start_dt").as_deref(), Some("2021-06-29"));
    assert_eq!(request.query("end_dt").as_deref(), Some("2021-07-01"));
    assert_eq!(report.days.len(), 3);
    let days: Vec<String> = report
        .days
        .iter()
        .map(|d| d.date.unwrap().format("%Y-%m-%d").to_string())
        .collect();
    assert_eq!(days, ["2021-06-29", "2021-06-30", "2021-07-01"]);
    assert_eq!(report.days[0].data_mb(), Some(1.5));
    assert_eq!(report.days[0].sms_count(), Some(2.0));
    assert_eq!(
        report.total.unwrap().data.unwrap().volume.as_deref(),
        Some("1.75")
    );
}

#[tokio::test]
async fn invalid_input_makes_no_request() {
    let server = Scripted::start().await;
    let client = client(&server);
    let day = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    let sms = types::SmsMessage {
        payload: Some("hi".into()),
        ..Default::default()
    };
    let errors = [
        client.enable_sim("89882806660000000x0").await.unwrap_err(),
        client.disable_sims(Vec::<String>::new()).await.unwrap_err(),
        client
            .set_sims_imei_lock(&[ICCID, "bad"], true)
            .await
            .unwrap_err(),
        client
            .send_sms_message(ICCID, types::SmsMessage::default())
            .await
            .unwrap_err(),
        client.send_sms_message("../orders", sms).await.unwrap_err(),
        client.top_up("", None).await.unwrap_err(),
        client.top_up_many(&["1"], None).await.unwrap_err(),
        client
            .usage_between(ICCID, day, day.pred_opt().unwrap())
            .await
            .unwrap_err(),
        client.data_quota_of("x").await.unwrap_err(),
    ];
    for err in &errors {
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.operation().is_some(), "{err}");
    }
    assert!(errors[2].to_string().contains("item 2"), "{}", errors[2]);
    assert!(errors[3].to_string().contains("payload"), "{}", errors[3]);
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn many_sims_get_their_own_labels() {
    let server = Scripted::start().await;
    let client = client(&server);
    locked_labelled_sims(&server);
    server.route(|r| (r.method == "POST" && r.path == "/v1/sims").then(|| Reply::status(201)));
    client
        .set_sim_labels(&[(ICCID, "north"), ("8988280666000000001", "south")])
        .await
        .unwrap();
    let body = writes(&server)[0].json();
    assert_eq!(
        body[0],
        serde_json::json!({ "iccid": ICCID, "status": "Disabled", "label": "north", "imei_lock": true })
    );
    assert_eq!(body[1]["label"], "south");
}

#[tokio::test]
async fn placing_an_order_returns_its_number_from_location_or_body() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.then([
        Reply::status(201).header(
            "location",
            "https://api.1nce.com/management-api/v1/orders/2000000007",
        ),
        Reply::json(
            200,
            serde_json::json!({ "order_number": "2000000008", "products": [] }),
        ),
    ]);
    assert_eq!(
        client.place_order(one_product_order()).await.unwrap(),
        Some(2000000007)
    );
    assert_eq!(
        client.place_order(one_product_order()).await.unwrap(),
        Some(2000000008)
    );
    let empty = types::NewOrder {
        products: vec![],
        customer_reference: None,
        delivery_address: None,
    };
    assert_eq!(
        client.place_order(empty).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(writes(&server).len(), 2);
}

/// Every helper's future can be spawned: `Send + 'static` once its inputs are
/// owned, so fleet code can fan out with `tokio::spawn`.
#[tokio::test]
async fn every_helper_future_is_spawnable() {
    let server = Scripted::start().await;
    let client = client(&server);
    locked_labelled_sims(&server);
    server.route(|r| (r.method != "GET").then(|| Reply::status(201)));
    server.route(|r| {
        r.path
            .contains("/quota/")
            .then(|| Reply::json(200, serde_json::json!({ "volume": 1 })))
    });
    let iccid = onence::Iccid::new(ICCID).unwrap();
    let many = vec![
        iccid.clone(),
        onence::Iccid::new("8988280666000000001").unwrap(),
    ];
    let sms = || types::SmsMessage {
        payload: Some("ping".into()),
        ..Default::default()
    };
    let owned = || (client.clone(), iccid.clone(), many.clone());
    let mut handles: Vec<tokio::task::JoinHandle<Result<(), onence::Error>>> = Vec::new();
    macro_rules! spawn {
        (|$client:ident, $iccid:ident, $many:ident| $call:expr) => {{
            let ($client, $iccid, $many) = owned();
            let _ = (&$iccid, &$many);
            handles.push(tokio::spawn(async move { $call.await.map(|_| ()) }));
        }};
    }
    let today = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    spawn!(|c, i, m| c.enable_sim(i));
    spawn!(|c, i, m| c.disable_sim(i));
    spawn!(|c, i, m| c.set_sim_label(i, "pump"));
    spawn!(|c, i, m| c.set_sim_imei_lock(i, true));
    spawn!(|c, i, m| c.enable_sims(m));
    spawn!(|c, i, m| c.disable_sims(m));
    spawn!(|c, i, m| c.set_sims_imei_lock(m, false));
    spawn!(|c, i, m| c.set_sim_labels(&[(ICCID, "a"), ("8988280666000000001", "b")]));
    spawn!(|c, i, m| c.send_sms_message(i, sms()));
    spawn!(|c, i, m| c.send_sms_checked(i, sms()));
    spawn!(|c, i, m| c.top_up(i, None));
    spawn!(|c, i, m| c.top_up_checked(i, None));
    spawn!(|c, i, m| c.top_up_many(m, None));
    spawn!(|c, i, m| c.data_quota_of(i));
    spawn!(|c, i, m| c.sms_quota_of(i));
    spawn!(|c, i, m| c.usage_between(i, today, today));
    spawn!(|c, i, m| c.all_sims().collect());
    spawn!(|c, i, m| c.all_sms(i).collect());
    for handle in handles {
        let _ = handle.await.expect("the spawned helper ran");
    }
}

/// A dry-run client reads as usual and hands every write to its sink,
/// exactly as it would be sent, without sending it.
#[tokio::test]
async fn a_dry_run_client_sends_reads_and_only_plans_writes() {
    let server = Scripted::start().await;
    server.route(|r| {
        r.path
            .ends_with("/oauth/token")
            .then(|| support::token("tok", 3600))
    });
    server.route(|r| {
        r.path
            .contains("/quota/")
            .then(|| Reply::json(200, serde_json::json!({ "volume": 1, "total_volume": 10 })))
    });
    let planned = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = planned.clone();
    let client = onence::Client::builder()
        .base_url(&server.base_url)
        .credentials(onence::Credentials::api_user("1234_api-user", "secret"))
        .rate_limits(onence::config::RateLimits::none())
        .dry_run(move |w| seen.lock().unwrap().push(w.to_string()))
        .build()
        .unwrap();
    let checked = client
        .top_up_checked(ICCID, Some(PaymentMethod::Creditcard))
        .await
        .unwrap();
    assert_eq!(checked, onence::jobs::Checked::Done { id: None });
    assert_eq!(
        *planned.lock().unwrap(),
        vec![format!(
            "POST /v1/sims/{ICCID}/topup?payment_method=creditcard"
        )]
    );
    assert!(writes(&server).is_empty(), "no write reached the server");
    assert_eq!(server.count("/quota/data"), 1, "the read before it ran");
}

fn reboot() -> types::SmsMessage {
    types::SmsMessage {
        payload: Some("reboot".into()),
        ..Default::default()
    }
}

/// A 429 is the API refusing a request unprocessed: a POST is sent again,
/// and the second answer is the outcome.
#[tokio::test]
async fn a_post_refused_with_429_is_sent_again() {
    let server = Scripted::start().await;
    let client = client(&server);
    let location = format!("{}/v1/sims/{ICCID}/sms/77", server.base_url);
    server.then([
        Reply::json(429, serde_json::json!({ "message": "Too Many Requests" }))
            .header("retry-after", "0"),
        Reply::status(201).header("location", &location),
    ]);
    assert_eq!(
        client.send_sms_message(ICCID, reboot()).await.unwrap(),
        Some(onence::models::SmsId::from(77))
    );
    assert_eq!(writes(&server).len(), 2, "refused, then sent again");
}

/// How a write's answer breaks off decides its outcome: a 2xx whose body
/// broke off succeeded; a head that broke off, or a failure status whose
/// body broke off, leaves the outcome unknown. None is sent twice, with the
/// standard retries on.
#[tokio::test]
async fn a_write_whose_answer_breaks_off_is_sent_once_and_reported_by_what_was_seen() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.then([
        Reply::Truncated {
            status: 201,
            body: r#"{"id":"#.into(),
        },
        Reply::Raw("HTTP/1.1 201 Crea".into()),
        Reply::Truncated {
            status: 503,
            body: r#"{"mess"#.into(),
        },
        Reply::Drop,
    ]);
    assert_eq!(
        client.send_sms_message(ICCID, reboot()).await.unwrap(),
        None
    );
    assert_eq!(writes(&server).len(), 1);

    let err = client.send_sms_message(ICCID, reboot()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert_eq!(err.operation(), Some("send_sms"));
    assert_eq!(writes(&server).len(), 2);

    let err = client.top_up(ICCID, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert!(err.to_string().contains("HTTP 503"), "{err}");
    assert_eq!(writes(&server).len(), 3);

    let err = client.place_order(one_product_order()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown, "{err}");
    assert_eq!(writes(&server).len(), 4, "each write sent once");
}

/// A connection refused before anything was sent cannot have taken effect:
/// a POST is retried then. The port is closed when the top-up starts and
/// opens a moment later; with the standard retries the top-up goes through
/// once, without them it fails as a network error, not an unknown outcome.
#[tokio::test]
async fn a_post_whose_connection_was_refused_is_retried() {
    let server = Scripted::start().await;
    client(&server); // routes the token requests
    server.route(|r| {
        r.path
            .starts_with("/v1/products")
            .then(|| Reply::json(200, serde_json::json!([])))
    });
    let upstream = server.base_url.trim_start_matches("http://").to_string();
    let (forwarder, port) = Forwarder::open(&upstream, 0).await;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let build = |retries: onence::config::RetryPolicy| {
        onence::Client::builder()
            .base_url(format!("http://127.0.0.1:{port}"))
            .credentials(onence::Credentials::api_user("1234_api-user", "secret"))
            .rate_limits(onence::config::RateLimits::none())
            .http_client(http.clone())
            .retry_policy(retries)
            .build()
            .unwrap()
    };
    let patient = build(
        onence::config::RetryPolicy::standard()
            .with_max_attempts(30)
            .with_base_delay(std::time::Duration::from_millis(50))
            .with_max_delay(std::time::Duration::from_millis(100)),
    );
    let impatient = build(onence::config::RetryPolicy::none());
    // Both have their token: what follows is about the POST alone.
    patient.list_products().send().await.unwrap();
    impatient.list_products().send().await.unwrap();
    forwarder.close().await;

    server.then([Reply::status(201)]);
    let err = impatient.top_up(ICCID, None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "never sent: {err}");

    let top_up = tokio::spawn(async move { patient.top_up(ICCID, None).await });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    assert!(
        !top_up.is_finished(),
        "still retrying while the port is closed"
    );
    let (_forwarder, _) = Forwarder::open(&upstream, port).await;
    assert_eq!(top_up.await.unwrap().unwrap(), None);
    assert_eq!(writes(&server).len(), 1, "sent once it could be");
}

/// A loopback port that forwards every connection to `upstream` while it is
/// open; dropping it closes the port, so connections are refused.
struct Forwarder(tokio::task::JoinHandle<()>);

impl Forwarder {
    async fn open(upstream: &str, port: u16) -> (Forwarder, u16) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let upstream = upstream.to_string();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        (Forwarder(task), port)
    }
}

impl Forwarder {
    /// Closes the port: once this returns, connections are refused.
    async fn close(self) {
        self.0.abort();
        let _ = self.0.await;
    }
}
