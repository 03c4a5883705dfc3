//! `cargo xtask`: maintenance commands for onence.

use std::path::PathBuf;
use std::process::ExitCode;

use xtask::Source;

const USAGE: &str = "\
usage: cargo xtask refresh-spec [--only FAMILY] [--url URL | --from FILE] [--spec-dir DIR]
       cargo xtask refresh-spec --check [--spec-dir DIR]
       cargo xtask man

refresh-spec   refresh the vendored documents and derive the normalised one: download
               each family 1NCE serves at a stable address (management-api from
               https://api.1nce.com/management-api/api-docs), keep the others as vendored,
               merge, normalise, print what changed, and rewrite spec/; spec/ is left
               untouched on any error
--only FAMILY  refresh one family (management-api, support-management); --url/--from
               then give that family's document (without --only, management-api's)
--check        re-derive the OpenAPI document from the vendored sources and fail if
               the vendored files disagree
man            write the onence tool's man page to target/man/onence.1";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Stop::Usage(message)) if message.is_empty() => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(Stop::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Stop::Failed(failure)) => {
            eprintln!("refresh-spec: {failure}");
            ExitCode::FAILURE
        }
    }
}

enum Stop {
    /// Bad command line (an empty message asks for the help text).
    Usage(String),
    /// The task itself failed.
    Failed(xtask::Failure),
}

fn run(args: &[String]) -> Result<(), Stop> {
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => return Err(Stop::Usage("no command given".into())),
    };
    if matches!(command, "-h" | "--help" | "help") {
        return Err(Stop::Usage(String::new()));
    }
    if command == "man" {
        return man();
    }
    if command != "refresh-spec" {
        return Err(Stop::Usage(format!("unknown command {command:?}")));
    }
    let mut source = None;
    let mut only: Option<String> = None;
    let mut check = false;
    let mut spec_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Stop::Usage(format!("{flag} needs a value")))
        };
        match arg.as_str() {
            "--url" => set_source(&mut source, Source::Url(value("--url")?))?,
            "--from" => set_source(&mut source, Source::File(PathBuf::from(value("--from")?)))?,
            "--spec-dir" => spec_dir = PathBuf::from(value("--spec-dir")?),
            "--only" => only = Some(value("--only")?),
            "--check" => check = true,
            "-h" | "--help" => return Err(Stop::Usage(String::new())),
            other => return Err(Stop::Usage(format!("unknown argument {other:?}"))),
        }
    }
    let outcome = if check {
        if source.is_some() || only.is_some() {
            return Err(Stop::Usage(
                "--check reads every vendored file; it takes no --url, --from or --only".into(),
            ));
        }
        xtask::check(&spec_dir).map(|()| println!("spec/ is up to date"))
    } else {
        xtask::refresh(source.as_ref(), only.as_deref(), &spec_dir).map(|report| {
            print!("{report}");
            println!("spec/ rewritten");
        })
    };
    outcome.map_err(Stop::Failed)
}

fn set_source(source: &mut Option<Source>, new: Source) -> Result<(), Stop> {
    if source.replace(new).is_some() {
        return Err(Stop::Usage("give only one of --url and --from".into()));
    }
    Ok(())
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
