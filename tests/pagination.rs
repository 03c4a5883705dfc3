//! Streams over paged lists: order, totals, loop guards, concurrency.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::TryStreamExt;
use onence::{Client, ErrorKind};
use support::{client, Reply, Scripted};

const ICCID: &str = "8988280666000000000";

fn iccid(n: usize) -> String {
    format!("89882806660000{n:05}")
}

/// A fleet of `size` SIMs served page by page; `headers` decides the paging headers of each answer.
fn fleet(
    server: &Scripted,
    size: usize,
    headers: impl Fn(usize, usize) -> Vec<(String, String)> + Send + Sync + 'static,
) {
    server.route(move |r| {
        if !r.path.starts_with("/v1/sims?") {
            return None;
        }
        let page: usize = r.query("page")?.parse().ok()?;
        let per: usize = r.query("pageSize")?.parse().ok()?;
        let items: Vec<serde_json::Value> = ((page - 1) * per..(page * per).min(size))
            .map(|n| serde_json::json!({ "iccid": iccid(n), "status": "Enabled" }))
            .collect();
        let mut reply = Reply::json(200, serde_json::Value::Array(items));
        for (k, v) in headers(page, per) {
            reply = reply.header(&k, &v);
        }
        Some(reply)
    });
}

fn paging_headers(size: usize) -> impl Fn(usize, usize) -> Vec<(String, String)> {
    move |page, per| {
        vec![
            ("X-Total-Pages".into(), size.div_ceil(per).to_string()),
            ("X-Total-Count".into(), size.to_string()),
            ("X-Current-Page".into(), page.to_string()),
            ("X-Count-Per-Page".into(), per.to_string()),
        ]
    }
}

async fn all_iccids(client: &Client, page_size: u64) -> Vec<String> {
    let sims: Vec<_> = client
        .all_sims()
        .page_size(page_size)
        .stream()
        .try_collect()
        .await
        .unwrap();
    sims.into_iter().map(|s| s.iccid.unwrap()).collect()
}

#[tokio::test]
async fn three_pages_with_headers() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 5, paging_headers(5));
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..5).map(iccid).collect::<Vec<_>>()
    );
    assert_eq!(server.count("/v1/sims"), 3);
}

#[tokio::test]
async fn missing_headers_page_sequentially_until_a_short_page() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 5, |_, _| vec![]);
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..5).map(iccid).collect::<Vec<_>>()
    );
    assert_eq!(server.count("/v1/sims"), 3);
}

#[tokio::test]
async fn x_total_pages_zero_with_items_pages_until_an_empty_page() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 4, |_, _| {
        vec![("X-Total-Pages".into(), "0".into())]
    });
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..4).map(iccid).collect::<Vec<_>>()
    );
    assert_eq!(
        server.count("/v1/sims"),
        3,
        "pages 1 and 2 full, page 3 empty"
    );
}

#[tokio::test]
async fn a_total_too_small_for_the_items_does_not_stop_early() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 7, |_, _| {
        vec![("X-Total-Pages".into(), "1".into())]
    });
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..7).map(iccid).collect::<Vec<_>>()
    );
}

/// The case: a credible-looking total (more than one page) that is
/// smaller than the truth. Every item comes, each once, in order.
#[tokio::test]
async fn a_total_smaller_than_the_truth_reads_on_until_a_short_page() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 11, |_, _| {
        vec![("X-Total-Pages".into(), "2".into())]
    });
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..11).map(iccid).collect::<Vec<_>>()
    );
    assert_eq!(server.count("/v1/sims"), 6, "pages 1-5 full, page 6 short");
}

/// A last page that is exactly full: with the API's item count the walk
/// knows it is complete; with only a page total it confirms with one more
/// (empty) request, the price of never stopping early.
#[tokio::test]
async fn an_exactly_full_last_page_ends_the_walk_when_the_count_says_so() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 4, paging_headers(4));
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..4).map(iccid).collect::<Vec<_>>()
    );
    assert_eq!(server.count("/v1/sims"), 2, "the count is reached");

    let server = Scripted::start().await;
    let client = support::client(&server);
    fleet(&server, 4, |_, _| {
        vec![("X-Total-Pages".into(), "2".into())]
    });
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..4).map(iccid).collect::<Vec<_>>()
    );
    assert_eq!(
        server.count("/v1/sims"),
        3,
        "no count: one more page to be sure"
    );
}

