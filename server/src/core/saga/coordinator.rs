//! The saga coordinator: a durable state machine per saga.
//!
//! Every transition is stored (with the saga's new state) before the
//! coordinator acts on it, and every command's id is derived from the saga
//! id, the step and the phase (do or compensate). A saga interrupted at any
//! point (a crash, a shutdown) resumes at the next start from its stored
//! state; a command it sends again is recognised by the command pipeline
//! (which derives its event ids from the command id) and not applied twice.
//!
//! When a step fails (a business refusal, retries exhausted) or times out,
//! the completed steps are compensated newest first. The step that was
//! running is compensated too if, once it settled, its command turns out to
//! have taken effect (a timed-out command may still have been applied).

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use serde_json::Value;
use tokio::sync::{Mutex, RwLock, broadcast};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use super::{
    Saga, SagaFilter, SagaPage, SagaPrincipal, SagaStatus, SagaStore, SagaStoreError, SagaTransition, TransitionKind,
    definition::{CommandTemplate, DefinitionError, SagaDefinition, StepDefinition},
    now_millis,
};
use crate::core::{
    command::{CommandBus, CommandOutcome, CommandRequest},
    error::{FieldViolation, NexusError},
    model::{AllFrom, Direction, EventFilter, ReadAllQuery, RecordedEvent},
    ports::{EventStore, StoreError, head_position},
    principal::Principal,
    trace_context, validate,
};

/// Namespace of the command ids derived from saga ids (UUIDv5).
const SAGA_COMMAND_NAMESPACE: Uuid = Uuid::from_u128(0x6e65_7875_732d_5361_8761_2d63_6d64_7331);

/// How long a driver waits before reading a saga again after its store
/// failed.
const STORE_RETRY: Duration = Duration::from_millis(500);

/// Namespace of the ids of sagas started by events (UUIDv5 of definition
/// and event id), so an event starts a definition's saga once.
const SAGA_TRIGGER_NAMESPACE: Uuid = Uuid::from_u128(0x6e65_7875_732d_5361_8761_2d74_7267_7231);

/// The subject event-triggered sagas run as.
pub const TRIGGER_SUBJECT: &str = "system:saga-trigger";

/// Events read per page by the trigger loop.
const TRIGGER_PAGE: usize = 256;

/// Whether a command does a step or undoes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Do,
    Compensate,
}

/// The id of the command of `step` in `phase` of a saga: the same on every
/// attempt and after every restart, so the command pipeline applies it once.
pub fn command_id(saga_id: &str, step: u32, phase: Phase) -> String {
    let phase = match phase {
        Phase::Do => "do",
        Phase::Compensate => "compensate",
    };
    Uuid::new_v5(&SAGA_COMMAND_NAMESPACE, format!("{saga_id}\n{step}\n{phase}").as_bytes()).to_string()
}

/// Errors of the coordinator's operations.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SagaError {
    #[error("invalid request: {}", .0.iter().map(|v| format!("{}: {}", v.field, v.description)).collect::<Vec<_>>().join("; "))]
    InvalidArgument(Vec<FieldViolation>),
    #[error(transparent)]
    InvalidDefinition(#[from] DefinitionError),
    #[error("unknown saga definition {0:?}")]
    UnknownDefinition(String),
    #[error("saga {0} not found")]
    NotFound(String),
    /// A saga with this id exists with another definition or input.
    #[error("saga {0} already exists with another definition or input")]
    AlreadyExists(String),
    /// The saga is not in a status the operation applies to.
    #[error("saga {saga_id} is {}: {message}", status.as_str())]
    WrongStatus { saga_id: String, status: SagaStatus, reason: &'static str, message: &'static str },
    #[error(transparent)]
    Store(#[from] SagaStoreError),
}

/// How a step or a compensation ended.
enum StepOutcome {
    Succeeded,
    /// Failed for good, with the error to record.
    Failed(String),
    /// The server is shutting down: nothing is recorded, the saga resumes
    /// at the next start.
    Interrupted,
}

/// Where a saga definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionSource {
    /// The `sagas/` folder.
    File,
    /// RegisterSagaDefinition.
    Api,
}

