//! EventStoreService: append, read, paging, expected revisions, idempotent
//! appends, validation, deletion and retention metadata.

use std::collections::HashMap;

use nexus_e2e::{
    NexusProcess, any, assert_contiguous, assert_error, assert_violation, event_json, exact, expect_raw_status,
    expected, global_position, no_stream, position_token, proposed, read_all_after, read_all_events, read_whole_stream,
    stream_exists, unique,
};
use nexus_sdk::proto::{
    AllFrom, AppendToStreamRequest, AppendToStreamResponse, DeleteStreamRequest, EventFilter, EventMetadata,
    GetStreamMetadataRequest, ProposedEvent, ReadAllRequest, ReadDirection, ReadStreamRequest, RecordedEvent,
    SetStreamMetadataRequest, StreamMetadata, StreamState, all_from,
    event_store_service_client::EventStoreServiceClient, expected_revision,
};
use serde_json::json;
use tonic::{Code, Status, transport::Channel};

type Store = EventStoreServiceClient<Channel>;

async fn append(
    store: &mut Store,
    stream_id: &str,
    expected_kind: Option<expected_revision::Kind>,
    events: Vec<ProposedEvent>,
) -> Result<AppendToStreamResponse, Status> {
    store
        .append_to_stream(AppendToStreamRequest {
            stream_id: stream_id.into(),
            expected_revision: expected(expected_kind),
            events,
        })
        .await
        .map(|r| r.into_inner())
}

fn numbered(event_type: &str, n: usize) -> Vec<ProposedEvent> {
    (0..n).map(|i| proposed(event_type, json!({"n": i}))).collect()
}

async fn read(
    store: &mut Store,
    stream_id: &str,
    direction: ReadDirection,
    from_revision: Option<u64>,
    page_size: u32,
) -> Result<nexus_sdk::proto::ReadStreamResponse, Status> {
    store
        .read_stream(ReadStreamRequest {
            stream_id: stream_id.into(),
            direction: direction as i32,
            from_revision,
            page_size,
            as_stored: false,
        })
        .await
        .map(|r| r.into_inner())
}

fn revisions(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.stream_revision).collect()
}

