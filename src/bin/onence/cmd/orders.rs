//! `onence orders`: orders, listed, read and placed (billed).

use clap::Subcommand;
use onence::types;
use onence::writes::Write;
use serde_json::{json, Value};

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::{created, one};

/// What `onence orders` does.
#[derive(Subcommand, Debug)]
pub enum OrdersVerb {
    /// Every order.
    List,
    /// One order.
    Get {
        /// The order number (from onence orders list).
        number: i64,
    },
    /// Order products (billed; example: onence orders create --product 1001 --quantity 10 --yes).
    Create {
        /// The product id (from onence products list).
        #[arg(long)]
        product: i64,
        /// How many, at least 1.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        quantity: u64,
        /// Your own reference, kept with the order.
        #[arg(long)]
        reference: Option<String>,
    },
}

/// Runs one `orders` verb.
pub async fn run(ctx: &Ctx, verb: OrdersVerb) -> Result<(), Failure> {
    match verb {
        OrdersVerb::List => {
            ctx.print_pages(output::ORDERS, ctx.client().all_orders().pages())
                .await
        }
        OrdersVerb::Get { number } => {
            let order = ctx
                .client()
                .get_order()
                .order_number(number)
                .send()
                .await?
                .into_inner();
            ctx.print(output::ORDERS, &one(order))
        }
        OrdersVerb::Create {
            product,
            quantity,
            reference,
        } => {
            let body = json!({ "products": [{ "productId": product, "quantity": quantity }], "customer_reference": reference });
            ctx.confirm(&Write::new(
                "create_order",
                format!("order {quantity} × product {product}"),
            ))?;
            let order: types::NewOrder =
                serde_json::from_value(body).map_err(|e| Failure::Usage(e.to_string()))?;
            let number = ctx.client().place_order(order).await?;
            ctx.print(
                output::RESULT,
                &created("order", "order_number", number.map(Value::from), "placed"),
            )
        }
    }
}
