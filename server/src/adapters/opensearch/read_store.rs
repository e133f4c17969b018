//! The OpenSearch [`ReadStore`].
//!
//! # Layout
//!
//! - `<prefix>meta`: one *state* document per index (`i:<index name>`: the
//!   spec, the checkpoint, the committed attempt, the last change seq…)
//!   and the read side's bookkeeping (`m:<key>`).
//! - `<prefix>read-<projection>.<generation>`: one OpenSearch index per
//!   [`IndexId`] holding *version documents* (`kind: doc`), the change log
//!   (`kind: change`, id `c:<seq>`) and parked events (`kind: parked`,
//!   id `p:<n>`).
//! - `<prefix>read-<projection>`: an alias on the generation the projection
//!   engine serves, filtered to the current documents, for tools outside
//!   Nexus (dashboards); Nexus itself always names the generation.
//!
//! # Atomic applies without transactions
//!
//! Every apply is an *attempt* with a number from a per-index counter kept
//! in the state document. A write of a key never changes the document
//! readers see: it creates a version document `d:<attempt>:<key>` valid
//! from that attempt (`from`) and marks the version it replaces as valid
//! until it (`to`). Readers take the state's committed attempt `C` and see
//! exactly the versions with `from <= C < to`, the changes up to the
//! committed last seq and the parked events up to the committed count.
//! An apply:
//!
//! 1. writes the state with `pending: true` and the new attempt number
//!    (the *intent*; external version `2a`, so two writers claiming the
//!    same attempt cannot both succeed);
//! 2. if the previous attempt never committed, removes what it left
//!    (versions from it, its changes and parked events) and un-marks the
//!    versions it replaced;
//! 3. sends the versions, changes and parked events in `_bulk` requests with
//!    `version_type=external` (version `2a + 1`) and `refresh=wait_for`,
//!    retrying items that failed with 429, 403 or 5xx; a 409 means a newer
//!    write of that document is there already, which only a re-sent request
//!    can meet, so it counts as done;
//! 4. writes the state with the new checkpoint and `committed = a`
//!    (external version `2a + 1`): the commit point.
//!
//! Until step 4 readers see the previous batch; afterwards all of the new
//! one. A crash in between leaves a pending intent, cleaned up by the next
//! apply, which re-applies from the checkpoint that was committed.
//!
//! Versions replaced more than [`GC_LAG`] commits ago are deleted now and
//! then (`_delete_by_query`), as are pruned changes. A reader whose
//! snapshot is older than what may have been deleted (the state's
//! `gc_below`) searches again.

use std::{
    collections::{HashMap, HashSet},
    sync::Mutex,
    time::Duration,
};

use async_trait::async_trait;
use opensearch::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Client, OpenSearchConfig, Reply, path_segment, retryable, status_error};
use crate::core::{
    model::{Position, now_micros},
    read_store::{
        ApplyBatch, Document, DocumentChange, DocumentWrite, IndexCheckpoint, IndexId, IndexSpec, ParkedEvent,
        ReadStore, ReadStoreError, SearchPage, SearchQuery,
    },
};

mod query;
#[cfg(test)]
mod tests;

/// Replaced versions are kept for this many commits, so a reader that took
/// its snapshot up to that many commits ago still finds them.
const GC_LAG: usize = 8;
/// Old versions and pruned changes are swept every this many attempts (and
/// on the first apply to an index after start).
const SWEEP_EVERY: u64 = 32;
/// `to` of a version nothing replaced yet.
/// Larger than any attempt number (they start from the clock in microseconds:
/// 2^53 µs is in the year 2255), and exact as a double, which is how some
/// OpenSearch emulators compare numbers.
const CURRENT: i64 = 1 << 53;
/// Actions per `_bulk` request.
const BULK_ACTIONS: usize = 1000;
/// Tries of a `_bulk` item that fails with a retryable status.
const BULK_TRIES: u32 = 6;
/// Tries of a read whose snapshot was swept away meanwhile.
const READ_TRIES: u32 = 5;
/// Hits per page when the store reads many documents itself.
const SCAN_PAGE: usize = 1000;

/// The OpenSearch [`ReadStore`]. A single writer per index: see the module
/// documentation and `docs/OPENSEARCH.md`.
pub struct OpenSearchReadStore {
    client: Client,
    prefix: String,
    meta_index: String,
    keep_changes: u64,
    /// Indexes swept since start.
    swept: Mutex<HashSet<String>>,
}

/// The state document of one index in the meta index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IndexState {
    kind: String,
    projection: String,
    generation: u32,
    text_fields: Vec<String>,
    /// The last attempt number handed out.
    attempt: u64,
    /// Whether attempt `attempt` has not committed (yet, or ever).
    pending: bool,
    /// The last committed attempt: readers see versions valid at it.
    committed: u64,
    last_seq: u64,
    /// Changes up to this seq are pruned.
    pruned_seq: u64,
    checkpoint: Option<StoredPosition>,
    events: u64,
    parked: u64,
    updated_at: i64,
    /// The last [`GC_LAG`] committed attempts, oldest first.
    recent: Vec<u64>,
    /// Versions replaced at or before this attempt may be deleted.
    gc_below: u64,
}

