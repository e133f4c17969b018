//! Projections: read models folded from events.
//!
//! A projection names the event types (and optionally stream prefixes) it
//! consumes, a jq program giving each event's document key, and a jq
//! program folding the event into that document (`null` deletes it). The
//! [`engine::ProjectionEngine`] runs every projection over the stream path,
//! writes documents to the [`ReadStore`](super::read_store::ReadStore)
//! together with the projection's checkpoint, rebuilds blue/green, and feeds
//! watchers.
//!
//! Projections consume the stream path only: folding needs the events of a
//! stream in order, which the queue path does not promise. A definition
//! naming a secondary-route event type is refused.

pub mod engine;
mod runner;
pub mod watch;

pub use runner::{ChangeBatch, Progress};

use std::{collections::HashSet, path::Path};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    jq::{JqFilter, compile_jq, json_kind as kind, run_jq},
    model::RecordedEvent,
};

/// What a projection does with an event its programs fail on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Set the event aside with its error and keep going.
    #[default]
    Park,
    /// Stop the projection at the event until it is rebuilt or redefined.
    Stop,
}

/// A projection as written in `projections/*.toml` or registered through
/// the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionDefinition {
    /// Letters, digits, '-' and '_'; at most 64 characters.
    pub name: String,
    /// Event types it consumes.
    pub event_types: Vec<String>,
    /// Only events of streams with one of these prefixes; empty: every stream.
    #[serde(default)]
    pub stream_prefixes: Vec<String>,
    /// jq program: the event (see [`event_input`]) → the document key (a
    /// string or a number).
    pub key: String,
    /// jq program: `{doc, event}` → the new document (an object), or `null`
    /// to delete it.
    pub fold: String,
    /// Document fields (dotted paths) indexed for full-text search.
    #[serde(default)]
    pub text_fields: Vec<String>,
    #[serde(default)]
    pub on_error: OnError,
}

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("projection {name:?}: {field}: {message}")]
pub struct DefinitionError {
    pub name: String,
    /// The field at fault, for BadRequest violations.
    pub field: &'static str,
    pub message: String,
}

impl ProjectionDefinition {
    /// Reads a definition file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(toml::from_str(&text)?)
    }

    /// A stable fingerprint: a changed definition is a new projection
    /// version and is rebuilt from the start.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        let digest = Sha256::digest(&canonical);
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// Checks and compiles the definition.
    pub fn compile(&self) -> Result<CompiledProjection, DefinitionError> {
        let fail = |field: &'static str, message: String| DefinitionError { name: self.name.clone(), field, message };
        if self.name.is_empty()
            || self.name.len() > 64
            || !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(fail("name", "must be 1 to 64 letters, digits, '-' or '_'".into()));
        }
        if self.event_types.is_empty() {
            return Err(fail("event_types", "must name at least one event type".into()));
        }
        if let Some(bad) = self.event_types.iter().find(|t| t.is_empty()) {
            return Err(fail("event_types", format!("{bad:?} is not an event type")));
        }
        for field in &self.text_fields {
            let ok = !field.is_empty()
                && field
                    .split('.')
                    .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            if !ok {
                return Err(fail("text_fields", format!("{field:?} is not a dotted field path")));
            }
        }
        let key = compile_jq(&self.key).map_err(|e| fail("key", e))?;
        let fold = compile_jq(&self.fold).map_err(|e| fail("fold", e))?;
        Ok(CompiledProjection {
            definition: self.clone(),
            types: self.event_types.iter().cloned().collect(),
            key,
            fold,
            fingerprint: self.fingerprint(),
        })
    }
}

/// A checked definition with its programs compiled.
pub struct CompiledProjection {
    pub definition: ProjectionDefinition,
    types: HashSet<String>,
    key: JqFilter,
    fold: JqFilter,
    pub fingerprint: String,
}

const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CompiledProjection>();
};

/// What folding one event asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Folded {
    Upsert { key: String, body: Value },
    Delete { key: String },
}

impl CompiledProjection {
    /// Whether the projection consumes `event`.
    pub fn consumes(&self, event: &RecordedEvent) -> bool {
        self.types.contains(&event.event_type)
            && (self.definition.stream_prefixes.is_empty()
                || self.definition.stream_prefixes.iter().any(|p| event.stream_id.starts_with(p.as_str())))
    }

    /// The document key of an event.
    pub fn key_of(&self, event: &Value) -> Result<String, String> {
        match run_jq(&self.key, event.clone()).map_err(|e| format!("key program: {e}"))? {
            Value::String(s) if !s.is_empty() && s.len() <= 512 => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(format!("key program: gave {other}, not a non-empty string of at most 512 bytes or a number")),
        }
    }

    /// Folds an event into the current document (`None`: no document yet).
    pub fn fold(&self, key: String, doc: Option<&Value>, event: Value) -> Result<Folded, String> {
        let input = json!({ "doc": doc.cloned().unwrap_or(Value::Null), "event": event });
        match run_jq(&self.fold, input).map_err(|e| format!("fold program: {e}"))? {
            Value::Null => Ok(Folded::Delete { key }),
            body @ Value::Object(_) => Ok(Folded::Upsert { key, body }),
            other => Err(format!("fold program: gave {}, not an object or null", kind(&other))),
        }
    }
}

