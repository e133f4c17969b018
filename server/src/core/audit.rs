//! The audit trail: every policy decision on a write, and every deny, as an
//! event of the system stream [`AUDIT_STREAM`].
//!
//! The trail is kept by an [`AuditStore`] beside the event log, never inside
//! it: recording decisions puts no foreign events, and no position gaps,
//! into the application's global log. On the embedded backend it is a table
//! of the event store's own database, written in the same group commits as
//! the appends. Clients read it like any stream (`ReadStream` /
//! `SubscribeStream` of `$audit`, served by [`AuditLog::store`]) or through
//! `PolicyService.ListDecisions`. They never write it: the API refuses
//! writes to every system stream.
//!
//! A write's record is queued before the write starts and the call answers
//! only once the record is durable: the store commits the record with the
//! write or before it, so an acknowledged write always has its decision on
//! disk (see [`AuditStore::submit_audit`]).

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

use super::{
    model::{
        AllSlice, AppendResult, CommitNotice, Direction, EventMetadata, ExpectedRevision, JSON_CONTENT_TYPE,
        ProposedEvent, ReadAllQuery, ReadStreamQuery, RecordedEvent, StreamInfo, StreamMetadata, StreamSlice,
        StreamState,
    },
    ports::{AuditReceipt, AuditStore, EventStore, StoreError},
    principal::Principal,
};

/// The system stream holding decision records.
pub const AUDIT_STREAM: &str = "$audit";
/// Event type of a decision record.
pub const DECISION_EVENT_TYPE: &str = "PolicyDecision";

/// The outcome of one policy package for one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyOutcome {
    pub policy: String,
    pub allow: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// Who a decision was about, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedPrincipal {
    pub subject: String,
    #[serde(default)]
    pub tenant: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl From<&Principal> for RecordedPrincipal {
    fn from(p: &Principal) -> Self {
        Self { subject: p.subject.clone(), tenant: p.tenant.clone(), roles: p.roles.clone() }
    }
}

/// What a call was about. Empty fields do not apply to the call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditResource {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stream: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stream_prefix: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub aggregate_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub projection: String,
    pub consumer: String,
}

/// One recorded decision: the payload of a `PolicyDecision` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub decision_id: Uuid,
    /// Microseconds since the Unix epoch.
    pub time_micros: i64,
    pub principal: RecordedPrincipal,
    pub service: String,
    pub method: String,
    #[serde(default)]
    pub resource: AuditResource,
    pub allow: bool,
    pub decisions: Vec<PolicyOutcome>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub correlation_id: String,
    /// Revision in the audit stream; known only once read back.
    #[serde(skip)]
    pub audit_revision: u64,
}

impl DecisionRecord {
    /// A record made now, with a fresh time-ordered id.
    pub fn new(principal: &Principal, service: &str, method: &str, resource: AuditResource) -> Self {
        Self {
            decision_id: Uuid::now_v7(),
            time_micros: now_micros(),
            principal: principal.into(),
            service: service.to_string(),
            method: method.to_string(),
            resource,
            allow: true,
            decisions: Vec::new(),
            correlation_id: String::new(),
            audit_revision: 0,
        }
    }

    /// Adds a policy's outcome; the record allows only if every outcome does.
    pub fn push(&mut self, outcome: PolicyOutcome) {
        self.allow &= outcome.allow;
        self.decisions.push(outcome);
    }

