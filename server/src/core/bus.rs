//! The two paths events take after they are stored, as ports.
//!
//! The router ([`crate::core::router`]) follows the event store's change feed
//! and sends every event down the path its event type is configured for:
//!
//! - [`StreamBus`], the **stream path** for core events: ordered per stream,
//!   low latency, read by durable consumer groups that keep checkpoints.
//!   Embedded: an in-process tail of the log. AWS: Kinesis with the stream id
//!   as partition key.
//! - [`QueueBus`], the **queue path** for secondary events: a durable queue
//!   per consumer (fan-out), at-least-once and unordered, with a visibility
//!   timeout, retries with exponential backoff and a dead-letter queue after
//!   a number of failed deliveries. Embedded: SQLite. AWS: an SNS topic with
//!   one SQS queue (and its redrive DLQ) per consumer.
//!
//! The ports promise only what both backends keep: order per stream (not
//! across streams) on the stream path, no order at all on the queue path,
//! and at-least-once delivery on both.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::model::{Position, RecordedEvent};

/// Errors of the bus ports.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum BusError {
    /// No consumer (queue) of this name.
    #[error("no consumer named {0:?}")]
    ConsumerNotFound(String),
    /// A receipt that is unknown, expired (the message became visible again
    /// and may have been received by someone else) or already settled.
    #[error("receipt {0:?} is not valid any more")]
    StaleReceipt(String),
    /// A request the port cannot take (bad name, bad setting).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A position token this bus did not issue.
    #[error("invalid position token {0:?}")]
    InvalidPosition(String),
    /// The bus is shutting down.
    #[error("the bus is shutting down")]
    ShuttingDown,
    /// A transient backend fault; the operation may be retried.
    #[error("bus unavailable: {0}")]
    Unavailable(String),
    /// An unexpected backend fault.
    #[error("bus failure: {0}")]
    Internal(String),
}

// ---------------------------------------------------------------------------
// Stream path
// ---------------------------------------------------------------------------

/// One item of a stream-path subscription.
pub type StreamItem = Result<Arc<RecordedEvent>, BusError>;

/// The stream path: ordered per stream, low latency.
///
/// Promises (checked by `crate::conformance::stream_bus`):
/// - a subscriber receives every published event after its start position,
///   each once, and events of one stream in revision order;
/// - a subscriber that reads slowly never blocks `publish` or other
///   subscribers: when it falls out of the in-memory window it reads from
///   durable storage and catches up;
/// - consumer-group checkpoints survive a restart;
/// - events published before a restart are still delivered to a subscriber
///   starting before them (the path is as durable as the log behind it).
#[async_trait]
pub trait StreamBus: Send + Sync + 'static {
    /// Publishes events routed to this path, in log order.
    async fn publish(&self, events: Vec<Arc<RecordedEvent>>) -> Result<(), BusError>;

    /// Streams the events published after `after` (`None`: from the start),
    /// then every event published later, until `shutdown` fires or the
    /// receiver is dropped.
    fn subscribe(&self, after: Option<Position>, shutdown: CancellationToken) -> mpsc::Receiver<StreamItem>;

    /// The last position published, if any.
    fn published(&self) -> Option<Position>;

    /// Whether a subscriber at `reached` has every event up to `target`
    /// (both positions of this bus); `None` when the positions cannot be
    /// compared. By global number, for buses that number their events;
    /// a bus whose positions have no global number compares its own tokens.
    fn covers(&self, reached: &Position, target: &Position) -> Option<bool> {
        Some(reached.global? >= target.global?)
    }

    /// The checkpoint of a durable consumer group (`None`: never committed).
    async fn checkpoint(&self, group: &str) -> Result<Option<Position>, BusError>;

    /// Records that `group` has processed everything up to `position`.
    async fn commit(&self, group: &str, position: &Position) -> Result<(), BusError>;
}

// ---------------------------------------------------------------------------
// Queue path
// ---------------------------------------------------------------------------

