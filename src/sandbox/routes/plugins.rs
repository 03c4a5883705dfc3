//! 1NCE OS partner plugins: Datacake, Mender, Tartabit and Memfault,
//! installed once each, read, restarted and uninstalled. A plugin is
//! ACTIVE once installed; the sandbox reaches no partner.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use super::stored::Store;
use crate::sandbox::answer::{bad, body, not_found, refuse, Answer, Outcome, Refusal};
use crate::sandbox::fleet::api_time;
use crate::sandbox::state::Shared;

/// The fields a partner's installation takes: (name, longest, required).
fn settings_of(partner: &str) -> Result<&'static [(&'static str, usize, bool)], Refusal> {
    Ok(match partner {
        "DATACAKE" => &[("workspaceId", 64, true)],
        "MENDER" => &[
            ("tenantToken", 800, true),
            ("privateKey", 3000, false),
            ("publicKey", 1000, false),
        ],
        "TARTABIT" => &[("serverDomain", 253, true), ("webhookKey", 40, true)],
        "MEMFAULT" => &[],
        other => return Err(not_found(&format!("partner {other}"))),
    })
}

/// `POST /v1/partners/{partner}/plugins`: one installation a partner.
pub(crate) async fn install(
    State(shared): State<Arc<Shared>>,
    Path(partner): Path<String>,
    request: Result<Json<Value>, JsonRejection>,
) -> Outcome {
    let settings = settings_of(&partner)?;
    let request = body(request)?;
    let mut plugin = Map::new();
    for (name, longest, required) in settings {
        match request.get(*name) {
            None | Some(Value::Null) if !required => {}
            Some(Value::String(v)) if (1..=*longest).contains(&v.chars().count()) => {
                plugin.insert((*name).into(), json!(v));
            }
            _ => return Err(bad(format!("{name} must be 1 to {longest} characters"))),
        }
    }
    let mut data = shared.data();
    if data
        .plugins
        .values()
        .any(|p| p["partner"] == partner.as_str())
    {
        return Err(refuse(409, format!("a {partner} plugin is installed")));
    }
    let id = data.new_os_id("plugin");
    if partner == "MENDER" {
        // The document answers both keys; a key not sent was generated.
        for key in ["privateKey", "publicKey"] {
            plugin
                .entry(key)
                .or_insert_with(|| json!(format!("sandbox-{key}-{id}")));
        }
    }
    if partner == "MEMFAULT" {
        plugin.insert("email".into(), json!(format!("{id}@sandbox.invalid")));
        plugin.insert("url".into(), json!("https://app.memfault.com"));
        plugin.insert("memfaultProjectId".into(), json!(format!("project-{id}")));
    }
    let now = api_time(shared.now());
    for (name, value) in [
        ("id", &id),
        ("partner", &partner),
        ("status", &"ACTIVE".into()),
    ] {
        plugin.insert(name.into(), json!(value));
    }
    plugin.insert("created".into(), json!(now));
    plugin.insert("updated".into(), json!(now));
    let plugin = Value::Object(plugin);
    let message = format!("{partner} plugin {id} installed");
    data.log(shared.now(), "INTEGRATION", message, None);
    data.plugins.insert(id, plugin.clone());
    // The install answer of Memfault has none of the fields a read gives.
    let mut answer = plugin;
    for field in ["email", "url", "memfaultProjectId"] {
        answer.as_object_mut().map(|p| p.remove(field));
    }
    Ok(Answer::json(201, answer))
}

/// `GET /v1/partners/plugins`: what every installation shares.
pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Outcome {
    let data = shared.data_now();
    let items: Vec<Value> = data
        .plugins
        .values()
        .map(|p| json!({ "id": p["id"], "partner": p["partner"], "status": p["status"], "created": p["created"], "updated": p["updated"] }))
        .collect();
    Ok(Answer::json(
        200,
        json!({ "items": items, "page": 1, "pageAmount": 1 }),
    ))
}

/// `GET /v1/partners/plugins/{pluginId}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let data = shared.data_now();
    let plugin = data.plugins.get(&id);
    let plugin = plugin.ok_or_else(|| not_found(&format!("plugin {id}")))?;
    Ok(Answer::json(200, plugin.clone()))
}

/// `POST /v1/partners/plugins/{pluginId}/restart`: the document restarts
/// Datacake and Tartabit plugins only; the others are a 409.
pub(crate) async fn restart(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Outcome {
    let plugins = Store {
        records: |data| &mut data.plugins,
        noun: "plugin",
        stamp: "updated",
    };
    let plugin = plugins.change(&shared, &id, "restarted", |plugin| {
        if !(plugin["partner"] == "DATACAKE" || plugin["partner"] == "TARTABIT") {
            return Err(refuse(
                409,
                format!("a {} plugin cannot be restarted", plugin["partner"]),
            ));
        }
        plugin["status"] = json!("ACTIVE");
        Ok(())
    })?;
    Ok(Answer::json(
        200,
        json!({ "plugin": plugin, "restartStatus": "SUCCESS", "message": "the plugin was restarted" }),
    ))
}

/// `DELETE /v1/partners/plugins/{pluginId}`.
pub(crate) async fn uninstall(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Outcome {
    let mut data = shared.data();
    data.plugins
        .remove(&id)
        .ok_or_else(|| not_found(&format!("plugin {id}")))?;
    data.log(
        shared.now(),
        "INTEGRATION",
        format!("plugin {id} uninstalled"),
        None,
    );
    Ok(Answer::empty(204))
}
