//! `Layers`: the command line, environment, `.env` and config files parsed against the key table,
//! each value syntax-checked and tagged with its `Origin`. Picks the winning value per key
//! (command line > environment > `.env` > config files, later files over earlier ones).
use crate::file;
use crate::keys::{self, EnvUse, Key};
use crate::options::RunOptions;
use crate::sources::{Origin, Sources};
use wnm_core::{Error, Machine, ProcessManager, Result};

/// One value given for a key.
#[derive(Debug, Clone)]
pub struct Given {
    /// The key.
    pub key: &'static Key,
    /// The raw value.
    pub value: String,
    /// Where it came from.
    pub origin: Origin,
}

/// The parsed, syntax-checked layers above the database.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    cli: Vec<Given>,
    env: Vec<Given>,
    dotenv: Vec<Given>,
    files: Vec<Given>,
    /// Things worth telling the operator that are not errors (unknown `.env` variables).
    pub warnings: Vec<String>,
}

/// The error for a bad value: names the key, the value, where it came from and what is allowed.
pub(crate) fn bad_value(key: &str, value: &str, origin: &Origin, allowed: &str) -> Error {
    Error::invalid_config(format!("{key} = {value:?} ({origin}) {allowed}"))
}

fn check(key: &'static Key, value: &str, origin: &Origin) -> Result<()> {
    let r = match key.setting {
        Some(s) => (s.set)(&mut Machine::default(), value),
        None => RunOptions::default().apply(key.name, value),
    };
    r.map_err(|allowed| bad_value(key.name, value, origin, &allowed))
}

fn unknown_key_hint(name: &str) -> String {
    match keys::suggest(name) {
        Some(s) => format!("; did you mean {s}?"),
        None => "; see wnm --help for the known settings".into(),
    }
}

impl Layers {
    /// Parse every source. Unknown flags or config-file keys, malformed lines and bad values are
    /// `InvalidConfig` errors; unknown `.env` variables become warnings (the file may hold others).
    pub fn collect(sources: &Sources) -> Result<Layers> {
        let mut layers = Layers::default();
        for (name, value) in &sources.cli {
            let key = keys::key(name).ok_or_else(|| {
                Error::invalid_config(format!("unknown option --{name}{}", unknown_key_hint(name)))
            })?;
            let origin = Origin::CommandLine(key.name);
            check(key, value, &origin)?;
            layers.cli.push(Given {
                key,
                value: value.clone(),
                origin,
            });
        }
        for (name, value) in &sources.env {
            let Some(key) = keys::key_for_env(name) else {
                continue;
            };
            let origin = Origin::Environment(name.clone());
            check(key, value, &origin)?;
            layers.env.push(Given {
                key,
                value: value.clone(),
                origin,
            });
        }
        if let Some((path, contents)) = &sources.dotenv {
            let lines = file::parse_dotenv(contents).map_err(|(n, m)| {
                Error::invalid_config(format!("{} line {n}: {m}", path.display()))
            })?;
            for l in lines {
                let Some(key) = keys::key_for_env(&l.key) else {
                    layers.warnings.push(format!(
                        "{} line {}: {} is not a wnm setting and is ignored{}",
                        path.display(),
                        l.number,
                        l.key,
                        unknown_key_hint(&l.key)
                    ));
                    continue;
                };
                let origin = Origin::DotEnv(path.clone(), l.number);
                check(key, &l.value, &origin)?;
                layers.dotenv.push(Given {
                    key,
                    value: l.value,
                    origin,
                });
            }
        }
        for (path, contents) in &sources.files {
            let lines = file::parse_config(contents).map_err(|(n, m)| {
                Error::invalid_config(format!("config file {} line {n}: {m}", path.display()))
            })?;
            for l in lines {
                let key = keys::key(&l.key).ok_or_else(|| {
                    Error::invalid_config(format!(
                        "config file {} line {}: unknown key {:?}{}",
                        path.display(),
                        l.number,
                        l.key,
                        unknown_key_hint(&l.key)
                    ))
                })?;
                if key.cli_only {
                    return Err(Error::invalid_config(format!(
                        "config file {} line {}: {} can only be given on the command line (--{})",
                        path.display(),
                        l.number,
                        key.name,
                        key.name
                    )));
                }
                let origin = Origin::ConfigFile(path.clone(), l.number);
                check(key, &l.value, &origin)?;
                layers.files.push(Given {
                    key,
                    value: l.value,
                    origin,
                });
            }
        }
        Ok(layers)
    }

