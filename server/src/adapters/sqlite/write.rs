//! The single writer: group commit of every queued write request, and the
//! syncer that makes committed batches durable before they are answered.

use std::{
    fs::File,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
        mpsc as std_mpsc,
    },
    thread,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{
    ids::EventIds,
    position,
    read::{self, StreamRow},
    schema::{LEGACY_AUDIT_IMPORTED, STATE_ACTIVE, STATE_DELETED, STATE_TOMBSTONED},
    sqlite_error,
};
use crate::core::{
    audit::AUDIT_STREAM,
    model::{AppendResult, CommitNotice, ExpectedRevision, ProposedEvent, RecordedEvent, StreamMetadata},
    ports::StoreError,
};

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// A request for the writer.
pub(super) enum WriteOp {
    Append {
        stream_id: String,
        expected: ExpectedRevision,
        events: Vec<ProposedEvent>,
        reply: Reply<AppendResult>,
    },
    SetMetadata {
        stream_id: String,
        metadata: StreamMetadata,
        reply: Reply<StreamMetadata>,
    },
    Delete {
        stream_id: String,
        expected: ExpectedRevision,
        tombstone: bool,
        reply: Reply<Option<u64>>,
    },
    /// Records for the audit trail (`audit_records`, outside the global log).
    Audit {
        records: Vec<ProposedEvent>,
        reply: Reply<()>,
    },
    /// Copies the `$audit` stream of an old-layout `audit.db` into
    /// `audit_records`, once: `None` if that was done before.
    ImportAudit {
        path: PathBuf,
        reply: Reply<Option<u64>>,
    },
}

impl WriteOp {
    fn event_count(&self) -> usize {
        match self {
            WriteOp::Append { events, .. } => events.len(),
            WriteOp::Audit { records, .. } => records.len(),
            _ => 1,
        }
    }
}

/// The outcome of one request, held until its batch is durable (or failed).
enum Outcome {
    Append(Reply<AppendResult>, Result<AppendResult, StoreError>),
    SetMetadata(Reply<StreamMetadata>, Result<StreamMetadata, StoreError>),
    Delete(Reply<Option<u64>>, Result<Option<u64>, StoreError>),
    Audit(Reply<()>, Result<(), StoreError>),
    ImportAudit(Reply<Option<u64>>, Result<Option<u64>, StoreError>),
}

impl Outcome {
    /// Answers the caller. A failed commit or sync fails every request of the
    /// batch; a caller that has gone away is no reason to stop.
    fn send(self, batch: &Result<(), StoreError>) {
        fn pick<T>(result: Result<T, StoreError>, batch: &Result<(), StoreError>) -> Result<T, StoreError> {
            match batch {
                Ok(()) => result,
                Err(e) => Err(e.clone()),
            }
        }
        let _ = match self {
            Outcome::Append(reply, r) => reply.send(pick(r, batch)).map_err(drop),
            Outcome::SetMetadata(reply, r) => reply.send(pick(r, batch)).map_err(drop),
            Outcome::Delete(reply, r) => reply.send(pick(r, batch)).map_err(drop),
            Outcome::Audit(reply, r) => reply.send(pick(r, batch)).map_err(drop),
            Outcome::ImportAudit(reply, r) => reply.send(pick(r, batch)).map_err(drop),
        };
    }
}

/// Why an append's writes were abandoned.
enum AppendFailure {
    /// The request is refused; nothing was written.
    Store(StoreError),
    /// An event id is already stored: maybe a retry, maybe a conflict.
    /// Nothing was written.
    DuplicateId,
    /// A fault after writing began: the batch must be rolled back.
    Fatal(StoreError),
}

/// A committed (or failed) batch, waiting to be answered.
struct Committed {
    outcomes: Vec<Outcome>,
    result: Result<(), StoreError>,
    /// Position of the batch's last event (0 if none was ever stored).
    last_position: u64,
    /// Streams that received events.
    streams: Vec<String>,
    /// Audit revision the next record will get after this batch (the count
    /// of audit records stored up to it).
    audit_end: u64,
}