/// The event as projection programs see it.
pub fn event_input(event: &RecordedEvent) -> Value {
    let data = if event.content_type.starts_with("application/json") {
        serde_json::from_slice(&event.data).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    json!({
        "id": event.event_id.to_string(),
        "type": event.event_type,
        "stream": event.stream_id,
        "revision": event.revision,
        "position": event.position.global,
        "data": data,
        "metadata": {
            "correlation_id": event.metadata.correlation_id,
            "causation_id": event.metadata.causation_id,
            "user_id": event.metadata.user_id,
            "tenant_id": event.metadata.tenant_id,
            "custom": event.metadata.custom,
        },
        "recorded_at": event.recorded_at_micros,
    })
}

/// Reads every `*.toml` definition in a folder (sorted by file name).
pub fn load_folder(dir: &Path) -> anyhow::Result<Vec<(String, ProjectionDefinition)>> {
    let mut out = Vec::new();
    for path in crate::core::files::toml_files(dir)? {
        let definition = ProjectionDefinition::from_file(&path)
            .map_err(|e| anyhow::anyhow!("cannot read projection {}: {e}", path.display()))?;
        out.push((format!("file:{}", path.display()), definition));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(key: &str, fold: &str) -> ProjectionDefinition {
        ProjectionDefinition {
            name: "balances".into(),
            event_types: vec!["Deposited".into()],
            stream_prefixes: vec![],
            key: key.into(),
            fold: fold.into(),
            text_fields: vec![],
            on_error: OnError::Park,
        }
    }

    #[test]
    fn folds_upserts_and_deletes() {
        let p = definition(".stream", "if .event.data.close then null else {n: ((.doc.n // 0) + 1)} end")
            .compile()
            .expect("compiles");
        let event = json!({"stream": "a-1", "data": {"close": false}});
        let key = p.key_of(&event).expect("key");
        assert_eq!(key, "a-1");
        let first = p.fold(key.clone(), None, event.clone()).expect("fold");
        assert_eq!(first, Folded::Upsert { key: "a-1".into(), body: json!({"n": 1}) });
        let second = p.fold(key.clone(), Some(&json!({"n": 1})), event).expect("fold");
        assert_eq!(second, Folded::Upsert { key: "a-1".into(), body: json!({"n": 2}) });
        let closing = p.fold(key, Some(&json!({"n": 2})), json!({"data": {"close": true}})).expect("fold");
        assert_eq!(closing, Folded::Delete { key: "a-1".into() });
    }

    #[test]
    fn bad_definitions_and_bad_outputs_are_errors() {
        assert_eq!(definition(".x |||", "{}").compile().err().map(|e| e.field), Some("key"));
        assert_eq!(definition(".x", "nope(").compile().err().map(|e| e.field), Some("fold"));
        let mut bad_name = definition(".x", "{}");
        bad_name.name = "a b".into();
        assert_eq!(bad_name.compile().err().map(|e| e.field), Some("name"));
        let p = definition(".missing", "[1]").compile().expect("compiles");
        assert!(p.key_of(&json!({})).expect_err("null key").contains("not a non-empty string"));
        assert!(p.fold("k".into(), None, json!({})).expect_err("array").contains("an array"));
        let fails = definition(".x", "error(\"boom\")").compile().expect("compiles");
        assert!(fails.fold("k".into(), None, json!({})).expect_err("error").contains("boom"));
    }

    #[test]
    fn fingerprint_changes_with_the_definition() {
        let a = definition(".x", "{}");
        let mut b = a.clone();
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.fold = "{a: 1}".into();
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    /// The shipped example projections compile and fold a bank account's
    /// life as their comments say.
    #[test]
    fn shipped_projections_fold_an_account() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../projections");
        let definitions = load_folder(&dir).expect("projections load");
        let names: Vec<_> = definitions.iter().map(|(_, d)| d.name.as_str()).collect();
        assert_eq!(names, ["account-balance", "account-search"]);
        let event =
            |kind: &str, data: Value| json!({"type": kind, "stream": "acme/account-7", "data": data, "recorded_at": 5});
        let life = [
            event("AccountOpened", json!({"owner": "Ada Lovelace", "currency": "EUR", "initial_deposit": 100})),
            event("MoneyDeposited", json!({"amount": 50, "balance": 150})),
            event("MoneyWithdrawn", json!({"amount": 30, "balance": 120})),
        ];
        let mut docs = Vec::new();
        for (_, definition) in &definitions {
            let p = definition.compile().expect("compiles");
            let mut doc: Option<Value> = None;
            for e in &life {
                let key = p.key_of(e).expect("key");
                assert_eq!(key, "acme/account-7");
                doc = match p.fold(key, doc.as_ref(), e.clone()).expect("fold") {
                    Folded::Upsert { body, .. } => Some(body),
                    Folded::Delete { .. } => None,
                };
            }
            let closed =
                p.fold("acme/account-7".into(), doc.as_ref(), event("AccountClosed", json!({}))).expect("fold");
            docs.push((doc, closed));
        }
        let (balance, balance_closed) = &docs[0];
        let balance = balance.as_ref().expect("balance document");
        assert_eq!(balance["balance"], 120);
        assert_eq!(balance["transactions"], 2);
        assert_eq!(balance["owner"], "Ada Lovelace");
        assert_eq!(*balance_closed, Folded::Delete { key: "acme/account-7".into() });
        let (search, search_closed) = &docs[1];
        assert_eq!(search.as_ref().expect("search document")["status"], "open");
        match search_closed {
            Folded::Upsert { body, .. } => assert_eq!(body["status"], "closed"),
            other => panic!("closing should keep the document: {other:?}"),
        }
    }
}
