//! Test driver for the systemd backend: runs one backend operation per invocation (one "cycle",
//! ending with `flush`) and prints JSON. The real-systemd container tests copy it into a
//! container and drive it with `docker exec`.
//!
//! ```text
//! systemd_driver create NODE_JSON SOURCE_BINARY   -> the created node
//! systemd_driver start|stop|restart|remove NODE_JSON
//! systemd_driver status NODE_JSON                 -> {"state":"running","pid":N} | stopped | missing
//! systemd_driver upgrade NODE_JSON SOURCE_BINARY
//! systemd_driver discover                         -> [node, ...]
//! systemd_driver anm                              -> {"port_start":N,"nodes":[...],"cron_disabled":bool}
//! ```
//! Environment: `WNM_DRIVER_MANAGER` (default `systemd+sudo`), `WNM_DRIVER_MACHINE` (a JSON
//! object of `Machine` settings, e.g. `{"no_upnp":true}`), `WNM_DRIVER_ROOT` (default `/`),
//! `WNM_FIREWALL_DISABLED`.
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use wnm_backend_systemd::{SystemdBackend, take_over_anm};
use wnm_core::{
    Antnode04, Backend, BackendContext, Error, Machine, Node, ProcessManager, ProcessState, Result,
    Runner,
};
use wnm_firewall::{FIREWALL_DISABLED_ENV, FirewallSetting, choose_firewall};
use wnm_runner::SystemRunner;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn context() -> Result<BackendContext> {
    let manager: ProcessManager = env("WNM_DRIVER_MANAGER")
        .unwrap_or_else(|| "systemd+sudo".into())
        .parse()?;
    let machine: Machine = match env("WNM_DRIVER_MACHINE") {
        Some(j) => serde_json::from_str(&j)
            .map_err(|e| Error::invalid_config(format!("WNM_DRIVER_MACHINE: {e}")))?,
        None => Machine::default(),
    };
    let runner: Arc<dyn Runner> = Arc::new(SystemRunner::new());
    let disabled = FirewallSetting::disabled_by_env(env(FIREWALL_DISABLED_ENV).as_deref());
    let firewall = choose_firewall(None, disabled, &manager, runner.clone())?;
    let base_dir = if manager.is_sudo() {
        PathBuf::from("/var/antctl")
    } else {
        PathBuf::from(env("HOME").unwrap_or_else(|| "/root".into())).join(".local/share/autonomi")
    };
    Ok(BackendContext {
        manager,
        machine,
        runner,
        line: Arc::new(Antnode04),
        firewall,
        base_dir,
        root: env("WNM_DRIVER_ROOT").unwrap_or_else(|| "/".into()).into(),
    })
}

fn node_arg(args: &[String], i: usize) -> Result<Node> {
    let j = args
        .get(i)
        .ok_or_else(|| Error::invalid_config("missing NODE_JSON argument"))?;
    serde_json::from_str(j).map_err(|e| Error::invalid_config(format!("NODE_JSON: {e}")))
}

fn path_arg(args: &[String], i: usize) -> Result<PathBuf> {
    args.get(i)
        .map(PathBuf::from)
        .ok_or_else(|| Error::invalid_config("missing SOURCE_BINARY argument"))
}

async fn run(args: &[String]) -> Result<serde_json::Value> {
    let cmd = args.first().map(String::as_str).unwrap_or("");
    let ctx = context()?;
    let backend = SystemdBackend::new(&ctx)?;
    let out = match cmd {
        "create" => {
            let n = backend
                .create(&node_arg(args, 1)?, &path_arg(args, 2)?)
                .await?;
            serde_json::to_value(n).map_err(|e| Error::invalid_config(e.to_string()))?
        }
        "start" => backend
            .start(&node_arg(args, 1)?)
            .await
            .map(|_| json!("ok"))?,
        "stop" => backend
            .stop(&node_arg(args, 1)?)
            .await
            .map(|_| json!("ok"))?,
        "restart" => backend
            .restart(&node_arg(args, 1)?)
            .await
            .map(|_| json!("ok"))?,
        "remove" => backend
            .remove(&node_arg(args, 1)?)
            .await
            .map(|_| json!("ok"))?,
        "upgrade" => backend
            .upgrade(&node_arg(args, 1)?, &path_arg(args, 2)?)
            .await
            .map(|_| json!("ok"))?,
        "status" => match backend.status(&node_arg(args, 1)?).await? {
            ProcessState::Running { pid } => json!({"state": "running", "pid": pid}),
            ProcessState::Stopped => json!({"state": "stopped"}),
            ProcessState::Missing => json!({"state": "missing"}),
        },
        "discover" => serde_json::to_value(backend.discover().await?)
            .map_err(|e| Error::invalid_config(e.to_string()))?,
        "anm" => {
            let host = take_over_anm(Path::new(&ctx.root), ctx.runner.as_ref()).await?;
            json!({
                "port_start": host.settings.port_start,
                "node_cap": host.settings.node_cap,
                "delay_start": host.settings.delay_start,
                "cron_disabled": host.cron_disabled.is_some(),
                "nodes": host.nodes,
            })
        }
        other => {
            return Err(Error::invalid_config(format!(
                "unknown command {other:?}: create start stop restart remove upgrade status discover anm"
            )));
        }
    };
    // One invocation is one cycle: a single daemon-reload for whatever changed.
    backend.flush().await?;
    Ok(out)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args).await {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("systemd_driver: {} ({})", e, e.kind());
            ExitCode::FAILURE
        }
    }
}
