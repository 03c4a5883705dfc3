//! The `onence` command as a user runs it: a process of its own, with the
//! credentials in its environment, its output captured.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
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
    Launch::against(sandbox).run(args, stdin).await
}

/// Runs `onence` against any server, with these credentials in the environment.
pub async fn onence_at(
    base: String,
    user: String,
    secret: String,
    args: &[&str],
    stdin: &str,
) -> Run {
    Launch::at(base, user, secret).run(args, stdin).await
}

/// How `onence` is started: against which server and account, in which
/// folder, with what else in its environment. Unless the environment names
/// one (`ONENCE_STATE_DIR`), each run gets a state directory of its own,
/// removed after it: no run sees another's token or journal, and nothing is
/// left in the user's.
#[derive(Clone)]
pub struct Launch {
    env: Vec<(String, String)>,
    dir: Option<PathBuf>,
}

impl Launch {
    /// Against `sandbox`, with its credentials.
    pub fn against(sandbox: &Sandbox) -> Launch {
        Launch::at(
            sandbox.base_url().to_string(),
            sandbox.credentials().user().to_string(),
            sandbox.client_secret().to_string(),
        )
    }

    /// Against any server, with these credentials.
    pub fn at(base: String, user: String, secret: String) -> Launch {
        Launch {
            env: vec![
                ("ONENCE_BASE_URL".into(), base),
                ("ONENCE_CLIENT_ID".into(), user),
                ("ONENCE_CLIENT_SECRET".into(), secret),
            ],
            dir: None,
        }
    }

    /// Runs in `dir` (the files the arguments name are found there).
    pub fn in_dir(mut self, dir: &Path) -> Launch {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// Sets `key` to `value` in the environment.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Launch {
        let value = value.as_ref().to_string_lossy().into_owned();
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value));
        self
    }

    /// Runs `onence` with `args`, `stdin` as its input, for at most a minute.
    pub async fn run(&self, args: &[&str], stdin: &str) -> Run {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (stdin, launch) = (stdin.to_string(), self.clone());
        tokio::task::spawn_blocking(move || launch.run_blocking(&args, &stdin))
            .await
            .unwrap()
    }

    fn run_blocking(&self, args: &[String], stdin: &str) -> Run {
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let own_state = (!self.env.iter().any(|(k, _)| k == "ONENCE_STATE_DIR")).then(|| {
            let n = RUNS.fetch_add(1, Ordering::Relaxed);
            std::env::temp_dir().join(format!("onence-state-{}-{n}", std::process::id()))
        });
        let mut command = Command::cargo_bin("onence").unwrap();
        command
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(state) = &own_state {
            command.env("ONENCE_STATE_DIR", state);
        }
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        let output = command
            .write_stdin(stdin)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        if let Some(state) = own_state {
            let _ = std::fs::remove_dir_all(state);
        }
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
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
