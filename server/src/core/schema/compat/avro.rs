//! Avro schema evolution checks.
