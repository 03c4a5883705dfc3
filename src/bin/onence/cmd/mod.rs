//! One module per noun: its clap verbs and what they do. (`support` is the
//! first to move here; the other nouns still live in `main.rs`.)

pub mod support;
