//! The MCP server driven by rmcp's own client over an in-process pipe,
//! against the sandbox: the tools and their schemas, paging by cursor, the
//! operations list, a write refused without confirm (and nothing sent), a
//! confirmed write made once, errors as tool errors, no secret anywhere.

use onence::mcp::McpServer;
use onence::sandbox::Sandbox;
use onence::{RateLimits, RetryPolicy};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

async fn connect(sandbox: &Sandbox) -> RunningService<RoleClient, ()> {
    let server = McpServer::new(
        sandbox
            .client_builder()
            .rate_limits(RateLimits::none())
            .retry_policy(RetryPolicy::none()),
    )
    .unwrap();
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
        "low_data_sims",
        "list_devices",
        "list_operations",
        "set_sim_status",
        "send_sms",
        "top_up",
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
    assert_eq!(structured(&ops)["count"], 114);
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

    let status = call(
        &client,
        "set_sim_status",
        json!({ "iccids": [iccid], "status": "Disabled" }),
    )
    .await;
    let status = structured(&status);
    assert_eq!(status["dry_run"], true);
    assert_eq!(status["billed"], false);
    assert!(status["would_send"][0]["body"].is_array(), "{status}");
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
