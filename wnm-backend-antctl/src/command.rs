//! Building every antctl command wnm runs (pure): `[sudo -n] antctl [--debug] SUBCOMMAND ...`,
//! arguments as a list, each with a timeout. antctl 0.14.2 refreshes every registry entry on
//! each call (it runs each running node's binary with `--version`), so calls cost time in
//! proportion to the host's nodes: the timeouts are generous.
use crate::config::AntctlConfig;
use std::time::Duration;
use wnm_core::CommandSpec;

/// `status --json`, `stop`, `remove`, `upgrade`, `reset`: bounded by the registry refresh.
pub const REFRESH_TIMEOUT: Duration = Duration::from_secs(600);
/// `add`: copies the binary, may create the `ant` user.
pub const ADD_TIMEOUT: Duration = Duration::from_secs(300);
/// `start`: the registry refresh, `systemctl start`, then up to ~10 s of RPC to the new node.
pub const START_TIMEOUT: Duration = Duration::from_secs(600);

/// One `antctl add` of a single node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddSpec {
    /// `--data-dir-path`: the parent of node dirs (`None`: antctl's default, zen).
    pub data_dir: Option<String>,
    /// `--log-dir-path`: the parent of log dirs (`None`: antctl's default, zen).
    pub log_dir: Option<String>,
    /// `--node-port`.
    pub node_port: u16,
    /// `--metrics-port`.
    pub metrics_port: u16,
    /// `--rpc-port`.
    pub rpc_port: u16,
    /// `--rewards-address`.
    pub rewards_address: String,
    /// Node options mapped from `no_upnp` and `start_args` ([`crate::args::add_options`]).
    pub options: Vec<String>,
    /// `--env KEY=VALUE` pairs ([`crate::args::env_options`]).
    pub env: Vec<String>,
    /// `--path`: the binary antctl copies into the node dir.
    pub binary: String,
    /// The EVM network subcommand (`evm-arbitrum-one`).
    pub network: String,
}

/// The antctl command builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Antctl {
    /// The antctl binary.
    pub program: String,
    /// Through `sudo -n`.
    pub sudo: bool,
    /// `--debug` before the subcommand.
    pub debug: bool,
    /// `XDG_RUNTIME_DIR` to set.
    pub runtime_dir: Option<String>,
}

impl Antctl {
    /// The builder for `cfg`.
    pub fn new(cfg: &AntctlConfig) -> Antctl {
        Antctl {
            program: cfg.program.clone(),
            sudo: cfg.sudo,
            debug: cfg.debug,
            runtime_dir: cfg.runtime_dir.clone(),
        }
    }

    fn command(&self, args: Vec<String>, timeout: Duration) -> CommandSpec {
        let mut a: Vec<String> = Vec::with_capacity(args.len() + 3);
        if self.sudo {
            a.push("-n".into());
            a.push(self.program.clone());
        }
        if self.debug {
            a.push("--debug".into());
        }
        a.extend(args);
        let mut cmd = if self.sudo {
            CommandSpec::new("sudo", a)
        } else {
            CommandSpec::new(self.program.clone(), a)
        };
        if let Some(dir) = &self.runtime_dir {
            cmd.env.push(("XDG_RUNTIME_DIR".into(), dir.clone()));
        }
        cmd.timeout = Some(timeout);
        cmd
    }

    /// `antctl add --count 1 [--data-dir-path D] [--log-dir-path L] --node-port P --metrics-port M
    /// --rpc-port R --rewards-address W [options] [--env K=V]... --path BIN NETWORK`. `--count`
    /// is left out with `--first`, which antctl refuses beside it.
    pub fn add(&self, spec: &AddSpec) -> CommandSpec {
        let mut a: Vec<String> = vec!["add".into()];
        if !spec.options.iter().any(|o| o == "--first") {
            a.extend(["--count".into(), "1".into()]);
        }
        if let Some(d) = &spec.data_dir {
            a.extend(["--data-dir-path".into(), d.clone()]);
        }
        if let Some(d) = &spec.log_dir {
            a.extend(["--log-dir-path".into(), d.clone()]);
        }
        a.extend([
            "--node-port".into(),
            spec.node_port.to_string(),
            "--metrics-port".into(),
            spec.metrics_port.to_string(),
            "--rpc-port".into(),
            spec.rpc_port.to_string(),
            "--rewards-address".into(),
            spec.rewards_address.clone(),
        ]);
        a.extend(spec.options.iter().cloned());
        a.extend(spec.env.iter().cloned());
        a.extend(["--path".into(), spec.binary.clone()]);
        if !spec.network.is_empty() {
            a.push(spec.network.clone());
        }
        self.command(a, ADD_TIMEOUT)
    }

    /// `antctl start --service-name NAME --interval 0`: a fixed (zero) interval instead of
    /// antctl's default wait of up to 300 s for the node to connect to more than five peers;
    /// wnm's own `delay_start` and survey judge the node.
    pub fn start(&self, name: &str) -> CommandSpec {
        self.command(
            strings(&["start", "--service-name", name, "--interval", "0"]),
            START_TIMEOUT,
        )
    }

