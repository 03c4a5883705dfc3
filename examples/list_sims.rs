//! Streams every SIM of the account with what is left of its data quota.
//!
//! Reads `ONENCE_CLIENT_ID`, `ONENCE_CLIENT_SECRET` and, optionally, `ONENCE_BASE_URL`.

use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("list_sims: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> onence::Result<()> {
    let client = onence::Client::from_env()?;
    let mut sims = std::pin::pin!(client.all_sims().stream());
    println!("iccid\tstatus\tlabel\tdata left (MB)");
    while let Some(sim) = sims.try_next().await? {
        let iccid = sim.iccid.clone().unwrap_or_default();
        let left = client.data_quota_of(&iccid).await?.volume;
        let status = sim.status.map(|s| s.to_string()).unwrap_or_default();
        let label = sim.label.unwrap_or_default();
        println!(
            "{iccid}\t{status}\t{label}\t{}",
            left.map(|v| format!("{v:.2}")).unwrap_or_default()
        );
    }
    Ok(())
}
