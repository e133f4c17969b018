//! The embedded [`SagaStore`]: sagas, their transitions and the definitions
//! registered through the API in their own SQLite database (the server opens
//! `<data_dir>/sagas.db`).
//!
//! A saga's state is not rebuildable from anything else, so the database
//! runs in WAL mode with `synchronous=FULL`: a transition is durable before
//! the coordinator acts on it. A saga is stored as JSON beside the columns
//! lists filter on; a transition and the saga's new state are written in one
//! transaction.
//!
//! Creates and updates go to one writer thread that commits whatever has
//! queued up meanwhile in one transaction (group commit): one fsync serves
//! the transitions of many sagas, and each caller is answered only once its
//! transition is durable.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use crate::core::saga::{
    Saga, SagaDefinition, SagaFilter, SagaPage, SagaStatus, SagaStore, SagaStoreError, SagaTransition,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sagas (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    saga_id TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    tenant TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    saga TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sagas_by_status ON sagas (status, seq);
CREATE TABLE IF NOT EXISTS saga_transitions (
    saga_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    transition TEXT NOT NULL,
    PRIMARY KEY (saga_id, version)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS saga_definitions (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS saga_trigger_position (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    token TEXT NOT NULL
);
";

/// Sagas in SQLite.
pub struct SqliteSagaStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
    writes: std::sync::mpsc::Sender<Write>,
}

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// A create or an update waiting for the writer thread.
struct Write {
    saga: Saga,
    transition: SagaTransition,
    create: bool,
    done: tokio::sync::oneshot::Sender<Result<(), SagaStoreError>>,
}

impl SqliteSagaStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SagaStoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| SagaStoreError::Unavailable(format!("cannot create {}: {e}", parent.display())))?;
        }
        let conn = Connection::open(&path).map_err(error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;",
        )
        .map_err(error)?;
        conn.execute_batch(SCHEMA).map_err(error)?;
        let conn = Arc::new(Mutex::new(conn));
        let (writes, queue) = std::sync::mpsc::channel();
        let writer = conn.clone();
        std::thread::Builder::new()
            .name("nexus-sagas-writer".into())
            .spawn(move || write_loop(&writer, &queue))
            .map_err(|e| SagaStoreError::Internal(format!("cannot start the saga writer: {e}")))?;
        Ok(Self { path, conn, writes })
    }

    async fn submit(&self, saga: &Saga, transition: &SagaTransition, create: bool) -> Result<(), SagaStoreError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let write = Write { saga: saga.clone(), transition: transition.clone(), create, done };
        self.writes.send(write).map_err(|_| SagaStoreError::Unavailable("the saga writer stopped".into()))?;
        answer.await.map_err(|_| SagaStoreError::Internal("the saga writer dropped a write".into()))?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, SagaStoreError> + Send + 'static,
    ) -> Result<T, SagaStoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| SagaStoreError::Internal("saga store lock poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| SagaStoreError::Internal(format!("saga store task failed: {e}")))?
    }
}

