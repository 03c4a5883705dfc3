//! SIM Management v2 against the embedded sandbox: every documented
//! operation (v1 and v2) is served, v1 and v2 share one fleet, and v2's
//! own answers (ids in bodies, 409 Conflict, connectivity and quota details).

use std::collections::BTreeSet;
use std::time::Duration;

use onence::config::{RateLimits, RetryPolicy};
use onence::sandbox::Sandbox;
use onence::{v2, Client};
use serde_json::{json, Value};

mod support;
use support::eventually;

/// A sandbox without server-side rate limits (see the last test for those).
async fn sandbox() -> Sandbox {
    Sandbox::builder()
        .sims(25)
        .seed(4)
        .rate_limits(RateLimits::none())
        .change_delay(Duration::from_millis(50))
        .start()
        .await
        .unwrap()
}

fn client(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn spec(file: &str) -> Value {
    let path = format!("{}/spec/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `/v1/sims/{iccid}/sms/{id}` → `/v1/sims/{}/sms/{}`: templates compared by shape.
fn shape(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Each documented operation (of both documents) reaches a route of its own: the
/// sandbox counts each request under the template it matched, and every
/// template of both documents is among them.
#[tokio::test]
async fn every_documented_operation_is_served() {
    let sandbox = sandbox().await;
    let http = reqwest::Client::new();
    let token: Value = support::sandbox_token(&sandbox).await;
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let mut documented = BTreeSet::new();
    for file in [
        "management-api.openapi.json",
        "management-api-v2.openapi.json",
    ] {
        for (template, item) in spec(file)["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let path = template
                    .replace("{iccid}", &sandbox.iccid(0))
                    .replace("{service}", "data")
                    .replace("{order_number}", "2000000001")
                    .replace("{id}", "1");
                let method: reqwest::Method = method.to_uppercase().parse().unwrap();
                let answer = http
                    .request(method.clone(), format!("{}{path}", sandbox.base_url()))
                    .bearer_auth(&bearer)
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .unwrap();
                assert_ne!(answer.status(), 405, "{method} {template}");
                documented.insert(format!("{method} {}", shape(template)));
            }
        }
    }
    assert!(documented.len() > 1, "the documents were read");
    let served: BTreeSet<String> = sandbox
        .counters()
        .requests
        .keys()
        .map(|route| {
            let (method, template) = route.split_once(' ').unwrap();
            format!("{method} {}", shape(template))
        })
        .collect();
    let missing: Vec<&String> = documented.difference(&served).collect();
    assert!(missing.is_empty(), "not routed: {missing:?}");
}

/// v1 and v2 share one fleet: a change made through either reads the same
/// through the other.
#[tokio::test]
async fn v1_and_v2_read_and_change_the_same_sims() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let v2 = client.v2();
    let (a, b) = (sandbox.iccid(3), sandbox.iccid(4));

    // A label set through v1 shows through v2.
    client.set_sim_label(a.as_str(), "pump-7").await.unwrap();
    eventually(|| async {
        let sim = v2.get_sim().iccid(&a).send().await.unwrap().into_inner();
        sim.label.as_deref() == Some("pump-7")
    })
    .await;

    // A SIM disabled through v2 reads disabled through v1, its label kept.
    let update = v2::types::SimUpdate {
        status: Some(v2::types::SimUpdateStatus::Disabled),
        ..Default::default()
    };
    v2.update_sim().iccid(&a).body(update).send().await.unwrap();
    eventually(|| async {
        let sim = client
            .get_sim()
            .iccid(&a)
            .send()
            .await
            .unwrap()
            .into_inner();
        sim.status == Some(onence::types::SimStatus::Disabled)
            && sim.label.as_deref() == Some("pump-7")
    })
    .await;

    // An SMS sent through v2 has an id v1 reads, and the reverse.
    let id = v2
        .send_sms_text(b.as_str(), "via v2")
        .await
        .unwrap()
        .unwrap();
    let sms = client
        .get_sms()
        .iccid(&b)
        .id(id.number().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sms.payload.as_deref(), Some("via v2"));
    // Both versions' helpers take the same values and answer the same id type.
    let id = client
        .send_sms_text(b.as_str(), "via v1")
        .await
        .unwrap()
        .unwrap();
    let sms = v2
        .get_sms()
        .iccid(&b)
        .id(id.number().unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sms.payload.as_deref(), Some("via v1"));
    let listed = v2.list_sms().iccid(&b).send().await.unwrap().into_inner();
    assert_eq!(listed.len(), 2);

    // A top-up through v1 grows the quota v2 reports, accumulated volume included.
    let before = v2
        .get_data_quota()
        .iccid(&b)
        .send()
        .await
        .unwrap()
        .into_inner();
    client.top_up(b.as_str(), None).await.unwrap();
    let after = v2
        .get_data_quota()
        .iccid(&b)
        .send()
        .await
        .unwrap()
        .into_inner();
    let grew = |f: fn(&v2::types::Quota) -> Option<f64>| f(&after).unwrap() - f(&before).unwrap();
    assert_eq!(grew(|q| q.volume.map(|v| *v)), 500.0);
    assert_eq!(grew(|q| q.accumulated_total_volume.map(|v| *v)), 500.0);

    // The same SIMs on the same page, and the same total.
    let v1_page = client.list_sims().page_size(10).send().await.unwrap();
    let v2_page = v2.list_sims().page_size(10).send().await.unwrap();
    let total = |h: &reqwest::header::HeaderMap| h["x-total-count"].to_str().unwrap().to_string();
    assert_eq!(total(v1_page.headers()), total(v2_page.headers()));
    let iccids_v1: Vec<_> = v1_page.into_inner().into_iter().map(|s| s.iccid).collect();
    let iccids_v2: Vec<_> = v2_page.into_inner().into_iter().map(|s| s.iccid).collect();
    assert_eq!(iccids_v1, iccids_v2);
}

/// v2's own answers: 409 Conflict where its documents list it, its error
/// shape read into `Error`, a 404 for an unknown SIM (v1 answers 200 empty).
#[tokio::test]
async fn v2_refuses_in_its_own_shape() {
    let sandbox = Sandbox::builder()
        .sims(5)
        .change_delay(Duration::from_secs(30))
        .start()
        .await
        .unwrap();
    let v2 = client(&sandbox).v2();
    let iccid = sandbox.iccid(1);
    let label = |l: &str| v2::types::SimUpdate {
        label: Some(l.into()),
        ..Default::default()
    };
    v2.update_sim()
        .iccid(&iccid)
        .body(label("a"))
        .send()
        .await
        .unwrap();
    let e = onence::Error::from(
        v2.update_sim()
            .iccid(&iccid)
            .body(label("b"))
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.status().map(|s| s.as_u16()), Some(409));
    assert_eq!(e.error_code(), Some("409"));
    assert!(e.message().unwrap().contains("still being applied"), "{e}");
    assert_eq!(e.operation(), Some("update_sim"));

    let unknown = onence::Error::from(
        v2.get_sim()
            .iccid("8988280666000009999")
            .send()
            .await
            .unwrap_err(),
    );
    assert!(unknown.is_not_found(), "{unknown}");
}

/// What v2 adds: connectivity with services, location and PDP contexts,
/// quotas with thresholds; a disabled SIM is offline and takes no SMS.
#[tokio::test]
async fn v2_details_follow_the_sim_s_state() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let v2 = client.v2();
    let iccid = sandbox.iccid(2);
    client.enable_sim(iccid.as_str()).await.unwrap();
    eventually(|| async {
        let details = v2.sim_details(iccid.as_str()).await.unwrap();
        details.status().map(ToString::to_string).as_deref() == Some("ONLINE")
    })
    .await;
    let details = v2.sim_details(iccid.as_str()).await.unwrap();
    assert_eq!(details.sim.iccid.as_deref(), Some(iccid.as_str()));
    assert!(details.connectivity.services.contains(&"GPRS".to_string()));
    assert_eq!(details.connectivity.pdp_contexts.len(), 1);
    let location = details.connectivity.location.as_ref().unwrap();
    assert_eq!(location.iccid.as_deref(), Some(iccid.as_str()));
    let quota = &details.data_quota;
    assert_eq!(
        quota.threshold_volume.map(|v| *v),
        quota.total_volume.map(|v| *v * 0.2)
    );
    assert_eq!(
        details
            .sms_quota
            .service
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("sms")
    );

    client.disable_sim(iccid.as_str()).await.unwrap();
    eventually(|| async {
        let details = v2.sim_details(iccid.as_str()).await.unwrap();
        details.status().map(ToString::to_string).as_deref() == Some("OFFLINE")
    })
    .await;
    let e = v2.send_sms_text(iccid.as_str(), "hello").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(409), "{e}");
    assert!(!e.is_outcome_unknown());
    let e = onence::Error::from(
        v2.reset_connectivity()
            .iccid(&iccid)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.status().map(|s| s.as_u16()), Some(409), "{e}");
}

