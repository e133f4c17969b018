//! SubscribeAll and SubscribeStream: catch-up, live delivery under
//! concurrent writes, filtering with checkpoints, resuming.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use nexus_e2e::{
    NexusProcess, assert_contiguous, exact, global_position, no_stream, position_token, proposed, read_all_after,
    read_all_events, subscribe_all_response::Content as AllContent,
    subscribe_stream_response::Content as StreamContent, unique,
};
use nexus_sdk::{
    Client, EventToAppend,
    proto::{
        AllFrom, AppendToStreamRequest, EventFilter, Position, RecordedEvent, StreamFrom, SubscribeAllRequest,
        SubscribeAllResponse, SubscribeStreamRequest, all_from, event_store_service_client::EventStoreServiceClient,
        stream_from,
    },
};
use serde_json::json;
use tonic::{Streaming, transport::Channel};

type Store = EventStoreServiceClient<Channel>;

fn heartbeat(millis: u64) -> Option<prost_types::Duration> {
    Some(prost_types::Duration { seconds: 0, nanos: (millis * 1_000_000) as i32 })
}

async fn subscribe_all(
    store: &mut Store,
    after: Option<String>,
    filter: Option<EventFilter>,
    heartbeat_interval: Option<prost_types::Duration>,
) -> Streaming<SubscribeAllResponse> {
    let kind = match after {
        Some(token) => all_from::Kind::After(token),
        None => all_from::Kind::Start(()),
    };
    store
        .subscribe_all(SubscribeAllRequest {
            from: Some(AllFrom { kind: Some(kind) }),
            filter,
            heartbeat_interval,
            ..Default::default()
        })
        .await
        .expect("SubscribeAll")
        .into_inner()
}

/// The next message, failing the test on an error, end of stream or timeout.
async fn next<T>(stream: &mut Streaming<T>, timeout: Duration, what: &str) -> T {
    match tokio::time::timeout(timeout, stream.message()).await {
        Ok(Ok(Some(message))) => message,
        Ok(Ok(None)) => panic!("{what}: the subscription ended"),
        Ok(Err(status)) => panic!("{what}: the subscription failed: {status:?}"),
        Err(_) => panic!("{what}: no message within {timeout:?}"),
    }
}

fn content(message: SubscribeAllResponse) -> AllContent {
    message.content.expect("SubscribeAllResponse without content")
}

/// Appends `n` single-event appends to `stream` with exact expected revisions.
async fn append_many(client: &mut Client, stream: &str, n: u64, event_type: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let event = EventToAppend::json(event_type, json!({"i": i}));
        ids.push(event.event_id.to_string());
        let expected = if i == 0 { no_stream() } else { exact(i - 1) };
        client.append(stream, expected, vec![event]).await.unwrap_or_else(|e| panic!("append to {stream}: {e}"));
    }
    ids
}

/// Appends a batch of events (one call) and returns the last global position.
async fn append_batch(store: &mut Store, stream: &str, event_type: &str, n: usize) -> (Vec<String>, u64) {
    let events: Vec<_> = (0..n).map(|i| proposed(event_type, json!({"i": i}))).collect();
    let ids = events.iter().map(|e| e.event_id.clone()).collect();
    let response = store
        .append_to_stream(AppendToStreamRequest { stream_id: stream.into(), expected_revision: None, events })
        .await
        .unwrap_or_else(|e| panic!("append to {stream}: {e:?}"))
        .into_inner();
    (ids, response.last_position.and_then(|p| p.global_position).expect("last global position"))
}

#[derive(Default)]
struct Collected {
    events: Vec<RecordedEvent>,
    /// Index into `events` at which each CaughtUp arrived, and its position.
    caught_up: Vec<(usize, Option<Position>)>,
    error: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn subscribe_all_under_concurrent_writes() {
    const WRITERS: usize = 8;
    const APPENDS_PER_WRITER: u64 = 300;
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let mut store = client.event_store();

    // Some history first.
    let acked = Arc::new(Mutex::new(HashSet::new()));
    for round in 0..5 {
        let (ids, _) = append_batch(&mut store, &format!("history-{round}"), "History", 10).await;
        acked.lock().expect("lock").extend(ids);
    }

    // Writers, each on its own connection and stream.
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let mut client = nexus.client().await;
        let acked = acked.clone();
        writers.push(tokio::spawn(async move {
            let stream = format!("live-{w}");
            for i in 0..APPENDS_PER_WRITER {
                let event = EventToAppend::json("Live", json!({"writer": w, "i": i}));
                let id = event.event_id.to_string();
                let expected = if i == 0 { no_stream() } else { exact(i - 1) };
                client.append(&stream, expected, vec![event]).await.unwrap_or_else(|e| panic!("writer {w}: {e}"));
                acked.lock().expect("lock").insert(id);
            }
        }));
    }