    fn to_event(&self) -> ProposedEvent {
        let data = serde_json::to_vec(self).unwrap_or_default();
        ProposedEvent {
            event_id: self.decision_id,
            event_type: DECISION_EVENT_TYPE.to_string(),
            content_type: JSON_CONTENT_TYPE.to_string(),
            schema_version: 0,
            schema_id: None,
            data: Bytes::from(data),
            metadata: EventMetadata {
                correlation_id: self.correlation_id.clone(),
                causation_id: String::new(),
                user_id: self.principal.subject.clone(),
                tenant_id: self.principal.tenant.clone(),
                custom: Default::default(),
            },
        }
    }
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Which records [`AuditLog::list`] returns; `None`/empty fields match all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionFilter {
    pub subject: String,
    pub tenant: Option<String>,
    pub allow: Option<bool>,
    pub service: String,
    pub method: String,
    pub correlation_id: String,
    pub since_micros: Option<i64>,
}

impl DecisionFilter {
    fn matches(&self, r: &DecisionRecord) -> bool {
        (self.subject.is_empty() || r.principal.subject == self.subject)
            && self.tenant.as_ref().is_none_or(|t| &r.principal.tenant == t || &r.resource.tenant == t)
            && self.allow.is_none_or(|a| r.allow == a)
            && (self.service.is_empty() || r.service == self.service)
            && (self.method.is_empty() || r.method == self.method)
            && (self.correlation_id.is_empty() || r.correlation_id == self.correlation_id)
            && self.since_micros.is_none_or(|s| r.time_micros >= s)
    }
}

/// One page of [`AuditLog::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionPage {
    pub records: Vec<DecisionRecord>,
    /// Audit revision to continue from (backwards), if there may be more.
    pub next_revision: Option<u64>,
}

/// A decision record queued for the trail; [`PendingRecord::durable`] waits
/// until it is on disk.
#[must_use = "a pending record must be awaited before the call answers"]
pub struct PendingRecord {
    receipt: AuditReceipt,
    notices: broadcast::Sender<Arc<CommitNotice>>,
}

impl PendingRecord {
    /// Waits until the record is durable (and readable).
    pub async fn durable(self) -> Result<(), StoreError> {
        self.receipt.await?;
        // Wakes subscribers of `$audit`; nobody listening is fine.
        let _ = self.notices.send(Arc::new(CommitNotice { streams: vec![AUDIT_STREAM.to_string()] }));
        Ok(())
    }
}

/// The audit trail's writer and reader.
pub struct AuditLog {
    store: Arc<dyn AuditStore>,
    /// `$audit` as an [`EventStore`] for the stream read APIs.
    stream: Arc<dyn EventStore>,
    notices: broadcast::Sender<Arc<CommitNotice>>,
    closed: AtomicBool,
}

impl AuditLog {
    /// The audit trail kept by `store`.
    pub fn new(store: Arc<dyn AuditStore>) -> Arc<Self> {
        let (notices, _) = broadcast::channel(1024);
        let stream = Arc::new(AuditStream { store: store.clone(), notices: notices.clone() });
        Arc::new(Self { store, stream, notices, closed: AtomicBool::new(false) })
    }

