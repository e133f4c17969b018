//! The embedded event store: one SQLite database in WAL mode.
//!
//! All writes go through one writer thread that owns the only write
//! connection. It takes every request waiting in its queue, applies them in
//! one transaction (each in its own savepoint, so one failing request does
//! not affect the others) and commits once: concurrent appends share one
//! fsync (group commit). Because a single writer assigns positions inside the
//! transaction and commits in order, positions have no gaps and a reader can
//! never see position N+1 before N.
//!
//! Reads use a small pool of read-only connections on blocking threads; WAL
//! lets them run while the writer commits.
//!
//! The audit trail ([`AuditStore`]) is a table of the same database,
//! `audit_records`, written by the same writer in the same group commits
//! (so a decision record costs no fsync of its own) but outside the global
//! log: it has its own revisions and takes no position.

mod ids;
mod position;
pub mod queue;
mod read;
mod read_store;
mod registry;
mod sagas;
mod schema;
mod snapshots;
mod write;

pub use self::{
    queue::SqliteQueueBus,
    read_store::{SqliteReadStore, SqliteReadStoreConfig},
    registry::SqliteSchemaRegistry,
    sagas::SqliteSagaStore,
    snapshots::SqliteSnapshotStore,
};

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    thread,
    time::Duration,
};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, oneshot};
use uuid::Uuid;

use self::{
    ids::EventIds,
    write::{Publisher, WriteOp, Writer},
};
use crate::core::{
    model::{
        AllSlice, AppendResult, CommitNotice, Direction, ExpectedRevision, Position, ProposedEvent, ReadAllQuery,
        ReadStreamQuery, RecordedEvent, StreamInfo, StreamMetadata, StreamSlice,
    },
    ports::{AuditReceipt, AuditStore, EventStore, StoreError},
};

/// When an acknowledged append is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// Every commit is fsync'd before any append in it is acknowledged
    /// (SQLite `synchronous=FULL`). Survives process crashes and power loss.
    #[default]
    Full,
    /// Commits are acknowledged once written to the OS; fsync happens at WAL
    /// checkpoints (SQLite `synchronous=NORMAL`). Survives process crashes,
    /// not power loss. Never the default.
    Relaxed,
}

/// Settings of the embedded event store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteEventStoreConfig {
    /// When an acknowledged append is on disk (`full` or `relaxed`).
    pub durability: Durability,
    /// Most events one group commit may hold.
    pub max_batch_events: usize,
    /// Most write requests waiting for the writer before callers wait too.
    pub queue_capacity: usize,
}

impl Default for SqliteEventStoreConfig {
    fn default() -> Self {
        Self { durability: Durability::Full, max_batch_events: 8192, queue_capacity: 4096 }
    }
}

/// The SQLite [`EventStore`].
pub struct SqliteEventStore {
    path: PathBuf,
    /// Recent event ids (see `ids`).
    ids: Arc<EventIds>,
    /// Highest position readers may see: durable (full) or committed (relaxed).
    durable: Arc<AtomicU64>,
    /// Audit revisions below this are durable and may be read.
    audit_durable: Arc<AtomicU64>,
    writer: Mutex<Option<mpsc::Sender<WriteOp>>>,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
    checkpointer: Mutex<Option<(Arc<std::sync::atomic::AtomicBool>, thread::JoinHandle<()>)>>,
    readers: Arc<ReadPool>,
    commits: broadcast::Sender<Arc<CommitNotice>>,
}

