//! The layout CONTRIBUTING.md promises, held: `src/` in layers whose
//! imports point down (`LAYERS`; imports from the defining module, never
//! through the root's re-exports; no cycle), the CLI's modules without a cycle,
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

/// The top-level module a file of `src/` (or of the CLI's folder) belongs
/// to: `None` for the crate roots (`lib.rs`, `main.rs`) and the binaries.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_string();
    let name = first.trim_end_matches(".rs").to_string();
    (!matches!(name.as_str(), "lib" | "bin" | "main")).then_some(name)
}

/// The first path segments a file reaches through `crate::`, plain
/// (`crate::helpers::x`) or braced (`crate::{types, helpers::x}`), outside
/// comments and unit tests.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = without_tests(text)
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        // `onence::crate::` never occurs; `$crate::` is a macro's own crate.
        if code[..i].ends_with('$')
            || code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            continue;
        }
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The items of the group, split at its top-level commas.
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.push(ident(&item));
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|name| !name.is_empty() && name != "self");
    out
}

/// The names `lib.rs` re-exports at the crate root, each with the
/// top-level modules it comes from (`Client` from `api`; the `v2` facade
/// from `api` and `helpers`). Names `lib.rs` defines itself are not here.
fn root_exports(lib: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let code: String = lib
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    // `pub mod NAME { ... }` facades: NAME comes from what they re-export.
    let mut rest = code.as_str();
    while let Some(at) = rest.find("pub mod ") {
        let after = &rest[at + "pub mod ".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let after_name = after[name.len()..].trim_start();
        if let Some(body) = after_name.strip_prefix('{') {
            let end = body.find("\n}").unwrap_or(body.len());
            let from = crate_paths(&body[..end]).into_iter().collect();
            out.insert(name.clone(), from);
            rest = &body[end..];
        } else {
            rest = after_name;
        }
    }
    // Top-level `pub use MODULE::...::{A, B as C};`.
    for statement in code.split(';') {
        let Some(at) = statement.find("pub use ") else {
            continue;
        };
        let path = statement[at + "pub use ".len()..].trim();
        if path.starts_with("crate::") {
            continue; // inside a facade, counted above
        }
        let module: String = path
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let leaves: Vec<&str> = match path.find('{') {
            Some(open) => path[open + 1..].trim_end_matches('}').split(',').collect(),
            None => vec![path.rsplit("::").next().unwrap_or(path)],
        };
        for leaf in leaves {
            let name = leaf.rsplit(" as ").next().unwrap_or(leaf).trim();
            if !name.is_empty() {
                out.entry(name.to_string())
                    .or_default()
                    .insert(module.clone());
            }
        }
    }
    out
}

/// The layers of the library, bottom first: a module may import from its
/// own layer's modules (without a cycle) and from the layers below, never
/// from one above. The binaries sit above them all.
const LAYERS: &[&[&str]] = &[
    &["error", "model"],
    &["transport"],
    &["api", "missing_feature"],
    &["client", "pagination", "writes", "catalogue", "raw"],
    &["helpers"],
    &["jobs"],
    &["exporter", "mcp", "server", "streamer"],
    &["sandbox"],
];

/// What is wrong with the imports of `src` (a tree laid out like `src/`):
/// an import through a root re-export, a module in no layer, an import up
/// a layer, or a cycle. Each finding names the files' modules.
fn layering_faults(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap_or_default();
    let exports = root_exports(&lib);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(src, f)).collect();
    let layer_of = |m: &str| LAYERS.iter().position(|layer| layer.contains(&m));
    let mut faults = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = top_module(src, file) else {
            continue;
        };
        let text = fs::read_to_string(file).unwrap();
        for name in crate_paths(&text) {
            let targets: BTreeSet<String> = if modules.contains(&name) {
                BTreeSet::from([name.clone()])
            } else if let Some(sources) = exports.get(&name) {
                faults.push(format!(
                    "{} imports `{name}` through the crate root; import it from `crate::{}`",
                    file.strip_prefix(src).unwrap().display(),
                    sources
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("` or `crate::")
                ));
                sources.clone()
            } else {
                continue; // defined in lib.rs itself, or a macro
            };
            for to in targets.into_iter().filter(|to| *to != from) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    for (from, tos) in &edges {
        let Some(low) = layer_of(from) else {
            faults.push(format!("`{from}` is in no layer of LAYERS"));
            continue;
        };
        for to in tos {
            if layer_of(to).is_some_and(|high| high > low) {
                faults.push(format!("`{from}` imports from `{to}`, a layer above it"));
            }
        }
    }
    faults.extend(cycle(&edges));
    faults
}

/// A cycle in `edges`, named, if there is one (a depth-first search).
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|n| n == node) {
            return Some(format!(
                "import cycle: {} -> {node}",
                path[at..].join(" -> ")
            ));
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_depend_one_way() {
    let faults = layering_faults(&root().join("src"));
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}

/// The check above can fail: a fixture whose `model` reaches up to
/// `helpers` through a brace import, and through a root re-export.
#[test]
fn an_upward_brace_import_is_found() {
    let src = root().join("xtask/tests/fixtures/upward_import");
    let faults = layering_faults(&src);
    assert!(
        faults
            .iter()
            .any(|f| f == "`model` imports from `helpers`, a layer above it"),
        "{faults:?}"
    );
    assert!(
        faults
            .iter()
            .any(|f| f.starts_with("model/mod.rs imports `Report` through the crate root")),
        "{faults:?}"
    );
    assert!(
        faults.iter().any(|f| f.starts_with("import cycle")),
        "{faults:?}"
    );
}

/// The CLI's modules import each other without a cycle.
#[test]
fn the_cli_modules_depend_one_way() {
    let bin = root().join("src/bin/onence");
    let mut files = Vec::new();
    rust_files(&bin, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(&bin, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = top_module(&bin, file) else {
            continue;
        };
        for to in crate_paths(&fs::read_to_string(file).unwrap()) {
            if to != from && modules.contains(&to) {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    assert!(
        edges.contains_key("cmd"),
        "the scan found the modules: {edges:?}"
    );
    assert_eq!(cycle(&edges), None, "{edges:?}");
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
