//! `nexus.v1.TemporalQueryService`: the past state of aggregates and
//! documents, and the events of a stream between two times.
//!
//! Every call is validated, then authorized, then counted against the
//! caller's rate limit (so malformed and denied calls cost nothing), then
//! run. The document and event queries live in `core::temporal` (query
//! side). The aggregate state folds through the aggregate's handler, the
//! command side's model: this module composes it from the command bus's
//! handlers and loader, which is why `api::temporal` is not declared query
//! side in policies/governance/data.json.

use std::sync::Arc;

use nexus_sdk::{json, proto};
use tonic::{Request, Response, Status};

use super::{
    ApiState,
    authz::{Call, service::TEMPORAL},
    convert, principal,
    status::{invalid, invalid_position, meta, status},
};
use crate::core::{
    command::CommandBus,
    error::{FieldViolation, NexusError},
    model::{Position, RecordedEvent},
    ports::head_position,
    projection::engine::ProjectionEngine,
    rate_limit::RateLimits,
    temporal::{self, DocumentSource, PageToken, TemporalError, Window},
    validate,
};

/// The RPCs counted against the temporal rate limit: all of this service's.
pub const RATE_LIMITED_RPCS: [&str; 3] = [
    "nexus.v1.TemporalQueryService/GetAggregateStateAt",
    "nexus.v1.TemporalQueryService/ReadStreamBetween",
    "nexus.v1.TemporalQueryService/GetDocumentAt",
];

const MAX_KEY_BYTES: usize = 512;

pub struct TemporalApi {
    state: Arc<ApiState>,
    engine: Arc<ProjectionEngine>,
    limits: Arc<RateLimits>,
    /// Most events a document replay may fold.
    max_replay_events: u64,
}

impl TemporalApi {
    pub fn new(
        state: Arc<ApiState>,
        engine: Arc<ProjectionEngine>,
        limits: Arc<RateLimits>,
        max_replay_events: u64,
    ) -> Self {
        Self { state, engine, limits, max_replay_events }
    }
}

fn check(violations: Vec<FieldViolation>) -> Result<(), Status> {
    if violations.is_empty() { Ok(()) } else { Err(invalid(violations)) }
}

/// A timestamp as µs since the epoch.
fn micros(field: &str, time: &prost_types::Timestamp, violations: &mut Vec<FieldViolation>) -> i64 {
    let micros = time
        .seconds
        .checked_mul(1_000_000)
        .and_then(|s| s.checked_add(i64::from(time.nanos / 1000)))
        .filter(|_| (0..1_000_000_000).contains(&time.nanos));
    micros.unwrap_or_else(|| {
        violations.push(FieldViolation::new(field, "is not a valid timestamp"));
        0
    })
}

fn recorded_time(event: Option<&RecordedEvent>) -> Option<prost_types::Timestamp> {
    event.map(|e| convert::timestamp(e.recorded_at_micros))
}

enum At {
    Revision(u64),
    Time(i64),
}

#[tonic::async_trait]
impl proto::temporal_query_service_server::TemporalQueryService for TemporalApi {
    async fn get_aggregate_state_at(
        &self,
        request: Request<proto::GetAggregateStateAtRequest>,
    ) -> Result<Response<proto::GetAggregateStateAtResponse>, Status> {
        use proto::get_aggregate_state_at_request::At as ProtoAt;
        let principal = principal(&request);
        let call = Call::new(&request, TEMPORAL, "GetAggregateStateAt");
        let request = request.into_inner();
        let mut violations = Vec::new();
        if request.aggregate_type.is_empty() {
            violations.push(FieldViolation::new("aggregate_type", "must not be empty"));
        }
        validate::aggregate_id("aggregate_id", &request.aggregate_id, &mut violations);
        let at = match &request.at {
            Some(ProtoAt::Revision(revision)) => At::Revision(*revision),
            Some(ProtoAt::Time(time)) => At::Time(micros("time", time, &mut violations)),
            None => {
                violations.push(FieldViolation::new("at", "must give a revision or a time"));
                At::Revision(0)
            }
        };
        check(violations)?;
        let commands = &self.state.commands;
        let handler =
            commands.handlers().get(&request.aggregate_type).ok_or_else(|| NexusError::UnknownAggregateType {
                given: request.aggregate_type.clone(),
                valid: commands.handlers().aggregate_types(),
            })?;
        let stream_id = CommandBus::stream_id(&principal.tenant, &request.aggregate_type, &request.aggregate_id);
        let mut call = call.stream(&stream_id);
        call.resource.aggregate_type = Some(request.aggregate_type.clone());
        let _ = self.state.guard.authorize(&call).await?;
        self.limits.check(&principal)?;

        let store = &*self.state.store;
        let bounds = temporal::visible_bounds(store, &stream_id).await?;
        let stream_revision = bounds.as_ref().map_or(0, |(_, last)| last.revision);
        let event = match at {
            At::Revision(revision) => {
                let out_of_range = || TemporalError::RevisionOutOfRange {
                    stream_id: stream_id.clone(),
                    revision,
                    visible: bounds.as_ref().map(|(first, last)| (first.revision, last.revision)),
                };
                match &bounds {
                    Some((first, last)) if (first.revision..=last.revision).contains(&revision) => {
                        Some(temporal::event_at(store, &stream_id, revision).await?.ok_or_else(out_of_range)?)
                    }
                    _ => return Err(out_of_range().into()),
                }
            }
            At::Time(time) => temporal::revision_at(store, &stream_id, time).await?,
        };
        let mut response = proto::GetAggregateStateAtResponse {
            stream_id: stream_id.clone(),
            stream_revision,
            recorded_time: recorded_time(event.as_ref()),
            ..Default::default()
        };
        let state = match &event {
            Some(event) => {
                let loaded = commands.loader().load(handler.as_ref(), &stream_id, Some(event.revision)).await?;
                response.revision = loaded.revision;
                response.first_revision = loaded.first_revision;
                response.snapshot_revision = loaded.snapshot_revision;
                response.events_replayed = loaded.replayed;
                loaded.state
            }
            // Before the aggregate's first event: its initial state.
            None => handler.restore(None)?,
        };
        response.state = Some(json::json_to_value(state.to_json()?));
        Ok(Response::new(response))
    }

