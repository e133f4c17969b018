//! The single writer: group commit of every queued write request.

use std::{
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use rusqlite::{Connection, Transaction, TransactionBehavior, params};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{
    position,
    read::{self, StreamRow},
    schema::{STATE_ACTIVE, STATE_DELETED, STATE_TOMBSTONED},
    sqlite_error,
};
use crate::core::{
    model::{AppendResult, CommitNotice, ExpectedRevision, ProposedEvent, RecordedEvent, StreamMetadata},
    ports::StoreError,
};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A request for the writer.
pub(super) enum WriteOp {
    Append { stream_id: String, expected: ExpectedRevision, events: Vec<ProposedEvent>, reply: Reply<AppendResult> },
    SetMetadata { stream_id: String, metadata: StreamMetadata, reply: Reply<StreamMetadata> },
    Delete { stream_id: String, expected: ExpectedRevision, tombstone: bool, reply: Reply<Option<u64>> },
}

impl WriteOp {
    fn event_count(&self) -> usize {
        match self {
            WriteOp::Append { events, .. } => events.len(),
            _ => 1,
        }
    }
}

/// The outcome of one request, held until the batch's commit decides it.
enum Outcome {
    Append(Reply<AppendResult>, Result<AppendResult, StoreError>),
    SetMetadata(Reply<StreamMetadata>, Result<StreamMetadata, StoreError>),
    Delete(Reply<Option<u64>>, Result<Option<u64>, StoreError>),
}

impl Outcome {
    fn wrote(&self) -> bool {
        matches!(self, Outcome::Append(_, Ok(r)) if !r.already_appended)
    }

    fn send(self, commit: &Result<(), StoreError>) {
        // A failed commit fails every request of the batch; a caller that has
        // gone away is no reason to stop.
        fn pick<T>(result: Result<T, StoreError>, commit: &Result<(), StoreError>) -> Result<T, StoreError> {
            match commit {
                Ok(()) => result,
                Err(e) => Err(e.clone()),
            }
        }
        let _ = match self {
            Outcome::Append(reply, r) => reply.send(pick(r, commit)).map_err(drop),
            Outcome::SetMetadata(reply, r) => reply.send(pick(r, commit)).map_err(drop),
            Outcome::Delete(reply, r) => reply.send(pick(r, commit)).map_err(drop),
        };
    }
}

/// Why an append's writes were abandoned.
enum AppendFailure {
    Store(StoreError),
    /// An event id is already stored: maybe a retry, maybe a conflict.
    DuplicateId,
}

pub(super) struct Writer {
    conn: Connection,
    queue: mpsc::Receiver<WriteOp>,
    commits: broadcast::Sender<Arc<CommitNotice>>,
    max_batch_events: usize,
    /// The position the next event will get.
    next_position: u64,
}

impl Writer {
    pub(super) fn new(
        conn: Connection,
        queue: mpsc::Receiver<WriteOp>,
        commits: broadcast::Sender<Arc<CommitNotice>>,
        max_batch_events: usize,
    ) -> Result<Self, StoreError> {
        let head: i64 =
            conn.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |r| r.get(0)).map_err(sqlite_error)?;
        Ok(Self { conn, queue, commits, max_batch_events, next_position: head as u64 + 1 })
    }

    pub(super) fn run(mut self) {
        while let Some(first) = self.queue.blocking_recv() {
            let mut events = first.event_count();
            let mut batch = vec![first];
            while events < self.max_batch_events {
                match self.queue.try_recv() {
                    Ok(op) => {
                        events += op.event_count();
                        batch.push(op);
                    }
                    Err(_) => break,
                }
            }
            self.commit_batch(batch);
        }
        // Queue closed and drained: fold the WAL into the database file.
        if let Err(e) = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
            tracing::warn!(error = %e, "final wal checkpoint failed");
        }
    }

    fn commit_batch(&mut self, batch: Vec<WriteOp>) {
        let first_position = self.next_position;
        let now = now_micros();
        let mut next_position = self.next_position;
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut streams = Vec::new();

        let result = (|| -> Result<(), StoreError> {
            let mut tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
            for op in batch {
                let outcome = apply(&mut tx, op, &mut next_position, now, &mut streams);
                outcomes.push(outcome);
            }
            tx.commit().map_err(sqlite_error)
        })();

        match &result {
            Ok(()) => self.next_position = next_position,
            Err(e) => {
                tracing::error!(error = %e, "event store commit failed; the batch is rejected");
                self.next_position = first_position;
            }
        }
        let wrote = result.is_ok() && outcomes.iter().any(Outcome::wrote);
        for outcome in outcomes {
            outcome.send(&result);
        }
        if wrote {
            streams.sort_unstable();
            streams.dedup();
            let _ = self.commits.send(Arc::new(CommitNotice { streams }));
        }
    }
}

