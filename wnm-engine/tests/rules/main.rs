//! One table per planner rule, all through one `check(case, expected lines)` helper: the spec §4
//! examples, strict thresholds, load and IO rules, concurrency, stop vs remove, timers, ids,
//! wallets, dead cleanup, reboot, upgrades and DISABLED nodes.
mod case;

use case::{Case, NOW, check, table};
use wnm_core::NodeStatus::{Dead, Disabled, Removing, Restarting, Running, Stopped, Upgrading};
use wnm_core::{IdAllocation, WalletTarget};
use wnm_engine::{Action, plan};

const ADD_11: &str = "add antnode0011: 10 nodes < node_cap 20 and resources allow";
const GLOBAL_1: &str = "at global capacity: 1 operations in flight >= max_concurrent_operations 1";

#[test]
fn spec_examples() {
    table(vec![
        ("nothing unusual", Case::new(), vec![ADD_11]),
        (
            "2 STOPPED, 8 RUNNING: start the oldest stopped",
            Case::new().status(7, Stopped).status(3, Stopped),
            vec!["start antnode0003: resources allow"],
        ),
        (
            "starts = ops = 3, 1 STOPPED, 9 RUNNING: start 1, add 2",
            Case::new().status(5, Stopped).policy(|p| {
                p.max_concurrent_starts = 3;
                p.max_concurrent_operations = 3;
            }),
            vec![
                "start antnode0005: resources allow",
                "add antnode0011: 10 nodes < node_cap 20 and resources allow",
                "add antnode0012: 11 nodes < node_cap 20 and resources allow",
            ],
        ),
        (
            "cpu 80%: stop the youngest running",
            Case::new().metrics(|m| m.cpu_percent = 80.0),
            vec!["stop antnode0010: cpu 80% > cpu_remove 70%"],
        ),
        (
            "cpu exactly 70%: nothing",
            Case::new().metrics(|m| m.cpu_percent = 70.0),
            vec!["idle: cpu 70% >= cpu_less_than 50%"],
        ),
        (
            "disk 95%, 2 STOPPED: remove one stopped (the youngest)",
            Case::new()
                .status(3, Stopped)
                .status(7, Stopped)
                .metrics(|m| m.disk_percent = 95.0),
            vec!["remove antnode0007: disk 95% > hd_remove 90%"],
        ),
        (
            "1 RESTARTING: at global capacity",
            Case::new().status(10, Restarting).changed(10, 30),
            vec![GLOBAL_1],
        ),
        (
            "binary 0.4.6 older than nodes at 0.4.7: no upgrade (never downgrade), add",
            Case::new()
                .all_versions("0.4.6")
                .version(1, "0.4.7")
                .version(2, "0.4.7")
                .version(3, "0.4.7")
                .binary("0.4.6"),
            vec![ADD_11],
        ),
    ]);
}

#[test]
fn thresholds_are_strict() {
    table(vec![
        (
            "cpu just below cpu_less_than adds",
            Case::new().metrics(|m| m.cpu_percent = 49.99),
            vec![ADD_11],
        ),
        (
            "cpu at cpu_less_than holds adds back",
            Case::new().metrics(|m| m.cpu_percent = 50.0),
            vec!["idle: cpu 50% >= cpu_less_than 50%"],
        ),
        (
            "cpu just above cpu_remove stops",
            Case::new().metrics(|m| m.cpu_percent = 70.5),
            vec!["stop antnode0010: cpu 70.5% > cpu_remove 70%"],
        ),
        (
            "mem at mem_less_than",
            Case::new().metrics(|m| m.mem_percent = 60.0),
            vec!["idle: mem 60% >= mem_less_than 60%"],
        ),
        (
            "mem at mem_remove: nothing",
            Case::new().metrics(|m| m.mem_percent = 75.0),
            vec!["idle: mem 75% >= mem_less_than 60%"],
        ),
        (
            "mem above mem_remove stops",
            Case::new().metrics(|m| m.mem_percent = 75.1),
            vec!["stop antnode0010: mem 75.1% > mem_remove 75%"],
        ),
        (
            "disk at hd_less_than",
            Case::new().metrics(|m| m.disk_percent = 75.0),
            vec!["idle: disk 75% >= hd_less_than 75%"],
        ),
        (
            "disk at hd_remove: nothing",
            Case::new().metrics(|m| m.disk_percent = 90.0),
            vec!["idle: disk 90% >= hd_less_than 75%"],
        ),
        (
            "disk above hd_remove removes the youngest running when none is stopped",
            Case::new().metrics(|m| m.disk_percent = 90.5),
            vec!["remove antnode0010: disk 90.5% > hd_remove 90%"],
        ),
        (
            "cpu and mem both high: the cpu reason is named",
            Case::new().metrics(|m| {
                m.cpu_percent = 99.0;
                m.mem_percent = 99.0;
            }),
            vec!["stop antnode0010: cpu 99% > cpu_remove 70%"],
        ),
        (
            "the first blocking gate is named (mem before disk)",
            Case::new().metrics(|m| {
                m.mem_percent = 65.0;
                m.disk_percent = 80.0;
            }),
            vec!["idle: mem 65% >= mem_less_than 60%"],
        ),
    ]);
}

