//! Finding and running `antnode-emu` from tests and benchmarks: one emulated node
//! ([`EmuNode`]) or many metrics servers in one process ([`ServeMany`]); both are killed when
//! dropped.
//!
//! Test-only infrastructure: it spawns with `std::process::Command` directly (allowed here
//! only) because it runs the emulator, not a node wnm manages; product code spawns through
//! `wnm_core::Runner`.
use crate::ports::{free_port, free_port_range};
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use wnm_core::{Error, ErrorKind, Result};
use wnm_survey::SurveyTarget;

/// The rewards address emulated nodes are started with.
pub const TEST_REWARDS_ADDRESS: &str = "0x00455d78f850b0358E8cea5be24d415E01E107CF";

/// Path of the built `antnode-emu`: `$WNM_ANTNODE_EMU` if set, else next to the running test
/// executable (`target/<profile>/antnode-emu`).
pub fn emulator_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("WNM_ANTNODE_EMU") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(Error::not_found(format!(
                "WNM_ANTNODE_EMU={} is not a file",
                p.display()
            )))
        };
    }
    let exe =
        std::env::current_exe().map_err(|e| Error::io("locating the running executable", e))?;
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let candidate = d.join("antnode-emu");
        if candidate.is_file() {
            return Ok(candidate);
        }
        dir = d.parent();
    }
    Err(Error::not_found(format!(
        "antnode-emu not found near {}; build it first with `cargo build -p wnm-testkit --bin antnode-emu` \
         (same profile and CARGO_TARGET_DIR) or set WNM_ANTNODE_EMU to its path",
        exe.display()
    )))
}

/// A `Command` for the emulator (arguments still to add).
#[allow(clippy::disallowed_methods)] // test-only infrastructure, see the module docs
pub fn emulator_command() -> Result<Command> {
    Ok(Command::new(emulator_path()?))
}

