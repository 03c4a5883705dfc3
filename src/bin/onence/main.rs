//! `onence`: everyday 1NCE fleet operations from a terminal.

mod cmd;
mod input;
mod jobs;
mod output;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use futures_util::TryStreamExt;
use onence::sandbox::Sandbox;
use onence::{types, Client, Credentials};
use serde_json::{json, Value};

use input::Usage;
use output::{Columns, Format};

const EXAMPLES: &str = "\
Examples:
  onence --sandbox sims list                 every SIM of a simulated account, no account needed
  onence sims list --filter imei:4711        SIMs with that IMEI
  onence sims disable --file old.txt --yes   disable the SIMs listed in a file
  onence sms send 8988280666000000000 'reboot'
  onence topup one 8988280666000000000 --dry-run
  onence support list                        the account's service requests

Credentials: ONENCE_CLIENT_ID (or --client-id) and ONENCE_CLIENT_SECRET (or a prompt).";

/// Everyday 1NCE fleet operations: SIMs, SMS, top-ups, limits, orders, products, support.
#[derive(Parser, Debug)]
#[command(name = "onence", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    noun: Noun,
    /// Output format (default: table on a terminal, JSON lines when piped).
    #[arg(long, short, global = true, value_enum)]
    output: Option<Format>,
    /// Use the embedded sandbox: a simulated account, offline.
    #[arg(long, global = true)]
    sandbox: bool,
    /// API user client id (default: ONENCE_CLIENT_ID).
    #[arg(long, global = true, env = "ONENCE_CLIENT_ID", hide_env_values = true)]
    client_id: Option<String>,
    /// API base URL (default: ONENCE_BASE_URL or 1NCE's).
    #[arg(long, global = true, env = "ONENCE_BASE_URL")]
    base_url: Option<String>,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Do what costs money or acts on many SIMs without asking.
    #[arg(long, short, global = true)]
    yes: bool,
    /// Print what would be sent, and send nothing.
    #[arg(long, global = true)]
    dry_run: bool,
    /// Print at most N items of a list (and read no further pages).
    #[arg(long, global = true, value_name = "N")]
    limit: Option<usize>,
    /// Keep only list items whose FIELD equals VALUE (repeatable; all must
    /// match). Applied here, after the API answered: the API itself filters
    /// SIMs only by imei and ip_address (--filter).
    #[arg(long = "where", global = true, value_name = "FIELD=VALUE", value_parser = field_equals)]
    where_: Vec<(String, String)>,
    /// Log each request (method, path, status, attempt, time) on stderr;
    /// RUST_LOG gives finer control. Never logs a secret or a token.
    #[arg(long, global = true)]
    debug: bool,
    /// How long one request may take, in seconds (default 30).
    #[arg(long, global = true, env = "ONENCE_TIMEOUT", value_name = "SECONDS", value_parser = seconds)]
    timeout: Option<std::time::Duration>,
}

/// `field=value`, for --where.
fn field_equals(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((field, value)) if !field.trim().is_empty() => {
            Ok((field.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("{text:?} is not FIELD=VALUE (say, status=Enabled)")),
    }
}

/// A positive number of seconds.
fn seconds(text: &str) -> Result<std::time::Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a positive number of seconds"))
}

#[derive(Subcommand, Debug)]
enum Noun {
    /// SIM cards.
    #[command(subcommand)]
    Sims(SimVerb),
    /// SMS to and from devices.
    #[command(subcommand)]
    Sms(SmsVerb),
    /// Buying more data and SMS volume.
    #[command(subcommand)]
    Topup(TopupVerb),
    /// The account's monthly caps.
    #[command(subcommand)]
    Limits(LimitsVerb),
    /// Orders.
    #[command(subcommand)]
    Orders(OrdersVerb),
    /// The product catalogue.
    #[command(subcommand)]
    Products(ProductsVerb),
    /// Print a shell completion script (example: onence completions bash > /etc/bash_completion.d/onence).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Service requests to 1NCE support.
    #[command(subcommand)]
    Support(cmd::support::SupportVerb),
}

