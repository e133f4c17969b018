//! What the embedded read store's `apply` sustains, in-process: a projection
//! writing batches of documents (two thirds new keys, one third updates of
//! earlier ones, each with two text fields) into a fresh store, as fast as
//! one runner can. Not wired to a `nexus bench` subcommand yet; the command
//! calls [`apply_throughput`].

use std::{
    path::Path,
    time::{Duration, Instant},
};

use anyhow::Context;
use serde::Serialize;
use serde_json::json;

use crate::{
    adapters::sqlite::SqliteReadStore,
    core::{
        model::Position,
        read_store::{ApplyBatch, DocumentWrite, IndexId, IndexSpec, ReadStore},
    },
};

/// Result of [`apply_throughput`].
#[derive(Debug, Clone, Serialize)]
pub struct ApplyReport {
    /// Events applied (one document write each).
    pub events: u64,
    /// Documents in the index at the end.
    pub documents: u64,
    pub elapsed: Duration,
    pub events_per_second: f64,
}

/// Applies `batches` batches of `batch_size` writes to a new store at
/// `path` (which must not exist yet) and reports the rate.
pub async fn apply_throughput(path: &Path, batches: u64, batch_size: u64) -> anyhow::Result<ApplyReport> {
    anyhow::ensure!(!path.exists(), "{} already exists", path.display());
    let store = SqliteReadStore::open(path).context("open the read store")?;
    let id = IndexId { projection: "bench".into(), generation: 1 };
    store.create_index(&IndexSpec { id: id.clone(), text_fields: vec!["name".into(), "city".into()] }).await?;
    let cities = ["Lisbon", "Porto", "Braga", "Faro", "Coimbra"];
    let mut next: u64 = 0;
    let mut created: u64 = 0;
    let started = Instant::now();
    for _ in 0..batches {
        let mut writes = Vec::with_capacity(batch_size as usize);
        for _ in 0..batch_size {
            next += 1;
            // Every third write updates an earlier document.
            let key = if next.is_multiple_of(3) && created > 0 {
                next.wrapping_mul(2_654_435_761) % created
            } else {
                created += 1;
                created - 1
            };
            let body = json!({
                "name": format!("customer {key}"),
                "city": cities[(key % cities.len() as u64) as usize],
                "orders": next % 17,
                "total": (next % 1000) as f64 * 1.5,
                "active": next.is_multiple_of(2),
            });
            let position = Position { token: next.to_string(), global: Some(next) };
            writes.push((DocumentWrite::Upsert { key: format!("c-{key:08}"), body }, position));
        }
        let checkpoint = Position { token: next.to_string(), global: Some(next) };
        store.apply(&id, ApplyBatch { writes, parked: Vec::new(), checkpoint, events: batch_size }).await?;
    }
    let elapsed = started.elapsed();
    let documents =
        store.search(&id, &crate::core::read_store::SearchQuery { page_size: 1, ..Default::default() }).await?.total;
    Ok(ApplyReport { events: next, documents, elapsed, events_per_second: next as f64 / elapsed.as_secs_f64() })
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn apply_throughput_writes_what_it_reports() {
        let dir = tempfile::tempdir().expect("temp dir");
        let report = super::apply_throughput(&dir.path().join("read.db"), 4, 30).await.expect("bench");
        assert_eq!(report.events, 120);
        // 40 of the 120 writes update earlier documents.
        assert_eq!(report.documents, 80);
        assert!(
            super::apply_throughput(&dir.path().join("read.db"), 1, 1).await.is_err(),
            "an existing file is refused"
        );
    }
}