/// True once something accepts TCP connections on `127.0.0.1:port`.
pub fn port_accepts(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

fn terminate(child: &mut Child, grace: Duration) -> Result<ExitStatus> {
    let pid = rustix::process::Pid::from_child(child);
    if child.try_wait().ok().flatten().is_none() {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let end = Instant::now() + grace;
    loop {
        if let Some(st) = child
            .try_wait()
            .map_err(|e| Error::io("waiting for antnode-emu", e))?
        {
            return Ok(st);
        }
        if Instant::now() > end {
            let _ = child.kill();
            return child
                .wait()
                .map_err(|e| Error::io("waiting for antnode-emu", e));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One emulated antnode with its own temporary root dir, UDP port and metrics port.
#[derive(Debug)]
pub struct EmuNode {
    child: Child,
    /// Its `--root-dir`.
    pub root: PathBuf,
    /// Its `--log-output-dest`.
    pub log_dir: PathBuf,
    /// Its UDP `--port`.
    pub port: u16,
    /// Its `--metrics-server-port`.
    pub metrics_port: u16,
    _dir: Option<tempfile::TempDir>,
}

impl EmuNode {
    /// Start a node in a fresh temporary root with `extra` arguments (fault switches,
    /// `--emu-version`, ...) and wait until its metrics port accepts connections.
    pub fn start(extra: &[&str]) -> Result<EmuNode> {
        let dir =
            tempfile::tempdir().map_err(|e| Error::io("creating a temporary node root", e))?;
        let root = dir.path().join("node");
        let mut node = EmuNode::start_in(&root, extra)?;
        node._dir = Some(dir);
        Ok(node)
    }

    /// Start a node whose root is `root` (kept after drop: restarts keep the peer id).
    pub fn start_in(root: &Path, extra: &[&str]) -> Result<EmuNode> {
        let mut last = None;
        for _ in 0..5 {
            let (port, metrics_port) = (free_port()?, free_port()?);
            match EmuNode::spawn(root, port, metrics_port, extra) {
                Ok(node) => return Ok(node),
                // A port taken between choosing and binding: try others.
                Err(e) if e.message().contains("cannot bind") => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Io, "cannot start antnode-emu")))
    }

    fn spawn(root: &Path, port: u16, metrics_port: u16, extra: &[&str]) -> Result<EmuNode> {
        let log_dir = root.join("logs");
        let mut cmd = emulator_command()?;
        cmd.arg("--root-dir")
            .arg(root)
            .args(["--port", &port.to_string(), "--ip", "127.0.0.1"])
            .args(["--metrics-server-port", &metrics_port.to_string()])
            .args(["--rewards-address", TEST_REWARDS_ADDRESS])
            .arg("--log-output-dest")
            .arg(&log_dir)
            .args(["--no-upnp", "--local", "--first"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::io("starting antnode-emu", e))?;
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if port_accepts(metrics_port) {
                break;
            }
            if let Some(st) = child
                .try_wait()
                .map_err(|e| Error::io("waiting for antnode-emu", e))?
            {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                return Err(Error::new(
                    ErrorKind::Backend,
                    format!("antnode-emu exited ({st}) at start: {err}"),
                ));
            }
            if Instant::now() > end {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::new(
                    ErrorKind::Timeout,
                    "antnode-emu did not open its metrics port in 20 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(EmuNode {
            child,
            root: root.to_path_buf(),
            log_dir,
            port,
            metrics_port,
            _dir: None,
        })
    }

    /// The emulator's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A survey target for this node.
    pub fn target(&self, id: u32, read_metadata: bool) -> SurveyTarget {
        SurveyTarget::local(id, self.metrics_port, read_metadata)
    }

    /// The exit status if the process has ended.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, then wait (SIGKILL after 10 s).
    pub fn terminate(&mut self) -> Result<ExitStatus> {
        terminate(&mut self.child, Duration::from_secs(10))
    }
}

impl Drop for EmuNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `antnode-emu --serve-many N`: N metrics servers on consecutive ports in one process.
#[derive(Debug)]
pub struct ServeMany {
    child: Child,
    /// First port.
    pub base_port: u16,
    /// Number of nodes.
    pub n: u16,
}

impl ServeMany {
    /// Start `n` emulated nodes serving `body` (`"0.4.11"` or `"mainnet"`) plus `extra`
    /// arguments, on a free run of ports; returns once all are listening.
    pub fn start(n: u16, body: &str, extra: &[&str]) -> Result<ServeMany> {
        let mut last = None;
        for _ in 0..5 {
            let base = free_port_range(n)?;
            match ServeMany::spawn(n, base, body, extra) {
                Ok(s) => return Ok(s),
                Err(e) if e.message().contains("cannot bind") => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last
            .unwrap_or_else(|| Error::new(ErrorKind::Io, "cannot start antnode-emu --serve-many")))
    }

    fn spawn(n: u16, base: u16, body: &str, extra: &[&str]) -> Result<ServeMany> {
        let mut cmd = emulator_command()?;
        cmd.args([
            "--serve-many",
            &n.to_string(),
            "--base-port",
            &base.to_string(),
            "--body",
            body,
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::io("starting antnode-emu --serve-many", e))?;
        // It prints one line once every port is bound, or exits with the reason.
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        if !line.starts_with("serving") {
            let _ = child.kill();
            let _ = child.wait();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            return Err(Error::new(
                ErrorKind::Backend,
                format!("antnode-emu --serve-many failed: {err}"),
            ));
        }
        Ok(ServeMany {
            child,
            base_port: base,
            n,
        })
    }

    /// The first `count` nodes as survey targets (ids 1..).
    pub fn targets(&self, count: u16, read_metadata: bool) -> Vec<SurveyTarget> {
        (0..count.min(self.n))
            .map(|i| SurveyTarget::local(u32::from(i) + 1, self.base_port + i, read_metadata))
            .collect()
    }

    /// The emulator's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServeMany {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