#[tokio::test]
async fn append_and_read_stream_with_paging() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    let stream = unique("order-");

    let mut events = numbered("OrderLine", 10);
    events[3].metadata = Some(EventMetadata {
        correlation_id: "corr-x".into(),
        causation_id: "cause-y".into(),
        user_id: "forged-user".into(),
        tenant_id: "forged-tenant".into(),
        custom: HashMap::from([("traceparent".to_string(), "00-abc-def-01".to_string())]),
    });
    events[5].content_type = String::new(); // defaults to application/json
    let appended = append(&mut store, &stream, no_stream(), events.clone()).await.expect("append 10");
    assert_eq!(appended.first_revision, 0);
    assert_eq!(appended.current_revision, 9);
    assert!(!appended.already_appended);
    let first_pos = appended.first_position.clone().expect("first_position");
    let last_pos = appended.last_position.clone().expect("last_position");
    assert_eq!(first_pos.global_position, Some(1), "first event of a fresh store");
    assert_eq!(last_pos.global_position, Some(10));
    assert!(!first_pos.token.is_empty() && !last_pos.token.is_empty());

    // Whole stream, default page size.
    let page = read(&mut store, &stream, ReadDirection::Forwards, None, 0).await.expect("read");
    assert_eq!(revisions(&page.events), (0..10).collect::<Vec<_>>());
    assert_eq!(page.next_revision, None, "everything was read");
    assert_eq!(page.current_revision, 9);
    for (stored, sent) in page.events.iter().zip(&events) {
        assert_eq!(stored.event_id, sent.event_id);
        assert_eq!(stored.stream_id, stream);
        assert_eq!(stored.event_type, "OrderLine");
        assert_eq!(stored.content_type, "application/json");
        assert_eq!(event_json(stored), serde_json::from_slice::<serde_json::Value>(&sent.data).expect("json"));
        assert!(stored.recorded_time.is_some(), "no recorded_time: {stored:?}");
        assert_eq!(global_position(stored), stored.stream_revision + 1);
    }
    assert_eq!(page.events[0].position.as_ref().map(|p| p.token.clone()), Some(first_pos.token));
    assert_eq!(page.events[9].position.as_ref().map(|p| p.token.clone()), Some(last_pos.token));
    let metadata = page.events[3].metadata.clone().expect("metadata");
    assert_eq!(metadata.correlation_id, "corr-x");
    assert_eq!(metadata.causation_id, "cause-y");
    assert_eq!(metadata.custom.get("traceparent").map(String::as_str), Some("00-abc-def-01"));
    assert_ne!(metadata.user_id, "forged-user", "client-sent user_id must be replaced by the server");
    assert_ne!(metadata.tenant_id, "forged-tenant", "client-sent tenant_id must be replaced by the server");

    // Forwards paging.
    let mut seen = Vec::new();
    let mut from = Some(0);
    let mut pages = Vec::new();
    while let Some(revision) = from {
        let page = read(&mut store, &stream, ReadDirection::Forwards, Some(revision), 4).await.expect("page");
        pages.push(revisions(&page.events));
        seen.extend(page.events);
        from = page.next_revision;
        assert!(pages.len() <= 3, "forwards paging does not stop: {pages:?}");
    }
    assert_eq!(pages, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]);

    // Forwards from the middle.
    let page = read(&mut store, &stream, ReadDirection::Forwards, Some(8), 10).await.expect("from 8");
    assert_eq!(revisions(&page.events), [8, 9]);
    assert_eq!(page.next_revision, None);

    // Backwards from the end.
    let mut pages = Vec::new();
    let mut from = None;
    loop {
        let page = read(&mut store, &stream, ReadDirection::Backwards, from, 3).await.expect("backwards page");
        pages.push(revisions(&page.events));
        match page.next_revision {
            Some(next) => from = Some(next),
            None => break,
        }
        assert!(pages.len() <= 4, "backwards paging does not stop: {pages:?}");
    }
    assert_eq!(pages, vec![vec![9, 8, 7], vec![6, 5, 4], vec![3, 2, 1], vec![0]]);

    // Backwards from the middle.
    let page = read(&mut store, &stream, ReadDirection::Backwards, Some(5), 2).await.expect("backwards from 5");
    assert_eq!(revisions(&page.events), [5, 4]);
    assert_eq!(page.next_revision, Some(3));

    // Missing stream.
    let status = expect_raw_status(read(&mut store, &unique("nope-"), ReadDirection::Forwards, None, 0).await);
    assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");
}

