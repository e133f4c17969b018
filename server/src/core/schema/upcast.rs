//! Upcasting: turning a payload stored under an older schema version into the
//! shape of the latest one, on read.
//!
//! A subject's config lists one [`UpcasterSpec`] per version that needs one:
//! declarative steps turning a payload of `from_version` into `from_version + 1`.
//! [`UpcastChain::compile`] validates them once (JSON pointers, jq programs) and
//! [`UpcastChain::upcast`] chains them, so a v1 payload read by a v3 consumer
//! goes through v1→v2 and then v2→v3. Versions without a spec are compatible
//! evolutions and pass the payload through unchanged.
//!
//! jq programs run with [jaq](https://github.com/01mf02/jaq) and its standard
//! library, minus the filters that would make an upcast depend on when or where
//! it runs (`now`, `env`): replaying a stream must always give the same payloads.
//! Programs come from the subject's reviewed config and are trusted; a program
//! that loops forever is not interrupted.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::core::jq::{JqFilter, compile_jq, json_kind as kind, run_jq};

/// One step of an upcaster. Paths are JSON pointers ("/owner/name"; "" is not allowed for rename/add/remove).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum UpcastStep {
    /// Moves the value at `from` to `to` (no-op when `from` is absent; error if `to` already exists).
    Rename { from: String, to: String },
    /// Sets `path` to `default` when it is absent (parents must exist and be objects).
    Add { path: String, default: serde_json::Value },
    /// Removes `path` if present.
    Remove { path: String },
    /// A jq program (run with the jaq crate) that must produce exactly one value from the payload.
    Jq { expr: String },
}

impl UpcastStep {
    /// The step's `op` tag, as written in config and reported in [`UpcastError::StepFailed`].
    pub fn op(&self) -> &'static str {
        match self {
            UpcastStep::Rename { .. } => "rename",
            UpcastStep::Add { .. } => "add",
            UpcastStep::Remove { .. } => "remove",
            UpcastStep::Jq { .. } => "jq",
        }
    }
}

/// Steps that turn a payload of version `from_version` into version `from_version + 1`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpcasterSpec {
    /// The version this upcaster reads (at least 1).
    pub from_version: u32,
    /// Applied in order, each to the previous step's output.
    pub steps: Vec<UpcastStep>,
}

/// Why an upcaster could not be compiled or applied.
///
/// `step` is the zero-based index into the spec's `steps`; errors about a whole
/// spec (its `from_version`) report step 0.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpcastError {
    #[error("invalid upcaster for version {from_version}, step {step}: {message}")]
    InvalidSpec { from_version: u32, step: usize, message: String },
    #[error("upcaster from version {from_version}, step {step} ({op}) failed: {message}")]
    StepFailed { from_version: u32, step: usize, op: &'static str, message: String },
}

/// Compiled upcasters of one subject, keyed by the version they upcast from.
///
/// `Send + Sync` (asserted below): jaq's compiled filter is only a lookup table of
/// terms and native function pointers, so it is shared by reference between
/// threads; the values a program works on (`jaq_json::Val`, built on `Rc`) are
/// created and dropped inside each [`UpcastChain::upcast`] call and never cross
/// a thread.
pub struct UpcastChain {
    upcasters: BTreeMap<u32, Vec<CompiledStep>>,
}

const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<UpcastChain>();
};

impl UpcastChain {
    /// Validates and compiles: duplicate from_version, from_version 0, malformed JSON pointers and jq syntax/compile
    /// errors (with the expression and jaq's message) are `UpcastError::InvalidSpec`.
    pub fn compile(specs: &[UpcasterSpec]) -> Result<UpcastChain, UpcastError> {
        let mut upcasters = BTreeMap::new();
        for spec in specs {
            let from_version = spec.from_version;
            let invalid = |step, message| UpcastError::InvalidSpec { from_version, step, message };
            check_from_version(from_version).map_err(|message| invalid(0, message))?;
            if upcasters.contains_key(&from_version) {
                return Err(invalid(0, format!("more than one upcaster has from_version {from_version}")));
            }
            let steps = spec
                .steps
                .iter()
                .enumerate()
                .map(|(index, step)| CompiledStep::compile(step).map_err(|message| invalid(index, message)))
                .collect::<Result<Vec<_>, _>>()?;
            upcasters.insert(from_version, steps);
        }
        Ok(UpcastChain { upcasters })
    }

