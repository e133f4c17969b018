//! The event store conformance suite, and DynamoDB-specific rules, against
//! DynamoDB and DynamoDB Streams on moto.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use uuid::Uuid;

use super::{DynamoEventStore, MAX_APPEND_BYTES, MAX_EVENTS_PER_APPEND};
use crate::{
    adapters::aws::{AwsClients, provision::Needs, testing},
    config::{AwsConfig, DynamoEventStoreConfig},
    conformance::{StoreFactory, event_store_conformance},
    core::{
        model::{EventMetadata, ExpectedRevision, ProposedEvent},
        ports::{AuditStore, EventStore, StoreError},
    },
};

/// Stores on one table of a fresh moto deployment.
struct OnMoto {
    config: AwsConfig,
    clients: AwsClients,
}

impl OnMoto {
    async fn new() -> Self {
        let (config, clients) = testing::moto_deployment(Needs { events_table: true, ..Needs::default() }, 1).await;
        Self { config, clients }
    }

    async fn store(&self) -> Arc<DynamoEventStore> {
        DynamoEventStore::open(&self.clients, &self.config.resources.events_table, fast())
            .await
            .expect("open the DynamoDB event store")
    }
}

fn fast() -> DynamoEventStoreConfig {
    DynamoEventStoreConfig { poll_interval: std::time::Duration::from_millis(50) }
}

/// The factory the suite calls synchronously: the deployment is made on
/// first use.
struct Factory(tokio::sync::OnceCell<OnMoto>);

impl Factory {
    fn new() -> Self {
        Self(tokio::sync::OnceCell::new())
    }
}

#[async_trait]
impl StoreFactory for Factory {
    async fn open(&self) -> Arc<dyn EventStore> {
        self.0.get_or_init(OnMoto::new).await.store().await
    }

    fn global_order(&self) -> bool {
        false
    }
}

event_store_conformance!(Factory::new());

fn event(i: usize, bytes: usize) -> ProposedEvent {
    ProposedEvent {
        event_id: Uuid::new_v4(),
        event_type: "Happened".into(),
        content_type: "application/json".into(),
        schema_version: 0,
        schema_id: None,
        data: Bytes::from(format!("{{\"i\":{i},\"pad\":\"{}\"}}", "x".repeat(bytes))),
        metadata: EventMetadata::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_over_the_transaction_limits_are_refused_whole() {
    let moto = OnMoto::new().await;
    let store = moto.store().await;
    let at_limit: Vec<_> = (0..MAX_EVENTS_PER_APPEND).map(|i| event(i, 10)).collect();
    let result = store.append("big", ExpectedRevision::NoStream, at_limit).await.expect("98 events fit");
    assert_eq!(result.current_revision, MAX_EVENTS_PER_APPEND as u64 - 1);

    let over: Vec<_> = (0..=MAX_EVENTS_PER_APPEND).map(|i| event(i, 10)).collect();
    let ids: Vec<Uuid> = over.iter().map(|e| e.event_id).collect();
    match store.append("big", ExpectedRevision::Any, over).await {
        Err(StoreError::LimitExceeded { limit, detail }) => {
            assert_eq!(limit, "events_per_append");
            assert!(detail.contains("98"), "{detail}");
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    let too_big = vec![event(0, MAX_APPEND_BYTES)];
    assert!(matches!(
        store.append("big", ExpectedRevision::Any, too_big).await,
        Err(StoreError::LimitExceeded { limit, .. }) if limit == "bytes_per_append"
    ));
    for id in ids {
        assert!(store.find_event(id).await.expect("find").is_none(), "nothing of a refused append is stored");
    }
    assert_eq!(store.stream_info("big").await.expect("info").last_revision, Some(97));
}

/// Two replicas on one table: optimistic concurrency and idempotency hold
/// across them, and each sees the other's appends in its feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_share_concurrency_idempotency_and_the_feed() {
    let moto = OnMoto::new().await;
    let (a, b) = (moto.store().await, moto.store().await);
    let mut notices = b.commits();
    let acct = testing::unique("acct");
    let batch: Vec<_> = (0..3).map(|i| event(i, 10)).collect();
    let original = a.append(&acct, ExpectedRevision::NoStream, batch.clone()).await.expect("append on a");
    let retried = b.append(&acct, ExpectedRevision::NoStream, batch).await.expect("retry on b");
    assert!(retried.already_appended);
    assert_eq!(retried.last_position, original.last_position);
    assert!(matches!(
        b.append(&acct, ExpectedRevision::Exact(0), vec![event(9, 1)]).await,
        Err(StoreError::WrongExpectedVersion { actual: Some(2), .. })
    ));
    // b's tail of the change feed announces a's append.
    let notice = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let notice = notices.recv().await.expect("notices");
            if notice.streams.contains(&acct) {
                return notice;
            }
        }
    })
    .await
    .expect("b hears of a's append");
    assert!(notice.streams.contains(&acct));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_is_a_stream_outside_the_log() {
    let moto = OnMoto::new().await;
    let store = moto.store().await;
    assert_eq!(store.last_audit_revision().await.expect("last"), None);
    let receipt = store.submit_audit(vec![event(0, 1), event(1, 1)]).await.expect("submit");
    receipt.await.expect("durable");
    assert_eq!(store.last_audit_revision().await.expect("last"), Some(1));
    let slice = store.read_audit(crate::core::model::Direction::Forwards, None, 10).await.expect("read");
    assert_eq!(slice.events.len(), 2);
    assert!(slice.events.iter().all(|e| e.position.token.is_empty()));
    store.append("x", ExpectedRevision::Any, vec![event(2, 1)]).await.expect("append");
    let all = store
        .read_all(crate::core::model::ReadAllQuery {
            from: crate::core::model::AllFrom::Start,
            direction: crate::core::model::Direction::Forwards,
            limit: 100,
            filter: Default::default(),
        })
        .await
        .expect("read all");
    assert_eq!(all.events.iter().map(|e| e.stream_id.as_str()).collect::<Vec<_>>(), ["x"]);
}
