//! `antnode-emu`: an antnode 0.4.x stand-in. One node per process (files, UDP port, metrics
//! server, signals like the real one) or `--serve-many N` metrics servers for benchmarks.
//!
//! Fault switches (flag / environment variable, for the metrics server unless noted):
//! - `--emu-hang` / `ANTNODE_EMU_HANG=1`: accept connections, never answer.
//! - `--emu-slow-ms D` / `ANTNODE_EMU_SLOW_MS=D`: answer after D ms.
//! - `--emu-garbage` / `ANTNODE_EMU_GARBAGE=1`: HTTP 200 with 4 KB of binary junk.
//! - `--emu-not-http` / `ANTNODE_EMU_NOT_HTTP=1`: junk bytes instead of an HTTP response.
//! - `--emu-http-500` / `ANTNODE_EMU_HTTP_500=1`: HTTP 500.
//! - `--emu-truncate` / `ANTNODE_EMU_TRUNCATE=1`: half the body, then close.
//! - `--emu-crash-after T` / `ANTNODE_EMU_CRASH_AFTER=T`: the process exits 101 after T s.
//! - `--emu-refuse-start` / `ANTNODE_EMU_REFUSE_START=1`: the process exits 1 at once.
//! - `--emu-version V` / `ANTNODE_EMU_VERSION=V`: the version in `--version` and `/metadata`.
//! - `--emu-uptime S` / `ANTNODE_EMU_UPTIME=S`: uptime and live time start at S seconds.
pub mod cli;
pub mod peer_id;
pub mod server;
pub mod template;

use clap::{CommandFactory, Parser};
use cli::{Body, Cli, Fault};
use server::Bodies;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use template::{
    METADATA_0411, METADATA_MAINNET, METRICS_0411, METRICS_EXTENDED_0411, METRICS_MAINNET,
    NodeIdentity, Template,
};
use tokio::net::{TcpListener, UdpSocket};

