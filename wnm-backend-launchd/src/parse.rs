//! Reading back (pure): job plists (ours, the Python wnm's, hand-edited ones: any key order,
//! extra keys, `<true/>` or `<true></true>`, comments, entities) into a [`PlistSpec`], the output
//! of `launchctl list LABEL` into a [`ListEntry`], and the table of `launchctl list` into
//! [`TableEntry`]s.
use crate::launchctl::EXIT_NOT_FOUND;
use crate::plist::PlistSpec;
use wnm_core::{CommandOutput, Error, Result};

fn string_of(v: &plist::Value) -> Option<String> {
    match v {
        plist::Value::String(s) => Some(s.clone()),
        plist::Value::Integer(i) => Some(i.to_string()),
        plist::Value::Real(r) => Some(r.to_string()),
        plist::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `KeepAlive` is a boolean or a dictionary of conditions (`SuccessfulExit`, `Crashed`, ...):
/// any dictionary keeps the job alive under some condition, so it counts as on.
fn keep_alive_of(v: Option<&plist::Value>) -> bool {
    match v {
        Some(plist::Value::Boolean(b)) => *b,
        Some(plist::Value::Dictionary(_)) => true,
        _ => false,
    }
}

/// Parse a job plist (XML). Needs a dictionary with a string `Label` and either
/// `ProgramArguments` (strings) or `Program`; every other key is optional and unknown keys are
/// ignored. Binary plists are refused (launchd reads them, but no wnm ever wrote one).
pub fn parse_plist(text: &str) -> Result<PlistSpec> {
    let value = plist::Value::from_reader_xml(text.as_bytes())
        .map_err(|e| Error::invalid_config(format!("not an XML property list: {e}")))?;
    let dict = value
        .as_dictionary()
        .ok_or_else(|| Error::invalid_config("the property list is not a dictionary"))?;
    let label = dict
        .get("Label")
        .and_then(plist::Value::as_string)
        .ok_or_else(|| Error::invalid_config("the job has no string Label"))?
        .to_string();
    let mut program_arguments: Vec<String> = match dict.get("ProgramArguments") {
        Some(plist::Value::Array(a)) => a
            .iter()
            .map(|v| {
                string_of(v).ok_or_else(|| {
                    Error::invalid_config(format!("{label}: ProgramArguments holds a non-string"))
                })
            })
            .collect::<Result<_>>()?,
        Some(_) => {
            return Err(Error::invalid_config(format!(
                "{label}: ProgramArguments is not an array"
            )));
        }
        None => Vec::new(),
    };
    // `Program` names the executable; ProgramArguments[0] is then only argv[0].
    if let Some(program) = dict.get("Program").and_then(plist::Value::as_string) {
        if program_arguments.is_empty() {
            program_arguments.push(program.to_string());
        } else {
            program_arguments[0] = program.to_string();
        }
    }
    if program_arguments.is_empty() {
        return Err(Error::invalid_config(format!(
            "{label}: the job has neither ProgramArguments nor Program"
        )));
    }
    let environment = match dict.get("EnvironmentVariables") {
        Some(plist::Value::Dictionary(env)) => env
            .iter()
            .filter_map(|(k, v)| string_of(v).map(|v| (k.clone(), v)))
            .collect(),
        _ => Vec::new(),
    };
    let text_key = |k: &str| {
        dict.get(k)
            .and_then(plist::Value::as_string)
            .map(str::to_string)
    };
    Ok(PlistSpec {
        program_arguments,
        environment,
        working_directory: text_key("WorkingDirectory"),
        stdout_path: text_key("StandardOutPath"),
        stderr_path: text_key("StandardErrorPath"),
        user_name: text_key("UserName"),
        run_at_load: dict
            .get("RunAtLoad")
            .and_then(plist::Value::as_boolean)
            .unwrap_or(false),
        keep_alive: keep_alive_of(dict.get("KeepAlive")),
        label,
    })
}

/// One job as `launchctl list LABEL` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListEntry {
    /// `"Label"`.
    pub label: Option<String>,
    /// `"PID"`: present only while the job's process runs.
    pub pid: Option<u32>,
    /// `"LastExitStatus"`: the wait status of the last exit (exit code * 256, or the signal).
    pub last_exit_status: Option<i64>,
}

impl ListEntry {
    /// True while the job has a process.
    pub fn running(&self) -> bool {
        self.pid.is_some()
    }
}

/// Parse the dictionary `launchctl list LABEL` prints:
///
/// ```text
/// {
///     "LimitLoadToSessionType" = "Aqua";
///     "Label" = "com.autonomi.antnode-1";
///     "OnDemand" = false;
///     "LastExitStatus" = 0;
///     "PID" = 4242;
///     "Program" = "/Users/ant/.../antnode";
///     "ProgramArguments" = (
///         "/Users/ant/.../antnode";
///         "--port";
///     );
/// };
/// ```
///
/// Only top-level `"Key" = value;` lines count (nested arrays and dictionaries are skipped), keys
/// in any order, unknown keys ignored. Refuses text that is not such a dictionary.
pub fn parse_list(stdout: &str) -> Result<ListEntry> {
    let text = stdout.trim();
    if !text.starts_with('{') {
        return Err(Error::new(
            wnm_core::ErrorKind::BadAnswer,
            format!(
                "launchctl list printed {:?}, not a job dictionary",
                text.chars().take(120).collect::<String>()
            ),
        ));
    }
    let mut e = ListEntry::default();
    let mut depth = 0usize;
    for raw in text.lines() {
        let line = raw.trim();
        if depth == 1
            && let Some((k, v)) = line.split_once(" = ")
        {
            let key = k.trim().trim_matches('"');
            let value = v.trim().trim_end_matches(';').trim();
            match key {
                "Label" => e.label = Some(unquote(value)),
                "PID" => e.pid = value.parse().ok().filter(|p| *p > 0),
                "LastExitStatus" => e.last_exit_status = value.parse().ok(),
                _ => {}
            }
        }
        let bare = outside_quotes(line);
        depth += bare.matches(['{', '(']).count();
        depth = depth.saturating_sub(bare.matches(['}', ')']).count());
    }
    Ok(e)
}

/// `line` without its quoted strings (a path may hold brackets that open nothing).
fn outside_quotes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let (mut quoted, mut escaped) = (false, false);
    for c in line.chars() {
        match (quoted, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, _, '"') => quoted = !quoted,
            (false, _, c) => out.push(c),
            _ => {}
        }
    }
    out
}

