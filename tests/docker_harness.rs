//! Harness for the docker backend tests: a tiny pod image assembled from the host (the dynamic
//! loader and every library `ldd` lists for `wnm`, `antnode-emu` and `/bin/sh`; `docker
//! import`ed, no registry, cached by content hash), the backend context, config and nodes the
//! tests use, HTTP reads of node metrics on 127.0.0.1, and cleanup of a colony's containers.
//!
//! Test infrastructure: it runs `docker`, `ldd` and `tar` directly. A missing Docker engine
//! FAILS the tests (as the real-systemd tests do), it never skips them. `/bin/sh` is in the
//! image only so the upgrade test can install a two-line wrapper script as a "new release";
//! the product needs no shell in the image.
#![allow(clippy::disallowed_methods, dead_code)]

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use wnm_backend_docker::DockerConfig;
use wnm_core::{Antnode04, BackendContext, Machine, Node, NodeStatus, NullFirewall};
use wnm_tests::{WALLET, workspace_bin};

/// Repository of the test images.
pub const IMAGE_REPO: &str = "wnm-pod-test";

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("could not run {cmd:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Panic loudly unless a Docker engine answers.
pub fn require_docker() {
    match Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
    {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "the docker backend tests need a running Docker engine: `docker info` failed: {}",
            text(&o.stderr)
        ),
        Err(e) => panic!("the docker backend tests need Docker: cannot run `docker`: {e}"),
    }
}

