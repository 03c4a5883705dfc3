//! `onence sims`: list, read and change SIMs.

use chrono::NaiveDate;
use clap::Subcommand;
use onence::jobs::{BulkChange, LowDataReport};
use onence::writes::Write;
use onence::{types, ErrorKind, Iccid};
use serde_json::json;

use crate::args::{api_enum, Iccids};
use crate::context::Ctx;
use crate::failure::Failure;
use crate::records::{done, one, sims, to_values};
use crate::{input, jobs, output};

/// What `onence sims` does.
#[derive(Subcommand, Debug)]
pub enum SimVerb {
    /// List SIMs, every page (example: onence sims list --filter ip_address:10.0.0.1).
    List {
        /// Filters as field:value, comma-separated (imei, ip_address).
        #[arg(long)]
        filter: Option<String>,
        /// Sort keys, comma-separated; - for descending (imei, ip_address).
        #[arg(long, allow_hyphen_values = true)]
        sort: Option<String>,
    },
    /// SIMs below a share of their data, found with the fewest calls
    /// (example: onence --all-profiles sims low-data --below 0.1).
    LowData {
        /// The share of its data a SIM has left, 0 to 1 (default 0.2).
        #[arg(long, default_value_t = onence::jobs::QUOTA_STATUS_SHARE, value_parser = share)]
        below: f64,
    },
    /// One SIM's details (example: onence sims get 8988280666000000000).
    Get {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// Network status of a SIM.
    Status {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// A SIM, its connectivity and both quotas with their thresholds, in one
    /// view (SIM Management v2; example: onence sims details 8988280666000000000).
    Details {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// Subscriber location and USSD probe of a SIM.
    Connectivity {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// Also probe over USSD.
        #[arg(long)]
        ussd: bool,
    },
    /// Enable SIMs (example: onence sims enable 8988280666000000000).
    Enable(Iccids),
    /// Disable SIMs (example: onence sims disable --file fleet.txt --yes).
    Disable(Iccids),
    /// Set a SIM's label (example: onence sims label 8988280666000000000 pump-7).
    Label {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// The new label, at most 255 characters (an empty one clears it).
        label: String,
    },
    /// Lock SIMs to their devices, or unlock them with --off.
    ImeiLock {
        #[command(flatten)]
        iccids: Iccids,
        /// Unlock instead.
        #[arg(long)]
        off: bool,
    },
    /// Reset a SIM's network connection.
    Reset {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// Daily usage between two dates (example: onence sims usage 8988... --from 2024-01-01 --to 2024-01-31).
    Usage {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
        /// The first day (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// The last day (YYYY-MM-DD), included.
        #[arg(long)]
        to: NaiveDate,
    },
    /// A SIM's events.
    Events {
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// What a SIM has left (example: onence sims quota data 8988280666000000000).
    Quota {
        /// Which quota: data or sms.
        #[arg(value_parser = ["data", "sms"])]
        kind: String,
        /// The SIM's ICCID: the 19 digits 1NCE names it by (without the check digit).
        iccid: Iccid,
    },
    /// Move SIMs to another organisation.
    Transfer {
        #[command(flatten)]
        iccids: Iccids,
        /// The organisation receiving them.
        #[arg(long)]
        to: i64,
    },
    /// Renew SIMs' lifetime and quota (billed).
    Extend {
        #[command(flatten)]
        iccids: Iccids,
        /// Switch to this product while extending.
        #[arg(long)]
        product: Option<i64>,
        /// banktransfer, creditcard or boleto.
        #[arg(long, value_parser = api_enum::<types::ExtendSimsPaymentMethod>())]
        payment_method: Option<types::ExtendSimsPaymentMethod>,
    },
}

/// A share from 0 to 1.
fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("{text:?} is no share from 0 to 1 (0.2 is 20%)")),
    }
}

/// The rows of a low-data report: each SIM's share left in percent, cut
/// (not rounded) to one decimal, so that 19.96% never shows as 20.0 under
/// "below 20%".
fn low_rows(report: &LowDataReport) -> Vec<serde_json::Value> {
    report
        .low
        .iter()
        .map(|found| {
            let percent = found
                .data_left_share()
                .map(|share| (share * 1000.0).floor() / 10.0);
            json!({
                "iccid": found.sim.iccid, "label": found.sim.label, "left_percent": percent,
                "volume": found.quota.volume, "total_volume": found.quota.total_volume,
            })
        })
        .collect()
}

/// Runs one `sims` verb.
pub async fn run(ctx: &Ctx, verb: SimVerb) -> Result<(), Failure> {
    if let Some(accounts) = ctx.accounts() {
        return match verb {
            SimVerb::List { filter, sort } => {
                let lists = accounts.merged(move |client| {
                    let mut pager = client.all_sims();
                    if let Some(f) = &filter {
                        pager = pager.filter(f);
                    }
                    if let Some(s) = &sort {
                        pager = pager.sort(s);
                    }
                    pager.pages()
                });
                ctx.print_accounts(output::SIMS, lists).await
            }
            SimVerb::LowData { below } => {
                let reports = accounts
                    .each(|client| async move { client.low_data_report(below).await })
                    .await;
                let rows = reports
                    .into_iter()
                    .map(|(account, report)| (account, report.map(|r| low_rows(&r))));
                ctx.print_account_rows(output::LOW_DATA, futures_util::stream::iter(rows))
                    .await
            }
            _ => Err(Failure::Usage("this command reads one account".into())),
        };
    }
    match verb {
        SimVerb::LowData { below } => {
            let report = ctx.client().low_data_report(below).await?;
            ctx.print(output::LOW_DATA, &low_rows(&report))
        }
        SimVerb::List { filter, sort } => {
            let mut pager = ctx.client().all_sims();
            if let Some(f) = &filter {
                pager = pager.filter(f);
            }
            if let Some(s) = sort {
                pager = pager.sort(s);
            }
            let listed = ctx.print_pages(output::SIMS, pager.pages()).await;
            match (listed, filter) {
                (Err(Failure::Api(e)), Some(filter)) if e.kind() == ErrorKind::Api => {
                    Err(where_instead(e, &filter))
                }
                (listed, _) => listed,
            }
        }
        SimVerb::Get { iccid } => {
            let sim = ctx
                .client()
                .get_sim()
                .iccid(&iccid)
                .send()
                .await?
                .into_inner();
            ctx.print(output::SIMS, &one(sim))
        }
        SimVerb::Status { iccid } => {
            let status = ctx
                .client()
                .get_sim_status()
                .iccid(&iccid)
                .send()
                .await?
                .into_inner();
            ctx.print(output::STATUS, &one(status))
        }
        SimVerb::Details { iccid } => {
            let details = ctx.client().v2().sim_details(&iccid).await?;
            ctx.print(output::DETAILS, &one(details))
        }
        SimVerb::Connectivity { iccid, ussd } => {
            let info = ctx
                .client()
                .get_connectivity_info()
                .iccid(&iccid)
                .ussd(ussd)
                .send()
                .await?
                .into_inner();
            ctx.print(output::CONNECTIVITY, &one(info))
        }
        SimVerb::Enable(list) => set_status(ctx, list, true).await,
        SimVerb::Disable(list) => set_status(ctx, list, false).await,
        SimVerb::Label { iccid, label } => {
            ctx.client().set_sim_label(&iccid, &label).await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "iccid": iccid, "label": label, "queued": true }),
                    format!("label of {iccid} set; the change is queued"),
                ),
            )
        }
        SimVerb::ImeiLock { iccids, off } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            ctx.confirm(
                &Write::new(
                    "update_sims",
                    format!(
                        "{} the IMEI lock of {}",
                        if off { "remove" } else { "set" },
                        sims(list.len())
                    ),
                )
                .to(list.len()),
            )?;
            ctx.client().set_sims_imei_lock(&list, !off).await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "sims": list.len(), "imei_lock": !off, "queued": true }),
                    format!("{} changed; the change is queued", sims(list.len())),
                ),
            )
        }
        SimVerb::Reset { iccid } => {
            ctx.client()
                .reset_connectivity()
                .iccid(&iccid)
                .send()
                .await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "iccid": iccid, "queued": true }),
                    format!("reset of {iccid} queued"),
                ),
            )
        }
        SimVerb::Usage { iccid, from, to } => {
            if from > to {
                return Err(Failure::Usage(format!("--from {from} is after --to {to}")));
            }
            let report = ctx.client().usage_between(&iccid, from, to).await?;
            let rows = to_values(report.days.into_iter().map(|d| d.row).chain(report.total));
            ctx.print(output::USAGE, &rows)
        }
        SimVerb::Events { iccid } => {
            ctx.print_pages(output::EVENTS, ctx.client().all_sim_events(&iccid).pages())
                .await
        }
        SimVerb::Quota { kind, iccid } => {
            let quota = if kind == "data" {
                ctx.client().data_quota_of(&iccid).await?
            } else {
                ctx.client().sms_quota_of(&iccid).await?
            };
            ctx.print(output::QUOTA, &one(quota))
        }
        SimVerb::Transfer { iccids, to } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let body = types::SimTransfer {
                iccids: list.iter().map(String::from).collect(),
                iccid_ranges: vec![],
                target_organisation: Some(to),
            };
            ctx.confirm(
                &Write::new(
                    "transfer_sims",
                    format!("transfer {} to organisation {to}", sims(list.len())),
                )
                .always_asked(),
            )?;
            ctx.client().transfer_sims().body(body).send().await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "sims": list.len(), "target_organisation": to }),
                    format!("transfer of {} started", sims(list.len())),
                ),
            )
        }
        SimVerb::Extend {
            iccids,
            product,
            payment_method,
        } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let body = types::SimExtensionRequest {
                iccids: list.iter().map(String::from).collect(),
                product_id: product,
            };
            ctx.confirm(&Write::new(
                "extend_sims",
                format!("extend {}", sims(list.len())),
            ))?;
            let mut call = ctx.client().extend_sims().body(body);
            if let Some(method) = payment_method {
                call = call.payment_method(method);
            }
            call.send().await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "sims": list.len(), "product_id": product }),
                    format!("{} extended", sims(list.len())),
                ),
            )
        }
    }
}

