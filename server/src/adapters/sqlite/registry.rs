//! The embedded schema registry: one SQLite database (`registry.db` in the
//! data directory) in WAL mode with `synchronous=FULL`. Registry traffic is
//! light (registrations, and cache misses of the governance layer), so one
//! connection behind a mutex, used on blocking threads, is enough.

use std::{
    collections::BTreeMap,
    path::Path,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::core::{
    model::now_micros,
    schema::{
        Compatibility, DataFormat, RegistryError, SchemaRegistry, SchemaVersion, Subject, SubjectConfig, VersionStatus,
    },
};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS registry_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS subjects (
    name           TEXT PRIMARY KEY,
    format         TEXT NOT NULL,
    -- NULL: follow the registry default.
    compatibility  TEXT,
    -- SubjectConfig as JSON.
    config         TEXT NOT NULL,
    -- Highest version number ever assigned; never decreases.
    last_version   INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS schema_versions (
    subject     TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    id          BLOB    NOT NULL UNIQUE,
    definition  TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    -- 1 available, 2 soft-deleted.
    status      INTEGER NOT NULL,
    -- 1 once an event was accepted under this version.
    in_use      INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (subject, version)
) WITHOUT ROWID;
"#;

const STATUS_AVAILABLE: i64 = 1;
const STATUS_DELETED: i64 = 2;

const VERSION_COLUMNS: &str =
    "v.subject, v.version, v.id, v.definition, v.metadata, v.status, v.in_use, v.created_at, s.format";

/// The embedded [`SchemaRegistry`].
#[derive(Clone)]
pub struct SqliteSchemaRegistry {
    conn: Arc<Mutex<Connection>>,
    /// The default mode until one is set through the API.
    configured_default: Compatibility,
}

fn internal(e: impl std::fmt::Display) -> RegistryError {
    RegistryError::Internal(e.to_string())
}

fn db_error(e: rusqlite::Error) -> RegistryError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull | ErrorCode::SystemIoFailure,
        ) => RegistryError::Unavailable(e.to_string()),
        _ => RegistryError::Internal(e.to_string()),
    }
}

impl SqliteSchemaRegistry {
    /// Opens (creating if needed) the registry database at `path`.
    pub fn open(path: impl AsRef<Path>, configured_default: Compatibility) -> Result<Self, RegistryError> {
        let path = path.as_ref();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(internal)?;
        }
        let conn = Connection::open(path).map_err(db_error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;",
        )
        .map_err(db_error)?;
        conn.execute_batch(SCHEMA).map_err(db_error)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), configured_default })
    }

    /// Runs `f` with the connection on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, RegistryError> + Send + 'static,
    ) -> Result<T, RegistryError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(internal)?
    }
}

fn subject_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Subject, RegistryError>> {
    let format: String = row.get(1)?;
    let compatibility: Option<String> = row.get(2)?;
    let config: String = row.get(3)?;
    let parsed = (|| {
        Ok(Subject {
            name: row.get(0).map_err(internal)?,
            format: format.parse::<DataFormat>().map_err(internal)?,
            compatibility: compatibility.map(|c| c.parse::<Compatibility>()).transpose().map_err(internal)?,
            config: serde_json::from_str::<SubjectConfig>(&config).map_err(internal)?,
            last_version: row.get(4).map_err(internal)?,
            created_at_micros: row.get(5).map_err(internal)?,
        })
    })();
    Ok(parsed)
}

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<Result<SchemaVersion, RegistryError>> {
    let id: Vec<u8> = row.get(2)?;
    let metadata: String = row.get(4)?;
    let status: i64 = row.get(5)?;
    let format: String = row.get(8)?;
    let parsed = (|| {
        Ok(SchemaVersion {
            id: Uuid::from_slice(&id).map_err(internal)?,
            subject: row.get(0).map_err(internal)?,
            version: row.get(1).map_err(internal)?,
            format: format.parse::<DataFormat>().map_err(internal)?,
            definition: row.get(3).map_err(internal)?,
            metadata: serde_json::from_str::<BTreeMap<String, String>>(&metadata).map_err(internal)?,
            status: if status == STATUS_DELETED { VersionStatus::Deleted } else { VersionStatus::Available },
            in_use: row.get::<_, i64>(6).map_err(internal)? != 0,
            created_at_micros: row.get(7).map_err(internal)?,
        })
    })();
    Ok(parsed)
}

