use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use uuid::Uuid;

use super::SqsQueueBus;
use crate::{
    adapters::aws::{AwsClients, coordination::DynamoCheckpoints, provision::Needs, testing},
    config::AwsConfig,
    conformance::queue_bus::{Opened, QueueBusFactory, queue_bus_conformance},
    core::{
        bus::{BusError, ConsumerSettings, NackOutcome, QueueBus},
        model::{EventMetadata, ExpectedRevision, Position, ProposedEvent, RecordedEvent},
        ports::EventStore,
    },
};

/// Buses on one deployment on moto: its own topic, queue prefix and
/// coordination table. Opening again is a restart on the same resources.
struct OnMoto {
    config: AwsConfig,
    clients: AwsClients,
}

async fn deployment() -> OnMoto {
    let needs = Needs { coordination_table: true, topic: true, ..Needs::default() };
    let (config, clients) = testing::moto_deployment(needs, 1).await;
    OnMoto { config, clients }
}

impl OnMoto {
    async fn bus(&self, store: Option<Arc<dyn EventStore>>) -> SqsQueueBus {
        SqsQueueBus::new(&self.clients, &self.config.resources, store).await.expect("bus")
    }
}

/// Opens buses on one deployment; `close` shuts the open bus down as a
/// server stop does.
struct Factory {
    on: tokio::sync::OnceCell<OnMoto>,
    open: std::sync::Mutex<Option<Arc<SqsQueueBus>>>,
}

impl Factory {
    fn new() -> Self {
        Self { on: tokio::sync::OnceCell::new(), open: std::sync::Mutex::new(None) }
    }
}

#[async_trait]
impl QueueBusFactory for Factory {
    async fn open(&self) -> Opened {
        let on = self.on.get_or_init(deployment).await;
        let bus = Arc::new(on.bus(None).await);
        *self.open.lock().expect("lock") = Some(bus.clone());
        let checkpoints =
            Arc::new(DynamoCheckpoints::new(on.clients.dynamodb.clone(), &on.config.resources.coordination_table));
        Opened { bus, checkpoints }
    }

    async fn close(&self, opened: Opened) {
        drop(opened);
        let bus = self.open.lock().expect("lock").take();
        if let Some(bus) = bus {
            bus.shutdown();
        }
    }
}

queue_bus_conformance!(Factory::new());

fn settings(visibility: Duration, max_deliveries: u32) -> ConsumerSettings {
    ConsumerSettings {
        visibility_timeout: visibility,
        max_deliveries,
        backoff_initial: Duration::from_millis(10),
        backoff_max: Duration::from_millis(80),
        event_types: Vec::new(),
    }
}

fn event(data: Bytes) -> Arc<RecordedEvent> {
    Arc::new(RecordedEvent {
        event_id: Uuid::new_v4(),
        stream_id: "s-1".into(),
        revision: 0,
        position: Position { token: "1".into(), global: Some(1) },
        event_type: "Big".into(),
        schema_version: 0,
        content_type: "application/octet-stream".into(),
        data,
        metadata: EventMetadata::default(),
        recorded_at_micros: 1,
        schema_id: None,
        stored_schema_version: None,
    })
}

async fn receive_one(bus: &SqsQueueBus, consumer: &str) -> crate::core::bus::Delivery {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut got = bus.receive(consumer, 1, Duration::from_secs(1)).await.expect("receive");
        if let Some(d) = got.pop() {
            return d;
        }
        assert!(tokio::time::Instant::now() < deadline, "nothing delivered on {consumer}");
    }
}

/// An event too large for a message travels as a reference and arrives
/// whole; without an event store it is refused, never cut.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_events_travel_by_claim_check() {
    use crate::adapters::sqlite::{SqliteEventStore, SqliteEventStoreConfig};

    let on = deployment().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn EventStore> = Arc::new(
        SqliteEventStore::open(dir.path().join("events.db"), SqliteEventStoreConfig::default()).expect("store"),
    );
    let data: Vec<u8> = (0..300 * 1024).map(|i| (i % 251) as u8).collect();
    let id = Uuid::new_v4();
    store
        .append(
            "big-1",
            ExpectedRevision::Any,
            vec![ProposedEvent {
                event_id: id,
                event_type: "Big".into(),
                content_type: "application/octet-stream".into(),
                schema_version: 0,
                schema_id: None,
                data: Bytes::from(data.clone()),
                metadata: EventMetadata::default(),
            }],
        )
        .await
        .expect("append");
    let stored = Arc::new(store.find_event(id).await.expect("find").expect("stored"));

    let without = on.bus(None).await;
    without.create_consumer("c", settings(Duration::from_secs(30), 3)).await.expect("create");
    match without.publish(std::slice::from_ref(&stored)).await {
        Err(BusError::Invalid(text)) => assert!(text.contains("262144"), "{text}"),
        other => panic!("a large event without a store: {other:?}"),
    }

    let bus = on.bus(Some(store)).await;
    bus.publish(std::slice::from_ref(&stored)).await.expect("publish by reference");
    let delivery = receive_one(&bus, "c").await;
    assert_eq!(delivery.event, *stored, "the event arrives whole");
    assert_eq!(delivery.event.data.len(), data.len());
    // Dead-lettered, it is still whole.
    bus.park("c", &delivery.receipt, "too big to handle").await.expect("park");
    let dead = bus.dead_letter("c", id).await.expect("get").expect("dead letter");
    assert_eq!(dead.event, *stored);
    // A small event still travels inline (no store needed to read it).
    let small = event(Bytes::from_static(b"{}"));
    bus.publish(std::slice::from_ref(&small)).await.expect("publish");
    assert_eq!(receive_one(&without, "c").await.event, *small);
}

