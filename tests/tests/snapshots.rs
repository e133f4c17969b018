//! Snapshots through the real binary: taken in the background by the count
//! trigger, read and managed through SnapshotService, used by commands after
//! a `kill -9` and restart, and refused input that changes nothing.

use std::time::Duration;

use nexus_e2e::{NexusProcess, ServerOptions, assert_error, assert_violation, expect_raw_status, unique};
use nexus_sdk::{
    json::value_to_json,
    proto::{
        CreateSnapshotRequest, DeleteSnapshotsRequest, GetSnapshotPolicyRequest, GetSnapshotRequest,
        GetSnapshotStatsRequest, ListSnapshotsRequest, SetSnapshotPolicyRequest, Snapshot, SnapshotPolicy,
        SnapshotPolicySource, SnapshotStats, snapshot_service_client::SnapshotServiceClient,
    },
};
use serde_json::{Value, json};
use tonic::{Code, transport::Channel};

async fn start() -> NexusProcess {
    NexusProcess::start_with(ServerOptions::default().env("NEXUS_SNAPSHOTS__DEFAULT__EVERY_EVENTS", "10")).await
}

/// Executes a command and returns the `balance` of its last event.
async fn balance_after(nexus: &NexusProcess, id: &str, command_type: &str, payload: Value) -> i64 {
    let response = nexus.client().await.execute("account", id, command_type, payload).await.expect("command");
    let last = response.events.last().expect("an event");
    let data: Value = serde_json::from_slice(&last.data).expect("json");
    data["balance"].as_i64().or_else(|| data["initial_deposit"].as_i64()).expect("a balance")
}

async fn list(snapshots: &mut SnapshotServiceClient<Channel>, id: &str) -> Vec<Snapshot> {
    let request =
        ListSnapshotsRequest { aggregate_type: "account".into(), aggregate_id: id.into(), ..Default::default() };
    snapshots.list_snapshots(request).await.expect("list").into_inner().snapshots
}

