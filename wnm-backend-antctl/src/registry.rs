//! How many entries antctl's registry file holds, which is the number antctl gives its next
//! node minus one. Reading the file (`/var/antctl/node_registry.json`, world-readable; or the
//! user's) costs nothing, where `antctl status --json` refreshes every node first; when the file
//! is missing or unreadable the caller asks antctl instead.
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::path::Path;

#[derive(Deserialize)]
struct RegistryFile {
    #[serde(default)]
    nodes: Vec<IgnoredAny>,
}

/// The number of node entries (removed ones included) in the registry file at `path`: `Some(0)`
/// for an empty file (antctl leaves one after a first call as root); `None` when the file is
/// missing or cannot be read or parsed, so the caller asks `antctl status --json`.
pub fn entries_in_file(path: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(path).ok()?;
    if text.trim().is_empty() {
        return Some(0);
    }
    let r: RegistryFile = serde_json::from_str(&text).ok()?;
    u32::try_from(r.nodes.len()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::fixture_path;

    #[test]
    fn counts_entries_of_the_captured_file() {
        // antnode1 Added and antnode2 Removed: the next node is antnode3.
        assert_eq!(
            entries_in_file(&fixture_path("node_registry.json")),
            Some(2)
        );
    }

    #[test]
    fn empty_missing_and_garbled() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("node_registry.json");
        assert_eq!(entries_in_file(&p), None);
        std::fs::write(&p, "").unwrap();
        assert_eq!(entries_in_file(&p), Some(0));
        std::fs::write(&p, "{\"nodes\": [").unwrap();
        assert_eq!(entries_in_file(&p), None);
    }
}