    // Subscribe from the start while the writers are running.
    let wait_start = Instant::now();
    while acked.lock().expect("lock").len() < 50 + 40 && wait_start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let acked_before_subscribe: HashSet<String> = acked.lock().expect("lock").clone();
    let mut subscription = subscribe_all(&mut store, None, None, None).await;
    let collected = Arc::new(Mutex::new(Collected::default()));
    let collector = {
        let collected = collected.clone();
        tokio::spawn(async move {
            loop {
                match subscription.message().await {
                    Ok(Some(message)) => {
                        let mut c = collected.lock().expect("lock");
                        match content(message) {
                            AllContent::Event(event) => c.events.push(event),
                            AllContent::CaughtUp(caught_up) => {
                                let at = c.events.len();
                                c.caught_up.push((at, caught_up.position));
                            }
                            AllContent::Checkpoint(_) => {}
                        }
                    }
                    Ok(None) => {
                        collected.lock().expect("lock").error = Some("the subscription ended".into());
                        return;
                    }
                    Err(status) => {
                        collected.lock().expect("lock").error = Some(format!("the subscription failed: {status:?}"));
                        return;
                    }
                }
            }
        })
    };

    for writer in writers {
        tokio::time::timeout(Duration::from_secs(180), writer)
            .await
            .expect("writers did not finish within 180 s")
            .expect("writer failed");
    }
    let acked: HashSet<String> = acked.lock().expect("lock").clone();
    assert_eq!(acked.len(), 50 + WRITERS * APPENDS_PER_WRITER as usize);

    // Wait until the subscription has delivered every acknowledged event and caught up.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        {
            let c = collected.lock().expect("lock");
            if let Some(error) = &c.error {
                nexus.fail(&format!("{error} after {} events", c.events.len()));
            }
            let seen: HashSet<&str> = c.events.iter().map(|e| e.event_id.as_str()).collect();
            let missing = acked.iter().filter(|id| !seen.contains(id.as_str())).count();
            if missing == 0 && !c.caught_up.is_empty() {
                break;
            }
            if Instant::now() >= deadline {
                nexus.fail(&format!(
                    "after 30 s the subscription is missing {missing} of {} acknowledged events \
                     ({} delivered, {} CaughtUp)",
                    acked.len(),
                    c.events.len(),
                    c.caught_up.len()
                ));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a stray second CaughtUp or a duplicate a chance to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    collector.abort();
    let c = std::mem::take(&mut *collected.lock().expect("lock"));

    assert_contiguous("SubscribeAll", &c.events, Some(1));
    let ids: HashSet<&str> = c.events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), c.events.len(), "duplicate events delivered");
    assert_eq!(c.events.len(), acked.len(), "delivered events that were never acknowledged");
    assert_eq!(c.caught_up.len(), 1, "expected exactly one CaughtUp, got {:?}", c.caught_up);

    // CaughtUp comes after everything that was committed before subscribing.
    let (caught_up_at, caught_up_position) = c.caught_up[0].clone();
    eprintln!(
        "subscribed after {} acknowledged events; CaughtUp after {} of {} delivered events",
        acked_before_subscribe.len(),
        caught_up_at,
        c.events.len()
    );
    let before_caught_up: HashSet<&str> = c.events[..caught_up_at].iter().map(|e| e.event_id.as_str()).collect();
    let late = acked_before_subscribe.iter().filter(|id| !before_caught_up.contains(id.as_str())).count();
    assert_eq!(late, 0, "{late} events committed before the subscription started were delivered after CaughtUp");
    if let Some(position) = caught_up_position.and_then(|p| p.global_position) {
        if caught_up_at > 0 {
            assert!(
                global_position(&c.events[caught_up_at - 1]) <= position,
                "CaughtUp position {position} is behind the last delivered event"
            );
        }
        if let Some(after) = c.events.get(caught_up_at) {
            assert!(global_position(after) > position, "an event after CaughtUp is at or before its position");
        }
    }

    // The global log says the same.
    let all = read_all_events(&mut store, None, 1000).await;
    let log: Vec<(u64, &str)> = all.iter().map(|e| (global_position(e), e.event_id.as_str())).collect();
    let delivered: Vec<(u64, &str)> = c.events.iter().map(|e| (global_position(e), e.event_id.as_str())).collect();
    assert_eq!(delivered, log, "SubscribeAll and ReadAll disagree");
    let _ = client.read_all(None, 1, None).await.expect("server still answers");
}

