//! Harness for tests against a real systemd: builds the `wnm-systemd` image
//! (`scripts/systemd-image.sh`), builds the binaries to copy in (the real `wnm` and the
//! `antnode-emu` node emulator), starts a container with systemd as PID 1, and runs commands in it.
//!
//! The binaries are built on the host and copied in as they are: the host and the image are both
//! Debian bookworm (glibc 2.36). [`Container::install`] runs each copied binary once in the
//! container, so a host whose glibc is newer than the image's fails there, saying so.
//!
//! This is test harness, not product code: it spawns `docker`, `bash` and `cargo` on the host
//! directly (hence the `disallowed_methods` allowances). A missing Docker engine FAILS the tests.
//! Set `WNM_KEEP_CONTAINERS=1` to leave containers behind for inspection.
//!
//! Reuse from another crate's tests (e.g. the end-to-end `wnm` CLI):
//! ```ignore
//! #[path = "../../wnm-backend-systemd/tests/common/mod.rs"]
//! mod systemd_harness;
//! let c = systemd_harness::Container::start(&systemd_harness::image());
//! let wnm = systemd_harness::cargo_artifact(&["-p", "wnm-cli", "--bin", "wnm"], "wnm");
//! c.copy_in(&wnm, "/usr/local/bin/wnm");
//! c.sh_ok(&["wnm", "--version"]);
//! ```
#![allow(clippy::disallowed_methods, dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate dir has a parent")
        .to_path_buf()
}

/// The captured fixtures (copies of `../shared/fixtures`, kept in the repo so a clone tests alone).
pub fn fixtures() -> PathBuf {
    workspace().join("wnm-testkit/fixtures")
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Panic loudly unless a Docker engine answers.
pub fn require_docker() {
    let out = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "the real-systemd tests need a running Docker engine: `docker info` failed: {}",
            text(&o.stderr)
        ),
        Err(e) => panic!("the real-systemd tests need Docker: cannot run `docker`: {e}"),
    }
}

/// Build (or reuse) the image; returns `wnm-systemd:<hash>`. Once per test process.
pub fn image() -> String {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE
        .get_or_init(|| {
            require_docker();
            let t = Instant::now();
            let script = workspace().join("scripts/systemd-image.sh");
            let out = run(Command::new("bash").arg(&script));
            assert!(
                out.status.success(),
                "{} failed:\n{}",
                script.display(),
                text(&out.stderr)
            );
            let name = text(&out.stdout)
                .lines()
                .last()
                .unwrap_or("")
                .trim()
                .to_string();
            assert!(
                name.starts_with("wnm-systemd:"),
                "unexpected image name {name:?}"
            );
            eprintln!(
                "[harness] image {name} ready in {:.1} s",
                t.elapsed().as_secs_f64()
            );
            name
        })
        .clone()
}

/// Binaries copied into containers.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `wnm` (wnm-cli, default features: setsid and systemd backends).
    pub wnm: PathBuf,
    /// `antnode-emu` from wnm-testkit.
    pub emu: PathBuf,
}

