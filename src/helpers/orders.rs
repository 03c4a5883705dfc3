//! Top-ups and orders: billed writes, each sent once. The new order's
//! number comes from the answer when it says it; `None` when the API
//! accepted the write without saying, which is never an error.

use crate::api::generated::Client;
use crate::api::types;
use crate::error::{During, Error, Result};
use crate::helpers::{body_bytes, id_from_location};
use crate::model::{iccid_list, IntoIccid};

/// How the API charges a top-up.
pub use crate::api::types::TopUpSimPaymentMethod as PaymentMethod;

impl Client {
    /// Tops up one SIM. Sent once: never resent.
    ///
    /// `Ok(Some(n))` is the number of the order it created (from the
    /// `Location` header); `Ok(None)` means the top-up was accepted without
    /// its order number: it was placed all the same, so do not repeat it.
    pub async fn top_up(
        &self,
        iccid: impl IntoIccid,
        payment: Option<PaymentMethod>,
    ) -> Result<Option<i64>> {
        let iccid = iccid.into_iccid().during("top_up_sim")?;
        let mut call = self.top_up_sim().iccid(iccid);
        if let Some(payment) = payment {
            call = call.payment_method(payment);
        }
        let response = call.send().await.during("top_up_sim")?;
        Ok(id_from_location(response.headers(), "top_up_sim"))
    }

    /// Tops up many SIMs in one order. Sent once: never resent. The outcome
    /// reads as for [`Client::top_up`].
    pub async fn top_up_many<I>(
        &self,
        iccids: I,
        payment: Option<PaymentMethod>,
    ) -> Result<Option<i64>>
    where
        I: IntoIterator,
        I::Item: IntoIccid,
    {
        let iccids = iccid_list(iccids).during("top_up_sims")?;
        let body: Vec<String> = iccids.into_iter().map(String::from).collect();
        let mut call = self.top_up_sims().body(body);
        if let Some(payment) = payment {
            let method: types::TopUpSimsPaymentMethod =
                payment.to_string().parse().map_err(|_| {
                    Error::invalid_input(format!(
                        "payment method {payment} is not accepted for many SIMs"
                    ))
                })?;
            call = call.payment_method(method);
        }
        let response = call.send().await.during("top_up_sims")?;
        Ok(id_from_location(response.headers(), "top_up_sims"))
    }

    /// Places an order. Sent once: never resent.
    ///
    /// `Ok(Some(n))` is its number, read from the `Location` header or, when
    /// the API answers with the order itself, from its body (a number or a
    /// string holding one); `Ok(None)` means the order was placed but the
    /// answer did not say its number.
    pub async fn place_order(&self, order: types::NewOrder) -> Result<Option<i64>> {
        if order.products.is_empty() {
            return Err(
                Error::invalid_input("the order lists no products").with_operation("create_order")
            );
        }
        let response = self
            .create_order()
            .body(order)
            .send()
            .await
            .during("create_order")?;
        if let Some(number) = id_from_location(response.headers(), "create_order") {
            return Ok(Some(number));
        }
        // The order is placed: from here on nothing may turn into an error.
        let number = body_bytes(response.into_inner())
            .await
            .and_then(|b| serde_json::from_slice::<OrderNumber>(&b).ok())
            .and_then(|o| o.order_number)
            .map(crate::model::Lenient::into_inner);
        if number.is_none() {
            tracing::warn!("create_order: the order was placed; the answer did not say its number");
        }
        Ok(number)
    }
}

/// The part of an order answer that names it.
#[derive(serde::Deserialize)]
struct OrderNumber {
    order_number: Option<crate::model::Lenient<i64>>,
}