#[test]
fn load_rules() {
    // Case::new() has 4 cpus: desired_load_average 2.4, max_load_average_allowed 4.
    table(vec![
        (
            "all loads below desired adds",
            Case::new().metrics(|m| {
                m.load_1 = 2.39;
                m.load_5 = 2.0;
                m.load_15 = 1.0;
            }),
            vec![ADD_11],
        ),
        (
            "load5 at desired holds adds back",
            Case::new().metrics(|m| m.load_5 = 2.4),
            vec!["idle: load5 2.4 >= desired_load_average 2.4"],
        ),
        (
            "load1 at max allowed: nothing",
            Case::new().metrics(|m| m.load_1 = 4.0),
            vec!["idle: load1 4 >= desired_load_average 2.4"],
        ),
        (
            "load15 above max allowed stops",
            Case::new().metrics(|m| m.load_15 = 4.25),
            vec!["stop antnode0010: load15 4.25 > max_load_average_allowed 4"],
        ),
        (
            "the first window above max is named",
            Case::new().metrics(|m| {
                m.load_1 = 3.0;
                m.load_5 = 5.0;
                m.load_15 = 6.0;
            }),
            vec!["stop antnode0010: load5 5 > max_load_average_allowed 4"],
        ),
    ]);
}

#[test]
fn io_rules() {
    table(vec![
        (
            "io off (limits sum to 1): huge rates are ignored",
            Case::new()
                .policy(|p| p.hdio.read_remove = 1)
                .metrics(|m| m.hdio_read_bps = 1 << 40),
            vec![ADD_11],
        ),
        (
            "hdio write above remove stops",
            Case::new()
                .policy(|p| {
                    p.hdio.write_less_than = 1000;
                    p.hdio.write_remove = 5000;
                })
                .metrics(|m| m.hdio_write_bps = 5001),
            vec!["stop antnode0010: hdio_write 5001 B/s > hdio_write_remove 5000 B/s"],
        ),
        (
            "hdio write exactly at remove: nothing",
            Case::new()
                .policy(|p| {
                    p.hdio.write_less_than = 1000;
                    p.hdio.write_remove = 5000;
                })
                .metrics(|m| m.hdio_write_bps = 5000),
            vec!["idle: hdio_write 5000 B/s >= hdio_write_less_than 1000 B/s"],
        ),
        (
            "netio read below less_than adds",
            Case::new()
                .policy(|p| {
                    p.netio.read_less_than = 1000;
                    p.netio.read_remove = 5000;
                })
                .metrics(|m| m.netio_read_bps = 999),
            vec![ADD_11],
        ),
        (
            "netio read at less_than holds adds back",
            Case::new()
                .policy(|p| {
                    p.netio.read_less_than = 1000;
                    p.netio.read_remove = 5000;
                })
                .metrics(|m| m.netio_read_bps = 1000),
            vec!["idle: netio_read 1000 B/s >= netio_read_less_than 1000 B/s"],
        ),
        (
            "a zero limit inside an enabled family is off: only remove set, adds still allowed",
            Case::new()
                .policy(|p| p.netio.write_remove = 10_000)
                .metrics(|m| {
                    m.netio_write_bps = 9_999;
                    m.netio_read_bps = 1 << 30;
                }),
            vec![ADD_11],
        ),
        (
            "netio write above remove stops",
            Case::new()
                .policy(|p| p.netio.write_remove = 10_000)
                .metrics(|m| m.netio_write_bps = 10_001),
            vec!["stop antnode0010: netio_write 10001 B/s > netio_write_remove 10000 B/s"],
        ),
    ]);
}

