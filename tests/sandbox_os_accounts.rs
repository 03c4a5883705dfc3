//! 1NCE OS account features against the embedded sandbox, through the
//! typed client as a user calls them: pre-shared keys, Energy Saver
//! templates, partner plugins, AWS integrations, integration patches and
//! the split of action requests into active and archived.

mod support;

use std::time::Duration;

use onence::config::{RateLimits, RetryPolicy};
use onence::os::types;
use onence::sandbox::Sandbox;
use serde_json::{json, Value};

async fn sandbox(change_delay: Duration) -> (Sandbox, onence::Client, Vec<String>) {
    let sandbox = Sandbox::builder()
        .sims(4)
        .seed(11)
        .rate_limits(RateLimits::none())
        .change_delay(change_delay)
        .start()
        .await
        .unwrap();
    let client = sandbox
        .client_builder()
        .rate_limits(RateLimits::none())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let sims = client.all_sims().collect().await.unwrap();
    let iccids = sims.into_iter().map(|s| s.iccid.unwrap()).collect();
    (sandbox, client, iccids)
}

/// A model from its JSON, as 1NCE's documents show it.
fn model<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).unwrap()
}

/// A raw answer (1NCE OS documents its write answers as `*/*`) as JSON.
async fn raw(stream: onence::ByteStream) -> Value {
    use futures::TryStreamExt;
    let bytes = stream
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The error of a call that must be refused.
fn refused<T, E: Into<onence::Error>>(answer: Result<T, E>) -> onence::Error {
    match answer {
        Ok(_) => panic!("a call that must be refused succeeded"),
        Err(e) => e.into(),
    }
}

/// A typed call's answer as JSON, to read its fields by their wire names.
async fn answer<T: serde::Serialize, E: std::fmt::Debug>(
    call: impl std::future::Future<Output = Result<onence::ResponseValue<T>, E>>,
) -> Value {
    json_of(call.await.unwrap().into_inner())
}

/// A model as JSON, to read its fields by their wire names.
fn json_of(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

/// A key set for a device reads back by protocol; an import sets the keys
/// of known devices, counts the others as failed, and is DONE after the
/// change delay.
#[tokio::test]
async fn pre_shared_keys_are_set_read_and_imported() {
    let (_sandbox, client, sims) = sandbox(Duration::from_millis(100)).await;
    let os = client.os();
    let key: types::NewPreSharedKey =
        model(json!({ "protocol": "COAP", "secretKey": "0123456789abcdef", "format": "HEX" }));
    let set = os
        .create_device_psk()
        .device_id(&sims[0])
        .body(key)
        .send()
        .await
        .unwrap();
    assert_eq!(raw(set.into_inner()).await["identity"], sims[0].as_str());
    let read = os
        .get_device_psk()
        .device_id(&sims[0])
        .protocol("COAP")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(read.into_inner())["secretKey"], "0123456789abcdef");
    let missing = os
        .get_device_psk()
        .device_id(&sims[0])
        .protocol("LWM2M")
        .send()
        .await;
    assert!(refused(missing).is_not_found());

    let import: types::PreSharedKeyImport = model(json!([
        { "deviceId": sims[1], "protocol": "LWM2M", "secretKey": "secret-one" },
        { "deviceId": "8988280666000099999", "protocol": "LWM2M", "secretKey": "secret-two" },
    ]));
    os.import_psks().body(import).send().await.unwrap();
    let jobs = answer(os.list_psk_jobs().send()).await;
    assert_eq!(jobs["items"][0]["status"], "IN_PROGRESS");
    assert_eq!(jobs["items"][0]["amount"].as_f64(), Some(2.0));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let jobs = answer(os.list_psk_jobs().send()).await;
    let job = &jobs["items"][0];
    assert_eq!(
        (
            job["status"].as_str(),
            job["done"].as_f64(),
            job["failed"].as_f64()
        ),
        (Some("DONE"), Some(1.0), Some(1.0))
    );
    let imported = os
        .get_device_psk()
        .device_id(&sims[1])
        .protocol("LWM2M")
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(imported.into_inner())["secretKey"], "secret-one");
}

