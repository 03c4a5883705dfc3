//! `cargo xtask refresh-spec` end to end, on copies of the vendored spec.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn vendored(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../spec")
        .join(name);
    fs::read_to_string(path).unwrap()
}

/// A temporary spec directory holding copies of the vendored files.
fn spec_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in xtask::families()
        .map(|f| f.file)
        .chain(xtask::APIS.iter().map(|a| a.openapi))
    {
        fs::write(dir.path().join(name), vendored(name)).unwrap();
    }
    dir
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .unwrap()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn vendored_files_are_up_to_date() {
    let out = xtask(&["refresh-spec", "--check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn vendored_spec_generates_without_panicking_progenitor() {
    for api in xtask::APIS {
        let target = xtask::codegen::target(api.version).unwrap();
        let text = vendored(api.openapi);
        let code = xtask::codegen::generate(target, &text).unwrap();
        // Every operation of the document is a method of the generated client.
        let doc: Value = serde_json::from_str(&text).unwrap();
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                let name = op["operationId"].as_str().unwrap();
                assert!(
                    code.contains(&format!("pub fn {name}(")),
                    "{}: {name}",
                    api.version
                );
            }
        }
    }
}

/// Also the drift demonstration: one field renamed and one operation removed
/// upstream, and the report names both.
#[test]
fn refresh_from_a_modified_copy_reports_the_change_and_rewrites_spec() {
    let dir = spec_copy();
    let mut swagger: Value = serde_json::from_str(&vendored(xtask::SWAGGER_NAME)).unwrap();
    let props = swagger["definitions"]["SIM_card"]["properties"]
        .as_object_mut()
        .unwrap();
    let label = props.remove("label").unwrap();
    props.insert("sim_label".into(), label);
    swagger["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/v1/products");
    let modified = dir.path().join("upstream.json");
    fs::write(&modified, serde_json::to_string(&swagger).unwrap()).unwrap();

    let out = xtask(&[
        "refresh-spec",
        "--from",
        modified.to_str().unwrap(),
        "--spec-dir",
        dir.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("operation removed: GET /v1/products (list_products)"),
        "{stdout}"
    );
    assert!(stdout.contains("field removed: Sim.label"), "{stdout}");
    assert!(stdout.contains("field added: Sim.sim_label"), "{stdout}");

    let derived = xtask::derive_all(
        &xtask::APIS[0],
        &[
            serde_json::to_string(&swagger).unwrap(),
            vendored(xtask::SUPPORT_NAME),
        ],
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join(xtask::SWAGGER_NAME)).unwrap(),
        derived.sources[0].1
    );
    assert_eq!(
        fs::read_to_string(dir.path().join(xtask::OPENAPI_NAME)).unwrap(),
        derived.openapi
    );
    let check = xtask(&[
        "refresh-spec",
        "--check",
        "--spec-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(check.status.success());
}

#[test]
fn an_unmapped_new_operation_is_flagged() {
    let dir = spec_copy();
    let mut swagger: Value = serde_json::from_str(&vendored(xtask::SWAGGER_NAME)).unwrap();
    let mut op = swagger["paths"]["/v1/products"]["get"].clone();
    op["operationId"] = "getWidgetsUsingGET".into();
    swagger["paths"]["/v1/widgets"] = serde_json::json!({ "get": op });
    let modified = dir.path().join("upstream.json");
    fs::write(&modified, serde_json::to_string(&swagger).unwrap()).unwrap();
    let out = xtask(&[
        "refresh-spec",
        "--from",
        modified.to_str().unwrap(),
        "--spec-dir",
        dir.path().to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("operation added: GET /v1/widgets (get_widgets)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("unmapped operation: getWidgetsUsingGET is named get_widgets"),
        "{stdout}"
    );
}

#[test]
fn broken_input_leaves_spec_byte_identical_and_names_the_cause() {
    let mut no_operation_id: Value = serde_json::from_str(&vendored(xtask::SWAGGER_NAME)).unwrap();
    no_operation_id["paths"]["/v1/orders"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("operationId");
    // Two request media types of which none is JSON cannot be reduced to one.
    let mut two_bodies: Value = serde_json::from_str(&vendored(xtask::SWAGGER_NAME)).unwrap();
    two_bodies["paths"]["/v1/orders"]["post"]["consumes"] =
        serde_json::json!(["text/plain", "application/xml"]);

    let cases: Vec<(&str, String, &str)> = vec![
        ("not JSON", "{ \"swagger\": ".into(), "not valid JSON"),
        (
            "OpenAPI 3 instead",
            r#"{"openapi":"3.0.1","info":{"title":"t","version":"1"},"paths":{}}"#.into(),
            "it is OpenAPI 3",
        ),
        (
            "no operationId",
            no_operation_id.to_string(),
            "GET /v1/orders has no operationId",
        ),
        (
            "two request types, none JSON",
            two_bodies.to_string(),
            "POST /v1/orders (postOrderUsingPOST)",
        ),
    ];
    for (what, input, expected) in cases {
        let dir = spec_copy();
        let before = snapshot(dir.path());
        let upstream = dir.path().join("upstream.json");
        fs::write(&upstream, &input).unwrap();
        let before_with_input = snapshot(dir.path());
        let out = xtask(&[
            "refresh-spec",
            "--from",
            upstream.to_str().unwrap(),
            "--spec-dir",
            dir.path().to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}: succeeded");
        assert!(stderr.contains(expected), "{what}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{what}: {stderr}");
        assert_eq!(
            snapshot(dir.path()),
            before_with_input,
            "{what}: spec/ changed"
        );
        assert_eq!(before.len() + 1, before_with_input.len());
    }

    // A missing file and an unreachable URL (a closed loopback port).
    for args in [
        vec!["--from", "/nonexistent/upstream.json"],
        vec!["--url", "http://127.0.0.1:9/api-docs"],
    ] {
        let dir = spec_copy();
        let before = snapshot(dir.path());
        let mut full = vec!["refresh-spec"];
        full.extend(args.iter().copied());
        full.extend(["--spec-dir", dir.path().to_str().unwrap()]);
        let out = xtask(&full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("could not get the document"), "{stderr}");
        assert_eq!(snapshot(dir.path()), before);
    }
}

#[test]
fn check_fails_with_a_summary_when_the_files_disagree() {
    let dir = spec_copy();
    let path = dir.path().join(xtask::OPENAPI_NAME);
    let mut openapi: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    openapi["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/v1/products");
    fs::write(&path, serde_json::to_string_pretty(&openapi).unwrap()).unwrap();
    let out = xtask(&[
        "refresh-spec",
        "--check",
        "--spec-dir",
        dir.path().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("operation added: GET /v1/products (list_products)"),
        "{stderr}"
    );
}

#[test]
fn bad_command_lines_exit_2() {
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["refresh-spec", "--from"],
        vec!["refresh-spec", "--from", "a", "--url", "b"],
    ] {
        let out = xtask(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// One family is refreshed alone with --only; an unknown family is refused by name.
#[test]
fn one_family_is_refreshed_alone() {
    let dir = spec_copy();
    let dir_arg = dir.path().to_str().unwrap();
    let mut support: Value = serde_json::from_str(&vendored(xtask::SUPPORT_NAME)).unwrap();
    support["components"]["schemas"]["Service_request"]["properties"]["priority"] =
        serde_json::json!({ "type": "string" });
    let from = dir.path().join("support-new.json");
    fs::write(&from, serde_json::to_string(&support).unwrap()).unwrap();
    let out = xtask(&[
        "refresh-spec",
        "--only",
        "support-management",
        "--from",
        from.to_str().unwrap(),
        "--spec-dir",
        dir_arg,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("field added: ServiceRequest.priority"),
        "{stdout}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join(xtask::SWAGGER_NAME)).unwrap(),
        vendored(xtask::SWAGGER_NAME),
        "the other family is untouched"
    );
    let check = xtask(&["refresh-spec", "--check", "--spec-dir", dir_arg]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let unknown = xtask(&["refresh-spec", "--only", "billing", "--spec-dir", dir_arg]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no family \"billing\""));
}

/// Two families defining the same path (or model) are refused, naming it.
#[test]
fn families_that_clash_are_refused() {
    let mut support: Value = serde_json::from_str(&vendored(xtask::SUPPORT_NAME)).unwrap();
    let paths = support["paths"].as_object_mut().unwrap();
    let op = paths["/v1/support"].clone();
    paths.insert("/v1/products".into(), op);
    let err = xtask::derive_all(
        &xtask::APIS[0],
        &[
            vendored(xtask::SWAGGER_NAME),
            serde_json::to_string(&support).unwrap(),
        ],
    )
    .unwrap_err();
    assert!(err.to_string().contains("/v1/products"), "{err}");
}

/// The v2 family refreshes alone: its report comes under the v2 document,
/// and the v1 document is untouched.
#[test]
fn the_v2_family_is_refreshed_into_its_own_document() {
    let dir = spec_copy();
    let dir_arg = dir.path().to_str().unwrap();
    let mut v2: Value = serde_json::from_str(&vendored(xtask::SIM_V2_NAME)).unwrap();
    v2["components"]["schemas"]["SimsSim"]["properties"]["eid"] =
        serde_json::json!({ "type": "string" });
    let from = dir.path().join("v2-new.json");
    fs::write(&from, serde_json::to_string(&v2).unwrap()).unwrap();
    let out = xtask(&[
        "refresh-spec",
        "--only",
        "sim-management-v2",
        "--from",
        from.to_str().unwrap(),
        "--spec-dir",
        dir_arg,
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (v1_part, v2_part) = stdout
        .split_once(&format!("== {}", xtask::OPENAPI_V2_NAME))
        .unwrap();
    assert!(
        v1_part.contains("no change to operations or schemas"),
        "{stdout}"
    );
    assert!(v2_part.contains("field added: Sim.eid"), "{stdout}");
    assert_eq!(
        fs::read_to_string(dir.path().join(xtask::OPENAPI_NAME)).unwrap(),
        vendored(xtask::OPENAPI_NAME)
    );
    let check = xtask(&["refresh-spec", "--check", "--spec-dir", dir_arg]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
