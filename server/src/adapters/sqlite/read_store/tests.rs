use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::Connection;

use super::{SqliteReadStore, SqliteReadStoreConfig};
use crate::{
    conformance::read_store::{ReadStoreFactory, read_store_conformance},
    core::read_store::ReadStore,
};

/// Stores on one temporary database file.
struct Embedded {
    dir: tempfile::TempDir,
}

impl Embedded {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("read.db")
    }
}

#[async_trait]
impl ReadStoreFactory for Embedded {
    async fn open(&self, keep_changes: u64) -> Arc<dyn ReadStore> {
        Arc::new(SqliteReadStore::open_with(self.path(), SqliteReadStoreConfig { keep_changes }).expect("open"))
    }

    /// A trigger, added by another connection, aborts the statement writing
    /// the key: the store sees a failure in the middle of its transaction.
    async fn reject_writes_of(&self, key: &str) {
        let conn = Connection::open(self.path()).expect("open");
        let key = key.replace('\'', "''");
        for event in ["INSERT", "UPDATE"] {
            conn.execute_batch(&format!(
                "CREATE TRIGGER conformance_reject_{event} BEFORE {event} ON rs_documents
                 WHEN NEW.doc_key = '{key}' BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END;"
            ))
            .expect("create trigger");
        }
    }

    async fn accept_all_writes(&self) {
        let conn = Connection::open(self.path()).expect("open");
        conn.execute_batch(
            "DROP TRIGGER IF EXISTS conformance_reject_INSERT; DROP TRIGGER IF EXISTS conformance_reject_UPDATE;",
        )
        .expect("drop triggers");
    }
}

read_store_conformance!(Embedded::new());

#[test]
fn the_bundled_sqlite_has_fts5_and_json() {
    let conn = Connection::open_in_memory().expect("open");
    let options: Vec<String> = conn
        .prepare("PRAGMA compile_options")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("compile options");
    assert!(options.iter().any(|o| o == "ENABLE_FTS5"), "{options:?}");
    let atom: i64 =
        conn.query_row("SELECT json_extract('{\"a\":[1,2]}', '$.\"a\"[1]')", [], |r| r.get(0)).expect("json");
    assert_eq!(atom, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_runs_in_wal_mode_and_pruning_frees_rows() {
    use serde_json::json;

    use crate::core::{
        model::Position,
        read_store::{ApplyBatch, DocumentWrite, IndexId, IndexSpec},
    };

    let factory = Embedded::new();
    let store = factory.open(3).await;
    let id = IndexId { projection: "p".into(), generation: 1 };
    store.create_index(&IndexSpec { id: id.clone(), text_fields: vec![] }).await.expect("create");
    for i in 0..10u64 {
        let position = Position { token: i.to_string(), global: Some(i) };
        let write = DocumentWrite::Upsert { key: format!("k{i}"), body: json!({ "i": i }) };
        let batch =
            ApplyBatch { writes: vec![(write, position.clone())], parked: vec![], checkpoint: position, events: 1 };
        store.apply(&id, batch).await.expect("apply");
    }
    let conn = Connection::open(factory.path()).expect("open");
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("mode");
    assert_eq!(mode, "wal");
    let kept: i64 = conn.query_row("SELECT COUNT(*) FROM rs_changes", [], |r| r.get(0)).expect("count");
    assert_eq!(kept, 3);
}

/// Writes that leave the text fields alone skip the full-text index; writes
/// that change them replace the document's words.
#[tokio::test]
async fn text_follows_the_text_fields_across_updates() {
    use serde_json::json;

    use crate::core::{
        model::Position,
        read_store::{ApplyBatch, DocumentWrite, IndexId, IndexSpec, SearchQuery},
    };

    let embedded = Embedded::new();
    let store = SqliteReadStore::open(embedded.path()).expect("open");
    let id = IndexId { projection: "people".into(), generation: 1 };
    store.create_index(&IndexSpec { id: id.clone(), text_fields: vec!["name".into()] }).await.expect("index");
    let position = |g: u64| Position { token: format!("t{g}"), global: Some(g) };
    let mut g = 0;
    let mut write = |body: serde_json::Value| {
        g += 1;
        ApplyBatch {
            writes: vec![(DocumentWrite::Upsert { key: "p-1".into(), body }, position(g))],
            parked: vec![],
            checkpoint: position(g),
            events: 1,
        }
    };
    let hits = |text: &str| SearchQuery { text: Some(text.into()), ..SearchQuery::default() };
    store.apply(&id, write(json!({"name": "Ada Lovelace", "n": 1}))).await.expect("apply");
    store.apply(&id, write(json!({"name": "Ada Lovelace", "n": 2}))).await.expect("apply");
    assert_eq!(store.search(&id, &hits("ada")).await.expect("search").total, 1, "same text: still found once");
    store.apply(&id, write(json!({"name": "Grace Hopper", "n": 3}))).await.expect("apply");
    assert_eq!(store.search(&id, &hits("ada")).await.expect("search").total, 0, "old words are gone");
    assert_eq!(store.search(&id, &hits("grace")).await.expect("search").total, 1, "new words are found");
    store.apply(&id, write(json!({"n": 4}))).await.expect("apply");
    assert_eq!(store.search(&id, &hits("grace")).await.expect("search").total, 0, "no text field, no words");
    store.apply(&id, write(json!({"name": "Grace", "n": 5}))).await.expect("apply");
    assert_eq!(store.search(&id, &hits("grace")).await.expect("search").total, 1, "words come back");
}
