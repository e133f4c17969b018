//! Parsed schema definitions of every format: validating a definition,
//! comparing two versions, and checking payloads against one.

use serde_json::Value;

use super::{
    DataFormat, SubjectConfig,
    compat::{self, BreakingChange, protobuf::ProtoSchema},
};

/// Content types payloads may be sent in, besides JSON.
pub const AVRO_CONTENT_TYPE: &str = "application/avro";
pub const PROTOBUF_CONTENT_TYPE: &str = "application/x-protobuf";

/// One reason a payload does not match its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadError {
    /// JSON pointer into the payload ("" for the whole payload).
    pub pointer: String,
    pub message: String,
}

impl PayloadError {
    fn whole(message: impl Into<String>) -> Self {
        Self { pointer: String::new(), message: message.into() }
    }
}

/// At most this many errors are reported for one payload.
const MAX_PAYLOAD_ERRORS: usize = 20;

/// A schema definition, parsed and ready to validate payloads.
pub enum ParsedSchema {
    Json { schema: Value, validator: jsonschema::Validator },
    Avro(apache_avro::Schema),
    Protobuf { schema: ProtoSchema, message: prost_reflect::MessageDescriptor },
}

impl ParsedSchema {
    /// Parses and checks a definition. The error says what is wrong with it.
    pub fn parse(format: DataFormat, definition: &str, config: &SubjectConfig) -> Result<ParsedSchema, String> {
        match format {
            DataFormat::Json => {
                let schema: Value = serde_json::from_str(definition).map_err(|e| format!("not valid JSON: {e}"))?;
                if !(schema.is_object() || schema.is_boolean()) {
                    return Err("a JSON Schema must be an object or a boolean".into());
                }
                let validator = jsonschema::validator_for(&schema).map_err(|e| {
                    format!("not a valid JSON Schema at {}: {e}", pointer_or_root(e.instance_path().as_str()))
                })?;
                Ok(ParsedSchema::Json { schema, validator })
            }
            DataFormat::Avro => apache_avro::Schema::parse_str(definition)
                .map(ParsedSchema::Avro)
                .map_err(|e| format!("not a valid Avro schema: {e}")),
            DataFormat::Protobuf => {
                let schema = ProtoSchema::parse(definition).map_err(|e| format!("not a valid Protobuf schema: {e}"))?;
                let message = schema
                    .message(config.message_name.as_deref())
                    .map_err(|e| format!("not a usable Protobuf schema: {e}"))?;
                Ok(ParsedSchema::Protobuf { schema, message })
            }
        }
    }

    pub fn format(&self) -> DataFormat {
        match self {
            ParsedSchema::Json { .. } => DataFormat::Json,
            ParsedSchema::Avro(_) => DataFormat::Avro,
            ParsedSchema::Protobuf { .. } => DataFormat::Protobuf,
        }
    }

    /// The changes that stop a reader using `update` from reading data
    /// written with `original`. Both must be of the same format.
    pub fn backward_changes(original: &ParsedSchema, update: &ParsedSchema) -> Vec<BreakingChange> {
        match (original, update) {
            (ParsedSchema::Json { schema: a, .. }, ParsedSchema::Json { schema: b, .. }) => {
                compat::json::backward_changes(a, b)
            }
            (ParsedSchema::Avro(a), ParsedSchema::Avro(b)) => compat::avro::backward_changes(a, b),
            (ParsedSchema::Protobuf { schema: a, .. }, ParsedSchema::Protobuf { schema: b, .. }) => {
                compat::protobuf::backward_changes(a, b)
            }
            (a, b) => vec![BreakingChange::new(
                "#",
                "FORMAT_CHANGED",
                format!("data format changed from {} to {}", a.format(), b.format()),
            )],
        }
    }