#[test]
fn priorities() {
    table(vec![
        (
            "pressure beats upgrades, and removes instead of stopping while one is pending",
            Case::new()
                .all_versions("0.4.6")
                .binary("0.4.7")
                .metrics(|m| m.cpu_percent = 90.0),
            vec![
                "remove antnode0010: cpu 90% > cpu_remove 70% while 10 outdated node(s) await an upgrade: removing instead of stopping",
            ],
        ),
        (
            "upgrades beat adds: the oldest outdated running node",
            Case::new()
                .all_versions("0.4.7")
                .version(4, "0.4.6")
                .version(6, "0.4.6")
                .binary("0.4.7"),
            vec!["upgrade antnode0004: version 0.4.6 < binary 0.4.7"],
        ),
        (
            "disk pressure is named before cpu pressure",
            Case::new().metrics(|m| {
                m.cpu_percent = 90.0;
                m.disk_percent = 95.0;
            }),
            vec!["remove antnode0010: disk 95% > hd_remove 90%"],
        ),
        (
            "global capacity beats pressure",
            Case::new()
                .status(10, Restarting)
                .changed(10, 10)
                .metrics(|m| m.cpu_percent = 95.0),
            vec![GLOBAL_1],
        ),
    ]);
}

#[test]
fn concurrency_limits() {
    table(vec![
        (
            "starts limited by max_concurrent_starts",
            Case::new()
                .status(2, Stopped)
                .status(4, Stopped)
                .status(6, Stopped)
                .policy(|p| {
                    p.max_concurrent_starts = 2;
                    p.max_concurrent_operations = 5;
                }),
            vec![
                "start antnode0002: resources allow",
                "start antnode0004: resources allow",
            ],
        ),
        (
            "adds limited by max_concurrent_operations",
            Case::new().policy(|p| {
                p.max_concurrent_starts = 5;
                p.max_concurrent_operations = 2;
            }),
            vec![
                ADD_11,
                "add antnode0012: 11 nodes < node_cap 20 and resources allow",
            ],
        ),
        (
            "nothing starts while an operation is in flight below the global limit",
            Case::new()
                .status(9, Upgrading)
                .changed(9, 10)
                .policy(|p| p.max_concurrent_operations = 3),
            vec![
                "idle: 1 node(s) in flight (0 RESTARTING, 1 UPGRADING, 0 REMOVING): nothing starts until they settle",
            ],
        ),
        (
            "upgrades limited by max_concurrent_upgrades and what is UPGRADING",
            Case::new()
                .all_versions("0.4.6")
                .binary("0.4.7")
                .status(1, Upgrading)
                .changed(1, 10)
                .policy(|p| {
                    p.max_concurrent_upgrades = 3;
                    p.max_concurrent_operations = 9;
                }),
            vec![
                "upgrade antnode0002: version 0.4.6 < binary 0.4.7",
                "upgrade antnode0003: version 0.4.6 < binary 0.4.7",
            ],
        ),
        (
            "upgrades limited by the global room",
            Case::new()
                .all_versions("0.4.6")
                .binary("0.4.7")
                .status(1, Restarting)
                .changed(1, 10)
                .policy(|p| {
                    p.max_concurrent_upgrades = 5;
                    p.max_concurrent_operations = 2;
                }),
            vec!["upgrade antnode0002: version 0.4.6 < binary 0.4.7"],
        ),
        (
            "stops limited by removals and global room",
            Case::new().metrics(|m| m.cpu_percent = 99.0).policy(|p| {
                p.max_concurrent_removals = 3;
                p.max_concurrent_operations = 2;
            }),
            vec![
                "stop antnode0010: cpu 99% > cpu_remove 70%",
                "stop antnode0009: cpu 99% > cpu_remove 70%",
            ],
        ),
        (
            "max_concurrent_operations 0 stops everything",
            Case::new().policy(|p| p.max_concurrent_operations = 0),
            vec!["at global capacity: 0 operations in flight >= max_concurrent_operations 0"],
        ),
        (
            "max_concurrent_starts 0 allows no start",
            Case::new().policy(|p| p.max_concurrent_starts = 0),
            vec!["idle: max_concurrent_starts 0 allows no start"],
        ),
    ]);
}

