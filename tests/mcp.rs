//! The MCP server driven by rmcp's own client against the sandbox: over an
//! in-process pipe (the tools and their schemas, paging by cursor, the
//! operations list and `call_operation`, a write refused without confirm
//! and nothing sent, a confirmed write made once, a lost answer reported
//! unknown and not resent, errors as tool errors, no secret anywhere, the
//! `sim://` resource and the prompt), over streamable HTTP on loopback
//! with its bearer token, and as the `onence mcp` process on stdio.

use onence::config::{RateLimits, RetryPolicy};
use onence::mcp::http::{router, HttpSettings};
use onence::mcp::McpServer;
use onence::sandbox::{Faults, Sandbox};
use onence::Secret;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, GetPromptRequestParams, ReadResourceRequestParams,
    ResourceContents,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

fn server_for(sandbox: &Sandbox) -> McpServer {
    McpServer::new(
        sandbox
            .client_builder()
            .rate_limits(RateLimits::none())
            .retry_policy(RetryPolicy::none()),
    )
    .unwrap()
}

async fn connect(sandbox: &Sandbox) -> RunningService<RoleClient, ()> {
    serve_in_process(server_for(sandbox)).await
}

/// `server` on one end of an in-process pipe, rmcp's client on the other.
async fn serve_in_process(server: McpServer) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.unwrap()
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    tool: &'static str,
    arguments: Value,
) -> CallToolResult {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
        .await
        .unwrap()
}

fn structured(result: &CallToolResult) -> &Value {
    result
        .structured_content
        .as_ref()
        .expect("structured content")
}

async fn fleet() -> Sandbox {
    Sandbox::builder()
        .sims(45)
        .seed(4)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn tools_are_listed_with_schemas_and_lists_page_by_cursor() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let tools = client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    for expected in [
        "list_sims",
        "get_sim",
        "get_data_quota",
        "get_sms_quota",
        "sim_usage",
        "sim_events",
        "low_data_sims",
        "sim_details",
        "list_sms",
        "send_sms",
        "top_up",
        "set_sim_status",
        "set_sim_label",
        "list_orders",
        "list_products",
        "list_service_requests",
        "list_devices",
        "device_positions",
        "latest_positions",
        "list_geofences",
        "send_device_action",
        "action_status",
        "list_operations",
        "call_operation",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let set_status = tools.iter().find(|t| t.name == "set_sim_status").unwrap();
    let schema = Value::Object((*set_status.input_schema).clone());
    assert!(schema["properties"]["confirm"].is_object(), "{schema}");
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "iccids"),
        "{schema}"
    );

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut arguments = json!({ "limit": 20 });
        if let Some(c) = &cursor {
            arguments["cursor"] = json!(c);
        }
        let page = call(&client, "list_sims", arguments).await;
        assert_ne!(page.is_error, Some(true));
        let page = structured(&page);
        for sim in page["items"].as_array().unwrap() {
            seen.push(sim["iccid"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 45, "three pages of at most 20, every SIM once");

    let ops = call(&client, "list_operations", json!({})).await;
    let ops = structured(&ops).clone();
    let documented = onence::mcp::operation_count();
    assert_eq!(ops["count"], documented);
    let listed: usize = ["v1", "v2", "os"]
        .iter()
        .map(|api| ops["by_api"][api].as_array().unwrap().len())
        .sum();
    assert_eq!(
        listed, documented,
        "every operation in one answer, none cut"
    );
    let one = call(
        &client,
        "list_operations",
        json!({ "search": "os.create_webhook_integration" }),
    )
    .await;
    let one = structured(&one)["operations"][0].clone();
    assert!(one["body_schema"]["properties"]["url"].is_object(), "{one}");
    let found = call(&client, "list_operations", json!({ "search": "geofence" })).await;
    let found = structured(&found)["operations"].as_array().unwrap().clone();
    assert!(
        found
            .iter()
            .all(|o| o["name"].as_str().unwrap().starts_with("os.")),
        "{found:?}"
    );
    assert!(found.len() >= 5);
}

#[tokio::test]
async fn writes_need_confirm_and_a_confirmed_write_is_made_once() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let iccid = sandbox.iccid(3);
    let posts = |s: &Sandbox| s.counters().posts_applied_to("POST /v1/sims/{iccid}/topup");

    let planned = call(&client, "top_up", json!({ "iccid": iccid })).await;
    assert_ne!(planned.is_error, Some(true));
    let planned = structured(&planned).clone();
    assert_eq!(planned["dry_run"], true);
    assert_eq!(planned["billed"], true);
    assert_eq!(planned["would_send"][0]["method"], "POST");
    assert_eq!(
        planned["would_send"][0]["path"],
        format!("/v1/sims/{iccid}/topup")
    );
    assert_eq!(posts(&sandbox), 0, "nothing sent without confirm");

    let done = call(
        &client,
        "top_up",
        json!({ "iccid": iccid, "confirm": true }),
    )
    .await;
    assert_ne!(done.is_error, Some(true), "{:?}", done.structured_content);
    assert_eq!(posts(&sandbox), 1, "sent once");
    assert_eq!(sandbox.counters().top_ups_applied, 1);

    // One SIM is its own update; more go in one bulk update.
    let status = call(
        &client,
        "set_sim_status",
        json!({ "iccids": [iccid], "status": "Disabled" }),
    )
    .await;
    let status = structured(&status);
    assert_eq!(status["dry_run"], true);
    assert_eq!(status["billed"], false);
    let put = &status["would_send"][0];
    assert_eq!(put["method"], "PUT", "{status}");
    assert_eq!(put["path"], format!("/v1/sims/{iccid}"));
    assert_eq!(put["body"]["status"], "Disabled", "{status}");
    let two = call(
        &client,
        "set_sim_status",
        json!({ "iccids": [iccid, sandbox.iccid(4)], "status": "Disabled" }),
    )
    .await;
    let two = structured(&two);
    assert_eq!(two["would_send"][0]["method"], "POST", "{two}");
    assert_eq!(
        two["would_send"][0]["body"].as_array().map(Vec::len),
        Some(2),
        "{two}"
    );
}