/// Polls (bounded: 5 s) until the aggregate has a snapshot at `revision`.
async fn wait_for(snapshots: &mut SnapshotServiceClient<Channel>, id: &str, revision: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let revisions: Vec<u64> = list(snapshots, id).await.iter().map(|s| s.revision).collect();
        if revisions.contains(&revision) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "no snapshot at {revision} within 5 s: {revisions:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stats(snapshots: &mut SnapshotServiceClient<Channel>) -> SnapshotStats {
    let request = GetSnapshotStatsRequest { aggregate_type: "account".into() };
    let response = snapshots.get_snapshot_stats(request).await.expect("stats").into_inner();
    response.stats.into_iter().next().expect("account stats")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_snapshots_serve_commands_across_a_crash() {
    let mut nexus = start().await;
    let mut snapshots = SnapshotServiceClient::new(nexus.channel().await);
    let id = unique("snap");
    assert_eq!(balance_after(&nexus, &id, "OpenAccount", json!({"owner": "Ada", "initial_deposit": 5})).await, 5);
    let mut expected = 5;
    for amount in 1..=24 {
        expected += amount;
        assert_eq!(balance_after(&nexus, &id, "DepositMoney", json!({"amount": amount})).await, expected);
    }
    // 25 events (revisions 0..=24): the count trigger (10) fired at 9 and 19.
    wait_for(&mut snapshots, &id, 19).await;
    let revisions: Vec<u64> = list(&mut snapshots, &id).await.iter().map(|s| s.revision).collect();
    assert_eq!(revisions, vec![19, 9], "newest first");

    let newest = snapshots
        .get_snapshot(GetSnapshotRequest { aggregate_type: "account".into(), aggregate_id: id.clone(), revision: None })
        .await
        .expect("get")
        .into_inner()
        .snapshot
        .expect("snapshot");
    assert_eq!((newest.revision, newest.first_revision, newest.current), (19, 0, true));
    assert_eq!(newest.stream_id, format!("account-{id}"));
    // The balance after revision 19: 5 + 1 + ... + 19.
    let state = value_to_json(newest.state.expect("state"));
    assert_eq!(
        state,
        json!({"status": "open", "owner": "Ada", "currency": "EUR", "balance": 5 + (1..=19).sum::<i64>()})
    );

    // After a crash the next command loads from the snapshot at 19 and folds
    // the 5 events after it, and decides on the right balance.
    nexus.restart().await;
    let mut snapshots = SnapshotServiceClient::new(nexus.channel().await);
    expected -= 100;
    assert_eq!(balance_after(&nexus, &id, "WithdrawMoney", json!({"amount": 100})).await, expected);
    let after = stats(&mut snapshots).await;
    assert_eq!((after.loads, after.loads_from_snapshot), (1, 1), "{after:?}");
    assert_eq!(after.events_replayed_max, 5, "revisions 20..=24 on top of the snapshot");

    // A forced snapshot at the last revision; then the next load folds nothing.
    let created = snapshots
        .create_snapshot(CreateSnapshotRequest { aggregate_type: "account".into(), aggregate_id: id.clone() })
        .await
        .expect("create")
        .into_inner()
        .snapshot
        .expect("snapshot");
    assert_eq!(created.revision, 25);
    let before = stats(&mut snapshots).await;
    expected += 1;
    assert_eq!(balance_after(&nexus, &id, "DepositMoney", json!({"amount": 1})).await, expected);
    let after = stats(&mut snapshots).await;
    assert_eq!(after.loads_from_snapshot, before.loads_from_snapshot + 1);
    assert_eq!(after.events_replayed_max, before.events_replayed_max);
    // The mean went down: this load replayed nothing.
    assert!(after.events_replayed_mean < before.events_replayed_mean, "{before:?} {after:?}");

    // Deleting every snapshot loses nothing: commands fold the whole stream.
    let deleted = snapshots
        .delete_snapshots(DeleteSnapshotsRequest {
            aggregate_type: "account".into(),
            aggregate_id: id.clone(),
            max_revision: None,
        })
        .await
        .expect("delete")
        .into_inner()
        .deleted;
    assert_eq!(deleted, 3);
    assert!(list(&mut snapshots, &id).await.is_empty());
    expected += 2;
    assert_eq!(balance_after(&nexus, &id, "DepositMoney", json!({"amount": 2})).await, expected);
    assert_eq!(stats(&mut snapshots).await.events_replayed_max, 27, "the whole stream, revisions 0..=26");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_set_through_the_api_is_used_and_survives_a_restart() {
    let mut nexus = start().await;
    let mut snapshots = SnapshotServiceClient::new(nexus.channel().await);
    let get = GetSnapshotPolicyRequest { aggregate_type: "account".into() };
    let before = snapshots.get_snapshot_policy(get.clone()).await.expect("get").into_inner();
    assert_eq!(before.source(), SnapshotPolicySource::Default);
    assert_eq!(before.policy.expect("policy").every_events, 10, "from NEXUS_SNAPSHOTS__DEFAULT__EVERY_EVENTS");

    let policy = SnapshotPolicy {
        every_events: 3,
        keep_last: 1,
        max_age: Some(prost_types::Duration { seconds: 3600, nanos: 0 }),
        ..Default::default()
    };
    let set = SetSnapshotPolicyRequest { aggregate_type: "account".into(), policy: Some(policy) };
    snapshots.set_snapshot_policy(set).await.expect("set");
    nexus.restart().await;
    let mut snapshots = SnapshotServiceClient::new(nexus.channel().await);
    let after = snapshots.get_snapshot_policy(get).await.expect("get").into_inner();
    assert_eq!((after.source(), after.policy), (SnapshotPolicySource::Api, Some(policy)));

    let id = unique("pol");
    balance_after(&nexus, &id, "OpenAccount", json!({"owner": "Bo"})).await;
    for _ in 0..5 {
        balance_after(&nexus, &id, "DepositMoney", json!({"amount": 1})).await;
    }
    // Every 3 events, keeping 1: the snapshot at 5 replaced the one at 2.
    wait_for(&mut snapshots, &id, 5).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while list(&mut snapshots, &id).await.len() > 1 {
        assert!(tokio::time::Instant::now() < deadline, "retention left {:?}", list(&mut snapshots, &id).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors_and_change_nothing() {
    let nexus = start().await;
    let mut snapshots = SnapshotServiceClient::new(nexus.channel().await);
    let id = unique("bad");

    let status = expect_raw_status(
        snapshots
            .get_snapshot(GetSnapshotRequest {
                aggregate_type: "ship".into(),
                aggregate_id: id.clone(),
                revision: None,
            })
            .await,
    );
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(status.message().contains("account"), "names the valid types: {}", status.message());

    let status = expect_raw_status(
        snapshots
            .list_snapshots(ListSnapshotsRequest {
                aggregate_type: "account".into(),
                aggregate_id: "has spaces and /slashes".into(),
                page_token: "not-a-token".into(),
                ..Default::default()
            })
            .await,
    );
    assert_violation(&status, "aggregate_id", |v| v.field == "aggregate_id");
    assert_violation(&status, "page_token", |v| v.field == "page_token");

    let status = expect_raw_status(
        snapshots
            .get_snapshot(GetSnapshotRequest {
                aggregate_type: "account".into(),
                aggregate_id: id.clone(),
                revision: Some(3),
            })
            .await,
    );
    assert_error(&status, Code::NotFound, "SNAPSHOT_NOT_FOUND");

    let status = expect_raw_status(
        snapshots
            .create_snapshot(CreateSnapshotRequest { aggregate_type: "account".into(), aggregate_id: id.clone() })
            .await,
    );
    assert_error(&status, Code::NotFound, "AGGREGATE_NOT_FOUND");

    let get = GetSnapshotPolicyRequest { aggregate_type: "account".into() };
    let before = snapshots.get_snapshot_policy(get.clone()).await.expect("get").into_inner();
    let bad = SnapshotPolicy {
        every_events: 1,
        max_age: Some(prost_types::Duration { seconds: 0, nanos: 500_000_000 }),
        ttl: Some(prost_types::Duration { seconds: -5, nanos: 0 }),
        ..Default::default()
    };
    let status = expect_raw_status(
        snapshots
            .set_snapshot_policy(SetSnapshotPolicyRequest { aggregate_type: "account".into(), policy: Some(bad) })
            .await,
    );
    assert_violation(&status, "policy.max_age", |v| v.field == "policy.max_age");
    assert_violation(&status, "policy.ttl", |v| v.field == "policy.ttl");
    let status = expect_raw_status(
        snapshots
            .set_snapshot_policy(SetSnapshotPolicyRequest { aggregate_type: "account".into(), policy: None })
            .await,
    );
    assert_violation(&status, "policy", |v| v.field == "policy");
    let after = snapshots.get_snapshot_policy(get).await.expect("get").into_inner();
    assert_eq!(after, before, "a refused policy changes nothing");
}
