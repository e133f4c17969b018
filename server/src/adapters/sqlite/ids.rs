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
//! Almost every id an append brings is new, so a Bloom filter over all
//! stored ids answers "certainly not stored" without touching the table; only
//! the rare maybe (about 1%) costs a lookup.
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
/// Ids held in memory before the writer starts merging: an eighth of the
/// ids already in the table (so that a slice of consecutive ids shares leaf
/// pages: about eight ids per page), within these bounds.
const MIN_IN_MEMORY: usize = 16_384;
const MAX_IN_MEMORY: usize = 2_000_000;
const WATERMARK_KEY: &str = "event_ids_indexed_upto";

/// What lives in memory: the ids not merged yet, and a filter over all ids.
struct Ids {
    recent: BTreeMap<Uuid, u64>,
    filter: Filters,
}

/// A scalable Bloom filter: when the newest layer is full, a layer twice
/// as large is added, so it never needs rebuilding (which would mean
/// scanning every stored id on the writer's path).
struct Filters {
    layers: Vec<Bloom>,
}

impl Filters {
    fn insert(&mut self, id: &Uuid) {
        let full = self.layers.last().is_none_or(|l| l.count >= l.capacity);
        if full {
            let capacity = self.layers.last().map_or(1 << 20, |l| l.capacity * 2);
            self.layers.push(Bloom::with_capacity(capacity));
        }
        if let Some(layer) = self.layers.last_mut() {
            layer.insert(id);
        }
    }

    fn may_contain(&self, id: &Uuid) -> bool {
        self.layers.iter().any(|l| l.may_contain(id))
    }
}

impl std::ops::Deref for Ids {
    type Target = BTreeMap<Uuid, u64>;
    fn deref(&self) -> &Self::Target {
        &self.recent
    }
}

impl std::ops::DerefMut for Ids {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.recent
    }
}

/// A blocked Bloom filter: all probes of one id fall in one 512-bit block
/// (one cache line), so a lookup costs one cache miss instead of seven.
/// Sized at 10 bits per id for about 1–2% false positives at capacity.
struct Bloom {
    blocks: Vec<[u64; 8]>,
    count: usize,
    capacity: usize,
}

impl Bloom {
    const PROBES: u64 = 7;

    fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1 << 16);
        let blocks = (capacity * 10).div_ceil(512).next_power_of_two();
        Self { blocks: vec![[0; 8]; blocks], count: 0, capacity }
    }

    /// Two independent hashes of the id: ids are not uniformly random in
    /// every bit (v7 starts with a clock, v4/v5 carry version bits), so mix.
    fn hashes(id: &Uuid) -> (u64, u64) {
        fn mix(mut z: u64) -> u64 {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        let (hi, lo) = id.as_u64_pair();
        let a = mix(hi ^ mix(lo));
        let b = mix(lo ^ 0x9e37_79b9_7f4a_7c15 ^ mix(hi)) | 1;
        (a, b)
    }

    /// The block and the bits of an id.
    fn probes(blocks: usize, id: &Uuid) -> (usize, impl Iterator<Item = (usize, u64)> + use<>) {
        let (a, b) = Self::hashes(id);
        let block = (a as usize) & (blocks - 1);
        let bits = (0..Self::PROBES).map(move |i| {
            let bit = (a >> 32).wrapping_add(i.wrapping_mul(b)) & 511;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        });
        (block, bits)
    }

    fn insert(&mut self, id: &Uuid) {
        let (block, bits) = Self::probes(self.blocks.len(), id);
        let block = &mut self.blocks[block];
        for (word, mask) in bits {
            block[word] |= mask;
        }
        self.count += 1;
    }

    fn may_contain(&self, id: &Uuid) -> bool {
        let (block, mut bits) = Self::probes(self.blocks.len(), id);
        let block = &self.blocks[block];
        bits.all(|(word, mask)| block[word] & mask != 0)
    }
}

/// Builds a filter over every id in `event_ids` and `recent`, with room for
/// as many again (at start only).
fn build_filter(conn: &Connection, recent: &BTreeMap<Uuid, u64>) -> Result<Filters, StoreError> {
    let merged: i64 = conn.query_row("SELECT COUNT(*) FROM event_ids", [], |r| r.get(0)).map_err(sqlite_error)?;
    let capacity = ((merged as usize + recent.len()) * 2).max(1 << 20);
    let mut filter = Filters { layers: vec![Bloom::with_capacity(capacity)] };
    let mut stmt = conn.prepare("SELECT event_id FROM event_ids").map_err(sqlite_error)?;
    let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).map_err(sqlite_error)?;
    for row in rows {
        let id = row.map_err(sqlite_error)?;
        let id = Uuid::from_slice(&id).map_err(|e| StoreError::Internal(format!("corrupt event id: {e}")))?;
        filter.insert(&id);
    }
    for id in recent.keys() {
        filter.insert(id);
    }
    Ok(filter)
}