    /// Checks a payload. JSON payloads are accepted by every format (the
    /// format's JSON mapping); Avro subjects also take Avro binary datums and
    /// Protobuf subjects the Protobuf binary encoding.
    pub fn validate(&self, content_type: &str, data: &[u8]) -> Result<(), Vec<PayloadError>> {
        let binary = !is_json(content_type);
        match self {
            ParsedSchema::Json { validator, .. } => {
                if binary {
                    return Err(vec![wrong_content_type(content_type, DataFormat::Json)]);
                }
                let value = parse_json(data)?;
                validate_json(validator, &value)
            }
            ParsedSchema::Avro(schema) => {
                if binary {
                    if content_type != AVRO_CONTENT_TYPE {
                        return Err(vec![wrong_content_type(content_type, DataFormat::Avro)]);
                    }
                    let mut reader = data;
                    apache_avro::from_avro_datum(schema, &mut reader, None)
                        .map_err(|e| vec![PayloadError::whole(format!("not a valid Avro datum: {e}"))])?;
                    if !reader.is_empty() {
                        return Err(vec![PayloadError::whole(format!(
                            "{} bytes left over after the Avro datum",
                            reader.len()
                        ))]);
                    }
                    return Ok(());
                }
                let value = parse_json(data)?;
                apache_avro::types::Value::from(value)
                    .resolve(schema)
                    .map(drop)
                    .map_err(|e| vec![PayloadError::whole(format!("does not match the Avro schema: {e}"))])
            }
            ParsedSchema::Protobuf { message, .. } => {
                if binary {
                    if content_type != PROTOBUF_CONTENT_TYPE {
                        return Err(vec![wrong_content_type(content_type, DataFormat::Protobuf)]);
                    }
                    return prost_reflect::DynamicMessage::decode(message.clone(), data).map(drop).map_err(|e| {
                        vec![PayloadError::whole(format!("not a valid {} message: {e}", message.full_name()))]
                    });
                }
                let mut deserializer = serde_json::Deserializer::from_slice(data);
                let options = prost_reflect::DeserializeOptions::new().deny_unknown_fields(true);
                prost_reflect::DynamicMessage::deserialize_with_options(message.clone(), &mut deserializer, &options)
                    .and_then(|m| deserializer.end().map(|()| m))
                    .map(drop)
                    .map_err(|e| {
                        vec![PayloadError::whole(format!("does not match message {}: {e}", message.full_name()))]
                    })
            }
        }
    }

    /// Checks a JSON payload that is already parsed.
    pub fn validate_value(&self, value: &Value) -> Result<(), Vec<PayloadError>> {
        match self {
            ParsedSchema::Json { validator, .. } => validate_json(validator, value),
            ParsedSchema::Avro(schema) => apache_avro::types::Value::from(value.clone())
                .resolve(schema)
                .map(drop)
                .map_err(|e| vec![PayloadError::whole(format!("does not match the Avro schema: {e}"))]),
            ParsedSchema::Protobuf { message, .. } => {
                let options = prost_reflect::DeserializeOptions::new().deny_unknown_fields(true);
                prost_reflect::DynamicMessage::deserialize_with_options(message.clone(), value, &options)
                    .map(drop)
                    .map_err(|e| {
                        vec![PayloadError::whole(format!("does not match message {}: {e}", message.full_name()))]
                    })
            }
        }
    }
}

fn validate_json(validator: &jsonschema::Validator, value: &Value) -> Result<(), Vec<PayloadError>> {
    if validator.is_valid(value) {
        return Ok(());
    }
    let errors: Vec<PayloadError> = validator
        .iter_errors(value)
        .take(MAX_PAYLOAD_ERRORS)
        .map(|e| PayloadError { pointer: e.instance_path().as_str().to_string(), message: e.to_string() })
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Whether a content type carries JSON (`application/json`, `application/…+json`).
pub fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(crate::core::model::JSON_CONTENT_TYPE)
        || (essence.len() > 17
            && essence.get(..12).is_some_and(|s| s.eq_ignore_ascii_case("application/"))
            && essence.get(essence.len() - 5..).is_some_and(|s| s.eq_ignore_ascii_case("+json")))
}

fn parse_json(data: &[u8]) -> Result<Value, Vec<PayloadError>> {
    serde_json::from_slice(data).map_err(|e| vec![PayloadError::whole(format!("not valid JSON: {e}"))])
}

fn wrong_content_type(content_type: &str, format: DataFormat) -> PayloadError {
    let accepted = match format {
        DataFormat::Json => "application/json".to_string(),
        DataFormat::Avro => format!("application/json or {AVRO_CONTENT_TYPE}"),
        DataFormat::Protobuf => format!("application/json or {PROTOBUF_CONTENT_TYPE}"),
    };
    PayloadError::whole(format!(
        "content type {content_type:?} cannot be checked against a {format} schema; use {accepted}"
    ))
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() { "the root" } else { pointer }
}