/// ICCIDs as arguments, from --file, or one per line on stdin.
#[derive(Args, Debug)]
struct Iccids {
    /// ICCIDs (or none, to read --file or stdin).
    iccids: Vec<String>,
    /// A file with one ICCID per line (blank lines and # comments ignored).
    #[arg(long)]
    file: Option<PathBuf>,
    /// For many SIMs: record each chunk applied in this file, and resume
    /// from it (by default a journal is kept in $ONENCE_STATE_DIR or the
    /// temporary directory while the job is unfinished).
    #[arg(long)]
    journal: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum SimVerb {
    /// List SIMs, every page (example: onence sims list --filter ip_address:10.0.0.1).
    List {
        /// Filters as field:value, comma-separated (imei, ip_address).
        #[arg(long)]
        filter: Option<String>,
        /// Sort keys, comma-separated; - for descending (imei, ip_address).
        #[arg(long, allow_hyphen_values = true)]
        sort: Option<String>,
    },
    /// One SIM's details (example: onence sims get 8988280666000000000).
    Get { iccid: String },
    /// Network status of a SIM.
    Status { iccid: String },
    /// Subscriber location and USSD probe of a SIM.
    Connectivity {
        iccid: String,
        /// Also probe over USSD.
        #[arg(long)]
        ussd: bool,
    },
    /// Enable SIMs (example: onence sims enable 8988280666000000000).
    Enable(Iccids),
    /// Disable SIMs (example: onence sims disable --file fleet.txt --yes).
    Disable(Iccids),
    /// Set a SIM's label (example: onence sims label 8988280666000000000 pump-7).
    Label { iccid: String, label: String },
    /// Lock SIMs to their devices, or unlock them with --off.
    ImeiLock {
        #[command(flatten)]
        iccids: Iccids,
        /// Unlock instead.
        #[arg(long)]
        off: bool,
    },
    /// Reset a SIM's network connection.
    Reset { iccid: String },
    /// Daily usage between two dates (example: onence sims usage 8988... --from 2024-01-01 --to 2024-01-31).
    Usage {
        iccid: String,
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        to: NaiveDate,
    },
    /// A SIM's events.
    Events { iccid: String },
    /// What a SIM has left (example: onence sims quota data 8988280666000000000).
    Quota {
        #[arg(value_parser = ["data", "sms"])]
        kind: String,
        iccid: String,
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
        #[arg(long, value_parser = ["banktransfer", "creditcard", "boleto"])]
        payment_method: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum SmsVerb {
    /// A SIM's SMS, every page.
    List { iccid: String },
    /// Send an SMS to a device (example: onence sms send 8988280666000000000 'reboot').
    Send { iccid: String, text: String },
    /// One SMS.
    Get { iccid: String, id: i64 },
    /// Cancel an SMS not yet delivered.
    Cancel { iccid: String, id: i64 },
}

#[derive(Subcommand, Debug)]
enum TopupVerb {
    /// Top up one SIM (billed; example: onence topup one 8988280666000000000 --yes).
    One {
        iccid: String,
        #[arg(long, value_parser = ["banktransfer", "creditcard", "monthlyinvoice", "boleto"])]
        payment_method: Option<String>,
    },
    /// Top up many SIMs in one order (billed).
    Many {
        #[command(flatten)]
        iccids: Iccids,
        #[arg(long, value_parser = ["banktransfer", "creditcard", "monthlyinvoice", "boleto"])]
        payment_method: Option<String>,
    },
    /// Switch automatic top-up on or off for SIMs (example: onence topup auto on 8988...).
    Auto {
        #[arg(value_parser = ["on", "off"])]
        state: String,
        #[command(flatten)]
        iccids: Iccids,
    },
}

#[derive(Subcommand, Debug)]
enum LimitsVerb {
    /// The caps in force.
    Get,
    /// Set caps by the ids `limits options` lists (example: onence limits set --data 2).
    Set {
        #[arg(long)]
        data: Option<i64>,
        #[arg(long)]
        sms_mt: Option<i64>,
        #[arg(long)]
        sms_mo: Option<i64>,
    },
    /// Selectable caps of a service (data, smsMT, smsMO).
    Options {
        #[arg(value_parser = ["data", "smsMT", "smsMO"])]
        service: String,
    },
}

#[derive(Subcommand, Debug)]
enum OrdersVerb {
    /// Every order.
    List,
    /// One order.
    Get { number: i64 },
    /// Order products (billed; example: onence orders create --product 1001 --quantity 10 --yes).
    Create {
        #[arg(long)]
        product: i64,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        quantity: u64,
        #[arg(long)]
        reference: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum ProductsVerb {
    /// The products on offer.
    List,
}

/// Why the command stopped.
enum Failure {
    Usage(String),
    Api(onence::Error),
    /// Ctrl-C stopped a job between chunks (exit 130).
    Interrupted(String),
    /// Some writes got no answer and may have taken effect (exit 4).
    Unknown(String),
    /// Whoever read the output stopped reading (`| head`): a quiet exit 0.
    ClosedPipe,
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        match e.kind() {
            std::io::ErrorKind::BrokenPipe => Failure::ClosedPipe,
            _ => Failure::Usage(format!("cannot write: {e}")),
        }
    }
}

impl From<Usage> for Failure {
    fn from(Usage(message): Usage) -> Failure {
        Failure::Usage(message)
    }
}

impl From<onence::Error> for Failure {
    fn from(e: onence::Error) -> Failure {
        Failure::Api(e)
    }
}

impl From<onence::GeneratedError> for Failure {
    fn from(e: onence::GeneratedError) -> Failure {
        Failure::Api(e.into())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging(cli.debug);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("onence: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Api(e)) => {
            eprintln!("onence: {}", explain(&e));
            ExitCode::from(exit_code(&e))
        }
        Err(Failure::Interrupted(message)) => {
            eprintln!("onence: {message}");
            ExitCode::from(130)
        }
        Err(Failure::Unknown(message)) => {
            eprintln!("onence: {message}");
            ExitCode::from(4)
        }
        Err(Failure::ClosedPipe) => ExitCode::SUCCESS,
    }
}

/// Logs to stderr: `--debug` turns on the client's request spans and
/// events; `RUST_LOG` (e.g. `onence=debug`) chooses otherwise.
fn logging(debug: bool) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => tracing_subscriber::EnvFilter::new(spec),
        _ if debug => tracing_subscriber::EnvFilter::new("onence=debug"),
        _ => return,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
}

/// The exit code of a failure: 3 for refused credentials, 4 for a write
/// that may have taken effect (never repeat it blindly), 1 for the rest.
fn exit_code(e: &onence::Error) -> u8 {
    match e.kind() {
        onence::ErrorKind::Auth => 3,
        onence::ErrorKind::OutcomeUnknown => 4,
        _ => 1,
    }
}

/// One line: what failed, the status, the API's message, and a hint.
fn explain(e: &onence::Error) -> String {
    let hint = match e.kind() {
        onence::ErrorKind::Auth => " (check ONENCE_CLIENT_ID and ONENCE_CLIENT_SECRET)",
        onence::ErrorKind::NotFound => " (check the ICCID or number)",
        onence::ErrorKind::RateLimited => " (the API's rate limit; try again shortly)",
        onence::ErrorKind::Network | onence::ErrorKind::Timeout => {
            " (check the network, or ONENCE_BASE_URL)"
        }
        onence::ErrorKind::Config => " (check the environment)",
        onence::ErrorKind::OutcomeUnknown => {
            " (do not repeat it blindly: check `onence orders list` or `onence sms list ICCID` first)"
        }
        _ => "",
    };
    format!("{e}{hint}")
}

struct Ctx {
    format: Format,
    limit: Option<usize>,
    where_: Vec<(String, String)>,
    quiet: bool,
    yes: bool,
    dry_run: bool,
    client: Option<Client>,
    /// Kept alive while the command runs.
    _sandbox: Option<Sandbox>,
}

impl Ctx {
    fn client(&self) -> &Client {
        self.client.as_ref().expect("a client outside --dry-run")
    }

    fn print(&self, columns: Columns, records: &[Value]) -> Result<(), Failure> {
        output::print(self.format, columns, records).map_err(Failure::from)
    }

    /// Whether a list item passes every --where (its field's text equals the value).
    fn matches(&self, item: &Value) -> bool {
        self.where_
            .iter()
            .all(|(field, value)| match item.get(field) {
                Some(Value::String(text)) => text == value,
                Some(Value::Null) | None => value.is_empty(),
                Some(other) => serde_json::from_str::<Value>(value).is_ok_and(|v| v == *other),
            })
    }

    /// Prints a list page by page as it arrives, up to `--limit` items (and
    /// reads no page past them), with a progress bar of pages on a terminal.
    async fn print_pages<T: serde::Serialize>(
        &self,
        columns: Columns,
        pages: impl futures_util::Stream<Item = onence::Result<onence::Page<T>>>,
    ) -> Result<(), Failure> {
        let mut pages = std::pin::pin!(pages);
        let mut printer = output::Printer::new(self.format, columns);
        let bar = self.progress(0, "pages");
        let mut left = self.limit.unwrap_or(usize::MAX);
        while left > 0 {
            let Some(page) = pages.try_next().await? else {
                break;
            };
            if let Some(total) = page.total_pages {
                bar.set_length(total);
            }
            bar.inc(1);
            let values: Vec<Value> = to_values(page.items)
                .into_iter()
                .filter(|item| self.matches(item))
                .take(left)
                .collect();
            left -= values.len();
            bar.suspend(|| printer.rows(&values))?;
        }
        bar.finish_and_clear();
        printer.finish().map_err(Failure::from)
    }

    /// In --dry-run, prints the request and says to stop. (A closed pipe
    /// there ends the command quietly, like any other output.)
    fn dry(&self, method: &str, path: String, body: Option<Value>) -> bool {
        if self.dry_run {
            use std::io::Write;
            let body = body.map(|b| format!(" {b}")).unwrap_or_default();
            let mut out = std::io::stdout().lock();
            if let Err(e) =
                writeln!(out, "would send: {method} {path}{body}").and_then(|_| out.flush())
            {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    std::process::exit(0);
                }
                eprintln!("onence: cannot write: {e}");
                std::process::exit(2);
            }
        }
        self.dry_run
    }

    fn progress(&self, length: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::new(length);
        bar.set_message(what.to_string());
        bar
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    if let Noun::Completions { shell } = cli.noun {
        let mut command = <Cli as clap::CommandFactory>::command();
        let mut out = std::io::stdout().lock();
        clap_complete::generate(shell, &mut command, "onence", &mut out);
        return std::io::Write::flush(&mut out).map_err(Failure::from);
    }
    let format = cli.output.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let (client, sandbox) = if cli.sandbox {
        let sandbox = Sandbox::builder()
            .sims(100)
            .seed(42)
            .start()
            .await
            .map_err(|e| Failure::Usage(format!("cannot start the sandbox: {e}")))?;
        eprintln!("onence: using the embedded sandbox at {} (a simulated account; nothing real is touched)", sandbox.base_url());
        (Some(sandbox.client()), Some(sandbox))
    } else if cli.dry_run {
        (None, None)
    } else {
        let id = cli.client_id.clone().ok_or_else(|| {
            Usage("set ONENCE_CLIENT_ID or pass --client-id (or try --sandbox)".into())
        })?;
        let mut builder =
            Client::builder().credentials(Credentials::api_user(id, input::secret()?));
        if let Some(url) = &cli.base_url {
            builder = builder.base_url(url);
        }
        if let Some(timeout) = cli.timeout {
            builder = builder.request_timeout(Some(timeout));
        }
        (Some(builder.build()?), None)
    };
    let ctx = Ctx {
        format,
        limit: cli.limit,
        where_: cli.where_.clone(),
        quiet: cli.quiet,
        yes: cli.yes,
        dry_run: cli.dry_run,
        client,
        _sandbox: sandbox,
    };
    match cli.noun {
        Noun::Sims(verb) => sims(&ctx, verb).await,
        Noun::Sms(verb) => sms(&ctx, verb).await,
        Noun::Topup(verb) => topup(&ctx, verb).await,
        Noun::Limits(verb) => limits(&ctx, verb).await,
        Noun::Orders(verb) => orders(&ctx, verb).await,
        Noun::Products(ProductsVerb::List) => {
            let products = ctx.client().list_products().send().await?.into_inner();
            ctx.print(output::PRODUCTS, &to_values(products))
        }
        Noun::Support(verb) => cmd::support::run(&ctx, verb).await,
        Noun::Completions { .. } => unreachable!("answered before any client is built"),
    }
}

fn to_values<T: serde::Serialize>(items: impl IntoIterator<Item = T>) -> Vec<Value> {
    items
        .into_iter()
        .map(|i| serde_json::to_value(i).expect("models serialise"))
        .collect()
}

fn one<T: serde::Serialize>(item: T) -> Vec<Value> {
    to_values([item])
}

fn done(detail: impl Into<String>) -> Vec<Value> {
    vec![json!({ "result": "ok", "detail": detail.into() })]
}

/// The result of a write that created something: its id under `key` as data
/// (null when the API accepted the write without naming it, which is still
/// a success), and a detail line saying which.
fn created(what: &str, key: &str, id: Option<i64>, rest: &str) -> Vec<Value> {
    let detail = match id {
        Some(id) => format!("{what} {id} {rest}"),
        None => format!("{what} {rest}; the API did not give its {key}"),
    };
    vec![json!({ "result": "ok", key: id, "detail": detail })]
}

fn check_iccid(iccid: &str) -> Result<(), Failure> {
    input::iccids(&[iccid.to_string()], None).map(|_| ())?;
    Ok(())
}

async fn sims(ctx: &Ctx, verb: SimVerb) -> Result<(), Failure> {
    match verb {
        SimVerb::List { filter, sort } => {
            let mut pager = ctx.client().all_sims();
            if let Some(f) = filter {
                pager = pager.filter(f);
            }
            if let Some(s) = sort {
                pager = pager.sort(s);
            }
            ctx.print_pages(output::SIMS, pager.pages()).await
        }
        SimVerb::Get { iccid } => {
            check_iccid(&iccid)?;
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
            check_iccid(&iccid)?;
            let status = ctx
                .client()
                .get_sim_status()
                .iccid(&iccid)
                .send()
                .await?
                .into_inner();
            ctx.print(output::STATUS, &one(status))
        }
        SimVerb::Connectivity { iccid, ussd } => {
            check_iccid(&iccid)?;
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
            check_iccid(&iccid)?;
            if ctx.dry(
                "PUT",
                format!("/v1/sims/{iccid}"),
                Some(json!({ "iccid": iccid, "label": label, "status": "(current)", "imei_lock": "(current)" })),
            ) {
                return Ok(());
            }
            ctx.client().set_sim_label(&iccid, &label).await?;
            ctx.print(
                output::RESULT,
                &done(format!("label of {iccid} set; the change is queued")),
            )
        }
        SimVerb::ImeiLock { iccids, off } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let body: Vec<Value> = list
                .iter()
                .map(|i| json!({ "iccid": i, "imei_lock": !off, "status": "(current)" }))
                .collect();
            if ctx.dry("POST", "/v1/sims".into(), Some(Value::Array(body))) {
                return Ok(());
            }
            if list.len() > 1 {
                input::confirm(
                    ctx.yes,
                    &format!(
                        "{} the IMEI lock of {} SIMs",
                        if off { "remove" } else { "set" },
                        list.len()
                    ),
                )?;
            }
            ctx.client().set_sims_imei_lock(&list, !off).await?;
            ctx.print(
                output::RESULT,
                &done(format!("{} SIMs changed; the change is queued", list.len())),
            )
        }
        SimVerb::Reset { iccid } => {
            check_iccid(&iccid)?;
            if ctx.dry("POST", format!("/v1/sims/{iccid}/reset"), None) {
                return Ok(());
            }
            ctx.client()
                .reset_connectivity()
                .iccid(&iccid)
                .send()
                .await?;
            ctx.print(output::RESULT, &done(format!("reset of {iccid} queued")))
        }
        SimVerb::Usage { iccid, from, to } => {
            check_iccid(&iccid)?;
            if from > to {
                return Err(Failure::Usage(format!("--from {from} is after --to {to}")));
            }
            let report = ctx.client().usage_between(&iccid, from, to).await?;
            let rows = to_values(report.days.into_iter().map(|d| d.row).chain(report.total));
            ctx.print(output::USAGE, &rows)
        }
        SimVerb::Events { iccid } => {
            check_iccid(&iccid)?;
            ctx.print_pages(output::EVENTS, ctx.client().all_sim_events(&iccid).pages())
                .await
        }
        SimVerb::Quota { kind, iccid } => {
            check_iccid(&iccid)?;
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
                iccids: list.clone(),
                iccid_ranges: vec![],
                target_organisation: Some(to),
            };
            if ctx.dry(
                "POST",
                "/v1/sims/simTransfer".into(),
                Some(serde_json::to_value(&body).expect("serialises")),
            ) {
                return Ok(());
            }
            input::confirm(
                ctx.yes,
                &format!("transfer {} SIMs to organisation {to}", list.len()),
            )?;
            ctx.client().transfer_sims().body(body).send().await?;
            ctx.print(
                output::RESULT,
                &done(format!("transfer of {} SIMs started", list.len())),
            )
        }
        SimVerb::Extend {
            iccids,
            product,
            payment_method,
        } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let body = types::SimExtensionRequest {
                iccids: list.clone(),
                product_id: product,
            };
            let query = payment_method
                .as_ref()
                .map(|m| format!("?payment_method={m}"))
                .unwrap_or_default();
            if ctx.dry(
                "POST",
                format!("/v1/sims/extension{query}"),
                Some(serde_json::to_value(&body).expect("serialises")),
            ) {
                return Ok(());
            }
            input::confirm(ctx.yes, &format!("extend {} SIMs (billed)", list.len()))?;
            let mut call = ctx.client().extend_sims().body(body);
            if let Some(method) = payment_method {
                call = call.payment_method(
                    method
                        .parse::<types::ExtendSimsPaymentMethod>()
                        .map_err(|e| Failure::Usage(e.to_string()))?,
                );
            }
            call.send().await?;
            ctx.print(
                output::RESULT,
                &done(format!("{} SIMs extended", list.len())),
            )
        }
    }
}

