//! New node ids (lowest free id from 1, or above everything ever used for never-reuse backends)
//! and the seeded PRNG (splitmix64) that draws their wallets deterministically.
use std::collections::BTreeSet;
use wnm_core::{IdAllocation, NodeId, Snapshot};

/// `count` fresh ids for new nodes. Every id present in the snapshot (any status, DEAD included:
/// it is deleted this cycle, not reused in the same one) is taken.
pub(crate) fn allocate(snapshot: &Snapshot, count: u32) -> Vec<NodeId> {
    let used: BTreeSet<NodeId> = snapshot.nodes.iter().map(|n| n.id).collect();
    let mut next: Option<NodeId> = match snapshot.id_allocation {
        IdAllocation::FillHoles => Some(1),
        IdAllocation::NeverReuse => {
            let highest = used
                .last()
                .copied()
                .unwrap_or(0)
                .max(snapshot.highest_node_id_used.unwrap_or(0));
            highest.checked_add(1)
        }
    };
    let mut ids = Vec::new();
    while let Some(id) = next {
        if ids.len() >= count as usize {
            break;
        }
        if !used.contains(&id) {
            ids.push(id);
        }
        next = id.checked_add(1);
    }
    ids
}

/// splitmix64: a tiny, well-mixed PRNG; the same seed gives the same draws on every platform.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wnm_core::{NodeFacts, NodeStatus};

    fn snap(ids: &[NodeId], alloc: IdAllocation, highest: Option<NodeId>) -> Snapshot {
        Snapshot {
            nodes: ids
                .iter()
                .map(|&id| NodeFacts {
                    id,
                    service_name: String::new(),
                    status: NodeStatus::Running,
                    version: None,
                    status_changed_at: 0,
                    created_at: 0,
                })
                .collect(),
            id_allocation: alloc,
            highest_node_id_used: highest,
            ..Snapshot::default()
        }
    }

    #[test]
    fn fills_holes_from_one() {
        let s = snap(&[2, 3, 5], IdAllocation::FillHoles, Some(40));
        assert_eq!(allocate(&s, 3), vec![1, 4, 6]);
        assert_eq!(allocate(&s, 0), Vec::<NodeId>::new());
    }

    #[test]
    fn never_reuse_goes_above_everything() {
        let s = snap(&[2, 3, 5], IdAllocation::NeverReuse, Some(4));
        assert_eq!(allocate(&s, 2), vec![6, 7]);
        let s = snap(&[2], IdAllocation::NeverReuse, Some(40));
        assert_eq!(allocate(&s, 1), vec![41]);
        let s = snap(&[u32::MAX], IdAllocation::NeverReuse, None);
        assert_eq!(allocate(&s, 1), Vec::<NodeId>::new());
    }

    #[test]
    fn splitmix_reference_values() {
        // First outputs for seed 1234567 from the reference implementation (Vigna).
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
    }
}
