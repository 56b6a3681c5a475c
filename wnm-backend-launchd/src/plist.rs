//! Generating node plists (pure): the job `com.autonomi.antnode-<id>` with the node line's
//! launch arguments as `ProgramArguments`, the merged environment as `EnvironmentVariables`,
//! `RunAtLoad` and `KeepAlive`, written as an Apple plist 1.0 XML document by the `plist` crate
//! (which escapes `&`, `<`, `>` and quotes).
//!
//! Like the Python wnm's plists: same label and file name, `WorkingDirectory` = the node's root
//! dir. Different by design: stdout/stderr go to `stdout.log`/`stderr.log` in the node's own log
//! dir (removed with the node) instead of one shared file, the machine + node environment
//! (`wnm_core::profile::node_environment`) is written (0.5.0 wrote only the node's), and sudo
//! mode sets `UserName` (`ant`).
use wnm_core::profile::node_environment;
use wnm_core::{Error, LaunchOptions, Node, NodeId, NodeLine, Result};

/// Prefix of every node job label (`com.autonomi.antnode-1`).
pub const LABEL_PREFIX: &str = "com.autonomi.antnode-";
/// File in the node's log dir that receives its stdout.
pub const STDOUT_FILE: &str = "stdout.log";
/// File in the node's log dir that receives its stderr.
pub const STDERR_FILE: &str = "stderr.log";

/// The job label of node `id`: `com.autonomi.antnode-<id>` (not zero-padded, as 0.5.0).
pub fn label(id: NodeId) -> String {
    format!("{LABEL_PREFIX}{id}")
}

/// The node id in a label `com.autonomi.antnode-<digits>`, if it is one.
pub fn parse_label(label: &str) -> Option<NodeId> {
    let digits = label.strip_prefix(LABEL_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0)
}

/// The plist file name of node `id`: `<label>.plist`.
pub fn plist_file_name(id: NodeId) -> String {
    format!("{}.plist", label(id))
}

/// The node id of a plist file name `com.autonomi.antnode-<digits>.plist`, if it is one.
pub fn parse_plist_file_name(name: &str) -> Option<NodeId> {
    parse_label(name.strip_suffix(".plist")?)
}

/// Everything that goes into one job plist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlistSpec {
    /// `Label`.
    pub label: String,
    /// `ProgramArguments`: the program (absolute) and its arguments.
    pub program_arguments: Vec<String>,
    /// `EnvironmentVariables`, in order (left out when empty).
    pub environment: Vec<(String, String)>,
    /// `WorkingDirectory`.
    pub working_directory: Option<String>,
    /// `StandardOutPath`.
    pub stdout_path: Option<String>,
    /// `StandardErrorPath`.
    pub stderr_path: Option<String>,
    /// `UserName` (sudo mode: the job runs as this user).
    pub user_name: Option<String>,
    /// `RunAtLoad`: start as soon as the job is loaded.
    pub run_at_load: bool,
    /// `KeepAlive`: start it again whenever it exits.
    pub keep_alive: bool,
}

impl PlistSpec {
    /// The job of `node`: its binary and `line.launch_args(node, opts)`, the machine's (parsed)
    /// environment with the node's over it, its root dir as working dir, logs in its log dir,
    /// `UserName` when `user_name` is given.
    pub fn for_node(
        node: &Node,
        line: &dyn NodeLine,
        opts: &LaunchOptions,
        machine_environment: &[(String, String)],
        user_name: Option<&str>,
    ) -> Result<PlistSpec> {
        if !node.binary.starts_with('/') {
            return Err(Error::invalid_config(format!(
                "{}: the node binary {:?} must be an absolute path for launchd",
                node.service_name, node.binary
            )));
        }
        if !node.root_dir.starts_with('/') || !node.log_dir.starts_with('/') {
            return Err(Error::invalid_config(format!(
                "{}: root dir {:?} and log dir {:?} must be absolute paths before its plist is written",
                node.service_name, node.root_dir, node.log_dir
            )));
        }
        let mut args = vec![node.binary.clone()];
        args.extend(line.launch_args(node, opts));
        let environment = node_environment(machine_environment, node)?;
        let texts = args
            .iter()
            .chain(environment.iter().flat_map(|(k, v)| [k, v]))
            .chain([&node.root_dir, &node.log_dir]);
        for t in texts {
            check_xml_text(&node.service_name, t)?;
        }
        let log = node.log_dir.trim_end_matches('/');
        Ok(PlistSpec {
            label: label(node.id),
            program_arguments: args,
            environment,
            working_directory: Some(node.root_dir.clone()),
            stdout_path: Some(format!("{log}/{STDOUT_FILE}")),
            stderr_path: Some(format!("{log}/{STDERR_FILE}")),
            user_name: user_name.map(str::to_string),
            run_at_load: true,
            keep_alive: true,
        })
    }

