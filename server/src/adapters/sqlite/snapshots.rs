//! The embedded [`SnapshotStore`]: snapshots in their own SQLite database
//! (the server opens `<data_dir>/snapshots.db`).
//!
//! Snapshots are written rarely (one per many events) and read once per
//! aggregate load, so one connection behind a mutex serves both, on blocking
//! threads. The database runs in WAL mode with `synchronous=FULL`: a policy
//! set through the API is durable when acknowledged, and a snapshot, though
//! rebuildable from the log, is never half there.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::core::snapshot::{
    Snapshot, SnapshotError, SnapshotInfo, SnapshotPage, SnapshotPolicy, SnapshotStore, SnapshotVersions,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS snapshots (
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    aggregate_type TEXT NOT NULL,
    first_revision INTEGER NOT NULL,
    state_schema_version INTEGER NOT NULL,
    handler_version INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    state BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (stream_id, revision)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS snapshots_by_type ON snapshots (aggregate_type, stream_id, revision);
CREATE TABLE IF NOT EXISTS snapshot_policies (
    aggregate_type TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
";

const INFO_COLUMNS: &str = "stream_id, aggregate_type, revision, first_revision, state_schema_version, handler_version, length(state), created_at";

/// Snapshots in SQLite.
pub struct SqliteSnapshotStore {
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
}

impl SqliteSnapshotStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SnapshotError> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| SnapshotError::Unavailable(format!("cannot create {}: {e}", parent.display())))?;
        }
        let conn = Connection::open(&path).map_err(error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;",
        )
        .map_err(error)?;
        conn.execute_batch(SCHEMA).map_err(error)?;
        Ok(Self { path, conn: Arc::new(Mutex::new(conn)) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    ) -> Result<T, SnapshotError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| SnapshotError::Internal("snapshot store lock poisoned".into()))?;
            f(&mut conn).map_err(error)
        })
        .await
        .map_err(|e| SnapshotError::Internal(format!("snapshot task failed: {e}")))?
    }
}

fn error(e: rusqlite::Error) -> SnapshotError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            SnapshotError::Unavailable(e.to_string())
        }
        _ => SnapshotError::Internal(e.to_string()),
    }
}

fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn info_row(r: &Row<'_>) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        stream_id: r.get(0)?,
        aggregate_type: r.get(1)?,
        revision: u64_of(r.get(2)?),
        first_revision: u64_of(r.get(3)?),
        versions: SnapshotVersions { state_schema: r.get(4)?, handler: r.get(5)? },
        size: u64_of(r.get(6)?),
        created_at: r.get(7)?,
    })
}

fn snapshot_row(r: &Row<'_>) -> rusqlite::Result<Snapshot> {
    Ok(Snapshot {
        stream_id: r.get(0)?,
        aggregate_type: r.get(1)?,
        revision: u64_of(r.get(2)?),
        first_revision: u64_of(r.get(3)?),
        versions: SnapshotVersions { state_schema: r.get(4)?, handler: r.get(5)? },
        content_type: r.get(6)?,
        state: Bytes::from(r.get::<_, Vec<u8>>(7)?),
        created_at: r.get(8)?,
    })
}

const SNAPSHOT_COLUMNS: &str = "stream_id, aggregate_type, revision, first_revision, state_schema_version, \
     handler_version, content_type, state, created_at";

