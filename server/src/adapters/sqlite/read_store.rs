//! The embedded [`ReadStore`]: projected documents in their own SQLite
//! database (the server opens `<data_dir>/read.db`), JSON bodies filtered
//! and sorted with SQLite's JSON functions, full text with FTS5.
//!
//! # Layout
//!
//! One set of tables shared by every index, rows keyed by a small integer
//! `idx` that `rs_indexes` assigns to each (projection, generation) and never
//! reuses. One table set (and one FTS5 table) for all indexes keeps the
//! schema fixed and the prepared statements shared, and creating or dropping
//! an index is a few row operations rather than DDL. FTS5 rows are keyed by
//! the document's rowid; a text query joins them to the documents of the one
//! index it searches.
//!
//! - `rs_indexes`: the spec (text fields), the checkpoint, the last change
//!   seq and how far the change log was pruned;
//! - `rs_documents`: key, JSON body (text), version, position, update time;
//! - `rs_text`: a contentless FTS5 table (`contentless_delete=1`) holding
//!   the configured text fields' values of each document, joined by newlines,
//!   kept in step with every upsert and delete;
//! - `rs_changes`: the change log, `(idx, seq)`, the body after the change or
//!   NULL for a delete; only the newest `keep_changes` per index are kept;
//! - `rs_parked`, `rs_meta`.
//!
//! # Atomicity and durability
//!
//! One `apply` is one SQLite transaction: documents, FTS rows, change log,
//! parked events and the checkpoint commit together or not at all. The
//! database runs in WAL mode with `synchronous=NORMAL`: commits are not
//! fsync'd one by one (the WAL is synced at checkpoints), so a power loss may
//! lose the last applies, but WAL+NORMAL is still atomic — after any crash
//! either a whole transaction is there or none of it — and the projection
//! resumes from the checkpoint that is there, so an event is never applied
//! twice nor skipped. That is enough because the read store is rebuilt from
//! the event log. [`ReadStore::put_meta`] is the exception: the read side's
//! bookkeeping (projection definitions among it) is not rebuildable, so it
//! is committed with `synchronous=FULL`.
//!
//! # Threads
//!
//! All SQLite work runs on blocking threads: writes on the one write
//! connection (behind a mutex), reads on a small pool of read-only
//! connections, which WAL lets run while a write commits.
//!
//! # Semantics worth knowing
//!
//! - Deleting a key that does not exist logs no change and is not an error.
//! - A document deleted and written again starts over at version 1.
//! - A dropped index that is created again starts a new change log at seq 1.
//! - See [`query`] for filters, sorting and page tokens.

mod query;
#[cfg(test)]
mod tests;

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::{
    model::Position,
    read_store::{
        ApplyBatch, Document, DocumentChange, DocumentWrite, IndexCheckpoint, IndexId, IndexSpec, ParkedEvent,
        ReadStore, ReadStoreError, SearchPage, SearchQuery,
    },
};

/// Settings of the embedded read store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteReadStoreConfig {
    /// Changes kept in each index's change log; older ones are pruned as new
    /// ones are written, and watchers resuming before them get
    /// `ChangeExpired`.
    pub keep_changes: u64,
}

impl Default for SqliteReadStoreConfig {
    fn default() -> Self {
        Self { keep_changes: 100_000 }
    }
}

/// The SQLite [`ReadStore`].
pub struct SqliteReadStore {
    path: PathBuf,
    keep_changes: u64,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<ReadPool>,
    /// The background WAL checkpointer (stop flag, thread).
    checkpointer: Option<(Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<()>)>,
}