fn read_subject(conn: &Connection, name: &str) -> Result<Option<Subject>, RegistryError> {
    conn.prepare_cached(
        "SELECT name, format, compatibility, config, last_version, created_at FROM subjects WHERE name = ?1",
    )
    .and_then(|mut s| s.query_row([name], subject_from_row).optional())
    .map_err(db_error)?
    .transpose()
}

fn read_version(conn: &Connection, subject: &str, version: u32) -> Result<Option<SchemaVersion>, RegistryError> {
    conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM schema_versions v JOIN subjects s ON s.name = v.subject \
         WHERE v.subject = ?1 AND v.version = ?2"
    ))
    .and_then(|mut s| s.query_row(params![subject, version], version_from_row).optional())
    .map_err(db_error)?
    .transpose()
}

fn config_json(config: &SubjectConfig) -> Result<String, RegistryError> {
    serde_json::to_string(config).map_err(internal)
}

#[async_trait]
impl SchemaRegistry for SqliteSchemaRegistry {
    async fn default_compatibility(&self) -> Result<Compatibility, RegistryError> {
        let configured = self.configured_default;
        self.with(move |conn| {
            let stored: Option<String> = conn
                .query_row("SELECT value FROM registry_settings WHERE key = 'default_compatibility'", [], |r| r.get(0))
                .optional()
                .map_err(db_error)?;
            stored.map_or(Ok(configured), |s| s.parse().map_err(internal))
        })
        .await
    }

