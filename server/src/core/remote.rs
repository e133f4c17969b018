//! Remote command handlers: handlers that run in other processes, in any
//! language, and decide commands sent to them over a stream
//! (`HandlerService.Serve`; the transport lives in `api::handler`).
//!
//! The command bus loads the aggregate as for any handler, then asks
//! [`RemoteHandlers::decide`] instead of deciding in process. A request goes
//! to the registered instance with the fewest requests in flight; if that
//! instance disconnects or misses the deadline, the request goes to another
//! one, up to `max_attempts`, and then the command fails UNAVAILABLE. A
//! decision that comes too late is dropped. Nothing is applied twice: only
//! the bus appends, once per decision it takes, with event ids derived from
//! the command id.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use serde_json::Value;
use tokio::sync::{Notify, mpsc, oneshot};

use super::{
    aggregate::{AggregateState, CommandHandler, HandlerRegistry, NewEvent, SnapshotVersions},
    error::{FieldViolation, NexusError},
    model::{JSON_CONTENT_TYPE, RecordedEvent},
};

/// How long a command waits for an instance when none is connected.
const NO_INSTANCE_WAIT: Duration = Duration::from_secs(2);

/// Settings of remote handlers.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// How long one instance may take to decide.
    pub decide_timeout: Duration,
    /// How often an instance must be heard from; silent for three intervals, it is dropped.
    pub heartbeat_interval: Duration,
    /// Instances a command is sent to before it fails UNAVAILABLE.
    pub max_attempts: u32,
}

impl Default for RemoteConfig {
    fn default() -> Self {
        Self { decide_timeout: Duration::from_secs(5), heartbeat_interval: Duration::from_secs(5), max_attempts: 3 }
    }
}

/// What an instance says it handles.
#[derive(Debug, Clone)]
pub struct Registration {
    pub aggregate_type: String,
    pub command_types: Vec<String>,
    pub event_types: Vec<String>,
    pub instance_name: String,
    pub max_in_flight: usize,
}

/// A command for an instance to decide.
#[derive(Debug, Clone)]
pub struct DecideJob {
    pub request_id: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub stream_id: String,
    pub command_type: String,
    pub payload: Value,
    pub events: Arc<Vec<RecordedEvent>>,
    pub command_id: String,
    pub correlation_id: String,
    /// Microseconds since the epoch.
    pub deadline_micros: i64,
}

/// An instance's answer.
#[derive(Debug, Clone)]
pub enum Decision {
    Events(Vec<(String, Value)>),
    Rejected {
        reason: String,
        message: String,
        metadata: BTreeMap<String, String>,
    },
    /// An answer that is neither (a broken handler).
    Invalid(String),
}

/// The command as the bus hands it over.
#[derive(Debug, Clone)]
pub struct DecideInput {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub stream_id: String,
    pub command_type: String,
    pub payload: Value,
    pub events: Vec<RecordedEvent>,
    pub command_id: String,
    pub correlation_id: String,
}

/// One connected instance.
pub struct Instance {
    pub id: String,
    pub name: String,
    jobs: mpsc::Sender<DecideJob>,
    pending: Mutex<HashMap<String, oneshot::Sender<Decision>>>,
    in_flight: AtomicUsize,
    max_in_flight: usize,
    handled: AtomicU64,
}

impl Instance {
    /// Delivers a decision; `false` when nobody waits for it any more (late
    /// or unknown request id).
    pub fn complete(&self, request_id: &str, decision: Decision) -> bool {
        let waiter = self.pending.lock().ok().and_then(|mut p| p.remove(request_id));
        match waiter {
            Some(tx) => tx.send(decision).is_ok(),
            None => false,
        }
    }

    /// Decide requests this instance answered.
    pub fn handled(&self) -> u64 {
        self.handled.load(Ordering::Relaxed)
    }
}

/// The instances of one aggregate type.
struct RemoteType {
    aggregate_type: String,
    command_types: Vec<String>,
    event_types: Vec<String>,
    instances: Mutex<Vec<Arc<Instance>>>,
    /// Fires when an instance joins or a request finishes.
    changed: Notify,
}

impl RemoteType {
    /// The instance with the fewest requests in flight that has room,
    /// preferring ones not tried yet; ties are broken in turn, so idle
    /// instances share sequential commands too.
    fn pick(&self, exclude: &[String], turn: u64) -> Option<Arc<Instance>> {
        let instances = self.instances.lock().ok()?;
        let with_room = |i: &&Arc<Instance>| i.in_flight.load(Ordering::Relaxed) < i.max_in_flight;
        let fresh: Vec<&Arc<Instance>> =
            instances.iter().filter(with_room).filter(|i| !exclude.contains(&i.id)).collect();
        // Every instance was tried: any with room again.
        let candidates = if fresh.is_empty() { instances.iter().filter(with_room).collect() } else { fresh };
        let least = candidates.iter().map(|i| i.in_flight.load(Ordering::Relaxed)).min()?;
        let tied: Vec<&&Arc<Instance>> =
            candidates.iter().filter(|i| i.in_flight.load(Ordering::Relaxed) == least).collect();
        tied.get((turn % tied.len() as u64) as usize).map(|i| Arc::clone(i))
    }

