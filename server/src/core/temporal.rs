//! Temporal queries over the event log and the read side: the revision of a
//! stream current at a time, the events of a stream in a window of time, and
//! a projection's document as of a position of the log.
//!
//! This module is query side (policies/governance/data.json): it reads
//! through the event store, the read store and the projection engine only.
//! The state of an aggregate as of a revision folds through the aggregate's
//! handler, which is the command side's model, so `api::temporal` composes it
//! from [`revision_at`] and the command bus's aggregate loader.
//!
//! Times are the events' `recorded_at`: commit times from the server clock,
//! which grow with the revisions of a stream unless the clock is set back.
//! The searches below rely on that order; after a clock step back they still
//! answer with a revision whose event was recorded at or before the time and
//! whose next event was recorded after it.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::{
    error::NexusError,
    model::{AllFrom, Direction, EventFilter, Position, ReadAllQuery, ReadStreamQuery, RecordedEvent},
    ports::{EventStore, StoreError},
    projection::{
        CompiledProjection, Folded,
        engine::{EngineError, ProjectionEngine},
        event_input,
    },
    read_store::{Document, IndexId, ReadStore, ReadStoreError},
    schema::governance::Governance,
};

/// Changes (of the change log) or events (of a replay) read per page.
const PAGE: usize = 1024;
/// How long a document query waits for the projection to reach the position
/// before it replays instead.
const CATCH_UP_WAIT: Duration = Duration::from_secs(1);

/// Errors of temporal queries.
#[derive(Debug, thiserror::Error)]
pub enum TemporalError {
    /// A revision the stream does not show (past its end, or hidden).
    #[error(
        "revision {revision} of stream {stream_id} is out of range: the stream shows {}",
        match visible { Some((first, last)) => format!("revisions {first} to {last}"), None => "no events".into() }
    )]
    RevisionOutOfRange { stream_id: String, revision: u64, visible: Option<(u64, u64)> },
    /// A position after the last event of the log.
    #[error("position {position} is after the end of the log ({})", head.map_or("empty".into(), |h| format!("last position {h}")))]
    PositionOutOfRange { position: u64, head: Option<u64> },
    /// A document the change log no longer knows, whose replay would fold
    /// more events than allowed.
    #[error(
        "the change log of projection {projection} no longer reaches back to position {position}, and a replay \
         would fold more than {limit} events (temporal.max_replay_events)"
    )]
    ReplayTooLong { projection: String, position: u64, limit: u64 },
    /// A page token this query did not issue.
    #[error("page token {0:?} does not belong to this request")]
    InvalidPageToken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    ReadStore(#[from] ReadStoreError),
    #[error(transparent)]
    Nexus(#[from] NexusError),
}

// ---- revisions by time -------------------------------------------------------

/// The first and last visible events of a stream (`None` when it shows
/// none). [`StoreError::StreamNotFound`] if it does not exist.
pub async fn visible_bounds(
    store: &dyn EventStore,
    stream_id: &str,
) -> Result<Option<(RecordedEvent, RecordedEvent)>, StoreError> {
    let one =
        |direction| ReadStreamQuery { stream_id: stream_id.to_string(), direction, from_revision: None, limit: 1 };
    let first = store.read_stream(one(Direction::Forwards)).await?.events.pop();
    let last = store.read_stream(one(Direction::Backwards)).await?.events.pop();
    Ok(first.zip(last))
}

/// The event at `revision`, if the stream shows it.
pub async fn event_at(
    store: &dyn EventStore,
    stream_id: &str,
    revision: u64,
) -> Result<Option<RecordedEvent>, StoreError> {
    let query = ReadStreamQuery {
        stream_id: stream_id.to_string(),
        direction: Direction::Forwards,
        from_revision: Some(revision),
        limit: 1,
    };
    Ok(store.read_stream(query).await?.events.pop().filter(|e| e.revision == revision))
}

/// The last event of `stream_id` recorded at or before `time` (µs since the
/// epoch): the revision current at that time. `None` when the stream's first
/// visible event is later. A binary search over revisions: O(log n) reads of
/// one event.
pub async fn revision_at(
    store: &dyn EventStore,
    stream_id: &str,
    time: i64,
) -> Result<Option<RecordedEvent>, StoreError> {
    let Some((first, last)) = visible_bounds(store, stream_id).await? else { return Ok(None) };
    if first.recorded_at_micros > time {
        return Ok(None);
    }
    if last.recorded_at_micros <= time {
        return Ok(Some(last));
    }
    // Invariant: `lo` was recorded at or before `time`, `hi` after it.
    let (mut lo, mut hi) = (first, last);
    while hi.revision - lo.revision > 1 {
        let mid = lo.revision + (hi.revision - lo.revision) / 2;
        let Some(event) = event_at(store, stream_id, mid).await? else {
            // Hidden since the bounds were read (truncated meanwhile).
            break;
        };
        if event.recorded_at_micros <= time {
            lo = event;
        } else {
            hi = event;
        }
    }
    Ok(Some(lo))
}

// ---- events between two times ------------------------------------------------

/// A window of time, µs since the epoch: `start` inclusive, `end` exclusive,
/// `None` unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

impl Window {
    fn contains(&self, time: i64) -> bool {
        self.start.is_none_or(|s| time >= s) && self.end.is_none_or(|e| time < e)
    }
}

/// One page of a stream's events in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowPage {
    pub events: Vec<RecordedEvent>,
    /// Where the next page starts; `None` when the window holds no more.
    pub next: Option<PageToken>,
}