/// Run the emulator with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.version {
        print!("{}", template::version_text(&cli.emu_version));
        return ExitCode::SUCCESS;
    }
    if cli.crate_version {
        println!("Crate version: {}", cli.emu_version);
        return ExitCode::SUCCESS;
    }
    if cli.package_version {
        println!("Package version: 2025.7.1.1");
        return ExitCode::SUCCESS;
    }
    if cli.protocol_version {
        println!("Network version: ant/1.0/1");
        return ExitCode::SUCCESS;
    }
    if cli.emu_refuse_start {
        eprintln!("Error: refusing to start (antnode-emu --emu-refuse-start)");
        return ExitCode::from(1);
    }
    let runtime = if cli.emu_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(cli.emu_threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = if let Some(n) = cli.serve_many {
        runtime.block_on(serve_many(&cli, n))
    } else {
        if cli.rewards_address.is_none() {
            Cli::command()
                .error(
                    clap::error::ErrorKind::MissingRequiredArgument,
                    "the following required arguments were not provided:\n  --rewards-address <REWARDS_ADDRESS>",
                )
                .exit();
        }
        runtime.block_on(run_node(&cli))
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

fn bodies(body: Body) -> Bodies {
    match body {
        Body::Local => Bodies {
            metrics: Template::new(METRICS_0411),
            extended: Template::new(METRICS_EXTENDED_0411),
            metadata: Template::new(METADATA_0411),
        },
        Body::Mainnet => Bodies {
            metrics: Template::new(METRICS_MAINNET),
            extended: Template::new(METRICS_MAINNET),
            metadata: Template::new(METADATA_MAINNET),
        },
    }
}

fn crash_timer(after: Option<f64>) {
    if let Some(secs) = after {
        let d = Duration::from_secs_f64(secs.max(0.0));
        tokio::spawn(async move {
            tokio::time::sleep(d).await;
            eprintln!("thread 'main' panicked: emulated crash (--emu-crash-after)");
            std::process::exit(101);
        });
    }
}

/// `--serve-many N`: N metrics servers on consecutive ports, nothing else.
async fn serve_many(cli: &Cli, n: u16) -> Result<ExitCode, String> {
    let bodies = Arc::new(bodies(cli.body));
    let fault = cli.fault();
    let started = Instant::now();
    for i in 0..n {
        let port = cli
            .base_port
            .checked_add(i)
            .ok_or_else(|| format!("--base-port {} + {n} runs past port 65535", cli.base_port))?;
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .map_err(|e| format!("cannot bind 127.0.0.1:{port}: {e}"))?;
        let node = Arc::new(NodeIdentity {
            peer_id: peer_id::peer_id_from_secret(&u32::from(port).to_le_bytes()),
            version: cli.emu_version.clone(),
            started,
            uptime_base: cli.emu_uptime,
            seed: u64::from(i) + 1,
        });
        tokio::spawn(server::serve(listener, node, bodies.clone(), fault));
    }
    println!(
        "serving {n} emulated nodes on 127.0.0.1:{}-{}",
        cli.base_port,
        u32::from(cli.base_port) + u32::from(n) - 1
    );
    let _ = std::io::stdout().flush();
    crash_timer(cli.emu_crash_after);
    wait_for_signal().await
}

/// One emulated node: root dir, secret key, pid file, log, UDP port, metrics server.
async fn run_node(cli: &Cli) -> Result<ExitCode, String> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let (root, secret) = match &cli.root_dir {
        Some(root) => {
            std::fs::create_dir_all(root)
                .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
            let secret = load_or_create_secret(root)?;
            (root.clone(), secret)
        }
        None => {
            let secret = random_bytes()?;
            let id = peer_id::peer_id_from_secret(&secret);
            let root = home.join(".local/share/autonomi/node").join(id);
            std::fs::create_dir_all(&root)
                .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
            write_file(&root.join("secret-key"), &secret)?;
            (root, secret)
        }
    };
    let peer_id = peer_id::peer_id_from_secret(&secret);
    write_file(
        &root.join("antnode.pid"),
        std::process::id().to_string().as_bytes(),
    )?;
    let _ = std::fs::create_dir_all(root.join("record_store"));
    let mut log = Log::open(&cli.log_output_dest, &root)?;
    log.line(&format!(
        "Running antnode v{} (antnode-emu)",
        cli.emu_version
    ));
    log.line(&format!("Node root dir: {}", root.display()));
    log.line(&format!("PeerId: {peer_id}"));

    let udp = UdpSocket::bind(SocketAddr::new(cli.ip, cli.port))
        .await
        .map_err(|e| format!("cannot bind UDP {}:{}: {e}", cli.ip, cli.port))?;
    let udp_addr = udp.local_addr().map_err(|e| e.to_string())?;
    log.line(&format!(
        "Listening on /ip4/{}/udp/{}/quic-v1",
        udp_addr.ip(),
        udp_addr.port()
    ));

    if cli.metrics_server_port != 0 || cli.enable_metrics_server {
        let listener = TcpListener::bind(SocketAddr::from((
            Ipv4Addr::LOCALHOST,
            cli.metrics_server_port,
        )))
        .await
        .map_err(|e| {
            format!(
                "cannot bind the metrics server on 127.0.0.1:{}: {e}",
                cli.metrics_server_port
            )
        })?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        log.line(&format!(
            "Metrics server on http://127.0.0.1:{port}/metrics"
        ));
        if cli.metrics_server_port == 0 {
            println!("Metrics server on http://127.0.0.1:{port}/metrics");
        }
        let node = Arc::new(NodeIdentity {
            peer_id: peer_id.clone(),
            version: cli.emu_version.clone(),
            started: Instant::now(),
            uptime_base: cli.emu_uptime,
            seed: 0,
        });
        tokio::spawn(server::serve(
            listener,
            node,
            Arc::new(bodies(cli.body)),
            cli.fault(),
        ));
    }
    if cli.fault() != Fault::None {
        log.line(&format!("emulated fault: {:?}", cli.fault()));
    }
    crash_timer(cli.emu_crash_after);
    let code = wait_for_signal().await?;
    if code == ExitCode::from(1) {
        let _ = std::fs::write(
            root.join("critical_failure.log"),
            "Node terminated by SIGINT\n",
        );
    }
    log.line("Node is shutting down");
    drop(udp);
    Ok(code)
}

/// SIGTERM: clean exit 0. SIGINT: exit 1 (antnode writes `critical_failure.log`).
async fn wait_for_signal() -> Result<ExitCode, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term =
        signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    let mut int =
        signal(SignalKind::interrupt()).map_err(|e| format!("cannot watch SIGINT: {e}"))?;
    tokio::select! {
        _ = term.recv() => Ok(ExitCode::SUCCESS),
        _ = int.recv() => Ok(ExitCode::from(1)),
    }
}

fn load_or_create_secret(root: &Path) -> Result<Vec<u8>, String> {
    let path = root.join("secret-key");
    match std::fs::read(&path) {
        Ok(s) if !s.is_empty() => Ok(s),
        _ => {
            let s = random_bytes()?;
            write_file(&path, &s)?;
            Ok(s)
        }
    }
}

fn random_bytes() -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut b = vec![0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    Ok(b)
}

fn write_file(path: &Path, data: &[u8]) -> Result<(), String> {
    std::fs::write(path, data).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The node's log: `antnode.log` under the log destination, or stdout.
struct Log {
    file: Option<std::fs::File>,
}

impl Log {
    fn open(dest: &str, root: &Path) -> Result<Log, String> {
        let dir = match dest {
            "stdout" => return Ok(Log { file: None }),
            "data-dir" => root.join("logs"),
            path => PathBuf::from(path),
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create log dir {}: {e}", dir.display()))?;
        let path = dir.join("antnode.log");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        Ok(Log { file: Some(file) })
    }

    fn line(&mut self, msg: &str) {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let text = format!("[{secs}] INFO antnode: {msg}\n");
        match &mut self.file {
            Some(f) => {
                let _ = f.write_all(text.as_bytes());
            }
            None => {
                print!("{text}");
                let _ = std::io::stdout().flush();
            }
        }
    }
}
