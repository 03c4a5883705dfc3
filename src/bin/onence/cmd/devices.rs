//! `onence devices`: 1NCE OS devices (for a 1NCE SIM, the device id is its
//! ICCID): listed, read, counted, and sent actions.

use clap::{Args, Subcommand, ValueEnum};
use onence::models::DeviceId;
use onence::os::{AwaitAction, DeviceAction};
use onence::writes::{Write, DEVICE_ACTION};
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::failure::Failure;
use crate::input::ids;
use crate::output;
use crate::records::{done, one, to_values};

/// What `onence devices` does.
#[derive(Subcommand, Debug)]
pub enum DevicesVerb {
    /// Every device (50 a page; the API serves 50 pages: use --filter past 2,500).
    List {
        /// The API's filter, field:value (iccid, imsi1, ip).
        #[arg(long)]
        filter: Option<String>,
    },
    /// One device.
    Get {
        /// The device id (for a 1NCE SIM, its ICCID).
        id: DeviceId,
    },
    /// How many devices there are, and how many are activated.
    Stats,
    /// A device's last known state, by protocol.
    Telemetry {
        /// The device id (for a 1NCE SIM, its ICCID).
        id: DeviceId,
    },
    /// The messages a device sent (example: onence devices history 8988280666000000000 --from 2026-11-01T00:00:00Z).
    History {
        /// The device id (for a 1NCE SIM, its ICCID).
        id: DeviceId,
        /// From this time on (RFC 3339).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// Until this time (RFC 3339).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// How many messages a device sent, by interval and protocol (example: onence devices insights 8988280666000000000 --interval 1d).
    Insights {
        /// The device id (for a 1NCE SIM, its ICCID).
        id: DeviceId,
        /// From this time on (RFC 3339).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// Until this time (RFC 3339).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
        /// The length of an interval, as the API takes it (e.g. 1h, 1d).
        #[arg(long)]
        interval: Option<String>,
    },
    /// Send an action to devices (example: onence devices action 8988280666000000000 --protocol lwm2m --action execute --resource /3/0/4 --wait).
    Action(ActionArgs),
}

/// The protocol of an action.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Protocol {
    /// LwM2M: --action and --resource (and --data for a write).
    Lwm2m,
    /// CoAP: --port, --path, --method and --payload.
    Coap,
    /// UDP: --port and --payload.
    Udp,
}

/// An LwM2M operation.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Lwm2mOp {
    Read,
    Write,
    Execute,
}

/// What `onence devices action` sends, and to whom.
#[derive(Args, Debug)]
pub struct ActionArgs {
    /// The devices (device ids; for 1NCE SIMs their ICCIDs).
    ids: Vec<DeviceId>,
    /// The devices listed in this file, one a line (or on stdin when no id is given).
    #[arg(long)]
    file: Option<std::path::PathBuf>,
    /// How the action reaches the device.
    #[arg(long, value_enum)]
    protocol: Protocol,
    /// The LwM2M operation (with --protocol lwm2m).
    #[arg(long, value_enum)]
    action: Option<Lwm2mOp>,
    /// The LwM2M resource (e.g. /3/0/4).
    #[arg(long)]
    resource: Option<String>,
    /// What an LwM2M write writes.
    #[arg(long)]
    data: Option<String>,
    /// The device's port (UDP).
    #[arg(long)]
    port: Option<u16>,
    /// The text sent (UDP, CoAP).
    #[arg(long)]
    payload: Option<String>,
    /// The CoAP path.
    #[arg(long)]
    path: Option<String>,
    /// The CoAP method.
    #[arg(long, default_value = "POST")]
    method: String,
    /// Wait for each request to be final, and print its status.
    #[arg(long)]
    wait: bool,
}

/// The action the flags describe; a missing flag is named.
fn action_of(args: &ActionArgs) -> Result<DeviceAction, Failure> {
    let need = |flag: &str| {
        Failure::Usage(format!("--protocol {:?} needs {flag}", args.protocol).to_lowercase())
    };
    Ok(match args.protocol {
        Protocol::Lwm2m => {
            let resource = args.resource.clone().ok_or_else(|| need("--resource"))?;
            match args.action.ok_or_else(|| need("--action"))? {
                Lwm2mOp::Read => DeviceAction::lwm2m_read(resource),
                Lwm2mOp::Execute => DeviceAction::lwm2m_execute(resource),
                Lwm2mOp::Write => DeviceAction::lwm2m_write(
                    resource,
                    args.data.clone().ok_or_else(|| need("--data"))?,
                ),
            }
        }
        Protocol::Udp => {
            let port = args.port.ok_or_else(|| need("--port"))?;
            DeviceAction::udp_text(port, args.payload.clone().ok_or_else(|| need("--payload"))?)?
        }
        Protocol::Coap => {
            let port = args.port.ok_or_else(|| need("--port"))?;
            let body = json!({
                "path": args.path.clone().ok_or_else(|| need("--path"))?,
                "port": port, "payload": args.payload, "payloadType": "STRING",
                "requestType": args.method.to_uppercase(), "requestMode": "SEND_NOW", "sendAttempts": 1
            });
            let coap = serde_json::from_value(body)
                .map_err(|e| Failure::Usage(format!("CoAP action: {e}")))?;
            DeviceAction::Coap(coap)
        }
    })
}

