//! Command handlers: the decide/evolve model of an aggregate, and its
//! type-erased form that the command bus drives.

use std::{collections::BTreeMap, marker::PhantomData, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::{
    error::{DomainError, FieldViolation, NexusError},
    model::{JSON_CONTENT_TYPE, RecordedEvent},
};

/// An aggregate written in Rust: a consistency boundary whose state is the
/// fold of its events.
///
/// `Command` must deserialize from `{"command_type": ..., "payload": ...}`
/// (`#[serde(tag = "command_type", content = "payload")]`) and `Event` must
/// serialize as `{"type": ..., "data": ...}` (`#[serde(tag = "type",
/// content = "data")]`), so that the stored event type and JSON data are the
/// enum's variant name and fields.
pub trait Aggregate: Send + Sync + 'static {
    /// The aggregate type clients name, e.g. `"account"`.
    const TYPE: &'static str;
    /// Every command type `Command` accepts.
    const COMMAND_TYPES: &'static [&'static str];
    /// Every event type `Event` can be (its variant names). The bus refuses
    /// an event of an undeclared type, and `nexus governance check` requires
    /// a registered schema for each.
    const EVENT_TYPES: &'static [&'static str];
    /// The version of `State`'s serialized shape. Bump it when a snapshot
    /// written before would no longer deserialize into the same state.
    const STATE_SCHEMA_VERSION: u32 = 1;
    /// The version of the fold (`evolve`). Bump it when the same events
    /// would now fold into a different state: older snapshots are then
    /// ignored and rebuilt instead of misread.
    const SNAPSHOT_VERSION: u32 = 1;
    /// The state. It serializes (to JSON) for snapshots and temporal queries.
    type State: Default + Send + Serialize + DeserializeOwned + 'static;
    type Command: DeserializeOwned;
    type Event: Serialize + DeserializeOwned;

    /// Decides which events a command produces given the current state, or
    /// refuses it. Must be pure: no I/O, no clock, no randomness.
    fn decide(state: &Self::State, command: Self::Command) -> Result<Vec<Self::Event>, DomainError>;

    /// Applies one event to the state.
    fn evolve(state: &mut Self::State, event: Self::Event);
}

/// An event a handler produced, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_type: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// The versions a snapshot of an aggregate's state records. A snapshot is
/// used only by a handler whose versions are equal to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SnapshotVersions {
    /// The version of the state's serialized shape.
    pub state_schema: u32,
    /// The version of the handler's fold.
    pub handler: u32,
}

/// A command handler the bus can drive without knowing its types. In-process
/// Rust aggregates get one through [`handler`]; remote handlers implement it
/// directly.
pub trait CommandHandler: Send + Sync {
    fn aggregate_type(&self) -> &str;
    fn command_types(&self) -> Vec<String>;
    /// Every event type the handler can produce.
    fn event_types(&self) -> Vec<String>;
    /// What a snapshot of this handler's state must record to be used.
    fn snapshot_versions(&self) -> SnapshotVersions;
    /// The initial state, or the state a snapshot holds (its `state` bytes,
    /// JSON). A snapshot that does not deserialize is an error, never a
    /// default state.
    fn restore(&self, snapshot: Option<&[u8]>) -> Result<Box<dyn AggregateState>, NexusError>;
    /// For a handler in another process: decides through it (the bus sends
    /// it the aggregate's events). `None` for in-process handlers.
    fn remote(&self) -> Option<super::remote::RemoteDecider> {
        None
    }
}

/// One aggregate's state, type-erased: folded from events, asked to decide.
pub trait AggregateState: Send {
    /// Folds one stored event into the state.
    fn evolve(&mut self, event: &RecordedEvent) -> Result<(), NexusError>;
    /// Decides `command_type` with `payload` on the current state.
    fn decide(&self, command_type: &str, payload: Value) -> Result<Vec<NewEvent>, NexusError>;
    /// The state serialized for a snapshot (JSON).
    fn serialize(&self) -> Result<Vec<u8>, NexusError>;
    /// The state as a JSON value (temporal queries).
    fn to_json(&self) -> Result<Value, NexusError>;
    /// The events folded, for a state that keeps them (remote handlers).
    fn history(&self) -> Option<&[RecordedEvent]> {
        None
    }
}

/// The [`CommandHandler`] of a Rust [`Aggregate`].
pub fn handler<A: Aggregate>() -> Arc<dyn CommandHandler> {
    Arc::new(TypedHandler::<A>(PhantomData))
}

struct TypedHandler<A>(PhantomData<fn() -> A>);

impl<A: Aggregate> CommandHandler for TypedHandler<A> {
    fn aggregate_type(&self) -> &str {
        A::TYPE
    }

    fn command_types(&self) -> Vec<String> {
        A::COMMAND_TYPES.iter().map(|s| s.to_string()).collect()
    }