    /// `antctl stop --service-name NAME`.
    pub fn stop(&self, name: &str) -> CommandSpec {
        self.command(strings(&["stop", "--service-name", name]), REFRESH_TIMEOUT)
    }

    /// `antctl remove --service-name NAME` (deletes its data and log dirs; the entry stays as
    /// Removed).
    pub fn remove(&self, name: &str) -> CommandSpec {
        self.command(
            strings(&["remove", "--service-name", name]),
            REFRESH_TIMEOUT,
        )
    }

    /// `antctl upgrade --service-name NAME --path BIN --force --do-not-start [--env K=V]...`:
    /// antctl copies BIN over the node's binary and rewrites its unit; wnm starts it.
    pub fn upgrade(&self, name: &str, binary: &str, env: &[String]) -> CommandSpec {
        let mut a = strings(&[
            "upgrade",
            "--service-name",
            name,
            "--path",
            binary,
            "--force",
            "--do-not-start",
        ]);
        a.extend(env.iter().cloned());
        self.command(a, REFRESH_TIMEOUT)
    }

    /// `antctl reset --force`: stop and remove every node, delete the registry (numbering
    /// starts again at 1).
    pub fn reset(&self) -> CommandSpec {
        self.command(strings(&["reset", "--force"]), REFRESH_TIMEOUT)
    }

    /// `antctl status --json`.
    pub fn status_json(&self) -> CommandSpec {
        self.command(strings(&["status", "--json"]), REFRESH_TIMEOUT)
    }
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn antctl(sudo: bool, debug: bool) -> Antctl {
        Antctl {
            program: "/usr/local/bin/antctl".into(),
            sudo,
            debug,
            runtime_dir: None,
        }
    }

    fn spec() -> AddSpec {
        AddSpec {
            data_dir: Some("/var/antctl/services".into()),
            log_dir: Some("/var/log/antnode".into()),
            node_port: 55001,
            metrics_port: 13001,
            rpc_port: 30001,
            rewards_address: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
            options: vec!["--no-upnp".into()],
            env: vec![],
            binary: "/usr/local/bin/antnode".into(),
            network: "evm-arbitrum-one".into(),
        }
    }

    #[test]
    fn exact_lines() {
        let a = antctl(false, false);
        assert_eq!(
            a.add(&spec()).display(),
            "/usr/local/bin/antctl add --count 1 --data-dir-path /var/antctl/services --log-dir-path /var/log/antnode --node-port 55001 --metrics-port 13001 --rpc-port 30001 --rewards-address 0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93 --no-upnp --path /usr/local/bin/antnode evm-arbitrum-one"
        );
        assert_eq!(
            a.start("antnode7").display(),
            "/usr/local/bin/antctl start --service-name antnode7 --interval 0"
        );
        assert_eq!(
            a.stop("antnode7").display(),
            "/usr/local/bin/antctl stop --service-name antnode7"
        );
        assert_eq!(
            a.remove("antnode7").display(),
            "/usr/local/bin/antctl remove --service-name antnode7"
        );
        assert_eq!(
            a.upgrade("antnode7", "/b/antnode", &["--env".into(), "A=1".into()])
                .display(),
            "/usr/local/bin/antctl upgrade --service-name antnode7 --path /b/antnode --force --do-not-start --env A=1"
        );
        assert_eq!(a.reset().display(), "/usr/local/bin/antctl reset --force");
        assert_eq!(
            a.status_json().display(),
            "/usr/local/bin/antctl status --json"
        );
        assert!(a.status_json().timeout.is_some());
        assert!(a.add(&spec()).timeout.is_some());
    }

    #[test]
    fn sudo_debug_and_runtime_dir() {
        let mut a = antctl(true, true);
        a.runtime_dir = Some("/run/user/1000".into());
        let c = a.stop("antnode1");
        assert_eq!(c.program, "sudo");
        assert_eq!(
            c.args,
            [
                "-n",
                "/usr/local/bin/antctl",
                "--debug",
                "stop",
                "--service-name",
                "antnode1"
            ]
        );
        assert_eq!(
            c.env,
            vec![("XDG_RUNTIME_DIR".to_string(), "/run/user/1000".to_string())]
        );
    }

    #[test]
    fn zen_first_and_env() {
        let mut s = spec();
        s.data_dir = None;
        s.log_dir = None;
        s.options = vec!["--first".into(), "--local".into()];
        s.env = vec!["--env".into(), "ANT_LOG=info".into()];
        assert_eq!(
            antctl(false, false).add(&s).display(),
            "/usr/local/bin/antctl add --node-port 55001 --metrics-port 13001 --rpc-port 30001 --rewards-address 0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93 --first --local --env ANT_LOG=info --path /usr/local/bin/antnode evm-arbitrum-one"
        );
    }
}
