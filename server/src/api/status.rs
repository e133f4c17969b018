//! The one place where core errors become gRPC statuses with `google.rpc`
//! details.

use std::{collections::HashMap, time::Duration};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::{
    auth::AuthError,
    core::{
        bus::BusError,
        error::{DomainError, FieldViolation, NexusError},
        ports::StoreError,
        projection::{engine::EngineError, watch::WatchError},
        rate_limit::RateLimited,
        read_store::ReadStoreError,
        schema::RegistryError,
        subscription::SubscriptionError,
        temporal::TemporalError,
    },
};

/// `ErrorInfo.domain` of every Nexus error.
pub const ERROR_DOMAIN: &str = "nexus";

/// A status with an `ErrorInfo` (domain `nexus`) and the violations as a
/// `BadRequest`; the one builder every service uses.
pub(crate) fn status(
    code: Code,
    message: String,
    reason: &str,
    metadata: HashMap<String, String>,
    violations: &[FieldViolation],
) -> Status {
    let mut details = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, metadata);
    for v in violations {
        details.add_bad_request_violation(v.field.clone(), v.description.clone());
    }
    if code == Code::Unavailable {
        details.set_retry_info(Some(Duration::from_secs(1)));
    }
    Status::with_error_details(code, message, details)
}

/// ErrorInfo metadata from pairs.
pub(crate) fn meta<const N: usize>(pairs: [(&str, String); N]) -> HashMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Request fields that fail validation.
pub fn invalid(violations: Vec<FieldViolation>) -> Status {
    NexusError::InvalidArgument(violations).into()
}

impl From<NexusError> for Status {
    fn from(error: NexusError) -> Self {
        let message = error.to_string();
        match error {
            NexusError::InvalidArgument(violations) => {
                status(Code::InvalidArgument, message, "INVALID_REQUEST", HashMap::new(), &violations)
            }
            NexusError::UnknownAggregateType { given, valid } => status(
                Code::InvalidArgument,
                message,
                "UNKNOWN_AGGREGATE_TYPE",
                meta([("aggregate_type", given), ("valid_aggregate_types", valid.join(","))]),
                &[FieldViolation::new("aggregate_type", format!("must be one of: {}", valid.join(", ")))],
            ),
            NexusError::UnknownCommandType { aggregate_type, given, valid } => status(
                Code::InvalidArgument,
                message,
                "UNKNOWN_COMMAND_TYPE",
                meta([
                    ("aggregate_type", aggregate_type),
                    ("command_type", given),
                    ("valid_command_types", valid.join(",")),
                ]),
                &[FieldViolation::new("command_type", format!("must be one of: {}", valid.join(", ")))],
            ),
            NexusError::Domain(DomainError::Rejected { reason, message, metadata }) => {
                status(Code::FailedPrecondition, message, reason, metadata.into_iter().collect(), &[])
            }
            NexusError::Domain(DomainError::Invalid(violations)) => {
                status(Code::InvalidArgument, message, "INVALID_COMMAND", HashMap::new(), &violations)
            }
            NexusError::Store(e) => e.into(),
            NexusError::PolicyDenied(decision) => status(
                Code::PermissionDenied,
                message,
                "POLICY_DENIED",
                meta([("policy", decision.policy), ("reasons", decision.reasons.join("; "))]),
                &[],
            ),
            NexusError::SchemaViolation(violations) => {
                status(Code::InvalidArgument, message, "SCHEMA_VIOLATION", HashMap::new(), &violations)
            }
            NexusError::InvalidSchema { subject, violations } => {
                status(Code::InvalidArgument, message, "INVALID_SCHEMA", meta([("subject", subject)]), &violations)
            }
            NexusError::SchemaIncompatible { subject, mode, changes } => {
                let mut details = ErrorDetails::with_error_info(
                    "SCHEMA_INCOMPATIBLE",
                    ERROR_DOMAIN,
                    meta([("subject", subject), ("compatibility", mode.to_string())]),
                );
                for c in &changes {
                    details.add_precondition_failure_violation(
                        c.change.kind.clone(),
                        format!("version {} {}", c.version, c.change.path),
                        format!("{}: {}", c.direction.as_str(), c.change.detail),
                    );
                }
                Status::with_error_details(Code::FailedPrecondition, message, details)
            }
            NexusError::SchemaRegistrationDisabled(subject) => status(
                Code::FailedPrecondition,
                message,
                "SCHEMA_REGISTRATION_DISABLED",
                meta([("subject", subject)]),
                &[],
            ),
            NexusError::SchemaVersionNotSoftDeleted { subject, version } => status(
                Code::FailedPrecondition,
                message,
                "SCHEMA_VERSION_NOT_SOFT_DELETED",
                meta([("subject", subject), ("version", version.to_string())]),
                &[],
            ),
            NexusError::Registry(e) => e.into(),
            NexusError::UpcastFailed { event_id, event_type, stored_version, target_version, detail } => {
                tracing::error!(%event_id, event_type, stored_version, target_version, detail, "upcast failed");
                status(
                    Code::FailedPrecondition,
                    message,
                    "UPCAST_FAILED",
                    meta([
                        ("event_id", event_id.to_string()),
                        ("event_type", event_type),
                        ("stored_version", stored_version.to_string()),
                        ("target_version", target_version.to_string()),
                    ]),
                    &[],
                )
            }
            NexusError::CorruptHistory(detail) => {
                tracing::error!(detail, "stored history cannot be applied");
                status(Code::Internal, message, "CORRUPT_HISTORY", HashMap::new(), &[])
            }
            NexusError::HandlerRejected { reason, metadata, .. } => {
                status(Code::FailedPrecondition, message, &reason, metadata.into_iter().collect(), &[])
            }
            NexusError::HandlerUnavailable { aggregate_type, .. } => status(
                Code::Unavailable,
                message,
                "HANDLER_UNAVAILABLE",
                meta([("aggregate_type", aggregate_type)]),
                &[],
            ),
            NexusError::HandlerFailed(detail) => {
                tracing::warn!(detail, "remote handler failed");
                status(Code::Internal, message, "HANDLER_FAILED", HashMap::new(), &[])
            }
            NexusError::Internal(detail) => {
                tracing::error!(detail, "internal error");
                status(Code::Internal, message, "INTERNAL", HashMap::new(), &[])
            }
        }
    }
}

