//! Snapshots: an aggregate's state saved at a revision, so a load folds the
//! snapshot plus the events after it instead of the whole stream.
//!
//! - [`SnapshotStore`] is the port (the embedded adapter keeps snapshots in
//!   `snapshots.db`; a DynamoDB adapter with TTL comes later).
//! - [`SnapshotPolicy`] says when to take one, per aggregate type: every N
//!   events, when the state reaches B bytes, or when the last snapshot is
//!   older than T (checked by a background sweep); and how many to keep.
//! - [`loader::AggregateLoader`] loads an aggregate from the newest valid
//!   snapshot plus the events after it (or from its events alone).
//! - [`snapshotter::Snapshotter`] evaluates the triggers after each append
//!   and writes snapshots in the background, never on a command's path.
//!
//! A snapshot is used only when it is still exactly what folding the
//! stream's visible events would give: the handler's [`SnapshotVersions`]
//! match, the state deserializes, and the stream's first visible revision is
//! the one the snapshot started from (a truncated, soft-deleted or
//! `max_count`/`max_age`-limited stream hides events the snapshot folded, so
//! its snapshots are ignored). Otherwise the load folds the events, and the
//! result is identical either way.

pub mod loader;
pub mod snapshotter;

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

pub use super::aggregate::SnapshotVersions;

/// One saved state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub stream_id: String,
    pub aggregate_type: String,
    /// The last revision folded into the state.
    pub revision: u64,
    /// The first revision folded into the state (the stream's first visible
    /// revision when the fold began).
    pub first_revision: u64,
    pub versions: SnapshotVersions,
    /// `application/json`: the state as the handler serializes it.
    pub content_type: String,
    pub state: Bytes,
    /// Microseconds since the Unix epoch.
    pub created_at: i64,
}

impl Snapshot {
    /// What listing shows of a snapshot (everything but the state).
    pub fn info(&self) -> SnapshotInfo {
        SnapshotInfo {
            stream_id: self.stream_id.clone(),
            aggregate_type: self.aggregate_type.clone(),
            revision: self.revision,
            first_revision: self.first_revision,
            versions: self.versions,
            size: self.state.len() as u64,
            created_at: self.created_at,
        }
    }
}

/// A snapshot without its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub stream_id: String,
    pub aggregate_type: String,
    pub revision: u64,
    pub first_revision: u64,
    pub versions: SnapshotVersions,
    /// Size of the serialized state in bytes.
    pub size: u64,
    pub created_at: i64,
}

/// One page of a stream's snapshots, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotPage {
    pub snapshots: Vec<SnapshotInfo>,
    /// Pass as `before_revision` for the next page; `None` at the end.
    pub next_before: Option<u64>,
}

/// Errors of the [`SnapshotStore`] port.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("snapshot store unavailable: {0}")]
    Unavailable(String),
    #[error("snapshot store failure: {0}")]
    Internal(String),
}

