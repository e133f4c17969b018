//! Projections: apply the events of the global log to a read model, with a
//! checkpoint to resume from.
//!
//! A [`ProjectionWorker`] subscribes to the global log (`SubscribeAll`,
//! optionally filtered) after the position its [`CheckpointStore`] holds,
//! calls a user async function for each event, and then saves the event's
//! position token. When the subscription breaks (UNAVAILABLE, a server
//! restart, the stream ending, silence for three heartbeat intervals) it
//! reconnects with [`Backoff`] and resumes after the last saved position.
//!
//! # Delivery guarantees
//!
//! The checkpoint is saved **after** the event is applied, so:
//!
//! - every event is applied **at least once**, across disconnects and
//!   restarts of the worker, as long as the checkpoint store keeps what it
//!   saved ([`FileCheckpoint`] does; [`InMemoryCheckpoint`] only within one
//!   process, so a restarted process starts from the beginning);
//! - an event is applied **twice** only if the process stops (crash, kill)
//!   after `apply` finished and before the checkpoint was saved, or if
//!   saving the checkpoint fails (the worker then stops with an error and
//!   the next run applies the event again). Within one run, reconnections
//!   never re-apply an event: they resume after the last applied one.
//!
//! So with a [`FileCheckpoint`] it is exactly once in the absence of crashes
//! between apply and checkpoint. For exactly once in every case, make
//! `apply` idempotent, or store the position token in the read model itself,
//! in the same transaction as the update (a [`CheckpointStore`] over the
//! read model's database).
//!
//! If `apply` fails, the worker stops with [`ProjectionError::Apply`]
//! without saving the event's position: the next run starts with that event.
//! A shutdown request is honoured between events: the event in progress is
//! applied and checkpointed first.

use std::{
    fmt,
    future::Future,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio_util::sync::CancellationToken;
use tonic::Status;

use crate::{
    Client,
    backoff::{Backoff, is_fatal},
    client::from_token,
    proto::{EventFilter, RecordedEvent, SubscribeAllRequest, subscribe_all_response::Content},
};

/// A boxed error, from a checkpoint store or an apply function.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a projection keeps the position token of the last event it applied.
///
/// Implement it over the read model's own database to save the position in
/// the same transaction as the update (see the [module](self) docs).
pub trait CheckpointStore: Send + Sync {
    /// The saved position token, or `None` to start at the beginning of the
    /// log.
    fn load(&self) -> impl Future<Output = Result<Option<String>, BoxError>> + Send;
    /// Saves a position token; it must be durable when this returns (for
    /// the guarantees of the [module](self) docs).
    fn save(&self, token: &str) -> impl Future<Output = Result<(), BoxError>> + Send;
}

/// A checkpoint in memory: lost when the process ends. Clones share it.
#[derive(Debug, Clone, Default)]
pub struct InMemoryCheckpoint(Arc<Mutex<Option<String>>>);

impl InMemoryCheckpoint {
    /// An empty checkpoint (start at the beginning of the log).
    pub fn new() -> Self {
        Self::default()
    }

    /// A checkpoint holding `token`.
    pub fn at(token: impl Into<String>) -> Self {
        Self(Arc::new(Mutex::new(Some(token.into()))))
    }

    /// The saved token.
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl CheckpointStore for InMemoryCheckpoint {
    async fn load(&self) -> Result<Option<String>, BoxError> {
        Ok(self.get())
    }

    async fn save(&self, token: &str) -> Result<(), BoxError> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(token.to_owned());
        Ok(())
    }
}

/// A checkpoint in a file holding the token. Each save writes a temporary
/// file beside it, syncs it to disk and renames it over the checkpoint, so
/// the file always holds a whole token, the old or the new one.
#[derive(Debug, Clone)]
pub struct FileCheckpoint {
    path: PathBuf,
}

impl FileCheckpoint {
    /// A checkpoint kept in `path` (created on the first save; its
    /// directory must exist).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The checkpoint file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn temporary(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "checkpoint".into());
        name.push(".tmp");
        self.path.with_file_name(name)
    }
}

