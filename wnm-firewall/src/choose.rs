//! Choosing the firewall: an explicit setting (`ufw`, `none`), `WNM_FIREWALL_DISABLED`, and by
//! default UFW in sudo mode when `ufw` is installed, the null firewall otherwise.
use crate::ufw::UfwFirewall;
use std::path::Path;
use std::sync::Arc;
use wnm_core::{Firewall, FirewallSetting, NullFirewall, ProcessManager, Runner};

/// Environment variable that turns the firewall off whatever the setting (any value but empty, `0`, `false`, `no`).
pub const FIREWALL_DISABLED_ENV: &str = "WNM_FIREWALL_DISABLED";

/// True when the value of `WNM_FIREWALL_DISABLED` turns the firewall off.
pub fn disabled_by_env(value: Option<&str>) -> bool {
    match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(v) => !matches!(v.as_str(), "" | "0" | "false" | "no" | "off"),
    }
}

/// Pure choice: true means UFW, false means the null firewall.
pub fn wants_ufw(
    setting: FirewallSetting,
    env_disabled: bool,
    manager: &ProcessManager,
    ufw_present: bool,
) -> bool {
    if env_disabled {
        return false;
    }
    match setting {
        FirewallSetting::Ufw => true,
        FirewallSetting::Null => false,
        FirewallSetting::Auto => manager.is_sudo() && ufw_present,
    }
}

/// True when a `ufw` program is on `PATH` or in `/usr/sbin`, `/sbin`.
pub fn ufw_installed() -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|d| is_executable_file(&d.join("ufw")))
}

fn is_executable_file(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The firewall for `manager` and `setting`; `env_disabled` (from [`FIREWALL_DISABLED_ENV`])
/// wins over everything. Auto means UFW in sudo mode when ufw is installed, the null firewall
/// otherwise (user mode never needs root for ports above 1024 and cannot change the firewall).
pub fn choose_firewall(
    setting: FirewallSetting,
    env_disabled: bool,
    manager: &ProcessManager,
    runner: Arc<dyn Runner>,
) -> Arc<dyn Firewall> {
    // Only look for the program when the answer depends on it.
    let present = setting == FirewallSetting::Auto && manager.is_sudo() && ufw_installed();
    if wants_ufw(setting, env_disabled, manager, present) {
        Arc::new(UfwFirewall::new(runner))
    } else {
        Arc::new(NullFirewall)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_runner::RecordingRunner;

    fn pm(s: &str) -> ProcessManager {
        s.parse().unwrap()
    }

    #[test]
    fn env_values() {
        for v in ["1", "true", "yes", "anything"] {
            assert!(disabled_by_env(Some(v)), "{v}");
        }
        for v in [None, Some(""), Some("0"), Some("false"), Some("NO")] {
            assert!(!disabled_by_env(v), "{v:?}");
        }
    }

    #[test]
    fn the_choice_table() {
        use FirewallSetting::*;
        let sudo = pm("systemd+sudo");
        let user = pm("systemd+user");
        // (setting, env_disabled, manager, ufw present) -> ufw?
        let table = [
            (Auto, false, &sudo, true, true),
            (Auto, false, &sudo, false, false),
            (Auto, false, &user, true, false),
            (Auto, true, &sudo, true, false),
            (Ufw, false, &user, false, true),
            (Ufw, true, &sudo, true, false),
            (Null, false, &sudo, true, false),
        ];
        for (setting, env, m, present, want) in table {
            assert_eq!(
                wants_ufw(setting, env, m, present),
                want,
                "{setting:?} env={env} {m} present={present}"
            );
        }
    }

    #[test]
    fn choose_builds_the_right_firewall() {
        use FirewallSetting::*;
        let r: Arc<dyn Runner> = Arc::new(RecordingRunner::new());
        let f = choose_firewall(Ufw, false, &pm("systemd+user"), r.clone());
        assert_eq!(f.name(), "ufw");
        let f = choose_firewall(Ufw, true, &pm("systemd+sudo"), r.clone());
        assert_eq!(f.name(), "null");
        let f = choose_firewall(Auto, false, &pm("systemd+user"), r.clone());
        assert_eq!(f.name(), "null");
        let f = choose_firewall(Null, false, &pm("systemd+sudo"), r.clone());
        assert_eq!(f.name(), "null");
        let f = choose_firewall(Auto, false, &pm("systemd+sudo"), r);
        assert_eq!(f.name(), if ufw_installed() { "ufw" } else { "null" });
    }
}
