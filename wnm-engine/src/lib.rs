//! The pure wnm planner: `plan(&Snapshot, &Policy, now) -> Plan`. No IO, no clock, no async;
//! other Autonomi tools embed it.
//!
//! Its normal dependencies are `wnm-core`, `serde` and `serde_json` only (never tokio, sea-orm,
//! sqlx, ureq, bollard or sysinfo; `tests/deps.rs` checks the tree in `Cargo.lock`). The only
//! randomness is a splitmix64 stream seeded from `Snapshot::wallet_seed`, used to draw the
//! wallets of new nodes from the weighted rewards list.
//!
//! # What a plan holds, in order
//!
//! 1. **Reboot.** When `metrics.boot_time > last_stopped_at` the plan is a single `Resurvey`
//!    step (and an idle reason): after a reboot every recorded status is stale, so nothing else
//!    is decided until the nodes have been surveyed again (the next plan, built from fresh facts).
//! 2. **Housekeeping**, in node-id order, ignoring every limit:
//!    - every DEAD node: `Delete` (reason "node is DEAD");
//!    - a RESTARTING node `delay_start` seconds or more after its last status change, an
//!      UPGRADING node after `delay_upgrade`: `Settle` (probe it, record RUNNING or STOPPED);
//!    - a REMOVING node after `delay_remove`: `Delete` (process, service, files, then the row).
//!
//!    A timer ends when `now - status_changed_at >= delay`; before that the node stays in flight
//!    and nothing cuts it short. Nodes settled or deleted by timer **still count as in flight for
//!    the rest of this plan** (their outcome is only known once the step ran); DEAD nodes count
//!    nowhere (their ids are still not reused in the same plan).
//! 3. **The spec §4 decision**, which adds its steps after the housekeeping:
//!    - `ops` = RESTARTING + UPGRADING + REMOVING. `ops >= max_concurrent_operations`: idle,
//!      "at global capacity".
//!    - Pressure (any is enough): cpu% > cpu_remove, mem% > mem_remove, any load average >
//!      max_load_average_allowed, an IO rate above its `*_remove` limit, disk% > hd_remove, or
//!      more nodes than node_cap. With `cap = min(max_removals - REMOVING, max_ops - ops)`:
//!      - disk pressure, over-cap, or a stop-pressure while outdated RUNNING nodes wait for an
//!        upgrade and nothing is REMOVING: `Remove` up to `cap` nodes, youngest STOPPED first,
//!        then youngest RUNNING (over-cap alone removes only the excess);
//!      - otherwise, when nothing is REMOVING: `Stop` up to `cap` youngest RUNNING nodes.
//!
//!      Pressure never leads to upgrades, starts or adds in the same plan.
//!    - Upgrade: RUNNING nodes whose version is strictly older than `binary_version`, oldest
//!      first, up to `min(max_upgrades - UPGRADING, max_ops - ops)`. While any upgrade can be
//!      planned nothing is added.
//!    - Grow, only when nothing is in flight and every add gate passes (cpu% < cpu_less_than,
//!      mem% < mem_less_than, disk% < hd_less_than, load1/5/15 < desired_load_average, IO below
//!      its `*_less_than` limits): `Start` the oldest STOPPED nodes (`upgrade_first` when older
//!      than the binary), then `Add` new nodes, together at most
//!      `min(max_starts - RESTARTING, max_ops - ops)`, adds only while the total stays <= node_cap.
//!
//! Every comparison is strict, so a value exactly at a threshold does nothing. An idle plan (no
//! §4 step) sets `Plan::idle` to the first thing that held it back.
//!
//! # Counting
//!
//! "total" (compared with node_cap) counts every node but REMOVING and DEAD ones: DISABLED nodes
//! count, a node being removed does not. DISABLED nodes never get any step.
//!
//! # Where this differs from wnm 0.5.0 (its defects, fixed)
//!
//! - "Outdated" means strictly older than `binary_version` (the queen is simply the binary):
//!   never a downgrade, an unknown node version is not outdated, no binary version means no
//!   upgrades. Only RUNNING nodes are upgraded or hold adds back: an outdated STOPPED node gets
//!   `upgrade_first` when it is started, a DISABLED one is left alone.
//! - Transitional statuses end by their timers only (see housekeeping).
//! - STOPPED nodes are started again at node_cap (starting does not change the total; 0.5.0
//!   needed `total < node_cap` even to start one).
//! - Within an enabled IO family (`io_on`: its four limits sum to more than 1), a limit of 0 is
//!   off ("0 = off", as the settings say) instead of blocking every add or stopping on any IO.
//! - Over-cap alone removes only the excess, and REMOVING nodes do not count in the total, so
//!   removals in flight never cause more removals.
//! - DEAD nodes are removed (all of them, outside the limits, as in 0.5.0) and the cycle then
//!   goes on deciding for the live nodes instead of ending there: a colony with one dead node
//!   still backs off under pressure or fills up in the same run. DEAD nodes count in no limit.
pub mod plan;
pub mod policy;
pub mod whatif;

mod housekeeping;
mod ids;
mod planner;
mod signals;
mod view;

pub use plan::{Action, Plan, Reason, Step};
pub use planner::{forced_adds, plan};
pub use policy::{IoLimits, Policy};
pub use whatif::{WhatIf, parse_whatif};
