//! The change feed: the events table's DynamoDB Stream (NEW_IMAGE), read
//! shard by shard. An append is one item, so one stream record carries all
//! the events of one append.
//!
//! Order: DynamoDB Streams keeps the records of one item key, and of one
//! partition key, in order within one shard lineage (a parent shard before
//! its children). All of a stream's appends share its partition key, so a
//! stream's events come in revision order. Across streams there is no
//! order: this backend has no global position.
//!
//! A reader's place is a [`FeedPosition`]: per shard the record it is in
//! and how many of its events it has passed. Shards are read parents first:
//! a child shard is read only once its parents are finished (or trimmed).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use aws_sdk_dynamodbstreams::{
    Client,
    error::ProvideErrorMetadata,
    types::{OperationType, Shard, ShardIteratorType},
};

use super::codec::{AppendItem, FeedPosition, decode_append};
use crate::core::ports::StoreError;

/// How long a shard listing is reused (DescribeStream allows 10 calls per
/// second per account; shards change every few hours).
const SHARDS_TTL: Duration = Duration::from_secs(5);
/// Records asked for per GetRecords call (the API's maximum).
const RECORDS_PER_CALL: i32 = 1000;
/// Empty GetRecords answers after which an open shard counts as caught up
/// (DynamoDB Streams may answer empty before the end of a sparse shard).
const EMPTY_READS_AT_TAIL: usize = 2;

/// One append of the feed: its events from `offset` on (earlier ones were
/// passed before), with the feed position before it.
pub struct FeedAppend {
    pub shard_id: String,
    pub sequence_number: String,
    /// Events of the record passed before `append.events[0]`.
    pub offset: u32,
    pub before: FeedPosition,
    pub append: AppendItem,
}

impl FeedAppend {
    /// The feed position right after the `index`-th event of `append.events`.
    pub fn after(&self, index: usize) -> FeedPosition {
        let mut position = self.before.clone();
        position.shards.insert(self.shard_id.clone(), (self.sequence_number.clone(), self.offset + index as u32 + 1));
        position
    }
}

/// What one read of the feed found.
pub struct FeedPage {
    pub appends: Vec<FeedAppend>,
    /// The position after everything read (records without events too).
    pub end: FeedPosition,
    /// Every shard readable now reached its current end.
    pub at_tail: bool,
}

pub struct Feed {
    client: Client,
    stream_arn: String,
    shards: Mutex<Option<(Instant, Vec<Shard>)>>,
}

impl Feed {
    pub fn new(client: Client, stream_arn: String) -> Self {
        Self { client, stream_arn, shards: Mutex::new(None) }
    }

