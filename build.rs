//! Generates the 1NCE client with progenitor: one module per API version,
//! each from its normalised document in `spec/` (see `codegen::VERSIONS`),
//! for the versions whose cargo feature is enabled.
//!
//! Reads those files, runs no network and nothing slow, and writes
//! pretty-printed code to `$OUT_DIR`, which `src/api.rs` includes (one
//! `api_version!` line per version).

// The generation code is part of this package (so the published crate
// builds on its own); xtask includes the same file and uses the parts
// build.rs does not.
#[allow(dead_code)]
mod codegen;

fn main() {
    println!("cargo:rerun-if-changed=codegen.rs");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    // Schemas of the models only for the MCP server, the one user of them.
    let json_schema = std::env::var_os("CARGO_FEATURE_MCP").is_some();
    // Only the versions whose feature is on (`v2`, `os`); v1 always.
    let enabled = |feature: &str| {
        let name = format!("CARGO_FEATURE_{}", feature.to_uppercase().replace('-', "_"));
        std::env::var_os(name).is_some()
    };
    for target in codegen::VERSIONS.iter().filter(|t| t.is_enabled(enabled)) {
        let path = format!("spec/{}", target.openapi);
        println!("cargo:rerun-if-changed={path}");
        let spec =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let code = codegen::generate_with(target, &spec, json_schema)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let out = std::path::Path::new(&out_dir).join(target.out);
        std::fs::write(&out, code)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    }
}
