//! 1NCE OS tools: devices, their positions, geofences, and actions sent to
//! devices with their status. A 1NCE SIM's device id is its ICCID.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::sims::FilteredList;
use super::{answer, to_json};
use crate::api::os::types;
use crate::error::Error;
use crate::helpers::DeviceAction;
use crate::mcp::paging::{page_of, Paging};
use crate::mcp::results::refused;
use crate::mcp::{Answer, McpServer};
use crate::model::{BoundingBox, DeviceId, IntoId};
use crate::writes::{Write, DEVICE_ACTION};

/// One device's positions.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Positions {
    /// The device id (a 1NCE SIM's is its ICCID).
    pub device_id: String,
    /// Only positions from `GPS` or `CellTower`.
    pub source: Option<String>,
    #[serde(flatten)]
    #[schemars(flatten)]
    pub paging: Paging,
}

/// The latest positions, optionally inside a box.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct Latest {
    /// Only devices inside this box: `[longitude_from, latitude_from,
    /// longitude_to, latitude_to]`, south-west corner first.
    pub area: Option<[f64; 4]>,
    #[serde(flatten)]
    #[schemars(flatten)]
    pub paging: Paging,
}

/// An action for a device.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct SendAction {
    /// The device id (a 1NCE SIM's is its ICCID).
    pub device_id: String,
    /// `LWM2M`, `COAP` or `UDP`.
    pub protocol: String,
    /// The action as the API takes it, e.g. for LWM2M `{"action": "read",
    /// "resourceAddress": "/3/0/0", "requestMode": "SEND_NOW", "sendAttempts": 1}`,
    /// for UDP `{"payload": "ping", "payloadType": "STRING", "port": 4445,
    /// "requestMode": "SEND_NOW"}`.
    #[schemars(schema_with = "action_schema")]
    pub action: Value,
    /// `true` to send; otherwise the request is only shown.
    #[serde(default)]
    pub confirm: bool,
}

/// One action request.
#[derive(Debug, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct ActionStatus {
    /// The id `send_device_action` answered.
    pub request_id: String,
}

/// The schema of `action`: one of the three models of an action, as the
/// models themselves describe them (they derive schemars 0.8's schema;
/// rmcp's is schemars 1, so the JSON is carried across).
fn action_schema(_: &mut rmcp::schemars::SchemaGenerator) -> rmcp::schemars::Schema {
    let mut generator = schemars::gen::SchemaSettings::draft07()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let model = |schema: schemars::schema::Schema, protocol: &str| {
        let mut value = serde_json::to_value(schema).unwrap_or_default();
        value["title"] = json!(protocol);
        value
    };
    let one_of = vec![
        model(generator.subschema_for::<types::Lwm2mAction>(), "LWM2M"),
        model(generator.subschema_for::<types::CoapAction>(), "COAP"),
        model(generator.subschema_for::<types::UdpAction>(), "UDP"),
    ];
    let schema = json!({
        "description": "The action, in the model of its protocol (LWM2M, COAP or UDP).",
        "oneOf": one_of,
    });
    rmcp::schemars::Schema::try_from(schema).unwrap_or_default()
}

/// The action `protocol` names, read from the API's own model of it.
fn action_of(protocol: &str, action: &Value) -> Result<DeviceAction, Error> {
    let parsed = |e: serde_json::Error| {
        Error::invalid_input(format!(
            "the {protocol} action does not fit the API's model: {e}"
        ))
    };
    match protocol {
        "LWM2M" => serde_json::from_value(action.clone()).map(DeviceAction::Lwm2m),
        "COAP" => serde_json::from_value(action.clone()).map(DeviceAction::Coap),
        "UDP" => serde_json::from_value(action.clone()).map(DeviceAction::Udp),
        other => {
            return Err(Error::invalid_input(format!(
                "protocol must be LWM2M, COAP or UDP, not {other:?}"
            )))
        }
    }
    .map_err(parsed)
}

