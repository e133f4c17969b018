//! The benchmark's event: an order-shaped JSON payload of an exact size and
//! the JSON Schema it is registered under, so that schema validation does the
//! work it does for a real event (nested objects, an array of line items,
//! patterns, an enum) rather than checking one string.

/// The subject (event type) of governed benchmark events.
pub const GOVERNED_EVENT_TYPE: &str = "BenchOrderPlaced";
/// The event type of ungoverned benchmark events (needs a server started with
/// `--allow-unregistered-event-types`).
pub const UNGOVERNED_EVENT_TYPE: &str = "BenchOrderPlacedUnchecked";

/// The JSON Schema of [`GOVERNED_EVENT_TYPE`].
pub const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "order_id": { "type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" },
    "customer": {
      "type": "object",
      "properties": {
        "id": { "type": "string", "minLength": 1, "maxLength": 64 },
        "email": { "type": "string", "maxLength": 254 }
      },
      "required": ["id"],
      "additionalProperties": false
    },
    "currency": { "enum": ["EUR", "USD", "GBP"] },
    "lines": {
      "type": "array",
      "minItems": 1,
      "maxItems": 1000,
      "items": {
        "type": "object",
        "properties": {
          "sku": { "type": "string", "pattern": "^SKU-[0-9]{4}$" },
          "qty": { "type": "integer", "minimum": 1 },
          "price_cents": { "type": "integer", "minimum": 0 }
        },
        "required": ["sku", "qty", "price_cents"],
        "additionalProperties": false
      }
    },
    "notes": { "type": "string", "maxLength": 16777216 }
  },
  "required": ["order_id", "customer", "currency", "lines"],
  "additionalProperties": false
}"#;

const HEAD: &str = r#"{"order_id":"0b6f3a4e-52a1-4c3e-9d7e-2f1c8a9b0c1d","customer":{"id":"c-000042","email":"buyer@example.com"},"currency":"EUR","lines":["#;
const LINE: &str = r#"{"sku":"SKU-0001","qty":2,"price_cents":1999}"#;
/// One line item in every event; one more per this many bytes of payload.
const BYTES_PER_LINE: usize = 100;
const MAX_LINES: usize = 100;
const NOTES: &str = r#"],"notes":""#;
const TAIL: &str = r#""}"#;

/// The smallest payload: one line item and empty notes.
pub const MIN_SIZE: usize = HEAD.len() + LINE.len() + NOTES.len() + TAIL.len();

/// An order of exactly `size` bytes (at least [`MIN_SIZE`]): about one line
/// item per 100 bytes (at most 100), padded with notes.
pub fn order_payload(size: usize) -> Vec<u8> {
    let size = size.max(MIN_SIZE);
    let mut lines = (size / BYTES_PER_LINE).clamp(1, MAX_LINES);
    while lines > 1 && fixed_size(lines) > size {
        lines -= 1;
    }
    let mut data = String::with_capacity(size);
    data.push_str(HEAD);
    for i in 0..lines {
        if i > 0 {
            data.push(',');
        }
        data.push_str(LINE);
    }
    data.push_str(NOTES);
    let padding = size - fixed_size(lines);
    data.extend(std::iter::repeat_n('x', padding));
    data.push_str(TAIL);
    data.into_bytes()
}

fn fixed_size(lines: usize) -> usize {
    HEAD.len() + lines * LINE.len() + (lines - 1) + NOTES.len() + TAIL.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schema::{DataFormat, SubjectConfig, format::ParsedSchema};

    #[test]
    fn payloads_have_the_exact_size_and_match_the_schema() {
        let schema = ParsedSchema::parse(DataFormat::Json, SCHEMA, &SubjectConfig::default()).expect("schema");
        for size in [MIN_SIZE, MIN_SIZE + 1, 256, 1024, 4096, 65_536] {
            let data = order_payload(size);
            assert_eq!(data.len(), size, "size {size}");
            assert_eq!(schema.validate("application/json", &data), Ok(()), "size {size}");
        }
        let lines = |size| {
            let value: serde_json::Value = serde_json::from_slice(&order_payload(size)).expect("json");
            value["lines"].as_array().map_or(0, Vec::len)
        };
        assert_eq!(lines(256), 2);
        assert_eq!(lines(1024), 10);
    }

    #[test]
    fn the_schema_refuses_a_broken_order() {
        let schema = ParsedSchema::parse(DataFormat::Json, SCHEMA, &SubjectConfig::default()).expect("schema");
        let broken = String::from_utf8(order_payload(1024)).expect("utf8").replace("SKU-0001", "SKU-1");
        assert!(schema.validate("application/json", broken.as_bytes()).is_err());
    }
}
