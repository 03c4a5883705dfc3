//! Cloud integrations (1NCE OS): a webhook that receives the fleet's
//! events, created once, then tested and restarted.

use std::collections::HashMap;

use serde_json::Value;

use crate::api::os::{self, types};
use crate::error::{During, Error, Result};
use crate::helpers::{created_id, json_of};
use crate::model::{IntegrationId, IntoId};

/// A webhook integration to create: where 1NCE OS posts events, and which.
/// Its `Debug` shows header names, never their values (a shared secret).
#[derive(Clone)]
pub struct Webhook {
    request: types::NewWebhookIntegration,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut headers: Vec<&String> = self.request.headers.keys().collect();
        headers.sort();
        f.debug_struct("Webhook")
            .field("name", &self.request.name.to_string())
            .field("url", &self.request.url)
            .field("event_types", &self.request.event_types.len())
            .field("headers", &headers)
            .finish()
    }
}

impl Webhook {
    /// A webhook called `name` posting the `events` (all kinds when empty)
    /// to `url`, which must be `https://` (or `http://` on loopback, for a
    /// receiver under test).
    pub fn new(
        name: &str,
        url: &str,
        events: &[types::NewIntegrationEventTypeType],
    ) -> Result<Webhook> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Error::invalid_input(format!("webhook URL {url:?}: {e}")))?;
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(Error::invalid_input(format!(
                "webhook URL {url:?} is not https (http is accepted on loopback only)"
            )));
        }
        let name: types::NewWebhookIntegrationName = name
            .parse()
            .map_err(|e| Error::invalid_input(format!("webhook name {name:?}: {e}")))?;
        let kinds: Vec<types::NewIntegrationEventTypeType> = if events.is_empty() {
            vec![
                types::NewIntegrationEventTypeType::TelemetryData,
                types::NewIntegrationEventTypeType::Lifecycle,
                types::NewIntegrationEventTypeType::Error,
                types::NewIntegrationEventTypeType::Geofence,
                types::NewIntegrationEventTypeType::Location,
            ]
        } else {
            events.to_vec()
        };
        Ok(Webhook {
            request: types::NewWebhookIntegration {
                event_types: kinds
                    .into_iter()
                    .map(|type_| types::NewIntegrationEventType {
                        type_,
                        version: None,
                    })
                    .collect(),
                headers: HashMap::new(),
                json_payload_enabled: true,
                name,
                url: url.to_string(),
            },
        })
    }

    /// A header 1NCE OS sends with every event (a shared secret, say).
    pub fn with_header(mut self, name: &str, value: &str) -> Webhook {
        self.request
            .headers
            .insert(name.to_string(), value.to_string());
        self
    }

    /// The request body, as the generated `create_webhook_integration` takes it.
    pub fn request(&self) -> &types::NewWebhookIntegration {
        &self.request
    }
}

impl os::Client {
    /// Creates the webhook integration. Sent once: never resent.
    /// `Ok(Some(id))` names it; `Ok(None)`: created without a readable id.
    pub async fn add_webhook(&self, webhook: &Webhook) -> Result<Option<IntegrationId>> {
        let operation = "create_webhook_integration";
        let answer = self
            .create_webhook_integration()
            .body(webhook.request.clone())
            .send()
            .await
            .during(operation)?;
        Ok(created_id(answer.into_inner(), operation).await)
    }

    /// Has 1NCE OS post a sample event to the webhook; answers what it
    /// reported (`message`, `testStatus`), `Null` when it said nothing.
    pub async fn test_webhook(&self, integration: impl IntoId<IntegrationId>) -> Result<Value> {
        let operation = "test_webhook_integration";
        let id = integration.into_id().during(operation)?;
        let answer = self
            .test_webhook_integration()
            .integration_id(String::from(id))
            .send()
            .await
            .during(operation)?;
        Ok(json_of(answer.into_inner()).await)
    }

    /// Restarts a webhook integration that stopped (after failed deliveries);
    /// answers what 1NCE OS reported (`restartStatus`, the integration).
    pub async fn restart_webhook(&self, integration: impl IntoId<IntegrationId>) -> Result<Value> {
        let operation = "restart_webhook_integration";
        let id = integration.into_id().during(operation)?;
        let answer = self
            .restart_webhook_integration()
            .integration_id(String::from(id))
            .send()
            .await
            .during(operation)?;
        Ok(json_of(answer.into_inner()).await)
    }
}
