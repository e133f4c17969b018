//! Schema evolution checks: which changes between two versions of a subject's
//! schema break readers or writers.
//!
//! Every format answers one question, [`backward_changes`]: can a reader
//! using the `update` schema read every payload written with the `original`
//! one? Forward compatibility is the same question with the arguments
//! swapped, and full compatibility asks both (see [`super::Compatibility`]).

pub mod avro;
pub mod json;
pub mod protobuf;

use std::fmt;

/// One change that breaks compatibility between two schema versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakingChange {
    /// Where the change is: a JSON pointer into the schema for JSON Schema
    /// (`#/properties/amount`), a field path for Avro and Protobuf
    /// (`#/Deposit/amount`, `#/TestMessage/3`).
    pub path: String,
    /// A stable, UPPER_SNAKE_CASE name for the kind of change, for example
    /// `TYPE_CHANGED` or `REQUIRED_PROPERTY_ADDED`.
    pub kind: String,
    /// What changed, for a person: "type changed from integer to string".
    pub detail: String,
}

impl BreakingChange {
    pub fn new(path: impl Into<String>, kind: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { path: path.into(), kind: kind.into(), detail: detail.into() }
    }
}

impl fmt::Display for BreakingChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.kind, self.path, self.detail)
    }
}
