//! JSON Schema evolution checks.

use serde_json::Value;

use super::BreakingChange;

/// The changes from `original` to `update` that stop a reader using `update`
/// from reading payloads written with `original` (backward compatibility).
pub fn backward_changes(original: &Value, update: &Value) -> Vec<BreakingChange> {
    let _ = (original, update);
    todo!("JSON Schema compatibility")
}