/// Publishes what became durable: the watermark readers stay behind, the
/// answers to the writers, and commit notices for subscriptions.
pub(super) struct Publisher {
    pub durable: Arc<AtomicU64>,
    /// Audit records readers may see: revisions below this are durable.
    pub audit_durable: Arc<AtomicU64>,
    pub commits: broadcast::Sender<Arc<CommitNotice>>,
}

impl Publisher {
    fn publish(&self, batches: Vec<Committed>, sync: &Result<(), StoreError>) {
        let mut streams = Vec::new();
        for batch in batches {
            let result = match (&batch.result, sync) {
                (Ok(()), Err(e)) => Err(e.clone()),
                (r, _) => r.clone(),
            };
            if result.is_ok() {
                // Readers see events once durable, before their writers hear back.
                self.durable.fetch_max(batch.last_position, Ordering::SeqCst);
                self.audit_durable.fetch_max(batch.audit_end, Ordering::SeqCst);
                streams.extend(batch.streams);
            }
            for outcome in batch.outcomes {
                outcome.send(&result);
            }
        }
        if !streams.is_empty() {
            streams.sort_unstable();
            streams.dedup();
            let _ = self.commits.send(Arc::new(CommitNotice { streams }));
        }
    }
}

/// How committed batches are answered.
enum Sink {
    /// `durability = relaxed`: answer right after the commit.
    Direct(Publisher),
    /// `durability = full`: the syncer thread fsyncs the WAL, then answers.
    Syncer { queue: std_mpsc::Sender<Committed>, thread: thread::JoinHandle<()> },
    /// The writer has stopped.
    Closed,
}

/// Makes committed batches durable with one `fdatasync` of the WAL per
/// round, then answers them.
///
/// The write connection runs with `synchronous=NORMAL`: a commit writes its
/// frames to the WAL without syncing it. Syncing the WAL here before any
/// request of the batch is answered (or its events shown to readers) gives
/// the guarantee of `synchronous=FULL`; meanwhile the writer goes on
/// committing the next batches, and one fsync covers all of them.
fn run_syncer(queue: std_mpsc::Receiver<Committed>, wal_path: PathBuf, publisher: Publisher) {
    let mut wal: Option<File> = None;
    while let Ok(first) = queue.recv() {
        let mut batches = vec![first];
        while let Ok(more) = queue.try_recv() {
            batches.push(more);
        }
        let started = Instant::now();
        let count = batches.len();
        let sync = if batches.iter().any(|b| b.result.is_ok()) { sync_wal(&mut wal, &wal_path) } else { Ok(()) };
        tracing::trace!(batches = count, micros = started.elapsed().as_micros() as u64, "wal sync");
        publisher.publish(batches, &sync);
    }
}