/// Where the next page of a window read starts, bound to the request it
/// continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageToken {
    pub next_revision: u64,
    fingerprint: u64,
}

impl PageToken {
    fn fingerprint(stream_id: &str, window: Window) -> u64 {
        let digest = Sha256::digest(format!("{stream_id}\n{:?}\n{:?}", window.start, window.end));
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(bytes)
    }

    /// The opaque form given to clients.
    pub fn encode(&self) -> String {
        format!("{}.{:016x}", self.next_revision, self.fingerprint)
    }

    /// Parses a token and checks that it continues this request.
    pub fn decode(token: &str, stream_id: &str, window: Window) -> Result<Self, TemporalError> {
        let invalid = || TemporalError::InvalidPageToken(token.to_string());
        let (revision, fingerprint) = token.split_once('.').ok_or_else(invalid)?;
        let next_revision = revision.parse().map_err(|_| invalid())?;
        let fingerprint = u64::from_str_radix(fingerprint, 16).map_err(|_| invalid())?;
        if fingerprint != Self::fingerprint(stream_id, window) {
            return Err(invalid());
        }
        Ok(Self { next_revision, fingerprint })
    }
}

/// One page (at most `limit` events) of the events of `stream_id` recorded
/// in `window`, from `after` (a previous page's token) or from the first
/// event recorded at or after the window's start. The window ends at the
/// first event recorded at or after its end; a page that reaches it (or the
/// stream's end) has no next token, so paging never ends on an empty page.
pub async fn read_window(
    store: &dyn EventStore,
    stream_id: &str,
    window: Window,
    after: Option<&PageToken>,
    limit: usize,
) -> Result<WindowPage, StoreError> {
    let from = match (after, window.start) {
        (Some(token), _) => token.next_revision,
        (None, None) => 0,
        (None, Some(start)) => match revision_at(store, stream_id, start.saturating_sub(1)).await? {
            Some(before) => before.revision + 1,
            None => 0,
        },
    };
    // One event more than the page: whether another page follows.
    let query = ReadStreamQuery {
        stream_id: stream_id.to_string(),
        direction: Direction::Forwards,
        from_revision: Some(from),
        limit: limit + 1,
    };
    let slice = store.read_stream(query).await?;
    let fingerprint = PageToken::fingerprint(stream_id, window);
    let mut events = Vec::with_capacity(limit);
    for event in slice.events {
        if window.end.is_some_and(|end| event.recorded_at_micros >= end) {
            return Ok(WindowPage { events, next: None });
        }
        if events.len() == limit {
            return Ok(WindowPage { events, next: Some(PageToken { next_revision: event.revision, fingerprint }) });
        }
        if window.contains(event.recorded_at_micros) {
            events.push(event);
        }
    }
    Ok(WindowPage { events, next: slice.next_revision.map(|next_revision| PageToken { next_revision, fingerprint }) })
}

// ---- documents as of a position ------------------------------------------------

/// How a document query was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentSource {
    ChangeLog,
    Replay,
}

/// A document as of a position.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentAt {
    /// `None`: no document at that position (never written, or deleted).
    pub document: Option<Document>,
    pub source: DocumentSource,
}

