//! Catch-up subscriptions over the [`EventStore`] port: read history page by
//! page, announce the switch to live, then re-read after every commit notice.
//!
//! Live delivery reads from the store, never from an in-memory copy of the
//! commit, so a subscription cannot skip an event committed while it moved
//! from catch-up to live: it subscribes to commit notices *before* each read,
//! and every read continues from the last position it delivered.

use std::{sync::Arc, time::Duration};

use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::{
    model::{AllFrom, Direction, EventFilter, Position, ReadAllQuery, ReadStreamQuery, RecordedEvent},
    ports::{EventStore, StoreError},
};

/// Events read per page while catching up.
const PAGE: usize = 512;
/// Messages buffered per subscriber before the reader waits for the client.
const BUFFER: usize = 256;

/// One message of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionMessage {
    Event(Box<RecordedEvent>),
    /// History is delivered; from now on events arrive as they commit.
    CaughtUp(Option<Position>),
    /// Everything up to here was delivered or filtered out.
    Checkpoint(Option<Position>),
    /// Idle keep-alive of a stream subscription.
    Heartbeat,
}

/// Why a subscription ended with an error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SubscriptionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the server is shutting down; resume from the last position received")]
    ShuttingDown,
}

pub type SubscriptionItem = Result<SubscriptionMessage, SubscriptionError>;

/// Where a stream subscription starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFrom {
    Start,
    End,
    /// Exclusive.
    AfterRevision(u64),
}

