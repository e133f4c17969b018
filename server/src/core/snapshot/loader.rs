//! Loading an aggregate: the newest valid snapshot plus the events after it.

use std::sync::Arc;

use super::{Snapshot, SnapshotStore, snapshotter::SnapshotStats};
use crate::core::{
    aggregate::{AggregateState, CommandHandler},
    error::NexusError,
    model::{Direction, ReadStreamQuery, StreamState},
    ports::{EventStore, StoreError},
    schema::governance::Governance,
};

/// Events read per page while folding.
const PAGE: usize = 1024;

/// An aggregate's state as loaded.
pub struct Loaded {
    pub state: Box<dyn AggregateState>,
    /// The last revision folded into `state` (`None`: no event).
    pub revision: Option<u64>,
    /// The stream's last revision when it was read (equal to `revision`
    /// unless the load stopped early at `up_to`).
    pub stream_revision: Option<u64>,
    /// The first revision folded (from the snapshot, or the first event).
    pub first_revision: Option<u64>,
    /// The revision of the snapshot the load started from.
    pub snapshot_revision: Option<u64>,
    /// Events folded on top of the snapshot (or from the start).
    pub replayed: u64,
}

/// Loads aggregates from the event store, starting from snapshots when there
/// is a valid one.
pub struct AggregateLoader {
    store: Arc<dyn EventStore>,
    governance: Arc<Governance>,
    snapshots: Option<Arc<dyn SnapshotStore>>,
    stats: Arc<SnapshotStats>,
}

impl AggregateLoader {
    pub fn new(
        store: Arc<dyn EventStore>,
        governance: Arc<Governance>,
        snapshots: Option<Arc<dyn SnapshotStore>>,
        stats: Arc<SnapshotStats>,
    ) -> Self {
        Self { store, governance, snapshots, stats }
    }

    /// A loader that never uses snapshots (the reference the property test
    /// compares against).
    pub fn without_snapshots(&self) -> Self {
        Self {
            store: self.store.clone(),
            governance: self.governance.clone(),
            snapshots: None,
            stats: self.stats.clone(),
        }
    }

    pub fn stats(&self) -> &Arc<SnapshotStats> {
        &self.stats
    }

    /// Upcasts events to the latest versions of their schemas, as a load
    /// does before folding them.
    pub async fn upcast(
        &self,
        events: Vec<crate::core::model::RecordedEvent>,
    ) -> Result<Vec<crate::core::model::RecordedEvent>, NexusError> {
        self.governance.upcast_all(events).await
    }

    /// Loads `stream_id` with `handler`, up to and including revision `up_to`
    /// (the whole stream when `None`).
    pub async fn load(
        &self,
        handler: &dyn CommandHandler,
        stream_id: &str,
        up_to: Option<u64>,
    ) -> Result<Loaded, NexusError> {
        let (mut state, snapshot_revision, first_revision) =
            match self.usable_snapshot(handler, stream_id, up_to).await? {
                Some((snapshot, state)) => (state, Some(snapshot.revision), Some(snapshot.first_revision)),
                None => (handler.restore(None)?, None, None),
            };
        let (mut revision, mut first_revision, mut replayed) = (snapshot_revision, first_revision, 0);
        let mut stream_revision = snapshot_revision;
        let mut from = Some(revision.map_or(0, |r| r + 1));
        while let Some(from_revision) = from {
            if up_to.is_some_and(|up_to| from_revision > up_to) {
                break;
            }
            let query = ReadStreamQuery {
                stream_id: stream_id.to_string(),
                direction: Direction::Forwards,
                from_revision: Some(from_revision),
                limit: PAGE,
            };
            let slice = match self.store.read_stream(query).await {
                Ok(slice) => slice,
                Err(StoreError::StreamNotFound(_)) => break,
                Err(e) => return Err(e.into()),
            };
            stream_revision = Some(slice.current_revision);
            let events: Vec<_> =
                slice.events.into_iter().filter(|e| up_to.is_none_or(|up_to| e.revision <= up_to)).collect();
            // Handlers see every event in the shape of its latest schema.
            for event in self.governance.upcast_all(events).await? {
                state.evolve(&event)?;
                first_revision.get_or_insert(event.revision);
                revision = Some(event.revision);
                replayed += 1;
            }
            from = slice.next_revision;
        }
        self.stats.loaded(handler.aggregate_type(), replayed, snapshot_revision.is_some());
        Ok(Loaded { state, revision, stream_revision, first_revision, snapshot_revision, replayed })
    }

    /// The newest snapshot this load may start from, restored, or `None`.
    /// A snapshot that cannot be read or restored is skipped (and counted as
    /// a failure), never trusted.
    async fn usable_snapshot(
        &self,
        handler: &dyn CommandHandler,
        stream_id: &str,
        up_to: Option<u64>,
    ) -> Result<Option<(Snapshot, Box<dyn AggregateState>)>, NexusError> {
        let Some(snapshots) = &self.snapshots else { return Ok(None) };
        let aggregate_type = handler.aggregate_type();
        let snapshot = match snapshots.latest(stream_id, handler.snapshot_versions(), up_to).await {
            Ok(Some(snapshot)) => snapshot,
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(stream_id, error = %e, "cannot read snapshots; loading from events");
                self.stats.failed(aggregate_type);
                return Ok(None);
            }
        };
        // The snapshot must have folded exactly the events a reader sees now.
        let info = self.store.stream_info(stream_id).await?;
        let still_exact = match (info.state, info.last_revision) {
            (StreamState::Active, Some(last)) => {
                info.metadata.max_age.is_none()
                    && snapshot.revision <= last
                    && info.metadata.first_visible_revision(last) == snapshot.first_revision
            }
            _ => false,
        };
        if !still_exact {
            tracing::debug!(stream_id, revision = snapshot.revision, "snapshot no longer matches the visible stream");
            return Ok(None);
        }
        match handler.restore(Some(&snapshot.state)) {
            Ok(state) => Ok(Some((snapshot, state))),
            Err(e) => {
                tracing::warn!(stream_id, revision = snapshot.revision, error = %e, "snapshot ignored");
                self.stats.failed(aggregate_type);
                Ok(None)
            }
        }
    }
}
