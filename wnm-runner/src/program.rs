//! Finding the program a command names: a path is checked as is, a bare name is looked up on `PATH`.
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use wnm_core::{Error, ErrorKind, Result};

/// The file `program` would execute, or an error naming the program and what to do.
///
/// A name with a `/` is taken as a path; a bare name is searched in `PATH` (the directories of
/// `path_var`, or of this process's `PATH` when `None`).
pub fn resolve_program(program: &str, path_var: Option<&str>) -> Result<PathBuf> {
    if program.is_empty() {
        return Err(Error::invalid_config(
            "cannot run a command with an empty program name",
        ));
    }
    if program.contains('/') {
        let p = Path::new(program);
        return match std::fs::metadata(p) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(p.to_path_buf()),
            Ok(_) => Err(Error::new(
                ErrorKind::Backend,
                format!(
                    "cannot run {program}: it is not an executable file; check the path and its permissions (chmod +x)"
                ),
            )),
            Err(e) => Err(Error::io(
                format!("cannot run {program}: program not found; check the path"),
                e,
            )),
        };
    }
    let path = match path_var {
        Some(p) => p.to_string(),
        None => std::env::var("PATH").unwrap_or_default(),
    };
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(program);
        if let Ok(m) = std::fs::metadata(&candidate)
            && m.is_file()
            && m.permissions().mode() & 0o111 != 0
        {
            return Ok(candidate);
        }
    }
    Err(Error::not_found(format!(
        "cannot run {program}: program not found on PATH ({path}); install it or give its full path"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_on_path_and_reports_missing() {
        let sh = resolve_program("sh", Some("/nonexistent:/bin:/usr/bin")).unwrap();
        assert!(sh.ends_with("sh"));
        let e = resolve_program("no-such-program-wnm", Some("/bin")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.message().contains("no-such-program-wnm"));
        assert!(e.message().contains("not found on PATH"));
        let e = resolve_program("/nonexistent/prog", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let dir = std::env::temp_dir().join(format!("wnm-runner-prog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("plain");
        std::fs::write(&plain, "x").unwrap();
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = resolve_program(plain.to_str().unwrap(), None).unwrap_err();
        assert!(e.message().contains("not an executable"), "{e}");
        let e = resolve_program(dir.to_str().unwrap(), None).unwrap_err();
        assert!(e.message().contains("not an executable"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(resolve_program("", None).is_err());
    }
}