/// Follows the global log. The returned receiver ends when the client drops
/// it, when `shutdown` fires (after a [`SubscriptionError::ShuttingDown`]), or
/// after a store error.
pub fn subscribe_all(
    store: Arc<dyn EventStore>,
    from: AllFrom,
    filter: EventFilter,
    heartbeat: Duration,
    shutdown: CancellationToken,
) -> mpsc::Receiver<SubscriptionItem> {
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(async move {
        let result = follow_all(&*store, from, filter, heartbeat, &shutdown, &tx).await;
        if let Err(e) = result {
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

async fn send(
    tx: &mpsc::Sender<SubscriptionItem>,
    message: SubscriptionMessage,
) -> Result<(), Option<SubscriptionError>> {
    tx.send(Ok(message)).await.map_err(|_| None)
}

async fn follow_all(
    store: &dyn EventStore,
    from: AllFrom,
    filter: EventFilter,
    heartbeat: Duration,
    shutdown: &CancellationToken,
    tx: &mpsc::Sender<SubscriptionItem>,
) -> Result<(), SubscriptionError> {
    let mut commits = store.commits();
    let mut cursor = from;
    let mut position: Option<Position> = None;
    let mut caught_up = false;
    loop {
        if shutdown.is_cancelled() {
            return Err(SubscriptionError::ShuttingDown);
        }
        let query =
            ReadAllQuery { from: cursor.clone(), direction: Direction::Forwards, limit: PAGE, filter: filter.clone() };
        let slice = store.read_all(query).await?;
        let last_event = slice.events.last().map(|e| e.position.clone());
        for event in slice.events {
            if send(tx, SubscriptionMessage::Event(Box::new(event))).await.is_err() {
                return Ok(());
            }
        }
        if let Some(next) = slice.next {
            if last_event.as_ref() != Some(&next) && position.as_ref() != Some(&next) {
                // Filtered-out events lie between the last delivery and here.
                if send(tx, SubscriptionMessage::Checkpoint(Some(next.clone()))).await.is_err() {
                    return Ok(());
                }
            }
            cursor = AllFrom::After(next.clone());
            position = Some(next);
        }
        if !slice.end_of_log {
            continue;
        }
        if !caught_up {
            caught_up = true;
            if send(tx, SubscriptionMessage::CaughtUp(position.clone())).await.is_err() {
                return Ok(());
            }
        }
        match wait_for_commit(&mut commits, None, heartbeat, shutdown, tx).await {
            Wake::Commit => {}
            Wake::Heartbeat => {
                if send(tx, SubscriptionMessage::Checkpoint(position.clone())).await.is_err() {
                    return Ok(());
                }
            }
            Wake::Gone => return Ok(()),
            Wake::Shutdown => return Err(SubscriptionError::ShuttingDown),
        }
    }
}

/// Follows one stream; waits for it if it does not exist yet.
pub fn subscribe_stream(
    store: Arc<dyn EventStore>,
    stream_id: String,
    from: StreamFrom,
    heartbeat: Duration,
    shutdown: CancellationToken,
) -> mpsc::Receiver<SubscriptionItem> {
    let (tx, rx) = mpsc::channel(BUFFER);
    tokio::spawn(async move {
        let result = follow_stream(&*store, &stream_id, from, heartbeat, &shutdown, &tx).await;
        if let Err(e) = result {
            let _ = tx.send(Err(e)).await;
        }
    });
    rx
}

async fn follow_stream(
    store: &dyn EventStore,
    stream_id: &str,
    from: StreamFrom,
    heartbeat: Duration,
    shutdown: &CancellationToken,
    tx: &mpsc::Sender<SubscriptionItem>,
) -> Result<(), SubscriptionError> {
    let mut commits = store.commits();
    let mut next_revision = match from {
        StreamFrom::Start => 0,
        StreamFrom::AfterRevision(r) => r.saturating_add(1),
        StreamFrom::End => store.stream_info(stream_id).await?.last_revision.map_or(0, |r| r + 1),
    };
    let mut caught_up = false;
    loop {
        if shutdown.is_cancelled() {
            return Err(SubscriptionError::ShuttingDown);
        }
        let query = ReadStreamQuery {
            stream_id: stream_id.to_string(),
            direction: Direction::Forwards,
            from_revision: Some(next_revision),
            limit: PAGE,
        };
        let (events, more) = match store.read_stream(query).await {
            Ok(slice) => (slice.events, slice.next_revision.is_some()),
            Err(StoreError::StreamNotFound(_)) => (Vec::new(), false),
            Err(e) => return Err(e.into()),
        };
        for event in events {
            next_revision = event.revision + 1;
            if send(tx, SubscriptionMessage::Event(Box::new(event))).await.is_err() {
                return Ok(());
            }
        }
        if more {
            continue;
        }
        if !caught_up {
            caught_up = true;
            if send(tx, SubscriptionMessage::CaughtUp(None)).await.is_err() {
                return Ok(());
            }
        }
        match wait_for_commit(&mut commits, Some(stream_id), heartbeat, shutdown, tx).await {
            Wake::Commit => {}
            Wake::Heartbeat => {
                if send(tx, SubscriptionMessage::Heartbeat).await.is_err() {
                    return Ok(());
                }
            }
            Wake::Gone => return Ok(()),
            Wake::Shutdown => return Err(SubscriptionError::ShuttingDown),
        }
    }
}

enum Wake {
    Commit,
    Heartbeat,
    Gone,
    Shutdown,
}

/// Waits for a commit (touching `stream_id`, if given), the heartbeat
/// interval, the client going away, or shutdown.
async fn wait_for_commit(
    commits: &mut broadcast::Receiver<Arc<super::model::CommitNotice>>,
    stream_id: Option<&str>,
    heartbeat: Duration,
    shutdown: &CancellationToken,
    tx: &mpsc::Sender<SubscriptionItem>,
) -> Wake {
    let deadline = tokio::time::sleep(heartbeat);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            notice = commits.recv() => match notice {
                Ok(notice) => {
                    if stream_id.is_none_or(|s| notice.streams.iter().any(|n| n == s)) {
                        return Wake::Commit;
                    }
                }
                // Missed notices: anything may have changed.
                Err(broadcast::error::RecvError::Lagged(_)) => return Wake::Commit,
                Err(broadcast::error::RecvError::Closed) => return Wake::Shutdown,
            },
            _ = &mut deadline => return Wake::Heartbeat,
            _ = tx.closed() => return Wake::Gone,
            _ = shutdown.cancelled() => return Wake::Shutdown,
        }
    }
}