    fn has_instances(&self) -> bool {
        self.instances.lock().is_ok_and(|i| !i.is_empty())
    }
}

/// The remote handlers a server knows, by aggregate type. A type stays
/// known after its last instance leaves, so its commands fail UNAVAILABLE
/// (retryable) rather than as an unknown type.
pub struct RemoteHandlers {
    types: Mutex<BTreeMap<String, Arc<RemoteType>>>,
    /// Types served in process; a remote handler cannot take them over.
    local: Vec<String>,
    config: RemoteConfig,
    next: AtomicU64,
}

impl RemoteHandlers {
    pub fn new(local: &HandlerRegistry, config: RemoteConfig) -> Self {
        Self { types: Mutex::default(), local: local.aggregate_types(), config, next: AtomicU64::new(1) }
    }

    pub fn config(&self) -> &RemoteConfig {
        &self.config
    }

    /// Registers an instance; its decide requests arrive on the receiver.
    pub fn register(
        &self,
        registration: Registration,
    ) -> Result<(Arc<Instance>, mpsc::Receiver<DecideJob>), NexusError> {
        let mut violations = Vec::new();
        let r = &registration;
        if r.aggregate_type.is_empty() {
            violations.push(FieldViolation::new("register.aggregate_type", "must not be empty"));
        } else if self.local.contains(&r.aggregate_type) {
            violations.push(FieldViolation::new(
                "register.aggregate_type",
                format!("{:?} is handled in process by this server", r.aggregate_type),
            ));
        }
        if r.command_types.is_empty() || r.command_types.iter().any(String::is_empty) {
            violations
                .push(FieldViolation::new("register.command_types", "name at least one command type, none empty"));
        }
        if r.event_types.is_empty() || r.event_types.iter().any(String::is_empty) {
            violations.push(FieldViolation::new("register.event_types", "name at least one event type, none empty"));
        }
        if !violations.is_empty() {
            return Err(NexusError::InvalidArgument(violations));
        }
        let mut commands = r.command_types.clone();
        commands.sort();
        commands.dedup();
        let mut events = r.event_types.clone();
        events.sort();
        events.dedup();

        let mut types = self.types.lock().map_err(|_| poisoned())?;
        let entry = types.entry(r.aggregate_type.clone()).or_insert_with(|| {
            Arc::new(RemoteType {
                aggregate_type: r.aggregate_type.clone(),
                command_types: commands.clone(),
                event_types: events.clone(),
                instances: Mutex::default(),
                changed: Notify::new(),
            })
        });
        if entry.command_types != commands || entry.event_types != events {
            if entry.has_instances() {
                return Err(NexusError::InvalidArgument(vec![FieldViolation::new(
                    "register",
                    format!(
                        "instances of {:?} already connected handle commands [{}] producing [{}]; every instance must declare the same",
                        r.aggregate_type,
                        entry.command_types.join(", "),
                        entry.event_types.join(", ")
                    ),
                )]));
            }
            // Nobody is connected: the new declaration replaces the old one.
            *entry = Arc::new(RemoteType {
                aggregate_type: r.aggregate_type.clone(),
                command_types: commands,
                event_types: events,
                instances: Mutex::default(),
                changed: Notify::new(),
            });
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{}-{n}", r.aggregate_type);
        let name = if r.instance_name.is_empty() { id.clone() } else { r.instance_name.clone() };
        let max_in_flight = r.max_in_flight.clamp(1, 1024);
        let (tx, rx) = mpsc::channel(max_in_flight);
        let instance = Arc::new(Instance {
            id,
            name,
            jobs: tx,
            pending: Mutex::default(),
            in_flight: AtomicUsize::new(0),
            max_in_flight,
            handled: AtomicU64::new(0),
        });
        entry.instances.lock().map_err(|_| poisoned())?.push(instance.clone());
        entry.changed.notify_waiters();
        tracing::info!(aggregate_type = %r.aggregate_type, instance = %instance.name, id = %instance.id, "remote handler instance registered");
        Ok((instance, rx))
    }

    /// Removes an instance; its waiting requests go to other instances.
    pub fn unregister(&self, instance: &Instance) {
        let types = match self.types.lock() {
            Ok(t) => t.values().cloned().collect::<Vec<_>>(),
            Err(_) => return,
        };
        for t in types {
            if let Ok(mut instances) = t.instances.lock() {
                instances.retain(|i| i.id != instance.id);
            }
            t.changed.notify_waiters();
        }
        // Dropping the senders wakes every waiter with "gone".
        if let Ok(mut pending) = instance.pending.lock() {
            pending.clear();
        }
        tracing::info!(instance = %instance.name, id = %instance.id, "remote handler instance left");
    }

    /// The handler of a remote aggregate type, for the bus.
    pub fn handler(self: &Arc<Self>, aggregate_type: &str) -> Option<Arc<dyn CommandHandler>> {
        let t = self.types.lock().ok()?.get(aggregate_type)?.clone();
        Some(Arc::new(RemoteCommandHandler { handlers: self.clone(), remote: t }))
    }

    /// Every remote aggregate type: (type, command types, event types, instances).
    pub fn describe(&self) -> Vec<(String, Vec<String>, Vec<String>, usize)> {
        let Ok(types) = self.types.lock() else { return Vec::new() };
        types
            .values()
            .map(|t| {
                let n = t.instances.lock().map(|i| i.len()).unwrap_or(0);
                (t.aggregate_type.clone(), t.command_types.clone(), t.event_types.clone(), n)
            })
            .collect()
    }

    async fn decide(&self, remote: &RemoteType, input: DecideInput) -> Result<Vec<NewEvent>, NexusError> {
        let events = Arc::new(input.events);
        let mut tried: Vec<String> = Vec::new();
        let mut last_problem = String::from("no instance is connected");
        for _ in 0..self.config.max_attempts {
            let Some(instance) = self.wait_for_instance(remote, &tried).await else { break };
            let request_id = format!("r{}", self.next.fetch_add(1, Ordering::Relaxed));
            let deadline = tokio::time::Instant::now() + self.config.decide_timeout;
            let deadline_micros = super::model::now_micros() + self.config.decide_timeout.as_micros() as i64;
            let (tx, rx) = oneshot::channel();
            if let Ok(mut pending) = instance.pending.lock() {
                pending.insert(request_id.clone(), tx);
            }
            instance.in_flight.fetch_add(1, Ordering::Relaxed);
            let job = DecideJob {
                request_id: request_id.clone(),
                aggregate_type: input.aggregate_type.clone(),
                aggregate_id: input.aggregate_id.clone(),
                stream_id: input.stream_id.clone(),
                command_type: input.command_type.clone(),
                payload: input.payload.clone(),
                events: events.clone(),
                command_id: input.command_id.clone(),
                correlation_id: input.correlation_id.clone(),
                deadline_micros,
            };
            let outcome = match instance.jobs.send(job).await {
                Ok(()) => match tokio::time::timeout_at(deadline, rx).await {
                    Ok(Ok(decision)) => Outcome::Decided(decision),
                    Ok(Err(_)) => Outcome::Gone,
                    Err(_) => Outcome::Late,
                },
                Err(_) => Outcome::Gone,
            };
            instance.in_flight.fetch_sub(1, Ordering::Relaxed);
            if let Ok(mut pending) = instance.pending.lock() {
                pending.remove(&request_id);
            }
            remote.changed.notify_waiters();
            match outcome {
                Outcome::Decided(decision) => {
                    instance.handled.fetch_add(1, Ordering::Relaxed);
                    return self.accept(remote, &instance, decision);
                }
                Outcome::Gone => {
                    last_problem = format!("instance {} left before it decided", instance.name);
                    tracing::warn!(instance = %instance.name, stream_id = %input.stream_id, "remote handler left mid-request; trying another instance");
                }
                Outcome::Late => {
                    last_problem =
                        format!("instance {} did not decide within {:?}", instance.name, self.config.decide_timeout);
                    tracing::warn!(instance = %instance.name, stream_id = %input.stream_id, "remote handler missed its deadline; trying another instance");
                }
            }
            tried.push(instance.id.clone());
        }
        Err(NexusError::HandlerUnavailable { aggregate_type: remote.aggregate_type.clone(), detail: last_problem })
    }

    /// An instance with room, waiting up to the decide timeout for one.
    async fn wait_for_instance(&self, remote: &RemoteType, tried: &[String]) -> Option<Arc<Instance>> {
        let deadline = tokio::time::Instant::now() + self.config.decide_timeout;
        loop {
            let changed = remote.changed.notified();
            if let Some(instance) = remote.pick(tried, self.next.fetch_add(1, Ordering::Relaxed)) {
                return Some(instance);
            }
            // With no instance connected at all, wait only briefly (one may
            // be reconnecting): the caller gets UNAVAILABLE and retries.
            let wait_until = if remote.has_instances() {
                deadline
            } else {
                deadline.min(tokio::time::Instant::now() + NO_INSTANCE_WAIT)
            };
            if tokio::time::timeout_at(wait_until, changed).await.is_err() {
                if remote.has_instances() && tokio::time::Instant::now() < deadline {
                    continue;
                }
                return None;
            }
        }
    }

    fn accept(
        &self,
        remote: &RemoteType,
        instance: &Instance,
        decision: Decision,
    ) -> Result<Vec<NewEvent>, NexusError> {
        match decision {
            Decision::Invalid(why) => {
                Err(NexusError::HandlerFailed(format!("remote handler {} answered badly: {why}", instance.name)))
            }
            Decision::Rejected { reason, message, metadata } => {
                Err(NexusError::HandlerRejected { reason: rejection_reason(reason), message, metadata })
            }
            Decision::Events(events) => events
                .into_iter()
                .map(|(event_type, data)| {
                    if !remote.event_types.contains(&event_type) {
                        return Err(NexusError::HandlerFailed(format!(
                            "remote handler {} produced event type {event_type:?}, which it did not declare ({})",
                            instance.name,
                            remote.event_types.join(", ")
                        )));
                    }
                    let data = serde_json::to_vec(&data)
                        .map_err(|e| NexusError::HandlerFailed(format!("event data does not serialize: {e}")))?;
                    Ok(NewEvent { event_type, content_type: JSON_CONTENT_TYPE.into(), data })
                })
                .collect(),
        }
    }
}

/// A rejection's reason as given, when it is UPPER_SNAKE_CASE; otherwise
/// the generic one (the handler's text stays in the message).
fn rejection_reason(reason: String) -> String {
    let valid = !reason.is_empty()
        && reason.len() <= 64
        && reason.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if valid { reason } else { "REJECTED".to_string() }
}

/// How one attempt ended.
enum Outcome {
    Decided(Decision),
    /// The instance left (or its queue closed) before it decided.
    Gone,
    /// The deadline passed; a late decision is dropped.
    Late,
}

fn poisoned() -> NexusError {
    NexusError::Internal("remote handler registry lock poisoned".into())
}

/// The bus's view of a remote aggregate type.
struct RemoteCommandHandler {
    handlers: Arc<RemoteHandlers>,
    remote: Arc<RemoteType>,
}

impl CommandHandler for RemoteCommandHandler {
    fn aggregate_type(&self) -> &str {
        &self.remote.aggregate_type
    }

