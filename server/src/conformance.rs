//! The conformance suite of the [`EventStore`] port. Every adapter runs it
//! through [`event_store_conformance!`] with a factory for its backend, so
//! the embedded store and later the DynamoDB store are held to the same rules.
//! The suites of the other ports are submodules.

pub(crate) mod queue_bus;

pub(crate) mod audit_store;
pub(crate) mod lease_store;
pub(crate) mod stream_bus;

pub(crate) mod read_store;
pub(crate) mod registry;

pub(crate) mod saga_store;
pub(crate) mod snapshot_store;

use std::{collections::HashSet, sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::core::{
    model::{
        AllFrom, Direction, EventFilter, EventMetadata, ExpectedRevision, ProposedEvent, ReadAllQuery, ReadStreamQuery,
        RecordedEvent, StreamMetadata, StreamState,
    },
    ports::{EventStore, StoreError},
    subscription::{self, SubscriptionMessage},
};

/// Opens stores on one storage location: each call after the previous
/// store's shutdown sees everything the previous one acknowledged.
#[async_trait]
pub trait StoreFactory: Send + Sync {
    async fn open(&self) -> Arc<dyn EventStore>;

    /// Whether the backend keeps a numeric, gapless, total order across
    /// streams (`Position::global`). The embedded store does; DynamoDB, whose
    /// change feed orders only per partition, does not. Without it the
    /// suite checks what every backend promises instead: each event once,
    /// per-stream order, resumable positions.
    fn global_order(&self) -> bool {
        true
    }
}

/// Every event once, and each stream's events in revision order: what
/// every backend's log promises, with or without a global order.
fn assert_each_once_in_stream_order(events: &[RecordedEvent], expected_count: usize) {
    let ids: HashSet<Uuid> = events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), events.len(), "an event came twice");
    assert_eq!(events.len(), expected_count, "events missing or extra");
    let mut last: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    for e in events {
        if let Some(previous) = last.insert(e.stream_id.as_str(), e.revision) {
            assert!(previous < e.revision, "stream {} out of order: {previous} then {}", e.stream_id, e.revision);
        }
    }
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! event_store_conformance {
    ($factory:expr) => {
        event_store_conformance!(@tests $factory;
            appends_get_consecutive_revisions_and_positions,
            expected_revision_rules_hold,
            a_failed_append_writes_nothing_and_leaves_no_gap,
            retried_appends_return_the_original_result,
            reused_event_ids_with_other_content_are_rejected,
            racing_appenders_on_one_stream_never_both_win,
            concurrent_appends_to_many_streams_keep_a_gapless_total_order,
            read_stream_pages_both_ways,
            read_all_filters_and_pages,
            stream_metadata_is_honoured_by_reads,
            soft_delete_hides_and_recreates_tombstone_is_final,
            subscription_never_skips_events_committed_during_catch_up,
            filtered_subscription_sends_checkpoints_and_resumes_exactly,
            acknowledged_appends_and_idempotency_survive_restart,
            invalid_position_tokens_are_rejected,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use event_store_conformance;

fn event(event_type: &str, data: serde_json::Value) -> ProposedEvent {
    ProposedEvent {
        event_id: Uuid::new_v4(),
        event_type: event_type.into(),
        content_type: "application/json".into(),
        schema_version: 0,
        schema_id: None,
        data: Bytes::from(serde_json::to_vec(&data).expect("json")),
        metadata: EventMetadata { correlation_id: "c-1".into(), ..Default::default() },
    }
}

fn events(n: usize) -> Vec<ProposedEvent> {
    (0..n).map(|i| event("Happened", serde_json::json!({ "i": i }))).collect()
}

async fn read_stream_all(store: &dyn EventStore, stream_id: &str) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut out = Vec::new();
    let mut from = Some(0);
    while let Some(revision) = from {
        let slice = store
            .read_stream(ReadStreamQuery {
                stream_id: stream_id.into(),
                direction: Direction::Forwards,
                from_revision: Some(revision),
                limit: 7,
            })
            .await?;
        out.extend(slice.events);
        from = slice.next_revision;
    }
    Ok(out)
}

async fn read_all_events(store: &dyn EventStore, filter: EventFilter, page: usize) -> Vec<RecordedEvent> {
    let mut out = Vec::new();
    let mut from = AllFrom::Start;
    loop {
        let slice = store
            .read_all(ReadAllQuery {
                from: from.clone(),
                direction: Direction::Forwards,
                limit: page,
                filter: filter.clone(),
            })
            .await
            .expect("read_all");
        out.extend(slice.events);
        match slice.next {
            Some(next) => from = AllFrom::After(next),
            None => break,
        }
        if slice.end_of_log {
            break;
        }
    }
    out
}

fn globals(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.position.global.expect("embedded positions are numeric")).collect()
}

pub async fn appends_get_consecutive_revisions_and_positions(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    let first = store.append("s-1", ExpectedRevision::NoStream, events(3)).await.expect("append");
    assert_eq!((first.first_revision, first.current_revision), (0, 2));
    assert!(!first.already_appended);
    let second = store.append("s-2", ExpectedRevision::Any, events(1)).await.expect("append");
    let third = store.append("s-1", ExpectedRevision::Exact(2), events(2)).await.expect("append");
    assert_eq!((third.first_revision, third.current_revision), (3, 4));
    if factory.global_order() {
        assert!(second.first_position.global > first.last_position.global);
        assert!(third.first_position.global > second.last_position.global);
    }

    let stream = read_stream_all(&*store, "s-1").await.expect("read");
    assert_eq!(stream.iter().map(|e| e.revision).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(stream[0].metadata.correlation_id, "c-1");
    assert_eq!(stream[0].event_type, "Happened");
    let all = read_all_events(&*store, EventFilter::default(), 2).await;
    if factory.global_order() {
        assert_eq!(globals(&all), [1, 2, 3, 4, 5, 6]);
    } else {
        assert_each_once_in_stream_order(&all, 6);
    }
    let found = store.find_event(stream[3].event_id).await.expect("find").expect("present");
    assert_eq!(found, stream[3]);
    assert!(store.find_event(Uuid::new_v4()).await.expect("find").is_none());
}

pub async fn expected_revision_rules_hold(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    let wrong = |r: Result<_, StoreError>| match r {
        Err(StoreError::WrongExpectedVersion { actual, .. }) => actual,
        other => panic!("expected WrongExpectedVersion, got {other:?}"),
    };
    assert_eq!(wrong(store.append("s", ExpectedRevision::StreamExists, events(1)).await), None);
    assert_eq!(wrong(store.append("s", ExpectedRevision::Exact(0), events(1)).await), None);
    store.append("s", ExpectedRevision::NoStream, events(2)).await.expect("no_stream on a new stream");
    assert_eq!(wrong(store.append("s", ExpectedRevision::NoStream, events(1)).await), Some(1));
    assert_eq!(wrong(store.append("s", ExpectedRevision::Exact(0), events(1)).await), Some(1));
    assert_eq!(wrong(store.append("s", ExpectedRevision::Exact(7), events(1)).await), Some(1));
    store.append("s", ExpectedRevision::StreamExists, events(1)).await.expect("stream_exists");
    store.append("s", ExpectedRevision::Exact(2), events(1)).await.expect("exact");
    store.append("s", ExpectedRevision::Any, events(1)).await.expect("any");
    assert_eq!(store.stream_info("s").await.expect("info").last_revision, Some(4));
}

pub async fn a_failed_append_writes_nothing_and_leaves_no_gap(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("s", ExpectedRevision::NoStream, events(1)).await.expect("append");
    let rejected = events(3);
    assert!(store.append("s", ExpectedRevision::Exact(5), rejected.clone()).await.is_err());
    for e in &rejected {
        assert!(store.find_event(e.event_id).await.expect("find").is_none(), "rejected event was stored");
    }
    // Rejected requests grouped with accepted ones in one commit do not
    // disturb them.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let expected = if i % 2 == 0 { ExpectedRevision::Any } else { ExpectedRevision::Exact(999) };
            store.append(&format!("g-{i}"), expected, events(2)).await.is_ok()
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.expect("task"));
    }
    assert_eq!(accepted, 10);
    let after = store.append("s", ExpectedRevision::Exact(0), events(1)).await.expect("append");
    assert_eq!(after.first_revision, 1);
    let all = read_all_events(&*store, EventFilter::default(), 100).await;
    if factory.global_order() {
        assert_eq!(globals(&all), (1..=22).collect::<Vec<_>>(), "positions must have no gaps");
    } else {
        assert_each_once_in_stream_order(&all, 22);
    }
}

