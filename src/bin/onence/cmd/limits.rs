//! `onence limits`: the account's monthly caps.

use clap::Subcommand;
use onence::types;
use onence::writes::Write;
use serde_json::json;

use crate::args::api_enum;
use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::{done, one};

/// What `onence limits` does.
#[derive(Subcommand, Debug)]
pub enum LimitsVerb {
    /// The caps in force.
    Get,
    /// Set caps by the ids `limits options` lists (example: onence limits set --data 2).
    Set {
        /// The data cap's id (from onence limits options data).
        #[arg(long)]
        data: Option<i64>,
        /// The cap on SMS to devices, by id (from onence limits options smsMT).
        #[arg(long)]
        sms_mt: Option<i64>,
        /// The cap on SMS from devices, by id (from onence limits options smsMO).
        #[arg(long)]
        sms_mo: Option<i64>,
    },
    /// Selectable caps of a service (data, smsMT, smsMO).
    Options {
        /// The service whose caps to list.
        #[arg(value_parser = api_enum::<types::ListLimitOptionsService>())]
        service: types::ListLimitOptionsService,
    },
}

/// Runs one `limits` verb.
pub async fn run(ctx: &Ctx, verb: LimitsVerb) -> Result<(), Failure> {
    match verb {
        LimitsVerb::Get => {
            let limits = ctx.client().get_limits().send().await?.into_inner();
            ctx.print(output::LIMITS, &one(limits))
        }
        LimitsVerb::Set {
            data,
            sms_mt,
            sms_mo,
        } => {
            if data.is_none() && sms_mt.is_none() && sms_mo.is_none() {
                return Err(Failure::Usage(
                    "give at least one of --data, --sms-mt, --sms-mo".into(),
                ));
            }
            let body = types::SetLimitsRequest {
                data_limit_id: data,
                sms_mt_limit_id: sms_mt,
                sms_mo_limit_id: sms_mo,
            };
            ctx.confirm(
                &Write::new(
                    "set_limits",
                    "change the account's monthly limits (every SIM)",
                )
                .always_asked(),
            )?;
            ctx.client().set_limits().body(body).send().await?;
            ctx.print(output::RESULT, &done(
                    json!({ "data_limit_id": data, "sms_mt_limit_id": sms_mt, "sms_mo_limit_id": sms_mo }),
                    "limits set",
                ))
        }
        LimitsVerb::Options { service } => {
            let options = ctx
                .client()
                .list_limit_options()
                .service(service)
                .send()
                .await?
                .into_inner();
            ctx.print(output::LIMITS, &one(options))
        }
    }
}
