//! `--dbpath` values: a plain path or a SQLite URL (`sqlite:///abs/path`, `sqlite:////abs/path`
//! as SQLAlchemy writes it, `sqlite:relative/path`, `sqlite+pysqlite:///...`; `?query` ignored).
use std::path::PathBuf;
use wnm_core::{Error, Result};

/// The file path a `--dbpath` value names.
pub fn path_of(dbpath: &str) -> Result<PathBuf> {
    let t = dbpath.trim();
    if t.is_empty() {
        return Err(Error::invalid_config(
            "the database path is empty; give a file path or sqlite:///path/to/colony.db",
        ));
    }
    let Some((scheme, rest)) = t.split_once(':').filter(|(s, _)| {
        s.eq_ignore_ascii_case("sqlite") || s.to_ascii_lowercase().starts_with("sqlite+")
    }) else {
        return Ok(PathBuf::from(t));
    };
    let rest = rest.split_once('?').map_or(rest, |(p, _)| p);
    let file = match rest.strip_prefix("//") {
        // sqlite:///abs and sqlite:////abs both name /abs.
        Some(after) => format!("/{}", after.trim_start_matches('/')),
        None => rest.to_string(),
    };
    if file.is_empty() || file == "/" || file == ":memory:" {
        return Err(Error::invalid_config(format!(
            "{dbpath:?}: {scheme} URL names no database file; use sqlite:///path/to/colony.db"
        )));
    }
    Ok(PathBuf::from(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        for (url, want) in [
            ("/var/antctl/colony.db", "/var/antctl/colony.db"),
            ("colony.db", "colony.db"),
            ("sqlite:///var/antctl/colony.db", "/var/antctl/colony.db"),
            ("sqlite:////var/antctl/colony.db", "/var/antctl/colony.db"),
            ("sqlite:colony.db", "colony.db"),
            ("sqlite:data/colony.db?mode=rwc", "data/colony.db"),
            (
                "sqlite+pysqlite:////home/ant/colony.db",
                "/home/ant/colony.db",
            ),
            ("SQLITE:///x.db", "/x.db"),
        ] {
            assert_eq!(path_of(url).unwrap(), PathBuf::from(want), "{url}");
        }
        for bad in ["", "sqlite:", "sqlite::memory:", "sqlite:///"] {
            assert!(path_of(bad).is_err(), "{bad}");
        }
    }
}
