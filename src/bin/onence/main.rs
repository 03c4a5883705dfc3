//! `onence`: everyday 1NCE fleet operations from a terminal. This file only
//! wires: the flags, the nouns, and the dispatch to each noun's `run`
//! (`cmd/`); the context, the failures and the values live beside it.

mod args;
mod cmd;
mod context;
mod failure;
mod input;
mod jobs;
mod output;
mod private_file;
mod profile;
mod records;
mod serve;
mod state;
mod token_cache;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmd::{
    actions, api, devices, exporter, geofences, integrations, limits, locate, logs, mcp, orders,
    products, sims, sms, streamer, support, topup,
};
use context::{Ctx, Global};
use failure::Failure;

const EXAMPLES: &str = "\
Examples:
  onence --sandbox sims list                 every SIM of a simulated account, no account needed
  onence sims list --filter imei:4711        SIMs with that IMEI
  onence sims disable --file old.txt --yes   disable the SIMs listed in a file
  onence sms send 8988280666000000000 'reboot'
  onence topup one 8988280666000000000 --dry-run
  onence support list                        the account's service requests
  onence devices action 8988280666000000000 --protocol lwm2m --action execute --resource /3/0/4 --wait
  onence locate latest --bbox 13.08,52.33,13.76,52.68

Credentials: ONENCE_CLIENT_ID (or --client-id) and ONENCE_CLIENT_SECRET (or a prompt),
or a profile: --profile NAME (or ONENCE_PROFILE) reads [profiles.NAME] of
~/.config/onence/config.toml (or $ONENCE_CONFIG): client_id, base_url, and a
secret only in a file no one else can read (chmod 600). --profile a,b or
--all-profiles reads sims list, sims low-data and devices list of each
account at once, each row with its account.";

/// Everyday 1NCE fleet operations: SIMs, SMS, top-ups, limits, orders, products, support,
/// and 1NCE OS devices, actions, positions and geofences.
#[derive(Parser, Debug)]
#[command(name = "onence", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    noun: Noun,
    #[command(flatten)]
    global: Global,
}

#[derive(Subcommand, Debug)]
enum Noun {
    /// SIM cards.
    #[command(subcommand)]
    Sims(sims::SimVerb),
    /// SMS to and from devices.
    #[command(subcommand)]
    Sms(sms::SmsVerb),
    /// Buying more data and SMS volume.
    #[command(subcommand)]
    Topup(topup::TopupVerb),
    /// The account's monthly caps.
    #[command(subcommand)]
    Limits(limits::LimitsVerb),
    /// Orders.
    #[command(subcommand)]
    Orders(orders::OrdersVerb),
    /// The product catalogue.
    #[command(subcommand)]
    Products(products::ProductsVerb),
    /// Print a shell completion script (example: onence completions bash > /etc/bash_completion.d/onence).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff; `cargo xtask man` writes it to target/man/onence.1).
    #[command(hide = true)]
    Man,
    /// Service requests to 1NCE support.
    #[command(subcommand)]
    Support(support::SupportVerb),
    /// 1NCE OS devices (the device id of a 1NCE SIM is its ICCID), and actions sent to them.
    #[command(subcommand)]
    Devices(devices::DevicesVerb),
    /// 1NCE OS action requests.
    #[command(subcommand)]
    Actions(actions::ActionsVerb),
    /// 1NCE OS positions.
    #[command(subcommand)]
    Locate(locate::LocateVerb),
    /// 1NCE OS geofences.
    #[command(subcommand)]
    Geofences(geofences::GeofencesVerb),
    /// 1NCE OS cloud integrations (webhooks, AWS).
    #[command(subcommand)]
    Integrations(integrations::IntegrationsVerb),
    /// 1NCE OS administration logs.
    #[command(subcommand)]
    Logs(logs::LogsVerb),
    /// Receive 1NCE's Data Streamer into a JSON Lines file (example: onence streamer --user stream --password-file pw --out records.jsonl).
    Streamer(streamer::StreamerArgs),
    /// Serve Prometheus metrics of the fleet, refreshed within the API's limit (example: onence exporter --listen 0.0.0.0:9464 --interval 10m).
    Exporter(exporter::ExporterArgs),
    /// Every documented operation by name, with its arguments checked (example: onence api call v1.get_sim iccid=8988280666000000001).
    #[command(subcommand)]
    Api(api::ApiVerb),
    /// Serve the API to AI agents over the Model Context Protocol, on stdio or with --http (writes need confirm: true).
    Mcp(mcp::McpArgs),
}

