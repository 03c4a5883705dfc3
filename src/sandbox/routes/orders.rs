//! Orders and what places them: top-ups (one SIM through v1 or v2, many
//! SIMs, automatic), SIM extensions, additional orders; reading orders back.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use crate::api::types;
use crate::sandbox::answer::{bad, body, not_found, page_of, Answer, Outcome, Paging, Refusal};
use crate::sandbox::fleet;
use crate::sandbox::state::{Data, Shared};

/// The payment methods a top-up takes.
const SINGLE_PAYMENT: &[&str] = &["banktransfer", "creditcard", "monthlyinvoice", "boleto"];
/// The payment methods an extension takes.
const EXTENSION_PAYMENT: &[&str] = &["banktransfer", "creditcard", "boleto"];

/// The `payment_method` of an order, as sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Payment {
    payment_method: Option<String>,
}

impl Payment {
    fn check(&self, allowed: &[&str]) -> Result<(), Refusal> {
        match &self.payment_method {
            Some(m) if !allowed.contains(&m.as_str()) => {
                Err(bad("Payment method used is not valid."))
            }
            _ => Ok(()),
        }
    }
}

/// The `Location` of an order.
fn location(shared: &Shared, number: i64) -> String {
    format!("{}/v1/orders/{number}", shared.base_url)
}

/// `POST /v1/sims/{iccid}/topup` and `POST /v2/sims/{iccid}/topup`: v2
/// documents the same answers (`{"message"}` on a 400, `Location` on a 201).
pub(crate) async fn top_up_one(
    State(shared): State<Arc<Shared>>,
    Path(iccid): Path<String>,
    Query(payment): Query<Payment>,
) -> Outcome {
    payment.check(SINGLE_PAYMENT)?;
    let number = top_up(
        &shared,
        &mut shared.data_now(),
        &[iccid],
        types::OrderOrderType::Topup,
    )?;
    Ok(Answer::empty(201).header("Location", location(&shared, number)))
}

/// `POST /v1/sims/topup`: one order for many SIMs.
pub(crate) async fn top_up_many(
    State(shared): State<Arc<Shared>>,
    Query(payment): Query<Payment>,
    iccids: Result<Json<Vec<String>>, JsonRejection>,
) -> Outcome {
    payment.check(SINGLE_PAYMENT)?;
    let iccids = body(iccids)?;
    let number = top_up(
        &shared,
        &mut shared.data_now(),
        &iccids,
        types::OrderOrderType::BulkTopup,
    )?;
    Ok(Answer::empty(201).header("Location", location(&shared, number)))
}

/// Adds a top-up's volumes to each SIM and records the order.
fn top_up(
    shared: &Shared,
    data: &mut Data,
    iccids: &[String],
    kind: types::OrderOrderType,
) -> Result<i64, Refusal> {
    if iccids.is_empty() {
        return Err(bad("the list of ICCIDs is empty"));
    }
    data.known(iccids)?;
    for iccid in iccids {
        let record = data.sims.get_mut(iccid).expect("checked");
        record.data_left += fleet::TOP_UP_MB;
        record.sms_left += fleet::TOP_UP_SMS;
        let data_total = record.sim.current_quota.map_or(fleet::DATA_MB, |q| *q);
        record.sim.current_quota = Some((data_total + fleet::TOP_UP_MB).into());
        let sms_total = record.sim.current_quota_sms.map_or(fleet::SMS, |q| *q);
        record.sim.current_quota_sms = Some((sms_total + fleet::TOP_UP_SMS).into());
        record.refresh_quota_status();
    }
    shared
        .tally
        .with(|c| c.top_ups_applied += iccids.len() as u64);
    Ok(new_order(shared, data, kind, iccids))
}

/// `POST /v1/sims/autoTopup`.
pub(crate) async fn auto_top_up(
    State(shared): State<Arc<Shared>>,
    request: Result<Json<types::AutoTopupRequest>, JsonRejection>,
) -> Outcome {
    let request = body(request)?;
    let enabled = request.enabled.ok_or_else(|| bad("enabled is missing"))?;
    let mut data = shared.data_now();
    data.known(&request.iccids)?;
    for iccid in &request.iccids {
        data.sims.get_mut(iccid).expect("checked").auto_top_up = enabled;
    }
    Ok(Answer::empty(201))
}