    async fn set_default_compatibility(&self, mode: Compatibility) -> Result<(), RegistryError> {
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO registry_settings (key, value) VALUES ('default_compatibility', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [mode.as_str()],
            )
            .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn get_subject(&self, name: &str) -> Result<Option<Subject>, RegistryError> {
        let name = name.to_string();
        self.with(move |conn| read_subject(conn, &name)).await
    }

    async fn list_subjects(&self, after: Option<&str>, limit: usize) -> Result<Vec<Subject>, RegistryError> {
        let after = after.unwrap_or_default().to_string();
        self.with(move |conn| {
            let mut statement = conn
                .prepare_cached(
                    "SELECT name, format, compatibility, config, last_version, created_at FROM subjects \
                     WHERE name > ?1 ORDER BY name LIMIT ?2",
                )
                .map_err(db_error)?;
            let rows = statement.query_map(params![after, limit as i64], subject_from_row).map_err(db_error)?;
            rows.map(|r| r.map_err(db_error).and_then(|s| s)).collect()
        })
        .await
    }

    async fn create_subject(&self, subject: Subject) -> Result<Subject, RegistryError> {
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO subjects (name, format, compatibility, config, last_version, created_at) \
                 VALUES (?1, ?2, ?3, ?4, 0, ?5) ON CONFLICT (name) DO NOTHING",
                params![
                    subject.name,
                    subject.format.as_str(),
                    subject.compatibility.map(Compatibility::as_str),
                    config_json(&subject.config)?,
                    subject.created_at_micros
                ],
            )
            .map_err(db_error)?;
            read_subject(conn, &subject.name)?.ok_or_else(|| RegistryError::SubjectNotFound(subject.name.clone()))
        })
        .await
    }

    async fn update_subject(
        &self,
        name: &str,
        compatibility: Option<Compatibility>,
        config: SubjectConfig,
    ) -> Result<Subject, RegistryError> {
        let name = name.to_string();
        self.with(move |conn| {
            let changed = conn
                .execute(
                    "UPDATE subjects SET compatibility = ?2, config = ?3 WHERE name = ?1",
                    params![name, compatibility.map(Compatibility::as_str), config_json(&config)?],
                )
                .map_err(db_error)?;
            if changed == 0 {
                return Err(RegistryError::SubjectNotFound(name));
            }
            read_subject(conn, &name)?.ok_or(RegistryError::SubjectNotFound(name))
        })
        .await
    }

    async fn add_version(
        &self,
        subject: &str,
        expected_last_version: u32,
        definition: &str,
        metadata: BTreeMap<String, String>,
    ) -> Result<SchemaVersion, RegistryError> {
        let subject = subject.to_string();
        let definition = definition.to_string();
        self.with(move |conn| {
            let tx = conn.transaction().map_err(db_error)?;
            let next = expected_last_version + 1;
            let moved = tx
                .execute(
                    "UPDATE subjects SET last_version = ?2 WHERE name = ?1 AND last_version = ?3",
                    params![subject, next, expected_last_version],
                )
                .map_err(db_error)?;
            if moved == 0 {
                return Err(match read_subject(&tx, &subject)? {
                    None => RegistryError::SubjectNotFound(subject),
                    Some(_) => RegistryError::Conflict(subject),
                });
            }
            tx.execute(
                "INSERT INTO schema_versions (subject, version, id, definition, metadata, status, in_use, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7)",
                params![
                    subject,
                    next,
                    Uuid::new_v4().as_bytes().as_slice(),
                    definition,
                    serde_json::to_string(&metadata).map_err(internal)?,
                    STATUS_AVAILABLE,
                    now_micros()
                ],
            )
            .map_err(db_error)?;
            let version = read_version(&tx, &subject, next)?
                .ok_or_else(|| RegistryError::VersionNotFound { subject: subject.clone(), version: next })?;
            tx.commit().map_err(db_error)?;
            Ok(version)
        })
        .await
    }

    async fn get_version(&self, subject: &str, version: u32) -> Result<Option<SchemaVersion>, RegistryError> {
        let subject = subject.to_string();
        self.with(move |conn| read_version(conn, &subject, version)).await
    }

    async fn get_version_by_id(&self, id: Uuid) -> Result<Option<SchemaVersion>, RegistryError> {
        self.with(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM schema_versions v JOIN subjects s ON s.name = v.subject WHERE v.id = ?1"
            ))
            .and_then(|mut s| s.query_row([id.as_bytes().as_slice()], version_from_row).optional())
            .map_err(db_error)?
            .transpose()
        })
        .await
    }

    async fn list_versions(
        &self,
        subject: &str,
        after: Option<u32>,
        limit: usize,
        include_deleted: bool,
    ) -> Result<Vec<SchemaVersion>, RegistryError> {
        let subject = subject.to_string();
        self.with(move |conn| {
            if read_subject(conn, &subject)?.is_none() {
                return Err(RegistryError::SubjectNotFound(subject));
            }
            let mut statement = conn
                .prepare_cached(&format!(
                    "SELECT {VERSION_COLUMNS} FROM schema_versions v JOIN subjects s ON s.name = v.subject \
                     WHERE v.subject = ?1 AND v.version > ?2 AND (?3 OR v.status = {STATUS_AVAILABLE}) \
                     ORDER BY v.version LIMIT ?4"
                ))
                .map_err(db_error)?;
            let rows = statement
                .query_map(params![subject, after.unwrap_or(0), include_deleted, limit as i64], version_from_row)
                .map_err(db_error)?;
            rows.map(|r| r.map_err(db_error).and_then(|v| v)).collect()
        })
        .await
    }

    async fn mark_in_use(&self, subject: &str, version: u32) -> Result<bool, RegistryError> {
        let subject = subject.to_string();
        self.with(move |conn| {
            let changed = conn
                .execute(
                    &format!(
                        "UPDATE schema_versions SET in_use = 1 \
                         WHERE subject = ?1 AND version = ?2 AND status = {STATUS_AVAILABLE}"
                    ),
                    params![subject, version],
                )
                .map_err(db_error)?;
            Ok(changed == 1)
        })
        .await
    }

    async fn soft_delete_version(&self, subject: &str, version: u32) -> Result<SchemaVersion, RegistryError> {
        let subject = subject.to_string();
        self.with(move |conn| {
            conn.execute(
                &format!("UPDATE schema_versions SET status = {STATUS_DELETED} WHERE subject = ?1 AND version = ?2"),
                params![subject, version],
            )
            .map_err(db_error)?;
            read_version(conn, &subject, version)?.ok_or(RegistryError::VersionNotFound { subject, version })
        })
        .await
    }

    async fn hard_delete_version(&self, subject: &str, version: u32) -> Result<(), RegistryError> {
        let subject = subject.to_string();
        self.with(move |conn| {
            let deleted = conn
                .execute(
                    "DELETE FROM schema_versions WHERE subject = ?1 AND version = ?2 AND in_use = 0",
                    params![subject, version],
                )
                .map_err(db_error)?;
            if deleted == 1 {
                return Ok(());
            }
            match read_version(conn, &subject, version)? {
                None => Err(RegistryError::VersionNotFound { subject, version }),
                Some(_) => Err(RegistryError::InUse { subject, version }),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::conformance::registry::{RegistryFactory, registry_conformance};

    struct Factory {
        _dir: tempfile::TempDir,
        path: PathBuf,
    }

    impl Factory {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("registry.db");
            Self { _dir: dir, path }
        }
    }

    #[async_trait]
    impl RegistryFactory for Factory {
        async fn open(&self, configured_default: Compatibility) -> Arc<dyn SchemaRegistry> {
            Arc::new(SqliteSchemaRegistry::open(&self.path, configured_default).expect("open"))
        }
    }

    registry_conformance!(Factory::new());
}
