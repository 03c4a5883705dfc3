//! The `onence` command as a user runs it: a process of its own, with the
//! credentials in its environment, its output captured.

use std::time::Duration;

use assert_cmd::Command;
use onence::sandbox::Sandbox;

/// What a run printed, and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `onence` against `sandbox` with its credentials in the environment.
pub async fn onence(sandbox: &Sandbox, args: &[&str], stdin: &str) -> Run {
    let (base, user, secret) = (
        sandbox.base_url().to_string(),
        sandbox.credentials().user().to_string(),
        sandbox.client_secret().to_string(),
    );
    onence_at(base, user, secret, args, stdin).await
}

/// Runs `onence` against any server, with these credentials in the environment.
pub async fn onence_at(
    base: String,
    user: String,
    secret: String,
    args: &[&str],
    stdin: &str,
) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        let output = Command::cargo_bin("onence")
            .unwrap()
            .args(&args)
            .env("ONENCE_BASE_URL", base)
            .env("ONENCE_CLIENT_ID", user)
            .env("ONENCE_CLIENT_SECRET", secret)
            .write_stdin(stdin)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// The writes a dry run printed, each as `METHOD path body` (the form of
/// the sandbox's record of writes): from the JSON lines
/// `{"would_send": {..}}` of JSON output, or the `would send: ` lines of
/// text output.
pub fn planned_writes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| {
            if let Some(text) = line.strip_prefix("would send: ") {
                return Some(text.to_string());
            }
            let value: serde_json::Value = serde_json::from_str(line).ok()?;
            let planned = value.get("would_send")?;
            let mut text = format!(
                "{} {}",
                planned["method"].as_str()?,
                planned["path"].as_str()?
            );
            if !planned["body"].is_null() {
                text.push_str(&format!(" {}", planned["body"]));
            }
            Some(text)
        })
        .collect()
}
