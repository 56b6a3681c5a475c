//! Node rows and their history on real SQLite files: insert/update/delete round trips, status
//! changes through the transition table with history rows, illegal changes writing nothing,
//! containers.
mod common;

use common::*;
use wnm_core::{ErrorKind, NodeStatus};
use wnm_store::{Container, HistoryEntry, Store};

async fn colony() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("colony.db")).await.unwrap();
    store.save_machine(&machine()).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn node_round_trips_every_field() {
    let (_d, store) = colony().await;
    let mut n = node(7, NodeStatus::Stopped);
    n.peer_id = Some("12D3KooWabc".into());
    n.environment = "ANT_LOG=info".into();
    n.line = "ant-node-2026".into();
    n.metrics.records = 12;
    n.metrics.mem_mb = 123.45;
    n.metrics.cpu_percent = 7.5;
    n.metrics.rewards = "123456789012345678901".into();
    n.metrics.shunned_close_group = 3;
    n.metrics.shunned_old_close_group = 4;
    n.metrics.network_size = 2_000_000;
    store.insert_node(&n, "added", 100).await.unwrap();
    assert_eq!(store.node(7).await.unwrap(), Some(n.clone()));
    assert_eq!(store.node(8).await.unwrap(), None);

    n.version = Some("0.4.12".into());
    n.binary = "/elsewhere/antnode".into();
    n.metrics.puts = 99;
    store.update_node(&n).await.unwrap();
    assert_eq!(store.node(7).await.unwrap(), Some(n.clone()));

    let e = store.insert_node(&n, "again", 101).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert!(e.to_string().contains("already exists"), "{e}");
    // Only the first insert left history.
    assert_eq!(store.history(Some(7), 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn nodes_are_ordered_by_id_and_bulk_insert_is_one_step() {
    let (_d, store) = colony().await;
    let many: Vec<_> = [5, 1, 3]
        .into_iter()
        .map(|i| node(i, NodeStatus::Stopped))
        .collect();
    store
        .insert_nodes(&many, "imported from anm", 50)
        .await
        .unwrap();
    let ids: Vec<u32> = store.nodes().await.unwrap().iter().map(|n| n.id).collect();
    assert_eq!(ids, [1, 3, 5]);
    // A batch with a duplicate id writes nothing.
    let bad = vec![node(9, NodeStatus::Stopped), node(1, NodeStatus::Stopped)];
    assert!(store.insert_nodes(&bad, "x", 60).await.is_err());
    assert_eq!(store.node(9).await.unwrap(), None);
    assert_eq!(store.history(None, 100).await.unwrap().len(), 3);
}

#[tokio::test]
async fn node_needs_the_machine_row_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("colony.db")).await.unwrap();
    let e = store
        .insert_node(&node(1, NodeStatus::Stopped), "added", 1)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Store);
    assert!(e.to_string().contains("machine"), "{e}");
}