#[test]
fn stop_versus_remove() {
    table(vec![
        (
            "mem pressure stops, even with stopped nodes around",
            Case::new()
                .status(2, Stopped)
                .metrics(|m| m.mem_percent = 80.0),
            vec!["stop antnode0010: mem 80% > mem_remove 75%"],
        ),
        (
            "the youngest running is the latest created, not the highest id",
            Case::new()
                .created(3, NOW - 10)
                .metrics(|m| m.cpu_percent = 80.0),
            vec!["stop antnode0003: cpu 80% > cpu_remove 70%"],
        ),
        (
            "over node_cap removes the excess, stopped first then youngest running",
            Case::new().status(2, Stopped).policy(|p| {
                p.node_cap = 7;
                p.max_concurrent_removals = 5;
                p.max_concurrent_operations = 5;
            }),
            vec![
                "remove antnode0002: 10 nodes > node_cap 7",
                "remove antnode0010: 10 nodes > node_cap 7",
                "remove antnode0009: 10 nodes > node_cap 7",
            ],
        ),
        (
            "disk pressure removes up to the removal limit, youngest stopped first",
            Case::new()
                .status(2, Stopped)
                .status(5, Stopped)
                .metrics(|m| m.disk_percent = 91.0)
                .policy(|p| {
                    p.max_concurrent_removals = 3;
                    p.max_concurrent_operations = 3;
                }),
            vec![
                "remove antnode0005: disk 91% > hd_remove 90%",
                "remove antnode0002: disk 91% > hd_remove 90%",
                "remove antnode0010: disk 91% > hd_remove 90%",
            ],
        ),
        (
            "no stop while a removal is in flight",
            Case::new()
                .status(1, Removing)
                .changed(1, 10)
                .metrics(|m| m.cpu_percent = 80.0)
                .policy(|p| {
                    p.max_concurrent_removals = 2;
                    p.max_concurrent_operations = 2;
                }),
            vec![
                "idle: cpu 80% > cpu_remove 70%, but 1 node(s) are already REMOVING: waiting for them",
            ],
        ),
        (
            "disk pressure still removes while another removal is in flight (limits allowing)",
            Case::new()
                .status(1, Removing)
                .changed(1, 10)
                .metrics(|m| m.disk_percent = 95.0)
                .policy(|p| {
                    p.max_concurrent_removals = 2;
                    p.max_concurrent_operations = 2;
                }),
            vec!["remove antnode0010: disk 95% > hd_remove 90%"],
        ),
        (
            "a REMOVING node does not count in the total",
            Case::new().status(1, Removing).changed(1, 10).policy(|p| {
                p.node_cap = 9;
                p.max_concurrent_removals = 2;
                p.max_concurrent_operations = 2;
            }),
            vec![
                "idle: 1 node(s) in flight (0 RESTARTING, 0 UPGRADING, 1 REMOVING): nothing starts until they settle",
            ],
        ),
        (
            "max_concurrent_removals 0 allows no stop",
            Case::new()
                .metrics(|m| m.cpu_percent = 80.0)
                .policy(|p| p.max_concurrent_removals = 0),
            vec!["idle: cpu 80% > cpu_remove 70%, but max_concurrent_removals 0 allows no removal"],
        ),
        (
            "pressure with nothing running",
            Case::new()
                .only(&[(1, Stopped)])
                .metrics(|m| m.cpu_percent = 80.0),
            vec!["idle: cpu 80% > cpu_remove 70%, but no RUNNING node to stop"],
        ),
    ]);
}