/// A message received max_deliveries times and never settled, by a receiver
/// the bus forgot (a crash), is moved to the DLQ by SQS's redrive policy; the
/// bus lists it as a dead letter whose visibility timeouts ran out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redrive_policy_dead_letters_exhausted_messages() {
    let on = deployment().await;
    let crashed = on.bus(None).await;
    let c = &testing::unique("c");
    crashed.create_consumer(c, settings(Duration::from_secs(1), 2)).await.expect("create");
    let e = event(Bytes::from_static(b"{\"n\":1}"));
    crashed.publish(std::slice::from_ref(&e)).await.expect("publish");
    for attempt in 1..=2 {
        // A fresh bus each time: nobody remembers the receipt.
        let bus = on.bus(None).await;
        let delivery = receive_one(&bus, c).await;
        assert_eq!(delivery.attempt, attempt);
    }
    let bus = on.bus(None).await;
    // The next receive after the last timeout makes SQS move it.
    let got = bus.receive(c, 10, Duration::from_secs(2)).await.expect("receive");
    assert!(got.is_empty(), "delivered after max_deliveries: {got:?}");
    let counts = bus.consumer(c).await.expect("info");
    assert_eq!((counts.ready, counts.in_flight, counts.dead_letters), (0, 0, 1));
    let dead = bus.dead_letter(c, e.event_id).await.expect("get").expect("in the DLQ");
    assert_eq!((dead.attempts, dead.last_error.as_str(), dead.parked), (2, super::VISIBILITY_EXPIRED, false));
    assert_eq!(dead.event, *e);
    assert!(dead.dead_at_micros > 0);
    // Rewritten once: later reads see the same record.
    let again = bus.dead_letter(c, e.event_id).await.expect("get").expect("kept");
    assert_eq!(again.dead_at_micros, dead.dead_at_micros);
}

/// Another replica on the same resources sees the consumers (with their
/// settings from the queue tags), the messages and the dead letters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_replica_shares_consumers_messages_and_dead_letters() {
    let on = deployment().await;
    let one = on.bus(None).await;
    let two = on.bus(None).await;
    let chosen = ConsumerSettings {
        visibility_timeout: Duration::from_millis(30_500),
        max_deliveries: 4,
        backoff_initial: Duration::from_millis(250),
        backoff_max: Duration::from_secs(9),
        event_types: vec!["Big".into(), "Invoice*".into()],
    };
    one.create_consumer("shared.v1", chosen.clone()).await.expect("create");
    let seen = two.consumer("shared.v1").await.expect("seen by the other replica");
    assert_eq!(seen.settings, chosen, "settings survive the trip through tags");
    let names: Vec<_> = two.list_consumers().await.expect("list").into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["shared.v1"]);

    let (a, b) = (event(Bytes::from_static(b"{\"a\":1}")), event(Bytes::from_static(b"{\"b\":2}")));
    one.publish(&[a.clone(), b.clone()]).await.expect("publish");
    two.publish(&[a.clone(), b.clone()]).await.expect("the other replica republishes");
    assert_eq!(two.consumer("shared.v1").await.expect("info").ready, 2, "republished ids are not enqueued twice");
    let first = receive_one(&two, "shared.v1").await;
    let second = receive_one(&one, "shared.v1").await;
    assert_ne!(first.event.event_id, second.event.event_id);
    two.park("shared.v1", &first.receipt, "parked on two").await.expect("park");
    assert_eq!(
        one.nack("shared.v1", &second.receipt, "retry").await.expect("nack"),
        NackOutcome::Retry { after: Duration::from_millis(250) }
    );
    let dead = one.dead_letter("shared.v1", first.event.event_id).await.expect("get").expect("seen by one");
    assert_eq!((dead.last_error.as_str(), dead.parked, dead.attempts), ("parked on two", true, 1));
    // A receipt from another replica still settles through SQS.
    let retried = receive_one(&two, "shared.v1").await;
    assert_eq!((retried.event.event_id, retried.attempt), (second.event.event_id, 2));
    one.ack("shared.v1", &retried.receipt).await.expect("ack on the other replica");
    assert_eq!(one.redrive("shared.v1", crate::core::bus::DeadLetterSelection::All).await.expect("redrive"), 1);
    let back = receive_one(&two, "shared.v1").await;
    assert_eq!((back.event.event_id, back.attempt), (first.event.event_id, 1));
    two.ack("shared.v1", &back.receipt).await.expect("ack");
    one.delete_consumer("shared.v1").await.expect("delete");
    assert!(matches!(two.consumer("shared.v1").await, Err(BusError::ConsumerNotFound(_))));
}

