//! OS users: looking `ant` up in `<root>/etc/passwd`, the command that creates it, and the name of
//! the invoking user.
use std::path::Path;
use wnm_core::CommandSpec;

/// uid and primary gid of `name` in `<root>/etc/passwd`, if it is there.
pub fn lookup_user(root: &Path, name: &str) -> Option<(u32, u32)> {
    let text = std::fs::read_to_string(root.join("etc/passwd")).ok()?;
    parse_passwd(&text, name)
}

/// uid and gid of `name` in passwd text.
pub fn parse_passwd(text: &str, name: &str) -> Option<(u32, u32)> {
    text.lines().find_map(|l| {
        let mut f = l.split(':');
        if f.next()? != name {
            return None;
        }
        let _password = f.next()?;
        let uid = f.next()?.parse().ok()?;
        let gid = f.next()?.parse().ok()?;
        Some((uid, gid))
    })
}

/// Name of the user with `uid` in passwd text.
pub fn name_of_uid(text: &str, uid: u32) -> Option<String> {
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[0].to_string())
    })
}

/// The invoking user's name: `$USER`, else `$LOGNAME`, else looked up by euid in `/etc/passwd`.
pub fn current_user_name() -> String {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return v;
        }
    }
    let uid = rustix::process::geteuid().as_raw();
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|t| name_of_uid(&t, uid))
        .unwrap_or_else(|| uid.to_string())
}

/// `useradd` for a system user without a home or login shell (antctl creates `ant` the same
/// way); `--root` when the filesystem root is not `/`, `sudo -n` when not root.
pub fn useradd_command(name: &str, root: &Path, sudo: bool) -> CommandSpec {
    let mut a: Vec<String> = Vec::new();
    if sudo {
        a.extend(["-n".into(), "useradd".into()]);
    }
    a.extend([
        "--system".into(),
        "--user-group".into(),
        "--no-create-home".into(),
        "--shell".into(),
        "/usr/sbin/nologin".into(),
    ]);
    if root != Path::new("/") {
        a.extend(["--root".into(), root.display().to_string()]);
    }
    a.push(name.into());
    if sudo {
        CommandSpec::new("sudo", a)
    } else {
        CommandSpec::new("useradd", a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str =
        "root:x:0:0:root:/root:/bin/bash\nant:x:999:996::/home/ant:/usr/sbin/nologin\n";

    #[test]
    fn passwd_lookups() {
        assert_eq!(parse_passwd(PASSWD, "ant"), Some((999, 996)));
        assert_eq!(parse_passwd(PASSWD, "an"), None);
        assert_eq!(name_of_uid(PASSWD, 0).as_deref(), Some("root"));
        assert_eq!(name_of_uid(PASSWD, 5), None);
    }

    #[test]
    fn useradd_forms() {
        assert_eq!(
            useradd_command("ant", Path::new("/"), false).display(),
            "useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ant"
        );
        assert_eq!(
            useradd_command("ant", Path::new("/tmp/r"), true).display(),
            "sudo -n useradd --system --user-group --no-create-home --shell /usr/sbin/nologin --root /tmp/r ant"
        );
    }
}