#[tokio::test]
async fn errors_are_tool_errors_and_no_secret_is_shown() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let bad = call(&client, "get_sim", json!({ "iccid": "12/34" })).await;
    assert_eq!(bad.is_error, Some(true));
    assert!(
        structured(&bad)["error"]
            .as_str()
            .unwrap()
            .contains("iccid"),
        "{:?}",
        bad.structured_content
    );
    let missing = call(
        &client,
        "get_data_quota",
        json!({ "iccid": "8988280666000099999" }),
    )
    .await;
    assert_eq!(missing.is_error, Some(true));
    assert_eq!(structured(&missing)["status"], 404);
    let odd = call(
        &client,
        "set_sim_status",
        json!({ "iccids": [sandbox.iccid(1)], "status": "Paused", "confirm": true }),
    )
    .await;
    assert_eq!(odd.is_error, Some(true));
    let cursor = call(&client, "list_sims", json!({ "cursor": "x" })).await;
    assert_eq!(cursor.is_error, Some(true));
    // The server keeps serving, and nothing it said holds the secret.
    let sim = call(&client, "get_sim", json!({ "iccid": sandbox.iccid(1) })).await;
    assert_ne!(sim.is_error, Some(true));
    let low = call(&client, "low_data_sims", json!({ "limit": 5 })).await;
    let everything = serde_json::to_string(&[&bad, &missing, &odd, &cursor, &sim, &low]).unwrap();
    assert!(!everything.contains(sandbox.client_secret()));
    assert!(structured(&low)["low"].as_array().unwrap().len() <= 5);
}

/// Text of a tool result (what a model reads), for searching it.
fn text_of(result: &CallToolResult) -> String {
    serde_json::to_string(result).unwrap()
}

#[tokio::test]
async fn every_list_tool_pages_and_the_v2_and_os_reads_answer() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let iccid = sandbox.iccid(2);
    // 45 devices in pages of 20: the cursor walks all three, each once.
    let mut devices = 0;
    let mut arguments = json!({ "limit": 20 });
    loop {
        let page = call(&client, "list_devices", arguments.clone()).await;
        let page = structured(&page).clone();
        devices += page["count"].as_u64().unwrap();
        match page["next_cursor"].as_str() {
            Some(next) => arguments = json!({ "cursor": next }),
            None => break,
        }
    }
    assert_eq!(devices, 45);
    let track = call(
        &client,
        "device_positions",
        json!({ "device_id": iccid, "limit": 5 }),
    )
    .await;
    let track = structured(&track);
    assert_eq!(track["count"], 5, "{track}");
    assert!(track["next_cursor"].is_string(), "24 positions, 5 a page");
    let latest = call(&client, "latest_positions", json!({ "limit": 100 })).await;
    assert_eq!(structured(&latest)["count"], 45);
    let backwards = call(
        &client,
        "latest_positions",
        json!({ "area": [10.0, 50.0, 0.0, 40.0] }),
    )
    .await;
    assert_eq!(backwards.is_error, Some(true));
    let details = call(&client, "sim_details", json!({ "iccid": iccid })).await;
    assert_ne!(details.is_error, Some(true), "{}", text_of(&details));
    assert!(structured(&details)["connectivity"].is_object());
    let usage = call(&client, "sim_usage", json!({ "iccid": iccid })).await;
    assert_ne!(usage.is_error, Some(true), "{}", text_of(&usage));
    assert!(structured(&usage)["days"].is_array());
    let odd_day = call(
        &client,
        "sim_usage",
        json!({ "iccid": iccid, "from": "yesterday" }),
    )
    .await;
    assert!(text_of(&odd_day).contains("from must be YYYY-MM-DD"));
    for (tool, arguments) in [
        ("sim_events", json!({ "iccid": iccid, "limit": 3 })),
        ("list_sms", json!({ "iccid": iccid })),
        ("list_orders", json!({})),
        ("list_products", json!({})),
        ("list_service_requests", json!({})),
        ("list_geofences", json!({})),
    ] {
        let answer = call(&client, tool, arguments).await;
        assert_ne!(answer.is_error, Some(true), "{tool}: {}", text_of(&answer));
        assert!(structured(&answer)["items"].is_array(), "{tool}");
    }
}

