//! `onence actions`: 1NCE OS action requests (what `onence devices action`
//! sent), listed, read and cancelled.

use clap::{Subcommand, ValueEnum};
use onence::models::{ActionRequestId, DeviceId};
use onence::os::types::ListActionRequestsStatus;
use onence::writes::Write;
use serde_json::json;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::{done, one};

/// What `onence actions` does.
#[derive(Subcommand, Debug)]
pub enum ActionsVerb {
    /// Every action request, the newest first.
    List {
        /// Only those sent to this device.
        #[arg(long)]
        device: Option<DeviceId>,
        /// Only those with this status.
        #[arg(long, value_enum)]
        status: Option<Status>,
    },
    /// One action request.
    Get {
        /// The action request's id (from onence actions list, or printed when sent).
        id: ActionRequestId,
    },
    /// Cancel a request not yet carried out.
    Cancel {
        /// The action request's id (from onence actions list, or printed when sent).
        id: ActionRequestId,
    },
}

/// The status of an action request.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Status {
    /// Waiting to be sent.
    Scheduled,
    /// Sent, not yet answered.
    InProgress,
    /// Carried out.
    Succeeded,
    /// Refused by the device or undeliverable.
    Failed,
    /// Cancelled before it was carried out.
    Cancelled,
}

impl From<Status> for ListActionRequestsStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Scheduled => ListActionRequestsStatus::Scheduled,
            Status::InProgress => ListActionRequestsStatus::InProgress,
            Status::Succeeded => ListActionRequestsStatus::Succeeded,
            Status::Failed => ListActionRequestsStatus::Failed,
            Status::Cancelled => ListActionRequestsStatus::Cancelled,
        }
    }
}

/// Runs one `actions` verb.
pub async fn run(ctx: &Ctx, verb: ActionsVerb) -> Result<(), Failure> {
    let os = ctx.client().os();
    match verb {
        ActionsVerb::List { device, status } => {
            let pager = os.all_action_requests_matching(device, status.map(Into::into));
            ctx.print_pages(output::ACTIONS, pager.pages()).await
        }
        ActionsVerb::Get { id } => {
            let request = os
                .get_action_request()
                .request_id(id.as_str())
                .send()
                .await?
                .into_inner();
            ctx.print(output::ACTIONS, &one(request))
        }
        ActionsVerb::Cancel { id } => {
            ctx.confirm(
                &Write::new(
                    "cancel_action_request",
                    format!("cancel the action request {id}"),
                )
                .always_asked(),
            )?;
            os.cancel_action_request()
                .request_id(id.as_str())
                .send()
                .await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "request_id": id }),
                    format!("action request {id} cancelled"),
                ),
            )
        }
    }
}