    async fn read_stream_between(
        &self,
        request: Request<proto::ReadStreamBetweenRequest>,
    ) -> Result<Response<proto::ReadStreamBetweenResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, TEMPORAL, "ReadStreamBetween");
        let request = request.into_inner();
        let mut violations = Vec::new();
        validate::stream_id("stream_id", &request.stream_id, &mut violations);
        let start = request.start_time.as_ref().map(|t| micros("start_time", t, &mut violations));
        let end = request.end_time.as_ref().map(|t| micros("end_time", t, &mut violations));
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            violations.push(FieldViolation::new("end_time", "must not be before start_time"));
        }
        let limit = convert::page_size("page_size", request.page_size, &self.state.limits, &mut violations);
        check(violations)?;
        let window = Window { start, end };
        let after = if request.page_token.is_empty() {
            None
        } else {
            Some(PageToken::decode(&request.page_token, &request.stream_id, window)?)
        };
        let _ = self.state.guard.authorize(&call.stream(&request.stream_id)).await?;
        self.limits.check(&principal)?;

        let page = temporal::read_window(&*self.state.store, &request.stream_id, window, after.as_ref(), limit).await?;
        let events =
            if request.as_stored { page.events } else { self.state.governance.upcast_all(page.events).await? };
        Ok(Response::new(proto::ReadStreamBetweenResponse {
            events: events.into_iter().map(convert::recorded_event).collect(),
            next_page_token: page.next.map(|t| t.encode()).unwrap_or_default(),
        }))
    }

    async fn get_document_at(
        &self,
        request: Request<proto::GetDocumentAtRequest>,
    ) -> Result<Response<proto::GetDocumentAtResponse>, Status> {
        let principal = principal(&request);
        let call = Call::new(&request, TEMPORAL, "GetDocumentAt");
        let request = request.into_inner();
        let mut violations = Vec::new();
        if request.projection.is_empty() || request.projection.len() > 64 {
            violations.push(FieldViolation::new("projection", "must be 1 to 64 characters"));
        }
        if request.key.is_empty() || request.key.len() > MAX_KEY_BYTES {
            violations.push(FieldViolation::new("key", format!("must be 1 to {MAX_KEY_BYTES} bytes")));
        }
        let position = match request.position {
            Some(p) if !p.token.is_empty() => Some(
                self.state
                    .store
                    .resolve_position(&p.token)
                    .map_err(|e| invalid_position(e.to_string(), p.token.clone(), "position.token"))?,
            ),
            Some(p) if p.global_position.is_some() => {
                Some(Position { token: String::new(), global: p.global_position })
            }
            _ => None,
        };
        let (position, at) = match position.and_then(|p| p.global.map(|at| (p, at))) {
            Some(found) if violations.is_empty() => found,
            found => {
                if found.is_none() {
                    // The embedded store gives every position a global one.
                    violations.push(FieldViolation::new("position", "must give a position with a global position"));
                }
                return Err(invalid(violations));
            }
        };
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        // A tenant's principal has no documents outside its tenant: nothing to
        // look up (and nothing said about another tenant's keys).
        if !principal.tenant.is_empty() && !request.key.starts_with(&format!("{}/", principal.tenant)) {
            return Err(status(
                tonic::Code::NotFound,
                format!("projection {} has no document {:?}", request.projection, request.key),
                "DOCUMENT_NOT_FOUND",
                meta([("projection", request.projection), ("key", request.key)]),
                &[],
            ));
        }
        self.engine.serving_index(&request.projection)?;
        self.limits.check(&principal)?;

        let head = head_position(&*self.state.store).await.map_err(TemporalError::from)?.and_then(|p| p.global);
        if head.is_none_or(|head| at > head) {
            return Err(TemporalError::PositionOutOfRange { position: at, head }.into());
        }
        let answer = temporal::document_at(
            &self.engine,
            &*self.state.store,
            &self.state.governance,
            &request.projection,
            &request.key,
            at,
            self.max_replay_events,
        )
        .await?;
        let source = match answer.source {
            DocumentSource::ChangeLog => proto::DocumentSource::ChangeLog,
            DocumentSource::Replay => proto::DocumentSource::Replay,
        };
        Ok(Response::new(proto::GetDocumentAtResponse {
            document: answer.document.map(super::query::document),
            position: Some(convert::position(position)),
            source: source as i32,
        }))
    }
}