#[tokio::test]
async fn filtered_subscription_checkpoints_and_resume_from_checkpoint() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    let wanted = unique("wanted-");
    let noise = unique("noise-");
    let filter = Some(EventFilter { stream_prefixes: vec![wanted.clone()], ..Default::default() });

    // History: wanted events scattered among lots of noise.
    let mut wanted_ids = Vec::new();
    wanted_ids.extend(append_batch(&mut store, &wanted, "Wanted", 3).await.0);
    for _ in 0..10 {
        append_batch(&mut store, &noise, "Noise", 50).await;
    }
    wanted_ids.extend(append_batch(&mut store, &wanted, "Wanted", 2).await.0);
    append_batch(&mut store, &noise, "Noise", 50).await;

    let mut subscription = subscribe_all(&mut store, None, filter.clone(), heartbeat(200)).await;
    let mut history = Vec::new();
    let mut checkpoints: Vec<u64> = Vec::new();
    loop {
        match content(next(&mut subscription, Duration::from_secs(20), "filtered history").await) {
            AllContent::Event(event) => history.push(event),
            AllContent::CaughtUp(_) => break,
            AllContent::Checkpoint(cp) => {
                checkpoints.push(cp.position.and_then(|p| p.global_position).expect("checkpoint position"))
            }
        }
    }
    let got: Vec<&str> = history.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(got, wanted_ids, "the filtered history is not exactly the wanted events");
    eprintln!("checkpoints during the filtered history: {checkpoints:?}");

    // Live: only filtered-out events are written. Checkpoints must arrive
    // and move past them, with no event delivered.
    let mut last_noise = 0;
    for _ in 0..4 {
        last_noise = append_batch(&mut store, &noise, "Noise", 50).await.1;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let checkpoint = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(remaining, subscription.message()).await;
        let message = match message {
            Ok(Ok(Some(message))) => message,
            Ok(other) => panic!("the filtered subscription broke: {other:?}"),
            Err(_) => panic!(
                "no Checkpoint at or beyond position {last_noise} within 10 s while events were filtered out \
                 (checkpoints so far: {checkpoints:?})"
            ),
        };
        match content(message) {
            AllContent::Event(event) => panic!("a filtered-out event was delivered: {event:?}"),
            AllContent::CaughtUp(_) => panic!("a second CaughtUp"),
            AllContent::Checkpoint(cp) => {
                let position = cp.position.expect("checkpoint position");
                let global = position.global_position.expect("checkpoint global position");
                assert!(!position.token.is_empty(), "checkpoint without token");
                if let Some(&previous) = checkpoints.last() {
                    assert!(global >= previous, "checkpoint went backwards: {previous} then {global}");
                }
                checkpoints.push(global);
                if global >= last_noise {
                    break position;
                }
            }
        }
    };
    let checkpoint_global = checkpoint.global_position.expect("global");
    eprintln!("checkpoints while live: {checkpoints:?} (last filtered-out event at {last_noise})");

    // A wanted event is delivered live.
    let (live_ids, live_position) = append_batch(&mut store, &wanted, "Wanted", 1).await;
    let event = loop {
        match content(next(&mut subscription, Duration::from_secs(10), "live wanted event").await) {
            AllContent::Event(event) => break event,
            AllContent::Checkpoint(_) => continue,
            AllContent::CaughtUp(_) => panic!("a second CaughtUp"),
        }
    };
    assert_eq!(event.event_id, live_ids[0]);
    assert_eq!(global_position(&event), live_position);
    drop(subscription);

    // Resume from the checkpoint token with the same filter, after more writes.
    let mut more = Vec::new();
    for _ in 0..3 {
        append_batch(&mut store, &noise, "Noise", 30).await;
        more.extend(append_batch(&mut store, &wanted, "Wanted", 1).await.0);
    }
    append_batch(&mut store, &noise, "Noise", 30).await;
    let mut resumed = subscribe_all(&mut store, Some(checkpoint.token.clone()), filter.clone(), heartbeat(200)).await;
    let mut got = Vec::new();
    loop {
        match content(next(&mut resumed, Duration::from_secs(20), "resumed filtered subscription").await) {
            AllContent::Event(event) => {
                assert!(
                    global_position(&event) > checkpoint_global,
                    "resume delivered an event at or before the checkpoint"
                );
                got.push(event)
            }
            AllContent::CaughtUp(_) => break,
            AllContent::Checkpoint(_) => {}
        }
    }
    let got_ids: Vec<&str> = got.iter().map(|e| e.event_id.as_str()).collect();
    let mut expected: Vec<String> = live_ids.clone();
    expected.extend(more);
    assert_eq!(got_ids, expected, "resuming from the checkpoint lost or repeated events");
    let via_read_all = read_all_after(&mut store, Some(checkpoint.token), filter, 100).await;
    let read_ids: Vec<&str> = via_read_all.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(got_ids, read_ids, "resumed subscription and ReadAll after the checkpoint disagree");
}

