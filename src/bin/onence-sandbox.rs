//! `onence-sandbox`: the embedded 1NCE API simulator as a server, for other tools and languages.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use onence::config::RateLimits;
use onence::sandbox::{Faults, Sandbox, StreamTarget};
use onence::Secret;

/// Serves a simulated 1NCE Management API on 127.0.0.1 until interrupted,
/// and prints the base URL and the sandbox's own credentials as shell exports.
#[derive(Parser, Debug)]
#[command(name = "onence-sandbox", version)]
struct Args {
    /// The loopback port (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// SIMs in the account.
    #[arg(long, default_value_t = 100)]
    sims: u64,
    /// The seed the fleet and the faults are drawn from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// `expires_in` of the tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_lifetime: u64,
    /// Share of requests answered with a server error (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    error_rate: f64,
    /// Share of requests that take effect and whose connection then closes
    /// before the answer starts (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    drop_rate: f64,
    /// Share of requests that take effect and whose answer breaks inside its head (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    cut_head_rate: f64,
    /// Share of requests that take effect and whose answer breaks after its
    /// head, inside its body (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    cut_body_rate: f64,
    /// No rate limits (1NCE's own are enforced by default).
    #[arg(long)]
    no_rate_limits: bool,
    /// Answer in the shapes the real service drifts into (numbers as
    /// strings, undocumented enum values and fields, optional fields left out).
    #[arg(long)]
    drift: bool,
    /// Post Data Streamer records (usage and network events, as the SIMs
    /// use data) to this URL, as 1NCE does; batches not answered 200 are resent.
    #[arg(long, requires_all = ["stream_user", "stream_password"])]
    stream_to: Option<String>,
    /// The Basic auth user of the stream.
    #[arg(long)]
    stream_user: Option<String>,
    /// The Basic auth password of the stream (or ONENCE_STREAM_PASSWORD).
    #[arg(long, env = "ONENCE_STREAM_PASSWORD", hide_env_values = true)]
    stream_password: Option<String>,
    /// How often the SIMs use data and a batch is posted, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    stream_every_ms: u64,
}

/// A share between 0 and 1.
fn share(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| format!("{text:?} is not a share between 0 and 1"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let faults = Faults::none()
        .with_error_rate(args.error_rate)
        .with_drop_rate(args.drop_rate)
        .with_cut_head_rate(args.cut_head_rate)
        .with_cut_body_rate(args.cut_body_rate);
    let mut builder = Sandbox::builder()
        .port(args.port)
        .sims(args.sims)
        .seed(args.seed)
        .latency(Duration::from_millis(args.latency_ms))
        .token_lifetime(Duration::from_secs(args.token_lifetime))
        .drift(args.drift)
        .faults(faults);
    if args.no_rate_limits {
        builder = builder.rate_limits(RateLimits::none());
    }
    if let (Some(url), Some(user), Some(password)) =
        (&args.stream_to, &args.stream_user, &args.stream_password)
    {
        let target = StreamTarget::new(url, user, Secret::new(password.as_str()))
            .with_every(Duration::from_millis(args.stream_every_ms));
        builder = builder.stream_to(target);
        eprintln!("onence-sandbox: streaming records to {url}");
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("error: cannot start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let credentials = sandbox.credentials();
    println!("export ONENCE_BASE_URL={}", sandbox.base_url());
    println!("export ONENCE_CLIENT_ID={}", credentials.user());
    println!("export ONENCE_CLIENT_SECRET={}", sandbox.client_secret());
    eprintln!(
        "onence-sandbox: serving on {} (Ctrl-C stops it)",
        sandbox.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