pub async fn retried_appends_return_the_original_result(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("s", ExpectedRevision::NoStream, events(1)).await.expect("append");
    let batch = events(3);
    let original = store.append("s", ExpectedRevision::Exact(0), batch.clone()).await.expect("append");
    // The stream moves on, then the client retries the same request.
    store.append("s", ExpectedRevision::Any, events(1)).await.expect("append");
    for expected in [ExpectedRevision::Exact(0), ExpectedRevision::Any, ExpectedRevision::StreamExists] {
        let retry = store.append("s", expected, batch.clone()).await.expect("retry is idempotent");
        assert!(retry.already_appended);
        assert_eq!(
            (retry.first_revision, retry.current_revision, &retry.first_position, &retry.last_position),
            (original.first_revision, original.current_revision, &original.first_position, &original.last_position)
        );
    }
    // Expected revision that could never have produced the original write.
    assert!(matches!(
        store.append("s", ExpectedRevision::Exact(2), batch.clone()).await,
        Err(StoreError::EventIdConflict { .. })
    ));
    assert_eq!(read_stream_all(&*store, "s").await.expect("read").len(), 5, "retries wrote nothing");
}

pub async fn reused_event_ids_with_other_content_are_rejected(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    let batch = events(2);
    store.append("s", ExpectedRevision::NoStream, batch.clone()).await.expect("append");

    let mut changed = batch.clone();
    changed[1].data = Bytes::from_static(b"{\"i\":42}");
    assert!(matches!(
        store.append("s", ExpectedRevision::NoStream, changed).await,
        Err(StoreError::EventIdConflict { .. })
    ));
    assert!(matches!(
        store.append("other", ExpectedRevision::Any, batch.clone()).await,
        Err(StoreError::EventIdConflict { .. })
    ));
    let mut partial = events(2);
    partial[1].event_id = batch[0].event_id;
    assert!(matches!(
        store.append("s", ExpectedRevision::Any, partial.clone()).await,
        Err(StoreError::EventIdConflict { .. })
    ));
    assert!(store.find_event(partial[0].event_id).await.expect("find").is_none());
    let mut twice = events(2);
    twice[1].event_id = twice[0].event_id;
    assert!(matches!(store.append("t", ExpectedRevision::Any, twice).await, Err(StoreError::EventIdConflict { .. })));
    assert_eq!(read_stream_all(&*store, "s").await.expect("read").len(), 2);
    assert!(matches!(read_stream_all(&*store, "other").await, Err(StoreError::StreamNotFound(_))));
}

