//! The CLI's token cache as a shell loop meets it: runs of `onence` share
//! one token kept in the state directory, in a file only its owner reads;
//! a file others may read is refused by name, and a token the API refused
//! is renewed once without failing the command.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use onence::sandbox::Sandbox;

mod support;
use support::cli::Launch;

/// The state directory of one test, removed when it ends.
struct StateDir(PathBuf);

impl StateDir {
    fn new(name: &str) -> StateDir {
        let dir = std::env::temp_dir().join(format!("onence-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        StateDir(dir)
    }

    /// The token files kept there.
    fn token_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.0.join("tokens"))
            .map(|entries| entries.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tokens_asked(sandbox: &Sandbox) -> u64 {
    sandbox.counters().requests_to("POST /oauth/token")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_share_one_token_kept_private() {
    let sandbox = Sandbox::builder().sims(5).start().await.unwrap();
    let state = StateDir::new("token-cache");
    let launch = Launch::against(&sandbox).env("ONENCE_STATE_DIR", &state.0);
    let iccid = sandbox.iccid(0);
    let get = ["-o", "json", "sims", "get", iccid.as_str()];

    for _ in 0..10 {
        let run = launch.run(&get, "").await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(&iccid), "{}", run.stdout);
    }
    assert_eq!(tokens_asked(&sandbox), 1, "ten runs, one token");

    let files = state.token_files();
    assert_eq!(files.len(), 1, "one file for the account: {files:?}");
    assert_eq!(mode(&files[0]), 0o600, "only its owner reads it");
    let kept = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        !kept.contains(sandbox.client_secret()),
        "the cache never holds the client secret"
    );

    let mut no_cache = get.to_vec();
    no_cache.insert(0, "--no-token-cache");
    for _ in 0..10 {
        let run = launch.run(&no_cache, "").await;
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    assert_eq!(tokens_asked(&sandbox), 11, "--no-token-cache: one per run");
    let off = launch
        .clone()
        .env("ONENCE_NO_TOKEN_CACHE", "1")
        .run(&get, "")
        .await;
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert_eq!(tokens_asked(&sandbox), 12, "ONENCE_NO_TOKEN_CACHE too");

    // The API stops taking the kept token: the run renews it once and succeeds.
    sandbox.revoke_tokens();
    let renewed = launch.run(&get, "").await;
    assert_eq!(renewed.code, 0, "{}", renewed.stderr);
    assert_eq!(tokens_asked(&sandbox), 13, "one renewal");
    let again = launch.run(&get, "").await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(tokens_asked(&sandbox), 13, "the renewed token is kept");
    assert_ne!(
        std::fs::read_to_string(&files[0]).unwrap(),
        kept,
        "the refused token was replaced"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cache_file_others_may_read_is_refused_by_name() {
    let sandbox = Sandbox::builder().sims(2).start().await.unwrap();
    let state = StateDir::new("token-cache-shared");
    let launch = Launch::against(&sandbox).env("ONENCE_STATE_DIR", &state.0);
    let first = launch.run(&["products", "list"], "").await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    let file = state.token_files().pop().expect("a token file");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();

    let refused = launch.run(&["products", "list"], "").await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(&file.display().to_string())
            && refused.stderr.contains("chmod 600"),
        "names the file and the fix: {}",
        refused.stderr
    );
    assert_eq!(tokens_asked(&sandbox), 1, "nothing sent");
    let without = launch
        .run(&["--no-token-cache", "products", "list"], "")
        .await;
    assert_eq!(without.code, 0, "{}", without.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_at_once_leave_a_whole_file() {
    let sandbox = Sandbox::builder().sims(2).start().await.unwrap();
    let state = StateDir::new("token-cache-race");
    let launch = Launch::against(&sandbox).env("ONENCE_STATE_DIR", &state.0);
    let runs = (0..6).map(|_| {
        let launch = launch.clone();
        tokio::spawn(async move { launch.run(&["products", "list"], "").await })
    });
    for run in futures::future::join_all(runs).await {
        let run = run.unwrap();
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let files = state.token_files();
    assert_eq!(files.len(), 1, "no temporary file left: {files:?}");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let _: serde_json::Value = serde_json::from_str(&text).expect("a whole file");
    let before = tokens_asked(&sandbox);
    let next = launch.run(&["products", "list"], "").await;
    assert_eq!(next.code, 0, "{}", next.stderr);
    assert_eq!(tokens_asked(&sandbox), before, "the kept token is used");
}
