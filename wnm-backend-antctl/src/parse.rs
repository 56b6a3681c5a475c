//! Reading antctl's output (pure): the `Services Added:` block `antctl add` prints, and the
//! `{"nodes":[...],"daemon":...}` document of `antctl status --json` with whatever log lines
//! surround it (antctl `--debug` logs, merged streams). Shapes are those of the captured
//! antctl 0.14.2 output in `tests/fixtures/`.
use serde::Deserialize;
use wnm_core::{Error, Result};

/// A registry entry's status as antctl reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AntctlStatus {
    /// Added, never started.
    Added,
    /// Running (antctl found its process).
    Running,
    /// Stopped (or found not running).
    Stopped,
    /// Removed: the entry stays, its number and ports are never used again until `reset`.
    Removed,
}

/// One node of `antctl status --json` (the fields wnm uses; the others are ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RegistryNode {
    /// `antnode1`.
    pub service_name: String,
    /// The number in the name.
    pub number: u32,
    /// Added, Running, Stopped, Removed.
    pub status: AntctlStatus,
    /// Pid of a running node.
    #[serde(default)]
    pub pid: Option<u32>,
    /// Peer id, once a start read it over RPC.
    #[serde(default)]
    pub peer_id: Option<String>,
    /// Version of the node's binary (`0.4.11`).
    #[serde(default)]
    pub version: String,
    /// The node's own binary copy.
    pub antnode_path: String,
    /// Its data (root) dir.
    pub data_dir_path: String,
    /// Its log dir.
    pub log_dir_path: String,
    /// UDP port (`None` when antctl was to choose and has not recorded one).
    #[serde(default)]
    pub node_port: Option<u16>,
    /// Metrics server port (`None`: no metrics server).
    #[serde(default)]
    pub metrics_port: Option<u16>,
    /// `127.0.0.1:30001`.
    #[serde(default)]
    pub rpc_socket_addr: String,
    /// Rewards address (antctl writes it in lower case).
    #[serde(default)]
    pub rewards_address: String,
    /// The user a system-wide node runs as (`None` in user mode).
    #[serde(default)]
    pub user: Option<String>,
    /// A user-mode service (`systemctl --user`).
    #[serde(default)]
    pub user_mode: bool,
    /// `"ArbitrumOne"`, `"ArbitrumSepoliaTest"`, or `{"Custom": {...}}`.
    #[serde(default)]
    pub evm_network: serde_json::Value,
}

impl RegistryNode {
    /// The RPC port out of `rpc_socket_addr` (0 when unreadable).
    pub fn rpc_port(&self) -> u16 {
        self.rpc_socket_addr
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse().ok())
            .unwrap_or(0)
    }

    /// The network subcommand antctl passes the node (`evm-arbitrum-one`).
    pub fn network(&self) -> String {
        match &self.evm_network {
            serde_json::Value::String(s) if s == "ArbitrumOne" => "evm-arbitrum-one".into(),
            serde_json::Value::String(s) if s == "ArbitrumSepoliaTest" => {
                "evm-arbitrum-sepolia-test".into()
            }
            serde_json::Value::String(s) if s == "Local" => "evm-local".into(),
            serde_json::Value::Object(o) if o.contains_key("Custom") => "evm-custom".into(),
            _ => String::new(),
        }
    }
}

/// The whole `antctl status --json` document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct StatusReport {
    /// Every registry entry, removed ones included, in number order.
    pub nodes: Vec<RegistryNode>,
}

impl StatusReport {
    /// The entry named `service_name`.
    pub fn find(&self, service_name: &str) -> Option<&RegistryNode> {
        self.nodes.iter().find(|n| n.service_name == service_name)
    }

    /// The number antctl gives the next node it adds: entries + 1 (removed ones count).
    pub fn next_number(&self) -> u32 {
        self.nodes.len() as u32 + 1
    }
}