#[tokio::test]
async fn read_all_with_paging_and_filters() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    let orders = unique("orders-");
    let users = unique("users-");
    let audit = unique("audit-");

    // Interleave writes to three streams.
    for round in 0..4 {
        append(
            &mut store,
            &orders,
            any(),
            vec![proposed("OrderPlaced", json!({"r": round})), proposed("OrderShipped", json!({"r": round}))],
        )
        .await
        .expect("orders");
        append(&mut store, &users, any(), vec![proposed("UserRegistered", json!({"r": round}))]).await.expect("users");
        append(&mut store, &audit, any(), vec![proposed("OrderAudited", json!({"r": round}))]).await.expect("audit");
    }
    let total = 4 * 4;

    let all = read_all_events(&mut store, None, 1000).await;
    assert_eq!(all.len(), total);
    assert_contiguous("ReadAll", &all, Some(1));

    // Small pages give the same sequence.
    for page_size in [1, 3, 7] {
        let paged = read_all_events(&mut store, None, page_size).await;
        let ids = |events: &[RecordedEvent]| events.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&paged), ids(&all), "ReadAll with page size {page_size}");
    }

    // From after a token.
    let after = read_all_after(&mut store, Some(position_token(&all[9])), None, 4).await;
    assert_eq!(after.len(), total - 10);
    assert_eq!(global_position(&after[0]), global_position(&all[10]));

    // Backwards from the end.
    let backwards = store
        .read_all(ReadAllRequest { direction: ReadDirection::Backwards as i32, page_size: 5, ..Default::default() })
        .await
        .expect("ReadAll backwards")
        .into_inner();
    let positions: Vec<u64> = backwards.events.iter().map(global_position).collect();
    assert_eq!(positions, [16, 15, 14, 13, 12]);
    assert!(!backwards.end_of_log);
    let next = backwards.next_position.expect("next_position backwards").token;
    let backwards = store
        .read_all(ReadAllRequest {
            from: Some(AllFrom { kind: Some(all_from::Kind::After(next)) }),
            direction: ReadDirection::Backwards as i32,
            page_size: 100,
            ..Default::default()
        })
        .await
        .expect("ReadAll backwards page 2")
        .into_inner();
    let positions: Vec<u64> = backwards.events.iter().map(global_position).collect();
    assert_eq!(positions, (1..=11).rev().collect::<Vec<_>>());
    assert!(backwards.end_of_log);

    // Filters, read whole and with tiny pages.
    let check = |name: &str, filter: EventFilter, keep: &dyn Fn(&RecordedEvent) -> bool| {
        let expected: Vec<String> = all.iter().filter(|e| keep(e)).map(|e| e.event_id.clone()).collect();
        (name.to_string(), filter, expected)
    };
    let cases = vec![
        check(
            "type prefix Order",
            EventFilter { event_type_prefixes: vec!["Order".into()], ..Default::default() },
            &|e| e.event_type.starts_with("Order"),
        ),
        check(
            "type prefixes OrderPlaced|User",
            EventFilter { event_type_prefixes: vec!["OrderPlaced".into(), "User".into()], ..Default::default() },
            &|e| e.event_type == "OrderPlaced" || e.event_type == "UserRegistered",
        ),
        check(
            "stream prefix users-",
            EventFilter { stream_prefixes: vec![users.clone()], ..Default::default() },
            &|e| e.stream_id == users,
        ),
        check(
            "stream prefix orders|audit and type prefix Order",
            EventFilter {
                event_type_prefixes: vec!["OrderA".into(), "OrderS".into()],
                stream_prefixes: vec![orders.clone(), audit.clone()],
            },
            &|e| e.event_type == "OrderAudited" || e.event_type == "OrderShipped",
        ),
        check("no match", EventFilter { event_type_prefixes: vec!["Nothing".into()], ..Default::default() }, &|_| {
            false
        }),
    ];
    for (name, filter, expected_ids) in cases {
        for page_size in [1000, 1] {
            let got = read_all_events(&mut store, Some(filter.clone()), page_size).await;
            let ids: Vec<String> = got.iter().map(|e| e.event_id.clone()).collect();
            assert_eq!(ids, expected_ids, "filter {name}, page size {page_size}");
            let positions: Vec<u64> = got.iter().map(global_position).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "filter {name}: positions not increasing");
        }
    }
}

