//! Looking OS users up in `/etc/passwd` text (name, uid, gid, home, shell) without libc calls;
//! the backends share it (setsid and docker run nodes as `ant` in sudo mode), and so does the
//! tests' launchctl stand-in (a job's `UserName`).
use std::path::Path;

/// One `/etc/passwd` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Home directory.
    pub home: String,
    /// Login shell (empty when the line has none).
    pub shell: String,
}

fn entries(text: &str) -> impl Iterator<Item = PasswdEntry> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 6 {
            return None;
        }
        Some(PasswdEntry {
            name: f[0].to_string(),
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            home: f[5].to_string(),
            shell: f.get(6).map_or(String::new(), |s| s.to_string()),
        })
    })
}

/// `<root>/etc/passwd`, when readable.
pub fn passwd_text(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join("etc/passwd")).ok()
}

/// The entry of user `name`.
pub fn lookup_user(passwd: &str, name: &str) -> Option<PasswdEntry> {
    entries(passwd).find(|e| e.name == name)
}

/// The entry of user id `uid`.
pub fn lookup_uid(passwd: &str, uid: u32) -> Option<PasswdEntry> {
    entries(passwd).find(|e| e.uid == uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n# comment\n\nbroken:line\nant:x:1001:1002:Autonomi:/home/ant:/bin/bash\n";

    #[test]
    fn finds_users() {
        let ant = lookup_user(PASSWD, "ant").unwrap();
        assert_eq!(
            (ant.uid, ant.gid, ant.home.as_str(), ant.shell.as_str()),
            (1001, 1002, "/home/ant", "/bin/bash")
        );
        let no_shell = lookup_user("op:x:5:5::/home/op", "op").unwrap();
        assert_eq!(no_shell.shell, "");
        assert_eq!(lookup_uid(PASSWD, 0).unwrap().name, "root");
        assert!(lookup_user(PASSWD, "broken").is_none());
        assert!(lookup_user(PASSWD, "nobody").is_none());
    }
}