/// Drives sagas. One driver task per active saga.
pub struct SagaCoordinator {
    store: Arc<dyn SagaStore>,
    commands: Arc<CommandBus>,
    definitions: RwLock<BTreeMap<String, (SagaDefinition, DefinitionSource)>>,
    /// One lock per saga serializes its transitions, so a cancel and a
    /// driver never both write from the same version (sagas do not wait for
    /// each other, so their writes group-commit).
    locks: std::sync::Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// The cancel signal of every saga a driver runs.
    drivers: std::sync::Mutex<HashMap<String, CancellationToken>>,
    /// The version of each driven saga this coordinator wrote last: a saga
    /// found further on, in the same status, is driven by another replica.
    written: std::sync::Mutex<HashMap<String, u64>>,
    transitions: broadcast::Sender<SagaTransition>,
    shutdown: CancellationToken,
}

impl SagaCoordinator {
    /// A coordinator over `store`, sending commands through `commands`,
    /// knowing the definitions of the `sagas/` folder (`files`) and those
    /// registered earlier through the API. Drivers stop at `shutdown`.
    pub async fn new(
        store: Arc<dyn SagaStore>,
        commands: Arc<CommandBus>,
        files: Vec<SagaDefinition>,
        shutdown: CancellationToken,
    ) -> Result<Arc<Self>, SagaError> {
        let mut definitions = BTreeMap::new();
        for definition in store.definitions().await? {
            definitions.insert(definition.name.clone(), (definition, DefinitionSource::Api));
        }
        for definition in files {
            definition.validate()?;
            definitions.insert(definition.name.clone(), (definition, DefinitionSource::File));
        }
        let (transitions, _) = broadcast::channel(1024);
        Ok(Arc::new(Self {
            store,
            commands,
            definitions: RwLock::new(definitions),
            locks: std::sync::Mutex::new(HashMap::new()),
            drivers: std::sync::Mutex::new(HashMap::new()),
            written: std::sync::Mutex::new(HashMap::new()),
            transitions,
            shutdown,
        }))
    }

    /// Starts a driver for every RUNNING or COMPENSATING saga; returns how
    /// many.
    /// The saga store (for the saga gauges).
    pub fn store(&self) -> &Arc<dyn SagaStore> {
        &self.store
    }

    pub async fn resume(self: &Arc<Self>) -> Result<usize, SagaError> {
        let active = self.store.active().await?;
        for saga in &active {
            tracing::info!(saga_id = %saga.saga_id, status = saga.status.as_str(), "resuming saga");
            self.spawn(&saga.saga_id);
        }
        Ok(active.len())
    }

    /// Registers (or replaces) a definition. A definition of the `sagas/`
    /// folder cannot be replaced through the API.
    pub async fn register(&self, definition: SagaDefinition) -> Result<(), SagaError> {
        definition.validate()?;
        if let Some((_, DefinitionSource::File)) = self.definitions.read().await.get(&definition.name) {
            return Err(SagaError::InvalidArgument(vec![FieldViolation::new(
                "definition.name",
                "names a definition of the sagas folder, which only the folder can change",
            )]));
        }
        self.store.put_definition(&definition).await?;
        self.definitions.write().await.insert(definition.name.clone(), (definition, DefinitionSource::Api));
        Ok(())
    }

    /// Every known definition, by name.
    pub async fn definitions(&self) -> Vec<(SagaDefinition, DefinitionSource)> {
        self.definitions.read().await.values().cloned().collect()
    }

