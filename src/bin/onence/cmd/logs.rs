//! `onence logs`: 1NCE OS administration logs.

use clap::{Subcommand, ValueEnum};

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;

/// What `onence logs` does.
#[derive(Subcommand, Debug)]
pub enum LogsVerb {
    /// Every administration log (example: onence logs list --filter category:error).
    List {
        /// Only the logs of this category.
        #[arg(long, value_enum, conflicts_with = "filter")]
        category: Option<Category>,
        /// The API's filter (`q`), field:value (category, type, iccid).
        #[arg(long)]
        filter: Option<String>,
    },
}

/// The category of an administration log.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Category {
    /// What was done.
    Info,
    /// What failed.
    Error,
}

/// Runs one `logs` verb.
pub async fn run(ctx: &Ctx, verb: LogsVerb) -> Result<(), Failure> {
    match verb {
        LogsVerb::List { category, filter } => {
            let mut logs = ctx.client().os().all_admin_logs();
            let category = category.map(|c| match c {
                Category::Info => "category:info".to_string(),
                Category::Error => "category:error".to_string(),
            });
            if let Some(filter) = category.or(filter) {
                logs = logs.filter(filter);
            }
            ctx.print_pages(output::ADMIN_LOGS, logs.pages()).await
        }
    }
}
