//! `onence support`: service requests to 1NCE support.

use clap::Subcommand;
use serde_json::json;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use onence::writes::Write;

/// What `onence support` does.
#[derive(Subcommand, Debug)]
pub enum SupportVerb {
    /// The account's service requests, every page.
    List,
    /// Open a service request (asks first; example: onence support create --subject 'No data' --text 'SIM 8988... attaches but moves no data').
    Create {
        /// The subject line.
        #[arg(long)]
        subject: String,
        /// The text of the request.
        #[arg(long)]
        text: String,
        /// The e-mail address support answers to.
        #[arg(long)]
        reply_to: Option<String>,
        /// Your name.
        #[arg(long)]
        sender: Option<String>,
    },
}

/// Runs one `support` verb.
pub async fn run(ctx: &Ctx, verb: SupportVerb) -> Result<(), Failure> {
    match verb {
        SupportVerb::List => {
            ctx.print_pages(
                output::SERVICE_REQUESTS,
                ctx.client().all_service_requests().pages(),
            )
            .await
        }
        SupportVerb::Create {
            subject,
            text,
            reply_to,
            sender,
        } => {
            let body = json!({
                "subject": subject, "text": text, "replyToMail": reply_to, "senderName": sender,
            });
            let request: onence::types::NewServiceRequest =
                serde_json::from_value(body.clone()).map_err(|e| Failure::Usage(e.to_string()))?;
            ctx.confirm(
                &Write::new(
                    "create_service_request",
                    format!("open a service request {subject:?} with 1NCE support"),
                )
                .always_asked(),
            )?;
            ctx.client().open_service_request(request).await?;
            ctx.print(
                output::RESULT,
                &[json!({ "result": "ok", "subject": subject, "detail": format!("service request {subject:?} opened") })],
            )
        }
    }
}
