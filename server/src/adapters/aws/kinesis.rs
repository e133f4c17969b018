//! The stream path on Amazon Kinesis Data Streams.
//!
//! **Publishing.** The partition key of a record is the event's stream id
//! (hashed when longer than Kinesis' 256 characters), so all events of one
//! stream land on one shard, in order. `PutRecords` is not atomic: it can
//! fail some records of a request and accept others, and a failed record
//! sent again would land *after* later records of the same stream. So a
//! publish call aggregates: it packs the events of each stream into as few
//! records as the 1 MiB record limit allows and puts at most one record per
//! partition key into any one request. A stream's next record goes out only
//! once the one before it is in, so retrying failed records (with backoff,
//! for as long as some record still succeeds within
//! [`KinesisSettings::publish_timeout`]) never reorders a stream. Requests
//! hold at most 500 records and 5 MiB. A publish that fails part-way may
//! have put some of its events; the router publishes them again and
//! subscribers drop the duplicates (see below). Without an event store, an
//! event whose encoding does not fit in one record is refused with
//! [`BusError::Invalid`] before anything is
//! sent: Kinesis cannot carry it, and dropping or truncating it would lose
//! data. With an event store (as the server opens it), such an event
//! travels as a **claim check** instead: the record carries its id, stream,
//! revision, type and store position with the `claim_check` flag, and the
//! subscriber loads the whole event from the store (`find_event`), checking
//! that it is the event the record names. A store that cannot answer makes
//! the subscriber read the record again after a backoff; nothing is skipped.
//!
//! **Records.** One record is a version-tagged (`b'N'`, version byte)
//! protobuf batch of whole [`RecordedEvent`]s — id, stream, revision, type,
//! schema version and id, payload, metadata, commit time and the event
//! store's position — so consumers can deduplicate by stream and revision.
//! Records without the tag were not written by Nexus and are skipped;
//! records with the tag that cannot be decoded end the subscription with
//! [`BusError::Internal`] rather than being skipped silently.
//!
//! **Positions.** Kinesis has no global order, so this bus issues its own
//! positions: the token is `k1:` followed by base64url of a small JSON
//! object naming the Kinesis stream and, per shard, the sequence number of
//! the last record delivered, how many events of that record were delivered
//! when it was delivered only partly (so resuming in the middle of an
//! aggregated record skips exactly those), and whether the shard was read to
//! its end. Every delivered event carries the cumulative token after it
//! (`global` is `None`); resuming reads each shard in the token after its
//! mark (`AFTER_SEQUENCE_NUMBER`, or `AT_SEQUENCE_NUMBER` and a skip for a
//! partly delivered record) and every other shard from `TRIM_HORIZON`.
//! Sequence numbers are opaque decimal strings (small integers on moto, 56
//! digits on AWS) and are compared as big decimals where order matters.
//! A token grows with the shards it names (some 80 bytes each, finished
//! shards included until they pass the retention period and are no longer
//! listed), and it is encoded afresh for every event delivered.
//!
//! [`StreamBus::published`] is the publisher's view: per shard this
//! instance wrote to, the last record it put there (`None` until it has
//! published something; a restart starts again from `None`). A subscriber
//! whose token has reached those marks ([`KinesisStreamBus::reached`]) has
//! seen everything this instance published. It is a progress target rather
//! than a place to start reading: a subscription starting from it reads
//! shards this instance never wrote to from their beginning.
//!
//! **Subscribing.** Each subscription is one task that lists the shards
//! (`ListShards`, again every [`KinesisSettings::shard_refresh_interval`]
//! and whenever a shard ends) and polls every readable shard with
//! `GetShardIterator` + `GetRecords`. After a resharding (split or merge) a
//! child shard is read only once its parents (`ParentShardId`,
//! `AdjacentParentShardId`) are read to their end — a closed shard's
//! `GetRecords` returns no `NextShardIterator` there — which keeps every
//! stream in order across the resharding. (moto never ends a closed shard
//! that way, but it also keeps routing writes to the closed parent, so
//! reading it forever loses nothing there.) Events are
//! delivered through a bounded channel: a slow subscriber only delays its own
//! reads, never publishing. Expired iterators are fetched again from the
//! mark; throttling and transient faults back off and retry, and a
//! subscription ends with [`BusError::Unavailable`] only after
//! [`KinesisSettings::read_failure_timeout`] of nothing but failures.
//!
//! Delivery is at least once underneath (a `PutRecords` whose response was
//! lost is sent again; moto copies records into the children when it
//! reshards), so a subscription drops an event whose revision is not above
//! the last one it delivered for that stream. It remembers the last
//! revision of up to [`KinesisSettings::dedup_streams`] recently seen
//! streams; a duplicate straddling a resume position is not caught.
//!
//! **Read rate.** AWS allows 5 `GetRecords` calls per second per shard,
//! shared by every consumer of the stream: each subscription reads a busy
//! shard at most every [`KinesisSettings::min_read_interval`] (200 ms) and an
//! idle one every [`KinesisSettings::poll_interval`] (500 ms), so more than a
//! couple of always-on subscriptions per stream will be throttled (they back
//! off and still get everything, later). Enhanced fan-out
//! (`SubscribeToShard`, 2 MB/s per consumer per shard, pushed over HTTP/2)
//! lifts that limit on real AWS; it is not used here because moto, which the
//! tests run against, does not implement it.
//!
//! **Consumer groups.** A group's checkpoint is an item of the coordination
//! table with partition key `stream-bus#<kinesis stream>#<group>` holding
//! the token.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_kinesis::{
    config::http::HttpResponse,
    error::{ProvideErrorMetadata, SdkError},
    primitives::Blob,
    types::{PutRecordsRequestEntry, ShardIteratorType},
};
use base64::Engine as _;
use bytes::Bytes;
use prost::Message as _;
use serde::{Deserialize, Serialize};
use tokio::{sync::mpsc, time::Instant};
use tokio_util::sync::CancellationToken;

use super::{AwsClients, provision};
use crate::core::{
    bus::{BusError, StreamBus, StreamItem},
    model::{EventMetadata, Position, RecordedEvent},
    ports::EventStore,
};

/// Largest record: data and partition key together (Kinesis' default limit).
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// Largest `PutRecords` request: data and partition keys of all records.
const MAX_REQUEST_BYTES: usize = 5 * 1024 * 1024;
/// Most records in one `PutRecords` request.
const MAX_REQUEST_RECORDS: usize = 500;
/// Longest partition key, in Unicode characters.
const MAX_PARTITION_KEY_CHARS: usize = 256;
/// The first two bytes of every record this bus writes.
const RECORD_MAGIC: u8 = b'N';
const RECORD_VERSION: u8 = 1;
/// Prefix (and version) of the position tokens this bus issues.
const TOKEN_PREFIX: &str = "k1:";
/// Events buffered per subscriber.
const BUFFER: usize = 512;
/// First and longest pause after a failure.
const BACKOFF_INITIAL: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// How the Kinesis stream bus publishes and reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KinesisSettings {
    /// Pause between reads of a shard that had nothing new.
    pub poll_interval: Duration,
    /// Shortest pause between two reads of one shard by one subscription
    /// (AWS allows 5 reads per second per shard across all consumers).
    pub min_read_interval: Duration,
    /// Most records per `GetRecords` call (1 to 10 000).
    pub max_records_per_read: i32,
    /// How often a subscription lists the shards to notice a resharding.
    pub shard_refresh_interval: Duration,
    /// How long a publish keeps retrying without any record getting in
    /// before it fails with [`BusError::Unavailable`].
    pub publish_timeout: Duration,
    /// How long a subscription keeps retrying when every call fails before
    /// it ends with [`BusError::Unavailable`].
    pub read_failure_timeout: Duration,
    /// Streams whose last delivered revision a subscription remembers to
    /// drop duplicates.
    pub dedup_streams: usize,
}

impl Default for KinesisSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            min_read_interval: Duration::from_millis(200),
            max_records_per_read: 1000,
            shard_refresh_interval: Duration::from_secs(10),
            publish_timeout: Duration::from_secs(10),
            read_failure_timeout: Duration::from_secs(60),
            dedup_streams: 100_000,
        }
    }
}

impl KinesisSettings {
    fn check(&self) -> Result<(), BusError> {
        if !(1..=10_000).contains(&self.max_records_per_read) {
            return Err(BusError::Invalid("max_records_per_read must be 1 to 10000".into()));
        }
        if self.poll_interval.is_zero() || self.shard_refresh_interval.is_zero() {
            return Err(BusError::Invalid("poll_interval and shard_refresh_interval must be more than 0".into()));
        }
        if self.dedup_streams == 0 {
            return Err(BusError::Invalid("dedup_streams must be at least 1".into()));
        }
        Ok(())
    }
}

/// The [`StreamBus`] on a Kinesis data stream; see the module docs.
#[derive(Clone)]
pub struct KinesisStreamBus {
    inner: Arc<Inner>,
}