/// How a consumer's queue delivers and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSettings {
    /// How long a received message stays invisible to other receivers before
    /// it counts as a failed delivery and is delivered again.
    pub visibility_timeout: Duration,
    /// Failed deliveries (nacks or visibility timeouts) after which the
    /// message moves to the dead-letter queue.
    pub max_deliveries: u32,
    /// Delay before the first retry; doubles with every further failure.
    pub backoff_initial: Duration,
    /// Upper bound of the retry delay.
    pub backoff_max: Duration,
    /// The event types this consumer receives; an entry ending in `*`
    /// matches every type starting with what comes before it. Empty: every
    /// event. A change applies to events published after it (on SQS,
    /// within SNS's propagation time for filter policies).
    pub event_types: Vec<String>,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        Self {
            visibility_timeout: Duration::from_secs(30),
            max_deliveries: 5,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(60),
            event_types: Vec::new(),
        }
    }
}

impl ConsumerSettings {
    /// The delay before redelivery after the `failures`-th failed delivery
    /// (1-based): `backoff_initial * 2^(failures-1)`, at most `backoff_max`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures.saturating_sub(1)).unwrap_or(u32::MAX);
        self.backoff_initial.saturating_mul(factor).min(self.backoff_max)
    }
}

impl ConsumerSettings {
    /// Longest visibility timeout and retry delay: SQS's limit for both.
    pub const MAX_DELAY: Duration = Duration::from_secs(12 * 60 * 60);
    /// Most deliveries: SQS's limit for `maxReceiveCount`.
    pub const MAX_DELIVERIES: u32 = 1000;
    /// Most entries in `event_types`: an SNS filter policy allows 150 values.
    pub const MAX_EVENT_TYPES: usize = 100;
    /// Longest entry in `event_types`, in bytes.
    pub const MAX_EVENT_TYPE_BYTES: usize = 256;

    /// Whether this consumer receives events of `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty()
            || self.event_types.iter().any(|wanted| match wanted.strip_suffix('*') {
                Some(prefix) => event_type.starts_with(prefix),
                None => event_type == wanted,
            })
    }

    /// What is wrong with these settings, as (field, problem) pairs named
    /// like the fields of `nexus.v1.ConsumerSettings`; empty when they are
    /// valid. The limits are those both backends can keep.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let hours = Self::MAX_DELAY.as_secs() / 3600;
        if self.visibility_timeout.is_zero() || self.visibility_timeout > Self::MAX_DELAY {
            problems.push(("visibility_timeout", format!("must be more than 0 and at most {hours}h")));
        }
        if self.max_deliveries == 0 || self.max_deliveries > Self::MAX_DELIVERIES {
            problems.push(("max_deliveries", format!("must be 1 to {}", Self::MAX_DELIVERIES)));
        }
        if self.backoff_max > Self::MAX_DELAY {
            problems.push(("backoff_max", format!("must be at most {hours}h")));
        }
        if self.backoff_initial > self.backoff_max {
            problems.push(("backoff_initial", "must not be more than backoff_max".to_string()));
        }
        if self.event_types.len() > Self::MAX_EVENT_TYPES {
            problems.push(("event_types", format!("must have at most {} entries", Self::MAX_EVENT_TYPES)));
        }
        let mut seen = std::collections::HashSet::new();
        for wanted in &self.event_types {
            let name = wanted.strip_suffix('*').unwrap_or(wanted);
            let problem = if name.is_empty() {
                Some("must not have an empty entry or a lone '*'".to_string())
            } else if wanted.len() > Self::MAX_EVENT_TYPE_BYTES {
                Some(format!("entries must be at most {} bytes", Self::MAX_EVENT_TYPE_BYTES))
            } else if name.contains('*') {
                Some(format!("{wanted:?}: '*' may only end an entry"))
            } else if !seen.insert(wanted.as_str()) {
                Some(format!("{wanted:?} is listed twice"))
            } else {
                None
            };
            if let Some(problem) = problem {
                problems.push(("event_types", problem));
                break;
            }
        }
        problems
    }

    /// [`ConsumerSettings::problems`] as one [`BusError::Invalid`].
    pub fn check(&self) -> Result<(), BusError> {
        let problems = self.problems();
        if problems.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = problems.iter().map(|(field, problem)| format!("{field} {problem}")).collect();
        Err(BusError::Invalid(list.join("; ")))
    }
}

