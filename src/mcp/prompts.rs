//! The prompt: a fleet health report, written by the agent from the tools
//! with the fewest calls (the API's rate limit is the wall at fleet size).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{PromptMessage, Role};
use rmcp::{prompt, prompt_router};
use serde::Deserialize;

use super::McpServer;

/// What the report looks at.
#[derive(Debug, Default, Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct FleetHealth {
    /// SIMs below this share of their data count as low (0 to 1; default 0.2).
    pub share: Option<String>,
}

// The macro adds a public function describing the prompt, undocumented.
#[allow(missing_docs)]
#[prompt_router(router = "prompt_list", vis = "pub(crate)")]
impl McpServer {
    /// The fleet health report prompt.
    #[prompt(
        name = "fleet_health_report",
        description = "Fleet health report: SIM states, SIMs low on data, offline or blocked SIMs, devices and open action requests, with what to do about each."
    )]
    async fn fleet_health_report(
        &self,
        Parameters(p): Parameters<FleetHealth>,
    ) -> Vec<PromptMessage> {
        let share = p
            .share
            .as_deref()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && (0.0..=1.0).contains(s))
            .unwrap_or(crate::jobs::low_data::QUOTA_STATUS_SHARE);
        let text = format!(
            "Write a health report of my 1NCE fleet with the onence tools, spending as few API calls as you can (the API's rate limit is the limit at fleet size).\n\
             1. Page through list_sims (limit 100) and count SIMs by status (Enabled, Disabled, ...).\n\
             2. Call low_data_sims with share {share}: it reads only the quotas the list flags. List those SIMs with label and the share left.\n\
             3. For at most 5 low or odd SIMs, call sim_details (connectivity, quotas with thresholds) and say whether each is ONLINE, ATTACHED, OFFLINE or BLOCKED.\n\
             4. If the account uses 1NCE OS, count list_devices and list the action requests that did not succeed (call_operation os.list_action_requests with status FAILED).\n\
             5. End with actions to take: top-ups to consider (say they are billed), SIMs to enable or disable. Do not make any write: show each as the dry run the tool returns without confirm."
        );
        vec![PromptMessage::new_text(Role::User, text)]
    }
}