pub async fn racing_appenders_on_one_stream_never_both_win(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("race", ExpectedRevision::NoStream, events(1)).await.expect("append");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut won = 0u32;
            for _ in 0..25 {
                let last = store.stream_info("race").await.expect("info").last_revision.expect("exists");
                match store.append("race", ExpectedRevision::Exact(last), events(1)).await {
                    Ok(r) => {
                        assert_eq!(r.first_revision, last + 1);
                        won += 1;
                    }
                    Err(StoreError::WrongExpectedVersion { .. }) => {}
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            won
        }));
    }
    let mut wins = 0;
    for t in tasks {
        wins += t.await.expect("task");
    }
    let stream = read_stream_all(&*store, "race").await.expect("read");
    assert_eq!(stream.len() as u32, wins + 1, "every win is exactly one event");
    assert!(wins >= 25, "at least one appender per round wins");
    let revisions: Vec<u64> = stream.iter().map(|e| e.revision).collect();
    assert_eq!(revisions, (0..stream.len() as u64).collect::<Vec<_>>());
}

pub async fn concurrent_appends_to_many_streams_keep_a_gapless_total_order(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    let mut tasks = Vec::new();
    for task in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                let stream = format!("m-{}", (task * 7 + i) % 10);
                store.append(&stream, ExpectedRevision::Any, events(1 + i % 3)).await.expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let all = read_all_events(&*store, EventFilter::default(), 64).await;
    let expected_count: usize = 16 * (0..20).map(|i| 1 + i % 3).sum::<usize>();
    if factory.global_order() {
        assert_eq!(globals(&all), (1..=expected_count as u64).collect::<Vec<_>>());
    } else {
        assert_each_once_in_stream_order(&all, expected_count);
    }
    for s in 0..10 {
        let stream = read_stream_all(&*store, &format!("m-{s}")).await.expect("read");
        let revisions: Vec<u64> = stream.iter().map(|e| e.revision).collect();
        assert_eq!(revisions, (0..stream.len() as u64).collect::<Vec<_>>());
        if factory.global_order() {
            let positions = globals(&stream);
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "stream order follows global order");
        }
    }
}

