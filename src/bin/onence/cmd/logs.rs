//! `onence logs`: 1NCE OS administration logs.

use clap::Subcommand;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;

/// What `onence logs` does.
#[derive(Subcommand, Debug)]
pub enum LogsVerb {
    /// Every administration log (example: onence logs list --filter category:error).
    List {
        /// The API's filter (`q`), field:value.
        #[arg(long)]
        filter: Option<String>,
    },
}

/// Runs one `logs` verb.
pub async fn run(ctx: &Ctx, verb: LogsVerb) -> Result<(), Failure> {
    match verb {
        LogsVerb::List { filter } => {
            let mut logs = ctx.client().os().all_admin_logs();
            if let Some(filter) = filter {
                logs = logs.filter(filter);
            }
            ctx.print_pages(output::ADMIN_LOGS, logs.pages()).await
        }
    }
}
