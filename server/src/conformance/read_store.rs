//! The conformance suite of the [`ReadStore`] port. Every adapter runs it
//! through [`read_store_conformance!`] with a factory for its backend, so
//! the embedded store and later the OpenSearch store are held to the same
//! rules.

use std::{collections::HashSet, sync::Arc};

use async_trait::async_trait;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::core::{
    model::Position,
    read_store::{
        ApplyBatch, DocumentChange, DocumentWrite, FieldFilter, IndexId, IndexSpec, ParkedEvent, ReadStore,
        ReadStoreError, SearchPage, SearchQuery, SortField,
    },
};

/// Opens stores on one storage location: a store opened after the previous
/// one was dropped sees everything the previous one applied.
#[async_trait]
pub trait ReadStoreFactory: Send + Sync {
    /// Opens a store that keeps at most `keep_changes` changes per index.
    async fn open(&self, keep_changes: u64) -> Arc<dyn ReadStore>;

    /// Makes the backend itself (behind the store's back) reject every write
    /// of a document with this key, so that an apply fails midway, after
    /// the writes before it in the batch were sent.
    async fn reject_writes_of(&self, key: &str);

    /// Undoes [`ReadStoreFactory::reject_writes_of`].
    async fn accept_all_writes(&self);
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! read_store_conformance {
    ($factory:expr) => {
        read_store_conformance!(@tests $factory;
            a_failed_apply_leaves_nothing_behind,
            readers_never_see_part_of_a_batch,
            applied_batches_survive_reopen,
            checkpoints_round_trip_and_count_events,
            versions_count_writes_of_a_key,
            change_log_is_consecutive_in_write_order_and_logs_deletes,
            pruned_changes_are_reported_expired,
            get_and_delete_documents,
            text_search_needs_every_word_and_supports_prefixes,
            user_text_with_search_syntax_never_fails,
            equals_and_in_compare_strings_numbers_and_booleans_by_kind,
            ranges_compare_ints_and_floats_numerically_and_strings_by_code_point,
            filters_match_any_element_of_an_array_and_null_matches_missing,
            sorts_ascending_and_descending_with_ties_broken_by_key,
            paging_visits_every_match_once_and_total_counts_all,
            keys_restrict_the_matches,
            invalid_queries_are_rejected,
            indexes_are_isolated_and_dropped_alone,
            missing_indexes_are_reported,
            parked_events_and_meta_round_trip,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::read_store::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use read_store_conformance;

/// What most rules keep: more than they write.
const KEEP: u64 = 10_000;

fn index(projection: &str, generation: u32) -> IndexId {
    IndexId { projection: projection.into(), generation }
}

fn spec(id: &IndexId, text_fields: &[&str]) -> IndexSpec {
    IndexSpec { id: id.clone(), text_fields: text_fields.iter().map(|f| f.to_string()).collect() }
}

fn pos(n: u64) -> Position {
    Position { token: format!("tok-{n:08}"), global: Some(n) }
}

fn upsert(key: &str, body: Value) -> DocumentWrite {
    DocumentWrite::Upsert { key: key.into(), body }
}

fn delete(key: &str) -> DocumentWrite {
    DocumentWrite::Delete { key: key.into() }
}

/// A batch whose writes come from events `first`, `first + 1`, …
fn batch(first: u64, writes: Vec<DocumentWrite>) -> ApplyBatch {
    let events = writes.len().max(1) as u64;
    ApplyBatch {
        writes: writes.into_iter().enumerate().map(|(i, w)| (w, pos(first + i as u64))).collect(),
        parked: Vec::new(),
        checkpoint: pos(first + events - 1),
        events,
    }
}

fn parked_event(n: u64) -> ParkedEvent {
    ParkedEvent {
        event_id: Uuid::new_v4(),
        stream_id: format!("order-{n}"),
        revision: n,
        event_type: "Broken".into(),
        position: pos(n),
        error: format!("cannot fold event {n}"),
        parked_at_micros: 1_700_000_000_000_000 + n as i64,
    }
}

/// A new store with one index of `docs` (key → body), text on `title`.
async fn store_with(factory: &dyn ReadStoreFactory, docs: Vec<(&str, Value)>) -> (Arc<dyn ReadStore>, IndexId) {
    let store = factory.open(KEEP).await;
    let id = index("things", 1);
    store.create_index(&spec(&id, &["title", "tags"])).await.expect("create");
    let writes = docs.into_iter().map(|(k, v)| upsert(k, v)).collect();
    store.apply(&id, batch(1, writes)).await.expect("apply");
    (store, id)
}

fn keys(page: &SearchPage) -> Vec<&str> {
    page.documents.iter().map(|d| d.key.as_str()).collect()
}

async fn search(store: &dyn ReadStore, id: &IndexId, query: SearchQuery) -> SearchPage {
    let described = format!("{query:?}");
    match store.search(id, &query).await {
        Ok(page) => page,
        Err(e) => panic!("search {described} failed: {e}"),
    }
}

/// Keys of every match of `filter`, in key order.
async fn filtered(store: &dyn ReadStore, id: &IndexId, filter: FieldFilter) -> Vec<String> {
    let page = search(store, id, SearchQuery { filters: vec![filter], ..Default::default() }).await;
    assert_eq!(page.total as usize, page.documents.len());
    page.documents.into_iter().map(|d| d.key).collect()
}

/// Keys of every match of `text`, in key order.
async fn text_matches(store: &dyn ReadStore, id: &IndexId, text: &str) -> Vec<String> {
    let sort = vec![SortField { field: "n".into(), descending: false }];
    let page = search(store, id, SearchQuery { text: Some(text.into()), sort, ..Default::default() }).await;
    let mut keys: Vec<String> = page.documents.into_iter().map(|d| d.key).collect();
    keys.sort();
    keys
}

fn range(field: &str) -> FieldFilter {
    FieldFilter::Range { field: field.into(), gt: None, gte: None, lt: None, lte: None }
}

fn invalid<T: std::fmt::Debug>(result: Result<T, ReadStoreError>, what: &str) {
    assert!(matches!(result, Err(ReadStoreError::InvalidQuery(_))), "{what}: expected InvalidQuery, got {result:?}");
}

pub async fn a_failed_apply_leaves_nothing_behind(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let id = index("orders", 1);
    store.create_index(&spec(&id, &["title"])).await.expect("create");
    store
        .apply(&id, batch(1, vec![upsert("kept", json!({ "title": "kept", "n": 1 })), upsert("gone", json!({}))]))
        .await
        .expect("apply");
    let before_checkpoint = store.checkpoint(&id).await.expect("checkpoint");

    factory.reject_writes_of("poison").await;
    let mut failing = batch(
        10,
        vec![
            upsert("a", json!({ "title": "alpha" })),
            upsert("kept", json!({ "title": "changed", "n": 2 })),
            delete("gone"),
            upsert("poison", json!({ "title": "poison" })),
            upsert("b", json!({ "title": "beta" })),
        ],
    );
    failing.parked = vec![parked_event(12)];
    let result = store.apply(&id, failing.clone()).await;
    assert!(result.is_err(), "the backend rejected a write, yet apply succeeded: {result:?}");

    assert_eq!(store.get(&id, "a").await.expect("get"), None, "a write before the failure stayed");
    let kept = store.get(&id, "kept").await.expect("get").expect("kept");
    assert_eq!((kept.body["n"].clone(), kept.version), (json!(1), 1), "an update before the failure stayed");
    assert!(store.get(&id, "gone").await.expect("get").is_some(), "a delete before the failure stayed");
    assert_eq!(store.checkpoint(&id).await.expect("checkpoint"), before_checkpoint, "the checkpoint moved");
    assert_eq!(store.last_seq(&id).await.expect("last seq"), 2, "changes were logged");
    assert_eq!(store.changes(&id, 2, 10).await.expect("changes"), Vec::<DocumentChange>::new());
    assert!(store.parked(&id, 10).await.expect("parked").is_empty(), "parked events stayed");
    let found = search(&*store, &id, SearchQuery { text: Some("alpha".into()), ..Default::default() }).await;
    assert_eq!(found.total, 0, "the text index kept a rolled-back document");

    factory.accept_all_writes().await;
    let changes = store.apply(&id, failing).await.expect("the same batch applies once the backend accepts it");
    assert_eq!(changes.iter().map(|c| c.seq).collect::<Vec<_>>(), [3, 4, 5, 6, 7], "seqs continue without a gap");
    assert_eq!(store.get(&id, "kept").await.expect("get").expect("kept").version, 2);
    let checkpoint = store.checkpoint(&id).await.expect("checkpoint").expect("set");
    assert_eq!((checkpoint.position, checkpoint.events, checkpoint.parked), (pos(14), 7, 1));
}

pub async fn readers_never_see_part_of_a_batch(factory: &dyn ReadStoreFactory) {
    const BATCHES: u64 = 40;
    const PER_BATCH: u64 = 10;
    let store = factory.open(KEEP).await;
    let id = index("racing", 1);
    store.create_index(&spec(&id, &["title"])).await.expect("create");
    let writer = {
        let (store, id) = (store.clone(), id.clone());
        tokio::spawn(async move {
            for b in 0..BATCHES {
                let writes = (0..PER_BATCH)
                    .map(|i| upsert(&format!("b{b:03}-{i}"), json!({ "title": "word", "b": b })))
                    .collect();
                store.apply(&id, batch(b * PER_BATCH + 1, writes)).await.expect("apply");
            }
        })
    };
    let mut observed = HashSet::new();
    loop {
        let finished = writer.is_finished();
        for text in [None, Some("word".to_string())] {
            let page = search(&*store, &id, SearchQuery { text, page_size: 1, ..Default::default() }).await;
            assert_eq!(page.total % PER_BATCH, 0, "a search saw part of a batch ({} documents)", page.total);
            observed.insert(page.total);
        }
        let changes = store.changes(&id, 0, usize::MAX).await.expect("changes");
        assert_eq!(changes.len() as u64 % PER_BATCH, 0, "the change log showed part of a batch");
        if finished {
            break;
        }
    }
    writer.await.expect("writer");
    assert!(observed.contains(&(BATCHES * PER_BATCH)));
}

pub async fn applied_batches_survive_reopen(factory: &dyn ReadStoreFactory) {
    let id = index("orders", 3);
    let (written, checkpoint) = {
        let store = factory.open(KEEP).await;
        store.create_index(&spec(&id, &["title"])).await.expect("create");
        let mut first = batch(1, vec![upsert("o-1", json!({ "title": "first order" })), upsert("o-2", json!({}))]);
        first.parked = vec![parked_event(3)];
        store.apply(&id, first).await.expect("apply");
        store
            .apply(&id, batch(4, vec![delete("o-2"), upsert("o-1", json!({ "title": "renamed" }))]))
            .await
            .expect("apply");
        store.put_meta("serving/orders", "3").await.expect("meta");
        let written = store.get(&id, "o-1").await.expect("get").expect("o-1");
        (written, store.checkpoint(&id).await.expect("checkpoint"))
    };
    let store = factory.open(KEEP).await;
    assert_eq!(store.list_indexes().await.expect("list"), std::slice::from_ref(&id));
    assert_eq!(store.get(&id, "o-1").await.expect("get"), Some(written));
    assert_eq!(store.get(&id, "o-2").await.expect("get"), None);
    assert_eq!(store.checkpoint(&id).await.expect("checkpoint"), checkpoint);
    assert_eq!(checkpoint.map(|c| (c.position, c.events, c.parked)), Some((pos(5), 4, 1)));
    assert_eq!(store.last_seq(&id).await.expect("last seq"), 4);
    assert_eq!(store.parked(&id, 10).await.expect("parked").len(), 1);
    assert_eq!(store.get_meta("serving/orders").await.expect("meta").as_deref(), Some("3"));
    let found = search(&*store, &id, SearchQuery { text: Some("renamed".into()), ..Default::default() }).await;
    assert_eq!(keys(&found), ["o-1"]);
    let changes = store.apply(&id, batch(6, vec![upsert("o-3", json!({}))])).await.expect("apply after reopen");
    assert_eq!(changes[0].seq, 5);
}

pub async fn checkpoints_round_trip_and_count_events(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let id = index("counts", 1);
    store.create_index(&spec(&id, &[])).await.expect("create");
    store.create_index(&spec(&id, &[])).await.expect("create is idempotent");
    assert_eq!(store.checkpoint(&id).await.expect("checkpoint"), None);
    let opaque = Position { token: "opaque/token:1".into(), global: None };
    let batch_one = ApplyBatch {
        writes: vec![(upsert("k", json!({ "v": 1 })), pos(7))],
        parked: vec![parked_event(8), parked_event(9)],
        checkpoint: opaque.clone(),
        events: 40,
    };
    store.apply(&id, batch_one).await.expect("apply");
    let first = store.checkpoint(&id).await.expect("checkpoint").expect("set");
    assert_eq!((first.position.clone(), first.events, first.parked), (opaque, 40, 2));
    assert!(first.updated_at_micros > 0);
    // A batch of skipped events only moves the checkpoint.
    let skipped = ApplyBatch { writes: Vec::new(), parked: Vec::new(), checkpoint: pos(90), events: 50 };
    assert!(store.apply(&id, skipped).await.expect("apply").is_empty());
    let second = store.checkpoint(&id).await.expect("checkpoint").expect("set");
    assert_eq!((second.position, second.events, second.parked), (pos(90), 90, 2));
    assert!(second.updated_at_micros >= first.updated_at_micros);
    let doc = store.get(&id, "k").await.expect("get").expect("k");
    assert_eq!(doc.position, pos(7), "a document keeps the position of its own event");
}

pub async fn versions_count_writes_of_a_key(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let id = index("versions", 1);
    store.create_index(&spec(&id, &[])).await.expect("create");
    let changes = store
        .apply(
            &id,
            batch(1, vec![upsert("a", json!({ "v": 1 })), upsert("b", json!({})), upsert("a", json!({ "v": 2 }))]),
        )
        .await
        .expect("apply");
    let versions: Vec<_> = changes.iter().map(|c| c.document.as_ref().map(|d| d.version)).collect();
    assert_eq!(versions, [Some(1), Some(1), Some(2)]);
    store.apply(&id, batch(4, vec![upsert("a", json!({ "v": 3 }))])).await.expect("apply");
    let a = store.get(&id, "a").await.expect("get").expect("a");
    assert_eq!((a.version, a.body.clone(), a.position.clone()), (3, json!({ "v": 3 }), pos(4)));
    assert_eq!(store.get(&id, "b").await.expect("get").expect("b").version, 1);
}

pub async fn change_log_is_consecutive_in_write_order_and_logs_deletes(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let id = index("log", 1);
    store.create_index(&spec(&id, &[])).await.expect("create");
    assert_eq!(store.last_seq(&id).await.expect("last seq"), 0);
    let first = store
        .apply(
            &id,
            batch(1, vec![upsert("z", json!({ "n": 1 })), upsert("a", json!({ "n": 2 })), upsert("m", json!({}))]),
        )
        .await
        .expect("apply");
    // Deleting a key that does not exist changes nothing and logs nothing.
    let second = store
        .apply(&id, batch(4, vec![delete("a"), delete("never-written"), upsert("z", json!({ "n": 3 }))]))
        .await
        .expect("apply");
    assert_eq!(second.len(), 2);
    assert_eq!(store.last_seq(&id).await.expect("last seq"), 5);

    let logged = store.changes(&id, 0, 100).await.expect("changes");
    let expected: Vec<DocumentChange> = first.iter().chain(&second).cloned().collect();
    assert_eq!(logged, expected, "the change log holds what apply returned");
    let summary: Vec<_> =
        logged.iter().map(|c| (c.seq, c.key.as_str(), c.document.is_some(), c.position.clone())).collect();
    assert_eq!(
        summary,
        [
            (1, "z", true, pos(1)),
            (2, "a", true, pos(2)),
            (3, "m", true, pos(3)),
            (4, "a", false, pos(4)),
            (5, "z", true, pos(6))
        ]
    );
    assert_eq!(logged[4].document.as_ref().map(|d| d.body.clone()), Some(json!({ "n": 3 })));
    assert_eq!(store.changes(&id, 2, 2).await.expect("changes").iter().map(|c| c.seq).collect::<Vec<_>>(), [3, 4]);
    assert!(store.changes(&id, 5, 10).await.expect("changes").is_empty());
    assert!(store.changes(&id, 50, 10).await.expect("changes").is_empty());
}

pub async fn pruned_changes_are_reported_expired(factory: &dyn ReadStoreFactory) {
    let store = factory.open(5).await;
    let id = index("pruned", 1);
    store.create_index(&spec(&id, &[])).await.expect("create");
    for round in 0..4u64 {
        let writes = (0..3).map(|i| upsert(&format!("k{}", round * 3 + i), json!({ "i": i }))).collect();
        store.apply(&id, batch(round * 3 + 1, writes)).await.expect("apply");
    }
    assert_eq!(store.last_seq(&id).await.expect("last seq"), 12);
    // The newest five are kept: 8..=12.
    let kept = store.changes(&id, 7, 100).await.expect("changes after the last pruned one");
    assert_eq!(kept.iter().map(|c| c.seq).collect::<Vec<_>>(), [8, 9, 10, 11, 12]);
    for after in [0, 3, 6] {
        let result = store.changes(&id, after, 100).await;
        assert!(
            matches!(result, Err(ReadStoreError::ChangeExpired(a, _)) if a == after),
            "changes after {after}: {result:?}"
        );
    }
    // Pruning the log never touches documents.
    let all = search(&*store, &id, SearchQuery::default()).await;
    assert_eq!(all.total, 12);
}

pub async fn get_and_delete_documents(factory: &dyn ReadStoreFactory) {
    let body = json!({ "title": "Blue mug", "price": 12.5, "tags": ["kitchen"], "owner": { "name": "ana" } });
    let (store, id) = store_with(factory, vec![("mug", body.clone()), ("cup", json!({ "title": "Cup" }))]).await;
    let mug = store.get(&id, "mug").await.expect("get").expect("mug");
    assert_eq!((mug.key.as_str(), &mug.body, mug.version, &mug.position), ("mug", &body, 1, &pos(1)));
    assert!(mug.updated_at_micros > 0);
    assert_eq!(store.get(&id, "nope").await.expect("get"), None);

    let changes = store.apply(&id, batch(3, vec![delete("mug")])).await.expect("apply");
    assert_eq!(changes.len(), 1);
    assert_eq!(store.get(&id, "mug").await.expect("get"), None);
    let text = search(&*store, &id, SearchQuery { text: Some("mug".into()), ..Default::default() }).await;
    assert_eq!(text.total, 0, "a deleted document stays searchable");
    // Written again, it is a new document.
    store.apply(&id, batch(4, vec![upsert("mug", json!({ "title": "Red mug" }))])).await.expect("apply");
    let again = store.get(&id, "mug").await.expect("get").expect("mug");
    assert_eq!((again.version, again.body["title"].clone()), (1, json!("Red mug")));
    assert_eq!(text_matches(&*store, &id, "red").await, ["mug"]);
    assert!(text_matches(&*store, &id, "blue").await.is_empty(), "the old text is still indexed");
}

pub async fn text_search_needs_every_word_and_supports_prefixes(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("1", json!({ "n": 1, "title": "Quick brown fox", "body": "zebra" })),
            ("2", json!({ "n": 2, "title": "Lazy brown dog", "tags": ["garden", "pets"] })),
            ("3", json!({ "n": 3, "title": "Quickly done" })),
            ("4", json!({ "n": 4, "title": 42, "other": "brown" })),
        ],
    )
    .await;
    assert_eq!(text_matches(&*store, &id, "brown").await, ["1", "2"]);
    assert_eq!(text_matches(&*store, &id, "BROWN fox").await, ["1"], "every word must match, case-insensitively");
    assert!(text_matches(&*store, &id, "brown cat").await.is_empty());
    assert_eq!(text_matches(&*store, &id, "quick").await, ["1"]);
    assert_eq!(text_matches(&*store, &id, "quick*").await, ["1", "3"]);
    assert_eq!(text_matches(&*store, &id, "pets").await, ["2"], "array elements of text fields are searchable");
    assert_eq!(text_matches(&*store, &id, "42").await, ["4"]);
    assert!(text_matches(&*store, &id, "zebra").await.is_empty(), "only the text fields are searchable");

    // With no sort, text results come by relevance; all matches are there.
    let page = search(&*store, &id, SearchQuery { text: Some("brown".into()), ..Default::default() }).await;
    assert_eq!(page.total, 2);
    assert_eq!(keys(&page).into_iter().collect::<HashSet<_>>(), HashSet::from(["1", "2"]));
    // Empty text is no condition.
    let all = search(&*store, &id, SearchQuery { text: Some("  ".into()), ..Default::default() }).await;
    assert_eq!(all.total, 4);

    // An index without text fields matches no text.
    let plain = index("plain", 1);
    store.create_index(&spec(&plain, &[])).await.expect("create");
    store.apply(&plain, batch(1, vec![upsert("1", json!({ "title": "brown" }))])).await.expect("apply");
    assert!(text_matches(&*store, &plain, "brown").await.is_empty());
}

pub async fn user_text_with_search_syntax_never_fails(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("1", json!({ "n": 1, "title": "rock and roll" })),
            ("2", json!({ "n": 2, "title": "near NEAR not" })),
            ("3", json!({ "n": 3, "title": "semi-final" })),
        ],
    )
    .await;
    let hostile = [
        "\"",
        "\"\"",
        "\"unclosed",
        "AND",
        "rock AND",
        "OR roll",
        "NOT",
        "(",
        ")",
        "(rock",
        "*",
        "**",
        "-",
        "-rock",
        "rock -roll",
        "^rock",
        "title:rock",
        "rock:",
        "NEAR(rock roll)",
        "{title}: rock",
        "+",
        "'",
        ";",
        "\\",
        "rock*)",
        "a\u{0}b",
        "%",
        "_",
        "*rock",
        "rock\"*",
        "\u{1F600}",
        "\"rock\" OR \"near\"",
    ];
    for text in hostile {
        let query = SearchQuery { text: Some(text.into()), ..Default::default() };
        if let Err(e) = store.search(&id, &query).await {
            panic!("text {text:?} failed: {e}");
        }
    }
    // Operators are words like any other.
    assert_eq!(text_matches(&*store, &id, "AND").await, ["1"]);
    assert_eq!(text_matches(&*store, &id, "rock AND").await, ["1"]);
    assert_eq!(text_matches(&*store, &id, "near NOT").await, ["2"]);
    assert!(text_matches(&*store, &id, "rock OR near").await.is_empty(), "OR must not widen the query");
    assert_eq!(text_matches(&*store, &id, "(rock").await, ["1"]);
    assert_eq!(text_matches(&*store, &id, "semi-final").await, ["3"]);
    assert_eq!(text_matches(&*store, &id, "\"rock").await, ["1"]);
}