impl SqliteEventStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>, config: SqliteEventStoreConfig) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = open_write_connection(&path, config.durability)?;
        let ids = Arc::new(EventIds::load(&conn)?);
        let wal_path = wal_path(&path);
        // What a crashed predecessor left in the WAL may still sit only in
        // the page cache: make it durable before anyone reads it.
        write::sync_wal(&mut None, &wal_path)?;
        let (commits, _) = broadcast::channel(1024);
        let durable = Arc::new(AtomicU64::new(0));
        let audit_durable = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel(config.queue_capacity.max(1));
        let publisher =
            Publisher { durable: durable.clone(), audit_durable: audit_durable.clone(), commits: commits.clone() };
        let sync = (config.durability == Durability::Full).then_some(wal_path);
        let writer = Writer::new(conn, ids.clone(), rx, publisher, config.max_batch_events.max(1), sync)?;
        let writer_thread = thread::Builder::new()
            .name("nexus-sqlite-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StoreError::Internal(format!("cannot start writer thread: {e}")))?;
        let checkpointer = spawn_checkpointer(&path)?;
        Ok(Self {
            readers: Arc::new(ReadPool { path: path.clone(), idle: Mutex::new(Vec::new()) }),
            ids,
            path,
            durable,
            audit_durable,
            writer: Mutex::new(Some(tx)),
            writer_thread: Mutex::new(Some(writer_thread)),
            checkpointer: Mutex::new(Some(checkpointer)),
            commits,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the audit trail of the old layout, the `$audit` stream of a
    /// separate event store at `legacy` (`audit.db`), into this store's
    /// audit trail, in one transaction. Done once per store: returns how
    /// many records were copied, or `None` if an import was done before.
    /// Run it before recording anything, so revisions stay as they were.
    pub async fn import_legacy_audit(&self, legacy: &Path) -> Result<Option<u64>, StoreError> {
        let path = legacy.to_path_buf();
        self.write(|reply| WriteOp::ImportAudit { path, reply }).await
    }

    async fn write<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> WriteOp,
    ) -> Result<T, StoreError> {
        self.submit(make).await?.await.map_err(|_| StoreError::ShuttingDown)?
    }

    /// Queues a request for the writer; the receiver gets its answer.
    async fn submit<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> WriteOp,
    ) -> Result<oneshot::Receiver<Result<T, StoreError>>, StoreError> {
        let sender = self.writer.lock().map_err(|_| poisoned())?.clone().ok_or(StoreError::ShuttingDown)?;
        let (reply, response) = oneshot::channel();
        sender.send(make(reply)).await.map_err(|_| StoreError::ShuttingDown)?;
        Ok(response)
    }

    /// Runs `f` on a read connection with the highest position it may show.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection, u64) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let pool = self.readers.clone();
        let visible = self.durable.load(Ordering::SeqCst);
        tokio::task::spawn_blocking(move || pool.with(|conn| f(conn, visible)))
            .await
            .map_err(|e| StoreError::Internal(format!("read task failed: {e}")))?
    }
}

