//! Acknowledged appends survive a SIGKILL of the server, and the global log
//! stays gap-free.

use std::{
    collections::{BTreeMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use nexus_e2e::{
    NexusProcess, assert_contiguous, exact, global_position, no_stream, read_all_events, read_whole_stream,
};
use nexus_sdk::{Client, EventToAppend};
use serde_json::json;

const WRITERS: usize = 16;
const LOAD_TIME: Duration = Duration::from_secs(2);
/// Upper bound of appends per writer, so the loop is bounded even on a fast machine.
const MAX_APPENDS_PER_WRITER: u64 = 5_000;

#[derive(Debug, Clone)]
struct Ack {
    stream: String,
    revision: u64,
    event_id: String,
}

async fn writer(mut client: Client, index: usize, acks: Arc<Mutex<Vec<Ack>>>) -> (u64, Option<String>) {
    let stream = format!("durable-{index}");
    let mut next: u64 = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while next < MAX_APPENDS_PER_WRITER && Instant::now() < deadline {
        let event = EventToAppend::json("Tick", json!({"writer": index, "n": next}));
        let event_id = event.event_id.to_string();
        let expected = if next == 0 { no_stream() } else { exact(next - 1) };
        match client.append(&stream, expected, vec![event]).await {
            Ok(response) => {
                assert_eq!(response.current_revision, next, "writer {index}: acknowledged revision");
                acks.lock().expect("lock").push(Ack { stream: stream.clone(), revision: next, event_id });
                next += 1;
            }
            // The server is killed under us: stop at the first failure.
            Err(e) => return (next, Some(e.to_string())),
        }
    }
    (next, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_appends_survive_kill9() {
    let mut nexus = NexusProcess::start().await;
    let acks = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for index in 0..WRITERS {
        // One connection per writer, as separate clients would have.
        let client = nexus.client().await;
        tasks.push(tokio::spawn(writer(client, index, acks.clone())));
    }
    tokio::time::sleep(LOAD_TIME).await;
    let acked_before_kill = acks.lock().expect("lock").len();
    nexus.kill9();
    let mut failures = 0;
    for task in tasks {
        let (_, error) = tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("writer did not stop after the kill")
            .expect("writer panicked");
        if error.is_some() {
            failures += 1;
        }
    }
    let acks = acks.lock().expect("lock").clone();
    assert!(acked_before_kill > 0, "no append was acknowledged within {LOAD_TIME:?}");
    assert!(failures > 0, "the writers finished before the kill: the kill did not happen under load");
    eprintln!("{} appends acknowledged before kill -9 ({failures} writers cut off)", acks.len());

    nexus.restart().await;
    let client = nexus.client().await;
    let mut store = client.event_store();

    // Every acknowledged event is there, with its id and revision.
    let mut by_stream: BTreeMap<String, Vec<Ack>> = BTreeMap::new();
    for ack in &acks {
        by_stream.entry(ack.stream.clone()).or_default().push(ack.clone());
    }
    let mut stored_total = 0;
    let mut stored_ids = HashSet::new();
    for index in 0..WRITERS {
        let stream = format!("durable-{index}");
        let acked = by_stream.get(&stream).cloned().unwrap_or_default();
        let events = match read_whole_stream(&mut store, &stream).await {
            Ok(events) => events,
            Err(status) if acked.is_empty() && status.code() == tonic::Code::NotFound => Vec::new(),
            Err(status) => nexus.fail(&format!("reading {stream} after restart failed: {status:?}")),
        };
        for ack in &acked {
            let stored = events.get(ack.revision as usize).unwrap_or_else(|| {
                nexus.fail(&format!(
                    "acknowledged event {} at {}@{} is missing after kill -9 (stream has {} events)",
                    ack.event_id,
                    ack.stream,
                    ack.revision,
                    events.len()
                ))
            });
            assert_eq!(stored.stream_revision, ack.revision, "{stream}: revision");
            assert_eq!(stored.event_id, ack.event_id, "{stream}@{}: a different event is stored", ack.revision);
        }
        // At most the one in-flight, unacknowledged append may also have been committed.
        assert!(
            events.len() == acked.len() || events.len() == acked.len() + 1,
            "{stream}: {} events stored but {} acknowledged",
            events.len(),
            acked.len()
        );
        for (i, event) in events.iter().enumerate() {
            assert_eq!(event.stream_revision, i as u64, "{stream}: revisions must be 0..n");
        }
        stored_total += events.len();
        stored_ids.extend(events.iter().map(|e| e.event_id.clone()));
    }

    // The global log: positions 1..N, no gaps, and exactly the streams' events.
    let all = read_all_events(&mut store, None, 500).await;
    assert_eq!(all.len(), stored_total, "the global log and the streams disagree on the event count");
    assert_contiguous("ReadAll after kill -9", &all, Some(1));
    assert_eq!(all.last().map(global_position), Some(stored_total as u64));
    let log_ids: HashSet<String> = all.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(log_ids.len(), all.len(), "duplicate event ids in the global log");
    assert_eq!(log_ids, stored_ids, "the global log and the streams hold different events");

    // The store accepts writes after recovery, continuing every stream.
    let mut client = client;
    for index in 0..WRITERS {
        let stream = format!("durable-{index}");
        let len = read_whole_stream(&mut store, &stream).await.map(|e| e.len()).unwrap_or(0) as u64;
        let expected = if len == 0 { no_stream() } else { exact(len - 1) };
        let response = client
            .append(&stream, expected, vec![EventToAppend::json("Tick", json!({"after": "restart"}))])
            .await
            .unwrap_or_else(|e| panic!("append to {stream} after restart failed: {e}"));
        assert_eq!(response.current_revision, len);
        assert_eq!(
            response.last_position.and_then(|p| p.global_position),
            Some(stored_total as u64 + index as u64 + 1),
            "global positions continue without a gap after recovery"
        );
    }
}