fn unquote(v: &str) -> String {
    let inner = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    inner.replace("\\\"", "\"").replace("\\\\", "\\")
}

/// One line of the `launchctl list` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    /// The job's label.
    pub label: String,
    /// Its process, while it runs.
    pub pid: Option<u32>,
    /// The last exit code, or minus the signal that ended it (`None` for `-`).
    pub status: Option<i64>,
}

/// Parse the table `launchctl list` prints: every job of the domain in three tab-separated
/// columns under the header `PID\tStatus\tLabel`, as launchctl(1) documents it: "The first
/// column displays the PID of the job if it is running. The second column displays the last exit
/// status of the job. If the number in this column is negative, it represents the negative of the
/// signal which stopped the job. The third column is the job's label." A column without a value
/// holds `-`:
///
/// ```text
/// PID<TAB>Status<TAB>Label
/// 4242<TAB>0<TAB>com.autonomi.antnode-1
/// -<TAB>0<TAB>com.autonomi.antnode-2
/// -<TAB>-9<TAB>com.autonomi.antnode-3
/// ```
///
/// Refuses text without that header (a sudo prompt, a job dictionary) and lines that are not
/// three columns with a number or `-` in the first two.
pub fn parse_list_table(stdout: &str) -> Result<Vec<TableEntry>> {
    let bad = |what: String| Error::new(wnm_core::ErrorKind::BadAnswer, what);
    let mut lines = stdout.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if header != ["PID", "Status", "Label"] {
        return Err(bad(format!(
            "launchctl list printed {:?}, not its PID/Status/Label table",
            stdout.chars().take(120).collect::<String>()
        )));
    }
    lines
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            let number = |c: &str| -> std::result::Result<Option<i64>, ()> {
                if c == "-" {
                    Ok(None)
                } else {
                    c.parse().map(Some).map_err(|_| ())
                }
            };
            match cols.as_slice() {
                [pid, status, label] if !label.is_empty() => match (number(pid), number(status)) {
                    (Ok(p), Ok(st)) => Ok(TableEntry {
                        label: label.to_string(),
                        pid: p.and_then(|p| u32::try_from(p).ok()).filter(|p| *p > 0),
                        status: st,
                    }),
                    _ => Err(bad(format!(
                        "launchctl list line {line:?} is not PID, status, label"
                    ))),
                },
                _ => Err(bad(format!(
                    "launchctl list line {line:?} is not PID, status, label"
                ))),
            }
        })
        .collect()
}

