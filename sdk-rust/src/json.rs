//! Conversions between `serde_json::Value` and `google.protobuf.Struct`.
//!
//! Command payloads travel as `Struct` so that grpcurl and every SDK can send
//! plain JSON objects. `Struct` carries numbers as doubles; [`struct_to_json`]
//! turns integral doubles back into integers so handlers can ask for `i64`.

use prost_types::{ListValue, Struct, Value, value::Kind};
use serde_json::{Map, Number, Value as Json};

/// Largest integer a double represents exactly (2^53).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Converts a JSON object into a `Struct`. Returns `None` if `json` is not an
/// object.
pub fn json_to_struct(json: Json) -> Option<Struct> {
    match json {
        Json::Object(map) => Some(object_to_struct(map)),
        _ => None,
    }
}

fn object_to_struct(map: Map<String, Json>) -> Struct {
    Struct { fields: map.into_iter().map(|(k, v)| (k, json_to_value(v))).collect() }
}

/// Converts any JSON value into a protobuf `Value`.
pub fn json_to_value(json: Json) -> Value {
    let kind = match json {
        Json::Null => Kind::NullValue(0),
        Json::Bool(b) => Kind::BoolValue(b),
        Json::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(f64::NAN)),
        Json::String(s) => Kind::StringValue(s),
        Json::Array(items) => Kind::ListValue(ListValue { values: items.into_iter().map(json_to_value).collect() }),
        Json::Object(map) => Kind::StructValue(object_to_struct(map)),
    };
    Value { kind: Some(kind) }
}

/// Converts a `Struct` into a JSON object, turning integral numbers within
/// ±2^53 into JSON integers.
pub fn struct_to_json(s: Struct) -> Json {
    Json::Object(s.fields.into_iter().map(|(k, v)| (k, value_to_json(v))).collect())
}

/// Converts a protobuf `Value` into JSON.
pub fn value_to_json(value: Value) -> Json {
    match value.kind {
        None | Some(Kind::NullValue(_)) => Json::Null,
        Some(Kind::BoolValue(b)) => Json::Bool(b),
        Some(Kind::NumberValue(n)) => number_to_json(n),
        Some(Kind::StringValue(s)) => Json::String(s),
        Some(Kind::ListValue(list)) => Json::Array(list.values.into_iter().map(value_to_json).collect()),
        Some(Kind::StructValue(s)) => struct_to_json(s),
    }
}

fn number_to_json(n: f64) -> Json {
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        // Exact: |n| <= 2^53 and integral.
        Json::Number(Number::from(n as i64))
    } else {
        Number::from_f64(n).map(Json::Number).unwrap_or(Json::Null)
    }
}

/// Decodes the JSON data of a recorded event (empty data decodes as `null`).
pub fn event_data<T: serde::de::DeserializeOwned>(event: &crate::proto::RecordedEvent) -> Result<T, serde_json::Error> {
    if event.data.is_empty() { serde_json::from_value(Json::Null) } else { serde_json::from_slice(&event.data) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn integral_numbers_come_back_as_integers() {
        let original = json!({"amount": 100, "rate": 1.5, "tags": ["a", null, true], "nested": {"n": -3}});
        let round_trip = struct_to_json(json_to_struct(original.clone()).expect("object"));
        assert_eq!(round_trip, original);
        assert!(round_trip["amount"].is_i64());
        assert!(round_trip["rate"].is_f64());
    }

    #[test]
    fn non_objects_are_not_structs() {
        assert!(json_to_struct(json!([1, 2])).is_none());
        assert!(json_to_struct(json!("x")).is_none());
    }
}
