//! The event-id index, kept off the append path.
//!
//! Every append must know whether its event ids were stored before
//! (idempotency), so ids need an index. Event ids are client-chosen and
//! usually random (UUIDv4): a B-tree index on them dirties one random page
//! per event, and every dirty page is a 4 KiB write to the WAL at commit and
//! again at checkpoint. Profiling showed that to be most of the writer's
//! cost. So ids of recent events live in memory (`recent`), and the writer
//! folds them into the `event_ids` table in key order, a slice at a time
//! between batches: sorted inserts touch each leaf page once per slice
//! instead of once per event.
//!
//! Crash safety: each event row carries its id, in the same transaction as
//! the event. `event_ids_indexed_upto` in `nexus_meta` says up to which
//! position every id is in `event_ids`; at start the ids after it are read
//! back into `recent`. Merging is idempotent (`INSERT OR IGNORE`).

use std::{
    collections::BTreeMap,
    ops::Bound,
    sync::{RwLock, RwLockReadGuard},
};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::sqlite_error;
use crate::core::ports::StoreError;

/// Ids merged into `event_ids` per step.
const MERGE_SLICE: usize = 4096;
/// Ids held in memory before the writer starts merging.
const MERGE_THRESHOLD: usize = 16_384;
const WATERMARK_KEY: &str = "event_ids_indexed_upto";

pub(super) struct EventIds {
    recent: RwLock<BTreeMap<Uuid, u64>>,
    /// Where the next merge slice starts (the key space is swept round-robin
    /// so no id waits longer than one sweep).
    cursor: std::sync::Mutex<Option<Uuid>>,
}

impl EventIds {
    /// Loads the ids of events not yet merged into `event_ids`.
    pub(super) fn load(conn: &Connection) -> Result<Self, StoreError> {
        let upto = watermark(conn)?;
        let mut recent = BTreeMap::new();
        let mut stmt =
            conn.prepare("SELECT event_id, position FROM events WHERE position > ?1").map_err(sqlite_error)?;
        let rows = stmt
            .query_map([upto as i64], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sqlite_error)?;
        for row in rows {
            let (id, position) = row.map_err(sqlite_error)?;
            let id = Uuid::from_slice(&id).map_err(|e| StoreError::Internal(format!("corrupt event id: {e}")))?;
            recent.insert(id, position as u64);
        }
        Ok(Self { recent: RwLock::new(recent), cursor: std::sync::Mutex::new(None) })
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, BTreeMap<Uuid, u64>>, StoreError> {
        self.recent.read().map_err(|_| StoreError::Internal("event id index lock poisoned".into()))
    }

    /// The position of the event stored with `id`, if any. `conn` sees the
    /// caller's snapshot. The lock is held across the query so that a
    /// concurrent merge cannot move the id out of memory before this query's
    /// snapshot includes the merge.
    pub(super) fn lookup(&self, conn: &Connection, id: Uuid) -> Result<Option<u64>, StoreError> {
        let recent = self.read()?;
        if let Some(position) = recent.get(&id) {
            return Ok(Some(*position));
        }
        let position = conn
            .prepare_cached("SELECT position FROM event_ids WHERE event_id = ?1")
            .and_then(|mut s| s.query_row([id.as_bytes().as_slice()], |r| r.get::<_, i64>(0)).optional())
            .map_err(sqlite_error)?;
        drop(recent);
        Ok(position.map(|p| p as u64))
    }

    /// Records ids written by the writer's open transaction.
    pub(super) fn insert(&self, ids: impl IntoIterator<Item = (Uuid, u64)>) -> Result<(), StoreError> {
        let mut recent =
            self.recent.write().map_err(|_| StoreError::Internal("event id index lock poisoned".into()))?;
        recent.extend(ids);
        Ok(())
    }

    /// Forgets ids whose transaction was rolled back.
    pub(super) fn forget(&self, ids: &[Uuid]) -> Result<(), StoreError> {
        let mut recent =
            self.recent.write().map_err(|_| StoreError::Internal("event id index lock poisoned".into()))?;
        for id in ids {
            recent.remove(id);
        }
        Ok(())
    }

    /// Whether the writer should merge a slice now.
    pub(super) fn wants_merge(&self) -> bool {
        self.read().map(|r| r.len() > MERGE_THRESHOLD).unwrap_or(false)
    }

    /// Merges the next slice of ids (in key order) into `event_ids`, in its
    /// own transaction on the writer's connection. Returns how many.
    pub(super) fn merge_slice(&self, conn: &Connection) -> Result<usize, StoreError> {
        let mut cursor = self.cursor.lock().map_err(|_| StoreError::Internal("cursor lock poisoned".into()))?;
        let slice: Vec<(Uuid, u64)> = {
            let recent = self.read()?;
            let start = cursor.map_or(Bound::Unbounded, Bound::Excluded);
            let mut slice: Vec<_> =
                recent.range((start, Bound::Unbounded)).take(MERGE_SLICE).map(|(k, v)| (*k, *v)).collect();
            if slice.is_empty() {
                // End of the key space: wrap around.
                slice = recent.iter().take(MERGE_SLICE).map(|(k, v)| (*k, *v)).collect();
            }
            slice
        };
        if slice.is_empty() {
            return Ok(0);
        }
        let tx = conn.unchecked_transaction().map_err(sqlite_error)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT OR IGNORE INTO event_ids (event_id, position) VALUES (?1, ?2)")
                .map_err(sqlite_error)?;
            for (id, position) in &slice {
                insert.execute(params![id.as_bytes().as_slice(), *position as i64]).map_err(sqlite_error)?;
            }
        }
        // Everything below the oldest id still in memory is merged.
        let oldest_remaining = {
            let recent = self.read()?;
            let merged: std::collections::HashSet<Uuid> = slice.iter().map(|(k, _)| *k).collect();
            recent.iter().filter(|(k, _)| !merged.contains(*k)).map(|(_, p)| *p).min()
        };
        let highest_merged = slice.iter().map(|(_, p)| *p).max().unwrap_or(0);
        let upto = oldest_remaining.map_or(highest_merged, |p| p.saturating_sub(1));
        tx.execute(
            "INSERT INTO nexus_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![WATERMARK_KEY, upto.to_string()],
        )
        .map_err(sqlite_error)?;
        tx.commit().map_err(sqlite_error)?;
        // Only now, with the merge committed, may lookups stop finding the
        // ids in memory.
        let mut recent =
            self.recent.write().map_err(|_| StoreError::Internal("event id index lock poisoned".into()))?;
        for (id, _) in &slice {
            recent.remove(id);
        }
        *cursor = slice.last().map(|(k, _)| *k);
        Ok(slice.len())
    }
}

fn watermark(conn: &Connection) -> Result<u64, StoreError> {
    let value: Option<String> = conn
        .query_row("SELECT value FROM nexus_meta WHERE key = ?1", [WATERMARK_KEY], |r| r.get(0))
        .optional()
        .map_err(sqlite_error)?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}