fn apply(
    tx: &mut Transaction<'_>,
    op: WriteOp,
    next_position: &mut u64,
    now: i64,
    streams: &mut Vec<String>,
) -> Outcome {
    match op {
        WriteOp::Append { stream_id, expected, events, reply } => {
            let result = append(tx, &stream_id, expected, &events, next_position, now);
            if matches!(&result, Ok(r) if !r.already_appended) {
                streams.push(stream_id);
            }
            Outcome::Append(reply, result)
        }
        WriteOp::SetMetadata { stream_id, metadata, reply } => {
            Outcome::SetMetadata(reply, in_savepoint(tx, |sp| set_metadata(sp, &stream_id, &metadata)))
        }
        WriteOp::Delete { stream_id, expected, tombstone, reply } => {
            Outcome::Delete(reply, in_savepoint(tx, |sp| delete(sp, &stream_id, expected, tombstone)))
        }
    }
}

fn in_savepoint<T>(
    tx: &mut Transaction<'_>,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let sp = tx.savepoint().map_err(sqlite_error)?;
    let result = f(&sp)?;
    sp.commit().map_err(sqlite_error)?;
    Ok(result)
}

fn append(
    tx: &mut Transaction<'_>,
    stream_id: &str,
    expected: ExpectedRevision,
    events: &[ProposedEvent],
    next_position: &mut u64,
    now: i64,
) -> Result<AppendResult, StoreError> {
    let start = *next_position;
    let attempt = (|| {
        let sp = tx.savepoint().map_err(|e| AppendFailure::Store(sqlite_error(e)))?;
        let result = write_events(&sp, stream_id, expected, events, next_position, now)?;
        sp.commit().map_err(|e| AppendFailure::Store(sqlite_error(e)))?;
        Ok(result)
    })();
    match attempt {
        Ok(result) => Ok(result),
        Err(failure) => {
            // The savepoint rolled back: nothing of this request remains.
            *next_position = start;
            let original = match &failure {
                AppendFailure::Store(StoreError::WrongExpectedVersion { .. }) | AppendFailure::DuplicateId => {
                    find_original(tx, stream_id, expected, events)?
                }
                AppendFailure::Store(_) => None,
            };
            match (original, failure) {
                (Some(original), _) => Ok(original),
                (None, AppendFailure::Store(e)) => Err(e),
                (None, AppendFailure::DuplicateId) => {
                    Err(StoreError::Internal("duplicate event id reported but not found".into()))
                }
            }
        }
    }
}

