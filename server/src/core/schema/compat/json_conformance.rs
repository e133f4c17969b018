//! Conformance of [`backward_changes`] with Confluent Schema Registry's own
//! JSON Schema verdicts (`/work/shared/conformance/confluent-compat/`, see its
//! README): every case must get the same BACKWARD verdict.

use std::path::PathBuf;

use serde_json::Value;

use super::backward_changes;

/// The JSON Schema case files of the conformance data.
pub(crate) const FILES: [&str; 4] = [
    "jsonschema-diff-schema-examples.json",
    "jsonschema-diff-schema-examples-2020-12.json",
    "jsonschema-diff-combined-schema-examples.json",
    "jsonschema-diff-combined-schema-examples-2020-12.json",
];

pub(crate) fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/confluent-compat")
}

/// Drops commas that directly precede `]` or `}` (outside strings): one data file has them.
fn strip_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some(']' | '}')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The cases of one file (the files are JSON with stray trailing commas).
pub(crate) fn read_cases(file: &str) -> Vec<Value> {
    let path = conformance_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&strip_trailing_commas(&text))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn confluent_json_schema_conformance() {
    let dir = conformance_dir();
    assert!(
        dir.is_dir(),
        "Confluent conformance data not found: looked in {} (CARGO_MANIFEST_DIR/../../shared/conformance/confluent-compat)",
        dir.display()
    );
    let (mut total, mut agreed) = (0, 0);
    let mut disagreements = Vec::new();
    for file in FILES {
        let cases = read_cases(file);
        let mut file_agreed = 0;
        for (index, case) in cases.iter().enumerate() {
            let description = case["description"].as_str().unwrap_or("(no description)");
            let expected = case["compatible"]
                .as_bool()
                .unwrap_or_else(|| panic!("{file} case {index} ({description}) has no boolean 'compatible'"));
            let changes = backward_changes(&case["original_schema"], &case["update_schema"]);
            if changes.is_empty() == expected {
                file_agreed += 1;
            } else {
                let ours: Vec<String> = changes.iter().map(ToString::to_string).collect();
                disagreements.push(format!(
                    "{file} #{index} \"{description}\": Confluent says compatible={expected}, confluent changes {}, ours {ours:?}",
                    case["changes"]
                ));
            }
        }
        println!("{file}: {file_agreed}/{} agree", cases.len());
        total += cases.len();
        agreed += file_agreed;
    }
    for disagreement in &disagreements {
        println!("DISAGREE {disagreement}");
    }
    println!("total: {agreed}/{total} agree");
    assert_eq!(
        agreed,
        total,
        "{} of {total} cases disagree with Confluent:\n{}",
        total - agreed,
        disagreements.join("\n")
    );
}

#[test]
fn trailing_commas_are_dropped_outside_strings_only() {
    let text = r#"{"a": [1, 2, ], "b": "x, ]", "c": {"d": 1,
    },}"#;
    let value: Value = serde_json::from_str(&strip_trailing_commas(text)).expect("lenient JSON");
    assert_eq!(value, serde_json::json!({"a": [1, 2], "b": "x, ]", "c": {"d": 1}}));
}