#[tokio::test]
async fn call_operation_checks_its_arguments_and_gates_writes() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let iccid = sandbox.iccid(5);
    let read = call(
        &client,
        "call_operation",
        json!({ "operation": "v1.get_sim", "arguments": { "iccid": iccid } }),
    )
    .await;
    assert_eq!(structured(&read)["iccid"], iccid, "{}", text_of(&read));
    let paged = call(
        &client,
        "call_operation",
        json!({ "operation": "v1.list_sims", "arguments": { "page": 2, "pageSize": 10 } }),
    )
    .await;
    assert_eq!(structured(&paged)["result"].as_array().unwrap().len(), 10);

    let sent = |s: &Sandbox| s.counters().requests.values().sum::<u64>();
    let before = sent(&sandbox);
    for (arguments, names) in [
        (
            json!({ "operation": "get_sim", "arguments": { "iccid": iccid } }),
            "v1.get_sim",
        ),
        (json!({ "operation": "v1.get_sim" }), "iccid"),
        (
            json!({ "operation": "v1.get_sim", "arguments": { "iccid": iccid, "colour": 1 } }),
            "colour",
        ),
        (
            json!({ "operation": "v1.list_sims", "arguments": { "pageSize": "many" } }),
            "pageSize",
        ),
        (
            json!({ "operation": "v1.get_sim", "arguments": { "iccid": "../sims" } }),
            "iccid",
        ),
    ] {
        let refused = call(&client, "call_operation", arguments).await;
        assert_eq!(refused.is_error, Some(true), "{}", text_of(&refused));
        assert!(text_of(&refused).contains(names), "{}", text_of(&refused));
    }
    assert_eq!(sent(&sandbox), before, "nothing sent for bad input");

    let route = "POST /v1/sims/{iccid}/topup";
    let planned = call(
        &client,
        "call_operation",
        json!({ "operation": "v1.top_up_sim", "arguments": { "iccid": iccid } }),
    )
    .await;
    let planned = structured(&planned).clone();
    assert_eq!(planned["dry_run"], true);
    assert_eq!(planned["billed"], true);
    assert!(planned["cost"].as_str().unwrap().contains("billed"));
    assert_eq!(planned["cost_class"], "billed");
    assert_eq!(sandbox.counters().posts_applied_to(route), 0);
    let done = call(
        &client,
        "call_operation",
        json!({ "operation": "v1.top_up_sim", "arguments": { "iccid": iccid }, "confirm": true }),
    )
    .await;
    assert_ne!(done.is_error, Some(true), "{}", text_of(&done));
    assert_eq!(sandbox.counters().posts_applied_to(route), 1);
    assert_eq!(sandbox.counters().top_ups_applied, 1);
}

#[tokio::test]
async fn a_write_whose_answer_is_lost_is_reported_unknown_and_not_resent() {
    let sandbox = Sandbox::builder()
        .sims(5)
        .seed(9)
        .rate_limits(RateLimits::none())
        .faults(
            Faults::none()
                .with_drop_rate(1.0)
                .with_routes(["POST /topup"]),
        )
        .start()
        .await
        .unwrap();
    // The client's own retries are on: a write is still sent once.
    let client = serve_in_process(McpServer::new(sandbox.client_builder()).unwrap()).await;
    let iccid = sandbox.iccid(1);
    let lost = call(
        &client,
        "top_up",
        json!({ "iccid": iccid, "confirm": true }),
    )
    .await;
    assert_eq!(lost.is_error, Some(true));
    assert_eq!(
        structured(&lost)["outcome"],
        "unknown",
        "{}",
        text_of(&lost)
    );
    assert_eq!(
        sandbox.counters().top_ups_applied,
        1,
        "applied once, not resent"
    );
    assert_eq!(
        sandbox
            .counters()
            .requests_to("POST /v1/sims/{iccid}/topup"),
        1
    );
}

