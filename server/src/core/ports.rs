//! Ports: the traits the core depends on. Adapters (embedded SQLite, later
//! DynamoDB and friends) implement them; the core never names an adapter.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::model::{
    AllSlice, AppendResult, CommitNotice, Direction, ExpectedRevision, Position, ProposedEvent, ReadAllQuery,
    ReadStreamQuery, RecordedEvent, StreamInfo, StreamMetadata, StreamSlice,
};

/// Errors of the [`EventStore`] port. Adapters translate their backend's
/// errors into these.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum StoreError {
    /// The stream was not in the expected state. `actual` is the stream's last
    /// revision, `None` when it has none (absent or soft-deleted).
    #[error("stream {stream_id} expected revision {expected}, actual {}", actual.map_or("none".to_string(), |r| r.to_string()))]
    WrongExpectedVersion { stream_id: String, expected: ExpectedRevision, actual: Option<u64> },
    /// An event id was already stored with different content or in a
    /// different place.
    #[error("event id {event_id} was already used: {detail}")]
    EventIdConflict { event_id: Uuid, detail: String },
    /// The stream does not exist (or was soft-deleted).
    #[error("stream {0} not found")]
    StreamNotFound(String),
    /// The stream was tombstoned and can never be written again.
    #[error("stream {0} is tombstoned")]
    StreamTombstoned(String),
    /// A position token that this backend did not issue.
    #[error("invalid position token {0:?}")]
    InvalidPosition(String),
    /// The request exceeds a limit of the backend (events per append, bytes
    /// per append). `limit` names it, e.g. `events_per_append`.
    #[error("{detail}")]
    LimitExceeded { limit: String, detail: String },
    /// The backend cannot serve this kind of request (see docs/AWS.md).
    #[error("not supported by this event store backend: {0}")]
    Unsupported(String),
    /// The backend is shutting down and accepts no more writes.
    #[error("event store is shutting down")]
    ShuttingDown,
    /// A transient backend fault; the operation may be retried.
    #[error("event store unavailable: {0}")]
    Unavailable(String),
    /// An unexpected backend fault.
    #[error("event store failure: {0}")]
    Internal(String),
}