pub async fn read_stream_pages_both_ways(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("p", ExpectedRevision::NoStream, events(10)).await.expect("append");
    let query =
        |direction, from_revision, limit| ReadStreamQuery { stream_id: "p".into(), direction, from_revision, limit };
    let page = store.read_stream(query(Direction::Forwards, Some(3), 4)).await.expect("read");
    assert_eq!(page.events.iter().map(|e| e.revision).collect::<Vec<_>>(), [3, 4, 5, 6]);
    assert_eq!(page.next_revision, Some(7));
    assert_eq!(page.current_revision, 9);
    let page = store.read_stream(query(Direction::Forwards, Some(7), 10)).await.expect("read");
    assert_eq!(page.events.len(), 3);
    assert_eq!(page.next_revision, None);
    let page = store.read_stream(query(Direction::Backwards, None, 4)).await.expect("read");
    assert_eq!(page.events.iter().map(|e| e.revision).collect::<Vec<_>>(), [9, 8, 7, 6]);
    assert_eq!(page.next_revision, Some(5));
    let beyond = store.read_stream(query(Direction::Forwards, Some(u64::MAX), 4)).await.expect("read");
    assert!(beyond.events.is_empty() && beyond.next_revision.is_none(), "nothing after the last revision");
    let page = store.read_stream(query(Direction::Backwards, Some(1), 4)).await.expect("read");
    assert_eq!(page.events.iter().map(|e| e.revision).collect::<Vec<_>>(), [1, 0]);
    assert_eq!(page.next_revision, None);
    let missing =
        store.read_stream(ReadStreamQuery { stream_id: "nope".into(), ..query(Direction::Forwards, None, 1) }).await;
    assert!(matches!(missing, Err(StoreError::StreamNotFound(_))));
}

