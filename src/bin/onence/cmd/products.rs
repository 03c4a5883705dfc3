//! `onence products`: the product catalogue.

use clap::Subcommand;

use crate::context::Ctx;
use crate::failure::Failure;
use crate::output;
use crate::records::to_values;

/// What `onence products` does.
#[derive(Subcommand, Debug)]
pub enum ProductsVerb {
    /// The products on offer.
    List,
}

/// Runs one `products` verb.
pub async fn run(ctx: &Ctx, verb: ProductsVerb) -> Result<(), Failure> {
    match verb {
        ProductsVerb::List => {
            let products = ctx.client().list_products().send().await?.into_inner();
            ctx.print(output::PRODUCTS, &to_values(products))
        }
    }
}
