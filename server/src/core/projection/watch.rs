//! Watches: the current documents of a projection (by key, or matching a
//! query), then every change to them, resumable from a position.
//!
//! A watch sends `Current` documents, then `Live`, then a `Change` for
//! every write of a watched document, each with its [`WatchPosition`]. When
//! the projection switches to a rebuilt generation, or the change log no
//! longer holds the changes a watcher needs, it sends `Reset` and the
//! current documents of the serving generation again, then `Live`.
//!
//! # No repeats, no gaps
//!
//! Reading the current documents takes a while, and the projection keeps
//! writing meanwhile, so the documents read are not one moment's state. The
//! watch makes them one:
//!
//! 1. it subscribes to the projection's changes (the engine's broadcast),
//!    so every change logged from now on reaches it or is in the log;
//! 2. it reads the index's last change seq `S`, then the documents, then
//!    the last seq again, `S2`;
//! 3. a document whose key no change in `(S, S2]` touched was the same
//!    during the whole read, so what was read is its state at `S2`; for a
//!    key some change in `(S, S2]` touched, the last of those changes gives
//!    its state at `S2` (its document, or none after a delete);
//! 4. the snapshot sent is therefore exactly the state at `S2`, and the
//!    watch follows with the changes after `S2`, each once, in seq order.
//!
//! Comparing document versions (skip a change whose version is at most the
//! one in the snapshot) is not enough on its own: a key deleted and written
//! again during the read starts over at version 1, so a delete in the window
//! could not be told apart from one after it. Replaying the window's changes
//! onto the snapshot needs no such comparison.
//!
//! Changes come from the broadcast while it is contiguous (the next batch
//! starts right after the last seq handled); after a gap, or when the
//! broadcast lagged because this watcher was slow, they are read from the
//! store's change log. Changes the log no longer keeps mean a `Reset`.
//!
//! # Positions
//!
//! A watch position is `"<generation>:<seq>"`: the serving generation and
//! the last change seq the watcher's state includes. `Current` and `Reset`
//! messages carry `"<generation>:<seq>:snapshot"`: resuming from the middle
//! of a snapshot starts over with `Reset` and a full snapshot, since the
//! watcher holds only part of it. Resuming from `"<g>:<n>"` while generation
//! `g` still serves sends `Live` and the changes after `n`; any other
//! generation, or a seq the log no longer holds, sends `Reset` and a snapshot.
//!
//! # Queries
//!
//! A query watch's snapshot is the query's matches, at most
//! [`MAX_QUERY_SNAPSHOT`] documents (more is refused: narrow the query).
//! Afterwards a change to a document that matches is an upsert, and a
//! change that makes a document stop matching (or deletes it) is a delete
//! when the watcher may hold it. Field filters are evaluated on the changed
//! document itself ([`matches_filters`], the store's semantics), so a
//! filter-only watch sees every change. A text condition is asked of the
//! store, which can judge only the document as stored: a change already
//! overwritten when the watch handles it is left to the later change
//! (writes in quick succession may reach a text watch coalesced; it never
//! sends a document that does not match, and ends in the right state).
//! After a resume the watch does not know which documents the watcher
//! holds, so the first non-matching change of a key it has not seen since
//! is sent as a delete.
//!
//! Each watcher has a bounded channel; a watcher that does not read stops
//! its own task only. The projection never waits for it: its broadcast
//! receiver lags, and it catches up from the change log.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

use serde_json::Value;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{
    ChangeBatch,
    engine::{EngineError, ProjectionEngine},
};
use crate::core::{
    model::Position,
    read_store::{Document, DocumentChange, FieldFilter, IndexId, ReadStore, ReadStoreError, SearchQuery},
};

/// Most documents a query watch's snapshot may hold.
pub const MAX_QUERY_SNAPSHOT: usize = 10_000;
/// Most keys one key watch may name.
pub const MAX_WATCHED_KEYS: usize = 1000;
/// Messages buffered per watcher.
const CHANNEL: usize = 256;
/// Changes read from the log at a time.
const LOG_PAGE: usize = 500;
/// Documents per search page while taking a query snapshot.
const SEARCH_PAGE: usize = 1000;

/// Errors of a watch.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum WatchError {
    #[error("{0:?} is not a watch position from this server")]
    InvalidPosition(String),
    #[error("the query matches more than {limit} documents; narrow it to watch it")]
    TooBroad { limit: usize },
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<ReadStoreError> for WatchError {
    fn from(error: ReadStoreError) -> Self {
        WatchError::Engine(EngineError::Store(error))
    }
}

/// Where a watcher is: the serving generation and the last change seq its
/// state includes. `snapshot` marks positions inside a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchPosition {
    pub generation: u32,
    pub seq: u64,
    pub snapshot: bool,
}

impl WatchPosition {
    /// The token clients pass back as `resume_after`.
    pub fn token(&self) -> String {
        if self.snapshot {
            format!("{}:{}:snapshot", self.generation, self.seq)
        } else {
            format!("{}:{}", self.generation, self.seq)
        }
    }

    /// Parses a token made by [`WatchPosition::token`].
    pub fn parse(token: &str) -> Result<Self, WatchError> {
        let invalid = || WatchError::InvalidPosition(token.to_string());
        let mut parts = token.split(':');
        let generation = parts.next().and_then(|g| digits(g)?.parse().ok()).ok_or_else(invalid)?;
        let seq = parts.next().and_then(|s| digits(s)?.parse().ok()).ok_or_else(invalid)?;
        let snapshot = match parts.next() {
            None => false,
            Some("snapshot") => true,
            Some(_) => return Err(invalid()),
        };
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(Self { generation, seq, snapshot })
    }
}

/// `s` if it is plain ASCII digits (`u64::from_str` also takes a `+`).
fn digits(s: &str) -> Option<&str> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// What a watch follows.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// These keys (at most [`MAX_WATCHED_KEYS`]).
    Keys(BTreeSet<String>),
    /// Documents matching a text condition and field filters.
    Query { text: Option<String>, filters: Vec<FieldFilter> },
}

/// A watch to start.
#[derive(Debug, Clone)]
pub struct WatchRequest {
    pub projection: String,
    pub selection: Selection,
    /// Only documents whose key starts with this (a tenant's `"<tenant>/"`).
    pub key_prefix: Option<String>,
    pub resume_after: Option<WatchPosition>,
}

