//! The embedded queue path: a durable queue per consumer in one SQLite
//! database (`bus.db` in the data directory), WAL mode, `synchronous=FULL`
//! unless the store's durability is relaxed. It also keeps the
//! [`Checkpoints`] of the components that follow a feed (the router).
//!
//! The model is SQS's, so that the AWS adapter (SNS → one SQS queue per
//! consumer, redrive to a DLQ) keeps the same promises:
//!
//! - `queue` holds one row per (consumer, event). A row is *ready* when its
//!   `visible_at` has passed and *in flight* while it holds a receipt and its
//!   `visible_at` (the end of its visibility timeout) lies ahead. Receiving
//!   counts a delivery; when a receipt's visibility timeout ends unsettled,
//!   that delivery failed, and a message whose deliveries have reached
//!   `max_deliveries` goes to the dead-letter queue instead of being
//!   delivered again (SQS: receive count > maxReceiveCount). As in SQS the
//!   visibility timeout itself is the delay before that redelivery; a nack
//!   waits out the exponential backoff.
//! - `dead_letters` holds the consumer's DLQ; a move between the two tables
//!   is one transaction, so a message is in exactly one of them.
//! - `payloads` holds each event once, however many consumers it fans out
//!   to, with a count of the rows that refer to it.
//! - `published` remembers the ids of published events for
//!   [`PUBLISHED_RETENTION`]: publishing an id again within that time does
//!   nothing, even after every consumer acked it. The router republishes only
//!   events after its last checkpoint (saved at least every 250 ms while
//!   events flow), so the window it can repeat is far shorter.
//!
//! Every operation is one transaction on one connection, run on a blocking
//! thread; the traffic of the queue path (secondary events, settles) does not
//! need the event store's group commit. Receivers long-poll: they wait on a
//! wake-up signal that publish, nack, redrive and consumer changes send, and
//! otherwise sleep until the next message of their queue becomes visible.
//!
//! Receipts do not outlive the process that issued them (they travel on a
//! Consume stream of this server), so opening the database ends every
//! visibility timeout: what was in flight is delivered again at once, and
//! that counts as a failed delivery.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicI64, Ordering},
    },
    time::{Duration, Instant},
};

use async_trait::async_trait;
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior, params};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::Durability;
use crate::core::{
    bus::{
        BusError, Checkpoints, ConsumerInfo, ConsumerSettings, DeadLetter, DeadLetterPage, DeadLetterSelection,
        Delivery, NackOutcome, QueueBus, check_consumer_name,
    },
    model::{EventMetadata, Position, RecordedEvent, now_micros},
};

/// How long the ids of published events are remembered (publishing one
/// again within this time enqueues nothing).
pub const PUBLISHED_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How often publish drops ids older than [`PUBLISHED_RETENTION`].
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// Most ids one prune deletes (the rest wait for the next one).
const PRUNE_BATCH: i64 = 10_000;
/// Most messages one receive takes.
pub const MAX_RECEIVE: usize = 1000;
/// Most dead letters on one page.
pub const MAX_PAGE: usize = 1000;
/// Longest nack error or park reason kept, in bytes.
pub const MAX_ERROR_BYTES: usize = 4096;
/// The `last_error` of a message whose last visibility timeout ran out.
pub const VISIBILITY_EXPIRED: &str = "visibility timeout expired";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS consumers (
    name                  TEXT PRIMARY KEY,
    -- Durations in microseconds.
    visibility_timeout    INTEGER NOT NULL,
    max_deliveries        INTEGER NOT NULL,
    backoff_initial       INTEGER NOT NULL,
    backoff_max           INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    -- JSON array of the event types it receives (an entry ending in '*'
    -- is a prefix); '[]': every type.
    event_types           TEXT    NOT NULL DEFAULT '[]'
) WITHOUT ROWID;