pub async fn equals_and_in_compare_strings_numbers_and_booleans_by_kind(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("a", json!({ "status": "open", "n": 1, "flag": true, "owner": { "name": "ana" } })),
            ("b", json!({ "status": "closed", "n": 1.0, "flag": false, "owner": { "name": "bo" } })),
            ("c", json!({ "status": "1", "n": 2, "flag": 1 })),
            ("d", json!({ "status": "Open", "n": 2.5, "flag": "true" })),
        ],
    )
    .await;
    let eq = |field: &str, value: Value| FieldFilter::Equals { field: field.into(), value };
    let within = |field: &str, values: Vec<Value>| FieldFilter::In { field: field.into(), values };
    assert_eq!(filtered(&*store, &id, eq("status", json!("open"))).await, ["a"], "strings compare exactly");
    assert_eq!(filtered(&*store, &id, eq("n", json!(1))).await, ["a", "b"], "1 equals 1.0");
    assert_eq!(filtered(&*store, &id, eq("n", json!(1.0))).await, ["a", "b"]);
    assert_eq!(filtered(&*store, &id, eq("n", json!(2.5))).await, ["d"]);
    assert_eq!(filtered(&*store, &id, eq("status", json!(1))).await, Vec::<String>::new(), "\"1\" is not 1");
    assert_eq!(filtered(&*store, &id, eq("flag", json!(true))).await, ["a"], "true is neither 1 nor \"true\"");
    assert_eq!(filtered(&*store, &id, eq("flag", json!(false))).await, ["b"]);
    assert_eq!(filtered(&*store, &id, eq("flag", json!(1))).await, ["c"]);
    assert_eq!(filtered(&*store, &id, eq("owner.name", json!("bo"))).await, ["b"], "dotted paths reach nested fields");
    assert_eq!(filtered(&*store, &id, within("status", vec![json!("open"), json!("closed")])).await, ["a", "b"]);
    assert_eq!(filtered(&*store, &id, within("n", vec![json!(2), json!(2.5), json!("1")])).await, ["c", "d"]);
    assert_eq!(filtered(&*store, &id, within("flag", vec![json!(false), json!("true")])).await, ["b", "d"]);
    assert_eq!(
        filtered(&*store, &id, within("status", vec![])).await,
        Vec::<String>::new(),
        "empty In matches nothing"
    );
    // Filters combine with AND.
    let page = search(
        &*store,
        &id,
        SearchQuery { filters: vec![eq("n", json!(1)), eq("flag", json!(false))], ..Default::default() },
    )
    .await;
    assert_eq!(keys(&page), ["b"]);
}