/// What happened to a watched document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Upsert,
    Delete,
}

/// One message of a watch.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchItem {
    /// A current document (part of a snapshot).
    Current(Document),
    /// The snapshot is complete; changes follow.
    Live,
    /// A watched document changed. `position` is the event's.
    Change { kind: ChangeKind, key: String, document: Option<Document>, position: Position },
    /// Forget every document held: a new snapshot follows.
    Reset,
}

/// A message with its resume point.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchMessage {
    pub item: WatchItem,
    pub position: WatchPosition,
}

/// Where a watch reads from: the read store, the projection's changes as
/// they are applied, and its serving generation.
pub struct Feed {
    pub store: Arc<dyn ReadStore>,
    pub changes: broadcast::Receiver<Arc<ChangeBatch>>,
    pub serving: watch::Receiver<IndexId>,
}

impl Feed {
    /// The feed of one of the engine's projections.
    pub fn of(engine: &ProjectionEngine, projection: &str) -> Result<Self, EngineError> {
        let (changes, serving) = engine.follow(projection)?;
        Ok(Self { store: engine.read_store().clone(), changes, serving })
    }
}

/// Starts a watch on `feed`, which must have been subscribed before this
/// call (so no change after it is missed). Errors in the request (a bad
/// position, a query the store refuses or one matching too much) are
/// returned here; later failures end the stream with an error. The stream
/// ends on `shutdown` and when the receiver is dropped.
pub async fn start(
    feed: Feed,
    request: WatchRequest,
    shutdown: CancellationToken,
) -> Result<mpsc::Receiver<Result<WatchMessage, WatchError>>, WatchError> {
    if let Selection::Keys(keys) = &request.selection
        && keys.len() > MAX_WATCHED_KEYS
    {
        return Err(WatchError::Engine(EngineError::Store(ReadStoreError::InvalidQuery(format!(
            "a watch names at most {MAX_WATCHED_KEYS} keys"
        )))));
    }
    let Feed { store, changes, serving } = feed;
    let index = serving.borrow().clone();
    let mut watcher = Watcher {
        store,
        serving: serving.clone(),
        index,
        last: 0,
        behind: false,
        held: Held::Known(BTreeSet::new()),
        request,
        pending: Vec::new(),
    };
    match watcher.request.resume_after {
        Some(p) if !p.snapshot && p.generation == watcher.index.generation => {
            watcher.resume(p.seq).await?;
        }
        Some(_) => {
            watcher.pending.push(watcher.message(WatchItem::Reset, true));
            watcher.snapshot().await?;
        }
        None => watcher.snapshot().await?,
    }
    let (tx, rx) = mpsc::channel(CHANNEL);
    tokio::spawn(async move {
        if let Err(e) = watcher.run(changes, serving, &tx, &shutdown).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    Ok(rx)
}

/// Which documents the watcher holds (query watches).
enum Held {
    Known(BTreeSet<String>),
    /// After a resume: keys seen since, and whether the watcher holds them;
    /// others it may hold.
    Since(HashMap<String, bool>),
}

impl Held {
    fn may_hold(&self, key: &str) -> bool {
        match self {
            Held::Known(keys) => keys.contains(key),
            Held::Since(seen) => seen.get(key).copied().unwrap_or(true),
        }
    }

    fn set(&mut self, key: &str, holds: bool) {
        match self {
            Held::Known(keys) if holds => {
                keys.insert(key.to_string());
            }
            Held::Known(keys) => {
                keys.remove(key);
            }
            Held::Since(seen) => {
                seen.insert(key.to_string(), holds);
            }
        }
    }
}

/// Why the change loop stopped following.
enum Outcome {
    /// Keep following.
    Continue,
    /// Start over with a snapshot of the serving generation.
    Reset,
}

struct Watcher {
    store: Arc<dyn ReadStore>,
    /// The serving generation, as the engine announces it.
    serving: watch::Receiver<IndexId>,
    request: WatchRequest,
    /// The generation followed.
    index: IndexId,
    /// The last change seq handled.
    last: u64,
    /// A catch-up stopped early to let the queued messages out first.
    behind: bool,
    held: Held,
    /// Messages computed but not sent yet.
    pending: Vec<WatchMessage>,
}

type Sender = mpsc::Sender<Result<WatchMessage, WatchError>>;

impl Watcher {
    fn message(&self, item: WatchItem, snapshot: bool) -> WatchMessage {
        WatchMessage { item, position: WatchPosition { generation: self.index.generation, seq: self.last, snapshot } }
    }

    async fn run(
        &mut self,
        mut changes: broadcast::Receiver<Arc<ChangeBatch>>,
        mut serving: watch::Receiver<IndexId>,
        tx: &Sender,
        shutdown: &CancellationToken,
    ) -> Result<(), WatchError> {
        loop {
            for message in std::mem::take(&mut self.pending) {
                tokio::select! {
                    sent = tx.send(Ok(message)) => if sent.is_err() { return Ok(()) },
                    _ = shutdown.cancelled() => return Ok(()),
                }
            }
            if *serving.borrow_and_update() != self.index {
                self.reset().await?;
                continue;
            }
            if self.behind {
                if let Outcome::Reset = self.catch_up().await? {
                    self.reset().await?;
                }
                continue;
            }
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => return Ok(()),
                _ = tx.closed() => return Ok(()),
                changed = serving.changed() => {
                    if changed.is_err() {
                        // The projection is gone (the engine stopped).
                        return Ok(());
                    }
                    Outcome::Continue
                }
                batch = changes.recv() => match batch {
                    Ok(batch) => self.on_batch(&batch).await?,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await?,
                    Err(broadcast::error::RecvError::Closed) => return Ok(()),
                },
            };
            if let Outcome::Reset = outcome {
                self.reset().await?;
            }
        }
    }

    /// Switches to the serving generation (which may be the same one, when
    /// the log was pruned) and queues `Reset` and a snapshot.
    async fn reset(&mut self) -> Result<(), WatchError> {
        self.index = self.serving.borrow().clone();
        self.last = 0;
        self.pending.push(self.message(WatchItem::Reset, true));
        self.snapshot().await
    }

    async fn on_batch(&mut self, batch: &ChangeBatch) -> Result<Outcome, WatchError> {
        if batch.index != self.index {
            return Ok(Outcome::Continue);
        }
        match batch.changes.first() {
            None => Ok(Outcome::Continue),
            Some(first) if first.seq <= self.last + 1 => {
                for change in &batch.changes {
                    if change.seq == self.last + 1 {
                        let traced = batch.traces.iter().find(|(token, _)| *token == change.position.token);
                        match traced {
                            // The push hangs under the event's projection.apply span.
                            Some((_, parent)) => {
                                let span = tracing::debug_span!("watch.push", key = %change.key, seq = change.seq);
                                let _ = span.set_parent(parent.clone());
                                self.on_change(change).instrument(span).await?;
                            }
                            None => self.on_change(change).await?,
                        }
                    }
                }
                Ok(Outcome::Continue)
            }
            // A gap: the changes between are in the log.
            Some(_) => self.catch_up().await,
        }
    }

    /// Reads the change log after the last seq handled, to its end.
    async fn catch_up(&mut self) -> Result<Outcome, WatchError> {
        self.behind = false;
        loop {
            let page = match self.store.changes(&self.index, self.last, LOG_PAGE).await {
                Ok(page) => page,
                Err(ReadStoreError::ChangeExpired(..) | ReadStoreError::IndexNotFound(_)) => {
                    return Ok(Outcome::Reset);
                }
                Err(e) => return Err(e.into()),
            };
            let full = page.len() == LOG_PAGE;
            for change in &page {
                if change.seq != self.last + 1 {
                    // The log promises consecutive seqs; anything else means
                    // it changed under us.
                    return Ok(Outcome::Reset);
                }
                self.on_change(change).await?;
            }
            if !full {
                return Ok(Outcome::Continue);
            }
            if self.pending.len() >= CHANNEL {
                // Send what is queued before reading on.
                self.behind = true;
                return Ok(Outcome::Continue);
            }
        }
    }

    /// Handles the next change: queues what the watcher must see of it.
    async fn on_change(&mut self, change: &DocumentChange) -> Result<(), WatchError> {
        self.last = change.seq;
        if !self.in_scope(&change.key) {
            return Ok(());
        }
        let kind = match &self.request.selection {
            Selection::Keys(keys) => {
                if !keys.contains(&change.key) {
                    return Ok(());
                }
                if change.document.is_some() { ChangeKind::Upsert } else { ChangeKind::Delete }
            }
            Selection::Query { .. } => {
                let matches = match &change.document {
                    Some(document) => match self.matches(document).await? {
                        Some(matches) => matches,
                        // Written again since: the later change is reported.
                        None => return Ok(()),
                    },
                    None => false,
                };
                let held = self.held.may_hold(&change.key);
                self.held.set(&change.key, matches);
                match (matches, held) {
                    (true, _) => ChangeKind::Upsert,
                    (false, true) => ChangeKind::Delete,
                    (false, false) => return Ok(()),
                }
            }
        };
        let document = if kind == ChangeKind::Upsert { change.document.clone() } else { None };
        let item = WatchItem::Change { kind, key: change.key.clone(), document, position: change.position.clone() };
        self.pending.push(self.message(item, false));
        Ok(())
    }

    fn in_scope(&self, key: &str) -> bool {
        self.request.key_prefix.as_deref().is_none_or(|p| key.starts_with(p))
    }

    /// Whether a changed document matches a query watch; `None` when that
    /// cannot be told because the document was written again since (a text
    /// condition is judged by the store, on the stored document), in which
    /// case the later change decides.
    async fn matches(&self, document: &Document) -> Result<Option<bool>, WatchError> {
        let Selection::Query { text, filters } = &self.request.selection else { return Ok(Some(true)) };
        if !self.in_scope(&document.key) || !matches_filters(&document.body, filters) {
            return Ok(Some(false));
        }
        let Some(text) = text.as_ref().filter(|t| !t.trim().is_empty()) else { return Ok(Some(true)) };
        let stored = match self.store.get(&self.index, &document.key).await {
            Ok(stored) => stored,
            // Switched away meanwhile: the reset that follows decides.
            Err(ReadStoreError::IndexNotFound(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if stored.is_none_or(|s| s.version != document.version || s.position != document.position) {
            return Ok(None);
        }
        let query = SearchQuery {
            text: Some(text.clone()),
            keys: vec![document.key.clone()],
            page_size: 1,
            ..SearchQuery::default()
        };
        match self.store.search(&self.index, &query).await {
            Ok(page) => Ok(Some(!page.documents.is_empty())),
            Err(ReadStoreError::IndexNotFound(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Resumes after `seq` of the serving generation: `Live`, then the
    /// changes after it (or `Reset` and a snapshot if they are gone).
    async fn resume(&mut self, seq: u64) -> Result<(), WatchError> {
        let last = self.store.last_seq(&self.index).await?;
        let kept = match self.store.changes(&self.index, seq, 1).await {
            Ok(_) => true,
            Err(ReadStoreError::ChangeExpired(..)) => false,
            Err(e) => return Err(e.into()),
        };
        if seq > last || !kept {
            self.pending.push(self.message(WatchItem::Reset, true));
            return self.snapshot().await;
        }
        self.last = seq;
        // Changes logged before the watch subscribed are only in the log.
        self.behind = true;
        self.held = Held::Since(HashMap::new());
        self.pending.push(self.message(WatchItem::Live, false));
        Ok(())
    }

    /// Queues the current documents as of one change seq, then `Live`.
    async fn snapshot(&mut self) -> Result<(), WatchError> {
        let (seq, documents) = loop {
            let read = async {
                let before = self.store.last_seq(&self.index).await?;
                let mut documents = self.read_current().await?;
                let after = self.store.last_seq(&self.index).await?;
                self.replay_window(before, after, &mut documents).await?;
                Ok::<_, WatchError>((after, documents))
            };
            match read.await {
                Ok(done) => break done,
                // Pruned while we read: read again.
                Err(WatchError::Engine(EngineError::Store(ReadStoreError::ChangeExpired(..)))) => continue,
                // Dropped after a switch: read the generation now serving.
                Err(WatchError::Engine(EngineError::Store(ReadStoreError::IndexNotFound(_))))
                    if *self.serving.borrow() != self.index =>
                {
                    self.index = self.serving.borrow().clone();
                }
                Err(e) => return Err(e),
            }
        };
        self.last = seq;
        self.held = Held::Known(documents.keys().cloned().collect());
        for document in documents.into_values() {
            self.pending.push(self.message(WatchItem::Current(document), true));
        }
        self.pending.push(self.message(WatchItem::Live, false));
        Ok(())
    }

    /// The selected documents as the store has them now.
    async fn read_current(&self) -> Result<BTreeMap<String, Document>, WatchError> {
        let mut out = BTreeMap::new();
        match &self.request.selection {
            Selection::Keys(keys) => {
                for key in keys.iter().filter(|k| self.in_scope(k)) {
                    if let Some(document) = self.store.get(&self.index, key).await? {
                        out.insert(key.clone(), document);
                    }
                }
            }
            Selection::Query { text, filters } => {
                let mut query = SearchQuery {
                    text: text.clone(),
                    filters: filters.clone(),
                    key_prefix: self.request.key_prefix.clone(),
                    page_size: SEARCH_PAGE,
                    ..SearchQuery::default()
                };
                loop {
                    let page = self.store.search(&self.index, &query).await?;
                    if page.total > MAX_QUERY_SNAPSHOT as u64 {
                        return Err(WatchError::TooBroad { limit: MAX_QUERY_SNAPSHOT });
                    }
                    out.extend(page.documents.into_iter().map(|d| (d.key.clone(), d)));
                    match page.next_page_token {
                        Some(token) if out.len() <= MAX_QUERY_SNAPSHOT => query.page_token = Some(token),
                        _ => break,
                    }
                }
            }
        }
        Ok(out)
    }

    /// Brings documents read between change seqs `before` and `after` to
    /// their state at `after` (see the module documentation).
    async fn replay_window(
        &self,
        before: u64,
        after: u64,
        documents: &mut BTreeMap<String, Document>,
    ) -> Result<(), WatchError> {
        let mut last_of_key: BTreeMap<String, Option<Document>> = BTreeMap::new();
        let mut seq = before;
        while seq < after {
            let page = self.store.changes(&self.index, seq, LOG_PAGE).await?;
            let Some(last) = page.last() else { break };
            seq = last.seq;
            for change in page.into_iter().filter(|c| c.seq <= after) {
                last_of_key.insert(change.key, change.document);
            }
        }
        for (key, document) in last_of_key {
            let selected = match (&self.request.selection, &document) {
                (_, None) => false,
                (Selection::Keys(keys), Some(_)) => keys.contains(&key) && self.in_scope(&key),
                // Written again after the window: the later change decides.
                (Selection::Query { .. }, Some(d)) => self.matches(d).await?.unwrap_or(false),
            };
            match document {
                Some(document) if selected => {
                    documents.insert(key, document);
                }
                _ => {
                    documents.remove(&key);
                }
            }
        }
        if matches!(self.request.selection, Selection::Query { .. }) && documents.len() > MAX_QUERY_SNAPSHOT {
            return Err(WatchError::TooBroad { limit: MAX_QUERY_SNAPSHOT });
        }
        Ok(())
    }
}

// ---- field filters in memory -------------------------------------------------

/// Whether `body` satisfies every filter, with the store's semantics
/// (`adapters::sqlite::read_store::query`): a field is a dotted path into
/// the document; a filter looks at the field's value or, when it is an
/// array, at each of its elements; numbers compare numerically and only
/// with numbers, strings by bytes and only with strings, booleans equal only
/// booleans; `Equals null` matches a field that is missing, null, or an
/// array (or object) without a non-null value.
pub fn matches_filters(body: &Value, filters: &[FieldFilter]) -> bool {
    filters.iter().all(|f| matches_filter(body, f))
}

fn matches_filter(body: &Value, filter: &FieldFilter) -> bool {
    match filter {
        FieldFilter::Equals { field, value } => equals_one_of(body, field, std::slice::from_ref(value)),
        FieldFilter::In { field, values } => equals_one_of(body, field, values),
        FieldFilter::Range { field, gt, gte, lt, lte } => {
            use std::cmp::Ordering;
            let bounds = [
                (gt, Ordering::is_gt as fn(Ordering) -> bool),
                (gte, Ordering::is_ge),
                (lt, Ordering::is_lt),
                (lte, Ordering::is_le),
            ];
            elements(body, field).into_iter().any(|element| {
                let scalar = matches!(element, Value::Number(_) | Value::String(_) | Value::Bool(_));
                scalar
                    && bounds
                        .iter()
                        .all(|(bound, ok)| bound.as_ref().is_none_or(|b| compare(element, b).is_some_and(ok)))
            })
        }
    }
}

fn equals_one_of(body: &Value, field: &str, values: &[Value]) -> bool {
    let elements = elements(body, field);
    values.iter().any(|value| match value {
        Value::Null => match field_value(body, field) {
            None | Some(Value::Null) => true,
            Some(Value::Array(items)) => items.iter().all(Value::is_null),
            Some(Value::Object(members)) => members.values().all(Value::is_null),
            Some(_) => false,
        },
        _ => elements.iter().any(|element| scalar_equal(element, value)),
    })
}

/// The value at a dotted path (`owner.name`), if present.
fn field_value<'a>(body: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(body, |v, segment| v.as_object()?.get(segment))
}

/// What a filter looks at: the field's value, or its elements when it is
/// an array (never the members of an object).
fn elements<'a>(body: &'a Value, path: &str) -> Vec<&'a Value> {
    match field_value(body, path) {
        None | Some(Value::Object(_)) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(value) => vec![value],
    }
}

fn scalar_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => compare(a, b) == Some(std::cmp::Ordering::Equal),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ => false,
    }
}

/// Orders two numbers (as integers when both are, else as floats) or two
/// strings (by bytes); `None` for anything else.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn live(generation: u32, seq: u64) -> WatchPosition {
        WatchPosition { generation, seq, snapshot: false }
    }

    #[test]
    fn positions_round_trip_and_reject_garbage() {
        for p in [live(1, 0), live(7, 42), WatchPosition { generation: 3, seq: 9, snapshot: true }] {
            assert_eq!(WatchPosition::parse(&p.token()), Ok(p));
        }
        assert_eq!(live(2, 15).token(), "2:15");
        for bad in
            ["", "1", "1:", ":1", "a:1", "1:b", "1:2:3", "1:2:snapshot:x", "+1:2", "1:-2", "99999999999:1", " 1:2"]
        {
            assert_eq!(WatchPosition::parse(bad), Err(WatchError::InvalidPosition(bad.to_string())), "{bad:?}");
        }
    }

    fn range(field: &str, gt: Option<Value>, gte: Option<Value>, lt: Option<Value>, lte: Option<Value>) -> FieldFilter {
        FieldFilter::Range { field: field.into(), gt, gte, lt, lte }
    }

    #[test]
    fn filters_follow_dotted_paths_and_compare_by_kind() {
        let doc = json!({
            "balance": 100, "rate": 1.5, "open": true, "gone": null,
            "owner": {"name": "ada", "tags": ["x", "y"], "nums": [3, 30], "empty": [], "nulls": [null]},
        });
        let eq = |field: &str, value: Value| FieldFilter::Equals { field: field.into(), value };
        assert!(matches_filters(&doc, &[eq("owner.name", json!("ada")), eq("balance", json!(100.0))]));
        assert!(!matches_filters(&doc, &[eq("owner.name", json!("Ada"))]));
        assert!(!matches_filters(&doc, &[eq("owner.missing", json!("ada"))]));
        assert!(!matches_filters(&doc, &[eq("balance.deeper", json!(100))]));
        // Kinds never mix: "100" is not 100, true is not 1.
        assert!(!matches_filters(&doc, &[eq("balance", json!("100"))]));
        assert!(matches_filters(&doc, &[eq("open", json!(true))]));
        assert!(!matches_filters(&doc, &[eq("open", json!(1))]));
        // Arrays: any element; objects: never their members.
        assert!(matches_filters(&doc, &[eq("owner.tags", json!("y"))]));
        assert!(!matches_filters(&doc, &[eq("owner", json!("ada"))]));
        // Null: missing, null, or no non-null element.
        for field in ["gone", "missing", "owner.empty", "owner.nulls"] {
            assert!(matches_filters(&doc, &[eq(field, Value::Null)]), "{field}");
        }
        assert!(!matches_filters(&doc, &[eq("owner.tags", Value::Null)]));
        // Numbers numerically: 9 < 100 although "9" > "100" as text.
        assert!(matches_filters(&doc, &[range("balance", Some(json!(9)), None, None, None)]));
        assert!(matches_filters(&doc, &[range("balance", None, Some(json!(100)), None, Some(json!(100)))]));
        assert!(!matches_filters(&doc, &[range("balance", Some(json!(100)), None, None, None)]));
        assert!(matches_filters(&doc, &[range("rate", Some(json!(1)), None, Some(json!(2)), None)]));
        // One element must satisfy every bound.
        assert!(matches_filters(&doc, &[range("owner.nums", Some(json!(10)), None, Some(json!(40)), None)]));
        assert!(!matches_filters(&doc, &[range("owner.nums", Some(json!(3)), None, Some(json!(30)), None)]));
        // Strings by bytes.
        assert!(matches_filters(&doc, &[range("owner.name", Some(json!("ab")), None, Some(json!("b")), None)]));
        assert!(!matches_filters(&doc, &[range("owner.name", Some(json!("ada")), None, None, None)]));
        assert!(!matches_filters(&doc, &[range("balance", Some(json!("1")), None, None, None)]));
        // No bounds: any scalar value.
        assert!(matches_filters(&doc, &[range("owner.name", None, None, None, None)]));
        assert!(!matches_filters(&doc, &[range("missing", None, None, None, None)]));
        let one_of = |values: Vec<Value>| FieldFilter::In { field: "owner.name".into(), values };
        assert!(matches_filters(&doc, &[one_of(vec![json!("bob"), json!("ada")])]));
        assert!(!matches_filters(&doc, &[one_of(vec![])]));
        assert!(matches_filters(&doc, &[]));
    }

    #[test]
    fn held_documents_after_a_resume_are_unknown_until_seen() {
        let mut held = Held::Since(HashMap::new());
        assert!(held.may_hold("a"));
        held.set("a", false);
        assert!(!held.may_hold("a"));
        held.set("a", true);
        assert!(held.may_hold("a"));
        let mut known = Held::Known(BTreeSet::new());
        assert!(!known.may_hold("a"));
        known.set("a", true);
        assert!(known.may_hold("a"));
    }

    // ---- against the embedded read store ---------------------------------------

    use std::time::Duration;

    use crate::{
        adapters::sqlite::{SqliteReadStore, SqliteReadStoreConfig},
        core::read_store::{ApplyBatch, DocumentWrite, IndexSpec},
    };

    /// A real read store with one projection's index, and the channels the
    /// engine feeds watchers with (changes are broadcast as runners do).
    struct Fixture {
        _dir: tempfile::TempDir,
        store: Arc<dyn ReadStore>,
        index: IndexId,
        changes: broadcast::Sender<Arc<ChangeBatch>>,
        serving: watch::Sender<IndexId>,
        event: u64,
    }

    impl Fixture {
        async fn new(keep_changes: u64, broadcast_capacity: usize) -> Self {
            let dir = tempfile::tempdir().expect("temp dir");
            let store: Arc<dyn ReadStore> = Arc::new(
                SqliteReadStore::open_with(dir.path().join("read.db"), SqliteReadStoreConfig { keep_changes })
                    .expect("open"),
            );
            let index = IndexId { projection: "accounts".into(), generation: 1 };
            store
                .create_index(&IndexSpec { id: index.clone(), text_fields: vec!["title".into()] })
                .await
                .expect("create");
            Self {
                _dir: dir,
                store,
                serving: watch::channel(index.clone()).0,
                index,
                changes: broadcast::channel(broadcast_capacity).0,
                event: 0,
            }
        }

        fn feed(&self) -> Feed {
            Feed { store: self.store.clone(), changes: self.changes.subscribe(), serving: self.serving.subscribe() }
        }

        /// Applies writes to the serving index without telling watchers.
        async fn apply_quietly(&mut self, writes: Vec<DocumentWrite>) -> Arc<ChangeBatch> {
            let writes: Vec<_> = writes
                .into_iter()
                .map(|w| {
                    self.event += 1;
                    (w, Position { token: format!("t{}", self.event), global: Some(self.event) })
                })
                .collect();
            let checkpoint = writes.last().map(|(_, p)| p.clone()).expect("writes");
            let events = writes.len() as u64;
            let batch = ApplyBatch { writes, parked: Vec::new(), checkpoint, events };
            let changes = self.store.apply(&self.index, batch).await.expect("apply");
            Arc::new(ChangeBatch { index: self.index.clone(), changes, traces: Vec::new() })
        }

        async fn apply(&mut self, writes: Vec<DocumentWrite>) {
            let batch = self.apply_quietly(writes).await;
            let _ = self.changes.send(batch);
        }
    }

    fn put(key: &str, body: Value) -> DocumentWrite {
        DocumentWrite::Upsert { key: key.into(), body }
    }

    fn del(key: &str) -> DocumentWrite {
        DocumentWrite::Delete { key: key.into() }
    }

    fn keys_request(keys: &[&str], resume_after: Option<WatchPosition>) -> WatchRequest {
        WatchRequest {
            projection: "accounts".into(),
            selection: Selection::Keys(keys.iter().map(|k| k.to_string()).collect()),
            key_prefix: None,
            resume_after,
        }
    }

    fn query_request(text: Option<&str>, filters: Vec<FieldFilter>, key_prefix: Option<&str>) -> WatchRequest {
        WatchRequest {
            projection: "accounts".into(),
            selection: Selection::Query { text: text.map(String::from), filters },
            key_prefix: key_prefix.map(String::from),
            resume_after: None,
        }
    }

    type Rx = mpsc::Receiver<Result<WatchMessage, WatchError>>;

    async fn next(rx: &mut Rx) -> WatchMessage {
        // Only a guard against a hung test, not a performance assertion.
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(Ok(message))) => message,
            other => panic!("expected a watch message, got {other:?}"),
        }
    }

    /// A compact view: `current k`, `live`, `upsert k`, `delete k`, `reset`.
    fn show(message: &WatchMessage) -> String {
        match &message.item {
            WatchItem::Current(d) => format!("current {}", d.key),
            WatchItem::Live => "live".into(),
            WatchItem::Reset => "reset".into(),
            WatchItem::Change { kind: ChangeKind::Upsert, key, .. } => format!("upsert {key}"),
            WatchItem::Change { kind: ChangeKind::Delete, key, .. } => format!("delete {key}"),
        }
    }

    async fn take(rx: &mut Rx, n: usize) -> Vec<WatchMessage> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(next(rx).await);
        }
        out
    }

    fn shown(messages: &[WatchMessage]) -> Vec<String> {
        messages.iter().map(show).collect()
    }

    #[tokio::test]
    async fn key_watch_sends_current_documents_then_each_change_once() {
        let mut f = Fixture::new(10_000, 64).await;
        f.apply(vec![put("a", json!({"n": 1})), put("b", json!({"n": 1}))]).await;
        let mut rx = start(f.feed(), keys_request(&["a", "c"], None), CancellationToken::new()).await.expect("start");
        let snapshot = take(&mut rx, 2).await;
        assert_eq!(shown(&snapshot), ["current a", "live"]);
        assert_eq!(snapshot[1].position, WatchPosition { generation: 1, seq: 2, snapshot: false });
        assert!(snapshot[0].position.snapshot, "a position inside a snapshot restarts the snapshot on resume");
        f.apply(vec![put("c", json!({"n": 1})), put("b", json!({"n": 2}))]).await;
        f.apply(vec![put("a", json!({"n": 2})), del("a")]).await;
        let changes = take(&mut rx, 3).await;
        assert_eq!(shown(&changes), ["upsert c", "upsert a", "delete a"]);
        let seqs: Vec<u64> = changes.iter().map(|m| m.position.seq).collect();
        assert_eq!(seqs, [3, 5, 6]);
        match &changes[1].item {
            WatchItem::Change { document: Some(d), position, .. } => {
                assert_eq!((d.body.clone(), d.version), (json!({"n": 2}), 2));
                assert_eq!(position.global, Some(5));
            }
            other => panic!("expected an upsert with its document, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_resumed_watch_sends_only_the_changes_after_its_position() {
        let mut f = Fixture::new(10_000, 64).await;
        f.apply(vec![put("a", json!({"n": 1}))]).await;
        let shutdown = CancellationToken::new();
        let mut rx = start(f.feed(), keys_request(&["a", "b"], None), shutdown.clone()).await.expect("start");
        take(&mut rx, 2).await;
        f.apply(vec![put("a", json!({"n": 2}))]).await;
        let seen = next(&mut rx).await;
        drop(rx);
        // Changes while disconnected, some of them to other keys.
        f.apply(vec![put("b", json!({"n": 1})), put("x", json!({})), put("a", json!({"n": 3}))]).await;
        f.apply(vec![del("b")]).await;
        let mut rx =
            start(f.feed(), keys_request(&["a", "b"], Some(seen.position)), shutdown.clone()).await.expect("resume");
        assert_eq!(shown(&take(&mut rx, 4).await), ["live", "upsert b", "upsert a", "delete b"]);
        f.apply(vec![put("a", json!({"n": 4}))]).await;
        let last = next(&mut rx).await;
        assert_eq!((show(&last), last.position.seq), ("upsert a".into(), 7));
        shutdown.cancel();
        assert!(tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.expect("ends").is_none());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_lagging_watcher_reads_the_change_log_and_misses_nothing() {
        let mut f = Fixture::new(10_000, 2).await;
        let mut rx = start(f.feed(), keys_request(&["k"], None), CancellationToken::new()).await.expect("start");
        assert_eq!(shown(&take(&mut rx, 1).await), ["live"]);
        let mut batches = Vec::new();
        for n in 0..40 {
            batches.push(f.apply_quietly(vec![put("k", json!({"n": n})), put("other", json!({"n": n}))]).await);
        }
        // Sent with no await between: the watcher task cannot run, so its
        // receiver (capacity 2) lags.
        for batch in batches {
            let _ = f.changes.send(batch);
        }
        let changes = take(&mut rx, 40).await;
        let ns: Vec<Value> = changes
            .iter()
            .map(|m| match &m.item {
                WatchItem::Change { document: Some(d), .. } => d.body["n"].clone(),
                other => panic!("expected an upsert, got {other:?}"),
            })
            .collect();
        assert_eq!(ns, (0..40).map(|n| json!(n)).collect::<Vec<_>>());
        // Nothing more: the next message is the next change.
        f.apply(vec![put("k", json!({"n": "last"}))]).await;
        assert_eq!(next(&mut rx).await.position.seq, 81);
    }

    #[tokio::test]
    async fn a_gap_in_the_broadcast_is_filled_from_the_log() {
        let mut f = Fixture::new(10_000, 64).await;
        let mut rx = start(f.feed(), keys_request(&["k"], None), CancellationToken::new()).await.expect("start");
        take(&mut rx, 1).await;
        f.apply_quietly(vec![put("k", json!({"n": 1}))]).await;
        f.apply_quietly(vec![del("k")]).await;
        f.apply(vec![put("k", json!({"n": 3}))]).await;
        let changes = take(&mut rx, 3).await;
        assert_eq!(shown(&changes), ["upsert k", "delete k", "upsert k"]);
        assert_eq!(changes.iter().map(|m| m.position.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_switch_to_a_rebuilt_generation_resets_the_watcher() {
        let mut f = Fixture::new(10_000, 64).await;
        f.apply(vec![put("a", json!({"n": 1})), put("b", json!({"n": 1}))]).await;
        let mut rx = start(f.feed(), keys_request(&["a", "b"], None), CancellationToken::new()).await.expect("start");
        let before = take(&mut rx, 3).await;
        // The rebuilt generation has only b, at another version.
        let rebuilt = IndexId { projection: "accounts".into(), generation: 2 };
        f.store.create_index(&IndexSpec { id: rebuilt.clone(), text_fields: vec![] }).await.expect("create");
        f.index = rebuilt.clone();
        f.apply_quietly(vec![put("b", json!({"n": 7}))]).await;
        f.serving.send_replace(rebuilt);
        let after = take(&mut rx, 3).await;
        assert_eq!(shown(&after), ["reset", "current b", "live"]);
        assert_eq!(after[2].position, WatchPosition { generation: 2, seq: 1, snapshot: false });
        // Resuming from a position of the old generation starts over too.
        let mut rx = start(f.feed(), keys_request(&["a", "b"], Some(before[2].position)), CancellationToken::new())
            .await
            .expect("resume");
        assert_eq!(shown(&take(&mut rx, 3).await), ["reset", "current b", "live"]);
    }

    #[tokio::test]
    async fn resuming_from_pruned_changes_or_a_snapshot_resets() {
        let mut f = Fixture::new(3, 64).await;
        f.apply(vec![put("a", json!({"n": 1}))]).await;
        let mut rx = start(f.feed(), keys_request(&["a"], None), CancellationToken::new()).await.expect("start");
        let first = take(&mut rx, 2).await;
        drop(rx);
        for n in 2..10 {
            f.apply(vec![put("a", json!({"n": n}))]).await;
        }
        let mut rx = start(f.feed(), keys_request(&["a"], Some(first[1].position)), CancellationToken::new())
            .await
            .expect("resume");
        let reset = take(&mut rx, 3).await;
        assert_eq!(shown(&reset), ["reset", "current a", "live"]);
        match &reset[1].item {
            WatchItem::Current(d) => assert_eq!(d.body, json!({"n": 9})),
            other => panic!("expected the current document, got {other:?}"),
        }
        // A position inside a snapshot: the watcher holds part of it.
        let mut rx = start(f.feed(), keys_request(&["a"], Some(first[0].position)), CancellationToken::new())
            .await
            .expect("resume");
        assert_eq!(shown(&take(&mut rx, 3).await), ["reset", "current a", "live"]);
        // A seq this generation never reached.
        let ahead = WatchPosition { generation: 1, seq: 99, snapshot: false };
        let mut rx =
            start(f.feed(), keys_request(&["a"], Some(ahead)), CancellationToken::new()).await.expect("resume");
        assert_eq!(shown(&take(&mut rx, 3).await), ["reset", "current a", "live"]);
    }

    /// The heart of snapshot consistency: documents read while writes went
    /// on are brought to one moment's state by the changes in the window,
    /// including deletes and a key deleted and written again (whose version
    /// starts over, so versions alone could not tell).
    #[tokio::test]
    async fn the_window_replay_makes_the_snapshot_one_moments_state() {
        for selection in [
            Selection::Keys(["a", "b", "c", "d"].iter().map(|k| k.to_string()).collect()),
            Selection::Query { text: None, filters: vec![] },
        ] {
            let mut f = Fixture::new(10_000, 64).await;
            f.apply(vec![put("a", json!({"n": 1})), put("b", json!({"n": 1})), put("c", json!({"n": 1}))]).await;
            let watcher = Watcher {
                store: f.store.clone(),
                serving: f.serving.subscribe(),
                request: WatchRequest {
                    projection: "accounts".into(),
                    selection: selection.clone(),
                    key_prefix: None,
                    resume_after: None,
                },
                index: f.index.clone(),
                last: 0,
                behind: false,
                held: Held::Known(BTreeSet::new()),
                pending: Vec::new(),
            };
            let before = f.store.last_seq(&f.index).await.expect("seq");
            let mut documents = watcher.read_current().await.expect("read");
            // Written after the read, before the window closes.
            f.apply(vec![
                del("a"),
                put("a", json!({"n": 9})),
                put("b", json!({"n": 2})),
                del("c"),
                put("d", json!({})),
            ])
            .await;
            let after = f.store.last_seq(&f.index).await.expect("seq");
            watcher.replay_window(before, after, &mut documents).await.expect("replay");
            let now = f.store.search(&f.index, &SearchQuery::default()).await.expect("search").documents;
            let now: BTreeMap<String, Document> = now.into_iter().map(|d| (d.key.clone(), d)).collect();
            assert_eq!(documents, now, "{selection:?}");
            assert_eq!(documents["a"].version, 1, "recreated: its version started over");
        }
    }

    #[tokio::test]
    async fn query_watch_sends_matches_and_deletes_what_stops_matching() {
        let mut f = Fixture::new(10_000, 64).await;
        f.apply(vec![
            put("acme/1", json!({"status": "open", "title": "urgent refund"})),
            put("acme/2", json!({"status": "closed", "title": "urgent"})),
            put("acme/3", json!({"status": "open", "title": "routine"})),
            put("globex/4", json!({"status": "open", "title": "urgent"})),
        ])
        .await;
        let open = || vec![FieldFilter::Equals { field: "status".into(), value: json!("open") }];
        let request = query_request(Some("urgent"), open(), Some("acme/"));
        let mut rx = start(f.feed(), request, CancellationToken::new()).await.expect("start");
        assert_eq!(shown(&take(&mut rx, 2).await), ["current acme/1", "live"]);
        // One write at a time: each is judged exactly.
        f.apply(vec![put("acme/2", json!({"status": "open", "title": "urgent"}))]).await;
        assert_eq!(show(&next(&mut rx).await), "upsert acme/2");
        f.apply(vec![put("acme/2", json!({"status": "open", "title": "calm now"}))]).await;
        assert_eq!(show(&next(&mut rx).await), "delete acme/2");
        f.apply(vec![
            put("acme/3", json!({"status": "closed", "title": "routine"})), // never matched
            put("globex/4", json!({"status": "open", "title": "urgent!"})), // another tenant
            put("acme/1", json!({"status": "closed", "title": "urgent refund"})), // stops matching
            put("acme/1", json!({"status": "closed", "title": "still closed"})), // not held any more
            put("acme/6", json!({"status": "open", "title": "urgent"})),    // overwritten below
            put("acme/6", json!({"status": "open", "title": "routine"})),
        ])
        .await;
        f.apply(vec![put("acme/5", json!({"status": "open", "title": "urgent"}))]).await;
        // acme/6 never matched as stored when handled: nothing of it, but
        // never a document that does not match.
        assert_eq!(shown(&take(&mut rx, 2).await), ["delete acme/1", "upsert acme/5"]);
        // A filter-only watch sees every change, overwritten or not.
        let mut rx =
            start(f.feed(), query_request(None, open(), Some("acme/")), CancellationToken::new()).await.expect("start");
        assert_eq!(shown(&take(&mut rx, 4).await), ["current acme/2", "current acme/5", "current acme/6", "live"]);
        f.apply(vec![
            put("acme/7", json!({"status": "open"})),
            put("acme/7", json!({"status": "closed"})),
            del("acme/5"),
        ])
        .await;
        assert_eq!(shown(&take(&mut rx, 3).await), ["upsert acme/7", "delete acme/7", "delete acme/5"]);
    }

    #[tokio::test]
    async fn a_resumed_query_watch_deletes_unseen_keys_that_stop_matching_once() {
        let mut f = Fixture::new(10_000, 64).await;
        f.apply(vec![put("a", json!({"open": true})), put("b", json!({"open": false}))]).await;
        let open = || vec![FieldFilter::Equals { field: "open".into(), value: json!(true) }];
        let mut rx = start(f.feed(), query_request(None, open(), None), CancellationToken::new()).await.expect("start");
        let live = take(&mut rx, 2).await;
        drop(rx);
        let mut request = query_request(None, open(), None);
        request.resume_after = Some(live[1].position);
        f.apply(vec![put("a", json!({"open": false})), put("a", json!({"open": false, "x": 1}))]).await;
        let mut rx = start(f.feed(), request, CancellationToken::new()).await.expect("resume");
        // a: it may be held, so its first non-match is a delete; then known.
        assert_eq!(shown(&take(&mut rx, 2).await), ["live", "delete a"]);
        f.apply(vec![put("b", json!({"open": true}))]).await;
        assert_eq!(show(&next(&mut rx).await), "upsert b");
    }

    #[tokio::test]
    async fn a_query_matching_too_much_is_refused() {
        let mut f = Fixture::new(10_000, 64).await;
        let writes = (0..=MAX_QUERY_SNAPSHOT).map(|n| put(&format!("k{n:05}"), json!({"n": n}))).collect();
        f.apply(writes).await;
        let result = start(f.feed(), query_request(None, vec![], None), CancellationToken::new()).await;
        assert_eq!(result.err(), Some(WatchError::TooBroad { limit: MAX_QUERY_SNAPSHOT }));
        let narrow =
            vec![FieldFilter::Range { field: "n".into(), gt: None, gte: None, lt: Some(json!(10)), lte: None }];
        let mut rx = start(f.feed(), query_request(None, narrow, None), CancellationToken::new()).await.expect("start");
        assert_eq!(take(&mut rx, 11).await.last().map(show), Some("live".to_string()));
    }

    /// The in-memory matcher agrees with the store on the same documents.
    #[tokio::test]
    async fn in_memory_filters_agree_with_the_store() {
        let mut f = Fixture::new(10_000, 64).await;
        let bodies = [
            json!({"n": 1, "s": "a", "b": true, "tags": ["x", "y"], "o": {"p": 2.5}}),
            json!({"n": 2.0, "s": "B", "b": false, "tags": [], "o": {"p": "2.5"}}),
            json!({"n": "2", "s": "é", "tags": [null], "o": {}}),
            json!({"n": [1, 10], "s": null, "b": 1, "tags": "x"}),
            json!({}),
        ];
        let writes = bodies.iter().enumerate().map(|(i, b)| put(&format!("d{i}"), b.clone())).collect();
        f.apply(writes).await;
        let eq = |field: &str, value: Value| FieldFilter::Equals { field: field.into(), value };
        let filters = vec![
            eq("n", json!(2)),
            eq("n", json!("2")),
            eq("n", json!(1)),
            eq("b", json!(true)),
            eq("b", json!(1)),
            eq("tags", json!("x")),
            eq("tags", Value::Null),
            eq("s", Value::Null),
            eq("o", Value::Null),
            eq("o.p", json!(2.5)),
            FieldFilter::In { field: "s".into(), values: vec![json!("a"), json!("é"), json!(false)] },
            range("n", Some(json!(1)), None, None, None),
            range("n", None, Some(json!(1)), Some(json!(2)), None),
            range("n", None, None, None, Some(json!(1))),
            range("s", Some(json!("B")), None, None, None),
            range("s", None, None, Some(json!("a")), None),
            range("o.p", None, Some(json!(2)), None, None),
            range("tags", None, None, None, None),
        ];
        for filter in filters {
            let query = SearchQuery { filters: vec![filter.clone()], ..SearchQuery::default() };
            let stored: Vec<String> =
                f.store.search(&f.index, &query).await.expect("search").documents.into_iter().map(|d| d.key).collect();
            let in_memory: Vec<String> = bodies
                .iter()
                .enumerate()
                .filter(|(_, b)| matches_filters(b, std::slice::from_ref(&filter)))
                .map(|(i, _)| format!("d{i}"))
                .collect();
            assert_eq!(in_memory, stored, "{filter:?}");
        }
    }
}
