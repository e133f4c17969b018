//! The audit trail: every policy decision on a write, and every deny, as an
//! event of the system stream [`AUDIT_STREAM`].
//!
//! The trail lives in an event store of its own (on the embedded backend a
//! second database file, `audit.db`): recording decisions then never puts
//! foreign events, or position gaps, into the application's global log, and
//! clients read it like any stream (`ReadStream`/`SubscribeStream` of
//! `$audit`) or through `PolicyService.ListDecisions`. They never write it:
//! the API refuses writes to every system stream.
//!
//! A writer task gathers the records of concurrent calls into batches, one
//! append each, with a few batches in flight so the store pipelines their
//! commits and fsyncs. A call that must be audited waits for its record to
//! be durable before it answers, so an acknowledged write always has its
//! decision on disk.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{
    model::{Direction, EventMetadata, ExpectedRevision, JSON_CONTENT_TYPE, ProposedEvent, ReadStreamQuery},
    ports::{EventStore, StoreError},
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

/// Most records one append carries.
const MAX_BATCH: usize = 512;
/// Records queued before callers wait for room.
const QUEUE: usize = 8192;
/// Batches being appended at once: while one waits for its fsync, the next
/// is already committed (the store pipelines them), and one batch carries
/// one stream update for all its records.
const IN_FLIGHT: usize = 4;

type Pending = (DecisionRecord, oneshot::Sender<Result<(), StoreError>>);

/// The audit trail's writer and reader.
pub struct AuditLog {
    store: Arc<dyn EventStore>,
    tx: mpsc::Sender<Pending>,
    stop: CancellationToken,
    writer: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl AuditLog {
    /// The store holding the trail.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// Starts the writer task on `store`.
    pub fn start(store: Arc<dyn EventStore>) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let stop = CancellationToken::new();
        let writer = tokio::spawn(write_loop(store.clone(), rx, stop.clone()));
        Arc::new(Self { store, tx, stop, writer: tokio::sync::Mutex::new(Some(writer)) })
    }

    /// Records `record` and waits until it is durable.
    pub async fn record(&self, record: DecisionRecord) -> Result<(), StoreError> {
        if self.stop.is_cancelled() {
            return Err(StoreError::ShuttingDown);
        }
        let (done, wait) = oneshot::channel();
        self.tx.send((record, done)).await.map_err(|_| StoreError::ShuttingDown)?;
        wait.await.map_err(|_| StoreError::ShuttingDown)?
    }

    /// Writes what is queued, waits for the batches in flight, then stops
    /// taking records.
    pub async fn close(&self) {
        self.stop.cancel();
        if let Some(writer) = self.writer.lock().await.take() {
            let _ = writer.await;
        }
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
            let query = ReadStreamQuery {
                stream_id: AUDIT_STREAM.to_string(),
                direction: Direction::Backwards,
                from_revision: from,
                limit: page,
            };
            let slice = match self.store.read_stream(query).await {
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

async fn write_loop(store: Arc<dyn EventStore>, mut rx: mpsc::Receiver<Pending>, stop: CancellationToken) {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        let first = tokio::select! {
            biased;
            item = rx.recv() => item,
            _ = stop.cancelled() => {
                // Write what was queued before the stop, then end.
                rx.close();
                rx.recv().await
            }
        };
        let Some(first) = first else { break };
        let Ok(permit) = in_flight.clone().acquire_owned().await else { break };
        // Whatever queued up while waiting for room joins this batch.
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        let store = store.clone();
        tokio::spawn(async move {
            let result = append_batch(&*store, &batch).await;
            for (_, done) in batch {
                let _ = done.send(result.clone());
            }
            drop(permit);
        });
    }
    // Wait for the batches in flight.
    let _ = in_flight.acquire_many(IN_FLIGHT as u32).await;
}

async fn append_batch(store: &dyn EventStore, batch: &[Pending]) -> Result<(), StoreError> {
    let events = || batch.iter().map(|(record, _)| record.to_event()).collect();
    match store.append(AUDIT_STREAM, ExpectedRevision::Any, events()).await {
        Ok(_) => Ok(()),
        Err(StoreError::Unavailable(e)) => {
            // One retry after a pause for a transient fault; the ids make it idempotent.
            tracing::warn!(error = %e, records = batch.len(), "audit store unavailable; retrying once");
            tokio::time::sleep(Duration::from_millis(100)).await;
            store.append(AUDIT_STREAM, ExpectedRevision::Any, events()).await.map(|_| ())
        }
        Err(e) => {
            tracing::error!(error = %e, records = batch.len(), "cannot write audit records");
            Err(e)
        }
    }
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
        let store: Arc<dyn EventStore> = Arc::new(
            SqliteEventStore::open(dir.path().join("events.db"), SqliteEventStoreConfig::default()).expect("open"),
        );
        let audit = AuditLog::start(store.clone());
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
        let info = store.stream_info(AUDIT_STREAM).await.expect("info");
        assert_eq!(info.last_revision, Some(49), "all 50 records stored");

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
}