/// v2's lists page with their documented parameters; events carry ids and types.
#[tokio::test]
async fn v2_lists_page() {
    let sandbox = sandbox().await;
    let v2 = client(&sandbox).v2();
    let page = v2.list_sims().page(2).page_size(7).send().await.unwrap();
    assert_eq!(page.headers()["x-total-count"], "25");
    let sims = page.into_inner();
    assert_eq!(sims.len(), 7);
    assert_eq!(sims[0].iccid.as_deref(), Some(sandbox.iccid(7).as_str()));

    let iccid = sandbox.iccid(0);
    let all = v2
        .list_sim_events()
        .iccid(&iccid)
        .page_size(1000)
        .send()
        .await
        .unwrap()
        .into_inner();
    let first = v2
        .list_sim_events()
        .iccid(&iccid)
        .page_size(2)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].id, all[0].id);
    assert!(all
        .iter()
        .all(|e| e.event_type.as_ref().and_then(|t| t.id).is_some()));
    let refused = v2
        .list_sim_events()
        .iccid(&iccid)
        .page_size(1001)
        .send()
        .await;
    let err = onence::Error::from(refused.unwrap_err());
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(400),
        "a page larger than documented is refused: {err}"
    );
    assert!(err.message().is_some_and(|m| m.contains("1000")), "{err}");
}