impl Drop for SqliteReadStore {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.checkpointer.take() {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            handle.thread().unpark();
        }
    }
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS rs_indexes (
    idx                INTEGER PRIMARY KEY AUTOINCREMENT,
    projection         TEXT    NOT NULL,
    generation         INTEGER NOT NULL,
    -- JSON array of the dotted paths indexed for full text.
    text_fields        TEXT    NOT NULL,
    last_seq           INTEGER NOT NULL DEFAULT 0,
    -- Changes up to this seq were pruned.
    pruned_seq         INTEGER NOT NULL DEFAULT 0,
    checkpoint_token   TEXT,
    checkpoint_global  INTEGER,
    events             INTEGER NOT NULL DEFAULT 0,
    parked             INTEGER NOT NULL DEFAULT 0,
    checkpoint_at      INTEGER,
    UNIQUE (projection, generation)
);

CREATE TABLE IF NOT EXISTS rs_documents (
    -- Also the rowid of the document's rs_text row.
    doc              INTEGER PRIMARY KEY,
    idx              INTEGER NOT NULL,
    doc_key          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    position_token   TEXT    NOT NULL,
    position_global  INTEGER,
    updated_at       INTEGER NOT NULL,
    -- What the document's rs_text row holds (NULL: none), so a write
    -- that leaves the text fields alone skips the full-text index.
    words            TEXT,
    UNIQUE (idx, doc_key)
);

CREATE VIRTUAL TABLE IF NOT EXISTS rs_text USING fts5(
    words, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE IF NOT EXISTS rs_changes (
    idx              INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    doc_key          TEXT    NOT NULL,
    -- NULL for a delete.
    body             TEXT,
    version          INTEGER NOT NULL,
    position_token   TEXT    NOT NULL,
    position_global  INTEGER,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (idx, seq)
);

CREATE TABLE IF NOT EXISTS rs_parked (
    id               INTEGER PRIMARY KEY,
    idx              INTEGER NOT NULL,
    event_id         TEXT    NOT NULL,
    stream_id        TEXT    NOT NULL,
    revision         INTEGER NOT NULL,
    event_type       TEXT    NOT NULL,
    position_token   TEXT    NOT NULL,
    position_global  INTEGER,
    error            TEXT    NOT NULL,
    parked_at        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rs_parked_by_index ON rs_parked (idx, id);

CREATE TABLE IF NOT EXISTS rs_meta (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"#;

impl SqliteReadStore {
    /// Opens (creating if needed) the store at `path` with default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ReadStoreError> {
        Self::open_with(path, SqliteReadStoreConfig::default())
    }

    /// Opens (creating if needed) the store at `path`.
    pub fn open_with(path: impl AsRef<Path>, config: SqliteReadStoreConfig) -> Result<Self, ReadStoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| ReadStoreError::Unavailable(format!("cannot create {}: {e}", parent.display())))?;
        }
        let conn = Connection::open(&path).map_err(sqlite_error)?;
        // A 64 MiB page cache and rarer WAL checkpoints double apply's rate
        // over SQLite's defaults (2 MiB, 1000 pages) once the documents, FTS
        // and change log outgrow the cache (measured with
        // `bench::read_store::apply_throughput`: about 16k → 32k events/s in
        // batches of 100, 19k → 44k in batches of 1000). Checkpoints run on
        // a thread of their own (as for the event store), never inside an
        // apply: one inside a commit stalled projections for ~100 ms, which
        // watchers saw as their p99 (docs/BENCHMARKS.md).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -65536;
             PRAGMA wal_autocheckpoint = 0;
             PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(sqlite_error)?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(sqlite_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(ReadStoreError::Internal(format!("cannot enable WAL mode on {} (got {mode})", path.display())));
        }
        conn.execute_batch(SCHEMA).map_err(|e| match e.sqlite_error_code() {
            // Most likely a SQLite built without FTS5 (or older than 3.43).
            Some(rusqlite::ErrorCode::Unknown) => {
                ReadStoreError::Internal(format!("cannot create the read store schema (is FTS5 available?): {e}"))
            }
            _ => sqlite_error(e),
        })?;
        conn.set_prepared_statement_cache_capacity(64);
        let checkpointer = super::spawn_checkpointer(&path).map_err(|e| ReadStoreError::Unavailable(e.to_string()))?;
        Ok(Self {
            readers: Arc::new(ReadPool { path: path.clone(), idle: Mutex::new(Vec::new()) }),
            path,
            keep_changes: config.keep_changes.max(1),
            writer: Arc::new(Mutex::new(conn)),
            checkpointer: Some(checkpointer),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ReadStoreError> + Send + 'static,
    ) -> Result<T, ReadStoreError> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().map_err(|_| poisoned())?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ReadStoreError::Internal(format!("write task failed: {e}")))?
    }

    /// Runs `f` in one read transaction (one snapshot) on a read connection.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, ReadStoreError> + Send + 'static,
    ) -> Result<T, ReadStoreError> {
        let pool = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            pool.with(|conn| {
                let tx = conn.transaction().map_err(sqlite_error)?;
                let result = f(&tx);
                tx.finish().map_err(sqlite_error)?;
                result
            })
        })
        .await
        .map_err(|e| ReadStoreError::Internal(format!("read task failed: {e}")))?
    }

    /// Runs `f` on the read snapshot with the index's row, or fails with
    /// [`ReadStoreError::IndexNotFound`].
    async fn read_index<T: Send + 'static>(
        &self,
        id: &IndexId,
        f: impl FnOnce(&Transaction<'_>, &IndexRow) -> Result<T, ReadStoreError> + Send + 'static,
    ) -> Result<T, ReadStoreError> {
        let id = id.clone();
        self.read(move |tx| {
            let index = index_row(tx, &id)?.ok_or_else(|| ReadStoreError::IndexNotFound(id.to_string()))?;
            f(tx, &index)
        })
        .await
    }
}