/// A pager's call counter says what the walk cost, exactly as the server
/// counted it: the confirming call of a full last page included, a single
/// page read counted once.
#[tokio::test]
async fn the_call_counter_counts_every_call_the_walk_makes() {
    for (headers, sent) in [(true, 2), (false, 3)] {
        let server = Scripted::start().await;
        let client = support::client(&server);
        if headers {
            fleet(&server, 4, paging_headers(4));
        } else {
            fleet(&server, 4, |_, _| {
                vec![("X-Total-Pages".into(), "2".into())]
            });
        }
        let pager = client.all_sims().page_size(2);
        let calls = pager.call_counter();
        assert_eq!(calls.get(), 0, "nothing before it streams");
        let sims = pager.collect().await.unwrap();
        assert_eq!(sims.len(), 4);
        assert_eq!(calls.get(), sent);
        assert_eq!(server.count("/v1/sims"), sent as usize);
    }
    let server = Scripted::start().await;
    let client = support::client(&server);
    fleet(&server, 4, paging_headers(4));
    let pager = client.all_sims().page_size(2);
    let calls = pager.call_counter();
    pager.page(2).await.unwrap();
    assert_eq!((calls.get(), server.count("/v1/sims")), (1, 1));
}

/// Pages that alternate A, B, A, B... are caught at the first repeat of any
/// earlier page, not only of the one before.
#[tokio::test]
async fn pages_that_cycle_are_an_error_not_an_endless_stream() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        let page: usize = r.query("page")?.parse().ok()?;
        let first = if page % 2 == 1 { 0 } else { 2 };
        r.path.starts_with("/v1/sims?").then(|| {
            Reply::json(
                200,
                serde_json::json!([{ "iccid": iccid(first) }, { "iccid": iccid(first + 1) }]),
            )
            .header("X-Total-Pages", "1000")
        })
    });
    let mut seen = Vec::new();
    let mut stream = std::pin::pin!(client.all_sims().page_size(2).concurrency(1).stream());
    let err = loop {
        match stream.try_next().await {
            Ok(Some(sim)) => seen.push(sim.iccid.unwrap()),
            Ok(None) => panic!("the stream ended without an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("repeats page 1"), "{err}");
    assert_eq!(seen, (0..4).map(iccid).collect::<Vec<_>>(), "no item twice");
}

#[tokio::test]
async fn order_is_preserved_when_pages_arrive_out_of_order() {
    let server = Scripted::start().await;
    let client = client(&server);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (now, most) = (in_flight.clone(), peak.clone());
    // Later pages answer sooner.
    server.route(move |r| {
        if !r.path.starts_with("/v1/sims?") {
            return None;
        }
        let page: usize = r.query("page")?.parse().ok()?;
        let current = now.fetch_add(1, Ordering::SeqCst) + 1;
        most.fetch_max(current, Ordering::SeqCst);
        // Ten pages of three; past the end, an empty page, as the API answers.
        let items: Vec<serde_json::Value> = (0..3)
            .filter(|_| page <= 10)
            .map(|i| serde_json::json!({ "iccid": iccid((page - 1) * 3 + i) }))
            .collect();
        let now = now.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(60));
            now.fetch_sub(1, Ordering::SeqCst);
        });
        Some(Reply::Delayed(
            Duration::from_millis(if page == 1 {
                0
            } else {
                12u64.saturating_sub(page as u64) * 5
            }),
            Box::new(
                Reply::json(200, serde_json::Value::Array(items)).header("X-Total-Pages", "10"),
            ),
        ))
    });
    let got: Vec<String> = client
        .all_sims()
        .page_size(3)
        .concurrency(4)
        .stream()
        .map_ok(|s| s.iccid.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, (0..30).map(iccid).collect::<Vec<_>>());
    assert!(
        peak.load(Ordering::SeqCst) > 1,
        "pages were fetched concurrently"
    );
}

#[tokio::test]
async fn a_server_that_ignores_paging_is_an_error_not_a_loop() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        r.path.starts_with("/v1/sims?").then(|| {
            Reply::json(
                200,
                serde_json::json!([{ "iccid": iccid(0) }, { "iccid": iccid(1) }]),
            )
        })
    });
    let err = client.all_sims().page_size(2).collect().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert_eq!(err.operation(), Some("list_sims"));
    assert_eq!(server.count("/v1/sims"), 2);
}

#[tokio::test]
async fn max_pages_bounds_a_walk() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 100, |_, _| vec![]);
    let err = client
        .all_sims()
        .page_size(2)
        .max_pages(5)
        .collect()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(server.count("/v1/sims") <= 6);
}