    /// Applies the upcasters for from, from+1, ..., to-1 in order; a version without a spec passes the payload through
    /// unchanged (compatible evolutions need none). from >= to returns the payload unchanged.
    pub fn upcast(&self, payload: Value, from: u32, to: u32) -> Result<Value, UpcastError> {
        if from >= to {
            return Ok(payload);
        }
        self.upcasters
            .range(from..to)
            .try_fold(payload, |payload, (&from_version, steps)| apply_steps(from_version, steps, payload))
    }

    /// Whether any spec exists (fast path).
    pub fn is_empty(&self) -> bool {
        self.upcasters.is_empty()
    }
}

impl fmt::Debug for UpcastChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ops = |steps: &Vec<CompiledStep>| steps.iter().map(CompiledStep::op).collect::<Vec<_>>();
        f.debug_map().entries(self.upcasters.iter().map(|(version, steps)| (version, ops(steps)))).finish()
    }
}

/// Rejects versions that cannot be upcast from: 0 (versions start at 1) and `u32::MAX` (no next version).
fn check_from_version(from_version: u32) -> Result<(), String> {
    match from_version {
        0 => Err("from_version must be at least 1 (schema versions start at 1)".to_owned()),
        u32::MAX => Err(format!("from_version {from_version} has no next version to upcast to")),
        _ => Ok(()),
    }
}

/// Runs the steps of the upcaster from `from_version` in order.
fn apply_steps(from_version: u32, steps: &[CompiledStep], payload: Value) -> Result<Value, UpcastError> {
    steps.iter().enumerate().try_fold(payload, |payload, (step, compiled)| {
        compiled.apply(payload).map_err(|message| UpcastError::StepFailed {
            from_version,
            step,
            op: compiled.op(),
            message,
        })
    })
}

/// A validated [`UpcastStep`]: pointers parsed, jq compiled.
enum CompiledStep {
    Rename { from: Pointer, to: Pointer },
    Add { path: Pointer, default: Value },
    Remove { path: Pointer },
    Jq { filter: JqFilter },
}

impl CompiledStep {
    /// Validates one step; the error is the message of an [`UpcastError::InvalidSpec`].
    fn compile(step: &UpcastStep) -> Result<Self, String> {
        Ok(match step {
            UpcastStep::Rename { from, to } => {
                let (from, to) = (Pointer::parse(from)?, Pointer::parse(to)?);
                check_rename(&from, &to)?;
                CompiledStep::Rename { from, to }
            }
            UpcastStep::Add { path, default } => {
                CompiledStep::Add { path: Pointer::parse(path)?, default: default.clone() }
            }
            UpcastStep::Remove { path } => CompiledStep::Remove { path: Pointer::parse(path)? },
            UpcastStep::Jq { expr } => CompiledStep::Jq { filter: compile_jq(expr)? },
        })
    }

    /// The `op` tag of the step this was compiled from.
    fn op(&self) -> &'static str {
        match self {
            CompiledStep::Rename { .. } => "rename",
            CompiledStep::Add { .. } => "add",
            CompiledStep::Remove { .. } => "remove",
            CompiledStep::Jq { .. } => "jq",
        }
    }

    /// Applies the step; the error is the message of an [`UpcastError::StepFailed`].
    fn apply(&self, payload: Value) -> Result<Value, String> {
        match self {
            CompiledStep::Rename { from, to } => rename(payload, from, to),
            CompiledStep::Add { path, default } => add(payload, path, default),
            CompiledStep::Remove { path } => Ok(remove(payload, path)),
            CompiledStep::Jq { filter } => run_jq(filter, payload),
        }
    }
}

