//! The layout CONTRIBUTING.md promises, held: `src/` in layer folders whose
//! dependencies point one way (no import cycle between top-level modules),
//! at most 8 files directly in `src/`, no handwritten file over 500 lines of
//! code (the normaliser's rule files over 600, tests included), and the
//! README's operation counts equal to the spec's.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file without its unit tests (`#[cfg(test)]` to the end), which may
/// reach anywhere.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// Lines that are neither blank nor comments.
fn lines_of_code(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .count()
}

/// The top-level module of the library a file of `src/` belongs to (`None`
/// for `lib.rs`, the binaries and the sandbox, which sits above everything).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "bin")).then_some(name)
}

#[test]
fn top_level_modules_depend_one_way() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = top_module(&src, file) else {
            continue;
        };
        let text = fs::read_to_string(file).unwrap();
        for (i, _) in without_tests(&text).match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name != from && modules.contains(&name) {
                edges.entry(from.clone()).or_default().insert(name);
            }
        }
    }
    assert!(
        edges.contains_key("helpers"),
        "the scan found the layers: {edges:?}"
    );
    // A depth-first search for a cycle, naming it.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for module in &modules {
        visit(module, &edges, &mut Vec::new(), &mut done);
    }
    // The bottom stays the bottom.
    for low in ["error", "model"] {
        for high in ["api", "helpers", "jobs", "pagination", "client", "sandbox"] {
            assert!(
                !edges.get(low).is_some_and(|e| e.contains(high)),
                "{low} depends on {high}: {edges:?}"
            );
        }
    }
}

#[test]
fn src_is_folders_of_short_files() {
    let src = root().join("src");
    let direct: Vec<String> = fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(direct.len() <= 8, "files directly in src/: {direct:?}");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    rust_files(&root().join("xtask/src"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let in_normaliser = file.components().any(|c| c.as_os_str() == "normalise");
        let (counted, limit) = if in_normaliser {
            (lines_of_code(&text), 600)
        } else {
            (lines_of_code(without_tests(&text)), 500)
        };
        assert!(
            counted <= limit,
            "{} has {counted} lines of code (at most {limit})",
            file.display()
        );
    }
    let main = fs::read_to_string(root().join("src/bin/onence/main.rs")).unwrap();
    assert!(lines_of_code(&main) <= 250, "the CLI's main.rs only wires");
}

/// Operations in a normalised document.
fn operations(file: &str) -> usize {
    let text = fs::read_to_string(root().join("spec").join(file)).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum()
}

/// The README's family table and its total agree with the spec: no count
/// there is written by hand without this check.
#[test]
fn the_readme_counts_what_the_spec_holds() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let total: usize = xtask::APIS.iter().map(|api| operations(api.openapi)).sum();
    assert!(
        readme.contains(&format!("{total} in all")),
        "the README's total is not {total}"
    );
    let table: Vec<(String, usize)> = readme
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| family") && !l.starts_with("|---"))
        .take_while(|l| l.matches('|').count() == 4)
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some((cells[1].to_string(), cells[2].parse().ok()?))
        })
        .collect();
    assert!(!table.is_empty(), "the README has its family table");
    assert_eq!(
        table.iter().map(|(_, n)| n).sum::<usize>(),
        total,
        "{table:?}"
    );
    let v2 = operations(xtask::OPENAPI_V2_NAME);
    assert!(
        table
            .iter()
            .any(|(name, n)| name.contains("v2") && *n == v2),
        "the v2 row says {v2}: {table:?}"
    );
}
