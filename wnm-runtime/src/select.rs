//! Which nodes a forced action acts on: the operator's `--service_name` list (accepting
//! `antnode0001`, `antnode0001.service` or `1`), or the Python wnm's default picks, limited by `--count`.
use wnm_core::{Error, Node, NodeStatus, Result, parse_service_name};

/// Forced actions that act on existing nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Youngest of any status.
    Remove,
    /// Youngest RUNNING.
    Stop,
    /// Oldest STOPPED.
    Start,
    /// Oldest RUNNING.
    Upgrade,
    /// No default: names are required.
    Disable,
}

/// Resolve `--service_name a,b,c` against the nodes; unknown names are an error listing the known ones.
pub fn by_names<'a>(nodes: &'a [Node], names: &str) -> Result<Vec<&'a Node>> {
    let mut out: Vec<&Node> = Vec::new();
    for raw in names.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let id = parse_service_name(raw)?;
        match nodes.iter().find(|n| n.id == id) {
            Some(n) => {
                if !out.iter().any(|o| o.id == n.id) {
                    out.push(n);
                }
            }
            None => {
                let known: Vec<&str> = nodes.iter().map(|n| n.service_name.as_str()).collect();
                return Err(Error::invalid_config(format!(
                    "no node named {raw:?}; known nodes: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(Error::invalid_config(
            "--service_name is empty; give names like antnode0001,antnode0002 or 1,2",
        ));
    }
    Ok(out)
}

/// The Python wnm's default choice for `pick`, `count` nodes at most.
pub fn default_pick(nodes: &[Node], pick: Pick, count: usize) -> Result<Vec<&Node>> {
    let mut c: Vec<&Node> = match pick {
        Pick::Remove => nodes.iter().collect(),
        Pick::Stop | Pick::Upgrade => nodes
            .iter()
            .filter(|n| n.status == NodeStatus::Running)
            .collect(),
        Pick::Start => nodes
            .iter()
            .filter(|n| n.status == NodeStatus::Stopped)
            .collect(),
        Pick::Disable => {
            return Err(Error::invalid_config(
                "--force_action disable needs --service_name (which nodes to disable)",
            ));
        }
    };
    // youngest first = newest created_at first; ties by highest id
    match pick {
        Pick::Remove | Pick::Stop => c.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id))),
        _ => c.sort_by_key(|n| (n.created_at, n.id)),
    }
    c.truncate(count.max(1));
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::tests_support::node;

    fn colony() -> Vec<Node> {
        let mut v = vec![
            node(1, "RUNNING", 0),
            node(2, "STOPPED", 0),
            node(3, "RUNNING", 0),
            node(4, "STOPPED", 0),
        ];
        for (i, n) in v.iter_mut().enumerate() {
            n.created_at = 100 + i as i64;
        }
        v
    }

    #[test]
    fn names_in_every_form() {
        let c = colony();
        let got = by_names(&c, "antnode0001, antnode0003.service,4,1").unwrap();
        assert_eq!(got.iter().map(|n| n.id).collect::<Vec<_>>(), vec![1, 3, 4]);
        let e = by_names(&c, "antnode0009").unwrap_err();
        assert!(
            e.to_string()
                .contains("known nodes: antnode0001, antnode0002"),
            "{e}"
        );
        assert!(by_names(&c, " , ").is_err());
        assert!(by_names(&c, "rm -rf").is_err());
    }

    #[test]
    fn default_picks_follow_python() {
        let c = colony();
        let ids = |v: Vec<&Node>| v.iter().map(|n| n.id).collect::<Vec<_>>();
        assert_eq!(ids(default_pick(&c, Pick::Remove, 1).unwrap()), vec![4]);
        assert_eq!(ids(default_pick(&c, Pick::Stop, 1).unwrap()), vec![3]);
        assert_eq!(ids(default_pick(&c, Pick::Start, 1).unwrap()), vec![2]);
        assert_eq!(ids(default_pick(&c, Pick::Upgrade, 2).unwrap()), vec![1, 3]);
        assert_eq!(
            ids(default_pick(&c, Pick::Remove, 10).unwrap()),
            vec![4, 3, 2, 1]
        );
        assert!(default_pick(&c, Pick::Disable, 1).is_err());
    }
}