/// Parse `antctl status --json` stdout. Empty output is an empty registry (antctl prints nothing
/// then). Log lines may come before and after the document: the first line opening a JSON object
/// that parses as a status document wins; text after it is ignored.
pub fn parse_status(out: &str) -> Result<StatusReport> {
    if out.trim().is_empty() {
        return Ok(StatusReport::default());
    }
    let mut first_error = None;
    let mut offset = 0;
    for line in out.split_inclusive('\n') {
        if line.trim_start().starts_with('{') {
            let start = offset + (line.len() - line.trim_start().len());
            let mut stream =
                serde_json::Deserializer::from_str(&out[start..]).into_iter::<StatusReport>();
            match stream.next() {
                Some(Ok(r)) => return Ok(r),
                Some(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                None => {}
            }
        }
        offset += line.len();
    }
    Err(Error::backend(match first_error {
        Some(e) => format!("`antctl status --json` printed a document wnm cannot read: {e}"),
        None => format!(
            "`antctl status --json` printed no JSON document: {}",
            excerpt(out)
        ),
    }))
}

/// A node `antctl add` reports under `Services Added:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedService {
    /// `antnode1`.
    pub service_name: String,
    /// `- Antnode path:` the node's binary copy.
    pub antnode_path: String,
    /// `- Data path:`.
    pub data_path: String,
    /// `- Log path:`.
    pub log_path: String,
    /// The port of `- RPC port: 127.0.0.1:30001`.
    pub rpc_port: u16,
}

/// Parse the `Services Added:` block of `antctl add` stdout (colour codes and other lines are
/// skipped). Every service needs all four detail lines.
pub fn parse_added(out: &str) -> Result<Vec<AddedService>> {
    let text = strip_ansi(out);
    let mut in_block = false;
    let mut added: Vec<AddedService> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t == "Services Added:" {
            in_block = true;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(name) = t.strip_prefix('✓') {
            added.push(AddedService {
                service_name: name.trim().to_string(),
                ..Default::default()
            });
        } else if let Some(detail) = t.strip_prefix("- ") {
            let Some(cur) = added.last_mut() else {
                continue;
            };
            let Some((key, value)) = detail.split_once(": ") else {
                continue;
            };
            let value = value.trim().to_string();
            match key {
                "Antnode path" => cur.antnode_path = value,
                "Data path" => cur.data_path = value,
                "Log path" => cur.log_path = value,
                "RPC port" => {
                    cur.rpc_port = value
                        .rsplit_once(':')
                        .map_or(value.as_str(), |(_, p)| p)
                        .parse()
                        .map_err(|_| {
                            Error::backend(format!(
                                "antctl add printed an RPC port wnm cannot read: {value:?}"
                            ))
                        })?;
                }
                _ => {}
            }
        } else if !t.is_empty() {
            in_block = false;
        }
    }
    for a in &added {
        if a.antnode_path.is_empty() || a.data_path.is_empty() || a.log_path.is_empty() {
            return Err(Error::backend(format!(
                "antctl add reported {} without its binary, data and log paths: {}",
                a.service_name,
                excerpt(out)
            )));
        }
    }
    Ok(added)
}

/// `out` without ANSI escape sequences (`ESC [ ... letter`).
pub fn strip_ansi(out: &str) -> String {
    let mut s = String::with_capacity(out.len());
    let mut chars = out.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            s.push(c);
        }
    }
    s
}