/// Build one artifact of this workspace into the target dir the running test lives in and return
/// its path: `cargo_artifact(&["-p", "wnm-cli", "--bin", "wnm"], "wnm")`,
/// `cargo_artifact(&["-p", "x", "--example", "y"], "examples/y")`. Debug or release follows the test.
pub fn cargo_artifact(select: &[&str], relative_path: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // The test binary lives in <target>/<profile>/deps.
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf();
    let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
    let mut cmd = Command::new(&cargo);
    // Run it with the environment scripts/test.sh built with, not the test's: cargo gives a
    // test `CARGO_MANIFEST_DIR`, `CARGO_PKG_*` and the like, which would make this build differ.
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k == "OUT_DIR"
            || k == "CARGO_MANIFEST_DIR"
            || k == "CARGO_MANIFEST_PATH"
            || k == "CARGO_CRATE_NAME"
            || k == "CARGO_PRIMARY_PACKAGE"
            || k == "CARGO_TARGET_TMPDIR"
            || k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_BIN_")
        {
            cmd.env_remove(k.as_ref());
        }
    }
    cmd.arg("build")
        .args(select)
        .arg("--target-dir")
        .arg(&target_dir);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let out = run(cmd.current_dir(workspace()));
    assert!(
        out.status.success(),
        "cargo build {} failed:\n{}",
        select.join(" "),
        text(&out.stderr)
    );
    let path = profile_dir.join(relative_path);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Build `wnm` and the node emulator (debug or release as the test; the host is Debian bookworm
/// like the image, so they run there as they are: see [`Container::install`]).
pub fn binaries() -> Binaries {
    static BINS: OnceLock<Binaries> = OnceLock::new();
    BINS.get_or_init(|| {
        let t = Instant::now();
        // `--workspace --bins` is what scripts/test.sh builds first: the same feature set, so in
        // CI this is a no-op (`-p wnm-cli` alone would unify features differently and rebuild).
        let select = ["--workspace", "--bins"];
        let b = Binaries {
            wnm: cargo_artifact(&select, "wnm"),
            emu: cargo_artifact(&select, "antnode-emu"),
        };
        eprintln!(
            "[harness] binaries built in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        b
    })
    .clone()
}

/// A container running systemd as PID 1; removed on drop.
pub struct Container {
    /// Its name.
    pub name: String,
}

/// Ways to give systemd what it needs; the first that starts wins. `--privileged` asks for every
/// capability, which a Docker engine running in a restricted sandbox cannot grant (here:
/// CAP_SYS_RESOURCE is missing), hence the explicit set as a fallback.
const PRIVILEGE_VARIANTS: &[&[&str]] = &[
    &["--privileged"],
    &[
        "--cap-add",
        "ALL",
        "--cap-drop",
        "SYS_RESOURCE",
        "--security-opt",
        "seccomp=unconfined",
    ],
];

impl Container {
    /// Start a container from `image` and wait until systemd is up.
    pub fn start(image: &str) -> Container {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "wnm-systemd-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut errors = Vec::new();
        for variant in PRIVILEGE_VARIANTS {
            let _ = run(Command::new("docker").args(["rm", "-f", &name]));
            let mut cmd = Command::new("docker");
            cmd.args(["run", "-d", "--name", &name, "--label", "wnm-test=systemd"])
                .args(*variant)
                .args([
                    "--cgroupns=host",
                    "-v",
                    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
                    "--tmpfs",
                    "/run",
                    "--tmpfs",
                    "/run/lock",
                    // nodes must not reach anything: no network but loopback
                    "--network",
                    "none",
                    // systemd shuts down cleanly on SIGRTMIN+3 (docker stop / restart)
                    "--stop-signal",
                    "SIGRTMIN+3",
                    image,
                    "/sbin/init",
                ]);
            let out = run(&mut cmd);
            if out.status.success() {
                let c = Container { name: name.clone() };
                c.wait_for_systemd();
                return c;
            }
            errors.push(format!("{variant:?}: {}", text(&out.stderr).trim()));
        }
        let _ = run(Command::new("docker").args(["rm", "-f", &name]));
        panic!(
            "could not start a systemd container:\n{}",
            errors.join("\n")
        );
    }

    /// Wait (up to 60 s) until `systemctl is-system-running` says running or degraded.
    pub fn wait_for_systemd(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.exec(&["systemctl", "is-system-running", "--wait"]);
            let state = text(&out.stdout).trim().to_string();
            if state == "running" || state == "degraded" {
                if state == "degraded" {
                    let failed = self.exec(&["systemctl", "--failed", "--no-legend"]);
                    eprintln!("[harness] systemd degraded: {}", text(&failed.stdout));
                }
                return;
            }
            assert!(
                Instant::now() < deadline,
                "systemd in {} did not come up: state {state:?}, logs:\n{}",
                self.name,
                text(
                    &run(Command::new("docker").args(["logs", "--tail", "50", &self.name])).stderr
                )
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Run a command in the container.
    pub fn exec(&self, args: &[&str]) -> Output {
        run(Command::new("docker")
            .arg("exec")
            .arg(&self.name)
            .args(args))
    }

    /// Run a command with extra environment variables.
    pub fn exec_env(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.exec_as(None, env, args)
    }

    /// Run a command as `user` (root when `None`) with extra environment variables.
    pub fn exec_as(&self, user: Option<&str>, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = Command::new("docker");
        cmd.arg("exec");
        if let Some(u) = user {
            cmd.args(["-u", u]);
        }
        for (k, v) in env {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        run(cmd.arg(&self.name).args(args))
    }

    /// Run a command that must succeed; its stdout.
    pub fn sh_ok(&self, args: &[&str]) -> String {
        let out = self.exec(args);
        assert!(
            out.status.success(),
            "`{}` failed in {}: {}{}",
            args.join(" "),
            self.name,
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Copy a host file into the container.
    pub fn copy_in(&self, host: &Path, dest: &str) {
        let out = run(Command::new("docker")
            .arg("cp")
            .arg(host)
            .arg(format!("{}:{dest}", self.name)));
        assert!(
            out.status.success(),
            "docker cp {} -> {dest}: {}",
            host.display(),
            text(&out.stderr)
        );
    }

    /// Copy a host binary in and run it once with `--version`: a binary that cannot run there
    /// (e.g. built against a newer glibc than the image's) fails here, naming both glibcs.
    pub fn install(&self, host: &Path, dest: &str) {
        self.copy_in(host, dest);
        let out = self.exec(&[dest, "--version"]);
        if !out.status.success() {
            let image_glibc = text(&self.exec(&["ldd", "--version"]).stdout);
            let host_glibc = run(Command::new("ldd").arg("--version")).stdout;
            panic!(
                "{} does not run in the container ({}{}); image: {}; host: {}. Build the test binaries on a host with the image's glibc (Debian bookworm) or older",
                host.display(),
                text(&out.stdout),
                text(&out.stderr),
                image_glibc.lines().next().unwrap_or("?"),
                text(&host_glibc).lines().next().unwrap_or("?"),
            );
        }
    }

    /// Write `contents` to `dest` in the container (through a host temp file).
    pub fn write_file(&self, dest: &str, contents: &str) {
        let tmp = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(tmp.path(), contents).expect("write temp file");
        self.copy_in(tmp.path(), dest);
    }

    /// Restart the container (a reboot of the "host"): systemd stops everything cleanly, /run is
    /// new, the root filesystem stays.
    pub fn restart(&self) {
        let out = run(Command::new("docker").args(["restart", "-t", "30", &self.name]));
        assert!(
            out.status.success(),
            "docker restart: {}",
            text(&out.stderr)
        );
        self.wait_for_systemd();
    }

    /// Poll `f` until it returns true (up to `secs`), panicking with `what` otherwise.
    pub fn wait_until(&self, secs: u64, what: &str, mut f: impl FnMut(&Container) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !f(self) {
            assert!(
                Instant::now() < deadline,
                "timed out after {secs} s waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if std::env::var_os("WNM_KEEP_CONTAINERS").is_some() {
            eprintln!("[harness] keeping container {}", self.name);
            return;
        }
        let _ = Command::new("docker")
            .args(["rm", "-f", &self.name])
            .output();
    }
}
