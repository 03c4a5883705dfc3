//! `onence-sandbox`: the embedded 1NCE API simulator as a server, for other tools and languages.

use std::process::ExitCode;
use std::time::Duration;

use onence::sandbox::{Faults, Sandbox};
use onence::RateLimits;

const USAGE: &str = "\
usage: onence-sandbox [--port P] [--sims N] [--seed S] [--latency-ms MS] [--token-lifetime S]
                      [--error-rate R] [--drop-rate R] [--no-rate-limits] [--drift]

Serves a simulated 1NCE Management API on 127.0.0.1 until interrupted, and
prints the base URL and the sandbox's own credentials as shell exports.
--drift answers in the shapes the real service drifts into (numbers as
strings, undocumented enum values and fields, optional fields left out).";

#[tokio::main]
async fn main() -> ExitCode {
    let mut builder = Sandbox::builder();
    let mut faults = Faults::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        if flag == "--drift" {
            builder = builder.drift(true);
            continue;
        }
        if flag == "--no-rate-limits" {
            builder = builder.rate_limits(RateLimits::none());
            continue;
        }
        let Some(value) = it.next() else {
            eprintln!("error: {flag} needs a value\n\n{USAGE}");
            return ExitCode::from(2);
        };
        let number = |v: &str| v.parse::<f64>().ok().filter(|n| *n >= 0.0);
        let Some(n) = number(value) else {
            eprintln!("error: {flag} takes a number, not {value:?}\n\n{USAGE}");
            return ExitCode::from(2);
        };
        builder = match flag.as_str() {
            "--port" => builder.port(n as u16),
            "--sims" => builder.sims(n as u64),
            "--seed" => builder.seed(n as u64),
            "--latency-ms" => builder.latency(Duration::from_millis(n as u64)),
            "--token-lifetime" => builder.token_lifetime(Duration::from_secs(n as u64)),
            "--error-rate" => {
                faults = faults.with_error_rate(n);
                builder
            }
            "--drop-rate" => {
                faults = faults.with_drop_rate(n);
                builder
            }
            other => {
                eprintln!("error: unknown flag {other:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        };
    }
    let sandbox = match builder.faults(faults).start().await {
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