#[async_trait]
impl ReadStore for SqliteReadStore {
    async fn create_index(&self, spec: &IndexSpec) -> Result<(), ReadStoreError> {
        for field in &spec.text_fields {
            query::json_path(field)?;
        }
        let spec = spec.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
            let fields = serde_json::to_string(&spec.text_fields).map_err(internal)?;
            match index_row(&tx, &spec.id)? {
                None => {
                    tx.execute(
                        "INSERT INTO rs_indexes (projection, generation, text_fields) VALUES (?, ?, ?)",
                        params![spec.id.projection, spec.id.generation, fields],
                    )
                    .map_err(sqlite_error)?;
                }
                Some(index) if index.text_fields != spec.text_fields => {
                    // The same index asked for with other text fields: index
                    // its documents again rather than search them wrongly.
                    tx.execute("UPDATE rs_indexes SET text_fields = ? WHERE idx = ?", params![fields, index.idx])
                        .map_err(sqlite_error)?;
                    reindex_text(&tx, index.idx, &spec.text_fields)?;
                }
                Some(_) => {}
            }
            tx.commit().map_err(sqlite_error)
        })
        .await
    }

    async fn drop_index(&self, id: &IndexId) -> Result<(), ReadStoreError> {
        let id = id.clone();
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
            if let Some(index) = index_row(&tx, &id)? {
                tx.execute(
                    "DELETE FROM rs_text WHERE rowid IN (SELECT doc FROM rs_documents WHERE idx = ?1)",
                    [index.idx],
                )
                .map_err(sqlite_error)?;
                for table in ["rs_documents", "rs_changes", "rs_parked", "rs_indexes"] {
                    tx.execute(&format!("DELETE FROM {table} WHERE idx = ?1"), [index.idx]).map_err(sqlite_error)?;
                }
            }
            tx.commit().map_err(sqlite_error)
        })
        .await
    }

    async fn list_indexes(&self) -> Result<Vec<IndexId>, ReadStoreError> {
        self.read(|tx| {
            let mut stmt = tx
                .prepare_cached("SELECT projection, generation FROM rs_indexes ORDER BY projection, generation")
                .map_err(sqlite_error)?;
            let rows = stmt
                .query_map([], |r| Ok(IndexId { projection: r.get(0)?, generation: r.get(1)? }))
                .map_err(sqlite_error)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sqlite_error)
        })
        .await
    }

    async fn apply(&self, id: &IndexId, batch: ApplyBatch) -> Result<Vec<DocumentChange>, ReadStoreError> {
        let id = id.clone();
        let keep = self.keep_changes;
        self.write(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sqlite_error)?;
            let changes = apply_batch(&tx, &id, batch, keep, crate::core::model::now_micros())?;
            tx.commit().map_err(sqlite_error)?;
            Ok(changes)
        })
        .await
    }

    async fn checkpoint(&self, id: &IndexId) -> Result<Option<IndexCheckpoint>, ReadStoreError> {
        self.read_index(id, |_, index| Ok(index.checkpoint.clone())).await
    }

    async fn get(&self, id: &IndexId, key: &str) -> Result<Option<Document>, ReadStoreError> {
        let key = key.to_string();
        self.read_index(id, move |tx, index| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT doc_key, body, version, position_token, position_global, updated_at
                     FROM rs_documents WHERE idx = ? AND doc_key = ?",
                )
                .map_err(sqlite_error)?;
            let row = stmt.query_row(params![index.idx, key], read_document).optional().map_err(sqlite_error)?;
            row.map(|r| r.into_document()).transpose()
        })
        .await
    }

    async fn search(&self, id: &IndexId, query: &SearchQuery) -> Result<SearchPage, ReadStoreError> {
        let plan = query::Plan::new(query)?;
        self.read_index(id, move |tx, index| plan.run(tx, index.idx)).await
    }

    async fn changes(&self, id: &IndexId, after_seq: u64, limit: usize) -> Result<Vec<DocumentChange>, ReadStoreError> {
        self.read_index(id, move |tx, index| {
            if after_seq < index.pruned_seq {
                return Err(ReadStoreError::ChangeExpired(after_seq, index.pruned_seq));
            }
            let mut stmt = tx
                .prepare_cached(
                    "SELECT doc_key, body, version, position_token, position_global, updated_at, seq
                     FROM rs_changes WHERE idx = ? AND seq > ? ORDER BY seq LIMIT ?",
                )
                .map_err(sqlite_error)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt
                .query_map(params![index.idx, after_seq as i64, limit], |r| {
                    Ok((read_document(r)?, r.get::<_, i64>(6)?))
                })
                .map_err(sqlite_error)?;
            let mut changes = Vec::new();
            for row in rows {
                let (row, seq) = row.map_err(sqlite_error)?;
                let position = row.position.clone();
                let key = row.key.clone();
                let document = if row.body.is_some() { Some(row.into_document()?) } else { None };
                changes.push(DocumentChange { seq: seq as u64, key, document, position });
            }
            Ok(changes)
        })
        .await
    }

    async fn last_seq(&self, id: &IndexId) -> Result<u64, ReadStoreError> {
        self.read_index(id, |_, index| Ok(index.last_seq)).await
    }

    async fn parked(&self, id: &IndexId, limit: usize) -> Result<Vec<ParkedEvent>, ReadStoreError> {
        self.read_index(id, move |tx, index| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT event_id, stream_id, revision, event_type, position_token, position_global, error, parked_at
                     FROM rs_parked WHERE idx = ? ORDER BY id LIMIT ?",
                )
                .map_err(sqlite_error)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt
                .query_map(params![index.idx, limit], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        ParkedEvent {
                            event_id: uuid::Uuid::nil(),
                            stream_id: r.get(1)?,
                            revision: r.get::<_, i64>(2)? as u64,
                            event_type: r.get(3)?,
                            position: position(r.get(4)?, r.get(5)?),
                            error: r.get(6)?,
                            parked_at_micros: r.get(7)?,
                        },
                    ))
                })
                .map_err(sqlite_error)?;
            let mut parked = Vec::new();
            for row in rows {
                let (event_id, mut event) = row.map_err(sqlite_error)?;
                event.event_id = uuid::Uuid::parse_str(&event_id).map_err(internal)?;
                parked.push(event);
            }
            Ok(parked)
        })
        .await
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>, ReadStoreError> {
        let key = key.to_string();
        self.read(move |tx| {
            tx.query_row("SELECT value FROM rs_meta WHERE name = ?", [key], |r| r.get(0))
                .optional()
                .map_err(sqlite_error)
        })
        .await
    }

    async fn put_meta(&self, key: &str, value: &str) -> Result<(), ReadStoreError> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |conn| {
            // Bookkeeping cannot be rebuilt from the log: fsync this commit.
            conn.execute_batch("PRAGMA synchronous = FULL").map_err(sqlite_error)?;
            let result = conn.execute(
                "INSERT INTO rs_meta (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2",
                params![key, value],
            );
            conn.execute_batch("PRAGMA synchronous = NORMAL").map_err(sqlite_error)?;
            result.map(|_| ()).map_err(sqlite_error)
        })
        .await
    }
}

