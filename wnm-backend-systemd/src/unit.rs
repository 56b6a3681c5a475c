//! Generating `antnodeNNNN.service` units (pure): the layout anm and the Python wnm write, with the
//! command line from the node line's `launch_args`, quoted for systemd.
//!
//! Compared with the anm unit for the same node (`fixtures/anm/antnode0001.service`) the only
//! differences are, by design:
//! - no `--bootstrap-cache-dir /var/antctl/bootstrap-cache`: the node line's `launch_args` decide
//!   the arguments (an operator who wants it adds it to `start_args`);
//! - no `#RestartSec=300` comment line.
//!
//! Like anm and the Python wnm: `Restart=always` and no `[Install]` section, so systemd never
//! starts a node by itself at boot; wnm's next cycle starts stopped nodes by its normal rules.
use crate::execline::{exec_line, quote_env_assignment};
use wnm_core::profile::node_environment;
use wnm_core::{Error, LaunchOptions, Node, NodeLine, Result};

/// Everything that goes into one unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    /// `Description=` (the service name, `antnode0001`).
    pub description: String,
    /// `User=`; `None` in user mode (the unit runs as the invoking user).
    pub user: Option<String>,
    /// One `Environment=` line per pair, in order.
    pub environment: Vec<(String, String)>,
    /// The program (absolute) and its arguments.
    pub exec: Vec<String>,
    /// `Restart=`.
    pub restart: String,
}

impl UnitSpec {
    /// The unit of `node`: its binary and `line.launch_args(node, opts)`, `User=` when `run_as`
    /// is given (sudo mode), the machine's (parsed) environment with the node's over it
    /// (`wnm_core::profile::node_environment`).
    pub fn for_node(
        node: &Node,
        line: &dyn NodeLine,
        opts: &LaunchOptions,
        machine_environment: &[(String, String)],
        run_as: Option<&str>,
    ) -> Result<UnitSpec> {
        if !node.binary.starts_with('/') {
            return Err(Error::invalid_config(format!(
                "{}: the node binary {:?} must be an absolute path for systemd",
                node.service_name, node.binary
            )));
        }
        if node.root_dir.is_empty() || node.log_dir.is_empty() {
            return Err(Error::invalid_config(format!(
                "{}: root dir and log dir must be set before writing its unit",
                node.service_name
            )));
        }
        let mut exec = vec![node.binary.clone()];
        exec.extend(line.launch_args(node, opts));
        Ok(UnitSpec {
            description: node.service_name.clone(),
            user: run_as.map(str::to_string),
            environment: node_environment(machine_environment, node)?,
            exec,
            restart: "always".into(),
        })
    }

    /// The unit file text.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(512);
        s.push_str("[Unit]\n");
        s.push_str(&format!("Description={}\n", one_line(&self.description)));
        s.push_str("[Service]\n");
        if let Some(u) = &self.user {
            s.push_str(&format!("User={}\n", one_line(u)));
        }
        for (k, v) in &self.environment {
            s.push_str(&format!("Environment={}\n", quote_env_assignment(k, v)));
        }
        s.push_str(&format!("ExecStart={}\n", exec_line(&self.exec)));
        s.push_str(&format!("Restart={}\n", one_line(&self.restart)));
        s
    }
}

/// Values on a single line: no newline can split a key into two.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ANM_UNIT, anm_node};
    use wnm_core::profile::parse_environment;
    use wnm_core::{Antnode04, Machine};

    fn anm_machine() -> Machine {
        Machine {
            no_upnp: true,
            environment: "ANT_LOG=ant_evm=error".into(),
            ..Machine::default()
        }
    }

    #[test]
    fn equals_the_anm_unit_modulo_documented_differences() {
        let m = anm_machine();
        let spec = UnitSpec::for_node(
            &anm_node(),
            &Antnode04,
            &LaunchOptions::from_machine(&m),
            &parse_environment(&m.environment).unwrap(),
            Some("ant"),
        )
        .unwrap();
        let ours = spec.render();
        let anm = ANM_UNIT
            .replace(" --bootstrap-cache-dir /var/antctl/bootstrap-cache", "")
            .replace("#RestartSec=300\n", "");
        assert_eq!(ours, anm);
    }

    #[test]
    fn user_mode_has_no_user_line_and_start_args_reach_the_unit() {
        let m = Machine {
            start_args: "--relay  --ip 0.0.0.0".into(),
            ..Machine::default()
        };
        let mut n = anm_node();
        n.environment = "RUST_LOG=info ANT_LOG=x".into();
        let machine_env = parse_environment("ANT_LOG=y A=1").unwrap();
        let spec = UnitSpec::for_node(
            &n,
            &Antnode04,
            &LaunchOptions::from_machine(&m),
            &machine_env,
            None,
        )
        .unwrap();
        let text = spec.render();
        assert!(!text.contains("User="), "{text}");
        assert!(!text.contains("--no-upnp"), "{text}");
        assert!(
            text.contains(
                "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93 --relay --ip 0.0.0.0 evm-arbitrum-one\n"
            ),
            "{text}"
        );
        // the node's keys override the machine's and follow them, in the node's order
        assert!(
            text.contains(
                "Environment=\"A=1\"\nEnvironment=\"RUST_LOG=info\"\nEnvironment=\"ANT_LOG=x\"\n"
            ),
            "{text}"
        );
        assert!(!text.contains("ANT_LOG=y"), "{text}");
        assert!(!text.contains("[Install]"));
        assert!(text.contains("Restart=always\n"));
    }

    #[test]
    fn paths_with_blanks_are_quoted() {
        let mut n = anm_node();
        n.root_dir = "/srv/ant nodes/antnode0001".into();
        n.binary = "/srv/ant nodes/antnode0001/antnode".into();
        let spec = UnitSpec::for_node(&n, &Antnode04, &LaunchOptions::default(), &[], Some("ant"))
            .unwrap();
        let text = spec.render();
        assert!(
            text.contains("ExecStart=\"/srv/ant nodes/antnode0001/antnode\" --root-dir \"/srv/ant nodes/antnode0001\" "),
            "{text}"
        );
    }

    #[test]
    fn relative_binary_is_refused() {
        let mut n = anm_node();
        n.binary = "antnode".into();
        let e =
            UnitSpec::for_node(&n, &Antnode04, &LaunchOptions::default(), &[], None).unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
        let mut bad_env = anm_node();
        bad_env.environment = "1X=2".into();
        let e = UnitSpec::for_node(&bad_env, &Antnode04, &LaunchOptions::default(), &[], None)
            .unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
    }
}