impl From<StoreError> for Status {
    fn from(error: StoreError) -> Self {
        let message = error.to_string();
        match error {
            StoreError::WrongExpectedVersion { stream_id, expected, actual } => status(
                Code::Aborted,
                message,
                "WRONG_EXPECTED_VERSION",
                meta([
                    ("stream_id", stream_id),
                    ("expected_revision", expected.to_string()),
                    ("actual_revision", actual.map_or("none".into(), |r| r.to_string())),
                ]),
                &[],
            ),
            StoreError::EventIdConflict { event_id, .. } => status(
                Code::AlreadyExists,
                message,
                "EVENT_ID_CONFLICT",
                meta([("event_id", event_id.to_string())]),
                &[],
            ),
            StoreError::StreamNotFound(stream_id) => {
                status(Code::NotFound, message, "STREAM_NOT_FOUND", meta([("stream_id", stream_id)]), &[])
            }
            StoreError::StreamTombstoned(stream_id) => {
                status(Code::FailedPrecondition, message, "STREAM_TOMBSTONED", meta([("stream_id", stream_id)]), &[])
            }
            StoreError::InvalidPosition(token) => invalid_position(message, token, "from.after"),
            StoreError::LimitExceeded { limit, detail } => status(
                Code::InvalidArgument,
                message,
                "APPEND_LIMIT_EXCEEDED",
                meta([("limit", limit)]),
                &[FieldViolation::new("events", detail)],
            ),
            StoreError::Unsupported(detail) => {
                status(Code::Unimplemented, message, "NOT_SUPPORTED_BY_BACKEND", meta([("detail", detail)]), &[])
            }
            StoreError::ShuttingDown => status(Code::Unavailable, message, "SHUTTING_DOWN", HashMap::new(), &[]),
            StoreError::Unavailable(detail) => {
                tracing::warn!(detail, "event store unavailable");
                status(Code::Unavailable, message, "BACKEND_UNAVAILABLE", HashMap::new(), &[])
            }
            StoreError::Internal(detail) => {
                tracing::error!(detail, "event store failure");
                status(Code::Internal, "event store failure".into(), "INTERNAL", HashMap::new(), &[])
            }
        }
    }
}