impl CheckpointStore for FileCheckpoint {
    async fn load(&self) -> Result<Option<String>, BoxError> {
        match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => {
                let token = text.trim();
                Ok((!token.is_empty()).then(|| token.to_owned()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read checkpoint {}: {e}", self.path.display()).into()),
        }
    }

    async fn save(&self, token: &str) -> Result<(), BoxError> {
        use tokio::io::AsyncWriteExt;
        let temporary = self.temporary();
        let write = async {
            let mut file = tokio::fs::File::create(&temporary).await?;
            file.write_all(token.as_bytes()).await?;
            file.write_all(b"\n").await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&temporary, &self.path).await
        };
        write.await.map_err(|e| format!("cannot write checkpoint {}: {e}", self.path.display()).into())
    }
}

/// Why a [`ProjectionWorker`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The server refused the subscription with a status another attempt
    /// will not fix (PERMISSION_DENIED, INVALID_ARGUMENT such as a bad
    /// position token, ...).
    #[error("the subscription failed with {}: {}", .0.code(), .0.message())]
    Status(Box<Status>),
    /// The checkpoint could not be loaded or saved.
    #[error("checkpoint: {0}")]
    Checkpoint(BoxError),
    /// The apply function failed; the event's position was not saved.
    #[error("applying event {event_id} ({event_type} of {stream_id}) failed: {source}")]
    Apply {
        /// The event's id.
        event_id: String,
        /// The event's type.
        event_type: String,
        /// The event's stream.
        stream_id: String,
        /// What the apply function returned.
        source: BoxError,
    },
}

/// Runs a projection: see the [module](self) docs.
pub struct ProjectionWorker<C> {
    client: Client,
    checkpoint: C,
    filter: Option<EventFilter>,
    heartbeat: Duration,
    backoff: Backoff,
}

