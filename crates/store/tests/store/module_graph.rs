//! The store's modules form no import circle: each may be read (and changed) knowing only
//! the modules below it. Read from the source text: every `crate::<module>` and
//! `super::<module>` a file names (comments aside) is an edge, a module's files being
//! `src/<module>.rs` and those under `src/<module>/`; the crate root (`lib.rs`,
//! which declares every module and holds `Store`, `Result` and the small shared helpers) is
//! the hub all of them stand on, not a module of the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// `line` without its comment (a `//` outside a string literal).
fn code_of(line: &str) -> &str {
    let mut quotes = 0;
    let bytes = line.as_bytes();
    for i in 0..bytes.len() {
        match bytes[i] {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => quotes += 1,
            b'/' if quotes % 2 == 0 && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first path segment of every item a `{ … }` group names (`{a::X, b, c::{D, E}}` →
/// a, b, c); `text` starts just after the opening brace.
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let (mut depth, mut at_start, mut current) = (0, true, String::new());
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
                at_start = true;
            }
            c if depth == 0 && at_start && is_ident(c) => current.push(c),
            _ if depth == 0 && at_start && !current.is_empty() => {
                heads.push(std::mem::take(&mut current));
                at_start = false;
            }
            _ => {}
        }
    }
    if !current.is_empty() {
        heads.push(current);
    }
    heads
}

/// The modules `code` names through `crate::` or `super::`.
fn uses(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for prefix in ["crate::", "super::"] {
        for (at, _) in code.match_indices(prefix) {
            if code[..at].chars().next_back().is_some_and(is_ident) {
                continue; // e.g. `my_crate::`
            }
            let rest = &code[at + prefix.len()..];
            let heads = match rest.strip_prefix('{') {
                Some(group) => group_heads(group),
                None => vec![rest.chars().take_while(|c| is_ident(*c)).collect()],
            };
            found.extend(heads.into_iter().filter(|h| modules.contains(h)));
        }
    }
    found
}

/// Every `.rs` file under `dir`, with the module of the store it belongs to: `src/x.rs` and
/// everything under `src/x/` are module `x`.
fn sources(dir: &Path, module: Option<&str>, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("source directory is readable") {
        let path = entry.expect("entry").path();
        let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
        let owner = module.unwrap_or(&stem).to_string();
        if path.is_dir() {
            sources(&path, Some(&owner), out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push((owner, std::fs::read_to_string(&path).expect("source is readable")));
        }
    }
}

/// Module → the modules it uses, for every module but the crate root.
fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    sources(src, None, &mut files);
    files.retain(|(module, _)| module != "lib");
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut g: Graph = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for (module, text) in &files {
        let code: String = text.lines().map(code_of).collect::<Vec<_>>().join("\n");
        let used = g.get_mut(module).expect("listed");
        used.extend(uses(&code, &modules).into_iter().filter(|m| m != module));
    }
    g
}

/// A circle of imports, as the modules along it (the first repeated at the end), if any.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, m: &str, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in g.get(m).into_iter().flatten() {
            if let Some(c) = visit(g, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys().find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

fn show(g: &Graph) -> String {
    g.iter()
        .map(|(m, used)| format!("{m} → {}", used.iter().cloned().collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_reader_finds_imports_and_cycles() {
    let modules: BTreeSet<String> = ["audit", "reports", "search", "sql"].iter().map(|s| s.to_string()).collect();
    let code = "use crate::{Result, reports::Event, search::{Doc, add_all}};\nlet x = super::sql::placeholders(1, 2);\n\
                // crate::audit in a comment\nlet url = \"postgres://host\"; // crate::audit\nmy_crate::audit::x();";
    let found: Vec<String> =
        uses(&code.lines().map(code_of).collect::<Vec<_>>().join("\n"), &modules).into_iter().collect();
    assert_eq!(found, ["reports", "search", "sql"]);
    let g: Graph = [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec![])]
        .into_iter()
        .map(|(m, used)| (m.to_string(), used.into_iter().map(str::to_string).collect()))
        .collect();
    assert_eq!(find_cycle(&g), Some(["a", "b", "c", "a"].map(String::from).to_vec()));
}

#[test]
fn the_store_modules_form_no_import_circle() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    println!("{}", show(&g));
    if let Some(cycle) = find_cycle(&g) {
        panic!("import circle: {}\n\nthe modules and what they use:\n{}", cycle.join(" → "), show(&g));
    }
    // The generic helpers and the group commit stand on nothing the rest builds.
    assert!(g["sql"].is_empty(), "sql uses {:?}", g["sql"]);
    // (Its unit tests take their databases from `testing`; a job done under an idempotency
    // key marks it, and the idempotency keys stand on nothing else.)
    assert!(
        g["group_commit"].iter().all(|m| m == "sql" || m == "testing" || m == "idempotency"),
        "group_commit uses {:?}",
        g["group_commit"]
    );
    assert!(g["idempotency"].is_empty(), "idempotency uses {:?}", g["idempotency"]);
    // The loaders of bulk data are used by the command line only, not by other modules.
    for leaf in ["bulk", "seed"] {
        let users: Vec<&String> =
            g.iter().filter(|(m, used)| *m != "bulk" && used.contains(leaf)).map(|(m, _)| m).collect();
        assert!(users.is_empty(), "{leaf} is used by {users:?}");
    }
}

/// The store's types are storage rows, not the API's wire format (web's `wire` module is):
/// no store source derives or annotates an OpenAPI schema, so a change to a stored row
/// cannot silently change the API. The store's manifest does not depend on utoipa either.
#[test]
fn no_store_type_is_documented_as_the_api() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), None, &mut files);
    let found: Vec<String> = files
        .iter()
        .flat_map(|(module, text)| {
            text.lines()
                .map(code_of)
                .filter(|code| code.contains("utoipa") || code.contains("ToSchema") || code.contains("#[schema("))
                .map(move |code| format!("{module}: {}", code.trim()))
        })
        .collect();
    assert!(found.is_empty(), "API schemas in the store (they belong in web/src/wire):\n{}", found.join("\n"));
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("utoipa"), "the store's Cargo.toml still depends on utoipa");
}