/// A long poll may wait longer than the configured request timeout (5 s in
/// tests): the wait stretches the timeout of that request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_polls_outlast_the_request_timeout() {
    let on = deployment().await;
    let bus = on.bus(None).await;
    bus.create_consumer("idle", settings(Duration::from_secs(30), 3)).await.expect("create");
    let wait = on.config.request_timeout + Duration::from_secs(2);
    let started = tokio::time::Instant::now();
    let got = bus.receive("idle", 1, wait).await.expect("an idle long poll is not an error");
    assert!(got.is_empty());
    assert!(started.elapsed() >= wait - Duration::from_millis(100), "returned after {:?}", started.elapsed());
}

/// Errors are kept up to MAX_ERROR_BYTES as they will be stored (escaped),
/// so that a dead-letter copy always fits in a message.
#[test]
fn errors_are_clipped_to_their_escaped_size() {
    use super::{MAX_ERROR_BYTES, clip};
    assert_eq!(clip("short"), "short");
    assert_eq!(clip(&"x".repeat(5000)).len(), MAX_ERROR_BYTES);
    let controls = "\u{1}".repeat(5000);
    assert_eq!(clip(&controls).len(), MAX_ERROR_BYTES / 6);
    let wide = "é".repeat(3000);
    let clipped = clip(&wide);
    assert!(clipped.len() <= MAX_ERROR_BYTES && wide.starts_with(&clipped));
    let encoded = super::wire::DeadInfo { at: 1, attempts: 1, error: clip(&controls), parked: false }.encode();
    assert!(encoded.expect("encode").len() < MAX_ERROR_BYTES + 100);
}

/// A receive of more than SQS's 10 per call takes several calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receive_of_more_than_ten_loops() {
    let on = deployment().await;
    let bus = on.bus(None).await;
    bus.create_consumer("many", settings(Duration::from_secs(30), 3)).await.expect("create");
    let published: Vec<_> = (0..25).map(|i| event(Bytes::from(format!("{{\"i\":{i}}}")))).collect();
    bus.publish(&published).await.expect("publish");
    let got = bus.receive("many", 25, Duration::from_secs(2)).await.expect("receive");
    let ids: std::collections::HashSet<_> = got.iter().map(|d| d.event.event_id).collect();
    assert_eq!((got.len(), ids.len()), (25, 25));
    assert!(bus.receive("many", 5, Duration::ZERO).await.expect("receive").is_empty());
}

/// After shutdown a waiting receiver, and every later call, ends with
/// ShuttingDown; another bus on the same resources carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_waiting_receivers_and_later_calls() {
    let on = deployment().await;
    let bus = Arc::new(on.bus(None).await);
    bus.create_consumer("c", settings(Duration::from_secs(30), 3)).await.expect("create");
    let waiting = {
        let bus = bus.clone();
        tokio::spawn(async move { bus.receive("c", 1, Duration::from_secs(15)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    bus.shutdown();
    let ended = tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("receiver woke").expect("task");
    assert_eq!(ended, Err(BusError::ShuttingDown));
    assert_eq!(bus.consumer("c").await, Err(BusError::ShuttingDown));
    assert_eq!(bus.publish(&[event(Bytes::from_static(b"{}"))]).await, Err(BusError::ShuttingDown));
    assert_eq!(on.bus(None).await.consumer("c").await.expect("kept").name, "c");
}

/// The queue path needs a FIFO topic: provisioning refuses another name.
#[tokio::test]
async fn provisioning_requires_a_fifo_topic() {
    let mut config = testing::moto_config();
    config.resources.topic = config.resources.topic.trim_end_matches(".fifo").to_string();
    let clients = testing::moto_clients(&config).await;
    let needs = Needs { topic: true, ..Needs::default() };
    let error = crate::adapters::aws::provision::create(&clients, &config.resources, needs, 1)
        .await
        .expect_err("a standard topic name");
    assert!(format!("{error:#}").contains(".fifo"), "{error:#}");
}