    fn event_types(&self) -> Vec<String> {
        A::EVENT_TYPES.iter().map(|s| s.to_string()).collect()
    }

    fn snapshot_versions(&self) -> SnapshotVersions {
        SnapshotVersions { state_schema: A::STATE_SCHEMA_VERSION, handler: A::SNAPSHOT_VERSION }
    }

    fn restore(&self, snapshot: Option<&[u8]>) -> Result<Box<dyn AggregateState>, NexusError> {
        let state = match snapshot {
            None => A::State::default(),
            Some(bytes) => serde_json::from_slice(bytes).map_err(|e| {
                NexusError::Internal(format!("a snapshot of {} does not deserialize into its state: {e}", A::TYPE))
            })?,
        };
        Ok(Box::new(TypedState::<A>(state)))
    }
}

struct TypedState<A: Aggregate>(A::State);

impl<A: Aggregate> AggregateState for TypedState<A> {
    fn evolve(&mut self, event: &RecordedEvent) -> Result<(), NexusError> {
        A::evolve(&mut self.0, decode_event::<A::Event>(event)?);
        Ok(())
    }

    fn decide(&self, command_type: &str, payload: Value) -> Result<Vec<NewEvent>, NexusError> {
        let command = decode_command::<A::Command>(command_type, payload)?;
        let events = A::decide(&self.0, command)?;
        let events: Vec<NewEvent> = events.iter().map(encode_event).collect::<Result<_, _>>()?;
        if let Some(undeclared) = events.iter().find(|e| !A::EVENT_TYPES.contains(&e.event_type.as_str())) {
            return Err(NexusError::Internal(format!(
                "aggregate {} produced event type {:?}, which is not in its EVENT_TYPES",
                A::TYPE,
                undeclared.event_type
            )));
        }
        Ok(events)
    }

    fn serialize(&self) -> Result<Vec<u8>, NexusError> {
        serde_json::to_vec(&self.0)
            .map_err(|e| NexusError::Internal(format!("the state of {} does not serialize: {e}", A::TYPE)))
    }

    fn to_json(&self) -> Result<Value, NexusError> {
        serde_json::to_value(&self.0)
            .map_err(|e| NexusError::Internal(format!("the state of {} does not serialize: {e}", A::TYPE)))
    }
}

fn decode_command<C: DeserializeOwned>(command_type: &str, payload: Value) -> Result<C, NexusError> {
    let tagged = json!({ "command_type": command_type, "payload": payload });
    serde_path_to_error::deserialize(tagged).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() { "payload".to_string() } else { path };
        NexusError::InvalidArgument(vec![FieldViolation::new(field, e.into_inner().to_string())])
    })
}

fn decode_event<E: DeserializeOwned>(recorded: &RecordedEvent) -> Result<E, NexusError> {
    let corrupt = |why: String| {
        NexusError::CorruptHistory(format!(
            "{} at revision {} of stream {}: {why}",
            recorded.event_type, recorded.revision, recorded.stream_id
        ))
    };
    let data: Value = serde_json::from_slice(&recorded.data).map_err(|e| corrupt(e.to_string()))?;
    serde_json::from_value(json!({ "type": recorded.event_type, "data": data })).map_err(|e| corrupt(e.to_string()))
}

fn encode_event<E: Serialize>(event: &E) -> Result<NewEvent, NexusError> {
    let internal = |why: &str| NexusError::Internal(format!("handler produced an unencodable event: {why}"));
    let mut value = serde_json::to_value(event).map_err(|e| internal(&e.to_string()))?;
    let object = value.as_object_mut().ok_or_else(|| internal("not an object"))?;
    let event_type = match object.remove("type") {
        Some(Value::String(t)) => t,
        _ => return Err(internal("no \"type\" tag")),
    };
    let data = object.remove("data").unwrap_or_else(|| Value::Object(Default::default()));
    let data = serde_json::to_vec(&data).map_err(|e| internal(&e.to_string()))?;
    Ok(NewEvent { event_type, content_type: JSON_CONTENT_TYPE.into(), data })
}

/// The handlers a server knows, by aggregate type.
#[derive(Clone, Default)]
pub struct HandlerRegistry {
    handlers: BTreeMap<String, Arc<dyn CommandHandler>>,
}

impl HandlerRegistry {
    pub fn register(&mut self, handler: Arc<dyn CommandHandler>) {
        self.handlers.insert(handler.aggregate_type().to_string(), handler);
    }

    pub fn get(&self, aggregate_type: &str) -> Option<&Arc<dyn CommandHandler>> {
        self.handlers.get(aggregate_type)
    }

    /// Aggregate types, sorted.
    pub fn aggregate_types(&self) -> Vec<String> {
        self.handlers.keys().cloned().collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn CommandHandler>> {
        self.handlers.values()
    }
}
