//! The change report a maintainer reads before committing a refresh:
//! operations added, removed or changed, and schema fields added or removed,
//! between the vendored OpenAPI document and the freshly derived one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::normalise::Notes;

/// Differences between two normalised OpenAPI documents.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// `METHOD /path (name)` of operations only in the new document.
    pub operations_added: Vec<String>,
    /// `METHOD /path (name)` of operations only in the old document.
    pub operations_removed: Vec<String>,
    /// Operations in both, with what changed in each.
    pub operations_changed: Vec<(String, Vec<String>)>,
    /// Schemas only in the new document.
    pub schemas_added: Vec<String>,
    /// Schemas only in the old document.
    pub schemas_removed: Vec<String>,
    /// `Schema.field` only in the new document.
    pub fields_added: Vec<String>,
    /// `Schema.field` only in the old document.
    pub fields_removed: Vec<String>,
    /// `Schema.field` present in both whose definition changed.
    pub fields_changed: Vec<String>,
    /// Remarks of the normalisation (unmapped operation names and the like).
    pub notes: Notes,
}

impl Report {
    /// Compares `old` (vendored; `None` when there is none yet) with `new`.
    pub fn between(old: Option<&Value>, new: &Value, notes: Notes) -> Report {
        let empty = Value::Null;
        let old = old.unwrap_or(&empty);
        let (old_ops, new_ops) = (operations(old), operations(new));
        let mut report = Report {
            notes,
            ..Report::default()
        };
        for (key, op) in &new_ops {
            match old_ops.get(key) {
                None => report.operations_added.push(label(key, op)),
                Some(before) if before != op => report
                    .operations_changed
                    .push((label(key, op), operation_changes(before, op))),
                Some(_) => {}
            }
        }
        for (key, op) in &old_ops {
            if !new_ops.contains_key(key) {
                report.operations_removed.push(label(key, op));
            }
        }
        let (old_schemas, new_schemas) = (schemas(old), schemas(new));
        for (name, schema) in &new_schemas {
            match old_schemas.get(name) {
                None => report.schemas_added.push(name.clone()),
                Some(before) => {
                    let (b, a) = (properties(before), properties(schema));
                    for (field, def) in &a {
                        match b.get(field) {
                            None => report.fields_added.push(format!("{name}.{field}")),
                            Some(old_def) if old_def != def => {
                                report.fields_changed.push(format!("{name}.{field}"))
                            }
                            Some(_) => {}
                        }
                    }
                    for field in b.keys().filter(|f| !a.contains_key(*f)) {
                        report.fields_removed.push(format!("{name}.{field}"));
                    }
                }
            }
        }
        for name in old_schemas.keys().filter(|n| !new_schemas.contains_key(*n)) {
            report.schemas_removed.push(name.clone());
        }
        report
    }

    /// True when the API surface did not change (descriptions aside, which count as changes of an operation).
    pub fn is_empty(&self) -> bool {
        self.operations_added.is_empty()
            && self.operations_removed.is_empty()
            && self.operations_changed.is_empty()
            && self.schemas_added.is_empty()
            && self.schemas_removed.is_empty()
            && self.fields_added.is_empty()
            && self.fields_removed.is_empty()
            && self.fields_changed.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            writeln!(f, "no change to operations or schemas")?;
        }
        let lists: [(&str, &Vec<String>); 7] = [
            ("operation added", &self.operations_added),
            ("operation removed", &self.operations_removed),
            ("schema added", &self.schemas_added),
            ("schema removed", &self.schemas_removed),
            ("field added", &self.fields_added),
            ("field removed", &self.fields_removed),
            ("field changed", &self.fields_changed),
        ];
        for (what, items) in lists {
            for item in items {
                writeln!(f, "{what}: {item}")?;
            }
        }
        for (op, changes) in &self.operations_changed {
            writeln!(f, "operation changed: {op}: {}", changes.join("; "))?;
        }
        for (id, name) in &self.notes.unmapped_operations {
            writeln!(
                f,
                "unmapped operation: {id} is named {name} by default; add it to OPERATION_NAMES"
            )?;
        }
        for remark in &self.notes.remarks {
            writeln!(f, "note: {remark}")?;
        }
        Ok(())
    }
}

fn operations(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("responses").is_some() {
                out.insert(format!("{} {path}", method.to_uppercase()), op.clone());
            }
        }
    }
    out
}

fn label(key: &str, op: &Value) -> String {
    match op.get("operationId").and_then(Value::as_str) {
        Some(id) => format!("{key} ({id})"),
        None => key.to_string(),
    }
}

fn operation_changes(before: &Value, after: &Value) -> Vec<String> {
    let mut changes = Vec::new();
    let params = |op: &Value| -> BTreeMap<String, Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| {
                let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
                let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
                (format!("{name} ({place})"), p.clone())
            })
            .collect()
    };
    let (pb, pa) = (params(before), params(after));
    for (name, p) in &pa {
        match pb.get(name) {
            None => changes.push(format!("parameter {name} added")),
            Some(old) if old != p => changes.push(format!("parameter {name} changed")),
            Some(_) => {}
        }
    }
    for name in pb.keys().filter(|n| !pa.contains_key(*n)) {
        changes.push(format!("parameter {name} removed"));
    }
    if before.get("requestBody") != after.get("requestBody") {
        changes.push("request body changed".into());
    }
    let codes = |op: &Value| -> BTreeMap<String, Value> {
        op.get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let (rb, ra) = (codes(before), codes(after));
    for (code, r) in &ra {
        match rb.get(code) {
            None => changes.push(format!("response {code} added")),
            Some(old) if old != r => changes.push(format!("response {code} changed")),
            Some(_) => {}
        }
    }
    for code in rb.keys().filter(|c| !ra.contains_key(*c)) {
        changes.push(format!("response {code} removed"));
    }
    if before.get("operationId") != after.get("operationId") {
        changes.push("name changed".into());
    }
    let keys = |op: &Value| -> BTreeSet<String> {
        op.as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect()
    };
    if changes.is_empty() {
        let differing: Vec<String> = keys(before)
            .union(&keys(after))
            .filter(|k| before.get(k.as_str()) != after.get(k.as_str()))
            .cloned()
            .collect();
        changes.push(format!("{} changed", differing.join(", ")));
    }
    changes
}

fn schemas(doc: &Value) -> BTreeMap<String, Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn properties(schema: &Value) -> BTreeMap<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
