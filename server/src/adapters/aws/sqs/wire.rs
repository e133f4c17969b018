//! What travels in SQS messages and receipts, and how consumer names map to
//! queue names.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::core::{
    bus::BusError,
    model::{EventMetadata, Position, RecordedEvent},
};

/// Version of the message body encoding.
pub const BODY_VERSION: u32 = 1;

/// A message body: the whole event, or a claim-check reference to it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<WireEvent>,
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
}

/// A [`RecordedEvent`], field by field (data in base64).
#[derive(Debug, Serialize, Deserialize)]
pub struct WireEvent {
    pub id: Uuid,
    pub stream: String,
    pub rev: u64,
    pub pos: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global: Option<u64>,
    #[serde(rename = "type")]
    pub event_type: String,
    pub sv: u32,
    pub ct: String,
    pub data: String,
    pub meta: EventMetadata,
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssv: Option<u32>,
}

/// Where to load an event too large for a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub id: Uuid,
    pub stream: String,
    pub rev: u64,
}

/// The body carrying the whole event.
pub fn inline_body(event: &RecordedEvent) -> Result<String, BusError> {
    let wire = WireEvent {
        id: event.event_id,
        stream: event.stream_id.clone(),
        rev: event.revision,
        pos: event.position.token.clone(),
        global: event.position.global,
        event_type: event.event_type.clone(),
        sv: event.schema_version,
        ct: event.content_type.clone(),
        data: base64::engine::general_purpose::STANDARD.encode(&event.data),
        meta: event.metadata.clone(),
        at: event.recorded_at_micros,
        schema: event.schema_id,
        ssv: event.stored_schema_version,
    };
    encode(&Envelope { v: BODY_VERSION, event: Some(wire), reference: None })
}

/// The claim-check body: a reference to the stored event.
pub fn reference_body(event: &RecordedEvent) -> Result<String, BusError> {
    let reference = Reference { id: event.event_id, stream: event.stream_id.clone(), rev: event.revision };
    encode(&Envelope { v: BODY_VERSION, event: None, reference: Some(reference) })
}

fn encode(envelope: &Envelope) -> Result<String, BusError> {
    let json =
        serde_json::to_string(envelope).map_err(|e| BusError::Internal(format!("cannot encode an event: {e}")))?;
    Ok(sqs_safe(&json))
}

/// What a body holds.
pub enum Body {
    Event(Box<RecordedEvent>),
    Reference(Reference),
}

/// Decodes a body this bus wrote.
pub fn decode_body(body: &str) -> Result<Body, BusError> {
    let bad = |why: String| BusError::Internal(format!("a queued message does not decode: {why}"));
    let envelope: Envelope = serde_json::from_str(body).map_err(|e| bad(e.to_string()))?;
    if envelope.v != BODY_VERSION {
        return Err(bad(format!("unknown body version {}", envelope.v)));
    }
    match (envelope.event, envelope.reference) {
        (Some(w), _) => {
            let data =
                base64::engine::general_purpose::STANDARD.decode(w.data.as_bytes()).map_err(|e| bad(e.to_string()))?;
            Ok(Body::Event(Box::new(RecordedEvent {
                event_id: w.id,
                stream_id: w.stream,
                revision: w.rev,
                position: Position { token: w.pos, global: w.global },
                event_type: w.event_type,
                schema_version: w.sv,
                content_type: w.ct,
                data: Bytes::from(data),
                metadata: w.meta,
                recorded_at_micros: w.at,
                schema_id: w.schema,
                stored_schema_version: w.ssv,
            })))
        }
        (None, Some(reference)) => Ok(Body::Reference(reference)),
        (None, None) => Err(bad("neither an event nor a reference".into())),
    }
}

/// SQS accepts only XML characters in bodies and attributes: JSON already
/// escapes control characters; escape the two non-characters left.
pub fn sqs_safe(json: &str) -> String {
    if !json.contains(['\u{FFFE}', '\u{FFFF}']) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 12);
    for c in json.chars() {
        match c {
            '\u{FFFE}' => out.push_str("\\ufffe"),
            '\u{FFFF}' => out.push_str("\\uffff"),
            c => out.push(c),
        }
    }
    out
}

/// A free-form string as a valid SQS attribute value (never empty).
pub fn attribute_text(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => c,
            _ => '\u{FFFD}',
        })
        .collect();
    if cleaned.is_empty() { "-".to_string() } else { cleaned }
}

/// How a message came to the dead-letter queue, as this bus records it in
/// the `nexus_dead` message attribute of its copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadInfo {
    pub at: i64,
    pub attempts: u32,
    pub error: String,
    pub parked: bool,
}

impl DeadInfo {
    pub fn encode(&self) -> Result<String, BusError> {
        serde_json::to_string(self)
            .map(|json| sqs_safe(&json))
            .map_err(|e| BusError::Internal(format!("cannot encode a dead letter: {e}")))
    }