/// An index's row of `rs_indexes`.
struct IndexRow {
    idx: i64,
    text_fields: Vec<String>,
    last_seq: u64,
    pruned_seq: u64,
    checkpoint: Option<IndexCheckpoint>,
}

fn index_row(conn: &Connection, id: &IndexId) -> Result<Option<IndexRow>, ReadStoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT idx, text_fields, last_seq, pruned_seq, checkpoint_token, checkpoint_global, events, parked,
                    checkpoint_at
             FROM rs_indexes WHERE projection = ? AND generation = ?",
        )
        .map_err(sqlite_error)?;
    let row = stmt
        .query_row(params![id.projection, id.generation], |r| {
            let token: Option<String> = r.get(4)?;
            let checkpoint = match token {
                Some(token) => Some(IndexCheckpoint {
                    position: position(token, r.get(5)?),
                    events: r.get::<_, i64>(6)? as u64,
                    parked: r.get::<_, i64>(7)? as u64,
                    updated_at_micros: r.get::<_, Option<i64>>(8)?.unwrap_or(0),
                }),
                None => None,
            };
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)? as u64,
                r.get::<_, i64>(3)? as u64,
                checkpoint,
            ))
        })
        .optional()
        .map_err(sqlite_error)?;
    row.map(|(idx, fields, last_seq, pruned_seq, checkpoint)| {
        let text_fields = serde_json::from_str(&fields).map_err(internal)?;
        Ok(IndexRow { idx, text_fields, last_seq, pruned_seq, checkpoint })
    })
    .transpose()
}