    /// `$audit` as a read-only event store holding that one stream, for
    /// `ReadStream`, `GetStreamInfo` and `SubscribeStream`.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.stream
    }

    /// Queues `record` and returns once it is queued: a write to the event
    /// store started after this commits together with the record or after
    /// it. Await [`PendingRecord::durable`] before answering the call.
    pub async fn submit(&self, record: DecisionRecord) -> Result<PendingRecord, StoreError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StoreError::ShuttingDown);
        }
        let receipt = self.store.submit_audit(vec![record.to_event()]).await.inspect_err(|e| {
            tracing::error!(error = %e, decision_id = %record.decision_id, "cannot queue an audit record");
        })?;
        Ok(PendingRecord { receipt, notices: self.notices.clone() })
    }

    /// Records `record` and waits until it is durable.
    pub async fn record(&self, record: DecisionRecord) -> Result<(), StoreError> {
        self.submit(record).await?.durable().await
    }

    /// Stops taking records. Records queued before stay queued: the store
    /// writes them before it shuts down.
    pub async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    /// Reads records newest first, starting at audit revision `before`
    /// (inclusive; `None` for the newest), examining at most `scan` records.
    pub async fn list(
        &self,
        filter: &DecisionFilter,
        before: Option<u64>,
        limit: usize,
        scan: usize,
    ) -> Result<DecisionPage, StoreError> {
        let mut records = Vec::new();
        let mut from = before;
        let mut scanned = 0;
        loop {
            let page = (scan - scanned).clamp(1, 512);
            let slice = match self.store.read_audit(Direction::Backwards, from, page).await {
                Ok(slice) => slice,
                Err(StoreError::StreamNotFound(_)) => return Ok(DecisionPage { records, next_revision: None }),
                Err(e) => return Err(e),
            };
            for event in slice.events {
                scanned += 1;
                let revision = event.revision;
                match serde_json::from_slice::<DecisionRecord>(&event.data) {
                    Ok(mut record) if filter.matches(&record) => {
                        record.audit_revision = revision;
                        records.push(record);
                        if records.len() == limit {
                            let next = revision.checked_sub(1);
                            return Ok(DecisionPage { records, next_revision: next });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(revision, error = %e, "unreadable audit record skipped"),
                }
            }
            match slice.next_revision {
                Some(next) if scanned < scan => from = Some(next),
                next => return Ok(DecisionPage { records, next_revision: next }),
            }
        }
    }
}

/// The one stream `$audit`, read-only, in the shape of an event store, so
/// the stream read APIs and subscriptions serve it unchanged. It holds no
/// other stream and no global log; writes are refused (the API refuses
/// them earlier, for every system stream).
struct AuditStream {
    store: Arc<dyn AuditStore>,
    notices: broadcast::Sender<Arc<CommitNotice>>,
}

fn read_only() -> StoreError {
    StoreError::Internal(format!("{AUDIT_STREAM} is written by the server only"))
}

#[async_trait]
impl EventStore for AuditStream {
    async fn append(&self, _: &str, _: ExpectedRevision, _: Vec<ProposedEvent>) -> Result<AppendResult, StoreError> {
        Err(read_only())
    }

    async fn read_stream(&self, query: ReadStreamQuery) -> Result<StreamSlice, StoreError> {
        if query.stream_id != AUDIT_STREAM {
            return Err(StoreError::StreamNotFound(query.stream_id));
        }
        self.store.read_audit(query.direction, query.from_revision, query.limit).await
    }

    fn resolve_position(&self, token: &str) -> Result<crate::core::model::Position, StoreError> {
        // Audit records have revisions, not positions in the global log.
        Err(StoreError::InvalidPosition(token.to_string()))
    }

    async fn read_all(&self, _: ReadAllQuery) -> Result<AllSlice, StoreError> {
        Ok(AllSlice { events: Vec::new(), next: None, end_of_log: true })
    }

    async fn find_event(&self, _: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        Ok(None)
    }

    async fn stream_info(&self, stream_id: &str) -> Result<StreamInfo, StoreError> {
        let last_revision = if stream_id == AUDIT_STREAM { self.store.last_audit_revision().await? } else { None };
        Ok(StreamInfo {
            stream_id: stream_id.to_string(),
            state: if last_revision.is_some() { StreamState::Active } else { StreamState::Absent },
            last_revision,
            metadata: StreamMetadata::default(),
        })
    }

    async fn set_stream_metadata(&self, _: &str, _: StreamMetadata) -> Result<StreamMetadata, StoreError> {
        Err(read_only())
    }

    async fn delete_stream(&self, _: &str, _: ExpectedRevision, _: bool) -> Result<Option<u64>, StoreError> {
        Err(read_only())
    }

    fn commits(&self) -> broadcast::Receiver<Arc<CommitNotice>> {
        self.notices.subscribe()
    }

    async fn shutdown(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::{SqliteEventStore, SqliteEventStoreConfig};

    fn record(subject: &str, tenant: &str, allow: bool, method: &str) -> DecisionRecord {
        let principal = Principal {
            subject: subject.into(),
            tenant: tenant.into(),
            roles: vec!["writer".into()],
            scopes: vec![],
            authenticated: true,
        };
        let mut r = DecisionRecord::new(&principal, "nexus.v1.EventStoreService", method, AuditResource::default());
        r.push(PolicyOutcome {
            policy: "nexus.authz".into(),
            allow,
            reasons: if allow { vec![] } else { vec!["no".into()] },
        });
        r
    }

    #[tokio::test]
    async fn concurrent_records_are_durable_and_listed_newest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(
            SqliteEventStore::open(dir.path().join("events.db"), SqliteEventStoreConfig::default()).expect("open"),
        );
        let audit = AuditLog::new(store.clone());
        let mut tasks = Vec::new();
        for i in 0..50 {
            let audit = audit.clone();
            let allow = i % 5 != 0;
            let subject = if i % 2 == 0 { "alice" } else { "bob" };
            tasks.push(tokio::spawn(
                async move { audit.record(record(subject, "acme", allow, "AppendToStream")).await },
            ));
        }
        for t in tasks {
            t.await.expect("join").expect("recorded");
        }
        let info = audit.store().stream_info(AUDIT_STREAM).await.expect("info");
        assert_eq!(info.last_revision, Some(49), "all 50 records stored");
        assert_eq!(info.state, StreamState::Active);
        // In the event store itself, `$audit` is no stream at all.
        assert_eq!(store.stream_info(AUDIT_STREAM).await.expect("info").state, StreamState::Absent);

        let all = audit.list(&DecisionFilter::default(), None, 100, 10_000).await.expect("list");
        assert_eq!(all.records.len(), 50);
        assert!(all.records.windows(2).all(|w| w[0].audit_revision > w[1].audit_revision), "newest first");
        assert_eq!(all.next_revision, None);

        let denies = DecisionFilter { allow: Some(false), ..Default::default() };
        let page = audit.list(&denies, None, 100, 10_000).await.expect("denies");
        assert_eq!(page.records.len(), 10);
        assert!(page.records.iter().all(|r| !r.allow && r.decisions[0].reasons == ["no"]));

        // Paging: 3 at a time covers all 25 of alice's records exactly once.
        let alice = DecisionFilter { subject: "alice".into(), ..Default::default() };
        let (mut seen, mut before) = (Vec::new(), None);
        loop {
            let page = audit.list(&alice, before, 3, 10_000).await.expect("page");
            seen.extend(page.records.iter().map(|r| r.decision_id));
            match page.next_revision {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 25);

        // A bounded scan returns a continuation even when nothing matched yet.
        let nobody = DecisionFilter { subject: "carol".into(), ..Default::default() };
        let page = audit.list(&nobody, None, 10, 20).await.expect("bounded");
        assert!(page.records.is_empty());
        assert_eq!(page.next_revision, Some(29), "continues after the 20 examined records");

        audit.close().await;
        let late = audit.record(record("alice", "acme", true, "AppendToStream")).await;
        assert_eq!(late, Err(StoreError::ShuttingDown));
        store.shutdown().await;
    }

    /// `$audit` reads like a stream: a subscription sees records as they
    /// become durable, and the view refuses writes.
    #[tokio::test]
    async fn the_audit_stream_is_readable_and_subscribable_but_not_writable() {
        use std::time::Duration;

        use tokio_util::sync::CancellationToken;

        use crate::core::subscription::{StreamFrom, SubscriptionMessage, subscribe_stream};

        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(
            SqliteEventStore::open(dir.path().join("events.db"), SqliteEventStoreConfig::default()).expect("open"),
        );
        let audit = AuditLog::new(store.clone());
        let stop = CancellationToken::new();
        let mut rx = subscribe_stream(
            audit.store().clone(),
            AUDIT_STREAM.to_string(),
            StreamFrom::Start,
            Duration::from_secs(30),
            stop.clone(),
        );
        assert!(matches!(rx.recv().await, Some(Ok(SubscriptionMessage::CaughtUp(_)))));
        let first = record("alice", "acme", true, "AppendToStream");
        audit.record(first.clone()).await.expect("recorded");
        match rx.recv().await {
            Some(Ok(SubscriptionMessage::Event(event))) => {
                assert_eq!(event.event_id, first.decision_id);
                assert_eq!(event.revision, 0);
                assert_eq!(event.event_type, DECISION_EVENT_TYPE);
            }
            other => panic!("expected the record, got {other:?}"),
        }
        stop.cancel();

        let refused = audit.store().append(AUDIT_STREAM, ExpectedRevision::Any, vec![first.to_event()]).await;
        assert!(matches!(refused, Err(StoreError::Internal(_))));
        assert_eq!(audit.store().stream_info(AUDIT_STREAM).await.expect("info").last_revision, Some(0));
        store.shutdown().await;
    }
}
