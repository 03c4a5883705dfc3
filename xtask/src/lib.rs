//! Maintenance tasks for onence: refreshing and checking the vendored spec.
//!
//! `refresh-spec` turns the Swagger 2.0 document 1NCE serves into the
//! normalised OpenAPI 3.0.3 document `build.rs` generates the client from:
//! [`convert`] applies the Swagger → OpenAPI rules, [`normalise`] makes the
//! result digestible by progenitor, [`report`] tells what changed, and
//! [`codegen`] proves the result generates before anything is written.

pub mod codegen;
pub mod convert;
pub mod normalise;
pub mod report;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use report::Report;

/// Where 1NCE serves the Swagger 2.0 document.
pub const DEFAULT_URL: &str = "https://api.1nce.com/management-api/api-docs";
/// The vendored Swagger document, relative to the spec directory.
pub const SWAGGER_NAME: &str = "management-api.swagger.json";
/// The vendored OpenAPI document, relative to the spec directory.
pub const OPENAPI_NAME: &str = "management-api.openapi.json";

/// Why a refresh or check failed. Each displays as one line naming the cause.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The document could not be downloaded or read.
    #[error("could not get the document: {0}")]
    Fetch(String),
    /// The document is not JSON.
    #[error("the document is not valid JSON: {0}")]
    Json(String),
    /// The document is not a usable Swagger 2.0 document.
    #[error("invalid Swagger document: {0}")]
    Invalid(String),
    /// A normalisation rule could not be applied.
    #[error("cannot normalise: {0}")]
    Normalise(String),
    /// The normalised document would not generate a client.
    #[error("the normalised document does not generate: {0}")]
    Codegen(String),
    /// Writing the spec files failed.
    #[error("could not write {0}")]
    Write(String),
    /// `--check` found the vendored files out of date.
    #[error("{0}")]
    Stale(String),
}

/// Where the Swagger document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Download it.
    Url(String),
    /// Read it from a file.
    File(PathBuf),
}

/// The two files derived from one Swagger document, in their canonical text form.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The Swagger 2.0 document, canonical.
    pub swagger: String,
    /// The converted and normalised OpenAPI 3.0.3 document, canonical.
    pub openapi: String,
    /// The OpenAPI document as a value.
    pub openapi_value: Value,
    /// What the normalisation noticed.
    pub notes: normalise::Notes,
}

/// Parses, validates, converts and normalises a Swagger 2.0 document.
pub fn derive(swagger_text: &str) -> Result<Derived, Failure> {
    let swagger: Value =
        serde_json::from_str(swagger_text).map_err(|e| Failure::Json(e.to_string()))?;
    let mut openapi = convert::convert(&swagger)?;
    let notes = normalise::normalise(&mut openapi)?;
    let openapi = canonical(&openapi);
    Ok(Derived {
        swagger: render(&canonical(&swagger)),
        openapi: render(&openapi),
        openapi_value: openapi,
        notes,
    })
}

/// Keys sorted at every level, so the files diff well and never depend on map order.
pub fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), canonical(&map[k])))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn render(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a JSON value always serialises");
    text.push('\n');
    text
}

/// Gets the document text from a URL or a file.
pub fn fetch(source: &Source) -> Result<String, Failure> {
    match source {
        Source::File(path) => {
            fs::read_to_string(path).map_err(|e| Failure::Fetch(format!("{}: {e}", path.display())))
        }
        Source::Url(url) => {
            let client = reqwest::blocking::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .user_agent(concat!("onence-xtask/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Failure::Fetch(format!("{url}: {e}")))?;
            let response = client
                .get(url)
                .send()
                .map_err(|e| Failure::Fetch(format!("{url}: {e}")))?;
            let status = response.status();
            if !status.is_success() {
                return Err(Failure::Fetch(format!("{url}: HTTP {status}")));
            }
            response
                .text()
                .map_err(|e| Failure::Fetch(format!("{url}: {e}")))
        }
    }
}

/// Refreshes `spec_dir` from `source`: derives both files, proves they
/// generate, reports the change against the vendored OpenAPI document, and
/// only then replaces the files (each through a temporary file and a rename).
/// On any failure the directory is left as it was.
pub fn refresh(source: &Source, spec_dir: &Path) -> Result<Report, Failure> {
    let text = fetch(source)?;
    let derived = derive(&text)?;
    codegen::generate(&derived.openapi).map_err(Failure::Codegen)?;
    let openapi_path = spec_dir.join(OPENAPI_NAME);
    let old: Option<Value> = fs::read_to_string(&openapi_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let report = Report::between(old.as_ref(), &derived.openapi_value, derived.notes.clone());
    write_atomically(&[
        (spec_dir.join(SWAGGER_NAME), &derived.swagger),
        (openapi_path, &derived.openapi),
    ])?;
    Ok(report)
}

/// Re-derives the OpenAPI document from the vendored Swagger document and
/// fails, with a summary of the differences, when the vendored files disagree.
pub fn check(spec_dir: &Path) -> Result<(), Failure> {
    let read = |name: &str| {
        let path = spec_dir.join(name);
        fs::read_to_string(&path).map_err(|e| Failure::Fetch(format!("{}: {e}", path.display())))
    };
    let (swagger, openapi) = (read(SWAGGER_NAME)?, read(OPENAPI_NAME)?);
    let derived = derive(&swagger)?;
    let mut problems = Vec::new();
    if derived.swagger != swagger {
        problems.push(format!(
            "{SWAGGER_NAME} is not in canonical form ({})",
            first_difference(&swagger, &derived.swagger)
        ));
    }
    if derived.openapi != openapi {
        let vendored: Option<Value> = serde_json::from_str(&openapi).ok();
        let report = Report::between(
            vendored.as_ref(),
            &derived.openapi_value,
            normalise::Notes::default(),
        );
        let summary: Vec<String> = report.to_string().lines().map(str::to_string).collect();
        problems.push(format!(
            "{OPENAPI_NAME} differs from what {SWAGGER_NAME} derives ({}): {}",
            first_difference(&openapi, &derived.openapi),
            summary.join("; ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Stale(format!(
            "{}; run `cargo xtask refresh-spec --from spec/{SWAGGER_NAME}`",
            problems.join("; ")
        )))
    }
}

fn first_difference(old: &str, new: &str) -> String {
    let line = old
        .lines()
        .zip(new.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| old.lines().count().min(new.lines().count()));
    format!("first difference at line {}", line + 1)
}

/// Writes every file to a temporary sibling first; renames happen only once all are written.
fn write_atomically(files: &[(PathBuf, &String)]) -> Result<(), Failure> {
    let mut temps = Vec::new();
    for (path, text) in files {
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut temp = tempfile_in(dir, path)?;
        let result = temp
            .1
            .write_all(text.as_bytes())
            .and_then(|_| temp.1.sync_all());
        if let Err(e) = result {
            let _ = fs::remove_file(&temp.0);
            for (t, _) in &temps {
                let _ = fs::remove_file(t);
            }
            return Err(Failure::Write(format!("{}: {e}", path.display())));
        }
        temps.push((temp.0, path.clone()));
    }
    for (temp, path) in &temps {
        fs::rename(temp, path).map_err(|e| Failure::Write(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

fn tempfile_in(dir: &Path, target: &Path) -> Result<(PathBuf, fs::File), Failure> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("spec");
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file =
        fs::File::create(&temp).map_err(|e| Failure::Write(format!("{}: {e}", temp.display())))?;
    Ok((temp, file))
}