pub async fn ranges_compare_ints_and_floats_numerically_and_strings_by_code_point(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("a", json!({ "n": 1, "day": "2024-01-05" })),
            ("b", json!({ "n": 2.5, "day": "2024-02-01" })),
            ("c", json!({ "n": 10, "day": "2024-10-01" })),
            ("d", json!({ "n": -3.75, "day": "2023-12-31" })),
            ("e", json!({ "n": "5", "day": 20240101 })),
            ("f", json!({ "other": true })),
        ],
    )
    .await;
    let r = |gt: Option<Value>, gte: Option<Value>, lt: Option<Value>, lte: Option<Value>| FieldFilter::Range {
        field: "n".into(),
        gt,
        gte,
        lt,
        lte,
    };
    assert_eq!(filtered(&*store, &id, r(None, Some(json!(1)), None, None)).await, ["a", "b", "c"], "numbers only");
    assert_eq!(filtered(&*store, &id, r(Some(json!(1)), None, None, None)).await, ["b", "c"]);
    assert_eq!(filtered(&*store, &id, r(None, None, Some(json!(2.5)), None)).await, ["a", "d"]);
    assert_eq!(filtered(&*store, &id, r(None, None, None, Some(json!(2.5)))).await, ["a", "b", "d"]);
    assert_eq!(filtered(&*store, &id, r(Some(json!(-4)), None, Some(json!(9.99)), None)).await, ["a", "b", "d"]);
    assert_eq!(filtered(&*store, &id, r(None, Some(json!(2)), None, Some(json!(10.0)))).await, ["b", "c"]);
    assert_eq!(filtered(&*store, &id, r(Some(json!(10)), None, None, None)).await, Vec::<String>::new());
    let days = FieldFilter::Range {
        field: "day".into(),
        gt: None,
        gte: Some(json!("2024-01-01")),
        lt: Some(json!("2024-06")),
        lte: None,
    };
    assert_eq!(filtered(&*store, &id, days).await, ["a", "b"], "strings compare as strings, numbers are left out");
    let mixed =
        FieldFilter::Range { field: "n".into(), gt: Some(json!(1)), gte: None, lt: Some(json!("9")), lte: None };
    invalid(store.search(&id, &SearchQuery { filters: vec![mixed], ..Default::default() }).await, "mixed bounds");
    let boolean = FieldFilter::Range { field: "n".into(), gt: Some(json!(true)), gte: None, lt: None, lte: None };
    invalid(store.search(&id, &SearchQuery { filters: vec![boolean], ..Default::default() }).await, "boolean bound");
    assert_eq!(filtered(&*store, &id, range("n")).await, ["a", "b", "c", "d", "e"], "no bounds: any value");
}

