//! The context every command runs in: the global flags, the client they
//! build (the account's, or the embedded sandbox's), how output is printed,
//! and how writes are confirmed.

use std::io::IsTerminal;

use clap::Args;
use futures_util::{StreamExt, TryStreamExt};
use onence::jobs::Accounts;
use onence::sandbox::Sandbox;
use onence::writes::Write;
use onence::{Client, Credentials};
use serde_json::Value;

use crate::args::{field_equals, seconds};
use crate::failure::Failure;
use crate::failure::Usage;
use crate::input;
use crate::output::{self, Columns, Format};
use crate::profile;
use crate::records::to_values;
use crate::token_cache::TokenCache;

/// The flags every command takes.
#[derive(Args, Debug)]
pub struct Global {
    /// Output format (default: table on a terminal, JSON lines when piped).
    #[arg(long, short, global = true, value_enum)]
    pub output: Option<Format>,
    /// Use the embedded sandbox: a simulated account, offline.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// API user client id (default: ONENCE_CLIENT_ID).
    #[arg(long, global = true, env = "ONENCE_CLIENT_ID", hide_env_values = true)]
    pub client_id: Option<String>,
    /// The account's profile in the configuration file (see `onence help`;
    /// ONENCE_PROFILE). Several, comma-separated, read `sims list`, `sims
    /// low-data` and `devices list` of each account at once.
    #[arg(
        long,
        global = true,
        env = "ONENCE_PROFILE",
        hide_env_values = true,
        value_delimiter = ',',
        value_name = "NAME"
    )]
    pub profile: Vec<String>,
    /// Every profile of the configuration file at once (as --profile a,b,...).
    #[arg(long, global = true, conflicts_with = "profile")]
    pub all_profiles: bool,
    /// API base URL (default: ONENCE_BASE_URL or 1NCE's).
    #[arg(long, global = true, env = "ONENCE_BASE_URL", hide_env_values = true)]
    pub base_url: Option<String>,
    /// No progress bars.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Do what costs money or acts on many SIMs without asking.
    #[arg(long, short, global = true)]
    pub yes: bool,
    /// Read as usual, but print every write (method, path, body) instead of
    /// sending it: the exact requests a real run would send.
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Print only these fields of each record (a list's items or one
    /// object), in this order (JSON, CSV and tables; e.g. --fields
    /// iccid,status,label).
    #[arg(long, global = true, value_delimiter = ',', value_name = "A,B")]
    pub fields: Option<Vec<String>>,
    /// Print at most N items of a list (and read no further pages).
    #[arg(long, global = true, value_name = "N")]
    pub limit: Option<usize>,
    /// Keep only list items whose FIELD equals VALUE (repeatable; all must
    /// match). Applied here, after the API answered: the API itself filters
    /// SIMs only by imei and ip_address (--filter).
    #[arg(long = "where", global = true, value_name = "FIELD=VALUE", value_parser = field_equals)]
    pub where_: Vec<(String, String)>,
    /// Log each request (method, path, status, attempt, time) on stderr;
    /// RUST_LOG gives finer control. Never logs a secret or a token.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Ask for a new token instead of reusing the one an earlier run kept
    /// (in the state directory, per account; a profile turns it off with
    /// `token_cache = false`).
    #[arg(long, global = true, env = "ONENCE_NO_TOKEN_CACHE", hide_env_values = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub no_token_cache: bool,
    /// How long one request may take, in seconds (default 30).
    #[arg(long, global = true, env = "ONENCE_TIMEOUT", hide_env_values = true, value_name = "SECONDS", value_parser = seconds)]
    pub timeout: Option<std::time::Duration>,
}

/// What a command runs with.
pub struct Ctx {
    format: Format,
    fields: Option<Vec<String>>,
    limit: Option<usize>,
    where_: Vec<(String, String)>,
    quiet: bool,
    yes: bool,
    pub dry_run: bool,
    client: Option<Client>,
    /// The accounts of several profiles, read together.
    accounts: Option<Accounts>,
    /// Who the commands act for (base URL and client id), so that automatic
    /// journals of different accounts never mix.
    pub account: String,
    /// Kept alive while the command runs.
    _sandbox: Option<Sandbox>,
}