/// Secrets in the models (a pre-shared key, plugin tokens and keys) are
/// `Secret`s: no model's `Debug` shows one, the API still gets and gives
/// the value, and one outside its documented length is refused, naming the
/// field and not the value, before any request.
#[tokio::test]
async fn secrets_in_the_models_never_show_in_debug_and_are_checked_before_sending() {
    let (sandbox, client, sims) = sandbox(Duration::from_millis(1)).await;
    let os = client.os();
    let key = "0f1e2d3c4b5a69788796a5b4";
    let new: types::NewPreSharedKey =
        model(json!({ "protocol": "COAP", "secretKey": key, "format": "HEX" }));
    assert!(!format!("{new:?}").contains(key), "{new:?}");
    os.create_device_psk()
        .device_id(&sims[2])
        .body(new)
        .send()
        .await
        .unwrap();
    let read = os
        .get_device_psk()
        .device_id(&sims[2])
        .protocol("COAP")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(!format!("{read:?}").contains(key), "{read:?}");
    assert_eq!(read.secret_key.as_ref().map(|k| k.reveal()), Some(key));

    let token = "mender-t0ken-in-debug";
    let mender: types::NewMenderPlugin = model(json!({ "tenantToken": token,
        "privateKey": "-----BEGIN PRIVATE KEY-----", "publicKey": "pub" }));
    let shown = format!("{mender:?}");
    assert!(
        !shown.contains(token) && !shown.contains("BEGIN"),
        "{shown}"
    );

    let sent_before: u64 = sandbox.counters().requests.values().sum();
    let short: types::NewPreSharedKey =
        model(json!({ "protocol": "COAP", "secretKey": "abc", "format": "STRING" }));
    let error = refused(
        os.create_device_psk()
            .device_id(&sims[2])
            .body(short)
            .send()
            .await,
    );
    assert_eq!(error.kind(), onence::ErrorKind::InvalidInput, "{error}");
    let message = error.to_string();
    assert!(
        message.contains("secretKey") && message.contains("8 to 256"),
        "{message}"
    );
    assert!(!message.contains("abc"), "{message}");
    let sent_after: u64 = sandbox.counters().requests.values().sum();
    assert_eq!(sent_after, sent_before, "refused before sending");
}

/// Templates are created, renamed without clashing, switched off and on
/// (which the savings follow), tested on a payload and deleted.
#[tokio::test]
async fn energy_saver_templates_are_kept_and_their_savings_follow_them() {
    let (_sandbox, client, _) = sandbox(Duration::from_millis(100)).await;
    let os = client.os();
    let new = |name: &str| -> types::NewOptimizerTemplate {
        model(json!({ "name": name, "template": "temperature:int16", "protocolFilter": ["UDP"] }))
    };
    let first = os
        .create_optimizer_template()
        .body(new("sensors"))
        .send()
        .await
        .unwrap();
    let id = raw(first.into_inner()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let clash = os
        .create_optimizer_template()
        .body(new("sensors"))
        .send()
        .await;
    assert_eq!(refused(clash).status().map(|s| s.as_u16()), Some(409));
    let savings = |os: onence::os::Client| async move {
        let saved = os.get_optimizer_savings().send().await.unwrap();
        json_of(saved.into_inner())["messagesTranslated"]["value"]
            .as_f64()
            .unwrap()
    };
    assert!(savings(client.os()).await > 0.0, "an active template saves");
    let off: types::OptimizerTemplateUpdate = model(json!({ "status": "INACTIVE" }));
    let updated = os
        .update_optimizer_template()
        .template_id(&id)
        .body(off)
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw(updated.into_inner()).await["name"],
        "sensors",
        "only the status changed"
    );
    assert_eq!(savings(client.os()).await, 0.0);

    let test: types::OptimizerTemplateTest =
        model(json!({ "template": "temperature:int16,battery:uint8", "payload": "00e64b" }));
    let tested = raw(os
        .test_optimizer_template()
        .body(test)
        .send()
        .await
        .unwrap()
        .into_inner())
    .await;
    let translated: Value =
        serde_json::from_str(tested["translatedPayload"].as_str().unwrap()).unwrap();
    assert_eq!(translated, json!({ "temperature": 230, "battery": 75 }));
    let short: types::OptimizerTemplateTest =
        model(json!({ "template": "t:uint32", "payload": "00" }));
    let refused = refused(os.test_optimizer_template().body(short).send().await);
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(400));
    assert!(
        refused.to_string().contains("ends before field"),
        "{refused}"
    );

    os.delete_optimizer_template()
        .template_id(&id)
        .send()
        .await
        .unwrap();
    let left = os.list_optimizer_templates().send().await.unwrap();
    assert!(left.into_inner().is_empty());
}

