//! `onence integrations`: 1NCE OS cloud integrations; webhooks made, tested
//! and restarted.

use clap::Subcommand;
use onence::models::IntegrationId;
use onence::os::types::NewIntegrationEventTypeType;
use onence::os::Webhook;
use onence::writes::Write;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::{created, done, one, to_values};

/// What `onence integrations` does.
#[derive(Subcommand, Debug)]
pub enum IntegrationsVerb {
    /// Every integration.
    List,
    /// One integration.
    Get {
        /// The integration's id (from onence integrations list).
        id: IntegrationId,
    },
    /// Webhook integrations: 1NCE OS posts events to a URL.
    Webhook {
        #[command(subcommand)]
        verb: WebhookVerb,
    },
    /// Have 1NCE OS post a sample event to a webhook.
    Test {
        /// The integration's id (from onence integrations list).
        id: IntegrationId,
    },
    /// Restart a webhook that stopped after failed deliveries.
    Restart {
        /// The integration's id (from onence integrations list).
        id: IntegrationId,
    },
    /// Delete an integration.
    Delete {
        /// The integration's id (from onence integrations list).
        id: IntegrationId,
    },
}

/// What `onence integrations webhook` does.
#[derive(Subcommand, Debug)]
pub enum WebhookVerb {
    /// Create a webhook integration (example: onence integrations webhook create --name fleet --url https://example.com/1nce).
    Create {
        /// The webhook integration's name.
        #[arg(long)]
        name: String,
        /// Where 1NCE OS posts events: https (http on loopback only).
        #[arg(long)]
        url: String,
        /// The events to post (repeat; all when none): TELEMETRY_DATA,
        /// LIFECYCLE, ERROR, GEOFENCE, LOCATION.
        #[arg(long = "event", value_parser = event_type)]
        events: Vec<NewIntegrationEventTypeType>,
    },
}

/// An event type, as the API spells it.
fn event_type(text: &str) -> Result<NewIntegrationEventTypeType, String> {
    text.parse().map_err(|_| {
        format!("{text:?} is not one of TELEMETRY_DATA, LIFECYCLE, ERROR, GEOFENCE, LOCATION")
    })
}

/// Runs one `integrations` verb.
pub async fn run(ctx: &Ctx, verb: IntegrationsVerb) -> Result<(), Failure> {
    let os = ctx.client().os();
    match verb {
        IntegrationsVerb::List => {
            let page = os.list_integrations().send().await?.into_inner();
            ctx.print(output::INTEGRATIONS, &to_values(page.items))
        }
        IntegrationsVerb::Get { id } => {
            let integration = os
                .get_integration()
                .integration_id(id.as_str())
                .send()
                .await?
                .into_inner();
            ctx.print(output::INTEGRATIONS, &one(integration))
        }
        IntegrationsVerb::Webhook {
            verb: WebhookVerb::Create { name, url, events },
        } => {
            let webhook = Webhook::new(&name, &url, &events)?;
            ctx.confirm(
                &Write::new(
                    "create_integration",
                    format!("create the webhook {name:?} posting to {url}"),
                )
                .always_asked(),
            )?;
            let id = os.add_webhook(&webhook).await?;
            let id = id.map(|id| Value::from(String::from(id)));
            ctx.print(
                output::RESULT,
                &created("integration", "integration_id", id, "created"),
            )
        }
        IntegrationsVerb::Test { id } => {
            let answer = os.test_webhook(&id).await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "integration_id": id, "answer": answer }),
                    format!("{id} tested"),
                ),
            )
        }
        IntegrationsVerb::Restart { id } => {
            ctx.confirm(
                &Write::new(
                    "restart_integration",
                    format!("restart the integration {id}"),
                )
                .always_asked(),
            )?;
            let answer = os.restart_webhook(&id).await?;
            ctx.print(
                output::RESULT,
                &done(
                    json!({ "integration_id": id, "answer": answer }),
                    format!("{id} restarted"),
                ),
            )
        }
        IntegrationsVerb::Delete { id } => {
            ctx.confirm(
                &Write::new("delete_integration", format!("delete the integration {id}"))
                    .always_asked(),
            )?;
            os.delete_integration()
                .integration_id(id.as_str())
                .send()
                .await?;
            ctx.print(
                output::RESULT,
                &done(json!({ "integration_id": id }), format!("{id} deleted")),
            )
        }
    }
}