/// v2's lists stream whole through the same pager as v1's: every SIM once
/// and in order, every event, every SMS; a bad ICCID sends nothing.
#[tokio::test]
async fn v2_pagers_stream_every_item() {
    use futures::TryStreamExt;
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let v2 = client.v2();
    let sims = v2.all_sims().page_size(7).collect().await.unwrap();
    let iccids: Vec<String> = sims.into_iter().filter_map(|s| s.iccid).collect();
    let expected: Vec<String> = (0..25).map(|i| sandbox.iccid(i)).collect();
    assert_eq!(iccids, expected);

    let iccid = sandbox.iccid(5);
    let one_page = v2
        .list_sim_events()
        .iccid(&iccid)
        .page_size(1000)
        .send()
        .await
        .unwrap()
        .into_inner();
    let paged: Vec<_> = v2
        .all_sim_events(iccid.as_str())
        .page_size(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids = |events: &[v2::types::Event]| events.iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(ids(&paged), ids(&one_page));

    client.enable_sim(iccid.as_str()).await.unwrap();
    eventually(|| async {
        let sim = v2
            .get_sim()
            .iccid(&iccid)
            .send()
            .await
            .unwrap()
            .into_inner();
        sim.status.map(|s| s.to_string()).as_deref() == Some("Enabled")
    })
    .await;
    for text in ["one", "two", "three"] {
        v2.send_sms_text(iccid.as_str(), text).await.unwrap();
    }
    let sms = v2
        .all_sms(iccid.as_str())
        .page_size(2)
        .collect()
        .await
        .unwrap();
    let texts: Vec<_> = sms.iter().filter_map(|s| s.payload.as_deref()).collect();
    assert_eq!(texts, ["one", "two", "three"]);

    let before = sandbox.counters().requests.values().sum::<u64>();
    let e = v2.all_sms("not-an-iccid").collect().await.unwrap_err();
    assert_eq!(e.kind(), onence::ErrorKind::InvalidInput, "{e}");
    assert_eq!(sandbox.counters().requests.values().sum::<u64>(), before);
}

/// v1 and v2 calls count against one limit: a client alternating them
/// stays under the service's 10 requests/s on SIMs, which two separate
/// limiters (10/s each) would not.
#[tokio::test]
async fn v1_and_v2_share_the_rate_limit() {
    let sandbox = Sandbox::builder().sims(5).start().await.unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let v2 = client.v2();
    let iccid = sandbox.iccid(0);
    let calls = (0..12).map(|n| {
        let (client, v2, iccid) = (client.clone(), v2.clone(), iccid.clone());
        async move {
            if n % 2 == 0 {
                client
                    .get_sim()
                    .iccid(&iccid)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(onence::Error::from)
            } else {
                v2.get_sim()
                    .iccid(&iccid)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(onence::Error::from)
            }
        }
    });
    for outcome in futures::future::join_all(calls).await {
        outcome.unwrap();
    }
    assert_eq!(sandbox.counters().rate_limited, 0);
    assert_eq!(sandbox.counters().requests_to("GET /v2/sims/{iccid}"), 6);
}

/// The v2 status answer holds every field the v2 document requires, the
/// PDP context's and the country's included: the sandbox serves what the
/// documents promise (its drift mode is where it does not).
#[tokio::test]
async fn the_v2_status_answer_has_every_required_field() {
    let sandbox = sandbox().await;
    let token = support::sandbox_token(&sandbox).await;
    let bearer = token["access_token"].as_str().unwrap();
    let client = client(&sandbox);
    let sims = client.all_sims().collect().await.unwrap();
    let online = sims
        .iter()
        .find(|s| {
            s.status
                .as_ref()
                .is_some_and(|s| s.to_string() == "Enabled")
        })
        .unwrap();
    let url = format!(
        "{}/v2/sims/{}/status",
        sandbox.base_url(),
        online.iccid.as_deref().unwrap()
    );
    let answer: Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !answer["pdp_contexts"].as_array().unwrap().is_empty(),
        "{answer}"
    );
    let doc = spec("sim-management-v2.openapi.json");
    let schema = json!({ "$ref": "#/components/schemas/SimsConnectivityDetail" });
    let mut missing = Vec::new();
    support::missing_required(&doc, &schema, &answer, "$", &mut missing);
    assert!(missing.is_empty(), "missing {missing:?} in {answer}");
}
