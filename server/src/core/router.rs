//! The router: follows the event store's change feed and sends every stored
//! event down the path its event type is configured for.
//!
//! ```text
//! event store ──change feed──▶ router ──core──────▶ StreamBus (ordered per stream)
//!                                     └─secondary─▶ QueueBus  (queue per consumer, DLQ)
//! ```
//!
//! The route of an event type comes from its schema subject's config
//! (`route = "core" | "secondary"`); types without a subject take the core
//! path. Events of system streams (`$…`) are server bookkeeping and are not
//! routed.
//!
//! Delivery is at-least-once. The router saves its position in a
//! [`Checkpoints`] store after publishing, at most every
//! [`CHECKPOINT_EVERY`]; after a crash it publishes again from the last saved
//! position. The queue path drops republished events by id; stream-path
//! subscribers resume after their own positions, so a republished event is
//! not delivered twice to them either.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use opentelemetry::KeyValue;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{
    bus::{BusError, Checkpoints, QueueBus, StreamBus},
    metrics::metrics,
    model::{AllFrom, EventFilter, Position, RecordedEvent, is_system_stream},
    ports::EventStore,
    schema::{Route, governance::Governance},
    subscription::{self, SubscriptionError, SubscriptionMessage},
    trace_context,
};

/// Name of the router's checkpoint.
pub const ROUTER_CHECKPOINT: &str = "router";
/// Most time between checkpoint saves while events flow.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// Most events published in one call.
const BATCH: usize = 1024;
/// How long a cached route stays valid.
const ROUTE_TTL: Duration = Duration::from_secs(5);

/// The route of each event type, from the schema registry, cached.
pub struct Routes {
    governance: Arc<Governance>,
    cache: RwLock<HashMap<String, (Route, Instant)>>,
}

impl Routes {
    pub fn new(governance: Arc<Governance>) -> Self {
        Self { governance, cache: RwLock::new(HashMap::new()) }
    }

    /// The path `event` takes, `None` for events that are not routed.
    pub async fn route_of(&self, event: &RecordedEvent) -> Option<Route> {
        if is_system_stream(&event.stream_id) {
            return None;
        }
        Some(self.route(&event.event_type).await)
    }

    /// The configured route of an event type (core when it has no subject).
    pub async fn route(&self, event_type: &str) -> Route {
        if let Ok(cache) = self.cache.read()
            && let Some((route, at)) = cache.get(event_type)
            && at.elapsed() < ROUTE_TTL
        {
            return *route;
        }
        let route = match self.governance.cached_subject(event_type).await {
            Ok((subject, _, _)) => subject.config.route,
            Err(_) => Route::Core,
        };
        if let Ok(mut cache) = self.cache.write() {
            cache.insert(event_type.to_string(), (route, Instant::now()));
        }
        route
    }
}

/// Where the router is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouterProgress {
    /// The last position routed (published, maybe not yet checkpointed).
    pub routed: Option<Position>,
    pub core_events: u64,
    pub secondary_events: u64,
}

/// The router. Start it with [`Router::spawn`].
pub struct Router {
    store: Arc<dyn EventStore>,
    stream_bus: Arc<dyn StreamBus>,
    queue_bus: Arc<dyn QueueBus>,
    checkpoints: Arc<dyn Checkpoints>,
    routes: Arc<Routes>,
    progress: tokio::sync::watch::Sender<RouterProgress>,
}

impl Router {
    pub fn new(
        store: Arc<dyn EventStore>,
        stream_bus: Arc<dyn StreamBus>,
        queue_bus: Arc<dyn QueueBus>,
        checkpoints: Arc<dyn Checkpoints>,
        routes: Arc<Routes>,
    ) -> Arc<Self> {
        let (progress, _) = tokio::sync::watch::channel(RouterProgress::default());
        Arc::new(Self { store, stream_bus, queue_bus, checkpoints, routes, progress })
    }

    /// Follows the progress of the router.
    pub fn progress(&self) -> tokio::sync::watch::Receiver<RouterProgress> {
        self.progress.subscribe()
    }

