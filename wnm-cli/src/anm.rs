//! `wnm --init --migrate_anm`: take over a host run by anm (the bash tool): its settings become
//! the defaults of this init (flags given now still win), its cron job is disabled, and every
//! `antnode*.service` unit is imported as a `systemd+sudo` node without restarting it.
use std::path::Path;
use std::process::ExitCode;
use wnm_config::RunOptions;
use wnm_core::{Machine, Result};
#[cfg(feature = "systemd")]
use wnm_core::{NodeStatus, ProcessManager};
use wnm_runtime::cycle::Cycle;

/// Read anm's settings (read only) and lay them under this init's flags.
#[cfg(feature = "systemd")]
pub fn read_settings(root: &Path, defaults: &mut Machine) -> Result<()> {
    let host = wnm_backend_systemd::anm::read_anm_host(root)?;
    host.settings.apply_to(defaults);
    defaults.process_manager =
        ProcessManager::new(ProcessManager::SYSTEMD, wnm_core::ManagerMode::Sudo)?;
    Ok(())
}

/// Disable anm's cron job and import its nodes with their true status.
#[cfg(feature = "systemd")]
pub async fn take_over(
    cycle: &mut Cycle,
    opts: &RunOptions,
    machine: &Machine,
) -> Result<ExitCode> {
    let root = crate::wire::fs_root();
    if opts.dry_run {
        let host = wnm_backend_systemd::anm::read_anm_host(&root)?;
        println!(
            "would take over {} anm node(s) and disable {} (dry run, nothing changed)",
            host.nodes.len(),
            root.join("etc/cron.d/anm").display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let host = wnm_backend_systemd::anm::take_over_anm(&root, cycle.runner.as_ref()).await?;
    let known: Vec<u32> = cycle.store.nodes().await?.iter().map(|n| n.id).collect();
    let new: Vec<_> = host
        .nodes
        .into_iter()
        .filter(|n| !known.contains(&n.id))
        .collect();
    cycle
        .store
        .insert_nodes(
            &new,
            "taken over from anm by wnm --init --migrate_anm",
            cycle.clock.now(),
        )
        .await?;
    if let Some(h) = new.iter().map(|n| n.id).max() {
        let mut m = machine.clone();
        m.highest_node_id_used = Some(m.highest_node_id_used.unwrap_or(0).max(h));
        cycle.store.save_machine(&m).await?;
    }
    if !opts.quiet {
        let running = new
            .iter()
            .filter(|n| n.status == NodeStatus::Running)
            .count();
        println!(
            "took over {} anm node(s) ({running} running, none restarted); anm's cron job moved to {}",
            new.len(),
            host.cron_disabled
                .map_or_else(|| "(none found)".to_string(), |p| p.display().to_string())
        );
        for (unit, why) in &host.skipped {
            eprintln!("wnm: skipped {unit}: {why}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Without the systemd backend there is no anm takeover.
#[cfg(not(feature = "systemd"))]
pub fn read_settings(_root: &Path, _defaults: &mut Machine) -> Result<()> {
    Err(wnm_core::Error::unsupported(
        "--migrate_anm needs the systemd backend: build wnm with the `systemd` feature",
    ))
}

/// Without the systemd backend there is no anm takeover.
#[cfg(not(feature = "systemd"))]
pub async fn take_over(
    _cycle: &mut Cycle,
    _opts: &RunOptions,
    _machine: &Machine,
) -> Result<ExitCode> {
    Err(wnm_core::Error::unsupported(
        "--migrate_anm needs the systemd backend: build wnm with the `systemd` feature",
    ))
}
