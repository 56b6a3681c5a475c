//! The `machine-config` report in four formats: text `key: value`, JSON, env `UPPER_KEY=value`
//! (text single-quoted so `set -a; . FILE` and the `.env` reader both load it), and config
//! `key=value` (reloadable with `-c`). env and config hold only keys wnm reads back; text and JSON
//! also show the run state (`last_stopped_at`).
use crate::keys::{self, Kind};
use crate::options::ReportFormat;
use serde_json::{Map, Value};
use wnm_core::Machine;

/// One `(key, value)` row of a key/value report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// snake_case key.
    pub key: String,
    /// The value as text (no quoting).
    pub text: String,
    /// The value typed for JSON.
    pub json: Value,
    /// Text values are quoted in env and config output.
    pub kind: Kind,
}

/// The rows of the machine-config report: every setting, then `dbpath` when given. With
/// `with_state`, also the run state: the settings flagged [`keys::Setting::run_state`]
/// (`highest_node_id_used`: operators may give it, but it is never written into env/config
/// files) and `last_stopped_at`.
pub fn machine_config_rows(m: &Machine, dbpath: Option<&str>, with_state: bool) -> Vec<Row> {
    let json = serde_json::to_value(m).unwrap_or(Value::Null);
    let mut rows: Vec<Row> = keys::settings()
        // Run state a stale config file must not wind back (antctl would reuse node numbers).
        .filter(|k| with_state || !k.is_run_state())
        .map(|k| Row {
            key: k.name.to_string(),
            text: (k.setting.expect("setting").get)(m),
            json: json.get(k.name).cloned().unwrap_or(Value::Null),
            kind: k.kind,
        })
        .collect();
    if with_state {
        rows.push(Row {
            key: "last_stopped_at".into(),
            text: m.last_stopped_at.to_string(),
            json: json["last_stopped_at"].clone(),
            kind: Kind::Int,
        });
    }
    if let Some(db) = dbpath {
        rows.push(Row {
            key: "dbpath".into(),
            text: db.to_string(),
            json: Value::String(db.to_string()),
            kind: Kind::Text,
        });
    }
    rows
}

/// Render the machine-config report. `dbpath` is the database in use (the Python wnm printed it).
pub fn render_machine_config(m: &Machine, dbpath: Option<&str>, format: ReportFormat) -> String {
    let with_state = matches!(format, ReportFormat::Text | ReportFormat::Json);
    render_rows(&machine_config_rows(m, dbpath, with_state), format)
}

/// Render key/value rows in any report format (also usable for machine-metrics).
pub fn render_rows(rows: &[Row], format: ReportFormat) -> String {
    match format {
        ReportFormat::Json => {
            let obj: Map<String, Value> = rows
                .iter()
                .map(|r| (r.key.clone(), r.json.clone()))
                .collect();
            serde_json::to_string_pretty(&Value::Object(obj)).unwrap_or_default() + "\n"
        }
        ReportFormat::Text => rows
            .iter()
            .map(|r| format!("{}: {}\n", r.key, r.text))
            .collect(),
        ReportFormat::Env => rows
            .iter()
            .map(|r| {
                let v = if r.kind == Kind::Text {
                    shell_quote(&r.text)
                } else {
                    r.text.clone()
                };
                format!("{}={v}\n", r.key.to_ascii_uppercase())
            })
            .collect(),
        ReportFormat::Config => rows
            .iter()
            .map(|r| {
                let v = if r.kind == Kind::Text {
                    config_quote(&r.text)
                } else {
                    r.text.clone()
                };
                format!("{}={v}\n", r.key)
            })
            .collect(),
    }
}

/// Quote for POSIX shells: `'...'`, with `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Quote for wnm config files: `"..."` with `\` and `"` escaped.
pub fn config_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', r"\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Machine {
        let mut m = Machine::defaults_for(8);
        m.node_storage = "/srv/my nodes".into();
        m.rewards_address = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93,faucet:1".into();
        m.start_args = r#"--log "a b" it's \ok"#.into();
        m.highest_node_id_used = Some(12);
        m
    }

    #[test]
    fn text_lists_settings_state_and_dbpath() {
        let t = render_machine_config(&sample(), Some("/db/colony.db"), ReportFormat::Text);
        assert!(t.starts_with("cpu_count: 8\nnode_cap: 20\n"), "{t}");
        assert!(t.contains("\nnode_storage: /srv/my nodes\n"));
        assert!(t.contains("\nmax_load_average_allowed: 8.0\n"));
        assert!(t.contains("\nhighest_node_id_used: 12\n"));
        assert!(t.ends_with("dbpath: /db/colony.db\n"));
    }

    #[test]
    fn json_is_typed() {
        let j: Value =
            serde_json::from_str(&render_machine_config(&sample(), None, ReportFormat::Json))
                .unwrap();
        assert_eq!(j["node_cap"], 20);
        assert_eq!(j["no_upnp"], false);
        assert_eq!(j["desired_load_average"], 4.8);
        assert_eq!(
            j["process_manager"],
            wnm_core::ProcessManager::platform_default().to_string()
        );
        assert_eq!(j["antctl_version"], Value::Null);
        assert_eq!(j["highest_node_id_used"], 12);
        assert!(j.get("dbpath").is_none());
    }

    #[test]
    fn env_and_config_quote_text_and_omit_state() {
        let e = render_machine_config(&sample(), Some("/db"), ReportFormat::Env);
        assert!(e.contains("\nNODE_STORAGE='/srv/my nodes'\n"), "{e}");
        assert!(e.contains(r#"START_ARGS='--log "a b" it'\''s \ok'"#), "{e}");
        assert!(e.contains("\nNODE_CAP=20\n"));
        assert!(e.contains("\nANTCTL_VERSION=''\n"));
        assert!(e.ends_with("DBPATH='/db'\n"));
        assert!(!e.contains("HIGHEST_NODE_ID_USED") && !e.contains("LAST_STOPPED_AT"));
        let c = render_machine_config(&sample(), None, ReportFormat::Config);
        assert!(c.contains("\nnode_storage=\"/srv/my nodes\"\n"), "{c}");
        assert!(c.contains(r#"start_args="--log \"a b\" it's \\ok""#), "{c}");
        assert!(!c.contains("highest_node_id_used"));
    }
}
