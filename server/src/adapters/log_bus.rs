//! The embedded stream path: an in-process tail of the event log.
//!
//! On one machine the log itself is the ordered, durable stream, so this bus
//! stores nothing of its own. `publish` puts the router's core events into a
//! bounded in-memory window and moves the published watermark; subscribers
//! read from the window while they keep up, and from the event store
//! (filtered to the stream path's event types) when they have fallen out of
//! it or start before it. A slow subscriber only ever waits on its own
//! channel: publishing and other subscribers never wait for it.
//!
//! Order: global log order, which is stronger than the port's per-stream
//! order. Consumer-group checkpoints are kept in a [`Checkpoints`] store.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::core::{
    bus::{BusError, Checkpoints, StreamBus, StreamItem},
    model::{AllFrom, Direction, EventFilter, Position, ReadAllQuery, RecordedEvent},
    ports::{EventStore, head_position},
    router::Routes,
    schema::Route,
};

/// Events kept in the in-memory window.
pub const DEFAULT_WINDOW: usize = 16_384;
/// Events read from the store per page while catching up.
const PAGE: usize = 512;
/// Events buffered per subscriber.
const BUFFER: usize = 512;

/// The published tail: every stream-path event with a global position
/// greater than `covers_after` (`None`: from the start of the log) up to the
/// watermark.
struct Window {
    events: VecDeque<Arc<RecordedEvent>>,
    covers_after: Option<u64>,
    capacity: usize,
}

impl Window {
    fn covers(&self, after: Option<u64>) -> bool {
        match (self.covers_after, after) {
            (None, _) => true,
            (Some(c), Some(a)) => c <= a,
            (Some(_), None) => false,
        }
    }

    /// Up to `max` events after `after`, if the window holds them.
    fn after(&self, after: Option<u64>, max: usize) -> Option<Vec<Arc<RecordedEvent>>> {
        if !self.covers(after) {
            return None;
        }
        let start = match after {
            None => 0,
            Some(a) => self.events.partition_point(|e| e.position.global.is_some_and(|g| g <= a)),
        };
        Some(self.events.iter().skip(start).take(max).cloned().collect())
    }
}

struct Watermark {
    global: Option<u64>,
    position: Option<Position>,
}

struct Shared {
    window: Mutex<Window>,
    watermark: watch::Sender<Option<u64>>,
    published: Mutex<Watermark>,
}

/// The embedded [`StreamBus`].
#[derive(Clone)]
pub struct LogStreamBus {
    store: Arc<dyn EventStore>,
    routes: Arc<Routes>,
    checkpoints: Arc<dyn Checkpoints>,
    shared: Arc<Shared>,
}

impl LogStreamBus {
    /// A bus over `store`. Everything already in the log counts as published
    /// (the router republishes only what it routed after its checkpoint,
    /// and those events are all in the log).
    pub async fn open(
        store: Arc<dyn EventStore>,
        routes: Arc<Routes>,
        checkpoints: Arc<dyn Checkpoints>,
        window: usize,
    ) -> Result<Self, BusError> {
        let head = head_position(&*store).await.map_err(|e| BusError::Unavailable(e.to_string()))?;
        let global = head.as_ref().and_then(|p| p.global);
        let shared = Shared {
            window: Mutex::new(Window { events: VecDeque::new(), covers_after: global, capacity: window.max(1) }),
            watermark: watch::channel(global).0,
            published: Mutex::new(Watermark { global, position: head }),
        };
        Ok(Self { store, routes, checkpoints, shared: Arc::new(shared) })
    }

    fn group_checkpoint(group: &str) -> String {
        format!("stream:{group}")
    }
}

#[async_trait]
impl StreamBus for LogStreamBus {
    async fn publish(&self, events: Vec<Arc<RecordedEvent>>) -> Result<(), BusError> {
        let mut published = self.shared.published.lock().map_err(|_| poisoned())?;
        let mut window = self.shared.window.lock().map_err(|_| poisoned())?;
        for event in events {
            let Some(global) = event.position.global else {
                return Err(BusError::InvalidPosition(event.position.token.clone()));
            };
            if published.global.is_some_and(|w| global <= w) {
                // Already in the log when the bus opened, or republished.
                continue;
            }
            published.global = Some(global);
            published.position = Some(event.position.clone());
            window.events.push_back(event);
            while window.events.len() > window.capacity {
                if let Some(evicted) = window.events.pop_front() {
                    window.covers_after = evicted.position.global;
                }
            }
        }
        let global = published.global;
        drop(window);
        drop(published);
        self.shared.watermark.send_if_modified(|w| {
            let changed = *w != global;
            *w = global;
            changed
        });
        Ok(())
    }

