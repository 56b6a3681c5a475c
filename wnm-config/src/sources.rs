//! The raw inputs of configuration as plain data (`Sources`), where a value came from
//! (`Origin`), and `Sources::gather`, the one place that reads config files from disk.
use crate::paths;
use std::fmt;
use std::path::{Path, PathBuf};
use wnm_core::{Error, Result};

/// Everything configuration is resolved from, before any parsing. Plain data so tests can build it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// Command-line values as `(snake_key, raw value)` in the order given (later wins).
    pub cli: Vec<(String, String)>,
    /// The process environment as `(NAME, value)`; names wnm does not know are ignored.
    pub env: Vec<(String, String)>,
    /// `~/.local/share/wnm/.env` (path, contents): read like the environment, below it.
    pub dotenv: Option<(PathBuf, String)>,
    /// Config files (path, contents), lowest precedence first: the default files, then `-c`.
    pub files: Vec<(PathBuf, String)>,
}

impl Sources {
    /// Read the config files for a run: `~/.local/share/wnm/config` and `~/wnm/config` when they
    /// exist, then every `-c FILE` given in `cli` (which must exist), and the `.env` file when it
    /// exists. `home` is the invoking user's home directory.
    pub fn gather(
        cli: Vec<(String, String)>,
        env: Vec<(String, String)>,
        home: &Path,
    ) -> Result<Sources> {
        let mut files = Vec::new();
        for p in paths::default_config_files(home) {
            if let Some(contents) = read_optional(&p)? {
                files.push((p, contents));
            }
        }
        for (k, v) in &cli {
            if k == "config" {
                let p = paths::expand_tilde(v, home);
                let contents = std::fs::read_to_string(&p).map_err(|e| {
                    Error::invalid_config(format!(
                        "cannot read the config file given with -c {}: {e}",
                        p.display()
                    ))
                    .with_source(e)
                })?;
                files.push((p, contents));
            }
        }
        let dotenv_path = paths::dotenv_file(home);
        let dotenv = read_optional(&dotenv_path)?.map(|c| (dotenv_path, c));
        Ok(Sources {
            cli,
            env,
            dotenv,
            files,
        })
    }
}

fn read_optional(p: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(p) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("reading {}", p.display()), e)),
    }
}

/// The process environment as UTF-8 pairs (variables that are not UTF-8 are skipped).
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Where a value came from; shown in errors and the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--key` on the command line.
    CommandLine(&'static str),
    /// The `NAME` environment variable.
    Environment(String),
    /// A line of the `.env` file.
    DotEnv(PathBuf, usize),
    /// A line of a config file.
    ConfigFile(PathBuf, usize),
    /// The machine row in the database.
    Stored,
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::CommandLine(k) => write!(f, "command line --{k}"),
            Origin::Environment(v) => write!(f, "environment variable {v}"),
            Origin::DotEnv(p, l) => write!(f, "{} line {l}", p.display()),
            Origin::ConfigFile(p, l) => write!(f, "config file {} line {l}", p.display()),
            Origin::Stored => f.write_str("database"),
            Origin::Default => f.write_str("default"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_reads_existing_defaults_and_requires_dash_c_files() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        std::fs::create_dir_all(h.join(".local/share/wnm")).unwrap();
        std::fs::write(h.join(".local/share/wnm/config"), "node_cap = 1\n").unwrap();
        std::fs::write(h.join(".local/share/wnm/.env"), "NODE_CAP=2\n").unwrap();
        std::fs::write(h.join("extra.conf"), "node_cap: 3\n").unwrap();
        let s = Sources::gather(vec![("config".into(), "~/extra.conf".into())], vec![], h).unwrap();
        assert_eq!(
            s.files.len(),
            2,
            "~/wnm/config does not exist and is skipped"
        );
        assert_eq!(s.files[0].0, h.join(".local/share/wnm/config"));
        assert_eq!(s.files[1], (h.join("extra.conf"), "node_cap: 3\n".into()));
        assert_eq!(s.dotenv.unwrap().1, "NODE_CAP=2\n");

        let e =
            Sources::gather(vec![("config".into(), "/nope/x.conf".into())], vec![], h).unwrap_err();
        assert_eq!(e.kind(), wnm_core::ErrorKind::InvalidConfig);
        assert!(e.to_string().contains("/nope/x.conf"), "{e}");
    }
}
