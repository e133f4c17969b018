//! The conformance suite of the [`StreamBus`] port. Every adapter runs it
//! through [`stream_bus_conformance!`] with a factory for its backend (the
//! embedded tail of the log, Kinesis).
//!
//! Positions are the bus's own: an adapter may deliver events with other
//! positions than the event store gave them (Kinesis does), so every
//! position the rules resume from or commit is one a subscriber received,
//! or the one [`StreamBus::published`] returned. Order is checked per
//! stream, the only order the port promises.

use std::{collections::HashMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::core::{
    bus::{StreamBus, StreamItem},
    model::RecordedEvent,
};

/// One opened backend.
#[async_trait]
pub trait StreamBusHarness: Send + Sync {
    fn bus(&self) -> Arc<dyn StreamBus>;
    /// Stores `count` events on `stream` and publishes them, as the router
    /// would; returns them in order. Their positions are the event store's
    /// (or made up by the harness): the rules never resume from them.
    async fn emit(&self, stream: &str, count: usize) -> Vec<Arc<RecordedEvent>>;
    /// Releases the backend (a later `open` sees what was durable).
    async fn close(&self);
}

/// Opens harnesses on one storage location. The in-memory window of the
/// bus must hold at most [`SMALL_WINDOW`] events, so that the slow-consumer
/// rule exercises the fall-back to durable storage.
#[async_trait]
pub trait StreamBusFactory: Send + Sync {
    async fn open(&self) -> Arc<dyn StreamBusHarness>;
}

/// The window size factories must configure.
pub const SMALL_WINDOW: usize = 32;

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! stream_bus_conformance {
    ($factory:expr) => {
        stream_bus_conformance!(@tests $factory;
            delivers_every_published_event_once_in_stream_order,
            subscribing_after_a_position_skips_what_came_before,
            live_events_reach_waiting_subscribers,
            a_slow_subscriber_never_blocks_publishing_and_catches_up,
            group_checkpoints_survive_a_restart,
            events_published_before_a_restart_are_still_delivered,
            shutdown_ends_subscriptions,
            positions_the_bus_did_not_issue_are_rejected,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::stream_bus::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use stream_bus_conformance;

/// Longest any single step may take before the test fails instead of hanging.
const STEP: Duration = Duration::from_secs(10);

async fn next(rx: &mut tokio::sync::mpsc::Receiver<StreamItem>) -> Arc<RecordedEvent> {
    match tokio::time::timeout(STEP, rx.recv()).await {
        Ok(Some(Ok(event))) => event,
        Ok(Some(Err(e))) => panic!("subscription failed: {e}"),
        Ok(None) => panic!("subscription ended early"),
        Err(_) => panic!("no event within {STEP:?}"),
    }
}

async fn take(rx: &mut tokio::sync::mpsc::Receiver<StreamItem>, n: usize) -> Vec<Arc<RecordedEvent>> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(next(rx).await);
    }
    out
}

/// Nothing more arrives within a short while.
async fn assert_quiet(rx: &mut tokio::sync::mpsc::Receiver<StreamItem>) {
    if let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await {
        panic!("unexpected extra delivery: {item:?}");
    }
}

fn ids(events: &[Arc<RecordedEvent>]) -> Vec<uuid::Uuid> {
    events.iter().map(|e| e.event_id).collect()
}

fn sorted_ids(events: &[Arc<RecordedEvent>]) -> Vec<uuid::Uuid> {
    let mut ids = ids(events);
    ids.sort();
    ids
}

/// The event ids of each stream, in delivery order.
fn per_stream(events: &[Arc<RecordedEvent>]) -> HashMap<&str, Vec<uuid::Uuid>> {
    let mut out: HashMap<&str, Vec<uuid::Uuid>> = HashMap::new();
    for e in events {
        out.entry(e.stream_id.as_str()).or_default().push(e.event_id);
    }
    out
}

pub async fn delivers_every_published_event_once_in_stream_order(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    let mut emitted = Vec::new();
    for round in 0..5 {
        for stream in ["order-a", "order-b", "order-c"] {
            emitted.extend(h.emit(stream, 2 + round % 2).await);
        }
    }
    let mut rx = h.bus().subscribe(None, CancellationToken::new());
    let got = take(&mut rx, emitted.len()).await;
    assert_quiet(&mut rx).await;
    let mut got_ids = ids(&got);
    let mut want_ids = ids(&emitted);
    got_ids.sort();
    want_ids.sort();
    assert_eq!(got_ids, want_ids, "every published event exactly once");
    let mut last: HashMap<&str, u64> = HashMap::new();
    for e in &got {
        if let Some(prev) = last.insert(e.stream_id.as_str(), e.revision) {
            assert!(e.revision > prev, "{} revision {} after {prev}", e.stream_id, e.revision);
        }
    }
    h.close().await;
}

pub async fn subscribing_after_a_position_skips_what_came_before(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    let first = h.emit("s-1", 5).await;
    let mut rx = h.bus().subscribe(None, CancellationToken::new());
    let delivered = take(&mut rx, first.len()).await;
    let second = h.emit("s-2", 4).await;
    let third = h.emit("s-1", 2).await;
    let mut delivered_all = delivered.clone();
    delivered_all.extend(take(&mut rx, second.len() + third.len()).await);
    assert_quiet(&mut rx).await;

    // After the last event delivered before `second` was published: exactly
    // what came later.
    let after = delivered.last().map(|e| e.position.clone());
    let mut rx = h.bus().subscribe(after, CancellationToken::new());
    let got = take(&mut rx, second.len() + third.len()).await;
    let mut want = second.clone();
    want.extend(third.iter().cloned());
    assert_eq!(sorted_ids(&got), sorted_ids(&want));
    assert_eq!(per_stream(&got).get("s-1"), Some(&ids(&third)));
    assert_quiet(&mut rx).await;

    // After any delivered event: exactly the ones delivered after it.
    for k in [1, 4, 8, delivered_all.len()] {
        let mut rx = h.bus().subscribe(Some(delivered_all[k - 1].position.clone()), CancellationToken::new());
        let rest = &delivered_all[k..];
        let got = take(&mut rx, rest.len()).await;
        assert_eq!(sorted_ids(&got), sorted_ids(rest), "resuming after delivered event {k}");
        assert_quiet(&mut rx).await;
    }
    h.close().await;
}

pub async fn live_events_reach_waiting_subscribers(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    assert_eq!(h.bus().published(), None, "nothing published yet");
    h.emit("live-0", 1).await;
    let published = h.bus().published();
    assert!(published.is_some(), "published() once something was published");
    // Subscribing after what was published: only what comes later.
    let mut rx = h.bus().subscribe(published, CancellationToken::new());
    assert_quiet(&mut rx).await;
    let later = h.emit("live-1", 3).await;
    assert_eq!(ids(&take(&mut rx, 3).await), ids(&later));
    let mut rx = h.bus().subscribe(h.bus().published(), CancellationToken::new());
    assert_quiet(&mut rx).await;
    let last = h.emit("live-0", 1).await;
    assert_eq!(ids(&take(&mut rx, 1).await), ids(&last));
    h.close().await;
}

pub async fn a_slow_subscriber_never_blocks_publishing_and_catches_up(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    let mut slow = h.bus().subscribe(None, CancellationToken::new());
    let mut fast = h.bus().subscribe(None, CancellationToken::new());
    let mut emitted = Vec::new();
    // Far more than the window and the subscriber's buffer: publishing
    // must finish while `slow` reads nothing.
    for i in 0..40 {
        let batch = tokio::time::timeout(STEP, h.emit(&format!("busy-{}", i % 7), 50))
            .await
            .expect("publishing waited for a slow subscriber");
        emitted.extend(batch);
        // The fast one keeps up meanwhile.
        let got = take(&mut fast, 50).await;
        assert_eq!(ids(&got), ids(&emitted[emitted.len() - 50..]));
    }
    let got = take(&mut slow, emitted.len()).await;
    assert_eq!(sorted_ids(&got), sorted_ids(&emitted), "the slow subscriber gets everything once");
    assert_eq!(per_stream(&got), per_stream(&emitted), "and every stream in order");
    assert_quiet(&mut slow).await;
    h.close().await;
}

pub async fn group_checkpoints_survive_a_restart(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    let events = h.emit("cp-1", 3).await;
    assert_eq!(h.bus().checkpoint("projector").await.expect("checkpoint"), None);
    let mut rx = h.bus().subscribe(None, CancellationToken::new());
    let delivered = take(&mut rx, 3).await;
    assert_eq!(ids(&delivered), ids(&events));
    let position = delivered[1].position.clone();
    h.bus().commit("projector", &position).await.expect("commit");
    h.bus().commit("other", &delivered[2].position).await.expect("commit");
    h.close().await;
    let h = factory.open().await;
    assert_eq!(h.bus().checkpoint("projector").await.expect("checkpoint"), Some(position.clone()));
    assert_eq!(h.bus().checkpoint("other").await.expect("checkpoint"), Some(delivered[2].position.clone()));
    // Resuming from the checkpoint delivers only what came after it.
    let mut rx = h.bus().subscribe(Some(position), CancellationToken::new());
    assert_eq!(next(&mut rx).await.event_id, events[2].event_id);
    assert_quiet(&mut rx).await;
    h.close().await;
}

pub async fn events_published_before_a_restart_are_still_delivered(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    let events = h.emit("durable-1", 6).await;
    h.close().await;
    let h = factory.open().await;
    let mut rx = h.bus().subscribe(None, CancellationToken::new());
    assert_eq!(ids(&take(&mut rx, events.len()).await), ids(&events));
    let more = h.emit("durable-1", 2).await;
    assert_eq!(ids(&take(&mut rx, 2).await), ids(&more));
    h.close().await;
}

pub async fn shutdown_ends_subscriptions(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    h.emit("stop-1", 1).await;
    let shutdown = CancellationToken::new();
    let mut rx = h.bus().subscribe(None, shutdown.clone());
    next(&mut rx).await;
    shutdown.cancel();
    let ended = tokio::time::timeout(STEP, async {
        loop {
            match rx.recv().await {
                None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the subscription did not end after shutdown");
    h.close().await;
}

pub async fn positions_the_bus_did_not_issue_are_rejected(factory: &dyn StreamBusFactory) {
    let h = factory.open().await;
    h.emit("pos-1", 2).await;
    let forged = crate::core::model::Position { token: "not-a-position".into(), global: None };
    let mut rx = h.bus().subscribe(Some(forged.clone()), CancellationToken::new());
    match tokio::time::timeout(STEP, rx.recv()).await {
        Ok(Some(Err(crate::core::bus::BusError::InvalidPosition(token)))) => assert_eq!(token, forged.token),
        other => panic!("expected InvalidPosition, got {other:?}"),
    }
    h.close().await;
}