-- One row per message waiting in, or in flight from, a consumer's queue.
CREATE TABLE IF NOT EXISTS queue (
    consumer    TEXT    NOT NULL,
    event_id    BLOB    NOT NULL,
    -- Microseconds since the epoch: when the message may be received (ready),
    -- or when the visibility timeout of its receipt ends (in flight).
    visible_at  INTEGER NOT NULL,
    -- Deliveries made so far.
    deliveries  INTEGER NOT NULL,
    -- The receipt of the current delivery; NULL when not in flight.
    receipt     TEXT,
    PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS queue_by_visibility ON queue (consumer, visible_at);
CREATE INDEX IF NOT EXISTS queue_in_flight ON queue (consumer, visible_at) WHERE receipt IS NOT NULL;

CREATE TABLE IF NOT EXISTS dead_letters (
    consumer    TEXT    NOT NULL,
    event_id    BLOB    NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT    NOT NULL,
    parked      INTEGER NOT NULL,
    dead_at     INTEGER NOT NULL,
    PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dead_letters_by_age ON dead_letters (consumer, dead_at, event_id);

-- Each queued or dead-lettered event once; refs counts the rows of queue
-- and dead_letters that refer to it.
CREATE TABLE IF NOT EXISTS payloads (
    event_id               BLOB    PRIMARY KEY,
    stream_id              TEXT    NOT NULL,
    revision               INTEGER NOT NULL,
    position_token         TEXT    NOT NULL,
    position_global        INTEGER,
    event_type             TEXT    NOT NULL,
    schema_version         INTEGER NOT NULL,
    content_type           TEXT    NOT NULL,
    data                   BLOB    NOT NULL,
    metadata               TEXT    NOT NULL,
    recorded_at            INTEGER NOT NULL,
    schema_id              BLOB,
    stored_schema_version  INTEGER,
    refs                   INTEGER NOT NULL
) WITHOUT ROWID;

-- Ids of published events, for idempotent publishing (see PUBLISHED_RETENTION).
CREATE TABLE IF NOT EXISTS published (
    event_id  BLOB    PRIMARY KEY,
    at        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS published_by_age ON published (at);

CREATE TABLE IF NOT EXISTS checkpoints (
    name      TEXT PRIMARY KEY,
    token     TEXT NOT NULL,
    global    INTEGER,
    saved_at  INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// The embedded [`QueueBus`] and [`Checkpoints`].
pub struct SqliteQueueBus {
    shared: Arc<Shared>,
}

struct Shared {
    /// `None` once shut down.
    conn: Mutex<Option<Connection>>,
    path: Option<PathBuf>,
    /// Bumped after every change that can make a message receivable.
    wake: watch::Sender<u64>,
    closed: CancellationToken,
    /// When publish last dropped old ids (micros).
    last_prune: AtomicI64,
}

impl SqliteQueueBus {
    /// Opens (creating if needed) the bus database at `path`.
    pub fn open(path: impl AsRef<Path>, durability: Durability) -> Result<Self, BusError> {
        let path = path.as_ref();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| BusError::Unavailable(format!("cannot create {}: {e}", parent.display())))?;
        }
        let conn = Connection::open(path).map_err(db_error)?;
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::Relaxed => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {synchronous};
             PRAGMA busy_timeout = 5000;"
        ))
        .map_err(db_error)?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(db_error)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(BusError::Internal(format!("cannot enable WAL mode on {} (got {mode})", path.display())));
        }
        Self::start(conn, Some(path.to_path_buf()))
    }

    /// A bus on a private in-memory database, gone when dropped (for tests
    /// that need no restart; a restart needs [`SqliteQueueBus::open`] on a
    /// file).
    pub fn in_memory() -> Result<Self, BusError> {
        Self::start(Connection::open_in_memory().map_err(db_error)?, None)
    }

    fn start(conn: Connection, path: Option<PathBuf>) -> Result<Self, BusError> {
        conn.execute_batch(SCHEMA).map_err(db_error)?;
        add_event_types_column(&conn)?;
        // The receipts of a previous process can never be settled: end their
        // visibility timeouts now.
        let now = now_micros();
        let expired = conn
            .execute("UPDATE queue SET visible_at = ?1 WHERE receipt IS NOT NULL AND visible_at > ?1", [now])
            .map_err(db_error)?;
        if expired > 0 {
            tracing::info!(messages = expired, "queue bus: deliveries of the previous run will be retried");
        }
        let (wake, _) = watch::channel(0);
        Ok(Self {
            shared: Arc::new(Shared {
                conn: Mutex::new(Some(conn)),
                path,
                wake,
                closed: CancellationToken::new(),
                last_prune: AtomicI64::new(0),
            }),
        })
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.shared.path.as_deref()
    }

    /// Stops the bus: waiting receivers return [`BusError::ShuttingDown`],
    /// so does every later call, and the database is closed once the
    /// operation running now has finished.
    pub async fn shutdown(&self) {
        self.shared.closed.cancel();
        let shared = self.shared.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let conn = shared.conn.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(conn) = conn
                && let Err((_, e)) = conn.close()
            {
                tracing::warn!(error = %e, "cannot close the queue bus database cleanly");
            }
        })
        .await;
    }

    /// Runs `f` in one IMMEDIATE transaction on a blocking thread.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, BusError> + Send + 'static,
    ) -> Result<T, BusError> {
        if self.shared.closed.is_cancelled() {
            return Err(BusError::ShuttingDown);
        }
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = shared.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let conn = guard.as_mut().ok_or(BusError::ShuttingDown)?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_error)?;
            let value = f(&tx)?;
            tx.commit().map_err(db_error)?;
            Ok(value)
        })
        .await
        .map_err(|e| BusError::Internal(format!("queue bus task failed: {e}")))?
    }

    /// Wakes every waiting receiver to look at its queue again.
    fn wake(&self) {
        self.shared.wake.send_modify(|n| *n = n.wrapping_add(1));
    }

    fn should_prune(&self, now: i64) -> bool {
        let last = self.shared.last_prune.load(Ordering::Relaxed);
        now.saturating_sub(last) >= micros(PRUNE_EVERY)
            && self.shared.last_prune.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

#[async_trait]
impl QueueBus for SqliteQueueBus {
    async fn create_consumer(&self, name: &str, settings: ConsumerSettings) -> Result<ConsumerInfo, BusError> {
        check_consumer_name(name)?;
        settings.check()?;
        let name = name.to_string();
        let event_types =
            serde_json::to_string(&settings.event_types).map_err(|e| BusError::Internal(e.to_string()))?;
        let info = self
            .write(move |tx| {
                tx.execute(
                    "INSERT INTO consumers \
                     (name, visibility_timeout, max_deliveries, backoff_initial, backoff_max, created_at, \
                     event_types) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (name) DO UPDATE SET visibility_timeout = excluded.visibility_timeout, \
                     max_deliveries = excluded.max_deliveries, backoff_initial = excluded.backoff_initial, \
                     backoff_max = excluded.backoff_max, event_types = excluded.event_types",
                    params![
                        name,
                        micros(settings.visibility_timeout),
                        settings.max_deliveries,
                        micros(settings.backoff_initial),
                        micros(settings.backoff_max),
                        now_micros(),
                        event_types
                    ],
                )
                .map_err(db_error)?;
                info_of(tx, &name, settings, now_micros())
            })
            .await?;
        // New settings may shorten a wait.
        self.wake();
        Ok(info)
    }

    async fn delete_consumer(&self, name: &str) -> Result<(), BusError> {
        let name = name.to_string();
        self.write(move |tx| {
            settings_of(tx, &name)?;
            for table in ["queue", "dead_letters"] {
                tx.execute(
                    &format!(
                        "UPDATE payloads SET refs = refs - 1 \
                         WHERE event_id IN (SELECT event_id FROM {table} WHERE consumer = ?1)"
                    ),
                    [&name],
                )
                .map_err(db_error)?;
                tx.execute(
                    &format!(
                        "DELETE FROM payloads WHERE refs <= 0 \
                         AND event_id IN (SELECT event_id FROM {table} WHERE consumer = ?1)"
                    ),
                    [&name],
                )
                .map_err(db_error)?;
                tx.execute(&format!("DELETE FROM {table} WHERE consumer = ?1"), [&name]).map_err(db_error)?;
            }
            tx.execute("DELETE FROM consumers WHERE name = ?1", [&name]).map_err(db_error)?;
            Ok(())
        })
        .await?;
        // Receivers of the deleted consumer find out it is gone.
        self.wake();
        Ok(())
    }

    async fn list_consumers(&self) -> Result<Vec<ConsumerInfo>, BusError> {
        self.write(|tx| {
            let consumers = {
                let mut statement = tx
                    .prepare_cached(
                        "SELECT name, visibility_timeout, max_deliveries, backoff_initial, backoff_max, \
                         event_types FROM consumers ORDER BY name",
                    )
                    .map_err(db_error)?;
                let rows = statement
                    .query_map([], |row| Ok((row.get::<_, String>(0)?, settings_from_row(row, 1)?)))
                    .map_err(db_error)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(db_error)?
            };
            let now = now_micros();
            consumers.into_iter().map(|(name, settings)| info_of(tx, &name, settings, now)).collect()
        })
        .await
    }

    async fn consumer(&self, name: &str) -> Result<ConsumerInfo, BusError> {
        let name = name.to_string();
        self.write(move |tx| {
            let settings = settings_of(tx, &name)?;
            info_of(tx, &name, settings, now_micros())
        })
        .await
    }

    async fn publish(&self, events: &[Arc<RecordedEvent>]) -> Result<(), BusError> {
        if events.is_empty() {
            return Ok(());
        }
        let events = events.to_vec();
        let now = now_micros();
        let prune = self.should_prune(now);
        let enqueued = self
            .write(move |tx| {
                let mut enqueued = 0;
                for event in &events {
                    enqueued += enqueue(tx, event, now)?;
                }
                if prune {
                    let cutoff = now.saturating_sub(micros(PUBLISHED_RETENTION));
                    tx.execute(
                        "DELETE FROM published WHERE event_id IN \
                         (SELECT event_id FROM published WHERE at < ?1 LIMIT ?2)",
                        params![cutoff, PRUNE_BATCH],
                    )
                    .map_err(db_error)?;
                }
                Ok(enqueued)
            })
            .await?;
        if enqueued > 0 {
            self.wake();
        }
        Ok(())
    }

    async fn receive(&self, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        if max == 0 {
            return Err(BusError::Invalid("receive at least one message".into()));
        }
        let max = max.min(MAX_RECEIVE);
        let deadline = Instant::now() + wait;
        let mut woken = self.shared.wake.subscribe();
        loop {
            // Marked seen before looking, so a change made while we look
            // wakes the wait below at once.
            woken.borrow_and_update();
            let name = consumer.to_string();
            let (deliveries, next_visible) = self.write(move |tx| take(tx, &name, max, now_micros())).await?;
            if !deliveries.is_empty() {
                return Ok(deliveries);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(deliveries);
            }
            let until = match next_visible {
                Some(at) => {
                    let ahead = u64::try_from(at.saturating_sub(now_micros())).unwrap_or(0).max(1000);
                    deadline.min(now + Duration::from_micros(ahead))
                }
                None => deadline,
            };
            tokio::select! {
                changed = woken.changed() => {
                    if changed.is_err() {
                        return Err(BusError::ShuttingDown);
                    }
                }
                _ = tokio::time::sleep_until(until.into()) => {}
                _ = self.shared.closed.cancelled() => return Err(BusError::ShuttingDown),
            }
        }
    }

    async fn ack(&self, consumer: &str, receipt: &str) -> Result<(), BusError> {
        let (consumer, receipt) = (consumer.to_string(), receipt.to_string());
        self.write(move |tx| {
            settings_of(tx, &consumer)?;
            let (id, _) = claim(tx, &consumer, &receipt, now_micros())?;
            tx.execute("DELETE FROM queue WHERE consumer = ?1 AND event_id = ?2", params![consumer, id.as_bytes()])
                .map_err(db_error)?;
            release(tx, id)
        })
        .await
    }

    async fn nack(&self, consumer: &str, receipt: &str, error: &str) -> Result<NackOutcome, BusError> {
        let (consumer, receipt, error) = (consumer.to_string(), receipt.to_string(), clip(error));
        let outcome = self
            .write(move |tx| {
                let settings = settings_of(tx, &consumer)?;
                let now = now_micros();
                let (id, deliveries) = claim(tx, &consumer, &receipt, now)?;
                if deliveries >= settings.max_deliveries {
                    dead_letter(tx, &consumer, id, deliveries, &error, false, now)?;
                    return Ok(NackOutcome::DeadLettered);
                }
                let after = settings.backoff(deliveries);
                tx.execute(
                    "UPDATE queue SET visible_at = ?3, receipt = NULL WHERE consumer = ?1 AND event_id = ?2",
                    params![consumer, id.as_bytes(), now.saturating_add(micros(after))],
                )
                .map_err(db_error)?;
                Ok(NackOutcome::Retry { after })
            })
            .await?;
        if matches!(outcome, NackOutcome::Retry { .. }) {
            self.wake();
        }
        Ok(outcome)
    }

    async fn park(&self, consumer: &str, receipt: &str, reason: &str) -> Result<(), BusError> {
        let (consumer, receipt, reason) = (consumer.to_string(), receipt.to_string(), clip(reason));
        self.write(move |tx| {
            settings_of(tx, &consumer)?;
            let now = now_micros();
            let (id, deliveries) = claim(tx, &consumer, &receipt, now)?;
            dead_letter(tx, &consumer, id, deliveries, &reason, true, now)
        })
        .await
    }

    async fn list_dead_letters(
        &self,
        consumer: &str,
        page_size: usize,
        page_token: Option<&str>,
    ) -> Result<DeadLetterPage, BusError> {
        let after = page_token.map(parse_page_token).transpose()?;
        let limit = page_size.clamp(1, MAX_PAGE);
        let consumer = consumer.to_string();
        self.write(move |tx| {
            let settings = settings_of(tx, &consumer)?;
            expire(tx, &consumer, &settings, now_micros())?;
            let (after_at, after_id) = after.map_or((None, Vec::new()), |(at, id)| (Some(at), id.as_bytes().to_vec()));
            let mut dead_letters = {
                let mut statement = tx
                    .prepare_cached(&format!(
                        "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters d JOIN payloads p ON p.event_id = d.event_id \
                         WHERE d.consumer = ?1 AND (?2 IS NULL OR (d.dead_at, d.event_id) > (?2, ?3)) \
                         ORDER BY d.dead_at, d.event_id LIMIT ?4"
                    ))
                    .map_err(db_error)?;
                let rows = statement
                    .query_map(params![consumer, after_at, after_id, limit as i64 + 1], |row| {
                        dead_letter_from_row(row, &consumer)
                    })
                    .map_err(db_error)?;
                rows.collect::<Result<Result<Vec<_>, _>, _>>().map_err(db_error)??
            };
            let next_page_token = if dead_letters.len() > limit {
                dead_letters.truncate(limit);
                dead_letters.last().map(|d| format!("{}.{}", d.dead_at_micros, d.id.simple()))
            } else {
                None
            };
            Ok(DeadLetterPage { dead_letters, next_page_token })
        })
        .await
    }

    async fn dead_letter(&self, consumer: &str, id: Uuid) -> Result<Option<DeadLetter>, BusError> {
        let consumer = consumer.to_string();
        self.write(move |tx| {
            let settings = settings_of(tx, &consumer)?;
            expire(tx, &consumer, &settings, now_micros())?;
            tx.prepare_cached(&format!(
                "SELECT {DEAD_LETTER_COLUMNS} FROM dead_letters d JOIN payloads p ON p.event_id = d.event_id \
                 WHERE d.consumer = ?1 AND d.event_id = ?2"
            ))
            .and_then(|mut s| {
                s.query_row(params![consumer, id.as_bytes()], |r| dead_letter_from_row(r, &consumer)).optional()
            })
            .map_err(db_error)?
            .transpose()
        })
        .await
    }

    async fn redrive(&self, consumer: &str, selection: DeadLetterSelection) -> Result<u64, BusError> {
        let consumer = consumer.to_string();
        let moved = self
            .write(move |tx| {
                settings_of(tx, &consumer)?;
                let now = now_micros();
                let mut moved = 0;
                for id in selected(tx, &consumer, selection)? {
                    let removed = tx
                        .execute(
                            "DELETE FROM dead_letters WHERE consumer = ?1 AND event_id = ?2",
                            params![consumer, id.as_bytes()],
                        )
                        .map_err(db_error)?;
                    if removed == 0 {
                        continue;
                    }
                    tx.execute(
                        "INSERT INTO queue (consumer, event_id, visible_at, deliveries, receipt) \
                         VALUES (?1, ?2, ?3, 0, NULL)",
                        params![consumer, id.as_bytes(), now],
                    )
                    .map_err(db_error)?;
                    moved += 1;
                }
                Ok(moved)
            })
            .await?;
        if moved > 0 {
            self.wake();
        }
        Ok(moved)
    }

    async fn purge(&self, consumer: &str, selection: DeadLetterSelection) -> Result<u64, BusError> {
        let consumer = consumer.to_string();
        self.write(move |tx| {
            settings_of(tx, &consumer)?;
            let mut purged = 0;
            for id in selected(tx, &consumer, selection)? {
                let removed = tx
                    .execute(
                        "DELETE FROM dead_letters WHERE consumer = ?1 AND event_id = ?2",
                        params![consumer, id.as_bytes()],
                    )
                    .map_err(db_error)?;
                if removed > 0 {
                    release(tx, id)?;
                    purged += 1;
                }
            }
            Ok(purged)
        })
        .await
    }
}

#[async_trait]
impl Checkpoints for SqliteQueueBus {
    async fn load(&self, name: &str) -> Result<Option<Position>, BusError> {
        let name = name.to_string();
        self.write(move |tx| {
            tx.query_row("SELECT token, global FROM checkpoints WHERE name = ?1", [&name], |row| {
                let global: Option<i64> = row.get(1)?;
                Ok(Position { token: row.get(0)?, global: global.and_then(|g| u64::try_from(g).ok()) })
            })
            .optional()
            .map_err(db_error)
        })
        .await
    }

    async fn save(&self, name: &str, position: &Position) -> Result<(), BusError> {
        let name = name.to_string();
        let token = position.token.clone();
        let global = position.global.and_then(|g| i64::try_from(g).ok());
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO checkpoints (name, token, global, saved_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name) DO UPDATE SET token = excluded.token, global = excluded.global, \
                 saved_at = excluded.saved_at",
                params![name, token, global, now_micros()],
            )
            .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}

// ---------------------------------------------------------------------------
// The operations, inside a transaction
// ---------------------------------------------------------------------------

/// Enqueues one event for every consumer unless its id was published
/// before; returns how many queues it went to.
fn enqueue(tx: &Transaction<'_>, event: &RecordedEvent, now: i64) -> Result<usize, BusError> {
    let id = event.event_id.as_bytes();
    let first_time = tx
        .prepare_cached("INSERT OR IGNORE INTO published (event_id, at) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(params![id, now]))
        .map_err(db_error)?;
    if first_time == 0 {
        return Ok(0);
    }
    let queued = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO queue (consumer, event_id, visible_at, deliveries, receipt) \
             SELECT name, ?1, ?2, 0, NULL FROM consumers \
             WHERE event_types = '[]' OR EXISTS (SELECT 1 FROM json_each(consumers.event_types) AS wanted \
               WHERE wanted.value = ?3 OR (substr(wanted.value, -1) = '*' \
                 AND substr(?3, 1, length(wanted.value) - 1) = substr(wanted.value, 1, length(wanted.value) - 1)))",
        )
        .and_then(|mut s| s.execute(params![id, now, event.event_type]))
        .map_err(db_error)?;
    if queued == 0 {
        return Ok(0);
    }
    let metadata = serde_json::to_string(&event.metadata).map_err(|e| BusError::Internal(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO payloads (event_id, stream_id, revision, position_token, position_global, event_type, \
         schema_version, content_type, data, metadata, recorded_at, schema_id, stored_schema_version, refs) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
         ON CONFLICT (event_id) DO UPDATE SET refs = refs + excluded.refs",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            event.stream_id,
            i64::try_from(event.revision).unwrap_or(i64::MAX),
            event.position.token,
            event.position.global.and_then(|g| i64::try_from(g).ok()),
            event.event_type,
            event.schema_version,
            event.content_type,
            event.data.as_ref(),
            metadata,
            event.recorded_at_micros,
            event.schema_id.map(|s| s.as_bytes().to_vec()),
            event.stored_schema_version,
            queued as i64,
        ])
    })
    .map_err(db_error)?;
    Ok(queued)
}