    fn command_types(&self) -> Vec<String> {
        self.remote.command_types.clone()
    }

    fn event_types(&self) -> Vec<String> {
        self.remote.event_types.clone()
    }

    fn snapshot_versions(&self) -> SnapshotVersions {
        // Never matches a snapshot: remote aggregates are not snapshotted.
        SnapshotVersions { state_schema: u32::MAX, handler: u32::MAX }
    }

    fn restore(&self, _snapshot: Option<&[u8]>) -> Result<Box<dyn AggregateState>, NexusError> {
        Ok(Box::new(History(Vec::new())))
    }

    fn remote(&self) -> Option<RemoteDecider> {
        Some(RemoteDecider { handlers: self.handlers.clone(), remote: self.remote.clone() })
    }
}

/// Decides through the instances of one remote aggregate type.
pub struct RemoteDecider {
    handlers: Arc<RemoteHandlers>,
    remote: Arc<RemoteType>,
}

impl RemoteDecider {
    pub async fn decide(&self, input: DecideInput) -> Result<Vec<NewEvent>, NexusError> {
        self.handlers.decide(&self.remote, input).await
    }
}

/// A remote aggregate's "state" in Nexus: its events, sent to the handler.
struct History(Vec<RecordedEvent>);

impl AggregateState for History {
    fn evolve(&mut self, event: &RecordedEvent) -> Result<(), NexusError> {
        self.0.push(event.clone());
        Ok(())
    }

    fn decide(&self, _command_type: &str, _payload: Value) -> Result<Vec<NewEvent>, NexusError> {
        Err(NexusError::Internal("a remote aggregate is decided by its handler, not in process".into()))
    }

    fn serialize(&self) -> Result<Vec<u8>, NexusError> {
        Err(NexusError::Internal("remote aggregates are not snapshotted".into()))
    }

    fn to_json(&self) -> Result<Value, NexusError> {
        Err(NexusError::Internal("the state of a remote aggregate lives in its handler".into()))
    }

    fn history(&self) -> Option<&[RecordedEvent]> {
        Some(&self.0)
    }
}
