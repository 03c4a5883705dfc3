//! `onence topup`: top-ups, one or many, and automatic top-up (billed).

use clap::Subcommand;
use onence::writes::Write;
use onence::{types, Iccid};
use serde_json::{json, Value};

use crate::args::{api_enum, Iccids};
use crate::context::Ctx;
use crate::failure::Failure;
use crate::records::{created, done, sims};
use crate::{input, jobs, output};

/// What `onence topup` does.
#[derive(Subcommand, Debug)]
pub enum TopupVerb {
    /// Top up one SIM (billed; example: onence topup one 8988280666000000000 --yes).
    One {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// How the top-up is paid (the account's default when omitted).
        #[arg(long, value_parser = api_enum::<onence::models::PaymentMethod>())]
        payment_method: Option<onence::models::PaymentMethod>,
    },
    /// Top up many SIMs in one order (billed).
    Many {
        #[command(flatten)]
        iccids: Iccids,
        /// How the top-up is paid (the account's default when omitted).
        #[arg(long, value_parser = api_enum::<onence::models::PaymentMethod>())]
        payment_method: Option<onence::models::PaymentMethod>,
    },
    /// Switch automatic top-up on or off for SIMs (example: onence topup auto on 8988...).
    Auto {
        /// Switch automatic top-up on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[command(flatten)]
        iccids: Iccids,
    },
}

/// Runs one `topup` verb.
pub async fn run(ctx: &Ctx, verb: TopupVerb) -> Result<(), Failure> {
    match verb {
        TopupVerb::One {
            iccid,
            payment_method,
        } => {
            ctx.confirm(&Write::new("top_up_sim", format!("top up {iccid}")))?;
            let order = ctx.client().top_up(&iccid, payment_method).await?;
            let result = created(
                "order",
                "order_number",
                order.map(Value::from),
                &format!("created for {iccid}"),
            );
            ctx.print(output::RESULT, &result)
        }
        TopupVerb::Many {
            iccids,
            payment_method,
        } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            ctx.confirm(&Write::new(
                "top_up_sims",
                format!("top up {}", sims(list.len())),
            ))?;
            let payment = payment_method;
            if list.len() <= onence::limits::BULK_CHUNK && iccids.journal.is_none() {
                // One order: its number is the result.
                let order = ctx.client().top_up_many(&list, payment).await?;
                let rest = format!("created for {}", sims(list.len()));
                return ctx.print(
                    output::RESULT,
                    &created("order", "order_number", order.map(Value::from), &rest),
                );
            }
            let change = onence::jobs::BulkChange::TopUp(payment);
            let report = jobs::run(ctx, "top-up", change, &list, iccids.journal.as_deref()).await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "sims": report.applied + report.skipped, "earlier_run": report.skipped }),
                    format!(
                        "{} topped up ({} in an earlier run), one order per 100",
                        sims(report.applied + report.skipped),
                        report.skipped
                    ),
                ),
            )
        }
        TopupVerb::Auto { state, iccids } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let body = types::AutoTopupRequest {
                enabled: Some(state == "on"),
                iccids: list.iter().map(String::from).collect(),
            };
            // Billed from now on: asked first, as the write policy says.
            ctx.confirm(&Write::new(
                "set_auto_top_up",
                format!("switch automatic top-up {state} for {}", sims(list.len())),
            ))?;
            ctx.client().set_auto_top_up().body(body).send().await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "sims": list.len(), "auto_top_up": state == "on" }),
                    format!("auto top-up {state} for {}", sims(list.len())),
                ),
            )
        }
    }
}