pub(super) struct EventIds {
    recent: RwLock<Ids>,
    /// Where the next merge slice starts (the key space is swept round-robin
    /// so no id waits longer than one sweep).
    cursor: std::sync::Mutex<Option<Uuid>>,
    /// Ids in the `event_ids` table (approximately: re-merged ids count twice).
    merged: std::sync::atomic::AtomicUsize,
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
        let filter = build_filter(conn, &recent)?;
        let merged: i64 = conn.query_row("SELECT COUNT(*) FROM event_ids", [], |r| r.get(0)).map_err(sqlite_error)?;
        Ok(Self {
            recent: RwLock::new(Ids { recent, filter }),
            cursor: std::sync::Mutex::new(None),
            merged: std::sync::atomic::AtomicUsize::new(merged as usize),
        })
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, Ids>, StoreError> {
        self.recent.read().map_err(|_| StoreError::Internal("event id index lock poisoned".into()))
    }

    /// The position of the event stored with `id`, if any. `conn` sees the
    /// caller's snapshot. The lock is held across the query so that a
    /// concurrent merge cannot move the id out of memory before this query's
    /// snapshot includes the merge.
    pub(super) fn lookup(&self, conn: &Connection, id: Uuid) -> Result<Option<u64>, StoreError> {
        let recent = self.read()?;
        // The filter covers the ids in memory too: for a new id (nearly every
        // id) this one cache line is all the work.
        if !recent.filter.may_contain(&id) {
            return Ok(None);
        }
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
        for (id, position) in ids {
            recent.filter.insert(&id);
            recent.recent.insert(id, position);
        }
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
        let merged = self.merged.load(std::sync::atomic::Ordering::Relaxed);
        let threshold = (merged / 8).clamp(MIN_IN_MEMORY, MAX_IN_MEMORY);
        self.read().map(|r| r.len() > threshold).unwrap_or(false)
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
        // Everything below the oldest id still in memory is merged. The slice
        // is a contiguous key range of `recent`, so what stays is outside it.
        let oldest_remaining = {
            let recent = self.read()?;
            let (first, last) = (slice[0].0, slice[slice.len() - 1].0);
            recent.range(..first).chain(recent.range((Bound::Excluded(last), Bound::Unbounded))).map(|(_, p)| *p).min()
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
        self.merged.fetch_add(slice.len(), std::sync::atomic::Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalable_filter_grows_without_losing_ids() {
        let mut filters = Filters { layers: vec![Bloom::with_capacity(1 << 16)] };
        let ids: Vec<Uuid> = (0..200_000).map(|_| Uuid::new_v4()).collect();
        for id in &ids {
            filters.insert(id);
        }
        assert!(filters.layers.len() >= 2, "a full layer makes room for a new one");
        assert!(ids.iter().all(|id| filters.may_contain(id)));
        let false_positives = (0..100_000).filter(|_| filters.may_contain(&Uuid::new_v4())).count();
        assert!(false_positives < 5_000, "{false_positives} false positives in 100000");
    }

    #[test]
    fn bloom_filter_never_forgets_and_rarely_imagines() {
        let mut filter = Bloom::with_capacity(100_000);
        let stored: Vec<Uuid> = (0..100_000).map(|_| Uuid::new_v4()).collect();
        for id in &stored {
            filter.insert(id);
        }
        assert!(stored.iter().all(|id| filter.may_contain(id)), "no false negatives");
        let false_positives = (0..100_000).filter(|_| filter.may_contain(&Uuid::new_v4())).count();
        assert!(false_positives < 3_000, "about 1% false positives at capacity, got {false_positives} in 100000");
        // Time-ordered ids (v7) share their leading bits; they must spread too.
        let mut v7 = Bloom::with_capacity(100_000);
        let ordered: Vec<Uuid> = (0..50_000).map(|_| Uuid::now_v7()).collect();
        for id in &ordered {
            v7.insert(id);
        }
        assert!(ordered.iter().all(|id| v7.may_contain(id)));
        let false_positives = (0..50_000).filter(|_| v7.may_contain(&Uuid::now_v7())).count();
        assert!(false_positives < 1_500, "v7 ids: {false_positives} false positives in 50000");
    }
}
