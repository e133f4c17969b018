//! The event-sourcing vocabulary shared by the core, the ports and the API.

use std::{collections::BTreeMap, fmt, time::Duration};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The JSON content type, the default for events.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// The state a stream must be in for a write to succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectedRevision {
    /// Whatever the stream's state.
    #[default]
    Any,
    /// The stream must not exist (or must have been soft-deleted).
    NoStream,
    /// The stream must exist.
    StreamExists,
    /// The stream's last event must have exactly this revision.
    Exact(u64),
}

impl ExpectedRevision {
    /// Whether a stream whose last revision is `actual` (`None`: no events,
    /// or soft-deleted) meets this expectation.
    pub fn is_met_by(self, actual: Option<u64>) -> bool {
        match self {
            ExpectedRevision::Any => true,
            ExpectedRevision::NoStream => actual.is_none(),
            ExpectedRevision::StreamExists => actual.is_some(),
            ExpectedRevision::Exact(n) => actual == Some(n),
        }
    }
}

impl fmt::Display for ExpectedRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedRevision::Any => f.write_str("any"),
            ExpectedRevision::NoStream => f.write_str("no_stream"),
            ExpectedRevision::StreamExists => f.write_str("stream_exists"),
            ExpectedRevision::Exact(revision) => write!(f, "{revision}"),
        }
    }
}

/// Who and what caused an event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub correlation_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub causation_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, String>,
}

/// An event to be appended.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub content_type: String,
    /// Version of the event type's schema the payload matches; 0 asks for the
    /// latest (governance fills in the version it checked against).
    pub schema_version: u32,
    /// Id of that schema version, set by governance.
    pub schema_id: Option<Uuid>,
    pub data: Bytes,
    pub metadata: EventMetadata,
}

impl ProposedEvent {
    /// Whether `recorded` carries the same content as this proposal: the
    /// parts a client controls and a retry repeats. Metadata is not compared
    /// because generated correlation ids legitimately differ between retries.
    pub fn same_content_as(&self, recorded: &RecordedEvent) -> bool {
        self.event_type == recorded.event_type
            && self.content_type == recorded.content_type
            && self.data == recorded.data
    }
}

/// Where an event sits in the global log.
///
/// The token is opaque outside the adapter that made it: only the adapter
/// parses it. `global` is the numeric position where the backend keeps a total
/// order across streams.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    pub token: String,
    pub global: Option<u64>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub event_id: Uuid,
    pub stream_id: String,
    pub revision: u64,
    pub position: Position,
    pub event_type: String,
    /// Version of the schema `data` matches (0 for ungoverned events).
    pub schema_version: u32,
    pub content_type: String,
    pub data: Bytes,
    pub metadata: EventMetadata,
    /// Commit time in microseconds since the Unix epoch.
    pub recorded_at_micros: i64,
    /// Id of the schema version the event was stored under.
    pub schema_id: Option<Uuid>,
    /// Set when `data` was upcast on read: the version it was stored under.
    pub stored_schema_version: Option<u32>,
}

/// The outcome of a successful append.
#[derive(Debug, Clone, PartialEq)]
pub struct AppendResult {
    pub first_revision: u64,
    pub current_revision: u64,
    pub first_position: Position,
    pub last_position: Position,
    /// The events had already been appended by an earlier, identical request;
    /// nothing was written.
    pub already_appended: bool,
}

/// Read direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Forwards,
    Backwards,
}

/// Where a read of the global log starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllFrom {
    Start,
    End,
    /// Exclusive: after (forwards) or before (backwards) this position.
    After(Position),
}

/// The first character of system streams (such as the audit trail
/// `$audit`), which only the server writes.
pub const SYSTEM_STREAM_PREFIX: &str = "$";

/// Whether `stream_id` names a system stream.
pub fn is_system_stream(stream_id: &str) -> bool {
    stream_id.starts_with(SYSTEM_STREAM_PREFIX)
}

/// Selects events of the global log by type and stream prefixes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub event_type_prefixes: Vec<String>,
    pub stream_prefixes: Vec<String>,
}

impl EventFilter {
    pub fn is_empty(&self) -> bool {
        self.event_type_prefixes.is_empty() && self.stream_prefixes.is_empty()
    }

    pub fn matches(&self, event: &RecordedEvent) -> bool {
        let type_ok = self.event_type_prefixes.is_empty()
            || self.event_type_prefixes.iter().any(|p| event.event_type.starts_with(p.as_str()));
        let stream_ok = self.stream_prefixes.is_empty()
            || self.stream_prefixes.iter().any(|p| event.stream_id.starts_with(p.as_str()));
        type_ok && stream_ok
    }
}

/// A request for one page of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadStreamQuery {
    pub stream_id: String,
    pub direction: Direction,
    /// Inclusive start; `None` means the first (forwards) or last (backwards) event.
    pub from_revision: Option<u64>,
    pub limit: usize,
}

/// One page of one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamSlice {
    pub events: Vec<RecordedEvent>,
    /// Where the next page starts; `None` when there is nothing more.
    pub next_revision: Option<u64>,
    /// The stream's last revision at the time of the read.
    pub current_revision: u64,
}

/// A request for one page of the global log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadAllQuery {
    pub from: AllFrom,
    pub direction: Direction,
    pub limit: usize,
    pub filter: EventFilter,
}

/// One page of the global log.
#[derive(Debug, Clone, PartialEq)]
pub struct AllSlice {
    pub events: Vec<RecordedEvent>,
    /// Resume point: everything up to here (in the read direction) has been
    /// returned or filtered out. `None` only when the log is empty.
    pub next: Option<Position>,
    /// The read reached the end (forwards) or start (backwards) of the log.
    pub end_of_log: bool,
}

/// Retention rules of a stream, honoured by reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamMetadata {
    pub max_count: Option<u64>,
    pub max_age: Option<Duration>,
    pub truncate_before: Option<u64>,
}

impl StreamMetadata {
    /// The lowest revision `max_count` and `truncate_before` let readers see
    /// in a stream whose last revision is `last` (`max_age` hides more, by
    /// time).
    pub fn first_visible_revision(&self, last: u64) -> u64 {
        let by_count = self.max_count.map_or(0, |n| (last + 1).saturating_sub(n));
        // max_count 0 hides everything.
        let by_count = if self.max_count == Some(0) { last + 1 } else { by_count };
        by_count.max(self.truncate_before.unwrap_or(0))
    }
}

/// Lifecycle of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    /// Never written.
    Absent,
    Active,
    /// Soft-deleted: hidden until written again.
    Deleted,
    /// Deleted for ever.
    Tombstoned,
}

/// What the store knows of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub stream_id: String,
    pub state: StreamState,
    pub last_revision: Option<u64>,
    pub metadata: StreamMetadata,
}

/// A signal published after each commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitNotice {
    /// Streams that received events in the commit.
    pub streams: Vec<String>,
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
