//! How events and stream heads are laid out in DynamoDB items, and how
//! positions are written as tokens. See docs/AWS.md for the table design.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use bytes::Bytes;
use prost::Message;
use uuid::Uuid;

use crate::core::{
    model::{EventMetadata, Position, ProposedEvent, RecordedEvent, StreamMetadata, StreamState},
    ports::StoreError,
};

/// Sort key of a stream's head item (the appends use their first revision).
pub const HEAD_SK: i64 = -1;
/// Sort key of an event id's idempotency record.
pub const ID_SK: i64 = 0;

/// Partition key of a stream's items.
pub fn stream_pk(stream_id: &str) -> String {
    format!("s#{stream_id}")
}

/// Partition key of an event id's idempotency record.
pub fn id_pk(event_id: Uuid) -> String {
    format!("e#{event_id}")
}

/// One event inside an append item's `ev` attribute.
#[derive(Clone, PartialEq, Message)]
pub struct StoredEvent {
    #[prost(bytes = "vec", tag = "1")]
    pub event_id: Vec<u8>,
    #[prost(string, tag = "2")]
    pub event_type: String,
    #[prost(string, tag = "3")]
    pub content_type: String,
    #[prost(uint32, tag = "4")]
    pub schema_version: u32,
    /// Empty when the event has no schema id.
    #[prost(bytes = "vec", tag = "5")]
    pub schema_id: Vec<u8>,
    #[prost(bytes = "bytes", tag = "6")]
    pub data: Bytes,
    /// [`EventMetadata`] as JSON.
    #[prost(string, tag = "7")]
    pub metadata: String,
}

/// The events of one append, as stored in its item.
#[derive(Clone, PartialEq, Message)]
pub struct StoredAppend {
    #[prost(message, repeated, tag = "1")]
    pub events: Vec<StoredEvent>,
}

impl StoredAppend {
    pub fn encode_events(events: &[ProposedEvent]) -> Result<Vec<u8>, StoreError> {
        let mut stored = Vec::with_capacity(events.len());
        for e in events {
            stored.push(StoredEvent {
                event_id: e.event_id.as_bytes().to_vec(),
                event_type: e.event_type.clone(),
                content_type: e.content_type.clone(),
                schema_version: e.schema_version,
                schema_id: e.schema_id.map(|id| id.as_bytes().to_vec()).unwrap_or_default(),
                data: e.data.clone(),
                metadata: serde_json::to_string(&e.metadata)
                    .map_err(|err| StoreError::Internal(format!("cannot encode metadata: {err}")))?,
            });
        }
        Ok(StoredAppend { events: stored }.encode_to_vec())
    }
}

/// An append item, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct AppendItem {
    pub stream_id: String,
    pub first_revision: u64,
    pub recorded_at_micros: i64,
    pub events: Vec<StoredEvent>,
}

impl AppendItem {
    pub fn recorded_one(
        &self,
        index: usize,
        e: &StoredEvent,
        position: &impl Fn(u64) -> Position,
    ) -> Result<RecordedEvent, StoreError> {
        let revision = self.first_revision + index as u64;
        let corrupt = |what: &str| StoreError::Internal(format!("stored event {}@{revision}: {what}", self.stream_id));
        let event_id = Uuid::from_slice(&e.event_id).map_err(|_| corrupt("bad event id"))?;
        let schema_id = if e.schema_id.is_empty() {
            None
        } else {
            Some(Uuid::from_slice(&e.schema_id).map_err(|_| corrupt("bad schema id"))?)
        };
        let metadata: EventMetadata = if e.metadata.is_empty() {
            EventMetadata::default()
        } else {
            serde_json::from_str(&e.metadata).map_err(|_| corrupt("bad metadata"))?
        };
        Ok(RecordedEvent {
            event_id,
            stream_id: self.stream_id.clone(),
            revision,
            position: position(revision),
            event_type: e.event_type.clone(),
            schema_version: e.schema_version,
            content_type: e.content_type.clone(),
            data: e.data.clone(),
            metadata,
            recorded_at_micros: self.recorded_at_micros,
            schema_id,
            stored_schema_version: None,
        })
    }
}

/// A stream's head item: its last revision, state and retention metadata,
/// and a version every write of the head increments (the optimistic lock).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Head {
    /// `None` while the head item does not exist.
    pub version: Option<u64>,
    pub last_revision: Option<u64>,
    pub state: HeadState,
    pub metadata: StreamMetadata,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadState {
    #[default]
    Active,
    Deleted,
    Tombstoned,
}

impl Head {
    /// The revision expected-revision checks see: none while soft-deleted.
    pub fn visible_last(&self) -> Option<u64> {
        if self.state == HeadState::Active { self.last_revision } else { None }
    }

    pub fn stream_state(&self) -> StreamState {
        match self.state {
            HeadState::Tombstoned => StreamState::Tombstoned,
            HeadState::Deleted => StreamState::Deleted,
            HeadState::Active if self.last_revision.is_none() => StreamState::Absent,
            HeadState::Active => StreamState::Active,
        }
    }
}

/// Read access to an item's attributes, whichever SDK's type holds them
/// (DynamoDB's for reads, DynamoDB Streams' for the change feed).
pub trait Item {
    fn s(&self, name: &str) -> Option<&str>;
    fn n(&self, name: &str) -> Option<&str>;
    fn b(&self, name: &str) -> Option<&[u8]>;

    fn u64(&self, name: &str) -> Option<u64> {
        self.n(name).and_then(|v| v.parse().ok())
    }
    fn i64(&self, name: &str) -> Option<i64> {
        self.n(name).and_then(|v| v.parse().ok())
    }
}

