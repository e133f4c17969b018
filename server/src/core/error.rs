//! Errors of the core, mapped to gRPC statuses in one place (`api::status`).

use std::collections::BTreeMap;

use super::ports::StoreError;

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
    #[error("cannot apply stored event: {0}")]
    CorruptHistory(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl NexusError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        NexusError::InvalidArgument(vec![FieldViolation::new(field, description)])
    }
}
