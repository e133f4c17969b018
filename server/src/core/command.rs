//! The command pipeline: load the aggregate, decide, append with optimistic
//! concurrency, retry on a concurrent write.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use tracing::Instrument;
use uuid::Uuid;

use super::{
    aggregate::{HandlerRegistry, NewEvent},
    error::{FieldViolation, NexusError},
    event_policy::events_input,
    metrics::metrics,
    model::{Direction, EventMetadata, ExpectedRevision, ProposedEvent, ReadStreamQuery, RecordedEvent},
    policy::PolicyEngine,
    ports::{EventStore, StoreError},
    principal::Principal,
    remote::{DecideInput, RemoteHandlers},
    schema::governance::Governance,
    snapshot::{loader::AggregateLoader, snapshotter::Snapshotter},
    trace_context, validate,
};

/// Namespace of the event ids derived from command ids (UUIDv5).
const COMMAND_EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x6e65_7875_732d_4576_8e6e_7473_2d76_3100);

/// A command to execute.
#[derive(Debug, Clone)]
pub struct CommandRequest {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub command_type: String,
    pub payload: serde_json::Value,
    /// When set, the aggregate must be exactly here and conflicts are not retried.
    pub expected: Option<ExpectedRevision>,
    /// Idempotency key; generated when absent.
    pub command_id: Option<String>,
    pub correlation_id: Option<String>,
    pub causation_id: Option<String>,
    pub principal: Principal,
    /// Extra headers recorded on every produced event.
    pub custom_metadata: std::collections::BTreeMap<String, String>,
}

/// What a command did.
#[derive(Debug, Clone)]
pub struct CommandOutcome {
    pub stream_id: String,
    pub events: Vec<RecordedEvent>,
    pub revision: Option<u64>,
    pub command_id: String,
    pub correlation_id: String,
    pub already_executed: bool,
}

/// Settings of the command pipeline.
#[derive(Debug, Clone)]
pub struct CommandBusConfig {
    /// How often a command is re-decided after a concurrent write to its
    /// aggregate before ABORTED is returned.
    pub max_conflict_retries: u32,
}

impl Default for CommandBusConfig {
    fn default() -> Self {
        Self { max_conflict_retries: 8 }
    }
}

/// Executes commands against aggregates stored in an [`EventStore`].
pub struct CommandBus {
    store: Arc<dyn EventStore>,
    governance: Arc<Governance>,
    policy: Arc<PolicyEngine>,
    handlers: HandlerRegistry,
    /// Handlers in other processes (HandlerService), by aggregate type.
    remote: Arc<RemoteHandlers>,
    loader: Arc<AggregateLoader>,
    snapshotter: Option<Arc<Snapshotter>>,
    config: CommandBusConfig,
}

/// What the command bus is built on.
pub struct CommandBusParts {
    pub store: Arc<dyn EventStore>,
    pub governance: Arc<Governance>,
    pub policy: Arc<PolicyEngine>,
    pub handlers: HandlerRegistry,
    /// Remote handlers (see [`RemoteHandlers`]).
    pub remote: Arc<RemoteHandlers>,
    /// Loads aggregates (from snapshots when it has a snapshot store).
    pub loader: Arc<AggregateLoader>,
    /// Takes snapshots after appends; none: no automatic snapshots.
    pub snapshotter: Option<Arc<Snapshotter>>,
}

impl CommandBus {
    pub fn new(parts: CommandBusParts, config: CommandBusConfig) -> Self {
        let CommandBusParts { store, governance, policy, handlers, remote, loader, snapshotter } = parts;
        Self { store, governance, policy, handlers, remote, loader, snapshotter, config }
    }

    pub fn loader(&self) -> &Arc<AggregateLoader> {
        &self.loader
    }

    pub fn handlers(&self) -> &HandlerRegistry {
        &self.handlers
    }

    pub fn remote(&self) -> &Arc<RemoteHandlers> {
        &self.remote
    }