    /// Starts a saga of `definition` with `data`, run as `principal`.
    /// `saga_id` (a client's request id) makes the start idempotent: starting
    /// the same id with the same definition and data returns the saga.
    pub async fn start(
        self: &Arc<Self>,
        definition: &str,
        saga_id: Option<String>,
        data: Value,
        principal: &Principal,
    ) -> Result<Saga, SagaError> {
        let mut violations = Vec::new();
        if let Some(id) = &saga_id {
            validate::aggregate_id("saga_id", id, &mut violations);
        }
        if !data.is_object() {
            violations.push(FieldViolation::new("input", "must be a JSON object"));
        }
        if !violations.is_empty() {
            return Err(SagaError::InvalidArgument(violations));
        }
        let definition = match self.definitions.read().await.get(definition) {
            Some((definition, _)) => definition.clone(),
            None => return Err(SagaError::UnknownDefinition(definition.to_owned())),
        };
        let saga_id = saga_id.unwrap_or_else(|| Uuid::now_v7().to_string());
        let now = now_millis();
        let saga = Saga {
            saga_id: saga_id.clone(),
            definition,
            data,
            principal: SagaPrincipal::from(principal),
            status: SagaStatus::Running,
            completed_steps: 0,
            to_compensate: 0,
            cancelled: false,
            error: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let started = SagaTransition {
            saga_id: saga_id.clone(),
            version: 1,
            kind: TransitionKind::Started,
            status: SagaStatus::Running,
            step: None,
            attempt: 0,
            error: None,
            at: now,
        };
        match self.store.create(&saga, &started).await {
            Ok(()) => {
                let _ = self.transitions.send(started);
                self.spawn(&saga_id);
                Ok(saga)
            }
            Err(SagaStoreError::AlreadyExists(_)) => {
                let existing = self.get(&saga_id).await?;
                let same = existing.definition.name == saga.definition.name
                    && existing.data == saga.data
                    && existing.principal.tenant == saga.principal.tenant;
                if same { Ok(existing) } else { Err(SagaError::AlreadyExists(saga_id)) }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One saga.
    pub async fn get(&self, saga_id: &str) -> Result<Saga, SagaError> {
        self.store.get(saga_id).await?.ok_or_else(|| SagaError::NotFound(saga_id.to_owned()))
    }

    /// A saga's transitions in order.
    pub async fn history(&self, saga_id: &str) -> Result<Vec<SagaTransition>, SagaError> {
        Ok(self.store.history(saga_id).await?)
    }

    /// One page of sagas.
    pub async fn list(&self, filter: &SagaFilter, after: Option<&str>, limit: usize) -> Result<SagaPage, SagaError> {
        Ok(self.store.list(filter, after, limit).await?)
    }

    /// Every transition from now on, of every saga.
    pub fn watch(&self) -> broadcast::Receiver<SagaTransition> {
        self.transitions.subscribe()
    }

    /// Cancels a RUNNING saga: its completed steps are compensated and it
    /// ends CANCELLED. Cancelling a saga already cancelled returns it.
    pub async fn cancel(self: &Arc<Self>, saga_id: &str) -> Result<Saga, SagaError> {
        let saga = self.get(saga_id).await?;
        if saga.cancelled {
            return Ok(saga);
        }
        if saga.status != SagaStatus::Running {
            return Err(SagaError::WrongStatus {
                saga_id: saga_id.to_owned(),
                status: saga.status,
                reason: "SAGA_NOT_RUNNING",
                message: "only a RUNNING saga can be cancelled",
            });
        }
        let steps = saga.definition.steps.len() as u32;
        let record = Record::new(TransitionKind::CancelRequested);
        let updated = self
            .transition(&saga, record, |s| {
                s.status = SagaStatus::Compensating;
                s.cancelled = true;
                s.to_compensate = (s.completed_steps + 1).min(steps);
                s.error = Some("cancelled".into());
            })
            .await?;
        match updated {
            Some(saga) => {
                if let Some(token) = self.driver_token(saga_id) {
                    token.cancel();
                }
                self.spawn(saga_id);
                Ok(saga)
            }
            // The driver moved first; look again.
            None => Box::pin(self.cancel(saga_id)).await,
        }
    }

    /// Retries the compensations of a FAILED saga, from the one that failed.
    pub async fn retry(self: &Arc<Self>, saga_id: &str) -> Result<Saga, SagaError> {
        let saga = self.get(saga_id).await?;
        if saga.status != SagaStatus::Failed {
            return Err(SagaError::WrongStatus {
                saga_id: saga_id.to_owned(),
                status: saga.status,
                reason: "SAGA_NOT_FAILED",
                message: "only a FAILED saga can be retried",
            });
        }
        match self
            .transition(&saga, Record::new(TransitionKind::Retried), |s| s.status = SagaStatus::Compensating)
            .await?
        {
            Some(saga) => {
                self.spawn(saga_id);
                Ok(saga)
            }
            None => Box::pin(self.retry(saga_id)).await,
        }
    }

    /// Starts the loop that starts a saga for every event of a type some
    /// definition's trigger names. It follows the log from the stored
    /// trigger position (the log's head when there is none yet, so history
    /// written before triggers existed starts nothing) and stores the
    /// position after each page; a saga's id is derived from its definition
    /// and the event, so an event seen again after a crash starts nothing new.
    /// Runs until `stop` (the server's shutdown, or the loss of the lease
    /// that lets one replica of several run triggers).
    pub fn start_triggers(
        self: &Arc<Self>,
        log: Arc<dyn EventStore>,
        stop: CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            while !stop.is_cancelled() {
                match this.follow_triggers(log.as_ref(), &stop).await {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%error, "saga triggers stopped; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(STORE_RETRY) => {}
                            _ = stop.cancelled() => return,
                        }
                    }
                }
            }
        })
    }

