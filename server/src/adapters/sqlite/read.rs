//! Reads: stream pages, global-log pages, single events and stream rows.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};
use uuid::Uuid;

use super::{
    ids::EventIds,
    position,
    schema::{EVENT_COLUMNS, STATE_ACTIVE, STATE_DELETED, STATE_TOMBSTONED},
    sqlite_error,
};
use crate::core::{
    audit::AUDIT_STREAM,
    model::{
        AllFrom, AllSlice, Direction, EventMetadata, Position, ReadAllQuery, ReadStreamQuery, RecordedEvent,
        StreamInfo, StreamMetadata, StreamSlice, StreamState,
    },
    ports::StoreError,
};

/// How many positions one `read_all` page may scan, at least. Bounds the
/// cost of a page when a filter rejects most events.
const MIN_SCAN_WINDOW: u64 = 8192;

/// A row of the streams table.
#[derive(Debug, Clone)]
pub(super) struct StreamRow {
    pub last_revision: Option<u64>,
    pub last_position: Option<u64>,
    pub state: i64,
    pub metadata: StreamMetadata,
}

pub(super) fn stream_row(conn: &Connection, stream_id: &str) -> Result<Option<StreamRow>, StoreError> {
    conn.prepare_cached(
        "SELECT last_revision, state, max_count, max_age_us, truncate_before, last_position FROM streams \
         WHERE stream_id = ?1",
    )
    .and_then(|mut s| {
        s.query_row([stream_id], |r| {
            Ok(StreamRow {
                last_revision: r.get::<_, Option<i64>>(0)?.map(|v| v as u64),
                last_position: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                state: r.get(1)?,
                metadata: StreamMetadata {
                    max_count: r.get::<_, Option<i64>>(2)?.map(|v| v as u64),
                    max_age: r.get::<_, Option<i64>>(3)?.map(|v| Duration::from_micros(v as u64)),
                    truncate_before: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
                },
            })
        })
        .optional()
    })
    .map_err(sqlite_error)
}

/// The stream's row as readers may see it: when its last events are not
/// durable yet (beyond `visible`), the last revision is the last durable one.
fn visible_stream_row(conn: &Connection, stream_id: &str, visible: u64) -> Result<Option<StreamRow>, StoreError> {
    let Some(mut row) = stream_row(conn, stream_id)? else { return Ok(None) };
    if row.last_position.is_some_and(|p| p > visible) {
        row.last_revision = conn
            .prepare_cached("SELECT MAX(revision) FROM events WHERE stream_id = ?1 AND position <= ?2")
            .and_then(|mut s| s.query_row(params![stream_id, visible as i64], |r| r.get::<_, Option<i64>>(0)))
            .map_err(sqlite_error)?
            .map(|v| v as u64);
    }
    Ok(Some(row))
}

pub(super) fn stream_info(conn: &mut Connection, stream_id: &str, visible: u64) -> Result<StreamInfo, StoreError> {
    let row = visible_stream_row(conn, stream_id, visible)?;
    Ok(match row {
        None => StreamInfo {
            stream_id: stream_id.into(),
            state: StreamState::Absent,
            last_revision: None,
            metadata: StreamMetadata::default(),
        },
        Some(row) => StreamInfo {
            stream_id: stream_id.into(),
            state: match row.state {
                STATE_DELETED => StreamState::Deleted,
                STATE_TOMBSTONED => StreamState::Tombstoned,
                _ if row.last_revision.is_none() => StreamState::Absent,
                _ => StreamState::Active,
            },
            last_revision: row.last_revision,
            metadata: row.metadata,
        },
    })
}