/// Longest consumer name, in characters (SQS queue names allow 80).
pub const MAX_CONSUMER_NAME_CHARS: usize = 80;

/// Checks a consumer name: 1 to 80 ASCII letters, digits, `-`, `_` or `.`,
/// so that it can name an SQS queue (with a suffix) as it is.
pub fn check_consumer_name(name: &str) -> Result<(), BusError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_CONSUMER_NAME_CHARS
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if valid {
        Ok(())
    } else {
        Err(BusError::Invalid(format!(
            "a consumer name must be 1 to {MAX_CONSUMER_NAME_CHARS} letters, digits, '-', '_' or '.'"
        )))
    }
}

/// A consumer of the queue path and the state of its queue. The counts are
/// exact on the embedded backend and SQS's approximate numbers on AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerInfo {
    pub name: String,
    pub settings: ConsumerSettings,
    /// Messages waiting to be received (including those waiting out a backoff).
    pub ready: u64,
    /// Messages received and not yet settled.
    pub in_flight: u64,
    /// Messages in the dead-letter queue.
    pub dead_letters: u64,
}

/// One delivery of a message to a receiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Settles this delivery (ack, nack, park). Opaque; valid until the
    /// visibility timeout ends or the delivery is settled.
    pub receipt: String,
    pub event: RecordedEvent,
    /// 1 on the first delivery, 2 on the first retry, and so on.
    pub attempt: u32,
}

/// What a nack did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NackOutcome {
    /// The message will be delivered again after this delay.
    Retry { after: Duration },
    /// That was the last allowed failure: the message is in the dead-letter queue.
    DeadLettered,
}

/// A message in a consumer's dead-letter queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The message id: the event id.
    pub id: uuid::Uuid,
    pub consumer: String,
    pub event: RecordedEvent,
    /// Deliveries made before it was dead-lettered.
    pub attempts: u32,
    /// The error of the last failure (the nack's or park's reason, or
    /// "visibility timeout expired").
    pub last_error: String,
    /// Whether a receiver parked it on purpose (rather than retries running out).
    pub parked: bool,
    /// Microseconds since the Unix epoch.
    pub dead_at_micros: i64,
}

/// One page of a dead-letter queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetterPage {
    pub dead_letters: Vec<DeadLetter>,
    /// Continue here; `None` at the end.
    pub next_page_token: Option<String>,
}

/// Which dead letters an admin operation touches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadLetterSelection {
    All,
    Ids(Vec<uuid::Uuid>),
}

/// The queue path: fan-out to a durable queue per consumer.
///
/// Promises (checked by `crate::conformance::queue_bus`):
/// - a published event reaches the queue of every consumer that existed
///   when it was published, once: publishing the same event id again does
///   not enqueue it twice (the router may republish after a crash);
/// - a received message is invisible to other receivers until it is
///   settled or its visibility timeout ends (competing consumers);
/// - a nack or an expired visibility timeout is a failed delivery: the
///   message comes back after the backoff, and after
///   `max_deliveries` failed deliveries it moves to the dead-letter queue;
/// - a park moves it to the dead-letter queue at once;
/// - redrive puts dead letters back on the queue with a fresh delivery count;
/// - everything (queues, in-flight state, dead letters) survives a restart:
///   un-acked messages are delivered again, acked ones never.
#[async_trait]
pub trait QueueBus: Send + Sync + 'static {
    /// Creates a consumer's queue, or updates its settings if it exists.
    async fn create_consumer(&self, name: &str, settings: ConsumerSettings) -> Result<ConsumerInfo, BusError>;

    /// Deletes a consumer with its queue and dead letters.
    async fn delete_consumer(&self, name: &str) -> Result<(), BusError>;

    /// Every consumer with the counts of its queue, by name.
    async fn list_consumers(&self) -> Result<Vec<ConsumerInfo>, BusError>;

    /// One consumer with the counts of its queue.
    async fn consumer(&self, name: &str) -> Result<ConsumerInfo, BusError>;

    /// Enqueues the events for every consumer (idempotent per event id).
    async fn publish(&self, events: &[Arc<RecordedEvent>]) -> Result<(), BusError>;

    /// Receives up to `max` visible messages, waiting up to `wait` for the
    /// first one (long poll). Returns an empty vector on timeout.
    async fn receive(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError>;

    /// The message was handled: it is removed for good.
    async fn ack(&self, consumer: &str, receipt: &str) -> Result<(), BusError>;

    /// The delivery failed; retry after the backoff or dead-letter it.
    async fn nack(&self, consumer: &str, receipt: &str, error: &str) -> Result<NackOutcome, BusError>;

    /// The message can never be handled: move it to the dead-letter queue now.
    async fn park(&self, consumer: &str, receipt: &str, reason: &str) -> Result<(), BusError>;

    /// One page of a consumer's dead letters, oldest first.
    async fn list_dead_letters(
        &self,
        consumer: &str,
        page_size: usize,
        page_token: Option<&str>,
    ) -> Result<DeadLetterPage, BusError>;

    /// One dead letter.
    async fn dead_letter(&self, consumer: &str, id: uuid::Uuid) -> Result<Option<DeadLetter>, BusError>;

    /// Moves dead letters back onto the queue; returns how many moved.
    async fn redrive(&self, consumer: &str, selection: DeadLetterSelection) -> Result<u64, BusError>;

    /// Deletes dead letters; returns how many were deleted.
    async fn purge(&self, consumer: &str, selection: DeadLetterSelection) -> Result<u64, BusError>;
}