#[tokio::test]
async fn secrets_given_or_read_back_never_appear_in_results() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let device = sandbox.iccid(4);
    let key = "k3y-0f-the-device-42";
    let planned = call(
        &client,
        "call_operation",
        json!({ "operation": "os.create_device_psk", "arguments": { "deviceId": device,
            "body": { "format": "STRING", "protocol": "COAP", "secretKey": key } } }),
    )
    .await;
    assert_eq!(structured(&planned)["dry_run"], true);
    let made = call(
        &client,
        "call_operation",
        json!({ "operation": "os.create_device_psk", "arguments": { "deviceId": device,
            "body": { "format": "STRING", "protocol": "COAP", "secretKey": key } }, "confirm": true }),
    )
    .await;
    assert_ne!(made.is_error, Some(true), "{}", text_of(&made));
    let read = call(
        &client,
        "call_operation",
        json!({ "operation": "os.get_device_psk", "arguments": { "deviceId": device, "protocol": "COAP" } }),
    )
    .await;
    assert_ne!(read.is_error, Some(true), "{}", text_of(&read));
    assert_eq!(structured(&read)["secretKey"], "[redacted]");
    let token = "mender-tenant-t0ken-xyz";
    let mender = call(
        &client,
        "call_operation",
        json!({ "operation": "os.install_mender_plugin", "arguments": {
            "body": { "tenantToken": token, "privateKey": "-----BEGIN PRIVATE KEY-----", "publicKey": "pub" } },
            "confirm": true }),
    )
    .await;
    let plugins = call(
        &client,
        "call_operation",
        json!({ "operation": "os.list_plugins" }),
    )
    .await;
    // The schema of a secret is no secret: an agent reads how to send one.
    let described = call(
        &client,
        "list_operations",
        json!({ "search": "os.create_device_psk" }),
    )
    .await;
    let schema = &structured(&described)["operations"][0]["body_schema"];
    assert_eq!(
        schema["properties"]["secretKey"]["type"], "string",
        "{schema}"
    );
    for result in [&planned, &made, &read, &mender, &plugins] {
        let text = text_of(result);
        assert!(
            !text.contains(key) && !text.contains(token) && !text.contains("BEGIN PRIVATE"),
            "{text}"
        );
        assert!(!text.contains(sandbox.client_secret()));
    }
}

/// Some lists say `X-Total-Pages: 0` (a mock built from the documents does,
/// and so does the sandbox's drift mode): MCP's cursors and its resource
/// list still page a 250-SIM list to its end, as `onence sims list` does.
#[tokio::test]
async fn a_page_count_of_zero_never_cuts_a_list_short() {
    let sandbox = Sandbox::builder()
        .sims(250)
        .seed(9)
        .drift(true)
        .rate_limits(RateLimits::none())
        .start()
        .await
        .unwrap();
    let first = sandbox.client().all_sims().page(1).await.unwrap();
    assert_eq!(first.total_pages, Some(0), "the sandbox serves the quirk");
    let client = connect(&sandbox).await;
    let mut seen = std::collections::HashSet::new();
    let mut arguments = json!({ "limit": 100 });
    for _ in 0..10 {
        let page = call(&client, "list_sims", arguments.clone()).await;
        let page = structured(&page).clone();
        for sim in page["items"].as_array().unwrap() {
            seen.insert(sim["iccid"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(next) => arguments = json!({ "cursor": next }),
            None => break,
        }
    }
    assert_eq!(seen.len(), 250, "list_sims paged to the end");
    let listed = client.list_all_resources().await.unwrap();
    assert_eq!(listed.len(), 250, "the sim:// resources paged to the end");
}

#[tokio::test]
async fn a_sim_is_a_resource_and_the_fleet_report_is_a_prompt() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let templates = client.list_all_resource_templates().await.unwrap();
    assert_eq!(templates[0].uri_template, "sim://{iccid}");
    let listed = client.list_all_resources().await.unwrap();
    assert_eq!(listed.len(), 45);
    let uri = format!("sim://{}", sandbox.iccid(7));
    let read = client
        .read_resource(ReadResourceRequestParams::new(uri.clone()))
        .await
        .unwrap();
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("a text resource");
    };
    let sim: Value = serde_json::from_str(text).unwrap();
    assert_eq!(sim["sim"]["iccid"], sandbox.iccid(7));
    assert!(sim["data_quota"]["volume"].is_number() || sim["data_quota"]["volume"].is_string());
    let missing = client
        .read_resource(ReadResourceRequestParams::new("sim://8988280666000099999"))
        .await;
    assert!(missing.is_err());

    let prompts = client.list_all_prompts().await.unwrap();
    assert_eq!(prompts[0].name, "fleet_health_report");
    let mut arguments = serde_json::Map::new();
    arguments.insert("share".into(), json!("0.1"));
    let prompt = client
        .get_prompt(GetPromptRequestParams::new("fleet_health_report").with_arguments(arguments))
        .await
        .unwrap();
    let text = serde_json::to_string(&prompt.messages).unwrap();
    assert!(
        text.contains("low_data_sims") && text.contains("0.1"),
        "{text}"
    );
}

