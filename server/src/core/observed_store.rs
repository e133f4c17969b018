//! The event store as every caller sees it: any adapter, wrapped so that
//! each append is a span (`event_store.append`) and counted
//! (`nexus.event_store.appends`, `.events`, `.errors`). The adapters stay
//! free of telemetry; the embedded one adds only its group-commit batch
//! sizes, which nobody outside it can see.

use std::sync::Arc;

use async_trait::async_trait;
use opentelemetry::KeyValue;
use tokio::sync::broadcast;
use tracing::Instrument;

use super::{
    metrics::metrics,
    model::{
        AllSlice, AppendResult, CommitNotice, ExpectedRevision, Position, ProposedEvent, ReadAllQuery, ReadStreamQuery,
        RecordedEvent, StreamInfo, StreamMetadata, StreamSlice,
    },
    ports::{EventStore, StoreError},
};

/// See the module docs.
pub struct ObservedEventStore {
    inner: Arc<dyn EventStore>,
}

impl ObservedEventStore {
    pub fn wrap(inner: Arc<dyn EventStore>) -> Arc<dyn EventStore> {
        Arc::new(Self { inner })
    }
}

/// The `kind` of a failed store call, if it is the store's failure (not
/// the caller's: a conflict or a missing stream is an answer, not an error).
fn error_kind(error: &StoreError) -> Option<&'static str> {
    match error {
        StoreError::Unavailable(detail) => Some(
            if ["Throttl", "ProvisionedThroughputExceeded", "RequestLimitExceeded", "SQLITE_BUSY", "database is locked"]
                .iter()
                .any(|needle| detail.contains(needle))
            {
                "throttled"
            } else {
                "unavailable"
            },
        ),
        StoreError::Internal(_) => Some("error"),
        _ => None,
    }
}

/// Counts a failed read or write that was the store's fault.
fn count_error(error: &StoreError) {
    if let Some(kind) = error_kind(error) {
        metrics().store_errors.add(1, &[KeyValue::new("kind", kind)]);
    }
}

fn observed<T>(result: Result<T, StoreError>) -> Result<T, StoreError> {
    if let Err(e) = &result {
        count_error(e);
    }
    result
}

#[async_trait]
impl EventStore for ObservedEventStore {
    async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        events: Vec<ProposedEvent>,
    ) -> Result<AppendResult, StoreError> {
        let count = events.len() as u64;
        let span = tracing::debug_span!(
            "event_store.append",
            stream = stream_id,
            event_count = count,
            revision = tracing::field::Empty,
            already_appended = tracing::field::Empty,
        );
        let result = self.inner.append(stream_id, expected, events).instrument(span.clone()).await;
        let outcome = match &result {
            Ok(appended) => {
                span.record("revision", appended.current_revision);
                span.record("already_appended", appended.already_appended);
                if !appended.already_appended {
                    metrics().events.add(count, &[]);
                }
                "ok"
            }
            Err(StoreError::WrongExpectedVersion { .. } | StoreError::EventIdConflict { .. }) => "conflict",
            Err(e) => {
                count_error(e);
                "error"
            }
        };
        metrics().appends.add(1, &[KeyValue::new("outcome", outcome)]);
        result
    }

    async fn read_stream(&self, query: ReadStreamQuery) -> Result<StreamSlice, StoreError> {
        observed(self.inner.read_stream(query).await)
    }

    async fn read_all(&self, query: ReadAllQuery) -> Result<AllSlice, StoreError> {
        observed(self.inner.read_all(query).await)
    }

    fn resolve_position(&self, token: &str) -> Result<Position, StoreError> {
        self.inner.resolve_position(token)
    }

    fn event_at(&self, position: &Position) -> Option<(String, u64)> {
        self.inner.event_at(position)
    }

    async fn find_event(&self, event_id: uuid::Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        observed(self.inner.find_event(event_id).await)
    }

    async fn stream_info(&self, stream_id: &str) -> Result<StreamInfo, StoreError> {
        observed(self.inner.stream_info(stream_id).await)
    }

    async fn set_stream_metadata(
        &self,
        stream_id: &str,
        metadata: StreamMetadata,
    ) -> Result<StreamMetadata, StoreError> {
        observed(self.inner.set_stream_metadata(stream_id, metadata).await)
    }

    async fn delete_stream(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        tombstone: bool,
    ) -> Result<Option<u64>, StoreError> {
        observed(self.inner.delete_stream(stream_id, expected, tombstone).await)
    }

    fn commits(&self) -> broadcast::Receiver<Arc<CommitNotice>> {
        self.inner.commits()
    }

    async fn shutdown(&self) {
        self.inner.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stores_own_failures_are_errors() {
        assert_eq!(
            error_kind(&StoreError::Unavailable("DynamoDB PutItem: ThrottlingException".into())),
            Some("throttled")
        );
        assert_eq!(
            error_kind(&StoreError::Unavailable("ProvisionedThroughputExceededException: slow down".into())),
            Some("throttled")
        );
        assert_eq!(error_kind(&StoreError::Unavailable("connection refused".into())), Some("unavailable"));
        assert_eq!(error_kind(&StoreError::Internal("disk I/O error".into())), Some("error"));
        assert_eq!(error_kind(&StoreError::StreamNotFound("s".into())), None);
        assert_eq!(error_kind(&StoreError::ShuttingDown), None);
    }
}
