use std::sync::Arc;

use async_trait::async_trait;
use opensearch::http::Method;
use serde_json::json;

use super::{super::testing::unique_config, OpenSearchReadStore};
use crate::{
    adapters::opensearch::Client,
    config::OpenSearchConfig,
    conformance::read_store::{ReadStoreFactory, read_store_conformance},
    core::{
        model::Position,
        read_store::{ApplyBatch, DocumentWrite, IndexId, IndexSpec, ReadStore, SearchQuery},
    },
};

/// Stores under one index prefix on the test server.
struct OnOpenSearch {
    config: OpenSearchConfig,
}

impl OnOpenSearch {
    fn new() -> Self {
        Self { config: unique_config() }
    }

    /// Sets the write block of every data index under the prefix.
    async fn block_writes(&self, blocked: bool) {
        let client = Client::new(&self.config).expect("client");
        let path = format!("/{}read-*/_settings", self.config.index_prefix);
        let body = json!({ "index": { "blocks": { "write": blocked } } });
        client.call(Method::Put, &path, &[], Some(&body)).await.expect("settings").ok("block writes").expect("block");
    }
}

#[async_trait]
impl ReadStoreFactory for OnOpenSearch {
    async fn open(&self, keep_changes: u64) -> Arc<dyn ReadStore> {
        Arc::new(OpenSearchReadStore::connect(&self.config, keep_changes).await.unwrap_or_else(|e| {
            panic!("cannot reach OpenSearch at {}: {e}", self.config.url);
        }))
    }

    /// OpenSearch cannot reject one document by its content without
    /// scripts, so the cluster rejects every write to the data indexes (a
    /// write block, as a cluster sets when its disks fill up): the apply
    /// claims its attempt, then its `_bulk` fails. [`partial_attempts_are_
    /// cleaned_up`] covers an attempt that wrote part of its batch.
    async fn reject_writes_of(&self, _key: &str) {
        self.block_writes(true).await;
    }

    async fn accept_all_writes(&self) {
        self.block_writes(false).await;
    }
}

read_store_conformance!(OnOpenSearch::new());

fn pos(n: u64) -> Position {
    Position { token: format!("t{n}"), global: Some(n) }
}

fn batch(first: u64, writes: Vec<DocumentWrite>) -> ApplyBatch {
    let last = first + writes.len().max(1) as u64 - 1;
    ApplyBatch {
        events: writes.len() as u64,
        writes: writes.into_iter().enumerate().map(|(i, w)| (w, pos(first + i as u64))).collect(),
        parked: vec![],
        checkpoint: pos(last),
    }
}

fn upsert(key: &str, body: serde_json::Value) -> DocumentWrite {
    DocumentWrite::Upsert { key: key.into(), body }
}

/// An attempt that sent its writes but never committed (the writer died)
/// is invisible, and the next apply removes it, whatever that apply holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_attempts_are_cleaned_up() {
    let factory = OnOpenSearch::new();
    let id = IndexId { projection: "Orders/EU".into(), generation: 2 };
    {
        let store = OpenSearchReadStore::connect(&factory.config, 100).await.expect("connect");
        store.create_index(&IndexSpec { id: id.clone(), text_fields: vec!["title".into()] }).await.expect("create");
        let first = batch(1, vec![upsert("kept", json!({ "title": "old", "n": 1 })), upsert("gone", json!({}))]);
        store.apply(&id, first).await.expect("apply");

        // The writer claims an attempt, sends everything, and dies.
        let mut state = store.begin(&id).await.expect("begin");
        let doomed = batch(
            3,
            vec![
                upsert("kept", json!({ "title": "new", "n": 2 })),
                DocumentWrite::Delete { key: "gone".into() },
                upsert("orphan", json!({ "title": "new" })),
            ],
        );
        store.write(&id, &mut state, doomed).await.expect("write");

        let kept = store.get(&id, "kept").await.expect("get").expect("kept");
        assert_eq!((kept.version, kept.body["n"].clone()), (1, json!(1)), "an uncommitted update is visible");
        assert!(store.get(&id, "gone").await.expect("get").is_some(), "an uncommitted delete is visible");
        assert_eq!(store.get(&id, "orphan").await.expect("get"), None, "an uncommitted write is visible");
        let new = SearchQuery { text: Some("new".into()), ..Default::default() };
        assert_eq!(store.search(&id, &new).await.expect("search").total, 0);
        assert_eq!(store.last_seq(&id).await.expect("last seq"), 2);
        assert_eq!(store.changes(&id, 0, 10).await.expect("changes").len(), 2);
    }

    // Another writer takes over with a different batch.
    let store = OpenSearchReadStore::connect(&factory.config, 100).await.expect("connect");
    let changes = store.apply(&id, batch(3, vec![upsert("other", json!({ "title": "new" }))])).await.expect("apply");
    assert_eq!(changes.iter().map(|c| c.seq).collect::<Vec<_>>(), [3]);
    assert_eq!(store.get(&id, "orphan").await.expect("get"), None, "the dead attempt's write came back");
    assert_eq!(store.get(&id, "kept").await.expect("get").expect("kept").body["n"], json!(1));
    assert!(store.get(&id, "gone").await.expect("get").is_some(), "the dead attempt's delete came back");
    let all = store.search(&id, &SearchQuery::default()).await.expect("search");
    let keys: Vec<_> = all.documents.iter().map(|d| d.key.as_str()).collect();
    assert_eq!((keys, all.total), (vec!["gone", "kept", "other"], 3));
    assert_eq!(store.changes(&id, 2, 10).await.expect("changes").len(), 1);

    // Updates replace versions; old versions are swept later, yet every
    // read sees exactly one version per key.
    for round in 0..40u64 {
        let writes = vec![upsert("kept", json!({ "title": "old", "n": round + 10 }))];
        store.apply(&id, batch(10 + round, writes)).await.expect("apply");
    }
    let kept = store.get(&id, "kept").await.expect("get").expect("kept");
    assert_eq!((kept.version, kept.body["n"].clone()), (41, json!(49)));
    assert_eq!(store.search(&id, &SearchQuery::default()).await.expect("search").total, 3);
}

