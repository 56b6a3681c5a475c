//! The pure command builder: the `CommandSpec` that starts one node (program, arguments from the
//! node line, environment, working dir, log files), wrapped for the user the node runs as.
//!
//! # Who the node runs as
//! - `setsid+user`: as wnm's own user ([`RunAs::Current`]).
//! - `setsid+sudo` with wnm running as root and the `ant` user present:
//!   `setpriv --reuid ant --regid GID --init-groups -- BINARY ARGS...` ([`RunAs::Setpriv`]).
//!   `setpriv` `exec`s the node, so the pid wnm records is the node's own; `HOME`, `USER` and
//!   `LOGNAME` are set to the node user's since `setpriv` keeps root's environment.
//! - `setsid+sudo` with wnm not root: `sudo -n -u ant -- env K=V... BINARY ARGS...`
//!   ([`RunAs::Sudo`]); `sudo` resets the environment, so the node's variables travel through
//!   `env`. The recorded pid is then `sudo`'s, which relays SIGTERM/SIGKILL to the node.
//! - `setsid+sudo` as root without an `ant` user: as root ([`RunAs::Current`], with a warning).
use std::path::Path;
use wnm_core::{CommandSpec, LaunchOptions, Node, NodeLine};

/// File in the node's log dir that receives its stdout.
pub const STDOUT_FILE: &str = "stdout.log";
/// File in the node's log dir that receives its stderr.
pub const STDERR_FILE: &str = "stderr.log";

/// How a node process is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAs {
    /// Directly, as wnm's user.
    Current,
    /// As root, dropping to `user` (primary group `gid`, home `home`) with util-linux `setpriv`.
    Setpriv {
        /// User name.
        user: String,
        /// Its primary group id.
        gid: u32,
        /// Its home dir (the node's `HOME`).
        home: String,
    },
    /// As a non-root operator, through `sudo -n -u user`.
    Sudo {
        /// User name.
        user: String,
    },
}

/// The command that starts `node`: `node.binary` with `line.launch_args(node, opts)`, `env` in
/// its environment, its root dir as working dir, stdout/stderr appended to files in its log dir.
pub fn node_command(
    node: &Node,
    line: &dyn NodeLine,
    opts: &LaunchOptions,
    env: &[(String, String)],
    run_as: &RunAs,
) -> CommandSpec {
    let args = line.launch_args(node, opts);
    let mut spec = match run_as {
        RunAs::Current => {
            let mut s = CommandSpec::new(node.binary.clone(), args);
            s.env = env.to_vec();
            s
        }
        RunAs::Setpriv { user, gid, home } => {
            let mut a = vec![
                "--reuid".to_string(),
                user.clone(),
                "--regid".to_string(),
                gid.to_string(),
                "--init-groups".to_string(),
                "--".to_string(),
                node.binary.clone(),
            ];
            a.extend(args);
            let mut s = CommandSpec::new("setpriv", a);
            s.env = vec![
                ("HOME".to_string(), home.clone()),
                ("USER".to_string(), user.clone()),
                ("LOGNAME".to_string(), user.clone()),
            ];
            s.env.extend(env.iter().cloned());
            s
        }
        RunAs::Sudo { user } => {
            let mut a = vec![
                "-n".to_string(),
                "-u".to_string(),
                user.clone(),
                "--".to_string(),
                "env".to_string(),
            ];
            a.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
            a.push(node.binary.clone());
            a.extend(args);
            CommandSpec::new("sudo", a)
        }
    };
    let log_dir = Path::new(&node.log_dir);
    spec.cwd = Some(Path::new(&node.root_dir).to_path_buf());
    spec.stdout_file = Some(log_dir.join(STDOUT_FILE));
    spec.stderr_file = Some(log_dir.join(STDERR_FILE));
    spec
}

