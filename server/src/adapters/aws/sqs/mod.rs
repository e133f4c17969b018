//! The queue path on SNS → SQS: [`SqsQueueBus`] implements [`QueueBus`].
//!
//! # Design
//!
//! - **Topology.** One SNS FIFO topic per deployment (`aws.resources.topic`,
//!   created by `nexus aws provision`). Each consumer owns one SQS FIFO queue
//!   `<queue_prefix><consumer>.fifo` and its dead-letter queue
//!   `<queue_prefix><consumer>-dlq.fifo` (a name SQS cannot take as it is —
//!   it has a `.` or is too long — is shortened and suffixed with a hash; the
//!   real name is in the queue's `nexus:consumer` tag). The queue subscribes
//!   to the topic with raw message delivery; its `RedrivePolicy` moves a
//!   message to the DLQ once it has been received `max_deliveries` times;
//!   its `VisibilityTimeout` is the consumer's. The settings SQS has no
//!   attribute for (the backoff, and the exact durations) are queue tags, so
//!   a restart or another replica reads them (cached for [`SETTINGS_TTL`]).
//! - **Idempotent publish.** Two layers. The coordination table keeps a
//!   ledger item `published#<event id>` per event for [`PUBLISHED_RETENTION`]
//!   (a conditional put claims the id; the item is marked sent after SNS
//!   accepted it; set a DynamoDB TTL on `expires_at` to clean up). Under the
//!   ledger, the FIFO topic and queues deduplicate on
//!   `MessageDeduplicationId` = event id for SQS's 5-minute window, which
//!   covers the one gap of the ledger: a publisher that crashed between
//!   claiming an id and marking it sent publishes again. `MessageGroupId` is
//!   the event id too, so FIFO ordering never blocks one event behind
//!   another (the queue path promises no order).
//! - **Messages.** `PublishBatch` (10 entries and 256 KiB per request) with
//!   the attributes `event_type` (for subscription filter policies) and
//!   `event_id`; the body is the whole event as versioned JSON (data in
//!   base64). **Claim check:** an event whose message would not fit in
//!   [`MAX_INLINE_BYTES`] (256 KiB less room for the dead-letter
//!   attributes) travels as a reference (event id, stream id, revision) and
//!   is loaded from the event store on receive; it is never dropped or cut.
//!   Without an event store such an event is refused with
//!   [`BusError::Invalid`].
//! - **Receive** long-polls (`WaitTimeSeconds` up to 20, repeated until the
//!   wait is over; a wait under a second is a series of short polls, which
//!   on real SQS sample a subset of servers) and takes up to 10 messages per
//!   call. `attempt` is SQS's `ApproximateReceiveCount`. A second live
//!   delivery of an event this process already holds for the consumer (a
//!   duplicate copy, or moto handing one FIFO message to two concurrent
//!   receives under load) is held back and comes back after its visibility
//!   timeout. [`SqsQueueBus::shutdown`] ends waiting receivers; what they
//!   had received comes back after its visibility timeout.
//! - **Receipts** are opaque tokens carrying the SQS receipt handle, the
//!   consumer, the attempt and the end of the visibility timeout. A receipt
//!   is refused as stale when it names another consumer, when its
//!   visibility timeout has ended, when this bus already settled it, or when
//!   SQS refuses the handle. moto accepts stale handles; real SQS is not
//!   consistent about them either (deleting twice succeeds), so the bus's own
//!   bookkeeping is what makes the port's rule hold. That bookkeeping lives
//!   in this process: a receipt settled on one replica and presented again
//!   on another is checked only by its deadline and by SQS.
//! - **Nack** hides the message for the backoff with
//!   `ChangeMessageVisibility` (FIFO queues have no per-message delay); the
//!   last allowed failure moves it to the DLQ here (send a copy, then
//!   delete) with the nack's error. **Park** does the same at once. The copy
//!   carries `nexus_dead` (JSON: when, attempts, last error, parked). An
//!   expired visibility timeout is a failed delivery: SQS's redrive policy
//!   moves the message at the receive after its last one, and this bus,
//!   when it still holds the receipt of a last delivery whose (sub-second)
//!   timeout has ended before SQS's whole-second one, moves it at once.
//!   Messages SQS moved carry no `nexus_dead`: the first browse of the DLQ
//!   rewrites them with `attempts = max_deliveries`, the error
//!   [`VISIBILITY_EXPIRED`] and `dead_at` = when it saw them.
//! - **Dead letters** are browsed by receiving the whole DLQ (up to
//!   [`MAX_BROWSE`] messages) with a [`BROWSE_HOLD`] visibility timeout, then
//!   releasing what was not deleted (visibility 0). No one else consumes a
//!   DLQ, so this is safe, but it costs one receive per 10 dead letters and
//!   at least one long poll (1 s) per call, and a browse on another replica
//!   at the same moment sees the held messages missing. Redrive sends the
//!   message to the queue as a new message (a fresh receive count and a
//!   fresh deduplication id) and deletes it from the DLQ:
//!   `StartMessageMoveTask` moves whole queues only (and moto lacks it).
//!
//! # SQS limits
//!
//! - Counts are SQS's *approximate* numbers: `ready` = visible + delayed,
//!   `in_flight` = not visible, `dead_letters` = everything in the DLQ. A
//!   message waiting out a nack's backoff is not visible to SQS; this bus
//!   counts the ones it nacked itself as ready.
//! - Durations have whole-second resolution in SQS: a visibility timeout
//!   or backoff is rounded up to the next second (a receipt still ends at
//!   the exact time asked for). The longest is 12 hours.
//! - The FIFO deduplication window is 5 minutes; the ledger extends it to
//!   [`PUBLISHED_RETENTION`].
//! - A message (body and attributes) is at most 256 KiB.
//! - After deleting a queue, SQS refuses a queue of the same name for 60 s:
//!   re-creating a consumer that soon fails with [`BusError::Unavailable`].
//! - A FIFO queue holds at most 20,000 messages in flight. The queues use
//!   FIFO high-throughput mode (deduplication and throughput limits per
//!   message group, and every event is its own group); the topic's
//!   throughput is SNS FIFO's (raise it with `FifoThroughputScope`).
//! - The ledger costs two DynamoDB writes per published event (a
//!   conditional put, and a batched put).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_sqs::{
    error::{ProvideErrorMetadata, SdkError},
    types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName},
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use self::wire::{Body, DeadInfo, Receipt};
use super::{AwsClients, coordination::dynamo_error, provision::PK};
use crate::{
    config::AwsResources,
    core::{
        bus::{
            BusError, ConsumerInfo, ConsumerSettings, DeadLetter, DeadLetterPage, DeadLetterSelection, Delivery,
            NackOutcome, QueueBus, check_consumer_name,
        },
        model::{RecordedEvent, now_micros},
        ports::EventStore,
    },
};

pub mod wire;

#[cfg(test)]
mod tests;

/// Largest SNS/SQS message, body and attributes.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Largest message published inline; the rest of [`MAX_MESSAGE_BYTES`] is
/// kept for the attributes a dead-letter copy adds.
pub const MAX_INLINE_BYTES: usize = MAX_MESSAGE_BYTES - 8 * 1024;
/// Longest nack error or park reason kept, in bytes.
pub const MAX_ERROR_BYTES: usize = 4096;
/// How long published event ids are remembered by the ledger.
pub const PUBLISHED_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How long a replica trusts the settings it read from a queue's tags.
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// How long a browse of a DLQ hides its messages (if the browser dies).
pub const BROWSE_HOLD: Duration = Duration::from_secs(120);
/// Most messages one browse of a DLQ reads.
pub const MAX_BROWSE: usize = 10_000;
/// The `last_error` of a message whose last visibility timeout ran out.
pub const VISIBILITY_EXPIRED: &str = "visibility timeout expired";

