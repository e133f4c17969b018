//! Conversions between the `nexus.v1` messages and the core model, with the
//! request validation that belongs to the wire format.

use std::time::Duration;

use bytes::Bytes;
use nexus_sdk::proto;
use uuid::Uuid;

use crate::core::{
    error::FieldViolation,
    model::{
        AllFrom, AppendResult, Direction, EventFilter, EventMetadata, ExpectedRevision, JSON_CONTENT_TYPE, Position,
        ProposedEvent, RecordedEvent, StreamMetadata,
    },
    principal::Principal,
    validate,
};

/// Limits on what one request may carry.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_events_per_append: usize,
    pub max_event_bytes: usize,
    pub max_page_size: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_events_per_append: 10_000, max_event_bytes: 1024 * 1024, max_page_size: 4096 }
    }
}

pub const DEFAULT_PAGE_SIZE: u32 = 100;

pub fn expected_revision(expected: Option<proto::ExpectedRevision>) -> ExpectedRevision {
    use proto::expected_revision::Kind;
    match expected.and_then(|e| e.kind) {
        None | Some(Kind::Any(())) => ExpectedRevision::Any,
        Some(Kind::NoStream(())) => ExpectedRevision::NoStream,
        Some(Kind::StreamExists(())) => ExpectedRevision::StreamExists,
        Some(Kind::Exact(n)) => ExpectedRevision::Exact(n),
    }
}

/// Checks and converts the events of an append. User and tenant ids come
/// from the principal, never from the client.
pub fn proposed_events(
    events: Vec<proto::ProposedEvent>,
    principal: &Principal,
    limits: &Limits,
    violations: &mut Vec<FieldViolation>,
) -> Vec<ProposedEvent> {
    if events.is_empty() {
        violations.push(FieldViolation::new("events", "must hold at least one event"));
    }
    if events.len() > limits.max_events_per_append {
        violations
            .push(FieldViolation::new("events", format!("must hold at most {} events", limits.max_events_per_append)));
        return Vec::new();
    }
    let mut seen = std::collections::HashSet::new();
    events
        .into_iter()
        .enumerate()
        .filter_map(|(i, event)| {
            let field = |name: &str| format!("events[{i}].{name}");
            let before = violations.len();
            let event_id = match Uuid::parse_str(&event.event_id) {
                Ok(id) if id.is_nil() => {
                    violations.push(FieldViolation::new(field("event_id"), "must not be the nil UUID"));
                    None
                }
                Ok(id) => {
                    if !seen.insert(id) {
                        violations.push(FieldViolation::new(field("event_id"), "appears twice in this append"));
                    }
                    Some(id)
                }
                Err(_) => {
                    violations.push(FieldViolation::new(
                        field("event_id"),
                        "must be a UUID such as 0b8a0c3e-4d7f-4f6e-9a53-2f1c9a7d6e10",
                    ));
                    None
                }
            };
            validate::type_name(&field("event_type"), &event.event_type, violations);
            let content_type =
                if event.content_type.is_empty() { JSON_CONTENT_TYPE.to_string() } else { event.content_type };
            if content_type.len() > 128 || content_type.chars().any(char::is_control) {
                violations.push(FieldViolation::new(field("content_type"), "must be a MIME type of at most 128 bytes"));
            }
            if event.data.len() > limits.max_event_bytes {
                violations.push(FieldViolation::new(
                    field("data"),
                    format!("is {} bytes; the limit is {}", event.data.len(), limits.max_event_bytes),
                ));
            }
            let metadata = event.metadata.unwrap_or_default();
            validate::optional_id(&field("metadata.correlation_id"), &metadata.correlation_id, violations);
            validate::optional_id(&field("metadata.causation_id"), &metadata.causation_id, violations);
            custom_metadata(&field("metadata.custom"), &metadata.custom, violations);
            if violations.len() != before {
                return None;
            }
            Some(ProposedEvent {
                event_id: event_id?,
                event_type: event.event_type,
                content_type,
                schema_version: event.schema_version,
                schema_id: None,
                data: Bytes::from(event.data),
                metadata: EventMetadata {
                    correlation_id: metadata.correlation_id,
                    causation_id: metadata.causation_id,
                    user_id: principal.subject.clone(),
                    tenant_id: principal.tenant.clone(),
                    custom: metadata.custom.into_iter().collect(),
                },
            })
        })
        .collect()
}

pub fn custom_metadata(
    field: &str,
    custom: &std::collections::HashMap<String, String>,
    violations: &mut Vec<FieldViolation>,
) {
    if custom.len() > 64 {
        violations.push(FieldViolation::new(field, "must hold at most 64 entries"));
    }
    for (key, value) in custom {
        if key.is_empty() || key.len() > 128 || value.len() > 4096 {
            violations.push(FieldViolation::new(
                format!("{field}[{key}]"),
                "keys must be 1 to 128 bytes and values at most 4096 bytes",
            ));
        }
    }
}

pub fn page_size(field: &str, requested: u32, limits: &Limits, violations: &mut Vec<FieldViolation>) -> usize {
    if requested > limits.max_page_size {
        violations.push(FieldViolation::new(field, format!("must be at most {}", limits.max_page_size)));
    }
    if requested == 0 { DEFAULT_PAGE_SIZE as usize } else { requested.min(limits.max_page_size) as usize }
}

pub fn direction(direction: i32, violations: &mut Vec<FieldViolation>) -> Direction {
    match proto::ReadDirection::try_from(direction) {
        Ok(proto::ReadDirection::Backwards) => Direction::Backwards,
        Ok(_) => Direction::Forwards,
        Err(_) => {
            violations.push(FieldViolation::new("direction", "is not a known ReadDirection"));
            Direction::Forwards
        }
    }
}

