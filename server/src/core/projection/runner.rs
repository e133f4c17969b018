//! One running generation of one projection: follows the stream path from
//! the index's checkpoint, folds events into documents and applies each
//! batch (documents, parked events, checkpoint) atomically.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use opentelemetry::trace::TraceContextExt;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{CompiledProjection, Folded, OnError, event_input};
use crate::core::{
    bus::{BusError, StreamBus},
    model::{Position, RecordedEvent, now_micros},
    read_store::{ApplyBatch, DocumentChange, DocumentWrite, IndexId, ParkedEvent, ReadStore, ReadStoreError},
    schema::governance::Governance,
    trace_context,
};

/// Most events folded into one apply.
const MAX_BATCH: usize = 1000;
/// Longest a checkpoint lags behind events that changed no document.
const IDLE_CHECKPOINT: Duration = Duration::from_secs(1);
/// Documents kept in the runner's cache (it is the only writer of its index).
const CACHE_DOCS: usize = 50_000;
/// How often a follower reads a shared store's checkpoint and change log.
pub(super) const FOLLOW_POLL: Duration = Duration::from_millis(200);
/// Changes a follower reads per request.
const FOLLOW_CHANGES: usize = 1000;
/// Streams one generation of [`StreamMarks`] holds before it is retired.
const MARKS_PER_GENERATION: usize = 131_072;

/// The highest revision of each stream a runner has passed (folded, or
/// skipped as not consumed) and committed: what read-your-writes waits
/// check on backends whose positions have no global order (DynamoDB with
/// Kinesis). Bounded: two generations of at most
/// [`MARKS_PER_GENERATION`] streams; a stream not passed while that many
/// others were is forgotten, and a wait on it then ends when its next
/// event passes or at the wait's timeout.
#[derive(Debug, Default)]
pub struct StreamMarks {
    generations: Mutex<(HashMap<String, u64>, HashMap<String, u64>)>,
}

impl StreamMarks {
    /// The highest revision of `stream` passed, if remembered.
    pub fn get(&self, stream: &str) -> Option<u64> {
        let generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        generations.0.get(stream).or_else(|| generations.1.get(stream)).copied()
    }

    fn note(&self, passed: Vec<(String, u64)>) {
        if passed.is_empty() {
            return;
        }
        let mut generations = self.generations.lock().unwrap_or_else(PoisonError::into_inner);
        for (stream, revision) in passed {
            let known = generations.0.get(&stream).or_else(|| generations.1.get(&stream)).copied();
            generations.0.insert(stream, known.map_or(revision, |k| k.max(revision)));
            if generations.0.len() >= MARKS_PER_GENERATION {
                generations.1 = std::mem::take(&mut generations.0);
            }
        }
    }
}

/// Where a runner is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// Everything up to here is folded (and applied, or needed no write).
    pub position: Option<Position>,
    /// Events consumed since the index was created.
    pub events: u64,
    pub parked: u64,
    pub last_error: Option<String>,
    /// Stopped on an event (on_error = stop).
    pub stopped: bool,
}

/// Changes one apply made, for watchers.
#[derive(Debug, Clone)]
pub struct ChangeBatch {
    pub index: IndexId,
    pub changes: Vec<DocumentChange>,
    /// The `projection.apply` span of each traced event of the batch, by
    /// its position token: a watcher's push of the change hangs under it.
    pub traces: Vec<(String, opentelemetry::Context)>,
}

/// What folding a batch of events asks to write.
#[derive(Default)]
struct FoldedBatch {
    writes: Vec<(DocumentWrite, Position)>,
    parked: Vec<ParkedEvent>,
    /// The last event folded (not the one the projection stopped on).
    last: Option<Position>,
    /// Events folded.
    count: u64,
    /// The projection stopped on an event.
    halted: bool,
    /// Each stream's last revision in the batch.
    passed: HashMap<String, u64>,
    /// See [`ChangeBatch::traces`].
    traces: Vec<(String, opentelemetry::Context)>,
}

/// A batch being committed.
struct InFlight {
    handle: tokio::task::JoinHandle<Result<Vec<DocumentChange>, ReadStoreError>>,
    /// The position (and events) readers hear of once it has committed.
    announce: Option<(Position, u64)>,
    parked: u64,
    /// Each stream's last revision in the batch, noted once it committed.
    passed: Vec<(String, u64)>,
    traces: Vec<(String, opentelemetry::Context)>,
}

