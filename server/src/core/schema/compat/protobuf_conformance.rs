//! Conformance against Confluent Schema Registry's own protobuf compatibility verdicts
//! (`shared/conformance/confluent-compat/`, see its README).
//!
//! Each case gives `.proto` source for an original and an updated schema, sometimes with the sources of the files
//! they import (`original_dependencies` / `update_dependencies`), and Confluent's BACKWARD verdict. A case agrees
//! when [`backward_changes`] is empty exactly when Confluent says compatible; a schema that does not parse is a
//! disagreement. Confluent's schema metadata (`confluent:reserved`, a data-contract rule on field names) has no
//! counterpart in Nexus and is ignored.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ProtoSchema, all_changes, backward_changes};

/// The case files, all of which must be present.
pub(crate) const FILES: [&str; 2] =
    ["protobuf-diff-schema-examples.json", "protobuf-diff-schema-examples-with-meta.json"];

/// The share of cases that must agree with Confluent.
pub(crate) const REQUIRED_AGREEMENT: f64 = 0.95;

pub(crate) fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/confluent-compat")
}

/// Reads one case file, failing the test with where it looked when it is missing or malformed.
pub(crate) fn load_cases(dir: &Path, file: &str) -> Vec<Value> {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "Confluent conformance data not found at {} ({err}); it is expected in shared/conformance/confluent-compat \
             next to the project (see shared/conformance/README.md)",
            path.display()
        )
    });
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(cases)) => cases,
        other => panic!("{} is not a JSON array of cases: {other:?}", path.display()),
    }
}

/// The `(import path, source)` pairs a case gives for one side.
fn dependencies(case: &Value, key: &str) -> Vec<(String, String)> {
    let entries = case.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    entries
        .iter()
        .filter_map(|entry| {
            Some((entry.get("name")?.as_str()?.to_owned(), entry.get("dependency")?.as_str()?.to_owned()))
        })
        .collect()
}

/// Parses one side of a case, naming the side in the error.
fn parse_side(case: &Value, side: &str) -> Result<ProtoSchema, String> {
    let source = case.get(format!("{side}_schema")).and_then(Value::as_str).unwrap_or_default();
    let owned = dependencies(case, &format!("{side}_dependencies"));
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(name, text)| (name.as_str(), text.as_str())).collect();
    ProtoSchema::parse_with_dependencies(source, &borrowed).map_err(|err| {
        let hint = if !source.contains('\n') && source.ends_with(".proto") {
            " (the case gives a path into Confluent's repository, not source text)"
        } else {
            ""
        };
        format!("{side} schema does not parse: {err}{hint}")
    })
}

/// What we make of one case.
struct Outcome {
    /// Whether our verdict is Confluent's.
    agrees: bool,
    /// Our breaking changes.
    breaking: Vec<String>,
    /// Whether our full change list (compatible changes included, as `KIND path`) is Confluent's `changes`.
    same_changes: bool,
}

/// Runs one case; an error when a schema does not parse or the case is malformed.
fn run_case(case: &Value) -> Result<Outcome, String> {
    let expected = case.get("compatible").and_then(Value::as_bool).ok_or("case has no boolean `compatible`")?;
    let original = parse_side(case, "original")?;
    let update = parse_side(case, "update")?;
    let breaking: Vec<String> = backward_changes(&original, &update).iter().map(ToString::to_string).collect();
    let mut ours: Vec<String> = all_changes(&original, &update)
        .iter()
        .map(|change| format!("{} {}", change.kind.name(), change.path))
        .collect();
    let mut theirs: Vec<String> = case
        .get("changes")
        .and_then(Value::as_array)
        .map(|changes| changes.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    ours.sort();
    theirs.sort();
    Ok(Outcome { agrees: breaking.is_empty() == expected, breaking, same_changes: ours == theirs })
}

/// Confluent's verdict, for messages.
fn verdict(case: &Value) -> &'static str {
    match case.get("compatible").and_then(Value::as_bool) {
        Some(true) => "compatible",
        Some(false) => "incompatible",
        None => "(none)",
    }
}

#[test]
fn confluent_protobuf_conformance() {
    let dir = conformance_dir();
    let (mut agreed, mut total, mut same_changes) = (0usize, 0usize, 0usize);
    for file in FILES {
        let cases = load_cases(&dir, file);
        let mut file_agreed = 0;
        for (index, case) in cases.iter().enumerate() {
            let description = case.get("description").and_then(Value::as_str).unwrap_or("(no description)");
            if case.get("original_metadata").is_some() || case.get("update_metadata").is_some() {
                println!("note: {file} #{index} \"{description}\": schema metadata ignored");
            }
            match run_case(case) {
                Ok(outcome) if outcome.agrees => {
                    file_agreed += 1;
                    same_changes += usize::from(outcome.same_changes);
                }
                Ok(outcome) => println!(
                    "DISAGREE {file} #{index} \"{description}\": Confluent says {}; we found {} breaking change(s): {:?}",
                    verdict(case),
                    outcome.breaking.len(),
                    outcome.breaking
                ),
                Err(err) => {
                    println!("DISAGREE {file} #{index} \"{description}\": Confluent says {}; {err}", verdict(case))
                }
            }
        }
        println!("{file}: {file_agreed}/{} agree", cases.len());
        agreed += file_agreed;
        total += cases.len();
    }
    let share = if total == 0 { 0.0 } else { agreed as f64 / total as f64 };
    println!("protobuf conformance: {agreed}/{total} agree ({:.1}%)", share * 100.0);
    println!("of those, {same_changes} also list exactly Confluent's changes (kinds and paths, compatible ones too)");
    assert!(total > 0, "no conformance cases found in {}", dir.display());
    assert!(
        share >= REQUIRED_AGREEMENT,
        "agreement with Confluent {agreed}/{total} is below {:.0}%",
        REQUIRED_AGREEMENT * 100.0
    );
}