pub async fn filters_match_any_element_of_an_array_and_null_matches_missing(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("a", json!({ "tags": ["red", "blue"], "sizes": [1, 8] })),
            ("b", json!({ "tags": ["green"], "sizes": [3] })),
            ("c", json!({ "tags": "red", "sizes": 20, "owner": null })),
            ("d", json!({ "tags": [], "owner": { "name": "x" } })),
        ],
    )
    .await;
    let eq = |field: &str, value: Value| FieldFilter::Equals { field: field.into(), value };
    assert_eq!(filtered(&*store, &id, eq("tags", json!("red"))).await, ["a", "c"]);
    assert_eq!(
        filtered(&*store, &id, FieldFilter::In { field: "tags".into(), values: vec![json!("green"), json!("blue")] })
            .await,
        ["a", "b"]
    );
    let sizes =
        FieldFilter::Range { field: "sizes".into(), gt: Some(json!(5)), gte: None, lt: Some(json!(10)), lte: None };
    assert_eq!(filtered(&*store, &id, sizes).await, ["a"]);
    assert_eq!(filtered(&*store, &id, eq("owner", json!(null))).await, ["a", "b", "c"], "null matches missing or null");
    assert_eq!(filtered(&*store, &id, eq("sizes", json!(null))).await, ["d"]);
    invalid(
        store.search(&id, &SearchQuery { filters: vec![eq("tags", json!(["red"]))], ..Default::default() }).await,
        "array value",
    );
}