/// `fdatasync` of the WAL file (the same inode SQLite writes).
pub(super) fn sync_wal(wal: &mut Option<File>, path: &Path) -> Result<(), StoreError> {
    let result = (|| {
        if wal.is_none() {
            match File::open(path) {
                Ok(file) => *wal = Some(file),
                // No WAL: nothing was written since the last checkpoint.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        wal.as_ref().map_or(Ok(()), File::sync_data)
    })();
    result.map_err(|e| {
        *wal = None;
        tracing::error!(error = %e, path = %path.display(), "cannot fsync the write-ahead log");
        StoreError::Unavailable(format!("cannot fsync {}: {e}", path.display()))
    })
}

pub(super) struct Writer {
    conn: Connection,
    ids: Arc<EventIds>,
    queue: mpsc::Receiver<WriteOp>,
    max_batch_events: usize,
    /// The position the next event will get.
    next_position: u64,
    /// The revision the next audit record will get.
    next_audit: u64,
    sink: Sink,
}

impl Writer {
    /// `wal_path` is `Some` for `durability = full`: the WAL to fsync before
    /// answering.
    pub(super) fn new(
        conn: Connection,
        ids: Arc<EventIds>,
        queue: mpsc::Receiver<WriteOp>,
        publisher: Publisher,
        max_batch_events: usize,
        wal_path: Option<PathBuf>,
    ) -> Result<Self, StoreError> {
        let head: i64 =
            conn.query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |r| r.get(0)).map_err(sqlite_error)?;
        publisher.durable.store(head as u64, Ordering::SeqCst);
        let audit_end: i64 = conn
            .query_row("SELECT COALESCE(MAX(revision) + 1, 0) FROM audit_records", [], |r| r.get(0))
            .map_err(sqlite_error)?;
        publisher.audit_durable.store(audit_end as u64, Ordering::SeqCst);
        let sink = match wal_path {
            None => Sink::Direct(publisher),
            Some(wal_path) => {
                let (queue, rx) = std_mpsc::channel();
                let thread = thread::Builder::new()
                    .name("nexus-sqlite-sync".into())
                    .spawn(move || run_syncer(rx, wal_path, publisher))
                    .map_err(|e| StoreError::Internal(format!("cannot start the sync thread: {e}")))?;
                Sink::Syncer { queue, thread }
            }
        };
        Ok(Self {
            conn,
            ids,
            queue,
            max_batch_events,
            next_position: head as u64 + 1,
            next_audit: audit_end as u64,
            sink,
        })
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
            let committed = self.commit_batch(batch);
            match &self.sink {
                Sink::Direct(publisher) => publisher.publish(vec![committed], &Ok(())),
                Sink::Syncer { queue, .. } => {
                    if let Err(std_mpsc::SendError(committed)) = queue.send(committed) {
                        let error = Err(StoreError::Internal("the sync thread stopped".into()));
                        for outcome in committed.outcomes {
                            outcome.send(&error);
                        }
                    }
                }
                Sink::Closed => {}
            }
            // At most two slices between batches, so appends never wait long.
            for _ in 0..2 {
                if !self.ids.wants_merge() {
                    break;
                }
                if let Err(e) = self.ids.merge_slice(&self.conn) {
                    tracing::warn!(error = %e, "cannot merge event ids into the index; will retry");
                    break;
                }
            }
        }
        // Queue closed and drained: let the syncer answer the last batches,
        // then fold the WAL into the database file.
        if let Sink::Syncer { queue, thread } = std::mem::replace(&mut self.sink, Sink::Closed) {
            drop(queue);
            let _ = thread.join();
        }
        // This checkpoint must sync the database before it empties the WAL.
        if let Err(e) = self.conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA wal_checkpoint(TRUNCATE);") {
            tracing::warn!(error = %e, "final wal checkpoint failed");
        }
    }

    fn commit_batch(&mut self, batch: Vec<WriteOp>) -> Committed {
        let started = Instant::now();
        let requests = batch.len();
        let first_position = self.next_position;
        let first_audit = self.next_audit;
        let now = now_micros();
        let mut next_position = self.next_position;
        let mut next_audit = self.next_audit;
        let mut audit = Vec::new();
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut streams = Vec::new();

        let mut ops = batch.into_iter();
        let mut new_ids = Vec::new();
        let ids = self.ids.clone();
        let result = (|| -> Result<(), StoreError> {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
            let mut batch = Batch {
                ids: &ids,
                new_ids: &mut new_ids,
                next_position: &mut next_position,
                audit: &mut audit,
                next_audit: &mut next_audit,
                now,
            };
            for op in ops.by_ref() {
                match apply(&tx, op, &mut batch, &mut streams) {
                    Ok(outcome) => outcomes.push(outcome),
                    Err((e, failed)) => {
                        outcomes.extend(failed);
                        return Err(e);
                    }
                }
            }
            // The batch's audit records, in the transaction of its appends.
            flush_audit(&tx, &mut batch)?;
            tx.commit().map_err(sqlite_error)
        })();
        // Requests not reached because the batch failed early.
        if let Err(e) = &result {
            for op in ops {
                outcomes.push(match op {
                    WriteOp::Append { reply, .. } => Outcome::Append(reply, Err(e.clone())),
                    WriteOp::SetMetadata { reply, .. } => Outcome::SetMetadata(reply, Err(e.clone())),
                    WriteOp::Delete { reply, .. } => Outcome::Delete(reply, Err(e.clone())),
                    WriteOp::Audit { reply, .. } => Outcome::Audit(reply, Err(e.clone())),
                    WriteOp::ImportAudit { reply, .. } => Outcome::ImportAudit(reply, Err(e.clone())),
                });
            }
        }
        match &result {
            Ok(()) => {
                self.next_position = next_position;
                self.next_audit = next_audit;
                crate::core::metrics::metrics().commit_batch.record(requests as u64, &[]);
            }
            Err(e) => {
                tracing::error!(error = %e, "event store commit failed; the batch is rejected");
                self.next_position = first_position;
                self.next_audit = first_audit;
                streams.clear();
                if let Err(e) = self.ids.forget(&new_ids) {
                    tracing::error!(error = %e, "cannot forget the ids of a rolled-back batch");
                }
            }
        }
        tracing::trace!(
            requests,
            events = self.next_position - first_position,
            audit_records = self.next_audit - first_audit,
            micros = started.elapsed().as_micros() as u64,
            "group commit"
        );
        Committed { outcomes, result, last_position: self.next_position - 1, streams, audit_end: self.next_audit }
    }
}

