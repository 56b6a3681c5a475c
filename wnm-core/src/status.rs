//! `NodeStatus` and the explicit table of legal status transitions; every status change goes through it.
use crate::error::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a node is in its life. Stored upper-case (`RUNNING`) as the Python wnm did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum NodeStatus {
    /// The process runs (its metrics endpoint answers, or the backend says so).
    Running,
    /// Created, not running; kept to be started again later.
    Stopped,
    /// Just started; settles after `delay_start`.
    Restarting,
    /// Binary replaced and restarted; settles after `delay_upgrade`.
    Upgrading,
    /// Being removed; its files and service go after `delay_remove`, then its row.
    Removing,
    /// Taken out of management by the operator; never surveyed nor touched automatically.
    Disabled,
    /// Its service or directory is gone or broken beyond repair; cleaned up at once.
    Dead,
}

impl NodeStatus {
    /// Every status, in a stable order.
    pub const ALL: [NodeStatus; 7] = [
        NodeStatus::Running,
        NodeStatus::Stopped,
        NodeStatus::Restarting,
        NodeStatus::Upgrading,
        NodeStatus::Removing,
        NodeStatus::Disabled,
        NodeStatus::Dead,
    ];

    /// The stored, upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeStatus::Running => "RUNNING",
            NodeStatus::Stopped => "STOPPED",
            NodeStatus::Restarting => "RESTARTING",
            NodeStatus::Upgrading => "UPGRADING",
            NodeStatus::Removing => "REMOVING",
            NodeStatus::Disabled => "DISABLED",
            NodeStatus::Dead => "DEAD",
        }
    }

    /// A transitional status that ends by a timer (`delay_start`, `delay_upgrade`, `delay_remove`).
    pub fn is_transitional(self) -> bool {
        matches!(
            self,
            NodeStatus::Restarting | NodeStatus::Upgrading | NodeStatus::Removing
        )
    }

    /// The legal transition table. Same-status "transitions" are not changes and are always allowed.
    ///
    /// | from \ to   | Running | Stopped | Restarting | Upgrading | Removing | Disabled | Dead |
    /// |-------------|---------|---------|------------|-----------|----------|----------|------|
    /// | Running     |    -    |   yes   |    yes     |    yes    |   yes    |   yes    | yes  |
    /// | Stopped     |   yes   |    -    |    yes     |    yes    |   yes    |   yes    | yes  |
    /// | Restarting  |   yes   |   yes   |     -      |    no     |   yes    |   yes    | yes  |
    /// | Upgrading   |   yes   |   yes   |    no      |     -     |   yes    |   yes    | yes  |
    /// | Removing    |   no    |   no    |    no      |    no     |    -     |   no     | yes  |
    /// | Disabled    |   yes   |   yes   |    yes     |    no     |   yes    |    -     | yes  |
    /// | Dead        |   no    |   no    |    no      |    no     |   yes    |   no     |  -   |
    ///
    /// Removing is one-way (only Dead, when removal fails for good); Dead only leaves by removal.
    /// Running comes from Stopped when a survey finds a stopped node answering (e.g. restarted by hand).
    pub fn can_become(self, to: NodeStatus) -> bool {
        use NodeStatus::*;
        if self == to {
            return true;
        }
        match self {
            Running | Stopped => true,
            Restarting => to != Upgrading,
            Upgrading => to != Restarting,
            Removing => to == Dead,
            Disabled => to != Upgrading,
            Dead => to == Removing,
        }
    }

    /// Check a transition; an illegal one is a typed error naming both ends.
    pub fn transition(self, to: NodeStatus) -> Result<NodeStatus> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(Error::new(
                ErrorKind::IllegalTransition,
                format!("illegal status change {self} -> {to}"),
            ))
        }
    }
}

impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NodeStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let up = s.trim().to_ascii_uppercase();
        NodeStatus::ALL
            .iter()
            .copied()
            .find(|st| st.as_str() == up)
            .ok_or_else(|| {
                Error::invalid_config(format!(
                    "unknown node status {s:?}; expected one of RUNNING STOPPED RESTARTING UPGRADING REMOVING DISABLED DEAD"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NodeStatus::*;

    #[test]
    fn removing_is_one_way() {
        for to in NodeStatus::ALL {
            let ok = Removing.can_become(to);
            assert_eq!(ok, to == Removing || to == Dead, "Removing -> {to}");
        }
    }

    #[test]
    fn illegal_transition_is_typed_error() {
        let e = Dead.transition(Running).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::IllegalTransition);
        assert!(e.to_string().contains("DEAD -> RUNNING"));
        assert_eq!(Stopped.transition(Running).unwrap(), Running);
    }

    #[test]
    fn parses_python_spelling() {
        for s in NodeStatus::ALL {
            assert_eq!(s.as_str().parse::<NodeStatus>().unwrap(), s);
        }
        assert_eq!("running".parse::<NodeStatus>().unwrap(), Running);
        assert!("MIGRATING".parse::<NodeStatus>().is_err());
    }

    #[test]
    fn serde_uses_upper_case() {
        assert_eq!(serde_json::to_string(&Running).unwrap(), "\"RUNNING\"");
    }
}
