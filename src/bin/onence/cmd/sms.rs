//! `onence sms`: SMS to and from devices.

#[allow(unused_imports)]
use crate::*;

/// What `onence sms` does.
#[derive(Subcommand, Debug)]
pub enum SmsVerb {
    /// A SIM's SMS, every page.
    List { iccid: String },
    /// Send an SMS to a device (example: onence sms send 8988280666000000000 'reboot').
    Send { iccid: String, text: String },
    /// One SMS.
    Get { iccid: String, id: i64 },
    /// Cancel an SMS not yet delivered.
    Cancel { iccid: String, id: i64 },
}

/// Runs one `sms` verb.
pub async fn sms(ctx: &Ctx, verb: SmsVerb) -> Result<(), Failure> {
    match verb {
        SmsVerb::List { iccid } => {
            check_iccid(&iccid)?;
            ctx.print_pages(output::SMS, ctx.client().all_sms(&iccid).pages())
                .await
        }
        SmsVerb::Send { iccid, text } => {
            check_iccid(&iccid)?;
            if text.is_empty() {
                return Err(Failure::Usage("the SMS text is empty".into()));
            }
            let message = types::SmsMessage {
                payload: Some(text),
                ..Default::default()
            };
            let id = ctx.client().send_sms_text(&iccid, message).await?;
            let result = created("SMS", "sms_id", id, &format!("sent to {iccid}"));
            ctx.print(output::RESULT, &result)
        }
        SmsVerb::Get { iccid, id } => {
            check_iccid(&iccid)?;
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
            check_iccid(&iccid)?;
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
