//! `cargo xtask compile-cost`: what a user pays in build time for depending
//! on onence, against a crate on reqwest + serde + tokio making the same
//! call by hand.
//!
//! Two fresh crates in a scratch folder, each built cold (its own empty
//! target directory) in debug, one after the other, offline, with the
//! repository's lockfile so both get the same versions. And the lines
//! `build.rs` generates for each feature set, from the same generation
//! code, so the two numbers are read side by side.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::codegen;

/// The feature sets whose generated lines are reported: (label, features).
pub const FEATURE_SETS: &[(&str, &[&str])] = &[
    ("default", &[]),
    ("v2", &["v2"]),
    ("os", &["os"]),
    ("v2,os", &["v2", "os"]),
    ("full (mcp: JsonSchema on)", &["v2", "os", "mcp"]),
];

/// The lines `build.rs` generates with `features` enabled, per version and
/// in total, from the documents in `spec_dir`.
pub fn generated_lines(
    spec_dir: &Path,
    features: &[&str],
) -> Result<Vec<(&'static str, usize)>, String> {
    let json_schema = features.contains(&"mcp");
    let mut lines = Vec::new();
    for target in codegen::VERSIONS
        .iter()
        .filter(|t| t.is_enabled(|f| features.contains(&f)))
    {
        let path = spec_dir.join(target.openapi);
        let spec = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let code = codegen::generate_with(target, &spec, json_schema)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        lines.push((target.version, code.lines().count()));
    }
    Ok(lines)
}

/// The user's crate on onence: a token and one quota read, against a
/// closed port (the build is measured, not the call).
const ONENCE_MAIN: &str = r#"#[tokio::main]
async fn main() {
    let client = onence::Client::builder()
        .base_url("http://127.0.0.1:9/management-api")
        .credentials(onence::Credentials::api_user("user", "not-a-secret"))
        .build()
        .unwrap();
    println!("{:?}", client.data_quota_of("8988280666000000001").await.is_err());
}
"#;

/// The same call by hand: a token from `/oauth/token`, then the quota
/// decoded with serde.
const PLAIN_MAIN: &str = r#"#[derive(serde::Deserialize, Debug)]
struct Token { access_token: String }
#[derive(serde::Deserialize, Debug)]
struct Quota { volume: Option<f64>, total_volume: Option<f64>, expiry_date: Option<String> }

async fn quota() -> Result<Quota, reqwest::Error> {
    let base = "http://127.0.0.1:9/management-api";
    let http = reqwest::Client::new();
    let token: Token = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("user", Some("not-a-secret"))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send().await?.error_for_status()?.json().await?;
    http.get(format!("{base}/v1/sims/8988280666000000001/quota/data"))
        .bearer_auth(token.access_token)
        .send().await?.error_for_status()?.json().await
}

#[tokio::main]
async fn main() {
    match quota().await {
        Ok(q) => println!("{:?} of {:?} until {:?}", q.volume, q.total_volume, q.expiry_date),
        Err(e) => println!("{e}"),
    }
}
"#;

/// One measured crate.
struct Crate {
    name: &'static str,
    dependencies: String,
    main: &'static str,
}

/// The two crates, the onence one depending on the package at `root`.
fn crates(root: &Path) -> [Crate; 2] {
    let tokio = r#"tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#;
    [
        Crate {
            name: "on-onence",
            dependencies: format!("onence = {{ path = {:?} }}\n{tokio}\n", root.display()),
            main: ONENCE_MAIN,
        },
        Crate {
            name: "on-reqwest",
            dependencies: format!(
                "reqwest = {{ version = \"0.13\", default-features = false, \
                 features = [\"json\", \"rustls\", \"http2\", \"charset\"] }}\n\
                 serde = {{ version = \"1\", features = [\"derive\"] }}\n\
                 serde_json = \"1\"\n{tokio}\n"
            ),
            main: PLAIN_MAIN,
        },
    ]
}

/// Writes `krate` under `scratch` and builds it cold; the build's time.
fn build_cold(scratch: &Path, root: &Path, krate: &Crate) -> Result<Duration, String> {
    let dir = scratch.join(krate.name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{}\n[workspace]\n",
        krate.name, krate.dependencies
    );
    let write = |name: &str, text: &str| {
        fs::write(dir.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    write("Cargo.toml", &manifest)?;
    write("src/main.rs", krate.main)?;
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let started = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTC_WRAPPER")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let took = started.elapsed();
    if !status.success() {
        return Err(format!("{} did not build ({status})", krate.name));
    }
    Ok(took)
}

/// Runs the measurement and prints the report; fails when the ratio is
/// above `max_ratio`. The scratch folder is removed unless `keep`.
pub fn run(
    root: &Path,
    scratch: PathBuf,
    max_ratio: Option<f64>,
    keep: bool,
) -> Result<(), String> {
    println!("## Generated lines per feature set\n");
    println!("| features | lines generated | per version |");
    println!("|---|---:|---|");
    for (label, features) in FEATURE_SETS {
        let lines = generated_lines(&root.join("spec"), features)?;
        let total: usize = lines.iter().map(|(_, n)| n).sum();
        let per: Vec<String> = lines.iter().map(|(v, n)| format!("{v} {n}")).collect();
        println!("| {label} | {total} | {} |", per.join(", "));
    }
    println!("\n## Cold debug builds, one after the other\n");
    let [onence, plain] = crates(root);
    let on_plain = build_cold(&scratch, root, &plain)?;
    let on_onence = build_cold(&scratch, root, &onence)?;
    if !keep {
        let _ = fs::remove_dir_all(&scratch);
    }
    let ratio = on_onence.as_secs_f64() / on_plain.as_secs_f64();
    println!("| crate | cold debug build |");
    println!("|---|---:|");
    println!(
        "| onence, default features | {:.1} s |",
        on_onence.as_secs_f64()
    );
    println!(
        "| reqwest + serde + tokio | {:.1} s |",
        on_plain.as_secs_f64()
    );
    println!("| ratio | {ratio:.2}× |");
    match max_ratio {
        Some(max) if ratio > max => Err(format!("the ratio {ratio:.2} is above {max}")),
        _ => Ok(()),
    }
}
