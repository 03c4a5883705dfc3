//! One module per noun: its clap verbs and one `run` that does them. A new
//! command goes into its noun's module; a new noun is a module here and a
//! line in `Noun` and in the dispatch (main.rs). Shared pieces live beside
//! main.rs: the context, the failures, the values (`args`), output, input
//! and journaled jobs. Each module imports what it uses, by name.

pub mod actions;
pub mod api;
pub mod devices;
pub mod exporter;
pub mod geofences;
pub mod integrations;
pub mod limits;
pub mod locate;
pub mod logs;
pub mod mcp;
pub mod orders;
pub mod products;
pub mod sims;
pub mod sms;
pub mod streamer;
pub mod support;
pub mod topup;
