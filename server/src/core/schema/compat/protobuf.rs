//! Protobuf schema parsing and evolution checks.