pub async fn sorts_ascending_and_descending_with_ties_broken_by_key(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("k1", json!({ "n": 10, "name": "delta", "g": "x" })),
            ("k2", json!({ "n": 2.5, "name": "alpha", "g": "y" })),
            ("k3", json!({ "n": 10, "name": "charlie", "g": "x" })),
            ("k4", json!({ "name": "bravo", "g": "y" })),
            ("k5", json!({ "n": -1, "name": "echo", "g": "x" })),
        ],
    )
    .await;
    let sorted = |sort: Vec<(&str, bool)>| {
        let sort: Vec<SortField> =
            sort.into_iter().map(|(f, d)| SortField { field: f.into(), descending: d }).collect();
        let (store, id) = (store.clone(), id.clone());
        async move {
            let page = search(&*store, &id, SearchQuery { sort, ..Default::default() }).await;
            page.documents.into_iter().map(|d| d.key).collect::<Vec<_>>()
        }
    };
    assert_eq!(sorted(vec![]).await, ["k1", "k2", "k3", "k4", "k5"], "no sort: by key");
    assert_eq!(sorted(vec![("n", false)]).await, ["k5", "k2", "k1", "k3", "k4"], "missing values last");
    assert_eq!(sorted(vec![("n", true)]).await, ["k1", "k3", "k2", "k5", "k4"], "ties by key, missing last");
    assert_eq!(sorted(vec![("name", false)]).await, ["k2", "k4", "k3", "k1", "k5"]);
    assert_eq!(sorted(vec![("name", true)]).await, ["k5", "k1", "k3", "k4", "k2"]);
    assert_eq!(sorted(vec![("g", true), ("n", false)]).await, ["k2", "k4", "k5", "k1", "k3"]);
}

