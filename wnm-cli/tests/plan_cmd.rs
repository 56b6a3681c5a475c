//! `wnm plan --snapshot FILE [--json]` run as the real binary on the documented example files
//! (docs/examples) and on broken input: the plan lines, the JSON form, and exit codes 0 / 2.
use std::path::{Path, PathBuf};
use std::process::Output;
use wnm_engine::{Action, Plan, Reason};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples")
}

/// Run `wnm` with `args`. The test drives the binary under test itself, so it spawns it directly
/// (no node or system tool is started; the Runner rule is about those).
fn wnm(args: &[&str]) -> Output {
    #[allow(clippy::disallowed_methods)]
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wnm"))
        .args(args)
        .env_clear()
        .output()
        .expect("the wnm binary runs");
    out
}

fn plan_text(file: &str) -> (i32, String, String) {
    let path = examples().join(file);
    let out = wnm(&["plan", "--snapshot", path.to_str().unwrap()]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn calm_host_adds_a_node_in_the_lowest_hole() {
    let (code, out, err) = plan_text("calm.json");
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(
        out,
        "add antnode0004: 4 nodes < node_cap 20 and resources allow\n"
    );
}

#[test]
fn high_cpu_stops_the_youngest_running_node() {
    let (code, out, err) = plan_text("cpu-high.json");
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "stop antnode0003: cpu 83% > cpu_remove 70%\n");
}

#[test]
fn full_disk_removes_the_youngest_stopped_node() {
    let (code, out, err) = plan_text("disk-full.json");
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(out, "remove antnode0006: disk 93.4% > hd_remove 90%\n");
}

#[test]
fn housekeeping_example_settles_and_deletes_first() {
    let (code, out, err) = plan_text("housekeeping.json");
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(
        out,
        "delete antnode4: node is DEAD\n\
         settle antnode8: RESTARTING for 886s >= 300s\n\
         at global capacity: 2 operations in flight >= max_concurrent_operations 2\n"
    );
}

#[test]
fn json_output_is_the_plan() {
    let path = examples().join("calm.json");
    let out = wnm(&["plan", "--snapshot", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let plan: Plan = serde_json::from_slice(&out.stdout).expect("stdout is a Plan");
    assert_eq!(plan.idle, None);
    assert_eq!(plan.steps.len(), 1);
    let step = &plan.steps[0];
    assert!(matches!(step.action, Action::Add { id: 4, .. }), "{step:?}");
    assert_eq!(step.service_name, "antnode0004");
    assert_eq!(step.why, Reason::Capacity { total: 4, cap: 20 });

    let idle = wnm(&[
        "plan",
        "--snapshot",
        examples().join("housekeeping.json").to_str().unwrap(),
        "--json",
    ]);
    let plan: Plan = serde_json::from_slice(&idle.stdout).unwrap();
    assert_eq!(
        plan.idle,
        Some(Reason::AtGlobalCapacity { ops: 2, limit: 2 })
    );
}

#[test]
fn broken_json_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(
        &file,
        "{\"now\": 1795352886,\n \"machine\": {\"cpu_remov\": 70},\n \"snapshot\": {}}\n",
    )
    .unwrap();
    let out = wnm(&["plan", "--snapshot", file.to_str().unwrap()]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains(file.to_str().unwrap()), "{err}");
    assert!(err.contains("cpu_remov"), "{err}");
    assert!(err.contains("line 2"), "{err}");

    std::fs::write(&file, "{\"now\": 1, \"snapshot\": {\"nodes\": [").unwrap();
    let out = wnm(&["plan", "--snapshot", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("EOF"));
}

#[test]
fn missing_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nope.json");
    let out = wnm(&["plan", "--snapshot", file.to_str().unwrap()]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains("nope.json"), "{err}");
}