fn apply_batch(
    tx: &Transaction<'_>,
    id: &IndexId,
    batch: ApplyBatch,
    keep_changes: u64,
    now: i64,
) -> Result<Vec<DocumentChange>, ReadStoreError> {
    let index = index_row(tx, id)?.ok_or_else(|| ReadStoreError::IndexNotFound(id.to_string()))?;
    let mut seq = index.last_seq;
    let mut changes = Vec::with_capacity(batch.writes.len());
    let mut find = tx
        .prepare_cached("SELECT doc, version, words FROM rs_documents WHERE idx = ? AND doc_key = ?")
        .map_err(sqlite_error)?;
    let mut insert_change = tx
        .prepare_cached(
            "INSERT INTO rs_changes (idx, seq, doc_key, body, version, position_token, position_global, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .map_err(sqlite_error)?;
    let mut delete_text = tx.prepare_cached("DELETE FROM rs_text WHERE rowid = ?").map_err(sqlite_error)?;
    let mut insert_text =
        tx.prepare_cached("INSERT INTO rs_text (rowid, words) VALUES (?, ?)").map_err(sqlite_error)?;
    for (write, position) in batch.writes {
        let existing: Option<(i64, i64, Option<String>)> = find
            .query_row(params![index.idx, write.key()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(sqlite_error)?;
        let global = position.global.map(|g| g as i64);
        match write {
            DocumentWrite::Upsert { key, body } => {
                let text = serde_json::to_string(&body).map_err(internal)?;
                let words = query::text_of(&body, &index.text_fields);
                let words = (!words.is_empty()).then_some(words);
                let (_, version) = match existing {
                    Some((doc, version, old_words)) => {
                        tx.prepare_cached(
                            "UPDATE rs_documents SET body = ?, version = ?, position_token = ?, position_global = ?,
                                    updated_at = ?, words = ?
                             WHERE doc = ?",
                        )
                        .map_err(sqlite_error)?
                        .execute(params![text, version + 1, position.token, global, now, words, doc])
                        .map_err(sqlite_error)?;
                        if old_words != words {
                            if old_words.is_some() {
                                delete_text.execute([doc]).map_err(sqlite_error)?;
                            }
                            if let Some(words) = &words {
                                insert_text.execute(params![doc, words]).map_err(sqlite_error)?;
                            }
                        }
                        (doc, version + 1)
                    }
                    None => {
                        tx.prepare_cached(
                            "INSERT INTO rs_documents
                                (idx, doc_key, body, version, position_token, position_global, updated_at, words)
                             VALUES (?, ?, ?, 1, ?, ?, ?, ?)",
                        )
                        .map_err(sqlite_error)?
                        .execute(params![index.idx, key, text, position.token, global, now, words])
                        .map_err(sqlite_error)?;
                        let doc = tx.last_insert_rowid();
                        if let Some(words) = &words {
                            insert_text.execute(params![doc, words]).map_err(sqlite_error)?;
                        }
                        (doc, 1)
                    }
                };
                seq += 1;
                insert_change
                    .execute(params![index.idx, seq as i64, key, text, version, position.token, global, now])
                    .map_err(sqlite_error)?;
                changes.push(DocumentChange {
                    seq,
                    key: key.clone(),
                    document: Some(Document {
                        key,
                        body,
                        version: version as u64,
                        position: position.clone(),
                        updated_at_micros: now,
                    }),
                    position,
                });
            }
            DocumentWrite::Delete { key } => {
                let Some((doc, version, old_words)) = existing else { continue };
                tx.prepare_cached("DELETE FROM rs_documents WHERE doc = ?")
                    .map_err(sqlite_error)?
                    .execute([doc])
                    .map_err(sqlite_error)?;
                if old_words.is_some() {
                    delete_text.execute([doc]).map_err(sqlite_error)?;
                }
                seq += 1;
                insert_change
                    .execute(params![index.idx, seq as i64, key, None::<String>, version, position.token, global, now])
                    .map_err(sqlite_error)?;
                changes.push(DocumentChange { seq, key, document: None, position });
            }
        }
    }
    let mut insert_parked = tx
        .prepare_cached(
            "INSERT INTO rs_parked (idx, event_id, stream_id, revision, event_type, position_token, position_global,
                                    error, parked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .map_err(sqlite_error)?;
    for p in &batch.parked {
        insert_parked
            .execute(params![
                index.idx,
                p.event_id.to_string(),
                p.stream_id,
                p.revision as i64,
                p.event_type,
                p.position.token,
                p.position.global.map(|g| g as i64),
                p.error,
                p.parked_at_micros,
            ])
            .map_err(sqlite_error)?;
    }
    let mut pruned = index.pruned_seq;
    if seq > keep_changes && seq - keep_changes > pruned {
        pruned = seq - keep_changes;
        tx.prepare_cached("DELETE FROM rs_changes WHERE idx = ? AND seq <= ?")
            .map_err(sqlite_error)?
            .execute(params![index.idx, pruned as i64])
            .map_err(sqlite_error)?;
    }
    tx.prepare_cached(
        "UPDATE rs_indexes SET last_seq = ?, pruned_seq = ?, checkpoint_token = ?, checkpoint_global = ?,
                events = events + ?, parked = parked + ?, checkpoint_at = ?
         WHERE idx = ?",
    )
    .map_err(sqlite_error)?
    .execute(params![
        seq as i64,
        pruned as i64,
        batch.checkpoint.token,
        batch.checkpoint.global.map(|g| g as i64),
        batch.events as i64,
        batch.parked.len() as i64,
        now,
        index.idx,
    ])
    .map_err(sqlite_error)?;
    Ok(changes)
}

/// Rebuilds the FTS rows of every document of the index.
fn reindex_text(tx: &Transaction<'_>, idx: i64, text_fields: &[String]) -> Result<(), ReadStoreError> {
    let mut stmt = tx.prepare("SELECT doc, body FROM rs_documents WHERE idx = ?").map_err(sqlite_error)?;
    let docs = stmt
        .query_map([idx], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .map_err(sqlite_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sqlite_error)?;
    for (doc, body) in docs {
        tx.execute("DELETE FROM rs_text WHERE rowid = ?", [doc]).map_err(sqlite_error)?;
        let body: Value = serde_json::from_str(&body).map_err(internal)?;
        let words = query::text_of(&body, text_fields);
        let words = (!words.is_empty()).then_some(words);
        if let Some(words) = &words {
            tx.execute("INSERT INTO rs_text (rowid, words) VALUES (?, ?)", params![doc, words])
                .map_err(sqlite_error)?;
        }
        tx.execute("UPDATE rs_documents SET words = ? WHERE doc = ?", params![words, doc]).map_err(sqlite_error)?;
    }
    Ok(())
}

/// A document (or change) row as read, before its body is parsed.
struct DocumentRow {
    key: String,
    body: Option<String>,
    version: u64,
    position: Position,
    updated_at: i64,
}

impl DocumentRow {
    fn into_document(self) -> Result<Document, ReadStoreError> {
        let body = self.body.as_deref().unwrap_or("null");
        Ok(Document {
            body: serde_json::from_str(body).map_err(internal)?,
            key: self.key,
            version: self.version,
            position: self.position,
            updated_at_micros: self.updated_at,
        })
    }
}

/// Reads columns 0..6: key, body, version, position token, position global,
/// updated at.
fn read_document(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok(DocumentRow {
        key: r.get(0)?,
        body: r.get(1)?,
        version: r.get::<_, i64>(2)? as u64,
        position: position(r.get(3)?, r.get(4)?),
        updated_at: r.get(5)?,
    })
}

/// Globals are stored as SQLite integers bit for bit (`u64` as `i64`).
fn position(token: String, global: Option<i64>) -> Position {
    Position { token, global: global.map(|g| g as u64) }
}

fn poisoned() -> ReadStoreError {
    ReadStoreError::Internal("read store lock poisoned".into())
}

fn internal(e: impl std::fmt::Display) -> ReadStoreError {
    ReadStoreError::Internal(e.to_string())
}

fn sqlite_error(e: rusqlite::Error) -> ReadStoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull | ErrorCode::SystemIoFailure,
        ) => ReadStoreError::Unavailable(e.to_string()),
        _ => ReadStoreError::Internal(e.to_string()),
    }
}

/// Read-only connections, opened on demand and kept for reuse.
struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReadPool {
    const MAX_IDLE: usize = 8;

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, ReadStoreError>) -> Result<T, ReadStoreError> {
        let conn = self.idle.lock().map_err(|_| poisoned())?.pop();
        let mut conn = match conn {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&mut conn);
        if conn.is_autocommit() {
            let mut idle = self.idle.lock().map_err(|_| poisoned())?;
            if idle.len() < Self::MAX_IDLE {
                idle.push(conn);
            }
        }
        result
    }

    fn open(&self) -> Result<Connection, ReadStoreError> {
        let conn =
            Connection::open_with_flags(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(sqlite_error)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(sqlite_error)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}