    fn subscribe(&self, after: Option<Position>, shutdown: CancellationToken) -> mpsc::Receiver<StreamItem> {
        let (tx, rx) = mpsc::channel(BUFFER);
        let bus = self.clone();
        tokio::spawn(async move {
            if let Err(e) = bus.follow(after, &shutdown, &tx).await {
                let _ = tx.send(Err(e)).await;
            }
        });
        rx
    }

    fn published(&self) -> Option<Position> {
        self.shared.published.lock().ok().and_then(|p| p.position.clone())
    }

    async fn checkpoint(&self, group: &str) -> Result<Option<Position>, BusError> {
        self.checkpoints.load(&Self::group_checkpoint(group)).await
    }

    async fn commit(&self, group: &str, position: &Position) -> Result<(), BusError> {
        self.checkpoints.save(&Self::group_checkpoint(group), position).await
    }
}

impl LogStreamBus {
    /// Delivers events after `after` until shutdown or the receiver is
    /// dropped (`Ok`), or a failure (`Err`).
    async fn follow(
        &self,
        after: Option<Position>,
        shutdown: &CancellationToken,
        tx: &mpsc::Sender<StreamItem>,
    ) -> Result<(), BusError> {
        let mut cursor = match after {
            Some(p) => match p.global {
                Some(g) => Some((g, p)),
                None => return Err(BusError::InvalidPosition(p.token)),
            },
            None => None,
        };
        let mut watermark = self.shared.watermark.subscribe();
        loop {
            let top = *watermark.borrow_and_update();
            let behind = top.is_some_and(|w| cursor.as_ref().is_none_or(|(g, _)| *g < w));
            if !behind {
                tokio::select! {
                    changed = watermark.changed() => if changed.is_err() { return Ok(()) },
                    _ = shutdown.cancelled() => return Err(BusError::ShuttingDown),
                    _ = tx.closed() => return Ok(()),
                }
                continue;
            }
            let top = top.unwrap_or(0);
            let from_window = {
                let window = self.shared.window.lock().map_err(|_| poisoned())?;
                window.after(cursor.as_ref().map(|(g, _)| *g), PAGE)
            };
            let events = match from_window {
                Some(events) => events,
                None => self.read_store(&mut cursor, top).await?,
            };
            for event in events {
                let global = event.position.global.unwrap_or(0);
                cursor = Some((global, event.position.clone()));
                if tx.send(Ok(event)).await.is_err() {
                    return Ok(());
                }
            }
            if shutdown.is_cancelled() {
                return Err(BusError::ShuttingDown);
            }
        }
    }

    /// One page from the store after the cursor, up to the watermark `top`,
    /// keeping the stream path's events. Moves the cursor past skipped ones.
    async fn read_store(
        &self,
        cursor: &mut Option<(u64, Position)>,
        top: u64,
    ) -> Result<Vec<Arc<RecordedEvent>>, BusError> {
        let from = cursor.as_ref().map_or(AllFrom::Start, |(_, p)| AllFrom::After(p.clone()));
        let slice = self
            .store
            .read_all(ReadAllQuery {
                from,
                direction: Direction::Forwards,
                limit: PAGE,
                filter: EventFilter::default(),
            })
            .await
            .map_err(|e| BusError::Unavailable(e.to_string()))?;
        let mut out = Vec::new();
        let mut reached_top = false;
        for event in slice.events {
            let Some(global) = event.position.global else { continue };
            if global > top {
                reached_top = true;
                break;
            }
            if self.routes.route_of(&event).await == Some(Route::Core) {
                out.push(Arc::new(event));
            } else {
                *cursor = Some((global, event.position.clone()));
            }
        }
        if out.is_empty() {
            let next = slice.next.and_then(|n| n.global.map(|g| (g, n)));
            match next {
                Some((g, next)) if !reached_top && g <= top => {
                    // Hidden or filtered events up to `next`: skip past them.
                    if cursor.as_ref().is_none_or(|(c, _)| *c < g) {
                        *cursor = Some((g, next));
                    }
                }
                _ => {
                    // Nothing on this path up to the watermark.
                    let published = self.shared.published.lock().map_err(|_| poisoned())?;
                    if let Some(position) = published.position.clone()
                        && position.global == Some(top)
                    {
                        *cursor = Some((top, position));
                    }
                }
            }
        }
        Ok(out)
    }
}