#[async_trait]
impl EventStore for SqliteEventStore {
    async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        events: Vec<ProposedEvent>,
    ) -> Result<AppendResult, StoreError> {
        crate::core::ports::check_distinct_ids(&events)?;
        let stream_id = stream_id.to_string();
        self.write(|reply| WriteOp::Append { stream_id, expected, events, reply }).await
    }

    async fn read_stream(&self, query: ReadStreamQuery) -> Result<StreamSlice, StoreError> {
        self.read(move |conn, visible| read::read_stream(conn, &query, visible)).await
    }

    async fn read_all(&self, query: ReadAllQuery) -> Result<AllSlice, StoreError> {
        self.read(move |conn, visible| read::read_all(conn, &query, visible)).await
    }

    fn resolve_position(&self, token: &str) -> Result<Position, StoreError> {
        let global = position::decode(&Position { token: token.to_string(), global: None })?;
        Ok(position::encode(global))
    }

    async fn find_event(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        let ids = self.ids.clone();
        self.read(move |conn, visible| read::find_event(conn, &ids, event_id, visible)).await
    }

    async fn stream_info(&self, stream_id: &str) -> Result<StreamInfo, StoreError> {
        let stream_id = stream_id.to_string();
        self.read(move |conn, visible| read::stream_info(conn, &stream_id, visible)).await
    }

    async fn set_stream_metadata(
        &self,
        stream_id: &str,
        metadata: StreamMetadata,
    ) -> Result<StreamMetadata, StoreError> {
        let stream_id = stream_id.to_string();
        self.write(|reply| WriteOp::SetMetadata { stream_id, metadata, reply }).await
    }

    async fn delete_stream(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        tombstone: bool,
    ) -> Result<Option<u64>, StoreError> {
        let stream_id = stream_id.to_string();
        self.write(|reply| WriteOp::Delete { stream_id, expected, tombstone, reply }).await
    }

    fn commits(&self) -> broadcast::Receiver<Arc<CommitNotice>> {
        self.commits.subscribe()
    }

    async fn shutdown(&self) {
        // Dropping the sender lets the writer drain its queue and stop.
        let sender = self.writer.lock().ok().and_then(|mut w| w.take());
        drop(sender);
        let handle = self.writer_thread.lock().ok().and_then(|mut h| h.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        let checkpointer = self.checkpointer.lock().ok().and_then(|mut c| c.take());
        if let Some((stop, handle)) = checkpointer {
            stop.store(true, Ordering::SeqCst);
            handle.thread().unpark();
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

#[async_trait]
impl AuditStore for SqliteEventStore {
    async fn submit_audit(&self, records: Vec<ProposedEvent>) -> Result<AuditReceipt, StoreError> {
        if records.is_empty() {
            return Ok(Box::pin(async { Ok(()) }));
        }
        // The writer takes requests in queue order into batches committed in
        // order: any write queued after this lands in the same transaction
        // or a later one.
        let response = self.submit(|reply| WriteOp::Audit { records, reply }).await?;
        Ok(Box::pin(async move { response.await.map_err(|_| StoreError::ShuttingDown)? }))
    }

    async fn read_audit(
        &self,
        direction: Direction,
        from_revision: Option<u64>,
        limit: usize,
    ) -> Result<StreamSlice, StoreError> {
        let visible_end = self.audit_durable.load(Ordering::SeqCst);
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            pool.with(|conn| read::read_audit(conn, direction, from_revision, limit, visible_end))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("read task failed: {e}")))?
    }

    async fn last_audit_revision(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.audit_durable.load(Ordering::SeqCst).checked_sub(1))
    }
}

impl Drop for SqliteEventStore {
    fn drop(&mut self) {
        if let Ok(mut writer) = self.writer.lock() {
            writer.take();
        }
        if let Some((stop, handle)) = self.checkpointer.lock().ok().and_then(|mut c| c.take()) {
            stop.store(true, Ordering::SeqCst);
            handle.thread().unpark();
        }
    }
}

fn poisoned() -> StoreError {
    StoreError::Internal("event store lock poisoned".into())
}

pub(crate) fn sqlite_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Unavailable(e.to_string()),
        Some(ErrorCode::DiskFull | ErrorCode::SystemIoFailure) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Internal(e.to_string()),
    }
}

fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

/// Page cache of the write connection, in KiB (as a negative `cache_size`).
/// Small on purpose: SQLite scans the whole cache at every commit
/// (`pcache1TruncateUnsafe`), and the OS page cache holds the file anyway.
const WRITER_CACHE_KIB: i64 = -4096;

/// With durability=relaxed, WAL frames after which the writer checkpoints by
/// itself; the checkpointer thread normally does it well before.
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

fn open_write_connection(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| StoreError::Unavailable(format!("cannot create {}: {e}", parent.display())))?;
    }
    let conn = Connection::open(path).map_err(sqlite_error)?;
    // With durability=full, SQLite itself never syncs on this connection
    // (synchronous=OFF) and never checkpoints (wal_autocheckpoint=0): the
    // syncer thread fdatasyncs the WAL (header and frames) after each commit
    // and before any answer, and the checkpointer thread, with
    // synchronous=NORMAL, syncs the WAL before copying it into the database
    // and the database before the WAL may be reused. So every acknowledged
    // commit is on disk, and the writer never waits for a disk flush on its
    // own path. With durability=relaxed SQLite runs its safe NORMAL mode.
    let (synchronous, autocheckpoint) = match durability {
        Durability::Full => ("OFF", 0),
        Durability::Relaxed => ("NORMAL", WRITER_AUTOCHECKPOINT_PAGES),
    };
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {synchronous};
         PRAGMA wal_autocheckpoint = {autocheckpoint};
         PRAGMA busy_timeout = 5000;
         PRAGMA cache_size = {WRITER_CACHE_KIB};
         PRAGMA temp_store = MEMORY;"
    ))
    .map_err(sqlite_error)?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(sqlite_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Internal(format!("cannot enable WAL mode on {} (got {mode})", path.display())));
    }
    conn.execute_batch(schema::SCHEMA).map_err(sqlite_error)?;
    schema::migrate(&conn).map_err(sqlite_error)?;
    Ok(conn)
}

