//! The read side's storage, as a port: projected documents, searchable, with
//! the projection's checkpoint written in the same atomic step as the
//! documents, and a change log that watchers resume from.
//!
//! Embedded: SQLite with JSON documents and FTS5. AWS: OpenSearch (bulk,
//! versioned writes).
//!
//! Documents live in an *index*: one generation of one projection. A rebuild
//! fills a new generation while the old one keeps serving reads; the
//! projection engine switches when the new one has caught up.

use async_trait::async_trait;
use serde_json::Value;

use super::model::Position;

/// Errors of the [`ReadStore`] port.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ReadStoreError {
    /// The index does not exist.
    #[error("no index {0}")]
    IndexNotFound(String),
    /// A query the store cannot run (bad field path, bad page token, a text
    /// query FTS cannot parse, values of the wrong kind).
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// A change-log position older than the oldest change kept.
    #[error("change {0} is no longer kept; the oldest kept change follows {1}")]
    ChangeExpired(u64, u64),
    /// A transient backend fault; the operation may be retried.
    #[error("read store unavailable: {0}")]
    Unavailable(String),
    /// An unexpected backend fault.
    #[error("read store failure: {0}")]
    Internal(String),
}

/// Names one generation of one projection's documents.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexId {
    pub projection: String,
    pub generation: u32,
}

impl std::fmt::Display for IndexId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.projection, self.generation)
    }
}

/// How an index is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    pub id: IndexId,
    /// Document fields (dotted paths such as `owner.name`) indexed for
    /// full-text search. Empty: text queries match nothing.
    pub text_fields: Vec<String>,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub key: String,
    pub body: Value,
    /// Increases by one with every write of this key (1 on creation).
    pub version: u64,
    /// Position of the event whose projection last wrote it.
    pub position: Position,
    /// Microseconds since the Unix epoch.
    pub updated_at_micros: i64,
}

/// One write a projection asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum DocumentWrite {
    Upsert { key: String, body: Value },
    Delete { key: String },
}

impl DocumentWrite {
    pub fn key(&self) -> &str {
        match self {
            DocumentWrite::Upsert { key, .. } | DocumentWrite::Delete { key } => key,
        }
    }
}

/// An event a projection could not apply, set aside with its error.
#[derive(Debug, Clone, PartialEq)]
pub struct ParkedEvent {
    pub event_id: uuid::Uuid,
    pub stream_id: String,
    pub revision: u64,
    pub event_type: String,
    pub position: Position,
    pub error: String,
    /// Microseconds since the Unix epoch.
    pub parked_at_micros: i64,
}

/// Everything a projection did for one batch of events, applied atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyBatch {
    /// Writes in order; each carries the position of the event that made it.
    pub writes: Vec<(DocumentWrite, Position)>,
    pub parked: Vec<ParkedEvent>,
    /// The projection's new checkpoint: everything up to here is applied.
    pub checkpoint: Position,
    /// Events consumed in this batch (applied, skipped or parked).
    pub events: u64,
}

/// A projection's progress, stored with its documents.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexCheckpoint {
    pub position: Position,
    /// Events consumed since the index was created.
    pub events: u64,
    /// Events parked since the index was created.
    pub parked: u64,
    /// Microseconds since the Unix epoch of the last apply.
    pub updated_at_micros: i64,
}

/// What happened to one document, as watchers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentChange {
    /// Place in the index's change log: consecutive from 1, never reused.
    pub seq: u64,
    pub key: String,
    /// The document after the change; `None` for a delete.
    pub document: Option<Document>,
    /// Position of the event that caused it.
    pub position: Position,
}

/// A condition on one field (a dotted path into the document).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldFilter {
    Equals {
        field: String,
        value: Value,
    },
    /// Bounds on numbers or strings; `None` is unbounded.
    Range {
        field: String,
        gt: Option<Value>,
        gte: Option<Value>,
        lt: Option<Value>,
        lte: Option<Value>,
    },
    In {
        field: String,
        values: Vec<Value>,
    },
}

/// A sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortField {
    pub field: String,
    pub descending: bool,
}