fn poisoned() -> BusError {
    BusError::Internal("stream bus state lock poisoned".into())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_trait::async_trait;
    use bytes::Bytes;
    use tokio_util::sync::CancellationToken;
    use uuid::Uuid;

    use super::*;
    use crate::{
        adapters::sqlite::{
            Durability, SqliteEventStore, SqliteEventStoreConfig, SqliteQueueBus, SqliteSchemaRegistry,
        },
        conformance::stream_bus::{SMALL_WINDOW, StreamBusFactory, StreamBusHarness, stream_bus_conformance},
        core::{
            bus::{Checkpoints, ConsumerSettings, QueueBus},
            model::{EventMetadata, ExpectedRevision, ProposedEvent, ReadStreamQuery},
            router::Router,
            schema::{
                Compatibility, DataFormat, SubjectConfig,
                governance::{Governance, GovernanceSettings},
            },
        },
    };

    /// Everything the embedded stream path stands on, in one directory.
    struct Embedded {
        dir: tempfile::TempDir,
    }

    struct Opened {
        store: Arc<dyn EventStore>,
        queue: Arc<SqliteQueueBus>,
        governance: Arc<Governance>,
        routes: Arc<Routes>,
        bus: Arc<LogStreamBus>,
    }

    impl Opened {
        /// Starts a router over these parts; cancel the token to stop it.
        fn start_router(&self) -> (CancellationToken, tokio::task::JoinHandle<()>) {
            let stop = CancellationToken::new();
            let router = Router::new(
                self.store.clone(),
                self.bus.clone(),
                self.queue.clone(),
                self.queue.clone(),
                self.routes.clone(),
            );
            let task = router.spawn(stop.clone());
            (stop, task)
        }
    }

    impl Embedded {
        fn new() -> Self {
            Self { dir: tempfile::tempdir().expect("temp dir") }
        }

        async fn open_parts(&self) -> Opened {
            let store: Arc<dyn EventStore> = Arc::new(
                SqliteEventStore::open(self.dir.path().join("events.db"), SqliteEventStoreConfig::default())
                    .expect("event store"),
            );
            let queue = Arc::new(SqliteQueueBus::open(self.dir.path().join("bus.db"), Durability::Full).expect("bus"));
            let registry = SqliteSchemaRegistry::open(self.dir.path().join("registry.db"), Compatibility::Backward)
                .expect("registry");
            let governance = Arc::new(Governance::new(
                Arc::new(registry),
                GovernanceSettings { allow_unregistered: true, ..GovernanceSettings::default() },
            ));
            let routes = Arc::new(Routes::new(governance.clone()));
            let bus = Arc::new(
                LogStreamBus::open(store.clone(), routes.clone(), queue.clone(), SMALL_WINDOW).await.expect("bus"),
            );
            Opened { store, queue, governance, routes, bus }
        }
    }

    async fn append(store: &dyn EventStore, stream: &str, event_type: &str, count: usize) -> Vec<Arc<RecordedEvent>> {
        let events: Vec<_> = (0..count)
            .map(|i| ProposedEvent {
                event_id: Uuid::new_v4(),
                event_type: event_type.into(),
                content_type: "application/json".into(),
                schema_version: 0,
                schema_id: None,
                data: Bytes::from(format!("{{\"i\":{i}}}")),
                metadata: EventMetadata::default(),
            })
            .collect();
        let result = store.append(stream, ExpectedRevision::Any, events).await.expect("append");
        let slice = store
            .read_stream(ReadStreamQuery {
                stream_id: stream.into(),
                direction: Direction::Forwards,
                from_revision: Some(result.first_revision),
                limit: count,
            })
            .await
            .expect("read back");
        slice.events.into_iter().map(Arc::new).collect()
    }

    struct Harness(Opened);

    #[async_trait]
    impl StreamBusHarness for Harness {
        fn bus(&self) -> Arc<dyn StreamBus> {
            self.0.bus.clone()
        }

        async fn emit(&self, stream: &str, count: usize) -> Vec<Arc<RecordedEvent>> {
            let events = append(&*self.0.store, stream, "Emitted", count).await;
            self.0.bus.publish(events.clone()).await.expect("publish");
            events
        }

        async fn close(&self) {
            self.0.store.shutdown().await;
            self.0.queue.shutdown().await;
        }
    }

    #[async_trait]
    impl StreamBusFactory for Embedded {
        async fn open(&self) -> Arc<dyn StreamBusHarness> {
            Arc::new(Harness(self.open_parts().await))
        }
    }

    stream_bus_conformance!(Embedded::new());

    async fn receive_ids(rx: &mut mpsc::Receiver<StreamItem>, n: usize) -> Vec<Uuid> {
        let mut out = Vec::new();
        for _ in 0..n {
            let item = tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("in time");
            out.push(item.expect("open").expect("event").event_id);
        }
        out
    }

    /// The router sends core events down the stream path and secondary
    /// ones to every consumer queue; after a restart it republishes from its
    /// checkpoint without duplicating queue messages.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_router_splits_events_by_route_and_survives_a_restart() {
        let embedded = Embedded::new();
        let parts = embedded.open_parts().await;
        parts
            .governance
            .put_subject(
                "Notified",
                DataFormat::Json,
                None,
                SubjectConfig { route: Route::Secondary, ..SubjectConfig::default() },
            )
            .await
            .expect("secondary subject");
        parts.queue.create_consumer("mailer", ConsumerSettings::default()).await.expect("consumer");
        let (stop, task) = parts.start_router();
        let mut core_rx = parts.bus.subscribe(None, CancellationToken::new());

        let core = append(&*parts.store, "order-1", "Placed", 3).await;
        let secondary = append(&*parts.store, "order-1", "Notified", 2).await;
        let more_core = append(&*parts.store, "order-2", "Placed", 1).await;

        let want: Vec<Uuid> = core.iter().chain(&more_core).map(|e| e.event_id).collect();
        assert_eq!(receive_ids(&mut core_rx, 4).await, want, "only core events on the stream path, in order");
        let mut queued = Vec::new();
        while queued.len() < 2 {
            let batch = parts.queue.receive("mailer", 10, Duration::from_secs(5)).await.expect("receive");
            assert!(!batch.is_empty(), "secondary events reach the consumer queue");
            for delivery in batch {
                parts.queue.ack("mailer", &delivery.receipt).await.expect("ack");
                queued.push(delivery.event.event_id);
            }
        }
        queued.sort();
        let mut want_queued: Vec<Uuid> = secondary.iter().map(|e| e.event_id).collect();
        want_queued.sort();
        assert_eq!(queued, want_queued);

        // Restart everything; the router resumes from its checkpoint.
        stop.cancel();
        task.await.expect("router ends");
        parts.store.shutdown().await;
        parts.queue.shutdown().await;
        let parts = embedded.open_parts().await;
        let saved = parts.queue.load(crate::core::router::ROUTER_CHECKPOINT).await.expect("checkpoint");
        assert_eq!(saved.and_then(|p| p.global), more_core[0].position.global, "checkpoint saved on shutdown");
        // As if it had crashed before saving: the router publishes everything
        // after the first event again, and the queue must drop what it had.
        parts.queue.save(crate::core::router::ROUTER_CHECKPOINT, &core[0].position).await.expect("rewind");
        let (stop, task) = parts.start_router();
        let late = append(&*parts.store, "order-3", "Notified", 1).await;
        let batch = parts.queue.receive("mailer", 10, Duration::from_secs(5)).await.expect("receive");
        let ids: Vec<Uuid> = batch.iter().map(|d| d.event.event_id).collect();
        assert_eq!(ids, vec![late[0].event_id], "only the new secondary event; acked ones never come back");
        stop.cancel();
        task.await.expect("router ends");
        parts.store.shutdown().await;
        parts.queue.shutdown().await;
    }
}
