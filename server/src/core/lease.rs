//! Leases: which replica runs a singleton job (the router, event-triggered
//! sagas, snapshot sweeps) when several replicas share one backend.
//!
//! The algorithm is that of the DynamoDB lock client, and needs no clock
//! agreement between replicas: a lease record carries its holder and a
//! random *record version*. The holder renews by replacing the version
//! every `ttl / 3` (a conditional write on the version it wrote last). A
//! replica that wants the lease watches the record: if the version stays
//! the same for a whole `ttl` by its own monotonic clock, the holder is
//! presumed dead and it takes the lease with a conditional write on the
//! version it watched. A holder that fails to renew for `ttl` stops its
//! job before anybody can take over (it counts from its last successful
//! renewal, which is later than the version a contender saw).
//!
//! Takeover after a holder dies: at most `ttl` plus one poll (`ttl / 3`).

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use tokio::{sync::watch, time::Instant};
use tokio_util::sync::CancellationToken;

/// Errors of the [`LeaseStore`] port.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum LeaseError {
    /// A transient backend fault; try again.
    #[error("lease store unavailable: {0}")]
    Unavailable(String),
    #[error("lease store failure: {0}")]
    Internal(String),
}

/// A lease record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRecord {
    pub owner: String,
    /// Replaced by every write; what conditional writes compare.
    pub version: String,
}

/// Durable lease records with compare-and-set on their version.
///
/// Promises (checked by `crate::conformance::lease_store`): `write` with
/// `expected: None` succeeds only if no record exists; with `Some(v)` only
/// if the record's version is `v`; of racing writers at most one succeeds;
/// a successful write is visible to every later `read` (strongly
/// consistent).
#[async_trait]
pub trait LeaseStore: Send + Sync + 'static {
    async fn read(&self, name: &str) -> Result<Option<LeaseRecord>, LeaseError>;
    /// Writes `record` if the current version is `expected`; `Ok(false)`
    /// when it is not.
    async fn write(&self, name: &str, record: &LeaseRecord, expected: Option<&str>) -> Result<bool, LeaseError>;
    /// Deletes the record if its version is `expected` (release).
    async fn delete(&self, name: &str, expected: &str) -> Result<bool, LeaseError>;
}

/// Keeps trying to hold one lease and says whether this replica holds it.
pub struct LeaseKeeper {
    held: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl LeaseKeeper {
    /// Starts competing for `name` as `owner` until `shutdown`; on shutdown
    /// a held lease is released so another replica takes over at once.
    pub fn start(
        store: Arc<dyn LeaseStore>,
        name: &str,
        owner: &str,
        ttl: Duration,
        shutdown: CancellationToken,
    ) -> Self {
        let (tx, held) = watch::channel(false);
        let name = name.to_string();
        let owner = owner.to_string();
        let task = tokio::spawn(async move {
            let mut keeper = Keeper { store, name, owner, ttl, mine: None, watched: None };
            let poll = ttl / 3;
            loop {
                let holding = keeper.round().await;
                if *tx.borrow() != holding {
                    tracing::info!(lease = %keeper.name, owner = %keeper.owner, holding, "lease changed hands");
                }
                tx.send_replace(holding);
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(poll) => {}
                }
            }
            // Release before saying so: whoever waits for `held` to turn
            // false may start a successor at once.
            keeper.release().await;
            tx.send_replace(false);
        });
        Self { held, task }
    }

    /// Stops competing without releasing the lease, as a crash would
    /// (`held` stays as it was: a dead process tells nobody).
    pub fn abort(&self) {
        self.task.abort();
    }

    /// Whether this replica holds the lease now, and its changes.
    pub fn held(&self) -> watch::Receiver<bool> {
        self.held.clone()
    }
}

struct Keeper {
    store: Arc<dyn LeaseStore>,
    name: String,
    owner: String,
    ttl: Duration,
    /// The version this replica wrote last and when it was written.
    mine: Option<(String, Instant)>,
    /// A foreign version and when this replica first saw it.
    watched: Option<(String, Instant)>,
}