async fn set_status(ctx: &Ctx, list: Iccids, enable: bool) -> Result<(), Failure> {
    let iccids = input::iccids(&list.iccids, list.file.as_ref())?;
    let status = if enable { "Enabled" } else { "Disabled" };
    let body: Vec<Value> = iccids
        .iter()
        .map(|i| json!({ "iccid": i, "status": status }))
        .collect();
    if ctx.dry(
        if iccids.len() == 1 { "PUT" } else { "POST" },
        "/v1/sims".into(),
        Some(Value::Array(body)),
    ) {
        return Ok(());
    }
    if iccids.len() > 1 {
        input::confirm(
            ctx.yes,
            &format!(
                "{} {} SIMs",
                if enable { "enable" } else { "disable" },
                iccids.len()
            ),
        )?;
    }
    if iccids.len() == 1 && list.journal.is_none() {
        if enable {
            ctx.client().enable_sim(&iccids[0]).await?;
        } else {
            ctx.client().disable_sim(&iccids[0]).await?;
        }
    } else {
        let (job, change) = match enable {
            true => ("enable", onence::BulkChange::Enable),
            false => ("disable", onence::BulkChange::Disable),
        };
        jobs::run(ctx, job, change, &iccids, list.journal.as_deref()).await?;
    }
    ctx.print(
        output::RESULT,
        &done(format!(
            "{} SIMs {}; the change is queued",
            iccids.len(),
            status.to_lowercase()
        )),
    )
}

