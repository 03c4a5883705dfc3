//! `onence exporter`: Prometheus metrics of the fleet (`onence::exporter`),
//! refreshed within the API's limit, and with `--streamer-listen` the Data
//! Streamer received in the same process and counted live.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use onence::exporter::{Exporter, ExporterSettings, SimSeries, MAX_RATE, MIN_RATE};

use crate::args::duration;
use crate::cmd::streamer::{receiver, tls, StreamerArgs};
use crate::context::{Ctx, Global};
use crate::failure::Failure;
use crate::serve::{serve, PeerFlags, ServeFlags};

/// What `onence exporter` takes.
#[derive(Args, Debug)]
pub struct ExporterArgs {
    /// Where to serve /metrics and /healthz (port 0 picks one, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:9464")]
    listen: SocketAddr,
    /// How often the SIM list is read, and how old a quota read may grow
    /// before it is due again: seconds (3600) or a duration (10m, 1h; 1 s
    /// to 1 day).
    #[arg(long, default_value = "10m", value_parser = interval)]
    interval: Duration,
    /// Calls a second the exporter makes at most, every call counted: list
    /// pages, quota reads, tokens and retries (0.01 to 10; 1NCE allows 10
    /// on SIMs, the default leaves half to the account's other clients).
    #[arg(long, default_value_t = 5.0, value_parser = rate)]
    max_rate: f64,
    /// Which SIMs get series of their own: all (about 12 a SIM), flagged
    /// (one per quota below 20%: a 100,000-SIM fleet stays well under
    /// 50,000 series) or none (the fleet's aggregates only).
    #[arg(long, default_value = "flagged", value_parser = sim_series)]
    sim_series: SimSeries,
    /// Put each SIM's free-text label on onence_sim_info (with --sim-series
    /// all; a relabel then replaces the series).
    #[arg(long)]
    sim_label: bool,
    /// Also receive the Data Streamer here, counting its records and the
    /// data they report (needs --streamer-user and --streamer-password-file).
    #[arg(long, requires_all = ["streamer_user", "streamer_password_file"])]
    streamer_listen: Option<SocketAddr>,
    /// The Basic auth user of the stream.
    #[arg(long)]
    streamer_user: Option<String>,
    /// A file holding the stream's password (chmod 600).
    #[arg(long)]
    streamer_password_file: Option<PathBuf>,
    /// Where received records go, as `onence streamer --out` takes it
    /// (`postgres://...`, `sqlite:PATH`, `jsonl:PATH` or PATH, `-`).
    #[arg(
        long,
        visible_alias = "streamer-sink",
        default_value = "streamer.jsonl",
        value_name = "SINK"
    )]
    streamer_out: String,
    /// With a PostgreSQL --streamer-out: a file holding its password
    /// (else ONENCE_DATABASE_PASSWORD).
    #[arg(long, value_name = "FILE")]
    streamer_db_password_file: Option<PathBuf>,
    /// A PEM certificate chain for the streamer's HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Its PEM private key.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Who may post to --streamer-listen (/metrics is served to anyone who
    /// reaches --listen).
    #[command(flatten)]
    peers: PeerFlags,
    /// The bounds of both listeners.
    #[command(flatten)]
    serve: ServeFlags,
}

/// `--interval`: a duration from 1 s to 1 day.
fn interval(text: &str) -> Result<Duration, String> {
    let interval = duration(text)?;
    if (Duration::from_secs(1)..=Duration::from_secs(86_400)).contains(&interval) {
        Ok(interval)
    } else {
        Err(format!("{text:?} is outside 1s to 1d"))
    }
}

/// `--max-rate`: calls a second, within the exporter's bounds.
fn rate(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (MIN_RATE..=MAX_RATE).contains(r))
        .ok_or_else(|| {
            format!("{text:?} is not a rate from {MIN_RATE} to {MAX_RATE} calls a second")
        })
}

/// `--sim-series`: all, flagged or none.
fn sim_series(text: &str) -> Result<SimSeries, String> {
    text.parse().map_err(|e: onence::Error| e.to_string())
}

/// Connections the /metrics listener holds at most: scrapers are few, and
/// the streamer in the same process needs the rest of the open files; it
/// is well above one peer's cap, so that one peer cannot fill it.
const METRICS_CONNECTIONS: u64 = 256;

/// Runs the exporter (and the streamer) until Ctrl-C or SIGTERM.
pub async fn run(global: Global, args: ExporterArgs) -> Result<(), Failure> {
    let serving = args.serve.settings(&args.peers)?;
    let metrics_serving = args
        .serve
        .settings(&PeerFlags::default())?
        .with_max_connections(
            args.serve
                .max_connections
                .unwrap_or(METRICS_CONNECTIONS)
                .min(METRICS_CONNECTIONS),
        );
    let streamer_serving = match args.serve.max_connections {
        Some(_) => serving,
        None => {
            let room = onence::server::raise_open_files_limit()
                .saturating_sub(onence::server::RESERVED_FILES + METRICS_CONNECTIONS)
                .max(1);
            serving.with_max_connections(room)
        }
    };
    let settings = ExporterSettings::new(args.interval, args.max_rate)?
        .with_sim_series(args.sim_series)
        .with_sim_label(args.sim_label);
    let exporter = Exporter::new(settings.clone());
    let streamer = match (
        &args.streamer_listen,
        &args.streamer_user,
        &args.streamer_password_file,
    ) {
        (Some(listen), Some(user), Some(password_file)) => {
            let flags = StreamerArgs {
                listen: *listen,
                user: user.clone(),
                password_file: password_file.clone(),
                out: args.streamer_out.clone(),
                db_password_file: args.streamer_db_password_file.clone(),
                tls_cert: args.tls_cert.clone(),
                tls_key: args.tls_key.clone(),
                max_body: onence::streamer::DEFAULT_MAX_BODY,
                peers: args.peers.clone(),
                serve: args.serve.clone(),
            };
            let app = receiver(&flags)?
                .with_observer(exporter.streamer_observer())
                .router();
            Some((flags, app))
        }
        _ => None,
    };
    let observer = exporter.attempt_observer();
    let ctx = Ctx::open_with(global, |builder| {
        builder
            .rate_limits(settings.rate_limits())
            .on_attempt(observer)
    })
    .await?;
    let refreshing = tokio::spawn(exporter.clone().run(ctx.client().clone()));
    let metrics = serve(
        "exporter",
        args.listen,
        None,
        exporter.router(),
        metrics_serving,
    );
    let outcome = match streamer {
        Some((flags, app)) => {
            let receiving = serve("streamer", flags.listen, tls(&flags), app, streamer_serving);
            let (metrics, receiving) = tokio::join!(metrics, receiving);
            metrics.and(receiving)
        }
        None => metrics.await,
    };
    refreshing.abort();
    outcome
}