impl<C: fmt::Debug> fmt::Debug for ProjectionWorker<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectionWorker")
            .field("checkpoint", &self.checkpoint)
            .field("filter", &self.filter)
            .field("heartbeat", &self.heartbeat)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl<C: CheckpointStore> ProjectionWorker<C> {
    /// A worker reading through `client` and resuming from `checkpoint`.
    pub fn new(client: Client, checkpoint: C) -> Self {
        Self { client, checkpoint, filter: None, heartbeat: Duration::from_secs(5), backoff: Backoff::default() }
    }

    /// Only events matching `filter` (event type prefixes and/or stream
    /// prefixes); the default is every event.
    pub fn filter(mut self, filter: EventFilter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Only events whose type starts with one of `prefixes` (an exact type
    /// is a prefix of itself, but also of longer names: check
    /// `event.event_type` in `apply`).
    pub fn event_types<I, T>(self, prefixes: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let mut filter = self.filter.clone().unwrap_or_default();
        filter.event_type_prefixes = prefixes.into_iter().map(Into::into).collect();
        self.filter(filter)
    }

    /// How often the server sends progress while nothing is delivered
    /// (default 5 s, between 100 ms and 1 h); the worker reconnects after
    /// three intervals of silence. Progress markers are checkpointed too, so
    /// a heavily filtered projection does not rescan the log on restart.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = interval.clamp(Duration::from_millis(100), Duration::from_secs(3600));
        self
    }

    /// The reconnection backoff (default: 200 ms doubling up to 5 s).
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Runs until `stop` is cancelled. See [`ProjectionWorker::run_until`].
    pub async fn run<F, Fut, E>(self, apply: F, stop: CancellationToken) -> Result<(), ProjectionError>
    where
        F: FnMut(RecordedEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        self.run_until(apply, stop.cancelled_owned()).await
    }

    /// Applies every event after the checkpoint with `apply`, then keeps
    /// applying live events, until `shutdown` completes (checked between
    /// events) or an error that reconnecting does not fix.
    pub async fn run_until<F, Fut, E>(
        self,
        mut apply: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ProjectionError>
    where
        F: FnMut(RecordedEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        tokio::pin!(shutdown);
        let mut position = self.checkpoint.load().await.map_err(ProjectionError::Checkpoint)?;
        let mut attempt = 0;
        loop {
            let mut progressed = false;
            let ended = self.session(&mut position, &mut progressed, &mut apply, &mut shutdown).await?;
            let Some(why) = ended else { return Ok(()) };
            tracing::warn!(after = ?position, "subscription interrupted ({why}); reconnecting");
            if progressed {
                attempt = 0;
            }
            let delay = self.backoff.delay(attempt);
            attempt = attempt.saturating_add(1);
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One subscription. `Ok(None)` on shutdown, `Ok(Some(why))` when it
    /// should reconnect.
    async fn session<F, Fut, E>(
        &self,
        position: &mut Option<String>,
        progressed: &mut bool,
        apply: &mut F,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> Result<Option<String>, ProjectionError>
    where
        F: FnMut(RecordedEvent) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Into<BoxError>,
    {
        let request = SubscribeAllRequest {
            from: Some(from_token(position.clone())),
            filter: self.filter.clone(),
            heartbeat_interval: Some(prost_types::Duration {
                seconds: self.heartbeat.as_secs() as i64,
                nanos: self.heartbeat.subsec_nanos() as i32,
            }),
            as_stored: false,
        };
        let mut events = self.client.event_store();
        let subscribed = tokio::select! {
            () = shutdown.as_mut() => return Ok(None),
            subscribed = events.subscribe_all(self.client.request(request)) => subscribed,
        };
        let mut stream = match subscribed {
            Ok(response) => response.into_inner(),
            Err(status) => return retry_or_fail(status),
        };
        tracing::info!(after = ?position, "subscribed");
        let silence = 3 * self.heartbeat;
        loop {
            let message = tokio::select! {
                () = shutdown.as_mut() => return Ok(None),
                message = tokio::time::timeout(silence, stream.message()) => message,
            };
            let message = match message {
                Err(_) => return Ok(Some(format!("no message for {silence:?}"))),
                Ok(Err(status)) => return retry_or_fail(status),
                Ok(Ok(None)) => return Ok(Some("the server ended the subscription".into())),
                Ok(Ok(Some(message))) => message,
            };
            *progressed = true;
            match message.content {
                Some(Content::Event(event)) => {
                    let token = event.position.as_ref().map(|p| p.token.clone()).unwrap_or_default();
                    let (event_id, event_type, stream_id) =
                        (event.event_id.clone(), event.event_type.clone(), event.stream_id.clone());
                    apply(event).await.map_err(|e| ProjectionError::Apply {
                        event_id,
                        event_type,
                        stream_id,
                        source: e.into(),
                    })?;
                    if !token.is_empty() {
                        self.checkpoint.save(&token).await.map_err(ProjectionError::Checkpoint)?;
                        *position = Some(token);
                    }
                }
                Some(Content::CaughtUp(caught_up)) => {
                    tracing::debug!("caught up");
                    self.advance(position, caught_up.position).await?;
                }
                Some(Content::Checkpoint(checkpoint)) => self.advance(position, checkpoint.position).await?,
                None => {}
            }
        }
    }

    /// Saves a progress marker's position (every event before it was
    /// delivered).
    async fn advance(
        &self,
        position: &mut Option<String>,
        marker: Option<crate::proto::Position>,
    ) -> Result<(), ProjectionError> {
        let Some(token) = marker.map(|p| p.token).filter(|t| !t.is_empty()) else { return Ok(()) };
        if position.as_deref() != Some(token.as_str()) {
            self.checkpoint.save(&token).await.map_err(ProjectionError::Checkpoint)?;
            *position = Some(token);
        }
        Ok(())
    }
}

fn retry_or_fail(status: Status) -> Result<Option<String>, ProjectionError> {
    if is_fatal(status.code()) {
        Err(ProjectionError::Status(Box::new(status)))
    } else {
        Ok(Some(format!("{}: {}", status.code(), status.message())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_checkpoint_round_trips_and_is_shared_by_clones() {
        let checkpoint = InMemoryCheckpoint::new();
        assert_eq!(checkpoint.load().await.expect("load"), None);
        let clone = checkpoint.clone();
        clone.save("pos-1").await.expect("save");
        assert_eq!(checkpoint.load().await.expect("load").as_deref(), Some("pos-1"));
        assert_eq!(InMemoryCheckpoint::at("x").get().as_deref(), Some("x"));
    }

    #[tokio::test]
    async fn file_checkpoint_survives_a_new_instance() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("balances.checkpoint");
        let checkpoint = FileCheckpoint::new(&path);
        assert_eq!(checkpoint.load().await.expect("missing file"), None);
        checkpoint.save("token-1").await.expect("save");
        checkpoint.save("token-2").await.expect("save again");
        let reopened = FileCheckpoint::new(&path);
        assert_eq!(reopened.load().await.expect("load").as_deref(), Some("token-2"));
        assert!(!checkpoint.temporary().exists(), "the temporary file is renamed away");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("balances.checkpoint")]);
    }

    #[tokio::test]
    async fn an_empty_checkpoint_file_means_the_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cp");
        std::fs::write(&path, " \n").expect("write");
        assert_eq!(FileCheckpoint::new(&path).load().await.expect("load"), None);
    }

    #[tokio::test]
    async fn an_unwritable_checkpoint_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let checkpoint = FileCheckpoint::new(dir.path().join("missing-dir").join("cp"));
        assert!(checkpoint.save("t").await.is_err());
    }
}