/// `POST /v1/sims/extension`: fresh volumes, recorded as a tariff change.
pub(crate) async fn extend(
    State(shared): State<Arc<Shared>>,
    Query(payment): Query<Payment>,
    request: Result<Json<types::SimExtensionRequest>, JsonRejection>,
) -> Outcome {
    payment.check(EXTENSION_PAYMENT)?;
    let request = body(request)?;
    if request.iccids.is_empty() {
        return Err(bad("iccids must hold at least one ICCID"));
    }
    let mut data = shared.data_now();
    data.known(&request.iccids)?;
    if let Some(id) = request.product_id {
        if !fleet::products()
            .iter()
            .any(|p| p.id == Some(crate::model::Lenient::new(id)))
        {
            return Err(bad(format!("productId {id} is not a product")));
        }
    }
    for iccid in &request.iccids {
        let record = data.sims.get_mut(iccid).expect("checked");
        record.data_left = fleet::DATA_MB;
        record.sms_left = fleet::SMS;
    }
    let number = new_order(
        &shared,
        &mut data,
        types::OrderOrderType::TariffChange,
        &request.iccids,
    );
    Ok(Answer::empty(201).header("Location", location(&shared, number)))
}

/// Records an order and returns its number.
fn new_order(
    shared: &Shared,
    data: &mut Data,
    kind: types::OrderOrderType,
    iccids: &[String],
) -> i64 {
    let number = data.next_order;
    data.next_order += 1;
    let sims = iccids
        .iter()
        .map(|iccid| types::OrderSim {
            iccid: Some(iccid.clone()),
            links: vec![types::Link {
                rel: Some("self".into()),
                href: Some(format!("{}/v1/sims/{iccid}", shared.base_url)),
            }],
        })
        .collect();
    data.orders.push(types::Order {
        order_number: Some(crate::model::Lenient::new(number)),
        order_type: Some(kind),
        order_date: Some(fleet::api_time(shared.now()).into()),
        order_status: Some("COMPLETED".into()),
        invoice_number: Some(format!("{}", 20_000_000 + number % 1_000_000)),
        invoice_amount: Some("10.00".into()),
        currency: Some("EUR".into()),
        shipping_address: None,
        sims,
        products: Vec::new(),
    });
    number
}

/// `GET /v1/orders`: without paging headers, as on the real service.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(paging): Query<Paging>,
) -> Outcome {
    let (page, size) = paging.checked(10, 10)?;
    let mut orders = shared.data_now().orders.clone();
    orders.sort_by_key(|o| o.order_number);
    Ok(Answer::json(200, page_of(&orders, page, size).0))
}

/// `POST /v1/orders`: products from the catalogue.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    order: Result<Json<types::NewOrder>, JsonRejection>,
) -> Outcome {
    let order = body(order)?;
    if order.products.is_empty() {
        return Err(bad("products must list at least one product"));
    }
    let catalogue = fleet::products();
    let mut products = Vec::new();
    for (i, p) in order.products.iter().enumerate() {
        let id = p
            .product_id
            .ok_or_else(|| bad(format!("products[{i}].productId is missing")))?;
        if !catalogue
            .iter()
            .any(|c| c.id == Some(crate::model::Lenient::new(id)))
        {
            return Err(bad(format!(
                "products[{i}].productId {id} is not a product"
            )));
        }
        let quantity = p
            .quantity
            .ok_or_else(|| bad(format!("products[{i}].quantity is missing")))?;
        products.push(types::OrderProduct {
            product_id: Some(crate::model::Lenient::new(id)),
            quantity: Some(crate::model::Lenient::new(quantity.get() as i64)),
        });
    }
    let mut data = shared.data_now();
    let number = new_order(
        &shared,
        &mut data,
        types::OrderOrderType::AdditionalOrder,
        &[],
    );
    if let Some(created) = data.orders.last_mut() {
        created.products = products;
        // The same fields, read back as the API would answer them.
        created.shipping_address = order
            .delivery_address
            .and_then(|a| serde_json::to_value(a).ok())
            .and_then(|a| serde_json::from_value(a).ok());
    }
    Ok(Answer::empty(201).header("Location", location(&shared, number)))
}

/// `GET /v1/orders/{order_number}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, Path(number): Path<String>) -> Outcome {
    let number: i64 = number
        .parse()
        .map_err(|_| bad(format!("order_number {number:?} is not a number")))?;
    let data = shared.data_now();
    let order = data
        .orders
        .iter()
        .find(|o| o.order_number == Some(crate::model::Lenient::new(number)))
        .ok_or_else(|| not_found("Order"))?;
    Ok(Answer::json(200, order))
}
