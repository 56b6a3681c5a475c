//! Wiring: the backend registry (filled behind cargo features), the runner, the firewall, the
//! node line and the machine sampler for this run.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wnm_core::{
    Antnode04, Backend, BackendContext, Error, FirewallSetting, Machine, NodeLine, Registry,
    Result, Runner,
};
use wnm_runtime::inject::{OVERRIDE_ENV, OverrideSampler};
use wnm_survey::{MachineSampler, SysinfoSampler};

/// Every backend built into this binary.
pub fn registry() -> Registry {
    #[allow(unused_mut)]
    let mut r = Registry::new();
    #[cfg(feature = "setsid")]
    wnm_backend_setsid::register(&mut r);
    #[cfg(feature = "systemd")]
    wnm_backend_systemd::register(&mut r);
    #[cfg(feature = "launchd")]
    wnm_backend_launchd::register(&mut r);
    #[cfg(feature = "docker")]
    wnm_backend_docker::register(&mut r);
    #[cfg(feature = "antctl")]
    wnm_backend_antctl::register(&mut r);
    r
}

/// The pieces a run acts with.
pub struct Wired {
    /// The process runner.
    pub runner: Arc<dyn Runner>,
    /// The backend for `machine.process_manager`.
    pub backend: Arc<dyn Backend>,
    /// The firewall.
    pub firewall: Arc<dyn wnm_core::Firewall>,
    /// The node line of new nodes.
    pub line: Arc<dyn NodeLine>,
}

/// Build runner, firewall and backend for `machine`. The firewall is the stored `firewall`
/// setting (`--firewall`, `FIREWALL`, config files); while that is `auto` the older
/// `WNM_FIREWALL` variable is still read. `WNM_FIREWALL_DISABLED` turns any firewall off.
pub fn wire(machine: &Machine, base_dir: &Path) -> Result<Wired> {
    let runner: Arc<dyn Runner> = Arc::new(wnm_runner::SystemRunner::new());
    let line: Arc<dyn NodeLine> = Arc::new(Antnode04);
    let env_disabled = std::env::var(wnm_firewall::FIREWALL_DISABLED_ENV).ok();
    let chosen = match machine.firewall.parse::<FirewallSetting>()? {
        FirewallSetting::Auto => match std::env::var("WNM_FIREWALL") {
            Ok(v) if !v.trim().is_empty() => v.parse()?,
            _ => FirewallSetting::Auto,
        },
        other => other,
    };
    let firewall = wnm_firewall::choose_firewall(
        chosen,
        wnm_firewall::disabled_by_env(env_disabled.as_deref()),
        &machine.process_manager,
        runner.clone(),
    );
    let ctx = BackendContext {
        manager: machine.process_manager.clone(),
        machine: machine.clone(),
        runner: runner.clone(),
        line: line.clone(),
        firewall: firewall.clone(),
        base_dir: base_dir.to_path_buf(),
        root: fs_root(),
    };
    let backend = registry().build(&ctx)?;
    Ok(Wired {
        runner,
        backend,
        firewall,
        line,
    })
}

/// The machine sampler: sysinfo over `node_storage`, overlaid by the override file when set.
/// Disk % covers every filesystem holding node data: `node_storage` here, and every node's
/// root dir, which the cycle's collect (and the machine-metrics report) hand to the sampler with
/// `set_node_paths` from the nodes it has just read (no second read of the node table).
pub fn sampler(machine: &Machine) -> Result<Box<dyn MachineSampler>> {
    let mut paths = vec![PathBuf::from(&machine.node_storage)];
    paths.retain(|p| p.is_absolute());
    let base: Box<dyn MachineSampler> = Box::new(SysinfoSampler::new(paths)?);
    Ok(match std::env::var_os(OVERRIDE_ENV) {
        Some(f) if !f.is_empty() => Box::new(OverrideSampler::new(base, Path::new(&f))),
        _ => base,
    })
}

/// The OS user nodes run as: `ant` in sudo mode, the invoking user otherwise.
pub fn node_user(machine: &Machine) -> String {
    if machine.process_manager.is_sudo() {
        "ant".to_string()
    } else {
        std::env::var("USER").unwrap_or_else(|_| rustix::process::geteuid().as_raw().to_string())
    }
}

/// An error for a missing home directory.
pub fn no_home() -> Error {
    Error::invalid_config("cannot tell the home directory: set HOME")
}

/// The filesystem root wnm works under: `/`, or `WNM_ROOT` (tests run anm takeovers and systemd
/// layouts on a fake tree).
pub fn fs_root() -> PathBuf {
    std::env::var_os("WNM_ROOT")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/"), PathBuf::from)
}
