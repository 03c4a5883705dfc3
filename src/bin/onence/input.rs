//! What the user typed: ICCID lists, confirmations, the secret.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use onence::Iccid;

use crate::failure::Usage;

/// ICCIDs from the arguments (checked by clap already), from `--file`, or
/// from stdin; see [`ids`].
pub fn iccids(args: &[Iccid], file: Option<&PathBuf>) -> Result<Vec<Iccid>, Usage> {
    ids(args, file, "ICCIDs")
}

/// Ids from the arguments (checked by clap already), from `--file`, or from
/// stdin (one per line; blank lines and `#` comments ignored). All are
/// checked before anything is sent; the first bad one is reported with its
/// line number. `what` names them in messages ("ICCIDs", "device ids").
pub fn ids<T>(args: &[T], file: Option<&PathBuf>, what: &str) -> Result<Vec<T>, Usage>
where
    T: Clone + std::str::FromStr<Err = onence::Error>,
{
    if let (false, Some(path)) = (args.is_empty(), file) {
        return Err(Usage(format!(
            "give {what} as arguments or with --file {}, not both",
            path.display()
        )));
    }
    if !args.is_empty() {
        return Ok(args.to_vec());
    }
    let (lines, source): (Vec<String>, String) = if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
        (
            text.lines().map(str::to_string).collect(),
            format!("{} line", path.display()),
        )
    } else if !std::io::stdin().is_terminal() {
        let lines = std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Usage(format!("cannot read stdin: {e}")))?;
        (lines, "stdin line".into())
    } else {
        return Err(Usage(format!(
            "give {what} as arguments, with --file, or on stdin"
        )));
    };
    let mut out = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let value = line.split('#').next().unwrap_or("").trim();
        if value.is_empty() {
            continue;
        }
        let id = value.parse::<T>().map_err(|e| {
            Usage(format!(
                "{source} {}: {}",
                n + 1,
                e.message().unwrap_or("not valid")
            ))
        })?;
        out.push(id);
    }
    if out.is_empty() {
        return Err(Usage(format!("no {what} given")));
    }
    Ok(out)
}

/// Asks before doing something costly or wide; `--yes` answers for the user.
/// Without a terminal to ask on, refuses.
pub fn confirm(yes: bool, what: &str) -> Result<(), Usage> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Usage(format!(
            "{what}: confirm with --yes (or try --dry-run first)"
        )));
    }
    eprint!("{what}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Usage(e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Usage("cancelled".into()))
    }
}

/// The client secret: from `ONENCE_CLIENT_SECRET`, or asked for without echo.
/// Never a command-line value, which would sit in the shell's history.
pub fn secret() -> Result<String, Usage> {
    if let Ok(secret) = std::env::var("ONENCE_CLIENT_SECRET") {
        if !secret.is_empty() {
            return Ok(secret);
        }
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("client secret: ")
            .map_err(|e| Usage(format!("cannot read the secret: {e}")));
    }
    Err(Usage(
        "ONENCE_CLIENT_SECRET is not set (and there is no terminal to ask for it)".into(),
    ))
}

/// The secret in the file at `path` (`flag` names it in errors): its first
/// line, from a file only its owner reads (a password, a bearer token).
pub fn secret_file(flag: &str, path: &std::path::Path) -> Result<onence::Secret, Usage> {
    crate::private_file::check(path)?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Usage(format!("{flag} {}: {e}", path.display())))?;
    let first = text.lines().next().unwrap_or_default();
    if first.is_empty() {
        return Err(Usage(format!("{flag} {} is empty", path.display())));
    }
    Ok(onence::Secret::new(first))
}
