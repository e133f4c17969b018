//! The event store on DynamoDB, with DynamoDB Streams as its change feed.
//!
//! One table (`aws.resources.events_table`, keys `pk` string and `sk`
//! number) holds three kinds of item; docs/AWS.md draws them:
//!
//! - **head** (`pk = s#<stream>`, `sk = -1`): the stream's last revision,
//!   state (active, soft-deleted, tombstoned), retention metadata and a
//!   version that every write of the head increments;
//! - **append** (`pk = s#<stream>`, `sk = <first revision>`): all the events
//!   of one append in one binary attribute, so an append is one item;
//! - **idempotency record** (`pk = e#<event id>`, `sk = 0`): where an event
//!   id was stored.
//!
//! An append is one `TransactWriteItems`: the head, conditioned on the
//! version read (optimistic concurrency); the append item, conditioned on
//! `attribute_not_exists` (its revision is free); one idempotency record per
//! event, each conditioned on `attribute_not_exists`. All or nothing. With
//! DynamoDB's 100 items per transaction that makes at most
//! [`MAX_EVENTS_PER_APPEND`] events, and with its 400 KB items at most
//! [`MAX_APPEND_BYTES`] of encoded events; a bigger append is refused
//! whole (never split into parts that could half-succeed).
//!
//! There is no order across streams on this backend: an append's position
//! names the event (stream and revision); ReadAll and SubscribeAll follow
//! the table's DynamoDB Stream and resume from its own tokens (see
//! [`feed`]).

mod codec;
mod feed;
#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::{ProvideErrorMetadata, SdkError},
    operation::transact_write_items::TransactWriteItemsError,
    primitives::Blob,
    types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem},
};
use tokio::sync::{RwLock, broadcast};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use self::{
    codec::{FeedPosition, Head, HeadState, Item, StoredAppend, Token, event_position, parse_token},
    feed::Feed,
};
use super::AwsClients;
use crate::{
    config::DynamoEventStoreConfig,
    core::{
        audit::AUDIT_STREAM,
        model::{
            AllFrom, AllSlice, AppendResult, CommitNotice, Direction, ExpectedRevision, Position, ProposedEvent,
            ReadAllQuery, ReadStreamQuery, RecordedEvent, StreamInfo, StreamMetadata, StreamSlice, now_micros,
        },
        ports::{AuditReceipt, AuditStore, EventStore, StoreError},
    },
};

/// Most events in one append: a transaction holds 100 items, two of them
/// the head and the append item, the rest one idempotency record per event.
pub const MAX_EVENTS_PER_APPEND: usize = 98;
/// Most bytes of encoded events in one append (one item holds 400 KB,
/// names and keys included).
pub const MAX_APPEND_BYTES: usize = 380 * 1024;
/// Attempts of an append that lost a race it may retry (another write of
/// the head that left the expectation met, or a transaction conflict).
const MAX_ATTEMPTS: usize = 20;
/// How often the change feed's tail looks for new shards while none ended.
const SHARD_DISCOVERY_EVERY: Duration = Duration::from_secs(10);
/// Events read per feed page while scanning for a position.
const SCAN_PAGE: usize = 4096;

/// The DynamoDB [`EventStore`] (and [`AuditStore`]: the audit trail is the
/// stream `$audit` of the same table, outside the change feed's log).
pub struct DynamoEventStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    feed: Arc<Feed>,
    commits: broadcast::Sender<Arc<CommitNotice>>,
    closed: AtomicBool,
    /// Appends hold it shared; shutdown takes it exclusively to wait for them.
    in_flight: RwLock<()>,
    tailer: Mutex<Option<(CancellationToken, tokio::task::JoinHandle<()>)>>,
    /// Audit records waiting for the audit writer.
    audit: tokio::sync::mpsc::Sender<AuditBatch>,
}

/// Records of one `submit_audit` call and where to say they are durable.
type AuditBatch = (Vec<ProposedEvent>, tokio::sync::oneshot::Sender<Result<(), StoreError>>);

