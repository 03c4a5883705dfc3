//! Several accounts at once, as a reseller runs them: two sandboxes, each
//! under a profile, read by one command; every row says its account, and
//! an account that is down is named while the other still answers.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use onence::sandbox::Sandbox;
use serde_json::Value;

mod support;
use support::cli::Launch;

/// A folder with a configuration file of one profile per sandbox.
struct Config(PathBuf);

impl Config {
    fn of(accounts: &[(&str, &Sandbox)]) -> Config {
        let dir = std::env::temp_dir().join(format!("onence-accounts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text: String = accounts
            .iter()
            .map(|(name, sandbox)| {
                format!(
                    "[profiles.{name}]\nclient_id = {:?}\nbase_url = {:?}\nsecret = {:?}\n\n",
                    sandbox.credentials().user(),
                    sandbox.base_url(),
                    sandbox.client_secret()
                )
            })
            .collect();
        let file = dir.join("config.toml");
        std::fs::write(&file, text).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        Config(dir)
    }

    /// `onence` with this configuration and no account in its environment.
    fn launch(&self) -> Launch {
        Launch::at(String::new(), String::new(), String::new())
            .env("ONENCE_CONFIG", self.0.join("config.toml"))
            .env("ONENCE_BASE_URL", "")
            .env("ONENCE_CLIENT_ID", "")
            .env("ONENCE_CLIENT_SECRET", "")
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn count_of(rows: &[Value], account: &str) -> usize {
    rows.iter().filter(|r| r["account"] == account).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_profile_is_read_and_a_failed_one_is_named() {
    let north = Sandbox::builder().sims(130).seed(1).start().await.unwrap();
    let south = Sandbox::builder().sims(40).seed(2).start().await.unwrap();
    let config = Config::of(&[("north", &north), ("south", &south)]);
    let launch = config.launch();

    let all = launch
        .run(&["--all-profiles", "-o", "json", "sims", "list"], "")
        .await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    let rows = json_lines(&all.stdout);
    assert_eq!(
        (count_of(&rows, "north"), count_of(&rows, "south")),
        (130, 40)
    );
    let north_iccid = north.iccid(0);
    assert!(rows
        .iter()
        .any(|r| r["account"] == "north" && r["iccid"] == north_iccid.as_str()));

    let csv = launch
        .run(
            &[
                "--profile",
                "north,south",
                "-o",
                "csv",
                "sims",
                "list",
                "--limit",
                "5",
            ],
            "",
        )
        .await;
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(csv.stdout.starts_with("account,iccid,"), "{}", csv.stdout);
    assert_eq!(
        csv.stdout.lines().count(),
        6,
        "a header and 5 rows: {}",
        csv.stdout
    );
    let table = launch
        .run(
            &[
                "--all-profiles",
                "-o",
                "table",
                "devices",
                "list",
                "--limit",
                "3",
            ],
            "",
        )
        .await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.starts_with("ACCOUNT"), "{}", table.stdout);

    let low = launch
        .run(
            &[
                "--all-profiles",
                "-o",
                "json",
                "sims",
                "low-data",
                "--below",
                "0.5",
            ],
            "",
        )
        .await;
    assert_eq!(low.code, 0, "{}", low.stderr);
    let low_rows = json_lines(&low.stdout);
    let single = north.client().low_data_report(0.5).await.unwrap();
    assert_eq!(count_of(&low_rows, "north"), single.low.len());
    assert!(low_rows
        .iter()
        .all(|r| r["left_percent"].as_f64().unwrap() < 50.0));

    let one_only = launch
        .run(&["--all-profiles", "sms", "list", &north_iccid], "")
        .await;
    assert_eq!(one_only.code, 2, "{}", one_only.stderr);
    assert!(
        one_only.stderr.contains("give one --profile"),
        "{}",
        one_only.stderr
    );

    drop(south);
    let partial = launch
        .run(&["--all-profiles", "-o", "json", "sims", "list"], "")
        .await;
    assert_eq!(partial.code, 5, "some failed: {}", partial.stderr);
    let rows = json_lines(&partial.stdout);
    assert_eq!(
        count_of(&rows, "north"),
        130,
        "the other account still answers"
    );
    assert!(
        partial.stderr.contains("account south"),
        "{}",
        partial.stderr
    );
    assert!(
        partial.stderr.contains("1 of 2 accounts failed"),
        "{}",
        partial.stderr
    );
    assert!(!partial.stderr.contains(north.client_secret()));
}
