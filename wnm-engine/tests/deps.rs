//! Architecture invariant: wnm-engine's normal dependency tree holds no IO or async crate (tokio,
//! sea-orm, sqlx, ureq, bollard, sysinfo, hyper, reqwest). Checked on the workspace `Cargo.lock`,
//! starting from the `[dependencies]` of wnm-engine's manifest (dev-dependencies left out).
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const BANNED: [&str; 8] = [
    "tokio", "sea-orm", "sqlx", "ureq", "bollard", "sysinfo", "hyper", "reqwest",
];

/// `[dependencies]` names of a manifest (`name.workspace = true` or `name = ...`).
fn normal_deps(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            let key = line.split(['=', '.']).next().unwrap_or("").trim();
            out.push(key.to_string());
        }
    }
    out
}

/// package name -> names it depends on (every version merged: an over-approximation).
fn lock_graph(lock: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let mut name = String::new();
        let mut deps = BTreeSet::new();
        let mut in_deps = false;
        for line in block.lines().map(str::trim) {
            if let Some(n) = line.strip_prefix("name = ") {
                name = n.trim_matches('"').to_string();
            } else if line.starts_with("dependencies = [") {
                in_deps = true;
            } else if in_deps && line == "]" {
                in_deps = false;
            } else if in_deps {
                let d = line.trim_matches([',', '"']);
                deps.insert(d.split(' ').next().unwrap_or(d).to_string());
            }
        }
        graph.entry(name).or_default().extend(deps);
    }
    graph
}

/// The banned crates reachable from the manifest's `[dependencies]`, and everything reachable.
fn banned_in(manifest: &str, lock: &str) -> (Vec<String>, BTreeSet<String>) {
    let graph = lock_graph(lock);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut todo = normal_deps(manifest);
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    let banned = BANNED
        .iter()
        .filter(|b| seen.contains(**b))
        .map(|b| b.to_string())
        .collect();
    (banned, seen)
}

#[test]
fn engine_tree_has_no_io_or_async_crate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let lock = std::fs::read_to_string(dir.join("../Cargo.lock")).unwrap();
    let (banned, seen) = banned_in(&manifest, &lock);
    assert!(
        ["wnm-core", "serde", "serde_json", "sha3"]
            .iter()
            .all(|n| seen.contains(*n)),
        "the tree walk missed known dependencies: {seen:?}"
    );
    assert!(
        banned.is_empty(),
        "wnm-engine must stay pure, but its dependency tree pulls {banned:?}"
    );
}

#[test]
fn the_check_sees_a_banned_crate_deep_in_the_tree() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\na.workspace = true\n[dev-dependencies]\nsqlx = \"1\"\n";
    let lock = "[[package]]\nname = \"a\"\ndependencies = [\n \"b 1.0.0\",\n]\n\n[[package]]\nname = \"b\"\ndependencies = [\n \"tokio\",\n]\n\n[[package]]\nname = \"tokio\"\n";
    let (banned, _) = banned_in(manifest, lock);
    assert_eq!(banned, vec!["tokio".to_string()]);
}
