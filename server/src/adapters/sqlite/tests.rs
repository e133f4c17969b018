use std::sync::Arc;

use async_trait::async_trait;

use super::{SqliteEventStore, SqliteEventStoreConfig};
use crate::{
    conformance::{StoreFactory, event_store_conformance},
    core::ports::EventStore,
};

/// Stores on one temporary database file.
struct Embedded {
    dir: tempfile::TempDir,
}

impl Embedded {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }
}

#[async_trait]
impl StoreFactory for Embedded {
    async fn open(&self) -> Arc<dyn EventStore> {
        let config = SqliteEventStoreConfig { max_batch_events: 64, ..Default::default() };
        Arc::new(SqliteEventStore::open(self.dir.path().join("events.db"), config).expect("open"))
    }
}

event_store_conformance!(Embedded::new());
