//! The projection engine: runs every projection, rebuilds blue/green and
//! answers for their state.
//!
//! Each projection has a *serving* generation (an index in the read store)
//! and, during a rebuild or after its definition changed, a *building* one
//! that replays the stream path from the start beside it. Reads keep going
//! to the serving generation until the building one has caught up with
//! everything published; then the engine records the switch in the read
//! store's bookkeeping, stops the old runner and drops its index. Watchers
//! are told to reset.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use super::{
    CompiledProjection, DefinitionError, ProjectionDefinition,
    runner::{self, ChangeBatch, Progress, Runner, RunnerDeps},
};
use crate::core::{
    bus::StreamBus,
    model::{AllFrom, Direction, EventFilter, Position, ReadAllQuery, ReadStreamQuery, now_micros},
    ports::{EventStore, StoreError, head_position},
    read_store::{IndexId, ReadStore, ReadStoreError},
    router::{RouterProgress, Routes},
    schema::{Route, governance::Governance},
};

/// How often a rebuild is checked for having caught up.
const SWITCH_CHECK: Duration = Duration::from_millis(100);
/// How often a replica that follows a shared store looks for switched
/// generations and new projections.
const FOLLOW_SYNC: Duration = Duration::from_secs(1);
/// Changes buffered per projection for watchers before slow ones lag (and
/// read the change log instead).
const CHANGE_BUFFER: usize = 1024;

/// Errors of the engine.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("no projection named {0:?}")]
    NotFound(String),
    #[error(transparent)]
    Invalid(#[from] DefinitionError),
    #[error(
        "projection {name:?} consumes {event_type:?}, which is routed to the queue path; projections follow the \
         stream path (route = \"core\") because folding needs each stream's events in order"
    )]
    SecondaryRoute { name: String, event_type: String },
    #[error("projection {name:?} has not reached the requested position within {timeout:?}")]
    Behind { name: String, timeout: Duration },
    #[error("projection {0:?} is defined by a file in the projections folder; change the file instead")]
    FileDefined(String),
    #[error(
        "projections are shared by the replicas and run by the one that holds the projections lease; this replica \
         follows it and cannot change them (try again: another replica may answer)"
    )]
    Follower,
    #[error(transparent)]
    Store(#[from] ReadStoreError),
}

/// Events of a stream a read-your-writes wait looks back over to find the
/// last one that takes the stream path (backends without a global order).
const STREAM_PATH_LOOK_BACK: usize = 100;

/// The state of a projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectionState {
    Running,
    /// Stopped on an event (on_error = stop).
    Stopped,
}

/// Progress of one generation.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationStatus {
    pub generation: u32,
    pub position: Option<Position>,
    pub events: u64,
    /// Events in the log after `position`.
    pub lag_events: u64,
    /// Age of the oldest event not yet folded (0 when caught up).
    pub lag_millis: u64,
    pub parked: u64,
}

/// What the engine reports for one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionStatus {
    pub name: String,
    pub source: String,
    pub event_types: Vec<String>,
    pub state: ProjectionState,
    pub serving: GenerationStatus,
    pub rebuilding: Option<GenerationStatus>,
    pub last_error: Option<String>,
}

/// Bookkeeping kept in the read store per projection.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    definition: ProjectionDefinition,
    source: String,
    generation: u32,
    fingerprint: String,
}

fn meta_key(name: &str) -> String {
    format!("projection/{name}")
}

struct Slot {
    name: String,
    source: Mutex<String>,
    serving: RwLock<Arc<Runner>>,
    building: Mutex<Option<Arc<Runner>>>,
    serving_tx: watch::Sender<IndexId>,
    changes: broadcast::Sender<Arc<ChangeBatch>>,
    deps: Arc<RunnerDeps>,
}

/// What the engine needs.
pub struct EngineDeps {
    pub store: Arc<dyn ReadStore>,
    pub bus: Arc<dyn StreamBus>,
    pub events: Arc<dyn EventStore>,
    pub governance: Arc<Governance>,
    pub routes: Arc<Routes>,
    pub router: watch::Receiver<RouterProgress>,
    /// Whether this replica runs the projections (holds their lease) when
    /// the read store is shared; `None`: it always does.
    pub lead: Option<watch::Receiver<bool>>,
}