pub async fn paging_visits_every_match_once_and_total_counts_all(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let id = index("paged", 1);
    store.create_index(&spec(&id, &["title"])).await.expect("create");
    let writes = (0..57)
        .map(|i: u64| {
            let n = if i.is_multiple_of(5) { json!(null) } else { json!(i % 7) };
            let title = if i.is_multiple_of(3) { "common rare" } else { "common" };
            upsert(
                &format!("doc-{i:03}"),
                json!({ "n": n, "f": (i % 4) as f64 / 3.0, "title": title, "even": i.is_multiple_of(2) }),
            )
        })
        .collect();
    store.apply(&id, batch(1, writes)).await.expect("apply");

    let queries = [
        (SearchQuery::default(), 57),
        (SearchQuery { sort: vec![SortField { field: "n".into(), descending: false }], ..Default::default() }, 57),
        (SearchQuery { sort: vec![SortField { field: "n".into(), descending: true }], ..Default::default() }, 57),
        (
            SearchQuery {
                sort: vec![
                    SortField { field: "f".into(), descending: true },
                    SortField { field: "n".into(), descending: false },
                ],
                filters: vec![FieldFilter::Equals { field: "even".into(), value: json!(true) }],
                ..Default::default()
            },
            29,
        ),
        (SearchQuery { text: Some("common".into()), ..Default::default() }, 57),
        (SearchQuery { text: Some("rare".into()), ..Default::default() }, 19),
        (
            SearchQuery {
                text: Some("common".into()),
                sort: vec![SortField { field: "missing".into(), descending: true }],
                ..Default::default()
            },
            57,
        ),
    ];
    for (query, expected) in queries {
        for page_size in [1, 4, 10, 57, 100] {
            let mut query = SearchQuery { page_size, ..query.clone() };
            let full = search(&*store, &id, SearchQuery { page_size: 1000, page_token: None, ..query.clone() }).await;
            let mut seen = Vec::new();
            let mut pages = 0;
            loop {
                let page = search(&*store, &id, query.clone()).await;
                assert_eq!(page.total, expected, "total of {query:?}");
                assert!(page.documents.len() <= page_size);
                seen.extend(page.documents.into_iter().map(|d| d.key));
                pages += 1;
                assert!(pages <= 100, "paging does not end");
                match page.next_page_token {
                    Some(token) => query.page_token = Some(token),
                    None => break,
                }
            }
            let distinct: HashSet<_> = seen.iter().collect();
            assert_eq!((seen.len(), distinct.len()), (expected as usize, expected as usize), "{query:?}");
            let in_order: Vec<_> = full.documents.into_iter().map(|d| d.key).collect();
            assert_eq!(seen, in_order, "pages follow the order of one big page");
        }
    }
    let default = search(&*store, &id, SearchQuery::default()).await;
    assert_eq!(default.documents.len(), 50, "page size 0 means 50");
    assert!(default.next_page_token.is_some());
}

