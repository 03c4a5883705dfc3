//! One module per noun: its clap verbs and what they do. A new command goes
//! into its noun's module; a new noun is a module here and a line in
//! `Noun` (main.rs). Shared pieces (the context, output, input, jobs) stay
//! in main.rs and its sibling modules.

pub mod limits;
pub mod orders;
pub mod products;
pub mod sims;
pub mod sms;
pub mod support;
pub mod topup;