/// Long poll of a DLQ browse: a long poll asks every SQS server, a short
/// one only a sample, which could miss dead letters.
const BROWSE_WAIT: Duration = Duration::from_secs(1);
/// Safety margin before SQS's own visibility timeout ends, within which the
/// bus no longer trusts a receipt handle to be exclusively its own.
const HANDLE_MARGIN: Duration = Duration::from_millis(250);
/// Most concurrent ledger writes of one publish.
const LEDGER_CONCURRENCY: usize = 25;

const TAG_CONSUMER: &str = "nexus:consumer";
const TAG_VISIBILITY: &str = "nexus:visibility_timeout_us";
const TAG_MAX_DELIVERIES: &str = "nexus:max_deliveries";
const TAG_BACKOFF_INITIAL: &str = "nexus:backoff_initial_us";
const TAG_BACKOFF_MAX: &str = "nexus:backoff_max_us";
const TAG_SUBSCRIPTION: &str = "nexus:subscription";

const ATTR_EVENT_TYPE: &str = "event_type";
const ATTR_EVENT_ID: &str = "event_id";
const ATTR_DEAD: &str = "nexus_dead";

/// The SNS → SQS [`QueueBus`].
pub struct SqsQueueBus {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    topic_arn: String,
    prefix: String,
    table: String,
    store: Option<Arc<dyn EventStore>>,
    consumers: Mutex<HashMap<String, Consumer>>,
    local: Mutex<Local>,
    /// One dead-letter browse at a time in this process.
    browsing: tokio::sync::Mutex<()>,
    closed: CancellationToken,
}

/// What the bus knows of a consumer's queues.
#[derive(Debug, Clone)]
struct Consumer {
    name: String,
    queue_url: String,
    dlq_url: String,
    settings: ConsumerSettings,
    subscription: Option<String>,
    read_at: Instant,
}

/// The deliveries this process made and has not forgotten.
#[derive(Default)]
struct Local {
    in_flight: HashMap<Uuid, InFlight>,
    /// Settled receipts, until their visibility timeout ends.
    settled: HashMap<Uuid, Instant>,
    /// Nacked messages waiting out their backoff: (consumer, until).
    backing_off: HashMap<Uuid, (String, Instant)>,
}

#[derive(Debug, Clone)]
struct InFlight {
    consumer: String,
    handle: String,
    event_id: Uuid,
    event_type: String,
    body: String,
    attempt: u32,
    /// When the receive was sent.
    received: Instant,
    /// The end of the visibility timeout asked for, micros since the epoch.
    deadline_micros: i64,
    /// The visibility timeout asked for, and SQS's (whole seconds).
    visibility: Duration,
    sqs_visibility: Duration,
}

impl InFlight {
    fn sqs_deadline(&self) -> Instant {
        self.received + self.sqs_visibility
    }
}

impl SqsQueueBus {
    /// A bus on the deployment's topic and queues. Looks the topic up (it
    /// must exist: see `nexus aws provision`). `store` loads claim-checked
    /// events; without it, an event too large for a message is refused.
    pub async fn new(
        clients: &AwsClients,
        resources: &AwsResources,
        store: Option<Arc<dyn EventStore>>,
    ) -> Result<Self, BusError> {
        let topic_arn = find_topic(&clients.sns, &resources.topic).await?;
        Ok(Self {
            sqs: clients.sqs.clone(),
            sns: clients.sns.clone(),
            dynamodb: clients.dynamodb.clone(),
            topic_arn,
            prefix: resources.queue_prefix.clone(),
            table: resources.coordination_table.clone(),
            store,
            consumers: Mutex::new(HashMap::new()),
            local: Mutex::new(Local::default()),
            browsing: tokio::sync::Mutex::new(()),
            closed: CancellationToken::new(),
        })
    }

    /// Stops the bus: waiting receivers return [`BusError::ShuttingDown`],
    /// and so does every later call. Nothing is lost: what this bus holds
    /// in flight is delivered again when its visibility timeout ends.
    pub fn shutdown(&self) {
        self.closed.cancel();
    }