#[tokio::test]
async fn over_http_every_request_needs_the_bearer_token() {
    let sandbox = fleet().await;
    let settings = HttpSettings::new().with_token(Secret::new("mcp-t0ken"));
    let app = router(server_for(&sandbox), &settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let anonymous = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header("mcp-t0ken"),
    );
    let client = ().serve(transport).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.len() >= 24);
    let sim = call(&client, "get_sim", json!({ "iccid": sandbox.iccid(1) })).await;
    assert_eq!(structured(&sim)["iccid"], sandbox.iccid(1));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn onence_mcp_serves_an_agent_on_stdio_and_logs_no_secret() {
    use tokio::io::AsyncReadExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_onence"));
    command
        .args(["--sandbox", "--debug", "mcp"])
        .env_remove("ONENCE_CLIENT_ID")
        .env_remove("RUST_LOG");
    let (process, stderr) = TokioChildProcess::builder(command)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = stderr.unwrap();
    let logged = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });
    let client = ().serve(process).await.unwrap();
    let sims = call(&client, "list_sims", json!({ "limit": 3 })).await;
    let sims = structured(&sims).clone();
    assert_eq!(sims["count"], 3, "{sims}");
    let iccid = sims["items"][0]["iccid"].as_str().unwrap().to_string();
    let planned = call(
        &client,
        "send_sms",
        json!({ "iccid": iccid, "text": "reboot" }),
    )
    .await;
    assert_eq!(structured(&planned)["dry_run"], true);
    let key = "stdio-psk-s3cret-99";
    let made = call(
        &client,
        "call_operation",
        json!({ "operation": "os.create_device_psk", "arguments": { "deviceId": iccid,
            "body": { "format": "STRING", "protocol": "COAP", "secretKey": key } }, "confirm": true }),
    )
    .await;
    assert_ne!(made.is_error, Some(true), "{}", text_of(&made));
    assert!(!text_of(&made).contains(key));
    client.cancel().await.unwrap();
    let logged = tokio::time::timeout(std::time::Duration::from_secs(20), logged)
        .await
        .expect("the process ends when its client leaves")
        .unwrap();
    assert!(logged.contains("embedded sandbox"), "{logged}");
    assert!(!logged.contains(key), "{logged}");
}

#[tokio::test]
async fn onence_mcp_refuses_http_off_loopback_without_a_token() {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_onence"))
        .args(["--sandbox", "mcp", "--http", "0.0.0.0:0"])
        .env_remove("ONENCE_CLIENT_ID")
        .output()
        .await
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("--token-file"), "{stderr}");
}