/// Where snapshots live. Every implementation must pass the conformance
/// suite in `crate::conformance::snapshot_store`.
#[async_trait]
pub trait SnapshotStore: Send + Sync + 'static {
    /// Saves a snapshot. Saving one for a (stream, revision) that already
    /// has one replaces it (the state at a revision is the state at that
    /// revision, so both are equal unless the versions changed).
    async fn put(&self, snapshot: Snapshot) -> Result<(), SnapshotError>;

    /// The newest snapshot of `stream_id` written with exactly `versions`
    /// and at most `max_revision` (any revision when `None`).
    async fn latest(
        &self,
        stream_id: &str,
        versions: SnapshotVersions,
        max_revision: Option<u64>,
    ) -> Result<Option<Snapshot>, SnapshotError>;

    /// One snapshot by stream and revision, whatever its versions.
    async fn get(&self, stream_id: &str, revision: u64) -> Result<Option<Snapshot>, SnapshotError>;

    /// A stream's snapshots, newest first, `page_size` at most, below
    /// `before_revision` when given.
    async fn list(
        &self,
        stream_id: &str,
        before_revision: Option<u64>,
        page_size: usize,
    ) -> Result<SnapshotPage, SnapshotError>;

    /// Deletes a stream's snapshots at or below `max_revision` (all of them
    /// when `None`) and returns how many went.
    async fn delete(&self, stream_id: &str, max_revision: Option<u64>) -> Result<u64, SnapshotError>;

    /// Retention: deletes the snapshots of `aggregate_type` (of one stream
    /// when `stream_id` is given) beyond each stream's newest `keep_last`
    /// (none when `None`) and those created before `created_before` (µs since
    /// the epoch; none when `None`), but never a stream's newest snapshot.
    /// Returns how many went.
    async fn prune(
        &self,
        aggregate_type: &str,
        stream_id: Option<&str>,
        keep_last: Option<u32>,
        created_before: Option<i64>,
    ) -> Result<u64, SnapshotError>;

    /// Streams of `aggregate_type` whose newest snapshot was created before
    /// `created_before`, by stream id after `after`, at most `limit`: what the
    /// age sweep looks at. Each entry is that newest snapshot.
    async fn stale(
        &self,
        aggregate_type: &str,
        created_before: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SnapshotInfo>, SnapshotError>;

    /// A stored policy override for an aggregate type (set through the API).
    async fn get_policy(&self, aggregate_type: &str) -> Result<Option<SnapshotPolicy>, SnapshotError>;

    /// Stores a policy override, durably.
    async fn put_policy(&self, aggregate_type: &str, policy: &SnapshotPolicy) -> Result<(), SnapshotError>;
}

/// When to take snapshots of one aggregate type, and how many to keep.
/// Zero turns a trigger off; with all three off no snapshot is taken
/// automatically (CreateSnapshot still works).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SnapshotPolicy {
    /// Take one when this many events were folded since the last snapshot.
    pub every_events: u64,
    /// Take one when the serialized state reaches this many bytes (and at
    /// least one event came since the last snapshot).
    pub max_state_bytes: u64,
    /// Take one when the last snapshot is older than this and events came
    /// since (checked by a background sweep).
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
    /// Keep this many newest snapshots per aggregate (0: all).
    pub keep_last: u32,
    /// Delete snapshots older than this (0: never); the newest one of an
    /// aggregate is always kept.
    #[serde(with = "humantime_serde")]
    pub ttl: Duration,
}

impl Default for SnapshotPolicy {
    /// Every 100 events, keeping the last 3.
    fn default() -> Self {
        Self { every_events: 100, max_state_bytes: 0, max_age: Duration::ZERO, keep_last: 3, ttl: Duration::ZERO }
    }
}

fn nonzero<T: PartialEq + Default + Copy>(v: T) -> Option<T> {
    (v != T::default()).then_some(v)
}

impl SnapshotPolicy {
    pub fn every_events(&self) -> Option<u64> {
        nonzero(self.every_events)
    }
    pub fn max_state_bytes(&self) -> Option<u64> {
        nonzero(self.max_state_bytes)
    }
    pub fn max_age(&self) -> Option<Duration> {
        nonzero(self.max_age)
    }
    pub fn keep_last(&self) -> Option<u32> {
        nonzero(self.keep_last)
    }
    pub fn ttl(&self) -> Option<Duration> {
        nonzero(self.ttl)
    }

    /// Field violations of a policy (`field` prefixed with `prefix`).
    pub fn problems(&self, prefix: &str) -> Vec<super::error::FieldViolation> {
        use super::error::FieldViolation;
        let mut out = Vec::new();
        if self.max_age().is_some_and(|d| d < Duration::from_secs(1)) {
            out.push(FieldViolation::new(format!("{prefix}max_age"), "must be at least 1 s (or 0 to turn it off)"));
        }
        if self.ttl().is_some_and(|d| d < Duration::from_secs(1)) {
            out.push(FieldViolation::new(format!("{prefix}ttl"), "must be at least 1 s (or 0 for no TTL)"));
        }
        out
    }
}