/// A position token this server did not issue, given in `field`.
pub fn invalid_position(message: String, token: String, field: &str) -> Status {
    status(
        Code::InvalidArgument,
        message,
        "INVALID_POSITION",
        meta([("token", token)]),
        &[FieldViolation::new(field, "is not a position token issued by this server")],
    )
}

/// A query the read store refused; `fields` are the request fields that
/// may be at fault.
pub fn invalid_query(message: String, fields: &[&str]) -> Status {
    let violations: Vec<_> = fields.iter().map(|f| FieldViolation::new(*f, message.clone())).collect();
    status(Code::InvalidArgument, message, "INVALID_QUERY", HashMap::new(), &violations)
}

impl From<EngineError> for Status {
    fn from(error: EngineError) -> Self {
        let message = error.to_string();
        match error {
            EngineError::NotFound(name) => {
                status(Code::NotFound, message, "PROJECTION_NOT_FOUND", meta([("projection", name)]), &[])
            }
            EngineError::Invalid(e) => status(
                Code::InvalidArgument,
                message,
                "INVALID_PROJECTION",
                meta([("projection", e.name)]),
                &[FieldViolation::new(format!("definition.{}", e.field), e.message)],
            ),
            EngineError::SecondaryRoute { name, event_type } => {
                let mut details = ErrorDetails::with_error_info(
                    "SECONDARY_ROUTE",
                    ERROR_DOMAIN,
                    meta([("projection", name), ("event_type", event_type.clone())]),
                );
                details.add_precondition_failure_violation(
                    "ROUTE",
                    event_type,
                    "projections follow the stream path: route the event type as core, or leave it out",
                );
                Status::with_error_details(Code::FailedPrecondition, message, details)
            }
            EngineError::Behind { name, timeout } => status(
                Code::DeadlineExceeded,
                message,
                "PROJECTION_BEHIND",
                meta([("projection", name), ("timeout_millis", timeout.as_millis().to_string())]),
                &[],
            ),
            EngineError::FileDefined(name) => {
                status(Code::FailedPrecondition, message, "PROJECTION_FILE_DEFINED", meta([("projection", name)]), &[])
            }
            EngineError::Follower => {
                status(Code::Unavailable, message, "PROJECTIONS_RUN_ELSEWHERE", HashMap::new(), &[])
            }
            EngineError::Store(e) => e.into(),
        }
    }
}

impl From<ReadStoreError> for Status {
    fn from(error: ReadStoreError) -> Self {
        let message = error.to_string();
        match error {
            // The index serving reads was dropped under the call: a rebuild
            // switched generations. Asking again reads the new one.
            ReadStoreError::IndexNotFound(index) => status(
                Code::Unavailable,
                format!("{message}; the projection switched to a rebuilt generation, retry"),
                "PROJECTION_SWITCHED",
                meta([("index", index)]),
                &[],
            ),
            ReadStoreError::InvalidQuery(detail) => invalid_query(detail, &[]),
            ReadStoreError::ChangeExpired(..) => {
                status(Code::OutOfRange, message, "CHANGE_EXPIRED", HashMap::new(), &[])
            }
            ReadStoreError::Unavailable(detail) => {
                tracing::warn!(detail, "read store unavailable");
                status(Code::Unavailable, message, "BACKEND_UNAVAILABLE", HashMap::new(), &[])
            }
            ReadStoreError::Internal(detail) => {
                tracing::error!(detail, "read store failure");
                status(Code::Internal, "read store failure".into(), "INTERNAL", HashMap::new(), &[])
            }
        }
    }
}

impl From<WatchError> for Status {
    fn from(error: WatchError) -> Self {
        let message = error.to_string();
        match error {
            WatchError::InvalidPosition(token) => status(
                Code::InvalidArgument,
                message,
                "INVALID_WATCH_POSITION",
                meta([("token", token)]),
                &[FieldViolation::new("resume_after", "is not a watch_position received from this server")],
            ),
            WatchError::TooBroad { limit } => {
                status(Code::FailedPrecondition, message, "WATCH_TOO_BROAD", meta([("limit", limit.to_string())]), &[])
            }
            WatchError::Engine(e) => e.into(),
        }
    }
}

