//! The files wnm and a pod's supervisor talk through, in the pod's control dir:
//! `antnodeNNNN.json` (desired state, written by wnm) and `antnodeNNNN.state` (what the
//! supervisor did about it). Both are JSON with a `format` number; unknown fields are ignored
//! and missing ones take defaults, so wnm and a pod running another wnm version still agree.
//!
//! Desired state:
//! ```json
//! {"format":1,"seq":1767000000123456789,"want":"running",
//!  "launch":{"program":"/n/antnode0001/antnode","args":["--root-dir","/n/antnode0001","..."],
//!            "env":[["RUST_LOG","info"]],"cwd":"/n/antnode0001",
//!            "stdout":"/l/antnode0001/stdout.log","stderr":"/l/antnode0001/stderr.log"},
//!  "node":{"id":1,"service_name":"antnode0001","port":55001,"metrics_port":13001,"...":"..."}}
//! ```
//! `seq` grows with every write; the state file echoes the `seq` the supervisor has acted on,
//! so wnm knows a state answers its latest request. `node` is what `discover` rebuilds rows
//! from; the supervisor reads only `seq`, `want` and `launch`.
//!
//! State: `{"format":1,"seq":...,"state":"running","pid":42,"since":1767000000,"restarts":0,
//! "last_exit":"exit code 101","error":null}` with `state` one of `running`, `stopping`,
//! `stopped`, `backoff` (crashed, restarted after a delay), `failed` (could not be started).
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use wnm_core::{Error, Node, Result};
use wnm_runner::nodefs::write_atomic;

/// The format number written; readers accept this and older.
pub const FORMAT: u32 = 1;

/// What wnm wants of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Want {
    /// Keep it running (restart it when it exits).
    Running,
    /// Keep it stopped.
    #[default]
    Stopped,
}

/// How to start a node: program and arguments as a list, never a shell string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Launch {
    /// The node's own binary copy.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Working directory (the node's root dir).
    pub cwd: String,
    /// File its stdout is appended to.
    pub stdout: String,
    /// File its stderr is appended to.
    pub stderr: String,
}

/// The node facts `discover` rebuilds a row from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct NodeRecord {
    /// Node number.
    pub id: u32,
    /// `antnodeNNNN`.
    pub service_name: String,
    /// UDP port.
    pub port: u16,
    /// Metrics port.
    pub metrics_port: u16,
    /// RPC port.
    pub rpc_port: u16,
    /// Root dir.
    pub root_dir: String,
    /// Log dir.
    pub log_dir: String,
    /// Binary copy.
    pub binary: String,
    /// OS user.
    pub user: String,
    /// Rewards address.
    pub wallet: String,
    /// Network subcommand.
    pub network: String,
    /// Node line name.
    pub line: String,
    /// The node's own environment (`K=V` pairs).
    pub environment: String,
    /// Host its metrics are read at.
    pub host: String,
    /// Creation time (epoch s).
    pub created_at: i64,
}

impl NodeRecord {
    /// The record of `node`.
    pub fn of(node: &Node) -> Self {
        NodeRecord {
            id: node.id,
            service_name: node.service_name.clone(),
            port: node.port,
            metrics_port: node.metrics_port,
            rpc_port: node.rpc_port,
            root_dir: node.root_dir.clone(),
            log_dir: node.log_dir.clone(),
            binary: node.binary.clone(),
            user: node.user.clone(),
            wallet: node.wallet.clone(),
            network: node.network.clone(),
            line: node.line.clone(),
            environment: node.environment.clone(),
            host: node.host.clone(),
            created_at: node.created_at,
        }
    }
}

/// The desired-state file of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Desired {
    /// File format.
    pub format: u32,
    /// Request number; grows with every write.
    pub seq: u64,
    /// Running or stopped.
    pub want: Want,
    /// How to start it.
    pub launch: Launch,
    /// The node's facts (for `discover`).
    pub node: NodeRecord,
}