impl IndexState {
    /// A fresh index. Attempt numbers start from the clock so that they
    /// grow across a drop and a create of the same index too (OpenSearch
    /// remembers versions of deleted documents for a while).
    fn new(spec: &IndexSpec) -> Self {
        let start = now_micros().max(0) as u64;
        Self {
            kind: "index".into(),
            projection: spec.id.projection.clone(),
            generation: spec.id.generation,
            text_fields: spec.text_fields.clone(),
            attempt: start,
            pending: false,
            committed: start,
            last_seq: 0,
            pruned_seq: 0,
            checkpoint: None,
            events: 0,
            parked: 0,
            updated_at: 0,
            recent: Vec::new(),
            gc_below: 0,
        }
    }

    /// Versions visible at the committed attempt.
    fn visible(&self) -> Value {
        json!([
            { "term": { "kind": "doc" } },
            { "range": { "from": { "lte": self.committed } } },
            { "range": { "to": { "gt": self.committed } } },
        ])
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredPosition {
    token: String,
    global: Option<u64>,
}

impl From<&Position> for StoredPosition {
    fn from(p: &Position) -> Self {
        Self { token: p.token.clone(), global: p.global }
    }
}

impl From<StoredPosition> for Position {
    fn from(p: StoredPosition) -> Self {
        Self { token: p.token, global: p.global }
    }
}

/// A document as stored in a version document and in a change.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredDocument {
    key: String,
    body: Value,
    version: u64,
    position: StoredPosition,
    updated_at: i64,
}

impl StoredDocument {
    fn from_document(d: &Document) -> Self {
        Self {
            key: d.key.clone(),
            body: d.body.clone(),
            version: d.version,
            position: (&d.position).into(),
            updated_at: d.updated_at_micros,
        }
    }

