//! The conformance suite of the [`AuditStore`] port, run by every adapter
//! through [`audit_store_conformance!`] with a factory for its backend.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use uuid::Uuid;

use crate::core::{
    audit::AUDIT_STREAM,
    model::{
        AllFrom, Direction, EventMetadata, ExpectedRevision, ProposedEvent, ReadAllQuery, ReadStreamQuery, StreamState,
    },
    ports::{AuditStore, EventStore, StoreError},
};

/// Opens one backend on one storage location, as its event store and its
/// audit store: each call after the previous backend's shutdown sees
/// everything the previous one acknowledged.
#[async_trait]
pub trait AuditStoreFactory: Send + Sync {
    async fn open(&self) -> (Arc<dyn EventStore>, Arc<dyn AuditStore>);
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! audit_store_conformance {
    ($factory:expr) => {
        audit_store_conformance!(@tests $factory;
            audit_records_get_consecutive_revisions_and_page_both_ways,
            audit_records_stay_out_of_the_global_log,
            a_write_queued_after_a_record_is_never_visible_before_it,
            audit_records_survive_restart,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::audit_store::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use audit_store_conformance;

fn records(n: usize) -> Vec<ProposedEvent> {
    (0..n)
        .map(|i| ProposedEvent {
            event_id: Uuid::now_v7(),
            event_type: "PolicyDecision".into(),
            content_type: "application/json".into(),
            schema_version: 0,
            schema_id: None,
            data: Bytes::from(format!("{{\"i\":{i}}}")),
            metadata: EventMetadata { user_id: format!("user-{i}"), ..Default::default() },
        })
        .collect()
}

fn event(i: usize) -> ProposedEvent {
    ProposedEvent { event_type: "Happened".into(), data: Bytes::from(format!("{{\"n\":{i}}}")), ..records(1).remove(0) }
}

async fn record(audit: &dyn AuditStore, records: Vec<ProposedEvent>) {
    audit.submit_audit(records).await.expect("queued").await.expect("durable");
}

fn revisions(slice: &crate::core::model::StreamSlice) -> Vec<u64> {
    slice.events.iter().map(|e| e.revision).collect()
}

pub async fn audit_records_get_consecutive_revisions_and_page_both_ways(factory: &dyn AuditStoreFactory) {
    let (store, audit) = factory.open().await;
    assert_eq!(audit.last_audit_revision().await, Ok(None));
    assert_eq!(
        audit.read_audit(Direction::Forwards, None, 10).await,
        Err(StoreError::StreamNotFound(AUDIT_STREAM.into()))
    );
    let all: Vec<ProposedEvent> = records(6);
    // One call of one record, one of two, one of three: six revisions.
    record(&*audit, all[..1].to_vec()).await;
    record(&*audit, all[1..3].to_vec()).await;
    record(&*audit, all[3..].to_vec()).await;
    record(&*audit, Vec::new()).await;
    assert_eq!(audit.last_audit_revision().await, Ok(Some(5)));

    let mut seen = Vec::new();
    let mut from = None;
    loop {
        let page = audit.read_audit(Direction::Forwards, from, 2).await.expect("page");
        assert_eq!(page.current_revision, 5);
        seen.extend(page.events.iter().cloned());
        match page.next_revision {
            Some(next) => from = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.iter().map(|e| e.revision).collect::<Vec<_>>(), [0, 1, 2, 3, 4, 5]);
    for (stored, proposed) in seen.iter().zip(&all) {
        assert_eq!(stored.event_id, proposed.event_id, "queue order");
        assert_eq!(stored.stream_id, AUDIT_STREAM);
        assert_eq!(stored.data, proposed.data);
        assert_eq!(stored.metadata, proposed.metadata);
        assert_eq!(stored.position.global, None, "audit records have no position in the log");
    }

    let newest = audit.read_audit(Direction::Backwards, None, 4).await.expect("backwards");
    assert_eq!(revisions(&newest), [5, 4, 3, 2]);
    assert_eq!(newest.next_revision, Some(1));
    let oldest = audit.read_audit(Direction::Backwards, Some(1), 4).await.expect("rest");
    assert_eq!(revisions(&oldest), [1, 0]);
    assert_eq!(oldest.next_revision, None);
    let past_end = audit.read_audit(Direction::Forwards, Some(6), 4).await.expect("past the end");
    assert!(past_end.events.is_empty() && past_end.next_revision.is_none());
    store.shutdown().await;
}

pub async fn audit_records_stay_out_of_the_global_log(factory: &dyn AuditStoreFactory) {
    let (store, audit) = factory.open().await;
    let before = store.append("orders-1", ExpectedRevision::Any, vec![event(1)]).await.expect("append");
    let decision = records(1);
    record(&*audit, decision.clone()).await;
    let after = store.append("orders-2", ExpectedRevision::Any, vec![event(2)]).await.expect("append");
    assert_eq!(after.first_position.global, before.first_position.global.map(|p| p + 1), "recording took no position");

    let query =
        ReadAllQuery { from: AllFrom::Start, direction: Direction::Forwards, limit: 100, filter: Default::default() };
    let log = store.read_all(query).await.expect("read all");
    let streams: Vec<&str> = log.events.iter().map(|e| e.stream_id.as_str()).collect();
    assert_eq!(streams, ["orders-1", "orders-2"]);
    assert_eq!(store.find_event(decision[0].event_id).await, Ok(None));
    assert_eq!(store.stream_info(AUDIT_STREAM).await.expect("info").state, StreamState::Absent);
    let query = ReadStreamQuery {
        stream_id: AUDIT_STREAM.into(),
        direction: Direction::Forwards,
        from_revision: None,
        limit: 10,
    };
    assert_eq!(store.read_stream(query).await, Err(StoreError::StreamNotFound(AUDIT_STREAM.into())));
    store.shutdown().await;
}

pub async fn a_write_queued_after_a_record_is_never_visible_before_it(factory: &dyn AuditStoreFactory) {
    let (store, audit) = factory.open().await;
    for i in 0..20u64 {
        let decision = records(1);
        let receipt = audit.submit_audit(decision.clone()).await.expect("queued");
        // The write is acknowledged before the record's receipt is awaited:
        // the record must already be durable and readable.
        store.append(&format!("s-{i}"), ExpectedRevision::NoStream, vec![event(i as usize)]).await.expect("append");
        assert_eq!(audit.last_audit_revision().await, Ok(Some(i)));
        let newest = audit.read_audit(Direction::Backwards, None, 1).await.expect("read");
        assert_eq!(newest.events[0].event_id, decision[0].event_id);
        receipt.await.expect("durable");
    }
    store.shutdown().await;
}

pub async fn audit_records_survive_restart(factory: &dyn AuditStoreFactory) {
    let (store, audit) = factory.open().await;
    let decisions = records(3);
    record(&*audit, decisions.clone()).await;
    store.shutdown().await;
    drop((store, audit));

    let (store, audit) = factory.open().await;
    let slice = audit.read_audit(Direction::Forwards, None, 10).await.expect("read after restart");
    let ids: Vec<Uuid> = slice.events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, decisions.iter().map(|d| d.event_id).collect::<Vec<_>>());
    // New records continue the revisions.
    record(&*audit, records(1)).await;
    assert_eq!(audit.last_audit_revision().await, Ok(Some(3)));
    store.shutdown().await;
}
