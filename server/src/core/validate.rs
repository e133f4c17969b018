//! Input rules shared by every entry point.

use super::error::FieldViolation;

/// Longest stream id, in bytes.
pub const MAX_STREAM_ID_BYTES: usize = 512;
/// Longest aggregate id, in characters.
pub const MAX_AGGREGATE_ID_CHARS: usize = 128;
/// Longest event or command type, in bytes.
pub const MAX_TYPE_NAME_BYTES: usize = 256;
/// Longest correlation, causation or command id, in bytes.
pub const MAX_ID_BYTES: usize = 256;

pub fn stream_id(field: &str, value: &str, out: &mut Vec<FieldViolation>) {
    if value.is_empty() {
        out.push(FieldViolation::new(field, "must not be empty"));
    } else if value.len() > MAX_STREAM_ID_BYTES {
        out.push(FieldViolation::new(field, format!("must be at most {MAX_STREAM_ID_BYTES} bytes")));
    } else if value.chars().any(char::is_control) {
        out.push(FieldViolation::new(field, "must not contain control characters"));
    }
}

pub fn aggregate_id(field: &str, value: &str, out: &mut Vec<FieldViolation>) {
    if value.is_empty() {
        out.push(FieldViolation::new(field, "must not be empty"));
    } else if value.chars().count() > MAX_AGGREGATE_ID_CHARS {
        out.push(FieldViolation::new(field, format!("must be at most {MAX_AGGREGATE_ID_CHARS} characters")));
    } else if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')) {
        out.push(FieldViolation::new(field, "may contain only letters, digits and . _ : -"));
    }
}

pub fn type_name(field: &str, value: &str, out: &mut Vec<FieldViolation>) {
    if value.is_empty() {
        out.push(FieldViolation::new(field, "must not be empty"));
    } else if value.len() > MAX_TYPE_NAME_BYTES {
        out.push(FieldViolation::new(field, format!("must be at most {MAX_TYPE_NAME_BYTES} bytes")));
    } else if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        out.push(FieldViolation::new(field, "must not contain whitespace or control characters"));
    }
}

/// An optional free-form id (correlation, causation, command id).
pub fn optional_id(field: &str, value: &str, out: &mut Vec<FieldViolation>) {
    if value.len() > MAX_ID_BYTES {
        out.push(FieldViolation::new(field, format!("must be at most {MAX_ID_BYTES} bytes")));
    } else if value.chars().any(char::is_control) {
        out.push(FieldViolation::new(field, "must not contain control characters"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_reject_what_they_say() {
        let mut v = Vec::new();
        stream_id("s", "", &mut v);
        stream_id("s", "ok-stream", &mut v);
        stream_id("s", "bad\nstream", &mut v);
        aggregate_id("a", "acc 1", &mut v);
        aggregate_id("a", "acc-1:x_y.z", &mut v);
        type_name("t", "Money Deposited", &mut v);
        type_name("t", "MoneyDeposited", &mut v);
        let fields: Vec<_> = v.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["s", "s", "a", "t"]);
    }
}