impl Keeper {
    /// One step; returns whether the lease is held afterwards.
    async fn round(&mut self) -> bool {
        let fresh = LeaseRecord { owner: self.owner.clone(), version: uuid::Uuid::new_v4().to_string() };
        if let Some((version, at)) = self.mine.clone() {
            match self.store.write(&self.name, &fresh, Some(&version)).await {
                Ok(true) => {
                    self.mine = Some((fresh.version, Instant::now()));
                    return true;
                }
                Ok(false) => {
                    self.mine = None;
                    return false;
                }
                // Unknown outcome: still ours until the ttl since the last
                // successful renewal runs out.
                Err(e) => {
                    tracing::warn!(lease = %self.name, error = %e, "cannot renew the lease");
                    if at.elapsed() < self.ttl {
                        return true;
                    }
                    self.mine = None;
                    return false;
                }
            }
        }
        let current = match self.store.read(&self.name).await {
            Ok(current) => current,
            Err(e) => {
                tracing::debug!(lease = %self.name, error = %e, "cannot read the lease");
                return false;
            }
        };
        let expected = match &current {
            None => None,
            Some(record) => {
                let seen_since = match &self.watched {
                    Some((version, since)) if *version == record.version => *since,
                    _ => {
                        self.watched = Some((record.version.clone(), Instant::now()));
                        return false;
                    }
                };
                if seen_since.elapsed() < self.ttl {
                    return false;
                }
                Some(record.version.as_str())
            }
        };
        match self.store.write(&self.name, &fresh, expected).await {
            Ok(true) => {
                self.watched = None;
                self.mine = Some((fresh.version, Instant::now()));
                true
            }
            _ => false,
        }
    }

    async fn release(&mut self) {
        if let Some((version, _)) = self.mine.take() {
            let _ = self.store.delete(&self.name, &version).await;
        }
    }
}

/// Runs `job` only while `held` is true: starts it when the lease is
/// taken, cancels it (and waits for it) when the lease is lost, until
/// `shutdown`.
pub async fn run_while_held<F, Fut>(mut held: watch::Receiver<bool>, shutdown: CancellationToken, job: F)
where
    F: Fn(CancellationToken) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        while !*held.borrow_and_update() {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                changed = held.changed() => if changed.is_err() { return },
            }
        }
        let stop = shutdown.child_token();
        let task = tokio::spawn(job(stop.clone()));
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                changed = held.changed() => {
                    if changed.is_err() || !*held.borrow_and_update() {
                        break;
                    }
                }
            }
        }
        stop.cancel();
        let _ = task.await;
        if shutdown.is_cancelled() {
            return;
        }
    }
}

/// Leases in this process's memory: for the embedded backends, where one
/// server owns its data directory, and for tests.
#[derive(Default)]
pub struct MemoryLeases {
    records: std::sync::Mutex<std::collections::HashMap<String, LeaseRecord>>,
}

#[async_trait]
impl LeaseStore for MemoryLeases {
    async fn read(&self, name: &str) -> Result<Option<LeaseRecord>, LeaseError> {
        let records = self.records.lock().map_err(|_| LeaseError::Internal("poisoned".into()))?;
        Ok(records.get(name).cloned())
    }

    async fn write(&self, name: &str, record: &LeaseRecord, expected: Option<&str>) -> Result<bool, LeaseError> {
        let mut records = self.records.lock().map_err(|_| LeaseError::Internal("poisoned".into()))?;
        let current = records.get(name).map(|r| r.version.as_str());
        if current != expected {
            return Ok(false);
        }
        records.insert(name.to_string(), record.clone());
        Ok(true)
    }

    async fn delete(&self, name: &str, expected: &str) -> Result<bool, LeaseError> {
        let mut records = self.records.lock().map_err(|_| LeaseError::Internal("poisoned".into()))?;
        if records.get(name).map(|r| r.version.as_str()) != Some(expected) {
            return Ok(false);
        }
        records.remove(name);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;

    use super::{LeaseStore, MemoryLeases};
    use crate::conformance::lease_store::{LeaseStoreFactory, lease_store_conformance};

    /// One memory shared by every "replica".
    #[derive(Default)]
    struct Memory(Arc<MemoryLeases>);

    #[async_trait]
    impl LeaseStoreFactory for Memory {
        async fn open(&self) -> Arc<dyn LeaseStore> {
            self.0.clone()
        }
    }

    lease_store_conformance!(Memory::default());
}