pub use wnm_core::profile::node_environment;

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::{Antnode04, NodeMetrics, NodeStatus, ProcessManager};

    fn node() -> Node {
        Node {
            id: 1,
            service_name: "antnode0001".into(),
            port: 55001,
            metrics_port: 13001,
            rpc_port: 30001,
            root_dir: "/var/antctl/services/antnode0001".into(),
            log_dir: "/var/log/antnode/antnode0001".into(),
            binary: "/var/antctl/services/antnode0001/antnode".into(),
            user: "ant".into(),
            wallet: "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93".into(),
            network: "evm-arbitrum-one".into(),
            version: None,
            peer_id: None,
            status: NodeStatus::Stopped,
            status_changed_at: 0,
            created_at: 0,
            manager: "setsid+sudo".parse::<ProcessManager>().unwrap(),
            line: "antnode-0.4".into(),
            container_id: None,
            host: "127.0.0.1".into(),
            environment: "RUST_LOG=debug".into(),
            metrics: NodeMetrics::default(),
        }
    }

    fn opts() -> LaunchOptions {
        LaunchOptions {
            no_upnp: true,
            extra_args: vec!["--relay".into()],
        }
    }

    #[test]
    fn direct_command_carries_args_env_and_files() {
        let n = node();
        let env = node_environment(&[("ANT_LOG".into(), "x".into())], &n).unwrap();
        let c = node_command(&n, &Antnode04, &opts(), &env, &RunAs::Current);
        assert_eq!(c.program, n.binary);
        assert_eq!(c.args, Antnode04.launch_args(&n, &opts()));
        assert_eq!(c.args[0], "--no-upnp");
        assert!(c.args.contains(&"--relay".to_string()));
        assert_eq!(
            c.env,
            [
                ("ANT_LOG".to_string(), "x".to_string()),
                ("RUST_LOG".to_string(), "debug".to_string())
            ]
        );
        assert_eq!(c.cwd.as_deref(), Some(Path::new(&n.root_dir)));
        assert_eq!(
            c.stdout_file.as_deref(),
            Some(Path::new("/var/log/antnode/antnode0001/stdout.log"))
        );
        assert_eq!(
            c.stderr_file.as_deref(),
            Some(Path::new("/var/log/antnode/antnode0001/stderr.log"))
        );
    }

    #[test]
    fn setpriv_wraps_as_the_node_user() {
        let n = node();
        let run_as = RunAs::Setpriv {
            user: "ant".into(),
            gid: 1002,
            home: "/home/ant".into(),
        };
        let env = vec![("K".to_string(), "v w".to_string())];
        let c = node_command(&n, &Antnode04, &opts(), &env, &run_as);
        assert_eq!(c.program, "setpriv");
        assert_eq!(
            c.args[..7],
            [
                "--reuid",
                "ant",
                "--regid",
                "1002",
                "--init-groups",
                "--",
                "/var/antctl/services/antnode0001/antnode"
            ]
        );
        assert_eq!(c.args[7..], Antnode04.launch_args(&n, &opts())[..]);
        assert!(c.env.contains(&("HOME".into(), "/home/ant".into())));
        assert!(c.env.contains(&("USER".into(), "ant".into())));
        assert!(c.env.contains(&("K".into(), "v w".into())));
    }

    #[test]
    fn sudo_passes_environment_through_env() {
        let n = node();
        let env = vec![("K".to_string(), "v w".to_string())];
        let c = node_command(
            &n,
            &Antnode04,
            &opts(),
            &env,
            &RunAs::Sudo { user: "ant".into() },
        );
        assert_eq!(c.program, "sudo");
        assert_eq!(
            c.args[..7],
            [
                "-n",
                "-u",
                "ant",
                "--",
                "env",
                "K=v w",
                "/var/antctl/services/antnode0001/antnode"
            ]
        );
        assert!(c.env.is_empty());
        assert_eq!(c.args.last().unwrap(), "evm-arbitrum-one");
    }
}
