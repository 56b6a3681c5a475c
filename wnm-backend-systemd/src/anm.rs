//! Taking a host over from anm (spec §9): its settings (`/var/antctl/config`, minutes turned into
//! seconds), its port base (`ntpr=NN` in `/usr/bin/anms.sh`) and its nodes
//! (`/etc/systemd/system/antnode*.service`), under an overridable filesystem root.
//!
//! [`read_anm_host`] only reads. [`take_over_anm`] is the whole step: it needs
//! `<root>/var/antctl/system`, refuses while `<root>/var/antctl/block` exists (anm is mid-run)
//! before changing anything, reads the host and asks systemd which nodes are active (queries
//! only), and only then disables anm's cron job by renaming `<root>/etc/cron.d/anm` to
//! `anm.disabled-by-wnm` (never deleting it). If anm started in the moment between the check and
//! the rename, the rename is undone and the takeover refused: a refused takeover changes nothing.
use crate::parse::{ParseContext, UnitLocation, is_node_unit_name, parse_node_unit};
use crate::systemctl::{Scope, Systemctl};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wnm_core::{Error, ErrorKind, Machine, Node, NodeStatus, Result, Runner, UnixTime};

/// anm's settings file.
pub const ANM_CONFIG: &str = "var/antctl/config";
/// Exists on hosts anm set up.
pub const ANM_SYSTEM: &str = "var/antctl/system";
/// Exists while anm runs.
pub const ANM_BLOCK: &str = "var/antctl/block";
/// anm's cron job.
pub const ANM_CRON: &str = "etc/cron.d/anm";
/// What the cron job is renamed to.
pub const ANM_CRON_DISABLED: &str = "etc/cron.d/anm.disabled-by-wnm";
/// anm's script, which holds the port base.
pub const ANM_SCRIPT: &str = "usr/bin/anms.sh";
/// Where anm's units are.
pub const ANM_UNIT_DIR: &str = "etc/systemd/system";

/// The settings anm had, each `None` when its file did not say. Delays are in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnmSettings {
    /// `NodeCap`.
    pub node_cap: Option<u32>,
    /// `CpuLessThan`.
    pub cpu_less_than: Option<u32>,
    /// `CpuRemove`.
    pub cpu_remove: Option<u32>,
    /// `MemLessThan`.
    pub mem_less_than: Option<u32>,
    /// `MemRemove`.
    pub mem_remove: Option<u32>,
    /// `HDLessThan`.
    pub hd_less_than: Option<u32>,
    /// `HDRemove`.
    pub hd_remove: Option<u32>,
    /// `DelayStart` (minutes there) in seconds.
    pub delay_start: Option<u64>,
    /// `DelayReStart` / `DelayRestart` in seconds.
    pub delay_restart: Option<u64>,
    /// `DelayUpgrade` in seconds.
    pub delay_upgrade: Option<u64>,
    /// `DelayRemove` in seconds.
    pub delay_remove: Option<u64>,
    /// `NodeStorage`.
    pub node_storage: Option<String>,
    /// The address in `RewardsAddress` (`--rewards-address 0x...`).
    pub rewards_address: Option<String>,
    /// `DonateAddress`.
    pub donate_address: Option<String>,
    /// `MaxLoadAverageAllowed`.
    pub max_load_average_allowed: Option<f64>,
    /// `DesiredLoadAverage`.
    pub desired_load_average: Option<f64>,
    /// `HDIOReadLessThan`.
    pub hdio_read_less_than: Option<u64>,
    /// `HDIOReadRemove`.
    pub hdio_read_remove: Option<u64>,
    /// `HDIOWriteLessThan`.
    pub hdio_write_less_than: Option<u64>,
    /// `HDIOWriteRemove`.
    pub hdio_write_remove: Option<u64>,
    /// `NetIOReadLessThan`.
    pub netio_read_less_than: Option<u64>,
    /// `NetIOReadRemove`.
    pub netio_read_remove: Option<u64>,
    /// `NetIOWriteLessThan`.
    pub netio_write_less_than: Option<u64>,
    /// `NetIOWriteRemove`.
    pub netio_write_remove: Option<u64>,
    /// `Host`.
    pub host: Option<String>,
    /// `ntpr=NN` of `anms.sh`.
    pub port_start: Option<u32>,
    /// Keys of the config file wnm has no use for (`UpgradeHour`, `NodeVersion`, ...).
    pub ignored: Vec<String>,
}