fn error(e: rusqlite::Error) -> SagaStoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            SagaStoreError::Unavailable(e.to_string())
        }
        _ => SagaStoreError::Internal(e.to_string()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, SagaStoreError> {
    serde_json::to_string(value).map_err(|e| SagaStoreError::Internal(format!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, SagaStoreError> {
    serde_json::from_str(text).map_err(|e| SagaStoreError::Internal(format!("cannot decode a stored saga: {e}")))
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn insert_transition(tx: &rusqlite::Connection, transition: &SagaTransition) -> Result<(), SagaStoreError> {
    let text = to_json(transition)?;
    tx.prepare_cached("INSERT INTO saga_transitions (saga_id, version, transition) VALUES (?1, ?2, ?3)")
        .and_then(|mut s| s.execute(params![transition.saga_id, i64_of(transition.version), text]))
        .map_err(error)?;
    Ok(())
}

/// The writer thread: takes the writes queued so far (at most
/// [`MAX_BATCH`]), applies each in its own savepoint, commits once, answers
/// all. Ends when the store is dropped.
fn write_loop(conn: &Mutex<Connection>, queue: &std::sync::mpsc::Receiver<Write>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(write) => batch.push(write),
                Err(_) => break,
            }
        }
        let Ok(mut conn) = conn.lock() else {
            for write in batch {
                let _ = write.done.send(Err(SagaStoreError::Internal("saga store lock poisoned".into())));
            }
            continue;
        };
        let mut results = Vec::with_capacity(batch.len());
        let committed = conn.transaction().map_err(error).and_then(|mut tx| {
            for write in &batch {
                results.push(apply(&mut tx, write));
            }
            tx.commit().map_err(error)
        });
        drop(conn);
        for (write, result) in batch.into_iter().zip(results.into_iter().chain(std::iter::repeat_with(|| Ok(())))) {
            let answer = match &committed {
                Ok(()) => result,
                Err(e) => Err(e.clone()),
            };
            let _ = write.done.send(answer);
        }
    }
}

/// One create or update inside the batch's transaction, in a savepoint so a
/// refused one leaves the others.
fn apply(tx: &mut rusqlite::Transaction<'_>, write: &Write) -> Result<(), SagaStoreError> {
    let (saga, transition) = (&write.saga, &write.transition);
    let text = to_json(saga)?;
    let sp = tx.savepoint().map_err(error)?;
    if write.create {
        let inserted = sp
            .prepare_cached(
                "INSERT INTO sagas (saga_id, definition, tenant, status, version, saga) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (saga_id) DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    saga.saga_id,
                    saga.definition.name,
                    saga.principal.tenant,
                    saga.status.as_str(),
                    i64_of(saga.version),
                    text,
                ])
            })
            .map_err(error)?;
        if inserted == 0 {
            return Err(SagaStoreError::AlreadyExists(saga.saga_id.clone()));
        }
    } else {
        let stored: Option<i64> = sp
            .query_row("SELECT version FROM sagas WHERE saga_id = ?1", [&saga.saga_id], |r| r.get(0))
            .optional()
            .map_err(error)?;
        let expected = saga.version.saturating_sub(1);
        match stored {
            None => return Err(SagaStoreError::NotFound(saga.saga_id.clone())),
            Some(v) if v != i64_of(expected) => {
                return Err(SagaStoreError::Conflict { saga_id: saga.saga_id.clone(), expected });
            }
            Some(_) => {}
        }
        sp.prepare_cached("UPDATE sagas SET status = ?2, version = ?3, saga = ?4 WHERE saga_id = ?1")
            .and_then(|mut s| s.execute(params![saga.saga_id, saga.status.as_str(), i64_of(saga.version), text]))
            .map_err(error)?;
    }
    insert_transition(&sp, transition)?;
    sp.commit().map_err(error)
}

#[async_trait]
impl SagaStore for SqliteSagaStore {
    async fn create(&self, saga: &Saga, started: &SagaTransition) -> Result<(), SagaStoreError> {
        self.submit(saga, started, true).await
    }

    async fn update(&self, saga: &Saga, transition: &SagaTransition) -> Result<(), SagaStoreError> {
        self.submit(saga, transition, false).await
    }

    async fn get(&self, saga_id: &str) -> Result<Option<Saga>, SagaStoreError> {
        let saga_id = saga_id.to_owned();
        self.with(move |conn| {
            let text: Option<String> = conn
                .query_row("SELECT saga FROM sagas WHERE saga_id = ?1", [&saga_id], |r| r.get(0))
                .optional()
                .map_err(error)?;
            text.as_deref().map(from_json).transpose()
        })
        .await
    }

    async fn history(&self, saga_id: &str) -> Result<Vec<SagaTransition>, SagaStoreError> {
        let saga_id = saga_id.to_owned();
        self.with(move |conn| {
            let mut statement = conn
                .prepare_cached("SELECT transition FROM saga_transitions WHERE saga_id = ?1 ORDER BY version")
                .map_err(error)?;
            let rows = statement.query_map([&saga_id], |r| r.get::<_, String>(0)).map_err(error)?;
            rows.map(|row| from_json(&row.map_err(error)?)).collect()
        })
        .await
    }