/// The event log.
///
/// Every implementation must pass the conformance suite in
/// `crate::conformance` (run by each adapter's tests).
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` (at least one) to `stream_id` atomically.
    ///
    /// Promises:
    /// - all events or none are stored;
    /// - the expected revision is checked against the stream's last revision
    ///   in the same atomic step as the write (optimistic concurrency);
    /// - when it returns `Ok`, the events are durable (they survive a crash);
    /// - an append whose event ids are all already stored, in this stream, in
    ///   this order, with the same content, and whose expected revision fits
    ///   where they were stored, returns the original result with
    ///   `already_appended` and writes nothing; any other reuse of a stored
    ///   event id is [`StoreError::EventIdConflict`];
    /// - revisions within a stream are consecutive from 0; positions increase
    ///   in commit order, so a reader following positions never skips an
    ///   event committed before one it has seen.
    async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        events: Vec<ProposedEvent>,
    ) -> Result<AppendResult, StoreError>;

    /// Reads one page of a stream, honouring its retention metadata.
    /// [`StoreError::StreamNotFound`] if it does not exist or was
    /// soft-deleted, [`StoreError::StreamTombstoned`] if tombstoned.
    async fn read_stream(&self, query: ReadStreamQuery) -> Result<StreamSlice, StoreError>;

    /// Reads one page of the global log in commit order. Events hidden by
    /// their stream's metadata or deletion are filtered out like events the
    /// filter rejects. A page may hold fewer events than asked even before
    /// the end (a bounded scan); continue from `next`.
    async fn read_all(&self, query: ReadAllQuery) -> Result<AllSlice, StoreError>;

    /// The position a token this store issued names, with its numeric
    /// global position where the backend keeps one (what read-your-writes
    /// waits for). [`StoreError::InvalidPosition`] for any other token.
    fn resolve_position(&self, token: &str) -> Result<Position, StoreError>;

    /// The stream and revision of the event `position` names, on backends
    /// whose positions name events instead of a place in one global order
    /// (DynamoDB); `None` elsewhere. Read-your-writes waits use it.
    fn event_at(&self, _position: &Position) -> Option<(String, u64)> {
        None
    }

    /// Finds a stored event by id, wherever it is.
    async fn find_event(&self, event_id: uuid::Uuid) -> Result<Option<RecordedEvent>, StoreError>;

    /// Returns what the store knows of a stream (state `Absent` if nothing).
    async fn stream_info(&self, stream_id: &str) -> Result<StreamInfo, StoreError>;

    /// Replaces a stream's retention metadata.
    async fn set_stream_metadata(
        &self,
        stream_id: &str,
        metadata: StreamMetadata,
    ) -> Result<StreamMetadata, StoreError>;

    /// Soft-deletes (hides until written again) or tombstones (deletes for
    /// ever) a stream, checking `expected` atomically. Returns the stream's
    /// last revision.
    async fn delete_stream(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        tombstone: bool,
    ) -> Result<Option<u64>, StoreError>;

    /// A feed of commit notices. A notice is sent after the commit is
    /// visible to reads. Receivers that lag must assume anything changed.
    fn commits(&self) -> broadcast::Receiver<Arc<CommitNotice>>;

    /// Stops accepting writes, finishes the writes in flight and flushes.
    async fn shutdown(&self);
}

/// Resolves when the records of one [`AuditStore::submit_audit`] are durable
/// (or could not be stored).
pub type AuditReceipt = futures::future::BoxFuture<'static, Result<(), StoreError>>;

/// The audit trail's storage: one append-only stream of decision records,
/// kept beside the event log and never inside it.
///
/// Records are events of the stream [`crate::core::audit::AUDIT_STREAM`]
/// with their own revisions. They have no position: they are not in the
/// global log, so [`EventStore::read_all`], subscriptions to it and
/// [`EventStore::commits`] never show them, and they take no position of it.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Queues `records` for the end of the audit stream. Returns once they
    /// are queued, with a receipt that resolves when they are durable.
    ///
    /// Promises:
    /// - all records of one call or none are stored, with consecutive
    ///   revisions (from 0 for the first record ever) in the order the
    ///   calls were queued;
    /// - a write to this backend's [`EventStore`] that is started after this
    ///   returns is never durable before these records: it commits together
    ///   with them or after them, so a crash can lose the write and keep the
    ///   records, never the reverse;
    /// - the receipt resolves `Ok` only once the records are durable and
    ///   visible to [`AuditStore::read_audit`].
    async fn submit_audit(&self, records: Vec<ProposedEvent>) -> Result<AuditReceipt, StoreError>;

    /// Reads one page of the audit stream by revision, durable records only:
    /// from `from_revision` inclusive (`None`: the first record forwards, the
    /// last backwards), at most `limit` records. The events' stream is
    /// [`crate::core::audit::AUDIT_STREAM`] and their position is empty.
    /// [`StoreError::StreamNotFound`] while the stream holds no record.
    async fn read_audit(
        &self,
        direction: Direction,
        from_revision: Option<u64>,
        limit: usize,
    ) -> Result<StreamSlice, StoreError>;

    /// Revision of the last durable record; `None` while there is none.
    async fn last_audit_revision(&self) -> Result<Option<u64>, StoreError>;
}

/// Refuses an append that carries one event id twice (every adapter checks
/// this before it looks at what is stored).
pub fn check_distinct_ids(events: &[ProposedEvent]) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::with_capacity(events.len());
    for event in events {
        if !seen.insert(event.event_id) {
            return Err(StoreError::EventIdConflict {
                event_id: event.event_id,
                detail: "the id appears twice in one append".into(),
            });
        }
    }
    Ok(())
}

/// The position of the last event in the log (`None` when it is empty).
pub async fn head_position(store: &dyn EventStore) -> Result<Option<Position>, StoreError> {
    let query = ReadAllQuery {
        from: super::model::AllFrom::End,
        direction: Direction::Backwards,
        limit: 1,
        filter: super::model::EventFilter::default(),
    };
    Ok(store.read_all(query).await?.events.pop().map(|e| e.position))
}
