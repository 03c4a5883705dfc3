//! Code generation shared by `build.rs` and `cargo xtask`.
//!
//! `build.rs` includes this file with `#[path]`, so the crate's build and the
//! `refresh-spec` checks run progenitor with exactly the same settings. A spec
//! that would make progenitor panic is caught here and reported as an error,
//! so `refresh-spec` refuses it before it can reach `spec/` and break the build.

use std::panic::{self, AssertUnwindSafe};

/// The only file `build.rs` reads, relative to the crate root.
pub const OPENAPI_FILE: &str = "spec/management-api.openapi.json";

/// The Rust path of the generated client's inner session type.
const INNER_TYPE: &str = "crate::Session";

/// progenitor settings used for the onence client.
///
/// Builder-style calls, one merged client, an inner session type and
/// mandatory hooks (the handwritten layer implements `ClientHooks`), and
/// models that also derive `schemars::JsonSchema`.
pub fn settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(INNER_TYPE.parse().expect("inner type is a Rust path"))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("schemars::JsonSchema");
    settings
}

/// Generates the client from the text of an OpenAPI 3 document and returns
/// pretty-printed Rust source.
///
/// Errors, including a panic inside progenitor, come back as one line that
/// names the cause.
pub fn generate(openapi_json: &str) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = serde_json::from_str(openapi_json)
        .map_err(|e| format!("the OpenAPI document does not parse: {e}"))?;
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&settings()).generate_tokens(&spec)
    }));
    let tokens = match outcome {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("progenitor rejected the document: {e}")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            return Err(format!("progenitor panicked on the document: {message}"));
        }
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
