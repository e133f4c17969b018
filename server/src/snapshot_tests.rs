//! Snapshots end to end in-process: the command bus on the embedded event
//! store, registry and snapshot store, with the shipped policies and the
//! example bank domain.

use std::{sync::Arc, time::Duration};

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

use crate::{
    adapters::sqlite::SqliteSnapshotStore,
    core::{
        aggregate::{AggregateState, CommandHandler, SnapshotVersions},
        command::{CommandBus, CommandBusConfig, CommandBusParts, CommandRequest},
        error::NexusError,
        model::StreamMetadata,
        ports::EventStore,
        principal::Principal,
        snapshot::{
            Snapshot, SnapshotPolicy, SnapshotStore,
            loader::AggregateLoader,
            snapshotter::{SnapshotStats, Snapshotter, SnapshotterConfig},
        },
    },
    domain,
    test_backends::{Backends, backends},
};

struct Rig {
    _dir: tempfile::TempDir,
    store: Arc<dyn EventStore>,
    snapshots: Arc<dyn SnapshotStore>,
    loader: Arc<AggregateLoader>,
    snapshotter: Arc<Snapshotter>,
    bus: CommandBus,
    shutdown: tokio_util::sync::CancellationToken,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

async fn rig(policy: SnapshotPolicy) -> Rig {
    let Backends { dir, store, governance, policies } = backends();
    let snapshots: Arc<dyn SnapshotStore> =
        Arc::new(SqliteSnapshotStore::open(dir.path().join("snapshots.db")).expect("snapshots"));
    let stats = Arc::new(SnapshotStats::default());
    let loader = Arc::new(AggregateLoader::new(store.clone(), governance.clone(), Some(snapshots.clone()), stats));
    let handlers = domain::handlers();
    let snapshotter = Arc::new(
        Snapshotter::new(
            snapshots.clone(),
            store.clone(),
            loader.clone(),
            handlers.clone(),
            SnapshotterConfig { default_policy: policy, ..SnapshotterConfig::default() },
        )
        .await
        .expect("snapshotter"),
    );
    let shutdown = tokio_util::sync::CancellationToken::new();
    snapshotter.start(shutdown.clone());
    let bus = CommandBus::new(
        CommandBusParts {
            store: store.clone(),
            governance,
            policy: policies,
            remote: Arc::new(crate::core::remote::RemoteHandlers::new(&handlers, Default::default())),
            handlers,
            loader: loader.clone(),
            snapshotter: Some(snapshotter.clone()),
        },
        CommandBusConfig::default(),
    );
    Rig { _dir: dir, store, snapshots, loader, snapshotter, bus, shutdown }
}

fn command(id: &str, command_type: &str, payload: Value) -> CommandRequest {
    CommandRequest {
        aggregate_type: "account".into(),
        aggregate_id: id.into(),
        command_type: command_type.into(),
        payload,
        expected: None,
        command_id: None,
        correlation_id: None,
        causation_id: None,
        principal: Principal::anonymous(),
        custom_metadata: Default::default(),
    }
}

impl Rig {
    fn handler(&self) -> Arc<dyn CommandHandler> {
        self.bus.handlers().get("account").expect("account").clone()
    }

    async fn run(&self, id: &str, command_type: &str, payload: Value) -> Result<(), NexusError> {
        self.bus.execute(command(id, command_type, payload)).await.map(|_| ())
    }

    async fn open(&self, id: &str) {
        self.run(id, "OpenAccount", json!({"owner": "Ada"})).await.expect("opened");
    }

    async fn deposit(&self, id: &str, amount: i64) {
        self.run(id, "DepositMoney", json!({"amount": amount})).await.expect("deposited");
    }

    /// The state with snapshots and the state folded from events alone.
    async fn both(&self, stream: &str, up_to: Option<u64>) -> (Value, Value, Option<u64>) {
        let handler = self.handler();
        let with = self.loader.load(handler.as_ref(), stream, up_to).await.expect("load");
        let without = self.loader.without_snapshots().load(handler.as_ref(), stream, up_to).await.expect("load");
        assert_eq!(with.revision, without.revision, "both loads end at the same revision");
        (with.state.to_json().expect("json"), without.state.to_json().expect("json"), with.snapshot_revision)
    }

    async fn snapshot_revisions(&self, stream: &str) -> Vec<u64> {
        self.snapshots.list(stream, None, 1000).await.expect("list").snapshots.iter().map(|s| s.revision).collect()
    }

