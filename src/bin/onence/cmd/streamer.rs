//! `onence streamer`: receives 1NCE's Data Streamer posts and appends them
//! to a JSON Lines file, durably and each record once (`onence::streamer`).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use onence::streamer::{Receiver, Sink, DEFAULT_MAX_BODY};

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
    /// The JSON Lines file records are appended to, or `-` for standard
    /// output (flushed, but only as durable as what reads it).
    #[arg(long, default_value = "streamer.jsonl")]
    pub out: String,
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
    let sink = match args.out.as_str() {
        "-" => Sink::stdout(),
        path => Sink::open(path).map_err(|e| Failure::Usage(format!("--out {path}: {e}")))?,
    };
    let receiver = Receiver::new(&args.user, password, sink)
        .map_err(|e| Failure::Usage(format!("the sink's writer did not start: {e}")))?;
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