/// Runs the projections. Cheap to share behind an `Arc`.
pub struct ProjectionEngine {
    deps: EngineDeps,
    slots: RwLock<BTreeMap<String, Arc<Slot>>>,
    shutdown: CancellationToken,
    /// Runs (folds into) the projections, rather than following a shared
    /// store that another replica writes.
    leading: AtomicBool,
    /// Projections defined by files: `(source, definition)`.
    files: Vec<(String, ProjectionDefinition)>,
}

impl ProjectionEngine {
    /// Starts every projection: those defined by files (`(source, definition)`)
    /// and those registered earlier through the API.
    pub async fn start(
        deps: EngineDeps,
        files: Vec<(String, ProjectionDefinition)>,
        shutdown: CancellationToken,
    ) -> Result<Arc<Self>, EngineError> {
        let leading = deps.lead.as_ref().is_none_or(|lead| *lead.borrow());
        let engine = Arc::new(Self {
            deps,
            slots: RwLock::new(BTreeMap::new()),
            shutdown,
            leading: AtomicBool::new(leading),
            files,
        });
        engine.install_all().await?;
        if leading {
            engine.drop_orphans().await?;
        }
        if let Some(lead) = engine.deps.lead.clone() {
            tokio::spawn(engine.clone().supervise(lead));
        }
        Ok(engine)
    }

    /// Installs the projections of files and those registered through the
    /// API (recorded in the read store).
    async fn install_all(self: &Arc<Self>) -> Result<(), EngineError> {
        let mut wanted: BTreeMap<String, (String, ProjectionDefinition)> = BTreeMap::new();
        for (source, definition) in &self.files {
            wanted.insert(definition.name.clone(), (source.clone(), definition.clone()));
        }
        let engine = self;
        for index in engine.deps.store.list_indexes().await? {
            if wanted.contains_key(&index.projection) {
                continue;
            }
            if let Some(meta) = engine.meta(&index.projection).await?
                && meta.source == "api"
            {
                wanted.insert(index.projection.clone(), (meta.source, meta.definition));
            }
        }
        for (_, (source, definition)) in wanted {
            engine.install(definition, source).await?;
        }
        Ok(())
    }

    fn leading(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }

    /// Runs or follows a generation, as this replica's role says.
    fn spawn_generation(&self, deps: &Arc<RunnerDeps>, projection: Arc<CompiledProjection>, index: IndexId) -> Runner {
        if self.leading() {
            runner::spawn(deps.clone(), projection, index, &self.shutdown)
        } else {
            runner::spawn_follower(deps.clone(), projection, index, &self.shutdown)
        }
    }