#[tokio::test]
async fn events_page_by_the_totals_in_the_body() {
    let server = Scripted::start().await;
    let client = client(&server);
    server.route(|r| {
        if !r.path.starts_with(&format!("/v1/sims/{ICCID}/events")) {
            return None;
        }
        let page: usize = r.query("page")?.parse().ok()?;
        let events: Vec<serde_json::Value> = (0..if page < 3 { 2 } else { 1 })
            .map(|i| serde_json::json!({ "timestamp": "2018-05-07T14:08:05.000+0000", "event_type": format!("e{page}.{i}") }))
            .collect();
        Some(Reply::json(200, serde_json::json!({ "events": events, "totalPages": 3, "totalEvents": 5 })))
    });
    let pager = client.all_sim_events(ICCID).page_size(2);
    let first = pager.page(1).await.unwrap();
    assert_eq!((first.total_pages, first.total_count), (Some(3), Some(5)));
    let kinds: Vec<String> = pager
        .stream()
        .map_ok(|e| e.event_type.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(kinds, ["e1.0", "e1.1", "e2.0", "e2.1", "e3.0"]);
}

#[tokio::test]
async fn a_single_page_exposes_the_totals() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 250, paging_headers(250));
    let page = client.all_sims().page(2).await.unwrap();
    assert_eq!(page.page, 2);
    assert_eq!(page.items.len(), 100);
    assert_eq!((page.total_pages, page.total_count), (Some(3), Some(250)));
}

#[tokio::test]
async fn filter_and_sort_reach_the_api_under_its_own_names() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 1, paging_headers(1));
    client
        .all_sims()
        .filter("imei:4711")
        .sort("-imei")
        .collect()
        .await
        .unwrap();
    let request = server
        .received()
        .into_iter()
        .find(|r| r.path.starts_with("/v1/sims?"))
        .unwrap();
    assert_eq!(request.query("q").as_deref(), Some("imei:4711"));
    assert_eq!(request.query("sort").as_deref(), Some("-imei"));
    assert_eq!(request.query("pageSize").as_deref(), Some("100"));
}

#[tokio::test]
async fn invalid_input_makes_no_request() {
    let server = Scripted::start().await;
    let client = client(&server);
    let errors = [
        client.all_sims().page_size(0).collect().await.unwrap_err(),
        client
            .all_sims()
            .page_size(101)
            .collect()
            .await
            .unwrap_err(),
        client
            .all_orders()
            .page_size(11)
            .collect()
            .await
            .unwrap_err(),
        client
            .all_orders()
            .filter("x:y")
            .collect()
            .await
            .unwrap_err(),
        client
            .all_sim_events("../orders")
            .collect()
            .await
            .unwrap_err(),
        client.all_sms("123").page(1).await.unwrap_err(),
        client.all_sims().page(0).await.unwrap_err(),
    ];
    for err in &errors {
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
    assert!(errors[1].to_string().contains("101"), "{}", errors[1]);
    assert!(errors[4].to_string().contains("../orders"), "{}", errors[4]);
    assert!(server.received().is_empty());
}

/// Headers at their extremes never panic and never cost an item: totals of
/// 2^64-1 or below zero, and a `Retry-After` of 2^64-1 seconds (waited at most
/// the policy's longest wait).
#[tokio::test]
async fn extreme_header_values_never_panic() {
    let server = Scripted::start().await;
    let client = client(&server);
    fleet(&server, 5, |_, _| {
        vec![
            ("X-Total-Pages".into(), u64::MAX.to_string()),
            ("X-Total-Count".into(), "-1".into()),
            ("X-Current-Page".into(), "99999999999999999999999".into()),
        ]
    });
    assert_eq!(
        all_iccids(&client, 2).await,
        (0..5).map(iccid).collect::<Vec<_>>()
    );

    let server = Scripted::start().await;
    let client = onence::Client::builder()
        .base_url(&server.base_url)
        .rate_limits(onence::config::RateLimits::none())
        .retry_policy(
            onence::config::RetryPolicy::standard()
                .with_max_attempts(2)
                .with_max_delay(std::time::Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    server.then([
        Reply::status(503).header("retry-after", &u64::MAX.to_string()),
        Reply::json(200, serde_json::json!([])),
    ]);
    let sims = client.list_sims().send().await.unwrap();
    assert!(sims.is_empty());
}