/// What the supervisor reports a node doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// The process runs.
    Running,
    /// SIGTERM sent, waiting for it to exit (SIGKILL after the grace).
    Stopping,
    /// Not running, and not wanted.
    #[default]
    Stopped,
    /// It exited while wanted; restarted after a delay.
    Backoff,
    /// It could not be started (the error says why); retried after a delay.
    Failed,
}

/// The state file of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct NodeState {
    /// File format.
    pub format: u32,
    /// The desired `seq` this state answers.
    pub seq: u64,
    /// What the process does.
    pub state: RunState,
    /// Its pid inside the pod, while running or stopping.
    pub pid: Option<u32>,
    /// When it entered this state (epoch s).
    pub since: i64,
    /// How often the supervisor restarted it after it exited by itself.
    pub restarts: u32,
    /// How it last exited (`exit code 101`, `signal 9`).
    pub last_exit: Option<String>,
    /// Why it could not be started.
    pub error: Option<String>,
}

/// `<dir>/<service>.json`.
pub fn desired_path(dir: &Path, service: &str) -> PathBuf {
    dir.join(format!("{service}.json"))
}

/// `<dir>/<service>.state`.
pub fn state_path(dir: &Path, service: &str) -> PathBuf {
    dir.join(format!("{service}.state"))
}

/// The service name a control-dir file belongs to (`antnode0001.json` -> `antnode0001`), for
/// files of kind `ext` (`json`, `state`); temp files (leading dot) and other names are `None`.
pub fn service_of<'a>(file_name: &'a str, ext: &str) -> Option<&'a str> {
    let stem = file_name.strip_suffix(ext)?.strip_suffix('.')?;
    let digits = stem.strip_prefix("antnode")?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(stem)
}

/// Services with a desired-state file in `dir`, sorted; a missing dir has none.
pub fn services_in(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("reading {}", dir.display()), e)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        if let Some(s) = service_of(&name.to_string_lossy(), "json") {
            out.push(s.to_string());
        }
    }
    out.sort();
    Ok(out)
}

/// Parse a desired-state file's text.
pub fn parse_desired(text: &str, what: &Path) -> Result<Desired> {
    let d: Desired = serde_json::from_str(text).map_err(|e| {
        Error::new(
            wnm_core::ErrorKind::BadAnswer,
            format!("{} is not a desired-state file: {e}", what.display()),
        )
    })?;
    check_format(d.format, what)?;
    Ok(d)
}

/// Parse a state file's text.
pub fn parse_state(text: &str, what: &Path) -> Result<NodeState> {
    let s: NodeState = serde_json::from_str(text).map_err(|e| {
        Error::new(
            wnm_core::ErrorKind::BadAnswer,
            format!("{} is not a node state file: {e}", what.display()),
        )
    })?;
    check_format(s.format, what)?;
    Ok(s)
}

fn check_format(format: u32, what: &Path) -> Result<()> {
    if format == 0 || format > FORMAT {
        return Err(Error::new(
            wnm_core::ErrorKind::BadAnswer,
            format!(
                "{} has format {format}; this wnm reads formats 1 to {FORMAT} (a newer wnm wrote it?)",
                what.display()
            ),
        ));
    }
    Ok(())
}