    async fn shards(&self) -> Result<Vec<Shard>, StoreError> {
        if let Ok(cached) = self.shards.lock()
            && let Some((at, shards)) = cached.as_ref()
            && at.elapsed() < SHARDS_TTL
        {
            return Ok(shards.clone());
        }
        let mut shards = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start.clone())
                .send()
                .await
                .map_err(|e| unavailable("DescribeStream", &e))?;
            let Some(description) = out.stream_description() else { break };
            shards.extend(description.shards().iter().cloned());
            match description.last_evaluated_shard_id() {
                Some(last) => start = Some(last.to_string()),
                None => break,
            }
        }
        if let Ok(mut cached) = self.shards.lock() {
            *cached = Some((Instant::now(), shards.clone()));
        }
        Ok(shards)
    }

    /// Reads appends after `from`, up to about `max_events` events. `from` is
    /// advanced over everything the page holds; a caller that stops early
    /// uses the positions of the appends instead.
    pub async fn read(&self, from: &FeedPosition, max_events: usize) -> Result<FeedPage, StoreError> {
        let shards = self.shards().await?;
        let known: HashMap<&str, &Shard> = shards.iter().map(|s| (s.shard_id().unwrap_or_default(), s)).collect();
        let mut position = from.clone();
        let mut appends = Vec::new();
        let mut events = 0usize;
        let mut at_tail = true;
        // Shards are finished one by one, which makes children readable:
        // go round until no shard is readable and unread.
        let mut caught_up: Vec<String> = Vec::new();
        loop {
            let readable: Vec<&Shard> = order(&shards)
                .into_iter()
                .filter(|s| {
                    let id = s.shard_id().unwrap_or_default();
                    !position.done.contains(id)
                        && !caught_up.iter().any(|c| c == id)
                        && parents_of(s).iter().all(|p| position.done.contains(*p) || !known.contains_key(*p))
                })
                .collect();
            let Some(shard) = readable.first() else { break };
            let shard_id = shard.shard_id().unwrap_or_default().to_string();
            let (mut iterator, mut skip) = match position.shards.get(&shard_id) {
                Some((seq, passed)) => {
                    (self.iterator(&shard_id, ShardIteratorType::AtSequenceNumber, Some(seq)).await?, *passed as usize)
                }
                None => (self.iterator(&shard_id, ShardIteratorType::TrimHorizon, None).await?, 0),
            };
            let mut empty = 0;
            loop {
                if events >= max_events {
                    at_tail = false;
                    break;
                }
                let Some(it) = iterator.take() else {
                    // A closed shard read to its end.
                    position.done.insert(shard_id.clone());
                    position.shards.remove(&shard_id);
                    break;
                };
                let out = self
                    .client
                    .get_records()
                    .shard_iterator(it)
                    .limit(RECORDS_PER_CALL.min(i32::try_from(max_events - events).unwrap_or(i32::MAX)).max(1))
                    .send()
                    .await
                    .map_err(|e| unavailable("GetRecords", &e))?;
                iterator = out.next_shard_iterator().map(str::to_string);
                let records = out.records();
                if records.is_empty() {
                    empty += 1;
                    if iterator.is_some() && empty >= EMPTY_READS_AT_TAIL {
                        caught_up.push(shard_id.clone());
                        break;
                    }
                    continue;
                }
                empty = 0;
                for record in records {
                    let Some(change) = record.dynamodb() else { continue };
                    let sequence = change.sequence_number().unwrap_or_default().to_string();
                    let is_insert = record.event_name() == Some(&OperationType::Insert);
                    let append = match change.new_image() {
                        Some(image) if is_insert => decode_append(image)?,
                        _ => None,
                    };
                    let passed = std::mem::take(&mut skip);
                    let Some(mut append) = append else {
                        position.shards.insert(shard_id.clone(), (sequence, 0));
                        continue;
                    };
                    let n = append.events.len();
                    let passed = passed.min(n);
                    let before = position.clone();
                    position.shards.insert(shard_id.clone(), (sequence.clone(), n as u32));
                    if passed < n {
                        events += n - passed;
                        append.events.drain(..passed);
                        append.first_revision += passed as u64;
                        appends.push(FeedAppend {
                            shard_id: shard_id.clone(),
                            sequence_number: sequence,
                            offset: passed as u32,
                            before,
                            append,
                        });
                    }
                }
            }
            if events >= max_events {
                at_tail = false;
                break;
            }
        }
        Ok(FeedPage { appends, end: position, at_tail })
    }

    async fn iterator(
        &self,
        shard_id: &str,
        kind: ShardIteratorType,
        sequence: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard_id)
            .shard_iterator_type(kind)
            .set_sequence_number(sequence.map(str::to_string))
            .send()
            .await;
        match out {
            Ok(out) => Ok(out.shard_iterator().map(str::to_string)),
            Err(e) if e.code() == Some("TrimmedDataAccessException") => Err(StoreError::InvalidPosition(format!(
                "the position is older than the change feed's retention (DynamoDB Streams keeps 24 hours); shard {shard_id}"
            ))),
            Err(e) => Err(unavailable("GetShardIterator", &e)),
        }
    }
}

/// Shards with parents before children, then by id.
fn order(shards: &[Shard]) -> Vec<&Shard> {
    let mut sorted: Vec<&Shard> = shards.iter().collect();
    sorted.sort_by_key(|s| {
        s.sequence_number_range().and_then(|r| r.starting_sequence_number()).map(seq_key).unwrap_or_default()
    });
    sorted
}

fn parents_of(shard: &Shard) -> Vec<&str> {
    shard.parent_shard_id().into_iter().collect()
}

/// Sequence numbers are decimal strings of varying length: order them by
/// length, then text.
pub fn seq_key(seq: &str) -> (usize, String) {
    (seq.len(), seq.to_string())
}

fn unavailable<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    call: &str,
    error: &aws_sdk_dynamodbstreams::error::SdkError<E, R>,
) -> StoreError {
    let detail = match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => format!("{error:?}"),
    };
    StoreError::Unavailable(format!("DynamoDB Streams {call}: {detail}"))
}