    /// The winning value for `name` above the database, if any layer gives one. The process
    /// environment's value of an `EnvUse::InitOnly` key is skipped unless `init`.
    pub fn winner(&self, name: &str, init: bool) -> Option<&Given> {
        fn last<'a>(v: &'a [Given], name: &str) -> Option<&'a Given> {
            v.iter().rev().find(|g| g.key.name == name)
        }
        last(&self.cli, name)
            .or_else(|| last(&self.env, name).filter(|g| init || g.key.env != EnvUse::InitOnly))
            .or_else(|| last(&self.dotenv, name))
            .or_else(|| last(&self.files, name))
    }

    /// The transient options of this run.
    pub fn options(&self) -> Result<RunOptions> {
        let mut o = RunOptions::default();
        for key in keys::KEYS.iter().filter(|k| !k.is_setting()) {
            if key.name == "config" {
                for g in self.cli.iter().filter(|g| g.key.name == "config") {
                    o.apply("config", &g.value)
                        .map_err(|a| bad_value(key.name, &g.value, &g.origin, &a))?;
                }
                continue;
            }
            if let Some(g) = self.winner(key.name, true) {
                o.apply(key.name, &g.value)
                    .map_err(|a| bad_value(key.name, &g.value, &g.origin, &a))?;
            }
        }
        Ok(o)
    }

    /// The process manager given above the database (flag, env or file), to choose the paths
    /// (BASE_DIR, database) before the database is opened.
    pub fn process_manager_hint(&self) -> Result<Option<ProcessManager>> {
        match self.winner("process_manager", true) {
            None => Ok(None),
            Some(g) => {
                g.value.parse().map(Some).map_err(|e: Error| {
                    bad_value("process_manager", &g.value, &g.origin, e.message())
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn unknown_config_key_names_file_line_and_suggests() {
        let s = Sources {
            files: vec![(
                PathBuf::from("/etc/w.conf"),
                "node_cap = 3\n\nnode_cpa = 4\n".into(),
            )],
            ..Default::default()
        };
        let e = Layers::collect(&s).unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
        let m = e.to_string();
        assert!(m.contains("/etc/w.conf line 3"), "{m}");
        assert!(m.contains("node_cpa"), "{m}");
        assert!(m.contains("did you mean node_cap"), "{m}");
    }

    #[test]
    fn unknown_flag_is_an_error_and_unknown_env_is_ignored() {
        let s = Sources {
            cli: pairs(&[("node_cpa", "3")]),
            ..Default::default()
        };
        assert!(
            Layers::collect(&s)
                .unwrap_err()
                .to_string()
                .contains("node_cap")
        );
        let s = Sources {
            env: pairs(&[("PATH", "/bin"), ("NODE_CAP", "7")]),
            ..Default::default()
        };
        let l = Layers::collect(&s).unwrap();
        assert_eq!(l.winner("node_cap", false).unwrap().value, "7");
    }

    #[test]
    fn bad_env_value_is_an_error_naming_the_variable() {
        let s = Sources {
            env: pairs(&[("CPU_REMOVE", "eighty")]),
            ..Default::default()
        };
        let m = Layers::collect(&s).unwrap_err().to_string();
        assert!(
            m.contains("cpu_remove") && m.contains("\"eighty\"") && m.contains("CPU_REMOVE"),
            "{m}"
        );
    }

    #[test]
    fn cli_only_keys_are_refused_in_files_and_ignored_in_env() {
        let s = Sources {
            files: vec![(PathBuf::from("/c"), "confirm = true\n".into())],
            ..Default::default()
        };
        assert!(
            Layers::collect(&s)
                .unwrap_err()
                .to_string()
                .contains("only be given on the command line")
        );
        let s = Sources {
            env: pairs(&[("CONFIRM", "1"), ("INIT", "1")]),
            ..Default::default()
        };
        let o = Layers::collect(&s).unwrap().options().unwrap();
        assert!(!o.confirm && !o.init);
    }

    #[test]
    fn dotenv_unknown_names_are_warnings() {
        let s = Sources {
            dotenv: Some((PathBuf::from("/h/.env"), "FOO=1\nNODE_CAP=9\n".into())),
            ..Default::default()
        };
        let l = Layers::collect(&s).unwrap();
        assert_eq!(l.warnings.len(), 1);
        assert!(
            l.warnings[0].contains("/h/.env line 1: FOO"),
            "{:?}",
            l.warnings
        );
        assert_eq!(l.winner("node_cap", false).unwrap().value, "9");
    }

    #[test]
    fn transient_options_follow_precedence() {
        let s = Sources {
            cli: pairs(&[("config", "/a"), ("config", "/b"), ("dry_run", "true")]),
            env: pairs(&[("DBPATH", "/env.db"), ("REPORT_FORMAT", "env")]),
            files: vec![(
                PathBuf::from("/f"),
                "dbpath = /file.db\nreport_format = json\nloglevel = debug\n".into(),
            )],
            ..Default::default()
        };
        let o = Layers::collect(&s).unwrap().options().unwrap();
        assert_eq!(
            o.config_files,
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert!(o.dry_run);
        assert_eq!(o.dbpath.as_deref(), Some("/env.db"));
        assert_eq!(o.report_format, crate::ReportFormat::Env);
        assert_eq!(o.loglevel.as_deref(), Some("DEBUG"));
    }

    #[test]
    fn process_manager_hint_comes_from_the_layers() {
        let s = Sources {
            env: pairs(&[("PROCESS_MANAGER", "setsid+sudo")]),
            ..Default::default()
        };
        let pm = Layers::collect(&s)
            .unwrap()
            .process_manager_hint()
            .unwrap()
            .unwrap();
        assert!(pm.is_sudo());
        assert_eq!(
            Layers::collect(&Sources::default())
                .unwrap()
                .process_manager_hint()
                .unwrap(),
            None
        );
    }
}