fn write_events(
    conn: &Connection,
    stream_id: &str,
    expected: ExpectedRevision,
    events: &[ProposedEvent],
    next_position: &mut u64,
    now: i64,
) -> Result<AppendResult, AppendFailure> {
    let row = read::stream_row(conn, stream_id).map_err(AppendFailure::Store)?;
    let (last_revision, state) = match &row {
        Some(row) => (row.last_revision, row.state),
        None => (None, 0),
    };
    if state == STATE_TOMBSTONED {
        return Err(AppendFailure::Store(StoreError::StreamTombstoned(stream_id.into())));
    }
    check_expected(stream_id, expected, last_revision, state).map_err(AppendFailure::Store)?;

    let first_revision = last_revision.map_or(0, |r| r + 1);
    let first_position = *next_position;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO events (position, stream_id, revision, event_id, event_type, schema_version, \
             content_type, data, metadata, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(|e| AppendFailure::Store(sqlite_error(e)))?;
    for (i, event) in events.iter().enumerate() {
        let metadata = serde_json::to_string(&event.metadata)
            .map_err(|e| AppendFailure::Store(StoreError::Internal(e.to_string())))?;
        let inserted = insert.execute(params![
            (*next_position) as i64,
            stream_id,
            (first_revision + i as u64) as i64,
            event.event_id.as_bytes().as_slice(),
            event.event_type,
            event.schema_version,
            event.content_type,
            event.data.as_ref(),
            metadata,
            now,
        ]);
        match inserted {
            Ok(_) => *next_position += 1,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                return Err(AppendFailure::DuplicateId);
            }
            Err(e) => return Err(AppendFailure::Store(sqlite_error(e))),
        }
    }
    let current_revision = first_revision + events.len() as u64 - 1;
    conn.prepare_cached(
        "INSERT INTO streams (stream_id, last_revision, state) VALUES (?1, ?2, ?3) \
         ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision, state = excluded.state",
    )
    .and_then(|mut s| s.execute(params![stream_id, current_revision as i64, STATE_ACTIVE]))
    .map_err(|e| AppendFailure::Store(sqlite_error(e)))?;

    Ok(AppendResult {
        first_revision,
        current_revision,
        first_position: position::encode(first_position),
        last_position: position::encode(*next_position - 1),
        already_appended: false,
    })
}

/// The stream's visible revision for expected-revision checks: a soft-deleted
/// stream counts as absent.
fn check_expected(
    stream_id: &str,
    expected: ExpectedRevision,
    last_revision: Option<u64>,
    state: i64,
) -> Result<(), StoreError> {
    let actual = if state == STATE_ACTIVE { last_revision } else { None };
    let ok = match expected {
        ExpectedRevision::Any => true,
        ExpectedRevision::NoStream => actual.is_none(),
        ExpectedRevision::StreamExists => actual.is_some(),
        ExpectedRevision::Exact(n) => actual == Some(n),
    };
    if ok { Ok(()) } else { Err(StoreError::WrongExpectedVersion { stream_id: stream_id.into(), expected, actual }) }
}

/// Decides whether an append that could not be written is a retry of one
/// already stored: every id stored, in this stream, consecutively, in order,
/// with the same content, where `expected` would have let it be written.
/// Returns the original result, `None` if none of the ids is stored, or an
/// [`StoreError::EventIdConflict`].
fn find_original(
    conn: &Connection,
    stream_id: &str,
    expected: ExpectedRevision,
    events: &[ProposedEvent],
) -> Result<Option<AppendResult>, StoreError> {
    let mut stored: Vec<RecordedEvent> = Vec::with_capacity(events.len());
    for event in events {
        match read::find_event(conn, event.event_id)? {
            Some(recorded) => stored.push(recorded),
            None if stored.is_empty() => {
                // The first id is new. A later one may still be stored: that
                // is a conflict, not a retry.
                for later in events {
                    if read::find_event(conn, later.event_id)?.is_some() {
                        return Err(conflict(later, "it was stored by another append"));
                    }
                }
                return Ok(None);
            }
            None => return Err(conflict(event, "the append that stored its predecessors did not store it")),
        }
    }
    let first = &stored[0];
    for (i, (event, recorded)) in events.iter().zip(&stored).enumerate() {
        if recorded.stream_id != stream_id {
            return Err(conflict(event, &format!("it is stored in stream {}", recorded.stream_id)));
        }
        if recorded.revision != first.revision + i as u64 {
            return Err(conflict(event, "the stored events are not in this order"));
        }
        if !event.same_content_as(recorded) {
            return Err(conflict(event, "it was stored with different content"));
        }
    }
    let fits = match expected {
        ExpectedRevision::Any => true,
        ExpectedRevision::NoStream => first.revision == 0,
        ExpectedRevision::StreamExists => first.revision > 0,
        ExpectedRevision::Exact(n) => first.revision == n + 1,
    };
    if !fits {
        return Err(conflict(
            &events[0],
            &format!("it was stored at revision {} which does not fit expected revision {expected}", first.revision),
        ));
    }
    let last = &stored[stored.len() - 1];
    // An append is one request: if the stream holds more events right after
    // these that came from the same request we would have found them too.
    Ok(Some(AppendResult {
        first_revision: first.revision,
        current_revision: last.revision,
        first_position: first.position.clone(),
        last_position: last.position.clone(),
        already_appended: true,
    }))
}

