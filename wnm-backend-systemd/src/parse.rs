//! Reading existing `antnode*.service` units (pure) into `Node`s: units written by anm, by the
//! Python wnm (user or system location) and by antctl, whatever the argument order or extra flags
//! (`ExecStart=` read by `wnm_core::profile::parse_launch_args`; a value its flag cannot take is
//! refused rather than guessed).
//!
//! The manager recorded is the one that really drives the unit (the Python wnm got this wrong):
//! antctl units (`--rpc`, unpadded `antnodeN` names, an `[Install]` section) are `antctl+sudo`
//! (`antctl+user` in a user location); other units are `systemd+sudo` in a system location and
//! `systemd+user` in `~/.config/systemd/user`.
use crate::execline::{split_env_assignments, split_exec_line};
use wnm_core::profile::{LaunchFacts, parse_launch_args};
use wnm_core::{
    Error, ManagerMode, Node, NodeStatus, ProcessManager, Result, UnixTime, parse_service_name,
    service_name,
};

/// A parsed unit file: sections with their `Key=value` entries, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFile {
    sections: Vec<(String, Vec<(String, String)>)>,
}

impl UnitFile {
    /// Parse unit file text: `[Section]` headers, `Key=value` lines, `#`/`;` comments, lines
    /// continued by a trailing backslash. A missing trailing newline is fine.
    pub fn parse(text: &str) -> Result<UnitFile> {
        let mut file = UnitFile::default();
        let mut pending = String::new();
        for raw in text.lines() {
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim();
            if pending.is_empty() && (trimmed.starts_with('#') || trimmed.starts_with(';')) {
                continue;
            }
            if let Some(body) = line.strip_suffix('\\') {
                pending.push_str(body);
                pending.push(' ');
                continue;
            }
            pending.push_str(line);
            let logical = std::mem::take(&mut pending);
            file.push_line(logical.trim())?;
        }
        if !pending.is_empty() {
            file.push_line(pending.trim())?;
        }
        Ok(file)
    }

    fn push_line(&mut self, line: &str) -> Result<()> {
        if line.is_empty() {
            return Ok(());
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            self.sections.push((name.trim().to_string(), Vec::new()));
            return Ok(());
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| Error::invalid_config(format!("unit line {line:?} is not Key=value")))?;
        let section = self.sections.last_mut().ok_or_else(|| {
            Error::invalid_config(format!("unit line {line:?} comes before any [Section]"))
        })?;
        section.1.push((k.trim().to_string(), v.trim().to_string()));
        Ok(())
    }

    /// True when the file has `[name]`.
    pub fn has_section(&self, name: &str) -> bool {
        self.sections.iter().any(|(s, _)| s == name)
    }

    /// Every value of `key` in `[section]`, in order.
    pub fn values(&self, section: &str, key: &str) -> Vec<&str> {
        self.sections
            .iter()
            .filter(|(s, _)| s == section)
            .flat_map(|(_, kv)| kv.iter())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The value in force for `key` (the last assignment; an empty assignment resets).
    pub fn value(&self, section: &str, key: &str) -> Option<&str> {
        self.values(section, key)
            .into_iter()
            .last()
            .filter(|v| !v.is_empty())
    }
}

/// Where a unit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLocation {
    /// `/etc/systemd/system` (root's units).
    System,
    /// `~/.config/systemd/user` (a user's units).
    User,
}

/// Who wrote a unit, as far as its contents tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitStyle {
    /// anm, the Python wnm or this wnm: `antnodeNNNN`, driven by systemctl directly.
    Systemd,
    /// antctl: driven through antctl.
    Antctl,
}

/// What the caller knows that the unit does not say.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// Where the file was found.
    pub location: UnitLocation,
    /// `User=` for units without one (user units run as the invoking user).
    pub default_user: String,
    /// Host the metrics servers are reached at.
    pub host: String,
    /// Time stamped on the node (status change, and creation when unknown).
    pub now: UnixTime,
}

/// A unit turned into a node, with how it was recognised.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedUnit {
    /// The node (status `Stopped` until the caller asks systemd).
    pub node: Node,
    /// Who wrote it.
    pub style: UnitStyle,
}

/// The style a unit's name and contents show.
pub fn unit_style(name: &str, id: u32, unit: &UnitFile, args: &LaunchFacts) -> UnitStyle {
    if args.rpc_port.is_some() || unit.has_section("Install") || name != service_name(id) {
        UnitStyle::Antctl
    } else {
        UnitStyle::Systemd
    }
}