/// Resolves when the batch in flight has committed; never without one.
async fn landing(
    flight: &mut Option<InFlight>,
) -> Result<Result<Vec<DocumentChange>, ReadStoreError>, tokio::task::JoinError> {
    match flight {
        Some(flight) => (&mut flight.handle).await,
        None => std::future::pending().await,
    }
}

/// A running generation.
pub(super) struct Runner {
    pub index: IndexId,
    pub projection: Arc<CompiledProjection>,
    pub progress: watch::Receiver<Progress>,
    /// Noted before `progress` announces the batch that passed them.
    pub marks: Arc<StreamMarks>,
    /// Follows a generation another replica runs ([`spawn_follower`]):
    /// `marks` stay empty; the store has them ([`ReadStore::passed`]).
    pub follower: bool,
    stop: CancellationToken,
}

impl Runner {
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub(super) struct RunnerDeps {
    pub bus: Arc<dyn StreamBus>,
    pub store: Arc<dyn ReadStore>,
    pub governance: Arc<Governance>,
    pub changes: broadcast::Sender<Arc<ChangeBatch>>,
}

pub(super) fn spawn(
    deps: Arc<RunnerDeps>,
    projection: Arc<CompiledProjection>,
    index: IndexId,
    shutdown: &CancellationToken,
) -> Runner {
    let stop = shutdown.child_token();
    let (tx, rx) = watch::channel(Progress::default());
    let marks = Arc::new(StreamMarks::default());
    let task = Task {
        deps,
        projection: projection.clone(),
        index: index.clone(),
        progress: tx,
        marks: marks.clone(),
        cache: HashMap::new(),
        unsaved_passed: HashMap::new(),
        stop: stop.clone(),
    };
    tokio::spawn(task.run(stop.clone()));
    Runner { index, projection, progress: rx, marks, follower: false, stop }
}

/// Follows a generation that another replica runs in a shared store: reads
/// its change log and checkpoint every [`FOLLOW_POLL`] and tells watchers
/// and waiting readers, as a running generation does (changes first, then
/// the checkpoint that covers them).
pub(super) fn spawn_follower(
    deps: Arc<RunnerDeps>,
    projection: Arc<CompiledProjection>,
    index: IndexId,
    shutdown: &CancellationToken,
) -> Runner {
    let stop = shutdown.child_token();
    let (tx, rx) = watch::channel(Progress::default());
    tokio::spawn(tail(deps, index.clone(), tx, stop.clone()));
    Runner { index, projection, progress: rx, marks: Arc::new(StreamMarks::default()), follower: true, stop }
}

async fn tail(deps: Arc<RunnerDeps>, index: IndexId, progress: watch::Sender<Progress>, stop: CancellationToken) {
    // Watchers read what came before they started from the log themselves.
    let mut after: Option<u64> = None;
    loop {
        if after.is_none() {
            match deps.store.last_seq(&index).await {
                Ok(seq) => after = Some(seq),
                // Not created yet by the replica that runs it.
                Err(e) => tracing::debug!(projection = %index, error = %e, "following: no change log yet"),
            }
        }
        while let Some(seq) = after {
            match deps.store.changes(&index, seq, FOLLOW_CHANGES).await {
                Ok(changes) if changes.is_empty() => break,
                Ok(changes) => {
                    let full = changes.len() == FOLLOW_CHANGES;
                    after = changes.last().map(|c| c.seq);
                    let _ =
                        deps.changes.send(Arc::new(ChangeBatch { index: index.clone(), changes, traces: Vec::new() }));
                    if !full {
                        break;
                    }
                }
                // Pruned before we read them: watchers that need them see
                // the gap and start over with a snapshot.
                Err(ReadStoreError::ChangeExpired(..)) => {
                    after = None;
                    break;
                }
                Err(e) => {
                    tracing::debug!(projection = %index, error = %e, "following: cannot read the change log");
                    break;
                }
            }
        }
        match deps.store.checkpoint(&index).await {
            Ok(Some(checkpoint)) => {
                progress.send_if_modified(|p| {
                    let moved = p.position.as_ref() != Some(&checkpoint.position)
                        || p.events != checkpoint.events
                        || p.parked != checkpoint.parked;
                    p.position = Some(checkpoint.position);
                    p.events = checkpoint.events;
                    p.parked = checkpoint.parked;
                    moved
                });
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(projection = %index, error = %e, "following: cannot read the checkpoint"),
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_POLL) => {}
            _ = stop.cancelled() => return,
        }
    }
}

struct Task {
    deps: Arc<RunnerDeps>,
    projection: Arc<CompiledProjection>,
    index: IndexId,
    progress: watch::Sender<Progress>,
    marks: Arc<StreamMarks>,
    /// Current documents by key (`None`: known absent).
    cache: HashMap<String, Option<Value>>,
    /// Marks of batches that wrote nothing, recorded in a shared store with
    /// the next apply.
    unsaved_passed: HashMap<String, u64>,
    /// The runner's stop: cuts off an apply in flight too.
    stop: CancellationToken,
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Store(#[from] ReadStoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
}

impl Task {
    async fn run(mut self, stop: CancellationToken) {
        let mut delay = Duration::from_millis(100);
        loop {
            match self.follow(&stop).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(projection = %self.index, error = %e, "projection failed; resuming from its checkpoint");
                    self.progress.send_modify(|p| p.last_error = Some(e.to_string()));
                    self.cache.clear();
                    // Their events are read again from the checkpoint.
                    self.unsaved_passed.clear();
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stop.cancelled() => return,
                    }
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    async fn follow(&mut self, stop: &CancellationToken) -> Result<(), RunError> {
        self.deps
            .store
            .create_index(&crate::core::read_store::IndexSpec {
                id: self.index.clone(),
                text_fields: self.projection.definition.text_fields.clone(),
            })
            .await?;
        let checkpoint = self.deps.store.checkpoint(&self.index).await?;
        self.progress.send_modify(|p| {
            p.position = checkpoint.as_ref().map(|c| c.position.clone());
            p.events = checkpoint.as_ref().map_or(0, |c| c.events);
            p.parked = checkpoint.as_ref().map_or(0, |c| c.parked);
        });
        if self.progress.borrow().stopped {
            stop.cancelled().await;
            return Ok(());
        }
        let mut feed = self.deps.bus.subscribe(checkpoint.map(|c| c.position), stop.child_token());
        let mut unapplied = 0u64;
        let mut last_apply = tokio::time::Instant::now();
        // The apply of the previous batch, committing on a blocking thread
        // while the next batch is folded.
        let mut in_flight: Option<InFlight> = None;
        loop {
            let first = tokio::select! {
                landed = landing(&mut in_flight) => {
                    if let Some(flight) = in_flight.take() {
                        self.land(flight, landed)?;
                    }
                    continue;
                }
                item = feed.recv() => item,
                _ = tokio::time::sleep(IDLE_CHECKPOINT), if unapplied > 0 && in_flight.is_none() => {
                    let checkpoint = self.progress.borrow().position.clone();
                    let passed = std::mem::take(&mut self.unsaved_passed).into_iter().collect();
                    let flight =
                        self.start_apply(Vec::new(), Vec::new(), checkpoint, None, passed, Vec::new(), &mut unapplied);
                    if let Some(mut flight) = flight {
                        let landed = (&mut flight.handle).await;
                        self.land(flight, landed)?;
                    }
                    last_apply = tokio::time::Instant::now();
                    continue;
                }
                _ = stop.cancelled() => return Ok(()),
            };
            let mut events = Vec::new();
            let mut next = first;
            loop {
                match next {
                    None => return if stop.is_cancelled() { Ok(()) } else { Err(BusError::ShuttingDown.into()) },
                    Some(Err(BusError::ShuttingDown)) => return Ok(()),
                    Some(Err(e)) => return Err(e.into()),
                    Some(Ok(event)) => events.push(event),
                }
                if events.len() >= MAX_BATCH {
                    break;
                }
                match feed.try_recv() {
                    Ok(item) => next = Some(item),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => next = None,
                }
            }
            // Folding overlaps the previous batch's commit.
            let batch = self.fold_batch(&events).await?;
            // Batches commit, and readers hear of them, in order.
            if let Some(mut flight) = in_flight.take() {
                let landed = (&mut flight.handle).await;
                self.land(flight, landed)?;
            }
            unapplied += batch.count;
            let halted = batch.halted;
            let must_apply = !batch.writes.is_empty() || !batch.parked.is_empty() || halted;
            if must_apply || last_apply.elapsed() >= IDLE_CHECKPOINT {
                let checkpoint = batch.last.clone().or_else(|| self.progress.borrow().position.clone());
                let announce = batch.last.clone().map(|last| (last, batch.count));
                let mut passed = std::mem::take(&mut self.unsaved_passed);
                for (stream, revision) in batch.passed {
                    let mark = passed.entry(stream).or_default();
                    *mark = (*mark).max(revision);
                }
                let passed = passed.into_iter().collect();
                in_flight = self.start_apply(
                    batch.writes,
                    batch.parked,
                    checkpoint,
                    announce,
                    passed,
                    batch.traces,
                    &mut unapplied,
                );
                last_apply = tokio::time::Instant::now();
            } else if let Some(last) = batch.last {
                // Nothing to write: the position is reached already.
                if self.deps.store.shared() {
                    // Other replicas hear of these with the next apply.
                    for (stream, revision) in &batch.passed {
                        let mark = self.unsaved_passed.entry(stream.clone()).or_default();
                        *mark = (*mark).max(*revision);
                    }
                }
                self.marks.note(batch.passed.into_iter().collect());
                self.progress.send_modify(|p| {
                    p.position = Some(last);
                    p.events += batch.count;
                });
            }
            if halted {
                if let Some(mut flight) = in_flight.take() {
                    let landed = (&mut flight.handle).await;
                    self.land(flight, landed)?;
                }
                stop.cancelled().await;
                return Ok(());
            }
        }
    }

    /// Folds a batch, stopping early if the projection stops on an event.
    async fn fold_batch(&mut self, events: &[Arc<RecordedEvent>]) -> Result<FoldedBatch, RunError> {
        let mut batch = FoldedBatch::default();
        for event in events {
            if self.projection.consumes(event) {
                // A traced event's fold is a child of the span that stored
                // it (none for a trace that is not sampled).
                let traced = trace_context::recorded(&event.metadata.custom) == trace_context::Recorded::Sampled;
                let folded = if traced {
                    let span = tracing::debug_span!(
                        "projection.apply",
                        otel.kind = "consumer",
                        projection = %self.index,
                        stream = %event.stream_id,
                        revision = event.revision,
                    );
                    trace_context::follow(&span, &event.metadata.custom);
                    let folded = self.fold_one(event).instrument(span.clone()).await?;
                    let context = span.context();
                    if context.span().span_context().is_valid() {
                        batch.traces.push((event.position.token.clone(), context));
                    }
                    folded
                } else {
                    self.fold_one(event).await?
                };
                match folded {
                    Ok(write) => {
                        if let Some(write) = write {
                            batch.writes.push((write, event.position.clone()));
                        }
                    }
                    Err(error) => {
                        let message =
                            format!("event {} ({} #{}): {error}", event.event_id, event.stream_id, event.revision);
                        self.progress.send_modify(|p| p.last_error = Some(message.clone()));
                        if self.projection.definition.on_error == OnError::Stop {
                            tracing::error!(projection = %self.index, %message, "projection stopped");
                            self.progress.send_modify(|p| p.stopped = true);
                            batch.halted = true;
                            return Ok(batch);
                        }
                        tracing::warn!(projection = %self.index, %message, "event parked");
                        batch.parked.push(ParkedEvent {
                            event_id: event.event_id,
                            stream_id: event.stream_id.clone(),
                            revision: event.revision,
                            event_type: event.event_type.clone(),
                            position: event.position.clone(),
                            error,
                            parked_at_micros: now_micros(),
                        });
                    }
                }
            }
            batch.count += 1;
            batch.last = Some(event.position.clone());
            let passed = batch.passed.entry(event.stream_id.clone()).or_default();
            *passed = (*passed).max(event.revision);
        }
        Ok(batch)
    }

    /// Folds one event: `Ok(Ok(write))`, or `Ok(Err(why))` when the
    /// projection's programs (or the upcast) fail on it.
    async fn fold_one(&mut self, event: &RecordedEvent) -> Result<Result<Option<DocumentWrite>, String>, RunError> {
        let event = match self.deps.governance.upcast(event.clone()).await {
            Ok(event) => event,
            Err(e) => return Ok(Err(format!("upcast: {e}"))),
        };
        let input = event_input(&event);
        let key = match self.projection.key_of(&input) {
            Ok(key) => key,
            Err(e) => return Ok(Err(e)),
        };
        let current = match self.cache.get(&key) {
            Some(doc) => doc.clone(),
            None => self.deps.store.get(&self.index, &key).await?.map(|d| d.body),
        };
        let folded = match self.projection.fold(key, current.as_ref(), input) {
            Ok(folded) => folded,
            Err(e) => return Ok(Err(e)),
        };
        if self.cache.len() >= CACHE_DOCS {
            self.cache.clear();
        }
        Ok(Ok(match folded {
            Folded::Upsert { key, body } => {
                self.cache.insert(key.clone(), Some(body.clone()));
                Some(DocumentWrite::Upsert { key, body })
            }
            Folded::Delete { key } => {
                let existed = current.is_some();
                self.cache.insert(key.clone(), None);
                existed.then_some(DocumentWrite::Delete { key })
            }
        }))
    }

    /// Starts committing a batch on a blocking thread (`None` before the
    /// first event, when there is no checkpoint to write).
    // What one apply carries, named one by one; a struct would only be
    // taken apart again at once.
    #[allow(clippy::too_many_arguments)]
    fn start_apply(
        &mut self,
        writes: Vec<(DocumentWrite, Position)>,
        parked: Vec<ParkedEvent>,
        checkpoint: Option<Position>,
        announce: Option<(Position, u64)>,
        passed: Vec<(String, u64)>,
        traces: Vec<(String, opentelemetry::Context)>,
        unapplied: &mut u64,
    ) -> Option<InFlight> {
        let checkpoint = checkpoint?;
        let parked_count = parked.len() as u64;
        let batch = ApplyBatch { writes, parked, checkpoint, events: *unapplied };
        *unapplied = 0;
        let store = self.deps.store.clone();
        let index = self.index.clone();
        let marks = if store.shared() { passed.clone() } else { Vec::new() };
        let stop = self.stop.clone();
        let handle = tokio::spawn(async move {
            // A runner told to stop (shutdown, or its lease lost) sends no
            // further request: an apply cut off is one that never committed,
            // which the next apply cleans up.
            let changes = tokio::select! {
                changes = store.apply(&index, batch) => changes?,
                _ = stop.cancelled() => return Err(ReadStoreError::Unavailable("the projection was stopped".into())),
            };
            // After the commit: a mark never promises what is not readable.
            if !marks.is_empty() {
                store.note_passed(&index, &marks).await?;
            }
            Ok(changes)
        });
        Some(InFlight { handle, announce, parked: parked_count, passed, traces })
    }

    /// A commit has ended: tell watchers and waiting readers, or fail (the
    /// runner then resumes from the last committed checkpoint).
    fn land(
        &mut self,
        flight: InFlight,
        landed: Result<Result<Vec<DocumentChange>, ReadStoreError>, tokio::task::JoinError>,
    ) -> Result<(), RunError> {
        let changes = match landed {
            Ok(Ok(changes)) => changes,
            Ok(Err(e)) => return Err(e.into()),
            Err(e) => return Err(ReadStoreError::Internal(format!("apply task failed: {e}")).into()),
        };
        if !changes.is_empty() {
            let _ = self.deps.changes.send(Arc::new(ChangeBatch {
                index: self.index.clone(),
                changes,
                traces: flight.traces,
            }));
        }
        self.marks.note(flight.passed);
        self.progress.send_modify(|p| {
            p.parked += flight.parked;
            if let Some((last, count)) = flight.announce {
                p.position = Some(last);
                p.events += count;
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_marks_keep_the_highest_revision_and_forget_only_old_streams() {
        let marks = StreamMarks::default();
        marks.note(vec![("a".into(), 3), ("b".into(), 1)]);
        marks.note(vec![("a".into(), 2)]);
        assert_eq!((marks.get("a"), marks.get("b"), marks.get("c")), (Some(3), Some(1), None));
        // Filling one generation retires it; its streams are still known.
        marks.note((0..MARKS_PER_GENERATION).map(|i| (format!("s{i}"), 0)).collect());
        assert_eq!(marks.get("a"), Some(3));
        marks.note(vec![("a".into(), 4)]);
        // Another full generation forgets what was not passed again.
        marks.note((0..MARKS_PER_GENERATION).map(|i| (format!("t{i}"), 0)).collect());
        assert_eq!((marks.get("a"), marks.get("b")), (Some(4), None));
    }
}