impl DynamoEventStore {
    /// Opens the store on an existing table with a stream (see
    /// [`super::provision`]) and starts following the stream for commit
    /// notices of other replicas.
    pub async fn open(
        clients: &AwsClients,
        table: &str,
        settings: DynamoEventStoreConfig,
    ) -> Result<Arc<Self>, StoreError> {
        let described = clients
            .dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| ddb_error("DescribeTable", &e))?;
        let stream_arn = described.table().and_then(|t| t.latest_stream_arn()).ok_or_else(|| {
            StoreError::Unavailable(format!(
                "DynamoDB table {table} has no stream: turn on DynamoDB Streams (NEW_IMAGE) for it"
            ))
        })?;
        let feed = Arc::new(Feed::new(clients.dynamodb_streams.clone(), stream_arn.to_string()));
        let (commits, _) = broadcast::channel(1024);
        let (audit, audit_queue) = tokio::sync::mpsc::channel(4096);
        let store = Arc::new(Self {
            client: clients.dynamodb.clone(),
            table: table.to_string(),
            feed: feed.clone(),
            commits: commits.clone(),
            closed: AtomicBool::new(false),
            in_flight: RwLock::new(()),
            tailer: Mutex::new(None),
            audit,
        });
        tokio::spawn(write_audit(Arc::downgrade(&store), audit_queue));
        let stop = CancellationToken::new();
        let tail = Tail::start(clients.dynamodb_streams.clone(), stream_arn.to_string()).await?;
        let task = tokio::spawn(tail.run(commits, settings.poll_interval, stop.clone()));
        if let Ok(mut tailer) = store.tailer.lock() {
            *tailer = Some((stop, task));
        }
        Ok(store)
    }

    async fn head(&self, stream_id: &str) -> Result<Head, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(codec::stream_pk(stream_id)))
            .key("sk", n(codec::HEAD_SK))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ddb_error("GetItem", &e))?;
        Ok(codec::decode_head(out.item()))
    }

    /// Heads of several streams, strongly consistent.
    async fn heads(&self, streams: &HashSet<String>) -> Result<HashMap<String, Head>, StoreError> {
        let keys = streams.iter().map(|stream| key(codec::stream_pk(stream), codec::HEAD_SK)).collect();
        let mut heads = HashMap::new();
        for item in self.batch_get(keys).await? {
            if let Some(stream) = item.s("pk").and_then(|pk| pk.strip_prefix("s#")) {
                heads.insert(stream.to_string(), codec::decode_head(Some(&item)));
            }
        }
        Ok(heads)
    }

    /// Items by key, strongly consistent, 100 keys per request, retrying
    /// the keys DynamoDB leaves unprocessed (with backoff, a bounded number
    /// of times).
    async fn batch_get(
        &self,
        keys: Vec<HashMap<String, AttributeValue>>,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Internal(e.to_string()))?,
            );
            let mut rounds = 0u64;
            while let Some(request) = pending.take() {
                rounds += 1;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| ddb_error("BatchGetItem", &e))?;
                found.extend(out.responses().and_then(|r| r.get(&self.table)).into_iter().flatten().cloned());
                pending = out.unprocessed_keys().and_then(|u| u.get(&self.table)).cloned();
                if pending.is_some() {
                    if rounds > 20 {
                        return Err(StoreError::Unavailable("BatchGetItem kept leaving keys unprocessed".into()));
                    }
                    tokio::time::sleep(Duration::from_millis(20 * rounds)).await;
                }
            }
        }
        Ok(found)
    }

    fn head_put(&self, stream_id: &str, head: &Head) -> Result<TransactWriteItem, StoreError> {
        let mut item = HashMap::from([
            ("pk".to_string(), s(codec::stream_pk(stream_id))),
            ("sk".to_string(), n(codec::HEAD_SK)),
            ("ver".to_string(), n(head.version.map_or(1, |v| v + 1))),
            ("state".to_string(), n(codec::state_code(head.state))),
        ]);
        if let Some(last) = head.last_revision {
            item.insert("last".into(), n(last));
        }
        let meta = &head.metadata;
        if let Some(v) = meta.max_count {
            item.insert("max_count".into(), n(v));
        }
        if let Some(v) = meta.max_age {
            item.insert("max_age_us".into(), n(u64::try_from(v.as_micros()).unwrap_or(u64::MAX)));
        }
        if let Some(v) = meta.truncate_before {
            item.insert("truncate_before".into(), n(v));
        }
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        put = match head.version {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(v) => put.condition_expression("ver = :ver").expression_attribute_values(":ver", n(v)),
        };
        Ok(TransactWriteItem::builder().put(put.build().map_err(|e| StoreError::Internal(e.to_string()))?).build())
    }

    fn new_put(&self, item: HashMap<String, AttributeValue>) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Writes a new head (metadata, delete) conditioned on the one read.
    async fn write_head(&self, stream_id: &str, head: &Head) -> Result<bool, StoreError> {
        let put = self.head_put(stream_id, head)?;
        match self.client.transact_write_items().transact_items(put).send().await {
            Ok(_) => Ok(true),
            Err(e) if cancelled(&e).is_some() => Ok(false),
            Err(e) => Err(ddb_error("TransactWriteItems", &e)),
        }
    }

    async fn do_append(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        events: Vec<ProposedEvent>,
    ) -> Result<AppendResult, StoreError> {
        if events.is_empty() {
            return Err(StoreError::Internal("an append needs at least one event".into()));
        }
        if events.len() > MAX_EVENTS_PER_APPEND {
            return Err(StoreError::LimitExceeded {
                limit: "events_per_append".into(),
                detail: format!(
                    "an append holds at most {MAX_EVENTS_PER_APPEND} events on the DynamoDB event store (one transaction of 100 items); this one has {}",
                    events.len()
                ),
            });
        }
        crate::core::ports::check_distinct_ids(&events)?;
        let encoded = StoredAppend::encode_events(&events)?;
        if encoded.len() > MAX_APPEND_BYTES {
            return Err(StoreError::LimitExceeded {
                limit: "bytes_per_append".into(),
                detail: format!(
                    "an append holds at most {MAX_APPEND_BYTES} bytes of events on the DynamoDB event store (one item of 400 KB); this one has {}",
                    encoded.len()
                ),
            });
        }
        let count = events.len() as u64;
        for attempt in 0..MAX_ATTEMPTS {
            let head = self.head(stream_id).await?;
            if head.state == HeadState::Tombstoned {
                return Err(StoreError::StreamTombstoned(stream_id.into()));
            }
            let actual = head.visible_last();
            if !expected.is_met_by(actual) {
                if let Some(original) = self.find_original(stream_id, expected, &events).await? {
                    return Ok(original);
                }
                return Err(StoreError::WrongExpectedVersion { stream_id: stream_id.into(), expected, actual });
            }
            let first = head.last_revision.map_or(0, |l| l + 1);
            let last = first + count - 1;
            let recorded_at = now_micros();
            let new_head = Head { last_revision: Some(last), state: HeadState::Active, ..head.clone() };
            let mut items = vec![self.head_put(stream_id, &new_head)?];
            items.push(self.new_put(HashMap::from([
                ("pk".to_string(), s(codec::stream_pk(stream_id))),
                ("sk".to_string(), n(first)),
                ("t".to_string(), n(recorded_at)),
                ("n".to_string(), n(count)),
                ("ev".to_string(), AttributeValue::B(Blob::new(encoded.clone()))),
            ]))?);
            for (i, e) in events.iter().enumerate() {
                items.push(self.new_put(HashMap::from([
                    ("pk".to_string(), s(codec::id_pk(e.event_id))),
                    ("sk".to_string(), n(codec::ID_SK)),
                    ("s".to_string(), s(stream_id.to_string())),
                    ("r".to_string(), n(first + i as u64)),
                    ("a".to_string(), n(first)),
                ]))?);
            }
            match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
                Ok(_) => {
                    let _ = self.commits.send(Arc::new(CommitNotice { streams: vec![stream_id.to_string()] }));
                    return Ok(AppendResult {
                        first_revision: first,
                        current_revision: last,
                        first_position: event_position(stream_id, first),
                        last_position: event_position(stream_id, last),
                        already_appended: false,
                    });
                }
                Err(e) => match cancelled(&e) {
                    Some(reasons) => {
                        let id_taken = reasons.iter().skip(2).any(|r| r == "ConditionalCheckFailed");
                        if id_taken {
                            return match self.find_original(stream_id, expected, &events).await? {
                                Some(original) => Ok(original),
                                None => Err(StoreError::EventIdConflict {
                                    event_id: events[0].event_id,
                                    detail: "an event id of this append was stored by another append".into(),
                                }),
                            };
                        }
                        // The head moved (or a conflicting transaction ran):
                        // back off a little (with jitter, so racers spread
                        // out), read it again and re-check the expectation.
                        let _ = &reasons;
                        let ceiling = 5u64 << attempt.min(6);
                        tokio::time::sleep(Duration::from_millis(rand::random_range(1..=ceiling))).await;
                    }
                    None => return Err(ddb_error("TransactWriteItems", &e)),
                },
            }
        }
        Err(StoreError::Unavailable(format!(
            "stream {stream_id} is too contended: the append lost {MAX_ATTEMPTS} races"
        )))
    }

    /// Whether `events` were already appended by an identical request (see
    /// the port's promise); `None` when none of their ids is stored.
    async fn find_original(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        events: &[ProposedEvent],
    ) -> Result<Option<AppendResult>, StoreError> {
        let records = self.id_records(events.iter().map(|e| e.event_id)).await?;
        let conflict = |e: &ProposedEvent, detail: &str| StoreError::EventIdConflict {
            event_id: e.event_id,
            detail: detail.into(),
        };
        let Some(first) = records.get(&events[0].event_id) else {
            if let Some(later) = events.iter().find(|e| records.contains_key(&e.event_id)) {
                return Err(conflict(later, "it was stored by another append"));
            }
            return Ok(None);
        };
        let mut appends: HashMap<(String, u64), codec::AppendItem> = HashMap::new();
        for (i, event) in events.iter().enumerate() {
            let Some((stream, revision, append_at)) = records.get(&event.event_id) else {
                return Err(conflict(event, "the append that stored its predecessors did not store it"));
            };
            if stream != stream_id {
                return Err(conflict(event, &format!("it is stored in stream {stream}")));
            }
            if *revision != first.1 + i as u64 {
                return Err(conflict(event, "the stored events are not in this order"));
            }
            let key = (stream.clone(), *append_at);
            if !appends.contains_key(&key) {
                let item = self.append_item(stream, *append_at).await?.ok_or_else(|| {
                    StoreError::Internal(format!("idempotency record of {} points at a missing append", event.event_id))
                })?;
                appends.insert(key.clone(), item);
            }
            let append = &appends[&key];
            let index = usize::try_from(revision - append.first_revision).unwrap_or(usize::MAX);
            let stored = append
                .events
                .get(index)
                .ok_or_else(|| StoreError::Internal("idempotency record out of its append".into()))?;
            let same = stored.event_type == event.event_type
                && stored.content_type == event.content_type
                && stored.data == event.data;
            if !same {
                return Err(conflict(event, "it was stored with different content"));
            }
        }
        let first_revision = first.1;
        let fits = match expected {
            ExpectedRevision::Any => true,
            ExpectedRevision::NoStream => first_revision == 0,
            ExpectedRevision::StreamExists => first_revision > 0,
            ExpectedRevision::Exact(n) => first_revision == n + 1,
        };
        if !fits {
            return Err(conflict(
                &events[0],
                &format!("it was stored at revision {first_revision} which does not fit expected revision {expected}"),
            ));
        }
        let last_revision = first_revision + events.len() as u64 - 1;
        Ok(Some(AppendResult {
            first_revision,
            current_revision: last_revision,
            first_position: event_position(stream_id, first_revision),
            last_position: event_position(stream_id, last_revision),
            already_appended: true,
        }))
    }

    /// Idempotency records of the ids: id → (stream, revision, append's first revision).
    async fn id_records(
        &self,
        ids: impl Iterator<Item = Uuid>,
    ) -> Result<HashMap<Uuid, (String, u64, u64)>, StoreError> {
        let keys = ids.map(|id| key(codec::id_pk(id), codec::ID_SK)).collect();
        let mut found = HashMap::new();
        for item in self.batch_get(keys).await? {
            let id = item.s("pk").and_then(|pk| pk.strip_prefix("e#")).and_then(|id| Uuid::parse_str(id).ok());
            if let (Some(id), Some(stream), Some(revision), Some(append)) =
                (id, item.s("s"), item.u64("r"), item.u64("a"))
            {
                found.insert(id, (stream.to_string(), revision, append));
            }
        }
        Ok(found)
    }

    async fn append_item(&self, stream_id: &str, first_revision: u64) -> Result<Option<codec::AppendItem>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(codec::stream_pk(stream_id)))
            .key("sk", n(first_revision))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| ddb_error("GetItem", &e))?;
        match out.item() {
            Some(item) => codec::decode_append(item),
            None => Ok(None),
        }
    }

    /// Append items of a stream with `sk` in `[low, high]`, in the given
    /// direction, until `enough` says stop (called with each item).
    async fn query_appends(
        &self,
        stream_id: &str,
        low: u64,
        high: u64,
        forwards: bool,
        mut enough: impl FnMut(codec::AppendItem) -> bool,
    ) -> Result<(), StoreError> {
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                .expression_attribute_values(":pk", s(codec::stream_pk(stream_id)))
                .expression_attribute_values(":low", n(low))
                .expression_attribute_values(":high", n(high))
                .scan_index_forward(forwards)
                .consistent_read(true)
                .limit(64)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| ddb_error("Query", &e))?;
            for item in out.items() {
                if let Some(append) = codec::decode_append(item)?
                    && enough(append)
                {
                    return Ok(());
                }
            }
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(()),
            }
        }
    }

    /// The first revision of the append holding `revision`.
    async fn append_holding(&self, stream_id: &str, revision: u64) -> Result<u64, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(codec::stream_pk(stream_id)))
            .expression_attribute_values(":low", n(0))
            .expression_attribute_values(":high", n(revision))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(1)
            .projection_expression("sk")
            .send()
            .await
            .map_err(|e| ddb_error("Query", &e))?;
        Ok(out.items().first().and_then(|i| i.u64("sk")).unwrap_or(0))
    }

    fn check_open(&self) -> Result<(), StoreError> {
        if self.closed.load(Ordering::SeqCst) { Err(StoreError::ShuttingDown) } else { Ok(()) }
    }

    /// Reads a stream page; `positions` says how events are positioned.
    async fn read_stream_with(
        &self,
        query: &ReadStreamQuery,
        position: impl Fn(&str, u64) -> Position,
    ) -> Result<StreamSlice, StoreError> {
        let head = self.head(&query.stream_id).await?;
        let last = match (head.state, head.last_revision) {
            (HeadState::Tombstoned, _) => return Err(StoreError::StreamTombstoned(query.stream_id.clone())),
            (HeadState::Active, Some(last)) => last,
            _ => return Err(StoreError::StreamNotFound(query.stream_id.clone())),
        };
        let first_visible = head.metadata.first_visible_revision(last);
        let min_recorded_at = min_recorded_at(&head.metadata);
        let limit = query.limit.max(1);
        let mut events: Vec<RecordedEvent> = Vec::with_capacity(limit.min(1024) + 1);
        let stream_id = query.stream_id.as_str();
        let mut failure = None;
        let mut take =
            |append: codec::AppendItem, range: (u64, u64), forwards: bool, events: &mut Vec<RecordedEvent>| {
                let mut indices: Vec<usize> = (0..append.events.len()).collect();
                if !forwards {
                    indices.reverse();
                }
                for i in indices {
                    let revision = append.first_revision + i as u64;
                    if revision < range.0 || revision > range.1 || append.recorded_at_micros < min_recorded_at {
                        continue;
                    }
                    match append.recorded_one(i, &append.events[i], &|r| position(stream_id, r)) {
                        Ok(e) => events.push(e),
                        Err(e) => {
                            failure = Some(e);
                            return true;
                        }
                    }
                    if events.len() > limit {
                        return true;
                    }
                }
                false
            };
        match query.direction {
            Direction::Forwards => {
                let from = query.from_revision.unwrap_or(0).max(first_visible);
                if from > last {
                    return Ok(StreamSlice { events, next_revision: None, current_revision: last });
                }
                let start = self.append_holding(stream_id, from).await?;
                self.query_appends(stream_id, start, last, true, |a| take(a, (from, last), true, &mut events)).await?;
            }
            Direction::Backwards => {
                let from = query.from_revision.unwrap_or(last).min(last);
                if from < first_visible {
                    return Ok(StreamSlice { events, next_revision: None, current_revision: last });
                }
                let low = self.append_holding(stream_id, first_visible).await?;
                self.query_appends(stream_id, low, from, false, |a| take(a, (first_visible, from), false, &mut events))
                    .await?;
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        let next_revision = (events.len() > limit).then(|| events.pop().map(|e| e.revision)).flatten();
        Ok(StreamSlice { events, next_revision, current_revision: last })
    }

    /// Reads the feed forwards from `from`: up to `limit` events that the
    /// filter and their streams' visibility let through.
    async fn read_all_forwards(
        &self,
        from: FeedPosition,
        limit: usize,
        filter: &crate::core::model::EventFilter,
    ) -> Result<AllSlice, StoreError> {
        let limit = limit.max(1);
        let page = self.feed.read(&from, limit.max(64)).await?;
        let streams: HashSet<String> = page.appends.iter().map(|a| a.append.stream_id.clone()).collect();
        let heads = self.heads(&streams).await?;
        let now = now_micros();
        let mut events = Vec::new();
        for fa in &page.appends {
            let append = &fa.append;
            for (i, stored) in append.events.iter().enumerate() {
                let after = fa.after(i);
                let recorded = append.recorded_one(i, stored, &|_| after.to_position())?;
                if visible(&recorded, heads.get(&append.stream_id), now) && filter.matches(&recorded) {
                    events.push(recorded);
                    if events.len() == limit {
                        let next = Some(after.to_position());
                        return Ok(AllSlice { events, next, end_of_log: false });
                    }
                }
            }
        }
        Ok(AllSlice { events, next: Some(page.end.to_position()), end_of_log: page.at_tail })
    }

    /// Every visible event of the retained feed up to `until` (exclusive;
    /// `None`: to the end), oldest first. Costs a read of the whole feed.
    async fn scan_until(
        &self,
        until: Option<&FeedPosition>,
        filter: &crate::core::model::EventFilter,
    ) -> Result<(Vec<RecordedEvent>, FeedPosition), StoreError> {
        let mut position = FeedPosition::default();
        let mut out = Vec::new();
        loop {
            let page = self.feed.read(&position, SCAN_PAGE).await?;
            let streams: HashSet<String> = page.appends.iter().map(|a| a.append.stream_id.clone()).collect();
            let heads = self.heads(&streams).await?;
            let now = now_micros();
            for fa in &page.appends {
                for (i, stored) in fa.append.events.iter().enumerate() {
                    let after = fa.after(i);
                    if until.is_some_and(|u| *u == after) {
                        return Ok((out, after));
                    }
                    let recorded = fa.append.recorded_one(i, stored, &|_| after.to_position())?;
                    if visible(&recorded, heads.get(&fa.append.stream_id), now) && filter.matches(&recorded) {
                        out.push(recorded);
                    }
                }
            }
            position = page.end;
            if page.at_tail {
                return Ok((out, position));
            }
        }
    }
}

/// Whether a feed event is visible under its stream's head.
fn visible(event: &RecordedEvent, head: Option<&Head>, now: i64) -> bool {
    if crate::core::model::is_system_stream(&event.stream_id) && event.stream_id == AUDIT_STREAM {
        return false;
    }
    let Some(head) = head else { return false };
    let Some(last) = head.last_revision else { return false };
    head.state == HeadState::Active
        && event.revision <= last
        && event.revision >= head.metadata.first_visible_revision(last)
        && head
            .metadata
            .max_age
            .is_none_or(|age| event.recorded_at_micros >= now - i64::try_from(age.as_micros()).unwrap_or(i64::MAX))
}

fn min_recorded_at(metadata: &StreamMetadata) -> i64 {
    metadata
        .max_age
        .map_or(i64::MIN, |age| now_micros().saturating_sub(i64::try_from(age.as_micros()).unwrap_or(i64::MAX)))
}

#[async_trait]
impl EventStore for DynamoEventStore {
    async fn append(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        events: Vec<ProposedEvent>,
    ) -> Result<AppendResult, StoreError> {
        let _guard = self.in_flight.read().await;
        self.check_open()?;
        self.do_append(stream_id, expected, events).await
    }

    async fn read_stream(&self, query: ReadStreamQuery) -> Result<StreamSlice, StoreError> {
        self.read_stream_with(&query, event_position).await
    }

    async fn read_all(&self, query: ReadAllQuery) -> Result<AllSlice, StoreError> {
        let from = match &query.from {
            AllFrom::Start => None,
            AllFrom::End => {
                let (_, end) = self.scan_until(None, &query.filter).await?;
                Some(end)
            }
            AllFrom::After(position) => match parse_token(&position.token)? {
                Token::Feed(feed) => Some(feed),
                Token::Event { .. } => {
                    return Err(StoreError::InvalidPosition(format!(
                        "{}: on the DynamoDB event store an append's or a stream read's position names an event, not a place in the log; resume ReadAll and SubscribeAll from positions they returned",
                        position.token
                    )));
                }
            },
        };
        match query.direction {
            Direction::Forwards => match (&query.from, from) {
                (AllFrom::End, Some(end)) => {
                    Ok(AllSlice { events: Vec::new(), next: Some(end.to_position()), end_of_log: true })
                }
                (_, from) => self.read_all_forwards(from.unwrap_or_default(), query.limit, &query.filter).await,
            },
            Direction::Backwards => {
                // No backwards read in DynamoDB Streams: scan forwards to the
                // start point and return the tail of that, newest first.
                let until = match &query.from {
                    AllFrom::After(_) => from,
                    _ => None,
                };
                let (mut before, _) = self.scan_until(until.as_ref(), &query.filter).await?;
                let limit = query.limit.max(1);
                let end_of_log = before.len() <= limit;
                let keep = before.len().saturating_sub(limit);
                let page: Vec<RecordedEvent> = before.drain(keep..).rev().collect();
                let next = page.last().map(|e| e.position.clone()).or(Some(FeedPosition::default().to_position()));
                Ok(AllSlice { events: page, next, end_of_log })
            }
        }
    }

    fn resolve_position(&self, token: &str) -> Result<Position, StoreError> {
        parse_token(token)?;
        Ok(Position { token: token.to_string(), global: None })
    }

    fn event_at(&self, position: &Position) -> Option<(String, u64)> {
        match parse_token(&position.token) {
            Ok(Token::Event { stream_id, revision }) => Some((stream_id, revision)),
            _ => None,
        }
    }

    async fn find_event(&self, event_id: Uuid) -> Result<Option<RecordedEvent>, StoreError> {
        let records = self.id_records(std::iter::once(event_id)).await?;
        let Some((stream, revision, append_at)) = records.get(&event_id) else { return Ok(None) };
        let Some(append) = self.append_item(stream, *append_at).await? else { return Ok(None) };
        let index = usize::try_from(revision - append.first_revision).unwrap_or(usize::MAX);
        match append.events.get(index) {
            Some(stored) => Ok(Some(append.recorded_one(index, stored, &|r| event_position(stream, r))?)),
            None => Ok(None),
        }
    }

    async fn stream_info(&self, stream_id: &str) -> Result<StreamInfo, StoreError> {
        let head = self.head(stream_id).await?;
        Ok(StreamInfo {
            stream_id: stream_id.to_string(),
            state: head.stream_state(),
            last_revision: head.last_revision,
            metadata: head.metadata,
        })
    }

    async fn set_stream_metadata(
        &self,
        stream_id: &str,
        metadata: StreamMetadata,
    ) -> Result<StreamMetadata, StoreError> {
        let _guard = self.in_flight.read().await;
        self.check_open()?;
        for _ in 0..MAX_ATTEMPTS {
            let head = self.head(stream_id).await?;
            if head.state == HeadState::Tombstoned {
                return Err(StoreError::StreamTombstoned(stream_id.into()));
            }
            let new_head = Head { metadata: metadata.clone(), ..head };
            if self.write_head(stream_id, &new_head).await? {
                let _ = self.commits.send(Arc::new(CommitNotice { streams: vec![stream_id.to_string()] }));
                return Ok(metadata);
            }
        }
        Err(StoreError::Unavailable(format!("stream {stream_id} is too contended to change its metadata")))
    }

    async fn delete_stream(
        &self,
        stream_id: &str,
        expected: ExpectedRevision,
        tombstone: bool,
    ) -> Result<Option<u64>, StoreError> {
        let _guard = self.in_flight.read().await;
        self.check_open()?;
        for _ in 0..MAX_ATTEMPTS {
            let head = self.head(stream_id).await?;
            if head.state == HeadState::Tombstoned {
                return Err(StoreError::StreamTombstoned(stream_id.into()));
            }
            let actual = head.visible_last();
            if !expected.is_met_by(actual) {
                return Err(StoreError::WrongExpectedVersion { stream_id: stream_id.into(), expected, actual });
            }
            let last = head.last_revision;
            let new_head = if tombstone {
                Head { state: HeadState::Tombstoned, ..head }
            } else {
                if head.state != HeadState::Active || last.is_none() {
                    return Err(StoreError::StreamNotFound(stream_id.into()));
                }
                let truncate_before = last.map_or(0, |r| r + 1);
                Head {
                    state: HeadState::Deleted,
                    metadata: StreamMetadata { truncate_before: Some(truncate_before), ..head.metadata.clone() },
                    ..head
                }
            };
            if self.write_head(stream_id, &new_head).await? {
                let _ = self.commits.send(Arc::new(CommitNotice { streams: vec![stream_id.to_string()] }));
                return Ok(last);
            }
        }
        Err(StoreError::Unavailable(format!("stream {stream_id} is too contended to delete")))
    }

    fn commits(&self) -> broadcast::Receiver<Arc<CommitNotice>> {
        self.commits.subscribe()
    }

    async fn shutdown(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _wait = self.in_flight.write().await;
        let tailer = self.tailer.lock().ok().and_then(|mut t| t.take());
        if let Some((stop, task)) = tailer {
            stop.cancel();
            let _ = task.await;
        }
    }
}

#[async_trait]
impl AuditStore for DynamoEventStore {
    /// Queues the records for this replica's audit writer, which appends
    /// what is queued to `$audit` together (one writer per replica keeps the
    /// one audit stream from being a point of contention), and returns once
    /// they are stored: every write started later is durable after them.
    async fn submit_audit(&self, records: Vec<ProposedEvent>) -> Result<AuditReceipt, StoreError> {
        if records.is_empty() {
            return Ok(Box::pin(async { Ok(()) }));
        }
        self.check_open()?;
        let (reply, stored) = tokio::sync::oneshot::channel();
        self.audit.send((records, reply)).await.map_err(|_| StoreError::ShuttingDown)?;
        stored.await.map_err(|_| StoreError::ShuttingDown)??;
        Ok(Box::pin(async { Ok(()) }))
    }

    async fn read_audit(
        &self,
        direction: Direction,
        from_revision: Option<u64>,
        limit: usize,
    ) -> Result<StreamSlice, StoreError> {
        let query = ReadStreamQuery { stream_id: AUDIT_STREAM.into(), direction, from_revision, limit };
        self.read_stream_with(&query, |_, _| Position { token: String::new(), global: None }).await
    }

    async fn last_audit_revision(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.head(AUDIT_STREAM).await?.last_revision)
    }
}