struct Inner {
    clients: AwsClients,
    stream: String,
    coordination_table: String,
    settings: KinesisSettings,
    /// Per shard, the sequence number of the last record this instance put.
    published: Mutex<BTreeMap<String, String>>,
    /// Loads claim-checked events; without it, events too large for a
    /// record are refused.
    store: Option<Arc<dyn EventStore>>,
}

impl KinesisStreamBus {
    /// A bus on the Kinesis stream `stream_name`, keeping consumer-group
    /// checkpoints in `coordination_table`. Checks that the stream answers.
    /// `store` loads events sent as claim checks (see the module docs).
    pub async fn open(
        clients: AwsClients,
        stream_name: String,
        coordination_table: String,
        settings: KinesisSettings,
        store: Option<Arc<dyn EventStore>>,
    ) -> Result<Self, BusError> {
        settings.check()?;
        clients
            .kinesis
            .describe_stream_summary()
            .stream_name(&stream_name)
            .send()
            .await
            .map_err(|e| classify(&format!("cannot describe Kinesis stream {stream_name:?}"), &e))?;
        let inner =
            Inner { clients, stream: stream_name, coordination_table, settings, published: Mutex::default(), store };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// Whether a subscriber at `position` (a token it received) has read
    /// everything up to `target` (typically [`StreamBus::published`]): on
    /// every shard `target` names, the subscriber is past the target's
    /// record or has read the shard to its end. For read-your-writes waits,
    /// which cannot compare Kinesis positions by a global number.
    pub fn reached(&self, position: &Position, target: &Position) -> Result<bool, BusError> {
        let at = decode_token(&self.inner.stream, &position.token)?;
        let target = decode_token(&self.inner.stream, &target.token)?;
        Ok(target.iter().all(|(shard, goal)| {
            let Some(goal_seq) = goal.seq.as_deref() else { return true };
            at.get(shard).is_some_and(|mark| {
                mark.finished
                    || mark.seq.as_deref().is_some_and(|seq| match seq_cmp(seq, goal_seq) {
                        Ordering::Greater => true,
                        Ordering::Equal => {
                            mark.delivered == 0 || (goal.delivered > 0 && mark.delivered >= goal.delivered)
                        }
                        Ordering::Less => false,
                    })
            })
        }))
    }

    fn group_key(&self, group: &str) -> Result<String, BusError> {
        if group.is_empty() || group.len() > 512 {
            return Err(BusError::Invalid("a consumer group name must be 1 to 512 bytes".into()));
        }
        Ok(format!("stream-bus#{}#{group}", self.inner.stream))
    }
}

#[async_trait]
impl StreamBus for KinesisStreamBus {
    async fn publish(&self, events: Vec<Arc<RecordedEvent>>) -> Result<(), BusError> {
        let mut pending = pack(&events, self.inner.store.is_some())?;
        let inner = &self.inner;
        let mut last_progress = Instant::now();
        let mut backoff = BACKOFF_INITIAL;
        loop {
            let planned = plan_request(&pending);
            if planned.is_empty() {
                return Ok(());
            }
            let mut entries = Vec::with_capacity(planned.len());
            for &i in &planned {
                let (key, records) = &pending[i];
                let data = records.front().cloned().unwrap_or_default();
                let entry = PutRecordsRequestEntry::builder()
                    .partition_key(key)
                    .data(Blob::new(data))
                    .build()
                    .map_err(|e| BusError::Internal(format!("cannot build a Kinesis record: {e}")))?;
                entries.push(entry);
            }
            let sent = inner.clients.kinesis.put_records().stream_name(&inner.stream).set_records(Some(entries)).send();
            let failure = match sent.await {
                Ok(out) => {
                    let (landed, failure) = settle(&mut pending, &planned, out.records())?;
                    if !landed.is_empty() {
                        last_progress = Instant::now();
                        self.note_published(landed)?;
                    }
                    failure
                }
                Err(e) => Some(classify("cannot put records to Kinesis", &e)),
            };
            let Some(failure) = failure else {
                backoff = BACKOFF_INITIAL;
                continue;
            };
            if !matches!(failure, BusError::Unavailable(_)) {
                return Err(failure);
            }
            if last_progress.elapsed() >= inner.settings.publish_timeout {
                return Err(BusError::Unavailable(format!(
                    "no record got into Kinesis for {:?}: {failure}",
                    inner.settings.publish_timeout
                )));
            }
            tracing::debug!(error = %failure, "retrying failed Kinesis records");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }

    fn subscribe(&self, after: Option<Position>, shutdown: CancellationToken) -> mpsc::Receiver<StreamItem> {
        let (tx, rx) = mpsc::channel(BUFFER);
        let marks = match &after {
            None => BTreeMap::new(),
            Some(position) => match decode_token(&self.inner.stream, &position.token) {
                Ok(marks) => marks,
                Err(e) => {
                    // The channel is new and empty: this cannot fail.
                    let _ = tx.try_send(Err(e));
                    return rx;
                }
            },
        };
        let follower = Follower::new(self.inner.clone(), marks, after.map(|p| p.token));
        tokio::spawn(async move {
            if let Err(e) = follower.run(&shutdown, &tx).await {
                let _ = tx.send(Err(e)).await;
            }
        });
        rx
    }

    /// Per shard: `reached` is at or past `target`'s record (whole, or as
    /// many of its events), or has read the shard to its end.
    fn covers(&self, reached: &Position, target: &Position) -> Option<bool> {
        let reached = decode_token(&self.inner.stream, &reached.token).ok()?;
        let target = decode_token(&self.inner.stream, &target.token).ok()?;
        Some(marks_cover(&reached, &target))
    }

    fn published(&self) -> Option<Position> {
        let published = self.inner.published.lock().ok()?;
        if published.is_empty() {
            return None;
        }
        let marks: BTreeMap<String, ShardMark> = published
            .iter()
            .map(|(shard, seq)| (shard.clone(), ShardMark { seq: Some(seq.clone()), ..ShardMark::default() }))
            .collect();
        Some(Position { token: encode_token(&self.inner.stream, &marks), global: None })
    }

    async fn checkpoint(&self, group: &str) -> Result<Option<Position>, BusError> {
        let key = self.group_key(group)?;
        let out = self
            .inner
            .clients
            .dynamodb
            .get_item()
            .table_name(&self.inner.coordination_table)
            .key(provision::PK, AttributeValue::S(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| classify("cannot read a consumer-group checkpoint", &e))?;
        let token = out.item().and_then(|item| item.get("token")).and_then(|v| v.as_s().ok());
        Ok(token.map(|token| Position { token: token.clone(), global: None }))
    }

    async fn commit(&self, group: &str, position: &Position) -> Result<(), BusError> {
        let key = self.group_key(group)?;
        decode_token(&self.inner.stream, &position.token)?;
        self.inner
            .clients
            .dynamodb
            .put_item()
            .table_name(&self.inner.coordination_table)
            .item(provision::PK, AttributeValue::S(key))
            .item("token", AttributeValue::S(position.token.clone()))
            .send()
            .await
            .map_err(|e| classify("cannot save a consumer-group checkpoint", &e))?;
        Ok(())
    }
}

impl KinesisStreamBus {
    fn note_published(&self, landed: Landed) -> Result<(), BusError> {
        let mut published =
            self.inner.published.lock().map_err(|_| BusError::Internal("published marks lock poisoned".into()))?;
        for (shard, seq) in landed {
            let newer = published.get(&shard).is_none_or(|old| seq_cmp(&seq, old) == Ordering::Greater);
            if newer {
                published.insert(shard, seq);
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

#[derive(Clone, PartialEq, prost::Message)]
struct WireBatch {
    #[prost(message, repeated, tag = "1")]
    events: Vec<WireEvent>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct WireEvent {
    #[prost(bytes = "vec", tag = "1")]
    event_id: Vec<u8>,
    #[prost(string, tag = "2")]
    stream_id: String,
    #[prost(uint64, tag = "3")]
    revision: u64,
    #[prost(string, tag = "4")]
    event_type: String,
    #[prost(uint32, tag = "5")]
    schema_version: u32,
    #[prost(string, tag = "6")]
    content_type: String,
    #[prost(bytes = "bytes", tag = "7")]
    data: Bytes,
    #[prost(message, optional, tag = "8")]
    metadata: Option<WireMetadata>,
    #[prost(int64, tag = "9")]
    recorded_at_micros: i64,
    #[prost(bytes = "vec", optional, tag = "10")]
    schema_id: Option<Vec<u8>>,
    #[prost(uint32, optional, tag = "11")]
    stored_schema_version: Option<u32>,
    /// The event store's position, kept for tracing an event back.
    #[prost(string, tag = "12")]
    store_token: String,
    #[prost(uint64, optional, tag = "13")]
    store_global: Option<u64>,
    /// Set when the event was too large for a record: only its identity
    /// travels, and the subscriber loads it from the event store.
    #[prost(bool, tag = "14")]
    claim_check: bool,
}

#[derive(Clone, PartialEq, prost::Message)]
struct WireMetadata {
    #[prost(string, tag = "1")]
    correlation_id: String,
    #[prost(string, tag = "2")]
    causation_id: String,
    #[prost(string, tag = "3")]
    user_id: String,
    #[prost(string, tag = "4")]
    tenant_id: String,
    #[prost(btree_map = "string, string", tag = "5")]
    custom: BTreeMap<String, String>,
}

impl WireEvent {
    fn from_event(e: &RecordedEvent) -> Self {
        let m = &e.metadata;
        Self {
            event_id: e.event_id.as_bytes().to_vec(),
            stream_id: e.stream_id.clone(),
            revision: e.revision,
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            content_type: e.content_type.clone(),
            data: e.data.clone(),
            metadata: Some(WireMetadata {
                correlation_id: m.correlation_id.clone(),
                causation_id: m.causation_id.clone(),
                user_id: m.user_id.clone(),
                tenant_id: m.tenant_id.clone(),
                custom: m.custom.clone(),
            }),
            recorded_at_micros: e.recorded_at_micros,
            schema_id: e.schema_id.map(|id| id.as_bytes().to_vec()),
            stored_schema_version: e.stored_schema_version,
            store_token: e.position.token.clone(),
            store_global: e.position.global,
            claim_check: false,
        }
    }

    /// The claim check of an event: its identity, no payload or metadata.
    fn claim_check_of(e: &RecordedEvent) -> Self {
        Self {
            event_id: e.event_id.as_bytes().to_vec(),
            stream_id: e.stream_id.clone(),
            revision: e.revision,
            event_type: e.event_type.clone(),
            store_token: e.position.token.clone(),
            store_global: e.position.global,
            claim_check: true,
            ..Self::default()
        }
    }

    /// The event, with its position left empty for the subscriber to fill
    /// (for a claim check: only its id, stream, revision and type).
    fn into_event(self) -> Result<Received, String> {
        let claim_check = self.claim_check;
        let event_id = uuid::Uuid::from_slice(&self.event_id).map_err(|e| format!("event id: {e}"))?;
        let schema_id = match self.schema_id {
            Some(bytes) => Some(uuid::Uuid::from_slice(&bytes).map_err(|e| format!("schema id: {e}"))?),
            None => None,
        };
        let metadata = self.metadata.map_or_else(EventMetadata::default, |m| EventMetadata {
            correlation_id: m.correlation_id,
            causation_id: m.causation_id,
            user_id: m.user_id,
            tenant_id: m.tenant_id,
            custom: m.custom,
        });
        let event = RecordedEvent {
            event_id,
            stream_id: self.stream_id,
            revision: self.revision,
            position: Position { token: String::new(), global: None },
            event_type: self.event_type,
            schema_version: self.schema_version,
            content_type: self.content_type,
            data: self.data,
            metadata,
            recorded_at_micros: self.recorded_at_micros,
            schema_id,
            stored_schema_version: self.stored_schema_version,
        };
        Ok(Received { event, claim_check })
    }

    /// Bytes this event adds to a batch (field tag, length, message).
    fn field_len(&self) -> usize {
        let len = self.encoded_len();
        1 + prost::encoding::encoded_len_varint(len as u64) + len
    }
}

fn encode_record(events: Vec<WireEvent>) -> Vec<u8> {
    let batch = WireBatch { events };
    let mut out = Vec::with_capacity(2 + batch.encoded_len());
    out.push(RECORD_MAGIC);
    out.push(RECORD_VERSION);
    batch.encode(&mut out).expect("a Vec grows as needed");
    out
}

/// An event as a record carried it.
#[derive(Debug)]
#[cfg_attr(test, derive(PartialEq))]
struct Received {
    event: RecordedEvent,
    /// Only the event's identity came: load it from the event store.
    claim_check: bool,
}

/// The events of a record; `Ok(None)` for a record Nexus did not write.
fn decode_record(data: &[u8]) -> Result<Option<Vec<Received>>, String> {
    match data {
        [RECORD_MAGIC, RECORD_VERSION, body @ ..] => {
            let batch = WireBatch::decode(body).map_err(|e| e.to_string())?;
            batch.events.into_iter().map(WireEvent::into_event).collect::<Result<Vec<_>, _>>().map(Some)
        }
        [RECORD_MAGIC, version, ..] => Err(format!("record version {version} is newer than this server reads")),
        _ => Ok(None),
    }
}

/// The partition key of a stream: its id, or a digest of ids too long.
fn partition_key(stream_id: &str) -> String {
    if !stream_id.is_empty() && stream_id.chars().count() <= MAX_PARTITION_KEY_CHARS {
        return stream_id.to_owned();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(stream_id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Per partition key, the records still to put, in order.
type Pending = Vec<(String, VecDeque<Vec<u8>>)>;

/// Per partition key (in order of first appearance), the records carrying
/// that stream's events of the call, in order, each within the record limit.
/// An event too large for a record goes as a claim check when
/// `claim_checks` is on, and is refused otherwise.
fn pack(events: &[Arc<RecordedEvent>], claim_checks: bool) -> Result<Pending, BusError> {
    let mut by_key: Vec<(String, Vec<WireEvent>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for event in events {
        let i = *index.entry(event.stream_id.as_str()).or_insert_with(|| {
            by_key.push((partition_key(&event.stream_id), Vec::new()));
            by_key.len() - 1
        });
        let key_len = by_key[i].0.len();
        let mut wire = WireEvent::from_event(event);
        if claim_checks && wire.field_len() > MAX_RECORD_BYTES - 2 - key_len {
            wire = WireEvent::claim_check_of(event);
        }
        by_key[i].1.push(wire);
    }
    let mut out = Vec::with_capacity(by_key.len());
    for (key, wire) in by_key {
        let budget = MAX_RECORD_BYTES - 2 - key.len();
        let mut records = VecDeque::new();
        let mut current = Vec::new();
        let mut size = 0;
        for event in wire {
            let len = event.field_len();
            if len > budget {
                return Err(BusError::Invalid(format!(
                    "event {} of stream {:?} takes {} bytes encoded; a Kinesis record holds at most {MAX_RECORD_BYTES} bytes \
                     (1 MiB) including the partition key",
                    uuid::Uuid::from_slice(&event.event_id).unwrap_or_default(),
                    event.stream_id,
                    len + 2 + key.len()
                )));
            }
            if size + len > budget {
                records.push_back(encode_record(std::mem::take(&mut current)));
                size = 0;
            }
            size += len;
            current.push(event);
        }
        if !current.is_empty() {
            records.push_back(encode_record(current));
        }
        out.push((key, records));
    }
    Ok(out)
}

/// The next `PutRecords` request: indexes into `pending` of the keys whose
/// first remaining record goes out, at most one per key, within the
/// request limits.
fn plan_request(pending: &Pending) -> Vec<usize> {
    let mut planned = Vec::new();
    let mut bytes = 0;
    for (i, (key, records)) in pending.iter().enumerate() {
        let Some(record) = records.front() else { continue };
        let size = record.len() + key.len();
        if planned.len() == MAX_REQUEST_RECORDS {
            break;
        }
        if bytes + size > MAX_REQUEST_BYTES {
            continue;
        }
        bytes += size;
        planned.push(i);
    }
    planned
}

/// Where accepted records landed: (shard id, sequence number).
type Landed = Vec<(String, String)>;

/// Takes the records that got in off `pending`, leaving failed ones first
/// in line for the next request. Returns where the accepted ones landed
/// (shard, sequence number) and the first failure, if any.
fn settle(
    pending: &mut Pending,
    planned: &[usize],
    results: &[aws_sdk_kinesis::types::PutRecordsResultEntry],
) -> Result<(Landed, Option<BusError>), BusError> {
    if results.len() != planned.len() {
        return Err(BusError::Internal(format!(
            "Kinesis answered {} results for {} records",
            results.len(),
            planned.len()
        )));
    }
    let mut failure = None;
    let mut landed = Vec::new();
    for (result, &i) in results.iter().zip(planned) {
        match (result.error_code(), result.shard_id(), result.sequence_number()) {
            (None, Some(shard), Some(seq)) => {
                pending[i].1.pop_front();
                landed.push((shard.to_owned(), seq.to_owned()));
            }
            (code, _, _) => {
                failure.get_or_insert_with(|| {
                    BusError::Unavailable(format!(
                        "Kinesis refused records: {}: {}",
                        code.unwrap_or("no sequence number"),
                        result.error_message().unwrap_or_default()
                    ))
                });
            }
        }
    }
    Ok((landed, failure))
}

// ---------------------------------------------------------------------------
// Positions
// ---------------------------------------------------------------------------

/// How far a subscriber has read one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardMark {
    /// Sequence number of the last record (partly) delivered.
    #[serde(rename = "q", default, skip_serializing_if = "Option::is_none")]
    seq: Option<String>,
    /// Events of record `seq` delivered while more of it remain; 0 once the
    /// whole record is delivered.
    #[serde(rename = "n", default, skip_serializing_if = "is_zero")]
    delivered: u32,
    /// The shard is closed and read to its end.
    #[serde(rename = "f", default, skip_serializing_if = "is_false")]
    finished: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Serialize)]
struct TokenOut<'a> {
    s: &'a str,
    p: &'a BTreeMap<String, ShardMark>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenIn {
    s: String,
    p: BTreeMap<String, ShardMark>,
}

fn encode_token(stream: &str, marks: &BTreeMap<String, ShardMark>) -> String {
    let json = serde_json::to_vec(&TokenOut { s: stream, p: marks }).expect("strings and numbers serialize");
    format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

/// Whether shard marks `reached` are at or past `target` on every shard.
fn marks_cover(reached: &BTreeMap<String, ShardMark>, target: &BTreeMap<String, ShardMark>) -> bool {
    target.iter().all(|(shard, t)| {
        let Some(t_seq) = t.seq.as_deref() else { return true };
        let Some(r) = reached.get(shard) else { return false };
        if r.finished {
            return true;
        }
        let Some(r_seq) = r.seq.as_deref() else { return false };
        match compare_sequence_numbers(r_seq, t_seq) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            // The same record: all of it, or at least as many of its events.
            std::cmp::Ordering::Equal => r.delivered == 0 || (t.delivered != 0 && r.delivered >= t.delivered),
        }
    })
}

/// Kinesis sequence numbers are decimal strings of up to 128 bits, growing
/// within a shard: compared as numbers.
fn compare_sequence_numbers(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The shard marks of a token this bus issued for `stream`.
fn decode_token(stream: &str, token: &str) -> Result<BTreeMap<String, ShardMark>, BusError> {
    let invalid = || BusError::InvalidPosition(token.to_owned());
    let body = token.strip_prefix(TOKEN_PREFIX).ok_or_else(invalid)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
    let parsed: TokenIn = serde_json::from_slice(&json).map_err(|_| invalid())?;
    if parsed.s != stream || parsed.p.len() > 100_000 {
        return Err(invalid());
    }
    for (shard, mark) in &parsed.p {
        let shard_ok = !shard.is_empty()
            && shard.len() <= 128
            && shard.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let seq_ok = mark
            .seq
            .as_deref()
            .is_none_or(|s| !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_digit()));
        if !shard_ok || !seq_ok || (mark.delivered > 0 && mark.seq.is_none()) {
            return Err(invalid());
        }
    }
    Ok(parsed.p)
}

/// Orders two sequence numbers (decimal strings of any length).
fn seq_cmp(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

// ---------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------

/// One subscription's view of a shard.
struct ShardRead {
    parents: Vec<String>,
    mark: ShardMark,
    iterator: Option<String>,
    next_read: Instant,
    backoff: Duration,
}

/// What one read of a shard brought.
enum Fetched {
    Records {
        records: Vec<aws_sdk_kinesis::types::Record>,
        next: Option<String>,
        children: bool,
        behind: i64,
    },
    /// The iterator expired: fetch a new one from the mark.
    Expired,
    /// The shard is gone (trimmed after its retention).
    Gone,
    Failed(BusError),
}

/// Drops events a subscription has delivered already (by stream and
/// revision), remembering about `capacity` streams in two generations.
struct Dedup {
    current: HashMap<String, u64>,
    previous: HashMap<String, u64>,
    capacity: usize,
}

impl Dedup {
    fn new(streams: usize) -> Self {
        Self { current: HashMap::new(), previous: HashMap::new(), capacity: streams.div_ceil(2).max(1) }
    }

    /// Whether the event is new; remembers it if so.
    fn fresh(&mut self, stream: &str, revision: u64) -> bool {
        let last = self.current.get(stream).or_else(|| self.previous.get(stream));
        if last.is_some_and(|&last| revision <= last) {
            return false;
        }
        if self.current.len() >= self.capacity && !self.current.contains_key(stream) {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(stream.to_owned(), revision);
        true
    }
}

struct Follower {
    inner: Arc<Inner>,
    shards: BTreeMap<String, ShardRead>,
    /// Marks of the start token for shards not listed yet.
    start: BTreeMap<String, ShardMark>,
    start_token: Option<String>,
    dedup: Dedup,
    refresh_at: Instant,
    failing_since: Option<Instant>,
}

impl Follower {
    fn new(inner: Arc<Inner>, start: BTreeMap<String, ShardMark>, start_token: Option<String>) -> Self {
        let dedup = Dedup::new(inner.settings.dedup_streams);
        Self {
            inner,
            shards: BTreeMap::new(),
            start,
            start_token,
            dedup,
            refresh_at: Instant::now(),
            failing_since: None,
        }
    }

    /// Delivers events until shutdown (`Err(ShuttingDown)`), the receiver is
    /// dropped (`Ok`) or a failure.
    async fn run(mut self, shutdown: &CancellationToken, tx: &mpsc::Sender<StreamItem>) -> Result<(), BusError> {
        loop {
            if shutdown.is_cancelled() {
                return Err(BusError::ShuttingDown);
            }
            let now = Instant::now();
            if now >= self.refresh_at {
                match self.refresh().await {
                    Ok(()) => {
                        self.succeeded();
                        self.refresh_at = now + self.inner.settings.shard_refresh_interval;
                    }
                    Err(e) => {
                        self.failed(e)?;
                        self.refresh_at = now + BACKOFF_MAX;
                    }
                }
            }
            let ready: Vec<String> = self
                .shards
                .iter()
                .filter(|(id, s)| s.next_read <= now && readable(&self.shards, id))
                .map(|(id, _)| id.clone())
                .collect();
            if ready.is_empty() {
                let wake = self
                    .shards
                    .iter()
                    .filter(|(id, _)| readable(&self.shards, id))
                    .map(|(_, s)| s.next_read)
                    .fold(self.refresh_at, Instant::min);
                tokio::select! {
                    _ = tokio::time::sleep_until(wake) => {}
                    _ = shutdown.cancelled() => return Err(BusError::ShuttingDown),
                    _ = tx.closed() => return Ok(()),
                }
                continue;
            }
            let fetches = ready.iter().map(|id| {
                let shard = &self.shards[id];
                fetch(&self.inner, id, shard.iterator.clone(), &shard.mark)
            });
            let results = tokio::select! {
                results = futures::future::join_all(fetches) => results,
                _ = shutdown.cancelled() => return Err(BusError::ShuttingDown),
                _ = tx.closed() => return Ok(()),
            };
            for (id, fetched) in ready.into_iter().zip(results) {
                if !self.apply(&id, fetched, shutdown, tx).await? {
                    return Ok(());
                }
            }
        }
    }

    fn succeeded(&mut self) {
        self.failing_since = None;
    }

    /// Notes a failure: transient ones are retried until they have lasted
    /// too long, others end the subscription.
    fn failed(&mut self, error: BusError) -> Result<(), BusError> {
        if !matches!(error, BusError::Unavailable(_)) {
            return Err(error);
        }
        let since = *self.failing_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= self.inner.settings.read_failure_timeout {
            return Err(error);
        }
        tracing::debug!(error = %error, stream = %self.inner.stream, "retrying Kinesis reads");
        Ok(())
    }

    /// Lists the shards: adds new ones, notes closed ones, forgets those
    /// past the retention period.
    async fn refresh(&mut self) -> Result<(), BusError> {
        let kinesis = &self.inner.clients.kinesis;
        let mut listed = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            let request = match &next_token {
                Some(token) => kinesis.list_shards().next_token(token),
                None => kinesis.list_shards().stream_name(&self.inner.stream),
            };
            let out = request.send().await.map_err(|e| classify("cannot list the Kinesis shards", &e))?;
            listed.extend(out.shards().iter().cloned());
            match out.next_token() {
                Some(token) if !token.is_empty() && !out.shards().is_empty() => next_token = Some(token.to_owned()),
                _ => break,
            }
        }
        let now = Instant::now();
        let mut shards = BTreeMap::new();
        for shard in listed {
            let id = shard.shard_id().to_owned();
            let parents = [shard.parent_shard_id(), shard.adjacent_parent_shard_id()]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect();
            let read = match self.shards.remove(&id) {
                Some(read) => ShardRead { parents, ..read },
                None => ShardRead {
                    parents,
                    mark: self.start.remove(&id).unwrap_or_default(),
                    iterator: None,
                    next_read: now,
                    backoff: BACKOFF_INITIAL,
                },
            };
            shards.insert(id, read);
        }
        self.shards = shards;
        self.start.clear();
        Ok(())
    }

    /// Delivers what a read brought; `Ok(false)` when the receiver is gone.
    async fn apply(
        &mut self,
        id: &str,
        fetched: Fetched,
        shutdown: &CancellationToken,
        tx: &mpsc::Sender<StreamItem>,
    ) -> Result<bool, BusError> {
        let settings = self.inner.settings.clone();
        let now = Instant::now();
        let (records, next, children, behind) = match fetched {
            Fetched::Records { records, next, children, behind } => (records, next, children, behind),
            Fetched::Expired => {
                if let Some(shard) = self.shards.get_mut(id) {
                    shard.iterator = None;
                }
                return Ok(true);
            }
            Fetched::Gone => {
                if let Some(shard) = self.shards.get_mut(id) {
                    shard.mark.finished = true;
                }
                self.refresh_at = now;
                return Ok(true);
            }
            Fetched::Failed(error) => {
                let invalid_start = matches!(error, BusError::InvalidPosition(_));
                let error = match (invalid_start, &self.start_token) {
                    (true, Some(token)) => BusError::InvalidPosition(token.clone()),
                    _ => error,
                };
                self.failed(error)?;
                // The iterator (if any) stays valid: throttled reads retry it.
                if let Some(shard) = self.shards.get_mut(id) {
                    shard.next_read = now + shard.backoff;
                    shard.backoff = (shard.backoff * 2).min(BACKOFF_MAX);
                }
                return Ok(true);
            }
        };
        self.succeeded();
        let got_records = !records.is_empty();
        for record in records {
            let seq = record.sequence_number().to_owned();
            let Some(mark) = self.shards.get(id).map(|s| s.mark.clone()) else { return Ok(true) };
            let skip = match mark.seq.as_deref().map(|m| seq_cmp(&seq, m)) {
                Some(Ordering::Less) => continue,
                Some(Ordering::Equal) if mark.delivered == 0 => continue,
                Some(Ordering::Equal) => mark.delivered as usize,
                _ => 0,
            };
            let events = match decode_record(record.data().as_ref()) {
                Ok(Some(events)) => events,
                Ok(None) => {
                    tracing::warn!(shard = id, seq = %seq, "skipping a Kinesis record Nexus did not write");
                    Vec::new()
                }
                Err(e) => {
                    return Err(BusError::Internal(format!(
                        "cannot decode Kinesis record {seq} of shard {id} in stream {}: {e}",
                        self.inner.stream
                    )));
                }
            };
            let events = match self.load_claim_checks(events).await {
                Ok(events) => events,
                Err(error) => {
                    // Read this record again, from the mark, after a backoff.
                    self.failed(error)?;
                    if let Some(shard) = self.shards.get_mut(id) {
                        shard.iterator = None;
                        shard.next_read = now + shard.backoff;
                        shard.backoff = (shard.backoff * 2).min(BACKOFF_MAX);
                    }
                    return Ok(true);
                }
            };
            let total = events.len();
            self.set_mark(id, &seq, 0);
            for (i, mut event) in events.into_iter().enumerate().skip(skip) {
                let delivered = if i + 1 == total { 0 } else { u32::try_from(i + 1).unwrap_or(u32::MAX) };
                self.set_mark(id, &seq, delivered);
                if !self.dedup.fresh(&event.stream_id, event.revision) {
                    continue;
                }
                event.position = Position { token: encode_token(&self.inner.stream, &self.marks()), global: None };
                let sent = tokio::select! {
                    biased;
                    _ = shutdown.cancelled() => return Err(BusError::ShuttingDown),
                    sent = tx.send(Ok(Arc::new(event))) => sent,
                };
                if sent.is_err() {
                    return Ok(false);
                }
            }
        }
        let Some(shard) = self.shards.get_mut(id) else { return Ok(true) };
        shard.backoff = BACKOFF_INITIAL;
        match next {
            Some(next) => {
                shard.iterator = Some(next);
                let idle = !got_records && behind == 0;
                shard.next_read = now + if idle { settings.poll_interval } else { settings.min_read_interval };
            }
            _ => {
                shard.iterator = None;
                shard.mark.finished = true;
                self.refresh_at = now;
            }
        }
        if children {
            self.refresh_at = now;
        }
        Ok(true)
    }

    /// The events of a record, claim checks replaced by the stored events.
    async fn load_claim_checks(&self, received: Vec<Received>) -> Result<Vec<RecordedEvent>, BusError> {
        let mut out = Vec::with_capacity(received.len());
        for Received { event, claim_check } in received {
            if !claim_check {
                out.push(event);
                continue;
            }
            let id = event.event_id;
            let Some(store) = &self.inner.store else {
                return Err(BusError::Internal(format!(
                    "event {id} came as a claim check and this bus has no event store to load it from"
                )));
            };
            let loaded = store
                .find_event(id)
                .await
                .map_err(|e| BusError::Unavailable(format!("cannot load claim-checked event {id}: {e}")))?
                .ok_or_else(|| BusError::Internal(format!("claim-checked event {id} is not in the event store")))?;
            if loaded.stream_id != event.stream_id || loaded.revision != event.revision {
                return Err(BusError::Internal(format!(
                    "claim-checked event {id} is stored at {}@{}, not at {}@{}",
                    loaded.stream_id, loaded.revision, event.stream_id, event.revision
                )));
            }
            out.push(loaded);
        }
        Ok(out)
    }

    fn set_mark(&mut self, id: &str, seq: &str, delivered: u32) {
        if let Some(shard) = self.shards.get_mut(id) {
            shard.mark.seq = Some(seq.to_owned());
            shard.mark.delivered = delivered;
        }
    }

    fn marks(&self) -> BTreeMap<String, ShardMark> {
        self.shards.iter().map(|(id, s)| (id.clone(), s.mark.clone())).collect()
    }
}

/// A shard is read once all its parents are read to their end (or gone).
fn readable(shards: &BTreeMap<String, ShardRead>, id: &str) -> bool {
    let Some(shard) = shards.get(id) else { return false };
    !shard.mark.finished && shard.parents.iter().all(|p| shards.get(p).is_none_or(|parent| parent.mark.finished))
}

/// One read of a shard, getting an iterator from the mark first if needed.
async fn fetch(inner: &Inner, shard_id: &str, iterator: Option<String>, mark: &ShardMark) -> Fetched {
    let kinesis = &inner.clients.kinesis;
    let iterator = match iterator {
        Some(iterator) => iterator,
        None => {
            let request = kinesis.get_shard_iterator().stream_name(&inner.stream).shard_id(shard_id);
            let request = match (&mark.seq, mark.delivered) {
                (None, _) => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
                (Some(seq), 0) => {
                    request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).starting_sequence_number(seq)
                }
                (Some(seq), _) => {
                    request.shard_iterator_type(ShardIteratorType::AtSequenceNumber).starting_sequence_number(seq)
                }
            };
            match request.send().await {
                Ok(out) => match out.shard_iterator() {
                    Some(iterator) => iterator.to_owned(),
                    None => return Fetched::Gone,
                },
                Err(e) => {
                    return match error_code(&e) {
                        Some("ResourceNotFoundException") => Fetched::Gone,
                        Some("InvalidArgumentException") => Fetched::Failed(BusError::InvalidPosition(format!(
                            "{shard_id} at {}",
                            mark.seq.as_deref().unwrap_or_default()
                        ))),
                        _ => Fetched::Failed(classify("cannot get a Kinesis shard iterator", &e)),
                    };
                }
            }
        }
    };
    match kinesis.get_records().shard_iterator(iterator).limit(inner.settings.max_records_per_read).send().await {
        Ok(out) => Fetched::Records {
            children: !out.child_shards().is_empty(),
            next: out.next_shard_iterator().map(str::to_owned),
            behind: out.millis_behind_latest().unwrap_or(0),
            records: out.records,
        },
        Err(e) => match error_code(&e) {
            Some("ExpiredIteratorException") => Fetched::Expired,
            _ => Fetched::Failed(classify("cannot read Kinesis records", &e)),
        },
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn error_code<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Option<&str> {
    match error {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// An SDK error as a [`BusError`]: `Unavailable` for what may pass
/// (throttling, timeouts, unreachable endpoints, server errors), `Internal`
/// for the rest.
fn classify<E>(what: &str, error: &SdkError<E, HttpResponse>) -> BusError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    const TRANSIENT: &[&str] = &[
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "LimitExceededException",
        "RequestLimitExceeded",
        "InternalFailureException",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "KMSThrottlingException",
    ];
    let text = format!("{what}: {}", provision::error_text(error));
    let transient = match error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(e) => {
            e.raw().status().is_server_error() || e.err().code().is_some_and(|code| TRANSIENT.contains(&code))
        }
        _ => false,
    };
    if transient { BusError::Unavailable(text) } else { BusError::Internal(text) }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::{
        adapters::aws::{
            provision::Needs,
            testing::{moto_deployment, unique},
        },
        config::AwsConfig,
        conformance::stream_bus::{StreamBusFactory, StreamBusHarness, stream_bus_conformance},
    };

    fn mark(seq: &str, delivered: u32, finished: bool) -> ShardMark {
        ShardMark { seq: Some(seq.to_owned()), delivered, finished }
    }

    #[test]
    fn a_position_covers_another_shard_by_shard_by_sequence_number() {
        let marks = |m: &[(&str, ShardMark)]| -> BTreeMap<String, ShardMark> {
            m.iter().map(|(s, k)| (s.to_string(), k.clone())).collect()
        };
        let target = marks(&[("a", mark("9", 0, false)), ("b", mark("100", 0, false))]);
        // Numbers, not strings: "100" is past "99".
        assert!(marks_cover(&marks(&[("a", mark("10", 0, false)), ("b", mark("100", 0, false))]), &target));
        assert!(!marks_cover(&marks(&[("a", mark("10", 0, false)), ("b", mark("99", 0, false))]), &target));
        // A shard not read yet covers nothing; a finished one covers all of it.
        assert!(!marks_cover(&marks(&[("a", mark("10", 0, false))]), &target));
        assert!(marks_cover(&marks(&[("a", mark("1", 0, true)), ("b", mark("200", 0, false))]), &target));
        // Part of the target's record is not all of it.
        assert!(!marks_cover(&marks(&[("a", mark("9", 2, false)), ("b", mark("100", 0, false))]), &target));
        let partial = marks(&[("a", mark("9", 2, false))]);
        assert!(marks_cover(&marks(&[("a", mark("9", 3, false))]), &partial));
        assert!(!marks_cover(&marks(&[("a", mark("9", 1, false))]), &partial));
        assert_eq!(compare_sequence_numbers("0042", "42"), std::cmp::Ordering::Equal);
    }

    /// Short intervals: moto has no read limits.
    fn test_settings() -> KinesisSettings {
        KinesisSettings {
            poll_interval: Duration::from_millis(50),
            min_read_interval: Duration::from_millis(5),
            shard_refresh_interval: Duration::from_millis(200),
            ..KinesisSettings::default()
        }
    }

    /// A Kinesis stream (4 shards) and a coordination table on moto, and the
    /// next revision of every stream (kept across restarts, as the event
    /// store would).
    struct MotoKinesis {
        config: AwsConfig,
        clients: AwsClients,
        revisions: Arc<Mutex<HashMap<String, u64>>>,
    }

    impl MotoKinesis {
        async fn new(shards: i32) -> Self {
            let needs = Needs { coordination_table: true, kinesis_stream: true, ..Needs::default() };
            let (config, clients) = moto_deployment(needs, shards).await;
            Self { config, clients, revisions: Arc::default() }
        }

        async fn bus(&self) -> KinesisStreamBus {
            KinesisStreamBus::open(
                self.clients.clone(),
                self.config.resources.kinesis_stream.clone(),
                self.config.resources.coordination_table.clone(),
                test_settings(),
                None,
            )
            .await
            .expect("open the Kinesis bus")
        }

        /// `count` new events of `stream`, as the event store would record them.
        fn events(&self, stream: &str, count: usize, data_bytes: usize) -> Vec<Arc<RecordedEvent>> {
            let mut revisions = self.revisions.lock().expect("revisions");
            let next = revisions.entry(stream.to_owned()).or_insert(0);
            (0..count)
                .map(|i| {
                    let revision = *next;
                    *next += 1;
                    Arc::new(event(stream, revision, data_bytes.max(8), i))
                })
                .collect()
        }
    }

    fn event(stream: &str, revision: u64, data_bytes: usize, i: usize) -> RecordedEvent {
        let mut data = format!("{{\"i\":{i}}}").into_bytes();
        data.resize(data_bytes, b' ');
        RecordedEvent {
            event_id: uuid::Uuid::new_v4(),
            stream_id: stream.to_owned(),
            revision,
            position: Position { token: format!("store:{revision}"), global: Some(revision + 1) },
            event_type: "Emitted".into(),
            schema_version: 3,
            content_type: "application/json".into(),
            data: Bytes::from(data),
            metadata: EventMetadata {
                correlation_id: "corr".into(),
                causation_id: String::new(),
                user_id: "alice".into(),
                tenant_id: "t1".into(),
                custom: BTreeMap::from([("k".to_owned(), "v".to_owned())]),
            },
            recorded_at_micros: 1_700_000_000_000_000 + revision as i64,
            schema_id: Some(uuid::Uuid::new_v4()),
            stored_schema_version: Some(2),
        }
    }

    struct Harness {
        bus: Arc<KinesisStreamBus>,
        factory: Arc<MotoKinesis>,
    }

    #[async_trait]
    impl StreamBusHarness for Harness {
        fn bus(&self) -> Arc<dyn StreamBus> {
            self.bus.clone()
        }

        async fn emit(&self, stream: &str, count: usize) -> Vec<Arc<RecordedEvent>> {
            let events = self.factory.events(stream, count, 16);
            self.bus.publish(events.clone()).await.expect("publish");
            events
        }

        async fn close(&self) {}
    }

    #[async_trait]
    impl StreamBusFactory for Arc<MotoKinesis> {
        async fn open(&self) -> Arc<dyn StreamBusHarness> {
            Arc::new(Harness { bus: Arc::new(self.bus().await), factory: self.clone() })
        }
    }

    stream_bus_conformance!(Arc::new(MotoKinesis::new(4).await));

    async fn take(rx: &mut mpsc::Receiver<StreamItem>, n: usize) -> Vec<Arc<RecordedEvent>> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            match tokio::time::timeout(Duration::from_secs(15), rx.recv()).await {
                Ok(Some(Ok(event))) => out.push(event),
                other => panic!("event {i} of {n}: {other:?}"),
            }
        }
        out
    }

    async fn assert_quiet(rx: &mut mpsc::Receiver<StreamItem>) {
        if let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(400), rx.recv()).await {
            panic!("unexpected extra delivery: {item:?}");
        }
    }

    fn ids(events: &[Arc<RecordedEvent>]) -> Vec<uuid::Uuid> {
        events.iter().map(|e| e.event_id).collect()
    }

    /// Every event once, and each stream's events in revision order.
    fn assert_once_in_stream_order(got: &[Arc<RecordedEvent>], want: &[Arc<RecordedEvent>]) {
        let mut got_ids = ids(got);
        let mut want_ids = ids(want);
        got_ids.sort();
        want_ids.sort();
        assert_eq!(got_ids, want_ids, "every event exactly once");
        let mut last: HashMap<&str, u64> = HashMap::new();
        for e in got {
            if let Some(prev) = last.insert(e.stream_id.as_str(), e.revision) {
                assert_eq!(e.revision, prev + 1, "{} revision {} after {prev}", e.stream_id, e.revision);
            }
        }
    }

    #[test]
    fn records_carry_every_field_of_an_event() {
        let original = event("order-1", 7, 40, 0);
        let record = encode_record(vec![WireEvent::from_event(&original)]);
        assert_eq!(&record[..2], &[RECORD_MAGIC, RECORD_VERSION]);
        let decoded = decode_record(&record).expect("decodes").expect("ours");
        let want = RecordedEvent { position: Position { token: String::new(), global: None }, ..original };
        assert_eq!(decoded, vec![Received { event: want, claim_check: false }]);

        assert_eq!(decode_record(b"{\"foreign\":true}"), Ok(None), "records of other writers are not ours");
        assert!(decode_record(&[RECORD_MAGIC, 9, 1, 2]).is_err(), "a newer version is refused");
        assert!(decode_record(&[RECORD_MAGIC, RECORD_VERSION, 0xff, 0xff]).is_err(), "garbage is refused");
    }

    #[test]
    fn publishing_packs_one_record_per_stream_per_request_within_the_limits() {
        // 3 streams; the first needs 3 records of ~1 MiB.
        let mut events = Vec::new();
        for i in 0..6 {
            events.push(Arc::new(event("big", i, 400 * 1024, 0)));
            events.push(Arc::new(event("small", i, 10, 0)));
        }
        events.push(Arc::new(event(&"long".repeat(100), 0, 10, 0)));
        let pending = pack(&events, false).expect("pack");
        let keys: Vec<&str> = pending.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys[..2], ["big", "small"]);
        assert!(keys[2].starts_with("sha256:") && keys[2].len() <= MAX_PARTITION_KEY_CHARS, "long ids are hashed");
        assert_eq!(pending[0].1.len(), 3, "two 400 KiB events per record");
        assert_eq!(pending[1].1.len(), 1, "a stream's events of a call share a record");
        let mut revisions = Vec::new();
        for record in &pending[0].1 {
            assert!(record.len() + 3 <= MAX_RECORD_BYTES);
            let events = decode_record(record).expect("decodes").expect("ours");
            revisions.extend(events.iter().map(|e| e.event.revision));
        }
        assert_eq!(revisions, (0..6).collect::<Vec<_>>(), "in order across records");
        assert_eq!(plan_request(&pending), vec![0, 1, 2], "one record per key");

        // 600 streams with one small record each: 500 per request.
        let many: Vec<_> = (0..600).map(|i| Arc::new(event(&format!("s-{i}"), 0, 10, 0))).collect();
        let pending = pack(&many, false).expect("pack");
        assert_eq!(plan_request(&pending).len(), MAX_REQUEST_RECORDS);
        // 8 streams with a ~1 MiB record each: at most 5 MiB per request.
        let big: Vec<_> = (0..8).map(|i| Arc::new(event(&format!("b-{i}"), 0, 1000 * 1024, 0))).collect();
        let pending = pack(&big, false).expect("pack");
        let planned = plan_request(&pending);
        let bytes: usize = planned.iter().map(|&i| pending[i].1[0].len() + pending[i].0.len()).sum();
        assert!(planned.len() == 5 && bytes <= MAX_REQUEST_BYTES, "{} records, {bytes} bytes", planned.len());

        // An event that cannot fit in a record is refused, naming the limit.
        let huge = vec![Arc::new(event("huge", 0, MAX_RECORD_BYTES, 0))];
        match pack(&huge, false) {
            Err(BusError::Invalid(message)) => assert!(message.contains("1048576"), "{message}"),
            other => panic!("expected Invalid, got {:?}", other.map(|p| p.len())),
        }
        // With claim checks on, it goes as its identity alone.
        let pending = pack(&huge, true).expect("pack a claim check");
        let record = &pending[0].1[0];
        assert!(record.len() < 1024, "a claim check is small: {} bytes", record.len());
        let decoded = decode_record(record).expect("decode").expect("ours");
        assert!(decoded[0].claim_check);
        assert_eq!((decoded[0].event.event_id, decoded[0].event.revision), (huge[0].event_id, 0));
        assert!(decoded[0].event.data.is_empty());
    }

    /// A record that fails stays first in line for its stream: the next
    /// request carries it again and not the stream's later records.
    #[test]
    fn failed_records_are_retried_before_later_records_of_their_stream() {
        use aws_sdk_kinesis::types::PutRecordsResultEntry;
        let mut events = Vec::new();
        for i in 0..3 {
            events.push(Arc::new(event("a", i, 600 * 1024, 0)));
            events.push(Arc::new(event("b", i, 600 * 1024, 0)));
        }
        let mut pending = pack(&events, false).expect("pack");
        assert_eq!(pending.iter().map(|(_, r)| r.len()).collect::<Vec<_>>(), [3, 3], "one event per record");
        let revisions = |record: &[u8]| -> Vec<u64> {
            decode_record(record).expect("decodes").expect("ours").iter().map(|e| e.event.revision).collect()
        };
        let ok = |seq: &str| PutRecordsResultEntry::builder().shard_id("shardId-0").sequence_number(seq).build();
        let throttled = PutRecordsResultEntry::builder()
            .error_code("ProvisionedThroughputExceededException")
            .error_message("slow down")
            .build();

        let planned = plan_request(&pending);
        assert_eq!(planned, [0, 1]);
        let (landed, failure) = settle(&mut pending, &planned, &[throttled.clone(), ok("1")]).expect("settle");
        assert_eq!(landed, [("shardId-0".to_owned(), "1".to_owned())]);
        assert!(matches!(failure, Some(BusError::Unavailable(m)) if m.contains("ProvisionedThroughputExceeded")));
        assert_eq!(revisions(&pending[0].1[0]), [0], "a's first record is still first");
        assert_eq!(revisions(&pending[1].1[0]), [1], "b moved on");

        let planned = plan_request(&pending);
        let (_, failure) = settle(&mut pending, &planned, &[ok("2"), throttled]).expect("settle");
        assert!(failure.is_some());
        assert_eq!(revisions(&pending[0].1[0]), [1]);
        assert_eq!(revisions(&pending[1].1[0]), [1], "b's failed record waits for the next request");
        let planned = plan_request(&pending);
        assert!(settle(&mut pending, &planned, &[ok("3")]).is_err(), "a short answer is refused");
    }

    #[test]
    fn tokens_round_trip_and_others_are_rejected() {
        let marks = BTreeMap::from([
            ("shardId-000000000000".to_owned(), ShardMark { seq: Some("4955".into()), delivered: 2, finished: false }),
            ("shardId-000000000001".to_owned(), ShardMark { seq: None, delivered: 0, finished: true }),
        ]);
        let token = encode_token("core", &marks);
        assert!(token.starts_with(TOKEN_PREFIX));
        assert_eq!(decode_token("core", &token), Ok(marks.clone()));
        let b64 =
            |json: &str| format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json));
        for bad in [
            String::new(),
            "42".into(),
            "k1:!!!".into(),
            "k2:".to_owned() + &token[3..],
            encode_token("another-stream", &marks),
            b64("{\"s\":\"core\"}"),
            b64("{\"s\":\"core\",\"p\":{\"shardId-0\":{\"q\":\"12a\"}}}"),
            b64("{\"s\":\"core\",\"p\":{\"shardId-0\":{\"n\":3}}}"),
            b64("{\"s\":\"core\",\"p\":{\"bad/shard\":{}}}"),
            b64("{\"s\":\"core\",\"p\":{},\"x\":1}"),
        ] {
            assert_eq!(decode_token("core", &bad), Err(BusError::InvalidPosition(bad.clone())), "{bad}");
        }
        assert_eq!(seq_cmp("10", "9"), Ordering::Greater);
        assert_eq!(seq_cmp("49590338271490256608559692538361571095921575989136588898", "4959"), Ordering::Greater);
        assert_eq!(seq_cmp("0012", "12"), Ordering::Equal);
        assert_eq!(seq_cmp("123", "124"), Ordering::Less);
    }

    #[test]
    fn dedup_drops_revisions_already_delivered() {
        let mut dedup = Dedup::new(4);
        assert!(dedup.fresh("a", 0));
        assert!(dedup.fresh("a", 1));
        assert!(!dedup.fresh("a", 1));
        assert!(!dedup.fresh("a", 0));
        assert!(dedup.fresh("b", 5));
        assert!(dedup.fresh("c", 1), "a new generation starts");
        assert!(!dedup.fresh("a", 1), "the previous generation still counts");
    }

    /// After a split and a merge, children are read only once their
    /// parents have ended (no next iterator).
    #[tokio::test]
    async fn children_wait_for_their_parents() {
        let config = crate::adapters::aws::testing::moto_config();
        let clients = crate::adapters::aws::testing::moto_clients(&config).await;
        let inner = Inner {
            clients,
            stream: "s".into(),
            coordination_table: "t".into(),
            settings: test_settings(),
            published: Mutex::default(),
            store: None,
        };
        let mut follower = Follower::new(Arc::new(inner), BTreeMap::new(), None);
        let shard = |parents: &[&str]| ShardRead {
            parents: parents.iter().map(|p| p.to_string()).collect(),
            mark: ShardMark::default(),
            iterator: None,
            next_read: Instant::now(),
            backoff: BACKOFF_INITIAL,
        };
        follower.shards.insert("p".into(), shard(&[]));
        follower.shards.insert("a".into(), shard(&["p"]));
        follower.shards.insert("b".into(), shard(&["p"]));
        follower.shards.insert("m".into(), shard(&["a", "b"]));
        follower.shards.insert("orphan".into(), shard(&["trimmed-away"]));
        let readable_now =
            |f: &Follower| -> Vec<String> { f.shards.keys().filter(|id| readable(&f.shards, id)).cloned().collect() };
        assert_eq!(readable_now(&follower), ["orphan", "p"]);

        let (tx, _rx) = mpsc::channel(8);
        let shutdown = CancellationToken::new();
        let open = || Fetched::Records { records: Vec::new(), next: Some("it".into()), children: false, behind: 0 };
        let ended = || Fetched::Records { records: Vec::new(), next: None, children: true, behind: 0 };
        assert!(follower.apply("p", open(), &shutdown, &tx).await.expect("apply"));
        assert_eq!(readable_now(&follower), ["orphan", "p"], "an empty read does not end a shard");
        follower.refresh_at = Instant::now() + Duration::from_secs(60);
        assert!(follower.apply("p", ended(), &shutdown, &tx).await.expect("apply"));
        assert!(follower.refresh_at <= Instant::now(), "an ended shard lists the shards again");
        assert_eq!(readable_now(&follower), ["a", "b", "orphan"]);
        assert!(follower.apply("a", ended(), &shutdown, &tx).await.expect("apply"));
        assert_eq!(readable_now(&follower), ["b", "orphan"], "a merge waits for both parents");
        assert!(follower.apply("b", ended(), &shutdown, &tx).await.expect("apply"));
        assert_eq!(readable_now(&follower), ["m", "orphan"]);
        let marks = decode_token("s", &encode_token("s", &follower.marks())).expect("token");
        assert!(marks["p"].finished && marks["a"].finished && !marks["m"].finished);

        // Throttling keeps the iterator and backs off; an expired iterator
        // is fetched again; other faults end the subscription.
        fn m(f: &mut Follower) -> &mut ShardRead {
            f.shards.get_mut("m").expect("m")
        }
        m(&mut follower).iterator = Some("it".into());
        let before = Instant::now();
        let throttled = Fetched::Failed(BusError::Unavailable("ProvisionedThroughputExceededException".into()));
        assert!(follower.apply("m", throttled, &shutdown, &tx).await.expect("retried"));
        assert_eq!(m(&mut follower).iterator.as_deref(), Some("it"));
        assert!(m(&mut follower).next_read > before, "backs off");
        assert!(follower.apply("m", Fetched::Expired, &shutdown, &tx).await.expect("expired"));
        assert_eq!(m(&mut follower).iterator, None);
        let broken = Fetched::Failed(BusError::Internal("AccessDeniedException".into()));
        assert_eq!(
            follower.apply("m", broken, &shutdown, &tx).await,
            Err(BusError::Internal("AccessDeniedException".into()))
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn invalid_tokens_and_groups_are_rejected() {
        let moto = MotoKinesis::new(1).await;
        let bus = moto.bus().await;
        bus.publish(moto.events("x", 2, 8)).await.expect("publish");
        let other = encode_token("some-other-stream", &BTreeMap::new());
        for token in ["", "k1:e30", other.as_str(), "7"] {
            let position = Position { token: token.into(), global: None };
            let mut rx = bus.subscribe(Some(position.clone()), CancellationToken::new());
            match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                Ok(Some(Err(BusError::InvalidPosition(t)))) => assert_eq!(t, token),
                other => panic!("{token:?}: {other:?}"),
            }
            assert_eq!(bus.commit("g", &position).await, Err(BusError::InvalidPosition(token.into())));
        }
        // A well-formed token naming a sequence number the shard never had.
        let marks = BTreeMap::from([(
            "shardId-000000000000".to_owned(),
            ShardMark { seq: Some("999999".into()), delivered: 1, finished: false },
        )]);
        let token = encode_token(&moto.config.resources.kinesis_stream, &marks);
        let mut rx = bus.subscribe(Some(Position { token, global: None }), CancellationToken::new());
        assert_quiet(&mut rx).await;
        let published = bus.published().expect("published");
        assert!(matches!(bus.commit("", &published).await, Err(BusError::Invalid(_))));
        bus.commit("g", &published).await.expect("a token of this bus commits");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn resumes_in_the_middle_of_an_aggregated_record() {
        let moto = MotoKinesis::new(2).await;
        let bus = moto.bus().await;
        let events = moto.events("agg", 5, 8);
        bus.publish(events.clone()).await.expect("publish");
        let mut rx = bus.subscribe(None, CancellationToken::new());
        let got = take(&mut rx, 5).await;
        assert_eq!(ids(&got), ids(&events));
        // One record: the tokens count the events delivered from it.
        let marks = decode_token(&moto.config.resources.kinesis_stream, &got[1].position.token).expect("token");
        let partial: Vec<_> = marks.values().filter(|m| m.delivered > 0).collect();
        assert_eq!(partial.len(), 1);
        assert_eq!(partial[0].delivered, 2);
        let last = decode_token(&moto.config.resources.kinesis_stream, &got[4].position.token).expect("token");
        assert!(last.values().all(|m| m.delivered == 0), "the whole record is delivered");
        for e in &got {
            assert_eq!(e.position.global, None);
        }
        let published = bus.published().expect("published");
        assert!(bus.reached(&got[4].position, &published).expect("tokens"), "everything published was read");
        assert!(!bus.reached(&got[3].position, &published).expect("tokens"), "not in the middle of the record");

        for k in 1..5 {
            let mut rx = bus.subscribe(Some(got[k - 1].position.clone()), CancellationToken::new());
            assert_eq!(ids(&take(&mut rx, 5 - k).await), ids(&events[k..]), "after event {k}");
            assert_quiet(&mut rx).await;
        }
        // A restarted bus resumes from the same tokens.
        let restarted = moto.bus().await;
        let mut rx = restarted.subscribe(Some(got[2].position.clone()), CancellationToken::new());
        assert_eq!(ids(&take(&mut rx, 2).await), ids(&events[3..]));
        let more = moto.events("agg", 2, 8);
        restarted.publish(more.clone()).await.expect("publish");
        assert_eq!(ids(&take(&mut rx, 2).await), ids(&more));
        assert_quiet(&mut rx).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_publish_carries_many_streams() {
        let moto = MotoKinesis::new(3).await;
        let bus = moto.bus().await;
        let mut rx = bus.subscribe(None, CancellationToken::new());
        // 600 streams, 3 events each, interleaved: more keys than one
        // request takes.
        let mut by_stream: Vec<Vec<Arc<RecordedEvent>>> =
            (0..600).map(|i| moto.events(&format!("many-{i}"), 3, 8)).collect();
        let mut events = Vec::new();
        for round in 0..3 {
            for stream in &mut by_stream {
                events.push(stream[round].clone());
            }
        }
        bus.publish(events.clone()).await.expect("publish");
        let got = take(&mut rx, events.len()).await;
        assert_once_in_stream_order(&got, &events);
        assert_quiet(&mut rx).await;

        // Large events: several records of one stream, in successive requests.
        let big = moto.events("big", 7, 300 * 1024);
        bus.publish(big.clone()).await.expect("publish");
        assert_eq!(ids(&take(&mut rx, 7).await), ids(&big));
        let too_big = moto.events("too-big", 1, MAX_RECORD_BYTES);
        match bus.publish(too_big).await {
            Err(BusError::Invalid(message)) => assert!(message.contains("1048576"), "{message}"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert_quiet(&mut rx).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_too_large_for_a_record_travel_as_claim_checks() {
        use crate::{
            adapters::sqlite::{SqliteEventStore, SqliteEventStoreConfig},
            core::model::{ExpectedRevision, ProposedEvent},
        };
        let moto = MotoKinesis::new(1).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn EventStore> = Arc::new(
            SqliteEventStore::open(dir.path().join("events.db"), SqliteEventStoreConfig::default()).expect("store"),
        );
        let stream = unique("claims");
        let proposed = |data: Vec<u8>| ProposedEvent {
            event_id: uuid::Uuid::new_v4(),
            event_type: "DocumentScanned".into(),
            content_type: "application/octet-stream".into(),
            schema_version: 1,
            schema_id: None,
            data: Bytes::from(data),
            metadata: EventMetadata { correlation_id: "c-1".into(), ..Default::default() },
        };
        let events = vec![proposed(vec![7u8; MAX_RECORD_BYTES]), proposed(b"small".to_vec())];
        let ids: Vec<_> = events.iter().map(|e| e.event_id).collect();
        store.append(&stream, ExpectedRevision::NoStream, events).await.expect("append");
        let mut recorded = Vec::new();
        for id in &ids {
            recorded.push(Arc::new(store.find_event(*id).await.expect("find").expect("stored")));
        }
        let open = |store: Option<Arc<dyn EventStore>>| {
            KinesisStreamBus::open(
                moto.clients.clone(),
                moto.config.resources.kinesis_stream.clone(),
                moto.config.resources.coordination_table.clone(),
                test_settings(),
                store,
            )
        };
        let bus = open(Some(store.clone())).await.expect("open the bus");
        let mut rx = bus.subscribe(None, CancellationToken::new());
        bus.publish(recorded.clone()).await.expect("publish");
        let got = take(&mut rx, 2).await;
        for (got, want) in got.iter().zip(&recorded) {
            assert_eq!(got.event_id, want.event_id);
            assert_eq!(got.data, want.data, "the whole payload arrives");
            assert_eq!((got.revision, &got.metadata), (want.revision, &want.metadata));
        }
        assert_quiet(&mut rx).await;

        // A subscriber without a store cannot load it: the subscription
        // ends with an error rather than skipping the event.
        let blind = open(None).await.expect("open the bus");
        let mut rx = blind.subscribe(None, CancellationToken::new());
        let outcome = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await.expect("an answer");
        match outcome {
            Some(Err(BusError::Internal(message))) => assert!(message.contains("claim check"), "{message}"),
            other => panic!("expected the subscription to fail, got {other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_resharding_keeps_every_event_once_and_in_stream_order() {
        let moto = MotoKinesis::new(2).await;
        let stream = moto.config.resources.kinesis_stream.clone();
        let bus = moto.bus().await;
        let mut rx = bus.subscribe(None, CancellationToken::new());
        let streams: Vec<String> = (0..12).map(|i| unique(&format!("r{i}"))).collect();
        let mut published = Vec::new();
        let mut got = Vec::new();
        for round in 0..30 {
            for s in &streams {
                let events = moto.events(s, 1 + round % 3, 8);
                published.extend(events.clone());
                bus.publish(events).await.expect("publish");
            }
            // Read some, so that the split falls in the middle of reading.
            got.extend(take(&mut rx, 10).await);
            if round == 10 {
                let shards = moto.clients.kinesis.list_shards().stream_name(&stream).send().await.expect("list");
                let shard = &shards.shards()[0];
                let range = shard.hash_key_range().expect("range");
                let low: u128 = range.starting_hash_key().parse().expect("hash");
                let high: u128 = range.ending_hash_key().parse().expect("hash");
                moto.clients
                    .kinesis
                    .split_shard()
                    .stream_name(&stream)
                    .shard_to_split(shard.shard_id())
                    .new_starting_hash_key((low + (high - low) / 2).to_string())
                    .send()
                    .await
                    .expect("split");
            }
        }
        got.extend(take(&mut rx, published.len() - got.len()).await);
        assert_quiet(&mut rx).await;
        assert_once_in_stream_order(&got, &published);
        // moto keeps routing writes to the closed parent (it takes the first
        // shard whose hash range covers the key), so the children stay
        // empty there; the order of parents and children is checked by
        // `children_wait_for_their_parents`.
        let marks = decode_token(&stream, &got.last().expect("events").position.token).expect("token");
        assert_eq!(marks.len(), 4, "the children were discovered: {marks:?}");

        // A subscription starting from the beginning after the split reads
        // the same, in stream order.
        let mut rx = bus.subscribe(None, CancellationToken::new());
        let again = take(&mut rx, published.len()).await;
        assert_once_in_stream_order(&again, &published);
        assert_quiet(&mut rx).await;
        let seen: HashSet<_> = again.iter().map(|e| e.event_id).collect();
        assert_eq!(seen.len(), published.len());
    }
}