/// `docker ARGS`, which must succeed; its stdout.
pub fn docker(args: &[&str]) -> String {
    let out = run(Command::new("docker").args(args));
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Libraries (and the loader) a dynamic binary needs, from `ldd`.
fn libraries(binary: &Path) -> Vec<PathBuf> {
    let out = run(Command::new("ldd").arg(binary));
    assert!(
        out.status.success(),
        "ldd {} failed: {}",
        binary.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let path = match l.split_once("=>") {
                Some((_, rest)) => rest.split_whitespace().next()?,
                None => l.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

/// Build (or reuse) the pod test image for these binaries; returns `wnm-pod-test:<hash>`.
/// The binaries themselves are not in it: pods get wnm bind-mounted and node binaries live in
/// the mounted node dirs.
pub fn pod_image(binaries: &[&Path]) -> String {
    static IMAGE: OnceLock<String> = OnceLock::new();
    IMAGE
        .get_or_init(|| {
            require_docker();
            let t = Instant::now();
            let mut files: BTreeSet<PathBuf> = BTreeSet::new();
            files.insert(PathBuf::from("/bin/sh"));
            for b in binaries.iter().copied().chain([Path::new("/bin/sh")]) {
                files.extend(libraries(b));
            }
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for f in &files {
                f.hash(&mut h);
                std::fs::read(f)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", f.display()))
                    .hash(&mut h);
            }
            let tag = format!("{IMAGE_REPO}:{:016x}", h.finish());
            let present = run(Command::new("docker").args(["image", "inspect", &tag]))
                .status
                .success();
            if !present {
                let dir = tempfile::tempdir().unwrap();
                let root = dir.path().join("rootfs");
                for f in &files {
                    let dest = root.join(f.strip_prefix("/").unwrap());
                    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                    // Symlinks resolved: the file's content at the path the binary asks for.
                    std::fs::copy(f, &dest)
                        .unwrap_or_else(|e| panic!("copying {}: {e}", f.display()));
                }
                for d in ["tmp", "proc", "dev", "etc"] {
                    std::fs::create_dir_all(root.join(d)).unwrap();
                }
                let tar = dir.path().join("rootfs.tar");
                let out = run(Command::new("tar")
                    .arg("-C")
                    .arg(&root)
                    .arg("-cf")
                    .arg(&tar)
                    .arg("."));
                assert!(out.status.success(), "tar failed: {}", text(&out.stderr));
                docker(&["import", tar.to_str().unwrap(), &tag]);
                // Older builds go (in use ones stay: `docker rmi` refuses them).
                for old in docker(&["images", IMAGE_REPO, "--format", "{{.Repository}}:{{.Tag}}"])
                    .lines()
                    .filter(|l| *l != tag)
                {
                    let _ = run(Command::new("docker").args(["rmi", old]));
                }
            }
            eprintln!(
                "[harness] image {tag} ready in {:.1} s ({} files)",
                t.elapsed().as_secs_f64(),
                files.len()
            );
            tag
        })
        .clone()
}

/// Names of the containers labelled with this colony id (running or not).
pub fn colony_containers(colony: &str) -> Vec<String> {
    let mut v: Vec<String> = docker(&[
        "ps",
        "-a",
        "--filter",
        &format!("label=wnm.colony={colony}"),
        "--format",
        "{{.Names}}",
    ])
    .lines()
    .map(str::to_string)
    .collect();
    v.sort();
    v
}

/// Removes a colony's containers when dropped, whatever the test did.
pub struct ContainerGuard(pub String);

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        if std::env::var_os("WNM_KEEP_CONTAINERS").is_some() {
            return;
        }
        for name in colony_containers(&self.0) {
            let _ = run(Command::new("docker").args(["rm", "-f", &name]));
        }
    }
}

/// `GET path` from 127.0.0.1:port; the body when the answer is 200.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// The `peer_id` label in a node's `/metadata`.
pub fn peer_id(port: u16) -> Option<String> {
    label(&http_get(port, "/metadata")?, "peer_id")
}

/// The `antnode_version` label in a node's `/metadata`.
pub fn version(port: u16) -> Option<String> {
    label(&http_get(port, "/metadata")?, "antnode_version")
}

fn label(body: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = body.find(&needle)? + needle.len();
    let len = body[start..].find('"')?;
    Some(body[start..start + len].to_string())
}

/// The context a docker backend is built from: machine `m`, wnm's base dir `base`, the
/// filesystem root `root` (its `/etc/passwd` names the users).
pub fn context(m: Machine, base: &Path, root: &Path) -> BackendContext {
    BackendContext {
        manager: m.process_manager.clone(),
        machine: m,
        runner: Arc::new(wnm_runner::SystemRunner::new()),
        line: Arc::new(Antnode04),
        firewall: Arc::new(NullFirewall),
        base_dir: base.to_path_buf(),
        root: root.to_path_buf(),
    }
}

/// A `docker+user` config: pods of `max` nodes from `image`, node dirs under `storage`, the
/// machine's environment `WNM_TEST_MARK=machine`, upnp off, a 3 s stop grace, and the real
/// `wnm` as every pod's supervisor (the test binary is not wnm).
pub fn config(base: &Path, storage: &Path, image: &str, max: u32) -> DockerConfig {
    let mut m = Machine::defaults_for(2);
    m.process_manager = "docker+user".parse().unwrap();
    m.node_storage = storage.to_string_lossy().into_owned();
    m.docker_image = image.into();
    m.max_node_per_container = max;
    m.min_container_count = 1;
    m.no_upnp = true;
    m.environment = "WNM_TEST_MARK=machine".into();
    let mut cfg = DockerConfig::from_context(&context(m, base, Path::new("/"))).unwrap();
    cfg.supervisor = workspace_bin("wnm");
    cfg.stop_grace = Duration::from_secs(3);
    cfg
}

/// Node `id` laid out under `cfg`'s node storage and log base, on these ports, with its own
/// environment `NODE_MARK=n<id>`.
pub fn node(cfg: &DockerConfig, id: u32, port: u16, metrics: u16) -> Node {
    let name = wnm_core::service_name(id);
    let root = cfg.node_storage.join(&name);
    Node {
        id,
        service_name: name.clone(),
        port,
        metrics_port: metrics,
        rpc_port: 0,
        binary: root.join("antnode").to_string_lossy().into_owned(),
        root_dir: root.to_string_lossy().into_owned(),
        log_dir: cfg.log_base.join(&name).to_string_lossy().into_owned(),
        user: String::new(),
        wallet: WALLET.into(),
        network: "evm-arbitrum-one".into(),
        version: None,
        peer_id: None,
        status: NodeStatus::Stopped,
        status_changed_at: 0,
        created_at: 1_700_000_000 + i64::from(id),
        manager: cfg.manager.clone(),
        line: "antnode-0.4".into(),
        container_id: None,
        host: "127.0.0.1".into(),
        environment: format!("NODE_MARK=n{id}"),
        metrics: Default::default(),
    }
}

/// Copy the node emulator to `dest` as a plain binary (pods cannot run the host's wrapper
/// scripts that exec a binary outside the mounted dirs).
pub fn install_emulator(dest: &Path) {
    let emu = wnm_testkit::emulator_path().expect("antnode-emu built");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(&emu, dest).unwrap();
}
