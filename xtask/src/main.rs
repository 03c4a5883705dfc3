//! `cargo xtask`: maintenance commands for onence.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::Source;

/// Maintenance commands for onence.
#[derive(Parser, Debug)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Refresh the vendored documents and derive the normalised ones (v1, v2): download
    /// each family 1NCE serves at a stable address (management-api from
    /// https://api.1nce.com/management-api/api-docs), keep the others as
    /// vendored, merge, normalise, print what changed, and rewrite spec/;
    /// spec/ is left untouched on any error.
    RefreshSpec {
        /// Refresh one family (management-api, support-management,
        /// sim-management-v2); --url or --from then give that family's
        /// document (without --only, management-api's).
        #[arg(long)]
        only: Option<String>,
        /// Download the document from this address.
        #[arg(long, conflicts_with = "from")]
        url: Option<String>,
        /// Read the document from this file.
        #[arg(long)]
        from: Option<PathBuf>,
        /// The spec directory (default: the repository's spec/).
        #[arg(long)]
        spec_dir: Option<PathBuf>,
        /// Re-derive the OpenAPI document from the vendored sources and fail
        /// if the vendored files disagree.
        #[arg(long, conflicts_with_all = ["url", "from", "only"])]
        check: bool,
    },
    /// Write the onence tool's man page to target/man/onence.1.
    Man,
    /// Measure what depending on onence costs in build time: the generated
    /// lines per feature set, and cold debug builds of a crate on onence
    /// (default features) and of one on reqwest + serde + tokio making the
    /// same call, one after the other (several minutes).
    CompileCost {
        /// Fail when the build-time ratio is above this.
        #[arg(long)]
        max_ratio: Option<f64>,
        /// Keep the scratch crates and their target directories.
        #[arg(long)]
        keep: bool,
    },
}

/// Why a command stopped.
enum Stop {
    /// The task itself failed.
    Failed(xtask::Failure),
    /// A measurement failed or missed its target.
    Measure(String),
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Failed(failure)) => {
            eprintln!("xtask: {failure}");
            ExitCode::FAILURE
        }
        Err(Stop::Measure(why)) => {
            eprintln!("xtask compile-cost: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Stop> {
    match cli.command {
        Command::Man => man(),
        Command::CompileCost { max_ratio, keep } => {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let scratch = root.join("target/compile-cost");
            xtask::compile_cost::run(&root, scratch, max_ratio, keep).map_err(Stop::Measure)
        }
        Command::RefreshSpec {
            only,
            url,
            from,
            spec_dir,
            check,
        } => {
            let spec_dir = spec_dir
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec"));
            let outcome = if check {
                xtask::check(&spec_dir).map(|()| println!("spec/ is up to date"))
            } else {
                let source = url.map(Source::Url).or(from.map(Source::File));
                xtask::refresh(source.as_ref(), only.as_deref(), &spec_dir).map(|report| {
                    print!("{report}");
                    println!("spec/ rewritten");
                })
            };
            outcome.map_err(Stop::Failed)
        }
    }
}

/// Builds the onence tool and has it render its man page into target/man/onence.1.
fn man() -> Result<(), Stop> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let failed = |what: String| Stop::Failed(xtask::Failure::Write(what));
    let output =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "run",
                "--quiet",
                "--features",
                "cli",
                "--bin",
                "onence",
                "--",
                "man",
            ])
            .current_dir(&root)
            .output()
            .map_err(|e| failed(format!("cannot run cargo: {e}")))?;
    if !output.status.success() {
        return Err(failed(format!(
            "onence man failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let dir = root.join("target/man");
    std::fs::create_dir_all(&dir).map_err(|e| failed(format!("{}: {e}", dir.display())))?;
    let path = dir.join("onence.1");
    std::fs::write(&path, &output.stdout)
        .map_err(|e| failed(format!("{}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(())
}