#[tokio::test]
async fn resume_after_event_token_without_duplicates_or_gaps() {
    let nexus = NexusProcess::start().await;
    let mut store = nexus.client().await.event_store();
    for round in 0..4 {
        append_batch(&mut store, &format!("resume-{}", round % 2), "Resume", 25).await;
    }

    // First session: take 40 events, then disconnect.
    let mut subscription = subscribe_all(&mut store, None, None, None).await;
    let mut first = Vec::new();
    while first.len() < 40 {
        match content(next(&mut subscription, Duration::from_secs(10), "first session").await) {
            AllContent::Event(event) => first.push(event),
            AllContent::CaughtUp(_) => panic!("CaughtUp after {} of 100 history events", first.len()),
            AllContent::Checkpoint(_) => {}
        }
    }
    drop(subscription);
    assert_contiguous("first session", &first, Some(1));

    append_batch(&mut store, "resume-0", "Resume", 50).await;

    // Second session resumes after the 40th event.
    let token = position_token(first.last().expect("events"));
    let mut subscription = subscribe_all(&mut store, Some(token), None, None).await;
    let mut second = Vec::new();
    loop {
        match content(next(&mut subscription, Duration::from_secs(10), "second session").await) {
            AllContent::Event(event) => second.push(event),
            AllContent::CaughtUp(_) => break,
            AllContent::Checkpoint(_) => {}
        }
    }
    assert_eq!(second.len(), 110, "history after the token");
    assert_contiguous("second session", &second, Some(41));

    // Live after catching up.
    let (live, last) = append_batch(&mut store, "resume-1", "Resume", 5).await;
    for (i, id) in live.iter().enumerate() {
        let event = loop {
            match content(next(&mut subscription, Duration::from_secs(10), "live").await) {
                AllContent::Event(event) => break event,
                AllContent::Checkpoint(_) => continue,
                AllContent::CaughtUp(_) => panic!("a second CaughtUp"),
            }
        };
        assert_eq!(&event.event_id, id);
        assert_eq!(global_position(&event), last - 4 + i as u64);
    }
    let mut all = first;
    all.extend(second);
    let ids: HashSet<&str> = all.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "an event was delivered in both sessions");

    // Subscribing from the end delivers only new events.
    let mut from_end = store
        .subscribe_all(SubscribeAllRequest {
            from: Some(AllFrom { kind: Some(all_from::Kind::End(())) }),
            ..Default::default()
        })
        .await
        .expect("SubscribeAll from end")
        .into_inner();
    // Wait for CaughtUp so the subscription is surely live before writing.
    loop {
        match content(next(&mut from_end, Duration::from_secs(10), "from end").await) {
            AllContent::CaughtUp(_) => break,
            AllContent::Event(event) => panic!("subscription from the end delivered history: {event:?}"),
            AllContent::Checkpoint(_) => {}
        }
    }
    let (ids, position) = append_batch(&mut store, "resume-0", "Resume", 1).await;
    let event = loop {
        match content(next(&mut from_end, Duration::from_secs(10), "from end, live").await) {
            AllContent::Event(event) => break event,
            _ => continue,
        }
    };
    assert_eq!(event.event_id, ids[0]);
    assert_eq!(global_position(&event), position);
}