pub async fn keys_restrict_the_matches(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(
        factory,
        vec![
            ("a", json!({ "n": 1, "title": "match me" })),
            ("b", json!({ "n": 2, "title": "match me" })),
            ("c", json!({ "n": 3, "title": "other" })),
        ],
    )
    .await;
    let restricted = |keys: Vec<&str>, text: Option<&str>| SearchQuery {
        keys: keys.into_iter().map(String::from).collect(),
        text: text.map(String::from),
        ..Default::default()
    };
    let page = search(&*store, &id, restricted(vec!["c", "a", "zz"], None)).await;
    assert_eq!((keys(&page), page.total), (vec!["a", "c"], 2));
    let page = search(&*store, &id, restricted(vec!["b", "c"], Some("match"))).await;
    assert_eq!((keys(&page), page.total), (vec!["b"], 1));
    let page = search(&*store, &id, restricted(vec!["zz"], None)).await;
    assert_eq!(page.total, 0);
}

pub async fn invalid_queries_are_rejected(factory: &dyn ReadStoreFactory) {
    let (store, id) = store_with(factory, vec![("a", json!({ "n": 1 })), ("b", json!({ "n": 2 }))]).await;
    for field in ["", "a..b", ".a", "a.", "a b", "a[0]", "$.a", "a'b", "a\"b", "ä", "a;drop"] {
        let filter = FieldFilter::Equals { field: field.into(), value: json!(1) };
        invalid(store.search(&id, &SearchQuery { filters: vec![filter], ..Default::default() }).await, field);
        let sort = vec![SortField { field: field.into(), descending: false }];
        invalid(store.search(&id, &SearchQuery { sort, ..Default::default() }).await, field);
    }
    for token in ["garbage", "", "!!!", "eyJ4IjoxfQ"] {
        let query = SearchQuery { page_token: Some(token.into()), ..Default::default() };
        invalid(store.search(&id, &query).await, token);
    }
    invalid(store.search(&id, &SearchQuery { page_size: 1001, ..Default::default() }).await, "page size 1001");
    assert_eq!(search(&*store, &id, SearchQuery { page_size: 1000, ..Default::default() }).await.total, 2);
    // A token only continues the query it came from.
    let first = search(&*store, &id, SearchQuery { page_size: 1, ..Default::default() }).await;
    let token = first.next_page_token.expect("a second page");
    let other = SearchQuery {
        page_size: 1,
        page_token: Some(token.clone()),
        sort: vec![SortField { field: "n".into(), descending: true }],
        ..Default::default()
    };
    invalid(store.search(&id, &other).await, "a token of another query");
    let next = search(&*store, &id, SearchQuery { page_size: 1, page_token: Some(token), ..Default::default() }).await;
    assert_eq!(keys(&next), ["b"]);
    invalid(store.create_index(&spec(&index("bad", 1), &["a b"])).await, "bad text field");
}

