//! The queue path end to end: an event of a secondary-route type (a subject
//! the test creates with `route = SECONDARY`) appended through the API is routed to
//! every consumer's queue, delivered on Consume streams, retried after nacks,
//! dead-lettered after max_deliveries failed deliveries, and redriven.

use std::time::Duration;

use nexus_e2e::{NexusProcess, assert_error, assert_violation, expect_raw_status, proposed, unique};
use nexus_sdk::proto::{
    AppendToStreamRequest, ConsumeRequest, ConsumeResponse, ConsumerSettings, CreateConsumerRequest, DataFormat,
    GetConsumerRequest, ListDeadLettersRequest, PutSubjectRequest, RedriveDeadLettersRequest, Route, Subject,
    consume_request::{self, Kind as Inbound},
    consume_response::{self, Kind as Outbound, settled::Outcome},
    event_store_service_client::EventStoreServiceClient,
    queue_service_client::QueueServiceClient,
    schema_service_client::SchemaServiceClient,
};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Streaming, transport::Channel};

const PATIENCE: Duration = Duration::from_secs(20);

fn millis(ms: u64) -> Option<prost_types::Duration> {
    Some(prost_types::Duration { seconds: (ms / 1000) as i64, nanos: ((ms % 1000) * 1_000_000) as i32 })
}

fn start(consumer: &str) -> ConsumeRequest {
    ConsumeRequest {
        kind: Some(Inbound::Start(consume_request::Start { consumer: consumer.into(), max_in_flight: 4 })),
    }
}

async fn next(responses: &mut Streaming<ConsumeResponse>) -> Outbound {
    tokio::time::timeout(PATIENCE, responses.message())
        .await
        .expect("a Consume message in time")
        .expect("the stream is healthy")
        .expect("the stream is open")
        .kind
        .expect("a message with content")
}

async fn next_delivery(responses: &mut Streaming<ConsumeResponse>) -> consume_response::Delivery {
    match next(responses).await {
        Outbound::Delivery(delivery) => delivery,
        other => panic!("expected a delivery, got {other:?}"),
    }
}

async fn next_settled(responses: &mut Streaming<ConsumeResponse>) -> consume_response::Settled {
    match next(responses).await {
        Outbound::Settled(settled) => settled,
        other => panic!("expected a settle answer, got {other:?}"),
    }
}