    /// Runs the router until `shutdown`; restarts it after failures.
    pub fn spawn(self: &Arc<Self>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let router = self.clone();
        tokio::spawn(async move {
            let mut delay = Duration::from_millis(100);
            loop {
                match router.run(&shutdown).await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::error!(error = %e, "router failed; restarting from its checkpoint");
                        tokio::select! {
                            _ = tokio::time::sleep(delay) => {}
                            _ = shutdown.cancelled() => return,
                        }
                        delay = (delay * 2).min(Duration::from_secs(5));
                    }
                }
            }
        })
    }

    async fn run(&self, shutdown: &CancellationToken) -> Result<(), RouterError> {
        let start = self.checkpoints.load(ROUTER_CHECKPOINT).await?;
        let from = start.clone().map_or(AllFrom::Start, AllFrom::After);
        // A child token: the subscription ends with this run, not only with
        // the server.
        let stop = shutdown.child_token();
        let _stop_on_exit = stop.clone().drop_guard();
        let mut feed =
            subscription::subscribe_all(self.store.clone(), from, EventFilter::default(), Duration::from_secs(1), stop);
        let mut saved = start;
        let mut last_save = Instant::now();
        let mut pending: Option<Position> = None;
        loop {
            let mut batch = Vec::new();
            let first = tokio::select! {
                message = feed.recv() => message,
                _ = tokio::time::sleep(CHECKPOINT_EVERY), if pending.is_some() => {
                    self.save(&mut saved, &mut pending, &mut last_save).await?;
                    continue;
                }
                _ = shutdown.cancelled() => {
                    self.save(&mut saved, &mut pending, &mut last_save).await?;
                    return Ok(());
                }
            };
            let mut next = first;
            loop {
                match next {
                    None => {
                        self.save(&mut saved, &mut pending, &mut last_save).await?;
                        return if shutdown.is_cancelled() { Ok(()) } else { Err(RouterError::FeedEnded) };
                    }
                    Some(Err(SubscriptionError::ShuttingDown)) => {
                        self.save(&mut saved, &mut pending, &mut last_save).await?;
                        return Ok(());
                    }
                    Some(Err(SubscriptionError::Store(e))) => return Err(RouterError::Feed(e.to_string())),
                    Some(Ok(SubscriptionMessage::Event(event))) => batch.push(Arc::new(*event)),
                    Some(Ok(SubscriptionMessage::Checkpoint(Some(p)) | SubscriptionMessage::CaughtUp(Some(p)))) => {
                        if batch.is_empty() {
                            pending = Some(p);
                        }
                    }
                    Some(Ok(_)) => {}
                }
                if batch.len() >= BATCH {
                    break;
                }
                match feed.try_recv() {
                    Ok(item) => next = Some(item),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => next = None,
                }
            }
            if let Some(last) = batch.last() {
                pending = Some(last.position.clone());
                self.publish(batch).await?;
            }
            if last_save.elapsed() >= CHECKPOINT_EVERY {
                self.save(&mut saved, &mut pending, &mut last_save).await?;
            }
        }
    }

    /// Sends a batch down both paths.
    async fn publish(&self, batch: Vec<Arc<RecordedEvent>>) -> Result<(), RouterError> {
        let last = batch.last().map(|e| e.position.clone());
        let mut core = Vec::with_capacity(batch.len());
        let mut secondary = Vec::new();
        for event in batch {
            match self.routes.route_of(&event).await {
                Some(Route::Core) => core.push(event),
                Some(Route::Secondary) => secondary.push(event),
                None => {}
            }
        }
        let (core_count, secondary_count) = (core.len() as u64, secondary.len() as u64);
        // One `route` span per traced event, a child of the span that stored
        // it, open while its batch is published.
        let spans: Vec<tracing::Span> = core
            .iter()
            .map(|e| (e, "stream"))
            .chain(secondary.iter().map(|e| (e, "queue")))
            .filter(|(event, _)| trace_context::recorded(&event.metadata.custom) == trace_context::Recorded::Sampled)
            .map(|(event, path)| {
                let span = tracing::debug_span!(
                    "route",
                    otel.kind = "producer",
                    path,
                    stream = %event.stream_id,
                    revision = event.revision
                );
                trace_context::follow(&span, &event.metadata.custom);
                span
            })
            .collect();
        if !secondary.is_empty() {
            self.queue_bus.publish(&secondary).await?;
            metrics().routed.add(secondary_count, &[KeyValue::new("path", "queue")]);
        }
        if !core.is_empty() {
            self.stream_bus.publish(core).await?;
            metrics().routed.add(core_count, &[KeyValue::new("path", "stream")]);
        }
        drop(spans);
        self.progress.send_modify(|p| {
            p.routed = last;
            p.core_events += core_count;
            p.secondary_events += secondary_count;
        });
        Ok(())
    }

    async fn save(
        &self,
        saved: &mut Option<Position>,
        pending: &mut Option<Position>,
        last_save: &mut Instant,
    ) -> Result<(), RouterError> {
        if let Some(position) = pending.take()
            && saved.as_ref() != Some(&position)
        {
            self.checkpoints.save(ROUTER_CHECKPOINT, &position).await?;
            *saved = Some(position);
        }
        *last_save = Instant::now();
        Ok(())
    }
}

/// Why a router run ended.
#[derive(Debug, thiserror::Error)]
enum RouterError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error("reading the change feed failed: {0}")]
    Feed(String),
    #[error("the change feed ended")]
    FeedEnded,
}
