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
    ports::EventStore,
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
        let head = store
            .read_all(ReadAllQuery {
                from: AllFrom::End,
                direction: Direction::Backwards,
                limit: 1,
                filter: EventFilter::default(),
            })
            .await
            .map_err(|e| BusError::Unavailable(e.to_string()))?
            .events
            .pop()
            .map(|e| e.position);
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
