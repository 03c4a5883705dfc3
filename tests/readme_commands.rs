//! The README's command-line block, run as written: every `onence` line of
//! the "command-line tool" section runs against a sandbox (its credentials
//! in the environment, as a user's would be) in a folder holding the files
//! the lines name, and exits 0. A README example that fails fails here.

use std::path::Path;
use std::time::Duration;

use onence::sandbox::Sandbox;

mod support;
use support::cli::Launch;

/// The `onence` commands of the `sh` blocks of the README's section
/// `heading`, each split into words as a shell would (comments dropped;
/// `a && b` is two commands); `cargo run ... --bin onence --` counts as
/// `onence`.
fn commands_under(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let start = readme.find(heading).expect("the README has the section");
    let section = &readme[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let blocks = section
        .split("```sh\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next());
    blocks
        .flat_map(str::lines)
        .flat_map(|line| line.split(" && "))
        .map(|line| line.replacen("cargo run --features cli --bin onence -- ", "onence ", 1))
        .filter(|line| line.starts_with("onence "))
        .map(|line| {
            let words = shlex::split(&line).unwrap_or_else(|| panic!("cannot split {line:?}"));
            let end = words
                .iter()
                .position(|w| w.starts_with('#'))
                .unwrap_or(words.len());
            words[1..end].to_vec()
        })
        .collect()
}

/// The files the README's lines name, with what a user would keep there
/// (`fence.json` as the README shows it).
fn files_named(dir: &Path, sandbox: &Sandbox, readme: &str) {
    let two = format!("{}\n{}\n", sandbox.iccid(1), sandbox.iccid(2));
    std::fs::write(dir.join("retired.txt"), &two).unwrap();
    std::fs::write(dir.join("low.txt"), &two).unwrap();
    std::fs::write(dir.join("fleet.txt"), &two).unwrap();
    let shown = readme
        .lines()
        .find_map(|l| l.strip_prefix("# fence.json: "))
        .expect("the README shows fence.json");
    let fence = &shown[..=shown.rfind('}').unwrap()];
    std::fs::write(dir.join("fence.json"), fence).unwrap();
    let psk = r#"{"protocol":"COAP","secretKey":"a-long-device-key"}"#;
    std::fs::write(dir.join("psk.json"), psk).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_of_the_readme_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let commands = commands_under(&readme, "## The command-line tool");
    assert!(
        commands.len() >= 15,
        "the block lists the commands: {commands:?}"
    );
    // The README's examples name the first SIM of a seeded sandbox.
    let sandbox = Sandbox::builder()
        .sims(20)
        .change_delay(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    assert!(
        readme.contains(&sandbox.iccid(0)),
        "the examples name a sandbox SIM"
    );
    let dir = std::env::temp_dir().join(format!("onence-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    files_named(&dir, &sandbox, &readme);
    let mut failed = Vec::new();
    let launch = Launch::against(&sandbox)
        .in_dir(&dir)
        .env("ONENCE_STATE_DIR", dir.join("state"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    for words in commands {
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let run = launch.run(&args, "").await;
        if run.code != 0 {
            failed.push(format!(
                "onence {}: {}: {}",
                words.join(" "),
                run.code,
                run.stderr.trim()
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        failed.is_empty(),
        "README commands that fail:\n{}",
        failed.join("\n")
    );
}