    pub fn decode(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

/// What a receipt carries: enough to settle the delivery (the SQS receipt
/// handle) and to check it without a call (consumer, deadline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// This delivery's id, for the bus's own bookkeeping.
    pub n: Uuid,
    /// The consumer.
    pub c: String,
    /// The SQS receipt handle.
    pub h: String,
    /// The event id.
    pub e: Uuid,
    /// The attempt (ApproximateReceiveCount).
    pub a: u32,
    /// End of the visibility timeout asked for, micros since the epoch.
    pub d: i64,
}

impl Receipt {
    pub fn encode(&self) -> String {
        // Serializing plain strings and numbers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let json = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

/// Longest SQS queue name.
const MAX_QUEUE_NAME: usize = 80;
const DLQ_SUFFIX: &str = "-dlq";
const FIFO_SUFFIX: &str = ".fifo";

/// The part of the queue names that names the consumer: the name itself
/// when SQS takes it as it is, else its letters, digits, `-` and `_` (`.` as
/// `-`), shortened, and a hash of the whole name.
pub fn queue_base(prefix: &str, consumer: &str) -> String {
    let room = MAX_QUEUE_NAME.saturating_sub(prefix.len() + DLQ_SUFFIX.len() + FIFO_SUFFIX.len());
    let plain = consumer.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if plain && consumer.len() <= room {
        return consumer.to_string();
    }
    let hash = Sha256::digest(consumer.as_bytes());
    let hash: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let keep = room.saturating_sub(hash.len() + 1);
    let readable: String =
        consumer.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).take(keep).collect();
    format!("{readable}-{hash}")
}

/// The consumer's queue.
pub fn queue_name(prefix: &str, consumer: &str) -> String {
    format!("{prefix}{}{FIFO_SUFFIX}", queue_base(prefix, consumer))
}

/// The consumer's dead-letter queue.
pub fn dlq_name(prefix: &str, consumer: &str) -> String {
    format!("{prefix}{}{DLQ_SUFFIX}{FIFO_SUFFIX}", queue_base(prefix, consumer))
}

/// The SNS filter policy that lets through the events of `event_types`
/// (see `ConsumerSettings::event_types`), matched on the message attribute
/// `attribute`; "" (no policy) when every type is wanted.
pub fn filter_policy(attribute: &str, event_types: &[String]) -> String {
    if event_types.is_empty() {
        return String::new();
    }
    let values: Vec<serde_json::Value> = event_types
        .iter()
        .map(|wanted| match wanted.strip_suffix('*') {
            Some(prefix) => serde_json::json!({ "prefix": prefix }),
            None => serde_json::json!(wanted),
        })
        .collect();
    serde_json::json!({ attribute: values }).to_string()
}

/// The event types of a filter policy made by [`filter_policy`].
pub fn event_types_of_filter_policy(attribute: &str, policy: &str) -> Result<Vec<String>, BusError> {
    if policy.trim().is_empty() {
        return Ok(Vec::new());
    }
    let unreadable = || BusError::Internal(format!("a subscription has a filter policy Nexus did not make: {policy}"));
    let parsed: serde_json::Value = serde_json::from_str(policy).map_err(|_| unreadable())?;
    let values = parsed.get(attribute).and_then(|v| v.as_array()).ok_or_else(unreadable)?;
    values
        .iter()
        .map(|value| match value {
            serde_json::Value::String(name) => Ok(name.clone()),
            other => other.get("prefix").and_then(|p| p.as_str()).map(|p| format!("{p}*")).ok_or_else(unreadable),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_policies_round_trip() {
        assert_eq!(filter_policy("event_type", &[]), "");
        assert_eq!(event_types_of_filter_policy("event_type", "").expect("no policy"), Vec::<String>::new());
        let types = vec!["AccountOpened".to_string(), "Money*".to_string()];
        let policy = filter_policy("event_type", &types);
        assert_eq!(policy, r#"{"event_type":["AccountOpened",{"prefix":"Money"}]}"#);
        assert_eq!(event_types_of_filter_policy("event_type", &policy).expect("our policy"), types);
        assert!(event_types_of_filter_policy("event_type", r#"{"other":["x"]}"#).is_err());
        assert!(event_types_of_filter_policy("event_type", r#"{"event_type":[{"suffix":"x"}]}"#).is_err());
    }

    #[test]
    fn queue_names_fit_sqs() {
        assert_eq!(queue_name("nexus-", "billing"), "nexus-billing.fifo");
        assert_eq!(dlq_name("nexus-", "billing"), "nexus-billing-dlq.fifo");
        let dotted = queue_name("nexus-", "zeta.v1");
        assert!(dotted.starts_with("nexus-zeta-v1-") && dotted.ends_with(".fifo"), "{dotted}");
        assert_ne!(queue_base("p-", "a.b"), queue_base("p-", "a-b"));
        let long = "n".repeat(80);
        for name in [queue_name("nexus-", &long), dlq_name("nexus-", &long)] {
            assert!(name.len() <= 80, "{name}");
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
        }
    }

    #[test]
    fn receipts_and_attributes_round_trip_and_reject_garbage() {
        let receipt =
            Receipt { n: Uuid::new_v4(), c: "c".into(), h: "handle+/=".into(), e: Uuid::new_v4(), a: 3, d: 17 };
        assert_eq!(Receipt::decode(&receipt.encode()), Some(receipt));
        assert_eq!(Receipt::decode(""), None);
        assert_eq!(Receipt::decode("not-a-receipt"), None);
        assert_eq!(attribute_text(""), "-");
        assert_eq!(attribute_text("a\u{1}b"), "a\u{FFFD}b");
        assert_eq!(sqs_safe("\"\u{FFFF}\""), "\"\\uffff\"");
    }
}