impl From<RegistryError> for Status {
    fn from(error: RegistryError) -> Self {
        let message = error.to_string();
        match error {
            RegistryError::SubjectNotFound(subject) => {
                status(Code::NotFound, message, "SCHEMA_SUBJECT_NOT_FOUND", meta([("subject", subject)]), &[])
            }
            RegistryError::VersionNotFound { subject, version } => status(
                Code::NotFound,
                message,
                "SCHEMA_VERSION_NOT_FOUND",
                meta([("subject", subject), ("version", version.to_string())]),
                &[],
            ),
            RegistryError::VersionIdNotFound(id) => {
                status(Code::NotFound, message, "SCHEMA_VERSION_NOT_FOUND", meta([("schema_id", id.to_string())]), &[])
            }
            RegistryError::Conflict(subject) => {
                status(Code::Aborted, message, "SCHEMA_CONFLICT", meta([("subject", subject)]), &[])
            }
            RegistryError::InUse { subject, version } => status(
                Code::FailedPrecondition,
                message,
                "SCHEMA_VERSION_IN_USE",
                meta([("subject", subject), ("version", version.to_string())]),
                &[],
            ),
            RegistryError::Unavailable(detail) => {
                tracing::warn!(detail, "schema registry unavailable");
                status(Code::Unavailable, message, "BACKEND_UNAVAILABLE", HashMap::new(), &[])
            }
            RegistryError::Internal(detail) => {
                tracing::error!(detail, "schema registry failure");
                status(Code::Internal, "schema registry failure".into(), "INTERNAL", HashMap::new(), &[])
            }
        }
    }
}

impl From<BusError> for Status {
    fn from(error: BusError) -> Self {
        let message = error.to_string();
        match error {
            BusError::ConsumerNotFound(consumer) => {
                status(Code::NotFound, message, "CONSUMER_NOT_FOUND", meta([("consumer", consumer)]), &[])
            }
            BusError::StaleReceipt(receipt) => {
                status(Code::FailedPrecondition, message, "STALE_RECEIPT", meta([("receipt", receipt)]), &[])
            }
            // The services check every field first and name it; what reaches
            // here is a rule only the bus knows.
            BusError::Invalid(detail) => status(
                Code::InvalidArgument,
                message,
                "INVALID_REQUEST",
                HashMap::new(),
                &[FieldViolation::new("request", detail)],
            ),
            BusError::InvalidPosition(token) => {
                status(Code::InvalidArgument, message, "INVALID_POSITION", meta([("token", token)]), &[])
            }
            BusError::ShuttingDown => status(Code::Unavailable, message, "SHUTTING_DOWN", HashMap::new(), &[]),
            BusError::Unavailable(detail) => {
                tracing::warn!(detail, "queue bus unavailable");
                status(Code::Unavailable, message, "BACKEND_UNAVAILABLE", HashMap::new(), &[])
            }
            BusError::Internal(detail) => {
                tracing::error!(detail, "queue bus failure");
                status(Code::Internal, "queue bus failure".into(), "INTERNAL", HashMap::new(), &[])
            }
        }
    }
}

impl From<SubscriptionError> for Status {
    fn from(error: SubscriptionError) -> Self {
        match error {
            SubscriptionError::Store(e) => e.into(),
            SubscriptionError::ShuttingDown => {
                status(Code::Unavailable, error.to_string(), "SHUTTING_DOWN", HashMap::new(), &[])
            }
        }
    }
}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        // No metadata: the reason says enough, and echoing token contents
        // back would help no one but an attacker.
        status(Code::Unauthenticated, error.to_string(), error.reason(), HashMap::new(), &[])
    }
}

/// RESOURCE_EXHAUSTED (reason RATE_LIMITED) with a `RetryInfo` whose delay
/// is the time until a call will be accepted again.
impl From<RateLimited> for Status {
    fn from(error: RateLimited) -> Self {
        let metadata = meta([
            ("limit_per_minute", error.per_minute.to_string()),
            ("retry_after_millis", error.retry_after.as_millis().to_string()),
        ]);
        let mut details = ErrorDetails::with_error_info("RATE_LIMITED", ERROR_DOMAIN, metadata);
        details.set_retry_info(Some(error.retry_after));
        Status::with_error_details(Code::ResourceExhausted, error.to_string(), details)
    }
}