pub async fn read_all_filters_and_pages(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    for i in 0..30 {
        let (stream, kind) = match i % 3 {
            0 => (format!("order-{i}"), "OrderPlaced"),
            1 => (format!("order-{i}"), "OrderShipped"),
            _ => (format!("user-{i}"), "UserRegistered"),
        };
        store
            .append(&stream, ExpectedRevision::Any, vec![event(kind, serde_json::json!({ "i": i }))])
            .await
            .expect("append");
    }
    let by_type = EventFilter { event_type_prefixes: vec!["Order".into()], stream_prefixes: vec![] };
    let orders = read_all_events(&*store, by_type, 4).await;
    assert_eq!(orders.len(), 20);
    assert!(orders.iter().all(|e| e.event_type.starts_with("Order")));
    let by_stream =
        EventFilter { event_type_prefixes: vec![], stream_prefixes: vec!["user-".into(), "order-2".into()] };
    let picked = read_all_events(&*store, by_stream.clone(), 3).await;
    let expected: Vec<_> = read_all_events(&*store, EventFilter::default(), 100)
        .await
        .into_iter()
        .filter(|e| by_stream.matches(e))
        .collect();
    assert_eq!(picked, expected);
    let both =
        EventFilter { event_type_prefixes: vec!["OrderShipped".into()], stream_prefixes: vec!["order-1".into()] };
    let shipped = read_all_events(&*store, both, 100).await;
    assert_eq!(
        shipped.iter().map(|e| e.stream_id.as_str()).collect::<Vec<_>>(),
        ["order-1", "order-10", "order-13", "order-16", "order-19"]
    );

    let backwards = store
        .read_all(ReadAllQuery {
            from: AllFrom::End,
            direction: Direction::Backwards,
            limit: 5,
            filter: EventFilter::default(),
        })
        .await
        .expect("read");
    let forwards = read_all_events(&*store, EventFilter::default(), 100).await;
    let newest_first: Vec<Uuid> = forwards.iter().rev().map(|e| e.event_id).collect();
    let ids = |events: &[RecordedEvent]| events.iter().map(|e| e.event_id).collect::<Vec<_>>();
    if factory.global_order() {
        assert_eq!(globals(&backwards.events), [30, 29, 28, 27, 26]);
    }
    assert_eq!(ids(&backwards.events), newest_first[..5], "backwards is forwards reversed");
    let next = backwards.next.expect("next");
    let more = store
        .read_all(ReadAllQuery {
            from: AllFrom::After(next),
            direction: Direction::Backwards,
            limit: 100,
            filter: EventFilter::default(),
        })
        .await
        .expect("read");
    if factory.global_order() {
        assert_eq!(globals(&more.events), (1..=25).rev().collect::<Vec<_>>());
    }
    assert_eq!(ids(&more.events), newest_first[5..]);
    assert!(more.end_of_log);
    let end = store
        .read_all(ReadAllQuery {
            from: AllFrom::End,
            direction: Direction::Forwards,
            limit: 5,
            filter: EventFilter::default(),
        })
        .await
        .expect("read");
    assert!(end.events.is_empty() && end.end_of_log);
}

pub async fn stream_metadata_is_honoured_by_reads(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("meta", ExpectedRevision::NoStream, events(10)).await.expect("append");
    store.set_stream_metadata("meta", StreamMetadata { max_count: Some(3), ..Default::default() }).await.expect("set");
    let visible = read_stream_all(&*store, "meta").await.expect("read");
    assert_eq!(visible.iter().map(|e| e.revision).collect::<Vec<_>>(), [7, 8, 9]);
    let in_all = read_all_events(&*store, EventFilter::default(), 100).await;
    assert_eq!(in_all.len(), 3);

    store
        .set_stream_metadata("meta", StreamMetadata { truncate_before: Some(9), ..Default::default() })
        .await
        .expect("set");
    assert_eq!(read_stream_all(&*store, "meta").await.expect("read").len(), 1);
    assert_eq!(
        store.stream_info("meta").await.expect("info").metadata,
        StreamMetadata { truncate_before: Some(9), ..Default::default() }
    );

    // Generous times: a remote backend takes milliseconds per call.
    store.append("aged", ExpectedRevision::NoStream, events(2)).await.expect("append");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    store.append("aged", ExpectedRevision::Any, events(1)).await.expect("append");
    store
        .set_stream_metadata(
            "aged",
            StreamMetadata { max_age: Some(Duration::from_millis(1000)), ..Default::default() },
        )
        .await
        .expect("set");
    let fresh = read_stream_all(&*store, "aged").await.expect("read");
    assert_eq!(fresh.iter().map(|e| e.revision).collect::<Vec<_>>(), [2]);
}