    /// Drives active sagas that no replica has moved for `quiet` (their
    /// driver's replica died) until `stop`; checks every `quiet / 4`. Two
    /// drivers of one saga are safe: each transition is a conditional write
    /// on the saga's version (the loser reads the saga again) and a step's
    /// command id is derived from the saga, so a command sent twice takes
    /// effect once. Run by one replica at a time (the triggers' lease).
    pub fn start_adopting(self: &Arc<Self>, quiet: Duration, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let every = (quiet / 4).max(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop.cancelled() => return,
                }
                match this.adopt_stale(quiet).await {
                    Ok(0) => {}
                    Ok(adopted) => tracing::info!(adopted, "adopted sagas whose driver went quiet"),
                    Err(error) => tracing::warn!(%error, "cannot look for sagas to adopt; retrying"),
                }
            }
        })
    }

    /// Starts a driver here for every active saga not moved for `quiet`
    /// and not driven here already; returns how many.
    pub async fn adopt_stale(self: &Arc<Self>, quiet: Duration) -> Result<usize, SagaError> {
        let before = now_millis() - i64::try_from(quiet.as_millis()).unwrap_or(i64::MAX);
        let mut adopted = 0;
        for saga in self.store.active().await? {
            let driven = self.drivers.lock().map(|d| d.contains_key(&saga.saga_id)).unwrap_or(true);
            if saga.updated_at < before && !driven {
                tracing::info!(saga_id = %saga.saga_id, status = saga.status.as_str(), "adopting saga");
                self.spawn(&saga.saga_id);
                adopted += 1;
            }
        }
        Ok(adopted)
    }

    async fn follow_triggers(self: &Arc<Self>, log: &dyn EventStore, stop: &CancellationToken) -> Result<(), String> {
        let mut commits = log.commits();
        let mut from = match self.store.trigger_position().await.map_err(|e| e.to_string())? {
            Some(token) => AllFrom::After(log.resolve_position(&token).map_err(|e| e.to_string())?),
            None => match head_position(log).await.map_err(|e| e.to_string())? {
                Some(head) => {
                    self.store.set_trigger_position(&head.token).await.map_err(|e| e.to_string())?;
                    AllFrom::After(head)
                }
                None => AllFrom::Start,
            },
        };
        loop {
            let triggers: Vec<(String, SagaDefinition)> = self
                .definitions
                .read()
                .await
                .values()
                .filter_map(|(d, _)| d.trigger.event_type.clone().map(|t| (t, d.clone())))
                .collect();
            let mut end_of_log = true;
            if triggers.is_empty() {
                // Nothing to start: keep up with the head, so a trigger
                // registered later starts sagas for events from then on only.
                let head = head_position(log).await.map_err(|e| e.to_string())?;
                if let Some(head) = head
                    && !matches!(&from, AllFrom::After(p) if p.token == head.token)
                {
                    self.store.set_trigger_position(&head.token).await.map_err(|e| e.to_string())?;
                    from = AllFrom::After(head);
                }
            } else {
                let query = ReadAllQuery {
                    from: from.clone(),
                    direction: Direction::Forwards,
                    limit: TRIGGER_PAGE,
                    filter: EventFilter {
                        event_type_prefixes: triggers.iter().map(|(t, _)| t.clone()).collect(),
                        stream_prefixes: Vec::new(),
                    },
                };
                let slice = log.read_all(query).await.map_err(|e| e.to_string())?;
                for event in &slice.events {
                    for (_, definition) in triggers.iter().filter(|(t, _)| *t == event.event_type) {
                        let started = self.start_for_event(definition, event);
                        let started = match trace_context::recorded(&event.metadata.custom) {
                            // The event's trace is not sampled (or it has
                            // none): neither is the saga it starts, where it
                            // would be a trace of its own (the driver carries
                            // the decision on).
                            trace_context::Recorded::Unsampled(trace_id) => {
                                trace_context::within(Some(trace_id), started).await
                            }
                            trace_context::Recorded::Untraced => {
                                trace_context::within(Some(trace_context::new_trace_id()), started).await
                            }
                            trace_context::Recorded::Sampled => {
                                let span = tracing::debug_span!(
                                    "saga.trigger",
                                    definition = %definition.name,
                                    event_type = %event.event_type,
                                    stream = %event.stream_id,
                                );
                                trace_context::follow(&span, &event.metadata.custom);
                                started.instrument(span).await
                            }
                        };
                        started.map_err(|e| e.to_string())?;
                    }
                }
                if let Some(next) = slice.next {
                    self.store.set_trigger_position(&next.token).await.map_err(|e| e.to_string())?;
                    from = AllFrom::After(next);
                }
                end_of_log = slice.end_of_log;
            }
            if end_of_log {
                tokio::select! {
                    _ = commits.recv() => {}
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.cancelled() => return Ok(()),
                }
            }
        }
    }

    /// Starts `definition`'s saga for `event`, once. An event whose payload
    /// is not a JSON object is skipped with a warning.
    async fn start_for_event(
        self: &Arc<Self>,
        definition: &SagaDefinition,
        event: &RecordedEvent,
    ) -> Result<(), SagaError> {
        let Ok(data) = serde_json::from_slice::<Value>(&event.data) else {
            tracing::warn!(event_id = %event.event_id, definition = %definition.name, "trigger event is not JSON; no saga");
            return Ok(());
        };
        let input = serde_json::json!({
            "event_id": event.event_id.to_string(),
            "event_type": event.event_type,
            "stream_id": event.stream_id,
            "data": data,
        });
        let saga_id =
            Uuid::new_v5(&SAGA_TRIGGER_NAMESPACE, format!("{}\n{}", definition.name, event.event_id).as_bytes());
        let principal = Principal {
            subject: TRIGGER_SUBJECT.to_owned(),
            tenant: event.metadata.tenant_id.clone(),
            roles: vec!["admin".to_owned()],
            scopes: Vec::new(),
            authenticated: true,
        };
        match self.start(&definition.name, Some(saga_id.to_string()), input, &principal).await {
            Ok(saga) => {
                tracing::info!(saga_id = %saga.saga_id, definition = %definition.name, event_id = %event.event_id, "saga started by an event");
                Ok(())
            }
            Err(SagaError::Store(e)) => Err(SagaError::Store(e)),
            Err(error) => {
                tracing::warn!(%error, event_id = %event.event_id, definition = %definition.name, "event did not start a saga");
                Ok(())
            }
        }
    }

    fn driver_token(&self, saga_id: &str) -> Option<CancellationToken> {
        self.drivers.lock().ok().and_then(|d| d.get(saga_id).cloned())
    }

    /// Starts a driver for the saga unless one runs.
    fn spawn(self: &Arc<Self>, saga_id: &str) {
        let Ok(mut drivers) = self.drivers.lock() else { return };
        if drivers.contains_key(saga_id) {
            return;
        }
        drivers.insert(saga_id.to_owned(), self.shutdown.child_token());
        drop(drivers);
        let this = self.clone();
        let saga_id = saga_id.to_owned();
        // The driver's spans hang under whatever started the saga (the
        // StartSaga call, or the triggering event's producer).
        let span = tracing::debug_span!("saga", saga_id = %saga_id);
        // (Under the starter's sampling decision too: the driver of a saga
        // started by an unsampled call exports nothing.)
        tokio::spawn(trace_context::carry(async move {
            this.drive(&saga_id).instrument(span).await;
            if let Ok(mut drivers) = this.drivers.lock() {
                drivers.remove(&saga_id);
            }
            if let Ok(mut locks) = this.locks.lock() {
                locks.remove(&saga_id);
            }
            if let Ok(mut written) = this.written.lock() {
                written.remove(&saga_id);
            }
        }));
    }

    /// Stores one transition of `saga` (read at its version) and the state
    /// `change` makes. `None` when the stored saga moved on meanwhile (a
    /// cancel): nothing is written and the caller reads it again.
    async fn transition(
        &self,
        saga: &Saga,
        record: Record,
        change: impl FnOnce(&mut Saga),
    ) -> Result<Option<Saga>, SagaStoreError> {
        let lock = match self.locks.lock() {
            Ok(mut locks) => locks.entry(saga.saga_id.clone()).or_default().clone(),
            Err(_) => return Err(SagaStoreError::Internal("saga locks poisoned".into())),
        };
        let _write = lock.lock().await;
        let Some(mut current) = self.store.get(&saga.saga_id).await? else {
            return Err(SagaStoreError::NotFound(saga.saga_id.clone()));
        };
        if current.version != saga.version {
            return Ok(None);
        }
        change(&mut current);
        let now = now_millis();
        current.version += 1;
        current.updated_at = now;
        let transition = SagaTransition {
            saga_id: current.saga_id.clone(),
            version: current.version,
            kind: record.kind,
            status: current.status,
            step: record.step,
            attempt: record.attempt,
            error: record.error,
            at: now,
        };
        match self.store.update(&current, &transition).await {
            Ok(()) => {
                if let Ok(mut written) = self.written.lock() {
                    written.insert(current.saga_id.clone(), current.version);
                }
                tracing::debug!(
                    saga_id = %current.saga_id,
                    kind = ?transition.kind,
                    status = current.status.as_str(),
                    step = ?transition.step,
                    "saga transition"
                );
                if current.status != saga.status && current.status.is_terminal() {
                    let status = current.status.as_str().to_ascii_lowercase();
                    crate::core::metrics::metrics()
                        .sagas_finished
                        .add(1, &[opentelemetry::KeyValue::new("status", status)]);
                }
                let _ = self.transitions.send(transition);
                Ok(Some(current))
            }
            Err(SagaStoreError::Conflict { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Runs a saga until it reaches a final status or the server stops.
    async fn drive(self: &Arc<Self>, saga_id: &str) {
        let mut seen = None;
        loop {
            if self.shutdown.is_cancelled() {
                return;
            }
            let saga = match self.store.get(saga_id).await {
                Ok(Some(saga)) => saga,
                Ok(None) => return,
                Err(e) => {
                    tracing::warn!(saga_id, error = %e, "cannot read saga; retrying");
                    tokio::time::sleep(STORE_RETRY).await;
                    continue;
                }
            };
            // Moved on past what this driver wrote, with no change of status
            // (a cancel or a retry changes it): another replica drives it
            // (it adopted the saga, thinking this one dead). Two drivers
            // would restart each other's steps, so this one leaves; should
            // the other die too, the saga is adopted again.
            let wrote = self.written.lock().ok().and_then(|w| w.get(saga_id).copied());
            if seen == Some((saga.status, saga.cancelled)) && wrote.is_some_and(|v| saga.version > v) {
                tracing::info!(saga_id, "another replica drives the saga; leaving it to it");
                return;
            }
            seen = Some((saga.status, saga.cancelled));
            let result = match saga.status {
                SagaStatus::Running => self.advance(&saga).await,
                SagaStatus::Compensating => self.compensate_next(&saga).await,
                _ => return,
            };
            match result {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(saga_id, error = %e, "cannot store saga transition; retrying");
                    tokio::time::sleep(STORE_RETRY).await;
                }
            }
        }
    }

    /// One forward move of a RUNNING saga. `Ok(false)`: stop driving.
    async fn advance(self: &Arc<Self>, saga: &Saga) -> Result<bool, SagaStoreError> {
        let steps = &saga.definition.steps;
        let index = saga.completed_steps;
        let Some(step) = steps.get(index as usize) else {
            let finished = Record::new(TransitionKind::Finished);
            self.transition(saga, finished, |s| s.status = SagaStatus::Completed).await?;
            return Ok(true);
        };
        let started = Record::step(TransitionKind::StepStarted, index, 1);
        let Some(saga) = self.transition(saga, started, |_| {}).await? else { return Ok(true) };
        let token = self.driver_token(&saga.saga_id).unwrap_or_default();
        let outcome = self.run_step(&saga, index, step, &step.command, Phase::Do, &token).await?;
        let Some(saga) = outcome.1 else { return Ok(true) };
        match outcome.0 {
            StepOutcome::Succeeded => {
                let record = Record::step(TransitionKind::StepSucceeded, index, 0);
                self.transition(&saga, record, |s| s.completed_steps += 1).await?;
            }
            StepOutcome::Failed(error) => {
                tracing::info!(saga_id = %saga.saga_id, step = %step.name, %error, "saga step failed; compensating");
                let record =
                    Record { error: Some(error.clone()), ..Record::step(TransitionKind::StepFailed, index, 0) };
                self.transition(&saga, record, |s| {
                    s.status = SagaStatus::Compensating;
                    s.to_compensate = index + 1;
                    s.error = Some(format!("step {}: {error}", step.name));
                })
                .await?;
            }
            StepOutcome::Interrupted => return Ok(false),
        }
        Ok(true)
    }

    /// One compensation of a COMPENSATING saga. `Ok(false)`: stop driving.
    async fn compensate_next(self: &Arc<Self>, saga: &Saga) -> Result<bool, SagaStoreError> {
        if saga.to_compensate == 0 {
            let status = if saga.cancelled { SagaStatus::Cancelled } else { SagaStatus::Compensated };
            self.transition(saga, Record::new(TransitionKind::Finished), |s| s.status = status).await?;
            return Ok(true);
        }
        let index = saga.to_compensate - 1;
        let step = &saga.definition.steps[index as usize];
        let skip = |saga: &Saga| {
            let record = Record::step(TransitionKind::CompensationSkipped, index, 0);
            let saga = saga.clone();
            async move { self.transition(&saga, record, |s| s.to_compensate -= 1).await.map(|_| true) }
        };
        let Some(compensation) = &step.compensation else { return skip(saga).await };
        if index >= saga.completed_steps {
            // The step that was running when the saga failed: undo it only if
            // its command took effect. Nothing of it is in flight any more
            // (its driver waited for it, or the process restarted).
            match self.took_effect(saga, index, &step.command).await {
                Ok(true) => {}
                Ok(false) => return skip(saga).await,
                Err(error) => {
                    tracing::warn!(saga_id = %saga.saga_id, %error, "cannot tell whether a step took effect; retrying");
                    tokio::time::sleep(STORE_RETRY).await;
                    return Ok(true);
                }
            }
        }
        let started = Record::step(TransitionKind::CompensationStarted, index, 1);
        let Some(saga) = self.transition(saga, started, |_| {}).await? else { return Ok(true) };
        // A compensation is not cancelled: only a shutdown interrupts it.
        let token = self.shutdown.child_token();
        let (outcome, saga) = self.run_step(&saga, index, step, compensation, Phase::Compensate, &token).await?;
        let Some(saga) = saga else { return Ok(true) };
        match outcome {
            StepOutcome::Succeeded => {
                let record = Record::step(TransitionKind::CompensationSucceeded, index, 0);
                self.transition(&saga, record, |s| s.to_compensate -= 1).await?;
            }
            StepOutcome::Failed(error) => {
                tracing::error!(saga_id = %saga.saga_id, step = %step.name, %error, "saga compensation failed");
                let record =
                    Record { error: Some(error.clone()), ..Record::step(TransitionKind::CompensationFailed, index, 0) };
                self.transition(&saga, record, |s| {
                    s.status = SagaStatus::Failed;
                    s.error = Some(format!("compensation of step {}: {error}", step.name));
                })
                .await?;
            }
            StepOutcome::Interrupted => return Ok(false),
        }
        Ok(true)
    }

    /// Whether the command of step `index` took effect.
    async fn took_effect(&self, saga: &Saga, index: u32, template: &CommandTemplate) -> Result<bool, NexusError> {
        let Ok(command) = template.build(&saga.data) else { return Ok(false) };
        let id = command_id(&saga.saga_id, index, Phase::Do);
        self.commands.was_executed(&saga.principal.tenant, &command.aggregate_type, &command.aggregate_id, &id).await
    }

    /// Runs a step's command (or its compensation) with its delay, retries
    /// and timeout; records each retry. Returns the outcome and the saga as
    /// last stored (`None` if it moved on meanwhile).
    #[tracing::instrument(
        level = "debug",
        name = "saga.step",
        skip_all,
        fields(saga_id = %saga.saga_id, step = index, phase = ?phase)
    )]
    async fn run_step(
        &self,
        saga: &Saga,
        index: u32,
        step: &StepDefinition,
        template: &CommandTemplate,
        phase: Phase,
        cancel: &CancellationToken,
    ) -> Result<(StepOutcome, Option<Saga>), SagaStoreError> {
        let deadline = tokio::time::Instant::now() + step.timeout;
        let timed_out = || format!("timed out after {}", humantime::format_duration(step.timeout));
        let mut saga = saga.clone();
        if !step.delay.is_zero() {
            tokio::select! {
                biased;
                _ = tokio::time::sleep_until(deadline) => return Ok((StepOutcome::Failed(timed_out()), Some(saga))),
                _ = tokio::time::sleep(step.delay) => {}
                _ = cancel.cancelled() => return Ok((self.stopped(), Some(saga))),
            }
        }
        let command = match template.build(&saga.data) {
            Ok(command) => command,
            Err(error) => return Ok((StepOutcome::Failed(format!("cannot build the command: {error}")), Some(saga))),
        };
        let request = CommandRequest {
            aggregate_type: command.aggregate_type,
            aggregate_id: command.aggregate_id,
            command_type: command.command_type,
            payload: command.payload,
            expected: None,
            command_id: Some(command_id(&saga.saga_id, index, phase)),
            correlation_id: Some(saga.saga_id.clone()),
            causation_id: Some(saga.saga_id.clone()),
            principal: Principal::from(&saga.principal),
            custom_metadata: BTreeMap::from([("saga".to_owned(), saga.definition.name.clone())]),
        };
        let retrying = match phase {
            Phase::Do => TransitionKind::StepRetrying,
            Phase::Compensate => TransitionKind::CompensationRetrying,
        };
        let mut attempt = 1;
        loop {
            // The command runs to its end even past the deadline: a command
            // abandoned mid-append could still take effect after the saga
            // moved on, and compensation must know whether it did.
            let commands = self.commands.clone();
            let execution = tokio::spawn({
                let request = request.clone();
                trace_context::carry(async move { commands.execute(request).await }.in_current_span())
            });
            tokio::pin!(execution);
            let result = tokio::select! {
                result = &mut execution => result,
                _ = tokio::time::sleep_until(deadline) => {
                    let _ = execution.await;
                    return Ok((StepOutcome::Failed(timed_out()), Some(saga)));
                }
            };
            let error = match result {
                Ok(Ok(outcome)) => return Ok((succeeded(step, phase, &outcome), Some(saga))),
                Ok(Err(error)) => error,
                Err(join) => NexusError::Internal(format!("the command task failed: {join}")),
            };
            if self.shutdown.is_cancelled() {
                return Ok((StepOutcome::Interrupted, Some(saga)));
            }
            if !is_transient(&error) {
                return Ok((StepOutcome::Failed(error.to_string()), Some(saga)));
            }
            if attempt >= step.retry.max_attempts {
                return Ok((StepOutcome::Failed(format!("{error} (after {attempt} attempts)")), Some(saga)));
            }
            let record = Record { error: Some(error.to_string()), ..Record::step(retrying, index, attempt) };
            match self.transition(&saga, record, |_| {}).await? {
                Some(stored) => saga = stored,
                None => return Ok((StepOutcome::Failed(error.to_string()), None)),
            }
            let wait = step.retry.backoff(attempt);
            attempt += 1;
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = tokio::time::sleep_until(deadline) => return Ok((StepOutcome::Failed(timed_out()), Some(saga))),
                _ = cancel.cancelled() => return Ok((self.stopped(), Some(saga))),
            }
        }
    }

    /// Why `cancel` fired: a shutdown interrupts, a cancel fails the step
    /// (the stored saga already says COMPENSATING, so nothing more is
    /// recorded for it).
    fn stopped(&self) -> StepOutcome {
        if self.shutdown.is_cancelled() { StepOutcome::Interrupted } else { StepOutcome::Failed("cancelled".into()) }
    }
}