/// Applies one request inside the batch's transaction. Every check happens
/// before the request writes anything, so a refused request leaves no trace
/// and needs no savepoint. `Err` is a fault in the middle of writing (I/O):
/// the whole batch is rolled back.
/// What the requests of one batch share.
struct Batch<'a> {
    ids: &'a EventIds,
    /// Ids written so far in this batch, forgotten if it rolls back.
    new_ids: &'a mut Vec<uuid::Uuid>,
    next_position: &'a mut u64,
    /// Audit records of this batch not inserted yet, in queue order.
    audit: &'a mut Vec<ProposedEvent>,
    /// The revision the next audit record inserted will get.
    next_audit: &'a mut u64,
    now: i64,
}

fn apply(
    tx: &Transaction<'_>,
    op: WriteOp,
    batch: &mut Batch<'_>,
    streams: &mut Vec<String>,
) -> Result<Outcome, (StoreError, Vec<Outcome>)> {
    // On a fault the request still gets an answer (the batch's error).
    let fatal = |e: StoreError, outcome: Outcome| Err((e, vec![outcome]));
    Ok(match op {
        WriteOp::Append { stream_id, expected, events, reply } => {
            match append(tx, batch, &stream_id, expected, &events) {
                Ok(result) => {
                    if matches!(&result, Ok(r) if !r.already_appended) {
                        streams.push(stream_id);
                    }
                    Outcome::Append(reply, result)
                }
                Err(e) => return fatal(e.clone(), Outcome::Append(reply, Err(e))),
            }
        }
        WriteOp::SetMetadata { stream_id, metadata, reply } => {
            Outcome::SetMetadata(reply, set_metadata(tx, &stream_id, &metadata))
        }
        WriteOp::Delete { stream_id, expected, tombstone, reply } => {
            Outcome::Delete(reply, delete(tx, &stream_id, expected, tombstone))
        }
        WriteOp::Audit { mut records, reply } => {
            // Inserted together at the end of the batch (fewer statements);
            // a fault there fails the whole batch, this request included.
            batch.audit.append(&mut records);
            Outcome::Audit(reply, Ok(()))
        }
        WriteOp::ImportAudit { path, reply } => match import_legacy_audit(tx, batch, &path) {
            Ok(imported) => Outcome::ImportAudit(reply, Ok(imported)),
            Err(e) => return fatal(e.clone(), Outcome::ImportAudit(reply, Err(e))),
        },
    })
}