#[async_trait]
impl SnapshotStore for SqliteSnapshotStore {
    async fn put(&self, s: Snapshot) -> Result<(), SnapshotError> {
        self.with(move |conn| {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO snapshots (stream_id, revision, aggregate_type, first_revision, \
                 state_schema_version, handler_version, content_type, state, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                s.stream_id,
                i64_of(s.revision),
                s.aggregate_type,
                i64_of(s.first_revision),
                s.versions.state_schema,
                s.versions.handler,
                s.content_type,
                s.state.as_ref(),
                s.created_at
            ])?;
            Ok(())
        })
        .await
    }

    async fn latest(
        &self,
        stream_id: &str,
        versions: SnapshotVersions,
        max_revision: Option<u64>,
    ) -> Result<Option<Snapshot>, SnapshotError> {
        let stream_id = stream_id.to_string();
        self.with(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE stream_id = ?1 AND revision <= ?2 \
                 AND state_schema_version = ?3 AND handler_version = ?4 ORDER BY revision DESC LIMIT 1"
            ))?
            .query_row(
                params![stream_id, max_revision.map_or(i64::MAX, i64_of), versions.state_schema, versions.handler],
                snapshot_row,
            )
            .optional()
        })
        .await
    }

    async fn get(&self, stream_id: &str, revision: u64) -> Result<Option<Snapshot>, SnapshotError> {
        let stream_id = stream_id.to_string();
        self.with(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE stream_id = ?1 AND revision = ?2"
            ))?
            .query_row(params![stream_id, i64_of(revision)], snapshot_row)
            .optional()
        })
        .await
    }

    async fn list(
        &self,
        stream_id: &str,
        before_revision: Option<u64>,
        page_size: usize,
    ) -> Result<SnapshotPage, SnapshotError> {
        let stream_id = stream_id.to_string();
        let page_size = page_size.max(1);
        self.with(move |conn| {
            let mut rows = conn
                .prepare_cached(&format!(
                    "SELECT {INFO_COLUMNS} FROM snapshots WHERE stream_id = ?1 AND revision < ?2 \
                     ORDER BY revision DESC LIMIT ?3"
                ))?
                .query_map(
                    params![stream_id, before_revision.map_or(i64::MAX, i64_of), (page_size + 1) as i64],
                    info_row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            let next_before = if rows.len() > page_size {
                rows.truncate(page_size);
                rows.last().map(|r| r.revision)
            } else {
                None
            };
            Ok(SnapshotPage { snapshots: rows, next_before })
        })
        .await
    }

    async fn delete(&self, stream_id: &str, max_revision: Option<u64>) -> Result<u64, SnapshotError> {
        let stream_id = stream_id.to_string();
        self.with(move |conn| {
            let n = conn
                .prepare_cached("DELETE FROM snapshots WHERE stream_id = ?1 AND revision <= ?2")?
                .execute(params![stream_id, max_revision.map_or(i64::MAX, i64_of)])?;
            Ok(n as u64)
        })
        .await
    }

    async fn prune(
        &self,
        aggregate_type: &str,
        stream_id: Option<&str>,
        keep_last: Option<u32>,
        created_before: Option<i64>,
    ) -> Result<u64, SnapshotError> {
        if keep_last.is_none() && created_before.is_none() {
            return Ok(0);
        }
        let (aggregate_type, stream_id) = (aggregate_type.to_string(), stream_id.map(str::to_string));
        self.with(move |conn| {
            // Rank each stream's snapshots newest first; rank 1 is never deleted.
            let n = conn
                .prepare_cached(
                    "DELETE FROM snapshots WHERE (stream_id, revision) IN ( \
                       SELECT stream_id, revision FROM ( \
                         SELECT stream_id, revision, created_at, \
                                row_number() OVER (PARTITION BY stream_id ORDER BY revision DESC) AS rank \
                         FROM snapshots WHERE aggregate_type = ?1 AND (?2 IS NULL OR stream_id = ?2)) \
                       WHERE rank > 1 AND (rank > ?3 OR created_at < ?4))",
                )?
                .execute(params![
                    aggregate_type,
                    stream_id,
                    keep_last.map_or(i64::MAX, i64::from),
                    created_before.unwrap_or(i64::MIN)
                ])?;
            Ok(n as u64)
        })
        .await
    }

    async fn stale(
        &self,
        aggregate_type: &str,
        created_before: i64,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SnapshotInfo>, SnapshotError> {
        let (aggregate_type, after) = (aggregate_type.to_string(), after.unwrap_or("").to_string());
        self.with(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {INFO_COLUMNS} FROM snapshots s WHERE aggregate_type = ?1 AND stream_id > ?2 \
                 AND revision = (SELECT max(revision) FROM snapshots t WHERE t.stream_id = s.stream_id) \
                 AND created_at < ?3 ORDER BY stream_id LIMIT ?4"
            ))?
            .query_map(params![aggregate_type, after, created_before, limit.max(1) as i64], info_row)?
            .collect()
        })
        .await
    }

    async fn get_policy(&self, aggregate_type: &str) -> Result<Option<SnapshotPolicy>, SnapshotError> {
        let aggregate_type = aggregate_type.to_string();
        let text: Option<String> = self
            .with(move |conn| {
                conn.prepare_cached("SELECT policy FROM snapshot_policies WHERE aggregate_type = ?1")?
                    .query_row([aggregate_type], |r| r.get(0))
                    .optional()
            })
            .await?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| SnapshotError::Internal(format!("stored policy: {e}"))))
            .transpose()
    }

    async fn put_policy(&self, aggregate_type: &str, policy: &SnapshotPolicy) -> Result<(), SnapshotError> {
        let text = serde_json::to_string(policy).map_err(|e| SnapshotError::Internal(e.to_string()))?;
        let aggregate_type = aggregate_type.to_string();
        self.with(move |conn| {
            conn.prepare_cached(
                "INSERT INTO snapshot_policies (aggregate_type, policy, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (aggregate_type) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
            )?
            .execute(params![aggregate_type, text, crate::core::model::now_micros()])?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::{path::PathBuf, sync::Arc};

    use async_trait::async_trait;

    use super::SqliteSnapshotStore;
    use crate::{
        conformance::snapshot_store::{SnapshotStoreFactory, snapshot_store_conformance},
        core::snapshot::SnapshotStore,
    };

    struct Factory {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl Factory {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("snapshots.db");
            Self { _dir: dir, path }
        }
    }

    #[async_trait]
    impl SnapshotStoreFactory for Factory {
        async fn open(&self) -> Arc<dyn SnapshotStore> {
            Arc::new(SqliteSnapshotStore::open(&self.path).expect("open"))
        }
    }

    snapshot_store_conformance!(Factory::new());
}
