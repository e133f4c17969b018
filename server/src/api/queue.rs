//! `nexus.v1.QueueService`: the consumers of the queue path, their
//! persistent subscriptions (Consume) and their dead-letter queues.
//!
//! Consumers receive the secondary events of every tenant, so they are
//! platform resources: every call names the consumer it is about (tenant
//! "") and the policies decide as for any shared resource.

use std::{collections::HashMap, pin::Pin, sync::Arc, time::Duration};

use futures::Stream;
use nexus_sdk::proto::{
    self,
    consume_request::Kind as Inbound,
    consume_response::{Kind as Outbound, settled::Outcome},
};
use tokio::{sync::mpsc, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};
use uuid::Uuid;

use super::{
    authz::{Call, Guard, service::QUEUE},
    convert,
    status::invalid,
};
use crate::core::{
    bus::{
        BusError, ConsumerInfo, ConsumerSettings, DeadLetter, DeadLetterSelection, Delivery, NackOutcome, QueueBus,
        check_consumer_name,
    },
    error::FieldViolation,
    schema::governance::Governance,
};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Deliveries unsettled at once on one Consume stream, unless the client
/// asks otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 16;
/// The most a Consume client may ask for.
pub const MAX_IN_FLIGHT: u32 = 1000;
/// Dead letters on a page unless the client asks otherwise, and at most.
const DEFAULT_PAGE_SIZE: u32 = 100;
const MAX_PAGE_SIZE: u32 = 1000;
/// Most ids one redrive or purge may name.
const MAX_IDS: usize = 1000;
/// How long one receive waits for messages before it polls again (the
/// SQS maximum, so one backend call either way).
const LONG_POLL: Duration = Duration::from_secs(20);

pub struct QueueApi {
    bus: Arc<dyn QueueBus>,
    governance: Arc<Governance>,
    guard: Arc<Guard>,
    /// Fires when the server shuts down; open Consume streams end.
    shutdown: CancellationToken,
}

impl QueueApi {
    pub fn new(
        bus: Arc<dyn QueueBus>,
        governance: Arc<Governance>,
        guard: Arc<Guard>,
        shutdown: CancellationToken,
    ) -> Self {
        Self { bus, governance, guard, shutdown }
    }
}

fn check(violations: Vec<FieldViolation>) -> Result<(), Status> {
    if violations.is_empty() { Ok(()) } else { Err(invalid(violations)) }
}

fn consumer_name(field: &str, name: &str, violations: &mut Vec<FieldViolation>) {
    if let Err(BusError::Invalid(problem)) = check_consumer_name(name) {
        violations.push(FieldViolation::new(field, problem));
    }
}

fn duration(
    field: &str,
    value: Option<prost_types::Duration>,
    default: Duration,
    violations: &mut Vec<FieldViolation>,
) -> Duration {
    match value.map(Duration::try_from) {
        None => default,
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            violations.push(FieldViolation::new(field, "must be a non-negative duration"));
            default
        }
    }
}

/// The settings of a CreateConsumer request; unset fields take the defaults.
fn settings(settings: Option<proto::ConsumerSettings>, violations: &mut Vec<FieldViolation>) -> ConsumerSettings {
    let given = settings.unwrap_or_default();
    let defaults = ConsumerSettings::default();
    let settings = ConsumerSettings {
        visibility_timeout: duration(
            "settings.visibility_timeout",
            given.visibility_timeout,
            defaults.visibility_timeout,
            violations,
        ),
        max_deliveries: given.max_deliveries.unwrap_or(defaults.max_deliveries),
        backoff_initial: duration(
            "settings.backoff_initial",
            given.backoff_initial,
            defaults.backoff_initial,
            violations,
        ),
        backoff_max: duration("settings.backoff_max", given.backoff_max, defaults.backoff_max, violations),
        event_types: given.event_types,
    };
    for (field, problem) in settings.problems() {
        violations.push(FieldViolation::new(format!("settings.{field}"), problem));
    }
    settings
}

fn proto_duration(d: Duration) -> Option<prost_types::Duration> {
    prost_types::Duration::try_from(d).ok()
}