#[tokio::test]
async fn expected_revision_matrix() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    let stream = unique("matrix-");

    async fn wrong(store: &mut Store, stream: &str, kind: Option<expected_revision::Kind>, actual: &str) {
        let status = expect_raw_status(append(store, stream, kind, vec![proposed("E", json!({}))]).await);
        let info = assert_error(&status, Code::Aborted, "WRONG_EXPECTED_VERSION");
        assert_eq!(
            info.metadata.get("actual_revision").map(String::as_str),
            Some(actual),
            "actual_revision for expected {kind:?}: metadata {:?}",
            info.metadata
        );
    }
    async fn right(store: &mut Store, stream: &str, kind: Option<expected_revision::Kind>, revision: u64) {
        let response = append(store, stream, kind, vec![proposed("E", json!({}))])
            .await
            .unwrap_or_else(|e| panic!("append with expected {kind:?} failed: {e:?}"));
        assert_eq!(response.current_revision, revision, "revision after append with expected {kind:?}");
    }

    wrong(&mut store, &stream, exact(0), "none").await;
    wrong(&mut store, &stream, stream_exists(), "none").await;
    let status = expect_raw_status(read(&mut store, &stream, ReadDirection::Forwards, None, 0).await);
    assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");

    right(&mut store, &stream, no_stream(), 0).await;
    wrong(&mut store, &stream, no_stream(), "0").await;
    wrong(&mut store, &stream, exact(5), "0").await;
    right(&mut store, &stream, exact(0), 1).await;
    right(&mut store, &stream, stream_exists(), 2).await;
    right(&mut store, &stream, any(), 3).await;
    right(&mut store, &stream, None, 4).await;
    wrong(&mut store, &stream, exact(3), "4").await;
    wrong(&mut store, &stream, exact(5), "4").await;
    wrong(&mut store, &stream, no_stream(), "4").await;
    right(&mut store, &stream, exact(4), 5).await;

    let events = read_whole_stream(&mut store, &stream).await.expect("read");
    assert_eq!(revisions(&events), (0..6).collect::<Vec<_>>(), "failed appends must write nothing");

    // any and absent on brand-new streams.
    right(&mut store, &unique("fresh-"), any(), 0).await;
    right(&mut store, &unique("fresh-"), None, 0).await;
    let all = read_all_events(&mut store, None, 1000).await;
    assert_eq!(all.len(), 8);
}

#[tokio::test]
async fn idempotent_append_retry_and_event_id_conflict() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    let stream = unique("retry-");
    append(&mut store, &unique("other-"), any(), numbered("Noise", 2)).await.expect("noise");

    let events = numbered("Retried", 3);
    let first = append(&mut store, &stream, no_stream(), events.clone()).await.expect("first append");
    assert!(!first.already_appended);
    assert_eq!((first.first_revision, first.current_revision), (0, 2));

    for attempt in 0..2 {
        let again = append(&mut store, &stream, no_stream(), events.clone())
            .await
            .unwrap_or_else(|e| panic!("retry #{attempt} of the same append failed: {e:?}"));
        assert!(again.already_appended, "retry #{attempt}: already_appended is false");
        assert_eq!((again.first_revision, again.current_revision), (0, 2), "retry #{attempt} revisions");
        assert_eq!(again.first_position, first.first_position, "retry #{attempt} first_position");
        assert_eq!(again.last_position, first.last_position, "retry #{attempt} last_position");
    }
    let stored = read_whole_stream(&mut store, &stream).await.expect("read");
    assert_eq!(stored.len(), 3, "retries wrote events");
    assert_eq!(read_all_events(&mut store, None, 100).await.len(), 5, "retries wrote to the log");

    // An id already used with different content is a conflict.
    let mut changed = events[1].clone();
    changed.data = serde_json::to_vec(&json!({"n": "different"})).expect("json");
    let status = expect_raw_status(append(&mut store, &stream, any(), vec![changed.clone()]).await);
    assert_error(&status, Code::AlreadyExists, "EVENT_ID_CONFLICT");
    // Also from another stream.
    let status = expect_raw_status(append(&mut store, &unique("elsewhere-"), any(), vec![changed]).await);
    assert_eq!(status.code(), Code::AlreadyExists, "reusing an event id in another stream: {status:?}");

    let stored = read_whole_stream(&mut store, &stream).await.expect("read");
    assert_eq!(stored.len(), 3, "conflicting append wrote events");
    assert_eq!(event_json(&stored[1]), json!({"n": 1}));
    assert_eq!(read_all_events(&mut store, None, 100).await.len(), 5);

    // Appending further still works.
    let next = append(&mut store, &stream, exact(2), numbered("Retried", 1)).await.expect("append after retries");
    assert_eq!(next.current_revision, 3);
    assert!(!next.already_appended);
}