/// How often the checkpointer folds the WAL into the database.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(2000);

/// WAL size (in frames, about 4 KiB each) beyond which the checkpointer
/// makes the WAL start over.
const RESTART_WAL_FRAMES: i64 = 16_384;

/// Runs `PRAGMA wal_checkpoint(mode)`: (busy, frames in the WAL, frames
/// checkpointed).
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
}

/// Starts the thread that checkpoints the WAL in the background (PASSIVE:
/// it never blocks the writer or readers), so the writer never pays for
/// copying pages into the database file on its commit path.
/// Starts a thread that checkpoints the WAL of the database at `path` in
/// the background, so that no writer's commit ever pays for a checkpoint
/// (used by the event store and the read store). Stop it by setting the flag
/// and unparking the thread.
pub(super) fn spawn_checkpointer(
    path: &Path,
) -> Result<(Arc<std::sync::atomic::AtomicBool>, thread::JoinHandle<()>), StoreError> {
    let conn = Connection::open(path).map_err(sqlite_error)?;
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA journal_size_limit = 67108864;",
    )
    .map_err(sqlite_error)?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let db_path = path.to_path_buf();
    let handle = thread::Builder::new()
        .name("nexus-sqlite-checkpoint".into())
        .spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                // Woken early by shutdown.
                thread::park_timeout(CHECKPOINT_INTERVAL);
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                // PASSIVE copies what it can without blocking anyone. Under
                // constant writes it never catches up with the writer, so the
                // WAL would never start over and would grow without bound;
                // when it is large, RESTART briefly holds the writer back
                // (the backlog is small: PASSIVE did most of the copying) so
                // the next commit starts the WAL from the beginning.
                let started = std::time::Instant::now();
                let mut result = checkpoint(&conn, "PASSIVE");
                // Flush what PASSIVE copied now, holding no lock, so that the
                // sync inside RESTART (while the writer waits) finds little.
                if let Err(e) = std::fs::File::open(&db_path).and_then(|f| f.sync_data()) {
                    tracing::warn!(error = %e, "cannot fsync the database file");
                }
                if matches!(result, Ok((_, frames, _)) if frames > RESTART_WAL_FRAMES) {
                    result = checkpoint(&conn, "RESTART");
                }
                match result {
                    Ok((busy, frames, checkpointed)) => tracing::trace!(
                        busy,
                        frames,
                        checkpointed,
                        micros = started.elapsed().as_micros() as u64,
                        "wal checkpoint"
                    ),
                    Err(e) => tracing::warn!(error = %e, "background wal checkpoint failed"),
                }
            }
        })
        .map_err(|e| StoreError::Internal(format!("cannot start the checkpoint thread: {e}")))?;
    Ok((stop, handle))
}

/// Read-only connections, opened on demand and kept for reuse.
struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReadPool {
    const MAX_IDLE: usize = 16;

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let conn = self.idle.lock().map_err(|_| poisoned())?.pop();
        let mut conn = match conn {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&mut conn);
        // A connection whose read failed midway is dropped rather than reused.
        if result.is_ok() || conn.is_autocommit() {
            let mut idle = self.idle.lock().map_err(|_| poisoned())?;
            if idle.len() < Self::MAX_IDLE {
                idle.push(conn);
            }
        }
        result
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn =
            Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(sqlite_error)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite_error)?;
        conn.execute_batch("PRAGMA cache_size = -16384;").map_err(sqlite_error)?;
        Ok(conn)
    }
}

#[cfg(test)]
mod audit_tests;
#[cfg(test)]
mod tests;