/// The outer `Err` is a fault while writing; the inner result is the
/// request's answer.
fn append(
    conn: &Connection,
    batch: &mut Batch<'_>,
    stream_id: &str,
    expected: ExpectedRevision,
    events: &[ProposedEvent],
) -> Result<Result<AppendResult, StoreError>, StoreError> {
    let ids = batch.ids;
    match write_events(conn, batch, stream_id, expected, events) {
        Ok(result) => Ok(Ok(result)),
        Err(AppendFailure::Fatal(e)) => Err(e),
        Err(AppendFailure::Store(e @ StoreError::WrongExpectedVersion { .. })) => {
            Ok(find_original(conn, ids, stream_id, expected, events).and_then(|original| original.ok_or(e)))
        }
        Err(AppendFailure::Store(e)) => Ok(Err(e)),
        Err(AppendFailure::DuplicateId) => {
            Ok(find_original(conn, ids, stream_id, expected, events).and_then(|original| {
                original.ok_or_else(|| StoreError::Internal("duplicate event id reported but not found".into()))
            }))
        }
    }
}

fn write_events(
    conn: &Connection,
    batch: &mut Batch<'_>,
    stream_id: &str,
    expected: ExpectedRevision,
    events: &[ProposedEvent],
) -> Result<AppendResult, AppendFailure> {
    let next_position = &mut *batch.next_position;
    let now = batch.now;
    // Checks first: nothing is written unless the whole request will be.
    let row = read::stream_row(conn, stream_id).map_err(AppendFailure::Store)?;
    let (last_revision, state) = match &row {
        Some(row) => (row.last_revision, row.state),
        None => (None, 0),
    };
    if state == STATE_TOMBSTONED {
        return Err(AppendFailure::Store(StoreError::StreamTombstoned(stream_id.into())));
    }
    check_expected(stream_id, expected, last_revision, state).map_err(AppendFailure::Store)?;
    for event in events {
        if batch.ids.lookup(conn, event.event_id).map_err(AppendFailure::Store)?.is_some() {
            return Err(AppendFailure::DuplicateId);
        }
    }
    let metadata = events
        .iter()
        .map(|e| serde_json::to_string(&e.metadata))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppendFailure::Store(StoreError::Internal(e.to_string())))?;

    // Writes: a failure from here on is a fault that aborts the batch.
    let fatal = |e: rusqlite::Error| AppendFailure::Fatal(sqlite_error(e));
    let first_revision = last_revision.map_or(0, |r| r + 1);
    let first_position = *next_position;
    // Several rows per statement: fewer statement executions per event.
    for (chunk, (events, metadata)) in events.chunks(ROWS_PER_INSERT).zip(metadata.chunks(ROWS_PER_INSERT)).enumerate()
    {
        let mut insert = conn.prepare_cached(insert_events_sql(events.len())).map_err(fatal)?;
        for (row, (event, metadata)) in events.iter().zip(metadata).enumerate() {
            let offset = (chunk * ROWS_PER_INSERT + row) as u64;
            let values: [&dyn rusqlite::ToSql; EVENT_INSERT_COLUMNS] = [
                &((first_position + offset) as i64),
                &stream_id,
                &((first_revision + offset) as i64),
                &event.event_id.as_bytes().as_slice(),
                &event.event_type,
                &event.schema_version,
                &event.content_type,
                &event.data.as_ref(),
                metadata,
                &now,
                &event.schema_id.as_ref().map(|id| id.as_bytes().as_slice()),
            ];
            for (column, value) in values.into_iter().enumerate() {
                insert.raw_bind_parameter(row * EVENT_INSERT_COLUMNS + column + 1, value).map_err(fatal)?;
            }
        }
        insert.raw_execute().map_err(fatal)?;
    }
    *next_position += events.len() as u64;
    let ids = events.iter().enumerate().map(|(i, e)| (e.event_id, first_position + i as u64));
    batch.ids.insert(ids).map_err(AppendFailure::Fatal)?;
    batch.new_ids.extend(events.iter().map(|e| e.event_id));
    let current_revision = first_revision + events.len() as u64 - 1;
    conn.prepare_cached(
        "INSERT INTO streams (stream_id, last_revision, last_position, state) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (stream_id) DO UPDATE SET last_revision = excluded.last_revision, \
         last_position = excluded.last_position, state = excluded.state",
    )
    .and_then(|mut s| s.execute(params![stream_id, current_revision as i64, (*next_position - 1) as i64, STATE_ACTIVE]))
    .map_err(fatal)?;

    Ok(AppendResult {
        first_revision,
        current_revision,
        first_position: position::encode(first_position),
        last_position: position::encode(*next_position - 1),
        already_appended: false,
    })
}