#[tokio::test]
async fn subscribe_stream_catch_up_then_live() {
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let mut store = client.event_store();
    let stream = unique("watched-");
    let other = unique("other-");
    let history = append_many(&mut client, &stream, 5, "Watched").await;
    append_many(&mut client, &other, 3, "Other").await;

    let subscribe = |from: stream_from::Kind, stream: String| {
        let mut store = store.clone();
        async move {
            store
                .subscribe_stream(SubscribeStreamRequest {
                    stream_id: stream,
                    from: Some(StreamFrom { kind: Some(from) }),
                    heartbeat_interval: heartbeat(200),
                    ..Default::default()
                })
                .await
                .expect("SubscribeStream")
                .into_inner()
        }
    };
    async fn next_event(
        sub: &mut Streaming<nexus_sdk::proto::SubscribeStreamResponse>,
        what: &str,
        caught_up: &mut usize,
    ) -> RecordedEvent {
        loop {
            match next(sub, Duration::from_secs(10), what).await.content.expect("content") {
                StreamContent::Event(event) => return event,
                StreamContent::CaughtUp(_) => *caught_up += 1,
                StreamContent::Heartbeat(()) => {}
            }
        }
    }

    // From the start: history, CaughtUp, then live.
    let mut sub = subscribe(stream_from::Kind::Start(()), stream.clone()).await;
    let mut caught_up = 0;
    for (revision, id) in history.iter().enumerate() {
        let event = next_event(&mut sub, "stream history", &mut caught_up).await;
        assert_eq!((event.stream_revision, &event.event_id), (revision as u64, id));
        assert_eq!(event.stream_id, stream);
    }
    assert_eq!(caught_up, 0, "CaughtUp before the end of the history");
    loop {
        match next(&mut sub, Duration::from_secs(10), "stream CaughtUp").await.content.expect("content") {
            StreamContent::CaughtUp(_) => break,
            StreamContent::Heartbeat(()) => {}
            StreamContent::Event(event) => panic!("an event beyond the history: {event:?}"),
        }
    }
    let mut live = Vec::new();
    for i in 0..3u64 {
        // Writes to another stream must not show up.
        client.append(&other, None, vec![EventToAppend::json("Other", json!({}))]).await.expect("append other");
        let event = EventToAppend::json("Watched", json!({"live": i}));
        live.push(event.event_id.to_string());
        client.append(&stream, exact(4 + i), vec![event]).await.expect("append watched");
    }
    for (i, id) in live.iter().enumerate() {
        let event = next_event(&mut sub, "stream live", &mut caught_up).await;
        assert_eq!((event.stream_revision, &event.event_id), (5 + i as u64, id), "live event of {stream}");
    }
    assert_eq!(caught_up, 0, "a second CaughtUp");

    // Heartbeats arrive while idle (interval 200 ms).
    let mut heartbeats = 0;
    let idle_until = Instant::now() + Duration::from_secs(10);
    while heartbeats < 2 && Instant::now() < idle_until {
        match next(&mut sub, Duration::from_secs(5), "stream heartbeat").await.content.expect("content") {
            StreamContent::Heartbeat(()) => heartbeats += 1,
            other => panic!("unexpected message while idle: {other:?}"),
        }
    }
    assert_eq!(heartbeats, 2, "heartbeats while idle");
    drop(sub);

    // From after revision 2.
    let mut sub = subscribe(stream_from::Kind::AfterRevision(2), stream.clone()).await;
    let mut caught_up = 0;
    for revision in 3..8u64 {
        let event = next_event(&mut sub, "after revision 2", &mut caught_up).await;
        assert_eq!(event.stream_revision, revision);
    }
    drop(sub);

    // A stream that does not exist yet: the subscription waits for it.
    let future_stream = unique("future-");
    let mut sub = subscribe(stream_from::Kind::Start(()), future_stream.clone()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let ids = append_many(&mut client, &future_stream, 2, "Future").await;
    let mut caught_up = 0;
    for (revision, id) in ids.iter().enumerate() {
        let event = next_event(&mut sub, "stream created after subscribing", &mut caught_up).await;
        assert_eq!((event.stream_revision, &event.event_id), (revision as u64, id));
    }
    assert!(caught_up <= 1, "{caught_up} CaughtUp messages");

    // From the end: only new events.
    let mut sub = subscribe(stream_from::Kind::End(()), stream.clone()).await;
    loop {
        match next(&mut sub, Duration::from_secs(10), "from end").await.content.expect("content") {
            StreamContent::CaughtUp(_) => break,
            StreamContent::Heartbeat(()) => {}
            StreamContent::Event(event) => panic!("subscription from the end delivered history: {event:?}"),
        }
    }
    let event = EventToAppend::json("Watched", json!({"last": true}));
    let id = event.event_id.to_string();
    client.append(&stream, exact(7), vec![event]).await.expect("append");
    let mut caught_up = 0;
    let event = next_event(&mut sub, "from end, live", &mut caught_up).await;
    assert_eq!((event.stream_revision, event.event_id), (8, id));
    let _ = &mut store;
}