async fn sms(ctx: &Ctx, verb: SmsVerb) -> Result<(), Failure> {
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
            if ctx.dry(
                "POST",
                format!("/v1/sims/{iccid}/sms"),
                Some(serde_json::to_value(&message).expect("serialises")),
            ) {
                return Ok(());
            }
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
            if ctx.dry("DELETE", format!("/v1/sims/{iccid}/sms/{id}"), None) {
                return Ok(());
            }
            ctx.client()
                .cancel_sms()
                .iccid(&iccid)
                .id(id)
                .send()
                .await?;
            ctx.print(output::RESULT, &done(format!("SMS {id} cancelled")))
        }
    }
}

fn payment(method: Option<&String>) -> Result<Option<onence::PaymentMethod>, Failure> {
    method
        .map(|m| {
            m.parse()
                .map_err(|e: onence::types::error::ConversionError| Failure::Usage(e.to_string()))
        })
        .transpose()
}

async fn topup(ctx: &Ctx, verb: TopupVerb) -> Result<(), Failure> {
    match verb {
        TopupVerb::One {
            iccid,
            payment_method,
        } => {
            check_iccid(&iccid)?;
            let query = payment_method
                .as_ref()
                .map(|m| format!("?payment_method={m}"))
                .unwrap_or_default();
            if ctx.dry("POST", format!("/v1/sims/{iccid}/topup{query}"), None) {
                return Ok(());
            }
            input::confirm(ctx.yes, &format!("top up {iccid} (billed)"))?;
            let order = ctx
                .client()
                .top_up(&iccid, payment(payment_method.as_ref())?)
                .await?;
            let result = created(
                "order",
                "order_number",
                order,
                &format!("created for {iccid}"),
            );
            ctx.print(output::RESULT, &result)
        }
        TopupVerb::Many {
            iccids,
            payment_method,
        } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let query = payment_method
                .as_ref()
                .map(|m| format!("?payment_method={m}"))
                .unwrap_or_default();
            if ctx.dry("POST", format!("/v1/sims/topup{query}"), Some(json!(list))) {
                return Ok(());
            }
            input::confirm(ctx.yes, &format!("top up {} SIMs (billed)", list.len()))?;
            let payment = payment(payment_method.as_ref())?;
            if list.len() <= onence::BULK_CHUNK && iccids.journal.is_none() {
                // One order: its number is the result.
                let order = ctx.client().top_up_many(&list, payment).await?;
                let rest = format!("created for {} SIMs", list.len());
                return ctx.print(
                    output::RESULT,
                    &created("order", "order_number", order, &rest),
                );
            }
            let change = onence::BulkChange::TopUp(payment);
            let report = jobs::run(ctx, "top-up", change, &list, iccids.journal.as_deref()).await?;
            ctx.print(
                output::RESULT,
                &done(format!(
                    "{} SIMs topped up ({} in an earlier run), one order per 100",
                    report.applied + report.skipped,
                    report.skipped
                )),
            )
        }
        TopupVerb::Auto { state, iccids } => {
            let list = input::iccids(&iccids.iccids, iccids.file.as_ref())?;
            let body = types::AutoTopupRequest {
                enabled: Some(state == "on"),
                iccids: list.clone(),
            };
            if ctx.dry(
                "POST",
                "/v1/sims/autoTopup".into(),
                Some(serde_json::to_value(&body).expect("serialises")),
            ) {
                return Ok(());
            }
            // Billed from now on: ask first, like every billed or fleet-wide write.
            input::confirm(
                ctx.yes,
                &format!(
                    "switch automatic top-up {state} for {} SIMs (billed)",
                    list.len()
                ),
            )?;
            ctx.client().set_auto_top_up().body(body).send().await?;
            ctx.print(
                output::RESULT,
                &done(format!("auto top-up {state} for {} SIMs", list.len())),
            )
        }
    }
}