#[tokio::test]
async fn status_changes_are_recorded_with_reason_and_time() {
    let (_d, store) = colony().await;
    store
        .insert_node(
            &node(42, NodeStatus::Stopped),
            "added: below node_cap",
            1000,
        )
        .await
        .unwrap();
    let n = store
        .set_status(42, NodeStatus::Restarting, "started", 1010)
        .await
        .unwrap();
    assert_eq!(n.status, NodeStatus::Restarting);
    assert_eq!(n.status_changed_at, 1010);
    store
        .set_status(42, NodeStatus::Running, "settled after delay_start", 1310)
        .await
        .unwrap();
    // 3am: restarted because it stopped answering.
    store
        .set_status(
            42,
            NodeStatus::Restarting,
            "metrics endpoint did not answer",
            10_800,
        )
        .await
        .unwrap();
    // Same status: nothing to record.
    let same = store
        .set_status(42, NodeStatus::Restarting, "again", 10_801)
        .await
        .unwrap();
    assert_eq!(same.status_changed_at, 10_800);
    let stored = store.node(42).await.unwrap().unwrap();
    assert_eq!(stored.status, NodeStatus::Restarting);
    assert_eq!(stored.status_changed_at, 10_800);

    let h = store.history(Some(42), 10).await.unwrap();
    let want = |from, to, at, reason: &str| HistoryEntry {
        node_id: 42,
        at,
        from,
        to,
        reason: reason.into(),
    };
    use NodeStatus::*;
    assert_eq!(
        h,
        [
            want(
                Some(Running),
                Some(Restarting),
                10_800,
                "metrics endpoint did not answer"
            ),
            want(
                Some(Restarting),
                Some(Running),
                1310,
                "settled after delay_start"
            ),
            want(Some(Stopped), Some(Restarting), 1010, "started"),
            want(None, Some(Stopped), 1000, "added: below node_cap"),
        ]
    );
    assert_eq!(store.history(Some(42), 2).await.unwrap(), h[..2]);

    store
        .set_status(42, Removing, "removed: above node_cap", 20_000)
        .await
        .unwrap();
    store
        .delete_node(42, "removal delay over", 20_300)
        .await
        .unwrap();
    assert_eq!(store.node(42).await.unwrap(), None);
    let h = store.history(Some(42), 100).await.unwrap();
    assert_eq!(h.len(), 6, "history outlives the node");
    assert_eq!(
        h[0],
        want(Some(Removing), None, 20_300, "removal delay over")
    );
    assert_eq!(
        store.delete_node(42, "again", 1).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        store
            .set_status(42, Running, "x", 1)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn history_of_all_nodes_is_newest_first() {
    let (_d, store) = colony().await;
    store
        .insert_node(&node(1, NodeStatus::Stopped), "a", 10)
        .await
        .unwrap();
    store
        .insert_node(&node(2, NodeStatus::Stopped), "b", 20)
        .await
        .unwrap();
    store
        .set_status(1, NodeStatus::Running, "c", 30)
        .await
        .unwrap();
    let h = store.history(None, 10).await.unwrap();
    let seen: Vec<(u32, i64)> = h.iter().map(|e| (e.node_id, e.at)).collect();
    assert_eq!(seen, [(1, 30), (2, 20), (1, 10)]);
}

#[tokio::test]
async fn illegal_transition_writes_nothing() {
    let (_d, store) = colony().await;
    let mut n = node(3, NodeStatus::Removing);
    n.status_changed_at = 500;
    store.insert_node(&n, "added", 500).await.unwrap();
    let mut ok = node(4, NodeStatus::Running);
    store.insert_node(&ok, "added", 500).await.unwrap();
    let history_before = store.history(None, 100).await.unwrap();
    assert_eq!(history_before.len(), 2);

    let e = store
        .set_status(3, NodeStatus::Running, "planner wanted it back", 600)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IllegalTransition);
    assert!(e.to_string().contains("REMOVING -> RUNNING"), "{e}");
    assert!(e.to_string().contains("nothing was written"), "{e}");

    let mut changed = n.clone();
    changed.status = NodeStatus::Stopped;
    changed.status_changed_at = 700;
    changed.metrics.records = 5;
    assert_eq!(
        store.update_node(&changed).await.unwrap_err().kind(),
        ErrorKind::IllegalTransition
    );

    // One illegal change in a survey fails the whole survey: node 4's figures are not saved.
    ok.metrics.records = 77;
    let e = store.save_survey(&[ok, changed]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::IllegalTransition);
    assert!(e.to_string().contains("nothing was saved"), "{e}");

    assert_eq!(store.node(3).await.unwrap(), Some(n));
    assert_eq!(store.node(4).await.unwrap().unwrap().metrics.records, 0);
    assert_eq!(store.history(None, 100).await.unwrap(), history_before);
}

#[tokio::test]
async fn update_with_a_new_status_is_checked_and_recorded() {
    let (_d, store) = colony().await;
    let mut n = node(1, NodeStatus::Stopped);
    store.insert_node(&n, "added", 1).await.unwrap();
    n.set_status(NodeStatus::Disabled, 2).unwrap();
    store.update_node(&n).await.unwrap();
    let h = store.history(Some(1), 1).await.unwrap();
    assert_eq!(h[0].from, Some(NodeStatus::Stopped));
    assert_eq!(h[0].to, Some(NodeStatus::Disabled));
    assert_eq!(h[0].at, 2);
    let missing = node(99, NodeStatus::Stopped);
    assert_eq!(
        store.update_node(&missing).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn containers_hold_nodes() {
    let (_d, store) = colony().await;
    let c = Container {
        id: 0,
        container_id: "3f2a".repeat(16),
        name: "wnm-antnodes-1".into(),
        image: "iweave/antnode:latest".into(),
        status: "running".into(),
        created_at: 1_700_000_000,
        port_range: Some((55001, 55200)),
        metrics_port_range: Some((13001, 13200)),
    };
    let id = store.insert_container(&c).await.unwrap();
    assert!(id > 0);
    let dup = store.insert_container(&c).await.unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::Store);
    let mut n = node(1, NodeStatus::Stopped);
    n.manager = "docker+user".parse().unwrap();
    n.container_id = Some(id);
    store.insert_node(&n, "added", 1).await.unwrap();
    let mut other = node(2, NodeStatus::Stopped);
    other.container_id = Some(id + 100);
    assert!(store.insert_node(&other, "added", 1).await.is_err());

    store.set_container_status(id, "exited").await.unwrap();
    let got = store.containers().await.unwrap();
    assert_eq!(
        got,
        [Container {
            id,
            status: "exited".into(),
            ..c
        }]
    );
    let e = store.delete_container(id).await.unwrap_err();
    assert!(e.to_string().contains("nodes still belong"), "{e}");
    store.delete_node(1, "removed", 2).await.unwrap();
    store.delete_container(id).await.unwrap();
    assert!(store.containers().await.unwrap().is_empty());
    assert_eq!(
        store.delete_container(id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}