pub async fn soft_delete_hides_and_recreates_tombstone_is_final(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("d", ExpectedRevision::NoStream, events(3)).await.expect("append");
    assert!(matches!(
        store.delete_stream("d", ExpectedRevision::Exact(0), false).await,
        Err(StoreError::WrongExpectedVersion { actual: Some(2), .. })
    ));
    assert_eq!(store.delete_stream("d", ExpectedRevision::Exact(2), false).await.expect("delete"), Some(2));
    assert!(matches!(read_stream_all(&*store, "d").await, Err(StoreError::StreamNotFound(_))));
    assert_eq!(store.stream_info("d").await.expect("info").state, StreamState::Deleted);
    assert!(read_all_events(&*store, EventFilter::default(), 10).await.is_empty());
    let revived = store.append("d", ExpectedRevision::NoStream, events(1)).await.expect("recreate");
    assert_eq!(revived.first_revision, 3, "revisions continue after a soft delete");
    assert_eq!(read_stream_all(&*store, "d").await.expect("read").len(), 1);

    store.append("t", ExpectedRevision::NoStream, events(1)).await.expect("append");
    store.delete_stream("t", ExpectedRevision::Any, true).await.expect("tombstone");
    assert!(matches!(store.append("t", ExpectedRevision::Any, events(1)).await, Err(StoreError::StreamTombstoned(_))));
    assert!(matches!(read_stream_all(&*store, "t").await, Err(StoreError::StreamTombstoned(_))));
    assert!(matches!(
        store.delete_stream("t", ExpectedRevision::Any, true).await,
        Err(StoreError::StreamTombstoned(_))
    ));
    assert!(matches!(
        store.delete_stream("never", ExpectedRevision::Any, false).await,
        Err(StoreError::StreamNotFound(_))
    ));
}

pub async fn subscription_never_skips_events_committed_during_catch_up(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    // History to catch up on.
    for i in 0..50 {
        store.append(&format!("h-{}", i % 5), ExpectedRevision::Any, events(3)).await.expect("append");
    }
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut written = 0u64;
                for i in 0..60 {
                    let n = 1 + (i % 4);
                    store.append(&format!("w-{w}-{}", i % 3), ExpectedRevision::Any, events(n)).await.expect("append");
                    written += n as u64;
                }
                written
            })
        })
        .collect();
    let shutdown = CancellationToken::new();
    let mut rx = subscription::subscribe_all(
        store.clone(),
        AllFrom::Start,
        EventFilter::default(),
        Duration::from_secs(5),
        shutdown.clone(),
    );
    let mut total = 150u64;
    for w in writers {
        total += w.await.expect("writer");
    }
    let mut seen = Vec::new();
    let mut caught_up = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while (seen.len() as u64) < total {
        let message = tokio::time::timeout_at(deadline, rx.recv()).await.expect("events arrive in time").expect("open");
        match message.expect("no error") {
            SubscriptionMessage::Event(e) => seen.push(*e),
            SubscriptionMessage::CaughtUp(_) => caught_up += 1,
            SubscriptionMessage::Checkpoint(_) | SubscriptionMessage::Heartbeat => {}
        }
    }
    if factory.global_order() {
        assert_eq!(globals(&seen), (1..=total).collect::<Vec<_>>(), "every event once, in order, no gaps");
    } else {
        assert_each_once_in_stream_order(&seen, total as usize);
    }
    assert!(caught_up <= 1);
    // Live: a new event arrives after catch-up.
    store.append("late", ExpectedRevision::Any, events(1)).await.expect("append");
    loop {
        let message =
            tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("live event").expect("open");
        if let SubscriptionMessage::Event(e) = message.expect("no error") {
            assert_eq!(e.stream_id, "late");
            if factory.global_order() {
                assert_eq!(e.position.global, Some(total + 1));
            }
            break;
        }
    }
    shutdown.cancel();
    // Checkpoints already queued may come first (a backend whose feed holds
    // records that are not events moves its position past them); no event.
    loop {
        let end = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("ends on shutdown");
        match end {
            Some(Ok(SubscriptionMessage::Checkpoint(_) | SubscriptionMessage::Heartbeat)) => continue,
            Some(Err(subscription::SubscriptionError::ShuttingDown)) | None => break,
            other => panic!("expected the end of the subscription, got {other:?}"),
        }
    }
}