async fn limits(ctx: &Ctx, verb: LimitsVerb) -> Result<(), Failure> {
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
            if ctx.dry(
                "POST",
                "/v1/sims/limits".into(),
                Some(serde_json::to_value(&body).expect("serialises")),
            ) {
                return Ok(());
            }
            input::confirm(ctx.yes, "change the account's monthly limits (every SIM)")?;
            ctx.client().set_limits().body(body).send().await?;
            ctx.print(output::RESULT, &done("limits set"))
        }
        LimitsVerb::Options { service } => {
            let service: types::ListLimitOptionsService = service
                .parse()
                .map_err(|e: types::error::ConversionError| Failure::Usage(e.to_string()))?;
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

async fn orders(ctx: &Ctx, verb: OrdersVerb) -> Result<(), Failure> {
    match verb {
        OrdersVerb::List => {
            ctx.print_pages(output::ORDERS, ctx.client().all_orders().pages())
                .await
        }
        OrdersVerb::Get { number } => {
            let order = ctx
                .client()
                .get_order()
                .order_number(number)
                .send()
                .await?
                .into_inner();
            ctx.print(output::ORDERS, &one(order))
        }
        OrdersVerb::Create {
            product,
            quantity,
            reference,
        } => {
            let body = json!({ "products": [{ "productId": product, "quantity": quantity }], "customer_reference": reference });
            if ctx.dry("POST", "/v1/orders".into(), Some(body.clone())) {
                return Ok(());
            }
            input::confirm(
                ctx.yes,
                &format!("order {quantity} × product {product} (billed)"),
            )?;
            let order: types::NewOrder =
                serde_json::from_value(body).map_err(|e| Failure::Usage(e.to_string()))?;
            let number = ctx.client().place_order(order).await?;
            ctx.print(
                output::RESULT,
                &created("order", "order_number", number, "placed"),
            )
        }
    }
}