impl AnmSettings {
    /// Put every setting anm had into `m`; anm's metrics ports are fixed at 13000+N.
    pub fn apply_to(&self, m: &mut Machine) {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f.clone() { m.$f = v; } )* };
        }
        set!(
            node_cap,
            cpu_less_than,
            cpu_remove,
            mem_less_than,
            mem_remove,
            hd_less_than,
            hd_remove,
            delay_start,
            delay_restart,
            delay_upgrade,
            delay_remove,
            node_storage,
            rewards_address,
            donate_address,
            max_load_average_allowed,
            desired_load_average,
            hdio_read_less_than,
            hdio_read_remove,
            hdio_write_less_than,
            hdio_write_remove,
            netio_read_less_than,
            netio_read_remove,
            netio_write_less_than,
            netio_write_remove,
            host,
            port_start
        );
        m.metrics_port_start = 13;
    }
}

/// What wnm learns from an anm host.
#[derive(Debug, Clone, PartialEq)]
pub struct AnmHost {
    /// anm's settings.
    pub settings: AnmSettings,
    /// anm's nodes, `systemd+sudo`, sorted by id (status `Stopped` until systemd is asked; `Dead`
    /// when the root dir is gone).
    pub nodes: Vec<Node>,
    /// Units that could not be read, with why.
    pub skipped: Vec<(String, String)>,
    /// Where the cron job went, when [`take_over_anm`] disabled it.
    pub cron_disabled: Option<PathBuf>,
}

/// Parse shell `Key=value` lines (comments, blank lines, `export`, quotes).
pub fn parse_shell_assignments(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v);
        out.insert(k.trim().to_string(), v.to_string());
    }
    out
}

/// The first `0x...` word of a value such as `--rewards-address 0xABC`.
fn address_in(v: &str) -> Option<String> {
    v.split_whitespace()
        .find(|w| w.starts_with("0x") || w.starts_with("0X"))
        .map(str::to_string)
}

/// Parse anm's `/var/antctl/config`.
pub fn parse_anm_config(text: &str) -> Result<AnmSettings> {
    let kv = parse_shell_assignments(text);
    let mut s = AnmSettings::default();
    fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T> {
        v.trim().parse().map_err(|_| {
            Error::invalid_config(format!(
                "anm config: {k}={v:?} is not a number; fix /var/antctl/config or pass the setting on the command line"
            ))
        })
    }
    let minutes = |k: &str, v: &str| -> Result<u64> { Ok(num::<u64>(k, v)? * 60) };
    for (k, v) in &kv {
        let (k, v) = (k.as_str(), v.as_str());
        match k {
            "NodeCap" => s.node_cap = Some(num(k, v)?),
            "CpuLessThan" => s.cpu_less_than = Some(num(k, v)?),
            "CpuRemove" => s.cpu_remove = Some(num(k, v)?),
            "MemLessThan" => s.mem_less_than = Some(num(k, v)?),
            "MemRemove" => s.mem_remove = Some(num(k, v)?),
            "HDLessThan" => s.hd_less_than = Some(num(k, v)?),
            "HDRemove" => s.hd_remove = Some(num(k, v)?),
            "DelayStart" => s.delay_start = Some(minutes(k, v)?),
            "DelayReStart" | "DelayRestart" => s.delay_restart = Some(minutes(k, v)?),
            "DelayUpgrade" => s.delay_upgrade = Some(minutes(k, v)?),
            "DelayRemove" => s.delay_remove = Some(minutes(k, v)?),
            "NodeStorage" => s.node_storage = Some(v.to_string()),
            "RewardsAddress" => s.rewards_address = address_in(v),
            "DonateAddress" => s.donate_address = address_in(v),
            "MaxLoadAverageAllowed" => s.max_load_average_allowed = Some(num(k, v)?),
            "DesiredLoadAverage" => s.desired_load_average = Some(num(k, v)?),
            "HDIOReadLessThan" => s.hdio_read_less_than = Some(num(k, v)?),
            "HDIOReadRemove" => s.hdio_read_remove = Some(num(k, v)?),
            "HDIOWriteLessThan" => s.hdio_write_less_than = Some(num(k, v)?),
            "HDIOWriteRemove" => s.hdio_write_remove = Some(num(k, v)?),
            "NetIOReadLessThan" => s.netio_read_less_than = Some(num(k, v)?),
            "NetIOReadRemove" => s.netio_read_remove = Some(num(k, v)?),
            "NetIOWriteLessThan" => s.netio_write_less_than = Some(num(k, v)?),
            "NetIOWriteRemove" => s.netio_write_remove = Some(num(k, v)?),
            "Host" => s.host = Some(v.to_string()),
            _ => s.ignored.push(k.to_string()),
        }
    }
    Ok(s)
}