pub async fn filtered_subscription_sends_checkpoints_and_resumes_exactly(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    for i in 0..40 {
        let kind = if i % 10 == 0 { "Wanted" } else { "Noise" };
        store
            .append("f", ExpectedRevision::Any, vec![event(kind, serde_json::json!({ "i": i }))])
            .await
            .expect("append");
    }
    let filter = EventFilter { event_type_prefixes: vec!["Wanted".into()], stream_prefixes: vec![] };
    let shutdown = CancellationToken::new();
    let mut rx = subscription::subscribe_all(
        store.clone(),
        AllFrom::Start,
        filter.clone(),
        Duration::from_millis(200),
        shutdown.clone(),
    );
    let mut wanted = Vec::new();
    let mut checkpoint = None;
    while checkpoint.is_none() || wanted.len() < 4 {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("message")
            .expect("open")
            .expect("ok")
        {
            SubscriptionMessage::Event(e) => wanted.push(e.revision),
            SubscriptionMessage::Checkpoint(Some(p)) => checkpoint = Some(p),
            _ => {}
        }
    }
    assert_eq!(wanted, [0, 10, 20, 30]);
    let checkpoint = checkpoint.expect("checkpoint");
    if factory.global_order() {
        assert_eq!(checkpoint.global, Some(40), "the checkpoint covers the skipped tail");
    }
    drop(rx);
    // Resume from the checkpoint: only what comes after it.
    store.append("f", ExpectedRevision::Any, vec![event("Noise", serde_json::json!({}))]).await.expect("append");
    store.append("f", ExpectedRevision::Any, vec![event("Wanted", serde_json::json!({}))]).await.expect("append");
    let mut rx = subscription::subscribe_all(
        store.clone(),
        AllFrom::After(checkpoint),
        filter,
        Duration::from_secs(5),
        shutdown,
    );
    loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("message")
            .expect("open")
            .expect("ok")
        {
            SubscriptionMessage::Event(e) => {
                assert_eq!((e.event_type.as_str(), e.revision), ("Wanted", 41), "only the event after the checkpoint");
                if factory.global_order() {
                    assert_eq!(e.position.global, Some(42));
                }
                break;
            }
            SubscriptionMessage::CaughtUp(_) => panic!("caught up before delivering the resumed event"),
            _ => {}
        }
    }
}

pub async fn acknowledged_appends_and_idempotency_survive_restart(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    let batch = events(4);
    let original = store.append("r", ExpectedRevision::NoStream, batch.clone()).await.expect("append");
    let mut acked = HashSet::new();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..10 {
                    let e = events(1);
                    ids.push(e[0].event_id);
                    store.append(&format!("r-{t}"), ExpectedRevision::Any, e).await.expect("append");
                }
                ids
            })
        })
        .collect();
    for t in tasks {
        acked.extend(t.await.expect("task"));
    }
    store.shutdown().await;
    assert!(matches!(store.append("r", ExpectedRevision::Any, events(1)).await, Err(StoreError::ShuttingDown)));
    drop(store);

    let store = factory.open().await;
    for id in &acked {
        assert!(store.find_event(*id).await.expect("find").is_some(), "acknowledged event {id} lost");
    }
    let retry = store.append("r", ExpectedRevision::NoStream, batch).await.expect("idempotent after restart");
    assert!(retry.already_appended);
    assert_eq!(retry.last_position, original.last_position);
    let next = store.append("r", ExpectedRevision::Exact(3), events(1)).await.expect("append");
    assert_eq!(next.first_revision, 4);
    if factory.global_order() {
        assert_eq!(next.first_position.global, Some(85), "positions continue without a gap after restart");
    }
}

pub async fn invalid_position_tokens_are_rejected(factory: &dyn StoreFactory) {
    let store = factory.open().await;
    store.append("x", ExpectedRevision::Any, events(1)).await.expect("append");
    let bogus = crate::core::model::Position { token: "definitely-not-a-token".into(), global: None };
    let result = store
        .read_all(ReadAllQuery {
            from: AllFrom::After(bogus),
            direction: Direction::Forwards,
            limit: 1,
            filter: EventFilter::default(),
        })
        .await;
    assert!(matches!(result, Err(StoreError::InvalidPosition(_))));
    assert!(matches!(store.resolve_position("definitely-not-a-token"), Err(StoreError::InvalidPosition(_))));
    assert!(matches!(store.resolve_position(""), Err(StoreError::InvalidPosition(_))));
    let appended = store.append("x", ExpectedRevision::Any, events(2)).await.expect("append");
    for position in [appended.first_position, appended.last_position] {
        assert_eq!(store.resolve_position(&position.token).expect("issued here"), position);
    }
}