/// Rejects renames that could never succeed: onto itself, into itself, or onto one of its ancestors.
fn check_rename(from: &Pointer, to: &Pointer) -> Result<(), String> {
    if to.starts_with(from) {
        return Err(format!("cannot rename {from} to {to}: the target is the source or lies inside it"));
    }
    if from.starts_with(to) {
        return Err(format!("cannot rename {from} to {to}: the target contains the source, so it always exists"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// JSON pointers and the declarative steps
// ---------------------------------------------------------------------------

/// A JSON pointer (RFC 6901) other than the root, split into its parent's tokens and its last token (unescaped).
#[derive(Debug, Clone, PartialEq)]
struct Pointer {
    raw: String,
    parent: Vec<String>,
    key: String,
}

impl Pointer {
    /// Parses `raw`, which must start with `/` and escape `~` and `/` in tokens as `~0` and `~1`.
    fn parse(raw: &str) -> Result<Self, String> {
        let Some(rest) = raw.strip_prefix('/') else {
            return Err(match raw {
                "" => "the root pointer \"\" cannot be used here; point at a field such as \"/name\"".to_owned(),
                _ => format!("JSON pointer {raw:?} must start with '/'"),
            });
        };
        let mut tokens = rest.split('/').map(|token| unescape_token(raw, token)).collect::<Result<Vec<_>, _>>()?;
        // `split` yields at least one token, so this always pops one.
        let key = tokens.pop().unwrap_or_default();
        Ok(Pointer { raw: raw.to_owned(), parent: tokens, key })
    }

    /// All tokens, from the root down.
    fn tokens(&self) -> impl Iterator<Item = &String> {
        self.parent.iter().chain(std::iter::once(&self.key))
    }

    /// Whether `self` is `prefix` or lies inside it.
    fn starts_with(&self, prefix: &Pointer) -> bool {
        self.parent.len() >= prefix.parent.len() && self.tokens().zip(prefix.tokens()).all(|(a, b)| a == b)
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.raw)
    }
}

/// Decodes `~0` and `~1` in one token of `pointer`.
fn unescape_token(pointer: &str, token: &str) -> Result<String, String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => return Err(format!("JSON pointer {pointer:?} has a '~' not followed by '0' or '1'")),
        }
    }
    Ok(out)
}

/// Follows `tokens` from `root`: object members by name, array elements by canonical index. `None` if absent.
fn resolve_mut<'v>(root: &'v mut Value, tokens: &[String]) -> Option<&'v mut Value> {
    tokens.iter().try_fold(root, |value, token| match value {
        Value::Object(map) => map.get_mut(token),
        Value::Array(items) => array_index(token).and_then(|index| items.get_mut(index)),
        _ => None,
    })
}

/// An RFC 6901 array index: `0` or digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    let canonical = digits && (token == "0" || !token.starts_with('0'));
    canonical.then(|| token.parse().ok()).flatten()
}

/// Removes and returns the value at `pointer`, if present (an object member or an array element).
fn take(root: &mut Value, pointer: &Pointer) -> Option<Value> {
    match resolve_mut(root, &pointer.parent)? {
        Value::Object(map) => map.remove(&pointer.key),
        Value::Array(items) => {
            array_index(&pointer.key).filter(|&index| index < items.len()).map(|index| items.remove(index))
        }
        _ => None,
    }
}

/// The object that holds `pointer`'s last token; it must exist.
fn object_parent<'v>(root: &'v mut Value, pointer: &Pointer) -> Result<&'v mut Map<String, Value>, String> {
    match resolve_mut(root, &pointer.parent) {
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(format!("the parent of {pointer} is {}, not an object", kind(other))),
        None => Err(format!("the parent of {pointer} does not exist")),
    }
}

/// [`UpcastStep::Rename`]: moves the value at `from` to `to`, like a JSON Patch `move` that refuses to overwrite.
fn rename(mut payload: Value, from: &Pointer, to: &Pointer) -> Result<Value, String> {
    let Some(value) = take(&mut payload, from) else {
        return Ok(payload);
    };
    let target = object_parent(&mut payload, to)?;
    if target.contains_key(&to.key) {
        return Err(format!("cannot rename {from} to {to}: {to} already exists"));
    }
    target.insert(to.key.clone(), value);
    Ok(payload)
}

/// [`UpcastStep::Add`]: sets `path` to `default` unless it is present (even as `null`).
fn add(mut payload: Value, path: &Pointer, default: &Value) -> Result<Value, String> {
    let parent = object_parent(&mut payload, path)?;
    if !parent.contains_key(&path.key) {
        parent.insert(path.key.clone(), default.clone());
    }
    Ok(payload)
}