#[tool_router(router = device_tools, vis = "pub(crate)")]
impl McpServer {
    #[tool(
        title = "List devices",
        output_schema = crate::mcp::schemas::page(),
        description = "List 1NCE OS devices (a 1NCE SIM's device id is its ICCID) a page at a time; filter as the API's q (iccid, imsi1, ip).",
        annotations(read_only_hint = true)
    )]
    async fn list_devices(&self, Parameters(p): Parameters<FilteredList>) -> Answer {
        let mut pager = self.client.os().all_devices();
        if let Some(q) = &p.filter {
            pager = pager.filter(q.clone());
        }
        answer(page_of(pager, &p.paging).await)
    }

    #[tool(
        title = "Device positions",
        output_schema = crate::mcp::schemas::page(),
        description = "A device's recorded positions (GPS or cell towers), a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn device_positions(&self, Parameters(p): Parameters<Positions>) -> Answer {
        let os = self.client.os();
        let pager = match p.source.as_deref() {
            None => os.all_device_positions(p.device_id.as_str()),
            Some("GPS") => os
                .all_device_positions_from(p.device_id.as_str(), types::DevicePositionsSource::Gps),
            Some("CellTower") => os.all_device_positions_from(
                p.device_id.as_str(),
                types::DevicePositionsSource::CellTower,
            ),
            Some(other) => {
                return Ok(refused(format!(
                    "source must be GPS or CellTower, not {other:?}"
                )))
            }
        };
        answer(page_of(pager, &p.paging).await)
    }

    #[tool(
        title = "Latest device positions",
        output_schema = crate::mcp::schemas::page(),
        description = "The latest position of every device, or of those inside an area, a page at a time.",
        annotations(read_only_hint = true)
    )]
    async fn latest_positions(&self, Parameters(p): Parameters<Latest>) -> Answer {
        let area = match p.area {
            None => None,
            Some([lon_from, lat_from, lon_to, lat_to]) => {
                match BoundingBox::new(lon_from, lat_from, lon_to, lat_to) {
                    Ok(area) => Some(area),
                    Err(e) => return Ok(refused(format!("area: {e}"))),
                }
            }
        };
        answer(page_of(self.client.os().all_latest_positions(area), &p.paging).await)
    }

    #[tool(
        title = "List geofences",
        output_schema = crate::mcp::schemas::page(),
        description = "The account's geofences, a page at a time (the API allows 30 such reads a minute).",
        annotations(read_only_hint = true)
    )]
    async fn list_geofences(&self, Parameters(p): Parameters<Paging>) -> Answer {
        answer(page_of(self.client.os().all_geofences(), &p).await)
    }

    #[tool(
        title = "Send a device action",
        output_schema = crate::mcp::schemas::write(),
        description = "Send an LwM2M, CoAP or UDP action to a device. Without confirm: true it only shows the request it would send. Sent once, never resent; returns the request id for action_status.",
        annotations(
            read_only_hint = false,
            destructive_hint = true,
            idempotent_hint = false
        )
    )]
    async fn send_device_action(&self, Parameters(p): Parameters<SendAction>) -> Answer {
        let checked = action_of(&p.protocol, &p.action).and_then(|action| {
            action.check()?;
            let device: DeviceId = p.device_id.as_str().into_id()?;
            Ok((device, action))
        });
        let (device, action) = match checked {
            Ok(ok) => ok,
            Err(e) => return Ok(refused(e.to_string())),
        };
        let what = format!("send a {} action to {device}", action.protocol());
        self.write(p.confirm, Write::costing(DEVICE_ACTION, what), |client| {
            let (device, action) = (device.clone(), action.clone());
            async move {
                let id = client.os().send_action(device, &action).await?;
                Ok(json!({ "request_id": id.map(|i| i.as_str().to_string()) }))
            }
        })
        .await
    }

    #[tool(
        title = "Device action status",
        output_schema = crate::mcp::schemas::object(),
        description = "An action request's status (SCHEDULED, IN_PROGRESS, SUCCEEDED, FAILED, CANCELLED, ...) and its answer.",
        annotations(read_only_hint = true)
    )]
    async fn action_status(&self, Parameters(p): Parameters<ActionStatus>) -> Answer {
        let os = self.client.os();
        let call = os.get_action_request().request_id(p.request_id.as_str());
        answer(async { Ok(to_json(call.send().await?.into_inner())) }.await)
    }
}
