//! `onence streamer`: receives 1NCE's Data Streamer posts and stores them
//! in a JSON Lines file or an SQLite database, durably and each record
//! once (`onence::streamer`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use onence::streamer::{JsonLines, Postgres, Receiver, Sqlite, DEFAULT_MAX_BODY};
use onence::Secret;

use crate::failure::Failure;
use crate::input::secret_file;
use crate::serve::{serve, PeerFlags, ServeFlags, Tls};

/// What `onence streamer` takes.
#[derive(Args, Debug)]
pub struct StreamerArgs {
    /// Where to listen (address:port; port 0 picks one, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The Basic auth user configured on the 1NCE stream.
    #[arg(long)]
    pub user: String,
    /// A file holding the Basic auth password (its first line; chmod 600).
    #[arg(long)]
    pub password_file: PathBuf,
    /// Where records go: `postgres://USER@HOST:PORT/DB` (PostgreSQL, shared
    /// by many receivers), `sqlite:PATH` (an SQLite database, queryable),
    /// `jsonl:PATH` or a plain PATH (a JSON Lines file), or `-` (standard
    /// output: flushed, but only as durable as what reads it).
    #[arg(
        long,
        visible_alias = "sink",
        default_value = "streamer.jsonl",
        value_name = "SINK"
    )]
    pub out: String,
    /// A file holding the PostgreSQL password (its first line; chmod 600);
    /// else ONENCE_DATABASE_PASSWORD, else none. Never in the URL.
    #[arg(long, value_name = "FILE")]
    pub db_password_file: Option<PathBuf>,
    /// A PEM certificate chain, to serve HTTPS directly (1NCE posts only to
    /// HTTPS with a valid certificate); or run behind a reverse proxy.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's PEM private key.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The largest body taken, in bytes (a larger one gets 413).
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    pub max_body: usize,
    #[command(flatten)]
    pub peers: PeerFlags,
    #[command(flatten)]
    pub serve: ServeFlags,
}

/// The receiver the flags describe, ready to mount.
pub fn receiver(args: &StreamerArgs) -> Result<Receiver, Failure> {
    let password = secret_file("--password-file", &args.password_file)?;
    let cannot = |e: std::io::Error| Failure::Usage(format!("--out {}: {e}", args.out));
    let (scheme, path) = match args.out.split_once(':') {
        Some((scheme @ ("sqlite" | "jsonl" | "postgres" | "postgresql"), path)) => (scheme, path),
        _ => ("jsonl", args.out.as_str()),
    };
    let started = match (scheme, path) {
        ("sqlite", path) => {
            Receiver::new(&args.user, password, Sqlite::open(path).map_err(cannot)?)
        }
        ("postgres" | "postgresql", _) => {
            let db_password = match &args.db_password_file {
                Some(file) => Some(secret_file("--db-password-file", file)?),
                None => std::env::var("ONENCE_DATABASE_PASSWORD")
                    .ok()
                    .filter(|p| !p.is_empty())
                    .map(Secret::new),
            };
            let sink = Postgres::connect(&args.out, db_password)
                .map_err(|e| Failure::Usage(format!("--out: {e}")))?;
            Receiver::new(&args.user, password, sink)
        }
        (_, "-") => Receiver::new(&args.user, password, JsonLines::stdout()),
        (_, path) => Receiver::new(&args.user, password, JsonLines::open(path).map_err(cannot)?),
    };
    let receiver =
        started.map_err(|e| Failure::Usage(format!("the sink's writer did not start: {e}")))?;
    Ok(receiver.with_max_body_bytes(args.max_body))
}

/// The TLS files the flags name, if any.
pub fn tls(args: &StreamerArgs) -> Option<Tls> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    }
}

/// Runs the receiver until Ctrl-C or SIGTERM.
pub async fn run(args: StreamerArgs) -> Result<(), Failure> {
    let settings = args.serve.settings(&args.peers)?;
    let app = receiver(&args)?.router();
    serve("streamer", args.listen, tls(&args), app, settings).await
}