/// [`UpcastStep::Remove`]: removes `path` if present.
fn remove(mut payload: Value, path: &Pointer) -> Value {
    take(&mut payload, path);
    payload
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;

    fn rename(from: &str, to: &str) -> UpcastStep {
        UpcastStep::Rename { from: from.to_owned(), to: to.to_owned() }
    }

    fn add(path: &str, default: Value) -> UpcastStep {
        UpcastStep::Add { path: path.to_owned(), default }
    }

    fn remove(path: &str) -> UpcastStep {
        UpcastStep::Remove { path: path.to_owned() }
    }

    fn jq(expr: &str) -> UpcastStep {
        UpcastStep::Jq { expr: expr.to_owned() }
    }

    fn spec(from_version: u32, steps: Vec<UpcastStep>) -> UpcasterSpec {
        UpcasterSpec { from_version, steps }
    }

    fn chain(specs: Vec<UpcasterSpec>) -> UpcastChain {
        UpcastChain::compile(&specs).expect("specs compile")
    }

    /// v1 → v2 renames `name` and adds a currency; v2 → v3 computes `total` and a label with jq.
    fn order_chain() -> UpcastChain {
        chain(vec![
            spec(1, vec![rename("/name", "/full_name"), add("/currency", json!("EUR"))]),
            spec(2, vec![jq(r#".total = .price * .quantity | .label = "\(.full_name) x\(.quantity)""#)]),
        ])
    }

    /// The error of compiling a single spec.
    fn compile_error(steps: Vec<UpcastStep>) -> UpcastError {
        UpcastChain::compile(&[spec(1, steps)]).expect_err("spec is rejected")
    }

    /// The message of a `StepFailed` from running `steps` on `payload`, checking where it failed.
    fn step_failure(steps: Vec<UpcastStep>, payload: Value, step: usize, op: &str) -> String {
        match chain(vec![spec(4, steps)]).upcast(payload, 4, 5) {
            Err(UpcastError::StepFailed { from_version: 4, step: s, op: o, message }) if s == step && o == op => {
                message
            }
            other => panic!("expected step {step} ({op}) of the v4 upcaster to fail, got {other:?}"),
        }
    }

    #[test]
    fn chains_v1_to_v3_and_v2_to_v3() {
        let chain = order_chain();
        let v1 = json!({"name": "Ada", "price": 10, "quantity": 3});
        let v3 = chain.upcast(v1, 1, 3).expect("upcast");
        assert_eq!(
            v3,
            json!({"full_name": "Ada", "price": 10, "quantity": 3, "currency": "EUR", "total": 30, "label": "Ada x3"})
        );

        let v2 = json!({"full_name": "Bob", "price": 2.5, "quantity": 4, "currency": "USD"});
        let v3 = chain.upcast(v2, 2, 3).expect("upcast");
        assert_eq!(
            v3,
            json!({"full_name": "Bob", "price": 2.5, "quantity": 4, "currency": "USD", "total": 10.0, "label": "Bob x4"})
        );
    }

    #[test]
    fn add_keeps_a_present_value_and_rename_of_an_absent_field_is_a_no_op() {
        let v1 = json!({"full_name": "Ada", "currency": null, "price": 1, "quantity": 1});
        let v2 = order_chain().upcast(v1.clone(), 1, 2).expect("upcast");
        assert_eq!(v2, v1);
    }

    #[test]
    fn same_or_older_target_version_returns_the_payload_unchanged() {
        let chain = order_chain();
        let payload = json!({"name": "Ada"});
        assert_eq!(chain.upcast(payload.clone(), 3, 3).expect("upcast"), payload);
        assert_eq!(chain.upcast(payload.clone(), 3, 1).expect("upcast"), payload);
        assert_eq!(chain.upcast(payload.clone(), 1, 1).expect("upcast"), payload);
    }

    #[test]
    fn a_version_without_a_spec_passes_through() {
        let chain = chain(vec![spec(1, vec![add("/a", json!(1))]), spec(3, vec![rename("/a", "/b")])]);
        assert_eq!(chain.upcast(json!({}), 1, 4).expect("upcast"), json!({"b": 1}));
        assert_eq!(chain.upcast(json!({"x": true}), 2, 3).expect("upcast"), json!({"x": true}));
        // Stops before the v3 upcaster when the target is v3.
        assert_eq!(chain.upcast(json!({}), 1, 3).expect("upcast"), json!({"a": 1}));
        // Versions past the last spec pass through too.
        assert_eq!(chain.upcast(json!({"a": 2}), 3, u32::MAX).expect("upcast"), json!({"b": 2}));
    }

    #[test]
    fn is_empty_tells_whether_any_spec_exists() {
        assert!(chain(vec![]).is_empty());
        assert!(!chain(vec![spec(1, vec![])]).is_empty());
    }

    #[test]
    fn specs_deserialize_from_toml_config() {
        use figment::Figment;
        use figment::providers::{Format, Toml};

        #[derive(Debug, serde::Deserialize)]
        struct SubjectConfig {
            upcasters: Vec<UpcasterSpec>,
        }
        let toml = r#"
            [[upcasters]]
            from_version = 1
            steps = [
                { op = "rename", from = "/name", to = "/full_name" },
                { op = "add", path = "/address", default = { country = "FR", lines = [] } },
                { op = "remove", path = "/legacy~1id" },
            ]

            [[upcasters]]
            from_version = 2

            [[upcasters.steps]]
            op = "jq"
            expr = ".total = .price * .quantity"
        "#;
        let config: SubjectConfig = Figment::from(Toml::string(toml)).extract().expect("valid TOML config");
        assert_eq!(
            config.upcasters,
            vec![
                spec(
                    1,
                    vec![
                        rename("/name", "/full_name"),
                        add("/address", json!({"country": "FR", "lines": []})),
                        remove("/legacy~1id"),
                    ]
                ),
                spec(2, vec![jq(".total = .price * .quantity")]),
            ]
        );
        let chain = UpcastChain::compile(&config.upcasters).expect("compiles");
        let v3 = chain.upcast(json!({"name": "Ada", "legacy/id": 7, "price": 2, "quantity": 5}), 1, 3).expect("upcast");
        assert_eq!(
            v3,
            json!({"full_name": "Ada", "address": {"country": "FR", "lines": []}, "price": 2, "quantity": 5, "total": 10})
        );
    }

    #[test]
    fn specs_round_trip_through_json_and_reject_unknown_fields() {
        let specs = vec![spec(1, vec![rename("/a", "/b"), add("/c", json!([1])), remove("/d"), jq(".")])];
        let encoded = serde_json::to_value(&specs).expect("serialize");
        assert_eq!(
            encoded,
            json!([{"from_version": 1, "steps": [
                {"op": "rename", "from": "/a", "to": "/b"},
                {"op": "add", "path": "/c", "default": [1]},
                {"op": "remove", "path": "/d"},
                {"op": "jq", "expr": "."},
            ]}])
        );
        let decoded: Vec<UpcasterSpec> = serde_json::from_value(encoded).expect("deserialize");
        assert_eq!(decoded, specs);

        let unknown_step_field = json!({"from_version": 1, "steps": [{"op": "remove", "path": "/a", "pat": "/b"}]});
        assert!(serde_json::from_value::<UpcasterSpec>(unknown_step_field).is_err());
        let unknown_op = json!({"from_version": 1, "steps": [{"op": "drop", "path": "/a"}]});
        assert!(serde_json::from_value::<UpcasterSpec>(unknown_op).is_err());
        let unknown_spec_field = json!({"from_version": 1, "to_version": 2, "steps": []});
        assert!(serde_json::from_value::<UpcasterSpec>(unknown_spec_field).is_err());
    }

    #[test]
    fn invalid_jq_is_rejected_at_compile_with_the_expression() {
        let error = compile_error(vec![add("/a", json!(1)), jq(".a | {b: }")]);
        let UpcastError::InvalidSpec { from_version: 1, step: 1, message } = &error else {
            panic!("expected InvalidSpec for step 1, got {error:?}");
        };
        assert!(message.contains(r#"".a | {b: }""#), "{message}");
        assert!(message.contains("expected"), "{message}");
        assert!(error.to_string().starts_with("invalid upcaster for version 1, step 1: "), "{error}");

        let unclosed = compile_error(vec![jq("[.a")]);
        assert!(unclosed.to_string().contains("closing bracket"), "{unclosed}");

        let undefined = compile_error(vec![jq("no_such_filter(1)")]);
        assert!(undefined.to_string().contains("undefined filter `no_such_filter/1`"), "{undefined}");
    }

    #[test]
    fn time_and_environment_filters_are_not_available() {
        for expr in [".at = now", ".env = env", ".home = $ENV.HOME"] {
            let error = compile_error(vec![jq(expr)]);
            assert!(matches!(error, UpcastError::InvalidSpec { step: 0, .. }), "{expr}: {error:?}");
        }
        let error = compile_error(vec![jq(".at = now")]);
        assert!(error.to_string().contains("not available to upcasters"), "{error}");
    }

    #[test]
    fn duplicate_and_zero_versions_and_malformed_pointers_are_invalid() {
        let duplicate = UpcastChain::compile(&[spec(2, vec![]), spec(1, vec![]), spec(2, vec![])]);
        assert!(
            matches!(&duplicate, Err(UpcastError::InvalidSpec { from_version: 2, message, .. }) if message.contains("more than one")),
            "{duplicate:?}"
        );
        let zero = UpcastChain::compile(&[spec(0, vec![])]);
        assert!(matches!(zero, Err(UpcastError::InvalidSpec { from_version: 0, step: 0, .. })), "{zero:?}");
        let last = UpcastChain::compile(&[spec(u32::MAX, vec![])]);
        assert!(matches!(last, Err(UpcastError::InvalidSpec { .. })), "{last:?}");

        for (steps, fragment) in [
            (vec![remove("")], "root pointer"),
            (vec![remove("name")], "must start with '/'"),
            (vec![add("/a~2b", json!(1))], "'~'"),
            (vec![rename("/a", "")], "root pointer"),
            (vec![rename("/a", "/a")], "lies inside"),
            (vec![rename("/a", "/a/b")], "lies inside"),
            (vec![rename("/a/b", "/a")], "always exists"),
        ] {
            let error = compile_error(steps);
            assert!(
                matches!(&error, UpcastError::InvalidSpec { from_version: 1, step: 0, message } if message.contains(fragment)),
                "{fragment}: {error:?}"
            );
        }
    }

    #[test]
    fn jq_runtime_error_names_the_step() {
        let message = step_failure(vec![remove("/x"), jq(r#"error("boom")"#)], json!({"x": 1}), 1, "jq");
        assert_eq!(message, "the jq program raised an error: boom");

        let error = chain(vec![spec(4, vec![remove("/x"), jq(r#"error("boom")"#)])]).upcast(json!({}), 1, 9);
        let text = error.expect_err("fails").to_string();
        assert_eq!(text, "upcaster from version 4, step 1 (jq) failed: the jq program raised an error: boom");

        let message = step_failure(vec![jq(".a.b")], json!({"a": "text"}), 0, "jq");
        assert!(message.contains("cannot index"), "{message}");
    }

    #[test]
    fn jq_yielding_no_value_or_two_values_fails() {
        let message = step_failure(vec![add("/a", json!(1)), jq("empty")], json!({}), 1, "jq");
        assert!(message.contains("no value"), "{message}");

        let message = step_failure(vec![jq(".a, .b")], json!({"a": 1, "b": 2}), 0, "jq");
        assert!(message.contains("more than one value"), "{message}");

        // An endless stream stops at the second value.
        let message = step_failure(vec![jq("repeat(.)")], json!({}), 0, "jq");
        assert!(message.contains("more than one value"), "{message}");
    }

    #[test]
    fn jq_halt_is_a_step_failure_not_a_process_exit() {
        let message = step_failure(vec![jq("halt")], json!({}), 0, "jq");
        assert!(message.contains("halt"), "{message}");
        let message = step_failure(vec![jq(r#""bye" | halt_error(3)"#)], json!({}), 0, "jq");
        assert!(message.contains("exit code 3"), "{message}");
    }

    #[test]
    fn jq_output_that_json_cannot_hold_fails() {
        for (expr, fragment) in [
            (".x = nan", "number"),
            (".x = infinite", "number"),
            (r#".x = ("a" | tobytes)"#, "byte string"),
            ("{(1): 2}", "not a string"),
            ("reduce range(200) as $i (0; [.])", "deeper than 128"),
        ] {
            let message = step_failure(vec![jq(expr)], json!({}), 0, "jq");
            assert!(message.contains(fragment), "{expr}: {message}");
        }
    }

    #[test]
    fn jq_preserves_json_numbers_and_strings() {
        let payload = json!({
            "max_u64": u64::MAX,
            "min_i64": i64::MIN,
            "float": 0.1,
            "text": "héllo \u{1F600}",
            "nested": [{"a": null, "b": [true, false]}],
        });
        let identity = chain(vec![spec(1, vec![jq(".")])]);
        assert_eq!(identity.upcast(payload.clone(), 1, 2).expect("upcast"), payload);

        let overflow = chain(vec![spec(1, vec![jq(".big = .max_u64 + 1")])]);
        let message = overflow.upcast(payload, 1, 2).expect_err("2^64 does not fit").to_string();
        assert!(message.contains("number JSON cannot hold: 18446744073709551616"), "{message}");

        let decimal = chain(vec![spec(1, vec![jq(".dec = 1.5 | .int = 7")])]);
        assert_eq!(decimal.upcast(json!({}), 1, 2).expect("upcast"), json!({"dec": 1.5, "int": 7}));
    }

    #[test]
    fn rename_onto_an_existing_field_fails() {
        let message = step_failure(vec![rename("/a", "/b")], json!({"a": 1, "b": 2}), 0, "rename");
        assert_eq!(message, r#"cannot rename "/a" to "/b": "/b" already exists"#);
        // Even an explicit null counts as existing.
        let message = step_failure(vec![rename("/a", "/b")], json!({"a": 1, "b": null}), 0, "rename");
        assert!(message.contains("already exists"), "{message}");
    }

    #[test]
    fn nested_pointers_work() {
        let chain = chain(vec![spec(
            1,
            vec![
                rename("/owner/name", "/owner/full_name"),
                rename("/owner/email", "/contact/email"),
                add("/owner/address/country", json!("FR")),
                remove("/meta/internal"),
                rename("/a~1b", "/c~0d"),
                rename("/lines/0/sku", "/lines/0/code"),
                remove("/tags/1"),
                remove("/meta/missing/deeper"),
            ],
        )]);
        let v1 = json!({
            "owner": {"name": "Ada", "email": "ada@example.com", "address": {"city": "Paris"}},
            "contact": {},
            "meta": {"internal": true, "kept": 1},
            "a/b": 1,
            "lines": [{"sku": "X1"}, {"sku": "X2"}],
            "tags": ["a", "b", "c"],
        });
        assert_eq!(
            chain.upcast(v1, 1, 2).expect("upcast"),
            json!({
                "owner": {"full_name": "Ada", "address": {"city": "Paris", "country": "FR"}},
                "contact": {"email": "ada@example.com"},
                "meta": {"kept": 1},
                "c~d": 1,
                "lines": [{"code": "X1"}, {"sku": "X2"}],
                "tags": ["a", "c"],
            })
        );
    }

    #[test]
    fn add_and_rename_need_an_existing_object_parent() {
        let message = step_failure(vec![add("/owner/address/country", json!("FR"))], json!({"owner": {}}), 0, "add");
        assert_eq!(message, r#"the parent of "/owner/address/country" does not exist"#);
        let message = step_failure(vec![add("/tags/x", json!(1))], json!({"tags": []}), 0, "add");
        assert_eq!(message, r#"the parent of "/tags/x" is an array, not an object"#);
        let message = step_failure(vec![add("/x", json!(1))], json!("scalar payload"), 0, "add");
        assert!(message.contains("is a string, not an object"), "{message}");
        let message = step_failure(vec![rename("/a", "/b/c")], json!({"a": 1}), 0, "rename");
        assert!(message.contains("does not exist"), "{message}");
    }

    #[test]
    fn upcast_chain_is_shared_across_threads() {
        const fn assert_send_sync<T: Send + Sync>() {}
        const _: () = assert_send_sync::<UpcastChain>();

        let chain = Arc::new(order_chain());
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|i| {
                    let chain = Arc::clone(&chain);
                    scope.spawn(move || chain.upcast(json!({"name": "T", "price": i, "quantity": 2}), 1, 3))
                })
                .collect();
            for (i, handle) in handles.into_iter().enumerate() {
                let v3 = handle.join().expect("thread").expect("upcast");
                assert_eq!(v3["total"], json!(i * 2));
            }
        });
    }
}