/// Turn the unit file `file_name` (`antnode0001.service`) with contents `text` into a node.
pub fn parse_node_unit(file_name: &str, text: &str, ctx: &ParseContext) -> Result<ParsedUnit> {
    let name = file_name.strip_suffix(".service").unwrap_or(file_name);
    let id = parse_service_name(name)?;
    let unit = UnitFile::parse(text)
        .map_err(|e| Error::invalid_config(format!("{file_name}: {}", e.message())))?;
    let exec = unit
        .value("Service", "ExecStart")
        .ok_or_else(|| Error::invalid_config(format!("{file_name}: no ExecStart= line")))?;
    let argv = split_exec_line(exec)
        .map_err(|e| Error::invalid_config(format!("{file_name}: ExecStart=: {}", e.message())))?;
    let (binary, words) = argv
        .split_first()
        .ok_or_else(|| Error::invalid_config(format!("{file_name}: ExecStart= is empty")))?;
    let args = parse_launch_args(words);
    // A unit is read to be driven: a value that cannot be what its flag takes is not guessed.
    if let Some(bad) = args.invalid.first() {
        return Err(Error::invalid_config(format!("{file_name}: {bad}")));
    }
    let style = unit_style(name, id, &unit, &args);
    let root_dir = args.root_dir.clone().ok_or_else(|| {
        Error::invalid_config(format!("{file_name}: ExecStart= has no --root-dir"))
    })?;
    let port = args
        .port
        .ok_or_else(|| Error::invalid_config(format!("{file_name}: ExecStart= has no --port")))?;
    let mut env = Vec::new();
    for line in unit.values("Service", "Environment") {
        for (k, v) in split_env_assignments(line)
            .map_err(|e| Error::invalid_config(format!("{file_name}: {}", e.message())))?
        {
            env.push(format!("{k}={v}"));
        }
    }
    let mode = match ctx.location {
        UnitLocation::System => ManagerMode::Sudo,
        UnitLocation::User => ManagerMode::User,
    };
    let kind = match style {
        UnitStyle::Systemd => ProcessManager::SYSTEMD,
        UnitStyle::Antctl => ProcessManager::ANTCTL,
    };
    let host = match args.ip.as_deref() {
        Some(ip) if ip != "0.0.0.0" && ip != "::" => ip.to_string(),
        _ => ctx.host.clone(),
    };
    let node = Node {
        id,
        service_name: name.to_string(),
        port,
        metrics_port: args.metrics_port.unwrap_or(0),
        rpc_port: args.rpc_port.unwrap_or(0),
        root_dir,
        log_dir: args.log_dir.clone().unwrap_or_default(),
        binary: binary.clone(),
        user: unit
            .value("Service", "User")
            .map(str::to_string)
            .unwrap_or_else(|| ctx.default_user.clone()),
        wallet: args.wallet.clone().unwrap_or_default(),
        network: args.network.clone().unwrap_or_default(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: ctx.now,
        created_at: ctx.now,
        manager: ProcessManager::new(kind, mode)?,
        line: args.line(binary).name().to_string(),
        container_id: None,
        host,
        environment: env.join(" "),
        metrics: Default::default(),
    };
    Ok(ParsedUnit { node, style })
}

/// True for file names this backend looks at: `antnode<digits>.service`.
pub fn is_node_unit_name(file_name: &str) -> bool {
    file_name
        .strip_prefix("antnode")
        .and_then(|r| r.strip_suffix(".service"))
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ANM_UNIT, ANTCTL_CAPTURED_UNIT, ANTCTL_UNIT, WALLET};

    fn ctx(location: UnitLocation) -> ParseContext {
        ParseContext {
            location,
            default_user: "alice".into(),
            host: "127.0.0.1".into(),
            now: 1_700_000_000,
        }
    }

    #[test]
    fn anm_unit() {
        let p =
            parse_node_unit("antnode0001.service", ANM_UNIT, &ctx(UnitLocation::System)).unwrap();
        let n = &p.node;
        assert_eq!(p.style, UnitStyle::Systemd);
        assert_eq!(n.manager.to_string(), "systemd+sudo");
        assert_eq!((n.id, n.service_name.as_str()), (1, "antnode0001"));
        assert_eq!((n.port, n.metrics_port, n.rpc_port), (55001, 13001, 0));
        assert_eq!(n.root_dir, "/var/antctl/services/antnode0001");
        assert_eq!(n.log_dir, "/var/log/antnode/antnode0001");
        assert_eq!(n.binary, "/var/antctl/services/antnode0001/antnode");
        assert_eq!(n.user, "ant");
        assert_eq!(n.wallet, WALLET);
        assert_eq!(n.network, "evm-arbitrum-one");
        assert_eq!(n.environment, "ANT_LOG=ant_evm=error");
        assert_eq!(n.line, "antnode-0.4");
        assert_eq!(n.status, NodeStatus::Stopped);
    }

    #[test]
    fn python_wnm_user_unit() {
        // As the Python wnm 0.5.0 writes it in ~/.config/systemd/user: Environment before an
        // empty User line, --no-upnp after the log flags, --bootstrap-cache-dir first.
        let text = "[Unit]\nDescription=antnode0003\n[Service]\nEnvironment=\"RUST_LOG=info\"\n\n\
ExecStart=/home/alice/.local/share/autonomi/node/antnode0003/antnode --bootstrap-cache-dir /home/alice/.local/share/autonomi/bootstrap-cache --root-dir /home/alice/.local/share/autonomi/node/antnode0003 --port 55003 --enable-metrics-server --metrics-server-port 13003 --log-output-dest /home/alice/.local/share/autonomi/logs/antnode0003 --max-log-files 1 --max-archived-log-files 1 --no-upnp --rewards-address 0x00000000000000000000000000000000000000aa evm-arbitrum-sepolia-test\n\
Restart=always\n#RestartSec=300\n";
        let p = parse_node_unit("antnode0003.service", text, &ctx(UnitLocation::User)).unwrap();
        let n = &p.node;
        assert_eq!(n.manager.to_string(), "systemd+user");
        assert_eq!(n.id, 3);
        assert_eq!((n.port, n.metrics_port), (55003, 13003));
        assert_eq!(
            n.root_dir,
            "/home/alice/.local/share/autonomi/node/antnode0003"
        );
        assert_eq!(
            n.log_dir,
            "/home/alice/.local/share/autonomi/logs/antnode0003"
        );
        assert_eq!(n.user, "alice");
        assert_eq!(n.network, "evm-arbitrum-sepolia-test");
        assert_eq!(n.wallet, "0x00000000000000000000000000000000000000aa");
        assert_eq!(n.environment, "RUST_LOG=info");
    }

    #[test]
    fn python_wnm_sudo_unit_is_systemd_sudo() {
        let text = ANM_UNIT
            .replace("User=ant\n", "")
            .replace("ExecStart=", "User=ant\nExecStart=");
        let p = parse_node_unit("antnode0001.service", &text, &ctx(UnitLocation::System)).unwrap();
        assert_eq!(p.node.manager.to_string(), "systemd+sudo");
        assert_eq!(p.node.user, "ant");
    }

    #[test]
    fn antctl_units_both_files() {
        for (text, port, metrics, rpc) in [
            (ANTCTL_UNIT, 55001, 13001, 34517),
            (ANTCTL_CAPTURED_UNIT, 43235, 0, 36207),
        ] {
            let p = parse_node_unit("antnode1.service", text, &ctx(UnitLocation::System)).unwrap();
            let n = &p.node;
            assert_eq!(p.style, UnitStyle::Antctl);
            assert_eq!(n.manager.to_string(), "antctl+sudo");
            assert_eq!((n.id, n.service_name.as_str()), (1, "antnode1"));
            assert_eq!((n.port, n.metrics_port, n.rpc_port), (port, metrics, rpc));
            assert_eq!(n.root_dir, "/var/antctl/services/antnode1");
            assert_eq!(n.log_dir, "/var/log/antnode/antnode1");
            assert_eq!(n.binary, "/var/antctl/services/antnode1/antnode");
            assert_eq!(n.user, "ant");
            assert_eq!(n.wallet, WALLET);
            assert_eq!(n.network, "evm-arbitrum-one");
            assert_eq!(n.environment, "");
        }
        assert!(!ANTCTL_CAPTURED_UNIT.ends_with('\n'));
    }

    #[test]
    fn argument_order_extra_flags_and_inline_values_are_tolerated() {
        let text = "[Service]\nExecStart=/x/antnode --owner someone --port=55009 --relay \
--rewards-address 0xab --unknown-flag value --root-dir '/data/ant node9' \\\n  --metrics-server-port 13009 \
--log-output-dest /logs/9 --future-bool evm-custom --rpc-url http://x\nUser=ant\n";
        let p = parse_node_unit("antnode0009.service", text, &ctx(UnitLocation::System)).unwrap();
        let n = &p.node;
        assert_eq!((n.port, n.metrics_port), (55009, 13009));
        assert_eq!(n.root_dir, "/data/ant node9");
        assert_eq!(n.network, "evm-custom");
        assert_eq!(n.wallet, "0xab");
        assert_eq!(p.style, UnitStyle::Systemd);
    }

    #[test]
    fn new_line_units_are_recognised() {
        let text = "[Service]\nExecStart=/n/ant-node --root-dir /n/r --port 55004 --rewards-address 0xab \
--enable-logging --log-dir /n/l --stop-on-upgrade --evm-network arbitrum-one\n";
        let n = parse_node_unit("antnode0004.service", text, &ctx(UnitLocation::User))
            .unwrap()
            .node;
        assert_eq!(n.line, "ant-node-2026");
        assert_eq!(n.network, "evm-arbitrum-one");
        assert_eq!(n.log_dir, "/n/l");
        // the 2026 line's flags tell even when its binary was renamed
        let renamed = text.replace("/n/ant-node ", "/n/antnode ");
        let n = parse_node_unit("antnode0004.service", &renamed, &ctx(UnitLocation::User))
            .unwrap()
            .node;
        assert_eq!(n.line, "ant-node-2026");
    }

    #[test]
    fn broken_units_say_what_is_missing() {
        let e = parse_node_unit(
            "antnode0001.service",
            "[Service]\nUser=ant\n",
            &ctx(UnitLocation::System),
        )
        .unwrap_err();
        assert!(e.message().contains("no ExecStart"), "{e}");
        let e = parse_node_unit(
            "antnode0001.service",
            "[Service]\nExecStart=/x --root-dir /r\n",
            &ctx(UnitLocation::System),
        )
        .unwrap_err();
        assert!(e.message().contains("--port"), "{e}");
        let e = parse_node_unit(
            "antnode0001.service",
            "[Service]\nExecStart=/x --root-dir /r --port 99999\n",
            &ctx(UnitLocation::System),
        )
        .unwrap_err();
        assert!(e.message().contains("99999"), "{e}");
        let e = parse_node_unit(
            "antnode0001.service",
            "[Service]\nExecStart=/x --root-dir /r --port 1 --rpc nowhere\n",
            &ctx(UnitLocation::System),
        )
        .unwrap_err();
        assert!(e.message().contains("\"nowhere\" is not IP:PORT"), "{e}");
        assert!(parse_node_unit("foo.service", ANM_UNIT, &ctx(UnitLocation::System)).is_err());
    }

    #[test]
    fn generated_units_parse_back_to_the_same_node() {
        use crate::unit::UnitSpec;
        let mut node = crate::testutil::anm_node();
        node.root_dir = "/srv/my nodes/antnode0001".into();
        node.binary = "/srv/my nodes/antnode0001/antnode".into();
        node.environment = "A=1 B=x%y".into();
        let m = wnm_core::Machine {
            no_upnp: true,
            start_args: "--relay".into(),
            ..Default::default()
        };
        let text = UnitSpec::for_node(
            &node,
            &wnm_core::Antnode04,
            &wnm_core::LaunchOptions::from_machine(&m),
            &[],
            Some("ant"),
        )
        .unwrap()
        .render();
        let back = parse_node_unit("antnode0001.service", &text, &ctx(UnitLocation::System))
            .unwrap()
            .node;
        let mut expect = node.clone();
        expect.status_changed_at = back.status_changed_at;
        expect.created_at = back.created_at;
        assert_eq!(back, expect);
    }

    #[test]
    fn unit_names() {
        assert!(is_node_unit_name("antnode0001.service"));
        assert!(is_node_unit_name("antnode1.service"));
        assert!(!is_node_unit_name("antnode.service"));
        assert!(!is_node_unit_name("antnode0001.service.bak"));
        assert!(!is_node_unit_name("antnode-1.service"));
    }
}