/// The port base from `ntpr=NN` in anm's script.
pub fn parse_port_base(script: &str) -> Option<u32> {
    script.lines().find_map(|l| {
        let at = l.find("ntpr=")?;
        let rest = l[at + 5..].trim_start_matches(['"', '\'']);
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

fn dir_age(p: &Path) -> Option<UnixTime> {
    let m = std::fs::metadata(p).ok()?;
    let t = m.created().or_else(|_| m.modified()).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as UnixTime)
}

fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as UnixTime)
        .unwrap_or(0)
}

fn require_anm(root: &Path) -> Result<()> {
    if !root.join(ANM_SYSTEM).exists() {
        return Err(Error::not_found(format!(
            "{} does not exist: this host was not set up by anm, nothing to take over",
            root.join(ANM_SYSTEM).display()
        )));
    }
    Ok(())
}

/// `Locked` while anm runs (`var/antctl/block` exists).
fn refuse_while_anm_runs(root: &Path) -> Result<()> {
    if root.join(ANM_BLOCK).exists() {
        return Err(Error::new(
            ErrorKind::Locked,
            format!(
                "anm is running ({} exists); nothing was changed: wait for it to finish and try again",
                root.join(ANM_BLOCK).display()
            ),
        ));
    }
    Ok(())
}

/// Read an anm host under `root` without changing anything: settings, port base and nodes.
/// Refuses while anm runs (`var/antctl/block`) and on hosts anm did not set up.
pub fn read_anm_host(root: &Path) -> Result<AnmHost> {
    require_anm(root)?;
    refuse_while_anm_runs(root)?;
    let cfg_path = root.join(ANM_CONFIG);
    let mut settings = match std::fs::read_to_string(&cfg_path) {
        Ok(t) => parse_anm_config(&t)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => AnmSettings::default(),
        Err(e) => return Err(Error::io(format!("reading {}", cfg_path.display()), e)),
    };
    settings.port_start = std::fs::read_to_string(root.join(ANM_SCRIPT))
        .ok()
        .and_then(|t| parse_port_base(&t));

    let ctx = ParseContext {
        location: UnitLocation::System,
        default_user: "ant".into(),
        host: settings.host.clone().unwrap_or_else(|| "127.0.0.1".into()),
        now: now(),
    };
    let unit_dir = root.join(ANM_UNIT_DIR);
    let mut nodes = Vec::new();
    let mut skipped = Vec::new();
    let entries = match std::fs::read_dir(&unit_dir) {
        Ok(e) => e.collect::<std::io::Result<Vec<_>>>(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
    .map_err(|e| Error::io(format!("listing {}", unit_dir.display()), e))?;
    for entry in entries {
        let name = entry.file_name().to_string_lossy().to_string();
        if !is_node_unit_name(&name) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path())
            .map_err(|e| Error::io(format!("reading {}", entry.path().display()), e))?;
        match parse_node_unit(&name, &text, &ctx) {
            Ok(p) => {
                let mut n = p.node;
                let data = root.join(n.root_dir.trim_start_matches('/'));
                if !data.is_dir() {
                    n.status = NodeStatus::Dead;
                }
                if let Some(t) = dir_age(&data) {
                    n.created_at = t;
                }
                nodes.push(n);
            }
            Err(e) => skipped.push((name, e.to_string())),
        }
    }
    nodes.sort_by_key(|n| n.id);
    Ok(AnmHost {
        settings,
        nodes,
        skipped,
        cron_disabled: None,
    })
}

/// Rename `<root>/etc/cron.d/anm` to `anm.disabled-by-wnm`; `None` when there was none.
pub fn disable_anm_cron(root: &Path) -> Result<Option<PathBuf>> {
    let (from, to) = (root.join(ANM_CRON), root.join(ANM_CRON_DISABLED));
    match std::fs::rename(&from, &to) {
        Ok(()) => Ok(Some(to)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(
            format!(
                "disabling anm's cron job ({} -> {})",
                from.display(),
                to.display()
            ),
            e,
        )),
    }
}

/// Rename `from` to `to`, through `sudo -n mv` when wnm is not root and may not do it itself
/// (`/etc/cron.d` belongs to root).
async fn rename_privileged(from: &Path, to: &Path, runner: &dyn Runner, what: &str) -> Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if !rustix::process::geteuid().is_root() => {
            let cmd = wnm_core::CommandSpec::new(
                "sudo",
                [
                    "-n".to_string(),
                    "mv".into(),
                    "-f".into(),
                    from.display().to_string(),
                    to.display().to_string(),
                ],
            );
            let out = runner.run(&cmd).await?;
            crate::error::check(&cmd, &out, what).map_err(|e2| {
                Error::new(e2.kind(), format!("{}; first attempt: {e}", e2.message()))
            })
        }
        Err(e) => Err(Error::io(
            format!("{what} ({} -> {})", from.display(), to.display()),
            e,
        )),
    }
}