/// What `launchctl list LABEL` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAnswer {
    /// The job is loaded.
    Loaded(ListEntry),
    /// No such job in the domain (exit 113, "Could not find service").
    NotLoaded,
}

/// Classify a finished `launchctl list LABEL`; any other failure is `None` (the caller reports it).
pub fn list_answer(out: &CommandOutput) -> Option<Result<ListAnswer>> {
    if out.success() {
        return Some(parse_list(&out.stdout).map(ListAnswer::Loaded));
    }
    let said = format!("{}{}", out.stderr, out.stdout);
    if out.code == Some(EXIT_NOT_FOUND) || said.contains("Could not find service") {
        return Some(Ok(ListAnswer::NotLoaded));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNNING: &str = "{\n\t\"LimitLoadToSessionType\" = \"Aqua\";\n\t\"Label\" = \"com.autonomi.antnode-1\";\n\t\"OnDemand\" = false;\n\t\"LastExitStatus\" = 0;\n\t\"PID\" = 4242;\n\t\"Program\" = \"/Users/ant/Library/Application Support/autonomi/node/antnode0001/antnode\";\n\t\"ProgramArguments\" = (\n\t\t\"/Users/ant/Library/Application Support/autonomi/node/antnode0001/antnode\";\n\t\t\"--port\";\n\t\t\"55001\";\n\t);\n};\n";

    #[test]
    fn list_of_a_running_job() {
        let e = parse_list(RUNNING).unwrap();
        assert_eq!(e.label.as_deref(), Some("com.autonomi.antnode-1"));
        assert_eq!(e.pid, Some(4242));
        assert_eq!(e.last_exit_status, Some(0));
        assert!(e.running());
    }

    #[test]
    fn list_of_a_job_that_exited() {
        // no PID key while nothing runs; exit code 1 is the wait status 256
        let text = "{\n\t\"Label\" = \"com.autonomi.antnode-2\";\n\t\"LastExitStatus\" = 256;\n\t\"OnDemand\" = false;\n};\n";
        let e = parse_list(text).unwrap();
        assert_eq!(e.pid, None);
        assert_eq!(e.last_exit_status, Some(256));
        assert!(!e.running());
        // a PID nested in another dictionary is not the job's
        let nested =
            "{\n\t\"Label\" = \"x\";\n\t\"MachServices\" = {\n\t\t\"PID\" = 7;\n\t};\n};\n";
        assert_eq!(parse_list(nested).unwrap().pid, None);
        // brackets inside a quoted path open nothing
        let quoted = "{\n\t\"Program\" = \"/n/a (copy {/antnode\";\n\t\"PID\" = 9;\n};\n";
        assert_eq!(parse_list(quoted).unwrap().pid, Some(9));
    }

    #[test]
    fn the_list_table() {
        let text = "PID\tStatus\tLabel\n4242\t0\tcom.autonomi.antnode-1\n-\t0\tcom.autonomi.antnode-2\n-\t-9\tcom.autonomi.antnode-3\n-\t19968\tcom.apple.Something\n";
        let t = parse_list_table(text).unwrap();
        assert_eq!(
            t[0],
            TableEntry {
                label: "com.autonomi.antnode-1".into(),
                pid: Some(4242),
                status: Some(0)
            }
        );
        assert_eq!((t[1].pid, t[1].status), (None, Some(0)));
        assert_eq!(t[2].status, Some(-9), "killed by SIGKILL");
        assert_eq!(t.len(), 4);
        assert!(parse_list_table("PID\tStatus\tLabel\n").unwrap().is_empty());
        for bad in [
            "",
            "sudo: a password is required\n",
            "{\n\t\"Label\" = \"x\";\n};\n",
            "PID\tStatus\tLabel\nx\t0\tlabel\n",
            "PID\tStatus\tLabel\n1\t0\n",
        ] {
            let e = parse_list_table(bad).unwrap_err();
            assert_eq!(e.kind(), wnm_core::ErrorKind::BadAnswer, "{bad:?}");
        }
    }

    #[test]
    fn list_answers() {
        let ok = CommandOutput {
            code: Some(0),
            stdout: RUNNING.into(),
            stderr: String::new(),
        };
        assert!(matches!(
            list_answer(&ok),
            Some(Ok(ListAnswer::Loaded(ListEntry {
                pid: Some(4242),
                ..
            })))
        ));
        let missing = CommandOutput {
            code: Some(113),
            stdout: String::new(),
            stderr: "Could not find service \"com.autonomi.antnode-3\" in domain for port\n".into(),
        };
        assert_eq!(
            list_answer(&missing).unwrap().unwrap(),
            ListAnswer::NotLoaded
        );
        let sudo = CommandOutput {
            code: Some(1),
            stdout: String::new(),
            stderr: "sudo: a password is required\n".into(),
        };
        assert!(list_answer(&sudo).is_none());
        let garbage = CommandOutput {
            code: Some(0),
            stdout: "PID\tStatus\tLabel\n".into(),
            stderr: String::new(),
        };
        assert!(list_answer(&garbage).unwrap().is_err());
    }

    #[test]
    fn python_wnm_plist_with_extra_keys_and_any_order() {
        // As wnm 0.5.0 writes them (4-space indent, blank lines), keys reordered, extra keys,
        // both spellings of true, a comment and entities.
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <!-- written by hand -->
    <key>KeepAlive</key>
    <true></true>

    <key>ProgramArguments</key>
    <array>
        <string>/Users/ant/node/antnode-1/antnode</string>
        <string>--port</string>
        <string>55001</string>
        <string>--relay&amp;x</string>
    </array>
    <key>Label</key>
    <string>com.autonomi.antnode-1</string>
    <key>ProcessType</key>
    <string>Background</string>
    <key>RunAtLoad</key>
    <true/>
    <key>EnvironmentVariables</key>
    <dict>
        <key>ANT_LOG</key>
        <string>a&lt;b&#x3E;c</string>
        <key>N</key>
        <integer>3</integer>
    </dict>
</dict>
</plist>
"#;
        let p = parse_plist(text).unwrap();
        assert_eq!(p.label, "com.autonomi.antnode-1");
        assert_eq!(p.program_arguments[0], "/Users/ant/node/antnode-1/antnode");
        assert_eq!(p.program_arguments[3], "--relay&x");
        assert!(p.keep_alive && p.run_at_load);
        assert_eq!(
            p.environment,
            [
                ("ANT_LOG".to_string(), "a<b>c".to_string()),
                ("N".to_string(), "3".to_string())
            ]
        );
        assert_eq!(p.working_directory, None);
        assert_eq!(p.user_name, None);
    }

    #[test]
    fn program_key_and_keep_alive_conditions() {
        let text = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Label</key><string>j</string><key>Program</key><string>/bin/x</string><key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict></dict></plist>";
        let p = parse_plist(text).unwrap();
        assert_eq!(p.program_arguments, ["/bin/x"]);
        assert!(p.keep_alive);
        assert!(!p.run_at_load);
    }

    #[test]
    fn bad_plists_are_refused_with_a_reason() {
        for (text, says) in [
            ("not xml at all", "not an XML property list"),
            (
                "<plist version=\"1.0\"><array><string>x</string></array></plist>",
                "not a dictionary",
            ),
            (
                "<plist version=\"1.0\"><dict><key>Program</key><string>/x</string></dict></plist>",
                "no string Label",
            ),
            (
                "<plist version=\"1.0\"><dict><key>Label</key><string>j</string></dict></plist>",
                "neither ProgramArguments nor Program",
            ),
            (
                "<plist version=\"1.0\"><dict><key>Label</key><string>j</string><key>ProgramArguments</key><string>/x</string></dict></plist>",
                "not an array",
            ),
            (
                "<plist version=\"1.0\"><dict><key>Label</key><string>j</string>",
                "not an XML property list",
            ),
        ] {
            let e = parse_plist(text).unwrap_err();
            assert!(e.to_string().contains(says), "{text}: {e}");
        }
    }
}