/// The projection's alias follows the serving generation the engine
/// records, and shows only current documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alias_follows_the_serving_generation() {
    let factory = OnOpenSearch::new();
    let store = OpenSearchReadStore::connect(&factory.config, 100).await.expect("connect");
    let client = Client::new(&factory.config).expect("client");
    let (one, two) =
        (IndexId { projection: "bank".into(), generation: 1 }, IndexId { projection: "bank".into(), generation: 2 });
    for id in [&one, &two] {
        store.create_index(&IndexSpec { id: id.clone(), text_fields: vec![] }).await.expect("create");
    }
    store.apply(&one, batch(1, vec![upsert("a", json!({ "n": 1 }))])).await.expect("apply");
    store.apply(&one, batch(2, vec![upsert("a", json!({ "n": 2 }))])).await.expect("apply");
    store.apply(&two, batch(1, vec![upsert("b", json!({})), upsert("c", json!({}))])).await.expect("apply");

    let alias = store.alias_name("bank");
    let count = |client: Client, alias: String| async move {
        let reply = client.call(Method::Post, &format!("/{alias}/_count"), &[], None).await.expect("count");
        reply.ok("count").expect("count")["count"].as_u64().expect("a count")
    };
    store.put_meta("projection/bank", r#"{"generation":1,"other":"fields"}"#).await.expect("meta");
    assert_eq!(count(client.clone(), alias.clone()).await, 1, "generation 1 has one current document");
    store.put_meta("projection/bank", r#"{"generation":2}"#).await.expect("meta");
    assert_eq!(count(client.clone(), alias.clone()).await, 2, "the alias moved to generation 2");
    assert_eq!(store.get_meta("projection/bank").await.expect("meta").as_deref(), Some(r#"{"generation":2}"#));

    // Recorded as serving before its index exists, a generation gets the
    // alias when it is created.
    store.put_meta("projection/bank", r#"{"generation":3}"#).await.expect("meta");
    assert_eq!(
        count(client.clone(), alias.clone()).await,
        2,
        "the alias stays on generation 2 until generation 3 has an index"
    );
    let three = IndexId { projection: "bank".into(), generation: 3 };
    store.create_index(&IndexSpec { id: three, text_fields: vec![] }).await.expect("create");
    assert_eq!(count(client.clone(), alias.clone()).await, 0, "the alias is on the new, empty generation 3");
}

/// Stream marks (read-your-writes on other replicas) only move forward,
/// belong to their index, and never show up as documents.
#[tokio::test]
async fn stream_marks_move_forward_and_stay_out_of_reads() {
    let factory = OnOpenSearch::new();
    let store = OpenSearchReadStore::connect(&factory.config, 100).await.expect("connect");
    assert!(store.shared(), "replicas share an OpenSearch store");
    let (one, two) =
        (IndexId { projection: "bank".into(), generation: 1 }, IndexId { projection: "bank".into(), generation: 2 });
    for id in [&one, &two] {
        store.create_index(&IndexSpec { id: id.clone(), text_fields: vec!["owner".into()] }).await.expect("create");
    }
    store.apply(&one, batch(1, vec![upsert("a", json!({ "owner": "s1" }))])).await.expect("apply");
    let long = "x".repeat(600);
    store.note_passed(&one, &[("s1".into(), 5), ("s2".into(), 0), (long.clone(), 9)]).await.expect("note");
    store.note_passed(&one, &[("s1".into(), 3)]).await.expect("an older mark is no error");
    assert_eq!(store.passed(&one, "s1").await.expect("passed"), Some(5), "a mark never goes back");
    assert_eq!(store.passed(&one, "s2").await.expect("passed"), Some(0));
    assert_eq!(store.passed(&one, &long).await.expect("passed"), Some(9), "long stream ids are hashed");
    assert_eq!(store.passed(&one, "s3").await.expect("passed"), None);
    assert_eq!(store.passed(&two, "s1").await.expect("passed"), None, "marks belong to their index");
    store.note_passed(&one, &[("s1".into(), 7)]).await.expect("note");
    assert_eq!(store.passed(&one, "s1").await.expect("passed"), Some(7));

    let all = SearchQuery { page_size: 100, ..Default::default() };
    let page = store.search(&one, &all).await.expect("search");
    assert_eq!((page.total, page.documents.len()), (1, 1), "marks are not documents: {page:?}");
    let text = SearchQuery { text: Some("s1".into()), page_size: 100, ..Default::default() };
    assert_eq!(store.search(&one, &text).await.expect("search").total, 1);
    assert_eq!(store.last_seq(&one).await.expect("seq"), 1, "marks are not changes");
}
