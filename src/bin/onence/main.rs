//! `onence`: everyday 1NCE fleet operations from a terminal.

mod cmd;
mod input;
mod jobs;
mod output;
mod profile;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::builder::TypedValueParser as _;
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

Credentials: ONENCE_CLIENT_ID (or --client-id) and ONENCE_CLIENT_SECRET (or a prompt),
or a profile: --profile NAME (or ONENCE_PROFILE) reads [profiles.NAME] of
~/.config/onence/config.toml (or $ONENCE_CONFIG): client_id, base_url, and a
secret only in a file no one else can read (chmod 600).";

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
    /// The account's profile in the configuration file (see `onence help`; ONENCE_PROFILE).
    #[arg(long, global = true, env = "ONENCE_PROFILE", hide_env_values = true)]
    profile: Option<String>,
    /// API base URL (default: ONENCE_BASE_URL or 1NCE's).
    #[arg(long, global = true, env = "ONENCE_BASE_URL", hide_env_values = true)]
    base_url: Option<String>,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Do what costs money or acts on many SIMs without asking.
    #[arg(long, short, global = true)]
    yes: bool,
    /// Read as usual, but print every write (method, path, body) instead of
    /// sending it: the exact requests a real run would send.
    #[arg(long, global = true)]
    dry_run: bool,
    /// Print only these fields of a list's items, in this order (JSON, CSV
    /// and tables; e.g. --fields iccid,status,label).
    #[arg(long, global = true, value_delimiter = ',', value_name = "A,B")]
    fields: Option<Vec<String>>,
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
    #[arg(long, global = true, env = "ONENCE_TIMEOUT", hide_env_values = true, value_name = "SECONDS", value_parser = seconds)]
    timeout: Option<std::time::Duration>,
}

/// A clap parser for an enum the API takes: its documented values (from the
/// spec, through `KnownValues`), shown in --help and parsed into the typed enum.
fn api_enum<T>() -> impl clap::builder::TypedValueParser<Value = T>
where
    T: onence::KnownValues + std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: std::fmt::Display,
{
    clap::builder::PossibleValuesParser::new(T::VALUES)
        .try_map(|value| value.parse::<T>().map_err(|e| e.to_string()))
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
    Sims(cmd::sims::SimVerb),
    /// SMS to and from devices.
    #[command(subcommand)]
    Sms(cmd::sms::SmsVerb),
    /// Buying more data and SMS volume.
    #[command(subcommand)]
    Topup(cmd::topup::TopupVerb),
    /// The account's monthly caps.
    #[command(subcommand)]
    Limits(cmd::limits::LimitsVerb),
    /// Orders.
    #[command(subcommand)]
    Orders(cmd::orders::OrdersVerb),
    /// The product catalogue.
    #[command(subcommand)]
    Products(cmd::products::ProductsVerb),
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

/// Prints a write a dry run did not send, as the client would have sent it
/// (the request hook produces it); a closed pipe ends the command quietly.
fn print_planned(planned: &onence::PlannedWrite) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "would send: {planned}").and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("onence: cannot write: {e}");
        std::process::exit(2);
    }
}

