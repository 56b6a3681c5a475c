//! docs/snapshot.md stays true: it names every field a snapshot file accepts, and every example
//! in docs/examples parses and plans what the doc's table says.
use std::path::{Path, PathBuf};
use wnm_core::{DiskUsage, Machine, MachineMetrics, NodeFacts, NodeStatus, Snapshot};
use wnm_engine::parse_whatif;

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

fn keys(v: serde_json::Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

#[test]
fn every_field_is_documented() {
    let doc = std::fs::read_to_string(docs().join("snapshot.md")).unwrap();
    let node = NodeFacts {
        id: 1,
        service_name: String::new(),
        status: NodeStatus::Running,
        version: None,
        status_changed_at: 0,
        created_at: 0,
    };
    let mut fields = vec!["now".to_string(), "machine".into(), "snapshot".into()];
    fields.extend(keys(
        serde_json::to_value(Machine::defaults_for(1)).unwrap(),
    ));
    fields.extend(keys(serde_json::to_value(Snapshot::default()).unwrap()));
    fields.extend(keys(
        serde_json::to_value(MachineMetrics::default()).unwrap(),
    ));
    fields.extend(keys(serde_json::to_value(DiskUsage::default()).unwrap()));
    fields.extend(keys(serde_json::to_value(node).unwrap()));
    let missing: Vec<&String> = fields
        .iter()
        .filter(|f| !doc.contains(&format!("`{f}`")) && !doc.contains(&format!("\"{f}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/snapshot.md does not name {missing:?}"
    );
}

#[test]
fn examples_plan_what_the_doc_says() {
    let doc = std::fs::read_to_string(docs().join("snapshot.md")).unwrap();
    let dir = docs().join("examples");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    for required in ["calm.json", "cpu-high.json", "disk-full.json"] {
        assert!(
            names.iter().any(|p| p.ends_with(required)),
            "docs/examples/{required} is missing"
        );
    }
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let w = parse_whatif(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let plan = w.plan();
        let first = plan.to_string().lines().next().unwrap_or("").to_string();
        assert!(
            !first.is_empty() && doc.contains(&first),
            "{}: first line {first:?} is not in the doc's table",
            path.display()
        );
        // The same text planned twice gives the same plan.
        assert_eq!(parse_whatif(&text).unwrap().plan(), plan);
    }
}
