//! What a node's status should become after it was observed (survey answer + process state).
//! Pure: the collector and the executor's failure probe both use it, so "true state" means one thing.
use wnm_core::{NodeStatus, ProcessState};

/// What the metrics endpoint said (or that it was not asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// It answered with a valid body.
    Answering,
    /// Connection refused, timed out, or reset.
    NotAnswering,
    /// It answered, but not with valid metrics (HTTP error, garbage).
    BadAnswer,
    /// The node line has no HTTP endpoint, or the node was not surveyed.
    NotAsked,
}

/// The status a node should have given what was observed, or `None` to keep it.
///
/// Rules:
/// - DISABLED and DEAD are never changed by observation; REMOVING only becomes DEAD never (its timer ends it).
/// - Transitional RESTARTING/UPGRADING are not cut short: only a vanished node (Missing) changes them (to DEAD).
/// - RUNNING: an answer or a live process keeps it; a stopped process makes it STOPPED; a missing one DEAD.
/// - STOPPED: an answer or a live process (restarted by hand, or a half-finished start) makes it RUNNING;
///   a missing one DEAD.
pub fn observed_status(
    current: NodeStatus,
    answer: Answer,
    process: Option<ProcessState>,
) -> Option<NodeStatus> {
    use NodeStatus::*;
    let alive = matches!(answer, Answer::Answering | Answer::BadAnswer)
        || matches!(process, Some(ProcessState::Running { .. }));
    let missing = matches!(process, Some(ProcessState::Missing));
    let next = match current {
        Disabled | Dead | Removing => return None,
        Restarting | Upgrading => {
            if missing {
                Dead
            } else {
                return None;
            }
        }
        Running | Stopped => {
            if alive {
                Running
            } else if missing {
                Dead
            } else if process.is_some() || answer == Answer::NotAnswering && current == Stopped {
                Stopped
            } else {
                // Not answering and the process state is unknown: keep what we had.
                return None;
            }
        }
    };
    (next != current).then_some(next)
}

/// The status to record when a transitional timer ends (`Settle`): the truth, whatever it is.
pub fn settled_status(answer: Answer, process: ProcessState) -> NodeStatus {
    match process {
        ProcessState::Missing => NodeStatus::Dead,
        ProcessState::Running { .. } => NodeStatus::Running,
        ProcessState::Stopped if answer == Answer::Answering => NodeStatus::Running,
        ProcessState::Stopped => NodeStatus::Stopped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NodeStatus::*;

    const UP: Option<ProcessState> = Some(ProcessState::Running { pid: Some(1) });
    const DOWN: Option<ProcessState> = Some(ProcessState::Stopped);
    const GONE: Option<ProcessState> = Some(ProcessState::Missing);

    #[test]
    fn table() {
        let cases = [
            (Running, Answer::Answering, None, None),
            (Running, Answer::NotAnswering, UP, None),
            (Running, Answer::NotAnswering, DOWN, Some(Stopped)),
            (Running, Answer::NotAnswering, GONE, Some(Dead)),
            (Running, Answer::NotAnswering, None, None),
            (Running, Answer::BadAnswer, DOWN, None),
            (Stopped, Answer::Answering, None, Some(Running)),
            (Stopped, Answer::NotAnswering, UP, Some(Running)),
            (Stopped, Answer::NotAnswering, DOWN, None),
            (Stopped, Answer::NotAsked, GONE, Some(Dead)),
            (Restarting, Answer::NotAnswering, DOWN, None),
            (Restarting, Answer::Answering, UP, None),
            (Upgrading, Answer::NotAnswering, GONE, Some(Dead)),
            (Removing, Answer::Answering, UP, None),
            (Disabled, Answer::Answering, UP, None),
            (Dead, Answer::Answering, UP, None),
        ];
        for (cur, ans, proc_, want) in cases {
            assert_eq!(
                observed_status(cur, ans, proc_),
                want,
                "{cur} {ans:?} {proc_:?}"
            );
            if let Some(w) = want {
                assert!(cur.can_become(w), "{cur} -> {w} must be legal");
            }
        }
    }

    #[test]
    fn settle() {
        assert_eq!(
            settled_status(Answer::NotAsked, ProcessState::Running { pid: None }),
            Running
        );
        assert_eq!(
            settled_status(Answer::NotAnswering, ProcessState::Stopped),
            Stopped
        );
        assert_eq!(
            settled_status(Answer::Answering, ProcessState::Stopped),
            Running
        );
        assert_eq!(
            settled_status(Answer::Answering, ProcessState::Missing),
            Dead
        );
    }
}
