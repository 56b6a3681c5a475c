//! The survey write on a real SQLite file: 1,000 nodes' figures and status changes saved in one
//! transaction, read back exactly, with history rows for the status changes; prints the time.
mod common;

use common::*;
use std::time::{Duration, Instant};
use wnm_core::NodeStatus;
use wnm_store::{SURVEY_REASON, Store};

#[tokio::test]
async fn thousand_node_survey_is_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("colony.db")).await.unwrap();
    store.save_machine(&machine()).await.unwrap();
    let nodes: Vec<_> = (1..=1000).map(|i| node(i, NodeStatus::Running)).collect();
    store.insert_nodes(&nodes, "added", 1).await.unwrap();

    let survey: Vec<_> = nodes
        .into_iter()
        .map(|mut n| {
            n.metrics.records = u64::from(n.id) * 3;
            n.metrics.mem_mb = 100.5;
            n.metrics.rewards = format!("0.{:018}", n.id);
            n.peer_id = Some(format!("12D3KooW{}", n.id));
            n.version = Some("0.4.12".into());
            if n.id.is_multiple_of(250) {
                n.set_status(NodeStatus::Stopped, 5000).unwrap();
            }
            n
        })
        .collect();
    let t = Instant::now();
    store.save_survey(&survey).await.unwrap();
    let took = t.elapsed();
    println!(
        "save_survey: 1000 nodes in one transaction took {:.1} ms",
        took.as_secs_f64() * 1e3
    );
    assert!(took < Duration::from_secs(60), "{took:?}");

    assert_eq!(store.nodes().await.unwrap(), survey);
    let changes: Vec<_> = store
        .history(None, 2000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.reason == SURVEY_REASON)
        .collect();
    assert_eq!(changes.len(), 4);
    assert!(changes.iter().all(|e| e.from == Some(NodeStatus::Running)
        && e.to == Some(NodeStatus::Stopped)
        && e.at == 5000
        && e.node_id.is_multiple_of(250)));

    // A node without a row fails the whole survey.
    let mut ghost = survey[0].clone();
    ghost.id = 5000;
    let mut again = survey.clone();
    again[1].metrics.records = 1;
    again.push(ghost);
    assert!(store.save_survey(&again).await.is_err());
    assert_eq!(store.node(2).await.unwrap().unwrap().metrics.records, 6);
}
