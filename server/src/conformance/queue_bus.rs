//! The conformance suite of the [`QueueBus`] and [`Checkpoints`] ports.
//! Every adapter runs it through [`queue_bus_conformance!`] with a factory
//! for its backend, so the embedded queue and the SNS→SQS queue are held to
//! the same rules.
//!
//! Timing: durations are short (tens to hundreds of milliseconds) and every
//! assertion about time is a lower bound ("not before the backoff") or a
//! generous deadline, never a measurement of speed.

use std::{collections::HashSet, sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use tokio::time::Instant;
use uuid::Uuid;

use crate::core::{
    bus::{BusError, Checkpoints, ConsumerSettings, DeadLetterSelection, Delivery, NackOutcome, QueueBus},
    model::{EventMetadata, Position, RecordedEvent},
};

/// A bus and the checkpoints of the same backend.
pub struct Opened {
    pub bus: Arc<dyn QueueBus>,
    pub checkpoints: Arc<dyn Checkpoints>,
}

/// Opens buses on one storage location: a call after [`QueueBusFactory::close`]
/// of the previous bus sees everything that bus acknowledged (a restart).
#[async_trait]
pub trait QueueBusFactory: Send + Sync {
    async fn open(&self) -> Opened;
    /// Stops a bus as a server shutdown does.
    async fn close(&self, opened: Opened);
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! queue_bus_conformance {
    ($factory:expr) => {
        queue_bus_conformance!(@tests $factory;
            publish_fans_out_to_every_consumer_that_exists,
            republishing_an_event_never_enqueues_it_twice,
            a_received_message_is_hidden_until_its_visibility_timeout_ends,
            competing_receivers_never_share_a_message,
            a_waiting_receiver_wakes_on_publish,
            nacks_retry_after_the_backoff_then_dead_letter,
            expired_visibility_timeouts_count_as_failed_deliveries,
            park_dead_letters_at_once,
            stale_receipts_are_refused,
            redrive_puts_dead_letters_back_with_a_fresh_count,
            purge_deletes_dead_letters,
            dead_letters_page_oldest_first,
            consumers_are_validated_updated_and_deleted,
            consumers_receive_only_the_event_types_they_ask_for,
            state_survives_a_restart,
            checkpoints_round_trip_and_survive_a_restart,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::queue_bus::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use queue_bus_conformance;

/// Long enough that a test never sees it run out by accident.
const LONG: Duration = Duration::from_secs(60);
/// How long a test waits for something that should happen soon.
const PATIENCE: Duration = Duration::from_secs(10);

fn settings(visibility_timeout: Duration, max_deliveries: u32, backoff: Duration) -> ConsumerSettings {
    ConsumerSettings {
        visibility_timeout,
        max_deliveries,
        backoff_initial: backoff,
        backoff_max: backoff * 8,
        event_types: Vec::new(),
    }
}

fn typed(stream: &str, event_type: &str) -> Arc<RecordedEvent> {
    let mut event = Arc::unwrap_or_clone(event(stream));
    event.event_type = event_type.into();
    Arc::new(event)
}

static NEXT_GLOBAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn event(stream: &str) -> Arc<RecordedEvent> {
    let global = NEXT_GLOBAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Arc::new(RecordedEvent {
        event_id: Uuid::new_v4(),
        stream_id: stream.into(),
        revision: 3,
        position: Position { token: format!("token-{global}"), global: Some(global) },
        event_type: "InvoiceSent".into(),
        schema_version: 2,
        content_type: "application/json".into(),
        data: Bytes::from(format!("{{\"n\":{global}}}")),
        metadata: EventMetadata {
            correlation_id: "corr-1".into(),
            tenant_id: "acme".into(),
            custom: [("k".to_string(), "v".to_string())].into(),
            ..Default::default()
        },
        recorded_at_micros: 1_700_000_000_000_000,
        schema_id: Some(Uuid::new_v4()),
        stored_schema_version: None,
    })
}

fn events(n: usize) -> Vec<Arc<RecordedEvent>> {
    (0..n).map(|i| event(&format!("s-{i}"))).collect()
}

fn ids(deliveries: &[Delivery]) -> HashSet<Uuid> {
    deliveries.iter().map(|d| d.event.event_id).collect()
}

/// Receives until `n` messages arrived (or the patience runs out).
async fn receive_n(bus: &dyn QueueBus, consumer: &str, n: usize) -> Vec<Delivery> {
    let deadline = Instant::now() + PATIENCE;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        out.extend(bus.receive(consumer, n - out.len(), Duration::from_secs(1)).await.expect("receive"));
    }
    assert_eq!(out.len(), n, "expected {n} deliveries on {consumer}");
    out
}

/// The next single delivery, waiting up to the patience.
async fn receive_one(bus: &dyn QueueBus, consumer: &str) -> Delivery {
    receive_n(bus, consumer, 1).await.remove(0)
}

async fn assert_empty(bus: &dyn QueueBus, consumer: &str, wait: Duration) {
    let got = bus.receive(consumer, 10, wait).await.expect("receive");
    assert!(got.is_empty(), "{consumer} should have nothing to deliver, got {:?}", ids(&got));
}

pub async fn publish_fans_out_to_every_consumer_that_exists(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    for name in ["billing", "mailer"] {
        bus.create_consumer(name, settings(LONG, 5, Duration::from_millis(100))).await.expect("create");
    }
    let published = events(3);
    bus.publish(&published).await.expect("publish");
    let want: HashSet<Uuid> = published.iter().map(|e| e.event_id).collect();
    for name in ["billing", "mailer"] {
        let got = receive_n(&*bus, name, 3).await;
        assert_eq!(ids(&got), want, "{name} receives every event once");
        assert!(got.iter().all(|d| d.attempt == 1));
        for d in &got {
            let original = published.iter().find(|e| e.event_id == d.event.event_id).expect("published");
            assert_eq!(&d.event, &**original, "the event arrives as published");
        }
        assert_empty(&*bus, name, Duration::from_millis(100)).await;
    }
    // A consumer created later sees only what is published after it.
    bus.create_consumer("late", settings(LONG, 5, Duration::from_millis(100))).await.expect("create");
    assert_empty(&*bus, "late", Duration::from_millis(100)).await;
    let later = event("s-later");
    bus.publish(std::slice::from_ref(&later)).await.expect("publish");
    for name in ["billing", "mailer", "late"] {
        assert_eq!(receive_one(&*bus, name).await.event.event_id, later.event_id);
    }
}

pub async fn republishing_an_event_never_enqueues_it_twice(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", settings(LONG, 5, Duration::from_millis(100))).await.expect("create");
    let e = event("s");
    bus.publish(&[e.clone(), e.clone()]).await.expect("publish");
    bus.publish(std::slice::from_ref(&e)).await.expect("republish while queued");
    let info = bus.consumer("c").await.expect("info");
    assert_eq!((info.ready, info.in_flight), (1, 0));
    let delivery = receive_one(&*bus, "c").await;
    bus.publish(std::slice::from_ref(&e)).await.expect("republish while in flight");
    assert_empty(&*bus, "c", Duration::from_millis(100)).await;
    bus.ack("c", &delivery.receipt).await.expect("ack");
    bus.publish(std::slice::from_ref(&e)).await.expect("republish after ack");
    assert_empty(&*bus, "c", Duration::from_millis(200)).await;
    let info = bus.consumer("c").await.expect("info");
    assert_eq!((info.ready, info.in_flight, info.dead_letters), (0, 0, 0));
}

pub async fn a_received_message_is_hidden_until_its_visibility_timeout_ends(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    // Long enough that a busy machine still settles the second receipt
    // before it, too, expires.
    let visibility = Duration::from_millis(1500);
    bus.create_consumer("c", settings(visibility, 5, Duration::from_millis(50))).await.expect("create");
    bus.publish(&events(1)).await.expect("publish");
    let received_at = Instant::now();
    let first = receive_one(&*bus, "c").await;
    assert_eq!(first.attempt, 1);
    // A competing receiver does not see it while it is in flight.
    let hidden = bus.receive("c", 10, Duration::from_millis(50)).await.expect("receive");
    if received_at.elapsed() < visibility {
        assert!(hidden.is_empty(), "an in-flight message was delivered again before its timeout");
        assert_eq!(bus.consumer("c").await.expect("info").in_flight, 1);
    }
    let again = receive_one(&*bus, "c").await;
    assert!(received_at.elapsed() >= visibility, "redelivered before the visibility timeout ended");
    assert_eq!(again.event.event_id, first.event.event_id);
    assert_eq!(again.attempt, 2);
    assert_ne!(again.receipt, first.receipt);
    assert!(matches!(bus.ack("c", &first.receipt).await, Err(BusError::StaleReceipt(_))));
    bus.ack("c", &again.receipt).await.expect("the new receipt settles");
    assert_empty(&*bus, "c", Duration::from_millis(1800)).await;
}

pub async fn competing_receivers_never_share_a_message(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", settings(LONG, 5, Duration::from_millis(50))).await.expect("create");
    bus.publish(&events(40)).await.expect("publish");
    let receivers: Vec<_> = (0..4)
        .map(|_| {
            let bus = bus.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = bus.receive("c", 3, Duration::from_millis(200)).await.expect("receive");
                    if batch.is_empty() {
                        return got;
                    }
                    got.extend(batch);
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for r in receivers {
        all.extend(r.await.expect("receiver"));
    }
    assert_eq!(all.len(), 40, "every message delivered once");
    assert_eq!(ids(&all).len(), 40, "no message delivered to two receivers");
}

pub async fn a_waiting_receiver_wakes_on_publish(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", settings(LONG, 5, Duration::from_millis(50))).await.expect("create");
    let waiting = {
        let bus = bus.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let got = bus.receive("c", 10, Duration::from_secs(30)).await.expect("receive");
            (got, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let e = event("s");
    bus.publish(std::slice::from_ref(&e)).await.expect("publish");
    let (got, waited) = waiting.await.expect("receiver");
    assert_eq!(ids(&got), HashSet::from([e.event_id]));
    assert!(waited < Duration::from_secs(20), "the long poll returned when the message came, not at its end");
}

pub async fn nacks_retry_after_the_backoff_then_dead_letter(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    let backoff = Duration::from_millis(100);
    let consumer = bus.create_consumer("c", settings(LONG, 5, backoff)).await.expect("create");
    let e = event("s");
    bus.publish(std::slice::from_ref(&e)).await.expect("publish");
    let mut deliveries = 0;
    let mut not_before: Option<Instant> = None;
    loop {
        let delivery = receive_one(&*bus, "c").await;
        if let Some(at) = not_before {
            assert!(Instant::now() >= at, "redelivered before its backoff ended");
        }
        deliveries += 1;
        assert_eq!(delivery.attempt, deliveries);
        assert_eq!(delivery.event.event_id, e.event_id);
        let nacked_at = Instant::now();
        match bus.nack("c", &delivery.receipt, &format!("failure {deliveries}")).await.expect("nack") {
            NackOutcome::Retry { after } => {
                assert!(deliveries < 5, "retried after the last allowed delivery");
                assert_eq!(after, consumer.settings.backoff(deliveries), "backoff doubles per failure");
                not_before = Some(nacked_at + after);
                let info = bus.consumer("c").await.expect("info");
                assert_eq!((info.ready, info.in_flight), (1, 0), "a nacked message waits out its backoff as ready");
            }
            NackOutcome::DeadLettered => break,
        }
    }
    assert_eq!(deliveries, 5, "delivered exactly max_deliveries times");
    assert_empty(&*bus, "c", Duration::from_millis(300)).await;
    let dead = bus.dead_letter("c", e.event_id).await.expect("get").expect("dead-lettered");
    assert_eq!((dead.attempts, dead.last_error.as_str(), dead.parked), (5, "failure 5", false));
    assert_eq!(dead.consumer, "c");
    assert_eq!(&dead.event, &*e);
    let info = bus.consumer("c").await.expect("info");
    assert_eq!((info.ready, info.in_flight, info.dead_letters), (0, 0, 1));
}

pub async fn expired_visibility_timeouts_count_as_failed_deliveries(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    let visibility = Duration::from_millis(100);
    bus.create_consumer("c", settings(visibility, 3, Duration::from_millis(10))).await.expect("create");
    let e = event("s");
    bus.publish(std::slice::from_ref(&e)).await.expect("publish");
    for attempt in 1..=3 {
        let delivery = receive_one(&*bus, "c").await;
        assert_eq!(delivery.attempt, attempt);
        // Never settled: the visibility timeout runs out.
    }
    assert_empty(&*bus, "c", visibility * 5).await;
    let dead = bus.dead_letter("c", e.event_id).await.expect("get").expect("dead-lettered after 3 timeouts");
    assert_eq!((dead.attempts, dead.last_error.as_str(), dead.parked), (3, "visibility timeout expired", false));
}

pub async fn park_dead_letters_at_once(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", settings(LONG, 5, Duration::from_millis(10))).await.expect("create");
    let e = event("s");
    bus.publish(std::slice::from_ref(&e)).await.expect("publish");
    let delivery = receive_one(&*bus, "c").await;
    bus.park("c", &delivery.receipt, "unknown currency XYZ").await.expect("park");
    assert_empty(&*bus, "c", Duration::from_millis(200)).await;
    let dead = bus.dead_letter("c", e.event_id).await.expect("get").expect("parked");
    assert_eq!((dead.attempts, dead.last_error.as_str(), dead.parked), (1, "unknown currency XYZ", true));
    assert!(dead.dead_at_micros > 0);
    assert!(matches!(bus.ack("c", &delivery.receipt).await, Err(BusError::StaleReceipt(_))));
}

pub async fn stale_receipts_are_refused(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    for name in ["a", "b"] {
        bus.create_consumer(name, settings(LONG, 5, Duration::from_millis(10))).await.expect("create");
    }
    bus.publish(&events(1)).await.expect("publish");
    let on_a = receive_one(&*bus, "a").await;
    let on_b = receive_one(&*bus, "b").await;
    let stale = |r: Result<(), BusError>| matches!(r, Err(BusError::StaleReceipt(_)));
    assert!(stale(bus.ack("b", &on_a.receipt).await), "a receipt of one consumer does not settle another's");
    assert!(stale(bus.ack("a", "not-a-receipt").await));
    assert!(stale(bus.ack("a", "").await));
    bus.ack("a", &on_a.receipt).await.expect("ack");
    assert!(stale(bus.ack("a", &on_a.receipt).await), "acked twice");
    assert!(matches!(bus.nack("a", &on_a.receipt, "late").await, Err(BusError::StaleReceipt(_))));
    assert!(stale(bus.park("a", &on_a.receipt, "late").await));
    bus.ack("b", &on_b.receipt).await.expect("b's own receipt is still good");
    let missing = |r: Result<(), BusError>| matches!(r, Err(BusError::ConsumerNotFound(_)));
    assert!(missing(bus.ack("nobody", &on_a.receipt).await));
    assert!(matches!(bus.receive("nobody", 1, Duration::ZERO).await, Err(BusError::ConsumerNotFound(_))));
    assert!(matches!(bus.consumer("nobody").await, Err(BusError::ConsumerNotFound(_))));
    assert!(matches!(bus.list_dead_letters("nobody", 10, None).await, Err(BusError::ConsumerNotFound(_))));
}

pub async fn redrive_puts_dead_letters_back_with_a_fresh_count(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", settings(LONG, 2, Duration::from_millis(10))).await.expect("create");
    let published = events(3);
    bus.publish(&published).await.expect("publish");
    for d in receive_n(&*bus, "c", 3).await {
        bus.park("c", &d.receipt, "not yet").await.expect("park");
    }
    let first = published[0].event_id;
    let unknown = Uuid::new_v4();
    assert_eq!(bus.redrive("c", DeadLetterSelection::Ids(vec![first, unknown])).await.expect("redrive"), 1);
    assert_eq!(bus.consumer("c").await.expect("info").dead_letters, 2);
    let again = receive_one(&*bus, "c").await;
    assert_eq!((again.event.event_id, again.attempt), (first, 1), "redriven with a fresh delivery count");
    // The fresh count allows max_deliveries deliveries again.
    assert!(matches!(bus.nack("c", &again.receipt, "1").await.expect("nack"), NackOutcome::Retry { .. }));
    let second = receive_one(&*bus, "c").await;
    assert_eq!(second.attempt, 2);
    assert_eq!(bus.nack("c", &second.receipt, "2").await.expect("nack"), NackOutcome::DeadLettered);
    assert_eq!(bus.redrive("c", DeadLetterSelection::All).await.expect("redrive all"), 3);
    let back = receive_n(&*bus, "c", 3).await;
    assert!(back.iter().all(|d| d.attempt == 1));
    assert_eq!(ids(&back), published.iter().map(|e| e.event_id).collect());
    assert_eq!(bus.consumer("c").await.expect("info").dead_letters, 0);
}

pub async fn purge_deletes_dead_letters(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    for name in ["c", "other"] {
        bus.create_consumer(name, settings(LONG, 2, Duration::from_millis(10))).await.expect("create");
    }
    let published = events(3);
    bus.publish(&published).await.expect("publish");
    for d in receive_n(&*bus, "c", 3).await {
        bus.park("c", &d.receipt, "bad").await.expect("park");
    }
    let first = published[0].event_id;
    assert_eq!(bus.purge("c", DeadLetterSelection::Ids(vec![first])).await.expect("purge"), 1);
    assert!(bus.dead_letter("c", first).await.expect("get").is_none());
    assert_eq!(bus.redrive("c", DeadLetterSelection::Ids(vec![first])).await.expect("redrive"), 0);
    assert_eq!(bus.purge("c", DeadLetterSelection::All).await.expect("purge all"), 2);
    let page = bus.list_dead_letters("c", 10, None).await.expect("list");
    assert!(page.dead_letters.is_empty() && page.next_page_token.is_none());
    assert_empty(&*bus, "c", Duration::from_millis(100)).await;
    // Another consumer's copies are untouched.
    let other = receive_n(&*bus, "other", 3).await;
    assert_eq!(ids(&other), published.iter().map(|e| e.event_id).collect());
    let kept = other.iter().find(|d| d.event.event_id == first).expect("delivered");
    assert_eq!(&kept.event, &*published[0], "a purge leaves the payload other consumers still hold");
}

pub async fn dead_letters_page_oldest_first(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    bus.create_consumer("c", settings(LONG, 2, Duration::from_millis(10))).await.expect("create");
    let published = events(5);
    bus.publish(&published).await.expect("publish");
    let mut parked = Vec::new();
    for d in receive_n(&*bus, "c", 5).await {
        bus.park("c", &d.receipt, "later").await.expect("park");
        parked.push(d.event.event_id);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut listed = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = bus.list_dead_letters("c", 2, token.as_deref()).await.expect("list");
        assert!(page.dead_letters.len() <= 2);
        listed.extend(page.dead_letters.iter().map(|d| d.id));
        pages += 1;
        match page.next_page_token {
            Some(next) => token = Some(next),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(listed, parked, "oldest first, each once");
    assert!(matches!(bus.list_dead_letters("c", 2, Some("bogus")).await, Err(BusError::Invalid(_))));
}

pub async fn consumers_are_validated_updated_and_deleted(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    let ok = settings(LONG, 5, Duration::from_millis(10));
    for bad in ["", "has space", "slash/y", &"x".repeat(81)] {
        assert!(matches!(bus.create_consumer(bad, ok.clone()).await, Err(BusError::Invalid(_))), "{bad:?}");
    }
    let zero = ConsumerSettings { max_deliveries: 0, ..ok.clone() };
    assert!(matches!(bus.create_consumer("c", zero).await, Err(BusError::Invalid(_))));
    let created = bus.create_consumer("zeta.v1", ok.clone()).await.expect("create");
    assert_eq!((created.name.as_str(), &created.settings, created.ready), ("zeta.v1", &ok, 0));
    let changed = settings(Duration::from_secs(5), 3, Duration::from_millis(20));
    let updated = bus.create_consumer("zeta.v1", changed.clone()).await.expect("update");
    assert_eq!(updated.settings, changed);
    bus.create_consumer("alpha_1", ok.clone()).await.expect("create");
    bus.publish(&events(2)).await.expect("publish");
    let names: Vec<_> = bus.list_consumers().await.expect("list").into_iter().map(|c| (c.name, c.ready)).collect();
    assert_eq!(names, [("alpha_1".to_string(), 2), ("zeta.v1".to_string(), 2)]);
    bus.delete_consumer("zeta.v1").await.expect("delete");
    assert!(matches!(bus.consumer("zeta.v1").await, Err(BusError::ConsumerNotFound(_))));
    assert!(matches!(bus.delete_consumer("zeta.v1").await, Err(BusError::ConsumerNotFound(_))));
    // Recreated, it starts empty; the other consumer keeps its messages.
    bus.create_consumer("zeta.v1", ok).await.expect("recreate");
    assert_empty(&*bus, "zeta.v1", Duration::from_millis(100)).await;
    assert_eq!(receive_n(&*bus, "alpha_1", 2).await.len(), 2);
}

pub async fn consumers_receive_only_the_event_types_they_ask_for(factory: &dyn QueueBusFactory) {
    let Opened { bus, .. } = factory.open().await;
    let narrow = ConsumerSettings {
        event_types: vec!["AccountOpened".into(), "Money*".into()],
        ..settings(LONG, 5, Duration::from_millis(10))
    };
    let created = bus.create_consumer("narrow", narrow.clone()).await.expect("create");
    assert_eq!(created.settings.event_types, narrow.event_types, "the filter is kept");
    assert_eq!(bus.consumer("narrow").await.expect("read").settings, narrow, "and read back");
    bus.create_consumer("everything", settings(LONG, 5, Duration::from_millis(10))).await.expect("create");
    let published = vec![
        typed("a-1", "AccountOpened"),
        typed("a-1", "MoneyDeposited"),
        typed("a-1", "AccountOpenedV2"),
        typed("a-1", "AccountClosed"),
        typed("a-2", "Money"),
    ];
    bus.publish(&published).await.expect("publish");
    let wanted: HashSet<Uuid> = [0, 1, 4].iter().map(|&i| published[i].event_id).collect();
    let got = receive_n(&*bus, "narrow", 3).await;
    assert_eq!(ids(&got), wanted);
    for d in &got {
        bus.ack("narrow", &d.receipt).await.expect("ack");
    }
    assert_empty(&*bus, "narrow", Duration::from_millis(300)).await;
    assert_eq!(receive_n(&*bus, "everything", 5).await.len(), 5, "an empty filter takes every type");

    // A changed filter applies to events published after the change.
    let widened = ConsumerSettings { event_types: Vec::new(), ..narrow };
    assert_eq!(
        bus.create_consumer("narrow", widened).await.expect("update").settings.event_types,
        Vec::<String>::new()
    );
    let later = typed("a-3", "AccountClosed");
    bus.publish(std::slice::from_ref(&later)).await.expect("publish");
    assert_eq!(ids(&receive_n(&*bus, "narrow", 1).await), HashSet::from([later.event_id]));

    let bad = ConsumerSettings { event_types: vec!["*".into()], ..settings(LONG, 5, Duration::from_millis(10)) };
    assert!(matches!(bus.create_consumer("bad", bad).await, Err(BusError::Invalid(_))));
}

pub async fn state_survives_a_restart(factory: &dyn QueueBusFactory) {
    let opened = factory.open().await;
    let bus = opened.bus.clone();
    // Short enough that a backend which keeps receipts across a restart
    // redelivers within the test's patience.
    let visibility = Duration::from_secs(2);
    bus.create_consumer("c", settings(visibility, 5, Duration::from_millis(100))).await.expect("create");
    let published = events(4);
    bus.publish(&published).await.expect("publish");
    let mut got = receive_n(&*bus, "c", 4).await;
    got.sort_by_key(|d| d.event.position.global);
    bus.ack("c", &got[0].receipt).await.expect("ack");
    assert!(matches!(bus.nack("c", &got[1].receipt, "retry me").await, Ok(NackOutcome::Retry { .. })));
    bus.park("c", &got[2].receipt, "parked before restart").await.expect("park");
    // got[3] stays in flight.
    drop(bus);
    factory.close(opened).await;

    let Opened { bus, .. } = factory.open().await;
    let again = receive_n(&*bus, "c", 2).await;
    assert_eq!(ids(&again), HashSet::from([got[1].event.event_id, got[3].event.event_id]), "un-acked come back");
    assert!(again.iter().all(|d| d.attempt == 2), "deliveries before the restart still count");
    for d in &again {
        bus.ack("c", &d.receipt).await.expect("ack");
    }
    let dead = bus.dead_letter("c", got[2].event.event_id).await.expect("get").expect("dead letter kept");
    assert_eq!((dead.last_error.as_str(), dead.parked), ("parked before restart", true));
    // Published ids are remembered across the restart.
    bus.publish(&published).await.expect("republish");
    assert_empty(&*bus, "c", visibility + Duration::from_millis(200)).await;
}

pub async fn checkpoints_round_trip_and_survive_a_restart(factory: &dyn QueueBusFactory) {
    let opened = factory.open().await;
    let checkpoints = opened.checkpoints.clone();
    assert_eq!(checkpoints.load("router").await.expect("load"), None);
    let first = Position { token: "opaque-1".into(), global: Some(7) };
    checkpoints.save("router", &first).await.expect("save");
    assert_eq!(checkpoints.load("router").await.expect("load"), Some(first));
    let second = Position { token: "opaque-2".into(), global: None };
    checkpoints.save("router", &second).await.expect("save");
    checkpoints.save("projection.accounts", &Position { token: "p".into(), global: Some(1) }).await.expect("save");
    drop(checkpoints);
    factory.close(opened).await;

    let Opened { checkpoints, .. } = factory.open().await;
    assert_eq!(checkpoints.load("router").await.expect("load"), Some(second));
    assert_eq!(
        checkpoints.load("projection.accounts").await.expect("load"),
        Some(Position { token: "p".into(), global: Some(1) })
    );
    assert_eq!(checkpoints.load("unknown").await.expect("load"), None);
}