    /// The plist as a `plist` value (a dictionary, keys in a fixed order).
    pub fn to_value(&self) -> plist::Value {
        use plist::Value;
        let mut d = plist::Dictionary::new();
        d.insert("Label".into(), Value::String(self.label.clone()));
        d.insert(
            "ProgramArguments".into(),
            Value::Array(
                self.program_arguments
                    .iter()
                    .map(|a| Value::String(a.clone()))
                    .collect(),
            ),
        );
        if !self.environment.is_empty() {
            let mut env = plist::Dictionary::new();
            for (k, v) in &self.environment {
                env.insert(k.clone(), Value::String(v.clone()));
            }
            d.insert("EnvironmentVariables".into(), Value::Dictionary(env));
        }
        let strings = [
            ("WorkingDirectory", &self.working_directory),
            ("StandardOutPath", &self.stdout_path),
            ("StandardErrorPath", &self.stderr_path),
            ("UserName", &self.user_name),
        ];
        for (key, value) in strings {
            if let Some(v) = value {
                d.insert(key.into(), Value::String(v.clone()));
            }
        }
        d.insert("RunAtLoad".into(), Value::Boolean(self.run_at_load));
        d.insert("KeepAlive".into(), Value::Boolean(self.keep_alive));
        Value::Dictionary(d)
    }