/// The document `key` of `projection` as of global position `at` (after
/// every event up to and including it). A replay folds at most
/// `max_replay` events of the projection's types.
///
/// From the change log of the serving generation when the projection has
/// reached `at` and the log still tells: it holds a change of the key at or
/// before `at` (the last one is the answer), or it was never pruned (no such
/// change: no document). Otherwise by replay: the projection's fold over the
/// log from the start up to `at`, for this key only. A replay folds the
/// events the log shows now, so in streams truncated or deleted since, it
/// misses events the projection folded when they were there.
pub async fn document_at(
    engine: &ProjectionEngine,
    events: &dyn EventStore,
    governance: &Governance,
    projection: &str,
    key: &str,
    at: u64,
    max_replay: u64,
) -> Result<DocumentAt, TemporalError> {
    let compiled = engine.projection(projection)?;
    let position = Position { token: String::new(), global: Some(at) };
    if engine.wait_for(projection, &position, CATCH_UP_WAIT).await.is_ok() {
        let index = engine.serving_index(projection)?;
        match from_change_log(&**engine.read_store(), &index, key, at).await {
            Ok(Some(document)) => return Ok(DocumentAt { document, source: DocumentSource::ChangeLog }),
            Ok(None) => {}
            // A rebuild switched generations (and dropped this one) meanwhile.
            Err(ReadStoreError::IndexNotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let document = replay(&compiled, events, governance, key, at, max_replay).await?.ok_or_else(|| {
        TemporalError::ReplayTooLong { projection: projection.to_string(), position: at, limit: max_replay }
    })?;
    Ok(DocumentAt { document, source: DocumentSource::Replay })
}

/// The change log's answer: `Some(document)` when it tells, `None` when it
/// no longer reaches back far enough.
async fn from_change_log(
    store: &dyn ReadStore,
    index: &IndexId,
    key: &str,
    at: u64,
) -> Result<Option<Option<Document>>, ReadStoreError> {
    let mut after = 0;
    let mut pruned = false;
    let mut last: Option<Option<Document>> = None;
    'pages: loop {
        let changes = match store.changes(index, after, PAGE).await {
            Ok(changes) => changes,
            Err(ReadStoreError::ChangeExpired(_, oldest)) if after == 0 && !pruned => {
                pruned = true;
                after = oldest;
                continue;
            }
            // Pruned past us while we read: the log no longer tells.
            Err(ReadStoreError::ChangeExpired(..)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if changes.is_empty() {
            break;
        }
        for change in changes {
            match change.position.global {
                Some(global) if global <= at => {}
                Some(_) => break 'pages,
                // A backend without global positions cannot be compared.
                None => return Ok(None),
            }
            after = change.seq;
            if change.key == key {
                last = Some(change.document);
            }
        }
    }
    Ok(match last {
        Some(document) => Some(document),
        None if !pruned => Some(None),
        None => None,
    })
}

/// Folds the projection's events for `key` from the start of the log up to
/// `at`, as the projection's runner does (an event the fold or the upcast
/// fails on is skipped, as the runner parks it). `None` when that takes
/// more than `max_events` events.
async fn replay(
    projection: &CompiledProjection,
    events: &dyn EventStore,
    governance: &Governance,
    key: &str,
    at: u64,
    max_events: u64,
) -> Result<Option<Option<Document>>, TemporalError> {
    let definition = &projection.definition;
    let filter = EventFilter {
        event_type_prefixes: definition.event_types.clone(),
        stream_prefixes: definition.stream_prefixes.clone(),
    };
    let mut document: Option<Document> = None;
    let mut from = AllFrom::Start;
    let mut folded = 0u64;
    loop {
        let query = ReadAllQuery { from, direction: Direction::Forwards, limit: PAGE, filter: filter.clone() };
        let slice = events.read_all(query).await?;
        for event in slice.events {
            if event.position.global.is_none_or(|g| g > at) {
                return Ok(Some(document));
            }
            folded += 1;
            if folded > max_events {
                return Ok(None);
            }
            if !projection.consumes(&event) {
                continue;
            }
            let Ok(event) = governance.upcast(event).await else { continue };
            let input = event_input(&event);
            if projection.key_of(&input).ok().as_deref() != Some(key) {
                continue;
            }
            match projection.fold(key.to_string(), document.as_ref().map(|d| &d.body), input) {
                Ok(Folded::Upsert { key, body }) => {
                    let version = document.as_ref().map_or(1, |d| d.version + 1);
                    document = Some(Document {
                        key,
                        body,
                        version,
                        position: event.position.clone(),
                        updated_at_micros: event.recorded_at_micros,
                    });
                }
                Ok(Folded::Delete { .. }) => document = None,
                Err(_) => {}
            }
        }
        match slice.next {
            Some(next) if !slice.end_of_log && next.global.is_some_and(|g| g < at) => from = AllFrom::After(next),
            _ => return Ok(Some(document)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{
        adapters::sqlite::{SqliteReadStore, SqliteReadStoreConfig},
        core::read_store::{ApplyBatch, DocumentWrite, IndexSpec},
    };

    fn at(global: u64) -> Position {
        Position { token: format!("t{global}"), global: Some(global) }
    }

    async fn write(store: &SqliteReadStore, index: &IndexId, global: u64, write: DocumentWrite) {
        let batch =
            ApplyBatch { writes: vec![(write, at(global))], parked: Vec::new(), checkpoint: at(global), events: 1 };
        store.apply(index, batch).await.expect("apply");
    }

    fn upsert(key: &str, n: u64) -> DocumentWrite {
        DocumentWrite::Upsert { key: key.into(), body: json!({ "n": n }) }
    }

    /// `Some(Some(n))`: the log says the document had `n`; `Some(None)`: it
    /// says there was none; `None`: it no longer knows.
    async fn answer(store: &SqliteReadStore, index: &IndexId, key: &str, global: u64) -> Option<Option<u64>> {
        let answer = from_change_log(store, index, key, global).await.expect("read the change log");
        answer.map(|document| document.map(|d| d.body["n"].as_u64().expect("n")))
    }

    #[tokio::test]
    async fn the_change_log_answers_while_it_reaches_back_and_says_so_when_it_does_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = SqliteReadStoreConfig { keep_changes: 3 };
        let store = SqliteReadStore::open_with(dir.path().join("read.db"), config).expect("open");
        let index = IndexId { projection: "p".into(), generation: 1 };
        store.create_index(&IndexSpec { id: index.clone(), text_fields: Vec::new() }).await.expect("index");
        write(&store, &index, 1, upsert("a", 1)).await;
        write(&store, &index, 2, upsert("b", 1)).await;
        write(&store, &index, 3, upsert("a", 2)).await;

        // Nothing pruned yet: the log knows every document's whole history.
        assert_eq!(answer(&store, &index, "a", 1).await, Some(Some(1)));
        assert_eq!(answer(&store, &index, "a", 2).await, Some(Some(1)));
        assert_eq!(answer(&store, &index, "a", 3).await, Some(Some(2)));
        assert_eq!(answer(&store, &index, "a", 0).await, Some(None), "not written yet");
        assert_eq!(answer(&store, &index, "c", 3).await, Some(None), "never written");

        // Three changes kept: the first two are pruned.
        write(&store, &index, 4, DocumentWrite::Delete { key: "a".into() }).await;
        write(&store, &index, 5, upsert("b", 2)).await;
        assert_eq!(answer(&store, &index, "a", 3).await, Some(Some(2)));
        assert_eq!(answer(&store, &index, "a", 4).await, Some(None), "deleted");
        assert_eq!(answer(&store, &index, "b", 5).await, Some(Some(2)));
        assert_eq!(answer(&store, &index, "a", 1).await, None, "a's first write was pruned");
        assert_eq!(answer(&store, &index, "b", 4).await, None, "b's first write was pruned");
        assert_eq!(answer(&store, &index, "c", 5).await, None, "a pruned log cannot say c never existed");
    }

    #[test]
    fn page_tokens_continue_only_their_own_request() {
        let window = Window { start: Some(10), end: Some(20) };
        let token = PageToken { next_revision: 7, fingerprint: PageToken::fingerprint("s-1", window) };
        let text = token.encode();
        assert_eq!(PageToken::decode(&text, "s-1", window).expect("same request"), token);
        assert!(PageToken::decode(&text, "s-2", window).is_err(), "another stream");
        assert!(PageToken::decode(&text, "s-1", Window { start: Some(10), end: None }).is_err(), "another window");
        assert!(PageToken::decode("garbage", "s-1", window).is_err());
    }

    #[test]
    fn windows_include_their_start_and_exclude_their_end() {
        let window = Window { start: Some(10), end: Some(20) };
        assert!(!window.contains(9) && window.contains(10) && window.contains(19) && !window.contains(20));
        assert!(Window { start: None, end: None }.contains(i64::MIN));
    }
}
