//! The audit trail of the embedded store: the port's conformance suite, and
//! the import of the old layout's `audit.db`.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use uuid::Uuid;

use super::{SqliteEventStore, SqliteEventStoreConfig};
use crate::{
    conformance::audit_store::{AuditStoreFactory, audit_store_conformance},
    core::{
        audit::AUDIT_STREAM,
        model::{AllFrom, Direction, EventMetadata, ExpectedRevision, ProposedEvent, ReadAllQuery},
        ports::{AuditStore, EventStore},
    },
};

/// Backends on one temporary database file.
struct Embedded {
    dir: tempfile::TempDir,
}

impl Embedded {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn open_store(&self) -> Arc<SqliteEventStore> {
        let config = SqliteEventStoreConfig { max_batch_events: 64, ..Default::default() };
        Arc::new(SqliteEventStore::open(self.dir.path().join("events.db"), config).expect("open"))
    }
}

#[async_trait]
impl AuditStoreFactory for Embedded {
    async fn open(&self) -> (Arc<dyn EventStore>, Arc<dyn AuditStore>) {
        let store = self.open_store();
        (store.clone(), store)
    }
}

audit_store_conformance!(Embedded::new());

fn decision(i: usize) -> ProposedEvent {
    ProposedEvent {
        event_id: Uuid::now_v7(),
        event_type: "PolicyDecision".into(),
        content_type: "application/json".into(),
        schema_version: 0,
        schema_id: None,
        data: Bytes::from(format!("{{\"i\":{i}}}")),
        metadata: EventMetadata { correlation_id: format!("c-{i}"), ..Default::default() },
    }
}

/// The old layout kept `$audit` in a second event store, `audit.db`: its
/// records are copied once, in order and with their revisions, and never
/// show in the global log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_audit_db_is_imported_once_in_order() {
    let backend = Embedded::new();
    let legacy_path = backend.dir.path().join("audit.db");
    let old: Vec<ProposedEvent> = (0..5).map(decision).collect();
    {
        let legacy = SqliteEventStore::open(&legacy_path, SqliteEventStoreConfig::default()).expect("legacy");
        legacy.append(AUDIT_STREAM, ExpectedRevision::Any, old[..2].to_vec()).await.expect("old records");
        legacy.append(AUDIT_STREAM, ExpectedRevision::Any, old[2..].to_vec()).await.expect("old records");
        legacy.append("not-audit", ExpectedRevision::Any, vec![decision(9)]).await.expect("other stream");
        legacy.shutdown().await;
    }

    let store = backend.open_store();
    store.append("orders-1", ExpectedRevision::Any, vec![decision(7)]).await.expect("append");
    assert_eq!(store.import_legacy_audit(&legacy_path).await, Ok(Some(5)));
    assert_eq!(store.import_legacy_audit(&legacy_path).await, Ok(None), "only once");

    let slice = store.read_audit(Direction::Forwards, None, 100).await.expect("read");
    let ids: Vec<Uuid> = slice.events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, old.iter().map(|e| e.event_id).collect::<Vec<_>>());
    assert_eq!(slice.events.iter().map(|e| e.revision).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert!(slice.events.iter().zip(&old).all(|(s, o)| s.data == o.data && s.metadata == o.metadata));

    // New records follow the imported ones; the log holds only its own event.
    store.submit_audit(vec![decision(5)]).await.expect("queued").await.expect("durable");
    let query =
        ReadAllQuery { from: AllFrom::Start, direction: Direction::Forwards, limit: 100, filter: Default::default() };
    let log = store.read_all(query).await.expect("read all");
    assert_eq!(log.events.len(), 1);
    store.shutdown().await;

    // A restart does not import again.
    let store = backend.open_store();
    assert_eq!(store.import_legacy_audit(&legacy_path).await, Ok(None));
    assert_eq!(store.last_audit_revision().await, Ok(Some(5)));
    store.shutdown().await;
}

/// An empty database holds no trail: nothing to import, noted as done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_old_audit_db_imports_nothing_once() {
    let backend = Embedded::new();
    let legacy_path = backend.dir.path().join("audit.db");
    std::fs::write(&legacy_path, b"").expect("write");
    let store = backend.open_store();
    assert_eq!(store.import_legacy_audit(&legacy_path).await, Ok(Some(0)));
    assert_eq!(store.import_legacy_audit(&legacy_path).await, Ok(None));
    assert_eq!(store.last_audit_revision().await, Ok(None));
    store.shutdown().await;
}

/// A file that is not a database is an error, and nothing is imported or
/// marked as imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_old_audit_db_imports_nothing() {
    let backend = Embedded::new();
    let legacy_path = backend.dir.path().join("audit.db");
    std::fs::write(&legacy_path, b"not a database").expect("write");
    let store = backend.open_store();
    assert!(store.import_legacy_audit(&legacy_path).await.is_err());
    assert_eq!(store.last_audit_revision().await, Ok(None));
    // Once the file is readable, the import still happens.
    std::fs::remove_file(&legacy_path).expect("remove");
    {
        let legacy = SqliteEventStore::open(&legacy_path, SqliteEventStoreConfig::default()).expect("legacy");
        legacy.append(AUDIT_STREAM, ExpectedRevision::Any, vec![decision(0)]).await.expect("old record");
        legacy.shutdown().await;
    }
    assert_eq!(store.import_legacy_audit(&legacy_path).await, Ok(Some(1)));
    store.shutdown().await;
}