/// Two definitions are the same version when they parse to the same thing:
/// JSON and Avro compare as JSON values (key order and whitespace do not
/// matter), Protobuf as text with surrounding whitespace trimmed.
pub fn same_definition(format: DataFormat, a: &str, b: &str) -> bool {
    match format {
        DataFormat::Json | DataFormat::Avro => {
            match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) {
                (Ok(a), Ok(b)) => a == b,
                _ => a.trim() == b.trim(),
            }
        }
        DataFormat::Protobuf => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_schema(text: &str) -> ParsedSchema {
        ParsedSchema::parse(DataFormat::Json, text, &SubjectConfig::default()).expect("valid schema")
    }

    #[test]
    fn json_payload_errors_carry_pointers() {
        let schema = json_schema(
            r#"{"type":"object","required":["amount"],"properties":{"amount":{"type":"integer","minimum":1}}}"#,
        );
        assert_eq!(schema.validate("application/json", br#"{"amount": 5}"#), Ok(()));
        let errors = schema.validate("application/json", br#"{"amount": 0}"#).expect_err("minimum");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer, "/amount");
        let errors = schema.validate("application/json", br#"{}"#).expect_err("required");
        assert_eq!(errors[0].pointer, "");
        assert!(errors[0].message.contains("amount"), "{errors:?}");
    }

    #[test]
    fn invalid_definitions_are_refused_with_a_reason() {
        for (format, text) in [
            (DataFormat::Json, "{not json"),
            (DataFormat::Json, r#"{"type": 12}"#),
            (DataFormat::Json, "[1, 2]"),
            (DataFormat::Avro, r#"{"type":"record","name":"X"}"#),
        ] {
            let error = ParsedSchema::parse(format, text, &SubjectConfig::default()).err();
            assert!(error.is_some(), "{format} {text} should be refused");
        }
    }

    #[test]
    fn drafts_are_picked_by_the_schema_keyword() {
        // `prefixItems` exists from 2020-12; draft 7 ignores it.
        let tuple = |draft: &str| {
            json_schema(&format!(r#"{{"$schema":"{draft}","type":"array","prefixItems":[{{"type":"string"}}]}}"#))
        };
        let draft7 = tuple("http://json-schema.org/draft-07/schema#");
        let draft2020 = tuple("https://json-schema.org/draft/2020-12/schema");
        assert_eq!(draft7.validate("application/json", b"[1]"), Ok(()));
        assert!(draft2020.validate("application/json", b"[1]").is_err());
    }

    #[test]
    fn avro_accepts_json_and_binary_payloads() {
        let schema = ParsedSchema::parse(
            DataFormat::Avro,
            r#"{"type":"record","name":"Deposit","fields":[{"name":"amount","type":"long"}]}"#,
            &SubjectConfig::default(),
        )
        .expect("valid");
        assert_eq!(schema.validate("application/json", br#"{"amount": 5}"#), Ok(()));
        assert!(schema.validate("application/json", br#"{"amount": "five"}"#).is_err());
        // zig-zag varint 5 = 0x0a
        assert_eq!(schema.validate(AVRO_CONTENT_TYPE, &[0x0a]), Ok(()));
        assert!(schema.validate(AVRO_CONTENT_TYPE, &[0x0a, 0x00]).is_err(), "trailing bytes");
        assert!(schema.validate("text/plain", b"5").is_err());
    }

    #[test]
    fn json_content_types_are_recognised() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/cloudevents+json"));
        assert!(!is_json("application/avro"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("text/x+json"));
        assert!(!is_json("applicatioé/x+json"), "no panic on a multi-byte character");
    }

    #[test]
    fn same_definition_ignores_key_order_and_whitespace() {
        assert!(same_definition(DataFormat::Json, r#"{"a":1,"b":2}"#, "{ \"b\": 2, \"a\": 1 }"));
        assert!(!same_definition(DataFormat::Json, r#"{"a":1}"#, r#"{"a":2}"#));
    }
}