/// Read a desired-state file; `None` when it does not exist.
pub fn read_desired(path: &Path) -> Result<Option<Desired>> {
    match std::fs::read_to_string(path) {
        Ok(t) => parse_desired(&t, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Read a state file; `None` when it does not exist.
pub fn read_state(path: &Path) -> Result<Option<NodeState>> {
    match std::fs::read_to_string(path) {
        Ok(t) => parse_state(&t, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

/// Write a desired-state file.
pub fn write_desired(path: &Path, d: &Desired) -> Result<()> {
    let text = serde_json::to_vec(d).map_err(|e| Error::backend(format!("encoding: {e}")))?;
    write_atomic(path, &text)
}

/// Write a state file.
pub fn write_state(path: &Path, s: &NodeState) -> Result<()> {
    let text = serde_json::to_vec(s).map_err(|e| Error::backend(format!("encoding: {e}")))?;
    write_atomic(path, &text)
}

/// Delete a file; one already gone is fine.
pub fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(format!("deleting {}", path.display()), e)),
    }
}

/// The next request number after `previous`: the clock in nanoseconds, or one more than
/// `previous` when the clock is behind it.
pub fn next_seq(previous: u64, now_nanos: u64) -> u64 {
    now_nanos.max(previous.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_round_trip_and_tolerance() {
        let d = Desired {
            format: FORMAT,
            seq: 7,
            want: Want::Running,
            launch: Launch {
                program: "/n/antnode0001/antnode".into(),
                args: vec!["--root-dir".into(), "/n/antnode0001".into()],
                env: vec![("K".into(), "v w".into())],
                cwd: "/n/antnode0001".into(),
                stdout: "/l/antnode0001/stdout.log".into(),
                stderr: "/l/antnode0001/stderr.log".into(),
            },
            node: NodeRecord {
                id: 1,
                service_name: "antnode0001".into(),
                ..Default::default()
            },
        };
        let text = serde_json::to_string(&d).unwrap();
        assert!(text.contains(r#""want":"running""#), "{text}");
        assert!(text.contains(r#""env":[["K","v w"]]"#), "{text}");
        assert_eq!(parse_desired(&text, Path::new("x")).unwrap(), d);
        // Fields a later wnm adds are ignored; fields an earlier one lacked take defaults.
        let old = r#"{"format":1,"seq":3,"want":"stopped","launch":{"program":"/b"},"extra":true}"#;
        let p = parse_desired(old, Path::new("x")).unwrap();
        assert_eq!(
            (p.seq, p.want, p.launch.program.as_str()),
            (3, Want::Stopped, "/b")
        );
        assert!(p.launch.args.is_empty());
        // A newer format, a missing format and junk are refused with the file named.
        for bad in [
            r#"{"format":2}"#,
            r#"{"seq":1}"#,
            "not json",
            r#"{"format":1,"want":"x"}"#,
        ] {
            let e = parse_desired(bad, Path::new("/c/antnode0001.json")).unwrap_err();
            assert!(e.message().contains("/c/antnode0001.json"), "{bad}: {e}");
        }
    }

    #[test]
    fn state_round_trip() {
        let s = NodeState {
            format: FORMAT,
            seq: 9,
            state: RunState::Backoff,
            pid: None,
            since: 100,
            restarts: 2,
            last_exit: Some("exit code 101".into()),
            error: None,
        };
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.contains(r#""state":"backoff""#), "{text}");
        assert_eq!(parse_state(&text, Path::new("x")).unwrap(), s);
    }

    #[test]
    fn file_names() {
        assert_eq!(service_of("antnode0001.json", "json"), Some("antnode0001"));
        assert_eq!(
            service_of("antnode12345.state", "state"),
            Some("antnode12345")
        );
        for bad in [
            ".antnode0001.json.77.tmp",
            "antnode.json",
            "antnode0001.json.bak",
            "antnode0001.state",
            "x0001.json",
            "antnode00a1.json",
        ] {
            assert_eq!(service_of(bad, "json"), None, "{bad}");
        }
        let d = tempfile::tempdir().unwrap();
        assert!(services_in(&d.path().join("missing")).unwrap().is_empty());
        for f in [
            "antnode0002.json",
            "antnode0001.json",
            "antnode0001.state",
            ".antnode0003.json.1.tmp",
        ] {
            std::fs::write(d.path().join(f), "{}").unwrap();
        }
        assert_eq!(
            services_in(d.path()).unwrap(),
            ["antnode0001", "antnode0002"]
        );
    }

    #[test]
    fn files_are_replaced_whole() {
        let d = tempfile::tempdir().unwrap();
        let p = state_path(d.path(), "antnode0001");
        assert!(read_state(&p).unwrap().is_none());
        let s = NodeState {
            format: FORMAT,
            seq: 1,
            ..Default::default()
        };
        write_state(&p, &s).unwrap();
        assert_eq!(read_state(&p).unwrap().unwrap(), s);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        remove_file(&p).unwrap();
        remove_file(&p).unwrap();
        assert_eq!(next_seq(5, 3), 6);
        assert_eq!(next_seq(5, 30), 30);
    }
}