/// The exit code of a failure: 2 for input refused before sending, 3 for
/// refused credentials, 4 for a write that may have taken effect (never
/// repeat it blindly), 1 for the rest.
fn exit_code(e: &onence::Error) -> u8 {
    match e.kind() {
        onence::ErrorKind::InvalidInput => 2,
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
    fields: Option<Vec<String>>,
    limit: Option<usize>,
    where_: Vec<(String, String)>,
    quiet: bool,
    yes: bool,
    dry_run: bool,
    client: Option<Client>,
    /// Who the commands act for (base URL and client id), so that automatic
    /// journals of different accounts never mix.
    account: String,
    /// Kept alive while the command runs.
    _sandbox: Option<Sandbox>,
}

impl Ctx {
    fn client(&self) -> &Client {
        self.client.as_ref().expect("a client outside --dry-run")
    }

    fn print(&self, columns: Columns, records: &[Value]) -> Result<(), Failure> {
        // In a dry run the planned requests are the output; no write happened to report.
        if self.dry_run && columns == output::RESULT {
            return Ok(());
        }
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
        let mut printer = output::Printer::new(self.format, columns, self.fields.as_deref());
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

    /// Asks before a billed or wide write; a dry run sends nothing, so it does not ask.
    fn confirm(&self, what: &str) -> Result<(), Failure> {
        if self.dry_run {
            return Ok(());
        }
        input::confirm(self.yes, what).map_err(Failure::from)
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
    if let Noun::Man = cli.noun {
        let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
        let mut out = std::io::stdout().lock();
        page.render(&mut out)?;
        return std::io::Write::flush(&mut out).map_err(Failure::from);
    }
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
    let (client, sandbox, account) = if cli.sandbox {
        let sandbox = Sandbox::builder()
            .sims(100)
            .seed(42)
            .start()
            .await
            .map_err(|e| Failure::Usage(format!("cannot start the sandbox: {e}")))?;
        eprintln!("onence: using the embedded sandbox at {} (a simulated account; nothing real is touched)", sandbox.base_url());
        let mut builder = sandbox.client_builder();
        if cli.dry_run {
            builder = builder.dry_run(print_planned);
        }
        let account = format!("{} {}", sandbox.base_url(), sandbox.credentials().user());
        (Some(builder.build()?), Some(sandbox), account)
    } else {
        let profile = profile::load(cli.profile.as_deref())?.unwrap_or_default();
        // A chosen profile wins: one account's id never meets another's secret.
        let id = profile.client_id.or(cli.client_id.clone()).ok_or_else(|| {
            Usage(
                "set ONENCE_CLIENT_ID, pass --client-id or choose a --profile (or try --sandbox)"
                    .into(),
            )
        })?;
        let secret = match profile.secret {
            Some(secret) => secret,
            None => input::secret()?,
        };
        let base_url = profile
            .base_url
            .clone()
            .or(cli.base_url.clone())
            .unwrap_or_else(|| onence::DEFAULT_BASE_URL.to_string());
        let account = format!("{base_url} {id}");
        let mut builder = Client::builder()
            .credentials(Credentials::api_user(id, secret))
            .base_url(base_url);
        if let Some(timeout) = cli.timeout {
            builder = builder.request_timeout(Some(timeout));
        }
        if cli.dry_run {
            builder = builder.dry_run(print_planned);
        }
        (Some(builder.build()?), None, account)
    };
    let ctx = Ctx {
        format,
        fields: cli.fields.clone(),
        limit: cli.limit,
        where_: cli.where_.clone(),
        quiet: cli.quiet,
        yes: cli.yes,
        dry_run: cli.dry_run,
        client,
        account,
        _sandbox: sandbox,
    };
    match cli.noun {
        Noun::Sims(verb) => cmd::sims::sims(&ctx, verb).await,
        Noun::Sms(verb) => cmd::sms::sms(&ctx, verb).await,
        Noun::Topup(verb) => cmd::topup::topup(&ctx, verb).await,
        Noun::Limits(verb) => cmd::limits::limits(&ctx, verb).await,
        Noun::Orders(verb) => cmd::orders::orders(&ctx, verb).await,
        Noun::Products(verb) => cmd::products::run(&ctx, verb).await,
        Noun::Support(verb) => cmd::support::run(&ctx, verb).await,
        Noun::Completions { .. } | Noun::Man => {
            unreachable!("answered before any client is built")
        }
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

/// The result of a write, as data: `fields` (what was changed: ICCIDs, ids,
/// counts) with `"result": "ok"` and a one-line `detail` for people.
fn done(fields: Value, detail: impl Into<String>) -> Vec<Value> {
    let mut record = json!({ "result": "ok" });
    if let (Some(record), Value::Object(fields)) = (record.as_object_mut(), fields) {
        record.extend(fields);
    }
    record["detail"] = json!(detail.into());
    vec![record]
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