/// The commands that read several accounts at once (`--profile a,b`,
/// `--all-profiles`), each row with its account.
fn reads_several_accounts(noun: &Noun) -> bool {
    matches!(
        noun,
        Noun::Sims(sims::SimVerb::List { .. } | sims::SimVerb::LowData { .. })
            | Noun::Devices(devices::DevicesVerb::List { .. })
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.noun, Noun::Exporter(_) | Noun::Streamer(_));
    context::logging(cli.global.debug, serving);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    failure::exit(runtime.block_on(run(cli)))
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let noun = match cli.noun {
        Noun::Man => {
            let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            let mut out = std::io::stdout().lock();
            page.render(&mut out)?;
            return std::io::Write::flush(&mut out).map_err(Failure::from);
        }
        Noun::Streamer(args) => return streamer::run(args).await,
        Noun::Exporter(args) => return exporter::run(cli.global, args).await,
        Noun::Mcp(args) => return mcp::run(cli.global, args).await,
        Noun::Api(api::ApiVerb::List { word }) => return api::list(&cli.global, word.as_deref()),
        Noun::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // clap_complete panics when its writer fails (a reader that
            // stopped early, `| head`): render first, then write through
            // the closed-pipe path, which ends quietly.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "onence", &mut script);
            let mut out = std::io::stdout().lock();
            std::io::Write::write_all(&mut out, &script).map_err(Failure::from)?;
            return std::io::Write::flush(&mut out).map_err(Failure::from);
        }
        noun => noun,
    };
    if !reads_several_accounts(&noun) && cli.global.several_profiles()?.is_some() {
        return Err(Failure::Usage(
            "several profiles are read together by sims list, sims low-data and devices list; \
             give one --profile for this command"
                .into(),
        ));
    }
    let ctx = Ctx::open(cli.global).await?;
    match noun {
        Noun::Sims(verb) => sims::run(&ctx, verb).await,
        Noun::Sms(verb) => sms::run(&ctx, verb).await,
        Noun::Topup(verb) => topup::run(&ctx, verb).await,
        Noun::Limits(verb) => limits::run(&ctx, verb).await,
        Noun::Orders(verb) => orders::run(&ctx, verb).await,
        Noun::Products(verb) => products::run(&ctx, verb).await,
        Noun::Support(verb) => support::run(&ctx, verb).await,
        Noun::Devices(verb) => devices::run(&ctx, verb).await,
        Noun::Actions(verb) => actions::run(&ctx, verb).await,
        Noun::Locate(verb) => locate::run(&ctx, verb).await,
        Noun::Geofences(verb) => geofences::run(&ctx, verb).await,
        Noun::Integrations(verb) => integrations::run(&ctx, verb).await,
        Noun::Logs(verb) => logs::run(&ctx, verb).await,
        Noun::Api(verb) => api::run(&ctx, verb).await,
        Noun::Completions { .. }
        | Noun::Man
        | Noun::Streamer(_)
        | Noun::Exporter(_)
        | Noun::Mcp(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    /// Every argument of every command says what it is in `--help`.
    #[test]
    fn every_argument_says_what_it_is() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if arg.get_help().is_none() && !arg.is_hide_set() && !builtin {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(
            &<super::Cli as clap::CommandFactory>::command(),
            "onence",
            &mut missing,
        );
        assert!(
            missing.is_empty(),
            "{} without help:\n{}",
            missing.len(),
            missing.join("\n")
        );
    }
}
