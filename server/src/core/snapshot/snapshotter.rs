//! The snapshotter: evaluates the snapshot triggers after each append and
//! writes snapshots in the background; a sweep takes the age trigger and
//! the TTL. Nothing here runs on a command's path except handing over the
//! state the command already loaded.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::{Arc, Mutex, PoisonError, RwLock},
    time::{Duration, Instant},
};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Snapshot, SnapshotError, SnapshotInfo, SnapshotPolicy, SnapshotStore, loader::AggregateLoader};
use crate::core::{
    aggregate::{AggregateState, CommandHandler, HandlerRegistry},
    error::NexusError,
    model::{JSON_CONTENT_TYPE, RecordedEvent, now_micros},
    ports::EventStore,
};

/// Counters of one aggregate type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeStats {
    pub snapshots_created: u64,
    pub snapshot_failures: u64,
    /// Triggers dropped because the snapshotter's queue was full (the next
    /// append to the aggregate triggers again).
    pub snapshots_skipped: u64,
    pub creation_micros_total: u64,
    pub creation_micros_max: u64,
    pub loads: u64,
    pub loads_from_snapshot: u64,
    pub events_replayed_total: u64,
    pub events_replayed_max: u64,
}

/// Snapshot and load counters per aggregate type.
#[derive(Debug, Default)]
pub struct SnapshotStats(Mutex<BTreeMap<String, TypeStats>>);

impl SnapshotStats {
    fn with(&self, aggregate_type: &str, f: impl FnOnce(&mut TypeStats)) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get_mut(aggregate_type) {
            Some(stats) => f(stats),
            None => f(map.entry(aggregate_type.to_string()).or_default()),
        }
    }

    pub fn loaded(&self, aggregate_type: &str, replayed: u64, from_snapshot: bool) {
        self.with(aggregate_type, |s| {
            s.loads += 1;
            s.loads_from_snapshot += u64::from(from_snapshot);
            s.events_replayed_total += replayed;
            s.events_replayed_max = s.events_replayed_max.max(replayed);
        });
    }

    pub fn created(&self, aggregate_type: &str, took: Duration) {
        let metrics = crate::core::metrics::metrics();
        let kind = opentelemetry::KeyValue::new("aggregate_type", aggregate_type.to_string());
        metrics.snapshots.add(1, &[kind.clone(), opentelemetry::KeyValue::new("outcome", "created")]);
        metrics.snapshot_duration.record(took.as_secs_f64(), &[kind]);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.with(aggregate_type, |s| {
            s.snapshots_created += 1;
            s.creation_micros_total += micros;
            s.creation_micros_max = s.creation_micros_max.max(micros);
        });
    }

    pub fn failed(&self, aggregate_type: &str) {
        crate::core::metrics::metrics().snapshots.add(
            1,
            &[
                opentelemetry::KeyValue::new("aggregate_type", aggregate_type.to_string()),
                opentelemetry::KeyValue::new("outcome", "failed"),
            ],
        );
        self.with(aggregate_type, |s| s.snapshot_failures += 1);
    }

    fn skipped(&self, aggregate_type: &str) {
        self.with(aggregate_type, |s| s.snapshots_skipped += 1);
    }

    /// The counters of every aggregate type seen so far.
    pub fn all(&self) -> BTreeMap<String, TypeStats> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Settings of the snapshotter.
#[derive(Debug, Clone)]
pub struct SnapshotterConfig {
    /// The policy of aggregate types without their own.
    pub default_policy: SnapshotPolicy,
    /// Policies from the configuration, per aggregate type.
    pub policies: BTreeMap<String, SnapshotPolicy>,
    /// Triggers waiting to be written; beyond it they are dropped (and
    /// counted), never waited for.
    pub queue: usize,
}

impl Default for SnapshotterConfig {
    fn default() -> Self {
        Self { default_policy: SnapshotPolicy::default(), policies: BTreeMap::new(), queue: 1024 }
    }
}

/// What a command hands over after its append: the state it decided on and
/// the events it appended, to be folded and saved off its path.
struct Trigger {
    aggregate_type: String,
    stream_id: String,
    state: Box<dyn AggregateState>,
    first_revision: u64,
    appended: Vec<RecordedEvent>,
    /// The count trigger fired; otherwise only the size trigger may.
    count_fired: bool,
    min_bytes: Option<u64>,
}

