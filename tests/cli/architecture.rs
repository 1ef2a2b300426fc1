//! The shape ARCHITECTURE.md promises, checked on the source: every module is on its map,
//! a module imports only modules listed above it there (so there is no import cycle), and
//! no module below the command layer imports it (or knows clap).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{files_under, repo};

/// The command layer: the only modules that may know clap and print.
const COMMAND_LAYER: &[&str] = &["cli", "commands", "main"];

/// Top-level module → the top-level modules its non-test code names (`crate::x`).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files_under(&src) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = Path::new(first)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may use any module; only the code that ships makes the layering.
        let code = text.split("#[cfg(test)]").next().unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                group
                    .split(',')
                    .filter_map(|item| item.trim().split("::").next())
                    .collect()
            } else {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .into_iter()
                    .collect()
            };
            for name in names {
                let name = name.trim();
                if !name.is_empty()
                    && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && name != module
                {
                    deps.insert(name.to_owned());
                }
            }
        }
    }
    graph
}

#[test]
fn no_module_below_the_command_layer_imports_it_knows_clap_or_prints() {
    let graph = module_graph();
    assert!(graph.len() > 20, "modules found: {:?}", graph.keys());
    let mut offenders = Vec::new();
    for (module, deps) in &graph {
        if COMMAND_LAYER.contains(&module.as_str()) {
            continue;
        }
        for layer in COMMAND_LAYER {
            if deps.contains(*layer) {
                offenders.push(format!("{module} imports {layer}"));
            }
        }
    }
    for file in files_under(&repo("src")) {
        let relative = file
            .strip_prefix(repo("src"))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let layer = COMMAND_LAYER
            .iter()
            .any(|l| relative.starts_with(&format!("{l}/")) || relative == format!("{l}.rs"));
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        if !layer && code.contains("clap::") {
            offenders.push(format!("src/{relative} uses clap"));
        }
        for printing in [
            "print!(",
            "println!(",
            "io::stdout",
            "io::stderr",
            "process::exit",
        ] {
            if !layer && code.contains(printing) {
                offenders.push(format!("src/{relative} prints ({printing})"));
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

/// The modules of ARCHITECTURE.md's code map, in the order listed (`| `name` |`,
/// `| `name/` |` or `| `name/<x>.rs` |` at the start of a table row).
fn documented_order() -> Vec<String> {
    let text = std::fs::read_to_string(repo("ARCHITECTURE.md")).unwrap();
    let map = text
        .split("## Code map")
        .nth(1)
        .and_then(|t| t.split("\n## ").next())
        .expect("ARCHITECTURE.md has a \"Code map\" section");
    let mut order: Vec<String> = Vec::new();
    for line in map.lines() {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        let name = rest.split('`').next().unwrap_or("");
        let module = name.split(['/', '.']).next().unwrap_or("").to_owned();
        if !module.is_empty() && !order.contains(&module) {
            order.push(module);
        }
    }
    order
}

#[test]
fn every_module_is_on_the_map_and_imports_only_modules_above_it() {
    let graph = module_graph();
    let order = documented_order();
    let place = |m: &str| order.iter().position(|o| o == m);
    let mut problems = Vec::new();
    for (module, deps) in &graph {
        let Some(here) = place(module) else {
            problems.push(format!("{module} is not in ARCHITECTURE.md's code map"));
            continue;
        };
        for dep in deps {
            if let Some(there) = place(dep) {
                if there > here {
                    problems.push(format!(
                        "{module} imports {dep}, which the code map lists below it"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn modules_import_each_other_without_cycles() {
    let graph = module_graph();
    // Depth-first search; a back edge is a cycle, reported with its path.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        cycles: &mut Vec<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| *n == node) {
            cycles.push(format!("{} → {node}", path[at..].join(" → ")));
            return;
        }
        path.push(node);
        for dep in graph.get(node).into_iter().flatten() {
            if graph.contains_key(dep) {
                visit(dep, graph, path, done, cycles);
            }
        }
        path.pop();
        done.insert(node);
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn no_source_file_is_over_800_lines_without_a_reason_at_its_top() {
    let mut long = Vec::new();
    for file in files_under(&repo("src")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let lines = text.lines().count();
        let head: String = text.lines().take(30).collect::<Vec<_>>().join("\n");
        if lines > 800 && !head.contains("longer than 800 lines") {
            long.push(format!("{} ({lines} lines)", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these, or say at the top why they are \"longer than 800 lines\":\n{}",
        long.join("\n")
    );
}
