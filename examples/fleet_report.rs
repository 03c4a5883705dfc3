//! The main job: stream every SIM, join its data quota, and list the SIMs
//! with less than 20% of their data left.
//!
//! Uses `ONENCE_CLIENT_ID`/`ONENCE_CLIENT_SECRET` (and `ONENCE_BASE_URL`) when
//! set; otherwise starts the embedded sandbox and says so on stderr.
//!
//! `cargo run --features sandbox --example fleet_report`

use futures_util::{StreamExt, TryStreamExt};
use onence::sandbox::Sandbox;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleet_report: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the sandbox alive for the whole run.
    let (client, _sandbox) = if std::env::var_os("ONENCE_CLIENT_ID").is_some() {
        (onence::Client::from_env()?, None)
    } else {
        let sandbox = Sandbox::builder().sims(50).seed(42).start().await?;
        eprintln!(
            "fleet_report: no ONENCE_CLIENT_ID set; using the embedded sandbox at {}",
            sandbox.base_url()
        );
        (sandbox.client(), Some(sandbox))
    };

    let sims: Vec<onence::types::Sim> = client.all_sims().collect().await?;
    // Quotas a few at a time; the client keeps within the rate limit.
    let quotas: Vec<(onence::types::Sim, onence::types::Quota)> = futures_util::stream::iter(sims)
        .map(|sim| {
            let client = client.clone();
            async move {
                let iccid = sim.iccid.clone().unwrap_or_default();
                client.data_quota_of(&iccid).await.map(|quota| (sim, quota))
            }
        })
        .buffered(8)
        .try_collect()
        .await?;

    let total = quotas.len();
    println!(
        "{:<20}  {:<8}  {:<14}  {:>9}  {:>5}",
        "ICCID", "STATUS", "LABEL", "LEFT (MB)", "LEFT"
    );
    let mut low = 0;
    for (sim, quota) in &quotas {
        let (Some(left), Some(of)) = (
            quota.volume.map(|v| v.get()),
            quota.total_volume.map(|v| v.get()),
        ) else {
            continue;
        };
        if of <= 0.0 || left / of >= 0.2 {
            continue;
        }
        low += 1;
        println!(
            "{:<20}  {:<8}  {:<14}  {:>9.2}  {:>4.0}%",
            sim.iccid.as_deref().unwrap_or("?"),
            sim.status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            sim.label.as_deref().unwrap_or(""),
            left,
            100.0 * left / of
        );
    }
    println!("{low} of {total} SIMs have less than 20% of their data left");
    Ok(())
}