impl Ctx {
    pub fn client(&self) -> &Client {
        self.client
            .as_ref()
            .expect("one account (main.rs refuses several for this command)")
    }

    /// The accounts, when several profiles are read together.
    pub fn accounts(&self) -> Option<&Accounts> {
        self.accounts.as_ref()
    }

    /// Prints the pages of several accounts as they arrive, each row with
    /// its `account` (a column in tables and CSV, a field in JSON), up to
    /// `--limit` rows in all. An account that fails is named on stderr and
    /// the others go on; then the command fails saying which.
    pub async fn print_accounts<T: serde::Serialize>(
        &self,
        columns: Columns,
        pages: impl futures_util::Stream<
            Item = (std::sync::Arc<str>, onence::Result<onence::paging::Page<T>>),
        >,
    ) -> Result<(), Failure> {
        let rows = pages.map(|(account, page)| (account, page.map(|p| to_values(p.items))));
        self.print_account_rows(columns, rows).await
    }

    /// [`print_accounts`](Ctx::print_accounts) for rows already made.
    pub async fn print_account_rows(
        &self,
        columns: Columns,
        batches: impl futures_util::Stream<Item = (std::sync::Arc<str>, onence::Result<Vec<Value>>)>,
    ) -> Result<(), Failure> {
        let mut batches = std::pin::pin!(batches);
        let mut printer =
            output::Printer::new(self.format, columns, self.fields.as_deref()).with_account();
        let mut left = self.limit.unwrap_or(usize::MAX);
        let mut failed = Vec::new();
        while left > 0 {
            let Some((account, batch)) = batches.next().await else {
                break;
            };
            let rows = match batch {
                Ok(rows) => rows,
                Err(e) => {
                    eprintln!("onence: account {account}: {}", crate::failure::explain(&e));
                    failed.push(account.to_string());
                    continue;
                }
            };
            let values: Vec<Value> = rows
                .into_iter()
                .filter(|item| self.matches(item))
                .take(left)
                .map(|mut item| {
                    if let Value::Object(map) = &mut item {
                        map.insert("account".into(), Value::String(account.to_string()));
                    }
                    item
                })
                .collect();
            left -= values.len();
            printer.rows(&values)?;
        }
        printer.finish()?;
        match failed.len() {
            0 => Ok(()),
            n => Err(Failure::Partial(format!(
                "{n} of {} accounts failed ({}); the others' rows are printed",
                self.accounts.as_ref().map_or(n, Accounts::len),
                failed.join(", ")
            ))),
        }
    }

