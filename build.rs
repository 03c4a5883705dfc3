//! Generates the 1NCE client from `spec/management-api.openapi.json` with progenitor.
//!
//! Reads that one file, runs no network and nothing slow, and writes
//! pretty-printed code to `$OUT_DIR/generated.rs`, which `src/lib.rs` includes.

#[path = "xtask/src/codegen.rs"]
mod codegen;

fn main() {
    println!("cargo:rerun-if-changed={}", codegen::OPENAPI_FILE);
    println!("cargo:rerun-if-changed=xtask/src/codegen.rs");
    let spec = std::fs::read_to_string(codegen::OPENAPI_FILE)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", codegen::OPENAPI_FILE));
    let code =
        codegen::generate(&spec).unwrap_or_else(|e| panic!("{}: {e}", codegen::OPENAPI_FILE));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("generated.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