    fn open(&self) -> Result<(), BusError> {
        if self.closed.is_cancelled() { Err(BusError::ShuttingDown) } else { Ok(()) }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, Local> {
        self.local.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Consumer>> {
        self.consumers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn forget(&self, name: &str) {
        self.cache().remove(name);
    }

    /// The consumer's queues and settings: cached, or read from SQS.
    async fn lookup(&self, name: &str) -> Result<Consumer, BusError> {
        self.open()?;
        if let Some(found) = self.cache().get(name)
            && found.read_at.elapsed() < SETTINGS_TTL
        {
            return Ok(found.clone());
        }
        let found = self.read_consumer(name, None).await?;
        self.cache().insert(name.to_string(), found.clone());
        Ok(found)
    }

    /// Reads a consumer from its queue's URL (looked up when not given) and tags.
    async fn read_consumer(&self, name: &str, queue_url: Option<String>) -> Result<Consumer, BusError> {
        let missing = || BusError::ConsumerNotFound(name.to_string());
        let queue_url = match queue_url {
            Some(url) => url,
            None => self.queue_url(&wire::queue_name(&self.prefix, name)).await?.ok_or_else(missing)?,
        };
        let tags = self.tags(&queue_url).await?.ok_or_else(missing)?;
        if tags.get(TAG_CONSUMER).map(String::as_str) != Some(name) {
            return Err(missing());
        }
        let mut settings = settings_from_tags(&tags).ok_or_else(|| {
            BusError::Internal(format!("the queue of consumer {name:?} has no readable settings tags"))
        })?;
        let subscription = tags.get(TAG_SUBSCRIPTION).cloned();
        if let Some(arn) = &subscription {
            settings.event_types = self.event_types_of(arn).await?;
        }
        let dlq_url = self.queue_url(&wire::dlq_name(&self.prefix, name)).await?.ok_or_else(missing)?;
        Ok(Consumer { name: name.to_string(), queue_url, dlq_url, settings, subscription, read_at: Instant::now() })
    }

    /// The event types a subscription's filter policy lets through (empty: all).
    async fn event_types_of(&self, subscription_arn: &str) -> Result<Vec<String>, BusError> {
        let out = match self.sns.get_subscription_attributes().subscription_arn(subscription_arn).send().await {
            Ok(out) => out,
            // A subscription deleted by hand: the queue receives nothing,
            // whatever the filter; create_consumer subscribes it again.
            Err(e) if matches!(fault(&e), Fault::Missing) => return Ok(Vec::new()),
            Err(e) => return Err(fault(&e).into_error("read a subscription's filter policy")),
        };
        let policy = out.attributes().and_then(|a| a.get("FilterPolicy")).map(String::as_str).unwrap_or("");
        wire::event_types_of_filter_policy(ATTR_EVENT_TYPE, policy)
    }

    async fn queue_url(&self, queue: &str) -> Result<Option<String>, BusError> {
        match self.sqs.get_queue_url().queue_name(queue).send().await {
            Ok(out) => Ok(out.queue_url().map(str::to_string)),
            Err(e) => match fault(&e) {
                Fault::Missing => Ok(None),
                other => Err(other.into_error(&format!("find queue {queue}"))),
            },
        }
    }

    async fn tags(&self, queue_url: &str) -> Result<Option<HashMap<String, String>>, BusError> {
        match self.sqs.list_queue_tags().queue_url(queue_url).send().await {
            Ok(out) => Ok(Some(out.tags().cloned().unwrap_or_default())),
            Err(e) => match fault(&e) {
                Fault::Missing => Ok(None),
                other => Err(other.into_error("read queue tags")),
            },
        }
    }

    async fn queue_arn(&self, queue_url: &str) -> Result<String, BusError> {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| fault(&e).into_error("read a queue's ARN"))?;
        out.attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .cloned()
            .ok_or_else(|| BusError::Internal("SQS returned no queue ARN".into()))
    }

    /// Creates a queue with `attributes` and `tags`, or updates them.
    async fn put_queue(
        &self,
        queue: &str,
        consumer: &str,
        attributes: &[(QueueAttributeName, String)],
        tags: &[(&str, String)],
    ) -> Result<String, BusError> {
        if let Some(url) = self.queue_url(queue).await? {
            if let Some(existing) = self.tags(&url).await?
                && existing.get(TAG_CONSUMER).is_some_and(|owner| owner != consumer)
            {
                return Err(BusError::Invalid(format!(
                    "queue {queue} belongs to consumer {:?}; choose another consumer name",
                    existing.get(TAG_CONSUMER)
                )));
            }
            let mut request = self.sqs.set_queue_attributes().queue_url(&url);
            for (name, value) in attributes {
                request = request.attributes(name.clone(), value);
            }
            request.send().await.map_err(|e| fault(&e).into_error(&format!("update queue {queue}")))?;
            let mut request = self.sqs.tag_queue().queue_url(&url);
            for (name, value) in tags {
                request = request.tags(*name, value);
            }
            request.send().await.map_err(|e| fault(&e).into_error(&format!("tag queue {queue}")))?;
            return Ok(url);
        }
        let mut request = self.sqs.create_queue().queue_name(queue).attributes(QueueAttributeName::FifoQueue, "true");
        for (name, value) in attributes {
            request = request.attributes(name.clone(), value);
        }
        for (name, value) in tags {
            request = request.tags(*name, value);
        }
        let out = request.send().await.map_err(|e| fault(&e).into_error(&format!("create queue {queue}")))?;
        out.queue_url().map(str::to_string).ok_or_else(|| BusError::Internal("SQS returned no queue URL".into()))
    }

    async fn info(&self, consumer: &Consumer) -> Result<ConsumerInfo, BusError> {
        self.sweep(consumer).await;
        let counts = |url: String| {
            let sqs = self.sqs.clone();
            async move {
                let out = sqs
                    .get_queue_attributes()
                    .queue_url(url)
                    .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
                    .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                    .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
                    .send()
                    .await?;
                let get = |name: QueueAttributeName| {
                    out.attributes().and_then(|a| a.get(&name)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
                };
                Ok::<_, SdkError<_, _>>((
                    get(QueueAttributeName::ApproximateNumberOfMessages),
                    get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
                    get(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
                ))
            }
        };
        let (queue, dlq) = tokio::join!(counts(consumer.queue_url.clone()), counts(consumer.dlq_url.clone()));
        let missing = |e: &SdkError<_, _>| match fault(e) {
            Fault::Missing => BusError::ConsumerNotFound(consumer.name.clone()),
            other => other.into_error("count messages"),
        };
        let (visible, not_visible, delayed) = queue.map_err(|e| missing(&e))?;
        let (dead_visible, dead_not_visible, dead_delayed) = dlq.map_err(|e| missing(&e))?;
        let now = Instant::now();
        let waiting =
            self.local().backing_off.values().filter(|(name, until)| *name == consumer.name && *until > now).count()
                as u64;
        let waiting = waiting.min(not_visible);
        Ok(ConsumerInfo {
            name: consumer.name.clone(),
            settings: consumer.settings.clone(),
            ready: visible + delayed + waiting,
            in_flight: not_visible - waiting,
            dead_letters: dead_visible + dead_not_visible + dead_delayed,
        })
    }

    /// Dead-letters the last deliveries of `consumer` this process holds
    /// whose visibility timeout (as asked) has ended while SQS's (whole
    /// seconds) has not: the handle is still exclusively ours.
    async fn sweep(&self, consumer: &Consumer) {
        let now = Instant::now();
        let spent: Vec<InFlight> = {
            let mut local = self.local();
            let ids: Vec<Uuid> = local
                .in_flight
                .iter()
                .filter(|(_, f)| {
                    f.consumer == consumer.name
                        && f.attempt >= consumer.settings.max_deliveries
                        && now >= f.received + f.visibility
                        && now + HANDLE_MARGIN < f.sqs_deadline()
                })
                .map(|(id, _)| *id)
                .collect();
            ids.into_iter()
                .filter_map(|id| {
                    let flight = local.in_flight.remove(&id)?;
                    local.settled.insert(id, flight.sqs_deadline());
                    Some(flight)
                })
                .collect()
        };
        for flight in spent {
            let info = DeadInfo {
                at: flight.deadline_micros,
                attempts: flight.attempt,
                error: VISIBILITY_EXPIRED.to_string(),
                parked: false,
            };
            let moved = async {
                self.send_dead_letter(consumer, &flight.body, flight.event_id, &flight.event_type, &info).await?;
                self.delete(consumer, &flight.handle).await
            };
            if let Err(e) = moved.await {
                // SQS's redrive policy moves it at the next receive.
                tracing::warn!(consumer = %consumer.name, event_id = %flight.event_id, error = %e,
                    "queue bus: cannot dead-letter an expired delivery now");
            }
        }
    }

    async fn delete(&self, consumer: &Consumer, handle: &str) -> Result<(), BusError> {
        self.sqs
            .delete_message()
            .queue_url(&consumer.queue_url)
            .receipt_handle(handle)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| self.settle_error(consumer, handle, fault(&e), "delete a message"))
    }

    fn settle_error(&self, consumer: &Consumer, handle: &str, fault: Fault, what: &str) -> BusError {
        match fault {
            Fault::Missing => {
                self.forget(&consumer.name);
                BusError::ConsumerNotFound(consumer.name.clone())
            }
            Fault::Stale => BusError::StaleReceipt(handle.to_string()),
            other => other.into_error(what),
        }
    }

    async fn send_dead_letter(
        &self,
        consumer: &Consumer,
        body: &str,
        event_id: Uuid,
        event_type: &str,
        info: &DeadInfo,
    ) -> Result<(), BusError> {
        self.sqs
            .send_message()
            .queue_url(&consumer.dlq_url)
            .message_body(body)
            // Unique: a dead letter must land even if the same event was
            // dead-lettered (and redriven) minutes ago.
            .message_group_id(Uuid::new_v4().simple().to_string())
            .message_deduplication_id(Uuid::new_v4().simple().to_string())
            .message_attributes(ATTR_EVENT_ID, sqs_string(&event_id.to_string())?)
            .message_attributes(ATTR_EVENT_TYPE, sqs_string(event_type)?)
            .message_attributes(ATTR_DEAD, sqs_string(&info.encode()?)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| match fault(&e) {
                Fault::Missing => BusError::ConsumerNotFound(consumer.name.clone()),
                other => other.into_error("send a message to the dead-letter queue"),
            })
    }

    /// Validates a receipt for `consumer` and marks it settled; returns
    /// what the bus knows of the delivery (`None`: made by another process).
    async fn claim(&self, consumer: &str, receipt: &str) -> Result<(Consumer, Receipt, Option<InFlight>), BusError> {
        let found = self.lookup(consumer).await?;
        let stale = || BusError::StaleReceipt(receipt.to_string());
        let token = Receipt::decode(receipt).ok_or_else(stale)?;
        if token.c != consumer || now_micros() >= token.d {
            return Err(stale());
        }
        let mut local = self.local();
        if local.settled.contains_key(&token.n) {
            return Err(stale());
        }
        let flight = local.in_flight.remove(&token.n);
        let until = flight.as_ref().map_or_else(
            || Instant::now() + Duration::from_micros(u64::try_from(token.d - now_micros()).unwrap_or(0)),
            InFlight::sqs_deadline,
        );
        local.settled.insert(token.n, until);
        Ok((found, token, flight))
    }

    /// Undoes [`SqsQueueBus::claim`] after a transient failure, so that
    /// the caller may retry.
    fn unclaim(&self, token: &Receipt, flight: Option<InFlight>) {
        let mut local = self.local();
        local.settled.remove(&token.n);
        if let Some(flight) = flight {
            local.in_flight.insert(token.n, flight);
        }
    }

    /// Settles with `op`, undoing the claim when it fails transiently.
    async fn settle<T>(
        &self,
        token: &Receipt,
        flight: Option<InFlight>,
        op: impl std::future::Future<Output = Result<T, BusError>>,
    ) -> Result<T, BusError> {
        let result = op.await;
        if let Err(BusError::Unavailable(_)) = &result {
            self.unclaim(token, flight);
        }
        result
    }

    /// Moves a claimed delivery to the DLQ: a copy there, then delete.
    async fn move_to_dead_letters(
        &self,
        consumer: &Consumer,
        token: &Receipt,
        flight: Option<&InFlight>,
        info: DeadInfo,
    ) -> Result<(), BusError> {
        let (body, event_type) = match flight {
            Some(f) => (f.body.clone(), f.event_type.clone()),
            None => self.load_body(token.e).await?,
        };
        self.send_dead_letter(consumer, &body, token.e, &event_type, &info).await?;
        self.delete(consumer, &token.h).await
    }

    /// The body of an event this process did not receive (its receipt came
    /// from another process), from the event store.
    async fn load_body(&self, id: Uuid) -> Result<(String, String), BusError> {
        let Some(store) = &self.store else {
            return Err(BusError::Invalid(
                "this receipt was issued by another server: ack or nack it there, or give this bus an event store"
                    .into(),
            ));
        };
        let event = store
            .find_event(id)
            .await
            .map_err(|e| BusError::Unavailable(format!("cannot load event {id}: {e}")))?
            .ok_or_else(|| BusError::Internal(format!("event {id} is not in the event store")))?;
        let (body, _) = self.body_of(&event)?;
        Ok((body, event.event_type))
    }

    /// The message body of an event (inline, or a claim-check reference)
    /// and its size with the publish attributes.
    fn body_of(&self, event: &RecordedEvent) -> Result<(String, usize), BusError> {
        let attributes = ATTR_EVENT_ID.len() + 36 + ATTR_EVENT_TYPE.len() + event.event_type.len() + 2 * "String".len();
        let inline = wire::inline_body(event)?;
        if inline.len() + attributes <= MAX_INLINE_BYTES {
            return Ok((inline.clone(), inline.len() + attributes));
        }
        if self.store.is_none() {
            return Err(BusError::Invalid(format!(
                "event {} does not fit in an SQS message ({} bytes, at most {MAX_INLINE_BYTES} of the {MAX_MESSAGE_BYTES}-byte \
                 limit): the queue path needs an event store to send it by reference",
                event.event_id,
                inline.len() + attributes
            )));
        }
        let reference = wire::reference_body(event)?;
        let size = reference.len() + attributes;
        Ok((reference, size))
    }

    /// The event of a received body (loading a claim-checked one).
    async fn event_of(&self, body: &str) -> Result<RecordedEvent, BusError> {
        match wire::decode_body(body)? {
            Body::Event(event) => Ok(*event),
            Body::Reference(reference) => {
                let Some(store) = &self.store else {
                    return Err(BusError::Internal(format!(
                        "event {} came by reference and this bus has no event store",
                        reference.id
                    )));
                };
                let event = store
                    .find_event(reference.id)
                    .await
                    .map_err(|e| BusError::Unavailable(format!("cannot load event {}: {e}", reference.id)))?
                    .ok_or_else(|| {
                        BusError::Internal(format!("event {} is no longer in the event store", reference.id))
                    })?;
                if event.stream_id != reference.stream || event.revision != reference.rev {
                    return Err(BusError::Internal(format!(
                        "event {} is stored at {}@{}, not at {}@{}",
                        reference.id, event.stream_id, event.revision, reference.stream, reference.rev
                    )));
                }
                Ok(event)
            }
        }
    }

    /// Claims event ids in the ledger; returns the events to publish (not
    /// yet published, or whose earlier publisher never confirmed).
    async fn claim_published(&self, events: Vec<Arc<RecordedEvent>>) -> Result<Vec<Arc<RecordedEvent>>, BusError> {
        let now = now_micros();
        let cutoff = now.saturating_sub(i64::try_from(PUBLISHED_RETENTION.as_micros()).unwrap_or(i64::MAX));
        let expires = (now / 1_000_000).saturating_add(i64::try_from(PUBLISHED_RETENTION.as_secs()).unwrap_or(0));
        let mut fresh = Vec::with_capacity(events.len());
        for chunk in events.chunks(LEDGER_CONCURRENCY) {
            let claims = chunk.iter().map(|event| {
                self.dynamodb
                    .put_item()
                    .table_name(&self.table)
                    .item(PK, ledger_key(event.event_id))
                    .item("state", AttributeValue::S("sending".into()))
                    .item("at", AttributeValue::N(now.to_string()))
                    .item("expires_at", AttributeValue::N(expires.to_string()))
                    .condition_expression("attribute_not_exists(#pk) OR #state = :sending OR #at < :cutoff")
                    .expression_attribute_names("#pk", PK)
                    .expression_attribute_names("#state", "state")
                    .expression_attribute_names("#at", "at")
                    .expression_attribute_values(":sending", AttributeValue::S("sending".into()))
                    .expression_attribute_values(":cutoff", AttributeValue::N(cutoff.to_string()))
                    .send()
            });
            let results = futures::future::join_all(claims).await;
            for (event, result) in chunk.iter().zip(results) {
                match result {
                    Ok(_) => fresh.push(event.clone()),
                    Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(dynamo_error("record a published event id", &e)),
                }
            }
        }
        Ok(fresh)
    }

    /// Marks event ids as published in the ledger. Best effort: an id left
    /// "sending" is published again by a republish (and deduplicated by
    /// SQS within 5 minutes).
    async fn confirm_published(&self, ids: &[Uuid]) {
        let now = now_micros();
        let expires = (now / 1_000_000).saturating_add(i64::try_from(PUBLISHED_RETENTION.as_secs()).unwrap_or(0));
        for chunk in ids.chunks(25) {
            let writes: Vec<WriteRequest> = chunk
                .iter()
                .filter_map(|id| {
                    PutRequest::builder()
                        .item(PK, ledger_key(*id))
                        .item("state", AttributeValue::S("sent".into()))
                        .item("at", AttributeValue::N(now.to_string()))
                        .item("expires_at", AttributeValue::N(expires.to_string()))
                        .build()
                        .ok()
                })
                .map(|put| WriteRequest::builder().put_request(put).build())
                .collect();
            let mut pending = HashMap::from([(self.table.clone(), writes)]);
            for _ in 0..3 {
                match self.dynamodb.batch_write_item().set_request_items(Some(pending.clone())).send().await {
                    Ok(out) => match out.unprocessed_items() {
                        Some(left) if left.values().any(|w| !w.is_empty()) => pending = left.clone(),
                        _ => break,
                    },
                    Err(e) => {
                        tracing::warn!(error = %dynamo_error("confirm published events", &e),
                            "queue bus: published events stay unconfirmed");
                        break;
                    }
                }
            }
        }
    }

    /// Receives and holds (for [`BROWSE_HOLD`]) the whole DLQ of a consumer.
    async fn browse(&self, consumer: &Consumer) -> Result<Vec<Held>, BusError> {
        let mut held = Vec::new();
        while held.len() < MAX_BROWSE {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&consumer.dlq_url)
                .max_number_of_messages(10)
                .wait_time_seconds(whole_seconds(BROWSE_WAIT))
                .visibility_timeout(whole_seconds(BROWSE_HOLD))
                .message_attribute_names("All")
                .customize()
                .config_override(self.long_poll(BROWSE_WAIT.as_secs()))
                .send()
                .await;
            let out = match out {
                Ok(out) => out,
                Err(e) => {
                    let error = match fault(&e) {
                        Fault::Missing => BusError::ConsumerNotFound(consumer.name.clone()),
                        other => other.into_error("read the dead-letter queue"),
                    };
                    self.release(consumer, &held).await;
                    return Err(error);
                }
            };
            if out.messages().is_empty() {
                break;
            }
            for message in out.messages() {
                let (Some(handle), Some(body)) = (message.receipt_handle(), message.body()) else { continue };
                let attribute =
                    |name: &str| message.message_attributes().and_then(|a| a.get(name)).and_then(|v| v.string_value());
                let event = self.event_of(body).await;
                let id = attribute(ATTR_EVENT_ID)
                    .and_then(|id| Uuid::try_parse(id).ok())
                    .or_else(|| event.as_ref().ok().map(|e| e.event_id));
                let Some(id) = id else {
                    tracing::warn!(consumer = %consumer.name, "queue bus: a dead letter without an event id is skipped");
                    held.push(Held::skipped(handle));
                    continue;
                };
                let (info, raw) = match attribute(ATTR_DEAD).and_then(DeadInfo::decode) {
                    Some(info) => (info, false),
                    None => (
                        DeadInfo {
                            at: now_micros(),
                            attempts: consumer.settings.max_deliveries,
                            error: VISIBILITY_EXPIRED.to_string(),
                            parked: false,
                        },
                        true,
                    ),
                };
                let event = match event {
                    Ok(event) => Some(event),
                    Err(e) => {
                        tracing::warn!(consumer = %consumer.name, event_id = %id, error = %e,
                            "queue bus: a dead letter whose event cannot be read is not listed");
                        None
                    }
                };
                held.push(Held {
                    handle: handle.to_string(),
                    id: Some(id),
                    event_type: attribute(ATTR_EVENT_TYPE).unwrap_or_default().to_string(),
                    body: body.to_string(),
                    info,
                    raw,
                    event,
                    done: false,
                });
            }
        }
        Ok(held)
    }

    /// Ends a browse: rewrites the dead letters SQS moved with what the bus
    /// knows of them, and makes the rest visible again.
    async fn release(&self, consumer: &Consumer, held: &[Held]) {
        let mut visible_again = Vec::new();
        for h in held.iter().filter(|h| !h.done) {
            if h.raw
                && let Some(id) = h.id
            {
                let rewritten = async {
                    self.send_dead_letter(consumer, &h.body, id, &h.event_type, &h.info).await?;
                    self.delete_dead_one(consumer, &h.handle).await
                };
                match rewritten.await {
                    Ok(_) => continue,
                    Err(e) => tracing::warn!(consumer = %consumer.name, error = %e,
                        "queue bus: cannot record a dead letter SQS moved"),
                }
            }
            visible_again.push(h.handle.clone());
        }
        for (n, chunk) in visible_again.chunks(10).enumerate() {
            let entries = chunk.iter().enumerate().filter_map(|(i, handle)| {
                aws_sdk_sqs::types::ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(format!("m{n}-{i}"))
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            });
            let result = self
                .sqs
                .change_message_visibility_batch()
                .queue_url(&consumer.dlq_url)
                .set_entries(Some(entries.collect()))
                .send()
                .await;
            if let Err(e) = result {
                tracing::warn!(consumer = %consumer.name, error = %fault(&e).into_error("release dead letters"),
                    "queue bus: dead letters stay hidden until the browse hold ends");
            }
        }
    }

    /// Browses, applies `act` to the selected dead letters (one call per
    /// id, with every copy of it), releases the rest; returns how many ids
    /// were acted on.
    async fn for_selected<'a, F, Fut>(
        &'a self,
        consumer: &str,
        selection: DeadLetterSelection,
        act: F,
    ) -> Result<u64, BusError>
    where
        F: Fn(&'a Self, Consumer, Vec<Held>) -> Fut,
        Fut: std::future::Future<Output = Result<(), BusError>>,
    {
        let consumer = self.lookup(consumer).await?;
        self.sweep(&consumer).await;
        let _browsing = self.browsing.lock().await;
        let mut held = self.browse(&consumer).await?;
        let wanted: Option<HashSet<Uuid>> = match selection {
            DeadLetterSelection::All => None,
            DeadLetterSelection::Ids(ids) => Some(ids.into_iter().collect()),
        };
        let mut by_id: HashMap<Uuid, Vec<usize>> = HashMap::new();
        for (i, h) in held.iter().enumerate() {
            if let Some(id) = h.id
                && wanted.as_ref().is_none_or(|w| w.contains(&id))
            {
                by_id.entry(id).or_default().push(i);
            }
        }
        let mut count = 0;
        let mut failure = None;
        for (_, indexes) in by_id {
            let copies: Vec<Held> = indexes.iter().map(|&i| held[i].clone()).collect();
            match act(self, consumer.clone(), copies).await {
                Ok(()) => {
                    count += 1;
                    for i in indexes {
                        held[i].done = true;
                    }
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        self.release(&consumer, &held).await;
        match failure {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    /// Deletes one copy in the consumer's dead-letter queue.
    async fn delete_dead_one(&self, consumer: &Consumer, handle: &str) -> Result<(), BusError> {
        self.sqs
            .delete_message()
            .queue_url(&consumer.dlq_url)
            .receipt_handle(handle)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| fault(&e).into_error("delete a dead letter"))
    }

    async fn delete_dead(&self, consumer: &Consumer, copies: &[Held]) -> Result<(), BusError> {
        for h in copies {
            self.delete_dead_one(consumer, &h.handle).await?;
        }
        Ok(())
    }

    /// Everything in the DLQ, one entry per event id (its oldest copy),
    /// oldest first.
    async fn dead_letters(&self, consumer: &str) -> Result<Vec<DeadLetter>, BusError> {
        let consumer = self.lookup(consumer).await?;
        self.sweep(&consumer).await;
        let _browsing = self.browsing.lock().await;
        let held = self.browse(&consumer).await?;
        let mut oldest: HashMap<Uuid, DeadLetter> = HashMap::new();
        for h in &held {
            let (Some(id), Some(event)) = (h.id, &h.event) else { continue };
            let letter = DeadLetter {
                id,
                consumer: consumer.name.clone(),
                event: event.clone(),
                attempts: h.info.attempts,
                last_error: h.info.error.clone(),
                parked: h.info.parked,
                dead_at_micros: h.info.at,
            };
            match oldest.get(&id) {
                Some(known) if known.dead_at_micros <= letter.dead_at_micros => {}
                _ => {
                    oldest.insert(id, letter);
                }
            }
        }
        self.release(&consumer, &held).await;
        let mut letters: Vec<DeadLetter> = oldest.into_values().collect();
        letters.sort_by_key(|d| (d.dead_at_micros, d.id));
        Ok(letters)
    }

    /// The topic's subscriptions that deliver to `queue_arn`.
    async fn subscriptions_of(&self, queue_arn: &str) -> Result<Vec<String>, BusError> {
        let mut found = Vec::new();
        let mut pages = self.sns.list_subscriptions_by_topic().topic_arn(&self.topic_arn).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| fault(&e).into_error("list the topic's subscriptions"))?;
            found.extend(
                page.subscriptions()
                    .iter()
                    .filter(|s| s.endpoint() == Some(queue_arn))
                    .filter_map(|s| s.subscription_arn().map(str::to_string)),
            );
        }
        Ok(found)
    }

    /// The client's timeouts stretched by a long poll's wait: the
    /// configured request timeout bounds the answer, not the wait.
    fn long_poll(&self, wait_seconds: u64) -> aws_sdk_sqs::config::Builder {
        let wait = Duration::from_secs(wait_seconds);
        let base = self.sqs.config().timeout_config().cloned().unwrap_or_else(|| {
            aws_config::timeout::TimeoutConfig::builder().operation_attempt_timeout(Duration::from_secs(5)).build()
        });
        let attempt = base.operation_attempt_timeout().unwrap_or(Duration::from_secs(5));
        let operation = base.operation_timeout().unwrap_or(attempt * 3);
        let timeouts =
            base.to_builder().operation_attempt_timeout(attempt + wait).operation_timeout(operation + wait * 3).build();
        aws_sdk_sqs::config::Builder::default().timeout_config(timeouts)
    }

    fn prune_local(&self) {
        let now = Instant::now();
        let mut local = self.local();
        local.in_flight.retain(|_, f| f.sqs_deadline() > now);
        local.settled.retain(|_, until| *until > now);
        local.backing_off.retain(|_, (_, until)| *until > now);
    }
}

/// A dead letter held by a browse.
#[derive(Debug, Clone)]
struct Held {
    handle: String,
    id: Option<Uuid>,
    event_type: String,
    body: String,
    info: DeadInfo,
    /// Moved by SQS's redrive policy: no `nexus_dead` attribute yet.
    raw: bool,
    event: Option<RecordedEvent>,
    /// Deleted (purged or redriven) by this browse.
    done: bool,
}

impl Held {
    fn skipped(handle: &str) -> Self {
        Self {
            handle: handle.to_string(),
            id: None,
            event_type: String::new(),
            body: String::new(),
            info: DeadInfo { at: 0, attempts: 0, error: String::new(), parked: false },
            raw: false,
            event: None,
            done: false,
        }
    }
}

#[async_trait]
impl QueueBus for SqsQueueBus {
    async fn create_consumer(&self, name: &str, settings: ConsumerSettings) -> Result<ConsumerInfo, BusError> {
        check_consumer_name(name)?;
        settings.check()?;
        self.open()?;
        let retention = (QueueAttributeName::MessageRetentionPeriod, (14 * 24 * 60 * 60).to_string());
        // FIFO high-throughput mode: every message is its own group, so
        // per-group limits and deduplication cost nothing.
        let dedupe_scope = (QueueAttributeName::DeduplicationScope, "messageGroup".to_string());
        let throughput = (QueueAttributeName::FifoThroughputLimit, "perMessageGroupId".to_string());
        let owner = [(TAG_CONSUMER, name.to_string())];
        let dlq_attributes = [retention.clone(), dedupe_scope.clone(), throughput.clone()];
        let dlq_url = self.put_queue(&wire::dlq_name(&self.prefix, name), name, &dlq_attributes, &owner).await?;
        let dlq_arn = self.queue_arn(&dlq_url).await?;
        let redrive = serde_json::json!({ "deadLetterTargetArn": dlq_arn, "maxReceiveCount": settings.max_deliveries });
        let attributes = [
            (QueueAttributeName::VisibilityTimeout, whole_seconds(settings.visibility_timeout).to_string()),
            (QueueAttributeName::RedrivePolicy, redrive.to_string()),
            retention,
            dedupe_scope,
            throughput,
        ];
        let tags = [
            (TAG_CONSUMER, name.to_string()),
            (TAG_VISIBILITY, settings.visibility_timeout.as_micros().to_string()),
            (TAG_MAX_DELIVERIES, settings.max_deliveries.to_string()),
            (TAG_BACKOFF_INITIAL, settings.backoff_initial.as_micros().to_string()),
            (TAG_BACKOFF_MAX, settings.backoff_max.as_micros().to_string()),
        ];
        let queue_url = self.put_queue(&wire::queue_name(&self.prefix, name), name, &attributes, &tags).await?;
        let queue_arn = self.queue_arn(&queue_url).await?;
        // The topic may send to the queue.
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "sns.amazonaws.com" },
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": { "ArnEquals": { "aws:SourceArn": self.topic_arn } }
            }]
        });
        self.sqs
            .set_queue_attributes()
            .queue_url(&queue_url)
            .attributes(QueueAttributeName::Policy, policy.to_string())
            .send()
            .await
            .map_err(|e| fault(&e).into_error("let the topic send to a queue"))?;
        // Subscribe is idempotent: an existing subscription is returned.
        let subscribed = self
            .sns
            .subscribe()
            .topic_arn(&self.topic_arn)
            .protocol("sqs")
            .endpoint(&queue_arn)
            .attributes("RawMessageDelivery", "true")
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| fault(&e).into_error("subscribe a queue to the topic"))?;
        let subscription = subscribed.subscription_arn().map(str::to_string);
        if let Some(arn) = &subscription {
            // Set apart from Subscribe, which refuses an existing
            // subscription with other attributes; "" removes the policy.
            self.sns
                .set_subscription_attributes()
                .subscription_arn(arn)
                .attribute_name("FilterPolicy")
                .attribute_value(wire::filter_policy(ATTR_EVENT_TYPE, &settings.event_types))
                .send()
                .await
                .map_err(|e| fault(&e).into_error("set a subscription's filter policy"))?;
            self.sqs
                .tag_queue()
                .queue_url(&queue_url)
                .tags(TAG_SUBSCRIPTION, arn)
                .send()
                .await
                .map_err(|e| fault(&e).into_error("tag a queue"))?;
        }
        let consumer =
            Consumer { name: name.to_string(), queue_url, dlq_url, settings, subscription, read_at: Instant::now() };
        self.cache().insert(name.to_string(), consumer.clone());
        self.info(&consumer).await
    }

    async fn delete_consumer(&self, name: &str) -> Result<(), BusError> {
        self.forget(name);
        let consumer = self.lookup(name).await?;
        let subscriptions = match &consumer.subscription {
            Some(arn) => vec![arn.clone()],
            None => self.subscriptions_of(&self.queue_arn(&consumer.queue_url).await?).await?,
        };
        for arn in subscriptions {
            match self.sns.unsubscribe().subscription_arn(arn).send().await {
                Ok(_) => {}
                Err(e) => match fault(&e) {
                    Fault::Missing => {}
                    other => return Err(other.into_error("unsubscribe a queue from the topic")),
                },
            }
        }
        for url in [&consumer.queue_url, &consumer.dlq_url] {
            if let Err(e) = self.sqs.delete_queue().queue_url(url).send().await {
                match fault(&e) {
                    Fault::Missing => {}
                    other => return Err(other.into_error("delete a queue")),
                }
            }
        }
        self.forget(name);
        let mut local = self.local();
        local.in_flight.retain(|_, f| f.consumer != name);
        local.backing_off.retain(|_, (consumer, _)| consumer != name);
        Ok(())
    }

    async fn list_consumers(&self) -> Result<Vec<ConsumerInfo>, BusError> {
        self.open()?;
        let mut urls = Vec::new();
        let mut pages =
            self.sqs.list_queues().queue_name_prefix(&self.prefix).max_results(1000).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| fault(&e).into_error("list queues"))?;
            urls.extend(page.queue_urls().iter().cloned());
        }
        let mut infos = Vec::new();
        for url in urls {
            let Some(queue) = url.rsplit('/').next() else { continue };
            if !queue.ends_with(".fifo") || queue.ends_with("-dlq.fifo") {
                continue;
            }
            let Some(tags) = self.tags(&url).await? else { continue };
            let Some(name) = tags.get(TAG_CONSUMER) else { continue };
            if wire::queue_name(&self.prefix, name) != queue {
                continue;
            }
            let consumer = match self.read_consumer(name, Some(url.clone())).await {
                Ok(consumer) => consumer,
                // Deleted meanwhile.
                Err(BusError::ConsumerNotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            self.cache().insert(name.clone(), consumer.clone());
            match self.info(&consumer).await {
                Ok(info) => infos.push(info),
                Err(BusError::ConsumerNotFound(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        infos.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(infos)
    }

    async fn consumer(&self, name: &str) -> Result<ConsumerInfo, BusError> {
        let consumer = self.lookup(name).await?;
        match self.info(&consumer).await {
            Err(BusError::ConsumerNotFound(n)) => {
                self.forget(name);
                Err(BusError::ConsumerNotFound(n))
            }
            other => other,
        }
    }

    async fn publish(&self, events: &[Arc<RecordedEvent>]) -> Result<(), BusError> {
        let mut seen = HashSet::new();
        let unique: Vec<Arc<RecordedEvent>> = events.iter().filter(|e| seen.insert(e.event_id)).cloned().collect();
        if unique.is_empty() {
            return Ok(());
        }
        self.open()?;
        // Encode first: an event that cannot be sent claims nothing.
        let mut encoded = Vec::with_capacity(unique.len());
        for event in &unique {
            encoded.push(self.body_of(event)?);
        }
        let fresh: HashSet<Uuid> = self.claim_published(unique.clone()).await?.iter().map(|e| e.event_id).collect();
        let mut batches: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut batch_bytes = 0;
        for (i, event) in unique.iter().enumerate() {
            if !fresh.contains(&event.event_id) {
                continue;
            }
            let size = encoded[i].1;
            match batches.last_mut() {
                Some(batch) if batch.len() < 10 && batch_bytes + size <= MAX_MESSAGE_BYTES => {
                    batch.push((i, size));
                    batch_bytes += size;
                }
                _ => {
                    batches.push(vec![(i, size)]);
                    batch_bytes = size;
                }
            }
        }
        let mut published = Vec::new();
        let mut failures = Vec::new();
        for batch in batches {
            let mut request = self.sns.publish_batch().topic_arn(&self.topic_arn);
            for (i, _) in &batch {
                let event = &unique[*i];
                let id = event.event_id.simple().to_string();
                let entry = aws_sdk_sns::types::PublishBatchRequestEntry::builder()
                    .id(format!("e{i}"))
                    .message(&encoded[*i].0)
                    .message_group_id(&id)
                    .message_deduplication_id(&id)
                    .message_attributes(ATTR_EVENT_TYPE, sns_string(&event.event_type)?)
                    .message_attributes(ATTR_EVENT_ID, sns_string(&event.event_id.to_string())?)
                    .build()
                    .map_err(|e| BusError::Internal(format!("cannot build a publish entry: {e}")))?;
                request = request.publish_batch_request_entries(entry);
            }
            let out = request.send().await.map_err(|e| fault(&e).into_error("publish to the topic"))?;
            for ok in out.successful() {
                if let Some(i) = ok.id().and_then(|id| id.strip_prefix('e')).and_then(|i| i.parse::<usize>().ok())
                    && let Some(event) = unique.get(i)
                {
                    published.push(event.event_id);
                }
            }
            for failed in out.failed() {
                failures
                    .push((failed.sender_fault(), format!("{}: {}", failed.code(), failed.message().unwrap_or(""))));
            }
        }
        self.confirm_published(&published).await;
        if failures.is_empty() {
            return Ok(());
        }
        let sender_fault = failures.iter().any(|(sender, _)| *sender);
        let text = failures.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join("; ");
        let text = format!("SNS refused {} published events: {text}", unique.len() - published.len());
        Err(if sender_fault { BusError::Internal(text) } else { BusError::Unavailable(text) })
    }

    async fn receive(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        if max == 0 {
            return Err(BusError::Invalid("receive at least one message".into()));
        }
        let found = self.lookup(consumer).await?;
        self.prune_local();
        self.sweep(&found).await;
        let deadline = Instant::now() + wait;
        let visibility = found.settings.visibility_timeout;
        let sqs_visibility = whole_seconds(visibility).max(1);
        let mut out = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let wait_seconds = if out.is_empty() { remaining.as_secs().min(20) } else { 0 };
            let want = (max - out.len()).min(10);
            let received = Instant::now();
            let received_micros = now_micros();
            let response = self
                .sqs
                .receive_message()
                .queue_url(&found.queue_url)
                .max_number_of_messages(i32::try_from(want).unwrap_or(10))
                .wait_time_seconds(i32::try_from(wait_seconds).unwrap_or(20))
                .visibility_timeout(sqs_visibility)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .message_attribute_names("All")
                // An SDK retry of this call gets the same messages back
                // instead of leaving them hidden.
                .receive_request_attempt_id(Uuid::new_v4().simple().to_string())
                .customize()
                .config_override(self.long_poll(wait_seconds))
                .send();
            let response = tokio::select! {
                response = response => response,
                // Messages a cancelled call received stay hidden until
                // their visibility timeout ends, then come back.
                _ = self.closed.cancelled() => return Err(BusError::ShuttingDown),
            };
            let response = match response {
                Ok(response) => response,
                Err(e) if !out.is_empty() => {
                    // What was received is delivered; the rest waits.
                    tracing::warn!(consumer, error = %fault(&e).into_error("receive more messages"),
                        "queue bus: a receive ended early");
                    return Ok(out);
                }
                Err(e) => {
                    return Err(match fault(&e) {
                        Fault::Missing => {
                            self.forget(consumer);
                            BusError::ConsumerNotFound(consumer.to_string())
                        }
                        other => other.into_error("receive messages"),
                    });
                }
            };
            let got = response.messages().len();
            for message in response.messages() {
                let (Some(handle), Some(body)) = (message.receipt_handle(), message.body()) else { continue };
                let event = match self.event_of(body).await {
                    Ok(event) => event,
                    Err(e) => {
                        // Left in flight: it comes back, and SQS's redrive
                        // policy dead-letters it after max_deliveries.
                        tracing::warn!(consumer, error = %e, "queue bus: a received message cannot be read");
                        continue;
                    }
                };
                let attempt = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(1);
                let deadline_micros =
                    received_micros.saturating_add(i64::try_from(visibility.as_micros()).unwrap_or(i64::MAX));
                let token = Receipt {
                    n: Uuid::new_v4(),
                    c: consumer.to_string(),
                    h: handle.to_string(),
                    e: event.event_id,
                    a: attempt,
                    d: deadline_micros,
                };
                let flight = InFlight {
                    consumer: consumer.to_string(),
                    handle: handle.to_string(),
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    body: body.to_string(),
                    attempt,
                    received,
                    deadline_micros,
                    visibility,
                    sqs_visibility: Duration::from_secs(u64::try_from(sqs_visibility).unwrap_or(1)),
                };
                {
                    let mut local = self.local();
                    let now = now_micros();
                    // Never two live deliveries of one event to one consumer
                    // from this process: a duplicate (a copy of the message,
                    // or moto handing one message to two concurrent
                    // receives) stays hidden and comes back later.
                    let duplicate = local
                        .in_flight
                        .values()
                        .any(|f| f.consumer == consumer && f.event_id == event.event_id && now < f.deadline_micros);
                    if duplicate {
                        tracing::debug!(consumer, event_id = %event.event_id, "queue bus: a duplicate delivery is held back");
                        continue;
                    }
                    local.in_flight.insert(token.n, flight);
                }
                out.push(Delivery { receipt: token.encode(), event, attempt });
            }
            if out.len() >= max || (!out.is_empty() && got < want) {
                return Ok(out);
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Ok(out);
            }
            if wait_seconds == 0 && got == 0 {
                // Under a second left: poll again shortly.
                tokio::select! {
                    _ = tokio::time::sleep(remaining.min(Duration::from_millis(50))) => {}
                    _ = self.closed.cancelled() => return Err(BusError::ShuttingDown),
                }
            }
        }
    }

    async fn ack(&self, consumer: &str, receipt: &str) -> Result<(), BusError> {
        let (found, token, flight) = self.claim(consumer, receipt).await?;
        self.settle(&token, flight, self.delete(&found, &token.h)).await.map_err(|e| restale(e, receipt))
    }

    async fn nack(&self, consumer: &str, receipt: &str, error: &str) -> Result<NackOutcome, BusError> {
        let (found, token, flight) = self.claim(consumer, receipt).await?;
        let settings = found.settings.clone();
        if token.a >= settings.max_deliveries {
            let info = DeadInfo { at: now_micros(), attempts: token.a, error: clip(error), parked: false };
            let moved = self.move_to_dead_letters(&found, &token, flight.as_ref(), info);
            self.settle(&token, flight.clone(), moved).await.map_err(|e| restale(e, receipt))?;
            return Ok(NackOutcome::DeadLettered);
        }
        let after = settings.backoff(token.a);
        let hidden = whole_seconds(after);
        let asked = Instant::now();
        let changed = async {
            self.sqs
                .change_message_visibility()
                .queue_url(&found.queue_url)
                .receipt_handle(&token.h)
                .visibility_timeout(hidden)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.settle_error(&found, &token.h, fault(&e), "change a message's visibility"))
        };
        self.settle(&token, flight, changed).await.map_err(|e| restale(e, receipt))?;
        let until = asked + Duration::from_secs(u64::try_from(hidden).unwrap_or(0));
        self.local().backing_off.insert(token.n, (consumer.to_string(), until));
        Ok(NackOutcome::Retry { after })
    }

    async fn park(&self, consumer: &str, receipt: &str, reason: &str) -> Result<(), BusError> {
        let (found, token, flight) = self.claim(consumer, receipt).await?;
        let info = DeadInfo { at: now_micros(), attempts: token.a, error: clip(reason), parked: true };
        let moved = self.move_to_dead_letters(&found, &token, flight.as_ref(), info);
        self.settle(&token, flight.clone(), moved).await.map_err(|e| restale(e, receipt))
    }

    async fn list_dead_letters(
        &self,
        consumer: &str,
        page_size: usize,
        page_token: Option<&str>,
    ) -> Result<DeadLetterPage, BusError> {
        let after = page_token.map(parse_page_token).transpose()?;
        let limit = page_size.clamp(1, 1000);
        let mut letters: Vec<DeadLetter> = self
            .dead_letters(consumer)
            .await?
            .into_iter()
            .filter(|d| after.is_none_or(|after| (d.dead_at_micros, d.id) > after))
            .collect();
        let next_page_token = if letters.len() > limit {
            letters.truncate(limit);
            letters.last().map(|d| format!("{}.{}", d.dead_at_micros, d.id.simple()))
        } else {
            None
        };
        Ok(DeadLetterPage { dead_letters: letters, next_page_token })
    }

    async fn dead_letter(&self, consumer: &str, id: Uuid) -> Result<Option<DeadLetter>, BusError> {
        Ok(self.dead_letters(consumer).await?.into_iter().find(|d| d.id == id))
    }

    async fn redrive(&self, consumer: &str, selection: DeadLetterSelection) -> Result<u64, BusError> {
        self.for_selected(consumer, selection, |bus, consumer, copies| async move {
            let Some((first, id)) = copies.first().and_then(|h| Some((h, h.id?))) else { return Ok(()) };
            let group = id.simple().to_string();
            bus.sqs
                .send_message()
                .queue_url(&consumer.queue_url)
                .message_body(&first.body)
                .message_group_id(&group)
                // A fresh id: the event's own id was used when it was
                // published, maybe within the 5-minute window.
                .message_deduplication_id(Uuid::new_v4().simple().to_string())
                .message_attributes(ATTR_EVENT_ID, sqs_string(&id.to_string())?)
                .message_attributes(ATTR_EVENT_TYPE, sqs_string(&first.event_type)?)
                .send()
                .await
                .map_err(|e| fault(&e).into_error("send a redriven message"))?;
            bus.delete_dead(&consumer, &copies).await
        })
        .await
    }

    async fn purge(&self, consumer: &str, selection: DeadLetterSelection) -> Result<u64, BusError> {
        self.for_selected(consumer, selection, |bus, consumer, copies| async move {
            bus.delete_dead(&consumer, &copies).await
        })
        .await
    }
}

/// A stale error names the caller's receipt, not the SQS handle.
fn restale(error: BusError, receipt: &str) -> BusError {
    match error {
        BusError::StaleReceipt(_) => BusError::StaleReceipt(receipt.to_string()),
        other => other,
    }
}

async fn find_topic(sns: &aws_sdk_sns::Client, topic: &str) -> Result<String, BusError> {
    let mut pages = sns.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| fault(&e).into_error("list SNS topics"))?;
        if let Some(arn) =
            page.topics().iter().filter_map(|t| t.topic_arn()).find(|arn| arn.rsplit(':').next() == Some(topic))
        {
            return Ok(arn.to_string());
        }
    }
    Err(BusError::Unavailable(format!(
        "SNS topic {topic:?} (aws.resources.topic) does not exist; create it with `nexus aws provision`"
    )))
}