    async fn list(&self, filter: &SagaFilter, after: Option<&str>, limit: usize) -> Result<SagaPage, SagaStoreError> {
        let filter = filter.clone();
        let after = after.map(str::to_owned);
        self.with(move |conn| {
            let after_seq: i64 = match &after {
                Some(id) => conn
                    .query_row("SELECT seq FROM sagas WHERE saga_id = ?1", [id], |r| r.get(0))
                    .optional()
                    .map_err(error)?
                    .ok_or_else(|| SagaStoreError::NotFound(id.clone()))?,
                None => 0,
            };
            let mut statement = conn
                .prepare_cached(
                    "SELECT saga FROM sagas WHERE seq > ?1 AND (?2 IS NULL OR status = ?2) \
                     AND (?3 IS NULL OR definition = ?3) AND (?4 IS NULL OR tenant = ?4) ORDER BY seq LIMIT ?5",
                )
                .map_err(error)?;
            let rows = statement
                .query_map(
                    params![
                        after_seq,
                        filter.status.map(SagaStatus::as_str),
                        filter.definition,
                        filter.tenant,
                        i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX),
                    ],
                    |r| r.get::<_, String>(0),
                )
                .map_err(error)?;
            let mut sagas = rows.map(|row| from_json::<Saga>(&row.map_err(error)?)).collect::<Result<Vec<_>, _>>()?;
            let next = if sagas.len() > limit {
                sagas.truncate(limit);
                sagas.last().map(|s| s.saga_id.clone())
            } else {
                None
            };
            Ok(SagaPage { sagas, next })
        })
        .await
    }

    async fn active(&self) -> Result<Vec<Saga>, SagaStoreError> {
        self.with(|conn| {
            let mut statement = conn
                .prepare_cached("SELECT saga FROM sagas WHERE status IN ('RUNNING', 'COMPENSATING') ORDER BY seq")
                .map_err(error)?;
            let rows = statement.query_map([], |r| r.get::<_, String>(0)).map_err(error)?;
            rows.map(|row| from_json(&row.map_err(error)?)).collect()
        })
        .await
    }

    async fn put_definition(&self, definition: &SagaDefinition) -> Result<(), SagaStoreError> {
        let (name, text) = (definition.name.clone(), to_json(definition)?);
        self.with(move |conn| {
            conn.execute(
                "INSERT OR REPLACE INTO saga_definitions (name, definition) VALUES (?1, ?2)",
                params![name, text],
            )
            .map_err(error)?;
            Ok(())
        })
        .await
    }

    async fn definitions(&self) -> Result<Vec<SagaDefinition>, SagaStoreError> {
        self.with(|conn| {
            let mut statement =
                conn.prepare_cached("SELECT definition FROM saga_definitions ORDER BY name").map_err(error)?;
            let rows = statement.query_map([], |r| r.get::<_, String>(0)).map_err(error)?;
            rows.map(|row| from_json(&row.map_err(error)?)).collect()
        })
        .await
    }

    async fn trigger_position(&self) -> Result<Option<String>, SagaStoreError> {
        self.with(|conn| {
            conn.query_row("SELECT token FROM saga_trigger_position WHERE id = 0", [], |r| r.get(0))
                .optional()
                .map_err(error)
        })
        .await
    }

    async fn set_trigger_position(&self, token: &str) -> Result<(), SagaStoreError> {
        let token = token.to_owned();
        self.with(move |conn| {
            conn.execute("INSERT OR REPLACE INTO saga_trigger_position (id, token) VALUES (0, ?1)", [token])
                .map_err(error)?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::{path::PathBuf, sync::Arc};

    use async_trait::async_trait;

    use super::SqliteSagaStore;
    use crate::{
        conformance::saga_store::{SagaStoreFactory, saga_store_conformance},
        core::saga::SagaStore,
    };

    struct Factory {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl Factory {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("sagas.db");
            Self { _dir: dir, path }
        }
    }

    #[async_trait]
    impl SagaStoreFactory for Factory {
        async fn open(&self) -> Arc<dyn SagaStore> {
            Arc::new(SqliteSagaStore::open(&self.path).expect("open"))
        }
    }

    saga_store_conformance!(Factory::new());
}