/// Set each node's status from `systemctl is-active` (one call for all): `active` is Running,
/// anything else Stopped; Dead nodes stay Dead.
pub async fn refresh_statuses(
    runner: &dyn Runner,
    systemctl: &Systemctl,
    nodes: &mut [Node],
) -> Result<()> {
    if nodes.is_empty() {
        return Ok(());
    }
    let units: Vec<String> = nodes
        .iter()
        .map(|n| format!("{}.service", n.service_name))
        .collect();
    let cmd = systemctl.is_active(&units);
    let out = runner.run(&cmd).await?;
    let lines: Vec<&str> = out.stdout.lines().map(str::trim).collect();
    if lines.len() != units.len() {
        return Err(Error::backend(format!(
            "`{}` answered {} lines for {} units: {}",
            cmd.display(),
            lines.len(),
            units.len(),
            crate::error::detail(&out)
        )));
    }
    for (n, state) in nodes.iter_mut().zip(lines) {
        if n.status != NodeStatus::Dead {
            n.status = if state == "active" {
                NodeStatus::Running
            } else {
                NodeStatus::Stopped
            };
        }
    }
    Ok(())
}

/// The takeover step: needs anm's marker and refuses while anm runs (both before any change),
/// reads the host, asks systemd which nodes are active (a query: no root needed), then disables
/// anm's cron job. Should anm have started meanwhile, the cron job is put back and the takeover
/// refused, so a refusal always leaves the host as it was.
pub async fn take_over_anm(root: &Path, runner: &dyn Runner) -> Result<AnmHost> {
    let mut host = read_anm_host(root)?;
    let systemctl = Systemctl::new(Scope::System, false);
    refresh_statuses(runner, &systemctl, &mut host.nodes).await?;
    let (from, to) = (root.join(ANM_CRON), root.join(ANM_CRON_DISABLED));
    host.cron_disabled = if from.exists() {
        rename_privileged(&from, &to, runner, "disabling anm's cron job").await?;
        Some(to.clone())
    } else {
        None
    };
    if let Err(e) = refuse_while_anm_runs(root) {
        if host.cron_disabled.is_some() {
            rename_privileged(&to, &from, runner, "re-enabling anm's cron job")
                .await
                .map_err(|e2| {
                    Error::new(
                        e2.kind(),
                        format!("{}; anm started during the takeover ({e})", e2.message()),
                    )
                })?;
        }
        return Err(e);
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ANM_CONFIG as CONFIG_TEXT, ANM_UNIT, ANTCTL_UNIT, WALLET};
    use std::sync::Arc;
    use wnm_core::CommandOutput;
    use wnm_runner::RecordingRunner;

    fn anm_tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for dir in [
            "var/antctl/services/antnode0001",
            "var/antctl/services/antnode0002",
            "var/log/antnode/antnode0001",
            "etc/systemd/system",
            "etc/cron.d",
            "usr/bin",
        ] {
            std::fs::create_dir_all(r.join(dir)).unwrap();
        }
        std::fs::write(r.join(ANM_SYSTEM), "").unwrap();
        std::fs::write(r.join(ANM_CONFIG), CONFIG_TEXT).unwrap();
        std::fs::write(
            r.join(ANM_CRON),
            "* * * * * root /bin/bash /usr/bin/anms.sh >> /var/antctl/log\n",
        )
        .unwrap();
        std::fs::write(
            r.join(ANM_SCRIPT),
            "#!/bin/bash\n# ports\nntpr=56\nnode_ports=$((ntpr*1000))\n",
        )
        .unwrap();
        let unit_dir = r.join(ANM_UNIT_DIR);
        std::fs::write(unit_dir.join("antnode0001.service"), ANM_UNIT).unwrap();
        std::fs::write(
            unit_dir.join("antnode0002.service"),
            ANM_UNIT
                .replace("0001", "0002")
                .replace("55001", "55002")
                .replace("13001", "13002"),
        )
        .unwrap();
        // node 3's data is gone; a non-node unit and a broken one are ignored / skipped
        std::fs::write(
            unit_dir.join("antnode0003.service"),
            ANM_UNIT
                .replace("0001", "0003")
                .replace("55001", "55003")
                .replace("13001", "13003"),
        )
        .unwrap();
        std::fs::write(
            unit_dir.join("antnode0004.service"),
            "[Service]\nUser=ant\n",
        )
        .unwrap();
        std::fs::write(
            unit_dir.join("ssh.service"),
            "[Service]\nExecStart=/usr/sbin/sshd\n",
        )
        .unwrap();
        d
    }

    #[test]
    fn config_fixture_maps_onto_machine_with_minutes_as_seconds() {
        let s = parse_anm_config(CONFIG_TEXT).unwrap();
        assert_eq!(s.node_cap, Some(20));
        assert_eq!((s.cpu_less_than, s.cpu_remove), (Some(50), Some(70)));
        assert_eq!((s.mem_less_than, s.mem_remove), (Some(70), Some(90)));
        assert_eq!((s.hd_less_than, s.hd_remove), (Some(70), Some(90)));
        assert_eq!(s.delay_start, Some(300));
        assert_eq!(s.delay_restart, Some(300));
        assert_eq!(s.delay_upgrade, Some(300));
        assert_eq!(s.delay_remove, Some(600));
        assert_eq!(s.node_storage.as_deref(), Some("/var/antctl/services"));
        assert_eq!(s.rewards_address.as_deref(), Some(WALLET));
        assert_eq!(s.max_load_average_allowed, Some(8.0));
        assert_eq!(s.desired_load_average, Some(4.8));
        for k in [
            "DiscordUsername",
            "UpgradeHour",
            "UpgradeMin",
            "NodeVersion",
        ] {
            assert!(s.ignored.contains(&k.to_string()), "{k}");
        }
        let mut m = Machine::defaults_for(2);
        s.apply_to(&mut m);
        assert_eq!(m.mem_less_than, 70);
        assert_eq!(m.delay_remove, 600);
        assert_eq!(m.max_load_average_allowed, 8.0);
        assert_eq!(m.rewards_address, WALLET);
        assert_eq!(m.port_start, 55, "no ntpr in the config file");
        assert_eq!(m.cpu_count, 2, "untouched");
    }

    #[test]
    fn bad_numbers_are_reported() {
        let e = parse_anm_config("NodeCap=lots\n").unwrap_err();
        assert!(e.message().contains("NodeCap"), "{e}");
        assert_eq!(parse_port_base("x\n  ntpr=\"57\" # base\n"), Some(57));
        assert_eq!(parse_port_base("nothing"), None);
    }

    #[test]
    fn reads_the_fake_anm_tree() {
        let d = anm_tree();
        let host = read_anm_host(d.path()).unwrap();
        assert_eq!(host.settings.port_start, Some(56));
        let ids: Vec<u32> = host.nodes.iter().map(|n| n.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        let n1 = &host.nodes[0];
        assert_eq!(n1.manager.to_string(), "systemd+sudo");
        assert_eq!((n1.port, n1.metrics_port), (55001, 13001));
        assert_eq!(n1.wallet, WALLET);
        assert_eq!(n1.root_dir, "/var/antctl/services/antnode0001");
        assert_eq!(n1.status, NodeStatus::Stopped);
        assert!(n1.created_at > 1_600_000_000);
        assert_eq!(host.nodes[2].status, NodeStatus::Dead);
        assert_eq!(host.skipped.len(), 1);
        assert_eq!(host.skipped[0].0, "antnode0004.service");
        // reading changed nothing
        assert!(d.path().join(ANM_CRON).exists());
    }

    #[test]
    fn refuses_while_anm_runs_and_without_anm() {
        let d = anm_tree();
        std::fs::write(d.path().join(ANM_BLOCK), "").unwrap();
        assert_eq!(
            read_anm_host(d.path()).unwrap_err().kind(),
            ErrorKind::Locked
        );
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            read_anm_host(empty.path()).unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }

    #[tokio::test]
    async fn take_over_disables_cron_and_asks_systemd() {
        let d = anm_tree();
        let r = Arc::new(RecordingRunner::new());
        r.push_output(CommandOutput {
            code: Some(3),
            stdout: "active\ninactive\ninactive\n".into(),
            stderr: String::new(),
        });
        let host = take_over_anm(d.path(), r.as_ref()).await.unwrap();
        assert!(!d.path().join(ANM_CRON).exists());
        let disabled = d.path().join(ANM_CRON_DISABLED);
        assert_eq!(host.cron_disabled.as_deref(), Some(disabled.as_path()));
        assert!(
            std::fs::read_to_string(&disabled)
                .unwrap()
                .contains("anms.sh")
        );
        let st: Vec<NodeStatus> = host.nodes.iter().map(|n| n.status).collect();
        assert_eq!(
            st,
            vec![NodeStatus::Running, NodeStatus::Stopped, NodeStatus::Dead]
        );
        let line = r.run_lines().pop().unwrap();
        assert!(
            line.ends_with(
                "systemctl is-active antnode0001.service antnode0002.service antnode0003.service"
            ),
            "{line}"
        );
        // a second takeover finds the cron job already disabled
        r.push_output(CommandOutput {
            code: Some(0),
            stdout: "active\nactive\nactive\n".into(),
            stderr: String::new(),
        });
        let again = take_over_anm(d.path(), r.as_ref()).await.unwrap();
        assert_eq!(again.cron_disabled, None);
        assert!(disabled.exists());
    }

    /// Every file under `root` with its bytes (what "changed nothing" compares).
    fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.clone(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn a_refused_takeover_changes_nothing() {
        let d = anm_tree();
        std::fs::write(d.path().join(ANM_BLOCK), "").unwrap();
        let before = tree(d.path());
        let r = RecordingRunner::new();
        let e = take_over_anm(d.path(), &r).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked);
        assert!(e.message().contains("nothing was changed"), "{e}");
        assert_eq!(tree(d.path()), before, "cron job, units, config untouched");
        assert!(d.path().join(ANM_CRON).exists());
        assert!(!d.path().join(ANM_CRON_DISABLED).exists());
        assert!(r.runs().is_empty(), "not even systemd was asked");
        // once anm is done the takeover goes through
        std::fs::remove_file(d.path().join(ANM_BLOCK)).unwrap();
        r.push_output(CommandOutput {
            code: Some(0),
            stdout: "active\nactive\nactive\n".into(),
            stderr: String::new(),
        });
        take_over_anm(d.path(), &r).await.unwrap();
        assert!(d.path().join(ANM_CRON_DISABLED).exists());
    }

    #[tokio::test]
    async fn anm_starting_during_the_takeover_puts_the_cron_job_back() {
        let d = anm_tree();
        let before = tree(d.path());
        // anm creates its block file while wnm asks systemd (after the first check).
        struct BlockWhileAsked(PathBuf, RecordingRunner);
        #[async_trait::async_trait]
        impl Runner for BlockWhileAsked {
            async fn run(&self, cmd: &wnm_core::CommandSpec) -> Result<CommandOutput> {
                std::fs::write(&self.0, "").unwrap();
                self.1.run(cmd).await
            }
            async fn spawn_detached(&self, cmd: &wnm_core::CommandSpec) -> Result<u32> {
                self.1.spawn_detached(cmd).await
            }
            fn signal(&self, pid: u32, s: wnm_core::Signal) -> Result<()> {
                self.1.signal(pid, s)
            }
            fn is_alive(&self, pid: u32) -> bool {
                self.1.is_alive(pid)
            }
        }
        let inner = RecordingRunner::new();
        inner.push_output(CommandOutput {
            code: Some(0),
            stdout: "active\nactive\nactive\n".into(),
            stderr: String::new(),
        });
        let r = BlockWhileAsked(d.path().join(ANM_BLOCK), inner);
        let e = take_over_anm(d.path(), &r).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Locked);
        std::fs::remove_file(d.path().join(ANM_BLOCK)).unwrap();
        assert_eq!(tree(d.path()), before, "the cron job is back where it was");
    }

    #[test]
    fn antctl_units_among_anm_ones_are_marked_antctl() {
        let d = anm_tree();
        std::fs::write(
            d.path().join(ANM_UNIT_DIR).join("antnode5.service"),
            ANTCTL_UNIT,
        )
        .unwrap();
        let host = read_anm_host(d.path()).unwrap();
        let n5 = host.nodes.iter().find(|n| n.id == 5).unwrap();
        assert_eq!(n5.manager.to_string(), "antctl+sudo");
    }
}