pub(super) fn read_stream(
    conn: &mut Connection,
    query: &ReadStreamQuery,
    visible: u64,
) -> Result<StreamSlice, StoreError> {
    let tx = conn.transaction().map_err(sqlite_error)?;
    let row = visible_stream_row(&tx, &query.stream_id, visible)?;
    let (last, metadata) = match row {
        Some(row) if row.state == STATE_TOMBSTONED => {
            return Err(StoreError::StreamTombstoned(query.stream_id.clone()));
        }
        Some(StreamRow { state: STATE_ACTIVE, last_revision: Some(last), metadata, .. }) => (last, metadata),
        _ => return Err(StoreError::StreamNotFound(query.stream_id.clone())),
    };
    let first_visible = metadata.first_visible_revision(last);
    let min_recorded_at = min_recorded_at(&metadata);
    let limit = query.limit.max(1);
    let mut events = Vec::with_capacity(limit.min(1024));
    match query.direction {
        Direction::Forwards => {
            let from = query.from_revision.unwrap_or(0).max(first_visible);
            if from > last {
                return Ok(StreamSlice { events, next_revision: None, current_revision: last });
            }
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e WHERE e.stream_id = ?1 AND e.revision >= ?2 \
                     AND e.revision <= ?3 AND e.recorded_at >= ?4 ORDER BY e.revision ASC LIMIT ?5"
                ))
                .map_err(sqlite_error)?;
            let rows = stmt
                .query_map(
                    params![query.stream_id, from as i64, last as i64, min_recorded_at, (limit + 1) as i64],
                    to_event,
                )
                .map_err(sqlite_error)?;
            for row in rows {
                events.push(row.map_err(sqlite_error)??);
            }
        }
        Direction::Backwards => {
            let from = query.from_revision.unwrap_or(last).min(last);
            if from < first_visible {
                return Ok(StreamSlice { events, next_revision: None, current_revision: last });
            }
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLUMNS} FROM events e WHERE e.stream_id = ?1 AND e.revision <= ?2 \
                     AND e.revision >= ?3 AND e.recorded_at >= ?4 ORDER BY e.revision DESC LIMIT ?5"
                ))
                .map_err(sqlite_error)?;
            let rows = stmt
                .query_map(
                    params![query.stream_id, from as i64, first_visible as i64, min_recorded_at, (limit + 1) as i64],
                    to_event,
                )
                .map_err(sqlite_error)?;
            for row in rows {
                events.push(row.map_err(sqlite_error)??);
            }
        }
    }
    // One more row than asked was read to learn where the next page starts.
    let next_revision = (events.len() > limit).then(|| events.pop().map(|e| e.revision)).flatten();
    Ok(StreamSlice { events, next_revision, current_revision: last })
}