fn consumer_to_proto(info: ConsumerInfo) -> proto::Consumer {
    let s = info.settings;
    proto::Consumer {
        name: info.name,
        settings: Some(proto::ConsumerSettings {
            visibility_timeout: proto_duration(s.visibility_timeout),
            max_deliveries: Some(s.max_deliveries),
            backoff_initial: proto_duration(s.backoff_initial),
            backoff_max: proto_duration(s.backoff_max),
            event_types: s.event_types,
        }),
        ready: info.ready,
        in_flight: info.in_flight,
        dead_letters: info.dead_letters,
    }
}

fn dead_letter_to_proto(dead: DeadLetter) -> proto::DeadLetter {
    proto::DeadLetter {
        id: dead.id.to_string(),
        consumer: dead.consumer,
        event: Some(convert::recorded_event(dead.event)),
        attempts: dead.attempts,
        last_error: dead.last_error,
        parked: dead.parked,
        dead_time: Some(convert::timestamp(dead.dead_at_micros)),
    }
}

/// The dead letters a redrive or purge names: `all`, or the listed ids.
fn selection(ids: Vec<String>, all: bool, violations: &mut Vec<FieldViolation>) -> DeadLetterSelection {
    match (all, ids.is_empty()) {
        (true, true) => return DeadLetterSelection::All,
        (true, false) => violations.push(FieldViolation::new("ids", "must be empty when all is true")),
        (false, true) => violations.push(FieldViolation::new("ids", "name at least one dead letter, or set all")),
        (false, false) if ids.len() > MAX_IDS => {
            violations.push(FieldViolation::new("ids", format!("must hold at most {MAX_IDS} ids")))
        }
        (false, false) => {}
    }
    let mut parsed = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match Uuid::try_parse(id) {
            Ok(id) => parsed.push(id),
            Err(_) => violations.push(FieldViolation::new(format!("ids[{i}]"), "must be a dead letter id (a UUID)")),
        }
    }
    DeadLetterSelection::Ids(parsed)
}

#[tonic::async_trait]
impl proto::queue_service_server::QueueService for QueueApi {
    async fn create_consumer(
        &self,
        request: Request<proto::CreateConsumerRequest>,
    ) -> Result<Response<proto::CreateConsumerResponse>, Status> {
        let call = Call::new(&request, QUEUE, "CreateConsumer");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("name", &request.name, &mut violations);
        let settings = settings(request.settings, &mut violations);
        check(violations)?;
        let permit = self.guard.authorize(&call.consumer(&request.name)).await?;
        let bus = &self.bus;
        let info = permit.write(async { Ok(bus.create_consumer(&request.name, settings).await?) }).await?;
        Ok(Response::new(proto::CreateConsumerResponse { consumer: Some(consumer_to_proto(info)) }))
    }

    async fn delete_consumer(
        &self,
        request: Request<proto::DeleteConsumerRequest>,
    ) -> Result<Response<proto::DeleteConsumerResponse>, Status> {
        let call = Call::new(&request, QUEUE, "DeleteConsumer");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("name", &request.name, &mut violations);
        check(violations)?;
        let permit = self.guard.authorize(&call.consumer(&request.name)).await?;
        let bus = &self.bus;
        permit.write(async { Ok(bus.delete_consumer(&request.name).await?) }).await?;
        Ok(Response::new(proto::DeleteConsumerResponse {}))
    }

    async fn list_consumers(
        &self,
        request: Request<proto::ListConsumersRequest>,
    ) -> Result<Response<proto::ListConsumersResponse>, Status> {
        let call = Call::new(&request, QUEUE, "ListConsumers").consumer("");
        let _ = self.guard.authorize(&call).await?;
        let consumers = self.bus.list_consumers().await?;
        Ok(Response::new(proto::ListConsumersResponse {
            consumers: consumers.into_iter().map(consumer_to_proto).collect(),
        }))
    }

    async fn get_consumer(
        &self,
        request: Request<proto::GetConsumerRequest>,
    ) -> Result<Response<proto::GetConsumerResponse>, Status> {
        let call = Call::new(&request, QUEUE, "GetConsumer");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("name", &request.name, &mut violations);
        check(violations)?;
        let _ = self.guard.authorize(&call.consumer(&request.name)).await?;
        let info = self.bus.consumer(&request.name).await?;
        Ok(Response::new(proto::GetConsumerResponse { consumer: Some(consumer_to_proto(info)) }))
    }

