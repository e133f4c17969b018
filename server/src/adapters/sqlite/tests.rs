use std::sync::Arc;

use async_trait::async_trait;

use super::{SqliteEventStore, SqliteEventStoreConfig};
use crate::{
    conformance::{StoreFactory, event_store_conformance},
    core::ports::EventStore,
};

/// Stores on one temporary database file.
struct Embedded {
    dir: tempfile::TempDir,
}

impl Embedded {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }
}

#[async_trait]
impl StoreFactory for Embedded {
    async fn open(&self) -> Arc<dyn EventStore> {
        let config = SqliteEventStoreConfig { max_batch_events: 64, ..Default::default() };
        Arc::new(SqliteEventStore::open(self.dir.path().join("events.db"), config).expect("open"))
    }
}

event_store_conformance!(Embedded::new());

/// Ids move from memory into the `event_ids` table in slices; idempotency
/// and lookups must hold on both sides of that move, and across a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_ids_stay_findable_and_idempotent_after_merging_into_the_index() {
    use bytes::Bytes;
    use uuid::Uuid;

    use crate::core::{
        model::{EventMetadata, ExpectedRevision, ProposedEvent},
        ports::StoreError,
    };

    let factory = Embedded::new();
    let store = factory.open().await;
    let batch = |n: usize| -> Vec<ProposedEvent> {
        (0..n)
            .map(|i| ProposedEvent {
                event_id: Uuid::new_v4(),
                event_type: "Counted".into(),
                content_type: "application/json".into(),
                schema_version: 0,
                schema_id: None,
                data: Bytes::from(format!("{{\"i\":{i}}}")),
                metadata: EventMetadata::default(),
            })
            .collect()
    };
    let first = batch(50);
    store.append("early", ExpectedRevision::NoStream, first.clone()).await.expect("append");
    // Enough events to push the early ids out of memory.
    for i in 0..250 {
        store.append(&format!("bulk-{}", i % 7), ExpectedRevision::Any, batch(100)).await.expect("append");
    }
    let last = batch(10);
    store.append("late", ExpectedRevision::NoStream, last.clone()).await.expect("append");
    {
        let conn = rusqlite::Connection::open(factory.dir.path().join("events.db")).expect("open");
        let merged: i64 = conn.query_row("SELECT COUNT(*) FROM event_ids", [], |r| r.get(0)).expect("count");
        assert!(merged >= 4096, "ids were merged into the index table ({merged})");
    }
    for (events, stream) in [(&first, "early"), (&last, "late")] {
        let retry = store.append(stream, ExpectedRevision::NoStream, events.clone()).await.expect("idempotent");
        assert!(retry.already_appended, "retry of {stream} is recognised");
        for e in events {
            let found = store.find_event(e.event_id).await.expect("find").expect("present");
            assert_eq!(found.stream_id, stream);
        }
        let mut reused = batch(1);
        reused[0].event_id = events[3].event_id;
        assert!(matches!(
            store.append("elsewhere", ExpectedRevision::Any, reused).await,
            Err(StoreError::EventIdConflict { .. })
        ));
    }
    // After a restart: ids below the watermark come from the table, the
    // others from memory rebuilt from the events.
    store.shutdown().await;
    drop(store);
    let store = factory.open().await;
    for (events, stream) in [(&first, "early"), (&last, "late")] {
        let retry = store.append(stream, ExpectedRevision::NoStream, events.clone()).await.expect("idempotent");
        assert!(retry.already_appended, "retry of {stream} after restart is recognised");
        assert!(store.find_event(events[0].event_id).await.expect("find").is_some());
    }
}