/// Rows per `INSERT` statement, and the columns of one row.
const ROWS_PER_INSERT: usize = 32;
const EVENT_INSERT_COLUMNS: usize = 11;
const AUDIT_INSERT_COLUMNS: usize = 7;

/// Inserts the audit records gathered so far in the batch, numbering them
/// on from the last stored revision. A failure is a fault of the batch.
fn flush_audit(conn: &Connection, batch: &mut Batch<'_>) -> Result<(), StoreError> {
    if batch.audit.is_empty() {
        return Ok(());
    }
    let records = std::mem::take(batch.audit);
    let metadata = records
        .iter()
        .map(|r| serde_json::to_string(&r.metadata))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let first = *batch.next_audit;
    for (chunk, (records, metadata)) in
        records.chunks(ROWS_PER_INSERT).zip(metadata.chunks(ROWS_PER_INSERT)).enumerate()
    {
        let mut insert = conn.prepare_cached(insert_audit_sql(records.len())).map_err(sqlite_error)?;
        for (row, (record, metadata)) in records.iter().zip(metadata).enumerate() {
            let revision = first + (chunk * ROWS_PER_INSERT + row) as u64;
            let values: [&dyn rusqlite::ToSql; AUDIT_INSERT_COLUMNS] = [
                &(revision as i64),
                &record.event_id.as_bytes().as_slice(),
                &record.event_type,
                &record.content_type,
                &record.data.as_ref(),
                metadata,
                &batch.now,
            ];
            for (column, value) in values.into_iter().enumerate() {
                insert.raw_bind_parameter(row * AUDIT_INSERT_COLUMNS + column + 1, value).map_err(sqlite_error)?;
            }
        }
        insert.raw_execute().map_err(sqlite_error)?;
    }
    *batch.next_audit += records.len() as u64;
    Ok(())
}