    type ConsumeStream = ResponseStream<proto::ConsumeResponse>;

    async fn consume(
        &self,
        request: Request<Streaming<proto::ConsumeRequest>>,
    ) -> Result<Response<Self::ConsumeStream>, Status> {
        let call = Call::new(&request, QUEUE, "Consume");
        let mut inbound = request.into_inner();
        let start = match inbound.message().await? {
            Some(proto::ConsumeRequest { kind: Some(Inbound::Start(start)) }) => start,
            _ => return Err(invalid(vec![FieldViolation::new("start", "the first message must be start")])),
        };
        let mut violations = Vec::new();
        consumer_name("start.consumer", &start.consumer, &mut violations);
        if start.max_in_flight > MAX_IN_FLIGHT {
            violations.push(FieldViolation::new("start.max_in_flight", format!("must be at most {MAX_IN_FLIGHT}")));
        }
        check(violations)?;
        let permit = self.guard.authorize(&call.consumer(&start.consumer)).await?;
        // The decision is recorded once per stream, with the check that the
        // consumer exists; the settles on the stream are covered by it.
        let bus = &self.bus;
        let info = permit.write(async { Ok(bus.consumer(&start.consumer).await?) }).await?;
        let max_in_flight = if start.max_in_flight == 0 { DEFAULT_MAX_IN_FLIGHT } else { start.max_in_flight };
        let session = Session {
            bus: self.bus.clone(),
            governance: self.governance.clone(),
            consumer: start.consumer,
            max_in_flight: max_in_flight as usize,
            visibility_timeout: info.settings.visibility_timeout,
            unsettled: HashMap::new(),
        };
        let (tx, rx) = mpsc::channel(max_in_flight as usize + 16);
        tokio::spawn(session.run(inbound, tx, self.shutdown.clone()));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn list_dead_letters(
        &self,
        request: Request<proto::ListDeadLettersRequest>,
    ) -> Result<Response<proto::ListDeadLettersResponse>, Status> {
        let call = Call::new(&request, QUEUE, "ListDeadLetters");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("consumer", &request.consumer, &mut violations);
        if request.page_size > MAX_PAGE_SIZE {
            violations.push(FieldViolation::new("page_size", format!("must be at most {MAX_PAGE_SIZE}")));
        }
        check(violations)?;
        let _ = self.guard.authorize(&call.consumer(&request.consumer)).await?;
        let page_size = if request.page_size == 0 { DEFAULT_PAGE_SIZE } else { request.page_size };
        let token = (!request.page_token.is_empty()).then_some(request.page_token.as_str());
        let page = match self.bus.list_dead_letters(&request.consumer, page_size as usize, token).await {
            Ok(page) => page,
            Err(BusError::Invalid(problem)) => return Err(invalid(vec![FieldViolation::new("page_token", problem)])),
            Err(e) => return Err(e.into()),
        };
        Ok(Response::new(proto::ListDeadLettersResponse {
            dead_letters: page.dead_letters.into_iter().map(dead_letter_to_proto).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    async fn get_dead_letter(
        &self,
        request: Request<proto::GetDeadLetterRequest>,
    ) -> Result<Response<proto::GetDeadLetterResponse>, Status> {
        let call = Call::new(&request, QUEUE, "GetDeadLetter");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("consumer", &request.consumer, &mut violations);
        let id = Uuid::try_parse(&request.id).unwrap_or_else(|_| {
            violations.push(FieldViolation::new("id", "must be a dead letter id (a UUID)"));
            Uuid::nil()
        });
        check(violations)?;
        let _ = self.guard.authorize(&call.consumer(&request.consumer)).await?;
        match self.bus.dead_letter(&request.consumer, id).await? {
            Some(dead) => {
                Ok(Response::new(proto::GetDeadLetterResponse { dead_letter: Some(dead_letter_to_proto(dead)) }))
            }
            None => Err(super::status::status(
                tonic::Code::NotFound,
                format!("consumer {} has no dead letter {id}", request.consumer),
                "DEAD_LETTER_NOT_FOUND",
                super::status::meta([("consumer", request.consumer), ("id", id.to_string())]),
                &[],
            )),
        }
    }

    async fn redrive_dead_letters(
        &self,
        request: Request<proto::RedriveDeadLettersRequest>,
    ) -> Result<Response<proto::RedriveDeadLettersResponse>, Status> {
        let call = Call::new(&request, QUEUE, "RedriveDeadLetters");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("consumer", &request.consumer, &mut violations);
        let selection = selection(request.ids, request.all, &mut violations);
        check(violations)?;
        let permit = self.guard.authorize(&call.consumer(&request.consumer)).await?;
        let bus = &self.bus;
        let redriven = permit.write(async { Ok(bus.redrive(&request.consumer, selection).await?) }).await?;
        Ok(Response::new(proto::RedriveDeadLettersResponse { redriven }))
    }

    async fn purge_dead_letters(
        &self,
        request: Request<proto::PurgeDeadLettersRequest>,
    ) -> Result<Response<proto::PurgeDeadLettersResponse>, Status> {
        let call = Call::new(&request, QUEUE, "PurgeDeadLetters");
        let request = request.into_inner();
        let mut violations = Vec::new();
        consumer_name("consumer", &request.consumer, &mut violations);
        let selection = selection(request.ids, request.all, &mut violations);
        check(violations)?;
        let permit = self.guard.authorize(&call.consumer(&request.consumer)).await?;
        let bus = &self.bus;
        let purged = permit.write(async { Ok(bus.purge(&request.consumer, selection).await?) }).await?;
        Ok(Response::new(proto::PurgeDeadLettersResponse { purged }))
    }
}

type Receiving = Pin<Box<dyn std::future::Future<Output = Result<Vec<Delivery>, BusError>> + Send>>;

/// The pending receive's result (never, when there is none).
async fn next_batch(receiving: &mut Option<Receiving>) -> Result<Vec<Delivery>, BusError> {
    match receiving.as_mut() {
        Some(receive) => receive.await,
        None => std::future::pending().await,
    }
}

type Outbox = mpsc::Sender<Result<proto::ConsumeResponse, Status>>;

/// One Consume stream: keeps up to `max_in_flight` deliveries unsettled,
/// long-polls the bus for more and answers every settle. When the client
/// goes away its unsettled deliveries simply time out and are delivered
/// again (at-least-once).
struct Session {
    bus: Arc<dyn QueueBus>,
    governance: Arc<Governance>,
    consumer: String,
    max_in_flight: usize,
    visibility_timeout: Duration,
    /// Receipts delivered on this stream and not settled, with the end of
    /// their visibility timeout (after which they no longer take a slot).
    unsettled: HashMap<String, Instant>,
}

/// Why a session ends.
enum End {
    /// The client closed its side or went away: nothing more to say.
    Quiet,
    /// The stream ends with this status.
    With(Status),
}

impl Session {
    async fn run(mut self, mut inbound: Streaming<proto::ConsumeRequest>, outbox: Outbox, shutdown: CancellationToken) {
        let end = self.serve(&mut inbound, &outbox, &shutdown).await;
        if let End::With(status) = end {
            let _ = outbox.send(Err(status)).await;
        }
    }

    async fn serve(
        &mut self,
        inbound: &mut Streaming<proto::ConsumeRequest>,
        outbox: &Outbox,
        shutdown: &CancellationToken,
    ) -> End {
        // The pending receive is kept across loop turns (a settle does not
        // cancel it), so deliveries it took are never dropped on the floor.
        let mut receiving: Option<Receiving> = None;
        loop {
            self.forget_expired();
            let free = self.max_in_flight.saturating_sub(self.unsettled.len());
            if receiving.is_none() && free > 0 {
                let (bus, consumer) = (self.bus.clone(), self.consumer.clone());
                receiving = Some(Box::pin(async move { bus.receive(&consumer, free, LONG_POLL).await }));
            }
            // With every slot taken, the next slot frees when the oldest
            // unsettled delivery times out.
            let slot_frees = self.unsettled.values().min().copied();
            tokio::select! {
                message = inbound.message() => match message {
                    Ok(Some(request)) => {
                        if let Err(end) = self.settle(request, outbox).await {
                            return end;
                        }
                    }
                    Ok(None) | Err(_) => return End::Quiet,
                },
                received = next_batch(&mut receiving), if receiving.is_some() => {
                    receiving = None;
                    match received {
                        Ok(deliveries) => {
                            for delivery in deliveries {
                                if let Err(end) = self.deliver(delivery, outbox).await {
                                    return end;
                                }
                            }
                        }
                        Err(e) => return End::With(e.into()),
                    }
                }
                _ = tokio::time::sleep_until(slot_frees.unwrap_or_else(Instant::now)), if free == 0 && slot_frees.is_some() => {}
                _ = shutdown.cancelled() => {
                    return End::With(BusError::ShuttingDown.into());
                }
                _ = outbox.closed() => return End::Quiet,
            }
        }
    }

    fn forget_expired(&mut self) {
        let now = Instant::now();
        self.unsettled.retain(|_, until| *until > now);
    }

    async fn deliver(&mut self, delivery: Delivery, outbox: &Outbox) -> Result<(), End> {
        let Delivery { receipt, event, attempt } = delivery;
        let event_id = event.event_id;
        let event = match self.governance.upcast(event).await {
            Ok(event) => event,
            Err(e) => {
                // It can never be handled as the latest version: the DLQ
                // keeps it until an upcaster is fixed and it is redriven.
                tracing::error!(consumer = %self.consumer, %event_id, error = %e, "upcast failed; parking the message");
                return match self.bus.park(&self.consumer, &receipt, &format!("upcast failed: {e}")).await {
                    Ok(()) | Err(BusError::StaleReceipt(_)) => Ok(()),
                    Err(e) => Err(End::With(e.into())),
                };
            }
        };
        self.unsettled.insert(receipt.clone(), Instant::now() + self.visibility_timeout);
        let message = Outbound::Delivery(proto::consume_response::Delivery {
            receipt,
            event: Some(convert::recorded_event(event)),
            attempt,
        });
        send(outbox, message).await
    }

    async fn settle(&mut self, request: proto::ConsumeRequest, outbox: &Outbox) -> Result<(), End> {
        let bus = &self.bus;
        let consumer = &self.consumer;
        let (receipt, result) = match request.kind {
            Some(Inbound::Ack(ack)) => {
                let result = bus.ack(consumer, &ack.receipt).await.map(|()| (Outcome::Acked, None));
                (ack.receipt, result)
            }
            Some(Inbound::Nack(nack)) => {
                let result = bus.nack(consumer, &nack.receipt, &nack.error).await.map(|outcome| match outcome {
                    NackOutcome::Retry { after } => (Outcome::Retry, Some(after)),
                    NackOutcome::DeadLettered => (Outcome::DeadLettered, None),
                });
                (nack.receipt, result)
            }
            Some(Inbound::Park(park)) => {
                let result = bus.park(consumer, &park.receipt, &park.reason).await.map(|()| (Outcome::Parked, None));
                (park.receipt, result)
            }
            Some(Inbound::Start(_)) => {
                return Err(End::With(invalid(vec![FieldViolation::new("start", "the stream is already started")])));
            }
            None => return Err(End::With(invalid(vec![FieldViolation::new("kind", "must be ack, nack or park")]))),
        };
        let (outcome, retry_after) = match result {
            Ok(settled) => settled,
            Err(BusError::StaleReceipt(_)) => (Outcome::Stale, None),
            Err(e) => return Err(End::With(e.into())),
        };
        self.unsettled.remove(&receipt);
        let settled = proto::consume_response::Settled {
            receipt,
            outcome: outcome as i32,
            retry_after: retry_after.and_then(proto_duration),
        };
        send(outbox, Outbound::Settled(settled)).await
    }
}

async fn send(outbox: &Outbox, kind: Outbound) -> Result<(), End> {
    outbox.send(Ok(proto::ConsumeResponse { kind: Some(kind) })).await.map_err(|_| End::Quiet)
}
