//! The sandbox's routes: one module per noun, one `.route(…)` per path.
//! Adding an endpoint is one handler in its noun's module and one line here;
//! authentication, rate limits, faults, counters and drift come from
//! [`layers`](super::layers).

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, patch, post};
use axum::Router;

use super::layers;
use super::state::Shared;

mod actions;
mod admin;
mod connectivity;
mod devices;
mod endpoints;
mod events;
mod geofences;
mod history;
mod integrations;
mod keys;
mod limits;
mod optimizer;
mod orders;
mod plugins;
mod positions;
mod products;
mod quota;
mod sims;
mod sms;
mod stored;
mod support;
mod token;
mod usage;

/// The API below `/management-api`: the token endpoint, then every
/// operation behind authentication.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    // A path segment holds one parameter name at a position across routes
    // (`{iccid}`), so the limit options' `{service}` is read from it.
    let operations = Router::new()
        // v1: SIMs
        .route("/v1/sims", get(sims::list).post(sims::update_many))
        .route("/v1/sims/{iccid}", get(sims::get).put(sims::update))
        .route("/v1/sims/simTransfer", post(sims::transfer))
        .route("/v1/sims/{iccid}/status", get(connectivity::status))
        .route(
            "/v1/sims/{iccid}/connectivity_info",
            get(connectivity::info),
        )
        .route("/v1/sims/{iccid}/reset", post(connectivity::reset))
        .route("/v1/sims/{iccid}/events", get(events::list))
        .route("/v1/sims/{iccid}/usage", get(usage::usage))
        .route("/v1/sims/{iccid}/quota/data", get(quota::data_v1))
        .route("/v1/sims/{iccid}/quota/sms", get(quota::sms_v1))
        .route("/v1/sims/{iccid}/sms", get(sms::list).post(sms::send))
        .route(
            "/v1/sims/{iccid}/sms/{id}",
            get(sms::get).delete(sms::cancel),
        )
        .route("/v1/sims/{iccid}/topup", post(orders::top_up_one))
        .route("/v1/sims/topup", post(orders::top_up_many))
        .route("/v1/sims/autoTopup", post(orders::auto_top_up))
        .route("/v1/sims/extension", post(orders::extend))
        .route("/v1/sims/limits", get(limits::current).post(limits::set))
        .route("/v1/sims/{iccid}/limits", get(limits::options))
        // v1: orders, products, support
        .route("/v1/orders", get(orders::list).post(orders::create))
        .route("/v1/orders/{order_number}", get(orders::get))
        .route("/v1/products", get(products::list))
        .route("/v1/support", get(support::list).post(support::create))
        // v2: SIM Management
        .route("/v2/sims", get(sims::list_v2))
        .route("/v2/sims/{iccid}", get(sims::get_v2).put(sims::update_v2))
        .route("/v2/sims/{iccid}/reset", post(connectivity::reset_v2))
        .route("/v2/sims/{iccid}/status", get(connectivity::status_v2))
        .route("/v2/sims/{iccid}/quota/data", get(quota::data_v2))
        .route("/v2/sims/{iccid}/quota/sms", get(quota::sms_v2))
        .route("/v2/sims/{iccid}/sms", get(sms::list_v2).post(sms::send_v2))
        .route(
            "/v2/sims/{iccid}/sms/{id}",
            get(sms::get_v2).delete(sms::cancel_v2),
        )
        .route("/v2/sims/{iccid}/events", get(events::list_v2))
        .route("/v2/sims/{iccid}/topup", post(orders::top_up_one))
        // 1NCE OS: devices (one per SIM, its id the ICCID)
        .route("/v1/inspect/devices", get(devices::list))
        .route("/v1/inspect/devices/{device_id}", get(devices::get))
        .route("/v1/devices/stats", get(devices::stats))
        .route("/v1/inspect/devices/history", get(history::of_fleet))
        .route(
            "/v1/inspect/devices/{device_id}/history",
            get(history::of_device),
        )
        .route(
            "/v1/inspect/devices/{device_id}/telemetry",
            get(history::telemetry),
        )
        .route(
            "/v1/inspect/devices/history/insights",
            get(history::insights_of_fleet),
        )
        .route(
            "/v1/inspect/devices/{device_id}/history/insights",
            get(history::insights_of_device),
        )
        .route("/v1/integrate/clouds", get(integrations::list))
        .route(
            "/v1/integrate/clouds/eventTypes",
            get(integrations::event_type_list),
        )
        .route("/v1/integrate/clouds/aws", post(integrations::create_aws))
        .route(
            "/v1/integrate/clouds/aws/parameters",
            get(integrations::aws_parameters),
        )
        .route(
            "/v1/integrate/clouds/aws/{integration_id}/test",
            post(integrations::test_aws),
        )
        .route(
            "/v1/integrate/clouds/aws/{integration_id}/restart",
            post(integrations::restart_aws),
        )
        .route(
            "/v1/integrate/clouds/webhooks/{integration_id}",
            patch(integrations::update_webhook),
        )
        .route(
            "/v1/integrate/clouds/webhooks",
            post(integrations::create_webhook),
        )
        .route(
            "/v1/integrate/clouds/{integration_id}",
            get(integrations::get)
                .patch(integrations::update)
                .delete(integrations::delete),
        )
        .route(
            "/v1/integrate/clouds/webhooks/{integration_id}/test",
            post(integrations::test),
        )
        .route(
            "/v1/integrate/clouds/webhooks/{integration_id}/restart",
            post(integrations::restart),
        )
        .route(
            "/v1/locate/devices/{device_id}/positions",
            get(positions::of_device),
        )
        .route("/v1/locate/positions/latest", get(positions::latest_all))
        .route(
            "/v1/locate/devices/{device_id}/activity",
            get(positions::activity),
        )
        .route("/v1/administrationLogs", get(admin::list))
        .route("/v1/administrationLogs/stats", get(admin::stats))
        .route(
            "/v1/administrationLogs/{log_id}/payload",
            get(admin::payload),
        )
        .route("/v1/settings/1nceos", get(admin::settings))
        .route("/v1/settings/1nceos/{name}", patch(admin::update_setting))
        .route("/v1/agreements/1nceos", post(admin::accept_agreements))
        .route("/v1/integrate/devices/endpoints", get(endpoints::list))
        .route(
            "/v1/integrate/devices/endpoints/{protocol}",
            get(endpoints::get).patch(endpoints::update),
        )
        .route(
            "/v1/locate/geofences",
            get(geofences::list).post(geofences::create),
        )
        .route(
            "/v1/locate/geofences/{geofence_id}",
            get(geofences::get)
                .patch(geofences::update)
                .delete(geofences::delete),
        )
        .route(
            "/v1/integrate/devices/{device_id}/actions/{protocol}",
            post(actions::send_one),
        )
        .route(
            "/v1/integrate/devices/actions/{protocol}",
            post(actions::send_many),
        )
        .route("/v1/integrate/devices/actions/requests", get(actions::list))
        .route(
            "/v1/integrate/devices/actions/requests/active",
            get(actions::active),
        )
        .route(
            "/v1/integrate/devices/actions/requests/archived",
            get(actions::archived),
        )
        .route(
            "/v1/integrate/devices/{device_id}/actions/requests",
            delete(actions::cancel_all),
        )
        .route("/v1/devices/{device_id}/actions", post(actions::send_lwm2m))
        // 1NCE OS: pre-shared keys, under two names
        .route(
            "/v1/integrate/devices/{device_id}/presharedkey",
            post(keys::create),
        )
        .route("/v1/integrate/devices/{device_id}/psk", post(keys::create))
        .route(
            "/v1/integrate/devices/{device_id}/psk/{protocol}",
            get(keys::get),
        )
        .route(
            "/v1/integrate/devices/presharedkey/jobs",
            get(keys::jobs).post(keys::import),
        )
        .route(
            "/v1/integrate/devices/psk/jobs",
            get(keys::jobs).post(keys::import),
        )
        // 1NCE OS: Energy Saver
        .route(
            "/v1/optimize/templates",
            get(optimizer::list).post(optimizer::create),
        )
        .route(
            "/v1/optimize/templates/{template_id}",
            patch(optimizer::update).delete(optimizer::delete),
        )
        .route("/v1/optimize/messages/test", post(optimizer::test_message))
        .route("/v1/optimize/savings", get(optimizer::savings))
        // 1NCE OS: partner plugins
        .route("/v1/partners/plugins", get(plugins::list))
        .route("/v1/partners/{partner}/plugins", post(plugins::install))
        .route(
            "/v1/partners/plugins/{plugin_id}",
            get(plugins::get).delete(plugins::uninstall),
        )
        .route(
            "/v1/partners/plugins/{plugin_id}/restart",
            post(plugins::restart),
        )
        .route(
            "/v1/integrate/devices/actions/requests/{request_id}",
            get(actions::get).delete(actions::cancel),
        )
        // Innermost first: the handler sees only what passed every layer.
        .route_layer(from_fn_with_state(shared.clone(), layers::after))
        .route_layer(from_fn_with_state(shared.clone(), layers::record_writes))
        .route_layer(from_fn_with_state(shared.clone(), layers::faults))
        .route_layer(from_fn_with_state(shared.clone(), layers::rate_limit))
        .route_layer(from_fn_with_state(shared.clone(), layers::authenticate));
    let api = Router::new()
        .route("/oauth/token", post(token::issue))
        .merge(operations)
        .route_layer(from_fn_with_state(shared.clone(), layers::count))
        .fallback(not_found)
        .with_state(shared);
    Router::new()
        .nest("/management-api", api)
        .fallback(not_found)
}

/// What the sandbox answers outside its routes.
async fn not_found(request: axum::extract::Request) -> super::answer::Refusal {
    super::answer::refuse(
        404,
        format!("no operation {} {}", request.method(), request.uri().path()),
    )
}
