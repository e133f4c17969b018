//! The conformance suite of the [`SnapshotStore`] port, run by every adapter
//! through [`snapshot_store_conformance!`] with a factory for its backend.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;

use crate::core::snapshot::{Snapshot, SnapshotPolicy, SnapshotStore, SnapshotVersions};

/// Opens stores on one storage location: each call sees what the previous
/// one stored.
#[async_trait]
pub trait SnapshotStoreFactory: Send + Sync {
    async fn open(&self) -> Arc<dyn SnapshotStore>;
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! snapshot_store_conformance {
    ($factory:expr) => {
        snapshot_store_conformance!(@tests $factory;
            latest_is_the_newest_with_matching_versions_at_or_below_a_revision,
            put_replaces_the_snapshot_at_a_revision,
            list_pages_newest_first,
            delete_removes_at_or_below_a_revision,
            prune_keeps_the_newest_k_and_never_the_last_one,
            prune_by_age_spares_each_streams_newest,
            stale_lists_streams_whose_newest_is_old,
            snapshots_and_policies_survive_reopening,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::snapshot_store::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use snapshot_store_conformance;

const V1: SnapshotVersions = SnapshotVersions { state_schema: 1, handler: 1 };
const V2: SnapshotVersions = SnapshotVersions { state_schema: 1, handler: 2 };

fn snapshot(stream: &str, revision: u64, versions: SnapshotVersions, created_at: i64) -> Snapshot {
    Snapshot {
        stream_id: stream.into(),
        aggregate_type: "account".into(),
        revision,
        first_revision: 0,
        versions,
        content_type: "application/json".into(),
        state: Bytes::from(format!("{{\"revision\":{revision}}}")),
        created_at,
    }
}

async fn revisions(store: &dyn SnapshotStore, stream: &str) -> Vec<u64> {
    store.list(stream, None, 1000).await.expect("list").snapshots.iter().map(|s| s.revision).collect()
}

pub async fn latest_is_the_newest_with_matching_versions_at_or_below_a_revision(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    assert_eq!(store.latest("account-1", V1, None).await, Ok(None));
    for (revision, versions) in [(9, V1), (19, V1), (29, V2)] {
        store.put(snapshot("account-1", revision, versions, 1)).await.expect("put");
    }
    store.put(snapshot("account-2", 99, V1, 1)).await.expect("put");
    let latest = store.latest("account-1", V1, None).await.expect("latest").expect("some");
    assert_eq!(latest, snapshot("account-1", 19, V1, 1), "the V2 one at 29 is not for V1 handlers");
    assert_eq!(store.latest("account-1", V2, None).await.expect("latest").map(|s| s.revision), Some(29));
    assert_eq!(store.latest("account-1", V1, Some(18)).await.expect("latest").map(|s| s.revision), Some(9));
    assert_eq!(store.latest("account-1", V1, Some(19)).await.expect("latest").map(|s| s.revision), Some(19));
    assert_eq!(store.latest("account-1", V1, Some(8)).await.expect("latest"), None);
    assert_eq!(store.get("account-1", 29).await.expect("get").map(|s| s.versions), Some(V2));
    assert_eq!(store.get("account-1", 30).await.expect("get"), None);
}

pub async fn put_replaces_the_snapshot_at_a_revision(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    store.put(snapshot("account-1", 5, V1, 1)).await.expect("put");
    let newer = Snapshot { state: Bytes::from_static(b"{\"x\":1}"), created_at: 2, ..snapshot("account-1", 5, V2, 2) };
    store.put(newer.clone()).await.expect("put again");
    assert_eq!(store.get("account-1", 5).await.expect("get"), Some(newer));
    assert_eq!(revisions(store.as_ref(), "account-1").await, vec![5]);
}

pub async fn list_pages_newest_first(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    for revision in [4, 9, 14, 19, 24] {
        store.put(snapshot("account-1", revision, V1, 1)).await.expect("put");
    }
    let first = store.list("account-1", None, 2).await.expect("page 1");
    assert_eq!(first.snapshots.iter().map(|s| s.revision).collect::<Vec<_>>(), vec![24, 19]);
    assert_eq!(first.snapshots[0].size, snapshot("account-1", 24, V1, 1).state.len() as u64);
    let second = store.list("account-1", first.next_before, 2).await.expect("page 2");
    assert_eq!(second.snapshots.iter().map(|s| s.revision).collect::<Vec<_>>(), vec![14, 9]);
    let third = store.list("account-1", second.next_before, 2).await.expect("page 3");
    assert_eq!(third.snapshots.iter().map(|s| s.revision).collect::<Vec<_>>(), vec![4]);
    assert_eq!(third.next_before, None);
    assert!(store.list("account-9", None, 2).await.expect("empty").snapshots.is_empty());
}

pub async fn delete_removes_at_or_below_a_revision(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    for revision in [4, 9, 14] {
        store.put(snapshot("account-1", revision, V1, 1)).await.expect("put");
    }
    store.put(snapshot("account-2", 4, V1, 1)).await.expect("put");
    assert_eq!(store.delete("account-1", Some(9)).await, Ok(2));
    assert_eq!(revisions(store.as_ref(), "account-1").await, vec![14]);
    assert_eq!(store.delete("account-1", None).await, Ok(1));
    assert!(revisions(store.as_ref(), "account-1").await.is_empty());
    assert_eq!(revisions(store.as_ref(), "account-2").await, vec![4], "other streams are untouched");
}

pub async fn prune_keeps_the_newest_k_and_never_the_last_one(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    for revision in [1, 2, 3, 4, 5] {
        store.put(snapshot("account-1", revision, V1, 1)).await.expect("put");
        store.put(snapshot("account-2", revision, V1, 1)).await.expect("put");
    }
    assert_eq!(store.prune("account", Some("account-1"), Some(2), None).await, Ok(3));
    assert_eq!(revisions(store.as_ref(), "account-1").await, vec![5, 4]);
    assert_eq!(revisions(store.as_ref(), "account-2").await.len(), 5, "only the named stream");
    assert_eq!(store.prune("account", None, Some(1), None).await, Ok(5));
    assert_eq!(revisions(store.as_ref(), "account-1").await, vec![5]);
    assert_eq!(revisions(store.as_ref(), "account-2").await, vec![5]);
    assert_eq!(store.prune("order", None, Some(1), None).await, Ok(0), "other aggregate types are untouched");
}

pub async fn prune_by_age_spares_each_streams_newest(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    for (revision, created_at) in [(1, 100), (2, 200), (3, 300)] {
        store.put(snapshot("account-1", revision, V1, created_at)).await.expect("put");
    }
    store.put(snapshot("account-2", 1, V1, 100)).await.expect("put");
    // Everything is older than 1,000, but each stream keeps its newest.
    assert_eq!(store.prune("account", None, None, Some(1_000)).await, Ok(2));
    assert_eq!(revisions(store.as_ref(), "account-1").await, vec![3]);
    assert_eq!(revisions(store.as_ref(), "account-2").await, vec![1]);
}

pub async fn stale_lists_streams_whose_newest_is_old(f: &dyn SnapshotStoreFactory) {
    let store = f.open().await;
    store.put(snapshot("account-1", 1, V1, 100)).await.expect("put");
    store.put(snapshot("account-1", 2, V1, 900)).await.expect("put");
    store.put(snapshot("account-2", 1, V1, 100)).await.expect("put");
    store.put(snapshot("account-3", 7, V1, 200)).await.expect("put");
    let stale = store.stale("account", 500, None, 10).await.expect("stale");
    let found: Vec<_> = stale.iter().map(|s| (s.stream_id.as_str(), s.revision)).collect();
    assert_eq!(found, vec![("account-2", 1), ("account-3", 7)], "account-1's newest is recent");
    let paged = store.stale("account", 500, Some("account-2"), 10).await.expect("after");
    assert_eq!(paged.iter().map(|s| s.stream_id.as_str()).collect::<Vec<_>>(), vec!["account-3"]);
    assert_eq!(store.stale("account", 500, None, 1).await.expect("limit").len(), 1);
    assert!(store.stale("order", 500, None, 10).await.expect("other type").is_empty());
}

pub async fn snapshots_and_policies_survive_reopening(f: &dyn SnapshotStoreFactory) {
    let policy = SnapshotPolicy {
        every_events: 7,
        max_state_bytes: 1024,
        max_age: Duration::from_secs(90),
        keep_last: 0,
        ttl: Duration::from_secs(3600),
    };
    {
        let store = f.open().await;
        assert_eq!(store.get_policy("account").await, Ok(None));
        store.put(snapshot("account-1", 3, V1, 1)).await.expect("put");
        store.put_policy("account", &policy).await.expect("put policy");
    }
    let store = f.open().await;
    assert_eq!(store.get("account-1", 3).await.expect("get"), Some(snapshot("account-1", 3, V1, 1)));
    assert_eq!(store.get_policy("account").await, Ok(Some(policy)));
}
