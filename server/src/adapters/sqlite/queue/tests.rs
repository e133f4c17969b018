use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::SqliteQueueBus;
use crate::{
    adapters::sqlite::Durability,
    conformance::queue_bus::{Opened, QueueBusFactory, queue_bus_conformance},
};

/// Buses on one temporary database file.
struct Embedded {
    dir: tempfile::TempDir,
    open: Mutex<Option<Arc<SqliteQueueBus>>>,
}

impl Embedded {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir"), open: Mutex::new(None) }
    }
}

#[async_trait]
impl QueueBusFactory for Embedded {
    async fn open(&self) -> Opened {
        let bus = Arc::new(SqliteQueueBus::open(self.dir.path().join("bus.db"), Durability::Full).expect("open"));
        *self.open.lock().expect("lock") = Some(bus.clone());
        Opened { bus: bus.clone(), checkpoints: bus }
    }

    async fn close(&self, opened: Opened) {
        drop(opened);
        let bus = self.open.lock().expect("lock").take();
        if let Some(bus) = bus {
            bus.shutdown().await;
        }
    }
}

queue_bus_conformance!(Embedded::new());

/// After shutdown every call, and a receiver that was waiting, ends with
/// ShuttingDown; the file opens again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_waiting_receivers_and_later_calls() {
    use std::time::Duration;

    use crate::core::bus::{BusError, ConsumerSettings, QueueBus};

    let factory = Embedded::new();
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", ConsumerSettings::default()).await.expect("create");
    let waiting = {
        let bus = bus.clone();
        tokio::spawn(async move { bus.receive("c", 1, Duration::from_secs(30)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let concrete = factory.open.lock().expect("lock").clone().expect("open");
    concrete.shutdown().await;
    let ended = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("receiver woke").expect("task");
    assert_eq!(ended, Err(BusError::ShuttingDown));
    assert_eq!(bus.consumer("c").await, Err(BusError::ShuttingDown));
    let reopened = SqliteQueueBus::open(factory.dir.path().join("bus.db"), Durability::Full).expect("reopen");
    assert_eq!(reopened.consumer("c").await.expect("kept").name, "c");
}

/// A payload is stored once however many consumers it fans out to, and goes
/// when the last of them lets it go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_are_shared_and_released_by_the_last_consumer() {
    use std::time::Duration;

    use crate::core::bus::{ConsumerSettings, DeadLetterSelection, QueueBus};

    let bus = SqliteQueueBus::in_memory().expect("open");
    for name in ["a", "b"] {
        bus.create_consumer(name, ConsumerSettings::default()).await.expect("create");
    }
    let event = Arc::new(crate::core::model::RecordedEvent {
        event_id: uuid::Uuid::new_v4(),
        stream_id: "s".into(),
        revision: 0,
        position: crate::core::model::Position { token: "1".into(), global: Some(1) },
        event_type: "T".into(),
        schema_version: 0,
        content_type: "application/json".into(),
        data: bytes::Bytes::from_static(b"{}"),
        metadata: Default::default(),
        recorded_at_micros: 1,
        schema_id: None,
        stored_schema_version: None,
    });
    bus.publish(std::slice::from_ref(&event)).await.expect("publish");
    let payloads = |bus: &SqliteQueueBus| {
        let guard = bus.shared.conn.lock().expect("lock");
        let conn = guard.as_ref().expect("open");
        conn.query_row("SELECT COUNT(*), COALESCE(SUM(refs), 0) FROM payloads", [], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })
        .expect("count")
    };
    assert_eq!(payloads(&bus), (1, 2));
    let on_a = bus.receive("a", 1, Duration::ZERO).await.expect("receive").remove(0);
    bus.ack("a", &on_a.receipt).await.expect("ack");
    assert_eq!(payloads(&bus), (1, 1));
    let on_b = bus.receive("b", 1, Duration::ZERO).await.expect("receive").remove(0);
    bus.park("b", &on_b.receipt, "no").await.expect("park");
    assert_eq!(payloads(&bus), (1, 1), "a dead letter keeps its payload");
    bus.purge("b", DeadLetterSelection::All).await.expect("purge");
    assert_eq!(payloads(&bus), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_before_event_type_filters_opens_with_every_type() {
    use crate::core::bus::{ConsumerSettings, QueueBus};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bus.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE consumers (name TEXT PRIMARY KEY, visibility_timeout INTEGER NOT NULL, \
             max_deliveries INTEGER NOT NULL, backoff_initial INTEGER NOT NULL, backoff_max INTEGER NOT NULL, \
             created_at INTEGER NOT NULL) WITHOUT ROWID; \
             INSERT INTO consumers VALUES ('old', 30000000, 5, 500000, 60000000, 0);",
        )
        .expect("old schema");
    }
    let bus = SqliteQueueBus::open(&path, Durability::Full).expect("open an old database");
    let old = bus.consumer("old").await.expect("the old consumer");
    assert_eq!(old.settings, ConsumerSettings::default());
    let narrowed = ConsumerSettings { event_types: vec!["X".into()], ..ConsumerSettings::default() };
    assert_eq!(bus.create_consumer("old", narrowed.clone()).await.expect("update").settings, narrowed);
    bus.shutdown().await;
}