#[tokio::test]
async fn invalid_appends_write_nothing() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    append(&mut store, &unique("seed-"), any(), numbered("Seed", 3)).await.expect("seed");
    let before = read_all_events(&mut store, None, 100).await.len();
    let stream = unique("invalid-");

    // A bad event id in second place: the valid first event is not stored either.
    let mut events = numbered("E", 2);
    events[1].event_id = "not-a-uuid".into();
    let status = expect_raw_status(append(&mut store, &stream, any(), events).await);
    assert_violation(&status, "event id not a UUID", |v| v.field == "events[1].event_id");

    let mut events = numbered("E", 2);
    events[0].event_id = String::new();
    let status = expect_raw_status(append(&mut store, &stream, any(), events).await);
    assert_violation(&status, "empty event id", |v| v.field == "events[0].event_id");

    // Malformed JSON data.
    let mut events = numbered("E", 2);
    events[1].data = b"{\"unterminated\": ".to_vec();
    let status = expect_raw_status(append(&mut store, &stream, any(), events).await);
    assert_violation(&status, "invalid JSON data", |v| v.field == "events[1].data");

    // ... also when content_type is left empty (it defaults to JSON).
    let mut events = numbered("E", 1);
    events[0].content_type = String::new();
    events[0].data = b"not json at all".to_vec();
    let status = expect_raw_status(append(&mut store, &stream, any(), events).await);
    assert_violation(&status, "invalid JSON data, default content type", |v| v.field == "events[0].data");

    // No events, no stream id.
    let status = expect_raw_status(append(&mut store, &stream, any(), vec![]).await);
    assert_eq!(status.code(), Code::InvalidArgument, "append of no events: {status:?}");
    let status = expect_raw_status(append(&mut store, "", any(), numbered("E", 1)).await);
    assert_eq!(status.code(), Code::InvalidArgument, "append to an empty stream id: {status:?}");

    let after = read_all_events(&mut store, None, 100).await.len();
    assert_eq!(after, before, "rejected appends changed the global log");
    let status = expect_raw_status(read(&mut store, &stream, ReadDirection::Forwards, None, 0).await);
    assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");

    // Non-JSON content types are stored as they are.
    let mut binary = proposed("Blob", json!(null));
    binary.content_type = "application/octet-stream".into();
    binary.data = vec![0xff, 0x00, 0xfe];
    append(&mut store, &stream, no_stream(), vec![binary]).await.expect("binary event");
    let stored = read_whole_stream(&mut store, &stream).await.expect("read");
    assert_eq!(stored[0].content_type, "application/octet-stream");
    assert_eq!(stored[0].data, vec![0xff, 0x00, 0xfe]);
}

#[tokio::test]
async fn soft_delete_then_append_continues_revisions() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();

    // Soft delete hides the stream; appending recreates it with continuing revisions.
    let soft = unique("soft-");
    append(&mut store, &soft, any(), numbered("E", 3)).await.expect("append");
    let deleted = store
        .delete_stream(DeleteStreamRequest { stream_id: soft.clone(), ..Default::default() })
        .await
        .expect("soft delete")
        .into_inner();
    assert_eq!(deleted.last_revision, Some(2));
    let status = expect_raw_status(read(&mut store, &soft, ReadDirection::Forwards, None, 0).await);
    assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");
    let state = store
        .get_stream_metadata(GetStreamMetadataRequest { stream_id: soft.clone() })
        .await
        .expect("get metadata")
        .into_inner();
    assert_eq!(state.state(), StreamState::Deleted, "{state:?}");
    assert_eq!(state.last_revision, Some(2));

    let recreated = append(&mut store, &soft, no_stream(), numbered("E", 1)).await.expect("append after soft delete");
    assert_eq!(recreated.current_revision, 3, "revisions continue after a soft delete");
    let events = read_whole_stream(&mut store, &soft).await.expect("read recreated");
    assert_eq!(revisions(&events), [3], "the deleted events must stay hidden");
    let state = store
        .get_stream_metadata(GetStreamMetadataRequest { stream_id: soft.clone() })
        .await
        .expect("get metadata")
        .into_inner();
    assert_eq!(state.state(), StreamState::Active);

    // Deleting with a wrong expected revision fails and deletes nothing.
    let guarded = unique("guarded-");
    append(&mut store, &guarded, any(), numbered("E", 2)).await.expect("append");
    let status = expect_raw_status(
        store
            .delete_stream(DeleteStreamRequest {
                stream_id: guarded.clone(),
                expected_revision: expected(exact(0)),
                tombstone: false,
            })
            .await,
    );
    assert_error(&status, Code::Aborted, "WRONG_EXPECTED_VERSION");
    assert_eq!(read_whole_stream(&mut store, &guarded).await.expect("still there").len(), 2);
}

