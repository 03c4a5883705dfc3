//! `onence api`: every documented operation from the terminal, as the MCP
//! server's `call_operation` reaches them (`onence::mcp::call_operation`):
//! `api list [WORD]` names them, `api call NAME key=value…` sends one with
//! its arguments checked first. A write asks before it is sent (`--yes`
//! skips the question; `--dry-run` prints the request instead).

use std::io::{IsTerminal, Read, Write};

use clap::Subcommand;
use onence::mcp::{call_operation, find_operation, operations, redacted, search_operations};
use onence::writes;
use serde_json::{Map, Value};

use crate::context::{Ctx, Global};
use crate::failure::Failure;
use crate::failure::Usage;
use crate::output;

/// What `onence api` does.
#[derive(Subcommand, Debug)]
pub enum ApiVerb {
    /// The documented operations, or those whose name, path or
    /// summary holds WORD.
    List {
        /// A word to look for.
        word: Option<String>,
    },
    /// Sends one operation (example: onence api call v1.list_sim_events iccid=8988280666000000001 pageSize=10).
    Call {
        /// The operation, as `api list` names it (`v1.get_sim`, `os.get_device`).
        operation: String,
        /// Its parameters, `name=value`, by their documented names.
        #[arg(value_name = "NAME=VALUE")]
        arguments: Vec<String>,
        /// Its JSON body: the JSON itself, `@FILE`, or `-` for standard input.
        #[arg(long)]
        body: Option<String>,
        /// Print secrets the answer holds (a pre-shared key, a plugin's
        /// token) as sent; they are shown as [redacted] otherwise.
        #[arg(long)]
        show_secrets: bool,
    },
}

/// `api list`: needs no account, so it runs before one is opened.
pub fn list(global: &Global, word: Option<&str>) -> Result<(), Failure> {
    let found: Vec<_> = match word {
        Some(word) => search_operations(word),
        None => operations().collect(),
    };
    let records: Vec<Value> = found
        .iter()
        .map(|op| serde_json::to_value(op).unwrap_or(Value::Null))
        .collect();
    let fields = global.fields.as_deref();
    output::print(global.format(), output::OPERATIONS, fields, &records).map_err(Failure::from)
}

/// Runs one `api` verb.
pub async fn run(ctx: &Ctx, verb: ApiVerb) -> Result<(), Failure> {
    match verb {
        ApiVerb::List { .. } => Ok(()),
        ApiVerb::Call {
            operation,
            arguments,
            body,
            show_secrets,
        } => {
            let op = find_operation(&operation).ok_or_else(|| {
                Usage(format!(
                    "no operation {operation:?}; `onence api list` names them (v1., v2., os. first)"
                ))
            })?;
            let mut args = Map::new();
            for argument in &arguments {
                let (name, value) = argument
                    .split_once('=')
                    .ok_or_else(|| Usage(format!("{argument:?} is not NAME=VALUE")))?;
                args.insert(name.to_string(), Value::String(value.to_string()));
            }
            if let Some(body) = body {
                args.insert("body".into(), read_body(&body)?);
            }
            if op.write {
                // Always asked, naming what it costs (the write policy MCP's gate reads too).
                let what = format!("send {} {} ({})", op.method, op.path, op.name);
                let write = writes::Write::costing(op.cost, what).always_asked();
                ctx.confirm(&write)?;
            }
            let answer = call_operation(ctx.client(), &operation, &args).await?;
            // In a dry run the planned request, printed by the client, is the output.
            if ctx.dry_run && op.write {
                return Ok(());
            }
            match show_secrets {
                true => print_json(&answer),
                false => print_json(&redacted(answer)),
            }
        }
    }
}

/// The body as given: JSON, `@FILE` or `-` (standard input).
fn read_body(given: &str) -> Result<Value, Usage> {
    let text = match given {
        "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Usage(format!("--body -: {e}")))?;
            text
        }
        _ => match given.strip_prefix('@') {
            Some(path) => {
                std::fs::read_to_string(path).map_err(|e| Usage(format!("--body @{path}: {e}")))?
            }
            None => given.to_string(),
        },
    };
    serde_json::from_str(&text).map_err(|e| Usage(format!("--body is not JSON: {e}")))
}

/// The answer as JSON: indented on a terminal, one line otherwise.
fn print_json(answer: &Value) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let text = match std::io::stdout().is_terminal() {
        true => serde_json::to_string_pretty(answer),
        false => serde_json::to_string(answer),
    }
    .map_err(|e| Failure::Usage(e.to_string()))?;
    writeln!(out, "{text}")?;
    out.flush().map_err(Failure::from)
}