#[tokio::test]
async fn onence_mcp_over_http_serves_with_its_token_and_stops_on_sigterm() {
    use tokio::io::AsyncBufReadExt;
    let dir = std::env::temp_dir().join(format!("onence-mcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, "agent-t0ken-77\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_onence"))
        .args(["--sandbox", "mcp", "--http", "127.0.0.1:0", "--token-file"])
        .arg(&token_file)
        .env_remove("ONENCE_CLIENT_ID")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut url = None;
    while url.is_none() {
        let line = stderr.next_line().await.unwrap().expect("exited early");
        if let Some((_, at)) = line.split_once(" listening on ") {
            url = Some(format!("{at}/mcp"));
        }
    }
    let url = url.unwrap();
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(url.as_str()).auth_header("agent-t0ken-77"),
    );
    let client = ().serve(transport).await.unwrap();
    let sims = call(&client, "list_sims", json!({ "limit": 2 })).await;
    assert_eq!(structured(&sims)["count"], 2);
    let _ = client.cancel().await;

    std::process::Command::new("kill")
        .args(["-TERM", &child.id().unwrap().to_string()])
        .status()
        .unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("stopped within 20 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    while let Ok(Some(line)) = stderr.next_line().await {
        rest.push_str(&line);
    }
    assert!(!rest.contains("agent-t0ken-77"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_device_action_is_described_by_the_models_and_sent_once_with_confirm() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let tools = client.list_all_tools().await.unwrap();
    let send = tools
        .iter()
        .find(|t| t.name == "send_device_action")
        .unwrap();
    let schema = Value::Object((*send.input_schema).clone());
    let models = schema["properties"]["action"]["oneOf"].as_array().unwrap();
    assert_eq!(models.len(), 3, "{schema}");
    assert!(
        models[0]["properties"]["resourceAddress"].is_object(),
        "{schema}"
    );
    let device = sandbox.iccid(6);
    let action = json!({ "action": "read", "resourceAddress": "/3/0/0",
                         "requestMode": "SEND_NOW", "sendAttempts": 1 });
    let odd = call(
        &client,
        "send_device_action",
        json!({ "device_id": device, "protocol": "LWM2M", "action": { "resourceAddress": 3 } }),
    )
    .await;
    assert_eq!(odd.is_error, Some(true));
    assert!(text_of(&odd).contains("LWM2M action"), "{}", text_of(&odd));
    let planned = call(
        &client,
        "send_device_action",
        json!({ "device_id": device, "protocol": "LWM2M", "action": action }),
    )
    .await;
    assert_eq!(
        structured(&planned)["dry_run"],
        true,
        "{}",
        text_of(&planned)
    );
    let route = "POST /v1/integrate/devices/{device_id}/actions/{protocol}";
    assert_eq!(sandbox.counters().posts_applied_to(route), 0);
    let sent = call(
        &client,
        "send_device_action",
        json!({ "device_id": device, "protocol": "LWM2M", "action": action, "confirm": true }),
    )
    .await;
    assert_ne!(sent.is_error, Some(true), "{}", text_of(&sent));
    assert_eq!(sandbox.counters().posts_applied_to(route), 1);
    let id = structured(&sent)["answer"]["request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let status = call(&client, "action_status", json!({ "request_id": id })).await;
    assert_ne!(status.is_error, Some(true), "{}", text_of(&status));
    assert!(
        structured(&status)["status"].is_string(),
        "{}",
        text_of(&status)
    );
}

/// Odd arguments to every tool (wrong types, empty and huge values, dates
/// at the edge of the calendar, cursors at the edge of u64) are answered,
/// never a panic, and the server keeps serving.
#[tokio::test]
async fn odd_arguments_to_every_tool_are_answered_and_the_server_keeps_serving() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let iccid = sandbox.iccid(1);
    let odd = [
        json!({}),
        json!({ "iccid": "", "device_id": "", "request_id": "" }),
        json!({ "iccid": iccid, "limit": 0 }),
        json!({ "iccid": iccid, "limit": u64::MAX }),
        json!({ "iccid": iccid, "cursor": format!("{}:100", u64::MAX) }),
        json!({ "iccid": iccid, "cursor": "1:0" }),
        json!({ "iccid": iccid, "from": "0001-01-01", "to": "0001-01-01" }),
        json!({ "iccid": iccid, "to": "9999-12-31" }),
        json!({ "iccid": iccid, "to": "-262143-01-01" }),
        json!({ "iccid": iccid, "share": -1.0, "status": "", "iccids": [] }),
        json!({ "iccid": iccid, "label": "a\u{0}b", "text": "", "confirm": true }),
        json!({ "device_id": iccid, "protocol": "UDP", "action": { "payload": "x", "payloadType": "STRING", "port": 70000 } }),
        json!({ "area": [f64::MAX, -1e308, 1e308, 0.0], "source": "Moon" }),
        json!({ "operation": "v1.get_sim", "arguments": { "iccid": "8".repeat(5000) } }),
        json!({ "operation": "v1.list_sims", "arguments": { "page": u64::MAX, "pageSize": -1 } }),
        json!({ "search": "\u{202e}ß".repeat(100) }),
    ];
    let tools = client.list_all_tools().await.unwrap();
    for tool in &tools {
        for arguments in &odd {
            let arguments = arguments.as_object().cloned().unwrap();
            let params = CallToolRequestParams::new(tool.name.clone()).with_arguments(arguments);
            let answer =
                tokio::time::timeout(std::time::Duration::from_secs(10), client.call_tool(params))
                    .await
                    .unwrap_or_else(|_| panic!("{} answered within 10 s", tool.name));
            assert!(answer.is_ok(), "{}: {answer:?}", tool.name);
        }
    }
    let sim = call(&client, "get_sim", json!({ "iccid": iccid })).await;
    assert_eq!(structured(&sim)["iccid"], iccid);
}

/// What the MCP Python SDK's agent (`tests/agents/mcp_agent.py`) saw of
/// `onence mcp` started with `args` against `sandbox`: the tools listed,
/// and each call's result with the SDK's check of it against the tool's
/// outputSchema. Needs Python's `mcp` package (.ci/run installs it).
async fn python_agent(sandbox: &Sandbox, args: &[&str], calls: Value) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/agents/mcp_agent.py");
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_onence"))
        .arg(serde_json::to_string(args).unwrap())
        .arg(calls.to_string())
        .env("ONENCE_BASE_URL", sandbox.base_url())
        .env("ONENCE_CLIENT_ID", sandbox.credentials().user())
        .env("ONENCE_CLIENT_SECRET", sandbox.client_secret())
        .env("ONENCE_NO_TOKEN_CACHE", "1")
        .env_remove("ONENCE_PROFILE")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), output)
        .await
        .expect("the agent finishes")
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "the agent failed (Python's mcp package: pip install mcp==2.3.0; .ci/run installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn tool_names(seen: &Value) -> Vec<String> {
    seen["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// Every tool has a title and an outputSchema, every write tool says it
/// is no read, and the generic tool is marked destructive: hints an agent
/// reads before it calls. Each successful result a Python agent got holds
/// to its tool's schema.
#[tokio::test]
async fn a_python_agent_sees_titles_annotations_and_results_that_fit_their_schemas() {
    let sandbox = fleet().await;
    let iccid = sandbox.iccid(0);
    let calls = json!([
        ["list_sims", { "limit": 2 }],
        ["get_sim", { "iccid": iccid }],
        ["sim_usage", { "iccid": iccid }],
        ["list_orders", {}],
        ["list_products", {}],
        ["list_operations", { "search": "reset" }],
        ["top_up", { "iccid": iccid }],
        ["call_operation", { "operation": "v1.get_sim", "arguments": { "iccid": iccid } }],
    ]);
    let seen = python_agent(&sandbox, &["mcp"], calls).await;
    for tool in seen["tools"].as_array().unwrap() {
        let name = tool["name"].as_str().unwrap();
        assert!(
            tool["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{name} has no title"
        );
        assert!(
            tool["outputSchema"].is_object(),
            "{name} has no outputSchema"
        );
        assert!(tool["annotations"].is_object(), "{name} has no annotations");
    }
    let generic = seen["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "call_operation")
        .unwrap();
    assert_eq!(generic["annotations"]["readOnlyHint"], false);
    assert_eq!(generic["annotations"]["destructiveHint"], true);
    for call in seen["calls"].as_array().unwrap() {
        assert_eq!(call["is_error"], false, "{call}");
        assert_eq!(call["schema_check"], "valid", "{call}");
    }
    assert_eq!(
        seen["calls"][6]["structured"]["dry_run"], true,
        "no confirm, nothing sent"
    );
    assert_eq!(sandbox.counters().top_ups_applied, 0);
}

/// `onence mcp --read-only`, driven by the Python SDK: no write tool is
/// listed, and `call_operation` with `confirm: true` refuses a write with
/// a reason and sends nothing (the sandbox saw no write at all); reads
/// still answer. `--tools` serves only the tools named.
#[tokio::test]
async fn a_read_only_server_lists_no_write_and_sends_none() {
    let sandbox = fleet().await;
    let iccid = sandbox.iccid(0);
    let calls = json!([
        ["call_operation", { "operation": "v1.top_up_sim", "arguments": { "iccid": iccid }, "confirm": true }],
        ["call_operation", { "operation": "v1.update_sim", "arguments": { "iccid": iccid, "body": { "label": "x" } }, "confirm": true }],
        ["call_operation", { "operation": "v1.get_sim", "arguments": { "iccid": iccid } }],
        ["get_sim", { "iccid": iccid }],
    ]);
    let seen = python_agent(&sandbox, &["mcp", "--read-only"], calls).await;
    let names = tool_names(&seen);
    let writes = [
        "top_up",
        "send_sms",
        "set_sim_status",
        "set_sim_label",
        "send_device_action",
        "create_order",
        "reset_connectivity",
        "set_imei_lock",
    ];
    for write in writes {
        assert!(
            !names.iter().any(|n| n == write),
            "{write} is listed: {names:?}"
        );
    }
    assert!(names.iter().any(|n| n == "list_sims") && names.iter().any(|n| n == "call_operation"));
    for tool in seen["tools"].as_array().unwrap() {
        assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
    }
    for refused in &seen["calls"].as_array().unwrap()[..2] {
        assert_eq!(refused["is_error"], true, "{refused}");
        assert!(
            refused["structured"]["error"]
                .as_str()
                .unwrap()
                .contains("read-only"),
            "{refused}"
        );
    }
    assert_eq!(seen["calls"][2]["is_error"], false);
    assert_eq!(seen["calls"][3]["structured"]["iccid"], iccid);
    let counters = sandbox.counters();
    let sent_writes: u64 = counters
        .requests
        .iter()
        .filter(|(route, _)| !route.starts_with("GET ") && route.as_str() != "POST /oauth/token")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(sent_writes, 0, "{:?}", counters.requests);
    assert!(sandbox.writes().is_empty());

    let only = python_agent(
        &sandbox,
        &["mcp", "--tools", "get_sim,list_sims"],
        json!([]),
    )
    .await;
    assert_eq!(tool_names(&only).len(), 2, "{only}");
    let wrong = tokio::process::Command::new(env!("CARGO_BIN_EXE_onence"))
        .args([
            "--sandbox",
            "mcp",
            "--read-only",
            "--tools",
            "get_sim,top_up",
        ])
        .env_remove("ONENCE_CLIENT_ID")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"top_up\" writes"), "{stderr}");
}

/// 1NCE's own MCP server has a connectivity reset, an order and the IMEI
/// lock; so does this one. Without confirm each answers the request it
/// would send and the sandbox sees none; with it, the sandbox shows the
/// change.
#[tokio::test]
async fn reset_order_and_imei_lock_are_tools_behind_the_gate() {
    let sandbox = fleet().await;
    let client = connect(&sandbox).await;
    let iccid = sandbox.iccid(2);
    let order =
        json!({ "products": [{ "product_id": 1001, "quantity": 3 }], "customer_reference": "mcp" });
    let reset = json!({ "iccid": iccid });
    let lock = json!({ "iccid": iccid, "locked": true });

    let planned_order = call(&client, "create_order", order.clone()).await;
    let shown = structured(&planned_order);
    assert_eq!(shown["dry_run"], true, "{shown}");
    assert_eq!(shown["cost_class"], "billed");
    assert_eq!(shown["would_send"][0]["method"], "POST");
    assert_eq!(shown["would_send"][0]["path"], "/v1/orders");
    assert_eq!(
        shown["would_send"][0]["body"]["products"][0]["productId"],
        1001
    );
    let planned_reset = call(&client, "reset_connectivity", reset.clone()).await;
    assert_eq!(
        structured(&planned_reset)["would_send"][0]["path"],
        format!("/v1/sims/{iccid}/reset")
    );
    let planned_lock = call(&client, "set_imei_lock", lock.clone()).await;
    let shown = structured(&planned_lock);
    assert_eq!(shown["would_send"][0]["method"], "PUT", "{shown}");
    assert_eq!(shown["would_send"][0]["body"]["imei_lock"], true, "{shown}");
    let before = sandbox.counters();
    assert_eq!(before.requests_to("POST /v1/orders"), 0);
    assert_eq!(before.requests_to("POST /v1/sims/{iccid}/reset"), 0);
    assert!(sandbox.writes().is_empty(), "nothing sent");

    let confirmed = |mut args: Value| {
        args["confirm"] = json!(true);
        args
    };
    let placed = call(&client, "create_order", confirmed(order)).await;
    assert_ne!(placed.is_error, Some(true), "{}", text_of(&placed));
    assert!(
        structured(&placed)["answer"]["order_number"].is_i64(),
        "{}",
        text_of(&placed)
    );
    let reset_done = call(&client, "reset_connectivity", confirmed(reset)).await;
    assert_ne!(reset_done.is_error, Some(true), "{}", text_of(&reset_done));
    let locked = call(&client, "set_imei_lock", confirmed(lock)).await;
    assert_ne!(locked.is_error, Some(true), "{}", text_of(&locked));
    let after = sandbox.counters();
    assert_eq!(
        after.posts_applied.get("POST /v1/orders"),
        Some(&1),
        "{:?}",
        after.posts_applied
    );
    assert_eq!(after.requests_to("POST /v1/sims/{iccid}/reset"), 1);
    sandbox.apply_queued_changes();
    let sim = call(&client, "get_sim", json!({ "iccid": iccid })).await;
    assert_eq!(structured(&sim)["imei_lock"], true, "{}", text_of(&sim));

    let bad = call(
        &client,
        "create_order",
        json!({ "products": [], "confirm": true }),
    )
    .await;
    assert_eq!(bad.is_error, Some(true));
    assert!(
        text_of(&bad).contains("products must list"),
        "{}",
        text_of(&bad)
    );
    client.cancel().await.unwrap();
}