fn ledger_key(id: Uuid) -> AttributeValue {
    AttributeValue::S(format!("published#{id}"))
}

fn settings_from_tags(tags: &HashMap<String, String>) -> Option<ConsumerSettings> {
    let micros = |name: &str| tags.get(name)?.parse::<u64>().ok().map(Duration::from_micros);
    Some(ConsumerSettings {
        visibility_timeout: micros(TAG_VISIBILITY)?,
        max_deliveries: tags.get(TAG_MAX_DELIVERIES)?.parse().ok()?,
        backoff_initial: micros(TAG_BACKOFF_INITIAL)?,
        backoff_max: micros(TAG_BACKOFF_MAX)?,
        // Kept in the subscription's filter policy (tags hold 256 characters).
        event_types: Vec::new(),
    })
}

/// A duration in SQS's whole seconds, rounded up, at most 12 hours.
fn whole_seconds(duration: Duration) -> i32 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(seconds.min(ConsumerSettings::MAX_DELAY.as_secs())).unwrap_or(i32::MAX)
}

fn sqs_string(value: &str) -> Result<MessageAttributeValue, BusError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(wire::attribute_text(value))
        .build()
        .map_err(|e| BusError::Internal(format!("cannot build a message attribute: {e}")))
}

fn sns_string(value: &str) -> Result<aws_sdk_sns::types::MessageAttributeValue, BusError> {
    aws_sdk_sns::types::MessageAttributeValue::builder()
        .data_type("String")
        .string_value(wire::attribute_text(value))
        .build()
        .map_err(|e| BusError::Internal(format!("cannot build a message attribute: {e}")))
}

