//! Lists every SIM of the account, page by page.
//!
//! Reads `ONENCE_BEARER_TOKEN` and, optionally, `ONENCE_BASE_URL`.

use onence::{Client, Session};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Ok(token) = std::env::var("ONENCE_BEARER_TOKEN") else {
        eprintln!(
            "ONENCE_BEARER_TOKEN is not set: get a token from POST /oauth/token and export it"
        );
        std::process::exit(2);
    };
    let base = std::env::var("ONENCE_BASE_URL")
        .unwrap_or_else(|_| "https://api.1nce.com/management-api".into());
    let mut headers = reqwest::header::HeaderMap::new();
    let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))?;
    value.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, value);
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    let client = Client::new_with_client(&base, http, Session::default());
    let mut page = 1;
    loop {
        let response = client.list_sims().page(page).page_size(100).send().await?;
        let total_pages: u64 = response
            .headers()
            .get("x-total-pages")
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or(0);
        let sims = response.into_inner();
        for sim in &sims {
            println!(
                "{}\t{:?}\t{}",
                sim.iccid.as_deref().unwrap_or("?"),
                sim.status,
                sim.label.as_deref().unwrap_or("")
            );
        }
        if sims.len() < 100 || (total_pages > 0 && page >= total_pages) {
            break;
        }
        page += 1;
    }
    Ok(())
}