pub fn all_from(from: Option<proto::AllFrom>, direction: Direction, violations: &mut Vec<FieldViolation>) -> AllFrom {
    use proto::all_from::Kind;
    match from.and_then(|f| f.kind) {
        Some(Kind::Start(())) => AllFrom::Start,
        Some(Kind::End(())) => AllFrom::End,
        Some(Kind::After(token)) if token.is_empty() => {
            violations.push(FieldViolation::new("from.after", "must not be empty"));
            AllFrom::Start
        }
        Some(Kind::After(token)) => AllFrom::After(Position { token, global: None }),
        None if direction == Direction::Backwards => AllFrom::End,
        None => AllFrom::Start,
    }
}

pub fn filter(filter: Option<proto::EventFilter>, violations: &mut Vec<FieldViolation>) -> EventFilter {
    let filter = filter.unwrap_or_default();
    for (name, list) in [
        ("filter.event_type_prefixes", &filter.event_type_prefixes),
        ("filter.stream_prefixes", &filter.stream_prefixes),
    ] {
        if list.len() > 64 {
            violations.push(FieldViolation::new(name, "must hold at most 64 prefixes"));
        }
        if list.iter().any(|p| p.is_empty() || p.len() > validate::MAX_STREAM_ID_BYTES) {
            violations.push(FieldViolation::new(name, "prefixes must be 1 to 512 bytes"));
        }
    }
    EventFilter { event_type_prefixes: filter.event_type_prefixes, stream_prefixes: filter.stream_prefixes }
}

pub fn heartbeat(interval: Option<prost_types::Duration>, violations: &mut Vec<FieldViolation>) -> Duration {
    const DEFAULT: Duration = Duration::from_secs(10);
    let Some(interval) = interval else { return DEFAULT };
    match Duration::try_from(interval) {
        Ok(d) if d >= Duration::from_millis(100) && d <= Duration::from_secs(3600) => d,
        _ => {
            violations.push(FieldViolation::new("heartbeat_interval", "must be between 100ms and 1h"));
            DEFAULT
        }
    }
}

pub fn stream_metadata(
    metadata: Option<proto::StreamMetadata>,
    violations: &mut Vec<FieldViolation>,
) -> StreamMetadata {
    let metadata = metadata.unwrap_or_default();
    let max_age = metadata.max_age.and_then(|age| match Duration::try_from(age) {
        Ok(d) => Some(d),
        Err(_) => {
            violations.push(FieldViolation::new("metadata.max_age", "must be a non-negative duration"));
            None
        }
    });
    StreamMetadata { max_count: metadata.max_count, max_age, truncate_before: metadata.truncate_before }
}

pub fn stream_metadata_to_proto(metadata: StreamMetadata) -> proto::StreamMetadata {
    proto::StreamMetadata {
        max_count: metadata.max_count,
        max_age: metadata.max_age.and_then(|d| prost_types::Duration::try_from(d).ok()),
        truncate_before: metadata.truncate_before,
    }
}

pub fn position(position: Position) -> proto::Position {
    proto::Position { token: position.token, global_position: position.global }
}

pub fn recorded_event(event: RecordedEvent) -> proto::RecordedEvent {
    let micros = event.recorded_at_micros;
    proto::RecordedEvent {
        event_id: event.event_id.to_string(),
        stream_id: event.stream_id,
        stream_revision: event.revision,
        position: Some(position(event.position)),
        event_type: event.event_type,
        schema_version: event.schema_version,
        schema_id: event.schema_id.map(|id| id.to_string()).unwrap_or_default(),
        stored_schema_version: event.stored_schema_version,
        content_type: event.content_type,
        data: event.data.into(),
        metadata: Some(proto::EventMetadata {
            correlation_id: event.metadata.correlation_id,
            causation_id: event.metadata.causation_id,
            user_id: event.metadata.user_id,
            tenant_id: event.metadata.tenant_id,
            custom: event.metadata.custom.into_iter().collect(),
        }),
        recorded_time: Some(timestamp(micros)),
    }
}

/// Microseconds since the Unix epoch as a protobuf timestamp.
pub fn timestamp(micros: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1000) as i32,
    }
}

pub fn append_result(result: AppendResult) -> proto::AppendToStreamResponse {
    proto::AppendToStreamResponse {
        first_revision: result.first_revision,
        current_revision: result.current_revision,
        first_position: Some(position(result.first_position)),
        last_position: Some(position(result.last_position)),
        already_appended: result.already_appended,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_events_are_reported_per_field_and_dropped() {
        let principal = Principal::anonymous();
        let mut violations = Vec::new();
        let events = vec![
            proto::ProposedEvent {
                event_id: "not-a-uuid".into(),
                event_type: "Ok".into(),
                data: b"{}".to_vec(),
                ..Default::default()
            },
            proto::ProposedEvent {
                event_id: Uuid::new_v4().to_string(),
                event_type: "bad type!".into(),
                data: b"{}".to_vec(),
                ..Default::default()
            },
            // Payloads are checked by governance (with their schema), not here.
            proto::ProposedEvent {
                event_id: Uuid::new_v4().to_string(),
                event_type: "Ok".into(),
                data: b"{broken".to_vec(),
                ..Default::default()
            },
        ];
        let converted = proposed_events(events, &principal, &Limits::default(), &mut violations);
        assert_eq!(converted.len(), 1);
        assert_eq!(converted[0].data.as_ref(), b"{broken");
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["events[0].event_id", "events[1].event_type"]);
    }
}