/// Takes snapshots: after appends (count and size triggers), in a sweep
/// (age trigger, TTL) and on request.
/// Streams whose last queued snapshot revision is remembered.
const RECENT_STREAMS: usize = 100_000;

pub struct Snapshotter {
    store: Arc<dyn SnapshotStore>,
    events: Arc<dyn EventStore>,
    loader: Arc<AggregateLoader>,
    handlers: HandlerRegistry,
    config_policies: BTreeMap<String, SnapshotPolicy>,
    default_policy: SnapshotPolicy,
    /// Policies set through the API (stored), over the configured ones.
    overrides: RwLock<BTreeMap<String, SnapshotPolicy>>,
    /// Streams with a snapshot being written.
    in_flight: Mutex<HashSet<String>>,
    /// The revision of the last snapshot this replica queued per stream:
    /// the next command may load before that snapshot is stored, and must
    /// not count the events under it again (which would snapshot twice).
    recent: Mutex<HashMap<String, u64>>,
    queue: mpsc::Sender<Trigger>,
    receiver: Mutex<Option<mpsc::Receiver<Trigger>>>,
}

/// Where a policy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    Default,
    Config,
    Api,
}

impl Snapshotter {
    /// A snapshotter; call [`Snapshotter::start`] to run its background work.
    /// Policy overrides stored earlier are read now.
    pub async fn new(
        store: Arc<dyn SnapshotStore>,
        events: Arc<dyn EventStore>,
        loader: Arc<AggregateLoader>,
        handlers: HandlerRegistry,
        config: SnapshotterConfig,
    ) -> Result<Self, SnapshotError> {
        let mut overrides = BTreeMap::new();
        for aggregate_type in handlers.aggregate_types() {
            if let Some(policy) = store.get_policy(&aggregate_type).await? {
                overrides.insert(aggregate_type, policy);
            }
        }
        let (queue, receiver) = mpsc::channel(config.queue.max(1));
        Ok(Self {
            store,
            events,
            loader,
            handlers,
            config_policies: config.policies,
            default_policy: config.default_policy,
            overrides: RwLock::new(overrides),
            in_flight: Mutex::new(HashSet::new()),
            recent: Mutex::new(HashMap::new()),
            queue,
            receiver: Mutex::new(Some(receiver)),
        })
    }

    pub fn store(&self) -> &Arc<dyn SnapshotStore> {
        &self.store
    }

    pub fn stats(&self) -> &Arc<SnapshotStats> {
        self.loader.stats()
    }

    /// The policy in force for an aggregate type, and where it came from.
    pub fn policy(&self, aggregate_type: &str) -> (SnapshotPolicy, PolicySource) {
        if let Some(policy) = self.overrides.read().unwrap_or_else(PoisonError::into_inner).get(aggregate_type) {
            return (policy.clone(), PolicySource::Api);
        }
        match self.config_policies.get(aggregate_type) {
            Some(policy) => (policy.clone(), PolicySource::Config),
            None => (self.default_policy.clone(), PolicySource::Default),
        }
    }

    /// Stores a policy for an aggregate type; it holds from the next append
    /// and survives restarts.
    pub async fn set_policy(&self, aggregate_type: &str, policy: SnapshotPolicy) -> Result<(), SnapshotError> {
        self.store.put_policy(aggregate_type, &policy).await?;
        self.overrides.write().unwrap_or_else(PoisonError::into_inner).insert(aggregate_type.to_string(), policy);
        Ok(())
    }

