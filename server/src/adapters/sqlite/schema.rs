//! Schema of the embedded event store.

/// Applied at every start; every statement is idempotent.
pub(super) const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS events (
    -- The global position: assigned by the single writer in commit order,
    -- starting at 1 with no gaps.
    position        INTEGER PRIMARY KEY,
    stream_id       TEXT    NOT NULL,
    revision        INTEGER NOT NULL,
    event_id        BLOB    NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    content_type    TEXT    NOT NULL,
    data            BLOB    NOT NULL,
    metadata        TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL,
    -- Id of the registered schema version the payload was checked against
    -- (NULL for ungoverned events). Added in store schema 2.
    schema_id       BLOB
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_stream ON events (stream_id, revision);

-- Event id -> position, for ids merged out of memory (see ids.rs). Ids of
-- recent events are held in memory and rebuilt from `events` at start.
CREATE TABLE IF NOT EXISTS event_ids (
    event_id  BLOB PRIMARY KEY,
    position  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS streams (
    stream_id        TEXT PRIMARY KEY,
    -- Revision of the stream's last event; NULL if it never had one.
    last_revision    INTEGER,
    -- Position of the stream's last event.
    last_position    INTEGER,
    -- 1 active, 2 soft-deleted, 3 tombstoned.
    state            INTEGER NOT NULL,
    max_count        INTEGER,
    max_age_us       INTEGER,
    truncate_before  INTEGER
) WITHOUT ROWID;

-- The audit trail (the stream `$audit`): written by the same writer in
-- the same group commits as `events`, but outside the global log, with its
-- own revisions (consecutive from 0). Added in store schema 3.
CREATE TABLE IF NOT EXISTS audit_records (
    revision      INTEGER PRIMARY KEY,
    event_id      BLOB    NOT NULL,
    event_type    TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    data          BLOB    NOT NULL,
    metadata      TEXT    NOT NULL,
    recorded_at   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS nexus_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO nexus_meta (key, value) VALUES ('event_store_schema', '3');
"#;

/// Brings a store written by an older version up to date.
pub(super) fn migrate(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let has_schema_id =
        conn.prepare("SELECT 1 FROM pragma_table_info('events') WHERE name = 'schema_id'")?.exists([])?;
    if !has_schema_id {
        conn.execute_batch(
            "ALTER TABLE events ADD COLUMN schema_id BLOB;
             UPDATE nexus_meta SET value = '2' WHERE key = 'event_store_schema';",
        )?;
    }
    // Schema 3 only added `audit_records`, created above.
    conn.execute("UPDATE nexus_meta SET value = '3' WHERE key = 'event_store_schema' AND value = '2'", [])?;
    Ok(())
}

/// Key of `nexus_meta` set when the `audit.db` of the old layout was
/// imported into `audit_records` (its value: how many records).
pub(super) const LEGACY_AUDIT_IMPORTED: &str = "legacy_audit_imported";

pub(super) const STATE_ACTIVE: i64 = 1;
pub(super) const STATE_DELETED: i64 = 2;
pub(super) const STATE_TOMBSTONED: i64 = 3;

/// Columns selected for a [`crate::core::model::RecordedEvent`], with the
/// events table aliased `e`.
pub(super) const EVENT_COLUMNS: &str = "e.position, e.stream_id, e.revision, e.event_id, e.event_type, \
     e.schema_version, e.content_type, e.data, e.metadata, e.recorded_at, e.schema_id";