#[test]
fn timers() {
    // defaults: delay_start 300, delay_upgrade 300, delay_remove 300 (Case::new sets
    // delay_remove 600 to tell them apart).
    table(vec![
        (
            "RESTARTING just before delay_start: in flight",
            Case::new().status(10, Restarting).changed(10, 299),
            vec![GLOBAL_1],
        ),
        (
            "RESTARTING at delay_start: settle, still in flight this cycle",
            Case::new().status(10, Restarting).changed(10, 300),
            vec!["settle antnode0010: RESTARTING for 300s >= 300s", GLOBAL_1],
        ),
        (
            "RESTARTING after delay_start",
            Case::new().status(10, Restarting).changed(10, 4000),
            vec!["settle antnode0010: RESTARTING for 4000s >= 300s", GLOBAL_1],
        ),
        (
            "UPGRADING just before delay_upgrade",
            Case::new().status(4, Upgrading).changed(4, 299),
            vec![GLOBAL_1],
        ),
        (
            "UPGRADING at delay_upgrade",
            Case::new().status(4, Upgrading).changed(4, 300),
            vec!["settle antnode0004: UPGRADING for 300s >= 300s", GLOBAL_1],
        ),
        (
            "REMOVING just before delay_remove",
            Case::new().status(4, Removing).changed(4, 599),
            vec![GLOBAL_1],
        ),
        (
            "REMOVING at delay_remove: delete",
            Case::new().status(4, Removing).changed(4, 600),
            vec!["delete antnode0004: REMOVING for 600s >= 600s", GLOBAL_1],
        ),
        (
            "REMOVING after delay_remove, with room for more: the decision follows",
            Case::new()
                .status(4, Removing)
                .changed(4, 601)
                .metrics(|m| m.disk_percent = 95.0)
                .policy(|p| {
                    p.max_concurrent_removals = 2;
                    p.max_concurrent_operations = 2;
                }),
            vec![
                "delete antnode0004: REMOVING for 601s >= 600s",
                "remove antnode0010: disk 95% > hd_remove 90%",
            ],
        ),
        (
            "a clock behind the status change never ends a timer",
            Case::new().status(4, Restarting).changed(4, -50),
            vec![GLOBAL_1],
        ),
    ]);
}

#[test]
fn id_allocation() {
    table(vec![
        (
            "fills the lowest hole",
            Case::new().only(&[(1, Running), (2, Running), (4, Running), (7, Running)]),
            vec!["add antnode0003: 4 nodes < node_cap 20 and resources allow"],
        ),
        (
            "ids of DEAD and REMOVING rows are not reused in the same plan",
            Case::new()
                .only(&[(1, Running), (2, Dead), (3, Running)])
                .policy(|p| p.max_concurrent_starts = 2)
                .policy(|p| p.max_concurrent_operations = 2),
            vec![
                "delete antnode0002: node is DEAD",
                "add antnode0004: 2 nodes < node_cap 20 and resources allow",
                "add antnode0005: 3 nodes < node_cap 20 and resources allow",
            ],
        ),
        (
            "never-reuse: above highest_node_id_used",
            Case::new()
                .only(&[(1, Running), (3, Running)])
                .snapshot(|s| {
                    s.id_allocation = IdAllocation::NeverReuse;
                    s.highest_node_id_used = Some(41);
                }),
            vec!["add antnode0042: 2 nodes < node_cap 20 and resources allow"],
        ),
        (
            "never-reuse: above every existing id even when highest_node_id_used lags",
            Case::new()
                .only(&[(1, Running), (57, Running)])
                .snapshot(|s| {
                    s.id_allocation = IdAllocation::NeverReuse;
                    s.highest_node_id_used = Some(41);
                }),
            vec!["add antnode0058: 2 nodes < node_cap 20 and resources allow"],
        ),
        (
            "never-reuse without a recorded highest id",
            Case::new().only(&[]).snapshot(|s| {
                s.id_allocation = IdAllocation::NeverReuse;
            }),
            vec!["add antnode0001: 0 nodes < node_cap 20 and resources allow"],
        ),
        (
            "a given service name is kept",
            Case::new()
                .name(10, "antnode10")
                .metrics(|m| m.cpu_percent = 99.0),
            vec!["stop antnode10: cpu 99% > cpu_remove 70%"],
        ),
    ]);
}