    fn into_document(self) -> Document {
        Document {
            key: self.key,
            body: self.body,
            version: self.version,
            position: self.position.into(),
            updated_at_micros: self.updated_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredChange {
    seq: u64,
    key: String,
    document: Option<StoredDocument>,
    position: StoredPosition,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredParked {
    event_id: uuid::Uuid,
    stream_id: String,
    revision: u64,
    event_type: String,
    position: StoredPosition,
    error: String,
    parked_at: i64,
}

/// One `_bulk` action with its source.
struct BulkItem {
    id: String,
    version: u64,
    source: Value,
}

impl OpenSearchReadStore {
    /// Connects to the cluster and creates the meta index if missing.
    /// `keep_changes`: changes kept in each index's change log.
    pub async fn connect(config: &OpenSearchConfig, keep_changes: u64) -> Result<Self, ReadStoreError> {
        config.validate().map_err(|e| ReadStoreError::Internal(e.to_string()))?;
        let store = Self {
            client: Client::new(config)?,
            prefix: config.index_prefix.clone(),
            meta_index: format!("{}meta", config.index_prefix),
            keep_changes: keep_changes.max(1),
            swept: Mutex::new(HashSet::new()),
        };
        let mapping = json!({
            "mappings": {
                "dynamic": false,
                "properties": {
                    "kind": { "type": "keyword" },
                    "projection": { "type": "keyword" },
                    "generation": { "type": "long" },
                }
            }
        });
        store.create_physical(&store.meta_index, &mapping).await?;
        Ok(store)
    }

    /// The OpenSearch index of an [`IndexId`].
    pub fn index_name(&self, id: &IndexId) -> String {
        format!("{}.{}", self.alias_name(&id.projection), id.generation)
    }

    /// The alias following the serving generation of a projection.
    pub fn alias_name(&self, projection: &str) -> String {
        // Index names are lowercase without most punctuation: other
        // characters become `_` and two hex digits per byte, which keeps
        // names distinct.
        let mut name = format!("{}read-", self.prefix);
        for byte in projection.bytes() {
            if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' {
                name.push(byte as char);
            } else {
                name.push_str(&format!("_{byte:02x}"));
            }
        }
        name
    }

    /// Creates an OpenSearch index; an existing one is fine.
    async fn create_physical(&self, name: &str, body: &Value) -> Result<bool, ReadStoreError> {
        let reply = self.client.call(Method::Put, &format!("/{name}"), &[], Some(body)).await?;
        if reply.error_type() == "resource_already_exists_exception" {
            return Ok(false);
        }
        reply.ok(&format!("create index {name}"))?;
        Ok(true)
    }

    async fn delete_physical(&self, name: &str) -> Result<(), ReadStoreError> {
        let reply = self.client.call(Method::Delete, &format!("/{name}"), &[], None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(());
        }
        reply.ok(&format!("delete index {name}")).map(|_| ())
    }

    /// A document of the meta index, with its version (realtime).
    async fn meta_doc(&self, id: &str) -> Result<Option<(Value, u64)>, ReadStoreError> {
        let path = format!("/{}/_doc/{}", self.meta_index, path_segment(id));
        let reply = self.client.call(Method::Get, &path, &[], None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = reply.ok("read the read store's meta index")?;
        let version = body.get("_version").and_then(Value::as_u64).unwrap_or(0);
        Ok(body.get("_source").cloned().map(|s| (s, version)))
    }

    /// Writes a document of the meta index; `version`: external version.
    /// A conflict means another writer moved the document on. `listed`:
    /// wait until searches (`list_indexes`) see it.
    async fn put_meta_doc(
        &self,
        id: &str,
        source: &Value,
        version: Option<u64>,
        listed: bool,
    ) -> Result<(), ReadStoreError> {
        let path = format!("/{}/_doc/{}", self.meta_index, path_segment(id));
        let version_text = version.map(|v| v.to_string());
        let mut query = vec![];
        if listed {
            query.push(("refresh", "wait_for"));
        }
        if let Some(v) = &version_text {
            query.push(("version", v.as_str()));
            query.push(("version_type", "external"));
        }
        let reply = self.client.call(Method::Put, &path, &query, Some(source)).await?;
        if reply.status == StatusCode::CONFLICT {
            return Err(ReadStoreError::Internal(format!(
                "{id} was written by another writer meanwhile; an index takes one writer at a time"
            )));
        }
        reply.ok(&format!("write {id} to the meta index")).map(|_| ())
    }

    fn state_id(&self, id: &IndexId) -> String {
        format!("i:{}", self.index_name(id))
    }

    async fn state(&self, id: &IndexId) -> Result<Option<IndexState>, ReadStoreError> {
        let Some((source, _)) = self.meta_doc(&self.state_id(id)).await? else { return Ok(None) };
        serde_json::from_value(source).map(Some).map_err(|e| internal(format!("bad state of index {id}: {e}")))
    }

    async fn existing_state(&self, id: &IndexId) -> Result<IndexState, ReadStoreError> {
        self.state(id).await?.ok_or_else(|| ReadStoreError::IndexNotFound(id.to_string()))
    }

    async fn put_state(&self, id: &IndexId, state: &IndexState, version: u64) -> Result<(), ReadStoreError> {
        let source = serde_json::to_value(state).map_err(internal)?;
        self.put_meta_doc(&self.state_id(id), &source, Some(version), false).await
    }

    /// Runs a read at the committed snapshot, again when versions it may
    /// have needed were swept meanwhile.
    async fn read_committed<T, F, Fut>(&self, id: &IndexId, read: F) -> Result<T, ReadStoreError>
    where
        F: Fn(IndexState) -> Fut,
        Fut: Future<Output = Result<T, ReadStoreError>>,
    {
        for _ in 0..READ_TRIES {
            let state = self.existing_state(id).await?;
            let committed = state.committed;
            let result = read(state).await?;
            if self.existing_state(id).await?.gc_below <= committed {
                return Ok(result);
            }
        }
        Err(ReadStoreError::Unavailable(format!("index {id} changes too fast to read a consistent snapshot")))
    }

    async fn search_raw(&self, index: &str, body: &Value) -> Result<Value, ReadStoreError> {
        let reply = self.client.call(Method::Post, &format!("/{index}/_search"), &[], Some(body)).await?;
        if reply.error_type() == "index_not_found_exception" {
            return Err(internal(format!("the OpenSearch index {index} is gone while its state is there")));
        }
        reply.ok(&format!("search {index}"))
    }

    /// Every hit of a query, in `sort` order (which must end with a unique
    /// field), `limit` at most.
    async fn scan(&self, index: &str, query: Value, sort: Value, limit: usize) -> Result<Vec<Value>, ReadStoreError> {
        let mut hits = Vec::new();
        let mut after: Option<Value> = None;
        while hits.len() < limit {
            let size = (limit - hits.len()).min(SCAN_PAGE);
            let mut body = json!({ "query": query, "sort": sort, "size": size, "track_total_hits": false });
            if let Some(after) = &after {
                body["search_after"] = after.clone();
            }
            let page = self.search_raw(index, &body).await?;
            let page = page.pointer("/hits/hits").and_then(Value::as_array).cloned().unwrap_or_default();
            let full = page.len() == size;
            after = page.last().and_then(|h| h.get("sort")).cloned();
            hits.extend(page);
            if !full || after.is_none() {
                break;
            }
        }
        Ok(hits)
    }

    async fn delete_by_query(&self, index: &str, query: Value, refresh: bool) -> Result<(), ReadStoreError> {
        let path = format!("/{index}/_delete_by_query");
        let params = [("conflicts", "proceed"), ("refresh", if refresh { "true" } else { "false" })];
        self.client
            .call(Method::Post, &path, &params, Some(&json!({ "query": query })))
            .await?
            .ok("delete by query")?;
        Ok(())
    }

    /// Sends bulk `index` actions with external versions, retrying items
    /// that may succeed later. 409 (a newer version is there) counts as done.
    async fn bulk(&self, index: &str, items: Vec<BulkItem>) -> Result<(), ReadStoreError> {
        for chunk in items.chunks(BULK_ACTIONS) {
            let mut todo: Vec<&BulkItem> = chunk.iter().collect();
            let mut tries = 0;
            while !todo.is_empty() {
                tries += 1;
                let mut body = String::new();
                for item in &todo {
                    let action = json!({ "index": {
                        "_index": index, "_id": item.id, "version": item.version, "version_type": "external",
                    } });
                    body.push_str(&action.to_string());
                    body.push('\n');
                    body.push_str(&item.source.to_string());
                    body.push('\n');
                }
                let reply = self.client.call_ndjson("/_bulk", &[("refresh", "wait_for")], body).await;
                let retry: Vec<&BulkItem> = match reply {
                    Ok(Reply { status, body }) if status.is_success() => {
                        let results = body.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
                        if results.len() != todo.len() {
                            return Err(internal(format!("_bulk answered {} items for {}", results.len(), todo.len())));
                        }
                        let mut retry = Vec::new();
                        for (item, result) in todo.iter().zip(results) {
                            let result = result.get("index").cloned().unwrap_or_default();
                            let status = result.get("status").and_then(Value::as_u64).unwrap_or(500) as u16;
                            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                            if status.is_success() || status == StatusCode::CONFLICT {
                                continue;
                            }
                            if retryable(status) && tries < BULK_TRIES {
                                retry.push(*item);
                                continue;
                            }
                            let what = format!("write {} to {index}", item.id);
                            return Err(status_error(&what, status, &result));
                        }
                        retry
                    }
                    Ok(reply) if retryable(reply.status) && tries < BULK_TRIES => todo,
                    Ok(reply) => return Err(status_error(&format!("_bulk to {index}"), reply.status, &reply.body)),
                    Err(ReadStoreError::Unavailable(_)) if tries < BULK_TRIES => todo,
                    Err(e) => return Err(e),
                };
                if !retry.is_empty() {
                    tracing::debug!(index, items = retry.len(), tries, "retrying bulk items");
                    tokio::time::sleep(Duration::from_millis(50 << tries)).await;
                }
                todo = retry;
            }
        }
        Ok(())
    }

    /// Claims the next attempt of an index (writing the intent) and cleans
    /// up after an attempt that never committed. Returns the state to
    /// commit later, with `attempt` set to the claimed number.
    async fn begin(&self, id: &IndexId) -> Result<IndexState, ReadStoreError> {
        let mut state = self.existing_state(id).await?;
        let abandoned = state.pending;
        state.attempt += 1;
        state.pending = true;
        self.put_state(id, &state, 2 * state.attempt).await?;
        let index = self.index_name(id);
        if abandoned {
            self.clean_up(&index, &state).await?;
        }
        let first = self.swept.lock().map_err(|_| poisoned())?.insert(index.clone());
        if first || state.attempt.is_multiple_of(SWEEP_EVERY) {
            self.sweep(&index, &state).await?;
        }
        Ok(state)
    }

    /// Removes what attempts after the committed one left behind.
    async fn clean_up(&self, index: &str, state: &IndexState) -> Result<(), ReadStoreError> {
        let c = state.committed;
        let left = json!({ "bool": { "should": [
            { "bool": { "filter": [{ "term": { "kind": "doc" } }, { "range": { "from": { "gt": c } } }] } },
            { "bool": { "filter": [
                { "term": { "kind": "change" } }, { "range": { "seq": { "gt": state.last_seq } } },
            ] } },
            { "bool": { "filter": [{ "term": { "kind": "parked" } }, { "range": { "n": { "gt": state.parked } } }] } },
        ], "minimum_should_match": 1 } });
        self.delete_by_query(index, left, true).await?;
        let replaced = json!({ "bool": { "filter": [
            { "term": { "kind": "doc" } }, { "range": { "from": { "lte": c } } },
            { "range": { "to": { "gt": c, "lt": CURRENT } } },
        ] } });
        loop {
            let hits =
                self.scan(index, replaced.clone(), json!([{ "key": "asc" }, { "from": "asc" }]), SCAN_PAGE).await?;
            if hits.is_empty() {
                return Ok(());
            }
            let items = hits
                .into_iter()
                .filter_map(|hit| {
                    let id = hit.get("_id")?.as_str()?.to_string();
                    let mut source = hit.get("_source")?.clone();
                    source["to"] = json!(CURRENT);
                    Some(BulkItem { id, version: 2 * state.attempt, source })
                })
                .collect();
            self.bulk(index, items).await?;
        }
    }

    /// Deletes versions no reader needs any more and pruned changes.
    async fn sweep(&self, index: &str, state: &IndexState) -> Result<(), ReadStoreError> {
        let old = json!({ "bool": { "should": [
            { "bool": { "filter": [
                { "term": { "kind": "doc" } }, { "range": { "to": { "lte": state.gc_below } } },
            ] } },
            { "bool": { "filter": [
                { "term": { "kind": "change" } }, { "range": { "seq": { "lte": state.pruned_seq } } },
            ] } },
        ], "minimum_should_match": 1 } });
        self.delete_by_query(index, old, false).await
    }

    /// Writes the commit point of an attempt.
    async fn commit(&self, id: &IndexId, mut state: IndexState) -> Result<(), ReadStoreError> {
        state.pending = false;
        state.committed = state.attempt;
        state.recent.push(state.attempt);
        if state.recent.len() > GC_LAG {
            state.recent.remove(0);
        }
        if state.recent.len() == GC_LAG {
            state.gc_below = state.recent[0];
        }
        self.put_state(id, &state, 2 * state.attempt + 1).await
    }

    /// The current versions of `keys` (after a clean-up, those with `to`
    /// unset): document id and source.
    async fn current_versions(
        &self,
        index: &str,
        keys: &[&str],
    ) -> Result<HashMap<String, (String, Value)>, ReadStoreError> {
        let mut found = HashMap::new();
        for chunk in keys.chunks(SCAN_PAGE) {
            let query = json!({ "bool": { "filter": [
                { "term": { "kind": "doc" } }, { "term": { "to": CURRENT } }, { "terms": { "key": chunk } },
            ] } });
            for hit in self.scan(index, query, json!([{ "key": "asc" }, { "from": "asc" }]), chunk.len() * 2).await? {
                let id = hit.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
                let source = hit.get("_source").cloned().unwrap_or_default();
                let key = source.get("key").and_then(Value::as_str).unwrap_or_default().to_string();
                found.insert(key, (id, source));
            }
        }
        Ok(found)
    }

    /// Sends an attempt's writes, changes and parked events (steps 2–3 of
    /// the module documentation), updating `state` to commit afterwards.
    async fn write(
        &self,
        id: &IndexId,
        state: &mut IndexState,
        batch: ApplyBatch,
    ) -> Result<Vec<DocumentChange>, ReadStoreError> {
        let index = self.index_name(id);
        let attempt = state.attempt;
        let version = 2 * attempt + 1;
        let now = now_micros();
        let mut order: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        for (write, _) in &batch.writes {
            if seen.insert(write.key()) {
                order.push(write.key());
            }
        }
        let before = self.current_versions(&index, &order).await?;
        let mut now_docs: HashMap<String, Option<Document>> = HashMap::new();
        let mut changes = Vec::new();
        let mut seq = state.last_seq;
        for (write, position) in &batch.writes {
            let key = write.key().to_string();
            let current = match now_docs.get(&key) {
                Some(doc) => doc.clone(),
                None => before.get(&key).map(|(_, source)| version_document(source)).transpose()?,
            };
            match write {
                DocumentWrite::Upsert { body, .. } => {
                    let doc = Document {
                        key: key.clone(),
                        body: body.clone(),
                        version: current.map_or(1, |d| d.version + 1),
                        position: position.clone(),
                        updated_at_micros: now,
                    };
                    seq += 1;
                    changes.push(DocumentChange {
                        seq,
                        key: key.clone(),
                        document: Some(doc.clone()),
                        position: position.clone(),
                    });
                    now_docs.insert(key, Some(doc));
                }
                DocumentWrite::Delete { .. } => {
                    if current.is_none() {
                        continue;
                    }
                    seq += 1;
                    changes.push(DocumentChange { seq, key: key.clone(), document: None, position: position.clone() });
                    now_docs.insert(key, None);
                }
            }
        }

        let mut items = Vec::new();
        for key in order {
            let Some(after) = now_docs.remove(key) else { continue };
            if let Some((old_id, source)) = before.get(key) {
                let mut source = source.clone();
                source["to"] = json!(attempt);
                items.push(BulkItem { id: old_id.clone(), version, source });
            }
            if let Some(doc) = after {
                let source = version_source(&doc, attempt, &state.text_fields)?;
                items.push(BulkItem { id: version_id(attempt, key), version, source });
            }
        }
        for change in &changes {
            let stored = StoredChange {
                seq: change.seq,
                key: change.key.clone(),
                document: change.document.as_ref().map(StoredDocument::from_document),
                position: (&change.position).into(),
            };
            let source = json!({ "kind": "change", "seq": change.seq, "change": stored });
            items.push(BulkItem { id: format!("c:{}", change.seq), version, source });
        }
        for (i, p) in batch.parked.iter().enumerate() {
            let n = state.parked + i as u64 + 1;
            let stored = StoredParked {
                event_id: p.event_id,
                stream_id: p.stream_id.clone(),
                revision: p.revision,
                event_type: p.event_type.clone(),
                position: (&p.position).into(),
                error: p.error.clone(),
                parked_at: p.parked_at_micros,
            };
            items.push(BulkItem {
                id: format!("p:{n}"),
                version,
                source: json!({ "kind": "parked", "n": n, "parked": stored }),
            });
        }
        self.bulk(&index, items).await?;

        state.last_seq = seq;
        if seq > self.keep_changes {
            state.pruned_seq = state.pruned_seq.max(seq - self.keep_changes);
        }
        state.checkpoint = Some((&batch.checkpoint).into());
        state.events += batch.events;
        state.parked += batch.parked.len() as u64;
        state.updated_at = now;
        Ok(changes)
    }

    /// Points the projection's alias at one generation, in one `_aliases`
    /// request, filtered to current versions.
    async fn switch_alias(&self, id: &IndexId) -> Result<(), ReadStoreError> {
        let alias = self.alias_name(&id.projection);
        let index = self.index_name(id);
        let reply = self.client.call(Method::Get, &format!("/_alias/{alias}"), &[], None).await?;
        let mut actions = Vec::new();
        if reply.status.is_success() {
            for old in reply.body.as_object().into_iter().flat_map(|o| o.keys()) {
                if *old != index {
                    actions.push(json!({ "remove": { "index": old, "alias": alias } }));
                }
            }
        }
        let filter = json!({ "bool": { "filter": [{ "term": { "kind": "doc" } }, { "term": { "to": CURRENT } }] } });
        actions.push(json!({ "add": { "index": index, "alias": alias, "filter": filter } }));
        let body = json!({ "actions": actions });
        self.client.call(Method::Post, "/_aliases", &[], Some(&body)).await?.ok("switch alias")?;
        Ok(())
    }

    /// Points the projection's alias at the generation the engine records
    /// as serving (under `projection/<name>` in its bookkeeping), once that
    /// generation's index exists. Failing to is logged, not returned: the
    /// alias is for tools outside Nexus, and the next switch repairs it.
    async fn align_alias(&self, projection: &str) -> Result<(), ReadStoreError> {
        let Some(value) = self.get_meta(&format!("projection/{projection}")).await? else { return Ok(()) };
        let generation = serde_json::from_str::<Value>(&value)
            .ok()
            .and_then(|v| v.get("generation").and_then(Value::as_u64))
            .and_then(|g| u32::try_from(g).ok());
        let Some(generation) = generation else { return Ok(()) };
        let id = IndexId { projection: projection.to_string(), generation };
        if self.state(&id).await?.is_some()
            && let Err(error) = self.switch_alias(&id).await
        {
            tracing::warn!(index = %id, %error, "cannot point the projection's alias at its serving generation");
        }
        Ok(())
    }

    /// Indexes the text of the current versions again after the text
    /// fields changed.
    async fn reindex_text(&self, id: &IndexId, text_fields: &[String]) -> Result<(), ReadStoreError> {
        let mut state = self.begin(id).await?;
        state.text_fields = text_fields.to_vec();
        let index = self.index_name(id);
        let query = json!({ "bool": { "filter": [{ "term": { "kind": "doc" } }, { "term": { "to": CURRENT } }] } });
        let hits = self.scan(&index, query, json!([{ "key": "asc" }, { "from": "asc" }]), usize::MAX).await?;
        let mut items = Vec::new();
        for hit in hits {
            let id = hit.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
            let mut source = hit.get("_source").cloned().unwrap_or_default();
            let body = source.get("body").cloned().unwrap_or_default();
            source["text"] = json!(text_of(&body, text_fields));
            items.push(BulkItem { id, version: 2 * state.attempt + 1, source });
        }
        self.bulk(&index, items).await?;
        self.commit(id, state).await
    }

    fn data_mapping() -> Value {
        json!({
            "mappings": {
                "dynamic": true,
                "date_detection": false,
                "numeric_detection": false,
                "dynamic_templates": [
                    { "strings": { "path_match": "fs.*", "mapping": { "type": "keyword" } } },
                    { "numbers": { "path_match": "fn.*", "mapping": { "type": "double" } } },
                    { "booleans": { "path_match": "fb.*", "mapping": { "type": "boolean" } } },
                ],
                "properties": {
                    "kind": { "type": "keyword" },
                    "key": { "type": "keyword" },
                    "from": { "type": "long" },
                    "to": { "type": "long" },
                    "seq": { "type": "long" },
                    "n": { "type": "long" },
                    "nn": { "type": "keyword" },
                    "text": { "type": "text" },
                    "body": { "type": "object", "enabled": false },
                    "position": { "type": "object", "enabled": false },
                    "version": { "type": "long" },
                    "updated_at": { "type": "long" },
                    "change": { "type": "object", "enabled": false },
                    "parked": { "type": "object", "enabled": false },
                    "fs": { "type": "object" },
                    "fn": { "type": "object" },
                    "fb": { "type": "object" },
                }
            }
        })
    }
}

#[async_trait]
impl ReadStore for OpenSearchReadStore {
    async fn create_index(&self, spec: &IndexSpec) -> Result<(), ReadStoreError> {
        for field in &spec.text_fields {
            query::field_name(field)?;
        }
        if let Some(state) = self.state(&spec.id).await? {
            if state.text_fields != spec.text_fields {
                self.reindex_text(&spec.id, &spec.text_fields).await?;
            }
            return Ok(());
        }
        let index = self.index_name(&spec.id);
        if index.len() > 255 {
            return Err(internal(format!("projection name {:?} is too long for OpenSearch", spec.id.projection)));
        }
        if !self.create_physical(&index, &Self::data_mapping()).await? {
            // Left by a drop or a create that did not finish: start over.
            self.delete_physical(&index).await?;
            self.create_physical(&index, &Self::data_mapping()).await?;
        }
        let state = IndexState::new(spec);
        let version = 2 * state.attempt + 1;
        let state = serde_json::to_value(state).map_err(internal)?;
        match self.put_meta_doc(&self.state_id(&spec.id), &state, Some(version), true).await {
            // Someone created it meanwhile.
            Err(ReadStoreError::Internal(_)) if self.state(&spec.id).await?.is_some() => Ok(()),
            Err(e) => Err(e),
            // The engine may have recorded this generation as serving first.
            Ok(()) => self.align_alias(&spec.id.projection).await,
        }
    }

    async fn drop_index(&self, id: &IndexId) -> Result<(), ReadStoreError> {
        let path = format!("/{}/_doc/{}", self.meta_index, path_segment(&self.state_id(id)));
        let reply = self.client.call(Method::Delete, &path, &[("refresh", "true")], None).await?;
        if reply.status != StatusCode::NOT_FOUND {
            reply.ok(&format!("drop index {id}"))?;
        }
        self.delete_physical(&self.index_name(id)).await
    }

    async fn list_indexes(&self) -> Result<Vec<IndexId>, ReadStoreError> {
        let hits = self
            .scan(
                &self.meta_index,
                json!({ "term": { "kind": "index" } }),
                json!([{ "projection": "asc" }, { "generation": "asc" }]),
                usize::MAX,
            )
            .await?;
        hits.into_iter()
            .map(|hit| {
                let state: IndexState = serde_json::from_value(hit.get("_source").cloned().unwrap_or_default())
                    .map_err(|e| internal(format!("bad index state: {e}")))?;
                Ok(IndexId { projection: state.projection, generation: state.generation })
            })
            .collect()
    }

    async fn apply(&self, id: &IndexId, batch: ApplyBatch) -> Result<Vec<DocumentChange>, ReadStoreError> {
        let mut state = self.begin(id).await?;
        let changes = self.write(id, &mut state, batch).await?;
        self.commit(id, state).await?;
        Ok(changes)
    }

    async fn checkpoint(&self, id: &IndexId) -> Result<Option<IndexCheckpoint>, ReadStoreError> {
        let state = self.existing_state(id).await?;
        Ok(state.checkpoint.map(|position| IndexCheckpoint {
            position: position.into(),
            events: state.events,
            parked: state.parked,
            updated_at_micros: state.updated_at,
        }))
    }

    async fn get(&self, id: &IndexId, key: &str) -> Result<Option<Document>, ReadStoreError> {
        let index = self.index_name(id);
        self.read_committed(id, |state| {
            let index = index.clone();
            async move {
                let mut filter = state.visible();
                filter.as_array_mut().expect("array").push(json!({ "term": { "key": key } }));
                let body = json!({ "query": { "bool": { "filter": filter } }, "size": 1 });
                let found = self.search_raw(&index, &body).await?;
                found.pointer("/hits/hits/0/_source").map(version_document).transpose()
            }
        })
        .await
    }

    async fn search(&self, id: &IndexId, query: &SearchQuery) -> Result<SearchPage, ReadStoreError> {
        let plan = query::Plan::new(query)?;
        let index = self.index_name(id);
        self.read_committed(id, |state| {
            let (index, plan) = (index.clone(), &plan);
            async move {
                let found = self.search_raw(&index, &plan.body(state.visible())).await?;
                plan.page(&found)
            }
        })
        .await
    }

    async fn changes(&self, id: &IndexId, after_seq: u64, limit: usize) -> Result<Vec<DocumentChange>, ReadStoreError> {
        let state = self.existing_state(id).await?;
        if after_seq < state.pruned_seq {
            return Err(ReadStoreError::ChangeExpired(after_seq, state.pruned_seq));
        }
        if after_seq >= state.last_seq || limit == 0 {
            return Ok(Vec::new());
        }
        let wanted = limit.min((state.last_seq - after_seq) as usize);
        let query = json!({ "bool": { "filter": [
            { "term": { "kind": "change" } }, { "range": { "seq": { "gt": after_seq, "lte": state.last_seq } } },
        ] } });
        let hits = self.scan(&self.index_name(id), query, json!([{ "seq": "asc" }]), wanted).await?;
        let mut changes = Vec::with_capacity(hits.len());
        for hit in hits {
            let stored: StoredChange =
                serde_json::from_value(hit.pointer("/_source/change").cloned().unwrap_or_default())
                    .map_err(|e| internal(format!("bad change in {id}: {e}")))?;
            changes.push(DocumentChange {
                seq: stored.seq,
                key: stored.key,
                document: stored.document.map(StoredDocument::into_document),
                position: stored.position.into(),
            });
        }
        let consecutive = changes.iter().enumerate().all(|(i, c)| c.seq == after_seq + 1 + i as u64);
        if !consecutive || changes.len() < wanted {
            // Pruned meanwhile (or not swept in step): say so.
            let now = self.existing_state(id).await?;
            if after_seq < now.pruned_seq {
                return Err(ReadStoreError::ChangeExpired(after_seq, now.pruned_seq));
            }
            return Err(internal(format!("the change log of {id} has a gap after {after_seq}")));
        }
        Ok(changes)
    }

    async fn last_seq(&self, id: &IndexId) -> Result<u64, ReadStoreError> {
        Ok(self.existing_state(id).await?.last_seq)
    }

    async fn parked(&self, id: &IndexId, limit: usize) -> Result<Vec<ParkedEvent>, ReadStoreError> {
        let state = self.existing_state(id).await?;
        let query = json!({ "bool": { "filter": [
            { "term": { "kind": "parked" } }, { "range": { "n": { "lte": state.parked } } },
        ] } });
        let hits = self.scan(&self.index_name(id), query, json!([{ "n": "asc" }]), limit).await?;
        hits.into_iter()
            .map(|hit| {
                let p: StoredParked =
                    serde_json::from_value(hit.pointer("/_source/parked").cloned().unwrap_or_default())
                        .map_err(|e| internal(format!("bad parked event in {id}: {e}")))?;
                Ok(ParkedEvent {
                    event_id: p.event_id,
                    stream_id: p.stream_id,
                    revision: p.revision,
                    event_type: p.event_type,
                    position: p.position.into(),
                    error: p.error,
                    parked_at_micros: p.parked_at,
                })
            })
            .collect()
    }

    fn shared(&self) -> bool {
        true
    }

    async fn note_passed(&self, id: &IndexId, passed: &[(String, u64)]) -> Result<(), ReadStoreError> {
        // One mark document per stream, versioned by the revision: a late
        // or repeated write of an older mark is refused (409, counted done).
        let items = passed
            .iter()
            .map(|(stream, revision)| BulkItem {
                id: mark_id(stream),
                version: revision + 1,
                source: json!({ "kind": "mark", "stream": stream, "revision": revision }),
            })
            .collect();
        self.bulk(&self.index_name(id), items).await
    }

    async fn passed(&self, id: &IndexId, stream: &str) -> Result<Option<u64>, ReadStoreError> {
        // A realtime get: sees the mark as soon as its bulk returned.
        let path = format!("/{}/_doc/{}", self.index_name(id), path_segment(&mark_id(stream)));
        let reply = self.client.call(Method::Get, &path, &[], None).await?;
        if reply.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = reply.ok(&format!("read the mark of {stream:?} in {id}"))?;
        Ok(body.pointer("/_source/revision").and_then(Value::as_u64))
    }

    async fn get_meta(&self, key: &str) -> Result<Option<String>, ReadStoreError> {
        let Some((source, _)) = self.meta_doc(&format!("m:{key}")).await? else { return Ok(None) };
        Ok(source.get("value").and_then(Value::as_str).map(str::to_string))
    }

    async fn put_meta(&self, key: &str, value: &str) -> Result<(), ReadStoreError> {
        self.put_meta_doc(&format!("m:{key}"), &json!({ "kind": "meta", "value": value }), None, false).await?;
        if let Some(projection) = key.strip_prefix("projection/") {
            self.align_alias(projection).await?;
        }
        Ok(())
    }
}

/// The id of a version document: the attempt that wrote it and the key
/// (hashed when too long for an OpenSearch id).
/// Id of the document recording how far an index is in `stream`.
fn mark_id(stream: &str) -> String {
    use sha2::{Digest, Sha256};
    let id = format!("s:{stream}");
    if id.len() <= 500 {
        return id;
    }
    let digest = Sha256::digest(stream.as_bytes());
    format!("s:#{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn version_id(attempt: u64, key: &str) -> String {
    use sha2::{Digest, Sha256};
    let id = format!("d:{attempt}:{key}");
    if id.len() <= 500 {
        return id;
    }
    let digest = Sha256::digest(key.as_bytes());
    format!("d:{attempt}:#{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The source of a version document: the document, its validity, its
/// text and its scalar values by kind for filters and sorting.
fn version_source(doc: &Document, attempt: u64, text_fields: &[String]) -> Result<Value, ReadStoreError> {
    let fields = query::Flattened::of(&doc.body);
    let mut source = serde_json::to_value(StoredDocument::from_document(doc)).map_err(internal)?;
    source["kind"] = json!("doc");
    source["from"] = json!(attempt);
    source["to"] = json!(CURRENT);
    source["text"] = json!(text_of(&doc.body, text_fields));
    source["fs"] = fields.strings;
    source["fn"] = fields.numbers;
    source["fb"] = fields.booleans;
    source["nn"] = json!(fields.non_null);
    Ok(source)
}

fn version_document(source: &Value) -> Result<Document, ReadStoreError> {
    let stored: StoredDocument =
        serde_json::from_value(source.clone()).map_err(|e| internal(format!("bad stored document: {e}")))?;
    Ok(stored.into_document())
}

/// The text a document contributes to full-text search: the values of its
/// text fields (strings, numbers, booleans, and those inside arrays and
/// objects), one per line. The same as the embedded store's.
fn text_of(body: &Value, fields: &[String]) -> String {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Null => {}
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Bool(b) => out.push(b.to_string()),
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            Value::Object(members) => members.values().for_each(|v| collect(v, out)),
        }
    }
    let mut out = Vec::new();
    for field in fields {
        if let Some(value) = field.split('.').try_fold(body, |value, segment| value.get(segment)) {
            collect(value, &mut out);
        }
    }
    out.join("\n")
}

fn internal(e: impl std::fmt::Display) -> ReadStoreError {
    ReadStoreError::Internal(e.to_string())
}

fn poisoned() -> ReadStoreError {
    ReadStoreError::Internal("read store lock poisoned".into())
}