/// `<dead_at micros>.<event id>` of the last dead letter of a page.
fn parse_page_token(token: &str) -> Result<(i64, Uuid), BusError> {
    token
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, Uuid::try_parse(id).ok()?)))
        .ok_or_else(|| BusError::Invalid(format!("page token {token:?} was not issued by this server")))
}

/// The longest start of `text` that takes at most [`MAX_ERROR_BYTES`]
/// once escaped in JSON, cut at a character boundary.
fn clip(text: &str) -> String {
    let mut size = 0;
    for (at, c) in text.char_indices() {
        size += match c {
            '"' | '\\' => 2,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        };
        if size > MAX_ERROR_BYTES {
            return text[..at].to_string();
        }
    }
    text.to_string()
}

/// What an SNS or SQS error means to the bus.
enum Fault {
    /// The queue (or subscription) does not exist.
    Missing,
    /// The receipt handle is not valid any more.
    Stale,
    /// Throttling, a server fault, or the service is unreachable.
    Transient(String),
    Other(String),
}

impl Fault {
    fn into_error(self, what: &str) -> BusError {
        match self {
            Fault::Missing => BusError::Internal(format!("cannot {what}: the queue does not exist")),
            Fault::Stale => BusError::Internal(format!("cannot {what}: the receipt handle is not valid any more")),
            Fault::Transient(text) => BusError::Unavailable(format!("cannot {what}: {text}")),
            Fault::Other(text) => BusError::Internal(format!("cannot {what}: {text}")),
        }
    }
}