/// The two SDKs' attribute values are distinct types of the same shape.
macro_rules! impl_item {
    ($($value:ty),+) => {$(
        impl Item for HashMap<String, $value> {
            fn s(&self, name: &str) -> Option<&str> {
                self.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
            }
            fn n(&self, name: &str) -> Option<&str> {
                self.get(name).and_then(|v| v.as_n().ok()).map(String::as_str)
            }
            fn b(&self, name: &str) -> Option<&[u8]> {
                self.get(name).and_then(|v| v.as_b().ok()).map(|b| b.as_ref())
            }
        }
    )+};
}

impl_item!(aws_sdk_dynamodb::types::AttributeValue, aws_sdk_dynamodbstreams::types::AttributeValue);

/// Decodes an append item; `None` for items that are not appends (heads,
/// idempotency records).
pub fn decode_append(item: &impl Item) -> Result<Option<AppendItem>, StoreError> {
    let Some(stream_id) = item.s("pk").and_then(|pk| pk.strip_prefix("s#")) else { return Ok(None) };
    let Some(sk) = item.i64("sk") else { return Ok(None) };
    if sk < 0 {
        return Ok(None);
    }
    let bytes =
        item.b("ev").ok_or_else(|| StoreError::Internal(format!("append item {stream_id}@{sk} has no events")))?;
    let decoded = StoredAppend::decode(bytes)
        .map_err(|e| StoreError::Internal(format!("append item {stream_id}@{sk} does not decode: {e}")))?;
    Ok(Some(AppendItem {
        stream_id: stream_id.to_string(),
        first_revision: sk as u64,
        recorded_at_micros: item.i64("t").unwrap_or(0),
        events: decoded.events,
    }))
}

pub fn decode_head(item: Option<&impl Item>) -> Head {
    let Some(item) = item else { return Head::default() };
    let state = match item.u64("state") {
        Some(2) => HeadState::Deleted,
        Some(3) => HeadState::Tombstoned,
        _ => HeadState::Active,
    };
    Head {
        version: Some(item.u64("ver").unwrap_or(0)),
        last_revision: item.u64("last"),
        state,
        metadata: StreamMetadata {
            max_count: item.u64("max_count"),
            max_age: item.u64("max_age_us").map(std::time::Duration::from_micros),
            truncate_before: item.u64("truncate_before"),
        },
    }
}

pub fn state_code(state: HeadState) -> u64 {
    match state {
        HeadState::Active => 1,
        HeadState::Deleted => 2,
        HeadState::Tombstoned => 3,
    }
}

// ---------------------------------------------------------------------------
// Position tokens
// ---------------------------------------------------------------------------

const EVENT_TOKEN: &str = "ddbe1.";
const FEED_TOKEN: &str = "ddbs1.";

/// The position of an event as appends and stream reads report it: it names
/// the event (stream and revision). DynamoDB has no order across streams,
/// so such a position says where an event is, not where a ReadAll resumes.
pub fn event_position(stream_id: &str, revision: u64) -> Position {
    Position { token: format!("{EVENT_TOKEN}{}.{revision}", URL_SAFE_NO_PAD.encode(stream_id)), global: None }
}

/// Where a reader of the change feed is: per DynamoDB Streams shard, the
/// sequence number of the record it is in and how many of that record's
/// events it has passed; and the shards it has finished.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeedPosition {
    /// shard id → (sequence number, events of that record passed).
    #[serde(rename = "s", default)]
    pub shards: std::collections::BTreeMap<String, (String, u32)>,
    /// Shards read to their end.
    #[serde(rename = "d", default)]
    pub done: std::collections::BTreeSet<String>,
}

impl FeedPosition {
    pub fn to_position(&self) -> Position {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Position { token: format!("{FEED_TOKEN}{}", URL_SAFE_NO_PAD.encode(json)), global: None }
    }
}

/// What a token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Event { stream_id: String, revision: u64 },
    Feed(FeedPosition),
}

pub fn parse_token(token: &str) -> Result<Token, StoreError> {
    let invalid = || StoreError::InvalidPosition(token.to_string());
    if let Some(rest) = token.strip_prefix(EVENT_TOKEN) {
        let (stream, revision) = rest.rsplit_once('.').ok_or_else(invalid)?;
        let stream = URL_SAFE_NO_PAD.decode(stream).map_err(|_| invalid())?;
        let stream_id = String::from_utf8(stream).map_err(|_| invalid())?;
        let revision = revision.parse().map_err(|_| invalid())?;
        return Ok(Token::Event { stream_id, revision });
    }
    if let Some(rest) = token.strip_prefix(FEED_TOKEN) {
        let json = URL_SAFE_NO_PAD.decode(rest).map_err(|_| invalid())?;
        let feed: FeedPosition = serde_json::from_slice(&json).map_err(|_| invalid())?;
        return Ok(Token::Feed(feed));
    }
    Err(invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_foreign_ones_are_refused() {
        let p = event_position("order/1.x", 42);
        assert_eq!(parse_token(&p.token).expect("parse"), Token::Event { stream_id: "order/1.x".into(), revision: 42 });
        let mut feed = FeedPosition::default();
        feed.shards.insert("shardId-1".into(), ("000123".into(), 2));
        feed.done.insert("shardId-0".into());
        assert_eq!(parse_token(&feed.to_position().token).expect("parse"), Token::Feed(feed));
        for bad in ["", "42", "ddbe1.", "ddbe1.!!.3", "ddbs1.e30x", "ddbs1.bm90IGpzb24"] {
            assert!(matches!(parse_token(bad), Err(StoreError::InvalidPosition(_))), "{bad}");
        }
    }
}