/// Copies the `$audit` stream of an old-layout `audit.db` (an event store
/// of its own) after the audit records stored so far, and notes that it
/// was done, in the batch's transaction: all or nothing, and only once.
fn import_legacy_audit(tx: &Connection, batch: &mut Batch<'_>, path: &Path) -> Result<Option<u64>, StoreError> {
    let done = tx
        .query_row("SELECT value FROM nexus_meta WHERE key = ?1", [LEGACY_AUDIT_IMPORTED], |r| r.get::<_, String>(0))
        .optional()
        .map_err(sqlite_error)?;
    if done.is_some() {
        return Ok(None);
    }
    flush_audit(tx, batch)?;
    let legacy_error = |e: rusqlite::Error| StoreError::Internal(format!("cannot read {}: {e}", path.display()));
    // Read-write so that SQLite can recover a WAL a crash left behind.
    let legacy = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(legacy_error)?;
    legacy.busy_timeout(std::time::Duration::from_secs(5)).map_err(legacy_error)?;
    // A database without an event log (an empty file) holds no trail.
    let has_events = legacy
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(legacy_error)?
        > 0;
    if !has_events {
        tx.execute("INSERT INTO nexus_meta (key, value) VALUES (?1, '0')", [LEGACY_AUDIT_IMPORTED])
            .map_err(sqlite_error)?;
        return Ok(Some(0));
    }
    let mut select = legacy
        .prepare(
            "SELECT event_id, event_type, content_type, data, metadata, recorded_at FROM events \
             WHERE stream_id = ?1 ORDER BY revision",
        )
        .map_err(legacy_error)?;
    let mut rows = select.query([AUDIT_STREAM]).map_err(legacy_error)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO audit_records (revision, event_id, event_type, content_type, data, metadata, recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(sqlite_error)?;
    let mut imported = 0u64;
    while let Some(row) = rows.next().map_err(legacy_error)? {
        let read = |i: usize| row.get::<_, rusqlite::types::Value>(i).map_err(legacy_error);
        let (id, event_type, content_type, data, metadata, recorded_at) =
            (read(0)?, read(1)?, read(2)?, read(3)?, read(4)?, read(5)?);
        insert
            .execute(params![*batch.next_audit as i64, id, event_type, content_type, data, metadata, recorded_at])
            .map_err(sqlite_error)?;
        *batch.next_audit += 1;
        imported += 1;
    }
    tx.execute(
        "INSERT INTO nexus_meta (key, value) VALUES (?1, ?2)",
        params![LEGACY_AUDIT_IMPORTED, imported.to_string()],
    )
    .map_err(sqlite_error)?;
    Ok(Some(imported))
}

/// `INSERT INTO audit_records … VALUES (…), (…)` for `rows` rows.
fn insert_audit_sql(rows: usize) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        multi_row_sql(
            "INSERT INTO audit_records (revision, event_id, event_type, content_type, data, metadata, recorded_at)",
            AUDIT_INSERT_COLUMNS,
        )
    });
    &all[rows.clamp(1, ROWS_PER_INSERT) - 1]
}

/// `head VALUES (?1, …), (…)` for 1..=ROWS_PER_INSERT rows of `columns`.
fn multi_row_sql(head: &str, columns: usize) -> Vec<String> {
    (1..=ROWS_PER_INSERT)
        .map(|n| {
            let values: Vec<String> = (0..n)
                .map(|r| {
                    let params: Vec<String> = (1..=columns).map(|c| format!("?{}", r * columns + c)).collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            format!("{head} VALUES {}", values.join(", "))
        })
        .collect()
}

/// `INSERT INTO events … VALUES (…), (…)` for `rows` rows (1..=ROWS_PER_INSERT),
/// built once per size.
fn insert_events_sql(rows: usize) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        multi_row_sql(
            "INSERT INTO events (position, stream_id, revision, event_id, event_type, schema_version, content_type, \
             data, metadata, recorded_at, schema_id)",
            EVENT_INSERT_COLUMNS,
        )
    });
    &all[rows.clamp(1, ROWS_PER_INSERT) - 1]
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
    if expected.is_met_by(actual) {
        Ok(())
    } else {
        Err(StoreError::WrongExpectedVersion { stream_id: stream_id.into(), expected, actual })
    }
}

/// Decides whether an append that could not be written is a retry of one
/// already stored: every id stored, in this stream, consecutively, in order,
/// with the same content, where `expected` would have let it be written.
/// Returns the original result, `None` if none of the ids is stored, or an
/// [`StoreError::EventIdConflict`].
fn find_original(
    conn: &Connection,
    ids: &EventIds,
    stream_id: &str,
    expected: ExpectedRevision,
    events: &[ProposedEvent],
) -> Result<Option<AppendResult>, StoreError> {
    let mut stored: Vec<RecordedEvent> = Vec::with_capacity(events.len());
    for event in events {
        match read::find_event(conn, ids, event.event_id, u64::MAX)? {
            Some(recorded) => stored.push(recorded),
            None if stored.is_empty() => {
                // The first id is new. A later one may still be stored: that
                // is a conflict, not a retry.
                for later in events {
                    if read::find_event(conn, ids, later.event_id, u64::MAX)?.is_some() {
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