/// Whether an accepted command is the outcome the step wants: a step's
/// command with a `success_event_type` must have stored an event of that
/// type (a compensation only needs to be accepted).
fn succeeded(step: &StepDefinition, phase: Phase, outcome: &CommandOutcome) -> StepOutcome {
    match (phase, step.success_event_type.as_deref()) {
        (Phase::Do, Some(wanted)) if !outcome.events.iter().any(|e| e.event_type == wanted) => {
            let stored: Vec<&str> = outcome.events.iter().map(|e| e.event_type.as_str()).collect();
            StepOutcome::Failed(format!(
                "the command was accepted but stored no {wanted} event (stored: {}), the outcome the step requires",
                if stored.is_empty() { "none".to_string() } else { stored.join(", ") }
            ))
        }
        _ => StepOutcome::Succeeded,
    }
}

/// A business refusal or a malformed command never gets better by itself;
/// a busy or unavailable store and exhausted conflict retries may.
fn is_transient(error: &NexusError) -> bool {
    matches!(
        error,
        NexusError::Store(
            StoreError::Unavailable(_) | StoreError::WrongExpectedVersion { .. } | StoreError::EventIdConflict { .. }
        ) | NexusError::Internal(_)
    )
}

/// The parts of a transition a driver chooses.
struct Record {
    kind: TransitionKind,
    step: Option<u32>,
    attempt: u32,
    error: Option<String>,
}

impl Record {
    fn new(kind: TransitionKind) -> Self {
        Self { kind, step: None, attempt: 0, error: None }
    }

    fn step(kind: TransitionKind, step: u32, attempt: u32) -> Self {
        Self { kind, step: Some(step), attempt, error: None }
    }
}