    /// Called by the command bus after a successful append: hands the state
    /// the command decided on and the events it appended to the background
    /// writer when a trigger may fire. Returns at once.
    pub fn after_append(
        &self,
        handler: &dyn CommandHandler,
        stream_id: &str,
        loaded: super::loader::Loaded,
        appended: &[RecordedEvent],
    ) {
        let aggregate_type = handler.aggregate_type();
        let (policy, _) = self.policy(aggregate_type);
        let Some(first_appended) = appended.first() else { return };
        // The appended events must follow the loaded state directly (an
        // append with expected revision `any` may land after others' events).
        if first_appended.revision != loaded.revision.map_or(0, |r| r + 1) {
            return;
        }
        let last = appended.last().map_or(first_appended.revision, |e| e.revision);
        let mut since = loaded.replayed + appended.len() as u64;
        if let Some(queued) = self.recent.lock().unwrap_or_else(PoisonError::into_inner).get(stream_id)
            && *queued < last
        {
            since = since.min(last - queued);
        }
        let count_fired = policy.every_events().is_some_and(|n| since >= n);
        if !count_fired && policy.max_state_bytes().is_none() {
            return;
        }
        if !self.claim(stream_id) {
            return;
        }
        let trigger = Trigger {
            aggregate_type: aggregate_type.to_string(),
            stream_id: stream_id.to_string(),
            state: loaded.state,
            first_revision: loaded.first_revision.unwrap_or(first_appended.revision),
            appended: appended.to_vec(),
            count_fired,
            min_bytes: policy.max_state_bytes(),
        };
        match self.queue.try_send(trigger) {
            Ok(()) => {
                let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
                if recent.len() >= RECENT_STREAMS {
                    // Forgetting only costs a possible extra snapshot.
                    recent.clear();
                }
                recent.insert(stream_id.to_string(), last);
            }
            Err(e) => {
                let trigger = match e {
                    mpsc::error::TrySendError::Full(t) | mpsc::error::TrySendError::Closed(t) => t,
                };
                self.release(&trigger.stream_id);
                self.stats().skipped(aggregate_type);
            }
        }
    }

    /// Takes a snapshot of a stream now, at its last revision. `None` when
    /// the stream has no events.
    pub async fn create_now(&self, aggregate_type: &str, stream_id: &str) -> Result<Option<SnapshotInfo>, NexusError> {
        let handler = self.handler(aggregate_type)?;
        let started = Instant::now();
        let result = self.snapshot_from_store(handler.as_ref(), stream_id).await;
        match &result {
            Ok(Some(_)) => self.stats().created(aggregate_type, started.elapsed()),
            Ok(None) => {}
            Err(_) => self.stats().failed(aggregate_type),
        }
        result
    }

    fn handler(&self, aggregate_type: &str) -> Result<Arc<dyn CommandHandler>, NexusError> {
        self.handlers.get(aggregate_type).cloned().ok_or_else(|| NexusError::UnknownAggregateType {
            given: aggregate_type.to_string(),
            valid: self.handlers.aggregate_types(),
        })
    }

    /// Loads the stream (from its newest snapshot) and saves its state.
    async fn snapshot_from_store(
        &self,
        handler: &dyn CommandHandler,
        stream_id: &str,
    ) -> Result<Option<SnapshotInfo>, NexusError> {
        let loaded = self.loader.load(handler, stream_id, None).await?;
        let (Some(revision), Some(first_revision)) = (loaded.revision, loaded.first_revision) else {
            return Ok(None);
        };
        let state = loaded.state.serialize()?;
        let snapshot = self.snapshot(handler, stream_id, revision, first_revision, state);
        let info = snapshot.info();
        self.save(snapshot).await?;
        Ok(Some(info))
    }

    fn snapshot(
        &self,
        handler: &dyn CommandHandler,
        stream_id: &str,
        revision: u64,
        first_revision: u64,
        state: Vec<u8>,
    ) -> Snapshot {
        Snapshot {
            stream_id: stream_id.to_string(),
            aggregate_type: handler.aggregate_type().to_string(),
            revision,
            first_revision,
            versions: handler.snapshot_versions(),
            content_type: JSON_CONTENT_TYPE.to_string(),
            state: Bytes::from(state),
            created_at: now_micros(),
        }
    }

    /// Saves a snapshot and applies the retention of its aggregate type.
    async fn save(&self, snapshot: Snapshot) -> Result<(), NexusError> {
        let (policy, _) = self.policy(&snapshot.aggregate_type);
        let (aggregate_type, stream_id) = (snapshot.aggregate_type.clone(), snapshot.stream_id.clone());
        self.store.put(snapshot).await.map_err(internal)?;
        if policy.keep_last().is_some() || policy.ttl().is_some() {
            let cutoff = policy.ttl().map(|ttl| now_micros().saturating_sub(micros(ttl)));
            self.store.prune(&aggregate_type, Some(&stream_id), policy.keep_last(), cutoff).await.map_err(internal)?;
        }
        Ok(())
    }