/// Durable named positions, for components that follow a feed (the router).
#[async_trait]
pub trait Checkpoints: Send + Sync + 'static {
    /// The position last saved under `name` (`None`: never saved).
    async fn load(&self, name: &str) -> Result<Option<Position>, BusError>;
    /// Saves `position` under `name`, replacing the one before; durable
    /// when it returns.
    async fn save(&self, name: &str, position: &Position) -> Result<(), BusError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let settings = ConsumerSettings {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(1),
            ..ConsumerSettings::default()
        };
        let delays: Vec<_> = (1..=6).map(|n| settings.backoff(n).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(settings.backoff(200), Duration::from_secs(1));
    }

    #[test]
    fn names_and_settings_are_checked() {
        for good in ["billing", "a", "Billing-v2_x.1", &"n".repeat(80)] {
            assert_eq!(check_consumer_name(good), Ok(()), "{good}");
        }
        for bad in ["", "with space", "slash/name", "ünïcode", &"n".repeat(81)] {
            assert!(matches!(check_consumer_name(bad), Err(BusError::Invalid(_))), "{bad}");
        }
        assert_eq!(ConsumerSettings::default().check(), Ok(()));
        let bad = ConsumerSettings {
            visibility_timeout: Duration::ZERO,
            max_deliveries: 0,
            backoff_initial: Duration::from_secs(2),
            backoff_max: Duration::from_secs(1),
            event_types: vec!["Money*".into(), "A*B".into()],
        };
        let fields: Vec<_> = bad.problems().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["visibility_timeout", "max_deliveries", "backoff_initial", "event_types"]);
        assert!(matches!(bad.check(), Err(BusError::Invalid(_))));
        for bad_types in [vec!["*"], vec![""], vec!["A", "A"], vec!["A**"]] {
            let settings = ConsumerSettings {
                event_types: bad_types.iter().map(|t| t.to_string()).collect(),
                ..ConsumerSettings::default()
            };
            assert_eq!(settings.problems().len(), 1, "{bad_types:?}");
        }
        let too_many = ConsumerSettings {
            event_types: (0..=ConsumerSettings::MAX_EVENT_TYPES).map(|i| format!("T{i}")).collect(),
            ..ConsumerSettings::default()
        };
        assert_eq!(too_many.problems().len(), 1);
    }

    #[test]
    fn event_type_filters_match_exact_names_and_prefixes() {
        let all = ConsumerSettings::default();
        assert!(all.wants("AnyThing"));
        let some = ConsumerSettings {
            event_types: vec!["AccountOpened".into(), "Money*".into()],
            ..ConsumerSettings::default()
        };
        assert!(some.wants("AccountOpened"));
        assert!(some.wants("MoneyDeposited"));
        assert!(some.wants("Money"));
        assert!(!some.wants("AccountOpenedV2"));
        assert!(!some.wants("AccountClosed"));
        assert!(!some.wants("money"));
    }
}
