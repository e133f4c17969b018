//! Avro schema evolution checks, using Avro's own schema resolution rules as
//! implemented by the `apache-avro` crate.

use apache_avro::{Schema, schema_compatibility::SchemaCompatibility};

use super::BreakingChange;

/// The changes from `original` to `update` that stop a reader using `update`
/// from reading data written with `original` (backward compatibility).
///
/// Avro's resolution check stops at the first incompatibility, so at most one
/// change is reported; its message names the field.
pub fn backward_changes(original: &Schema, update: &Schema) -> Vec<BreakingChange> {
    match SchemaCompatibility::can_read(original, update) {
        Ok(()) => Vec::new(),
        Err(error) => {
            let mut detail = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                detail.push_str(": ");
                detail.push_str(&cause.to_string());
                source = cause.source();
            }
            vec![BreakingChange::new(path_of(&error), kind_of(&error), detail)]
        }
    }
}

fn path_of(error: &apache_avro::error::CompatibilityError) -> String {
    use apache_avro::error::CompatibilityError as E;
    let mut path = String::from("#");
    let mut current = error;
    loop {
        match current {
            E::FieldTypeMismatch(field, inner) => {
                path.push('/');
                path.push_str(field);
                current = inner;
            }
            E::MissingDefaultValue(field) => {
                path.push('/');
                path.push_str(field);
                return path;
            }
            _ => return path,
        }
    }
}

fn kind_of(error: &apache_avro::error::CompatibilityError) -> &'static str {
    use apache_avro::error::CompatibilityError as E;
    match error {
        E::FieldTypeMismatch(_, inner) => kind_of(inner),
        E::MissingDefaultValue(_) => "FIELD_ADDED_WITHOUT_DEFAULT",
        E::MissingSymbols => "ENUM_SYMBOL_REMOVED",
        E::MissingUnionElements => "UNION_BRANCH_REMOVED",
        E::FixedMismatch => "FIXED_CHANGED",
        E::NameMismatch { .. } => "NAME_CHANGED",
        E::WrongType { .. } | E::TypeExpected { .. } => "TYPE_CHANGED",
        _ => "INCOMPATIBLE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(text: &str) -> Schema {
        Schema::parse_str(text).expect("valid avro schema")
    }

    const V1: &str = r#"{"type":"record","name":"Deposit","fields":[{"name":"amount","type":"long"}]}"#;

    #[test]
    fn adding_a_field_with_a_default_is_backward_compatible() {
        let v2 = schema(
            r#"{"type":"record","name":"Deposit","fields":[{"name":"amount","type":"long"},
                {"name":"currency","type":"string","default":"EUR"}]}"#,
        );
        assert_eq!(backward_changes(&schema(V1), &v2), vec![]);
    }

    #[test]
    fn adding_a_field_without_default_breaks_and_names_the_field() {
        let v2 = schema(
            r#"{"type":"record","name":"Deposit","fields":[{"name":"amount","type":"long"},
                {"name":"currency","type":"string"}]}"#,
        );
        let changes = backward_changes(&schema(V1), &v2);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, "FIELD_ADDED_WITHOUT_DEFAULT");
        assert_eq!(changes[0].path, "#/currency");
        // Forward: the old reader simply ignores the new field.
        assert_eq!(backward_changes(&v2, &schema(V1)), vec![]);
    }

    #[test]
    fn narrowing_a_type_breaks() {
        let v2 = schema(r#"{"type":"record","name":"Deposit","fields":[{"name":"amount","type":"int"}]}"#);
        let changes = backward_changes(&schema(V1), &v2);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].path, "#/amount");
        assert_eq!(changes[0].kind, "TYPE_CHANGED");
    }
}