/// Runs one `devices` verb.
pub async fn run(ctx: &Ctx, verb: DevicesVerb) -> Result<(), Failure> {
    if let (Some(accounts), DevicesVerb::List { filter }) = (ctx.accounts(), &verb) {
        let filter = filter.clone();
        let lists = accounts.merged(move |client| {
            let mut devices = client.os().all_devices();
            if let Some(filter) = &filter {
                devices = devices.filter(filter.clone());
            }
            devices.pages()
        });
        return ctx.print_accounts(output::DEVICES, lists).await;
    }
    let os = ctx.client().os();
    match verb {
        DevicesVerb::List { filter } => {
            let mut devices = os.all_devices();
            if let Some(filter) = filter {
                devices = devices.filter(filter);
            }
            ctx.print_pages(output::DEVICES, devices.pages()).await
        }
        DevicesVerb::Get { id } => {
            let device = os
                .get_device()
                .device_id(id.as_str())
                .send()
                .await?
                .into_inner();
            ctx.print(output::DEVICES, &one(device))
        }
        DevicesVerb::Stats => {
            let stats = os.get_device_stats().send().await?.into_inner();
            ctx.print(output::DEVICE_STATS, &one(stats))
        }
        DevicesVerb::Telemetry { id } => {
            let telemetry = os
                .device_telemetry()
                .device_id(id.as_str())
                .send()
                .await?
                .into_inner();
            ctx.print(output::TELEMETRY, &one(telemetry))
        }
        DevicesVerb::History { id, from, to } => {
            let history = os.all_device_history(&id, from, to);
            ctx.print_cursor_pages(output::HISTORY, history.pages())
                .await
        }
        DevicesVerb::Insights {
            id,
            from,
            to,
            interval,
        } => {
            if let (Some(from), Some(to)) = (from, to) {
                if to < from {
                    return Err(Failure::Usage(format!("--to {to} is before --from {from}")));
                }
            }
            let time = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            };
            let mut call = os.device_history_insights().device_id(id.as_str());
            if let Some(from) = from {
                call = call.start_date_time(time(from));
            }
            if let Some(to) = to {
                call = call.end_date_time(time(to));
            }
            if let Some(interval) = interval {
                call = call.interval(interval);
            }
            let insights = call.send().await?.into_inner();
            ctx.print(output::INSIGHTS, &to_values(insights.items))
        }
        DevicesVerb::Action(args) => {
            let action = action_of(&args)?;
            let ids = ids(&args.ids, args.file.as_ref(), "device ids")?;
            let what = format!(
                "send a {} action to {}",
                action.protocol(),
                crate::records::count(ids.len(), "device", "devices")
            );
            ctx.confirm(&Write::costing(DEVICE_ACTION, what).always_asked())?;
            let sent: Vec<(DeviceId, Option<onence::models::ActionRequestId>)> = if ids.len() == 1 {
                vec![(ids[0].clone(), os.send_action(&ids[0], &action).await?)]
            } else {
                let report = os.send_action_to_many(&ids, &action).await?;
                let refused = report.rejected.len() + report.unknown.len() + report.failed.len();
                if refused > 0 {
                    let detail = json!({ "rejected": report.rejected, "unknown": report.unknown,
                        "failed": report.failed.iter().map(|(d, why)| json!({ "device": d, "why": why })).collect::<Vec<_>>() });
                    eprintln!("not accepted by the API: {detail}");
                }
                report.accepted
            };
            let mut records: Vec<Value> = Vec::new();
            for (device, request) in sent {
                let mut status = Value::Null;
                if let (true, Some(request)) = (args.wait, &request) {
                    let final_ = os.await_action(request, AwaitAction::default()).await?;
                    status = json!(final_.status);
                }
                records.extend(done(
                    json!({ "device": device, "request_id": request, "status": status }),
                    format!("{} action sent to {device}", action.protocol()),
                ));
            }
            ctx.print(output::ACTION_SENT, &to_values(records))
        }
    }
}