    /// With a shared read store: takes over the projections when this
    /// replica gains their lease, hands them back when it loses it, and
    /// meanwhile follows what the replica that runs them switches.
    async fn supervise(self: Arc<Self>, mut lead: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                changed = lead.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep(FOLLOW_SYNC) => {}
                _ = self.shutdown.cancelled() => return,
            }
            let wanted = *lead.borrow_and_update();
            let result = if wanted != self.leading() {
                self.change_role(wanted).await
            } else if !wanted {
                self.follow_switches().await
            } else {
                Ok(())
            };
            if let Err(e) = result {
                tracing::warn!(error = %e, leading = wanted, "projections: cannot follow the shared read store");
            }
        }
    }

    /// Starts running the projections (`lead`) or stops and follows them.
    async fn change_role(self: &Arc<Self>, lead: bool) -> Result<(), EngineError> {
        if !lead {
            // Stop writing first: the next holder may start at once.
            self.leading.store(false, Ordering::SeqCst);
            self.respawn_all()?;
            tracing::info!("projections lease lost: following the replica that runs the projections");
            return Ok(());
        }
        // Catch up with what the previous holder switched, then run.
        self.follow_switches().await?;
        self.leading.store(true, Ordering::SeqCst);
        self.respawn_all()?;
        self.install_all().await?;
        self.drop_orphans().await?;
        tracing::info!("projections lease taken: running the projections");
        Ok(())
    }

    /// Replaces every serving generation's runner by one of this replica's
    /// role and stops rebuilds (the holder starts them again).
    fn respawn_all(&self) -> Result<(), EngineError> {
        let slots: Vec<Arc<Slot>> = self.slots.read().map_err(|_| poisoned())?.values().cloned().collect();
        for slot in slots {
            if let Some(building) = slot.building.lock().map_err(|_| poisoned())?.take() {
                building.stop();
            }
            let mut serving = slot.serving.write().map_err(|_| poisoned())?;
            let runner = self.spawn_generation(&slot.deps, serving.projection.clone(), serving.index.clone());
            std::mem::replace(&mut *serving, Arc::new(runner)).stop();
        }
        Ok(())
    }

    /// Follower: serves the generations the recorded bookkeeping names, and
    /// picks up projections registered on the replica that runs them.
    async fn follow_switches(self: &Arc<Self>) -> Result<(), EngineError> {
        let mut names: Vec<String> = self.names();
        for index in self.deps.store.list_indexes().await? {
            if !names.contains(&index.projection) {
                names.push(index.projection);
            }
        }
        for name in names {
            let Some(meta) = self.meta(&name).await? else { continue };
            let Ok(slot) = self.slot(&name) else {
                if meta.source == "api" {
                    self.install(meta.definition, meta.source).await?;
                }
                continue;
            };
            if slot.serving_tx.borrow().generation == meta.generation {
                continue;
            }
            let projection = Arc::new(meta.definition.compile()?);
            let index = IndexId { projection: name.clone(), generation: meta.generation };
            let runner = self.spawn_generation(&slot.deps, projection, index.clone());
            {
                let mut serving = slot.serving.write().map_err(|_| poisoned())?;
                std::mem::replace(&mut *serving, Arc::new(runner)).stop();
            }
            slot.serving_tx.send_replace(index);
            tracing::info!(projection = %name, generation = meta.generation, "following the switch to a rebuilt generation");
        }
        Ok(())
    }

    /// Names of the projections.
    pub fn names(&self) -> Vec<String> {
        self.slots.read().map(|s| s.keys().cloned().collect()).unwrap_or_default()
    }

    /// The read store the documents are in.
    pub fn read_store(&self) -> &Arc<dyn ReadStore> {
        &self.deps.store
    }

    fn slot(&self, name: &str) -> Result<Arc<Slot>, EngineError> {
        self.slots.read().ok().and_then(|s| s.get(name).cloned()).ok_or_else(|| EngineError::NotFound(name.to_string()))
    }

    /// The compiled definition of the generation serving reads.
    pub fn projection(&self, name: &str) -> Result<Arc<CompiledProjection>, EngineError> {
        Ok(self.slot(name)?.serving.read().map_err(|_| poisoned())?.projection.clone())
    }

    /// The index serving reads of a projection.
    pub fn serving_index(&self, name: &str) -> Result<IndexId, EngineError> {
        Ok(self.slot(name)?.serving_tx.borrow().clone())
    }

    /// Changes of a projection as they are applied (of every generation;
    /// keep those of the serving index) and the serving index, which
    /// changes when a rebuild switches.
    pub fn follow(
        &self,
        name: &str,
    ) -> Result<(broadcast::Receiver<Arc<ChangeBatch>>, watch::Receiver<IndexId>), EngineError> {
        let slot = self.slot(name)?;
        Ok((slot.changes.subscribe(), slot.serving_tx.subscribe()))
    }

    /// Registers or replaces a projection through the API.
    pub async fn register(self: &Arc<Self>, definition: ProjectionDefinition) -> Result<ProjectionStatus, EngineError> {
        if !self.leading() {
            return Err(EngineError::Follower);
        }
        if let Ok(slot) = self.slot(&definition.name) {
            let source = slot.source.lock().map(|s| s.clone()).unwrap_or_default();
            if source.starts_with("file:") {
                return Err(EngineError::FileDefined(definition.name));
            }
        }
        let name = definition.name.clone();
        self.install(definition, "api".to_string()).await?;
        self.status(&name).await
    }

    /// Rebuilds a projection from the start beside the serving generation.
    pub async fn rebuild(self: &Arc<Self>, name: &str) -> Result<ProjectionStatus, EngineError> {
        let slot = self.slot(name)?;
        if !self.leading() {
            return Err(EngineError::Follower);
        }
        let projection = slot.serving.read().map_err(|_| poisoned())?.projection.clone();
        self.start_building(&slot, projection).await?;
        self.status(name).await
    }

    /// Waits until the projection has folded every stream-path event up to
    /// `position` (read-your-writes).
    pub async fn wait_for(&self, name: &str, position: &Position, timeout: Duration) -> Result<(), EngineError> {
        let slot = self.slot(name)?;
        let Some(target) = position.global else {
            // A backend without a global order: its positions name events.
            return match self.deps.events.event_at(position) {
                Some((stream, revision)) => self.wait_for_stream(&slot, name, &stream, revision, timeout).await,
                None => Ok(()),
            };
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let behind = || EngineError::Behind { name: name.to_string(), timeout };
        // First the router must have routed the position: then every
        // stream-path event up to it is published.
        let mut router = self.deps.router.clone();
        loop {
            if router.borrow_and_update().routed.as_ref().and_then(|p| p.global).is_some_and(|g| g >= target) {
                break;
            }
            tokio::time::timeout_at(deadline, router.changed()).await.map_err(|_| behind())?.map_err(|_| behind())?;
        }
        let published = self.deps.bus.published().and_then(|p| p.global);
        let Some(published) = published else { return Ok(()) };
        let needed = published.min(target);
        loop {
            let mut progress = slot.serving.read().map_err(|_| poisoned())?.progress.clone();
            loop {
                let reached = progress.borrow_and_update().position.as_ref().and_then(|p| p.global);
                if reached.is_some_and(|g| g >= needed) {
                    return Ok(());
                }
                let changed = tokio::time::timeout_at(deadline, progress.changed()).await.map_err(|_| behind())?;
                if changed.is_err() {
                    // The serving runner was replaced by a rebuilt one.
                    break;
                }
            }
        }
    }

    /// Waits until the serving generation has passed `stream` up to the
    /// last stream-path event at or before `revision` (events of the queue
    /// path never reach projections). Kinesis keeps each stream's order, so
    /// a stream's revision tells how far the projection is in it.
    async fn wait_for_stream(
        &self,
        slot: &Slot,
        name: &str,
        stream: &str,
        revision: u64,
        timeout: Duration,
    ) -> Result<(), EngineError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let behind = || EngineError::Behind { name: name.to_string(), timeout };
        let looked_up = tokio::time::timeout_at(deadline, self.last_stream_path_revision(stream, revision));
        let Some(needed) = looked_up.await.map_err(|_| behind())?? else { return Ok(()) };
        loop {
            let (mut progress, marks, followed) = {
                let serving = slot.serving.read().map_err(|_| poisoned())?;
                (serving.progress.clone(), serving.marks.clone(), serving.follower.then(|| serving.index.clone()))
            };
            if let Some(index) = followed {
                // Another replica runs it: its marks are in the store.
                loop {
                    if self.deps.store.passed(&index, stream).await?.is_some_and(|passed| passed >= needed) {
                        return Ok(());
                    }
                    if *slot.serving_tx.borrow() != index {
                        break;
                    }
                    if tokio::time::Instant::now() + runner::FOLLOW_POLL > deadline {
                        return Err(behind());
                    }
                    tokio::time::sleep(runner::FOLLOW_POLL).await;
                }
                continue;
            }
            loop {
                progress.borrow_and_update();
                if marks.get(stream).is_some_and(|passed| passed >= needed) {
                    return Ok(());
                }
                let changed = tokio::time::timeout_at(deadline, progress.changed()).await.map_err(|_| behind())?;
                if changed.is_err() {
                    // The serving runner was replaced by a rebuilt one.
                    break;
                }
            }
        }
    }

    /// The revision of the last event of `stream` at or before `revision`
    /// that takes the stream path, looking back at most
    /// [`STREAM_PATH_LOOK_BACK`] events; `None` when there is none.
    async fn last_stream_path_revision(&self, stream: &str, revision: u64) -> Result<Option<u64>, EngineError> {
        let query = ReadStreamQuery {
            stream_id: stream.to_string(),
            direction: Direction::Backwards,
            from_revision: Some(revision),
            limit: STREAM_PATH_LOOK_BACK,
        };
        let slice = match self.deps.events.read_stream(query).await {
            Ok(slice) => slice,
            // Gone or hidden: nothing of it will reach the projection.
            Err(StoreError::StreamNotFound(_) | StoreError::StreamTombstoned(_)) => return Ok(None),
            Err(e) => {
                return Err(
                    ReadStoreError::Unavailable(format!("cannot read stream {stream:?} to wait on it: {e}")).into()
                );
            }
        };
        for event in &slice.events {
            if self.deps.routes.route_of(event).await == Some(Route::Core) {
                return Ok(Some(event.revision));
            }
        }
        Ok(None)
    }

    /// The status of every projection.
    pub async fn list(&self) -> Vec<ProjectionStatus> {
        let mut out = Vec::new();
        for name in self.names() {
            if let Ok(status) = self.status(&name).await {
                out.push(status);
            }
        }
        out
    }

    /// The status of one projection.
    pub async fn status(&self, name: &str) -> Result<ProjectionStatus, EngineError> {
        let slot = self.slot(name)?;
        // Read under the serving lock, as the switch writes under it: a
        // status never shows the generation it just switched to as still
        // rebuilding.
        let (serving, building) = {
            let serving = slot.serving.read().map_err(|_| poisoned())?;
            let building = slot.building.lock().map_err(|_| poisoned())?.clone();
            (serving.clone(), building)
        };
        let serving_progress = serving.progress.borrow().clone();
        let building_progress = building.as_ref().map(|b| b.progress.borrow().clone());
        let stopped = serving_progress.stopped || building_progress.as_ref().is_some_and(|p| p.stopped);
        let last_error =
            building_progress.as_ref().and_then(|p| p.last_error.clone()).or(serving_progress.last_error.clone());
        Ok(ProjectionStatus {
            name: name.to_string(),
            source: slot.source.lock().map(|s| s.clone()).unwrap_or_default(),
            event_types: serving.projection.definition.event_types.clone(),
            state: if stopped { ProjectionState::Stopped } else { ProjectionState::Running },
            serving: self.generation_status(&serving.index, &serving_progress).await,
            rebuilding: match (&building, &building_progress) {
                (Some(b), Some(p)) => Some(self.generation_status(&b.index, p).await),
                _ => None,
            },
            last_error,
        })
    }

    async fn generation_status(&self, index: &IndexId, progress: &Progress) -> GenerationStatus {
        let (lag_events, lag_millis) = self.lag(progress.position.as_ref()).await;
        GenerationStatus {
            generation: index.generation,
            position: progress.position.clone(),
            events: progress.events,
            lag_events,
            lag_millis,
            parked: progress.parked,
        }
    }

    /// Events in the log after `position`, and the age of the first of them.
    async fn lag(&self, position: Option<&Position>) -> (u64, u64) {
        let head = head_position(&*self.deps.events).await.ok().flatten().and_then(|p| p.global);
        let at = position.and_then(|p| p.global);
        let lag_events = match (head, at) {
            (Some(h), Some(a)) => h.saturating_sub(a),
            (Some(h), None) => h,
            _ => 0,
        };
        if lag_events == 0 {
            return (0, 0);
        }
        let from = position.cloned().map_or(AllFrom::Start, AllFrom::After);
        let next = self
            .deps
            .events
            .read_all(ReadAllQuery { from, direction: Direction::Forwards, limit: 1, filter: EventFilter::default() })
            .await
            .ok()
            .and_then(|s| s.events.into_iter().next());
        let lag_millis = next.map_or(0, |e| u64::try_from((now_micros() - e.recorded_at_micros) / 1000).unwrap_or(0));
        (lag_events, lag_millis)
    }

    // ---- installing and switching -----------------------------------------

    async fn meta(&self, name: &str) -> Result<Option<Meta>, EngineError> {
        let Some(text) = self.deps.store.get_meta(&meta_key(name)).await? else { return Ok(None) };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| EngineError::Store(ReadStoreError::Internal(format!("bad bookkeeping for {name}: {e}"))))
    }

    async fn put_meta(&self, meta: &Meta) -> Result<(), EngineError> {
        let text = serde_json::to_string(meta).map_err(|e| ReadStoreError::Internal(e.to_string()))?;
        Ok(self.deps.store.put_meta(&meta_key(&meta.definition.name), &text).await?)
    }

    async fn check_routes(&self, projection: &CompiledProjection) -> Result<(), EngineError> {
        for event_type in &projection.definition.event_types {
            if self.deps.routes.route(event_type).await == Route::Secondary {
                return Err(EngineError::SecondaryRoute {
                    name: projection.definition.name.clone(),
                    event_type: event_type.clone(),
                });
            }
        }
        Ok(())
    }

    /// Starts (or updates) a projection: serves its recorded generation; a
    /// new or changed definition is built beside it.
    async fn install(self: &Arc<Self>, definition: ProjectionDefinition, source: String) -> Result<(), EngineError> {
        let projection = Arc::new(definition.compile()?);
        self.check_routes(&projection).await?;
        let name = definition.name.clone();
        let meta = self.meta(&name).await?;
        if let Ok(slot) = self.slot(&name) {
            // Replacing a running projection's definition.
            if let Ok(mut s) = slot.source.lock() {
                *s = source;
            }
            let same = slot.serving.read().map_err(|_| poisoned())?.projection.fingerprint == projection.fingerprint;
            if !same && self.leading() {
                self.start_building(&slot, projection).await?;
            }
            return Ok(());
        }
        let deps = Arc::new(RunnerDeps {
            bus: self.deps.bus.clone(),
            store: self.deps.store.clone(),
            governance: self.deps.governance.clone(),
            changes: broadcast::channel(CHANGE_BUFFER).0,
        });
        let leading = self.leading();
        // Serve the recorded generation with its recorded definition, or
        // generation 1 of this one.
        let (serving_projection, generation) = match &meta {
            Some(meta) => match meta.definition.compile() {
                Ok(p) => (Arc::new(p), meta.generation),
                Err(_) => (projection.clone(), meta.generation),
            },
            None => (projection.clone(), 1),
        };
        let index = IndexId { projection: name.clone(), generation };
        if meta.is_none() && leading {
            self.put_meta(&Meta {
                definition: definition.clone(),
                source: source.clone(),
                generation,
                fingerprint: projection.fingerprint.clone(),
            })
            .await?;
        }
        let serving = Arc::new(self.spawn_generation(&deps, serving_projection.clone(), index.clone()));
        let slot = Arc::new(Slot {
            name: name.clone(),
            source: Mutex::new(source),
            serving: RwLock::new(serving),
            building: Mutex::new(None),
            serving_tx: watch::channel(index).0,
            changes: deps.changes.clone(),
            deps,
        });
        self.slots.write().map_err(|_| poisoned())?.insert(name, slot.clone());
        if serving_projection.fingerprint != projection.fingerprint && leading {
            self.start_building(&slot, projection).await?;
        }
        Ok(())
    }

    /// Starts a new generation of `projection` beside the serving one and a
    /// task that switches reads to it once it has caught up.
    async fn start_building(
        self: &Arc<Self>,
        slot: &Arc<Slot>,
        projection: Arc<CompiledProjection>,
    ) -> Result<(), EngineError> {
        let existing = self.deps.store.list_indexes().await?;
        let serving = slot.serving_tx.borrow().generation;
        let generation = existing
            .iter()
            .filter(|i| i.projection == slot.name)
            .map(|i| i.generation)
            .chain([serving])
            .max()
            .unwrap_or(0)
            + 1;
        let index = IndexId { projection: slot.name.clone(), generation };
        let runner = Arc::new(runner::spawn(slot.deps.clone(), projection.clone(), index, &self.shutdown));
        let previous = slot.building.lock().map_err(|_| poisoned())?.replace(runner.clone());
        if let Some(previous) = previous {
            previous.stop();
            let _ = self.deps.store.drop_index(&previous.index).await;
        }
        let engine = self.clone();
        let slot = slot.clone();
        tokio::spawn(async move { engine.switch_when_caught_up(slot, runner).await });
        Ok(())
    }

    async fn switch_when_caught_up(self: Arc<Self>, slot: Arc<Slot>, runner: Arc<Runner>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(SWITCH_CHECK) => {}
                _ = self.shutdown.cancelled() => return,
            }
            let still_building =
                slot.building.lock().ok().and_then(|b| b.clone()).is_some_and(|b| Arc::ptr_eq(&b, &runner));
            if !still_building {
                return;
            }
            let progress = runner.progress.borrow().clone();
            if progress.stopped {
                continue;
            }
            // Caught up: past what this replica published and past where
            // the serving generation is, so reads never go back in time.
            // Positions are compared by the bus (Kinesis positions have no
            // global number); positions it cannot compare mean "not yet".
            let serving_at = slot.serving.read().ok().and_then(|s| s.progress.borrow().position.clone());
            let targets: Vec<Position> = self.deps.bus.published().into_iter().chain(serving_at).collect();
            let caught_up = targets.iter().all(|target| {
                progress.position.as_ref().is_some_and(|reached| self.deps.bus.covers(reached, target) == Some(true))
            });
            if caught_up {
                if let Err(e) = self.switch(&slot, &runner).await {
                    tracing::error!(projection = %slot.name, error = %e, "switching to the rebuilt generation failed");
                    continue;
                }
                return;
            }
        }
    }

    async fn switch(&self, slot: &Arc<Slot>, runner: &Arc<Runner>) -> Result<(), EngineError> {
        let source = slot.source.lock().map(|s| s.clone()).unwrap_or_default();
        self.put_meta(&Meta {
            definition: runner.projection.definition.clone(),
            source,
            generation: runner.index.generation,
            fingerprint: runner.projection.fingerprint.clone(),
        })
        .await?;
        // One step for readers of the status: the rebuilt generation serves
        // and is no longer building (lock order: serving, then building).
        let old = {
            let mut serving = slot.serving.write().map_err(|_| poisoned())?;
            if let Ok(mut building) = slot.building.lock() {
                building.take();
            }
            std::mem::replace(&mut *serving, runner.clone())
        };
        slot.serving_tx.send_replace(runner.index.clone());
        old.stop();
        tracing::info!(projection = %slot.name, generation = runner.index.generation, "switched reads to the rebuilt generation");
        self.deps.store.drop_index(&old.index).await?;
        Ok(())
    }

    /// Drops indexes of running projections that neither serve nor build
    /// (left by a crash during a rebuild). Documents of a projection whose
    /// definition is gone are kept.
    async fn drop_orphans(&self) -> Result<(), EngineError> {
        let live: Vec<IndexId> = {
            let slots = self.slots.read().map_err(|_| poisoned())?;
            slots
                .values()
                .flat_map(|s| {
                    let serving = s.serving_tx.borrow().clone();
                    let building = s.building.lock().ok().and_then(|b| b.as_ref().map(|r| r.index.clone()));
                    std::iter::once(serving).chain(building)
                })
                .collect()
        };
        for index in self.deps.store.list_indexes().await? {
            if !live.contains(&index) && self.slot(&index.projection).is_ok() {
                self.deps.store.drop_index(&index).await?;
            }
        }
        Ok(())
    }
}

fn poisoned() -> EngineError {
    EngineError::Store(ReadStoreError::Internal("projection engine state lock poisoned".into()))
}