    /// The plist file text (XML, Apple plist 1.0 DTD, tab indented, ending in a newline).
    pub fn render(&self) -> String {
        let mut buf = Vec::with_capacity(1024);
        self.to_value()
            .to_writer_xml(&mut buf)
            .expect("writing a plist to memory cannot fail");
        let mut s = String::from_utf8(buf).expect("the plist writer writes UTF-8");
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}

/// XML 1.0 cannot carry control characters other than tab, newline and carriage return: a value
/// holding one is refused rather than written into a plist launchd would reject.
fn check_xml_text(service: &str, s: &str) -> Result<()> {
    match s
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        Some(c) => Err(Error::invalid_config(format!(
            "{service}: {s:?} holds the control character {c:?}, which a plist cannot carry; remove it from start_args, environment or the node paths"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::node;
    use wnm_core::profile::parse_environment;
    use wnm_core::{Antnode04, Machine};

    #[test]
    fn labels_and_file_names() {
        assert_eq!(label(1), "com.autonomi.antnode-1");
        assert_eq!(plist_file_name(12), "com.autonomi.antnode-12.plist");
        assert_eq!(parse_label("com.autonomi.antnode-12"), Some(12));
        assert_eq!(
            parse_plist_file_name("com.autonomi.antnode-0007.plist"),
            Some(7)
        );
        for bad in [
            "com.autonomi.antnode-",
            "com.autonomi.antnode-0",
            "com.autonomi.antnode-1a",
            "com.autonomi.antnode-1.plist",
            "org.autonomi.antnode-1",
            "com.autonomi.antnode--1",
        ] {
            assert_eq!(parse_label(bad), None, "{bad}");
        }
        assert_eq!(
            parse_plist_file_name("com.autonomi.antnode-1.plist.bak"),
            None
        );
        assert_eq!(parse_plist_file_name("com.autonomi.antnode-1"), None);
    }

    /// The whole file for a sudo-mode node with `no_upnp`, `start_args` and an environment.
    const GOLDEN_SUDO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>com.autonomi.antnode-1</string>
	<key>ProgramArguments</key>
	<array>
		<string>/Library/Application Support/autonomi/node/antnode0001/antnode</string>
		<string>--no-upnp</string>
		<string>--root-dir</string>
		<string>/Library/Application Support/autonomi/node/antnode0001</string>
		<string>--port</string>
		<string>55001</string>
		<string>--enable-metrics-server</string>
		<string>--metrics-server-port</string>
		<string>13001</string>
		<string>--log-output-dest</string>
		<string>/Library/Logs/autonomi/antnode0001</string>
		<string>--max-log-files</string>
		<string>1</string>
		<string>--max-archived-log-files</string>
		<string>1</string>
		<string>--rewards-address</string>
		<string>0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93</string>
		<string>--relay</string>
		<string>evm-arbitrum-one</string>
	</array>
	<key>EnvironmentVariables</key>
	<dict>
		<key>ANT_LOG</key>
		<string>ant_evm=error</string>
		<key>RUST_LOG</key>
		<string>info,libp2p=warn</string>
		<key>NODE_ONLY</key>
		<string>1</string>
	</dict>
	<key>WorkingDirectory</key>
	<string>/Library/Application Support/autonomi/node/antnode0001</string>
	<key>StandardOutPath</key>
	<string>/Library/Logs/autonomi/antnode0001/stdout.log</string>
	<key>StandardErrorPath</key>
	<string>/Library/Logs/autonomi/antnode0001/stderr.log</string>
	<key>UserName</key>
	<string>ant</string>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<true/>
</dict>
</plist>
"#;

    fn sudo_node() -> (Node, Machine) {
        let mut n = node(
            1,
            "/Library/Application Support/autonomi/node",
            "/Library/Logs/autonomi",
        );
        n.environment = "RUST_LOG=info,libp2p=warn NODE_ONLY=1".into();
        let mut m = Machine::defaults_for(2);
        m.no_upnp = true;
        m.start_args = "--relay".into();
        m.environment = "RUST_LOG=debug ANT_LOG=ant_evm=error".into();
        (n, m)
    }

    #[test]
    fn golden_sudo_plist() {
        let (n, m) = sudo_node();
        let spec = PlistSpec::for_node(
            &n,
            &Antnode04,
            &LaunchOptions::from_machine(&m),
            &parse_environment(&m.environment).unwrap(),
            Some("ant"),
        )
        .unwrap();
        assert_eq!(spec.render(), GOLDEN_SUDO);
        // the node's RUST_LOG wins over the machine's (node_environment: the node's keys follow
        // the machine's, in the node's order)
        assert_eq!(spec.environment[1].1, "info,libp2p=warn");
        assert_eq!(spec.environment.len(), 3);
    }

    #[test]
    fn user_plist_has_no_user_name_nor_empty_environment() {
        let n = node(2, "/Users/ant/n", "/Users/ant/l");
        let spec =
            PlistSpec::for_node(&n, &Antnode04, &LaunchOptions::default(), &[], None).unwrap();
        let text = spec.render();
        assert!(!text.contains("UserName"), "{text}");
        assert!(!text.contains("EnvironmentVariables"), "{text}");
        assert!(text.contains("<string>com.autonomi.antnode-2</string>"));
        assert!(!text.contains("--no-upnp"));
    }

    #[test]
    fn special_characters_are_escaped_and_read_back() {
        let mut n = node(3, "/Users/a&b <c> \"d\" 'e'/n", "/Users/x/l");
        n.binary = format!("{}/antnode", n.root_dir);
        n.environment = "K=v<&>\"'".into();
        let opts = LaunchOptions {
            no_upnp: false,
            extra_args: vec!["--peer=/ip4/1.2.3.4/udp/1&x<y>".into()],
        };
        let spec = PlistSpec::for_node(&n, &Antnode04, &opts, &[], None).unwrap();
        let text = spec.render();
        assert!(
            text.contains("<string>/Users/a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;/n/antnode0003</string>"),
            "{text}"
        );
        assert!(
            text.contains("--peer=/ip4/1.2.3.4/udp/1&amp;x&lt;y&gt;"),
            "{text}"
        );
        assert!(!text.contains("a&b"));
        let back = crate::parse::parse_plist(&text).unwrap();
        assert_eq!(back, spec);
        assert_eq!(back.environment, [("K".to_string(), "v<&>\"'".to_string())]);
    }

    #[test]
    fn bad_nodes_are_refused() {
        let mut n = node(4, "/n", "/l");
        n.binary = "antnode".into();
        let e =
            PlistSpec::for_node(&n, &Antnode04, &LaunchOptions::default(), &[], None).unwrap_err();
        assert!(e.message().contains("absolute"), "{e}");
        let mut n = node(4, "/n", "/l");
        n.log_dir = String::new();
        assert!(PlistSpec::for_node(&n, &Antnode04, &LaunchOptions::default(), &[], None).is_err());
        let n = node(4, "/n", "/l");
        let opts = LaunchOptions {
            no_upnp: false,
            extra_args: vec!["--x\u{1}".into()],
        };
        let e = PlistSpec::for_node(&n, &Antnode04, &opts, &[], None).unwrap_err();
        assert!(e.message().contains("control character"), "{e}");
        let mut bad_env = node(4, "/n", "/l");
        bad_env.environment = "1BAD=x".into();
        assert!(
            PlistSpec::for_node(&bad_env, &Antnode04, &LaunchOptions::default(), &[], None)
                .is_err()
        );
    }
}