/// A search over one index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// Full-text query over the index's text fields (all words must match;
    /// a trailing `*` matches a prefix). `None` or empty: no text condition.
    pub text: Option<String>,
    /// All must hold.
    pub filters: Vec<FieldFilter>,
    /// When not empty, only documents with these keys can match (a watch
    /// re-checks one changed document this way).
    pub keys: Vec<String>,
    /// When set, only documents whose key starts with it can match (a
    /// tenant's principal sees only keys under `"<tenant>/"`).
    pub key_prefix: Option<String>,
    /// Sort keys, then the document key as the last tie-breaker. Empty: by
    /// text relevance when there is a text query, else by key.
    pub sort: Vec<SortField>,
    /// 1..=1000; 0 means the default (50).
    pub page_size: usize,
    /// From a previous page of the same query.
    pub page_token: Option<String>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPage {
    pub documents: Vec<Document>,
    pub next_page_token: Option<String>,
    /// Documents matching the query, over all pages.
    pub total: u64,
}

/// Documents, checkpoints and change logs of projections.
///
/// Promises (checked by `crate::conformance::read_store`):
/// - `apply` writes the batch's documents, parked events and the checkpoint
///   atomically: after a crash either all of it is there or none;
/// - every document write appends one change to the index's change log,
///   with consecutive `seq` numbers, in the order of the writes;
/// - a search's `total` counts every match; paging with the returned tokens
///   visits each match exactly once (while nothing is written);
/// - indexes are independent: dropping or filling one never touches another.
#[async_trait]
pub trait ReadStore: Send + Sync + 'static {
    /// Creates the index if it does not exist (idempotent).
    async fn create_index(&self, spec: &IndexSpec) -> Result<(), ReadStoreError>;

    /// Deletes the index with its documents, change log, parked events and
    /// checkpoint. Dropping a missing index is not an error.
    async fn drop_index(&self, id: &IndexId) -> Result<(), ReadStoreError>;

    /// Every existing index.
    async fn list_indexes(&self) -> Result<Vec<IndexId>, ReadStoreError>;

    /// Applies one batch atomically and returns the changes it logged.
    async fn apply(&self, id: &IndexId, batch: ApplyBatch) -> Result<Vec<DocumentChange>, ReadStoreError>;

    /// The index's checkpoint (`None` before the first apply).
    async fn checkpoint(&self, id: &IndexId) -> Result<Option<IndexCheckpoint>, ReadStoreError>;

    /// One document.
    async fn get(&self, id: &IndexId, key: &str) -> Result<Option<Document>, ReadStoreError>;

    /// Searches the index.
    async fn search(&self, id: &IndexId, query: &SearchQuery) -> Result<SearchPage, ReadStoreError>;

    /// Changes after `after_seq` (0: from the first), at most `limit`, in order.
    /// [`ReadStoreError::ChangeExpired`] when changes after `after_seq` were
    /// already pruned.
    async fn changes(&self, id: &IndexId, after_seq: u64, limit: usize) -> Result<Vec<DocumentChange>, ReadStoreError>;

    /// The index's last change seq (0 when it has none).
    async fn last_seq(&self, id: &IndexId) -> Result<u64, ReadStoreError>;

    /// Parked events, oldest first, at most `limit`.
    async fn parked(&self, id: &IndexId, limit: usize) -> Result<Vec<ParkedEvent>, ReadStoreError>;

    /// A small named value of the read side's own bookkeeping (which
    /// generation of a projection serves reads, its definition), `None`
    /// when never set.
    async fn get_meta(&self, key: &str) -> Result<Option<String>, ReadStoreError>;

    /// Sets a bookkeeping value (durably, atomically).
    async fn put_meta(&self, key: &str, value: &str) -> Result<(), ReadStoreError>;

    /// Whether other replicas read and write this same store (OpenSearch):
    /// then one replica at a time runs the projections (a lease) and the
    /// others follow the store. `false` for a store of this replica's own
    /// (SQLite in the data directory).
    fn shared(&self) -> bool {
        false
    }

    /// Records, after the apply that passed them committed, each stream's
    /// highest revision the index has consumed (whether or not it wrote a
    /// document), so that another replica can wait on a stream
    /// ([`ReadStore::passed`]) without a global order of events. A record
    /// never goes back. Only shared stores need to keep these.
    async fn note_passed(&self, _id: &IndexId, _passed: &[(String, u64)]) -> Result<(), ReadStoreError> {
        Ok(())
    }

    /// The highest revision of `stream` recorded by [`ReadStore::note_passed`].
    async fn passed(&self, _id: &IndexId, _stream: &str) -> Result<Option<u64>, ReadStoreError> {
        Ok(None)
    }
}
