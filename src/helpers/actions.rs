//! Actions sent to devices (1NCE OS): an LwM2M, CoAP or UDP request to one
//! device or to many, and the wait for its outcome. Each action is a write:
//! sent once, never resent (see [`RetryPolicy`](crate::config::RetryPolicy)); the
//! request id the API answers is what [`os::Client::await_action`] looks up.

use std::time::Duration;

use serde_json::Value;

use crate::api::os::{self, types};
use crate::error::{During, Error, ErrorKind, Result};
use crate::helpers::body_bytes;
use crate::model::{ActionRequestId, DeviceId, IntoId};

pub use crate::transport::checks::ACTION_BULK_LIMIT;

/// An action for a device, in one of the protocols 1NCE OS speaks. Build
/// one from the generated request model, or with a constructor below.
#[derive(Clone, Debug)]
pub enum DeviceAction {
    /// An LwM2M read, write, execute or observation.
    Lwm2m(types::Lwm2mAction),
    /// A CoAP request.
    Coap(types::CoapAction),
    /// A UDP datagram.
    Udp(types::UdpAction),
}

impl DeviceAction {
    /// Reads the LwM2M resource at `address` (e.g. `/3/0/0`).
    pub fn lwm2m_read(address: impl Into<String>) -> DeviceAction {
        DeviceAction::lwm2m(types::Lwm2mActionAction::Read, address, None)
    }

    /// Writes `data` to the LwM2M resource at `address`.
    pub fn lwm2m_write(address: impl Into<String>, data: impl Into<String>) -> DeviceAction {
        DeviceAction::lwm2m(types::Lwm2mActionAction::Write, address, Some(data.into()))
    }

    /// Executes the LwM2M resource at `address` (a reboot is `/3/0/4`).
    pub fn lwm2m_execute(address: impl Into<String>) -> DeviceAction {
        DeviceAction::lwm2m(types::Lwm2mActionAction::Execute, address, None)
    }

    fn lwm2m(
        action: types::Lwm2mActionAction,
        address: impl Into<String>,
        data: Option<String>,
    ) -> DeviceAction {
        DeviceAction::Lwm2m(types::Lwm2mAction {
            action,
            data,
            request_mode: types::Lwm2mActionRequestMode::SendNow,
            resource_address: address.into(),
            send_attempts: 1.0,
        })
    }

    /// Sends `text` to the device's UDP `port`.
    pub fn udp_text(port: u16, text: impl Into<String>) -> Result<DeviceAction> {
        let port = std::num::NonZeroU64::new(u64::from(port))
            .ok_or_else(|| Error::invalid_input("UDP port 0 is not a port"))?;
        Ok(DeviceAction::Udp(types::UdpAction {
            payload: text.into(),
            payload_type: types::UdpActionPayloadType::String,
            port,
            request_mode: types::UdpActionRequestMode::SendNow,
        }))
    }

    /// The protocol, as the CLI and the action requests name it.
    pub fn protocol(&self) -> &'static str {
        match self {
            DeviceAction::Lwm2m(_) => "LWM2M",
            DeviceAction::Coap(_) => "COAP",
            DeviceAction::Udp(_) => "UDP",
        }
    }

    /// The checks the generated model cannot make: 1 to 5 send attempts, a
    /// port in 1..=65535, a written value for an LwM2M write.
    pub(crate) fn check(&self) -> Result<()> {
        let attempts = match self {
            DeviceAction::Lwm2m(a) => Some(a.send_attempts),
            DeviceAction::Coap(a) => Some(a.send_attempts),
            DeviceAction::Udp(_) => None,
        };
        if let Some(n) = attempts.filter(|n| !(1.0..=5.0).contains(n) || n.fract() != 0.0) {
            return Err(Error::invalid_input(format!(
                "send attempts {n} is not a whole number from 1 to 5"
            )));
        }
        let port = match self {
            DeviceAction::Coap(a) => Some(a.port.get()),
            DeviceAction::Udp(a) => Some(a.port.get()),
            DeviceAction::Lwm2m(_) => None,
        };
        if let Some(port) = port.filter(|p| *p > 65535) {
            return Err(Error::invalid_input(format!(
                "port {port} is not a port (1 to 65535)"
            )));
        }
        if let DeviceAction::Lwm2m(a) = self {
            if a.action == types::Lwm2mActionAction::Write && a.data.is_none() {
                return Err(Error::invalid_input(
                    "an LwM2M write needs the data to write",
                ));
            }
            if a.resource_address.trim().is_empty() {
                return Err(Error::invalid_input("the LwM2M resource address is empty"));
            }
        }
        Ok(())
    }
}