    /// The stream holding an aggregate's events: `<type>-<id>`, inside the
    /// tenant's namespace (`<tenant>/<type>-<id>`) for a tenant-bound
    /// principal, so tenants never share an aggregate.
    pub fn stream_id(tenant: &str, aggregate_type: &str, aggregate_id: &str) -> String {
        if tenant.is_empty() {
            format!("{aggregate_type}-{aggregate_id}")
        } else {
            format!("{tenant}/{aggregate_type}-{aggregate_id}")
        }
    }

    /// Executes one command: a `command` span around load, decide, govern
    /// and append, and one `nexus.command.duration` observation.
    pub async fn execute(&self, request: CommandRequest) -> Result<CommandOutcome, NexusError> {
        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "command",
            otel.name = %format_args!("command {}", request.command_type),
            aggregate_type = %request.aggregate_type,
            command = %request.command_type,
            stream = tracing::field::Empty,
            revision = tracing::field::Empty,
            event_count = tracing::field::Empty,
            outcome = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
        );
        let (aggregate_type, command_type) = (request.aggregate_type.clone(), request.command_type.clone());
        let result = self.run(request).instrument(span.clone()).await;
        let outcome = outcome_of(&result);
        span.record("outcome", outcome);
        if let Ok(done) = &result {
            span.record("stream", done.stream_id.as_str());
            span.record("event_count", done.events.len());
            if let Some(revision) = done.revision {
                span.record("revision", revision);
            }
        }
        // Names the client chose are labels only once they proved to be
        // real ones: an unknown type must not mint a metric series.
        let known = self
            .handlers
            .get(&aggregate_type)
            .cloned()
            .or_else(|| self.remote.handler(&aggregate_type))
            .map(|handler| handler.command_types().contains(&command_type));
        let (aggregate_type, command_type) = match known {
            Some(true) => (aggregate_type.as_str(), command_type.as_str()),
            Some(false) => (aggregate_type.as_str(), "unknown"),
            None => ("unknown", "unknown"),
        };
        metrics().command(aggregate_type, command_type, outcome, started.elapsed().as_secs_f64());
        result
    }

    async fn run(&self, mut request: CommandRequest) -> Result<CommandOutcome, NexusError> {
        let handler = self.validate(&request)?;
        // The events carry this command's span as their trace parent.
        trace_context::inject_current(&mut request.custom_metadata);
        let stream_id = Self::stream_id(&request.principal.tenant, &request.aggregate_type, &request.aggregate_id);
        let command_id = request.command_id.clone().unwrap_or_else(|| Uuid::new_v4().to_string());
        let correlation_id = request.correlation_id.clone().unwrap_or_else(|| command_id.clone());
        let causation_id = request.causation_id.clone().unwrap_or_else(|| command_id.clone());
        tracing::Span::current().record("correlation_id", correlation_id.as_str());
        let metadata = EventMetadata {
            correlation_id: correlation_id.clone(),
            causation_id,
            user_id: request.principal.subject.clone(),
            tenant_id: request.principal.tenant.clone(),
            custom: request.custom_metadata.clone(),
        };
        let outcome = |events: Vec<RecordedEvent>, revision: Option<u64>, already_executed: bool| CommandOutcome {
            stream_id: stream_id.clone(),
            events,
            revision,
            command_id: command_id.clone(),
            correlation_id: correlation_id.clone(),
            already_executed,
        };

        let mut attempt = 0;
        loop {
            if let Some(previous) = self.previous_execution(&stream_id, &command_id).await? {
                let revision = previous.last().map(|e| e.revision);
                return Ok(outcome(previous, revision, true));
            }
            let loaded = self
                .loader
                .load(handler.as_ref(), &stream_id, None)
                .instrument(tracing::debug_span!("aggregate.load", stream = %stream_id, attempt))
                .await?;
            let revision = loaded.stream_revision;
            if let Some(expected) = request.expected {
                check_expected(&stream_id, expected, revision)?;
            }
            let new_events = match handler.remote() {
                Some(remote) => {
                    let input = DecideInput {
                        aggregate_type: request.aggregate_type.clone(),
                        aggregate_id: request.aggregate_id.clone(),
                        stream_id: stream_id.clone(),
                        command_type: request.command_type.clone(),
                        payload: request.payload.clone(),
                        events: loaded.state.history().map(<[RecordedEvent]>::to_vec).unwrap_or_default(),
                        command_id: command_id.clone(),
                        correlation_id: correlation_id.clone(),
                    };
                    remote.decide(input).instrument(tracing::debug_span!("handler.decide", remote = true)).await?
                }
                None => tracing::debug_span!("handler.decide", remote = false)
                    .in_scope(|| loaded.state.decide(&request.command_type, request.payload.clone()))?,
            };
            if new_events.is_empty() {
                return Ok(outcome(Vec::new(), revision, false));
            }
            let mut proposed = to_proposed(&stream_id, &command_id, new_events, &metadata);
            // Born governed: events a handler decides are checked like any other.
            let event_count = proposed.len();
            let governed = self
                .governance
                .govern("events", &mut proposed)
                .instrument(tracing::debug_span!("schema.validate", event_count))
                .await?;
            let decision = tracing::debug_span!("policy.events", allow = tracing::field::Empty).in_scope(|| {
                let input =
                    events_input(&request.principal, &stream_id, &proposed, governed, self.policy.payload_routes());
                let decision = self.policy.check_events(&input);
                tracing::Span::current().record("allow", decision.allow);
                decision
            });
            if !decision.allow {
                return Err(NexusError::PolicyDenied(decision));
            }
            let count = proposed.len();
            let append_expected = request.expected.unwrap_or(match revision {
                Some(r) => ExpectedRevision::Exact(r),
                None => ExpectedRevision::NoStream,
            });
            match self.store.append(&stream_id, append_expected, proposed).await {
                Ok(appended) => {
                    let events = self.read_back(&stream_id, appended.first_revision, count).await?;
                    if let (Some(snapshotter), false, None) =
                        (&self.snapshotter, appended.already_appended, handler.remote())
                    {
                        // Off the command's path: the snapshotter folds and writes later.
                        snapshotter.after_append(handler.as_ref(), &stream_id, loaded, &events);
                    }
                    return Ok(outcome(events, Some(appended.current_revision), appended.already_appended));
                }
                Err(StoreError::WrongExpectedVersion { .. } | StoreError::EventIdConflict { .. })
                    if request.expected.is_none() && attempt < self.config.max_conflict_retries =>
                {
                    // Another writer got there first; decide again on the new state.
                    attempt += 1;
                    tracing::debug!(stream_id, attempt, "command conflicted with a concurrent write; retrying");
                    tokio::time::sleep(Duration::from_micros(100 * u64::from(attempt))).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn validate(&self, request: &CommandRequest) -> Result<Arc<dyn super::aggregate::CommandHandler>, NexusError> {
        let mut violations = Vec::new();
        validate::aggregate_id("aggregate_id", &request.aggregate_id, &mut violations);
        for (field, value) in [
            ("command_id", &request.command_id),
            ("correlation_id", &request.correlation_id),
            ("causation_id", &request.causation_id),
        ] {
            if let Some(value) = value {
                validate::optional_id(field, value, &mut violations);
            }
        }
        if request.aggregate_type.is_empty() {
            violations.push(FieldViolation::new("aggregate_type", "must not be empty"));
        }
        if request.command_type.is_empty() {
            violations.push(FieldViolation::new("command_type", "must not be empty"));
        }
        if !request.payload.is_object() {
            violations.push(FieldViolation::new("payload", "must be a JSON object"));
        }
        if !violations.is_empty() {
            return Err(NexusError::InvalidArgument(violations));
        }
        let handler = self
            .handlers
            .get(&request.aggregate_type)
            .cloned()
            .or_else(|| self.remote.handler(&request.aggregate_type))
            .ok_or_else(|| {
                let mut valid = self.handlers.aggregate_types();
                valid.extend(self.remote.describe().into_iter().map(|(t, ..)| t));
                NexusError::UnknownAggregateType { given: request.aggregate_type.clone(), valid }
            })?;
        let valid = handler.command_types();
        if !valid.iter().any(|c| c == &request.command_type) {
            return Err(NexusError::UnknownCommandType {
                aggregate_type: request.aggregate_type.clone(),
                given: request.command_type.clone(),
                valid,
            });
        }
        Ok(handler)
    }

    /// Whether a command with this id took effect on the aggregate (stored
    /// its events) for a principal of `tenant`.
    pub async fn was_executed(
        &self,
        tenant: &str,
        aggregate_type: &str,
        aggregate_id: &str,
        command_id: &str,
    ) -> Result<bool, NexusError> {
        let stream_id = Self::stream_id(tenant, aggregate_type, aggregate_id);
        Ok(self.store.find_event(derived_event_id(&stream_id, command_id, 0)).await?.is_some())
    }

    /// The events an earlier execution of this command id stored, if any.
    async fn previous_execution(
        &self,
        stream_id: &str,
        command_id: &str,
    ) -> Result<Option<Vec<RecordedEvent>>, NexusError> {
        let mut events = Vec::new();
        for index in 0.. {
            match self.store.find_event(derived_event_id(stream_id, command_id, index)).await? {
                Some(event) => events.push(event),
                None => break,
            }
        }
        Ok((!events.is_empty()).then_some(events))
    }

    async fn read_back(
        &self,
        stream_id: &str,
        first_revision: u64,
        count: usize,
    ) -> Result<Vec<RecordedEvent>, NexusError> {
        let query = ReadStreamQuery {
            stream_id: stream_id.to_string(),
            direction: Direction::Forwards,
            from_revision: Some(first_revision),
            limit: count,
        };
        Ok(self.store.read_stream(query).await?.events)
    }
}

/// The `outcome` label of a command: `ok`; the caller's or the domain's
/// doing (`invalid`, `rejected`, `conflict`, `denied`); or the server's
/// (`unavailable`, `error`), which the error-rate alert counts.
fn outcome_of(result: &Result<CommandOutcome, NexusError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(error) => match error {
            NexusError::InvalidArgument(_)
            | NexusError::UnknownAggregateType { .. }
            | NexusError::UnknownCommandType { .. }
            | NexusError::SchemaViolation(_)
            | NexusError::InvalidSchema { .. }
            | NexusError::Domain(super::error::DomainError::Invalid(_)) => "invalid",
            NexusError::Domain(_) | NexusError::HandlerRejected { .. } => "rejected",
            NexusError::PolicyDenied(_) => "denied",
            NexusError::Store(StoreError::WrongExpectedVersion { .. } | StoreError::EventIdConflict { .. }) => {
                "conflict"
            }
            NexusError::Store(
                StoreError::StreamNotFound(_) | StoreError::StreamTombstoned(_) | StoreError::LimitExceeded { .. },
            ) => "invalid",
            NexusError::Store(StoreError::Unavailable(_) | StoreError::ShuttingDown)
            | NexusError::HandlerUnavailable { .. } => "unavailable",
            _ => "error",
        },
    }
}

fn check_expected(stream_id: &str, expected: ExpectedRevision, actual: Option<u64>) -> Result<(), NexusError> {
    if expected.is_met_by(actual) {
        Ok(())
    } else {
        Err(StoreError::WrongExpectedVersion { stream_id: stream_id.to_string(), expected, actual }.into())
    }
}

/// Event ids are derived from the command id, so a retried command produces
/// the same ids and the store's idempotency makes the retry harmless.
fn derived_event_id(stream_id: &str, command_id: &str, index: usize) -> Uuid {
    Uuid::new_v5(&COMMAND_EVENT_NAMESPACE, format!("{stream_id}\n{command_id}\n{index}").as_bytes())
}

fn to_proposed(
    stream_id: &str,
    command_id: &str,
    events: Vec<NewEvent>,
    metadata: &EventMetadata,
) -> Vec<ProposedEvent> {
    events
        .into_iter()
        .enumerate()
        .map(|(index, event)| ProposedEvent {
            event_id: derived_event_id(stream_id, command_id, index),
            event_type: event.event_type,
            content_type: event.content_type,
            schema_version: 0,
            schema_id: None,
            data: Bytes::from(event.data),
            metadata: metadata.clone(),
        })
        .collect()
}