/// The audit writer: appends what is queued, up to an append's limit at a
/// time, retrying lost races with backoff.
async fn write_audit(store: std::sync::Weak<DynamoEventStore>, mut queue: tokio::sync::mpsc::Receiver<AuditBatch>) {
    // A call too big to join the batch before it starts the next one.
    let mut carried: Option<AuditBatch> = None;
    loop {
        let first = match carried.take() {
            Some(first) => first,
            None => match queue.recv().await {
                Some(first) => first,
                None => return,
            },
        };
        let mut count = first.0.len();
        let mut batches = vec![first];
        while count < MAX_EVENTS_PER_APPEND {
            match queue.try_recv() {
                Ok(next) if count + next.0.len() <= MAX_EVENTS_PER_APPEND => {
                    count += next.0.len();
                    batches.push(next);
                }
                Ok(next) => {
                    carried = Some(next);
                    break;
                }
                Err(_) => break,
            }
        }
        let Some(store) = store.upgrade() else { return };
        let _ = append_audit(&store, batches).await;
    }
}

/// Appends the records of several calls as one append (each call's records
/// stay together, in queue order) and answers every caller.
async fn append_audit(store: &DynamoEventStore, batches: Vec<AuditBatch>) -> Result<(), StoreError> {
    let records: Vec<ProposedEvent> = batches.iter().flat_map(|(r, _)| r.iter().cloned()).collect();
    let result = append_audit_one(store, records).await;
    for (_, reply) in batches {
        let _ = reply.send(result.clone());
    }
    result
}