/// What a bulk action came to, device by device. Devices whose chunk got no
/// answer are listed apart: the action may have reached them, so they must
/// not be sent it again blindly.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BulkActionReport {
    /// (device, request id) of each device the API accepted the action for.
    pub accepted: Vec<(DeviceId, Option<ActionRequestId>)>,
    /// Devices the API refused, as it named them.
    pub rejected: Vec<String>,
    /// Devices whose request was sent without an answer: may have been applied.
    pub unknown: Vec<DeviceId>,
    /// Devices whose request the API refused as a whole, with its message.
    pub failed: Vec<(DeviceId, String)>,
}

/// How long [`os::Client::await_action`] waits, and how often it looks.
#[derive(Clone, Copy, Debug)]
pub struct AwaitAction {
    timeout: Duration,
    first_interval: Duration,
    max_interval: Duration,
}

impl Default for AwaitAction {
    /// Up to 10 minutes, looking after 1 s, then twice as long each time up to 30 s.
    fn default() -> Self {
        AwaitAction {
            timeout: Duration::from_secs(600),
            first_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(30),
        }
    }
}

impl AwaitAction {
    /// Give up after `timeout` (at most a day).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.min(Duration::from_secs(86_400));
        self
    }

    /// Look first after `first`, then at most every `max` (each at least 10 ms).
    pub fn with_intervals(mut self, first: Duration, max: Duration) -> Self {
        let floor = Duration::from_millis(10);
        self.first_interval = first.max(floor);
        self.max_interval = max.max(self.first_interval);
        self
    }
}

/// Whether a request's status is final: anything but scheduled or in
/// progress (an unseen status, say `EXPIRED`, is final too).
pub fn is_final(status: Option<&types::ActionRequestStatus>) -> bool {
    !matches!(
        status,
        None | Some(types::ActionRequestStatus::Scheduled)
            | Some(types::ActionRequestStatus::InProgress)
    )
}

/// The request id in a single action's answer (`{"id": ..., "message": ...}`).
fn request_id(body: Option<Vec<u8>>, operation: &str) -> Option<ActionRequestId> {
    let json: Value = serde_json::from_slice(&body?).ok()?;
    let id = json.get("id")?.as_str()?;
    match ActionRequestId::new(id) {
        Ok(id) => Some(id),
        Err(e) => {
            tracing::warn!(operation, error = %e, "accepted; the answer's request id is unusable");
            None
        }
    }
}

/// The bulk request for `devices`: the single action's fields and `deviceIds`.
fn bulk_body<B: serde::de::DeserializeOwned>(
    action: &impl serde::Serialize,
    devices: &[DeviceId],
) -> Result<B> {
    let mut json = serde_json::to_value(action).map_err(|e| Error::invalid_input(e.to_string()))?;
    json["deviceIds"] =
        serde_json::to_value(devices).map_err(|e| Error::invalid_input(e.to_string()))?;
    serde_json::from_value(json)
        .map_err(|e| Error::invalid_input(format!("the action cannot go to many devices: {e}")))
}

impl os::Client {
    /// Sends `action` to one device. Sent once: never resent.
    ///
    /// `Ok(Some(id))` names the action request to await
    /// ([`await_action`](os::Client::await_action)); `Ok(None)` means the
    /// API accepted it without a readable id: it was sent all the same.
    pub async fn send_action(
        &self,
        device: impl IntoId<DeviceId>,
        action: &DeviceAction,
    ) -> Result<Option<ActionRequestId>> {
        let operation = match action {
            DeviceAction::Lwm2m(_) => "send_lwm2m_action",
            DeviceAction::Coap(_) => "send_coap_action",
            DeviceAction::Udp(_) => "send_udp_action",
        };
        let device = String::from(device.into_id().during(operation)?);
        action.check().during(operation)?;
        let answer = match action {
            DeviceAction::Lwm2m(a) => {
                self.send_lwm2m_action()
                    .device_id(device)
                    .body(a.clone())
                    .send()
                    .await
            }
            DeviceAction::Coap(a) => {
                self.send_coap_action()
                    .device_id(device)
                    .body(a.clone())
                    .send()
                    .await
            }
            DeviceAction::Udp(a) => {
                self.send_udp_action()
                    .device_id(device)
                    .body(a.clone())
                    .send()
                    .await
            }
        };
        let body = body_bytes(answer.during(operation)?.into_inner()).await;
        Ok(request_id(body, operation))
    }