pub async fn indexes_are_isolated_and_dropped_alone(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let (one, two, other) = (index("orders", 1), index("orders", 2), index("users", 1));
    for id in [&one, &two, &other] {
        store.create_index(&spec(id, &["title"])).await.expect("create");
    }
    store.apply(&one, batch(1, vec![upsert("k", json!({ "title": "old shared", "g": 1 }))])).await.expect("apply");
    store
        .apply(&two, batch(1, vec![upsert("k", json!({ "title": "new shared", "g": 2 })), upsert("k2", json!({}))]))
        .await
        .expect("apply");
    store.apply(&other, batch(5, vec![upsert("u", json!({ "title": "shared" }))])).await.expect("apply");

    assert_eq!(store.get(&one, "k").await.expect("get").expect("k").body["g"], json!(1));
    assert_eq!(store.get(&two, "k").await.expect("get").expect("k").body["g"], json!(2));
    assert_eq!(store.get(&one, "k2").await.expect("get"), None);
    assert_eq!(text_matches(&*store, &one, "shared").await, ["k"]);
    assert_eq!(text_matches(&*store, &two, "shared").await, ["k"]);
    assert_eq!(text_matches(&*store, &two, "old").await, Vec::<String>::new());
    assert_eq!((store.last_seq(&one).await.expect("seq"), store.last_seq(&two).await.expect("seq")), (1, 2));
    assert_eq!(store.checkpoint(&one).await.expect("checkpoint").map(|c| c.position), Some(pos(1)));

    store.drop_index(&one).await.expect("drop");
    store.drop_index(&one).await.expect("dropping a missing index is fine");
    assert_eq!(store.list_indexes().await.expect("list"), [two.clone(), other.clone()]);
    assert_eq!(store.get(&two, "k").await.expect("get").expect("k").body["g"], json!(2));
    assert_eq!(text_matches(&*store, &two, "shared").await, ["k"]);
    assert_eq!(store.changes(&two, 0, 10).await.expect("changes").len(), 2);
    assert_eq!(search(&*store, &other, SearchQuery::default()).await.total, 1);

    // Created again, the index starts empty.
    store.create_index(&spec(&one, &["title"])).await.expect("create");
    assert_eq!(search(&*store, &one, SearchQuery::default()).await.total, 0);
    assert_eq!(store.checkpoint(&one).await.expect("checkpoint"), None);
    assert!(text_matches(&*store, &one, "old").await.is_empty());
}

pub async fn missing_indexes_are_reported(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    assert!(store.list_indexes().await.expect("list").is_empty());
    let ids = [index("b", 1), index("a", 2), index("a", 1)];
    for id in &ids {
        store.create_index(&spec(id, &[])).await.expect("create");
    }
    let mut listed = store.list_indexes().await.expect("list");
    listed.sort();
    assert_eq!(listed, [index("a", 1), index("a", 2), index("b", 1)]);

    let missing = index("a", 3);
    let not_found = |what: &str, result: Result<(), ReadStoreError>| {
        assert!(matches!(result, Err(ReadStoreError::IndexNotFound(_))), "{what}: {result:?}");
    };
    not_found("apply", store.apply(&missing, batch(1, vec![upsert("k", json!({}))])).await.map(|_| ()));
    not_found("get", store.get(&missing, "k").await.map(|_| ()));
    not_found("search", store.search(&missing, &SearchQuery::default()).await.map(|_| ()));
    not_found("changes", store.changes(&missing, 0, 10).await.map(|_| ()));
    not_found("checkpoint", store.checkpoint(&missing).await.map(|_| ()));
}

pub async fn parked_events_and_meta_round_trip(factory: &dyn ReadStoreFactory) {
    let store = factory.open(KEEP).await;
    let id = index("parking", 1);
    store.create_index(&spec(&id, &[])).await.expect("create");
    let parked: Vec<ParkedEvent> = (1..=5).map(parked_event).collect();
    let mut first = batch(1, vec![upsert("k", json!({}))]);
    first.parked = parked[..3].to_vec();
    store.apply(&id, first).await.expect("apply");
    let mut second = batch(4, Vec::new());
    second.parked = parked[3..].to_vec();
    store.apply(&id, second).await.expect("apply");
    assert_eq!(store.parked(&id, 100).await.expect("parked"), parked, "oldest first, every field kept");
    assert_eq!(store.parked(&id, 2).await.expect("parked"), parked[..2]);
    assert_eq!(store.checkpoint(&id).await.expect("checkpoint").expect("set").parked, 5);

    assert_eq!(store.get_meta("serving/orders").await.expect("meta"), None);
    store.put_meta("serving/orders", "1").await.expect("put");
    store.put_meta("serving/orders", "2").await.expect("put");
    store.put_meta("definition/orders", "{\"name\":\"orders\"}").await.expect("put");
    assert_eq!(store.get_meta("serving/orders").await.expect("meta").as_deref(), Some("2"));
    assert_eq!(store.get_meta("definition/orders").await.expect("meta").as_deref(), Some("{\"name\":\"orders\"}"));
}