async fn append_audit_one(store: &DynamoEventStore, records: Vec<ProposedEvent>) -> Result<(), StoreError> {
    for chunk in records.chunks(MAX_EVENTS_PER_APPEND) {
        store.do_append(AUDIT_STREAM, ExpectedRevision::Any, chunk.to_vec()).await?;
    }
    let _ = store.commits.send(Arc::new(CommitNotice { streams: vec![AUDIT_STREAM.to_string()] }));
    Ok(())
}

/// Follows the ends of the table's stream and sends a commit notice for the
/// appends it sees (those of other replicas included), so subscriptions
/// wake up. It starts at the current ends, found before the store is
/// returned: earlier history is read by ReadAll, not announced.
struct Tail {
    client: aws_sdk_dynamodbstreams::Client,
    stream_arn: String,
    /// Shard → iterator; `None` once a shard is read to its end.
    iterators: HashMap<String, Option<String>>,
}

impl Tail {
    async fn start(client: aws_sdk_dynamodbstreams::Client, stream_arn: String) -> Result<Self, StoreError> {
        let mut tail = Self { client, stream_arn, iterators: HashMap::new() };
        tail.discover(true).await?;
        Ok(tail)
    }

    /// Finds shards not seen yet. At the start open shards are read from
    /// their ends; shards that appear later are new, so from their starts.
    async fn discover(&mut self, at_start: bool) -> Result<(), StoreError> {
        use aws_sdk_dynamodbstreams::types::ShardIteratorType;
        let out = self.client.describe_stream().stream_arn(&self.stream_arn).send().await.map_err(|e| {
            StoreError::Unavailable(format!("DynamoDB Streams DescribeStream: {}", e.code().unwrap_or("unreachable")))
        })?;
        let Some(description) = out.stream_description() else { return Ok(()) };
        for shard in description.shards() {
            let Some(id) = shard.shard_id() else { continue };
            if self.iterators.contains_key(id) {
                continue;
            }
            let closed = shard.sequence_number_range().and_then(|r| r.ending_sequence_number()).is_some();
            if at_start && closed {
                self.iterators.insert(id.to_string(), None);
                continue;
            }
            let kind = if at_start { ShardIteratorType::Latest } else { ShardIteratorType::TrimHorizon };
            let out = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(id)
                .shard_iterator_type(kind)
                .send()
                .await
                .map_err(|e| {
                    StoreError::Unavailable(format!(
                        "DynamoDB Streams GetShardIterator: {}",
                        e.code().unwrap_or("unreachable")
                    ))
                })?;
            self.iterators.insert(id.to_string(), out.shard_iterator().map(str::to_string));
        }
        Ok(())
    }