/// Receives up to `max` ready messages of `consumer`; also returns when the
/// next message of the queue becomes visible.
fn take(tx: &Transaction<'_>, consumer: &str, max: usize, now: i64) -> Result<(Vec<Delivery>, Option<i64>), BusError> {
    let settings = settings_of(tx, consumer)?;
    expire(tx, consumer, &settings, now)?;
    let candidates: Vec<(Vec<u8>, u32)> = {
        let mut statement = tx
            .prepare_cached(
                "SELECT event_id, deliveries FROM queue WHERE consumer = ?1 AND visible_at <= ?2 \
                 ORDER BY visible_at LIMIT ?3",
            )
            .map_err(db_error)?;
        let rows = statement
            .query_map(params![consumer, now, max as i64], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(db_error)?;
        rows.collect::<Result<_, _>>().map_err(db_error)?
    };
    let invisible_until = now.saturating_add(micros(settings.visibility_timeout));
    let mut deliveries = Vec::with_capacity(candidates.len());
    for (id, delivered) in candidates {
        let id = uuid_from(&id)?;
        let receipt = format!("{}.{}", id.simple(), Uuid::new_v4().simple());
        let attempt = delivered.saturating_add(1);
        tx.prepare_cached(
            "UPDATE queue SET receipt = ?3, visible_at = ?4, deliveries = ?5 WHERE consumer = ?1 AND event_id = ?2",
        )
        .and_then(|mut s| s.execute(params![consumer, id.as_bytes(), receipt, invisible_until, attempt]))
        .map_err(db_error)?;
        let event = payload(tx, id)?;
        deliveries.push(Delivery { receipt, event, attempt });
    }
    let next_visible: Option<i64> = tx
        .prepare_cached("SELECT MIN(visible_at) FROM queue WHERE consumer = ?1")
        .and_then(|mut s| s.query_row([consumer], |r| r.get(0)))
        .map_err(db_error)?;
    Ok((deliveries, next_visible))
}

/// Moves the messages whose last allowed delivery timed out to the
/// dead-letter queue.
fn expire(tx: &Transaction<'_>, consumer: &str, settings: &ConsumerSettings, now: i64) -> Result<(), BusError> {
    let spent: Vec<(Vec<u8>, u32)> = {
        let mut statement = tx
            .prepare_cached(
                "SELECT event_id, deliveries FROM queue \
                 WHERE consumer = ?1 AND receipt IS NOT NULL AND visible_at <= ?2 AND deliveries >= ?3",
            )
            .map_err(db_error)?;
        let rows = statement
            .query_map(params![consumer, now, settings.max_deliveries], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(db_error)?;
        rows.collect::<Result<_, _>>().map_err(db_error)?
    };
    for (id, deliveries) in spent {
        dead_letter(tx, consumer, uuid_from(&id)?, deliveries, VISIBILITY_EXPIRED, false, now)?;
    }
    Ok(())
}

/// Checks that `receipt` is the live receipt of an in-flight message of
/// `consumer`; returns the message id and its deliveries.
fn claim(tx: &Transaction<'_>, consumer: &str, receipt: &str, now: i64) -> Result<(Uuid, u32), BusError> {
    let stale = || BusError::StaleReceipt(receipt.to_string());
    let id = receipt.split_once('.').and_then(|(id, _)| Uuid::try_parse(id).ok()).ok_or_else(stale)?;
    let row: Option<(Option<String>, i64, u32)> = tx
        .prepare_cached("SELECT receipt, visible_at, deliveries FROM queue WHERE consumer = ?1 AND event_id = ?2")
        .and_then(|mut s| {
            s.query_row(params![consumer, id.as_bytes()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()
        })
        .map_err(db_error)?;
    match row {
        Some((Some(live), invisible_until, deliveries)) if live == receipt && invisible_until > now => {
            Ok((id, deliveries))
        }
        _ => Err(stale()),
    }
}

fn dead_letter(
    tx: &Transaction<'_>,
    consumer: &str,
    id: Uuid,
    attempts: u32,
    error: &str,
    parked: bool,
    now: i64,
) -> Result<(), BusError> {
    tx.prepare_cached("DELETE FROM queue WHERE consumer = ?1 AND event_id = ?2")
        .and_then(|mut s| s.execute(params![consumer, id.as_bytes()]))
        .map_err(db_error)?;
    tx.prepare_cached(
        "INSERT INTO dead_letters (consumer, event_id, attempts, last_error, parked, dead_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| s.execute(params![consumer, id.as_bytes(), attempts, error, parked, now]))
    .map_err(db_error)?;
    Ok(())
}

/// One reference to a payload is gone; the payload goes with the last.
fn release(tx: &Transaction<'_>, id: Uuid) -> Result<(), BusError> {
    tx.prepare_cached("UPDATE payloads SET refs = refs - 1 WHERE event_id = ?1")
        .and_then(|mut s| s.execute([id.as_bytes()]))
        .map_err(db_error)?;
    tx.prepare_cached("DELETE FROM payloads WHERE event_id = ?1 AND refs <= 0")
        .and_then(|mut s| s.execute([id.as_bytes()]))
        .map_err(db_error)?;
    Ok(())
}

/// The ids a selection names (all: every dead letter of the consumer).
fn selected(tx: &Transaction<'_>, consumer: &str, selection: DeadLetterSelection) -> Result<Vec<Uuid>, BusError> {
    match selection {
        DeadLetterSelection::Ids(ids) => Ok(ids),
        DeadLetterSelection::All => {
            let mut statement =
                tx.prepare_cached("SELECT event_id FROM dead_letters WHERE consumer = ?1").map_err(db_error)?;
            let rows = statement.query_map([consumer], |r| r.get::<_, Vec<u8>>(0)).map_err(db_error)?;
            rows.map(|id| uuid_from(&id.map_err(db_error)?)).collect()
        }
    }
}

fn settings_of(tx: &Transaction<'_>, consumer: &str) -> Result<ConsumerSettings, BusError> {
    tx.prepare_cached(
        "SELECT visibility_timeout, max_deliveries, backoff_initial, backoff_max, event_types \
         FROM consumers WHERE name = ?1",
    )
    .and_then(|mut s| s.query_row([consumer], |row| settings_from_row(row, 0)).optional())
    .map_err(db_error)?
    .ok_or_else(|| BusError::ConsumerNotFound(consumer.to_string()))
}

fn settings_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<ConsumerSettings> {
    let duration = |i: usize| -> rusqlite::Result<Duration> {
        Ok(Duration::from_micros(u64::try_from(row.get::<_, i64>(first + i)?).unwrap_or(0)))
    };
    Ok(ConsumerSettings {
        visibility_timeout: duration(0)?,
        max_deliveries: row.get(first + 1)?,
        backoff_initial: duration(2)?,
        backoff_max: duration(3)?,
        event_types: serde_json::from_str(&row.get::<_, String>(first + 4)?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(first + 4, rusqlite::types::Type::Text, Box::new(e))
        })?,
    })
}

/// Adds `consumers.event_types` to a database made before it existed.
fn add_event_types_column(conn: &Connection) -> Result<(), BusError> {
    let present = conn
        .prepare("SELECT 1 FROM pragma_table_info('consumers') WHERE name = 'event_types'")
        .and_then(|mut s| s.exists([]))
        .map_err(db_error)?;
    if !present {
        conn.execute_batch("ALTER TABLE consumers ADD COLUMN event_types TEXT NOT NULL DEFAULT '[]'")
            .map_err(db_error)?;
    }
    Ok(())
}

fn info_of(tx: &Transaction<'_>, name: &str, settings: ConsumerSettings, now: i64) -> Result<ConsumerInfo, BusError> {
    expire(tx, name, &settings, now)?;
    let count = |sql: &str, now: Option<i64>| -> Result<u64, BusError> {
        let n: i64 = match now {
            Some(now) => tx.prepare_cached(sql).and_then(|mut s| s.query_row(params![name, now], |r| r.get(0))),
            None => tx.prepare_cached(sql).and_then(|mut s| s.query_row([name], |r| r.get(0))),
        }
        .map_err(db_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let in_flight =
        count("SELECT COUNT(*) FROM queue WHERE consumer = ?1 AND receipt IS NOT NULL AND visible_at > ?2", Some(now))?;
    let queued = count("SELECT COUNT(*) FROM queue WHERE consumer = ?1", None)?;
    let dead_letters = count("SELECT COUNT(*) FROM dead_letters WHERE consumer = ?1", None)?;
    Ok(ConsumerInfo { name: name.to_string(), settings, ready: queued - in_flight, in_flight, dead_letters })
}

fn payload(tx: &Transaction<'_>, id: Uuid) -> Result<RecordedEvent, BusError> {
    tx.prepare_cached(&format!("SELECT {PAYLOAD_COLUMNS} FROM payloads p WHERE p.event_id = ?1"))
        .and_then(|mut s| s.query_row([id.as_bytes()], |r| event_from_row(r, 0)).optional())
        .map_err(db_error)?
        .transpose()?
        .ok_or_else(|| BusError::Internal(format!("the payload of queued message {id} is missing")))
}

const PAYLOAD_COLUMNS: &str = "p.event_id, p.stream_id, p.revision, p.position_token, p.position_global, \
     p.event_type, p.schema_version, p.content_type, p.data, p.metadata, p.recorded_at, p.schema_id, \
     p.stored_schema_version";
const PAYLOAD_COLUMN_COUNT: usize = 13;

const DEAD_LETTER_COLUMNS: &str = "p.event_id, p.stream_id, p.revision, p.position_token, p.position_global, \
     p.event_type, p.schema_version, p.content_type, p.data, p.metadata, p.recorded_at, p.schema_id, \
     p.stored_schema_version, d.attempts, d.last_error, d.parked, d.dead_at";

/// An event from the payload columns starting at `first`. The outer result
/// is SQLite's, the inner one a stored value that does not parse.
fn event_from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Result<RecordedEvent, BusError>> {
    let at = |i: usize| first + i;
    let id: Vec<u8> = row.get(at(0))?;
    let revision: i64 = row.get(at(2))?;
    let global: Option<i64> = row.get(at(4))?;
    let data: Vec<u8> = row.get(at(8))?;
    let metadata: String = row.get(at(9))?;
    let schema_id: Option<Vec<u8>> = row.get(at(11))?;
    let (stream_id, token, event_type, schema_version, content_type, recorded_at, stored_schema_version) = (
        row.get(at(1))?,
        row.get(at(3))?,
        row.get(at(5))?,
        row.get(at(6))?,
        row.get(at(7))?,
        row.get(at(10))?,
        row.get(at(12))?,
    );
    Ok((|| {
        Ok(RecordedEvent {
            event_id: uuid_from(&id)?,
            stream_id,
            revision: u64::try_from(revision).unwrap_or(0),
            position: Position { token, global: global.and_then(|g| u64::try_from(g).ok()) },
            event_type,
            schema_version,
            content_type,
            data: Bytes::from(data),
            metadata: serde_json::from_str::<EventMetadata>(&metadata)
                .map_err(|e| BusError::Internal(format!("stored event metadata does not parse: {e}")))?,
            recorded_at_micros: recorded_at,
            schema_id: schema_id.map(|s| uuid_from(&s)).transpose()?,
            stored_schema_version,
        })
    })())
}

fn dead_letter_from_row(row: &Row<'_>, consumer: &str) -> rusqlite::Result<Result<DeadLetter, BusError>> {
    let event = event_from_row(row, 0)?;
    let at = |i: usize| PAYLOAD_COLUMN_COUNT + i;
    let (attempts, last_error, parked, dead_at) = (row.get(at(0))?, row.get(at(1))?, row.get(at(2))?, row.get(at(3))?);
    Ok(event.map(|event| DeadLetter {
        id: event.event_id,
        consumer: consumer.to_string(),
        event,
        attempts,
        last_error,
        parked,
        dead_at_micros: dead_at,
    }))
}

/// `<dead_at micros>.<event id>` of the last dead letter of a page.
fn parse_page_token(token: &str) -> Result<(i64, Uuid), BusError> {
    token
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse().ok()?, Uuid::try_parse(id).ok()?)))
        .ok_or_else(|| BusError::Invalid(format!("page token {token:?} was not issued by this server")))
}

fn uuid_from(bytes: &[u8]) -> Result<Uuid, BusError> {
    Uuid::from_slice(bytes).map_err(|e| BusError::Internal(format!("stored id is not a UUID: {e}")))
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// At most [`MAX_ERROR_BYTES`] of `text`, cut at a character boundary.
fn clip(text: &str) -> String {
    let mut end = text.len().min(MAX_ERROR_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

fn db_error(e: rusqlite::Error) -> BusError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull | ErrorCode::SystemIoFailure,
        ) => BusError::Unavailable(e.to_string()),
        _ => BusError::Internal(e.to_string()),
    }
}

#[cfg(test)]
mod tests;
