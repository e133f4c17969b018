//! Errors of the core, mapped to gRPC statuses in one place (`api::status`).

use std::collections::BTreeMap;

use super::{
    ports::StoreError,
    schema::{Compatibility, IncompatibleChange, RegistryError},
};

/// One invalid field of a request (a `google.rpc.BadRequest` violation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field, e.g. `payload.amount` or `events[2].event_id`.
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self { field: field.into(), description: description.into() }
    }
}

/// A command handler's refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A business rule refused the command; the state must change first.
    #[error("{message}")]
    Rejected {
        /// Stable, UPPER_SNAKE_CASE reason, e.g. `INSUFFICIENT_FUNDS`.
        reason: &'static str,
        message: String,
        metadata: BTreeMap<String, String>,
    },
    /// The command is malformed.
    #[error("invalid command: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldViolation>),
}

impl DomainError {
    /// A refusal without metadata.
    pub fn rejected(reason: &'static str, message: impl Into<String>) -> Self {
        DomainError::Rejected { reason, message: message.into(), metadata: BTreeMap::new() }
    }

    /// Adds a metadata entry to a refusal.
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        if let DomainError::Rejected { metadata, .. } = &mut self {
            metadata.insert(key.to_string(), value.to_string());
        }
        self
    }

    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldViolation::new(field, description)])
    }
}

/// Every error the core reports to a caller.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NexusError {
    #[error("invalid request: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; "))]
    InvalidArgument(Vec<FieldViolation>),
    #[error("unknown aggregate type {given:?}; valid aggregate types: {}", valid.join(", "))]
    UnknownAggregateType { given: String, valid: Vec<String> },
    #[error("unknown command type {given:?} for aggregate type {aggregate_type:?}; valid command types: {}", valid.join(", "))]
    UnknownCommandType { aggregate_type: String, given: String, valid: Vec<String> },
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Event payloads that do not match their schema, or event types without
    /// one.
    #[error("events do not match their schemas: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; "))]
    SchemaViolation(Vec<FieldViolation>),
    /// A schema definition that cannot be parsed or used.
    #[error("invalid schema for subject {subject:?}: {}", violations.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; "))]
    InvalidSchema { subject: String, violations: Vec<FieldViolation> },
    /// A new schema version that breaks the subject's compatibility mode.
    #[error("schema for subject {subject:?} is not {mode} compatible: {}", changes.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("; "))]
    SchemaIncompatible { subject: String, mode: Compatibility, changes: Vec<IncompatibleChange> },
    /// The subject's compatibility mode is DISABLED.
    #[error("subject {0:?} accepts no new schema versions (compatibility DISABLED)")]
    SchemaRegistrationDisabled(String),
    /// A permanent delete of a version that was not soft-deleted first.
    #[error("schema subject {subject:?} version {version} must be soft-deleted before it is deleted permanently")]
    SchemaVersionNotSoftDeleted { subject: String, version: u32 },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A stored event could not be upcast to the latest schema version.
    #[error("cannot upcast event {event_id} ({event_type} v{stored_version} to v{target_version}): {detail}")]
    UpcastFailed { event_id: uuid::Uuid, event_type: String, stored_version: u32, target_version: u32, detail: String },
    #[error("cannot apply stored event: {0}")]
    CorruptHistory(String),
    /// A policy denied the events of a write (nothing was written).
    #[error("{} denied the events: {}", .0.policy, .0.reasons.join("; "))]
    PolicyDenied(super::policy::Decision),
    /// A remote handler refused the command by a business rule.
    #[error("{message}")]
    HandlerRejected { reason: String, message: String, metadata: BTreeMap<String, String> },
    /// No remote handler instance decided the command in time.
    #[error("no handler of {aggregate_type:?} decided the command: {detail}")]
    HandlerUnavailable { aggregate_type: String, detail: String },
    /// A remote handler answered something Nexus cannot store.
    #[error("remote handler failed: {0}")]
    HandlerFailed(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl NexusError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        NexusError::InvalidArgument(vec![FieldViolation::new(field, description)])
    }
}