#[tokio::test]
async fn tombstoned_stream_refuses_appends() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();

    // Tombstone: gone for ever.
    let tomb = unique("tomb-");
    append(&mut store, &tomb, any(), numbered("E", 2)).await.expect("append");
    store
        .delete_stream(DeleteStreamRequest { stream_id: tomb.clone(), tombstone: true, ..Default::default() })
        .await
        .expect("tombstone");
    for kind in [any(), no_stream(), exact(1)] {
        let status = expect_raw_status(append(&mut store, &tomb, kind, numbered("E", 1)).await);
        assert_error(&status, Code::FailedPrecondition, "STREAM_TOMBSTONED");
    }
    let state = store
        .get_stream_metadata(GetStreamMetadataRequest { stream_id: tomb.clone() })
        .await
        .expect("get metadata")
        .into_inner();
    assert_eq!(state.state(), StreamState::Tombstoned);
    // A tombstoned stream is gone for good: reading it is FAILED_PRECONDITION
    // with reason STREAM_TOMBSTONED, distinct from a stream that never existed.
    let status = expect_raw_status(read(&mut store, &tomb, ReadDirection::Forwards, None, 0).await);
    assert_error(&status, Code::FailedPrecondition, "STREAM_TOMBSTONED");
}

#[tokio::test]
async fn retention_metadata_max_count_and_truncate_before() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();

    // max_count 2 keeps the newest two.
    let capped = unique("capped-");
    append(&mut store, &capped, any(), numbered("E", 5)).await.expect("append");
    let set = store
        .set_stream_metadata(SetStreamMetadataRequest {
            stream_id: capped.clone(),
            metadata: Some(StreamMetadata { max_count: Some(2), ..Default::default() }),
        })
        .await
        .expect("set metadata")
        .into_inner();
    assert_eq!(set.metadata.and_then(|m| m.max_count), Some(2));
    let page = read(&mut store, &capped, ReadDirection::Forwards, None, 0).await.expect("read capped");
    assert_eq!(revisions(&page.events), [3, 4], "max_count 2");
    let page = read(&mut store, &capped, ReadDirection::Backwards, None, 0).await.expect("read capped backwards");
    assert_eq!(revisions(&page.events), [4, 3], "max_count 2, backwards");
    append(&mut store, &capped, exact(4), numbered("E", 1)).await.expect("append to capped");
    let page = read(&mut store, &capped, ReadDirection::Forwards, None, 0).await.expect("read capped");
    assert_eq!(revisions(&page.events), [4, 5], "max_count 2 after one more append");
    let got = store
        .get_stream_metadata(GetStreamMetadataRequest { stream_id: capped.clone() })
        .await
        .expect("get metadata")
        .into_inner();
    assert_eq!(got.metadata.and_then(|m| m.max_count), Some(2));
    assert_eq!(got.state(), StreamState::Active);
    assert_eq!(got.last_revision, Some(5));

    // truncate_before hides older revisions.
    let truncated = unique("truncated-");
    append(&mut store, &truncated, any(), numbered("E", 5)).await.expect("append");
    store
        .set_stream_metadata(SetStreamMetadataRequest {
            stream_id: truncated.clone(),
            metadata: Some(StreamMetadata { truncate_before: Some(3), ..Default::default() }),
        })
        .await
        .expect("set metadata");
    let page = read(&mut store, &truncated, ReadDirection::Forwards, None, 0).await.expect("read truncated");
    assert_eq!(revisions(&page.events), [3, 4], "truncate_before 3");
}