    pub fn print(&self, columns: Columns, records: &[Value]) -> Result<(), Failure> {
        // In a dry run the planned requests are the output; no write happened to report.
        if self.dry_run && columns == output::RESULT {
            return Ok(());
        }
        output::print(self.format, columns, self.fields.as_deref(), records).map_err(Failure::from)
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
    pub async fn print_pages<T: serde::Serialize>(
        &self,
        columns: Columns,
        pages: impl futures_util::Stream<Item = onence::Result<onence::paging::Page<T>>>,
    ) -> Result<(), Failure> {
        self.print_pages_counted(columns, pages).await.map(|_| ())
    }

    /// [`print_pages`](Ctx::print_pages), telling how many items it printed.
    pub async fn print_pages_counted<T: serde::Serialize>(
        &self,
        columns: Columns,
        pages: impl futures_util::Stream<Item = onence::Result<onence::paging::Page<T>>>,
    ) -> Result<usize, Failure> {
        let batches = pages.map_ok(|page| (page.items, page.total_pages));
        self.print_batches(columns, batches).await
    }

    /// [`print_pages`](Ctx::print_pages) for a list paged by cursor (1NCE
    /// OS's history), whose pages tell no total.
    pub async fn print_cursor_pages<T: serde::Serialize>(
        &self,
        columns: Columns,
        pages: impl futures_util::Stream<Item = onence::Result<onence::paging::CursorPage<T>>>,
    ) -> Result<(), Failure> {
        self.print_batches(columns, pages.map_ok(|page| (page.items, None)))
            .await
            .map(|_| ())
    }

    /// Prints batches of items (a page's items and the page total, when
    /// known) as they arrive, up to `--limit` items, reading no batch past
    /// them; tells how many it printed.
    async fn print_batches<T: serde::Serialize>(
        &self,
        columns: Columns,
        batches: impl futures_util::Stream<Item = onence::Result<(Vec<T>, Option<u64>)>>,
    ) -> Result<usize, Failure> {
        let mut batches = std::pin::pin!(batches);
        let mut printer = output::Printer::new(self.format, columns, self.fields.as_deref());
        let bar = self.progress(0, "pages");
        let mut left = self.limit.unwrap_or(usize::MAX);
        while left > 0 {
            let Some((items, total_pages)) = batches.try_next().await? else {
                break;
            };
            if let Some(total) = total_pages.filter(|&n| n > 0) {
                show_total(&bar, total);
            }
            bar.inc(1);
            let values: Vec<Value> = to_values(items)
                .into_iter()
                .filter(|item| self.matches(item))
                .take(left)
                .collect();
            left -= values.len();
            bar.suspend(|| printer.rows(&values))?;
        }
        bar.finish_and_clear();
        printer.finish().map_err(Failure::from)?;
        Ok(self.limit.unwrap_or(usize::MAX) - left)
    }

    /// Asks before a write the library's policy wants confirmed (billed,
    /// wide or irreversible), naming what it costs; a dry run sends nothing,
    /// so it does not ask.
    pub fn confirm(&self, write: &Write) -> Result<(), Failure> {
        if self.dry_run || !write.needs_confirmation() {
            return Ok(());
        }
        input::confirm(self.yes, &write.confirmation()).map_err(Failure::from)
    }

    /// A progress bar on a terminal (hidden otherwise, or with --quiet). With
    /// no known total (`length` 0) it is a count and a spinner, never "1/0",
    /// until [`show_total`] gives it one.
    pub fn progress(&self, length: u64, what: &str) -> indicatif::ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return indicatif::ProgressBar::hidden();
        }
        let bar = match length {
            0 => {
                let bar = indicatif::ProgressBar::new_spinner();
                if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos} {msg}")
                {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            }
            n => indicatif::ProgressBar::new(n),
        };
        bar.set_message(what.to_string());
        bar
    }
}