    fn claim(&self, stream_id: &str) -> bool {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).insert(stream_id.to_string())
    }

    fn release(&self, stream_id: &str) {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(stream_id);
    }

    /// Runs the background writer and the age/TTL sweep until `shutdown`.
    pub fn start(self: &Arc<Self>, shutdown: CancellationToken) {
        let receiver = self.receiver.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut receiver) = receiver {
            let this = self.clone();
            let stop = shutdown.clone();
            tokio::spawn(async move {
                loop {
                    let trigger = tokio::select! {
                        _ = stop.cancelled() => break,
                        trigger = receiver.recv() => match trigger { Some(t) => t, None => break },
                    };
                    let stream_id = trigger.stream_id.clone();
                    this.write_triggered(trigger).await;
                    this.release(&stream_id);
                }
            });
        }
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let interval = this.sweep_interval();
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(interval) => {}
                }
                this.sweep().await;
            }
        });
    }

    async fn write_triggered(&self, trigger: Trigger) {
        let Trigger { aggregate_type, stream_id, mut state, first_revision, appended, count_fired, min_bytes } =
            trigger;
        let started = Instant::now();
        let Ok(handler) = self.handler(&aggregate_type) else { return };
        let result = async {
            let appended = self.loader.upcast(appended).await?;
            let Some(revision) = appended.last().map(|e| e.revision) else { return Ok(false) };
            for event in &appended {
                state.evolve(event)?;
            }
            let bytes = state.serialize()?;
            let size_fired = min_bytes.is_some_and(|b| bytes.len() as u64 >= b);
            if !count_fired && !size_fired {
                return Ok(false);
            }
            self.save(self.snapshot(handler.as_ref(), &stream_id, revision, first_revision, bytes)).await?;
            Ok::<_, NexusError>(true)
        }
        .await;
        match result {
            Ok(true) => self.stats().created(&aggregate_type, started.elapsed()),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(stream_id, error = %e, "snapshot not written");
                self.stats().failed(&aggregate_type);
            }
        }
    }

    /// How often the sweep runs: a quarter of the shortest age trigger or
    /// TTL, between 1 s and 60 s.
    fn sweep_interval(&self) -> Duration {
        self.handlers
            .aggregate_types()
            .iter()
            .filter_map(|t| {
                let (policy, _) = self.policy(t);
                [policy.max_age(), policy.ttl()].into_iter().flatten().min()
            })
            .min()
            .map_or(Duration::from_secs(60), |d| (d / 4).clamp(Duration::from_secs(1), Duration::from_secs(60)))
    }

    /// The age trigger and the TTL, for every aggregate type.
    async fn sweep(&self) {
        for aggregate_type in self.handlers.aggregate_types() {
            let (policy, _) = self.policy(&aggregate_type);
            if let Some(ttl) = policy.ttl() {
                let cutoff = now_micros().saturating_sub(micros(ttl));
                if let Err(e) = self.store.prune(&aggregate_type, None, None, Some(cutoff)).await {
                    tracing::warn!(aggregate_type, error = %e, "snapshot TTL sweep failed");
                }
            }
            if let Some(max_age) = policy.max_age()
                && let Err(e) = self.sweep_age(&aggregate_type, max_age).await
            {
                tracing::warn!(aggregate_type, error = %e, "snapshot age sweep failed");
            }
        }
    }

    /// Snapshots again every stream whose newest snapshot is older than
    /// `max_age` and that received events since.
    async fn sweep_age(&self, aggregate_type: &str, max_age: Duration) -> Result<(), NexusError> {
        let handler = self.handler(aggregate_type)?;
        let cutoff = now_micros().saturating_sub(micros(max_age));
        let mut after: Option<String> = None;
        loop {
            let page = self.store.stale(aggregate_type, cutoff, after.as_deref(), 100).await.map_err(internal)?;
            let Some(last) = page.last() else { return Ok(()) };
            after = Some(last.stream_id.clone());
            for stale in page {
                let info = self.events.stream_info(&stale.stream_id).await?;
                if info.last_revision.is_none_or(|last| last <= stale.revision) || !self.claim(&stale.stream_id) {
                    continue;
                }
                let started = Instant::now();
                let result = self.snapshot_from_store(handler.as_ref(), &stale.stream_id).await;
                self.release(&stale.stream_id);
                match result {
                    Ok(Some(_)) => self.stats().created(aggregate_type, started.elapsed()),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(stream_id = stale.stream_id, error = %e, "snapshot not written");
                        self.stats().failed(aggregate_type);
                    }
                }
            }
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn internal(e: SnapshotError) -> NexusError {
    NexusError::Internal(e.to_string())
}