/// A filter the API refused: when it names a field the API does not filter
/// by (it filters by imei and ip_address), the refusal points to `--where`,
/// which keeps list items by any field after the API answered.
fn where_instead(refused: onence::Error, filter: &str) -> Failure {
    let other = filter
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .find(|(field, _)| !matches!(field.trim(), "imei" | "ip_address"));
    match other {
        Some((field, value)) => Failure::Usage(format!(
            "{refused} (the API filters SIMs by imei and ip_address only; to keep SIMs by \
             {field}, use --where {field}={value})",
            field = field.trim()
        )),
        None => Failure::Api(refused),
    }
}

async fn set_status(ctx: &Ctx, list: Iccids, enable: bool) -> Result<(), Failure> {
    let iccids = input::iccids(&list.iccids, list.file.as_ref())?;
    let status = if enable { "Enabled" } else { "Disabled" };
    ctx.confirm(
        &Write::new(
            "update_sims",
            format!(
                "{} {}",
                if enable { "enable" } else { "disable" },
                sims(iccids.len())
            ),
        )
        .to(iccids.len()),
    )?;
    // One SIM needs no journal; the library picks the call for it.
    if iccids.len() == 1 && list.journal.is_none() {
        match enable {
            true => ctx.client().enable_sims(&iccids).await?,
            false => ctx.client().disable_sims(&iccids).await?,
        }
    } else {
        let (job, change) = match enable {
            true => ("enable", BulkChange::Enable),
            false => ("disable", BulkChange::Disable),
        };
        jobs::run(ctx, job, change, &iccids, list.journal.as_deref()).await?;
    }
    ctx.print(
        output::RESULT,
        &done(
            json!({ "sims": iccids.len(), "status": status, "queued": true }),
            format!(
                "{} {}; the change is queued",
                sims(iccids.len()),
                status.to_lowercase()
            ),
        ),
    )
}