pub(super) fn read_all(conn: &mut Connection, query: &ReadAllQuery, visible: u64) -> Result<AllSlice, StoreError> {
    let tx = conn.transaction().map_err(sqlite_error)?;
    let head: u64 = tx
        .query_row("SELECT COALESCE(MAX(position), 0) FROM events", [], |r| r.get::<_, i64>(0))
        .map_err(sqlite_error)? as u64;
    // Events committed but not yet durable are not shown.
    let head = head.min(visible);
    let limit = query.limit.max(1);
    let window = MIN_SCAN_WINDOW.max(limit as u64 * 16);
    let forwards = query.direction == Direction::Forwards;
    // Exclusive bound we continue from.
    let from = match (&query.from, forwards) {
        (AllFrom::Start, true) => 0,
        (AllFrom::Start, false) => return Ok(AllSlice { events: vec![], next: None, end_of_log: true }),
        (AllFrom::End, true) => {
            return Ok(AllSlice { events: vec![], next: Some(position::encode(head)), end_of_log: true });
        }
        (AllFrom::End, false) => head + 1,
        (AllFrom::After(p), _) => position::decode(p)?,
    };
    if forwards && from >= head {
        // Nothing after this position (yet); keep the caller where it is.
        let next = (from > 0).then(|| position::encode(from));
        return Ok(AllSlice { events: vec![], next, end_of_log: true });
    }
    let from = if forwards { from } else { from.min(head + 1) };
    let (low, high) = if forwards {
        (from + 1, from.saturating_add(window))
    } else {
        (from.saturating_sub(window).max(1), from.saturating_sub(1))
    };

    let mut sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events e JOIN streams s ON s.stream_id = e.stream_id \
         WHERE e.position BETWEEN ?1 AND ?2 AND s.state != {STATE_TOMBSTONED} \
         AND e.revision >= COALESCE(s.truncate_before, 0) \
         AND (s.max_count IS NULL OR e.revision + s.max_count > s.last_revision) \
         AND (s.max_age_us IS NULL OR e.recorded_at >= ?3 - s.max_age_us)"
    );
    let mut args: Vec<Box<dyn ToSql>> =
        vec![Box::new(low as i64), Box::new(high.min(head) as i64), Box::new(now_micros())];
    push_prefix_filter(&mut sql, &mut args, "e.event_type", &query.filter.event_type_prefixes);
    push_prefix_filter(&mut sql, &mut args, "e.stream_id", &query.filter.stream_prefixes);
    sql.push_str(if forwards { " ORDER BY e.position ASC" } else { " ORDER BY e.position DESC" });
    sql.push_str(&format!(" LIMIT {limit}"));

    let mut stmt = tx.prepare_cached(&sql).map_err(sqlite_error)?;
    let rows =
        stmt.query_map(rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())), to_event).map_err(sqlite_error)?;
    let mut events = Vec::with_capacity(limit.min(1024));
    for row in rows {
        events.push(row.map_err(sqlite_error)??);
    }
    let full_page = events.len() == limit;
    let (next, end_of_log) = match (full_page, forwards) {
        (true, _) => (events.last().and_then(|e| e.position.global), false),
        (false, true) => (Some(high.min(head).max(from)), high >= head),
        (false, false) => (Some(low), low <= 1),
    };
    let next = match next {
        // An empty log has no position to resume from.
        Some(0) if head == 0 => None,
        Some(n) => Some(position::encode(n)),
        None => None,
    };
    Ok(AllSlice { events, next, end_of_log })
}

fn push_prefix_filter(sql: &mut String, args: &mut Vec<Box<dyn ToSql>>, column: &str, prefixes: &[String]) {
    if prefixes.is_empty() {
        return;
    }
    let alternatives: Vec<String> = prefixes
        .iter()
        .map(|prefix| {
            args.push(Box::new(prefix.clone()));
            let n = args.len();
            format!("substr({column}, 1, length(?{n})) = ?{n}")
        })
        .collect();
    sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
}

pub(super) fn find_event(
    conn: &Connection,
    ids: &EventIds,
    event_id: Uuid,
    visible: u64,
) -> Result<Option<RecordedEvent>, StoreError> {
    let Some(position) = ids.lookup(conn, event_id)? else { return Ok(None) };
    if position > visible {
        return Ok(None);
    }
    event_at(conn, position)
}

/// The event at a global position.
pub(super) fn event_at(conn: &Connection, position: u64) -> Result<Option<RecordedEvent>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {EVENT_COLUMNS} FROM events e WHERE e.position = ?1"))
        .map_err(sqlite_error)?;
    match stmt.query_row([position as i64], to_event).optional().map_err(sqlite_error)? {
        Some(event) => event.map(Some),
        None => Ok(None),
    }
}

fn min_recorded_at(metadata: &StreamMetadata) -> i64 {
    metadata.max_age.map_or(i64::MIN, |age| now_micros().saturating_sub(age.as_micros().min(i64::MAX as u128) as i64))
}

fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// Maps a row selected with [`EVENT_COLUMNS`]. The outer result is SQLite's,
/// the inner one reports undecodable stored data.
fn to_event(row: &Row<'_>) -> rusqlite::Result<Result<RecordedEvent, StoreError>> {
    let global = row.get::<_, i64>(0)? as u64;
    let id_bytes: Vec<u8> = row.get(3)?;
    let metadata_json: String = row.get(8)?;
    let event_id = match Uuid::from_slice(&id_bytes) {
        Ok(id) => id,
        Err(e) => return Ok(Err(StoreError::Internal(format!("corrupt event id at position {global}: {e}")))),
    };
    let metadata: EventMetadata = match serde_json::from_str(&metadata_json) {
        Ok(m) => m,
        Err(e) => return Ok(Err(StoreError::Internal(format!("corrupt metadata at position {global}: {e}")))),
    };
    Ok(Ok(RecordedEvent {
        event_id,
        stream_id: row.get(1)?,
        revision: row.get::<_, i64>(2)? as u64,
        position: position::encode(global),
        event_type: row.get(4)?,
        schema_version: row.get(5)?,
        content_type: row.get(6)?,
        data: row.get::<_, Vec<u8>>(7)?.into(),
        metadata,
        recorded_at_micros: row.get(9)?,
        schema_id: row.get::<_, Option<Vec<u8>>>(10)?.and_then(|b| Uuid::from_slice(&b).ok()),
        stored_schema_version: None,
    }))
}

/// One page of the audit trail (`audit_records`). `visible_end` is the
/// revision after the last durable record (the count of durable records).
pub(super) fn read_audit(
    conn: &mut Connection,
    direction: Direction,
    from_revision: Option<u64>,
    limit: usize,
    visible_end: u64,
) -> Result<StreamSlice, StoreError> {
    let Some(last) = visible_end.checked_sub(1) else {
        return Err(StoreError::StreamNotFound(AUDIT_STREAM.to_string()));
    };
    let limit = limit.max(1);
    let (sql, from) = match direction {
        Direction::Forwards => {
            let from = from_revision.unwrap_or(0);
            if from > last {
                return Ok(StreamSlice { events: Vec::new(), next_revision: None, current_revision: last });
            }
            (
                "SELECT revision, event_id, event_type, content_type, data, metadata, recorded_at FROM audit_records \
                 WHERE revision >= ?1 AND revision <= ?2 ORDER BY revision ASC LIMIT ?3",
                from,
            )
        }
        Direction::Backwards => (
            "SELECT revision, event_id, event_type, content_type, data, metadata, recorded_at FROM audit_records \
             WHERE revision <= ?1 AND revision <= ?2 ORDER BY revision DESC LIMIT ?3",
            from_revision.unwrap_or(last).min(last),
        ),
    };
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    let rows =
        stmt.query_map(params![from as i64, last as i64, (limit + 1) as i64], to_audit_event).map_err(sqlite_error)?;
    let mut events = Vec::with_capacity(limit.min(1024));
    for row in rows {
        events.push(row.map_err(sqlite_error)??);
    }
    // One more row than asked was read to learn where the next page starts.
    let next_revision = (events.len() > limit).then(|| events.pop().map(|e| e.revision)).flatten();
    Ok(StreamSlice { events, next_revision, current_revision: last })
}

/// Maps a row of `audit_records` to an event of [`AUDIT_STREAM`], which has
/// no position in the global log.
fn to_audit_event(row: &Row<'_>) -> rusqlite::Result<Result<RecordedEvent, StoreError>> {
    let revision = row.get::<_, i64>(0)? as u64;
    let id_bytes: Vec<u8> = row.get(1)?;
    let metadata_json: String = row.get(5)?;
    let event_id = match Uuid::from_slice(&id_bytes) {
        Ok(id) => id,
        Err(e) => return Ok(Err(StoreError::Internal(format!("corrupt audit record id at revision {revision}: {e}")))),
    };
    let metadata: EventMetadata = match serde_json::from_str(&metadata_json) {
        Ok(m) => m,
        Err(e) => return Ok(Err(StoreError::Internal(format!("corrupt audit metadata at revision {revision}: {e}")))),
    };
    Ok(Ok(RecordedEvent {
        event_id,
        stream_id: AUDIT_STREAM.to_string(),
        revision,
        position: Position { token: String::new(), global: None },
        event_type: row.get(2)?,
        schema_version: 0,
        content_type: row.get(3)?,
        data: row.get::<_, Vec<u8>>(4)?.into(),
        metadata,
        recorded_at_micros: row.get(6)?,
        schema_id: None,
        stored_schema_version: None,
    }))
}
