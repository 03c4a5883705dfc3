//! `onence actions`: 1NCE OS action requests (what `onence devices action`
//! sent), listed, read and cancelled.

use clap::Subcommand;
use onence::{ActionRequestId, DeviceId};
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
    },
    /// One action request.
    Get { id: ActionRequestId },
    /// Cancel a request not yet carried out.
    Cancel { id: ActionRequestId },
}

/// Runs one `actions` verb.
pub async fn run(ctx: &Ctx, verb: ActionsVerb) -> Result<(), Failure> {
    let os = ctx.client().os();
    match verb {
        ActionsVerb::List { device } => {
            let pager = match device {
                Some(device) => os.all_action_requests_of(device),
                None => os.all_action_requests(),
            };
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
            ctx.confirm(&format!("cancel the action request {id}"))?;
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
