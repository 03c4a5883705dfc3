//! Sends an SMS to a device and shows it in the SIM's SMS list.
//!
//! Uses `ONENCE_CLIENT_ID`/`ONENCE_CLIENT_SECRET` (and `ONENCE_BASE_URL`) when
//! set, with the ICCID from the first argument; otherwise starts the embedded
//! sandbox, says so on stderr, and uses its first SIM.
//!
//! `cargo run --features sandbox --example send_sms -- [ICCID] [TEXT]`

use onence::sandbox::Sandbox;
use onence::types::SmsMessage;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("send_sms: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (client, sandbox) = if std::env::var_os("ONENCE_CLIENT_ID").is_some() {
        (onence::Client::from_env()?, None)
    } else {
        let sandbox = Sandbox::builder().sims(10).start().await?;
        eprintln!(
            "send_sms: no ONENCE_CLIENT_ID set; using the embedded sandbox at {}",
            sandbox.base_url()
        );
        (sandbox.client(), Some(sandbox))
    };
    let iccid = match (args.next(), &sandbox) {
        (Some(iccid), _) => iccid,
        (None, Some(sandbox)) => sandbox.iccid(0),
        (None, None) => return Err("give the ICCID as the first argument".into()),
    };
    let text = args
        .next()
        .unwrap_or_else(|| "hello from onence".to_string());
    let message = SmsMessage {
        payload: Some(text),
        source_address: Some("1234567890".into()),
        ..Default::default()
    };
    let Some(id) = client.send_sms_message(&iccid, message).await? else {
        // Sent all the same: the API accepted it without naming it. Never resend.
        println!("sent an SMS to {iccid}; the API did not give its id");
        return Ok(());
    };
    println!("sent SMS {id} to {iccid}");
    let Some(number) = id.number() else {
        return Ok(());
    };
    let sms = client.get_sms().iccid(&iccid).id(number).send().await?;
    println!(
        "status: {}",
        sms.status
            .as_ref()
            .and_then(|s| s.description.clone())
            .unwrap_or_default()
    );
    Ok(())
}