    /// One round over every open shard: the streams that got appends.
    async fn poll(&mut self) -> Vec<String> {
        let mut streams = Vec::new();
        for it in self.iterators.values_mut() {
            let Some(current) = it.take() else { continue };
            match self.client.get_records().shard_iterator(&current).send().await {
                Ok(out) => {
                    *it = out.next_shard_iterator().map(str::to_string);
                    for record in out.records() {
                        if let Some(image) = record.dynamodb().and_then(|c| c.new_image())
                            && let Ok(Some(append)) = codec::decode_append(image)
                        {
                            streams.push(append.stream_id);
                        }
                    }
                }
                Err(e) if e.code() == Some("ExpiredIteratorException") => {
                    // Forget the shard; the next discovery starts it again
                    // from its start, which may announce old appends: a
                    // notice only makes subscribers read again.
                }
                Err(e) => {
                    tracing::debug!(error = %e, "change feed tail: GetRecords failed; retrying");
                    *it = Some(current);
                }
            }
        }
        self.iterators.retain(|_, it| it.is_some());
        streams.sort();
        streams.dedup();
        streams
    }

    async fn run(mut self, commits: broadcast::Sender<Arc<CommitNotice>>, poll: Duration, stop: CancellationToken) {
        let mut last_discovery = tokio::time::Instant::now();
        loop {
            let shards = self.iterators.len();
            let streams = self.poll().await;
            if !streams.is_empty() {
                let _ = commits.send(Arc::new(CommitNotice { streams }));
            }
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(poll) => {}
            }
            // DescribeStream is rate-limited (10 per second per account):
            // look for new shards when one ended, else every 10 s.
            if self.iterators.len() < shards || last_discovery.elapsed() >= SHARD_DISCOVERY_EVERY {
                last_discovery = tokio::time::Instant::now();
                if let Err(e) = self.discover(false).await {
                    tracing::debug!(error = %e, "change feed tail: shard discovery failed; retrying");
                }
            }
        }
    }
}

/// The key of an item of the events table.
fn key(pk: String, sk: i64) -> HashMap<String, AttributeValue> {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), n(sk))])
}

fn s(value: String) -> AttributeValue {
    AttributeValue::S(value)
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The cancellation reasons of a cancelled transaction, if it was one.
fn cancelled<R>(error: &SdkError<TransactWriteItemsError, R>) -> Option<Vec<String>> {
    match error {
        SdkError::ServiceError(e) => match e.err() {
            TransactWriteItemsError::TransactionCanceledException(t) => {
                Some(t.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_string()).collect())
            }
            _ => None,
        },
        _ => None,
    }
}

fn ddb_error<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    call: &str,
    error: &SdkError<E, R>,
) -> StoreError {
    let detail = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => format!("{error:?}"),
    };
    match error.code() {
        Some("ValidationException" | "SerializationException") => {
            StoreError::Internal(format!("DynamoDB {call}: {detail}"))
        }
        _ => StoreError::Unavailable(format!("DynamoDB {call}: {detail}")),
    }
}