/// Turns a spinner into a bar once the total is known.
fn show_total(bar: &indicatif::ProgressBar, total: u64) {
    if bar.length() != Some(total) {
        if let Ok(style) = indicatif::ProgressStyle::with_template("{wide_bar} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar.set_length(total);
    }
}

impl Ctx {
    /// Builds the client the flags ask for: the embedded sandbox with
    /// `--sandbox`, otherwise the account of the profile or the environment.
    /// With several profiles, every account's client, read together.
    pub async fn open(global: Global) -> Result<Ctx, Failure> {
        let Some(names) = global.several_profiles()? else {
            return Ctx::open_with(global, |builder| builder).await;
        };
        let mut accounts = Accounts::new();
        for name in &names {
            let profile = profile::load(Some(name))?.unwrap_or_default();
            let (builder, _) = account_builder(&global, profile, Some(name))?;
            accounts = accounts.with_account(name.as_str(), builder.build()?)?;
        }
        Ok(Ctx {
            accounts: Some(accounts),
            ..Ctx::from_global(global, None, names.join(","), None)
        })
    }

    /// As [`Ctx::open`], with the client's builder passed through `tune`
    /// first (rate limits, observers).
    pub async fn open_with(
        global: Global,
        tune: impl FnOnce(onence::ClientBuilder) -> onence::ClientBuilder,
    ) -> Result<Ctx, Failure> {
        if global.several_profiles()?.is_some() {
            return Err(Failure::Usage(
                "this command serves one account: give one --profile".into(),
            ));
        }
        let format = global.format();
        let (client, sandbox, account) = if global.sandbox {
            let sandbox = Sandbox::builder()
                .sims(100)
                .seed(42)
                .start()
                .await
                .map_err(|e| Failure::Usage(format!("cannot start the sandbox: {e}")))?;
            eprintln!("onence: using the embedded sandbox at {} (a simulated account; nothing real is touched)", sandbox.base_url());
            let mut builder = sandbox.client_builder();
            if global.dry_run {
                builder = builder.dry_run(move |planned| print_planned(format, planned));
            }
            let account = format!("{} {}", sandbox.base_url(), sandbox.credentials().user());
            (Some(tune(builder).build()?), Some(sandbox), account)
        } else {
            let profile = profile::load(global.profile.first().map(String::as_str))?;
            let (builder, account) = account_builder(&global, profile.unwrap_or_default(), None)?;
            (Some(tune(builder).build()?), None, account)
        };
        Ok(Ctx::from_global(global, client, account, sandbox))
    }

    fn from_global(
        global: Global,
        client: Option<Client>,
        account: String,
        sandbox: Option<Sandbox>,
    ) -> Ctx {
        Ctx {
            format: global.format(),
            fields: global.fields,
            limit: global.limit,
            where_: global.where_,
            quiet: global.quiet,
            yes: global.yes,
            dry_run: global.dry_run,
            client,
            accounts: None,
            account,
            _sandbox: sandbox,
        }
    }
}

/// The client settings of one account: from its profile, else the flags
/// and the environment. Of several profiles (`several` names the one),
/// each must hold its own client id and secret: one account's id never
/// meets another's secret.
fn account_builder(
    global: &Global,
    profile: profile::Profile,
    several: Option<&str>,
) -> Result<(onence::ClientBuilder, String), Failure> {
    let format = global.format();
    if let Some(name) = several {
        if profile.client_id.is_none() || profile.secret.is_none() {
            return Err(Failure::Usage(format!(
                "profile {name:?} needs its own client_id and secret to be read with other profiles"
            )));
        }
    }
    // A chosen profile wins: one account's id never meets another's secret.
    let id = profile
        .client_id
        .or(global.client_id.clone())
        .ok_or_else(|| {
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
        .or(global.base_url.clone())
        .unwrap_or_else(|| onence::DEFAULT_BASE_URL.to_string());
    let account = format!("{base_url} {id}");
    let cache = match global.no_token_cache || profile.token_cache == Some(false) {
        true => None,
        false => Some(TokenCache::open(&base_url, &id)?),
    };
    let mut builder = Client::builder()
        .credentials(Credentials::api_user(id, secret))
        .base_url(base_url);
    if let Some(cache) = cache {
        builder = builder.token_store(cache);
    }
    if let Some(timeout) = global.timeout {
        builder = builder.request_timeout(Some(timeout));
    }
    if global.dry_run {
        builder = builder.dry_run(move |planned| print_planned(format, planned));
    }
    Ok((builder, account))
}

impl Global {
    /// The profiles to read together: every one with --all-profiles, the
    /// names given when --profile names more than one; `None` for one account.
    pub fn several_profiles(&self) -> Result<Option<Vec<String>>, Usage> {
        let names = match self.all_profiles {
            true => profile::names()?,
            false if self.profile.len() > 1 => self.profile.clone(),
            false => return Ok(None),
        };
        if self.sandbox {
            return Err(Usage(
                "--sandbox is one account: it takes no several profiles".into(),
            ));
        }
        Ok(Some(names))
    }

    /// The output format: as chosen, else a table on a terminal and JSON
    /// lines when piped.
    pub fn format(&self) -> Format {
        self.output.unwrap_or(if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        })
    }
}

/// Logs to stderr: `--debug` turns on the client's request spans and
/// events; `RUST_LOG` (e.g. `onence=debug`) chooses otherwise. A server
/// that runs for days (`serving`) logs its warnings even without either:
/// the exporter says there when the fleet does not fit its budget.
pub fn logging(debug: bool, serving: bool) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.is_empty() => tracing_subscriber::EnvFilter::new(spec),
        _ if debug => tracing_subscriber::EnvFilter::new("onence=debug"),
        _ if serving => tracing_subscriber::EnvFilter::new("onence=warn"),
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
/// (the request hook produces it): a JSON line `{"would_send": {"method",
/// "path", "body"}}` in JSON output, a line of text otherwise. A closed pipe
/// ends the command quietly.
fn print_planned(format: Format, planned: &onence::config::PlannedWrite) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Json => writeln!(out, "{}", serde_json::json!({ "would_send": planned })),
        _ => writeln!(out, "would send: {planned}"),
    };
    if let Err(e) = written.and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("onence: cannot write: {e}");
        std::process::exit(2);
    }
}