fn fault<E>(error: &SdkError<E, aws_sdk_sqs::config::http::HttpResponse>) -> Fault
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = super::provision::error_text(error);
    let SdkError::ServiceError(service) = error else { return Fault::Transient(text) };
    let code = service.err().code().unwrap_or_default();
    let message = service.err().message().unwrap_or_default().to_ascii_lowercase();
    match code {
        "AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist" | "NotFound" | "NotFoundException" => {
            Fault::Missing
        }
        "ReceiptHandleIsInvalid" | "MessageNotInflight" | "AWS.SimpleQueueService.MessageNotInflight" => Fault::Stale,
        "InvalidParameterValue" if message.contains("receipt handle") => Fault::Stale,
        "RequestThrottled"
        | "ThrottlingException"
        | "Throttling"
        | "Throttled"
        | "ServiceUnavailable"
        | "InternalError"
        | "InternalFailure"
        | "ThrottledException"
        | "InternalErrorException"
        | "KmsThrottled"
        | "KMSThrottlingException"
        | "OverLimit"
        | "QueueDeletedRecently"
        | "AWS.SimpleQueueService.QueueDeletedRecently" => Fault::Transient(text),
        _ if service.raw().status().is_server_error() => Fault::Transient(text),
        _ => Fault::Other(text),
    }
}