    /// Polls until `stream` has a snapshot at `revision` (bounded: 5 s).
    async fn wait_for_snapshot(&self, stream: &str, revision: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !self.snapshot_revisions(stream).await.contains(&revision) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no snapshot of {stream} at {revision} within 5 s; have {:?}",
                self.snapshot_revisions(stream).await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Gives the background writer a moment (its writes are asynchronous);
    /// assertions that something was written poll instead.
    async fn settle(&self) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The property: on random command sequences (including refused commands,
/// forced snapshots, deleted snapshots and truncated streams), an aggregate
/// loaded from its snapshots equals the aggregate folded from its events, at
/// the end and at random earlier revisions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loads_with_and_without_snapshots_agree_on_random_command_sequences() {
    let mut loads_from_snapshot = 0;
    for seed in 0..12u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let policy = SnapshotPolicy {
            every_events: rng.random_range(1..6),
            max_state_bytes: 0,
            max_age: Duration::ZERO,
            keep_last: rng.random_range(0..3),
            ttl: Duration::ZERO,
        };
        let rig = rig(policy).await;
        let accounts = ["a", "b", "c"];
        for step in 0..60 {
            let id = accounts[rng.random_range(0..accounts.len())];
            let stream = format!("account-{id}");
            let result = match rng.random_range(0..100) {
                0..=9 => rig.run(id, "OpenAccount", json!({"owner": format!("owner-{step}")})).await,
                10..=54 => rig.run(id, "DepositMoney", json!({"amount": rng.random_range(1..500)})).await,
                55..=84 => rig.run(id, "WithdrawMoney", json!({"amount": rng.random_range(1..400)})).await,
                85..=87 => rig.run(id, "CloseAccount", json!({})).await,
                88..=92 => rig.snapshotter.create_now("account", &stream).await.map(|_| ()),
                93..=95 => rig
                    .snapshots
                    .delete(&stream, None)
                    .await
                    .map(|_| ())
                    .map_err(|e| NexusError::Internal(e.to_string())),
                _ => {
                    // Truncate: events before a random revision become invisible.
                    let last = rig.store.stream_info(&stream).await.expect("info").last_revision;
                    if let Some(last) = last {
                        let metadata =
                            StreamMetadata { truncate_before: Some(rng.random_range(0..=last)), ..Default::default() };
                        rig.store.set_stream_metadata(&stream, metadata).await.expect("truncate");
                    }
                    Ok(())
                }
            };
            // Business refusals are part of the sequence; anything else is a bug.
            if let Err(e) = result {
                assert!(matches!(e, NexusError::Domain(_)), "seed {seed} step {step}: {e}");
            }
            if step % 10 == 9 {
                rig.settle().await;
                for id in accounts {
                    let stream = format!("account-{id}");
                    let (with, without, from) = rig.both(&stream, None).await;
                    assert_eq!(with, without, "seed {seed} step {step} {stream}: loaded from snapshot {from:?}");
                    loads_from_snapshot += u64::from(from.is_some());
                    if let Some(last) = rig.store.stream_info(&stream).await.expect("info").last_revision {
                        let up_to = rng.random_range(0..=last);
                        let (with, without, _) = rig.both(&stream, Some(up_to)).await;
                        assert_eq!(with, without, "seed {seed} step {step} {stream} up to {up_to}");
                    }
                }
            }
        }
    }
    // The comparison means something only if snapshots were really used.
    assert!(loads_from_snapshot > 20, "only {loads_from_snapshot} loads started from a snapshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_count_trigger_snapshots_in_the_background_and_retention_keeps_the_newest() {
    let rig = rig(SnapshotPolicy { every_events: 5, keep_last: 2, ..SnapshotPolicy::default() }).await;
    rig.open("a").await;
    for _ in 0..3 {
        rig.deposit("a", 10).await;
    }
    rig.settle().await;
    assert!(rig.snapshot_revisions("account-a").await.is_empty(), "4 events: below the trigger");
    rig.deposit("a", 10).await; // revision 4: 5 events since the start
    rig.wait_for_snapshot("account-a", 4).await;
    for _ in 0..10 {
        rig.deposit("a", 10).await;
        rig.settle().await;
    }
    rig.wait_for_snapshot("account-a", 14).await;
    assert_eq!(rig.snapshot_revisions("account-a").await, vec![14, 9], "keep_last 2");
    let snapshot = rig.snapshots.get("account-a", 14).await.expect("get").expect("some");
    let state: Value = serde_json::from_slice(&snapshot.state).expect("json");
    assert_eq!(state, json!({"status": "open", "owner": "Ada", "currency": "EUR", "balance": 140}));
    // The next load starts from it and folds nothing more.
    let loaded = rig.loader.load(rig.handler().as_ref(), "account-a", None).await.expect("load");
    assert_eq!((loaded.snapshot_revision, loaded.replayed), (Some(14), 0));
    let stats = rig.loader.stats().all()["account"].clone();
    assert!(stats.snapshots_created >= 3 && stats.loads_from_snapshot >= 1, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_size_trigger_fires_on_a_large_state() {
    let policy = SnapshotPolicy { every_events: 0, max_state_bytes: 200, ..SnapshotPolicy::default() };
    let rig = rig(policy).await;
    rig.open("small").await;
    rig.run("big", "OpenAccount", json!({"owner": "x".repeat(190)})).await.expect("opened");
    rig.wait_for_snapshot("account-big", 0).await;
    rig.settle().await;
    assert!(rig.snapshot_revisions("account-small").await.is_empty(), "a small state is not snapshotted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_age_sweep_snapshots_aggregates_that_changed_since_an_old_snapshot() {
    let policy = SnapshotPolicy { every_events: 0, max_age: Duration::from_secs(1), ..SnapshotPolicy::default() };
    let rig = rig(policy).await;
    rig.open("a").await;
    rig.open("quiet").await;
    rig.snapshotter.create_now("account", "account-a").await.expect("create");
    rig.snapshotter.create_now("account", "account-quiet").await.expect("create");
    rig.deposit("a", 5).await;
    rig.deposit("a", 5).await;
    // The sweep runs every second; the snapshot at 0 is over 1 s old by then.
    rig.wait_for_snapshot("account-a", 2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rig.snapshot_revisions("account-quiet").await, vec![0], "no events since: nothing new");
}

/// A handler like the account's whose versions differ: the snapshots the
/// account's handler wrote are not its own.
struct Versioned(Arc<dyn CommandHandler>, SnapshotVersions);

impl CommandHandler for Versioned {
    fn aggregate_type(&self) -> &str {
        self.0.aggregate_type()
    }
    fn command_types(&self) -> Vec<String> {
        self.0.command_types()
    }
    fn event_types(&self) -> Vec<String> {
        self.0.event_types()
    }
    fn snapshot_versions(&self) -> SnapshotVersions {
        self.1
    }
    fn restore(&self, snapshot: Option<&[u8]>) -> Result<Box<dyn AggregateState>, NexusError> {
        self.0.restore(snapshot)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_of_other_versions_or_unreadable_ones_are_ignored_never_misread() {
    let rig = rig(SnapshotPolicy { every_events: 0, ..SnapshotPolicy::default() }).await;
    rig.open("a").await;
    rig.deposit("a", 7).await;
    rig.snapshotter.create_now("account", "account-a").await.expect("create");
    rig.deposit("a", 1).await;

    for versions in [SnapshotVersions { state_schema: 1, handler: 2 }, SnapshotVersions { state_schema: 2, handler: 1 }]
    {
        let other = Versioned(rig.handler(), versions);
        let loaded = rig.loader.load(&other, "account-a", None).await.expect("load");
        assert_eq!((loaded.snapshot_revision, loaded.replayed), (None, 3), "{versions:?}: folded from events");
    }
    let loaded = rig.loader.load(rig.handler().as_ref(), "account-a", None).await.expect("load");
    assert_eq!((loaded.snapshot_revision, loaded.replayed), (Some(1), 1));

    // A snapshot with the right versions whose state does not deserialize.
    let mut bad = rig.snapshots.get("account-a", 1).await.expect("get").expect("some");
    bad = Snapshot { revision: 2, state: bytes::Bytes::from_static(b"{\"status\":\"haunted\"}"), ..bad };
    rig.snapshots.put(bad).await.expect("put");
    let failures = rig.loader.stats().all()["account"].snapshot_failures;
    let (with, without, from) = rig.both("account-a", None).await;
    assert_eq!((with, from), (without, None));
    assert_eq!(rig.loader.stats().all()["account"].snapshot_failures, failures + 1, "counted as a failure");
    // Commands still work on it.
    rig.deposit("a", 2).await;
    let (with, _, _) = rig.both("account-a", None).await;
    assert_eq!(with["balance"], json!(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_or_recreated_stream_does_not_use_snapshots_of_hidden_events() {
    let rig = rig(SnapshotPolicy { every_events: 0, ..SnapshotPolicy::default() }).await;
    rig.open("a").await;
    rig.deposit("a", 100).await;
    rig.snapshotter.create_now("account", "account-a").await.expect("create");
    // Soft delete, then write again: the stream starts over (revisions go on).
    rig.store.delete_stream("account-a", crate::core::model::ExpectedRevision::Any, false).await.expect("deleted");
    rig.open("a").await;
    let (with, without, from) = rig.both("account-a", None).await;
    assert_eq!(from, None, "the snapshot folded events that are no longer visible");
    assert_eq!(with, without);
    assert_eq!(with["balance"], json!(0), "the new account starts empty, not with the old 100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_set_at_runtime_is_stored_and_holds_from_the_next_append() {
    let rig = rig(SnapshotPolicy { every_events: 0, ..SnapshotPolicy::default() }).await;
    rig.open("a").await;
    rig.deposit("a", 1).await;
    rig.settle().await;
    assert!(rig.snapshot_revisions("account-a").await.is_empty());
    let policy = SnapshotPolicy { every_events: 3, ..SnapshotPolicy::default() };
    rig.snapshotter.set_policy("account", policy.clone()).await.expect("set");
    rig.deposit("a", 1).await;
    rig.wait_for_snapshot("account-a", 2).await;
    assert_eq!(rig.snapshots.get_policy("account").await, Ok(Some(policy)), "stored");
}