/// A partner's plugin installs once; Datacake's restarts and Memfault's
/// does not; an uninstalled plugin is gone.
#[tokio::test]
async fn plugins_install_once_restart_and_uninstall() {
    let (_sandbox, client, _) = sandbox(Duration::from_millis(100)).await;
    let os = client.os();
    let datacake =
        || -> types::NewDatacakePlugin { model(json!({ "workspaceId": "workspace-1" })) };
    let installed = os
        .install_datacake_plugin()
        .body(datacake())
        .send()
        .await
        .unwrap();
    let id = raw(installed.into_inner()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let again = os.install_datacake_plugin().body(datacake()).send().await;
    assert_eq!(refused(again).status().map(|s| s.as_u16()), Some(409));
    let restarted = os.restart_plugin().plugin_id(&id).send().await.unwrap();
    assert_eq!(
        raw(restarted.into_inner()).await["restartStatus"],
        "SUCCESS"
    );

    let memfault: types::NewMemfaultPlugin = model(json!({}));
    let memfault = os
        .install_memfault_plugin()
        .body(memfault)
        .send()
        .await
        .unwrap();
    let memfault = raw(memfault.into_inner()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = answer(os.get_plugin().plugin_id(&memfault).send()).await;
    assert!(read["memfaultProjectId"].is_string(), "{read}");
    let again = os.restart_plugin().plugin_id(&memfault).send().await;
    assert_eq!(refused(again).status().map(|s| s.as_u16()), Some(409));

    os.uninstall_plugin().plugin_id(&id).send().await.unwrap();
    let listed = answer(os.list_plugins().send()).await;
    let partners: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["partner"].as_str())
        .collect();
    assert_eq!(partners, ["MEMFAULT"]);
}

/// An AWS integration answers its token once created, changes its event
/// types on a patch, refuses a URL (only webhooks have one), and says that
/// the sandbox reaches no AWS; a webhook's URL can be patched.
#[tokio::test]
async fn integrations_are_patched_by_kind() {
    let (_sandbox, client, _) = sandbox(Duration::from_millis(100)).await;
    let os = client.os();
    let aws: types::NewAwsIntegration =
        model(json!({ "name": "to-aws", "eventTypes": [{ "type": "LOCATION" }] }));
    let aws = raw(os
        .create_aws_integration()
        .body(aws)
        .send()
        .await
        .unwrap()
        .into_inner())
    .await;
    assert!(aws["jwt"].as_str().is_some_and(|t| !t.is_empty()));
    let id = aws["id"].as_str().unwrap().to_string();
    let events: types::IntegrationUpdate =
        model(json!({ "eventTypes": [{ "type": "GEOFENCE" }, { "type": "ERROR" }] }));
    let patched = os
        .update_integration()
        .integration_id(&id)
        .body(events)
        .send()
        .await
        .unwrap();
    let types_now: Vec<Value> = raw(patched.into_inner()).await["eventTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(types_now, [json!("GEOFENCE"), json!("ERROR")]);
    let url: types::IntegrationUpdate = model(json!({ "url": "https://example.com/hook" }));
    let with_url = os
        .update_integration()
        .integration_id(&id)
        .body(url)
        .send()
        .await;
    assert_eq!(refused(with_url).status().map(|s| s.as_u16()), Some(400));
    let tested = raw(os
        .test_aws_integration()
        .integration_id(&id)
        .send()
        .await
        .unwrap()
        .into_inner())
    .await;
    assert_eq!(tested["testStatus"], "FAILURE");

    let hook = onence::os::Webhook::new("hook", "https://example.com/a", &[]).unwrap();
    let hook = os.add_webhook(&hook).await.unwrap().unwrap();
    let moved: types::IntegrationUpdate = model(json!({ "url": "https://example.com/b" }));
    os.update_webhook_integration()
        .integration_id(hook.as_str())
        .body(moved)
        .send()
        .await
        .unwrap();
    let read = answer(os.get_integration().integration_id(hook.as_str()).send()).await;
    assert_eq!(read["url"], "https://example.com/b");
}

/// Requests not final are active, the others archived; cancelling a
/// device's requests cancels only its own that are not final.
#[tokio::test]
async fn action_requests_split_into_active_and_archived() {
    use onence::os::DeviceAction;
    let (_sandbox, client, sims) = sandbox(Duration::from_secs(3600)).await;
    let os = client.os();
    let read = DeviceAction::lwm2m_read("/3/0/0");
    for device in [&sims[0], &sims[0], &sims[1]] {
        os.send_action(device.as_str(), &read)
            .await
            .unwrap()
            .unwrap();
    }
    let count = |page: Value| page["items"].as_array().unwrap().len();
    let active = answer(os.list_active_action_requests().send()).await;
    assert_eq!(count(active), 3);
    let cancelled = os
        .cancel_device_action_requests()
        .device_id(&sims[0])
        .send()
        .await
        .unwrap();
    assert_eq!(
        raw(cancelled.into_inner()).await.as_array().unwrap().len(),
        2
    );
    let archived = answer(os.list_archived_action_requests().send()).await;
    assert_eq!(count(archived.clone()), 2);
    assert!(archived["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "CANCELLED" && r["deviceId"] == sims[0].as_str()));
    let active = answer(os.list_active_action_requests().send()).await;
    assert_eq!(active["items"][0]["deviceId"], sims[1].as_str());
    assert_eq!(count(active), 1);
}

/// Insights count a device's messages by interval, and the fleet's are
/// the sum of its devices'.
#[tokio::test]
async fn history_insights_count_the_messages() {
    let (_sandbox, client, sims) = sandbox(Duration::from_millis(100)).await;
    let os = client.os();
    let total = |answer: Value| -> u64 {
        answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["amount"].as_f64().unwrap() as u64)
            .sum()
    };
    let one = answer(
        os.device_history_insights()
            .device_id(&sims[0])
            .interval("1d")
            .send(),
    )
    .await;
    assert_eq!(one["interval"], "1d");
    let messages = os
        .all_device_history(sims[0].as_str(), None, None)
        .collect()
        .await
        .unwrap();
    assert_eq!(total(one) as usize, messages.len());
    let fleet = answer(os.fleet_history_insights().send()).await;
    assert_eq!(
        total(fleet) as usize,
        messages.len() * sims.len(),
        "every device sends as many"
    );
    let odd = refused(
        os.fleet_history_insights()
            .interval("fortnightly")
            .send()
            .await,
    );
    assert!(odd.to_string().contains("interval"), "{odd}");
}