#[test]
fn node_cap_and_disabled() {
    table(vec![
        (
            "node_cap reached",
            Case::new().policy(|p| p.node_cap = 10),
            vec!["idle: node_cap 10 reached (10 nodes)"],
        ),
        (
            "DISABLED nodes count in the total",
            Case::new()
                .status(9, Disabled)
                .status(10, Disabled)
                .policy(|p| p.node_cap = 10),
            vec!["idle: node_cap 10 reached (10 nodes)"],
        ),
        (
            "adds stop at node_cap",
            Case::new().policy(|p| {
                p.node_cap = 11;
                p.max_concurrent_starts = 4;
                p.max_concurrent_operations = 4;
            }),
            vec!["add antnode0011: 10 nodes < node_cap 11 and resources allow"],
        ),
        (
            "a STOPPED node is started at node_cap (starting changes no total)",
            Case::new().status(6, Stopped).policy(|p| p.node_cap = 10),
            vec!["start antnode0006: resources allow"],
        ),
        (
            "DISABLED nodes are never stopped, even under pressure",
            Case::new()
                .only(&[(1, Disabled), (2, Disabled)])
                .metrics(|m| m.cpu_percent = 99.0),
            vec!["idle: cpu 99% > cpu_remove 70%, but no RUNNING node to stop"],
        ),
        (
            "DISABLED nodes are never removed, even over the cap",
            Case::new()
                .only(&[(1, Disabled), (2, Disabled), (3, Disabled)])
                .policy(|p| p.node_cap = 2),
            vec![
                "idle: 3 nodes > node_cap 2, but no STOPPED or RUNNING node can be removed (DISABLED nodes are never touched)",
            ],
        ),
        (
            "a DISABLED outdated node is never upgraded and blocks nothing",
            Case::new()
                .all_versions("0.4.7")
                .status(2, Disabled)
                .version(2, "0.4.1")
                .binary("0.4.7"),
            vec![ADD_11],
        ),
        (
            "no rewards address: no adds",
            Case::new().policy(|p| p.wallets = None),
            vec!["idle: rewards_address is empty: no wallet for a new node"],
        ),
    ]);
}

#[test]
fn upgrades() {
    table(vec![
        (
            "an outdated STOPPED node is started with upgrade_first, never upgraded in place",
            Case::new()
                .all_versions("0.4.7")
                .status(3, Stopped)
                .version(3, "0.4.6")
                .binary("0.4.7"),
            vec![
                "start antnode0003: resources allow; version 0.4.6 < binary 0.4.7: upgrading it first",
            ],
        ),
        (
            "an outdated STOPPED node blocks nothing when it cannot start",
            Case::new()
                .all_versions("0.4.7")
                .status(3, Stopped)
                .version(3, "0.4.6")
                .binary("0.4.7")
                .metrics(|m| m.cpu_percent = 60.0),
            vec!["idle: cpu 60% >= cpu_less_than 50%"],
        ),
        (
            "unknown node version is not outdated",
            Case::new().binary("0.4.7"),
            vec![ADD_11],
        ),
        (
            "no binary version: no upgrades",
            Case::new().all_versions("0.4.1"),
            vec![ADD_11],
        ),
        (
            "pre-release older than its release is outdated",
            Case::new()
                .all_versions("0.4.7")
                .version(8, "0.4.7-rc.1")
                .binary("0.4.7"),
            vec!["upgrade antnode0008: version 0.4.7-rc.1 < binary 0.4.7"],
        ),
        (
            "versions compare numerically",
            Case::new()
                .all_versions("0.4.11")
                .version(8, "0.4.9")
                .binary("0.4.10"),
            vec!["upgrade antnode0008: version 0.4.9 < binary 0.4.10"],
        ),
        (
            "max_concurrent_upgrades 0: upgrades off, adds go on",
            Case::new()
                .all_versions("0.4.6")
                .binary("0.4.7")
                .policy(|p| p.max_concurrent_upgrades = 0),
            vec![ADD_11],
        ),
        (
            "an upgrade in flight holds adds back",
            Case::new()
                .all_versions("0.4.7")
                .status(5, Upgrading)
                .changed(5, 20)
                .binary("0.4.7")
                .policy(|p| p.max_concurrent_operations = 2),
            vec![
                "idle: 1 node(s) in flight (0 RESTARTING, 1 UPGRADING, 0 REMOVING): nothing starts until they settle",
            ],
        ),
    ]);
}