    /// Sends `action` to many devices, [`ACTION_BULK_LIMIT`] a request.
    /// Every id is checked before the first request. Each request is sent
    /// once; see [`BulkActionReport`] for what came of each device.
    pub async fn send_action_to_many<I>(
        &self,
        devices: I,
        action: &DeviceAction,
    ) -> Result<BulkActionReport>
    where
        I: IntoIterator,
        I::Item: IntoId<DeviceId>,
    {
        let operation = match action {
            DeviceAction::Lwm2m(_) => "send_lwm2m_actions",
            DeviceAction::Coap(_) => "send_coap_actions",
            DeviceAction::Udp(_) => "send_udp_actions",
        };
        let devices: Vec<DeviceId> = devices
            .into_iter()
            .map(IntoId::into_id)
            .collect::<Result<_>>()
            .during(operation)?;
        if devices.is_empty() {
            return Err(
                Error::invalid_input("no device to send the action to").with_operation(operation)
            );
        }
        action.check().during(operation)?;
        let mut report = BulkActionReport::default();
        for chunk in devices.chunks(ACTION_BULK_LIMIT) {
            let answer = match action {
                DeviceAction::Lwm2m(a) => {
                    let body: types::BulkLwm2mAction = bulk_body(a, chunk).during(operation)?;
                    self.send_lwm2m_actions().body(body).send().await
                }
                DeviceAction::Coap(a) => {
                    let body: types::BulkCoapAction = bulk_body(a, chunk).during(operation)?;
                    self.send_coap_actions().body(body).send().await
                }
                DeviceAction::Udp(a) => {
                    let body: types::BulkUdpAction = bulk_body(a, chunk).during(operation)?;
                    self.send_udp_actions().body(body).send().await
                }
            };
            match answer.during(operation) {
                Ok(answer) => {
                    let body = body_bytes(answer.into_inner()).await;
                    read_bulk_answer(body, chunk, &mut report);
                }
                Err(e) if e.is_outcome_unknown() => report.unknown.extend_from_slice(chunk),
                Err(e) => {
                    let why = e.to_string();
                    report
                        .failed
                        .extend(chunk.iter().map(|d| (d.clone(), why.clone())));
                }
            }
        }
        Ok(report)
    }

    /// Waits until the action request `request` is final (succeeded,
    /// failed, cancelled, or a status 1NCE adds), looking with a growing
    /// interval, and answers it. A timeout is an error of kind
    /// [`Timeout`](ErrorKind::Timeout) whose message names the request, so
    /// the caller can look again later.
    pub async fn await_action(
        &self,
        request: impl IntoId<ActionRequestId>,
        wait: AwaitAction,
    ) -> Result<types::ActionRequest> {
        let operation = "get_action_request";
        let request = request.into_id().during(operation)?;
        let deadline = tokio::time::Instant::now() + wait.timeout;
        let mut interval = wait.first_interval;
        loop {
            let answer = self
                .get_action_request()
                .request_id(request.as_str())
                .send()
                .await
                .during(operation)?
                .into_inner();
            if is_final(answer.status.as_ref()) {
                return Ok(answer);
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                let status = answer
                    .status
                    .map_or("unknown".to_string(), |s| s.to_string());
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "action request {request} is still {status} after {:?}; look again with await_action",
                        wait.timeout
                    ),
                )
                .with_operation(operation));
            }
            tokio::time::sleep(interval.min(deadline - now)).await;
            interval = (interval * 2).min(wait.max_interval);
        }
    }
}

/// Reads a bulk answer into `report`: accepted with their ids, rejected as
/// named. A chunk whose answer cannot be read was accepted all the same.
fn read_bulk_answer(body: Option<Vec<u8>>, chunk: &[DeviceId], report: &mut BulkActionReport) {
    let json: Option<Value> = body.and_then(|b| serde_json::from_slice(&b).ok());
    let Some(json) = json else {
        report
            .accepted
            .extend(chunk.iter().map(|d| (d.clone(), None)));
        return;
    };
    let rejected: Vec<String> = json["rejectedDevices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str().map(str::to_string))
        .collect();
    for device in chunk {
        if rejected.iter().any(|r| r == device.as_str()) {
            continue;
        }
        let id = json["acceptedRequests"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["deviceId"].as_str() == Some(device.as_str()))
            .and_then(|a| a["requestId"].as_str())
            .and_then(|id| ActionRequestId::new(id).ok());
        report.accepted.push((device.clone(), id));
    }
    report.rejected.extend(rejected);
}
