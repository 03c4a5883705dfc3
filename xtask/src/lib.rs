//! Maintenance tasks for onence: refreshing and checking the vendored spec.
//!
//! `refresh-spec` turns the Swagger 2.0 document 1NCE serves into the
//! normalised OpenAPI 3.0.3 document `build.rs` generates the client from:
//! [`convert`] applies the Swagger → OpenAPI rules, [`normalise`] makes the
//! result digestible by progenitor, [`report`] tells what changed, and
//! [`codegen`] proves the result generates before anything is written.

/// The generation code lives in the onence package (`codegen.rs`, beside
/// its `build.rs`), so that the published crate builds on its own; xtask
/// compiles the same file.
#[path = "../../codegen.rs"]
pub mod codegen;
pub mod compile_cost;
pub mod convert;
pub mod normalise;
pub mod report;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use report::Report;

pub use codegen::{Family, Format, Target as Api, VERSIONS as APIS};

/// Where 1NCE serves the Swagger 2.0 document.
pub const DEFAULT_URL: &str = "https://api.1nce.com/management-api/api-docs";
/// The vendored Swagger document, relative to the spec directory.
pub const SWAGGER_NAME: &str = "management-api.swagger.json";
/// The vendored OpenAPI document, relative to the spec directory.
pub const OPENAPI_NAME: &str = "management-api.openapi.json";
/// The vendored Support Management document (OpenAPI 3), relative to the spec directory.
pub const SUPPORT_NAME: &str = "support-management.openapi.json";
/// The vendored SIM Management v2 document (OpenAPI 3), relative to the spec directory.
pub const SIM_V2_NAME: &str = "sim-management-v2.openapi.json";
/// The normalised v2 document, relative to the spec directory.
pub const OPENAPI_V2_NAME: &str = "management-api-v2.openapi.json";
/// The vendored 1NCE OS document (OpenAPI 3), relative to the spec directory.
pub const OS_NAME: &str = "1nce-os.openapi.json";

/// Every family of every version, in the table's order.
pub fn families() -> impl Iterator<Item = &'static Family> {
    APIS.iter().flat_map(|api| api.families.iter())
}

/// The family named `name`.
pub fn family(name: &str) -> Option<&'static Family> {
    families().find(|f| f.name == name)
}

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