/// The last lines of a command's output, colour codes removed, for error messages (antctl
/// `--debug` output runs to thousands of lines).
pub fn excerpt(out: &str) -> String {
    const LINES: usize = 12;
    let clean = strip_ansi(out);
    let lines: Vec<&str> = clean.lines().filter(|l| !l.trim().is_empty()).collect();
    let skip = lines.len().saturating_sub(LINES);
    let mut s = lines[skip..].join(" | ");
    if skip > 0 {
        s = format!("... {s}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture;

    #[test]
    fn status_of_every_state() {
        let r = parse_status(&fixture("status-four-states.json")).unwrap();
        let got: Vec<(&str, u32, AntctlStatus, Option<u32>)> = r
            .nodes
            .iter()
            .map(|n| (n.service_name.as_str(), n.number, n.status, n.pid))
            .collect();
        assert_eq!(
            got,
            vec![
                ("antnode1", 1, AntctlStatus::Running, Some(258)),
                ("antnode2", 2, AntctlStatus::Removed, None),
                ("antnode3", 3, AntctlStatus::Added, None),
                ("antnode4", 4, AntctlStatus::Stopped, None),
            ]
        );
        assert_eq!(r.next_number(), 5);
        let n1 = r.find("antnode1").unwrap();
        assert_eq!(n1.rpc_port(), 30001);
        assert_eq!(n1.node_port, Some(55001));
        assert_eq!(n1.metrics_port, Some(13001));
        assert_eq!(n1.network(), "evm-arbitrum-one");
        assert_eq!(
            n1.peer_id.as_deref(),
            Some("12D3KooWRpvHtqkcXkF9SUjFMJkAcPwimRWwUsPhtL67KsrvxqoR")
        );
        assert_eq!(n1.user.as_deref(), Some("ant"));
        assert!(r.find("antnode5").is_none());
    }

    #[test]
    fn status_with_debug_logs_around_it() {
        let merged = fixture("status-debug.merged");
        assert!(
            merged.starts_with('['),
            "the capture starts with a log line"
        );
        assert!(merged.trim_end().ends_with(']') || merged.contains("Saving node registry"));
        let r = parse_status(&merged).unwrap();
        assert_eq!(r.nodes.len(), 4);
        assert_eq!(r.nodes[3].status, AntctlStatus::Stopped);
    }

    #[test]
    fn empty_output_is_an_empty_registry() {
        assert_eq!(parse_status("").unwrap().next_number(), 1);
        assert_eq!(parse_status("\n").unwrap().nodes.len(), 0);
    }

    #[test]
    fn unreadable_status_is_an_error_naming_it() {
        let e = parse_status("Error: the registry is corrupt\n").unwrap_err();
        assert!(e.to_string().contains("no JSON document"), "{e}");
        assert!(e.to_string().contains("registry is corrupt"), "{e}");
        let e = parse_status("{\"nodes\": [{\"service_name\": 3}]}\n").unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
        let e = parse_status(
            "{\"nodes\":[{\"service_name\":\"antnode1\",\"number\":1,\"status\":\"Exploded\",\"antnode_path\":\"/x\",\"data_dir_path\":\"/d\",\"log_dir_path\":\"/l\"}]}",
        )
        .unwrap_err();
        assert!(e.to_string().contains("Exploded"), "{e}");
    }

    #[test]
    fn user_mode_status() {
        let r = parse_status(&fixture("status-user.json")).unwrap();
        let n = &r.nodes[0];
        assert!(n.user_mode);
        assert_eq!(n.user, None);
        assert_eq!(
            n.log_dir_path,
            "/home/op/.local/share/autonomi/node/antnode1/logs"
        );
    }

    #[test]
    fn added_block_sudo_and_user() {
        for (file, data, log, rpc) in [
            (
                "add-first-sudo.stdout",
                "/var/antctl/services/antnode1",
                "/var/log/antnode/antnode1",
                30001,
            ),
            (
                "add-sudo.stdout",
                "/var/antctl/services/antnode1",
                "/var/log/antnode/antnode1",
                30001,
            ),
            (
                "add-user.stdout",
                "/home/op/.local/share/autonomi/node/antnode1",
                "/home/op/.local/share/autonomi/node/antnode1/logs",
                31001,
            ),
        ] {
            let a = parse_added(&fixture(file)).unwrap();
            assert_eq!(a.len(), 1, "{file}");
            assert_eq!(a[0].service_name, "antnode1", "{file}");
            assert_eq!(a[0].data_path, data, "{file}");
            assert_eq!(a[0].antnode_path, format!("{data}/antnode"), "{file}");
            assert_eq!(a[0].log_path, log, "{file}");
            assert_eq!(a[0].rpc_port, rpc, "{file}");
        }
    }

    #[test]
    fn added_block_in_colour_and_missing() {
        let coloured = fixture("add-sudo.stdout").replace('✓', "\u{1b}[32m✓\u{1b}[0m");
        assert_eq!(parse_added(&coloured).unwrap()[0].service_name, "antnode1");
        assert!(
            parse_added(&fixture("add-port-in-use.merged"))
                .unwrap()
                .is_empty()
        );
        let cut: String = fixture("add-sudo.stdout")
            .lines()
            .filter(|l| !l.contains("Data path"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(parse_added(&cut).is_err());
    }

    #[test]
    fn excerpt_keeps_the_end_without_colour() {
        let e = excerpt(&fixture("remove-unknown.stderr"));
        assert!(e.contains("No service named 'antnode2'"), "{e}");
        assert!(!e.contains('\u{1b}'), "{e}");
        let long: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let e = excerpt(&long);
        assert!(e.starts_with("... "), "{e}");
        assert!(e.ends_with("line 99"), "{e}");
    }
}