fn conflict(event: &ProposedEvent, detail: &str) -> StoreError {
    StoreError::EventIdConflict { event_id: event.event_id, detail: detail.into() }
}

fn set_metadata(conn: &Connection, stream_id: &str, metadata: &StreamMetadata) -> Result<StreamMetadata, StoreError> {
    let row = read::stream_row(conn, stream_id)?;
    if matches!(&row, Some(r) if r.state == STATE_TOMBSTONED) {
        return Err(StoreError::StreamTombstoned(stream_id.into()));
    }
    let max_age_us = metadata.max_age.map(|d| d.as_micros().min(i64::MAX as u128) as i64);
    let as_i64 = |v: Option<u64>| v.map(|v| v.min(i64::MAX as u64) as i64);
    conn.execute(
        "INSERT INTO streams (stream_id, last_revision, state, max_count, max_age_us, truncate_before) \
         VALUES (?1, NULL, ?2, ?3, ?4, ?5) \
         ON CONFLICT (stream_id) DO UPDATE SET max_count = excluded.max_count, \
         max_age_us = excluded.max_age_us, truncate_before = excluded.truncate_before",
        params![stream_id, STATE_ACTIVE, as_i64(metadata.max_count), max_age_us, as_i64(metadata.truncate_before)],
    )
    .map_err(sqlite_error)?;
    Ok(metadata.clone())
}

fn delete(
    conn: &Connection,
    stream_id: &str,
    expected: ExpectedRevision,
    tombstone: bool,
) -> Result<Option<u64>, StoreError> {
    let row: Option<StreamRow> = read::stream_row(conn, stream_id)?;
    let (last_revision, state) = row.as_ref().map_or((None, 0), |r| (r.last_revision, r.state));
    if state == STATE_TOMBSTONED {
        return Err(StoreError::StreamTombstoned(stream_id.into()));
    }
    check_expected(stream_id, expected, last_revision, state)?;
    if tombstone {
        conn.execute(
            "INSERT INTO streams (stream_id, last_revision, state) VALUES (?1, NULL, ?2) \
             ON CONFLICT (stream_id) DO UPDATE SET state = excluded.state",
            params![stream_id, STATE_TOMBSTONED],
        )
        .map_err(sqlite_error)?;
        return Ok(last_revision);
    }
    if state != STATE_ACTIVE || last_revision.is_none() {
        return Err(StoreError::StreamNotFound(stream_id.into()));
    }
    // Soft delete: hide everything written so far; the next append revives
    // the stream with the following revision.
    let truncate_before = last_revision.map_or(0, |r| r + 1) as i64;
    conn.execute(
        "UPDATE streams SET state = ?2, truncate_before = ?3 WHERE stream_id = ?1",
        params![stream_id, STATE_DELETED, truncate_before],
    )
    .map_err(sqlite_error)?;
    Ok(last_revision)
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}