async fn consume(
    queue: &mut QueueServiceClient<Channel>,
    consumer: &str,
) -> (mpsc::Sender<ConsumeRequest>, Streaming<ConsumeResponse>) {
    let (tx, rx) = mpsc::channel(16);
    tx.send(start(consumer)).await.expect("send start");
    let responses = queue.consume(ReceiverStream::new(rx)).await.expect("consume").into_inner();
    (tx, responses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_nacks_dead_letter_a_secondary_event_and_redrive_delivers_it_again() {
    let server = NexusProcess::start().await;
    let channel = server.channel().await;
    let mut queue = QueueServiceClient::new(channel.clone());
    let mut store = EventStoreServiceClient::new(channel);
    let consumer = "account-closures";
    queue
        .create_consumer(CreateConsumerRequest {
            name: consumer.into(),
            settings: Some(ConsumerSettings {
                visibility_timeout: millis(30_000),
                max_deliveries: Some(5),
                backoff_initial: millis(50),
                backoff_max: millis(200),
                ..Default::default()
            }),
        })
        .await
        .expect("create consumer");
    let (tx, mut responses) = consume(&mut queue, consumer).await;

    // A secondary-route event type of this test's own.
    let event_type = unique("ShipmentNotified");
    SchemaServiceClient::new(server.channel().await)
        .put_subject(PutSubjectRequest {
            subject: Some(Subject {
                name: event_type.clone(),
                data_format: DataFormat::Json as i32,
                route: Route::Secondary as i32,
                allow_unvalidated: true,
                ..Default::default()
            }),
        })
        .await
        .expect("create a secondary-route subject");
    let stream_id = unique("shipment-");
    let appended = proposed(&event_type, json!({}));
    let event_id = appended.event_id.clone();
    store
        .append_to_stream(AppendToStreamRequest {
            stream_id: stream_id.clone(),
            events: vec![appended],
            ..Default::default()
        })
        .await
        .expect("append a secondary event");

    for attempt in 1..=5 {
        let delivery = next_delivery(&mut responses).await;
        assert_eq!(delivery.attempt, attempt);
        let event = delivery.event.expect("event");
        assert_eq!((event.event_id.as_str(), event.stream_id.as_str()), (event_id.as_str(), stream_id.as_str()));
        let nack =
            consume_request::Nack { receipt: delivery.receipt.clone(), error: format!("handler failed {attempt}") };
        tx.send(ConsumeRequest { kind: Some(Inbound::Nack(nack)) }).await.expect("send nack");
        let settled = next_settled(&mut responses).await;
        assert_eq!(settled.receipt, delivery.receipt);
        if attempt < 5 {
            assert_eq!(settled.outcome(), Outcome::Retry);
            assert!(settled.retry_after.is_some(), "a retry says when");
        } else {
            assert_eq!(settled.outcome(), Outcome::DeadLettered, "the fifth failed delivery dead-letters it");
        }
    }

    let page = queue
        .list_dead_letters(ListDeadLettersRequest { consumer: consumer.into(), ..Default::default() })
        .await
        .expect("list dead letters")
        .into_inner();
    assert_eq!(page.dead_letters.len(), 1);
    let dead = &page.dead_letters[0];
    assert_eq!((dead.id.as_str(), dead.attempts, dead.last_error.as_str()), (event_id.as_str(), 5, "handler failed 5"));
    assert!(!dead.parked);
    assert_eq!(dead.event.as_ref().map(|e| e.stream_id.as_str()), Some(stream_id.as_str()));

    let redriven = queue
        .redrive_dead_letters(RedriveDeadLettersRequest {
            consumer: consumer.into(),
            ids: vec![event_id.clone()],
            all: false,
        })
        .await
        .expect("redrive")
        .into_inner();
    assert_eq!(redriven.redriven, 1);
    let again = next_delivery(&mut responses).await;
    assert_eq!((again.attempt, again.event.map(|e| e.event_id)), (1, Some(event_id.clone())));
    let ack = consume_request::Ack { receipt: again.receipt.clone() };
    tx.send(ConsumeRequest { kind: Some(Inbound::Ack(ack)) }).await.expect("send ack");
    assert_eq!(next_settled(&mut responses).await.outcome(), Outcome::Acked);

    let info = queue
        .get_consumer(GetConsumerRequest { name: consumer.into() })
        .await
        .expect("get consumer")
        .into_inner()
        .consumer
        .expect("consumer");
    assert_eq!((info.ready, info.in_flight, info.dead_letters), (0, 0, 0), "the queue is empty");
    let nothing = tokio::time::timeout(Duration::from_millis(500), responses.message()).await;
    assert!(nothing.is_err(), "nothing more is delivered: {nothing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queue_requests_get_precise_errors() {
    let server = NexusProcess::start().await;
    let mut queue = QueueServiceClient::new(server.channel().await);

    let status = expect_raw_status(
        queue.create_consumer(CreateConsumerRequest { name: "has space".into(), settings: None }).await,
    );
    assert_error(&status, Code::InvalidArgument, "INVALID_REQUEST");
    assert_violation(&status, "name", |v| v.field == "name");

    let status = expect_raw_status(
        queue
            .create_consumer(CreateConsumerRequest {
                name: "ok".into(),
                settings: Some(ConsumerSettings { max_deliveries: Some(0), ..Default::default() }),
            })
            .await,
    );
    assert_violation(&status, "max_deliveries", |v| v.field == "settings.max_deliveries");

    let status = expect_raw_status(
        queue
            .create_consumer(CreateConsumerRequest {
                name: "ok".into(),
                settings: Some(ConsumerSettings { event_types: vec!["Money*Deposited".into()], ..Default::default() }),
            })
            .await,
    );
    assert_violation(&status, "event_types", |v| v.field == "settings.event_types");
    let status = expect_raw_status(queue.get_consumer(GetConsumerRequest { name: "ok".into() }).await);
    assert_error(&status, Code::NotFound, "CONSUMER_NOT_FOUND");

    let status = expect_raw_status(queue.get_consumer(GetConsumerRequest { name: "nobody".into() }).await);
    assert_error(&status, Code::NotFound, "CONSUMER_NOT_FOUND");

    // Consume must start with `start`, on a consumer that exists.
    let (tx, rx) = mpsc::channel(4);
    tx.send(ConsumeRequest { kind: Some(Inbound::Ack(consume_request::Ack { receipt: "r".into() })) })
        .await
        .expect("send");
    let status = expect_raw_status(queue.consume(ReceiverStream::new(rx)).await);
    assert_error(&status, Code::InvalidArgument, "INVALID_REQUEST");
    let (tx, rx) = mpsc::channel(4);
    tx.send(start("nobody")).await.expect("send");
    let status = expect_raw_status(queue.consume(ReceiverStream::new(rx)).await);
    assert_error(&status, Code::NotFound, "CONSUMER_NOT_FOUND");

    // A receipt that is not (or no longer) valid is answered STALE.
    queue.create_consumer(CreateConsumerRequest { name: "c".into(), settings: None }).await.expect("create");
    let (tx, mut responses) = consume(&mut queue, "c").await;
    tx.send(ConsumeRequest { kind: Some(Inbound::Ack(consume_request::Ack { receipt: "made-up".into() })) })
        .await
        .expect("send");
    let settled = next_settled(&mut responses).await;
    assert_eq!((settled.receipt.as_str(), settled.outcome()), ("made-up", Outcome::Stale));
}