/// Every family's source, in canonical form, and the normalised document
/// they derive together.
#[derive(Debug, Clone)]
pub struct DerivedAll {
    /// (vendored file name, canonical text) of every family, in the order of [`families`].
    pub sources: Vec<(&'static str, String)>,
    /// The merged, normalised OpenAPI 3.0.3 document, canonical.
    pub openapi: String,
    /// The OpenAPI document as a value.
    pub openapi_value: Value,
    /// What the normalisation noticed.
    pub notes: normalise::Notes,
}

/// Derives the normalised document of `api` from its families' source texts,
/// in [`Api::families`] order: the first converted (Swagger 2.0) or taken as
/// it is (OpenAPI 3), the others' paths and models merged in (a path or
/// model name two families share is refused), then normalised once.
pub fn derive_all(api: &Api, texts: &[String]) -> Result<DerivedAll, Failure> {
    let families: Vec<&Family> = api.families().collect();
    if texts.len() != families.len() {
        return Err(Failure::Invalid(format!(
            "{} sources for the {} families of {}",
            texts.len(),
            families.len(),
            api.version
        )));
    }
    let mut sources = Vec::new();
    let mut merged: Option<Value> = None;
    for (family, text) in families.into_iter().zip(texts) {
        let source: Value = serde_json::from_str(text)
            .map_err(|e| Failure::Json(format!("{}: {e}", family.file)))?;
        let openapi = match family.format {
            Format::Swagger2 => convert::convert(&source)?,
            Format::OpenApi3 => {
                let version = source.get("openapi").and_then(Value::as_str).unwrap_or("");
                if !version.starts_with("3.0") {
                    return Err(Failure::Invalid(format!(
                        "{}: an OpenAPI 3.0 document was expected, not {version:?}",
                        family.file
                    )));
                }
                source.clone()
            }
        };
        sources.push((family.file, render(&canonical(&source))));
        merged = Some(match merged {
            None => openapi,
            Some(base) => merge(base, &openapi, family.file)?,
        });
    }
    let mut openapi = merged.expect("at least one family");
    let notes = normalise::normalise(&mut openapi)?;
    let openapi = canonical(&openapi);
    Ok(DerivedAll {
        sources,
        openapi: render(&openapi),
        openapi_value: openapi,
        notes,
    })
}

/// `base` with the paths and models of `other` added; a name both hold is refused.
fn merge(mut base: Value, other: &Value, file: &str) -> Result<Value, Failure> {
    for (section, pointer) in [("path", "/paths"), ("model", "/components/schemas")] {
        let Some(added) = other.pointer(pointer).and_then(Value::as_object) else {
            continue;
        };
        if base.pointer(pointer).is_none() {
            let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
            let key = pointer.rsplit('/').next().unwrap_or("");
            let holder = if parent.is_empty() {
                base.as_object_mut()
            } else {
                if base.pointer(parent).is_none() {
                    base[parent.trim_start_matches('/')] = Value::Object(Map::new());
                }
                base.pointer_mut(parent).and_then(Value::as_object_mut)
            };
            if let Some(holder) = holder {
                holder.insert(key.to_string(), Value::Object(Map::new()));
            }
        }
        let into = base
            .pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .ok_or_else(|| Failure::Invalid(format!("{file}: cannot merge its {section}s")))?;
        for (name, value) in added {
            if into.contains_key(name) {
                return Err(Failure::Invalid(format!(
                    "{file}: the {section} {name} is defined by another family too"
                )));
            }
            into.insert(name.clone(), value.clone());
        }
    }
    Ok(base)
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

/// Refreshes `spec_dir`: reads each family's source (the `source` given for
/// the family named `only`, or for the first family when `only` is `None`;
/// for the others, the address 1NCE serves them at when refreshing all, or
/// else their vendored file), derives every version's normalised document,
/// proves each generates, reports the changes against the vendored ones, and
/// only then replaces the files (each through a temporary file and a rename).
/// On any failure the directory is left as it was.
pub fn refresh(
    source: Option<&Source>,
    only: Option<&str>,
    spec_dir: &Path,
) -> Result<Refreshed, Failure> {
    let target = match only {
        Some(name) => Some(family(name).ok_or_else(|| {
            let names: Vec<&str> = families().map(|f| f.name).collect();
            Failure::Invalid(format!(
                "no family {name:?}; the families are {}",
                names.join(", ")
            ))
        })?),
        None => None,
    };
    let mut reports = Vec::new();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for api in APIS {
        let mut texts = Vec::new();
        for family in api.families() {
            let first = families().next().is_some_and(|f| std::ptr::eq(family, f));
            let chosen = match (target, source) {
                (Some(t), Some(s)) if t == family => Some(s.clone()),
                (None, Some(s)) if first => Some(s.clone()),
                (Some(t), None) if t == family => Some(family_source(family)?),
                (None, None) => family.url.map(|u| Source::Url(u.to_string())),
                _ => None,
            };
            let text = match chosen {
                Some(s) => fetch(&s)?,
                None => fetch(&Source::File(spec_dir.join(family.file)))?,
            };
            texts.push(text);
        }
        let derived = derive_all(api, &texts)?;
        let target = codegen::target(api.version).ok_or_else(|| {
            Failure::Codegen(format!("codegen has no target for {}", api.version))
        })?;
        codegen::generate(target, &derived.openapi).map_err(Failure::Codegen)?;
        let openapi_path = spec_dir.join(api.openapi);
        let old: Option<Value> = fs::read_to_string(&openapi_path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let report = Report::between(old.as_ref(), &derived.openapi_value, derived.notes.clone());
        reports.push((api.openapi, report));
        files.extend(
            derived
                .sources
                .into_iter()
                .map(|(file, text)| (spec_dir.join(file), text)),
        );
        files.push((openapi_path, derived.openapi));
    }
    let files: Vec<(PathBuf, &String)> = files.iter().map(|(p, t)| (p.clone(), t)).collect();
    write_atomically(&files)?;
    Ok(Refreshed { reports })
}

/// What a refresh changed, one report per normalised document.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    /// (normalised document, what changed in it), in [`APIS`] order.
    pub reports: Vec<(&'static str, Report)>,
}

impl std::fmt::Display for Refreshed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (document, report) in &self.reports {
            writeln!(f, "== {document}")?;
            write!(f, "{report}")?;
        }
        Ok(())
    }
}

/// Where a family is downloaded from by default; one without an address must be given `--from`.
fn family_source(family: &Family) -> Result<Source, Failure> {
    family
        .url
        .map(|u| Source::Url(u.to_string()))
        .ok_or_else(|| {
            Failure::Fetch(format!(
                "1NCE serves {} at no stable address; give it with --from FILE",
                family.name
            ))
        })
}

/// Re-derives every version's OpenAPI document from the vendored sources and
/// fails, with a summary of the differences, when the vendored files disagree.
pub fn check(spec_dir: &Path) -> Result<(), Failure> {
    let read = |name: &str| {
        let path = spec_dir.join(name);
        fs::read_to_string(&path).map_err(|e| Failure::Fetch(format!("{}: {e}", path.display())))
    };
    let mut problems = Vec::new();
    for api in APIS {
        let texts = api
            .families()
            .map(|f| read(f.file))
            .collect::<Result<Vec<_>, _>>()?;
        let openapi = read(api.openapi)?;
        let derived = derive_all(api, &texts)?;
        for ((file, canonical), text) in derived.sources.iter().zip(&texts) {
            if canonical != text {
                problems.push(format!(
                    "{file} is not in canonical form ({})",
                    first_difference(text, canonical)
                ));
            }
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
                "{} differs from what the sources derive ({}): {}",
                api.openapi,
                first_difference(&openapi, &derived.openapi),
                summary.join("; ")
            ));
        }
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
