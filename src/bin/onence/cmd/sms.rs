//! `onence sms`: SMS to and from devices.

use clap::Subcommand;
use onence::models::SmsId;
use onence::Iccid;
use serde_json::json;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::{created, done, one, sms_id};

/// What `onence sms` does.
#[derive(Subcommand, Debug)]
pub enum SmsVerb {
    /// A SIM's SMS, every page.
    List {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// Send an SMS to a device (example: onence sms send 8988280666000000000 'reboot').
    Send {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// The message: one SMS of at most 160 characters (a longer one is refused before sending).
        text: String,
    },
    /// One SMS.
    Get {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// The SMS's id (from onence sms list).
        id: i64,
    },
    /// Cancel an SMS not yet delivered.
    Cancel {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// The SMS's id (from onence sms list).
        id: i64,
    },
}

/// Runs one `sms` verb.
pub async fn run(ctx: &Ctx, verb: SmsVerb) -> Result<(), Failure> {
    match verb {
        SmsVerb::List { iccid } => {
            ctx.print_pages(output::SMS, ctx.client().all_sms(&iccid).pages())
                .await
        }
        SmsVerb::Send { iccid, text } => {
            if text.is_empty() {
                return Err(Failure::Usage("the SMS text is empty".into()));
            }
            let id: Option<SmsId> = ctx.client().send_sms_text(&iccid, &text).await?;
            let result = created("SMS", "sms_id", id.map(sms_id), &format!("sent to {iccid}"));
            ctx.print(output::RESULT, &result)
        }
        SmsVerb::Get { iccid, id } => {
            let sms = ctx
                .client()
                .get_sms()
                .iccid(&iccid)
                .id(id)
                .send()
                .await?
                .into_inner();
            ctx.print(output::SMS, &one(sms))
        }
        SmsVerb::Cancel { iccid, id } => {
            ctx.client()
                .cancel_sms()
                .iccid(&iccid)
                .id(id)
                .send()
                .await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "iccid": iccid, "sms_id": id }),
                    format!("SMS {id} cancelled"),
                ),
            )
        }
    }
}