impl From<TemporalError> for Status {
    fn from(error: TemporalError) -> Self {
        let message = error.to_string();
        match error {
            TemporalError::RevisionOutOfRange { stream_id, revision, visible } => {
                let mut metadata = meta([("stream_id", stream_id), ("revision", revision.to_string())]);
                if let Some((first, last)) = visible {
                    metadata.insert("first_revision".into(), first.to_string());
                    metadata.insert("last_revision".into(), last.to_string());
                }
                status(Code::OutOfRange, message, "REVISION_OUT_OF_RANGE", metadata, &[])
            }
            TemporalError::PositionOutOfRange { position, head } => {
                let mut metadata = meta([("position", position.to_string())]);
                if let Some(head) = head {
                    metadata.insert("last_position".into(), head.to_string());
                }
                status(Code::OutOfRange, message, "POSITION_OUT_OF_RANGE", metadata, &[])
            }
            TemporalError::ReplayTooLong { projection, position, limit } => status(
                Code::FailedPrecondition,
                message,
                "REPLAY_LIMIT_EXCEEDED",
                meta([
                    ("projection", projection),
                    ("position", position.to_string()),
                    ("max_replay_events", limit.to_string()),
                ]),
                &[],
            ),
            TemporalError::InvalidPageToken(token) => status(
                Code::InvalidArgument,
                message,
                "INVALID_PAGE_TOKEN",
                meta([("page_token", token)]),
                &[FieldViolation::new("page_token", "is not a next_page_token of this request")],
            ),
            TemporalError::Store(e) => e.into(),
            TemporalError::Engine(e) => e.into(),
            TemporalError::ReadStore(e) => e.into(),
            TemporalError::Nexus(e) => e.into(),
        }
    }
}

impl From<crate::core::saga::SagaStoreError> for Status {
    fn from(error: crate::core::saga::SagaStoreError) -> Self {
        Status::from(crate::core::saga::coordinator::SagaError::Store(error))
    }
}

impl From<crate::core::saga::coordinator::SagaError> for Status {
    fn from(error: crate::core::saga::coordinator::SagaError) -> Self {
        use crate::core::saga::{SagaStoreError, coordinator::SagaError};
        let message = error.to_string();
        match error {
            SagaError::InvalidArgument(violations) => {
                status(Code::InvalidArgument, message, "INVALID_REQUEST", HashMap::new(), &violations)
            }
            SagaError::InvalidDefinition(e) => status(
                Code::InvalidArgument,
                message,
                "INVALID_SAGA_DEFINITION",
                meta([("definition", e.name.clone())]),
                &[FieldViolation::new(format!("definition.{}", e.field), e.message)],
            ),
            SagaError::UnknownDefinition(name) => {
                status(Code::NotFound, message, "SAGA_DEFINITION_NOT_FOUND", meta([("definition", name)]), &[])
            }
            SagaError::NotFound(saga_id) | SagaError::Store(SagaStoreError::NotFound(saga_id)) => {
                status(Code::NotFound, message, "SAGA_NOT_FOUND", meta([("saga_id", saga_id)]), &[])
            }
            SagaError::AlreadyExists(saga_id) => {
                status(Code::AlreadyExists, message, "SAGA_ALREADY_EXISTS", meta([("saga_id", saga_id)]), &[])
            }
            SagaError::WrongStatus { saga_id, status: current, reason, message: _ } => {
                let mut details = ErrorDetails::with_error_info(
                    reason,
                    ERROR_DOMAIN,
                    meta([("saga_id", saga_id.clone()), ("status", current.as_str().to_owned())]),
                );
                details.add_precondition_failure_violation("SAGA_STATUS", saga_id, message.clone());
                Status::with_error_details(Code::FailedPrecondition, message, details)
            }
            SagaError::Store(SagaStoreError::Unavailable(_)) => {
                status(Code::Unavailable, message, "SAGA_STORE_UNAVAILABLE", HashMap::new(), &[])
            }
            SagaError::Store(SagaStoreError::Conflict { saga_id, .. }) => {
                status(Code::Aborted, message, "SAGA_CONFLICT", meta([("saga_id", saga_id)]), &[])
            }
            SagaError::Store(SagaStoreError::AlreadyExists(saga_id)) => {
                status(Code::AlreadyExists, message, "SAGA_ALREADY_EXISTS", meta([("saga_id", saga_id)]), &[])
            }
            SagaError::Store(SagaStoreError::Internal(_)) => {
                status(Code::Internal, message, "SAGA_STORE_FAILURE", HashMap::new(), &[])
            }
        }
    }
}