#[test]
fn dead_cleanup() {
    table(vec![
        (
            "every DEAD node is deleted at once, ignoring limits, and adds follow",
            Case::new().status(2, Dead).status(5, Dead).status(8, Dead),
            vec![
                "delete antnode0002: node is DEAD",
                "delete antnode0005: node is DEAD",
                "delete antnode0008: node is DEAD",
                "add antnode0011: 7 nodes < node_cap 20 and resources allow",
            ],
        ),
        (
            "DEAD cleanup beside a full in-flight budget",
            Case::new()
                .status(2, Dead)
                .status(3, Restarting)
                .changed(3, 5),
            vec!["delete antnode0002: node is DEAD", GLOBAL_1],
        ),
        (
            "DEAD cleanup and pressure in one plan",
            Case::new()
                .status(2, Dead)
                .metrics(|m| m.cpu_percent = 88.0),
            vec![
                "delete antnode0002: node is DEAD",
                "stop antnode0010: cpu 88% > cpu_remove 70%",
            ],
        ),
    ]);
}

#[test]
fn reboot() {
    table(vec![
        (
            "booted after the last run: resurvey only",
            Case::new()
                .status(2, Dead)
                .metrics(|m| m.boot_time = NOW - 30)
                .snapshot(|s| s.last_stopped_at = NOW - 60),
            vec![
                "resurvey: system rebooted (boot 1795352856 > last run 1795352826)",
                "idle: the host rebooted: node statuses are stale until every node is surveyed again",
            ],
        ),
        (
            "booted exactly at the last run: no reboot",
            Case::new()
                .metrics(|m| m.boot_time = NOW - 60)
                .snapshot(|s| s.last_stopped_at = NOW - 60),
            vec![ADD_11],
        ),
        (
            "never run before (last_stopped_at 0): resurvey",
            Case::new().snapshot(|s| s.last_stopped_at = 0),
            vec![
                "resurvey: system rebooted (boot 1795266486 > last run 0)",
                "idle: the host rebooted: node statuses are stale until every node is surveyed again",
            ],
        ),
    ]);
}

#[test]
fn wallet_choice_is_seeded_and_weighted() {
    let list = "0x5c69a31F0c03ffc64aC203F6B67Cf9cC7ca93A93:3,donate:1";
    let wallets_for = |seed: u64| -> Vec<WalletTarget> {
        let c = Case::new()
            .rewards(list)
            .snapshot(|s| s.wallet_seed = seed)
            .policy(|p| {
                p.node_cap = 200;
                p.max_concurrent_starts = 100;
                p.max_concurrent_operations = 100;
            });
        plan(&c.snapshot, &c.policy, c.now)
            .steps
            .into_iter()
            .filter_map(|s| match s.action {
                Action::Add { wallet, .. } => Some(wallet),
                _ => None,
            })
            .collect()
    };
    let a = wallets_for(7);
    assert_eq!(a.len(), 100);
    assert_eq!(a, wallets_for(7), "same seed, same wallets");
    assert_ne!(a, wallets_for(8), "another seed, another draw");
    let donate = a.iter().filter(|w| **w == WalletTarget::Donate).count();
    assert!(
        (10..=45).contains(&donate),
        "weight 1 of 4 should draw donate about 25 times in 100, got {donate}"
    );
    // The first draw of seed 0 is splitmix64(0) = 0xe220a8397b1dcdaf; % 4 = 3 -> donate.
    assert_eq!(wallets_for(0)[0], WalletTarget::Donate);
    // Single-entry list: always that entry.
    let c = Case::new()
        .rewards("faucet")
        .snapshot(|s| s.wallet_seed = 99);
    let p = plan(&c.snapshot, &c.policy, c.now);
    assert!(matches!(
        p.steps[0].action,
        Action::Add {
            id: 11,
            wallet: WalletTarget::Faucet
        }
    ));
}

#[test]
fn duplicate_ids_in_a_snapshot_are_planned_once() {
    let mut c = Case::new().metrics(|m| m.cpu_percent = 99.0);
    let dup = c.snapshot.nodes[9].clone();
    c.snapshot.nodes.push(dup);
    check(
        "duplicate id 10",
        &c,
        &["stop antnode0010: cpu 99% > cpu_remove 70%"],
    );
}

#[test]
fn plan_json_round_trips() {
    let c = Case::new().status(2, Dead).status(3, Stopped).policy(|p| {
        p.max_concurrent_starts = 2;
        p.max_concurrent_operations = 2;
    });
    let p = plan(&c.snapshot, &c.policy, c.now);
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(r#""action":"delete","id":2"#), "{json}");
    assert!(json.contains(r#""reason":"dead_node""#), "{json}");
    let back: wnm_engine::Plan = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}
